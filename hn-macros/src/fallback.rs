//! What a pipeline with errors still expands to.
//!
//! The compile errors come with the user's inline functions unchanged and the
//! generated type names, with stub bodies: code that uses the pipeline does
//! not drown the real errors in "cannot find type" ones, and an IDE keeps
//! completing names.

use crate::model::Skeleton;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(skeleton: &Skeleton) -> TokenStream {
    let Skeleton {
        attrs,
        derives,
        vis,
        ident,
        krate,
        inline_fns,
    } = skeleton;
    let inputs = skeleton.inputs_ident();
    let outputs = skeleton.outputs_ident();
    let error = skeleton.error_ident();
    // Describes itself as empty: pipelines nesting it stay quiet about it.
    let describing = crate::describe::pipeline_macro(ident, vis, TokenStream::new());
    quote! {
        #describing
        #(#inline_fns)*
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #ident;
        #[derive(#(#derives),*)]
        #vis struct #inputs {}
        #[derive(#(#derives),*)]
        #vis struct #outputs {}
        #vis enum #error {}
        impl #ident {
            #vis fn run(&self, _inputs: #inputs) -> ::core::result::Result<#outputs, #error> {
                ::core::unimplemented!("the pipeline has compile errors")
            }
        }
        impl #krate::__private::Pipeline for #ident {
            type Inputs = #inputs;
            type Outputs = #outputs;
            type Error = #error;
            const NODES: &'static [#krate::__private::NodeInfo] = &[];
            const INPUTS: &'static [&'static str] = &[];
            const OUTPUTS: &'static [&'static str] = &[];
            const DOT: &'static str = "";
        }
    }
}
