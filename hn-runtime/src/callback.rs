//! Watching runs: the [`Callback`] trait an [`Engine`](crate::Engine)
//! calls around runs, maps, items and node calls, and [`Timings`], a
//! callback that times every node.
//!
//! Runners call callbacks through an observer ([`Callbacks`]) that generated
//! code wraps around each node; an engine without callbacks uses the unit
//! observer, whose hooks compile away.
//!
//! With the feature `progress`, `Progress` draws a bar per map; with the
//! feature `tracing`, `Tracing` opens spans and emits events.

pub(crate) mod counts;
#[cfg(feature = "progress")]
mod progress;
#[cfg(feature = "tracing")]
mod spans;
mod timings;

#[cfg(feature = "progress")]
pub use progress::{BarCounts, Progress};
#[cfg(feature = "tracing")]
pub use spans::Tracing;
pub use timings::{NodeTiming, Timings};

use crate::observe::Observer;
use crate::NodeInfo;
use core::fmt;
use counts::Tally;
use std::boxed::Box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// What an [`Engine`](crate::Engine) calls while it runs a pipeline. Every
/// method has an empty default: implement the ones you need.
///
/// Callbacks are called from the thread that runs the node (a rayon worker
/// in a parallel run), so they must be `Send + Sync`; several are called in
/// the order they were added. A node that fails gets `on_node_error` and
/// then `on_node_end` with `ok = false`; a node that panics too, with the
/// panic's message as its error.
///
/// # Examples
///
/// ```
/// use hypernodes::observe::{Callback, NodeEvent};
/// use hypernodes::prelude::*;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// /// Counts node calls.
/// #[derive(Default)]
/// struct CountCalls(AtomicUsize);
///
/// impl Callback for CountCalls {
///     fn on_node_start(&self, _: &NodeEvent) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 { x * 2 }
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// let calls = Arc::new(CountCalls::default()); // shared with the engine
/// let engine = Engine::new().callback(Arc::clone(&calls));
/// let out = Chain.run_with(&engine, ChainInputs { x: 5 }).unwrap();
/// assert_eq!((out.add_one, calls.0.load(Ordering::Relaxed)), (11, 2));
/// ```
#[allow(unused_variables, reason = "the defaults ignore their arguments")]
pub trait Callback: Send + Sync + 'static {
    /// A run of `pipeline` starts.
    fn on_run_start(&self, pipeline: &'static str) {}
    /// A run of `pipeline` ends; `ok` is false if a node failed or panicked.
    fn on_run_end(&self, pipeline: &'static str, elapsed: Duration, ok: bool) {}
    /// A node starts.
    fn on_node_start(&self, event: &NodeEvent) {}
    /// A node ends; `ok` is false if it failed or panicked.
    fn on_node_end(&self, event: &NodeEvent, elapsed: Duration, ok: bool) {}
    /// A node failed (or panicked), before its `on_node_end`.
    fn on_node_error(&self, event: &NodeEvent, error: &dyn fmt::Display) {}
    /// A map starts.
    fn on_map_start(&self, event: &MapEvent) {}
    /// An item of a map starts (only if [`Interest::items`]).
    fn on_item_start(&self, event: &MapEvent, item: usize) {}
    /// An item of a map ends (only if [`Interest::items`]).
    fn on_item_end(&self, event: &MapEvent, item: usize, elapsed: Duration, ok: bool) {}
    /// A batch of `done` items of a map ended, `failed` of them failed or
    /// panicked (only if not [`Interest::items`]: instead of the items'
    /// events). Called from a thread that ran them, every 50 ms or so and
    /// when it is done with its share of the items; at the map's end,
    /// before `on_map_end`, from the thread that ends it, with what was
    /// still waiting: the sums are exact by then. Also from a thread that
    /// asks a progress bar (`Progress::bars`) for its counts so far.
    fn on_items_done(&self, event: &MapEvent, done: usize, failed: usize) {}
    /// A map ends.
    fn on_map_end(&self, event: &MapEvent, elapsed: Duration) {}
    /// A node's result came from the engine's cache: the node did not run.
    fn on_cache_hit(&self, event: &NodeEvent) {}
    /// A node did not run: its condition (`#[when(..)]`, or a value it
    /// takes that was not produced) did not hold on this run or item.
    fn on_node_skipped(&self, event: &NodeEvent) {}

    /// Which events this callback uses, asked once per run or map: the
    /// runners skip what no callback of the engine uses (the node events,
    /// and the clock reads of the durations), and give a callback without
    /// [`Interest::items`] batched counts instead of its items' events.
    /// [`Interest::ALL`] by default; a progress bar needs
    /// [`Interest::COUNTS`].
    fn interest(&self) -> Interest {
        Interest::ALL
    }
}

/// Which events a [`Callback`] uses (see [`Callback::interest`]). Runs and
/// maps are always reported, with their time; items one by one or counted
/// in batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Interest {
    /// Node events: `on_node_start`, `on_node_end`, `on_node_error`,
    /// `on_cache_hit`.
    pub nodes: bool,
    /// The durations of items and nodes (without them, their `elapsed` is
    /// zero): two clock reads per item or node.
    pub times: bool,
    /// Each item's events, `on_item_start` and `on_item_end`; without them,
    /// the items' counts in batches, `on_items_done`. A map whose callbacks
    /// all go without runs its items as a map without callbacks does, with
    /// only a count per item.
    pub items: bool,
}

