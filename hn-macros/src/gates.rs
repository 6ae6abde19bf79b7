//! Gates: the values a `#[when]` can branch on, and the check of every
//! `#[when]` against them.
//!
//! A gate is a value that a node produces, of type `bool` or of a type that
//! could be a fieldless enum: a path without generic arguments that names
//! no primitive. The macro cannot see the enum's definition; rustc checks
//! the variants where the branch is generated. The form of a `#[when]` must
//! fit its gate: `gate` or `!gate` for a `bool`, `gate = Variant` for an
//! enum. A `#[when]` that passes here gives the graph analysis a literal of
//! the gate's kind, so that no gate is asked for arms of both kinds.

use crate::ctxt::Ctxt;
use crate::model::{Node, NodeKind};
use crate::sig::{result_ok_type, ungroup};
use crate::valid::{near_miss, quoted_list};
use crate::when::{When, WhenArm};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::Type;

/// What a value's type says about it as a gate.
#[derive(Clone, Debug, PartialEq, Eq)]
enum GateType {
    Bool,
    /// Could be a fieldless enum: the type as written.
    Enum(String),
    /// Not visible here (a tuple element behind an alias): either form is
    /// taken, and rustc checks the type where the branch is generated.
    Unknown,
    /// Cannot be a gate: what the type is, for the message.
    Not(String),
}

/// Checks every `#[when]` of `nodes`: its gate is a node's output that can
/// be a gate, and its form fits the gate's type. One error per `#[when]`.
pub fn check(cx: &Ctxt, nodes: &[Node]) {
    let gates: Vec<String> = (crate::nested::visible_outputs(nodes).into_iter())
        .filter(|name| !matches!(type_of(nodes, name), Some(GateType::Not(_)) | None))
        .collect();
    // The form each gate of unknown type was first used with (`true`: a
    // bool's), so that one gate is not asked for arms of both kinds.
    let mut forms: Vec<(String, bool)> = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let Some(when) = &node.when else {
            continue;
        };
        // The members of a nested entry share its `#[when]`: check it once.
        if node.nested.is_some()
            && nodes[..index]
                .iter()
                .any(|earlier| earlier.nested == node.nested)
        {
            continue;
        }
        check_one(cx, nodes, when, &gates, &mut forms);
    }
}

fn check_one(
    cx: &Ctxt,
    nodes: &[Node],
    when: &When,
    gates: &[String],
    forms: &mut Vec<(String, bool)>,
) {
    let name = when.gate_name();
    let gate = &when.gate;
    let near_miss = near_miss(&name, gates);
    let help = || match &near_miss {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None if gates.is_empty() => {
            "a gate is a node's output of type `bool` or a fieldless enum, and no node here has one"
                .to_owned()
        }
        None => format!("the gates are: {}", quoted_list(gates)),
    };
    let bool_form = !matches!(when.arm, WhenArm::Variants(_));
    match type_of(nodes, &name) {
        None => {
            let input = (nodes.iter()).any(|node| {
                node.sig
                    .params
                    .iter()
                    .any(|param| param.ident.unraw() == name)
            });
            let what = if input {
                "it is an input of the pipeline"
            } else {
                "no node produces it"
            };
            cx.error_spanned_by(gate, format!("`{name}` is not a gate: {what}; {}", help()));
        }
        Some(GateType::Not(ty)) => {
            let hint = near_miss
                .as_ref()
                .map(|suggestion| format!("; did you mean `{suggestion}`?"));
            cx.error_spanned_by(
                gate,
                format!(
                    "`{name}` is not a gate: its type is {ty}, and a gate's is `bool` or a fieldless enum{}",
                    hint.unwrap_or_default()
                ),
            );
        }
        Some(GateType::Bool) => {
            if let WhenArm::Variants(variants) = &when.arm {
                cx.error_spanned_by(
                    &variants[0],
                    format!("`{name}` is a `bool` gate, which has no variants: write `#[when({name})]` or `#[when(!{name})]`"),
                );
            }
        }
        Some(GateType::Enum(ty)) => {
            if bool_form {
                cx.error_spanned_by(
                    gate,
                    format!("`{name}` is a `{ty}` gate, not a `bool`: name the variants it runs on, `#[when({name} = Variant)]` (several with `|`)"),
                );
            }
        }
        Some(GateType::Unknown) => match forms.iter().find(|(gate, _)| *gate == name) {
            Some(&(_, first)) if first != bool_form => {
                let (this, other) = if bool_form {
                    ("a `bool`", "an enum")
                } else {
                    ("an enum", "a `bool`")
                };
                cx.error_spanned_by(
                    gate,
                    format!("`{name}` is used here as {this} gate and elsewhere as {other} gate; a gate has one type"),
                );
            }
            Some(_) => {}
            None => forms.push((name, bool_form)),
        },
    }
}

