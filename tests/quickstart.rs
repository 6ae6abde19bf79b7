//! The one-node quick start: `run`, the `Pipeline` constants and the node as
//! an ordinary function.

use hypernodes::prelude::*;
use hypernodes::NodeInfo;

#[node(output = result)]
fn process(x: i64) -> i64 {
    x * 2
}

pipeline! {
    /// One node: doubles `x`.
    pub struct QuickStart {
        process,
    }
}

#[test]
fn run_doubles_the_input() {
    let out = QuickStart.run(QuickStartInputs { x: 5 }).unwrap();
    assert_eq!(out.result, 10);
    let out = QuickStart.run(QuickStartInputs { x: -21 }).unwrap();
    assert_eq!(out.result, -42);
}

#[test]
fn inputs_outputs_and_nodes_describe_the_graph() {
    assert_eq!(QuickStart::INPUTS, ["x"]);
    assert_eq!(QuickStart::OUTPUTS, ["result"]);
    assert_eq!(QuickStart::NODES.len(), 1);
    let node: &NodeInfo = &QuickStart::NODES[0];
    assert_eq!(node.name, "process");
    assert_eq!(node.inputs, ["x"]);
    assert_eq!(node.outputs, ["result"]);
    assert!(!node.fallible);
    assert!(!node.is_async);
}

#[test]
fn dot_shows_every_node_and_edge() {
    let dot = QuickStart::DOT;
    assert!(dot.starts_with("digraph QuickStart {"), "{dot}");
    assert!(dot.trim_end().ends_with('}'), "{dot}");
    assert!(dot.contains("\"in:x\""), "{dot}");
    assert!(dot.contains("\"node:process\""), "{dot}");
    assert!(dot.contains("\"in:x\" -> \"node:process\""), "{dot}");
    assert!(dot.contains("\"node:process\" -> \"out:result\""), "{dot}");
}

#[test]
fn the_pipeline_types_are_the_generated_ones() {
    fn inputs_of<P: Pipeline>(inputs: P::Inputs) -> P::Inputs {
        inputs
    }
    let inputs: QuickStartInputs = inputs_of::<QuickStart>(QuickStartInputs { x: 1 });
    let outputs: <QuickStart as Pipeline>::Outputs = QuickStart.run(inputs).unwrap();
    assert_eq!(outputs.result, 2);
}

#[test]
fn the_node_is_still_an_ordinary_function() {
    assert_eq!(process(5), 10);
    assert_eq!(process(0), 0);
    let as_fn: fn(i64) -> i64 = process;
    assert_eq!(as_fn(7), 14);
}
