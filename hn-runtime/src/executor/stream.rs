//! `map_iter`: a streaming, ordered map over any iterator, with a bounded
//! number of items in flight.
//!
//! The source is pulled on the consumer's thread, and only while fewer than
//! `window` items are running or waiting to be yielded; so a fast source
//! waits for a slow pipeline (backpressure) and memory stays flat however
//! long the source is. Results are yielded in input order. Under a
//! fail-fast engine, the first failure stops the pulling: the items already
//! in flight are yielded (those not started as `NotRun`), then the iterator
//! ends.

use crate::executor::map::run_one;
use crate::executor::pools::io_pool_for;
use crate::{Engine, MapError, Mode};
use core::sync::atomic::{AtomicBool, Ordering};
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

/// How many items may be in flight per worker: enough that a worker never
/// waits for the consumer to hand it the next item.
const IN_FLIGHT_PER_WORKER: usize = 2;

type Outcome<O, E> = (usize, Result<O, MapError<E>>);

/// The iterator returned by `map_iter`.
pub struct MapIter<S, O, E, F> {
    source: core::iter::Fuse<S>,
    run: Arc<F>,
    /// Where items run; `None` for `Mode::Sequential`: on the consumer's
    /// thread, one at a time, as they are asked for.
    pool: Option<Pool>,
    window: usize,
    submitted: usize,
    yielded: usize,
    /// Fail-fast: set by the first failure; later items do not run and the
    /// source is not pulled any more.
    stop: Option<Arc<AtomicBool>>,
    ready: BTreeMap<usize, Result<O, MapError<E>>>,
    sender: Sender<Outcome<O, E>>,
    receiver: Receiver<Outcome<O, E>>,
}

/// A pool to spawn on: a given one, or the current rayon pool.
enum Pool {
    Given(Arc<rayon::ThreadPool>),
    Current,
}

/// Starts a streaming map; nothing is pulled from `items` until the first
/// call to `next`.
///
/// The pool is the one the engine's map mode says: `Threads`, the I/O pool;
/// `Parallel`, the engine's own pool or the current one; `Sequential` (and
/// `Async`), none: each item runs on the consumer's thread when asked for.
/// The window is twice the workers: `max_workers` if set, else the pool's
/// threads.
pub fn map_iter<S, O, E, F>(engine: &Engine, items: S, run: F) -> MapIter<S, O, E, F>
where
    S: Iterator,
    S::Item: Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(S::Item) -> Result<O, E> + Send + Sync + 'static,
{
    let pool = match (engine.map_mode(), engine.custom_pool()) {
        (Mode::Threads, _) => Some(io_pool_for(engine).map_or(Pool::Current, Pool::Given)),
        (Mode::Parallel, Some(pool)) => Some(Pool::Given(Arc::clone(pool))),
        (Mode::Parallel, None) => Some(Pool::Current),
        _ => None,
    };
    let threads = match &pool {
        Some(Pool::Given(pool)) => pool.current_num_threads(),
        Some(Pool::Current) => rayon::current_num_threads(),
        None => 1,
    };
    let workers = engine.worker_limit().unwrap_or(threads);
    let (sender, receiver) = channel();
    MapIter {
        source: items.fuse(),
        run: Arc::new(run),
        pool,
        window: workers.max(1) * IN_FLIGHT_PER_WORKER,
        submitted: 0,
        yielded: 0,
        stop: engine
            .is_fail_fast()
            .then(|| Arc::new(AtomicBool::new(false))),
        ready: BTreeMap::new(),
        sender,
        receiver,
    }
}

impl<S, O, E, F> MapIter<S, O, E, F>
where
    S: Iterator,
    S::Item: Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(S::Item) -> Result<O, E> + Send + Sync + 'static,
{
    /// The most items that are pulled from the source but not yet yielded.
    pub fn window(&self) -> usize {
        self.window
    }

    fn submit(&mut self, item: S::Item) {
        let (index, run, stop) = (self.submitted, Arc::clone(&self.run), self.stop.clone());
        self.submitted += 1;
        let Some(pool) = &self.pool else {
            let outcome = run_one(index, item, &*run, stop.as_deref());
            self.ready.insert(index, outcome);
            return;
        };
        let sender = self.sender.clone();
        let task = move || {
            let outcome = run_one(index, item, &*run, stop.as_deref());
            // The consumer may have dropped the iterator: nothing to do then.
            let _ = sender.send((index, outcome));
        };
        match pool {
            Pool::Given(pool) => pool.spawn(task),
            Pool::Current => rayon::spawn(task),
        }
    }

    /// Whether more items may be pulled from the source now.
    fn may_pull(&self) -> bool {
        let window = if self.pool.is_some() { self.window } else { 1 };
        let stopped = self
            .stop
            .as_ref()
            .is_some_and(|stop| stop.load(Ordering::Relaxed));
        self.submitted - self.yielded < window && !stopped
    }

    /// Waits for one more result. On a worker thread of the pool the tasks
    /// run on, it helps run them instead of blocking the worker.
    fn receive(&mut self) {
        let outcome = if rayon::current_thread_index().is_some() {
            loop {
                match self.receiver.try_recv() {
                    Ok(outcome) => break outcome,
                    Err(TryRecvError::Empty) => {
                        if rayon::yield_now() != Some(rayon::Yield::Executed) {
                            std::thread::yield_now();
                        }
                    }
                    Err(TryRecvError::Disconnected) => unreachable!("the iterator holds a sender"),
                }
            }
        } else {
            self.receiver.recv().expect("the iterator holds a sender")
        };
        self.ready.insert(outcome.0, outcome.1);
    }
}

impl<S, O, E, F> Iterator for MapIter<S, O, E, F>
where
    S: Iterator,
    S::Item: Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(S::Item) -> Result<O, E> + Send + Sync + 'static,
{
    type Item = Result<O, MapError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            while self.may_pull() {
                match self.source.next() {
                    Some(item) => self.submit(item),
                    None => break,
                }
            }
            if let Some(result) = self.ready.remove(&self.yielded) {
                self.yielded += 1;
                return Some(result);
            }
            if self.submitted == self.yielded {
                return None;
            }
            self.receive();
        }
    }
}
