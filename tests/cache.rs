//! `#[node(cache)]` with an engine's cache: a hit skips the node (and is
//! reported), on every runner that takes an engine and in nested
//! pipelines; `None`, empty values and `0` are cached like any other; a
//! failure is not; without a cache nothing is looked up.

use hypernodes::cache::{Cache, Key};
use hypernodes::observe::{Callback, NodeEvent};
use hypernodes::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// Keeps everything, and counts what it is asked.
#[derive(Clone, Default)]
struct Everything {
    entries: Arc<Mutex<HashMap<Key, Vec<u8>>>>,
    gets: Arc<AtomicUsize>,
}

impl Cache for Everything {
    fn get(&self, key: &Key) -> Option<Vec<u8>> {
        self.gets.fetch_add(1, SeqCst);
        self.entries.lock().unwrap().get(key).cloned()
    }
    fn put(&self, key: &Key, value: &[u8]) {
        self.entries.lock().unwrap().insert(*key, value.to_vec());
    }
}

impl Everything {
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

/// Counts cache hits, by node path.
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<Vec<&'static str>>>);

impl Callback for Hits {
    fn on_cache_hit(&self, event: &NodeEvent) {
        self.0.lock().unwrap().push(event.node.path);
    }
}

impl Hits {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

mod sync {
    use super::*;

    pub static SQUARED: AtomicUsize = AtomicUsize::new(0);

    #[node(cache)]
    pub fn squared(x: u64) -> u64 {
        SQUARED.fetch_add(1, SeqCst);
        x * x
    }

    pipeline! {
        /// A cached node by path, then a plain inline one.
        pub struct Squares {
            squared,
            pub fn plus_one(squared: u64) -> u64 { squared + 1 }
        }
    }
}
use sync::{Squares, SquaresInputs, SQUARED};

#[test]
fn a_second_run_hits_and_skips_the_node() {
    let _counting = COUNTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (cache, hits) = (Everything::default(), Hits::default());
    let engine = Engine::new().cache(cache.clone()).callback(hits.clone());
    let before = SQUARED.load(SeqCst);
    for _ in 0..3 {
        let out = Squares
            .run_with(&engine, SquaresInputs { x: 1_000_003 })
            .unwrap();
        assert_eq!(out.plus_one, 1_000_003 * 1_000_003 + 1);
    }
    assert_eq!(SQUARED.load(SeqCst) - before, 1);
    assert_eq!(*hits.0.lock().unwrap(), ["squared", "squared"]);
    assert_eq!(cache.len(), 1);
    // Another engine on the same store hits too; `run` never looks.
    let other = Engine::new().nodes(Mode::Parallel).cache(cache.clone());
    Squares
        .run_with(&other, SquaresInputs { x: 1_000_003 })
        .unwrap();
    Squares.run(SquaresInputs { x: 1_000_003 }).unwrap();
    assert_eq!(SQUARED.load(SeqCst) - before, 2);
}

#[test]
fn without_a_cache_nothing_is_looked_up() {
    let _counting = COUNTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let hits = Hits::default();
    let engine = Engine::new().callback(hits.clone());
    let before = SQUARED.load(SeqCst);
    Squares
        .run_with(&engine, SquaresInputs { x: 2_000_003 })
        .unwrap();
    Squares
        .run_with(&engine, SquaresInputs { x: 2_000_003 })
        .unwrap();
    assert_eq!(SQUARED.load(SeqCst) - before, 2);
    assert_eq!(hits.count(), 0);
}

mod maps {
    use super::*;

    pub static CUBED: AtomicUsize = AtomicUsize::new(0);
    /// Held by the tests that count calls of `squared` and `cubed`,
    /// which run at once otherwise.
    pub static COUNTING: Mutex<()> = Mutex::new(());

    pipeline! {
        /// One cached inline node.
        pub struct Cubes {
            #[node(cache)]
            pub fn cubed(x: &u64) -> u64 {
                CUBED.fetch_add(1, SeqCst);
                x * x * x
            }
        }
    }
}
use maps::{Cubes, CubesInputs, CubesMapInputs, COUNTING, CUBED};

#[test]
fn every_blocking_map_hits_what_an_earlier_map_stored() {
    let _counting = COUNTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let items = || (0..50).map(|x| CubesInputs { x });
    let expected: Vec<u64> = (0..50).map(|x| x * x * x).collect();
    for map in [Mode::Sequential, Mode::Parallel, Mode::Threads] {
        let (cache, hits) = (Everything::default(), Hits::default());
        let engine = Engine::new()
            .map(map)
            .max_workers(3)
            .cache(cache.clone())
            .callback(hits.clone());
        let before = CUBED.load(SeqCst);
        let first: Vec<u64> = (Cubes.map_with(&engine, items()).into_iter())
            .map(|out| out.unwrap().cubed)
            .collect();
        assert_eq!(first, expected);
        assert_eq!(CUBED.load(SeqCst) - before, 50, "{map:?}");
        let again: Vec<u64> = (Cubes.try_map_with(&engine, items()).unwrap().into_iter())
            .map(|out| out.cubed)
            .collect();
        let lazily: Vec<u64> = Cubes
            .map_iter_with(&engine, items())
            .map(|out| out.unwrap().cubed)
            .collect();
        let xs: Vec<u64> = (0..50).collect();
        let over: Vec<u64> = Cubes
            .map_over_with(
                &engine,
                CubesMapInputs {
                    x: hypernodes::MapInput::Each(&xs),
                },
                hypernodes::MapMode::Zip,
            )
            .unwrap()
            .into_iter()
            .map(|out| out.unwrap().cubed)
            .collect();
        assert_eq!(
            (again, lazily, over),
            (expected.clone(), expected.clone(), expected.clone())
        );
        assert_eq!(
            CUBED.load(SeqCst) - before,
            50,
            "{map:?}: every later item hits"
        );
        assert_eq!(hits.count(), 150, "{map:?}");
        assert_eq!(cache.len(), 50);
    }
}

mod values {
    use super::*;

