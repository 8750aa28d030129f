//! Elections (paper §5.2, §5.4.1) and pre-vote (thesis §9.6).

use std::collections::BTreeSet;

use litemap::LiteMap;

use super::{LeaderState, RaftNode, RoleState};
use crate::raft::config::Bug;
use crate::raft::message::MessageBody;
use crate::raft::progress::Progress;
use crate::raft::quorum::{self, VoteResult};
use crate::raft::types::{Index, NodeId, Payload, Term};

/// The answers a (pre-)candidate has collected, from voters only.
#[derive(Clone, Debug, Default)]
pub(super) struct Votes {
    pub(super) granted: BTreeSet<NodeId>,
    pub(super) rejected: BTreeSet<NodeId>,
}

/// What a vote request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ballot {
    /// Would you vote for me in the next term (thesis §9.6)? Changes nothing on either side.
    PreVote,
    /// A vote in the candidate's term; `leadership_transfer` if the leader itself asked the
    /// candidate to take over (TimeoutNow, thesis §3.10).
    Vote { leadership_transfer: bool },
}

impl RaftNode {
    /// The election timer fired, or a person forced it.
    pub(super) fn on_election_timeout(&mut self) {
        if !self.can_campaign() {
            self.reset_election_timer();
            return;
        }
        if self.config.pre_vote {
            self.become_pre_candidate();
        } else {
            self.become_candidate(false);
        }
    }

    /// Forces this node's election timeout now, as if its timer had fired. A leader ignores it.
    /// Returns whether a (pre-)campaign started.
    pub fn trigger_election_timeout(
        &mut self,
        now_us: u64,
        random: &mut dyn super::RandomSource,
    ) -> bool {
        self.begin_input(now_us, random);
        // Inside a leader's lease the timer cannot fire by itself (its deadline is at least the
        // minimum timeout after the contact), and must not be made to: the node's own vote
        // would break the promise the leader's lease reads count on (thesis §6.4.1).
        let lease_binds =
            self.in_leader_lease() && !self.config.bugs.contains(Bug::CampaignInsideLease);
        if self.is_leader() || lease_binds {
            return false;
        }
        self.on_election_timeout();
        self.check_invariants();
        matches!(
            self.role,
            RoleState::PreCandidate(_) | RoleState::Candidate(_) | RoleState::Leader(_)
        )
    }

    /// Voters campaign — and so does a server whose own removal is appended but not yet
    /// committed, since it may hold the only up-to-date log needed to commit it (as a leader
    /// managing a cluster without itself, thesis §4.2.2); otherwise the remaining voters, who
    /// lack the removal, could never get its vote. Either way the election counts only the
    /// latest configuration's voters, so majorities still overlap. Nobody campaigns while a
    /// committed membership change is still unapplied: the node might not yet know who the
    /// voters are, and could win with the old majority in the same term as a leader elected
    /// by the new one (tikv/raft-rs#221, etcd#12133).
    pub fn can_campaign(&self) -> bool {
        let voter = self.membership.is_voter(self.id);
        let removal_pending = !voter
            && self.membership_index > self.commit_index
            && self
                .log
                .membership_at(self.membership_index - 1)
                .1
                .is_voter(self.id);
        (voter || removal_pending) && !self.has_unapplied_membership_change()
    }

    fn has_unapplied_membership_change(&self) -> bool {
        self.applied_index < self.commit_index
            && self.log.has_membership_entry(
                self.applied_index.max(self.log.snapshot_index()) + 1,
                self.commit_index,
            )
    }

