//! The corpus pipeline of the `corpus` example, drawn: its SVG picture
//! (laid out in pure Rust, no Graphviz needed) written to a file, and its
//! Mermaid flowchart printed.
//!
//! Run with `cargo run --example picture --features svg [-- path.svg]`
//! (default path: `target/corpus.svg`), then open the file in a browser.

#[allow(
    dead_code,
    reason = "this example draws the pipeline without running it"
)]
mod corpus_pipeline;

use corpus_pipeline::Corpus;
use hypernodes::Pipeline;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/corpus.svg"), PathBuf::from);
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, hypernodes::viz::svg::<Corpus>())?;
    println!("wrote {}\n", path.display());
    println!("```mermaid\n{}```", Corpus::MERMAID);
    Ok(())
}
