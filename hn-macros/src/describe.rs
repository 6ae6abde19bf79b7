//! How a `#[node]` function describes its signature to `pipeline!`.
//!
//! A macro cannot read another item's signature, so `#[node]` leaves a hidden
//! `macro_rules!` beside the function, importable under the function's own
//! name (macros and functions live in separate namespaces). `pipeline!`
//! resolves its path entries one at a time:
//!
//! ```text
//! pipeline! { struct P { a::load, tokens } }
//!   => a::load! { @hn_describe { ::hypernodes::__private::pipeline } struct P { a::load, tokens } }
//!   => ::hypernodes::__private::pipeline! { @hn_node_v1 { #[node(..)] fn load(..) -> ..; } struct P { .. } }
//!   => tokens! { @hn_describe { .. } @hn_node_v1 { .. } struct P { .. } }
//!   => ::hypernodes::__private::pipeline! { @hn_node_v1 { .. } @hn_node_v1 { .. } struct P { .. } }
//!   => the expansion
//! ```
//!
//! Each answer is prepended, so descriptions arrive newest first. The tokens
//! keep their spans through `macro_rules!`, so errors about a node's
//! parameter point at the parameter in the node's own file.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Path, Token, TraitItemFn, Visibility};

/// Marks a request for a description.
const DESCRIBE: &str = "hn_describe";
/// Marks a node's answer. The version changes whenever the format does, so a
/// node compiled by another version of the macros is reported, not misread.
const NODE_V1: &str = "hn_node_v1";

/// The hidden macro `#[node]` emits. `description` is the node's attribute
/// and signature as a `fn ...;` item, or `None` when the node had errors
/// (already reported by `#[node]`), in which case `pipeline!` stays quiet
/// about it.
pub fn node_macro(
    ident: &Ident,
    vis: &Visibility,
    description: Option<TokenStream>,
) -> TokenStream {
    let macro_name = format_ident!("__hn_node_{}", ident);
    let describe = format_ident!("{}", DESCRIBE);
    let answer = format_ident!("{}", NODE_V1);
    let hint = format!(
        "`{ident}` is a #[node] function: call it as `{ident}(..)`, or list it in `pipeline!`"
    );
    let use_vis = macro_visibility(vis);
    quote! {
        #[doc(hidden)]
        macro_rules! #macro_name {
            (@#describe { $($callback:tt)* } $($state:tt)*) => {
                $($callback)*! { @#answer { #description } $($state)* }
            };
            ($($other:tt)*) => {
                ::core::compile_error! { #hint }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports, clippy::useless_attribute, reason = "used only by the pipelines that list the node")]
        #use_vis use #macro_name as #ident;
    }
}

/// A `macro_rules!` macro can be re-exported at most crate-wide.
fn macro_visibility(vis: &Visibility) -> TokenStream {
    match vis {
        Visibility::Public(_) => quote!(pub(crate)),
        Visibility::Restricted(_) => quote!(#vis),
        Visibility::Inherited => TokenStream::new(),
    }
}

/// The request `pipeline!` emits to resolve `path`: the node's macro answers
/// by calling `callback` with its description prepended to `state`.
pub fn request(path: &Path, callback: &TokenStream, state: TokenStream) -> TokenStream {
    let describe = format_ident!("{}", DESCRIBE);
    quote! { #path! { @#describe { #callback } #state } }
}

/// A node's answer: its signature, or nothing if the node had errors.
pub struct Answer {
    pub item: Option<TraitItemFn>,
    /// The answer's tokens, to pass along unchanged in the next request.
    pub tokens: TokenStream,
}

/// The answers at the front of a `pipeline!` input, oldest first, and the
/// pipeline itself.
pub struct Resolved {
    pub answers: Vec<Answer>,
    pub body: TokenStream,
}

impl Resolved {
    /// Every answer's tokens, in the order they arrived (newest first).
    pub fn answer_tokens(&self) -> TokenStream {
        self.answers
            .iter()
            .rev()
            .map(|answer| answer.tokens.clone())
            .collect()
    }
}

impl Parse for Resolved {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut answers = Vec::new();
        while input.peek(Token![@]) {
            let at: Token![@] = input.parse()?;
            let marker: Ident = input.parse()?;
            if marker != NODE_V1 {
                return Err(syn::Error::new(
                    marker.span(),
                    "this node was described by an incompatible version of hypernodes; use one version of `hypernodes` in the whole crate",
                ));
            }
            let TokenTree::Group(group) = input.parse::<TokenTree>()? else {
                return Err(input.error("expected a node description"));
            };
            if group.delimiter() != Delimiter::Brace {
                return Err(syn::Error::new(
                    group.span(),
                    "expected a node description in braces",
                ));
            }
            let item = if group.stream().is_empty() {
                None
            } else {
                Some(syn::parse2(group.stream())?)
            };
            answers.push(Answer {
                item,
                tokens: quote!(#at #marker #group),
            });
        }
        answers.reverse();
        Ok(Resolved {
            answers,
            body: input.parse()?,
        })
    }
}
