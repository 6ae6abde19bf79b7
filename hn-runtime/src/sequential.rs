//! Support for the generated sequential `run`.

/// Drops a value at this point of the run: an intermediate whose last
/// consumer borrowed it is released right after that consumer, not at the end
/// of the run. A plain function rather than `core::mem::drop` so that the
/// lints about dropping `Copy` values do not fire on generated code.
#[inline(always)]
pub fn drop_now<T>(_value: T) {}

/// A value taken by value by a node but used again later: it is cloned for
/// that node. This trait exists only for its error message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` must be cloned: a node takes it by value, but it is used again later",
    label = "this parameter takes the value, which something after this node still needs",
    note = "a value taken by value is moved at its last use and cloned before it; returning it in the outputs counts as a use",
    note = "implement `Clone`, take it by reference (`&{Self}`), or leave it out of `#[outputs(..)]`"
)]
pub trait CloneForLaterUse {
    /// `Clone::clone`.
    fn clone_for_later_use(&self) -> Self;
}

impl<T: Clone> CloneForLaterUse for T {
    #[inline(always)]
    fn clone_for_later_use(&self) -> Self {
        self.clone()
    }
}

/// Implemented by no type: a pipeline with async nodes has no blocking
/// `run` or `run_parallel`, and their stand-ins require this bound so that a
/// call fails to compile with the message below.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has async nodes, so it has no blocking runner",
    label = "this pipeline must be awaited",
    note = "use `{Self}.run_async(inputs).await` (`run_async_with(&engine, inputs)` with an engine), or `map_async` / `try_map_async` / `map_stream` for many items"
)]
pub trait NoAsyncNodes {}
