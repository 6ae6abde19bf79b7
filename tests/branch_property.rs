//! Property: on every input (all 256 of them), the generated runners call
//! exactly the nodes whose condition (`NodeInfo::when`, from the
//! compile-time analysis) holds for the gates' values, and every runner
//! agrees with `run`.

use hypernodes::observe::{Callback, NodeEvent};
use hypernodes::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A three-way gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
    /// First.
    Fast,
    /// Second.
    Slow,
    /// Third.
    Off,
}

pipeline! {
    /// Gates from inputs, a gate behind a gate, consumers of partial
    /// values, exclusive producers and an `Option` parameter.
    pub struct Web {
        fn a(x: u8) -> bool { x & 1 == 1 }
        fn b(x: u8) -> bool { x & 2 == 2 }
        fn mode(x: u8) -> Speed { match x % 3 { 0 => Speed::Fast, 1 => Speed::Slow, _ => Speed::Off } }
        #[when(a)]
        fn inner(x: u8) -> bool { x & 4 == 4 }
        #[when(inner)]
        fn deep(x: u8) -> u32 { u32::from(x) * 2 }
        #[when(!inner)]
        fn shallow(x: u8) -> u32 { u32::from(x) + 1 }
        #[when(b)] #[node(output = v)]
        fn vb(x: u8) -> u32 { u32::from(x) }
        #[when(!b)] #[node(output = v)]
        fn vnb(x: u8) -> u32 { u32::from(x) + 100 }
        #[when(mode = Fast | Slow)]
        fn moving(v: u32) -> u32 { v * 3 }
        fn uses_deep(deep: &u32, v: u32) -> u32 { deep + v }
        #[when(mode = Off)]
        fn off(shallow: &u32) -> u32 { *shallow }
        fn total(deep: Option<&u32>, moving: Option<u32>, v: u32) -> u32 {
            deep.copied().unwrap_or(0) + moving.unwrap_or(0) + v
        }
    }
}

/// The nodes that started.
#[derive(Default)]
struct Started(Mutex<Vec<&'static str>>);

impl Callback for Started {
    fn on_node_start(&self, event: &NodeEvent) {
        self.0.lock().unwrap().push(event.node.name);
    }
}

/// Whether `when` (as `NodeInfo::when` writes it: literals joined by `&&`,
/// terms by `||`) holds for the gates' values.
fn holds(when: &str, gates: &BTreeMap<&str, String>) -> bool {
    if when.is_empty() {
        return true;
    }
    when.split(" || ").any(|term| {
        term.trim_matches(['(', ')']).split(" && ").all(|literal| {
            if let Some((gate, variants)) = literal.split_once(" = ") {
                return gates
                    .get(gate)
                    .is_some_and(|v| variants.split(" | ").any(|x| x == v));
            }
            match literal.strip_prefix('!') {
                Some(gate) => gates.get(gate).is_some_and(|v| v == "false"),
                None => gates.get(literal).is_some_and(|v| v == "true"),
            }
        })
    })
}

fn started(engine_of: impl Fn(Engine) -> Engine, x: u8) -> (Vec<&'static str>, WebOutputs) {
    let started = Arc::new(Started::default());
    let engine = engine_of(Engine::new().callback(started.clone()));
    let outputs = Web.run_with(&engine, WebInputs { x }).unwrap();
    let mut names = started.0.lock().unwrap().clone();
    names.sort_unstable();
    (names, outputs)
}

#[test]
fn exactly_the_nodes_whose_condition_holds_run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for x in 0..=u8::MAX {
        let (ran, outputs) = started(|engine| engine, x);
        // The gates' values in this run (absent when the gate did not run).
        let mut gates = BTreeMap::new();
        gates.insert("a", outputs.a.to_string());
        gates.insert("b", outputs.b.to_string());
        gates.insert("mode", format!("{:?}", outputs.mode));
        if let Some(inner) = outputs.inner {
            gates.insert("inner", inner.to_string());
        }
        let mut expected: Vec<&str> = (Web::NODES.iter())
            .filter(|node| holds(node.when, &gates))
            .map(|node| node.name)
            .collect();
        expected.sort_unstable();
        assert_eq!(ran, expected, "x = {x}, gates {gates:?}");
        // Every runner takes the same arms.
        let sequential = format!("{outputs:?}");
        let parallel = Web.run_parallel(WebInputs { x }).unwrap();
        assert_eq!(format!("{parallel:?}"), sequential, "x = {x}");
        let run_async = runtime.block_on(Web.run_async(WebInputs { x })).unwrap();
        assert_eq!(format!("{run_async:?}"), sequential, "x = {x}");
        let (ran_parallel, _) = started(|engine| engine.nodes(Mode::Parallel), x);
        assert_eq!(ran_parallel, expected, "x = {x}");
        let mapped = Web.map(vec![WebInputs { x }]);
        assert_eq!(
            format!("{:?}", mapped[0].as_ref().unwrap()),
            sequential,
            "x = {x}"
        );
    }
}

