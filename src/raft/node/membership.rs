//! Membership changes, one server at a time (thesis §4.1), with new servers joining as
//! learners and promoted once caught up (thesis §4.2.1).

use super::{ProposeError, RaftNode, RoleState};
use crate::raft::config::Bug;
use crate::raft::progress::Progress;
use crate::raft::types::{Index, Membership, MembershipChange, NodeId, Payload};

impl RaftNode {
    /// Proposes a membership change. Refused unless this node leads, has committed an entry
    /// of its term (thesis §4.1, the fix to the single-server bug), and the previous change
    /// has committed. The new membership takes effect as soon as it is appended.
    pub fn propose_membership_change(
        &mut self,
        now_us: u64,
        change: MembershipChange,
    ) -> Result<Index, ProposeError> {
        self.set_now(now_us);
        self.check_can_propose()?;
        let next = self.next_membership(change)?;
        let index = self.append_as_leader(Payload::Membership(next));
        self.check_invariants();
        Ok(index)
    }

    pub(super) fn check_can_propose(&self) -> Result<(), ProposeError> {
        let RoleState::Leader(leader) = &self.role else {
            return Err(ProposeError::NotLeader {
                leader_hint: self.leader_id,
            });
        };
        if leader.transfer.is_some() {
            return Err(ProposeError::TransferInProgress);
        }
        let uncommitted = self.log.last_index() - self.commit_index;
        if uncommitted >= self.config.max_uncommitted_entries as u64 {
            return Err(ProposeError::TooManyUncommitted);
        }
        Ok(())
    }

    fn next_membership(&self, change: MembershipChange) -> Result<Membership, ProposeError> {
        if !self.committed_in_current_term() {
            return Err(ProposeError::NotYetCommittedInTerm);
        }
        let pending = self.membership_index > self.commit_index;
        if pending && !self.config.bugs.contains(Bug::TwoMembershipChangesAtOnce) {
            return Err(ProposeError::MembershipChangePending);
        }
        self.membership
            .changed(change)
            .map_err(ProposeError::InvalidMembershipChange)
    }

    /// Re-reads the membership in force from the log (after an append, a truncation or a
    /// snapshot) and, on a leader, tracks exactly the new members.
    pub(super) fn refresh_membership(&mut self) {
        let (index, membership) = self.log.membership_at(self.log.last_index());
        self.membership = membership.clone();
        self.membership_index = index;
        let last_index = self.log.last_index();
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        leader
            .progress
            .retain(|member, _| self.membership.contains(*member));
        for member in self
            .membership
            .members()
            .filter(|&member| member != self.id)
        {
            leader
                .progress
                .entry(member)
                .or_insert_with(|| Progress::new(last_index));
        }
        if leader
            .transfer
            .as_ref()
            .is_some_and(|transfer| !self.membership.is_voter(transfer.target))
        {
            leader.transfer = None;
        }
    }

    /// Thesis §4.2.2: a leader that removed itself keeps leading until the change commits
    /// (without counting itself), then hands off and steps down. Says whether that moment has
    /// come (and, while the hand-off lasts, that this leader is leaving).
    pub(super) fn removed_and_committed(&self) -> bool {
        self.is_leader()
            && !self.membership.is_voter(self.id)
            && self.membership_index <= self.commit_index
    }

    /// Promotes `learner` if it has caught up (holds everything committed) and a membership
    /// change is allowed now.
    pub(super) fn maybe_promote_learner(&mut self, learner: NodeId) {
        if !self.membership.is_learner(learner) {
            return;
        }
        let caught_up = self
            .progress()
            .and_then(|progress| progress.get(&learner))
            .is_some_and(|progress| progress.match_index >= self.commit_index);
        if !caught_up || self.check_can_propose().is_err() {
            return;
        }
        // A pending change is not an error here: the promotion waits for the next chance.
        if self.membership_index > self.commit_index {
            return;
        }
        if let Ok(next) = self.next_membership(MembershipChange::Promote(learner)) {
            self.append_as_leader(Payload::Membership(next));
        }
    }

    pub(super) fn maybe_promote_any_learner(&mut self) {
        let learners: Vec<NodeId> = self.membership.learners.iter().copied().collect();
        for learner in learners {
            self.maybe_promote_learner(learner);
        }
    }
}