impl Interest {
    /// Every event, with its duration.
    pub const ALL: Interest = Interest {
        nodes: true,
        times: true,
        items: true,
    };

    /// Runs, maps and each item's events, without the items' durations.
    pub const ITEMS: Interest = Interest {
        nodes: false,
        times: false,
        items: true,
    };

    /// Runs, maps and the counts of done and failed items, in batches
    /// ([`Callback::on_items_done`]): what a progress bar needs, at the
    /// least cost per item.
    pub const COUNTS: Interest = Interest {
        nodes: false,
        times: false,
        items: false,
    };

    /// What several callbacks use together.
    fn of(callbacks: &[Arc<dyn Callback>]) -> Interest {
        callbacks.iter().fold(Interest::COUNTS, |all, callback| {
            let one = callback.interest();
            Interest {
                nodes: all.nodes || one.nodes,
                times: all.times || one.times,
                items: all.items || one.items,
            }
        })
    }

    /// Now, if durations are wanted.
    fn now(self) -> Option<Instant> {
        self.times.then(Instant::now)
    }
}

/// The time since `start`, or zero when it was not read.
fn since(start: Option<Instant>) -> Duration {
    start.map_or(Duration::ZERO, |start| start.elapsed())
}

/// Forwards every event to the callback behind a pointer: `Box<dyn
/// Callback>`, or an `Arc` shared with the code that reads what it gathered.
macro_rules! forward_callback {
    ($($pointer:ident),*) => {$(
        impl<C: Callback + ?Sized> Callback for $pointer<C> {
            fn on_run_start(&self, pipeline: &'static str) {
                (**self).on_run_start(pipeline);
            }
            fn on_run_end(&self, pipeline: &'static str, elapsed: Duration, ok: bool) {
                (**self).on_run_end(pipeline, elapsed, ok);
            }
            fn on_node_start(&self, event: &NodeEvent) {
                (**self).on_node_start(event);
            }
            fn on_node_end(&self, event: &NodeEvent, elapsed: Duration, ok: bool) {
                (**self).on_node_end(event, elapsed, ok);
            }
            fn on_node_error(&self, event: &NodeEvent, error: &dyn fmt::Display) {
                (**self).on_node_error(event, error);
            }
            fn on_map_start(&self, event: &MapEvent) {
                (**self).on_map_start(event);
            }
            fn on_item_start(&self, event: &MapEvent, item: usize) {
                (**self).on_item_start(event, item);
            }
            fn on_item_end(&self, event: &MapEvent, item: usize, elapsed: Duration, ok: bool) {
                (**self).on_item_end(event, item, elapsed, ok);
            }
            fn on_items_done(&self, event: &MapEvent, done: usize, failed: usize) {
                (**self).on_items_done(event, done, failed);
            }
            fn on_map_end(&self, event: &MapEvent, elapsed: Duration) {
                (**self).on_map_end(event, elapsed);
            }
            fn on_cache_hit(&self, event: &NodeEvent) {
                (**self).on_cache_hit(event);
            }
            fn on_node_skipped(&self, event: &NodeEvent) {
                (**self).on_node_skipped(event);
            }
            fn interest(&self) -> Interest {
                (**self).interest()
            }
        }
    )*};
}

