//! A node's signature: what it consumes, what it produces, and how.
//!
//! Built from the function's `syn::Signature` and its `#[node(...)]` options,
//! by `#[node]` for the function itself and by `pipeline!` for inline nodes
//! and for the signatures that `#[node]` functions describe to it.

use crate::attr::{take_node_attr, NodeAttr, OutputSpec};
use crate::ctxt::Ctxt;
use crate::describe::NodeDescription;
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{
    FnArg, GenericArgument, Ident, Lifetime, Pat, PathArguments, ReturnType, Signature, Type,
};

/// A parameter: the name it consumes and how it takes the value.
#[derive(Clone)]
pub struct Param {
    pub ident: Ident,
    /// `&T`: the parameter borrows the value.
    pub by_ref: bool,
    /// The type recorded on the node's marker: the referent of a reference,
    /// or the type itself; with elided lifetimes made `'static`.
    pub recorded: Type,
    /// The whole parameter, for errors about it.
    pub span: Span,
}

/// A checked node signature.
#[derive(Clone)]
pub struct NodeSig {
    pub ident: Ident,
    pub params: Vec<Param>,
    /// Output names, spanned at `output = ...` or at the function's name.
    pub outputs: Vec<Ident>,
    /// `output = (a, b)`: the (success) value is a tuple split into outputs.
    pub tuple_outputs: bool,
    /// The return type as recorded on the marker (elided lifetimes made
    /// `'static`); `()` when there is none.
    pub ret: Type,
    pub fallible: bool,
    pub is_async: bool,
    /// `#[node(blocking)]`: a sync node the async runner runs on the
    /// runtime's blocking pool.
    pub blocking: bool,
    /// `timeout_ms` / `retries` / `backoff_ms` of an async node.
    pub retry: Option<Retry>,
    /// `#[node(cache)]`: the span of `cache` (where an error about the
    /// cache's requirements points) and the `version`.
    pub cache: Option<(Span, u32)>,
}

/// How an async node is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    pub timeout_ms: Option<u64>,
    pub retries: u64,
    pub backoff_ms: u64,
}

impl NodeSig {
    /// Whether the node can end a run with an error: a fallible function, or
    /// one that can time out or run out of attempts.
    pub fn fails(&self) -> bool {
        self.fallible || self.retry.is_some()
    }

    /// Whether the node's output is `()` (no return type, `-> ()`, or
    /// `-> Result<(), E>` for a fallible node): a check or a side effect.
    pub fn returns_unit(&self) -> bool {
        let value = if self.fallible {
            result_ok_type(&self.ret)
        } else {
            Some(&self.ret)
        };
        !self.tuple_outputs
            && value.is_some_and(
                |ty| matches!(ungroup(ty), Type::Tuple(tuple) if tuple.elems.is_empty()),
            )
    }
}

impl NodeSig {
    /// The signature a `#[node]` function (or a nested pipeline's member)
    /// described: its `#[node(..)]` options and its signature.
    pub fn from_description(cx: &Ctxt, description: &NodeDescription) -> Option<NodeSig> {
        let mut attrs = description.item.attrs.clone();
        let attr = take_node_attr(cx, &mut attrs);
        NodeSig::from_syn(cx, &attr, &description.item.sig)
    }

    /// Checks a signature, recording every problem. Returns `None` when the
    /// signature cannot be used as a node at all.
    pub fn from_syn(cx: &Ctxt, attr: &NodeAttr, sig: &Signature) -> Option<NodeSig> {
        let errors_before = cx.error_count();
        check_header(cx, sig);
        let params: Vec<Param> = sig.inputs.iter().filter_map(|arg| param(cx, arg)).collect();
        let ret = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if contains_impl_trait(ty) {
                    cx.error_spanned_by(ty, "a node cannot return `impl Trait`; return a concrete type (e.g. `Vec<T>` or `Box<dyn Trait>`)");
                }
                static_lifetimes((**ty).clone())
            }
        };
        let fallible = is_result(&ret) && attr.infallible.is_none();
        if let (Some(span), false) = (attr.infallible, is_result(&ret)) {
            cx.error_at(
                span,
                "`infallible` has no effect: the function does not return a `Result`",
            );
        }
        let (outputs, tuple_outputs) = outputs(cx, attr, sig, &ret, fallible);
        let retry = retry(cx, attr, sig.asyncness.is_some());
        if let (Some((_, span)), None) = (attr.version, attr.cache) {
            cx.error_at(
                span,
                "`version` is for cached nodes: write `#[node(cache, version = N)]`",
            );
        }
        if cx.error_count() > errors_before {
            return None;
        }
        Some(NodeSig {
            ident: sig.ident.clone(),
            params,
            outputs,
            tuple_outputs,
            ret,
            fallible,
            is_async: sig.asyncness.is_some(),
            blocking: attr.blocking.is_some(),
            retry,
            cache: attr
                .cache
                .map(|span| (span, attr.version.map_or(0, |(version, _)| version))),
        })
    }
}

