//! The pipeline's picture as data: what `Pipeline::DOT` and
//! `Pipeline::MERMAID` write as text, kept as `'static` slices so that it
//! costs nothing unless it is read and needs no allocator. The `svg`
//! feature lays it out and draws it.

/// One end of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// An input of the pipeline, by name.
    Input(&'static str),
    /// A node, by path (`text_stats / load_text` inside a nested pipeline).
    Node(&'static str),
}

/// A node's box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeBox {
    /// The node's path, unique in the pipeline.
    pub path: &'static str,
    /// The label's lines: the node's name, then its outputs if they differ
    /// from it, or what a mapped nested pipeline maps over.
    pub label: &'static [&'static str],
    /// The index in [`Picture::clusters`] of the nested pipeline the node
    /// belongs to, if any.
    pub cluster: Option<usize>,
}

/// A nested pipeline, drawn around its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The nested pipeline's name, unique in the pipeline.
    pub name: &'static str,
    /// Its title: the name, and what a mapped one maps over.
    pub title: &'static str,
}

/// An edge carrying a value from its producer (or an input) to a consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Where the value comes from.
    pub from: End,
    /// The value's name, as the consumer's parameter names it.
    pub value: &'static str,
    /// The consumer.
    pub to: End,
}

/// A returned value and its producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The returned value's name (its field of the `Outputs` struct).
    pub name: &'static str,
    /// What produces it.
    pub from: End,
}

/// Everything a picture of the pipeline shows, in the order `DOT` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    /// The pipeline's name.
    pub name: &'static str,
    /// The inputs' names.
    pub inputs: &'static [&'static str],
    /// Every node that runs, with the nodes of nested pipelines.
    pub nodes: &'static [NodeBox],
    /// The nested pipelines.
    pub clusters: &'static [Cluster],
    /// One edge per consumed value.
    pub edges: &'static [Edge],
    /// The returned values.
    pub outputs: &'static [Output],
}

impl Picture {
    /// A picture of nothing, for a pipeline whose declaration has errors.
    pub const EMPTY: Picture = Picture {
        name: "",
        inputs: &[],
        nodes: &[],
        clusters: &[],
        edges: &[],
        outputs: &[],
    };
}
