//! The help panel: every keyboard shortcut (as `app.rs::handle_shortcut` handles them), how to
//! act on the canvas (select, drag to partition), time travel, and the legend of node colours
//! and message shapes, drawn with the canvas's own colours.

use yew::prelude::*;

use super::palette::{message_colour, node_fill};
use crate::view::{MessageKind, NodeLook};

/// Keys and what they do; keep in step with `app.rs::handle_shortcut`.
const SHORTCUTS: [(&[&str], &str); 11] = [
    (&["Space", "K"], "Play or pause"),
    (&["N", "→"], "Step one event (pauses)"),
    (&["←", ","], "Back 100 ms (pauses)"),
    (&["+", "="], "Faster (twice the speed)"),
    (&["-", "_"], "Slower (half the speed)"),
    (&["V"], "Switch view: ring or space-time"),
    (&["1", "…", "9"], "Select node S1 to S9"),
    (&["Esc"], "Clear the selection"),
    (&["A"], "Add a node"),
    (
        &["H"],
        "Heal the network: remove partitions, cuts and slow links",
    ),
    (&["?"], "Show this help"),
];

/// Keys that act on the selected node.
const NODE_SHORTCUTS: [(&str, &str); 5] = [
    ("C", "Crash it"),
    ("R", "Restart it"),
    ("P", "Pause or resume it"),
    ("T", "Fire its election timer now"),
    ("S", "Take a snapshot on it"),
];

const NODE_LOOKS: [(NodeLook, &str); 8] = [
    (NodeLook::Follower, "follows the leader"),
    (
        NodeLook::PreCandidate,
        "asks whether it could win (pre-vote)",
    ),
    (NodeLook::Candidate, "asks for votes"),
    (NodeLook::Leader, "replicates the log"),
    (NodeLook::Learner, "receives the log, does not vote"),
    (NodeLook::Paused, "frozen: state kept, nothing processed"),
    (NodeLook::Down, "crashed: only the disk survives"),
    (NodeLook::Removed, "no longer a member"),
];

const MESSAGE_SHAPES: [(MessageKind, &str); 8] = [
    (MessageKind::PreVote, "hollow diamond"),
    (MessageKind::RequestVote, "diamond"),
    (MessageKind::AppendEntries, "dot, larger with more entries"),
    (MessageKind::Heartbeat, "small dot"),
    (MessageKind::InstallSnapshot, "square"),
    (MessageKind::TimeoutNow, "triangle"),
    (MessageKind::ReadIndex, "dot"),
    (
        MessageKind::Client,
        "dot, to and from the clients in the middle",
    ),
];

fn keys(keys: &[&str]) -> Html {
    let keys = keys.iter().map(|key| {
        if *key == "…" {
            html! { <span>{ "–" }</span> }
        } else {
            html! { <kbd>{ *key }</kbd> }
        }
    });
    html! { <span class="keys">{ for keys }</span> }
}

fn shortcut_table() -> Html {
    let rows = SHORTCUTS.iter().map(|(combo, what)| {
        html! { <tr><th scope="row">{ keys(combo) }</th><td>{ *what }</td></tr> }
    });
    let node_rows = NODE_SHORTCUTS.iter().map(|(key, what)| {
        html! { <tr><th scope="row">{ keys(&[key]) }</th><td>{ *what }</td></tr> }
    });
    html! {
        <>
            <table class="shortcuts">
                <caption class="visually-hidden">{ "Keyboard shortcuts" }</caption>
                <tbody>{ for rows }</tbody>
            </table>
            <h4>{ "With a node selected" }</h4>
            <table class="shortcuts">
                <caption class="visually-hidden">{ "Shortcuts for the selected node" }</caption>
                <tbody>{ for node_rows }</tbody>
            </table>
            <p class="hint">{ "Shortcuts are off while typing in a field, and with Ctrl, Alt or ⌘ held. Every control is also reachable with Tab." }</p>
        </>
    }
}

