//! Maps inside the nodes of a mapped pipeline stay on the pool the outer map
//! runs on: a custom rayon pool, or the I/O pool of `Mode::Threads`. Nested
//! maps never multiply threads.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The names of the threads nodes ran on, inner and outer together.
type Threads = Arc<Mutex<HashSet<String>>>;

fn record(threads: &Threads) {
    let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
    threads.lock().unwrap().insert(name);
}

pipeline! {
    /// One inner item: records its thread, squares its value.
    struct Inner {
        fn inner_square(value: u64, threads: &Threads) -> u64 {
            record(threads);
            thread::sleep(Duration::from_micros(100));
            value * value
        }
    }
}

fn inner_items(outer: u64, threads: &Threads) -> impl Iterator<Item = InnerInputs> + '_ {
    (0..100).map(move |i| InnerInputs {
        value: outer * 1_000 + i,
        threads: Arc::clone(threads),
    })
}

/// The sum of the squares of `outer * 1000 + i` for `i` in `0..100`.
fn expected_sum(outer: u64) -> u64 {
    (0..100).map(|i| (outer * 1_000 + i).pow(2)).sum()
}

/// How the inner map is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InnerMap {
    /// `Inner.map(items)`: the current pool.
    Map,
    /// `Inner.map_with(&Engine::new().map(Mode::Threads).max_workers(16), items)`.
    Threads,
    /// `Inner.map_iter(items)`: streaming, on the current pool.
    Stream,
}

pipeline! {
    /// One outer item: a map of `Inner` over 100 items, summed.
    struct Outer {
        fn inner_sum(outer: u64, inner_map: InnerMap, threads: &Threads) -> u64 {
            record(threads);
            let items = inner_items(outer, threads);
            let results = match inner_map {
                InnerMap::Map => Inner.map(items.collect::<Vec<_>>()),
                InnerMap::Threads => Inner.map_with(&threads_engine(), items),
                InnerMap::Stream => Inner.map_iter(items).collect(),
            };
            record(threads);
            results.into_iter().map(|r| r.unwrap().inner_square).sum()
        }
    }
}

fn outer_items(inner_map: InnerMap, threads: &Threads) -> impl Iterator<Item = OuterInputs> + '_ {
    (0..50).map(move |outer| OuterInputs {
        outer,
        inner_map,
        threads: Arc::clone(threads),
    })
}

fn threads_engine() -> Engine {
    Engine::new().map(Mode::Threads).max_workers(16)
}

fn pool(threads: usize, name: &'static str) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |index| format!("{name}-{index}"))
        .build()
        .unwrap()
}

fn check_sums(results: Vec<Result<OuterOutputs, MapError<OuterError>>>) {
    assert_eq!(results.len(), 50);
    for (outer, result) in results.into_iter().enumerate() {
        assert_eq!(result.unwrap().inner_sum, expected_sum(outer as u64));
    }
}

#[test]
fn a_map_inside_a_custom_pool_stays_in_it() {
    let threads = Threads::default();
    let engine = Engine::new().pool(pool(4, "nested-pool"));
    check_sums(Outer.map_with(&engine, outer_items(InnerMap::Map, &threads)));
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 4, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("nested-pool-")),
        "{names:?}"
    );
}

#[test]
fn a_map_inside_a_map_on_the_current_pool_stays_in_it() {
    let threads = Threads::default();
    let pool = pool(3, "nested-current");
    let results =
        pool.install(|| Outer.map(outer_items(InnerMap::Map, &threads).collect::<Vec<_>>()));
    check_sums(results);
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 3, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("nested-current-")),
        "{names:?}"
    );
}

#[test]
fn a_threads_map_inside_a_threads_map_stays_on_the_io_pool() {
    let threads = Threads::default();
    check_sums(Outer.map_with(&threads_engine(), outer_items(InnerMap::Threads, &threads)));
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 16, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("hypernodes-io-")),
        "{names:?}"
    );
}

#[test]
fn a_stream_inside_a_custom_pool_stays_in_it() {
    let threads = Threads::default();
    let engine = Engine::new().pool(pool(4, "nested-stream"));
    check_sums(Outer.map_with(&engine, outer_items(InnerMap::Stream, &threads)));
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 4, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("nested-stream-")),
        "{names:?}"
    );
}

#[test]
fn nested_maps_with_parallel_nodes_stay_in_the_pool() {
    let threads = Threads::default();
    let engine = Engine::new()
        .pool(pool(4, "nested-nodes"))
        .nodes(Mode::Parallel);
    check_sums(Outer.map_with(&engine, outer_items(InnerMap::Map, &threads)));
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 4, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("nested-nodes-")),
        "{names:?}"
    );
}
