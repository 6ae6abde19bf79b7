//! The engine's callbacks around mapped nested pipelines (their own maps,
//! one level deeper per nesting), `map_over_with`, `map_over_async_with`
//! and `map_stream_with`.

mod fixtures;
use fixtures::corpus::{Corpus, CorpusInputs};
use fixtures::log::Log;
use hypernodes::observe::MapEvent;
use hypernodes::prelude::*;
use hypernodes::MapInput::{Each, Shared};
use hypernodes::{MapError, MapMode};

pipeline! {
    /// `Corpus` mapped over shelves: its own mapped `TextStats` is two
    /// levels down.
    struct Shelves {
        #[nested(map_over = (text, texts), inputs(firsts = text, shelves = texts), outputs(total = totals))]
        Corpus,
    }
}

fn corpus(first: &str, texts: &[&str]) -> CorpusInputs {
    CorpusInputs {
        text: first.into(),
        texts: texts.iter().map(|&text| text.to_owned()).collect(),
    }
}

fn run_engines() -> Vec<(Engine, String)> {
    [Mode::Sequential, Mode::Parallel]
        .into_iter()
        .map(|nodes| (Engine::new().nodes(nodes), format!("nodes {nodes:?}")))
        .collect()
}

/// The maps of a log whose path is `path`.
fn maps_at(log: &Log, path: &str) -> Vec<MapEvent> {
    let maps = log.maps();
    maps.into_iter().filter(|map| map.path == path).collect()
}

#[test]
fn a_mapped_nested_pipeline_reports_its_own_map_one_level_down() {
    for (engine, mode) in run_engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let out = Corpus
            .run_with(&engine, corpus("a b", &["c", "d e", "f"]))
            .unwrap();
        assert_eq!(out.total, 6);
        let [map] = maps_at(&log, "text_stats")[..] else {
            panic!("{mode}: {:?}", log.maps());
        };
        assert_eq!(
            (map.pipeline, map.total, map.depth, map.parent),
            ("TextStats", Some(3), 1, None),
            "{mode}"
        );
        assert_eq!(log.count("map start TextStats Some(3) 1"), 1, "{mode}");
        assert_eq!(log.count("item start"), 3, "{mode}");
        for item in 0..3 {
            assert_eq!(log.count(&format!("item end {item} ok=true")), 1, "{mode}");
        }
        assert_eq!(log.count("map end TextStats"), 1, "{mode}");
        // The nested map ends after its items' nodes and before `total`.
        let lines = log.lines();
        let position = |line: &str| lines.iter().position(|l| l == line).unwrap();
        assert!(
            position("map end TextStats") < position("start total"),
            "{mode}"
        );
        assert_eq!(log.count("start text_stats / count"), 3, "{mode}");
    }
}

#[test]
fn nested_maps_name_the_map_whose_item_runs_them() {
    for (engine, mode) in run_engines() {
        let log = Log::default();
        let engine = engine.map(Mode::Parallel).callback(log.clone());
        let items = [corpus("a", &["b", "c d"]), corpus("e f", &["g"])];
        let results = Corpus.map_with(&engine, items);
        assert_eq!(results.len(), 2);
        let [top] = maps_at(&log, "")[..] else {
            panic!("{mode}: {:?}", log.maps());
        };
        assert_eq!((top.depth, top.parent), (0, None), "{mode}");
        let nested = maps_at(&log, "text_stats");
        assert_eq!(nested.len(), 2, "{mode}");
        for map in &nested {
            assert_eq!((map.depth, map.parent), (1, Some(top.id)), "{mode}");
            assert_ne!(map.id, top.id, "{mode}");
        }
        assert_ne!(nested[0].id, nested[1].id, "{mode}");
        let mut totals: Vec<_> = nested.iter().map(|map| map.total).collect();
        totals.sort();
        assert_eq!(totals, [Some(1), Some(2)], "{mode}");
        // Two top-level items, three nested ones.
        assert_eq!(log.count("item end"), 5, "{mode}");
        assert_eq!(log.count("map end"), 3, "{mode}");
    }
}

