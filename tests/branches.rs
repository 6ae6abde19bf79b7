//! Branches: gates that choose which nodes run (`#[when]`), on every
//! runner.

use hypernodes::prelude::*;

/// How a question should be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Politely.
    Formal,
    /// Plainly.
    Casual,
    /// Not at all.
    Refuse,
}

#[node]
fn needs_search(question: &str) -> bool {
    question.ends_with('?')
}

#[node]
fn tone(question: &str) -> Tone {
    if question.contains("please") {
        Tone::Formal
    } else if question.contains("hack") {
        Tone::Refuse
    } else {
        Tone::Casual
    }
}

pipeline! {
    /// The retrieval pattern: search, answer directly, or refuse.
    pub struct Answer {
        needs_search,
        tone,
        #[when(needs_search)]
        fn docs(question: &str) -> Vec<String> { vec![format!("doc about {question}")] }
        #[when(needs_search)] #[node(output = response)]
        fn grounded(question: &str, docs: &[String]) -> String { format!("{question} -> {}", docs.join(",")) }
        #[when(!needs_search)] #[node(output = response)]
        fn direct(question: &str) -> String { format!("{question}!") }
        #[when(tone = Refuse)]
        fn refusal(question: &str) -> String { format!("no: {question}") }
        fn render(response: &str, refusal: Option<&str>) -> String {
            match refusal { Some(r) => r.to_string(), None => response.to_uppercase() }
        }
    }
}

fn ask(question: &str) -> AnswerInputs {
    AnswerInputs {
        question: question.to_string(),
    }
}

#[test]
fn the_gate_chooses_the_arm() {
    let searched = Answer.run(ask("why?")).unwrap();
    assert!(searched.needs_search);
    assert_eq!(searched.docs, Some(vec!["doc about why?".to_string()]));
    assert_eq!(searched.response, "why? -> doc about why?");
    assert_eq!(searched.refusal, None);
    assert_eq!(searched.render, "WHY? -> DOC ABOUT WHY?");
    let direct = Answer.run(ask("hello")).unwrap();
    assert!(!direct.needs_search);
    assert_eq!(direct.docs, None);
    assert_eq!(direct.response, "hello!");
    let refused = Answer.run(ask("hack it")).unwrap();
    assert_eq!(refused.tone, Tone::Refuse);
    assert_eq!(refused.refusal.as_deref(), Some("no: hack it"));
    assert_eq!(refused.render, "no: hack it");
}

