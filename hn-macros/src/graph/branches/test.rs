//! Unit and property tests of the conditions of a graph with `#[when]`,
//! through [`analyze`].
//!
//! The property tests build random gated DAGs and run them by brute force:
//! for every assignment of values to the gates (an enum gate also takes a
//! variant that no `#[when]` names), the nodes run in order, each when its
//! gate exists with a value its literal accepts and every value it takes as
//! `T` or `&T` exists. The analysis must say exactly that.

use crate::graph::condition::{Arm, Condition, Literal, Value};
use crate::graph::test::node;
use crate::graph::{analyze, gate_link, GraphError, NodeSpec, Plan};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `spec` with `#[when(..)]` of `gate` on `arm`.
fn when(spec: NodeSpec, gate: &str, arm: Arm) -> NodeSpec {
    NodeSpec {
        when: Some(Literal {
            gate: gate.to_owned(),
            arm,
        }),
        ..spec
    }
}

/// `spec` taking `names` as `Option<..>`.
fn optional(mut spec: NodeSpec, names: &[&str]) -> NodeSpec {
    for param in &mut spec.params {
        param.optional |= names.contains(&param.name.as_str());
    }
    spec
}

fn condition(gate: &str, arm: Arm) -> Condition {
    Condition::literal(&Literal {
        gate: gate.to_owned(),
        arm,
    })
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn plan(nodes: &[NodeSpec], requested: Option<&[&str]>) -> Plan {
    let requested = requested.map(strings);
    analyze(nodes, requested.as_deref())
        .unwrap_or_else(|errors| panic!("unexpected errors: {errors:?}"))
}

fn errors(nodes: &[NodeSpec]) -> Vec<GraphError> {
    match analyze(nodes, None) {
        Ok(plan) => panic!("expected errors, got {plan:?}"),
        Err(errors) => errors,
    }
}

/// Each value's condition as text (`always` for a total one).
fn values(plan: &Plan) -> BTreeMap<String, String> {
    let branches = plan.branches.as_ref().expect("a gated plan");
    (branches.values.iter())
        .map(|(name, exists)| {
            let text = if exists.is_total() {
                "always".to_owned()
            } else {
                exists.to_string()
            };
            (name.clone(), text)
        })
        .collect()
}

fn runs(plan: &Plan, node: usize) -> String {
    plan.branches.as_ref().expect("a gated plan").runs[node].to_string()
}

/// The pipeline of the API's example: `needs_search` and `tone` decide;
/// `docs` and `grounded` run on search, `direct` without (both produce
/// `response`), `refusal` on `tone = Refuse`, `render` always.
fn answer() -> Vec<NodeSpec> {
    vec![
        node("needs_search", &["&question"], &["needs_search"]),
        node("tone", &["&question"], &["tone"]),
        when(
            node("docs", &["&question"], &["docs"]),
            "needs_search",
            Arm::Bool(true),
        ),
        when(
            node("grounded", &["&question", "&docs"], &["response"]),
            "needs_search",
            Arm::Bool(true),
        ),
        when(
            node("direct", &["&question"], &["response"]),
            "needs_search",
            Arm::Bool(false),
        ),
        when(
            node("refusal", &["&question"], &["refusal"]),
            "tone",
            Arm::variants(["Refuse"]),
        ),
        node("render", &["&response"], &["render"]),
    ]
}

// ---------------------------------------------------------------------------
// Totality and inherited conditions
// ---------------------------------------------------------------------------

/// In a run whose nodes run at once, the node that takes a gate by value
/// waits for the nodes the gate gates (they read it), and a node taking a
/// produced value as `Option<&T>` borrows it.
#[test]
fn gate_readers_and_optional_borrowers_come_before_the_mover() {
    let nodes = vec![
        node("flag", &["x"], &["flag"]),
        when(node("gated", &["x"], &["gated"]), "flag", Arm::Bool(true)),
        node("value", &["x"], &["value"]),
        optional(node("peek", &["&value"], &["peek"]), &["value"]),
        node("consume", &["flag", "value"], &["consume"]),
    ];
    // Neither `flag` nor `value` is returned: `consume` moves them.
    let plan = plan(&nodes, Some(&["consume", "gated", "peek"]));
    let step = |name: &str| {
        (plan.steps.iter())
            .position(|step| nodes[step.node].name == name)
            .unwrap()
    };
    let dependencies = plan.dependencies(step("consume"));
    assert!(dependencies.contains(&step("gated")), "{dependencies:?}");
    assert!(dependencies.contains(&step("peek")), "{dependencies:?}");
    let peek = &plan.steps[step("peek")];
    assert_eq!(peek.args[0].1, crate::graph::Passing::Borrow);
}

#[test]
fn the_answer_pipeline_has_total_and_partial_values() {
    let plan = plan(&answer(), None);
    let expected: BTreeMap<String, String> = [
        ("needs_search", "always"),
        ("tone", "always"),
        ("docs", "needs_search"),
        ("response", "always"),
        ("refusal", "tone = Refuse"),
        ("render", "always"),
    ]
    .into_iter()
    .map(|(name, exists)| (name.to_owned(), exists.to_owned()))
    .collect();
    assert_eq!(values(&plan), expected);
    assert_eq!(runs(&plan, 3), "needs_search");
    assert_eq!(runs(&plan, 4), "!needs_search");
    assert_eq!(runs(&plan, 6), "always");
    // Each name is returned once.
    let returned: Vec<&str> = plan
        .returned
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        returned,
        [
            "needs_search",
            "tone",
            "docs",
            "response",
            "refusal",
            "render"
        ]
    );
}

