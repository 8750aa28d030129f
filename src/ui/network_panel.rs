//! The network panel: what the network does now (latency, loss, duplication, blocked and slow
//! links), and the controls that change it from now on: loss, duplication and latency, a
//! partition editor, a one-way cut, a slow link, and "Heal all". Every change is a timeline
//! action (`network`, `partition`, `cut`, `slow_link`, `heal`), so a link replays it; a slider
//! acts when released, not on every step of a drag, so the timeline does not fill up.
//!
//! The small form helpers at the end are shared with the clients panel.

use litemap::LiteMap;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::context::{Ui, use_ui};
use super::number_field::NumberField;
use super::timeline::percent;
use crate::raft::NodeId;
use crate::scenario::Action;
use crate::scenario::limits::LATENCY_MS_MAX;
use crate::sim::network::Network;
use crate::view::group_letter;

/// The sliders for loss and duplication go up to this many percent.
const PERCENT_SLIDER_MAX: u32 = 50;
const PPM_PER_PERCENT: u32 = 10_000;
/// The partition editor offers at least this many groups, and one more than are in use (up to
/// one per node), lettered as the ring letters them (`view::group_letter`).
const GROUPS_OFFERED_MIN: usize = 3;
/// Blocked links listed before "and N more".
const LINKS_LISTED: usize = 24;

pub fn network_panel(ui: &Ui) -> Html {
    let engine = ui.engine.borrow();
    let network = engine.simulation().network();
    let nodes: Vec<NodeId> = engine
        .simulation()
        .servers()
        .map(|server| server.id)
        .collect();
    let config = network.config;
    let current_groups = current_groups(&nodes, network);
    // Blocked links that no partition explains are one-way or single cuts, and a partition
    // decides every link: applying one replaces them.
    let replaces_cuts = network.partition_groups(&nodes).is_none();
    let state = network_state(network);
    let heal_refusal = super::affordance::refusal(&engine, &Action::Heal);
    drop(engine);

    let heal = {
        let ui = ui.clone();
        Callback::from(move |_| ui.act(Action::Heal))
    };
    let knob = |ppm: u32, loss: bool| {
        let ui = ui.clone();
        Callback::from(move |new_ppm: u32| {
            if new_ppm == ppm {
                return;
            }
            let (loss_ppm, duplicate_ppm) = if loss {
                (Some(new_ppm), None)
            } else {
                (None, Some(new_ppm))
            };
            ui.act(Action::Network {
                loss_ppm,
                duplicate_ppm,
                latency_ms: None,
            });
        })
    };
    let latency_ms = (config.latency_us.0 / 1_000, config.latency_us.1 / 1_000);
    html! {
        <div class="panel network-panel">
            <h2>{ "Network" }</h2>
            <p class="hint">{ "On the ring, drag a node into open space to cut it off, or onto another node to join that node's group; or use the controls below. Every change acts now, as a timeline action." }</p>
            { state }
            <div class="button-row">
                <button class="danger-soft" onclick={heal} aria-label="Heal all: remove every partition, cut and slow link (h)"
                    disabled={heal_refusal.is_some()} title={heal_refusal.clone().unwrap_or_else(|| "Shortcut: h".to_string())}>{ "Heal all" }</button>
            </div>
            <h3>{ "Knobs" }</h3>
            <PercentSlider id="network-loss" label="Loss" ppm={config.loss_ppm} on_commit={knob(config.loss_ppm, true)} />
            <PercentSlider id="network-duplicate" label="Duplication" ppm={config.duplicate_ppm} on_commit={knob(config.duplicate_ppm, false)} />
            { latency_inputs(ui, latency_ms) }
            <h3>{ "Partition" }</h3>
            <PartitionEditor nodes={nodes.clone()} current={current_groups} {replaces_cuts} />
            <h3>{ "One-way cut" }</h3>
            <LinkForm nodes={nodes.clone()} slow={false} />
            <h3>{ "Slow link" }</h3>
            <LinkForm nodes={nodes} slow={true} />
        </div>
    }
}

