//! What a pipeline with errors still expands to.
//!
//! The compile errors come with the user's inline functions unchanged and the
//! generated type names, with stub bodies: code that uses the pipeline does
//! not drown the real errors in "cannot find type" ones, and an IDE keeps
//! completing names.

use crate::ast::DeclaredInput;
use crate::model::{Node, NodeKind, Skeleton};
use crate::sig::Owned;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::Ident;

/// What a pipeline with errors can still say about itself once its nodes
/// are known: the markers of its inline nodes, and the fields of its inputs
/// and outputs that can be determined, so that the user's code using them
/// raises nothing beyond the pipeline's own errors.
#[derive(Default)]
pub struct Shape {
    markers: TokenStream,
    inputs: Vec<(Ident, TokenStream)>,
    outputs: Vec<(Ident, TokenStream)>,
}

/// The [`Shape`] of a pipeline whose nodes are `nodes`. Nodes of nested
/// pipelines are left out: their types are reached through the nested
/// pipeline, which may be what failed.
pub fn shape(
    skeleton: &Skeleton,
    nodes: &[Node],
    requested: Option<&[Ident]>,
    declared: &[DeclaredInput],
) -> Shape {
    let krate = &skeleton.krate;
    let own = |node: &&Node| matches!(node.kind, NodeKind::Function(..));
    // A value that some runs do not produce is an `Option`, as it will be
    // once conditional entries are generated (when the graph says so).
    let specs: Vec<_> = nodes.iter().map(Node::spec).collect();
    let existence = crate::graph::existence(&specs).unwrap_or_default();
    let partial = |name: &Ident| {
        (existence.get(&name.unraw().to_string())).is_some_and(|exists| !exists.is_total())
    };
    let markers = (skeleton.inline_fns.iter())
        .filter_map(|func| {
            let node = nodes
                .iter()
                .find(|node| node.inline && node.sig.ident == func.sig.ident)?;
            Some(crate::expand::node::node_types(
                krate,
                &func.vis,
                &node.sig,
                crate::expand::node::code_hash(&quote::quote!(#func)),
                Some(&skeleton.ident),
            ))
        })
        .collect();
    let mut outputs: Vec<(Ident, TokenStream)> = Vec::new();
    for node in nodes.iter().filter(own) {
        for (index, output) in node.sig.outputs.iter().enumerate() {
            let wanted = requested
                .is_none_or(|names| names.iter().any(|name| name.unraw() == output.unraw()));
            if wanted
                && !outputs
                    .iter()
                    .any(|(name, _)| name.unraw() == output.unraw())
            {
                let ty = node.output_type(krate, index);
                let ty = if partial(output) {
                    quote!(::core::option::Option<#ty>)
                } else {
                    ty
                };
                outputs.push((output.clone(), ty));
            }
        }
    }
    let produced = |name: &Ident| {
        nodes.iter().any(|node| {
            node.sig
                .outputs
                .iter()
                .any(|output| output.unraw() == name.unraw())
        })
    };
    let mut inputs: Vec<(Ident, TokenStream)> = (declared.iter())
        .map(|declared| {
            let ty = &declared.ty;
            (declared.ident.clone(), quote!(#ty))
        })
        .collect();
    for node in nodes.iter().filter(own) {
        for (index, param) in node.sig.params.iter().enumerate() {
            if produced(&param.ident)
                || inputs
                    .iter()
                    .any(|(name, _)| name.unraw() == param.ident.unraw())
            {
                continue;
            }
            let recorded = node.param_type(krate, index);
            let ty = match param.owned() {
                Owned::Recorded => recorded,
                Owned::Mapped => quote!(<#recorded as #krate::__private::OwnedInput>::Owned),
                Owned::Unknown => continue,
            };
            inputs.push((param.ident.clone(), ty));
        }
    }
    Shape {
        markers,
        inputs,
        outputs,
    }
}

pub fn expand(skeleton: &Skeleton) -> TokenStream {
    let derives = skeleton.struct_derives();
    let Skeleton {
        attrs,
        vis,
        ident,
        krate,
        inline_fns,
        shape,
        ..
    } = skeleton;
    // Nodes not known yet: no fields.
    let empty = Shape::default();
    let Shape {
        markers,
        inputs: input_fields,
        outputs: output_fields,
    } = shape.as_deref().unwrap_or(&empty);
    let input_fields = input_fields
        .iter()
        .map(|(name, ty)| quote!(pub #name: #ty,));
    let output_fields = output_fields
        .iter()
        .map(|(name, ty)| quote!(pub #name: #ty,));
    let inputs = skeleton.inputs_ident();
    let outputs = skeleton.outputs_ident();
    let error = skeleton.error_ident();
    // Describes itself as empty: pipelines nesting it stay quiet about it.
    let describing = crate::describe::pipeline_macro(ident, vis, TokenStream::new());
    let private = quote!(#krate::__private);
    let result = quote!(::core::result::Result<#outputs, #error>);
    let map_result = quote!(::core::result::Result<#outputs, #private::MapError<#error>>);
    let all_or_nothing =
        quote!(::core::result::Result<#private::Vec<#outputs>, #private::MapError<#error>>);
    let stub = quote!(::core::unimplemented!("the pipeline has compile errors"));
    quote! {
        #describing
        #(#inline_fns)*
        #markers
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #ident;
        #derives
        #vis struct #inputs { #(#input_fields)* }
        #derives
        #vis struct #outputs { #(#output_fields)* }
        #[derive(::core::fmt::Debug)]
        #vis enum #error {}
        impl ::core::fmt::Display for #error {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {}
            }
        }
        impl ::core::error::Error for #error {}
        impl #private::NodeError for #error {
            fn node(&self) -> &'static str {
                match *self {}
            }
            fn __fmt_detail(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {}
            }
        }
        // Every runner, so that calls to them raise nothing more than the
        // pipeline's own errors.
        impl #ident {
            #vis fn run(&self, _inputs: #inputs) -> #result {
                #stub
            }
        }
        #private::cfg_rayon! {
            #[allow(dead_code, reason = "stand-ins while the pipeline has errors")]
            impl #ident {
            #vis fn run_parallel(&self, _inputs: #inputs) -> #result {
                #stub
            }
            #vis fn map<I>(&self, _items: I) -> #private::Vec<#map_result> {
                #stub
            }
            #vis fn map_with<I>(&self, _engine: &#private::Engine, _items: I) -> #private::Vec<#map_result> {
                #stub
            }
            #vis fn try_map<I>(&self, _items: I) -> #all_or_nothing {
                #stub
            }
            #vis fn try_map_with<I>(&self, _engine: &#private::Engine, _items: I) -> #all_or_nothing {
                #stub
            }
            #vis fn map_iter<I>(&self, _items: I) -> ::core::iter::Empty<#map_result> {
                #stub
            }
            #vis fn map_iter_with<I>(&self, _engine: &#private::Engine, _items: I) -> ::core::iter::Empty<#map_result> {
                #stub
            }
            #private::cfg_cluster! {
                #vis fn map_cluster<I>(&self, _engine: &#private::Engine, _items: I) -> ::core::result::Result<
                    #private::Vec<::core::result::Result<#outputs, #private::MapError<#private::RemoteError>>>,
                    #private::ClusterError,
                > {
                    #stub
                }
            }
            }
        }
        #private::cfg_tokio! {
            #[allow(dead_code, reason = "stand-ins while the pipeline has errors")]
            impl #ident {
            #vis fn run_async(&self, _inputs: #inputs) -> ::core::future::Ready<#result> {
                #stub
            }
            #vis fn map_async<I>(&self, _items: I) -> ::core::future::Ready<#private::Vec<#map_result>> {
                #stub
            }
            #vis fn map_async_with<I>(&self, _engine: &#private::Engine, _items: I) -> ::core::future::Ready<#private::Vec<#map_result>> {
                #stub
            }
            #vis fn try_map_async<I>(&self, _items: I) -> ::core::future::Ready<#all_or_nothing> {
                #stub
            }
            #vis fn try_map_async_with<I>(&self, _engine: &#private::Engine, _items: I) -> ::core::future::Ready<#all_or_nothing> {
                #stub
            }
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
            const MERMAID: &'static str = "";
            const __PICTURE: #krate::__private::Picture = #krate::__private::Picture::EMPTY;
        }
    }
}
