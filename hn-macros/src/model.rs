//! The analyzed pipeline: every fact the expansion needs, checked.
//!
//! Built once all path entries are resolved: signatures are checked, the
//! graph is analyzed, and the whole-pipeline checks of `valid` run. The
//! expansion only reads this; it never parses or checks again.

use crate::ast::{Entry, PipelineInput};
use crate::attr::{take_node_attr, PipelineAttrs};
use crate::ctxt::Ctxt;
use crate::describe::Answer;
use crate::graph::{self, NodeSpec, ParamSpec, Plan, Source};
use crate::sig::NodeSig;
use crate::valid;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Ident, ItemFn, Path, Visibility};

/// A node of the pipeline.
pub struct Node {
    /// How generated code calls the function and names its marker type: the
    /// entry's path, or the inline function's name.
    pub path: Path,
    pub sig: NodeSig,
    /// The entry in the pipeline body.
    pub entry_span: Span,
    /// Whether the node is written inside the pipeline (so its signature's
    /// spans are in the pipeline too).
    pub inline: bool,
}

impl Node {
    /// The node's name, as in `NodeInfo` and error messages.
    pub fn name(&self) -> String {
        self.sig.ident.unraw().to_string()
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

    /// Where an error about output `index` should point.
    pub fn output_span(&self, index: usize) -> Span {
        if self.inline {
            self.sig.outputs[index].span()
        } else {
            self.entry_span
        }
    }

    /// The node's variant in the error enum: its name in UpperCamelCase.
    pub fn variant(&self) -> Ident {
        let camel: String = self
            .name()
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
        Ident::new(
            if camel.is_empty() { "Node" } else { &camel },
            self.sig.ident.span(),
        )
    }

    /// `<path as NodeOutput<index>>::Type`.
    pub fn output_type(&self, krate: &TokenStream, index: usize) -> TokenStream {
        let path = &self.path;
        quote!(<#path as #krate::__private::NodeOutput<#index>>::Type)
    }

    /// The type of the node's variant in the pipeline's error enum: the
    /// function's error (`<path as NodeFallible>::Error`), or for a node with
    /// a timeout or retries, `Attempted` of it (of `Infallible` if the
    /// function cannot fail).
    pub fn error_type(&self, krate: &TokenStream) -> TokenStream {
        let path = &self.path;
        let error = if self.sig.fallible {
            quote!(<#path as #krate::__private::NodeFallible>::Error)
        } else {
            quote!(::core::convert::Infallible)
        };
        match self.sig.retry {
            Some(_) => quote!(#krate::__private::Attempted<#error>),
            None => error,
        }
    }

    fn spec(&self) -> NodeSpec {
        NodeSpec {
            name: self.name(),
            params: (self.sig.params.iter())
                .map(|param| ParamSpec {
                    name: param.ident.unraw().to_string(),
                    by_value: !param.by_ref,
                })
                .collect(),
            outputs: self
                .sig
                .outputs
                .iter()
                .map(|output| output.unraw().to_string())
                .collect(),
        }
    }
}

/// What is emitted whether or not the pipeline is correct: the struct's
/// name and attributes, and the inline functions (with `#[node]` taken off).
pub struct Skeleton {
    pub attrs: Vec<syn::Attribute>,
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
        let mut complete = true;
        for entry in input.entries {
            let entry_span = entry.span();
            let node = match entry {
                Entry::Path(path) => path_node(cx, path, answers.next(), entry_span),
                Entry::Inline(mut func) => {
                    let attr = take_node_attr(cx, &mut func.attrs);
                    let sig = NodeSig::from_syn(cx, &attr, &func.sig);
                    skeleton.inline_fns.push(*func);
                    sig.map(|sig| Node {
                        path: Path::from(sig.ident.clone()),
                        sig,
                        entry_span,
                        inline: true,
                    })
                }
            };
            match node {
                Some(node) => nodes.push(node),
                None => complete = false,
            }
        }
        // A node with a broken signature has reported itself; analyzing the
        // graph without it would only add errors that are not real. Mistakes
        // in the pipeline's own attributes do not stop the analysis.
        if !complete || cx.error_count() > errors_before_nodes {
            return Err(Box::new(skeleton));
        }
        let specs: Vec<NodeSpec> = nodes.iter().map(Node::spec).collect();
        let requested: Option<Vec<String>> = (attrs.outputs.as_ref())
            .map(|names| names.iter().map(|name| name.unraw().to_string()).collect());
        let plan = match graph::analyze(&specs, requested.as_deref()) {
            Ok(plan) => plan,
            Err(errors) => {
                valid::report_graph_errors(
                    cx,
                    &nodes,
                    attrs.outputs.as_deref().unwrap_or_default(),
                    &errors,
                );
                return Err(Box::new(skeleton));
            }
        };
        valid::check_variants(cx, &nodes, &plan);
        let input_types = valid::input_types(
            cx,
            &nodes,
            &specs,
            &plan,
            &input.declared_inputs,
            &skeleton.krate,
        );
        if cx.has_errors() {
            return Err(Box::new(skeleton));
        }
        Ok(Model {
            skeleton,
            nodes,
            plan,
            input_types,
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
}

/// An identifier for a name, raw if the name is a keyword (`r#type`).
pub fn ident(name: &str, span: Span) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, span)
    } else {
        Ident::new_raw(name, span)
    }
}

/// A path entry with its description.
fn path_node(cx: &Ctxt, path: Path, answer: Option<&Answer>, entry_span: Span) -> Option<Node> {
    // Every path entry has an answer: `expand` asks until all have one.
    let item = answer?.item.as_ref()?;
    let mut attrs = item.attrs.clone();
    let attr = take_node_attr(cx, &mut attrs);
    let sig = NodeSig::from_syn(cx, &attr, &item.sig)?;
    Some(Node {
        path,
        sig,
        entry_span,
        inline: false,
    })
}