forward_callback!(Box, Arc);

/// A node call: which pipeline, which node, which item of a map.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct NodeEvent {
    /// The pipeline's struct name.
    pub pipeline: &'static str,
    /// The node: its name and its path (`"text_stats / load_text"` inside a
    /// nested pipeline).
    pub node: &'static NodeInfo,
    /// In a map, the item's index.
    pub item: Option<usize>,
}

/// A map: which pipeline, where it is, how many items.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct MapEvent {
    /// The mapped pipeline's struct name.
    pub pipeline: &'static str,
    /// Where the map is: empty for a top-level map, the nested entry's path
    /// for a mapped nested pipeline.
    pub path: &'static str,
    /// The number of items, when known in advance.
    pub total: Option<usize>,
    /// 0 for a top-level map, 1 for a mapped nested pipeline inside it, ...
    pub depth: usize,
    /// Tells this map from every other one of the process (concurrent maps
    /// of one pipeline included): a key for what a callback keeps per map.
    pub id: u64,
    /// For a mapped nested pipeline, the [`id`](MapEvent::id) of the map
    /// whose item runs it; `None` for a top-level map.
    pub parent: Option<u64>,
}

impl MapEvent {
    /// A fresh map's event, with a new id.
    pub(crate) fn new(
        pipeline: &'static str,
        path: &'static str,
        total: Option<usize>,
        depth: usize,
        parent: Option<u64>,
    ) -> Self {
        use core::sync::atomic::{AtomicU64, Ordering};
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        MapEvent {
            pipeline,
            path,
            total,
            depth,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            parent,
        }
    }
}

#[cfg(feature = "tokio")]
std::thread_local! {
    /// Set while an async runner calls callbacks (see [`in_async_event`]).
    static ASYNC_EVENT: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Calls `deliver`, which calls callbacks, with [`in_async_event`] true.
#[cfg(feature = "tokio")]
fn async_event<R>(deliver: impl FnOnce() -> R) -> R {
    /// Puts the flag back even if a callback panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = ASYNC_EVENT.try_with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(
        ASYNC_EVENT
            .try_with(|flag| flag.replace(true))
            .unwrap_or(false),
    );
    deliver()
}

/// Whether the event being delivered comes from an async runner: an async
/// run, map or item, or a node the runner awaits (an `async fn`, a blocking
/// node, one with retries). Such an event's start comes at a first poll and
/// its end at completion, possibly on another thread, with other futures
/// polled on the same thread in between; a callback that would hold
/// something thread-bound from start to end (an entered span) must not.
#[cfg(feature = "tracing")]
pub(crate) fn in_async_event() -> bool {
    #[cfg(feature = "tokio")]
    return ASYNC_EVENT.try_with(core::cell::Cell::get).unwrap_or(false);
    #[cfg(not(feature = "tokio"))]
    false
}

/// The callbacks of an engine, as the observer of one run or one item:
/// calls them around every node.
#[doc(hidden)]
pub struct Callbacks<'a> {
    callbacks: &'a [Arc<dyn Callback>],
    /// What they use.
    interest: Interest,
    pipeline: &'static str,
    item: Option<usize>,
    /// The map whose item this is (a top-level map, or a mapped nested
    /// pipeline's), if any: the parent of the nested maps inside.
    map: Option<&'a MapEvent>,
    /// For an item of a mapped nested pipeline: its index and start.
    nested_item: Option<(usize, Option<Instant>)>,
    /// For the nodes a nested pipeline's wrapper runs: the entries to put
    /// before their paths.
    prefix: Option<&'static str>,
    /// Where `#[node(cache)]` nodes are looked up.
    #[cfg(feature = "cache")]
    cache: Option<&'a dyn crate::cache::Cache>,
}

impl<'a> Callbacks<'a> {
    /// For a run of `pipeline` with `engine`'s callbacks and cache.
    pub fn new(engine: &'a crate::Engine, pipeline: &'static str) -> Self {
        let callbacks = engine.__callbacks();
        Callbacks::of(
            callbacks,
            Interest::of(callbacks),
            #[cfg(feature = "cache")]
            engine.__cache(),
            pipeline,
            None,
        )
    }

