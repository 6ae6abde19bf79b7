//! `impl Pipeline`: the pipeline's types and static description.

use crate::expand::dot::dot;
use crate::model::{Model, Names, NodeKind};
use proc_macro2::TokenStream;
use quote::quote;

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
    let nodes = listed.map(|node| crate::expand::call::node_info(model, node));
    let input_names = model.plan.inputs.iter().map(|input| &input.name);
    let output_names = model.plan.returned.iter().map(|(name, _)| name);
    let dot = dot(model);
    let mermaid = crate::expand::mermaid::mermaid(model);
    let picture = crate::expand::structure::picture(model, &private);
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
            const __PICTURE: #private::Picture = #picture;
        }
    }
}
