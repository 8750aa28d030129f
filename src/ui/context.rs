//! What every component gets from the app: the engine, the painter, and a version that
//! changes whenever the run does, so components re-render only then.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::engine::{EngineHandle, Selection};
use super::painter::Painter;
use crate::scenario::Action;

/// How long a seek may replay at once before the animation loop takes over, in wall-clock
/// milliseconds.
const SEEK_SLICE_MS: f64 = 30.0;

#[derive(Clone)]
pub struct Ui {
    pub engine: EngineHandle,
    pub painter: Rc<RefCell<Painter>>,
    /// Changes whenever components should re-read the engine.
    pub version: u64,
    /// Re-renders components and repaints the canvases.
    pub refresh: Callback<()>,
    /// Starts or stops playing (and the animation loop with it).
    pub set_playing: Callback<bool>,
}

impl PartialEq for Ui {
    fn eq(&self, other: &Self) -> bool {
        self.engine == other.engine && self.version == other.version
    }
}

impl Ui {
    /// Performs a timeline action now; a refused one shows as the notice. Now is where the
    /// scrubber was dragged, even before the frame that seeks there.
    pub fn act(&self, action: Action) {
        self.seek_scrubbed();
        let _ = self.engine.borrow_mut().act(action);
        self.refresh.emit(());
    }

    /// Selects what the person clicked on the canvas or in the logs, and brings the Inspect
    /// tab into view on a phone (`select` for what is chosen in the panels themselves).
    pub fn inspect(&self, selection: Selection) {
        self.select(selection);
        super::panels::bring_panels_into_view();
    }

    /// Selects what the person clicked or chose; the side panels then show the Inspect tab.
    pub fn select(&self, selection: Selection) {
        let mut engine = self.engine.borrow_mut();
        engine.selection = selection;
        engine.selections_made += 1;
        drop(engine);
        self.refresh.emit(());
    }

    /// Seeks. Forward, the run replays within this event for up to a frame's slice; a longer
    /// way goes on in the animation loop, showing its progress, so the page stays responsive.
    pub fn seek(&self, at_us: u64) {
        let mut engine = self.engine.borrow_mut();
        engine.seek(at_us);
        let started = super::app::now_ms();
        engine.catch_up(|| super::app::now_ms() - started < SEEK_SLICE_MS);
        drop(engine);
        self.refresh.emit(());
    }

    /// Seeks where the scrubber was dragged, if that seek still waits for its frame: a key
    /// pressed just after (Home on the scrubber, then c) acts there, not at the moment before.
    fn seek_scrubbed(&self) {
        let scrubbed = self.engine.borrow_mut().scrub_to_us.take();
        if let Some(at_us) = scrubbed {
            self.seek(at_us);
        }
    }

    /// Applies `edit` to a copy of the scenario's settings (not its timeline): a valid result
    /// replaces the run, replayed to the same moment; an invalid one is refused with a
    /// message and changes nothing.
    pub fn reconfigure(&self, edit: impl FnOnce(&mut crate::scenario::Scenario)) {
        let mut scenario = self.engine.borrow().scenario().clone();
        edit(&mut scenario);
        // The rest does not depend on the edit: one copy of it for every caller.
        self.replace_scenario(&scenario);
    }

    fn replace_scenario(&self, scenario: &crate::scenario::Scenario) {
        let mut engine = self.engine.borrow_mut();
        match scenario.validate() {
            Ok(()) => engine.replace(scenario, true),
            Err(error) => engine.notice = Some(settings_problem(&error, scenario)),
        }
        drop(engine);
        self.refresh.emit(());
    }

    /// Play, or pause on a whole millisecond (`Engine::pause_moment_us`), so that the link of
    /// the paused run opens what the page shows.
    pub fn toggle_playing(&self) {
        if !self.engine.borrow().playing {
            self.set_playing.emit(true);
            return;
        }
        let (now, pause_at) = {
            let engine = self.engine.borrow();
            (engine.now_us(), engine.pause_moment_us())
        };
        self.set_playing.emit(false);
        if let Some(pause_at) = pause_at.filter(|&pause_at| pause_at != now) {
            self.seek(pause_at);
        }
    }

    pub fn step(&self) {
        self.seek_scrubbed();
        self.engine.borrow_mut().step();
        self.set_playing.emit(false);
    }
}

/// The app's context, for components.
#[hook]
pub fn use_ui() -> Ui {
    use_context::<Ui>().expect("components live inside the app")
}

/// Why a change to the run's settings was refused, in the Config panel's words rather than the
/// scenario file's paths (`config.heartbeat_ms`), and saying what to do where there is a way.
fn settings_problem(
    error: &crate::scenario::ScenarioError,
    scenario: &crate::scenario::Scenario,
) -> String {
    let (min, max) = scenario.config.election_timeout_ms;
    let heartbeat = scenario.config.heartbeat_ms;
    let timeline_index = error
        .path
        .strip_prefix("timeline[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(index, _)| index.parse::<usize>().ok());
    match error.path.as_str() {
        "config.election_timeout_ms" => format!(
            "The election timeout's minimum ({min} ms) must be below its maximum ({max} ms): to \
             raise both, raise the maximum first."
        ),
        "config.heartbeat_ms" => format!(
            "The heartbeat ({heartbeat} ms) must be below the election timeout's minimum \
             ({min} ms), or followers would time out between heartbeats."
        ),
        _ => match timeline_index.and_then(|index| scenario.timeline.get(index)) {
            // A smaller cluster, say, than the timeline's actions need.
            Some(timed) => format!(
                "The run's timeline cannot take this change. Its action \"{}\" at {}: {}.",
                super::timeline::action_label(&timed.action),
                crate::view::format_time(timed.at_ms * 1_000),
                error.problem
            ),
            None => error.to_string(),
        },
    }
}
