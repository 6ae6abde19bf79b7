//! `#[node(timeout_ms = N, retries = N, backoff_ms = N)]` on async nodes: the
//! pipeline error's variant holds `Attempted` (`TimedOut` or `Failed`, with
//! the number of attempts), retries with doubling backoff, by-value
//! arguments cloned for every attempt but the last, the messages, and the
//! same errors through `map_async`.

use hypernodes::prelude::*;
use hypernodes::{Attempted, NodeError};
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------

pipeline! {
    /// An infallible node with a 50 ms timeout.
    struct Slow {
        #[node(timeout_ms = 50)]
        async fn slow(delay_ms: u64) -> u64 { sleep(ms(delay_ms)).await; delay_ms }
        fn doubled(slow: u64) -> u64 { slow * 2 }
    }
}

/// An infallible node with a timeout becomes fallible: its variant holds
/// `Attempted<Infallible>`.
const _: fn(Attempted<Infallible>) -> SlowError = SlowError::Slow;

#[tokio::test]
async fn a_node_slower_than_its_timeout_times_out() {
    let start = Instant::now();
    let error = Slow
        .run_async(SlowInputs { delay_ms: 300 })
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert!(elapsed >= ms(50), "took {elapsed:?}");
    assert!(
        elapsed < ms(200),
        "took {elapsed:?}: the timeout did not cut the node off"
    );
    assert_eq!(error.node(), "slow");
    let SlowError::Slow(attempted) = &error;
    assert_eq!(
        *attempted,
        Attempted::TimedOut {
            after: ms(50),
            attempts: 1
        }
    );
    assert_eq!(attempted.attempts(), 1);
    assert_eq!(
        error.to_string(),
        "node `slow` failed: timed out after 50 ms (1 attempt)"
    );
    assert_eq!(
        error.source().unwrap().to_string(),
        "timed out after 50 ms (1 attempt)"
    );
}

#[tokio::test]
async fn a_node_within_its_timeout_succeeds() {
    let out = Slow.run_async(SlowInputs { delay_ms: 5 }).await.unwrap();
    assert_eq!((out.slow, out.doubled), (5, 10));
}

/// Each attempt of a retried node: when it started.
#[derive(Default)]
struct Attempts {
    started: Mutex<Vec<Instant>>,
}

impl Attempts {
    /// Records an attempt; its number, from 1.
    fn start(&self) -> usize {
        let mut started = self.started.lock().unwrap();
        started.push(Instant::now());
        started.len()
    }

    fn count(&self) -> usize {
        self.started.lock().unwrap().len()
    }

    /// The waits between consecutive attempt starts.
    fn gaps(&self) -> Vec<Duration> {
        let started = self.started.lock().unwrap();
        started.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

pipeline! {
    /// Attempts that time out until attempt `fast_from`, which is quick.
    struct SlowThenFast {
        #[node(timeout_ms = 30, retries = 2, backoff_ms = 5)]
        async fn settled(fast_from: usize, attempts: &Arc<Attempts>) -> usize {
            let number = attempts.start();
            if number < fast_from {
                sleep(ms(500)).await;
            }
            number
        }
    }
}

#[tokio::test]
async fn a_timed_out_attempt_is_retried() {
    let attempts = Arc::new(Attempts::default());
    let start = Instant::now();
    let out = SlowThenFast
        .run_async(SlowThenFastInputs {
            fast_from: 3,
            attempts: Arc::clone(&attempts),
        })
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out.settled, 3);
    assert_eq!(attempts.count(), 3);
    // 30 + 5 + 30 + 10 ms, not 500.
    assert!(elapsed >= ms(75), "took {elapsed:?}");
    assert!(elapsed < ms(300), "took {elapsed:?}");
}

#[tokio::test]
async fn every_attempt_timing_out_reports_the_last() {
    let attempts = Arc::new(Attempts::default());
    let start = Instant::now();
    let error = SlowThenFast
        .run_async(SlowThenFastInputs {
            fast_from: usize::MAX,
            attempts: Arc::clone(&attempts),
        })
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(attempts.count(), 3);
    let SlowThenFastError::Settled(attempted) = &error;
    // The timeout is per attempt.
    assert_eq!(
        *attempted,
        Attempted::TimedOut {
            after: ms(30),
            attempts: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "node `settled` failed: timed out after 30 ms (3 attempts)"
    );
    // 3 × 30 ms + 5 + 10 ms of backoff.
    assert!(elapsed >= ms(105), "took {elapsed:?}");
    assert!(elapsed < ms(400), "took {elapsed:?}");
}

// ---------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------

/// The error of a refused attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Refused(usize);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt {} refused", self.0)
    }
}

impl Error for Refused {}

