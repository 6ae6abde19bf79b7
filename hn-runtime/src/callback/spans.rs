//! [`Tracing`]: spans and events for the `tracing` ecosystem.
//!
//! # Which spans are entered
//!
//! A span entered on a thread must be exited on that thread, and while it
//! is entered it is the parent of whatever that thread logs. Where a start
//! and its end are one call apart on one thread (a sync run, an item of a
//! sync map, a sync node), the span is entered at the start and exited at
//! the end, through a thread-local stack: what the node logs is inside its
//! span, and stolen rayon work nests properly (it ends before the thread
//! goes back to what it was doing). Where they are not (async runs, items
//! and nodes, whose end comes at a later poll, maybe on another thread,
//! with other futures polled in between), the span is created with its
//! parent given explicitly, kept in a shared table, never entered, and
//! closed at the end: the tree is right, and no span stays entered on a
//! thread it was not closed on. Maps are never entered either: a lazy map
//! ends wherever its results run out, and its caller does other work
//! meanwhile.
//!
//! # How parents are found
//!
//! Node events carry the pipeline and the item's index, not the map, so a
//! node's parent is the item span of that pipeline and index (or the run
//! span of the pipeline, outside maps): on this thread's stack first, which
//! is exact for a sync node on the item's own thread; otherwise the latest
//! such span open anywhere. That can pick the wrong one only when two maps
//! (or runs) of one pipeline are open at once and a node runs away from its
//! item's thread (a parallel node stolen by a thread of the other map, an
//! async node); and two async runs of one pipeline that overlap may close
//! each other's span, which differ only in their times.

use super::{in_async_event, Callback, MapEvent, NodeEvent};
use core::fmt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;
use std::vec::Vec;
use tracing::field::Empty;
use tracing::span::EnteredSpan;
use tracing::Span;

/// The target of every span and event.
const TARGET: &str = "hypernodes";

/// Spans and events for the [`tracing`](https://docs.rs/tracing) ecosystem:
/// whatever subscriber the program installs (a log file, OpenTelemetry,
/// ...) sees every run, map, item and node, from every thread.
///
/// | span | level | fields |
/// | --- | --- | --- |
/// | `run` | `INFO` | `pipeline`, `ok` (at the end) |
/// | `map` | `INFO` | `pipeline`, `path` (empty at the top level), `total` (if known), `depth` |
/// | `item` | `DEBUG` | `pipeline`, `item`, `ok` (at the end) |
/// | `node` | `DEBUG` | `node` (its name), `path`, `item` (in a map), `ok` (at the end) |
///
/// Node spans are inside the item or run span, items inside their map,
/// a mapped nested pipeline's map inside the outer item. A node that fails
/// or panics emits an `ERROR` event inside its span, whose message is the
/// error (or `panicked: <message>`), with the fields `node` and `item`.
/// Every target is `hypernodes`.
///
/// The spans of sync runs, items and nodes are entered on the thread that
/// runs them, so what a node logs is inside its span; those of async ones
/// are not (they start and end at different polls, maybe on different
/// threads), but have the same parents. Events logged inside an async node
/// belong to whatever span the caller instruments the future with.
///
/// # Examples
///
/// ```
/// use hypernodes::observe::Tracing;
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 {
///             tracing::info!(x, "doubling"); // inside the `node` span
///             x * 2
///         }
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// // With a subscriber installed, e.g. `tracing_subscriber::fmt().init()`.
/// let engine = Engine::new().callback(Tracing);
/// let out = Chain.run_with(&engine, ChainInputs { x: 5 }).unwrap();
/// assert_eq!(out.add_one, 11);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Tracing;

/// What a span stands for, as the events that end it or look for it as a
/// parent can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Of {
    Run(&'static str),
    Item(&'static str, usize),
    Node(&'static str, Option<usize>, &'static str),
}

/// A span and what it stands for; items also name their map, since
/// concurrent maps of one pipeline have items of the same index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    of: Of,
    map: Option<u64>,
}

impl Key {
    fn run(pipeline: &'static str) -> Self {
        Key {
            of: Of::Run(pipeline),
            map: None,
        }
    }

    fn item(event: &MapEvent, item: usize) -> Self {
        Key {
            of: Of::Item(event.pipeline, item),
            map: Some(event.id),
        }
    }

    fn node(event: &NodeEvent) -> Self {
        Key {
            of: Of::Node(event.pipeline, event.item, event.node.path),
            map: None,
        }
    }
}

std::thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(Key, EnteredSpan)>> = const { RefCell::new(Vec::new()) };
}

