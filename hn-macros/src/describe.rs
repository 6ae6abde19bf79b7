//! How a `#[node]` function describes its signature to `pipeline!`.
//!
//! A macro cannot read another item's signature, so `#[node]` leaves a hidden
//! `macro_rules!` beside the function, importable under the function's own
//! name (macros and functions live in separate namespaces). `pipeline!`
//! asks its path entries in one chain: each answers by asking the next,
//! with its description prepended, and the last calls `pipeline!` again:
//!
//! ```text
//! pipeline! { struct P { a::load, tokens } }
//!   => a::load! { @hn_describe_v2 { [tokens] } { ::hypernodes::__private::pipeline } @hn_body { struct P { .. } } }
//!   => tokens! { @hn_describe_v2 { } { .. } @hn_node_v1 { #[node(..)] fn load(..) -> ..; } @hn_body { .. } }
//!   => ::hypernodes::__private::pipeline! { @hn_node_v1 { .. } @hn_node_v1 { .. } @hn_body { .. } }
//!   => the expansion
//! ```
//!
//! So `N` path entries nest `N + 1` expansions (rustc's `recursion_limit`,
//! 128 by default, counts them), and the proc macro runs twice, whatever
//! `N`. The pipeline's body travels as one token tree, so each step's
//! `macro_rules!` match costs the answers so far, not the body.
//!
//! Each answer is prepended, so descriptions arrive newest first. The tokens
//! keep their spans through `macro_rules!`, so errors about a node's
//! parameter point at the parameter in the node's own file.
//!
//! A pipeline answers the same request with `@hn_pipeline_v1 { .. }`: its
//! inputs, the outputs it exposes, and every node that runs in it (its own
//! and those of pipelines nested in it), each with the names it consumes and
//! produces at the pipeline's level, so that an outer pipeline can put them
//! in its own graph (see `nested.rs`).
//!
//! # Visibility
//!
//! A private or `pub(..)` item's macro is an ordinary `macro_rules!`,
//! imported with the item's own visibility (`use __hn_node_load as load;`).
//! A `macro_rules!` cannot be re-exported beyond its crate, so a `pub` item's
//! macro is `#[macro_export]`ed instead, and re-exported from the item's
//! module:
//!
//! ```text
//! #[macro_export] macro_rules! __hn_node_load_3 { .. }
//! pub use __hn_node_load_3 as load;
//! ```
//!
//! - `#[macro_export]` puts the macro at the crate root under its own name,
//!   so the name must be unique in the crate: two modules may both have a
//!   `pub` node `load`. It is the item's name and a number from a counter
//!   that lives as long as the process (one compilation in rustc), so it is
//!   unique and deterministic for one compilation; only the `use` right
//!   after it names it, in the same expansion, so other compilations
//!   (incremental builds, rust-analyzer) never depend on the number. A hash
//!   of the item's tokens would not do: identical items in two modules (made
//!   by a user's `macro_rules!`) would clash, and a span's file and line can
//!   only be read from rustc 1.88 on.
//! - The `use` is relative and right after the definition, so it finds the
//!   macro by its textual `macro_rules!` scope. Through the crate root
//!   (`pub use crate::__hn_node_load_3 as load;`), rustc rejects it:
//!   "macro-expanded `macro_export` macros from the current crate cannot be
//!   referred to by absolute paths". Pipelines in the same crate and in other
//!   crates then both resolve the item's path (`crate::text::load`,
//!   `super::load`, `other_crate::text::load`, a `use` of it) through the
//!   re-export, never by the hidden name.
//! - A `pub` item in a private module or in a function body is exported too
//!   (a macro cannot see its module's visibility), under a hidden name that
//!   nothing names; its path stays as reachable as the item.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens};
use std::sync::atomic::{AtomicUsize, Ordering};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Ident, LitStr, Path, Token, TraitItemFn, Visibility};

