//! `run_parallel`: the same outputs as `run` for every shape of graph,
//! values moved and borrowed across threads without `Clone`, the first error
//! and panics reaching the caller, and wall time following the critical path.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::collections::HashSet;
use std::num::ParseIntError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// A pool of its own for every test that sleeps or measures, so that tests
/// running at the same time do not take each other's threads.
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|index| format!("run-parallel-test-{index}"))
        .build()
        .unwrap()
}

fn sleep_ms(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
}

// ---------------------------------------------------------------------------
// Same outputs as `run`
// ---------------------------------------------------------------------------

pipeline! {
    /// Three nodes in a line.
    struct Chain {
        fn doubled(x: i64) -> i64 { x * 2 }
        fn shifted(doubled: i64, offset: i64) -> i64 { doubled + offset }
        fn negated(shifted: i64) -> i64 { -shifted }
    }
}

#[test]
fn chain_equals_run() {
    for x in [-3, 0, 7, 1_000] {
        let inputs = || ChainInputs { x, offset: 5 };
        let seq = Chain.run(inputs()).unwrap();
        let par = Chain.run_parallel(inputs()).unwrap();
        assert_eq!(
            (par.doubled, par.shifted, par.negated),
            (seq.doubled, seq.shifted, seq.negated)
        );
        assert_eq!(par.negated, -(2 * x + 5));
    }
}

pipeline! {
    /// The seeds' diamond: one source, two independent branches, one join.
    /// Every node sleeps `delay`.
    struct Diamond {
        #[node(output = data)]
        fn load_data(size: u64, delay: &Duration) -> Vec<u64> {
            thread::sleep(*delay);
            (1..=size).collect()
        }
        fn stats_a(data: &[u64], delay: &Duration) -> u64 {
            thread::sleep(*delay);
            data.iter().sum()
        }
        fn stats_b(data: &[u64], delay: &Duration) -> u64 {
            thread::sleep(*delay);
            data.iter().copied().max().unwrap_or(0)
        }
        #[node(output = result)]
        fn combine(stats_a: u64, stats_b: u64, delay: &Duration) -> String {
            thread::sleep(*delay);
            format!("sum {stats_a}, max {stats_b}")
        }
    }
}

#[test]
fn diamond_equals_run() {
    let inputs = || DiamondInputs {
        size: 5,
        delay: Duration::ZERO,
    };
    let seq = Diamond.run(inputs()).unwrap();
    let par = Diamond.run_parallel(inputs()).unwrap();
    assert_eq!(par.data, [1, 2, 3, 4, 5]);
    assert_eq!((par.stats_a, par.stats_b), (15, 5));
    assert_eq!(par.result, "sum 15, max 5");
    assert_eq!(
        (par.data, par.stats_a, par.stats_b, par.result),
        (seq.data, seq.stats_a, seq.stats_b, seq.result)
    );
}

pipeline! {
    /// One source, sixteen nodes that each read it, one node that reads all
    /// sixteen.
    #[outputs(total, f00, f15)]
    struct FanOut {
        fn base(x: u64) -> u64 { x + 1 }
        fn f00(base: u64) -> u64 { base }
        fn f01(base: u64) -> u64 { base * 2 }
        fn f02(base: u64) -> u64 { base * 3 }
        fn f03(base: u64) -> u64 { base * 4 }
        fn f04(base: u64) -> u64 { base * 5 }
        fn f05(base: u64) -> u64 { base * 6 }
        fn f06(base: u64) -> u64 { base * 7 }
        fn f07(base: u64) -> u64 { base * 8 }
        fn f08(base: u64) -> u64 { base * 9 }
        fn f09(base: u64) -> u64 { base * 10 }
        fn f10(base: u64) -> u64 { base * 11 }
        fn f11(base: u64) -> u64 { base * 12 }
        fn f12(base: u64) -> u64 { base * 13 }
        fn f13(base: u64) -> u64 { base * 14 }
        fn f14(base: u64) -> u64 { base * 15 }
        fn f15(base: u64) -> u64 { base * 16 }
        #[allow(clippy::too_many_arguments, reason = "one parameter per branch")]
        fn total(
            f00: u64, f01: u64, f02: u64, f03: u64, f04: u64, f05: u64, f06: u64, f07: u64,
            f08: u64, f09: u64, f10: u64, f11: u64, f12: u64, f13: u64, f14: u64, f15: u64,
        ) -> u64 {
            [f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15]
                .iter()
                .sum()
        }
    }
}

