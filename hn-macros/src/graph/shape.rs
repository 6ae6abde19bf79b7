//! The series-parallel shape of a plan, for runners that nest joins instead
//! of counting dependencies.
//!
//! A plan is series-parallel when its steps split, again and again, into
//! parts that run one after another (every step of the second part waits
//! for every step of the first) or side by side (no step of one part waits
//! for a step of another), down to single steps. Such a plan runs as nested
//! `join`s of sequences with each node starting exactly when the
//! counter-based schedule would start it: the shape loses no concurrency.
//! Plans of other shapes (`a -> c <- b -> d`) keep the counters.

use super::Plan;

/// How the steps of a plan, or of a part of it, run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One step.
    Step(usize),
    /// Parts one after another (at least two, none of them a `Series`).
    Series(Vec<Shape>),
    /// Parts side by side (at least two, none of them a `Parallel`).
    Parallel(Vec<Shape>),
}

impl Shape {
    /// The steps of this part, in plan order.
    pub fn steps(&self) -> Vec<usize> {
        let mut steps = Vec::new();
        self.collect_steps(&mut steps);
        steps.sort_unstable();
        steps
    }

    fn collect_steps(&self, steps: &mut Vec<usize>) {
        match self {
            Shape::Step(step) => steps.push(*step),
            Shape::Series(parts) | Shape::Parallel(parts) => {
                for part in parts {
                    part.collect_steps(steps);
                }
            }
        }
    }
}

/// The plan's shape (by its steps' [`dependencies`](Plan::dependencies)),
/// if it is series-parallel.
pub fn series_parallel(plan: &Plan) -> Option<Shape> {
    let before = plan.ancestors();
    let steps: Vec<usize> = (0..plan.steps.len()).collect();
    if steps.is_empty() {
        return None;
    }
    decompose(&steps, &before)
}

/// The shape of `steps` (in plan order), if they have one.
///
/// Every series split is found in one pass, so that a long chain costs
/// O(n²) (the ancestor rows), not a pass per link (O(n³): 400 nodes took a
/// second of macro expansion in a debug build).
fn decompose(steps: &[usize], before: &[Vec<bool>]) -> Option<Shape> {
    if let [step] = steps {
        return Some(Shape::Step(*step));
    }
    let splits = series_splits(steps, before);
    if !splits.is_empty() {
        // No part has a split of its own (any would be one of these), so
        // none is a `Series`.
        let bounds = (splits.iter().copied()).chain([steps.len()]);
        let mut start = 0;
        let mut parts = Vec::with_capacity(splits.len() + 1);
        for end in bounds {
            parts.push(decompose(&steps[start..end], before)?);
            start = end;
        }
        return Some(Shape::Series(parts));
    }
    let components = side_by_side(steps, before);
    if components.len() > 1 {
        let parts = components.iter().map(|part| decompose(part, before));
        return parts.collect::<Option<_>>().map(Shape::Parallel);
    }
    None
}

/// The places `at` (0 < at < len) where `steps` split into a first part
/// that every later step waits for, wholly, and the rest. A part that
/// everything after it waits for is a prefix of every topological order, so
/// the prefixes of the plan order are all to try.
fn series_splits(steps: &[usize], before: &[Vec<bool>]) -> Vec<usize> {
    // How many of the first steps are all before step `j`.
    let lead: Vec<usize> = (steps.iter())
        .map(|&later| {
            (steps.iter())
                .take_while(|&&earlier| before[later][earlier])
                .count()
        })
        .collect();
    // A split at `at` needs every later step to lead by `at` at least.
    let mut least_lead = vec![usize::MAX; steps.len() + 1];
    for j in (0..steps.len()).rev() {
        least_lead[j] = least_lead[j + 1].min(lead[j]);
    }
    (1..steps.len())
        .filter(|&at| least_lead[at] >= at)
        .collect()
}

