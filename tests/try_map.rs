//! All-or-nothing maps (`try_map`, `try_map_with`, `try_map_async`,
//! `try_map_async_with`) on every engine mode, and the size of a map's
//! result element.

use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use rayon::iter::{IntoParallelIterator, ParallelIterator};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What one item does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Does {
    /// Gives its outputs.
    Succeed,
    /// `checked` returns an error.
    Fail,
    /// `squared` panics.
    Panic,
}

/// The error of a failing item.
#[derive(Debug, PartialEq, Eq)]
pub struct Rejected(usize);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} rejected", self.0)
    }
}

mod inner {
    use super::{Does, Rejected};
    use hypernodes::prelude::*;

    pipeline! {
        /// `checked` fails and `squared` panics when the item says so.
        pub struct Square {
            pub fn checked(index: usize, does: Does) -> Result<usize, Rejected> {
                match does {
                    Does::Fail => Err(Rejected(index)),
                    _ => Ok(index),
                }
            }
            pub fn squared(checked: usize, does: Does) -> usize {
                assert!(does != Does::Panic, "item {checked} exploded");
                checked * checked
            }
        }
    }
}

pipeline! {
    /// `Square` nested, so that failures and panics carry a path.
    struct Outer {
        inner::Square,
        fn plus_one(squared: usize) -> usize { squared + 1 }
    }
}

fn items(plan: &[Does]) -> Vec<OuterInputs> {
    (plan.iter().enumerate())
        .map(|(index, &does)| OuterInputs { index, does })
        .collect()
}

/// Silences the panics the tests cause on purpose (`exploded`), and only
/// those: a failing assertion still prints its message.
fn quiet_panics() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = (payload.downcast_ref::<String>().map(String::as_str))
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            if !message.ends_with("exploded") {
                default(info);
            }
        }));
    });
}

fn engines() -> Vec<(&'static str, Engine)> {
    let mut engines = vec![
        ("sequential", Engine::sequential()),
        ("parallel", Engine::new()),
        ("threads", Engine::new().map(Mode::Threads).max_workers(8)),
        ("async mode", Engine::new().map(Mode::Async)),
    ];
    let parallel_nodes = engines
        .iter()
        .map(|(name, engine)| (*name, engine.clone().nodes(Mode::Parallel)))
        .collect::<Vec<_>>();
    engines.extend(parallel_nodes);
    engines
}

type Outcome = Result<Vec<OuterOutputs>, MapError<OuterError>>;

/// Every item's outputs, in order.
fn check_all(outcome: Outcome, n: usize, engine: &str) {
    let outputs = outcome.unwrap_or_else(|error| panic!("{engine}: {error}"));
    assert_eq!(outputs.len(), n, "{engine}");
    for (index, out) in outputs.iter().enumerate() {
        assert_eq!(
            (out.checked, out.squared),
            (index, index * index),
            "{engine}"
        );
        assert_eq!(out.plus_one, index * index + 1, "{engine}");
    }
}

#[test]
fn every_item_succeeds_on_every_mode() {
    let plan = [Does::Succeed; 1000];
    check_all(Outer.try_map(items(&plan)), 1000, "try_map");
    for (name, engine) in engines() {
        check_all(Outer.try_map_with(&engine, items(&plan)), 1000, name);
    }
    let empty = Outer.try_map(Vec::new()).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn try_map_takes_any_indexed_parallel_iterator() {
    let items = (0..500usize).into_par_iter().map(|index| OuterInputs {
        index,
        does: Does::Succeed,
    });
    check_all(Outer.try_map(items), 500, "a mapped range");
}

/// One after another, the first failure in input order is returned, named
/// by its node and path.
#[test]
fn the_first_failure_is_returned() {
    quiet_panics();
    let mut plan = vec![Does::Succeed; 100];
    plan[40] = Does::Fail;
    plan[60] = Does::Panic;
    let error = Outer
        .try_map_with(&Engine::sequential(), items(&plan))
        .unwrap_err();
    assert!(
        matches!(&error, MapError::Failed { item: 40, .. }),
        "{error:?}"
    );
    assert_eq!(
        (error.node(), error.path()),
        ("checked", "square / checked")
    );
    assert_eq!(
        error.to_string(),
        "item 40: node `square / checked` failed: item 40 rejected"
    );

    plan[40] = Does::Succeed;
    let error = Outer
        .try_map_with(&Engine::sequential(), items(&plan))
        .unwrap_err();
    let MapError::Panicked(panic) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (panic.item, panic.node, panic.path),
        (60, "squared", "square / squared")
    );
    assert_eq!(error.message(), Some("item 60 exploded"));
    assert_eq!(
        (error.node(), error.path()),
        ("squared", "square / squared")
    );
    assert_eq!(
        error.to_string(),
        "item 60: node `square / squared` panicked: item 60 exploded"
    );
}

