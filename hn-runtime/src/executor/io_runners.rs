//! Blocking items (`Mode::Threads`) on the I/O pool: one runner per thread
//! (or per item, if there are fewer), each taking the next items from a
//! shared queue until it is empty.
//!
//! Why not a rayon parallel iterator, as on the CPU pool: blocking items
//! need every thread of the pool awake at once, and a parallel iterator
//! wakes them by splitting the items in halves, each half stolen by a
//! thread that wakes up and splits it again, so the last thread starts
//! about `log2(threads)` wake-ups after the first. Here the first runner
//! spawns all the others at once; 100 items of 10 ms on 100 threads took
//! 12.5 ms with the parallel iterator, 11.7 ms with runners (see
//! `benches/README.md`). Taking items from a queue also balances items of
//! uneven length.
//!
//! A runner takes one item at a time while items are slow, and more while
//! they are fast (as many as take [`BATCH_TIME`] at the pace of its last
//! batch, as in [`batches`](super::batches)), but never more than
//! `left / (2 × runners)` (guided scheduling), so that cheap items do not
//! take a lock each and no runner is left with a long tail at the end.
//! Before each item it runs the map's [`Check`]. Results go back to input
//! order at the end.

use super::batches::next_batch;
use super::batches::Check;
#[cfg(doc)]
use super::batches::BATCH_TIME;
use super::pools::on_io_pool;
use crate::Engine;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;
use std::vec::{IntoIter, Vec};

/// The items not taken yet.
struct Queue<I> {
    items: core::iter::Enumerate<IntoIter<I>>,
    /// How many runners share the queue.
    runners: usize,
}

impl<I> Queue<I> {
    /// Moves the next `batch` items, or fewer, into `taken`; `false` when
    /// none is left.
    fn take(queue: &Mutex<Self>, batch: usize, taken: &mut Vec<(usize, I)>) -> bool {
        let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
        let share = queue.items.len().div_ceil(2 * queue.runners).min(batch);
        taken.extend(queue.items.by_ref().take(share));
        !taken.is_empty()
    }
}

/// Runs `each(index, item)` for every item on the engine's I/O pool, with
/// `check` before each; results in input order.
pub(crate) fn on_io<I: Send, R: Send>(
    engine: &Engine,
    items: Vec<I>,
    check: &impl Check,
    each: impl Fn(usize, I) -> R + Sync,
) -> Vec<R> {
    let len = items.len();
    if len == 0 {
        return Vec::new();
    }
    on_io_pool(engine, || {
        let runners = rayon::current_num_threads().min(len);
        let queue = Mutex::new(Queue {
            items: items.into_iter().enumerate(),
            runners,
        });
        let done = Mutex::new(Vec::with_capacity(runners));
        let run = || {
            let (mut taken, mut outputs, mut batch) = (Vec::new(), Vec::new(), 1);
            while Queue::take(&queue, batch, &mut taken) {
                let start = Instant::now();
                for (index, item) in taken.drain(..) {
                    check.check();
                    outputs.push((index, each(index, item)));
                }
                batch = next_batch(batch, start.elapsed());
            }
            (done.lock().unwrap_or_else(PoisonError::into_inner)).push(outputs);
        };
        rayon::scope(|scope| {
            for _ in 0..runners {
                scope.spawn(|_| run());
            }
        });
        in_order(done.into_inner().unwrap_or_else(PoisonError::into_inner))
    })
}

/// The runners' outputs in input order. Each runner's outputs are runs in
/// order already, which a stable sort merges in about linear time.
fn in_order<R>(done: Vec<Vec<(usize, R)>>) -> Vec<R> {
    let mut all: Vec<(usize, R)> = done.into_iter().flatten().collect();
    all.sort_by_key(|(index, _)| *index);
    all.into_iter().map(|(_, output)| output).collect()
}

#[cfg(test)]
mod test {
    use super::on_io;
    use crate::executor::batches::Counting;
    use crate::Engine;
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    use std::vec::Vec;

    #[test]
    fn every_item_once_in_order_with_a_check_each() {
        for len in [0, 1, 7, 100, 10_000] {
            let check = Counting::default();
            let engine = Engine::new().max_workers(8);
            let outputs = on_io(&engine, (0..len).collect(), &check, |index, item: usize| {
                assert_eq!(index, item);
                item * 2
            });
            assert_eq!(outputs, (0..len).map(|x| x * 2).collect::<Vec<_>>());
            assert_eq!(check.count(), len);
        }
    }

    #[test]
    fn as_many_blocking_items_as_threads_overlap() {
        let check = Counting::default();
        let engine = Engine::new().max_workers(32);
        let threads = Mutex::new(HashSet::new());
        let start = Instant::now();
        on_io(&engine, (0..32).collect(), &check, |_, item: u32| {
            threads.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(Duration::from_millis(50));
            item
        });
        // One after another they would take 1.6 s.
        let took = start.elapsed();
        assert!(took < Duration::from_millis(800), "{took:?}");
        assert_eq!(threads.into_inner().unwrap().len(), 32);
    }

    #[test]
    fn uneven_items_are_balanced() {
        // 4 threads, one item of 400 ms first, then 40 of 10 ms: slow items
        // are taken one at a time, so the runners that are not stuck on the
        // long one take the rest: about 400 ms, not the 400 + 100 ms of a
        // split into four equal pieces.
        let check = Counting::default();
        let engine = Engine::new().max_workers(4);
        let start = Instant::now();
        on_io(&engine, (0..41).collect(), &check, |index, _: u32| {
            let ms = if index == 0 { 400 } else { 10 };
            std::thread::sleep(Duration::from_millis(ms));
        });
        let took = start.elapsed();
        assert!(took < Duration::from_millis(480), "{took:?}");
    }
}
