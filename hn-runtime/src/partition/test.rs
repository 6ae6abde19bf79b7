extern crate std;

use super::*;
use proptest::prelude::*;
use Workload::{Cpu, Io, Mixed};

const WORKLOADS: [Workload; 3] = [Io, Mixed, Cpu];

/// The policy written the slow way, in `u128` so nothing can overflow: every
/// power of two in `lo..=hi` is a candidate, the closest within `n / 3` wins,
/// the smaller on a tie.
fn reference(items: usize, workload: Workload, cpus: usize) -> usize {
    if items == 0 {
        return 1;
    }
    let (items, cpus) = (items as u128, cpus.max(1) as u128);
    let target = cpus * workload.factor() as u128;
    let lo = items.min(cpus).max(items.div_ceil(1000));
    let hi = (items / 10).max(lo);
    let n = target.clamp(lo, hi);
    (0..usize::BITS)
        .map(|bit| 1u128 << bit)
        .filter(|&p| lo <= p && p <= hi && n.abs_diff(p) <= n / 3)
        .min_by_key(|&p| (n.abs_diff(p), p))
        .unwrap_or(n) as usize
}

/// `lo` and `hi` of the policy: the result always lies in `lo..=hi`.
fn bounds(items: usize, cpus: usize) -> (usize, usize) {
    let lo = items.min(cpus.max(1)).max(items.div_ceil(1000)).max(1);
    (lo, (items / 10).max(lo))
}

#[test]
fn factors() {
    assert_eq!(Io.factor(), 4);
    assert_eq!(Cpu.factor(), 2);
    assert_eq!(Mixed.factor(), 3);
    assert_eq!(Workload::default(), Mixed);
}

/// Worked out by hand from the policy in the module documentation.
#[test]
fn table() {
    #[rustfmt::skip]
    let cases: &[(usize, usize, [usize; 3])] = &[
        // (items, cpus, [Io, Mixed, Cpu])
        // The three documented examples (8 CPUs, mixed: target 24).
        (10, 8, [8, 8, 8]),        // lo = hi = min(10, 8): every core
        (100, 8, [8, 8, 8]),       // clamped to hi = 10; 8 is within 10 / 3
        (500, 8, [32, 16, 16]),    // mixed: 24 is 8 from 16 and from 32: smaller
        // Tiny inputs: one item per partition, up to one per CPU.
        (0, 8, [1, 1, 1]),
        (1, 8, [1, 1, 1]),
        (2, 8, [2, 2, 2]),
        (7, 8, [7, 7, 7]),         // 4 < lo = 7, 8 > hi = 7: stays 7
        (7, 2, [2, 2, 2]),
        (50, 8, [8, 8, 8]),        // hi = max(5, 8)
        (50, 2, [4, 4, 4]),        // hi = 5; 5 → 4
        (100, 2, [8, 4, 4]),       // mixed 6: 4 and 8 tie: smaller
        // One CPU (and zero, which counts as one): targets 4, 3, 2.
        (1, 1, [1, 1, 1]),
        (7, 1, [1, 1, 1]),
        (10, 1, [1, 1, 1]),
        (50, 1, [4, 2, 2]),        // mixed 3: 2 and 4 tie: smaller
        (100, 0, [4, 2, 2]),
        (10_000, 1, [10, 10, 10]), // lo = 10 (1000 items each); 16 is 6 > 3 away
        // Upper bound of the window: no rounding past items / 10.
        (120, 8, [8, 8, 8]),       // hi = 12: 16 > hi, 8 is 4 ≤ 4 away
        (130, 8, [13, 13, 13]),    // hi = 13: 16 > hi, 8 is 5 > 4 away
        (140, 8, [14, 14, 14]),    // hi = 14: 16 > hi, 8 is 6 > 4 away
        (1000, 64, [100, 100, 100]), // hi = 100: 128 > hi, 64 is 36 > 33 away
        // Large inputs.
        (1000, 8, [32, 16, 16]),
        (10_000, 8, [32, 16, 16]),
        (10_000, 2, [10, 10, 10]),  // lo = 10: 8 < lo, 16 is 6 > 3 away
        (10_000, 64, [256, 128, 128]), // mixed 192: 128 and 256 tie: smaller
        (1_000_000, 8, [1024, 1024, 1024]), // lo = 1000, 1024 is 24 away
        (1_000_000, 2, [1024, 1024, 1024]),
        (1_400_000, 8, [1400, 1400, 1400]), // 1024 < lo, 2048 is 648 > 466 away
        (1_600_000, 8, [2048, 2048, 2048]), // 2048 is 448 ≤ 533 away
        (10_000_000, 8, [10_000, 10_000, 10_000]), // 8192 < lo, 16384 too far
        (usize::MAX, usize::MAX, [usize::MAX; 3]),
    ];
    for &(items, cpus, expected) in cases {
        for (workload, expected) in WORKLOADS.into_iter().zip(expected) {
            assert_eq!(
                npartitions(items, workload, cpus),
                expected,
                "npartitions({items}, {workload:?}, {cpus})"
            );
        }
    }
}

