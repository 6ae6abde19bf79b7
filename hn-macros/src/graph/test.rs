//! Unit and property tests of the graph analysis.
//!
//! Nodes are written compactly with [`node`]: `node("f", &["&a", "b"],
//! &["out"])` is `fn f(a: &A, b: B) -> Out`. The property tests build random
//! graphs whose node `i` is named `n{i}`, produces `v{i}_{k}` and consumes
//! other nodes' outputs and the inputs `in{k}`; their checks work on the
//! specs alone, against the documented meaning of [`Plan`] and
//! [`GraphError`].

use super::{
    analyze, closest, GraphError, NodeSpec, ParamSpec, Passing, Plan, PlanInput, Source, Step,
};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use GraphError::{
    Cycle, DuplicateNode, DuplicateOutput, DuplicateRequest, InputRequested, SelfLoop,
    UnknownOutput,
};
use Passing::{Borrow, Clone, Move};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A node; a parameter written `&name` is taken by reference.
pub(super) fn node(name: &str, params: &[&str], outputs: &[&str]) -> NodeSpec {
    NodeSpec {
        name: name.to_owned(),
        params: params
            .iter()
            .map(|param| match param.strip_prefix('&') {
                Some(name) => ParamSpec {
                    name: name.to_owned(),
                    by_value: false,
                    optional: false,
                },
                None => ParamSpec {
                    name: (*param).to_owned(),
                    by_value: true,
                    optional: false,
                },
            })
            .collect(),
        outputs: strings(outputs),
        always: false,
        when: None,
    }
}

