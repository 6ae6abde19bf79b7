//! The async runner's state, and the async maps.
//!
//! A generated `run_async` makes every node an async block of one future:
//! the blocks are joined (`try_join!`), so they share one task and borrow
//! the run's values in place. A block first waits until its dependency
//! counter reaches zero ([`ready`]), runs its node (an `async fn` awaited, a
//! sync node called inline), stores the outputs, counts down its dependents
//! and wakes the task ([`finished`]). The first error ends the join: the
//! other nodes' futures are dropped, which cancels them.

use crate::observe::describe_panic;
use crate::{Engine, MapError};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::task::{Context, Poll};
use futures::future::FutureExt;
use futures::stream::{Stream, StreamExt};
use futures::task::AtomicWaker;
use std::panic::AssertUnwindSafe;
use std::vec::Vec;

/// How many items an async map has in flight unless `max_workers` says
/// otherwise. Futures waiting on I/O cost memory, not CPU; the bound keeps
/// a map from opening an unbounded number of connections at once.
pub const DEFAULT_IN_FLIGHT: usize = 128;

const SCHEDULE: &str =
    "hypernodes: a value was used out of order; this is a bug in the generated schedule";

/// A value of an async run: produced once, borrowed by nodes that may hold
/// it across their await points, taken by its final consumer. The schedule
/// guarantees no reader and writer ever meet, so the lock is never waited
/// on; it exists so that the borrow can live in a `Send` future.
pub struct AsyncSlot<T>(tokio::sync::RwLock<Option<T>>);

impl<T> Default for AsyncSlot<T> {
    fn default() -> Self {
        AsyncSlot(tokio::sync::RwLock::new(None))
    }
}

impl<T> AsyncSlot<T> {
    /// A slot already holding a value (a pipeline input).
    pub fn full(value: T) -> Self {
        AsyncSlot(tokio::sync::RwLock::new(Some(value)))
    }

    /// Stores the value; its producer calls this once.
    pub fn put(&self, value: T) {
        *self.0.try_write().expect(SCHEDULE) = Some(value);
    }

    /// Borrows the value.
    pub fn get(&self) -> AsyncSlotRef<'_, T> {
        AsyncSlotRef(self.0.try_read().expect(SCHEDULE))
    }

    /// Takes the value for its final, by-value consumer.
    pub fn take(&self) -> T {
        self.0.try_write().expect(SCHEDULE).take().expect(SCHEDULE)
    }

    /// The value after the run, for the outputs.
    pub fn into_inner(self) -> T {
        self.0.into_inner().expect(SCHEDULE)
    }
}

/// A borrowed [`AsyncSlot`] value.
pub struct AsyncSlotRef<'a, T>(tokio::sync::RwLockReadGuard<'a, Option<T>>);

impl<T> core::ops::Deref for AsyncSlotRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_ref().expect(SCHEDULE)
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

/// Runs one item's future, turning its error or panic into a [`MapError`].
async fn run_one<O, E>(
    index: usize,
    item: impl Future<Output = Result<O, E>>,
    stop: Option<&AtomicBool>,
) -> Result<O, MapError<E>> {
    if stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
        return Err(MapError::NotRun { item: index });
    }
    let outcome = match AssertUnwindSafe(item).catch_unwind().await {
        Ok(Ok(outputs)) => return Ok(outputs),
        Ok(Err(error)) => MapError::Failed { item: index, error },
        Err(payload) => {
            let (node, message) = describe_panic(&*payload);
            MapError::Panicked {
                item: index,
                node,
                message,
            }
        }
    };
    if let Some(stop) = stop {
        stop.store(true, Ordering::Relaxed);
    }
    Err(outcome)
}

/// How many items an engine's async map keeps in flight.
pub fn in_flight(engine: &Engine) -> usize {
    engine.worker_limit().unwrap_or(DEFAULT_IN_FLIGHT)
}

/// The async map: at most [`in_flight`] items at once, all in the calling
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
    futures::stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| run_one(index, run(item), stop))
        .buffered(in_flight(engine))
        .collect()
        .await
}

/// The streaming async map: a stream of inputs in, a stream of results out,
/// in order, with at most [`in_flight`] items between them, so that a fast
/// source waits for a slow pipeline.
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
    items
        .enumerate()
        .map(move |(index, item)| run_one(index, run(item), None))
        .buffered(in_flight(engine))
}
