//! The store through its public face: entries in, responses and snapshots out.

use super::*;
use crate::raft::{Entry, Membership, Payload, Snapshot};

/// A store and the log it has applied so far, so each test reads as a list of commands.
#[derive(Default)]
struct Replica {
    store: Store,
    log: Vec<Entry>,
}

impl Replica {
    fn append(&mut self, payload: Payload) -> Option<Applied> {
        let entry = Entry {
            index: self.log.len() as u64 + 1,
            term: 1,
            payload,
        };
        let applied = self.store.apply(&entry);
        self.log.push(entry);
        applied
    }

    fn command(&mut self, client_id: u64, sequence: u64, operation: Operation) -> Applied {
        let command = Command {
            client_id,
            sequence,
            operation,
        };
        self.append(Payload::Command(command.encode()))
            .expect("a well-formed command is always answered")
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            last_included_index: self.store.last_applied(),
            last_included_term: 1,
            membership: Membership::with_voters(3),
            data: self.store.snapshot_data(),
        }
    }
}

fn get(key: &str) -> Operation {
    Operation::Get { key: key.into() }
}

fn put(key: &str, value: &str) -> Operation {
    Operation::Put {
        key: key.into(),
        value: value.into(),
    }
}

fn compare_and_set(key: &str, expected: Option<&str>, new: Option<&str>) -> Operation {
    Operation::CompareAndSet {
        key: key.into(),
        expected: expected.map(String::from),
        new: new.map(String::from),
    }
}

fn cas_response(succeeded: bool, current: Option<&str>) -> Response {
    Response::CompareAndSet {
        succeeded,
        current: current.map(String::from),
    }
}

#[test]
fn put_then_get_then_delete() {
    let mut replica = Replica::default();
    assert_eq!(
        replica.command(1, 1, get("x")).response,
        Response::Value(None)
    );
    assert_eq!(
        replica.command(1, 2, put("x", "1")).response,
        Response::Done
    );
    assert_eq!(
        replica.command(1, 3, put("x", "2")).response,
        Response::Done
    );
    let read = replica.command(1, 4, get("x"));
    assert_eq!(read.response, Response::Value(Some("2".into())));
    assert_eq!((read.index, read.client_id, read.sequence), (4, 1, 4));
    assert!(!read.duplicate);
    assert_eq!(replica.store.get("x"), Some("2"));
    let delete = Operation::Delete { key: "x".into() };
    assert_eq!(replica.command(1, 5, delete).response, Response::Done);
    assert_eq!(replica.store.get("x"), None);
    assert!(replica.store.data().is_empty());
    assert_eq!(replica.store.last_applied(), 5);
}

#[test]
fn compare_and_set_swaps_only_on_a_match() {
    let mut replica = Replica::default();
    // Expecting a value of an absent key fails, and reports it absent.
    let result = replica.command(1, 1, compare_and_set("x", Some("a"), Some("b")));
    assert_eq!(result.response, cas_response(false, None));
    assert_eq!(replica.store.get("x"), None);
    // Expecting absence of an absent key succeeds: create-if-absent.
    let result = replica.command(1, 2, compare_and_set("x", None, Some("a")));
    assert_eq!(result.response, cas_response(true, Some("a")));
    // Expecting absence of a present key fails, and reports its value.
    let result = replica.command(1, 3, compare_and_set("x", None, Some("b")));
    assert_eq!(result.response, cas_response(false, Some("a")));
    // A mismatched value fails and changes nothing.
    let result = replica.command(1, 4, compare_and_set("x", Some("z"), Some("b")));
    assert_eq!(result.response, cas_response(false, Some("a")));
    assert_eq!(replica.store.get("x"), Some("a"));
    // A matching value swaps.
    let result = replica.command(1, 5, compare_and_set("x", Some("a"), Some("b")));
    assert_eq!(result.response, cas_response(true, Some("b")));
    assert_eq!(replica.store.get("x"), Some("b"));
    // A matching value with `new: None` deletes.
    let result = replica.command(1, 6, compare_and_set("x", Some("b"), None));
    assert_eq!(result.response, cas_response(true, None));
    assert!(replica.store.data().is_empty());
}

#[test]
fn entries_without_a_command_only_advance_last_applied() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    assert_eq!(replica.append(Payload::Noop), None);
    let membership = Membership::with_voters(5);
    assert_eq!(replica.append(Payload::Membership(membership)), None);
    assert_eq!(replica.store.last_applied(), 3);
    assert_eq!(replica.store.get("x"), Some("1"));
    assert_eq!(replica.store.sessions()[&1].last_active_index, 1);
}

