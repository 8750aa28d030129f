//! The fuzzed cluster: Raft cores driven directly, with the fuzzer as their network, their
//! disks and their clocks. This module holds the servers and carries out the nodes' outputs as
//! a driver must (persist, then send, restore, apply and answer reads); `moves` is the faulty
//! phase, `recovery` the heal after it. The library's safety checker looks at a node after
//! every input it takes; this module adds what the checker cannot see from the nodes alone:
//! that every read is fresh.

#[path = "moves.rs"]
mod moves;
#[path = "recovery.rs"]
mod recovery;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use raft_playground::check::safety::{LogChange, SafetyChecker, Violation, ViolationKind};
use raft_playground::kv::{Command, Operation, Store};
use raft_playground::raft::{
    Bugs, Config, Index, Membership, Message, MessageBody, NodeId, Output, Payload,
    PersistentState, RaftNode, ReadResult, Role, Term,
};
use raft_playground::sim::clock::Clock;
use raft_playground::sim::rng::Stream;

use moves::Happened;

/// Moves in the faulty phase of a run.
pub const STEPS: usize = 30_000;
/// Moves remembered for a failure's report.
const TRACE_LENGTH: usize = 200;
/// Commands write to a few keys, so a snapshot holds few of them.
const KEYS: u64 = 5;
/// The only client: its commands are numbered in the order proposed, and never retried.
const CLIENT_ID: u64 = 1;

/// What one seed decides before the first move: the cluster, its configuration, and how rough
/// its faults are.
#[derive(Clone, Debug)]
pub struct Shape {
    pub servers: u64,
    pub config: Config,
    /// The most a `PassTime` move adds to virtual time, beyond a millisecond.
    pub time_step_us_max: u64,
    /// The chance that a `Crash` move crashes a server, in parts per million.
    pub crash_ppm: u32,
}

impl Shape {
    /// Pre-vote and check-quorum on or off, small messages, few entries in flight and snapshot
    /// chunks of a few bytes, so that every mechanism is taken apart into many messages.
    fn draw(stream: &mut Stream, bugs: Bugs) -> Shape {
        let config = Config {
            pre_vote: stream.chance_ppm(600_000),
            check_quorum: stream.chance_ppm(600_000),
            snapshot_every: *stream.pick(&[0, 3, 7]),
            max_entries_per_append: stream.between(1, 3) as usize,
            max_inflight_appends: stream.between(1, 3) as usize,
            snapshot_chunk_bytes: stream.between(4, 15) as usize,
            bugs,
            ..Config::default()
        };
        Shape {
            servers: stream.between(3, 5),
            config,
            time_step_us_max: *stream.pick(&[2_000, 7_000, 12_000, 17_000]),
            crash_ppm: *stream.pick(&[0, 20_000, 100_000]),
        }
    }

    /// Whether a healed cluster of this shape must recover. Without pre-vote or check-quorum
    /// it need not: a removed server that never learned of its removal keeps timing out and
    /// deposing every leader with a higher term (thesis §4.2.3).
    pub fn promises_liveness(&self) -> bool {
        self.config.pre_vote || self.config.check_quorum
    }
}

/// How much of Raft a run exercised, so that a batch of seeds that quietly stopped reaching
/// something fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub terms_led: u64,
    /// Leaders committing entries of earlier terms, which they may only do by committing one
    /// of their own term after them (paper §5.4.2, Figure 8).
    pub earlier_term_commits: u64,
    pub crashes: u64,
    pub snapshots_restored: u64,
    pub membership_changes_applied: u64,
    pub transfers_started: u64,
    pub reads_answered: u64,
    pub recoveries: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.terms_led += other.terms_led;
        self.earlier_term_commits += other.earlier_term_commits;
        self.crashes += other.crashes;
        self.snapshots_restored += other.snapshots_restored;
        self.membership_changes_applied += other.membership_changes_applied;
        self.transfers_started += other.transfers_started;
        self.reads_answered += other.reads_answered;
        self.recoveries += other.recoveries;
    }
}

