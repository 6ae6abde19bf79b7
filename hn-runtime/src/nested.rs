//! Nested pipelines and `map_over`: the error of a nested pipeline, the
//! inputs of a map over some inputs while others are shared, and the item
//! grid of zip and product maps.

use crate::error::NodeError;
use core::fmt;

/// The error of a pipeline nested in another: which of its nodes failed,
/// with the path from the outer pipeline, and for `map_over` the index of
/// the inner item.
///
/// The outer pipeline's error enum has one variant per nested pipeline that
/// can fail, holding this.
///
/// # Examples
///
/// ```
/// use hypernodes::{prelude::*, NestedError, NodeError};
///
/// pipeline! {
///     pub struct Parse {
///         pub fn number(text: String) -> Result<i32, core::num::ParseIntError> { text.parse() }
///     }
/// }
///
/// pipeline! {
///     pub struct Doubled {
///         #[nested(map_over = text, inputs(texts = text), outputs(number = numbers))]
///         Parse,
///         fn total(numbers: Vec<i32>) -> i32 { numbers.iter().sum() }
///     }
/// }
///
/// let texts = vec!["1".to_owned(), "x".to_owned()];
/// let error = Doubled.run(DoubledInputs { texts }).unwrap_err();
/// assert_eq!(error.path(), "parse / number");
/// assert_eq!(error.to_string(), "node `parse / number` failed on item 1 of `parse`: invalid digit found in string");
/// let DoubledError::Parse(NestedError::Failed { item, .. }) = error else { panic!() };
/// assert_eq!(item, Some(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NestedError<E> {
    /// A node of the nested pipeline failed.
    Failed {
        /// The nested pipeline's name in the outer one.
        entry: &'static str,
        /// With `map_over`: the index of the inner item that failed.
        item: Option<usize>,
        /// The failed node's path from the outer pipeline, e.g.
        /// `"text_stats / load_text"`.
        path: &'static str,
        /// The nested pipeline's error.
        error: E,
    },
    /// `map_over` could not form its items.
    Items {
        /// The nested pipeline's name in the outer one.
        entry: &'static str,
        /// Why.
        error: MapOverError,
    },
}

impl<E> NestedError<E> {
    /// The nested pipeline's name in the outer one.
    pub fn entry(&self) -> &'static str {
        match self {
            NestedError::Failed { entry, .. } | NestedError::Items { entry, .. } => entry,
        }
    }

    /// With `map_over`: the index of the inner item that failed.
    pub fn item(&self) -> Option<usize> {
        match self {
            NestedError::Failed { item, .. } => *item,
            NestedError::Items { .. } => None,
        }
    }
}

impl<E: NodeError> NodeError for NestedError<E> {
    /// The failed node's own name (the nested pipeline's, if its items could
    /// not be formed).
    fn node(&self) -> &'static str {
        match self {
            NestedError::Failed { error, .. } => error.node(),
            NestedError::Items { entry, .. } => entry,
        }
    }

    fn path(&self) -> &'static str {
        match self {
            NestedError::Failed { path, .. } => path,
            NestedError::Items { entry, .. } => entry,
        }
    }

    fn __fmt_items(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NestedError::Failed {
                entry, item, error, ..
            } => {
                if let Some(item) = item {
                    write!(f, " on item {item} of `{entry}`")?;
                }
                error.__fmt_items(f)
            }
            NestedError::Items { .. } => Ok(()),
        }
    }

    fn __fmt_detail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NestedError::Failed { error, .. } => error.__fmt_detail(f),
            NestedError::Items { error, .. } => write!(f, ": {error}"),
        }
    }
}

impl<E: NodeError> fmt::Display for NestedError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::fmt::write_failure(f, self)
    }
}

impl<E: NodeError + core::error::Error + 'static> core::error::Error for NestedError<E> {
    /// The failed node's own error (not the nested pipeline's enum, which
    /// would repeat the node).
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            NestedError::Failed { error, .. } => error.source(),
            NestedError::Items { error, .. } => Some(error),
        }
    }
}

/// Why a map over several inputs could not form its items.
///
/// # Examples
///
/// ```
/// use hypernodes::MapOverError;
///
/// let error = MapOverError::UnequalLengths { first: "a", first_len: 3, other: "b", other_len: 2 };
/// assert_eq!(error.to_string(), "zip over inputs of unequal lengths: `a` has 3 items, `b` has 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapOverError {
    /// `MapMode::Zip` over inputs of different lengths: the first mapped
    /// input and the first one whose length differs from it.
    UnequalLengths {
        /// The first mapped input.
        first: &'static str,
        /// Its length.
        first_len: usize,
        /// An input of another length.
        other: &'static str,
        /// Its length.
        other_len: usize,
    },
    /// No input is mapped over (every one is [`MapInput::Shared`]).
    NothingMapped,
    /// `MapMode::Product`: the number of items does not fit in a `usize`.
    TooManyItems,
}

impl fmt::Display for MapOverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapOverError::UnequalLengths {
                first,
                first_len,
                other,
                other_len,
            } => write!(
                f,
                "zip over inputs of unequal lengths: `{first}` has {first_len} items, `{other}` has {other_len}"
            ),
            MapOverError::NothingMapped => {
                f.write_str("no input is mapped over: give at least one `MapInput::Each`")
            }
            MapOverError::TooManyItems => {
                f.write_str("the product of the mapped inputs has more items than fit in a usize")
            }
        }
    }
}

impl core::error::Error for MapOverError {}

/// How a map over several inputs forms its items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MapMode {
    /// Item `i` takes element `i` of every mapped input; the inputs must have
    /// one length.
    #[default]
    Zip,
    /// Every combination, the last mapped input varying fastest (as nested
    /// loops in input order).
    Product,
}

