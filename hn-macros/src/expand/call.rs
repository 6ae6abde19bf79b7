//! One node call, as every runner makes it: arguments passed as the plan
//! says, the call wrapped in the run's observer, and a fallible node's error
//! turned into the pipeline's error.

use crate::expand::mapped::{self, Items};
use crate::graph::Passing;
use crate::model::{Model, Node, NodeKind};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::Ident;

/// The argument for parameter `index` of `node`. `place` names the value
/// (to borrow or clone it); `owned` yields it (to move it).
///
/// The argument carries the parameter's location, so rustc reports a type
/// mismatch between producer and consumer, or a missing `Clone`, at the
/// parameter.
pub fn argument(
    model: &Model,
    node: &Node,
    index: usize,
    passing: Passing,
    place: &TokenStream,
    owned: &TokenStream,
) -> TokenStream {
    let span = node.sig.params[index].span;
    let private = model.private();
    match passing {
        Passing::Borrow => quote_spanned!(span=> &#place),
        Passing::Clone => {
            quote_spanned!(span=> #private::CloneForLaterUse::clone_for_later_use(&#place))
        }
        Passing::Move => quote!(#owned),
    }
}

/// A sync call of a step's node: `observed`, or for a mapped nested
/// pipeline its items run as `items` says.
pub fn sync_call(
    model: &Model,
    node: &Node,
    args: Vec<TokenStream>,
    observer: &TokenStream,
    items: Items,
) -> TokenStream {
    match &node.kind {
        NodeKind::Mapped(group) => mapped::call(model, node, group, args, observer, items),
        // A mapped pipeline inside a nested one: its wrapper reports its
        // map, items and nodes to the observer.
        NodeKind::Member { group: true, .. } => {
            group_member_call(model, node, items, args, observer)
        }
        _ => cached(model, node, args, observer, &|args| {
            observed(model, node, args, observer)
        }),
    }
}

/// `call(args)`, for a `#[node(cache)]` node first looked up in the cache
/// of the run's observer (with the arguments in the key) and its value
/// stored after a miss; a fallible node's errors are not stored. Without
/// the `cache` feature, or for another node, just `call(args)`.
///
/// The key's parts are located at the parameters and the lookup at
/// `cache`, so a missing `Serialize` or `Deserialize` is reported there.
pub fn cached(
    model: &Model,
    node: &Node,
    args: Vec<TokenStream>,
    observer: &TokenStream,
    call: &dyn Fn(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let Some((span, _)) = node.sig.cache else {
        return call(args);
    };
    let private = model.private();
    let locals: Vec<Ident> = (0..args.len())
        .map(|index| format_ident!("__hn_cached_{}", index, span = Span::mixed_site()))
        .collect();
    // At the parameter when the pipeline shows it, else at `cache` in the
    // node's own attribute.
    let parts = locals.iter().enumerate().map(|(index, local)| {
        let span = if node.inline {
            node.param_span(index)
        } else {
            span
        };
        // The local's name keeps its hygiene but takes the location, so
        // that rustc points at it rather than at the whole macro call.
        let local = Ident::new(&local.to_string(), Span::mixed_site().located_at(span));
        quote_spanned!(span=> .arg(&#local)?)
    });
    let (key, value, result, key_builder) = (
        Ident::new("__hn_key", Span::mixed_site()),
        Ident::new("__hn_value", Span::mixed_site()),
        Ident::new("__hn_result", Span::mixed_site()),
        Ident::new("__hn_key_builder", Span::mixed_site()),
    );
    let node_const = Ident::new("__HN_CACHED", Span::mixed_site());
    let marker = node.marker(model.krate());
    let lookup = quote_spanned! {span=>
        #private::cache_lookup::<#marker, _, _>(#observer, #node_const, |#key_builder| {
            ::core::option::Option::Some(#key_builder #(#parts)*)
        })
    };
    let store = quote_spanned!(span=> #private::cache_store(#observer, #key, &*#value));
    let (hit, store) = if node.sig.fails() {
        (
            quote!(::core::result::Result::Ok(#value)),
            quote!(if let ::core::result::Result::Ok(#value) = &#result { #store; }),
        )
    } else {
        (quote!(#value), quote!({ let #value = &#result; #store; }))
    };
    let info = node_info(model, node);
    let plain = call(args.clone());
    let computed = call(locals.iter().map(|local| quote!(#local)).collect());
    quote! {
        #private::cache_or! {{
            {
                let (#(#locals,)*) = (#(#args,)*);
                const #node_const: &'static #private::NodeInfo = &#info;
                match #lookup {
                    #private::Lookup::Hit(#value) => #hit,
                    #private::Lookup::Miss(#key) => {
                        let #result = #computed;
                        #store
                        #result
                    }
                }
            }
        } {
            #plain
        }}
    }
}

/// The call of a mapped pipeline inside a nested one, through the nested
/// pipeline's wrapper for `items`: the wrapper reports the map, items and
/// nodes to `observer` scoped to the entry, so that their paths are full.
pub fn group_member_call(
    model: &Model,
    node: &Node,
    items: Items,
    args: impl IntoIterator<Item = TokenStream>,
    observer: &TokenStream,
) -> TokenStream {
    let private = model.private();
    let callee = node.callee_for(items);
    let args = args.into_iter();
    let entry = node
        .scope
        .first()
        .expect("a member comes from a nested entry");
    quote!(#callee(#(#args,)* &#private::Observer::scoped(#observer, #entry)))
}

/// `path(args)` between the observer's `begin` and `end`, through its
/// `call`, with `failed` if the node returns an error.
pub fn observed(
    model: &Model,
    node: &Node,
    args: impl IntoIterator<Item = TokenStream>,
    observer: &TokenStream,
) -> TokenStream {
    let callee = node.callee();
    let args = args.into_iter();
    observed_call(model, node, quote!(#callee(#(#args),*)), observer)
}

/// The call `call` of `node`, observed. For the unit observer every hook
/// is empty and inlined: the call is all that remains.
pub fn observed_call(
    model: &Model,
    node: &Node,
    call: TokenStream,
    observer: &TokenStream,
) -> TokenStream {
    let private = model.private();
    let info = node_info(model, node);
    let (began, result, error) = (
        Ident::new("__hn_began", Span::mixed_site()),
        Ident::new("__hn_result", Span::mixed_site()),
        Ident::new("__hn_error", Span::mixed_site()),
    );
    let node_const = Ident::new("__HN_NODE", Span::mixed_site());
    let end = if node.sig.fallible {
        quote! {
            match &#result {
                ::core::result::Result::Ok(_) => #observer.end(#node_const, #began, true),
                ::core::result::Result::Err(#error) => {
                    #[allow(unused_imports, reason = "only the trait that fits the error is used")]
                    use #private::{DisplayOpaque as _, DisplayViaDebug as _, DisplayViaDisplay as _};
                    #observer.failed(#node_const, &(&&&#private::Probe(#error)).hn_display());
                    #observer.end(#node_const, #began, false);
                }
            }
        }
    } else {
        quote!(#observer.end(#node_const, #began, true);)
    };
    quote! {{
        const #node_const: &'static #private::NodeInfo = &#info;
        let #began = #observer.begin(#node_const);
        let #result = #observer.call(#node_const, &#began, || #call);
        #end
        #result
    }}
}

/// The node's `NodeInfo`, as a constant expression.
pub fn node_info(model: &Model, node: &Node) -> TokenStream {
    let private = model.private();
    let (name, path) = (node.name(), node.path_name());
    let params = (node.sig.params.iter()).map(|param| param.ident.unraw().to_string());
    let outputs = (node.sig.outputs.iter()).map(|output| output.unraw().to_string());
    let (fallible, is_async) = (node.sig.fails(), node.sig.is_async);
    let info = quote!(#private::NodeInfo::__new(#name, #path, &[#(#params),*], &[#(#outputs),*], #fallible, #is_async));
    match model.condition_of(node) {
        Some(when) => quote!(#info.__when(#when)),
        None => info,
    }
}

/// The node's value from its call: the call itself, or for a fallible node
/// a `match` that hands the error, wrapped in the pipeline's error enum, to
/// `on_error` (which must diverge: `return ..`).
pub fn value(
    model: &Model,
    node: &Node,
    call: TokenStream,
    on_error: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    if !node.sig.fails() {
        return call;
    }
    let (value, error) = (
        Ident::new("value", Span::mixed_site()),
        Ident::new("error", Span::mixed_site()),
    );
    let handle = on_error(model.error_value(node, &error));
    quote! {
        match #call {
            ::core::result::Result::Ok(#value) => #value,
            ::core::result::Result::Err(#error) => #handle,
        }
    }
}

/// The `observer` parameter of the observed runners.
pub fn observer_ident() -> Ident {
    Ident::new("observer", Span::mixed_site())
}
