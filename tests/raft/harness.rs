//! A synchronous test cluster for the core, modeled on the `network` of etcd's
//! `raft_test.go`: messages wait in one queue until a test delivers them, disks are written
//! at once, and each server's state machine is the list of commands it applied.
//!
//! Time only moves when a test says so. Each server's clock may run fast or slow
//! (`clock_rate_ppm`), for leases.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use raft_playground::raft::{
    Config, Entry, Index, Membership, MembershipChange, Message, MessageBody, NodeId, Payload,
    PersistentState, ProposeError, RaftNode, RandomSource, ReadMode, ReadResult, Role, Snapshot,
    Term, TransferError,
};

/// splitmix64: a small, well-mixed deterministic generator for election jitter.
pub struct TestRandom(pub u64);

impl RandomSource for TestRandom {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

pub struct Server {
    /// `None` while crashed.
    pub node: Option<RaftNode>,
    pub disk: PersistentState,
    /// The state machine: every command applied, in order (restored from snapshots).
    pub state: Vec<String>,
    /// Every entry handed to the state machine since the server started, with its index.
    pub applied: Vec<(Index, Entry)>,
    pub reads: Vec<ReadResult>,
    pub clock_rate_ppm: i64,
}

pub struct Cluster {
    pub servers: BTreeMap<NodeId, Server>,
    pub config: Config,
    pub now_us: u64,
    pub queue: VecDeque<Message>,
    /// Directed links that lose every message.
    pub blocked: BTreeSet<(NodeId, NodeId)>,
    /// Every message sent, in order, for tests that look at traffic.
    pub sent: Vec<Message>,
    pub random: TestRandom,
}

pub fn command(text: &str) -> Payload {
    Payload::Command(Arc::from(text.as_bytes()))
}

pub fn bytes(text: &str) -> Arc<[u8]> {
    Arc::from(text.as_bytes())
}

/// A config for tests: the defaults, without pre-vote, check-quorum or automatic snapshots,
/// so each test turns on exactly what it examines.
pub fn plain_config() -> Config {
    Config {
        pre_vote: false,
        check_quorum: false,
        snapshot_every: 0,
        ..Config::default()
    }
}

fn encode_state(state: &[String]) -> Arc<[u8]> {
    Arc::from(serde_json::to_vec(state).unwrap())
}

impl Cluster {
    /// `count` servers that all start from an empty log with voters `1..=count`.
    pub fn new(count: u64, config: Config) -> Cluster {
        let logs: Vec<(NodeId, Term, Vec<Term>)> = (1..=count).map(|id| (id, 0, vec![])).collect();
        Cluster::with_logs(count, config, &logs)
    }

    /// Servers `1..=count` whose disks hold a current term and a log with the given entry
    /// terms (each entry a command naming its index and term).
    pub fn with_logs(count: u64, config: Config, logs: &[(NodeId, Term, Vec<Term>)]) -> Cluster {
        let membership = Membership::with_voters(count);
        let mut cluster = Cluster {
            servers: BTreeMap::new(),
            config,
            now_us: 0,
            queue: VecDeque::new(),
            blocked: BTreeSet::new(),
            sent: Vec::new(),
            random: TestRandom(7),
        };
        for (id, term, entry_terms) in logs {
            let mut disk = PersistentState::bootstrap(membership.clone(), encode_state(&[]));
            disk.hard_state.current_term = *term;
            disk.entries = entry_terms
                .iter()
                .enumerate()
                .map(|(offset, &entry_term)| {
                    let index = offset as u64 + 1;
                    Entry {
                        index,
                        term: entry_term,
                        payload: command(&format!("{index}@{entry_term}")),
                    }
                })
                .collect();
            cluster.servers.insert(
                *id,
                Server {
                    node: None,
                    disk,
                    state: Vec::new(),
                    applied: Vec::new(),
                    reads: Vec::new(),
                    clock_rate_ppm: 0,
                },
            );
            cluster.start(*id);
        }
        cluster
    }

    pub fn ids(&self) -> Vec<NodeId> {
        self.servers.keys().copied().collect()
    }

    pub fn node(&self, id: NodeId) -> &RaftNode {
        self.servers[&id]
            .node
            .as_ref()
            .unwrap_or_else(|| panic!("node {id} is down"))
    }

    pub fn server(&self, id: NodeId) -> &Server {
        &self.servers[&id]
    }

    /// The live leader of the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.servers
            .iter()
            .filter_map(|(&id, server)| server.node.as_ref().map(|node| (id, node)))
            .filter(|(_, node)| node.role() == Role::Leader)
            .max_by_key(|(_, node)| node.current_term())
            .map(|(id, _)| id)
    }

    pub fn local_now(&self, id: NodeId) -> u64 {
        let rate = self.servers[&id].clock_rate_ppm;
        (self.now_us as i128 + self.now_us as i128 * rate as i128 / 1_000_000) as u64
    }

