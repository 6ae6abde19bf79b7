//! `map`, `map_with`, `map_iter`: the pipeline over many items. The
//! executors live in the runtime; the generated methods only hand them the
//! per-item runner, with every node call wrapped so that a panic names its
//! node.

use crate::expand::call::sync_call;
use crate::expand::mapped::Items;
use crate::expand::parallel::thread_safe_bound;
use crate::expand::sequential;
use crate::model::{Model, Names, NodeKind};
use proc_macro2::{Span, TokenStream};
use quote::quote;
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
    let result = quote!(::core::result::Result<#outputs, #private::MapError<#error>>);
    let all_or_nothing =
        quote!(::core::result::Result<#private::Vec<#outputs>, #private::MapError<#error>>);
    let items = Ident::new("items", Span::mixed_site());
    let engine = Ident::new("engine", Span::mixed_site());
    let pipeline = Ident::new("pipeline", Span::mixed_site());
    let item_bounds = quote! {
        for<'hn> #inputs: ::core::marker::Send,
        for<'hn> #outputs: ::core::marker::Send,
        for<'hn> #error: ::core::marker::Send,
    };
    let parallel_bounds = thread_safe_bound(model);
    // One item, with nodes one after another or at once as the engine says.
    let node_mode = Ident::new("node_mode", Span::mixed_site());
    // A mapped nested pipeline's items run on rayon in the maps too: an
    // item's runner of its own then (`ThreadSafe::__run_item_observed`).
    let groups = has_groups(model);
    let item_runner = |observer: TokenStream| {
        if groups {
            quote!(#private::ThreadSafe::__run_item_observed(&#pipeline, inputs, #observer))
        } else {
            quote!(#pipeline.__run_observed(inputs, #observer))
        }
    };
    // One item's run with `observer`, as the engine's node mode says.
    let run_with_observer = |observer: TokenStream| {
        let sequential = item_runner(observer.clone());
        quote! {
            match #node_mode {
                #private::Mode::Parallel | #private::Mode::Threads => {
                    #private::ThreadSafe::__run_parallel_observed(&#pipeline, inputs, #observer)
                }
                _ => #sequential,
            }
        }
    };
    let item_runner = item_runner(quote!(&#private::LocatePanics));
    let run_plain = run_with_observer(quote!(&#private::LocatePanics));
    let run_item = quote!(move |inputs| #run_plain);
    // With callbacks: the map's and each item's events around the same
    // executor, over the items paired with their indices; each item's nodes
    // observed by the callbacks, then by `LocatePanics`. When the callbacks
    // want only counts, each item runs as without callbacks and is counted.
    let (events, observer, index) = (
        Ident::new("events", Span::mixed_site()),
        Ident::new("observer", Span::mixed_site()),
        Ident::new("index", Span::mixed_site()),
    );
    let name = ident.to_string();
    // The plain runner observes no nested map: the callbacks must see
    // those, so a pipeline with mapped nested pipelines counts its items
    // through the callbacks' observer.
    let counting = !groups;
    // `executor` is called with the items and `|index, inputs| ..` if
    // `indexed`, else with the items enumerated and `|(index, inputs)| ..`;
    // `counted` is the map when the callbacks want only counts.
    let with_callbacks = |executor: TokenStream, indexed: bool, counted: TokenStream| {
        let run = run_with_observer(quote!(#observer));
        let (items_arg, params) = if indexed {
            (quote!(#items), quote!(#index, inputs))
        } else {
            (quote!(#items.enumerate()), quote!((#index, inputs)))
        };
        quote! {
            if #engine.__watched() {
                let #items = ::core::iter::IntoIterator::into_iter(#items);
                let #events = #private::MapEvents::new(#engine, #name, #private::MapEvents::total_of(&#items));
                let #events = &#events;
                if #counting && #events.counts_only() {
                    return #events.map(|| #counted);
                }
                return #events.map(|| {
                    #executor(#engine, #items_arg, move |#params| {
                        #events.item(#index, #private::LocatePanics, |#observer| #run)
                    })
                });
            }
        }
    };
    // `map_with` counts in the executor's loops; the others count each
    // item in its thread's slot.
    let map_with_callbacks = with_callbacks(
        quote!(#private::map_with_indexed),
        true,
        quote! {
            #private::map_with_counted(#engine, #items, #events, move |_, inputs| #run_plain)
        },
    );
    // A lazy map: the events shared with the item closure, the end
    // reported when the results run out or are dropped.
    let map_iter_with_callbacks = {
        let run = run_with_observer(quote!(#observer));
        let (shared, results) = (
            Ident::new("shared", Span::mixed_site()),
            Ident::new("results", Span::mixed_site()),
        );
        quote! {
            if #engine.__watched() {
                let #items = ::core::iter::IntoIterator::into_iter(#items);
                let #events = #private::Arc::new(#private::MapEvents::new(#engine, #name, #private::MapEvents::total_of(&#items)));
                let #shared = #private::Arc::clone(&#events);
                if #counting && #events.counts_only() {
                    let #results = #private::map_iter(#engine, #items, move |inputs| {
                        #shared.count(|| #run_plain)
                    });
                    return #private::EitherIter::Watched(#private::EitherIter::Plain(#private::MapEvents::watch(#events, #results)));
                }
                let #results = #private::map_iter(#engine, #items.enumerate(), move |(#index, inputs)| {
                    #shared.item(#index, #private::LocatePanics, |#observer| #run)
                });
                return #private::EitherIter::Watched(#private::EitherIter::Watched(#private::MapEvents::watch(#events, #results)));
            }
        }
    };
    let try_map_with_callbacks = with_callbacks(
        quote!(#private::try_map_with),
        false,
        quote! {
            #private::try_map_with(#engine, #items, move |inputs| #events.count(|| #run_plain))
        },
    );
    let map_bounds = groups.then(|| parallel_bounds.clone());
    // `#[pipeline(serde)]`: the inputs and outputs can cross processes.
    let cross_process = skeleton.serde.then(|| {
        quote! {
            #private::cfg_cluster! {
                impl #private::CrossProcess for #ident {
                    type Inputs = #inputs;
                    type Outputs = #outputs;
                }
            }
        }
    });
    Some(quote! {
        #cross_process
        #private::cfg_rayon! {
            #[allow(unused_lifetimes, reason = "`for<'hn>` keeps the thread bounds from being checked where they are declared")]
            #large_errors
            impl #ident {
                /// Runs the pipeline on every item, in parallel on the current rayon
                /// pool (the one the calling thread belongs to, else the global pool).
                ///
                /// Results come in input order, one per item: the item's outputs, or
                /// why it has none. One item's failure or panic never loses another
                /// item's result.
                #vis fn map<I>(&self, #items: I) -> #private::Vec<#result>
                where
                    I: #private::rayon::iter::IntoParallelIterator<Item = #inputs>,
                    #item_bounds
                    #map_bounds
                {
                    let #pipeline = *self;
                    #private::map_par(#items, move |inputs| #item_runner)
                }

                /// Runs the pipeline on every item, in parallel on the current rayon
                /// pool, all or nothing: every item's outputs in input order, or the
                /// failure of the lowest-index item that failed. After the first
                /// failure or panic no new item starts: the workers look before
                /// each item, or before each batch of cheap items that take about
                /// 50 µs together. The pipeline form of
                /// `par_iter().map(f).collect::<Result<Vec<_>, _>>()`, and as cheap:
                /// the outputs are collected in place.
                ///
                /// `items` is an indexed parallel iterator (a `Vec`, a range, and
                /// `map`s and `zip`s of them), so that a failure knows its item.
                #vis fn try_map<I>(&self, #items: I) -> #all_or_nothing
                where
                    I: #private::rayon::iter::IntoParallelIterator<Item = #inputs>,
                    <I as #private::rayon::iter::IntoParallelIterator>::Iter:
                        #private::rayon::iter::IndexedParallelIterator,
                    #item_bounds
                    #map_bounds
                {
                    let #pipeline = *self;
                    #private::try_map_par(#items, move |inputs| #item_runner)
                }

                /// `try_map` with an explicit `Engine`: sequentially, in parallel on
                /// rayon, or on the pool of threads sized for blocking I/O, as
                /// `map_with` does; all or nothing, as `try_map` is (the engine's
                /// `fail_fast` is implied).
                #vis fn try_map_with<I>(&self, #engine: &#private::Engine, #items: I) -> #all_or_nothing
                where
                    I: ::core::iter::IntoIterator<Item = #inputs>,
                    #item_bounds
                    #parallel_bounds
                {
                    let (#pipeline, #node_mode) = (*self, #engine.node_mode());
                    #try_map_with_callbacks
                    #private::try_map_with(#engine, #items, #run_item)
                }

                /// Runs the pipeline on every item with an explicit
                /// `Engine`: sequentially, in parallel on rayon
                /// (on the engine's pool if it has one), or on a pool of threads sized
                /// for blocking I/O; with the nodes of each item one after another or
                /// at once. Results come in input order, one per item.
                #vis fn map_with<I>(&self, #engine: &#private::Engine, #items: I) -> #private::Vec<#result>
                where
                    I: ::core::iter::IntoIterator<Item = #inputs>,
                    #item_bounds
                    #parallel_bounds
                {
                    let (#pipeline, #node_mode) = (*self, #engine.node_mode());
                    #map_with_callbacks
                    #private::map_with(#engine, #items, #run_item)
                }

                /// Streams the pipeline over any iterator, lazy and possibly endless,
                /// on the current rayon pool: results in input order, with at most a
                /// small multiple of the pool's threads of items pulled from `items`
                /// ahead of the consumer, so memory stays flat.
                #vis fn map_iter<I>(&self, #items: I) -> impl ::core::iter::Iterator<Item = #result>
                where
                    I: ::core::iter::IntoIterator<Item = #inputs>,
                    #item_bounds
                    #parallel_bounds
                {
                    self.map_iter_with(&#private::Engine::new(), #items)
                }

                /// `map_iter` with an explicit `Engine`: `Mode::Sequential` runs each
                /// item on the calling thread when it is asked for; `Parallel` on the
                /// engine's pool or the current one; `Threads` on the I/O pool. At most
                /// twice the workers (`max_workers`, else the pool's threads) of items
                /// are pulled ahead of the consumer. Under `fail_fast`, the first
                /// failure stops the pulling.
                #vis fn map_iter_with<I>(&self, #engine: &#private::Engine, #items: I) -> impl ::core::iter::Iterator<Item = #result>
                where
                    I: ::core::iter::IntoIterator<Item = #inputs>,
                    #item_bounds
                    #parallel_bounds
                {
                    let (#pipeline, #node_mode) = (*self, #engine.node_mode());
                    #map_iter_with_callbacks
                    #private::EitherIter::Plain(#private::map_iter(#engine, #items.into_iter(), #run_item))
                }

                #private::cfg_cluster! {
                    /// Maps the pipeline over the processes of the engine's
                    /// cluster (`Engine::cluster`): the leader's items (process 0;
                    /// the others' are ignored) go to the processes by index, each
                    /// maps its share as `map_with` would, with the rest of the
                    /// engine, and the results come back to the leader, which
                    /// returns them in input order; the other processes return an
                    /// empty `Vec`. Every process of the cluster must call it, as
                    /// many times as the leader. Without a cluster, the items are
                    /// mapped here.
                    ///
                    /// A node's error comes back as a `RemoteError`, a panic as
                    /// `MapError::Panicked` for that item only. A lost process
                    /// (killed, frozen, failed outside a node, never connected) is
                    /// an `Err(ClusterError)` in every process that learns of it.
                    #vis fn map_cluster<I>(&self, #engine: &#private::Engine, #items: I) -> ::core::result::Result<
                        #private::Vec<::core::result::Result<#outputs, #private::MapError<#private::RemoteError>>>,
                        #private::ClusterError,
                    >
                    where
                        I: ::core::iter::IntoIterator<Item = #inputs>,
                        for<'hn> #ident: #private::CrossProcess<Inputs = #inputs, Outputs = #outputs>,
                        #item_bounds
                        #parallel_bounds
                    {
                        #private::map_cluster::<#ident, _>(#engine, #items, |#engine, share| self.map_with(#engine, share))
                    }
                }
            }
        }
    })
}

/// Whether items of mapped nested pipelines run in the pipeline's own nodes
/// (then an item of a map runs them on rayon).
pub(crate) fn has_groups(model: &Model) -> bool {
    model.running_nodes().any(|node| {
        matches!(
            node.kind,
            NodeKind::Mapped(_) | NodeKind::Member { group: true, .. }
        )
    })
}

/// The body of `ThreadSafe::__run_item_observed`: one item of a map with
/// its nodes one after another, the items of mapped nested pipelines on
/// rayon; without any, `__run_observed` itself.
pub fn item_runner_body(model: &Model, inputs_arg: &Ident, observer: &Ident) -> TokenStream {
    if !has_groups(model) {
        return quote!(self.__run_observed(#inputs_arg, #observer));
    }
    sequential::body(model, |step, args| {
        let node = &model.nodes[model.plan.steps[step].node];
        sync_call(model, node, args, &quote!(#observer), Items::Parallel)
    })
}
