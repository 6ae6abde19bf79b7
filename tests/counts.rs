//! Callbacks that want only counts (`Interest::COUNTS`): every map runner
//! hands them exact totals of done and failed items (failures and panics
//! alike) through `on_items_done`, before the map's end, and no item's
//! events; beside a callback that wants each item's events, each gets what
//! it asked for.

mod fixtures;
use fixtures::corpus::{Corpus, CorpusInputs};
use hypernodes::observe::{Callback, Interest, MapEvent};
use hypernodes::prelude::*;
use hypernodes::MapInput::{Each, Shared};
use hypernodes::MapMode;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pipeline! {
    /// Fails on negative input, panics on zero.
    struct Checked {
        fn checked(x: i64, limit: &i64) -> Result<i64, String> {
            assert!(x != 0, "zero is not allowed");
            if x < 0 || x > *limit { Err(format!("out of range: {x}")) } else { Ok(x * 2) }
        }
    }
}

pipeline! {
    /// The same, awaited.
    struct Awaited {
        async fn awaited(x: i64, limit: &i64) -> Result<i64, String> {
            tokio::task::yield_now().await;
            assert!(x != 0, "zero is not allowed");
            if x < 0 || x > *limit { Err(format!("out of range: {x}")) } else { Ok(x * 2) }
        }
    }
}

/// 1..=n, with item 2 negative (fails) and item 5 zero (panics).
fn xs(n: i64) -> impl Iterator<Item = i64> {
    (1..=n).map(|x| match x {
        3 => -3,
        6 => 0,
        x => x,
    })
}

/// What a callback got for one map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Got {
    pipeline: &'static str,
    depth: usize,
    /// Summed from `on_items_done` (or counted from `on_item_end`).
    done: usize,
    failed: usize,
    /// `on_item_start` and `on_item_end` calls.
    item_events: usize,
    /// `on_items_done` calls.
    batches: usize,
    ended: bool,
    /// Counts that came after the map's end.
    late: bool,
}

/// Records what it gets, per map, asking for `interest`.
#[derive(Clone)]
struct Record {
    interest: Interest,
    maps: Arc<Mutex<BTreeMap<u64, Got>>>,
}

impl Record {
    fn new(interest: Interest) -> Self {
        Record {
            interest,
            maps: Arc::default(),
        }
    }

    fn with(&self, event: &MapEvent, change: impl FnOnce(&mut Got)) {
        let mut maps = self.maps.lock().unwrap();
        change(maps.entry(event.id).or_default());
    }

    /// Each map's pipeline, depth, done, failed, and whether it ended, in
    /// the order the maps started; asserts that no count came late.
    fn totals(&self) -> Vec<(&'static str, usize, usize, usize, bool)> {
        let maps = self.maps.lock().unwrap();
        assert!(maps.values().all(|got| !got.late), "{maps:?}");
        (maps.values())
            .map(|got| (got.pipeline, got.depth, got.done, got.failed, got.ended))
            .collect()
    }

    fn item_events(&self) -> usize {
        self.maps
            .lock()
            .unwrap()
            .values()
            .map(|got| got.item_events)
            .sum()
    }

    fn clear(&self) {
        self.maps.lock().unwrap().clear();
    }
}

impl Callback for Record {
    fn interest(&self) -> Interest {
        self.interest
    }

    fn on_map_start(&self, event: &MapEvent) {
        self.with(event, |got| {
            (got.pipeline, got.depth) = (event.pipeline, event.depth);
        });
    }

    fn on_item_start(&self, event: &MapEvent, _: usize) {
        self.with(event, |got| got.item_events += 1);
    }

    fn on_item_end(&self, event: &MapEvent, _: usize, _: Duration, ok: bool) {
        self.with(event, |got| {
            got.item_events += 1;
            got.done += 1;
            got.failed += usize::from(!ok);
        });
    }