    /// Builds the node from its disk (a boot or a restart) and carries out its first output.
    pub fn start(&mut self, id: NodeId) {
        let now = self.local_now(id);
        let disk = self.servers[&id].disk.clone();
        let node = RaftNode::new(id, self.config.clone(), disk, now, &mut self.random);
        let server = self.servers.get_mut(&id).unwrap();
        server.node = Some(node);
        server.applied.clear();
        self.flush(id);
    }

    pub fn crash(&mut self, id: NodeId) {
        self.servers.get_mut(&id).unwrap().node = None;
    }

    /// A brand-new server with an empty disk and no membership: it learns everything from
    /// the leader.
    pub fn add_server(&mut self, id: NodeId) {
        let disk = PersistentState::bootstrap(Membership::default(), encode_state(&[]));
        self.servers.insert(
            id,
            Server {
                node: None,
                disk,
                state: Vec::new(),
                applied: Vec::new(),
                reads: Vec::new(),
                clock_rate_ppm: 0,
            },
        );
        self.start(id);
    }

    /// Carries out the node's output like a real driver: persist (at once) and report it,
    /// send, restore, apply, and take a snapshot when one is due — until the node has nothing
    /// more to say.
    pub fn flush(&mut self, id: NodeId) {
        loop {
            let server = self.servers.get_mut(&id).unwrap();
            let Some(node) = server.node.as_mut() else {
                return;
            };
            let output = node.take_output();
            if output.is_empty() {
                return;
            }
            server.disk.write(&output.persist);
            if let Some((index, term)) = output.persisted_position() {
                node.persisted_to(index, term);
            }
            if let Some(snapshot) = &output.restore {
                server.state =
                    serde_json::from_slice(&snapshot.data).expect("test snapshots are JSON");
                node.applied_to(snapshot.last_included_index);
            }
            for entry in &output.committed_entries {
                if let Payload::Command(data) = &entry.payload {
                    server.state.push(String::from_utf8(data.to_vec()).unwrap());
                }
                server.applied.push((entry.index, entry.clone()));
                node.applied_to(entry.index);
            }
            server.reads.extend(output.reads.iter().copied());
            if node.snapshot_due() {
                let index = node.applied_index();
                node.compact(index, encode_state(&server.state)).unwrap();
            }
            for message in output.messages {
                self.sent.push(message.clone());
                if !self.blocked.contains(&(message.from, message.to)) {
                    self.queue.push_back(message);
                }
            }
        }
    }

    /// Delivers the oldest queued message (dropped if its target is down). Returns it.
    pub fn deliver_next(&mut self) -> Option<Message> {
        let message = self.queue.pop_front()?;
        let to = message.to;
        let now = self.servers.get(&to).map(|_| self.local_now(to));
        if let (Some(now), Some(server)) = (now, self.servers.get_mut(&to))
            && let Some(node) = server.node.as_mut()
        {
            node.step(now, &mut self.random, message.clone());
            self.flush(to);
        }
        Some(message)
    }

    /// Delivers messages until none are left.
    pub fn deliver_all(&mut self) {
        for _ in 0..100_000 {
            if self.deliver_next().is_none() {
                return;
            }
        }
        panic!("messages never stopped flowing");
    }

    /// Drops every queued message matching `filter`.
    pub fn drop_queued(&mut self, filter: impl Fn(&Message) -> bool) {
        self.queue.retain(|message| !filter(message));
    }

    /// Moves time forward by `duration_us` in 1 ms steps: due timers fire, and messages are
    /// delivered at once after each step.
    pub fn advance(&mut self, duration_us: u64) {
        let end = self.now_us + duration_us;
        while self.now_us < end {
            self.now_us = (self.now_us + 1_000).min(end);
            for id in self.ids() {
                let now = self.local_now(id);
                let Some(node) = self.servers.get_mut(&id).unwrap().node.as_mut() else {
                    continue;
                };
                if now >= node.next_deadline_us() {
                    node.tick(now, &mut self.random);
                    self.flush(id);
                }
            }
            self.deliver_all();
        }
    }

    /// Fires `id`'s timers at the current time (whether due or not), without delivering.
    pub fn tick(&mut self, id: NodeId) {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        node.tick(now, &mut self.random);
        self.flush(id);
    }

    /// Hands `message` straight to its target, as if it had just arrived.
    pub fn step(&mut self, message: Message) {
        self.queue.push_front(message);
        self.deliver_next();
    }

    /// Delivers messages one by one until `done` holds or none are left. Returns `done`'s
    /// final value.
    pub fn deliver_until(&mut self, done: impl Fn(&Cluster) -> bool) -> bool {
        for _ in 0..100_000 {
            if done(self) {
                return true;
            }
            if self.deliver_next().is_none() {
                return done(self);
            }
        }
        panic!("messages never stopped flowing");
    }

    /// Forces `id`'s election timeout without delivering anything.
    pub fn campaign_only(&mut self, id: NodeId) {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        node.trigger_election_timeout(now, &mut self.random);
        self.flush(id);
    }

