//! Nested pipelines with async nodes: flattened, mapped (items run
//! concurrently under `run_async`), and the top-level `map_over_async`.

use hypernodes::prelude::*;
use hypernodes::MapInput::{Each, Shared};
use std::time::{Duration, Instant};

pipeline! {
    struct Fetch {
        async fn body(url: &str, delay_ms: &u64) -> Result<String, String> {
            tokio::time::sleep(Duration::from_millis(*delay_ms)).await;
            if url.is_empty() { Err("empty url".to_owned()) } else { Ok(format!("<{url}>")) }
        }
        fn size(body: &str) -> usize { body.len() }
    }
}

pipeline! {
    struct Crawl {
        #[nested(map_over = url, inputs(urls = url), outputs(size = sizes))]
        Fetch,
        fn total(sizes: &[usize]) -> usize { sizes.iter().sum() }
    }
}

pipeline! {
    struct FetchOne {
        Fetch,
        fn shout(body: &str) -> String { body.to_uppercase() }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn mapped_items_with_async_nodes_run_concurrently() {
    let urls: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let started = Instant::now();
    let out = runtime()
        .block_on(Crawl.run_async(CrawlInputs { urls, delay_ms: 50 }))
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.sizes.len(), 20);
    assert_eq!(out.total, out.sizes.iter().sum::<usize>());
    // One after another would take 20 × 50 ms = 1 s.
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
}

#[test]
fn a_failing_async_item_names_its_index() {
    let urls = vec!["a".to_owned(), String::new(), "c".to_owned()];
    let error = runtime()
        .block_on(Crawl.run_async(CrawlInputs { urls, delay_ms: 1 }))
        .unwrap_err();
    assert_eq!(error.path(), "fetch / body");
    assert_eq!(
        error.to_string(),
        "node `fetch / body` failed on item 1 of `fetch`: empty url"
    );
}

#[test]
fn flattened_async_nodes_are_awaited() {
    let out = runtime()
        .block_on(FetchOne.run_async(FetchOneInputs {
            url: "x".into(),
            delay_ms: 1,
        }))
        .unwrap();
    assert_eq!(out.shout, "<X>");
    assert_eq!(out.size, 3);
}

#[test]
fn map_over_async_shares_inputs_and_runs_items_concurrently() {
    let urls: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let started = Instant::now();
    let results = runtime()
        .block_on(Fetch.map_over_async(
            FetchMapInputs {
                url: Each(&urls),
                delay_ms: Shared(&50),
            },
            MapMode::Zip,
        ))
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let bodies: Vec<String> = results.into_iter().map(|r| r.unwrap().body).collect();
    assert_eq!(bodies[3], "<u3>");
}

pipeline! {
    struct Crunch {
        #[node(blocking)]
        fn crunched(text: &str) -> usize {
            std::thread::sleep(Duration::from_millis(5));
            text.len()
        }
        async fn waited(crunched: usize) -> usize {
            tokio::time::sleep(Duration::from_millis(1)).await;
            crunched * 2
        }
    }
}

pipeline! {
    struct CrunchAll {
        #[nested(map_over = text, inputs(texts = text), outputs(waited = doubled))]
        Crunch,
    }
}

#[test]
fn blocking_nodes_with_borrowed_arguments_run_on_both_runtime_flavors() {
    let texts: Vec<String> = (0..8).map(|i| "x".repeat(i)).collect();
    let expected: Vec<usize> = (0..8).map(|i| i * 2).collect();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for runtime in [runtime(), current] {
        let out = runtime
            .block_on(CrunchAll.run_async(CrunchAllInputs {
                texts: texts.clone(),
            }))
            .unwrap();
        assert_eq!(out.doubled, expected);
        let results = runtime
            .block_on(Crunch.map_over_async(CrunchMapInputs { text: Each(&texts) }, MapMode::Zip))
            .unwrap();
        let doubled: Vec<usize> = results.into_iter().map(|r| r.unwrap().waited).collect();
        assert_eq!(doubled, expected);
    }
}

pipeline! {
    struct Site {
        Crawl,
        fn summary(total: usize, sizes: &[usize]) -> String { format!("{total} bytes in {} pages", sizes.len()) }
    }
}

#[test]
fn a_pipeline_that_maps_async_items_can_be_nested() {
    let urls: Vec<String> = (0..20).map(|i| format!("u{i:02}")).collect();
    let started = Instant::now();
    let out = runtime()
        .block_on(Site.run_async(SiteInputs { urls, delay_ms: 50 }))
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.summary, "100 bytes in 20 pages");
}

pipeline! {
    struct Read {
        #[node(blocking)]
        fn read(name: &str) -> Result<String, String> {
            std::thread::sleep(Duration::from_millis(50));
            if name.is_empty() { Err("no name".to_owned()) } else { Ok(name.to_uppercase()) }
        }
    }
}

pipeline! {
    struct ReadAll {
        #[nested(map_over = name, inputs(names = name), outputs(read = contents))]
        Read,
    }
}

#[test]
fn blocking_items_overlap_in_an_async_run() {
    let names: Vec<String> = (0..8).map(|i| format!("f{i}")).collect();
    let started = Instant::now();
    let out = runtime()
        .block_on(ReadAll.run_async(ReadAllInputs { names }))
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.contents[7], "F7");
    // One after another: 8 × 50 ms = 400 ms.
    assert!(elapsed < Duration::from_millis(250), "{elapsed:?}");
    let error = runtime()
        .block_on(ReadAll.run_async(ReadAllInputs {
            names: vec!["a".into(), String::new()],
        }))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "node `read / read` failed on item 1 of `read`: no name"
    );
}

pipeline! {
    struct SlowOrQuick {
        async fn slow(x: &u64) -> u64 {
            tokio::time::sleep(Duration::from_millis(1)).await;
            x + 1
        }
        fn quick(x: &u64) -> u64 { x * 2 }
    }
}

pipeline! {
    // Only the sync output is taken: the mapped pipeline is cut down to
    // `quick`, so this pipeline is sync and cannot fail.
    struct OnlyQuick {
        #[nested(map_over = x, inputs(xs = x), outputs(quick = doubled))]
        SlowOrQuick,
    }
}

#[test]
fn a_mapped_pipeline_cut_down_to_sync_nodes_is_sync() {
    let out = OnlyQuick.run(OnlyQuickInputs { xs: vec![1, 2] }).unwrap();
    assert_eq!(out.doubled, [2, 4]);
    assert!(OnlyQuick::NODES
        .iter()
        .all(|node| !node.is_async && !node.fallible));
}
