//! The page's model: the running simulation (with time travel), how fast it plays, and what
//! is selected. It lives outside Yew's state so the animation loop can advance and draw it
//! every frame without re-rendering components; components read it when the context's
//! version changes.
//!
//! Every change to the run goes through a scenario action (`act`), so the page's run is
//! always its scenario: the same link replays it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::check::linearizability::{self, Verdict};
use crate::lessons::{self, ResolvedStep};
use crate::raft::NodeId;
use crate::scenario::{Action, Scenario};
use crate::sim::Simulation;
use crate::sim::time_travel::TimeMachine;

/// Where a new page starts: slow enough to watch each message travel.
pub const SPEED_DEFAULT: f64 = 0.1;
/// A frame never advances the run by more than this much virtual time, so a tab that wakes
/// up after a long pause does not lurch.
const MAX_FRAME_VIRTUAL_US: u64 = 500_000;
/// A run at the end of its scenario extends it by this much at a time while playing.
const EXTEND_MS: u64 = 60_000;
/// How every notice about a run that can go no further begins: once the run can go on
/// again (back on the timeline), the notice goes.
const STOPPED: &str = "The run stopped at ";
/// Why Play does nothing after a violation, and what does.
const HALTED_NOTICE: &str = "The run stopped at a safety violation. Go back to before it on \
    the timeline to play or act again, or turn the bug switches off in Config.";
/// The same in an embed, which has no Config tab and no violation card: the full page has both.
const EMBED_HALTED_NOTICE: &str = "The run stopped at a safety violation. Open it in Raft \
    Playground (↗) to see which guarantee broke, go back before it, or turn the bug switches off.";
/// The longest run a link or a scenario file holds (`until_ms`): playing stops there, so that
/// the page's own link always opens.
const LAST_US: u64 = crate::scenario::limits::UNTIL_MS_MAX * 1_000;
const LAST_MOMENT_NOTICE: &str = "The run stopped at an hour of simulated time, the longest a \
    link or a scenario file holds. Go back on the timeline to play or act again.";
/// Frame times kept for `frame_stats`.
const FRAME_SAMPLES: usize = 600;
/// A loaded run catches up to its moment in advances of this much virtual time, so a frame
/// can stop between them when its wall-clock slice is spent.
const CATCH_UP_STEP_US: u64 = 20_000;

/// How long recent frames took (simulate and draw), in milliseconds, and how busy the network
/// is now (for benchmarks).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct FrameStats {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub messages_in_flight: usize,
}

/// What the person has selected for the inspector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    Nothing,
    Node(NodeId),
    Message(u64),
}

/// A lesson being followed: its steps' captions at their moments. Once the learner acts, the
/// run is theirs (a sandbox) and the remaining captions no longer describe it.
pub struct LessonProgress {
    pub id: &'static str,
    pub title: &'static str,
    pub steps: &'static [ResolvedStep],
    pub sandbox: bool,
}

impl LessonProgress {
    /// The step whose caption shows now.
    pub fn current(&self, now_us: u64) -> Option<usize> {
        lessons::step_index_at(self.steps, now_us / 1_000)
    }
}

/// Which picture of the cluster the canvas shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ViewMode {
    #[default]
    Ring,
    SpaceTime,
}

