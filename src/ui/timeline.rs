//! The timeline: scrub back and forth through the run, or step by 100 ms; see where the
//! scenario's actions (and, in red, any violations) fall, and jump to one. Acting while
//! scrubbed back forks the run, so the timeline says so, and how many later actions that
//! would discard.
//!
//! Violations are remembered while the scenario stays the same: after scrubbing back before
//! one, the simulation no longer holds it, but the marker stays where the run will find it.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::context::{Ui, use_ui};
use super::engine::Engine;
use crate::scenario::{Action, Scenario, TimedAction};
use crate::view::format_time;

/// How far the step buttons move, in virtual time.
const STEP_US: u64 = 100_000;
/// Actions closer together than 1/`MARKER_BUCKETS` of the scrubber share one marker, so a long
/// timeline does not become thousands of buttons.
const MARKER_BUCKETS: u64 = 60;
/// A shared marker's label lists at most this many of its actions.
const MARKER_LABEL_ACTIONS: usize = 4;
/// Violations remembered per scenario (a run halts at its first, so this is generous).
const VIOLATIONS_REMEMBERED: usize = 64;

/// One marker on the scrubber.
#[derive(Clone, Debug, PartialEq)]
struct Mark {
    at_us: u64,
    violation: bool,
    /// Shown on hover and focus, and the marker's accessible name.
    label: String,
}

/// Violations seen in the current scenario, at the moment each happened.
#[derive(Default)]
struct ViolationMemory {
    fingerprint: u64,
    seen: Vec<(u64, String)>,
}

impl ViolationMemory {
    /// Forgets everything when the scenario changed (a fork, a new configuration, a load),
    /// then adds the violations the simulation holds now.
    fn update(&mut self, engine: &Engine) {
        let fingerprint = scenario_fingerprint(engine.scenario());
        if fingerprint != self.fingerprint {
            self.fingerprint = fingerprint;
            self.seen.clear();
        }
        for violation in engine.simulation().violations() {
            let label = format!(
                "{}: violation of {} ({})",
                format_time(violation.at_us),
                violation.kind.name().replace('_', " "),
                violation.detail
            );
            let known = self.seen.iter().any(|(at_us, _)| *at_us == violation.at_us);
            if !known && self.seen.len() < VIOLATIONS_REMEMBERED {
                self.seen.push((violation.at_us, label));
            }
        }
    }
}

/// Everything that decides the run except its end, which grows while the page plays on.
fn scenario_fingerprint(scenario: &Scenario) -> u64 {
    let mut hasher = DefaultHasher::new();
    scenario.seed.hash(&mut hasher);
    scenario.nodes.hash(&mut hasher);
    scenario.config.hash(&mut hasher);
    scenario.workload.hash(&mut hasher);
    scenario.timeline.hash(&mut hasher);
    scenario.restore.hash(&mut hasher);
    hasher.finish()
}

/// A short description of a timeline action, for markers and notes.
pub fn action_label(action: &Action) -> String {
    let via = |via: &Option<u64>| via.map_or(String::new(), |node| format!(" via S{node}"));
    let or_absent = |value: &Option<String>| value.as_deref().unwrap_or("(absent)").to_string();
    match action {
        Action::Crash { node } => format!("crash S{node}"),
        Action::Restart { node } => format!("restart S{node}"),
        Action::Pause { node } => format!("pause S{node}"),
        Action::Resume { node } => format!("resume S{node}"),
        Action::Partition { groups } => {
            let groups: Vec<String> = groups
                .iter()
                .map(|group| {
                    let names: Vec<String> = group.iter().map(|node| format!("S{node}")).collect();
                    format!("{{{}}}", names.join(" "))
                })
                .collect();
            format!("partition {}", groups.join(" | "))
        }
        Action::Cut { from, to } => format!("cut S{from} → S{to}"),
        Action::SlowLink { from, to, extra_ms } => format!("slow S{from} → S{to} +{extra_ms} ms"),
        Action::Heal => "heal the network".to_string(),
        Action::Put { key, value, via: v } => format!("put {key} = {value}{}", via(v)),
        Action::Get { key, via: v, read } => format!("get {key} ({}){}", read.name(), via(v)),
        Action::Delete { key, via: v } => format!("delete {key}{}", via(v)),
        Action::Cas {
            key,
            expected,
            new,
            via: v,
        } => format!(
            "cas {key}: {} → {}{}",
            or_absent(expected),
            or_absent(new),
            via(v)
        ),
        Action::Timeout { node } => format!("election timeout on S{node}"),
        Action::Snapshot { node } => format!("snapshot on S{node}"),
        Action::AddNode => "add a node".to_string(),
        Action::RemoveNode { node } => format!("remove S{node}"),
        Action::TransferLeader { to } => format!("transfer leadership to S{to}"),
        Action::Backup => "backup".to_string(),
        Action::Network {
            loss_ppm,
            duplicate_ppm,
            latency_ms,
        } => network_label(*loss_ppm, *duplicate_ppm, *latency_ms),
        Action::Drift { node, ppm } => format!("clock drift S{node} {ppm:+} ppm"),
        Action::DropMessage { id } => format!("drop message #{id}"),
        Action::DelayMessage { id, by_ms } => format!("delay message #{id} by {by_ms} ms"),
        Action::DuplicateMessage { id } => format!("duplicate message #{id}"),
    }
}

