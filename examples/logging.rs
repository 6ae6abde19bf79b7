//! Every worker's logs in one file: a map over 2 000 items on rayon's
//! threads, with `Tracing` on the engine and `tracing::info!` inside a
//! node, all written by `tracing-subscriber`'s fmt layer to one file. Each
//! line carries its thread and its spans (map, item, node).
//!
//! `cargo run --example logging --features tracing [-- PATH]` (default
//! `target/hn-logging.log`, relative to where it runs); prints where the log
//! went, how many lines it holds, and from how many threads.

use hypernodes::observe::Tracing;
use hypernodes::prelude::*;
use std::collections::HashSet;
use std::error::Error;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing::Level;

/// Stands for loading a record: some arithmetic.
#[node]
fn load(id: u64) -> u64 {
    (0..1_000).fold(id, |acc, step| acc.wrapping_mul(31).wrapping_add(step))
}

/// Scores a record; one in 500 is rejected (an `ERROR` line in the log).
#[node]
fn score(id: u64, load: u64) -> Result<u64, String> {
    if id % 500 == 499 {
        return Err(format!("record {id} is corrupt"));
    }
    tracing::info!(id, "scored");
    Ok(load % 100)
}

pipeline! {
    /// Loads then scores one record.
    struct Scoring { load, score }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = (std::env::args_os().nth(1))
        .map_or_else(|| PathBuf::from("target/hn-logging.log"), PathBuf::from);
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // One file for every thread: the fmt layer formats each event into a
    // buffer and writes it whole, under the mutex, so lines never mix.
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(File::create(&path)?))
        .with_ansi(false)
        .with_thread_ids(true)
        // `item` and `node` spans are at DEBUG: show them.
        .with_max_level(Level::DEBUG)
        .init();

    let engine = Engine::new().callback(Tracing);
    let results = Scoring.map_with(&engine, (0..2_000).map(|id| ScoringInputs { id }));
    let failed = results.iter().filter(|result| result.is_err()).count();
    tracing::info!(items = results.len(), failed, "map done");

    let log = std::fs::read_to_string(&path)?;
    // `ThreadId(07)` on every line.
    let threads: HashSet<&str> = (log.lines())
        .filter_map(|line| {
            line.split_whitespace()
                .find(|word| word.starts_with("ThreadId("))
        })
        .collect();
    println!(
        "{} items ({failed} failed); log: {} ({} lines from {} threads)",
        results.len(),
        path.display(),
        log.lines().count(),
        threads.len()
    );
    Ok(())
}
