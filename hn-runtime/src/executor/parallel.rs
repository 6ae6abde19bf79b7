//! Shared state of a generated `run_parallel`.
//!
//! Each node of a parallel run is a task on a `rayon::scope`. Values travel
//! between tasks through [`Slot`]s; a task starts when the last of its
//! producers finishes (a dependency counter per node reaching zero), so every
//! node starts as soon as its own inputs are ready.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

/// A value produced by one task and consumed by others: borrowed by many at
/// once, or taken by the one consumer that every other consumer precedes.
pub struct Slot<T>(RwLock<Option<T>>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot(RwLock::new(None))
    }
}

const UNSET: &str =
    "hypernodes: a value was read before it was produced; this is a bug in the generated schedule";

impl<T> Slot<T> {
    /// A slot already holding a value (a pipeline input).
    pub fn full(value: T) -> Self {
        Slot(RwLock::new(Some(value)))
    }

    /// Stores the value; producers call this once.
    pub fn put(&self, value: T) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    /// Borrows the value for a consumer.
    pub fn get(&self) -> SlotRef<'_, T> {
        SlotRef(self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Takes the value for its final, by-value consumer.
    pub fn take(&self) -> T {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect(UNSET)
    }

    /// The value after the run, for the outputs.
    pub fn into_inner(self) -> T {
        self.into_option().expect(UNSET)
    }

    /// Borrows a value that exists only in some runs (its producers have
    /// `#[when]`): `None` once every producer is done without running.
    pub fn get_some(&self) -> Option<SlotRef<'_, T>> {
        let guard = self.0.read().unwrap_or_else(PoisonError::into_inner);
        guard.is_some().then(|| SlotRef(guard))
    }

    /// Takes a value that exists only in some runs, for its final,
    /// by-value consumer.
    pub fn take_some(&self) -> Option<T> {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// A value that exists only in some runs, after the run.
    pub fn into_option(self) -> Option<T> {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A borrowed slot value.
pub struct SlotRef<'a, T>(RwLockReadGuard<'a, Option<T>>);

impl<T> core::ops::Deref for SlotRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_ref().expect(UNSET)
    }
}
