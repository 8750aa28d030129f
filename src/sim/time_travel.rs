//! Scrubbing through a run: the simulation plus checkpoints taken as it goes. Seeking restores
//! the nearest checkpoint at or before the moment (when that is back in time, or ahead of the
//! current moment: checkpoints passed before seeking back stay) and replays to the moment;
//! acting in the past forks the run (the future part of the timeline and the checkpoints in it
//! are dropped, the new action appended).
//!
//! Memory is bounded: at most `MAX_CHECKPOINTS` are kept, holding at most about
//! `CHECKPOINT_BUDGET_BYTES` (a long, busy run grows each clone to tens of megabytes). When
//! either is reached, every other checkpoint is dropped and the spacing doubles, so a long
//! run keeps evenly spread checkpoints; seeking back then replays further. A clone larger than
//! the whole budget is not kept at all.

use super::Simulation;
use crate::scenario::{Action, Scenario, ScenarioError};

pub const MAX_CHECKPOINTS: usize = 32;
/// The initial spacing between checkpoints, in virtual time.
pub const CHECKPOINT_EVERY_US: u64 = 1_000_000;
/// What all checkpoints together may hold, by `Simulation::approx_bytes`.
pub const CHECKPOINT_BUDGET_BYTES: usize = 64 << 20;

#[derive(Clone, Debug)]
pub struct TimeMachine {
    simulation: Simulation,
    /// Clones of the simulation at increasing times; the first is time 0.
    checkpoints: Vec<Simulation>,
    spacing_us: u64,
    /// Events this machine has simulated itself (restoring a checkpoint simulates none): the
    /// work seeking costs.
    events_simulated: u64,
}

impl TimeMachine {
    pub fn new(scenario: &Scenario) -> Self {
        let simulation = Simulation::new(scenario);
        TimeMachine {
            checkpoints: vec![simulation.clone()],
            simulation,
            spacing_us: CHECKPOINT_EVERY_US,
            events_simulated: 0,
        }
    }

    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// The scenario as it stands: its timeline holds every action taken so far.
    pub fn scenario(&self) -> &Scenario {
        self.simulation.scenario()
    }

    pub fn now_us(&self) -> u64 {
        self.simulation.now_us()
    }

    /// Runs forward to `until_us`, taking checkpoints on the way. Every event due by then
    /// runs, those due at the current moment too (single steps may have run only some).
    pub fn advance_to(&mut self, until_us: u64) {
        if until_us < self.simulation.now_us() {
            return;
        }
        loop {
            let next_checkpoint = self.last_checkpoint_us() + self.spacing_us;
            let stop = until_us.min(next_checkpoint);
            let events_before = self.simulation.events_processed();
            self.simulation.run_until(stop);
            self.events_simulated += self.simulation.events_processed() - events_before;
            if self.simulation.now_us() >= next_checkpoint {
                self.checkpoint();
            }
            if self.simulation.now_us() >= until_us || self.simulation.is_stopped() {
                return;
            }
        }
    }

    /// Runs forward into the millisecond that ends at `until_us`, stopping after `events` of
    /// its events (`Simulation::run_into_last_ms`), taking checkpoints on the way there.
    pub fn advance_into_last_ms(&mut self, until_us: u64, events: u32) {
        if let Some(before_us) = Simulation::before_last_ms_us(until_us) {
            self.advance_to(before_us);
        }
        let events_before = self.simulation.events_processed();
        self.simulation.run_into_last_ms(until_us, events);
        self.events_simulated += self.simulation.events_processed() - events_before;
    }

    /// Processes one event (for single-stepping).
    pub fn step(&mut self) -> bool {
        let stepped = self.simulation.step();
        self.events_simulated += u64::from(stepped);
        stepped
    }

    /// Moves to `at_us`: from the nearest checkpoint at or before it when that is back in
    /// time or ahead of the current moment, else from here, then running to it. Checkpoints
    /// hold the current timeline (acting drops those after the fork), so every way to a
    /// moment reaches the same state.
    pub fn seek(&mut self, at_us: u64) {
        self.restore_nearest(at_us);
        self.advance_to(at_us);
    }

    /// On the way to `at_us`: jumps to the nearest checkpoint at or before it, if that is back
    /// in time or lies ahead of the current moment, so that running on to `at_us` (as `seek`
    /// does at once) takes the least work.
    pub fn jump_toward(&mut self, at_us: u64) {
        self.restore_nearest(at_us);
    }