/// Every runner takes the same arms as `run`.
#[test]
fn every_runner_agrees_with_run() {
    let questions = ["why?", "hello", "hack it", "please, how?", "ok"];
    let expected: Vec<AnswerOutputs> = questions
        .iter()
        .map(|q| Answer.run(ask(q)).unwrap())
        .collect();
    let same = |got: &AnswerOutputs, want: &AnswerOutputs| {
        (
            &got.docs,
            &got.response,
            &got.refusal,
            &got.render,
            got.tone,
            got.needs_search,
        ) == (
            &want.docs,
            &want.response,
            &want.refusal,
            &want.render,
            want.tone,
            want.needs_search,
        )
    };
    for (q, want) in questions.iter().zip(&expected) {
        assert!(
            same(&Answer.run_parallel(ask(q)).unwrap(), want),
            "run_parallel {q}"
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let run_async = runtime.block_on(Answer.run_async(ask(q))).unwrap();
        assert!(same(&run_async, want), "run_async {q}");
        assert!(
            same(&Answer.run_with(&Engine::new(), ask(q)).unwrap(), want),
            "run_with {q}"
        );
    }
    let items = || questions.iter().map(|q| ask(q));
    let engines = [
        Engine::sequential(),
        Engine::new(),
        Engine::new().map(Mode::Threads),
        Engine::new().nodes(Mode::Parallel),
    ];
    for engine in &engines {
        let mapped = Answer.map_with(engine, items());
        for (got, want) in mapped.iter().zip(&expected) {
            assert!(same(got.as_ref().unwrap(), want), "map_with {engine:?}");
        }
    }
    for (got, want) in Answer
        .map(items().collect::<Vec<_>>())
        .iter()
        .zip(&expected)
    {
        assert!(same(got.as_ref().unwrap(), want), "map");
    }
}

/// A parameter `Option<T>` by value, a chain behind a gate, and the
/// conditions in `NODES`.
mod chains {
    use super::*;

    pipeline! {
        /// A chain behind a gate.
        pub struct Chain {
            fn big(x: u32) -> bool { x > 10 }
            #[when(big)]
            fn halved(x: u32) -> u32 { x / 2 }
            fn plus_one(halved: u32) -> u32 { halved + 1 }
            fn label(plus_one: Option<u32>, x: u32) -> String {
                match plus_one { Some(p) => format!("{x} big {p}"), None => format!("{x} small") }
            }
        }
    }

    #[test]
    fn consumers_of_a_partial_value_inherit_its_condition() {
        let big = Chain.run(ChainInputs { x: 20 }).unwrap();
        assert_eq!(
            (big.halved, big.plus_one, big.label.as_str()),
            (Some(10), Some(11), "20 big 11")
        );
        let small = Chain.run(ChainInputs { x: 3 }).unwrap();
        assert_eq!(
            (small.halved, small.plus_one, small.label.as_str()),
            (None, None, "3 small")
        );
    }

    #[test]
    fn timings_count_the_skips_of_a_map() {
        let timings = hypernodes::observe::Timings::new();
        let engine = Engine::new().callback(timings.clone());
        let items = (0..20).map(|x| ChainInputs { x }).collect::<Vec<_>>();
        Chain.map_with(&engine, items);
        // 9 items of the 20 are big (11..=19).
        let counts = |name: &str| {
            let timing = timings.get(name).unwrap();
            (timing.calls, timing.skipped)
        };
        assert_eq!(
            (
                counts("big"),
                counts("halved"),
                counts("plus_one"),
                counts("label")
            ),
            ((20, 0), (9, 11), (9, 11), (20, 0))
        );
        assert!(timings
            .to_string()
            .lines()
            .next()
            .unwrap()
            .contains("skipped"));
    }

    #[test]
    fn nodes_tell_their_conditions() {
        let when = |name: &str| Chain::NODES.iter().find(|n| n.name == name).unwrap().when;
        assert_eq!(
            (when("big"), when("halved"), when("plus_one"), when("label")),
            ("", "big", "big", "")
        );
    }
}

/// One value from three arms of an enum gate and a default arm.
mod three_arms {
    use super::*;

    /// Where a query goes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Route {
        /// To the search.
        Search,
        /// To a direct answer.
        Direct,
        /// To a refusal.
        Refuse,
        /// Anywhere else: refused too.
        Other,
    }

    pipeline! {
        /// Three arms producing one value.
        pub struct Router {
            fn route(q: u8) -> Route {
                match q { 0 => Route::Search, 1 => Route::Direct, 2 => Route::Refuse, _ => Route::Other }
            }
            #[when(route = Search)] #[node(output = reply)]
            fn search(q: u8) -> String { format!("search {q}") }
            #[when(route = Route::Direct)] #[node(output = reply)]
            fn direct(q: u8) -> String { format!("direct {q}") }
            #[when(route = Refuse | Other)] #[node(output = reply)]
            fn refuse(q: u8) -> String { format!("refuse {q}") }
            fn shout(reply: String) -> String { reply.to_uppercase() }
        }
    }

    #[test]
    fn each_arm_produces_the_value() {
        let replies: Vec<Option<String>> = (0..4)
            .map(|q| Router.run(RouterInputs { q }).unwrap().shout)
            .collect();
        let expected =
            ["SEARCH 0", "DIRECT 1", "REFUSE 2", "REFUSE 3"].map(|s| Some(s.to_string()));
        assert_eq!(
            replies, expected,
            "enum arms never cover their gate: `reply` is partial"
        );
        assert_eq!(
            Router.run(RouterInputs { q: 1 }).unwrap().reply.as_deref(),
            Some("direct 1")
        );
    }
}

