//! A rayon adapter that runs each piece of a parallel iterator in batches,
//! with a check before each batch: how an all-or-nothing map stops
//! starting items after a failure without a check per item.
//!
//! A check per item (a load of the map's flag) costs little next to a real
//! node, but it keeps the compiler from turning a loop of trivial items into
//! vector instructions, which the hand-written loop gets: a map of a million
//! `x * 3 + 1` items took 4.5× the hand-written time with one. So each
//! worker checks before a batch of items, and the batch is sized by the
//! time it takes: it doubles while a batch takes less than [`BATCH_TIME`]
//! and halves while it takes more, starting from one item. Items that take
//! longer than that are checked one by one; after a failure, another worker
//! starts items for at most about [`BATCH_TIME`].

pub use super::all_or_nothing::Check;
use rayon::iter::plumbing::{
    bridge, Consumer, Folder, Producer, ProducerCallback, UnindexedConsumer,
};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};
use std::time::{Duration, Instant};

/// How long a batch should take, at most: how long other workers may go on
/// starting items after a failure.
pub const BATCH_TIME: Duration = Duration::from_micros(20);

/// `base` in batches, with `check` before each (see the module docs).
pub struct Batched<'a, I, C> {
    base: I,
    check: &'a C,
}

impl<'a, I, C> Batched<'a, I, C> {
    /// Wraps `base`.
    pub fn new(base: I, check: &'a C) -> Self {
        Batched { base, check }
    }
}

impl<I: IndexedParallelIterator, C: Check> ParallelIterator for Batched<'_, I, C> {
    type Item = I::Item;

    fn drive_unindexed<D: UnindexedConsumer<I::Item>>(self, consumer: D) -> D::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.base.len())
    }
}

impl<I: IndexedParallelIterator, C: Check> IndexedParallelIterator for Batched<'_, I, C> {
    fn drive<D: Consumer<I::Item>>(self, consumer: D) -> D::Result {
        bridge(self, consumer)
    }

    fn len(&self) -> usize {
        self.base.len()
    }

    fn with_producer<CB: ProducerCallback<I::Item>>(self, callback: CB) -> CB::Output {
        let len = self.base.len();
        self.base.with_producer(Callback {
            callback,
            check: self.check,
            len,
        })
    }
}

/// Wraps the base iterator's producer.
struct Callback<'a, CB, C> {
    callback: CB,
    check: &'a C,
    len: usize,
}

impl<T, CB: ProducerCallback<T>, C: Check> ProducerCallback<T> for Callback<'_, CB, C> {
    type Output = CB::Output;

    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(BatchedProducer {
            base,
            check: self.check,
            len: self.len,
        })
    }
}

/// A piece of the items, folded in batches.
struct BatchedProducer<'a, P, C> {
    base: P,
    check: &'a C,
    /// The number of items of `base` (a producer does not tell).
    len: usize,
}

impl<P: Producer, C: Check> Producer for BatchedProducer<'_, P, C> {
    type Item = P::Item;
    type IntoIter = P::IntoIter;

    fn into_iter(self) -> P::IntoIter {
        self.check.check();
        self.base.into_iter()
    }

    fn min_len(&self) -> usize {
        self.base.min_len()
    }

    fn max_len(&self) -> usize {
        self.base.max_len()
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.base.split_at(index);
        let (check, len) = (self.check, self.len);
        (
            BatchedProducer {
                base: left,
                check,
                len: index,
            },
            BatchedProducer {
                base: right,
                check,
                len: len - index,
            },
        )
    }

    fn fold_with<F: Folder<P::Item>>(self, mut folder: F) -> F {
        let (mut rest, mut len, mut batch) = (self.base, self.len, 1);
        loop {
            self.check.check();
            if len <= batch {
                return rest.fold_with(folder);
            }
            let (head, tail) = rest.split_at(batch);
            let start = Instant::now();
            folder = head.fold_with(folder);
            if folder.full() {
                return folder;
            }
            (rest, len) = (tail, len - batch);
            batch = next_batch(batch, start.elapsed());
        }
    }
}

/// The next batch's length after one of `batch` items took `took`.
pub(crate) fn next_batch(batch: usize, took: Duration) -> usize {
    if took < BATCH_TIME / 16 {
        // Far too short: trivial items reach their length in a few steps.
        batch.saturating_mul(8)
    } else if took < BATCH_TIME / 2 {
        batch.saturating_mul(2)
    } else if took > BATCH_TIME {
        (batch / 2).max(1)
    } else {
        batch
    }
}

#[cfg(test)]
mod test {
    use super::{next_batch, Batched, Check, BATCH_TIME};
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use std::vec::Vec;

    /// Counts the checks.
    struct Counting(AtomicUsize);

    impl Check for Counting {
        fn check(&self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn batches_grow_while_fast_and_shrink_while_slow() {
        assert_eq!(next_batch(1, Duration::ZERO), 8);
        assert_eq!(next_batch(64, BATCH_TIME / 32), 512);
        assert_eq!(next_batch(64, BATCH_TIME / 4), 128);
        assert_eq!(next_batch(64, BATCH_TIME * 3 / 4), 64);
        assert_eq!(next_batch(64, BATCH_TIME * 2), 32);
        assert_eq!(next_batch(1, BATCH_TIME * 2), 1);
        assert_eq!(next_batch(usize::MAX, Duration::ZERO), usize::MAX);
    }

    #[test]
    fn every_item_once_in_order_with_few_checks_for_fast_items() {
        let check = Counting(AtomicUsize::new(0));
        let items: Vec<usize> = Batched::new((0..100_000usize).into_par_iter(), &check)
            .map(|x| x * 2)
            .collect();
        assert_eq!(items, (0..100_000).map(|x| x * 2).collect::<Vec<_>>());
        let checks = check.0.into_inner();
        assert!(checks < 2_000, "{checks} checks for 100 000 fast items");
    }

    #[test]
    fn slow_items_are_checked_one_by_one() {
        let check = Counting(AtomicUsize::new(0));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let sum: usize = pool.install(|| {
            Batched::new((0..20usize).into_par_iter(), &check)
                .map(|x| {
                    std::thread::sleep(BATCH_TIME * 2);
                    x
                })
                .sum()
        });
        assert_eq!(sum, 190);
        // One check per item (before it), and one more when a piece
        // ends exactly at a batch.
        let checks = check.0.into_inner();
        assert!(
            (20..=22).contains(&checks),
            "{checks} checks for 20 slow items"
        );
    }
}
