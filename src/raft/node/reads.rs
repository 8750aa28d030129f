//! Linearizable reads without writing to the log (thesis §6.4): ReadIndex on the leader or
//! through a follower, and lease reads bounded by the clock-drift margin.
//!
//! Both rest on heartbeat rounds: each heartbeat broadcast opens a numbered round, and a
//! follower's response acknowledges it. Once a majority acknowledged a round opened after a
//! read arrived, the leader knows it still led when the read arrived. A lease starts when a
//! round that a majority acknowledged was sent.

use std::collections::VecDeque;

use super::{RaftNode, RoleState, read_result};
use crate::raft::config::Bug;
use crate::raft::message::MessageBody;
use crate::raft::output::ReadError;
use crate::raft::quorum;
use crate::raft::types::{Index, NodeId};

/// How a read is confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReadMode {
    /// Thesis §6.4: record the commit index, confirm leadership with a heartbeat round, then
    /// serve once the state machine has applied the recorded index. Works through followers.
    ReadIndex,
    /// Thesis §6.4.1: serve at the commit index without a round trip while the leader's lease
    /// holds; falls back to ReadIndex when it does not. Leader only; needs check-quorum.
    Lease,
}

/// How many recent rounds' send times a leader remembers (for leases); older rounds are
/// older than any lease.
const REMEMBERED_ROUNDS: usize = 32;

#[derive(Clone, Debug, Default)]
pub(super) struct LeaderReads {
    /// The latest round opened. The leader counts as having acknowledged it.
    round: u64,
    /// `(round, sent_at_us)` of the latest rounds, oldest first.
    sent_at_us: VecDeque<(u64, u64)>,
    /// Reads waiting for confirmation, in arrival order.
    pending: VecDeque<PendingRead>,
}

#[derive(Clone, Copy, Debug)]
struct PendingRead {
    read_id: u64,
    origin: ReadOrigin,
    /// The commit index when the read was accepted; `None` while this leader has not yet
    /// committed an entry of its term, since until then its commit index may lag behind
    /// what earlier leaders committed (etcd#7331).
    read_index: Option<Index>,
    /// The round a majority must acknowledge.
    round: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadOrigin {
    Local,
    Forwarded(NodeId),
}

impl LeaderReads {
    pub(super) fn open_round(&mut self, now_us: u64) -> u64 {
        self.round += 1;
        if self.sent_at_us.len() == REMEMBERED_ROUNDS {
            self.sent_at_us.pop_front();
        }
        self.sent_at_us.push_back((self.round, now_us));
        self.round
    }

    fn sent_at_us(&self, round: u64) -> Option<u64> {
        self.sent_at_us
            .iter()
            .find(|(remembered, _)| *remembered == round)
            .map(|&(_, at)| at)
    }
}

impl RaftNode {
    /// Asks for a linearizable read, identified by the driver's `read_id`, which must not
    /// repeat across the node's restarts either: a follower matches the leader's answer to a
    /// forwarded read by its id and term, so an answer to a read asked before a restart, still
    /// on its way, would answer a new read with the same id with an index from before it was
    /// asked (the simulator keeps its counter across crashes). The answer comes in
    /// a later [`Output`](crate::raft::Output)'s `reads`: the index the state machine must have
    /// applied before the read is served. Errors that are known at once are returned.
    pub fn read(&mut self, now_us: u64, read_id: u64, mode: ReadMode) -> Result<(), ReadError> {
        self.set_now(now_us);
        if self.is_leader() {
            let result = self.leader_read(read_id, ReadOrigin::Local, mode);
            self.check_invariants();
            return result;
        }
        if mode == ReadMode::Lease {
            return Err(ReadError::NotLeader {
                leader_hint: self.leader_id,
            });
        }
        let Some(leader) = self.leader_id else {
            return Err(ReadError::NotLeader { leader_hint: None });
        };
        if self.forwarded_reads.len() >= self.config.max_pending_reads {
            self.fail_lost_forwarded_reads();
        }
        if self.forwarded_reads.len() >= self.config.max_pending_reads {
            return Err(ReadError::TooManyPending);
        }
        self.forwarded_reads.push_back((read_id, self.now_us));
        self.send(leader, MessageBody::ReadIndex { read_id });
        Ok(())
    }

    /// Makes room among the forwarded reads by failing those presumed lost: forwarded an
    /// election timeout ago or more, while a live leader answers within a heartbeat round trip.
    /// Only the term's end failed them before, and in a steady cluster the term does not end:
    /// once `max_pending_reads` requests or answers were lost on the network, the follower
    /// refused every read for good. Called only at the bound, so that a slow link, whose
    /// answers come late but come, keeps its reads unless the bound is reached.
    fn fail_lost_forwarded_reads(&mut self) {
        let lost_after_us = self.config.election_timeout_max_us;
        while let Some(&(read_id, forwarded_at_us)) = self.forwarded_reads.front() {
            if self.now_us < forwarded_at_us + lost_after_us {
                break;
            }
            self.forwarded_reads.pop_front();
            self.output
                .reads
                .push(read_result(read_id, Err(ReadError::LeadershipLost)));
        }
    }