    /// Restores the nearest checkpoint at or before `at_us` when that is back in time or ahead
    /// of the current moment.
    fn restore_nearest(&mut self, at_us: u64) {
        let now_us = self.simulation.now_us();
        let base = self
            .checkpoints
            .iter()
            .rev()
            .find(|checkpoint| checkpoint.now_us() <= at_us)
            .expect("the first checkpoint is at time 0");
        if at_us < now_us || base.now_us() > now_us {
            let base = base.clone();
            // Keep the current timeline: seeking is not acting.
            let scenario = self.simulation.scenario().clone();
            self.simulation = base;
            self.simulation.replace_timeline(&scenario);
        }
    }

    /// Performs `action` now: at the first millisecond boundary after the current moment
    /// (timelines are in milliseconds), forking the run if there were later actions. The
    /// action runs before anything else at that moment, exactly as when the timeline is
    /// replayed. On error nothing changes.
    ///
    /// A message that arrives before that boundary cannot be acted on any more: that is an
    /// error naming when it arrives, not an action that silently does nothing.
    pub fn act(&mut self, action: Action) -> Result<(), ScenarioError> {
        let at_us = self.acts_at_us();
        if let Some(id) = action.message_id()
            && !self.can_act_on(id)
        {
            return Err(ScenarioError::new(
                "",
                format!(
                    "message #{id} is no longer on its way at {} ms, when an action taken now takes effect",
                    at_us / 1_000
                ),
            ));
        }
        let mut forked = self.simulation.clone();
        forked.run_until(at_us - 1);
        debug_assert!(
            action
                .message_id()
                .is_none_or(|id| forked.is_halted() || forked.network().get(id).is_some()),
            "only its arrival takes a message off the network"
        );
        forked.fork(at_us / 1_000, action)?;
        forked.step();
        debug_assert_eq!(forked.now_us(), at_us);
        self.events_simulated += forked.events_processed() - self.simulation.events_processed();
        self.simulation = forked;
        // A checkpoint at the action's own moment ran that moment's events without it (or
        // with an action of the old timeline there), where the fork runs the action first.
        self.checkpoints
            .retain(|checkpoint| checkpoint.now_us() < at_us);
        for checkpoint in &mut self.checkpoints {
            checkpoint.replace_timeline(self.simulation.scenario());
        }
        Ok(())
    }

    /// When an action taken now takes effect: the first whole millisecond after the current
    /// moment (timelines are in milliseconds). Anything due before then happens first.
    pub fn acts_at_us(&self) -> u64 {
        (self.simulation.now_us() / 1_000 + 1) * 1_000
    }

    /// Whether an action taken now can still act on message `id`: it is on its way and does not
    /// arrive before the action takes effect (`acts_at_us`). Only its arrival takes a message
    /// off the network, so this is known without running ahead.
    pub fn can_act_on(&self, id: u64) -> bool {
        let acts_at_us = self.acts_at_us();
        self.simulation
            .network()
            .get(id)
            .is_some_and(|message| message.arrive_us >= acts_at_us)
    }

    /// Lets the run go on past the scenario's end (the page plays on until paused). The
    /// checkpoints adopt the new end too.
    pub fn extend_until(&mut self, until_ms: u64) {
        let mut scenario = self.simulation.scenario().clone();
        if until_ms <= scenario.until_ms {
            return;
        }
        scenario.until_ms = until_ms;
        scenario.events_in_last_ms = None;
        self.simulation.replace_timeline(&scenario);
        for checkpoint in &mut self.checkpoints {
            checkpoint.replace_timeline(&scenario);
        }
    }

    fn last_checkpoint_us(&self) -> u64 {
        self.checkpoints.last().map_or(0, Simulation::now_us)
    }

    fn checkpoint(&mut self) {
        let size = self.simulation.approx_bytes();
        while self.checkpoints.len() > 1
            && (self.checkpoints.len() >= MAX_CHECKPOINTS
                || self.checkpoint_bytes() + size > CHECKPOINT_BUDGET_BYTES)
        {
            self.thin_out();
        }
        if self.checkpoint_bytes() + size > CHECKPOINT_BUDGET_BYTES {
            // This clone alone is more than the budget (a busy run without snapshots keeps
            // every entry, twice): only the start stays, and the next try is further on.
            while self.last_checkpoint_us() + self.spacing_us <= self.simulation.now_us() {
                self.spacing_us *= 2;
            }
            return;
        }
        self.checkpoints.push(self.simulation.clone());
    }

    /// Keeps time 0 and every other checkpoint after it; future ones are spaced twice as far.
    fn thin_out(&mut self) {
        let mut index = 0;
        self.checkpoints.retain(|_| {
            index += 1;
            index % 2 == 1
        });
        self.spacing_us *= 2;
    }

    /// Events simulated by this machine so far, not counting those restored with checkpoints.
    pub fn events_simulated(&self) -> u64 {
        self.events_simulated
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// What the checkpoints hold, by `Simulation::approx_bytes`.
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(Simulation::approx_bytes).sum()
    }
}