pub struct Engine {
    machine: TimeMachine,
    pub playing: bool,
    /// Virtual time per wall-clock time.
    pub speed: f64,
    /// The furthest moment reached, for the timeline scrubber.
    pub horizon_us: u64,
    /// An action in the past forked the run since the address last changed: the page adds a
    /// history entry for the fork, so the browser's Back returns to the run before it.
    pub forked: bool,
    /// The page is an embed (`?embed`), whose notices point to the full page for what it lacks.
    pub embedded: bool,
    pub selection: Selection,
    /// How many times the person has selected something (`Ui::select`), so the side panels
    /// can open the inspector for each new choice, even of the same node.
    pub selections_made: u64,
    /// How many times the person asked for help (`?`): the side panels show the Help tab.
    pub help_requests: u64,
    pub view_mode: ViewMode,
    /// Whether the space-time diagram leaves heartbeats out (they crowd it under load).
    pub hide_heartbeats: bool,
    /// How many runs were loaded (a link, a file, a lesson): panels that keep their own view
    /// of a run, like the logs' scroll position, start afresh when it changes.
    pub runs_loaded: u64,
    /// How many runs replaced the one before (loaded, a lesson started, reconfigured): a
    /// script's listeners tell each new run's violations from its first.
    pub runs_replaced: u64,
    /// Where the timeline's scrubber was dragged, to be sought on the next animation frame
    /// (`timeline::seek_on_next_frame`). A script's call finds the run where the person left
    /// it, so [`Engine::settle`] seeks it first; a seek or another run loaded drops it.
    pub scrub_to_us: Option<u64>,
    /// Virtual time not yet simulated because a frame's share was a fraction of a µs.
    carry_us: f64,
    /// The last error to show the person (a refused action), if any.
    pub notice: Option<String>,
    frame_times_ms: VecDeque<f64>,
    pub lesson: Option<LessonProgress>,
    /// The last linearizability check the person asked for, while it still describes this
    /// run: an action or a new run forgets it.
    pub linearizability: Option<LinearizabilityCheck>,
    /// An entry the log panel should bring into view, and how many were asked for (so asking
    /// again for the same one scrolls back to it).
    pub log_focus: (u64, u64),
    /// The moment the run is still being replayed to: a loaded run's, or one sought ahead.
    /// Replaying a long, busy run takes seconds, so the animation loop does it a slice per
    /// frame (`catch_up`) and the page stays responsive and shows progress. Actions and
    /// steps wait until it gets there (they are refused, saying so); a script's calls finish
    /// it first (`settle`), so they see the run at its moment.
    catch_up_to_us: Option<u64>,
    /// A loaded run whose link names a moment inside its last millisecond stops there: after
    /// this many of the events of the millisecond that ends at `catch_up_to_us`.
    catch_up_events_in_last_ms: Option<u32>,
    /// Whether that replay loads a run: one that stops short at a violation is explained by
    /// its violation card, where a seek (or Play, pressed meanwhile) gets the halted notice.
    catching_up_a_load: bool,
}

/// A finished linearizability check of the client history, and the moment it looked at.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearizabilityCheck {
    pub at_us: u64,
    pub operations: usize,
    pub verdict: Verdict,
}

impl Engine {
    pub fn new(scenario: &Scenario) -> Self {
        Engine {
            machine: TimeMachine::new(scenario),
            playing: false,
            speed: SPEED_DEFAULT,
            horizon_us: 0,
            forked: false,
            embedded: false,
            selection: Selection::Nothing,
            selections_made: 0,
            help_requests: 0,
            view_mode: ViewMode::Ring,
            hide_heartbeats: false,
            runs_loaded: 0,
            runs_replaced: 0,
            scrub_to_us: None,
            carry_us: 0.0,
            notice: None,
            frame_times_ms: VecDeque::new(),
            lesson: None,
            linearizability: None,
            log_focus: (0, 0),
            catch_up_to_us: None,
            catch_up_events_in_last_ms: None,
            catching_up_a_load: false,
        }
    }

    /// Starts lesson `id` at its beginning, paused, from the resolved catalog. An unknown id
    /// changes nothing and says why.
    pub fn start_lesson(&mut self, id: &str) -> Result<(), String> {
        let lesson = lessons::resolved_by_id(id).ok_or_else(|| {
            let ids: Vec<&str> = lessons::catalog().iter().map(|lesson| lesson.id).collect();
            format!(
                "There is no lesson named {}. The lessons are {}.",
                crate::scenario::quoted(id),
                ids.join(", ")
            )
        })?;
        let scenario = lesson
            .scenario()
            .map_err(|problem| format!("The lesson {id:?} cannot start: {problem}"))?;
        self.machine = TimeMachine::new(&scenario);
        self.catch_up_to_us = None;
        self.playing = false;
        self.horizon_us = 0;
        self.selection = Selection::Nothing;
        self.notice = None;
        self.linearizability = None;
        self.runs_loaded += 1;
        self.runs_replaced += 1;
        self.scrub_to_us = None;
        self.lesson = Some(LessonProgress {
            id: lesson.id,
            title: lesson.title,
            steps: lesson.steps,
            sandbox: false,
        });
        Ok(())
    }

