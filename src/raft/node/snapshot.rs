//! Log compaction and InstallSnapshot (paper §7), sent in bounded chunks.

use std::sync::Arc;

use super::{CompactError, RaftNode, RoleState};
use crate::raft::message::MessageBody;
use crate::raft::progress::ProgressState;
use crate::raft::types::{Bytes, Index, Membership, NodeId, Snapshot, Term};

/// A snapshot being received, chunk by chunk, from the leader of `term`.
#[derive(Clone, Debug)]
pub(super) struct IncomingSnapshot {
    term: Term,
    last_included_index: Index,
    last_included_term: Term,
    membership: Membership,
    total_bytes: u64,
    received: Vec<u8>,
}

impl RaftNode {
    /// Takes a snapshot: the driver's state machine `data`, as of applied index `index`,
    /// replaces the log up to `index` (paper §7). The node records the term and membership at
    /// `index`; the next output persists the snapshot.
    pub fn compact(&mut self, index: Index, data: Bytes) -> Result<(), CompactError> {
        self.check_compact(index)?;
        let snapshot = Snapshot {
            last_included_index: index,
            last_included_term: self.log.term_at(index).expect("applied entries are held"),
            membership: self.log.membership_at(index).1.clone(),
            data,
        };
        let kept_suffix = self.log.install_snapshot(snapshot.clone());
        debug_assert!(kept_suffix, "a node's own snapshot always matches its log");
        self.snapshot_to_persist = Some(snapshot);
        Ok(())
    }

    /// Why a snapshot at `index` cannot be taken now, if it cannot: [`RaftNode::compact`]'s
    /// rules, for a caller that wants to know before it asks.
    pub fn check_compact(&self, index: Index) -> Result<(), CompactError> {
        if index > self.applied_index {
            return Err(CompactError::NotApplied {
                index,
                applied_index: self.applied_index,
            });
        }
        // Paper §7: a snapshot covers "just the committed entries". Only a bug switch lets the
        // state machine run ahead of the commit index.
        if index > self.commit_index {
            return Err(CompactError::NotCommitted {
                index,
                commit_index: self.commit_index,
            });
        }
        if index <= self.log.snapshot_index() {
            return Err(CompactError::AlreadyCompacted {
                index,
                snapshot_index: self.log.snapshot_index(),
            });
        }
        Ok(())
    }

    // ----- Leader side. -----

    /// Sends the chunk at the follower's current offset of the snapshot it is receiving.
    pub(super) fn send_snapshot_chunk(&mut self, follower: NodeId) {
        let chunk_bytes = self.config.snapshot_chunk_bytes as u64;
        let now_us = self.now_us;
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let Some(progress) = leader.progress.get_mut(&follower) else {
            return;
        };
        let ProgressState::Snapshot {
            snapshot,
            next_offset,
            sent_at_us,
        } = &mut progress.state
        else {
            return;
        };
        let total_bytes = snapshot.data.len() as u64;
        let offset = (*next_offset).min(total_bytes);
        let end = (offset + chunk_bytes).min(total_bytes);
        let chunk: Bytes = Arc::from(&snapshot.data[offset as usize..end as usize]);
        *sent_at_us = Some(now_us);
        let body = MessageBody::InstallSnapshot {
            last_included_index: snapshot.last_included_index,
            last_included_term: snapshot.last_included_term,
            membership: snapshot.membership.clone(),
            offset,
            total_bytes,
            chunk,
        };
        self.send(follower, body);
    }

    /// Chunks can be lost: resend any that went unanswered for two heartbeat intervals.
    pub(super) fn resend_stalled_snapshots(&mut self) {
        let stall_us = 2 * self.config.heartbeat_interval_us;
        let now_us = self.now_us;
        let RoleState::Leader(leader) = &self.role else {
            return;
        };
        let stalled: Vec<NodeId> = leader
            .progress
            .iter()
            .filter(|(_, progress)| match progress.state {
                ProgressState::Snapshot { sent_at_us, .. } => {
                    sent_at_us.is_none_or(|sent| now_us >= sent + stall_us)
                }
                _ => false,
            })
            .map(|(&follower, _)| follower)
            .collect();
        for follower in stalled {
            self.send_snapshot_chunk(follower);
        }
    }

