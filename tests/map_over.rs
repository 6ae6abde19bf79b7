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
    assert_eq!(
        MODEL_CLONES.load(Ordering::SeqCst),
        before,
        "the shared model was cloned"
    );
    assert_eq!(ScoreAll::INPUTS, ["xs", "model"]);
    assert_eq!(ScoreAll::OUTPUTS, ["scores", "total"]);
}

#[test]
fn every_runner_gives_the_same_results() {
    let sequential = ScoreAll.run(inputs((1..=100).collect())).unwrap();
    let parallel = ScoreAll.run_parallel(inputs((1..=100).collect())).unwrap();
    let asynchronous =
        futures_lite_block_on(ScoreAll.run_async(inputs((1..=100).collect()))).unwrap();
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
        .run(ZippedInputs {
            as_: vec![1, 2],
            bs: vec!['x', 'y'],
        })
        .unwrap();
    assert_eq!(zipped.pairs, ["1x", "2y"]);
    let crossed = Crossed
        .run(CrossedInputs {
            as_: vec![1, 2],
            bs: vec!['x', 'y', 'z'],
        })
        .unwrap();
    assert_eq!(crossed.pairs, ["1x", "1y", "1z", "2x", "2y", "2z"]);
}

#[test]
fn zip_of_unequal_lengths_is_an_error_value() {
    let error = Zipped
        .run(ZippedInputs {
            as_: vec![1, 2, 3],
            bs: vec!['x'],
        })
        .unwrap_err();
    let ZippedError::Pair(NestedError::Items {
        entry,
        error: items,
    }) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*entry, "pair");
    assert_eq!(
        *items,
        MapOverError::UnequalLengths {
            first: "as_",
            first_len: 3,
            other: "bs",
            other_len: 1
        }
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

mod top_level {
    use super::{Model, MODEL_CLONES};
    use hypernodes::prelude::*;
    use hypernodes::MapInput::{Each, Shared};
    use hypernodes::MapOverError;
    use std::sync::atomic::Ordering;

    pipeline! {
        struct Scale {
            fn scaled(x: &u64, model: &Model) -> Result<u64, String> {
                if *x == 0 { Err("zero".to_owned()) } else { Ok(x * model.factor) }
            }
            fn labelled(scaled: u64, label: &str) -> String { format!("{label}{scaled}") }
        }
    }

    #[test]
    fn maps_some_inputs_and_shares_the_others() {
        let before = MODEL_CLONES.load(Ordering::SeqCst);
        let model = Model { factor: 3 };
        let xs = [1, 2, 3];
        let results = Scale
            .map_over(
                ScaleMapInputs {
                    x: Each(&xs),
                    model: Shared(&model),
                    label: Shared(&"#".to_owned()),
                },
                MapMode::Zip,
            )
            .unwrap();
        let labels: Vec<String> = results.into_iter().map(|r| r.unwrap().labelled).collect();
        assert_eq!(labels, ["#3", "#6", "#9"]);
        assert_eq!(MODEL_CLONES.load(Ordering::SeqCst), before);
    }

    #[test]
    fn product_and_per_item_errors() {
        let model = Model { factor: 1 };
        let (xs, labels) = ([0, 5], ["a".to_owned(), "b".to_owned()]);
        let results = Scale
            .map_over_with(
                &Engine::new().map(Mode::Sequential),
                ScaleMapInputs {
                    x: Each(&xs),
                    model: Shared(&model),
                    label: Each(&labels),
                },
                MapMode::Product,
            )
            .unwrap();
        assert_eq!(results.len(), 4);
        assert!(matches!(results[0], Err(MapError::Failed { item: 0, .. })));
        assert!(matches!(results[1], Err(MapError::Failed { item: 1, .. })));
        let rest: Vec<String> = results[2..]
            .iter()
            .map(|r| r.as_ref().unwrap().labelled.clone())
            .collect();
        assert_eq!(rest, ["a5", "b5"]);
    }

    #[test]
    fn unequal_lengths_and_nothing_mapped_are_errors() {
        let model = Model { factor: 1 };
        let label = String::new();
        let error = Scale
            .map_over(
                ScaleMapInputs {
                    x: Each(&[1, 2]),
                    model: Shared(&model),
                    label: Each(std::slice::from_ref(&label)),
                },
                MapMode::Zip,
            )
            .unwrap_err();
        assert_eq!(
            error,
            MapOverError::UnequalLengths {
                first: "x",
                first_len: 2,
                other: "label",
                other_len: 1
            }
        );
        let error = Scale
            .map_over(
                ScaleMapInputs {
                    x: Shared(&1),
                    model: Shared(&model),
                    label: Shared(&label),
                },
                MapMode::Zip,
            )
            .unwrap_err();
        assert_eq!(error, MapOverError::NothingMapped);
    }
}

pipeline! {
    struct WordStats {
        fn length(word: &str) -> usize { word.len() }
        #[allow(dead_code, reason = "only `length` is used: `upper` is pruned")]
        fn upper(word: &str) -> String { word.to_uppercase() }
    }
}

pipeline! {
    #[outputs(total_length)]
    struct TotalLength {
        #[nested(map_over = word, inputs(words = word), outputs(length = lengths, upper = uppers))]
        WordStats,
        fn total_length(lengths: &[usize]) -> usize { lengths.iter().sum() }
    }
}

#[test]
fn mapped_nodes_no_used_output_needs_are_pruned() {
    let paths: Vec<&str> = TotalLength::NODES.iter().map(|node| node.path).collect();
    assert_eq!(paths, ["word_stats / length", "total_length"]);
    let out = TotalLength
        .run(TotalLengthInputs {
            words: vec!["ab".into(), "cde".into()],
        })
        .unwrap();
    assert_eq!(out.total_length, 5);
}

mod parallel_items {
    use hypernodes::__private::rayon;
    use hypernodes::prelude::*;
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::thread::{self, ThreadId};
    use std::time::Duration;

    static THREADS: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);
    /// The tests below count threads in `THREADS`: one at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    pipeline! {
        struct Slow {
            fn slept(ms: &u64) -> u64 {
                THREADS.lock().unwrap().get_or_insert_with(HashSet::new).insert(thread::current().id());
                thread::sleep(Duration::from_millis(*ms));
                *ms
            }
        }
    }

    pipeline! {
        struct SlowAll {
            #[nested(map_over = ms, inputs(all_ms = ms), outputs(slept = slept_ms))]
            Slow,
        }
    }

    #[test]
    fn map_spreads_the_inner_items_too() {
        let _serial = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        // Two outer items could only use two threads; their 16 inner items
        // each spread over the pool.
        let items = || {
            (0..2)
                .map(|_| SlowAllInputs {
                    all_ms: vec![20; 16],
                })
                .collect::<Vec<_>>()
        };
        let threads = pool.install(|| {
            let results = SlowAll.map(items());
            assert!(results.iter().all(Result::is_ok));
            THREADS.lock().unwrap().take().unwrap_or_default()
        });
        assert!(
            threads.len() > 2,
            "the items ran on {} thread(s)",
            threads.len()
        );
        assert!(threads.len() <= 4, "{} threads", threads.len());
    }

    #[test]
    fn run_parallel_spreads_the_items_over_the_pool() {
        let _serial = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let out = pool
            .install(|| {
                SlowAll.run_parallel(SlowAllInputs {
                    all_ms: vec![20; 16],
                })
            })
            .unwrap();
        assert_eq!(out.slept_ms, vec![20; 16]);
        let threads = THREADS.lock().unwrap().take().unwrap_or_default();
        assert!(
            threads.len() > 1,
            "the items ran on {} thread(s)",
            threads.len()
        );
        assert!(threads.len() <= 4, "{} threads", threads.len());
    }
}