    /// Forces `id`'s election timeout and delivers everything that follows.
    pub fn campaign(&mut self, id: NodeId) {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        node.trigger_election_timeout(now, &mut self.random);
        self.flush(id);
        self.deliver_all();
    }

    /// Asks leader `id` to hand leadership to `target`, and sends what that starts.
    pub fn transfer(&mut self, id: NodeId, target: NodeId) -> Result<(), TransferError> {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        let result = node.transfer_leadership(now, target);
        self.flush(id);
        result
    }

    pub fn propose(&mut self, id: NodeId, text: &str) -> Result<Index, ProposeError> {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        let result = node.propose(now, bytes(text));
        self.flush(id);
        result
    }

    /// Asks leader `id` for a membership change, and sends what that starts.
    pub fn change_membership(
        &mut self,
        id: NodeId,
        change: MembershipChange,
    ) -> Result<Index, ProposeError> {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        let result = node.propose_membership_change(now, change);
        self.flush(id);
        result
    }

    /// A brand-new server `learner` (`add_server`) that leader `id` adds as a learner; returns
    /// the change's index.
    pub fn add_learner(&mut self, id: NodeId, learner: NodeId) -> Index {
        self.add_server(learner);
        self.change_membership(id, MembershipChange::AddLearner(learner))
            .expect("the leader takes a new learner")
    }

    /// Leader `id` removes itself and every message is delivered, with no time passing: a
    /// removed leader's hand-off must not wait on any timer (thesis §3.10, §4.2.2). Returns
    /// the removal's index.
    pub fn remove_leader_at_once(&mut self, id: NodeId) -> Index {
        let removal = self
            .change_membership(id, MembershipChange::Remove(id))
            .unwrap();
        let started_us = self.now_us;
        self.deliver_all();
        assert_eq!(self.now_us, started_us, "no timer fired");
        removal
    }

    /// Takes the queued messages matching `filter` out of the queue, in order, so a test can
    /// deliver them later (with [`step`](Self::step)) or never.
    pub fn hold(&mut self, filter: impl Fn(&Message) -> bool) -> Vec<Message> {
        let (held, kept): (Vec<Message>, Vec<Message>) = std::mem::take(&mut self.queue)
            .into_iter()
            .partition(|message| filter(message));
        self.queue = kept.into();
        held
    }

    pub fn read(
        &mut self,
        id: NodeId,
        read_id: u64,
        mode: ReadMode,
    ) -> Result<(), raft_playground::raft::ReadError> {
        let now = self.local_now(id);
        let node = self.servers.get_mut(&id).unwrap().node.as_mut().unwrap();
        let result = node.read(now, read_id, mode);
        self.flush(id);
        result
    }

    /// Every read answered to `id` so far with `read_id`.
    pub fn answers(&self, id: NodeId, read_id: u64) -> Vec<ReadResult> {
        self.server(id)
            .reads
            .iter()
            .filter(|read| read.read_id == read_id)
            .copied()
            .collect()
    }

    /// Takes a snapshot of `id`'s state machine at its applied index.
    pub fn compact(&mut self, id: NodeId) {
        let server = self.servers.get_mut(&id).unwrap();
        let node = server.node.as_mut().unwrap();
        let index = node.applied_index();
        node.compact(index, encode_state(&server.state)).unwrap();
        self.flush(id);
    }

    pub fn isolate(&mut self, id: NodeId) {
        for other in self.ids() {
            if other != id {
                self.blocked.insert((id, other));
                self.blocked.insert((other, id));
            }
        }
    }

    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.blocked.insert((from, to));
    }

    pub fn heal(&mut self) {
        self.blocked.clear();
    }

    /// The terms of `id`'s log, from its first held entry on.
    pub fn log_terms(&self, id: NodeId) -> Vec<Term> {
        self.node(id)
            .log()
            .entries()
            .iter()
            .map(|entry| entry.term)
            .collect()
    }

    /// `(index, term)` of every entry `id` holds.
    pub fn log_positions(&self, id: NodeId) -> Vec<(Index, Term)> {
        self.node(id)
            .log()
            .entries()
            .iter()
            .map(|entry| (entry.index, entry.term))
            .collect()
    }

    /// Messages sent so far whose body matches.
    pub fn sent_matching(&self, filter: impl Fn(&MessageBody) -> bool) -> Vec<&Message> {
        self.sent
            .iter()
            .filter(|message| filter(&message.body))
            .collect()
    }

    /// Elects `id` (forcing its timeout) and delivers until quiet; asserts it won.
    pub fn elect(&mut self, id: NodeId) {
        self.campaign(id);
        assert_eq!(
            self.node(id).role(),
            Role::Leader,
            "node {id} should have won the election"
        );
    }

    pub fn snapshot_of(&self, id: NodeId) -> &Snapshot {
        self.node(id).log().snapshot()
    }
}