pipeline! {
    /// Fails its first `failures` attempts.
    struct Flaky {
        #[node(retries = 2, backoff_ms = 10)]
        async fn fetched(failures: usize, attempts: &Arc<Attempts>) -> Result<usize, Refused> {
            let number = attempts.start();
            tokio::task::yield_now().await;
            if number <= failures { Err(Refused(number)) } else { Ok(number * 100) }
        }
        fn reported(fetched: usize) -> String { format!("got {fetched}") }
    }
}

/// The variant of a retried fallible node holds `Attempted` of its error.
const _: fn(Attempted<Refused>) -> FlakyError = FlakyError::Fetched;

async fn flaky(failures: usize) -> (Result<FlakyOutputs, FlakyError>, Arc<Attempts>) {
    let attempts = Arc::new(Attempts::default());
    let result = Flaky
        .run_async(FlakyInputs {
            failures,
            attempts: Arc::clone(&attempts),
        })
        .await;
    (result, attempts)
}

#[tokio::test]
async fn a_node_that_fails_twice_then_succeeds_succeeds() {
    let (result, attempts) = flaky(2).await;
    let out = result.unwrap();
    assert_eq!(out.fetched, 300);
    assert_eq!(out.reported, "got 300");
    assert_eq!(attempts.count(), 3);
}

#[tokio::test]
async fn a_node_that_succeeds_at_once_is_called_once() {
    let (result, attempts) = flaky(0).await;
    assert_eq!(result.unwrap().fetched, 100);
    assert_eq!(attempts.count(), 1);
    assert!(attempts.gaps().is_empty());
}

#[tokio::test]
async fn a_node_that_always_fails_reports_its_last_error_and_attempts() {
    let (result, attempts) = flaky(usize::MAX).await;
    let error = result.unwrap_err();
    assert_eq!(attempts.count(), 3);
    assert_eq!(NodeError::node(&error), "fetched");
    let FlakyError::Fetched(attempted) = &error;
    assert_eq!(
        *attempted,
        Attempted::Failed {
            error: Refused(3),
            attempts: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "node `fetched` failed: attempt 3 refused (3 attempts)"
    );
    // The chain of sources: the pipeline error, `Attempted`, the node's error.
    let attempted = error.source().unwrap();
    assert_eq!(attempted.to_string(), "attempt 3 refused (3 attempts)");
    assert_eq!(attempted.source().unwrap().to_string(), "attempt 3 refused");
    assert!(attempted
        .source()
        .unwrap()
        .downcast_ref::<Refused>()
        .is_some());
}

#[tokio::test]
async fn retries_wait_a_doubling_backoff() {
    let (result, attempts) = flaky(usize::MAX).await;
    assert!(result.is_err());
    let gaps = attempts.gaps();
    assert_eq!(gaps.len(), 2);
    // 10 ms, then 20 ms.
    assert!(gaps[0] >= ms(10), "first backoff {:?}", gaps[0]);
    assert!(gaps[1] >= ms(20), "second backoff {:?}", gaps[1]);
    assert!(gaps[0] < ms(70), "first backoff {:?}", gaps[0]);
    assert!(gaps[1] < ms(80), "second backoff {:?}", gaps[1]);
}

pipeline! {
    /// One retry after a long backoff.
    struct LongBackoff {
        #[node(retries = 1, backoff_ms = 100)]
        async fn patient(attempts: &Arc<Attempts>) -> Result<usize, Refused> {
            Err(Refused(attempts.start()))
        }
    }
}

#[tokio::test]
async fn no_backoff_after_the_last_attempt() {
    let attempts = Arc::new(Attempts::default());
    let error = LongBackoff
        .run_async(LongBackoffInputs {
            attempts: Arc::clone(&attempts),
        })
        .await
        .unwrap_err();
    let returned = Instant::now();
    assert_eq!(
        error.to_string(),
        "node `patient` failed: attempt 2 refused (2 attempts)"
    );
    let last_started = *attempts.started.lock().unwrap().last().unwrap();
    // A further backoff would be 200 ms.
    assert!(
        returned - last_started < ms(100),
        "returned {:?} after the last attempt",
        returned - last_started
    );
    assert!(attempts.gaps()[0] >= ms(100));
}

pipeline! {
    /// A fallible node with a timeout and no retries.
    struct Deadline {
        #[node(timeout_ms = 200)]
        async fn checked(value: i32) -> Result<i32, Refused> {
            tokio::task::yield_now().await;
            if value < 0 { Err(Refused(1)) } else { Ok(value) }
        }
    }
}

#[tokio::test]
async fn an_error_within_the_timeout_is_failed_after_one_attempt() {
    assert_eq!(
        Deadline
            .run_async(DeadlineInputs { value: 4 })
            .await
            .unwrap()
            .checked,
        4
    );
    let error = Deadline
        .run_async(DeadlineInputs { value: -4 })
        .await
        .unwrap_err();
    let DeadlineError::Checked(attempted) = &error;
    assert_eq!(
        *attempted,
        Attempted::Failed {
            error: Refused(1),
            attempts: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "node `checked` failed: attempt 1 refused (1 attempt)"
    );
}

pipeline! {
    /// Retries without a backoff: attempts follow each other at once.
    struct Eager {
        #[node(retries = 3)]
        async fn eager(failures: usize, attempts: &Arc<Attempts>) -> Result<usize, Refused> {
            let number = attempts.start();
            if number <= failures { Err(Refused(number)) } else { Ok(number) }
        }
    }
}

#[tokio::test]
async fn retries_without_backoff_follow_at_once() {
    let attempts = Arc::new(Attempts::default());
    let start = Instant::now();
    let error = Eager
        .run_async(EagerInputs {
            failures: usize::MAX,
            attempts: Arc::clone(&attempts),
        })
        .await
        .unwrap_err();
    assert!(start.elapsed() < ms(50), "took {:?}", start.elapsed());
    assert_eq!(attempts.count(), 4);
    assert_eq!(
        error.to_string(),
        "node `eager` failed: attempt 4 refused (4 attempts)"
    );
}

/// With no `timeout_ms` and no `backoff_ms`, a retry waits for nothing, so it
/// should need no timer.
#[test]
fn retries_without_backoff_need_no_timer() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let attempts = Arc::new(Attempts::default());
    let out = runtime
        .block_on(Eager.run_async(EagerInputs {
            failures: 2,
            attempts: Arc::clone(&attempts),
        }))
        .unwrap();
    assert_eq!(out.eager, 3);
    assert_eq!(attempts.count(), 3);
}

pipeline! {
    /// A retried node that panics: a panic is not an error to retry.
    struct Panicky {
        #[node(retries = 3)]
        async fn panicky(attempts: &Arc<Attempts>) -> Result<usize, Refused> {
            attempts.start();
            panic!("retried node exploded")
        }
    }
}

#[tokio::test]
async fn a_panic_is_not_retried() {
    use hypernodes::__private::futures::FutureExt;
    let attempts = Arc::new(Attempts::default());
    let outcome = std::panic::AssertUnwindSafe(Panicky.run_async(PanickyInputs {
        attempts: Arc::clone(&attempts),
    }))
    .catch_unwind()
    .await;
    assert!(outcome.is_err());
    assert_eq!(attempts.count(), 1);
}

// ---------------------------------------------------------------------------
// By-value arguments of a retried node
// ---------------------------------------------------------------------------

/// Counts its clones; its heap address tells the original from a clone.
#[derive(Debug)]
struct Payload {
    clones: Arc<AtomicUsize>,
    bytes: Box<[u8; 4]>,
}

impl Clone for Payload {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::SeqCst);
        Payload {
            clones: Arc::clone(&self.clones),
            bytes: self.bytes.clone(),
        }
    }
}

