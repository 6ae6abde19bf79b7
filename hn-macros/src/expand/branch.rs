//! The steps of a pipeline with `#[when]`: a node runs only when its
//! condition holds, which the generated code tests where the node's turn
//! comes, from what the node needs:
//!
//! ```text
//! let docs = match (&needs_search,) {
//!     (true,) => Some(docs(&question)),
//!     _ => { observer.skipped(..); None }
//! };
//! let grounded = match (&needs_search, &docs) {
//!     (true, Some(docs)) => Some(grounded(&question, &*docs)),
//!     _ => { observer.skipped(..); None }
//! };
//! ```
//!
//! The gate is matched against the node's arm (`true`, `false`, or the
//! variants as patterns of the gate's type), and each value the node takes
//! as `T` or `&T` that exists only in some runs (an `Option` local) against
//! `Some`: by the analysis in `graph::branches`, the node runs exactly when
//! all of these match. A node with no such test is called as in `run`. A
//! parameter `Option<T>` / `Option<&T>` gets the value's `Option` (or
//! `Some` of a value that always exists).
//!
//! A value with several producers is read from its first producer's local:
//! after the last of them runs, the others' `Option`s are merged into it,
//! and unwrapped when some producer runs in every run.

use crate::expand::call::{argument, node_info, value};
use crate::expand::sequential::{borrowed_input, early_clone, return_error};
use crate::expand::slots::{argument_local, copy_field, slot_field};
use crate::graph::{Passing, Source};
use crate::model::{Model, Node};
use crate::when::WhenArm;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// `let <outputs> = <call, when the node runs>;` for step `step_index`.
/// `call` makes the call from the arguments; `observer` is told of a skip.
///
/// With `borrowed_inputs`, the inputs' locals are references (the items of
/// `map_over`): a node taking an input by value gets a clone.
pub fn binding(
    model: &Model,
    step_index: usize,
    call: &impl Fn(usize, Vec<TokenStream>) -> TokenStream,
    borrowed_inputs: bool,
    observer: &TokenStream,
) -> TokenStream {
    let how = How {
        borrowed_inputs,
        cloned_before: &[],
        on_error: &return_error,
    };
    binding_with(model, step_index, call, &how, observer)
}

/// How a step's arguments are passed and its error handled.
pub struct How<'a> {
    /// The inputs' locals are references (see [`binding`]).
    pub borrowed_inputs: bool,
    /// The arguments cloned before an enclosing join (`joined.rs`), which
    /// the call takes from their early-clone locals.
    pub cloned_before: &'a [usize],
    /// What a node's error does (it must diverge).
    pub on_error: &'a dyn Fn(TokenStream) -> TokenStream,
}

