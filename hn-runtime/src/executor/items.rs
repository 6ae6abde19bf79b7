//! Runs the items of a mapped nested pipeline (`map_over`): one after
//! another, on rayon, or as concurrent futures, as the outer run does.
//!
//! Each item returns its outputs or the failed node's path and the nested
//! pipeline's error; the runners return every item's outputs in order, or
//! the failure of the first item (in input order) that failed, with its
//! index. Panics are not caught: they reach the outer run as a node's panic
//! would.

use alloc::vec::Vec;

/// What an item's failure becomes: its index, the failed node's path, the
/// error.
pub type ItemFailure<E> = (usize, &'static str, E);

/// Items `0..len` one after another, stopping at the first failure.
pub fn items_sequential<T, E>(
    len: usize,
    mut item: impl FnMut(usize) -> Result<T, (&'static str, E)>,
) -> Result<Vec<T>, ItemFailure<E>> {
    let mut outputs = Vec::with_capacity(len);
    for index in 0..len {
        match item(index) {
            Ok(output) => outputs.push(output),
            Err((path, error)) => return Err((index, path, error)),
        }
    }
    Ok(outputs)
}

/// Items `0..len` that cannot fail, one after another.
pub fn items_sequential_infallible<T>(len: usize, item: impl FnMut(usize) -> T) -> Vec<T> {
    (0..len).map(item).collect()
}

/// Items `0..len` in parallel on the current rayon pool. Every item runs;
/// the first failure in input order is returned.
#[cfg(feature = "rayon")]
pub fn items_parallel<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    items_parallel_in_pieces(len, usize::MAX, item)
}

/// [`items_parallel`] in pieces of at most `max_len` items.
#[cfg(feature = "rayon")]
fn items_parallel_in_pieces<T: Send, E: Send>(
    len: usize,
    max_len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    use rayon::prelude::*;
    let mut results: Vec<Result<T, (&'static str, E)>> = (0..len)
        .into_par_iter()
        .with_max_len(max_len)
        .map(&item)
        .collect();
    if let Some(index) = results.iter().position(Result::is_err) {
        if let Err((path, error)) = results.swap_remove(index) {
            return Err((index, path, error));
        }
    }
    // A map of known length: one allocation (or none, reusing the results'),
    // where `flatten` would grow the vector step by step.
    Ok(results
        .into_iter()
        .map(|result| match result {
            Ok(output) => output,
            Err(_) => unreachable!("no item failed"),
        })
        .collect())
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
pub fn items_blocking<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    super::asynchronous::blocking_in_place(|| on_io_threads(len, item))
}

/// The items one per thread of the I/O pool.
#[cfg(all(feature = "tokio", feature = "rayon"))]
fn on_io_threads<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    let item = &item;
    super::pools::on_io_pool(&crate::Engine::new(), move || {
        items_parallel_in_pieces(len, 1, item)
    })
}

/// Without rayon there is no I/O pool: one after another.
#[cfg(all(feature = "tokio", not(feature = "rayon")))]
fn on_io_threads<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    items_sequential(len, item)
}

/// Items `0..len` as futures of the calling task, at most `in_flight` at
/// once, stopping at the first failure (the futures still running are
/// dropped).
#[cfg(feature = "tokio")]
pub async fn items_async<T, E, F>(
    len: usize,
    in_flight: usize,
    mut item: impl FnMut(usize) -> F,
) -> Result<Vec<T>, ItemFailure<E>>
where
    F: core::future::Future<Output = Result<T, (&'static str, E)>>,
{
    use super::in_order::{in_order, Begin};
    use futures::StreamExt;
    let source = futures::stream::iter(0..len);
    let mut results = in_order(source, in_flight, |_, index| Begin::Run(item(index))).enumerate();
    let mut outputs = Vec::with_capacity(len);
    while let Some((index, result)) = results.next().await {
        match result {
            Ok(output) => outputs.push(output),
            Err((path, error)) => return Err((index, path, error)),
        }
    }
    Ok(outputs)
}
