//! The compile-fail (UI) tests of `hypernodes`: `tests/compiletest.rs`
//! compiles every file in `tests/ui/` with trybuild and compares rustc's
//! messages with the `.stderr` snapshot beside it. This crate has no code of
//! its own; it keeps trybuild out of the library's dev-dependencies.