/// In parallel, the failure returned is one of an item that failed, with
/// its own kind (which one depends on timing; the runtime's unit tests check
/// that it is the lowest-index one among the items that ran).
#[test]
fn parallel_failures_are_failures_of_items_that_failed() {
    quiet_panics();
    let plan: Vec<Does> = (0..2000)
        .map(|index| match index % 50 {
            17 => Does::Fail,
            33 => Does::Panic,
            _ => Does::Succeed,
        })
        .collect();
    let mut outcomes = vec![Outer.try_map(items(&plan)).map(|_| ())];
    for (_, engine) in engines() {
        outcomes.push(Outer.try_map_with(&engine, items(&plan)).map(|_| ()));
    }
    for outcome in outcomes {
        match outcome.unwrap_err() {
            MapError::Failed { item, error } => {
                assert_eq!(plan[item], Does::Fail);
                assert_eq!(error.node(), "checked");
            }
            MapError::Panicked(panic) => {
                assert_eq!(plan[panic.item], Does::Panic);
                assert_eq!(panic.message, format!("item {} exploded", panic.item));
            }
            other => panic!("{other:?}"),
        }
    }
}

pipeline! {
    /// Counts its runs; item 0 fails at once, the others take a while.
    struct Slow {
        fn waited(index: usize) -> Result<usize, Rejected> {
            STARTED.fetch_add(1, Ordering::Relaxed);
            if index == 0 {
                return Err(Rejected(0));
            }
            std::thread::sleep(Duration::from_millis(2));
            Ok(index)
        }
    }
}

static STARTED: AtomicUsize = AtomicUsize::new(0);

/// After the first failure no new item starts: with item 0 failing at
/// once, few of 400 slow items start on any mode.
#[test]
fn no_item_starts_after_a_failure() {
    let items = || (0..400).map(|index| SlowInputs { index });
    type Run<'a> = Box<dyn Fn() -> Result<Vec<SlowOutputs>, MapError<SlowError>> + 'a>;
    let mut runs: Vec<(&str, Run)> = vec![(
        "try_map",
        Box::new(|| Slow.try_map(items().collect::<Vec<_>>())),
    )];
    for (name, engine) in engines() {
        runs.push((name, Box::new(move || Slow.try_map_with(&engine, items()))));
    }
    for (name, run) in runs {
        STARTED.store(0, Ordering::Relaxed);
        let error = run().unwrap_err();
        assert!(matches!(error, MapError::Failed { item: 0, .. }), "{name}");
        let started = STARTED.load(Ordering::Relaxed);
        // Threads has 8 workers: at most those already running finish.
        assert!(started <= 40, "{name}: {started} of 400 items started");
    }
}

#[test]
fn try_map_async_returns_every_output_or_the_first_failure() {
    quiet_panics();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut plan = vec![Does::Succeed; 300];
    runtime.block_on(async {
        check_all(Outer.try_map_async(items(&plan)).await, 300, "async");
        let engine = Engine::new().max_workers(7);
        check_all(
            Outer.try_map_async_with(&engine, items(&plan)).await,
            300,
            "async, 7 in flight",
        );
        plan[250] = Does::Fail;
        plan[120] = Does::Panic;
        let error = Outer.try_map_async(items(&plan)).await.unwrap_err();
        assert_eq!(
            (error.item(), error.message()),
            (120, Some("item 120 exploded"))
        );
        plan[120] = Does::Succeed;
        let error = Outer.try_map_async(items(&plan)).await.unwrap_err();
        assert!(matches!(error, MapError::Failed { item: 250, .. }));
    });
}

pipeline! {
    /// Waits, then fails or not; counts the items that started.
    struct Timed {
        async fn timed(index: usize, wait_ms: u64, fail: bool) -> Result<usize, Rejected> {
            ASYNC_STARTED.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            if fail {
                Err(Rejected(index))
            } else {
                Ok(index)
            }
        }
    }
}

static ASYNC_STARTED: AtomicUsize = AtomicUsize::new(0);

