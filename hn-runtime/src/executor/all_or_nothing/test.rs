//! Both strategies of the all-or-nothing map, on the same cases: every
//! build uses one of them, and this one can run both.

use super::strategies::{try_map_par_by, try_map_with_by, Collecting, Strategy, Unwinding};
use crate::{Engine, MapError, Mode};
use proptest::prelude::{prop_oneof, proptest, Just, ProptestConfig};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

/// An item's behaviour.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Does {
    Succeed,
    Fail,
    Panic,
}

/// A value that counts its drops, to check that a stopped map drops every
/// output it had collected, once.
struct Counted(usize, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

/// What one map did: its result, which items ran, how many outputs were
/// made and dropped.
struct Observed {
    result: Result<Vec<usize>, MapError<usize>>,
    ran: BTreeSet<usize>,
}

/// Maps `plan` with strategy `S`, through `try_map_par` or `try_map_with`
/// on `engine`.
fn observe<S: Strategy<Counted, usize>>(plan: &[Does], engine: Option<&Engine>) -> Observed {
    let ran: Vec<AtomicBool> = plan.iter().map(|_| AtomicBool::new(false)).collect();
    let (made, dropped) = (AtomicUsize::new(0), Arc::new(AtomicUsize::new(0)));
    let run = |index: usize| -> Result<Counted, usize> {
        ran[index].store(true, Ordering::Relaxed);
        match plan[index] {
            Does::Succeed => {
                made.fetch_add(1, Ordering::Relaxed);
                Ok(Counted(index, Arc::clone(&dropped)))
            }
            Does::Fail => Err(index),
            Does::Panic => panic!("item {index} panicked"),
        }
    };
    let result = match engine {
        Some(engine) => try_map_with_by::<S, _, _, _, _>(engine, 0..plan.len(), run),
        None => try_map_par_by::<S, _, _, _, _>(0..plan.len(), run),
    };
    let result = result.map(|outputs| {
        outputs
            .into_iter()
            .map(|output| output.0)
            .collect::<Vec<_>>()
    });
    assert_eq!(
        made.load(Ordering::Relaxed),
        dropped.load(Ordering::Relaxed),
        "every output made is dropped once"
    );
    let ran = (ran.iter().enumerate())
        .filter(|(_, ran)| ran.load(Ordering::Relaxed))
        .map(|(index, _)| index)
        .collect();
    Observed { result, ran }
}

/// The checks every all-or-nothing map must pass: all outputs in order if
/// nothing failed, else the failure of the lowest-index item that ran.
fn check(plan: &[Does], observed: &Observed) {
    let failing_ran = (observed.ran.iter().copied())
        .filter(|&index| plan[index] != Does::Succeed)
        .min();
    match (&observed.result, failing_ran) {
        (Ok(outputs), None) => {
            assert_eq!(*outputs, (0..plan.len()).collect::<Vec<_>>());
            assert_eq!(observed.ran.len(), plan.len());
        }
        (Err(MapError::Failed { item, error }), Some(lowest)) => {
            assert_eq!((*item, *error), (lowest, lowest));
            assert_eq!(plan[lowest], Does::Fail);
        }
        (Err(MapError::Panicked(panic)), Some(lowest)) => {
            assert_eq!(panic.item, lowest);
            assert_eq!(panic.message, std::format!("item {lowest} panicked"));
            assert_eq!(plan[lowest], Does::Panic);
        }
        (result, lowest) => panic!("{result:?}, lowest failure that ran: {lowest:?}"),
    }
}

fn engines() -> [Engine; 3] {
    [
        Engine::sequential(),
        Engine::new().map(Mode::Parallel),
        Engine::new().map(Mode::Threads).max_workers(4),
    ]
}

fn plans() -> impl proptest::strategy::Strategy<Value = Vec<Does>> {
    let does = prop_oneof![
        20 => Just(Does::Succeed),
        1 => Just(Does::Fail),
        1 => Just(Does::Panic),
    ];
    proptest::collection::vec(does, 0..300)
}

/// Silences the panics the tests cause on purpose, and only those: a
/// failing assertion still prints its message.
fn quiet_panics() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(std::boxed::Box::new(move |info| {
            let payload = info.payload();
            let message = (payload.downcast_ref::<std::string::String>())
                .map(std::string::String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            if !(message.ends_with(" panicked") || message == "the source broke") {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn unwinding_is_all_or_nothing(plan in plans()) {
        quiet_panics();
        check(&plan, &observe::<Unwinding<usize>>(&plan, None));
        for engine in engines() {
            check(&plan, &observe::<Unwinding<usize>>(&plan, Some(&engine)));
        }
    }

    #[test]
    fn collecting_is_all_or_nothing(plan in plans()) {
        quiet_panics();
        check(&plan, &observe::<Collecting<usize>>(&plan, None));
        for engine in engines() {
            check(&plan, &observe::<Collecting<usize>>(&plan, Some(&engine)));
        }
    }
}

/// One after another (a one-thread pool, or the sequential engine), the
/// first failure is the lowest, and no item after it runs.
fn stops_at_the_first_failure<S: Strategy<Counted, usize>>() {
    quiet_panics();
    let mut plan = std::vec![Does::Succeed; 1000];
    plan[10] = Does::Fail;
    plan[20] = Does::Panic;
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for engine in [
        Engine::sequential(),
        Engine::new().map(Mode::Parallel).pool(one_thread),
    ] {
        let observed = observe::<S>(&plan, Some(&engine));
        assert!(matches!(
            observed.result,
            Err(MapError::Failed {
                item: 10,
                error: 10
            })
        ));
        assert_eq!(observed.ran, (0..=10).collect());
    }
}

#[test]
fn unwinding_stops_at_the_first_failure() {
    stops_at_the_first_failure::<Unwinding<usize>>();
}

#[test]
fn collecting_stops_at_the_first_failure() {
    stops_at_the_first_failure::<Collecting<usize>>();
}

/// In parallel, an early failure keeps most later items from starting.
fn few_items_start_after_a_failure<S: Strategy<usize, ()>>() {
    let started = AtomicUsize::new(0);
    let result = try_map_par_by::<S, _, _, _, _>(0..1000usize, |index| {
        started.fetch_add(1, Ordering::Relaxed);
        if index == 0 {
            return Err(());
        }
        std::thread::sleep(Duration::from_millis(1));
        Ok(index)
    });
    assert!(matches!(result, Err(MapError::Failed { item: 0, .. })));
    let started = started.into_inner();
    assert!(started < 100, "{started} of 1000 items started");
}

#[test]
fn unwinding_starts_few_items_after_a_failure() {
    few_items_start_after_a_failure::<Unwinding<()>>();
}

#[test]
fn collecting_starts_few_items_after_a_failure() {
    few_items_start_after_a_failure::<Collecting<()>>();
}

/// A panic of the items' source is not an item's: it reaches the caller.
#[test]
fn a_panicking_source_panics() {
    use rayon::prelude::*;
    quiet_panics();
    let source = (0..100usize).into_par_iter().map(|index| {
        assert!(index != 50, "the source broke");
        index
    });
    let caught = std::panic::catch_unwind(|| {
        try_map_par_by::<Unwinding<()>, _, _, _, _>(source, Ok::<usize, ()>)
    });
    let payload = caught.expect_err("the panic goes on");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the source broke"));
}