struct Server {
    /// `None` while crashed.
    raft: Option<RaftNode>,
    /// What survives a crash.
    disk: PersistentState,
    /// Outputs taken from the node and not yet carried out, oldest first: each waits for its
    /// own write and every earlier one, and a crash loses them. Outputs that write nothing
    /// wait in line too, so any message may be held back behind a slow disk. (The simulator's
    /// `Disk` completes writes by virtual time; here the fuzzer decides when, one at a time.)
    unwritten: VecDeque<Output>,
    /// The state machine. Volatile: restored from the snapshot at every start.
    store: Store,
    clock: Clock,
    /// The highest term this life put in a message, pre-votes and granted answers to them
    /// aside (they name a term no receiver adopts): the checker forgets a term a crashed
    /// leader neither wrote nor sent.
    term_sent: Term,
}

/// A read the fuzzer asked for and the node has not yet answered.
struct AskedRead {
    node: NodeId,
    /// The highest commit index any node had declared when the read was asked: the read must
    /// reflect at least that much (thesis §6.4).
    committed_before: Index,
}

pub struct Cluster {
    pub shape: Shape,
    /// Every choice the fuzzer makes.
    moves: Stream,
    /// Election timeouts, handed to the nodes: a stream of its own, so a node's draws do not
    /// change the fuzzer's moves.
    timers: Stream,
    now_us: u64,
    servers: BTreeMap<NodeId, Server>,
    in_flight: Vec<Message>,
    checker: SafetyChecker,
    /// The highest commit index any node has declared: committed for good, so every read
    /// asked from now on must reflect it.
    highest_commit_index: Index,
    /// Reads asked and not yet answered, by read id. Ids never repeat, across restarts too.
    reads: BTreeMap<u64, AskedRead>,
    next_read_id: u64,
    /// The client's next command number.
    next_sequence: u64,
    /// The id the next learner gets.
    next_node_id: NodeId,
    /// Every term some node was seen leading, to count each once.
    terms_led: BTreeSet<Term>,
    pub tally: Tally,
    trace: VecDeque<(u64, Happened)>,
}

impl Cluster {
    /// The cluster `seed` decides, with the bug switches `bugs` on: every server on a
    /// brand-new disk, none started yet.
    pub fn new(seed: u64, bugs: Bugs) -> Cluster {
        let mut moves = Stream::new(seed, "core_fuzz");
        let shape = Shape::draw(&mut moves, bugs);
        let mut cluster = Cluster {
            timers: Stream::new(seed, "timers"),
            moves,
            now_us: 0,
            servers: BTreeMap::new(),
            in_flight: Vec::new(),
            checker: SafetyChecker::default(),
            highest_commit_index: 0,
            reads: BTreeMap::new(),
            next_read_id: 1,
            next_sequence: 1,
            next_node_id: shape.servers + 1,
            terms_led: BTreeSet::new(),
            tally: Tally::default(),
            trace: VecDeque::new(),
            shape,
        };
        let membership = Membership::with_voters(cluster.shape.servers);
        for id in 1..=cluster.shape.servers {
            cluster.add_server(id, membership.clone());
        }
        cluster
    }

    /// Starts every server, then the faulty phase, then (where the shape promises it) the
    /// heal and the recovery.
    pub fn run(&mut self) -> Result<(), Violation> {
        for id in 1..=self.shape.servers {
            self.start(id)?;
        }
        for _ in 0..STEPS {
            self.step()?;
        }
        if self.shape.promises_liveness() {
            self.heal_and_recover()?;
        }
        Ok(())
    }

