//! `map_stream` and `map_stream_with`: results in input order, backpressure
//! on the source (never more than the engine's in-flight bound pulled ahead
//! of the consumer), endless and slow sources, per-item errors and panics,
//! and cancellation by dropping the stream.

use hypernodes::__private::futures::{stream, Stream, StreamExt};
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
    Fail,
    Panic,
}

/// The error of a failing item.
#[derive(Debug, PartialEq, Eq)]
struct Rejected(usize);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} rejected", self.0)
    }
}

/// Counted after the wait, so only by items that ran to the end of it.
static COMPLETED_BY_CANCEL_TEST: AtomicUsize = AtomicUsize::new(0);

pipeline! {
    /// One item: waits `delay_ms`, then fails or panics if it says so.
    struct Item {
        async fn waited(index: usize, delay_ms: u64, behaviour: Behaviour) -> Result<usize, Rejected> {
            sleep(ms(delay_ms)).await;
            if index >= 1_000_000 {
                COMPLETED_BY_CANCEL_TEST.fetch_add(1, Ordering::SeqCst);
            }
            match behaviour {
                Behaviour::Fail => Err(Rejected(index)),
                Behaviour::Panic => panic!("item {index} exploded"),
                Behaviour::Succeed => Ok(index),
            }
        }
        fn squared(waited: usize) -> usize { waited * waited }
    }
}

fn item(index: usize, delay_ms: u64) -> ItemInputs {
    ItemInputs {
        index,
        delay_ms,
        behaviour: Behaviour::Succeed,
    }
}

/// Consumes a stream of results, counting each as it arrives.
async fn consume<S>(results: S, received: &AtomicUsize) -> Vec<usize>
where
    S: Stream<Item = Result<ItemOutputs, MapError<ItemError>>>,
{
    let mut results = std::pin::pin!(results);
    let mut squares = Vec::new();
    while let Some(result) = results.next().await {
        received.fetch_add(1, Ordering::SeqCst);
        squares.push(result.unwrap().squared);
    }
    squares
}

fn squares(n: usize) -> Vec<usize> {
    (0..n).map(|index| index * index).collect()
}

// ---------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------

#[tokio::test]
async fn results_come_in_input_order() {
    // Later items finish first within each group in flight.
    let source = stream::iter((0..300).map(|index| item(index, (300 - index as u64) % 5)));
    let results: Vec<_> = Item.map_stream(source).collect().await;
    assert_eq!(results.len(), 300);
    for (index, result) in results.into_iter().enumerate() {
        let out = result.unwrap();
        assert_eq!((out.waited, out.squared), (index, index * index));
    }
}

#[tokio::test]
async fn items_overlap() {
    let start = Instant::now();
    let source = stream::iter((0..100).map(|index| item(index, 10)));
    let received = AtomicUsize::new(0);
    let squares_out = consume(Item.map_stream(source), &received).await;
    let elapsed = start.elapsed();
    assert_eq!(squares_out, squares(100));
    // One after the other: 1 s.
    assert!(elapsed < ms(100), "took {elapsed:?}");
}

#[tokio::test]
async fn an_empty_source_gives_an_empty_stream() {
    let results: Vec<_> = Item.map_stream(stream::empty()).collect().await;
    assert!(results.is_empty());
}

// ---------------------------------------------------------------------------
// Backpressure
// ---------------------------------------------------------------------------

/// A source that records, at each pull, how far it got ahead of the
/// consumer.
struct Counting {
    pulled: AtomicUsize,
    received: AtomicUsize,
    /// The most items pulled and not yet received, seen at any pull.
    ahead: AtomicUsize,
}

impl Counting {
    fn new() -> Arc<Self> {
        Arc::new(Counting {
            pulled: AtomicUsize::new(0),
            received: AtomicUsize::new(0),
            ahead: AtomicUsize::new(0),
        })
    }

    fn source(
        self: &Arc<Self>,
        items: impl Iterator<Item = ItemInputs>,
    ) -> impl Stream<Item = ItemInputs> {
        let counting = Arc::clone(self);
        stream::iter(items).inspect(move |_| {
            let pulled = counting.pulled.fetch_add(1, Ordering::SeqCst) + 1;
            let ahead = pulled - counting.received.load(Ordering::SeqCst);
            counting.ahead.fetch_max(ahead, Ordering::SeqCst);
        })
    }

    fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

/// The exact bound: `map_stream_with` keeps at most `max_workers` items
/// between the source and the consumer (pulled and not yet handed out, done
/// or not). It tops up to that bound before handing out each result, so a
/// fast source is exactly `max_workers` ahead right after each top-up.
#[tokio::test]
async fn a_fast_source_is_never_more_than_max_workers_ahead() {
    let counting = Counting::new();
    let source = counting.source((0..60).map(|index| item(index, 1 + (index % 3) as u64)));
    let results = Item.map_stream_with(&Engine::new().max_workers(3), source);
    let squares_out = async {
        let mut results = std::pin::pin!(results);
        let mut squares = Vec::new();
        while let Some(result) = results.next().await {
            counting.received.fetch_add(1, Ordering::SeqCst);
            squares.push(result.unwrap().squared);
            // A slow consumer: the source must wait for it, too.
            sleep(ms(2)).await;
        }
        squares
    }
    .await;
    assert_eq!(squares_out, squares(60));
    assert_eq!(Counting::get(&counting.pulled), 60);
    assert_eq!(Counting::get(&counting.ahead), 3);
}

#[tokio::test]
async fn by_default_a_source_is_at_most_128_items_ahead() {
    let counting = Counting::new();
    let source = counting.source((0..400).map(|index| item(index, 5)));
    let squares_out = consume(Item.map_stream(source), &counting.received).await;
    assert_eq!(squares_out, squares(400));
    assert_eq!(Counting::get(&counting.ahead), 128);
}

#[tokio::test]
async fn an_endless_source_is_pulled_only_as_far_as_needed() {
    let counting = Counting::new();
    let source = counting.source((0..).map(|index| item(index, 1)));
    let first: Vec<usize> = Item
        .map_stream_with(&Engine::new().max_workers(3), source)
        .take(5)
        .map(|result| result.unwrap().squared)
        .collect()
        .await;
    assert_eq!(first, squares(5));
    // Before handing out the fifth result the stream topped up to 3 items
    // after the 4 already handed out: 7 pulled, never more.
    assert_eq!(Counting::get(&counting.pulled), 7);
}

#[tokio::test]
async fn a_slow_source_is_waited_for() {
    // A source that waits 5 ms before each item.
    let source = stream::unfold(0usize, |index| async move {
        if index == 20 {
            return None;
        }
        sleep(ms(5)).await;
        Some((item(index, 3), index + 1))
    });
    let received = AtomicUsize::new(0);
    let squares_out = consume(
        Item.map_stream_with(&Engine::new().max_workers(4), source),
        &received,
    )
    .await;
    assert_eq!(squares_out, squares(20));
}

// ---------------------------------------------------------------------------
// Errors and panics
// ---------------------------------------------------------------------------

fn behaviour_of(index: usize) -> Behaviour {
    match index % 4 {
        1 => Behaviour::Fail,
        2 => Behaviour::Panic,
        _ => Behaviour::Succeed,
    }
}

#[tokio::test]
async fn each_item_gets_its_own_error_or_panic() {
    let source = stream::iter((0..16).map(|index| ItemInputs {
        index,
        delay_ms: (index % 3) as u64,
        behaviour: behaviour_of(index),
    }));
    let results: Vec<_> = Item
        .map_stream_with(&Engine::new().max_workers(4), source)
        .collect()
        .await;
    assert_eq!(results.len(), 16);
    for (index, result) in results.into_iter().enumerate() {
        match (behaviour_of(index), result) {
            (Behaviour::Succeed, Ok(out)) => assert_eq!(out.squared, index * index),
            (Behaviour::Fail, Err(error)) => {
                assert_eq!((error.item(), error.node()), (index, "waited"));
                assert_eq!(
                    error.to_string(),
                    format!("item {index}: node `waited` failed: item {index} rejected")
                );
                let MapError::Failed {
                    error: ItemError::Waited(rejected),
                    ..
                } = error
                else {
                    panic!("item {index}: {error:?}");
                };
                assert_eq!(rejected, Rejected(index));
            }
            (Behaviour::Panic, Err(MapError::Panicked(panic))) => {
                assert_eq!((panic.item, panic.node), (index, "waited"));
                assert_eq!(panic.message, format!("item {index} exploded"));
            }
            (behaviour, result) => panic!("item {index} ({behaviour:?}): {result:?}"),
        }
    }
}

pipeline! {
    /// Fails on item 1; counts the items it starts.
    struct Counted {
        async fn started(index: usize, starts: &Arc<AtomicUsize>) -> Result<usize, Rejected> {
            starts.fetch_add(1, Ordering::SeqCst);
            sleep(ms(1)).await;
            if index == 1 { Err(Rejected(index)) } else { Ok(index) }
        }
    }
}

/// `Engine::fail_fast`: "after the first item fails or panics, starts no new
/// items". `map_async_with` and `map_iter_with` honour it; so should
/// `map_stream_with`, either by ending the stream or by reporting the rest
/// as `NotRun`.
#[tokio::test]
async fn fail_fast_starts_no_item_after_a_failure() {
    let starts = Arc::new(AtomicUsize::new(0));
    let source = stream::iter((0..6).map(|index| CountedInputs {
        index,
        starts: Arc::clone(&starts),
    }));
    let results: Vec<_> = Counted
        .map_stream_with(&Engine::new().fail_fast(true).max_workers(1), source)
        .collect()
        .await;
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(MapError::Failed { item: 1, .. })));
    for (index, result) in results.iter().enumerate().skip(2) {
        assert!(
            matches!(result, Err(MapError::NotRun { item }) if *item == index),
            "item {index}: {result:?}"
        );
    }
    assert_eq!(starts.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------
// Cancellation and runtimes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn dropping_the_stream_stops_the_items_in_flight() {
    // Indices from 1 000 000 on are counted when they finish.
    let source = stream::iter((0..10).map(|index| item(1_000_000 + index, 100)));
    let mut results = Box::pin(Item.map_stream_with(&Engine::new().max_workers(4), source));
    let first = tokio::time::timeout(ms(30), results.next()).await;
    assert!(first.is_err(), "an item finished early");
    drop(results);
    sleep(ms(200)).await;
    assert_eq!(COMPLETED_BY_CANCEL_TEST.load(Ordering::SeqCst), 0);
}

/// Compiles only for a future that `tokio::spawn` accepts.
fn assert_spawnable<F: Future + Send + 'static>(future: F) -> F {
    future
}

#[test]
fn works_in_current_thread_and_multi_thread_runtimes() {
    let run = || async {
        let engine = Engine::new().max_workers(5);
        let source = stream::iter((0..50).map(|index| item(index, (index % 4) as u64)));
        let results = Item.map_stream_with(&engine, source);
        // The stream borrows neither the engine nor the pipeline.
        drop(engine);
        results
            .map(|result| result.unwrap().squared)
            .collect::<Vec<_>>()
            .await
    };
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(current.block_on(run()), squares(50));
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(
        multi
            .block_on(multi.spawn(assert_spawnable(run())))
            .unwrap(),
        squares(50)
    );
}
