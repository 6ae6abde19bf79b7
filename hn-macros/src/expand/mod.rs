//! Token output. One file per generated piece; each reads the analyzed
//! [`Model`] and never parses or checks again.

mod asynchronous;
mod branch;
mod call;
mod dot;
mod error_enum;
mod info;
mod joined;
mod map;
mod map_over;
pub mod mapped;
mod members;
mod mermaid;
pub mod node;
mod parallel;
mod picture;
mod reach;
mod sequential;
mod slots;
mod structs;
mod structure;
mod warnings;

use crate::ast::PipelineInput;
use crate::attr::PipelineAttrs;
use crate::ctxt::Ctxt;
use crate::describe::{self, Resolved};
use crate::fallback;
use crate::model::Model;
use proc_macro2::TokenStream;
use quote::quote;

/// Expands one step of `pipeline!`: either asks the next unresolved node for
/// its description, or, once all have answered, generates the pipeline.
pub fn pipeline(input: TokenStream) -> TokenStream {
    let resolved: Resolved = match syn::parse2(input) {
        Ok(resolved) => resolved,
        Err(error) => return error.to_compile_error(),
    };
    let parsed: PipelineInput = match syn::parse2(resolved.body.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let unresolved: Vec<&syn::Path> = parsed.paths().skip(resolved.answers.len()).collect();
    if !unresolved.is_empty() {
        // Errors in the attributes are reported once, at the last step.
        let krate = crate::krate(
            PipelineAttrs::from_syn(&Ctxt::default(), parsed.attrs.clone())
                .krate
                .as_ref(),
        );
        let callback = quote!(#krate::__private::pipeline);
        return describe::request(
            &unresolved,
            &callback,
            resolved.answer_tokens(),
            resolved.body,
        );
    }
    let cx = Ctxt::default();
    match Model::build(&cx, parsed, &resolved.answers) {
        Ok(model) => expand(&model),
        Err(skeleton) => {
            let mut tokens = fallback::expand(&skeleton);
            tokens.extend(cx.to_compile_errors());
            tokens.extend(
                cx.notes()
                    .iter()
                    .map(|(span, note)| warnings::warning(*span, note)),
            );
            tokens
        }
    }
}

fn expand(model: &Model) -> TokenStream {
    let large_errors = crate::expand::allow_large_errors();
    let inline_fns = inline_nodes(model);
    let structs = structs::expand(model);
    let error_enum = error_enum::expand(model);
    let info = info::expand(model);
    let run = sequential::expand(model);
    let run_parallel = parallel::expand(model);
    let maps = map::expand(model);
    let run_async = asynchronous::expand(model);
    let members = members::expand(model);
    let map_over = map_over::expand(model);
    let warnings = warnings::expand(model);
    let reach = reach::expand(model);
    let ident = &model.skeleton.ident;
    quote! {
        #warnings
        #reach
        #inline_fns
        #structs
        #error_enum
        #info
        #large_errors
        impl #ident {
            #run
        }
        #run_parallel
        #maps
        #run_async
        #members
        #map_over
    }
}

/// On the generated runners: a pipeline's error enum holds its nodes' own
/// errors, which may be large; boxing them is the user's choice.
fn allow_large_errors() -> TokenStream {
    quote!(#[allow(clippy::result_large_err, reason = "the error enum holds the nodes' own errors; boxing them is the user's choice")])
}

/// The `# Errors` section of a runner's docs, if any node can fail.
fn errors_doc(model: &Model, after_failure: &str) -> Option<TokenStream> {
    let text = format!("The error of the first node that fails, naming the node; {after_failure}.");
    (model.fallible_nodes().next().is_some()).then(|| {
        quote! {
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = #text]
        }
    })
}

/// The inline functions, each with its marker type as `#[node]` would emit.
/// A node that `#[outputs]` prunes is never called, which is intended.
fn inline_nodes(model: &Model) -> TokenStream {
    let krate = model.krate();
    let running: Vec<usize> = model.plan.order().collect();
    let inline = (model.nodes.iter().enumerate()).filter(|(_, node)| node.inline);
    let items = inline
        .zip(&model.skeleton.inline_fns)
        .map(|((index, node), func)| {
            // The marker's visibility may be wider than the function's
            // (see `visibility.rs`).
            let vis = node
                .described
                .as_ref()
                .map_or(&func.vis, |described| &described.vis);
            let code = node::code_hash(&quote!(#func));
            let owner = &model.skeleton.ident;
            let types = node::node_types(krate, vis, &node.sig, code, Some(owner));
            let allow = (!running.contains(&index)).then(|| {
            quote!(#[allow(dead_code, reason = "pruned: no output in #[outputs] needs this node")])
        });
            quote!(#allow #func #types)
        });
    quote!(#(#items)*)
}
