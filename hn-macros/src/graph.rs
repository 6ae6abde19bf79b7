//! The dependency graph of a pipeline, as plain data.
//!
//! This stage knows names and indices only: no syn, no spans, no tokens. It
//! resolves every parameter to a producer or a pipeline input, reports graph
//! mistakes as [`GraphError`]s, sorts the nodes, prunes what the requested
//! outputs do not need, and decides for every use of a value whether it is
//! borrowed, cloned or moved, and when it is dropped.
//!
//! With `#[when]`, a name may have several producers, and a node may wait
//! for a gate as well as for its parameters: [`branches`] says when each
//! node runs and each value exists, which decides whether two producers of
//! one name may both stand (they never run together) and whether a value
//! is total. The plan's sources and last uses do not know about conditions
//! yet (a value with several producers is read from its first).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

pub use branches::Branches;
use condition::{Condition, Literal};

/// One node as the graph sees it. Nodes are identified by their index in
/// declaration order, which also breaks ties in the topological order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub params: Vec<ParamSpec>,
    pub outputs: Vec<String>,
    /// Runs whatever `#[outputs]` requests (with what it needs): its output
    /// is `()`, so it is there for its check or its side effect.
    pub always: bool,
    /// `#[when(..)]`: the node runs only when its gate has this arm (and
    /// the gate exists).
    pub when: Option<Literal>,
}

/// One parameter: the name it consumes and whether it takes the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: String,
    /// Taken by value (`T`, `Option<T>`), not borrowed (`&T`,
    /// `Option<&T>`).
    pub by_value: bool,
    /// `Option<T>` or `Option<&T>`: a value that does not exist in every run
    /// is passed as whether it exists, so the node does not wait for it.
    /// (A value that always exists is passed as it is, whatever the type.)
    pub optional: bool,
}

/// A mistake in the graph. Indices refer to [`NodeSpec`]s, their params and
/// outputs, or to the requested output list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// Two nodes with the same name (`second` is the later one).
    DuplicateNode { first: usize, second: usize },
    /// Two nodes that always run produce the same name: `(node, output
    /// index)` of each.
    DuplicateOutput {
        first: (usize, usize),
        second: (usize, usize),
    },
    /// Two producers of one name that can run in the same run, at least one
    /// of them conditional: `(node, output index)` of each, and when each
    /// runs.
    OverlappingProducers {
        first: (usize, usize),
        second: (usize, usize),
        runs: Box<(Condition, Condition)>,
    },
    /// A node consumes its own output.
    SelfLoop { node: usize, param: usize },
    /// A node is gated by its own output.
    SelfGate { node: usize },
    /// A cycle through several nodes: `nodes[i]` feeds `nodes[i + 1]` (and the
    /// last feeds the first) through `params[i + 1]` of the consumer;
    /// `params[0]` is the parameter of `nodes[0]` closing the cycle. A link
    /// equal to the consumer's number of parameters is its `#[when]` gate
    /// ([`gate_link`]).
    Cycle {
        nodes: Vec<usize>,
        params: Vec<usize>,
    },
    /// A requested output that nothing produces.
    UnknownOutput {
        index: usize,
        suggestion: Option<String>,
    },
    /// A requested output that is an input of the pipeline.
    InputRequested { index: usize },
    /// A requested output listed twice.
    DuplicateRequest { first: usize, second: usize },
    /// A node whose conditions exclude each other, so that it never runs:
    /// its own `#[when]` (if any) and the values it needs (its gate, what
    /// it takes as `T` or `&T`), those that do not always exist listed with
    /// when they do. Only where the contradiction starts: the nodes that
    /// need what this one produces are not reported.
    NeverRuns {
        node: usize,
        needs: Vec<(String, Condition)>,
    },
}

/// The link through which a node waits for its `#[when]` gate, in a
/// [`GraphError::Cycle`]: one past its parameters.
pub fn gate_link(node: &NodeSpec) -> usize {
    node.params.len()
}

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// `inputs[i]` of the [`Plan`].
    Input(usize),
    /// Output `output` of node `node`.
    Node { node: usize, output: usize },
}