fn network_label(
    loss_ppm: Option<u32>,
    duplicate_ppm: Option<u32>,
    latency_ms: Option<(u64, u64)>,
) -> String {
    let mut parts = Vec::new();
    if let Some(ppm) = loss_ppm {
        parts.push(format!("loss {}", percent(ppm)));
    }
    if let Some(ppm) = duplicate_ppm {
        parts.push(format!("duplication {}", percent(ppm)));
    }
    if let Some((low, high)) = latency_ms {
        parts.push(format!("latency {low}–{high} ms"));
    }
    format!("network: {}", parts.join(", "))
}

/// Parts per million as a percentage, "12.5%".
pub fn percent(ppm: u32) -> String {
    let tenths = (u64::from(ppm) + 500) / 1_000;
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// The scenario's actions up to `horizon_us`, one marker per stretch of the scrubber.
fn action_marks(scenario: &Scenario, horizon_us: u64) -> Vec<Mark> {
    let horizon_ms = horizon_us / 1_000;
    if horizon_ms == 0 {
        return Vec::new();
    }
    let bucket_of =
        |timed: &TimedAction| (timed.at_ms * MARKER_BUCKETS / horizon_ms).min(MARKER_BUCKETS - 1);
    let shown = scenario
        .timeline
        .iter()
        .take_while(|timed| timed.at_ms <= horizon_ms)
        .count();
    // The timeline is in time order (a scenario invariant), so each stretch's actions are
    // consecutive: grouping runs of one bucket needs no map (a B-tree for it was wasm of its
    // own).
    scenario.timeline[..shown]
        .chunk_by(|first, second| bucket_of(first) == bucket_of(second))
        .map(|actions| {
            let at_us = actions[0].at_ms * 1_000;
            // Actions of one stretch at different moments each say when (the marker sits at
            // the first): one time for all read as if they happened together.
            let one_moment = actions.iter().all(|timed| timed.at_ms == actions[0].at_ms);
            let mut names: Vec<String> = actions
                .iter()
                .take(MARKER_LABEL_ACTIONS)
                .map(|timed| match one_moment {
                    true => action_label(&timed.action),
                    false => format!(
                        "{} at {}",
                        action_label(&timed.action),
                        format_time(timed.at_ms * 1_000)
                    ),
                })
                .collect();
            if actions.len() > MARKER_LABEL_ACTIONS {
                names.push(format!("{} more", actions.len() - MARKER_LABEL_ACTIONS));
            }
            let label = match one_moment {
                true => format!("{}: {}", format_time(at_us), names.join("; ")),
                false => names.join("; "),
            };
            Mark {
                at_us,
                violation: false,
                label,
            }
        })
        .collect()
}

/// How many of the timeline's actions are still to come at `now_us` (an action now drops them).
fn later_actions(scenario: &Scenario, now_us: u64) -> usize {
    scenario
        .timeline
        .iter()
        .filter(|timed| timed.at_ms * 1_000 > now_us)
        .count()
}

thread_local! {
    /// The frame that will seek to where the scrubber was last dragged (`Engine::scrub_to_us`).
    /// A drag fires input events faster than a seek far into a long run can replay, and each
    /// would wait for the one before: only the latest position is sought, once a frame.
    static SCRUB_FRAME: RefCell<Option<gloo::render::AnimationFrame>> = const { RefCell::new(None) };
}

fn seek_on_next_frame(ui: &Ui, at_us: u64) {
    if ui.engine.borrow_mut().scrub_to_us.replace(at_us).is_some() {
        return; // A frame is already asked for; it will seek to this position.
    }
    let ui = ui.clone();
    let frame = gloo::render::request_animation_frame(move |_| {
        // A script's call may have sought it already, or a run loaded meanwhile dropped it.
        let Some(at_us) = ui.engine.borrow_mut().scrub_to_us.take() else {
            return;
        };
        ui.seek(at_us);
    });
    // Replacing an earlier request cancels it: it has fired, or has nothing left to seek.
    SCRUB_FRAME.with_borrow_mut(|slot| *slot = Some(frame));
}

fn seek_callback(ui: &Ui, target: impl Fn(u64) -> u64 + 'static) -> Callback<MouseEvent> {
    let ui = ui.clone();
    Callback::from(move |_| {
        // From the run's moment: a run still replaying to it steps from there, not from
        // part-way.
        let now = ui.engine.borrow().moment_us();
        ui.set_playing.emit(false);
        ui.seek(target(now));
    })
}

#[function_component(Timeline)]
pub fn timeline() -> Html {
    let ui = use_ui();
    let memory = use_mut_ref(ViolationMemory::default);
    let (now, horizon, mut marks, later, behind, thumb) = {
        let engine = ui.engine.borrow();
        let horizon = engine.horizon_us.max(engine.now_us());
        memory.borrow_mut().update(&engine);
        let marks = action_marks(engine.scenario(), horizon);
        let later = later_actions(engine.scenario(), engine.now_us());
        // A run replaying to its moment is on its way there, not behind.
        let behind = match engine.catching_up() {
            Some((_, to_us)) => Err(to_us),
            None => Ok(horizon - engine.now_us()),
        };
        // While a drag's seek waits for its frame, the thumb stays where it was dragged: a
        // render meanwhile (pausing renders) would pull it back to the old moment.
        let thumb = engine.scrub_to_us.unwrap_or(engine.now_us());
        (engine.now_us(), horizon, marks, later, behind, thumb)
    };
    marks.extend(
        memory
            .borrow()
            .seen
            .iter()
            .filter(|(at_us, _)| *at_us <= horizon)
            .map(|(at_us, label)| Mark {
                at_us: *at_us,
                violation: true,
                label: label.clone(),
            }),
    );
    let on_input = {
        let ui = ui.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Ok(ms) = input.value().parse::<u64>() {
                ui.set_playing.emit(false);
                seek_on_next_frame(&ui, ms * 1_000);
            }
        })
    };
    let back = seek_callback(&ui, |now| now.saturating_sub(STEP_US));
    let forward = seek_callback(&ui, |now| now + STEP_US);
    html! {
        <section class="timeline-area" aria-label="Timeline">
            <div class="timeline">
                <button class="timeline-step" onclick={back} aria-label="Back 100 ms" title="Back 100 ms">{ "◀" }<span class="timeline-step-amount">{ " 100 ms" }</span></button>
                <label for="timeline-scrubber" class="timeline-label">{ "Time" }</label>
                <div class="scrubber">
                    <input id="timeline-scrubber" type="range" min="0" max={(horizon / 1_000).to_string()}
                        value={(thumb / 1_000).to_string()} oninput={on_input}
                        aria-label="Timeline: scrub through the run (acting in the past forks it)"
                        aria-valuetext={format_time(thumb)} />
                    { markers(&ui, &marks, horizon, now) }
                </div>
                <button class="timeline-step" onclick={forward} aria-label="Forward 100 ms" title="Forward 100 ms"><span class="timeline-step-amount">{ "100 ms " }</span>{ "▶" }</button>
                <span class="timeline-clock">{ format!("{} / {}", format_time(now), format_time(horizon)) }</span>
            </div>
            { fork_note(behind, later) }
        </section>
    }
}

