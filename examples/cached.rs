//! Caching node results on disk: the first run computes every item's
//! expensive node and stores it, the second reads it back.
//!
//! ```sh
//! cargo run --release --example cached --features cache [-- DIR]
//! ```
//!
//! The cache lives in `DIR` (default: `target/hn-cached-example`), emptied
//! first so that the first run is a cold one; run the example twice with
//! the `keep` argument after the directory to see a second process hit
//! what the first stored.

use hypernodes::cache::DiskCache;
use hypernodes::prelude::*;
use std::time::{Duration, Instant};

/// What the expensive node stands for: a model call, a parse, a download.
const WORK: Duration = Duration::from_millis(20);

/// Sixteen numbers derived from the text, after a while.
#[node(cache)]
fn embedding(text: &str) -> Vec<u64> {
    std::thread::sleep(WORK);
    (0..16u64)
        .map(|i| {
            text.bytes()
                .fold(i, |hash, byte| hash.wrapping_mul(31) ^ u64::from(byte))
        })
        .collect()
}

pipeline! {
    /// An embedding per text (cached) and a cheap summary of it.
    struct Embed {
        embedding,
        fn norm(embedding: &[u64]) -> u64 {
            embedding.iter().fold(0u64, |sum, x| sum.wrapping_add(x % 1000))
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/hn-cached-example".to_owned());
    let keep = args.next().as_deref() == Some("keep");
    let cache = DiskCache::open(&dir)?;
    if !keep {
        cache.clear()?;
    }
    let engine = Engine::new().cache(cache);
    let texts: Vec<String> = (0..100).map(|i| format!("text number {i}")).collect();
    let items = || texts.iter().map(|text| EmbedInputs { text: text.clone() });

    let start = Instant::now();
    let first: Vec<u64> = Embed
        .try_map_with(&engine, items())?
        .into_iter()
        .map(|out| out.norm)
        .collect();
    let cold = start.elapsed();

    let start = Instant::now();
    let second: Vec<u64> = Embed
        .try_map_with(&engine, items())?
        .into_iter()
        .map(|out| out.norm)
        .collect();
    let warm = start.elapsed();

    assert_eq!(first, second);
    println!(
        "{} items, each embedding {WORK:?} of work, cache in {dir}",
        texts.len()
    );
    println!(
        "first run:  {cold:>10.2?}{}",
        if keep {
            " (after a run that kept its cache)"
        } else {
            " (computed and stored)"
        }
    );
    println!("second run: {warm:>10.2?} (read back)");
    println!(
        "speedup:    {:>9.0}x",
        cold.as_secs_f64() / warm.as_secs_f64()
    );
    Ok(())
}
