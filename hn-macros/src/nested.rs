//! Nested pipelines: how a described pipeline's nodes join the outer graph.
//!
//! A nested pipeline without `map_over` is flattened: each of its nodes
//! becomes a node of the outer graph (reached through the nested pipeline's
//! `Member` impls and wrappers), with the names it consumes and produces
//! translated to the outer graph's. So the outer pipeline schedules, prunes
//! and checks them like its own, and `run_parallel` follows the critical
//! path through them.
//!
//! A nested pipeline with `map_over` becomes one node of the outer graph: a
//! [`Group`] that runs the nested nodes (pruned to the outputs taken) once
//! per item, consuming the mapped inputs as `Vec`s and the others by
//! reference, and producing a `Vec` per output.
//!
//! Names translate as follows (`outer` = the outer graph's name):
//! - an input of the nested pipeline: its rename in `inputs(outer = inner)`,
//!   or its own name;
//! - an output it exposes: its rename in `outputs(inner = outer)`; or, when
//!   `outputs(..)` is not given, its own name; when it is given but the
//!   output is not listed, an internal name;
//! - any other value of the nested pipeline: an internal name (`__hn_` and
//!   the entry's name), which no user name can meet and no `Outputs` shows.

pub mod attr;

pub use attr::{MapModeKind, NestedAttr};

use crate::ast::DeclaredInput;
use crate::ctxt::Ctxt;
use crate::describe::{MemberDescription, PipelineDescription};
use crate::graph::{closest, Plan, Source};
use crate::model::{self, ident, Model, Node, NodeKind, Role, Skeleton};
use crate::sig::{NodeSig, Param};
use crate::valid::{self, quoted_list};
use crate::when::When;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Ident, Path, Visibility};

/// How internal names of nested pipelines start.
const INTERNAL: &str = "__hn_";

/// The name a user knows a value by: `name` without the internal prefixes
/// (`__hn_<entry>_`, one per level of nesting) that hide a nested
/// pipeline's values in the outer graph.
pub fn display_name(name: &str) -> &str {
    let mut name = name;
    while let Some(rest) = name.strip_prefix(INTERNAL) {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[digits..].strip_prefix('_') {
            Some(inner) if digits > 0 && !inner.is_empty() => name = inner,
            _ => break,
        }
    }
    name
}

/// A nested pipeline entry of the outer pipeline.
pub struct NestedEntry {
    /// Its name in paths, errors and `NODES`: `name = ..`, else the struct's
    /// name in snake_case.
    pub name: String,
    /// The nested pipeline, as the entry names it.
    pub pipeline: Path,
    /// When its nodes are less visible than it: how they are reached.
    pub through: Option<Through>,
}

/// How the outer pipeline reaches the members of a nested pipeline whose
/// nodes are less visible than it: through a private sibling of it, named
/// once by an alias so that, out of reach, rustc's "private" error comes
/// once, after the outer pipeline's own error naming the nodes.
pub struct Through {
    /// `type <alias> = <the sibling>;`, in the outer pipeline's module.
    pub alias: Ident,
    pub carrier: Path,
    /// The nodes less visible than the nested pipeline, by path.
    pub private: Vec<String>,
    /// The entry.
    pub span: Span,
}

/// A nested pipeline mapped over some inputs, as one node of the outer graph.
pub struct Group {
    pub pipeline: Path,
    /// The entry's name.
    pub entry: String,
    pub mode: MapModeKind,
    /// The nested nodes that run per item, under the nested pipeline's own
    /// names, with the plan for the outputs taken.
    pub model: Model,
    /// The node's parameters: the mapped inputs (in `map_over` order), then
    /// the shared ones.
    pub inputs: Vec<GroupInput>,
    /// `failures = name`: failed items do not fail the call; their errors
    /// are one more output, after the nested pipeline's.
    pub failures: Option<Ident>,
}