    pub fn record_frame(&mut self, milliseconds: f64) {
        if self.frame_times_ms.len() == FRAME_SAMPLES {
            self.frame_times_ms.pop_front();
        }
        self.frame_times_ms.push_back(milliseconds);
    }

    pub fn frame_stats(&self) -> FrameStats {
        let messages_in_flight = self.simulation().network().in_flight_count();
        let mut times: Vec<f64> = self.frame_times_ms.iter().copied().collect();
        if times.is_empty() {
            return FrameStats {
                messages_in_flight,
                ..FrameStats::default()
            };
        }
        sort_f64(&mut times);
        let at = |percent: usize| times[(times.len() - 1) * percent / 100];
        FrameStats {
            count: times.len(),
            p50_ms: at(50),
            p95_ms: at(95),
            max_ms: times[times.len() - 1],
            messages_in_flight,
        }
    }

    /// A shared run, to be replayed to the moment its link names (`catch_up`) and paused
    /// there.
    pub fn at_moment(scenario: &Scenario) -> Self {
        let mut engine = Engine::new(scenario);
        engine.replace(scenario, false);
        engine
    }

    /// Whether the animation loop has work: playing, or replaying a loaded run.
    pub fn runs_on(&self) -> bool {
        self.playing || self.catch_up_to_us.is_some()
    }

    /// Where a loaded run is being replayed to, and how far it has come, while it is.
    pub fn catching_up(&self) -> Option<(u64, u64)> {
        self.catch_up_to_us.map(|to_us| (self.now_us(), to_us))
    }

    /// Replays the loaded run towards its moment while `more_time` allows, at least one step.
    pub fn catch_up(&mut self, mut more_time: impl FnMut() -> bool) {
        while let Some(to_us) = self.catch_up_to_us {
            // A moment inside the last millisecond is reached from just before it.
            let on_the_way_us = match self.catch_up_events_in_last_ms {
                Some(_) => Simulation::before_last_ms_us(to_us).unwrap_or(0),
                None => to_us,
            };
            self.machine
                .advance_to(on_the_way_us.min(self.now_us() + CATCH_UP_STEP_US));
            if self.now_us() >= on_the_way_us || self.simulation().is_stopped() {
                self.settle();
            } else if !more_time() {
                return;
            }
        }
    }

    /// Finishes what the page was doing: a scrub waiting for its frame, then replaying the
    /// run to its moment, if it is still on its way.
    pub fn settle(&mut self) {
        self.apply_scrub();
        let Some(to_us) = self.catch_up_to_us else {
            return;
        };
        match self.catch_up_events_in_last_ms {
            Some(events) => self.machine.advance_into_last_ms(to_us, events),
            None => self.machine.advance_to(to_us),
        }
        self.caught_up();
    }

    /// The replay is over. A run that stopped on its way (at a violation, or out of events)
    /// ends there, on the timeline too, and the notice says why it got no further (and why
    /// Play, pressed meanwhile, does not play). A loaded run's violation card says it.
    fn caught_up(&mut self) {
        let Some(to_us) = self.catch_up_to_us.take() else {
            return;
        };
        if self.catch_up_events_in_last_ms.take().is_some() {
            // The moment lies inside the millisecond that ends at `to_us`: it is the latest.
            self.horizon_us = self.now_us();
        }
        if self.simulation().is_stopped() && to_us > self.now_us() {
            self.horizon_us = self.now_us();
            let explained = self.catching_up_a_load && self.simulation().is_halted();
            if self.playing || !explained {
                self.stopped();
            }
            self.playing = false;
        }
    }

