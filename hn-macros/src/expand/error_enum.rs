//! `<Name>Error`: one variant per fallible node, holding that node's error,
//! and one per nested pipeline that can fail, holding its `NestedError`.

use crate::model::{Model, Node};
use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

/// One variant of the error enum.
struct Variant<'a> {
    ident: Ident,
    /// The node it is for; for a nested pipeline, its first failing node.
    node: &'a Node,
    nested: bool,
}

/// The variants, in the order of the nodes that run.
fn variants(model: &Model) -> Vec<Variant<'_>> {
    let mut variants: Vec<Variant> = Vec::new();
    for node in model.fallible_nodes() {
        let ident = node.variant();
        if variants.iter().all(|variant| variant.ident != ident) {
            variants.push(Variant {
                ident,
                node,
                nested: node.nested.is_some(),
            });
        }
    }
    variants
}

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let (vis, name) = (&skeleton.vis, skeleton.error_ident());
    let krate = model.krate();
    let private = quote!(#krate::__private);
    let variants = variants(model);
    let definitions = variants.iter().map(|variant| {
        let ident = &variant.ident;
        if variant.nested {
            let nested = &model.nested[variant.node.nested.unwrap_or_default()];
            let (pipeline, entry) = (&nested.pipeline, &nested.name);
            let doc = format!("A node of the nested pipeline `{entry}` failed.");
            quote!(#[doc = #doc] #ident(#private::NestedError<<#pipeline as #private::Pipeline>::Error>),)
        } else {
            let ty = variant.node.error_type(krate);
            let doc = format!("Node `{}` returned an error.", variant.node.name());
            quote!(#[doc = #doc] #ident(#ty),)
        }
    });
    let doc = if variants.is_empty() {
        format!(
            "No node of [`{}`] can fail, so this enum has no values.",
            skeleton.ident
        )
    } else {
        format!(
            "Why [`{}`] stopped: the node that failed, with its error.",
            skeleton.ident
        )
    };
    // One arm per variant: `own` for a node's error, `nested` for a
    // `NestedError`; each gets the node's name and the variant's label.
    // `nested` always uses the variant's `error`, `own` when it says so.
    // `match *self {}` also covers the uninhabited enum.
    type Arm<'a> = &'a dyn Fn(&str, &str) -> TokenStream;
    let arms = |own: Arm, own_uses_error: bool, nested: Arm| {
        let arms = variants.iter().map(|variant| {
            let ident = &variant.ident;
            let (name, label) = (variant.node.name(), ident.to_string());
            let (body, uses_error) = if variant.nested {
                (nested(&name, &label), true)
            } else {
                (own(&name, &label), own_uses_error)
            };
            let binding = if uses_error {
                quote!(ref error)
            } else {
                quote!(_)
            };
            quote!(Self::#ident(#binding) => #body,)
        });
        quote!(match *self { #(#arms)* })
    };
    let node = arms(
        &|name, _| quote!(#name),
        false,
        &|_, _| quote!(#private::NodeError::node(error)),
    );
    let path = arms(
        &|name, _| quote!(#name),
        false,
        &|_, _| quote!(#private::NodeError::path(error)),
    );
    let items = arms(
        &|_, _| quote!(::core::result::Result::Ok(())),
        false,
        &|_, _| quote!(#private::NodeError::__fmt_items(error, f)),
    );
    let detail = arms(
        &|_, _| quote!(#private::write_detail(f, (&&&#private::Probe(error)).hn_display())),
        true,
        &|_, _| quote!(#private::NodeError::__fmt_detail(error, f)),
    );
    let source = arms(
        &|_, _| quote!((&&&&#private::Probe(error)).hn_source()),
        true,
        &|_, _| quote!(::core::error::Error::source(error)),
    );
    let debug = arms(
        &|_, label| quote!(f.debug_tuple(#label).field(&(&&#private::Probe(error)).hn_debug()).finish()),
        true,
        &|_, label| quote!(f.debug_tuple(#label).field(error).finish()),
    );
    let display = if variants.is_empty() {
        // Nothing to write, and a call around `match *self {}` would be
        // unreachable code.
        quote!(match *self {})
    } else {
        quote!(#private::write_failure(f, self))
    };
    let unused = quote!(#[allow(unused_imports, reason = "only the trait that fits each error is used; none for an enum without variants")]);
    quote! {
        #[doc = #doc]
        #vis enum #name {
            #(#definitions)*
        }

        impl #name {
            /// The name of the node that failed.
            #vis fn node(&self) -> &'static str {
                #node
            }

            /// The path of the node that failed: its name, or for a node
            /// of a nested pipeline the nested pipelines' names and its own
            /// (`"text_stats / load_text"`).
            #vis fn path(&self) -> &'static str {
                #path
            }
        }

        impl #private::NodeError for #name {
            fn node(&self) -> &'static str {
                #name::node(self)
            }

            fn path(&self) -> &'static str {
                #name::path(self)
            }

            fn __fmt_items(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #items
            }

            fn __fmt_detail(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #unused
                use #private::{DisplayOpaque as _, DisplayViaDebug as _, DisplayViaDisplay as _};
                #detail
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #display
            }
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #unused
                use #private::{DebugOpaque as _, DebugViaDebug as _};
                #debug
            }
        }

        impl ::core::error::Error for #name {
            fn source(&self) -> ::core::option::Option<&(dyn ::core::error::Error + 'static)> {
                #unused
                use #private::{SourceNone as _, SourceViaAsRef as _, SourceViaAsRefSendSync as _, SourceViaError as _};
                #source
            }
        }
    }
}
