//! Clients of the key-value store. A client runs one operation at a time: it sends it to a
//! node, follows "not the leader" hints, retries with the same sequence number when an answer
//! does not come in time (so the session table applies it once), and gives up after a bounded
//! number of attempts. Workload clients then pick their next operation; clients created for a
//! timeline action run one operation and stop.
//!
//! This module decides; the simulation sends and schedules.

use std::collections::BTreeMap;

use super::network::Reply;
use super::rng::Stream;
use crate::kv::{self, Command, Operation};
use crate::raft::NodeId;
use crate::scenario::{ReadKind, Workload};

/// How long a client waits for an answer before trying again.
pub const CLIENT_TIMEOUT_US: u64 = 500_000;
/// Attempts per operation before the client gives up.
pub const MAX_ATTEMPTS: u32 = 10;
/// The pause before retrying when there is nothing better to do (no leader known, busy).
pub const RETRY_BACKOFF_US: u64 = 50_000;
/// Operations per second one workload client is asked for at most; more clients share a
/// higher rate (each client runs one operation at a time).
pub const OPERATIONS_PER_CLIENT: u64 = 5;
/// Workload clients have ids `1..=workload_clients(rate)`, at most this many.
pub const MAX_WORKLOAD_CLIENTS: u64 = 32;

/// How many clients share a workload of `rate` operations per second.
pub fn workload_clients(rate: u64) -> u64 {
    rate.div_ceil(OPERATIONS_PER_CLIENT)
        .clamp(1, MAX_WORKLOAD_CLIENTS)
}
/// Clients for timeline actions have ids from here on.
pub const FIRST_ACTION_CLIENT: u64 = 1_000;

#[derive(Clone, Debug)]
pub struct Client {
    pub id: u64,
    pub workload: bool,
    next_sequence: u64,
    /// The node this client asks next.
    pub target: NodeId,
    pub call: Option<Call>,
    /// When this client last started an operation: the next one is paced from there.
    pub last_start_us: u64,
    issued: u64,
    /// The last value this client saw for each key, for compare-and-set expectations. A key
    /// last seen absent is left out, as one never seen is: both expect absence. (A map to
    /// `Option<String>` was wasm of its own; this is the store's map type.)
    seen: BTreeMap<String, String>,
    /// Which scheduled wake-up counts: each new one supersedes the last, so a wake-up armed
    /// for a retry that an answer made unnecessary does nothing.
    wake: u32,
}

/// The operation a client is waiting on.
#[derive(Clone, Debug)]
pub struct Call {
    pub op_id: u64,
    pub command: Command,
    pub read: ReadKind,
    pub attempt: u32,
    /// An attempt may have been appended to the log (it timed out, its position was lost, or
    /// a copy of it travelled that a refusal of the other does not account for): if the client
    /// gives up, the outcome is unknown rather than failed.
    pub may_have_taken_effect: bool,
}

/// What the client does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing: the answer was for an older attempt.
    Ignore,
    /// The operation finished.
    Finished,
    /// Send the next attempt to `target` after `delay_us`.
    Retry { delay_us: u64 },
    /// Too many attempts: give up.
    GiveUp,
}

impl Client {
    pub fn new(id: u64, workload: bool, target: NodeId) -> Self {
        Client {
            id,
            workload,
            next_sequence: 1,
            target,
            call: None,
            last_start_us: 0,
            issued: 0,
            seen: BTreeMap::new(),
            wake: 0,
        }
    }

    /// Arms a wake-up, superseding any armed before: returns its number.
    pub fn arm_wake(&mut self) -> u32 {
        self.wake = self.wake.wrapping_add(1);
        self.wake
    }

    /// Whether wake-up `wake` is the one armed last.
    pub fn is_armed(&self, wake: u32) -> bool {
        self.wake == wake
    }

    /// Starts `operation` as this client's next command.
    pub fn start(&mut self, op_id: u64, operation: Operation, read: ReadKind) -> Command {
        let command = Command {
            client_id: self.id,
            sequence: self.next_sequence,
            operation,
        };
        self.next_sequence += 1;
        self.issued += 1;
        self.call = Some(Call {
            op_id,
            command: command.clone(),
            read,
            attempt: 1,
            may_have_taken_effect: false,
        });
        command
    }

