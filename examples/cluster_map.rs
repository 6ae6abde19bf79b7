//! A CPU-bound pipeline over 10,000 items on a cluster of processes on
//! this machine, against the same map in one process.
//!
//! ```text
//! cargo run --release --features cluster --example cluster_map -- 2
//! ```
//!
//! The argument is the number of processes (default 2): this process
//! starts the others (copies of itself, `Cluster::local`), maps the items
//! over all of them, then maps them again alone and prints both times.

use hypernodes::cluster::{Cluster, ClusterError};
use hypernodes::prelude::*;
use std::time::Instant;

/// About 0.1 ms of arithmetic: the work of one item.
fn spin(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..40_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

pipeline! {
    /// A score per seed.
    #[pipeline(serde)]
    pub struct Score {
        fn hashed(seed: u64) -> u64 { spin(seed) }
        fn score(hashed: u64) -> u32 { (hashed % 1000) as u32 }
    }
}

fn main() -> Result<(), ClusterError> {
    let processes = std::env::args()
        .nth(1)
        .map_or(Ok(2), |n| n.parse())
        .map_err(|_| ClusterError::Setup("the argument is a number of processes".into()))?;
    let cluster = Cluster::local(processes)?;
    let engine = Engine::new().cluster(cluster.clone());
    let items = || (0..10_000).map(|seed| ScoreInputs { seed });
    let started = Instant::now();
    let results = Score.map_cluster(&engine, items())?;
    let on_cluster = started.elapsed();
    if !cluster.is_leader() {
        return Ok(());
    }
    let started = Instant::now();
    let alone = Score.map_with(&Engine::new(), items());
    let in_one = started.elapsed();
    let total: u64 = results
        .iter()
        .map(|r| u64::from(r.as_ref().map_or(0, |o| o.score)))
        .sum();
    let same = results
        .iter()
        .zip(&alone)
        .all(|(a, b)| a.as_ref().ok().map(|o| o.score) == b.as_ref().ok().map(|o| o.score));
    println!(
        "{} items on {processes} processes: {on_cluster:.2?} (sum of scores {total})",
        results.len()
    );
    println!(
        "the same in this process alone: {in_one:.2?} ({:.2}x)",
        in_one.as_secs_f64() / on_cluster.as_secs_f64()
    );
    println!("results identical: {same}");
    Ok(())
}
