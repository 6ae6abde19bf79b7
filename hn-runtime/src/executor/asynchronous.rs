//! The async runner's state, and the async maps.
//!
//! A generated `run_async` whose graph is neither a chain nor
//! series-parallel (or has `blocking` nodes) makes every node an async block
//! of one future:
//! the blocks are joined (`try_join!`), so they share one task and borrow
//! the run's values in place. A block first waits until its dependency
//! counter reaches zero ([`ready`]), runs its node (an `async fn` awaited, a
//! sync node called inline), stores the outputs, counts down its dependents
//! and wakes the task ([`finished`]). The first error ends the join: the
//! other nodes' futures are dropped, which cancels them.

use crate::executor::in_order::{in_order, Begin};
use crate::executor::map::{outcome, stopped};
use crate::{Engine, MapError};
use core::borrow::Borrow;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;
use futures::stream::{Stream, StreamExt};
use futures::task::AtomicWaker;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::vec::Vec;

/// How many items an async map has in flight unless `max_workers` says
/// otherwise. Futures waiting on I/O cost memory, not CPU; the bound keeps
/// a map from opening an unbounded number of connections at once.
pub const DEFAULT_IN_FLIGHT: usize = 128;

const SCHEDULE: &str =
    "hypernodes: a value was used out of order; this is a bug in the generated schedule";

/// A value of an async run: produced once, shared by the nodes that borrow
/// it (each holds an `Arc`, which a blocking node can take to another
/// thread), taken by its final consumer once every borrower is done.
pub struct AsyncSlot<T>(Mutex<Option<Arc<T>>>);

impl<T> Default for AsyncSlot<T> {
    fn default() -> Self {
        AsyncSlot(Mutex::new(None))
    }
}

impl<T> AsyncSlot<T> {
    /// A slot already holding a value (a pipeline input).
    pub fn full(value: T) -> Self {
        AsyncSlot(Mutex::new(Some(Arc::new(value))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores the value; its producer calls this once.
    pub fn put(&self, value: T) {
        *self.lock() = Some(Arc::new(value));
    }

    /// Shares the value with a borrowing node.
    pub fn get(&self) -> Arc<T> {
        Arc::clone(self.lock().as_ref().expect(SCHEDULE))
    }

    /// Takes the value for its final, by-value consumer.
    pub fn take(&self) -> T {
        let shared = self.lock().take().expect(SCHEDULE);
        Arc::try_unwrap(shared).ok().expect(SCHEDULE)
    }

    /// The value after the run, for the outputs.
    pub fn into_inner(self) -> T {
        self.into_option().expect(SCHEDULE)
    }

    /// Shares a value that exists only in some runs (its producers have
    /// `#[when]`): `None` once every producer is done without running.
    pub fn get_some(&self) -> Option<Arc<T>> {
        self.lock().as_ref().map(Arc::clone)
    }

    /// Takes a value that exists only in some runs, for its final,
    /// by-value consumer.
    pub fn take_some(&self) -> Option<T> {
        let shared = self.lock().take()?;
        Some(Arc::try_unwrap(shared).ok().expect(SCHEDULE))
    }

    /// A value that exists only in some runs, after the run.
    pub fn into_option(self) -> Option<T> {
        let shared = self
            .0
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)?;
        Some(Arc::try_unwrap(shared).ok().expect(SCHEDULE))
    }
}

/// The task of an async run, woken when a node finishes.
pub type RunWaker = AtomicWaker;

/// Waits until `waiting` reaches zero; `false` if the run failed meanwhile.
pub fn ready<'a>(
    waiting: &'a AtomicUsize,
    waker: &'a RunWaker,
    failed: &'a AtomicBool,
) -> Ready<'a> {
    Ready {
        waiting,
        waker,
        failed,
    }
}

/// The future of [`ready`].
pub struct Ready<'a> {
    waiting: &'a AtomicUsize,
    waker: &'a RunWaker,
    failed: &'a AtomicBool,
}

impl Future for Ready<'_> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let check = || {
            if self.failed.load(Ordering::Acquire) {
                Some(false)
            } else {
                (self.waiting.load(Ordering::Acquire) == 0).then_some(true)
            }
        };
        if let Some(ready) = check() {
            return Poll::Ready(ready);
        }
        // Register, then look again: a node may have finished in between.
        self.waker.register(cx.waker());
        check().map_or(Poll::Pending, Poll::Ready)
    }
}