#[test]
fn wide_fan_out_of_sixteen_equals_run() {
    for x in [0, 1, 41] {
        let seq = FanOut.run(FanOutInputs { x }).unwrap();
        let par = FanOut.run_parallel(FanOutInputs { x }).unwrap();
        // 1 + 2 + ... + 16 = 136
        assert_eq!(par.total, 136 * (x + 1));
        assert_eq!((par.f00, par.f15), (x + 1, 16 * (x + 1)));
        assert_eq!((par.total, par.f00, par.f15), (seq.total, seq.f00, seq.f15));
    }
}

#[test]
fn wide_fan_out_runs_many_times_on_a_small_pool() {
    // Sixteen ready tasks on two threads, a thousand times: no lost wake-up,
    // no value read before it is written.
    let pool = pool(2);
    pool.install(|| {
        for x in 0..1_000 {
            let out = FanOut.run_parallel(FanOutInputs { x }).unwrap();
            assert_eq!(out.total, 136 * (x + 1));
        }
    });
}

mod nodes {
    use hypernodes::prelude::*;

    #[node(output = (mean, max))]
    pub fn stats(xs: &[f64]) -> (f64, f64) {
        let max = xs.iter().copied().fold(f64::MIN, f64::max);
        (xs.iter().sum::<f64>() / xs.len() as f64, max)
    }

    #[node]
    pub fn spread(max: f64, mean: f64) -> f64 {
        max - mean
    }
}

pipeline! {
    /// A tuple-output node listed by path, its two outputs read by a path
    /// node and by inline nodes.
    struct Tuples {
        nodes::stats,
        nodes::spread,
        #[node(output = (low, high))]
        fn bounds(mean: f64, spread: f64) -> (f64, f64) { (mean - spread, mean + spread) }
        fn mean_label(mean: f64) -> String { format!("mean {mean}") }
        fn width(low: f64, high: f64) -> f64 { high - low }
    }
}

#[test]
fn tuple_outputs_and_path_nodes_equal_run() {
    let inputs = || TuplesInputs {
        xs: vec![1.0, 2.0, 6.0],
    };
    let seq = Tuples.run(inputs()).unwrap();
    let par = Tuples.run_parallel(inputs()).unwrap();
    assert_eq!((par.mean, par.max, par.spread), (3.0, 6.0, 3.0));
    assert_eq!((par.low, par.high, par.width), (0.0, 6.0, 6.0));
    assert_eq!(par.mean_label, "mean 3");
    assert_eq!(
        (
            par.mean,
            par.max,
            par.spread,
            par.low,
            par.high,
            par.width,
            par.mean_label
        ),
        (
            seq.mean,
            seq.max,
            seq.spread,
            seq.low,
            seq.high,
            seq.width,
            seq.mean_label
        )
    );
}

/// How often each node of `Pruned` ran.
#[derive(Default)]
struct PrunedCalls {
    sum: AtomicUsize,
    product: AtomicUsize,
    report: AtomicUsize,
    unused: AtomicUsize,
}

pipeline! {
    /// `report` and `unused` are not needed for `product` and `sum`.
    #[outputs(product, sum)]
    struct Pruned {
        fn sum(a: i32, b: i32, calls: &Arc<PrunedCalls>) -> i32 {
            calls.sum.fetch_add(1, Ordering::SeqCst);
            a + b
        }
        fn product(sum: i32, factor: i32, calls: &Arc<PrunedCalls>) -> i32 {
            calls.product.fetch_add(1, Ordering::SeqCst);
            sum * factor
        }
        fn report(product: i32, label: String, calls: &Arc<PrunedCalls>) -> String {
            calls.report.fetch_add(1, Ordering::SeqCst);
            format!("{label}: {product}")
        }
        fn unused(verbose: bool, calls: &Arc<PrunedCalls>) -> bool {
            calls.unused.fetch_add(1, Ordering::SeqCst);
            !verbose
        }
    }
}