    /// For a run of `pipeline` (or item `item` of a map of it).
    fn of(
        callbacks: &'a [Arc<dyn Callback>],
        interest: Interest,
        #[cfg(feature = "cache")] cache: Option<&'a dyn crate::cache::Cache>,
        pipeline: &'static str,
        item: Option<usize>,
    ) -> Self {
        Callbacks {
            callbacks,
            interest,
            pipeline,
            item,
            map: None,
            nested_item: None,
            prefix: None,
            #[cfg(feature = "cache")]
            cache,
        }
    }

    fn event(&self, node: &'static NodeInfo) -> NodeEvent {
        NodeEvent {
            pipeline: self.pipeline,
            node: match self.prefix {
                Some(prefix) => crate::scoped::scoped_node(prefix, node),
                None => node,
            },
            item: self.item,
        }
    }

    fn node_started(&self, node: &'static NodeInfo) -> Option<Instant> {
        let event = self.event(node);
        for callback in self.callbacks {
            callback.on_node_start(&event);
        }
        self.interest.now()
    }

    fn node_failed(&self, node: &'static NodeInfo, error: &dyn fmt::Display) {
        let event = self.event(node);
        for callback in self.callbacks {
            callback.on_node_error(&event, error);
        }
    }

    fn node_ended(&self, node: &'static NodeInfo, began: Option<Instant>, ok: bool) {
        let (event, elapsed) = (self.event(node), since(began));
        for callback in self.callbacks {
            callback.on_node_end(&event, elapsed, ok);
        }
    }

    /// Runs `run` between `on_run_start` and `on_run_end`; a panic ends the
    /// run with `ok = false` and goes on unwinding.
    pub fn run<T, E>(&self, run: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        for callback in self.callbacks {
            callback.on_run_start(self.pipeline);
        }
        let start = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
        let ok = matches!(result, Ok(Ok(_)));
        for callback in self.callbacks {
            callback.on_run_end(self.pipeline, start.elapsed(), ok);
        }
        result.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }
}

impl<'a> Observer for Callbacks<'a> {
    /// The start, if durations are wanted.
    type Began = Option<Instant>;
    /// The nested map's event, start, and callbacks by what they want of
    /// its items.
    type Map = (MapEvent, Instant, ItemCallbacks);
    type Inner<'m>
        = Callbacks<'m>
    where
        'a: 'm;

    /// A nested map is one level below the map whose item runs it (or at
    /// depth 1 in a single run).
    fn map_begin(&self, pipeline: &'static str, path: &'static str, total: usize) -> Self::Map {
        let event = MapEvent::new(
            pipeline,
            match self.prefix {
                Some(prefix) => crate::scoped::join_paths(prefix, path),
                None => path,
            },
            Some(total),
            self.map.map_or(1, |map| map.depth + 1),
            self.map.map(|map| map.id),
        );
        for callback in self.callbacks {
            callback.on_map_start(&event);
        }
        let split = ItemCallbacks::of(self.callbacks, &event);
        (event, Instant::now(), split)
    }

    #[cfg(feature = "cache")]
    fn cache(&self) -> Option<&dyn crate::cache::Cache> {
        self.cache
    }

    #[cfg(feature = "cache")]
    fn cache_hit(&self, node: &'static NodeInfo) {
        if !self.interest.nodes {
            return;
        }
        let event = self.event(node);
        for callback in self.callbacks {
            callback.on_cache_hit(&event);
        }
    }

    fn skipped(&self, node: &'static NodeInfo) {
        if !self.interest.nodes {
            return;
        }
        let event = self.event(node);
        for callback in self.callbacks {
            callback.on_node_skipped(&event);
        }
    }

    /// The item's nodes report the top-level item (`NodeEvent::item`), as
    /// the other nodes of that item do.
    fn item_begin<'m>(&'m self, map: &'m Self::Map, item: usize) -> Callbacks<'m> {
        map.2.started(&map.0, item);
        Callbacks {
            map: Some(&map.0),
            nested_item: Some((item, self.interest.now())),
            ..*self
        }
    }

