//! A rayon adapter that counts the items of a parallel map a batch at a
//! time, for the callbacks that want only counts: each piece is folded in
//! batches of 1, 2, 4, ... up to 1024 items, and a batch that ends counts
//! its length ([`Batches`]), so an item costs nothing more than without
//! callbacks. The failures are counted by the items themselves (out of
//! line: [`Tally::failed`]).

use crate::callback::counts::{Batches, Tally};
use rayon::iter::plumbing::{
    bridge, Consumer, Folder, Producer, ProducerCallback, UnindexedConsumer,
};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};

/// `base`, its items counted by `tally` (see the module docs).
pub(crate) struct Counted<'a, I> {
    base: I,
    tally: &'a Tally,
}

impl<'a, I> Counted<'a, I> {
    /// Wraps `base`.
    pub(crate) fn new(base: I, tally: &'a Tally) -> Self {
        Counted { base, tally }
    }
}

impl<I: IndexedParallelIterator> ParallelIterator for Counted<'_, I> {
    type Item = I::Item;

    fn drive_unindexed<D: UnindexedConsumer<I::Item>>(self, consumer: D) -> D::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.base.len())
    }
}

impl<I: IndexedParallelIterator> IndexedParallelIterator for Counted<'_, I> {
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
            tally: self.tally,
            len,
        })
    }
}

/// Wraps the base iterator's producer.
struct Callback<'a, CB> {
    callback: CB,
    tally: &'a Tally,
    len: usize,
}

impl<T, CB: ProducerCallback<T>> ProducerCallback<T> for Callback<'_, CB> {
    type Output = CB::Output;

    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(CountedProducer {
            base,
            tally: self.tally,
            len: self.len,
        })
    }
}

/// A piece of the items, folded in counted batches.
struct CountedProducer<'a, P> {
    base: P,
    tally: &'a Tally,
    /// The number of items of `base` (a producer does not tell).
    len: usize,
}

impl<'a, P: Producer> Producer for CountedProducer<'a, P> {
    type Item = P::Item;
    type IntoIter = CountedIter<'a, P::IntoIter>;

    /// Items taken one by one (by an adapter around this one that does not
    /// fold): counted one by one, reported when the iterator is dropped.
    fn into_iter(self) -> Self::IntoIter {
        CountedIter {
            base: self.base.into_iter(),
            batches: self.tally.batches(),
        }
    }

    fn min_len(&self) -> usize {
        self.base.min_len()
    }

    fn max_len(&self) -> usize {
        self.base.max_len()
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.base.split_at(index);
        let (tally, len) = (self.tally, self.len);
        (
            CountedProducer {
                base: left,
                tally,
                len: index,
            },
            CountedProducer {
                base: right,
                tally,
                len: len - index,
            },
        )
    }

    fn fold_with<F: Folder<P::Item>>(self, mut folder: F) -> F {
        let (mut rest, mut len, mut batches) = (self.base, self.len, self.tally.batches());
        loop {
            let batch = batches.next_len();
            if len <= batch {
                folder = rest.fold_with(folder);
                batches.ended(len);
                return folder;
            }
            let (head, tail) = rest.split_at(batch);
            folder = head.fold_with(folder);
            batches.ended(batch);
            if folder.full() {
                return folder;
            }
            (rest, len) = (tail, len - batch);
        }
    }
}

/// A piece's items taken one by one, counted as they are taken.
struct CountedIter<'a, I> {
    base: I,
    batches: Batches<'a>,
}

impl<I: Iterator> Iterator for CountedIter<'_, I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let next = self.base.next();
        if next.is_some() {
            self.batches.ended(1);
        }
        next
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.base.size_hint()
    }
}

impl<I: DoubleEndedIterator> DoubleEndedIterator for CountedIter<'_, I> {
    fn next_back(&mut self) -> Option<I::Item> {
        let next = self.base.next_back();
        if next.is_some() {
            self.batches.ended(1);
        }
        next
    }
}

impl<I: ExactSizeIterator> ExactSizeIterator for CountedIter<'_, I> {}
