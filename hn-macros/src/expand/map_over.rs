//! `map_over`: the pipeline over some of its inputs while the others are
//! shared by reference, the top-level counterpart of
//! `#[nested(map_over = ..)]`.
//!
//! `<Name>MapInputs<'a>` has one `MapInput<'a, T>` per input: `Each(&[T])`
//! or `Shared(&T)`. The items (zip or product of the `Each` inputs) run on
//! the map executors like `map`'s, each item's inputs borrowed from the
//! caller's slices and values: nothing is cloned unless a node takes an
//! input by value, and no `Vec` of full `Inputs` is built.

use crate::expand::call::observer_ident;
use crate::expand::mapped::item_steps;
use crate::expand::structs::{input_field, returned_outputs};
use crate::graph::Source;
use crate::model::{Model, Names};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

pub fn expand(model: &Model) -> Option<TokenStream> {
    let large_errors = crate::expand::allow_large_errors();
    if model.plan.inputs.is_empty() {
        return None;
    }
    let skeleton = &model.skeleton;
    let Names {
        ident,
        vis,
        outputs,
        error,
        ..
    } = skeleton.names();
    let private = model.private();
    let map_inputs = map_inputs_ident(model);
    let count = model.plan.inputs.len();
    // In an item's body the pipeline's values are locals too: these must
    // not meet their names. The public methods bind nothing else.
    let (inputs, grid, index) = (
        Ident::new("__hn_inputs", Span::mixed_site()),
        Ident::new("__hn_grid", Span::mixed_site()),
        Ident::new("__hn_index", Span::mixed_site()),
    );
    let public_inputs = Ident::new("inputs", Span::mixed_site());
    let (mode, engine) = (
        Ident::new("mode", Span::mixed_site()),
        Ident::new("engine", Span::mixed_site()),
    );
    let observer = observer_ident();
    let (events, name) = (Ident::new("events", Span::mixed_site()), ident.to_string());
    // Items counted as without callbacks only if they run no mapped
    // nested pipeline, whose map the callbacks must see.
    let counting = !crate::expand::map::has_groups(model);
    let fields: Vec<Ident> = (0..count).map(|input| field(model, input)).collect();
    let names = model.plan.inputs.iter().map(|input| input.name.as_str());
    let definitions = fields.iter().enumerate().map(|(input, field)| {
        let ty = model.type_of(Source::Input(input));
        let doc = format!(
            "`{}`: one value per item, or one for all.",
            model.plan.inputs[input].name
        );
        quote!(#[doc = #doc] pub #field: #private::MapInput<'a, #ty>,)
    });
    let binds = fields.iter().enumerate().map(|(position, field)| {
        let local = model.local(Source::Input(position));
        quote!(let #local = #inputs.#field.__at(#grid.position(#index, #position));)
    });
    let is_async = model.has_async_nodes();
    let steps = item_steps(model, is_async, &quote!(#observer));
    let returned = returned_outputs(model, |source| {
        let local = model.local(source);
        quote!(#local)
    });
    let item_body = quote! {
        #(#binds)*
        #steps
        ::core::result::Result::Ok(#outputs { #(#returned),* })
    };
    let result = quote!(::core::result::Result<#outputs, #private::MapError<#error>>);
    let results = quote!(::core::result::Result<#private::Vec<#result>, #private::MapOverError>);
    let struct_doc = format!(
        "The inputs of [`{ident}::map_over`]: for each input, one value per item (`MapInput::Each`) or one shared by every item (`MapInput::Shared`)."
    );
    let grid_of = quote!(Self::__map_over_grid(&#public_inputs, #mode)?);
    let common = quote! {
        #[doc = #struct_doc]
        #vis struct #map_inputs<'a> {
            #(#definitions)*
        }

        #large_errors

        impl #ident {
            /// The items of a map over `inputs`.
            #[doc(hidden)]
            #vis fn __map_over_grid(
                #inputs: &#map_inputs<'_>,
                #mode: #private::MapMode,
            ) -> ::core::result::Result<#private::Grid<#count>, #private::MapOverError> {
                #private::Grid::new(#mode, [#(#names),*], [#(#inputs.#fields.len()),*])
            }
        }
    };
    let runners = if is_async {
        quote! {
            #private::cfg_tokio! {
                #[allow(clippy::future_not_send, reason = "the futures are `Send` exactly when the pipeline's values are")]
                #large_errors
                impl #ident {
                    /// One item of `map_over_async`.
                    #[doc(hidden)]
                    #vis async fn __map_over_item<O: #private::Observer + ::core::marker::Sync>(
                        self,
                        #inputs: &#map_inputs<'_>,
                        #grid: &#private::Grid<#count>,
                        #index: usize,
                        #observer: &O,
                    ) -> ::core::result::Result<#outputs, #error> {
                        #item_body
                    }

                    /// Runs the pipeline once per item formed from `inputs`
                    /// (`MapMode::Zip`: the `Each` inputs side by side;
                    /// `Product`: every combination), sharing the `Shared`
                    /// inputs by reference, as futures in the calling task,
                    /// at most 128 at once. Results come in item order, as
                    /// with `map_async`.
                    ///
                    /// # Errors
                    ///
                    /// `MapOverError` when the items cannot be formed (zip
                    /// over inputs of unequal lengths, no `Each` input).
                    #vis fn map_over_async<'a>(
                        &self,
                        #public_inputs: #map_inputs<'a>,
                        #mode: #private::MapMode,
                    ) -> impl ::core::future::Future<Output = #results> + use<'a> {
                        self.map_over_async_with(&#private::Engine::new(), #public_inputs, #mode)
                    }

                    /// `map_over_async` with an explicit `Engine`:
                    /// `max_workers` items in flight, `fail_fast`.
                    ///
                    /// # Errors
                    ///
                    /// As `map_over_async`.
                    #vis fn map_over_async_with<'a>(
                        &self,
                        #engine: &#private::Engine,
                        #public_inputs: #map_inputs<'a>,
                        #mode: #private::MapMode,
                    ) -> impl ::core::future::Future<Output = #results> + use<'a> {
                        let (pipeline, #engine) = (*self, #engine.clone());
                        async move {
                            let #grid = #grid_of;
                            let #grid = &#grid;
                            let #public_inputs = &#public_inputs;
                            if #engine.__watched() {
                                let #events = #private::MapEvents::new(&#engine, #name, ::core::option::Option::Some(#grid.len()));
                                let #events = &#events;
                                return ::core::result::Result::Ok(
                                    #events.map_async(#private::map_async(&#engine, 0..#grid.len(), |#index| async move {
                                        let #observer = #events.item_observer(#index);
                                        #events.item_async(#index, pipeline.__map_over_item(#public_inputs, #grid, #index, &#observer)).await
                                    }))
                                    .await,
                                );
                            }
                            ::core::result::Result::Ok(
                                #private::map_async(&#engine, 0..#grid.len(), |#index| {
                                    pipeline.__map_over_item(#public_inputs, #grid, #index, &#private::LocatePanics)
                                })
                                .await,
                            )
                        }
                    }
                }
            }
        }
    } else {
        // The rayon maps share the inputs across threads and send results back.
        let thread_bounds = quote! {
            #map_inputs<'a>: ::core::marker::Sync,
            for<'hn> #outputs: ::core::marker::Send,
            for<'hn> #error: ::core::marker::Send,
        };
        quote! {
            #large_errors
            impl #ident {
                /// One item of `map_over`.
                #[doc(hidden)]
                #vis fn __map_over_item<O: #private::Observer>(
                    &self,
                    #inputs: &#map_inputs<'_>,
                    #grid: &#private::Grid<#count>,
                    #index: usize,
                    #observer: &O,
                ) -> ::core::result::Result<#outputs, #error> {
                    #item_body
                }
            }

            #private::cfg_rayon! {
                #[allow(unused_lifetimes, reason = "`for<'hn>` keeps the thread bounds from being checked where they are declared")]
                #large_errors
                impl #ident {
                    /// Runs the pipeline once per item formed from `inputs`
                    /// (`MapMode::Zip`: the `Each` inputs side by side;
                    /// `Product`: every combination, the last input varying
                    /// fastest), sharing the `Shared` inputs by reference, in
                    /// parallel on the current rayon pool. Results come in
                    /// item order, as with `map`: one item's failure or panic
                    /// never loses another item's result.
                    ///
                    /// # Errors
                    ///
                    /// `MapOverError` when the items cannot be formed (zip
                    /// over inputs of unequal lengths, no `Each` input).
                    #vis fn map_over<'a>(
                        &self,
                        #public_inputs: #map_inputs<'a>,
                        #mode: #private::MapMode,
                    ) -> #results
                    where
                        #thread_bounds
                    {
                        self.map_over_with(&#private::Engine::new(), #public_inputs, #mode)
                    }

                    /// `map_over` with an explicit `Engine` (sequential,
                    /// parallel, or on the I/O pool; fail-fast). The nodes of
                    /// each item run one after another.
                    ///
                    /// # Errors
                    ///
                    /// As `map_over`.
                    #vis fn map_over_with<'a>(
                        &self,
                        #engine: &#private::Engine,
                        #public_inputs: #map_inputs<'a>,
                        #mode: #private::MapMode,
                    ) -> #results
                    where
                        #thread_bounds
                    {
                        let #grid = #grid_of;
                        let pipeline = *self;
                        if #engine.__watched() {
                            let #events = #private::MapEvents::new(&#engine, #name, ::core::option::Option::Some(#grid.len()));
                            let #events = &#events;
                            if #counting && #events.counts_only() {
                                return ::core::result::Result::Ok(#events.map(|| {
                                    #private::map_with_counted(#engine, 0..#grid.len(), #events, |_, #index| {
                                        pipeline.__map_over_item(&#public_inputs, &#grid, #index, &#private::LocatePanics)
                                    })
                                }));
                            }
                            return ::core::result::Result::Ok(#events.map(|| {
                                #private::map_with(#engine, 0..#grid.len(), |#index| {
                                    #events.item(#index, #private::LocatePanics, |#observer| {
                                        pipeline.__map_over_item(&#public_inputs, &#grid, #index, #observer)
                                    })
                                })
                            }));
                        }
                        ::core::result::Result::Ok(#private::map_with(#engine, 0..#grid.len(), |#index| {
                            pipeline.__map_over_item(&#public_inputs, &#grid, #index, &#private::LocatePanics)
                        }))
                    }
                }
            }
        }
    };
    Some(quote! {
        #common
        #runners
    })
}

/// `<Name>MapInputs`.
pub fn map_inputs_ident(model: &Model) -> Ident {
    format_ident!("{}MapInputs", model.skeleton.ident)
}

/// The field of input `index`, named like the `Inputs` field.
fn field(model: &Model, index: usize) -> Ident {
    let (node, param) = model.plan.inputs[index].consumers[0];
    input_field(
        model,
        index,
        model.nodes[node].sig.params[param].ident.span(),
    )
}