/// Where actions go: at the end of the run, or (scrubbed back) into a fork of it, or nowhere
/// yet while the run replays to its moment (`behind` is then `Err` of that moment). Always
/// shown, so the page does not jump while scrubbing.
fn fork_note(behind: Result<u64, u64>, later: usize) -> Html {
    let behind_us = match behind {
        Ok(behind_us) => behind_us,
        Err(to_us) => {
            return html! {
                <p class="fork-note fork-note-live">
                    { format!("Replaying the run to {}: actions wait until it gets there.", format_time(to_us)) }
                </p>
            };
        }
    };
    // At the latest moment of a link taken while scrubbed back, its later actions are still
    // in the timeline: acting forks the run there too.
    if behind_us == 0 && later == 0 {
        return html! {
            <p class="fork-note fork-note-live">
                { "At the latest moment: an action happens now and joins the end of the timeline." }
            </p>
        };
    }
    let discarded = match later {
        0 => {
            "no later action of the timeline is lost, but the run after it replays anew".to_string()
        }
        1 => "the 1 later action of the timeline is discarded".to_string(),
        count => format!("the {count} later actions of the timeline are discarded"),
    };
    // At the latest moment, the note is no longer than the one it replaces: in a small embed
    // of a lesson (whose timeline goes on) it takes the ring's room.
    let behind = match behind_us {
        0 => String::new(),
        _ => format!("↩ {} back in the run.", format_time(behind_us)),
    };
    html! {
        <p class="fork-note">
            <strong>{ behind }</strong>
            { format!(" Acting now forks the run here: {discarded}.") }
        </p>
    }
}

