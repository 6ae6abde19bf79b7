//! `Tracing`: the span tree (nodes inside items inside maps, nodes inside
//! runs), the spans' fields, an `ERROR` event per failure or panic, spans
//! entered and exited on one thread, all closed, for sync maps on several
//! rayon threads, async maps on several tokio threads, and runs.
//!
//! One subscriber (a recording layer over `tracing-subscriber`'s registry)
//! is the global default, so that it sees every worker thread; the tests
//! take turns, each clearing the record first.

use hypernodes::__private::rayon;
use hypernodes::observe::Tracing;
use hypernodes::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Debug;
use std::sync::{Mutex, MutexGuard, Once};
use std::thread::ThreadId;
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as the subscriber saw it.
#[derive(Clone, Debug, Default)]
struct Seen {
    name: &'static str,
    fields: BTreeMap<String, String>,
    /// The parent's number in [`Recorded::spans`].
    parent: Option<usize>,
    /// The threads it was entered on, one per enter.
    entered: Vec<ThreadId>,
    /// Exits on a thread other than the one of the matching enter.
    exited_elsewhere: usize,
    /// Enters minus exits.
    depth: i64,
    closed: bool,
}

/// An event as the subscriber saw it.
#[derive(Clone, Debug)]
struct SeenEvent {
    level: Level,
    fields: BTreeMap<String, String>,
    parent: Option<usize>,
}

#[derive(Default)]
struct Recorded {
    spans: Vec<Seen>,
    events: Vec<SeenEvent>,
}

static RECORDED: Mutex<Recorded> = Mutex::new(Recorded {
    spans: Vec::new(),
    events: Vec::new(),
});

fn recorded() -> MutexGuard<'static, Recorded> {
    RECORDED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A span's number in [`Recorded::spans`], kept in its extensions (the
/// registry reuses ids once spans close).
struct Number(usize);

/// The threads a span is entered on, innermost last.
struct EnteredOn(Vec<ThreadId>);

/// Records spans and events.
struct Recorder;

/// Fields as strings.
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let parent = span
            .parent()
            .map(|parent| parent.extensions().get::<Number>().unwrap().0);
        let mut seen = Seen {
            name: attrs.metadata().name(),
            parent,
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        let mut recorded = recorded();
        span.extensions_mut().insert(Number(recorded.spans.len()));
        span.extensions_mut().insert(EnteredOn(Vec::new()));
        recorded.spans.push(seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let number = ctx
            .span(id)
            .unwrap()
            .extensions()
            .get::<Number>()
            .unwrap()
            .0;
        values.record(&mut Fields(&mut recorded().spans[number].fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let parent = ctx
            .event_span(event)
            .map(|span| span.extensions().get::<Number>().unwrap().0);
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        recorded().events.push(SeenEvent {
            level: *event.metadata().level(),
            fields,
            parent,
        });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let thread = std::thread::current().id();
        span.extensions_mut()
            .get_mut::<EnteredOn>()
            .unwrap()
            .0
            .push(thread);
        let seen = &mut recorded().spans[span.extensions().get::<Number>().unwrap().0];
        seen.entered.push(thread);
        seen.depth += 1;
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let entered_on = span
            .extensions_mut()
            .get_mut::<EnteredOn>()
            .unwrap()
            .0
            .pop();
        let seen = &mut recorded().spans[span.extensions().get::<Number>().unwrap().0];
        if entered_on != Some(std::thread::current().id()) {
            seen.exited_elsewhere += 1;
        }
        seen.depth -= 1;
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let number = ctx
            .span(&id)
            .unwrap()
            .extensions()
            .get::<Number>()
            .unwrap()
            .0;
        recorded().spans[number].closed = true;
    }
}

/// Installs the recorder once, takes this test's turn and clears the record.
fn recording() -> MutexGuard<'static, ()> {
    static INSTALL: Once = Once::new();
    static TURN: Mutex<()> = Mutex::new(());
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Recorder);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *recorded() = Recorded::default();
    turn
}

pipeline! {
    /// Two nodes side by side; `checked` fails on negative input and panics
    /// on zero; `left` logs.
    struct Diamond {
        fn left(x: i64) -> i64 {
            tracing::info!(x, "left runs");
            std::thread::sleep(Duration::from_micros(200));
            x + 1
        }
        fn right(x: i64) -> i64 { x * 2 }
        fn checked(left: i64, right: i64) -> Result<i64, String> {
            assert!(left != 1, "zero is not allowed");
            if left < 0 { Err(format!("negative: {left}")) } else { Ok(left + right) }
        }
    }
}

/// In a module of its own: its node `checked` is not `Diamond`'s.
mod fetch {
    use hypernodes::prelude::*;
    use std::time::Duration;

    pipeline! {
        /// An async node, a blocking one, a sync one that fails on negative
        /// input and panics on zero.
        pub struct Fetch {
            pub async fn fetched(x: i64) -> i64 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                x
            }
            #[node(blocking)]
            pub fn parsed(fetched: i64) -> i64 { fetched + 1 }
            pub fn checked(parsed: i64) -> Result<i64, String> {
                assert!(parsed != 1, "zero is not allowed");
                if parsed < 0 { Err(format!("negative: {parsed}")) } else { Ok(parsed) }
            }
        }
    }
}