    pub static CALLS: AtomicUsize = AtomicUsize::new(0);

    pipeline! {
        /// Values that are easy to get wrong: `None`, empty, zero; and a
        /// failure, which is not stored.
        pub struct Edges {
            #[node(cache)]
            pub fn maybe(n: &i64) -> Option<i64> {
                CALLS.fetch_add(1, SeqCst);
                (*n > 0).then_some(*n)
            }
            #[node(cache)]
            pub fn listed(maybe: &Option<i64>) -> Vec<i64> {
                CALLS.fetch_add(1, SeqCst);
                maybe.iter().copied().filter(|n| n % 2 == 0).collect()
            }
            #[node(cache)]
            pub fn checked(listed: &[i64]) -> Result<usize, String> {
                CALLS.fetch_add(1, SeqCst);
                if listed.len() > 1 { Err("too many".to_owned()) } else { Ok(listed.len()) }
            }
        }
    }
}
use values::{Edges, EdgesInputs, CALLS};

#[test]
fn none_empty_and_zero_values_are_cached_and_failures_are_not() {
    let engine = Engine::new().cache(Everything::default());
    let before = CALLS.load(SeqCst);
    // `None`, then an empty `Vec`, then `Ok(0)`: all three stored.
    for _ in 0..3 {
        assert_eq!(
            Edges
                .run_with(&engine, EdgesInputs { n: -5 })
                .unwrap()
                .checked,
            0
        );
    }
    assert_eq!(CALLS.load(SeqCst) - before, 3);

    pipeline! {
        /// Fails every time, counting its calls.
        struct Failing {
            #[node(cache)]
            fn failed(n: u8) -> Result<u8, String> {
                CALLS.fetch_add(1, SeqCst);
                Err(format!("no {n}"))
            }
        }
    }
    let before = CALLS.load(SeqCst);
    for _ in 0..3 {
        assert!(Failing.run_with(&engine, FailingInputs { n: 7 }).is_err());
    }
    assert_eq!(
        CALLS.load(SeqCst) - before,
        3,
        "a failure is computed again"
    );
}

mod nested {
    use super::*;

    pipeline! {
        /// `Squares` flattened and `Cubes` mapped over `xs`.
        pub struct Both {
            #[nested]
            Squares,
            #[nested(map_over = x, inputs(xs = x), outputs(cubed = cubes))]
            Cubes,
        }
    }
}
use nested::{Both, BothInputs};

#[test]
fn nested_pipelines_hit_by_their_full_paths() {
    let _counting = COUNTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (cache, hits) = (Everything::default(), Hits::default());
    let engine = Engine::new().cache(cache.clone()).callback(hits.clone());
    let inputs = || BothInputs {
        x: 3_000_003,
        xs: vec![1_000, 1_001, 1_002],
    };
    let first = Both.run_with(&engine, inputs()).unwrap();
    let again = Both.run_with(&engine, inputs()).unwrap();
    assert_eq!(
        (first.plus_one, first.cubes.clone()),
        (again.plus_one, again.cubes)
    );
    let mut paths = hits.0.lock().unwrap().clone();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "cubes / cubed",
            "cubes / cubed",
            "cubes / cubed",
            "squares / squared"
        ]
    );
    // Same node, same arguments: the entries are the node's, whatever
    // pipeline runs it.
    let before = SQUARED.load(SeqCst);
    Squares
        .run_with(&engine, SquaresInputs { x: 3_000_003 })
        .unwrap();
    assert_eq!(SQUARED.load(SeqCst), before);
}

mod asynchronous {
    use super::*;

    pub static FETCHED: AtomicUsize = AtomicUsize::new(0);

