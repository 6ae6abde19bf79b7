//! `run_parallel`: each node started the moment its last dependency
//! finishes, so the run follows the critical path, not topological levels.
//!
//! A series-parallel graph runs as balanced nested `rayon::join`s over
//! locals (`joined.rs`), what one would write by hand. Any other graph runs
//! every node as a task on a `rayon::scope`: the generated code keeps, in a `State` local to the call, one slot per
//! value and one counter per node that has dependencies. A finishing node
//! stores its outputs, counts down its dependents, spawns all that became
//! ready but one, and runs that one itself: a chain of nodes runs on one
//! thread with no task in between. The dependencies come from
//! `Plan::dependencies`: a node's producers, and for a value it moves, the
//! other consumers of that value.

use crate::expand::call::{observer_ident, sync_call, value};
use crate::expand::mapped::Items;
use crate::expand::slots::{
    counter_field, declarations, slot_field, slot_output, step_body, value_sources, Declaration,
};
use crate::expand::structs::{destructure_inputs, returned_outputs};
use crate::expand::{errors_doc, joined};
use crate::graph::shape::series_parallel;
use crate::graph::Source;
use crate::model::{Model, Names};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

pub fn expand(model: &Model) -> Option<TokenStream> {
    let large_errors = crate::expand::allow_large_errors();
    if model.has_async_nodes() {
        return None;
    }
    let skeleton = &model.skeleton;
    let Names {
        ident,
        vis,
        inputs,
        outputs,
        error,
    } = skeleton.names();
    let private = model.private();
    let inputs_arg = Ident::new("inputs", Span::mixed_site());
    let observer = observer_ident();
    let state_ty = Ident::new("State", Span::mixed_site());
    let state = Ident::new("state", Span::mixed_site());
    let scope = Ident::new("scope", Span::mixed_site());
    let declarations = declarations(model, &quote!(#private::Slot));
    let slot_fields = declarations
        .iter()
        .map(|Declaration { name, ty, .. }| quote!(#name: #ty,));
    let slot_inits = declarations
        .iter()
        .map(|Declaration { name, init, .. }| quote!(#name: #init,));
    let bounds = thread_bounds(model);
    let tasks = (0..model.plan.steps.len()).map(|step| task(model, step, &state_ty));
    let roots: Vec<usize> = (0..model.plan.steps.len())
        .filter(|&step| model.plan.dependencies(step).is_empty())
        .collect();
    let start_roots = start(&roots, &state, &scope);
    let slot_names: Vec<Ident> = (model.plan.returned.iter())
        .map(|&(_, source)| slot_field(model, source))
        .collect();
    let returned = returned_outputs(model, |source| {
        slot_output(model, source, &slot_field(model, source))
    });
    let destructure = destructure_inputs(model, &inputs_arg);
    // A series-parallel plan runs as nested `rayon::join`s over locals
    // (`joined.rs`); any other with a task per node and counters.
    let body = match series_parallel(&model.plan) {
        Some(shape) => joined::rayon_body(model, &shape),
        None => quote! {
            struct #state_ty<'o, O> {
                observer: &'o O,
                failure: #private::Failure<#error>,
                #(#slot_fields)*
            }
            #(#tasks)*
            #destructure
            let #state = #state_ty {
                observer: #observer,
                failure: ::core::default::Default::default(),
                #(#slot_inits)*
            };
            #private::rayon::scope(|#scope| {
                let #state = &#state;
                #start_roots
            });
            let #state_ty { failure, #(#slot_names,)* .. } = #state;
            if let ::core::option::Option::Some(error) = failure.into_inner() {
                return ::core::result::Result::Err(error);
            }
            ::core::result::Result::Ok(#outputs { #(#returned),* })
        },
    };
    let doc = "Runs the pipeline with independent nodes at once on the current rayon pool: each node starts as soon as the nodes it depends on are done, so the run takes as long as its slowest chain of nodes.";
    let errors_doc = errors_doc(
        model,
        "nodes not started yet do not start, and the ones already running finish first",
    );
    let item_body = crate::expand::map::item_runner_body(model, &inputs_arg, &observer);
    let (engine, parallel) = (
        Ident::new("engine", Span::mixed_site()),
        Ident::new("parallel", Span::mixed_site()),
    );
    let name = ident.to_string();
    let thread_safe = thread_safe_bound(model);
    // At the pipeline's name: "the trait `ThreadSafe` is implemented for
    // `P`" shows the name, not the whole macro call.
    let impl_header = located(quote!(impl #private::ThreadSafe for #ident), ident.span());
    Some(quote! {
        #private::cfg_rayon! {
            // The bounds per value sit on this impl; the runners ask only
            // for `ThreadSafe`, which keeps their signatures short and still
            // checks the values at each call, naming the one that is not
            // thread-safe at the node that produces it.
            #[allow(unused_lifetimes, reason = "`for<'hn>` keeps the thread bounds from being checked where they are declared")]
            #large_errors
            #impl_header
            where
                #bounds
            {
                fn __run_parallel_observed<O: #private::Observer + ::core::marker::Sync>(
                    &self,
                    #inputs_arg: #inputs,
                    #observer: &O,
                ) -> ::core::result::Result<#outputs, #error> {
                    #body
                }

                fn __run_item_observed<O: #private::Observer + ::core::marker::Sync>(
                    &self,
                    #inputs_arg: #inputs,
                    #observer: &O,
                ) -> ::core::result::Result<#outputs, #error> {
                    #item_body
                }
            }

            #[allow(unused_lifetimes, reason = "`for<'hn>` keeps the thread bounds from being checked where they are declared")]
            #large_errors
            impl #ident {
                #[doc = #doc]
                #[doc = ""]
                #[doc = "A node that runs alone runs on the calling thread, with no task overhead."]
                #errors_doc
                #[doc = ""]
                #[doc = "# Panics"]
                #[doc = ""]
                #[doc = "If a node panics, the panic reaches the caller once the nodes already running have finished, as with `rayon::join`."]
                #vis fn run_parallel(&self, #inputs_arg: #inputs) -> ::core::result::Result<#outputs, #error>
                where
                    #thread_safe
                {
                    #private::ThreadSafe::__run_parallel_observed(self, #inputs_arg, &())
                }

                /// Runs the pipeline once with `engine`: its nodes one after another
                /// as `run` does, or at once as `run_parallel` does if the engine's
                /// node mode is `Mode::Parallel` or `Mode::Threads`; with the engine's
                /// callbacks called around the run and every node call. Without
                /// callbacks, it costs what `run` or `run_parallel` costs.
                #errors_doc
                #vis fn run_with(
                    &self,
                    #engine: &#private::Engine,
                    #inputs_arg: #inputs,
                ) -> ::core::result::Result<#outputs, #error>
                where
                    #thread_safe
                {
                    let #parallel = ::core::matches!(
                        #engine.node_mode(),
                        #private::Mode::Parallel | #private::Mode::Threads
                    );
                    if !#engine.__watched() {
                        return if #parallel {
                            #private::ThreadSafe::__run_parallel_observed(self, #inputs_arg, &())
                        } else {
                            self.__run_observed(#inputs_arg, &())
                        };
                    }
                    let #observer = #private::Callbacks::new(#engine, #name);
                    #observer.run(|| {
                        if #parallel {
                            #private::ThreadSafe::__run_parallel_observed(self, #inputs_arg, &#observer)
                        } else {
                            self.__run_observed(#inputs_arg, &#observer)
                        }
                    })
                }
            }
        }
    })
}

