//! Writing the JSON form: contract field names in a fixed order, `format` first, every field
//! written out, and a layout people can read and diff (each timeline action on one line, as in
//! ARCHITECTURE.md). Probabilities are written from their integer parts per million by exact
//! decimal arithmetic, so writing never involves a float.

use super::validate::ppm_to_text;
use super::{Action, JSON_FORMAT, ReadKind, Restore, Scenario, ScenarioConfig, Workload};

/// A value breaks over several lines when its one-line form would pass this column.
const LINE_WIDTH: usize = 100;

/// A JSON value ready to print: scalars already in their JSON text.
enum Out {
    Scalar(String),
    Array(Vec<Out>),
    Object(Vec<(String, Out)>),
}

fn object(fields: Vec<(&str, Out)>) -> Out {
    Out::Object(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

pub(super) fn write(scenario: &Scenario) -> String {
    let mut fields = vec![
        ("format", number(JSON_FORMAT)),
        ("seed", number(scenario.seed)),
        ("nodes", number(scenario.nodes)),
        ("config", config(&scenario.config)),
        ("workload", workload(&scenario.workload)),
        (
            "timeline",
            Out::Array(scenario.timeline.iter().map(timed_action).collect()),
        ),
        ("until_ms", number(scenario.until_ms)),
    ];
    if let Some(events) = scenario.events_in_last_ms {
        fields.push(("events_in_last_ms", number(events)));
    }
    if let Some(backup) = &scenario.restore {
        fields.push(("restore", restore(backup)));
    }
    let mut text = String::new();
    print(&object(fields), 0, 0, &mut text);
    text.push('\n');
    text
}

fn number(value: impl Into<u64>) -> Out {
    Out::Scalar(value.into().to_string())
}

fn boolean(value: bool) -> Out {
    Out::Scalar(value.to_string())
}

fn string(text: &str) -> Out {
    Out::Scalar(json_string(text))
}

/// `text` as a JSON string literal, in serde_json's own escaping (a test holds the two to the
/// same text). Written out here because serde_json's writer would be wasm of its own in the
/// page, which otherwise only reads JSON with it.
pub(super) fn json_string(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for character in text.chars() {
        match character {
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            '\u{8}' => literal.push_str("\\b"),
            '\u{c}' => literal.push_str("\\f"),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            control if control < ' ' => {
                literal.push_str(&format!("\\u{:04x}", u32::from(control)));
            }
            other => literal.push(other),
        }
    }
    literal.push('"');
    literal
}

fn optional_string(text: &Option<String>) -> Out {
    match text {
        Some(text) => string(text),
        None => Out::Scalar("null".into()),
    }
}

fn pair((low, high): (u64, u64)) -> Out {
    Out::Array(vec![number(low), number(high)])
}

/// Written with at least one decimal (`0.0`, `0.25`) so that it reads as a probability.
fn probability(ppm: u32) -> Out {
    let text = ppm_to_text(ppm);
    Out::Scalar(if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    })
}

fn read_kind(kind: ReadKind) -> Out {
    string(kind.name())
}

fn config(config: &ScenarioConfig) -> Out {
    let bugs = config.bugs.iter().map(|bug| string(bug.name())).collect();
    let mut fields = vec![
        ("election_timeout_ms", pair(config.election_timeout_ms)),
        ("heartbeat_ms", number(config.heartbeat_ms)),
        ("latency_ms", pair(config.latency_ms)),
        ("loss", probability(config.loss_ppm)),
        ("duplicate", probability(config.duplicate_ppm)),
        ("disk_ms", pair(config.disk_ms)),
        ("snapshot_every", number(config.snapshot_every)),
        ("pre_vote", boolean(config.pre_vote)),
        ("check_quorum", boolean(config.check_quorum)),
        (
            "clock_drift_bound_ppm",
            number(config.clock_drift_bound_ppm),
        ),
        ("bugs", Out::Array(bugs)),
        ("crash_after_vote", probability(config.crash_after_vote_ppm)),
        (
            "crash_after_commit",
            probability(config.crash_after_commit_ppm),
        ),
        ("crash_restart_ms", pair(config.crash_restart_ms)),
    ];
    if let Some(from_ms) = config.check_liveness_from_ms {
        fields.push(("check_liveness_from_ms", number(from_ms)));
    }
    object(fields)
}

fn workload(workload: &Workload) -> Out {
    object(vec![
        ("writes_per_sec", number(workload.writes_per_sec)),
        ("reads_per_sec", number(workload.reads_per_sec)),
        ("keys", number(workload.keys)),
        ("cas_percent", number(workload.cas_percent)),
        ("read", read_kind(workload.read)),
    ])
}

fn restore(backup: &Restore) -> Out {
    let kv = backup
        .kv
        .iter()
        .map(|(key, value)| (key.clone(), string(value)))
        .collect();
    object(vec![
        ("index", number(backup.index)),
        ("term", number(backup.term)),
        ("kv", Out::Object(kv)),
    ])
}

fn timed_action(timed: &super::TimedAction) -> Out {
    let mut fields = vec![
        ("at_ms", number(timed.at_ms)),
        ("do", string(timed.action.name())),
    ];
    fields.extend(action_fields(&timed.action));
    object(fields)
}

fn action_fields(action: &Action) -> Vec<(&'static str, Out)> {
    let via = |via: &Option<u64>| via.map(|node| ("via", number(node)));
    match action {
        Action::Crash { node }
        | Action::Restart { node }
        | Action::Pause { node }
        | Action::Resume { node }
        | Action::Timeout { node }
        | Action::Snapshot { node }
        | Action::RemoveNode { node } => vec![("node", number(*node))],
        Action::TransferLeader { to } => vec![("to", number(*to))],
        Action::Partition { groups } => {
            let groups = groups
                .iter()
                .map(|group| Out::Array(group.iter().map(|&node| number(node)).collect()))
                .collect();
            vec![("groups", Out::Array(groups))]
        }
        Action::Cut { from, to } => vec![("from", number(*from)), ("to", number(*to))],
        Action::SlowLink { from, to, extra_ms } => vec![
            ("from", number(*from)),
            ("to", number(*to)),
            ("extra_ms", number(*extra_ms)),
        ],
        Action::Heal | Action::AddNode | Action::Backup => Vec::new(),
        Action::Put {
            key,
            value,
            via: to,
        } => {
            let mut fields = vec![("key", string(key)), ("value", string(value))];
            fields.extend(via(to));
            fields
        }
        Action::Get { key, via: to, read } => {
            let mut fields = vec![("key", string(key))];
            fields.extend(via(to));
            fields.push(("read", read_kind(*read)));
            fields
        }
        Action::Delete { key, via: to } => {
            let mut fields = vec![("key", string(key))];
            fields.extend(via(to));
            fields
        }
        Action::Cas {
            key,
            expected,
            new,
            via: to,
        } => {
            let mut fields = vec![
                ("key", string(key)),
                ("expected", optional_string(expected)),
                ("new", optional_string(new)),
            ];
            fields.extend(via(to));
            fields
        }
        Action::Network {
            loss_ppm,
            duplicate_ppm,
            latency_ms,
        } => {
            let mut fields = Vec::new();
            fields.extend(loss_ppm.map(|ppm| ("loss", probability(ppm))));
            fields.extend(duplicate_ppm.map(|ppm| ("duplicate", probability(ppm))));
            fields.extend(latency_ms.map(|range| ("latency_ms", pair(range))));
            fields
        }
        Action::Drift { node, ppm } => vec![
            ("node", number(*node)),
            ("ppm", Out::Scalar(ppm.to_string())),
        ],
        Action::DropMessage { id } | Action::DuplicateMessage { id } => {
            vec![("id", number(*id))]
        }
        Action::DelayMessage { id, by_ms } => vec![("id", number(*id)), ("by_ms", number(*by_ms))],
    }
}

/// Prints `value` starting at `column`, on one line if it fits, else one item a line indented
/// under `indent`.
fn print(value: &Out, indent: usize, column: usize, text: &mut String) {
    let mut one_line = String::new();
    print_inline(value, &mut one_line);
    if matches!(value, Out::Scalar(_)) || column + one_line.chars().count() <= LINE_WIDTH {
        text.push_str(&one_line);
        return;
    }
    let inner = indent + 2;
    let (open, close) = match value {
        Out::Array(_) => ('[', ']'),
        _ => ('{', '}'),
    };
    text.push(open);
    let items: Vec<(Option<&String>, &Out)> = match value {
        Out::Array(items) => items.iter().map(|item| (None, item)).collect(),
        Out::Object(fields) => fields.iter().map(|(key, item)| (Some(key), item)).collect(),
        Out::Scalar(_) => Vec::new(),
    };
    for (position, (key, item)) in items.iter().enumerate() {
        text.push('\n');
        text.extend(std::iter::repeat_n(' ', inner));
        let mut item_column = inner;
        if let Some(key) = key {
            let key = format!("{}: ", json_string(key));
            item_column += key.chars().count();
            text.push_str(&key);
        }
        print(item, inner, item_column, text);
        if position + 1 < items.len() {
            text.push(',');
        }
    }
    text.push('\n');
    text.extend(std::iter::repeat_n(' ', indent));
    text.push(close);
}

fn print_inline(value: &Out, text: &mut String) {
    match value {
        Out::Scalar(scalar) => text.push_str(scalar),
        Out::Array(items) => {
            text.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    text.push_str(", ");
                }
                print_inline(item, text);
            }
            text.push(']');
        }
        Out::Object(fields) if fields.is_empty() => text.push_str("{}"),
        Out::Object(fields) => {
            text.push_str("{ ");
            for (position, (key, item)) in fields.iter().enumerate() {
                if position > 0 {
                    text.push_str(", ");
                }
                text.push_str(&json_string(key));
                text.push_str(": ");
                print_inline(item, text);
            }
            text.push_str(" }");
        }
    }
}
