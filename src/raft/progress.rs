//! What a leader knows about each follower's log, and the flow control of appends to it
//! (compare etcd's `tracker/progress.go`).

use std::collections::VecDeque;

use super::types::{Index, Snapshot};

/// A leader's view of one follower.
///
/// Invariants: `match_index < next_index`; `match_index` never decreases while this node leads
/// (acknowledgements that arrive late or out of order cannot move it back).
#[derive(Clone, Debug)]
pub struct Progress {
    /// The highest index known to be replicated on the follower (paper Figure 2).
    pub match_index: Index,
    /// The next index to send (paper Figure 2).
    pub next_index: Index,
    pub state: ProgressState,
    /// Heard from since the last check-quorum (thesis §6.2).
    pub recent_active: bool,
    /// The latest heartbeat round the follower acknowledged (reads, thesis §6.4).
    pub acked_round: u64,
    /// The highest commit index sent to the follower, so one that caught up after a commit
    /// can be told about it without waiting for the next heartbeat.
    pub sent_commit: Index,
}

#[derive(Clone, Debug)]
pub enum ProgressState {
    /// Where the logs match is unknown: one append at a time, paused until it is answered (or
    /// a heartbeat response shows the follower is alive), backtracking on conflicts.
    Probe { paused: bool },
    /// The logs match up to `match_index`: appends are pipelined, at most the in-flight bound.
    Replicate { inflight: Inflight },
    /// The entries the follower needs are compacted: send `snapshot` one chunk at a time.
    Snapshot {
        snapshot: Snapshot,
        next_offset: u64,
        /// When the chunk at `next_offset` was last sent; `None` if not yet.
        sent_at_us: Option<u64>,
    },
}

impl Progress {
    /// A follower the leader knows nothing about: probe from just after the leader's log.
    pub fn new(leader_last_index: Index) -> Self {
        Progress {
            match_index: 0,
            next_index: leader_last_index + 1,
            state: ProgressState::Probe { paused: false },
            recent_active: false,
            acked_round: 0,
            sent_commit: 0,
        }
    }

    pub fn state_name(&self) -> &'static str {
        match self.state {
            ProgressState::Probe { .. } => "probe",
            ProgressState::Replicate { .. } => "replicate",
            ProgressState::Snapshot { .. } => "snapshot",
        }
    }

    /// Whether the leader must hold back appends to this follower for now.
    pub fn is_paused(&self) -> bool {
        match &self.state {
            ProgressState::Probe { paused } => *paused,
            ProgressState::Replicate { inflight } => inflight.is_full(),
            ProgressState::Snapshot { .. } => true,
        }
    }

    pub fn become_probe(&mut self) {
        let next_after_snapshot = match &self.state {
            ProgressState::Snapshot { snapshot, .. } => snapshot.last_included_index + 1,
            _ => 0,
        };
        self.next_index = (self.match_index + 1).max(next_after_snapshot);
        self.state = ProgressState::Probe { paused: false };
    }

    pub fn become_replicate(&mut self, max_inflight: usize) {
        self.next_index = self.match_index + 1;
        self.state = ProgressState::Replicate {
            inflight: Inflight::new(max_inflight),
        };
    }

    pub fn become_snapshot(&mut self, snapshot: Snapshot) {
        self.state = ProgressState::Snapshot {
            snapshot,
            next_offset: 0,
            sent_at_us: None,
        };
    }

    /// Records that an append carrying entries up to `last_index` went out.
    pub fn on_append_sent(&mut self, last_index: Index, carried_entries: bool) {
        match &mut self.state {
            ProgressState::Replicate { inflight } => {
                if carried_entries {
                    self.next_index = last_index + 1;
                    inflight.push(last_index);
                }
            }
            ProgressState::Probe { paused } => *paused = true,
            ProgressState::Snapshot { .. } => {
                debug_assert!(false, "append sent to a follower receiving a snapshot")
            }
        }
    }

    /// A success acknowledgement up to `match_index`. Returns whether it moved `match_index`
    /// (a late or duplicated acknowledgement does not).
    pub fn on_success(&mut self, match_index: Index) -> bool {
        let updated = match_index > self.match_index;
        if updated {
            self.match_index = match_index;
        }
        self.next_index = self.next_index.max(match_index + 1);
        match &mut self.state {
            ProgressState::Probe { paused } => *paused = false,
            ProgressState::Replicate { inflight } => inflight.free_up_to(match_index),
            ProgressState::Snapshot { .. } => {}
        }
        updated
    }

    /// A rejection of the append whose previous index was `rejected_index`, with the leader's
    /// best guess `hinted_next` from the follower's conflict hints. Returns false if the
    /// rejection is stale (an answer to an append older than the current probe).
    pub fn on_conflict(&mut self, rejected_index: Index, hinted_next: Index) -> bool {
        // A rejection at or below `match_index` is stale in every state: the follower has
        // acknowledged that index since it sent the rejection. (Only a broken follower, see
        // `Bug::TruncateWithoutConflict`, sends a fresh one: it denies an entry it
        // acknowledged. Answering that with a new probe at once would add one more endless
        // probe with every heartbeat; ignored, the probe waits for the next heartbeat.)
        let stale = rejected_index <= self.match_index
            || match self.state {
                ProgressState::Replicate { .. } => false,
                ProgressState::Probe { .. } => rejected_index + 1 != self.next_index,
                ProgressState::Snapshot { .. } => true,
            };
        if stale {
            return false;
        }
        // The follower has no match at `rejected_index`, so the next append must start at or
        // below it, and never below what the follower is known to hold.
        self.next_index = hinted_next.clamp(self.match_index + 1, rejected_index);
        self.state = ProgressState::Probe { paused: false };
        true
    }

    /// A heartbeat response proves the follower is alive: resume a paused probe, and if the
    /// pipeline is full (appends may have been lost), free one slot so replication goes on.
    pub fn on_heartbeat_response(&mut self) {
        match &mut self.state {
            ProgressState::Probe { paused } => *paused = false,
            ProgressState::Replicate { inflight } => {
                if inflight.is_full() {
                    inflight.free_first();
                }
            }
            ProgressState::Snapshot { .. } => {}
        }
    }

    pub fn check_invariants(&self) {
        debug_assert!(
            self.match_index < self.next_index,
            "progress invariant broken: match {} >= next {}",
            self.match_index,
            self.next_index
        );
    }
}

