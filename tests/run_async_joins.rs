//! The two schedules of a concurrent `run_async`: a series-parallel graph
//! runs as nested joins of sequences over plain locals, any other graph with
//! dependency counters. Both start each node as soon as its inputs are
//! ready; these tests pin that down for nested joins, for values that one
//! branch clones while another moves them, for errors and retries inside an
//! inner join, and for a graph that is not series-parallel.

use hypernodes::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pipeline! {
    /// Both branches take the label by value: one gets a clone made before
    /// the join, the other the label itself, and they still overlap.
    struct ClonedAndMoved {
        async fn first(label: String, delay_ms: &u64) -> String {
            sleep(ms(*delay_ms)).await;
            format!("{label}-1")
        }
        async fn second(label: String, delay_ms: &u64) -> String {
            sleep(ms(*delay_ms)).await;
            format!("{label}-2")
        }
        fn both(first: &str, second: &str) -> String { format!("{first}+{second}") }
    }
}

#[tokio::test]
async fn a_value_cloned_by_one_branch_and_moved_by_another_does_not_serialize_them() {
    let start = Instant::now();
    let out = ClonedAndMoved
        .run_async(ClonedAndMovedInputs {
            label: "x".into(),
            delay_ms: 100,
        })
        .await
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
        async fn start(seed: u64) -> u64 { seed + 1 }
        async fn slow(start: &u64) -> u64 { sleep(ms(100)).await; start * 10 }
        async fn fork(start: &u64) -> u64 { sleep(ms(10)).await; start + 1 }
        async fn left(fork: &u64) -> u64 { sleep(ms(50)).await; fork * 2 }
        async fn right(fork: &u64) -> u64 { sleep(ms(50)).await; fork * 3 }
        fn merge(left: &u64, right: &u64) -> u64 { left + right }
        fn end(slow: u64, merge: u64, left: &u64, fork: &u64) -> u64 {
            slow + merge + left + fork
        }
    }
}

#[tokio::test]
async fn nested_joins_follow_the_critical_path_and_keep_every_output() {
    let begin = Instant::now();
    let out = Nested.run_async(NestedInputs { seed: 1 }).await.unwrap();
    let elapsed = begin.elapsed();
    // start 2, slow 20, fork 3, left 6, right 9, merge 15.
    assert_eq!(
        (out.start, out.slow, out.fork, out.left, out.right, out.merge),
        (2, 20, 3, 6, 9, 15)
    );
    assert_eq!(out.end, 20 + 15 + 6 + 3);
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
        async fn a(a_ms: u64) -> u64 { sleep(ms(a_ms)).await; 1 }
        async fn b(b_ms: u64) -> u64 { sleep(ms(b_ms)).await; 2 }
        async fn joined(a: &u64, b: &u64) -> u64 { a + b }
        async fn after_b(b: &u64, after_ms: u64) -> u64 { sleep(ms(after_ms)).await; b * 10 }
    }
}

#[tokio::test]
async fn a_graph_that_is_not_series_parallel_still_follows_the_critical_path() {
    let start = Instant::now();
    let out = NShape
        .run_async(NShapeInputs {
            a_ms: 150,
            b_ms: 10,
            after_ms: 100,
        })
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!((out.joined, out.after_b), (3, 20));
    // Critical path: a, 150 ms (b + after_b: 110 ms). In stages: 250 ms.
    assert!(elapsed >= ms(150), "took {elapsed:?}");
    assert!(elapsed < ms(230), "took {elapsed:?}: after_b waited for a");
}

/// Sets its flag when dropped: a node's future that is cancelled.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug, PartialEq)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

pipeline! {
    /// `origin; (long || (check; (fails || waits)))`: the failure inside the
    /// inner join ends the run and cancels both waiting nodes.
    struct FailsInside {
        fn origin(seed: u64) -> u64 { seed }
        async fn long(origin: &u64, cancelled: &Arc<AtomicBool>) -> u64 {
            let _guard = Dropped(Arc::clone(cancelled));
            sleep(ms(300)).await;
            *origin
        }
        async fn check(origin: &u64) -> u64 { *origin }
        async fn fails(check: &u64) -> Result<u64, Refused> {
            sleep(ms(20)).await;
            if *check > 0 { Err(Refused) } else { Ok(0) }
        }
        async fn waits(check: &u64, also_cancelled: &Arc<AtomicBool>) -> u64 {
            let _guard = Dropped(Arc::clone(also_cancelled));
            sleep(ms(300)).await;
            *check
        }
    }
}

#[tokio::test]
async fn an_error_in_an_inner_join_cancels_every_node_still_running() {
    let (cancelled, also_cancelled) = (Arc::default(), Arc::default());
    let start = Instant::now();
    let error = FailsInside
        .run_async(FailsInsideInputs {
            seed: 1,
            cancelled: Arc::clone(&cancelled),
            also_cancelled: Arc::clone(&also_cancelled),
        })
        .await
        .unwrap_err();
    assert!(matches!(error, FailsInsideError::Fails(Refused)));
    assert!(start.elapsed() < ms(200), "took {:?}", start.elapsed());
    assert!(cancelled.load(Ordering::SeqCst), "`long` was not cancelled");
    assert!(
        also_cancelled.load(Ordering::SeqCst),
        "`waits` was not cancelled"
    );
}

/// Fails on its first attempt, then gives the label back.
#[node(retries = 2)]
async fn flaky(label: String, attempts: &Arc<AtomicUsize>) -> Result<String, Refused> {
    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(Refused);
    }
    Ok(format!("{label}!"))
}

pipeline! {
    /// A retried node beside another that takes the same value by value.
    struct RetriedInside {
        flaky,
        async fn steady(label: String) -> usize { label.len() }
        fn report(flaky: &str, steady: usize) -> String { format!("{flaky} {steady}") }
    }
}

#[tokio::test]
async fn a_retried_node_inside_a_join_gets_its_argument_for_every_attempt() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let out = RetriedInside
        .run_async(RetriedInsideInputs {
            label: "abc".into(),
            attempts: Arc::clone(&attempts),
        })
        .await
        .unwrap();
    assert_eq!(out.report, "abc! 3");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

pipeline! {
    /// `big` is borrowed by both branches of a join and by nothing after:
    /// it is gone before `sizes` runs, as in `run`.
    #[outputs(sizes)]
    struct DropsEarly {
        fn big(gone: &Arc<AtomicBool>) -> Dropped { Dropped(Arc::clone(gone)) }
        async fn left_len(big: &Dropped) -> usize { usize::from(!big.0.load(Ordering::SeqCst)) }
        async fn right_len(big: &Dropped) -> usize { usize::from(!big.0.load(Ordering::SeqCst)) }
        fn sizes(left_len: usize, right_len: usize, gone: &Arc<AtomicBool>) -> (usize, bool) {
            (left_len + right_len, gone.load(Ordering::SeqCst))
        }
    }
}

#[tokio::test]
async fn a_value_is_dropped_after_its_last_borrow_as_in_run() {
    let gone = Arc::new(AtomicBool::new(false));
    let out = DropsEarly
        .run_async(DropsEarlyInputs {
            gone: Arc::clone(&gone),
        })
        .await
        .unwrap();
    assert_eq!(out.sizes, (2, true), "`big` still alive when `sizes` ran");
}
