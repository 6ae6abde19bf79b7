//! Type-level description of `#[node]` functions.
//!
//! `pipeline!` may live in another module than the nodes it lists, where the
//! node's parameter and return types (`Path`, `io::Result`, a user type) are
//! not in scope. So `#[node]` records each type once, next to the function, as
//! an associated type on a hidden marker type named like the function, and
//! `pipeline!` names types only through these projections
//! (`<crate::text::load_text as NodeOutput<0>>::Type`).

/// Parameter `I` of a node: its type when taken by value, or the referent
/// type when taken by reference (`&Path` records `Path`).
pub trait NodeParam<const I: usize> {
    /// The recorded type.
    type Type: ?Sized;
}

/// Output `I` of a node, after removing `Result` for fallible nodes and
/// splitting tuples for `output = (a, b)` nodes.
pub trait NodeOutput<const I: usize> {
    /// The output's type.
    type Type;
}

/// The node function's return type, as written (for the wrappers through
/// which a nested pipeline's nodes are called from the outer pipeline).
pub trait NodeReturn {
    /// The return type.
    type Type;
}

/// Node `I` of a pipeline, as an outer pipeline that nests it sees it: the
/// node's marker type (with its `NodeParam`, `NodeOutput`, ... impls).
/// Generated for every pipeline whose nodes are at least as visible as the
/// pipeline itself.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be nested in another pipeline",
    label = "not a pipeline, or its nodes are less visible than the pipeline",
    note = "nesting calls the pipeline's nodes from the outer pipeline: make them as visible as the pipeline (e.g. `pub(crate) fn`)"
)]
pub trait Member<const I: usize> {
    /// The node's marker type.
    type Node;
}

/// What a pipeline whose nodes are less visible than itself answers to
/// `__hn_nestable()` where its nodes are in reach (its own module): the
/// method is private, so elsewhere [`NestProbe`]'s answers instead.
pub struct Nestable;

/// What `__hn_nestable()` answers out of reach of a pipeline's private
/// nodes. The pipeline that nests it requires [`Nestable`], with an error
/// naming the nodes.
pub struct NotNestable;

/// The fallback of a pipeline's private `__hn_nestable()`: method lookup
/// skips a private inherent method where it is out of reach and finds this
/// one, so the answer tells whether the nesting module can reach the
/// pipeline's nodes.
pub trait NestProbe {
    /// [`NotNestable`].
    fn __hn_nestable(&self) -> NotNestable {
        NotNestable
    }
}

impl<T: ?Sized> NestProbe for T {}

/// The error type of a fallible node.
pub trait NodeFallible {
    /// The `E` of the node's `Result<T, E>`.
    type Error;
}

/// Splits a fallible node's return type into its success and error types.
/// Going through a trait makes aliases such as `io::Result<T>` work.
pub trait Fallible {
    /// The success type.
    type Ok;
    /// The error type.
    type Error;
}

impl<T, E> Fallible for core::result::Result<T, E> {
    type Ok = T;
    type Error = E;
}

/// The element type of a collection: a mapped nested pipeline's input
/// declared as `Vec<T>` in the outer pipeline gives each item a `T`.
#[diagnostic::on_unimplemented(
    message = "a mapped input is declared as `{Self}`, not as a `Vec`",
    note = "declare the mapped input as `Vec<T>`: each item gets a `T`"
)]
pub trait Element {
    /// The element type.
    type Type;
}

#[cfg(feature = "alloc")]
impl<T> Element for alloc::vec::Vec<T> {
    type Type = T;
}

/// Element `I` of a tuple, for nodes with `output = (a, b, ...)`.
pub trait TupleElement<const I: usize> {
    /// The element's type.
    type Type;
}

macro_rules! tuple_elements {
    ($( $all:tt => [$($index:tt $elem:ident),+] ;)+) => {$($(
        tuple_elements!(@impl $all $index $elem);
    )+)+};
    (@impl ($($all:ident),+) $index:tt $elem:ident) => {
        impl<$($all),+> TupleElement<$index> for ($($all,)+) {
            type Type = $elem;
        }
    };
}

tuple_elements! {
    (A) => [0 A];
    (A, B) => [0 A, 1 B];
    (A, B, C) => [0 A, 1 B, 2 C];
    (A, B, C, D) => [0 A, 1 B, 2 C, 3 D];
    (A, B, C, D, E) => [0 A, 1 B, 2 C, 3 D, 4 E];
    (A, B, C, D, E, F) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F];
    (A, B, C, D, E, F, G) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G];
    (A, B, C, D, E, F, G, H) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H];
    (A, B, C, D, E, F, G, H, I) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I];
    (A, B, C, D, E, F, G, H, I, J) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J];
    (A, B, C, D, E, F, G, H, I, J, K) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K];
    (A, B, C, D, E, F, G, H, I, J, K, L) => [0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L];
}

/// The owned type a pipeline input gets when its consumers borrow an unsized
/// value: `&str` → `String`, `&[T]` → `Vec<T>`, `&Path` → `PathBuf`,
/// `&OsStr` → `OsString`, `&CStr` → `CString`. (`&T` for a sized `T` needs
/// no mapping: the input is a `T`.)
#[diagnostic::on_unimplemented(
    message = "cannot infer an owned input type for a parameter of type `&{Self}`",
    label = "no owned form of `{Self}` is known",
    note = "declare the input's type in the pipeline: `inputs {{ name: Type }}`"
)]
pub trait OwnedInput {
    /// The type of the `Inputs` field.
    type Owned;
}

#[cfg(feature = "alloc")]
impl OwnedInput for str {
    type Owned = alloc::string::String;
}

#[cfg(feature = "alloc")]
impl<T> OwnedInput for [T] {
    type Owned = alloc::vec::Vec<T>;
}

#[cfg(feature = "alloc")]
impl OwnedInput for core::ffi::CStr {
    type Owned = alloc::ffi::CString;
}

#[cfg(feature = "std")]
impl OwnedInput for std::path::Path {
    type Owned = std::path::PathBuf;
}

#[cfg(feature = "std")]
impl OwnedInput for std::ffi::OsStr {
    type Owned = std::ffi::OsString;
}

/// What identifies a `#[node(cache)]` function in the keys of its cached
/// calls (see `hypernodes::cache`): implemented on its marker type.
pub trait CachedNode {
    /// The function's full path: crate, modules, name.
    const PATH: &'static str;
    /// A hash of the function's tokens, computed by the macro.
    const CODE: u128;
    /// `version = N` of `#[node(cache, version = N)]`, else 0.
    const VERSION: u32;
}

/// Implemented when the `cache` feature is on: `#[node(cache)]` requires
/// it, so that without the feature the error says how to turn it on, at
/// `cache`.
#[diagnostic::on_unimplemented(
    message = "`#[node(cache)]` needs the `cache` feature of hypernodes",
    label = "the `cache` feature is off",
    note = "turn it on: `hypernodes = {{ version = \"0.1\", features = [\"cache\"] }}`"
)]
pub trait CacheEnabled {}

#[cfg(feature = "cache")]
impl CacheEnabled for () {}
