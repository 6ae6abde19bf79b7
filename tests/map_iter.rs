//! `map_iter` and `map_iter_with`: a streaming map over any iterator, in
//! input order, pulling at most a window of items ahead of the consumer,
//! over endless sources, with per-item errors and panics, and cheap to drop.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The error of a failing item.
#[derive(Debug, PartialEq, Eq)]
struct Rejected(usize);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} rejected", self.0)
    }
}

type Threads = Arc<Mutex<HashSet<String>>>;

pipeline! {
    /// Items 3, 10, 17, ... fail in `checked`; items 5, 102, 199, ... panic
    /// in `squared`. `delay` is slept per item; `threads` records where.
    struct Square {
        fn checked(index: usize) -> Result<usize, Rejected> {
            if index % 97 != 5 && index % 7 == 3 {
                return Err(Rejected(index));
            }
            Ok(index)
        }
        fn squared(checked: usize, delay: &Duration, threads: &Threads) -> usize {
            thread::sleep(*delay);
            let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
            threads.lock().unwrap().insert(name);
            if checked % 97 == 5 {
                panic!("item {checked} exploded");
            }
            checked * checked
        }
    }
}

fn item(index: usize) -> SquareInputs {
    SquareInputs {
        index,
        delay: Duration::ZERO,
        threads: Threads::default(),
    }
}

fn slow_item(index: usize, delay: Duration, threads: &Threads) -> SquareInputs {
    SquareInputs {
        index,
        delay,
        threads: Arc::clone(threads),
    }
}

fn fails(index: usize) -> bool {
    index % 97 != 5 && index % 7 == 3
}

fn panics(index: usize) -> bool {
    index % 97 == 5
}

/// Checks that the `index`-th result of a stream of `item(i)` is right.
fn check(index: usize, result: Result<SquareOutputs, MapError<SquareError>>, engine: &str) {
    match result {
        Ok(out) if !fails(index) && !panics(index) => {
            assert_eq!(
                (out.checked, out.squared),
                (index, index * index),
                "{engine}"
            );
        }
        Err(error @ MapError::Failed { .. }) if fails(index) => {
            assert_eq!(error.item(), index, "{engine}");
            assert_eq!(error.node(), "checked", "{engine}");
            assert!(
                matches!(&error, MapError::Failed { error: SquareError::Checked(Rejected(i)), .. } if *i == index),
                "{engine}: {error:?}"
            );
        }
        Err(MapError::Panicked(panic)) if panics(index) => {
            assert_eq!(panic.item, index, "{engine}");
            assert_eq!(panic.node, "squared", "{engine}");
            assert_eq!(panic.message, format!("item {index} exploded"), "{engine}");
        }
        other => panic!("{engine}: item {index}: unexpected {other:?}"),
    }
}