#[test]
fn a_pipeline_without_when_has_no_branches() {
    let nodes = [node("a", &["&x"], &["a"]), node("b", &["&a"], &["b"])];
    assert_eq!(plan(&nodes, None).branches, None);
}

#[test]
fn a_node_taking_a_partial_value_inherits_its_condition() {
    let mut nodes = answer();
    nodes.push(node("summary", &["&docs"], &["summary"]));
    nodes.push(optional(node("maybe", &["docs"], &["maybe"]), &["docs"]));
    let plan = plan(&nodes, None);
    assert_eq!(runs(&plan, 7), "needs_search", "takes `&docs`");
    assert_eq!(runs(&plan, 8), "always", "takes `Option<docs>`");
    assert_eq!(values(&plan)["summary"], "needs_search");
}

#[test]
fn a_conditional_gate_passes_its_condition_on() {
    // `deep` is decided only on search; its arms cover search, not every run.
    let nodes = [
        node("needs_search", &[], &["needs_search"]),
        when(
            node("deep", &[], &["deep"]),
            "needs_search",
            Arm::Bool(true),
        ),
        when(node("long", &[], &["docs"]), "deep", Arm::Bool(true)),
        when(node("short", &[], &["docs"]), "deep", Arm::Bool(false)),
        when(
            node("none", &[], &["docs"]),
            "needs_search",
            Arm::Bool(false),
        ),
    ];
    let plan = plan(&nodes[..4], None);
    assert_eq!(runs(&plan, 2), "deep && needs_search");
    assert_eq!(values(&plan)["docs"], "needs_search");
    let plan = super::super::analyze(&nodes, None).expect("exclusive producers");
    assert_eq!(
        values(&plan)["docs"],
        "always",
        "the third arm completes it"
    );
}

#[test]
fn enum_arms_exclude_each_other_but_do_not_cover() {
    let nodes = [
        node("tone", &[], &["tone"]),
        when(
            node("formal", &[], &["text"]),
            "tone",
            Arm::variants(["Formal"]),
        ),
        when(
            node("casual", &[], &["text"]),
            "tone",
            Arm::variants(["Casual", "Slang"]),
        ),
    ];
    let plan = plan(&nodes, None);
    assert_eq!(values(&plan)["text"], "tone = Casual | Formal | Slang");
    // With an arm that has no restriction on `tone`, some producer runs in
    // every run, but it overlaps the others.
    let mut with_default = nodes.to_vec();
    with_default.push(node("default", &[], &["text"]));
    assert!(matches!(
        errors(&with_default)[..],
        [GraphError::OverlappingProducers {
            first: (1, 0),
            second: (3, 0),
            ..
        }]
    ));
}

