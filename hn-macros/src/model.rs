//! The analyzed pipeline: every fact the expansion needs, checked.
//!
//! Built once all path entries are resolved: signatures are checked, the
//! graph is analyzed, and the whole-pipeline checks of `valid` run. The
//! expansion only reads this; it never parses or checks again.

use crate::ast::{Entry, PipelineInput};
use crate::attr::{take_node_attr, PipelineAttrs, NODE_ATTR};
use crate::ctxt::Ctxt;
use crate::describe::{Answer, Described, NodeDescription};
use crate::expand::mapped::Items;
use crate::gates;
use crate::graph::{self, NodeSpec, ParamSpec, Plan, Source};
use crate::nested::{self, Group, NestedAttr, NestedEntry};
use crate::sig::NodeSig;
use crate::valid;
use crate::when::When;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Ident, ItemFn, Path, Visibility};

/// A node of the pipeline.
pub struct Node {
    pub kind: NodeKind,
    /// The signature, with the names the node consumes and produces in this
    /// pipeline (after the renames of the nested pipelines it comes from).
    pub sig: NodeSig,
    /// The entry in the pipeline body.
    pub entry_span: Span,
    /// Whether the node is written inside the pipeline (so its signature's
    /// spans are in the pipeline too).
    pub inline: bool,
    /// The node's own description, passed on when this pipeline describes
    /// itself (`None` for a mapped nested pipeline).
    pub described: Option<NodeDescription>,
    /// The names of the nested pipelines the node comes from, outermost
    /// first (empty for the pipeline's own nodes).
    pub scope: Vec<String>,
    /// The nested entry it comes from, as an index into `Model::nested`.
    pub nested: Option<usize>,
    /// For a node of a nested pipeline: its outputs' names in that pipeline
    /// (what `#[nested(outputs(..))]` renames), for error messages.
    pub inner_outputs: Vec<String>,
    /// The entry's `#[when(..)]`: every node of a nested entry has it.
    pub when: Option<When>,
}

/// How generated code reaches a node.
pub enum NodeKind {
    /// A `#[node]` function: the entry's path, or the inline function's name,
    /// names both the function and its marker type. An inline node's marker
    /// is instantiated with its pipeline (`clean<P>`, see
    /// `expand::node::node_types`): the second field.
    Function(Path, Option<Ident>),
    /// Node `index` of the nested pipeline `pipeline`, reached through the
    /// pipeline (`<P as Member<index>>::Node`, `P::__hn_member_index`).
    /// `group`: a mapped nested pipeline of that pipeline, whose items the
    /// wrapper runs (with `_parallel` and `_async` variants).
    Member {
        pipeline: Path,
        index: usize,
        group: bool,
    },
    /// A nested pipeline mapped over some inputs: one node of the outer
    /// graph that runs the nested nodes once per item.
    Mapped(Box<Group>),
}

impl Node {
    /// The node's name, as in `NodeInfo` and error messages.
    pub fn name(&self) -> String {
        self.sig.ident.unraw().to_string()
    }

    /// The node's path from this pipeline: the nested pipelines' names and
    /// its own, e.g. `text_stats / load_text`.
    pub fn path_name(&self) -> String {
        let mut parts = self.scope.clone();
        parts.push(self.name());
        parts.join(" / ")
    }

    /// Where an error about parameter `index` should point: the parameter
    /// itself when it is written in the pipeline, else the entry.
    pub fn param_span(&self, index: usize) -> Span {
        if self.inline {
            self.sig.params[index].span
        } else {
            self.entry_span
        }
    }

    /// Where an error about link `link` of a graph error should point: a
    /// parameter, or one past them the gate of its `#[when]`.
    pub fn link_span(&self, link: usize) -> Span {
        match (link < self.sig.params.len(), &self.when) {
            (true, _) => self.param_span(link),
            (false, Some(when)) => when.gate.span(),
            (false, None) => self.entry_span,
        }
    }

    /// Where an error about output `index` should point.
    pub fn output_span(&self, index: usize) -> Span {
        if self.inline {
            self.sig.outputs[index].span()
        } else {
            self.entry_span
        }
    }

    /// The node's variant in the error enum: its name in UpperCamelCase, or
    /// the nested pipeline's.
    pub fn variant(&self) -> Ident {
        let name = self.scope.first().cloned().unwrap_or_else(|| self.name());
        Ident::new(&upper_camel(&name), self.sig.ident.span())
    }

