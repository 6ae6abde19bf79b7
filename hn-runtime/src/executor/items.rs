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

/// Items `0..len` in parallel on the current rayon pool. Every item runs;
/// the first failure in input order is returned.
#[cfg(feature = "rayon")]
pub fn items_parallel<T: Send, E: Send>(
    len: usize,
    item: impl Fn(usize) -> Result<T, (&'static str, E)> + Sync,
) -> Result<Vec<T>, ItemFailure<E>> {
    use core::sync::atomic::{AtomicBool, Ordering};
    use rayon::prelude::*;
    let failed = AtomicBool::new(false);
    let results: Vec<Result<T, (&'static str, E)>> = (0..len)
        .into_par_iter()
        .map(|index| {
            let result = item(index);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            result
        })
        .collect();
    if !failed.into_inner() {
        return Ok(results.into_iter().flatten().collect());
    }
    let mut outputs = Vec::with_capacity(len);
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok(output) => outputs.push(output),
            Err((path, error)) => return Err((index, path, error)),
        }
    }
    Ok(outputs)
}

/// Items `0..len` as futures of the calling task, at most `in_flight` at
/// once, stopping at the first failure (the futures still running are
/// dropped).
#[cfg(feature = "tokio")]
pub async fn items_async<T, E, F>(
    len: usize,
    in_flight: usize,
    item: impl FnMut(usize) -> F,
) -> Result<Vec<T>, ItemFailure<E>>
where
    F: core::future::Future<Output = Result<T, (&'static str, E)>>,
{
    use futures::StreamExt;
    let mut results = futures::stream::iter(0..len)
        .map(item)
        .buffered(in_flight.max(1))
        .enumerate();
    let mut outputs = Vec::with_capacity(len);
    while let Some((index, result)) = results.next().await {
        match result {
            Ok(output) => outputs.push(output),
            Err((path, error)) => return Err((index, path, error)),
        }
    }
    Ok(outputs)
}
