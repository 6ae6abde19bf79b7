//! The parallel all-or-nothing maps and the two ways they stop (see the
//! parent module's docs).

use super::sequential;
use crate::executor::batches::{batched, Check};
use crate::executor::map::parallel::Pieces;
use crate::executor::map::{outcome, run_one, stopped};
use crate::executor::{io_runners, map};
use crate::{Engine, MapError};
use core::sync::atomic::{AtomicBool, Ordering};
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};
use std::vec::Vec;

/// How a parallel all-or-nothing map stops at a failure.
pub(crate) trait Strategy<O, E>: Check + Sized {
    /// What the parallel collect gathers per item.
    type Outcome: Send;

    /// A strategy for a new map.
    fn new() -> Self;

    /// Runs item `index`.
    fn each<I>(&self, index: usize, item: I, run: &impl Fn(I) -> Result<O, E>) -> Self::Outcome;

    /// Runs `collect` (the parallel collect of [`Strategy::each`]'s
    /// outcomes) and makes its result all or nothing.
    fn finish(
        self,
        collect: impl FnOnce(&Self) -> Vec<Self::Outcome>,
    ) -> Result<Vec<O>, MapError<E>>;
}

/// Stops the parallel collect by unwinding out of it (see the module docs).
#[cfg_attr(
    all(not(panic = "unwind"), not(test)),
    allow(dead_code, reason = "the strategy of builds whose panics unwind")
)]
pub(crate) struct Unwinding<E> {
    /// Set by the first failure: items that have not started do not.
    stop: AtomicBool,
    /// The failure of the lowest-index item that failed so far.
    lowest: Mutex<Option<MapError<E>>>,
}

/// The unwinding that stops a parallel collect; the failure itself is in
/// [`Unwinding::lowest`].
#[cfg_attr(
    all(not(panic = "unwind"), not(test)),
    allow(dead_code, reason = "the strategy of builds whose panics unwind")
)]
struct Stopped;

#[cfg_attr(
    all(not(panic = "unwind"), not(test)),
    allow(dead_code, reason = "the strategy of builds whose panics unwind")
)]
impl<E> Unwinding<E> {
    /// Keeps `failure` if it is the lowest-index one so far, stops the map
    /// and unwinds out of the item.
    #[cold]
    #[inline(never)]
    fn fail(&self, failure: MapError<E>) -> ! {
        self.stop.store(true, Ordering::Relaxed);
        let mut lowest = self.lowest.lock().unwrap_or_else(PoisonError::into_inner);
        if lowest
            .as_ref()
            .is_none_or(|kept| failure.item() < kept.item())
        {
            *lowest = Some(failure);
        }
        drop(lowest);
        std::panic::resume_unwind(std::boxed::Box::new(Stopped))
    }
}

impl<O, E: Send> Strategy<O, E> for Unwinding<E>
where
    O: Send,
{
    type Outcome = O;

    fn new() -> Self {
        Unwinding {
            stop: AtomicBool::new(false),
            lowest: Mutex::new(None),
        }
    }

    #[inline(always)]
    fn each<I>(&self, index: usize, item: I, run: &impl Fn(I) -> Result<O, E>) -> O {
        match outcome(index, catch_unwind(AssertUnwindSafe(|| run(item))), None) {
            Ok(outputs) => outputs,
            Err(failure) => self.fail(failure),
        }
    }

    fn finish(self, collect: impl FnOnce(&Self) -> Vec<O>) -> Result<Vec<O>, MapError<E>> {
        match catch_unwind(AssertUnwindSafe(|| collect(&self))) {
            Ok(outputs) => Ok(outputs),
            Err(payload) if payload.is::<Stopped>() => {
                let lowest = self.lowest.into_inner();
                Err((lowest.unwrap_or_else(PoisonError::into_inner))
                    .expect("a stopped map recorded its failure"))
            }
            // Not an item's: the items' source itself panicked.
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

impl<E: Send> Check for Unwinding<E> {
    #[inline]
    fn check(&self) {
        if self.stop.load(Ordering::Relaxed) {
            std::panic::resume_unwind(std::boxed::Box::new(Stopped))
        }
    }
}

/// Collects every item's `Result`, then keeps the outputs if all are there
/// (for `panic = "abort"`, where nothing unwinds).
#[cfg_attr(
    all(panic = "unwind", not(test)),
    allow(dead_code, reason = "the strategy of builds whose panics abort")
)]
pub(crate) struct Collecting<E> {
    stop: AtomicBool,
    /// The error type, for the strategy to be chosen by it as
    /// [`Unwinding`] is.
    errors: core::marker::PhantomData<fn() -> E>,
}

impl<O: Send, E: Send> Strategy<O, E> for Collecting<E> {
    type Outcome = Result<O, MapError<E>>;

    fn new() -> Self {
        Collecting {
            stop: AtomicBool::new(false),
            errors: core::marker::PhantomData,
        }
    }

    #[inline]
    fn each<I>(
        &self,
        index: usize,
        item: I,
        run: &impl Fn(I) -> Result<O, E>,
    ) -> Result<O, MapError<E>> {
        run_one(index, item, run, Some(&self.stop))
    }

    fn finish(
        self,
        collect: impl FnOnce(&Self) -> Vec<Result<O, MapError<E>>>,
    ) -> Result<Vec<O>, MapError<E>> {
        let results = collect(&self);
        if !stopped(Some(&self.stop)) {
            return Ok(results.into_iter().map(no_failure).collect());
        }
        // Items not run may come before the failure (another thread had
        // not reached them yet): the lowest failure is the first that ran.
        let failure = results
            .into_iter()
            .filter_map(Result::err)
            .find(|error| !matches!(error, MapError::NotRun { .. }));
        Err(failure.expect("a stopped map recorded its failure"))
    }
}

/// Each item checks for itself.
impl<E> Check for Collecting<E> {
    fn check(&self) {}
}

/// An item's outputs in a map where nothing failed.
#[cfg_attr(
    all(panic = "unwind", not(test)),
    allow(dead_code, reason = "the strategy of builds whose panics abort")
)]
fn no_failure<O, E>(result: Result<O, MapError<E>>) -> O {
    match result {
        Ok(outputs) => outputs,
        Err(_) => unreachable!("nothing failed"),
    }
}

