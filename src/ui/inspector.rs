//! The inspector: the selected node's volatile and persistent state (paper Figure 2), what the
//! leader knows of each follower, its key-value contents, snapshot and clock, with the actions
//! a person can take on it; or the selected message's route, timing, fate and fields.
//!
//! Everything shown is read from the simulator as it is now; a crashed node shows what
//! survives on its disk.

use std::cell::RefCell;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::affordance;
use super::context::{Ui, use_ui};
use super::engine::{Engine, Selection};
use super::palette::node_fill;
use crate::raft::{Membership, NodeId, RaftNode, Snapshot};
use crate::scenario::Action;
use crate::sim::Simulation;
use crate::sim::network::{Endpoint, InFlight, Packet};
use crate::sim::server::{Server, Status};
use crate::view::{
    NodeLook, follower_progress, format_duration, format_time, look_of, loss_label, members_text,
    message_fields, packet_name, payload_label, removal_warning, transfer_warning,
};

/// Keys listed in the key-value table; more are counted.
const MAX_KEYS_SHOWN: usize = 60;
/// Log entries listed, the newest first: the log panel shows every entry's place and term,
/// these say what the newest carry.
const NEWEST_ENTRIES_SHOWN: usize = 5;
/// Clock drifts offered, in parts per million.
const DRIFTS_PPM: [i32; 7] = [-100_000, -10_000, -1_000, 0, 1_000, 10_000, 100_000];

#[function_component(Inspector)]
pub fn inspector() -> Html {
    let ui = use_ui();
    // The message list `nothing_selected` holds still; kept here, as a function of this
    // component rather than a component of its own, costs the page less wasm.
    let held = use_mut_ref(Vec::<(u64, String)>::new);
    let selection = ui.engine.borrow().selection;
    use_effect_with(selection, |&selection| {
        if selection != Selection::Nothing {
            take_lost_focus();
        }
    });
    match selection {
        Selection::Node(id) => node_inspector(&ui, id),
        Selection::Message(id) => message_inspector(&ui, id),
        Selection::Nothing => nothing_selected(&ui, &held),
    }
}

/// A node or message chosen from the list by keyboard takes the focused button away with the
/// list. The inspector's heading takes the focus instead, so a screen reader says what was
/// chosen and Tab goes on from the inspector, not from the top of the page.
fn take_lost_focus() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let lost = document
        .active_element()
        .is_none_or(|element| element.tag_name() == "BODY");
    let heading = document
        .query_selector(".inspector h2")
        .ok()
        .flatten()
        .and_then(|element| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok());
    if let (true, Some(heading)) = (lost, heading) {
        let _ = heading.focus();
    }
}

/// Messages listed for choosing without a pointer; the canvas shows them all.
const MESSAGES_LISTED: usize = 12;