    pipeline! {
        /// A cached async node.
        pub struct Fetch {
            #[node(cache)]
            pub async fn fetched(url: &str) -> String {
                FETCHED.fetch_add(1, SeqCst);
                tokio::task::yield_now().await;
                format!("<{url}>")
            }
        }
    }
}
use asynchronous::{Fetch, FetchInputs, FETCHED};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_runners_hit_too() {
    use hypernodes::__private::futures::{stream, StreamExt};
    let (cache, hits) = (Everything::default(), Hits::default());
    let engine = Engine::new().cache(cache.clone()).callback(hits.clone());
    let urls = ["cache-a", "cache-b", "cache-c"];
    let inputs = || urls.map(|url| FetchInputs { url: url.into() });
    let before = FETCHED.load(SeqCst);
    let first = Fetch.map_async_with(&engine, inputs()).await;
    let single = Fetch
        .run_async_with(
            &engine,
            FetchInputs {
                url: "cache-b".into(),
            },
        )
        .await
        .unwrap();
    let streamed: Vec<_> = Fetch
        .map_stream_with(&engine, stream::iter(inputs()))
        .collect()
        .await;
    assert_eq!(first[1].as_ref().unwrap().fetched, "<cache-b>");
    assert_eq!(single.fetched, "<cache-b>");
    assert_eq!(streamed.len(), 3);
    assert_eq!(FETCHED.load(SeqCst) - before, 3);
    assert_eq!(hits.count(), 4);
}

#[test]
fn engines_on_one_directory_share_entries_and_memory_caches_work_alike() {
    use hypernodes::cache::{DiskCache, MemoryCache};
    let _counting = COUNTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = std::env::temp_dir().join(format!("hn-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let items = || (10_000..10_020).map(|x| CubesInputs { x });
    let before = CUBED.load(SeqCst);
    let first = Engine::new().cache(DiskCache::open(&dir).unwrap());
    assert_eq!(Cubes.map_with(&first, items()).len(), 20);
    // Another engine, another handle on the same directory, another mode.
    let hits = Hits::default();
    let second = Engine::new()
        .map(Mode::Sequential)
        .cache(DiskCache::open(&dir).unwrap())
        .callback(hits.clone());
    let again = Cubes.try_map_with(&second, items()).unwrap();
    assert_eq!(again[3].cubed, 10_003u64.pow(3));
    assert_eq!((CUBED.load(SeqCst) - before, hits.count()), (20, 20));
    let _ = std::fs::remove_dir_all(&dir);

    let memory = MemoryCache::with_capacity(100);
    let engine = Engine::new().cache(memory.clone());
    let before = CUBED.load(SeqCst);
    Cubes.map_with(&engine, items());
    Cubes.map_with(&engine, items());
    assert_eq!((CUBED.load(SeqCst) - before, memory.len()), (20, 20));
}

mod options {
    use super::*;

    pub static CALLS: AtomicUsize = AtomicUsize::new(0);

    pipeline! {
        /// Cached nodes with other options: tuple outputs, blocking,
        /// retries with a timeout.
        pub struct Options {
            #[node(cache, output = (low, high))]
            pub fn split(x: u32) -> (u16, u16) {
                CALLS.fetch_add(1, SeqCst);
                ((x & 0xffff) as u16, (x >> 16) as u16)
            }
            #[node(cache, blocking)]
            pub fn joined(low: u16, high: u16) -> String {
                CALLS.fetch_add(1, SeqCst);
                format!("{high}:{low}")
            }
            #[node(cache, version = 3, retries = 1, timeout_ms = 1000)]
            pub async fn checked(joined: &str) -> Result<usize, String> {
                CALLS.fetch_add(1, SeqCst);
                Ok(joined.len())
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tuple_outputs_blocking_nodes_and_retried_nodes_are_cached() {
    use options::{Options, OptionsInputs, CALLS};
    let engine = Engine::new().cache(Everything::default());
    let before = CALLS.load(SeqCst);
    for _ in 0..3 {
        let out = Options
            .run_async_with(&engine, OptionsInputs { x: 0x0002_0001 })
            .await
            .unwrap();
        assert_eq!(
            (out.low, out.high, out.joined.as_str(), out.checked),
            (1, 2, "2:1", 3)
        );
    }
    assert_eq!(CALLS.load(SeqCst) - before, 3);
}

mod gated {
    use super::*;

    pub static CALLS: AtomicUsize = AtomicUsize::new(0);

    pipeline! {
        /// Cached nodes behind a gate: a sync one and a blocking one.
        pub struct Gated {
            fn big(x: u32) -> bool { x > 100 }
            #[when(big)]
            #[node(cache)]
            pub fn halved(x: u32) -> u32 {
                CALLS.fetch_add(1, SeqCst);
                x / 2
            }
            #[when(!big)]
            #[node(cache, blocking)]
            pub fn doubled(x: u32) -> u32 {
                CALLS.fetch_add(1, SeqCst);
                x * 2
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_nodes_behind_gates_hit_on_the_arm_they_run() {
    use gated::{Gated, GatedInputs, CALLS};
    let engine = Engine::new().cache(Everything::default());
    let before = CALLS.load(SeqCst);
    for _ in 0..3 {
        let big = Gated
            .run_async_with(&engine, GatedInputs { x: 400 })
            .await
            .unwrap();
        assert_eq!((big.halved, big.doubled), (Some(200), None));
        let small = Gated
            .run_async_with(&engine, GatedInputs { x: 4 })
            .await
            .unwrap();
        assert_eq!((small.halved, small.doubled), (None, Some(8)));
    }
    // One call per arm taken: every later run hits.
    assert_eq!(CALLS.load(SeqCst) - before, 2);
}