#[test]
fn pruned_nodes_do_not_run_in_parallel_either() {
    let calls = Arc::new(PrunedCalls::default());
    let inputs = || PrunedInputs {
        a: 2,
        b: 3,
        factor: 10,
        calls: Arc::clone(&calls),
    };
    let seq = Pruned.run(inputs()).unwrap();
    let PrunedOutputs { product, sum } = Pruned.run_parallel(inputs()).unwrap();
    assert_eq!((product, sum), (50, 5));
    assert_eq!((product, sum), (seq.product, seq.sum));
    let counts = |calls: &PrunedCalls| {
        [&calls.sum, &calls.product, &calls.report, &calls.unused].map(|c| c.load(Ordering::SeqCst))
    };
    // One `run` and one `run_parallel`: the needed nodes twice, the others never.
    assert_eq!(counts(&calls), [2, 2, 0, 0]);
}

// ---------------------------------------------------------------------------
// Values across threads
// ---------------------------------------------------------------------------

/// Not `Clone`: it can only be borrowed, then moved once.
struct Model {
    weights: Vec<u32>,
}

pipeline! {
    /// `model` is borrowed by `described` and `checksum` and moved into
    /// `consumed`; the move must wait for both borrows.
    #[outputs(described, checksum, consumed)]
    struct NonClone {
        fn model(size: u32) -> Model { Model { weights: (0..size).collect() } }
        fn described(model: &Model) -> String {
            // Give `consumed` every chance to run too early.
            sleep_ms(20);
            format!("{} weights", model.weights.len())
        }
        fn checksum(model: &Model) -> u32 {
            sleep_ms(10);
            model.weights.iter().sum()
        }
        fn consumed(model: Model) -> Vec<u32> { model.weights }
    }
}

#[test]
fn a_value_borrowed_then_moved_needs_no_clone() {
    let pool = pool(4);
    for _ in 0..5 {
        let out = pool
            .install(|| NonClone.run_parallel(NonCloneInputs { size: 4 }))
            .unwrap();
        assert_eq!(out.described, "4 weights");
        assert_eq!(out.checksum, 6);
        assert_eq!(out.consumed, [0, 1, 2, 3]);
    }
    let seq = NonClone.run(NonCloneInputs { size: 4 }).unwrap();
    assert_eq!(
        (seq.described, seq.checksum, seq.consumed),
        ("4 weights".to_owned(), 6, vec![0, 1, 2, 3])
    );
}

pipeline! {
    /// Values that are not `Send`: `run` works; `run_parallel` would not
    /// compile (tests/compile_fail/tests/ui/run-parallel-not-send.rs).
    struct Local {
        fn shared(text: &str) -> Rc<String> { Rc::new(text.to_uppercase()) }
        fn holders(shared: &Rc<String>, extra: &Rc<str>) -> usize {
            Rc::strong_count(shared) + Rc::strong_count(extra)
        }
        fn length(shared: &Rc<String>, extra: &Rc<str>) -> usize { shared.len() + extra.len() }
    }
}

#[test]
fn values_that_are_not_send_still_run_sequentially() {
    let extra: Rc<str> = Rc::from("!!");
    let out = Local
        .run(LocalInputs {
            text: "hello".into(),
            extra: Rc::clone(&extra),
        })
        .unwrap();
    assert_eq!(*out.shared, "HELLO");
    assert_eq!(out.length, 7);
    // `shared` held once by the pipeline; `extra` by the test and the pipeline.
    assert_eq!(out.holders, 1 + 2);
    assert_eq!(Rc::strong_count(&extra), 1);
}

// ---------------------------------------------------------------------------
// Errors and panics
// ---------------------------------------------------------------------------

