//! `#[outputs(..)]`: only the listed outputs are returned, in the listed
//! order, and nodes and inputs that they do not need are left out.

use hypernodes::prelude::*;
use std::cell::Cell;

thread_local! {
    static CALLS: Cell<[u32; 4]> = const { Cell::new([0; 4]) };
}

fn called(index: usize) {
    CALLS.with(|calls| {
        let mut counts = calls.get();
        counts[index] += 1;
        calls.set(counts);
    });
}

fn calls() -> [u32; 4] {
    CALLS.with(Cell::get)
}

pipeline! {
    /// `sum` and `product` are needed; `report` and `unused` are not.
    #[outputs(product, sum)]
    struct Pruned {
        fn sum(a: i32, b: i32) -> i32 { called(0); a + b }
        fn product(sum: i32, factor: i32) -> i32 { called(1); sum * factor }
        fn report(product: i32, label: String) -> String { called(2); format!("{label}: {product}") }
        fn unused(verbose: bool) -> bool { called(3); !verbose }
    }
}

pipeline! {
    /// The same nodes, everything returned.
    struct Whole {
        fn sum2(a: i32, b: i32) -> i32 { a + b }
        fn report2(sum2: i32, label: String) -> String { format!("{label}: {sum2}") }
    }
}

#[test]
fn only_the_listed_outputs_in_the_listed_order() {
    assert_eq!(Pruned::OUTPUTS, ["product", "sum"]);
    let out: PrunedOutputs = Pruned
        .run(PrunedInputs {
            a: 2,
            b: 3,
            factor: 10,
        })
        .unwrap();
    // Exactly these two fields: a struct pattern without `..` must name all.
    let PrunedOutputs { product, sum } = out;
    assert_eq!((product, sum), (50, 5));
}

#[test]
fn nodes_that_are_not_needed_do_not_run() {
    let before = calls();
    Pruned
        .run(PrunedInputs {
            a: 1,
            b: 1,
            factor: 1,
        })
        .unwrap();
    Pruned
        .run(PrunedInputs {
            a: 1,
            b: 1,
            factor: 1,
        })
        .unwrap();
    let after = calls();
    let delta: Vec<u32> = (0..4).map(|i| after[i] - before[i]).collect();
    assert_eq!(delta, [2, 2, 0, 0]);
}

#[test]
fn pruned_nodes_are_absent_from_nodes_and_dot() {
    let names: Vec<_> = Pruned::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["sum", "product"]);
    assert!(!Pruned::DOT.contains("report"), "{}", Pruned::DOT);
    assert!(!Pruned::DOT.contains("unused"), "{}", Pruned::DOT);
    assert!(Pruned::DOT.contains("\"out:product\""));
}

#[test]
fn inputs_of_pruned_nodes_are_absent() {
    assert_eq!(Pruned::INPUTS, ["a", "b", "factor"]);
    // No `label`, no `verbose`: an exhaustive struct literal without them.
    let inputs = PrunedInputs {
        a: 0,
        b: 0,
        factor: 0,
    };
    let PrunedInputs { a, b, factor } = inputs;
    assert_eq!((a, b, factor), (0, 0, 0));
    // Without pruning the input is there.
    assert_eq!(Whole::INPUTS, ["a", "b", "label"]);
    let out = Whole
        .run(WholeInputs {
            a: 1,
            b: 2,
            label: "s".into(),
        })
        .unwrap();
    assert_eq!(out.report2, "s: 3");
}

pipeline! {
    /// An intermediate value can be requested alone.
    #[outputs(middle)]
    struct Middle {
        fn start(seed: u8) -> u8 { seed + 1 }
        fn middle(start: u8) -> u8 { start * 2 }
        fn end(middle: u8) -> u8 { called(3); middle * 2 }
    }
}

#[test]
fn an_intermediate_can_be_the_only_output() {
    let before = calls()[3];
    let out = Middle.run(MiddleInputs { seed: 4 }).unwrap();
    assert_eq!(out.middle, 10);
    assert_eq!(calls()[3], before, "`end` ran");
    assert_eq!(Middle::OUTPUTS, ["middle"]);
    assert_eq!(Middle::NODES.len(), 2);
}