/// The network as it is now, in words.
fn network_state(network: &Network) -> Html {
    let config = network.config;
    let blocked: Vec<(NodeId, NodeId)> = network.blocked_links().copied().collect();
    let mut links: Vec<String> = Vec::new();
    for &(from, to) in &blocked {
        let both = blocked.contains(&(to, from));
        if both && from > to {
            continue;
        }
        links.push(if both {
            format!("S{from} ↔ S{to}")
        } else {
            format!("S{from} → S{to}")
        });
    }
    let blocked_text = listed(&links);
    let slow: Vec<String> = network
        .slow_links()
        .map(|(&(from, to), &extra_us)| format!("S{from} → S{to} +{} ms", extra_us / 1_000))
        .collect();
    html! {
        <dl class="facts network-state" aria-label="The network now">
            <dt>{ "latency" }</dt>
            <dd>{ format!("{}–{} ms", config.latency_us.0 / 1_000, config.latency_us.1 / 1_000) }</dd>
            <dt>{ "loss" }</dt><dd>{ percent(config.loss_ppm) }</dd>
            <dt>{ "duplication" }</dt><dd>{ percent(config.duplicate_ppm) }</dd>
            <dt>{ "blocked" }</dt>
            <dd class={classes!((!links.is_empty()).then_some("state-bad"))}>{ blocked_text }</dd>
            <dt>{ "slow" }</dt>
            <dd class={classes!((!slow.is_empty()).then_some("state-warn"))}>{ listed(&slow) }</dd>
            <dt>{ "messages" }</dt>
            <dd>{ format!("{} delivered, {} lost", network.delivered, network.lost) }</dd>
        </dl>
    }
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let mut text = items[..items.len().min(LINKS_LISTED)].join(", ");
    if items.len() > LINKS_LISTED {
        text.push_str(&format!(" and {} more", items.len() - LINKS_LISTED));
    }
    text
}

#[derive(Properties, PartialEq)]
struct PercentSliderProps {
    id: AttrValue,
    label: AttrValue,
    ppm: u32,
    /// Called once the slider is released (or moved by a key), in parts per million.
    on_commit: Callback<u32>,
}

/// A 0–50% slider that shows its value while dragged and acts only on release.
#[function_component(PercentSlider)]
fn percent_slider(props: &PercentSliderProps) -> Html {
    let dragging = use_state(|| None::<u32>);
    let current = (props.ppm + PPM_PER_PERCENT / 2) / PPM_PER_PERCENT;
    let shown = dragging.unwrap_or(current);
    let read = |event: &Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.value().parse::<u32>().ok()
    };
    let oninput = {
        let dragging = dragging.clone();
        Callback::from(move |event: InputEvent| dragging.set(read(&event)))
    };
    let onchange = {
        let dragging = dragging.clone();
        let on_commit = props.on_commit.clone();
        Callback::from(move |event: Event| {
            dragging.set(None);
            if let Some(value) = read(&event) {
                on_commit.emit(value.min(PERCENT_SLIDER_MAX) * PPM_PER_PERCENT);
            }
        })
    };
    let text = match *dragging {
        Some(value) => format!("{value}%"),
        None => percent(props.ppm),
    };
    html! {
        <div class="slider-field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input type="range" id={props.id.clone()} min="0" max={PERCENT_SLIDER_MAX.to_string()} step="1"
                value={shown.min(PERCENT_SLIDER_MAX).to_string()} aria-valuetext={text.clone()} {oninput} {onchange} />
            <output for={props.id.clone()}>{ text }</output>
        </div>
    }
}

fn latency_inputs(ui: &Ui, (low, high): (u64, u64)) -> Html {
    let field = |label: &str, id: &str, value: u64, is_low: bool| {
        let ui = ui.clone();
        let onchange = Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            match latency_pair(&input.value(), is_low, (low, high)) {
                Ok(pair) if pair == (low, high) => {}
                Ok(pair) => ui.act(Action::Network {
                    loss_ppm: None,
                    duplicate_ppm: None,
                    latency_ms: Some(pair),
                }),
                Err(message) => {
                    // Show the latency that still holds, not the value refused.
                    input.set_value(&value.to_string());
                    refuse(&ui, message);
                }
            }
        });
        html! {
            <label class="form-field" for={id.to_string()}>
                <span>{ label.to_string() }</span>
                <NumberField id={id.to_string()} min=0 max={LATENCY_MS_MAX} {value} {onchange} />
            </label>
        }
    };
    html! {
        <>
            { field("Latency min (ms)", "network-latency-min", low, true) }
            { field("Latency max (ms)", "network-latency-max", high, false) }
        </>
    }
}

