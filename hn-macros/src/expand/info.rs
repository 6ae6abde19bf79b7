//! `impl Pipeline`: the pipeline's types and static description.

use crate::expand::dot::dot;
use crate::model::{Model, Names, NodeKind};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let Names {
        ident,
        inputs,
        outputs,
        error,
        ..
    } = skeleton.names();
    let krate = model.krate();
    let private = quote!(#krate::__private);
    // A mapped nested pipeline is listed as its own nodes.
    let listed = model.running_nodes().flat_map(|node| match &node.kind {
        NodeKind::Mapped(group) => group.model.running_nodes().collect(),
        _ => vec![node],
    });
    let nodes = listed.map(|node| {
        let (name, path) = (node.name(), node.path_name());
        let params = node.sig.params.iter().map(|param| param.ident.unraw().to_string());
        let outputs = node.sig.outputs.iter().map(|output| output.unraw().to_string());
        let (fallible, is_async) = (node.sig.fails(), node.sig.is_async);
        quote!(#private::NodeInfo::__new(#name, #path, &[#(#params),*], &[#(#outputs),*], #fallible, #is_async))
    });
    let input_names = model.plan.inputs.iter().map(|input| &input.name);
    let output_names = model.plan.returned.iter().map(|(name, _)| name);
    let dot = dot(model);
    let mermaid = crate::expand::mermaid::mermaid(model);
    quote! {
        impl #private::Pipeline for #ident {
            type Inputs = #inputs;
            type Outputs = #outputs;
            type Error = #error;
            const NODES: &'static [#private::NodeInfo] = &[#(#nodes),*];
            const INPUTS: &'static [&'static str] = &[#(#input_names),*];
            const OUTPUTS: &'static [&'static str] = &[#(#output_names),*];
            const DOT: &'static str = #dot;
            const MERMAID: &'static str = #mermaid;
        }
    }
}
