//! The values of a run whose nodes run at once (parallel or async): one slot
//! per value, one counter per node with dependencies, and a copy for every
//! use that clones. Shared by `parallel.rs` and `asynchronous.rs`; `access`
//! is how a runner reaches them (`state.` for fields of a shared state, or
//! nothing for locals).

use crate::expand::branch;
use crate::expand::call::argument;
use crate::graph::{Passing, Source};
use crate::model::{Model, Node};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::Ident;

/// The values that need a slot: every input, and every node output that is
/// used or returned.
pub fn value_sources(model: &Model) -> Vec<Source> {
    let inputs = (0..model.plan.inputs.len()).map(Source::Input);
    let outputs = model.plan.steps.iter().flat_map(|step| {
        (step.used_outputs.iter().enumerate())
            .filter(|(_, &used)| used)
            .map(move |(output, _)| Source::Node {
                node: step.node,
                output,
            })
    });
    if model.plan.branches.is_none() {
        return inputs.chain(outputs).collect();
    }
    // A value with several producers (behind `#[when]`) has one slot, which
    // the producer that runs fills.
    let mut seen = std::collections::BTreeSet::new();
    (inputs.chain(outputs))
        .filter(|&source| seen.insert(model.name_of(source).unraw().to_string()))
        .collect()
}

/// The by-value uses that get a clone, as `(step, param, value)`. In a
/// parallel run the clone is made as soon as the value exists (at the start
/// for inputs, right after its producer for node outputs) and kept for that
/// consumer, so that the value's final, moving consumer need not wait for
/// the cloning ones to finish.
pub fn copy_uses(model: &Model) -> Vec<(usize, usize, Source)> {
    (model.plan.steps.iter().enumerate())
        .flat_map(|(step, s)| {
            (s.args.iter().enumerate())
                .filter(|(_, &(_, passing))| passing == Passing::Clone)
                .map(move |(param, &(source, _))| (step, param, source))
        })
        .collect()
}

pub fn copy_field(model: &Model, source: Source, step: usize, param: usize) -> Ident {
    let local = model.local(source);
    format_ident!(
        "copy_{}_for_{}_{}",
        local,
        step,
        param,
        span = Span::mixed_site()
    )
}