    /// While the run replays to its moment, why an action or a step waits; the notice says it.
    fn refused_while_replaying(&mut self) -> Option<String> {
        let (now_us, to_us) = self.catching_up()?;
        let notice = format!(
            "The run is still replaying to {} ({} %): act once it gets there.",
            crate::view::format_time(to_us),
            now_us.saturating_mul(100) / to_us.max(1)
        );
        self.notice = Some(notice.clone());
        Some(notice)
    }

    /// The run's moment: where a loaded run is being replayed to, else now.
    pub fn moment_us(&self) -> u64 {
        self.catch_up_to_us.unwrap_or_else(|| self.now_us())
    }

    /// The run's moment as a scenario names its end: `(until_ms, events_in_last_ms)`
    /// (`Simulation::moment`), where a loaded run is being replayed to, else now.
    pub fn moment(&self) -> (u64, Option<u32>) {
        match self.catch_up_to_us {
            Some(to_us) => (
                to_us.div_ceil(1_000).max(1),
                self.catch_up_events_in_last_ms,
            ),
            None => self.simulation().moment(),
        }
    }

    /// The scenario up to the run's moment: what a link to the run as it stands holds.
    pub fn scenario_at_moment(&self) -> Scenario {
        let mut scenario = self.scenario().clone();
        (scenario.until_ms, scenario.events_in_last_ms) = self.moment();
        scenario
    }

    pub fn simulation(&self) -> &Simulation {
        self.machine.simulation()
    }

    pub fn scenario(&self) -> &Scenario {
        self.machine.scenario()
    }

    pub fn now_us(&self) -> u64 {
        self.machine.now_us()
    }

    /// Opens the lesson a link names, at its step if it names one. A step past the last opens
    /// the last, and a step that is no number opens the start: the notice says so.
    pub fn open_lesson(&mut self, link: &lessons::LessonLink) -> Result<(), String> {
        self.start_lesson(&link.id)?;
        let count = self.lesson.as_ref().map_or(0, |lesson| lesson.steps.len());
        if let Some(text) = &link.unread_step {
            self.notice = Some(format!(
                "This lesson link's step {} is not a step number (1 to {count}): the lesson opens at its start.",
                crate::scenario::quoted(text)
            ));
        }
        if link.step.is_some_and(|step| step > count) {
            self.notice = Some(format!(
                "This lesson has {count} steps, fewer than the link asks for: it opens at its last."
            ));
        }
        let moment = self.lesson.as_ref().and_then(|lesson| {
            let step = link.step?.min(lesson.steps.len());
            Some(lesson.steps.get(step.checked_sub(1)?)?.at_ms * 1_000)
        });
        if let Some(at_us) = moment {
            // A lesson's run is short: it opens at its step, not on the way there.
            self.seek(at_us);
            self.settle();
        }
        Ok(())
    }

    /// The link to the lesson being followed, at the step showing now; none once the learner
    /// has taken over (the run's own link describes it then).
    pub fn followed_lesson_link(&self) -> Option<lessons::LessonLink> {
        let lesson = self.lesson.as_ref().filter(|lesson| !lesson.sandbox)?;
        Some(lessons::LessonLink {
            id: lesson.id.to_string(),
            step: lesson.current(self.moment_us()).map(|index| index + 1),
            unread_step: None,
        })
    }

    /// Asks the log panel to bring entry `index` into view.
    pub fn focus_log(&mut self, index: u64) {
        self.log_focus = (index, self.log_focus.1 + 1);
    }

    /// Checks the client history up to now for linearizability, within `step_budget`, and
    /// keeps the outcome.
    pub fn check_linearizability(&mut self, step_budget: u64) {
        if self.refused_while_replaying().is_some() {
            return;
        }
        let operations = self.simulation().linearizability_history();
        let verdict = linearizability::check(&operations, step_budget);
        self.linearizability = Some(LinearizabilityCheck {
            at_us: self.now_us(),
            operations: operations.len(),
            verdict,
        });
    }