/// How a parameter receives its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passing {
    /// `&value`.
    Borrow,
    /// `value.clone()`: taken by value, but used again later.
    Clone,
    /// `value`: taken by value at its last use.
    Move,
}

/// One node's call in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub node: usize,
    /// Per parameter: where the argument comes from and how it is passed.
    pub args: Vec<(Source, Passing)>,
    /// Per output: whether anything uses it (otherwise it is dropped at once).
    pub used_outputs: Vec<bool>,
    /// Values whose last use is a borrow by this step: dropped right after it,
    /// so intermediates do not live to the end of the run.
    pub drops_after: Vec<Source>,
    /// The gate of the node's `#[when]`, read (borrowed) before the call.
    pub gate: Option<Source>,
    /// Nodes this step waits for beyond its arguments' first producers:
    /// every producer of its gate, and of each value it takes that several
    /// nodes produce (whichever runs, the value is known once all are done).
    pub waits: Vec<usize>,
}

/// A sorted, pruned graph with every value's fate decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The nodes that run, in topological order.
    pub steps: Vec<Step>,
    /// Input names, in the order of their first use; each with its consumers
    /// as `(node, param)` in step order.
    pub inputs: Vec<PlanInput>,
    /// What the run returns, in order, with the requested name.
    pub returned: Vec<(String, Source)>,
    /// When each node runs and each value exists, if some node has a
    /// `#[when]` (without, everything runs).
    pub branches: Option<Branches>,
}

/// A pipeline input and the parameters that consume it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanInput {
    pub name: String,
    pub consumers: Vec<(usize, usize)>,
}

impl Plan {
    /// The nodes that run, in topological order.
    pub fn order(&self) -> impl Iterator<Item = usize> + '_ {
        self.steps.iter().map(|step| step.node)
    }

    /// The steps that must finish before step `step` starts when steps run
    /// at once: its producers, and, for a value it moves, every step that
    /// borrows that value (as in the sequential order, they are done with it
    /// first). Steps that clone the value do not hold it up: in a parallel
    /// run their clones are made as soon as the value exists. Sorted, each
    /// once.
    pub fn dependencies(&self, step: usize) -> Vec<usize> {
        let position = |node: usize| self.steps.iter().position(|s| s.node == node);
        let mut dependencies: Vec<usize> = (self.steps[step].waits.iter())
            .filter_map(|&node| position(node))
            .collect();
        for &(source, passing) in &self.steps[step].args {
            if let Source::Node { node, .. } = source {
                dependencies.extend(position(node));
            }
            if passing == Passing::Move {
                // A gate is borrowed too, where the node it gates runs.
                let borrowers = (self.steps.iter().enumerate())
                    .filter(|&(other, s)| {
                        other != step
                            && (s.args.contains(&(source, Passing::Borrow))
                                || s.gate == Some(source))
                    })
                    .map(|(other, _)| other);
                dependencies.extend(borrowers);
            }
        }
        dependencies.sort_unstable();
        dependencies.dedup();
        dependencies
    }

    /// `ancestors[a][b]`: step `b` finishes before step `a` starts in every
    /// schedule (the transitive closure of
    /// [`dependencies`](Plan::dependencies)).
    pub fn ancestors(&self) -> Vec<Vec<bool>> {
        let len = self.steps.len();
        let mut ancestors = vec![vec![false; len]; len];
        // Steps are in topological order, so a dependency's row is complete.
        for step in 0..len {
            for dependency in self.dependencies(step) {
                let inherited = ancestors[dependency].clone();
                let row = &mut ancestors[step];
                row[dependency] = true;
                for (flag, inherited) in row.iter_mut().zip(inherited) {
                    *flag |= inherited;
                }
            }
        }
        ancestors
    }

    /// The steps that wait for step `step` (the inverse of
    /// [`dependencies`](Plan::dependencies)), in order.
    pub fn dependents(&self, step: usize) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&other| self.dependencies(other).contains(&step))
            .collect()
    }
}

