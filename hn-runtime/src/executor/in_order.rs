//! At most `limit` futures at once in the calling task, their outputs in
//! the order they started: what `futures`' `buffered(limit)` does, without
//! its allocation per future.
//!
//! `buffered` moves every future into a new reference-counted task of a
//! `FuturesUnordered` and frees it when the future ends. Here the item
//! started `i`-th runs in slot `i % limit`, a pinned box allocated once
//! and reused: a new future is written into it in place (`Pin::set`), its
//! output stays there until its turn to be yielded, and the slot's waker
//! (also made once) queues the slot's index for the next poll. A future that
//! finishes on its first poll (a no-op node, a cache hit) costs no
//! allocation, no waker and no queue at all. The bound means what it means
//! for `buffered`: a slot is free again only once its output was yielded, so
//! a slow first item holds back the start of item `limit`.

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};
use futures::stream::Stream;
use futures::task::AtomicWaker;
use std::boxed::Box;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Wake;
use std::vec::Vec;

/// What the start of an item gives: a future to run, or its output already
/// (an item that is not run).
pub enum Begin<Fut: Future> {
    /// Run this future in the item's slot.
    Run(Fut),
    /// The item's output without running anything.
    Done(Fut::Output),
}

pin_project_lite::pin_project! {
    /// One place of the running set.
    #[project = SlotProj]
    #[project_replace = SlotTaken]
    enum Slot<Fut, Out> {
        Free,
        Running { #[pin] future: Fut },
        Done { output: Out },
    }
}

/// What the slots' wakers share with the running set.
struct Shared {
    /// The task polling the running set.
    parent: AtomicWaker,
    /// Whether `woken` may hold indices: read without the lock.
    any_woken: AtomicBool,
    /// Indices of slots woken since the last poll.
    woken: Mutex<Vec<usize>>,
}

impl Shared {
    fn woken(&self) -> MutexGuard<'_, Vec<usize>> {
        self.woken.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The waker of one slot.
struct SlotWaker {
    index: usize,
    /// Whether `index` waits to be polled (in `Shared::woken` or in the
    /// running set's `polling`): a slot is queued once however often it is
    /// woken.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.shared.woken().push(self.index);
            self.shared.any_woken.store(true, Ordering::Release);
            self.shared.parent.wake();
        }
    }
}

/// A slot with its waker.
struct Place<Fut: Future> {
    slot: Pin<Box<Slot<Fut, Fut::Output>>>,
    waker: Waker,
    state: Arc<SlotWaker>,
}

impl<Fut: Future> Place<Fut> {
    /// Polls the slot's future, if it is running, with the slot's waker; a
    /// finished future is dropped in place and its output kept. Returns
    /// whether the future gave way: it is still running, and it was woken
    /// meanwhile or the task's tokio budget is spent.
    fn poll(&mut self) -> bool {
        let mut slot = self.slot.as_mut();
        if let SlotProj::Running { future } = slot.as_mut().project() {
            match future.poll(&mut Context::from_waker(&self.waker)) {
                Poll::Ready(output) => slot.set(Slot::Done { output }),
                Poll::Pending => {
                    return self.state.queued.load(Ordering::Acquire) || budget_spent()
                }
            }
        }
        false
    }

    /// Queues the slot to be polled later, as its waker would.
    fn defer(&mut self, polling: &mut VecDeque<usize>) {
        if !self.state.queued.swap(true, Ordering::AcqRel) {
            polling.push_back(self.state.index);
        }
    }
}

/// Whether the task has spent its tokio budget (128 uses of tokio's
/// resources per poll of the task): from then on, every future that waits on
/// one gives way (returns `Pending` and is woken after the task's poll), so
/// polling more of them is wasted.
fn budget_spent() -> bool {
    !tokio::task::coop::has_budget_remaining()
}

/// One poll of the running set polls futures until two of them give way
/// (as `FuturesUnordered` does, where a future that wakes itself at once
/// would otherwise be polled forever), or none if the budget is spent
/// already; the others wait for the next poll.
struct Turn {
    gave_way: usize,
}

impl Turn {
    const GIVE_WAY_LIMIT: usize = 2;

    fn new() -> Self {
        let gave_way = if budget_spent() {
            Self::GIVE_WAY_LIMIT
        } else {
            0
        };
        Turn { gave_way }
    }

    fn is_over(&self) -> bool {
        self.gave_way >= Self::GIVE_WAY_LIMIT
    }

    fn polled(&mut self, gave_way: bool) {
        self.gave_way += usize::from(gave_way);
    }
}

