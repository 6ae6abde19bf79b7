//! The `#[node]` and `pipeline!` macros of
//! [`hypernodes`](https://docs.rs/hypernodes).
//!
//! An implementation detail: depend on `hypernodes`, which re-exports these
//! macros with their documentation. The stages are described in
//! `src/README.md` of this crate.

mod ast;
mod attr;
mod ctxt;
mod describe;
mod expand;
mod fallback;
mod gates;
mod graph;
mod model;
mod nested;
mod sig;
mod valid;
mod visibility;
mod when;

#[cfg(test)]
mod robustness_test;

use proc_macro::TokenStream;

/// Marks a plain function as a pipeline node. Documented in `hypernodes`.
#[proc_macro_attribute]
pub fn node(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::node::expand(attr.into(), item.into()).into()
}

/// Declares a pipeline. Documented in `hypernodes`.
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    expand::pipeline(input.into()).into()
}

/// The path of the `hypernodes` crate in generated code.
fn krate(path: Option<&syn::Path>) -> proc_macro2::TokenStream {
    match path {
        Some(path) => quote::quote!(#path),
        None => quote::quote!(::hypernodes),
    }
}
