//! The nodes, the generated pipeline and the hand-written baseline shared by
//! the `sequential` (criterion) and `callgrind_target` benches.
//!
//! The node bodies exist once, here. Both variants call these very functions
//! in the same order with the same error handling, so any difference in cost
//! is the cost of the code `pipeline!` generates around them.

use core::fmt;
use hypernodes::prelude::*;

/// `checked` refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The value that was checked.
    pub value: u64,
    /// The limit it exceeded.
    pub limit: u64,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} exceeds the limit {}", self.value, self.limit)
    }
}

impl std::error::Error for TooLarge {}

/// Decimal digits to a number (by reference: `raw` is an input array).
#[node]
pub fn parse(raw: &[u8; 8]) -> u64 {
    raw.iter().fold(0u64, |acc, &digit| {
        acc * 10 + u64::from(digit.wrapping_sub(b'0') % 10)
    })
}

/// By value: `parse` is used again later (by `combine`), so the pipeline
/// clones it here (a copy for `u64`).
#[node]
pub fn scale(parse: u64, factor: u64) -> u64 {
    parse.wrapping_mul(factor)
}

/// `scale` by reference, `bias` by value.
#[node]
pub fn offset(scale: &u64, bias: u64) -> u64 {
    scale.wrapping_add(bias) ^ (bias >> 3)
}

/// The fallible node.
#[node]
pub fn checked(offset: u64, limit: &u64) -> Result<u64, TooLarge> {
    if offset > *limit {
        Err(TooLarge {
            value: offset,
            limit: *limit,
        })
    } else {
        Ok(offset)
    }
}

/// Depends on three earlier outputs: two by value, one by reference.
#[node]
pub fn combine(checked: u64, parse: &u64, scale: u64) -> u64 {
    checked.rotate_left(7) ^ parse.wrapping_mul(31) ^ scale
}

pipeline! {
    /// parse -> scale -> offset -> checked -> combine, returning `combine`.
    #[outputs(combine)]
    pub struct Five {
        parse,
        scale,
        offset,
        checked,
        combine,
    }
}

/// The baseline: the same functions, in the same order, with the same error
/// handling, written by hand.
///
/// # Errors
///
/// `checked`'s error, as the generated `run` returns it.
#[allow(
    clippy::question_mark,
    reason = "the same `match` and early `return` the generated `run` makes"
)]
#[inline]
pub fn hand_written(raw: [u8; 8], factor: u64, bias: u64, limit: u64) -> Result<u64, TooLarge> {
    let parse = parse(&raw);
    let scale = scale(parse, factor);
    let offset = offset(&scale, bias);
    let checked = match checked(offset, &limit) {
        Ok(value) => value,
        Err(error) => return Err(error),
    };
    Ok(combine(checked, &parse, scale))
}

/// Inputs that pass `checked`: `parse` = 12345678.
pub const RAW: [u8; 8] = *b"12345678";
/// Multiplier of `scale`.
pub const FACTOR: u64 = 3;
/// Added by `offset`.
pub const BIAS: u64 = 1_000;
/// `checked`'s limit, well above `offset` for these inputs.
pub const LIMIT: u64 = u64::MAX / 2;
