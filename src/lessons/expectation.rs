//! What a lesson step can wait for ([`Happening`]) and what it can promise ([`Expectation`]):
//! a small vocabulary, just what the built-in lessons need, each term read from the run from
//! outside the nodes (their roles, logs, commit indexes, the client history and the
//! simulator's coverage counters).
//!
//! In a lesson file an expectation is either a string (`"clean"`, `"no_leader"`, or the name
//! of a happening, meaning "it has happened at least once so far") or an object with one
//! field, like `{"leader": 3}`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::raft::{Index, NodeId, Term};
use crate::scenario::ReadKind;
use crate::sim::observe::NodeLook;

/// Something that happens during a run, counted from its start. A `when` step waits for the
/// count to grow past what it was at the previous step; a bare-string expectation asks that
/// it be at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Happening {
    /// A node became a candidate: it incremented its term and asked for votes (§5.2).
    ElectionStarted,
    /// A node won an election and became leader (§5.2).
    LeaderElected,
    /// A term ended with two or more candidates and no leader (§5.2).
    SplitVote,
    /// A leader stepped down while running: it saw a higher term, lost check-quorum (thesis
    /// §6.2) or removed itself (thesis §4.2.2).
    SteppedDown,
    /// A follower answered AppendEntries with a conflict: its log does not contain an entry
    /// at `prevLogIndex` whose term matches `prevLogTerm` (§5.3).
    AppendRejected,
    /// The leader knows an entry of an earlier term is on a majority, and has not committed
    /// it (§5.4.2, Figure 8 (c)).
    EarlierTermEntryOnMajority,
    /// A leader committed entries of an earlier term, together with one of its own (§5.4.2,
    /// Figure 8 (e)).
    EarlierTermCommitted,
    /// A node refused a pre-vote (thesis §9.6).
    PreVoteRejected,
    /// A leader sent an InstallSnapshot chunk (§7).
    InstallSnapshot,
    /// The membership in force on the leader changed (thesis §4.1).
    MembershipChanged,
}

impl Happening {
    pub const ALL: [Happening; 10] = [
        Happening::ElectionStarted,
        Happening::LeaderElected,
        Happening::SplitVote,
        Happening::SteppedDown,
        Happening::AppendRejected,
        Happening::EarlierTermEntryOnMajority,
        Happening::EarlierTermCommitted,
        Happening::PreVoteRejected,
        Happening::InstallSnapshot,
        Happening::MembershipChanged,
    ];

    /// The name used in lesson files.
    pub fn name(self) -> &'static str {
        match self {
            Happening::ElectionStarted => "election_started",
            Happening::LeaderElected => "leader_elected",
            Happening::SplitVote => "split_vote",
            Happening::SteppedDown => "stepped_down",
            Happening::AppendRejected => "append_rejected",
            Happening::EarlierTermEntryOnMajority => "earlier_term_entry_on_majority",
            Happening::EarlierTermCommitted => "earlier_term_committed",
            Happening::PreVoteRejected => "pre_vote_rejected",
            Happening::InstallSnapshot => "install_snapshot",
            Happening::MembershipChanged => "membership_changed",
        }
    }

    pub fn from_name(name: &str) -> Option<Happening> {
        Happening::ALL
            .into_iter()
            .find(|happening| happening.name() == name)
    }
}

/// A promise a step makes about the run at its moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// JSON: the happening's name. It has happened at least once since the run began.
    Happened(Happening),
    /// `"clean"`: no safety violation so far.
    Clean,
    /// `"no_leader"`: no running node is leader.
    NoLeader,
    /// `{"leader": 3}`: node 3 is the leader (of the highest term, if several think so).
    Leader(NodeId),
    /// `{"leader_is_not": 1}`: there is a leader, and it is not node 1.
    LeaderIsNot(NodeId),
    /// `{"term_at_least": 2}`: some node's current term is at least 2.
    TermAtLeast(Term),
    /// `{"node_term_at_most": {"node": 5, "term": 1}}`: node 5's current term (on disk if it
    /// is down) is at most 1.
    NodeTermAtMost { node: NodeId, term: Term },
    /// `{"role": {"node": 1, "is": "leader"}}`, with the role names of `raft-sim run`:
    /// follower, pre_candidate, candidate, leader, learner, down, paused.
    Role { node: NodeId, is: String },
    /// `{"committed_on_all_live_at_least": 5}`: every running node's commit index is at
    /// least 5.
    CommittedOnAllLiveAtLeast(Index),
    /// `{"commit_at_least": {"node": 3, "index": 5}}` (0 while the node is down).
    CommitAtLeast { node: NodeId, index: Index },
    /// `{"commit_at_most": {"node": 3, "index": 5}}`.
    CommitAtMost { node: NodeId, index: Index },
    /// `{"commit_unchanged_since_previous_step": 1}`: node 1 committed nothing new since
    /// the previous step's moment.
    CommitUnchangedSincePreviousStep(NodeId),
    /// `{"log_start_at_least": {"node": 3, "index": 20}}`: node 3's log starts at index 20
    /// or later (what comes before is in its snapshot).
    LogStartAtLeast { node: NodeId, index: Index },
    /// `{"last_index": {"node": 2, "index": 17}}`: node 2's last log entry is at index 17 (on
    /// its disk, while it is down).
    LastIndex { node: NodeId, index: Index },
    /// `{"voted_for": {"node": 2, "candidate": 3}}`: node 2 voted for node 3 in its current
    /// term (`null`: it has not voted).
    VotedFor {
        node: NodeId,
        candidate: Option<NodeId>,
    },
    /// `{"kv": {"node": 3, "key": "x", "value": "1"}}`: node 3's state machine maps x to 1
    /// (`"value": null`: x is absent).
    Kv {
        node: NodeId,
        key: String,
        value: Option<String>,
    },
    /// `{"voters": [1, 2, 3]}`: the leader's membership has exactly these voters.
    Voters(Vec<NodeId>),
    /// `{"learners": [4]}`: the leader's membership has exactly these learners.
    Learners(Vec<NodeId>),
    /// `{"read_returned": {"read": "stale", "key": "x", "value": "1", "within_ms": 80,
    /// "invoked_at_ms": 3200}}`: a client read of this kind has completed with this value
    /// (`null`: absent). Optional: it took at most `within_ms` from call to answer; it was
    /// called at `invoked_at_ms` (a timeline `get` is called at its `at_ms`).
    ReadReturned {
        read: ReadKind,
        key: String,
        value: Option<String>,
        within_ms: Option<u64>,
        invoked_at_ms: Option<u64>,
    },
    /// `{"write_acknowledged": {"key": "x", "value": "2"}}`: a put of this value completed.
    WriteAcknowledged { key: String, value: String },
    /// `{"backup_copies": 5}`: the run's first backup has exactly 5 copies so far (the
    /// simulator checks that every copy is identical).
    BackupCopies(usize),
}