/// A gate behind a gate, and an error in a taken arm.
mod nested_branches {
    use super::*;

    /// A number over 100.
    #[derive(Debug, PartialEq, Eq)]
    pub struct TooBig(u32);

    impl std::fmt::Display for TooBig {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} is too big", self.0)
        }
    }

    impl std::error::Error for TooBig {}

    pipeline! {
        /// A gate behind a gate.
        pub struct Nested {
            fn positive(x: i32) -> bool { x > 0 }
            #[when(positive)]
            fn even(x: i32) -> bool { x % 2 == 0 }
            #[when(even)]
            fn checked(x: i32) -> Result<u32, TooBig> {
                if x > 100 { Err(TooBig(x as u32)) } else { Ok(x as u32 / 2) }
            }
            #[when(!even)] #[node(output = checked)]
            fn odd(x: i32) -> u32 { x as u32 }
        }
    }

    #[test]
    fn inner_gates_exist_only_when_the_outer_one_holds() {
        let run = |x| Nested.run(NestedInputs { x });
        let negative = run(-4).unwrap();
        assert_eq!(
            (negative.positive, negative.even, negative.checked),
            (false, None, None)
        );
        let even = run(8).unwrap();
        assert_eq!((even.even, even.checked), (Some(true), Some(4)));
        let odd = run(7).unwrap();
        assert_eq!((odd.even, odd.checked), (Some(false), Some(7)));
        let error = run(200).unwrap_err();
        assert_eq!(error.to_string(), "node `checked` failed: 200 is too big");
    }
}