fn named_pool(threads: usize, name: &'static str) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |index| format!("{name}-{index}"))
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------
// Order, errors, panics
// ---------------------------------------------------------------------------

#[test]
fn results_come_in_input_order_for_ten_thousand_items() {
    let n = 10_000;
    let mut count = 0;
    for (index, result) in Square.map_iter((0..n).map(item)).enumerate() {
        check(index, result, "map_iter");
        count += 1;
    }
    assert_eq!(count, n);
}

#[test]
fn every_engine_gives_ordered_results_with_errors_and_panics_per_item() {
    let engines = [
        ("new", Engine::new()),
        ("parallel nodes", Engine::new().nodes(Mode::Parallel)),
        ("max_workers(1)", Engine::new().max_workers(1)),
        ("max_workers(4)", Engine::new().max_workers(4)),
        ("threads", Engine::new().map(Mode::Threads).max_workers(8)),
        (
            "threads, parallel nodes",
            Engine::new()
                .map(Mode::Threads)
                .nodes(Mode::Parallel)
                .max_workers(8),
        ),
        (
            "custom pool",
            Engine::new().pool(named_pool(3, "iter-engines")),
        ),
        ("sequential", Engine::sequential()),
    ];
    let n = 2_000;
    for (name, engine) in engines {
        let mut count = 0;
        for (index, result) in Square.map_iter_with(&engine, (0..n).map(item)).enumerate() {
            check(index, result, name);
            count += 1;
        }
        assert_eq!(count, n, "{name}");
    }
}

#[test]
fn an_empty_source_gives_nothing() {
    assert_eq!(Square.map_iter(std::iter::empty()).count(), 0);
    assert_eq!(
        Square
            .map_iter_with(&Engine::new().max_workers(2), Vec::new())
            .count(),
        0
    );
}

#[test]
fn any_into_iterator_is_a_source() {
    let squares = |iter: &mut dyn Iterator<Item = Result<SquareOutputs, MapError<SquareError>>>| {
        iter.map(|r| r.unwrap().squared).collect::<Vec<_>>()
    };
    assert_eq!(
        squares(&mut Square.map_iter(vec![item(2), item(4)])),
        [4, 16]
    );
    assert_eq!(squares(&mut Square.map_iter([item(6)])), [36]);
    assert_eq!(squares(&mut Square.map_iter(Some(item(7)))), [49]);
    let chain = (0..10).filter(|i| i % 4 == 0).rev().map(item);
    assert_eq!(squares(&mut Square.map_iter(chain)), [64, 16, 0]);
}

// ---------------------------------------------------------------------------
// Backpressure
// ---------------------------------------------------------------------------

/// A source of `n` items that counts how many were pulled. It is not `Send`:
/// the source is read on the consumer's thread.
fn counted(n: usize, pulled: &Rc<Cell<usize>>) -> impl Iterator<Item = SquareInputs> {
    let pulled = Rc::clone(pulled);
    (0..n).map(move |index| {
        pulled.set(pulled.get() + 1);
        item(index)
    })
}

/// Consumes the rest of a stream of `n` items, `consumed` of which were
/// already consumed, and returns the most items that were ever pulled but
/// not yet consumed; `pause` is slept before each `next`, to let the workers
/// finish everything they hold.
fn largest_lead(
    mut results: impl Iterator<Item = Result<SquareOutputs, MapError<SquareError>>>,
    pulled: &Rc<Cell<usize>>,
    (mut consumed, n): (usize, usize),
    pause: Duration,
) -> usize {
    let mut lead = 0;
    loop {
        thread::sleep(pause);
        let Some(result) = results.next() else { break };
        check(consumed, result, "backpressure");
        consumed += 1;
        assert!(pulled.get() >= consumed);
        lead = lead.max(pulled.get() - consumed);
    }
    assert_eq!((consumed, pulled.get()), (n, n));
    lead
}

#[test]
fn nothing_is_pulled_before_the_first_next() {
    let pulled = Rc::new(Cell::new(0));
    let results = Square.map_iter_with(&Engine::new().max_workers(4), counted(100, &pulled));
    thread::sleep(Duration::from_millis(20));
    assert_eq!(pulled.get(), 0);
    drop(results);
    assert_eq!(pulled.get(), 0);
}

#[test]
fn at_most_two_items_per_worker_are_pulled_ahead() {
    // max_workers(4): a window of 2 × 4 = 8 items pulled but not yet consumed.
    let engine = Engine::new().max_workers(4);
    let n = 2_000;
    let pulled = Rc::new(Cell::new(0));
    let mut results = Square.map_iter_with(&engine, counted(n, &pulled));
    let first = results.next().unwrap();
    check(0, first, "first");
    // The first `next` fills the window, then yields one.
    assert_eq!(pulled.get(), 8);
    let lead = largest_lead(results, &pulled, (1, n), Duration::ZERO);
    assert!(lead <= 8, "{lead} items pulled ahead");
}

#[test]
fn a_slow_consumer_holds_the_source_back() {
    // Workers finish every item they get while the consumer sleeps; the
    // source must still not run ahead.
    let engine = Engine::new().max_workers(4);
    let n = 100;
    let pulled = Rc::new(Cell::new(0));
    let results = Square.map_iter_with(&engine, counted(n, &pulled));
    let lead = largest_lead(results, &pulled, (0, n), Duration::from_millis(2));
    assert!((1..=8).contains(&lead), "{lead} items pulled ahead");
}

#[test]
fn the_default_window_follows_the_current_pool() {
    let n = 500;
    let window = 2 * rayon::current_num_threads();
    let pulled = Rc::new(Cell::new(0));
    let lead = largest_lead(
        Square.map_iter(counted(n, &pulled)),
        &pulled,
        (0, n),
        Duration::ZERO,
    );
    assert!(lead <= window, "{lead} items pulled ahead, window {window}");

    // A custom pool of 3 threads: a window of 6.
    let engine = Engine::new().pool(named_pool(3, "iter-window"));
    let pulled = Rc::new(Cell::new(0));
    let lead = largest_lead(
        Square.map_iter_with(&engine, counted(n, &pulled)),
        &pulled,
        (0, n),
        Duration::from_micros(200),
    );
    assert!(lead <= 6, "{lead} items pulled ahead, window 6");
}

#[test]
fn an_endless_source_can_be_cut_short() {
    let pulled = Rc::new(Cell::new(0));
    let source = {
        let pulled = Rc::clone(&pulled);
        (0..).map(move |index| {
            pulled.set(pulled.get() + 1);
            item(index)
        })
    };
    let engine = Engine::new().max_workers(4);
    let results: Vec<_> = Square.map_iter_with(&engine, source).take(100).collect();
    assert_eq!(results.len(), 100);
    for (index, result) in results.into_iter().enumerate() {
        check(index, result, "endless");
    }
    assert!(pulled.get() <= 100 + 8, "{} pulled", pulled.get());

    // And with the default engine.
    let first: Vec<usize> = Square
        .map_iter((0..).map(item))
        .filter_map(Result::ok)
        .map(|out| out.squared)
        .take(4)
        .collect();
    assert_eq!(first, [0, 1, 4, 16]);
}

// ---------------------------------------------------------------------------
// Dropping, pools
// ---------------------------------------------------------------------------

#[test]
fn dropping_the_iterator_early_does_not_hang() {
    let threads = Threads::default();
    let delay = Duration::from_millis(50);
    let engine = Engine::new().max_workers(2);
    let start = Instant::now();
    let mut results =
        Square.map_iter_with(&engine, (0..1_000).map(|i| slow_item(i, delay, &threads)));
    check(0, results.next().unwrap(), "first");
    let dropping = Instant::now();
    drop(results);
    // The items still in flight (at most 4) are not waited for.
    assert!(
        dropping.elapsed() < Duration::from_millis(40),
        "drop took {:?}",
        dropping.elapsed()
    );
    // Nowhere near the 1000 items × 50 ms the whole source would take.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );

    // The pool is usable afterwards.
    let squares: Vec<usize> = Square
        .map_iter_with(&engine, (0..3).map(item))
        .map(|r| r.unwrap().squared)
        .collect();
    assert_eq!(squares, [0, 1, 4]);
}

#[test]
fn a_custom_pool_runs_the_items() {
    let threads = Threads::default();
    let engine = Engine::new().pool(named_pool(3, "iter-custom-pool"));
    let count = Square
        .map_iter_with(
            &engine,
            (0..500).map(|i| slow_item(i, Duration::ZERO, &threads)),
        )
        .count();
    assert_eq!(count, 500);
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 3, "{names:?}");
    assert!(
        names
            .iter()
            .all(|name| name.starts_with("iter-custom-pool-")),
        "{names:?}"
    );
}

