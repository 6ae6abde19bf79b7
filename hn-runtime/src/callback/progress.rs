//! [`Progress`]: a progress bar per map, drawn with indicatif.
//!
//! A bar asks for [`Interest::COUNTS`]: the runners count the items for it
//! (no callback call and no clock read per item: see `counts.rs`) and hand
//! it batches through [`Callback::on_items_done`], every 50 ms or so per
//! thread, and what was still waiting at the map's end, so its final line
//! is exact; [`Progress::bars`] first has the runners report what they
//! hold. A bar adds each batch to its counts and to the drawn bar.
//!
//! A bar is drawn only once its map has run for a [`TICK`]: a short map
//! leaves its final line and costs no drawing of a bar. One thread per
//! handle shows the bars and redraws them every [`TICK`] while any runs.

use super::timings::human;
use super::{Callback, Interest, MapEvent};
use core::fmt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::borrow::ToOwned;
use std::collections::{HashMap, VecDeque};
use std::format;
use std::string::ToString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use std::vec::Vec;

#[cfg(test)]
use super::counts::BATCH;

/// How often a drawn bar is redrawn when no count changes, so that its
/// spinner, elapsed time and ETA move during slow items; also how long a
/// map runs before its bar shows (a shorter one leaves only its line).
const TICK: Duration = Duration::from_millis(100);
/// Finished bars whose counts [`Progress::bars`] keeps (the oldest go
/// first): a long-lived handle does not grow with every map it watched.
const KEEP_FINISHED: usize = 1024;

/// Progress bars on the terminal: one bar per map (items done out of the
/// total, rate and ETA; a spinner when the total is unknown), and a line
/// per map when it ends, with the items done and how many failed. A
/// handle: clones share the bars, so one `Progress` can watch several maps
/// at once, from any threads, across engines.
///
/// A mapped nested pipeline runs one map per item of the outer map; those
/// maps share one child bar per outer map and nested path, below the outer
/// map's bar. The child bar's total grows as the nested maps start (their
/// totals are not known before), and it ends with the outer map.
///
/// Bars are drawn on stderr only if it is a terminal (and `TERM` is not
/// `dumb`); otherwise nothing is drawn, but the counts are kept
/// ([`bars`](Progress::bars), `Display`). A bar shows once its map has run
/// for 100 ms: a shorter map leaves only its final line.
///
/// # Examples
///
/// ```
/// use hypernodes::observe::Progress;
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Halve {
///         fn half(x: u32) -> Result<u32, String> {
///             if x % 2 == 0 { Ok(x / 2) } else { Err(format!("{x} is odd")) }
///         }
///     }
/// }
///
/// let progress = Progress::new(); // draws on stderr if it is a terminal
/// let engine = Engine::new().callback(progress.clone());
/// let results = Halve.map_with(&engine, (0..1000).map(|x| HalveInputs { x }));
/// assert_eq!(results.len(), 1000);
///
/// let bar = &progress.bars()[0];
/// assert_eq!((bar.done, bar.failed, bar.total), (1000, 500, Some(1000)));
/// println!("{progress}"); // Halve: 1000/1000 items, 500 failed in 1.2 ms
/// ```
#[derive(Clone)]
pub struct Progress {
    shared: Arc<Shared>,
}

/// The counts of one bar of a [`Progress`]: a top-level map's, or the
/// child bar of the nested maps of one map at one path.
///
/// `Display` is the line a bar leaves when it ends:
/// `Corpus: 200/200 items, 3 failed in 1.25 s`, a child bar indented below
/// its parent and named by its path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BarCounts {
    /// The mapped pipeline's struct name.
    pub pipeline: &'static str,
    /// Empty for a top-level map; the nested entry's path for a child bar.
    pub path: &'static str,
    /// 0 for a top-level map, 1 for a child bar, ...
    pub depth: usize,
    /// The items announced by the maps counted here, unless one did not
    /// know its number of items.
    pub total: Option<u64>,
    /// The items that ended, failed ones included.
    pub done: u64,
    /// The items that failed or panicked.
    pub failed: u64,
    /// Whether the bar has ended (its map, or its parent's, ended).
    pub finished: bool,
    /// The time since the bar started, or until it ended.
    pub elapsed: Duration,
}

struct Shared {
    multi: MultiProgress,
    bars: Mutex<Bars>,
}

