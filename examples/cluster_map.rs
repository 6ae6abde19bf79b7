//! A CPU-bound pipeline over 10,000 items on a cluster of processes on
//! this machine, against the same map in one process.
//!
//! ```text
//! cargo run --release --features cluster --example cluster_map -- 2
//! cargo run --release --features cluster --example cluster_map -- PROCESSES ITEMS
//! ```
//!
//! This process starts the others (copies of itself, `Cluster::local`),
//! maps the items over all of them, then maps them again alone, and prints
//! both times. Every process maps with one thread, so that on one machine
//! the processes stand for single-core hosts: with all its cores, one
//! process would already use the machine.

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
    let mut args = std::env::args().skip(1);
    let mut number = |default| {
        args.next()
            .map_or(Ok(default), |n| n.parse())
            .map_err(|_| ClusterError::Setup("usage: cluster_map [PROCESSES [ITEMS]]".into()))
    };
    let (processes, n): (usize, usize) = (number(2)?, number(10_000)?);
    let cluster = Cluster::local(processes)?;
    let engine = one_thread().cluster(cluster.clone());
    let items = || (0..n as u64).map(|seed| ScoreInputs { seed });
    let started = Instant::now();
    let results = Score.map_cluster(&engine, items())?;
    let on_cluster = started.elapsed();
    if !cluster.is_leader() {
        return Ok(());
    }
    let started = Instant::now();
    let alone = Score.map_with(&one_thread(), items());
    let in_one = started.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    println!("{n} items on {processes} processes: {on_cluster:.2?} ({failed} failed)");
    println!(
        "the same in one process: {in_one:.2?}, {:.2}x the time",
        in_one.as_secs_f64() / on_cluster.as_secs_f64()
    );
    let same = (results.iter().zip(&alone))
        .all(|(a, b)| a.as_ref().ok().map(|o| o.score) == b.as_ref().ok().map(|o| o.score));
    println!("same results: {same}");
    Ok(())
}

/// An engine whose maps run on the calling thread.
fn one_thread() -> Engine {
    Engine::sequential()
}
