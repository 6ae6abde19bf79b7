//! Hooks around every node call of a generated runner.
//!
//! Generated runners call [`Observer::call`] around each node. The unit
//! observer `()` does nothing and compiles away, so `run` costs what the bare
//! calls cost; other observers locate panics (for maps) and, later, drive
//! progress bars and tracing spans.

/// Wraps every node call of a run.
pub trait Observer {
    /// Calls `run`, the node named `node`.
    #[inline(always)]
    fn call<R>(&self, node: &'static str, run: impl FnOnce() -> R) -> R {
        let _ = node;
        run()
    }

    /// Awaits `run`, the future of the async node named `node`.
    #[inline(always)]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static str,
        run: F,
    ) -> impl core::future::Future<Output = F::Output> {
        let _ = node;
        run
    }

    /// [`call_async`](Observer::call_async) in a run where no other node
    /// of the same run is polled until this one is done (a straight-line
    /// run), so that an observer can record the node once instead of around
    /// every poll.
    #[inline(always)]
    fn call_async_alone<F: core::future::Future>(
        &self,
        node: &'static str,
        run: F,
    ) -> impl core::future::Future<Output = F::Output> {
        self.call_async(node, run)
    }
}

/// Observes nothing: plain `run`.
impl Observer for () {}

/// Tags a panic with the node it came from, so that a map can report
/// [`MapError::Panicked`](crate::MapError::Panicked) with the node's name.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct LocatePanics;

/// The payload of a panic re-raised by [`LocatePanics`].
#[cfg(feature = "std")]
pub struct NodePanic {
    /// The node that panicked.
    pub node: &'static str,
    /// The original payload.
    pub payload: std::boxed::Box<dyn core::any::Any + Send>,
}

#[cfg(feature = "std")]
impl Observer for LocatePanics {
    #[inline(always)]
    fn call<R>(&self, node: &'static str, run: impl FnOnce() -> R) -> R {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
            .unwrap_or_else(|payload| LocatePanics::tag(node, payload))
    }

    /// Records the node in a thread-local while its future is polled
    /// (cheaper than a `catch_unwind` per node): a panic leaves it set for
    /// the map's `catch_unwind` around the whole item to read.
    #[cfg(feature = "tokio")]
    async fn call_async<F: core::future::Future>(&self, node: &'static str, run: F) -> F::Output {
        let mut run = core::pin::pin!(run);
        core::future::poll_fn(|cx| {
            let outer = POLLING.with(|polling| polling.replace(Some(node)));
            let poll = run.as_mut().poll(cx);
            POLLING.with(|polling| polling.set(outer));
            poll
        })
        .await
    }

    /// Records the node for the item's future ([`Item`](crate::executor::asynchronous::Item)),
    /// which puts it back in the thread-local around each of its polls.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    fn call_async_alone<F: core::future::Future>(
        &self,
        node: &'static str,
        run: F,
    ) -> impl core::future::Future<Output = F::Output> {
        POLLING.with(|polling| polling.set(Some(node)));
        run
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
    fn tag(node: &'static str, payload: std::boxed::Box<dyn core::any::Any + Send>) -> ! {
        if payload.is::<NodePanic>() {
            std::panic::resume_unwind(payload)
        }
        std::panic::resume_unwind(std::boxed::Box::new(NodePanic { node, payload }))
    }
}

/// The node and message of a caught panic payload.
#[cfg(feature = "std")]
pub fn describe_panic(
    payload: &(dyn core::any::Any + Send),
) -> (&'static str, std::string::String) {
    use std::string::ToString;
    let (node, payload) = match payload.downcast_ref::<NodePanic>() {
        Some(located) => (located.node, &*located.payload),
        None => (polled_node().unwrap_or("<unknown>"), payload),
    };
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<std::string::String>() {
        text.clone()
    } else {
        "<non-string panic payload>".to_string()
    };
    (node, message)
}