/// 100 items, 4 in flight: item 0 takes 30 ms and fails or not, item 1
/// fails after 1 ms, the others take 10 ms.
async fn timed_run(first_fails: bool) -> (MapError<TimedError>, usize) {
    ASYNC_STARTED.store(0, Ordering::Relaxed);
    let items = (0..100).map(|index| TimedInputs {
        index,
        wait_ms: [30, 1].get(index).copied().unwrap_or(10),
        fail: index == 1 || (index == 0 && first_fails),
    });
    let engine = Engine::new().max_workers(4);
    let error = Timed.try_map_async_with(&engine, items).await.unwrap_err();
    (error, ASYNC_STARTED.load(Ordering::Relaxed))
}

/// The lowest-index failure wins even when a later item fails first, and
/// after the first failure no new item starts.
#[test]
fn try_map_async_waits_for_lower_items_and_starts_no_more() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (error, started) = timed_run(true).await;
        assert!(
            matches!(error, MapError::Failed { item: 0, .. }),
            "{error:?}"
        );
        assert_eq!(started, 4);
        // Item 0 succeeds at 30 ms and frees its slot, but item 1 has
        // failed meanwhile: item 4 does not start.
        let (error, started) = timed_run(false).await;
        assert!(
            matches!(error, MapError::Failed { item: 1, .. }),
            "{error:?}"
        );
        assert_eq!(started, 4);
    });
}

pipeline! {
    /// Two integer nodes, one `u64` out.
    #[outputs(b)]
    struct Arith {
        fn a(x: u64) -> u64 { x * 3 }
        fn b(a: u64) -> u64 { a + 1 }
    }
}

/// A map's element costs at most one word more than the outputs.
#[test]
fn a_map_result_is_small() {
    use std::mem::size_of;
    type Element = Result<ArithOutputs, MapError<ArithError>>;
    assert_eq!(size_of::<ArithOutputs>(), 8);
    assert!(size_of::<Element>() <= size_of::<ArithOutputs>() + 8);
    assert!(size_of::<MapError<std::io::Error>>() <= 24);
    let outputs = Arith.try_map((0..10).map(|x| ArithInputs { x }).collect::<Vec<_>>());
    let outputs: Vec<u64> = outputs.unwrap().into_iter().map(|out| out.b).collect();
    assert_eq!(outputs, (0..10).map(|x| x * 3 + 1).collect::<Vec<_>>());
}

pipeline! {
    /// `Square` mapped over a list of items, inside another pipeline.
    struct Lists {
        #[nested(map_over = (index, does), outputs(squared = squares))]
        inner::Square,
        fn sum(squares: &[usize]) -> usize { squares.iter().sum() }
    }
}

/// A panic in a mapped nested pipeline names its inner node by path, in
/// `map`, `try_map` and a top-level `map_over_with`.
#[test]
fn a_panic_in_a_mapped_nested_pipeline_names_the_inner_node() {
    quiet_panics();
    let list = |panics: bool| ListsInputs {
        index: vec![0, 1, 2],
        does: vec![
            Does::Succeed,
            if panics { Does::Panic } else { Does::Succeed },
            Does::Succeed,
        ],
    };
    for (name, engine) in engines() {
        let results = Lists.map_with(&engine, [list(false), list(true)]);
        assert_eq!(results[0].as_ref().unwrap().sum, 5, "{name}");
        let error = results[1].as_ref().unwrap_err();
        let MapError::Panicked(panic) = error else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(
            (panic.item, panic.node, panic.path, panic.message.as_str()),
            (1, "squared", "square / squared", "item 1 exploded"),
            "{name}"
        );
        let error = Lists
            .try_map_with(&engine, [list(false), list(true)])
            .unwrap_err();
        assert_eq!(
            (error.item(), error.path()),
            (1, "square / squared"),
            "{name}"
        );
    }

    let indices = [0, 1, 2];
    let does = [Does::Succeed, Does::Panic, Does::Succeed];
    let results = inner::Square
        .map_over_with(
            &Engine::sequential(),
            inner::SquareMapInputs {
                index: MapInput::Each(&indices),
                does: MapInput::Each(&does),
            },
            MapMode::Zip,
        )
        .unwrap();
    let error = results[1].as_ref().unwrap_err();
    assert_eq!((error.item(), error.node()), (1, "squared"));
    assert_eq!(error.message(), Some("item 1 exploded"));
}
