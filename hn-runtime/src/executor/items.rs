//! Runs the items of a mapped nested pipeline (`map_over`): one after
//! another, on rayon, or as concurrent futures, as the outer run does.
//!
//! Each item returns its outputs or the failed node's path and the nested
//! pipeline's error. A [`Gather`] takes the results in input order and
//! says what the call returns: every item's outputs or the first failure
//! ([`FirstFailure`], which also stops the items that run one at a time),
//! or the outputs of the items that succeeded and every failure
//! ([`KeepFailures`], `#[nested(failures = ..)]`). Panics are not caught:
//! they reach the outer run as a node's panic would.

use crate::NestedError;
use alloc::vec::Vec;
use core::ops::ControlFlow;

/// What an item's failure becomes: its index, the failed node's path, the
/// error.
pub type ItemFailure<E> = (usize, &'static str, E);

/// One item's result: its outputs, or the failed node's path and the
/// error.
pub type ItemResult<T, E> = Result<T, (&'static str, E)>;

/// Takes the items' results in input order.
pub trait Gather<T, E> {
    /// What the call of the mapped nested pipeline returns.
    type Output;
    /// Takes item `index`'s result; `Break` stops the items that have not
    /// started.
    fn take(&mut self, index: usize, result: ItemResult<T, E>) -> ControlFlow<()>;
    /// The call's value once the items have run.
    fn finish(self) -> Self::Output;
}

/// Every item's outputs, or the first failure in input order.
pub struct FirstFailure<T, E> {
    outputs: Vec<T>,
    failure: Option<ItemFailure<E>>,
}

impl<T, E> FirstFailure<T, E> {
    /// For `len` items.
    pub fn new(len: usize) -> Self {
        FirstFailure {
            outputs: Vec::with_capacity(len),
            failure: None,
        }
    }
}

impl<T, E> Gather<T, E> for FirstFailure<T, E> {
    type Output = Result<Vec<T>, ItemFailure<E>>;

    fn take(&mut self, index: usize, result: ItemResult<T, E>) -> ControlFlow<()> {
        match result {
            Ok(output) => {
                self.outputs.push(output);
                ControlFlow::Continue(())
            }
            Err((path, error)) => {
                self.failure = Some((index, path, error));
                ControlFlow::Break(())
            }
        }
    }

    fn finish(self) -> Self::Output {
        match self.failure {
            Some(failure) => Err(failure),
            None => Ok(self.outputs),
        }
    }
}

/// The outputs of the items that succeeded, in input order, and every
/// failure as the nested pipeline's [`NestedError`] naming its item.
pub struct KeepFailures<T, E> {
    entry: &'static str,
    outputs: Vec<T>,
    failures: Vec<NestedError<E>>,
}

impl<T, E> KeepFailures<T, E> {
    /// For `len` items of the nested pipeline named `entry`.
    pub fn new(entry: &'static str, len: usize) -> Self {
        KeepFailures {
            entry,
            outputs: Vec::with_capacity(len),
            failures: Vec::new(),
        }
    }
}

impl<T, E> Gather<T, E> for KeepFailures<T, E> {
    type Output = (Vec<T>, Vec<NestedError<E>>);

    fn take(&mut self, index: usize, result: ItemResult<T, E>) -> ControlFlow<()> {
        match result {
            Ok(output) => self.outputs.push(output),
            Err((path, error)) => self.failures.push(NestedError::Failed {
                entry: self.entry,
                item: Some(index),
                path,
                error,
            }),
        }
        ControlFlow::Continue(())
    }

    fn finish(self) -> Self::Output {
        (self.outputs, self.failures)
    }
}

/// Feeds results already computed (all items ran) to `gather`.
#[cfg(any(feature = "rayon", feature = "tokio"))]
fn gather_all<T, E, G: Gather<T, E>>(
    mut gather: G,
    results: impl IntoIterator<Item = ItemResult<T, E>>,
) -> G::Output {
    for (index, result) in results.into_iter().enumerate() {
        if gather.take(index, result).is_break() {
            break;
        }
    }
    gather.finish()
}

/// Items `0..len` one after another, until `gather` says stop.
pub fn items_sequential<T, E, G: Gather<T, E>>(
    mut gather: G,
    len: usize,
    mut item: impl FnMut(usize) -> ItemResult<T, E>,
) -> G::Output {
    for index in 0..len {
        if gather.take(index, item(index)).is_break() {
            break;
        }
    }
    gather.finish()
}

/// Items `0..len` that cannot fail, one after another.
pub fn items_sequential_infallible<T>(len: usize, item: impl FnMut(usize) -> T) -> Vec<T> {
    (0..len).map(item).collect()
}

/// Items `0..len` in parallel on the current rayon pool. Every item runs;
/// `gather` takes the results in input order.
#[cfg(feature = "rayon")]
pub fn items_parallel<T: Send, E: Send, G: Gather<T, E>>(
    gather: G,
    len: usize,
    item: impl Fn(usize) -> ItemResult<T, E> + Sync,
) -> G::Output {
    gather_all(gather, results_parallel(len, usize::MAX, item))
}

/// Every item's result, computed on rayon in pieces of at most `max_len`
/// items.
#[cfg(feature = "rayon")]
fn results_parallel<T: Send, E: Send>(
    len: usize,
    max_len: usize,
    item: impl Fn(usize) -> ItemResult<T, E> + Sync,
) -> Vec<ItemResult<T, E>> {
    use rayon::prelude::*;
    (0..len)
        .into_par_iter()
        .with_max_len(max_len)
        .map(&item)
        .collect()
}

/// Items `0..len` that cannot fail, in parallel on the current rayon pool:
/// a plain indexed `collect`, as a hand-written loop would do.
#[cfg(feature = "rayon")]
pub fn items_parallel_infallible<T: Send>(len: usize, item: impl Fn(usize) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    (0..len).into_par_iter().map(&item).collect()
}

/// Items `0..len` whose nodes block (`#[node(blocking)]`, no `async fn`),
/// in an async run: on the pool of threads sized for I/O, one item per
/// thread, the calling worker handing its other tasks over meanwhile
/// (`block_in_place`). Without the `rayon` feature, one after another.
#[cfg(feature = "tokio")]
pub fn items_blocking<T: Send, E: Send, G: Gather<T, E>>(
    gather: G,
    len: usize,
    item: impl Fn(usize) -> ItemResult<T, E> + Sync,
) -> G::Output {
    gather_all(
        gather,
        super::asynchronous::blocking_in_place(|| on_io_threads(len, item)),
    )
}

/// Every item's result, one item per thread of the I/O pool.
#[cfg(all(feature = "tokio", feature = "rayon"))]
fn on_io_threads<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> ItemResult<T, E> + Sync,
) -> Vec<ItemResult<T, E>> {
    let item = &item;
    super::pools::on_io_pool(&crate::Engine::new(), move || {
        results_parallel(len, 1, item)
    })
}

/// Without rayon there is no I/O pool: one after another.
#[cfg(all(feature = "tokio", not(feature = "rayon")))]
fn on_io_threads<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> ItemResult<T, E> + Sync,
) -> Vec<ItemResult<T, E>> {
    (0..len).map(item).collect()
}

/// Items `0..len` as futures of the calling task, at most `in_flight` at
/// once, until `gather` says stop (the futures still running are then
/// dropped).
#[cfg(feature = "tokio")]
pub async fn items_async<T, E, F, G: Gather<T, E>>(
    mut gather: G,
    len: usize,
    in_flight: usize,
    mut item: impl FnMut(usize) -> F,
) -> G::Output
where
    F: core::future::Future<Output = ItemResult<T, E>>,
{
    use super::in_order::{in_order, Begin};
    use futures::StreamExt;
    let source = futures::stream::iter(0..len);
    let mut results = in_order(source, in_flight, |_, index| Begin::Run(item(index))).enumerate();
    while let Some((index, result)) = results.next().await {
        if gather.take(index, result).is_break() {
            break;
        }
    }
    gather.finish()
}
