//! Names that are keywords (raw identifiers) and values named like functions
//! or like the generated code's own locals.

use hypernodes::prelude::*;

pipeline! {
    /// A keyword parameter, a keyword node and a keyword output.
    struct Keywords {
        fn r#type(r#match: &str) -> String { format!("type of {match}", match = r#match) }
        #[node(output = r#fn)]
        fn wrap(r#type: &str) -> String { format!("<{}>", r#type) }
    }
}

#[test]
fn raw_identifiers_as_inputs_nodes_and_outputs() {
    let out = Keywords
        .run(KeywordsInputs {
            r#match: String::from("x"),
        })
        .unwrap();
    assert_eq!(out.r#type, "type of x");
    assert_eq!(out.r#fn, "<type of x>");
    assert_eq!(Keywords::INPUTS, ["match"]);
    assert_eq!(Keywords::OUTPUTS, ["type", "fn"]);
    let node = &Keywords::NODES[0];
    assert_eq!(
        (node.name, node.inputs, node.outputs),
        ("type", &["match"][..], &["type"][..])
    );
    assert_eq!(Keywords::NODES[1].inputs, ["type"]);
    assert_eq!(Keywords::NODES[1].outputs, ["fn"]);
    assert!(
        Keywords::DOT.contains("\"node:type\" -> \"node:wrap\" [label=\"type\"]"),
        "{}",
        Keywords::DOT
    );
    assert!(!Keywords::DOT.contains("r#"), "{}", Keywords::DOT);
    let debug = format!("{out:?}");
    assert_eq!(
        debug,
        "KeywordsOutputs { type: \"type of x\", fn: \"<type of x>\" }"
    );
}

mod keyword_nodes {
    use hypernodes::prelude::*;

    /// Fails on an empty string.
    #[node]
    pub fn r#struct(r#in: &str) -> Result<usize, String> {
        if r#in.is_empty() {
            Err("empty".to_owned())
        } else {
            Ok(r#in.len())
        }
    }
}

pipeline! {
    /// A keyword-named `#[node]` function listed by path, under
    /// `#[outputs]` with a raw name.
    #[outputs(r#struct)]
    struct ByPath {
        keyword_nodes::r#struct,
    }
}

#[test]
fn keyword_node_by_path() {
    let out = ByPath.run(ByPathInputs { r#in: "abc".into() }).unwrap();
    assert_eq!(out.r#struct, 3);
    let error = ByPath
        .run(ByPathInputs {
            r#in: String::new(),
        })
        .unwrap_err();
    assert!(matches!(&error, ByPathError::Struct(message) if message == "empty"));
    assert_eq!(error.node(), "struct");
    assert_eq!(error.to_string(), "node `struct` failed: empty");
    assert_eq!(ByPath::OUTPUTS, ["struct"]);
}

#[node(output = count)]
fn measure(items: &[u8]) -> usize {
    items.len()
}

/// A function named like a value the pipeline holds.
#[node(output = tally)]
fn count(count: usize, scale: usize) -> usize {
    count * scale
}

/// A function named like an input.
#[node(output = scaled)]
fn scale(tally: usize, scale: usize) -> usize {
    tally + scale
}

pipeline! {
    /// `count` is both a value and a function called after it exists;
    /// `scale` is both an input and a function.
    struct Shadows {
        measure,
        count,
        scale,
    }
}

#[test]
fn values_do_not_shadow_functions() {
    let out = Shadows
        .run(ShadowsInputs {
            items: vec![1, 2, 3],
            scale: 10,
        })
        .unwrap();
    assert_eq!((out.count, out.tally, out.scaled), (3, 30, 40));
    let names: Vec<_> = Shadows::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["measure", "count", "scale"]);
    assert_eq!(Shadows::INPUTS, ["items", "scale"]);
}

const LIMIT: u32 = 100;

fn helper(n: u32) -> u32 {
    n + LIMIT
}

pipeline! {
    /// Values named like the locals and parameters of generated code and
    /// like items the nodes' bodies use.
    struct Locals {
        fn value(inputs: u32) -> Result<u32, String> { Ok(helper(inputs)) }
        fn error(value: u32, f: u32) -> Result<u32, String> {
            if value == 0 { Err("zero".to_owned()) } else { Ok(value + f) }
        }
        #[node(output = helper)]
        fn run_helper(error: u32) -> u32 { helper(error) }
        #[node(output = self_)]
        fn limit(helper: u32) -> u32 { helper.min(LIMIT * 3) }
    }
}

#[test]
fn values_named_like_generated_locals() {
    let out = Locals.run(LocalsInputs { inputs: 1, f: 2 }).unwrap();
    assert_eq!(
        (out.value, out.error, out.helper, out.self_),
        (101, 103, 203, 203)
    );
    assert_eq!(Locals::INPUTS, ["inputs", "f"]);
    let fallible: Vec<_> = Locals::NODES.iter().map(|node| node.fallible).collect();
    assert_eq!(fallible, [true, true, false, false]);
}