/// What to inspect: every node and the next messages to arrive, as buttons, so a keyboard
/// reaches them all (the digit shortcuts stop at S9, and messages move too fast to click).
/// While one of the message buttons has focus the list holds still (in `held`), so the button
/// under the keyboard keeps meaning the same message.
fn nothing_selected(ui: &Ui, held: &RefCell<Vec<(u64, String)>>) -> Html {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let select = |selection: Selection| {
        let ui = ui.clone();
        Callback::from(move |_| ui.select(selection))
    };
    let nodes = simulation.servers().map(|server| {
        let name = node_name(server.id);
        html! {
            <button onclick={select(Selection::Node(server.id))}
                aria-label={format!("Inspect node {name}")}>{ name }</button>
        }
    });
    let on_their_way: Vec<_> = simulation
        .network()
        .in_flight()
        .filter(|message| message.lost.is_none())
        .collect();
    // In order of arrival, then of id. The network lists messages by id, so a message's
    // position stands for its id; sorting `(arrive_us, position)` pairs goes through the
    // `(u64, u64)` sort the checkers already bring into the page, not a sort of its own.
    let mut arrival_order: Vec<(u64, u64)> = on_their_way
        .iter()
        .enumerate()
        .map(|(position, message)| (message.arrive_us, position as u64))
        .collect();
    arrival_order.sort_unstable();
    let on_their_way: Vec<_> = arrival_order
        .into_iter()
        .map(|(_, position)| on_their_way[position as usize])
        .collect();
    let more = on_their_way.len().saturating_sub(MESSAGES_LISTED);
    if !focus_in_message_list() {
        let now_us = simulation.now_us();
        let network = simulation.network();
        *held.borrow_mut() = on_their_way
            .iter()
            .take(MESSAGES_LISTED)
            .map(|message| {
                let text = format!(
                    "{} → {} {}{}, {} in {}",
                    endpoint_name(message.from),
                    endpoint_name(message.to),
                    packet_name(&message.packet),
                    if message.duplicate_of.is_some() {
                        " (duplicate)"
                    } else {
                        ""
                    },
                    if network.crosses_a_cut(message) {
                        "over a cut link, lost"
                    } else {
                        "arrives"
                    },
                    format_duration(message.arrive_us.saturating_sub(now_us))
                );
                (message.id, text)
            })
            .collect();
    }
    let listed = held.borrow().clone();
    let messages = listed.into_iter().map(|(id, text)| {
        html! {
            <li><button onclick={select(Selection::Message(id))}>{ text }</button></li>
        }
    });
    // Keyed, so that the page replaces an inspector's panel with this one (and back) as it
    // did when this was a component, rather than patching it in place.
    html! {
        <div class="panel" key="nothing-selected">
            <h2>{ "Inspect" }</h2>
            <p class="hint">{ "Click a node or a message on the canvas (or press 1–9) to inspect it." }</p>
            <h3>{ "Nodes" }</h3>
            <div class="button-row node-choices">
                { for nodes }
                { action_button(ui, "Add a node", "Add a node (a)".to_string(), Action::AddNode, &engine, "") }
            </div>
            <h3>{ "Next messages to arrive" }</h3>
            if held.borrow().is_empty() {
                <p class="hint">{ "None on their way." }</p>
            } else {
                <ul class="message-choices">{ for messages }</ul>
                if more > 0 {
                    <p class="hint">{ format!("and {more} more on the canvas") }</p>
                }
            }
        </div>
    }
}

/// Whether keyboard focus is on one of the listed message buttons.
fn focus_in_message_list() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element())
        .and_then(|element| element.closest(".message-choices").ok().flatten())
        .is_some()
}

fn node_name(id: NodeId) -> String {
    format!("S{id}")
}

fn endpoint_name(endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Node(id) => node_name(id),
        Endpoint::Client(id) => format!("client {id}"),
    }
}

fn fact(term: &str, value: impl Into<Html>) -> Html {
    html! { <><dt>{ term }</dt><dd>{ value.into() }</dd></> }
}

fn node_inspector(ui: &Ui, id: NodeId) -> Html {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let Some(server) = simulation.server(id) else {
        return html! { <div class="panel"><p>{ format!("There is no node S{id}.") }</p></div> };
    };
    let configuration = simulation.configuration();
    let look = look_of(server, &configuration);
    let leaving = look == NodeLook::Leader && !configuration.contains(id);
    html! {
        <div class="panel inspector">
            <h2 class="inspector-title" tabindex="-1">
                <span class="role-dot" style={format!("background: {}", node_fill(look))}></span>
                { format!("Node S{id}") }
                <span class="role-name">{ look.label() }</span>
            </h2>
            { node_actions(ui, &engine, &configuration, server) }
            if leaving {
                <p class="hint">{ "Leaving: the configuration without it is in the log. It goes on leading until that configuration commits, then steps down and hands leadership to a voter that holds its whole log (thesis §4.2.2, §3.10)." }</p>
            }
            if look == NodeLook::Removed {
                <p class="hint">{ removed_hint(server) }</p>
            }
            { volatile_state(simulation, server) }
            { leader_view(server) }
            { persistent_state(server) }
            { newest_entries(server) }
            { state_machine(server) }
            { clock(ui, simulation, server) }
        </div>
    }
}

/// What a removed server still does: it campaigns only while it does not know of its removal.
fn removed_hint(server: &Server) -> String {
    let campaigns = if server.raft.as_ref().is_some_and(|raft| raft.can_campaign()) {
        "It still runs with the configuration it last knew (nobody tells a removed server), so it may time out and ask for votes."
    } else {
        "Its own log holds the configuration without it, so it no longer campaigns."
    };
    format!(
        "Removed from the configuration: the others no longer count its vote or send it entries. {campaigns}"
    )
}

