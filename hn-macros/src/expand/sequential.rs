//! `run`: straight-line calls in topological order, as a hand-written
//! function would make them.

use crate::expand::branch;
use crate::expand::call::{argument, observer_ident, sync_call, value};
use crate::expand::errors_doc;
use crate::expand::mapped::Items;
use crate::expand::structs::{destructure_inputs, returned_outputs};
use crate::graph::{Passing, Source};
use crate::model::{Model, Names};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

pub fn expand(model: &Model) -> Option<TokenStream> {
    if model.has_async_nodes() {
        return None;
    }
    let skeleton = &model.skeleton;
    let Names {
        vis,
        inputs,
        outputs,
        error,
        ..
    } = skeleton.names();
    let private = model.private();
    let inputs_arg = Ident::new("inputs", Span::mixed_site());
    let observer = observer_ident();
    let body = body(model, |step, args| {
        sync_call(
            model,
            &model.nodes[model.plan.steps[step].node],
            args,
            &quote!(#observer),
            Items::Sequential,
        )
    });
    let order: Vec<String> = model
        .running_nodes()
        .map(|node| format!("`{}`", node.name()))
        .collect();
    let doc = format!(
        "Runs the pipeline on the calling thread, calling each node once in dependency order: {}.",
        order.join(", ")
    );
    let errors_doc = errors_doc(model, "the nodes after it do not run");
    Some(quote! {
        #[doc = #doc]
        #errors_doc
        #[inline]
        #vis fn run(&self, #inputs_arg: #inputs) -> ::core::result::Result<#outputs, #error> {
            self.__run_observed(#inputs_arg, &())
        }

        /// `run`, with every node call wrapped by `observer`.
        #[doc(hidden)]
        #[inline]
        #vis fn __run_observed<O: #private::Observer>(
            &self,
            #inputs_arg: #inputs,
            #observer: &O,
        ) -> ::core::result::Result<#outputs, #error> {
            #body
        }
    })
}

/// The straight-line body of a runner: destructure the inputs, one
/// statement per node in topological order, return the outputs. `call`
/// makes the (possibly awaited) call of a step from its arguments.
pub fn body(model: &Model, call: impl Fn(usize, Vec<TokenStream>) -> TokenStream) -> TokenStream {
    let steps = (0..model.plan.steps.len()).map(|step| call_step(model, step, &call, false));
    with_inputs_and_outputs(model, quote!(#(#steps)*))
}

/// `run`, a runner's statements over the run's values as locals, between
/// the destructured inputs and the returned outputs.
pub fn with_inputs_and_outputs(model: &Model, run: TokenStream) -> TokenStream {
    let inputs_arg = Ident::new("inputs", Span::mixed_site());
    let destructure = destructure_inputs(model, &inputs_arg);
    let outputs = model.skeleton.outputs_ident();
    let returned = returned_outputs(model, |source| {
        let local = model.local(source);
        quote!(#local)
    });
    quote! {
        #destructure
        #run
        ::core::result::Result::Ok(#outputs { #(#returned),* })
    }
}

/// `let <outputs> = <call>;` and the drops that follow it. With
/// `borrowed_inputs`, the inputs' locals are references (the items of a
/// mapped nested pipeline): a node taking an input by value gets a clone.
pub fn call_step(
    model: &Model,
    step_index: usize,
    call: &impl Fn(usize, Vec<TokenStream>) -> TokenStream,
    borrowed_inputs: bool,
) -> TokenStream {
    let binding = match &model.plan.branches {
        Some(_) => {
            let observer = observer_ident();
            let binding =
                branch::binding(model, step_index, call, borrowed_inputs, &quote!(#observer));
            let merges = branch::merges_after(model, step_index);
            quote!(#binding #merges)
        }
        _ => call_binding(model, step_index, call, borrowed_inputs, &[]),
    };
    let private = model.private();
    let drops = model.plan.steps[step_index]
        .drops_after
        .iter()
        .map(|&source| {
            let local = model.local(source);
            quote!(#private::drop_now(#local);)
        });
    quote! {
        #binding
        #(#drops)*
    }
}

/// `let <outputs> = <call>;` alone (see [`call_step`]). The arguments at
/// `cloned_before` were cloned into [`early_clone`] locals, which the call
/// takes instead.
pub fn call_binding(
    model: &Model,
    step_index: usize,
    call: &impl Fn(usize, Vec<TokenStream>) -> TokenStream,
    borrowed_inputs: bool,
    cloned_before: &[usize],
) -> TokenStream {
    let (pattern, call) = call_parts(
        model,
        step_index,
        call,
        borrowed_inputs,
        cloned_before,
        &return_error,
    );
    quote!(let #pattern = #call;)
}

/// `return Err(error);`: what a runner does with a node's error.
pub fn return_error(error: TokenStream) -> TokenStream {
    quote!(return ::core::result::Result::Err(#error))
}

/// The pattern and the call of [`call_binding`]; `on_error` handles a
/// node's error (the pipeline error's value).
pub fn call_parts(
    model: &Model,
    step_index: usize,
    call: &impl Fn(usize, Vec<TokenStream>) -> TokenStream,
    borrowed_inputs: bool,
    cloned_before: &[usize],
    on_error: &dyn Fn(TokenStream) -> TokenStream,
) -> (TokenStream, TokenStream) {
    let step = &model.plan.steps[step_index];
    let node = &model.nodes[step.node];
    let args = step
        .args
        .iter()
        .enumerate()
        .map(|(index, &(source, passing))| {
            if cloned_before.contains(&index) {
                let local = early_clone(step_index, index);
                return quote!(#local);
            }
            let mut local = model.local(source);
            local.set_span(Span::mixed_site().located_at(node.sig.params[index].span));
            if borrowed_inputs && matches!(source, Source::Input(_)) {
                return borrowed_input(model, node, index, passing, &local);
            }
            let local = quote!(#local);
            argument(model, node, index, passing, &local, &local)
        });
    let call = call(step_index, args.collect());
    let call = value(model, node, call, on_error);
    let bindings = (step.used_outputs.iter().enumerate()).map(|(output, &used)| {
        if used {
            let local = model.local(Source::Node {
                node: step.node,
                output,
            });
            quote!(#local)
        } else {
            quote!(_)
        }
    });
    let pattern = if node.sig.tuple_outputs {
        quote!((#(#bindings),*))
    } else {
        quote!(#(#bindings)*)
    };
    (pattern, call)
}

/// The argument of an input whose local is a reference (the items of
/// `map_over`): borrowed through it, or cloned where the node takes it by
/// value.
pub fn borrowed_input(
    model: &Model,
    node: &crate::model::Node,
    index: usize,
    passing: Passing,
    local: &Ident,
) -> TokenStream {
    let passing = match passing {
        Passing::Move => Passing::Clone,
        passing => passing,
    };
    argument(
        model,
        node,
        index,
        passing,
        &quote!((*#local)),
        &quote!(#local),
    )
}

/// The local holding the clone of argument `index` of step `step_index`,
/// made before the step's turn (see `joined.rs`).
pub fn early_clone(step_index: usize, index: usize) -> Ident {
    format_ident!(
        "__hn_clone_{}_{}",
        step_index,
        index,
        span = Span::mixed_site()
    )
}
