//! Hooks around every node call of a generated runner.
//!
//! Generated runners call [`Observer::call`] around each node. The unit
//! observer `()` does nothing and compiles away, so `run` costs what the bare
//! calls cost; other observers locate panics (for maps) and, later, drive
//! progress bars and tracing spans.

use crate::NodeInfo;

/// Wraps every node call of a run: `begin` before it, `call` around it,
/// `failed` with a fallible node's error, `end` after it. Generated code
/// makes these calls for the sync nodes (the async ones call only
/// `call_async`).
pub trait Observer {
    /// What `begin` hands to `call` and `end` (a start time, or nothing).
    type Began;

    /// Before node `node` runs.
    fn begin(&self, node: &'static NodeInfo) -> Self::Began;

    /// Calls `run`, the node `node`.
    #[inline(always)]
    fn call<R>(&self, node: &'static NodeInfo, began: &Self::Began, run: impl FnOnce() -> R) -> R {
        let _ = (node, began);
        run()
    }

    /// Node `node` returned an error, shown by `error`; its `end` follows.
    #[inline(always)]
    fn failed(&self, node: &'static NodeInfo, error: &dyn core::fmt::Display) {
        let _ = (node, error);
    }

    /// After node `node` ran: `ok` is false if it returned an error.
    #[inline(always)]
    fn end(&self, node: &'static NodeInfo, began: Self::Began, ok: bool) {
        let _ = (node, began, ok);
    }

    /// What the map of a mapped nested pipeline keeps from its start to its
    /// end (see [`NestedMap`]).
    type Map: Sync;

    /// The observer of nodes one level in: those of one item of a mapped
    /// nested pipeline ([`Observer::item_begin`]), or those a nested
    /// pipeline runs for its entry ([`Observer::scoped`]).
    type Inner<'m>: Observer + Sync
    where
        Self: 'm;

    /// The observer of the nodes a nested pipeline's wrapper runs for the
    /// entry `entry`: their paths, relative to the nested pipeline, are
    /// reported under `entry` (`"corpus / text_stats / tokens"`).
    fn scoped(&self, entry: &'static str) -> Self::Inner<'_>;

    /// A mapped nested pipeline, `pipeline` at `path`, starts a map over
    /// `total` items.
    fn map_begin(&self, pipeline: &'static str, path: &'static str, total: usize) -> Self::Map;

    /// Item `item` of the map `map` starts: the observer of its nodes.
    fn item_begin<'m>(&'m self, map: &'m Self::Map, item: usize) -> Self::Inner<'m>;

    /// The item observed by `item` ended; `ok` is false if it failed or
    /// panicked.
    #[inline(always)]
    fn item_end(&self, map: &Self::Map, item: &Self::Inner<'_>, ok: bool) {
        let _ = (map, item, ok);
    }

    /// The map `map` ended.
    #[inline(always)]
    fn map_end(&self, map: &Self::Map) {
        let _ = map;
    }

    /// The cache that `#[node(cache)]` nodes are looked up in, if any.
    #[cfg(feature = "cache")]
    #[inline(always)]
    fn cache(&self) -> Option<&dyn crate::cache::Cache> {
        None
    }

    /// Node `node` did not run: its condition did not hold.
    #[inline(always)]
    fn skipped(&self, node: &'static NodeInfo) {
        let _ = node;
    }

    /// Node `node`'s value came from the cache: it did not run.
    #[cfg(feature = "cache")]
    #[inline(always)]
    fn cache_hit(&self, node: &'static NodeInfo) {
        let _ = node;
    }

    /// Awaits `run`, the future of the async node `node` (or of a sync node
    /// on the blocking pool, or of all the attempts of a node with retries).
    /// `failure` reports the output's error, if it is one, to the closure
    /// it is given.
    #[inline(always)]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static NodeInfo,
        run: F,
        failure: impl Fn(&F::Output, &mut dyn FnMut(&dyn core::fmt::Display)) + Copy + Send + Sync,
    ) -> impl core::future::Future<Output = F::Output> {
        let _ = (node, failure);
        run
    }
}

/// Observes nothing: plain `run`.
impl Observer for () {
    type Began = ();
    type Map = ();
    type Inner<'m> = ();

