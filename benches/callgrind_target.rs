//! The binary `benches/callgrind.sh` runs under callgrind: `generated N` or
//! `hand N` runs that variant of the 5-node pipeline N times over
//! `black_box`ed inputs and prints a checksum, so nothing is optimized away;
//! `branch N` and `hand_branch N` the same for the 5-node pipeline with one
//! gate (`gated/mod.rs`), taking each arm every other run.

use std::hint::black_box;
use std::process::ExitCode;

mod cli;
mod common;
mod gated;

use common::{hand_written, Five, FiveInputs, BIAS, FACTOR, LIMIT, RAW};

/// The generated `run`, `n` times. Not inlined into `main`, so the two loops
/// are compiled alike and show up as separate functions in the profile.
#[inline(never)]
fn loop_generated(n: u64) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..n {
        let result = Five.run(FiveInputs {
            raw: black_box(RAW),
            factor: black_box(FACTOR),
            bias: black_box(BIAS),
            limit: black_box(LIMIT),
        });
        checksum = checksum.wrapping_add(result.map_or(1, |outputs| outputs.combine));
    }
    checksum
}

/// The hand-written baseline, `n` times, in the same loop.
#[inline(never)]
fn loop_hand(n: u64) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..n {
        let result = hand_written(
            black_box(RAW),
            black_box(FACTOR),
            black_box(BIAS),
            black_box(LIMIT),
        );
        checksum = checksum.wrapping_add(result.map_or(1, |combine| combine));
    }
    checksum
}

/// The limit of run `i`: the gate is true on even runs, false on odd ones
/// (almost surely: the mixed seed is below 1000 once in 10^16).
fn limit_of(i: u64) -> u64 {
    if i % 2 == 0 {
        u64::MAX
    } else {
        1000
    }
}

/// The generated `run` of the gated pipeline, `n` times.
#[inline(never)]
fn loop_branch(n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let outputs = gated::Gated.run(gated::GatedInputs {
            seed: black_box(i),
            limit: black_box(limit_of(i)),
            factor: black_box(FACTOR),
            bias: black_box(BIAS),
        });
        checksum = checksum.wrapping_add(outputs.map_or(1, |outputs| outputs.combined));
    }
    checksum
}

/// The gated pipeline's calls by hand, `n` times, in the same loop.
#[inline(never)]
fn loop_hand_branch(n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let combined = gated::hand_written(
            black_box(i),
            black_box(limit_of(i)),
            black_box(FACTOR),
            black_box(BIAS),
        );
        checksum = checksum.wrapping_add(combined);
    }
    checksum
}

fn main() -> ExitCode {
    let (variant, n) =
        match cli::variant_and_count("callgrind_target", "generated|hand|branch|hand_branch") {
            Ok((variant, n)) => (variant, n),
            Err(code) => return code,
        };
    let checksum = match variant.as_str() {
        "generated" => loop_generated(black_box(n)),
        "hand" => loop_hand(black_box(n)),
        "branch" => loop_branch(black_box(n)),
        "hand_branch" => loop_hand_branch(black_box(n)),
        other => {
            eprintln!(
                "callgrind_target: unknown variant {other:?}; expected `generated`, `hand`, `branch` or `hand_branch`"
            );
            return ExitCode::from(2);
        }
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