/// One input of a map over some inputs: mapped over, or shared by reference
/// by every item.
///
/// # Examples
///
/// ```
/// use hypernodes::MapInput::{Each, Shared};
/// use hypernodes::{prelude::*, MapMode};
///
/// pipeline! {
///     struct Scale {
///         fn scaled(x: &f64, factor: &f64) -> f64 { x * factor }
///     }
/// }
///
/// let xs = [1.0, 2.0, 3.0];
/// let results = Scale
///     .map_over(ScaleMapInputs { x: Each(&xs), factor: Shared(&10.0) }, MapMode::Zip)
///     .unwrap();
/// let scaled: Vec<f64> = results.into_iter().map(|r| r.unwrap().scaled).collect();
/// assert_eq!(scaled, [10.0, 20.0, 30.0]);
/// ```
#[derive(Debug)]
pub enum MapInput<'a, T> {
    /// One value per item.
    Each(&'a [T]),
    /// One value for every item.
    Shared(&'a T),
}

impl<T> Clone for MapInput<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for MapInput<'_, T> {}

impl<'a, T> MapInput<'a, T> {
    /// The number of values, or `None` when shared.
    #[inline]
    pub fn len(&self) -> Option<usize> {
        match self {
            MapInput::Each(values) => Some(values.len()),
            MapInput::Shared(_) => None,
        }
    }

    /// Whether this is `Each` of no values.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The value at `position` of the item grid (ignored when shared).
    #[doc(hidden)]
    #[inline]
    pub fn __at(&self, position: usize) -> &'a T {
        match *self {
            MapInput::Each(values) => &values[position],
            MapInput::Shared(value) => value,
        }
    }
}

/// The items of a map over `N` inputs: how many there are and which element
/// of each mapped input item `i` takes.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Grid<const N: usize> {
    /// Per input: the number of items one step of it spans (product), or
    /// `None` when the input is shared. For zip every stride is 1 and the
    /// length is the common one.
    strides: [Option<usize>; N],
    lens: [usize; N],
    len: usize,
    mode: MapMode,
}

impl<const N: usize> Grid<N> {
    /// The grid of inputs named `names` with lengths `lens` (`None`:
    /// shared).
    pub fn new(
        mode: MapMode,
        names: [&'static str; N],
        lens: [Option<usize>; N],
    ) -> Result<Self, MapOverError> {
        let mapped = || (0..N).filter_map(|k| lens[k].map(|len| (k, len)));
        let Some((first, first_len)) = mapped().next() else {
            return Err(MapOverError::NothingMapped);
        };
        let mut strides = [None; N];
        let len = match mode {
            MapMode::Zip => {
                if let Some((other, other_len)) = mapped().find(|&(_, len)| len != first_len) {
                    return Err(MapOverError::UnequalLengths {
                        first: names[first],
                        first_len,
                        other: names[other],
                        other_len,
                    });
                }
                for (k, _) in mapped() {
                    strides[k] = Some(1);
                }
                first_len
            }
            MapMode::Product => {
                let mut span = 1usize;
                for k in (0..N).rev() {
                    if let Some(len) = lens[k] {
                        strides[k] = Some(span);
                        span = span.checked_mul(len).ok_or(MapOverError::TooManyItems)?;
                    }
                }
                span
            }
        };
        Ok(Grid {
            strides,
            lens: lens.map(|len| len.unwrap_or(1)),
            len,
            mode,
        })
    }

    /// The number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element of input `input` that item `item` takes (0 when shared).
    #[inline]
    pub fn position(&self, item: usize, input: usize) -> usize {
        match (self.mode, self.strides[input]) {
            (_, None) => 0,
            (MapMode::Zip, Some(_)) => item,
            (MapMode::Product, Some(stride)) => (item / stride) % self.lens[input],
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn zip_takes_the_same_position_everywhere() {
        let grid = Grid::new(MapMode::Zip, ["a", "s", "b"], [Some(3), None, Some(3)]).unwrap();
        assert_eq!(grid.len(), 3);
        for item in 0..3 {
            assert_eq!(grid.position(item, 0), item);
            assert_eq!(grid.position(item, 2), item);
            assert_eq!(grid.position(item, 1), 0);
        }
    }

    #[test]
    fn zip_of_unequal_lengths_names_both() {
        let error =
            Grid::new(MapMode::Zip, ["a", "b", "c"], [Some(3), Some(3), Some(2)]).unwrap_err();
        assert_eq!(
            error,
            MapOverError::UnequalLengths {
                first: "a",
                first_len: 3,
                other: "c",
                other_len: 2
            }
        );
    }

    #[test]
    fn product_varies_the_last_input_fastest() {
        let grid = Grid::new(MapMode::Product, ["a", "s", "b"], [Some(2), None, Some(3)]).unwrap();
        let pairs: std::vec::Vec<(usize, usize)> = (0..grid.len())
            .map(|item| (grid.position(item, 0), grid.position(item, 2)))
            .collect();
        assert_eq!(pairs, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
    }

    #[test]
    fn empty_inputs_make_no_items_and_nothing_mapped_is_an_error() {
        assert!(Grid::new(MapMode::Product, ["a", "b"], [Some(2), Some(0)])
            .unwrap()
            .is_empty());
        assert!(Grid::new(MapMode::Zip, ["a"], [Some(0)])
            .unwrap()
            .is_empty());
        assert_eq!(
            Grid::new(MapMode::Zip, ["a"], [None]).unwrap_err(),
            MapOverError::NothingMapped
        );
    }

    #[test]
    fn product_overflow_is_an_error() {
        let error =
            Grid::new(MapMode::Product, ["a", "b"], [Some(usize::MAX), Some(2)]).unwrap_err();
        assert_eq!(error, MapOverError::TooManyItems);
    }
}
