//! A rayon adapter whose producers fold each piece of the items their own
//! way, knowing the piece's length: the plumbing that `batches` (a check
//! before each batch) and `counted` (a count after each batch) share.

use rayon::iter::plumbing::{
    bridge, Consumer, Folder, Producer, ProducerCallback, UnindexedConsumer,
};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};

/// How a piece of the items is taken: folded whole (the usual way, where
/// the batches are), or item by item (by an adapter around this one that
/// does not fold).
pub(crate) trait Folding: Copy + Send {
    /// The items of a piece taken one by one.
    type Iter<I: DoubleEndedIterator + ExactSizeIterator>: DoubleEndedIterator<Item = I::Item>
        + ExactSizeIterator;

    /// A piece's items taken one by one.
    fn iter<I: DoubleEndedIterator + ExactSizeIterator>(self, base: I) -> Self::Iter<I>;

    /// Folds the `len` items of `base` into `folder`.
    fn fold<P: Producer, F: Folder<P::Item>>(self, base: P, len: usize, folder: F) -> F;
}

/// `base`, each piece taken by `folding`.
pub(crate) struct Folded<I, S> {
    base: I,
    folding: S,
}

impl<I, S> Folded<I, S> {
    /// Wraps `base`.
    pub(crate) fn new(base: I, folding: S) -> Self {
        Folded { base, folding }
    }
}

impl<I: IndexedParallelIterator, S: Folding> ParallelIterator for Folded<I, S> {
    type Item = I::Item;

    fn drive_unindexed<D: UnindexedConsumer<I::Item>>(self, consumer: D) -> D::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.base.len())
    }
}

impl<I: IndexedParallelIterator, S: Folding> IndexedParallelIterator for Folded<I, S> {
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
            folding: self.folding,
            len,
        })
    }
}

/// Wraps the base iterator's producer.
struct Callback<CB, S> {
    callback: CB,
    folding: S,
    len: usize,
}

impl<T, CB: ProducerCallback<T>, S: Folding> ProducerCallback<T> for Callback<CB, S> {
    type Output = CB::Output;

    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(FoldedProducer {
            base,
            folding: self.folding,
            len: self.len,
        })
    }
}

/// A piece of the items.
struct FoldedProducer<P, S> {
    base: P,
    folding: S,
    /// The number of items of `base` (a producer does not tell).
    len: usize,
}

impl<P: Producer, S: Folding> Producer for FoldedProducer<P, S> {
    type Item = P::Item;
    type IntoIter = S::Iter<P::IntoIter>;

    fn into_iter(self) -> Self::IntoIter {
        self.folding.iter(self.base.into_iter())
    }

    fn min_len(&self) -> usize {
        self.base.min_len()
    }

    fn max_len(&self) -> usize {
        self.base.max_len()
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.base.split_at(index);
        let (folding, len) = (self.folding, self.len);
        (
            FoldedProducer {
                base: left,
                folding,
                len: index,
            },
            FoldedProducer {
                base: right,
                folding,
                len: len - index,
            },
        )
    }

    fn fold_with<F: Folder<P::Item>>(self, folder: F) -> F {
        self.folding.fold(self.base, self.len, folder)
    }
}
