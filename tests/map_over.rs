//! Nested pipelines with `map_over`: zip, product, shared inputs, errors.

use hypernodes::prelude::*;
use hypernodes::{MapOverError, NestedError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts its clones: shared inputs must never be cloned per item.
#[derive(Debug)]
struct Model {
    factor: u64,
}

static MODEL_CLONES: AtomicUsize = AtomicUsize::new(0);

impl Clone for Model {
    fn clone(&self) -> Self {
        MODEL_CLONES.fetch_add(1, Ordering::SeqCst);
        Model {
            factor: self.factor,
        }
    }
}

pipeline! {
    struct Score {
        fn scaled(x: &u64, model: &Model) -> u64 { x * model.factor }
        fn checked(scaled: u64) -> Result<u64, String> {
            if scaled == 0 { Err("zero".to_owned()) } else { Ok(scaled) }
        }
    }
}

pipeline! {
    struct ScoreAll {
        #[nested(map_over = x, inputs(xs = x), outputs(checked = scores))]
        Score,
        fn total(scores: &[u64]) -> u64 { scores.iter().sum() }
    }
}

fn inputs(xs: Vec<u64>) -> ScoreAllInputs {
    ScoreAllInputs {
        xs,
        model: Model { factor: 10 },
    }
}

#[test]
fn maps_the_nested_pipeline_over_a_vec_sharing_the_rest() {
    let before = MODEL_CLONES.load(Ordering::SeqCst);
    let out = ScoreAll.run(inputs(vec![1, 2, 3])).unwrap();
    assert_eq!(out.scores, [10, 20, 30]);
    assert_eq!(out.total, 60);
    assert_eq!(MODEL_CLONES.load(Ordering::SeqCst), before, "the shared model was cloned");
    assert_eq!(ScoreAll::INPUTS, ["xs", "model"]);
    assert_eq!(ScoreAll::OUTPUTS, ["scores", "total"]);
}

#[test]
fn every_runner_gives_the_same_results() {
    let sequential = ScoreAll.run(inputs((1..=100).collect())).unwrap();
    let parallel = ScoreAll.run_parallel(inputs((1..=100).collect())).unwrap();
    let asynchronous = futures_lite_block_on(ScoreAll.run_async(inputs((1..=100).collect()))).unwrap();
    assert_eq!(sequential.scores, parallel.scores);
    assert_eq!(sequential.scores, asynchronous.scores);
    assert_eq!(sequential.total, 50_500);
}

fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn an_item_error_names_the_item_and_the_path() {
    for result in [
        ScoreAll.run(inputs(vec![1, 0, 3, 0])),
        ScoreAll.run_parallel(inputs(vec![1, 0, 3, 0])),
    ] {
        let error = result.unwrap_err();
        assert_eq!(error.path(), "score / checked");
        assert_eq!(
            error.to_string(),
            "node `score / checked` failed on item 1 of `score`: zero"
        );
        let ScoreAllError::Score(NestedError::Failed { item, .. }) = error else {
            panic!("{error:?}")
        };
        assert_eq!(item, Some(1));
    }
}

pipeline! {
    struct Pair {
        fn pair(a: &u32, b: &char) -> String { format!("{a}{b}") }
    }
}

pipeline! {
    struct Zipped {
        #[nested(map_over = (a, b), inputs(as_ = a, bs = b), outputs(pair = pairs))]
        Pair,
    }
}

pipeline! {
    struct Crossed {
        #[nested(map_over = (a, b), map_mode = product, inputs(as_ = a, bs = b), outputs(pair = pairs))]
        Pair,
    }
}

#[test]
fn zip_pairs_items_and_product_crosses_them() {
    let zipped = Zipped
        .run(ZippedInputs { as_: vec![1, 2], bs: vec!['x', 'y'] })
        .unwrap();
    assert_eq!(zipped.pairs, ["1x", "2y"]);
    let crossed = Crossed
        .run(CrossedInputs { as_: vec![1, 2], bs: vec!['x', 'y', 'z'] })
        .unwrap();
    assert_eq!(crossed.pairs, ["1x", "1y", "1z", "2x", "2y", "2z"]);
}

#[test]
fn zip_of_unequal_lengths_is_an_error_value() {
    let error = Zipped
        .run(ZippedInputs { as_: vec![1, 2, 3], bs: vec!['x'] })
        .unwrap_err();
    let ZippedError::Pair(NestedError::Items { entry, error: items }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*entry, "pair");
    assert_eq!(
        *items,
        MapOverError::UnequalLengths { first: "as_", first_len: 3, other: "bs", other_len: 1 }
    );
    assert_eq!(
        error.to_string(),
        "node `pair` failed: zip over inputs of unequal lengths: `as_` has 3 items, `bs` has 1"
    );
}

#[test]
fn nested_nodes_are_listed() {
    let paths: Vec<&str> = ScoreAll::NODES.iter().map(|node| node.path).collect();
    assert_eq!(paths, ["score / scaled", "score / checked", "total"]);
    assert!(ScoreAll::DOT.contains("map over x"), "{}", ScoreAll::DOT);
}
