//! `run_async` and `run_parallel` of a series-parallel plan
//! (`graph::shape`): the parts of a series one after another, the parts of a
//! join side by side (async blocks in one `join!`/`try_join!`, or closures
//! in nested `rayon::join`s), every value a local as in `run`. A node starts
//! exactly when the counter-based runners would start it, but nothing is
//! counted, locked or shared behind an `Arc`: the borrow checker sees the
//! whole schedule, and the code is the joins one would write by hand.
//!
//! A branch borrows the values it reads from the enclosing scope, moves the
//! ones it consumes last (the plan makes a step that moves a value wait for
//! the steps that borrow it, so no other branch holds it), and returns the
//! values it produces that are used after the join. A step in a branch that
//! clones a value from outside the join gets a clone made before the join
//! (as the counter-based runners clone when the value is produced), so that
//! it need not wait for a branch that moves the value. As in `run`, a
//! value whose last use is a borrow is dropped right after the part (step
//! or join) that uses it last, in the scope that holds it.
//!
//! Errors: an async block returns the error, and `try_join!` drops the other
//! blocks, which cancels them. A rayon branch cannot be cancelled: the first
//! error is recorded in a `Failure`, the other branches start no further
//! node, and the run returns that first error once the join is over.

use crate::expand::asynchronous::{is_plain_async, node_call, plain_future};
use crate::expand::branch;
use crate::expand::call::{argument, observer_ident, sync_call};
use crate::expand::mapped::Items;
use crate::expand::sequential::{
    call_binding, call_parts, early_clone, return_error, with_inputs_and_outputs,
};
use crate::graph::shape::Shape;
use crate::graph::{Passing, Source};
use crate::model::Model;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

/// The body of `__run_async_observed` for a plan of this shape.
pub fn async_body(model: &Model, shape: &Shape) -> TokenStream {
    let mut writer = Writer::new(model, Flavor::Async);
    let run = writer.run(shape);
    with_inputs_and_outputs(model, run)
}