/// The latency range after typing `typed` as its minimum (`is_low`) or maximum.
fn latency_pair(typed: &str, is_low: bool, (low, high): (u64, u64)) -> Result<(u64, u64), String> {
    let Ok(value) = typed.trim().parse::<u64>() else {
        return Err(format!(
            "Latency: {typed:?} is not a whole number of milliseconds."
        ));
    };
    let pair = if is_low { (value, high) } else { (low, value) };
    if pair.1 > LATENCY_MS_MAX {
        return Err(format!("Latency: at most {LATENCY_MS_MAX} ms."));
    }
    if pair.0 > pair.1 {
        let first = if is_low {
            "raise the maximum"
        } else {
            "lower the minimum"
        };
        return Err(format!(
            "Latency: the minimum ({} ms) must not exceed the maximum ({} ms); {first} first.",
            pair.0, pair.1
        ));
    }
    Ok(pair)
}

/// Which group each node is in now (see `Network::groups`).
fn current_groups(nodes: &[NodeId], network: &Network) -> Assignment {
    let mut assignment = Assignment::new();
    for (index, group) in network.groups(nodes).into_iter().enumerate() {
        for node in group {
            assignment.insert(node, index);
        }
    }
    assignment
}

/// Each node's group (an index, lettered by `view::group_letter`), in node order (a `LiteMap`,
/// as `NodePoints`).
type Assignment = LiteMap<NodeId, usize>;

#[derive(Properties, PartialEq)]
struct PartitionEditorProps {
    nodes: Vec<NodeId>,
    current: Assignment,
    /// The network has cuts that are not a partition's, which applying removes.
    replaces_cuts: bool,
}

