//! The binary `benches/callgrind.sh parallel` runs under callgrind:
//! `run_parallel N` or `hand_join N` runs a diamond of four trivial nodes N
//! times, with the generated `run_parallel` or with the same calls and a
//! hand-written `rayon::join`, inside a rayon pool of one thread (so that
//! no other thread steals: the count is deterministic and is the runner's
//! own cost, not the wake-up of other threads), and prints a checksum.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::hint::black_box;
use std::process::ExitCode;

/// The diamond's source.
#[node]
fn top(x: u64) -> u64 {
    x + 1
}

/// One side.
#[node]
fn west(top: &u64) -> u64 {
    top * 2
}

/// The other side.
#[node]
fn east(top: &u64) -> u64 {
    top * 3
}

/// Where the sides meet.
#[node]
fn bottom(west: u64, east: u64) -> u64 {
    west + east
}

pipeline! {
    /// Four trivial nodes: `west` and `east` at once, between `top` and
    /// `bottom`.
    #[outputs(bottom)]
    struct Diamond {
        top,
        west,
        east,
        bottom,
    }
}

/// The generated `run_parallel`, `n` times.
#[inline(never)]
fn loop_run_parallel(n: u64) -> u64 {
    let mut checksum = 0u64;
    for x in 0..n {
        let result = Diamond.run_parallel(DiamondInputs { x: black_box(x) });
        checksum = checksum.wrapping_add(black_box(result).map_or(1, |o| o.bottom));
    }
    checksum
}

/// The same calls with `rayon::join` by hand, `n` times.
#[inline(never)]
fn loop_hand_join(n: u64) -> u64 {
    let mut checksum = 0u64;
    for x in 0..n {
        let t = top(black_box(x));
        let (w, e) = rayon::join(|| west(&t), || east(&t));
        let result: Result<u64, ()> = Ok(bottom(w, e));
        checksum = checksum.wrapping_add(black_box(result).map_or(1, |o| o));
    }
    checksum
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (variant, n) = match args.as_slice() {
        [variant, n] => match n.parse::<u64>() {
            Ok(n) => (variant.clone(), n),
            Err(error) => {
                eprintln!("callgrind_parallel: bad count {n:?}: {error}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: callgrind_parallel <run_parallel|hand_join> <runs>");
            return ExitCode::from(2);
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    let checksum = pool.install(|| match variant.as_str() {
        "run_parallel" => Some(loop_run_parallel(black_box(n))),
        "hand_join" => Some(loop_hand_join(black_box(n))),
        _ => None,
    });
    let Some(checksum) = checksum else {
        eprintln!("callgrind_parallel: unknown variant {variant:?}; expected `run_parallel` or `hand_join`");
        return ExitCode::from(2);
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