    /// Whether the last check found the history not linearizable, and still holds now: a
    /// history that is not linearizable stays so as it grows, but before the checked moment
    /// it may have been.
    pub fn found_not_linearizable(&self) -> bool {
        self.linearizability.as_ref().is_some_and(|check| {
            matches!(check.verdict, Verdict::NotLinearizable { .. }) && self.now_us() >= check.at_us
        })
    }

    /// Whether an action taken now can still act on message `id` (see
    /// `TimeMachine::can_act_on`).
    pub fn can_act_on(&self, id: u64) -> bool {
        self.machine.can_act_on(id)
    }

    /// When an action taken now takes effect (`TimeMachine::acts_at_us`).
    pub fn acts_at_us(&self) -> u64 {
        self.machine.acts_at_us()
    }

    /// Why nothing moves the run on, if nothing does: it stopped at a safety violation,
    /// used up the simulator's events, or reached the last moment a link holds.
    fn stop_notice(&self) -> Option<String> {
        let simulation = self.simulation();
        if simulation.is_halted() {
            Some(
                if self.embedded {
                    EMBED_HALTED_NOTICE
                } else {
                    HALTED_NOTICE
                }
                .to_string(),
            )
        } else if simulation.is_out_of_events() {
            Some(format!(
                "{STOPPED}{}: it has run the {} million events the simulator allows a run. Go \
                 back on the timeline to play or act again, or make the run lighter (fewer \
                 nodes, clients or faults, longer timeouts).",
                crate::view::format_time(self.now_us()),
                crate::sim::MAX_EVENTS / 1_000_000
            ))
        } else if self.now_us() >= LAST_US {
            Some(LAST_MOMENT_NOTICE.to_string())
        } else {
            None
        }
    }

    /// Whether the run can go no further; if so, the notice says why (the one place Play,
    /// Step, seeking forward and acting learn it).
    fn stopped(&mut self) -> bool {
        let notice = self.stop_notice();
        let stopped = notice.is_some();
        if stopped {
            self.notice = notice;
        }
        stopped
    }

    /// Drops a notice that the run can go no further once it can (after going back).
    fn forget_stop_notice(&mut self) {
        if self
            .notice
            .as_deref()
            .is_some_and(|notice| notice.starts_with(STOPPED))
            && self.stop_notice().is_none()
        {
            self.notice = None;
        }
    }

    /// Starts or stops playing. A run that can go no further cannot play on: that says so
    /// in the notice instead of a Play button that silently does nothing.
    pub fn set_playing(&mut self, playing: bool) {
        if playing && self.stopped() {
            self.playing = false;
        } else {
            self.playing = playing;
            self.forget_stop_notice();
        }
    }

    /// Where pausing a playing run stops: the whole millisecond at or after now, a moment a
    /// link names exactly (inside one, playing stops anywhere). A run already paused, or
    /// still replaying to its moment, stays where it is going: `None`.
    pub fn pause_moment_us(&self) -> Option<u64> {
        let playing = self.playing && self.catch_up_to_us.is_none();
        playing.then(|| self.now_us().div_ceil(1_000) * 1_000)
    }

    /// Advances by `wall_ms` of real time at the current speed, if playing. Returns whether
    /// the run moved.
    pub fn advance_wall(&mut self, wall_ms: f64) -> bool {
        if !self.playing || self.catch_up_to_us.is_some() {
            return false;
        }
        // A run stopped at a violation has its card to say why; the notice says it otherwise.
        if self.simulation().is_halted() || self.stopped() {
            self.playing = false;
            return false;
        }
        let virtual_us = wall_ms.max(0.0) * 1_000.0 * self.speed + self.carry_us;
        let whole_us = (virtual_us.floor() as u64).min(MAX_FRAME_VIRTUAL_US);
        self.carry_us = virtual_us - virtual_us.floor();
        if whole_us == 0 {
            return false;
        }
        let target = (self.now_us() + whole_us).min(LAST_US);
        self.extend_scenario_to(target);
        self.machine.advance_to(target);
        self.horizon_us = self.horizon_us.max(self.now_us());
        if self.simulation().is_halted() || self.stopped() {
            self.playing = false;
        }
        true
    }

