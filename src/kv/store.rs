//! The state machine each node applies committed entries to: the keys and values, the client
//! sessions that make commands exactly-once (thesis §6.3), and their snapshot encoding.

use std::collections::{BTreeMap, BTreeSet};

use litemap::LiteMap;
use serde::{Deserialize, Serialize, Serializer};

use super::command::{Command, Operation, Response};
use super::{KvError, decode_exact, encode};
use crate::raft::{Bytes, Entry, Index, Payload, Snapshot};

/// How many client sessions a store keeps. A new client beyond this evicts the least recently
/// active one, so memory stays bounded however many clients come and go.
pub const MAX_SESSIONS: usize = 1024;

/// What the store remembers about one client (thesis §6.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    /// The highest sequence number applied for this client.
    pub last_sequence: u64,
    /// The response to `last_sequence`, answered again when the client retries it.
    pub response: Response,
    /// The index of the last entry carrying a command from this client, retries included.
    /// Eviction goes by it, so it depends only on the log and is the same on every node.
    pub last_active_index: Index,
}

/// The outcome of applying one client command.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Applied {
    /// The log index of the entry that carried the command.
    pub index: Index,
    pub client_id: u64,
    pub sequence: u64,
    pub response: Response,
    /// True when the command was not executed because the client's session shows it was
    /// executed before: `response` is then the remembered one, or [`Response::Forgotten`].
    pub duplicate: bool,
}

/// The replicated key-value store.
///
/// Invariants: `sessions.len() <= MAX_SESSIONS`, and every session's `last_active_index` is at
/// most `last_applied`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    data: BTreeMap<String, String>,
    /// By client id. A sorted `Vec` (`LiteMap`): at most [`MAX_SESSIONS`], found by binary
    /// search, and a B-tree instantiated for them was wasm of its own.
    sessions: LiteMap<u64, Session>,
    /// The index of the last entry applied (paper Figure 2, `lastApplied`), whatever it carried.
    last_applied: Index,
}

/// The snapshot encoding, borrowed for writing so that taking a snapshot copies nothing.
/// Field order is the byte layout: it must match [`SnapshotData`].
#[derive(Serialize)]
struct SnapshotView<'a> {
    last_applied: Index,
    data: &'a BTreeMap<String, String>,
    #[serde(serialize_with = "sessions_as_map")]
    sessions: &'a LiteMap<u64, Session>,
}

/// The sessions written as a map, as a `BTreeMap` of them writes: their count, then each client
/// id and session in id order.
fn sessions_as_map<S: Serializer>(
    sessions: &&LiteMap<u64, Session>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(sessions.iter())
}

/// The snapshot encoding, owned for reading.
#[derive(Deserialize)]
struct SnapshotData {
    last_applied: Index,
    data: BTreeMap<String, String>,
    /// The sessions' map, read as its entries (postcard writes a map as a sequence of pairs):
    /// [`Store::restore`] keys them as a `BTreeMap` would, the last of a repeated id kept.
    sessions: Vec<(u64, Session)>,
}

impl Store {
    /// An empty store that has applied nothing.
    pub fn new() -> Self {
        Store::default()
    }

    /// A store holding `data` as of `last_applied`, with no client sessions: the state a
    /// cluster starts from when it is restored from a backup.
    pub fn from_data(data: BTreeMap<String, String>, last_applied: Index) -> Self {
        Store {
            data,
            sessions: LiteMap::new(),
            last_applied,
        }
    }

    /// Applies the next committed entry. Entries must come in log order with no gap: `entry`'s
    /// index is `last_applied() + 1`.
    ///
    /// Returns `None` for entries that carry no client command (no-ops and membership changes),
    /// and also for a command payload that does not decode. Such an entry can only come from a
    /// driver bug (every proposer encodes with [`Command::encode`]), and there is no client to
    /// answer, since the client id is inside the bytes that do not decode; skipping it the same
    /// way on every node keeps the replicas identical.
    pub fn apply(&mut self, entry: &Entry) -> Option<Applied> {
        debug_assert_eq!(
            entry.index,
            self.last_applied + 1,
            "entries must be applied in log order without gaps"
        );
        self.last_applied = entry.index;
        let Payload::Command(bytes) = &entry.payload else {
            return None;
        };
        let command = Command::decode(bytes).ok()?;
        Some(self.apply_command(command, entry.index))
    }