    /// `offsets`: the offset of the chunk answered, and the one the follower needs next.
    pub(super) fn handle_snapshot_response(
        &mut self,
        follower: NodeId,
        last_included_index: Index,
        (answered, next_offset): (u64, u64),
        match_index: Option<Index>,
    ) {
        let RoleState::Leader(leader) = &mut self.role else {
            return;
        };
        let Some(progress) = leader.progress.get_mut(&follower) else {
            return;
        };
        progress.recent_active = true;
        if let Some(match_index) = match_index {
            let advanced = progress.on_success(match_index);
            // The follower holds everything up to `match_index`. That ends the transfer only
            // if it covers the snapshot being sent: a late answer about an earlier snapshot
            // would have the leader probe past what the follower holds, be refused, and send
            // this snapshot again from its first chunk.
            let transfer_goes_on = matches!(
                &progress.state,
                ProgressState::Snapshot { snapshot, .. }
                    if match_index < snapshot.last_included_index
            );
            if !transfer_goes_on && matches!(progress.state, ProgressState::Snapshot { .. }) {
                progress.become_probe();
            }
            if advanced {
                self.on_match_advanced(follower);
            }
            if !transfer_goes_on {
                self.send_append(follower, true);
                self.fill_pipeline(follower);
            }
            return;
        }
        // Only the answer to the chunk last sent, at the leader's offset, moves the transfer:
        // to the offset the follower needs next, on or back (a follower that restarted lost
        // what it held, or kept only a late copy of the first chunk). A copied or late answer
        // is about a chunk sent before: a chunk for it would start a second chain of chunks
        // beside the first, and each copy another; and the leader's own offset is no guide
        // either, as a follower that holds less refuses it. A lost chunk or answer is resent
        // when the transfer stalls (`resend_stalled_snapshots`), and the answer to that sets
        // the offset right. An answer about a snapshot no longer being sent changes nothing.
        if let ProgressState::Snapshot {
            snapshot,
            next_offset: offset,
            ..
        } = &mut progress.state
            && snapshot.last_included_index == last_included_index
            && answered == *offset
            && next_offset != *offset
        {
            *offset = next_offset;
            self.send_snapshot_chunk(follower);
        }
    }

    // ----- Follower side. -----

    /// Paper Figure 13, InstallSnapshot receiver, one chunk at a time.
    pub(super) fn handle_snapshot_chunk(&mut self, leader: NodeId, body: MessageBody) {
        let MessageBody::InstallSnapshot {
            last_included_index,
            last_included_term,
            membership,
            offset,
            total_bytes,
            chunk,
        } = body
        else {
            return;
        };
        if last_included_index <= self.commit_index {
            // Older than what we know committed: everything it covers we already hold.
            self.reply_snapshot(
                leader,
                (last_included_index, offset),
                total_bytes,
                Some(self.commit_index),
            );
            return;
        }
        let same_snapshot = self.incoming_snapshot.as_ref().is_some_and(|incoming| {
            incoming.term == self.current_term
                && incoming.last_included_index == last_included_index
                && incoming.last_included_term == last_included_term
        });
        if !same_snapshot {
            if offset != 0 {
                // A chunk from the middle of a snapshot we have not started: ask for the start.
                self.reply_snapshot(leader, (last_included_index, offset), 0, None);
                return;
            }
            self.incoming_snapshot = Some(IncomingSnapshot {
                term: self.current_term,
                last_included_index,
                last_included_term,
                membership,
                total_bytes,
                received: Vec::new(),
            });
        }
        let incoming = self.incoming_snapshot.as_mut().expect("set above");
        if offset == incoming.received.len() as u64 {
            incoming.received.extend_from_slice(&chunk);
        }
        let received = incoming.received.len() as u64;
        if received < incoming.total_bytes {
            self.reply_snapshot(leader, (last_included_index, offset), received, None);
            return;
        }
        let incoming = self.incoming_snapshot.take().expect("set above");
        self.install_snapshot(incoming);
        self.reply_snapshot(
            leader,
            (last_included_index, offset),
            received,
            Some(last_included_index),
        );
    }

    /// Answers the chunk at `offset` of the snapshot up to `last_included_index`.
    fn reply_snapshot(
        &mut self,
        leader: NodeId,
        (last_included_index, offset): (Index, u64),
        next_offset: u64,
        match_index: Option<Index>,
    ) {
        self.send(
            leader,
            MessageBody::InstallSnapshotResponse {
                last_included_index,
                offset,
                next_offset,
                match_index,
            },
        );
    }

    /// Paper §7: "If existing log entry has same index and term as snapshot's last included
    /// entry, retain log entries following it and reply. Discard the entire log. Reset state
    /// machine using snapshot contents."
    fn install_snapshot(&mut self, incoming: IncomingSnapshot) {
        let snapshot = Snapshot {
            last_included_index: incoming.last_included_index,
            last_included_term: incoming.last_included_term,
            membership: incoming.membership,
            data: Arc::from(incoming.received),
        };
        let index = snapshot.last_included_index;
        let kept_suffix = self.log.install_snapshot(snapshot.clone());
        if !kept_suffix {
            self.mark_unstable(index + 1);
        }
        self.persisted_index = self.persisted_index.min(self.log.last_index());
        self.commit_to(index);
        self.applying_index = index;
        self.refresh_membership();
        self.output.restore = Some(snapshot.clone());
        self.snapshot_to_persist = Some(snapshot);
    }
}
