//! Options of `#[node(...)]` and the pipeline's own attributes.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Attribute, Ident, Path, Token};

/// Option names of `#[node(...)]`.
const OUTPUT: &str = "output";
const INFALLIBLE: &str = "infallible";
const CRATE: &str = "crate";
const BLOCKING: &str = "blocking";
const TIMEOUT_MS: &str = "timeout_ms";
const RETRIES: &str = "retries";
const BACKOFF_MS: &str = "backoff_ms";
const CACHE: &str = "cache";
const VERSION: &str = "version";
const NODE_OPTIONS: &str = "`output = name`, `output = (a, b)`, `infallible`, `blocking`, `timeout_ms = N`, `retries = N`, `backoff_ms = N`, `cache`, `version = N`, `crate = path`";

/// The attribute marking an inline node in `pipeline!`, and the one listing
/// outputs on the pipeline struct.
pub const NODE_ATTR: &str = "node";
pub const OUTPUTS_ATTR: &str = "outputs";
pub const PIPELINE_ATTR: &str = "pipeline";

/// What `output = ...` named.
#[derive(Clone)]
pub enum OutputSpec {
    /// `output = name`.
    Single(Ident),
    /// `output = (a, b)`; the span is the parentheses'.
    Tuple(Vec<Ident>, Span),
}

/// Parsed `#[node(...)]` options.
#[derive(Clone, Default)]
pub struct NodeAttr {
    pub output: Option<OutputSpec>,
    /// `infallible`, with its span.
    pub infallible: Option<Span>,
    /// `crate = path`.
    pub krate: Option<Path>,
    /// `blocking`: a sync node run on the async runtime's blocking pool.
    pub blocking: Option<Span>,
    /// `timeout_ms = N`, `retries = N`, `backoff_ms = N`, each with the
    /// option's span.
    pub timeout_ms: Option<(u64, Span)>,
    pub retries: Option<(u64, Span)>,
    pub backoff_ms: Option<(u64, Span)>,
    /// `cache`: results looked up in the engine's cache.
    pub cache: Option<Span>,
    /// `version = N` (with `cache`), with the option's span.
    pub version: Option<(u32, Span)>,
}

impl NodeAttr {
    /// Parses the tokens inside `#[node(...)]`, recording every mistake.
    pub fn from_tokens(cx: &Ctxt, tokens: TokenStream) -> NodeAttr {
        let mut attr = NodeAttr::default();
        parse_options(cx, tokens, |name, input| attr.option(cx, name, input));
        attr
    }

    /// Parses one option after its name.
    fn option(&mut self, cx: &Ctxt, name: &Ident, input: ParseStream) -> syn::Result<()> {
        let duplicate = || cx.error_spanned_by(name, format!("duplicate `{name}` option"));
        if name == OUTPUT {
            input.parse::<Token![=]>()?;
            let spec = parse_output(input)?;
            if self.output.replace(spec).is_some() {
                duplicate();
            }
        } else if name == INFALLIBLE {
            if self.infallible.replace(name.span()).is_some() {
                duplicate();
            }
        } else if name == CACHE {
            if self.cache.replace(name.span()).is_some() {
                duplicate();
            }
        } else if name == VERSION {
            input.parse::<Token![=]>()?;
            let value = input.parse::<syn::LitInt>()?.base10_parse::<u32>()?;
            if self.version.replace((value, name.span())).is_some() {
                duplicate();
            }
        } else if name == BLOCKING {
            if self.blocking.replace(name.span()).is_some() {
                duplicate();
            }
        } else if name == TIMEOUT_MS || name == RETRIES || name == BACKOFF_MS {
            input.parse::<Token![=]>()?;
            let value = (
                input.parse::<syn::LitInt>()?.base10_parse::<u64>()?,
                name.span(),
            );
            let slot = if name == TIMEOUT_MS {
                &mut self.timeout_ms
            } else if name == RETRIES {
                &mut self.retries
            } else {
                &mut self.backoff_ms
            };
            if slot.replace(value).is_some() {
                duplicate();
            }
        } else if name == CRATE {
            input.parse::<Token![=]>()?;
            if self
                .krate
                .replace(input.call(Path::parse_mod_style)?)
                .is_some()
            {
                duplicate();
            }
        } else {
            cx.error_spanned_by(
                name,
                format!("unknown node option `{name}`; expected one of: {NODE_OPTIONS}"),
            );
            // Skip the option's value so the next options are still checked.
            if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                input.parse::<proc_macro2::TokenTree>()?;
            }
        }
        Ok(())
    }
}

fn parse_output(input: ParseStream) -> syn::Result<OutputSpec> {
    if input.peek(syn::token::Paren) {
        let content;
        let parens = parenthesized!(content in input);
        let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
        if names.is_empty() {
            return Err(syn::Error::new(
                parens.span.join(),
                "`output = ()` names no output; name at least one",
            ));
        }
        Ok(OutputSpec::Tuple(
            names.into_iter().collect(),
            parens.span.join(),
        ))
    } else {
        Ok(OutputSpec::Single(input.parse()?))
    }
}

