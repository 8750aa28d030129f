//! One Raft server: its state (paper Figure 2), how it reacts to each input, and the output it
//! hands back.
//!
//! Inputs are [`RaftNode::tick`] (a timer fired), [`RaftNode::step`] (a message arrived),
//! [`RaftNode::propose`], [`RaftNode::propose_membership_change`], [`RaftNode::read`],
//! [`RaftNode::transfer_leadership`], [`RaftNode::trigger_election_timeout`],
//! [`RaftNode::applied_to`] and [`RaftNode::compact`]. After each, the driver takes the
//! [`Output`] with [`RaftNode::take_output`] and carries it out in order.
//!
//! Terms and votes are handled once, in `step`, for every role; then the message goes to the
//! handler of its kind, which checks the role it needs. Only the `become_*` functions change
//! role. The work of each concern lives in a child module: `election`, `replication`,
//! `snapshot`, `reads`, `membership`, `transfer`.

mod election;
mod membership;
mod reads;
mod replication;
mod snapshot;
mod transfer;

use std::collections::VecDeque;

use litemap::LiteMap;

use super::config::{Bug, Config};
use super::log::RaftLog;
use super::message::{AppendOutcome, Message, MessageBody};
use super::output::{LogWrite, Output, ReadError, ReadResult};
use super::progress::Progress;
use super::types::{
    Bytes, Entry, HardState, Index, Membership, MembershipError, NodeId, Payload, PersistentState,
    Term,
};

use election::Ballot;
pub use reads::ReadMode;
pub use transfer::TransferError;

/// Randomness supplied by the driver. The core has no generator of its own, so a driver with
/// a seeded generator replays a run exactly.
pub trait RandomSource {
    fn next_u64(&mut self) -> u64;
}

/// The role a node plays (paper §5.1, thesis §9.6 for pre-candidates).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Role {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// Why a proposal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProposeError {
    /// Only the leader accepts proposals; `leader_hint` is who this node believes leads.
    NotLeader { leader_hint: Option<NodeId> },
    /// The leader is handing over leadership (thesis §3.10).
    TransferInProgress,
    /// Too many entries are uncommitted (the leader may be cut off from its followers).
    TooManyUncommitted,
    /// A membership change must wait until the leader has committed an entry of its term.
    NotYetCommittedInTerm,
    /// A membership change must wait until the previous one has committed (thesis §4.1).
    MembershipChangePending,
    /// The change does not apply to the current membership.
    InvalidMembershipChange(MembershipError),
}

impl std::fmt::Display for ProposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProposeError::NotLeader {
                leader_hint: Some(leader),
            } => {
                write!(f, "not the leader (node {leader} may be)")
            }
            ProposeError::NotLeader { leader_hint: None } => {
                write!(f, "not the leader, and no leader known")
            }
            ProposeError::TransferInProgress => write!(f, "leadership transfer in progress"),
            ProposeError::TooManyUncommitted => write!(f, "too many uncommitted entries"),
            ProposeError::NotYetCommittedInTerm => {
                write!(f, "the leader has not yet committed an entry of its term")
            }
            ProposeError::MembershipChangePending => {
                write!(f, "another membership change is not yet committed")
            }
            ProposeError::InvalidMembershipChange(error) => write!(f, "{error}"),
        }
    }
}

/// Why a snapshot could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompactError {
    /// Only applied entries can be covered by a snapshot of the state machine.
    NotApplied { index: Index, applied_index: Index },
    /// The log is already compacted up to `snapshot_index`.
    AlreadyCompacted { index: Index, snapshot_index: Index },
    /// A snapshot covers only committed entries.
    NotCommitted { index: Index, commit_index: Index },
}

/// A Raft server, sans I/O: no clock, no randomness of its own, no network, no disk.
#[derive(Clone, Debug)]
pub struct RaftNode {
    id: NodeId,
    config: Config,