#[test]
fn the_conditions_are_the_analysis() {
    let when: BTreeMap<&str, &str> = Web::NODES
        .iter()
        .map(|node| (node.name, node.when))
        .collect();
    assert_eq!(when["deep"], "a && inner");
    assert_eq!(when["shallow"], "a && !inner");
    assert_eq!(when["uses_deep"], "a && inner");
    assert_eq!(when["off"], "a && !inner && mode = Off");
    assert_eq!(when["moving"], "mode = Fast | Slow");
    assert_eq!(when["total"], "");
}

mod counted {
    //! `Web` with async and blocking nodes: `run_async` is then the
    //! counter-based runner (a task per node, slots), which must take the
    //! same arms.
    use super::Speed;
    use hypernodes::prelude::*;

    pipeline! {
        /// `Web`, with `inner` and `vb` async and `shallow` blocking.
        pub struct WebTasks {
            fn a(x: u8) -> bool { x & 1 == 1 }
            fn b(x: u8) -> bool { x & 2 == 2 }
            fn mode(x: u8) -> Speed { match x % 3 { 0 => Speed::Fast, 1 => Speed::Slow, _ => Speed::Off } }
            #[when(a)]
            async fn inner(x: u8) -> bool { tokio::task::yield_now().await; x & 4 == 4 }
            #[when(inner)]
            fn deep(x: u8) -> u32 { u32::from(x) * 2 }
            #[when(!inner)] #[node(blocking)]
            fn shallow(x: u8) -> u32 { u32::from(x) + 1 }
            #[when(b)] #[node(output = v)]
            async fn vb(x: u8) -> u32 { tokio::task::yield_now().await; u32::from(x) }
            #[when(!b)] #[node(output = v)]
            fn vnb(x: u8) -> u32 { u32::from(x) + 100 }
            #[when(mode = Fast | Slow)]
            fn moving(v: u32) -> u32 { v * 3 }
            fn uses_deep(deep: &u32, v: u32) -> u32 { deep + v }
            #[when(mode = Off)]
            fn off(shallow: &u32) -> u32 { *shallow }
            fn total(deep: Option<&u32>, moving: Option<u32>, v: u32) -> u32 {
                deep.copied().unwrap_or(0) + moving.unwrap_or(0) + v
            }
        }
    }
}

#[test]
fn the_counter_based_async_runner_takes_the_same_arms() {
    use counted::{WebTasks, WebTasksInputs};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for x in 0..=u8::MAX {
        let (ran, outputs) = started(|engine| engine, x);
        let started = Arc::new(Started::default());
        let engine = Engine::new().callback(started.clone());
        let tasks = runtime
            .block_on(WebTasks.run_async_with(&engine, WebTasksInputs { x }))
            .unwrap();
        // The same values, field by field (the types differ by name only).
        let shown = format!("{tasks:?}").replacen("WebTasksOutputs", "WebOutputs", 1);
        assert_eq!(shown, format!("{outputs:?}"), "x = {x}");
        let mut names = started.0.lock().unwrap().clone();
        names.sort_unstable();
        assert_eq!(names, ran, "x = {x}");
    }
}