/// `steps` split into the groups no step of which waits for, or is waited
/// for by, a step of another group; each group in plan order.
fn side_by_side(steps: &[usize], before: &[Vec<bool>]) -> Vec<Vec<usize>> {
    let related = |a: usize, b: usize| before[a][b] || before[b][a];
    let mut group_of: Vec<Option<usize>> = vec![None; steps.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for start in 0..steps.len() {
        if group_of[start].is_some() {
            continue;
        }
        let group = groups.len();
        group_of[start] = Some(group);
        let mut members = vec![start];
        let mut next = 0;
        while let Some(&member) = members.get(next) {
            next += 1;
            for other in 0..steps.len() {
                if group_of[other].is_none() && related(steps[member], steps[other]) {
                    group_of[other] = Some(group);
                    members.push(other);
                }
            }
        }
        members.sort_unstable();
        groups.push(members.into_iter().map(|index| steps[index]).collect());
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::{series_parallel, Shape};
    use crate::graph::test::node;
    use crate::graph::{analyze, NodeSpec, ParamSpec};
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    fn shape(nodes: &[NodeSpec]) -> Option<Shape> {
        series_parallel(&analyze(nodes, None).expect("a valid graph"))
    }

    use Shape::{Parallel, Series, Step};

    #[test]
    fn a_diamond_is_a_join_between_two_steps() {
        let nodes = [
            node("a", &["x"], &["a"]),
            node("b", &["&a"], &["b"]),
            node("c", &["&a"], &["c"]),
            node("d", &["b", "c"], &["d"]),
        ];
        let expected = Series(vec![Step(0), Parallel(vec![Step(1), Step(2)]), Step(3)]);
        assert_eq!(shape(&nodes), Some(expected));
    }

    #[test]
    fn independent_chains_run_side_by_side() {
        let nodes = [
            node("a", &["x"], &["a"]),
            node("c", &["y"], &["c"]),
            node("d", &["&c"], &["d"]),
        ];
        let expected = Parallel(vec![Step(0), Series(vec![Step(1), Step(2)])]);
        assert_eq!(shape(&nodes), Some(expected));
    }

    #[test]
    fn a_chain_is_a_series() {
        let nodes = [node("a", &["x"], &["a"]), node("b", &["a"], &["b"])];
        assert_eq!(shape(&nodes), Some(Series(vec![Step(0), Step(1)])));
    }

    #[test]
    fn an_n_has_no_shape() {
        // c needs a and b, d needs b only: neither a series nor a join.
        let nodes = [
            node("a", &["x"], &["a"]),
            node("b", &["y"], &["b"]),
            node("c", &["&a", "&b"], &["c"]),
            node("d", &["&b"], &["d"]),
        ];
        assert_eq!(shape(&nodes), None);
    }

    #[test]
    fn a_mover_waits_for_the_borrowers_of_its_value_not_its_cloners() {
        // b borrows a, c clones it, d moves it: d after b, beside c.
        let nodes = [
            node("a", &["x"], &["a"]),
            node("b", &["&a"], &["b"]),
            node("c", &["a"], &["c"]),
            node("d", &["a"], &["d"]),
        ];
        let plan = analyze(&nodes, Some(&["b".into(), "c".into(), "d".into()])).expect("valid");
        let expected = Series(vec![
            Step(0),
            Parallel(vec![Series(vec![Step(1), Step(3)]), Step(2)]),
        ]);
        assert_eq!(series_parallel(&plan), Some(expected));
    }

    #[test]
    fn shapes_nest() {
        // (a; (b || c); d) || e
        let nodes = [
            node("a", &["x"], &["a"]),
            node("b", &["&a"], &["b"]),
            node("c", &["&a"], &["c"]),
            node("d", &["&b", "&c"], &["d"]),
            node("e", &["y"], &["e"]),
        ];
        let inner = Series(vec![Step(0), Parallel(vec![Step(1), Step(2)]), Step(3)]);
        assert_eq!(shape(&nodes), Some(Parallel(vec![inner, Step(4)])));
    }

    /// A composition of steps one after another and side by side.
    #[derive(Clone, Debug)]
    enum Composition {
        Leaf,
        Series(Box<Composition>, Box<Composition>),
        Parallel(Box<Composition>, Box<Composition>),
    }

    fn composition() -> impl Strategy<Value = Composition> {
        Just(Composition::Leaf).prop_recursive(5, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Composition::Series(Box::new(a), Box::new(b))),
                (inner.clone(), inner)
                    .prop_map(|(a, b)| Composition::Parallel(Box::new(a), Box::new(b))),
            ]
        })
    }

    /// The nodes of a composition: every last node of the first part of a
    /// series feeds every first node of the second. Returns the first and
    /// last nodes of the part.
    fn build(part: &Composition, nodes: &mut Vec<NodeSpec>) -> (Vec<usize>, Vec<usize>) {
        match part {
            Composition::Leaf => {
                let index = nodes.len();
                nodes.push(node(&format!("n{index}"), &["&x"], &[&format!("v{index}")]));
                (vec![index], vec![index])
            }
            Composition::Series(a, b) => {
                let (first, lasts) = build(a, nodes);
                let (firsts, last) = build(b, nodes);
                for &to in &firsts {
                    nodes[to].params = (lasts.iter())
                        .map(|from| ParamSpec {
                            name: format!("v{from}"),
                            by_value: false,
                            optional: false,
                        })
                        .collect();
                }
                (first, last)
            }
            Composition::Parallel(a, b) => {
                let (mut first, mut last) = build(a, nodes);
                let (more_first, more_last) = build(b, nodes);
                first.extend(more_first);
                last.extend(more_last);
                (first, last)
            }
        }
    }

    /// Checks that `shape` covers the plan's steps once, that each part of
    /// a series waits for all of the parts before it, and that the parts of
    /// a join are unrelated.
    fn check(shape: &Shape, before: &[Vec<bool>]) -> Result<(), TestCaseError> {
        match shape {
            Shape::Step(_) => {}
            Shape::Series(parts) | Shape::Parallel(parts) => {
                prop_assert!(parts.len() >= 2, "{:?}", shape);
                for (index, part) in parts.iter().enumerate() {
                    check(part, before)?;
                    for earlier in &parts[..index] {
                        for b in part.steps() {
                            for a in earlier.steps() {
                                let related = before[b][a] || before[a][b];
                                match shape {
                                    Shape::Series(_) => {
                                        prop_assert!(before[b][a], "{} waits for {}", b, a)
                                    }
                                    _ => prop_assert!(!related, "{} and {} side by side", a, b),
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        /// Every series-parallel composition has a shape, and it is right.
        #[test]
        fn compositions_have_their_shape(composition in composition()) {
            let mut nodes = Vec::new();
            build(&composition, &mut nodes);
            let plan = analyze(&nodes, None).expect("a valid graph");
            let shape = series_parallel(&plan);
            prop_assert!(shape.is_some(), "no shape for {:?}", composition);
            let shape = shape.unwrap_or(Shape::Step(0));
            prop_assert_eq!(shape.steps(), (0..nodes.len()).collect::<Vec<_>>());
            check(&shape, &plan.ancestors())?;
        }

        /// Any shape found for any DAG is right.
        #[test]
        fn shapes_of_random_dags_are_right(
            links in prop::collection::vec(prop::collection::vec(any::<bool>(), 0..8), 1..9),
        ) {
            // Node i takes the outputs of the earlier nodes its links pick.
            let nodes: Vec<NodeSpec> = (links.iter().enumerate())
                .map(|(index, picks)| {
                    let mut params: Vec<String> = (picks.iter().enumerate())
                        .filter(|&(from, &pick)| pick && from < index)
                        .map(|(from, _)| format!("&v{from}"))
                        .collect();
                    params.push("&x".to_owned());
                    let params: Vec<&str> = params.iter().map(String::as_str).collect();
                    node(&format!("n{index}"), &params, &[&format!("v{index}")])
                })
                .collect();
            let plan = analyze(&nodes, None).expect("a valid graph");
            if let Some(shape) = series_parallel(&plan) {
                prop_assert_eq!(shape.steps(), (0..nodes.len()).collect::<Vec<_>>());
                check(&shape, &plan.ancestors())?;
            }
        }
    }
}