    /// Runs one event (single step), pausing first.
    pub fn step(&mut self) {
        self.playing = false;
        if self.refused_while_replaying().is_some() || self.stopped() {
            return;
        }
        if self
            .simulation()
            .next_event_us()
            .is_some_and(|at_us| at_us > LAST_US)
        {
            self.notice = Some(LAST_MOMENT_NOTICE.to_string());
            return;
        }
        self.extend_scenario_to(self.now_us() + 1);
        self.machine.step();
        self.horizon_us = self.horizon_us.max(self.now_us());
    }

    /// Seeks to where the scrubber was dragged, if that seek still waits for its frame.
    pub fn apply_scrub(&mut self) {
        if let Some(at_us) = self.scrub_to_us {
            self.seek(at_us);
        }
    }

    /// Moves to `at_us`, back or forward. A selected message stays selected: seeking replays
    /// the same run, so its id names the same message at every moment (the inspector says
    /// when it is not sent yet, or no longer remembered).
    ///
    /// From the nearest checkpoint on the way (back, the one before the moment), the run
    /// replays to the moment in the animation loop (`catch_up`; a script's call `settle`s it),
    /// which may be a long way on a busy run: after an hour its checkpoints lie minutes apart.
    ///
    /// A paused run rests on a whole millisecond (or just after an event, by single steps):
    /// moments a link names exactly. So `at_us` is rounded up to a whole millisecond.
    pub fn seek(&mut self, at_us: u64) {
        self.scrub_to_us = None;
        let at_us = (at_us.div_ceil(1_000) * 1_000).min(LAST_US);
        self.catch_up_to_us = None;
        self.catch_up_events_in_last_ms = None;
        self.extend_scenario_to(at_us);
        let back = at_us <= self.now_us();
        self.machine.jump_toward(at_us);
        if at_us > self.now_us() {
            self.catch_up_to_us = Some(at_us);
            self.catching_up_a_load = false;
            self.horizon_us = self.horizon_us.max(at_us);
        }
        if back {
            self.forget_stop_notice();
        }
    }