    /// The last moves before now, oldest first, one a line.
    pub fn trace(&self) -> Vec<String> {
        self.trace
            .iter()
            .map(|(at_us, happened)| {
                format!("{:>6}.{:03} ms  {happened}", at_us / 1_000, at_us % 1_000)
            })
            .collect()
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    fn note(&mut self, happened: Happened) {
        if self.trace.len() == TRACE_LENGTH {
            self.trace.pop_front();
        }
        self.trace.push_back((self.now_us, happened));
    }

    fn violation(&self, kind: ViolationKind, nodes: Vec<NodeId>, detail: String) -> Violation {
        Violation {
            kind,
            at_us: self.now_us,
            nodes,
            index: None,
            term: None,
            detail,
        }
    }

    // ----- Servers -----

    /// A server with a brand-new disk, not started: one of the first members, or a learner
    /// (with no membership, learning everything from the leader).
    fn add_server(&mut self, id: NodeId, membership: Membership) {
        let drift_ppm = self.shape.config.clock_drift_bound_ppm;
        let rate_ppm = self.moves.between(0, 2 * drift_ppm) as i64 - drift_ppm as i64;
        let mut clock = Clock::exact(self.now_us);
        clock.set_rate(self.now_us, rate_ppm as i32);
        let server = Server {
            raft: None,
            disk: PersistentState::bootstrap(membership, Store::new().snapshot_data()),
            unwritten: VecDeque::new(),
            store: Store::new(),
            clock,
            term_sent: 0,
        };
        self.servers.insert(id, server);
    }

    fn local_now_us(&self, id: NodeId) -> u64 {
        self.servers[&id].clock.local(self.now_us)
    }

    fn raft_mut(&mut self, id: NodeId) -> &mut RaftNode {
        running_node(&mut self.servers, id)
    }

    /// Boots (or reboots) a server from its disk; it must hold exactly what it wrote.
    fn start(&mut self, id: NodeId) -> Result<(), Violation> {
        let now_us = self.local_now_us(id);
        let server = self.servers.get_mut(&id).expect("a known server");
        let raft = RaftNode::new(
            id,
            self.shape.config.clone(),
            server.disk.clone(),
            now_us,
            &mut self.timers,
        );
        self.checker
            .observe_restart(self.now_us, id, &raft, &server.disk)?;
        server.raft = Some(raft);
        server.store = Store::new();
        self.after_input(id)
    }

    fn crash(&mut self, id: NodeId) {
        let server = self.servers.get_mut(&id).expect("a known server");
        server.raft = None;
        server.unwritten.clear();
        self.checker
            .observe_crash(id, &server.disk, server.term_sent);
        server.term_sent = 0;
        self.reads.retain(|_, read| read.node != id);
        self.tally.crashes += 1;
    }

    fn running(&self) -> Vec<NodeId> {
        self.servers
            .iter()
            .filter(|(_, server)| server.raft.is_some())
            .map(|(&id, _)| id)
            .collect()
    }

    /// The running leader of the highest term, if any.
    fn leader(&self) -> Option<NodeId> {
        self.servers
            .iter()
            .filter_map(|(&id, server)| Some((id, server.raft.as_ref()?)))
            .filter(|(_, raft)| raft.role() == Role::Leader)
            .max_by_key(|(_, raft)| raft.current_term())
            .map(|(id, _)| id)
    }

    /// Proposes `operation` at `leader` as the client's next command, without carrying out
    /// what that starts. Returns the command's index, if the leader took it.
    fn propose_command(&mut self, leader: NodeId, operation: Operation) -> Option<Index> {
        let command = Command {
            client_id: CLIENT_ID,
            sequence: self.next_sequence,
            operation,
        };
        self.next_sequence += 1;
        let now_us = self.local_now_us(leader);
        self.raft_mut(leader).propose(now_us, command.encode()).ok()
    }

    /// Hands `message` to its receiver, if that is running (otherwise it is lost).
    fn deliver(&mut self, message: Message) -> Result<(), Violation> {
        let to = message.to;
        if self
            .servers
            .get(&to)
            .is_none_or(|server| server.raft.is_none())
        {
            return Ok(());
        }
        let now_us = self.local_now_us(to);
        running_node(&mut self.servers, to).step(now_us, &mut self.timers, message);
        self.after_input(to)
    }

    /// Fires the timers of every running server whose local clock has reached its deadline.
    fn fire_due_timers(&mut self) -> Result<(), Violation> {
        for id in self.running() {
            let now_us = self.local_now_us(id);
            let raft = running_node(&mut self.servers, id);
            if now_us >= raft.next_deadline_us() {
                raft.tick(now_us, &mut self.timers);
                self.after_input(id)?;
            }
        }
        Ok(())
    }

    // ----- Carrying out outputs, as a driver must (persist, send, restore, apply, answer) -----

    /// After any input: the checker looks at the node, and its output joins the disk's queue.
    fn after_input(&mut self, id: NodeId) -> Result<(), Violation> {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&id).expect("a known server");
        let Some(raft) = server.raft.as_mut() else {
            return Ok(());
        };
        let output = raft.take_output();
        let change = LogChange {
            from_index: output.persist.log.as_ref().map(|write| write.from_index),
            snapshot: output.persist.snapshot.is_some(),
        };
        self.checker.observe(now_us, id, raft, change)?;
        self.highest_commit_index = self.highest_commit_index.max(raft.commit_index());
        if raft.role() == Role::Leader {
            let term = raft.current_term();
            self.tally.terms_led += u64::from(self.terms_led.insert(term));
            let earlier = output
                .committed_entries
                .iter()
                .any(|entry| entry.term < term);
            self.tally.earlier_term_commits += u64::from(earlier);
        }
        if !output.is_empty() {
            server.unwritten.push_back(output);
        }
        Ok(())
    }