/// The clone of `place` for parameter `param` of `step`, at the parameter's
/// location (a missing `Clone` is reported there).
pub fn make_copy(model: &Model, step: usize, param: usize, place: &Ident) -> TokenStream {
    let node = &model.nodes[model.plan.steps[step].node];
    let mut place = place.clone();
    place.set_span(Span::mixed_site().located_at(node.sig.params[param].span));
    argument(
        model,
        node,
        param,
        Passing::Clone,
        &quote!(#place),
        &quote!(#place),
    )
}

pub fn slot_field(model: &Model, source: Source) -> Ident {
    let local = model.local(source);
    format_ident!("value_{}", local, span = Span::mixed_site())
}

/// The value of a slot (the local `field`) after the run, for the outputs:
/// an `Option` if it exists only in some runs.
pub fn slot_output(model: &Model, source: Source, field: &Ident) -> TokenStream {
    match model.is_partial(source) {
        true => quote!(#field.into_option()),
        false => quote!(#field.into_inner()),
    }
}

pub fn counter_field(step: usize) -> Ident {
    format_ident!("waiting_{}", step, span = Span::mixed_site())
}

/// A slot or counter of a run.
pub struct Declaration {
    pub name: Ident,
    pub ty: TokenStream,
    pub init: TokenStream,
}

/// The slots and counters of a run, with `slot` the slot type (`Slot` or
/// `AsyncSlot`). Copies come first: they are made from the inputs before
/// the inputs move into their slots.
pub fn declarations(model: &Model, slot: &TokenStream) -> Vec<Declaration> {
    let slot_of = |name: Ident, source: Source, init: TokenStream| {
        let ty = model.type_of(source);
        Declaration {
            name,
            ty: quote!(#slot<#ty>),
            init,
        }
    };
    let empty = quote!(::core::default::Default::default());
    let copies = copy_uses(model).into_iter().map(|(step, param, source)| {
        let init = match source {
            Source::Input(_) => {
                let copy = make_copy(model, step, param, &model.local(source));
                quote!(#slot::full(#copy))
            }
            Source::Node { .. } => empty.clone(),
        };
        slot_of(copy_field(model, source, step, param), source, init)
    });
    let values = value_sources(model).into_iter().map(|source| {
        let init = match source {
            Source::Input(_) => {
                let local = model.local(source);
                quote!(#slot::full(#local))
            }
            Source::Node { .. } => empty.clone(),
        };
        slot_of(slot_field(model, source), source, init)
    });
    let counters = (0..model.plan.steps.len()).filter_map(|step| {
        let count = model.plan.dependencies(step).len();
        (count > 0).then(|| Declaration {
            name: counter_field(step),
            ty: quote!(::core::sync::atomic::AtomicUsize),
            init: quote!(::core::sync::atomic::AtomicUsize::new(#count)),
        })
    });
    copies
        .chain(values)
        .collect::<Vec<_>>()
        .into_iter()
        .chain(counters)
        .collect()
}

/// The statements of a step of a counter-based runner: its arguments
/// taken from the slots (through `access`), the call (`value`, given the
/// arguments: the node's value, its error handled), its outputs stored.
/// With `#[when]`, the call and the stores happen only when the node's
/// condition holds (`branch::slot_binding`); `observer` is told of a skip.
pub fn step_body(
    model: &Model,
    step_index: usize,
    access: &TokenStream,
    observer: &TokenStream,
    value: &dyn Fn(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let (pattern, outputs) = output_pattern(model.step_node(step_index));
    let stores = step_stores(model, step_index, &outputs, access);
    if model.plan.branches.is_some() {
        let run = |args| {
            let value = value(args);
            quote!(let #pattern = #value; #stores)
        };
        return branch::slot_binding(model, step_index, access, observer, &run);
    }
    let (takes, args) = step_arguments(model, step_index, access);
    let value = value(args);
    quote! {
        let #pattern = {
            #(#takes)*
            #value
        };
        #stores
    }
}

/// A step's arguments, taken from the slots first: the statements that take
/// them (an `Arc` or guard per borrowed value, the value itself for a move,
/// its copy for a clone), and the argument expressions that use them.
/// Taking first lets a runner move the arguments elsewhere (a blocking
/// pool) or reuse them (retries).
pub fn step_arguments(
    model: &Model,
    step_index: usize,
    access: &TokenStream,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let step = &model.plan.steps[step_index];
    let node = &model.nodes[step.node];
    let mut takes = Vec::new();
    let args = (step.args.iter().enumerate())
        .map(|(index, &(source, passing))| {
            // At the parameter's location, like the whole argument.
            let span = node.sig.params[index].span;
            let local = argument_local(index, span);
            let slot = match passing {
                Passing::Borrow => {
                    let field = slot_field(model, source);
                    takes.push(quote!(let #local = #access #field.get();));
                    return argument(
                        model,
                        node,
                        index,
                        passing,
                        &quote_spanned!(span=> *#local),
                        &quote!(),
                    );
                }
                // Cloned when the value was made: see `copy_uses`.
                Passing::Clone => copy_field(model, source, step_index, index),
                Passing::Move => slot_field(model, source),
            };
            takes.push(quote!(let #local = #access #slot.take();));
            quote!(#local)
        })
        .collect();
    (takes, args)
}

/// The local holding argument `index` of a step.
pub fn argument_local(index: usize, span: Span) -> Ident {
    format_ident!(
        "argument_{}",
        index,
        span = Span::mixed_site().located_at(span)
    )
}

/// `output_0` or `(output_0, output_1, ..)`, and the names.
pub fn output_pattern(node: &Node) -> (TokenStream, Vec<Ident>) {
    let outputs: Vec<Ident> = (0..node.sig.outputs.len())
        .map(|output| format_ident!("output_{}", output, span = Span::mixed_site()))
        .collect();
    let pattern = if node.sig.tuple_outputs {
        quote!((#(#outputs),*))
    } else {
        quote!(#(#outputs)*)
    };
    (pattern, outputs)
}

/// Stores a step's used outputs in their slots, after the copies its
/// cloning consumers get.
pub fn step_stores(
    model: &Model,
    step_index: usize,
    outputs: &[Ident],
    access: &TokenStream,
) -> TokenStream {
    let step = &model.plan.steps[step_index];
    let copies = copy_uses(model);
    // A consumer names a value of several producers (behind `#[when]`) by
    // its first producer: every producer fills the consumer's copy.
    let named = |source: Source| match model.plan.branches {
        Some(_) => (model.producers_of(source).first().copied()).unwrap_or(source),
        None => source,
    };
    let stores = (step.used_outputs.iter().enumerate())
        .filter(|(_, &used)| used)
        .map(|(output, _)| {
            let source = Source::Node {
                node: step.node,
                output,
            };
            let (field, local) = (slot_field(model, source), &outputs[output]);
            let named = named(source);
            let copies = (copies.iter())
                .filter(|&&(_, _, copied)| copied == named)
                .map(|&(consumer, param, _)| {
                    let copy_field = copy_field(model, source, consumer, param);
                    let copy = make_copy(model, consumer, param, local);
                    quote!(#access #copy_field.put(#copy);)
                });
            quote!(#(#copies)* #access #field.put(#local);)
        });
    quote!(#(#stores)*)
}
