//! `run_async`: the outputs of `run`, async nodes awaited, independent nodes
//! at once along the critical path, sync nodes inline and `#[node(blocking)]`
//! nodes on the blocking pool, any tokio runtime (and `tokio::spawn`), the
//! first error cancelling the rest, panics reaching the caller, by-value
//! moves, tuple outputs and `#[outputs]` pruning.

use hypernodes::__private::futures::FutureExt;
use hypernodes::prelude::*;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::num::ParseIntError;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string payload>".to_owned()
    }
}

/// Compiles only for a future that `tokio::spawn` accepts.
fn assert_spawnable<F: Future + Send + 'static>(future: F) -> F {
    future
}

/// A minimal executor that is not tokio: polls on the calling thread,
/// parks until woken.
fn block_on_without_tokio<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

// ---------------------------------------------------------------------------
// Same outputs as `run`
// ---------------------------------------------------------------------------

pipeline! {
    /// Sync nodes only: a fallible parse, a tuple split, a join.
    struct Parse {
        fn number(text: &str) -> Result<i64, ParseIntError> { text.trim().parse() }
        #[node(output = (half, rest))]
        fn split(number: i64) -> (i64, i64) { (number / 2, number % 2) }
        fn described(half: i64, rest: i64, prefix: &str) -> String { format!("{prefix}{half}+{half}+{rest}") }
    }
}

fn parse_inputs(text: &str) -> ParseInputs {
    ParseInputs {
        text: text.to_owned(),
        prefix: "n=".to_owned(),
    }
}

#[tokio::test]
async fn a_sync_only_pipeline_gives_the_results_of_run() {
    for text in ["7", " -12 ", "0", "x1", ""] {
        match (
            Parse.run(parse_inputs(text)),
            Parse.run_async(parse_inputs(text)).await,
        ) {
            (Ok(sync), Ok(run_async)) => assert_eq!(
                (
                    run_async.number,
                    run_async.half,
                    run_async.rest,
                    run_async.described
                ),
                (sync.number, sync.half, sync.rest, sync.described)
            ),
            (Err(sync), Err(run_async)) => {
                assert_eq!(run_async.node(), sync.node());
                assert_eq!(run_async.to_string(), sync.to_string());
            }
            _ => panic!("`run` and `run_async` disagree on {text:?}"),
        }
    }
    let out = Parse.run_async(parse_inputs("7")).await.unwrap();
    assert_eq!((out.number, out.half, out.rest), (7, 3, 1));
    assert_eq!(out.described, "n=3+3+1");
    let error = Parse.run_async(parse_inputs("x1")).await.unwrap_err();
    assert_eq!(error.node(), "number");
    assert_eq!(
        error.to_string(),
        "node `number` failed: invalid digit found in string"
    );
}

// ---------------------------------------------------------------------------
// Async nodes awaited, sync nodes inline
// ---------------------------------------------------------------------------

pipeline! {
    /// Async nodes in a line with a sync node between them.
    struct Fetch {
        async fn page(url: &str) -> String {
            tokio::task::yield_now().await;
            format!("<{url}>")
        }
        fn length(page: &str) -> usize { page.len() }
        async fn doubled(length: usize) -> usize {
            sleep(ms(1)).await;
            length * 2
        }
    }
}

