//! `#[when(..)]`: the condition on an entry of `pipeline!`.
//!
//! ```text
//! #[when(gate)]                 runs when the bool gate is true
//! #[when(!gate)]                runs when it is false
//! #[when(gate = Variant)]       runs when the enum gate is this variant
//! #[when(gate = A | Enum::B)]   ... one of these
//! ```
//!
//! It goes on any entry: an inline node, a node or a nested pipeline listed
//! by path. A gate is a value a node produces, of type `bool` or a fieldless
//! enum (`gates.rs` checks that).

use crate::ctxt::Ctxt;
use crate::graph::condition::{Arm, Literal};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Path, Token};

/// The attribute's name.
pub const WHEN_ATTR: &str = "when";

/// What a `#[when]` may say.
const FORMS: &str = "`#[when(gate)]`, `#[when(!gate)]` or `#[when(gate = Variant)]`";

/// A parsed `#[when(..)]`.
#[derive(Clone)]
pub struct When {
    /// The gate's name.
    pub gate: Ident,
    pub arm: WhenArm,
}

/// Which values of the gate the entry runs on.
#[derive(Clone)]
pub enum WhenArm {
    /// `gate`.
    True,
    /// `!gate`.
    False,
    /// `gate = A | Enum::B`: the variants as written (never empty).
    Variants(Vec<Path>),
}

impl When {
    /// Finds `#[when(..)]` among an entry's attributes, removing it; a
    /// second one is an error.
    pub fn take(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> Option<When> {
        let mut found: Option<When> = None;
        let mut seen = false;
        attrs.retain(|attr| {
            if !is_when(attr) {
                return true;
            }
            if std::mem::replace(&mut seen, true) {
                cx.error_spanned_by(
                    attr,
                    "an entry takes one `#[when]`; for a branch inside a branch, put a `#[when]` on the gate itself",
                );
            } else {
                found = When::parse(cx, attr);
            }
            false
        });
        found
    }

    fn parse(cx: &Ctxt, attr: &Attribute) -> Option<When> {
        let syn::Meta::List(list) = &attr.meta else {
            cx.error_spanned_by(attr, format!("expected {FORMS}"));
            return None;
        };
        let parser = |input: ParseStream| {
            if input.is_empty() {
                return Err(input.error(format!("expected {FORMS}")));
            }
            let negation: Option<Token![!]> = input.parse()?;
            let gate: Ident = input.parse()?;
            let arm = if input.peek(Token![=]) {
                let equals: Token![=] = input.parse()?;
                if negation.is_some() {
                    return Err(syn::Error::new(
                        equals.span,
                        "`!` is for a bool gate; an enum gate names the variants it runs on: `#[when(gate = A | B)]`",
                    ));
                }
                let variants = Punctuated::<Path, Token![|]>::parse_separated_nonempty_with(
                    input,
                    Path::parse_mod_style,
                )?;
                WhenArm::Variants(variants.into_iter().collect())
            } else {
                match negation {
                    Some(_) => WhenArm::False,
                    None => WhenArm::True,
                }
            };
            if !input.is_empty() {
                return Err(input.error(format!(
                    "unexpected tokens in `#[when]`; expected {FORMS} (variants separated by `|`)"
                )));
            }
            Ok(When { gate, arm })
        };
        parser
            .parse2(list.tokens.clone())
            .map_err(|error| cx.syn_error(error))
            .ok()
    }

    /// The attribute again, for a pipeline's description of its members
    /// (`describe.rs`): variants by their last segment, which resolve as
    /// variants of the gate's type wherever the member is nested.
    pub fn to_attr(&self) -> Attribute {
        let gate = &self.gate;
        match &self.arm {
            WhenArm::True => syn::parse_quote!(#[when(#gate)]),
            WhenArm::False => syn::parse_quote!(#[when(!#gate)]),
            WhenArm::Variants(paths) => {
                let variants = (paths.iter())
                    .filter_map(|path| path.segments.last())
                    .map(|s| &s.ident);
                syn::parse_quote!(#[when(#gate = #(#variants)|*)])
            }
        }
    }

    /// The gate's name as the graph knows it.
    pub fn gate_name(&self) -> String {
        self.gate.unraw().to_string()
    }

    /// What the graph analysis sees: the gate asked for an arm, variants by
    /// their last segment (`Tone::Refuse` is `Refuse`).
    pub fn literal(&self) -> Literal {
        let arm = match &self.arm {
            WhenArm::True => Arm::Bool(true),
            WhenArm::False => Arm::Bool(false),
            WhenArm::Variants(paths) => Arm::Variants(
                (paths.iter())
                    .filter_map(|path| path.segments.last())
                    .map(|segment| segment.ident.unraw().to_string())
                    .collect(),
            ),
        };
        Literal {
            gate: self.gate_name(),
            arm,
        }
    }
}

/// Whether an attribute is a `#[when]`, for the places that cannot take
/// one to say so.
pub fn is_when(attr: &Attribute) -> bool {
    attr.path().is_ident(WHEN_ATTR)
}
