//! Collects errors so that one expansion reports all of them.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::cell::RefCell;
use std::fmt::Display;

/// Gathers errors while parsing and checking. The user sees every mistake at
/// once, rather than fixing one per compile.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
    notes: RefCell<Vec<(proc_macro2::Span, String)>>,
}

impl Ctxt {
    /// Records an error spanning the given tokens.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error at a span.
    pub fn error_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new(span, message));
    }

    /// Records an error from a parser.
    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Records a note: where something an error names stands (the first
    /// of two producers). Stable proc macros cannot attach a note to an
    /// error, so it comes as a warning at its place (`warnings.rs`).
    pub fn note_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.notes.borrow_mut().push((span, message.to_string()));
    }

    /// The notes recorded, with where they stand.
    pub fn notes(&self) -> Vec<(proc_macro2::Span, String)> {
        self.notes.borrow().clone()
    }

    /// Whether anything was recorded so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// How many errors were recorded so far.
    pub fn error_count(&self) -> usize {
        self.errors.borrow().len()
    }

    /// All recorded errors as `compile_error!` invocations, or nothing.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .borrow()
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}
