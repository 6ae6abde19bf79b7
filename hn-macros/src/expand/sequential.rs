//! `run`: straight-line calls in topological order, as a hand-written
//! function would make them.

use crate::expand::structs::input_field;
use crate::graph::{Passing, Source, Step};
use crate::model::Model;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

pub fn expand(model: &Model) -> Option<TokenStream> {
    if model.has_async_nodes() {
        return None;
    }
    let skeleton = &model.skeleton;
    let (vis, inputs, outputs, error) = (
        &skeleton.vis,
        skeleton.inputs_ident(),
        skeleton.outputs_ident(),
        skeleton.error_ident(),
    );
    let inputs_arg = Ident::new("inputs", Span::mixed_site());
    let input_fields = (0..model.plan.inputs.len()).map(|index| {
        let (node, param) = model.plan.inputs[index].consumers[0];
        let field = input_field(
            model,
            index,
            model.nodes[node].sig.params[param].ident.span(),
        );
        let local = model.local(Source::Input(index));
        quote!(#field: #local)
    });
    let steps = model.plan.steps.iter().map(|step| call_step(model, step));
    let returned = model.plan.returned.iter().map(|(name, source)| {
        let field = crate::model::ident(
            name,
            Span::call_site().located_at(model.name_of(*source).span()),
        );
        let local = model.local(*source);
        quote!(#field: #local)
    });
    let order: Vec<String> = model
        .running_nodes()
        .map(|node| format!("`{}`", node.name()))
        .collect();
    let doc = format!(
        "Runs the pipeline on the calling thread, calling each node once in dependency order: {}.",
        order.join(", ")
    );
    let errors_doc = (model.fallible_nodes().next().is_some()).then(|| {
        quote! {
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = "The error of the first node that fails, naming the node; the nodes after it do not run."]
        }
    });
    Some(quote! {
        #[doc = #doc]
        #errors_doc
        #[inline]
        #vis fn run(&self, #inputs_arg: #inputs) -> ::core::result::Result<#outputs, #error> {
            let #inputs { #(#input_fields),* } = #inputs_arg;
            #(#steps)*
            ::core::result::Result::Ok(#outputs { #(#returned),* })
        }
    })
}

/// `let <outputs> = <call>;` and the drops that follow it.
fn call_step(model: &Model, step: &Step) -> TokenStream {
    let node = &model.nodes[step.node];
    let path = &node.path;
    let private = {
        let krate = model.krate();
        quote!(#krate::__private)
    };
    let args = step
        .args
        .iter()
        .enumerate()
        .map(|(index, &(source, passing))| {
            // The argument carries the parameter's location, so a type mismatch
            // between producer and consumer is reported at the parameter.
            let span = node.sig.params[index].span;
            let mut local = model.local(source);
            local.set_span(Span::mixed_site().located_at(span));
            match passing {
                Passing::Borrow => quote_spanned!(span=> &#local),
                Passing::Clone => {
                    quote_spanned!(span=> #private::CloneForLaterUse::clone_for_later_use(&#local))
                }
                Passing::Move => quote!(#local),
            }
        });
    let call = quote!(#path(#(#args),*));
    let call = if node.sig.fallible {
        let (value, error) = (
            Ident::new("value", Span::mixed_site()),
            Ident::new("error", Span::mixed_site()),
        );
        let (error_enum, variant) = (model.skeleton.error_ident(), node.variant());
        quote! {
            match #call {
                ::core::result::Result::Ok(#value) => #value,
                ::core::result::Result::Err(#error) => return ::core::result::Result::Err(#error_enum::#variant(#error)),
            }
        }
    } else {
        call
    };
    let bindings: Vec<TokenStream> = (step.used_outputs.iter().enumerate())
        .map(|(output, &used)| {
            if used {
                let local = model.local(Source::Node {
                    node: step.node,
                    output,
                });
                quote!(#local)
            } else {
                quote!(_)
            }
        })
        .collect();
    let pattern = if node.sig.tuple_outputs {
        quote!((#(#bindings),*))
    } else {
        quote!(#(#bindings)*)
    };
    let drops = step.drops_after.iter().map(|&source| {
        let local = model.local(source);
        quote!(#private::drop_now(#local);)
    });
    quote! {
        let #pattern = #call;
        #(#drops)*
    }
}
