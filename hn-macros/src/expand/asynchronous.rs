//! `run_async`, `map_async`, `map_async_with`, `map_stream`: the pipeline
//! on an async runtime.
//!
//! `run_async` has three shapes, the cheapest that fits the graph; in
//! each, a node starts as soon as its own inputs are ready, `async fn` nodes
//! are awaited and sync nodes called inline:
//!
//! - at most one node awaits at a time: straight-line code, `run` with
//!   `.await`s (`sequential::body`);
//! - a series-parallel graph without `blocking` nodes: nested joins of
//!   sequences over plain locals (`joined.rs`);
//! - any other graph: one async block per node, all joined, each waiting for
//!   its dependency counter, the values in shared slots (see `hn-runtime`'s
//!   `executor/asynchronous.rs`).
//!
//! Nothing is spawned: the future borrows the run's values in place, runs in
//! whatever runtime polls it, and dropping it cancels every node.

use crate::expand::call::{
    cached, group_member_call, observed, observed_call, observer_ident, value,
};
use crate::expand::mapped::{self, Items};
use crate::expand::slots::{
    counter_field, declarations, slot_field, slot_output, step_body, Declaration,
};
use crate::expand::structs::{destructure_inputs, returned_outputs};
use crate::expand::{errors_doc, joined, sequential};
use crate::graph::shape::{series_parallel, Shape};
use crate::graph::Passing;
use crate::model::{Model, Names, NodeKind};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

pub fn expand(model: &Model) -> TokenStream {
    let large_errors = crate::expand::allow_large_errors();
    let ident = &model.skeleton.ident;
    let private = model.private();
    let run_async = run_async(model);
    let maps = maps(model);
    let sync_stubs = model.has_async_nodes().then(|| sync_stubs(model));
    quote! {
        #private::cfg_tokio! {
            #[allow(clippy::future_not_send, reason = "the futures are `Send` exactly when the pipeline's values are")]
            #large_errors
            impl #ident {
                #run_async
                #maps
            }
        }
        #sync_stubs
    }
}