    /// Performs a timeline action now (forking the run if it is in the past). A refused action
    /// leaves the run untouched and becomes the notice.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        if let Some(notice) = self.refused_while_replaying() {
            return Err(notice);
        }
        // Messages sent by now are the same in the fork; a later id may name another message
        // there, so a selected one not sent yet is forgotten (asked before the fork is made).
        let selection_shared = match self.selection {
            Selection::Message(id) => self.simulation().network().has_sent(id),
            _ => true,
        };
        // A link taken while scrubbed back opens at its moment with the run's later actions
        // still in its timeline: acting there discards them too, so it forks as well.
        let in_the_past = self.now_us() < self.horizon_us || self.has_later_actions();
        let result = if let Some(notice) = self.stop_notice() {
            Err(notice)
        } else if let Some(refusal) = super::affordance::refusal(self, &action) {
            Err(refusal)
        } else {
            self.machine
                .act(action)
                .map_err(|error| action_problem(&error))
        };
        match &result {
            Ok(()) => {
                self.notice = None;
                self.linearizability = None;
                self.forked |= in_the_past;
                self.horizon_us = self.now_us();
                if !selection_shared {
                    self.selection = Selection::Nothing;
                }
                if let Some(lesson) = &mut self.lesson {
                    lesson.sandbox = true;
                }
            }
            Err(message) => self.notice = Some(message.clone()),
        }
        result
    }

    /// Whether the timeline holds actions still to come, which acting now would discard.
    fn has_later_actions(&self) -> bool {
        let now_us = self.now_us();
        self.scenario()
            .timeline
            .last()
            .is_some_and(|timed| timed.at_ms * 1_000 > now_us)
    }

    /// Replaces the run with `scenario`, to be replayed (`catch_up`, `settle`) to the same
    /// moment as before (or to the scenario's end for a newly loaded one, when `keep_moment`
    /// is false).
    pub fn replace(&mut self, scenario: &Scenario, keep_moment: bool) {
        // A run reconfigured at its start stays there (a link names 1 ms at the least).
        let at_start = keep_moment && self.moment_us() == 0;
        let (mut until_ms, mut events_in_last_ms) = if keep_moment {
            self.moment()
        } else {
            (scenario.until_ms, scenario.events_in_last_ms)
        };
        if until_ms > scenario.until_ms {
            (until_ms, events_in_last_ms) = (scenario.until_ms, None);
        }
        self.machine = TimeMachine::new(scenario);
        self.runs_replaced += 1;
        self.catch_up_to_us = (!at_start).then_some(until_ms * 1_000);
        self.catch_up_events_in_last_ms = events_in_last_ms;
        self.catching_up_a_load = true;
        self.horizon_us = self.catch_up_to_us.unwrap_or(0);
        self.selection = Selection::Nothing;
        self.notice = None;
        self.linearizability = None;
        if keep_moment {
            // A new configuration replays another run, its past too: like a fork, it is a new
            // history entry, so Back returns to the run before it.
            self.forked = true;
            // Reconfiguring a lesson's run makes it the learner's own.
            if let Some(lesson) = &mut self.lesson {
                lesson.sandbox = true;
            }
        } else {
            self.lesson = None;
            self.runs_loaded += 1;
            self.scrub_to_us = None;
        }
    }

    /// Playing past the scenario's end extends it: a playground has no last moment.
    fn extend_scenario_to(&mut self, at_us: u64) {
        let until_us = self.scenario().until_ms * 1_000;
        if at_us > until_us {
            let until_ms = (at_us.div_ceil(1_000) + EXTEND_MS).min(LAST_US / 1_000);
            self.machine.extend_until(until_ms);
        }
    }
}

/// The engine shared by the animation loop and the components.
#[derive(Clone)]
pub struct EngineHandle(pub Rc<RefCell<Engine>>);

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl EngineHandle {
    pub fn new(engine: Engine) -> Self {
        EngineHandle(Rc::new(RefCell::new(engine)))
    }

    pub fn borrow(&self) -> std::cell::Ref<'_, Engine> {
        self.0.borrow()
    }

    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, Engine> {
        self.0.borrow_mut()
    }
}

/// Sorts like `sort_by(f64::total_cmp)`, through the sort the simulator already uses
/// ([`crate::sim::observe::sort_u64`]), so the page's wasm carries no sort instantiated for `f64`. Values equal under `total_cmp`
/// have the same bits, so an unstable sort gives the same result.
fn sort_f64(values: &mut [f64]) {
    let mut keys: Vec<u64> = values.iter().map(|&value| total_order_key(value)).collect();
    crate::sim::observe::sort_u64(&mut keys);
    for (value, key) in values.iter_mut().zip(keys) {
        *value = from_total_order_key(key);
    }
}

/// The bits of `value`, mapped so that comparing them as `u64` is `f64::total_cmp`: negative
/// values have every bit flipped, the others only their sign bit.
fn total_order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn from_total_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// An action the scenario's rules refuse, named by its field (`key`), not by its place in the
/// timeline (`timeline[7].key`), which the person never sees.
fn action_problem(error: &crate::scenario::ScenarioError) -> String {
    match error.path.split_once("].") {
        // "the key "k…" is 65 bytes long" names its field already.
        Some((place, _)) if place.starts_with("timeline[") && error.problem.starts_with("the ") => {
            format!("T{}", &error.problem[1..])
        }
        Some((place, field)) if place.starts_with("timeline[") => {
            format!("{field}: {}", error.problem)
        }
        _ => error.to_string(),
    }
}