    /// Thesis §9.6: ask whether a majority would vote for us, without touching any term.
    fn become_pre_candidate(&mut self) {
        self.role = RoleState::PreCandidate(Votes::default());
        self.leader_id = None;
        self.reset_election_timer();
        let body = MessageBody::PreVote {
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        let campaign_term = self.current_term + 1;
        for voter in self.other_voters() {
            self.send_with_term(voter, campaign_term, body.clone());
        }
        if self.membership.is_voter(self.id) {
            self.record_vote(self.id, true);
        } else {
            self.check_vote_result();
        }
    }

    /// Paper §5.2: "a follower increments its current term and transitions to candidate
    /// state. It then votes for itself and issues RequestVote RPCs in parallel".
    pub(super) fn become_candidate(&mut self, leadership_transfer: bool) {
        self.current_term += 1;
        self.voted_for = Some(self.id);
        self.role = RoleState::Candidate(Votes::default());
        self.leader_id = None;
        self.fail_forwarded_reads();
        self.reset_election_timer();
        let body = MessageBody::RequestVote {
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            leadership_transfer,
        };
        for voter in self.other_voters() {
            self.send(voter, body.clone());
        }
        if self.membership.is_voter(self.id) {
            self.record_vote(self.id, true);
        } else {
            self.check_vote_result();
        }
    }

    fn other_voters(&self) -> Vec<NodeId> {
        self.membership
            .voters
            .iter()
            .copied()
            .filter(|&voter| voter != self.id)
            .collect()
    }

    /// Paper Figure 2, RequestVote receiver: grant if we have not voted for someone else in
    /// this term and the candidate's log is at least as up to date as ours. A pre-vote is
    /// granted on the same conditions for the term it names, and changes nothing here.
    pub(super) fn handle_vote_request(
        &mut self,
        candidate: NodeId,
        term: Term,
        ballot: Ballot,
        last_log_index: Index,
        last_log_term: Term,
    ) {
        let pre_vote = ballot == Ballot::PreVote;
        let could_vote = if pre_vote {
            term > self.current_term
                || self.voted_for == Some(candidate)
                || (self.voted_for.is_none() && self.leader_id.is_none())
        } else {
            self.voted_for == Some(candidate)
                || (self.voted_for.is_none() && self.leader_id.is_none())
        };
        let log_ok = self.config.bugs.contains(Bug::VoteWithoutLogCheck)
            || self.log.is_up_to_date(last_log_index, last_log_term);
        // A server that believes a leader is alive helps no one replace it: no pre-vote
        // (thesis §9.6), and with check-quorum no vote either, whatever term the request came
        // to carry (the leader's lease counts on it, §6.4.1), unless the leader itself handed
        // over or this vote was already given.
        let lease_ok = match ballot {
            Ballot::PreVote => !self.heard_from_leader_recently(),
            Ballot::Vote {
                leadership_transfer,
            } => {
                leadership_transfer || self.voted_for == Some(candidate) || !self.in_leader_lease()
            }
        };
        let granted = could_vote && log_ok && lease_ok;
        if pre_vote {
            let reply_term = if granted { term } else { self.current_term };
            self.send_with_term(
                candidate,
                reply_term,
                MessageBody::PreVoteResponse { granted },
            );
            return;
        }
        if granted {
            self.voted_for = Some(candidate);
            self.reset_election_timer();
        }
        self.send(candidate, MessageBody::RequestVoteResponse { granted });
    }

    pub(super) fn handle_vote_response(
        &mut self,
        voter: NodeId,
        term: Term,
        pre_vote: bool,
        granted: bool,
    ) {
        let in_matching_campaign = match self.role {
            // A granted pre-vote echoes the term we would campaign in; anything else is stale.
            RoleState::PreCandidate(_) => pre_vote && (!granted || term == self.current_term + 1),
            RoleState::Candidate(_) => !pre_vote && term == self.current_term,
            _ => false,
        };
        if in_matching_campaign && self.membership.is_voter(voter) {
            self.record_vote(voter, granted);
        }
    }

    /// Counts one answer and acts on the outcome.
    fn record_vote(&mut self, voter: NodeId, granted: bool) {
        match &mut self.role {
            RoleState::PreCandidate(votes) | RoleState::Candidate(votes) => {
                if granted {
                    votes.granted.insert(voter);
                } else {
                    votes.rejected.insert(voter);
                }
            }
            _ => return,
        }
        self.check_vote_result();
    }

    /// Acts on where the (pre-)election stands.
    fn check_vote_result(&mut self) {
        let voters = self.membership.voters.len();
        let result = match &self.role {
            RoleState::PreCandidate(votes) | RoleState::Candidate(votes) => {
                quorum::vote_result(voters, votes.granted.len(), votes.rejected.len())
            }
            _ => return,
        };
        match (result, &self.role) {
            (VoteResult::Won, RoleState::PreCandidate(_)) => self.become_candidate(false),
            (VoteResult::Won, RoleState::Candidate(_)) => self.become_leader(),
            (VoteResult::Lost, _) => self.become_follower(self.current_term, None),
            _ => {}
        }
    }

    /// Paper §5.2/§8: the winner sends heartbeats to establish its authority, and appends a
    /// no-op entry so that committing it commits everything before it.
    fn become_leader(&mut self) {
        let last_index = self.log.last_index();
        // Built by insertion, not `collect` or `extend`: those sort a buffer first, and that
        // stable sort is compiled anew for each element type, which weighs on the page's wasm.
        let mut progress = LiteMap::new();
        for member in self
            .membership
            .members()
            .filter(|&member| member != self.id)
        {
            progress.insert(member, Progress::new(last_index));
        }
        self.role = RoleState::Leader(Box::new(LeaderState {
            progress,
            heartbeat_deadline_us: self.now_us + self.config.heartbeat_interval_us,
            check_quorum_deadline_us: self.now_us + self.config.election_timeout_min_us,
            transfer: None,
            lease_forfeited: false,
            reads: Default::default(),
        }));
        self.leader_id = Some(self.id);
        self.append_as_leader(Payload::Noop);
    }
}