    fn leader_read(
        &mut self,
        read_id: u64,
        origin: ReadOrigin,
        mode: ReadMode,
    ) -> Result<(), ReadError> {
        if self.removed_and_committed() {
            // Leaving after its removal (see `hand_off_after_removal`): no longer a leader of
            // the configuration, and about to step down.
            return Err(ReadError::NotLeader { leader_hint: None });
        }
        if self.config.bugs.contains(Bug::ReadWithoutReadIndex) {
            self.complete_read(read_id, origin, Ok(self.commit_index));
            return Ok(());
        }
        if mode == ReadMode::Lease {
            if !self.config.check_quorum {
                return Err(ReadError::LeaseNeedsCheckQuorum);
            }
            if self.lease_holds() {
                self.complete_read(read_id, origin, Ok(self.commit_index));
                return Ok(());
            }
        }
        let committed_in_term = self.committed_in_current_term();
        let commit_index = self.commit_index;
        let max_pending = self.config.max_pending_reads;
        let RoleState::Leader(leader) = &mut self.role else {
            unreachable!("checked by callers")
        };
        if leader.reads.pending.len() >= max_pending {
            return Err(ReadError::TooManyPending);
        }
        leader.reads.pending.push_back(PendingRead {
            read_id,
            origin,
            read_index: committed_in_term.then_some(commit_index),
            round: leader.reads.round + 1,
        });
        if committed_in_term {
            self.broadcast_heartbeat();
        }
        Ok(())
    }

    /// Whether the lease holds: no other leader can have been elected yet (thesis §6.4.1).
    fn lease_holds(&self) -> bool {
        let RoleState::Leader(leader) = &self.role else {
            return false;
        };
        let forfeited =
            leader.lease_forfeited && !self.config.bugs.contains(Bug::LeaseAfterTimeoutNow);
        if leader.transfer.is_some() || forfeited || !self.committed_in_current_term() {
            // A transfer lets the target win votes despite followers' leases.
            return false;
        }
        let acked = self.quorum_acked_round();
        leader
            .reads
            .sent_at_us(acked)
            .is_some_and(|sent| self.now_us < sent + self.config.lease_duration_us())
    }

    pub(super) fn committed_in_current_term(&self) -> bool {
        self.log.term_at(self.commit_index) == Some(self.current_term)
    }

    /// The latest round a majority of voters has acknowledged.
    fn quorum_acked_round(&self) -> u64 {
        let RoleState::Leader(leader) = &self.role else {
            return 0;
        };
        let acked: Vec<u64> = self
            .membership
            .voters
            .iter()
            .map(|&voter| {
                if voter == self.id {
                    leader.reads.round
                } else {
                    leader
                        .progress
                        .get(&voter)
                        .map_or(0, |progress| progress.acked_round)
                }
            })
            .collect();
        quorum::quorum_index(acked)
    }

    /// Answers every pending read whose round a majority has acknowledged.
    pub(super) fn confirm_reads(&mut self) {
        let acked = self.quorum_acked_round();
        let mut confirmed = Vec::new();
        if let RoleState::Leader(leader) = &mut self.role {
            while let Some(read) = leader.reads.pending.front() {
                match read.read_index {
                    Some(read_index) if read.round <= acked => confirmed.push((*read, read_index)),
                    _ => break,
                }
                leader.reads.pending.pop_front();
            }
        }
        for (read, read_index) in confirmed {
            self.complete_read(read.read_id, read.origin, Ok(read_index));
        }
    }

    /// The leader just committed its first entry of the term: reads held back until now get
    /// their read index and a round of their own.
    pub(super) fn on_first_commit_in_term(&mut self) {
        let commit_index = self.commit_index;
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let next_round = leader.reads.round + 1;
        let mut any = false;
        for read in leader
            .reads
            .pending
            .iter_mut()
            .filter(|read| read.read_index.is_none())
        {
            read.read_index = Some(commit_index);
            read.round = next_round;
            any = true;
        }
        if any {
            self.broadcast_heartbeat();
        }
    }

    fn complete_read(
        &mut self,
        read_id: u64,
        origin: ReadOrigin,
        outcome: Result<Index, ReadError>,
    ) {
        match origin {
            ReadOrigin::Local => self.output.reads.push(read_result(read_id, outcome)),
            ReadOrigin::Forwarded(follower) => self.send(
                follower,
                MessageBody::ReadIndexResponse {
                    read_id,
                    read_index: outcome.ok(),
                },
            ),
        }
    }

    /// A leader steps down: every read it had not confirmed fails.
    pub(super) fn fail_leader_reads(&mut self) {
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        // Taken whole rather than drained: a `Drain` of reads was wasm of its own.
        let pending = std::mem::take(&mut leader.reads.pending);
        for read in pending {
            self.complete_read(read.read_id, read.origin, Err(ReadError::LeadershipLost));
        }
    }

    /// The term moved on: answers to reads forwarded in the old term will never come.
    pub(super) fn fail_forwarded_reads(&mut self) {
        for (read_id, _) in std::mem::take(&mut self.forwarded_reads) {
            self.output
                .reads
                .push(read_result(read_id, Err(ReadError::LeadershipLost)));
        }
    }

    /// A follower asks for a read index. Refused to a server outside the configuration: the
    /// leader replicates only to members (a removed server is not told it was removed), so
    /// it would never apply the read index, and its driver would wait on the read for good.
    pub(super) fn handle_forwarded_read(&mut self, follower: NodeId, read_id: u64) {
        let accepted = self.is_leader()
            && self.membership.contains(follower)
            && self
                .leader_read(
                    read_id,
                    ReadOrigin::Forwarded(follower),
                    ReadMode::ReadIndex,
                )
                .is_ok();
        if !accepted {
            self.send(
                follower,
                MessageBody::ReadIndexResponse {
                    read_id,
                    read_index: None,
                },
            );
        }
    }

    pub(super) fn handle_forwarded_read_response(
        &mut self,
        read_id: u64,
        read_index: Option<Index>,
    ) {
        let forwarded = self
            .forwarded_reads
            .iter()
            .position(|&(forwarded, _)| forwarded == read_id);
        if let Some(position) = forwarded {
            self.forwarded_reads.remove(position);
            self.output.reads.push(read_result(
                read_id,
                read_index.ok_or(ReadError::LeadershipLost),
            ));
        }
    }
}
