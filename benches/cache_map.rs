//! A map of cached items, cold and warm, against the same map without a
//! cache (see `benches/README.md`, "Cached maps"). Needs the `cache`
//! feature of this crate:
//!
//! ```sh
//! cargo bench -p hn-benches --features cache --bench cache_map [-- ITEMS...]
//! ```
//!
//! For each number of items (default 1000 and 10000), every item costing
//! 1 ms of CPU (a spin, so that writing the cache competes for the same
//! cores) and returning 16 `u64`s, on the default parallel map:
//!
//! - `plain`: `map_with` on an engine without a cache;
//! - `cold`: the same on an engine with a `DiskCache` in a fresh directory
//!   (every item computed, then stored), until `flush` returns (every
//!   value committed to the database, as when a process ends);
//! - `warm`: the same on an engine with a new `DiskCache` handle on the
//!   directory, as in the next process (every item read back);
//! - `bounded cold`: `cold` with `max_bytes` far below what the items
//!   take (40 bytes per item, plus SQLite's fixed 64 KiB), evicting all along;
//! - `memory cold`, `memory warm`: the same two with a `MemoryCache`.
//!
//! It prints the times, `cold / plain` (the cost of storing) and
//! `plain / warm` (the speedup of a re-run), and the wall time per hit.

use hypernodes::cache::{DiskCache, MemoryCache};
use hypernodes::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The work of one item.
const WORK: Duration = Duration::from_millis(1);

/// Spins for `WORK`, then derives 16 numbers from `x`.
#[node(cache)]
fn expensive(x: u64) -> [u64; 16] {
    let start = Instant::now();
    while start.elapsed() < WORK {
        std::hint::spin_loop();
    }
    core::array::from_fn(|i| black_box(x.wrapping_mul(i as u64 + 1)))
}

pipeline! {
    /// One cached node.
    struct Work {
        expensive,
    }
}

/// One timed `map_with` over `items` items.
fn time(engine: &Engine, items: u64) -> Duration {
    time_then(engine, items, || {})
}

/// One timed `map_with` over `items` items, followed by `then` (in the
/// time).
fn time_then(engine: &Engine, items: u64, then: impl FnOnce()) -> Duration {
    let inputs: Vec<WorkInputs> = (0..items).map(|x| WorkInputs { x }).collect();
    let start = Instant::now();
    let results = Work.map_with(engine, inputs);
    then();
    let took = start.elapsed();
    assert!(results.iter().all(Result::is_ok));
    took
}

fn main() {
    let counts: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1000, 10_000]
    } else {
        counts
    };
    let dir = std::env::temp_dir().join(format!("hn-cache-map-{}", std::process::id()));
    for items in counts {
        let _ = std::fs::remove_dir_all(&dir);
        let plain = time(&Engine::new(), items);
        let disk = DiskCache::open(&dir).expect("a cache directory");
        let cached = Engine::new().cache(disk.clone());
        // Until every value is in the database, as at the end of a process.
        let cold = time_then(&cached, items, || disk.flush());
        drop((cached, disk));
        // A new handle, as in the next process.
        let reopened = Engine::new().cache(DiskCache::open(&dir).expect("a cache directory"));
        let warm = time(&reopened, items);
        // Bounded far below what the items take (a fresh directory):
        // every commit past the first few evicts.
        let _ = std::fs::remove_dir_all(&dir);
        let bound = items * 40 + (64 << 10);
        let bounded = DiskCache::open(&dir)
            .expect("a cache directory")
            .max_bytes(bound);
        let evicting = Engine::new().cache(bounded.clone());
        let bounded_cold = time_then(&evicting, items, || bounded.flush());
        drop((evicting, bounded));
        println!(
            "{items:>6} items, bounded to {bound} bytes: cold {bounded_cold:>10.2?}; cold / plain {:.3}",
            bounded_cold.as_secs_f64() / plain.as_secs_f64(),
        );
        let in_memory = Engine::new().cache(MemoryCache::new());
        let (memory_cold, memory_warm) = (time(&in_memory, items), time(&in_memory, items));
        println!(
            "{items:>6} items: plain {plain:>10.2?}, cold {cold:>10.2?}, warm {warm:>10.2?}; \
             cold / plain {:.3}, plain / warm {:.0}x, {:.2} µs per hit",
            cold.as_secs_f64() / plain.as_secs_f64(),
            plain.as_secs_f64() / warm.as_secs_f64(),
            warm.as_secs_f64() * 1e6 / items as f64,
        );
        println!(
            "{items:>6} items in memory: cold {memory_cold:>10.2?}, warm {memory_warm:>10.2?}; \
             cold / plain {:.3}, plain / warm {:.0}x, {:.2} µs per hit",
            memory_cold.as_secs_f64() / plain.as_secs_f64(),
            plain.as_secs_f64() / memory_warm.as_secs_f64(),
            memory_warm.as_secs_f64() * 1e6 / items as f64,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