/// Analyzes a pipeline: `requested` is the `#[outputs(...)]` list, if any.
/// Returns every error found, or the plan.
pub fn analyze(nodes: &[NodeSpec], requested: Option<&[String]>) -> Result<Plan, Vec<GraphError>> {
    let mut errors = duplicate_nodes(nodes);
    let producers = producers(nodes);
    let mut link_errors = Vec::new();
    let edges = edges(nodes, &producers, &mut link_errors);
    let cycles = cycles(nodes.len(), &edges);
    let order = cycles
        .is_empty()
        .then(|| topological_order(nodes.len(), &edges));
    let gated = nodes.iter().any(|node| node.when.is_some());
    // Conditions follow the order; without `#[when]` everything runs.
    let runs = match (&order, gated) {
        (Some(order), true) => Some(branches::runs(nodes, &producers, order)),
        _ => None,
    };
    errors.extend(duplicate_outputs(nodes, &producers, runs.as_deref(), gated));
    errors.extend(link_errors);
    errors.extend(cycles);
    if let Some(runs) = &runs {
        errors.extend(branches::never_running(nodes, &producers, runs));
    }
    if let Some(requested) = requested {
        errors.extend(check_requested(nodes, &producers, requested));
    }
    // Without an order there is a cycle, so an error.
    let order = match order {
        Some(order) if errors.is_empty() => order,
        _ => return Err(errors),
    };
    // Every producer of a requested value runs, so that a value produced
    // on two arms stays total however it is pruned.
    let keep = match requested {
        Some(requested) => needed(
            nodes.len(),
            &edges,
            (requested.iter())
                .flat_map(|name| producers[name].iter().map(|&(node, _)| node))
                .chain((0..nodes.len()).filter(|&node| nodes[node].always)),
        ),
        None => vec![true; nodes.len()],
    };
    let branches = runs.map(|runs| Branches::new(&producers, runs, &keep));
    let order: Vec<usize> = order.into_iter().filter(|&node| keep[node]).collect();
    let returned = match requested {
        Some(requested) => requested
            .iter()
            .map(|name| (name.clone(), source_of(&producers[name])))
            .collect(),
        None => {
            // Each name once, from its first producer that runs.
            let mut returned: Vec<(String, Source)> = Vec::new();
            for &node in &order {
                for (output, name) in nodes[node].outputs.iter().enumerate() {
                    if !returned.iter().any(|(seen, _)| seen == name) {
                        returned.push((name.clone(), Source::Node { node, output }));
                    }
                }
            }
            returned
        }
    };
    Ok(plan(nodes, &producers, order, returned, branches))
}

/// When each produced value exists, in a graph that may have other
/// mistakes (for the fallback's field types): `None` without `#[when]`
/// (every value always exists) or with a cycle (no order to follow).
pub fn existence(nodes: &[NodeSpec]) -> Option<BTreeMap<String, Condition>> {
    if nodes.iter().all(|node| node.when.is_none()) {
        return None;
    }
    let producers = producers(nodes);
    let edges = edges(nodes, &producers, &mut Vec::new());
    if !cycles(nodes.len(), &edges).is_empty() {
        return None;
    }
    let order = topological_order(nodes.len(), &edges);
    let runs = branches::runs(nodes, &producers, &order);
    Some(Branches::new(&producers, runs, &vec![true; nodes.len()]).values)
}

/// A value read from the first of its producers.
fn source_of(producers: &[(usize, usize)]) -> Source {
    let (node, output) = producers[0];
    Source::Node { node, output }
}

fn duplicate_nodes(nodes: &[NodeSpec]) -> Vec<GraphError> {
    let mut first_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        if let Some(&first) = first_of.get(node.name.as_str()) {
            errors.push(GraphError::DuplicateNode {
                first,
                second: index,
            });
        } else {
            first_of.insert(&node.name, index);
        }
    }
    errors
}

/// The producers of each name, `(node, output)` in declaration order.
type Producers = BTreeMap<String, Vec<(usize, usize)>>;

