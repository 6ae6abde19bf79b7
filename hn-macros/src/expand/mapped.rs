//! The call of a mapped nested pipeline (`#[nested(map_over = ..)]`): form
//! the items from the mapped inputs (`Grid`), run the nested nodes once per
//! item, gather each output into a `Vec`.
//!
//! The items run as the outer run runs: one after another in `run`, on
//! rayon in `run_parallel` and in the items of the rayon maps (their
//! `__run_item_observed`, see `map.rs`), as concurrent futures in
//! `run_async` when a nested node is async, on the I/O pool there when
//! nested nodes block. Per item, a mapped input is borrowed from
//! its `Vec` and a shared one is the outer value itself: neither is cloned,
//! unless a nested node takes it by value.

use crate::expand::asynchronous::{node_call_in, CallSite};
use crate::expand::call::{observer_ident, sync_call};
use crate::expand::sequential::call_step;
use crate::graph::Source;
use crate::model::{Model, Node};
use crate::nested::{Group, GroupInput, MapModeKind};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

/// How the items of a group run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Items {
    Sequential,
    Parallel,
    Async,
    /// In an async run, items whose nodes block but do not await: on the
    /// I/O pool, through `block_in_place`.
    Blocking,
}

/// The expression of a group's call from its arguments (borrowed `Vec`s of
/// the mapped inputs, references to the shared ones). Its value is a
/// `Result` of the outputs (a `Vec`, or a tuple of `Vec`s) and a
/// `NestedError` when the group can fail, else the outputs.
///
/// The map and each item are reported to `observer` (`NestedMap`), and
/// the nodes of an item to the item's observer.
pub fn call(
    model: &Model,
    node: &Node,
    group: &Group,
    args: Vec<TokenStream>,
    observer: &TokenStream,
    items: Items,
) -> TokenStream {
    let private = model.private();
    let fails = node.sig.fails();
    let inner = &group.model;
    let blocks = inner.running_nodes().any(|node| node.sig.blocking);
    let items = match items {
        Items::Async if !inner.has_async_nodes() && blocks => Items::Blocking,
        Items::Async if !inner.has_async_nodes() => Items::Sequential,
        _ if inner.has_async_nodes() && items != Items::Async => {
            unreachable!("async nodes only run in run_async")
        }
        other => other,
    };
    // Without a fallible node, an item is its outputs (no `Result`), and
    // the items are gathered as a hand-written loop would.
    let infallible = inner.fallible_nodes().next().is_none()
        && items != Items::Async
        && items != Items::Blocking;
    let arg_locals: Vec<Ident> = (0..args.len())
        .map(|index| format_ident!("__hn_arg_{}", index, span = Span::mixed_site()))
        .collect();
    let names = (group.inputs.iter()).map(|input| input.outer.as_str());
    let lens = group.inputs.iter().zip(&arg_locals).map(|(input, local)| {
        if input.mapped {
            quote!(::core::option::Option::Some(#local.len()))
        } else {
            quote!(::core::option::Option::None)
        }
    });
    let mode = match group.mode {
        MapModeKind::Zip => quote!(#private::MapMode::Zip),
        MapModeKind::Product => quote!(#private::MapMode::Product),
    };
    let (grid, index) = (
        Ident::new("__hn_grid", Span::mixed_site()),
        Ident::new("__hn_index", Span::mixed_site()),
    );
    // The inputs the taken outputs need (a mapped input none needs only
    // counts the items): position in the grid, input, argument, local.
    let needed: Vec<(usize, &GroupInput, &Ident, Ident)> = (group.inputs.iter())
        .zip(&arg_locals)
        .enumerate()
        .filter_map(|(position, (input, arg))| {
            let used = (inner.plan.inputs.iter()).position(|used| used.name == input.name)?;
            Some((position, input, arg, inner.local(Source::Input(used))))
        })
        .collect();
    let zip = group.mode == MapModeKind::Zip;
    // One item: its inputs as references, the nested nodes, its outputs.
    let bind_inputs = needed.iter().map(|(position, input, arg, local)| {
        if input.mapped && zip {
            // Zipped: every mapped input at the item's own index.
            quote!(let #local = &#arg[#index];)
        } else if input.mapped {
            quote!(let #local = &#arg[#grid.position(#index, #position)];)
        } else {
            quote!(let #local = #arg;)
        }
    });
    // Items one after another: zipped inputs cut to the items' count
    // first (their own length, the grid checked), so that the index of
    // `0..len` needs no check and the loop is a hand-written map's over a
    // slice. (Not on the other runners: the slices would be new types for
    // the `Sync` and `Send` bounds their runners are declared with.)
    let zipped = (zip && items == Items::Sequential).then(|| {
        let cut = (needed.iter())
            .filter(|(_, input, _, _)| input.mapped)
            .map(|(_, _, arg, _)| quote!(let #arg = &#arg[..#grid.len()];));
        quote!(#(#cut)*)
    });
    let item_observer = observer_ident();
    let steps = item_steps(inner, items == Items::Async, &quote!(#item_observer));
    let outputs: Vec<Ident> = (inner.plan.returned.iter())
        .map(|(_, source)| inner.local(*source))
        .collect();
    let item_value = tuple(&outputs);
    let pipeline = &group.pipeline;
    let item_error = quote!((&'static str, <#pipeline as #private::Pipeline>::Error));
    let value = if infallible {
        quote!(#item_value)
    } else {
        quote!(::core::result::Result::<_, #item_error>::Ok(#item_value))
    };
    // The item's observer shadows the run's; the item ends when its scope
    // does (failed, unless it got to the end without an error).
    let (map, scope, item_value_local) = (
        Ident::new("__hn_map", Span::mixed_site()),
        Ident::new("__hn_scope", Span::mixed_site()),
        Ident::new("__hn_value", Span::mixed_site()),
    );
    let ok = if infallible {
        quote!(true)
    } else {
        quote!(#item_value_local.is_ok())
    };
    let body = quote! {
        use #private::Observer as _;
        let mut #scope = #map.item(#index);
        let #item_observer = #scope.observer();
        #(#bind_inputs)*
        #steps
        let #item_value_local = #value;
        #scope.succeeded(#ok);
        #item_value_local
    };
    let entry = &group.entry;
    let map_path = node.path_name();
    let name = (group.pipeline.segments.last())
        .map_or_else(String::new, |segment| segment.ident.to_string());
    let len = quote!(#grid.len());
    // What the items' results become: every output or the first failure,
    // or, with `failures = ..`, the items that succeeded and every failure.
    let gather = match &group.failures {
        Some(_) => quote!(#private::KeepFailures::new(#entry, #len)),
        None => quote!(#private::FirstFailure::new(#len)),
    };
    let run_items = match (items, infallible) {
        (Items::Sequential, true) => quote! {
            #private::items_sequential_infallible(#len, |#index: usize| { #body })
        },
        (Items::Sequential, false) => quote! {
            #private::items_sequential(#gather, #len, |#index: usize| { #body })
        },
        (Items::Parallel, true) => quote! {
            #private::items_parallel_infallible(#len, |#index: usize| { #body })
        },
        (Items::Parallel, false) => quote! {
            #private::items_parallel(#gather, #len, |#index: usize| { #body })
        },
        (Items::Blocking, _) => quote! {
            #private::items_blocking(#gather, #len, |#index: usize| { #body })
        },
        (Items::Async, _) => quote! {
            #private::items_async(#gather, #len, #private::DEFAULT_IN_FLIGHT, |#index: usize| async move { #body }).await
        },
    };
    // `Vec`s of each output, then the failures if kept.
    let gathered = Ident::new("__hn_gathered", Span::mixed_site());
    let failures = Ident::new("__hn_failures", Span::mixed_site());
    let (unzip, mut parts) = if outputs.len() == 1 {
        (TokenStream::new(), vec![gathered.clone()])
    } else {
        let vecs: Vec<Ident> = (0..outputs.len())
            .map(|index| format_ident!("__hn_gathered_{}", index, span = Span::mixed_site()))
            .collect();
        let unzip = quote! {
            #(let mut #vecs = #private::Vec::with_capacity(#gathered.len());)*
            for #item_value in #gathered {
                #(#vecs.push(#outputs);)*
            }
        };
        (unzip, vecs)
    };
    if group.failures.is_some() {
        parts.push(failures.clone());
    }
    let parts = tuple(&parts);
    let split = quote!({ #unzip #parts });
    let (error, item, path) = (
        Ident::new("__hn_error", Span::mixed_site()),
        Ident::new("__hn_item", Span::mixed_site()),
        Ident::new("__hn_path", Span::mixed_site()),
    );
    let gather = match (infallible, &group.failures) {
        (true, None) => quote! {{
            let #gathered = #run_items;
            ::core::result::Result::Ok(#split)
        }},
        (true, Some(_)) => {
            let ty = group.output_type(model.krate(), inner.plan.returned.len());
            quote! {{
                let #gathered = #run_items;
                let #failures: #ty = #private::Vec::new();
                ::core::result::Result::Ok(#split)
            }}
        }
        (false, Some(_)) => quote! {{
            let (#gathered, #failures) = #run_items;
            ::core::result::Result::Ok(#split)
        }},
        (false, None) => quote! {
            match #run_items {
                ::core::result::Result::Ok(#gathered) => ::core::result::Result::Ok(#split),
                ::core::result::Result::Err((#item, #path, #error)) => ::core::result::Result::Err(
                    #private::NestedError::Failed {
                        entry: #entry,
                        item: ::core::option::Option::Some(#item),
                        path: #path,
                        error: #error,
                    }
                ),
            }
        },
    };
    let result = quote! {
        match #private::Grid::new(#mode, [#(#names),*], [#(#lens),*]) {
            ::core::result::Result::Err(#error) => ::core::result::Result::Err(
                #private::NestedError::<<#pipeline as #private::Pipeline>::Error>::Items { entry: #entry, error: #error }
            ),
            ::core::result::Result::Ok(#grid) => {
                let #grid = &#grid;
                #zipped
                let #map = #private::NestedMap::new(#observer, #name, #map_path, #grid.len());
                let #map = &#map;
                #gather
            }
        }
    };
    let value = if fails {
        result
    } else {
        // Neither a nested node nor the items can fail.
        quote! {
            match #result {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(_) => ::core::unreachable!("no nested node can fail"),
            }
        }
    };
    // A mapped input must be a `Vec`: said here, rustc reports a mismatch
    // rather than a failed index into whatever it got.
    let arg_types = group.inputs.iter().map(|input| {
        if input.mapped {
            quote!(&#private::Vec<_>)
        } else {
            quote!(&_)
        }
    });
    quote! {{
        let (#(#arg_locals,)*): (#(#arg_types,)*) = (#(#args,)*);
        #value
    }}
}

/// The node calls of one item whose input locals are references (into the
/// mapped `Vec`s, or the shared values): as `run` makes them, a by-value
/// use cloning; awaited (`awaits`) or called through `observer`.
pub fn item_steps(model: &Model, awaits: bool, observer: &TokenStream) -> TokenStream {
    let steps = (0..model.plan.steps.len()).map(|step| {
        call_step(
            model,
            step,
            &|step, args| {
                if awaits {
                    node_call_in(model, step, args, CallSite { borrowed: true })
                } else {
                    let node = &model.nodes[model.plan.steps[step].node];
                    sync_call(model, node, args, observer, Items::Sequential)
                }
            },
            true,
        )
    });
    quote!(#(#steps)*)
}

/// `a`, or `(a, b, ..)`.
fn tuple(idents: &[Ident]) -> TokenStream {
    match idents {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    }
}
