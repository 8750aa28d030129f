//! What clients propose (a [`Command`]), what they get back (a [`Response`]), and the bytes a
//! command travels as inside a log entry.

use serde::{Deserialize, Serialize};

use super::{KvError, decode_exact, encode};
use crate::raft::Bytes;

/// A client's request, as carried by a `Payload::Command` log entry.
///
/// `client_id` and `sequence` make it exactly-once (thesis §6.3): a client numbers its commands
/// 1, 2, 3, ... and retries a command with the same number until it gets an answer, so the store
/// can recognise a retry of a command it has already applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Command {
    pub client_id: u64,
    pub sequence: u64,
    pub operation: Operation,
}

/// What a command does to the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    /// Reads `key` through the log: slow, but linearizable without ReadIndex or leases.
    Get { key: String },
    /// Sets `key` to `value`.
    Put { key: String, value: String },
    /// Removes `key`; removing an absent key is not an error.
    Delete { key: String },
    /// Sets `key` to `new` if and only if its current value equals `expected`. `None` stands
    /// for "absent" on both sides: `expected: None` asks that the key not exist, and
    /// `new: None` deletes it.
    CompareAndSet {
        key: String,
        expected: Option<String>,
        new: Option<String>,
    },
    /// Changes nothing. A coordinated backup proposes one, and every node snapshots exactly at
    /// the index where it applies it, so all the backups describe the same point of the log.
    Barrier { backup_id: u64 },
}

/// The answer a client gets for a command.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Response {
    /// For [`Operation::Get`]: the key's value, or `None` if the key is absent.
    Value(Option<String>),
    /// For [`Operation::Put`] and [`Operation::Delete`].
    Done,
    /// For [`Operation::CompareAndSet`]: whether the swap happened, and the key's value after
    /// the command (`new` when it succeeded, the unchanged value that did not match otherwise).
    CompareAndSet {
        succeeded: bool,
        current: Option<String>,
    },
    /// For [`Operation::Barrier`]: the barrier has been applied.
    Barrier { backup_id: u64 },
    /// The command is a retry of one older than the client's latest applied command. It was
    /// applied once, long ago, but the store keeps only each client's latest response
    /// (thesis §6.3), so its result is no longer known. A client that waits for each answer
    /// before sending its next command never sees this; a client that sees it must treat the
    /// old command's outcome as applied but unknown.
    Forgotten {
        /// The client's latest applied sequence number.
        last_sequence: u64,
    },
}

impl Command {
    /// The bytes to propose: the payload of a `Payload::Command` entry.
    pub fn encode(&self) -> Bytes {
        encode(self, "a command")
    }

    /// Reads a command back from an entry's payload. Any bytes that are not exactly one encoded
    /// command (garbage, a truncated command, extra bytes after one) are an error.
    pub fn decode(bytes: &[u8]) -> Result<Command, KvError> {
        decode_exact(bytes, "command")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_operation() -> Vec<Operation> {
        vec![
            Operation::Get { key: "x".into() },
            Operation::Put {
                key: "x".into(),
                value: "1".into(),
            },
            Operation::Delete { key: "".into() },
            Operation::CompareAndSet {
                key: "x".into(),
                expected: None,
                new: Some("ünïcode".into()),
            },
            Operation::CompareAndSet {
                key: "x".into(),
                expected: Some("1".into()),
                new: None,
            },
            Operation::Barrier {
                backup_id: u64::MAX,
            },
        ]
    }

    #[test]
    fn every_operation_survives_encode_then_decode() {
        for (offset, operation) in every_operation().into_iter().enumerate() {
            let command = Command {
                client_id: 1 << 40,
                sequence: offset as u64 + 1,
                operation,
            };
            assert_eq!(Command::decode(&command.encode()), Ok(command));
        }
    }

    #[test]
    fn different_commands_encode_differently() {
        let put = |value: &str| Command {
            client_id: 1,
            sequence: 1,
            operation: Operation::Put {
                key: "x".into(),
                value: value.into(),
            },
        };
        assert_ne!(put("1").encode(), put("2").encode());
    }

    #[test]
    fn every_truncation_of_a_command_is_an_error() {
        let command = Command {
            client_id: 300,
            sequence: 70_000,
            operation: Operation::CompareAndSet {
                key: "key".into(),
                expected: Some("old".into()),
                new: Some("new".into()),
            },
        };
        let bytes = command.encode();
        for length in 0..bytes.len() {
            let result = Command::decode(&bytes[..length]);
            assert!(
                matches!(result, Err(KvError::Decode { .. })),
                "a command cut to {length} of {} bytes decoded as {result:?}",
                bytes.len()
            );
        }
    }

    #[test]
    fn trailing_bytes_after_a_command_are_an_error() {
        let command = Command {
            client_id: 1,
            sequence: 1,
            operation: Operation::Get { key: "x".into() },
        };
        let mut bytes = command.encode().to_vec();
        bytes.push(0);
        assert_eq!(
            Command::decode(&bytes),
            Err(KvError::TrailingBytes {
                what: "command",
                count: 1
            })
        );
    }

    #[test]
    fn garbage_is_an_error_and_never_a_panic() {
        // An unknown operation variant, a string length far past the end, and a key that is not
        // UTF-8 (client 1, sequence 1, Get, length 1, byte 0xff).
        let unknown_variant: &[u8] = &[1, 1, 9];
        let huge_length: &[u8] = &[1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, b'x'];
        let not_utf8: &[u8] = &[1, 1, 0, 1, 0xff];
        for bytes in [unknown_variant, huge_length, not_utf8] {
            assert!(Command::decode(bytes).is_err(), "{bytes:?} decoded");
        }
        // Every short byte string: none may panic, whatever it decodes to.
        for first in 0..=255u8 {
            for second in [0u8, 1, 5, 0x80, 0xff] {
                let _ = Command::decode(&[first, second, second, first]);
            }
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let error = Command::decode(&[]).unwrap_err();
        assert!(
            error.to_string().starts_with("command does not decode"),
            "{error}"
        );
    }
}
