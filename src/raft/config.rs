//! A node's configuration: timing, flow-control bounds, the pre-vote and check-quorum switches,
//! and the bug switches that each remove one safety rule on purpose.

use serde::{Deserialize, Serialize};

/// How a node behaves. Every node of a cluster is expected to share one `Config`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Election timeouts are drawn uniformly from `[election_timeout_min_us,
    /// election_timeout_max_us)` each time the timer is reset (paper §5.2).
    pub election_timeout_min_us: u64,
    pub election_timeout_max_us: u64,
    /// How often a leader sends heartbeats.
    pub heartbeat_interval_us: u64,
    /// Ask for pre-votes before incrementing the term (thesis §9.6).
    pub pre_vote: bool,
    /// A leader steps down after an election timeout without hearing from a majority, and a
    /// follower that heard from a leader within the minimum election timeout ignores votes
    /// (thesis §6.2, §4.2.3). Lease reads need it.
    pub check_quorum: bool,
    /// Take a snapshot every this many applied entries; 0 turns automatic snapshots off.
    pub snapshot_every: u64,
    /// Bounds on one AppendEntries message.
    pub max_entries_per_append: usize,
    pub max_append_bytes: usize,
    /// Appends a leader may have in flight to one follower while pipelining.
    pub max_inflight_appends: usize,
    /// InstallSnapshot sends the snapshot in chunks of at most this many bytes.
    pub snapshot_chunk_bytes: usize,
    /// A leader refuses proposals while this many entries are uncommitted.
    pub max_uncommitted_entries: usize,
    /// A node refuses read requests while this many are waiting.
    pub max_pending_reads: usize,
    /// The fastest any node's clock may run fast or slow relative to real time, in parts per
    /// million. Leases are shortened by it (thesis §6.4.1).
    pub clock_drift_bound_ppm: u64,
    /// Safety rules switched off on purpose. Empty by default.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            election_timeout_min_us: 150_000,
            election_timeout_max_us: 300_000,
            heartbeat_interval_us: 50_000,
            pre_vote: true,
            check_quorum: true,
            snapshot_every: 100,
            max_entries_per_append: 16,
            max_append_bytes: 4096,
            max_inflight_appends: 4,
            snapshot_chunk_bytes: 512,
            max_uncommitted_entries: 1024,
            max_pending_reads: 256,
            clock_drift_bound_ppm: 50_000,
            bugs: Bugs::NONE,
        }
    }
}

impl Config {
    /// Checks the values that would make a node misbehave, naming the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        if self.election_timeout_min_us == 0 {
            return Err("election_timeout_min_us must be positive".into());
        }
        if self.election_timeout_max_us <= self.election_timeout_min_us {
            return Err(
                "election_timeout_max_us must be greater than election_timeout_min_us".into(),
            );
        }
        if self.heartbeat_interval_us == 0
            || self.heartbeat_interval_us >= self.election_timeout_min_us
        {
            return Err(
                "heartbeat_interval_us must be positive and below election_timeout_min_us".into(),
            );
        }
        for (name, value) in [
            ("max_entries_per_append", self.max_entries_per_append),
            ("max_append_bytes", self.max_append_bytes),
            ("max_inflight_appends", self.max_inflight_appends),
            ("snapshot_chunk_bytes", self.snapshot_chunk_bytes),
            ("max_uncommitted_entries", self.max_uncommitted_entries),
            ("max_pending_reads", self.max_pending_reads),
        ] {
            if value == 0 {
                return Err(format!("{name} must be positive"));
            }
        }
        if self.clock_drift_bound_ppm >= 1_000_000 {
            return Err("clock_drift_bound_ppm must be below 1000000".into());
        }
        Ok(())
    }

    /// How long after a quorum acknowledged a heartbeat the leader may serve lease reads,
    /// measured on its own clock (thesis §6.4.1).
    ///
    /// Followers refuse votes for `election_timeout_min_us` on their clocks after hearing from
    /// the leader. With clocks running up to `ρ` fast or slow, that lasts at least
    /// `min / (1 + ρ)` real time, and a leader whose clock runs slow measures `L` as
    /// `L / (1 - ρ)` real time: the lease is safe when `L <= min * (1 - ρ) / (1 + ρ)`.
    pub fn lease_duration_us(&self) -> u64 {
        if self.bugs.contains(Bug::LeaseWithoutDriftMargin) {
            return self.election_timeout_min_us;
        }
        let rho = self.clock_drift_bound_ppm as u128;
        let million = 1_000_000u128;
        let lease = self.election_timeout_min_us as u128 * (million - rho) / (million + rho);
        lease as u64
    }
}

