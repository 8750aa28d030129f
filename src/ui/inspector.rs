//! The inspector: the selected node's persistent and volatile state, key-value contents,
//! snapshot and clock, with its controls; or the selected message's fields.

use yew::prelude::*;

use super::context::use_ui;
use super::engine::Selection;
use crate::scenario::Action;

#[function_component(Inspector)]
pub fn inspector() -> Html {
    let ui = use_ui();
    let selection = ui.engine.borrow().selection;
    match selection {
        Selection::Node(id) => node_inspector(&ui, id),
        Selection::Message(id) => message_inspector(&ui, id),
        Selection::Nothing => html! {
            <div class="panel">
                <p class="hint">{ "Click a node or a message on the canvas (or press 1–9) to inspect it." }</p>
                <button onclick={ let ui = ui.clone(); move |_| ui.act(Action::AddNode) } aria-label="Add a node (a)">{ "Add a node" }</button>
            </div>
        },
    }
}

fn node_inspector(ui: &super::context::Ui, id: u64) -> Html {
    let engine = ui.engine.borrow();
    let Some(server) = engine.simulation().server(id) else {
        return html! { <p>{ "No such node." }</p> };
    };
    let button = |label: &str, action: Action, key: &str| {
        let ui = ui.clone();
        let aria = format!("{label} S{id} ({key})");
        html! { <button aria-label={aria} onclick={move |_| ui.act(action.clone())}>{ label }</button> }
    };
    let raft = server.raft.as_ref();
    html! {
        <div class="panel">
            <h2>{ format!("Node S{id}") }</h2>
            <div class="button-row">
                { button("Crash", Action::Crash { node: id }, "c") }
                { button("Restart", Action::Restart { node: id }, "r") }
                { button("Pause", Action::Pause { node: id }, "p") }
                { button("Resume", Action::Resume { node: id }, "p") }
                { button("Timeout", Action::Timeout { node: id }, "t") }
                { button("Snapshot", Action::Snapshot { node: id }, "s") }
                { button("Transfer leadership here", Action::TransferLeader { to: id }, "") }
                { button("Remove", Action::RemoveNode { node: id }, "") }
            </div>
            <dl class="facts">
                <dt>{ "status" }</dt><dd>{ format!("{:?}", server.status).to_lowercase() }</dd>
                <dt>{ "term" }</dt><dd>{ raft.map_or(server.disk.persisted.hard_state.current_term, |r| r.current_term()) }</dd>
                <dt>{ "voted for" }</dt><dd>{ raft.and_then(|r| r.voted_for()).map_or("—".to_string(), |v| format!("S{v}")) }</dd>
                <dt>{ "commit index" }</dt><dd>{ raft.map_or(0, |r| r.commit_index()) }</dd>
                <dt>{ "last applied" }</dt><dd>{ server.kv.last_applied() }</dd>
                <dt>{ "log" }</dt><dd>{ raft.map_or("—".to_string(), |r| format!("{}..={}", r.log().first_index(), r.log().last_index())) }</dd>
                <dt>{ "clock drift" }</dt><dd>{ format!("{} ppm", server.clock.rate_ppm()) }</dd>
            </dl>
        </div>
    }
}

fn message_inspector(ui: &super::context::Ui, id: u64) -> Html {
    let engine = ui.engine.borrow();
    let Some(message) = engine.simulation().network().get(id) else {
        return html! { <div class="panel"><p>{ format!("Message {id} has arrived or vanished.") }</p></div> };
    };
    let text = format!("{:#?}", message.packet);
    let act = |label: &str, action: Action| {
        let ui = ui.clone();
        html! { <button onclick={move |_| ui.act(action.clone())}>{ label.to_string() }</button> }
    };
    html! {
        <div class="panel">
            <h2>{ format!("Message #{id}") }</h2>
            <div class="button-row">
                { act("Drop", Action::DropMessage { id }) }
                { act("Delay 100 ms", Action::DelayMessage { id, by_ms: 100 }) }
                { act("Duplicate", Action::DuplicateMessage { id }) }
            </div>
            <pre class="message-fields">{ text }</pre>
        </div>
    }
}