use fetch::{Fetch, FetchInputs};

/// Items: `n` of them, item 3 negative (fails), item 5 zero (panics).
fn xs(n: i64) -> impl Iterator<Item = i64> {
    (0..n).map(|x| match x {
        3 => -4,
        5 => 0,
        x => x + 1,
    })
}

/// The spans named `name`, with their numbers.
fn named<'a>(spans: &'a [Seen], name: &str) -> Vec<(usize, &'a Seen)> {
    (spans.iter().enumerate())
        .filter(|(_, span)| span.name == name)
        .collect()
}

fn field<'a>(span: &'a Seen, name: &str) -> &'a str {
    span.fields.get(name).map_or("<none>", String::as_str)
}

/// Every span closed, exited as often as entered, on the thread it was
/// entered on.
fn assert_balanced(spans: &[Seen]) {
    for span in spans {
        assert!(span.closed, "not closed: {span:?}");
        assert_eq!((span.depth, span.exited_elsewhere), (0, 0), "{span:?}");
    }
}

/// The checks shared by the sync and the async map of `n` items of
/// `pipeline`, whose nodes are `nodes` and whose node `checked` fails on
/// item 3 and panics on item 5; returns the threads items and nodes ran on.
fn assert_map_tree(recorded: &Recorded, pipeline: &str, n: usize, nodes: &[&str]) {
    let spans = &recorded.spans;
    assert_balanced(spans);
    let maps = named(spans, "map");
    assert_eq!(maps.len(), 1, "{maps:?}");
    let (map, map_span) = maps[0];
    assert_eq!(field(map_span, "pipeline"), pipeline);
    assert_eq!(field(map_span, "total"), n.to_string());

    // Items, inside the map: each index once, failed ones `ok = false`.
    let items = named(spans, "item");
    let mut indices = BTreeMap::new();
    for (number, item) in &items {
        assert_eq!(item.parent, Some(map), "{item:?}");
        assert_eq!(field(item, "pipeline"), pipeline);
        let index: usize = field(item, "item").parse().unwrap();
        assert!(
            indices.insert(index, *number).is_none(),
            "item {index} twice"
        );
        let ok = if index == 3 || index == 5 {
            "false"
        } else {
            "true"
        };
        assert_eq!(field(item, "ok"), ok, "item {index}");
    }
    assert_eq!(indices.len(), n);

    // Nodes, each inside the item of its index, every node once per item.
    let node_spans = named(spans, "node");
    assert_eq!(node_spans.len(), n * nodes.len());
    let mut per_item: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for (_, node) in &node_spans {
        let index: usize = field(node, "item").parse().unwrap();
        assert_eq!(node.parent, Some(indices[&index]), "{node:?}");
        assert_eq!(field(node, "node"), field(node, "path"));
        per_item
            .entry(index)
            .or_default()
            .insert(field(node, "node"));
    }
    let all: BTreeSet<&str> = nodes.iter().copied().collect();
    assert!(per_item.values().all(|seen| *seen == all), "{per_item:?}");

    // One error per failure or panic, inside the failing node's span.
    let errors: Vec<&SeenEvent> = (recorded.events.iter())
        .filter(|event| event.level == Level::ERROR)
        .collect();
    let mut messages: Vec<(&str, &str)> = (errors.iter())
        .map(|event| (field_of(event, "item"), field_of(event, "message")))
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        [
            ("3", "negative: -3"),
            ("5", "panicked: zero is not allowed")
        ]
    );
    for error in errors {
        let node = &spans[error.parent.expect("inside a span")];
        assert_eq!(node.name, "node");
        assert_eq!(
            (field(node, "node"), field(node, "item")),
            ("checked", field_of(error, "item"))
        );
        assert_eq!(field(node, "ok"), "false");
    }
}

fn field_of<'a>(event: &'a SeenEvent, name: &str) -> &'a str {
    event.fields.get(name).map_or("<none>", String::as_str)
}

/// The distinct threads the spans were entered on.
fn threads<'a>(spans: impl IntoIterator<Item = &'a Seen>) -> HashSet<ThreadId> {
    spans
        .into_iter()
        .flat_map(|span| span.entered.iter().copied())
        .collect()
}