#[test]
fn a_gate_no_node_produces_is_a_free_value() {
    let nodes = [when(node("a", &[], &["a"]), "flag", Arm::Bool(true))];
    assert_eq!(values(&plan(&nodes, None))["a"], "flag");
}

// ---------------------------------------------------------------------------
// Producers of one name
// ---------------------------------------------------------------------------

#[test]
fn producers_that_can_run_together_are_reported_with_their_conditions() {
    let mut nodes = answer();
    nodes[4].when = None;
    assert_eq!(
        errors(&nodes),
        [GraphError::OverlappingProducers {
            first: (3, 0),
            second: (4, 0),
            runs: Box::new((
                condition("needs_search", Arm::Bool(true)),
                Condition::always()
            )),
        }]
    );
}

#[test]
fn unconditional_producers_are_duplicates_as_without_when() {
    let mut nodes = answer();
    nodes.push(node("again", &[], &["render"]));
    assert_eq!(
        errors(&nodes),
        [GraphError::DuplicateOutput {
            first: (6, 0),
            second: (7, 0),
        }]
    );
}

#[test]
fn an_inherited_condition_makes_producers_exclusive() {
    // `grounded` runs on search because it takes `docs`; `direct` does not.
    let mut nodes = answer();
    nodes[3].when = None;
    let plan = plan(&nodes, None);
    assert_eq!(runs(&plan, 3), "needs_search");
    assert_eq!(values(&plan)["response"], "always");
}

#[test]
fn a_third_producer_is_paired_with_the_first_it_overlaps() {
    let mut nodes = answer();
    nodes.push(when(
        node("late", &[], &["response"]),
        "needs_search",
        Arm::Bool(false),
    ));
    assert!(matches!(
        errors(&nodes)[..],
        [GraphError::OverlappingProducers {
            first: (4, 0),
            second: (7, 0),
            ..
        }]
    ));
}

// ---------------------------------------------------------------------------
// Gates in the graph
// ---------------------------------------------------------------------------

#[test]
fn a_node_gated_by_its_own_output_is_an_error() {
    let nodes = [when(node("flag", &[], &["flag"]), "flag", Arm::Bool(true))];
    assert_eq!(errors(&nodes), [GraphError::SelfGate { node: 0 }]);
}

#[test]
fn a_gate_closes_cycles() {
    // `a` waits for its gate `g`, which takes `a` (even as an `Option`).
    let nodes = [
        when(node("a", &["&x"], &["a"]), "g", Arm::Bool(true)),
        optional(node("g", &["a"], &["g"]), &["a"]),
    ];
    let errors = errors(&nodes);
    let [GraphError::Cycle {
        nodes: cycle,
        params,
    }] = &errors[..]
    else {
        panic!("one cycle: {errors:?}");
    };
    assert_eq!(cycle, &[0, 1]);
    assert_eq!(params, &[gate_link(&nodes[0]), 0]);
}

#[test]
fn with_a_cycle_conditional_duplicates_wait_for_it() {
    let mut nodes = answer();
    nodes[4].when = None;
    nodes.push(node("x", &["&y"], &["x"]));
    nodes.push(node("y", &["&x"], &["y"]));
    assert!(matches!(errors(&nodes)[..], [GraphError::Cycle { .. }]));
}

#[test]
fn a_node_whose_conditions_exclude_each_other_never_runs() {
    let mut nodes = answer();
    // Runs without search, but takes `docs`, which exists only on search.
    nodes.push(when(
        node("late", &["&docs"], &["late"]),
        "needs_search",
        Arm::Bool(false),
    ));
    // Never runs either, because `late` never does: not reported.
    nodes.push(node("later", &["&late"], &["later"]));
    assert_eq!(
        errors(&nodes),
        [GraphError::NeverRuns {
            node: 7,
            needs: vec![(
                "docs".to_owned(),
                condition("needs_search", Arm::Bool(true))
            )],
        }]
    );
}