    // Persistent state on all servers (paper Figure 2). Made durable through `Output` before
    // anything that depends on it leaves the node.
    current_term: Term,
    voted_for: Option<NodeId>,
    log: RaftLog,

    // Volatile state on all servers.
    /// The highest index known to be committed. Never decreases while the node lives.
    commit_index: Index,
    /// The highest index handed to the driver to apply. Invariant: `applied_index <=
    /// applying_index`, and `applying_index <= commit_index` unless a bug switch is on.
    applying_index: Index,
    /// The highest index the driver reported applied.
    applied_index: Index,
    /// The highest index the driver reported durable (writes complete in order, so everything
    /// before it is durable too). A leader counts itself towards a majority only up to here
    /// (thesis §10.2.1): counting an entry still in flight to its own disk would let a crash
    /// lose an entry already declared committed. Invariant: `persisted_index <= last_index`.
    persisted_index: Index,
    role: RoleState,
    /// Who this node believes leads its current term.
    leader_id: Option<NodeId>,
    /// The membership in force: the last membership entry in the log, or the snapshot's.
    membership: Membership,
    /// Where `membership` comes from (an entry's index, or the snapshot's last index).
    membership_index: Index,

    // Time, on this node's own clock.
    now_us: u64,
    /// The election timeout drawn for this input (see `begin_input`).
    randomized_election_timeout_us: u64,
    /// When a follower or candidate starts an election unless it hears from a leader.
    election_deadline_us: u64,
    /// When this node last heard from a leader, or restarted. Until the minimum election
    /// timeout has passed since, it refuses pre-votes (thesis §9.6) and, when check-quorum is
    /// on, votes and its own election (thesis §4.2.3): a leader's lease may count on it. A
    /// restarted node may have been counted before its crash.
    leader_contact_us: Option<u64>,

    /// A snapshot arriving in chunks from the leader.
    incoming_snapshot: Option<snapshot::IncomingSnapshot>,
    /// Reads forwarded to the leader and awaiting its answer, as `(read_id, forwarded_at_us)`
    /// in the order they were forwarded. Bounded by `max_pending_reads`.
    forwarded_reads: VecDeque<(u64, u64)>,

    // What the driver has yet to take.
    output: Output,
    /// The hard state as of the last output: a change is written by the next one.
    persisted_hard_state: HardState,
    /// The first log index changed since the last output, if any.
    unstable_from: Option<Index>,
    snapshot_to_persist: Option<super::types::Snapshot>,
}

#[derive(Clone, Debug)]
enum RoleState {
    Follower,
    PreCandidate(election::Votes),
    Candidate(election::Votes),
    Leader(Box<LeaderState>),
}

/// Everything only a leader has.
#[derive(Clone, Debug)]
struct LeaderState {
    /// Every other member of the membership, voters and learners (paper Figure 2's
    /// `nextIndex[]` and `matchIndex[]`, plus flow control).
    progress: LiteMap<NodeId, Progress>,
    heartbeat_deadline_us: u64,
    check_quorum_deadline_us: u64,
    transfer: Option<transfer::Transfer>,
    /// TimeoutNow went out in this term: however late it arrives, even after the transfer
    /// was given up, its target may win votes that override followers' leases, so the lease
    /// is not trusted again while this leadership lasts.
    lease_forfeited: bool,
    reads: reads::LeaderReads,
}