/// The body of `__run_parallel_observed` for a plan of this shape.
pub fn rayon_body(model: &Model, shape: &Shape) -> TokenStream {
    let mut writer = Writer::new(model, Flavor::Rayon);
    let run = writer.run(shape);
    let failure = writer.failure_local();
    let error = &model.skeleton.names().error;
    let private = model.private();
    // Only a join with a node that can fail uses the record of the first
    // error.
    let record = joins_that_fail(model, shape).then(
        || quote!(let #failure: #private::Failure<#error> = ::core::default::Default::default();),
    );
    with_inputs_and_outputs(model, quote!(#record #run))
}

/// How the branches of a join run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// Async blocks of one future.
    Async,
    /// Closures in nested `rayon::join`s.
    Rayon,
}

/// Writes the code of a shape.
struct Writer<'m> {
    model: &'m Model,
    flavor: Flavor,
    /// The arguments `(step, index)` cloned before an enclosing join.
    cloned: Vec<(usize, usize)>,
}

impl<'m> Writer<'m> {
    fn new(model: &'m Model, flavor: Flavor) -> Self {
        Writer {
            model,
            flavor,
            cloned: Vec::new(),
        }
    }

    fn failure_local(&self) -> Ident {
        Ident::new("failure", Span::mixed_site())
    }

    /// The statements that run one part, binding the values it produces.
    /// `in_branch`: inside a rayon branch, which gives way once a node has
    /// failed elsewhere and reports its own error through the `Failure`.
    fn part(&mut self, shape: &Shape, in_branch: bool) -> TokenStream {
        match shape {
            Shape::Step(step) => self.step(*step, in_branch),
            Shape::Series(parts) => self.series(parts, in_branch, false),
            Shape::Parallel(parts) => self.join(shape, parts, in_branch),
        }
    }

    /// The parts one after another, each followed by the drops of the
    /// values it used last. `top`: the run's own series, which also drops
    /// its inputs.
    fn series(&mut self, parts: &[Shape], in_branch: bool, top: bool) -> TokenStream {
        let private = self.model.private();
        let drops = drops(self.model, parts, top);
        let mut code = TokenStream::new();
        for (index, (one, dropped)) in parts.iter().zip(drops).enumerate() {
            code.extend(self.part(one, in_branch));
            code.extend(merges(self.model, parts, index));
            for source in dropped {
                let local = self.model.local(source);
                code.extend(quote!(#private::drop_now(#local);));
            }
        }
        code
    }

    /// The whole run: its shape as the parts of one series.
    fn run(&mut self, shape: &Shape) -> TokenStream {
        match shape {
            Shape::Series(parts) => self.series(parts, false, true),
            other => self.series(core::slice::from_ref(other), false, true),
        }
    }

    /// `let <outputs> = <call>;` (with `#[when]`, the call only when the
    /// node runs: `branch.rs`).
    fn step(&mut self, step: usize, in_branch: bool) -> TokenStream {
        let model = self.model;
        let cloned_before = self.cloned_before(step);
        let observer = observer_ident();
        let conditional =
            |call: &dyn Fn(usize, Vec<TokenStream>) -> TokenStream,
             on_error: &dyn Fn(TokenStream) -> TokenStream| {
                let how = branch::How {
                    borrowed_inputs: false,
                    cloned_before: &cloned_before,
                    on_error,
                };
                branch::binding_with(model, step, &call, &how, &quote!(#observer))
            };
        let branches = model.plan.branches.is_some();
        match self.flavor {
            Flavor::Async => {
                let call = |step, args| node_call(model, step, args);
                if branches {
                    return conditional(&call, &return_error);
                }
                call_binding(model, step, &call, false, &cloned_before)
            }
            Flavor::Rayon => {
                let call = |step, args| {
                    let node = model.step_node(step);
                    sync_call(model, node, args, &quote!(#observer), Items::Parallel)
                };
                if !in_branch {
                    if branches {
                        return conditional(&call, &return_error);
                    }
                    return call_binding(model, step, &call, false, &cloned_before);
                }
                let failure = self.failure_local();
                let on_error = |error| quote!({ #failure.set(#error); return ::core::result::Result::Err(()); });
                let binding = if branches {
                    conditional(&call, &on_error)
                } else {
                    let (pattern, call) =
                        call_parts(model, step, &call, false, &cloned_before, &on_error);
                    quote!(let #pattern = #call;)
                };
                quote! {
                    if #failure.is_set() {
                        return ::core::result::Result::Err(());
                    }
                    #binding
                }
            }
        }
    }

    /// The clones made before a join, then the join.
    fn join(&mut self, shape: &Shape, parts: &[Shape], in_branch: bool) -> TokenStream {
        let clones = self.early_clones(shape);
        let fails = (shape.steps().into_iter()).any(|step| self.model.step_node(step).sig.fails());
        let joined = match self.flavor {
            Flavor::Async => self.async_join(parts, fails),
            Flavor::Rayon => self.rayon_join(parts, fails, in_branch),
        };
        quote! {
            #(#clones)*
            #joined
        }
    }

    /// `let (<kept>, ..) = try_join!(async { <part>; Ok((<kept>,)) }, ..)?;`,
    /// or `join!` of blocks returning their values without a node that can
    /// fail.
    fn async_join(&mut self, parts: &[Shape], fails: bool) -> TokenStream {
        let model = self.model;
        let private = model.private();
        let error = &model.skeleton.names().error;
        let (values, failure) = (
            Ident::new("values", Span::mixed_site()),
            Ident::new("failure", Span::mixed_site()),
        );
        let (patterns, blocks): (Vec<_>, Vec<_>) = parts
            .iter()
            .map(|one| {
                // A plain async node that cannot fail joins as its own future.
                if let Shape::Step(step) = *one {
                    if !fails && model.plan.branches.is_none() && is_plain_async(model, step) {
                        let future = |step, args| plain_future(model, step, args);
                        let before = self.cloned_before(step);
                        return call_parts(model, step, &future, false, &before, &return_error);
                    }
                }
                let kept = self.kept_tuple(one);
                let run = self.part(one, false);
                let returned = if fails {
                    quote!(::core::result::Result::<_, #error>::Ok(#kept))
                } else {
                    kept.clone()
                };
                (kept, quote!(async { #run #returned }))
            })
            .unzip();
        let joined = if fails {
            quote! {
                match #private::futures::try_join!(#(#blocks),*) {
                    ::core::result::Result::Ok(#values) => #values,
                    ::core::result::Result::Err(#failure) => return ::core::result::Result::Err(#failure),
                }
            }
        } else {
            quote!(#private::futures::join!(#(#blocks),*))
        };
        quote!(let (#(#patterns,)*) = #joined;)
    }

    /// `let ((<kept>, <kept>), ..) = rayon::join(|| rayon::join(|| { <part>;
    /// (<kept>,) }, ..), ..);`. With a node that can fail, or inside a branch
    /// that can, each branch returns a `Result` and checks for a failure
    /// before each node; a failed branch ends the enclosing branch, or the
    /// run.
    fn rayon_join(&mut self, parts: &[Shape], fails: bool, in_branch: bool) -> TokenStream {
        let model = self.model;
        let private = model.private();
        // Inside a branch that may have to give way, every branch does.
        let fails = fails || in_branch;
        let branches: Vec<(TokenStream, TokenStream)> = parts
            .iter()
            .map(|one| {
                let kept = self.kept_tuple(one);
                let run = self.part(one, fails);
                let returned = if fails {
                    quote!(::core::result::Result::<_, ()>::Ok(#kept))
                } else {
                    kept.clone()
                };
                (kept, quote!(|| { #run #returned }))
            })
            .collect();
        let (pattern, call) = balanced(&branches, fails, &private);
        let all: Vec<&TokenStream> = branches.iter().map(|(pattern, _)| pattern).collect();
        if !fails {
            return quote!(let #pattern = #call;);
        }
        let failure = self.failure_local();
        let failed = if in_branch {
            quote!(return ::core::result::Result::Err(()))
        } else {
            quote! {
                return ::core::result::Result::Err(
                    #failure.into_inner().expect("hypernodes: a failed branch records its error"),
                )
            }
        };
        quote! {
            let (#(#all,)*) = match #call {
                #pattern => (#(#all,)*),
                _ => #failed,
            };
        }
    }

    /// The tuple of the values a part produces that something after it
    /// uses: a step outside it, or the run's outputs.
    fn kept_tuple(&self, shape: &Shape) -> TokenStream {
        let kept = kept(self.model, shape)
            .into_iter()
            .map(|source| self.model.local_of_producer(source));
        quote!((#(#kept,)*))
    }

    /// The arguments of `step` cloned before an enclosing join.
    fn cloned_before(&self, step: usize) -> Vec<usize> {
        (self.cloned.iter())
            .filter(|&&(cloned_step, _)| cloned_step == step)
            .map(|&(_, index)| index)
            .collect()
    }

    /// `let <early clone> = <clone>;` for each cloning use in the join of a
    /// value from outside it (not cloned before an enclosing join already).
    fn early_clones(&mut self, shape: &Shape) -> Vec<TokenStream> {
        let model = self.model;
        let plan = &model.plan;
        let inside = shape.steps();
        let produced_inside = |source: Source| match source {
            Source::Input(_) => false,
            Source::Node { node, .. } => inside.iter().any(|&step| plan.steps[step].node == node),
        };
        let mut clones = Vec::new();
        for &step in &inside {
            let node = model.step_node(step);
            for (index, &(source, passing)) in plan.steps[step].args.iter().enumerate() {
                if passing != Passing::Clone
                    || produced_inside(source)
                    || self.cloned.contains(&(step, index))
                {
                    continue;
                }
                self.cloned.push((step, index));
                let local = model.local(source);
                let local = quote!(#local);
                let clone = argument(model, node, index, Passing::Clone, &local, &local);
                let early = early_clone(step, index);
                clones.push(quote!(let #early = #clone;));
            }
        }
        clones
    }
}

/// Whether some join of the shape has a node that can fail.
fn joins_that_fail(model: &Model, shape: &Shape) -> bool {
    match shape {
        Shape::Step(_) => false,
        Shape::Series(parts) => parts.iter().any(|one| joins_that_fail(model, one)),
        Shape::Parallel(_) => {
            (shape.steps().into_iter()).any(|step| model.step_node(step).sig.fails())
        }
    }
}

/// Branches `(pattern, closure)` as a balanced tree of `rayon::join`s (so
/// that sixteen branches start after four steals one after another, not
/// fifteen), and the pattern its result matches when every branch succeeds.
fn balanced(
    branches: &[(TokenStream, TokenStream)],
    fails: bool,
    private: &TokenStream,
) -> (TokenStream, TokenStream) {
    if let [(pattern, closure)] = branches {
        let pattern = if fails {
            quote!(::core::result::Result::Ok(#pattern))
        } else {
            pattern.clone()
        };
        return (pattern, quote!((#closure)()));
    }
    let (first, second) = branches.split_at(branches.len() / 2);
    let (first_pattern, first_call) = balanced(first, fails, private);
    let (second_pattern, second_call) = balanced(second, fails, private);
    (
        quote!((#first_pattern, #second_pattern)),
        quote!(#private::rayon::join(|| #first_call, || #second_call)),
    )
}

/// The values a part produces that something after it uses: a step outside
/// it, or the run's outputs. A value of several producers is returned by
/// the part as its merged local if the part merges it (it holds all of
/// them in one series), else as the locals of the producers it holds.
fn kept(model: &Model, shape: &Shape) -> Vec<Source> {
    let plan = &model.plan;
    let inside = shape.steps();
    let used_outside = |value: Source| {
        let by_step = (0..plan.steps.len())
            .filter(|step| !inside.contains(step))
            .any(|step| reads(model, step).contains(&value));
        by_step || plan.returned.iter().any(|&(_, returned)| returned == value)
    };
    let mut kept = Vec::new();
    for source in (inside.iter()).flat_map(|&step| produced(model, step)) {
        let producers = shared_producers(model, source);
        let value = producers.first().copied().unwrap_or(source);
        if !used_outside(value) {
            continue;
        }
        let merged_inside = merges_within(shape, &steps_of(model, &producers));
        let kept_as = if merged_inside { value } else { source };
        if !kept.contains(&kept_as) {
            kept.push(kept_as);
        }
    }
    kept
}

/// The values step `step` reads: its arguments (a value of several
/// producers as its first producer's) and its gate.
fn reads(model: &Model, step: usize) -> Vec<Source> {
    let step = &model.plan.steps[step];
    (step.args.iter().map(|&(source, _)| source))
        .chain(step.gate)
        .collect()
}

/// The producers that run of the value `source` is an output of, when it
/// has several; empty otherwise.
fn shared_producers(model: &Model, source: Source) -> Vec<Source> {
    if model.plan.branches.is_none() {
        return Vec::new();
    }
    let producers = model.running_producers(source);
    if producers.len() > 1 {
        producers
    } else {
        Vec::new()
    }
}

/// The plan steps of these producers.
fn steps_of(model: &Model, producers: &[Source]) -> Vec<usize> {
    (producers.iter())
        .filter_map(|&producer| model.step_of(producer))
        .collect()
}

/// Whether a series of `shape` (itself or one inside it) holds all of
/// `steps`: the value they produce is merged inside `shape`.
fn merges_within(shape: &Shape, steps: &[usize]) -> bool {
    match shape {
        Shape::Step(_) => false,
        Shape::Series(parts) => {
            let all = shape.steps();
            steps.iter().all(|step| all.contains(step))
                || parts.iter().any(|part| merges_within(part, steps))
        }
        Shape::Parallel(parts) => parts.iter().any(|part| merges_within(part, steps)),
    }
}

/// After part `index` of a series: the merges of the values of several
/// producers that this series merges (it holds them all, no part of it
/// merges them already) and whose last producer is in that part.
fn merges(model: &Model, parts: &[Shape], index: usize) -> TokenStream {
    let mut code = TokenStream::new();
    let done: Vec<usize> = parts[..=index].iter().flat_map(Shape::steps).collect();
    let here = parts[index].steps();
    for &step in &here {
        for source in produced(model, step) {
            let producers = shared_producers(model, source);
            let steps = steps_of(model, &producers);
            let last = steps.iter().copied().max();
            let ours = last == Some(step)
                && steps.iter().all(|step| done.contains(step))
                && !parts.iter().any(|part| merges_within(part, &steps));
            if ours {
                code.extend(crate::expand::branch::merge(model, &producers));
            }
        }
    }
    code
}

/// The values step `step` produces that something uses.
fn produced(model: &Model, step: usize) -> impl Iterator<Item = Source> + '_ {
    let node = model.plan.steps[step].node;
    let used = &model.plan.steps[step].used_outputs;
    (0..used.len())
        .filter(move |&output| used[output])
        .map(move |output| Source::Node { node, output })
}

/// For a series, after each of its parts, the values to drop: the ones
/// bound in the series' scope (by its steps, by its joins, and at the top
/// of the run its inputs) whose last use is a borrow in that part, as `run`
/// drops them after their last borrow. A value moved later, returned, or
/// used after the series (then returned from its branch) is not dropped.
fn drops(model: &Model, parts: &[Shape], top: bool) -> Vec<Vec<Source>> {
    let plan = &model.plan;
    let droppable: Vec<Source> = plan
        .steps
        .iter()
        .flat_map(|step| step.drops_after.iter().copied())
        .collect();
    let mut bound: Vec<Source> = if top {
        (0..plan.inputs.len()).map(Source::Input).collect()
    } else {
        Vec::new()
    };
    for one in parts {
        match one {
            Shape::Step(step) => bound.extend(produced(model, *step)),
            _ => bound.extend(kept(model, one)),
        }
    }
    let uses = |source: Source| -> Vec<usize> {
        (0..plan.steps.len())
            .filter(|&step| reads(model, step).contains(&source))
            .collect()
    };
    let mut after: Vec<Vec<Source>> = vec![Vec::new(); parts.len()];
    for source in bound
        .into_iter()
        .filter(|source| droppable.contains(source))
    {
        let users = uses(source);
        // The part with the last use, if every use is in this series.
        let last = users
            .iter()
            .map(|user| parts.iter().position(|one| one.steps().contains(user)));
        if let Some(last) = last
            .collect::<Option<Vec<usize>>>()
            .and_then(|parts| parts.into_iter().max())
        {
            after[last].push(source);
        }
    }
    after
}
