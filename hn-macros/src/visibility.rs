//! Visibility: whether a node is visible wherever its pipeline is, and the
//! visibility an inline node's marker type can safely take.
//!
//! A pipeline can be nested wherever its nodes' marker types can be named
//! (`expand/members.rs`). An inline node's marker is the pipeline's to
//! emit: when the node is less visible than the pipeline but its signature
//! names only types public to everyone (primitives, `String`, `Vec`, paths
//! into `std`), the marker takes the pipeline's visibility, so that
//! `pub struct P { fn clean(text: &str) -> String {..} }` nests anywhere
//! `P` is visible. With any other type the marker keeps the function's
//! visibility: a public marker whose types are private is a hard error
//! (E0446) even where the pipeline is never nested.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type, Visibility};

/// Whether a node declared with `node` is visible wherever a pipeline
/// declared with `pipeline` is. `same_module`: the node's visibility is
/// relative to the pipeline's module (not to a nested pipeline's).
pub fn covers(node: &Visibility, pipeline: &Visibility, same_module: bool) -> bool {
    match (pipeline, node) {
        (Visibility::Inherited, _) | (_, Visibility::Public(_)) => true,
        (Visibility::Public(_), _) | (Visibility::Restricted(_), Visibility::Inherited) => false,
        (Visibility::Restricted(pipeline), Visibility::Restricted(restricted)) => {
            crate_wide(node)
                || (same_module
                    && pipeline.to_token_stream().to_string()
                        == restricted.to_token_stream().to_string())
        }
    }
}

/// Whether `vis` is `pub(crate)` (or `pub(in crate)`): the same wherever
/// the item is declared.
pub fn crate_wide(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Restricted(restricted) if restricted.path.is_ident("crate"))
}

/// The visibility of an inline node's marker type: the pipeline's when the
/// function is less visible and its signature names only types public to
/// everyone, else the function's own.
pub fn inline_marker(function: &Visibility, pipeline: &Visibility, sig: &Signature) -> Visibility {
    if covers(function, pipeline, true) {
        return function.clone();
    }
    let params = sig.inputs.iter().all(|arg| match arg {
        syn::FnArg::Typed(typed) => plainly_public(&typed.ty),
        syn::FnArg::Receiver(_) => false,
    });
    let ret = match &sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => plainly_public(ty),
    };
    if params && ret {
        pipeline.clone()
    } else {
        function.clone()
    }
}

/// Primitive types and the prelude's types that no module can make
/// private.
const PUBLIC_NAMES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64", "String", "Vec", "Option", "Box",
];

/// Whether `ty` can only name types public to everyone: primitives, the
/// prelude's `String`, `Vec`, `Option`, `Box`, a two-argument `Result`
/// (`Result<T, E>` is std's; a one-argument one is a crate's alias, which
/// may hide a private error type), paths into `std`, `core` or `alloc`,
/// and references, slices, arrays and tuples of them.
pub fn plainly_public(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => plainly_public(&reference.elem),
        Type::Slice(slice) => plainly_public(&slice.elem),
        Type::Array(array) => plainly_public(&array.elem),
        Type::Paren(paren) => plainly_public(&paren.elem),
        Type::Group(group) => plainly_public(&group.elem),
        Type::Tuple(tuple) => tuple.elems.iter().all(plainly_public),
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let Some(first) = segments.first() else {
                return false;
            };
            let named = if segments.len() == 1 {
                let name = first.ident.to_string();
                PUBLIC_NAMES.contains(&name.as_str())
                    || (name == "Result" && generic_types(&first.arguments).count() == 2)
            } else {
                ["std", "core", "alloc"]
                    .iter()
                    .any(|root| first.ident == root)
            };
            named
                && segments
                    .iter()
                    .all(|segment| generic_types(&segment.arguments).all(plainly_public))
        }
        _ => false,
    }
}

/// The type arguments of a path segment (`Vec<T>`: `T`).
fn generic_types(arguments: &PathArguments) -> impl Iterator<Item = &Type> {
    let args = match arguments {
        PathArguments::AngleBracketed(args) => Some(args.args.iter()),
        _ => None,
    };
    args.into_iter().flatten().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::plainly_public;

    fn public(ty: &str) -> bool {
        plainly_public(&syn::parse_str(ty).unwrap())
    }

    #[test]
    fn only_types_no_module_can_make_private_are_plainly_public() {
        for ty in [
            "&str",
            "String",
            "Vec<Option<u64>>",
            "&[String]",
            "(u8, [f64; 3])",
            "Result<u64, std::num::ParseIntError>",
            "std::path::PathBuf",
            "::core::time::Duration",
            "Box<std::collections::HashMap<String, Vec<u8>>>",
        ] {
            assert!(public(ty), "{ty}");
        }
        for ty in [
            "Model",
            "Vec<Model>",
            "Result<u64>",
            "Result<u64, Error>",
            "io::Result<u64>",
            "crate::Model",
            "super::Thing",
            "Option<&Model>",
            "<u8 as Trait>::Out",
            "dyn Fn()",
        ] {
            assert!(!public(ty), "{ty}");
        }
    }
}
