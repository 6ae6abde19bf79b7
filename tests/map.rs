//! `map` and `map_with`: one result per item in input order, per-item errors
//! and panics under every engine, fail-fast, custom pools, and any
//! `IntoIterator` as items.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use rayon::iter::{IntoParallelIterator, ParallelIterator};
use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What one item of `Square` does.
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

pipeline! {
    /// `checked` fails and `squared` panics when the item says so.
    struct Square {
        fn checked(index: usize, behaviour: Behaviour) -> Result<usize, Rejected> {
            match behaviour {
                Behaviour::Fail => Err(Rejected(index)),
                _ => Ok(index),
            }
        }
        fn label(index: usize) -> String { format!("#{index}") }
        fn squared(checked: usize, behaviour: Behaviour) -> usize {
            if behaviour == Behaviour::Panic {
                panic!("item {checked} exploded");
            }
            checked * checked
        }
    }
}

fn item(index: usize, behaviour: Behaviour) -> SquareInputs {
    SquareInputs { index, behaviour }
}

fn succeeding(n: usize) -> Vec<SquareInputs> {
    (0..n)
        .map(|index| item(index, Behaviour::Succeed))
        .collect()
}

/// Items 3, 10, 17, ... fail; items 5, 102, 199, ... panic.
fn behaviour_of(index: usize) -> Behaviour {
    if index % 97 == 5 {
        Behaviour::Panic
    } else if index % 7 == 3 {
        Behaviour::Fail
    } else {
        Behaviour::Succeed
    }
}

fn mixed(n: usize) -> Vec<SquareInputs> {
    (0..n)
        .map(|index| item(index, behaviour_of(index)))
        .collect()
}

type SquareResult = Result<SquareOutputs, MapError<SquareError>>;

/// Checks that `results[i]` is what item `i` of `mixed(n)` must give.
fn check_mixed(results: &[SquareResult], n: usize, engine: &str) {
    assert_eq!(results.len(), n, "{engine}");
    for (index, result) in results.iter().enumerate() {
        match (behaviour_of(index), result) {
            (Behaviour::Succeed, Ok(out)) => {
                assert_eq!(out.checked, index, "{engine}");
                assert_eq!(out.squared, index * index, "{engine}");
                assert_eq!(out.label, format!("#{index}"), "{engine}");
            }
            (Behaviour::Fail, Err(error @ MapError::Failed { item, error: inner })) => {
                assert_eq!(*item, index, "{engine}");
                assert_eq!(error.item(), index, "{engine}");
                assert_eq!(error.node(), "checked", "{engine}");
                assert!(
                    matches!(inner, SquareError::Checked(Rejected(i)) if *i == index),
                    "{engine}: {inner:?}"
                );
                assert!(error.to_string().starts_with(&format!("item {index}: ")));
            }
            (Behaviour::Panic, Err(error @ MapError::Panicked(panic))) => {
                assert_eq!(panic.item, index, "{engine}");
                assert_eq!((panic.node, panic.path), ("squared", "squared"), "{engine}");
                assert_eq!(panic.message, format!("item {index} exploded"), "{engine}");
                assert_eq!(error.message(), Some(panic.message.as_str()), "{engine}");
                assert_eq!(error.node(), "squared", "{engine}");
                assert_eq!(
                    error.to_string(),
                    format!("item {index}: node `squared` panicked: item {index} exploded")
                );
            }
            (expected, got) => panic!("{engine}: item {index}: expected {expected:?}, got {got:?}"),
        }
    }
}

fn named_pool(threads: usize, name: &'static str) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |index| format!("{name}-{index}"))
        .build()
        .unwrap()
}