    /// Completes `id`'s oldest pending write and carries out the output that waited for it.
    fn complete_write(&mut self, id: NodeId) -> Result<(), Violation> {
        let server = self.servers.get_mut(&id).expect("a known server");
        let Some(output) = server.unwritten.pop_front() else {
            return Ok(());
        };
        server.disk.write(&output.persist);
        if let Some((index, term)) = output.persisted_position() {
            self.raft_mut(id).persisted_to(index, term);
        }
        self.carry_out(id, output)?;
        self.after_input(id)
    }

    fn complete_every_write(&mut self, id: NodeId) -> Result<(), Violation> {
        while !self.servers[&id].unwritten.is_empty() {
            self.complete_write(id)?;
        }
        Ok(())
    }

    /// Steps 2 to 5 of an output whose write is durable.
    fn carry_out(&mut self, id: NodeId, output: Output) -> Result<(), Violation> {
        let server = self.servers.get_mut(&id).expect("a known server");
        for message in &output.messages {
            let future_term = matches!(
                message.body,
                MessageBody::PreVote { .. } | MessageBody::PreVoteResponse { granted: true }
            );
            if !future_term {
                server.term_sent = server.term_sent.max(message.term);
            }
        }
        self.in_flight.extend(output.messages);
        if let Some(snapshot) = &output.restore {
            let store = Store::restore(snapshot).map_err(|error| {
                let detail = format!("S{id} could not restore its state machine: {error}");
                self.violation(ViolationKind::StateMachineSafety, vec![id], detail)
            })?;
            let last_applied = store.last_applied();
            self.servers.get_mut(&id).expect("known").store = store;
            self.raft_mut(id).applied_to(last_applied);
            self.tally.snapshots_restored += u64::from(last_applied > 0);
        }
        for entry in &output.committed_entries {
            let server = self.servers.get_mut(&id).expect("a known server");
            let last_applied = server.store.last_applied();
            self.checker
                .observe_apply(self.now_us, id, entry, last_applied)?;
            server.store.apply(entry);
            self.raft_mut(id).applied_to(entry.index);
            if matches!(entry.payload, Payload::Membership(_)) {
                self.tally.membership_changes_applied += 1;
            }
        }
        for read in &output.reads {
            self.check_read(read)?;
        }
        self.maybe_compact(id)
    }

    /// A read answered with a read index below what was committed before it was asked would
    /// miss a write that had completed: a stale read.
    fn check_read(&mut self, read: &ReadResult) -> Result<(), Violation> {
        let Some(asked) = self.reads.remove(&read.read_id) else {
            return Ok(());
        };
        let Ok(read_index) = read.outcome else {
            return Ok(());
        };
        self.tally.reads_answered += 1;
        if read_index >= asked.committed_before {
            return Ok(());
        }
        let detail = format!(
            "S{} answered read {} at read index {read_index}, but index {} was committed before it was asked",
            asked.node, read.read_id, asked.committed_before
        );
        Err(self.violation(ViolationKind::Linearizability, vec![asked.node], detail))
    }

    /// Compacts when the node says a snapshot is due, and now and then besides, so that
    /// followers are caught up by InstallSnapshot in every kind of state.
    fn maybe_compact(&mut self, id: NodeId) -> Result<(), Violation> {
        let extra = self.moves.chance_ppm(20_000);
        let server = self.servers.get_mut(&id).expect("a known server");
        let raft = server.raft.as_mut().expect("a running server");
        let applied_index = raft.applied_index();
        let ahead = applied_index > raft.log().snapshot_index();
        if !(raft.snapshot_due() || extra && ahead) {
            return Ok(());
        }
        if raft
            .compact(applied_index, server.store.snapshot_data())
            .is_ok()
        {
            self.after_input(id)?;
        }
        Ok(())
    }
}

/// The node of server `id`, which must be running. A function of the servers alone, so that a
/// caller can hand the node the timer stream beside it.
fn running_node(servers: &mut BTreeMap<NodeId, Server>, id: NodeId) -> &mut RaftNode {
    servers
        .get_mut(&id)
        .and_then(|server| server.raft.as_mut())
        .unwrap_or_else(|| panic!("S{id} is down"))
}