/// The bars and what maps them, changed at map starts and ends.
#[derive(Default)]
struct Bars {
    /// The bar of each running map, by map id; nested maps of one outer
    /// map at one path share theirs.
    maps: HashMap<u64, Arc<Bar>>,
    /// Each unfinished bar's child bars, by the parent's number.
    children: HashMap<u64, Vec<Arc<Bar>>>,
    /// The unfinished bars, oldest first.
    live: Vec<Arc<Bar>>,
    /// The counts of finished bars, oldest first.
    finished: VecDeque<BarCounts>,
    /// The next bar's number.
    next: u64,
    /// Whether the thread that shows and redraws the bars runs.
    ticking: bool,
}

struct Bar {
    /// Tells the bar from the others of its [`Progress`].
    number: u64,
    pipeline: &'static str,
    path: &'static str,
    depth: usize,
    /// Ends with its own map, rather than with its parent's.
    root: bool,
    drawn: ProgressBar,
    /// The bar to show it below (its parent, or the parent's last child);
    /// at the bottom if `None`.
    after: Option<Arc<Bar>>,
    /// Whether it is among the drawn bars. Changed only with [`Bars`]
    /// locked.
    shown: AtomicBool,
    /// The sum of the announced totals, or `u64::MAX` once one map did not
    /// know its number of items. Changed only with [`Bars`] locked.
    total: AtomicU64,
    /// The items that ended, failed ones included.
    done: AtomicU64,
    /// The items that failed or panicked.
    failed: AtomicU64,
    finished: AtomicBool,
    started: Instant,
    /// Set when the bar finishes.
    ended: Mutex<Option<Duration>>,
}

impl Progress {
    /// Bars drawn on stderr if it is a terminal; otherwise only counted.
    pub fn new() -> Self {
        Progress::with_target(ProgressDrawTarget::stderr())
    }

    /// Bars only counted, never drawn: for tests, and for reading the
    /// counts with [`bars`](Progress::bars) or `Display` alone.
    pub fn hidden() -> Self {
        Progress::with_target(ProgressDrawTarget::hidden())
    }

    fn with_target(target: ProgressDrawTarget) -> Self {
        Progress {
            shared: Arc::new(Shared {
                multi: MultiProgress::with_draw_target(target),
                bars: Mutex::default(),
            }),
        }
    }

    /// Whether bars are drawn (stderr is a terminal, for [`Progress::new`]).
    pub fn is_drawn(&self) -> bool {
        !self.shared.multi.is_hidden()
    }