/// `on_node_skipped` for every node not taken, and counts of the calls.
mod callbacks {
    use super::*;
    use hypernodes::observe::{Callback, NodeEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Skips(Mutex<Vec<&'static str>>);

    impl Callback for Skips {
        fn on_node_skipped(&self, event: &NodeEvent) {
            self.0.lock().unwrap().push(event.node.name);
        }
    }

    static EXPENSIVE_CALLS: AtomicUsize = AtomicUsize::new(0);

    pipeline! {
        /// An expensive node behind a gate.
        pub struct Counted {
            fn wanted(x: u32) -> bool { x % 3 == 0 }
            #[when(wanted)]
            fn expensive(x: u32) -> u32 {
                EXPENSIVE_CALLS.fetch_add(1, Ordering::SeqCst);
                x * 100
            }
        }
    }

    #[test]
    fn skipped_nodes_are_never_called() {
        let results = Counted.map_with(&Engine::new(), (0..30).map(|x| CountedInputs { x }));
        let ran = results
            .iter()
            .filter(|r| r.as_ref().unwrap().expensive.is_some())
            .count();
        assert_eq!((ran, EXPENSIVE_CALLS.load(Ordering::SeqCst)), (10, 10));
    }

    #[test]
    fn skipped_nodes_are_reported() {
        let skips = std::sync::Arc::new(Skips::default());
        let engine = Engine::new().callback(skips.clone());
        Answer.run_with(&engine, ask("hello")).unwrap();
        assert_eq!(*skips.0.lock().unwrap(), ["docs", "grounded", "refusal"]);
        skips.0.lock().unwrap().clear();
        let results = Answer.map_with(&engine, ["a?", "b?", "c"].map(ask));
        assert!(results.iter().all(Result::is_ok));
        let mut skipped = skips.0.lock().unwrap().clone();
        skipped.sort_unstable();
        assert_eq!(
            skipped,
            ["direct", "direct", "docs", "grounded", "refusal", "refusal", "refusal"]
        );
    }
}

#[test]
fn pictures_draw_gates_as_diamonds_with_their_arms() {
    let mermaid = <Answer as Pipeline>::MERMAID;
    assert!(
        mermaid.contains("node_needs_search{\"needs_search\"}"),
        "{mermaid}"
    );
    assert!(mermaid.contains("node_tone{\"tone\"}"), "{mermaid}");
    assert!(mermaid.contains("node_docs[\"docs\"]"), "{mermaid}");
    assert!(
        mermaid.contains("node_needs_search -.->|\"!needs_search\"| node_direct"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("node_tone -.->|\"tone = Refuse\"| node_refusal"),
        "{mermaid}"
    );
    // `response` reaches `render` from both of its producers.
    assert!(
        mermaid.contains("node_grounded -->|\"response\"| node_render"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("node_direct -->|\"response\"| node_render"),
        "{mermaid}"
    );
    let dot = <Answer as Pipeline>::DOT;
    assert!(
        dot.contains("\"node:needs_search\" [label=\"needs_search\", shape=diamond];"),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"node:needs_search\" -> \"node:grounded\" [label=\"needs_search\", style=dashed];"
        ),
        "{dot}"
    );
}

/// Branches with async and blocking nodes, inside a nested pipeline mapped
/// over items, and on a mapped nested pipeline.
mod nesting {
    use super::*;

    pipeline! {
        /// A branch inside a pipeline that is mapped below.
        pub struct Item {
            fn odd(x: &u64) -> bool { x % 2 == 1 }
            #[when(odd)] #[node(output = y)]
            fn tripled(x: &u64) -> u64 { x * 3 }
            #[when(!odd)] #[node(output = y)]
            fn halved(x: &u64) -> u64 { x / 2 }
        }
    }

    pipeline! {
        /// The branching pipeline mapped over `xs`, and a gate choosing
        /// whether another mapped pipeline runs at all.
        pub struct All {
            #[nested(map_over = x, inputs(xs = x), outputs(y = ys))]
            Item,
            fn many(ys: &[u64]) -> bool { ys.len() > 3 }
            #[when(many)]
            #[nested(name = again, map_over = x, inputs(ys = x), outputs(y = again))]
            Simple,
            #[when(many)]
            #[nested(name = twice, map_over = x, inputs(again = x), outputs(y = twice))]
            Item,
        }
    }

    pipeline! {
        /// Without a branch.
        pub struct Simple {
            fn y(x: &u64) -> u64 { x + 100 }
        }
    }

    pipeline! {
        /// The branching pipeline nested once, flat (not mapped).
        pub struct Once {
            fn x(seed: u64) -> u64 { seed * 2 + 1 }
            Item,
            fn shown(y: u64) -> String { y.to_string() }
        }
    }

    #[test]
    fn a_branch_inside_a_mapped_pipeline_and_a_gated_mapped_pipeline() {
        let few = All.run(AllInputs { xs: vec![1, 2, 3] }).unwrap();
        assert_eq!((few.ys, few.many, few.again), (vec![3, 1, 9], false, None));
        let many = All
            .run(AllInputs {
                xs: vec![1, 2, 3, 4],
            })
            .unwrap();
        assert_eq!(many.ys, [3, 1, 9, 2]);
        assert_eq!(many.again, Some(vec![103, 101, 109, 102]));
        // The branching pipeline mapped again behind the gate: odd items
        // tripled, even ones halved.
        assert_eq!(many.twice, Some(vec![309, 303, 327, 51]));
        assert_eq!(few.twice, None);
        let parallel = All
            .run_parallel(AllInputs {
                xs: vec![1, 2, 3, 4],
            })
            .unwrap();
        assert_eq!(parallel.again, Some(vec![103, 101, 109, 102]));
        assert_eq!(parallel.twice, many.twice);
    }

    #[test]
    fn a_branch_inside_a_nested_pipeline() {
        let once = Once.run(OnceInputs { seed: 3 }).unwrap();
        assert_eq!(
            (once.x, once.odd, once.y, once.shown.as_str()),
            (7, true, 21, "21")
        );
        let when = |name: &str| Once::NODES.iter().find(|n| n.name == name).unwrap().when;
        assert_eq!((when("tripled"), when("halved")), ("odd", "!odd"));
    }

    pipeline! {
        /// The branching pipeline behind a gate of its own: its members run
        /// only when `wanted` holds, and its arms only then.
        pub struct Gated {
            fn wanted(x: &u64) -> bool { *x > 10 }
            #[when(wanted)]
            Item,
            fn summary(y: Option<u64>, odd: Option<bool>) -> String {
                format!("{y:?} {odd:?}")
            }
        }
    }

    #[test]
    fn a_gate_on_a_nested_pipeline_that_branches_inside() {
        let expect = |x: u64| match (x > 10, x % 2 == 1) {
            (false, _) => (None, None),
            (true, true) => (Some(x * 3), Some(true)),
            (true, false) => (Some(x / 2), Some(false)),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for x in [3, 4, 11, 12] {
            let (y, odd) = expect(x);
            let summary = format!("{y:?} {odd:?}");
            let outputs = [
                Gated.run(GatedInputs { x }).unwrap(),
                Gated.run_parallel(GatedInputs { x }).unwrap(),
                runtime
                    .block_on(Gated.run_async(GatedInputs { x }))
                    .unwrap(),
            ];
            for got in outputs {
                assert_eq!(
                    (got.y, got.odd, &got.summary),
                    (y, odd, &summary),
                    "x = {x}"
                );
            }
        }
        let xs = [3, 4, 11, 12];
        for engine in [Engine::sequential(), Engine::new().nodes(Mode::Parallel)] {
            let mapped = Gated.map_with(&engine, xs.map(|x| GatedInputs { x }));
            let got: Vec<_> = (mapped.into_iter())
                .map(|outputs| outputs.map(|o| (o.y, o.odd)).unwrap())
                .collect();
            assert_eq!(got, xs.map(expect), "{engine:?}");
        }
        let mermaid = <Gated as Pipeline>::MERMAID;
        for edge in [
            r#"node_wanted -.->|"wanted"| node_item__odd"#,
            r#"node_item__odd -.->|"odd"| node_item__tripled"#,
        ] {
            assert!(mermaid.contains(edge), "{edge} in {mermaid}");
        }
        let when = |name: &str| Gated::NODES.iter().find(|n| n.name == name).unwrap().when;
        assert_eq!(
            (
                when("odd"),
                when("tripled"),
                when("halved"),
                when("summary")
            ),
            ("wanted", "odd && wanted", "!odd && wanted", "")
        );
    }

    pipeline! {
        /// An async node and a sync one behind gates.
        pub struct Fetch {
            fn cached(key: &str) -> bool { key.starts_with('c') }
            #[when(!cached)] #[node(output = body)]
            async fn fetched(key: &str) -> String {
                tokio::task::yield_now().await;
                format!("fetched {key}")
            }
            #[when(cached)] #[node(output = body)]
            fn read(key: &str) -> String { format!("read {key}") }
        }
    }

    #[tokio::test]
    async fn async_nodes_take_their_arm() {
        let fetched = Fetch
            .run_async(FetchInputs { key: "a".into() })
            .await
            .unwrap();
        assert_eq!(fetched.body, "fetched a");
        let read = Fetch
            .run_async(FetchInputs { key: "c".into() })
            .await
            .unwrap();
        assert_eq!(read.body, "read c");
    }
}

/// Independent nodes behind a gate still run at once in `run_parallel`
/// and `run_async` (generous margins: sleeps of 200 ms).
mod concurrency {
    use super::*;
    use std::time::{Duration, Instant};

    const NAP: Duration = Duration::from_millis(200);

    /// A pool of its own for each timed parallel run: tests run at once,
    /// and the global pool has a thread per core.
    fn own_pool<R: Send>(run: impl FnOnce() -> R + Send) -> R {
        hypernodes::__private::rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(run)
    }

    pipeline! {
        /// Two slow nodes on one arm, one on the other, then a join.
        pub struct Slow {
            fn go(x: u32) -> bool { x > 0 }
            #[when(go)]
            fn left(x: u32) -> u32 { std::thread::sleep(NAP); x + 1 }
            #[when(go)]
            fn right(x: u32) -> u32 { std::thread::sleep(NAP); x + 2 }
            #[when(go)] #[node(output = sum)]
            fn both(left: u32, right: u32) -> u32 { left + right }
            #[when(!go)] #[node(output = sum)]
            fn none(x: u32) -> u32 { x }
        }
    }

    mod asynchronous {
        use super::NAP;
        use hypernodes::prelude::*;

        pipeline! {
            /// The same with async nodes.
            pub struct SlowAsync {
                fn go(x: u32) -> bool { x > 0 }
                #[when(go)]
                async fn left(x: u32) -> u32 { tokio::time::sleep(NAP).await; x + 1 }
                #[when(go)]
                async fn right(x: u32) -> u32 { tokio::time::sleep(NAP).await; x + 2 }
                #[when(go)] #[node(output = sum)]
                fn both(left: u32, right: u32) -> u32 { left + right }
                #[when(!go)] #[node(output = sum)]
                fn none(x: u32) -> u32 { x }
            }
        }

        pipeline! {
            /// `Crossed` (below) with async nodes.
            pub struct CrossedAsync {
                fn open(x: u32) -> bool { x > 0 }
                #[when(open)]
                async fn p(x: u32) -> u32 { tokio::time::sleep(NAP).await; x + 1 }
                #[when(open)]
                async fn q(x: u32) -> u32 { tokio::time::sleep(NAP).await; x + 2 }
                async fn early(p: u32) -> u32 { tokio::time::sleep(NAP).await; p * 10 }
                fn late(p: &u32, q: u32) -> u32 { p + q }
                fn report(early: Option<u32>, late: Option<&u32>, x: u32) -> String {
                    format!("{early:?} {late:?} {x}")
                }
            }
        }
    }
    use asynchronous::{CrossedAsync, CrossedAsyncInputs, SlowAsync, SlowAsyncInputs};

    #[test]
    fn run_parallel_runs_the_nodes_of_an_arm_at_once() {
        let started = Instant::now();
        let outputs = own_pool(|| Slow.run_parallel(SlowInputs { x: 1 }).unwrap());
        let took = started.elapsed();
        assert_eq!(outputs.sum, 5);
        assert!(
            took < NAP * 3 / 2,
            "two naps of {NAP:?} took {took:?}: not at once"
        );
        let started = Instant::now();
        assert_eq!(Slow.run_parallel(SlowInputs { x: 0 }).unwrap().sum, 0);
        assert!(
            started.elapsed() < NAP / 2,
            "the arm not taken does not nap"
        );
    }

    #[tokio::test]
    async fn run_async_awaits_the_nodes_of_an_arm_at_once() {
        let started = Instant::now();
        let outputs = SlowAsync.run_async(SlowAsyncInputs { x: 1 }).await.unwrap();
        let took = started.elapsed();
        assert_eq!(
            (outputs.sum, outputs.left, outputs.right),
            (5, Some(2), Some(3))
        );
        assert!(
            took < NAP * 3 / 2,
            "two naps of {NAP:?} took {took:?}: not at once"
        );
        assert_eq!(
            SlowAsync
                .run_async(SlowAsyncInputs { x: 0 })
                .await
                .unwrap()
                .sum,
            0
        );
    }

    pipeline! {
        /// Not series-parallel (`late` takes `p` and `q`, `early` only
        /// `p`), behind a gate: the nodes of the arm still run at once.
        pub struct Crossed {
            fn open(x: u32) -> bool { x > 0 }
            #[when(open)]
            fn p(x: u32) -> u32 { std::thread::sleep(NAP); x + 1 }
            #[when(open)]
            fn q(x: u32) -> u32 { std::thread::sleep(NAP); x + 2 }
            fn early(p: u32) -> u32 { std::thread::sleep(NAP); p * 10 }
            fn late(p: &u32, q: u32) -> u32 { p + q }
            fn report(early: Option<u32>, late: Option<&u32>, x: u32) -> String {
                format!("{early:?} {late:?} {x}")
            }
        }
    }

    #[test]
    fn run_parallel_runs_a_gated_graph_that_is_not_series_parallel_at_once() {
        let started = Instant::now();
        let outputs = own_pool(|| Crossed.run_parallel(CrossedInputs { x: 1 }).unwrap());
        let took = started.elapsed();
        let sequential = Crossed.run(CrossedInputs { x: 1 }).unwrap();
        assert_eq!(
            (outputs.early, outputs.late, &outputs.report),
            (Some(20), Some(5), &sequential.report)
        );
        assert_eq!(outputs.report, "Some(20) Some(5) 1");
        // `p` and `q` at once, then `early`: two naps, not three.
        assert!(took < NAP * 5 / 2, "took {took:?}: not at once");
        let started = Instant::now();
        let skipped = Crossed.run_parallel(CrossedInputs { x: 0 }).unwrap();
        assert_eq!(
            (skipped.late, skipped.report.as_str()),
            (None, "None None 0")
        );
        assert!(
            started.elapsed() < NAP / 2,
            "the arm not taken does not nap"
        );
    }

    #[tokio::test]
    async fn run_async_awaits_a_gated_graph_that_is_not_series_parallel_at_once() {
        let started = Instant::now();
        let outputs = CrossedAsync
            .run_async(CrossedAsyncInputs { x: 1 })
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(outputs.report, "Some(20) Some(5) 1");
        assert!(took < NAP * 5 / 2, "took {took:?}: not at once");
        let skipped = CrossedAsync
            .run_async(CrossedAsyncInputs { x: 0 })
            .await
            .unwrap();
        assert_eq!(
            (skipped.late, skipped.report.as_str()),
            (None, "None None 0")
        );
    }

    mod blocking {
        use super::NAP;
        use hypernodes::prelude::*;

        pipeline! {
            /// `blocking` nodes behind gates: on tokio's blocking pool, the
            /// arm's two at once.
            pub struct Disk {
                fn cached(key: u32) -> bool { key % 2 == 0 }
                #[when(!cached)] #[node(blocking)]
                fn head(key: u32) -> u32 { std::thread::sleep(NAP); key + 1 }
                #[when(!cached)] #[node(blocking)]
                fn body(key: &u32) -> String { std::thread::sleep(NAP); format!("body {key}") }
                #[when(!cached)] #[node(output = page)]
                fn joined(head: u32, body: String) -> String { format!("{head}: {body}") }
                #[when(cached)] #[node(output = page)]
                fn memory(key: u32) -> String { format!("cached {key}") }
            }
        }
    }
    use blocking::{Disk, DiskInputs};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_nodes_take_their_arm_on_the_blocking_pool() {
        let started = Instant::now();
        let read = Disk.run_async(DiskInputs { key: 3 }).await.unwrap();
        let took = started.elapsed();
        assert_eq!(read.page, "4: body 3");
        assert!(
            took < NAP * 3 / 2,
            "two naps of {NAP:?} took {took:?}: not at once"
        );
        let started = Instant::now();
        let cached = Disk.run_async(DiskInputs { key: 4 }).await.unwrap();
        assert_eq!((cached.page.as_str(), cached.head), ("cached 4", None));
        assert!(
            started.elapsed() < NAP / 2,
            "the arm not taken does not nap"
        );
        // Twenty items, each blocking twice: on the pool, all at once.
        let started = Instant::now();
        let pages = Disk.map_async((1..=20).map(|key| DiskInputs { key })).await;
        let took = started.elapsed();
        for (key, page) in (1..=20).zip(&pages) {
            let page = &page.as_ref().unwrap().page;
            let want = match key % 2 {
                0 => format!("cached {key}"),
                _ => format!("{}: body {key}", key + 1),
            };
            assert_eq!(page, &want);
        }
        assert!(
            took < NAP * 4,
            "10 items of two naps of {NAP:?} took {took:?}"
        );
    }
}
