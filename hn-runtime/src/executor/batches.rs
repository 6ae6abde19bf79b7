//! A rayon adapter that runs each piece of a parallel iterator in batches,
//! with a check before each batch: how an all-or-nothing map stops
//! starting items after a failure without a check per item.
//!
//! A check per item (a load of the map's flag) costs little next to a real
//! node, but it keeps the compiler from turning a loop of trivial items into
//! vector instructions, which the hand-written loop gets: a map of a million
//! `x * 3 + 1` items took 4.5× the hand-written time with one. So each
//! worker checks before a batch of items, and the batch is sized by the
//! time the last one took: as many items as take [`BATCH_TIME`] at that
//! pace, growing at most [`MAX_GROWTH`]-fold and shrinking at most by half
//! from one batch to the next, starting from one item. Items that take
//! longer than [`BATCH_TIME`] are checked one by one; after a failure,
//! another worker starts items for about [`BATCH_TIME`] at most, as long as
//! its items cost about what the ones before them did.

use super::folded::{Folded, Folding};
use rayon::iter::plumbing::{Folder, Producer};
use std::time::{Duration, Instant};

/// What runs before each batch of items of a parallel map: it unwinds to
/// stop the map.
pub trait Check: Sync {
    /// Stops the map (by unwinding) if it must stop.
    fn check(&self);
}

/// Counts the checks, for tests of the executors that make them.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Counting(core::sync::atomic::AtomicUsize);

#[cfg(test)]
impl Counting {
    /// How many checks were made.
    pub(crate) fn count(self) -> usize {
        self.0.into_inner()
    }
}

#[cfg(test)]
impl Check for Counting {
    fn check(&self) {
        self.0.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    }
}

/// No check: for maps whose items each decide whether to run.
pub(crate) struct Unchecked;

impl Check for Unchecked {
    #[inline(always)]
    fn check(&self) {}
}

/// How long a batch should take, at most: how long other workers may go on
/// starting items after a failure.
pub const BATCH_TIME: Duration = Duration::from_micros(50);

/// `base` in batches, with `check` before each (see the module docs).
pub fn batched<I, C: Check>(base: I, check: &C) -> Folded<I, Checking<'_, C>> {
    Folded::new(base, Checking(check))
}

/// Folds a piece in batches, with a check before each.
pub struct Checking<'a, C>(&'a C);

impl<C> Clone for Checking<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Checking<'_, C> {}

impl<C: Check> Folding for Checking<'_, C> {
    type Iter<I: DoubleEndedIterator + ExactSizeIterator> = I;

    fn iter<I: DoubleEndedIterator + ExactSizeIterator>(self, base: I) -> I {
        self.0.check();
        base
    }

    fn fold<P: Producer, F: Folder<P::Item>>(self, base: P, len: usize, mut folder: F) -> F {
        let (mut rest, mut len, mut batch, mut done) = (base, len, 1, 0);
        // One clock reading per batch: a batch ends where the next starts.
        let mut start = Instant::now();
        loop {
            self.0.check();
            if len <= batch {
                return rest.fold_with(folder);
            }
            let (head, tail) = rest.split_at(batch);
            folder = head.fold_with(folder);
            if folder.full() {
                return folder;
            }
            (rest, len, done) = (tail, len - batch, done + batch);
            let end = Instant::now();
            batch = aligned(done, next_batch(batch, end - start));
            start = end;
        }
    }
}

/// The next batch's length after one of `batch` items took `took`: as many
/// items as would take [`BATCH_TIME`] at that pace, but at most
/// [`MAX_GROWTH`] times as many, and at least half as many, as this one.
pub(crate) fn next_batch(batch: usize, took: Duration) -> usize {
    let ideal = (batch as u128 * BATCH_TIME.as_nanos()) / took.as_nanos().max(1);
    let most = batch.saturating_mul(MAX_GROWTH);
    usize::try_from(ideal)
        .unwrap_or(most)
        .clamp(batch / 2, most)
        .max(1)
}

/// `batch`, shortened so that the batch after it starts a multiple of
/// [`ALIGN`] items into the piece: past the first batch of one item, the
/// loops over the items then meet memory as a loop over the whole piece
/// does (vector loads and stores that straddle cache lines cost more).
fn aligned(done: usize, batch: usize) -> usize {
    let end = (done + batch) / ALIGN * ALIGN;
    if end > done {
        end - done
    } else {
        batch
    }
}

/// See [`aligned`].
const ALIGN: usize = 64;

/// How much larger than the last one a batch may be: large enough for
/// trivial items to reach their length in a few batches (1, 64, 4096, ..),
/// small enough that items that suddenly get slower are soon checked again.
pub const MAX_GROWTH: usize = 64;

#[cfg(test)]
mod test {
    use super::Counting;
    use super::{aligned, batched, next_batch, BATCH_TIME};
    use rayon::prelude::*;
    use std::time::Duration;
    use std::vec::Vec;

    #[test]
    fn batches_end_at_multiples_of_the_alignment() {
        assert_eq!(aligned(1, 64), 63);
        assert_eq!(aligned(64, 4096), 4096);
        assert_eq!(aligned(64, 5000), 4992);
        assert_eq!(aligned(0, 1), 1);
        assert_eq!(aligned(1, 2), 2);
    }

    #[test]
    fn batches_aim_at_the_batch_time() {
        // Far too fast: at most 64 times larger.
        assert_eq!(next_batch(1, Duration::ZERO), 64);
        assert_eq!(next_batch(64, BATCH_TIME / 1000), 4096);
        // Fast: as many as take the batch time.
        assert_eq!(next_batch(64, BATCH_TIME / 4), 256);
        assert_eq!(next_batch(64, BATCH_TIME), 64);
        // Slow: at most halved, never below one item.
        assert_eq!(next_batch(64, BATCH_TIME * 4 / 3), 48);
        assert_eq!(next_batch(64, BATCH_TIME * 10), 32);
        assert_eq!(next_batch(1, BATCH_TIME * 2), 1);
        assert_eq!(next_batch(usize::MAX, Duration::ZERO), usize::MAX);
    }

    #[test]
    fn every_item_once_in_order_with_few_checks_for_fast_items() {
        let check = Counting::default();
        let items: Vec<usize> = batched((0..100_000usize).into_par_iter(), &check)
            .map(|x| x * 2)
            .collect();
        assert_eq!(items, (0..100_000).map(|x| x * 2).collect::<Vec<_>>());
        let checks = check.count();
        assert!(checks < 2_000, "{checks} checks for 100 000 fast items");
    }

    #[test]
    fn slow_items_are_checked_one_by_one() {
        let check = Counting::default();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let sum: usize = pool.install(|| {
            batched((0..20usize).into_par_iter(), &check)
                .map(|x| {
                    std::thread::sleep(BATCH_TIME * 2);
                    x
                })
                .sum()
        });
        assert_eq!(sum, 190);
        // One check per item (before it), and one more when a piece
        // ends exactly at a batch.
        let checks = check.count();
        assert!(
            (20..=22).contains(&checks),
            "{checks} checks for 20 slow items"
        );
    }
}
