//! The pipeline as a Graphviz DOT graph, built at compile time.

use crate::expand::picture::{draw, Canvas, Endpoint};
use crate::model::Model;
use std::fmt::Write;

/// Inputs are dashed ellipses, nodes are boxes listing their outputs,
/// returned values are double ellipses; each edge carries the value's name.
/// The nodes of a nested pipeline are a cluster named after it.
pub fn dot(model: &Model) -> String {
    let mut dot = Dot {
        out: format!(
            "digraph {} {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n",
            model.skeleton.ident
        ),
        indent: "  ",
    };
    draw(model, &mut dot);
    dot.out.push_str("}\n");
    dot.out
}

struct Dot {
    out: String,
    indent: &'static str,
}

fn id(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Input(name) => format!("in:{name}"),
        Endpoint::Node(path) => format!("node:{path}"),
    }
}

impl Canvas for Dot {
    fn input(&mut self, name: &str) {
        let _ = writeln!(
            self.out,
            "  \"in:{name}\" [label=\"{name}\", shape=ellipse, style=dashed];"
        );
    }

    fn node(&mut self, path: &str, label: &[String], gate: bool) {
        let label = label.join("\\n");
        let shape = if gate { "diamond" } else { "box" };
        let _ = writeln!(
            self.out,
            "{}\"node:{path}\" [label=\"{label}\", shape={shape}];",
            self.indent
        );
    }

    fn begin_cluster(&mut self, name: &str, title: &str) {
        let _ = writeln!(
            self.out,
            "  subgraph \"cluster_{name}\" {{\n    label=\"{title}\";\n    style=rounded;"
        );
        self.indent = "    ";
    }

    fn end_cluster(&mut self) {
        self.out.push_str("  }\n");
        self.indent = "  ";
    }

    fn edge(&mut self, from: &Endpoint, value: &str, to: &Endpoint) {
        let _ = writeln!(
            self.out,
            "  \"{}\" -> \"{}\" [label=\"{value}\"];",
            id(from),
            id(to)
        );
    }

    fn when_edge(&mut self, from: &Endpoint, when: &str, to: &Endpoint) {
        let when = when.replace('"', "\\\"");
        let _ = writeln!(
            self.out,
            "  \"{}\" -> \"{}\" [label=\"{when}\", style=dashed];",
            id(from),
            id(to)
        );
    }

    fn output(&mut self, name: &str, from: &[Endpoint]) {
        let _ = writeln!(
            self.out,
            "  \"out:{name}\" [label=\"{name}\", shape=ellipse, peripheries=2];"
        );
        for from in from {
            let _ = writeln!(self.out, "  \"{}\" -> \"out:{name}\";", id(from));
        }
    }
}