    fn on_items_done(&self, event: &MapEvent, done: usize, failed: usize) {
        self.with(event, |got| {
            assert!(failed <= done, "{failed} failed of {done}");
            got.late |= got.ended;
            got.done += done;
            got.failed += failed;
            got.batches += 1;
        });
    }

    fn on_map_end(&self, event: &MapEvent, _: Duration) {
        self.with(event, |got| got.ended = true);
    }
}

/// Engines for every map mode, with `callbacks`.
fn engines(callbacks: &[&Record]) -> Vec<(Engine, Mode)> {
    [Mode::Sequential, Mode::Parallel, Mode::Threads]
        .into_iter()
        .map(|mode| {
            let engine = Engine::new().map(mode).max_workers(2);
            let engine = (callbacks.iter()).fold(engine, |engine, &c| engine.callback(c.clone()));
            (engine, mode)
        })
        .collect()
}

fn inputs(n: i64) -> impl Iterator<Item = CheckedInputs> {
    xs(n).map(|x| CheckedInputs { x, limit: 1 << 40 })
}

#[test]
fn every_sync_map_runner_hands_exact_counts_and_no_item_events() {
    let counts = Record::new(Interest::COUNTS);
    for (engine, mode) in engines(&[&counts]) {
        let results = Checked.map_with(&engine, inputs(5000));
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

        // All or nothing: in order one at a time, the map stops at the
        // failure; in parallel, items beside it may have run.
        let error = Checked.try_map_with(&engine, inputs(5000)).unwrap_err();
        assert_eq!(error.item(), 2, "{mode:?}");

        // A lazy map, its total unknown.
        let lazy = Checked.map_iter_with(&engine, inputs(5000).filter(|_| true));
        assert_eq!(lazy.count(), 5000);

        let xs: Vec<i64> = xs(5000).collect();
        let over = Checked
            .map_over_with(
                &engine,
                CheckedMapInputs {
                    x: Each(&xs),
                    limit: Shared(&(1 << 40)),
                },
                MapMode::Zip,
            )
            .unwrap();
        assert_eq!(over.iter().filter(|r| r.is_err()).count(), 2);

        let totals = counts.totals();
        assert_eq!(totals[0], ("Checked", 0, 5000, 2, true), "{mode:?}");
        let (_, _, done, failed, ended) = totals[1];
        assert!(ended, "{mode:?}: {totals:?}");
        if mode == Mode::Sequential {
            assert_eq!((done, failed), (3, 1));
        } else {
            // Items 2 (an error) and 5 (a panic) fail: with two workers,
            // both may be running before the first failure stops the map.
            assert!(failed == 1 || failed == 2, "{mode:?}: {totals:?}");
        }
        assert_eq!(totals[2..], [("Checked", 0, 5000, 2, true); 2], "{mode:?}");
        assert_eq!(counts.item_events(), 0, "{mode:?}");
        counts.clear();
    }
}

#[test]
fn a_fail_fast_map_counts_the_items_that_ran() {
    let counts = Record::new(Interest::COUNTS);
    for (engine, mode) in engines(&[&counts]) {
        let engine = engine.fail_fast(true);
        let results = Checked.map_with(&engine, inputs(5000));
        let ran = results
            .iter()
            .filter(|r| !matches!(r, Err(hypernodes::MapError::NotRun { .. })))
            .count();
        let failed = results.iter().filter(|r| r.is_err()).count() - (5000 - ran);
        assert_eq!(
            counts.totals(),
            [("Checked", 0, ran, failed, true)],
            "{mode:?}"
        );
        counts.clear();
    }
}