/// How often each node of `Failing` ran.
#[derive(Default)]
struct FailingCalls {
    early: AtomicUsize,
    after_early: AtomicUsize,
    late: AtomicUsize,
    after_late: AtomicUsize,
    independent: AtomicUsize,
}

pipeline! {
    /// `fails_early` fails at once, `fails_late` after 100 ms; each has a
    /// dependent, and `independent` depends on neither.
    struct Failing {
        fn fails_early(early: &str, calls: &Arc<FailingCalls>) -> Result<i64, ParseIntError> {
            calls.early.fetch_add(1, Ordering::SeqCst);
            early.parse()
        }
        fn after_early(fails_early: i64, calls: &Arc<FailingCalls>) -> i64 {
            calls.after_early.fetch_add(1, Ordering::SeqCst);
            fails_early + 1
        }
        fn fails_late(late: &str, calls: &Arc<FailingCalls>) -> Result<i64, ParseIntError> {
            calls.late.fetch_add(1, Ordering::SeqCst);
            sleep_ms(100);
            late.parse()
        }
        fn after_late(fails_late: i64, calls: &Arc<FailingCalls>) -> i64 {
            calls.after_late.fetch_add(1, Ordering::SeqCst);
            fails_late + 1
        }
        fn independent(late: &str, calls: &Arc<FailingCalls>) -> usize {
            calls.independent.fetch_add(1, Ordering::SeqCst);
            sleep_ms(30);
            late.len()
        }
    }
}

fn failing_inputs(early: &str, late: &str, calls: &Arc<FailingCalls>) -> FailingInputs {
    FailingInputs {
        early: early.into(),
        late: late.into(),
        calls: Arc::clone(calls),
    }
}

#[test]
fn no_error_runs_every_node_once() {
    let calls = Arc::new(FailingCalls::default());
    let pool = pool(3);
    let out = pool
        .install(|| Failing.run_parallel(failing_inputs("1", "10", &calls)))
        .unwrap();
    assert_eq!(
        (out.after_early, out.after_late, out.independent),
        (2, 11, 2)
    );
    let counts = [
        &calls.early,
        &calls.after_early,
        &calls.late,
        &calls.after_late,
        &calls.independent,
    ]
    .map(|c| c.load(Ordering::SeqCst));
    assert_eq!(counts, [1; 5]);
}

#[test]
fn the_failing_nodes_dependent_does_not_run() {
    let calls = Arc::new(FailingCalls::default());
    let pool = pool(3);
    let error = pool
        .install(|| Failing.run_parallel(failing_inputs("x", "10", &calls)))
        .unwrap_err();
    assert_eq!(error.node(), "fails_early");
    assert!(matches!(error, FailingError::FailsEarly(_)));
    assert_eq!(
        error.to_string(),
        FailingError::FailsEarly("x".parse::<i64>().unwrap_err()).to_string()
    );
    assert_eq!(calls.early.load(Ordering::SeqCst), 1);
    assert_eq!(calls.after_early.load(Ordering::SeqCst), 0);
    // Started before the failure or not at all; never twice.
    assert!(calls.late.load(Ordering::SeqCst) <= 1);
    assert!(calls.independent.load(Ordering::SeqCst) <= 1);
    assert!(calls.after_late.load(Ordering::SeqCst) <= 1);
}

#[test]
fn the_first_error_is_returned_when_two_nodes_fail() {
    let calls = Arc::new(FailingCalls::default());
    let pool = pool(3);
    let error = pool
        .install(|| Failing.run_parallel(failing_inputs("x", "y", &calls)))
        .unwrap_err();
    // `fails_late` fails 100 ms after `fails_early`.
    assert_eq!(error.node(), "fails_early");
    assert_eq!(calls.after_early.load(Ordering::SeqCst), 0);
    assert_eq!(calls.after_late.load(Ordering::SeqCst), 0);
    // The sequential run fails at the first node in topological order.
    let seq = Failing.run(failing_inputs("x", "y", &calls)).unwrap_err();
    assert_eq!(seq.node(), "fails_early");
}

