//! The replicated key-value state machine.
//!
//! This module owns what the Raft log means: the [`Command`]s clients propose and their binary
//! encoding, the [`Store`] every node applies committed entries to (keys and values, plus the
//! client sessions that make commands exactly-once, thesis §6.3), and the store's snapshot
//! encoding and restore. The Raft core treats all of it as opaque bytes.
//!
//! Every node applies the same entries in the same order and must reach the same state, byte for
//! byte: the simulator hashes [`Store::snapshot_data`] into its state hash. So everything here
//! depends only on the log (never on a clock or on which node runs it) and every collection is
//! a `BTreeMap`, whose iteration order, and therefore whose encoding, is deterministic.

mod command;
mod store;
#[cfg(test)]
mod tests;

pub use command::{Command, Operation, Response};
pub use store::{Applied, MAX_SESSIONS, Session, Store};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::raft::{Bytes, Index};

/// Why bytes could not be read as a command or a store snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvError {
    /// The bytes are not a valid encoding of `what` (garbage, truncated, an unknown variant).
    Decode {
        what: &'static str,
        reason: postcard::Error,
    },
    /// The bytes hold a valid `what` followed by bytes that belong to nothing.
    TrailingBytes { what: &'static str, count: usize },
    /// The snapshot's data says the store applied up to `encoded`, but the snapshot claims to
    /// include the log up to `last_included_index`.
    SnapshotIndexMismatch {
        encoded: Index,
        last_included_index: Index,
    },
    /// The snapshot holds more client sessions than a store ever keeps.
    TooManySessions { count: usize, max: usize },
    /// A session in the snapshot was last active after the snapshot's last applied index.
    SessionAfterSnapshot {
        client_id: u64,
        last_active_index: Index,
        last_applied: Index,
    },
}

impl std::fmt::Display for KvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KvError::Decode { what, reason } => write!(f, "{what} does not decode: {reason}"),
            KvError::TrailingBytes { what, count } => {
                write!(f, "{what} is followed by {count} unexpected trailing bytes")
            }
            KvError::SnapshotIndexMismatch {
                encoded,
                last_included_index,
            } => write!(
                f,
                "snapshot data was taken at applied index {encoded}, \
                 but the snapshot's last included index is {last_included_index}"
            ),
            KvError::TooManySessions { count, max } => {
                write!(
                    f,
                    "snapshot data holds {count} client sessions; at most {max} are kept"
                )
            }
            KvError::SessionAfterSnapshot {
                client_id,
                last_active_index,
                last_applied,
            } => write!(
                f,
                "snapshot data has client {client_id} active at index {last_active_index}, \
                 after its last applied index {last_applied}"
            ),
        }
    }
}

impl std::error::Error for KvError {}

/// Encodes `value` with postcard.
///
/// Postcard fails only for types it cannot express (sequences of unknown length, for one); the
/// types of this module are not among them, so a failure is a programming error.
fn encode<T: Serialize>(value: &T, what: &'static str) -> Bytes {
    match postcard::to_allocvec(value) {
        Ok(bytes) => Bytes::from(bytes),
        Err(reason) => panic!("{what} must always encode with postcard: {reason}"),
    }
}

/// Decodes a `T` that must fill `bytes` exactly. Trailing bytes are refused rather than ignored,
/// so that two different byte strings never decode to the same value unnoticed.
fn decode_exact<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, KvError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|reason| KvError::Decode { what, reason })?;
    if !rest.is_empty() {
        return Err(KvError::TrailingBytes {
            what,
            count: rest.len(),
        });
    }
    Ok(value)
}