/// The retry options: only for async nodes (a sync node cannot be timed
/// out); `backoff_ms` only with `retries`; `blocking` only for sync nodes.
fn retry(cx: &Ctxt, attr: &NodeAttr, is_async: bool) -> Option<Retry> {
    if let (Some(span), true) = (attr.blocking, is_async) {
        cx.error_at(span, "`blocking` is for sync nodes: an async node already yields to the runtime while it waits");
    }
    let options = [attr.timeout_ms, attr.retries, attr.backoff_ms];
    if !is_async {
        for (_, span) in options.iter().flatten() {
            cx.error_at(
                *span,
                "timeouts and retries are for async nodes: make the function `async fn`",
            );
        }
        return None;
    }
    if let (Some((_, span)), None) = (attr.backoff_ms, attr.retries) {
        cx.error_at(
            span,
            "`backoff_ms` needs `retries = N`: it is the wait between attempts",
        );
    }
    if let Some((0, span)) = attr.timeout_ms {
        cx.error_at(
            span,
            "`timeout_ms = 0` would time out every attempt; give a positive number of milliseconds",
        );
    }
    options.iter().any(Option::is_some).then(|| Retry {
        timeout_ms: attr.timeout_ms.map(|(ms, _)| ms),
        retries: attr.retries.map_or(0, |(n, _)| n),
        backoff_ms: attr.backoff_ms.map_or(0, |(ms, _)| ms),
    })
}

fn check_header(cx: &Ctxt, sig: &Signature) {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            "a node cannot be generic: the pipeline needs concrete types; write a non-generic function that calls the generic one",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            "a node cannot be `unsafe`; wrap the call in a safe function",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a node cannot be variadic");
    }
}

fn param(cx: &Ctxt, arg: &FnArg) -> Option<Param> {
    let typed = match arg {
        FnArg::Receiver(receiver) => {
            cx.error_spanned_by(receiver, "a node cannot take `self`; make it a free function that takes the value as a named parameter");
            return None;
        }
        FnArg::Typed(typed) => typed,
    };
    let ident = match &*typed.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            cx.error_spanned_by(
                other,
                "a node parameter must be a plain name: the name says which value it consumes; destructure inside the function",
            );
            return None;
        }
    };
    let ty = ungroup(&typed.ty).clone();
    if contains_impl_trait(&ty) {
        cx.error_spanned_by(
            &typed.ty,
            "a node parameter cannot be `impl Trait`: the pipeline needs a concrete type",
        );
        return None;
    }
    let (by_ref, referent) = match &ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            cx.error_spanned_by(
                &typed.ty,
                "a node cannot take `&mut`: values are shared between nodes; take the value by value and return the changed one",
            );
            return None;
        }
        // `&'static T` cannot borrow a value of the run: the value itself is
        // a `&'static T`, passed like any `Copy` value.
        Type::Reference(reference)
            if reference
                .lifetime
                .as_ref()
                .is_some_and(|lifetime| lifetime.ident == "static") =>
        {
            (false, ty.clone())
        }
        Type::Reference(reference) => (true, (*reference.elem).clone()),
        other => (false, other.clone()),
    };
    Some(Param {
        ident,
        recorded: static_lifetimes(ungroup(&referent).clone()),
        by_ref,
        span: typed.span(),
    })
}

/// Output names and whether they split a tuple.
fn outputs(
    cx: &Ctxt,
    attr: &NodeAttr,
    sig: &Signature,
    ret: &Type,
    fallible: bool,
) -> (Vec<Ident>, bool) {
    let (names, span) = match &attr.output {
        None => return (vec![sig.ident.clone()], false),
        Some(OutputSpec::Single(name)) => return (vec![name.clone()], false),
        // `output = (a)` is a parenthesized single name, not a 1-tuple.
        Some(OutputSpec::Tuple(names, _)) if names.len() == 1 => return (names.clone(), false),
        Some(OutputSpec::Tuple(names, span)) => (names, *span),
    };
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            cx.error_spanned_by(name, format!("duplicate output name `{name}`"));
        }
    }
    let value = if fallible {
        result_ok_type(ret)
    } else {
        Some(ret)
    };
    match value.map(ungroup) {
        Some(Type::Tuple(tuple)) if tuple.elems.len() != names.len() => cx.error_at(
            span,
            format!(
                "{} output names for a tuple of {} elements; name one output per element",
                names.len(),
                tuple.elems.len()
            ),
        ),
        Some(Type::Tuple(_)) | None => {}
        // Not visibly a tuple (an alias, say): `TupleElement` checks it.
        Some(Type::Path(_)) => {}
        Some(other) => cx.error_spanned_by(
            other,
            format!(
                "`output = (..)` needs the function to return a tuple of {} elements",
                names.len()
            ),
        ),
    }
    (names.clone(), true)
}