    fn scoped(&self, entry: &'static str) -> Callbacks<'_> {
        Callbacks {
            prefix: Some(match self.prefix {
                Some(prefix) => crate::scoped::join_paths(prefix, entry),
                None => entry,
            }),
            nested_item: None,
            ..*self
        }
    }

    fn item_end(&self, map: &Self::Map, item: &Callbacks<'_>, ok: bool) {
        if let Some((index, start)) = item.nested_item {
            map.2.ended(&map.0, index, start, ok);
        }
    }

    fn map_end(&self, (event, start, split): &Self::Map) {
        split.end();
        for callback in self.callbacks {
            callback.on_map_end(event, start.elapsed());
        }
    }

    /// Inlined down to the check of the interest: without node events, a
    /// node costs one test and no call.
    #[inline]
    fn begin(&self, node: &'static NodeInfo) -> Option<Instant> {
        if !self.interest.nodes {
            return None;
        }
        self.node_started(node)
    }

    fn call<R>(
        &self,
        node: &'static NodeInfo,
        began: &Option<Instant>,
        run: impl FnOnce() -> R,
    ) -> R {
        if !self.interest.nodes {
            return run();
        }
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|payload| {
            let message = crate::observe::panic_message(&*payload);
            self.failed(node, &format_args!("panicked: {message}"));
            self.end(node, *began, false);
            std::panic::resume_unwind(payload)
        })
    }

    #[inline]
    fn failed(&self, node: &'static NodeInfo, error: &dyn fmt::Display) {
        if self.interest.nodes {
            self.node_failed(node, error);
        }
    }

    #[inline]
    fn end(&self, node: &'static NodeInfo, began: Option<Instant>, ok: bool) {
        if self.interest.nodes {
            self.node_ended(node, began, ok);
        }
    }

    #[cfg(feature = "tokio")]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static NodeInfo,
        run: F,
        failure: impl Fn(&F::Output, &mut dyn FnMut(&dyn fmt::Display)) + Copy + Send + Sync,
    ) -> impl core::future::Future<Output = F::Output> {
        ObservedNode {
            run,
            observer: self,
            node,
            failure,
            began: None,
        }
    }
}

#[cfg(feature = "tokio")]
pin_project_lite::pin_project! {
    /// An async node's future between its start (at the first poll) and its
    /// end, as [`Callbacks`] reports them.
    struct ObservedNode<'o, 'a, F, R> {
        #[pin]
        run: F,
        observer: &'o Callbacks<'a>,
        node: &'static NodeInfo,
        failure: R,
        // Set at the first poll: when the node started, if timed.
        began: Option<Option<Instant>>,
    }
}

#[cfg(feature = "tokio")]
impl<F, R> core::future::Future for ObservedNode<'_, '_, F, R>
where
    F: core::future::Future,
    R: Fn(&F::Output, &mut dyn FnMut(&dyn fmt::Display)),
{
    type Output = F::Output;

    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<F::Output> {
        let this = self.project();
        let (observer, node) = (*this.observer, *this.node);
        let began = *this
            .began
            .get_or_insert_with(|| async_event(|| observer.begin(node)));
        let run = this.run;
        let poll = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                let message = crate::observe::panic_message(&*payload);
                async_event(|| {
                    observer.failed(node, &format_args!("panicked: {message}"));
                    observer.end(node, began, false);
                });
                std::panic::resume_unwind(payload)
            }
        };
        if let core::task::Poll::Ready(output) = &poll {
            async_event(|| {
                let mut ok = true;
                (this.failure)(output, &mut |error| {
                    ok = false;
                    observer.failed(node, error);
                });
                observer.end(node, began, ok);
            });
        }
        poll
    }
}

#[cfg(feature = "tokio")]
impl Callbacks<'_> {
    /// Awaits `run` between `on_run_start` and `on_run_end`; a panic ends the
    /// run with `ok = false` and goes on unwinding.
    pub async fn run_async<T, E>(
        &self,
        run: impl core::future::Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        use futures::FutureExt;
        async_event(|| {
            for callback in self.callbacks {
                callback.on_run_start(self.pipeline);
            }
        });
        let start = Instant::now();
        let result = std::panic::AssertUnwindSafe(run).catch_unwind().await;
        let ok = matches!(result, Ok(Ok(_)));
        async_event(|| {
            for callback in self.callbacks {
                callback.on_run_end(self.pipeline, start.elapsed(), ok);
            }
        });
        result.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }
}

