//! The quick start: one node, a chain of two, and a file-reading pipeline
//! whose nodes live in another module.
//!
//! Run with `cargo run --example quickstart`.

use hypernodes::prelude::*;

/// One node: doubles `x`.
#[node(output = result)]
fn process(x: i64) -> i64 {
    x * 2
}

pipeline! {
    /// The smallest pipeline.
    pub struct QuickStart {
        process,
    }
}

pipeline! {
    /// Two nodes: `add_one` consumes what `double` produces.
    pub struct Chain {
        fn double(x: i64) -> i64 { x * 2 }
        fn add_one(double: i64) -> i64 { double + 1 }
    }
}

mod text {
    use hypernodes::prelude::*;
    use std::path::Path;

    /// Reads a file; fails with the I/O error.
    #[node(output = text)]
    pub fn load_text(file_path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(file_path)
    }

    /// Splits on white space.
    #[node]
    pub fn tokenize(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }
}

pipeline! {
    /// Word count of a file; only `count` is returned, so `text` and
    /// `tokens` are dropped as soon as their last consumer is done.
    #[outputs(count)]
    pub struct WordCount {
        text::load_text,
        text::tokenize,
        #[node(output = count)]
        fn count_words(tokenize: &[String]) -> usize { tokenize.len() }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = QuickStart.run(QuickStartInputs { x: 5 })?;
    println!(
        "QuickStart  process(x = 5)            -> result = {}",
        out.result
    );

    let out = Chain.run(ChainInputs { x: 5 })?;
    println!(
        "Chain       double -> add_one (x = 5) -> double = {}, add_one = {}",
        out.double, out.add_one
    );

    let dir = std::env::temp_dir().join(format!("hypernodes-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file_path = dir.join("fox.txt");
    std::fs::write(&file_path, "the quick brown fox jumps over the lazy dog")?;
    let out = WordCount.run(WordCountInputs { file_path })?;
    println!(
        "WordCount   fox.txt                   -> count = {}",
        out.count
    );

    let missing = WordCount.run(WordCountInputs {
        file_path: dir.join("missing.txt"),
    });
    println!(
        "WordCount   missing.txt               -> error: {}",
        missing.unwrap_err()
    );
    std::fs::remove_dir_all(&dir)?;

    let order: Vec<&str> = WordCount::NODES.iter().map(|node| node.name).collect();
    println!(
        "\nWordCount runs {} with inputs {:?} and outputs {:?}.",
        order.join(" -> "),
        WordCount::INPUTS,
        WordCount::OUTPUTS
    );
    println!(
        "Draw its graph from `WordCount::DOT` ({} lines of Graphviz, e.g. `dot -Tsvg`).",
        WordCount::DOT.lines().count()
    );
    Ok(())
}
