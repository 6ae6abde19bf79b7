//! The two schedules of `run_parallel`: a series-parallel graph runs as
//! nested `rayon::join`s over plain locals, any other graph as a task per
//! node with dependency counters. Both start each node as soon as its
//! inputs are ready; these tests pin that down for nested joins, for values
//! that one branch clones while another moves them, for an error inside an
//! inner join, and for a graph that is not series-parallel.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A pool of its own, with a thread for every branch that sleeps.
fn pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .expect("a pool")
}

pipeline! {
    /// Both branches take the label by value: one gets a clone made before
    /// the join, the other the label itself, and they still overlap.
    struct ClonedAndMoved {
        fn first(label: String, delay_ms: &u64) -> String {
            sleep(ms(*delay_ms));
            format!("{label}-1")
        }
        fn second(label: String, delay_ms: &u64) -> String {
            sleep(ms(*delay_ms));
            format!("{label}-2")
        }
        fn both(first: &str, second: &str) -> String { format!("{first}+{second}") }
    }
}

#[test]
fn a_value_cloned_by_one_branch_and_moved_by_another_does_not_serialize_them() {
    let start = Instant::now();
    let out = pool()
        .install(|| {
            ClonedAndMoved.run_parallel(ClonedAndMovedInputs {
                label: "x".into(),
                delay_ms: 100,
            })
        })
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.both, "x-1+x-2");
    assert!(
        elapsed < ms(180),
        "took {elapsed:?}: the branches did not overlap"
    );
}

pipeline! {
    /// `start; (slow || (fork; (left || right); merge)); end`, with values of
    /// the inner join used after the outer one.
    struct Nested {
        fn start(seed: u64) -> u64 { seed + 1 }
        fn slow(start: &u64) -> u64 { sleep(ms(100)); start * 10 }
        fn fork(start: &u64) -> u64 { sleep(ms(10)); start + 1 }
        fn left(fork: &u64) -> u64 { sleep(ms(50)); fork * 2 }
        fn right(fork: &u64) -> u64 { sleep(ms(50)); fork * 3 }
        fn merge(left: &u64, right: &u64) -> u64 { left + right }
        fn end(slow: u64, merge: u64, left: &u64, fork: &u64) -> u64 {
            slow + merge + left + fork
        }
    }
}

#[test]
fn nested_joins_follow_the_critical_path_and_keep_every_output() {
    let begin = Instant::now();
    let out = pool()
        .install(|| Nested.run_parallel(NestedInputs { seed: 1 }))
        .unwrap();
    let elapsed = begin.elapsed();
    assert_eq!(
        (out.start, out.slow, out.fork, out.left, out.right, out.merge),
        (2, 20, 3, 6, 9, 15)
    );
    assert_eq!(out.end, 20 + 15 + 6 + 3);
    assert_eq!(out.end, Nested.run(NestedInputs { seed: 1 }).unwrap().end);
    // Critical path: slow, 100 ms (fork; left || right; merge takes 60).
    assert!(elapsed >= ms(100), "took {elapsed:?}");
    assert!(
        elapsed < ms(170),
        "took {elapsed:?}: the inner join waited for the outer branch"
    );
}

pipeline! {
    /// Not series-parallel: `joined` needs `a` and `b`, `after_b` needs `b`
    /// only. Waiting for both before either would take `a + after_b`.
    struct NShape {
        fn a(a_ms: u64) -> u64 { sleep(ms(a_ms)); 1 }
        fn b(b_ms: u64) -> u64 { sleep(ms(b_ms)); 2 }
        fn joined(a: &u64, b: &u64) -> u64 { a + b }
        fn after_b(b: &u64, after_ms: u64) -> u64 { sleep(ms(after_ms)); b * 10 }
    }
}

#[test]
fn a_graph_that_is_not_series_parallel_still_follows_the_critical_path() {
    let start = Instant::now();
    let out = pool()
        .install(|| {
            NShape.run_parallel(NShapeInputs {
                a_ms: 150,
                b_ms: 10,
                after_ms: 100,
            })
        })
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!((out.joined, out.after_b), (3, 20));
    // Critical path: a, 150 ms (b + after_b: 110 ms). In stages: 250 ms.
    assert!(elapsed >= ms(150), "took {elapsed:?}");
    assert!(elapsed < ms(230), "took {elapsed:?}: after_b waited for a");
}

#[derive(Debug, PartialEq)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

/// How often the nodes after the failure ran.
#[derive(Default)]
struct Later {
    after_long: AtomicUsize,
    after_waits: AtomicUsize,
}