pin_project_lite::pin_project! {
    /// The stream of [`in_order`].
    pub struct InOrder<S, F, Fut: Future> {
        #[pin]
        source: S,
        start: F,
        places: Vec<Place<Fut>>,
        shared: Arc<Shared>,
        // Slots to poll: taken from `shared.woken`, or deferred.
        polling: VecDeque<usize>,
        limit: usize,
        // How many items started, and how many were yielded.
        started: Cursor,
        yielded: Cursor,
        source_done: bool,
    }
}

/// Runs `start(index, item)` for the items of `source`, at most `limit`
/// at once (at least one), and yields their outputs in the order of
/// `source`. Everything runs in the task that polls the stream: dropping it
/// drops every future still running.
pub fn in_order<S, F, Fut>(source: S, limit: usize, start: F) -> InOrder<S, F, Fut>
where
    S: Stream,
    F: FnMut(usize, S::Item) -> Begin<Fut>,
    Fut: Future,
{
    InOrder {
        source,
        start,
        places: Vec::new(),
        shared: Arc::new(Shared {
            parent: AtomicWaker::new(),
            any_woken: AtomicBool::new(false),
            woken: Mutex::new(Vec::new()),
        }),
        polling: VecDeque::new(),
        limit: limit.max(1),
        started: Cursor::default(),
        yielded: Cursor::default(),
        source_done: false,
    }
}

impl<S, F, Fut> Stream for InOrder<S, F, Fut>
where
    S: Stream,
    F: FnMut(usize, S::Item) -> Begin<Fut>,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let mut this = self.project();
        let mut turn = Turn::new();
        // Start items while there is room; each is polled at once, unless
        // the turn is over.
        while !*this.source_done && this.started.count - this.yielded.count < *this.limit {
            match this.source.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let (index, slot) = this.started.advance(*this.limit);
                    let place = place(this.places, this.shared, slot);
                    match (this.start)(index, item) {
                        Begin::Run(future) => {
                            place.slot.set(Slot::Running { future });
                            if turn.is_over() {
                                place.defer(this.polling);
                            } else {
                                turn.polled(place.poll());
                            }
                        }
                        Begin::Done(output) => place.slot.set(Slot::Done { output }),
                    }
                }
                Poll::Ready(None) => *this.source_done = true,
                Poll::Pending => break,
            }
        }
        // Poll the slots woken since the last time, until the turn is over:
        // the rest wait for the next poll.
        if this.shared.any_woken.load(Ordering::Acquire) {
            this.shared.any_woken.store(false, Ordering::Release);
            this.polling.extend(this.shared.woken().drain(..));
        }
        while !turn.is_over() {
            let Some(index) = this.polling.pop_front() else {
                break;
            };
            let place = &mut this.places[index];
            place.state.queued.store(false, Ordering::Release);
            turn.polled(place.poll());
        }
        if this.yielded.count < this.started.count {
            let slot = this.places[this.yielded.slot].slot.as_mut();
            if matches!(*slot, Slot::Done { .. }) {
                if let SlotTaken::Done { output } = slot.project_replace(Slot::Free) {
                    this.yielded.advance(*this.limit);
                    return Poll::Ready(Some(output));
                }
            }
        } else if *this.source_done {
            return Poll::Ready(None);
        }
        this.shared.parent.register(cx.waker());
        // Slots left to poll, or woken before the registration (their wake
        // found no waker): come back through the executor.
        if !this.polling.is_empty() || this.shared.any_woken.load(Ordering::Acquire) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let running = self.started.count - self.yielded.count;
        let (low, high) = if self.source_done {
            (0, Some(0))
        } else {
            self.source.size_hint()
        };
        (
            low.saturating_add(running),
            high.and_then(|high| high.checked_add(running)),
        )
    }
}

/// A count of items and the slot of the next one, `count % limit` kept
/// without a division (which costs more than the rest of a no-op item).
#[derive(Default)]
struct Cursor {
    count: usize,
    slot: usize,
}

impl Cursor {
    /// Counts one more item; returns the index and slot of the one counted.
    fn advance(&mut self, limit: usize) -> (usize, usize) {
        let counted = (self.count, self.slot);
        self.count += 1;
        self.slot = if self.slot + 1 == limit {
            0
        } else {
            self.slot + 1
        };
        counted
    }
}

