//! Async pipelines in a crate that depends on `hypernodes` alone, driven by
//! a minimal executor written here (no tokio, no futures crate).
#![deny(warnings)]

use hypernodes::prelude::*;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// An async node that yields once before answering.
#[node]
pub async fn greeting(name: &str) -> String {
    YieldOnce(false).await;
    format!("hello, {name}")
}

pipeline! {
    /// A greeting and its length.
    pub struct Greet {
        greeting,
        fn length(greeting: &str) -> usize { greeting.len() }
    }
}

/// A future that is pending once, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Wakes the thread that runs [`block_on`].
#[derive(Default)]
struct Signal {
    woken: Mutex<bool>,
    condvar: Condvar,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.condvar.notify_one();
    }
}

/// Runs a future to completion on the calling thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let mut woken = signal.woken.lock().unwrap();
        while !*woken {
            woken = signal.condvar.wait(woken).unwrap();
        }
        *woken = false;
    }
}
