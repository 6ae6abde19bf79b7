//! Nested pipelines whose nodes are less visible than they are: the alias
//! through which the outer pipeline reaches their members, and the check
//! that, where the nodes are out of reach, fails first with an error naming
//! them and saying what to do.

use crate::model::Model;
use crate::nested::Through;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub fn expand(model: &Model) -> TokenStream {
    let krate = model.krate();
    let checks = model.nested.iter().filter_map(|entry| {
        let Through {
            alias,
            carrier,
            private,
            span,
        } = entry.through.as_ref()?;
        let pipeline = &entry.pipeline;
        let shown = pipeline
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        let nodes = private
            .iter()
            .map(|node| format!("`{node}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (noun, them) = if private.len() == 1 {
            ("node", "it")
        } else {
            ("nodes", "them")
        };
        let message = format!(
            "`{shown}` cannot be nested here: its {noun} {nodes} cannot be reached from this module"
        );
        let note = format!(
            "nesting runs a pipeline's nodes from the outer pipeline: make {them} as visible as \
             `{shown}` (e.g. `pub fn`, or `pub(crate) fn` within the crate), or nest `{shown}` \
             only in its own module"
        );
        // The probe's call carries the entry's span: the error is there.
        let probe = quote_spanned!(*span=> nested_here(#pipeline.__hn_nestable()));
        Some(quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, reason = "a generated alias")]
            type #alias = #carrier;

            const _: () = {
                #[diagnostic::on_unimplemented(message = #message, label = "nested here", note = #note)]
                trait NestedHere {}
                impl NestedHere for #krate::__private::Nestable {}
                fn nested_here<T: NestedHere>(_: T) {}
                #[allow(dead_code, reason = "type-checked, never called")]
                fn probe() {
                    #[allow(unused_imports, reason = "the fallback where the pipeline's own method is out of reach")]
                    use #krate::__private::NestProbe as _;
                    #probe;
                }
            };
        })
    });
    quote!(#(#checks)*)
}