#[test]
fn a_sync_map_on_several_threads_nests_nodes_in_items_in_the_map() {
    let _turn = recording();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let engine = Engine::new()
        .nodes(Mode::Parallel)
        .npartitions(64)
        .pool(pool)
        .callback(Tracing);
    let n = 200;
    let results = Diamond.map_with(&engine, xs(n).map(|x| DiamondInputs { x }));
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

    let recorded = recorded();
    assert_map_tree(
        &recorded,
        "Diamond",
        n as usize,
        &["left", "right", "checked"],
    );
    let spans = &recorded.spans;
    // Sync items and nodes are entered where they run: several threads.
    let items = named(spans, "item");
    assert!(items.iter().all(|(_, item)| item.entered.len() == 1));
    assert!(threads(items.iter().map(|(_, s)| *s)).len() > 1);
    let nodes = named(spans, "node");
    assert!(nodes.iter().all(|(_, node)| node.entered.len() == 1));
    // What `left` logs is inside its span.
    let logs: Vec<&SeenEvent> = (recorded.events.iter())
        .filter(|event| field_of(event, "message") == "left runs")
        .collect();
    assert_eq!(logs.len(), n as usize);
    for log in logs {
        let node = &spans[log.parent.unwrap()];
        assert_eq!(field(node, "node"), "left");
        // `x` of item 3 is -4; the others are their index + 1.
        let x: i64 = field_of(log, "x").parse().unwrap();
        let index: i64 = field(node, "item").parse().unwrap();
        assert_eq!(x, xs(n).nth(index as usize).unwrap());
    }
}

#[test]
fn an_async_map_on_several_threads_nests_nodes_in_items_in_the_map() {
    let _turn = recording();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    let engine = Engine::new().max_workers(16).callback(Tracing);
    let n = 100;
    let results = runtime.block_on(async {
        // Spawned: the map's task moves between the runtime's threads.
        let engine = engine.clone();
        tokio::spawn(async move {
            Fetch
                .map_async_with(&engine, xs(n).map(|x| FetchInputs { x }))
                .await
        })
        .await
        .unwrap()
    });
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

    let recorded = recorded();
    assert_map_tree(
        &recorded,
        "Fetch",
        n as usize,
        &["fetched", "parsed", "checked"],
    );
    let spans = &recorded.spans;
    // Async items and awaited nodes start and end at different polls: never
    // entered. The sync node runs within one poll: entered there.
    for (_, span) in named(spans, "item").into_iter().chain(named(spans, "node")) {
        let entered = field(span, "node") == "checked";
        assert_eq!(!span.entered.is_empty(), entered, "{span:?}");
    }
}

#[test]
fn runs_nest_their_nodes_sync_parallel_and_async() {
    let _turn = recording();
    for engine in [Engine::new(), Engine::new().nodes(Mode::Parallel)] {
        let engine = engine.callback(Tracing);
        Diamond.run_with(&engine, DiamondInputs { x: 2 }).unwrap();
        let error = Diamond
            .run_with(&engine, DiamondInputs { x: -5 })
            .unwrap_err();
        assert_eq!(error.node(), "checked");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let engine = Engine::new().callback(Tracing);
    runtime
        .block_on(Fetch.run_async_with(&engine, FetchInputs { x: 2 }))
        .unwrap();

    let recorded = recorded();
    let spans = &recorded.spans;
    assert_balanced(spans);
    let runs = named(spans, "run");
    let summary: Vec<(&str, &str)> = (runs.iter())
        .map(|(_, run)| (field(run, "pipeline"), field(run, "ok")))
        .collect();
    assert_eq!(
        summary,
        [
            ("Diamond", "true"),
            ("Diamond", "false"),
            ("Diamond", "true"),
            ("Diamond", "false"),
            ("Fetch", "true")
        ]
    );
    for (index, (run, _)) in runs.iter().enumerate() {
        let nodes: Vec<&str> = (named(spans, "node").into_iter())
            .filter(|(_, node)| node.parent == Some(*run))
            .map(|(_, node)| field(node, "node"))
            .collect();
        assert_eq!(nodes.len(), 3, "run {index}: {nodes:?}");
        assert!(
            nodes
                .iter()
                .all(|node| field(&spans[*run], "pipeline") != "Fetch"
                    || ["fetched", "parsed", "checked"].contains(node)),
            "{nodes:?}"
        );
    }
    // One error per failed run, inside the span of `checked`.
    let errors: Vec<&SeenEvent> = (recorded.events.iter())
        .filter(|event| event.level == Level::ERROR)
        .collect();
    assert_eq!(errors.len(), 2);
    for error in errors {
        assert_eq!(field_of(error, "message"), "negative: -4");
        assert_eq!(field(&spans[error.parent.unwrap()], "node"), "checked");
    }
}

pipeline! {
    /// A node behind a gate.
    struct Gated {
        fn big(x: i64) -> bool { x > 10 }
        #[when(big)]
        fn halved(x: i64) -> i64 { x / 2 }
    }
}

#[test]
fn a_skipped_node_is_a_debug_event_in_its_run() {
    let _turn = recording();
    let engine = Engine::new().callback(Tracing);
    Gated.run_with(&engine, GatedInputs { x: 3 }).unwrap();
    let recorded = recorded();
    let runs = named(&recorded.spans, "run");
    let skipped: Vec<&SeenEvent> = (recorded.events.iter())
        .filter(|event| event.fields.get("message").map(String::as_str) == Some("skipped"))
        .collect();
    assert_eq!(skipped.len(), 1, "{:#?}", recorded.events);
    assert_eq!(skipped[0].level, Level::DEBUG);
    assert_eq!(skipped[0].fields["node"], "halved");
    assert_eq!(skipped[0].fields["when"], "big");
    assert_eq!(skipped[0].parent, Some(runs[0].0));
}
