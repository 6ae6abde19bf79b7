//! `#[nested(map_over = .., failures = name)]`: the failed items of a mapped
//! nested pipeline do not fail the outer run; their errors are the output
//! `name`, and the other outputs hold the items that succeeded.

use hypernodes::prelude::*;
use hypernodes::NodeError;

mod per_file {
    use hypernodes::prelude::*;

    pipeline! {
        /// Parses one "file": a number, or an error for anything else.
        pub struct PerFile {
            pub fn parsed(text: &str) -> Result<u64, std::num::ParseIntError> {
                text.trim().parse()
            }
            pub fn doubled(parsed: u64) -> u64 { parsed * 2 }
        }
    }

    pub use awaited::*;
    mod awaited {
        use hypernodes::prelude::*;
        pipeline! {
            /// The same, awaited.
            pub struct PerFileAsync {
                pub async fn parsed(text: &str) -> Result<u64, std::num::ParseIntError> {
                    text.trim().parse()
                }
                pub fn doubled(parsed: u64) -> u64 { parsed * 2 }
            }
        }
    }
    pub use blocks::*;
    mod blocks {
        use hypernodes::prelude::*;
        pipeline! {
            /// The same, on a node that blocks.
            pub struct PerFileBlocking {
                #[node(blocking)]
                pub fn parsed(text: &str) -> Result<u64, std::num::ParseIntError> {
                    text.trim().parse()
                }
                pub fn doubled(parsed: u64) -> u64 { parsed * 2 }
            }
        }
    }
    pub use length::*;
    mod length {
        use hypernodes::prelude::*;
        pipeline! {
            /// Cannot fail.
            pub struct Length {
                pub fn length(text: &str) -> usize { text.len() }
            }
        }
    }
}

pipeline! {
    /// Sums the files that parsed, reports the others.
    struct Corpus {
        #[nested(map_over = text, inputs(texts = text), outputs(doubled = values), failures = failed)]
        per_file::PerFile,
        fn summary(values: &[u64], failed: &[NestedError<per_file::PerFileError>]) -> String {
            let items: Vec<String> = failed.iter().map(|f| f.item().unwrap().to_string()).collect();
            format!("sum {} of {}, failed items [{}]", values.iter().sum::<u64>(), values.len(), items.join(", "))
        }
    }
}

pipeline! {
    /// Both outputs of each item, and the failures.
    struct BothOutputs {
        #[nested(map_over = text, inputs(texts = text), failures = failed)]
        per_file::PerFile,
    }
}

pipeline! {
    /// An async nested node.
    struct CorpusAsync {
        #[nested(map_over = text, inputs(texts = text), outputs(doubled = values), failures = failed)]
        per_file::PerFileAsync,
    }
}

pipeline! {
    /// A blocking nested node.
    struct CorpusBlocking {
        #[nested(map_over = text, inputs(texts = text), outputs(doubled = values), failures = failed)]
        per_file::PerFileBlocking,
    }
}

pipeline! {
    /// A nested pipeline that cannot fail: no failures, ever.
    struct Lengths {
        #[nested(map_over = text, inputs(texts = text), outputs(length = lengths), failures = failed)]
        per_file::Length,
    }
}

pipeline! {
    /// Two mapped inputs zipped: unequal lengths still fail the run.
    struct Zipped {
        #[nested(map_over = (text, unused), inputs(texts = text, others = unused), failures = failed)]
        Pair,
    }
}

pipeline! {
    /// The per-item pipeline of `Zipped`.
    struct Pair {
        fn paired(text: &str, unused: u8) -> Result<String, String> {
            if text.is_empty() { Err("empty".into()) } else { Ok(format!("{text}{unused}")) }
        }
    }
}

pipeline! {
    /// `Corpus` nested in turn: its failures are an output like any other.
    struct Outer {
        #[nested]
        Corpus,
        fn shout(summary: &str, failed: &[NestedError<per_file::PerFileError>]) -> String {
            format!("{} ({} failed)", summary.to_uppercase(), failed.len())
        }
    }
}

