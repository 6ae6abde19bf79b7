//! Wall-clock ratios of two sides measured in alternation in one process,
//! so that both sides see the same machine: shared by `map_ratio.rs` and
//! `progress_ratio.rs`.
//!
//! In each round, each side runs `iterations` times in alternation (`a b`,
//! then `b a`, ...). A round reports the median time of each side and the
//! median of the ratios of the runs taken side by side (`a` over the `b`
//! run next to it), which cancels the machine's slower and faster moments
//! better than the ratio of the medians.

use std::time::Duration;

/// The rounds asked for on the command line (`cargo bench` passes
/// `--bench`; a number sets the rounds), else `default`.
pub fn rounds(default: usize) -> usize {
    (std::env::args().skip(1))
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(default)
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One round of a pair, each side a timed run: the medians of both sides
/// and the median of the side-by-side ratios.
pub fn round(
    iterations: usize,
    first: &dyn Fn() -> Duration,
    second: &dyn Fn() -> Duration,
) -> (Duration, Duration, f64) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for iteration in 0..iterations {
        if iteration % 2 == 0 {
            a.push(first());
            b.push(second());
        } else {
            b.push(second());
            a.push(first());
        }
    }
    let ratios = (a.iter().zip(&b))
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    (median(a), median(b), median_of(ratios))
}

/// `rounds` rounds of a pair, each printed, then the median of the rounds'
/// ratios, printed and returned.
pub fn compare(
    rounds: usize,
    iterations: usize,
    (first_name, first): (&str, &dyn Fn() -> Duration),
    (second_name, second): (&str, &dyn Fn() -> Duration),
) -> f64 {
    let mut ratios = Vec::new();
    for index in 1..=rounds {
        let (a, b, ratio) = round(iterations, first, second);
        println!(
            "{first_name:>12} / {second_name:<10} round {index}: medians {:8.1} us / {:8.1} us, side-by-side ratio {ratio:.3}",
            a.as_secs_f64() * 1e6,
            b.as_secs_f64() * 1e6
        );
        ratios.push(ratio);
    }
    let median = median_of(ratios);
    println!(
        "{first_name:>12} / {second_name:<10} median of {rounds} rounds' ratios: {median:.3}\n"
    );
    median
}