/// The last index of each append in flight to one follower, oldest first. Bounded: when full,
/// the leader stops sending until acknowledgements free room.
#[derive(Clone, Debug)]
pub struct Inflight {
    last_indices: VecDeque<Index>,
    capacity: usize,
}

impl Inflight {
    pub fn new(capacity: usize) -> Self {
        debug_assert!(capacity > 0);
        Inflight {
            last_indices: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn len(&self) -> usize {
        self.last_indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last_indices.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.last_indices.len() >= self.capacity
    }

    fn push(&mut self, last_index: Index) {
        debug_assert!(!self.is_full(), "inflight window overflow");
        debug_assert!(
            self.last_indices
                .back()
                .is_none_or(|&back| back < last_index),
            "inflight appends out of order"
        );
        self.last_indices.push_back(last_index);
    }

    /// Acknowledged up to `index`: every append ending at or before it has arrived.
    fn free_up_to(&mut self, index: Index) {
        while self
            .last_indices
            .front()
            .is_some_and(|&front| front <= index)
        {
            self.last_indices.pop_front();
        }
    }

    fn free_first(&mut self) {
        self.last_indices.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_acknowledgements_never_move_match_backwards() {
        let mut progress = Progress::new(10);
        progress.match_index = 5;
        progress.become_replicate(4);
        progress.on_append_sent(8, true);
        progress.on_append_sent(10, true);
        assert!(progress.on_success(10));
        assert!(!progress.on_success(8), "older ack arriving late");
        assert_eq!(progress.match_index, 10);
        assert_eq!(progress.next_index, 11);
        progress.check_invariants();
    }

    #[test]
    fn pipeline_is_bounded_and_frees_on_ack() {
        let mut progress = Progress::new(0);
        progress.become_replicate(2);
        progress.on_append_sent(1, true);
        assert!(!progress.is_paused());
        progress.on_append_sent(2, true);
        assert!(progress.is_paused(), "two in flight: full");
        progress.on_success(1);
        assert!(!progress.is_paused());
    }

    #[test]
    fn probe_pauses_until_answered() {
        let mut progress = Progress::new(5);
        progress.on_append_sent(5, true);
        assert!(progress.is_paused());
        progress.on_heartbeat_response();
        assert!(!progress.is_paused());
    }

    #[test]
    fn stale_rejections_are_ignored() {
        let mut progress = Progress::new(10);
        progress.match_index = 6;
        progress.become_replicate(4);
        progress.on_append_sent(10, true);
        assert!(
            !progress.on_conflict(6, 1),
            "rejection at or below match is stale"
        );
        assert!(progress.on_conflict(9, 3), "fresh rejection");
        assert_eq!(progress.next_index, 7, "never below match + 1");
        assert!(
            !progress.on_conflict(9, 3),
            "in probe, only a rejection of next - 1 counts"
        );
    }

    #[test]
    fn a_probe_rejection_overtaken_by_an_acknowledgement_is_stale() {
        let mut progress = Progress::new(10);
        progress.on_append_sent(10, true);
        assert!(progress.on_conflict(10, 3), "fresh rejection: probe from 3");
        progress.on_append_sent(5, true);
        // The append probing at 2 succeeds up to 5; a rejection of an earlier append at 5
        // arrives after it. Probing on from 6, that rejection names next - 1, yet the
        // follower has acknowledged index 5 since.
        progress.on_success(5);
        assert_eq!(progress.next_index, 6);
        assert!(!progress.on_conflict(5, 4), "rejected at match: stale");
        assert_eq!((progress.match_index, progress.next_index), (5, 6));
    }
}
