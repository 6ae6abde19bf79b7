//! The text pipeline of the README on real files: `load_text` -> `tokenize`
//! -> `count_words`, its outputs, its input type and its I/O error.

use hypernodes::prelude::*;
use std::error::Error as _;
use std::io;
use std::path::{Path, PathBuf};

#[node(output = text)]
fn load_text(file_path: &Path) -> io::Result<String> {
    std::fs::read_to_string(file_path)
}

#[node(output = tokens)]
fn tokenize(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[node(output = count)]
fn count_words(tokens: &[String]) -> usize {
    tokens.len()
}

pipeline! {
    /// Word statistics of one text file.
    pub struct TextStats {
        load_text,
        tokenize,
        count_words,
    }
}

/// An empty directory for one test, in the directory cargo sets aside for
/// integration tests' files (`target/tmp`).
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("text_pipeline")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn counts_the_words_of_a_file() {
    let path = scratch("counts_the_words_of_a_file").join("words.txt");
    std::fs::write(&path, "the quick  brown\nfox\tjumps\n").unwrap();

    let out = TextStats.run(TextStatsInputs { file_path: path }).unwrap();
    assert_eq!(out.text, "the quick  brown\nfox\tjumps\n");
    assert_eq!(out.tokens, ["the", "quick", "brown", "fox", "jumps"]);
    assert_eq!(out.count, 5);
}

#[test]
fn an_empty_file_has_no_words() {
    let path = scratch("an_empty_file_has_no_words").join("empty.txt");
    std::fs::write(&path, "").unwrap();

    let out = TextStats.run(TextStatsInputs { file_path: path }).unwrap();
    assert_eq!(out.text, "");
    assert!(out.tokens.is_empty());
    assert_eq!(out.count, 0);
}

#[test]
fn a_missing_file_fails_in_load_text() {
    let path = scratch("a_missing_file_fails_in_load_text").join("missing.txt");
    let expected = std::fs::read_to_string(&path).unwrap_err();

    let error = TextStats
        .run(TextStatsInputs { file_path: path })
        .unwrap_err();
    let TextStatsError::LoadText(inner) = &error;
    assert_eq!(inner.kind(), io::ErrorKind::NotFound);
    assert_eq!(error.node(), "load_text");
    assert_eq!(hypernodes::NodeError::node(&error), "load_text");
    assert_eq!(
        error.to_string(),
        format!("node `load_text` failed: {expected}")
    );
    assert!(error.to_string().starts_with("node `load_text` failed: "));

    let source = error.source().expect("the io::Error is the source");
    let io_error = source
        .downcast_ref::<io::Error>()
        .expect("source is an io::Error");
    assert_eq!(io_error.kind(), io::ErrorKind::NotFound);
    assert!(format!("{error:?}").starts_with("LoadText("), "{error:?}");
}

#[test]
fn the_input_is_a_path_buf() {
    assert_eq!(TextStats::INPUTS, ["file_path"]);
    assert_eq!(TextStats::OUTPUTS, ["text", "tokens", "count"]);
    let mut inputs = TextStatsInputs {
        file_path: PathBuf::new(),
    };
    let path: PathBuf = PathBuf::from("some/where.txt");
    inputs.file_path = path;
    let field: &PathBuf = &inputs.file_path;
    assert_eq!(field, Path::new("some/where.txt"));
}

#[test]
fn nodes_are_listed_in_order_and_only_load_text_can_fail() {
    let nodes = TextStats::NODES;
    let names: Vec<_> = nodes.iter().map(|node| node.name).collect();
    assert_eq!(names, ["load_text", "tokenize", "count_words"]);
    assert_eq!(nodes[0].inputs, ["file_path"]);
    assert_eq!(nodes[0].outputs, ["text"]);
    assert_eq!(nodes[1].inputs, ["text"]);
    assert_eq!(nodes[2].outputs, ["count"]);
    let fallible: Vec<_> = nodes.iter().map(|node| node.fallible).collect();
    assert_eq!(fallible, [true, false, false]);
}