/// A node that always runs (its output is `()`).
fn always(name: &str, params: &[&str]) -> NodeSpec {
    NodeSpec {
        always: true,
        ..node(name, params, &[name])
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The plan, failing the test with the errors if there are any.
fn plan(nodes: &[NodeSpec], requested: Option<&[&str]>) -> Plan {
    let requested = requested.map(strings);
    analyze(nodes, requested.as_deref())
        .unwrap_or_else(|errors| panic!("unexpected errors: {errors:?}"))
}

/// The errors, failing the test if the graph is accepted.
fn errors(nodes: &[NodeSpec], requested: Option<&[&str]>) -> Vec<GraphError> {
    let requested = requested.map(strings);
    match analyze(nodes, requested.as_deref()) {
        Ok(plan) => panic!("expected errors, got {plan:?}"),
        Err(errors) => errors,
    }
}

fn out(node: usize, output: usize) -> Source {
    Source::Node { node, output }
}

fn input(name: &str, consumers: &[(usize, usize)]) -> PlanInput {
    PlanInput {
        name: name.to_owned(),
        consumers: consumers.to_vec(),
    }
}

fn returned(list: &[(&str, Source)]) -> Vec<(String, Source)> {
    list.iter()
        .map(|&(name, source)| (name.to_owned(), source))
        .collect()
}

fn order(plan: &Plan) -> Vec<usize> {
    plan.order().collect()
}

/// The step that runs `node`.
fn step(plan: &Plan, node: usize) -> &Step {
    plan.steps
        .iter()
        .find(|step| step.node == node)
        .unwrap_or_else(|| panic!("node {node} does not run: {plan:?}"))
}

/// How each argument of `node` is passed.
fn passing(plan: &Plan, node: usize) -> Vec<Passing> {
    step(plan, node)
        .args
        .iter()
        .map(|&(_, passing)| passing)
        .collect()
}

/// `double(x: &i32) -> doubled`, `add_one(doubled: i32) -> result`.
fn chain() -> Vec<NodeSpec> {
    vec![
        node("double", &["&x"], &["doubled"]),
        node("add_one", &["doubled"], &["result"]),
    ]
}

/// `make() -> v`, then one consumer per entry of `params`, named `c{i}` and
/// producing `o{i}`.
fn fan_out(params: &[&str]) -> Vec<NodeSpec> {
    let mut nodes = vec![node("make", &[], &["v"])];
    for (i, param) in params.iter().enumerate() {
        nodes.push(node(&format!("c{i}"), &[param], &[&format!("o{i}")]));
    }
    nodes
}

// ---------------------------------------------------------------------------
// The two-node chain
// ---------------------------------------------------------------------------

#[test]
fn chain_returns_every_output_in_order() {
    assert_eq!(
        plan(&chain(), None),
        Plan {
            steps: vec![
                Step {
                    node: 0,
                    args: vec![(Source::Input(0), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![Source::Input(0)],
                    gate: None,
                    waits: Vec::new(),
                },
                // `doubled` is returned too, so `add_one` gets a clone.
                Step {
                    node: 1,
                    args: vec![(out(0, 0), Clone)],
                    used_outputs: vec![true],
                    drops_after: vec![],
                    gate: None,
                    waits: Vec::new(),
                },
            ],
            inputs: vec![input("x", &[(0, 0)])],
            returned: returned(&[("doubled", out(0, 0)), ("result", out(1, 0))]),
            branches: None,
        }
    );
}

#[test]
fn chain_with_requested_output_moves_the_intermediate() {
    assert_eq!(
        plan(&chain(), Some(&["result"])),
        Plan {
            steps: vec![
                Step {
                    node: 0,
                    args: vec![(Source::Input(0), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![Source::Input(0)],
                    gate: None,
                    waits: Vec::new(),
                },
                Step {
                    node: 1,
                    args: vec![(out(0, 0), Move)],
                    used_outputs: vec![true],
                    drops_after: vec![],
                    gate: None,
                    waits: Vec::new(),
                },
            ],
            inputs: vec![input("x", &[(0, 0)])],
            returned: returned(&[("result", out(1, 0))]),
            branches: None,
        }
    );
}

#[test]
fn chain_with_by_value_input_moves_it() {
    let nodes = [
        node("double", &["x"], &["doubled"]),
        node("add_one", &["doubled"], &["result"]),
    ];
    let plan = plan(&nodes, None);
    assert_eq!(
        plan.steps[0],
        Step {
            node: 0,
            args: vec![(Source::Input(0), Move)],
            used_outputs: vec![true],
            drops_after: vec![],
            gate: None,
            waits: Vec::new(),
        }
    );
    assert_eq!(passing(&plan, 1), [Clone]);
}

#[test]
fn chain_declared_backwards_runs_producer_first() {
    let nodes = [
        node("add_one", &["doubled"], &["result"]),
        node("double", &["&x"], &["doubled"]),
    ];
    let plan = plan(&nodes, None);
    assert_eq!(order(&plan), [1, 0]);
    assert_eq!(
        plan.returned,
        returned(&[("doubled", out(1, 0)), ("result", out(0, 0))])
    );
    assert_eq!(plan.inputs, [input("x", &[(1, 0)])]);
    assert_eq!(step(&plan, 0).args, [(out(1, 0), Clone)]);
}

#[test]
fn empty_pipeline_is_an_empty_plan() {
    assert_eq!(
        plan(&[], None),
        Plan {
            steps: vec![],
            inputs: vec![],
            returned: vec![],
            branches: None,
        }
    );
}

// ---------------------------------------------------------------------------
// Deterministic order
// ---------------------------------------------------------------------------

#[test]
fn independent_nodes_run_in_declaration_order() {
    let nodes = [
        node("c", &[], &["c"]),
        node("a", &["&i"], &["a"]),
        node("b", &[], &["b"]),
    ];
    assert_eq!(order(&plan(&nodes, None)), [0, 1, 2]);
}

#[test]
fn consumer_declared_before_its_producer_runs_after_it() {
    let nodes = [
        node("user", &["&y"], &["z"]),
        node("other", &[], &["w"]),
        node("producer", &[], &["y"]),
    ];
    assert_eq!(order(&plan(&nodes, None)), [1, 2, 0]);
}

#[test]
fn first_declared_ready_node_goes_first() {
    // `b` becomes ready after `a` and is declared before `d`: the smallest
    // ready index runs next, not the next node of a depth-first walk.
    let nodes = [
        node("a", &[], &["a_o"]),
        node("c", &["&b_o", "&a_o"], &["c_o"]),
        node("b", &["&a_o"], &["b_o"]),
        node("d", &[], &["d_o"]),
    ];
    assert_eq!(order(&plan(&nodes, None)), [0, 2, 1, 3]);
}

#[test]
fn consuming_two_outputs_of_one_producer() {
    let nodes = [
        node("use", &["&a", "b"], &["r"]),
        node("split", &[], &["a", "b"]),
    ];
    let plan = plan(&nodes, Some(&["r"]));
    assert_eq!(order(&plan), [1, 0]);
    assert_eq!(
        step(&plan, 0).args,
        [(out(1, 0), Borrow), (out(1, 1), Move)]
    );
    assert_eq!(step(&plan, 0).drops_after, [out(1, 0)]);
}

// ---------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------

/// `load(&path) -> text`, `count(&text) -> count`,
/// `shout(&text, &loud) -> shouted`, `unrelated(&other) -> u`.
fn text_pipeline() -> Vec<NodeSpec> {
    vec![
        node("load", &["&path"], &["text"]),
        node("count", &["&text"], &["count"]),
        node("shout", &["&text", "&loud"], &["shouted"]),
        node("unrelated", &["&other"], &["u"]),
    ]
}

#[test]
fn requested_outputs_prune_unneeded_nodes_and_inputs() {
    assert_eq!(
        plan(&text_pipeline(), Some(&["count"])),
        Plan {
            steps: vec![
                Step {
                    node: 0,
                    args: vec![(Source::Input(0), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![Source::Input(0)],
                    gate: None,
                    waits: Vec::new(),
                },
                // `shout` does not run, so `count` is the last use of `text`.
                Step {
                    node: 1,
                    args: vec![(out(0, 0), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![out(0, 0)],
                    gate: None,
                    waits: Vec::new(),
                },
            ],
            inputs: vec![input("path", &[(0, 0)])],
            returned: returned(&[("count", out(1, 0))]),
            branches: None,
        }
    );
}

#[test]
fn pruning_keeps_the_inputs_of_kept_nodes() {
    let plan = plan(&text_pipeline(), Some(&["shouted"]));
    assert_eq!(order(&plan), [0, 2]);
    assert_eq!(
        plan.inputs,
        [input("path", &[(0, 0)]), input("loud", &[(2, 1)])]
    );
    assert_eq!(plan.returned, returned(&[("shouted", out(2, 0))]));
}

#[test]
fn requested_order_is_kept_in_returned() {
    let plan = plan(&text_pipeline(), Some(&["u", "count"]));
    assert_eq!(order(&plan), [0, 1, 3]);
    assert_eq!(
        plan.returned,
        returned(&[("u", out(3, 0)), ("count", out(1, 0))])
    );
    assert_eq!(
        plan.inputs,
        [input("path", &[(0, 0)]), input("other", &[(3, 0)])]
    );
}

#[test]
fn output_consumed_only_by_a_pruned_node_is_unused() {
    let nodes = [
        node("split", &["&line"], &["head", "tail"]),
        node("first", &["head"], &["first"]),
        node("rest", &["tail"], &["rest"]),
    ];
    let plan = plan(&nodes, Some(&["first"]));
    assert_eq!(order(&plan), [0, 1]);
    assert_eq!(step(&plan, 0).used_outputs, [true, false]);
    assert_eq!(step(&plan, 1).args, [(out(0, 0), Move)]);
}

// ---------------------------------------------------------------------------
// Last-use analysis
// ---------------------------------------------------------------------------

#[test]
fn by_value_uses_clone_until_the_last_which_moves() {
    let plan = plan(&fan_out(&["v", "v", "v"]), Some(&["o0", "o1", "o2"]));
    assert_eq!(order(&plan), [0, 1, 2, 3]);
    assert_eq!(
        [passing(&plan, 1), passing(&plan, 2), passing(&plan, 3)],
        [[Clone], [Clone], [Move]]
    );
    assert!(
        plan.steps.iter().all(|step| step.drops_after.is_empty()),
        "{plan:?}"
    );
}

#[test]
fn returned_value_is_cloned_never_moved() {
    let plan = plan(&fan_out(&["v", "v", "v"]), Some(&["o0", "v", "o1", "o2"]));
    assert_eq!(
        [passing(&plan, 1), passing(&plan, 2), passing(&plan, 3)],
        [[Clone], [Clone], [Clone]]
    );
    assert_eq!(
        plan.returned,
        returned(&[
            ("o0", out(1, 0)),
            ("v", out(0, 0)),
            ("o1", out(2, 0)),
            ("o2", out(3, 0))
        ])
    );
}

#[test]
fn returned_value_borrowed_last_is_not_dropped() {
    let plan = plan(&fan_out(&["v", "&v"]), Some(&["v", "o0", "o1"]));
    assert_eq!([passing(&plan, 1), passing(&plan, 2)], [[Clone], [Borrow]]);
    assert!(
        plan.steps.iter().all(|step| step.drops_after.is_empty()),
        "{plan:?}"
    );
}

#[test]
fn value_borrowed_last_is_dropped_after_that_step() {
    let plan = plan(&fan_out(&["v", "&v"]), Some(&["o0", "o1"]));
    assert_eq!([passing(&plan, 1), passing(&plan, 2)], [[Clone], [Borrow]]);
    assert_eq!(step(&plan, 0).drops_after, []);
    assert_eq!(step(&plan, 1).drops_after, []);
    assert_eq!(step(&plan, 2).drops_after, [out(0, 0)]);
}

#[test]
fn borrow_before_the_move_is_not_a_drop() {
    let plan = plan(&fan_out(&["&v", "v"]), Some(&["o0", "o1"]));
    assert_eq!([passing(&plan, 1), passing(&plan, 2)], [[Borrow], [Move]]);
    assert!(
        plan.steps.iter().all(|step| step.drops_after.is_empty()),
        "{plan:?}"
    );
}

#[test]
fn unused_outputs_of_a_multi_output_node() {
    let nodes = [
        node("split", &[], &["a", "b", "c"]),
        node("use_a", &["a"], &["r"]),
    ];
    assert_eq!(
        step(&plan(&nodes, Some(&["r"])), 0).used_outputs,
        [true, false, false]
    );
    assert_eq!(
        step(&plan(&nodes, Some(&["r", "c"])), 0).used_outputs,
        [true, false, true]
    );
    // Without `#[outputs]` everything is returned, hence used.
    assert_eq!(
        step(&plan(&nodes, None), 0).used_outputs,
        [true, true, true]
    );
}

#[test]
fn inputs_in_order_of_first_use_with_their_consumers() {
    let nodes = [
        node("late", &["&o1", "&z"], &["o2"]),
        node("early", &["&y", "x"], &["o1"]),
        node("other", &["y", "&x"], &["o3"]),
    ];
    assert_eq!(
        plan(&nodes, Some(&["o2", "o3"])),
        Plan {
            steps: vec![
                Step {
                    node: 1,
                    args: vec![(Source::Input(0), Borrow), (Source::Input(1), Clone)],
                    used_outputs: vec![true],
                    drops_after: vec![],
                    gate: None,
                    waits: Vec::new(),
                },
                Step {
                    node: 0,
                    args: vec![(out(1, 0), Borrow), (Source::Input(2), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![Source::Input(2), out(1, 0)],
                    gate: None,
                    waits: Vec::new(),
                },
                Step {
                    node: 2,
                    args: vec![(Source::Input(0), Move), (Source::Input(1), Borrow)],
                    used_outputs: vec![true],
                    drops_after: vec![Source::Input(1)],
                    gate: None,
                    waits: Vec::new(),
                },
            ],
            inputs: vec![
                input("y", &[(1, 0), (2, 0)]),
                input("x", &[(1, 1), (2, 1)]),
                input("z", &[(0, 1)]),
            ],
            returned: returned(&[("o2", out(0, 0)), ("o3", out(2, 0))]),
            branches: None,
        }
    );
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Panics unless `cycle` is a real cycle of `nodes` in data-flow direction:
/// `cycle[i]` produces what `cycle[i + 1]` takes through `params[i + 1]`,
/// and the last feeds `cycle[0]` through `params[0]`.
fn assert_real_cycle(nodes: &[NodeSpec], cycle: &[usize], params: &[usize]) {
    assert!(
        cycle.len() >= 2,
        "a cycle of one node is a SelfLoop: {cycle:?}"
    );
    assert_eq!(
        cycle.len(),
        params.len(),
        "one param per node: {cycle:?} {params:?}"
    );
    assert_eq!(
        cycle.iter().collect::<BTreeSet<_>>().len(),
        cycle.len(),
        "repeated node: {cycle:?}"
    );
    for (i, &producer) in cycle.iter().enumerate() {
        let next = (i + 1) % cycle.len();
        let (consumer, param) = (cycle[next], params[next]);
        let taken = &nodes[consumer].params[param].name;
        assert!(
            nodes[producer].outputs.contains(taken),
            "`{}` does not produce `{taken}` taken by `{}` (cycle {cycle:?}, params {params:?})",
            nodes[producer].name,
            nodes[consumer].name,
        );
    }
}

/// Checks each Cycle with [`assert_real_cycle`] and returns the errors.
fn checked(nodes: &[NodeSpec], errors: Vec<GraphError>) -> Vec<GraphError> {
    for error in &errors {
        if let Cycle {
            nodes: cycle,
            params,
        } = error
        {
            assert_real_cycle(nodes, cycle, params);
        }
    }
    errors
}

#[test]
fn duplicate_node_names() {
    let nodes = [
        node("a", &[], &["x"]),
        node("a", &[], &["y"]),
        node("b", &[], &["z"]),
        node("a", &[], &["w"]),
    ];
    assert_eq!(
        errors(&nodes, None),
        [
            DuplicateNode {
                first: 0,
                second: 1
            },
            DuplicateNode {
                first: 0,
                second: 3
            }
        ]
    );
}

#[test]
fn duplicate_outputs() {
    let nodes = [
        node("a", &[], &["x"]),
        node("b", &[], &["y", "x"]),
        node("c", &[], &["y"]),
    ];
    assert_eq!(
        errors(&nodes, None),
        [
            DuplicateOutput {
                first: (0, 0),
                second: (1, 1)
            },
            DuplicateOutput {
                first: (1, 0),
                second: (2, 0)
            },
        ]
    );
}

#[test]
fn self_loop() {
    let nodes = [node("start", &[], &["i"]), node("a", &["&i", "&x"], &["x"])];
    assert_eq!(errors(&nodes, None), [SelfLoop { node: 1, param: 1 }]);
}

#[test]
fn two_node_cycle() {
    let nodes = [
        node("a", &["&i", "&b_o"], &["a_o"]),
        node("b", &["&j", "&k", "&a_o"], &["b_o"]),
    ];
    let errors = checked(&nodes, errors(&nodes, None));
    assert_eq!(
        errors,
        [Cycle {
            nodes: vec![0, 1],
            params: vec![1, 2]
        }]
    );
}

#[test]
fn three_node_cycle_against_declaration_order() {
    // Data flows a -> c -> b -> a.
    let nodes = [
        node("a", &["&b_o"], &["a_o"]),
        node("b", &["&u", "&c_o"], &["b_o"]),
        node("c", &["&v", "&w", "&a_o"], &["c_o"]),
    ];
    let errors = checked(&nodes, errors(&nodes, None));
    assert_eq!(
        errors,
        [Cycle {
            nodes: vec![0, 2, 1],
            params: vec![0, 2, 1]
        }]
    );
}

#[test]
fn cycle_reported_is_the_shortest_through_the_first_node() {
    // a -> b -> a and a -> b -> c -> a: one component, one error.
    let nodes = [
        node("a", &["&c_o", "&b_o"], &["a_o"]),
        node("b", &["&a_o"], &["b_o"]),
        node("c", &["&b_o"], &["c_o"]),
    ];
    let errors = checked(&nodes, errors(&nodes, None));
    assert_eq!(
        errors,
        [Cycle {
            nodes: vec![0, 1],
            params: vec![1, 0]
        }]
    );
}

#[test]
fn two_independent_cycles_are_two_errors() {
    let nodes = [
        node("a", &["&b_o"], &["a_o"]),
        node("b", &["&a_o"], &["b_o"]),
        node("free", &[], &["f"]),
        node("c", &["&d_o"], &["c_o"]),
        node("d", &["&c_o"], &["d_o"]),
        node("after", &["&a_o", "&d_o"], &["z"]),
    ];
    let errors = checked(&nodes, errors(&nodes, None));
    assert_eq!(
        errors,
        [
            Cycle {
                nodes: vec![0, 1],
                params: vec![0, 0]
            },
            Cycle {
                nodes: vec![3, 4],
                params: vec![0, 0]
            },
        ]
    );
}

fn counting() -> Vec<NodeSpec> {
    vec![
        node("count", &["&items"], &["count"]),
        node("total", &["&items"], &["total"]),
    ]
}

#[test]
fn unknown_output_with_suggestion() {
    assert_eq!(
        errors(&counting(), Some(&["cont"])),
        [UnknownOutput {
            index: 0,
            suggestion: Some("count".to_owned())
        }]
    );
}

#[test]
fn unknown_output_suggests_for_swapped_letters() {
    assert_eq!(
        errors(&counting(), Some(&["total", "cuont"])),
        [UnknownOutput {
            index: 1,
            suggestion: Some("count".to_owned())
        }]
    );
}

#[test]
fn unknown_output_without_suggestion() {
    assert_eq!(
        errors(&counting(), Some(&["count", "zebra"])),
        [UnknownOutput {
            index: 1,
            suggestion: None
        }]
    );
}

#[test]
fn input_requested() {
    assert_eq!(
        errors(&counting(), Some(&["count", "items"])),
        [InputRequested { index: 1 }]
    );
}

#[test]
fn duplicate_request() {
    assert_eq!(
        errors(&counting(), Some(&["count", "total", "count", "count"])),
        [
            DuplicateRequest {
                first: 0,
                second: 2
            },
            DuplicateRequest {
                first: 0,
                second: 3
            }
        ]
    );
}

#[test]
fn every_mistake_is_reported() {
    let nodes = [
        node("a", &["&x"], &["x"]),
        node("a", &["&inp"], &["y"]),
        node("b", &["&c_o"], &["b_o"]),
        node("c", &["&b_o"], &["c_o", "y"]),
    ];
    let errors = checked(&nodes, errors(&nodes, Some(&["b_o", "inp", "b_oo", "b_o"])));
    assert_eq!(
        errors,
        [
            DuplicateNode {
                first: 0,
                second: 1
            },
            DuplicateOutput {
                first: (1, 0),
                second: (3, 1)
            },
            SelfLoop { node: 0, param: 0 },
            Cycle {
                nodes: vec![2, 3],
                params: vec![0, 0]
            },
            InputRequested { index: 1 },
            UnknownOutput {
                index: 2,
                suggestion: Some("b_o".to_owned())
            },
            DuplicateRequest {
                first: 0,
                second: 3
            },
        ]
    );
}

// ---------------------------------------------------------------------------
// closest
// ---------------------------------------------------------------------------

#[test]
fn closest_finds_a_typo() {
    assert_eq!(
        closest("cont", &strings(&["sum", "count"])),
        Some("count".to_owned())
    );
    assert_eq!(
        closest("totl", &strings(&["count", "total"])),
        Some("total".to_owned())
    );
    // A swap of two neighbours is one edit, even in a short name.
    assert_eq!(
        closest("cuont", &strings(&["total", "count"])),
        Some("count".to_owned())
    );
}

#[test]
fn closest_prefers_the_nearest_candidate() {
    assert_eq!(
        closest("counts", &strings(&["counter", "count"])),
        Some("count".to_owned())
    );
}

#[test]
fn closest_does_not_suggest_far_names() {
    assert_eq!(closest("zebra", &strings(&["count", "total"])), None);
    // Short names allow one edit only.
    assert_eq!(closest("ab", &strings(&["xy", "abcd"])), None);
    assert_eq!(closest("name", &[]), None);
}

// ---------------------------------------------------------------------------
// Property tests: random graphs
// ---------------------------------------------------------------------------

/// One node of a random graph before it gets names: how many outputs it has,
/// which nodes' outputs it consumes (`(node, output, by_value)`, the indices
/// reduced to what exists) and which inputs `in{k}`.
#[derive(Clone, Debug)]
struct RawNode {
    outputs: usize,
    consumes: Vec<(Index, usize, bool)>,
    inputs: Vec<(usize, bool)>,
}

fn raw_node() -> impl Strategy<Value = RawNode> {
    (
        1..=3usize,
        prop::collection::vec((any::<Index>(), 0..3usize, any::<bool>()), 0..4),
        prop::collection::vec((0..6usize, any::<bool>()), 0..3),
    )
        .prop_map(|(outputs, consumes, inputs)| RawNode {
            outputs,
            consumes,
            inputs,
        })
}

/// Names the raw nodes: node `i` is `n{i}` with outputs `v{i}_{k}`. With
/// `acyclic`, node `i` consumes outputs of nodes before it only; otherwise
/// of any node, itself included. Parameter names are distinct per node.
fn build(raw: &[RawNode], acyclic: bool) -> Vec<NodeSpec> {
    raw.iter()
        .enumerate()
        .map(|(i, raw_node)| {
            let mut params: Vec<ParamSpec> = Vec::new();
            let mut push = |name: String, by_value: bool| {
                if !params.iter().any(|param| param.name == name) {
                    params.push(ParamSpec {
                        name,
                        by_value,
                        optional: false,
                    });
                }
            };
            let choices = if acyclic { i } else { raw.len() };
            if choices > 0 {
                for (pick, output, by_value) in &raw_node.consumes {
                    let producer = pick.index(choices);
                    push(
                        format!("v{producer}_{}", output % raw[producer].outputs),
                        *by_value,
                    );
                }
            }
            for &(k, by_value) in &raw_node.inputs {
                push(format!("in{k}"), by_value);
            }
            NodeSpec {
                name: format!("n{i}"),
                params,
                outputs: (0..raw_node.outputs).map(|k| format!("v{i}_{k}")).collect(),
                always: false,
                when: None,
            }
        })
        .collect()
}

/// A random DAG of up to `max` nodes, declared in random order.
fn shuffled_dag(max: usize) -> impl Strategy<Value = Vec<NodeSpec>> {
    prop::collection::vec(raw_node(), 1..=max)
        .prop_map(|raw| build(&raw, true))
        .prop_flat_map(|nodes| Just(nodes).prop_shuffle())
}

/// A random DAG plus one parameter closing a cycle: some node `u` upstream
/// of (or equal to) `v` takes an output of `v`, by reference, as its last
/// parameter. Returns the shuffled nodes and the names of `u` and `v`.
fn dag_with_back_edge() -> impl Strategy<Value = (Vec<NodeSpec>, String, String)> {
    (
        prop::collection::vec(raw_node(), 1..=30),
        any::<Index>(),
        any::<Index>(),
    )
        .prop_map(|(raw, v_pick, u_pick)| {
            let mut nodes = build(&raw, true);
            let v = v_pick.index(nodes.len());
            let upstream: Vec<usize> = upstream_of(&nodes, v).into_iter().collect();
            let u = upstream[u_pick.index(upstream.len())];
            let name = nodes[v].outputs[0].clone();
            nodes[u].params.push(ParamSpec {
                name,
                by_value: false,
                optional: false,
            });
            (nodes, format!("n{u}"), format!("n{v}"))
        })
        .prop_flat_map(|(nodes, u, v)| (Just(nodes).prop_shuffle(), Just(u), Just(v)))
}

/// A random graph, cycles and self-loops allowed.
fn any_graph() -> impl Strategy<Value = Vec<NodeSpec>> {
    prop::collection::vec(raw_node(), 1..=30).prop_map(|raw| build(&raw, false))
}

/// A shuffled random DAG and a random subset of its outputs, in random order.
fn dag_with_request() -> impl Strategy<Value = (Vec<NodeSpec>, Vec<String>)> {
    shuffled_dag(30).prop_flat_map(|nodes| {
        let outputs: Vec<String> = nodes.iter().flat_map(|node| node.outputs.clone()).collect();
        let len = outputs.len();
        (
            Just(nodes),
            prop::sample::subsequence(outputs, 0..=len).prop_shuffle(),
        )
    })
}

/// The producer `(node, output)` of each produced name (all distinct here).
fn producers(nodes: &[NodeSpec]) -> BTreeMap<&str, (usize, usize)> {
    let mut producers = BTreeMap::new();
    for (node, spec) in nodes.iter().enumerate() {
        for (output, name) in spec.outputs.iter().enumerate() {
            producers.insert(name.as_str(), (node, output));
        }
    }
    producers
}

/// Per node, `(param, producer)` for each parameter fed by a node.
fn links(nodes: &[NodeSpec]) -> Vec<Vec<(usize, usize)>> {
    let producers = producers(nodes);
    nodes
        .iter()
        .map(|spec| {
            (spec.params.iter().enumerate())
                .filter_map(|(param, p)| {
                    producers
                        .get(p.name.as_str())
                        .map(|&(producer, _)| (param, producer))
                })
                .collect()
        })
        .collect()
}

/// `node` and every node whose outputs reach it.
fn upstream_of(nodes: &[NodeSpec], node: usize) -> BTreeSet<usize> {
    let links = links(nodes);
    let mut seen = BTreeSet::from([node]);
    let mut work = vec![node];
    while let Some(current) = work.pop() {
        for &(_, producer) in &links[current] {
            if seen.insert(producer) {
                work.push(producer);
            }
        }
    }
    seen
}

fn position(nodes: &[NodeSpec], name: &str) -> usize {
    nodes
        .iter()
        .position(|node| node.name == name)
        .expect("named node")
}

/// Every producer of a running node runs, before it; and among the nodes
/// ready at each point, the first declared runs next.
fn check_order(nodes: &[NodeSpec], plan: &Plan) {
    let links = links(nodes);
    let order = order(plan);
    let mut placed = vec![false; nodes.len()];
    for (index, &node) in order.iter().enumerate() {
        for &(param, producer) in &links[node] {
            assert!(
                placed[producer],
                "node {node} runs before its producer {producer} (param {param}): {order:?}"
            );
        }
        let ready = (order[index..].iter().copied())
            .filter(|&other| links[other].iter().all(|&(_, producer)| placed[producer]))
            .min();
        assert_eq!(
            ready,
            Some(node),
            "not the first declared ready node at {index}: {order:?}"
        );
        placed[node] = true;
    }
}

/// The plan inputs are the unproduced names taken by the running nodes, in
/// order of first use, each with all its consumers in step order.
fn check_inputs(nodes: &[NodeSpec], plan: &Plan) {
    let producers = producers(nodes);
    let mut expected: Vec<PlanInput> = Vec::new();
    for node in plan.order() {
        for (param, p) in nodes[node].params.iter().enumerate() {
            if producers.contains_key(p.name.as_str()) {
                continue;
            }
            match expected.iter_mut().find(|input| input.name == p.name) {
                Some(input) => input.consumers.push((node, param)),
                None => expected.push(input(&p.name, &[(node, param)])),
            }
        }
    }
    assert_eq!(plan.inputs, expected);
}

/// Every argument's source and passing, every drop and every used output,
/// against the rules: a by-reference use borrows; a by-value use moves if it
/// is the value's last use and the value is not returned, and clones
/// otherwise; a value not returned whose last use borrows is dropped after
/// that step; an output is used if a running node takes it or it is
/// returned.
fn check_fates(nodes: &[NodeSpec], plan: &Plan) {
    let producers = producers(nodes);
    let returned: BTreeSet<Source> = plan.returned.iter().map(|&(_, source)| source).collect();
    let mut uses: BTreeMap<Source, Vec<(usize, usize, bool)>> = BTreeMap::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let spec = &nodes[step.node];
        assert_eq!(
            step.args.len(),
            spec.params.len(),
            "one argument per param: {step:?}"
        );
        assert_eq!(
            step.used_outputs.len(),
            spec.outputs.len(),
            "one flag per output: {step:?}"
        );
        for (param, p) in spec.params.iter().enumerate() {
            let source = match producers.get(p.name.as_str()) {
                Some(&(node, output)) => out(node, output),
                None => Source::Input(
                    plan.inputs
                        .iter()
                        .position(|input| input.name == p.name)
                        .expect("listed input"),
                ),
            };
            assert_eq!(
                step.args[param].0, source,
                "source of {}.{}",
                spec.name, p.name
            );
            uses.entry(source)
                .or_default()
                .push((index, param, p.by_value));
        }
    }
    let mut drops = vec![Vec::new(); plan.steps.len()];
    for (source, list) in &uses {
        let is_returned = returned.contains(source);
        let moves = list
            .iter()
            .filter(|&&(index, param, _)| plan.steps[index].args[param].1 == Move)
            .count();
        assert!(
            moves <= usize::from(!is_returned),
            "{source:?} moved {moves} times (returned: {is_returned})"
        );
        for (i, &(index, param, by_value)) in list.iter().enumerate() {
            let last = i + 1 == list.len() && !is_returned;
            let expected = match (by_value, last) {
                (false, _) => Borrow,
                (true, false) => Clone,
                (true, true) => Move,
            };
            assert_eq!(
                plan.steps[index].args[param].1, expected,
                "use {i} of {source:?}: {plan:?}"
            );
        }
        let &(index, _, by_value) = list.last().expect("at least one use");
        if !by_value && !is_returned {
            drops[index].push(*source);
        }
    }
    for (step, expected) in plan.steps.iter().zip(drops) {
        let mut actual = step.drops_after.clone();
        actual.sort();
        assert_eq!(actual, expected, "drops after node {}", step.node);
        for (output, &used) in step.used_outputs.iter().enumerate() {
            let source = out(step.node, output);
            assert_eq!(
                used,
                uses.contains_key(&source) || returned.contains(&source),
                "{source:?} used"
            );
        }
    }
}

/// Nontrivial strongly connected components (ignoring self-loops), each
/// sorted, by reachability.
fn components(nodes: &[NodeSpec]) -> Vec<Vec<usize>> {
    let len = nodes.len();
    // reach[a][b]: data flows from a to b through at least one link.
    let mut reach = vec![vec![false; len]; len];
    for (consumer, incoming) in links(nodes).iter().enumerate() {
        for &(_, producer) in incoming {
            if producer != consumer {
                reach[producer][consumer] = true;
            }
        }
    }
    for via in 0..len {
        for from in 0..len {
            if reach[from][via] {
                let through = reach[via].clone();
                for (to, reached) in reach[from].iter_mut().enumerate() {
                    *reached |= through[to];
                }
            }
        }
    }
    let together = |a: usize, b: usize| a == b || (reach[a][b] && reach[b][a]);
    let mut components: Vec<Vec<usize>> = Vec::new();
    for node in 0..len {
        if components.iter().any(|component| component.contains(&node)) {
            continue;
        }
        let component: Vec<usize> = (0..len).filter(|&other| together(node, other)).collect();
        if component.len() > 1 {
            components.push(component);
        }
    }
    components
}

/// The number of nodes of the shortest cycle through `start`, ignoring
/// self-loops.
fn shortest_cycle_len(nodes: &[NodeSpec], start: usize) -> Option<usize> {
    let links = links(nodes);
    let mut consumers = vec![Vec::new(); nodes.len()];
    for (consumer, incoming) in links.iter().enumerate() {
        for &(_, producer) in incoming {
            if producer != consumer {
                consumers[producer].push(consumer);
            }
        }
    }
    let mut distance = vec![None; nodes.len()];
    distance[start] = Some(0);
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let next = distance[node].map(|d: usize| d + 1);
        for &consumer in &consumers[node] {
            if consumer == start {
                return next;
            }
            if distance[consumer].is_none() {
                distance[consumer] = next;
                queue.push_back(consumer);
            }
        }
    }
    None
}

proptest! {
    #[test]
    fn random_dags_are_sorted(nodes in shuffled_dag(30)) {
        let plan = analyze(&nodes, None).unwrap_or_else(|errors| panic!("errors on a DAG: {errors:?}"));
        let mut sorted = order(&plan);
        sorted.sort_unstable();
        prop_assert_eq!(sorted, (0..nodes.len()).collect::<Vec<_>>(), "every node exactly once");
        check_order(&nodes, &plan);
        check_inputs(&nodes, &plan);
        let producers = producers(&nodes);
        for input in &plan.inputs {
            prop_assert!(!producers.contains_key(input.name.as_str()), "input {} is produced", input.name);
            prop_assert!(!input.consumers.is_empty(), "input {} has no consumer", input.name);
            for &(node, param) in &input.consumers {
                prop_assert_eq!(&nodes[node].params[param].name, &input.name);
            }
        }
        let all_outputs: Vec<(String, Source)> = plan
            .order()
            .flat_map(|node| (nodes[node].outputs.iter().enumerate()).map(move |(output, name)| (name.clone(), out(node, output))))
            .collect();
        prop_assert_eq!(&plan.returned, &all_outputs);
        check_fates(&nodes, &plan);
    }

    #[test]
    fn a_back_edge_is_reported_as_a_real_cycle((nodes, u, v) in dag_with_back_edge()) {
        let (u, v) = (position(&nodes, &u), position(&nodes, &v));
        let closing = nodes[u].params.len() - 1;
        let errors = checked(&nodes, analyze(&nodes, None).expect_err("a cycle"));
        prop_assert_eq!(errors.len(), 1, "one cycle, one error: {:?}", errors);
        match &errors[0] {
            SelfLoop { node, param } => {
                prop_assert_eq!(u, v);
                prop_assert_eq!((*node, *param), (u, closing));
            }
            Cycle { nodes: cycle, params } => {
                prop_assert_ne!(u, v);
                // Every cycle goes through the added link `v -> u`.
                let link = (0..cycle.len()).any(|i| {
                    let next = (i + 1) % cycle.len();
                    (cycle[i], cycle[next], params[next]) == (v, u, closing)
                });
                prop_assert!(link, "cycle {:?} {:?} misses {} -> {}", cycle, params, v, u);
                prop_assert_eq!(Some(&cycle[0]), cycle.iter().min(), "starts at the first declared node");
                prop_assert_eq!(Some(cycle.len()), shortest_cycle_len(&nodes, cycle[0]));
            }
            other => prop_assert!(false, "unexpected error {:?}", other),
        }
    }

    #[test]
    fn random_graphs_report_one_real_cycle_per_component(nodes in any_graph()) {
        let self_loops: Vec<GraphError> = (nodes.iter().enumerate())
            .flat_map(|(node, spec)| {
                (spec.params.iter().enumerate())
                    .filter(move |(_, p)| spec.outputs.contains(&p.name))
                    .map(move |(param, _)| SelfLoop { node, param })
            })
            .collect();
        let components = components(&nodes);
        match analyze(&nodes, None) {
            Ok(plan) => {
                prop_assert!(self_loops.is_empty() && components.is_empty(), "accepted a cycle: {:?}", plan);
                check_order(&nodes, &plan);
            }
            Err(errors) => {
                let errors = checked(&nodes, errors);
                let (cycles, others): (Vec<_>, Vec<_>) = errors.into_iter().partition(|error| matches!(error, Cycle { .. }));
                prop_assert_eq!(others, self_loops);
                prop_assert_eq!(cycles.len(), components.len(), "one cycle per component: {:?}", cycles);
                for (error, component) in cycles.iter().zip(&components) {
                    let Cycle { nodes: cycle, .. } = error else { unreachable!() };
                    prop_assert_eq!(cycle[0], component[0], "starts at the component's first node");
                    prop_assert!(cycle.iter().all(|node| component.contains(node)), "{:?} leaves {:?}", cycle, component);
                    prop_assert_eq!(Some(cycle.len()), shortest_cycle_len(&nodes, cycle[0]));
                }
            }
        }
    }

    #[test]
    fn requested_outputs_keep_exactly_what_they_need((nodes, requested) in dag_with_request()) {
        let plan = analyze(&nodes, Some(&requested)).unwrap_or_else(|errors| panic!("errors: {errors:?}"));
        let producers = producers(&nodes);
        let links = links(&nodes);
        let kept: BTreeSet<usize> = plan.order().collect();
        prop_assert_eq!(kept.len(), plan.steps.len(), "a node runs twice");
        for name in &requested {
            let (node, _) = producers[name.as_str()];
            prop_assert!(kept.contains(&node), "producer {} of {} does not run", node, name);
        }
        for &node in &kept {
            let requested_here = nodes[node].outputs.iter().any(|output| requested.contains(output));
            let feeds_kept = kept.iter().any(|&consumer| links[consumer].iter().any(|&(_, producer)| producer == node));
            prop_assert!(requested_here || feeds_kept, "node {} runs for nothing", node);
        }
        let expected_returned: Vec<(String, Source)> = requested
            .iter()
            .map(|name| {
                let (node, output) = producers[name.as_str()];
                (name.clone(), out(node, output))
            })
            .collect();
        prop_assert_eq!(&plan.returned, &expected_returned);
        check_order(&nodes, &plan);
        check_inputs(&nodes, &plan);
        check_fates(&nodes, &plan);
    }
}

// ------------------------------------------------------------ always-run nodes

#[test]
fn a_node_with_a_unit_output_runs_whatever_is_requested() {
    // `validate` checks `raw`; nothing requested needs it.
    let nodes = [
        node("parse", &["&raw"], &["parsed"]),
        always("validate", &["&parsed"]),
        node("report", &["&parsed"], &["report"]),
        node("unused", &["&parsed"], &["unused"]),
    ];
    let plan = analyze(&nodes, Some(&["report".to_owned()])).unwrap();
    assert_eq!(plan.order().collect::<Vec<_>>(), [0, 1, 2]);
    // What it needs runs too, even when nothing requested needs that.
    let nodes = [
        node("parse", &["&raw"], &["parsed"]),
        node("schema", &[], &["schema"]),
        always("validate", &["&parsed", "&schema"]),
    ];
    let plan = analyze(&nodes, Some(&["parsed".to_owned()])).unwrap();
    assert_eq!(plan.order().collect::<Vec<_>>(), [0, 1, 2]);
    // Without `#[outputs]`, everything runs anyway.
    let plan = analyze(&nodes, None).unwrap();
    assert_eq!(plan.order().count(), 3);
}