    /// The counts of every bar: the finished ones (the last 1024) in the
    /// order they ended, then the running ones in the order they started.
    /// Exact once a map ended. While `map_with` or `map_over_with` runs,
    /// each thread's items of the last 50 ms or so may be missing (they are
    /// counted in batches); the other runners' counts are exact.
    pub fn bars(&self) -> Vec<BarCounts> {
        // The counts the runners still hold, before the bars are locked:
        // they come in through `on_items_done`.
        super::counts::report_waiting();
        let bars = self.shared.lock();
        let finished = bars.finished.iter().cloned();
        finished
            .chain(bars.live.iter().map(|bar| bar.counts()))
            .collect()
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Bars> {
        self.bars
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Bars {
    /// A new bar, to be shown below `after` (at the bottom if `None`).
    fn bar(&mut self, event: &MapEvent, root: bool, after: Option<Arc<Bar>>) -> Arc<Bar> {
        let drawn = ProgressBar::hidden();
        drawn.set_prefix(match event.depth {
            0 => event.pipeline.to_owned(),
            depth => format!("{}{}", "  ".repeat(depth), event.path),
        });
        let bar = Arc::new(Bar {
            number: self.next,
            pipeline: event.pipeline,
            path: event.path,
            depth: event.depth,
            root,
            drawn,
            after,
            shown: AtomicBool::new(false),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            started: Instant::now(),
            ended: Mutex::new(None),
        });
        self.next += 1;
        // Styled before it is shown: its first drawing is the right one.
        bar.set_style();
        self.live.push(Arc::clone(&bar));
        bar
    }

    /// Shows the bars that have run for a [`TICK`] (a parent before its
    /// children: the oldest first) and redraws the shown ones; whether any
    /// bar is left to tick.
    fn tick(&self, multi: &MultiProgress) -> bool {
        for bar in &self.live {
            if !bar.shown.load(Relaxed) {
                if bar.started.elapsed() < TICK {
                    continue;
                }
                match bar.after.as_ref().filter(|after| after.shown.load(Relaxed)) {
                    Some(after) => multi.insert_after(&after.drawn, bar.drawn.clone()),
                    None => multi.add(bar.drawn.clone()),
                };
                bar.shown.store(true, Relaxed);
            }
            bar.drawn.tick();
        }
        !self.live.is_empty()
    }

    /// The bar that counts the items of the map that starts: a new one for
    /// a top-level map, the child bar of its parent's bar at its path for a
    /// nested one.
    fn start(&mut self, event: &MapEvent) -> Arc<Bar> {
        let parent = (event.parent)
            .and_then(|parent| self.maps.get(&parent))
            .filter(|parent| !parent.finished.load(Relaxed))
            .map(Arc::clone);
        let Some(parent) = parent else {
            // A top-level map (or a nested one whose outer map is not
            // watched here): a bar of its own, at the bottom.
            return self.bar(event, true, None);
        };
        let siblings = self.children.get(&parent.number);
        if let Some(child) = siblings.and_then(|c| c.iter().find(|c| c.path == event.path)) {
            return Arc::clone(child);
        }
        // Below the parent's last child, or the parent itself.
        let after = Arc::clone(siblings.and_then(|c| c.last()).unwrap_or(&parent));
        let child = self.bar(event, false, Some(after));
        (self.children.entry(parent.number).or_default()).push(Arc::clone(&child));
        child
    }

    /// Ends `bar` and its child bars: their final lines, parent first.
    fn finish(&mut self, multi: &MultiProgress, bar: &Arc<Bar>) {
        bar.finished.store(true, Relaxed);
        *lock(&bar.ended) = Some(bar.started.elapsed());
        let counts = bar.counts();
        let shown = bar.shown.load(Relaxed);
        if shown {
            bar.drawn.set_position(counts.done);
        }
        // `println` does nothing when the bars are hidden.
        let _ = multi.println(counts.to_string());
        if shown {
            // Cleared from the screen before it leaves the drawn bars: a
            // removed bar is not redrawn, so its last drawing would stay.
            bar.drawn.finish_and_clear();
        }
        self.live.retain(|live| !Arc::ptr_eq(live, bar));
        if self.finished.len() == KEEP_FINISHED {
            self.finished.pop_front();
        }
        self.finished.push_back(counts);
        for child in self.children.remove(&bar.number).unwrap_or_default() {
            self.finish(multi, &child);
        }
        if shown {
            multi.remove(&bar.drawn);
        }
    }
}

impl Bar {
    /// The template for a known or an unknown total.
    fn set_style(&self) {
        let template = match self.total() {
            Some(total) => {
                self.drawn.set_length(total);
                "{prefix} [{bar:30}] {pos}/{len} {rate} ETA {eta} {msg}"
            }
            None => {
                self.drawn.unset_length();
                "{spinner} {prefix} {pos} items {rate} {elapsed} {msg}"
            }
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
            // Whole items per second (indicatif's `per_sec` has decimals).
            .with_key("rate", |state: &ProgressState, out: &mut dyn fmt::Write| {
                let _ = write!(out, "{:.0}/s", state.per_sec());
            });
        self.drawn.set_style(style);
    }

    fn total(&self) -> Option<u64> {
        Some(self.total.load(Relaxed)).filter(|total| *total != u64::MAX)
    }

    /// Adds a starting map's items (with [`Bars`] locked).
    fn announce(&self, items: Option<usize>) {
        let was = self.total();
        let now = match (was, items) {
            (Some(was), Some(items)) => was.saturating_add(items as u64).min(u64::MAX - 1),
            _ => u64::MAX,
        };
        self.total.store(now, Relaxed);
        match (was, self.total()) {
            (Some(_), Some(total)) => self.drawn.set_length(total),
            // The first unknown total: a spinner from now on.
            (Some(_), None) => self.set_style(),
            (None, _) => {}
        }
    }

    fn counts(&self) -> BarCounts {
        let (done, failed) = (self.done.load(Relaxed), self.failed.load(Relaxed));
        let ended = *lock(&self.ended);
        BarCounts {
            pipeline: self.pipeline,
            path: self.path,
            depth: self.depth,
            total: self.total(),
            done,
            failed,
            finished: ended.is_some(),
            elapsed: ended.unwrap_or_else(|| self.started.elapsed()),
        }
    }
}

impl Callback for Progress {
    /// Counts only, in batches: the bar draws its own rate, so a map with
    /// a bar reads no clock per item and calls no callback per item.
    fn interest(&self) -> Interest {
        Interest::COUNTS
    }

    fn on_map_start(&self, event: &MapEvent) {
        let mut bars = self.shared.lock();
        let bar = bars.start(event);
        bar.announce(event.total);
        bars.maps.insert(event.id, bar);
        if !bars.ticking && !self.shared.multi.is_hidden() {
            bars.ticking = start_ticking(Arc::downgrade(&self.shared));
        }
    }

    /// Adds the batch to the bar's counts, and to the drawn bar.
    fn on_items_done(&self, event: &MapEvent, done: usize, failed: usize) {
        let Some(bar) = self.shared.lock().maps.get(&event.id).map(Arc::clone) else {
            // Not a map this handle saw start: nothing to count.
            return;
        };
        let (done, failed) = (done as u64, failed as u64);
        bar.done.fetch_add(done, Relaxed);
        bar.drawn.inc(done);
        if failed > 0 {
            let failures = bar.failed.fetch_add(failed, Relaxed) + failed;
            bar.drawn.set_message(format!("{failures} failed"));
        }
    }

    /// One item, as a batch of one: for a caller that reports items one
    /// by one (the runners hand a bar batches).
    fn on_item_end(&self, event: &MapEvent, _: usize, _: Duration, ok: bool) {
        self.on_items_done(event, 1, usize::from(!ok));
    }

    fn on_map_end(&self, event: &MapEvent, _: Duration) {
        let mut bars = self.shared.lock();
        let Some(bar) = bars.maps.remove(&event.id) else {
            return;
        };
        // A child bar ends with its parent's map: more nested maps may
        // start at its path until then.
        if bar.root && !bar.finished.load(Relaxed) {
            bars.finish(&self.shared.multi, &bar);
        }
    }
}

/// Starts the thread that shows the bars that have run for a [`TICK`] and
/// redraws them every [`TICK`], so that their spinners, elapsed times and
/// ETAs move during slow items: one thread for every bar of a handle,
/// which ends when no bar is left, or the handle is gone. Whether it
/// started.
fn start_ticking(shared: std::sync::Weak<Shared>) -> bool {
    let tick = move || loop {
        std::thread::sleep(TICK);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut bars = shared.lock();
        if !bars.tick(&shared.multi) {
            bars.ticking = false;
            return;
        }
    };
    std::thread::Builder::new()
        .name("hn-progress".into())
        .spawn(tick)
        .is_ok()
}

impl fmt::Display for BarCounts {
    /// ```text
    /// Corpus: 200/200 items, 3 failed in 1.25 s
    ///   text_stats: 1800/1800 items, 0 failed in 1.20 s
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.depth {
            0 => write!(f, "{}: ", self.pipeline)?,
            depth => write!(f, "{}{}: ", "  ".repeat(depth), self.path)?,
        }
        match self.total {
            Some(total) => write!(f, "{}/{total} items", self.done)?,
            None => write!(f, "{} items", self.done)?,
        }
        write!(f, ", {} failed in {}", self.failed, human(self.elapsed))
    }
}

impl fmt::Display for Progress {
    /// Every bar's line, as [`bars`](Progress::bars) lists them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for bar in self.bars() {
            writeln!(f, "{bar}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("drawn", &self.is_drawn())
            .field("bars", &self.bars())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{BarCounts, Progress, BATCH};
    use crate::callback::{Callback, MapEvent};
    use std::string::ToString;
    use std::sync::Barrier;
    use std::time::Duration;
    use std::vec::Vec;

    fn map(total: Option<usize>, parent: Option<&MapEvent>, path: &'static str) -> MapEvent {
        MapEvent::new(
            if parent.is_some() { "Inner" } else { "Outer" },
            path,
            total,
            parent.map_or(0, |parent| parent.depth + 1),
            parent.map(|parent| parent.id),
        )
    }

    fn end(progress: &Progress, event: &MapEvent, items: usize, failing: usize) {
        for item in 0..items {
            progress.on_item_end(event, item, Duration::from_micros(1), item >= failing);
        }
    }

    fn counts(progress: &Progress) -> Vec<(usize, Option<u64>, u64, u64, bool)> {
        (progress.bars().iter())
            .map(|b| (b.depth, b.total, b.done, b.failed, b.finished))
            .collect()
    }

    #[test]
    fn nested_maps_share_a_child_bar_per_outer_map_and_path_whose_total_grows() {
        let progress = Progress::hidden();
        let outer = map(Some(3), None, "");
        progress.on_map_start(&outer);
        for _ in 0..3 {
            let inner = map(Some(4), Some(&outer), "stats");
            progress.on_map_start(&inner);
            end(&progress, &inner, 4, 1);
            progress.on_map_end(&inner, Duration::ZERO);
            // Still running: more nested maps may come.
            assert!(!progress.bars()[1].finished);
        }
        let other = map(None, Some(&outer), "other");
        progress.on_map_start(&other);
        end(&progress, &other, 2, 0);
        progress.on_map_end(&other, Duration::ZERO);
        end(&progress, &outer, 3, 1);
        assert_eq!(
            counts(&progress),
            [
                (0, Some(3), 3, 1, false),
                (1, Some(12), 12, 3, false),
                (1, None, 2, 0, false)
            ]
        );
        progress.on_map_end(&outer, Duration::ZERO);
        assert_eq!(
            counts(&progress),
            [
                (0, Some(3), 3, 1, true),
                (1, Some(12), 12, 3, true),
                (1, None, 2, 0, true)
            ]
        );
        let text = progress.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("Outer: 3/3 items, 1 failed in "),
            "{text}"
        );
        assert!(
            lines[1].starts_with("  stats: 12/12 items, 3 failed in "),
            "{text}"
        );
        assert!(
            lines[2].starts_with("  other: 2 items, 0 failed in "),
            "{text}"
        );
    }

    #[test]
    fn counts_are_exact_at_the_end_whatever_the_batches_hold() {
        let progress = Progress::hidden();
        let event = map(Some(4 * 1000), None, "");
        progress.on_map_start(&event);
        let barrier = Barrier::new(4);
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let (progress, barrier) = (progress.clone(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    for item in 0..1000 {
                        progress.on_item_end(&event, item, Duration::ZERO, item % 100 != thread);
                    }
                });
            }
        });
        // Fewer than a batch per thread: nothing was shown yet, all counted.
        assert!(1000 < BATCH as usize * 4);
        assert_eq!(counts(&progress), [(0, Some(4000), 4000, 40, false)]);
        progress.on_map_end(&event, Duration::ZERO);
        assert_eq!(counts(&progress), [(0, Some(4000), 4000, 40, true)]);
    }