/// The bound of the runners that run nodes on several threads:
/// `for<'hn> Self: ThreadSafe` (the `for` defers the check to each call).
pub fn thread_safe_bound(model: &Model) -> TokenStream {
    let private = model.private();
    located(
        quote!(for<'hn> Self: #private::ThreadSafe,),
        model.skeleton.ident.span(),
    )
}

/// `tokens` shown at `location` in messages, resolved as before.
fn located(tokens: TokenStream, location: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), located(group.stream(), location));
                inner.set_span(group.span().located_at(location));
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(tree.span().located_at(location));
            }
            tree
        })
        .collect()
}

fn task_ident(step: usize) -> Ident {
    format_ident!("task_{}", step, span = Span::mixed_site())
}

/// Spawns every ready task but the last, and runs the last one here.
fn start(ready: &[usize], state: &Ident, scope: &Ident) -> TokenStream {
    let Some((&last, others)) = ready.split_last() else {
        return TokenStream::new();
    };
    let spawned = others.iter().map(|&step| {
        let task = task_ident(step);
        quote!(#scope.spawn(move |#scope| #task(#state, #scope));)
    });
    let last = task_ident(last);
    quote! {
        #(#spawned)*
        #last(#state, #scope);
    }
}

/// The task of one step: take its arguments from the slots, call the node,
/// store its outputs, start the dependents that became ready.
fn task(model: &Model, step_index: usize, state_ty: &Ident) -> TokenStream {
    let step = &model.plan.steps[step_index];
    let node = &model.nodes[step.node];
    let private = model.private();
    let (state, scope) = (
        Ident::new("state", Span::mixed_site()),
        Ident::new("scope", Span::mixed_site()),
    );
    let access = quote!(#state.);
    let observer = quote!(#state.observer);
    let result = |args| {
        let call = sync_call(model, node, args, &observer, Items::Parallel);
        value(model, node, call, |error| {
            quote! {{
                #state.failure.set(#error);
                return;
            }}
        })
    };
    let body = step_body(model, step_index, &access, &observer, &result);
    let dependents = model.plan.dependents(step_index);
    let next = Ident::new("next", Span::mixed_site());
    let notify = dependents.iter().map(|&dependent| {
        let (counter, task) = (counter_field(dependent), task_ident(dependent));
        quote! {
            if #state.#counter.fetch_sub(1, ::core::sync::atomic::Ordering::AcqRel) == 1 {
                if let ::core::option::Option::Some(ready) = #next.replace(#task::<O>) {
                    #scope.spawn(move |#scope| ready(#state, #scope));
                }
            }
        }
    });
    let task = task_ident(step_index);
    quote! {
        fn #task<'s, 'o, O: #private::Observer + ::core::marker::Sync>(
            #state: &'s #state_ty<'o, O>,
            #scope: &#private::rayon::Scope<'s>,
        )
        where
            // What crosses threads is the state: one bound per task, not one
            // per value (N tasks times N values made type checking
            // quadratic). The caller proves it from the values' bounds.
            for<'hn> #state_ty<'o, O>: ::core::marker::Sync,
        {
            if #state.failure.is_set() {
                return;
            }
            #body
            let mut #next: ::core::option::Option<fn(&'s #state_ty<'o, O>, &#private::rayon::Scope<'s>)> =
                ::core::option::Option::None;
            #(#notify)*
            if let ::core::option::Option::Some(ready) = #next {
                ready(#state, #scope);
            }
        }
    }
}

/// Every value and every error crosses threads. The bounds are
/// higher-ranked (`for<'hn>`) so that a pipeline whose values are not
/// thread-safe still compiles (only `run_parallel` is then unusable), and
/// each is spanned at the node that produces the value (or the parameter
/// that first consumes an input): calling `run_parallel` on such a pipeline
/// is an error that points there.
pub fn thread_bounds(model: &Model) -> TokenStream {
    let values = value_sources(model).into_iter().map(|source| {
        let span = match source {
            Source::Input(index) => {
                let (node, param) = model.plan.inputs[index].consumers[0];
                model.nodes[node].sig.params[param].span
            }
            Source::Node { node, output } => model.nodes[node].sig.outputs[output].span(),
        };
        let ty = model.type_of(source);
        quote_spanned!(span=> for<'hn> #ty: ::core::marker::Send + ::core::marker::Sync,)
    });
    let errors = model.fallible_nodes().map(|node| {
        let ty = node.error_type(model.krate());
        let span = node.sig.ident.span();
        quote_spanned!(span=> for<'hn> #ty: ::core::marker::Send,)
    });
    quote!(#(#values)* #(#errors)*)
}