/// Counts down the dependents of a finished node and wakes the run.
pub fn finished(dependents: &[&AtomicUsize], waker: &RunWaker) {
    for waiting in dependents {
        waiting.fetch_sub(1, Ordering::AcqRel);
    }
    waker.wake();
}

pin_project_lite::pin_project! {
    /// One item of an async map: polls the item's future inside
    /// `catch_unwind` and turns its result or panic into the map's result,
    /// in one future (no combinators). A panicking async node is read from
    /// the thread-local its `LocatePanics` wrapper sets while it is polled.
    /// `Stop` is the fail-fast flag, borrowed or shared.
    pub struct Item<Stop, F> {
        #[pin]
        item: F,
        index: usize,
        stop: Option<Stop>,
    }
}

impl<O, E, Stop, F> Future for Item<Stop, F>
where
    Stop: Borrow<AtomicBool>,
    F: Future<Output = Result<O, E>>,
{
    type Output = Result<O, MapError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let item = this.item;
        let caught = match std::panic::catch_unwind(AssertUnwindSafe(|| item.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(result)) => Ok(result),
            // `outcome` reads the node from the thread-local.
            Err(payload) => Err(payload),
        };
        Poll::Ready(outcome(
            *this.index,
            caught,
            this.stop.as_ref().map(Borrow::borrow),
        ))
    }
}

/// How an item of an async map starts: not at all under a fail-fast engine
/// that has seen a failure (a slot frees up only as results are taken in
/// order, so a stop seen here means "not run"), else as an [`Item`].
fn begin<O, E, Stop, F>(index: usize, item: F, stop: Option<Stop>) -> Begin<Item<Stop, F>>
where
    Stop: Borrow<AtomicBool>,
    F: Future<Output = Result<O, E>>,
{
    if stopped(stop.as_ref().map(Borrow::borrow)) {
        return Begin::Done(Err(MapError::NotRun { item: index }));
    }
    Begin::Run(Item { item, index, stop })
}

/// How many items an engine's async map keeps in flight.
pub fn in_flight(engine: &Engine) -> usize {
    engine.worker_limit().unwrap_or(DEFAULT_IN_FLIGHT)
}

/// The async map: at most `in_flight` items at once, all in the calling
/// task (nothing is spawned, so dropping the future cancels every item),
/// results in input order.
pub async fn map_async<I, O, E, F, Fut>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Vec<Result<O, MapError<E>>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    let stop = AtomicBool::new(false);
    let stop = engine.is_fail_fast().then_some(&stop);
    let items = futures::stream::iter(items);
    in_order(items, in_flight(engine), |index, item| {
        begin(index, run(item), stop)
    })
    .collect()
    .await
}

/// The all-or-nothing async map: every item's outputs in input order, or
/// the failure of the lowest-index item that failed. Items run as in
/// [`map_async`]; after the first failure no new item starts, and once the
/// failures before it in input order are known, the items still running
/// are dropped.
pub async fn try_map_async<I, O, E, F, Fut>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Result<Vec<O>, MapError<E>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    let stop = AtomicBool::new(false);
    let items = futures::stream::iter(items);
    let mut results = in_order(items, in_flight(engine), |index, item| {
        begin(index, run(item), Some(&stop))
    });
    let mut outputs = Vec::with_capacity(results.size_hint().0);
    // Items start in input order and none starts after a failure, so the
    // first error in order is a failure that ran (not a `NotRun`), and no
    // item before it failed.
    while let Some(result) = results.next().await {
        outputs.push(result?);
    }
    Ok(outputs)
}

/// The streaming async map: a stream of inputs in, a stream of results out,
/// in order, with at most `in_flight` items between them, so that a fast
/// source waits for a slow pipeline. Under a fail-fast engine, items that
/// start after a failure do not run, and the stream ends before the first
/// of them.
pub fn map_stream<S, O, E, F, Fut>(
    engine: &Engine,
    items: S,
    run: F,
) -> impl Stream<Item = Result<O, MapError<E>>>
where
    S: Stream,
    F: Fn(S::Item) -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    // The stream owns its flag (it cannot borrow one from this frame).
    let stop = engine
        .is_fail_fast()
        .then(|| Arc::new(AtomicBool::new(false)));
    in_order(items, in_flight(engine), move |index, item| {
        begin(index, run(item), stop.clone())
    })
    .take_while(|result| core::future::ready(!matches!(result, Err(MapError::NotRun { .. }))))
}