/// One safety rule of Raft, switched off on purpose: a teaching feature (break Raft, watch the
/// checker catch it) and the proof that the checkers can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bug {
    /// Commit an entry of an earlier term by counting replicas (paper §5.4.2, Figure 8).
    CommitEarlierTermByCounting,
    /// Grant votes without checking the candidate's log is up to date (paper §5.4.1).
    VoteWithoutLogCheck,
    /// Restart with no vote recorded for the current term (paper Figure 2: votedFor is persistent).
    ForgetVoteOnRestart,
    /// On AppendEntries, drop everything after `prev_log_index` even when it matches (§5.3).
    TruncateWithoutConflict,
    /// Accept AppendEntries from a leader of an older term (paper Figure 2, receiver rule 1).
    AcceptStaleTermAppend,
    /// Hand entries to the state machine as soon as they are appended, before they commit.
    ApplyBeforeCommit,
    /// Answer reads from the leader's state right away, without confirming it still leads.
    ReadWithoutReadIndex,
    /// Lease reads for the full minimum election timeout, ignoring clock drift (thesis §6.4.1).
    LeaseWithoutDriftMargin,
    /// Allow a second membership change before the first has committed (thesis §4.1).
    TwoMembershipChangesAtOnce,
    /// Let a forced election timeout start a campaign inside a leader's lease: the node votes
    /// for itself while the lease counts on it to vote for no one (thesis §6.4.1).
    CampaignInsideLease,
    /// Trust the lease again once a leadership transfer is given up, though its TimeoutNow
    /// may still arrive and win votes that override leases (thesis §3.10, §6.4.1).
    LeaseAfterTimeoutNow,
    /// Leave the client sessions out of the state machine's snapshot (thesis §6.3: the session
    /// table is part of the state machine, so a snapshot must include it). A server that
    /// restores from such a snapshot, by InstallSnapshot or at a restart, has forgotten which
    /// commands it executed, and executes a retried command's later copy in the log again.
    /// The core never sees it: the driver asks its state machine for the snapshot data.
    SnapshotWithoutSessions,
    /// Back up when the barrier entry reaches the node's log rather than where the node
    /// applies it: the state machine lags the log by however far the node had applied then,
    /// so the nodes' copies differ. The core never sees it: the driver takes the backups.
    BackupOnAppend,
}

impl Bug {
    pub const ALL: [Bug; 13] = [
        Bug::CommitEarlierTermByCounting,
        Bug::VoteWithoutLogCheck,
        Bug::ForgetVoteOnRestart,
        Bug::TruncateWithoutConflict,
        Bug::AcceptStaleTermAppend,
        Bug::ApplyBeforeCommit,
        Bug::ReadWithoutReadIndex,
        Bug::LeaseWithoutDriftMargin,
        Bug::TwoMembershipChangesAtOnce,
        Bug::CampaignInsideLease,
        Bug::LeaseAfterTimeoutNow,
        Bug::SnapshotWithoutSessions,
        Bug::BackupOnAppend,
    ];

    /// The name used in scenarios, links and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::CommitEarlierTermByCounting => "commit_earlier_term_by_counting",
            Bug::VoteWithoutLogCheck => "vote_without_log_check",
            Bug::ForgetVoteOnRestart => "forget_vote_on_restart",
            Bug::TruncateWithoutConflict => "truncate_without_conflict",
            Bug::AcceptStaleTermAppend => "accept_stale_term_append",
            Bug::ApplyBeforeCommit => "apply_before_commit",
            Bug::ReadWithoutReadIndex => "read_without_read_index",
            Bug::LeaseWithoutDriftMargin => "lease_without_drift_margin",
            Bug::TwoMembershipChangesAtOnce => "two_membership_changes_at_once",
            Bug::CampaignInsideLease => "campaign_inside_lease",
            Bug::LeaseAfterTimeoutNow => "lease_after_timeout_now",
            Bug::SnapshotWithoutSessions => "snapshot_without_sessions",
            Bug::BackupOnAppend => "backup_on_append",
        }
    }

    pub fn from_name(name: &str) -> Option<Bug> {
        Bug::ALL.into_iter().find(|bug| bug.name() == name)
    }

    /// One sentence for people: the rule this switch removes.
    pub fn rule(self) -> &'static str {
        match self {
            Bug::CommitEarlierTermByCounting => {
                "only entries of the leader's current term are committed by counting replicas"
            }
            Bug::VoteWithoutLogCheck => {
                "a vote goes only to a candidate whose log is at least as up to date"
            }
            Bug::ForgetVoteOnRestart => {
                "the vote is persisted: one vote per term, even across a restart"
            }
            Bug::TruncateWithoutConflict => "a follower truncates its log only at a real conflict",
            Bug::AcceptStaleTermAppend => "AppendEntries from an older term is rejected",
            Bug::ApplyBeforeCommit => "only committed entries are applied",
            Bug::ReadWithoutReadIndex => "a leader confirms it still leads before answering a read",
            Bug::LeaseWithoutDriftMargin => "lease reads allow for clock drift",
            Bug::TwoMembershipChangesAtOnce => {
                "at most one membership change is uncommitted at a time"
            }
            Bug::CampaignInsideLease => {
                "a server inside its leader's lease votes for no one, itself included"
            }
            Bug::LeaseAfterTimeoutNow => {
                "a leader that sent TimeoutNow no longer trusts its lease in that term"
            }
            Bug::SnapshotWithoutSessions => {
                "a snapshot includes the client sessions, so a restored server applies each command once"
            }
            Bug::BackupOnAppend => {
                "a node backs up where it applies the barrier entry, every entry before it applied"
            }
        }
    }
}

/// A set of [`Bug`]s, as a bit set: checked on hot paths, so it must be cheap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bugs(u16);

impl Bugs {
    pub const NONE: Bugs = Bugs(0);

    pub fn contains(self, bug: Bug) -> bool {
        self.0 & Self::bit(bug) != 0
    }

    pub fn insert(&mut self, bug: Bug) {
        self.0 |= Self::bit(bug);
    }

    pub fn remove(&mut self, bug: Bug) {
        self.0 &= !Self::bit(bug);
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Bug> {
        Bug::ALL.into_iter().filter(move |bug| self.contains(*bug))
    }

    fn bit(bug: Bug) -> u16 {
        1 << (bug as u16)
    }
}

impl FromIterator<Bug> for Bugs {
    fn from_iter<I: IntoIterator<Item = Bug>>(iter: I) -> Self {
        let mut bugs = Bugs::NONE;
        for bug in iter {
            bugs.insert(bug);
        }
        bugs
    }
}

// Serialized as a list of names, so scenarios read `"bugs": ["vote_without_log_check"]`.
impl Serialize for Bugs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Bugs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bugs = Vec::<Bug>::deserialize(deserializer)?;
        Ok(bugs.into_iter().collect())
    }
}
