//! The binary `benches/callgrind.sh` runs under callgrind: `generated N` or
//! `hand N` runs that variant of the 5-node pipeline N times over
//! `black_box`ed inputs and prints a checksum, so nothing is optimized away.

use std::hint::black_box;
use std::process::ExitCode;

mod cli;
mod common;

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

fn main() -> ExitCode {
    let (variant, n) = match cli::variant_and_count("callgrind_target", "generated|hand") {
        Ok((variant, n)) => (variant, n),
        Err(code) => return code,
    };
    let checksum = match variant.as_str() {
        "generated" => loop_generated(black_box(n)),
        "hand" => loop_hand(black_box(n)),
        other => {
            eprintln!(
                "callgrind_target: unknown variant {other:?}; expected `generated` or `hand`"
            );
            return ExitCode::from(2);
        }
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