/// Runs a sync `#[node(blocking)]` call on the tokio runtime's blocking
/// pool, so that the other nodes of the run, and other tasks, go on while it
/// blocks. Outside a tokio runtime there is no such pool and it runs inline.
/// A panic in the call reaches the caller as if it were inline. If the run
/// is dropped meanwhile, the call still finishes (blocking code cannot be
/// interrupted) and its result is dropped.
pub async fn run_blocking<R: Send + 'static>(call: impl FnOnce() -> R + Send + 'static) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => match runtime.spawn_blocking(call).await {
            Ok(value) => value,
            Err(error) => match error.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                Err(error) => {
                    std::panic::panic_any(std::format!("a blocking node was cancelled: {error}"))
                }
            },
        },
        Err(_) => call(),
    }
}

/// Runs a `blocking` node whose arguments are borrowed from the caller (the
/// items of `map_over_async` and of mapped nested pipelines), so that they
/// cannot move to the blocking pool: on a multi-thread runtime the worker
/// hands its other tasks to the other workers first
/// (`tokio::task::block_in_place`); elsewhere (current-thread runtime, no
/// runtime) the call runs inline.
pub fn blocking_in_place<R>(call: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

/// The timeout and retries of an async node.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Each attempt's time limit.
    pub timeout: Option<Duration>,
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; it doubles before each next one.
    pub backoff: Duration,
}

/// Runs `attempt` until it succeeds, at most `1 + retries` times, each
/// within the timeout, waiting `backoff`, `2 × backoff`, ... in between.
/// `attempt(last)` is told whether it is the last attempt (so that it can
/// move values rather than clone them).
pub async fn attempt<T, E, Fut>(
    policy: RetryPolicy,
    mut attempt: impl FnMut(bool) -> Fut,
) -> Result<T, crate::Attempted<E>>
where
    Fut: Future<Output = Result<T, E>>,
{
    let total = policy.retries.saturating_add(1);
    let mut backoff = policy.backoff;
    for number in 1..=total {
        let last = number == total;
        let outcome = match policy.timeout {
            Some(limit) => tokio::time::timeout(limit, attempt(last))
                .await
                .map_err(|_| limit),
            None => Ok(attempt(last).await),
        };
        let failure = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => crate::Attempted::Failed {
                error,
                attempts: number,
            },
            Err(after) => crate::Attempted::TimedOut {
                after,
                attempts: number,
            },
        };
        if last {
            return Err(failure);
        }
        // No timer for no wait: retries without a backoff work on a runtime
        // without time.
        if !backoff.is_zero() {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
    unreachable!("the last attempt returns")
}

/// The output of an infallible async node as a `Result`, for [`attempt`].
pub async fn infallible<F: Future>(node: F) -> Result<F::Output, core::convert::Infallible> {
    Ok(node.await)
}

/// A by-value argument of a retried node: cloned for every attempt but the
/// last, which gets the value itself.
pub struct Reusable<T>(Option<T>);

impl<T: CloneForRetry> Reusable<T> {
    /// Holds the value.
    pub fn new(value: T) -> Self {
        Reusable(Some(value))
    }

    /// The argument for one attempt.
    pub fn for_attempt(&mut self, last: bool) -> T {
        if last {
            self.0.take().expect(SCHEDULE)
        } else {
            self.0.as_ref().expect(SCHEDULE).clone_for_retry()
        }
    }
}

/// A by-value argument of a node with a timeout but no retries: its one
/// attempt gets the value itself, so it need not be `Clone`.
pub struct UsedOnce<T>(Option<T>);

impl<T> UsedOnce<T> {
    /// Holds the value.
    pub fn new(value: T) -> Self {
        UsedOnce(Some(value))
    }

    /// The argument for the only attempt.
    pub fn for_attempt(&mut self, _last: bool) -> T {
        self.0.take().expect(SCHEDULE)
    }
}

/// A value a retried node takes by value: every attempt but the last gets a
/// clone. This trait exists only for its error message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must be cloned: a node with `retries` takes it by value",
    label = "each attempt but the last gets a clone of this argument",
    note = "implement `Clone`, take it by reference (`&{Self}`), or remove `retries`"
)]
pub trait CloneForRetry {
    /// `Clone::clone`.
    fn clone_for_retry(&self) -> Self;
}

impl<T: Clone> CloneForRetry for T {
    fn clone_for_retry(&self) -> Self {
        self.clone()
    }
}