/// The gate type of value `name`, from its first producer; `None` if no
/// node produces it.
fn type_of(nodes: &[Node], name: &str) -> Option<GateType> {
    nodes.iter().find_map(|node| {
        let output = node
            .sig
            .outputs
            .iter()
            .position(|output| output.unraw() == name)?;
        Some(output_type(node, output))
    })
}

/// The gate type of output `output` of `node`.
fn output_type(node: &Node, output: usize) -> GateType {
    if let NodeKind::Mapped(_) = node.kind {
        return GateType::Not("a `Vec`, one element per item of the mapped pipeline".to_owned());
    }
    let sig = &node.sig;
    let value = if sig.fallible {
        result_ok_type(&sig.ret)
    } else {
        Some(&sig.ret)
    };
    let Some(value) = value.map(ungroup) else {
        return GateType::Unknown;
    };
    if !sig.tuple_outputs {
        return classify(value);
    }
    match value {
        Type::Tuple(tuple) => tuple
            .elems
            .iter()
            .nth(output)
            .map_or(GateType::Unknown, classify),
        _ => GateType::Unknown,
    }
}

/// `bool`, a path that could name a fieldless enum, or neither.
fn classify(ty: &Type) -> GateType {
    const NOT_ENUMS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "char", "str", "String",
    ];
    match ungroup(ty) {
        Type::Paren(inner) => classify(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let last = segments
                .last()
                .map(|segment| segment.ident.to_string())
                .unwrap_or_default();
            if segments.iter().any(|segment| !segment.arguments.is_none())
                || NOT_ENUMS.contains(&last.as_str())
            {
                GateType::Not(format!("`{}`", text(ty)))
            } else if last == "bool" {
                GateType::Bool
            } else {
                GateType::Enum(text(ty))
            }
        }
        other => GateType::Not(format!("`{}`", text(other))),
    }
}

/// A type as it would be written (`Vec<String>`, not `Vec < String >`).
fn text(ty: &Type) -> String {
    let spaced = ty.to_token_stream().to_string();
    let mut text = String::with_capacity(spaced.len());
    let mut chars = spaced.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let prev = text.chars().last();
        let glue = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ')' | ']' | ':'))
                || matches!(prev, Some('<' | '(' | '[' | '&' | ':')));
        if !glue {
            text.push(c);
        }
    }
    text
}

#[cfg(test)]
mod test {
    use super::{classify, text, GateType};

    fn ty(text: &str) -> syn::Type {
        syn::parse_str(text).expect("a type")
    }

    #[test]
    fn gate_types() {
        assert_eq!(classify(&ty("bool")), GateType::Bool);
        assert_eq!(classify(&ty("Tone")), GateType::Enum("Tone".to_owned()));
        assert_eq!(
            classify(&ty("crate::Tone")),
            GateType::Enum("crate::Tone".to_owned())
        );
        assert_eq!(classify(&ty("usize")), GateType::Not("`usize`".to_owned()));
        assert_eq!(
            classify(&ty("String")),
            GateType::Not("`String`".to_owned())
        );
        assert_eq!(
            classify(&ty("Option<bool>")),
            GateType::Not("`Option<bool>`".to_owned())
        );
        assert_eq!(
            classify(&ty("(bool, bool)")),
            GateType::Not("`(bool, bool)`".to_owned())
        );
        assert_eq!(
            classify(&ty("&'static str")),
            GateType::Not("`&'static str`".to_owned())
        );
    }

    #[test]
    fn types_read_as_written() {
        assert_eq!(text(&ty("Vec < Vec < String > >")), "Vec<Vec<String>>");
        assert_eq!(
            text(&ty("std :: collections :: HashMap < u8 , u8 >")),
            "std::collections::HashMap<u8, u8>"
        );
        assert_eq!(text(&ty("& [u8]")), "&[u8]");
    }
}
