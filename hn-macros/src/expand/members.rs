//! What lets another pipeline nest this one: the describing macro (see
//! `describe.rs`) and, for each node that runs, `Member<i>` naming its
//! marker type, a wrapper `__hn_member_i` calling it, and `__hn_error_i`
//! turning its error into this pipeline's error enum. Through these an outer
//! pipeline in any module reaches nodes that are not in scope there.

use crate::describe::{self, MemberDescription, NodeDescription, PipelineDescription};
use crate::expand::call::{group_member_call, observer_ident};
use crate::expand::mapped::{self, Items};
use crate::expand::parallel::thread_bounds;
use crate::model::{ident, Model, Node, NodeKind};
use crate::nested::Group;
use crate::visibility::{covers, crate_wide};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{Ident, LitStr, Visibility};

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    // Rust forbids a private type in a public impl: when a node is less
    // visible than the pipeline, a sibling as visible as the least visible
    // such node carries the members: `pub(crate)` when they all are (the
    // crate can nest the pipeline anywhere), else private (only the
    // pipeline's own module can).
    let less_visible = nodes_less_visible(model);
    let carrier = (!less_visible.is_empty())
        .then(|| format_ident!("__hn_private_nodes_of_{}", skeleton.ident));
    let carrier_vis: Visibility = match less_visible.iter().all(|(_, vis)| crate_wide(vis)) {
        true => syn::parse_quote!(pub(crate)),
        false => Visibility::Inherited,
    };
    let private: Vec<String> = less_visible.into_iter().map(|(path, _)| path).collect();
    let members: Vec<&Node> = model.running_nodes().collect();
    let (target, vis) = match &carrier {
        Some(carrier) => (carrier.clone(), carrier_vis.clone()),
        None => (skeleton.ident.clone(), skeleton.vis.clone()),
    };
    let description = PipelineDescription {
        ident: skeleton.ident.clone(),
        inputs: (model.plan.inputs.iter())
            .map(|input| ident(&input.name, Span::call_site()))
            .collect(),
        outputs: (model.plan.returned.iter())
            .map(|(name, _)| ident(name, Span::call_site()))
            .collect(),
        through: carrier.clone(),
        private: (private.iter())
            .map(|path| LitStr::new(path, Span::call_site()))
            .collect(),
        members: (members.iter())
            .map(|node| member_description(node, &vis))
            .collect(),
    };
    let describing = describe::pipeline_macro(
        &skeleton.ident,
        &skeleton.vis,
        description.to_token_stream(),
    );
    let interface = members
        .iter()
        .enumerate()
        .map(|(index, node)| member_interface(model, index, node, &target, &vis));
    let carrier = carrier.as_ref().map(|carrier| {
        let krate = model.krate();
        let pipeline = &skeleton.ident;
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code, reason = "named only by pipelines that nest this one")]
            #carrier_vis struct #carrier;

            // As visible as the carrier: where it is out of reach, method
            // lookup finds `NestProbe`'s instead, and the nesting pipeline's
            // check fails with a message naming the private nodes.
            impl #pipeline {
                #[doc(hidden)]
                #[allow(dead_code, reason = "called only by pipelines that nest this one")]
                #carrier_vis fn __hn_nestable(&self) -> #krate::__private::Nestable {
                    #krate::__private::Nestable
                }
            }
        }
    });
    quote! {
        #describing
        #carrier
        #(#interface)*
    }
}

