//! Reading the JSON form. The text is parsed into a small tree of our own (objects keep their
//! order and reject duplicate keys, which `serde_json::Value` silently merges), then walked
//! field by field so that every error can name its path and every unknown field is caught.
//!
//! Only shapes, types and the bounds of the Rust types are checked here; the scenario's rules
//! live in `validate.rs`, shared with links.

use std::collections::BTreeMap;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::validate::{entry_path, limits, quoted};
use super::{
    Action, JSON_FORMAT, Restore, Scenario, ScenarioConfig, ScenarioError, TimedAction, Workload,
};
use crate::raft::{Bug, Bugs, NodeId};

mod fields;

use fields::{Fields, describe, read_string, read_u64};

/// Longer JSON is refused before parsing. The parsed tree takes up to about 16 times the
/// text's size (`[0,0,...]` is two bytes a value, a `Json` is 32), so this bounds memory to
/// about 64 MiB. A timeline of 10,000 ordinary actions writes well under 1 MiB; only
/// scenarios near every limit at once (10,000 actions, each with the longest keys and
/// values) write more than this and cannot be read back from JSON.
pub const MAX_JSON_BYTES: usize = 4 << 20;

/// A parsed JSON value.
#[derive(Debug)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    /// Fields in document order, without duplicates.
    Object(Vec<(String, Json)>),
}

/// A JSON number as serde_json hands it over: integers exactly, anything else as a float.
#[derive(Clone, Copy, Debug)]
pub(super) enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

pub(super) fn read(text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_JSON_BYTES {
        let problem = format!(
            "the JSON is {} bytes long (the limit is {MAX_JSON_BYTES})",
            text.len()
        );
        return Err(ScenarioError::new("", problem));
    }
    let json: Json = serde_json::from_str(text)
        .map_err(|error| ScenarioError::new("", format!("invalid JSON: {error}")))?;
    read_scenario(&json)
}

fn read_scenario(json: &Json) -> Result<Scenario, ScenarioError> {
    let mut fields = Fields::new(json, "", "a scenario")?;
    read_format(&mut fields)?;
    let defaults = Scenario::default();
    let seed = fields.u64("seed", 0, u64::MAX)?;
    let nodes = fields.u64("nodes", limits::NODES_MIN, limits::NODES_MAX)?;
    let scenario = Scenario {
        seed: seed.unwrap_or(defaults.seed),
        nodes: nodes.map_or(defaults.nodes, narrow),
        config: match fields.get("config") {
            Some((json, path)) => read_config(json, &path)?,
            None => defaults.config,
        },
        workload: match fields.get("workload") {
            Some((json, path)) => read_workload(json, &path)?,
            None => defaults.workload,
        },
        timeline: match fields.get("timeline") {
            Some((json, path)) => read_timeline(json, &path)?,
            None => defaults.timeline,
        },
        until_ms: fields
            .u64("until_ms", limits::UNTIL_MS_MIN, limits::UNTIL_MS_MAX)?
            .unwrap_or(defaults.until_ms),
        events_in_last_ms: fields
            .u64("events_in_last_ms", 1, limits::EVENTS_IN_LAST_MS_MAX)?
            .map(narrow),
        restore: match fields.get_optional("restore") {
            Some((json, path)) => Some(read_restore(json, &path)?),
            None => None,
        },
    };
    fields.finish("a scenario")?;
    Ok(scenario)
}

fn read_format(fields: &mut Fields) -> Result<(), ScenarioError> {
    let supported = format!("this version reads format {JSON_FORMAT}");
    let Some((json, path)) = fields.get("format") else {
        let problem = format!("missing: a scenario starts with \"format\": {JSON_FORMAT}");
        return Err(ScenarioError::new("format", problem));
    };
    let format = read_u64(json, &path, 0, u64::MAX)?;
    if format != JSON_FORMAT {
        return Err(ScenarioError::new(
            path,
            format!("{format} is not supported ({supported})"),
        ));
    }
    Ok(())
}

