//! Compile-fail tests: every mistake in a node or a pipeline is a compile
//! error at the offending token. Regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p hn-compile-fail`, then read the diff.

// rustc's messages change between releases; the snapshots are made with the
// stable release below and are skipped, not failed, on any other compiler.
#[rustversion::attr(not(stable(1.95)), ignore = "snapshots are made with rustc 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    // Features are unified across the crate graph, so each optional
    // feature's messages are a set of their own, run with that feature.
    if cfg!(feature = "cluster") {
        t.compile_fail("tests/ui-cluster/*.rs");
    } else if cfg!(feature = "cache") {
        t.compile_fail("tests/ui-cache/*.rs");
    } else if cfg!(feature = "serde") {
        t.compile_fail("tests/ui-serde/*.rs");
    } else {
        t.compile_fail("tests/ui/*.rs");
    }
}