/// Put each node in a group (A, B, …), then apply: nodes reach only their own group.
#[function_component(PartitionEditor)]
fn partition_editor(props: &PartitionEditorProps) -> Html {
    let ui = use_ui();
    // The choice not applied yet, and the network's groups it was made on: it is forgotten
    // once the network changes under it (a drag on the ring, a cut, a jump on the timeline),
    // since applying it would silently undo that change.
    let draft = use_state(|| None::<(Assignment, Assignment)>);
    let chosen = draft
        .as_ref()
        .filter(|(made_on, _)| *made_on == props.current)
        .map(|(_, chosen)| chosen);
    let mut assignment = Assignment::new();
    for &node in &props.nodes {
        let from_draft = chosen.and_then(|chosen| chosen.get(&node).copied());
        let group = from_draft.or_else(|| props.current.get(&node).copied());
        assignment.insert(node, group.unwrap_or(0));
    }
    let in_use = assignment
        .iter()
        .map(|(_, &group)| group + 1)
        .max()
        .unwrap_or(0);
    let offered = (in_use + 1)
        .max(GROUPS_OFFERED_MIN)
        .min(props.nodes.len().max(1));
    let rows = props.nodes.iter().map(|&node| {
        let choices = (0..offered).map(|group| {
            let name = group_letter(group);
            let pressed = assignment.get(&node) == Some(&group);
            let onclick = {
                let draft = draft.clone();
                let assignment = assignment.clone();
                let current = props.current.clone();
                Callback::from(move |_| {
                    let mut next = assignment.clone();
                    next.insert(node, group);
                    draft.set(Some((current.clone(), next)));
                })
            };
            html! {
                <button class={classes!("segment", pressed.then_some("segment-on"))} aria-pressed={pressed.to_string()}
                    aria-label={format!("S{node} in group {name}")} {onclick}>{ name }</button>
            }
        });
        html! {
            <div class="partition-row">
                <span class="partition-node">{ format!("S{node}") }</span>
                <div class="segmented" role="group" aria-label={format!("Group of S{node}")}>{ for choices }</div>
            </div>
        }
    });
    let groups = groups_of(&assignment);
    let apply = {
        let ui = ui.clone();
        let draft = draft.clone();
        let groups = groups.clone();
        Callback::from(move |_| {
            draft.set(None);
            ui.act(Action::Partition {
                groups: groups.clone(),
            });
        })
    };
    let reset = {
        let draft = draft.clone();
        Callback::from(move |_| draft.set(None))
    };
    // Applying the network's own groups would change nothing (`affordance::refusal`): every
    // two nodes are together in the editor exactly when they are on the network.
    let together = |groups: &Assignment, a: &NodeId, b: &NodeId| groups.get(a) == groups.get(b);
    let unchanged = !props.replaces_cuts
        && props.nodes.iter().all(|a| {
            props
                .nodes
                .iter()
                .all(|b| together(&assignment, a, b) == together(&props.current, a, b))
        });
    let mut summary = if unchanged && groups.len() <= 1 {
        "Every node is in one group, as now: put nodes in other groups to split the network."
            .to_string()
    } else if unchanged {
        "These are the network's groups now: move a node to another group to change them."
            .to_string()
    } else if groups.len() <= 1 {
        "Every node in one group: applying reconnects them all.".to_string()
    } else {
        let names: Vec<String> = groups
            .iter()
            .map(|group| {
                let members: Vec<String> = group.iter().map(|node| format!("S{node}")).collect();
                format!("{{{}}}", members.join(" "))
            })
            .collect();
        format!("Applying splits the cluster into {}.", names.join(" | "))
    };
    if props.replaces_cuts {
        summary += " It replaces the cuts listed above: a partition decides every link.";
    }
    html! {
        <div class="partition-editor">
            { for rows }
            <p class="hint">{ summary }</p>
            <div class="button-row">
                <button class="primary-soft" onclick={apply} disabled={unchanged}>{ "Apply partition" }</button>
                if chosen.is_some() {
                    <button onclick={reset} aria-label="Reset the editor to the network as it is">{ "Reset" }</button>
                }
            </div>
        </div>
    }
}

/// The non-empty groups of an assignment, in group order.
fn groups_of(assignment: &Assignment) -> Vec<Vec<NodeId>> {
    let count = assignment
        .iter()
        .map(|(_, &group)| group + 1)
        .max()
        .unwrap_or(0);
    let mut groups = vec![Vec::new(); count];
    for (&node, &group) in assignment.iter() {
        groups[group].push(node);
    }
    groups.retain(|group| !group.is_empty());
    groups
}

#[derive(Properties, PartialEq)]
struct LinkFormProps {
    nodes: Vec<NodeId>,
    /// A slow link (with extra latency) rather than a cut.
    slow: bool,
}

/// Pick a direction `from → to`; cut it, or slow it down by some milliseconds.
#[function_component(LinkForm)]
fn link_form(props: &LinkFormProps) -> Html {
    let ui = use_ui();
    let from = use_state(|| None::<NodeId>);
    let to = use_state(|| None::<NodeId>);
    let extra_ms = use_state(|| "200".to_string());
    let (from_node, to_node) = link_ends(&props.nodes, *from, *to);
    // A "from" that takes the "to" node swaps the two, so "to" still names another node.
    let on_from = {
        let (from, to) = (from.clone(), to.clone());
        Callback::from(move |node: Option<NodeId>| {
            if node.is_some() && node == to_node {
                to.set(from_node);
            }
            from.set(node);
        })
    };
    let kind = if props.slow { "slow" } else { "cut" };
    let submit = {
        let ui = ui.clone();
        let extra_ms = extra_ms.clone();
        let slow = props.slow;
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match link_action(slow, from_node, to_node, &extra_ms) {
                Ok(action) => ui.act(action),
                Err(message) => refuse(&ui, message),
            }
        })
    };
    let on_extra = {
        let extra_ms = extra_ms.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            extra_ms.set(input.value());
        })
    };
    html! {
        // The page checks the fields itself and says what is wrong in its notice, as every
        // other field does: the browser's own check stopped some values with a bubble of its
        // own and let others (`1e2`) through.
        // Named, so that a screen reader entering it says which form its "From" and "To" are.
        <form class="link-form" onsubmit={submit} novalidate=true
            aria-label={if props.slow { "Slow link" } else { "One-way cut" }}>
            { node_select(&format!("{kind}-from"), "From", (&props.nodes, None), from_node, false, on_from) }
            // "To" never offers the "from" node: a link joins two different nodes.
            { node_select(&format!("{kind}-to"), "To", (&props.nodes, from_node), to_node, false, setter(&to)) }
            if props.slow {
                <label class="form-field" for="slow-extra">
                    <span>{ "Extra (ms)" }</span>
                    <input type="number" id="slow-extra" min="0" max={LATENCY_MS_MAX.to_string()}
                        value={(*extra_ms).clone()} oninput={on_extra} />
                </label>
            }
            <button type="submit" class="primary-soft">{ if props.slow { "Slow down this link" } else { "Cut this direction" } }</button>
        </form>
    }
}