impl Payload {
    fn address(&self) -> usize {
        std::ptr::from_ref::<[u8; 4]>(&self.bytes) as usize
    }
}

pipeline! {
    /// Takes its payload by value; fails its first `failures` attempts.
    struct Upload {
        #[node(retries = 2, backoff_ms = 1)]
        async fn uploaded(payload: Payload, failures: usize, attempts: &Arc<Attempts>, seen: &Arc<Mutex<Vec<usize>>>) -> Result<usize, Refused> {
            let number = attempts.start();
            seen.lock().unwrap().push(payload.address());
            tokio::task::yield_now().await;
            if number <= failures { Err(Refused(number)) } else { Ok(payload.bytes.len()) }
        }
    }
}

/// Runs `Upload`; the clones made, the addresses each attempt saw, and the
/// original's address.
async fn upload(failures: usize) -> (Result<usize, UploadError>, usize, Vec<usize>, usize) {
    let clones = Arc::new(AtomicUsize::new(0));
    let payload = Payload {
        clones: Arc::clone(&clones),
        bytes: Box::new([1, 2, 3, 4]),
    };
    let original = payload.address();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let result = Upload
        .run_async(UploadInputs {
            payload,
            failures,
            attempts: Arc::new(Attempts::default()),
            seen: Arc::clone(&seen),
        })
        .await
        .map(|out| out.uploaded);
    let seen = seen.lock().unwrap().clone();
    (result, clones.load(Ordering::SeqCst), seen, original)
}

#[tokio::test]
async fn a_by_value_argument_is_cloned_for_every_attempt_but_the_last() {
    let (result, clones, seen, original) = upload(2).await;
    assert_eq!(result.unwrap(), 4);
    assert_eq!(clones, 2);
    assert_eq!(seen.len(), 3);
    // The last attempt gets the original, the earlier ones clones.
    assert_eq!(seen[2], original);
    assert!(seen[..2].iter().all(|&address| address != original));
}

