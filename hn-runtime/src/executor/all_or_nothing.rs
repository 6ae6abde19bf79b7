//! All-or-nothing maps (`try_map`): every item's outputs, or the failure of
//! the lowest-index item that failed. After the first failure or panic no
//! new item starts.
//!
//! The outputs are collected as bare values, in place, as
//! `par_iter().map(f).collect::<Vec<_>>()` does: the only way to stop
//! rayon's in-place collect early is to unwind out of it. So a failing item
//! records its failure, raises the flag that keeps new items from starting,
//! and unwinds with `Stopped` (through `resume_unwind`, which runs no
//! panic hook and prints nothing); the other workers check the flag before
//! each batch of items (`batches::batched`: one item, or as many as take about
//! 50 µs) and unwind too. rayon drops whatever was collected, the unwinding
//! reaches `Unwinding::finish`, which returns the recorded failure. A
//! panic of a node is caught per item first, so it becomes that item's
//! `MapError::Panicked` like any failure.
//!
//! Where panics abort the process (`panic = "abort"`) nothing can unwind:
//! `Collecting` then collects each item's `Result` (items after the first
//! failure are not run) and keeps the outputs if all are there.

use super::map::run_one;
use crate::{Engine, MapError};
use std::vec::Vec;

#[cfg(feature = "rayon")]
mod strategies;
#[cfg(feature = "rayon")]
pub use strategies::try_map_par;

/// `try_map_with`: all or nothing, as the engine's map mode says. Items are
/// gathered into a `Vec` for the parallel modes, as in `map_with`. Without
/// the `rayon` feature, every mode runs like `Sequential`.
pub fn try_map_with<I, O, E, F>(
    engine: &Engine,
    items: impl IntoIterator<Item = I>,
    run: F,
) -> Result<Vec<O>, MapError<E>>
where
    I: Send,
    O: Send,
    E: Send,
    F: Fn(I) -> Result<O, E> + Sync,
{
    #[cfg(feature = "rayon")]
    return strategies::try_map_with_by::<strategies::Chosen<E>, I, O, E, F>(engine, items, run);
    #[cfg(not(feature = "rayon"))]
    return {
        let _ = engine;
        sequential(items, &run)
    };
}

/// One item after another, stopping at the first failure.
fn sequential<I, O, E>(
    items: impl IntoIterator<Item = I>,
    run: &impl Fn(I) -> Result<O, E>,
) -> Result<Vec<O>, MapError<E>> {
    (items.into_iter().enumerate())
        .map(|(index, item)| run_one(index, item, run, None))
        .collect()
}

#[cfg(all(test, feature = "rayon"))]
mod test;
