//! `#[nested(..)]`: how a pipeline listed in another joins the outer graph.
//!
//! ```text
//! #[nested(
//!     name = stats,                      the name in paths, errors, NODES (default: snake_case)
//!     inputs(outer = inner, ..),         an outer name feeds an inner input
//!     outputs(inner = outer, ..),        an inner output, named outside; only these are visible
//!     map_over = a | (a, b),             inner inputs given as `Vec`s, one item per element
//!     map_mode = zip | product,          how several mapped inputs form items (default zip)
//!     failures = name,                   with map_over: failed items do not fail the run; their
//!                                        errors are the output `name`, the other outputs hold
//!                                        the items that succeeded
//! )]
//! ```

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{parenthesized, Attribute, Ident, Token};

/// The attribute's name.
pub const NESTED_ATTR: &str = "nested";
const OPTIONS: &str =
    "`name = ident`, `inputs(outer = inner, ..)`, `outputs(inner = outer, ..)`, `map_over = a` or `map_over = (a, b)`, `map_mode = zip | product`, `failures = name`";

/// How a mapped nested pipeline forms its items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MapModeKind {
    #[default]
    Zip,
    Product,
}

/// Parsed `#[nested(..)]` options.
#[derive(Clone, Default)]
pub struct NestedAttr {
    /// `name = ident`.
    pub name: Option<Ident>,
    /// `inputs(outer = inner)`, as `(outer, inner)`.
    pub inputs: Vec<(Ident, Ident)>,
    /// `outputs(inner = outer)`, as `(inner, outer)`; `None` when not given
    /// (every output is visible under its own name).
    pub outputs: Option<Vec<(Ident, Ident)>>,
    /// `map_over = ..`: inner input names.
    pub map_over: Vec<Ident>,
    pub map_mode: MapModeKind,
    /// `map_mode = ..` given without `map_over`.
    pub map_mode_span: Option<Span>,
    /// `failures = name`: the outer name of the failed items' errors.
    pub failures: Option<Ident>,
}

impl NestedAttr {
    /// Finds `#[nested(..)]` among a path entry's attributes. Returns the
    /// options (default when absent) and the attributes it did not take.
    pub fn take(cx: &Ctxt, attrs: Vec<Attribute>) -> (Option<NestedAttr>, Vec<Attribute>) {
        let mut found = None;
        let mut rest = Vec::new();
        for attr in attrs {
            if !attr.path().is_ident(NESTED_ATTR) {
                rest.push(attr);
                continue;
            }
            if found.is_some() {
                cx.error_spanned_by(&attr, "duplicate `#[nested]` attribute");
                continue;
            }
            let tokens = match &attr.meta {
                syn::Meta::Path(_) => TokenStream::new(),
                syn::Meta::List(list) => list.tokens.clone(),
                syn::Meta::NameValue(_) => {
                    cx.error_spanned_by(&attr, "expected `#[nested]` or `#[nested(...)]`");
                    TokenStream::new()
                }
            };
            found = Some(NestedAttr::from_tokens(cx, tokens));
        }
        (found, rest)
    }

    fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> NestedAttr {
        let mut attr = NestedAttr::default();
        crate::attr::parse_options(cx, tokens, |name, input| attr.option(cx, name, input));
        if let (Some(span), true) = (attr.map_mode_span, attr.map_over.is_empty()) {
            cx.error_at(
                span,
                "`map_mode` needs `map_over = ..`: it says how the mapped inputs form items",
            );
        }
        if let (Some(failures), true) = (&attr.failures, attr.map_over.is_empty()) {
            cx.error_spanned_by(
                failures,
                "`failures` needs `map_over = ..`: it keeps the failed items of a map apart",
            );
        }
        attr
    }

    fn option(&mut self, cx: &Ctxt, name: &Ident, input: ParseStream) -> syn::Result<()> {
        let duplicate = || cx.error_spanned_by(name, format!("duplicate `{name}` option"));
        match name.to_string().as_str() {
            "name" => {
                input.parse::<Token![=]>()?;
                if self.name.replace(input.parse()?).is_some() {
                    duplicate();
                }
            }
            "inputs" => self.inputs.extend(pairs(input)?),
            "outputs" => self
                .outputs
                .get_or_insert_with(Vec::new)
                .extend(pairs(input)?),
            "map_over" => {
                if !self.map_over.is_empty() {
                    duplicate();
                }
                input.parse::<Token![=]>()?;
                if input.peek(syn::token::Paren) {
                    let content;
                    parenthesized!(content in input);
                    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                    if names.is_empty() {
                        cx.error_at(
                            name.span(),
                            "`map_over = ()` maps over nothing; name at least one input",
                        );
                    }
                    self.map_over.extend(names);
                } else {
                    self.map_over.push(input.parse()?);
                }
            }
            "map_mode" => {
                input.parse::<Token![=]>()?;
                let mode: Ident = input.parse()?;
                if self.map_mode_span.replace(mode.span()).is_some() {
                    duplicate();
                }
                self.map_mode = match mode.to_string().as_str() {
                    "zip" => MapModeKind::Zip,
                    "product" => MapModeKind::Product,
                    _ => {
                        return Err(syn::Error::new(
                            mode.span(),
                            "unknown map mode; expected `zip` or `product`",
                        ))
                    }
                };
            }
            "failures" => {
                input.parse::<Token![=]>()?;
                let output = input.call(syn::ext::IdentExt::parse_any)?;
                if self.failures.replace(output).is_some() {
                    duplicate();
                }
            }
            _ => {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown nested option `{name}`; expected {OPTIONS}"),
                ))
            }
        }
        Ok(())
    }
}

/// `(a = b, c = d)`.
fn pairs(input: ParseStream) -> syn::Result<Vec<(Ident, Ident)>> {
    let content;
    let parens = parenthesized!(content in input);
    let pairs =
        Punctuated::<(Ident, Ident), Token![,]>::parse_terminated_with(&content, |input| {
            let left = input.call(syn::ext::IdentExt::parse_any)?;
            input.parse::<Token![=]>()?;
            let right = input.call(syn::ext::IdentExt::parse_any)?;
            Ok((left, right))
        })?;
    if pairs.is_empty() {
        return Err(syn::Error::new(
            parens.span.join().span(),
            "expected renames: `(name = name, ..)`",
        ));
    }
    Ok(pairs.into_iter().collect())
}
