//! `map_async` and `map_async_with`: items at once in the calling task,
//! results in input order, per-item errors and panics, the engine's bound on
//! items in flight, fail-fast, cancellation by dropping the future, and any
//! tokio runtime.

use hypernodes::prelude::*;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What one item does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Succeed,
    /// `waited` returns an error.
    Fail,
    /// `waited` panics after its wait.
    PanicAsync,
    /// `squared`, a sync node, panics.
    PanicSync,
}

/// The error of a failing item.
#[derive(Debug, PartialEq, Eq)]
struct Rejected(usize);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} rejected", self.0)
    }
}

/// Counters shared by the items and the test.
#[derive(Default)]
struct Probe {
    started: AtomicUsize,
    /// Counted after the wait, so only by items that ran to the end of it.
    completed: AtomicUsize,
    in_flight: AtomicUsize,
    high_water: AtomicUsize,
}

impl Probe {
    fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

/// One item in flight, from its start until its wait ends or its future is
/// dropped.
struct InFlight<'a>(&'a Probe);

impl<'a> InFlight<'a> {
    fn enter(probe: &'a Probe) -> Self {
        probe.started.fetch_add(1, Ordering::SeqCst);
        let now = probe.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        probe.high_water.fetch_max(now, Ordering::SeqCst);
        InFlight(probe)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

pipeline! {
    /// One item: waits `delay_ms`, then fails or panics if it says so.
    struct Item {
        async fn waited(index: usize, delay_ms: u64, behaviour: Behaviour, probe: &Arc<Probe>) -> Result<usize, Rejected> {
            let guard = InFlight::enter(probe);
            sleep(ms(delay_ms)).await;
            drop(guard);
            probe.completed.fetch_add(1, Ordering::SeqCst);
            match behaviour {
                Behaviour::Fail => Err(Rejected(index)),
                Behaviour::PanicAsync => panic!("item {index} exploded in `waited`"),
                _ => Ok(index),
            }
        }
        fn squared(waited: usize, behaviour: Behaviour) -> usize {
            if behaviour == Behaviour::PanicSync {
                panic!("item {waited} exploded in `squared`");
            }
            waited * waited
        }
    }
}

type ItemResult = Result<ItemOutputs, MapError<ItemError>>;

fn items(
    probe: &Arc<Probe>,
    n: usize,
    delay_ms: impl Fn(usize) -> u64,
    behaviour: impl Fn(usize) -> Behaviour,
) -> Vec<ItemInputs> {
    (0..n)
        .map(|index| ItemInputs {
            index,
            delay_ms: delay_ms(index),
            behaviour: behaviour(index),
            probe: Arc::clone(probe),
        })
        .collect()
}

fn succeed(_: usize) -> Behaviour {
    Behaviour::Succeed
}

/// Asserts that every item succeeded, in input order.
fn assert_all_squares(results: &[ItemResult], n: usize) {
    assert_eq!(results.len(), n);
    for (index, result) in results.iter().enumerate() {
        match result {
            Ok(out) => assert_eq!((out.waited, out.squared), (index, index * index)),
            Err(error) => panic!("item {index} failed: {error}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Concurrency and order
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_hundred_waits_overlap() {
    let probe = Arc::new(Probe::default());
    let start = Instant::now();
    let results = Item.map_async(items(&probe, 100, |_| 10, succeed)).await;
    let elapsed = start.elapsed();
    assert_all_squares(&results, 100);
    // One after the other: 1 s.
    assert!(elapsed < ms(100), "took {elapsed:?}");
    // All of them were started before the first wait ended.
    assert_eq!(Probe::get(&probe.high_water), 100);
    assert_eq!(Probe::get(&probe.completed), 100);
}

#[tokio::test]
async fn results_come_in_input_order() {
    let probe = Arc::new(Probe::default());
    // Later items finish first within each group in flight.
    let results = Item
        .map_async(items(
            &probe,
            1000,
            |index| (1000 - index as u64) % 7,
            succeed,
        ))
        .await;
    assert_all_squares(&results, 1000);
}

#[tokio::test]
async fn items_can_be_any_into_iterator() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async((0..5).rev().map(|index| ItemInputs {
            index,
            delay_ms: 1,
            behaviour: Behaviour::Succeed,
            probe: Arc::clone(&probe),
        }))
        .await;
    let squares: Vec<usize> = results.into_iter().map(|r| r.unwrap().squared).collect();
    assert_eq!(squares, [16, 9, 4, 1, 0]);
    let none = Item.map_async(Vec::new()).await;
    assert!(none.is_empty());
}

// ---------------------------------------------------------------------------
// Per-item errors and panics
// ---------------------------------------------------------------------------

fn mixed(index: usize) -> Behaviour {
    match index % 5 {
        1 => Behaviour::Fail,
        2 => Behaviour::PanicAsync,
        3 => Behaviour::PanicSync,
        _ => Behaviour::Succeed,
    }
}

fn check_mixed(results: &[ItemResult]) {
    assert_eq!(results.len(), 20);
    for (index, result) in results.iter().enumerate() {
        match (mixed(index), result) {
            (Behaviour::Succeed, Ok(out)) => assert_eq!(out.squared, index * index),
            (
                Behaviour::Fail,
                Err(
                    error @ MapError::Failed {
                        item,
                        error: ItemError::Waited(rejected),
                    },
                ),
            ) => {
                assert_eq!((*item, rejected), (index, &Rejected(index)));
                assert_eq!(error.item(), index);
                assert_eq!(error.node(), "waited");
                assert_eq!(
                    error.to_string(),
                    format!("item {index}: node `waited` failed: item {index} rejected")
                );
            }
            (Behaviour::PanicAsync, Err(error @ MapError::Panicked(panic))) => {
                assert_eq!(panic.item, index);
                assert_eq!(panic.node, "waited");
                assert_eq!(panic.message, format!("item {index} exploded in `waited`"));
                assert_eq!(error.node(), "waited");
                assert_eq!(
                    error.to_string(),
                    format!(
                        "item {index}: node `waited` panicked: item {index} exploded in `waited`"
                    )
                );
            }
            (Behaviour::PanicSync, Err(MapError::Panicked(panic))) => {
                assert_eq!((panic.item, panic.node), (index, "squared"));
                assert_eq!(panic.message, format!("item {index} exploded in `squared`"));
            }
            (behaviour, Ok(_)) => panic!("item {index} ({behaviour:?}) succeeded"),
            (behaviour, Err(error)) => panic!("item {index} ({behaviour:?}): {error:?}"),
        }
    }
}

#[tokio::test]
async fn each_item_gets_its_own_error_or_panic() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async(items(&probe, 20, |index| (index % 3) as u64, mixed))
        .await;
    check_mixed(&results);
    // Failures and panics never stopped another item.
    assert_eq!(Probe::get(&probe.completed), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_item_gets_its_own_error_or_panic_on_a_multi_thread_runtime() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().max_workers(3),
            items(&probe, 20, |index| (index % 3) as u64, mixed),
        )
        .await;
    check_mixed(&results);
}

pipeline! {
    /// A blocking node that panics on 13, after an async one.
    struct BlockingItem {
        async fn fetched(x: u32) -> u32 { tokio::task::yield_now().await; x }
        #[node(blocking)]
        fn risky(fetched: u32) -> u32 {
            if fetched == 13 {
                panic!("blocking node exploded on {fetched}");
            }
            fetched * 2
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_blocking_node_names_the_node() {
    let results = BlockingItem
        .map_async([12, 13, 14].map(|x| BlockingItemInputs { x }))
        .await;
    assert_eq!(results[0].as_ref().unwrap().risky, 24);
    assert_eq!(results[2].as_ref().unwrap().risky, 28);
    match &results[1] {
        Err(MapError::Panicked(panic)) => {
            assert_eq!((panic.item, panic.node), (1, "risky"));
            assert_eq!(panic.message, "blocking node exploded on 13");
        }
        other => panic!("item 1: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Items in flight
// ---------------------------------------------------------------------------

#[tokio::test]
async fn max_workers_bounds_the_items_in_flight() {
    let probe = Arc::new(Probe::default());
    let start = Instant::now();
    let results = Item
        .map_async_with(
            &Engine::new().max_workers(4),
            items(&probe, 40, |index| 5 + (index % 4) as u64 * 5, succeed),
        )
        .await;
    let elapsed = start.elapsed();
    assert_all_squares(&results, 40);
    assert_eq!(Probe::get(&probe.high_water), 4);
    // At least 10 rounds of at least 5 ms each.
    assert!(elapsed >= ms(50), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_workers_bounds_the_items_in_flight_on_a_multi_thread_runtime() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().max_workers(4),
            items(&probe, 40, |index| (index % 4) as u64 * 3, succeed),
        )
        .await;
    assert_all_squares(&results, 40);
    assert_eq!(Probe::get(&probe.high_water), 4);
}

#[tokio::test]
async fn without_max_workers_at_most_128_items_are_in_flight() {
    let probe = Arc::new(Probe::default());
    let results = Item.map_async(items(&probe, 300, |_| 20, succeed)).await;
    assert_all_squares(&results, 300);
    assert_eq!(Probe::get(&probe.high_water), 128);
}

#[tokio::test]
async fn max_workers_zero_is_one() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().max_workers(0),
            items(&probe, 5, |_| 1, succeed),
        )
        .await;
    assert_all_squares(&results, 5);
    assert_eq!(Probe::get(&probe.high_water), 1);
}

// ---------------------------------------------------------------------------
// Fail-fast
// ---------------------------------------------------------------------------

#[tokio::test]
async fn fail_fast_starts_no_item_after_a_failure() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().fail_fast(true).max_workers(1),
            items(
                &probe,
                10,
                |_| 1,
                |index| {
                    if index == 3 {
                        Behaviour::Fail
                    } else {
                        Behaviour::Succeed
                    }
                },
            ),
        )
        .await;
    assert_eq!(results.len(), 10);
    for (index, result) in results.iter().enumerate() {
        match (index, result) {
            (0..=2, Ok(out)) => assert_eq!(out.squared, index * index),
            (3, Err(MapError::Failed { item: 3, error })) => assert_eq!(error.node(), "waited"),
            (4.., Err(error @ MapError::NotRun { item })) => {
                assert_eq!(*item, index);
                assert_eq!(error.node(), "");
                assert_eq!(
                    error.to_string(),
                    format!("item {index}: not run, an earlier item failed")
                );
            }
            _ => panic!("item {index}: unexpected {result:?}"),
        }
    }
    assert_eq!(Probe::get(&probe.started), 4);
}

#[tokio::test]
async fn fail_fast_also_stops_after_a_panic() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().fail_fast(true).max_workers(1),
            items(
                &probe,
                6,
                |_| 1,
                |index| {
                    if index == 1 {
                        Behaviour::PanicSync
                    } else {
                        Behaviour::Succeed
                    }
                },
            ),
        )
        .await;
    assert!(results[0].is_ok());
    assert!(matches!(
        &results[1],
        Err(MapError::Panicked(panic)) if (panic.item, panic.node) == (1, "squared")
    ));
    for (index, result) in results.iter().enumerate().skip(2) {
        assert!(
            matches!(result, Err(MapError::NotRun { item }) if *item == index),
            "item {index}: {result:?}"
        );
    }
    assert_eq!(Probe::get(&probe.started), 2);
}

#[tokio::test]
async fn without_fail_fast_every_item_runs() {
    let probe = Arc::new(Probe::default());
    let results = Item
        .map_async_with(
            &Engine::new().max_workers(1),
            items(
                &probe,
                6,
                |_| 1,
                |index| {
                    if index == 1 {
                        Behaviour::Fail
                    } else {
                        Behaviour::Succeed
                    }
                },
            ),
        )
        .await;
    assert!(matches!(results[1], Err(MapError::Failed { item: 1, .. })));
    assert_eq!(results.iter().filter(|result| result.is_ok()).count(), 5);
    assert_eq!(Probe::get(&probe.started), 6);
}

// ---------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------

#[tokio::test]
async fn dropping_the_future_stops_every_item() {
    let probe = Arc::new(Probe::default());
    let handle = tokio::runtime::Handle::current();
    assert_eq!(handle.metrics().num_alive_tasks(), 0);
    // Item `i` waits 30 × i ms: a few finish before the cut at 100 ms.
    let outcome = tokio::time::timeout(
        ms(100),
        Item.map_async_with(
            &Engine::new().max_workers(20),
            items(&probe, 20, |index| 30 * index as u64, succeed),
        ),
    )
    .await;
    assert!(outcome.is_err(), "the map was not cut off");
    let completed = Probe::get(&probe.completed);
    assert!(
        (1..20).contains(&completed),
        "{completed} items completed before the cut"
    );
    // The dropped items' futures are gone, and nothing was left spawned.
    assert_eq!(Probe::get(&probe.in_flight), 0);
    assert_eq!(handle.metrics().num_alive_tasks(), 0);
    sleep(ms(200)).await;
    assert_eq!(Probe::get(&probe.completed), completed);
    assert_eq!(Probe::get(&probe.in_flight), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_a_spawned_map_stops_every_item() {
    let probe = Arc::new(Probe::default());
    let task = tokio::spawn(Item.map_async(items(&probe, 50, |_| 150, succeed)));
    sleep(ms(30)).await;
    assert_eq!(Probe::get(&probe.in_flight), 50);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(Probe::get(&probe.in_flight), 0);
    sleep(ms(250)).await;
    assert_eq!(Probe::get(&probe.completed), 0);
}

// ---------------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------------

/// Compiles only for a future that `tokio::spawn` accepts.
fn assert_spawnable<F: Future + Send + 'static>(future: F) -> F {
    future
}

#[test]
fn works_in_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let probe = Arc::new(Probe::default());
    let start = Instant::now();
    let results = runtime.block_on(Item.map_async(items(&probe, 50, |_| 20, succeed)));
    let elapsed = start.elapsed();
    assert_all_squares(&results, 50);
    assert!(elapsed < ms(200), "took {elapsed:?}");
    let results = runtime.block_on(async {
        tokio::spawn(assert_spawnable(Item.map_async(items(
            &probe,
            5,
            |_| 1,
            succeed,
        ))))
        .await
        .unwrap()
    });
    assert_all_squares(&results, 5);
}

#[test]
fn works_in_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let probe = Arc::new(Probe::default());
    let results = runtime.block_on(Item.map_async_with(
        &Engine::new().max_workers(8),
        items(&probe, 50, |index| (index % 5) as u64, succeed),
    ));
    assert_all_squares(&results, 50);
    let engine = Engine::new().max_workers(2);
    let results = runtime
        .block_on(runtime.spawn(assert_spawnable(
            Item.map_async_with(&engine, items(&probe, 5, |_| 1, succeed)),
        )))
        .unwrap();
    assert_all_squares(&results, 5);
}
