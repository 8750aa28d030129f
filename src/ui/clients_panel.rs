//! The clients panel: send a put, get (ReadIndex, lease or stale), delete or compare-and-set to
//! any node (each a timeline action), set the automatic workload (part of the scenario, so a
//! change replays the run to the same moment, as the config panel does), follow what every
//! client operation did, and check the history for linearizability on demand.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::context::{Ui, use_ui};
use super::engine::LinearizabilityCheck;
use super::network_panel::{node_select, refuse};
use super::number_field::{NumberField, parse_bounded};
use crate::check::linearizability::Verdict;
use crate::raft::NodeId;
use crate::scenario::limits::{KEYS_MAX, KEYS_MIN, PERCENT_MAX, RATE_PER_SEC_MAX};
use crate::scenario::{Action, ReadKind, Scenario};
use crate::sim::clients::{MAX_WORKLOAD_CLIENTS, OPERATIONS_PER_CLIENT};
use crate::sim::history::{HistoryOp, MAX_OPERATIONS, OpKind, OpOutcome};
use crate::view::{format_count, format_time};

/// Operations listed in the history, newest first.
const HISTORY_SHOWN: usize = 50;
/// Steps the linearizability checker may take in the page (natively tens of nanoseconds each,
/// so well under a second in the browser).
const CHECK_STEP_BUDGET: u64 = 2_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Put,
    Get,
    Delete,
    Cas,
}

impl Operation {
    const ALL: [Operation; 4] = [
        Operation::Put,
        Operation::Get,
        Operation::Delete,
        Operation::Cas,
    ];

    fn name(self) -> &'static str {
        match self {
            Operation::Put => "put",
            Operation::Get => "get",
            Operation::Delete => "delete",
            Operation::Cas => "cas",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Operation::Put => "put",
            Operation::Get => "get",
            Operation::Delete => "delete",
            Operation::Cas => "compare-and-set",
        }
    }
}

fn read_label(read: ReadKind) -> &'static str {
    match read {
        ReadKind::ReadIndex => "ReadIndex",
        ReadKind::Lease => "lease",
        ReadKind::Stale => "stale",
    }
}

/// How a read is served, in a sentence (thesis §6.4).
fn read_meaning(read: ReadKind) -> &'static str {
    match read {
        ReadKind::ReadIndex => {
            "ReadIndex: the leader confirms it still leads with a heartbeat round, then answers."
        }
        ReadKind::Lease => {
            "Lease: the leader answers at once while its lease holds (it trusts bounded clock drift)."
        }
        ReadKind::Stale => {
            "Stale: whichever node is asked answers from its own state, possibly out of date."
        }
    }
}

/// The request form as typed.
#[derive(Clone, Debug, PartialEq)]
struct Form {
    operation: Operation,
    key: String,
    value: String,
    expected: String,
    /// Compare-and-set succeeds only if the key is absent.
    expected_absent: bool,
    new: String,
    /// Compare-and-set deletes the key instead of writing `new`.
    new_delete: bool,
    via: Option<NodeId>,
    read: ReadKind,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            operation: Operation::Put,
            key: "x".to_string(),
            value: "1".to_string(),
            expected: "1".to_string(),
            expected_absent: false,
            new: "2".to_string(),
            new_delete: false,
            via: None,
            read: ReadKind::ReadIndex,
        }
    }
}

impl Form {
    /// The timeline action this form asks for. The scenario's own validation checks lengths
    /// and characters; this only catches what a person is likely to leave out.
    fn action(&self) -> Result<Action, String> {
        let key = self.key.trim().to_string();
        if key.is_empty() {
            return Err("Type a key first: every operation names one.".to_string());
        }
        let via = self.via;
        Ok(match self.operation {
            Operation::Put => Action::Put {
                key,
                value: self.value.clone(),
                via,
            },
            Operation::Get => Action::Get {
                key,
                via,
                read: self.read,
            },
            Operation::Delete => Action::Delete { key, via },
            Operation::Cas => Action::Cas {
                key,
                expected: (!self.expected_absent).then(|| self.expected.clone()),
                new: (!self.new_delete).then(|| self.new.clone()),
                via,
            },
        })
    }
}

pub fn clients_panel(ui: &Ui) -> Html {
    html! {
        <div class="panel clients-panel">
            <h2>{ "Clients" }</h2>
            <RequestForm />
            { workload_controls(ui) }
            { backup_controls(ui) }
            { history_list(ui) }
        </div>
    }
}

