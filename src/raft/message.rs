//! The messages nodes exchange. Every message carries the sender's term (paper §5.1).

use serde::{Deserialize, Serialize};

use super::types::{Bytes, Entry, Index, Membership, NodeId, Term};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's current term, except for pre-votes: a PreVote carries the term the sender
    /// would campaign in, and a granted PreVoteResponse echoes it (thesis §9.6).
    pub term: Term,
    pub body: MessageBody,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageBody {
    /// "Would you vote for me?" asked without incrementing a term (thesis §9.6).
    PreVote {
        last_log_index: Index,
        last_log_term: Term,
    },
    PreVoteResponse {
        granted: bool,
    },
    /// RequestVote RPC (paper Figure 2). `leadership_transfer` marks a campaign started by
    /// TimeoutNow, which a follower grants even while it still hears from a leader.
    RequestVote {
        last_log_index: Index,
        last_log_term: Term,
        leadership_transfer: bool,
    },
    RequestVoteResponse {
        granted: bool,
    },
    /// AppendEntries RPC (paper Figure 2), carrying at most the configured number and size
    /// of entries.
    AppendEntries {
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
    },
    AppendEntriesResponse {
        outcome: AppendOutcome,
    },
    /// A leader's periodic "I am still here". Unlike an empty AppendEntries it carries no log
    /// position, so it never disturbs pipelined appends; `leader_commit` is capped at what the
    /// follower is known to hold. `round` numbers the heartbeat for read confirmation.
    Heartbeat {
        leader_commit: Index,
        round: u64,
    },
    HeartbeatResponse {
        round: u64,
    },
    /// InstallSnapshot RPC (paper Figure 13): one chunk of `data` starting at `offset`.
    InstallSnapshot {
        last_included_index: Index,
        last_included_term: Term,
        membership: Membership,
        offset: u64,
        total_bytes: u64,
        chunk: Bytes,
    },
    /// Answers the chunk at `offset`: `next_offset` is how many bytes of the snapshot the
    /// follower holds; once it has installed the snapshot (or already had everything it
    /// covers) `match_index` is set.
    InstallSnapshotResponse {
        last_included_index: Index,
        offset: u64,
        next_offset: u64,
        match_index: Option<Index>,
    },
    /// Sent by a leader handing over leadership: start an election now (thesis §3.10).
    TimeoutNow,
    /// A follower asks the leader to confirm a read (thesis §6.4).
    ReadIndex {
        read_id: u64,
    },
    /// The leader's answer: the index the follower must apply up to before serving the read.
    ReadIndexResponse {
        read_id: u64,
        read_index: Option<Index>,
    },
}

/// How a follower answered AppendEntries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppendOutcome {
    /// The follower's log now matches the leader's up to `match_index`.
    Success { match_index: Index },
    /// The follower has no entry at `prev_log_index` with the leader's `prev_log_term`. The
    /// hints let the leader skip a whole term at a time (paper §5.3, last paragraphs):
    /// `conflict_term` is the term of the follower's entry at `prev_log_index` (none if its
    /// log is shorter), `conflict_index` the first index it holds of that term (or its last
    /// index + 1).
    Conflict {
        prev_log_index: Index,
        conflict_term: Option<Term>,
        conflict_index: Index,
    },
    /// The sender is a leader of an older term: the response's term tells it to step down.
    StaleTerm,
}

impl MessageBody {
    /// A short name for traces and the page.
    pub fn kind(&self) -> &'static str {
        match self {
            MessageBody::PreVote { .. } => "PreVote",
            MessageBody::PreVoteResponse { .. } => "PreVoteResponse",
            MessageBody::RequestVote { .. } => "RequestVote",
            MessageBody::RequestVoteResponse { .. } => "RequestVoteResponse",
            MessageBody::AppendEntries { .. } => "AppendEntries",
            MessageBody::AppendEntriesResponse { .. } => "AppendEntriesResponse",
            MessageBody::Heartbeat { .. } => "Heartbeat",
            MessageBody::HeartbeatResponse { .. } => "HeartbeatResponse",
            MessageBody::InstallSnapshot { .. } => "InstallSnapshot",
            MessageBody::InstallSnapshotResponse { .. } => "InstallSnapshotResponse",
            MessageBody::TimeoutNow => "TimeoutNow",
            MessageBody::ReadIndex { .. } => "ReadIndex",
            MessageBody::ReadIndexResponse { .. } => "ReadIndexResponse",
        }
    }

    /// Whether this is an answer to another message.
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            MessageBody::PreVoteResponse { .. }
                | MessageBody::RequestVoteResponse { .. }
                | MessageBody::AppendEntriesResponse { .. }
                | MessageBody::HeartbeatResponse { .. }
                | MessageBody::InstallSnapshotResponse { .. }
                | MessageBody::ReadIndexResponse { .. }
        )
    }
}