/// The object forms, as serde reads and writes them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Fact {
    Clean,
    NoLeader,
    Leader(NodeId),
    LeaderIsNot(NodeId),
    TermAtLeast(Term),
    NodeTermAtMost {
        node: NodeId,
        term: Term,
    },
    Role {
        node: NodeId,
        is: String,
    },
    CommittedOnAllLiveAtLeast(Index),
    CommitAtLeast {
        node: NodeId,
        index: Index,
    },
    CommitAtMost {
        node: NodeId,
        index: Index,
    },
    CommitUnchangedSincePreviousStep(NodeId),
    LogStartAtLeast {
        node: NodeId,
        index: Index,
    },
    LastIndex {
        node: NodeId,
        index: Index,
    },
    VotedFor {
        node: NodeId,
        candidate: Option<NodeId>,
    },
    Kv {
        node: NodeId,
        key: String,
        value: Option<String>,
    },
    Voters(Vec<NodeId>),
    Learners(Vec<NodeId>),
    ReadReturned {
        read: String,
        key: String,
        value: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        invoked_at_ms: Option<u64>,
    },
    WriteAcknowledged {
        key: String,
        value: String,
    },
    BackupCopies(usize),
}

impl Expectation {
    /// The names of the expectations that are not happenings, as lesson files write them.
    pub const NAMES: [&'static str; 20] = [
        "clean",
        "no_leader",
        "leader",
        "leader_is_not",
        "term_at_least",
        "node_term_at_most",
        "role",
        "committed_on_all_live_at_least",
        "commit_at_least",
        "commit_at_most",
        "commit_unchanged_since_previous_step",
        "log_start_at_least",
        "last_index",
        "voted_for",
        "kv",
        "voters",
        "learners",
        "read_returned",
        "write_acknowledged",
        "backup_copies",
    ];