/// Sets one field of the form from a text input.
fn text_field(
    form: &UseStateHandle<Form>,
    id: &str,
    label: &str,
    value: &str,
    apply: fn(&mut Form, String),
) -> Html {
    let oninput = {
        let form = form.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let mut next = (*form).clone();
            apply(&mut next, input.value());
            form.set(next);
        })
    };
    html! {
        <label class="form-field" for={id.to_string()}>
            <span>{ label.to_string() }</span>
            <input type="text" id={id.to_string()} value={value.to_string()} {oninput} autocomplete="off" spellcheck="false" />
        </label>
    }
}

fn check_field(
    form: &UseStateHandle<Form>,
    label: &str,
    checked: bool,
    apply: fn(&mut Form, bool),
) -> Html {
    let onchange = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let mut next = (*form).clone();
            apply(&mut next, input.checked());
            form.set(next);
        })
    };
    html! {
        <label class="form-check">
            <input type="checkbox" {checked} {onchange} />
            <span>{ label.to_string() }</span>
        </label>
    }
}

/// A lease is only safe while a leader that lost its majority steps down, which check-quorum
/// makes it do: without it the leader refuses lease reads (as etcd does), and every one fails.
fn lease_refused_hint(read: ReadKind, check_quorum: bool) -> Html {
    if read != ReadKind::Lease || check_quorum {
        return Html::default();
    }
    html! {
        <p class="hint form-hint lease-refused">{ "Check-quorum is off (Config), so leaders refuse lease reads: a lease is safe only while a leader that lost its majority steps down, which check-quorum makes it do. These reads will fail." }</p>
    }
}

fn read_select(id: &str, label: &str, selected: ReadKind, on_pick: Callback<ReadKind>) -> Html {
    let onchange = Callback::from(move |event: Event| {
        let select: HtmlSelectElement = event.target_unchecked_into();
        if let Some(read) = ReadKind::from_name(&select.value()) {
            on_pick.emit(read);
        }
    });
    let options = ReadKind::ALL.iter().map(|&read| {
        html! { <option value={read.name()} selected={read == selected}>{ read_label(read) }</option> }
    });
    html! {
        <label class="form-field" for={id.to_string()}>
            <span>{ label.to_string() }</span>
            <select id={id.to_string()} {onchange}>{ for options }</select>
        </label>
    }
}

#[function_component(RequestForm)]
fn request_form() -> Html {
    let ui = use_ui();
    let form = use_state(Form::default);
    let (nodes, check_quorum) = {
        let engine = ui.engine.borrow();
        let nodes: Vec<NodeId> = engine
            .simulation()
            .servers()
            .map(|server| server.id)
            .collect();
        (nodes, engine.scenario().config.check_quorum)
    };
    let submit = {
        let ui = ui.clone();
        let form = form.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match form.action() {
                Ok(action) => ui.act(action),
                Err(message) => refuse(&ui, message),
            }
        })
    };
    let on_operation = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let value = select.value();
            if let Some(&operation) = Operation::ALL.iter().find(|op| op.name() == value) {
                form.set(Form {
                    operation,
                    ..(*form).clone()
                });
            }
        })
    };
    let operations = Operation::ALL.iter().map(|&operation| {
        html! { <option value={operation.name()} selected={operation == form.operation}>{ operation.label() }</option> }
    });
    let via = {
        let form = form.clone();
        Callback::from(move |via: Option<NodeId>| {
            form.set(Form {
                via,
                ..(*form).clone()
            })
        })
    };
    let read = {
        let form = form.clone();
        Callback::from(move |read: ReadKind| {
            form.set(Form {
                read,
                ..(*form).clone()
            })
        })
    };
    html! {
        <form class="request-form" onsubmit={submit} aria-label="Send a client request" novalidate=true>
            <label class="form-field" for="client-operation">
                <span>{ "Operation" }</span>
                <select id="client-operation" onchange={on_operation}>{ for operations }</select>
            </label>
            { text_field(&form, "client-key", "Key", &form.key, |form, value| form.key = value) }
            { operation_fields(&form) }
            if form.operation == Operation::Get {
                { read_select("client-read", "Read", form.read, read) }
                <p class="hint form-hint">{ read_meaning(form.read) }</p>
                { lease_refused_hint(form.read, check_quorum) }
            }
            { node_select("client-via", "Ask node", (&nodes, None), form.via, true, via) }
            <button type="submit" class="primary-soft">{ format!("Send {}", form.operation.label()) }</button>
        </form>
    }
}

