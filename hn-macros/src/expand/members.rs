//! What lets another pipeline nest this one: the describing macro (see
//! `describe.rs`) and, for each node that runs, `Member<i>` naming its
//! marker type, a wrapper `__hn_member_i` calling it, and `__hn_error_i`
//! turning its error into this pipeline's error enum. Through these an outer
//! pipeline in any module reaches nodes that are not in scope there.

use crate::describe::{self, MemberDescription, PipelineDescription};
use crate::model::{ident, Model, Node, NodeKind};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{Ident, LitStr, Visibility};

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let reason = unnestable(model);
    // Rust forbids a private type in a public impl: when a node is less
    // visible than the pipeline, a private sibling carries the members, and
    // only the pipeline's own module can nest it.
    let carrier = (reason.is_none() && !nodes_cover_pipeline(model))
        .then(|| format_ident!("__hn_private_nodes_of_{}", skeleton.ident));
    let members: Vec<&Node> = if reason.is_some() {
        Vec::new()
    } else {
        model.running_nodes().collect()
    };
    let description = PipelineDescription {
        ident: skeleton.ident.clone(),
        inputs: (model.plan.inputs.iter())
            .map(|input| ident(&input.name, Span::call_site()))
            .collect(),
        outputs: (model.plan.returned.iter())
            .map(|(name, _)| ident(name, Span::call_site()))
            .collect(),
        unnestable: reason.map(|reason| LitStr::new(&reason, Span::call_site())),
        through: carrier.clone(),
        members: members.iter().map(|node| member_description(node)).collect(),
    };
    let describing = describe::pipeline_macro(
        &skeleton.ident,
        &skeleton.vis,
        description.to_token_stream(),
    );
    let (target, vis) = match &carrier {
        Some(carrier) => (carrier, Visibility::Inherited),
        None => (&skeleton.ident, skeleton.vis.clone()),
    };
    let interface = members
        .iter()
        .enumerate()
        .map(|(index, node)| member_interface(model, index, node, target, &vis));
    let carrier = carrier.as_ref().map(|carrier| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code, reason = "named only by pipelines that nest this one")]
            struct #carrier;
        }
    });
    quote! {
        #describing
        #carrier
        #(#interface)*
    }
}

/// Why the pipeline cannot be nested, if it cannot.
fn unnestable(model: &Model) -> Option<String> {
    model
        .running_nodes()
        .find(|node| matches!(node.kind, NodeKind::Mapped(_)))
        .map(|node| {
            format!(
                "it maps the nested pipeline `{}` (`map_over`); a pipeline that maps a nested one cannot be nested yet",
                node.name()
            )
        })
}

/// Whether every node is visible wherever the pipeline is.
fn nodes_cover_pipeline(model: &Model) -> bool {
    let vis = &model.skeleton.vis;
    model.running_nodes().all(|node| {
        let node_vis = node.described.as_ref().map(|described| &described.vis);
        node_vis.is_some_and(|node_vis| covers(node_vis, vis, node.scope.is_empty()))
    })
}

/// Whether a node declared with `node` is visible wherever a pipeline
/// declared with `pipeline` is. `same_module`: the node's visibility is
/// relative to the pipeline's module (not to a nested pipeline's).
fn covers(node: &Visibility, pipeline: &Visibility, same_module: bool) -> bool {
    let crate_wide = |vis: &syn::VisRestricted| vis.path.is_ident("crate");
    match (pipeline, node) {
        (Visibility::Inherited, _) | (_, Visibility::Public(_)) => true,
        (Visibility::Public(_), _) | (Visibility::Restricted(_), Visibility::Inherited) => false,
        (Visibility::Restricted(pipeline), Visibility::Restricted(node)) => {
            crate_wide(node)
                || (same_module
                    && pipeline.to_token_stream().to_string() == node.to_token_stream().to_string())
        }
    }
}

fn member_description(node: &Node) -> MemberDescription {
    let mut path: Vec<LitStr> = (node.scope.iter())
        .map(|part| LitStr::new(part, Span::call_site()))
        .collect();
    path.push(LitStr::new(&node.name(), Span::call_site()));
    MemberDescription {
        path,
        params: node
            .sig
            .params
            .iter()
            .map(|param| param.ident.clone())
            .collect(),
        outputs: node.sig.outputs.clone(),
        node: node
            .described
            .clone()
            .expect("only function and member nodes are described"),
    }
}

/// `Member<index>`, `__hn_member_index` and `__hn_error_index` for `node`,
/// on `target` (the pipeline, or the private carrier) with visibility `vis`.
fn member_interface(
    model: &Model,
    index: usize,
    node: &Node,
    target: &Ident,
    vis: &Visibility,
) -> TokenStream {
    let skeleton = &model.skeleton;
    let (ident, private) = (target, model.private());
    let krate = model.krate();
    let marker = node.marker(krate);
    let callee = node.callee();
    let wrapper = format_ident!("__hn_member_{}", index);
    let borrows = node.sig.params.iter().any(|param| param.by_ref);
    let lifetime = borrows.then(|| quote!(<'hn>));
    let params: Vec<Ident> = (0..node.sig.params.len())
        .map(|param| format_ident!("p{}", param, span = Span::mixed_site()))
        .collect();
    let typed = node
        .sig
        .params
        .iter()
        .zip(&params)
        .enumerate()
        .map(|(k, (param, name))| {
            let ty = node.param_type(krate, k);
            if param.by_ref {
                quote!(#name: &'hn #ty)
            } else {
                quote!(#name: #ty)
            }
        });
    let ret = quote!(<#marker as #private::NodeReturn>::Type);
    let ret = if node.sig.is_async {
        let bound = borrows.then(|| quote!(+ 'hn));
        quote!(impl ::core::future::Future<Output = #ret> #bound)
    } else {
        ret
    };
    let error_constructor = node.sig.fails().then(|| {
        let constructor = format_ident!("__hn_error_{}", index);
        let error = Ident::new("error", Span::mixed_site());
        let error_type = node.error_type(krate);
        let value = model.error_value(node, &error);
        let error_enum = skeleton.error_ident();
        quote! {
            #[doc(hidden)]
            #[inline]
            #vis fn #constructor(#error: #error_type) -> #error_enum {
                #value
            }
        }
    });
    quote! {
        impl #private::Member<#index> for #ident {
            type Node = #marker;
        }

        #[allow(clippy::inline_always, clippy::too_many_arguments, dead_code, reason = "a wrapper, used by pipelines nesting this one: the call and its parameters are the node's")]
        impl #ident {
            #[doc(hidden)]
            #[inline(always)]
            #vis fn #wrapper #lifetime(#(#typed),*) -> #ret {
                #callee(#(#params),*)
            }

            #error_constructor
        }
    }
}
