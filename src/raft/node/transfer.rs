//! Leadership transfer (thesis §3.10): catch the target up, then tell it to start an election.
//! A leader that commits its own removal (§4.2.2) leaves through a transfer too: it stops
//! taking proposals and reads, and steps down once TimeoutNow is sent or the transfer fails.

use std::cmp::Reverse;

use litemap::LiteMap;

use super::{RaftNode, RoleState};
use crate::raft::message::MessageBody;
use crate::raft::progress::Progress;
use crate::raft::types::{Membership, NodeId};

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
        let leaving = self.removed_and_committed();
        if let RoleState::Leader(leader) = &mut self.role {
            // A leader leaving after its removal is already transferring (see
            // `hand_off_after_removal`). Asking again may choose its target, but keeps the
            // first deadline: a removed server must not go on leading for as long as someone
            // keeps asking.
            let deadline_us = match &leader.transfer {
                Some(transfer) if leaving => transfer.deadline_us,
                _ => self.now_us + self.config.election_timeout_min_us,
            };
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
            if self.removed_and_committed() {
                self.become_follower(self.current_term, None);
            }
        }
    }

    /// Gives up a transfer whose target has not taken over in time. A leader leaving after its
    /// removal has nothing more to wait for and steps down; any other leader takes proposals
    /// again, so a learner that caught up during the transfer is promoted now rather than at
    /// the next commit.
    pub(super) fn expire_transfer(&mut self) {
        let now_us = self.now_us;
        if let RoleState::Leader(leader) = &mut self.role
            && leader
                .transfer
                .as_ref()
                .is_some_and(|transfer| now_us >= transfer.deadline_us)
        {
            leader.transfer = None;
            if self.removed_and_committed() {
                self.become_follower(self.current_term, None);
            } else {
                self.maybe_promote_any_learner();
            }
        }
    }

    /// Thesis §4.2.2 with §3.10: a leader that has committed its own removal hands leadership
    /// on, so that the new configuration is not leaderless until an election timer fires (and
    /// the last AppendEntries has just restarted those timers). It transfers leadership to the
    /// voter of the new configuration with the longest log, and until that voter holds the
    /// whole log (it can then win, and it holds the committed removal, so it campaigns under
    /// the new configuration) it goes on replicating, refusing proposals and reads. It steps
    /// down when TimeoutNow leaves (see `continue_transfer`) or the transfer times out. The
    /// caller sends the commit index first. Called again whenever a match index grows while
    /// leaving: a voter that got further than the target becomes the target, within the
    /// first deadline, so leaving takes one transfer timeout at most.
    pub(super) fn hand_off_after_removal(&mut self) {
        let now_us = self.now_us;
        let timeout_us = self.config.election_timeout_min_us;
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let transfer = leader.transfer.as_ref();
        // A transfer's TimeoutNow already went out: its target is campaigning, and a second
        // candidate in the same term could only split the vote.
        let sent = transfer.is_some_and(|transfer| transfer.timeout_now_sent);
        let preferred = transfer.map(|transfer| transfer.target);
        let target = hand_off_target(&leader.progress, &self.membership, preferred);
        let deadline_us = transfer.map_or(now_us + timeout_us, |transfer| transfer.deadline_us);
        let (Some(target), false) = (target, sent) else {
            self.become_follower(self.current_term, None);
            return;
        };
        leader.transfer = Some(Transfer {
            target,
            deadline_us,
            timeout_now_sent: false,
        });
        // Reads confirmed from now on would be served by a node outside the configuration.
        self.fail_leader_reads();
        self.continue_transfer(target);
    }

    /// The leader asks this node to take over: campaign now, skipping pre-vote, with votes
    /// that override followers' leases (thesis §3.10).
    pub(super) fn handle_timeout_now(&mut self) {
        if !self.is_leader() && self.can_campaign() {
            self.become_candidate(true);
        }
    }
}

/// Whom a removed leader hands leadership to: the voter of `membership` (never a learner, who
/// cannot be elected) with the highest match index; among equals a transfer's target
/// (`preferred`), since someone asked for it, then the lowest id, so the choice is
/// deterministic. `None` if the membership has no other voter.
fn hand_off_target(
    progress: &LiteMap<NodeId, Progress>,
    membership: &Membership,
    preferred: Option<NodeId>,
) -> Option<NodeId> {
    progress
        .iter()
        .filter(|(voter, _)| membership.is_voter(**voter))
        .max_by_key(|&(&voter, progress)| {
            (
                progress.match_index,
                Some(voter) == preferred,
                Reverse(voter),
            )
        })
        .map(|(&voter, _)| voter)
}