impl RaftNode {
    /// A node starting from what it has on disk: a brand-new node from
    /// [`PersistentState::bootstrap`], a restarted one from exactly what it persisted. Commit
    /// index, role and leader state start over (the snapshot is known committed). The first
    /// output asks the driver to restore the state machine from the snapshot.
    pub fn new(
        id: NodeId,
        config: Config,
        persistent: PersistentState,
        now_us: u64,
        random: &mut dyn RandomSource,
    ) -> Self {
        assert!(id != 0, "node ids start at 1");
        debug_assert!(
            config.validate().is_ok(),
            "invalid config: {:?}",
            config.validate()
        );
        let PersistentState {
            hard_state,
            snapshot,
            entries,
        } = persistent;
        let voted_for = if config.bugs.contains(Bug::ForgetVoteOnRestart) {
            None
        } else {
            hard_state.voted_for
        };
        let log = RaftLog::new(snapshot, entries);
        let snapshot_index = log.snapshot_index();
        let (membership_index, membership) = log.membership_at(log.last_index());
        let membership = membership.clone();
        let mut node = RaftNode {
            id,
            config,
            current_term: hard_state.current_term,
            voted_for,
            commit_index: snapshot_index,
            applying_index: snapshot_index,
            applied_index: snapshot_index,
            persisted_index: log.last_index(),
            role: RoleState::Follower,
            leader_id: None,
            membership,
            membership_index,
            now_us,
            randomized_election_timeout_us: 0,
            election_deadline_us: 0,
            // A node that has been in a term may have acknowledged a leader's heartbeat just
            // before it crashed; a brand-new node cannot have.
            leader_contact_us: (hard_state.current_term > 0).then_some(now_us),
            incoming_snapshot: None,
            forwarded_reads: VecDeque::new(),
            output: Output::default(),
            persisted_hard_state: hard_state,
            unstable_from: None,
            snapshot_to_persist: None,
            log,
        };
        node.output.restore = Some(node.log.snapshot().clone());
        node.begin_input(now_us, random);
        node.reset_election_timer();
        node
    }