/// Every way to run a map.
fn engines() -> Vec<(&'static str, Engine)> {
    vec![
        ("sequential", Engine::sequential()),
        ("new (parallel map)", Engine::new()),
        ("parallel nodes", Engine::new().nodes(Mode::Parallel)),
        (
            "sequential map, parallel nodes",
            Engine::sequential().nodes(Mode::Parallel),
        ),
        ("threads", Engine::new().map(Mode::Threads)),
        (
            "threads, parallel nodes",
            Engine::new().map(Mode::Threads).nodes(Mode::Parallel),
        ),
        (
            "threads, 8 workers",
            Engine::new().map(Mode::Threads).max_workers(8),
        ),
        (
            "custom pool",
            Engine::new().pool(named_pool(3, "map-engines")),
        ),
        (
            "custom pool, parallel nodes",
            Engine::new()
                .pool(named_pool(3, "map-engines-nodes"))
                .nodes(Mode::Parallel),
        ),
        ("async map mode", Engine::new().map(Mode::Async)),
    ]
}

// ---------------------------------------------------------------------------
// Order and completeness
// ---------------------------------------------------------------------------

#[test]
fn map_keeps_input_order_for_ten_thousand_items() {
    let n = 10_000;
    let results = Square.map(succeeding(n));
    assert_eq!(results.len(), n);
    for (index, result) in results.into_iter().enumerate() {
        let out = result.unwrap();
        assert_eq!((out.checked, out.squared), (index, index * index));
    }
}

#[test]
fn map_takes_a_parallel_iterator() {
    let results = Square.map(
        (0..1_000usize)
            .into_par_iter()
            .map(|index| item(index, Behaviour::Succeed)),
    );
    let squares: Vec<usize> = results.into_iter().map(|r| r.unwrap().squared).collect();
    assert_eq!(squares, (0..1_000).map(|i| i * i).collect::<Vec<_>>());
}

#[test]
fn map_with_keeps_input_order_under_every_engine() {
    let n = 10_000;
    for (name, engine) in engines() {
        let results = Square.map_with(&engine, succeeding(n));
        assert_eq!(results.len(), n, "{name}");
        for (index, result) in results.into_iter().enumerate() {
            let out = result.unwrap();
            assert_eq!((out.checked, out.squared), (index, index * index), "{name}");
        }
    }
}

#[test]
fn an_empty_map_gives_no_results() {
    assert!(Square.map(Vec::new()).is_empty());
    for (name, engine) in engines() {
        assert!(Square.map_with(&engine, Vec::new()).is_empty(), "{name}");
    }
}

/// Counts how many times each item ran, and on which threads.
struct Runs {
    counts: Vec<AtomicUsize>,
    threads: Mutex<HashSet<String>>,
}

impl Runs {
    fn new(n: usize) -> Arc<Runs> {
        Arc::new(Runs {
            counts: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            threads: Mutex::default(),
        })
    }

    fn counts(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }

    fn thread_names(&self) -> HashSet<String> {
        self.threads.lock().unwrap().clone()
    }
}

pipeline! {
    /// Records that item `index` ran, and where.
    struct Traced {
        fn traced(index: usize, runs: &Arc<Runs>) -> usize {
            runs.counts[index].fetch_add(1, Ordering::SeqCst);
            let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
            runs.threads.lock().unwrap().insert(name);
            index
        }
    }
}

fn traced_items(runs: &Arc<Runs>) -> impl Iterator<Item = TracedInputs> + '_ {
    (0..runs.counts.len()).map(|index| TracedInputs {
        index,
        runs: Arc::clone(runs),
    })
}

#[test]
fn every_item_runs_exactly_once_under_every_engine() {
    let n = 5_000;
    for (name, engine) in engines() {
        let runs = Runs::new(n);
        let results = Traced.map_with(&engine, traced_items(&runs));
        let outputs: Vec<usize> = results.into_iter().map(|r| r.unwrap().traced).collect();
        assert_eq!(outputs, (0..n).collect::<Vec<_>>(), "{name}");
        assert!(runs.counts().iter().all(|&c| c == 1), "{name}");
    }
    let runs = Runs::new(n);
    Traced.map(traced_items(&runs).collect::<Vec<_>>());
    assert!(runs.counts().iter().all(|&c| c == 1));
}

// ---------------------------------------------------------------------------
// Errors and panics
// ---------------------------------------------------------------------------

#[test]
fn map_reports_each_failure_and_panic_with_its_item() {
    let n = 1_000;
    check_mixed(&Square.map(mixed(n)), n, "map");
}