/// The callbacks of an engine around one map: its start and end, and each
/// item's.
#[doc(hidden)]
pub struct MapEvents {
    callbacks: Vec<Arc<dyn Callback>>,
    /// What they use.
    interest: Interest,
    /// They, by what they want of the items.
    split: ItemCallbacks,
    #[cfg(feature = "cache")]
    cache: Option<Arc<dyn crate::cache::Cache>>,
    event: MapEvent,
}

impl MapEvents {
    /// For a top-level map of `pipeline` over `total` items, if known,
    /// with `engine`'s callbacks and cache.
    pub fn new(engine: &crate::Engine, pipeline: &'static str, total: Option<usize>) -> Self {
        let callbacks = engine.__callbacks();
        let event = MapEvent::new(pipeline, "", total, 0, None);
        MapEvents {
            callbacks: callbacks.to_vec(),
            interest: Interest::of(callbacks),
            split: ItemCallbacks::of(callbacks, &event),
            #[cfg(feature = "cache")]
            cache: engine.__cache_arc(),
            event,
        }
    }

    /// Whether the map can run its items as a map without callbacks does,
    /// each only counted ([`MapEvents::count`]): no callback wants item or
    /// node events, and no cache is looked up through the callbacks'
    /// observer.
    #[inline]
    pub fn counts_only(&self) -> bool {
        #[cfg(feature = "cache")]
        if self.cache.is_some() {
            return false;
        }
        !self.interest.items && !self.interest.nodes
    }

    /// The counts of the counts-only callbacks, if any.
    pub(crate) fn tally(&self) -> Option<&Arc<Tally>> {
        self.split.tally.as_ref()
    }

    /// Runs an item (with the observer of a map without callbacks) and
    /// counts it for the counts-only callbacks: failed if it fails or
    /// panics (the panic goes on unwinding).
    #[inline]
    pub fn count<O, E>(&self, run: impl FnOnce() -> Result<O, E>) -> Result<O, E> {
        let Some(tally) = &self.split.tally else {
            return run();
        };
        /// Counts the item as failed if it unwinds.
        struct Unwinding<'t>(&'t Arc<Tally>);
        impl Drop for Unwinding<'_> {
            fn drop(&mut self) {
                self.0.count(false);
            }
        }
        let unwinding = Unwinding(tally);
        let result = run();
        core::mem::forget(unwinding);
        tally.count(result.is_ok());
        result
    }

    /// The observer of item `item`'s nodes through the callbacks.
    fn callbacks_of(&self, item: usize) -> Callbacks<'_> {
        Callbacks {
            map: Some(&self.event),
            ..Callbacks::of(
                &self.callbacks,
                self.interest,
                #[cfg(feature = "cache")]
                self.cache.as_deref(),
                self.event.pipeline,
                Some(item),
            )
        }
    }

    /// The number of items of `items`, if its size hint says it exactly.
    pub fn total_of(items: &impl Iterator) -> Option<usize> {
        match items.size_hint() {
            (low, Some(high)) if low == high => Some(low),
            _ => None,
        }
    }

    fn start(&self) -> Instant {
        for callback in &self.callbacks {
            callback.on_map_start(&self.event);
        }
        Instant::now()
    }

    fn end(&self, start: Instant) {
        self.split.end();
        for callback in &self.callbacks {
            callback.on_map_end(&self.event, start.elapsed());
        }
    }

    /// Runs the map between `on_map_start` and `on_map_end`.
    pub fn map<R>(&self, run: impl FnOnce() -> R) -> R {
        let start = self.start();
        let result = run();
        self.end(start);
        result
    }

    /// A lazy map's results, between `on_map_start` (now) and `on_map_end`
    /// (when they run out, or are dropped before).
    pub fn watch<It: Iterator>(self: Arc<Self>, results: It) -> Watched<It> {
        Watched {
            results,
            end: MapEnd::start(self),
        }
    }

    /// A map's stream of results, between `on_map_start` (now) and
    /// `on_map_end` (when it runs out, or is dropped before).
    #[cfg(feature = "tokio")]
    pub fn watch_stream<S: futures::Stream>(self: Arc<Self>, results: S) -> WatchedStream<S> {
        WatchedStream {
            results,
            end: MapEnd::start(self),
        }
    }

    /// The number of items of `items`, if its size hint says it exactly.
    #[cfg(feature = "tokio")]
    pub fn total_of_stream(items: &impl futures::Stream) -> Option<usize> {
        match items.size_hint() {
            (low, Some(high)) if low == high => Some(low),
            _ => None,
        }
    }

    /// Awaits the map `run` between `on_map_start` and `on_map_end`.
    #[cfg(feature = "tokio")]
    pub async fn map_async<R>(&self, run: impl core::future::Future<Output = R>) -> R {
        let start = async_event(|| self.start());
        let result = run.await;
        async_event(|| self.end(start));
        result
    }

    /// The observer of item `item`'s nodes: the callbacks, then the panics'
    /// locator.
    pub fn item_observer(&self, item: usize) -> Both<Callbacks<'_>, crate::observe::LocatePanics> {
        Both(self.callbacks_of(item), crate::observe::LocatePanics)
    }

    /// Awaits item `item`'s run between `on_item_start` and `on_item_end`
    /// (`ok = false` if it fails or panics; the panic goes on unwinding).
    #[cfg(feature = "tokio")]
    pub async fn item_async<O, E>(
        &self,
        item: usize,
        run: impl core::future::Future<Output = Result<O, E>>,
    ) -> Result<O, E> {
        use futures::FutureExt;
        async_event(|| self.split.started(&self.event, item));
        let start = self.interest.now();
        let result = std::panic::AssertUnwindSafe(run).catch_unwind().await;
        let ok = matches!(result, Ok(Ok(_)));
        async_event(|| self.split.ended(&self.event, item, start, ok));
        result.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }

    /// Runs item `item` between `on_item_start` and `on_item_end` (with
    /// `ok = false` if it fails or panics; the panic goes on unwinding),
    /// its nodes observed by the callbacks and `inner`.
    pub fn item<O, E, B: Observer>(
        &self,
        item: usize,
        inner: B,
        run: impl FnOnce(&Both<Callbacks<'_>, B>) -> Result<O, E>,
    ) -> Result<O, E> {
        self.split.started(&self.event, item);
        let start = self.interest.now();
        let observer = Both(self.callbacks_of(item), inner);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&observer)));
        let ok = matches!(result, Ok(Ok(_)));
        self.split.ended(&self.event, item, start, ok);
        result.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }
}

