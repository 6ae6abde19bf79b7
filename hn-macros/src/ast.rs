//! The syntax of `pipeline!`.
//!
//! ```text
//! #[outputs(a, b)]                  optional: what `run` returns
//! #[pipeline(crate = path)]         optional: where `hypernodes` is
//! /// docs
//! pub struct Name {
//!     inputs { name: Type, .. }     optional: input types to use as given
//!     path::to::node,               a #[node] function
//!     #[nested(..)] path::to::Pipeline, a pipeline (options in `nested/attr.rs`)
//!     #[node(..)] fn inline(..) { } a node written in place (comma optional)
//!     #[when(gate)] entry           any entry, conditional (`when.rs`)
//! }
//! ```

use crate::ctxt::Ctxt;
use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{braced, Attribute, Ident, ItemFn, Path, Token, Type, Visibility};

/// The keyword that opens the `inputs { .. }` block.
const INPUTS_BLOCK: &str = "inputs";

/// A parsed `pipeline!` invocation, before its path entries are resolved.
pub struct PipelineInput {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub entries: Vec<Entry>,
    pub declared_inputs: Vec<DeclaredInput>,
    /// Errors in the body that do not stop parsing (a second `inputs` block,
    /// attributes on a path entry).
    pub errors: Vec<syn::Error>,
}

/// One entry of the struct body.
pub enum Entry {
    /// A path to a `#[node]` function or a pipeline, with its attributes
    /// (`#[nested(..)]`).
    Path { path: Path, attrs: Vec<Attribute> },
    /// A node written in place.
    Inline(Box<ItemFn>),
}

impl Entry {
    /// Where the entry stands in the pipeline, for errors about it.
    pub fn span(&self) -> Span {
        match self {
            // The function's name: on stable a span cannot cover the path.
            Entry::Path { path, .. } => path
                .segments
                .last()
                .map_or_else(|| path.span(), |segment| segment.ident.span()),
            Entry::Inline(func) => func.sig.ident.span(),
        }
    }
}

/// `name: Type` in the `inputs { .. }` block.
pub struct DeclaredInput {
    pub ident: Ident,
    pub ty: Type,
}

impl Parse for DeclaredInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let ident = input.parse()?;
        input.parse::<Token![:]>()?;
        Ok(DeclaredInput {
            ident,
            ty: input.parse()?,
        })
    }
}

impl Parse for PipelineInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>().map_err(|error| {
            syn::Error::new(error.span(), "expected `struct Name { .. }`: a pipeline is declared as a struct listing its nodes")
        })?;
        let ident = input.parse()?;
        let body;
        braced!(body in input);
        let mut parsed = PipelineInput {
            attrs,
            vis,
            ident,
            entries: Vec::new(),
            declared_inputs: Vec::new(),
            errors: Vec::new(),
        };
        while !body.is_empty() {
            parsed.parse_entry(&body)?;
        }
        if !input.is_empty() {
            return Err(input.error(
                "unexpected tokens after the pipeline struct; declare one pipeline per `pipeline!`",
            ));
        }
        Ok(parsed)
    }
}

impl PipelineInput {
    fn parse_entry(&mut self, body: ParseStream) -> syn::Result<()> {
        if body.peek(Ident) && body.peek2(syn::token::Brace) {
            let keyword: Ident = body.fork().parse()?;
            if keyword == INPUTS_BLOCK {
                return self.parse_inputs_block(body);
            }
        }
        let attrs = body.call(Attribute::parse_outer)?;
        if !attrs.is_empty() && body.peek(Ident) && body.peek2(syn::token::Brace) {
            let keyword: Ident = body.fork().parse()?;
            if keyword == INPUTS_BLOCK {
                for attr in &attrs {
                    let message = if crate::when::is_when(attr) {
                        "`#[when]` cannot go on the `inputs` block: the inputs exist in every run"
                    } else {
                        "attributes are not expected on the `inputs` block"
                    };
                    self.errors.push(syn::Error::new_spanned(attr, message));
                }
                return self.parse_inputs_block(body);
            }
        }
        if is_fn_start(body) {
            let mut func: ItemFn = body.parse()?;
            func.attrs.splice(0..0, attrs);
            for attr in func.attrs.iter().filter(|attr| attr.path().is_ident("cfg")) {
                self.errors.push(syn::Error::new_spanned(
                    attr,
                    "`#[cfg]` is not supported on a node: the graph is fixed when the pipeline is declared; put `#[cfg]` on two pipelines instead",
                ));
            }
            self.entries.push(Entry::Inline(Box::new(func)));
            body.parse::<Option<Token![,]>>()?;
            return Ok(());
        }
        let path = body.call(Path::parse_mod_style).map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected a node: a path to a #[node] function, or an inline `fn`",
            )
        })?;
        self.entries.push(Entry::Path { path, attrs });
        if !body.is_empty() {
            body.parse::<Token![,]>()
                .map_err(|error| syn::Error::new(error.span(), "expected `,` between nodes"))?;
        }
        Ok(())
    }

    fn parse_inputs_block(&mut self, body: ParseStream) -> syn::Result<()> {
        let keyword: Ident = body.parse()?;
        let content;
        braced!(content in body);
        let declared = Punctuated::<DeclaredInput, Token![,]>::parse_terminated(&content)?;
        if !self.declared_inputs.is_empty() {
            self.errors.push(syn::Error::new(
                keyword.span(),
                "duplicate `inputs` block; declare all inputs in one",
            ));
        }
        self.declared_inputs.extend(declared);
        body.parse::<Option<Token![,]>>()?;
        Ok(())
    }

    /// Records the errors found while parsing.
    pub fn report(&self, cx: &Ctxt) {
        for error in &self.errors {
            cx.syn_error(error.clone());
        }
    }

    /// The path entries, in order: the ones that need a description.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Path { path, .. } => Some(path),
            Entry::Inline(_) => None,
        })
    }
}

fn is_fn_start(input: ParseStream) -> bool {
    let fork = input.fork();
    if fork.parse::<Visibility>().is_err() {
        return false;
    }
    fork.peek(Token![fn])
        || fork.peek(Token![async])
        || fork.peek(Token![const])
        || fork.peek(Token![unsafe])
        || fork.peek(Token![extern])
}