/// A message's mark as the canvas draws it: shape by kind, hollow for pre-votes and answers.
fn message_mark(kind: MessageKind, hollow: bool) -> Html {
    let colour = message_colour(kind);
    let (fill, stroke) = if hollow || kind == MessageKind::PreVote {
        ("none", colour)
    } else {
        (colour, "none")
    };
    let shape = match kind {
        MessageKind::PreVote | MessageKind::RequestVote => {
            html! { <polygon points="0,-6 6,0 0,6 -6,0" {fill} {stroke} stroke-width="2" /> }
        }
        MessageKind::InstallSnapshot => {
            html! { <rect x="-5.5" y="-5.5" width="11" height="11" {fill} {stroke} stroke-width="2" /> }
        }
        MessageKind::TimeoutNow => {
            html! { <polygon points="0,-6 6,6 -6,6" {fill} {stroke} stroke-width="2" /> }
        }
        MessageKind::Heartbeat => html! { <circle r="3.5" {fill} {stroke} stroke-width="2" /> },
        _ => html! { <circle r="5.5" {fill} {stroke} stroke-width="2" /> },
    };
    html! { <svg class="legend-mark" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">{ shape }</svg> }
}

/// A duplicate's mark as the ring draws it: a second outline behind, down and to the left.
fn duplicate_mark() -> Html {
    let colour = message_colour(MessageKind::AppendEntries);
    html! {
        <svg class="legend-mark" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">
            <circle cx="-2.5" cy="2.5" r="4.5" fill="none" stroke={colour} stroke-width="1.5" />
            <circle cx="1.5" cy="-1.5" r="4.5" fill={colour} />
        </svg>
    }
}

fn node_legend() -> Html {
    let items = NODE_LOOKS.iter().map(|(look, meaning)| {
        html! {
            <li>
                <svg class="legend-mark" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">
                    <circle r="8" fill={node_fill(*look)} />
                </svg>
                <strong>{ look.label() }</strong>{ format!(": {meaning}") }
            </li>
        }
    });
    html! { <ul class="legend">{ for items }</ul> }
}

fn message_legend() -> Html {
    let items = MESSAGE_SHAPES.iter().map(|(kind, shape)| {
        html! {
            <li>
                { message_mark(*kind, false) }
                <strong>{ kind.label() }</strong>{ format!(": {shape}") }
            </li>
        }
    });
    html! {
        <ul class="legend">
            { for items }
            <li>{ message_mark(MessageKind::AppendEntries, true) }{ "Hollow: an answer (a small green or red dot: granted or refused)" }</li>
            <li><span class="legend-symbol legend-lost" aria-hidden="true">{ "✕" }</span>{ "A lost message: crossed out, it vanishes halfway" }</li>
            <li>{ duplicate_mark() }{ "A duplicate (a copy made by the network, or by the inspector's Duplicate): a second outline behind its mark and “×2” beside it; a doubled line in the space-time view" }</li>
            <li><span class="legend-symbol legend-blocked" aria-hidden="true">{ "┄" }</span>{ "Dashed red line: a blocked link (a partition, or cuts both ways)" }</li>
            <li><span class="legend-symbol legend-group" aria-hidden="true">{ "A" }</span>{ "A, B, …: while the network is split, the group each node is in (as in the Network panel); nodes in different groups cannot reach each other" }</li>
            <li><span class="legend-symbol legend-blocked" aria-hidden="true">{ "⊘" }</span>{ "Dashed red line with an arrow into ⊘ by one node: a one-way cut; messages towards that node are lost, the other way gets through" }</li>
            <li><span class="legend-symbol legend-timer" aria-hidden="true">{ "◔" }</span>{ "Arc around a node: time left on its election timer" }</li>
            <li><span class="legend-symbol legend-flagged" aria-hidden="true">{ "●" }</span>{ "Red halo: a node involved in a safety violation" }</li>
        </ul>
    }
}

#[function_component(HelpPanel)]
pub fn help_panel() -> Html {
    html! {
        <div class="panel help-panel">
            <h2>{ "Help" }</h2>
            <h3>{ "Keyboard" }</h3>
            { shortcut_table() }
            <h3>{ "On the canvas" }</h3>
            <ul class="help-list">
                <li>{ "Click (or tap) a node or a message to inspect it and act on it in the Inspect tab." }</li>
                <li><strong>{ "Partition by dragging: " }</strong>{ "press on a node and drop it on another node to put it in that node's group, or in open space to cut it off on its own. Each drag moves one node, so groups build up drag by drag; nodes in different groups cannot reach each other. Let go off the canvas to call a drag off. Heal (H) reconnects everything. The Network tab also sets every node's group at once (a further group's letter appears as soon as the last one offered is used), and cuts or slows single links." }</li>
            </ul>
            <h3>{ "Time travel" }</h3>
            <ul class="help-list">
                <li>{ "Drag the timeline at the bottom, or use its ◀ 100 ms and 100 ms ▶ buttons, to go back and forth through the run. Markers show the timeline's actions (red: a violation); hover or focus one for its label, click it to jump there, and use the arrow keys to move between markers." }</li>
                <li><strong>{ "Acting in the past forks the run: " }</strong>{ "the later actions of the timeline are discarded and the run goes on from your action. The timeline says how many actions that would discard." }</li>
                <li>{ "Every action is part of the scenario, so the page's link replays exactly this run." }</li>
            </ul>
            <h3>{ "Nodes" }</h3>
            <p class="hint">{ "Inside a node: its name and its current term (“t3” for term 3 where the node is too small for the word)." }</p>
            { node_legend() }
            <h3>{ "Messages" }</h3>
            { message_legend() }
            <h3>{ "Display" }</h3>
            <ul class="help-list">
                <li>{ "Light and dark themes: the ☾ Dark button in the toolbar (under ☰ More on a phone)." }</li>
                <li>{ "When your system asks for reduced motion, the page does not start playing by itself and messages are drawn as arrows from sender to receiver, each with its mark resting near the receiver, rather than as moving marks." }</li>
            </ul>
        </div>
    }
}
