//! `#[node(output = (a, b))]`: one node, several outputs from a tuple.

use hypernodes::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

#[node(output = (mean, max))]
fn stats(xs: &[f64]) -> (f64, f64) {
    let max = xs.iter().copied().fold(f64::MIN, f64::max);
    (xs.iter().sum::<f64>() / xs.len() as f64, max)
}

pipeline! {
    /// `mean` and `max` consumed by different nodes.
    struct Stats {
        stats,
        fn centered_max(max: f64, mean: f64) -> f64 { max - mean }
        fn mean_label(mean: f64) -> String { format!("mean {mean}") }
    }
}

#[test]
fn a_tuple_splits_into_named_outputs() {
    let out = Stats
        .run(StatsInputs {
            xs: vec![1.0, 2.0, 6.0],
        })
        .unwrap();
    assert_eq!((out.mean, out.max), (3.0, 6.0));
    assert_eq!(out.centered_max, 3.0);
    assert_eq!(out.mean_label, "mean 3");
    assert_eq!(
        Stats::OUTPUTS,
        ["mean", "max", "centered_max", "mean_label"]
    );
    let node = &Stats::NODES[0];
    assert_eq!((node.name, node.outputs), ("stats", &["mean", "max"][..]));
    assert!(!node.fallible);
    assert_eq!(Stats::NODES[1].inputs, ["max", "mean"]);
    assert!(
        Stats::DOT.contains("\"node:stats\" -> \"node:centered_max\" [label=\"max\"]"),
        "{}",
        Stats::DOT
    );
    assert!(
        Stats::DOT.contains("\"node:stats\" -> \"node:mean_label\" [label=\"mean\"]"),
        "{}",
        Stats::DOT
    );
    // Still an ordinary function returning the tuple.
    assert_eq!(stats(&[1.0, 3.0]), (2.0, 3.0));
}

/// A line without `key = number`.
#[derive(Debug, PartialEq)]
pub struct BadLine(String);

pipeline! {
    /// A fallible node whose success value is a tuple.
    struct Split {
        #[node(output = (key, value))]
        fn split(line: &str) -> Result<(String, i32), BadLine> {
            let (key, value) = line.split_once('=').ok_or_else(|| BadLine(line.to_owned()))?;
            let value = value.trim().parse().map_err(|_| BadLine(value.to_owned()))?;
            Ok((key.trim().to_owned(), value))
        }
        fn entry(key: &str, value: i32) -> String { format!("{key} -> {value}") }
    }
}

#[test]
fn a_fallible_tuple_node() {
    let out = Split
        .run(SplitInputs {
            line: "width = 80".into(),
        })
        .unwrap();
    assert_eq!(out.key, "width");
    assert_eq!(out.value, 80);
    assert_eq!(out.entry, "width -> 80");
    assert!(Split::NODES[0].fallible);
    assert_eq!(Split::NODES[0].outputs, ["key", "value"]);

    let error = Split
        .run(SplitInputs {
            line: "no equals".into(),
        })
        .unwrap_err();
    assert!(matches!(&error, SplitError::Split(BadLine(line)) if line == "no equals"));
    assert_eq!(error.node(), "split");
    assert_eq!(
        error.to_string(),
        "node `split` failed: BadLine(\"no equals\")"
    );
}

static RIGHT_CALLS: AtomicUsize = AtomicUsize::new(0);

pipeline! {
    /// Only `left` is requested: `right` is an unused element.
    #[outputs(left_len)]
    struct Half {
        #[node(output = (left, right))]
        fn halves(word: &str) -> (String, String) {
            let (left, right) = word.split_at(word.len() / 2);
            (left.to_owned(), right.to_owned())
        }
        fn left_len(left: &str) -> usize { left.len() }
        fn right_len(right: &str) -> usize { RIGHT_CALLS.fetch_add(1, Ordering::SeqCst); right.len() }
    }
}

#[test]
fn an_unused_tuple_element_under_pruning() {
    let out = Half
        .run(HalfInputs {
            word: "abcdef".into(),
        })
        .unwrap();
    let HalfOutputs { left_len } = out;
    assert_eq!(left_len, 3);
    assert_eq!(Half::OUTPUTS, ["left_len"]);
    let names: Vec<_> = Half::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["halves", "left_len"]);
    // The node still declares both outputs.
    assert_eq!(Half::NODES[0].outputs, ["left", "right"]);
    assert_eq!(RIGHT_CALLS.load(Ordering::SeqCst), 0);
}

pipeline! {
    /// A requested element, and a three-tuple.
    #[outputs(c, a)]
    struct Three {
        #[node(output = (a, b, c))]
        fn three(n: u8) -> (u8, u16, u32) { (n, u16::from(n) * 2, u32::from(n) * 3) }
    }
}

#[test]
fn tuple_elements_can_be_requested_directly() {
    let out = Three.run(ThreeInputs { n: 4 }).unwrap();
    let ThreeOutputs { c, a } = out;
    let (c, a): (u32, u8) = (c, a);
    assert_eq!((c, a), (12, 4));
    assert_eq!(Three::OUTPUTS, ["c", "a"]);
}

/// A tuple behind an alias.
pub type Pair = (i8, u8);

pipeline! {
    /// `output = (whole)` names one output: the tuple itself. `output =
    /// (neg, abs)` on an alias of a tuple splits it.
    struct Shapes {
        #[node(output = (whole))]
        fn both(n: i8) -> (i8, i8) { (n, -n) }
        #[node(output = (neg, abs))]
        fn signs(n: i8) -> Pair { (-n, n.unsigned_abs()) }
    }
}

#[test]
fn one_parenthesized_name_and_an_aliased_tuple() {
    let out = Shapes.run(ShapesInputs { n: -3 }).unwrap();
    let whole: (i8, i8) = out.whole;
    assert_eq!(whole, (-3, 3));
    assert_eq!((out.neg, out.abs), (3, 3_u8));
    assert_eq!(Shapes::OUTPUTS, ["whole", "neg", "abs"]);
}
