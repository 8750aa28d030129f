//! Walking one JSON object field by field: each field read is marked, so that whatever is left
//! at the end is an unknown field, and each read knows the path to name in its errors.

use super::{Json, Number};
use crate::scenario::validate::{in_range, limits, out_of_range, quoted};
use crate::scenario::{ReadKind, ScenarioError};

/// Every field name of every object of the format, for telling a misspelling from a field
/// that belongs elsewhere.
const FIELD_NAMES: [&str; 47] = [
    "format",
    "seed",
    "nodes",
    "config",
    "workload",
    "timeline",
    "until_ms",
    "events_in_last_ms",
    "restore",
    "election_timeout_ms",
    "heartbeat_ms",
    "latency_ms",
    "loss",
    "duplicate",
    "disk_ms",
    "snapshot_every",
    "pre_vote",
    "check_quorum",
    "clock_drift_bound_ppm",
    "bugs",
    "crash_after_vote",
    "crash_after_commit",
    "crash_restart_ms",
    "check_liveness_from_ms",
    "writes_per_sec",
    "reads_per_sec",
    "keys",
    "cas_percent",
    "read",
    "index",
    "term",
    "kv",
    "at_ms",
    "do",
    "node",
    "groups",
    "from",
    "to",
    "extra_ms",
    "key",
    "value",
    "via",
    "expected",
    "new",
    "ppm",
    "id",
    "by_ms",
];

/// The fields of one JSON object, read one at a time.
pub(crate) struct Fields<'a> {
    /// The object's own path, empty for the document.
    path: String,
    entries: &'a [(String, Json)],
    used: Vec<bool>,
    /// The names asked for so far, listed when an unknown field turns up.
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    /// `what` names the expected object in the error when `json` is not one.
    pub(crate) fn new(json: &'a Json, path: &str, what: &str) -> Result<Self, ScenarioError> {
        let Json::Object(entries) = json else {
            let problem = format!("expected {what} (a JSON object), found {}", describe(json));
            return Err(ScenarioError::new(path, problem));
        };
        Ok(Fields {
            path: path.to_owned(),
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
        })
    }

    pub(crate) fn path_of(&self, name: &str) -> String {
        let is_plain = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
        match (self.path.is_empty(), is_plain) {
            (true, true) => name.to_owned(),
            (false, true) => format!("{}.{name}", self.path),
            (_, false) => format!("{}[{}]", self.path, quoted(name)),
        }
    }

    /// The field's value and path, if present (even if `null`).
    pub(crate) fn get(&mut self, name: &'static str) -> Option<(&'a Json, String)> {
        debug_assert!(
            FIELD_NAMES.contains(&name),
            "{name} is missing from FIELD_NAMES"
        );
        self.known.push(name);
        let position = self.entries.iter().position(|(key, _)| key == name)?;
        self.used[position] = true;
        Some((&self.entries[position].1, self.path_of(name)))
    }

    /// Like [`Fields::get`], but `null` counts as absent: for fields whose value is optional.
    pub(crate) fn get_optional(&mut self, name: &'static str) -> Option<(&'a Json, String)> {
        self.get(name)
            .filter(|(json, _)| !matches!(json, Json::Null))
    }

    pub(crate) fn u64(
        &mut self,
        name: &'static str,
        min: u64,
        max: u64,
    ) -> Result<Option<u64>, ScenarioError> {
        self.get(name)
            .map(|(json, path)| read_u64(json, &path, min, max))
            .transpose()
    }

    /// Drift in parts per million, either sign.
    pub(crate) fn i32(&mut self, name: &'static str) -> Result<Option<i32>, ScenarioError> {
        let Some((json, path)) = self.get(name) else {
            return Ok(None);
        };
        let max = limits::DRIFT_PPM_MAX;
        let range_error = |shown: String| {
            let problem = format!("{shown} is out of range (-{max} to {max})");
            Err(ScenarioError::new(path.clone(), problem))
        };
        let value = match json {
            Json::Number(Number::Unsigned(value)) => match i64::try_from(*value) {
                Ok(value) => value,
                Err(_) => return range_error(value.to_string()),
            },
            Json::Number(Number::Negative(value)) => *value,
            Json::Number(Number::Float(value)) if is_whole(*value) => {
                return range_error(format!("{value:.0}"));
            }
            other => return Err(expected(&path, "a whole number", other)),
        };
        if value.unsigned_abs() > max.unsigned_abs() {
            return range_error(value.to_string());
        }
        Ok(i32::try_from(value).ok())
    }

    /// A `[low, high]` pair of whole numbers from 0 to `max`; their order is checked later.
    pub(crate) fn pair(
        &mut self,
        name: &'static str,
        max: u64,
    ) -> Result<Option<(u64, u64)>, ScenarioError> {
        let Some((json, path)) = self.get_optional(name) else {
            return Ok(None);
        };
        let items = read_array(json, &path)?;
        if items.len() != 2 {
            let problem = format!("expected [min, max], found {} numbers", items.len());
            return Err(ScenarioError::new(path, problem));
        }
        let low = read_u64(&items[0], &format!("{path}[0]"), 0, max)?;
        let high = read_u64(&items[1], &format!("{path}[1]"), 0, max)?;
        Ok(Some((low, high)))
    }

    /// A probability from 0 to 1, kept as parts per million (rounded to the nearest).
    pub(crate) fn probability(&mut self, name: &'static str) -> Result<Option<u32>, ScenarioError> {
        let Some((json, path)) = self.get_optional(name) else {
            return Ok(None);
        };
        let (value, shown) = match json {
            Json::Number(Number::Unsigned(value)) => (*value as f64, value.to_string()),
            Json::Number(Number::Negative(value)) => (*value as f64, value.to_string()),
            Json::Number(Number::Float(value)) => (*value, format!("{value:?}")),
            other => return Err(expected(&path, "a number from 0 to 1", other)),
        };
        if !(0.0..=1.0).contains(&value) {
            let problem = format!("{shown} is out of range (0 to 1)");
            return Err(ScenarioError::new(path, problem));
        }
        // Floats end here: the run only ever sees the integer, and IEEE arithmetic makes this
        // conversion the same on every platform.
        let ppm = (value * limits::PPM_ONE as f64).round() as u32;
        Ok(Some(ppm))
    }

    pub(crate) fn bool(&mut self, name: &'static str) -> Result<Option<bool>, ScenarioError> {
        let Some((json, path)) = self.get(name) else {
            return Ok(None);
        };
        match json {
            Json::Bool(value) => Ok(Some(*value)),
            other => Err(expected(&path, "true or false", other)),
        }
    }

    pub(crate) fn string(&mut self, name: &'static str) -> Result<Option<String>, ScenarioError> {
        self.get(name)
            .map(|(json, path)| read_string(json, &path))
            .transpose()
    }

    /// A string that may be absent or `null`, both meaning `None`.
    pub(crate) fn optional_string(
        &mut self,
        name: &'static str,
    ) -> Result<Option<String>, ScenarioError> {
        self.get_optional(name)
            .map(|(json, path)| read_string(json, &path))
            .transpose()
    }

    /// The node a client request goes to first; absent or `null` lets the client choose.
    pub(crate) fn via(&mut self) -> Result<Option<u64>, ScenarioError> {
        self.get_optional("via")
            .map(|(json, path)| read_u64(json, &path, 0, u64::MAX))
            .transpose()
    }

    pub(crate) fn read_kind(
        &mut self,
        name: &'static str,
    ) -> Result<Option<ReadKind>, ScenarioError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        match ReadKind::from_name(&text) {
            Some(kind) => Ok(Some(kind)),
            None => {
                let known: Vec<&str> = ReadKind::ALL.iter().map(|kind| kind.name()).collect();
                let problem = format!(
                    "unknown read kind {} (known: {})",
                    quoted(&text),
                    known.join(", ")
                );
                Err(ScenarioError::new(self.path_of(name), problem))
            }
        }
    }

    /// `value`, or an error saying `what` needs the field `name`.
    pub(crate) fn required<T>(
        &self,
        value: Option<T>,
        name: &str,
        what: &str,
    ) -> Result<T, ScenarioError> {
        value.ok_or_else(|| self.missing(name, what))
    }

    /// A required field is absent. A field that is no field of any object here is likely its
    /// misspelling, so the message points at it too.
    pub(crate) fn missing(&self, name: &str, what: &str) -> ScenarioError {
        let unknown = self
            .entries
            .iter()
            .find(|(key, _)| !FIELD_NAMES.contains(&key.as_str()));
        let hint = match unknown {
            Some((key, _)) => format!("; there is an unknown field {}", quoted(key)),
            None => String::new(),
        };
        ScenarioError::new(
            self.path_of(name),
            format!("missing ({what} needs it{hint})"),
        )
    }

    /// Fails on the first field that was never asked for. `what` names the object for people.
    pub(crate) fn finish(self, what: &str) -> Result<(), ScenarioError> {
        let Some(position) = self.used.iter().position(|used| !used) else {
            return Ok(());
        };
        let name = &self.entries[position].0;
        let problem = format!(
            "unknown field {} ({what} has: {})",
            quoted(name),
            self.known.join(", ")
        );
        Err(ScenarioError::new(self.path_of(name), problem))
    }
}