/// The place of slot `index`, made when first used (a map of five items
/// under a limit of 10,000 makes five).
fn place<'p, Fut: Future>(
    places: &'p mut Vec<Place<Fut>>,
    shared: &Arc<Shared>,
    index: usize,
) -> &'p mut Place<Fut> {
    if index == places.len() {
        let state = Arc::new(SlotWaker {
            index,
            queued: AtomicBool::new(false),
            shared: Arc::clone(shared),
        });
        places.push(Place {
            slot: Box::pin(Slot::Free),
            waker: Waker::from(Arc::clone(&state)),
            state,
        });
    }
    &mut places[index]
}

#[cfg(test)]
mod tests {
    use super::{in_order, Begin};
    use core::future::Future;
    use core::pin::Pin;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::task::{Context, Poll, Waker};
    use futures::stream::{self, Stream, StreamExt};
    use proptest::prelude::*;
    use std::boxed::Box;
    use std::sync::{Arc, Mutex};
    use std::vec::Vec;

    /// Pending `polls` times (waking itself each time, as a future whose
    /// budget ran out does), then ready with `value`; counts the futures alive
    /// in `alive` and the most ever alive at once in `most`.
    struct Pends {
        polls: usize,
        value: usize,
        counters: Arc<(AtomicUsize, AtomicUsize)>,
    }

    impl Pends {
        fn new(polls: usize, value: usize, counters: &Arc<(AtomicUsize, AtomicUsize)>) -> Self {
            let alive = counters.0.fetch_add(1, Ordering::SeqCst) + 1;
            counters.1.fetch_max(alive, Ordering::SeqCst);
            Pends {
                polls,
                value,
                counters: Arc::clone(counters),
            }
        }
    }

    impl Drop for Pends {
        fn drop(&mut self) {
            self.counters.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl Future for Pends {
        type Output = usize;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            if self.polls == 0 {
                return Poll::Ready(self.value);
            }
            self.polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    }

    proptest! {
        /// Outputs come in input order, never more than `limit` items are
        /// alive at once, and every item's future is dropped at the end.
        #[test]
        fn outputs_in_order_within_the_limit(
            pends in prop::collection::vec(0usize..6, 0..60),
            limit in 1usize..9,
        ) {
            let counters = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
            let source = stream::iter(pends.clone());
            let outputs: Vec<usize> = current_thread().block_on(
                in_order(source, limit, |index, polls| {
                    Begin::Run(Pends::new(polls, index, &counters))
                })
                .collect(),
            );
            prop_assert_eq!(outputs, (0..pends.len()).collect::<Vec<_>>());
            prop_assert!(counters.1.load(Ordering::SeqCst) <= limit);
            prop_assert_eq!(counters.0.load(Ordering::SeqCst), 0);
        }
    }

    /// Futures woken from other threads, in an order unrelated to the
    /// input's, all finish, and their outputs come in input order.
    #[test]
    fn wakes_from_other_threads_in_any_order() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a runtime");
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..200)
            .map(|_| tokio::sync::oneshot::channel::<usize>())
            .unzip();
        let sender = std::thread::spawn(move || {
            // Answers the items backwards, from a thread outside the runtime.
            for (index, sender) in senders.into_iter().enumerate().rev() {
                std::thread::yield_now();
                let _ = sender.send(index);
            }
        });
        let outputs: Vec<usize> = runtime.block_on(
            in_order(stream::iter(receivers), 16, |_, receiver| {
                Begin::Run(async move { receiver.await.expect("an answer") })
            })
            .collect(),
        );
        sender.join().expect("the answering thread");
        assert_eq!(outputs, (0..200).collect::<Vec<_>>());
    }

