//! The pipeline as a Graphviz DOT graph, built at compile time.

use crate::graph::Source;
use crate::model::Model;
use std::fmt::Write;

/// Inputs are dashed ellipses, nodes are boxes listing their outputs,
/// returned values are double ellipses; each edge carries the value's name.
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
    for node in model.running_nodes() {
        let name = node.name();
        let outputs: Vec<String> = node
            .sig
            .outputs
            .iter()
            .map(|output| syn::ext::IdentExt::unraw(output).to_string())
            .collect();
        let label = if outputs == [name.clone()] {
            name.clone()
        } else {
            format!("{name}\\n→ {}", outputs.join(", "))
        };
        let _ = writeln!(out, "  \"node:{name}\" [label=\"{label}\", shape=box];");
    }
    for step in &model.plan.steps {
        let consumer = model.nodes[step.node].name();
        for (index, (source, _)) in step.args.iter().enumerate() {
            let from = endpoint(model, *source);
            let value = model.nodes[step.node].sig.params[index].ident.to_string();
            let _ = writeln!(
                out,
                "  \"{from}\" -> \"node:{consumer}\" [label=\"{}\"];",
                value.trim_start_matches("r#")
            );
        }
    }
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

fn endpoint(model: &Model, source: Source) -> String {
    match source {
        Source::Input(index) => format!("in:{}", model.plan.inputs[index].name),
        Source::Node { node, .. } => format!("node:{}", model.nodes[node].name()),
    }
}