#[test]
fn a_command_that_does_not_decode_is_skipped() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    let before = replica.store.clone();
    let garbage = Bytes::from(vec![0xff; 7]);
    assert_eq!(replica.append(Payload::Command(garbage)), None);
    assert_eq!(replica.store.last_applied(), 2);
    assert_eq!(replica.store.data(), before.data());
    assert_eq!(replica.store.sessions(), before.sessions());
}

#[test]
fn barrier_changes_nothing_but_is_answered_with_its_index() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    let barrier = replica.command(9, 1, Operation::Barrier { backup_id: 42 });
    assert_eq!(barrier.response, Response::Barrier { backup_id: 42 });
    assert_eq!(barrier.index, 2);
    assert_eq!(replica.store.data().len(), 1);
}

/// Thesis §6.3: "If it receives a command whose serial number has already been executed, it
/// responds immediately without re-executing the request."
#[test]
fn a_retried_command_is_applied_once_and_answered_the_same() {
    let mut replica = Replica::default();
    let first = replica.command(1, 1, compare_and_set("x", None, Some("a")));
    assert_eq!(first.response, cas_response(true, Some("a")));
    replica.command(2, 1, put("x", "b"));
    // Executed again, the swap would fail (x is "b" now) and would set x back to "a".
    let retry = replica.command(1, 1, compare_and_set("x", None, Some("a")));
    assert!(retry.duplicate);
    assert_eq!(retry.response, first.response);
    assert_eq!(replica.store.get("x"), Some("b"));
    // A retried read answers the value it read the first time, not today's.
    let read = replica.command(3, 1, get("x"));
    replica.command(2, 2, put("x", "c"));
    let read_retry = replica.command(3, 1, get("x"));
    assert_eq!(read_retry.response, read.response);
    assert_eq!(read_retry.response, Response::Value(Some("b".into())));
    // The retry counts as activity.
    assert_eq!(replica.store.sessions()[&3].last_active_index, 6);
}

#[test]
fn an_older_sequence_is_answered_as_forgotten_and_not_applied() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    replica.command(1, 2, put("x", "2"));
    let stale = replica.command(1, 1, put("x", "1"));
    assert!(stale.duplicate);
    assert_eq!(stale.response, Response::Forgotten { last_sequence: 2 });
    assert_eq!(replica.store.get("x"), Some("2"));
    // The session still remembers sequence 2's answer.
    let session = &replica.store.sessions()[&1];
    assert_eq!(
        (session.last_sequence, &session.response),
        (2, &Response::Done)
    );
}

#[test]
fn sequence_numbers_may_skip_but_never_go_back() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    let skipped = replica.command(1, 5, put("x", "5"));
    assert!(!skipped.duplicate);
    assert!(replica.command(1, 3, put("x", "3")).duplicate);
    assert_eq!(replica.store.get("x"), Some("5"));
}

/// Fills the session table with clients `1..=MAX_SESSIONS`, in that order.
fn replica_with_full_sessions() -> Replica {
    let mut replica = Replica::default();
    for client_id in 1..=MAX_SESSIONS as u64 {
        replica.command(client_id, 1, put("x", "1"));
    }
    assert_eq!(replica.store.sessions().len(), MAX_SESSIONS);
    replica
}

#[test]
fn a_new_client_at_the_bound_evicts_the_least_recently_active() {
    let mut replica = replica_with_full_sessions();
    // Client 1 was first, but a retry makes it recent: client 2 is now the oldest.
    replica.command(1, 1, put("x", "1"));
    let newcomer = MAX_SESSIONS as u64 + 1;
    replica.command(newcomer, 1, put("y", "1"));
    let sessions = replica.store.sessions();
    assert_eq!(sessions.len(), MAX_SESSIONS);
    assert!(sessions.contains_key(&1));
    assert!(!sessions.contains_key(&2));
    assert!(sessions.contains_key(&3));
    assert!(sessions.contains_key(&newcomer));
    // A known client's new command evicts nobody.
    replica.command(3, 2, put("x", "2"));
    assert_eq!(replica.store.sessions().len(), MAX_SESSIONS);
    assert!(replica.store.sessions().contains_key(&4));
}

#[test]
fn an_evicted_client_starts_a_new_session() {
    // The known cost of bounding sessions (thesis §6.3 makes the same trade): a command retried
    // after its session was evicted executes again.
    let mut replica = replica_with_full_sessions();
    replica.command(MAX_SESSIONS as u64 + 1, 1, put("y", "1"));
    assert!(!replica.store.sessions().contains_key(&1));
    let retry = replica.command(1, 1, put("x", "1"));
    assert!(!retry.duplicate);
    assert_eq!(replica.store.sessions().len(), MAX_SESSIONS);
}