#[tokio::test]
async fn a_by_value_argument_is_cloned_for_every_failed_attempt() {
    let (result, clones, seen, original) = upload(usize::MAX).await;
    let UploadError::Uploaded(attempted) = result.unwrap_err();
    assert_eq!(attempted.attempts(), 3);
    assert_eq!((clones, seen.len()), (2, 3));
    assert_eq!(seen[2], original);
}

/// An attempt cannot know in advance that it will succeed: a first attempt
/// that is not the last gets a clone too.
#[tokio::test]
async fn a_first_attempt_that_succeeds_had_a_clone() {
    let (result, clones, seen, original) = upload(0).await;
    assert_eq!(result.unwrap(), 4);
    assert_eq!((clones, seen.len()), (1, 1));
    assert_ne!(seen[0], original);
}

pipeline! {
    /// `payload` is taken by value twice: by the retried `sent` (a clone,
    /// made when the run starts) and then by `kept` (the original).
    struct SendAndKeep {
        #[node(retries = 2)]
        async fn sent(payload: Payload, failures: usize, attempts: &Arc<Attempts>) -> Result<usize, Refused> {
            let number = attempts.start();
            if number <= failures { Err(Refused(number)) } else { Ok(payload.address()) }
        }
        fn kept(payload: Payload, sent: usize) -> (usize, usize) { (payload.address(), sent) }
    }
}

#[tokio::test]
async fn a_cloned_argument_of_a_retried_node_is_cloned_again_per_retry() {
    let clones = Arc::new(AtomicUsize::new(0));
    let payload = Payload {
        clones: Arc::clone(&clones),
        bytes: Box::new([0; 4]),
    };
    let original = payload.address();
    let out = SendAndKeep
        .run_async(SendAndKeepInputs {
            payload,
            failures: 2,
            attempts: Arc::new(Attempts::default()),
        })
        .await
        .unwrap();
    let (kept, sent) = out.kept;
    assert_eq!(kept, original);
    assert_ne!(sent, original);
    // One copy for `sent`, and one more for each of its two retried attempts.
    assert_eq!(clones.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------------------
// Through `map_async`
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_timed_out_item_of_a_map_is_failed_with_the_attempted_error() {
    let results = Slow
        .map_async([5, 300, 10].map(|delay_ms| SlowInputs { delay_ms }))
        .await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().doubled, 10);
    assert_eq!(results[2].as_ref().unwrap().doubled, 20);
    let error = results[1].as_ref().unwrap_err();
    assert_eq!((error.item(), error.node()), (1, "slow"));
    let MapError::Failed {
        item: 1,
        error: SlowError::Slow(attempted),
    } = error
    else {
        panic!("item 1: {error:?}");
    };
    assert_eq!(
        *attempted,
        Attempted::TimedOut {
            after: ms(50),
            attempts: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "item 1: node `slow` failed: timed out after 50 ms (1 attempt)"
    );
}

#[tokio::test]
async fn a_map_retries_each_item_on_its_own() {
    let attempts: Vec<_> = (0..4).map(|_| Arc::new(Attempts::default())).collect();
    let results = Flaky
        .map_async((0..4).map(|index| FlakyInputs {
            // Item 3 fails every attempt.
            failures: if index == 3 { usize::MAX } else { index },
            attempts: Arc::clone(&attempts[index]),
        }))
        .await;
    let counts: Vec<usize> = attempts.iter().map(|a| a.count()).collect();
    assert_eq!(counts, [1, 2, 3, 3]);
    let fetched: Vec<_> = results[..3]
        .iter()
        .map(|result| result.as_ref().unwrap().fetched)
        .collect();
    assert_eq!(fetched, [100, 200, 300]);
    let Err(MapError::Failed {
        item: 3,
        error: FlakyError::Fetched(attempted),
    }) = &results[3]
    else {
        panic!("item 3: {:?}", results[3]);
    };
    assert_eq!(
        *attempted,
        Attempted::Failed {
            error: Refused(3),
            attempts: 3
        }
    );
}

mod timeout_without_retries {
    use hypernodes::prelude::*;

    /// Not `Clone`: a node with a timeout but no retries makes one attempt,
    /// which gets the value itself.
    pub struct Ticket(u32);

    pipeline! {
        /// A by-value, non-`Clone` argument of a node with only a timeout.
        #[outputs(redeemed)]
        struct Redeem {
            fn ticket(number: u32) -> Ticket { Ticket(number) }
            #[node(timeout_ms = 1000)]
            async fn redeemed(ticket: Ticket) -> u32 { ticket.0 }
        }
    }

    #[tokio::test]
    async fn moves_a_non_clone_value_into_its_only_attempt() {
        let out = Redeem.run_async(RedeemInputs { number: 7 }).await.unwrap();
        assert_eq!(out.redeemed, 7);
    }
}