fn node_actions(ui: &Ui, engine: &Engine, configuration: &Membership, server: &Server) -> Html {
    let id = server.id;
    let simulation = engine.simulation();
    let button = |label: &str, action: Action, key: &str, class: &str| {
        let ui = ui.clone();
        let aria = if key.is_empty() {
            format!("{label} S{id}")
        } else {
            format!("{label} S{id} ({key})")
        };
        action_button(&ui, label, aria, action, engine, class)
    };
    let removal_warning = removal_warning(configuration, id, |node| {
        simulation
            .server(node)
            .is_some_and(|server| server.status == Status::Up)
    });
    let transfer = Action::TransferLeader { to: id };
    let transfer_warning = match (simulation.leader(), affordance::refusal(engine, &transfer)) {
        (Some(leader), None) => transfer_warning(leader, id, |from, to| {
            simulation.network().is_blocked(from, to)
        }),
        _ => None,
    };
    html! {
        <>
        <div class="button-row">
            { button("Crash", Action::Crash { node: id }, "c", "danger-soft") }
            { button("Restart", Action::Restart { node: id }, "r", "") }
            { button("Pause", Action::Pause { node: id }, "p", "") }
            { button("Resume", Action::Resume { node: id }, "p", "") }
            { button("Timeout", Action::Timeout { node: id }, "t", "") }
            { button("Snapshot", Action::Snapshot { node: id }, "s", "") }
            { button("Transfer leadership here", transfer, "", "") }
            { button("Remove", Action::RemoveNode { node: id }, "", "danger-soft") }
        </div>
        if let Some(warning) = transfer_warning {
            <p class="hint transfer-warning">{ warning }</p>
        }
        if let Some(warning) = removal_warning {
            <p class="hint removal-warning">{ warning }</p>
        }
        </>
    }
}

/// A button for `action`, disabled with the reason as its tooltip when the action could do
/// nothing now (`affordance::refusal`).
fn action_button(
    ui: &Ui,
    label: &str,
    aria: String,
    action: Action,
    engine: &Engine,
    class: &str,
) -> Html {
    let refusal = affordance::refusal(engine, &action);
    let disabled = refusal.is_some();
    let ui = ui.clone();
    html! {
        <button class={class.to_string()} aria-label={aria} disabled={disabled}
            title={refusal} onclick={move |_| ui.act(action.clone())}>{ label.to_string() }</button>
    }
}

