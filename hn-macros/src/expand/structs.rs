//! The unit struct, `<Name>Inputs` and `<Name>Outputs`.

use crate::graph::Source;
use crate::model::{ident, Model};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::Ident;

pub fn expand(model: &Model) -> TokenStream {
    let skeleton = &model.skeleton;
    let (attrs, vis, ident) = (&skeleton.attrs, &skeleton.vis, &skeleton.ident);
    let inputs = inputs_struct(model);
    let outputs = outputs_struct(model);
    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #ident;
        #inputs
        #outputs
    }
}

/// A field of a generated struct: name, type, doc line, and where it comes
/// from in the source.
struct Field {
    ident: Ident,
    ty: TokenStream,
    doc: String,
    /// The type in the node's signature: derives that find a field type
    /// lacking their trait report it here, through the field's first token.
    location: Span,
}

fn inputs_struct(model: &Model) -> TokenStream {
    let fields: Vec<Field> = (model.plan.inputs.iter().enumerate())
        .map(|(index, input)| {
            let consumers: Vec<String> = input
                .consumers
                .iter()
                .map(|&(node, _)| format!("`{}`", model.nodes[node].name()))
                .collect();
            let (node, param) = input.consumers[0];
            Field {
                ident: input_field(
                    model,
                    index,
                    model.nodes[node].sig.params[param].ident.span(),
                ),
                ty: model.type_of(Source::Input(index)),
                doc: format!("Consumed by {}.", consumers.join(", ")),
                location: model.nodes[node].sig.params[param].recorded.span(),
            }
        })
        .collect();
    let doc = format!(
        "The inputs of [`{}`]: one owned value per name no node produces.",
        model.skeleton.ident
    );
    generated_struct(model, &model.skeleton.inputs_ident(), &doc, &fields)
}