#[test]
fn matches_the_reference_exhaustively_on_small_inputs() {
    for cpus in 0..=40 {
        for items in 0..=3000 {
            for workload in WORKLOADS {
                assert_eq!(
                    npartitions(items, workload, cpus),
                    reference(items, workload, cpus),
                    "npartitions({items}, {workload:?}, {cpus})"
                );
            }
        }
    }
}

#[test]
fn monotone_exhaustively_on_small_inputs() {
    for workload in WORKLOADS {
        for cpus in 0..=40 {
            let mut previous = npartitions(0, workload, cpus);
            for items in 1..=20_000 {
                let n = npartitions(items, workload, cpus);
                assert!(n >= previous, "{workload:?}, {cpus} cpus: {items} items");
                previous = n;
            }
        }
        for items in 0..=3000 {
            let mut previous = npartitions(items, workload, 0);
            for cpus in 1..=200 {
                let n = npartitions(items, workload, cpus);
                assert!(n >= previous, "{workload:?}, {items} items: {cpus} cpus");
                previous = n;
            }
        }
    }
}

#[test]
fn rounding_takes_the_smaller_power_on_a_tie() {
    assert_eq!(nearby_power_of_two(3, 1, 3), 2);
    assert_eq!(nearby_power_of_two(6, 1, 8), 4);
    assert_eq!(nearby_power_of_two(24, 1, 32), 16);
    assert_eq!(nearby_power_of_two(24, 17, 32), 32);
    assert_eq!(nearby_power_of_two(24, 17, 31), 24);
    assert_eq!(nearby_power_of_two(usize::MAX, 1, usize::MAX), usize::MAX);
    assert_eq!(
        nearby_power_of_two(usize::MAX / 3 * 2, 1, usize::MAX),
        1 << (usize::BITS - 1)
    );
}

#[test]
fn chunk_len_edges() {
    assert_eq!(chunk_len(0, 0), 1);
    assert_eq!(chunk_len(0, 4), 1);
    assert_eq!(chunk_len(5, 0), 5);
    assert_eq!(chunk_len(500, 16), 32);
    assert_eq!(chunk_len(usize::MAX, 1), usize::MAX);
    assert_eq!(chunk_len(usize::MAX, usize::MAX), 1);
    // Ceiling division can leave fewer pieces than partitions: 10 items in 6
    // partitions of 2 are 5 pieces, so `chunk_len × (partitions − 1) < items`
    // does not hold in general, even for what `npartitions` returns.
    assert_eq!(npartitions(10, Mixed, 6), 6);
    assert_eq!(chunk_len(10, 6), 2);
    assert_eq!(10usize.div_ceil(2), 5);
}

fn items() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..100usize,
        0..100_000usize,
        0..100_000_000usize,
        any::<usize>()
    ]
}

