//! `<Name>Error`: one variant per fallible node, holding that node's error.

use crate::model::Model;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let (vis, name) = (&skeleton.vis, skeleton.error_ident());
    let krate = model.krate();
    let private = quote!(#krate::__private);
    let nodes: Vec<_> = model.fallible_nodes().collect();
    let variants: Vec<_> = nodes.iter().map(|node| node.variant()).collect();
    let names: Vec<String> = nodes.iter().map(|node| node.name()).collect();
    let definitions =
        nodes
            .iter()
            .zip(&variants)
            .zip(&names)
            .map(|((node, variant), node_name)| {
                let ty = node.error_type(krate);
                let doc = format!("Node `{node_name}` returned an error.");
                quote!(#[doc = #doc] #variant(#ty),)
            });
    let doc = if nodes.is_empty() {
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
    // `match *self {}` also covers the uninhabited enum.
    let arms = |body: TokenStream| {
        let body = &body;
        quote!(match *self { #(Self::#variants(ref error) => #body,)* })
    };
    let node_arms = {
        let arms = variants
            .iter()
            .zip(&names)
            .map(|(variant, name)| quote!(Self::#variant(..) => #name,));
        quote!(match *self { #(#arms)* })
    };
    let display = arms(quote!((&&&#private::Probe(error)).hn_display()));
    let display = if nodes.is_empty() {
        // Nothing to write, and a call around `match *self {}` would be
        // unreachable code.
        quote!(match *self {})
    } else {
        quote!(#private::write_node_failure(f, #name::node(self), #display))
    };
    let source = arms(quote!((&&&&#private::Probe(error)).hn_source()));
    let debug = {
        let arms = variants.iter().map(|variant| {
            let label = variant.to_string();
            quote!(Self::#variant(ref error) => f.debug_tuple(#label).field(&(&&#private::Probe(error)).hn_debug()).finish(),)
        });
        quote!(match *self { #(#arms)* })
    };
    quote! {
        #[doc = #doc]
        #vis enum #name {
            #(#definitions)*
        }

        impl #name {
            /// The name of the node that failed.
            #vis fn node(&self) -> &'static str {
                #node_arms
            }
        }

        impl #private::NodeError for #name {
            fn node(&self) -> &'static str {
                #name::node(self)
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports, reason = "only the trait that fits each error is used; none for an enum without variants")]
                use #private::{DisplayOpaque as _, DisplayViaDebug as _, DisplayViaDisplay as _};
                #display
            }
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #[allow(unused_imports, reason = "only the trait that fits each error is used; none for an enum without variants")]
                use #private::{DebugOpaque as _, DebugViaDebug as _};
                #debug
            }
        }

        impl ::core::error::Error for #name {
            fn source(&self) -> ::core::option::Option<&(dyn ::core::error::Error + 'static)> {
                #[allow(unused_imports, reason = "only the trait that fits each error is used; none for an enum without variants")]
                use #private::{SourceNone as _, SourceViaAsRef as _, SourceViaAsRefSendSync as _, SourceViaError as _};
                #source
            }
        }
    }
}