/// Maps each produced name to its producers.
fn producers(nodes: &[NodeSpec]) -> Producers {
    let mut producers: Producers = BTreeMap::new();
    for (node, spec) in nodes.iter().enumerate() {
        for (output, name) in spec.outputs.iter().enumerate() {
            producers
                .entry(name.clone())
                .or_default()
                .push((node, output));
        }
    }
    producers
}

/// Every producer of a name after the first that can run together with an
/// earlier one, paired with the first such. `runs`: when each node runs,
/// `None` when that is unknown (then only a graph without `#[when]`, where
/// every node runs, has its duplicates reported; a graph with conditions
/// has its cycle reported first).
fn duplicate_outputs(
    nodes: &[NodeSpec],
    producers: &Producers,
    runs: Option<&[Condition]>,
    gated: bool,
) -> Vec<GraphError> {
    let mut errors = Vec::new();
    for (node, spec) in nodes.iter().enumerate() {
        for (output, name) in spec.outputs.iter().enumerate() {
            let second = (node, output);
            let mut earlier = producers[name].iter().take_while(|&&other| other != second);
            let error = match runs {
                None if gated => None,
                None => {
                    (earlier.next()).map(|&first| GraphError::DuplicateOutput { first, second })
                }
                Some(runs) => earlier
                    .find(|&&(other, _)| !runs[other].excludes(&runs[node]))
                    .map(|&first| {
                        let pair = (runs[first.0].clone(), runs[node].clone());
                        if pair.0.is_always() && pair.1.is_always() {
                            GraphError::DuplicateOutput { first, second }
                        } else {
                            GraphError::OverlappingProducers {
                                first,
                                second,
                                runs: Box::new(pair),
                            }
                        }
                    }),
            };
            errors.extend(error);
        }
    }
    errors
}

/// `edges[consumer]` lists `(producer, link)`: a parameter, or the gate
/// ([`gate_link`]), fed by every producer of its name. A node fed by
/// itself is an error instead.
fn edges(
    nodes: &[NodeSpec],
    producers: &Producers,
    errors: &mut Vec<GraphError>,
) -> Vec<Vec<(usize, usize)>> {
    nodes
        .iter()
        .enumerate()
        .map(|(node, spec)| {
            let mut incoming = Vec::new();
            let links = (spec.params.iter().map(|p| p.name.as_str()))
                .chain(spec.when.iter().map(|when| when.gate.as_str()))
                .enumerate();
            for (link, name) in links {
                let from = producers.get(name).map_or(&[][..], Vec::as_slice);
                if from.iter().any(|&(producer, _)| producer == node) {
                    errors.push(if link == gate_link(spec) {
                        GraphError::SelfGate { node }
                    } else {
                        GraphError::SelfLoop { node, param: link }
                    });
                    continue;
                }
                incoming.extend(from.iter().map(|&(producer, _)| (producer, link)));
            }
            incoming
        })
        .collect()
}