/// Parses `name ..., name ...` options, each by `option` after its name
/// (a keyword is a name too: `crate = ..`), recording a syntax error in `cx`.
pub fn parse_options(
    cx: &Ctxt,
    tokens: TokenStream,
    mut option: impl FnMut(&Ident, ParseStream) -> syn::Result<()>,
) {
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            option(&name, input)?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        cx.syn_error(error);
    }
}

/// Finds `#[node(...)]` among an inline function's attributes, removing it.
/// Other attributes stay on the function.
pub fn take_node_attr(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> NodeAttr {
    let mut found: Option<NodeAttr> = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident(NODE_ATTR) {
            return true;
        }
        let tokens = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(_) => {
                cx.error_spanned_by(attr, "expected `#[node]` or `#[node(...)]`");
                TokenStream::new()
            }
        };
        if found.is_some() {
            cx.error_spanned_by(attr, "duplicate `#[node]` attribute");
        } else {
            found = Some(NodeAttr::from_tokens(cx, tokens));
        }
        false
    });
    found.unwrap_or_default()
}

/// The pipeline struct's own attributes.
#[derive(Default)]
pub struct PipelineAttrs {
    /// `#[outputs(a, b)]`.
    pub outputs: Option<Vec<Ident>>,
    /// `#[pipeline(crate = path)]`.
    pub krate: Option<Path>,
    /// `#[pipeline(derive(Clone, ..))]`: derived for `<Name>Inputs` and
    /// `<Name>Outputs`.
    pub derives: Vec<Path>,
    /// `#[pipeline(serde)]`: serde's traits for `<Name>Inputs` and
    /// `<Name>Outputs`, through the facade's re-export.
    pub serde: bool,
    /// Everything else (docs, `#[allow]`, `#[cfg]`): kept on the struct.
    pub rest: Vec<Attribute>,
}

/// One option of `#[pipeline(..)]`.
enum PipelineOption {
    /// `crate = path`.
    Crate(Path),
    /// `derive(Clone, Debug, ..)`.
    Derive(Vec<Path>),
    /// `serde`.
    Serde,
}

impl PipelineOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if name == CRATE {
            input.parse::<Token![=]>()?;
            return Ok(PipelineOption::Crate(input.call(Path::parse_mod_style)?));
        }
        if name == "derive" {
            let content;
            syn::parenthesized!(content in input);
            let paths = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
            return Ok(PipelineOption::Derive(paths.into_iter().collect()));
        }
        if name == "serde" {
            // The macro is built with the facade's features: without
            // `serde`, the facade has no serde to derive through.
            if !cfg!(feature = "serde") {
                return Err(syn::Error::new(
                    name.span(),
                    "`#[pipeline(serde)]` needs the `serde` feature of hypernodes: \
                     `hypernodes = { version = \"0.1\", features = [\"serde\"] }` in Cargo.toml",
                ));
            }
            return Ok(PipelineOption::Serde);
        }
        Err(syn::Error::new(
            name.span(),
            "unknown pipeline option; expected `crate = path`, `derive(..)` or `serde`",
        ))
    }
}

impl PipelineAttrs {
    pub fn from_syn(cx: &Ctxt, attrs: Vec<Attribute>) -> PipelineAttrs {
        let mut result = PipelineAttrs::default();
        for attr in attrs {
            if attr.path().is_ident(OUTPUTS_ATTR) {
                let names = attr.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated);
                match names {
                    Ok(names) if names.is_empty() => cx.error_spanned_by(
                        &attr,
                        "`#[outputs()]` lists no output; name at least one or remove it",
                    ),
                    Ok(names) if result.outputs.is_some() => {
                        cx.error_spanned_by(&names, "duplicate `#[outputs]` attribute")
                    }
                    Ok(names) => result.outputs = Some(names.into_iter().collect()),
                    Err(error) => cx.syn_error(error),
                }
            } else if crate::when::is_when(&attr) {
                cx.error_spanned_by(
                    &attr,
                    "`#[when]` makes an entry of a pipeline conditional, not a pipeline; put it on the entry where this pipeline is nested: `#[when(gate)] ThisPipeline,`",
                );
            } else if attr.path().is_ident(PIPELINE_ATTR) {
                let parsed = attr.parse_args_with(|input: ParseStream| {
                    let mut options = Vec::new();
                    while !input.is_empty() {
                        options.push(PipelineOption::parse(input)?);
                        if !input.is_empty() {
                            input.parse::<Token![,]>()?;
                        }
                    }
                    Ok(options)
                });
                match parsed {
                    Ok(options) => {
                        for option in options {
                            match option {
                                PipelineOption::Crate(path) => result.krate = Some(path),
                                PipelineOption::Derive(paths) => result.derives.extend(paths),
                                PipelineOption::Serde => result.serde = true,
                            }
                        }
                    }
                    Err(error) => cx.syn_error(error),
                }
            } else {
                result.rest.push(attr);
            }
        }
        result
    }
}