#[test]
fn two_values_that_never_exist_together_stop_a_node() {
    let mut nodes = answer();
    nodes.push(when(
        node("other", &[], &["other"]),
        "needs_search",
        Arm::Bool(false),
    ));
    nodes.push(node("both", &["&docs", "&other"], &["both"]));
    assert!(
        matches!(&errors(&nodes)[..], [GraphError::NeverRuns { node: 8, needs }] if needs.len() == 2)
    );
    // Taking one as an `Option` lets it run.
    let last = nodes.len() - 1;
    nodes[last] = optional(nodes[last].clone(), &["other"]);
    assert_eq!(runs(&plan(&nodes, None), last), "needs_search");
}

// ---------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------

#[test]
fn pruning_keeps_every_producer_and_the_gates() {
    let plan = plan(&answer(), Some(&["render"]));
    let order: Vec<usize> = plan.order().collect();
    assert_eq!(
        order,
        [0, 2, 3, 4, 6],
        "both arms of `response` and the gate they need"
    );
    assert_eq!(values(&plan)["response"], "always");
    assert!(!values(&plan).contains_key("refusal"));
    let plan = super::super::analyze(&answer(), Some(&strings(&["docs"]))).expect("a plan");
    assert_eq!(plan.order().collect::<Vec<_>>(), [0, 2]);
}

// ---------------------------------------------------------------------------
// Property tests: brute force on random gated DAGs
// ---------------------------------------------------------------------------

/// The enum variants a `#[when]` may name; an enum gate also takes `Other`.
const VARIANTS: [&str; 3] = ["A", "B", "C"];

/// One node of a random gated DAG, before names: whether it is a gate (and
/// of which kind, and whether it reuses an earlier gate's name), its
/// `#[when]` on an earlier gate, what it takes from earlier nodes, and
/// whether it produces an earlier node's value instead of its own (with
/// `mirror`, on the other arms of that node's gate, so that accepted
/// graphs with several producers of a name are common).
#[derive(Clone, Debug)]
struct RawNode {
    /// `Some(true)`: a bool gate; `Some(false)`: an enum gate.
    gate: Option<bool>,
    when: Option<(Index, bool, Vec<bool>)>,
    takes: Vec<(Index, bool)>,
    reuse: Option<Index>,
    mirror: bool,
}

fn raw_node() -> impl Strategy<Value = RawNode> {
    (
        prop_oneof![3 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))],
        prop::option::weighted(
            0.7,
            (
                any::<Index>(),
                any::<bool>(),
                prop::collection::vec(any::<bool>(), 3),
            ),
        ),
        prop::collection::vec((any::<Index>(), any::<bool>()), 0..3),
        prop::option::weighted(0.4, any::<Index>()),
        any::<bool>(),
    )
        .prop_map(|(gate, when, takes, reuse, mirror)| RawNode {
            gate,
            when,
            takes,
            reuse,
            mirror,
        })
}

/// A gated DAG in declaration order (topological), and each gate's kind
/// (`true`: bool). Node `i` is `n{i}`; a gate produces `g{i}` (or an
/// earlier gate's name of its kind), another node `v{i}` (or an earlier
/// value's name). A name is produced again only while no node has taken
/// it, so that every consumer comes after every producer.
#[derive(Clone, Debug)]
struct Gated {
    nodes: Vec<NodeSpec>,
    gates: BTreeMap<String, bool>,
}