#[tokio::test]
async fn async_nodes_are_awaited() {
    let out = Fetch
        .run_async(FetchInputs {
            url: "example".to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(out.page, "<example>");
    assert_eq!(out.length, 9);
    assert_eq!(out.doubled, 18);
}

/// Which thread each node ran on.
#[derive(Default)]
struct Threads(Mutex<Vec<(&'static str, ThreadId)>>);

impl Threads {
    fn record(&self, node: &'static str) {
        self.0.lock().unwrap().push((node, thread::current().id()));
    }

    fn of(&self, node: &str) -> ThreadId {
        let threads = self.0.lock().unwrap();
        let found = threads.iter().find(|(name, _)| *name == node);
        found.unwrap_or_else(|| panic!("`{node}` did not run")).1
    }
}

pipeline! {
    /// Sync and async nodes, each recording its thread.
    struct Inline {
        fn first(x: u32, threads: &Arc<Threads>) -> u32 { threads.record("first"); x + 1 }
        async fn second(first: u32, threads: &Arc<Threads>) -> u32 {
            threads.record("second");
            sleep(ms(5)).await;
            threads.record("second after await");
            first * 10
        }
        fn third(second: u32, threads: &Arc<Threads>) -> u32 { threads.record("third"); second + 1 }
    }
}

async fn every_node_on_the_polling_thread() {
    let threads = Arc::new(Threads::default());
    let out = Inline
        .run_async(InlineInputs {
            x: 1,
            threads: Arc::clone(&threads),
        })
        .await
        .unwrap();
    assert_eq!((out.first, out.second, out.third), (2, 20, 21));
    let here = thread::current().id();
    for node in ["first", "second", "second after await", "third"] {
        assert_eq!(threads.of(node), here, "`{node}` ran on another thread");
    }
}

/// Nothing is spawned: the future runs every node where it is polled, even
/// on a multi-thread runtime (`block_on` polls on the calling thread).
#[tokio::test]
async fn sync_and_async_nodes_run_inline_on_a_current_thread_runtime() {
    every_node_on_the_polling_thread().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_and_async_nodes_run_inline_on_a_multi_thread_runtime() {
    every_node_on_the_polling_thread().await;
}

pipeline! {
    /// Values that are neither `Send` nor `Sync`: fine, the run is not spawned.
    struct Local {
        async fn counted(counter: &Rc<Cell<u32>>) -> u32 {
            tokio::task::yield_now().await;
            counter.set(counter.get() + 1);
            counter.get()
        }
        fn shared(counted: u32, counter: &Rc<Cell<u32>>) -> Rc<Cell<u32>> {
            counter.set(counter.get() + counted);
            Rc::clone(counter)
        }
    }
}

#[tokio::test]
async fn values_that_are_not_send_work_when_the_future_is_awaited_in_place() {
    let counter = Rc::new(Cell::new(0));
    let out = Local
        .run_async(LocalInputs {
            counter: Rc::clone(&counter),
        })
        .await
        .unwrap();
    assert_eq!(out.counted, 1);
    assert_eq!(counter.get(), 2);
    assert!(Rc::ptr_eq(&out.shared, &counter));
}

// ---------------------------------------------------------------------------
// Concurrency and the critical path
// ---------------------------------------------------------------------------

pipeline! {
    /// Two independent waits, then a join.
    struct TwoWaits {
        async fn left(delay_ms: u64) -> u64 { sleep(ms(delay_ms)).await; 1 }
        async fn right(delay_ms: u64) -> u64 { sleep(ms(delay_ms)).await; 2 }
        fn joined(left: u64, right: u64) -> u64 { left + right }
    }
}

async fn two_waits_take_one_wait() {
    let start = Instant::now();
    let out = TwoWaits
        .run_async(TwoWaitsInputs { delay_ms: 100 })
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!((out.left, out.right, out.joined), (1, 2, 3));
    assert!(elapsed >= ms(100), "took {elapsed:?}");
    assert!(
        elapsed < ms(180),
        "took {elapsed:?}: the two 100 ms nodes did not overlap"
    );
}

#[tokio::test]
async fn independent_async_nodes_overlap_on_a_current_thread_runtime() {
    two_waits_take_one_wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_async_nodes_overlap_on_a_multi_thread_runtime() {
    two_waits_take_one_wait().await;
}

pipeline! {
    /// Two uneven chains: short then long, and long then short. Run level by
    /// level this takes 2 × long; along the critical path, long + short.
    struct Uneven {
        async fn a1(short_ms: u64) -> u64 { sleep(ms(short_ms)).await; 1 }
        async fn a2(a1: u64, long_ms: u64) -> u64 { sleep(ms(long_ms)).await; a1 + 1 }
        async fn b1(long_ms: u64) -> u64 { sleep(ms(long_ms)).await; 10 }
        async fn b2(b1: u64, short_ms: u64) -> u64 { sleep(ms(short_ms)).await; b1 + 1 }
        fn total(a2: u64, b2: u64) -> u64 { a2 + b2 }
    }
}

#[tokio::test]
async fn wall_time_follows_the_critical_path_not_the_levels() {
    let start = Instant::now();
    let out = Uneven
        .run_async(UnevenInputs {
            short_ms: 20,
            long_ms: 200,
        })
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.total, 13);
    // Critical path: 220 ms. Level by level: 400 ms.
    assert!(elapsed >= ms(220), "took {elapsed:?}");
    assert!(
        elapsed < ms(330),
        "took {elapsed:?}: a node waited for more than its own inputs"
    );
}

// ---------------------------------------------------------------------------
// `#[node(blocking)]`
// ---------------------------------------------------------------------------

pipeline! {
    /// A blocking sync node (borrowing its text) beside an async one.
    struct Mixed {
        #[node(blocking)]
        fn crunched(text: &str, delay_ms: u64, threads: &Arc<Threads>) -> usize {
            threads.record("crunched");
            thread::sleep(ms(delay_ms));
            text.len()
        }
        async fn waited(delay_ms: u64, threads: &Arc<Threads>) -> u64 {
            threads.record("waited");
            sleep(ms(delay_ms)).await;
            delay_ms
        }
        fn both(crunched: usize, waited: u64, threads: &Arc<Threads>) -> String {
            threads.record("both");
            format!("{crunched}/{waited}")
        }
    }
}

async fn blocking_beside_async() {
    let threads = Arc::new(Threads::default());
    let start = Instant::now();
    let out = Mixed
        .run_async(MixedInputs {
            text: "four".to_owned(),
            delay_ms: 100,
            threads: Arc::clone(&threads),
        })
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.both, "4/100");
    assert!(elapsed >= ms(100), "took {elapsed:?}");
    assert!(
        elapsed < ms(180),
        "took {elapsed:?}: the blocking node blocked the async one"
    );
    let here = thread::current().id();
    assert_ne!(threads.of("crunched"), here, "not on the blocking pool");
    assert_eq!(threads.of("waited"), here);
    assert_eq!(threads.of("both"), here);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_node_runs_while_an_async_node_waits() {
    blocking_beside_async().await;
}

/// The blocking pool exists on a current-thread runtime too.
#[tokio::test]
async fn a_blocking_node_runs_while_an_async_node_waits_on_a_current_thread_runtime() {
    blocking_beside_async().await;
}

pipeline! {
    /// A blocking node and an async node that needs no timer.
    struct BlockingOnly {
        #[node(blocking)]
        fn worker(marker: u32) -> (u32, ThreadId) { (marker, thread::current().id()) }
        async fn checked(worker: (u32, ThreadId)) -> u32 {
            std::future::ready(()).await;
            worker.0 + 1
        }
    }
}

#[test]
fn outside_a_tokio_runtime_a_blocking_node_runs_inline() {
    let out =
        block_on_without_tokio(BlockingOnly.run_async(BlockingOnlyInputs { marker: 4 })).unwrap();
    assert_eq!(out.worker, (4, thread::current().id()));
    assert_eq!(out.checked, 5);
}

pipeline! {
    /// A blocking node that panics on 13.
    struct BlockingPanic {
        #[node(blocking)]
        fn risky(x: u32) -> u32 {
            if x == 13 {
                panic!("blocking node exploded on {x}");
            }
            x
        }
    }
}

pipeline! {
    /// A fallible blocking node.
    struct BlockingFallible {
        #[node(blocking)]
        fn parsed(text: &str) -> Result<i64, ParseIntError> { text.parse() }
        async fn negated(parsed: i64) -> i64 { -parsed }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_of_a_blocking_node_ends_the_run() {
    let out = BlockingFallible
        .run_async(BlockingFallibleInputs {
            text: "12".to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(out.negated, -12);
    let error = BlockingFallible
        .run_async(BlockingFallibleInputs {
            text: "twelve".to_owned(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.node(), "parsed");
    assert_eq!(
        error.to_string(),
        "node `parsed` failed: invalid digit found in string"
    );
}

/// A pipeline whose only async-specific node is `blocking` keeps `run`,
/// which calls the node inline.
#[test]
fn a_pipeline_with_only_sync_nodes_keeps_run_when_one_is_blocking() {
    assert_eq!(
        BlockingPanic
            .run(BlockingPanicInputs { x: 12 })
            .unwrap()
            .risky,
        12
    );
    assert_eq!(
        BlockingPanic
            .run_parallel(BlockingPanicInputs { x: 5 })
            .unwrap()
            .risky,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_blocking_node_reaches_the_caller() {
    assert_eq!(
        BlockingPanic
            .run_async(BlockingPanicInputs { x: 12 })
            .await
            .unwrap()
            .risky,
        12
    );
    let payload = AssertUnwindSafe(BlockingPanic.run_async(BlockingPanicInputs { x: 13 }))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(panic_message(&*payload), "blocking node exploded on 13");
}

pipeline! {
    /// A blocking node, counted when it returns.
    struct BlockingCounted {
        #[node(blocking)]
        fn counted_call(delay_ms: u64, returned: &Arc<AtomicUsize>) -> u64 {
            thread::sleep(ms(delay_ms));
            returned.fetch_add(1, Ordering::SeqCst);
            delay_ms
        }
    }
}

/// Blocking code cannot be interrupted: dropping the run leaves the call to
/// finish on the blocking pool, and its result is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_call_finishes_even_if_the_run_is_dropped() {
    let returned = Arc::new(AtomicUsize::new(0));
    let outcome = tokio::time::timeout(
        ms(20),
        BlockingCounted.run_async(BlockingCountedInputs {
            delay_ms: 100,
            returned: Arc::clone(&returned),
        }),
    )
    .await;
    assert!(outcome.is_err());
    assert_eq!(returned.load(Ordering::SeqCst), 0);
    sleep(ms(250)).await;
    assert_eq!(returned.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------
// Runtimes and spawning
// ---------------------------------------------------------------------------

#[test]
fn works_in_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let out = runtime
        .block_on(TwoWaits.run_async(TwoWaitsInputs { delay_ms: 100 }))
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.joined, 3);
    assert!((ms(100)..ms(180)).contains(&elapsed), "took {elapsed:?}");
    let spawned = runtime
        .block_on(async {
            tokio::spawn(Fetch.run_async(FetchInputs {
                url: "a".to_owned(),
            }))
            .await
        })
        .unwrap()
        .unwrap();
    assert_eq!(spawned.doubled, 6);
}

#[test]
fn works_in_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let out = runtime
        .block_on(TwoWaits.run_async(TwoWaitsInputs { delay_ms: 100 }))
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.joined, 3);
    assert!((ms(100)..ms(180)).contains(&elapsed), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_future_can_be_spawned() {
    let start = Instant::now();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(assert_spawnable(
                TwoWaits.run_async(TwoWaitsInputs { delay_ms: 100 }),
            ))
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.unwrap().unwrap().joined, 3);
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed < ms(180),
        "took {elapsed:?}: four spawned runs did not overlap"
    );
    let fetched = tokio::spawn(Fetch.run_async(FetchInputs {
        url: "spawned".to_owned(),
    }))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(fetched.page, "<spawned>");
    // With a blocking node and a fallible one too.
    let threads = Arc::new(Threads::default());
    let mixed = tokio::spawn(assert_spawnable(Mixed.run_async(MixedInputs {
        text: "ab".to_owned(),
        delay_ms: 1,
        threads,
    })))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(mixed.both, "2/1");
    let error = tokio::spawn(Parse.run_async(parse_inputs("?")))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.node(), "number");
}

// ---------------------------------------------------------------------------
// Errors and cancellation
// ---------------------------------------------------------------------------

/// The error of a refusing node.
#[derive(Debug, PartialEq, Eq)]
struct Refused(&'static str);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused", self.0)
    }
}

impl std::error::Error for Refused {}

/// What the nodes of a failing run did, shared with the test.
#[derive(Default)]
struct Probe {
    /// Set when `long`'s future is dropped before it finished.
    long_cancelled: AtomicBool,
    /// Counted after `long`'s wait, so only if it ran to the end.
    long_finished: AtomicUsize,
    dependent_ran: AtomicUsize,
}

/// Sets `long_cancelled` when dropped without being disarmed.
struct CancelGuard {
    probe: Arc<Probe>,
    armed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if self.armed {
            self.probe.long_cancelled.store(true, Ordering::SeqCst);
        }
    }
}

pipeline! {
    /// `failing` fails after 20 ms, `dependent` needs it; `long` is
    /// independent and would take 300 ms.
    struct Failing {
        async fn long(probe: &Arc<Probe>) -> u32 {
            let mut guard = CancelGuard { probe: Arc::clone(probe), armed: true };
            sleep(ms(300)).await;
            probe.long_finished.fetch_add(1, Ordering::SeqCst);
            guard.armed = false;
            1
        }
        async fn failing(probe: &Arc<Probe>) -> Result<u32, Refused> {
            let _ = probe;
            sleep(ms(20)).await;
            Err(Refused("failing"))
        }
        fn dependent(failing: u32, probe: &Arc<Probe>) -> u32 {
            probe.dependent_ran.fetch_add(1, Ordering::SeqCst);
            failing
        }
        async fn last(dependent: u32, long: u32) -> u32 { dependent + long }
    }
}

#[tokio::test]
async fn the_first_error_ends_the_run_and_cancels_the_nodes_still_running() {
    let probe = Arc::new(Probe::default());
    let start = Instant::now();
    let error = Failing
        .run_async(FailingInputs {
            probe: Arc::clone(&probe),
        })
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert!(
        elapsed < ms(250),
        "took {elapsed:?}: the run waited for `long`"
    );
    assert_eq!(error.node(), "failing");
    assert_eq!(error.to_string(), "node `failing` failed: failing refused");
    let FailingError::Failing(refused) = &error;
    assert_eq!(*refused, Refused("failing"));
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "failing refused"
    );
    assert_eq!(probe.dependent_ran.load(Ordering::SeqCst), 0);
    assert!(
        probe.long_cancelled.load(Ordering::SeqCst),
        "`long`'s future was not dropped"
    );
    sleep(ms(400)).await;
    assert_eq!(probe.long_finished.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_error_cancels_the_rest_in_a_spawned_run() {
    let probe = Arc::new(Probe::default());
    let error = tokio::spawn(Failing.run_async(FailingInputs {
        probe: Arc::clone(&probe),
    }))
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(error.node(), "failing");
    assert!(probe.long_cancelled.load(Ordering::SeqCst));
    sleep(ms(400)).await;
    assert_eq!(probe.long_finished.load(Ordering::SeqCst), 0);
    assert_eq!(probe.dependent_ran.load(Ordering::SeqCst), 0);
}

pipeline! {
    /// Two independent failures: `slow_failure` comes first in the graph,
    /// `fast_failure` fails first in time.
    struct TwoFailures {
        async fn slow_failure(x: u32) -> Result<u32, Refused> { sleep(ms(150)).await; let _ = x; Err(Refused("slow")) }
        async fn fast_failure(x: u32) -> Result<u32, Refused> { sleep(ms(10)).await; let _ = x; Err(Refused("fast")) }
        fn sum(slow_failure: u32, fast_failure: u32) -> u32 { slow_failure + fast_failure }
    }
}

#[tokio::test]
async fn the_error_returned_is_the_first_in_time() {
    let start = Instant::now();
    let error = TwoFailures
        .run_async(TwoFailuresInputs { x: 1 })
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(error.node(), "fast_failure");
    assert_eq!(
        error.to_string(),
        "node `fast_failure` failed: fast refused"
    );
    assert!(elapsed < ms(120), "took {elapsed:?}");
}

pipeline! {
    /// One long wait, counted only when it ends.
    struct Sleepy {
        async fn nap(delay_ms: u64, finished: &Arc<AtomicUsize>) -> u64 {
            sleep(ms(delay_ms)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            delay_ms
        }
        async fn nap2(delay_ms: u64, finished: &Arc<AtomicUsize>) -> u64 {
            sleep(ms(delay_ms)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            delay_ms
        }
    }
}

#[tokio::test]
async fn dropping_the_future_cancels_the_run() {
    let finished = Arc::new(AtomicUsize::new(0));
    let outcome = tokio::time::timeout(
        ms(30),
        Sleepy.run_async(SleepyInputs {
            delay_ms: 200,
            finished: Arc::clone(&finished),
        }),
    )
    .await;
    assert!(outcome.is_err(), "the run was not cut off");
    sleep(ms(300)).await;
    assert_eq!(finished.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------

pipeline! {
    /// `bang` panics on 13 after an await; `sync_bang` panics on 7.
    struct Exploding {
        async fn fuse(x: u32) -> u32 { sleep(ms(5)).await; x }
        async fn bang(fuse: u32) -> u32 {
            tokio::task::yield_now().await;
            if fuse == 13 {
                panic!("async node exploded on {fuse}");
            }
            fuse
        }
        fn sync_bang(bang: u32) -> u32 {
            if bang == 7 {
                panic!("sync node exploded on {bang}");
            }
            bang
        }
    }
}

#[tokio::test]
async fn a_panic_in_an_async_node_reaches_the_awaiting_caller() {
    let out = Exploding
        .run_async(ExplodingInputs { x: 12 })
        .await
        .unwrap();
    assert_eq!(out.sync_bang, 12);
    let payload = AssertUnwindSafe(Exploding.run_async(ExplodingInputs { x: 13 }))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(panic_message(&*payload), "async node exploded on 13");
    let payload = AssertUnwindSafe(Exploding.run_async(ExplodingInputs { x: 7 }))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(panic_message(&*payload), "sync node exploded on 7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_spawned_run_is_a_join_error() {
    let error = tokio::spawn(Exploding.run_async(ExplodingInputs { x: 13 }))
        .await
        .unwrap_err();
    assert!(error.is_panic());
    assert_eq!(
        panic_message(&*error.into_panic()),
        "async node exploded on 13"
    );
}

// ---------------------------------------------------------------------------
// By-value moves, tuple outputs, pruning
// ---------------------------------------------------------------------------

/// Not `Clone`: the run must move it.
#[derive(Debug, PartialEq)]
struct Ticket {
    number: u32,
}

pipeline! {
    /// `label` borrows the ticket across an await, `redeemed` takes it.
    #[outputs(label, redeemed)]
    struct Redeem {
        async fn ticket(number: u32) -> Ticket {
            tokio::task::yield_now().await;
            Ticket { number }
        }
        async fn label(ticket: &Ticket) -> String {
            sleep(ms(5)).await;
            format!("ticket #{}", ticket.number)
        }
        async fn redeemed(ticket: Ticket, label: &str) -> (Ticket, usize) {
            tokio::task::yield_now().await;
            let len = label.len();
            (ticket, len)
        }
    }
}

#[tokio::test]
async fn a_non_clone_value_is_moved_to_its_last_consumer() {
    let out = Redeem.run_async(RedeemInputs { number: 7 }).await.unwrap();
    assert_eq!(out.label, "ticket #7");
    assert_eq!(out.redeemed, (Ticket { number: 7 }, 9));
}

pipeline! {
    /// A non-`Clone` value moved into a blocking node, then out of it.
    #[outputs(stamped)]
    struct Stamp {
        #[node(output = ticket)]
        fn issued(number: u32) -> Ticket { Ticket { number } }
        #[node(blocking)]
        fn stamped(ticket: Ticket) -> Ticket { Ticket { number: ticket.number + 1000 } }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_clone_value_is_moved_into_a_blocking_node() {
    let out = Stamp.run_async(StampInputs { number: 3 }).await.unwrap();
    assert_eq!(out.stamped, Ticket { number: 1003 });
}

/// When each node started and ended.
#[derive(Default)]
struct Timeline(Mutex<Vec<(&'static str, Instant)>>);

impl Timeline {
    fn mark(&self, event: &'static str) {
        self.0.lock().unwrap().push((event, Instant::now()));
    }

    fn at(&self, event: &str) -> Instant {
        let events = self.0.lock().unwrap();
        events.iter().find(|(name, _)| *name == event).unwrap().1
    }
}

pipeline! {
    /// `text` is borrowed by a slow async node and moved into a quick sync
    /// node that has nothing else to wait for.
    #[outputs(reader, taken)]
    struct BorrowThenMove {
        async fn reader(text: &str, timeline: &Arc<Timeline>) -> usize {
            timeline.mark("reader started");
            sleep(ms(50)).await;
            timeline.mark("reader done");
            text.len()
        }
        fn taken(text: String, timeline: &Arc<Timeline>) -> String {
            timeline.mark("taken started");
            text + "!"
        }
    }
}

#[tokio::test]
async fn a_moving_consumer_waits_for_the_borrowers() {
    let timeline = Arc::new(Timeline::default());
    let out = BorrowThenMove
        .run_async(BorrowThenMoveInputs {
            text: "abc".to_owned(),
            timeline: Arc::clone(&timeline),
        })
        .await
        .unwrap();
    assert_eq!((out.reader, out.taken.as_str()), (3, "abc!"));
    assert!(timeline.at("taken started") >= timeline.at("reader done"));
}

/// Division by zero.
#[derive(Debug)]
struct DivideByZero;

impl fmt::Display for DivideByZero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("division by zero")
    }
}

pipeline! {
    /// Tuple outputs from async nodes, one of them fallible.
    struct Bounds {
        #[node(output = (low, high))]
        async fn bounds(xs: &[i64]) -> (i64, i64) {
            tokio::task::yield_now().await;
            (xs.iter().copied().min().unwrap_or(0), xs.iter().copied().max().unwrap_or(0))
        }
        #[node(output = (quotient, remainder))]
        async fn divided(high: i64, low: i64) -> Result<(i64, i64), DivideByZero> {
            sleep(ms(1)).await;
            if low == 0 { Err(DivideByZero) } else { Ok((high / low, high % low)) }
        }
        fn summary(low: i64, high: i64, quotient: i64, remainder: i64) -> String {
            format!("{low}..{high}: {quotient} r {remainder}")
        }
    }
}

#[tokio::test]
async fn tuple_outputs_of_async_nodes_are_split() {
    let out = Bounds
        .run_async(BoundsInputs {
            xs: vec![5, 3, 17, 9],
        })
        .await
        .unwrap();
    assert_eq!((out.low, out.high), (3, 17));
    assert_eq!((out.quotient, out.remainder), (5, 2));
    assert_eq!(out.summary, "3..17: 5 r 2");
    let error = Bounds
        .run_async(BoundsInputs { xs: vec![0, 4] })
        .await
        .unwrap_err();
    assert_eq!(error.node(), "divided");
    assert_eq!(error.to_string(), "node `divided` failed: division by zero");
}

static PRUNED_RUNS: AtomicUsize = AtomicUsize::new(0);

pipeline! {
    /// Only `kept` is returned: `unneeded` and `also_unneeded` must not run,
    /// and `also_unneeded`'s input is not an input.
    #[outputs(kept)]
    struct Pruned {
        async fn kept(x: u32) -> u32 { tokio::task::yield_now().await; x + 1 }
        async fn unneeded(kept: u32) -> u32 {
            PRUNED_RUNS.fetch_add(1, Ordering::SeqCst);
            panic!("pruned node `unneeded` ran with {kept}")
        }
        fn also_unneeded(y: u32) -> u32 {
            PRUNED_RUNS.fetch_add(1, Ordering::SeqCst);
            panic!("pruned node `also_unneeded` ran with {y}")
        }
    }
}

#[tokio::test]
async fn nodes_no_requested_output_needs_do_not_run() {
    assert_eq!(Pruned::OUTPUTS, ["kept"]);
    assert_eq!(Pruned::INPUTS, ["x"]);
    let names: Vec<_> = Pruned::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["kept"]);
    // Exactly one field each: struct expressions and patterns without `..`
    // must name all of them.
    let PrunedOutputs { kept } = Pruned.run_async(PrunedInputs { x: 1 }).await.unwrap();
    assert_eq!(kept, 2);
    assert_eq!(PRUNED_RUNS.load(Ordering::SeqCst), 0);
}
