//! The executors behind the generated runners. See `README.md` beside this
//! file for the scheduling model.

#[cfg(feature = "std")]
pub mod all_or_nothing;
#[cfg(feature = "tokio")]
pub mod asynchronous;
#[cfg(feature = "rayon")]
pub mod batches;
#[cfg(feature = "rayon")]
mod counted;
#[cfg(feature = "std")]
pub mod failure;
#[cfg(feature = "rayon")]
mod folded;
#[cfg(feature = "tokio")]
mod in_order;
#[cfg(feature = "rayon")]
mod io_runners;
#[cfg(feature = "alloc")]
pub mod items;
#[cfg(feature = "std")]
pub mod map;
#[cfg(feature = "rayon")]
pub mod parallel;
#[cfg(feature = "rayon")]
pub mod pools;
#[cfg(feature = "rayon")]
pub mod stream;