mod declared_inputs {
    use hypernodes::prelude::*;
    use std::fmt::Display;

    pipeline! {
        struct Show {
            inputs { shown: Box<dyn Display> }
            fn text(shown: &dyn Display, prefix: &str) -> String { format!("{prefix}{shown}") }
        }
    }

    pipeline! {
        struct ShowAll {
            // The nested pipeline's declaration does not reach this module:
            // the outer one declares the mapped input as a `Vec` of them.
            inputs { all: Vec<Box<dyn Display>> }
            #[nested(map_over = shown, inputs(all = shown), outputs(text = texts))]
            Show,
        }
    }

    #[test]
    fn a_mapped_input_declared_in_the_outer_pipeline() {
        let all: Vec<Box<dyn Display>> = vec![Box::new(1), Box::new("two")];
        let out = ShowAll
            .run(ShowAllInputs {
                all,
                prefix: "#".into(),
            })
            .unwrap();
        assert_eq!(out.texts, ["#1", "#two"]);
    }
}

mod engines_and_pictures {
    use hypernodes::prelude::*;
    use hypernodes::MapInput::{Each, Shared};

    pipeline! {
        struct Check {
            fn checked(x: &u32, limit: &u32) -> Result<u32, String> {
                if x > limit { Err(format!("{x} > {limit}")) } else { Ok(*x) }
            }
        }
    }