    #[inline(always)]
    fn begin(&self, _: &'static NodeInfo) {}

    #[inline(always)]
    fn map_begin(&self, _: &'static str, _: &'static str, _: usize) {}

    #[inline(always)]
    fn item_begin(&self, _: &(), _: usize) {}

    #[inline(always)]
    fn scoped(&self, _: &'static str) {}
}

/// The map of a mapped nested pipeline, as generated code reports it to
/// the run's observer: [`Observer::map_begin`] when made, `map_end` when
/// dropped (after its items, or while a panic unwinds through it).
pub struct NestedMap<'o, O: Observer> {
    observer: &'o O,
    map: O::Map,
}

impl<'o, O: Observer> NestedMap<'o, O> {
    /// Starts the map of `pipeline` at `path` over `total` items.
    #[inline(always)]
    pub fn new(observer: &'o O, pipeline: &'static str, path: &'static str, total: usize) -> Self {
        NestedMap {
            observer,
            map: observer.map_begin(pipeline, path, total),
        }
    }

    /// Starts item `item`.
    #[inline(always)]
    pub fn item(&self, item: usize) -> NestedItem<'_, O> {
        NestedItem {
            map: self,
            observer: self.observer.item_begin(&self.map, item),
            ok: false,
        }
    }
}

impl<O: Observer> Drop for NestedMap<'_, O> {
    #[inline(always)]
    fn drop(&mut self) {
        self.observer.map_end(&self.map);
    }
}

/// One item of a [`NestedMap`]: the observer of its nodes; reports the
/// item's end when dropped, as failed unless [`NestedItem::succeeded`] said
/// otherwise (so a panic, or a future dropped mid-item, ends it too).
pub struct NestedItem<'m, O: Observer + 'm> {
    map: &'m NestedMap<'m, O>,
    observer: O::Inner<'m>,
    ok: bool,
}

impl<'m, O: Observer> NestedItem<'m, O> {
    /// The observer of the item's nodes.
    #[inline(always)]
    pub fn observer(&self) -> &O::Inner<'m> {
        &self.observer
    }

    /// Marks the item as ended without failure; `ok` is its result.
    #[inline(always)]
    pub fn succeeded(&mut self, ok: bool) {
        self.ok = ok;
    }
}

impl<O: Observer> Drop for NestedItem<'_, O> {
    #[inline(always)]
    fn drop(&mut self) {
        self.map
            .observer
            .item_end(&self.map.map, &self.observer, self.ok);
    }
}

/// Tags a panic with the node it came from, so that a map can report
/// [`MapError::Panicked`](crate::MapError::Panicked) with the node's name.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct LocatePanics;

/// The payload of a panic re-raised by [`LocatePanics`].
#[cfg(feature = "std")]
pub struct TaggedPanic {
    /// The path of the node that panicked (`"text_stats / load_text"`).
    pub node: &'static str,
    /// The original payload.
    pub payload: std::boxed::Box<dyn core::any::Any + Send>,
}

#[cfg(feature = "std")]
impl Observer for LocatePanics {
    type Began = ();
    type Map = ();
    type Inner<'m> = crate::scoped::ScopedPanics;