#[test]
fn map_with_reports_each_failure_and_panic_under_every_engine() {
    let n = 1_000;
    for (name, engine) in engines() {
        check_mixed(&Square.map_with(&engine, mixed(n)), n, name);
    }
}

#[test]
fn a_single_failure_or_panic_loses_nothing_else() {
    for (name, engine) in engines() {
        let mut items = succeeding(100);
        items[0].behaviour = Behaviour::Panic;
        items[99].behaviour = Behaviour::Fail;
        let results = Square.map_with(&engine, items);
        assert_eq!(results.len(), 100, "{name}");
        assert!(matches!(
            &results[0],
            Err(MapError::Panicked(panic)) if panic.item == 0
        ));
        assert!(matches!(
            &results[99],
            Err(MapError::Failed { item: 99, .. })
        ));
        for (index, result) in results.iter().enumerate().take(99).skip(1) {
            assert_eq!(result.as_ref().unwrap().squared, index * index, "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Pools
// ---------------------------------------------------------------------------

#[test]
fn a_custom_pool_runs_the_items() {
    let pool = named_pool(3, "map-custom-pool");
    assert_eq!(pool.current_num_threads(), 3);
    let engine = Engine::new().pool(pool);
    let runs = Runs::new(2_000);
    let results = Traced.map_with(&engine, traced_items(&runs));
    assert!(results.iter().all(Result::is_ok));
    let names = runs.thread_names();
    assert!(!names.is_empty() && names.len() <= 3, "{names:?}");
    assert!(
        names
            .iter()
            .all(|name| name.starts_with("map-custom-pool-")),
        "{names:?}"
    );
}

#[test]
fn a_custom_pool_given_as_an_arc_is_shared() {
    let pool = Arc::new(named_pool(2, "map-shared-pool"));
    let engine = Engine::new().pool(Arc::clone(&pool));
    assert!(Arc::ptr_eq(engine.custom_pool().unwrap(), &pool));
    let runs = Runs::new(500);
    Traced.map_with(&engine, traced_items(&runs));
    let names = runs.thread_names();
    assert!(
        names
            .iter()
            .all(|name| name.starts_with("map-shared-pool-")),
        "{names:?}"
    );
    // The pool is the caller's again afterwards.
    assert_eq!(pool.install(rayon::current_num_threads), 2);
}

#[test]
fn map_runs_on_the_current_pool() {
    let pool = named_pool(2, "map-current-pool");
    let runs = Runs::new(1_000);
    let results = pool.install(|| Traced.map(traced_items(&runs).collect::<Vec<_>>()));
    assert_eq!(results.len(), 1_000);
    let names = runs.thread_names();
    assert!(
        names
            .iter()
            .all(|name| name.starts_with("map-current-pool-")),
        "{names:?}"
    );
}

#[test]
fn the_sequential_engine_stays_on_the_calling_thread() {
    thread::Builder::new()
        .name("map-caller".into())
        .spawn(|| {
            let runs = Runs::new(100);
            Traced.map_with(&Engine::sequential(), traced_items(&runs));
            assert_eq!(
                runs.thread_names(),
                HashSet::from(["map-caller".to_owned()])
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn threads_mode_runs_on_the_io_pool() {
    let runs = Runs::new(500);
    Traced.map_with(
        &Engine::new().map(Mode::Threads).max_workers(6),
        traced_items(&runs),
    );
    let names = runs.thread_names();
    assert!(!names.is_empty() && names.len() <= 6, "{names:?}");
    assert!(
        names.iter().all(|name| name.starts_with("hypernodes-io-")),
        "{names:?}"
    );
}

// ---------------------------------------------------------------------------
// Fail-fast
// ---------------------------------------------------------------------------

pipeline! {
    /// Sleeps `delay` per item; item `fail_at` fails, item `panic_at` panics.
    struct Slow {
        fn slow(index: usize, fail_at: usize, panic_at: usize, delay: &Duration, runs: &Arc<Runs>) -> Result<usize, Rejected> {
            runs.counts[index].fetch_add(1, Ordering::SeqCst);
            thread::sleep(*delay);
            if index == panic_at {
                panic!("item {index} exploded");
            }
            if index == fail_at {
                return Err(Rejected(index));
            }
            Ok(index)
        }
    }
}

fn slow_items(
    runs: &Arc<Runs>,
    fail_at: usize,
    panic_at: usize,
    delay: Duration,
) -> Vec<SlowInputs> {
    (0..runs.counts.len())
        .map(|index| SlowInputs {
            index,
            fail_at,
            panic_at,
            delay,
            runs: Arc::clone(runs),
        })
        .collect()
}

#[test]
fn fail_fast_sequential_skips_exactly_the_items_after_the_failure() {
    let n = 20;
    for engine in [
        Engine::sequential().fail_fast(true),
        Engine::new().map(Mode::Sequential).fail_fast(true),
    ] {
        assert!(engine.is_fail_fast());
        let runs = Runs::new(n);
        let results = Slow.map_with(&engine, slow_items(&runs, 7, usize::MAX, Duration::ZERO));
        assert_eq!(results.len(), n);
        for (index, result) in results.iter().enumerate() {
            match index {
                0..7 => assert_eq!(result.as_ref().unwrap().slow, index),
                7 => assert!(matches!(result, Err(MapError::Failed { item: 7, .. }))),
                _ => assert!(
                    matches!(result, Err(MapError::NotRun { item }) if *item == index),
                    "{index}: {result:?}"
                ),
            }
        }
        assert_eq!(runs.counts(), [vec![1; 8], vec![0; 12]].concat());
    }
}

#[test]
fn fail_fast_sequential_stops_after_a_panic_too() {
    let runs = Runs::new(10);
    let results = Slow.map_with(
        &Engine::sequential().fail_fast(true),
        slow_items(&runs, usize::MAX, 4, Duration::ZERO),
    );
    assert!(results[..4].iter().all(Result::is_ok));
    assert!(matches!(
        &results[4],
        Err(MapError::Panicked(panic))
            if (panic.item, panic.node, panic.message.as_str()) == (4, "slow", "item 4 exploded")
    ));
    for (index, result) in results.iter().enumerate().skip(5) {
        let error = result.as_ref().unwrap_err();
        assert!(matches!(error, MapError::NotRun { .. }));
        assert_eq!(error.item(), index);
        assert_eq!(error.node(), "");
        assert_eq!(
            error.to_string(),
            format!("item {index}: not run, an earlier item failed")
        );
    }
    assert_eq!(runs.counts(), [vec![1; 5], vec![0; 5]].concat());
}

#[test]
fn without_fail_fast_every_item_runs() {
    let runs = Runs::new(20);
    let results = Slow.map_with(
        &Engine::sequential(),
        slow_items(&runs, 3, 9, Duration::ZERO),
    );
    assert!(matches!(&results[3], Err(MapError::Failed { item: 3, .. })));
    assert!(matches!(
        &results[9],
        Err(MapError::Panicked(panic)) if panic.item == 9
    ));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 18);
    assert_eq!(runs.counts(), vec![1; 20]);
}

/// Checks a fail-fast parallel map whose item 0 failed: every item is Ok,
/// Failed (item 0 only) or NotRun, and most were not run.
fn check_fail_fast(name: &str, results: &[Result<usize, MapError<SlowError>>], runs: &Runs) {
    let n = results.len();
    assert!(
        matches!(&results[0], Err(MapError::Failed { item: 0, .. })),
        "{name}"
    );
    let mut not_run = 0;
    for (index, result) in results.iter().enumerate().skip(1) {
        match result {
            Ok(value) => assert_eq!(*value, index, "{name}"),
            Err(MapError::NotRun { item }) => {
                assert_eq!(*item, index, "{name}");
                assert_eq!(runs.counts[index].load(Ordering::SeqCst), 0, "{name}");
                not_run += 1;
            }
            Err(other) => panic!("{name}: item {index}: {other:?}"),
        }
    }
    assert!(runs.counts().iter().all(|&c| c <= 1), "{name}");
    assert!(
        not_run > n / 2,
        "{name}: only {not_run} of {n} items not run"
    );
}

#[test]
fn fail_fast_parallel_stops_starting_items() {
    let n = 10_000;
    let engines = [
        ("parallel", Engine::new().fail_fast(true)),
        (
            "parallel nodes",
            Engine::new().nodes(Mode::Parallel).fail_fast(true),
        ),
        ("threads", Engine::new().map(Mode::Threads).fail_fast(true)),
        (
            "custom pool",
            Engine::new()
                .pool(named_pool(3, "map-fail-fast"))
                .fail_fast(true),
        ),
    ];
    for (name, engine) in engines {
        let runs = Runs::new(n);
        let results = Slow.map_with(
            &engine,
            slow_items(&runs, 0, usize::MAX, Duration::from_millis(1)),
        );
        assert_eq!(results.len(), n, "{name}");
        let results: Vec<Result<usize, MapError<SlowError>>> = results
            .into_iter()
            .map(|result| result.map(|out| out.slow))
            .collect();
        check_fail_fast(name, &results, &runs);
    }
}

// ---------------------------------------------------------------------------
// Settings and item sources
// ---------------------------------------------------------------------------

#[test]
fn partition_and_worker_settings_give_identical_results() {
    let n = 2_000;
    let expected: Vec<usize> = Square
        .map_with(&Engine::sequential(), mixed(n))
        .into_iter()
        .map(|r| r.map_or(usize::MAX, |out| out.squared))
        .collect();
    let engines = [
        Engine::new().npartitions(1),
        Engine::new().npartitions(3),
        Engine::new().npartitions(64),
        Engine::new().npartitions(n),
        Engine::new().npartitions(10 * n),
        Engine::new().npartitions(0),
        Engine::new().workload(Workload::Io),
        Engine::new().workload(Workload::Cpu),
        Engine::new().max_workers(1),
        Engine::new().max_workers(0),
        Engine::new().map(Mode::Threads).max_workers(1),
        Engine::new().map(Mode::Threads).max_workers(3),
        Engine::new().map(Mode::Threads).npartitions(5),
        Engine::new()
            .map(Mode::Threads)
            .workload(Workload::Cpu)
            .npartitions(1),
        Engine::new()
            .nodes(Mode::Parallel)
            .workload(Workload::Io)
            .npartitions(7)
            .max_workers(2),
    ];
    for engine in engines {
        let results = Square.map_with(&engine, mixed(n));
        check_mixed(&results, n, &format!("{engine:?}"));
        let got: Vec<usize> = results
            .into_iter()
            .map(|r| r.map_or(usize::MAX, |out| out.squared))
            .collect();
        assert_eq!(got, expected, "{engine:?}");
    }
}

#[test]
fn map_with_takes_any_into_iterator() {
    let squares = |results: Vec<SquareResult>| -> Vec<usize> {
        results.into_iter().map(|r| r.unwrap().squared).collect()
    };
    for (name, engine) in engines() {
        // A range mapped to inputs.
        let range = (0..5).map(|index| item(index, Behaviour::Succeed));
        assert_eq!(
            squares(Square.map_with(&engine, range)),
            [0, 1, 4, 9, 16],
            "{name}"
        );
        // A Vec.
        assert_eq!(
            squares(Square.map_with(&engine, succeeding(3))),
            [0, 1, 4],
            "{name}"
        );
        // An iterator chain.
        let chain = (0..10)
            .filter(|index| index % 2 == 1)
            .chain([20])
            .rev()
            .map(|index| item(index, Behaviour::Succeed));
        assert_eq!(
            squares(Square.map_with(&engine, chain)),
            [400, 81, 49, 25, 9, 1],
            "{name}"
        );
        // An array and an Option.
        let array = [item(2, Behaviour::Succeed), item(1, Behaviour::Succeed)];
        assert_eq!(squares(Square.map_with(&engine, array)), [4, 1], "{name}");
        let one = Some(item(6, Behaviour::Succeed));
        assert_eq!(squares(Square.map_with(&engine, one)), [36], "{name}");
        // An iterator that is not `Send` itself: it is read on this thread.
        let local = Rc::new(100);
        let not_send = (0..3).map(|index| item(index + *local, Behaviour::Succeed));
        assert_eq!(
            squares(Square.map_with(&engine, not_send)),
            [10_000, 10_201, 10_404],
            "{name}"
        );
    }
}