fn volatile_state(simulation: &Simulation, server: &Server) -> Html {
    let Some(raft) = server.raft.as_ref() else {
        return html! {
            <section class="inspector-section">
                <h3>{ "Volatile state" }</h3>
                <p class="hint">{ "Down: everything volatile is gone. It restarts from what is on disk, below." }</p>
            </section>
        };
    };
    let unpersisted = raft
        .log()
        .last_index()
        .saturating_sub(raft.persisted_index());
    let pending = server.disk.pending_writes();
    let persisted = format!(
        "{}{}",
        raft.persisted_index(),
        if pending > 0 {
            format!(" ({pending} disk write{} in progress)", plural(pending))
        } else {
            String::new()
        }
    );
    html! {
        <section class="inspector-section">
            <h3>{ "Volatile state" }</h3>
            <dl class="facts">
                { fact("role", role_text(simulation, raft, server)) }
                { fact("leader", raft.leader_id().map_or("unknown".to_string(), node_name)) }
                { fact("commit index", raft.commit_index().to_string()) }
                { fact("last applied", server.kv.last_applied().to_string()) }
                { fact("log in memory", log_range(raft.log().first_index(), raft.log().last_index())) }
                { fact("persisted to", persisted) }
                if unpersisted > 0 {
                    { fact("not yet on disk", format!("{unpersisted} entr{}", if unpersisted == 1 { "y" } else { "ies" })) }
                }
                { fact("election timer", election_timer(simulation, server, raft)) }
                { fact("members", members_text(raft.membership())) }
            </dl>
        </section>
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn role_text(simulation: &Simulation, raft: &RaftNode, server: &Server) -> String {
    let mut text = look_of(server, &simulation.configuration())
        .label()
        .to_string();
    let votes = raft.votes_granted();
    if !votes.is_empty() {
        let names: Vec<String> = votes.into_iter().map(node_name).collect();
        text.push_str(&format!(", votes from {}", names.join(" ")));
    }
    if let Some(target) = raft.transfer_target() {
        text.push_str(&format!(", handing leadership to S{target}"));
    }
    text
}

fn log_range(first: u64, last: u64) -> String {
    if last < first {
        "empty".to_string()
    } else {
        let count = last - first + 1;
        format!(
            "{first} to {last} ({count} entr{})",
            if count == 1 { "y" } else { "ies" }
        )
    }
}

/// When a follower or candidate times out, on its own (possibly drifting) clock.
fn election_timer(simulation: &Simulation, server: &Server, raft: &RaftNode) -> String {
    match raft.election_deadline_us() {
        None => "none: a leader sends heartbeats instead".to_string(),
        Some(_) if server.status == Status::Paused => "stopped while paused".to_string(),
        Some(deadline_us) => {
            let local_now = server.local_now(simulation.now_us());
            let when = match deadline_us.checked_sub(local_now) {
                Some(left) if left > 0 => format!("fires in {}", format_duration(left)),
                _ => "due now".to_string(),
            };
            if raft.can_campaign() {
                when
            } else {
                format!("{when} (it only restarts: this node does not campaign)")
            }
        }
    }
}

/// For a leader: what it knows of each follower (paper Figure 2, "volatile state on leaders").
fn leader_view(server: &Server) -> Html {
    let Some(raft) = server.raft.as_ref().filter(|raft| raft.is_leader()) else {
        return Html::default();
    };
    let rows = follower_progress(raft).into_iter().map(|row| {
        let state = if row.paused {
            format!("{} (paused)", row.state)
        } else {
            row.state.to_string()
        };
        html! {
            <tr class={classes!((!row.recent_active).then_some("inactive"))}>
                <td>{ node_name(row.id) }</td>
                <td>{ row.match_index }</td>
                <td>{ row.next_index }</td>
                <td>{ state }</td>
                <td>{ row.inflight }</td>
                <td>{ row.lag }</td>
            </tr>
        }
    });
    html! {
        <section class="inspector-section">
            <h3>{ format!("Followers (last index {})", raft.log().last_index()) }</h3>
            <table class="progress-table">
                <thead><tr>
                    <th>{ "node" }</th><th>{ "match" }</th><th>{ "next" }</th>
                    <th>{ "state" }</th><th title="appends sent, not yet acknowledged">{ "in flight" }</th>
                    <th title="leader's last index minus match index">{ "lag" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

fn persistent_state(server: &Server) -> Html {
    let disk = &server.disk.persisted;
    let first = disk.snapshot.last_included_index + 1;
    let last = disk.snapshot.last_included_index + disk.entries.len() as u64;
    let memory_snapshot = server
        .raft
        .as_ref()
        .map(|raft| raft.log().snapshot())
        .filter(|snapshot| snapshot.last_included_index != disk.snapshot.last_included_index);
    html! {
        <section class="inspector-section">
            <h3>{ "On disk" }</h3>
            <dl class="facts">
                { fact("current term", disk.hard_state.current_term.to_string()) }
                { fact("voted for", disk.hard_state.voted_for.map_or("nobody".to_string(), node_name)) }
                { fact("log", log_range(first, last)) }
                { fact("snapshot", snapshot_text(&disk.snapshot)) }
                if let Some(snapshot) = memory_snapshot {
                    { fact("newer snapshot", format!("{} (being written)", snapshot_text(snapshot))) }
                }
            </dl>
        </section>
    }
}

/// What the newest entries of the node's log carry: in memory, or on disk while it is down
/// (when whether they are committed is not the node's to know).
fn newest_entries(server: &Server) -> Html {
    let (entries, commit_index) = match &server.raft {
        Some(raft) => (raft.log().entries(), Some(raft.commit_index())),
        None => (&server.disk.persisted.entries[..], None),
    };
    if entries.is_empty() {
        return Html::default();
    }
    let rows = entries
        .iter()
        .rev()
        .take(NEWEST_ENTRIES_SHOWN)
        .map(|entry| {
            let committed = match commit_index {
                Some(commit) if entry.index <= commit => " · committed",
                Some(_) => " · not known committed",
                None => "",
            };
            html! {
                <>
                    <dt>{ format!("{} · term {}{committed}", entry.index, entry.term) }</dt>
                    <dd>{ payload_label(&entry.payload) }</dd>
                </>
            }
        });
    html! {
        <section class="inspector-section">
            <h3>{ "Newest log entries" }</h3>
            <dl class="entries">{ for rows }</dl>
        </section>
    }
}

fn snapshot_text(snapshot: &Snapshot) -> String {
    if snapshot.last_included_index == 0 {
        return format!("none yet ({} bytes of empty state)", snapshot.data.len());
    }
    format!(
        "up to {} (term {}), {} bytes",
        snapshot.last_included_index,
        snapshot.last_included_term,
        snapshot.data.len()
    )
}

fn state_machine(server: &Server) -> Html {
    if server.raft.is_none() {
        return html! {
            <section class="inspector-section">
                <h3>{ "Key-value store" }</h3>
                <p class="hint">{ "Lost with the crash; rebuilt from the snapshot and the log on restart." }</p>
            </section>
        };
    }
    let data = server.kv.data();
    let rows = data.iter().take(MAX_KEYS_SHOWN).map(|(key, value)| {
        html! { <tr><td>{ key }</td><td>{ value }</td></tr> }
    });
    let sessions = server.kv.sessions().len();
    html! {
        <section class="inspector-section">
            <h3>{ format!("Key-value store (applied to {})", server.kv.last_applied()) }</h3>
            if data.is_empty() {
                <p class="hint">{ "No keys yet." }</p>
            } else {
                <table class="kv-table">
                    <thead><tr><th>{ "key" }</th><th>{ "value" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                if data.len() > MAX_KEYS_SHOWN {
                    <p class="hint">{ format!("and {} more keys", data.len() - MAX_KEYS_SHOWN) }</p>
                }
            }
            <p class="hint">{ format!("{sessions} client session{} (for exactly-once commands).", plural(sessions)) }</p>
        </section>
    }
}

fn clock(ui: &Ui, simulation: &Simulation, server: &Server) -> Html {
    let now_us = simulation.now_us();
    let local_us = server.local_now(now_us);
    let offset = if local_us >= now_us {
        format!("{} ahead", format_duration(local_us - now_us))
    } else {
        format!("{} behind", format_duration(now_us - local_us))
    };
    let rate = server.clock.rate_ppm();
    let bound = simulation.scenario().config.clock_drift_bound_ppm;
    let drift_label = |ppm| drift_label(ppm, bound);
    let onchange = {
        let ui = ui.clone();
        let node = server.id;
        Callback::from(move |event: Event| {
            let Some(select) = event.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            if let Ok(ppm) = select.value().parse::<i32>() {
                ui.act(Action::Drift { node, ppm });
            }
        })
    };
    let options = DRIFTS_PPM.iter().map(|&ppm| {
        html! { <option value={ppm.to_string()} selected={ppm == rate}>{ drift_label(ppm) }</option> }
    });
    html! {
        <section class="inspector-section">
            <h3>{ "Clock" }</h3>
            <dl class="facts">
                { fact("drift", drift_label(rate)) }
                { fact("local time", format!("{} ({offset})", format_time(local_us))) }
            </dl>
            <label class="form-field">
                <span>{ "Set drift" }</span>
                <select aria-label={format!("Clock drift of S{}", server.id)} {onchange}>
                    if !DRIFTS_PPM.contains(&rate) {
                        <option value={rate.to_string()} selected=true>{ drift_label(rate) }</option>
                    }
                    { for options }
                </select>
            </label>
        </section>
    }
}

/// A drift and its effect. One past `bound_ppm`, the drift leases allow for, says so: there a
/// lease read may return a stale value, and the linearizability checker may catch it.
fn drift_label(ppm: i32, bound_ppm: u64) -> String {
    let pace = match ppm {
        0 => return "none (exact)".to_string(),
        ppm if ppm > 0 => format!("+{ppm} ppm (runs fast"),
        ppm => format!("{ppm} ppm (runs slow"),
    };
    if u64::from(ppm.unsigned_abs()) > bound_ppm {
        format!("{pace}; past the {bound_ppm} ppm leases allow for)")
    } else {
        format!("{pace})")
    }
}

fn message_inspector(ui: &Ui, id: u64) -> Html {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let now_us = simulation.now_us();
    let network = simulation.network();
    let (message, in_flight) = match network.get(id) {
        Some(message) => (message, true),
        None => match network.departed_message(id) {
            Some(message) => (message, false),
            None => {
                let text = if network.has_sent(id) {
                    format!("Message #{id} has left the network and is no longer remembered.")
                } else {
                    format!("Message #{id} is not sent yet at this moment.")
                };
                return html! { <div class="panel"><p>{ text }</p></div> };
            }
        },
    };
    let packet = &message.packet;
    // A message due before the next whole millisecond arrives before any action could.
    let actionable = engine.can_act_on(id);
    let act = |label: &str, action: Action| {
        action_button(
            ui,
            label,
            format!("{label} message #{id}"),
            action,
            &engine,
            "",
        )
    };
    // Duplicates, the network's or the person's, travel as messages of their own.
    let copies: Vec<String> = network
        .in_flight()
        .filter(|copy| copy.duplicate_of == Some(id))
        .map(|copy| format!("#{}", copy.id))
        .collect();
    let fields = message_fields(packet).into_iter().map(|(name, value)| {
        html! { <><dt>{ name }</dt><dd>{ value }</dd></> }
    });
    html! {
        <div class="panel inspector">
            <h2 tabindex="-1">{ format!("Message #{id}: {}", packet_name(packet)) }</h2>
            <div class="button-row">
                { act("Drop", Action::DropMessage { id }) }
                { act("Delay 100 ms", Action::DelayMessage { id, by_ms: 100 }) }
                { act("Duplicate", Action::DuplicateMessage { id }) }
            </div>
            if in_flight && message.lost.is_none() && !actionable {
                <p class="hint">{ "It arrives within this millisecond, before an action taken now would take effect (actions happen on whole milliseconds)." }</p>
            }
            { route_facts(message, now_us, in_flight, in_flight && network.crosses_a_cut(message)) }
            if !copies.is_empty() {
                <p class="hint">{ format!("Copies on their way: {}.", copies.join(", ")) }</p>
            }
            <section class="inspector-section">
                <h3>{ "Fields" }</h3>
                <dl class="facts message-fields">{ for fields }</dl>
            </section>
            if matches!(packet, Packet::Raft(_)) {
                <p class="hint">{ "Every Raft message carries its sender's term (paper §5.1)." }</p>
            }
        </div>
    }
}

/// A lost message vanishes on the way (halfway, as drawn); it never arrives.
fn arrival_label(message: &InFlight, in_flight: bool) -> &'static str {
    match (message.lost.is_some(), in_flight) {
        (false, true) => "arrives",
        (false, false) => "arrived",
        (true, true) => "would arrive",
        (true, false) => "would have arrived",
    }
}

/// Where a message goes, when, and what becomes (or became) of it. One on its way over a link
/// cut since it left is lost when it gets there, unless the link heals first.
fn route_facts(message: &InFlight, now_us: u64, in_flight: bool, cut: bool) -> Html {
    let arrival = if in_flight && message.lost.is_none() {
        format!(
            "{} (in {})",
            format_time(message.arrive_us),
            format_duration(message.arrive_us.saturating_sub(now_us))
        )
    } else {
        format_time(message.arrive_us)
    };
    let fate = match (message.lost, in_flight) {
        (Some(reason), _) => loss_label(reason).to_string(),
        (None, true) if cut => {
            "on its way over a link cut now: lost when it arrives, unless the link heals first"
                .to_string()
        }
        (None, true) => "on its way".to_string(),
        (None, false) => "delivered".to_string(),
    };
    html! {
        <dl class="facts">
            { fact("from → to", format!("{} → {}", endpoint_name(message.from), endpoint_name(message.to))) }
            { fact("sent", format_time(message.sent_us)) }
            { fact(arrival_label(message, in_flight), arrival) }
            { fact("latency", format_duration(message.arrive_us.saturating_sub(message.sent_us))) }
            { fact("fate", html! { <span class={classes!(message.lost.is_some().then_some("state-bad"))}>{ fate }</span> }) }
            if let Some(original) = message.duplicate_of {
                { fact("duplicate of", format!("message #{original}")) }
            }
        </dl>
    }
}
