//! `map_iter`: a streaming, ordered map over any iterator, with a bounded
//! number of items in flight.
//!
//! The source is pulled on the consumer's thread, and only while fewer than
//! `window` items are running or waiting to be yielded; so a fast source
//! waits for a slow pipeline (backpressure) and memory stays flat however
//! long the source is. Results are yielded in input order.

use crate::executor::pools::{cpus, io_pool_for};
use crate::{Engine, MapError, Mode};
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
    pool: Option<Arc<rayon::ThreadPool>>,
    window: usize,
    submitted: usize,
    yielded: usize,
    ready: BTreeMap<usize, Result<O, MapError<E>>>,
    sender: Sender<Outcome<O, E>>,
    receiver: Receiver<Outcome<O, E>>,
}

/// Starts a streaming map; nothing is pulled from `items` until the first
/// call to `next`.
pub fn map_iter<S, O, E, F>(engine: &Engine, items: S, run: F) -> MapIter<S, O, E, F>
where
    S: Iterator,
    S::Item: Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
    F: Fn(S::Item) -> Result<O, E> + Send + Sync + 'static,
{
    let pool = match (engine.custom_pool(), engine.map_mode()) {
        (Some(pool), _) => Some(Arc::clone(pool)),
        (None, Mode::Threads) => io_pool_for(engine),
        (None, _) => None,
    };
    let workers = engine.worker_limit().unwrap_or_else(|| match &pool {
        Some(pool) => pool.current_num_threads(),
        None => rayon::current_num_threads().max(cpus().min(rayon::current_num_threads())),
    });
    let (sender, receiver) = channel();
    MapIter {
        source: items.fuse(),
        run: Arc::new(run),
        pool,
        window: workers.max(1) * IN_FLIGHT_PER_WORKER,
        submitted: 0,
        yielded: 0,
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
        let (index, run, sender) = (self.submitted, Arc::clone(&self.run), self.sender.clone());
        let task = move || {
            let outcome = super::map::run_one(index, item, &*run, None);
            // The consumer may have dropped the iterator: nothing to do then.
            let _ = sender.send((index, outcome));
        };
        match &self.pool {
            Some(pool) => pool.spawn(task),
            None => rayon::spawn(task),
        }
        self.submitted += 1;
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
            while self.submitted - self.yielded < self.window {
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