#[test]
fn counts_and_item_events_side_by_side_each_get_what_they_asked_for() {
    let (counts, items) = (Record::new(Interest::COUNTS), Record::new(Interest::ITEMS));
    for (engine, mode) in engines(&[&counts, &items]) {
        let results = Checked.map_with(&engine, inputs(3000));
        assert_eq!(results.len(), 3000);
        let lazy = Checked.map_iter_with(&engine, inputs(3000));
        assert_eq!(lazy.count(), 3000);
        let expected = [("Checked", 0, 3000, 2, true); 2];
        assert_eq!(counts.totals(), expected, "{mode:?}");
        assert_eq!(counts.item_events(), 0, "{mode:?}");
        assert_eq!(items.totals(), expected, "{mode:?}");
        // A start and an end per item.
        assert_eq!(items.item_events(), 2 * 6000, "{mode:?}");
        let batches: usize = counts
            .maps
            .lock()
            .unwrap()
            .values()
            .map(|g| g.batches)
            .sum();
        assert!(batches < 6000, "{mode:?}: {batches} batches for 6000 items");
        counts.clear();
        items.clear();
    }
}

#[test]
fn mapped_nested_pipelines_count_their_items_one_level_down() {
    let (counts, items) = (Record::new(Interest::COUNTS), Record::new(Interest::ITEMS));
    for callbacks in [&[&counts][..], &[&counts, &items]] {
        for (engine, mode) in engines(callbacks) {
            let corpus = |n: usize| CorpusInputs {
                text: "a b".into(),
                texts: (0..n).map(|i| format!("text {i}")).collect(),
            };
            let results = Corpus.map_with(&engine, [2, 3, 5].map(corpus));
            assert!(results.iter().all(Result::is_ok));
            let mut totals = counts.totals();
            totals.sort();
            let nested = [2, 3, 5].map(|n| ("TextStats", 1, n, 0, true));
            let mut expected = vec![("Corpus", 0, 3, 0, true)];
            expected.extend(nested);
            expected.sort();
            assert_eq!(totals, expected, "{mode:?}");
            assert_eq!(counts.item_events(), 0, "{mode:?}");
            counts.clear();
            items.clear();
        }
    }
}

mod asynchronous {
    use super::{xs, Awaited, AwaitedInputs, AwaitedMapInputs, Record};
    use hypernodes::__private::futures::{self, StreamExt};
    use hypernodes::observe::Interest;
    use hypernodes::prelude::*;
    use hypernodes::MapInput::{Each, Shared};
    use hypernodes::MapMode;

    fn inputs(n: i64) -> impl Iterator<Item = AwaitedInputs> {
        xs(n).map(|x| AwaitedInputs { x, limit: 1 << 40 })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_async_map_runner_hands_exact_counts_and_no_item_events() {
        let (counts, items) = (Record::new(Interest::COUNTS), Record::new(Interest::ITEMS));
        let engine = Engine::new()
            .max_workers(4)
            .callback(counts.clone())
            .callback(items.clone());
        let results = Awaited.map_async_with(&engine, inputs(2000)).await;
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

        let sequential = Engine::new()
            .max_workers(1)
            .callback(counts.clone())
            .callback(items.clone());
        let error = Awaited
            .try_map_async_with(&sequential, inputs(2000))
            .await
            .unwrap_err();
        assert_eq!(error.item(), 2);

        let streamed: Vec<_> = Awaited
            .map_stream_with(&engine, futures::stream::iter(inputs(2000)))
            .collect()
            .await;
        assert_eq!(streamed.len(), 2000);

        let xs: Vec<i64> = xs(2000).collect();
        let over = Awaited
            .map_over_async_with(
                &engine,
                AwaitedMapInputs {
                    x: Each(&xs),
                    limit: Shared(&(1 << 40)),
                },
                MapMode::Zip,
            )
            .await
            .unwrap();
        assert_eq!(over.iter().filter(|r| r.is_err()).count(), 2);

        let all = ("Awaited", 0, 2000, 2, true);
        let expected = [all, ("Awaited", 0, 3, 1, true), all, all];
        assert_eq!(counts.totals(), expected);
        assert_eq!(counts.item_events(), 0);
        assert_eq!(items.totals(), expected);
        assert_eq!(items.item_events(), 2 * (3 * 2000 + 3));
    }
}
