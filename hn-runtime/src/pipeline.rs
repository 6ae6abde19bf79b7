//! The trait every generated pipeline implements.

use crate::NodeInfo;

/// Implemented by every struct that `pipeline!` generates: the pipeline's
/// types and a static description of its graph.
///
/// The runners (`run`, `run_parallel`, `run_async`, the maps) are inherent
/// methods of the generated struct, so that a pipeline only has the ones
/// its nodes allow (an `async` node rules out `run`, `run_parallel` and the
/// blocking maps, whose calls then fail to compile with a message that
/// says what to use instead).
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 { x * 2 }
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// assert_eq!(Chain::INPUTS, ["x"]);
/// assert_eq!(Chain::OUTPUTS, ["double", "add_one"]);
/// let names: Vec<_> = Chain::NODES.iter().map(|n| n.name).collect();
/// assert_eq!(names, ["double", "add_one"]);
/// assert!(Chain::DOT.starts_with("digraph Chain {"));
/// assert!(Chain::MERMAID.contains("node_double -->|\"double\"| node_add_one"));
/// ```
pub trait Pipeline {
    /// The generated `<Name>Inputs` struct: one owned field per input.
    type Inputs;
    /// The generated `<Name>Outputs` struct: one field per output.
    type Outputs;
    /// The generated `<Name>Error` enum: one variant per fallible node.
    type Error;
    /// Every node that runs, in the topological order `run` uses.
    const NODES: &'static [NodeInfo];
    /// The pipeline's input names, in the order of their first consumer.
    const INPUTS: &'static [&'static str];
    /// The names `run` returns, in `Outputs` field order.
    const OUTPUTS: &'static [&'static str];
    /// The graph in Graphviz DOT: inputs as ellipses, nodes as boxes, one
    /// edge per consumed name.
    const DOT: &'static str;
    /// The graph as a Mermaid flowchart (`flowchart LR`): inputs as
    /// stadiums, nodes as boxes, returned values as circles, one edge per
    /// consumed name labelled with it; a nested pipeline's nodes as a
    /// subgraph, a mapped one titled with what it maps over. Put it in a
    /// ```` ```mermaid ```` block of a Markdown file to see the picture.
    const MERMAID: &'static str;
    /// The picture that `DOT` and `MERMAID` write, as data: what the `svg`
    /// feature lays out and draws (`hypernodes::viz::svg`).
    #[doc(hidden)]
    const __PICTURE: crate::picture::Picture;
}

/// Implemented by a pipeline whose values can cross threads: its inputs,
/// intermediate values and outputs are `Send + Sync` and its errors `Send`.
/// That is what running its nodes at once needs: `run_parallel`, and the
/// maps that take an [`Engine`](crate::Engine) (`map_with`, `try_map_with`,
/// `map_iter`, `map_iter_with`), whose signatures ask for it as
/// `for<'hn> Self: ThreadSafe`.
///
/// `pipeline!` implements it, with one bound per value; a pipeline with a
/// value that is not thread-safe (an `Rc`, a `RefCell`) still has `run`,
/// and a call of one of these runners is a compile error naming the value's
/// type and pointing at the node that produces it.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
/// use hypernodes::ThreadSafe;
///
/// pipeline! {
///     struct Double {
///         fn doubled(x: u32) -> u32 { x * 2 }
///     }
/// }
///
/// fn runs_on_threads<P: ThreadSafe>(_: P) {}
/// runs_on_threads(Double);
/// ```
#[cfg(feature = "rayon")]
pub trait ThreadSafe: Pipeline {
    /// `run_parallel`, with every node call wrapped by `observer`.
    #[doc(hidden)]
    fn __run_parallel_observed<O: crate::__private::Observer + Sync>(
        &self,
        inputs: Self::Inputs,
        observer: &O,
    ) -> Result<Self::Outputs, Self::Error>;

    /// One item of a map with nodes one after another, the items of mapped
    /// nested pipelines on rayon.
    #[doc(hidden)]
    fn __run_item_observed<O: crate::__private::Observer + Sync>(
        &self,
        inputs: Self::Inputs,
        observer: &O,
    ) -> Result<Self::Outputs, Self::Error>;
}
