//! The help panel: every keyboard shortcut (as `app.rs::handle_shortcut` handles them), how to
//! act on the canvas (select, drag to partition), time travel, and the legend of node colours
//! and message shapes, drawn with the canvas's own colours.
//!
//! The panel is static, so it is written as HTML text and handed to Yew whole
//! (`Html::from_html_unchecked`): built with `html!`, element by element, it was 11 KB of wasm.
//! The tables' texts go through [`text`]; the paragraphs are written here as HTML.

use std::fmt::Write;

use yew::prelude::*;

use super::palette::{message_colour, node_fill};
use crate::view::{MarkShape, MessageKind, NodeLook};

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
    (MessageKind::TimeoutNow, "triangle pointing up"),
    (MessageKind::ReadIndex, "plus sign"),
    (
        MessageKind::Client,
        "triangle pointing down, to and from the clients in the middle",
    ),
];

/// `content` as HTML text.
fn text(content: &str) -> String {
    content
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn keys(html: &mut String, keys: &[&str]) {
    html.push_str(r#"<span class="keys">"#);
    for key in keys {
        if *key == "…" {
            html.push_str("<span>–</span>");
        } else {
            let _ = write!(html, "<kbd>{}</kbd>", text(key));
        }
    }
    html.push_str("</span>");
}

fn shortcut_row(html: &mut String, combo: &[&str], what: &str) {
    html.push_str(r#"<tr><th scope="row">"#);
    keys(html, combo);
    let _ = write!(html, "</th><td>{}</td></tr>", text(what));
}

fn shortcut_table(html: &mut String) {
    html.push_str(r#"<table class="shortcuts"><caption class="visually-hidden">Keyboard shortcuts</caption><tbody>"#);
    for (combo, what) in SHORTCUTS {
        shortcut_row(html, combo, what);
    }
    html.push_str("</tbody></table><h4>With a node selected</h4>");
    html.push_str(r#"<table class="shortcuts"><caption class="visually-hidden">Shortcuts for the selected node</caption><tbody>"#);
    for (key, what) in NODE_SHORTCUTS {
        shortcut_row(html, &[key], what);
    }
    html.push_str(r#"</tbody></table><p class="hint">Shortcuts are off while typing in a field, and with Ctrl, Alt or ⌘ held. Every control is also reachable with Tab.</p>"#);
}

/// The opening of a legend mark's 18 px SVG, centred on the origin.
const LEGEND_SVG: &str =
    r#"<svg class="legend-mark" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">"#;

/// A message's mark as the canvas draws it: shape by kind, hollow for pre-votes and answers.
fn message_mark(html: &mut String, kind: MessageKind, hollow: bool) {
    let colour = message_colour(kind);
    let (fill, stroke) = if hollow || kind == MessageKind::PreVote {
        ("none", colour)
    } else {
        (colour, "none")
    };
    html.push_str(LEGEND_SVG);
    match kind.shape() {
        MarkShape::Circle => {
            let radius = if kind == MessageKind::Heartbeat {
                3.5
            } else {
                5.5
            };
            let _ = write!(html, r#"<circle r="{radius}""#);
        }
        MarkShape::Polygon(corners) => {
            html.push_str(r#"<polygon points=""#);
            for &(x, y) in corners {
                let _ = write!(html, "{},{} ", x * 6.0, y * 6.0);
            }
            html.push('"');
        }
    }
    let _ = write!(
        html,
        r#" fill="{fill}" stroke="{stroke}" stroke-width="2"/></svg>"#
    );
}

/// A duplicate's mark as the ring draws it: a second outline behind, down and to the left.
fn duplicate_mark(html: &mut String) {
    let colour = message_colour(MessageKind::AppendEntries);
    let _ = write!(
        html,
        r#"{LEGEND_SVG}<circle cx="-2.5" cy="2.5" r="4.5" fill="none" stroke="{colour}" stroke-width="1.5"></circle><circle cx="1.5" cy="-1.5" r="4.5" fill="{colour}"></circle></svg>"#
    );
}

// A legend item is a row (flex) of its mark and its words; the name and its meaning share one
// span, or the row's gap would come between "InstallSnapshot" and ": square".
fn node_legend(html: &mut String) {
    html.push_str(r#"<ul class="legend">"#);
    for (look, meaning) in NODE_LOOKS {
        let _ = write!(
            html,
            r#"<li>{LEGEND_SVG}<circle r="8" fill="{}"></circle></svg><span><strong>{}</strong>: {}</span></li>"#,
            node_fill(look),
            text(look.label()),
            text(meaning)
        );
    }
    html.push_str("</ul>");
}

/// The legend's items after the message kinds: a symbol (`None` for a mark drawn in SVG) and
/// what it stands for.
const OTHER_MARKS: [(Option<(&str, &str)>, &str); 6] = [
    (
        None,
        "A duplicate (a copy made by the network, or by the inspector's Duplicate): a second outline behind its mark and “×2” beside it; a doubled line in the space-time view",
    ),
    (
        Some(("legend-blocked", "┄")),
        "Dashed red line: a blocked link (a partition, or cuts both ways)",
    ),
    (
        Some(("legend-group", "A")),
        "A, B, …: while the network is split, the group each node is in (as in the Network panel); nodes in different groups cannot reach each other",
    ),
    (
        Some(("legend-blocked", "⊘")),
        "Dashed red line with an arrow into ⊘ by one node: a one-way cut; messages towards that node are lost, the other way gets through",
    ),
    (
        Some(("legend-timer", "◔")),
        "Arc around a node: time left on its election timer",
    ),
    (
        Some(("legend-flagged", "●")),
        "Red halo: a node involved in a safety violation",
    ),
];

fn message_legend(html: &mut String) {
    html.push_str(r#"<ul class="legend">"#);
    for (kind, shape) in MESSAGE_SHAPES {
        html.push_str("<li>");
        message_mark(html, kind, false);
        let _ = write!(
            html,
            "<span><strong>{}</strong>: {}</span></li>",
            text(kind.label()),
            text(shape)
        );
    }
    html.push_str("<li>");
    message_mark(html, MessageKind::AppendEntries, true);
    html.push_str("Hollow: an answer (a small green or red dot: granted or refused)</li>");
    html.push_str(r#"<li><span class="legend-symbol legend-lost" aria-hidden="true">✕</span>A lost message: crossed out, it vanishes halfway</li>"#);
    for (symbol, meaning) in OTHER_MARKS {
        html.push_str("<li>");
        match symbol {
            Some((class, symbol)) => {
                let _ = write!(
                    html,
                    r#"<span class="legend-symbol {class}" aria-hidden="true">{symbol}</span>"#
                );
            }
            None => duplicate_mark(html),
        }
        let _ = write!(html, "{}</li>", text(meaning));
    }
    html.push_str("</ul>");
}

fn help_html() -> String {
    let mut html = String::with_capacity(8_192);
    html.push_str("<h2>Help</h2><h3>Keyboard</h3>");
    shortcut_table(&mut html);
    html.push_str(r#"<h3>On the canvas</h3><ul class="help-list"><li>Click (or tap) a node or a message to inspect it and act on it in the Inspect tab.</li><li><strong>Partition by dragging: </strong>press on a node and drop it on another node to put it in that node's group, or in open space to cut it off on its own. Each drag moves one node, so groups build up drag by drag; nodes in different groups cannot reach each other. Let go off the canvas to call a drag off. Heal (H) reconnects everything. The Network tab also sets every node's group at once (a further group's letter appears as soon as the last one offered is used), and cuts or slows single links.</li></ul>"#);
    html.push_str(r#"<h3>Time travel</h3><ul class="help-list"><li>Drag the timeline at the bottom, or use its ◀ 100 ms and 100 ms ▶ buttons, to go back and forth through the run. Markers show the timeline's actions (red: a violation); hover or focus one for its label, click it to jump there, and use the arrow keys to move between markers.</li><li><strong>Acting in the past forks the run: </strong>the later actions of the timeline are discarded and the run goes on from your action. The timeline says how many actions that would discard, and the browser's Back button returns to the run before the fork.</li><li>Every action is part of the scenario, so the page's link replays exactly this run.</li></ul>"#);
    html.push_str(r#"<h3>Nodes</h3><p class="hint">Inside a node: its name and its current term (“t3” for term 3 where the node is too small for the word).</p>"#);
    node_legend(&mut html);
    html.push_str("<h3>Messages</h3>");
    message_legend(&mut html);
    html.push_str(r#"<h3>Display</h3><ul class="help-list"><li>Light and dark themes: the ☾ Dark button in the toolbar (under ☰ More on a phone).</li><li>When your system asks for reduced motion, the page does not start playing by itself and messages are drawn as arrows from sender to receiver, each with its mark resting near the receiver, rather than as moving marks.</li></ul>"#);
    html
}

thread_local! {
    /// The panel's HTML, written once: the side panels call `help_panel` on every render.
    static HELP_HTML: AttrValue = AttrValue::from(help_html());
}

pub fn help_panel() -> Html {
    let body = Html::from_html_unchecked(HELP_HTML.with(AttrValue::clone));
    html! { <div class="panel help-panel">{ body }</div> }
}