/// Narrows a value already checked against a bound that fits the target type.
fn narrow<T: TryFrom<u64> + Default>(value: u64) -> T {
    let narrowed = T::try_from(value);
    debug_assert!(
        narrowed.is_ok(),
        "{value} was checked against a bound that fits"
    );
    narrowed.unwrap_or_default()
}

fn read_config(json: &Json, path: &str) -> Result<ScenarioConfig, ScenarioError> {
    use limits::*;
    let mut fields = Fields::new(json, path, "config")?;
    let mut config = ScenarioConfig::default();
    if let Some(pair) = fields.pair("election_timeout_ms", TIMER_MS_MAX)? {
        config.election_timeout_ms = pair;
    }
    if let Some(heartbeat_ms) = fields.u64("heartbeat_ms", 0, TIMER_MS_MAX)? {
        config.heartbeat_ms = heartbeat_ms;
    }
    if let Some(pair) = fields.pair("latency_ms", LATENCY_MS_MAX)? {
        config.latency_ms = pair;
    }
    if let Some(ppm) = fields.probability("loss")? {
        config.loss_ppm = ppm;
    }
    if let Some(ppm) = fields.probability("duplicate")? {
        config.duplicate_ppm = ppm;
    }
    if let Some(pair) = fields.pair("disk_ms", DISK_MS_MAX)? {
        config.disk_ms = pair;
    }
    if let Some(every) = fields.u64("snapshot_every", 0, SNAPSHOT_EVERY_MAX)? {
        config.snapshot_every = every;
    }
    if let Some(pre_vote) = fields.bool("pre_vote")? {
        config.pre_vote = pre_vote;
    }
    if let Some(check_quorum) = fields.bool("check_quorum")? {
        config.check_quorum = check_quorum;
    }
    let drift_bound = fields.u64("clock_drift_bound_ppm", 0, CLOCK_DRIFT_BOUND_PPM_MAX)?;
    if let Some(ppm) = drift_bound {
        config.clock_drift_bound_ppm = ppm;
    }
    if let Some((json, path)) = fields.get("bugs") {
        config.bugs = read_bugs(json, &path)?;
    }
    if let Some(ppm) = fields.probability("crash_after_vote")? {
        config.crash_after_vote_ppm = ppm;
    }
    if let Some(ppm) = fields.probability("crash_after_commit")? {
        config.crash_after_commit_ppm = ppm;
    }
    if let Some(pair) = fields.pair("crash_restart_ms", TIMER_MS_MAX)? {
        config.crash_restart_ms = pair;
    }
    let liveness = fields.u64("check_liveness_from_ms", 0, UNTIL_MS_MAX)?;
    if liveness.is_some() {
        config.check_liveness_from_ms = liveness;
    }
    fields.finish("config")?;
    Ok(config)
}

fn read_bugs(json: &Json, path: &str) -> Result<Bugs, ScenarioError> {
    let mut bugs = Bugs::NONE;
    for (index, item) in fields::read_array(json, path)?.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let name = read_string(item, &item_path)?;
        let Some(bug) = Bug::from_name(&name) else {
            let known: Vec<&str> = Bug::ALL.iter().map(|bug| bug.name()).collect();
            let problem = format!(
                "unknown bug {} (known: {})",
                quoted(&name),
                known.join(", ")
            );
            return Err(ScenarioError::new(item_path, problem));
        };
        if bugs.contains(bug) {
            let problem = format!("{} is listed twice", quoted(&name));
            return Err(ScenarioError::new(item_path, problem));
        }
        bugs.insert(bug);
    }
    Ok(bugs)
}

fn read_workload(json: &Json, path: &str) -> Result<Workload, ScenarioError> {
    use limits::*;
    let mut fields = Fields::new(json, path, "workload")?;
    let mut workload = Workload::default();
    if let Some(rate) = fields.u64("writes_per_sec", 0, RATE_PER_SEC_MAX)? {
        workload.writes_per_sec = narrow(rate);
    }
    if let Some(rate) = fields.u64("reads_per_sec", 0, RATE_PER_SEC_MAX)? {
        workload.reads_per_sec = narrow(rate);
    }
    if let Some(keys) = fields.u64("keys", KEYS_MIN, KEYS_MAX)? {
        workload.keys = narrow(keys);
    }
    if let Some(percent) = fields.u64("cas_percent", 0, PERCENT_MAX)? {
        workload.cas_percent = narrow(percent);
    }
    if let Some(read) = fields.read_kind("read")? {
        workload.read = read;
    }
    fields.finish("workload")?;
    Ok(workload)
}

