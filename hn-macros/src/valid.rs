//! Checks that need the whole pipeline, turned into spanned compile errors.
//!
//! The graph stage finds mistakes as indices; this stage knows where each
//! node, parameter and output stands in the source and words the message.

use crate::ast::DeclaredInput;
use crate::ctxt::Ctxt;
use crate::graph::condition::Condition;
use crate::graph::{closest, GraphError, NodeSpec, Plan};
use crate::model::{Node, NodeKind};
use crate::sig::Owned;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::Ident;

/// Words and places every graph error.
pub fn report_graph_errors(cx: &Ctxt, nodes: &[Node], requested: &[Ident], errors: &[GraphError]) {
    for error in errors {
        match error {
            // Rule: a node name appears once, since it names the error variant
            // and the node in `NODES`. `pipeline! { struct P { a::load, b::load } }`
            GraphError::DuplicateNode { first, second } => cx.error_at(
                nodes[*second].entry_span,
                format!(
                    "the pipeline already has a node named `{}` (entry {}); rename one of the functions",
                    nodes[*first].path_name(),
                    first + 1
                ),
            ),
            // Rule: every name has one producer. `fn a() -> u8` and
            // `#[node(output = a)] fn b() -> u8` both produce `a`.
            GraphError::DuplicateOutput { first, second } => {
                let output = nodes[second.0].sig.outputs[second.1].unraw();
                // A nested pipeline's output is renamed by its inner name.
                let rename = |(node, index): (usize, usize)| {
                    let node = &nodes[node];
                    // A member's entry is its scope's first name; a mapped
                    // entry is the node itself.
                    let entry = node.scope.first().cloned().unwrap_or_else(|| node.name());
                    match (&node.kind, node.inner_outputs.get(index)) {
                        (NodeKind::Mapped(group), _)
                            if group.failures.is_some() && index + 1 == node.sig.outputs.len() =>
                        {
                            format!("`failures = ..` on `{entry}`")
                        }
                        (_, Some(inner)) => format!("`#[nested(outputs({inner} = ..))]` on `{entry}`"),
                        (_, None) => format!("`#[node(output = ..)]` on `{}`", node.path_name()),
                    }
                };
                let nested = nodes[first.0].nested.is_some() || nodes[second.0].nested.is_some();
                let how = if nested {
                    format!("rename one: {} or {}", rename(*first), rename(*second))
                } else {
                    "rename one output with `#[node(output = ..)]`".to_owned()
                };
                cx.error_at(
                    nodes[second.0].output_span(second.1),
                    format!(
                        "`{output}` is produced by both `{}` and `{}`; a name needs one producer: {how}",
                        nodes[first.0].path_name(),
                        nodes[second.0].path_name()
                    ),
                );
            }
            // Rule: a node cannot consume its own output. `fn a(a: u8) -> u8`
            GraphError::SelfLoop { node, param } => {
                let name = nodes[*node].name();
                cx.error_at(
                    nodes[*node].param_span(*param),
                    format!(
                        "cycle: {name} -> {name}: `{name}` consumes its own output `{}`",
                        nodes[*node].sig.params[*param].ident.unraw()
                    ),
                );
            }
            // Rule: the graph is acyclic. `fn a(b: u8) -> u8`, `fn b(a: u8) -> u8`
            // A gate counts: `#[when(g)] fn a() -> u8`, `fn g(a: Option<u8>) -> bool`
            GraphError::Cycle { nodes: cycle, params } => {
                let names: Vec<String> = cycle.iter().map(|&node| nodes[node].name()).collect();
                let links: Vec<String> = (cycle.iter().zip(params))
                    .map(|(&node, &link)| {
                        let node = &nodes[node];
                        match (node.sig.params.get(link), &node.when) {
                            (None, Some(when)) => format!("`{}` is gated by `{}`", node.name(), when.gate_name()),
                            _ => format!("`{}` takes `{}`", node.name(), node.sig.params[link].ident.unraw()),
                        }
                    })
                    .collect();
                cx.error_at(
                    nodes[cycle[0]].link_span(params[0]),
                    format!("cycle: {} -> {} ({})", names.join(" -> "), names[0], links.join(", ")),
                );
            }
            // Rule: producers of one name never run together.
            // `#[when(g)] fn a() -> u8` and `#[node(output = a)] fn b() -> u8`
            GraphError::OverlappingProducers { first, second, runs } => {
                let output = nodes[second.0].sig.outputs[second.1].unraw();
                let (first_node, second_node) = (&nodes[first.0], &nodes[second.0]);
                let how = |node: &Node, runs: &Condition| {
                    if runs.is_always() {
                        format!("`{}` (always runs)", node.path_name())
                    } else {
                        format!("`{}` (runs when `{runs}`)", node.path_name())
                    }
                };
                cx.error_at(
                    second_node.output_span(second.1),
                    format!(
                        "`{output}` is produced by both {} and {}, which can run together (when `{}`); \
                         a name needs one producer per run: make their conditions exclude each other \
                         (`#[when(gate)]` on one and `#[when(!gate)]` on the other, or different variants of one enum gate), \
                         or rename one output with `#[node(output = ..)]`",
                        how(first_node, &runs.0),
                        how(second_node, &runs.1),
                        runs.0.and(&runs.1),
                    ),
                );
                cx.note_at(
                    first_node.output_span(first.1),
                    format!(
                        "`{output}` is also produced here, by `{}`, which can run together with `{}`",
                        first_node.path_name(),
                        second_node.path_name()
                    ),
                );
            }
            // Rule: a node is not gated by its own output. `#[when(a)] fn a() -> bool`
            GraphError::SelfGate { node } => {
                let node = &nodes[*node];
                cx.error_at(
                    node.link_span(node.sig.params.len()),
                    format!(
                        "`{}` is gated by its own output: a gate is decided before the nodes it gates run",
                        node.name()
                    ),
                );
            }
            // Rule: every node can run. `#[when(!g)] fn b(a: &u8)` where `a`
            // exists only when `g`.
            GraphError::NeverRuns { node, needs } => {
                let node = &nodes[*node];
                let mut parts: Vec<String> = Vec::new();
                if let Some(when) = &node.when {
                    parts.push(format!("its `#[when({})]`", when.literal()));
                }
                parts.extend(needs.iter().map(|(name, exists)| format!("`{name}` (which exists when `{exists}`)")));
                let together = match parts.as_slice() {
                    [one, two] => format!("{one} and {two}"),
                    _ => parts.join(", "),
                };
                let span = node.when.as_ref().map_or(node.entry_span, |when| when.gate.span());
                cx.error_at(
                    span,
                    format!(
                        "`{}` never runs: {together} never hold together; \
                         a node runs without a value it takes as `Option<T>` or `Option<&T>`",
                        node.path_name()
                    ),
                );
            }
            // The errors below are about `#[outputs]`; without it, the
            // requested list is made from the nodes' own outputs and has
            // none of them.
            GraphError::UnknownOutput { index, .. }
            | GraphError::InputRequested { index }
            | GraphError::DuplicateRequest { second: index, .. }
                if *index >= requested.len() => {}
            // Rule: `#[outputs]` names produced values. `#[outputs(cuont)]`
            GraphError::UnknownOutput { index, suggestion } => {
                let name = requested[*index].unraw();
                let help = match suggestion {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("the nodes produce: {}", produced_names(nodes)),
                };
                cx.error_spanned_by(&requested[*index], format!("no node produces `{name}`; {help}"));
            }
            GraphError::InputRequested { index } => cx.error_spanned_by(
                &requested[*index],
                format!(
                    "`{}` is an input of the pipeline, not an output; the caller already has it",
                    requested[*index].unraw()
                ),
            ),
            GraphError::DuplicateRequest { second, .. } => cx.error_spanned_by(
                &requested[*second],
                format!("`{}` is listed twice in #[outputs]", requested[*second].unraw()),
            ),
        }
    }
}