fn gated_dag() -> impl Strategy<Value = Gated> {
    prop::collection::vec(raw_node(), 1..=8).prop_map(|raw| {
        let mut nodes: Vec<NodeSpec> = Vec::new();
        let mut gates: BTreeMap<String, bool> = BTreeMap::new();
        let mut values: Vec<String> = Vec::new();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for (i, raw) in raw.iter().enumerate() {
            let mut spec = node(&format!("n{i}"), &["&in"], &[]);
            let output = match raw.gate {
                Some(kind) => {
                    let same: Vec<&String> = (gates.iter())
                        .filter(|(name, k)| **k == kind && !taken.contains(*name))
                        .map(|(name, _)| name)
                        .collect();
                    match (&raw.reuse, same.is_empty()) {
                        (Some(pick), false) => same[pick.index(same.len())].clone(),
                        _ => format!("g{i}"),
                    }
                }
                None => {
                    let free: Vec<&String> = values
                        .iter()
                        .filter(|name| !taken.contains(*name))
                        .collect();
                    match (&raw.reuse, free.is_empty()) {
                        (Some(pick), false) => free[pick.index(free.len())].clone(),
                        _ => format!("v{i}"),
                    }
                }
            };
            let names: Vec<String> = gates.keys().chain(&values).cloned().collect();
            if !names.is_empty() {
                for (pick, optional) in &raw.takes {
                    let name = names[pick.index(names.len())].clone();
                    if name != output && !spec.params.iter().any(|param| param.name == name) {
                        spec.params.push(crate::graph::ParamSpec {
                            name,
                            by_value: false,
                            optional: *optional,
                        });
                    }
                }
            }
            if let (Some((pick, arm, variants)), false) = (&raw.when, gates.is_empty()) {
                let (gate, kind) = gates.iter().nth(pick.index(gates.len())).expect("a gate");
                if *gate != output {
                    let arm = if *kind {
                        Arm::Bool(*arm)
                    } else {
                        let mut names: Vec<&str> = (VARIANTS.iter().zip(variants))
                            .filter(|(_, on)| **on)
                            .map(|(name, _)| *name)
                            .collect();
                        if names.is_empty() {
                            names.push(VARIANTS[usize::from(*arm)]);
                        }
                        Arm::variants(names)
                    };
                    spec.when = Some(Literal {
                        gate: gate.clone(),
                        arm,
                    });
                }
            }
            let first = nodes
                .iter()
                .find(|earlier| earlier.outputs == [output.clone()]);
            if let (true, Some(Literal { gate, arm })) =
                (raw.mirror, first.and_then(|first| first.when.as_ref()))
            {
                let other = match arm {
                    Arm::Bool(arm) => Some(Arm::Bool(!arm)),
                    Arm::Variants(names) => {
                        let rest: Vec<&str> = VARIANTS
                            .iter()
                            .copied()
                            .filter(|name| !names.contains(*name))
                            .collect();
                        (!rest.is_empty()).then(|| Arm::variants(rest))
                    }
                };
                if let Some(arm) = other {
                    spec.when = Some(Literal {
                        gate: gate.clone(),
                        arm,
                    });
                }
            }
            taken.extend(spec.params.iter().map(|param| param.name.clone()));
            taken.extend(spec.when.iter().map(|when| when.gate.clone()));
            spec.outputs = vec![output.clone()];
            match raw.gate {
                Some(kind) => {
                    gates.insert(output, kind);
                }
                None if !values.contains(&output) => values.push(output),
                None => {}
            }
            nodes.push(spec);
        }
        Gated { nodes, gates }
    })
}

/// Every assignment of values to the gates.
fn assignments(gates: &BTreeMap<String, bool>) -> Vec<BTreeMap<String, Value>> {
    let mut all = vec![BTreeMap::new()];
    for (gate, &kind) in gates {
        let values: Vec<Value> = if kind {
            vec![Value::Bool(false), Value::Bool(true)]
        } else {
            (VARIANTS.iter().chain(&["Other"]))
                .map(|name| Value::Variant((*name).to_owned()))
                .collect()
        };
        all = (all.into_iter())
            .flat_map(|assignment| {
                values.iter().map(move |value| {
                    let mut assignment = assignment.clone();
                    assignment.insert(gate.clone(), value.clone());
                    assignment
                })
            })
            .collect();
    }
    all
}

/// Which nodes run under `assignment`, running them in declaration order
/// (a topological order here).
fn simulate(nodes: &[NodeSpec], assignment: &BTreeMap<String, Value>) -> Vec<bool> {
    let mut exists: BTreeSet<&str> = BTreeSet::new();
    let produced: BTreeSet<&str> = nodes
        .iter()
        .flat_map(|node| node.outputs.iter().map(String::as_str))
        .collect();
    let mut ran = Vec::new();
    for spec in nodes {
        let present = |name: &str| !produced.contains(name) || exists.contains(name);
        let gate_holds = spec.when.as_ref().is_none_or(|when| {
            present(&when.gate)
                && match (&assignment[&when.gate], &when.arm) {
                    (Value::Bool(value), Arm::Bool(wanted)) => value == wanted,
                    (Value::Variant(value), Arm::Variants(wanted)) => wanted.contains(value),
                    _ => false,
                }
        });
        let runs = gate_holds
            && spec
                .params
                .iter()
                .all(|param| param.optional || present(&param.name));
        if runs {
            exists.extend(spec.outputs.iter().map(String::as_str));
        }
        ran.push(runs);
    }
    ran
}