/// [`binding`], as `how` says.
pub fn binding_with(
    model: &Model,
    step_index: usize,
    call: &impl Fn(usize, Vec<TokenStream>) -> TokenStream,
    how: &How<'_>,
    observer: &TokenStream,
) -> TokenStream {
    let How {
        borrowed_inputs,
        cloned_before,
        on_error,
    } = *how;
    let step = &model.plan.steps[step_index];
    let node = &model.nodes[step.node];
    let mut tests = Tests::default();
    if let (Some(when), Some(gate)) = (&node.when, step.gate) {
        let local = model.local(gate);
        let arm = gate_pattern(model, &when.arm, gate);
        tests.push(quote!(&#local), arm, model.is_partial(gate));
    }
    let args: Vec<TokenStream> = (step.args.iter().enumerate())
        .map(|(index, &(source, passing))| {
            let mut local = match cloned_before.contains(&index) {
                // An early clone: moved into the call (a partial value's
                // clone is an `Option`, matched like the value).
                true => early_clone(step_index, index),
                false => model.local(source),
            };
            let passing = match cloned_before.contains(&index) {
                true => Passing::Move,
                false => passing,
            };
            local.set_span(Span::mixed_site().located_at(node.sig.params[index].span));
            if borrowed_inputs && matches!(source, Source::Input(_)) {
                return borrowed_input(model, node, index, passing, &local);
            }
            let local = quote!(#local);
            let partial = model.is_partial(source);
            if node.sig.params[index].optional() && matches!(source, Source::Node { .. }) {
                return optional_argument(model, node, index, passing, &local, partial);
            }
            if !partial {
                return argument(model, node, index, passing, &local, &local);
            }
            let bound = format_ident!("__hn_some_{}", index, span = Span::mixed_site());
            let bound = quote!(#bound);
            if passing == Passing::Move {
                tests.push(local, bound.clone(), true);
                return bound;
            }
            tests.push(quote!(&#local), bound.clone(), true);
            argument(model, node, index, passing, &quote!((*#bound)), &bound)
        })
        .collect();
    let call = value(model, node, call(step_index, args), on_error);
    let outputs: Vec<Option<TokenStream>> = (step.used_outputs.iter().enumerate())
        .map(|(output, &used)| {
            used.then(|| {
                let local = model.local_of_producer(Source::Node {
                    node: step.node,
                    output,
                });
                quote!(#local)
            })
        })
        .collect();
    let inner = {
        let bindings = outputs
            .iter()
            .map(|o| o.clone().unwrap_or_else(|| quote!(_)));
        if node.sig.tuple_outputs {
            quote!((#(#bindings),*))
        } else {
            quote!(#(#bindings)*)
        }
    };
    if tests.scrutinees.is_empty() {
        return quote!(let #inner = #call;);
    }
    let used: Vec<&TokenStream> = outputs.iter().flatten().collect();
    let somes = used
        .iter()
        .map(|local| quote!(::core::option::Option::Some(#local)));
    let nones = used.iter().map(|_| quote!(::core::option::Option::None));
    let Tests {
        scrutinees,
        patterns,
    } = tests;
    let skip = skip(model, node, observer);
    quote! {
        let (#(#used),*) = match (#(#scrutinees,)*) {
            (#(#patterns,)*) => {
                let #inner = #call;
                (#(#somes),*)
            }
            _ => {
                #skip
                (#(#nones),*)
            }
        };
    }
}

/// A step of a counter-based runner (`parallel.rs`, `asynchronous.rs`) in
/// a pipeline with `#[when]`: its arguments taken from the slots through
/// `access`, the gate and each value that exists only in some runs matched
/// as in [`binding`], then `run` (the statements of the call, given the
/// arguments) or the skip. A skipped node stores nothing: the slots of its
/// outputs stay empty, which is how its consumers see that they do not
/// run either.
///
/// ```text
/// {
///     let argument_0 = state.value_docs.get_some();
///     match (&*state.value_needs_search.get(), argument_0) {
///         (true, Some(__hn_some_0)) => { let output_0 = grounded(&*__hn_some_0); state.value_grounded.put(output_0); }
///         _ => observer.skipped(..),
///     }
/// }
/// ```
pub fn slot_binding(
    model: &Model,
    step_index: usize,
    access: &TokenStream,
    observer: &TokenStream,
    run: &dyn Fn(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let step = &model.plan.steps[step_index];
    let node = &model.nodes[step.node];
    let mut tests = Tests::default();
    if let (Some(when), Some(gate)) = (&node.when, step.gate) {
        let field = slot_field(model, gate);
        let arm = gate_pattern(model, &when.arm, gate);
        let partial = model.is_partial(gate);
        let scrutinee = match partial {
            true => quote!(::core::option::Option::as_deref(&#access #field.get_some())),
            false => quote!(&*#access #field.get()),
        };
        tests.push(scrutinee, arm, partial);
    }
    let mut takes = Vec::new();
    let args: Vec<TokenStream> = (step.args.iter().enumerate())
        .map(|(index, &(source, passing))| {
            let param = &node.sig.params[index];
            let local = argument_local(index, param.span);
            let partial = model.is_partial(source);
            let slot = match passing {
                Passing::Clone => copy_field(model, source, step_index, index),
                _ => slot_field(model, source),
            };
            let method = match (passing, partial) {
                (Passing::Borrow, false) => quote!(get),
                (Passing::Borrow, true) => quote!(get_some),
                (_, false) => quote!(take),
                (_, true) => quote!(take_some),
            };
            takes.push(quote!(let #local = #access #slot.#method();));
            // A clone was made when the value was: passed like a move.
            let passing = match passing {
                Passing::Clone => Passing::Move,
                passing => passing,
            };
            let span = param.recorded.span();
            if param.optional() && matches!(source, Source::Node { .. }) {
                return match (passing, partial) {
                    (Passing::Borrow, true) => quote_spanned!(span=> ::core::option::Option::map(
                        ::core::option::Option::as_deref(&#local),
                        ::core::borrow::Borrow::borrow,
                    )),
                    (Passing::Borrow, false) => quote_spanned!(span=>
                        ::core::option::Option::Some(::core::borrow::Borrow::borrow(&*#local))
                    ),
                    (_, true) => quote!(#local),
                    (_, false) => quote!(::core::option::Option::Some(#local)),
                };
            }
            let value = match partial {
                true => {
                    let bound = format_ident!("__hn_some_{}", index, span = Span::mixed_site());
                    tests.push(quote!(#local), quote!(#bound), true);
                    bound
                }
                false => local,
            };
            match passing {
                Passing::Borrow => argument(
                    model,
                    node,
                    index,
                    passing,
                    &quote_spanned!(param.span=> *#value),
                    &quote!(),
                ),
                _ => quote!(#value),
            }
        })
        .collect();
    let run = run(args);
    if tests.scrutinees.is_empty() {
        return quote!({ #(#takes)* #run });
    }
    let Tests {
        scrutinees,
        patterns,
    } = tests;
    let skip = skip(model, node, observer);
    quote! {{
        #(#takes)*
        match (#(#scrutinees,)*) {
            (#(#patterns,)*) => { #run }
            _ => { #skip }
        }
    }}
}

/// What a node that does not run does: tell the observer.
fn skip(model: &Model, node: &Node, observer: &TokenStream) -> TokenStream {
    let info = node_info(model, node);
    let private = model.private();
    quote! {
        const __HN_NODE: &'static #private::NodeInfo = &#info;
        #observer.skipped(__HN_NODE);
    }
}

/// What a conditional step matches before it runs.
#[derive(Default)]
struct Tests {
    scrutinees: Vec<TokenStream>,
    patterns: Vec<TokenStream>,
}

impl Tests {
    /// Matches `scrutinee` against `pattern`, inside `Some` if `optional`.
    fn push(&mut self, scrutinee: TokenStream, pattern: TokenStream, optional: bool) {
        self.scrutinees.push(scrutinee);
        self.patterns.push(match optional {
            true => quote!(::core::option::Option::Some(#pattern)),
            false => pattern,
        });
    }
}

/// The pattern of a gate's arm: `true`, `false`, or the variants (a bare
/// variant name as a variant of the gate's type, at the name, so that
/// rustc reports a variant the enum lacks there).
fn gate_pattern(model: &Model, arm: &WhenArm, gate: Source) -> TokenStream {
    match arm {
        WhenArm::True => quote!(true),
        WhenArm::False => quote!(false),
        WhenArm::Variants(paths) => {
            let ty = model.type_of(gate);
            let variants = paths.iter().map(|path| match path.get_ident() {
                Some(variant) => quote_spanned!(variant.span()=> <#ty>::#variant),
                None => quote!(#path),
            });
            quote!(#(#variants)|*)
        }
    }
}

/// The argument of a parameter `Option<&T>` or `Option<T>` taking a
/// node's value: the value's `Option`, or `Some` of a value that always
/// exists. `Option<&T>` borrows; `Option<T>` moves at the value's last use
/// and clones before.
fn optional_argument(
    model: &Model,
    node: &Node,
    index: usize,
    passing: Passing,
    local: &TokenStream,
    partial: bool,
) -> TokenStream {
    let span = node.sig.params[index].recorded.span();
    let private = model.private();
    let by_ref = node.sig.params[index].optional_ref();
    match (by_ref, partial, passing) {
        // `Borrow`, as a reference argument's deref coercion would: a
        // `String` seen as `&str`, a `Vec<T>` as `&[T]`.
        (true, true, _) => quote_spanned!(span=> ::core::option::Option::map(
            ::core::option::Option::as_ref(&#local),
            ::core::borrow::Borrow::borrow,
        )),
        (true, false, _) => {
            quote_spanned!(span=> ::core::option::Option::Some(::core::borrow::Borrow::borrow(&#local)))
        }
        (false, true, Passing::Move) => quote!(#local),
        (false, true, _) => {
            quote_spanned!(span=> #private::CloneForLaterUse::clone_for_later_use(&#local))
        }
        (false, false, Passing::Move) => {
            quote_spanned!(span=> ::core::option::Option::Some(#local))
        }
        (false, false, _) => quote_spanned!(span=>
            ::core::option::Option::Some(#private::CloneForLaterUse::clone_for_later_use(&#local))
        ),
    }
}

/// After step `step_index`: for each value it is the last producer of
/// (with several producers), the producers' `Option`s merged into the
/// first one's local, unwrapped if the value always exists.
pub fn merges_after(model: &Model, step_index: usize) -> TokenStream {
    let step = &model.plan.steps[step_index];
    let merges = (0..step.used_outputs.len()).filter_map(|output| {
        let source = Source::Node {
            node: step.node,
            output,
        };
        let producers = model.running_producers(source);
        let last = producers.iter().filter_map(|&p| model.step_of(p)).max()?;
        if producers.len() < 2 || last != step_index || !step.used_outputs[output] {
            return None;
        }
        Some(merge(model, &producers))
    });
    quote!(#(#merges)*)
}

/// `let <first producer's local> = <every producer's Option, merged>;`,
/// unwrapped if the value always exists.
pub fn merge(model: &Model, producers: &[Source]) -> TokenStream {
    let first = model.local(producers[0]);
    let others = producers[1..].iter().map(|&p| model.local_of_producer(p));
    let merged = quote!(#first #(.or(#others))*);
    let value = syn::Ident::new("__hn_value", Span::mixed_site());
    if model.is_partial(producers[0]) {
        quote!(let #first = #merged;)
    } else {
        // Some producer ran: the analysis says one always does.
        quote!(let #first = match #merged {
            ::core::option::Option::Some(#value) => #value,
            ::core::option::Option::None => ::core::unreachable!(),
        };)
    }
}
