//! `run_async` of a series-parallel plan (`graph::shape`): the parts of a
//! series one after another, the parts of a join in one `try_join!` of
//! async blocks, every value a local as in `run`. A node starts exactly when
//! the counter-based runner would start it, but nothing is counted, locked
//! or shared behind an `Arc`: the borrow checker sees the whole schedule.
//!
//! A block borrows the values it reads from the enclosing scope, moves the
//! ones it consumes last (the plan makes a step that moves a value wait for
//! the steps that borrow it, so no other block holds it), and returns the
//! values it produces that are used after the join. A step in a block that
//! clones a value from outside the join gets a clone made before the join
//! (as the counter-based runner clones when the value is produced), so that
//! it need not wait for a block that moves the value. An error returns from
//! the block; `try_join!` then drops the other blocks, which cancels them.

use crate::expand::asynchronous::{is_plain_async, node_call, plain_future};
use crate::expand::call::argument;
use crate::expand::sequential::{call_binding, call_parts, early_clone, with_inputs_and_outputs};
use crate::graph::shape::Shape;
use crate::graph::{Passing, Source};
use crate::model::Model;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

/// The body of `__run_async_observed` for a plan of this shape.
pub fn body(model: &Model, shape: &Shape) -> TokenStream {
    with_inputs_and_outputs(model, part(model, shape, &mut Vec::new()))
}

/// The statements that run one part, binding the values it produces.
/// `cloned` lists the arguments `(step, index)` cloned before an enclosing
/// join.
fn part(model: &Model, shape: &Shape, cloned: &mut Vec<(usize, usize)>) -> TokenStream {
    match shape {
        Shape::Step(step) => {
            let call = |step, args| node_call(model, step, args);
            call_binding(model, *step, &call, false, &cloned_before(cloned, *step))
        }
        Shape::Series(parts) => parts.iter().map(|one| part(model, one, cloned)).collect(),
        Shape::Parallel(parts) => join(model, shape, parts, cloned),
    }
}

/// The clones made before a join, then
/// `let (<kept>, ..) = try_join!(async { <part>; Ok((<kept>,)) }, ..)?;`
fn join(
    model: &Model,
    shape: &Shape,
    parts: &[Shape],
    cloned: &mut Vec<(usize, usize)>,
) -> TokenStream {
    let private = model.private();
    let error = &model.skeleton.names().error;
    let (values, failure) = (
        Ident::new("values", Span::mixed_site()),
        Ident::new("failure", Span::mixed_site()),
    );
    let clones = early_clones(model, shape, cloned);
    // Without a node that can fail, the blocks return their values as they
    // are, joined by `join!`.
    let fails = (shape.steps().into_iter()).any(|step| model.step_node(step).sig.fails());
    let (patterns, blocks): (Vec<_>, Vec<_>) = parts
        .iter()
        .map(|one| {
            let kept: Vec<Ident> = kept_values(model, one)
                .into_iter()
                .map(|source| model.local(source))
                .collect();
            // A plain async node that cannot fail joins as its own future.
            if let Shape::Step(step) = *one {
                if !fails && is_plain_async(model, step) {
                    let future = |step, args| plain_future(model, step, args);
                    let before = cloned_before(cloned, step);
                    return call_parts(model, step, &future, false, &before);
                }
            }
            let run = part(model, one, cloned);
            let kept_tuple = quote!((#(#kept,)*));
            let returned = if fails {
                quote!(::core::result::Result::<_, #error>::Ok(#kept_tuple))
            } else {
                kept_tuple.clone()
            };
            (kept_tuple, quote!(async { #run #returned }))
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
    quote! {
        #(#clones)*
        let (#(#patterns,)*) = #joined;
    }
}

/// The arguments of `step` cloned before an enclosing join.
fn cloned_before(cloned: &[(usize, usize)], step: usize) -> Vec<usize> {
    (cloned.iter())
        .filter(|&&(cloned_step, _)| cloned_step == step)
        .map(|&(_, index)| index)
        .collect()
}

/// `let <early clone> = <clone>;` for each cloning use in the join of a
/// value from outside it (not cloned before an enclosing join already);
/// records them in `cloned`.
fn early_clones(
    model: &Model,
    shape: &Shape,
    cloned: &mut Vec<(usize, usize)>,
) -> Vec<TokenStream> {
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
                || cloned.contains(&(step, index))
            {
                continue;
            }
            cloned.push((step, index));
            let local = model.local(source);
            let local = quote!(#local);
            let clone = argument(model, node, index, Passing::Clone, &local, &local);
            let early = early_clone(step, index);
            clones.push(quote!(let #early = #clone;));
        }
    }
    clones
}

/// The values a part produces that something after it uses: a step outside
/// it, or the run's outputs.
fn kept_values(model: &Model, shape: &Shape) -> Vec<Source> {
    let plan = &model.plan;
    let inside = shape.steps();
    let used_outside = |source: Source| {
        let by_step = (plan.steps.iter().enumerate())
            .filter(|(step, _)| !inside.contains(step))
            .any(|(_, step)| step.args.iter().any(|&(used, _)| used == source));
        by_step
            || plan
                .returned
                .iter()
                .any(|&(_, returned)| returned == source)
    };
    inside
        .iter()
        .flat_map(|&step| {
            let node = plan.steps[step].node;
            let used = &plan.steps[step].used_outputs;
            (0..used.len())
                .filter(move |&output| used[output])
                .map(move |output| Source::Node { node, output })
        })
        .filter(|&source| used_outside(source))
        .collect()
}
