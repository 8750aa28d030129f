//! Leadership transfer (thesis §3.10): catch the target up, then tell it to start an election.

use super::{RaftNode, RoleState};
use crate::raft::message::MessageBody;
use crate::raft::types::NodeId;

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

    /// The leader asks this node to take over: campaign now, skipping pre-vote, with votes
    /// that override followers' leases (thesis §3.10).
    pub(super) fn handle_timeout_now(&mut self) {
        if !self.is_leader() && self.can_campaign() {
            self.become_candidate(true);
        }
    }
}