/// One parameter of a [`Group`].
pub struct GroupInput {
    /// The nested pipeline's name for it.
    pub name: String,
    /// The outer graph's name for it.
    pub outer: String,
    pub mapped: bool,
    /// Its owned type (per item).
    pub ty: TokenStream,
}

impl Group {
    /// Whether a call can fail: a nested node can (unless the failures
    /// are kept), or the items cannot be formed (zip over inputs of unequal
    /// lengths; a product too large to count).
    pub fn fails(&self) -> bool {
        let mapped = self.inputs.iter().filter(|input| input.mapped).count();
        let items_can_fail = match self.mode {
            MapModeKind::Zip => mapped > 1,
            MapModeKind::Product => true,
        };
        items_can_fail || (self.failures.is_none() && self.model.fallible_nodes().next().is_some())
    }

    /// What the group's node signature takes from the group: one borrowed
    /// parameter per input (named as outside), whether its outputs are a
    /// tuple, whether it can fail or awaits.
    fn shape(&self, sig: &mut NodeSig, span: Span) {
        sig.params = (self.inputs.iter())
            .map(|input| Param {
                ident: ident(&input.outer, span),
                by_ref: true,
                recorded: syn::parse_quote!(()),
                span,
            })
            .collect();
        sig.tuple_outputs = sig.outputs.len() > 1;
        sig.fallible = self.fails();
        sig.is_async = self.model.has_async_nodes();
    }

