//! The pipeline as a Graphviz DOT graph, built at compile time.

use crate::graph::Source;
use crate::model::{Model, Node, NodeKind};
use std::fmt::Write;
use syn::ext::IdentExt;

/// Inputs are dashed ellipses, nodes are boxes listing their outputs,
/// returned values are double ellipses; each edge carries the value's name.
/// The nodes of a nested pipeline are a cluster named after it; a mapped
/// one shows its own nodes and edges, and one box through which the outer
/// graph feeds it.
pub fn dot(model: &Model) -> String {
    let mut out = format!(
        "digraph {} {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n",
        model.skeleton.ident
    );
    for input in &model.plan.inputs {
        let _ = writeln!(
            out,
            "  \"in:{0}\" [label=\"{0}\", shape=ellipse, style=dashed];",
            input.name
        );
    }
    for node in model.running_nodes().filter(|node| node.nested.is_none()) {
        write_box(&mut out, node, "  ");
    }
    for (index, entry) in model.nested.iter().enumerate() {
        let members: Vec<&Node> = model
            .running_nodes()
            .filter(|node| node.nested == Some(index))
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n    style=rounded;",
            entry.name, entry.name
        );
        for node in members {
            write_box(&mut out, node, "    ");
            if let NodeKind::Mapped(group) = &node.kind {
                for member in group.model.running_nodes() {
                    write_box(&mut out, member, "    ");
                }
                write_edges(&mut out, &group.model, &|source| match source {
                    Source::Input(_) => format!("node:{}", node.path_name()),
                    Source::Node { node: member, .. } => {
                        format!("node:{}", group.model.nodes[member].path_name())
                    }
                });
            }
        }
        out.push_str("  }\n");
    }
    write_edges(&mut out, model, &|source| endpoint(model, source));
    for (name, source) in &model.plan.returned {
        let _ = writeln!(
            out,
            "  \"out:{name}\" [label=\"{name}\", shape=ellipse, peripheries=2];"
        );
        let _ = writeln!(out, "  \"{}\" -> \"out:{name}\";", endpoint(model, *source));
    }
    out.push_str("}\n");
    out
}

/// A node's box, labelled with its name and, if they differ, its outputs.
fn write_box(out: &mut String, node: &Node, indent: &str) {
    let name = node.name();
    let outputs: Vec<String> = (node.sig.outputs.iter())
        .map(|output| output.unraw().to_string())
        .collect();
    let label = match &node.kind {
        NodeKind::Mapped(group) => {
            let mapped: Vec<&str> = (group.inputs.iter())
                .filter(|input| input.mapped)
                .map(|input| input.name.as_str())
                .collect();
            format!("{name}\\nmap over {}", mapped.join(", "))
        }
        _ if outputs == [name.clone()] => name,
        _ => format!("{name}\\n→ {}", outputs.join(", ")),
    };
    let _ = writeln!(
        out,
        "{indent}\"node:{}\" [label=\"{label}\", shape=box];",
        node.path_name()
    );
}

/// One edge per consumed value, from `from(source)` to the consumer.
fn write_edges(out: &mut String, model: &Model, from: &dyn Fn(Source) -> String) {
    for step in &model.plan.steps {
        let consumer = model.nodes[step.node].path_name();
        for (index, (source, _)) in step.args.iter().enumerate() {
            let value = model.nodes[step.node].sig.params[index]
                .ident
                .unraw()
                .to_string();
            let _ = writeln!(
                out,
                "  \"{}\" -> \"node:{consumer}\" [label=\"{value}\"];",
                from(*source)
            );
        }
    }
}

fn endpoint(model: &Model, source: Source) -> String {
    match source {
        Source::Input(index) => format!("in:{}", model.plan.inputs[index].name),
        Source::Node { node, .. } => format!("node:{}", model.nodes[node].path_name()),
    }
}
