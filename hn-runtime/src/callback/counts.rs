//! [`Tally`]: a map's items counted for the callbacks that want only counts
//! ([`Interest::COUNTS`](super::Interest::COUNTS)), handed to them in
//! batches through [`Callback::on_items_done`].
//!
//! Counting an item costs a thread-local look-up and a few plain stores:
//! each thread counts a map's items in a slot of its own (atomics that only
//! it writes, so no read-modify-write and no cache line shared with another
//! thread), and reports what it counted since its last report once per
//! [`BATCH`] items or every [`BATCH_TIME`]. The clock is read as rarely as
//! the items allow: after one item, then after twice as many each time the
//! batch time has not passed, so slow items are reported as they end and
//! fast ones cost no clock read at all on average. The end of the map reads
//! every slot and reports what was still waiting, so the totals the
//! callbacks get are exact; so does [`report_waiting`], for every running
//! map, for a callback asked for its counts so far.

use super::{Callback, MapEvent};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use std::vec::Vec;

/// Items a thread counts before it reports them.
pub(crate) const BATCH: u64 = 1024;
/// Time after which a thread reports what it counted, however few: slow
/// items show up as they end.
const BATCH_TIME: Duration = Duration::from_millis(50);
/// Maps a thread keeps its counting state for: the map its items belong
/// to, the nested maps those items run, a few concurrent maps.
const CACHED: usize = 8;

/// The counts of one map for its counts-only callbacks.
pub(crate) struct Tally {
    event: MapEvent,
    /// The callbacks that get the counts.
    callbacks: Vec<Arc<dyn Callback>>,
    /// Locked to report: a report and the map's end never cross, so no
    /// count is reported twice, lost, or reported after the map's end.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// One slot per thread that counted here.
    slots: Vec<Arc<Slot>>,
    ended: bool,
}

/// What one thread counted for one map, and how much of it was reported.
/// Aligned to its own cache lines so that threads counting next to each
/// other do not share one.
#[derive(Default)]
#[repr(align(128))]
struct Slot {
    done: AtomicU64,
    failed: AtomicU64,
    /// Changed only with the tally's state locked.
    reported_done: AtomicU64,
    reported_failed: AtomicU64,
}

impl Slot {
    /// Counted but not reported yet (with the tally's state locked).
    fn unreported(&self) -> (u64, u64) {
        let (done, failed) = (self.done.load(Relaxed), self.failed.load(Relaxed));
        let unreported = (
            done - self.reported_done.load(Relaxed),
            failed - self.reported_failed.load(Relaxed),
        );
        self.reported_done.store(done, Relaxed);
        self.reported_failed.store(failed, Relaxed);
        unreported
    }
}

/// A thread's state for one map it counts items of.
struct Local {
    /// Weak: a thread that ran an item of a map does not keep its callbacks
    /// alive; the allocation stays, so the pointer tells maps apart.
    tally: Weak<Tally>,
    slot: Arc<Slot>,
    /// Counted but not yet reported.
    pending: u64,
    /// When the pending counts started.
    since: Instant,
    /// Items counted between two looks at the clock: doubled while the
    /// batch time has not passed, so fast items rarely read it.
    look_every: u64,
    /// Items counted since the last look.
    unlooked: u64,
}

/// The running maps' tallies, for [`report_waiting`].
static RUNNING: Mutex<Vec<Weak<Tally>>> = Mutex::new(Vec::new());

/// Reports what every running map counted and did not report yet: the
/// counts-only callbacks' sums are then exact until the next item ends.
/// Called without any lock a callback takes in `on_items_done`.
pub(crate) fn report_waiting() {
    let running: Vec<Arc<Tally>> = lock(&RUNNING).iter().filter_map(Weak::upgrade).collect();
    for tally in running {
        tally.report_all(&lock(&tally.state));
    }
}