/// The nodes (by path, `a / b` inside a mapped nested pipeline) less
/// visible than the pipeline: where the pipeline is visible and they are
/// not, it cannot be nested.
fn nodes_less_visible(model: &Model) -> Vec<(String, Visibility)> {
    let vis = &model.skeleton.vis;
    let vis_of = |node: &Node| {
        (node.described.as_ref()).map_or(Visibility::Inherited, |described| described.vis.clone())
    };
    let covered = |node: &Node| {
        let node_vis = node.described.as_ref().map(|described| &described.vis);
        node_vis.is_some_and(|node_vis| covers(node_vis, vis, node.scope.is_empty()))
    };
    let path = |node: &Node| {
        let mut parts = node.scope.clone();
        parts.push(node.name());
        parts.join(" / ")
    };
    let mut private = Vec::new();
    for node in model.running_nodes() {
        match &node.kind {
            NodeKind::Mapped(group) => private.extend(
                (group.model.running_nodes())
                    .filter(|inner| !covered(inner))
                    .map(|inner| (format!("{} / {}", node.name(), path(inner)), vis_of(inner))),
            ),
            _ if !covered(node) => private.push((path(node), vis_of(node))),
            _ => {}
        }
    }
    private
}

fn member_description(node: &Node, vis: &Visibility) -> MemberDescription {
    let mut path: Vec<LitStr> = (node.scope.iter())
        .map(|part| LitStr::new(part, Span::call_site()))
        .collect();
    path.push(LitStr::new(&node.name(), Span::call_site()));
    let mut described = match &node.kind {
        NodeKind::Mapped(_) => group_description(node, vis),
        _ => node
            .described
            .clone()
            .expect("function and member nodes keep their description"),
    };
    // The member's condition, with the gate's name in this pipeline.
    if let Some(when) = &node.when {
        described.item.attrs.push(when.to_attr());
    }
    MemberDescription {
        group: match &node.kind {
            NodeKind::Mapped(_) => true,
            NodeKind::Member { group, .. } => *group,
            NodeKind::Function(..) => false,
        },
        path,
        params: (node.sig.params.iter())
            .map(|param| param.ident.clone())
            .collect(),
        outputs: node.sig.outputs.clone(),
        node: described,
    }
}