#[test]
fn threads_mode_runs_the_items_on_the_io_pool() {
    let threads = Threads::default();
    let engine = Engine::new().map(Mode::Threads).max_workers(5);
    let count = Square
        .map_iter_with(
            &engine,
            (0..500).map(|i| slow_item(i, Duration::ZERO, &threads)),
        )
        .count();
    assert_eq!(count, 500);
    let names = threads.lock().unwrap().clone();
    assert!(!names.is_empty() && names.len() <= 5, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("hypernodes-io-")),
        "{names:?}"
    );
}

#[test]
fn the_sequential_engine_streams_on_the_calling_thread() {
    thread::Builder::new()
        .name("iter-caller".into())
        .spawn(|| {
            let threads = Threads::default();
            let count = Square
                .map_iter_with(
                    &Engine::sequential(),
                    (0..50).map(|i| slow_item(i, Duration::ZERO, &threads)),
                )
                .count();
            assert_eq!(count, 50);
            let names = threads.lock().unwrap().clone();
            assert_eq!(names, HashSet::from(["iter-caller".to_owned()]));
        })
        .unwrap()
        .join()
        .unwrap();
}

// ---------------------------------------------------------------------------
// Fail-fast
// ---------------------------------------------------------------------------

#[test]
fn fail_fast_on_the_calling_thread_ends_the_stream_at_the_first_failure() {
    let engine = Engine::sequential().fail_fast(true);
    let results: Vec<_> = Square.map_iter_with(&engine, (0..).map(item)).collect();
    // Item 3 is the first to fail; nothing after it is pulled or run.
    assert_eq!(results.len(), 4);
    assert!(results[..3].iter().all(Result::is_ok));
    assert!(matches!(results[3], Err(MapError::Failed { item: 3, .. })));
}

#[test]
fn fail_fast_on_a_pool_stops_pulling_the_source() {
    let pulled = Rc::new(Cell::new(0));
    let counter = Rc::clone(&pulled);
    let engine = Engine::new()
        .pool(named_pool(2, "fail-fast"))
        .max_workers(2)
        .fail_fast(true);
    let source = (0..).map(move |index| {
        counter.set(counter.get() + 1);
        item(index)
    });
    let results: Vec<_> = Square.map_iter_with(&engine, source).collect();
    // The stream ends although the source is endless: at most a window (4)
    // of items is pulled past the first failure.
    assert!(pulled.get() <= 4 + 4, "pulled {}", pulled.get());
    assert_eq!(results.len(), pulled.get());
    assert!(matches!(results[3], Err(MapError::Failed { item: 3, .. })));
    for (index, result) in results.iter().enumerate().skip(4) {
        assert!(
            matches!(
                result,
                Ok(_) | Err(MapError::NotRun { .. }) | Err(MapError::Failed { .. })
            ),
            "item {index}: {result:?}"
        );
    }
}
