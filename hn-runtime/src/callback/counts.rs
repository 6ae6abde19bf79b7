//! [`Tally`]: a map's items counted for the callbacks that want only counts
//! ([`Interest::COUNTS`](super::Interest::COUNTS)), handed to them in
//! batches through [`Callback::on_items_done`].
//!
//! Two ways to count, both reporting what was counted every [`BATCH_TIME`]
//! or so. The clock is read as rarely as the items allow: after one item,
//! then after twice as many each time the batch time has not passed (up to
//! [`BATCH`] items), so slow items are reported as they end and fast ones
//! cost no clock read at all on average ([`Pace`]).
//!
//! - [`Batches`], for an executor that runs a piece of the items in a
//!   loop of its own: it runs them in batches and counts a batch's length
//!   when it ends, so an item that succeeds costs nothing; the items that
//!   fail count themselves ([`Tally::failed`], out of line). What is left
//!   is reported when the batches are dropped, at the end of the piece.
//! - [`Tally::count`], for any other runner: each thread counts a map's
//!   items in a slot of its own found through a thread-local (atomics that
//!   only it writes, so no read-modify-write and no cache line shared with
//!   another thread). The end of the map reads every slot and reports what
//!   was still waiting, so the totals the callbacks get are exact; so does
//!   [`report_waiting`], for every running map, for a callback asked for
//!   its counts so far.

use super::{Callback, MapEvent};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use std::vec::Vec;

/// The most items counted between two looks at the clock.
pub(crate) const BATCH: u64 = 1024;
/// Time after which what was counted is reported: slow items show up as
/// they end, fast ones in batches a few times a second (a report locks the
/// map's tally and calls the callbacks).
const BATCH_TIME: Duration = Duration::from_millis(50);
/// Maps a thread keeps its counting state for: the map its items belong
/// to, the nested maps those items run, a few concurrent maps.
const CACHED: usize = 8;

/// The counts of one map for its counts-only callbacks.
pub(crate) struct Tally {
    event: MapEvent,
    /// The callbacks that get the counts.
    callbacks: Vec<Arc<dyn Callback>>,
    /// Items of [`Batches`] that failed or panicked, and that a fail-fast
    /// map did not run, since the last report: counted by the items, out
    /// of line, and taken into the next report.
    failed: AtomicU64,
    not_run: AtomicU64,
    /// Locked to report: a report and the map's end never cross, so no
    /// count is reported twice, lost, or reported after the map's end.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// One slot per thread that counted here.
    slots: Vec<Arc<Slot>>,
    /// Failed items and items not run taken from [`Tally::failed`] and
    /// [`Tally::not_run`] and not reported yet: a report of a batch on one
    /// thread may see those of a batch on another thread that is not
    /// reported yet.
    failed: u64,
    not_run: u64,
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
    /// When to report.
    pace: Pace,
}

/// When to report counts: once [`BATCH_TIME`] has passed since the last
/// report, seen at looks at the clock after 1, 2, 4, ... [`BATCH`] items.
struct Pace {
    /// Items counted since the last report, and how many of them failed.
    done: u64,
    failed: u64,
    /// When the last report was made.
    since: Instant,
    /// Items between two looks at the clock: doubled while the batch time
    /// has not passed, so fast items rarely read it.
    look_every: u64,
    /// The value of `done` at the next look.
    next_look: u64,
}

impl Pace {
    fn new() -> Self {
        Pace {
            done: 0,
            failed: 0,
            since: Instant::now(),
            look_every: 1,
            next_look: 1,
        }
    }

    /// Counts an item; whether it is time to report.
    #[inline(always)]
    fn count(&mut self, ok: bool) -> bool {
        self.done += 1;
        self.failed += u64::from(!ok);
        self.done == self.next_look && self.look()
    }

    /// Whether the batch time has passed; if not, the next look comes
    /// after twice as many items.
    #[cold]
    #[inline(never)]
    fn look(&mut self) -> bool {
        if self.since.elapsed() >= BATCH_TIME {
            return true;
        }
        self.look_every = (self.look_every * 2).min(BATCH);
        self.next_look = self.done + self.look_every;
        false
    }

    /// What was counted since the last report, which is made now.
    fn take(&mut self) -> (u64, u64) {
        let counted = (self.done, self.failed);
        *self = Pace::new();
        counted
    }
}

/// The batches of a loop over a piece of a map's items, as an executor
/// runs them (see the module docs): 1, 2, 4, ... up to [`BATCH`] items,
/// back to 1 after each report, so that slow items are reported as they
/// end; one look at the clock per batch. Reports the rest when dropped.
pub(crate) struct Batches<'t> {
    tally: &'t Tally,
    /// The next batch's length.
    len: usize,
    /// Items ended and not reported yet.
    pending: u64,
    /// When the last report was made (or the batches started).
    since: Instant,
}

