//! A rayon adapter that counts the items of a parallel map a batch at a
//! time, for the callbacks that want only counts: each piece is folded in
//! batches of 1, 2, 4, ... up to 1024 items, and a batch that ends counts
//! its length ([`Batches`]), so an item costs nothing more than without
//! callbacks. The failures are counted by the items themselves (out of
//! line: [`Tally::failed`]).

use super::folded::{Folded, Folding};
use crate::callback::counts::{Batches, Tally};
use rayon::iter::plumbing::{Folder, Producer};

/// `base`, its items counted by `tally` (see the module docs).
pub(crate) fn counted<I>(base: I, tally: &Tally) -> Folded<I, Counting<'_>> {
    Folded::new(base, Counting(tally))
}

/// Folds a piece in counted batches.
#[derive(Clone, Copy)]
pub(crate) struct Counting<'a>(&'a Tally);

impl<'a> Folding for Counting<'a> {
    type Iter<I: DoubleEndedIterator + ExactSizeIterator> = CountedIter<'a, I>;

    /// Items taken one by one (by an adapter around this one that does not
    /// fold): counted one by one, reported when the iterator is dropped.
    fn iter<I: DoubleEndedIterator + ExactSizeIterator>(self, base: I) -> CountedIter<'a, I> {
        CountedIter {
            base,
            batches: self.0.batches(),
        }
    }

    fn fold<P: Producer, F: Folder<P::Item>>(self, base: P, len: usize, mut folder: F) -> F {
        let (mut rest, mut len, mut batches) = (base, len, self.0.batches());
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
pub(crate) struct CountedIter<'a, I> {
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
