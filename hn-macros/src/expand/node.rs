//! `#[node]`: the function, its type-level description, and its describing
//! macro.

use crate::attr::NodeAttr;
use crate::ctxt::Ctxt;
use crate::describe;
use crate::sig::NodeSig;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Ident, ItemFn, Visibility};

/// Expands `#[node(attr)] item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            cx.error_spanned_by(
                &item,
                "#[node] goes on a function: `#[node] fn name(input: Type) -> Output { .. }`",
            );
            return quote!(#item)
                .into_iter()
                .chain(cx.to_compile_errors())
                .collect();
        }
    };
    // Taken off, so that rustc does not also call it an unknown attribute.
    func.attrs.retain(|attr| {
        let when = crate::when::is_when(attr);
        if when {
            cx.error_spanned_by(
                attr,
                "`#[when]` goes on the node's entry in a pipeline (`#[when(gate)] name,`), not on the function: a pipeline decides when its entries run",
            );
        }
        !when
    });
    let node_attr = NodeAttr::from_tokens(&cx, attr.clone());
    if func.sig.receiver().is_some() {
        // A method: the items below cannot go in an `impl` block, so report
        // the receiver alone.
        NodeSig::from_syn(&cx, &node_attr, &func.sig);
        return quote!(#func)
            .into_iter()
            .chain(cx.to_compile_errors())
            .collect();
    }
    let sig = NodeSig::from_syn(&cx, &node_attr, &func.sig);
    let krate = crate::krate(node_attr.krate.as_ref());
    let code = code_hash(&quote!(#[node(#attr)] #func));
    let types = sig
        .as_ref()
        .map(|sig| node_types(&krate, &func.vis, sig, code, None));
    // A node with errors describes itself as empty, so pipelines that list it
    // do not repeat its errors.
    let description = (!cx.has_errors()).then(|| {
        let (vis, sig) = (&func.vis, &func.sig);
        quote!(vis(#vis) #[node(#attr)] #sig;)
    });
    let describing_macro = describe::node_macro(&func.sig.ident, &func.vis, description);
    let errors = cx.to_compile_errors();
    quote! {
        #func
        #types
        #describing_macro
        #errors
    }
}

/// A hash of a node's tokens (128-bit FNV-1a of their text), so that
/// editing the function changes the keys of its cached calls. Tokens, not
/// source text: reformatting and comments change nothing.
pub fn code_hash(tokens: &TokenStream) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    (tokens.to_string().bytes()).fold(OFFSET, |hash, byte| {
        (hash ^ u128::from(byte)).wrapping_mul(PRIME)
    })
}

/// The marker type named like the function, with the node's parameter,
/// output and error types as associated types (see `hn_runtime::types`),
/// and for a cached node what identifies it in its keys (`code`: its
/// tokens' [`code_hash`]).
///
/// An inline node's marker (`owner`: its pipeline) takes the pipeline as a
/// defaulted type parameter, and its impls are for that instance: when two
/// pipelines of one module both define an inline `clean`, rustc reports the
/// duplicate name and nothing more (the second pipeline's impls are for
/// another type than the first's, instead of conflicting with them).
pub fn node_types(
    krate: &TokenStream,
    vis: &Visibility,
    sig: &NodeSig,
    code: u128,
    owner: Option<&Ident>,
) -> TokenStream {
    let name = &sig.ident;
    let (definition, ident) = match owner {
        Some(owner) => (
            quote! {
                #vis enum #name<__HnOwner = #owner> {
                    #[doc(hidden)]
                    __Never(::core::convert::Infallible, ::core::marker::PhantomData<__HnOwner>),
                }
            },
            quote!(#name<#owner>),
        ),
        None => (quote!(#vis enum #name {}), quote!(#name)),
    };
    let private = quote!(#krate::__private);
    let params = sig.params.iter().enumerate().map(|(index, param)| {
        let ty = &param.recorded;
        quote!(impl #private::NodeParam<#index> for #ident { type Type = #ty; })
    });
    let ret = &sig.ret;
    let value = if sig.fallible {
        quote!(<#ret as #private::Fallible>::Ok)
    } else {
        quote!(#ret)
    };
    let outputs = (0..sig.outputs.len()).map(|index| {
        let ty = if sig.tuple_outputs {
            quote!(<#value as #private::TupleElement<#index>>::Type)
        } else {
            value.clone()
        };
        quote!(impl #private::NodeOutput<#index> for #ident { type Type = #ty; })
    });
    let ret_impl = quote!(impl #private::NodeReturn for #ident { type Type = #ret; });
    let error = sig.fallible.then(|| {
        quote!(impl #private::NodeFallible for #ident { type Error = <#ret as #private::Fallible>::Error; })
    });
    // Without the `cache` feature, the error says how to turn it on, at
    // `cache`.
    let cached = sig.cache.map(|(span, version)| {
        let name = name.unraw().to_string();
        let check = quote_spanned!(span=> cache_enabled::<()>);
        quote! {
            impl #private::CachedNode for #ident {
                const PATH: &'static str = ::core::concat!(::core::module_path!(), "::", #name);
                const CODE: u128 = #code;
                const VERSION: u32 = #version;
            }
            fn cache_enabled<T: #private::CacheEnabled>() {}
            let _ = #check;
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub, reason = "a hidden marker named like the function, only named by pipelines")]
        #definition

        const _: () = {
            #(#params)*
            #(#outputs)*
            #ret_impl
            #error
            #cached
        };
    }
}

#[cfg(test)]
mod test {
    use super::code_hash;
    use quote::quote;

    #[test]
    fn editing_a_node_changes_its_code_hash_and_reformatting_does_not() {
        let original = code_hash(&quote!(
            fn embed(text: &str) -> usize {
                text.len()
            }
        ));
        let reformatted: proc_macro2::TokenStream =
            "fn embed ( text : & str ) -> usize {\n    // a comment\n    text.len()\n}"
                .parse()
                .unwrap();
        assert_eq!(code_hash(&reformatted), original);
        for edited in [
            quote!(
                fn embed(text: &str) -> usize {
                    text.len() + 1
                }
            ),
            quote!(
                fn embed(text: &str) -> usize {
                    text.chars().count()
                }
            ),
            quote!(
                fn embed(txt: &str) -> usize {
                    txt.len()
                }
            ),
            quote!(
                #[node(cache, version = 2)]
                fn embed(text: &str) -> usize {
                    text.len()
                }
            ),
        ] {
            assert_ne!(code_hash(&edited), original, "{edited}");
        }
    }
}
