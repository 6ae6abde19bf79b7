//! Warnings. A stable proc macro cannot emit a warning of its own; it can
//! use a deprecated item, at the span the warning belongs to, and rustc's
//! `deprecated` lint then warns there with the item's note (the technique
//! of the `proc-macro-warning` crate). `#[allow(deprecated)]` on the
//! module that holds the pipeline silences them.

use crate::model::Model;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

/// A warning at `span` with `note` as its message.
pub fn warning(span: Span, note: &str) -> TokenStream {
    let item = quote_spanned!(span=> hypernodes_warning);
    quote! {
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals, reason = "named for the message it carries")]
            const hypernodes_warning: () = ();
            let () = #item;
        };
    }
}

/// Every warning of the pipeline.
pub fn expand(model: &Model) -> TokenStream {
    let recorded = (model.warnings.iter()).map(|(span, note)| warning(*span, note));
    let pruned = pruned_fallible_nodes(model);
    quote!(#(#recorded)* #pruned)
}

/// A warning at each node that can fail but does not run because nothing
/// that `#[outputs(..)]` requests needs it: a check that never checks.
fn pruned_fallible_nodes(model: &Model) -> TokenStream {
    let running: Vec<usize> = model.plan.order().collect();
    (model.nodes.iter().enumerate())
        .filter(|(index, node)| node.sig.fails() && !running.contains(index))
        .map(|(_, node)| {
            let note = format!(
                "node `{}` can fail, but nothing in `#[outputs(..)]` needs it, so it never runs: \
                 list one of its outputs there, or make it return `()` or `Result<(), E>` \
                 (a check, which always runs)",
                node.path_name()
            );
            warning(node.output_span(0), &note)
        })
        .collect()
}