#[test]
fn replicas_that_apply_the_same_log_agree_byte_for_byte() {
    let mut first = replica_with_full_sessions();
    for client_id in 0..20 {
        first.command(10_000 + client_id, 1, compare_and_set("k", None, Some("v")));
        first.command(
            client_id * 7 % 50 + 1,
            2,
            put(&format!("key{client_id}"), "v"),
        );
    }
    let mut second = Replica::default();
    for entry in &first.log {
        second.store.apply(entry);
        second.log.push(entry.clone());
    }
    assert_eq!(second.store, first.store);
    assert_eq!(second.store.snapshot_data(), first.store.snapshot_data());
    // And the bytes do tell different states apart.
    second.command(1, 3, put("x", "other"));
    assert_ne!(second.store.snapshot_data(), first.store.snapshot_data());
}

#[test]
fn snapshot_then_restore_gives_the_same_store() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    replica.command(2, 1, compare_and_set("y", None, Some("2")));
    replica.append(Payload::Noop);
    let restored = Store::restore(&replica.snapshot()).expect("own snapshot restores");
    assert_eq!(restored, replica.store);
    assert_eq!(restored.data(), replica.store.data());
    assert_eq!(restored.sessions(), replica.store.sessions());
    assert_eq!(restored.last_applied(), 3);
    // Sessions survive: a retry after the restore is still answered, not executed again.
    let mut continued = Replica {
        store: restored,
        log: replica.log.clone(),
    };
    let retry = continued.command(2, 1, compare_and_set("y", None, Some("2")));
    assert!(retry.duplicate);
    assert_eq!(retry.response, cas_response(true, Some("2")));
}

/// The bug switch `snapshot_without_sessions`: the data survives the snapshot, the sessions do
/// not (thesis §6.3 says they must), so the same retry that a full snapshot answers from its
/// session is executed a second time.
#[test]
fn a_snapshot_without_sessions_executes_a_retry_again() {
    let mut replica = Replica::default();
    replica.command(1, 1, compare_and_set("y", None, Some("2")));
    replica.command(2, 1, put("y", "3"));
    let snapshot = Snapshot {
        data: replica.store.snapshot_data_without_sessions(),
        ..replica.snapshot()
    };
    let restored = Store::restore(&snapshot).expect("a snapshot without sessions restores");
    assert_eq!(restored.data(), replica.store.data());
    assert_eq!(restored.last_applied(), 2);
    assert!(restored.sessions().is_empty());
    let mut continued = Replica {
        store: restored,
        log: replica.log.clone(),
    };
    let retry = continued.command(1, 1, compare_and_set("y", None, Some("2")));
    assert!(
        !retry.duplicate,
        "without its session the retry executes again"
    );
    assert_eq!(retry.response, cas_response(false, Some("3")));
}

#[test]
fn a_new_stores_snapshot_data_bootstraps_a_node() {
    let data = Store::new().snapshot_data();
    let snapshot = Snapshot::bootstrap(Membership::with_voters(3), data);
    let restored = Store::restore(&snapshot).expect("bootstrap data restores");
    assert_eq!(restored, Store::new());
    assert_eq!(restored.last_applied(), 0);
}

#[test]
fn restore_refuses_data_taken_at_another_index() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    let mut snapshot = replica.snapshot();
    snapshot.last_included_index = 2;
    let error = Store::restore(&snapshot).unwrap_err();
    assert_eq!(
        error,
        KvError::SnapshotIndexMismatch {
            encoded: 1,
            last_included_index: 2
        }
    );
    assert!(
        error.to_string().contains("last included index is 2"),
        "{error}"
    );
}

#[test]
fn restore_refuses_garbage_and_truncated_data() {
    let mut replica = Replica::default();
    replica.command(1, 1, put("x", "1"));
    let snapshot = replica.snapshot();
    for length in 0..snapshot.data.len() {
        let truncated = Snapshot {
            data: Bytes::from(&snapshot.data[..length]),
            ..snapshot.clone()
        };
        assert!(
            Store::restore(&truncated).is_err(),
            "snapshot data cut to {length} bytes restored"
        );
    }
    let mut padded = snapshot.data.to_vec();
    padded.push(0);
    let padded = Snapshot {
        data: Bytes::from(padded),
        ..snapshot
    };
    let error = Store::restore(&padded).unwrap_err();
    assert!(
        matches!(error, KvError::TrailingBytes { count: 1, .. }),
        "{error}"
    );
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "in log order")]
fn applying_out_of_order_is_a_bug() {
    let mut store = Store::new();
    store.apply(&Entry {
        index: 2,
        term: 1,
        payload: Payload::Noop,
    });
}