/// A map's callbacks by what they want of its items: each item's events,
/// or its count.
#[doc(hidden)]
pub struct ItemCallbacks {
    /// Those that want each item's events.
    items: Vec<Arc<dyn Callback>>,
    /// The counts of the others, if any.
    tally: Option<Arc<Tally>>,
}

impl ItemCallbacks {
    fn of(callbacks: &[Arc<dyn Callback>], event: &MapEvent) -> Self {
        let (items, counts) = (callbacks.iter().cloned()).partition(|c| c.interest().items);
        ItemCallbacks {
            items,
            tally: Tally::of(event, counts),
        }
    }

    fn started(&self, event: &MapEvent, item: usize) {
        for callback in &self.items {
            callback.on_item_start(event, item);
        }
    }

    fn ended(&self, event: &MapEvent, item: usize, start: Option<Instant>, ok: bool) {
        let elapsed = since(start);
        for callback in &self.items {
            callback.on_item_end(event, item, elapsed, ok);
        }
        if let Some(tally) = &self.tally {
            tally.count(ok);
        }
    }

    /// The map ended: the last counts.
    fn end(&self) {
        if let Some(tally) = &self.tally {
            tally.end();
        }
    }
}

/// A lazy map's results with its start and end reported (see
/// [`MapEvents::watch`]).
#[doc(hidden)]
pub struct Watched<It> {
    results: It,
    end: MapEnd,
}

impl<It: Iterator> Iterator for Watched<It> {
    type Item = It::Item;

    fn next(&mut self) -> Option<It::Item> {
        let next = self.results.next();
        if next.is_none() {
            self.end.end();
        }
        next
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.results.size_hint()
    }
}

/// The end of a lazy map: reported once, when its results run out or when
/// they are dropped before.
struct MapEnd {
    events: Arc<MapEvents>,
    start: Instant,
    ended: bool,
}

impl MapEnd {
    /// Reports the map's start.
    fn start(events: Arc<MapEvents>) -> Self {
        let start = events.start();
        MapEnd {
            events,
            start,
            ended: false,
        }
    }

    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.events.end(self.start);
        }
    }
}