/// Rule: fallible nodes map to distinct error variants. `step1` and `step_1`
/// would both be `Step1`; so would a node `text_stats` and a nested pipeline
/// `TextStats`. (The nodes of one nested pipeline share its variant.)
pub fn check_variants(cx: &Ctxt, nodes: &[Node], plan: &Plan) {
    let mut seen: Vec<(Ident, Option<usize>, &Node)> = Vec::new();
    for node in plan.order().map(|index| &nodes[index]) {
        if !node.sig.fails() {
            continue;
        }
        let variant = node.variant();
        match seen.iter().find(|(earlier, _, _)| *earlier == variant) {
            Some((_, Some(entry), _)) if node.nested == Some(*entry) => {}
            Some((_, _, first)) => {
                let (what, how) = if first.nested.is_some() || node.nested.is_some() {
                    (
                        "",
                        "rename one (a nested pipeline with `#[nested(name = ..)]`)",
                    )
                } else {
                    ("nodes ", "rename one of the functions")
                };
                cx.error_at(
                    node.entry_span,
                    format!(
                        "{what}`{}` and `{}` would both be the error variant `{variant}`; {how}",
                        first.path_name(),
                        node.path_name()
                    ),
                );
            }
            None => seen.push((variant, node.nested, node)),
        }
    }
}