#[test]
fn a_late_error_is_returned_and_its_dependent_does_not_run() {
    let calls = Arc::new(FailingCalls::default());
    let pool = pool(3);
    let error = pool
        .install(|| Failing.run_parallel(failing_inputs("1", "y", &calls)))
        .unwrap_err();
    assert_eq!(error.node(), "fails_late");
    assert!(matches!(error, FailingError::FailsLate(_)));
    assert_eq!(calls.late.load(Ordering::SeqCst), 1);
    assert_eq!(calls.after_late.load(Ordering::SeqCst), 0);
    // The other branch had 100 ms to finish, and did.
    assert_eq!(calls.after_early.load(Ordering::SeqCst), 1);
    assert_eq!(calls.independent.load(Ordering::SeqCst), 1);
}

pipeline! {
    /// `explode` panics when `mode` asks it to; `calm` runs beside it.
    struct Panicky {
        fn explode(mode: u8, value: i32) -> i32 {
            match mode {
                1 => panic!("boom at {value}"),
                2 => std::panic::panic_any(value),
                _ => value,
            }
        }
        fn calm(value: i32) -> i32 { sleep_ms(10); value + 1 }
        fn settled(explode: i32, calm: i32) -> i32 { explode + calm }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
}

#[test]
fn a_panic_reaches_the_caller_with_its_message() {
    let pool = pool(2);
    let payload = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| Panicky.run_parallel(PanickyInputs { mode: 1, value: 42 }))
    }))
    .unwrap_err();
    assert_eq!(panic_message(&*payload).as_deref(), Some("boom at 42"));

    // On the global pool, called from the test thread.
    let payload =
        catch_unwind(|| Panicky.run_parallel(PanickyInputs { mode: 1, value: 7 })).unwrap_err();
    assert_eq!(panic_message(&*payload).as_deref(), Some("boom at 7"));

    // Any payload comes through unchanged.
    let payload =
        catch_unwind(|| Panicky.run_parallel(PanickyInputs { mode: 2, value: 9 })).unwrap_err();
    assert_eq!(payload.downcast_ref::<i32>(), Some(&9));

    // The pool is still usable afterwards.
    let out = pool
        .install(|| Panicky.run_parallel(PanickyInputs { mode: 0, value: 1 }))
        .unwrap();
    assert_eq!(out.settled, 1 + 2);
}

#[test]
fn run_and_run_parallel_panic_alike() {
    let seq = catch_unwind(|| Panicky.run(PanickyInputs { mode: 1, value: 3 })).unwrap_err();
    let par =
        catch_unwind(|| Panicky.run_parallel(PanickyInputs { mode: 1, value: 3 })).unwrap_err();
    assert_eq!(panic_message(&*seq), panic_message(&*par));
}

// ---------------------------------------------------------------------------
// Concurrency and timing
// ---------------------------------------------------------------------------

type Threads = Arc<Mutex<HashSet<ThreadId>>>;

pipeline! {
    /// Two branches that record the thread they ran on.
    struct Recorded {
        fn source(x: u32) -> u32 { x }
        fn left(source: u32, threads: &Threads) -> u32 {
            threads.lock().unwrap().insert(thread::current().id());
            sleep_ms(50);
            source + 1
        }
        fn right(source: u32, threads: &Threads) -> u32 {
            threads.lock().unwrap().insert(thread::current().id());
            sleep_ms(50);
            source + 2
        }
        fn both(left: u32, right: u32) -> u32 { left + right }
    }
}

#[test]
fn independent_nodes_run_on_different_threads() {
    let pool = pool(2);
    let threads = Threads::default();
    let out = pool
        .install(|| {
            Recorded.run_parallel(RecordedInputs {
                x: 1,
                threads: Arc::clone(&threads),
            })
        })
        .unwrap();
    assert_eq!(out.both, 2 + 3);
    assert_eq!(threads.lock().unwrap().len(), 2);

    // `run` keeps both on the calling thread.
    let threads = Threads::default();
    Recorded
        .run(RecordedInputs {
            x: 1,
            threads: Arc::clone(&threads),
        })
        .unwrap();
    let threads = threads.lock().unwrap();
    assert_eq!(*threads, HashSet::from([thread::current().id()]));
}

