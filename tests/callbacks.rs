//! The engine's callbacks around `run_with`: runs, node starts and ends,
//! errors and panics, nested paths, sequential and parallel node modes.

mod fixtures;
use fixtures::log::Log;
use hypernodes::observe::{Callback, NodeEvent, Timings};
use hypernodes::prelude::*;
use hypernodes::MapError;

pipeline! {
    /// A diamond whose last node fails on negative input and panics on zero.
    struct Diamond {
        fn left(x: i64) -> i64 { x + 1 }
        fn right(x: i64) -> i64 { x * 2 }
        fn checked(left: i64, right: i64) -> Result<i64, String> {
            assert!(left != 1, "zero is not allowed");
            if left < 0 { Err(format!("negative: {left}")) } else { Ok(left + right) }
        }
    }
}

fn engines() -> [(Engine, &'static str); 2] {
    [
        (Engine::new(), "sequential"),
        (Engine::new().nodes(Mode::Parallel), "parallel"),
    ]
}

#[test]
fn a_run_reports_every_node_between_its_start_and_end() {
    for (engine, mode) in engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let out = Diamond.run_with(&engine, DiamondInputs { x: 3 }).unwrap();
        assert_eq!(out.checked, 10);
        let lines = log.lines();
        assert_eq!(lines.first().unwrap(), "run start Diamond", "{mode}");
        assert_eq!(lines.last().unwrap(), "run end Diamond ok=true", "{mode}");
        assert_eq!(log.count("start "), 3, "{mode}: {lines:?}");
        for node in ["left", "right", "checked"] {
            let start = lines
                .iter()
                .position(|l| *l == format!("start {node}"))
                .unwrap();
            let end = lines
                .iter()
                .position(|l| *l == format!("end {node} ok=true"))
                .unwrap();
            assert!(start < end, "{mode}: {lines:?}");
        }
        // `checked` starts after both of its inputs ended.
        let checked = lines.iter().position(|l| l == "start checked").unwrap();
        for input in ["end left ok=true", "end right ok=true"] {
            assert!(
                lines.iter().position(|l| l == input).unwrap() < checked,
                "{mode}"
            );
        }
    }
}

#[test]
fn a_failing_node_reports_its_error_before_its_end() {
    for (engine, mode) in engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let error = Diamond
            .run_with(&engine, DiamondInputs { x: -5 })
            .unwrap_err();
        assert_eq!(error.node(), "checked");
        assert_eq!(
            log.last(3),
            [
                "error checked: negative: -4",
                "end checked ok=false",
                "run end Diamond ok=false"
            ],
            "{mode}"
        );
    }
}

#[test]
fn a_panicking_node_ends_with_its_message_and_the_panic_goes_on() {
    for (engine, mode) in engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Diamond.run_with(&engine, DiamondInputs { x: 0 })
        }));
        assert!(panic.is_err(), "{mode}");
        assert_eq!(
            log.last(3),
            [
                "error checked: panicked: zero is not allowed",
                "end checked ok=false",
                "run end Diamond ok=false"
            ],
            "{mode}"
        );
    }
}