/// The two ends a link form shows for the picks `from` and `to` (none yet: the first nodes),
/// among `nodes` as they are now (a pick may have been removed since): two different nodes
/// while there are two.
fn link_ends(
    nodes: &[NodeId],
    from: Option<NodeId>,
    to: Option<NodeId>,
) -> (Option<NodeId>, Option<NodeId>) {
    let present = |node: &NodeId| nodes.contains(node);
    let from = from.filter(present).or(nodes.first().copied());
    let to = to
        .filter(|node| present(node) && Some(*node) != from)
        .or_else(|| nodes.iter().copied().find(|&node| Some(node) != from));
    (from, to)
}

fn link_action(
    slow: bool,
    from: Option<NodeId>,
    to: Option<NodeId>,
    extra_ms: &str,
) -> Result<Action, String> {
    let (Some(from), Some(to)) = (from, to) else {
        return Err("A link needs two nodes.".to_string());
    };
    if from == to {
        return Err(format!(
            "S{from} to S{to}: a link joins two different nodes; pick another \"To\"."
        ));
    }
    if !slow {
        return Ok(Action::Cut { from, to });
    }
    match extra_ms.trim().parse::<u64>() {
        Ok(extra_ms) if extra_ms <= LATENCY_MS_MAX => Ok(Action::SlowLink { from, to, extra_ms }),
        _ => Err(format!(
            "Slow link: {extra_ms:?} is not a whole number of milliseconds from 0 to {LATENCY_MS_MAX}."
        )),
    }
}

/// Shows `message` in the notice bar and changes nothing else.
pub fn refuse(ui: &Ui, message: String) {
    ui.engine.borrow_mut().notice = Some(message);
    ui.refresh.emit(());
}

/// A callback that stores a picked node in `state`.
pub fn setter(state: &UseStateHandle<Option<NodeId>>) -> Callback<Option<NodeId>> {
    let state = state.clone();
    Callback::from(move |node| state.set(node))
}

/// A labelled `<select>` of `nodes` but the one `excepted`; with `any`, a first choice "any"
/// that picks `None`.
pub fn node_select(
    id: &str,
    label: &str,
    (nodes, excepted): (&[NodeId], Option<NodeId>),
    selected: Option<NodeId>,
    any: bool,
    on_pick: Callback<Option<NodeId>>,
) -> Html {
    let onchange = Callback::from(move |event: Event| {
        let select: HtmlSelectElement = event.target_unchecked_into();
        on_pick.emit(select.value().parse::<NodeId>().ok());
    });
    let options = nodes.iter().filter(|&&node| Some(node) != excepted).map(|&node| {
        html! { <option value={node.to_string()} selected={selected == Some(node)}>{ format!("S{node}") }</option> }
    });
    html! {
        <label class="form-field" for={id.to_string()}>
            <span>{ label.to_string() }</span>
            <select id={id.to_string()} {onchange}>
                if any {
                    <option value="any" selected={selected.is_none()}>{ "any" }</option>
                }
                { for options }
            </select>
        </label>
    }
}