fn read_timeline(json: &Json, path: &str) -> Result<Vec<TimedAction>, ScenarioError> {
    let items = fields::read_array(json, path)?;
    if items.len() > limits::TIMELINE_MAX {
        let problem = format!(
            "{} actions is too many (the limit is {})",
            items.len(),
            limits::TIMELINE_MAX
        );
        return Err(ScenarioError::new(path, problem));
    }
    let mut timeline = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        timeline.push(read_timed_action(item, &format!("{path}[{index}]"))?);
    }
    Ok(timeline)
}

fn read_timed_action(json: &Json, path: &str) -> Result<TimedAction, ScenarioError> {
    let mut fields = Fields::new(json, path, "an action")?;
    let at_ms = fields.u64("at_ms", 0, limits::UNTIL_MS_MAX)?;
    let at_ms = fields.required(at_ms, "at_ms", "every action")?;
    let name = fields.string("do")?;
    let name = fields.required(name, "do", "every action")?;
    let action = read_action(&mut fields, &name)?;
    fields.finish(&format!("a {} action", quoted(&name)))?;
    Ok(TimedAction { at_ms, action })
}

fn read_action(fields: &mut Fields, name: &str) -> Result<Action, ScenarioError> {
    let what = format!("a {} action", quoted(name));
    // Node and message ids are checked against the timeline in `validate.rs`.
    let required_id = |fields: &mut Fields, field: &'static str| -> Result<u64, ScenarioError> {
        let id = fields.u64(field, 0, u64::MAX)?;
        fields.required(id, field, &what)
    };
    let action = match name {
        "crash" => Action::Crash {
            node: required_id(fields, "node")?,
        },
        "restart" => Action::Restart {
            node: required_id(fields, "node")?,
        },
        "pause" => Action::Pause {
            node: required_id(fields, "node")?,
        },
        "resume" => Action::Resume {
            node: required_id(fields, "node")?,
        },
        "timeout" => Action::Timeout {
            node: required_id(fields, "node")?,
        },
        "snapshot" => Action::Snapshot {
            node: required_id(fields, "node")?,
        },
        "remove_node" => Action::RemoveNode {
            node: required_id(fields, "node")?,
        },
        "transfer_leader" => Action::TransferLeader {
            to: required_id(fields, "to")?,
        },
        "cut" => Action::Cut {
            from: required_id(fields, "from")?,
            to: required_id(fields, "to")?,
        },
        "slow_link" => {
            let from = required_id(fields, "from")?;
            let to = required_id(fields, "to")?;
            let extra_ms = fields.u64("extra_ms", 0, limits::LATENCY_MS_MAX)?;
            let extra_ms = fields.required(extra_ms, "extra_ms", &what)?;
            Action::SlowLink { from, to, extra_ms }
        }
        "heal" => Action::Heal,
        "add_node" => Action::AddNode,
        "backup" => Action::Backup,
        "partition" => {
            let groups = match fields.get("groups") {
                Some((json, path)) => read_groups(json, &path)?,
                None => return Err(fields.missing("groups", &what)),
            };
            Action::Partition { groups }
        }
        "drift" => {
            let node = required_id(fields, "node")?;
            let ppm = fields.i32("ppm")?;
            let ppm = fields.required(ppm, "ppm", &what)?;
            Action::Drift { node, ppm }
        }
        "drop_message" => Action::DropMessage {
            id: required_id(fields, "id")?,
        },
        "duplicate_message" => Action::DuplicateMessage {
            id: required_id(fields, "id")?,
        },
        "delay_message" => {
            let id = required_id(fields, "id")?;
            let by_ms = fields.u64("by_ms", 0, limits::LATENCY_MS_MAX)?;
            let by_ms = fields.required(by_ms, "by_ms", &what)?;
            Action::DelayMessage { id, by_ms }
        }
        "network" => Action::Network {
            loss_ppm: fields.probability("loss")?,
            duplicate_ppm: fields.probability("duplicate")?,
            latency_ms: fields.pair("latency_ms", limits::LATENCY_MS_MAX)?,
        },
        _ => read_client_action(fields, name, &what)?,
    };
    Ok(action)
}