/// One cycle per strongly connected component of more than one node, each
/// starting at the component's first-declared node: every cycle in the graph
/// goes through some such component, so fixing the reported ones fixes all.
fn cycles(len: usize, edges: &[Vec<(usize, usize)>]) -> Vec<GraphError> {
    let mut components: Vec<Vec<usize>> = strongly_connected(len, edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    for component in &mut components {
        component.sort_unstable();
    }
    components.sort();
    components
        .iter()
        .map(|component| shortest_cycle(component, edges))
        .collect()
}

/// Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
/// The graph is walked along consumer → producer edges; components are the
/// same either way.
fn strongly_connected(len: usize, edges: &[Vec<(usize, usize)>]) -> Vec<Vec<usize>> {
    const UNVISITED: usize = usize::MAX;
    let mut index = vec![UNVISITED; len];
    let mut low = vec![0; len];
    let mut on_stack = vec![false; len];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for root in 0..len {
        if index[root] != UNVISITED {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if *child == 0 && index[node] == UNVISITED {
                index[node] = next;
                low[node] = next;
                next += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&(succ, _)) = edges[node].get(*child) {
                *child += 1;
                if index[succ] == UNVISITED {
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// The shortest cycle through the component's first node, in data-flow
/// direction (`a -> b` means `b` consumes `a`).
fn shortest_cycle(component: &[usize], edges: &[Vec<(usize, usize)>]) -> GraphError {
    let start = component[0];
    // Breadth-first along consumer → producer edges, inside the component.
    let mut reached_by: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    'search: while let Some(node) = queue.pop_front() {
        for &(producer, param) in &edges[node] {
            if component.binary_search(&producer).is_err() || reached_by.contains_key(&producer) {
                continue;
            }
            reached_by.insert(producer, (node, param));
            if producer == start {
                break 'search;
            }
            queue.push_back(producer);
        }
    }
    // Walk back from `start` to itself: each step goes from a producer to
    // its consumer, which is the data-flow direction.
    let mut nodes = Vec::new();
    let mut params = Vec::new();
    let mut node = start;
    loop {
        let (consumer, param) = reached_by[&node];
        nodes.push(node);
        params.push(param);
        node = consumer;
        if node == start {
            break;
        }
    }
    // `params[i]` is the parameter of `nodes[i]`'s consumer; rotate so it
    // belongs to `nodes[i + 1]` as documented.
    params.rotate_right(1);
    GraphError::Cycle { nodes, params }
}

fn check_requested(
    nodes: &[NodeSpec],
    producers: &Producers,
    requested: &[String],
) -> Vec<GraphError> {
    let mut errors = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let is_input = |name: &str| {
        nodes
            .iter()
            .any(|n| n.params.iter().any(|p| p.name == name))
    };
    for (index, name) in requested.iter().enumerate() {
        if let Some(&first) = seen.get(name.as_str()) {
            errors.push(GraphError::DuplicateRequest {
                first,
                second: index,
            });
            continue;
        }
        seen.insert(name, index);
        if producers.contains_key(name) {
            continue;
        }
        errors.push(if is_input(name) {
            GraphError::InputRequested { index }
        } else {
            GraphError::UnknownOutput {
                index,
                suggestion: closest(name, producers.keys()),
            }
        });
    }
    errors
}

/// The candidate closest to `name`, if it is close enough to be a typo
/// (edit distance with transpositions: `cuont` is one edit from `count`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::osa_distance(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate.clone())
}

/// Kahn's algorithm; among ready nodes the first declared goes first, so the
/// order is deterministic and follows the user's listing where it can.
fn topological_order(len: usize, edges: &[Vec<(usize, usize)>]) -> Vec<usize> {
    let mut pending: Vec<usize> = edges.iter().map(Vec::len).collect();
    let mut consumers = vec![Vec::new(); len];
    for (consumer, incoming) in edges.iter().enumerate() {
        for &(producer, _) in incoming {
            consumers[producer].push(consumer);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..len).filter(|&n| pending[n] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(len);
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        for &consumer in &consumers[node] {
            pending[consumer] -= 1;
            if pending[consumer] == 0 {
                ready.push(Reverse(consumer));
            }
        }
    }
    debug_assert_eq!(order.len(), len, "cycles are rejected before sorting");
    order
}

/// Marks the nodes that the given producers need, transitively.
fn needed(
    len: usize,
    edges: &[Vec<(usize, usize)>],
    roots: impl Iterator<Item = usize>,
) -> Vec<bool> {
    let mut keep = vec![false; len];
    let mut work: Vec<usize> = roots.collect();
    while let Some(node) = work.pop() {
        if !std::mem::replace(&mut keep[node], true) {
            work.extend(edges[node].iter().map(|&(producer, _)| producer));
        }
    }
    keep
}

/// The "parameter" of a gate's use in [`plan`]'s list of uses.
const GATE: usize = usize::MAX;

fn plan(
    nodes: &[NodeSpec],
    producers: &Producers,
    order: Vec<usize>,
    returned: Vec<(String, Source)>,
    branches: Option<Branches>,
) -> Plan {
    let mut inputs: Vec<PlanInput> = Vec::new();
    // Every use of every value, in step order: (step, param, by_value).
    let mut uses: BTreeMap<Source, Vec<(usize, usize, bool)>> = BTreeMap::new();
    let mut sources: Vec<Vec<Source>> = Vec::new();
    for (step, &node) in order.iter().enumerate() {
        let mut node_sources = Vec::new();
        for (param, p) in nodes[node].params.iter().enumerate() {
            let source = match producers.get(&p.name) {
                Some(from) => source_of(from),
                None => {
                    let index = match inputs.iter().position(|input| input.name == p.name) {
                        Some(index) => index,
                        None => {
                            inputs.push(PlanInput {
                                name: p.name.clone(),
                                consumers: Vec::new(),
                            });
                            inputs.len() - 1
                        }
                    };
                    inputs[index].consumers.push((node, param));
                    Source::Input(index)
                }
            };
            // An optional parameter not taken by value (`Option<&T>`)
            // borrows a value that nodes produce behind `#[when]`; anything
            // else (an input, a value without conditions) it takes as it is.
            let by_value = p.by_value
                || (p.optional && (branches.is_none() || matches!(source, Source::Input(_))));
            uses.entry(source)
                .or_default()
                .push((step, param, by_value));
            node_sources.push(source);
        }
        sources.push(node_sources);
        // A gate is read, by reference, where the node it gates runs: its
        // last use may be there.
        let gate = nodes[node]
            .when
            .as_ref()
            .and_then(|when| producers.get(&when.gate));
        if let Some(from) = gate {
            let use_of_gate = (step, GATE, false);
            uses.entry(source_of(from)).or_default().push(use_of_gate);
        }
    }
    let is_returned = |source: Source| returned.iter().any(|&(_, r)| r == source);
    // A value with several producers is read from the first one's local
    // (the others' merged into it): every producer's output is used.
    let used = |node: usize, output: usize| {
        let name = &nodes[node].outputs[output];
        let read = |source: Source| uses.contains_key(&source) || is_returned(source);
        producers
            .get(name)
            .is_some_and(|from| read(source_of(from)))
            || read(Source::Node { node, output })
    };
    let mut steps: Vec<Step> = order
        .iter()
        .zip(sources)
        .map(|(&node, node_sources)| Step {
            node,
            args: node_sources
                .into_iter()
                .map(|source| (source, Passing::Borrow))
                .collect(),
            used_outputs: (0..nodes[node].outputs.len())
                .map(|output| used(node, output))
                .collect(),
            drops_after: Vec::new(),
            gate: (nodes[node].when.as_ref())
                .and_then(|when| producers.get(&when.gate))
                .map(|from| source_of(from)),
            waits: {
                let gate = (nodes[node].when.iter()).filter_map(|when| producers.get(&when.gate));
                let shared = (nodes[node].params.iter())
                    .filter_map(|param| producers.get(&param.name))
                    .filter(|from| from.len() > 1);
                let mut waits: Vec<usize> = (gate.chain(shared))
                    .flat_map(|from| from.iter().map(|&(producer, _)| producer))
                    .collect();
                waits.sort_unstable();
                waits.dedup();
                waits
            },
        })
        .collect();
    for (source, value_uses) in &uses {
        let last = value_uses.len() - 1;
        for (i, &(step, param, by_value)) in value_uses.iter().enumerate() {
            let final_use = i == last && !is_returned(*source);
            if param == GATE {
                if final_use {
                    steps[step].drops_after.push(*source);
                }
                continue;
            }
            steps[step].args[param].1 = match (by_value, final_use) {
                (false, _) => Passing::Borrow,
                (true, false) => Passing::Clone,
                (true, true) => Passing::Move,
            };
            if final_use && !by_value {
                steps[step].drops_after.push(*source);
            }
        }
    }
    Plan {
        steps,
        inputs,
        returned,
        branches,
    }
}

pub mod branches;
pub mod condition;
pub mod shape;
#[cfg(test)]
mod test;