    /// Applies a decoded command once per client sequence number (thesis §6.3).
    fn apply_command(&mut self, command: Command, index: Index) -> Applied {
        let Command {
            client_id,
            sequence,
            operation,
        } = command;
        if let Some(session) = self.sessions.get_mut(&client_id) {
            session.last_active_index = index;
            if sequence <= session.last_sequence {
                let response = if sequence == session.last_sequence {
                    session.response.clone()
                } else {
                    Response::Forgotten {
                        last_sequence: session.last_sequence,
                    }
                };
                return Applied {
                    index,
                    client_id,
                    sequence,
                    response,
                    duplicate: true,
                };
            }
        } else {
            self.make_room_for_a_session();
        }
        let response = self.execute(operation);
        let session = Session {
            last_sequence: sequence,
            response: response.clone(),
            last_active_index: index,
        };
        self.sessions.insert(client_id, session);
        debug_assert!(self.sessions.len() <= MAX_SESSIONS, "too many sessions");
        Applied {
            index,
            client_id,
            sequence,
            response,
            duplicate: false,
        }
    }

    /// Evicts sessions, least recently active first, until one more fits. The order depends only
    /// on the log (the index of each client's last command, then the client id), so every node
    /// evicts the same clients.
    ///
    /// A scan is enough: it runs only when a new client arrives at a full table, and the table
    /// is bounded by [`MAX_SESSIONS`].
    fn make_room_for_a_session(&mut self) {
        while self.sessions.len() >= MAX_SESSIONS {
            let least_recently_active = self
                .sessions
                .iter()
                .min_by_key(|(client_id, session)| (session.last_active_index, **client_id))
                .map(|(client_id, _)| *client_id);
            match least_recently_active {
                Some(client_id) => self.sessions.remove(&client_id),
                None => break,
            };
        }
    }

    /// Executes an operation on the data. Every node gets the same response from the same data.
    fn execute(&mut self, operation: Operation) -> Response {
        match operation {
            Operation::Get { key } => Response::Value(self.data.get(&key).cloned()),
            Operation::Put { key, value } => {
                self.data.insert(key, value);
                Response::Done
            }
            Operation::Delete { key } => {
                self.data.remove(&key);
                Response::Done
            }
            Operation::CompareAndSet { key, expected, new } => {
                let current = self.data.get(&key);
                if current != expected.as_ref() {
                    return Response::CompareAndSet {
                        succeeded: false,
                        current: current.cloned(),
                    };
                }
                match &new {
                    Some(value) => self.data.insert(key, value.clone()),
                    None => self.data.remove(&key),
                };
                Response::CompareAndSet {
                    succeeded: true,
                    current: new,
                }
            }
            Operation::Barrier { backup_id } => Response::Barrier { backup_id },
        }
    }

    /// The value of `key`, as of the last applied entry.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.data.get(key).map(String::as_str)
    }

    /// Every key and value, in key order.
    pub fn data(&self) -> &BTreeMap<String, String> {
        &self.data
    }

    /// Every client session, in client id order.
    pub fn sessions(&self) -> &LiteMap<u64, Session> {
        &self.sessions
    }

    /// The index of the last entry applied.
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }

    /// The store's state (data, sessions, last applied index) as snapshot data. Stores that
    /// applied the same entries produce the same bytes, so the bytes can be hashed to compare
    /// replicas. `Store::new().snapshot_data()` is the data of a brand-new cluster's bootstrap
    /// snapshot.
    pub fn snapshot_data(&self) -> Bytes {
        self.encode_snapshot(&self.sessions)
    }

    /// The snapshot data of a store that leaves its client sessions out: what a driver writes
    /// with the bug switch `snapshot_without_sessions` on. Thesis §6.3 puts the sessions in
    /// the snapshot because they are part of the state machine: a store restored from these
    /// bytes has the data but no sessions, so it executes a retried command again.
    pub fn snapshot_data_without_sessions(&self) -> Bytes {
        self.encode_snapshot(&LiteMap::new())
    }

    fn encode_snapshot(&self, sessions: &LiteMap<u64, Session>) -> Bytes {
        let view = SnapshotView {
            last_applied: self.last_applied,
            data: &self.data,
            sessions,
        };
        encode(&view, "the store's snapshot data")
    }

    /// The store a snapshot describes, after which `last_applied() ==
    /// snapshot.last_included_index`. Data that does not decode, or that contradicts the
    /// snapshot or the store's invariants, is an error: the snapshot may have come from a peer.
    pub fn restore(snapshot: &Snapshot) -> Result<Store, KvError> {
        let decoded: SnapshotData = decode_exact(&snapshot.data, "snapshot data")?;
        if decoded.last_applied != snapshot.last_included_index {
            return Err(KvError::SnapshotIndexMismatch {
                encoded: decoded.last_applied,
                last_included_index: snapshot.last_included_index,
            });
        }
        let sessions = sessions_by_client(decoded.sessions)?;
        let from_the_future = sessions
            .iter()
            .find(|(_, session)| session.last_active_index > decoded.last_applied);
        if let Some((&client_id, session)) = from_the_future {
            return Err(KvError::SessionAfterSnapshot {
                client_id,
                last_active_index: session.last_active_index,
                last_applied: decoded.last_applied,
            });
        }
        Ok(Store {
            data: decoded.data,
            sessions,
            last_applied: decoded.last_applied,
        })
    }
}