    /// Output `index`: a `Vec` of the nested output, or after them, with
    /// `failures`, a `Vec` of the failed items' errors.
    pub fn output_type(&self, krate: &TokenStream, index: usize) -> TokenStream {
        let Some(&(_, source)) = self.model.plan.returned.get(index) else {
            let pipeline = &self.pipeline;
            return quote! {
                #krate::__private::Vec<#krate::__private::NestedError<<#pipeline as #krate::__private::Pipeline>::Error>>
            };
        };
        let ty = self.model.type_of(source);
        quote!(#krate::__private::Vec<#ty>)
    }

    /// The owned type of parameter `index`: a `Vec` of a mapped input, the
    /// shared one's type.
    pub fn param_owned_type(&self, krate: &TokenStream, index: usize) -> TokenStream {
        let input = &self.inputs[index];
        let ty = &input.ty;
        if input.mapped {
            quote!(#krate::__private::Vec<#ty>)
        } else {
            quote!(#ty)
        }
    }
}

impl Group {
    /// Keeps only the outputs `keep` says the outer graph uses, so that the
    /// items compute nothing else. Shared inputs no node needs any more
    /// stop being parameters; mapped ones stay (they decide the items).
    fn restrict(&mut self, cx: &Ctxt, keep: &[bool]) -> Option<()> {
        let model = &mut self.model;
        let taken: Vec<String> = (model.plan.returned.iter().zip(keep))
            .filter(|(_, keep)| **keep)
            .map(|((name, _), _)| name.clone())
            .collect();
        let plan = model::analyze(cx, &model.nodes, Some(&taken), None)?;
        let types: Vec<(String, TokenStream)> = (model.plan.inputs.iter())
            .map(|input| input.name.clone())
            .zip(model.input_types.iter().cloned())
            .collect();
        model.input_types = (plan.inputs.iter())
            .map(|input| {
                let found = types.iter().find(|(name, _)| *name == input.name);
                found.map(|(_, ty)| ty.clone()).unwrap_or_default()
            })
            .collect();
        model.plan = plan;
        let plan = &model.plan;
        self.inputs
            .retain(|input| input.mapped || plan.inputs.iter().any(|used| used.name == input.name));
        Some(())
    }
}

/// Restricts every mapped group of `nodes` to the outputs `plan` uses.
/// Returns whether any changed (then the graph must be analyzed again).
pub fn restrict_groups(cx: &Ctxt, nodes: &mut [Node], plan: &Plan) -> bool {
    let mut changed = false;
    for step in &plan.steps {
        let node = &mut nodes[step.node];
        let NodeKind::Mapped(group) = &mut node.kind else {
            continue;
        };
        let keep: Vec<bool> = (0..node.sig.outputs.len())
            .map(|output| {
                step.used_outputs[output]
                    || (plan.returned.iter()).any(|(_, source)| {
                        *source
                            == Source::Node {
                                node: step.node,
                                output,
                            }
                    })
            })
            .collect();
        // Kept failures are always gathered: without them, the failed
        // items would vanish unseen.
        let mut keep = keep;
        if let (Some(failures), true) = (keep.last_mut(), group.failures.is_some()) {
            *failures = true;
        }
        if keep.iter().all(|keep| *keep) || group.restrict(cx, &keep).is_none() {
            continue;
        }
        let mut kept = keep.iter();
        node.sig.outputs.retain(|_| *kept.next().unwrap_or(&true));
        let mut kept = keep.iter();
        node.inner_outputs.retain(|_| *kept.next().unwrap_or(&true));
        group.shape(&mut node.sig, node.entry_span);
        changed = true;
    }
    changed
}

/// The outputs of `nodes` that are not internal to a nested pipeline, in
/// node order: what a pipeline without `#[outputs]` returns.
/// (A name produced twice is listed once: the graph reports it.)
pub fn visible_outputs(nodes: &[Node]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for output in nodes.iter().flat_map(|node| node.sig.outputs.iter()) {
        let name = output.unraw().to_string();
        if !name.starts_with(INTERNAL) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// One nested entry to join to the outer graph.
pub struct Join<'a> {
    pub path: &'a Path,
    pub description: &'a PipelineDescription,
    pub attr: NestedAttr,
    pub span: Span,
    /// The entry's index among the nested entries.
    pub index: usize,
    pub krate: &'a TokenStream,
    /// The outer pipeline's `inputs { .. }` declarations.
    pub declared: &'a [DeclaredInput],
    /// The outer pipeline's name.
    pub outer: &'a Ident,
}

impl Join<'_> {
    /// The entry and the nodes it adds, or `None` after reporting why not.
    pub fn join(self, cx: &Ctxt) -> Option<(NestedEntry, Vec<Node>)> {
        let description = self.description;
        let name = match &self.attr.name {
            Some(name) => name.unraw().to_string(),
            None => snake_case(&description.ident.unraw().to_string()),
        };
        if crate::model::is_path_keyword(&name) {
            cx.error_at(
                self.span,
                format!("`{name}` cannot name a nested pipeline; give it a name with `#[nested(name = ..)]`"),
            );
            return None;
        }
        let names = Translation {
            entry: &name,
            index: self.index,
            inputs: unraw_all(&description.inputs),
            exposed: unraw_all(&description.outputs),
            attr: &self.attr,
        };
        if !self.check_options(cx, &names) {
            return None;
        }
        // Members carried by a private sibling of the pipeline are reached
        // through it, and are private to its module.
        let through = description.through.as_ref().map(|carrier| {
            let mut path = self.path.clone();
            if let Some(last) = path.segments.last_mut() {
                // At the entry: "`__hn_private_nodes_of_P` is private" is
                // reported where the pipeline is nested.
                *last = syn::PathSegment::from(Ident::new(&carrier.to_string(), self.span));
            }
            Through {
                alias: format_ident!(
                    "__hn_nested_{}_{}",
                    self.index,
                    self.outer,
                    span = self.span
                ),
                carrier: path,
                private: description.private.iter().map(syn::LitStr::value).collect(),
                span: self.span,
            }
        });
        let carrier = through
            .as_ref()
            .map(|through| Path::from(through.alias.clone()));
        let members = (description.members.iter().enumerate())
            .map(|(index, member)| self.member(cx, member, index, &name, carrier.as_ref()))
            .collect::<Option<Vec<Node>>>()?;
        let entry = NestedEntry {
            name: name.clone(),
            pipeline: self.path.clone(),
            through,
        };
        if self.attr.map_over.is_empty() {
            let nodes = members
                .into_iter()
                .map(|node| self.flattened(node, &names))
                .collect();
            return Some((entry, nodes));
        }
        let group = self.group(cx, members, &names)?;
        Some((entry, vec![self.mapped_node(group, &names)]))
    }

    /// A node of the nested pipeline under the nested pipeline's names.
    fn member(
        &self,
        cx: &Ctxt,
        member: &MemberDescription,
        index: usize,
        entry: &str,
        carrier: Option<&Path>,
    ) -> Option<Node> {
        let mut sig = NodeSig::from_description(cx, &member.node)?;
        for (param, name) in sig.params.iter_mut().zip(&member.params) {
            param.ident = name.clone();
        }
        sig.outputs.clone_from(&member.outputs);
        let mut scope = vec![entry.to_owned()];
        let within = member.path.len().saturating_sub(1);
        scope.extend(member.path[..within].iter().map(syn::LitStr::value));
        let mut described = member.node.clone();
        if carrier.is_some() {
            described.vis = Visibility::Inherited;
        }
        // Its condition in the nested pipeline, if any (kept by the node,
        // not by its description, which gets it back when described).
        let when = When::take(cx, &mut described.item.attrs);
        Some(Node {
            kind: NodeKind::Member {
                pipeline: carrier.unwrap_or(self.path).clone(),
                index,
                group: member.group,
            },
            sig,
            entry_span: self.span,
            inline: false,
            described: Some(described),
            scope,
            nested: Some(self.index),
            inner_outputs: Vec::new(),
            when,
        })
    }

    /// A member with the outer graph's names.
    fn flattened(&self, mut node: Node, names: &Translation) -> Node {
        node.inner_outputs = (node.sig.outputs.iter())
            .map(|output| output.unraw().to_string())
            .collect();
        for param in &mut node.sig.params {
            param.ident = ident(&names.outer(&param.ident.unraw().to_string()), self.span);
        }
        for output in &mut node.sig.outputs {
            *output = ident(&names.outer(&output.unraw().to_string()), self.span);
        }
        if let Some(when) = &mut node.when {
            when.gate = ident(&names.outer(&when.gate_name()), when.gate.span());
        }
        node
    }

    /// The nested nodes a mapped entry runs per item.
    fn group(&self, cx: &Ctxt, members: Vec<Node>, names: &Translation) -> Option<Group> {
        let taken: Vec<String> = match &self.attr.outputs {
            Some(renames) => renames
                .iter()
                .map(|(inner, _)| inner.unraw().to_string())
                .collect(),
            None => names.exposed.clone(),
        };
        let plan: Plan = model::analyze(cx, &members, Some(&taken), None)?;
        if let Some(failures) = &self.attr.failures {
            let failures_name = failures.unraw().to_string();
            if (plan.returned.iter()).any(|(name, _)| names.outer(name) == failures_name) {
                cx.error_spanned_by(
                    failures,
                    format!(
                        "`{failures_name}` is already an output taken from `{}`; give the failures another name (e.g. `failures = failed`)",
                        self.description.ident
                    ),
                );
                return None;
            }
        }
        let specs: Vec<_> = members.iter().map(Node::spec).collect();
        let declared = self.declared_per_item(&plan, names);
        let input_types = valid::input_types(cx, &members, &specs, &plan, &declared, self.krate);
        let mut inputs = Vec::new();
        for mapped in &self.attr.map_over {
            let name = mapped.unraw().to_string();
            let Some(plan_input) = plan.inputs.iter().position(|input| input.name == name) else {
                cx.error_spanned_by(
                    mapped,
                    format!("`{name}` is mapped over, but none of the outputs taken from `{}` needs it; leave it out of `map_over`", self.description.ident),
                );
                continue;
            };
            inputs.push(GroupInput {
                outer: names.outer(&name),
                name,
                mapped: true,
                ty: input_types[plan_input].clone(),
            });
        }
        for (plan_input, input) in plan.inputs.iter().enumerate() {
            if !self
                .attr
                .map_over
                .iter()
                .any(|mapped| mapped.unraw() == input.name)
            {
                inputs.push(GroupInput {
                    name: input.name.clone(),
                    outer: names.outer(&input.name),
                    mapped: false,
                    ty: input_types[plan_input].clone(),
                });
            }
        }
        if cx.has_errors() {
            return None;
        }
        let skeleton = Skeleton {
            attrs: Vec::new(),
            derives: Vec::new(),
            serde: false,
            shape: None,
            vis: Visibility::Inherited,
            ident: self.description.ident.clone(),
            krate: self.krate.clone(),
            inline_fns: Vec::new(),
        };
        Some(Group {
            pipeline: self.path.clone(),
            entry: names.entry.to_owned(),
            mode: self.attr.map_mode,
            model: Model {
                skeleton,
                nodes: members,
                plan,
                input_types,
                nested: Vec::new(),
                role: Role::Group,
                warnings: Vec::new(),
            },
            inputs,
            failures: self.attr.failures.clone(),
        })
    }

    /// The outer pipeline's declared types of the group's inputs, per item:
    /// a mapped input's element type (`Vec<T>` declares `T`), a shared
    /// input's own. They stand where the nested nodes' types cannot say
    /// (`&dyn Trait`), as the nested pipeline's own declarations did there.
    fn declared_per_item(&self, plan: &Plan, names: &Translation) -> Vec<DeclaredInput> {
        let krate = self.krate;
        (plan.inputs.iter())
            .filter_map(|input| {
                let outer = names.outer(&input.name);
                let declared =
                    (self.declared.iter()).find(|declared| declared.ident.unraw() == outer)?;
                let ty = &declared.ty;
                let mapped = self
                    .attr
                    .map_over
                    .iter()
                    .any(|name| name.unraw() == input.name);
                let ty: syn::Type = if mapped {
                    syn::parse_quote!(<#ty as #krate::__private::Element>::Type)
                } else {
                    ty.clone()
                };
                Some(DeclaredInput {
                    ident: ident(&input.name, declared.ident.span()),
                    ty,
                })
            })
            .collect()
    }

    /// The outer graph's node for a mapped entry.
    fn mapped_node(&self, group: Group, names: &Translation) -> Node {
        let span = self.span;
        let mut inner_outputs: Vec<String> = (group.model.plan.returned.iter())
            .map(|(name, _)| name.clone())
            .collect();
        let mut outputs: Vec<Ident> = (group.model.plan.returned.iter())
            .map(|(name, _)| ident(&names.outer(name), span))
            .collect();
        if let Some(failures) = &group.failures {
            inner_outputs.push(failures.unraw().to_string());
            outputs.push(failures.clone());
        }
        let mut sig = NodeSig {
            ident: ident(names.entry, span),
            params: Vec::new(),
            tuple_outputs: false,
            outputs,
            ret: syn::parse_quote!(()),
            fallible: false,
            is_async: false,
            blocking: false,
            retry: None,
            cache: None,
        };
        group.shape(&mut sig, span);
        Node {
            kind: NodeKind::Mapped(Box::new(group)),
            sig,
            entry_span: span,
            inline: false,
            described: None,
            scope: Vec::new(),
            nested: Some(self.index),
            inner_outputs,
            when: None,
        }
    }

    /// Checks that the renames and `map_over` name inputs and outputs the
    /// nested pipeline has. Returns whether all do.
    fn check_options(&self, cx: &Ctxt, names: &Translation) -> bool {
        let errors_before = cx.error_count();
        let ident = &self.description.ident;
        let check = |name: &Ident, known: &[String], what: &str, seen: &mut Vec<String>| {
            let text = name.unraw().to_string();
            if !known.contains(&text) {
                let help = match closest(&text, known) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("its {what}s are: {}", quoted_list(known)),
                };
                cx.error_spanned_by(name, format!("`{ident}` has no {what} `{text}`; {help}"));
            } else if seen.contains(&text) {
                cx.error_spanned_by(name, format!("{what} `{text}` is named twice"));
            }
            seen.push(text);
        };
        let mut seen = Vec::new();
        for (_, inner) in &self.attr.inputs {
            check(inner, &names.inputs, "input", &mut seen);
        }
        let mut seen = Vec::new();
        for (inner, _) in self.attr.outputs.iter().flatten() {
            check(inner, &names.exposed, "output", &mut seen);
        }
        let mut seen = Vec::new();
        for mapped in &self.attr.map_over {
            check(mapped, &names.inputs, "input", &mut seen);
        }
        // One outer value cannot be both a `Vec` of items and a shared value.
        let is_mapped = |inner: &str| self.attr.map_over.iter().any(|name| name.unraw() == inner);
        for (outer, inner) in &self.attr.inputs {
            let shared = (self.attr.inputs.iter()).find(|(other, other_inner)| {
                other.unraw() == outer.unraw()
                    && is_mapped(&inner.unraw().to_string())
                        != is_mapped(&other_inner.unraw().to_string())
            });
            if let (true, Some((_, other))) = (is_mapped(&inner.unraw().to_string()), shared) {
                cx.error_spanned_by(
                    outer,
                    format!(
                        "`{}` feeds the mapped input `{}` (a `Vec` of items) and the shared input `{}`; give them separate outer names",
                        outer.unraw(),
                        inner.unraw(),
                        other.unraw()
                    ),
                );
            }
        }
        cx.error_count() == errors_before
    }
}

/// Translates a nested pipeline's names to the outer graph's.
struct Translation<'a> {
    entry: &'a str,
    /// The entry's index among the nested entries: internal names carry it,
    /// so that two entries never make the same one.
    index: usize,
    inputs: Vec<String>,
    exposed: Vec<String>,
    attr: &'a NestedAttr,
}

impl Translation<'_> {
    fn outer(&self, name: &str) -> String {
        if self.inputs.iter().any(|input| input == name) {
            let renamed = (self.attr.inputs.iter()).find(|(_, inner)| inner.unraw() == name);
            return renamed.map_or_else(|| name.to_owned(), |(outer, _)| outer.unraw().to_string());
        }
        if self.exposed.iter().any(|output| output == name) {
            let Some(renames) = &self.attr.outputs else {
                return name.to_owned();
            };
            if let Some((_, outer)) = renames.iter().find(|(inner, _)| inner.unraw() == name) {
                return outer.unraw().to_string();
            }
        }
        format!("{INTERNAL}{}_{name}", self.index)
    }
}

fn unraw_all(idents: &[Ident]) -> Vec<String> {
    idents
        .iter()
        .map(|ident| ident.unraw().to_string())
        .collect()
}

/// `TextStats` → `text_stats`, `HTTPServer` → `http_server`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && index > 0 {
            let previous = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(|next| next.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod test {
    use super::{display_name, snake_case};

    #[test]
    fn display_names_drop_every_internal_prefix() {
        assert_eq!(display_name("lower"), "lower");
        assert_eq!(display_name("__hn_0_lower"), "lower");
        assert_eq!(display_name("__hn_12___hn_3_words"), "words");
        // Not internal prefixes: kept.
        assert_eq!(display_name("__hn_x_y"), "__hn_x_y");
        assert_eq!(display_name("__hn_4_"), "__hn_4_");
    }

    #[test]
    fn snake_case_of_struct_names() {
        assert_eq!(snake_case("TextStats"), "text_stats");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Stage2Clean"), "stage2_clean");
        assert_eq!(snake_case("P"), "p");
    }
}
