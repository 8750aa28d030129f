//! The config panel: pre-vote, check-quorum, snapshot interval, timeouts, cluster size, seed,
//! and the bug switches. Configuration is part of the scenario, not of its timeline, so a
//! change replays the whole run under the new configuration up to the same moment.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::context::Ui;
use super::network_panel::refuse;
use super::number_field::{NumberField, parse_bounded};
use crate::raft::Bug;
use crate::scenario::Scenario;
use crate::scenario::limits::{NODES_MAX, NODES_MIN, SNAPSHOT_EVERY_MAX, TIMER_MS_MAX};

fn number_input(
    ui: &Ui,
    label: &str,
    value: u64,
    min: u64,
    max: u64,
    apply: fn(&mut Scenario, u64),
) -> Html {
    let ui = ui.clone();
    let name = label.to_string();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        match parse_bounded(&name, &input.value(), min, max) {
            Ok(value) => ui.reconfigure(|scenario| apply(scenario, value)),
            Err(problem) => refuse(&ui, problem),
        }
    });
    html! {
        <label class="config-field">
            <span>{ label.to_string() }</span>
            <NumberField {min} {max} {value} {onchange} />
        </label>
    }
}

fn toggle(ui: &Ui, label: &str, checked: bool, apply: fn(&mut Scenario, bool)) -> Html {
    let ui = ui.clone();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        let on = input.checked();
        ui.reconfigure(|scenario| apply(scenario, on));
    });
    html! {
        <label class="config-toggle">
            <input type="checkbox" {checked} {onchange} />
            <span>{ label.to_string() }</span>
        </label>
    }
}

pub fn config_panel(ui: &Ui) -> Html {
    let scenario = ui.engine.borrow().scenario().clone();
    let config = &scenario.config;
    let bug_switches = Bug::ALL.iter().map(|&bug| {
        let ui = ui.clone();
        let on = config.bugs.contains(bug);
        let onchange = Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let checked = input.checked();
            ui.reconfigure(|scenario| {
                if checked {
                    scenario.config.bugs.insert(bug);
                } else {
                    scenario.config.bugs.remove(bug);
                }
            });
        });
        html! {
            // Named as in scenario files, links, `raft-sim --bug` and the strip under the canvas.
            <label class={classes!("bug-switch", on.then_some("bug-on"))} title={format!("Turns off the rule: {}", bug.rule())}>
                <input type="checkbox" checked={on} {onchange} />
                <code>{ super::bugs_on::breakable(bug.name()) }</code>
            </label>
        }
    });
    html! {
        <div class="panel config-panel">
            <h2>{ "Configuration" }</h2>
            <p class="hint">{ "Changes replay the run from the start under the new settings, to the same moment." }</p>
            { toggle(ui, "pre-vote", config.pre_vote, |s, on| s.config.pre_vote = on) }
            { toggle(ui, "check-quorum", config.check_quorum, |s, on| s.config.check_quorum = on) }
            { number_input(ui, "snapshot every (entries, 0 = never)", config.snapshot_every, 0, SNAPSHOT_EVERY_MAX, |s, v| s.config.snapshot_every = v) }
            { number_input(ui, "election timeout min (ms)", config.election_timeout_ms.0, 1, TIMER_MS_MAX, |s, v| s.config.election_timeout_ms.0 = v) }
            { number_input(ui, "election timeout max (ms)", config.election_timeout_ms.1, 2, TIMER_MS_MAX, |s, v| s.config.election_timeout_ms.1 = v) }
            { number_input(ui, "heartbeat (ms)", config.heartbeat_ms, 1, TIMER_MS_MAX, |s, v| s.config.heartbeat_ms = v) }
            { number_input(ui, "nodes", u64::from(scenario.nodes), NODES_MIN, NODES_MAX, |s, v| s.nodes = u8::try_from(v).unwrap_or(u8::MAX)) }
            <div class="config-seed">
                { number_input(ui, "seed", scenario.seed, 0, u64::MAX, |s, v| s.seed = v) }
            </div>
            <h3>{ "Bug switches" }</h3>
            <p class="hint">{ "Each turns off one safety rule of Raft. Turn one on and watch the checker catch it." }</p>
            <div class="bug-switches">{ for bug_switches }</div>
        </div>
    }
}
