//! The space-time diagram's record of recent messages. The simulator keeps only the messages
//! still in flight; this keeps each one it sees (with what it carried) until it is older than
//! the diagram's window, so the diagram can draw the ones that already arrived and the
//! inspector can show them.
//!
//! A message sent and delivered between two looks is never seen: the record counts them. The
//! record starts over when the run goes back in time or another run is loaded, and notes when
//! a jump forward leaves a stretch unrecorded.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::{REDUCED_MOTION_STEP_US, WINDOW_US};
use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::network::{Endpoint, LossReason, Packet};
use crate::sim::server::Status;
use crate::view::{MessageKind, classify, same_past};

/// A bound on recorded messages (a window holds a few hundred at most).
const MAX_RECORDED: usize = 5_000;
/// A seek forward longer than this is time travel: what lies between is unknown. (Playing
/// moves as far in one frame at high speed, but records what it can and counts the rest.)
const JUMP_US: u64 = 60_000;

thread_local! {
    pub(super) static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// A message as the diagram draws it.
#[derive(Clone, Debug)]
pub(super) struct Recorded {
    pub(super) id: u64,
    pub(super) from: Endpoint,
    pub(super) to: Endpoint,
    pub(super) sent_us: u64,
    pub(super) arrive_us: u64,
    pub(super) kind: MessageKind,
    pub(super) response: bool,
    pub(super) refused: bool,
    pub(super) lost: Option<LossReason>,
    /// In flight at the last look.
    pub(super) in_flight: bool,
    pub(super) duplicate_of: Option<u64>,
    pub(super) packet: Packet,
}

#[derive(Default)]
pub(super) struct Recorder {
    /// The run recorded (to tell time travel within it from another run).
    pub(super) scenario: Option<Scenario>,
    pub(super) now_us: u64,
    pub(super) events: u64,
    /// By increasing id (so by send time).
    pub(super) messages: VecDeque<Recorded>,
    pub(super) last_id: u64,
    /// Messages never seen (sent and delivered between two looks), with when they were noticed.
    pub(super) missed: VecDeque<(u64, u64)>,
    /// Before this moment the record is incomplete (the run jumped here).
    pub(super) complete_from_us: u64,
    /// The engine's seek count at the last look.
    pub(super) seeks: u64,
}

/// Records the messages in flight now. Cheap when nothing changed; call it every frame, with
/// the engine's count of seeks (a move by seeking is a jump; a move by playing is not).
pub fn observe(simulation: &Simulation, seeks: u64) {
    RECORDER.with_borrow_mut(|recorder| recorder.observe(simulation, seeks));
}

impl Recorder {
    fn observe(&mut self, simulation: &Simulation, seeks: u64) {
        let now_us = simulation.now_us();
        let events = simulation.events_processed();
        let scenario = simulation.scenario();
        let same_run = self.scenario.as_ref().is_some_and(|recorded| {
            now_us >= self.now_us && same_past(recorded, scenario, self.now_us)
        });
        if same_run && (now_us, events) == (self.now_us, self.events) {
            return;
        }
        let jumped = seeks != self.seeks && now_us.saturating_sub(self.now_us) > JUMP_US;
        self.seeks = seeks;
        if !same_run {
            *self = Recorder {
                complete_from_us: now_us,
                seeks,
                ..Recorder::default()
            };
        } else if jumped {
            self.complete_from_us = now_us;
        }
        if self.scenario.as_ref() != Some(scenario) {
            self.scenario = Some(scenario.clone());
        }
        // Messages skipped over by a jump were never on screen: not "missed" by playing.
        self.record(simulation, !jumped);
        self.now_us = now_us;
        self.events = events;
        self.prune(now_us);
    }

    fn record(&mut self, simulation: &Simulation, count_missed: bool) {
        let network = simulation.network();
        for message in self.messages.iter_mut().filter(|message| message.in_flight) {
            match network.get(message.id) {
                Some(current) => {
                    message.arrive_us = current.arrive_us;
                    message.lost = current.lost;
                }
                None => {
                    message.in_flight = false;
                    message.lost = match network.departed_fate(message.id) {
                        Some(fate) => fate,
                        None => message
                            .lost
                            .or_else(|| fate_at_arrival(simulation, message)),
                    };
                }
            }
        }
        let mut previous_id = self.last_id;
        let mut missed = 0;
        for message in network
            .in_flight()
            .filter(|message| message.id > self.last_id)
        {
            if self.last_id > 0 && count_missed {
                missed += message.id - previous_id - 1;
            }
            previous_id = message.id;
            let (kind, response, success, _) = classify(&message.packet);
            self.messages.push_back(Recorded {
                id: message.id,
                from: message.from,
                to: message.to,
                sent_us: message.sent_us,
                arrive_us: message.arrive_us,
                kind,
                response,
                refused: success == Some(false),
                lost: message.lost,
                in_flight: true,
                duplicate_of: message.duplicate_of,
                packet: message.packet.clone(),
            });
        }
        self.last_id = previous_id;
        if missed > 0 {
            self.missed.push_back((simulation.now_us(), missed));
        }
    }

    fn prune(&mut self, now_us: u64) {
        let start = now_us.saturating_sub(WINDOW_US + REDUCED_MOTION_STEP_US);
        while self.messages.front().is_some_and(|message| {
            !message.in_flight && message.arrive_us < start && message.sent_us < start
        }) || self.messages.len() > MAX_RECORDED
        {
            self.messages.pop_front();
        }
        while self.missed.front().is_some_and(|&(at, _)| at < start) || self.missed.len() > 1_000 {
            self.missed.pop_front();
        }
    }
}

/// What became of a message that left the network too long ago for it to remember, guessed
/// from now: the simulator drops one whose link is cut or whose receiver is down.
fn fate_at_arrival(simulation: &Simulation, message: &Recorded) -> Option<LossReason> {
    let Endpoint::Node(to) = message.to else {
        return None;
    };
    if let Endpoint::Node(from) = message.from
        && simulation.network().is_blocked(from, to)
    {
        return Some(LossReason::Partition);
    }
    match simulation.server(to).map(|server| server.status) {
        Some(Status::Down) | None => Some(LossReason::TargetDown),
        _ => None,
    }
}

/// What the recorder knows of message `id`, for the inspector once the message has left the
/// network: where it went, when, what became of it and what it carried.
pub fn recorded(id: u64) -> Option<RecordedMessage> {
    RECORDER.with_borrow(|recorder| {
        let index = recorder
            .messages
            .binary_search_by_key(&id, |message| message.id)
            .ok()?;
        let message = &recorder.messages[index];
        Some(RecordedMessage {
            from: message.from,
            to: message.to,
            sent_us: message.sent_us,
            arrive_us: message.arrive_us,
            lost: message.lost,
            duplicate_of: message.duplicate_of,
            packet: message.packet.clone(),
        })
    })
}

/// A message that has left the network, as recorded.
pub struct RecordedMessage {
    pub from: Endpoint,
    pub to: Endpoint,
    pub sent_us: u64,
    pub arrive_us: u64,
    pub lost: Option<LossReason>,
    pub duplicate_of: Option<u64>,
    pub packet: Packet,
}