/// Whether the type's last path segment is `Result`.
pub fn is_result(ty: &Type) -> bool {
    matches!(ungroup(ty), Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|segment| segment.ident == "Result"))
}

/// The first generic argument of a `Result`-like path, if written out.
pub fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// Looks through the invisible groups that `macro_rules!` puts around `$t:ty`.
pub fn ungroup(mut ty: &Type) -> &Type {
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    ty
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::visit_type(&mut finder, ty);
    finder.0
}

/// Makes elided and `'_` lifetimes `'static`, so the type can stand alone in
/// an associated type.
fn static_lifetimes(mut ty: Type) -> Type {
    struct Statics;
    impl VisitMut for Statics {
        fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
            if reference.lifetime.is_none() {
                reference.lifetime = Some(Lifetime::new("'static", reference.and_token.span));
            }
            syn::visit_mut::visit_type_reference_mut(self, reference);
        }
        fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
            if lifetime.ident == "_" {
                *lifetime = Lifetime::new("'static", lifetime.span());
            }
        }
    }
    Statics.visit_type_mut(&mut ty);
    ty
}

/// How an input's owned type follows from a parameter that consumes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owned {
    /// `T` by value, or `&T` for a sized `T`: the input is a `T`.
    Recorded,
    /// `&str`, `&[T]`, `&Path`, `&OsStr`, `&CStr`: the input is the owned
    /// form (`String`, `Vec<T>`, ...), found through `OwnedInput`.
    Mapped,
    /// `&dyn Trait` and other unsized referents with no owned form: the
    /// input's type must be declared.
    Unknown,
}

impl Param {
    /// Whether the parameter is an `Option<T>` or `Option<&T>` (by the last
    /// segment of its path): it takes a value that may not exist as
    /// whether it exists.
    pub fn optional(&self) -> bool {
        !self.by_ref
            && matches!(ungroup(&self.recorded), Type::Path(path) if path.qself.is_none()
            && path.path.segments.last().is_some_and(|segment| {
                segment.ident == "Option"
                    && matches!(&segment.arguments, PathArguments::AngleBracketed(args) if args.args.len() == 1)
            }))
    }

    /// Whether the parameter is an `Option<&T>` (see
    /// [`optional`](Param::optional)): it borrows the value if it exists.
    pub fn optional_ref(&self) -> bool {
        let Type::Path(path) = ungroup(&self.recorded) else {
            return false;
        };
        let Some(segment) = path.path.segments.last() else {
            return false;
        };
        matches!(&segment.arguments, PathArguments::AngleBracketed(args)
            if matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Reference(_)))))
    }

    /// How the input's owned type follows from this parameter.
    pub fn owned(&self) -> Owned {
        if !self.by_ref {
            return Owned::Recorded;
        }
        match ungroup(&self.recorded) {
            Type::Slice(_) => Owned::Mapped,
            Type::TraitObject(_) => Owned::Unknown,
            Type::Path(path) if path.qself.is_none() => {
                let last = path
                    .path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string());
                match last.as_deref() {
                    Some("str" | "Path" | "OsStr" | "CStr") => Owned::Mapped,
                    _ => Owned::Recorded,
                }
            }
            _ => Owned::Recorded,
        }
    }

    /// The owned type as text, for comparing consumers that name the same
    /// input: `&str` → `String`, `&[T]` → `Vec<T>`, `&Path` → `PathBuf`,
    /// `&OsStr` → `OsString`, `&CStr` → `CString`, `&T` → `T`, `T` → `T`.
    pub fn owned_text(&self) -> String {
        let text = |ty: &Type| ty.to_token_stream().to_string().replace(' ', "");
        let recorded = ungroup(&self.recorded);
        if self.owned() != Owned::Mapped {
            return text(recorded);
        }
        match recorded {
            Type::Slice(slice) => format!("Vec<{}>", text(&slice.elem)),
            Type::Path(path) => {
                let last = path
                    .path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string());
                let owned = match last.as_deref() {
                    Some("str") => "String",
                    Some("Path") => "PathBuf",
                    Some("OsStr") => "OsString",
                    Some("CStr") => "CString",
                    _ => return text(recorded),
                };
                owned.to_owned()
            }
            other => text(other),
        }
    }
}