    /// A workload client's next operation: a read or a write in the configured proportion, on
    /// a random key; writes are compare-and-sets in the configured share, else puts (one in
    /// ten a delete). Values are unique, so the history says exactly which write a read saw.
    pub fn next_workload_operation(
        &self,
        workload: &Workload,
        random: &mut Stream,
    ) -> (Operation, ReadKind) {
        let key = format!("k{}", random.below(u64::from(workload.keys.max(1))));
        let total = u64::from(workload.writes_per_sec) + u64::from(workload.reads_per_sec);
        if random.below(total.max(1)) < u64::from(workload.reads_per_sec) {
            return (Operation::Get { key }, workload.read);
        }
        let value = format!("{}.{}", self.id, self.issued + 1);
        if random.below(100) < u64::from(workload.cas_percent) {
            let expected = self.seen.get(&key).cloned();
            return (
                Operation::CompareAndSet {
                    key,
                    expected,
                    new: Some(value),
                },
                ReadKind::ReadIndex,
            );
        }
        if random.below(10) == 0 {
            return (Operation::Delete { key }, ReadKind::ReadIndex);
        }
        (Operation::Put { key, value }, ReadKind::ReadIndex)
    }

    /// A node answered `attempt` of command `sequence`.
    pub fn on_reply(
        &mut self,
        sequence: u64,
        attempt: u32,
        reply: &Reply,
        nodes: &[NodeId],
    ) -> Next {
        let Some(call) = self.call.as_mut() else {
            return Next::Ignore;
        };
        if call.command.sequence != sequence || attempt > call.attempt {
            return Next::Ignore; // An answer to an earlier command.
        }
        if attempt < call.attempt {
            // Every attempt carries the same session number, so the store applied the command
            // once whichever attempt answers: a result is as good as the current attempt's.
            // Anything else speaks of a node the client has already moved on from.
            return match reply {
                Reply::Done(response) => {
                    self.remember(response);
                    Next::Finished
                }
                _ => Next::Ignore,
            };
        }
        match reply {
            Reply::Done(response) => {
                self.remember(response);
                Next::Finished
            }
            Reply::Redirect {
                leader_hint: Some(leader),
            } if nodes.contains(leader) => {
                self.target = *leader;
                self.next_attempt(0)
            }
            Reply::Redirect { .. } | Reply::Busy(_) => {
                self.target = next_node(nodes, self.target);
                self.next_attempt(RETRY_BACKOFF_US)
            }
            Reply::Lost => {
                call.may_have_taken_effect = true;
                self.next_attempt(0)
            }
        }
    }

    /// A copy of a request of command `sequence` was made on the network: a refusal answers
    /// one copy only, and the other may be appended.
    pub fn on_request_copied(&mut self, sequence: u64) {
        if let Some(call) = self.call.as_mut()
            && call.command.sequence == sequence
            && !matches!(call.command.operation, Operation::Get { .. })
        {
            call.may_have_taken_effect = true;
        }
    }

    /// No answer to `attempt` of command `sequence` in time: it may have taken effect; ask
    /// another node.
    pub fn on_timeout(&mut self, sequence: u64, attempt: u32, nodes: &[NodeId]) -> Next {
        let Some(call) = self.call.as_mut() else {
            return Next::Ignore;
        };
        if (call.command.sequence, call.attempt) != (sequence, attempt) {
            return Next::Ignore;
        }
        if !matches!(call.command.operation, Operation::Get { .. }) {
            call.may_have_taken_effect = true;
        }
        self.target = next_node(nodes, self.target);
        self.next_attempt(0)
    }

    fn next_attempt(&mut self, delay_us: u64) -> Next {
        let call = self.call.as_mut().expect("checked by callers");
        if call.attempt >= MAX_ATTEMPTS {
            return Next::GiveUp;
        }
        call.attempt += 1;
        Next::Retry { delay_us }
    }

    fn remember(&mut self, response: &kv::Response) {
        let Some(call) = &self.call else { return };
        let key = match &call.command.operation {
            Operation::Get { key }
            | Operation::Put { key, .. }
            | Operation::Delete { key }
            | Operation::CompareAndSet { key, .. } => key.clone(),
            Operation::Barrier { .. } => return,
        };
        let value = match (&call.command.operation, response) {
            (_, kv::Response::Value(value)) => value.clone(),
            (_, kv::Response::CompareAndSet { current, .. }) => current.clone(),
            (Operation::Put { value, .. }, _) => Some(value.clone()),
            (Operation::Delete { .. }, _) => None,
            _ => return,
        };
        match value {
            Some(value) => self.seen.insert(key, value),
            None => self.seen.remove(&key),
        };
    }
}