/// The spans other threads may look for: open runs and items (the parents
/// of nodes that run on another thread), maps (the parents of their items),
/// and the async spans (closed where they end).
#[derive(Default)]
struct Open {
    spans: HashMap<Of, Vec<(Option<u64>, Span)>>,
    maps: HashMap<u64, Span>,
}

static OPEN: LazyLock<Mutex<Open>> = LazyLock::new(Mutex::default);

fn open() -> MutexGuard<'static, Open> {
    OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Open {
    /// The latest open span of `of`.
    fn latest(&self, of: &Of) -> Option<Span> {
        let spans = self.spans.get(of)?;
        spans.last().map(|(_, span)| span.clone())
    }

    /// Takes the span of `key` out: `span` itself if given, else the latest.
    fn take(&mut self, key: &Key, span: Option<&Span>) -> Option<Span> {
        let spans = self.spans.get_mut(&key.of)?;
        let index = spans
            .iter()
            .rposition(|(map, open)| *map == key.map && span.is_none_or(|span| span == open))?;
        let (_, taken) = spans.remove(index);
        if spans.is_empty() {
            self.spans.remove(&key.of);
        }
        Some(taken)
    }
}

/// This thread's innermost entered span that `wanted` accepts.
fn entered(wanted: impl Fn(&Key) -> bool) -> Option<Span> {
    let found = ENTERED.try_with(|entered| {
        let entered = entered.try_borrow().ok()?;
        let mut spans = entered.iter().rev();
        spans
            .find(|(key, _)| wanted(key))
            .map(|(_, span)| Span::clone(span))
    });
    found.ok().flatten()
}

/// Starts what `key` stands for with `span`: entered on this thread, or
/// (for an async event) kept for its end to close. `shared` spans are also
/// kept for other threads to find as parents.
fn start(key: Key, span: Span, shared: bool) {
    if span.is_none() {
        // Disabled by the subscriber: nothing to enter, find or close.
        return;
    }
    let asynchronous = in_async_event();
    if shared || asynchronous {
        (open().spans.entry(key.of).or_default()).push((key.map, span.clone()));
    }
    if !asynchronous {
        let span = span.entered();
        let pushed = ENTERED.try_with(|entered| match entered.try_borrow_mut() {
            Ok(mut entered) => {
                entered.push((key, span));
                None
            }
            Err(_) => Some(span),
        });
        // No stack (the thread is exiting): the guard exits the span now.
        drop(pushed);
    }
}

/// Ends what `key` stands for: records `ok` and closes its span, exiting it
/// if this thread entered it.
fn end(key: Key, ok: Option<bool>) {
    if !in_async_event() {
        if let Some(entered) = take_entered(&key) {
            // Also kept for other threads? Then no longer.
            let kept = open().take(&key, Some(&entered));
            drop(kept);
            record_ok(&entered, ok);
            // Dropping the guard exits the span on this thread, where it
            // was entered; with the last handle gone, the span closes.
            drop(entered);
            return;
        }
    }
    let kept = open().take(&key, None);
    if let Some(span) = kept {
        record_ok(&span, ok);
    }
}

/// Takes the innermost span of `key` off this thread's stack.
fn take_entered(key: &Key) -> Option<EnteredSpan> {
    let taken = ENTERED.try_with(|entered| {
        let mut entered = entered.try_borrow_mut().ok()?;
        let index = entered.iter().rposition(|(entered, _)| entered == key)?;
        Some(entered.remove(index).1)
    });
    taken.ok().flatten()
}

fn record_ok(span: &Span, ok: Option<bool>) {
    if let Some(ok) = ok {
        span.record("ok", ok);
    }
}

/// The span of the run or item a node belongs to.
fn node_parent(event: &NodeEvent) -> Span {
    let of = match event.item {
        Some(item) => Of::Item(event.pipeline, item),
        None => Of::Run(event.pipeline),
    };
    (entered(|key| key.of == of))
        .or_else(|| open().latest(&of))
        .unwrap_or_else(Span::current)
}