impl Batches<'_> {
    /// The next batch's length.
    #[inline]
    pub(crate) fn next_len(&self) -> usize {
        self.len
    }

    /// A batch of `items` ended: reported if the batch time has passed.
    pub(crate) fn ended(&mut self, items: usize) {
        self.pending += items as u64;
        if self.since.elapsed() >= BATCH_TIME {
            self.report();
            self.len = 1;
        } else {
            self.len = (self.len * 2).min(BATCH as usize);
        }
    }

    fn report(&mut self) {
        self.tally.add_batch(self.pending);
        self.pending = 0;
        self.since = Instant::now();
    }
}

impl Drop for Batches<'_> {
    fn drop(&mut self) {
        if self.pending > 0 {
            self.report();
        }
    }
}

/// The running maps' tallies, for [`report_waiting`].
static RUNNING: Mutex<Vec<Weak<Tally>>> = Mutex::new(Vec::new());

/// Reports what every running map counted and did not report yet: the
/// counts-only callbacks' sums are then exact until the next item ends.
/// Called without any lock a callback takes in `on_items_done`.
#[cfg(feature = "progress")]
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
                failed: AtomicU64::new(0),
                not_run: AtomicU64::new(0),
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
                    pace: Pace::new(),
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
        self.add(1, u64::from(!ok));
    }

    /// The batches of a loop over a piece of the map's items.
    pub(crate) fn batches(&self) -> Batches<'_> {
        Batches {
            tally: self,
            len: 1,
            pending: 0,
            since: Instant::now(),
        }
    }

    /// An item of [`Batches`] failed or panicked.
    #[cold]
    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Relaxed);
    }

    /// An item of [`Batches`] was not run: a fail-fast map stopped.
    #[cold]
    pub(crate) fn not_run(&self) {
        self.not_run.fetch_add(1, Relaxed);
    }

    /// Reports a batch of `items` of [`Batches`], without those not run,
    /// unless the map ended.
    fn add_batch(&self, items: u64) {
        let mut state = lock(&self.state);
        if state.ended {
            return;
        }
        let not_run = state.not_run + self.not_run.swap(0, Relaxed);
        let skipped = not_run.min(items);
        let done = items - skipped;
        let failed = state.failed + self.failed.swap(0, Relaxed);
        let failed_here = failed.min(done);
        (state.not_run, state.failed) = (not_run - skipped, failed - failed_here);
        if done > 0 {
            self.deliver(done, failed_here);
        }
    }

    /// Reports an item counted on its own, unless the map ended.
    fn add(&self, done: u64, failed: u64) {
        let state = lock(&self.state);
        if !state.ended {
            self.deliver(done, failed);
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
    /// Counts an item that ended; reports when it is time.
    #[inline]
    fn count(&mut self, tally: &Tally, ok: bool) {
        // Only this thread writes its slot's counts: a load and a store,
        // with no read-modify-write; other threads only read them.
        let slot = &self.slot;
        slot.done.store(slot.done.load(Relaxed) + 1, Relaxed);
        if !ok {
            slot.failed.store(slot.failed.load(Relaxed) + 1, Relaxed);
        }
        if self.pace.count(ok) {
            self.report(tally);
        }
    }

    fn report(&mut self, tally: &Tally) {
        tally.report(&self.slot);
        self.pace.take();
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;
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
        // Reports every 50 ms at most per thread, and the rest at the end.
        let reports = sum.reports.load(Relaxed);
        assert!((1..100).contains(&reports), "{reports} reports");
        // Nothing after the end.
        tally.count(true);
        tally.end();
        assert_eq!(sum.done.load(Relaxed), 12_000);
    }

    /// Runs `items` items in the batches of `tally`, item `failing` failed
    /// and item `not_run` not run.
    fn run_in_batches(tally: &Tally, items: usize, failing: usize, not_run: usize) {
        let mut batches = tally.batches();
        let mut item = 0;
        while item < items {
            let len = batches.next_len().min(items - item);
            for item in item..item + len {
                if item == failing {
                    tally.failed();
                }
                if item == not_run {
                    tally.not_run();
                }
            }
            batches.ended(len);
            item += len;
        }
    }

    #[test]
    fn batches_report_the_rest_when_dropped_and_nothing_after_the_end() {
        let (sum, tally) = tally();
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| run_in_batches(&tally, 5000, 7, 4999));
            }
        });
        assert_eq!(
            (sum.done.load(Relaxed), sum.failed.load(Relaxed)),
            (14_997, 3)
        );
        tally.end();
        run_in_batches(&tally, 10, 0, 100);
        assert_eq!(
            (sum.done.load(Relaxed), sum.failed.load(Relaxed)),
            (14_997, 3)
        );
    }

    #[test]
    fn a_slow_item_is_reported_as_it_ends() {
        let (sum, tally) = tally();
        let mut batches = tally.batches();
        for done in 1..=2 {
            std::thread::sleep(super::BATCH_TIME);
            assert_eq!(batches.next_len(), 1);
            batches.ended(1);
            // Slow: each batch has one item, and sees the batch time.
            assert_eq!(sum.done.load(Relaxed), done);
        }
        drop(batches);
        tally.end();
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
