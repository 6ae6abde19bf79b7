//! The pipeline's picture as a `Picture` constant: the same traversal as
//! `DOT` and `MERMAID`, kept as data for the runtime to lay out (the `svg`
//! feature) instead of written as text.

use crate::expand::picture::{draw, Canvas, Endpoint};
use crate::model::Model;
use proc_macro2::TokenStream;
use quote::quote;

/// A `Picture { .. }` expression of `'static` slices, naming the runtime's
/// types through `private` (`::hypernodes::__private`).
pub fn picture(model: &Model, private: &TokenStream) -> TokenStream {
    let mut structure = Structure {
        private,
        inputs: Vec::new(),
        nodes: Vec::new(),
        clusters: Vec::new(),
        cluster: None,
        edges: Vec::new(),
        outputs: Vec::new(),
    };
    draw(model, &mut structure);
    let Structure {
        inputs,
        nodes,
        clusters,
        edges,
        outputs,
        ..
    } = structure;
    let name = model.skeleton.ident.to_string();
    quote! {
        #private::Picture {
            name: #name,
            inputs: &[#(#inputs),*],
            nodes: &[#(#nodes),*],
            clusters: &[#(#clusters),*],
            edges: &[#(#edges),*],
            outputs: &[#(#outputs),*],
        }
    }
}

struct Structure<'a> {
    private: &'a TokenStream,
    inputs: Vec<String>,
    nodes: Vec<TokenStream>,
    clusters: Vec<TokenStream>,
    /// The index of the cluster being drawn, if any.
    cluster: Option<usize>,
    edges: Vec<TokenStream>,
    outputs: Vec<TokenStream>,
}

impl Structure<'_> {
    fn end(&self, endpoint: &Endpoint) -> TokenStream {
        let private = self.private;
        match endpoint {
            Endpoint::Input(name) => quote!(#private::End::Input(#name)),
            Endpoint::Node(path) => quote!(#private::End::Node(#path)),
        }
    }
}

impl Canvas for Structure<'_> {
    fn input(&mut self, name: &str) {
        self.inputs.push(name.to_owned());
    }

    /// The SVG draws every node as a box; a gate's edges say its arms.
    fn node(&mut self, path: &str, label: &[String], _gate: bool) {
        let private = self.private;
        let cluster = match self.cluster {
            Some(index) => quote!(::core::option::Option::Some(#index)),
            None => quote!(::core::option::Option::None),
        };
        self.nodes.push(quote! {
            #private::NodeBox { path: #path, label: &[#(#label),*], cluster: #cluster }
        });
    }

    fn begin_cluster(&mut self, name: &str, title: &str) {
        let private = self.private;
        self.cluster = Some(self.clusters.len());
        self.clusters
            .push(quote!(#private::Cluster { name: #name, title: #title }));
    }

    fn end_cluster(&mut self) {
        self.cluster = None;
    }

    fn edge(&mut self, from: &Endpoint, value: &str, to: &Endpoint) {
        let private = self.private;
        let (from, to) = (self.end(from), self.end(to));
        self.edges
            .push(quote!(#private::Edge { from: #from, value: #value, to: #to }));
    }

    fn when_edge(&mut self, from: &Endpoint, when: &str, to: &Endpoint) {
        self.edge(from, &format!("when {when}"), to);
    }

    /// The SVG links a returned value to its first producer (the others'
    /// edges to its consumers show the branches).
    fn output(&mut self, name: &str, from: &[Endpoint]) {
        let private = self.private;
        let Some(from) = from.first() else {
            return;
        };
        let from = self.end(from);
        self.outputs
            .push(quote!(#private::Output { name: #name, from: #from }));
    }
}
