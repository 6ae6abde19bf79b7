//! Maps a pipeline over items: every item's outcome is kept, in input order.

use crate::callback::counts::Tally;
use crate::callback::MapEvents;
use crate::observe::describe_panic;
use crate::{Engine, MapError};
use core::sync::atomic::{AtomicBool, Ordering};
use std::boxed::Box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::vec::Vec;

/// Runs one item, turning its error or panic into a [`MapError`]. With
/// `stop`, an item that finds it set does not run, and a failing item sets it.
#[inline(always)]
pub(crate) fn run_one<I, O, E>(
    index: usize,
    item: I,
    run: &impl Fn(I) -> Result<O, E>,
    stop: Option<&AtomicBool>,
) -> Result<O, MapError<E>> {
    if stopped(stop) {
        return Err(MapError::NotRun { item: index });
    }
    outcome(index, catch_unwind(AssertUnwindSafe(|| run(item))), stop)
}

/// Whether a fail-fast map has seen a failure.
#[inline]
pub(crate) fn stopped(stop: Option<&AtomicBool>) -> bool {
    stop.is_some_and(|stop| stop.load(Ordering::Relaxed))
}

/// What one item's run (caught with `catch_unwind`) becomes in the map's
/// results; a failure sets `stop`.
///
/// Always inlined, with the failures out of line: the loop of a map of
/// trivial items then compiles to what a hand-written loop does (and in
/// some crates LLVM would not inline the whole of it).
#[inline(always)]
pub(crate) fn outcome<O, E>(
    index: usize,
    caught: std::thread::Result<Result<O, E>>,
    stop: Option<&AtomicBool>,
) -> Result<O, MapError<E>> {
    match caught {
        Ok(Ok(outputs)) => Ok(outputs),
        Ok(Err(error)) => Err(failed(index, error, stop)),
        Err(payload) => Err(panicked(index, payload, stop)),
    }
}

/// An item's error, which stops a fail-fast map.
#[cold]
fn failed<E>(index: usize, error: E, stop: Option<&AtomicBool>) -> MapError<E> {
    set(stop);
    MapError::Failed { item: index, error }
}

/// An item's panic, which stops a fail-fast map.
#[cold]
#[inline(never)]
fn panicked<E>(
    index: usize,
    payload: Box<dyn core::any::Any + Send>,
    stop: Option<&AtomicBool>,
) -> MapError<E> {
    set(stop);
    MapError::Panicked(Box::new(describe_panic(index, &*payload)))
}

/// Raises a fail-fast map's flag.
fn set(stop: Option<&AtomicBool>) {
    if let Some(stop) = stop {
        stop.store(true, Ordering::Relaxed);
    }
}

/// Maps with an explicit engine. Items are gathered into a `Vec` for the
/// parallel modes (a `Vec` is reused as it is), so that they can be split
/// into the partitions the engine asks for.
///
/// `Mode::Async` is for the async map; here it runs like `Sequential`.
/// Without the `rayon` feature, every mode runs like `Sequential`.
pub fn map_with<I, O, E, F>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Vec<Result<O, MapError<E>>>
where
    I: Send,
    O: Send,
    E: Send,
    F: Fn(I) -> Result<O, E> + Sync,
{
    map_with_indexed(engine, items, move |_, item| run(item))
}

/// [`map_with`], with each item's index handed to `run`: the items need no
/// `enumerate` (which would copy them into a new `Vec` of pairs).
pub fn map_with_indexed<I, O, E, F>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Vec<Result<O, MapError<E>>>
where
    I: Send,
    O: Send,
    E: Send,
    F: Fn(usize, I) -> Result<O, E> + Sync,
{
    let stop = AtomicBool::new(false);
    let stop = engine.is_fail_fast().then_some(&stop);
    let each = |(index, item)| run_one(index, item, &|item| run(index, item), stop);
    match engine.map_mode() {
        #[cfg(feature = "rayon")]
        crate::Mode::Parallel => {
            let items = items.into_iter().collect();
            // Without fail-fast, a loop with no flag to look at per item
            // (6 of 21 instructions per trivial item otherwise).
            match stop {
                Some(_) => parallel::on_cpu(engine, items, parallel::Each(each)),
                None => parallel::on_cpu(
                    engine,
                    items,
                    parallel::Each(|(index, item)| {
                        run_one(index, item, &|item| run(index, item), None)
                    }),
                ),
            }
        }
        #[cfg(feature = "rayon")]
        crate::Mode::Threads => super::io_runners::on_io(
            engine,
            items.into_iter().collect(),
            &super::batches::Unchecked,
            |index, item| each((index, item)),
        ),
        _ => items.into_iter().enumerate().map(each).collect(),
    }
}

