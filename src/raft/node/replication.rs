//! Log replication (paper §5.3), the commit rule (§5.4.2), heartbeats, and the leader's timers.

use super::{RaftNode, RoleState};
use crate::raft::config::Bug;
use crate::raft::message::{AppendOutcome, MessageBody};
use crate::raft::progress::ProgressState;
use crate::raft::quorum;
use crate::raft::types::{Entry, Index, NodeId, Payload, Term};

impl RaftNode {
    // ----- Leader side. -----

    pub(super) fn tick_leader(&mut self) {
        let RoleState::Leader(leader) = &self.role else {
            return;
        };
        let heartbeat_due = self.now_us >= leader.heartbeat_deadline_us;
        let check_quorum_due =
            self.config.check_quorum && self.now_us >= leader.check_quorum_deadline_us;
        if check_quorum_due && !self.quorum_recently_active() {
            // Thesis §6.2: a leader that has not heard from a majority for an election
            // timeout steps down, so clients can find the real leader.
            self.become_follower(self.current_term, None);
            return;
        }
        if heartbeat_due {
            self.broadcast_heartbeat();
        }
        self.expire_transfer();
    }

    /// Check-quorum: were a majority of voters heard from since the last check? Resets the
    /// record for the next period.
    fn quorum_recently_active(&mut self) -> bool {
        let now_us = self.now_us;
        let period_us = self.config.election_timeout_min_us;
        let voters = &self.membership.voters;
        let RoleState::Leader(leader) = &mut self.role else {
            return true;
        };
        let active = voters
            .iter()
            .filter(|&&voter| {
                voter == self.id || leader.progress.get(&voter).is_some_and(|p| p.recent_active)
            })
            .count();
        for (_, progress) in leader.progress.iter_mut() {
            progress.recent_active = false;
        }
        leader.check_quorum_deadline_us = now_us + period_us;
        active >= quorum::majority(voters.len())
    }

    /// Sends a heartbeat to every follower, opening a new round (see `reads`), and resends
    /// snapshot chunks that went unanswered.
    pub(super) fn broadcast_heartbeat(&mut self) {
        let commit_index = self.commit_index;
        let now_us = self.now_us;
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        leader.heartbeat_deadline_us = now_us + self.config.heartbeat_interval_us;
        let round = leader.reads.open_round(now_us);
        let beats: Vec<(NodeId, Index)> = leader
            .progress
            .iter_mut()
            .map(|(&follower, progress)| {
                // A follower must not learn a commit index beyond what it is known to hold.
                let leader_commit = commit_index.min(progress.match_index);
                progress.sent_commit = progress.sent_commit.max(leader_commit);
                (follower, leader_commit)
            })
            .collect();
        for (follower, leader_commit) in beats {
            self.send(
                follower,
                MessageBody::Heartbeat {
                    leader_commit,
                    round,
                },
            );
        }
        self.confirm_reads();
        // Here rather than on the heartbeat timer alone: reads send heartbeats too and put
        // the timer off, so under a steady stream of them it never fires (lease swarm seed
        // 9568: a follower's last snapshot answer was lost, and it never caught up).
        self.resend_stalled_snapshots();
    }

    /// Sends new entries (or, with `send_empty`, at least the commit index) to every follower.
    pub(super) fn broadcast_append(&mut self, send_empty: bool) {
        let followers: Vec<NodeId> = match &self.role {
            RoleState::Leader(leader) => leader.progress.keys().copied().collect(),
            _ => return,
        };
        for follower in followers {
            self.send_append(follower, send_empty);
            self.fill_pipeline(follower);
        }
    }

    /// Keeps sending appends to `follower` while its flow control allows and entries remain.
    pub(super) fn fill_pipeline(&mut self, follower: NodeId) {
        while self.send_append(follower, false) {}
    }

    /// Sends one AppendEntries (or a snapshot chunk, if the entries are compacted) to
    /// `follower`, if its flow control allows. Without `send_empty`, only sends when there
    /// are entries to carry. Returns whether an append with entries went out.
    pub(super) fn send_append(&mut self, follower: NodeId, send_empty: bool) -> bool {
        let RoleState::Leader(leader) = &mut self.role else {
            return false;
        };
        let Some(progress) = leader.progress.get_mut(&follower) else {
            return false;
        };
        if progress.is_paused() {
            return false;
        }
        if progress.next_index <= self.log.snapshot_index() {
            // Paper §7: the entries this follower needs are gone; send the snapshot instead.
            progress.become_snapshot(self.log.snapshot().clone());
            self.send_snapshot_chunk(follower);
            return false;
        }
        let prev_log_index = progress.next_index - 1;
        let prev_log_term = self
            .log
            .term_at(prev_log_index)
            .expect("prev entry is held or the snapshot's");
        let entries: Vec<Entry> = self
            .log
            .entries_from(
                progress.next_index,
                self.config.max_entries_per_append,
                self.config.max_append_bytes,
            )
            .to_vec();
        if entries.is_empty() && !send_empty {
            return false;
        }
        let carried = !entries.is_empty();
        let last_sent = entries.last().map_or(prev_log_index, |entry| entry.index);
        progress.on_append_sent(last_sent, carried);
        let leader_commit = self.commit_index;
        progress.sent_commit = progress.sent_commit.max(leader_commit);
        self.send(
            follower,
            MessageBody::AppendEntries {
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            },
        );
        carried
    }

