//! What crosses the network in a cluster map: items and results, encoded
//! with bincode, and a node's error or panic as text.
//!
//! Nothing about one item is lost on the way: inputs that cannot be
//! encoded or decoded, and outputs likewise, become that item's error
//! (with an empty node), never a failure of the whole map.

use super::error::RemoteError;
use crate::{MapError, NodeError, NodePanic};
use core::fmt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::boxed::Box;
use std::collections::HashMap;
use std::format;
use std::string::{String, ToString};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::vec::Vec;

/// One item's result on the wire: `O` is `&Outputs` when encoding and
/// `Outputs` when decoding (both encode the same way).
#[derive(Serialize, Deserialize)]
enum Outcome<O> {
    Ok(O),
    Failed(RemoteError),
    Panicked {
        node: String,
        path: String,
        message: String,
    },
    NotRun,
}

/// Decodes a value, or says why it cannot be.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    bincode::deserialize(bytes).map_err(|error| error.to_string())
}

/// Items or results in one buffer, each with its index: what one record
/// of the transport carries, so that a map pays the transport's costs per
/// batch, not per item. Each frame is the index (`u64`), the length
/// (`u32`) and the bytes, little-endian.
#[derive(Default)]
pub(crate) struct Frames {
    bytes: Vec<u8>,
    count: usize,
}

impl Frames {
    /// Appends `value` encoded, as item `index`; on failure nothing is
    /// appended.
    pub(crate) fn push<T: Serialize + ?Sized>(
        &mut self,
        index: u64,
        value: &T,
    ) -> Result<(), String> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&index.to_le_bytes());
        self.bytes.extend_from_slice(&[0; 4]);
        let encoded = bincode::serialize_into(&mut self.bytes, value);
        let len = self.bytes.len() - start - 12;
        match (encoded, u32::try_from(len)) {
            (Ok(()), Ok(len)) => {
                self.bytes[start + 8..start + 12].copy_from_slice(&len.to_le_bytes());
                self.count += 1;
                Ok(())
            }
            (Err(error), _) => {
                self.bytes.truncate(start);
                Err(error.to_string())
            }
            (_, Err(_)) => {
                self.bytes.truncate(start);
                Err(String::from("larger than 4 GiB"))
            }
        }
    }

    /// How many frames it holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Its bytes, leaving it empty.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        self.count = 0;
        core::mem::take(&mut self.bytes)
    }
}

/// The frames of a buffer, in order; a truncated last frame ends them.
pub(crate) fn frames(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = bytes;
    core::iter::from_fn(move || {
        let (index, tail) = rest.split_first_chunk::<8>()?;
        let (len, tail) = tail.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let (frame, tail) = (tail.get(..len)?, &tail[len..]);
        rest = tail;
        Some((u64::from_le_bytes(*index), frame))
    })
}

/// An item's failure that no node caused: its data could not cross.
pub(crate) fn data_error(process: usize, message: String) -> RemoteError {
    RemoteError {
        process,
        node: String::new(),
        path: String::new(),
        message,
    }
}

/// Appends the result of item `index`, which failed before any node ran.
pub(crate) fn push_data_error(frames: &mut Frames, index: u64, error: RemoteError) {
    let _ = frames.push(index, &Outcome::<&()>::Failed(error));
}

/// Appends the result of item `index` of process `process`'s share.
pub(crate) fn push_result<O, E>(
    frames: &mut Frames,
    index: u64,
    process: usize,
    result: &Result<O, MapError<E>>,
) where
    O: Serialize,
    E: NodeError,
{
    let outcome = match result {
        Ok(outputs) => Outcome::Ok(outputs),
        Err(error) => failure(process, error),
    };
    if let Err(message) = frames.push(index, &outcome) {
        let message = format!("cannot encode the item's outputs: {message}");
        push_data_error(frames, index, data_error(process, message));
    }
}

/// A failed item, without its index (the record carries it).
fn failure<'a, O, E: NodeError>(process: usize, error: &MapError<E>) -> Outcome<&'a O> {
    match error {
        MapError::Failed { error, .. } => Outcome::Failed(RemoteError {
            process,
            node: error.node().into(),
            path: error.path().into(),
            message: Detail(error).to_string(),
        }),
        MapError::Panicked(panic) => Outcome::Panicked {
            node: panic.node.into(),
            path: panic.path.into(),
            message: panic.message.clone(),
        },
        MapError::NotRun { .. } => Outcome::NotRun,
    }
}

/// Decodes item `item`'s result, from process `process`.
pub(crate) fn decode_result<O: DeserializeOwned>(
    process: usize,
    item: usize,
    bytes: &[u8],
) -> Result<O, MapError<RemoteError>> {
    match decode::<Outcome<O>>(bytes) {
        Ok(Outcome::Ok(outputs)) => Ok(outputs),
        Ok(Outcome::Failed(error)) => Err(MapError::Failed { item, error }),
        Ok(Outcome::Panicked {
            node,
            path,
            message,
        }) => {
            let mut panic = NodePanic::new(item, interned(&path), message);
            panic.node = interned(&node);
            Err(MapError::Panicked(Box::new(panic)))
        }
        Ok(Outcome::NotRun) => Err(MapError::NotRun { item }),
        Err(message) => Err(MapError::Failed {
            item,
            error: data_error(
                process,
                format!("cannot decode the item's outputs: {message}"),
            ),
        }),
    }
}

/// A local map's result as a cluster map gives it: errors as
/// [`RemoteError`]s of process `process`.
pub(crate) fn as_remote<O, E: NodeError>(
    process: usize,
    result: Result<O, MapError<E>>,
) -> Result<O, MapError<RemoteError>> {
    result.map_err(|error| match error {
        MapError::Failed { item, error } => MapError::Failed {
            item,
            error: RemoteError {
                process,
                node: error.node().into(),
                path: error.path().into(),
                message: Detail(&error).to_string(),
            },
        },
        MapError::Panicked(panic) => MapError::Panicked(panic),
        MapError::NotRun { item } => MapError::NotRun { item },
    })
}