#[test]
fn a_pipeline_that_maps_reports_its_maps_when_mapped_in_turn() {
    for (engine, mode) in run_engines() {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let out = Shelves
            .run_with(
                &engine,
                ShelvesInputs {
                    firsts: vec!["a".into(), "b c".into()],
                    shelves: vec![vec!["d".into()], vec!["e".into(), "f g".into()]],
                },
            )
            .unwrap();
        assert_eq!(out.totals, [2, 5]);
        let [outer] = maps_at(&log, "corpus")[..] else {
            panic!("{mode}: {:?}", log.maps());
        };
        assert_eq!(
            (outer.pipeline, outer.depth, outer.total),
            ("Corpus", 1, Some(2)),
            "{mode}"
        );
        let inner = maps_at(&log, "corpus / text_stats");
        assert_eq!(inner.len(), 2, "{mode}: {:?}", log.maps());
        for map in &inner {
            assert_eq!((map.pipeline, map.depth), ("TextStats", 2), "{mode}");
            assert_eq!(map.parent, Some(outer.id), "{mode}");
        }
        // Their nodes report their paths from the top.
        assert_eq!(log.count("start corpus / text_stats / tokens"), 3, "{mode}");
        assert_eq!(log.count("start corpus / first / tokens"), 2, "{mode}");
        assert_eq!(log.count("map end"), 3, "{mode}");
    }
}

pipeline! {
    /// Per item: fails on a negative value, panics on zero.
    struct Checked {
        fn checked(x: &i64, limit: &i64) -> Result<i64, String> {
            assert!(*x != 0, "zero is not allowed");
            if *x < 0 || x > limit { Err(format!("out of range: {x}")) } else { Ok(*x) }
        }
    }
}

pipeline! {
    /// `Checked` mapped, failures kept or not.
    struct AllChecked {
        #[nested(map_over = x, inputs(xs = x), outputs(checked = values))]
        Checked,
    }
}

#[test]
fn a_failed_or_panicking_nested_item_ends_as_failed() {
    let log = Log::default();
    let engine = Engine::new().callback(log.clone());
    let error = AllChecked
        .run_with(
            &engine,
            AllCheckedInputs {
                xs: vec![1, -2, 3],
                limit: 10,
            },
        )
        .unwrap_err();
    assert!(error.to_string().contains("out of range: -2"), "{error}");
    // One after another: the third item never starts.
    assert_eq!(log.count("item end 0 ok=true"), 1);
    assert_eq!(log.count("item end 1 ok=false"), 1);
    assert_eq!(log.count("item start"), 2);
    assert_eq!(log.count("map end Checked"), 1);
    assert_eq!(log.last(1), ["run end AllChecked ok=false"]);

    let log = Log::default();
    let engine = Engine::new().callback(log.clone());
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        AllChecked.run_with(
            &engine,
            AllCheckedInputs {
                xs: vec![1, 0],
                limit: 10,
            },
        )
    }));
    assert!(panicked.is_err());
    assert_eq!(log.count("item end 1 ok=false"), 1, "{:?}", log.lines());
    assert_eq!(log.count("map end Checked"), 1);
    assert_eq!(log.last(1), ["run end AllChecked ok=false"]);
}

pipeline! {
    /// `AllChecked` nested: its mapped `Checked` runs in a wrapper that
    /// `AllChecked` generated.
    struct Middle {
        #[nested]
        AllChecked,
    }
}

#[test]
fn a_map_inside_a_nested_pipeline_reports_full_paths() {
    let log = Log::default();
    let engine = Engine::new().callback(log.clone());
    let inputs = || MiddleInputs {
        xs: vec![1, 2],
        limit: 10,
    };
    assert_eq!(Middle.run_with(&engine, inputs()).unwrap().values, [1, 2]);
    let maps = log.maps();
    assert_eq!(maps.len(), 1, "{maps:?}");
    assert_eq!((maps[0].path, maps[0].depth), ("all_checked / checked", 1));
    assert_eq!(log.count("start all_checked / checked / checked"), 2);

    // A panic there names the node by its full path, with or without
    // callbacks.
    for engine in [Engine::new(), Engine::new().callback(Log::default())] {
        let results = Middle.map_with(
            &engine,
            [MiddleInputs {
                xs: vec![1, 0],
                limit: 10,
            }],
        );
        let Err(MapError::Panicked(panic)) = &results[0] else {
            panic!("{:?}", results[0]);
        };
        assert_eq!(panic.path, "all_checked / checked / checked");
        assert_eq!(panic.message, "zero is not allowed");
    }
}

