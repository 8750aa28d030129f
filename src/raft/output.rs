//! The value a node hands back after each input: what the driver must do, in order.

use serde::{Deserialize, Serialize};

use super::message::Message;
use super::types::{Entry, HardState, Index, Snapshot};

/// What the driver must do after an input, in exactly this order:
///
/// 1. **Persist** `persist` (see [`PersistWrite`]), and wait until it is durable; then report
///    the write with [`RaftNode::persisted_to`](super::RaftNode::persisted_to) (for
///    [`Output::persisted_position`]), so a leader can count its own copy.
/// 2. **Send** `messages`. They may depend on step 1 (a vote, an acknowledged entry), so they
///    must not leave before it is durable; if the node crashes first, they are never sent.
/// 3. **Restore** the state machine from `restore`, if set (a snapshot from the leader).
/// 4. **Apply** `committed_entries` in order, then call
///    [`RaftNode::applied_to`](super::RaftNode::applied_to) with the last index applied.
/// 5. **Answer** `reads`: each read may be served from the state machine once it has applied
///    `read_index`.
///
/// Outputs must be carried out in the order they were taken: a later output's messages may
/// depend on an earlier output's write.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub persist: PersistWrite,
    pub messages: Vec<Message>,
    pub restore: Option<Snapshot>,
    pub committed_entries: Vec<Entry>,
    pub reads: Vec<ReadResult>,
}

impl Output {
    /// The log position to report with `persisted_to` once this output's write is durable.
    pub fn persisted_position(&self) -> Option<(Index, super::types::Term)> {
        let entry = self.persist.log.as_ref()?.entries.last()?;
        Some((entry.index, entry.term))
    }

    pub fn is_empty(&self) -> bool {
        self.persist.is_empty()
            && self.messages.is_empty()
            && self.restore.is_none()
            && self.committed_entries.is_empty()
            && self.reads.is_empty()
    }
}

/// A write to the node's disk. [`PersistentState::write`](super::PersistentState::write)
/// carries it out: hard state, then snapshot, then log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistWrite {
    /// Replaces the persisted term and vote.
    pub hard_state: Option<HardState>,
    /// Replaces the persisted snapshot; persisted entries it covers are discarded.
    pub snapshot: Option<Snapshot>,
    /// Rewrites the tail of the persisted log.
    pub log: Option<LogWrite>,
}

impl PersistWrite {
    pub fn is_empty(&self) -> bool {
        self.hard_state.is_none() && self.snapshot.is_none() && self.log.is_none()
    }
}

/// Discard every persisted entry at or after `from_index`, then append `entries` (which, if
/// any, start at `from_index`). An empty `entries` is a pure truncation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogWrite {
    pub from_index: Index,
    pub entries: Vec<Entry>,
}

/// The answer to a read request made with [`RaftNode::read`](super::RaftNode::read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadResult {
    pub read_id: u64,
    pub outcome: Result<Index, ReadError>,
}

/// Why a read could not be confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadError {
    /// This node is not the leader; try the hinted one.
    NotLeader { leader_hint: Option<u64> },
    /// A lease read was asked of a cluster without check-quorum, which leases rely on.
    LeaseNeedsCheckQuorum,
    /// Too many reads are already waiting.
    TooManyPending,
    /// The node stopped leading (or lost its leader, or a forwarded read's answer) before the
    /// read was confirmed.
    LeadershipLost,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotLeader {
                leader_hint: Some(leader),
            } => {
                write!(f, "not the leader (node {leader} may be)")
            }
            ReadError::NotLeader { leader_hint: None } => {
                write!(f, "not the leader, and no leader known")
            }
            ReadError::LeaseNeedsCheckQuorum => write!(f, "lease reads need check-quorum"),
            ReadError::TooManyPending => write!(f, "too many reads pending"),
            ReadError::LeadershipLost => write!(f, "leadership lost before the read was confirmed"),
        }
    }
}