fn cpus() -> impl Strategy<Value = usize> {
    prop_oneof![0..=16usize, 0..=1024usize, any::<usize>()]
}

fn workload() -> impl Strategy<Value = Workload> {
    prop_oneof![Just(Io), Just(Mixed), Just(Cpu)]
}

proptest! {
    #[test]
    fn matches_the_reference(items in items(), workload in workload(), cpus in cpus()) {
        prop_assert_eq!(npartitions(items, workload, cpus), reference(items, workload, cpus));
    }

    #[test]
    fn at_least_one_and_at_most_items(items in items(), workload in workload(), cpus in cpus()) {
        let n = npartitions(items, workload, cpus);
        prop_assert!(n >= 1);
        prop_assert!(n <= items.max(1));
    }

    #[test]
    fn within_the_policy_bounds(items in items(), workload in workload(), cpus in cpus()) {
        let n = npartitions(items, workload, cpus);
        let (lo, hi) = bounds(items, cpus);
        prop_assert!(lo <= n && n <= hi, "{} not in {}..={}", n, lo, hi);
        // The same bounds, spelled as the policy's rules.
        prop_assert!(n >= items.min(cpus.max(1)), "a CPU left idle");
        prop_assert!(chunk_len(items, n) <= MAX_ITEMS_PER_PARTITION, "partitions too large");
        if items >= 1 && items / MIN_ITEMS_PER_PARTITION >= items.min(cpus.max(1)) {
            prop_assert!(items / n >= MIN_ITEMS_PER_PARTITION, "partitions too small");
        }
    }

    #[test]
    fn monotone_in_items(a in items(), b in items(), workload in workload(), cpus in cpus()) {
        let (a, b) = (a.min(b), a.max(b));
        prop_assert!(npartitions(a, workload, cpus) <= npartitions(b, workload, cpus));
    }

    #[test]
    fn monotone_in_items_step_by_one(items in items(), workload in workload(), cpus in cpus()) {
        let items = items.min(usize::MAX - 1);
        prop_assert!(npartitions(items, workload, cpus) <= npartitions(items + 1, workload, cpus));
    }

    #[test]
    fn monotone_in_cpus(items in items(), workload in workload(), a in cpus(), b in cpus()) {
        let (a, b) = (a.min(b), a.max(b));
        prop_assert!(npartitions(items, workload, a) <= npartitions(items, workload, b));
    }

    #[test]
    fn io_at_least_mixed_at_least_cpu(items in items(), cpus in cpus()) {
        let io = npartitions(items, Io, cpus);
        let mixed = npartitions(items, Mixed, cpus);
        let cpu = npartitions(items, Cpu, cpus);
        prop_assert!(io >= mixed && mixed >= cpu, "io {}, mixed {}, cpu {}", io, mixed, cpu);
    }

    #[test]
    fn chunk_len_covers_the_items(items in items(), partitions in cpus()) {
        let len = chunk_len(items, partitions);
        let parts = partitions.max(1) as u128;
        prop_assert!(len >= 1);
        prop_assert!(len as u128 * parts >= items as u128, "does not cover the items");
        if items >= 1 {
            // The smallest length that covers them.
            prop_assert!((len as u128 - 1) * parts < items as u128, "not the smallest");
            // At most `partitions` pieces, and more than half of them.
            let pieces = items.div_ceil(len) as u128;
            prop_assert!(pieces <= parts);
            if parts <= items as u128 {
                prop_assert!(2 * pieces > parts, "{} pieces for {} partitions", pieces, parts);
            }
        }
    }

    #[test]
    fn chunk_len_of_npartitions(items in items(), workload in workload(), cpus in cpus()) {
        let n = npartitions(items, workload, cpus);
        let len = chunk_len(items, n);
        prop_assert!(len as u128 * n as u128 >= items as u128);
        prop_assert!(items.div_ceil(len) <= n);
    }
}