/// A snapshot's sessions by client id, the last of a repeated id kept, or an error if there are
/// more clients than a store keeps. Clients are counted first when the entries could be too
/// many, so that a table that would be refused is never built entry by entry.
fn sessions_by_client(entries: Vec<(u64, Session)>) -> Result<LiteMap<u64, Session>, KvError> {
    if entries.len() > MAX_SESSIONS {
        let mut clients = BTreeSet::new();
        for (client_id, _) in &entries {
            clients.insert(*client_id);
        }
        if clients.len() > MAX_SESSIONS {
            return Err(KvError::TooManySessions {
                count: clients.len(),
                max: MAX_SESSIONS,
            });
        }
    }
    let mut sessions = LiteMap::new();
    for (client_id, session) in entries {
        sessions.insert(client_id, session);
    }
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::Membership;

    fn session(last_active_index: Index) -> Session {
        Session {
            last_sequence: 1,
            response: Response::Done,
            last_active_index,
        }
    }

    /// A full store whose sessions were all last active at index 5: a log never produces such a
    /// tie, but a snapshot may claim one, and eviction must still pick the same client everywhere.
    fn full_store_with_tied_sessions() -> Store {
        Store {
            data: BTreeMap::new(),
            sessions: (1..=MAX_SESSIONS as u64)
                .rev()
                .map(|client_id| (client_id * 3, session(5)))
                .collect(),
            last_applied: 5,
        }
    }

    #[test]
    fn eviction_ties_go_to_the_smallest_client_id() {
        let mut store = full_store_with_tied_sessions();
        let command = Command {
            client_id: 1,
            sequence: 1,
            operation: Operation::Get { key: "x".into() },
        };
        store.apply_command(command, 6);
        assert_eq!(store.sessions.len(), MAX_SESSIONS);
        assert!(!store.sessions.contains_key(&3));
        assert!(store.sessions.contains_key(&6));
        assert!(store.sessions.contains_key(&1));
    }

    fn snapshot_of(store: &Store) -> Snapshot {
        let view = SnapshotView {
            last_applied: store.last_applied,
            data: &store.data,
            sessions: &store.sessions,
        };
        Snapshot {
            last_included_index: store.last_applied,
            last_included_term: 1,
            membership: Membership::with_voters(1),
            data: encode(&view, "test snapshot"),
        }
    }

    #[test]
    fn restore_refuses_more_sessions_than_the_bound() {
        let mut store = full_store_with_tied_sessions();
        store.sessions.insert(1, session(5));
        let error = Store::restore(&snapshot_of(&store)).unwrap_err();
        let expected = KvError::TooManySessions {
            count: MAX_SESSIONS + 1,
            max: MAX_SESSIONS,
        };
        assert_eq!(error, expected);
    }

    #[test]
    fn restore_keeps_the_last_of_a_repeated_client_as_a_map_would() {
        // The snapshot layout, written by hand with client 7 twice and out of order.
        let entries = vec![(9_u64, session(2)), (7, session(1)), (7, session(3))];
        let data = encode(
            &(5_u64, BTreeMap::<String, String>::new(), entries),
            "test snapshot",
        );
        let snapshot = Snapshot {
            last_included_index: 5,
            last_included_term: 1,
            membership: Membership::with_voters(1),
            data,
        };
        let store = Store::restore(&snapshot).expect("restores");
        let clients: Vec<(u64, Index)> = store
            .sessions()
            .iter()
            .map(|(client_id, session)| (*client_id, session.last_active_index))
            .collect();
        assert_eq!(clients, vec![(7, 3), (9, 2)]);
    }

    #[test]
    fn restore_refuses_a_session_active_after_the_snapshot() {
        let mut store = Store::new();
        store.last_applied = 4;
        store.sessions.insert(7, session(5));
        let error = Store::restore(&snapshot_of(&store)).unwrap_err();
        assert!(matches!(
            error,
            KvError::SessionAfterSnapshot { client_id: 7, .. }
        ));
        assert!(error.to_string().contains("client 7"), "{error}");
    }
}
