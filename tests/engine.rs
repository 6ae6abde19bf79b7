//! `Engine`, `Mode`, `Workload` and the partition heuristic: builder
//! methods and their getters, defaults, `partitions_for`, and the documented
//! examples of `npartitions`.

use hypernodes::__private::rayon;
use hypernodes::partition::{
    chunk_len, npartitions, MAX_ITEMS_PER_PARTITION, MIN_ITEMS_PER_PARTITION,
};
use hypernodes::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

fn assert_traits<T: Clone + Default + std::fmt::Debug + Send + Sync + 'static>() {}

#[test]
fn engine_is_clone_default_debug_send_and_sync() {
    assert_traits::<Engine>();
    let engine = Engine::default();
    let copy = engine.clone();
    assert_eq!(copy.node_mode(), engine.node_mode());
    assert!(format!("{engine:?}").starts_with("Engine"));
}

#[test]
fn the_default_engine() {
    for engine in [Engine::new(), Engine::default()] {
        assert_eq!(engine.node_mode(), Mode::Sequential);
        assert_eq!(engine.map_mode(), Mode::Parallel);
        assert_eq!(engine.workload_type(), Workload::Mixed);
        assert_eq!(engine.worker_limit(), None);
        assert!(!engine.is_fail_fast());
        assert!(engine.custom_pool().is_none());
    }
}

#[test]
fn the_sequential_engine() {
    let engine = Engine::sequential();
    assert_eq!(engine.node_mode(), Mode::Sequential);
    assert_eq!(engine.map_mode(), Mode::Sequential);
    assert_eq!(engine.workload_type(), Workload::Mixed);
    assert_eq!(engine.worker_limit(), None);
    assert!(!engine.is_fail_fast());
    assert!(engine.custom_pool().is_none());
}

#[test]
fn every_builder_method_sets_its_getter() {
    let engine = Engine::new()
        .nodes(Mode::Parallel)
        .map(Mode::Threads)
        .workload(Workload::Io)
        .max_workers(64)
        .npartitions(16)
        .fail_fast(true);
    assert_eq!(engine.node_mode(), Mode::Parallel);
    assert_eq!(engine.map_mode(), Mode::Threads);
    assert_eq!(engine.workload_type(), Workload::Io);
    assert_eq!(engine.worker_limit(), Some(64));
    assert!(engine.is_fail_fast());
    assert_eq!(engine.partitions_for(1_000, 8), 16);

    // Later calls win; `fail_fast(false)` turns it off again.
    let engine = engine
        .nodes(Mode::Async)
        .map(Mode::Async)
        .workload(Workload::Cpu)
        .max_workers(3)
        .npartitions(5)
        .fail_fast(false);
    assert_eq!(engine.node_mode(), Mode::Async);
    assert_eq!(engine.map_mode(), Mode::Async);
    assert_eq!(engine.workload_type(), Workload::Cpu);
    assert_eq!(engine.worker_limit(), Some(3));
    assert!(!engine.is_fail_fast());
    assert_eq!(engine.partitions_for(1_000, 8), 5);
}

#[test]
fn the_builder_works_in_a_const() {
    const ENGINE: Engine = Engine::sequential()
        .nodes(Mode::Parallel)
        .workload(Workload::Cpu)
        .max_workers(2)
        .npartitions(4)
        .fail_fast(true);
    assert_eq!(ENGINE.node_mode(), Mode::Parallel);
    assert_eq!(ENGINE.map_mode(), Mode::Sequential);
    assert_eq!(ENGINE.worker_limit(), Some(2));
    assert_eq!(ENGINE.partitions_for(100, 8), 4);
    assert!(ENGINE.is_fail_fast());
}

#[test]
fn zero_workers_and_zero_partitions_count_as_one() {
    let engine = Engine::new().max_workers(0).npartitions(0);
    assert_eq!(engine.worker_limit(), Some(1));
    assert_eq!(engine.partitions_for(100, 8), 1);
}

#[test]
fn a_custom_pool_is_kept_and_shared_by_clones() {
    let engine = Engine::new().pool(
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap(),
    );
    assert_eq!(engine.custom_pool().unwrap().current_num_threads(), 2);
    // The other settings are untouched.
    assert_eq!(engine.map_mode(), Mode::Parallel);

    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap(),
    );
    let engine = Engine::new().pool(Arc::clone(&pool));
    let clone = engine.clone();
    assert!(Arc::ptr_eq(engine.custom_pool().unwrap(), &pool));
    assert!(Arc::ptr_eq(clone.custom_pool().unwrap(), &pool));
    assert_eq!(Arc::strong_count(&pool), 3);
    drop((engine, clone));
    assert_eq!(Arc::strong_count(&pool), 1);
}

#[test]
fn partitions_for_uses_the_manual_setting_up_to_the_item_count() {
    let engine = Engine::new().npartitions(16);
    assert_eq!(engine.partitions_for(1_000, 8), 16);
    assert_eq!(engine.partitions_for(1_000, 1), 16);
    assert_eq!(engine.partitions_for(10, 8), 10);
    assert_eq!(engine.partitions_for(1, 8), 1);
    assert_eq!(engine.partitions_for(0, 8), 1);
}