/// How this build stops: by unwinding, unless panics abort.
#[cfg(panic = "unwind")]
pub(crate) type Chosen<E> = Unwinding<E>;
/// How this build stops: by unwinding, unless panics abort.
#[cfg(not(panic = "unwind"))]
pub(crate) type Chosen<E> = Collecting<E>;

/// `try_map_with` with a given [`Strategy`].
pub(crate) fn try_map_with_by<S, I, O, E, F>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Result<Vec<O>, MapError<E>>
where
    S: Strategy<O, E>,
    I: Send,
    O: Send,
    E: Send,
    F: Fn(I) -> Result<O, E> + Sync,
{
    match engine.map_mode() {
        crate::Mode::Parallel => {
            let items = items.into_iter().collect();
            S::new().finish(|strategy| {
                map::parallel::on_cpu(
                    engine,
                    items,
                    Each {
                        strategy,
                        run: &run,
                    },
                )
            })
        }
        crate::Mode::Threads => {
            let items = items.into_iter().collect();
            S::new().finish(|strategy| {
                io_runners::on_io(engine, items, strategy, |index, item| {
                    strategy.each(index, item, &run)
                })
            })
        }
        _ => sequential(items, &run),
    }
}

/// Runs each item as the strategy says, in batches with its check before
/// each, and collects the outcomes in order.
struct Each<'a, S, F> {
    strategy: &'a S,
    run: &'a F,
}

impl<I, O, E, S, F> Pieces<(usize, I)> for Each<'_, S, F>
where
    S: Strategy<O, E>,
    F: Fn(I) -> Result<O, E> + Sync,
{
    type Output = Vec<S::Outcome>;

    fn collect<P>(self, items: P) -> Vec<S::Outcome>
    where
        P: rayon::iter::IndexedParallelIterator<Item = (usize, I)>,
    {
        let Each { strategy, run } = self;
        batched(items, strategy)
            .map(|(index, item)| strategy.each(index, item, run))
            .collect()
    }
}

/// `try_map(items)`: any indexed parallel iterator, on the current rayon
/// pool, with rayon's own splitting.
pub fn try_map_par<P, O, E, F>(items: P, run: F) -> Result<Vec<O>, MapError<E>>
where
    P: IntoParallelIterator,
    P::Iter: IndexedParallelIterator,
    O: Send,
    E: Send,
    F: Fn(P::Item) -> Result<O, E> + Sync,
{
    try_map_par_by::<Chosen<E>, P, O, E, F>(items, run)
}

/// [`try_map_par`] with a given [`Strategy`].
pub(crate) fn try_map_par_by<S, P, O, E, F>(items: P, run: F) -> Result<Vec<O>, MapError<E>>
where
    S: Strategy<O, E>,
    P: IntoParallelIterator,
    P::Iter: IndexedParallelIterator,
    O: Send,
    E: Send,
    F: Fn(P::Item) -> Result<O, E> + Sync,
{
    S::new().finish(|strategy| {
        Pieces::collect(
            Each {
                strategy,
                run: &run,
            },
            items.into_par_iter().enumerate(),
        )
    })
}