    #[test]
    fn a_thread_counting_many_maps_at_once_loses_no_item() {
        let progress = Progress::hidden();
        let maps: Vec<MapEvent> = (0..20).map(|_| map(Some(30), None, "")).collect();
        for event in &maps {
            progress.on_map_start(event);
        }
        // Round-robin over more maps than a thread caches.
        for item in 0..30 {
            for event in &maps {
                progress.on_item_end(event, item, Duration::ZERO, item != 0);
            }
        }
        for event in &maps {
            progress.on_map_end(event, Duration::ZERO);
        }
        let bars = progress.bars();
        assert_eq!(bars.len(), 20);
        assert!(
            bars.iter().all(|b| (b.done, b.failed) == (30, 1)),
            "{bars:?}"
        );
    }

    #[test]
    fn two_handles_count_the_same_map_apart() {
        let (first, second) = (Progress::hidden(), Progress::hidden());
        let event = map(Some(5), None, "");
        first.on_map_start(&event);
        second.on_map_start(&event);
        end(&first, &event, 5, 0);
        end(&second, &event, 3, 0);
        assert_eq!(counts(&first), [(0, Some(5), 5, 0, false)]);
        assert_eq!(counts(&second), [(0, Some(5), 3, 0, false)]);
    }

    #[test]
    fn a_line_reads_done_out_of_total_and_failures() {
        let line = BarCounts {
            pipeline: "Corpus",
            path: "",
            depth: 0,
            total: Some(200),
            done: 200,
            failed: 3,
            finished: true,
            elapsed: Duration::from_millis(1250),
        };
        assert_eq!(
            line.to_string(),
            "Corpus: 200/200 items, 3 failed in 1.25 s"
        );
        let child = BarCounts {
            path: "text_stats",
            depth: 1,
            total: None,
            ..line
        };
        assert_eq!(
            child.to_string(),
            "  text_stats: 200 items, 3 failed in 1.25 s"
        );
    }
}