pub(crate) fn read_u64(json: &Json, path: &str, min: u64, max: u64) -> Result<u64, ScenarioError> {
    match json {
        Json::Number(Number::Unsigned(value)) => in_range(path, *value, min, max).map(|()| *value),
        Json::Number(Number::Negative(value)) => {
            Err(ScenarioError::new(path, out_of_range(value, min, max)))
        }
        // serde_json reads integers too large for 64 bits as floats.
        Json::Number(Number::Float(value)) if is_whole(*value) && value.abs() >= 9.2e18 => {
            // Written out whole, as the file has it (to the float's precision), not as 1.8e19.
            let shown = format!("{value:.0}");
            Err(ScenarioError::new(path, out_of_range(shown, min, max)))
        }
        other => Err(expected(path, "a whole number", other)),
    }
}

pub(crate) fn read_string(json: &Json, path: &str) -> Result<String, ScenarioError> {
    match json {
        Json::String(text) => Ok(text.clone()),
        other => Err(expected(path, "a string", other)),
    }
}

pub(crate) fn read_array<'a>(json: &'a Json, path: &str) -> Result<&'a [Json], ScenarioError> {
    match json {
        Json::Array(items) => Ok(items),
        other => Err(expected(path, "an array", other)),
    }
}

fn is_whole(value: f64) -> bool {
    value.is_finite() && value.fract() == 0.0
}

fn expected(path: &str, what: &str, found: &Json) -> ScenarioError {
    ScenarioError::new(path, format!("expected {what}, found {}", describe(found)))
}

/// A JSON value described for people, briefly.
pub(crate) fn describe(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::Bool(value) => value.to_string(),
        Json::Number(Number::Unsigned(value)) => value.to_string(),
        Json::Number(Number::Negative(value)) => value.to_string(),
        Json::Number(Number::Float(value)) => format!("{value:?}"),
        Json::String(text) => format!("the string {}", quoted(text)),
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
    }
}