    /// The name a lesson file gives this expectation: its happening's name, or one of
    /// [`Expectation::NAMES`].
    pub fn name(&self) -> &'static str {
        let index = match self {
            Expectation::Happened(happening) => return happening.name(),
            Expectation::Clean => 0,
            Expectation::NoLeader => 1,
            Expectation::Leader(_) => 2,
            Expectation::LeaderIsNot(_) => 3,
            Expectation::TermAtLeast(_) => 4,
            Expectation::NodeTermAtMost { .. } => 5,
            Expectation::Role { .. } => 6,
            Expectation::CommittedOnAllLiveAtLeast(_) => 7,
            Expectation::CommitAtLeast { .. } => 8,
            Expectation::CommitAtMost { .. } => 9,
            Expectation::CommitUnchangedSincePreviousStep(_) => 10,
            Expectation::LogStartAtLeast { .. } => 11,
            Expectation::LastIndex { .. } => 12,
            Expectation::VotedFor { .. } => 13,
            Expectation::Kv { .. } => 14,
            Expectation::Voters(_) => 15,
            Expectation::Learners(_) => 16,
            Expectation::ReadReturned { .. } => 17,
            Expectation::WriteAcknowledged { .. } => 18,
            Expectation::BackupCopies(_) => 19,
        };
        Expectation::NAMES[index]
    }

    /// Reads one expectation of a lesson file from its JSON text.
    pub fn from_json(json: &str) -> Result<Expectation, String> {
        if let Ok(name) = serde_json::from_str::<String>(json)
            && let Some(happening) = Happening::from_name(&name)
        {
            return Ok(Expectation::Happened(happening));
        }
        let fact = serde_json::from_str::<Fact>(json).map_err(|error| {
            format!(
                "{error} (a string may also name a happening: {})",
                Happening::ALL.map(Happening::name).join(", ")
            )
        })?;
        Expectation::from_fact(fact)
    }

    fn from_fact(fact: Fact) -> Result<Expectation, String> {
        Ok(match fact {
            Fact::Clean => Expectation::Clean,
            Fact::NoLeader => Expectation::NoLeader,
            Fact::Leader(node) => Expectation::Leader(node),
            Fact::LeaderIsNot(node) => Expectation::LeaderIsNot(node),
            Fact::TermAtLeast(term) => Expectation::TermAtLeast(term),
            Fact::NodeTermAtMost { node, term } => Expectation::NodeTermAtMost { node, term },
            Fact::Role { node, is } => {
                // The role names of the `raft-sim run` report.
                let names = NodeLook::ALL.map(NodeLook::name);
                if !names.contains(&is.as_str()) {
                    return Err(format!(
                        "role: unknown role {is:?} (known: {})",
                        names.join(", ")
                    ));
                }
                Expectation::Role { node, is }
            }
            Fact::CommittedOnAllLiveAtLeast(index) => {
                Expectation::CommittedOnAllLiveAtLeast(index)
            }
            Fact::CommitAtLeast { node, index } => Expectation::CommitAtLeast { node, index },
            Fact::CommitAtMost { node, index } => Expectation::CommitAtMost { node, index },
            Fact::CommitUnchangedSincePreviousStep(node) => {
                Expectation::CommitUnchangedSincePreviousStep(node)
            }
            Fact::LogStartAtLeast { node, index } => Expectation::LogStartAtLeast { node, index },
            Fact::LastIndex { node, index } => Expectation::LastIndex { node, index },
            Fact::VotedFor { node, candidate } => Expectation::VotedFor { node, candidate },
            Fact::Kv { node, key, value } => Expectation::Kv { node, key, value },
            Fact::Voters(voters) => Expectation::Voters(voters),
            Fact::Learners(learners) => Expectation::Learners(learners),
            Fact::ReadReturned {
                read,
                key,
                value,
                within_ms,
                invoked_at_ms,
            } => Expectation::ReadReturned {
                read: ReadKind::from_name(&read).ok_or_else(|| {
                    format!("read_returned: unknown read kind {read:?} (known: read_index, lease, stale)")
                })?,
                key,
                value,
                within_ms,
                invoked_at_ms,
            },
            Fact::WriteAcknowledged { key, value } => {
                Expectation::WriteAcknowledged { key, value }
            }
            Fact::BackupCopies(copies) => Expectation::BackupCopies(copies),
        })
    }

    /// The object form again (for messages); `None` for a happening.
    fn to_fact(&self) -> Option<Fact> {
        Some(match self.clone() {
            Expectation::Happened(_) => return None,
            Expectation::Clean => Fact::Clean,
            Expectation::NoLeader => Fact::NoLeader,
            Expectation::Leader(node) => Fact::Leader(node),
            Expectation::LeaderIsNot(node) => Fact::LeaderIsNot(node),
            Expectation::TermAtLeast(term) => Fact::TermAtLeast(term),
            Expectation::NodeTermAtMost { node, term } => Fact::NodeTermAtMost { node, term },
            Expectation::Role { node, is } => Fact::Role { node, is },
            Expectation::CommittedOnAllLiveAtLeast(index) => Fact::CommittedOnAllLiveAtLeast(index),
            Expectation::CommitAtLeast { node, index } => Fact::CommitAtLeast { node, index },
            Expectation::CommitAtMost { node, index } => Fact::CommitAtMost { node, index },
            Expectation::CommitUnchangedSincePreviousStep(node) => {
                Fact::CommitUnchangedSincePreviousStep(node)
            }
            Expectation::LogStartAtLeast { node, index } => Fact::LogStartAtLeast { node, index },
            Expectation::LastIndex { node, index } => Fact::LastIndex { node, index },
            Expectation::VotedFor { node, candidate } => Fact::VotedFor { node, candidate },
            Expectation::Kv { node, key, value } => Fact::Kv { node, key, value },
            Expectation::Voters(voters) => Fact::Voters(voters),
            Expectation::Learners(learners) => Fact::Learners(learners),
            Expectation::ReadReturned {
                read,
                key,
                value,
                within_ms,
                invoked_at_ms,
            } => Fact::ReadReturned {
                read: read.name().to_string(),
                key,
                value,
                within_ms,
                invoked_at_ms,
            },
            Expectation::WriteAcknowledged { key, value } => Fact::WriteAcknowledged { key, value },
            Expectation::BackupCopies(copies) => Fact::BackupCopies(copies),
        })
    }
}

/// Written as in a lesson file.
impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_fact() {
            Some(fact) => {
                let json = serde_json::to_string(&fact).map_err(|_| fmt::Error)?;
                f.write_str(&json)
            }
            None => write!(f, "\"{}\"", self.name()),
        }
    }
}