/// What a node's error says beyond naming the node: where in mapped nested
/// pipelines, and the node's own error (`"on item 3 of `pages`: not
/// found"`).
struct Detail<'a, E>(&'a E);

impl<E: NodeError> fmt::Display for Detail<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Raw<'a, E>(&'a E);
        impl<E: NodeError> fmt::Display for Raw<'_, E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.__fmt_items(f)?;
                self.0.__fmt_detail(f)
            }
        }
        let raw = Raw(self.0).to_string();
        f.write_str(raw.trim_start_matches([' ', ':']))
    }
}

/// A node's name or path from another process, as the `&'static str` a
/// [`NodePanic`] holds: made once per distinct text (the other processes
/// run the same pipelines, so there are as many as the program has nodes).
fn interned(text: &str) -> &'static str {
    static TEXTS: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut texts =
        (TEXTS.get_or_init(Default::default).lock()).unwrap_or_else(PoisonError::into_inner);
    if let Some(text) = texts.get(text) {
        return text;
    }
    let leaked: &'static str = Box::leak(String::from(text).into_boxed_str());
    texts.insert(String::from(text), leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// A node error as generated code makes them: `load` failed with a
    /// detail.
    #[derive(Debug)]
    struct LoadFailed;

    impl NodeError for LoadFailed {
        fn node(&self) -> &'static str {
            "load"
        }
        fn path(&self) -> &'static str {
            "pages / load"
        }
        fn __fmt_items(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(" on item 3 of `pages`")
        }
        fn __fmt_detail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(": not found")
        }
    }

    fn round_trip(
        result: &Result<Vec<u64>, MapError<LoadFailed>>,
    ) -> Result<Vec<u64>, MapError<RemoteError>> {
        let mut batch = Frames::default();
        push_result(&mut batch, 7, 2, result);
        let bytes = batch.take();
        let (index, frame) = frames(&bytes).next().unwrap();
        assert_eq!(index, 7);
        decode_result(2, 7, frame)
    }

    #[test]
    fn frames_keep_their_order_and_indices() {
        let mut batch = Frames::default();
        batch.push(3, "three").unwrap();
        batch.push(u64::MAX, "").unwrap();
        batch.push(0, &vec![1_u8; 300]).unwrap();
        assert_eq!(batch.len(), 3);
        let bytes = batch.take();
        assert_eq!(batch.len(), 0);
        let read: Vec<(u64, usize)> = frames(&bytes).map(|(i, f)| (i, f.len())).collect();
        assert_eq!(read, [(3, 13), (u64::MAX, 8), (0, 308)]);
        assert_eq!(
            decode::<String>(frames(&bytes).next().unwrap().1).unwrap(),
            "three"
        );
        // A truncated buffer ends at the last whole frame.
        assert_eq!(frames(&bytes[..bytes.len() - 1]).count(), 2);
    }

    #[test]
    fn outputs_come_back_whole() {
        assert_eq!(round_trip(&Ok(vec![1, 2, 3])).unwrap(), [1, 2, 3]);
        assert_eq!(round_trip(&Ok(Vec::new())).unwrap(), Vec::<u64>::new());
    }

    #[test]
    fn a_node_error_keeps_where_and_what() {
        let failed = Err(MapError::Failed {
            item: 0,
            error: LoadFailed,
        });
        let Err(MapError::Failed { item, error }) = round_trip(&failed) else {
            panic!("a failure")
        };
        assert_eq!(item, 7, "the index the record carries");
        assert_eq!(
            error,
            RemoteError {
                process: 2,
                node: "load".into(),
                path: "pages / load".into(),
                message: "on item 3 of `pages`: not found".into(),
            }
        );
    }

    #[test]
    fn a_panic_is_a_panic_of_that_item() {
        let panic = NodePanic::new(0, "pages / parse", "bad page".into());
        let Err(MapError::Panicked(back)) = round_trip(&Err(MapError::Panicked(Box::new(panic))))
        else {
            panic!("a panic")
        };
        assert_eq!(
            (back.item, back.node, back.path),
            (7, "parse", "pages / parse")
        );
        assert_eq!(back.message, "bad page");
        // Interned: the same text is the same `&'static str`.
        assert!(core::ptr::eq(interned("pages / parse"), back.path));
    }

    #[test]
    fn an_item_not_run_stays_not_run() {
        assert!(matches!(
            round_trip(&Err(MapError::NotRun { item: 0 })),
            Err(MapError::NotRun { item: 7 })
        ));
    }

    #[test]
    fn bytes_that_do_not_decode_are_that_items_error() {
        let Err(MapError::Failed { item, error }) = decode_result::<Vec<u64>>(1, 4, &[9, 9]) else {
            panic!("a failure")
        };
        assert_eq!((item, error.process, error.node.as_str()), (4, 1, ""));
        assert!(
            error
                .message
                .starts_with("cannot decode the item's outputs"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_local_map_reports_errors_as_remote_ones_of_process_0() {
        let failed: Result<(), _> = Err(MapError::Failed {
            item: 5,
            error: LoadFailed,
        });
        let Err(MapError::Failed { item, error }) = as_remote(0, failed) else {
            panic!("a failure")
        };
        assert_eq!(
            (item, error.process, error.path.as_str()),
            (5, 0, "pages / load")
        );
        assert_eq!(
            error.to_string(),
            "process 0: node `pages / load` failed: on item 3 of `pages`: not found"
        );
    }
}