    /// Counts the polls of the future it wraps.
    struct Counted<'a, F> {
        future: Pin<Box<F>>,
        polls: &'a AtomicUsize,
    }

    impl<F: Future> Future for Counted<'_, F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            self.future.as_mut().poll(cx)
        }
    }

    /// Under tokio's budget (128 polls of its resources per task poll),
    /// futures past the budget give way; they are polled again in later
    /// rounds, not all of them in every round (which would poll each item
    /// about `items / 128` times).
    #[test]
    fn futures_giving_way_are_polled_about_once_more() {
        const ITEMS: usize = 5_000;
        let polls = AtomicUsize::new(0);
        let received: Vec<usize> = current_thread().block_on(async {
            let receivers = (0..ITEMS).map(|index| {
                let (sender, receiver) = tokio::sync::oneshot::channel();
                sender.send(index).expect("a receiver");
                receiver
            });
            let polls = &polls;
            in_order(stream::iter(receivers), ITEMS, |_, receiver| {
                let future = Box::pin(async move { receiver.await.expect("a value") });
                Begin::Run(Counted { future, polls })
            })
            .collect()
            .await
        });
        assert_eq!(received, (0..ITEMS).collect::<Vec<_>>());
        let polls = polls.load(Ordering::Relaxed);
        assert!(polls < 2 * ITEMS, "{polls} polls of {ITEMS} items");
    }

    /// Timers firing on the runtime's threads while the stream is polled on
    /// another: every output in order, never more than `limit` alive, and
    /// a stream dropped halfway drops everything it started.
    #[test]
    fn timers_on_a_multi_thread_runtime() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .expect("a runtime");
        for (limit, seed) in [(1, 3), (7, 5), (64, 11), (1000, 13)] {
            let counters = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
            // Pseudo-random waits of 0 to 2 ms, different from item to item.
            let wait = |index: usize| (index * seed) % 3;
            let start = |index: usize, _| {
                let alive = Pends::new(0, index, &counters);
                Begin::Run(async move {
                    tokio::time::sleep(core::time::Duration::from_millis(wait(index) as u64)).await;
                    alive.await
                })
            };
            let outputs: Vec<usize> =
                runtime.block_on(in_order(stream::iter(0..300usize), limit, start).collect());
            assert_eq!(outputs, (0..300).collect::<Vec<_>>(), "limit {limit}");
            assert!(counters.1.load(Ordering::SeqCst) <= limit, "limit {limit}");
            let halfway = runtime.block_on(
                in_order(stream::iter(0..300usize), limit, start)
                    .take(150)
                    .collect::<Vec<usize>>(),
            );
            assert_eq!(halfway, (0..150).collect::<Vec<_>>(), "limit {limit}");
            assert_eq!(counters.0.load(Ordering::SeqCst), 0, "limit {limit}");
        }
    }

    /// A waker kept by an item that has finished is harmless when its slot
    /// runs a later item.
    #[test]
    fn a_stale_waker_only_polls_the_slot_again() {
        let kept: Arc<Mutex<Vec<Waker>>> = Arc::default();
        let outputs: Vec<usize> = current_thread().block_on(
            in_order(stream::iter(0..10usize), 2, |index, _| {
                let kept = Arc::clone(&kept);
                Begin::Run(futures::future::poll_fn(move |cx| {
                    let mut kept = kept.lock().expect("not poisoned");
                    // Every earlier item's waker is woken while this one runs.
                    for waker in kept.iter() {
                        waker.wake_by_ref();
                    }
                    kept.push(cx.waker().clone());
                    Poll::Ready(index)
                }))
            })
            .collect(),
        );
        assert_eq!(outputs, (0..10).collect::<Vec<_>>());
    }

    /// Items begun as done take their slot in order, without a future.
    #[test]
    fn done_items_keep_their_place() {
        let outputs: Vec<usize> = current_thread().block_on(
            in_order(stream::iter(0..20usize), 3, |index, item| {
                if item % 3 == 0 {
                    Begin::Done(index * 10)
                } else {
                    Begin::Run(async move {
                        tokio::task::yield_now().await;
                        index * 10
                    })
                }
            })
            .collect(),
        );
        assert_eq!(outputs, (0..20).map(|i| i * 10).collect::<Vec<_>>());
    }

    /// Dropping the stream drops the futures still running.
    #[test]
    fn dropping_the_stream_drops_the_running_futures() {
        let counters = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let started = AtomicUsize::new(0);
        current_thread().block_on(async {
            let mut running = in_order(stream::iter(0..100usize), 8, |index, _| {
                started.fetch_add(1, Ordering::SeqCst);
                // The first item never finishes: everything waits behind it.
                let polls = if index == 0 { usize::MAX } else { 0 };
                Begin::Run(Pends::new(polls, index, &counters))
            });
            let first = futures::poll!(running.next());
            assert!(first.is_pending());
            assert_eq!(started.load(Ordering::SeqCst), 8, "as many as the limit");
            assert_eq!(counters.0.load(Ordering::SeqCst), 1, "only item 0 runs");
        });
        assert_eq!(counters.0.load(Ordering::SeqCst), 0);
    }

    /// The stream knows how many outputs are left.
    #[test]
    fn size_hint_counts_running_and_waiting_items() {
        current_thread().block_on(async {
            let mut running = in_order(stream::iter(0..10usize), 4, |index, _| {
                Begin::Run(async move {
                    tokio::task::yield_now().await;
                    index
                })
            });
            assert_eq!(running.size_hint(), (10, Some(10)));
            assert_eq!(running.next().await, Some(0));
            assert_eq!(running.size_hint(), (9, Some(9)));
            let rest: Vec<usize> = running.collect().await;
            assert_eq!(rest, (1..10).collect::<Vec<_>>());
        });
    }
}