fn texts() -> Vec<String> {
    ["1", "x", "3", "", "5"].map(String::from).to_vec()
}

fn check_failures(failed: &[NestedError<per_file::PerFileError>], entry: &str) {
    let items: Vec<Option<usize>> = failed.iter().map(NestedError::item).collect();
    assert_eq!(items, [Some(1), Some(3)]);
    for failure in failed {
        assert_eq!(failure.node(), "parsed");
        assert_eq!(failure.entry(), entry);
        assert!(failure.to_string().contains("parsed"), "{failure}");
    }
}

#[test]
fn failed_items_become_an_output_and_the_others_go_on() {
    let inputs = || CorpusInputs { texts: texts() };
    for out in [
        Corpus.run(inputs()).unwrap(),
        Corpus.run_parallel(inputs()).unwrap(),
    ] {
        assert_eq!(out.values, [2, 6, 10]);
        check_failures(&out.failed, "per_file");
        assert_eq!(out.summary, "sum 18 of 3, failed items [1, 3]");
    }
}

#[test]
fn every_output_holds_the_items_that_succeeded() {
    let out = BothOutputs
        .run(BothOutputsInputs { texts: texts() })
        .unwrap();
    assert_eq!(out.parsed, [1, 3, 5]);
    assert_eq!(out.doubled, [2, 6, 10]);
    check_failures(&out.failed, "per_file");
}

#[test]
fn maps_of_the_outer_pipeline_keep_the_failures_per_outer_item() {
    let items = vec![
        CorpusInputs { texts: texts() },
        CorpusInputs {
            texts: vec!["7".into()],
        },
    ];
    let results = Corpus.try_map(items).unwrap();
    assert_eq!(results[0].values, [2, 6, 10]);
    check_failures(&results[0].failed, "per_file");
    assert_eq!(results[1].values, [14]);
    assert!(results[1].failed.is_empty());
}

#[test]
fn async_and_blocking_nested_nodes_keep_failures_too() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let out = CorpusAsync
            .run_async(CorpusAsyncInputs { texts: texts() })
            .await
            .unwrap();
        assert_eq!(out.values, [2, 6, 10]);
        check_failures_async(&out.failed);
        let out = CorpusBlocking
            .run_async(CorpusBlockingInputs { texts: texts() })
            .await
            .unwrap();
        assert_eq!(out.values, [2, 6, 10]);
        assert_eq!(
            out.failed.iter().map(NestedError::item).collect::<Vec<_>>(),
            [Some(1), Some(3)]
        );
    });
}

fn check_failures_async(failed: &[NestedError<per_file::PerFileAsyncError>]) {
    let items: Vec<Option<usize>> = failed.iter().map(NestedError::item).collect();
    assert_eq!(items, [Some(1), Some(3)]);
    assert!(failed.iter().all(|failure| failure.node() == "parsed"));
}

#[test]
fn a_pipeline_that_cannot_fail_has_no_failures() {
    let out = Lengths.run(LengthsInputs { texts: texts() }).unwrap();
    assert_eq!(out.lengths, [1, 1, 1, 0, 1]);
    assert!(out.failed.is_empty());
}

#[test]
fn items_that_cannot_be_formed_still_fail_the_run() {
    let error = Zipped
        .run(ZippedInputs {
            texts: vec!["a".into(), String::new()],
            others: vec![1],
        })
        .unwrap_err();
    assert_eq!(error.node(), "pair");
    let out = Zipped
        .run(ZippedInputs {
            texts: vec!["a".into(), String::new()],
            others: vec![1, 2],
        })
        .unwrap();
    assert_eq!(out.paired, ["a1"]);
    assert_eq!(out.failed.len(), 1);
}

#[test]
fn a_pipeline_keeping_failures_nests_in_turn() {
    let out = Outer.run(OuterInputs { texts: texts() }).unwrap();
    assert_eq!(out.shout, "SUM 18 OF 3, FAILED ITEMS [1, 3] (2 failed)");
    check_failures(&out.failed, "per_file");
}