/// The fields that depend on the operation: a value to put, or what compare-and-set expects
/// and writes.
fn operation_fields(form: &UseStateHandle<Form>) -> Html {
    match form.operation {
        Operation::Put => text_field(form, "client-value", "Value", &form.value, |form, value| {
            form.value = value
        }),
        Operation::Cas => html! {
            <>
                if !form.expected_absent {
                    { text_field(form, "client-expected", "Expected", &form.expected, |form, value| form.expected = value) }
                }
                { check_field(form, "expect the key to be absent", form.expected_absent, |form, on| form.expected_absent = on) }
                if !form.new_delete {
                    { text_field(form, "client-new", "New value", &form.new, |form, value| form.new = value) }
                }
                { check_field(form, "delete the key instead", form.new_delete, |form, on| form.new_delete = on) }
            </>
        },
        Operation::Get | Operation::Delete => html! {},
    }
}

fn workload_number(
    ui: &Ui,
    id: &str,
    label: &str,
    value: u32,
    (min, max): (u64, u64),
    apply: fn(&mut Scenario, u32),
) -> Html {
    let ui = ui.clone();
    let name = label.to_string();
    let onchange = Callback::from(move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        match parse_bounded(&name, &input.value(), min, max) {
            Ok(value) => {
                let value = u32::try_from(value).unwrap_or(u32::MAX);
                ui.reconfigure(|scenario| apply(scenario, value))
            }
            Err(problem) => {
                // Show the value that still holds, not the one refused.
                input.set_value(&value.to_string());
                refuse(&ui, problem);
            }
        }
    });
    html! {
        <label class="form-field" for={id.to_string()}>
            <span>{ label.to_string() }</span>
            <NumberField id={id.to_string()} {min} {max} value={u64::from(value)} {onchange} />
        </label>
    }
}

fn workload_controls(ui: &Ui) -> Html {
    let (workload, check_quorum) = {
        let engine = ui.engine.borrow();
        let scenario = engine.scenario();
        (scenario.workload.clone(), scenario.config.check_quorum)
    };
    let on_read = {
        let ui = ui.clone();
        Callback::from(move |read: ReadKind| {
            ui.reconfigure(|scenario| scenario.workload.read = read)
        })
    };
    html! {
        <section class="workload" aria-label="Automatic workload">
            <h3>{ "Automatic workload" }</h3>
            <p class="hint">{ "Background clients. Part of the scenario: a change replays the run to this moment." }</p>
            { workload_number(ui, "workload-writes", "Writes per second", workload.writes_per_sec, (0, RATE_PER_SEC_MAX), |s, v| s.workload.writes_per_sec = v) }
            { workload_number(ui, "workload-reads", "Reads per second", workload.reads_per_sec, (0, RATE_PER_SEC_MAX), |s, v| s.workload.reads_per_sec = v) }
            { workload_number(ui, "workload-keys", "Keys", workload.keys, (KEYS_MIN, KEYS_MAX), |s, v| s.workload.keys = v) }
            { workload_number(ui, "workload-cas", "Compare-and-set (% of writes)", u32::from(workload.cas_percent), (0, PERCENT_MAX), |s, v| s.workload.cas_percent = u8::try_from(v).unwrap_or(u8::MAX)) }
            { read_select("workload-read", "Reads", workload.read, on_read) }
            { lease_refused_hint(workload.read, check_quorum) }
            if u64::from(workload.writes_per_sec + workload.reads_per_sec) > OPERATIONS_PER_CLIENT * MAX_WORKLOAD_CLIENTS {
                <p class="hint form-hint workload-capped">{ format!("At most {MAX_WORKLOAD_CLIENTS} background clients run, each waiting for its answer before the next request: they offer at most {MAX_WORKLOAD_CLIENTS} requests per round trip, which can be fewer than asked.") }</p>
            }
        </section>
    }
}

/// A coordinated backup (the lesson of that name): a barrier entry through the log, where each
/// server snapshots as it applies it. The latest one's copies so far, which the checker
/// compares.
fn backup_controls(ui: &Ui) -> Html {
    let latest = {
        let engine = ui.engine.borrow();
        let simulation = engine.simulation();
        simulation.latest_backup().map(|id| {
            let copies = simulation.backup_copies(id);
            let agree = match (copies, simulation.backup_copies_match(id)) {
                (0 | 1, _) => "",
                (_, true) => ", identical so far",
                (_, false) => ", and they differ",
            };
            (id, copies, agree)
        })
    };
    let take = {
        let ui = ui.clone();
        Callback::from(move |_| ui.act(Action::Backup))
    };
    html! {
        <section class="backup" aria-label="Coordinated backup">
            <h3>{ "Coordinated backup" }</h3>
            <p class="hint">{ "A barrier entry goes through the log, and each server snapshots exactly where it applies it: every copy holds the same entries. The checker compares them." }</p>
            <div class="button-row">
                <button onclick={take}>{ "Take a backup" }</button>
                if let Some((id, copies, agree)) = latest {
                    <span class="backup-copies" role="status">
                        { format!("Backup #{id}: {copies} {}{agree}", if copies == 1 { "copy" } else { "copies" }) }
                    </span>
                }
            </div>
        </section>
    }
}