/// What `#[outputs]` may name: the nodes' outputs, without the values
/// nested pipelines keep to themselves.
fn produced_names(nodes: &[Node]) -> String {
    quoted_list(&crate::nested::visible_outputs(nodes))
}

/// The field type of each input, with the checks on declared and inferred
/// types:
///
/// - a declared input must be an input of the pipeline
///   (`inputs { text: String }` when a node produces `text` is an error);
/// - undeclared, every consumer must agree on the owned type
///   (`fn a(x: &str)` and `fn b(x: String)` agree on `String`;
///   `fn c(x: u32)` would not).
pub fn input_types(
    cx: &Ctxt,
    nodes: &[Node],
    specs: &[NodeSpec],
    plan: &Plan,
    declared: &[DeclaredInput],
    krate: &TokenStream,
) -> Vec<TokenStream> {
    check_declared(cx, nodes, specs, plan, declared);
    (plan.inputs.iter())
        .map(|input| {
            if let Some(declared) = declared.iter().find(|declared| declared.ident.unraw() == input.name) {
                let ty = &declared.ty;
                return quote!(#ty);
            }
            check_consumers_agree(cx, nodes, &input.name, &input.consumers);
            let (node, param) = input.consumers[0];
            let node = &nodes[node];
            if let NodeKind::Mapped(group) = &node.kind {
                return group.param_owned_type(krate, param);
            }
            let span = node.param_span(param);
            let recorded = node.param_type(krate, param);
            let recorded = quote_spanned!(span=> #recorded);
            match node.sig.params[param].owned() {
                Owned::Recorded => recorded,
                Owned::Mapped => quote_spanned!(span=> <#recorded as #krate::__private::OwnedInput>::Owned),
                Owned::Unknown => {
                    cx.error_at(
                        span,
                        format!(
                            "cannot infer an owned type for input `{}` from `&{}`; declare it: `inputs {{ {0}: Type }}` (e.g. a `Box` of it)",
                            input.name,
                            node.sig.params[param].recorded.to_token_stream(),
                        ),
                    );
                    TokenStream::new()
                }
            }
        })
        .collect()
}

fn check_declared(
    cx: &Ctxt,
    nodes: &[Node],
    specs: &[NodeSpec],
    plan: &Plan,
    declared: &[DeclaredInput],
) {
    let inputs: Vec<String> = plan.inputs.iter().map(|input| input.name.clone()).collect();
    for (index, input) in declared.iter().enumerate() {
        let name = input.ident.unraw().to_string();
        if declared[..index]
            .iter()
            .any(|earlier| earlier.ident.unraw() == name)
        {
            cx.error_spanned_by(&input.ident, format!("input `{name}` is declared twice"));
        } else if let Some(producer) = specs.iter().position(|spec| spec.outputs.contains(&name)) {
            cx.error_spanned_by(
                &input.ident,
                format!("`{name}` is produced by node `{}`; only inputs of the pipeline can be declared", nodes[producer].name()),
            );
        } else if !specs
            .iter()
            .any(|spec| spec.params.iter().any(|param| param.name == name))
        {
            let help = match closest(&name, &inputs) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("the inputs are: {}", quoted_list(&inputs)),
            };
            cx.error_spanned_by(&input.ident, format!("no node consumes `{name}`; {help}"));
        }
    }
}

fn check_consumers_agree(cx: &Ctxt, nodes: &[Node], name: &str, consumers: &[(usize, usize)]) {
    // A mapped nested pipeline's parameters have no written type; rustc
    // checks them at the call.
    let consumers: Vec<(usize, usize)> = (consumers.iter().copied())
        .filter(|&(node, _)| !matches!(nodes[node].kind, NodeKind::Mapped(_)))
        .collect();
    let Some(&(first_node, first_param)) = consumers.first() else {
        return;
    };
    let first_text = nodes[first_node].sig.params[first_param].owned_text();
    for &(node, param) in &consumers[1..] {
        let text = nodes[node].sig.params[param].owned_text();
        if text != first_text {
            cx.error_at(
                nodes[node].param_span(param),
                format!(
                    "input `{name}` has conflicting types: `{}` takes it as `{text}`, `{}` as `{first_text}`; declare its type: `inputs {{ {name}: Type }}`",
                    nodes[node].name(),
                    nodes[first_node].name()
                ),
            );
        }
    }
}

pub fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    if quoted.is_empty() {
        "none".to_owned()
    } else {
        quoted.join(", ")
    }
}

/// Inputs that look like typos of a produced name (`wrods` next to a node
/// producing `words`): a parameter nobody produces silently becomes a
/// pipeline input. Where the pipeline declares its inputs (`inputs { .. }`),
/// an undeclared one of these is an error; otherwise each consumer gets a
/// warning. Returns the warnings.
pub fn near_miss_inputs(
    cx: &Ctxt,
    nodes: &[Node],
    specs: &[NodeSpec],
    plan: &Plan,
    declared: &[DeclaredInput],
) -> Vec<(proc_macro2::Span, String)> {
    let produced: Vec<String> = specs.iter().flat_map(|spec| spec.outputs.clone()).collect();
    let mut warnings = Vec::new();
    for input in &plan.inputs {
        if declared
            .iter()
            .any(|declared| declared.ident.unraw() == input.name)
        {
            continue;
        }
        // An input named like one of the nodes is no typo either.
        if specs.iter().any(|spec| spec.name == input.name) {
            continue;
        }
        let Some(suggestion) = near_miss(&input.name, &produced) else {
            continue;
        };
        // Not a typo where the consumer produces that name itself
        // (`fn scaled(scale: ..)`) or also takes it (`fn f(counted, counter)`).
        let spans = (input.consumers.iter())
            .filter(|&&(node, _)| {
                let spec = &specs[node];
                !spec.outputs.contains(&suggestion)
                    && !spec.params.iter().any(|param| param.name == suggestion)
            })
            .map(|&(node, param)| nodes[node].param_span(param));
        if declared.is_empty() {
            let message = format!(
                "no node produces `{}`, so it is an input of the pipeline; did you mean `{suggestion}`? \
                 (declare the inputs with `inputs {{ .. }}` to make this an error)",
                input.name
            );
            warnings.extend(spans.map(|span| (span, message.clone())));
        } else {
            let message = format!(
                "no node produces `{}` and `inputs {{ .. }}` does not declare it; did you mean `{suggestion}`?",
                input.name
            );
            for span in spans {
                cx.error_at(span, &message);
            }
        }
    }
    warnings
}

/// The produced name that `name` is likely a typo of. Stricter than the
/// "did you mean" of unknown names: `name` is a valid input as it is, so
/// short names (`x` next to `a`) and plurals (`numbers` next to `number`)
/// are never suspected.
pub fn near_miss(name: &str, produced: &[String]) -> Option<String> {
    const SHORTEST: usize = 4;
    if name.chars().count() < SHORTEST || produced.iter().any(|output| output == name) {
        return None;
    }
    let plural = |one: &str, other: &str| {
        one.strip_prefix(other)
            .or_else(|| other.strip_prefix(one))
            .is_some_and(|rest| rest == "s" || rest == "es")
    };
    let candidates = (produced.iter())
        .filter(|output| output.chars().count() >= SHORTEST && !plural(name, output));
    crate::graph::closest(name, candidates)
}

#[cfg(test)]
mod test {
    use super::near_miss;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn near_misses_are_typos_of_produced_names() {
        let produced = names(&["words", "count", "number", "a"]);
        assert_eq!(near_miss("wrods", &produced).as_deref(), Some("words"));
        assert_eq!(near_miss("cuont", &produced).as_deref(), Some("count"));
        assert_eq!(near_miss("word", &produced), None, "a plural");
        assert_eq!(near_miss("numbers", &produced), None, "a plural");
        assert_eq!(near_miss("x", &produced), None, "too short");
        assert_eq!(near_miss("text", &produced), None, "nothing close");
        assert_eq!(near_miss("words", &produced), None, "produced itself");
    }
}