fn markers(ui: &Ui, marks: &[Mark], horizon_us: u64, now_us: u64) -> Html {
    if marks.is_empty() || horizon_us == 0 {
        // Kept empty so the timeline does not change height when the first action comes.
        return html! { <div class="markers" aria-hidden="true"></div> };
    }
    // One marker is in the tab order (the last one at or before now); arrows move between them.
    let focus_index = marks
        .iter()
        .rposition(|mark| mark.at_us <= now_us && !mark.violation)
        .unwrap_or(0);
    let buttons = marks.iter().enumerate().map(|(index, mark)| {
        let fraction = (mark.at_us as f64 / horizon_us as f64).clamp(0.0, 1.0);
        let onclick = {
            let at_us = mark.at_us;
            seek_callback(ui, move |_| at_us)
        };
        let class = classes!(
            "marker",
            if mark.violation {
                "marker-violation"
            } else {
                "marker-action"
            },
            (fraction > 0.6).then_some("marker-end"),
        );
        html! {
            <button {class} style={format!("--at: {fraction:.4}")} aria-label={mark.label.clone()}
                tabindex={if index == focus_index { "0" } else { "-1" }} {onclick}>
                <span class="marker-label" aria-hidden="true">{ mark.label.clone() }</span>
            </button>
        }
    });
    html! {
        <div class="markers" role="group" aria-label="Actions and violations on the timeline (arrow keys move between them)"
            onkeydown={Callback::from(move_between_markers)}>
            { for buttons }
        </div>
    }
}

/// Arrow keys, Home and End move focus between markers; the page's shortcuts do not see them.
fn move_between_markers(event: KeyboardEvent) {
    let Some(current) = event
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
    else {
        return;
    };
    let next = match event.key().as_str() {
        "ArrowLeft" | "ArrowUp" => current.previous_element_sibling(),
        "ArrowRight" | "ArrowDown" => current.next_element_sibling(),
        "Home" => current
            .parent_element()
            .and_then(|parent| parent.first_element_child()),
        "End" => current
            .parent_element()
            .and_then(|parent| parent.last_element_child()),
        " " | "Enter" => {
            // The button's own activation; keep the play shortcut out of it.
            event.stop_propagation();
            return;
        }
        _ => return,
    };
    event.prevent_default();
    event.stop_propagation();
    if let Some(element) = next.and_then(|next| next.dyn_into::<HtmlElement>().ok()) {
        let _ = element.focus();
    }
}