fn outputs_struct(model: &Model) -> TokenStream {
    let fields: Vec<Field> = (model.plan.returned.iter())
        .map(|(name, source)| {
            let Source::Node { node, output } = *source else {
                unreachable!("only node outputs are returned")
            };
            let location = model.nodes[node].sig.ret.span();
            Field {
                ident: ident(
                    name,
                    Span::call_site().located_at(model.name_of(*source).span()),
                ),
                ty: match model.is_partial(*source) {
                    false => model.nodes[node].output_type_at(model.krate(), output, location),
                    true => {
                        let ty = model.nodes[node].output_type_at(model.krate(), output, location);
                        quote!(::core::option::Option<#ty>)
                    }
                },
                doc: produced_by(model, *source),
                location,
            }
        })
        .collect();
    let doc = format!(
        "What [`{}`] returns: one field per output.",
        model.skeleton.ident
    );
    generated_struct(model, &model.skeleton.outputs_ident(), &doc, &fields)
}

/// An output field's doc: its producers, and when it exists if not always.
fn produced_by(model: &Model, source: Source) -> String {
    let producers: Vec<String> = (model.producers_of(source).into_iter())
        .filter(|producer| {
            model
                .plan
                .order()
                .any(|node| Some(node) == node_of(*producer))
        })
        .filter_map(node_of)
        .map(|node| format!("`{}`", model.nodes[node].name()))
        .collect();
    let mut doc = format!("Produced by {}.", producers.join(" or "));
    if let (Some(branches), true) = (&model.plan.branches, model.is_partial(source)) {
        let name = model.name_of(source).unraw().to_string();
        if let Some(exists) = branches.values.get(&name) {
            doc.push_str(&format!(" `None` unless `{exists}`."));
        }
    }
    doc
}

fn node_of(source: Source) -> Option<usize> {
    match source {
        Source::Node { node, .. } => Some(node),
        Source::Input(_) => None,
    }
}

/// The `Inputs` field for `plan.inputs[index]`. Callers name fields from
/// their own code, so the name resolves at the call site; the location is
/// the consuming parameter's, for go-to-definition.
pub fn input_field(model: &Model, index: usize, location: Span) -> Ident {
    ident(
        &model.plan.inputs[index].name,
        Span::call_site().located_at(location),
    )
}

/// `let NameInputs { a: <local a>, .. } = inputs;`
pub fn destructure_inputs(model: &Model, inputs_arg: &Ident) -> TokenStream {
    let name = model.skeleton.inputs_ident();
    let fields = (0..model.plan.inputs.len()).map(|index| {
        let (node, param) = model.plan.inputs[index].consumers[0];
        let field = input_field(
            model,
            index,
            model.nodes[node].sig.params[param].ident.span(),
        );
        let local = model.local(Source::Input(index));
        quote!(#field: #local)
    });
    quote!(let #name { #(#fields),* } = #inputs_arg;)
}

/// The `field: value` pairs of the `Outputs` struct, each value built by
/// `value_of` from where it comes from.
pub fn returned_outputs<'a>(
    model: &'a Model,
    value_of: impl Fn(Source) -> TokenStream + 'a,
) -> impl Iterator<Item = TokenStream> + 'a {
    model.plan.returned.iter().map(move |(name, source)| {
        let field = ident(
            name,
            Span::call_site().located_at(model.name_of(*source).span()),
        );
        let value = value_of(*source);
        quote!(#field: #value)
    })
}

/// A struct with public fields, the derives `#[pipeline(derive(..))]`
/// asks for, and a `Debug` that shows what it can (field types need not
/// implement `Debug`) unless `Debug` is derived.
fn generated_struct(model: &Model, name: &Ident, doc: &str, fields: &[Field]) -> TokenStream {
    let vis = &model.skeleton.vis;
    let derive = model.skeleton.struct_derives();
    let derives_debug = model.skeleton.derives.iter().any(|path| {
        path.segments
            .last()
            .is_some_and(|segment| segment.ident == "Debug")
    });
    let private = {
        let krate = model.krate();
        quote!(#krate::__private)
    };
    let definitions = fields.iter().map(
        |Field {
             ident,
             ty,
             doc,
             location,
         }| {
            let bound = model
                .skeleton
                .serde
                .then(|| serde_bound(model, ty, *location));
            // Without `Span::join` on stable, a field's span is its first
            // token's: the doc attribute's `#`. Mixed-site, so that lints
            // still see the macro's code.
            let span = Span::mixed_site().located_at(*location);
            quote_spanned!(span=> #[doc = #doc] #bound pub #ident: #ty,)
        },
    );
    let debug_fields = fields.iter().map(|Field { ident, .. }| {
        let label = ident.to_string().trim_start_matches("r#").to_owned();
        quote_spanned!(Span::call_site()=> .field(#label, &(&&#private::Probe(&self.#ident)).hn_debug()))
    });
    let label = name.to_string();
    let debug = (!derives_debug).then(|| {
        quote! {
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #[allow(unused_imports, reason = "only the trait that fits each field is used")]
                    use #private::{DebugOpaque as _, DebugViaDebug as _};
                    f.debug_struct(#label) #(#debug_fields)* .finish()
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #derive
        #vis struct #name {
            #(#definitions)*
        }

        #debug
    }
}

/// `#[serde(bound(..))]` for a field of a `#[pipeline(serde)]` struct: its
/// type must be `Serialize` and `DeserializeOwned`. Without it, a field type
/// lacking them fails inside serde's generated code, at the macro call, once
/// per use; as an impl bound on a concrete type it is one error per trait,
/// at the type in the node's signature (serde gives the bound the string's
/// location).
fn serde_bound(model: &Model, ty: &TokenStream, location: Span) -> TokenStream {
    let krate = model.krate();
    let serde = quote!(#krate::serde).to_string();
    let bound = |traits: &str| {
        syn::LitStr::new(
            &format!("{ty}: {serde}::{traits}"),
            Span::mixed_site().located_at(location),
        )
    };
    let (serialize, deserialize) = (bound("Serialize"), bound("de::DeserializeOwned"));
    quote!(#[serde(bound(serialize = #serialize, deserialize = #deserialize))])
}