fn run_async(model: &Model) -> TokenStream {
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
    let (failure, waker, pipeline) = (
        Ident::new("failure", Span::mixed_site()),
        Ident::new("waker", Span::mixed_site()),
        Ident::new("pipeline", Span::mixed_site()),
    );
    let declarations = declarations(model, &quote!(#private::AsyncSlot));
    let locals = declarations
        .iter()
        .map(|Declaration { name, ty, init }| quote!(let #name: #ty = #init;));
    let blocks: Vec<Ident> = (0..model.plan.steps.len())
        .map(|step| format_ident!("node_{}", step, span = Span::mixed_site()))
        .collect();
    let block_defs = blocks.iter().enumerate().map(|(step, block)| {
        let body = node_block(model, step, &failure, &waker);
        quote!(let #block = async { #body };)
    });
    let returned = returned_outputs(model, |source| {
        slot_output(model, source, &slot_field(model, source))
    });
    let destructure = destructure_inputs(model, &inputs_arg);
    let body = if straight_line(model) {
        sequential::body(model, |step, args| node_call(model, step, args))
    } else if let Some(shape) = joinable(model) {
        joined::async_body(model, &shape)
    } else {
        quote! {
            #destructure
        let #failure: #private::Failure<#error> = ::core::default::Default::default();
        let #waker = #private::RunWaker::new();
        #(#locals)*
        {
            #(#block_defs)*
            let _ = #private::futures::try_join!(#(#blocks),*);
        }
        if let ::core::option::Option::Some(error) = #failure.into_inner() {
            return ::core::result::Result::Err(error);
        }
        ::core::result::Result::Ok(#outputs { #(#returned),* })
        }
    };
    let errors_doc = errors_doc(
        model,
        "the nodes still running are cancelled (their futures dropped)",
    );
    let engine = Ident::new("engine", Span::mixed_site());
    let name = skeleton.ident.to_string();
    quote! {
        /// Runs the pipeline as a future: `async fn` nodes are awaited, sync
        /// nodes called inline, and each node starts as soon as the nodes it
        /// depends on are done, so independent nodes run concurrently. Nothing
        /// is spawned: it runs in whatever runtime polls it (multi-thread or
        /// current-thread), and dropping it cancels the run.
        #errors_doc
        #vis fn run_async(
            &self,
            #inputs_arg: #inputs,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<#outputs, #error>> + use<> {
            let #pipeline = *self;
            #pipeline.__run_async_observed(#inputs_arg, &())
        }

        /// `run_async` with `engine`: its callbacks are called around the run
        /// and every node call. Without callbacks, it is `run_async`.
        #errors_doc
        #vis fn run_async_with(
            &self,
            #engine: &#private::Engine,
            #inputs_arg: #inputs,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<#outputs, #error>> + use<> {
            let (#pipeline, #engine) = (*self, #engine.clone());
            async move {
                if !#engine.__watched() {
                    return #pipeline.__run_async_observed(#inputs_arg, &()).await;
                }
                let #observer = #private::Callbacks::new(&#engine, #name);
                #observer.run_async(#pipeline.__run_async_observed(#inputs_arg, &#observer)).await
            }
        }

        /// `run_async`, with every node call wrapped by `observer`. Takes the
        /// (unit) pipeline by value so that the future borrows nothing but
        /// the observer.
        #[doc(hidden)]
        #vis async fn __run_async_observed<O: #private::Observer + ::core::marker::Sync>(
            self,
            #inputs_arg: #inputs,
            #observer: &O,
        ) -> ::core::result::Result<#outputs, #error> {
            #body
        }
    }
}

/// Whether the run gains nothing from running nodes at once: at most one
/// node awaits at a time (async nodes are ordered by their dependencies, and
/// no node is `blocking`), and sync nodes run inline either way. Then
/// `run_async` is straight-line code, like `run` with `.await`s: no slots,
/// no join.
fn straight_line(model: &Model) -> bool {
    let sig = |step: usize| &model.nodes[model.plan.steps[step].node].sig;
    let awaiting: Vec<usize> = (0..model.plan.steps.len())
        .filter(|&step| sig(step).is_async || sig(step).blocking)
        .collect();
    let blocking = awaiting.iter().any(|&step| sig(step).blocking);
    let ancestors = model.plan.ancestors();
    !blocking && awaiting.windows(2).all(|pair| ancestors[pair[1]][pair[0]])
}

/// The plan's series-parallel shape, when `run_async` can be nested joins
/// over locals (`joined.rs`): not with a `blocking` node, which needs its
/// arguments behind an `Arc` to send them to the blocking pool.
fn joinable(model: &Model) -> Option<Shape> {
    let blocking = (model.plan.steps.iter()).any(|step| model.nodes[step.node].sig.blocking);
    if blocking {
        return None;
    }
    series_parallel(&model.plan)
}

/// The async block of one step.
fn node_block(model: &Model, step_index: usize, failure: &Ident, waker: &Ident) -> TokenStream {
    let private = model.private();
    let node = &model.nodes[model.plan.steps[step_index].node];
    let access = TokenStream::new();
    let wait = (!model.plan.dependencies(step_index).is_empty()).then(|| {
        let counter = counter_field(step_index);
        quote! {
            if !#private::ready(&#counter, &#waker, #failure.flag()).await {
                return ::core::result::Result::Err(());
            }
        }
    });
    let result = |args| {
        let call = node_call(model, step_index, args);
        value(model, node, call, |error| {
            quote! {{
                #failure.set(#error);
                #waker.wake();
                return ::core::result::Result::Err(());
            }}
        })
    };
    let observer = observer_ident();
    let body = step_body(model, step_index, &access, &quote!(#observer), &result);
    let dependents = model
        .plan
        .dependents(step_index)
        .into_iter()
        .map(counter_field);
    quote! {
        #wait
        #body
        #private::finished(&[#(&#dependents),*], &#waker);
        ::core::result::Result::<(), ()>::Ok(())
    }
}

/// The awaited call of a step's node: an `async fn` awaited (through
/// `attempt` if it has a timeout or retries), a `blocking` sync node on the
/// blocking pool, any other sync node called inline.
pub fn node_call(model: &Model, step_index: usize, args: Vec<TokenStream>) -> TokenStream {
    node_call_in(model, step_index, args, CallSite::default())
}

/// Whether a step's node is a plain `async fn`: not `blocking`, no
/// timeout or retries, not a nested pipeline. Its call is a future of its
/// output ([`plain_future`]).
pub fn is_plain_async(model: &Model, step_index: usize) -> bool {
    let node = model.step_node(step_index);
    let sig = &node.sig;
    sig.is_async
        && !sig.blocking
        && sig.retry.is_none()
        && sig.cache.is_none()
        && !matches!(
            node.kind,
            NodeKind::Mapped(_) | NodeKind::Member { group: true, .. }
        )
}

/// The future of a plain async node's call (see [`is_plain_async`]),
/// observed.
pub fn plain_future(model: &Model, step_index: usize, args: Vec<TokenStream>) -> TokenStream {
    let node = model.step_node(step_index);
    let path = node.callee_for(Items::Async);
    observed_future(model, node, quote!(#path(#(#args),*)), node.sig.fallible)
}

/// `future`, the call of `node`, through the observer's `call_async`;
/// `is_result`: its output is a `Result` whose error is the node's failure.
fn observed_future(
    model: &Model,
    node: &crate::model::Node,
    future: TokenStream,
    is_result: bool,
) -> TokenStream {
    let private = model.private();
    let observer = observer_ident();
    let info = crate::expand::call::node_info(model, node);
    let (result, report, error) = (
        Ident::new("result", Span::mixed_site()),
        Ident::new("report", Span::mixed_site()),
        Ident::new("error", Span::mixed_site()),
    );
    let failure = if is_result {
        quote! {
            |#result: &_, #report: &mut dyn ::core::ops::FnMut(&dyn ::core::fmt::Display)| {
                if let ::core::result::Result::Err(#error) = #result {
                    #[allow(unused_imports, reason = "only the trait that fits the error is used")]
                    use #private::{DisplayOpaque as _, DisplayViaDebug as _, DisplayViaDisplay as _};
                    #report(&(&&&#private::Probe(#error)).hn_display());
                }
            }
        }
    } else {
        quote!(|_: &_, _: &mut dyn ::core::ops::FnMut(&dyn ::core::fmt::Display)| {})
    };
    quote! {{
        const __HN_NODE: &'static #private::NodeInfo = &#info;
        #observer.call_async(__HN_NODE, #future, #failure)
    }}
}

/// Where a node call is made, for [`node_call_in`].
#[derive(Clone, Copy, Default)]
pub struct CallSite {
    /// The arguments are borrowed from the caller (`map_over_async`, mapped
    /// nested pipelines), so a `blocking` node cannot move them to the
    /// blocking pool and runs through `blocking_in_place`.
    pub borrowed: bool,
}

/// `node_call` at a given call site.
pub fn node_call_in(
    model: &Model,
    step_index: usize,
    args: Vec<TokenStream>,
    site: CallSite,
) -> TokenStream {
    let node = &model.nodes[model.plan.steps[step_index].node];
    let observer = observer_ident();
    if let NodeKind::Mapped(group) = &node.kind {
        return mapped::call(model, node, group, args, &quote!(#observer), Items::Async);
    }
    cached(model, node, args, &quote!(#observer), &|args| {
        uncached_call(model, step_index, args, site)
    })
}

/// [`node_call_in`] of a node that is not a mapped nested pipeline,
/// without looking in the cache.
fn uncached_call(
    model: &Model,
    step_index: usize,
    args: Vec<TokenStream>,
    site: CallSite,
) -> TokenStream {
    let private = model.private();
    let node = &model.nodes[model.plan.steps[step_index].node];
    let observer = observer_ident();
    let path = node.callee_for(Items::Async);
    if let NodeKind::Member { group: true, .. } = node.kind {
        let observer = quote!(#observer);
        return if node.sig.is_async {
            let call = group_member_call(model, node, Items::Async, args, &observer);
            quote!(#call.await)
        } else {
            group_member_call(model, node, Items::Sequential, args, &observer)
        };
    }
    if node.sig.blocking && site.borrowed {
        let call = quote!(#private::blocking_in_place(|| #path(#(#args),*)));
        return observed_call(model, node, call, &quote!(#observer));
    }
    if node.sig.blocking {
        let future = observed_future(
            model,
            node,
            quote!(#private::run_blocking(move || #path(#(#args),*))),
            node.sig.fallible,
        );
        return quote!(#future.await);
    }
    if !node.sig.is_async {
        return observed(model, node, args, &quote!(#observer));
    }
    let Some(retry) = node.sig.retry else {
        let future = plain_future(model, step_index, args);
        return quote!(#future.await);
    };
    // By-value arguments are cloned for every attempt but the last.
    let step = &model.plan.steps[step_index];
    let last = Ident::new("last", Span::mixed_site());
    let mut reusable = Vec::new();
    let args = (args.into_iter().zip(&step.args).enumerate())
        .map(|(index, (arg, &(_, passing)))| {
            if passing == Passing::Borrow {
                return arg;
            }
            let holder = format_ident!("retried_{}", index, span = Span::mixed_site());
            let kind = if retry.retries > 0 {
                quote!(Reusable)
            } else {
                quote!(UsedOnce)
            };
            reusable.push(quote!(let mut #holder = #private::#kind::new(#arg);));
            quote!(#holder.for_attempt(#last))
        })
        .collect::<Vec<_>>();
    let attempt = quote!(#path(#(#args),*));
    let attempt = if node.sig.fallible {
        attempt
    } else {
        quote!(#private::infallible(#attempt))
    };
    let timeout = match retry.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let (retries, backoff) = (
        u32::try_from(retry.retries).unwrap_or(u32::MAX),
        retry.backoff_ms,
    );
    // Observed as one call, all attempts together: its error is the last
    // attempt's (or the timeout), as the run reports it.
    let attempts = observed_future(
        model,
        node,
        quote!(#private::attempt(policy, |#last| #attempt)),
        true,
    );
    quote! {{
        #(#reusable)*
        let policy = #private::RetryPolicy {
            timeout: #timeout,
            retries: #retries,
            backoff: ::core::time::Duration::from_millis(#backoff),
        };
        #attempts.await
    }}
}

/// `map_async`, `map_async_with`, `map_stream`, `map_stream_with`.
fn maps(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let Names {
        vis,
        inputs,
        outputs,
        error,
        ..
    } = skeleton.names();
    let private = model.private();
    let result = quote!(::core::result::Result<#outputs, #private::MapError<#error>>);
    let all_or_nothing =
        quote!(::core::result::Result<#private::Vec<#outputs>, #private::MapError<#error>>);
    let (items, engine, pipeline) = (
        Ident::new("items", Span::mixed_site()),
        Ident::new("engine", Span::mixed_site()),
        Ident::new("pipeline", Span::mixed_site()),
    );
    let run_item = quote! {
        move |inputs| #pipeline.__run_async_observed(inputs, &#private::LocatePanics)
    };
    // With callbacks: the map's and each item's events around the same
    // executor, over the items paired with their indices.
    let (events, observer, index) = (
        Ident::new("events", Span::mixed_site()),
        Ident::new("observer", Span::mixed_site()),
        Ident::new("index", Span::mixed_site()),
    );
    let name = skeleton.ident.to_string();
    // A future of its own, so that the map without callbacks keeps its
    // future's code: sharing one async block cost 6 % more instructions per
    // item (`callgrind.sh async`).
    let with_callbacks = |executor: TokenStream, plain: TokenStream| {
        quote! {
            if !#engine.__watched() {
                return #private::futures::future::Either::Left(async move { #plain });
            }
            #private::futures::future::Either::Right(async move {
                let #items = ::core::iter::IntoIterator::into_iter(#items);
                let #events = #private::MapEvents::new(
                    &#engine,
                    #name,
                    #private::MapEvents::total_of(&#items),
                );
                let #events = &#events;
                #events
                    .map_async(#executor(&#engine, #items.enumerate(), move |(#index, inputs)| async move {
                        let #observer = #events.item_observer(#index);
                        #events.item_async(#index, #pipeline.__run_async_observed(inputs, &#observer)).await
                    }))
                    .await
            })
        }
    };
    let map_async_with_callbacks = with_callbacks(
        quote!(#private::map_async),
        quote!(#private::map_async(&#engine, #items, #run_item).await),
    );
    // A stream: the events shared with every item's future, the end
    // reported when the results run out or are dropped.
    let map_stream_with_callbacks = {
        let (shared, results) = (
            Ident::new("shared", Span::mixed_site()),
            Ident::new("results", Span::mixed_site()),
        );
        quote! {
            if !#engine.__watched() {
                return #private::futures::future::Either::Left(#private::map_stream(#engine, #items, #run_item));
            }
            let #items = #private::futures::StreamExt::enumerate(#items);
            let #events = #private::Arc::new(#private::MapEvents::new(
                #engine,
                #name,
                #private::MapEvents::total_of_stream(&#items),
            ));
            let #shared = #private::Arc::clone(&#events);
            let #results = #private::map_stream(#engine, #items, move |(#index, inputs)| {
                let #events = #private::Arc::clone(&#shared);
                async move {
                    let #observer = #events.item_observer(#index);
                    #events.item_async(#index, #pipeline.__run_async_observed(inputs, &#observer)).await
                }
            });
            #private::futures::future::Either::Right(#private::MapEvents::watch_stream(#events, #results))
        }
    };
    let try_map_async_with_callbacks = with_callbacks(
        quote!(#private::try_map_async),
        quote!(#private::try_map_async(&#engine, #items, #run_item).await),
    );
    quote! {
        /// Runs the pipeline on every item as futures in the calling task, at
        /// most 128 at once (set another bound with `map_async_with` and
        /// `Engine::max_workers`). Results come in input order, one per item: a
        /// failing or panicking item becomes a `MapError` and never loses
        /// another item's result. Dropping the future cancels every item.
        #vis fn map_async<I>(
            &self,
            #items: I,
        ) -> impl ::core::future::Future<Output = #private::Vec<#result>> + use<I>
        where
            I: ::core::iter::IntoIterator<Item = #inputs>,
        {
            self.map_async_with(&#private::Engine::new(), #items)
        }

        /// `map_async` with an explicit `Engine`: `max_workers` items in flight,
        /// `fail_fast` to start no new item after a failure.
        #vis fn map_async_with<I>(
            &self,
            #engine: &#private::Engine,
            #items: I,
        ) -> impl ::core::future::Future<Output = #private::Vec<#result>> + use<I>
        where
            I: ::core::iter::IntoIterator<Item = #inputs>,
        {
            let (#pipeline, #engine) = (*self, #engine.clone());
            #map_async_with_callbacks
        }

        /// `map_async`, all or nothing: every item's outputs in input order, or
        /// the failure of the lowest-index item that failed. After the first
        /// failure no new item starts; the items still running are dropped
        /// (cancelled) once it is known to be the lowest.
        #vis fn try_map_async<I>(
            &self,
            #items: I,
        ) -> impl ::core::future::Future<Output = #all_or_nothing> + use<I>
        where
            I: ::core::iter::IntoIterator<Item = #inputs>,
        {
            self.try_map_async_with(&#private::Engine::new(), #items)
        }

        /// `try_map_async` with an explicit `Engine`: `max_workers` items in
        /// flight.
        #vis fn try_map_async_with<I>(
            &self,
            #engine: &#private::Engine,
            #items: I,
        ) -> impl ::core::future::Future<Output = #all_or_nothing> + use<I>
        where
            I: ::core::iter::IntoIterator<Item = #inputs>,
        {
            let (#pipeline, #engine) = (*self, #engine.clone());
            #try_map_async_with_callbacks
        }

        /// Runs the pipeline on a stream of inputs: a stream of results, in input
        /// order, with at most 128 items between them (a fast source waits for a
        /// slow pipeline).
        #vis fn map_stream<S>(
            &self,
            #items: S,
        ) -> impl #private::futures::Stream<Item = #result> + use<S>
        where
            S: #private::futures::Stream<Item = #inputs>,
        {
            self.map_stream_with(&#private::Engine::new(), #items)
        }

        /// `map_stream` with an explicit `Engine`: `max_workers` items in flight.
        #vis fn map_stream_with<S>(
            &self,
            #engine: &#private::Engine,
            #items: S,
        ) -> impl #private::futures::Stream<Item = #result> + use<S>
        where
            S: #private::futures::Stream<Item = #inputs>,
        {
            let #pipeline = *self;
            #map_stream_with_callbacks
        }
    }
}

/// A pipeline with async nodes has no blocking runners or maps; these stand
/// in for them so that a call gets a message that says what to use instead.
fn sync_stubs(model: &Model) -> TokenStream {
    let large_errors = crate::expand::allow_large_errors();
    let skeleton = &model.skeleton;
    let Names {
        ident,
        vis,
        inputs,
        outputs,
        error,
    } = skeleton.names();
    let private = model.private();
    let stub = |name: &str| {
        let name = Ident::new(name, Span::call_site());
        quote! {
            #[doc(hidden)]
            #vis fn #name(&self, _inputs: #inputs) -> ::core::result::Result<#outputs, #error>
            where
                for<'hn> #ident: #private::NoAsyncNodes,
            {
                ::core::unreachable!("a pipeline with async nodes has no blocking runner")
            }
        }
    };
    let (run, run_parallel) = (stub("run"), stub("run_parallel"));
    let result = quote!(::core::result::Result<#outputs, #private::MapError<#error>>);
    let all_or_nothing =
        quote!(::core::result::Result<#private::Vec<#outputs>, #private::MapError<#error>>);
    let engine = quote!(_engine: &#private::Engine,);
    let map_stub = |name: &str, engine: Option<&TokenStream>, returns: &TokenStream| {
        let name = Ident::new(name, Span::call_site());
        quote! {
            #[doc(hidden)]
            #vis fn #name<I>(&self, #engine _items: I) -> #returns
            where
                for<'hn> #ident: #private::NoAsyncNodes,
            {
                ::core::unreachable!("a pipeline with async nodes has no blocking map")
            }
        }
    };
    let results = quote!(#private::Vec<#result>);
    let stream = quote!(::core::iter::Empty<#result>);
    let run_with = quote! {
        #[doc(hidden)]
        #vis fn run_with(&self, #engine _inputs: #inputs) -> ::core::result::Result<#outputs, #error>
        where
            for<'hn> #ident: #private::NoAsyncNodes,
        {
            ::core::unreachable!("a pipeline with async nodes has no blocking runner")
        }
    };
    let maps = [
        run_with,
        map_stub("map", None, &results),
        map_stub("map_with", Some(&engine), &results),
        map_stub("try_map", None, &all_or_nothing),
        map_stub("try_map_with", Some(&engine), &all_or_nothing),
        map_stub("map_iter", None, &stream),
        map_stub("map_iter_with", Some(&engine), &stream),
    ];
    quote! {
        #[allow(unused_lifetimes, reason = "`for<'hn>` defers the bound to the call")]
        #large_errors
        impl #ident {
            #run
            #run_parallel
        }

        #private::cfg_rayon! {
            #[allow(unused_lifetimes, reason = "`for<'hn>` defers the bound to the call")]
            #large_errors
            impl #ident {
                #(#maps)*
            }
        }
    }
}