/// The client history and its check: the panel's, rendered with it (a component of its own
/// would cost the page Yew's machinery for one more type, and hold no state).
fn history_list(ui: &Ui) -> Html {
    let engine = ui.engine.borrow();
    let report = engine.linearizability.clone();
    let now_us = engine.now_us();
    let history = engine.simulation().history();
    let counts = Counts::of(history.ops());
    let full = history.is_full();
    let counterexample: &[u64] = match report.as_ref().map(|report| &report.verdict) {
        Some(Verdict::NotLinearizable { counterexample, .. }) => counterexample,
        _ => &[],
    };
    // The newest operations, and earlier ones that failed or whose outcome is unknown: the
    // ones a learner looks for after a partition, which newer ones would push out of sight.
    let rows: Vec<Html> = history
        .ops()
        .rev()
        .enumerate()
        .filter(|(newest, op)| {
            *newest < HISTORY_SHOWN || matches!(op.outcome, OpOutcome::Failed | OpOutcome::Unknown)
        })
        .take(2 * HISTORY_SHOWN)
        .map(|(_, op)| history_row(op, now_us, counterexample.contains(&op.id)))
        .collect();
    drop(engine);
    let check = {
        let ui = ui.clone();
        Callback::from(move |_| {
            ui.engine
                .borrow_mut()
                .check_linearizability(CHECK_STEP_BUDGET);
            ui.refresh.emit(());
        })
    };
    html! {
        <section class="history" aria-label="Client history">
            <h3>{ "History" }</h3>
            <p class="history-counts">{ counts.text() }</p>
            if counts.failed + counts.unknown > 0 {
                <p class="hint">{ "Failed: known not to have taken effect. Unknown: the client gave up waiting, so it may or may not have taken effect. Both are listed below even when older than the latest operations." }</p>
            }
            if full {
                <p class="hint history-full">{ format!("The history holds at most {MAX_OPERATIONS} operations, to bound the page's memory: the workload issues no more.") }</p>
            }
            <div class="button-row">
                <button onclick={check} class="primary-soft">{ "Check linearizability" }</button>
            </div>
            if let Some(report) = report.as_ref() {
                { verdict_view(report, now_us) }
            }
            if rows.is_empty() {
                <p class="hint">{ "No client operation yet: send one above, or turn the workload on." }</p>
            } else {
                <table class="history-table">
                    <caption class="visually-hidden">{ "The latest client operations, and earlier ones that failed or whose outcome is unknown, newest first" }</caption>
                    <thead><tr>
                        <th scope="col" title="operation number, client">{ "# / client" }</th>
                        <th scope="col" title="the operation, then the node asked (→ the one that answered, if another)">{ "operation / node" }</th>
                        <th scope="col">{ "outcome" }</th>
                        <th scope="col" title="latency">{ "ms" }</th>
                        <th scope="col" title="attempts">{ "tries" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}

#[derive(Default)]
struct Counts {
    total: usize,
    ok: usize,
    pending: usize,
    unknown: usize,
    failed: usize,
}

impl Counts {
    fn of<'a>(ops: impl ExactSizeIterator<Item = &'a HistoryOp>) -> Counts {
        let mut counts = Counts {
            total: ops.len(),
            ..Counts::default()
        };
        for op in ops {
            match op.outcome {
                OpOutcome::Pending => counts.pending += 1,
                OpOutcome::Unknown => counts.unknown += 1,
                OpOutcome::Failed => counts.failed += 1,
                _ => counts.ok += 1,
            }
        }
        counts
    }

    fn text(&self) -> String {
        let count = |count: usize| format_count(count as u64);
        format!(
            "{} operation{}: {} answered, {} pending, {} unknown, {} failed",
            count(self.total),
            if self.total == 1 { "" } else { "s" },
            count(self.ok),
            count(self.pending),
            count(self.unknown),
            count(self.failed)
        )
    }
}

fn operation_text(op: &HistoryOp) -> String {
    let key = &op.key;
    let or_absent = |value: &Option<String>| value.as_deref().unwrap_or("∅").to_string();
    match &op.kind {
        OpKind::Read { read } => format!("get {key} ({read})"),
        OpKind::Put { value } => format!("put {key} = {value}"),
        OpKind::Delete => format!("delete {key}"),
        OpKind::Cas { expected, new } => {
            format!("cas {key}: {} → {}", or_absent(expected), or_absent(new))
        }
        OpKind::Barrier { backup_id } => format!("backup barrier #{backup_id}"),
    }
}

/// The node asked, then the one that answered when that was another (a redirect to the
/// leader, or a retry after no answer): "S2", "S2→S1".
fn nodes_text(op: &HistoryOp) -> String {
    match op.answered_by {
        Some(answered) if answered != op.asked => format!("S{}→S{answered}", op.asked),
        _ => format!("S{}", op.asked),
    }
}

/// What the client was told, and a class that colours it.
fn outcome_text(outcome: &OpOutcome) -> (String, &'static str) {
    match outcome {
        OpOutcome::Pending => ("pending…".to_string(), "outcome-pending"),
        OpOutcome::Value(Some(value)) => (format!("= {value}"), "outcome-ok"),
        OpOutcome::Value(None) => ("absent".to_string(), "outcome-ok"),
        OpOutcome::Done => ("ok".to_string(), "outcome-ok"),
        OpOutcome::Cas { succeeded: true } => ("swapped".to_string(), "outcome-ok"),
        OpOutcome::Cas { succeeded: false } => ("no match".to_string(), "outcome-ok"),
        OpOutcome::Unknown => ("unknown".to_string(), "outcome-unknown"),
        OpOutcome::Failed => ("failed".to_string(), "outcome-failed"),
    }
}

fn history_row(op: &HistoryOp, now_us: u64, in_counterexample: bool) -> Html {
    let (outcome, outcome_class) = outcome_text(&op.outcome);
    let latency = match (op.complete_us, &op.outcome) {
        (Some(complete_us), _) => format!("{}", complete_us.saturating_sub(op.invoke_us) / 1_000),
        (None, OpOutcome::Pending) => format!("{}…", now_us.saturating_sub(op.invoke_us) / 1_000),
        (None, _) => "—".to_string(),
    };
    let class = classes!(
        outcome_class,
        in_counterexample.then_some("in-counterexample"),
    );
    html! {
        <tr {class} title={format!("called at {}", format_time(op.invoke_us))}>
            <td class="history-id">{ format!("#{}", op.id) }<span class="history-client">{ format!("c{}", op.client_id) }</span></td>
            <td class="history-operation">{ operation_text(op) }<span class="history-node">{ nodes_text(op) }</span></td>
            <td class="history-outcome">{ outcome }</td>
            <td>{ latency }</td>
            <td class={classes!((op.attempts > 1).then_some("retried"))}>{ op.attempts }</td>
        </tr>
    }
}

fn verdict_view(report: &LinearizabilityCheck, now_us: u64) -> Html {
    // An inconclusive check did not get through them all.
    let looked_at = match report.verdict {
        Verdict::Inconclusive { .. } => "in the history",
        _ => "checked",
    };
    let moment = if report.at_us == now_us {
        format!(
            "{} operations {looked_at} (stale reads promise nothing and are left out).",
            format_count(report.operations as u64)
        )
    } else {
        format!(
            "{} operations {looked_at} at {}; the run has moved since: check again.",
            format_count(report.operations as u64),
            format_time(report.at_us)
        )
    };
    let (class, headline, detail) = match &report.verdict {
        Verdict::Linearizable => (
            "verdict-box verdict-box-safe",
            "✓ Linearizable".to_string(),
            "Every key's operations fit one order that respects real time.".to_string(),
        ),
        Verdict::NotLinearizable {
            key,
            counterexample,
            explanation,
        } => {
            let ids: Vec<String> = counterexample.iter().map(|id| format!("#{id}")).collect();
            (
                "verdict-box verdict-box-broken",
                format!("✗ Not linearizable on key {key:?}"),
                format!(
                    "{explanation} Operations {} (highlighted below when listed).",
                    ids.join(", ")
                ),
            )
        }
        Verdict::Inconclusive { key, steps } => (
            "verdict-box",
            "? Inconclusive".to_string(),
            format!(
                "The page's budget ran out after {} steps, at key {key:?}; no key failed before that.",
                format_count(*steps)
            ),
        ),
    };
    html! {
        <div class={class} role="status">
            <strong>{ headline }</strong>
            <p>{ detail }</p>
            <p class="hint">{ moment }</p>
        </div>
    }
}