    pipeline! {
        struct CheckAll {
            #[nested(map_over = x, inputs(xs = x), outputs(checked = ok))]
            Check,
            fn count(ok: &[u32]) -> usize { ok.len() }
        }
    }

    #[test]
    fn map_over_with_every_engine_mode_and_fail_fast() {
        let xs: Vec<u32> = (0..40).collect();
        for mode in [Mode::Sequential, Mode::Parallel, Mode::Threads] {
            let engine = Engine::new().map(mode);
            let results = Check
                .map_over_with(
                    &engine,
                    CheckMapInputs {
                        x: Each(&xs),
                        limit: Shared(&100),
                    },
                    MapMode::Zip,
                )
                .unwrap();
            let checked: Vec<u32> = results.into_iter().map(|r| r.unwrap().checked).collect();
            assert_eq!(checked, xs, "{mode:?}");
        }
        let engine = Engine::new().map(Mode::Sequential).fail_fast(true);
        let results = Check
            .map_over_with(
                &engine,
                CheckMapInputs {
                    x: Each(&xs),
                    limit: Shared(&5),
                },
                MapMode::Zip,
            )
            .unwrap();
        assert!(results[..6].iter().all(Result::is_ok));
        assert!(matches!(results[6], Err(MapError::Failed { item: 6, .. })));
        assert!(results[7..]
            .iter()
            .all(|r| matches!(r, Err(MapError::NotRun { .. }))));
    }

    #[test]
    fn a_mapped_pipeline_is_a_cluster_of_its_nodes() {
        let dot = CheckAll::DOT;
        assert!(dot.contains("subgraph \"cluster_check\""), "{dot}");
        assert!(dot.contains("\"node:check / checked\""), "{dot}");
        assert!(dot.contains("map over x"), "{dot}");
        assert!(dot.contains("\"in:xs\" -> \"node:check\""), "{dot}");
        assert!(dot.contains("\"node:check\" -> \"node:count\""), "{dot}");
    }

    #[test]
    fn nested_errors_debug_and_source() {
        let error = CheckAll
            .run(CheckAllInputs {
                xs: vec![1, 9],
                limit: 5,
            })
            .unwrap_err();
        let debug = format!("{error:?}");
        assert!(
            debug.starts_with(
                "Check(Failed { entry: \"check\", item: Some(1), path: \"check / checked\""
            ),
            "{debug}"
        );
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source, None, "a `String` error has no source");
    }
}