pipeline! {
    /// `origin; (long; after_long) || (check; (fails || (waits; after_waits)))`:
    /// `fails` fails at 20 ms; `long` and `waits`, running then, finish, but
    /// the nodes after them do not start.
    struct FailsInside {
        fn origin(seed: u64) -> u64 { seed }
        fn long(origin: &u64) -> u64 { sleep(ms(150)); *origin }
        fn after_long(long: &u64, later: &Arc<Later>) -> u64 {
            later.after_long.fetch_add(1, Ordering::SeqCst);
            *long
        }
        fn check(origin: &u64) -> u64 { *origin }
        fn fails(check: &u64) -> Result<u64, Refused> {
            sleep(ms(20));
            if *check > 0 { Err(Refused) } else { Ok(0) }
        }
        fn waits(check: &u64) -> u64 { sleep(ms(60)); *check }
        fn after_waits(waits: &u64, later: &Arc<Later>) -> u64 {
            later.after_waits.fetch_add(1, Ordering::SeqCst);
            *waits
        }
    }
}

#[test]
fn after_an_error_in_an_inner_join_no_other_node_starts() {
    let later = Arc::new(Later::default());
    let error = pool()
        .install(|| {
            FailsInside.run_parallel(FailsInsideInputs {
                seed: 1,
                later: Arc::clone(&later),
            })
        })
        .unwrap_err();
    assert!(matches!(error, FailsInsideError::Fails(Refused)));
    assert_eq!(later.after_long.load(Ordering::SeqCst), 0);
    assert_eq!(later.after_waits.load(Ordering::SeqCst), 0);
    // Without the failure, everything runs once.
    let out = pool()
        .install(|| {
            FailsInside.run_parallel(FailsInsideInputs {
                seed: 0,
                later: Arc::clone(&later),
            })
        })
        .unwrap();
    assert_eq!((out.after_long, out.after_waits), (0, 0));
    assert_eq!(later.after_long.load(Ordering::SeqCst), 1);
    assert_eq!(later.after_waits.load(Ordering::SeqCst), 1);
}

/// Sets its flag when dropped.
struct Big(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Big {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

pipeline! {
    /// `big` is borrowed by both branches of a join and by nothing after:
    /// it is gone before `sizes` runs, as in `run`.
    #[outputs(sizes)]
    struct DropsEarly {
        fn big(gone: &Arc<std::sync::atomic::AtomicBool>) -> Big { Big(Arc::clone(gone)) }
        fn left_len(big: &Big) -> usize { usize::from(!big.0.load(Ordering::SeqCst)) }
        fn right_len(big: &Big) -> usize { usize::from(!big.0.load(Ordering::SeqCst)) }
        fn sizes(left_len: usize, right_len: usize, gone: &Arc<std::sync::atomic::AtomicBool>) -> (usize, bool) {
            (left_len + right_len, gone.load(Ordering::SeqCst))
        }
    }
}

#[test]
fn a_value_is_dropped_after_its_last_borrow_as_in_run() {
    let gone = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let inputs = || DropsEarlyInputs {
        gone: Arc::clone(&gone),
    };
    assert_eq!(DropsEarly.run(inputs()).unwrap().sizes, (2, true));
    gone.store(false, Ordering::SeqCst);
    let out = pool()
        .install(|| DropsEarly.run_parallel(inputs()))
        .unwrap();
    assert_eq!(out.sizes, (2, true), "`big` still alive when `sizes` ran");
}

pipeline! {
    /// Two joins one after another, each with a node that can fail: the
    /// record of the first error serves both.
    struct TwoFailingJoins {
        fn seed_twice(seed: u64) -> u64 { seed * 2 }
        fn first_check(seed_twice: &u64, limit: &u64) -> Result<u64, Refused> {
            if seed_twice > limit { Err(Refused) } else { Ok(*seed_twice) }
        }
        fn first_plain(seed_twice: &u64) -> u64 { seed_twice + 1 }
        fn middle(first_check: u64, first_plain: u64) -> u64 { first_check + first_plain }
        fn second_check(middle: &u64, limit: &u64) -> Result<u64, Refused> {
            if middle > limit { Err(Refused) } else { Ok(*middle) }
        }
        fn second_plain(middle: &u64) -> u64 { middle + 1 }
    }
}

#[test]
fn two_failing_joins_in_a_row_report_the_error_of_the_one_that_failed() {
    let run = |seed, limit| {
        pool().install(|| TwoFailingJoins.run_parallel(TwoFailingJoinsInputs { seed, limit }))
    };
    // 2 <= 10, then 2 + 3 = 5 <= 10.
    let out = run(1, 10).unwrap();
    assert_eq!((out.second_check, out.second_plain), (5, 6));
    // 2 <= 4, then 5 > 4: the second join fails.
    assert!(matches!(
        run(1, 4).unwrap_err(),
        TwoFailingJoinsError::SecondCheck(Refused)
    ));
    // 2 > 1: the first join fails.
    assert!(matches!(
        run(1, 1).unwrap_err(),
        TwoFailingJoinsError::FirstCheck(Refused)
    ));
}