fn holds(condition: &Condition, assignment: &BTreeMap<String, Value>) -> bool {
    condition.holds(|gate| assignment.get(gate).cloned())
}

proptest! {
    // Graphs are small and a few percent have several producers of a name
    // that never meet: more cases than the default.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn conditions_say_exactly_when_nodes_run(dag in gated_dag()) {
        let Gated { nodes, gates } = &dag;
        let producers = super::super::producers(nodes);
        let order: Vec<usize> = (0..nodes.len()).collect();
        let runs = super::runs(nodes, &producers, &order);
        let runs_of: Vec<Vec<bool>> = assignments(gates).iter().map(|assignment| simulate(nodes, assignment)).collect();
        for (assignment, ran) in assignments(gates).iter().zip(&runs_of) {
            for (node, &ran) in ran.iter().enumerate() {
                prop_assert_eq!(holds(&runs[node], assignment), ran, "node {} ({}) under {:?}", node, runs[node], assignment);
            }
        }
        // Exclusion is symmetric, and exact.
        for a in 0..nodes.len() {
            for b in 0..nodes.len() {
                prop_assert_eq!(runs[a].excludes(&runs[b]), runs[b].excludes(&runs[a]));
                let together = runs_of.iter().any(|ran| ran[a] && ran[b]);
                prop_assert_eq!(runs[a].excludes(&runs[b]), !together, "nodes {} and {}", a, b);
            }
        }
    }

    #[test]
    fn the_analysis_accepts_exactly_the_graphs_whose_producers_never_meet(dag in gated_dag()) {
        let Gated { nodes, gates } = &dag;
        let runs_of: Vec<Vec<bool>> = assignments(gates).iter().map(|assignment| simulate(nodes, assignment)).collect();
        let producers = super::super::producers(nodes);
        let meet = (producers.values()).any(|from| {
            from.iter().enumerate().any(|(i, &(a, _))| from[..i].iter().any(|&(b, _)| runs_of.iter().any(|ran| ran[a] && ran[b])))
        });
        let idle = (0..nodes.len()).any(|node| runs_of.iter().all(|ran| !ran[node]));
        match analyze(nodes, None) {
            Ok(plan) => {
                prop_assert!(!meet && !idle, "accepted, but producers meet ({}) or a node never runs ({})", meet, idle);
                let Some(branches) = plan.branches else {
                    prop_assert!(nodes.iter().all(|node| node.when.is_none()));
                    return Ok(());
                };
                for (name, from) in &producers {
                    let total = runs_of.iter().all(|ran| from.iter().any(|&(node, _)| ran[node]));
                    prop_assert_eq!(branches.values[name].is_total(), total, "`{}` exists when {}", name, branches.values[name]);
                }
            }
            Err(errors) => {
                prop_assert!(meet || idle, "rejected: {:?}", errors);
                for error in &errors {
                    prop_assert!(
                        matches!(error, GraphError::OverlappingProducers { .. } | GraphError::DuplicateOutput { .. } | GraphError::NeverRuns { .. }),
                        "{:?}", error
                    );
                }
            }
        }
    }

    #[test]
    fn pruning_keeps_every_value_as_total_as_it_was(dag in gated_dag(), pick in prop::collection::vec(any::<Index>(), 1..3)) {
        let Gated { nodes, .. } = &dag;
        let Ok(full) = analyze(nodes, None) else { return Ok(()); };
        let names: Vec<String> = full.returned.iter().map(|(name, _)| name.clone()).collect();
        let mut requested: Vec<String> = pick.iter().map(|pick| names[pick.index(names.len())].clone()).collect();
        requested.sort();
        requested.dedup();
        let pruned = analyze(nodes, Some(&requested)).expect("a subset of the outputs");
        let (Some(full), Some(pruned)) = (full.branches, pruned.branches) else {
            return Ok(());
        };
        for name in &requested {
            prop_assert_eq!(full.values[name].is_total(), pruned.values[name].is_total(), "`{}`", name);
        }
    }
}
