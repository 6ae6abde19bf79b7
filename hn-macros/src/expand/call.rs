//! One node call, as every runner makes it: arguments passed as the plan
//! says, the call wrapped in the run's observer, and a fallible node's error
//! turned into the pipeline's error.

use crate::expand::mapped::{self, Items};
use crate::graph::Passing;
use crate::model::{Model, Node, NodeKind};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
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
        NodeKind::Mapped(group) => {
            mapped::call(model, group, node.sig.fails(), args, observer, items)
        }
        _ => observed(node, args, observer),
    }
}

/// `observer.call("name", || path(args))`.
pub fn observed(
    node: &Node,
    args: impl IntoIterator<Item = TokenStream>,
    observer: &TokenStream,
) -> TokenStream {
    observed_with(node, &node.callee(), args, observer)
}

/// `observed` with the callee given.
fn observed_with(
    node: &Node,
    callee: &TokenStream,
    args: impl IntoIterator<Item = TokenStream>,
    observer: &TokenStream,
) -> TokenStream {
    let name = node.path_name();
    let args = args.into_iter();
    quote!(#observer.call(#name, || #callee(#(#args),*)))
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