    /// The marker type with the node's `NodeParam`, `NodeOutput`, ... impls.
    pub fn marker(&self, krate: &TokenStream) -> TokenStream {
        match &self.kind {
            NodeKind::Function(path, None) => quote!(#path),
            NodeKind::Function(path, Some(owner)) => quote!(#path<#owner>),
            NodeKind::Member {
                pipeline, index, ..
            } => {
                quote!(<#pipeline as #krate::__private::Member<#index>>::Node)
            }
            NodeKind::Mapped(_) => unreachable!("a mapped pipeline has no marker type"),
        }
    }

    /// What a call names: the function, or the nested pipeline's wrapper.
    pub fn callee(&self) -> TokenStream {
        self.callee_for(Items::Sequential)
    }

    /// What a call names in a runner whose mapped items run as `items` say:
    /// a mapped pipeline nested in a nested one has a wrapper per way.
    pub fn callee_for(&self, items: Items) -> TokenStream {
        match &self.kind {
            NodeKind::Function(path, _) => quote!(#path),
            NodeKind::Member {
                pipeline,
                index,
                group,
            } => {
                let wrapper = match (group, items) {
                    (true, Items::Parallel) => format_ident!("__hn_member_{}_parallel", index),
                    (true, Items::Async) => format_ident!("__hn_member_{}_async", index),
                    _ => format_ident!("__hn_member_{}", index),
                };
                quote!(#pipeline::#wrapper)
            }
            NodeKind::Mapped(_) => unreachable!("a mapped pipeline is called by its own runner"),
        }
    }

    /// The recorded type of parameter `index` (`<marker as NodeParam<i>>::Type`).
    pub fn param_type(&self, krate: &TokenStream, index: usize) -> TokenStream {
        let marker = self.marker(krate);
        quote!(<#marker as #krate::__private::NodeParam<#index>>::Type)
    }

    /// The type of output `index`.
    pub fn output_type(&self, krate: &TokenStream, index: usize) -> TokenStream {
        self.output_type_at(krate, index, Span::call_site())
    }

    /// [`Self::output_type`], located at `location` for the errors about
    /// the type as a whole (a derive it lacks).
    pub fn output_type_at(&self, krate: &TokenStream, index: usize, location: Span) -> TokenStream {
        match &self.kind {
            NodeKind::Mapped(group) => group.output_type(krate, index),
            _ => {
                let marker = self.marker(krate);
                // Mixed-site: resolves as the call site does, and is still
                // the macro's code for lints (a private node's marker in a
                // public field is the macro's business, not a warning).
                let span = Span::mixed_site().located_at(location);
                quote_spanned!(span=> <#marker as #krate::__private::NodeOutput<#index>>::Type)
            }
        }
    }

    /// The error a failing call of the node gives: the function's error
    /// (`<marker as NodeFallible>::Error`), or for a node with a timeout or
    /// retries `Attempted` of it (of `Infallible` if the function cannot
    /// fail); for a mapped pipeline, `NestedError` of its error enum.
    pub fn error_type(&self, krate: &TokenStream) -> TokenStream {
        if let NodeKind::Mapped(group) = &self.kind {
            let pipeline = &group.pipeline;
            return quote!(#krate::__private::NestedError<<#pipeline as #krate::__private::Pipeline>::Error>);
        }
        let marker = self.marker(krate);
        let error = if self.sig.fallible {
            quote!(<#marker as #krate::__private::NodeFallible>::Error)
        } else {
            quote!(::core::convert::Infallible)
        };
        match self.sig.retry {
            Some(_) => quote!(#krate::__private::Attempted<#error>),
            None => error,
        }
    }

    pub fn spec(&self) -> NodeSpec {
        NodeSpec {
            name: self.path_name(),
            params: (self.sig.params.iter())
                .map(|param| ParamSpec {
                    name: param.ident.unraw().to_string(),
                    // `Option<&T>` borrows a produced value (see the plan).
                    by_value: !param.by_ref && !param.optional_ref(),
                    optional: param.optional(),
                })
                .collect(),
            outputs: self
                .sig
                .outputs
                .iter()
                .map(|output| output.unraw().to_string())
                .collect(),
            always: self.sig.returns_unit(),
            when: self.when.as_ref().map(When::literal),
        }
    }
}

/// `load_text` → `LoadText`.
pub fn upper_camel(name: &str) -> String {
    let camel: String = name
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    if camel.is_empty() {
        "Node".to_owned()
    } else {
        camel
    }
}

/// What is emitted whether or not the pipeline is correct: the struct's
/// name and attributes, and the inline functions (with `#[node]` taken off).
pub struct Skeleton {
    pub attrs: Vec<syn::Attribute>,
    /// `#[pipeline(derive(..))]`, for `<Name>Inputs` and `<Name>Outputs`.
    pub derives: Vec<syn::Path>,
    /// `#[pipeline(serde)]`.
    pub serde: bool,
    /// What the fallback can still generate when the pipeline has errors,
    /// once its nodes are known.
    pub shape: Option<Box<crate::fallback::Shape>>,
    pub vis: Visibility,
    pub ident: Ident,
    pub krate: TokenStream,
    pub inline_fns: Vec<ItemFn>,
}

/// A pipeline ready to expand.
pub struct Model {
    pub skeleton: Skeleton,
    pub nodes: Vec<Node>,
    pub plan: Plan,
    /// The field type of each of `plan.inputs`.
    pub input_types: Vec<TokenStream>,
    /// The nested pipelines, in entry order.
    pub nested: Vec<NestedEntry>,
    /// Whether this is a pipeline or the per-item part of a mapped nested
    /// pipeline inside one.
    pub role: Role,
    /// Warnings to emit: where, and what they say.
    pub warnings: Vec<(Span, String)>,
}

/// What a [`Model`] describes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A pipeline: errors become variants of its error enum.
    Pipeline,
    /// The nodes a mapped nested pipeline runs per item: an error becomes
    /// the failed node's path and the nested pipeline's error.
    Group,
}

impl Model {
    /// Checks everything, recording every problem in `cx`. Without a model,
    /// the skeleton is all that can be emitted.
    pub fn build(
        cx: &Ctxt,
        input: PipelineInput,
        answers: &[Answer],
    ) -> Result<Model, Box<Skeleton>> {
        input.report(cx);
        let attrs = PipelineAttrs::from_syn(cx, input.attrs);
        let mut skeleton = Skeleton {
            attrs: attrs.rest,
            derives: attrs.derives,
            serde: attrs.serde,
            shape: None,
            vis: input.vis,
            krate: crate::krate(attrs.krate.as_ref()),
            ident: input.ident,
            inline_fns: Vec::new(),
        };
        if input.entries.is_empty() {
            cx.error_at(skeleton.ident.span(), "a pipeline needs at least one node");
        }
        let errors_before_nodes = cx.error_count();
        let mut answers = answers.iter();
        let mut nodes = Vec::new();
        let mut nested = Vec::new();
        let mut complete = true;
        for entry in input.entries {
            let entry_span = entry.span();
            match entry {
                Entry::Path { path, mut attrs } => {
                    let when = When::take(cx, &mut attrs);
                    let (nested_attr, rest) = NestedAttr::take(cx, attrs);
                    for attr in rest {
                        cx.error_spanned_by(
                            attr,
                            "attributes are not expected on a listed node; put `#[node(..)]` options on the function itself",
                        );
                    }
                    // Every path entry has an answer: `expand` asks until
                    // all have one. No description: the entry reported its
                    // own errors.
                    match answers.next().and_then(|answer| answer.described.as_ref()) {
                        None => complete = false,
                        Some(Described::Node(description)) => {
                            if nested_attr.is_some() {
                                cx.error_at(
                                    entry_span,
                                    format!(
                                        "`#[nested]` is for pipelines; `{}` is a #[node] function",
                                        description.item.sig.ident
                                    ),
                                );
                            }
                            match path_node(cx, path, description, entry_span) {
                                Some(node) => nodes.push(Node { when, ..node }),
                                None => complete = false,
                            }
                        }
                        Some(Described::Pipeline(description)) => {
                            let join = nested::Join {
                                path: &path,
                                description,
                                attr: nested_attr.unwrap_or_default(),
                                span: entry_span,
                                index: nested.len(),
                                krate: &skeleton.krate,
                                declared: &input.declared_inputs,
                                outer: &skeleton.ident,
                            };
                            match join.join(cx) {
                                Some((entry, _))
                                    if nested.iter().any(|earlier: &NestedEntry| {
                                        earlier.name == entry.name
                                    }) =>
                                {
                                    cx.error_at(
                                        entry_span,
                                        format!(
                                            "the pipeline already nests a pipeline named `{}`; give this one another name with `#[nested(name = ..)]`",
                                            entry.name
                                        ),
                                    );
                                    complete = false;
                                }
                                Some((entry, members)) => {
                                    nested.push(entry);
                                    // A member with a `#[when]` of its own
                                    // keeps it: its gate is a member too,
                                    // which runs only when the entry's
                                    // condition holds, so the member's
                                    // condition is both (see
                                    // `graph/branches.rs`).
                                    nodes.extend(members.into_iter().map(|member| Node {
                                        when: member.when.clone().or(when.clone()),
                                        ..member
                                    }));
                                }
                                None => complete = false,
                            }
                        }
                    }
                }
                Entry::Inline(mut func) => {
                    let when = When::take(cx, &mut func.attrs);
                    let node_attrs: Vec<syn::Attribute> = (func.attrs.iter())
                        .filter(|attr| attr.path().is_ident(NODE_ATTR))
                        .cloned()
                        .collect();
                    let attr = take_node_attr(cx, &mut func.attrs);
                    let sig = NodeSig::from_syn(cx, &attr, &func.sig);
                    let sig_tokens = &func.sig;
                    let described = NodeDescription {
                        vis: crate::visibility::inline_marker(&func.vis, &skeleton.vis, &func.sig),
                        item: syn::parse_quote!(#(#node_attrs)* #sig_tokens;),
                    };
                    skeleton.inline_fns.push(*func);
                    match sig {
                        Some(sig) => nodes.push(Node {
                            kind: NodeKind::Function(
                                Path::from(sig.ident.clone()),
                                Some(skeleton.ident.clone()),
                            ),
                            sig,
                            entry_span,
                            inline: true,
                            described: Some(described),
                            scope: Vec::new(),
                            nested: None,
                            inner_outputs: Vec::new(),
                            when,
                        }),
                        None => complete = false,
                    }
                }
            }
        }
        // A failure from here on still gives the fallback the fields of the
        // nodes that are known.
        let fail = |mut skeleton: Skeleton, nodes: &[Node]| {
            let shape = crate::fallback::shape(
                &skeleton,
                nodes,
                attrs.outputs.as_deref(),
                &input.declared_inputs,
            );
            skeleton.shape = Some(Box::new(shape));
            Err(Box::new(skeleton))
        };
        // A node with a broken signature has reported itself; analyzing the
        // graph without it would only add errors that are not real. Mistakes
        // in the pipeline's own attributes do not stop the analysis.
        if !complete || cx.error_count() > errors_before_nodes {
            return fail(skeleton, &nodes);
        }
        // Likewise a `#[when]` whose gate is wrong: the graph would be
        // analyzed with a condition the user did not mean.
        gates::check(cx, &nodes);
        if cx.error_count() > errors_before_nodes {
            return fail(skeleton, &nodes);
        }
        let requested: Option<Vec<String>> = match &attrs.outputs {
            Some(names) => Some(names.iter().map(|name| name.unraw().to_string()).collect()),
            // What nested pipelines keep to themselves is not returned.
            None if !nested.is_empty() => Some(nested::visible_outputs(&nodes)),
            None => None,
        };
        let mut plan = match analyze(cx, &nodes, requested.as_deref(), attrs.outputs.as_deref()) {
            Some(plan) => plan,
            None => return fail(skeleton, &nodes),
        };
        // Mapped nested pipelines compute only the outputs the graph uses.
        if nested::restrict_groups(cx, &mut nodes, &plan) {
            match analyze(cx, &nodes, requested.as_deref(), attrs.outputs.as_deref()) {
                Some(restricted) => plan = restricted,
                None => return fail(skeleton, &nodes),
            }
        }
        valid::check_variants(cx, &nodes, &plan);
        let specs: Vec<NodeSpec> = nodes.iter().map(Node::spec).collect();
        let input_types = valid::input_types(
            cx,
            &nodes,
            &specs,
            &plan,
            &input.declared_inputs,
            &skeleton.krate,
        );
        let warnings = valid::near_miss_inputs(cx, &nodes, &specs, &plan, &input.declared_inputs);
        if cx.has_errors() {
            return fail(skeleton, &nodes);
        }
        Ok(Model {
            skeleton,
            nodes,
            plan,
            input_types,
            nested,
            role: Role::Pipeline,
            warnings,
        })
    }

    pub fn krate(&self) -> &TokenStream {
        &self.skeleton.krate
    }

    /// `::hypernodes::__private`, or the renamed crate's.
    pub fn private(&self) -> TokenStream {
        let krate = self.krate();
        quote!(#krate::__private)
    }

    /// What a run ends with when `node`'s call fails with `error`: the
    /// variant of the error enum; for a node of a nested pipeline, wrapped
    /// in `NestedError` with the node's path. In a mapped group, the node's
    /// path and the nested pipeline's error, for the group's runner to wrap
    /// with the item.
    pub fn error_value(&self, node: &Node, error: &Ident) -> TokenStream {
        let private = self.private();
        let (error_enum, variant) = (self.skeleton.error_ident(), node.variant());
        let NodeKind::Member {
            pipeline, index, ..
        } = &node.kind
        else {
            return quote!(#error_enum::#variant(#error));
        };
        let constructor = format_ident!("__hn_error_{}", index);
        let path = node.path_name();
        let inner = quote!(#pipeline::#constructor(#error));
        match (self.role, node.nested) {
            (Role::Group, _) | (_, None) => quote!((#path, #inner)),
            (Role::Pipeline, Some(entry)) => {
                let entry = &self.nested[entry].name;
                quote! {
                    #error_enum::#variant(#private::NestedError::Failed {
                        entry: #entry,
                        item: ::core::option::Option::None,
                        path: #path,
                        error: #inner,
                    })
                }
            }
        }
    }

    /// The nodes that run, in order.
    pub fn running_nodes(&self) -> impl Iterator<Item = &Node> {
        self.plan.order().map(|index| &self.nodes[index])
    }

    /// The running nodes that can fail, in order.
    pub fn fallible_nodes(&self) -> impl Iterator<Item = &Node> {
        self.running_nodes().filter(|node| node.sig.fails())
    }

    /// Whether some node is `async` (then there is no blocking `run`).
    pub fn has_async_nodes(&self) -> bool {
        self.running_nodes().any(|node| node.sig.is_async)
    }

    /// The type of a value.
    pub fn type_of(&self, source: Source) -> TokenStream {
        match source {
            Source::Input(index) => self.input_types[index].clone(),
            Source::Node { node, output } => self.nodes[node].output_type(self.krate(), output),
        }
    }

    /// The name of a value, as the user wrote it.
    pub fn name_of(&self, source: Source) -> Ident {
        match source {
            Source::Input(index) => ident(&self.plan.inputs[index].name, Span::call_site()),
            Source::Node { node, output } => self.nodes[node].sig.outputs[output].clone(),
        }
    }

    /// Whether a value exists only in some runs (an `Option` in the
    /// generated code): a node's output whose producers all have
    /// conditions that do not cover every run.
    pub fn is_partial(&self, source: Source) -> bool {
        let (Some(branches), Source::Node { .. }) = (&self.plan.branches, source) else {
            return false;
        };
        let name = self.name_of(source).unraw().to_string();
        (branches.values.get(&name)).is_some_and(|exists| !exists.is_total())
    }

    /// When `node` runs, as text (`"needs_search && tone = Refuse"`), if
    /// not always.
    pub fn condition_of(&self, node: &Node) -> Option<String> {
        let branches = self.plan.branches.as_ref()?;
        let index = self.nodes.iter().position(|n| core::ptr::eq(n, node))?;
        let runs = branches.runs.get(index)?;
        (!runs.is_always()).then(|| runs.to_string())
    }

    /// The nodes that produce the same value as `source` (itself included),
    /// as the sources of their outputs, in declaration order.
    pub fn producers_of(&self, source: Source) -> Vec<Source> {
        let name = self.name_of(source).unraw().to_string();
        (self.nodes.iter().enumerate())
            .flat_map(|(node, n)| {
                (n.sig.outputs.iter().enumerate())
                    .filter(|(_, output)| output.unraw() == name)
                    .map(move |(output, _)| Source::Node { node, output })
            })
            .collect()
    }

    /// The producers of `source`'s value that run (that have a step in
    /// the plan), in declaration order; an input is its own.
    pub fn running_producers(&self, source: Source) -> Vec<Source> {
        if matches!(source, Source::Input(_)) {
            return vec![source];
        }
        (self.producers_of(source).into_iter())
            .filter(|&producer| self.step_of(producer).is_some())
            .collect()
    }

    /// The plan step that produces `source`, if it is a node's output and
    /// the node runs.
    pub fn step_of(&self, source: Source) -> Option<usize> {
        match source {
            Source::Node { node, .. } => self.plan.order().position(|n| n == node),
            Source::Input(_) => None,
        }
    }

    /// The local of a node's output: [`local`](Model::local), except for
    /// a value with several producers, whose producers after the first (in
    /// declaration order) have locals of their own until they are merged
    /// into the first one's (see `expand/branch.rs`).
    pub fn local_of_producer(&self, source: Source) -> Ident {
        let producers = self.producers_of(source);
        match (source, producers.first()) {
            (Source::Node { node, .. }, Some(&first)) if first != source => {
                let name = self.name_of(source).unraw().to_string();
                format_ident!("__hn_{}_of_{}", name, node, span = Span::mixed_site())
            }
            _ => self.local(source),
        }
    }

    /// The node of step `step` of the plan.
    pub fn step_node(&self, step: usize) -> &Node {
        &self.nodes[self.plan.steps[step].node]
    }

    /// The local variable holding a value in generated code. Mixed-site
    /// hygiene keeps it from shadowing the user's functions and constants,
    /// whatever the value is called.
    pub fn local(&self, source: Source) -> Ident {
        let name = match source {
            Source::Input(index) => self.plan.inputs[index].name.clone(),
            Source::Node { node, output } => {
                self.nodes[node].sig.outputs[output].unraw().to_string()
            }
        };
        ident(&name, Span::mixed_site())
    }
}

/// The names of the generated items, as runners need them.
pub struct Names<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub inputs: Ident,
    pub outputs: Ident,
    pub error: Ident,
}

impl Skeleton {
    /// The struct's name and visibility, and the generated types' names.
    pub fn names(&self) -> Names<'_> {
        Names {
            ident: &self.ident,
            vis: &self.vis,
            inputs: self.inputs_ident(),
            outputs: self.outputs_ident(),
            error: self.error_ident(),
        }
    }

    /// `NameInputs`, `NameOutputs`, `NameError`.
    pub fn inputs_ident(&self) -> Ident {
        format_ident!("{}Inputs", self.ident)
    }
    pub fn outputs_ident(&self) -> Ident {
        format_ident!("{}Outputs", self.ident)
    }
    pub fn error_ident(&self) -> Ident {
        format_ident!("{}Error", self.ident)
    }

    /// The derive attributes of `<Name>Inputs` and `<Name>Outputs`: the
    /// user's `derive(..)`, and serde's traits named through the facade so
    /// that the user's crate needs no serde of its own.
    pub fn struct_derives(&self) -> TokenStream {
        let derives = &self.derives;
        let mut tokens = if derives.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[derive(#(#derives),*)])
        };
        if self.serde {
            let krate = &self.krate;
            let serde = quote!(#krate::serde);
            let path = serde.to_string();
            tokens.extend(quote! {
                #[derive(#serde::Serialize, #serde::Deserialize)]
                #[serde(crate = #path)]
            });
        }
        tokens
    }
}

/// An identifier for a name, raw if the name is a keyword (`r#type`).
pub fn ident(name: &str, span: Span) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, span)
    } else if is_path_keyword(name) {
        // `self`, `super`, `crate`, `Self` cannot be raw: never a user's
        // value name (a parameter cannot be called so), and an entry's name
        // is checked before it gets here; stay out of the way.
        Ident::new(&format!("{name}_"), span)
    } else {
        Ident::new_raw(name, span)
    }
}

/// The keywords that cannot be raw identifiers.
pub fn is_path_keyword(name: &str) -> bool {
    matches!(name, "self" | "super" | "crate" | "Self")
}

/// Analyzes the graph of `nodes`, reporting its mistakes. `requested` is
/// what the run returns (`None`: every output); `written` the `#[outputs]`
/// names, for placing errors about them.
pub fn analyze(
    cx: &Ctxt,
    nodes: &[Node],
    requested: Option<&[String]>,
    written: Option<&[Ident]>,
) -> Option<Plan> {
    let specs: Vec<NodeSpec> = nodes.iter().map(Node::spec).collect();
    match graph::analyze(&specs, requested) {
        Ok(plan) => Some(plan),
        Err(errors) => {
            valid::report_graph_errors(cx, nodes, written.unwrap_or_default(), &errors);
            None
        }
    }
}

/// A path entry that is a `#[node]` function.
fn path_node(
    cx: &Ctxt,
    path: Path,
    description: &NodeDescription,
    entry_span: Span,
) -> Option<Node> {
    let sig = NodeSig::from_description(cx, description)?;
    Some(Node {
        kind: NodeKind::Function(path, None),
        sig,
        entry_span,
        inline: false,
        described: Some(description.clone()),
        scope: Vec::new(),
        nested: None,
        inner_outputs: Vec::new(),
        when: None,
    })
}
