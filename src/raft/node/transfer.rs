//! Leadership transfer (thesis §3.10): catch the target up, then tell it to start an election.
//! The same TimeoutNow hands leadership on when a leader commits its own removal (§4.2.2).

use litemap::LiteMap;

use super::{RaftNode, RoleState};
use crate::raft::message::MessageBody;
use crate::raft::progress::Progress;
use crate::raft::types::{Index, Membership, NodeId};

#[derive(Clone, Debug)]
pub(super) struct Transfer {
    pub(super) target: NodeId,
    /// The transfer is abandoned if the target has not taken over by then.
    pub(super) deadline_us: u64,
    timeout_now_sent: bool,
}

/// Why a leadership transfer could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TransferError {
    NotLeader {
        leader_hint: Option<NodeId>,
    },
    /// The leader already leads.
    ToSelf,
    /// Only voters can lead.
    NotVoter(NodeId),
}

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransferError::NotLeader { .. } => write!(f, "only the leader can transfer leadership"),
            TransferError::ToSelf => write!(f, "this node already leads"),
            TransferError::NotVoter(id) => write!(f, "node {id} is not a voter"),
        }
    }
}

impl RaftNode {
    /// Starts handing leadership to `target`. Until it takes over or an election timeout
    /// passes, the leader refuses proposals, so the target can catch up for good.
    pub fn transfer_leadership(
        &mut self,
        now_us: u64,
        target: NodeId,
    ) -> Result<(), TransferError> {
        self.set_now(now_us);
        if !self.is_leader() {
            return Err(TransferError::NotLeader {
                leader_hint: self.leader_id,
            });
        }
        if target == self.id {
            return Err(TransferError::ToSelf);
        }
        if !self.membership.is_voter(target) {
            return Err(TransferError::NotVoter(target));
        }
        let deadline_us = self.now_us + self.config.election_timeout_min_us;
        if let RoleState::Leader(leader) = &mut self.role {
            leader.transfer = Some(Transfer {
                target,
                deadline_us,
                timeout_now_sent: false,
            });
        }
        self.continue_transfer(target);
        self.send_append(target, false);
        self.fill_pipeline(target);
        self.check_invariants();
        Ok(())
    }

    /// Once the target's log matches the leader's, it gets TimeoutNow (once).
    pub(super) fn continue_transfer(&mut self, follower: NodeId) {
        let last_index = self.log.last_index();
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let Some(transfer) = leader.transfer.as_mut() else {
            return;
        };
        let caught_up = leader
            .progress
            .get(&follower)
            .is_some_and(|progress| progress.match_index == last_index);
        if transfer.target == follower && !transfer.timeout_now_sent && caught_up {
            transfer.timeout_now_sent = true;
            leader.lease_forfeited = true;
            self.send(follower, MessageBody::TimeoutNow);
        }
    }

    pub(super) fn expire_transfer(&mut self) {
        let now_us = self.now_us;
        if let RoleState::Leader(leader) = &mut self.role
            && leader
                .transfer
                .as_ref()
                .is_some_and(|transfer| now_us >= transfer.deadline_us)
        {
            leader.transfer = None;
        }
    }

    /// Thesis §4.2.2 with §3.10: a leader that has just committed its own removal hands
    /// leadership on as it steps down, so that the new configuration is not leaderless until
    /// an election timer fires (and the last AppendEntries has just restarted those timers).
    /// TimeoutNow goes to a voter of the new configuration that holds the leader's whole log:
    /// no voter's log is ahead of its own, so it can win, and it holds the committed removal,
    /// so it campaigns under the new configuration. The caller sends the commit index first.
    /// If no voter is caught up, nobody is told, and the voters elect a leader as they would
    /// have without a hand-off. The leader steps down in the same input, so its lease serves
    /// no read after the TimeoutNow leaves.
    pub(super) fn hand_off_after_removal(&mut self) {
        let last_index = self.log.last_index();
        let RoleState::Leader(leader) = &self.role else {
            return;
        };
        // A transfer's TimeoutNow already went out: its target is campaigning, and a second
        // candidate in the same term could only split the vote.
        if leader
            .transfer
            .as_ref()
            .is_some_and(|transfer| transfer.timeout_now_sent)
        {
            return;
        }
        let preferred = leader.transfer.as_ref().map(|transfer| transfer.target);
        let target = hand_off_target(&leader.progress, &self.membership, last_index, preferred);
        if let Some(target) = target {
            self.send(target, MessageBody::TimeoutNow);
        }
    }

    /// The leader asks this node to take over: campaign now, skipping pre-vote, with votes
    /// that override followers' leases (thesis §3.10).
    pub(super) fn handle_timeout_now(&mut self) {
        if !self.is_leader() && self.can_campaign() {
            self.become_candidate(true);
        }
    }
}

/// Whom a removed leader hands leadership to: a voter of `membership` (never a learner, who
/// cannot be elected) whose match index is the leader's `last_index`. A transfer's target
/// (`preferred`) if it qualifies, since someone asked for it; otherwise the lowest id, so the
/// choice is deterministic. `None` if no voter holds the whole log.
fn hand_off_target(
    progress: &LiteMap<NodeId, Progress>,
    membership: &Membership,
    last_index: Index,
    preferred: Option<NodeId>,
) -> Option<NodeId> {
    let caught_up = |voter: &NodeId| {
        membership.is_voter(*voter)
            && progress
                .get(voter)
                .is_some_and(|progress| progress.match_index == last_index)
    };
    // The progress map is ordered by id, so the first caught-up voter has the lowest id.
    preferred
        .filter(caught_up)
        .or_else(|| progress.keys().copied().find(caught_up))
}
