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

/// Every server of a run, by id. Ids are handed out from 1 up and never reused, and a removed
/// server stays (it keeps running with the configuration it last knew), so server `id` sits
/// at position `id - 1`: a lookup is an index. It was a sorted map, whose binary search over
/// servers of 1.4 KB each took an eighth of the simulator's time in a 15-node run.
#[derive(Clone, Debug, Default)]
pub struct Servers {
    /// Invariant: `servers[i].id == i + 1`.
    servers: Vec<Server>,
}

impl Servers {
    /// Adds the server with the next id.
    pub fn push(&mut self, server: Server) {
        assert_eq!(
            server.id,
            self.next_id(),
            "servers are added in id order, from 1"
        );
        self.servers.push(server);
    }

    /// The id the next server added must have.
    pub fn next_id(&self) -> NodeId {
        self.servers.len() as NodeId + 1
    }

    pub fn get(&self, id: &NodeId) -> Option<&Server> {
        self.servers.get(Self::position(*id)?)
    }

    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut Server> {
        self.servers.get_mut(Self::position(*id)?)
    }

    /// Servers in id order.
    pub fn values(&self) -> std::slice::Iter<'_, Server> {
        self.servers.iter()
    }

    /// Ids in order.
    pub fn keys(&self) -> impl Iterator<Item = &NodeId> {
        self.servers.iter().map(|server| &server.id)
    }

    fn position(id: NodeId) -> Option<usize> {
        usize::try_from(id.checked_sub(1)?).ok()
    }
}

impl std::ops::Index<&NodeId> for Servers {
    type Output = Server;

    fn index(&self, id: &NodeId) -> &Server {
        self.get(id).expect("a known server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::Membership;

    fn server(id: NodeId) -> Server {
        let disk = PersistentState::bootstrap(Membership::default(), Store::new().snapshot_data());
        Server::new(id, disk, 0)
    }

    #[test]
    fn a_server_is_found_by_its_id_and_only_by_it() {
        let mut servers = Servers::default();
        for id in 1..=3 {
            assert_eq!(servers.next_id(), id);
            servers.push(server(id));
        }
        for id in 1..=3 {
            assert_eq!(servers.get(&id).map(|server| server.id), Some(id));
            assert_eq!(servers[&id].id, id);
        }
        servers.get_mut(&2).expect("server 2").life = 7;
        assert_eq!(servers[&2].life, 7);
        assert_eq!(servers[&1].life, 0);
        assert!(servers.get(&0).is_none(), "ids start at 1");
        assert!(servers.get(&4).is_none());
        assert!(servers.get_mut(&u64::MAX).is_none());
        assert_eq!(servers.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(
            servers.values().map(|server| server.id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
    }

    #[test]
    #[should_panic(expected = "servers are added in id order")]
    fn a_server_added_out_of_order_is_refused() {
        let mut servers = Servers::default();
        servers.push(server(1));
        servers.push(server(3));
    }
}