#[test]
fn map_over_with_reports_its_map_and_items() {
    let engines = [Mode::Sequential, Mode::Parallel, Mode::Threads]
        .map(|map| Engine::new().map(map).max_workers(2));
    for engine in engines {
        let log = Log::default();
        let engine = engine.callback(log.clone());
        let xs = [1, -2, 3, 0, 50];
        let results = Checked
            .map_over_with(
                &engine,
                CheckedMapInputs {
                    x: Each(&xs),
                    limit: Shared(&10),
                },
                MapMode::Zip,
            )
            .unwrap();
        assert!(matches!(results[3], Err(MapError::Panicked(_))));
        assert_eq!(log.lines().first().unwrap(), "map start Checked Some(5) 0");
        assert_eq!(log.last(1), ["map end Checked"]);
        assert_eq!(log.count("item start"), 5);
        for (item, ok) in [(0, true), (1, false), (2, true), (3, false), (4, false)] {
            assert_eq!(log.count(&format!("item end {item} ok={ok}")), 1);
        }
        assert_eq!(log.count("item 3 error checked"), 1);
        assert_eq!(log.count("end checked ok=false"), 3);
    }
}

mod asynchronous {
    use super::fixtures::log::Log;
    use hypernodes::prelude::*;
    use hypernodes::MapInput::{Each, Shared};
    use hypernodes::MapMode;
    use std::time::Duration;

    pipeline! {
        /// An async node per item.
        pub struct Page {
            pub async fn size(url: &str, padding: &usize) -> Result<usize, String> {
                tokio::time::sleep(Duration::from_millis(1)).await;
                if url.is_empty() { Err("empty url".to_owned()) } else { Ok(url.len() + padding) }
            }
        }
    }

    pipeline! {
        /// `Page` mapped over urls, in an async run.
        pub struct Site {
            #[nested(map_over = url, inputs(urls = url), outputs(size = sizes))]
            Page,
            pub fn total(sizes: &[usize]) -> usize { sizes.iter().sum() }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn map_over_async_with_reports_its_map_and_items() {
        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let urls = ["a".to_owned(), String::new(), "ccc".to_owned()];
        let results = Page
            .map_over_async_with(
                &engine,
                PageMapInputs {
                    url: Each(&urls),
                    padding: Shared(&1),
                },
                MapMode::Zip,
            )
            .await
            .unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(log.lines().first().unwrap(), "map start Page Some(3) 0");
        assert_eq!(log.last(1), ["map end Page"]);
        assert_eq!(log.count("item end 1 ok=false"), 1);
        assert_eq!(log.count("item 1 error size"), 1);
        assert_eq!(log.count("end size ok=true"), 2);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_async_run_reports_its_nested_map() {
        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let out = Site
            .run_async_with(
                &engine,
                SiteInputs {
                    urls: vec!["a".into(), "bb".into()],
                    padding: 0,
                },
            )
            .await
            .unwrap();
        assert_eq!(out.total, 3);
        let maps = log.maps();
        assert_eq!(maps.len(), 1, "{maps:?}");
        assert_eq!((maps[0].path, maps[0].depth), ("page", 1));
        assert_eq!(log.count("item end"), 2);
        assert_eq!(log.count("start page / size"), 2);
        assert_eq!(log.last(1), ["run end Site ok=true"]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn map_stream_with_reports_its_map_until_the_stream_ends_or_is_dropped() {
        use hypernodes::__private::futures::{self, StreamExt};
        let inputs = |urls: Vec<&'static str>| {
            futures::stream::iter(urls.into_iter().map(|url| PageInputs {
                url: url.into(),
                padding: 0,
            }))
        };
        let log = Log::default();
        let engine = Engine::new().callback(log.clone());
        let results: Vec<_> = Page
            .map_stream_with(&engine, inputs(vec!["a", "", "ccc"]))
            .collect()
            .await;
        assert_eq!(results.len(), 3);
        assert_eq!(log.lines().first().unwrap(), "map start Page Some(3) 0");
        assert_eq!(log.count("item end 1 ok=false"), 1);
        assert_eq!(log.count("item end"), 3);
        assert_eq!(log.last(1), ["map end Page"]);

        // Dropped after two results: the map ends with the drop.
        let log = Log::default();
        let engine = Engine::new().max_workers(1).callback(log.clone());
        let endless = futures::stream::repeat_with(|| PageInputs {
            url: "x".into(),
            padding: 0,
        });
        let first: Vec<_> = Page
            .map_stream_with(&engine, endless)
            .take(2)
            .collect()
            .await;
        assert_eq!(first.len(), 2);
        assert_eq!(log.lines().first().unwrap(), "map start Page None 0");
        assert_eq!(log.last(1), ["map end Page"]);
        assert_eq!(log.count("map end"), 1);
    }
}
