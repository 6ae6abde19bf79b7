//! `map_cluster` over processes on this machine against `map_with` in one
//! process (feature `cluster`).
//!
//! ```text
//! cargo bench -p hn-benches --features cluster --bench cluster_map [-- ITEMS TRIVIAL_ITEMS]
//! ```
//!
//! 1. CPU-bound items of about 1 ms (default 2000), one rayon thread per
//!    process: one process (`map_with`) against two (`map_cluster` on
//!    `Cluster::local(2)`), median of 3 rounds each.
//! 2. The connections of the two-process cluster: from `Engine::cluster`
//!    to the end of a first, empty `map_cluster`.
//! 3. Trivial items (default 1,000,000), each process on all its cores:
//!    `map_with` in one process against `map_cluster` without a cluster
//!    and on two processes, in ns per item.
//!
//! This binary is every process of the cluster: `Cluster::local` starts a
//! copy of it, which finds its role in its environment and joins the maps.

use hypernodes::__private::rayon;
use hypernodes::cluster::Cluster;
use hypernodes::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// About 1 ms of arithmetic on this machine (calibrated at start).
fn spin(seed: u64, rounds: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

pipeline! {
    /// One CPU-bound item.
    #[pipeline(serde)]
    pub struct Heavy {
        fn hashed(seed: u64, rounds: u64) -> u64 { spin(seed, rounds) }
    }
}

pipeline! {
    /// One trivial item.
    #[pipeline(serde)]
    pub struct Light {
        fn bumped(x: u64) -> u64 { x.wrapping_mul(31).wrapping_add(7) }
    }
}

const ROUNDS: usize = 3;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"));
    let heavy_items: u64 = args.next().map_or(2000, |n| n.parse().expect("ITEMS"));
    let light_items: u64 = args
        .next()
        .map_or(1_000_000, |n| n.parse().expect("TRIVIAL_ITEMS"));
    let one_thread = || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a pool");
        Engine::new().pool(pool)
    };
    // Calibrated by the leader, handed to the copy through the items.
    let leader = std::env::var_os("HN_PROCESS").is_none();
    let (rounds, alone) = if leader {
        let rounds = calibrate();
        let engine = one_thread();
        let alone = median((0..ROUNDS).map(|_| {
            let items = heavy(heavy_items, rounds);
            timed(|| black_box(Heavy.map_with(&engine, items)).len())
        }));
        (rounds, alone)
    } else {
        (0, Duration::ZERO)
    };
    let cluster = Cluster::local(2).expect("a local cluster");
    let started = Instant::now();
    let engine = one_thread().cluster(cluster.clone());
    Heavy.map_cluster(&engine, []).expect("the first map");
    let setup = started.elapsed();
    let on_two = median((0..ROUNDS).map(|_| {
        let items = heavy(if leader { heavy_items } else { 0 }, rounds);
        timed(|| Heavy.map_cluster(&engine, items).expect("a map").len())
    }));
    let light = |n| (0..n).map(|x| LightInputs { x }).collect::<Vec<_>>();
    let all_cores = Engine::new().cluster(cluster.clone());
    let light_two = median((0..ROUNDS).map(|_| {
        let items = light(if leader { light_items } else { 0 });
        timed(|| Light.map_cluster(&all_cores, items).expect("a map").len())
    }));
    if !leader {
        return;
    }
    let light_alone = median((0..ROUNDS).map(|_| {
        let items = light(light_items);
        timed(|| black_box(Light.map_with(&Engine::new(), items)).len())
    }));
    let light_local = median((0..ROUNDS).map(|_| {
        let items = light(light_items);
        timed(|| {
            Light
                .map_cluster(&Engine::new(), items)
                .expect("a map")
                .len()
        })
    }));
    println!("{heavy_items} items of ~1 ms, one thread per process:");
    println!("  1 process  (map_with):    {alone:>10.2?}");
    println!(
        "  2 processes (map_cluster): {on_two:>10.2?}   speedup {:.2}x",
        ratio(alone, on_two)
    );
    println!("  connections + first empty map: {setup:.2?}");
    println!("{light_items} trivial items, all cores per process:");
    let per_item = |d: Duration| d.as_nanos() as f64 / light_items as f64;
    println!(
        "  map_with, 1 process:            {:>8.1} ns/item",
        per_item(light_alone)
    );
    println!(
        "  map_cluster, no cluster:        {:>8.1} ns/item",
        per_item(light_local)
    );
    println!(
        "  map_cluster, 2 processes:       {:>8.1} ns/item",
        per_item(light_two)
    );
}

fn heavy(n: u64, rounds: u64) -> Vec<HeavyInputs> {
    (0..n).map(|seed| HeavyInputs { seed, rounds }).collect()
}

/// Rounds of `spin` that take about 1 ms here.
fn calibrate() -> u64 {
    let probe = 1_000_000;
    let took = timed(|| black_box(spin(black_box(7), probe)));
    (probe as f64 * 1e-3 / took.as_secs_f64()).round() as u64
}

fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let started = Instant::now();
    black_box(f());
    started.elapsed()
}

fn median(times: impl Iterator<Item = Duration>) -> Duration {
    let mut times: Vec<Duration> = times.collect();
    times.sort();
    times[times.len() / 2]
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