#[test]
fn partitions_for_uses_the_heuristic_with_the_engines_workload() {
    for workload in [Workload::Io, Workload::Cpu, Workload::Mixed] {
        let engine = Engine::new().workload(workload);
        for items in [0, 1, 10, 100, 500, 10_000, 1_000_000] {
            for cpus in [0, 1, 2, 8, 64] {
                assert_eq!(
                    engine.partitions_for(items, cpus),
                    npartitions(items, workload, cpus),
                    "{workload:?}, {items} items, {cpus} cpus"
                );
            }
        }
    }
    // The default workload is mixed.
    assert_eq!(Engine::new().partitions_for(500, 8), 16);
    // `max_workers` does not change the partition count.
    assert_eq!(Engine::new().max_workers(2).partitions_for(500, 8), 16);
}

#[test]
fn npartitions_documented_examples() {
    // 8 CPUs, mixed workload: the target is 24.
    assert_eq!(npartitions(10, Workload::Mixed, 8), 8);
    assert_eq!(npartitions(100, Workload::Mixed, 8), 8);
    assert_eq!(npartitions(500, Workload::Mixed, 8), 16);
    assert_eq!(npartitions(140, Workload::Mixed, 8), 14);
    assert_eq!(npartitions(1_000_000, Workload::Mixed, 8), 1024);

    assert_eq!(npartitions(0, Workload::Io, 8), 1);
    assert_eq!(npartitions(1_000_000, Workload::Cpu, 8), 1024);
    assert_eq!(npartitions(1_000, Workload::Mixed, 64), 100);
    assert_eq!(npartitions(10_000_000, Workload::Cpu, 8), 10_000);

    // 10 000 items on 8 CPUs.
    assert_eq!(npartitions(10_000, Workload::Io, 8), 32);
    assert_eq!(npartitions(10_000, Workload::Mixed, 8), 16);
    assert_eq!(npartitions(10_000, Workload::Cpu, 8), 16);
}

#[test]
fn npartitions_edges() {
    // Zero CPUs count as one; one item is one partition.
    assert_eq!(
        npartitions(100, Workload::Mixed, 0),
        npartitions(100, Workload::Mixed, 1)
    );
    for workload in [Workload::Io, Workload::Cpu, Workload::Mixed] {
        for cpus in [0, 1, 8, 1_000] {
            assert_eq!(npartitions(0, workload, cpus), 1);
            assert_eq!(npartitions(1, workload, cpus), 1);
        }
    }
    // Huge inputs do not overflow: every CPU gets an item.
    assert_eq!(
        npartitions(usize::MAX, Workload::Io, usize::MAX),
        usize::MAX
    );
}

#[test]
fn npartitions_stays_in_bounds_and_grows_with_its_inputs() {
    let workloads = [Workload::Cpu, Workload::Mixed, Workload::Io];
    for cpus in [1, 2, 3, 8, 12, 64] {
        for (w, &workload) in workloads.iter().enumerate() {
            let mut previous = 1;
            for items in (1..3_000).chain([9_999, 10_000, 123_456, 1_000_000]) {
                let n = npartitions(items, workload, cpus);
                assert!((1..=items).contains(&n), "{items} items: {n}");
                // Every CPU busy, unless there are fewer items.
                assert!(n >= items.min(cpus), "{items} items, {cpus} cpus: {n}");
                // No partition longer than the maximum.
                assert!(chunk_len(items, n) <= MAX_ITEMS_PER_PARTITION);
                assert!(n >= previous, "not monotonic at {items} items");
                previous = n;
                if let Some(&more) = workloads.get(w + 1) {
                    assert!(npartitions(items, more, cpus) >= n);
                }
                assert!(npartitions(items, workload, cpus + 1) >= n);
            }
        }
    }
}

#[test]
fn chunk_len_documented_examples() {
    assert_eq!(chunk_len(500, 16), 32);
    assert_eq!(chunk_len(0, 4), 1);
    assert_eq!(chunk_len(10, 6), 2);
    assert_eq!(chunk_len(10, 0), 10);
    assert_eq!(
        (MIN_ITEMS_PER_PARTITION, MAX_ITEMS_PER_PARTITION),
        (10, 1000)
    );
}

#[test]
fn workload_defaults_to_mixed_with_its_factors() {
    assert_eq!(Workload::default(), Workload::Mixed);
    assert_eq!(
        [Workload::Io, Workload::Cpu, Workload::Mixed].map(Workload::factor),
        [4, 2, 3]
    );
}

#[test]
fn mode_defaults_to_sequential_and_is_a_plain_enum() {
    assert_eq!(Mode::default(), Mode::Sequential);
    let modes = [Mode::Sequential, Mode::Parallel, Mode::Threads, Mode::Async];
    let distinct: HashSet<Mode> = modes.into_iter().collect();
    assert_eq!(distinct.len(), 4);
    let copy = modes[1];
    assert_eq!(copy, modes[1]);
    assert_eq!(format!("{:?}", Mode::Threads), "Threads");
    assert_eq!(format!("{:?}", Workload::Io), "Io");
}
