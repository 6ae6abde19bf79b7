//! Criterion: the generated sequential `run` of a 5-node pipeline against the
//! same five functions called by hand (see `benches/README.md`).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

mod common;

use common::{hand_written, Five, FiveInputs, BIAS, FACTOR, LIMIT, RAW};

fn run_5_nodes(c: &mut Criterion) {
    // Both variants must agree before they are timed.
    let expected = hand_written(RAW, FACTOR, BIAS, LIMIT).expect("the inputs pass `checked`");
    let generated = Five.run(FiveInputs {
        raw: RAW,
        factor: FACTOR,
        bias: BIAS,
        limit: LIMIT,
    });
    assert_eq!(
        generated.expect("the inputs pass `checked`").combine,
        expected
    );

    let mut group = c.benchmark_group("run_5_nodes");
    group.bench_function("generated", |b| {
        b.iter(|| {
            Five.run(FiveInputs {
                raw: black_box(RAW),
                factor: black_box(FACTOR),
                bias: black_box(BIAS),
                limit: black_box(LIMIT),
            })
        });
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            hand_written(
                black_box(RAW),
                black_box(FACTOR),
                black_box(BIAS),
                black_box(LIMIT),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, run_5_nodes);
criterion_main!(benches);