/// The span of a node while it runs: on this thread's stack, or kept.
fn node_span(event: &NodeEvent) -> Option<Span> {
    let key = Key::node(event);
    entered(|entered| *entered == key).or_else(|| open().latest(&key.of))
}

impl Callback for Tracing {
    fn on_run_start(&self, pipeline: &'static str) {
        let span = tracing::info_span!(target: TARGET, "run", pipeline, ok = Empty);
        start(Key::run(pipeline), span, true);
    }

    fn on_run_end(&self, pipeline: &'static str, _: Duration, ok: bool) {
        end(Key::run(pipeline), Some(ok));
    }

    fn on_map_start(&self, event: &MapEvent) {
        // A nested map's parent: the outer item this thread runs, else the
        // outer map.
        let parent = event.parent.map(|outer| {
            entered(|key| matches!(key.of, Of::Item(..)) && key.map == Some(outer))
                .or_else(|| open().maps.get(&outer).cloned())
                .unwrap_or_else(Span::current)
        });
        let parent = parent.unwrap_or_else(Span::current);
        let span = tracing::info_span!(
            target: TARGET,
            parent: &parent,
            "map",
            pipeline = event.pipeline,
            path = event.path,
            total = event.total,
            depth = event.depth
        );
        if !span.is_none() {
            open().maps.insert(event.id, span);
        }
    }

    fn on_item_start(&self, event: &MapEvent, item: usize) {
        let parent = (open().maps.get(&event.id).cloned()).unwrap_or_else(Span::current);
        let span = tracing::debug_span!(
            target: TARGET,
            parent: &parent,
            "item",
            pipeline = event.pipeline,
            item,
            ok = Empty
        );
        start(Key::item(event, item), span, true);
    }

    fn on_item_end(&self, event: &MapEvent, item: usize, _: Duration, ok: bool) {
        end(Key::item(event, item), Some(ok));
    }

    fn on_map_end(&self, event: &MapEvent, _: Duration) {
        // Dropped outside the lock: closing a span calls the subscriber.
        let closed = open().maps.remove(&event.id);
        drop(closed);
    }

    fn on_node_start(&self, event: &NodeEvent) {
        let parent = node_parent(event);
        let span = tracing::debug_span!(
            target: TARGET,
            parent: &parent,
            "node",
            node = event.node.name,
            path = event.node.path,
            item = event.item,
            ok = Empty
        );
        start(Key::node(event), span, false);
    }

    fn on_node_error(&self, event: &NodeEvent, error: &dyn fmt::Display) {
        let span = node_span(event).unwrap_or_else(|| node_parent(event));
        tracing::error!(
            target: TARGET,
            parent: &span,
            node = event.node.path,
            item = event.item,
            "{error}"
        );
    }

    fn on_node_end(&self, event: &NodeEvent, _: Duration, ok: bool) {
        end(Key::node(event), Some(ok));
    }

    /// A `DEBUG` event in the run's or item's span: a node whose condition
    /// did not hold (no span: it did not run).
    fn on_node_skipped(&self, event: &NodeEvent) {
        tracing::debug!(
            target: TARGET,
            parent: &node_parent(event),
            node = event.node.path,
            item = event.item,
            when = event.node.when,
            "skipped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Of, Open};
    use tracing::Span;

    #[test]
    fn a_kept_span_is_taken_by_its_map_and_itself_else_the_latest() {
        let mut open = Open::default();
        let item = |map| Key {
            of: Of::Item("P", 3),
            map: Some(map),
        };
        for map in [1, 2, 1] {
            (open.spans.entry(item(map).of).or_default()).push((Some(map), Span::none()));
        }
        assert!(open.take(&item(2), None).is_some());
        assert!(open.take(&item(2), None).is_none());
        // Disabled spans are never equal, not even to themselves.
        assert!(open.take(&item(1), Some(&Span::none())).is_none());
        assert!(open.take(&item(1), None).is_some());
        assert_eq!(open.spans[&Of::Item("P", 3)].len(), 1);
        assert!(open.take(&item(1), None).is_some());
        assert!(open.spans.is_empty(), "an empty list is removed");
        assert!(open.latest(&Of::Run("P")).is_none());
    }
}