/// [`map_with_indexed`] for a map whose callbacks all want only counts
/// ([`MapEvents::counts_only`]): the items run as without callbacks, in
/// batches whose lengths are counted (see `counts::Batches`); an item that
/// fails or panics counts itself as failed, out of line, and one that a
/// fail-fast map did not run, as not run.
pub fn map_with_counted<I, O, E, F>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    events: &MapEvents,
    run: F,
) -> Vec<Result<O, MapError<E>>>
where
    I: Send,
    O: Send,
    E: Send,
    F: Fn(usize, I) -> Result<O, E> + Sync,
{
    let Some(tally) = events.tally() else {
        return map_with_indexed(engine, items, run);
    };
    let stop = AtomicBool::new(false);
    let stop = engine.is_fail_fast().then_some(&stop);
    let each = |(index, item)| counted(run_one(index, item, &|item| run(index, item), stop), tally);
    match engine.map_mode() {
        #[cfg(feature = "rayon")]
        crate::Mode::Parallel => {
            let items = items.into_iter().collect();
            // Without fail-fast, a loop with no flag to look at per item.
            match stop {
                Some(_) => parallel::on_cpu(engine, items, parallel::Counted(tally, each)),
                None => parallel::on_cpu(
                    engine,
                    items,
                    parallel::Counted(tally, |(index, item)| {
                        counted(run_one(index, item, &|item| run(index, item), None), tally)
                    }),
                ),
            }
        }
        // The I/O pool's runners take items one by one from a queue, with
        // no loop of their own: each item is counted in its thread's slot.
        #[cfg(feature = "rayon")]
        crate::Mode::Threads => super::io_runners::on_io(
            engine,
            items.into_iter().collect(),
            &super::batches::Unchecked,
            |index, item| {
                let result = run_one(index, item, &|item| run(index, item), stop);
                if let Some(ok) = ran_ok(&result) {
                    tally.count(ok);
                }
                result
            },
        ),
        _ => {
            let (mut items, mut batches) = (items.into_iter().enumerate(), tally.batches());
            let mut results = Vec::with_capacity(items.size_hint().0);
            loop {
                let before = results.len();
                results.extend(items.by_ref().take(batches.next_len()).map(each));
                match results.len() - before {
                    0 => return results,
                    len => batches.ended(len),
                }
            }
        }
    }
}

/// An item's result, counted if it failed or was not run (see
/// [`map_with_counted`]).
#[inline(always)]
fn counted<O, E>(result: Result<O, MapError<E>>, tally: &Tally) -> Result<O, MapError<E>> {
    match &result {
        Ok(_) => {}
        Err(MapError::NotRun { .. }) => tally.not_run(),
        Err(_) => tally.failed(),
    }
    result
}

/// Whether an item that ran succeeded; `None` if a fail-fast map did not
/// run it.
#[cfg(feature = "rayon")]
#[inline(always)]
fn ran_ok<O, E>(result: &Result<O, MapError<E>>) -> Option<bool> {
    match result {
        Ok(_) => Some(true),
        Err(MapError::NotRun { .. }) => None,
        Err(_) => Some(false),
    }
}

#[cfg(feature = "rayon")]
pub use parallel::map_par;

#[cfg(feature = "rayon")]
pub(crate) mod parallel {
    use super::run_one;
    use crate::callback::counts::Tally;
    use crate::executor::pools::on_cpu_pool;
    use crate::{Engine, MapError};
    use core::sync::atomic::{AtomicBool, Ordering};
    use rayon::prelude::*;
    use std::vec::Vec;

    /// What a parallel map does with its items, with their indices, once
    /// they are split into the pieces the engine asks for.
    pub(crate) trait Pieces<T>: Send {
        /// What the map returns.
        type Output: Send;

        /// Maps and collects the items.
        fn collect<P: IndexedParallelIterator<Item = T>>(self, items: P) -> Self::Output;
    }

    /// Maps each item with the function and collects the results in order.
    pub(crate) struct Each<F>(pub F);

    impl<T, R: Send, F: Fn(T) -> R + Sync + Send> Pieces<T> for Each<F> {
        type Output = Vec<R>;

        fn collect<P: IndexedParallelIterator<Item = T>>(self, items: P) -> Vec<R> {
            items.map(self.0).collect()
        }
    }

    /// Maps each item with the function, the items counted a batch at a
    /// time by the tally, and collects the results in order.
    pub(crate) struct Counted<'t, F>(pub &'t Tally, pub F);

    impl<T, R: Send, F: Fn(T) -> R + Sync + Send> Pieces<T> for Counted<'_, F> {
        type Output = Vec<R>;

        fn collect<P: IndexedParallelIterator<Item = T>>(self, items: P) -> Vec<R> {
            crate::executor::counted::counted(items, self.0)
                .map(self.1)
                .collect()
        }
    }

    /// The items with their indices on the CPU pool, in as many partitions
    /// as the engine asks for.
    pub(crate) fn on_cpu<I: Send, M: Pieces<(usize, I)>>(
        engine: &Engine,
        items: Vec<I>,
        pieces: M,
    ) -> M::Output {
        on_cpu_pool(engine, || {
            let partitions = engine.partitions_for(items.len(), rayon::current_num_threads());
            // Pieces of at least `items / partitions` (rounded down, so that
            // there can be `partitions` of them); rayon balances the rest.
            let min_len = (items.len() / partitions).max(1);
            pieces.collect(items.into_par_iter().with_min_len(min_len).enumerate())
        })
    }

    /// `map(items)`: any parallel iterator, on the current rayon pool, with
    /// rayon's own splitting. Results keep the input order (rayon's `collect`
    /// does); item indices are filled in afterwards, and only if something
    /// failed.
    pub fn map_par<P, O, E, F>(items: P, run: F) -> Vec<Result<O, MapError<E>>>
    where
        P: IntoParallelIterator,
        O: Send,
        E: Send,
        F: Fn(P::Item) -> Result<O, E> + Sync,
    {
        let failed = AtomicBool::new(false);
        let mut results: Vec<Result<O, MapError<E>>> = (items.into_par_iter())
            .map(|item| {
                let result = run_one(0, item, &run, None);
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                result
            })
            .collect();
        if failed.into_inner() {
            for (index, result) in results.iter_mut().enumerate() {
                if let Err(error) = result {
                    error.set_item(index);
                }
            }
        }
        results
    }
}