/// Client requests: put, get, delete, cas.
fn read_client_action(
    fields: &mut Fields,
    name: &str,
    what: &str,
) -> Result<Action, ScenarioError> {
    let is_client = ["put", "get", "delete", "cas"].contains(&name);
    if !is_client {
        let problem = format!(
            "unknown action {} (known: {})",
            quoted(name),
            Action::NAMES.join(", ")
        );
        return Err(ScenarioError::new(fields.path_of("do"), problem));
    }
    let key = fields.string("key")?;
    let key = fields.required(key, "key", what)?;
    let action = match name {
        "put" => {
            let value = fields.string("value")?;
            Action::Put {
                key,
                value: fields.required(value, "value", what)?,
                via: fields.via()?,
            }
        }
        "get" => Action::Get {
            key,
            via: fields.via()?,
            read: fields.read_kind("read")?.unwrap_or_default(),
        },
        "delete" => Action::Delete {
            key,
            via: fields.via()?,
        },
        _ => Action::Cas {
            key,
            expected: fields.optional_string("expected")?,
            new: fields.optional_string("new")?,
            via: fields.via()?,
        },
    };
    Ok(action)
}

fn read_groups(json: &Json, path: &str) -> Result<Vec<Vec<NodeId>>, ScenarioError> {
    let mut groups = Vec::new();
    for (group_index, group) in fields::read_array(json, path)?.iter().enumerate() {
        let group_path = format!("{path}[{group_index}]");
        let mut members = Vec::new();
        for (index, member) in fields::read_array(group, &group_path)?.iter().enumerate() {
            members.push(read_u64(
                member,
                &format!("{group_path}[{index}]"),
                0,
                u64::MAX,
            )?);
        }
        groups.push(members);
    }
    Ok(groups)
}

fn read_restore(json: &Json, path: &str) -> Result<Restore, ScenarioError> {
    let mut fields = Fields::new(json, path, "restore")?;
    let index = fields.u64("index", 0, u64::MAX)?;
    let term = fields.u64("term", 0, u64::MAX)?;
    let restore = Restore {
        index: fields.required(index, "index", "restore")?,
        term: fields.required(term, "term", "restore")?,
        kv: match fields.get("kv") {
            Some((json, path)) => read_kv(json, &path)?,
            None => BTreeMap::new(),
        },
    };
    fields.finish("restore")?;
    Ok(restore)
}

fn read_kv(json: &Json, path: &str) -> Result<BTreeMap<String, String>, ScenarioError> {
    let Json::Object(entries) = json else {
        let problem = format!(
            "expected an object of keys and values, found {}",
            describe(json)
        );
        return Err(ScenarioError::new(path, problem));
    };
    let mut kv = BTreeMap::new();
    for (key, value) in entries {
        let value = read_string(value, &entry_path(path, key))?;
        kv.insert(key.clone(), value);
    }
    Ok(kv)
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Number(match u64::try_from(value) {
            Ok(unsigned) => Number::Unsigned(unsigned),
            Err(_) => Number::Negative(value),
        }))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Number(Number::Unsigned(value)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(Json::Number(Number::Float(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        // The keys so far, as a map to nothing: the page has `BTreeMap<String, String>` (the
        // store's), where a `BTreeSet<String>` was wasm of its own.
        let mut seen = BTreeMap::new();
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.insert(key.clone(), String::new()).is_some() {
                let message = format!("field {} appears twice", quoted(&key));
                return Err(de::Error::custom(message));
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}