impl Drop for MapEnd {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(feature = "tokio")]
pin_project_lite::pin_project! {
    /// A map's stream of results with its start and end reported (see
    /// [`MapEvents::watch_stream`]).
    #[doc(hidden)]
    pub struct WatchedStream<S> {
        #[pin]
        results: S,
        end: MapEnd,
    }
}

#[cfg(feature = "tokio")]
impl<S: futures::Stream> futures::Stream for WatchedStream<S> {
    type Item = S::Item;

    fn poll_next(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<S::Item>> {
        let this = self.project();
        let next = this.results.poll_next(cx);
        if let core::task::Poll::Ready(None) = next {
            this.end.end();
        }
        next
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.results.size_hint()
    }
}

/// One of two iterators: a runner's plain results, or the same watched by
/// callbacks; one return type for both.
#[doc(hidden)]
pub enum EitherIter<A, B> {
    /// Without callbacks.
    Plain(A),
    /// With callbacks.
    Watched(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for EitherIter<A, B> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            EitherIter::Plain(results) => results.next(),
            EitherIter::Watched(results) => results.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            EitherIter::Plain(results) => results.size_hint(),
            EitherIter::Watched(results) => results.size_hint(),
        }
    }
}

/// Two observers around every node: the first outside the second.
#[doc(hidden)]
pub struct Both<A, B>(pub A, pub B);

impl<A: Observer, B: Observer> Observer for Both<A, B> {
    type Began = (A::Began, B::Began);
    type Map = (A::Map, B::Map);
    type Inner<'m>
        = Both<A::Inner<'m>, B::Inner<'m>>
    where
        Self: 'm;

    #[inline]
    fn map_begin(&self, pipeline: &'static str, path: &'static str, total: usize) -> Self::Map {
        (
            self.0.map_begin(pipeline, path, total),
            self.1.map_begin(pipeline, path, total),
        )
    }

    #[inline]
    fn item_begin<'m>(&'m self, map: &'m Self::Map, item: usize) -> Self::Inner<'m> {
        Both(
            self.0.item_begin(&map.0, item),
            self.1.item_begin(&map.1, item),
        )
    }

    #[inline]
    fn scoped(&self, entry: &'static str) -> Self::Inner<'_> {
        Both(self.0.scoped(entry), self.1.scoped(entry))
    }

    #[cfg(feature = "cache")]
    #[inline]
    fn cache(&self) -> Option<&dyn crate::cache::Cache> {
        self.0.cache().or_else(|| self.1.cache())
    }

    #[cfg(feature = "cache")]
    #[inline]
    fn cache_hit(&self, node: &'static NodeInfo) {
        self.0.cache_hit(node);
        self.1.cache_hit(node);
    }

    #[inline]
    fn skipped(&self, node: &'static NodeInfo) {
        self.0.skipped(node);
        self.1.skipped(node);
    }

    #[inline]
    fn item_end(&self, map: &Self::Map, item: &Self::Inner<'_>, ok: bool) {
        self.0.item_end(&map.0, &item.0, ok);
        self.1.item_end(&map.1, &item.1, ok);
    }

    #[inline]
    fn map_end(&self, map: &Self::Map) {
        self.0.map_end(&map.0);
        self.1.map_end(&map.1);
    }

    #[inline]
    fn begin(&self, node: &'static NodeInfo) -> Self::Began {
        (self.0.begin(node), self.1.begin(node))
    }

    #[inline]
    fn call<R>(&self, node: &'static NodeInfo, began: &Self::Began, run: impl FnOnce() -> R) -> R {
        self.0
            .call(node, &began.0, || self.1.call(node, &began.1, run))
    }

    #[inline]
    fn failed(&self, node: &'static NodeInfo, error: &dyn fmt::Display) {
        self.0.failed(node, error);
        self.1.failed(node, error);
    }

    #[inline]
    fn end(&self, node: &'static NodeInfo, began: Self::Began, ok: bool) {
        self.0.end(node, began.0, ok);
        self.1.end(node, began.1, ok);
    }

    #[inline]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static NodeInfo,
        run: F,
        failure: impl Fn(&F::Output, &mut dyn FnMut(&dyn fmt::Display)) + Copy + Send + Sync,
    ) -> impl core::future::Future<Output = F::Output> {
        self.0
            .call_async(node, self.1.call_async(node, run, failure), failure)
    }
}