/// The node after `current` in `nodes`, wrapping around.
fn next_node(nodes: &[NodeId], current: NodeId) -> NodeId {
    nodes
        .iter()
        .copied()
        .find(|&node| node > current)
        .or_else(|| nodes.first().copied())
        .unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_with_call() -> Client {
        let mut client = Client::new(1, true, 1);
        client.start(
            0,
            Operation::Put {
                key: "k".into(),
                value: "v".into(),
            },
            ReadKind::ReadIndex,
        );
        client
    }

    #[test]
    fn a_redirect_goes_to_the_hinted_leader_at_once() {
        let mut client = client_with_call();
        let next = client.on_reply(
            1,
            1,
            &Reply::Redirect {
                leader_hint: Some(3),
            },
            &[1, 2, 3],
        );
        assert_eq!(next, Next::Retry { delay_us: 0 });
        assert_eq!(client.target, 3);
        assert_eq!(client.call.as_ref().unwrap().attempt, 2);
        assert!(
            !client.call.as_ref().unwrap().may_have_taken_effect,
            "a redirect means it was never appended"
        );
    }

    #[test]
    fn a_timeout_retries_elsewhere_with_the_same_sequence_number() {
        let mut client = client_with_call();
        let sequence = client.call.as_ref().unwrap().command.sequence;
        assert_eq!(
            client.on_timeout(1, 1, &[1, 2, 3]),
            Next::Retry { delay_us: 0 }
        );
        assert_eq!(client.target, 2);
        let call = client.call.as_ref().unwrap();
        assert_eq!(call.command.sequence, sequence);
        assert!(call.may_have_taken_effect);
        assert_eq!(
            client.on_timeout(1, 1, &[1, 2, 3]),
            Next::Ignore,
            "a stale timeout"
        );
        assert_eq!(
            client.on_timeout(0, 2, &[1, 2, 3]),
            Next::Ignore,
            "a timeout of an earlier command"
        );
    }

    #[test]
    fn a_result_for_an_earlier_attempt_finishes_the_call() {
        let mut client = client_with_call();
        client.on_timeout(1, 1, &[1, 2, 3]);
        let done = Reply::Done(kv::Response::Done);
        assert_eq!(
            client.on_reply(1, 1, &done, &[1, 2, 3]),
            Next::Finished,
            "the session applied the command once, whichever attempt answers"
        );
        assert_eq!(client.seen.get("k"), Some(&"v".to_string()));
    }

    #[test]
    fn a_refusal_of_an_earlier_attempt_changes_nothing() {
        let mut client = client_with_call();
        client.on_timeout(1, 1, &[1, 2, 3]);
        let (target, attempt) = (client.target, client.call.as_ref().unwrap().attempt);
        for reply in [
            Reply::Redirect {
                leader_hint: Some(3),
            },
            Reply::Busy("no leader".into()),
            Reply::Lost,
        ] {
            assert_eq!(client.on_reply(1, 1, &reply, &[1, 2, 3]), Next::Ignore);
        }
        assert_eq!(client.target, target);
        assert_eq!(client.call.as_ref().unwrap().attempt, attempt);
        let done = Reply::Done(kv::Response::Done);
        assert_eq!(
            client.on_reply(1, 3, &done, &[1, 2, 3]),
            Next::Ignore,
            "an attempt not yet made cannot answer"
        );
        assert_eq!(
            client.on_reply(0, 1, &done, &[1, 2, 3]),
            Next::Ignore,
            "an answer to an earlier command"
        );
    }

    #[test]
    fn a_later_wake_up_supersedes_an_earlier_one() {
        let mut client = client_with_call();
        let first = client.arm_wake();
        let second = client.arm_wake();
        assert!(!client.is_armed(first));
        assert!(client.is_armed(second));
    }

    #[test]
    fn attempts_are_bounded() {
        let mut client = client_with_call();
        for attempt in 1..MAX_ATTEMPTS {
            assert!(matches!(
                client.on_timeout(1, attempt, &[1, 2]),
                Next::Retry { .. }
            ));
        }
        assert_eq!(client.on_timeout(1, MAX_ATTEMPTS, &[1, 2]), Next::GiveUp);
    }

    #[test]
    fn workload_mixes_reads_and_writes_in_proportion() {
        let workload = Workload {
            writes_per_sec: 30,
            reads_per_sec: 10,
            keys: 3,
            cas_percent: 50,
            read: ReadKind::Lease,
        };
        let client = Client::new(1, true, 1);
        let mut random = Stream::new(9, "clients");
        let mut reads = 0;
        let mut cas = 0;
        for _ in 0..4_000 {
            match client.next_workload_operation(&workload, &mut random) {
                (Operation::Get { key }, read) => {
                    assert_eq!(read, ReadKind::Lease);
                    assert!(["k0", "k1", "k2"].contains(&key.as_str()));
                    reads += 1;
                }
                (Operation::CompareAndSet { .. }, _) => cas += 1,
                _ => {}
            }
        }
        assert!(
            (900..1_100).contains(&reads),
            "a quarter are reads: {reads}"
        );
        assert!(
            (1_350..1_650).contains(&cas),
            "half the writes are compare-and-sets: {cas}"
        );
    }
}
