//! The benchmarks of `hypernodes`: each bench target of this crate is a
//! file beside this one, described in `README.md`. The crate has no code of
//! its own; it keeps criterion out of the library's dev-dependencies.