    pub(super) fn handle_append_response(&mut self, follower: NodeId, outcome: AppendOutcome) {
        let max_inflight = self.config.max_inflight_appends;
        let hinted_next = match outcome {
            AppendOutcome::Conflict {
                prev_log_index,
                conflict_term,
                conflict_index,
            } => Some(self.hinted_next_index(prev_log_index, conflict_term, conflict_index)),
            _ => None,
        };
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let Some(progress) = leader.progress.get_mut(&follower) else {
            return;
        };
        progress.recent_active = true;
        match outcome {
            AppendOutcome::Success { match_index } => {
                let advanced = progress.on_success(match_index);
                let snapshot_covered = matches!(&progress.state, ProgressState::Snapshot { snapshot, .. }
                    if progress.match_index >= snapshot.last_included_index);
                if matches!(progress.state, ProgressState::Probe { .. }) {
                    progress.become_replicate(max_inflight);
                } else if snapshot_covered {
                    progress.become_probe();
                }
                if advanced {
                    self.on_match_advanced(follower);
                }
                self.fill_pipeline(follower);
                self.send_commit_if_behind(follower);
            }
            AppendOutcome::Conflict { prev_log_index, .. } => {
                let hinted_next = hinted_next.expect("computed for conflicts");
                if progress.on_conflict(prev_log_index, hinted_next) {
                    self.send_append(follower, true);
                }
            }
            AppendOutcome::StaleTerm => {}
        }
    }

    /// A follower that caught up after the last commit broadcast passed it by learns the
    /// commit index now, not at the next heartbeat.
    fn send_commit_if_behind(&mut self, follower: NodeId) {
        let behind = self
            .progress()
            .and_then(|progress| progress.get(&follower))
            .is_some_and(|progress| {
                progress.sent_commit < self.commit_index.min(progress.match_index)
            });
        if behind {
            self.send_append(follower, true);
        }
    }

    /// Fast backtracking (paper §5.3, last paragraphs): skip the follower's whole conflicting
    /// term at once. If the leader has entries of `conflict_term`, the follower's log may match
    /// up to the leader's last one; otherwise it matches at best before `conflict_index`.
    fn hinted_next_index(
        &self,
        prev_log_index: Index,
        conflict_term: Option<Term>,
        conflict_index: Index,
    ) -> Index {
        match conflict_term {
            Some(term) => match self.log.last_index_of_term(term, prev_log_index) {
                Some(last_of_term) => last_of_term + 1,
                None => conflict_index,
            },
            None => conflict_index,
        }
    }

    /// A follower's match index grew: maybe commit, maybe hand over leadership, maybe promote.
    /// A leader leaving after its removal may now hand off to this follower instead.
    pub(super) fn on_match_advanced(&mut self, follower: NodeId) {
        self.maybe_commit();
        if self.removed_and_committed() {
            self.hand_off_after_removal();
        }
        self.continue_transfer(follower);
        self.maybe_promote_learner(follower);
    }

    /// Paper §5.4.2: the leader commits the highest index a majority of voters holds, but
    /// only if that entry is of its current term; earlier entries commit with it. The leader
    /// holds what its own disk has written (see `persisted_index`).
    pub(super) fn maybe_commit(&mut self) {
        let RoleState::Leader(leader) = &self.role else {
            return;
        };
        let match_indices: Vec<Index> = self
            .membership
            .voters
            .iter()
            .map(|&voter| {
                if voter == self.id {
                    self.persisted_index
                } else {
                    leader
                        .progress
                        .get(&voter)
                        .map_or(0, |progress| progress.match_index)
                }
            })
            .collect();
        let candidate = quorum::quorum_index(match_indices);
        if candidate <= self.commit_index {
            return;
        }
        let of_current_term = self.log.term_at(candidate) == Some(self.current_term);
        if !of_current_term && !self.config.bugs.contains(Bug::CommitEarlierTermByCounting) {
            return;
        }
        let first_in_term = self.log.term_at(self.commit_index) != Some(self.current_term);
        self.commit_to(candidate);
        self.on_commit_advanced(first_in_term);
    }

