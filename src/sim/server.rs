//! One simulated server: a Raft node with its state machine, disk, clock and the client
//! requests it is working on. The simulation drives it; this module holds its state.

use std::collections::VecDeque;

use litemap::LiteMap;

use super::clock::Clock;
use super::disk::Disk;
use super::network::InFlight;
use crate::kv::Store;
use crate::raft::{Bug, Bugs, Bytes, Index, NodeId, PersistentState, RaftNode, Role, Term};

/// Messages a paused node can hold until it resumes; more are lost.
pub const MAX_INBOX: usize = 4_096;

/// The bytes a server writes into a snapshot of its state machine `kv`, for compaction and for
/// a backup alike. With the bug switch `snapshot_without_sessions` on they leave the client
/// sessions out, as a store that forgot them would (thesis §6.3). The switch lives here, in
/// the driver, because the snapshot's data is opaque to the Raft core.
pub fn snapshot_data(kv: &Store, bugs: Bugs) -> Bytes {
    if bugs.contains(Bug::SnapshotWithoutSessions) {
        kv.snapshot_data_without_sessions()
    } else {
        kv.snapshot_data()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Up,
    /// Crashed: volatile state gone, disk kept.
    Down,
    /// A long pause (garbage collection, a stuck VM): state kept, nothing processed.
    Paused,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub id: NodeId,
    pub status: Status,
    /// `None` while down.
    pub raft: Option<RaftNode>,
    /// The state machine. Volatile: rebuilt from the snapshot when the node starts.
    pub kv: Store,
    pub disk: Disk,
    pub clock: Clock,
    /// Counts starts, so events of an earlier life (timers, disk writes) are ignored.
    pub life: u32,
    /// The global time of the earliest timer event scheduled for this life, if any.
    pub timer_at_us: Option<u64>,
    /// Messages that arrived while paused, delivered in order on resume.
    pub inbox: VecDeque<InFlight>,
    /// Client commands this node proposed as leader, by log index. A sorted `Vec`
    /// (`LiteMap`): they are few (the leader's uncommitted entries at most, mostly a handful),
    /// come in index order and leave from the front, and a B-tree of them was 6 KB of wasm.
    pub proposals: LiteMap<Index, Proposal>,
    /// Client reads waiting for confirmation or for the state machine to catch up.
    pub reads: LiteMap<u64, PendingRead>,
    pub next_read_id: u64,
    /// Role, term, last log index and commit index at the last look, to notice changes.
    pub seen_role: Role,
    pub seen_term: Term,
    pub seen_last_index: Index,
    pub seen_commit: Index,
    /// The highest term this life has put in a message, pre-votes and granted answers to
    /// them aside (they name a future term no receiver adopts): a term others may have seen
    /// it in. A refused pre-vote answer carries the sender's own term, and counts.
    pub term_sent: Term,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub client_id: u64,
    pub sequence: u64,
    pub attempt: u32,
    pub proposed_at_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRead {
    pub client_id: u64,
    pub sequence: u64,
    pub attempt: u32,
    pub key: String,
    /// Set once the read is confirmed: serve when the state machine has applied this.
    pub read_index: Option<Index>,
}

impl Server {
    pub fn new(id: NodeId, disk: PersistentState, now_us: u64) -> Self {
        Server {
            id,
            status: Status::Down,
            raft: None,
            kv: Store::new(),
            disk: Disk::new(disk),
            clock: Clock::exact(now_us),
            life: 0,
            timer_at_us: None,
            inbox: VecDeque::new(),
            proposals: LiteMap::new(),
            reads: LiteMap::new(),
            next_read_id: 1,
            seen_role: Role::Follower,
            seen_term: 0,
            seen_last_index: 0,
            seen_commit: 0,
            term_sent: 0,
        }
    }

    pub fn local_now(&self, global_us: u64) -> u64 {
        self.clock.local(global_us)
    }

    pub fn is_up(&self) -> bool {
        self.status == Status::Up
    }

    /// Loses everything volatile.
    pub fn crash(&mut self) {
        self.status = Status::Down;
        self.raft = None;
        self.kv = Store::new();
        self.disk.crash();
        self.life += 1;
        self.timer_at_us = None;
        self.inbox.clear();
        self.proposals.clear();
        self.reads.clear();
        self.seen_role = Role::Follower;
        self.term_sent = 0;
    }
}
