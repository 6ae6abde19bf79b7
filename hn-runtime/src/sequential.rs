//! Support for the generated sequential `run`.

/// Drops a value at this point of the run: an intermediate whose last
/// consumer borrowed it is released right after that consumer, not at the end
/// of the run. A plain function rather than `core::mem::drop` so that the
/// lints about dropping `Copy` values do not fire on generated code.
#[inline(always)]
pub fn drop_now<T>(_value: T) {}