    fn on_commit_advanced(&mut self, first_in_term: bool) {
        if first_in_term && self.log.term_at(self.commit_index) == Some(self.current_term) {
            self.on_first_commit_in_term();
        }
        let removed = self.removed_and_committed();
        if !removed {
            self.maybe_promote_any_learner();
        }
        // Followers learn the new commit index right away rather than at the next heartbeat.
        // A leader that removed itself tells them too before it hands leadership on, so that
        // the TimeoutNow's target knows the removal committed.
        self.broadcast_append(true);
        if removed {
            self.hand_off_after_removal();
        }
    }

    // ----- Follower side. -----

    /// Paper Figure 2, AppendEntries receiver.
    pub(super) fn handle_append_entries(
        &mut self,
        leader: NodeId,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
    ) {
        if prev_log_index < self.commit_index {
            // Everything up to our commit index is committed, hence identical to the leader's
            // log: acknowledge that much, and the leader continues from there.
            let match_index = self.commit_index;
            self.reply_append(leader, AppendOutcome::Success { match_index });
            return;
        }
        if !self.log.matches(prev_log_index, prev_log_term) {
            let outcome = self.conflict_outcome(prev_log_index);
            self.reply_append(leader, outcome);
            return;
        }
        let last_new_index = prev_log_index + entries.len() as u64;
        self.append_from_leader(prev_log_index, entries);
        // Paper Figure 2, rule 5: commit up to the leader's commit, but no further than what
        // this message proved we hold.
        self.commit_to(leader_commit.min(last_new_index));
        self.reply_append(
            leader,
            AppendOutcome::Success {
                match_index: last_new_index,
            },
        );
    }

    /// Paper Figure 2, rules 3 and 4: "If an existing entry conflicts with a new one (same
    /// index but different terms), delete the existing entry and all that follow it. Append
    /// any new entries not already in the log." Matching entries are left alone: a delayed
    /// append must not cut off entries a newer one brought.
    fn append_from_leader(&mut self, prev_log_index: Index, entries: Vec<Entry>) {
        let first_new = if self.config.bugs.contains(Bug::TruncateWithoutConflict) {
            if prev_log_index < self.log.last_index() {
                self.truncate_log_from(prev_log_index + 1);
            }
            entries.first().map(|entry| entry.index)
        } else {
            self.log.first_conflict(&entries).map(|entry| entry.index)
        };
        let Some(first_new) = first_new else { return };
        debug_assert!(
            first_new > self.commit_index || !self.config.bugs.is_empty(),
            "node {}: conflict at committed index {first_new}",
            self.id
        );
        if first_new <= self.log.last_index() {
            self.truncate_log_from(first_new);
        }
        let mut membership_changed = false;
        for entry in entries.into_iter().filter(|entry| entry.index >= first_new) {
            membership_changed |= matches!(entry.payload, Payload::Membership(_));
            self.log.push(entry);
        }
        self.mark_unstable(first_new);
        if membership_changed {
            self.refresh_membership();
        }
    }

    /// The hints for a rejected append (see [`AppendOutcome::Conflict`]).
    fn conflict_outcome(&self, prev_log_index: Index) -> AppendOutcome {
        if prev_log_index > self.log.last_index() {
            return AppendOutcome::Conflict {
                prev_log_index,
                conflict_term: None,
                conflict_index: self.log.last_index() + 1,
            };
        }
        AppendOutcome::Conflict {
            prev_log_index,
            conflict_term: self.log.term_at(prev_log_index),
            conflict_index: self.log.first_index_of_term_at(prev_log_index),
        }
    }

    fn reply_append(&mut self, leader: NodeId, outcome: AppendOutcome) {
        self.send(leader, MessageBody::AppendEntriesResponse { outcome });
    }

    pub(super) fn handle_heartbeat(&mut self, leader: NodeId, leader_commit: Index, round: u64) {
        self.commit_to(leader_commit);
        self.send(leader, MessageBody::HeartbeatResponse { round });
    }

    pub(super) fn handle_heartbeat_response(&mut self, follower: NodeId, round: u64) {
        let last_index = self.log.last_index();
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let Some(progress) = leader.progress.get_mut(&follower) else {
            return;
        };
        progress.recent_active = true;
        progress.acked_round = progress.acked_round.max(round);
        progress.on_heartbeat_response();
        let behind = progress.match_index < last_index;
        if behind {
            self.send_append(follower, true);
            self.fill_pipeline(follower);
        }
        self.confirm_reads();
    }
}