/// Marks a request for a description: the paths still to ask, the
/// callback, the state. Versioned like the answers: a describing macro of
/// another version reports the mismatch instead of misreading the request.
const DESCRIBE: &str = "hn_describe_v2";
/// Marks the pipeline's body in the state, after the answers.
const BODY: &str = "hn_body";
/// Marks a node's answer. The version changes whenever the format does, so a
/// node compiled by another version of the macros is reported, not misread.
const NODE_V1: &str = "hn_node_v1";
/// Marks a pipeline's answer.
const PIPELINE_V1: &str = "hn_pipeline_v1";

/// The hidden macro `#[node]` emits. `description` is the node's visibility,
/// attribute and signature (see [`NodeDescription`]), or `None` when the
/// node had errors (already reported by `#[node]`), in which case
/// `pipeline!` stays quiet about it.
pub fn node_macro(
    ident: &Ident,
    vis: &Visibility,
    description: Option<TokenStream>,
) -> TokenStream {
    let hint = format!(
        "`{ident}` is a #[node] function: call it as `{ident}(..)`, or list it in `pipeline!`"
    );
    describing_macro(
        &format_ident!("__hn_node_{}", ident),
        ident,
        vis,
        &format_ident!("{}", NODE_V1),
        description.unwrap_or_default(),
        &hint,
    )
}

/// The hidden macro `pipeline!` emits, answering with `description` (see
/// [`PipelineDescription`]; empty when the pipeline had errors).
pub fn pipeline_macro(ident: &Ident, vis: &Visibility, description: TokenStream) -> TokenStream {
    let hint = format!(
        "`{ident}` is a pipeline: run it as `{ident}.run(..)`, or list it in another `pipeline!`"
    );
    describing_macro(
        &format_ident!("__hn_pipeline_{}", ident),
        ident,
        vis,
        &format_ident!("{}", PIPELINE_V1),
        description,
        &hint,
    )
}

