//! The first error of a run whose nodes run at once.

use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// The first error of a parallel or async run. Once set, no further node starts.
pub struct Failure<E> {
    failed: AtomicBool,
    error: Mutex<Option<E>>,
}

impl<E> Default for Failure<E> {
    fn default() -> Self {
        Failure {
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }
}

impl<E> Failure<E> {
    /// Records an error; only the first one is kept.
    pub fn set(&self, error: E) {
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(error);
        }
        self.failed.store(true, Ordering::Release);
    }

    /// The flag that says a node has failed, for waiting nodes to watch.
    pub fn flag(&self) -> &AtomicBool {
        &self.failed
    }

    /// Whether a node has failed.
    pub fn is_set(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// The first error, once the run is over.
    pub fn into_inner(self) -> Option<E> {
        self.error
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