#[test]
fn callbacks_are_called_in_the_order_they_were_added() {
    let (first, second) = (Log::default(), Log::default());
    let shared = Log::default();
    #[derive(Clone)]
    struct Tagged(&'static str, Log);
    impl Callback for Tagged {
        fn on_node_start(&self, event: &NodeEvent) {
            self.1.push(format!("{} {}", self.0, event.node.name));
        }
    }
    let engine = Engine::new()
        .callback(Tagged("a", shared.clone()))
        .callback(first.clone())
        .callback(Tagged("b", shared.clone()))
        .callback(second.clone());
    Diamond.run_with(&engine, DiamondInputs { x: 1 }).unwrap();
    assert_eq!(&shared.lines()[..2], ["a left", "b left"]);
    assert_eq!(first.lines(), second.lines());
}

use fixtures::corpus::{Corpus, CorpusInputs};

#[test]
fn nested_nodes_report_their_paths() {
    for (engine, mode) in engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let out = Corpus
            .run_with(
                &engine,
                CorpusInputs {
                    text: "a b".into(),
                    texts: vec!["c".into(), "d e".into()],
                },
            )
            .unwrap();
        assert_eq!(out.total, 5);
        assert_eq!(log.count("start first / tokens"), 1, "{mode}");
        // The mapped pipeline's nodes, once per item.
        assert_eq!(log.count("start text_stats / tokens"), 2, "{mode}");
        assert_eq!(log.count("end text_stats / count ok=true"), 2, "{mode}");
        assert_eq!(log.count("start total"), 1, "{mode}");
    }
}

#[test]
fn timings_gather_every_run_of_every_engine_they_are_added_to() {
    let timings = Timings::new();
    let sequential = Engine::new().callback(timings.clone());
    let parallel = Engine::new()
        .nodes(Mode::Parallel)
        .callback(timings.clone());
    for x in 1..4 {
        Diamond.run_with(&sequential, DiamondInputs { x }).unwrap();
        Diamond.run_with(&parallel, DiamondInputs { x }).unwrap();
    }
    let _ = Diamond.run_with(&sequential, DiamondInputs { x: -9 });
    let checked = timings.get("checked").unwrap();
    assert_eq!((checked.calls, checked.failures), (7, 1));
    assert_eq!(timings.get("left").unwrap().calls, 7);
    assert!(checked.max <= checked.total);
    let table = timings.to_string();
    assert_eq!(table.lines().count(), 4, "{table}");
}

#[test]
fn without_callbacks_run_with_is_run() {
    let out = Diamond
        .run_with(&Engine::new(), DiamondInputs { x: 3 })
        .unwrap();
    assert_eq!(
        out.checked,
        Diamond.run(DiamondInputs { x: 3 }).unwrap().checked
    );
}

/// Every map mode with every node mode.
fn map_engines() -> Vec<(Engine, String)> {
    let mut engines = Vec::new();
    for map in [Mode::Sequential, Mode::Parallel, Mode::Threads] {
        for nodes in [Mode::Sequential, Mode::Parallel] {
            let engine = Engine::new().map(map).nodes(nodes).max_workers(4);
            engines.push((engine, format!("map {map:?}, nodes {nodes:?}")));
        }
    }
    engines
}

#[test]
fn a_map_reports_itself_each_item_and_each_node_with_its_item() {
    for (engine, mode) in map_engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        // Item 2 fails, item 4 panics, the others succeed.
        let items = [1, 2, -7, 3, 0, 5].map(|x| DiamondInputs { x });
        let results = Diamond.map_with(&engine, items);
        assert!(results[2].is_err() && results[3].is_ok(), "{mode}");
        assert!(matches!(results[4], Err(MapError::Panicked(_))), "{mode}");
        let lines = log.lines();
        assert_eq!(
            lines.first().unwrap(),
            "map start Diamond Some(6) 0",
            "{mode}"
        );
        assert_eq!(lines.last().unwrap(), "map end Diamond", "{mode}");
        assert_eq!(log.count("item start"), 6, "{mode}");
        assert_eq!(log.count("start left"), 6, "{mode}");
        assert_eq!(log.count("end checked ok=true"), 4, "{mode}");
        assert_eq!(log.count("end checked ok=false"), 2, "{mode}");
        for item in [0, 1, 3, 5] {
            assert_eq!(
                log.count(&format!("item end {item} ok=true")),
                1,
                "{mode}: {lines:?}"
            );
        }
        for item in [2, 4] {
            assert_eq!(
                log.count(&format!("item end {item} ok=false")),
                1,
                "{mode}: {lines:?}"
            );
            assert_eq!(
                log.count(&format!("item {item} error checked")),
                1,
                "{mode}: {lines:?}"
            );
        }
        assert!(
            lines.contains(&"error checked: panicked: zero is not allowed".to_owned()),
            "{mode}"
        );
    }
}

