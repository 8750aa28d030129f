//! The core's vocabulary: log entries, the cluster membership, and the state a node persists.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A server's identity. Ids start at 1; 0 is never a valid id.
pub type NodeId = u64;
/// An election term (paper §5.1). Terms start at 0 and only grow.
pub type Term = u64;
/// A position in the log. The first entry has index 1; index 0 is "before the log".
pub type Index = u64;
/// Immutable bytes shared by every copy of a message, entry or snapshot.
pub type Bytes = Arc<[u8]>;

/// One log entry (paper Figure 2: "each entry contains command for state machine, and term when
/// entry was received by leader").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub index: Index,
    pub term: Term,
    pub payload: Payload,
}

/// What an entry carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Payload {
    /// Appended by every new leader (paper §8, thesis §6.4): committing it commits every earlier
    /// entry and lets the leader answer reads.
    Noop,
    /// A client command, opaque to the core; the state machine decodes it.
    Command(Bytes),
    /// A new cluster membership, in effect on a node as soon as it is in its log (thesis §4.1).
    Membership(Membership),
}

impl Entry {
    /// The size this entry counts for when batching appends: its payload plus a fixed header.
    pub fn size_bytes(&self) -> usize {
        const HEADER_BYTES: usize = 16;
        HEADER_BYTES
            + match &self.payload {
                Payload::Noop => 0,
                Payload::Command(data) => data.len(),
                Payload::Membership(membership) => 8 * membership.len(),
            }
    }
}

/// The servers of the cluster. Voters elect leaders and count towards commitment; learners
/// receive the log but do neither (thesis §4.2.1).
///
/// Invariant: no id is both a voter and a learner, and 0 is in neither set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub voters: BTreeSet<NodeId>,
    pub learners: BTreeSet<NodeId>,
}

/// A single-server membership change (thesis §4.1): the only kind the core accepts, so the old
/// and new majorities always overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MembershipChange {
    /// A new server joins as a learner; the leader promotes it once it has caught up.
    AddLearner(NodeId),
    /// A learner becomes a voter.
    Promote(NodeId),
    /// A voter or learner leaves.
    Remove(NodeId),
}

impl Membership {
    /// A cluster of voters `1..=count`.
    pub fn with_voters(count: u64) -> Self {
        // Built by insertion, not `collect`: collecting into a B-tree sorts a buffer first, and that
        // stable sort is compiled anew for each element type, which weighs on the page's wasm.
        let mut voters = BTreeSet::new();
        voters.extend(1..=count);
        Membership {
            voters,
            learners: BTreeSet::new(),
        }
    }

    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id)
    }

    pub fn is_learner(&self, id: NodeId) -> bool {
        self.learners.contains(&id)
    }

    pub fn contains(&self, id: NodeId) -> bool {
        self.is_voter(id) || self.is_learner(id)
    }

    /// Voters and learners, in id order.
    pub fn members(&self) -> impl Iterator<Item = NodeId> + '_ {
        let mut voters = self.voters.iter().copied().peekable();
        let mut learners = self.learners.iter().copied().peekable();
        std::iter::from_fn(move || match (voters.peek(), learners.peek()) {
            (Some(&voter), Some(&learner)) if voter < learner => voters.next(),
            (Some(_), Some(_)) => learners.next(),
            (Some(_), None) => voters.next(),
            (None, _) => learners.next(),
        })
    }

    pub fn len(&self) -> usize {
        self.voters.len() + self.learners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The membership after `change`, or why `change` does not apply to this membership.
    pub fn changed(&self, change: MembershipChange) -> Result<Membership, MembershipError> {
        let mut next = self.clone();
        match change {
            MembershipChange::AddLearner(id) => {
                if id == 0 {
                    return Err(MembershipError::InvalidId);
                }
                if self.contains(id) {
                    return Err(MembershipError::AlreadyMember(id));
                }
                next.learners.insert(id);
            }
            MembershipChange::Promote(id) => {
                if !next.learners.remove(&id) {
                    return Err(MembershipError::NotLearner(id));
                }
                next.voters.insert(id);
            }
            MembershipChange::Remove(id) => {
                if !next.voters.remove(&id) && !next.learners.remove(&id) {
                    return Err(MembershipError::NotMember(id));
                }
                if next.voters.is_empty() {
                    return Err(MembershipError::LastVoter(id));
                }
            }
        }
        Ok(next)
    }

    /// How many voters `other` adds or removes relative to `self`: single-server changes keep
    /// this at most 1 (thesis §4.1).
    pub fn voter_difference(&self, other: &Membership) -> usize {
        self.voters.symmetric_difference(&other.voters).count()
    }
}