std::thread_local! {
    /// This thread's counting state, the most recently used map first.
    static COUNTING: RefCell<Vec<Local>> = const { RefCell::new(Vec::new()) };
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Tally {
    /// The tally of the map `event` for `callbacks`, unless there are none.
    pub(crate) fn of(event: &MapEvent, callbacks: Vec<Arc<dyn Callback>>) -> Option<Arc<Self>> {
        (!callbacks.is_empty()).then(|| {
            let tally = Arc::new(Tally {
                event: *event,
                callbacks,
                state: Mutex::default(),
            });
            lock(&RUNNING).push(Arc::downgrade(&tally));
            tally
        })
    }

    /// Counts an item that ended (`ok` is false if it failed or panicked).
    #[inline]
    pub(crate) fn count(self: &Arc<Self>, ok: bool) {
        let counted = COUNTING.try_with(|cached| {
            let Ok(mut cached) = cached.try_borrow_mut() else {
                return false;
            };
            match cached.first_mut() {
                Some(local) if Weak::as_ptr(&local.tally) == Arc::as_ptr(self) => {
                    local.count(self, ok);
                }
                _ => self.count_first(&mut cached, ok),
            }
            true
        });
        if !matches!(counted, Ok(true)) {
            self.count_alone(ok);
        }
    }

    /// Counts an item of a map that is not this thread's most recent one.
    #[cold]
    fn count_first(self: &Arc<Self>, cached: &mut Vec<Local>, ok: bool) {
        let ptr = Arc::as_ptr(self);
        let index = match cached.iter().position(|c| Weak::as_ptr(&c.tally) == ptr) {
            Some(index) => index,
            None => {
                if cached.len() == CACHED {
                    if let Some(mut oldest) = cached.pop() {
                        if let Some(tally) = oldest.tally.upgrade() {
                            oldest.report(&tally);
                        }
                    }
                }
                let slot = Arc::new(Slot::default());
                lock(&self.state).slots.push(Arc::clone(&slot));
                cached.push(Local {
                    tally: Arc::downgrade(self),
                    slot,
                    pending: 0,
                    since: Instant::now(),
                    look_every: 1,
                    unlooked: 0,
                });
                cached.len() - 1
            }
        };
        // Most recently used first: the next look-up stops there.
        cached[..=index].rotate_right(1);
        cached[0].count(self, ok);
    }

    /// Counts and reports an item on a thread whose thread-local state is
    /// gone (it is exiting) or busy (a callback runs an item).
    #[cold]
    fn count_alone(&self, ok: bool) {
        let state = lock(&self.state);
        if !state.ended {
            self.deliver(1, u64::from(!ok));
        }
    }

    fn deliver(&self, done: u64, failed: u64) {
        let (done, failed) = (to_usize(done), to_usize(failed));
        for callback in &self.callbacks {
            callback.on_items_done(&self.event, done, failed);
        }
    }

    /// Reports what `slot` counted since its last report.
    fn report(&self, slot: &Slot) {
        let state = lock(&self.state);
        if state.ended {
            return;
        }
        let (done, failed) = slot.unreported();
        if done > 0 {
            self.deliver(done, failed);
        }
    }

    /// The map ended: reports what every thread counted and did not report
    /// yet; nothing is reported after this.
    pub(crate) fn end(&self) {
        let mut state = lock(&self.state);
        if state.ended {
            return;
        }
        self.report_all(&state);
        state.ended = true;
        drop(state);
        let ptr: *const Tally = self;
        lock(&RUNNING).retain(|running| running.as_ptr() != ptr);
    }

    /// Reports what every thread counted and did not report yet, unless the
    /// map ended (with `state` locked).
    fn report_all(&self, state: &State) {
        if state.ended {
            return;
        }
        let (done, failed) = state.slots.iter().fold((0, 0), |(done, failed), slot| {
            let (more, more_failed) = slot.unreported();
            (done + more, failed + more_failed)
        });
        if done > 0 {
            self.deliver(done, failed);
        }
    }
}

fn to_usize(count: u64) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

impl Local {
    /// Counts an item that ended; reports the batch when it is full or old.
    #[inline]
    fn count(&mut self, tally: &Tally, ok: bool) {
        // Only this thread writes its slot's counts: a load and a store,
        // with no read-modify-write; other threads only read them.
        let slot = &self.slot;
        slot.done.store(slot.done.load(Relaxed) + 1, Relaxed);
        if !ok {
            slot.failed.store(slot.failed.load(Relaxed) + 1, Relaxed);
        }
        self.pending += 1;
        if self.pending >= BATCH {
            self.report(tally);
            return;
        }
        self.unlooked += 1;
        if self.unlooked >= self.look_every {
            self.look(tally);
        }
    }

    /// Reports the batch if the batch time has passed; otherwise looks at
    /// the clock again after twice as many items.
    #[cold]
    fn look(&mut self, tally: &Tally) {
        self.unlooked = 0;
        if self.since.elapsed() >= BATCH_TIME {
            self.report(tally);
            self.look_every = 1;
        } else {
            self.look_every = (self.look_every * 2).min(BATCH);
        }
    }

    fn report(&mut self, tally: &Tally) {
        tally.report(&self.slot);
        self.pending = 0;
        self.since = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::{Tally, BATCH};
    use crate::callback::{Callback, MapEvent};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::sync::{Arc, Barrier};
    use std::vec;
    use std::vec::Vec;

    /// Adds up what it is handed, and counts the reports.
    #[derive(Default)]
    struct Sum {
        done: AtomicUsize,
        failed: AtomicUsize,
        reports: AtomicUsize,
    }

    impl Callback for Sum {
        fn on_items_done(&self, _: &MapEvent, done: usize, failed: usize) {
            self.done.fetch_add(done, Relaxed);
            self.failed.fetch_add(failed, Relaxed);
            self.reports.fetch_add(1, Relaxed);
        }
    }

    fn tally() -> (Arc<Sum>, Arc<Tally>) {
        let sum = Arc::new(Sum::default());
        let event = MapEvent::new("Map", "", None, 0, None);
        let callbacks: Vec<Arc<dyn Callback>> = vec![sum.clone()];
        (sum, Tally::of(&event, callbacks).unwrap())
    }

    #[test]
    fn counts_are_exact_at_the_end_in_few_reports() {
        let (sum, tally) = tally();
        let barrier = Barrier::new(4);
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let (tally, barrier) = (&tally, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    for item in 0..3000 {
                        tally.count(item % 100 != thread);
                    }
                });
            }
        });
        assert!(sum.done.load(Relaxed) <= 12_000);
        tally.end();
        assert_eq!(
            (sum.done.load(Relaxed), sum.failed.load(Relaxed)),
            (12_000, 120)
        );
        // Whole batches of `BATCH` items (at least two per thread), the
        // rest at the end: far fewer reports than items.
        assert!(sum.reports.load(Relaxed) >= 4 * (3000 / BATCH as usize));
        assert!(
            sum.reports.load(Relaxed) < 1000,
            "{}",
            sum.reports.load(Relaxed)
        );
        // Nothing after the end.
        tally.count(true);
        tally.end();
        assert_eq!(sum.done.load(Relaxed), 12_000);
    }

    #[test]
    fn a_thread_counting_many_maps_at_once_loses_no_item() {
        let tallies: Vec<_> = (0..20).map(|_| tally()).collect();
        for item in 0..30 {
            for (_, tally) in &tallies {
                tally.count(item != 0);
            }
        }
        for (sum, tally) in &tallies {
            tally.end();
            assert_eq!((sum.done.load(Relaxed), sum.failed.load(Relaxed)), (30, 1));
        }
    }
}
