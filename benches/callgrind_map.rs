//! The binary `benches/callgrind.sh map` and `try-map` run under callgrind:
//! `<variant> N` maps N trivial items (two integer nodes, one `u64` out)
//! once, inside a rayon pool of one thread (so that no other thread
//! steals: the count is deterministic and is the runner's own cost), and
//! prints a checksum. The variants:
//!
//! - `map`: the generated `map`; `hand_catch`: the rayon loop it stands
//!   for, `into_par_iter().map(|x| catch_unwind(|| f(x))).collect()`.
//! - `try_map`: the generated `try_map`; `hand_plain`: the rayon loop it
//!   stands for, `into_par_iter().map(f).collect::<Vec<u64>>()`.
//! - `map_with`, `try_map_with`: the same with `Engine::new()`.
//! - `nested`: `run` of a pipeline that maps the trivial one over a `Vec`
//!   (`#[nested(map_over = ..)]`, the items one after another);
//!   `hand_nested`: the loop it stands for,
//!   `iter().map(f).collect::<Vec<u64>>()`.
//!
//! Only the map itself is counted: the items are built outside the
//! `measured_*` functions, which the script passes to callgrind's
//! `--toggle-collect`.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::any::Any;
use std::hint::black_box;
use std::process::ExitCode;
use trivial::{Arith, ArithError, ArithInputs, ArithOutputs};

mod trivial;

pipeline! {
    /// `Arith` over every element of `xs`, gathering `b` into `bs`.
    struct Outer {
        #[nested(map_over = x, inputs(xs = x), outputs(b = bs))]
        trivial::Arith,
    }
}

// Each returns what it collected: its checksum and its drop are not
// counted.

#[inline(never)]
fn measured_map(items: Vec<ArithInputs>) -> Vec<Result<ArithOutputs, MapError<ArithError>>> {
    Arith.map(items)
}

#[inline(never)]
fn measured_map_with(items: Vec<ArithInputs>) -> Vec<Result<ArithOutputs, MapError<ArithError>>> {
    Arith.map_with(&Engine::new(), items)
}

#[inline(never)]
fn measured_try_map_with(
    items: Vec<ArithInputs>,
) -> Result<Vec<ArithOutputs>, MapError<ArithError>> {
    Arith.try_map_with(&Engine::new(), items)
}

#[inline(never)]
fn measured_hand_catch(items: Vec<ArithInputs>) -> Vec<Result<u64, Box<dyn Any + Send>>> {
    trivial::hand_catch(items)
}

#[inline(never)]
fn measured_try_map(items: Vec<ArithInputs>) -> Result<Vec<ArithOutputs>, MapError<ArithError>> {
    Arith.try_map(items)
}

#[inline(never)]
fn measured_hand_plain(items: Vec<ArithInputs>) -> Vec<u64> {
    trivial::hand_plain(items)
}

#[inline(never)]
fn measured_nested(xs: Vec<u64>) -> Vec<u64> {
    match Outer.run(OuterInputs { xs }) {
        Ok(outputs) => outputs.bs,
        Err(error) => match error {},
    }
}

#[inline(never)]
fn measured_hand_nested(xs: Vec<u64>) -> Vec<u64> {
    xs.iter().map(|&x| trivial::b(trivial::a(x))).collect()
}

/// Runs `variant` over `items` and returns a checksum of its outputs.
fn checksum(variant: &str, items: Vec<ArithInputs>) -> Option<u64> {
    Some(match variant {
        "map" => (measured_map(items).iter())
            .map(|r| r.as_ref().map_or(1, |o| o.b))
            .sum(),
        "map_with" => (measured_map_with(items).iter())
            .map(|r| r.as_ref().map_or(1, |o| o.b))
            .sum(),
        "try_map_with" => (measured_try_map_with(items).unwrap_or_default().iter())
            .map(|o| o.b)
            .sum(),
        "hand_catch" => (measured_hand_catch(items).iter())
            .map(|r| *r.as_ref().unwrap_or(&1))
            .sum(),
        "try_map" => (measured_try_map(items).unwrap_or_default().iter())
            .map(|o| o.b)
            .sum(),
        "hand_plain" => measured_hand_plain(items).iter().sum(),
        "nested" => measured_nested(items.iter().map(|item| item.x).collect())
            .iter()
            .sum(),
        "hand_nested" => measured_hand_nested(items.iter().map(|item| item.x).collect())
            .iter()
            .sum(),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: callgrind_map <map|map_with|hand_catch|try_map|try_map_with|hand_plain|nested|hand_nested> <items>";
    let [variant, n] = args.as_slice() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    let items = trivial::items(black_box(n));
    let Some(checksum) = pool.install(|| checksum(variant, items)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