#[test]
fn an_all_or_nothing_map_reports_the_items_that_ran() {
    for (engine, mode) in map_engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let values = Diamond
            .try_map_with(&engine, (1..=5).map(|x| DiamondInputs { x }))
            .unwrap();
        assert_eq!(values.len(), 5, "{mode}");
        assert_eq!(log.count("item end"), 5, "{mode}");
        assert_eq!(log.count("map start"), 1, "{mode}");
        let log = Log::default();
        let engine = Engine::new().map(Mode::Sequential).callback(log.clone());
        let error = Diamond
            .try_map_with(&engine, [3, -4, 5].map(|x| DiamondInputs { x }))
            .unwrap_err();
        assert_eq!(error.item(), 1);
        // Sequential and all or nothing: the third item never starts.
        assert_eq!(log.count("item start"), 2, "{mode}");
        assert_eq!(log.last(1), ["map end Diamond"]);
    }
}

#[test]
fn a_map_with_callbacks_gives_the_results_of_one_without() {
    let items = || (0..50).map(|x| DiamondInputs { x: x - 10 });
    let plain = Diamond.map_with(&Engine::new(), items());
    let watched = Diamond.map_with(&Engine::new().callback(Timings::new()), items());
    let show = |results: Vec<Result<DiamondOutputs, MapError<DiamondError>>>| -> Vec<String> {
        results
            .into_iter()
            .map(|result| match result {
                Ok(out) => out.checked.to_string(),
                Err(error) => error.to_string(),
            })
            .collect()
    };
    assert_eq!(show(plain), show(watched));
}

#[test]
fn a_streaming_map_reports_its_end_when_its_results_run_out_or_are_dropped() {
    for (engine, mode) in map_engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let results: Vec<_> = Diamond
            .map_iter_with(&engine, (1..=4).map(|x| DiamondInputs { x }))
            .collect();
        assert_eq!(results.len(), 4, "{mode}");
        assert_eq!(
            log.lines().first().unwrap(),
            "map start Diamond Some(4) 0",
            "{mode}"
        );
        assert_eq!(log.last(1), ["map end Diamond"], "{mode}");
        assert_eq!(log.count("item end"), 4, "{mode}");
        assert_eq!(log.count("map end"), 1, "{mode}");

        // An endless source, cut short: the total is unknown, the end comes
        // with the drop.
        let log = Log::default();
        let engine = Engine::new().map(Mode::Sequential).callback(log.clone());
        let first: Vec<_> = Diamond
            .map_iter_with(&engine, (1..).map(|x| DiamondInputs { x }))
            .take(3)
            .collect();
        assert_eq!(first.len(), 3);
        assert_eq!(log.lines().first().unwrap(), "map start Diamond None 0");
        assert_eq!(log.count("item start"), 3);
        assert_eq!(log.last(1), ["map end Diamond"]);
    }
}

mod asynchronous {
    use super::fixtures::log::Log;
    use hypernodes::prelude::*;
    use std::time::Duration;

