//! The event queue: events ordered by virtual time, ties broken by the order they were
//! scheduled (a sequence number), never by anything that could differ between machines.
//!
//! Timeline actions go first among events at the same microsecond. A person acting live at
//! time T and a link replaying that action at T then see exactly the same run: in both, the
//! action happens before anything else at T.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::raft::NodeId;

/// Something that happens at a moment of virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message reaches its destination (or is lost there).
    Arrive { message_id: u64 },
    /// A node's Raft timer is due. `life` tells a restarted node's timers from old ones.
    Timer { node: NodeId, life: u32 },
    /// A node's disk finishes its oldest pending write.
    DiskDone { node: NodeId, life: u32 },
    /// The scenario's next timeline action is due.
    Action { index: usize },
    /// A client issues its next operation or attempt, unless a later wake-up superseded
    /// this one (see `Client::arm_wake`).
    ClientWake { client: u64, wake: u32 },
    /// A client gives up waiting for an answer to `attempt` of its command `sequence`.
    ClientTimeout {
        client: u64,
        sequence: u64,
        attempt: u32,
    },
    /// A node the simulator crashed at a crash point comes back.
    Restart { node: NodeId, life: u32 },
    /// Offer waiting membership changes and transfers to the leader again.
    Admin,
    /// A crash point was hit by a node in its life `life`: it crashes now.
    CrashPoint { node: NodeId, life: u32 },
    /// Liveness: stage 0 heals everything, stage 1 checks a leader was elected, stage 2 that
    /// every member caught up.
    LivenessCheck { stage: u8 },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    at_us: u64,
    /// 0 for timeline actions, 1 for everything else.
    priority: u8,
    sequence: u64,
    event: EventKey,
}

/// `Event` without an `Ord` of its own: ordering is by time and sequence only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EventKey(Event);

impl PartialOrd for EventKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EventKey {
    fn cmp(&self, _other: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// Invariant: no event is scheduled before the time of the last event popped.
#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<Scheduled>>,
    next_sequence: u64,
    now_us: u64,
}

impl EventQueue {
    pub fn schedule(&mut self, at_us: u64, event: Event) {
        debug_assert!(
            at_us >= self.now_us,
            "event scheduled in the past: {at_us} < {}",
            self.now_us
        );
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let priority = if matches!(event, Event::Action { .. }) {
            0
        } else {
            1
        };
        self.heap.push(Reverse(Scheduled {
            at_us: at_us.max(self.now_us),
            priority,
            sequence,
            event: EventKey(event),
        }));
    }

    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(scheduled)| scheduled.at_us)
    }

    pub fn pop(&mut self) -> Option<(u64, Event)> {
        let Reverse(scheduled) = self.heap.pop()?;
        self.now_us = scheduled.at_us;
        Some((scheduled.at_us, scheduled.event.0))
    }

    /// Removes every event `keep` rejects. Linear in the queue's size: for rare edits such as
    /// forking a timeline.
    pub fn retain(&mut self, keep: impl Fn(&Event) -> bool) {
        let heap = std::mem::take(&mut self.heap);
        self.heap = heap
            .into_iter()
            .filter(|Reverse(scheduled)| keep(&scheduled.event.0))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_by_time_then_by_scheduling_order() {
        let mut queue = EventQueue::default();
        queue.schedule(20, Event::Action { index: 0 });
        queue.schedule(10, Event::Action { index: 1 });
        queue.schedule(20, Event::Action { index: 2 });
        queue.schedule(10, Event::Action { index: 3 });
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            vec![
                (10, Event::Action { index: 1 }),
                (10, Event::Action { index: 3 }),
                (20, Event::Action { index: 0 }),
                (20, Event::Action { index: 2 }),
            ]
        );
    }

    #[test]
    fn actions_go_first_at_the_same_time() {
        let mut queue = EventQueue::default();
        queue.schedule(10, Event::Admin);
        queue.schedule(10, Event::Action { index: 7 });
        queue.schedule(9, Event::Admin);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            vec![
                (9, Event::Admin),
                (10, Event::Action { index: 7 }),
                (10, Event::Admin)
            ]
        );
    }
}