/// Why a membership change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipError {
    InvalidId,
    AlreadyMember(NodeId),
    NotLearner(NodeId),
    NotMember(NodeId),
    LastVoter(NodeId),
}

impl std::fmt::Display for MembershipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MembershipError::InvalidId => write!(f, "node ids start at 1"),
            MembershipError::AlreadyMember(id) => write!(f, "node {id} is already a member"),
            MembershipError::NotLearner(id) => write!(f, "node {id} is not a learner"),
            MembershipError::NotMember(id) => write!(f, "node {id} is not a member"),
            MembershipError::LastVoter(id) => write!(f, "node {id} is the last voter"),
        }
    }
}

/// The part of a node's state that must survive a crash besides the log (paper Figure 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HardState {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
}

/// A snapshot of the state machine (paper §7): it replaces every entry up to and including
/// `last_included_index`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Snapshot {
    pub last_included_index: Index,
    pub last_included_term: Term,
    /// The membership in effect at `last_included_index`.
    pub membership: Membership,
    /// The state machine's own encoding of its state (for the key-value store: the data and
    /// the client sessions). Opaque to the core.
    pub data: Bytes,
}

impl Snapshot {
    /// The empty snapshot a brand-new cluster starts from: nothing applied, `membership` in force.
    pub fn bootstrap(membership: Membership, data: Bytes) -> Self {
        Snapshot {
            last_included_index: 0,
            last_included_term: 0,
            membership,
            data,
        }
    }
}

/// Everything a node has on disk. A restarted node is built from exactly this.
///
/// Invariant: `entries` are contiguous and start at `snapshot.last_included_index + 1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersistentState {
    pub hard_state: HardState,
    pub snapshot: Snapshot,
    pub entries: Vec<Entry>,
}

impl PersistentState {
    /// What a brand-new node has on disk: term 0, no vote, an empty log.
    pub fn bootstrap(membership: Membership, state_machine_data: Bytes) -> Self {
        PersistentState {
            hard_state: HardState::default(),
            snapshot: Snapshot::bootstrap(membership, state_machine_data),
            entries: Vec::new(),
        }
    }

    /// Carries out step 1 of an [`Output`](super::Output): the write the node asked for.
    /// Order matters and is fixed: hard state, then snapshot, then log.
    pub fn write(&mut self, write: &super::PersistWrite) {
        // Entries before this offset were in place (and checked) before this write.
        let mut unchanged = self.entries.len();
        if let Some(hard_state) = write.hard_state {
            self.hard_state = hard_state;
        }
        if let Some(snapshot) = &write.snapshot {
            unchanged = 0;
            let covered = self
                .entries
                .iter()
                .take_while(|entry| entry.index <= snapshot.last_included_index)
                .count();
            self.entries.drain(..covered);
            self.snapshot = snapshot.clone();
        }
        if let Some(log) = &write.log {
            let first = self.snapshot.last_included_index + 1;
            debug_assert!(log.from_index >= first, "log write below the snapshot");
            let keep = (log.from_index.saturating_sub(first) as usize).min(self.entries.len());
            self.entries.truncate(keep);
            self.entries.extend(log.entries.iter().cloned());
            unchanged = unchanged.min(keep);
        }
        debug_assert!(
            self.is_contiguous_from(unchanged),
            "persisted log is not contiguous"
        );
    }

    /// Whether the entries from offset `from` on sit at their index after the snapshot. Only
    /// what a write changed is checked: a whole scan per write made runs without snapshots
    /// quadratic in release builds, which keep debug assertions.
    fn is_contiguous_from(&self, from: usize) -> bool {
        let first = self.snapshot.last_included_index + 1;
        self.entries
            .iter()
            .enumerate()
            .skip(from)
            .all(|(offset, entry)| entry.index == first + offset as u64)
    }
}
