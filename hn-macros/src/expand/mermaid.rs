//! The pipeline as a Mermaid flowchart, built at compile time: the picture
//! that renders where Markdown is read (GitHub, GitLab, most wikis).

use crate::expand::picture::{draw, Canvas, Endpoint};
use crate::model::Model;
use std::fmt::Write;

/// Inputs are stadiums, nodes are boxes, returned values are circles; each
/// edge carries the value's name. A nested pipeline's nodes are a subgraph
/// named after it.
pub fn mermaid(model: &Model) -> String {
    let mut mermaid = Mermaid {
        out: String::from("flowchart LR\n"),
        indent: "  ",
    };
    draw(model, &mut mermaid);
    mermaid.out
}

struct Mermaid {
    out: String,
    indent: &'static str,
}

/// A Mermaid id: letters, digits and `_` only (a path's ` / ` becomes
/// `__`), prefixed by what it is so that an input and a node of one name
/// stay apart.
fn id(kind: &str, name: &str) -> String {
    let name = name.replace(" / ", "__");
    let name: String = (name.chars())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{kind}_{name}")
}

fn endpoint_id(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Input(name) => id("in", name),
        Endpoint::Node(path) => id("node", path),
    }
}

/// Text inside a quoted Mermaid label.
fn escape(text: &str) -> String {
    text.replace('"', "#quot;")
}

impl Canvas for Mermaid {
    fn input(&mut self, name: &str) {
        let _ = writeln!(self.out, "  {}([\"{}\"])", id("in", name), escape(name));
    }

    fn node(&mut self, path: &str, label: &[String], gate: bool) {
        let label = escape(&label.join("<br/>"));
        let (open, close) = if gate { ("{", "}") } else { ("[", "]") };
        let _ = writeln!(
            self.out,
            "{}{}{open}\"{label}\"{close}",
            self.indent,
            id("node", path)
        );
    }

    fn begin_cluster(&mut self, name: &str, title: &str) {
        let _ = writeln!(
            self.out,
            "  subgraph {}[\"{}\"]",
            id("nested", name),
            escape(title)
        );
        self.indent = "    ";
    }

    fn end_cluster(&mut self) {
        self.out.push_str("  end\n");
        self.indent = "  ";
    }

    fn when_edge(&mut self, from: &Endpoint, when: &str, to: &Endpoint) {
        let _ = writeln!(
            self.out,
            "  {} -.->|\"{}\"| {}",
            endpoint_id(from),
            escape(when),
            endpoint_id(to)
        );
    }

    fn edge(&mut self, from: &Endpoint, value: &str, to: &Endpoint) {
        let _ = writeln!(
            self.out,
            "  {} -->|\"{}\"| {}",
            endpoint_id(from),
            escape(value),
            endpoint_id(to)
        );
    }

    fn output(&mut self, name: &str, from: &[Endpoint]) {
        let output = id("out", name);
        let _ = writeln!(self.out, "  {output}((\"{}\"))", escape(name));
        for from in from {
            let _ = writeln!(self.out, "  {} --> {output}", endpoint_id(from));
        }
    }
}