fn millis(start: Instant) -> u128 {
    start.elapsed().as_millis()
}

#[test]
fn diamond_takes_the_critical_path() {
    // 100 ms per node: 400 ms in a line, 300 ms with the branches at once.
    let inputs = || DiamondInputs {
        size: 5,
        delay: Duration::from_millis(100),
    };
    let pool = pool(2);
    let start = Instant::now();
    let out = pool.install(|| Diamond.run_parallel(inputs())).unwrap();
    let parallel = millis(start);
    assert_eq!(out.result, "sum 15, max 5");

    let start = Instant::now();
    Diamond.run(inputs()).unwrap();
    let sequential = millis(start);

    assert!(parallel >= 300, "run_parallel took {parallel} ms");
    assert!(parallel < 370, "run_parallel took {parallel} ms");
    assert!(sequential >= 390, "run took {sequential} ms");
}

pipeline! {
    /// `a` (100 ms) and `c` (10 ms) start together; `d` (150 ms) needs only
    /// `c`; `joined` needs `a` and `d`. Critical path: c + d = 160 ms. Run
    /// level by level ({a, c}, then d, then joined) it would take
    /// 100 + 150 = 250 ms.
    struct Uneven {
        fn a(x: &u64) -> u64 { sleep_ms(100); x + 1 }
        fn c(x: &u64) -> u64 { sleep_ms(10); x + 2 }
        fn d(c: u64) -> u64 { sleep_ms(150); c * 10 }
        fn joined(a: u64, d: u64) -> u64 { a + d }
    }
}

#[test]
fn uneven_branches_follow_the_critical_path_not_levels() {
    let pool = pool(2);
    let start = Instant::now();
    let out = pool
        .install(|| Uneven.run_parallel(UnevenInputs { x: 1 }))
        .unwrap();
    let elapsed = millis(start);
    assert_eq!(out.joined, 2 + 30);
    assert!(elapsed >= 160, "run_parallel took {elapsed} ms");
    assert!(elapsed < 240, "run_parallel took {elapsed} ms");
}

mod by_value {
    use super::{millis, pool, sleep_ms};
    use hypernodes::prelude::*;
    use std::time::Instant;

    pipeline! {
        /// `Uneven` with `x` taken by value (`u64` is `Copy`): `a` gets a
        /// clone, `c` gets the value itself.
        pub struct UnevenByValue {
            fn a(x: u64) -> u64 { sleep_ms(100); x + 1 }
            fn c(x: u64) -> u64 { sleep_ms(10); x + 2 }
            fn d(c: u64) -> u64 { sleep_ms(150); c * 10 }
            fn joined(a: u64, d: u64) -> u64 { a + d }
        }
    }

    #[test]
    fn uneven_branches_sharing_a_by_value_input_follow_the_critical_path() {
        let pool = pool(2);
        let start = Instant::now();
        let out = pool
            .install(|| UnevenByValue.run_parallel(UnevenByValueInputs { x: 1 }))
            .unwrap();
        let elapsed = millis(start);
        assert_eq!(out.joined, 2 + 30);
        assert!(elapsed >= 160, "run_parallel took {elapsed} ms");
        assert!(elapsed < 240, "run_parallel took {elapsed} ms");
    }

    pipeline! {
        /// Two nodes that share nothing but a `Copy` input taken by value.
        pub struct Twins {
            fn left(x: u64) -> u64 { sleep_ms(100); x + 1 }
            fn right(x: u64) -> u64 { sleep_ms(100); x + 2 }
        }
    }

    #[test]
    fn two_nodes_sharing_a_by_value_input_run_at_once() {
        let pool = pool(2);
        let start = Instant::now();
        let out = pool
            .install(|| Twins.run_parallel(TwinsInputs { x: 1 }))
            .unwrap();
        let elapsed = millis(start);
        assert_eq!((out.left, out.right), (2, 3));
        assert!(elapsed < 170, "run_parallel took {elapsed} ms");
    }
}
