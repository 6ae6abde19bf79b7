//! The pipeline's picture, drawn once for every format: which inputs,
//! boxes, clusters and edges it has. `dot.rs` (Graphviz) and `mermaid.rs`
//! say how each is written.

use crate::graph::Source;
use crate::model::{Model, Node, NodeKind};
use crate::nested::display_name;
use syn::ext::IdentExt;

/// Where a picture is written, one element at a time.
pub trait Canvas {
    fn input(&mut self, name: &str);
    /// A node's box: its path (unique, for ids) and its label's lines; a
    /// gate (a node whose output a `#[when]` reads) is a diamond.
    fn node(&mut self, path: &str, label: &[String], gate: bool);
    /// The start of a nested pipeline's cluster.
    fn begin_cluster(&mut self, name: &str, title: &str);
    fn end_cluster(&mut self);
    /// An edge carrying `value`.
    fn edge(&mut self, from: &Endpoint, value: &str, to: &Endpoint);
    /// A gate's edge to a node it gates, labelled with the node's
    /// `#[when]` (`needs_search`, `!needs_search`, `tone = Refuse`).
    fn when_edge(&mut self, from: &Endpoint, when: &str, to: &Endpoint);
    /// A returned value, and the edges from its producers (several for a
    /// value produced on several branches).
    fn output(&mut self, name: &str, from: &[Endpoint]);
}

/// One end of an edge.
pub enum Endpoint {
    Input(String),
    /// A node, by path.
    Node(String),
}

/// Inputs, then the boxes of the pipeline's own nodes, then each nested
/// pipeline's cluster (a mapped one with its own nodes and edges, fed
/// through its box), then the edges, then the returned values.
pub fn draw(model: &Model, canvas: &mut impl Canvas) {
    for input in &model.plan.inputs {
        canvas.input(&input.name);
    }
    for node in model.running_nodes().filter(|node| node.nested.is_none()) {
        node_box(canvas, model, node);
    }
    for (index, entry) in model.nested.iter().enumerate() {
        let members: Vec<&Node> = model
            .running_nodes()
            .filter(|node| node.nested == Some(index))
            .collect();
        let Some(first) = members.first() else {
            continue;
        };
        let title = match &first.kind {
            NodeKind::Mapped(group) => format!("{} (mapped over {})", entry.name, mapped(group)),
            _ => entry.name.clone(),
        };
        canvas.begin_cluster(&entry.name, &title);
        for node in members {
            node_box(canvas, model, node);
            if let NodeKind::Mapped(group) = &node.kind {
                for member in group.model.running_nodes() {
                    node_box(canvas, &group.model, member);
                }
                edges(canvas, &group.model, &|source| match source {
                    Source::Input(_) => Endpoint::Node(node.path_name()),
                    Source::Node { node: member, .. } => {
                        Endpoint::Node(group.model.nodes[member].path_name())
                    }
                });
            }
        }
        canvas.end_cluster();
    }
    edges(canvas, model, &|source| endpoint(model, source));
    when_edges(canvas, model);
    for (name, source) in &model.plan.returned {
        let from: Vec<Endpoint> = (model.running_producers(*source).into_iter())
            .map(|producer| endpoint(model, producer))
            .collect();
        canvas.output(name, &from);
    }
}

/// The mapped inputs of a mapped nested pipeline, listed.
fn mapped(group: &crate::nested::Group) -> String {
    let names: Vec<&str> = (group.inputs.iter())
        .filter(|input| input.mapped)
        .map(|input| input.name.as_str())
        .collect();
    names.join(", ")
}

/// A node's box: its name, and its outputs if they differ from it, or what
/// a mapped nested pipeline maps over.
fn node_box(canvas: &mut impl Canvas, model: &Model, node: &Node) {
    let name = node.name();
    let outputs: Vec<String> = (node.sig.outputs.iter())
        .map(|output| output.unraw().to_string())
        .collect();
    let shown: Vec<&str> = outputs.iter().map(|output| display_name(output)).collect();
    let label = match &node.kind {
        NodeKind::Mapped(group) => vec![name, format!("map over {}", mapped(group))],
        _ if shown == [name.as_str()] => vec![name],
        _ => vec![name, format!("→ {}", shown.join(", "))],
    };
    let gate = (model.nodes.iter()).any(|gated| {
        (gated.when.as_ref()).is_some_and(|when| outputs.iter().any(|o| when.gate == o))
    });
    canvas.node(&node.path_name(), &label, gate);
}

/// One edge per consumed value and producer, from `from(source)` to the
/// consumer (a value of several producers, on branches, has an edge from
/// each).
fn edges(canvas: &mut impl Canvas, model: &Model, from: &dyn Fn(Source) -> Endpoint) {
    for step in &model.plan.steps {
        let consumer = &model.nodes[step.node];
        let to = Endpoint::Node(consumer.path_name());
        for (index, (source, _)) in step.args.iter().enumerate() {
            let value = consumer.sig.params[index].ident.unraw().to_string();
            let value = display_name(&value);
            for producer in model.running_producers(*source) {
                canvas.edge(&from(producer), value, &to);
            }
        }
    }
}

/// From each gate to the nodes whose `#[when]` reads it, labelled with it.
fn when_edges(canvas: &mut impl Canvas, model: &Model) {
    for step in &model.plan.steps {
        let node = &model.nodes[step.node];
        let (Some(when), Some(gate)) = (&node.when, step.gate) else {
            continue;
        };
        let to = Endpoint::Node(node.path_name());
        for producer in model.running_producers(gate) {
            canvas.when_edge(&endpoint(model, producer), &when.literal().to_string(), &to);
        }
    }
}

fn endpoint(model: &Model, source: Source) -> Endpoint {
    match source {
        Source::Input(index) => Endpoint::Input(model.plan.inputs[index].name.clone()),
        Source::Node { node, .. } => Endpoint::Node(model.nodes[node].path_name()),
    }
}
