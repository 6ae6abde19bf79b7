//! A 5-node pipeline with one gate, and the same calls written by hand with
//! an `if`, for `callgrind_target branch` / `hand_branch`.

use hypernodes::prelude::*;

/// A number mixed from the seed.
#[node]
pub fn digits(seed: &u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (seed >> 29)
}

/// The gate: whether the number is under the limit.
#[node]
pub fn small(digits: &u64, limit: &u64) -> bool {
    digits < limit
}

/// The arm taken when the number is small.
#[node(output = value)]
pub fn scaled(digits: u64, factor: u64) -> u64 {
    digits.wrapping_mul(factor)
}

/// The arm taken otherwise.
#[node(output = value)]
pub fn clamped(digits: u64, limit: u64) -> u64 {
    digits % limit.max(1)
}

/// After the branch: `value` exists on both arms.
#[node]
pub fn combined(value: u64, bias: u64) -> u64 {
    value.wrapping_add(bias) ^ (bias >> 3)
}

pipeline! {
    /// `digits`, the gate `small`, `scaled` or `clamped`, `combined`.
    pub struct Gated {
        digits,
        small,
        #[when(small)]
        scaled,
        #[when(!small)]
        clamped,
        combined,
    }
}

/// The same calls, by hand.
#[inline]
pub fn hand_written(seed: u64, limit: u64, factor: u64, bias: u64) -> u64 {
    let digits = digits(&seed);
    let value = if small(&digits, &limit) {
        scaled(digits, factor)
    } else {
        clamped(digits, limit)
    };
    combined(value, bias)
}