    // ----- Read-only views, for the driver, the checkers and the page. -----

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn role(&self) -> Role {
        match self.role {
            RoleState::Follower => Role::Follower,
            RoleState::PreCandidate(_) => Role::PreCandidate,
            RoleState::Candidate(_) => Role::Candidate,
            RoleState::Leader(_) => Role::Leader,
        }
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, RoleState::Leader(_))
    }

    pub fn current_term(&self) -> Term {
        self.current_term
    }

    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }

    pub fn hard_state(&self) -> HardState {
        HardState {
            current_term: self.current_term,
            voted_for: self.voted_for,
        }
    }

    pub fn leader_id(&self) -> Option<NodeId> {
        self.leader_id
    }

    pub fn commit_index(&self) -> Index {
        self.commit_index
    }

    pub fn applied_index(&self) -> Index {
        self.applied_index
    }

    pub fn log(&self) -> &RaftLog {
        &self.log
    }

    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// When a follower or candidate will start an election unless it hears from a leader.
    pub fn election_deadline_us(&self) -> Option<u64> {
        (!self.is_leader()).then_some(self.election_deadline_us)
    }

    /// The leader's view of each follower; `None` unless leading.
    pub fn progress(&self) -> Option<&LiteMap<NodeId, Progress>> {
        match &self.role {
            RoleState::Leader(leader) => Some(&leader.progress),
            _ => None,
        }
    }

    /// The node leadership is being handed to, if a transfer is under way.
    pub fn transfer_target(&self) -> Option<NodeId> {
        match &self.role {
            RoleState::Leader(leader) => leader.transfer.as_ref().map(|transfer| transfer.target),
            _ => None,
        }
    }

    /// The voters that granted this node's current (pre-)campaign.
    pub fn votes_granted(&self) -> Vec<NodeId> {
        match &self.role {
            RoleState::PreCandidate(votes) | RoleState::Candidate(votes) => {
                votes.granted.iter().copied().collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the driver should take a snapshot of its state machine now: every
    /// `snapshot_every` applied entries, when what it applied is all committed.
    pub fn snapshot_due(&self) -> bool {
        self.config.snapshot_every > 0
            && self.applied_index <= self.commit_index
            && self.applied_index >= self.log.snapshot_index() + self.config.snapshot_every
    }

    /// The earliest local time at which [`tick`](Self::tick) has something to do.
    pub fn next_deadline_us(&self) -> u64 {
        match &self.role {
            RoleState::Leader(leader) => {
                let mut deadline = leader.heartbeat_deadline_us;
                if self.config.check_quorum {
                    deadline = deadline.min(leader.check_quorum_deadline_us);
                }
                if let Some(transfer) = &leader.transfer {
                    deadline = deadline.min(transfer.deadline_us);
                }
                deadline
            }
            _ => self.election_deadline_us,
        }
    }

    // ----- Inputs. -----

    /// A timer fired: the driver calls this at [`next_deadline_us`](Self::next_deadline_us)
    /// (or later). Leaders send heartbeats, check their quorum and give up stalled transfers;
    /// followers and candidates whose election timeout has passed start an election.
    pub fn tick(&mut self, now_us: u64, random: &mut dyn RandomSource) {
        self.begin_input(now_us, random);
        if self.is_leader() {
            self.tick_leader();
        } else if self.now_us >= self.election_deadline_us {
            self.on_election_timeout();
        }
        self.check_invariants();
    }

    /// A message arrived.
    pub fn step(&mut self, now_us: u64, random: &mut dyn RandomSource, message: Message) {
        self.begin_input(now_us, random);
        debug_assert_eq!(message.to, self.id, "message delivered to the wrong node");
        if message.from == self.id || !self.accept_term(&message) {
            return;
        }
        let from = message.from;
        let term = message.term;
        match message.body {
            MessageBody::PreVote {
                last_log_index,
                last_log_term,
            } => {
                let ballot = Ballot::PreVote;
                self.handle_vote_request(from, term, ballot, last_log_index, last_log_term)
            }
            MessageBody::RequestVote {
                last_log_index,
                last_log_term,
                leadership_transfer,
            } => {
                let ballot = Ballot::Vote {
                    leadership_transfer,
                };
                self.handle_vote_request(from, term, ballot, last_log_index, last_log_term)
            }
            MessageBody::PreVoteResponse { granted } => {
                self.handle_vote_response(from, term, true, granted)
            }
            MessageBody::RequestVoteResponse { granted } => {
                self.handle_vote_response(from, term, false, granted)
            }
            MessageBody::AppendEntries {
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                if self.follow(from, term) {
                    self.handle_append_entries(
                        from,
                        prev_log_index,
                        prev_log_term,
                        entries,
                        leader_commit,
                    );
                }
            }
            MessageBody::Heartbeat {
                leader_commit,
                round,
            } => {
                if self.follow(from, term) {
                    self.handle_heartbeat(from, leader_commit, round);
                }
            }
            MessageBody::InstallSnapshot { .. } => {
                if self.follow(from, term) {
                    self.handle_snapshot_chunk(from, message.body);
                }
            }
            MessageBody::AppendEntriesResponse { outcome } => {
                self.handle_append_response(from, outcome)
            }
            MessageBody::HeartbeatResponse { round } => self.handle_heartbeat_response(from, round),
            MessageBody::InstallSnapshotResponse {
                last_included_index,
                offset,
                next_offset,
                match_index,
            } => self.handle_snapshot_response(
                from,
                last_included_index,
                (offset, next_offset),
                match_index,
            ),
            MessageBody::TimeoutNow => self.handle_timeout_now(),
            MessageBody::ReadIndex { read_id } => self.handle_forwarded_read(from, read_id),
            MessageBody::ReadIndexResponse {
                read_id,
                read_index,
            } => self.handle_forwarded_read_response(read_id, read_index),
        }
        self.check_invariants();
    }

    /// Proposes a client command. On the leader, appends it and returns its index; the
    /// command is applied when that index commits with the current term (if the entry at that
    /// index has another term by then, the proposal was lost).
    pub fn propose(&mut self, now_us: u64, command: Bytes) -> Result<Index, ProposeError> {
        self.set_now(now_us);
        self.check_can_propose()?;
        let index = self.append_as_leader(Payload::Command(command));
        self.check_invariants();
        Ok(index)
    }

    /// The driver finished writing the log up to `index`, whose entry has `term` (the last
    /// entry of an output's [`LogWrite`]). A write of entries since replaced changes nothing.
    pub fn persisted_to(&mut self, index: Index, term: Term) {
        if index > self.persisted_index && self.log.term_at(index) == Some(term) {
            self.persisted_index = index;
            self.maybe_commit();
            self.check_invariants();
        }
    }

    pub fn persisted_index(&self) -> Index {
        self.persisted_index
    }

    /// The driver applied every entry up to `index` (the last of the committed entries it was
    /// given, or the snapshot it restored).
    pub fn applied_to(&mut self, index: Index) {
        // With ApplyBeforeCommit, entries handed out can be truncated away before the driver
        // reports applying them; only that bug makes this possible.
        debug_assert!(
            index <= self.applying_index || self.config.bugs.contains(Bug::ApplyBeforeCommit),
            "applied {index} beyond what was handed out ({})",
            self.applying_index
        );
        self.applied_index = index;
    }

    /// Hands over what the driver must now do (see [`Output`] for the order).
    pub fn take_output(&mut self) -> Output {
        let mut output = std::mem::take(&mut self.output);
        let hard_state = self.hard_state();
        if hard_state != self.persisted_hard_state {
            output.persist.hard_state = Some(hard_state);
            self.persisted_hard_state = hard_state;
        }
        output.persist.snapshot = self.snapshot_to_persist.take();
        if let Some(from) = self.unstable_from.take() {
            let from = from.max(self.log.first_index());
            let entries = self.log.slice(from, self.log.last_index()).to_vec();
            output.persist.log = Some(LogWrite {
                from_index: from,
                entries,
            });
        }
        output.committed_entries = self.take_committed_entries();
        output
    }

    // ----- Shared machinery. -----

    /// Every input starts here: the clock moves on, and the election timeout this input would
    /// use is drawn from the driver's randomness (paper §5.2: "chosen randomly from a fixed
    /// interval"). One draw per input keeps the draws a pure function of the input sequence.
    fn begin_input(&mut self, now_us: u64, random: &mut dyn RandomSource) {
        self.set_now(now_us);
        let spread = self.config.election_timeout_max_us - self.config.election_timeout_min_us;
        // Lemire's multiply-shift maps 64 random bits onto `0..spread` without a division.
        let jitter = ((random.next_u64() as u128 * spread as u128) >> 64) as u64;
        self.randomized_election_timeout_us = self.config.election_timeout_min_us + jitter;
    }

    fn set_now(&mut self, now_us: u64) {
        debug_assert!(
            now_us >= self.now_us,
            "the clock went backwards: {} -> {now_us}",
            self.now_us
        );
        self.now_us = self.now_us.max(now_us);
    }

    fn reset_election_timer(&mut self) {
        self.election_deadline_us = self.now_us + self.randomized_election_timeout_us;
    }

    /// Queues a message from this node in its current term.
    fn send(&mut self, to: NodeId, body: MessageBody) {
        let term = self.current_term;
        self.send_with_term(to, term, body);
    }

    fn send_with_term(&mut self, to: NodeId, term: Term, body: MessageBody) {
        self.output.messages.push(Message {
            from: self.id,
            to,
            term,
            body,
        });
    }

    /// The rules every server follows on a message's term (paper Figure 2, "Rules for
    /// Servers"; thesis §4.2.3 and §9.6). Returns whether the message should be handled.
    fn accept_term(&mut self, message: &Message) -> bool {
        use MessageBody::*;
        if message.term > self.current_term {
            match &message.body {
                // A pre-vote and a granted answer to one carry a future term without changing
                // anyone's term: that is the point of pre-voting.
                PreVote { .. } | PreVoteResponse { granted: true } => return true,
                RequestVote {
                    leadership_transfer,
                    ..
                } => {
                    if !leadership_transfer && self.in_leader_lease() {
                        // Thesis §4.2.3: a server that heard from a leader within the minimum
                        // election timeout neither updates its term nor grants its vote.
                        self.send(message.from, RequestVoteResponse { granted: false });
                        return false;
                    }
                    self.adopt_term(message.term);
                }
                AppendEntries { .. } | Heartbeat { .. } | InstallSnapshot { .. } => {
                    self.become_follower(message.term, Some(message.from))
                }
                _ => self.adopt_term(message.term),
            }
        } else if message.term < self.current_term {
            match &message.body {
                AppendEntries { .. }
                    if self.config.bugs.contains(Bug::AcceptStaleTermAppend)
                        && matches!(self.role, RoleState::Follower) =>
                {
                    return true;
                }
                // Paper Figure 2: "Reply false if term < currentTerm"; our term in the reply
                // makes a deposed leader or stale candidate step down.
                AppendEntries { .. } | Heartbeat { .. } | InstallSnapshot { .. } => self.send(
                    message.from,
                    AppendEntriesResponse {
                        outcome: AppendOutcome::StaleTerm,
                    },
                ),
                PreVote { .. } => self.send(message.from, PreVoteResponse { granted: false }),
                RequestVote { .. } => {
                    self.send(message.from, RequestVoteResponse { granted: false })
                }
                _ => {}
            }
            return false;
        }
        true
    }

    /// A message from the leader of `term` (already checked to be at least ours) arrived:
    /// candidates of this term step down (paper §5.2), and the election timer restarts.
    /// Returns false if this node is itself a leader of `term`, which only a bug switch can
    /// cause; the message is then ignored.
    fn follow(&mut self, leader: NodeId, term: Term) -> bool {
        match self.role {
            RoleState::Leader(_) if term == self.current_term => return false,
            RoleState::Follower if term == self.current_term => {}
            // With AcceptStaleTermAppend a follower takes appends from an older term as is.
            RoleState::Follower => {}
            _ => self.become_follower(self.current_term, Some(leader)),
        }
        self.leader_id = Some(leader);
        self.leader_contact_us = Some(self.now_us);
        self.reset_election_timer();
        true
    }

    /// Whether this node leads, or heard from a leader less than the minimum election timeout
    /// ago: then it believes a leader is alive and helps no one replace it (thesis §9.6).
    fn heard_from_leader_recently(&self) -> bool {
        self.is_leader() || self.now_us < self.leader_lease_promised_until_us().unwrap_or(0)
    }

    /// Whether this node still honours a leader's lease, refusing votes (thesis §4.2.3, §6.4.1).
    fn in_leader_lease(&self) -> bool {
        self.config.check_quorum && self.heard_from_leader_recently()
    }

    /// Until when, on this node's clock, it neither pre-votes nor (with check-quorum) votes nor
    /// campaigns, for having heard from a leader; `None` if it never has since it started.
    pub fn leader_lease_promised_until_us(&self) -> Option<u64> {
        self.leader_contact_us
            .map(|contact| contact + self.config.election_timeout_min_us)
    }

    /// A higher term arrived from someone who is not its leader: follow that term, with no
    /// leader yet, but keep the election timer running. Figure 2 restarts the timer only on
    /// hearing from the current leader or granting a vote; restarting it here would let a
    /// candidate whose log is too stale to win hold back, election after election, the
    /// servers that could (swarm seed 67984). A leader had no timer running and gets one.
    fn adopt_term(&mut self, term: Term) {
        let deadline_us = self.election_deadline_us;
        let was_leader = self.is_leader();
        self.become_follower(term, None);
        if !was_leader {
            self.election_deadline_us = deadline_us;
        }
    }

    /// Becomes a follower of `term` (stepping down from whatever role). A new term forgets the
    /// vote of the old one.
    fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        debug_assert!(term >= self.current_term, "following an older term");
        if self.is_leader() {
            self.fail_leader_reads();
        }
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            self.fail_forwarded_reads();
        }
        self.role = RoleState::Follower;
        self.leader_id = leader;
        self.reset_election_timer();
    }

    /// Appends an entry of the current term to the leader's log and starts replicating it.
    fn append_as_leader(&mut self, payload: Payload) -> Index {
        debug_assert!(self.is_leader());
        let index = self.log.last_index() + 1;
        let is_membership = matches!(payload, Payload::Membership(_));
        self.log.push(Entry {
            index,
            term: self.current_term,
            payload,
        });
        self.mark_unstable(index);
        if is_membership {
            self.refresh_membership();
        }
        self.broadcast_append(false);
        self.maybe_commit();
        index
    }

    fn mark_unstable(&mut self, index: Index) {
        self.unstable_from = Some(self.unstable_from.map_or(index, |from| from.min(index)));
    }

    /// Truncates the log from `index` on, and undoes what the removed entries did.
    fn truncate_log_from(&mut self, index: Index) {
        self.log.truncate_from(index);
        self.persisted_index = self.persisted_index.min(index - 1);
        self.mark_unstable(index);
        // Only possible when a bug switch let uncommitted entries be applied.
        self.applying_index = self.applying_index.min(self.log.last_index());
        if self.membership_index >= index {
            self.refresh_membership();
        }
    }

    /// Entries committed (or, with ApplyBeforeCommit, merely appended) and not yet handed out.
    fn take_committed_entries(&mut self) -> Vec<Entry> {
        let limit = if self.config.bugs.contains(Bug::ApplyBeforeCommit) {
            self.log.last_index()
        } else {
            self.commit_index
        };
        if limit <= self.applying_index {
            return Vec::new();
        }
        let entries = self.log.slice(self.applying_index + 1, limit).to_vec();
        self.applying_index = limit;
        entries
    }

    /// Moves the commit index forward (never back, paper Figure 2).
    fn commit_to(&mut self, index: Index) {
        let index = index.min(self.log.last_index());
        if index > self.commit_index {
            self.commit_index = index;
        }
    }

    fn check_invariants(&self) {
        if !cfg!(debug_assertions) {
            return;
        }
        if self.config.bugs.is_empty() {
            assert!(
                self.commit_index <= self.log.last_index(),
                "node {}: commit {} beyond last index {}",
                self.id,
                self.commit_index,
                self.log.last_index()
            );
            assert!(
                self.applying_index <= self.commit_index,
                "node {}: applying beyond commit",
                self.id
            );
        }
        assert!(self.applied_index <= self.applying_index || !self.config.bugs.is_empty());
        assert!(
            self.log.snapshot_index() <= self.commit_index,
            "snapshot beyond commit"
        );
        assert!(
            self.persisted_index <= self.log.last_index(),
            "persisted beyond the log"
        );
        if let RoleState::Leader(leader) = &self.role {
            assert_eq!(self.leader_id, Some(self.id), "a leader leads itself");
            assert!(
                leader.transfer.is_some() || !self.removed_and_committed(),
                "node {}: leads after committing its removal without handing off",
                self.id
            );
            for progress in leader.progress.values() {
                progress.check_invariants();
            }
        }
        if self.voted_for.is_some() && matches!(self.role, RoleState::Candidate(_)) {
            assert_eq!(
                self.voted_for,
                Some(self.id),
                "a candidate votes for itself"
            );
        }
    }
}

/// A read's answer, queued for the driver.
fn read_result(read_id: u64, outcome: Result<Index, ReadError>) -> ReadResult {
    ReadResult { read_id, outcome }
}

// Swarm tests run simulations on several threads: a node must be sendable between them.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<RaftNode>();
};