    pipeline! {
        /// An async node, a blocking one, one with retries, a failing one.
        pub struct Fetch {
            pub async fn fetched(url: &str) -> String {
                tokio::time::sleep(Duration::from_millis(1)).await;
                format!("<{url}>")
            }
            #[node(blocking)]
            pub fn parsed(fetched: &str) -> usize { fetched.len() }
            #[node(retries = 1, timeout_ms = 1000)]
            pub async fn checked(parsed: usize) -> Result<usize, String> {
                if parsed > 10 { Err(format!("too long: {parsed}")) } else { Ok(parsed) }
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_async_run_reports_every_node() {
        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let out = Fetch
            .run_async_with(&engine, FetchInputs { url: "a".into() })
            .await
            .unwrap();
        assert_eq!(out.checked, 3);
        let lines = log.lines();
        assert_eq!(lines.first().unwrap(), "run start Fetch");
        assert_eq!(lines.last().unwrap(), "run end Fetch ok=true");
        for node in ["fetched", "parsed", "checked"] {
            assert_eq!(log.count(&format!("start {node}")), 1, "{lines:?}");
            assert_eq!(log.count(&format!("end {node} ok=true")), 1, "{lines:?}");
        }

        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let error = Fetch
            .run_async_with(
                &engine,
                FetchInputs {
                    url: "much too long".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(error.node(), "checked");
        let tail = log.last(3);
        assert!(tail[0].starts_with("error checked: "), "{tail:?}");
        assert!(tail[0].contains("too long: 15"), "{tail:?}");
        assert_eq!(
            &tail[1..],
            ["end checked ok=false", "run end Fetch ok=false"]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_async_map_reports_itself_each_item_and_each_node() {
        let log = Log::default();
        let engine = Engine::new().max_workers(2).callback(log.clone());
        let urls = ["a", "much too long", "b"];
        let results = Fetch
            .map_async_with(&engine, urls.map(|url| FetchInputs { url: url.into() }))
            .await;
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        assert_eq!(log.lines().first().unwrap(), "map start Fetch Some(3) 0");
        assert_eq!(log.last(1), ["map end Fetch"]);
        assert_eq!(log.count("item end 0 ok=true"), 1);
        assert_eq!(log.count("item end 1 ok=false"), 1);
        assert_eq!(log.count("item 1 error checked"), 1);
        assert_eq!(log.count("start fetched"), 3);

        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let error = Fetch
            .try_map_async_with(&engine, urls.map(|url| FetchInputs { url: url.into() }))
            .await
            .unwrap_err();
        assert_eq!(error.item(), 1);
        assert_eq!(log.count("map start"), 1);
        assert_eq!(log.last(1), ["map end Fetch"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_callbacks_run_async_with_is_run_async() {
        let out = Fetch
            .run_async_with(&Engine::new(), FetchInputs { url: "b".into() })
            .await
            .unwrap();
        assert_eq!(out.checked, 3);
    }
}

/// Counts node starts and the items' total time; asks for items only.
#[derive(Clone, Default)]
struct ItemsOnly(std::sync::Arc<std::sync::Mutex<(usize, usize, std::time::Duration)>>);

impl Callback for ItemsOnly {
    fn interest(&self) -> hypernodes::observe::Interest {
        hypernodes::observe::Interest::ITEMS
    }
    fn on_node_start(&self, _: &NodeEvent) {
        self.0.lock().unwrap().0 += 1;
    }
    fn on_item_end(
        &self,
        _: &hypernodes::observe::MapEvent,
        _: usize,
        elapsed: std::time::Duration,
        _: bool,
    ) {
        let mut counts = self.0.lock().unwrap();
        counts.1 += 1;
        counts.2 += elapsed;
    }
}

#[test]
fn callbacks_get_only_the_events_they_are_interested_in() {
    let items = || (1..=4).map(|x| DiamondInputs { x });
    let only = ItemsOnly::default();
    Diamond.map_with(&Engine::new().callback(only.clone()), items());
    // Items, untimed, and no node events.
    assert_eq!(*only.0.lock().unwrap(), (0, 4, std::time::Duration::ZERO));

    // Beside a callback that wants everything, each still gets its events.
    let (only, log) = (ItemsOnly::default(), Log::default());
    let engine = Engine::new().callback(only.clone()).callback(log.clone());
    Diamond.map_with(&engine, items());
    assert_eq!(log.count("start left"), 4);
    let counts = *only.0.lock().unwrap();
    assert_eq!((counts.1, counts.2 > std::time::Duration::ZERO), (4, true));
}