/// A mapped nested pipeline described as a node: its parameters, outputs,
/// fallibility and asyncness; the types are placeholders (the outer pipeline
/// names them through the group's marker type).
fn group_description(node: &Node, vis: &Visibility) -> NodeDescription {
    let sig = &node.sig;
    let name = &sig.ident;
    let params = sig.params.iter().map(|param| {
        let ident = &param.ident;
        quote!(#ident: &__HnValue)
    });
    let outputs = &sig.outputs;
    let (output, value) = match outputs.as_slice() {
        [single] => (quote!(#single), quote!(__HnValues)),
        many => {
            let values = many.iter().map(|_| quote!(__HnValues));
            (quote!((#(#many),*)), quote!((#(#values),*)))
        }
    };
    let ret = if sig.fails() {
        quote!(Result<#value, __HnError>)
    } else {
        value
    };
    let asyncness = sig.is_async.then(|| quote!(async));
    NodeDescription {
        vis: vis.clone(),
        item: syn::parse_quote!(#[node(output = #output)] #asyncness fn #name(#(#params),*) -> #ret;),
    }
}

/// The parts of a wrapper's signature: its lifetime, its typed parameters,
/// their names, and its return type (sync, or a future's output when async).
struct Signature {
    lifetime: Option<TokenStream>,
    typed: Vec<TokenStream>,
    params: Vec<Ident>,
    ret: TokenStream,
    ret_async: TokenStream,
}

fn signature(model: &Model, node: &Node, marker: &TokenStream) -> Signature {
    let (krate, private) = (model.krate(), model.private());
    let borrows = node.sig.params.iter().any(|param| param.by_ref);
    let params: Vec<Ident> = (0..node.sig.params.len())
        .map(|param| format_ident!("p{}", param, span = Span::mixed_site()))
        .collect();
    let typed = (node.sig.params.iter().zip(&params).enumerate())
        .map(|(k, (param, name))| {
            let ty = quote!(<#marker as #krate::__private::NodeParam<#k>>::Type);
            if param.by_ref {
                quote!(#name: &'hn_member #ty)
            } else {
                quote!(#name: #ty)
            }
        })
        .collect();
    let ret = quote!(<#marker as #private::NodeReturn>::Type);
    let bound = borrows.then(|| quote!(+ 'hn_member));
    Signature {
        lifetime: borrows.then(|| quote!(<'hn_member>)),
        typed,
        params,
        ret_async: quote!(impl ::core::future::Future<Output = #ret> #bound),
        ret,
    }
}

/// `Member<index>`, the wrappers `__hn_member_index(_parallel, _async)` and
/// `__hn_error_index` for `node`, on `target` (the pipeline, or the private
/// carrier) with visibility `vis`.
fn member_interface(
    model: &Model,
    index: usize,
    node: &Node,
    target: &Ident,
    vis: &Visibility,
) -> TokenStream {
    let skeleton = &model.skeleton;
    let private = model.private();
    let krate = model.krate();
    let (marker_impls, marker) = match &node.kind {
        NodeKind::Mapped(group) => (
            group_marker(model, index, node, group, target, vis),
            quote!(<#target as #private::Member<#index>>::Node),
        ),
        _ => {
            let marker = node.marker(krate);
            let member = quote! {
                impl #private::Member<#index> for #target {
                    type Node = #marker;
                }
            };
            (member, marker)
        }
    };
    // On the private carrier, the functions are `pub`: the carrier bounds
    // them, and where it is in reach they are too (only one "private" error
    // where it is not).
    let fn_vis = match vis {
        Visibility::Inherited => syn::parse_quote!(pub),
        _ => vis.clone(),
    };
    let vis = &fn_vis;
    let wrappers = wrappers(model, index, node, &marker, target, vis);
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
    let allow = allow_wrappers();
    quote! {
        #marker_impls

        #allow
        impl #target {
            #error_constructor
        }

        #wrappers
    }
}

/// On the wrappers: they are used only by pipelines nesting this one, and
/// their calls and parameters are the nodes'.
fn allow_wrappers() -> TokenStream {
    quote!(#[allow(clippy::inline_always, clippy::too_many_arguments, dead_code, reason = "wrappers, used by pipelines nesting this one: the calls and their parameters are the nodes'")])
}

/// The wrappers through which an outer pipeline calls member `index`: for
/// a node, `__hn_member_i` calling it; for a mapped nested pipeline (here,
/// or in a nested pipeline), `__hn_member_i` running its items one after
/// another and `__hn_member_i_parallel` on rayon, or, when it awaits, only
/// `__hn_member_i_async`.
fn wrappers(
    model: &Model,
    index: usize,
    node: &Node,
    marker: &TokenStream,
    target: &Ident,
    vis: &Visibility,
) -> TokenStream {
    let private = model.private();
    let Signature {
        lifetime,
        typed,
        params,
        ret,
        ret_async,
    } = signature(model, node, marker);
    let allow = allow_wrappers();
    let name = |suffix: &str| format_ident!("__hn_member_{}{}", index, suffix);
    let (sequential, parallel, asynchronous) = (name(""), name("_parallel"), name("_async"));
    let observer = observer_ident();
    let (group, forwarded) = match &node.kind {
        NodeKind::Mapped(group) => (Some(group), false),
        NodeKind::Member { group: true, .. } => (None, true),
        _ => (None, false),
    };
    if group.is_none() && !forwarded {
        let callee = node.callee();
        let ret = if node.sig.is_async { ret_async } else { ret };
        return quote! {
            #allow
            impl #target {
                #[doc(hidden)]
                #[inline(always)]
                #vis fn #sequential #lifetime(#(#typed),*) -> #ret {
                    #callee(#(#params),*)
                }
            }
        };
    }
    // A mapped nested pipeline reports its map, items and nodes to the
    // caller's observer, handed down through every wrapper.
    let args: Vec<TokenStream> = params.iter().map(|param| quote!(#param)).collect();
    let body = |items: Items| match group {
        Some(group) => {
            let call = mapped::call(model, node, group, args.clone(), &quote!(#observer), items);
            quote! {
                use #private::Observer as _;
                #call
            }
        }
        None => group_member_call(model, node, items, args.clone(), &quote!(#observer)),
    };
    // Items one after another need no `Sync` observer; the others share it.
    let observed = quote!(O: #private::Observer + ::core::marker::Sync);
    let generics = |observed: TokenStream| match &lifetime {
        Some(_) => quote!(<'hn_member, #observed>),
        None => quote!(<#observed>),
    };
    let (sequential_generics, parallel_generics) = (
        generics(quote!(O: #private::Observer)),
        generics(observed.clone()),
    );
    if node.sig.is_async {
        let body = body(Items::Async);
        // The forwarded call borrows the scoped observer: awaited inside.
        let body = if forwarded {
            quote!(async move { #body.await })
        } else {
            quote!(async move { #body })
        };
        return quote! {
            #private::cfg_tokio! {
                #allow
                impl #target {
                    #[doc(hidden)]
                    #vis fn #asynchronous<'hn_member, #observed + 'hn_member>(#(#typed,)* #observer: &'hn_member O) -> impl ::core::future::Future<Output = #ret> + 'hn_member {
                        #body
                    }
                }
            }
        };
    }
    let bounds = group.map(|group| {
        let krate = model.krate();
        let pipeline = &group.pipeline;
        let values = thread_bounds(&group.model);
        quote!(#values for<'hn> <#pipeline as #krate::__private::Pipeline>::Error: ::core::marker::Send,)
    });
    let (sequential_body, parallel_body) = (body(Items::Sequential), body(Items::Parallel));
    quote! {
        #allow
        impl #target {
            #[doc(hidden)]
            #vis fn #sequential #sequential_generics(#(#typed,)* #observer: &O) -> #ret {
                #sequential_body
            }
        }

        #private::cfg_rayon! {
            #allow
            #[allow(unused_lifetimes, reason = "`for<'hn>` keeps the thread bounds from being checked where they are declared")]
            impl #target {
                #[doc(hidden)]
                #vis fn #parallel #parallel_generics(#(#typed,)* #observer: &O) -> #ret
                where
                    #bounds
                {
                    #parallel_body
                }
            }
        }
    }
}

/// The marker type of a mapped nested pipeline seen as one node, defined
/// here, with its parameter, output, return and error types.
fn group_marker(
    model: &Model,
    index: usize,
    node: &Node,
    group: &Group,
    target: &Ident,
    vis: &Visibility,
) -> TokenStream {
    let (krate, private) = (model.krate(), model.private());
    let marker = format_ident!("__hn_group_{}", index);
    let params = (0..group.inputs.len()).map(|k| {
        let ty = group.param_owned_type(krate, k);
        quote!(impl #private::NodeParam<#k> for #marker { type Type = #ty; })
    });
    let output_types: Vec<TokenStream> = (0..node.sig.outputs.len())
        .map(|k| group.output_type(krate, k))
        .collect();
    let outputs = output_types
        .iter()
        .enumerate()
        .map(|(k, ty)| quote!(impl #private::NodeOutput<#k> for #marker { type Type = #ty; }));
    let value = match output_types.as_slice() {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    };
    let error = node.error_type(krate);
    let (ret, fallible) = if node.sig.fails() {
        (
            quote!(::core::result::Result<#value, #error>),
            Some(quote!(impl #private::NodeFallible for #marker { type Error = #error; })),
        )
    } else {
        (value, None)
    };
    quote! {
        const _: () = {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code, unreachable_pub, reason = "a mapped nested pipeline as one node, named by pipelines nesting this one")]
            #vis enum #marker {}
            #(#params)*
            #(#outputs)*
            impl #private::NodeReturn for #marker { type Type = #ret; }
            #fallible
            impl #private::Member<#index> for #target {
                type Node = #marker;
            }
        };
    }
}