    #[inline(always)]
    fn begin(&self, _: &'static NodeInfo) {}

    #[inline(always)]
    fn map_begin(&self, _: &'static str, _: &'static str, _: usize) {}

    #[inline(always)]
    fn item_begin(&self, _: &(), _: usize) -> crate::scoped::ScopedPanics {
        crate::scoped::ScopedPanics::default()
    }

    #[inline(always)]
    fn scoped(&self, entry: &'static str) -> crate::scoped::ScopedPanics {
        crate::scoped::ScopedPanics::default().scoped(entry)
    }

    /// A panic is tagged with the node's path, as it is.
    #[inline(always)]
    fn call<R>(&self, node: &'static NodeInfo, began: &(), run: impl FnOnce() -> R) -> R {
        crate::scoped::ScopedPanics::default().call(node, began, run)
    }

    #[cfg(feature = "tokio")]
    #[inline(always)]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static NodeInfo,
        run: F,
        _: impl Fn(&F::Output, &mut dyn FnMut(&dyn core::fmt::Display)) + Copy + Send + Sync,
    ) -> impl core::future::Future<Output = F::Output> {
        Polled::new(run, node.path)
    }
}

#[cfg(feature = "tokio")]
pin_project_lite::pin_project! {
    /// An async node's future that records the node in the thread-local
    /// while it is polled, and puts back what was there after each poll (a
    /// node may run a nested map whose nodes record themselves).
    pub struct Polled<F> {
        #[pin]
        run: F,
        node: &'static str,
    }
}

#[cfg(feature = "tokio")]
impl<F> Polled<F> {
    /// `run`, recording `node` (a path) while it is polled.
    pub(crate) fn new(run: F, node: &'static str) -> Self {
        Polled { run, node }
    }
}

#[cfg(feature = "tokio")]
impl<F: core::future::Future> core::future::Future for Polled<F> {
    type Output = F::Output;

    #[inline]
    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<F::Output> {
        let this = self.project();
        let outer = set_polled_node(Some(*this.node));
        let poll = this.run.poll(cx);
        set_polled_node(outer);
        poll
    }
}

/// Puts `node` as the async node being polled on this thread, returning
/// the one that was.
#[cfg(feature = "tokio")]
#[inline]
pub(crate) fn set_polled_node(node: Option<&'static str>) -> Option<&'static str> {
    POLLING.with(|polling| polling.replace(node))
}

#[cfg(feature = "tokio")]
std::thread_local! {
    /// The async node being polled on this thread.
    static POLLING: core::cell::Cell<Option<&'static str>> = const { core::cell::Cell::new(None) };
}

/// The async node a panic on this thread came from, if one was being polled
/// (and forgets it).
#[cfg(feature = "std")]
fn polled_node() -> Option<&'static str> {
    #[cfg(feature = "tokio")]
    return POLLING.with(core::cell::Cell::take);
    #[cfg(not(feature = "tokio"))]
    return None;
}

#[cfg(feature = "std")]
impl LocatePanics {
    /// Re-raises a panic tagged with `node`. A panic already tagged by a
    /// pipeline nested in this node keeps its innermost node.
    pub(crate) fn tag(
        node: &'static str,
        payload: std::boxed::Box<dyn core::any::Any + Send>,
    ) -> ! {
        if payload.is::<TaggedPanic>() {
            std::panic::resume_unwind(payload)
        }
        std::panic::resume_unwind(std::boxed::Box::new(TaggedPanic { node, payload }))
    }
}

/// What a panic caught around item `item` becomes: the node it came from
/// (tagged by [`LocatePanics`], or the async node being polled) and its
/// message.
#[cfg(feature = "std")]
pub fn describe_panic(item: usize, payload: &(dyn core::any::Any + Send)) -> crate::NodePanic {
    use std::string::ToString;
    let (path, payload) = match payload.downcast_ref::<TaggedPanic>() {
        Some(located) => (located.node, &*located.payload),
        None => (polled_node().unwrap_or("<unknown>"), payload),
    };
    crate::NodePanic::new(item, path, panic_message(payload).to_string())
}

/// A panic's message: its `&str` or `String` payload (inside the tag of
/// [`LocatePanics`], if tagged).
#[cfg(feature = "std")]
pub fn panic_message(payload: &(dyn core::any::Any + Send)) -> &str {
    if let Some(located) = payload.downcast_ref::<TaggedPanic>() {
        return panic_message(&*located.payload);
    }
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<std::string::String>() {
        text
    } else {
        "<non-string panic payload>"
    }
}
