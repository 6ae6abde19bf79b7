//! When each node runs and when each value exists, in a graph whose
//! entries carry `#[when]`.
//!
//! A node runs when its own literal holds and everything it needs exists:
//! its gate, and each value it takes as `T` or `&T` (a value taken as
//! `Option<T>` or `Option<&T>` is passed as whether it exists, so the node
//! does not wait for it). A value exists when one of its producers runs; an
//! input always does. Followed in topological order (gates included), this
//! gives every node's condition exactly: the node runs in a run if and only
//! if its condition holds there. A nested branch needs nothing more: a gate
//! that is itself conditional passes its condition on to what it gates.

use super::condition::{Condition, Literal};
use super::{GraphError, NodeSpec, Producers};
use std::collections::BTreeMap;

/// The conditions of a graph with `#[when]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branches {
    /// Per node, in declaration order: when it runs.
    pub runs: Vec<Condition>,
    /// Per value produced by a node that runs after pruning: when it
    /// exists, from the producers that run. A value that exists in every
    /// run ([`Condition::is_total`]) is a `T` in the outputs; any other an
    /// `Option<T>`.
    pub values: BTreeMap<String, Condition>,
}

impl Branches {
    /// The values' conditions from the nodes' (`runs`), counting the
    /// producers that `keep` keeps. Pruning keeps every producer of a
    /// value it keeps one of, so it never turns a value partial; counting
    /// the kept ones only means that if it did, the value would read
    /// partial, not total.
    pub fn new(producers: &Producers, runs: Vec<Condition>, keep: &[bool]) -> Branches {
        let values = (producers.iter())
            .filter_map(|(name, from)| {
                let kept: Vec<(usize, usize)> = (from.iter().copied())
                    .filter(|&(node, _)| keep[node])
                    .collect();
                (!kept.is_empty()).then(|| (name.clone(), exists(&kept, &runs)))
            })
            .collect();
        Branches { runs, values }
    }
}

/// When each node runs, following `order` (every producer and gate before
/// the nodes that need it).
pub fn runs(nodes: &[NodeSpec], producers: &Producers, order: &[usize]) -> Vec<Condition> {
    let mut runs = vec![Condition::never(); nodes.len()];
    for &node in order {
        let spec = &nodes[node];
        let own = spec
            .when
            .as_ref()
            .map_or_else(Condition::always, Condition::literal);
        runs[node] =
            (needs(spec, producers, &runs).iter()).fold(own, |run, (_, need)| run.and(need));
    }
    runs
}

/// What a node needs besides its own literal, with when each exists: its
/// gate and the values it takes as `T` or `&T` that some node produces.
fn needs<'a>(
    spec: &'a NodeSpec,
    producers: &Producers,
    runs: &[Condition],
) -> Vec<(&'a str, Condition)> {
    let gate = spec.when.iter().map(|when: &Literal| when.gate.as_str());
    let taken = (spec.params.iter())
        .filter(|param| !param.optional)
        .map(|param| param.name.as_str());
    gate.chain(taken)
        .filter_map(|name| Some((name, exists(producers.get(name)?, runs))))
        .collect()
}

/// When one of `producers` runs.
fn exists(producers: &[(usize, usize)], runs: &[Condition]) -> Condition {
    (producers.iter()).fold(Condition::never(), |exists, &(node, _)| {
        exists.or(&runs[node])
    })
}

/// The nodes that never run where the contradiction starts: everything
/// they need can exist, but not together with their own literal or with
/// each other.
pub fn never_running(
    nodes: &[NodeSpec],
    producers: &Producers,
    runs: &[Condition],
) -> Vec<GraphError> {
    (nodes.iter().enumerate())
        .filter(|&(node, _)| runs[node].is_never())
        .filter_map(|(node, spec)| {
            let needs = needs(spec, producers, runs);
            if needs.iter().any(|(_, need)| need.is_never()) {
                return None;
            }
            let needs = (needs.into_iter())
                .filter(|(_, need)| !need.is_total())
                .map(|(name, need)| (name.to_owned(), need))
                .collect();
            Some(GraphError::NeverRuns { node, needs })
        })
        .collect()
}

#[cfg(test)]
mod test;
