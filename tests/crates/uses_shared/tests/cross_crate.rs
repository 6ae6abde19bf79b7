//! Runs the pipelines of `uses_shared`, and nests them here, a third crate.

use hypernodes::prelude::*;
use uses_shared::{
    CountAll, CountAllInputs, Doubled, DoubledInputs, Report, ReportInputs, Sum, SumInputs,
};

pipeline! {
    /// A node of `shared_nodes`, a pipeline of it with a node named alike,
    /// and a pipeline of `uses_shared` that nests another one of
    /// `shared_nodes`.
    struct Everything {
        shared_nodes::split,
        #[nested(name = pieces_stats)]
        shared_nodes::text::Pieces,
        #[nested(outputs(report = line))]
        uses_shared::Report,
        fn all(words: &[String], pieces: &[String], piece_count: usize, line: &str) -> String {
            format!("{}/{}/{piece_count}: {line}", words.len(), pieces.len())
        }
    }
}

#[test]
fn listed_nodes_run() {
    let inputs = || SumInputs {
        raw: " 40 ".into(),
        text: "a, b".into(),
    };
    assert_eq!(Sum.run(inputs()).unwrap().total, 42);
    assert_eq!(Sum.run_parallel(inputs()).unwrap().total, 42);
    assert_eq!(Sum::NODES.len(), 3);
}

#[test]
fn listed_fallible_node_reports_its_error() {
    let error = Sum
        .run(SumInputs {
            raw: "forty".into(),
            text: String::new(),
        })
        .unwrap_err();
    assert_eq!(error.node(), "parse");
}

#[test]
fn nested_pipeline_from_another_crate() {
    let inputs = || ReportInputs {
        text: "one two three".into(),
    };
    for out in [
        Report.run(inputs()).unwrap(),
        Report.run_parallel(inputs()).unwrap(),
    ] {
        assert_eq!(out.count, 3);
        assert_eq!(out.report, "3 words, first Some(\"one\")");
    }
    assert_eq!(Report::INPUTS, ["text"]);
}

#[test]
fn mapped_pipeline_from_another_crate() {
    let inputs = || CountAllInputs {
        texts: vec!["a b".into(), "c".into(), String::new()],
    };
    for out in [
        CountAll.run(inputs()).unwrap(),
        CountAll.run_parallel(inputs()).unwrap(),
    ] {
        assert_eq!(out.counts, [2, 1, 0]);
        assert_eq!(out.word_total, 3);
    }
}

#[test]
fn async_node_from_another_crate() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let out = runtime
        .block_on(Doubled.run_async(DoubledInputs { raw: "21".into() }))
        .unwrap();
    assert_eq!(out.doubled, 42);
}

#[test]
fn nodes_and_pipelines_of_two_crates_nested_again() {
    let inputs = || EverythingInputs {
        text: "x, y z".into(),
    };
    for out in [
        Everything.run(inputs()).unwrap(),
        Everything.run_parallel(inputs()).unwrap(),
    ] {
        assert_eq!(out.all, "3/2/2: 3 words, first Some(\"x,\")");
    }
}

pipeline! {
    /// Another crate's pipeline with a private node, mapped: its marker
    /// takes the pipeline's visibility, its types being std's.
    struct Cleaned {
        #[nested(map_over = text, inputs(texts = text), outputs(cleaned_words = counts))]
        shared_nodes::CleanCount,
        fn total(counts: &[usize]) -> usize { counts.iter().sum() }
    }
}

#[test]
fn a_pipeline_with_a_private_node_nests_from_another_crate() {
    let texts = vec![" A b ".to_owned(), "c".to_owned()];
    let out = Cleaned.run(CleanedInputs { texts }).unwrap();
    assert_eq!((out.counts, out.total), (vec![2, 1], 3));
}