/// A `macro_rules!` answering `@hn_describe` requests with `@answer {
/// description }`, imported under `ident` in the macro namespace: crate-wide
/// at most, or exported if `vis` is `pub` (see the module docs).
fn describing_macro(
    macro_name: &Ident,
    ident: &Ident,
    vis: &Visibility,
    answer: &Ident,
    description: TokenStream,
    hint: &str,
) -> TokenStream {
    let describe = format_ident!("{}", DESCRIBE);
    let rules = quote! {
        (@#describe { [$($next:tt)*] $($rest:tt)* } $callback:tt $($state:tt)*) => {
            $($next)*! { @#describe { $($rest)* } $callback @#answer { #description } $($state)* }
        };
        (@#describe { } { $($callback:tt)* } $($state:tt)*) => {
            $($callback)*! { @#answer { #description } $($state)* }
        };
        ($($other:tt)*) => {
            ::core::compile_error! { #hint }
        };
    };
    if let Visibility::Public(_) = vis {
        let macro_name = exported_name(macro_name);
        return quote! {
            #[doc(hidden)]
            #[macro_export]
            #[allow(non_local_definitions, clippy::crate_in_macro_def, reason = "exported under a unique hidden name, named only by the `use` below; the description's `crate` paths are never resolved")]
            macro_rules! #macro_name { #rules }
            #[doc(hidden)]
            #[allow(unused_imports, unreachable_pub, clippy::useless_attribute, reason = "used only by the pipelines that list it")]
            pub use #macro_name as #ident;
        };
    }
    let use_vis = match vis {
        Visibility::Restricted(_) => quote!(#vis),
        _ => TokenStream::new(),
    };
    quote! {
        #[doc(hidden)]
        macro_rules! #macro_name { #rules }
        #[doc(hidden)]
        #[allow(unused_imports, clippy::useless_attribute, reason = "used only by the pipelines that list it")]
        #use_vis use #macro_name as #ident;
    }
}

/// `name_N`: a name no other exported macro of this compilation has.
fn exported_name(name: &Ident) -> Ident {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format_ident!("{}_{}", name, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The request `pipeline!` emits to resolve `paths` (at least one): each
/// item's macro prepends its description to `answers`, then asks the next;
/// the last calls `callback` with the answers and the body.
pub fn request(
    paths: &[&Path],
    callback: &TokenStream,
    answers: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let describe = format_ident!("{}", DESCRIBE);
    let marker = format_ident!("{}", BODY);
    let (first, rest) = paths.split_first().expect("a path to resolve");
    quote! { #first! { @#describe { #([#rest])* } { #callback } #answers @#marker { #body } } }
}

/// A node's description: `vis(pub) #[node(..)] fn name(..) -> ..;`.
#[derive(Clone)]
pub struct NodeDescription {
    /// The function's (and its marker type's) visibility.
    pub vis: Visibility,
    /// The `#[node(..)]` attribute and the signature.
    pub item: TraitItemFn,
}

impl Parse for NodeDescription {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(NodeDescription {
            vis: parenthesized_after(input, "vis")?.parse()?,
            item: input.parse()?,
        })
    }
}

impl ToTokens for NodeDescription {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let NodeDescription { vis, item } = self;
        tokens.extend(quote!(vis(#vis) #item));
    }
}

/// A pipeline's description:
///
/// ```text
/// struct TextStats;
/// inputs(file_path);                         its inputs
/// outputs(text, count);                      the outputs it exposes
/// through(__hn_private_nodes_of_TextStats) private("tokens");  optional: the members are reached through this sibling, because of these nodes
/// member path("load_text") params(file_path) outputs(text) vis(pub) #[node] fn load_text(..) -> ..;
/// member group path("stats") ..                 a mapped nested pipeline, as one node
/// ```
///
/// Member `i` is reached as `<TextStats as Member<i>>::Node` and
/// `TextStats::__hn_member_i`; `path` is where it is from the pipeline
/// (nested pipelines' names, then its own), `params` and `outputs` the names
/// it consumes and produces in the pipeline (after renames).
#[derive(Clone)]
pub struct PipelineDescription {
    pub ident: Ident,
    pub inputs: Vec<Ident>,
    pub outputs: Vec<Ident>,
    /// A private item beside the pipeline that carries the members instead
    /// of the pipeline, when its nodes are less visible than the pipeline
    /// (so only the pipeline's own module can nest it).
    pub through: Option<Ident>,
    /// With `through`: the paths (`a / b`) of the nodes less visible than
    /// the pipeline, for the error where it is nested out of their reach.
    pub private: Vec<LitStr>,
    pub members: Vec<MemberDescription>,
}

/// One node of a described pipeline.
#[derive(Clone)]
pub struct MemberDescription {
    /// A mapped nested pipeline of the described one, as one node: besides
    /// `__hn_member_i` (items one after another), it has
    /// `__hn_member_i_parallel` (on rayon) or only `__hn_member_i_async`.
    pub group: bool,
    pub path: Vec<LitStr>,
    pub params: Vec<Ident>,
    pub outputs: Vec<Ident>,
    pub node: NodeDescription,
}

impl Parse for PipelineDescription {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        input.parse::<Token![;]>()?;
        let inputs = idents_after(input, "inputs")?;
        input.parse::<Token![;]>()?;
        let outputs = idents_after(input, "outputs")?;
        input.parse::<Token![;]>()?;
        let (through, private) = if input.peek(Ident) && input.fork().parse::<Ident>()? == "through"
        {
            let proxy = parenthesized_after(input, "through")?.parse()?;
            let private = parenthesized_after(input, "private")?;
            let private = Punctuated::<LitStr, Token![,]>::parse_terminated(&private)?;
            input.parse::<Token![;]>()?;
            (Some(proxy), private.into_iter().collect())
        } else {
            (None, Vec::new())
        };
        let mut members = Vec::new();
        while !input.is_empty() {
            let keyword: Ident = input.parse()?;
            if keyword != "member" {
                return Err(syn::Error::new(keyword.span(), "expected `member`"));
            }
            let group = input.peek(Ident) && input.fork().parse::<Ident>()? == "group";
            if group {
                input.parse::<Ident>()?;
            }
            let path = parenthesized_after(input, "path")?;
            let path = Punctuated::<LitStr, Token![,]>::parse_terminated(&path)?;
            members.push(MemberDescription {
                group,
                path: path.into_iter().collect(),
                params: idents_after(input, "params")?,
                outputs: idents_after(input, "outputs")?,
                node: input.parse()?,
            });
        }
        Ok(PipelineDescription {
            ident,
            inputs,
            outputs,
            through,
            private,
            members,
        })
    }
}

impl ToTokens for PipelineDescription {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let PipelineDescription {
            ident,
            inputs,
            outputs,
            through,
            private,
            members,
        } = self;
        let through =
            (through.as_ref()).map(|proxy| quote!(through(#proxy) private(#(#private),*);));
        let members = members.iter().map(|member| {
            let MemberDescription {
                group,
                path,
                params,
                outputs,
                node,
            } = member;
            let group = group.then(|| quote!(group));
            quote!(member #group path(#(#path),*) params(#(#params),*) outputs(#(#outputs),*) #node)
        });
        tokens.extend(quote! {
            struct #ident;
            inputs(#(#inputs),*);
            outputs(#(#outputs),*);
            #through
            #(#members)*
        });
    }
}

/// `keyword( .. )`: the parenthesized contents.
fn parenthesized_after<'a>(
    input: ParseStream<'a>,
    keyword: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    let found: Ident = input.parse()?;
    if found != keyword {
        return Err(syn::Error::new(
            found.span(),
            format!("expected `{keyword}(..)`"),
        ));
    }
    let content;
    parenthesized!(content in input);
    Ok(content)
}

/// `keyword(a, b, ..)`.
fn idents_after(input: ParseStream, keyword: &str) -> syn::Result<Vec<Ident>> {
    let content = parenthesized_after(input, keyword)?;
    let idents = Punctuated::<Ident, Token![,]>::parse_terminated_with(
        &content,
        syn::ext::IdentExt::parse_any,
    )?;
    Ok(idents.into_iter().collect())
}

/// What a path entry turned out to be.
pub enum Described {
    Node(Box<NodeDescription>),
    Pipeline(Box<PipelineDescription>),
}

/// An answer: a description, or nothing if the node or pipeline had errors.
pub struct Answer {
    pub described: Option<Described>,
    /// The answer's tokens, to pass along unchanged in the next request.
    pub tokens: TokenStream,
}

/// The answers at the front of a `pipeline!` input, oldest first, and the
/// pipeline itself.
pub struct Resolved {
    pub answers: Vec<Answer>,
    pub body: TokenStream,
}

impl Resolved {
    /// Every answer's tokens, in the order they arrived (newest first).
    pub fn answer_tokens(&self) -> TokenStream {
        self.answers
            .iter()
            .rev()
            .map(|answer| answer.tokens.clone())
            .collect()
    }
}

impl Parse for Resolved {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut answers = Vec::new();
        while input.peek(Token![@]) {
            let at: Token![@] = input.parse()?;
            let marker: Ident = input.parse()?;
            if marker == BODY {
                // The end of the chain: the body, as it was given.
                let body;
                syn::braced!(body in input);
                answers.reverse();
                return Ok(Resolved {
                    answers,
                    body: body.parse()?,
                });
            }
            let is_node = marker == NODE_V1;
            if !is_node && marker != PIPELINE_V1 {
                return Err(syn::Error::new(
                    marker.span(),
                    "this node was described by an incompatible version of hypernodes; use one version of `hypernodes` in the whole crate",
                ));
            }
            let TokenTree::Group(group) = input.parse::<TokenTree>()? else {
                return Err(input.error("expected a description"));
            };
            if group.delimiter() != Delimiter::Brace {
                return Err(syn::Error::new(
                    group.span(),
                    "expected a description in braces",
                ));
            }
            let described = match (group.stream().is_empty(), is_node) {
                (true, _) => None,
                (false, true) => Some(Described::Node(Box::new(syn::parse2(group.stream())?))),
                (false, false) => Some(Described::Pipeline(Box::new(syn::parse2(group.stream())?))),
            };
            answers.push(Answer {
                described,
                tokens: quote!(#at #marker #group),
            });
        }
        answers.reverse();
        Ok(Resolved {
            answers,
            body: input.parse()?,
        })
    }
}
