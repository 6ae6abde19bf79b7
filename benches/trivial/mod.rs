//! The trivial map shared by `parallel.rs` (`map_trivial`), `map_ratio.rs`
//! and `callgrind_map.rs`: a two-node pipeline of integer arithmetic and the
//! hand-written rayon loops it is measured against.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use rayon::prelude::*;
use std::any::Any;
use std::panic::catch_unwind;

/// First node: triples.
#[node]
pub fn a(x: u64) -> u64 {
    x * 3
}

/// Second node: adds one.
#[node]
pub fn b(a: u64) -> u64 {
    a + 1
}

pipeline! {
    /// `a` then `b`, returning `b` only: the same single number the
    /// hand-written closures return.
    #[outputs(b)]
    pub struct Arith {
        a,
        b,
    }
}

/// `n` items. The generated inputs struct is not `Clone`, so each timed run
/// gets a `Vec` built anew by this, outside the timing.
pub fn items(n: u64) -> Vec<ArithInputs> {
    (0..n).map(|x| ArithInputs { x }).collect()
}

/// The hand-written loop `map` stands for: the two functions on rayon, a
/// panic caught per item, every item's outcome kept.
pub fn hand_catch(items: Vec<ArithInputs>) -> Vec<Result<u64, Box<dyn Any + Send>>> {
    items
        .into_par_iter()
        .map(|item| catch_unwind(|| b(a(item.x))))
        .collect()
}

/// The hand-written loop `try_map` stands for: the two functions on rayon,
/// the bare outputs collected.
pub fn hand_plain(items: Vec<ArithInputs>) -> Vec<u64> {
    items.into_par_iter().map(|item| b(a(item.x))).collect()
}
