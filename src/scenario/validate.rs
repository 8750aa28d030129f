//! The bounds on every value of a scenario and the rules that tie fields together (node ids
//! exist when used, the timeline is in time order, the heartbeat is shorter than an election
//! timeout). JSON and links both end here, so a rule written once holds for both; errors name
//! the field the way JSON spells it.
//!
//! The bounds keep a run small enough to simulate in a browser tab and keep every decoder's
//! memory and time bounded; they are generous for teaching scenarios.

use super::{Action, Scenario, ScenarioConfig, ScenarioError, TimedAction, Workload};
use crate::raft::NodeId;

/// The bounds, public so that the page can use them in its forms.
pub mod limits {
    /// How many nodes a cluster starts with.
    pub const NODES_MIN: u64 = 1;
    pub const NODES_MAX: u64 = 15;
    /// Node ids are given out once each: the initial nodes plus every `add_node` may use up to
    /// this many, so `add_node` and `remove_node` cannot cycle without end.
    pub const NODE_ID_MAX: u64 = 64;
    pub const UNTIL_MS_MIN: u64 = 1;
    pub const UNTIL_MS_MAX: u64 = 3_600_000;
    /// A whole run's worth (`sim::MAX_EVENTS`): a millisecond never holds more.
    pub const EVENTS_IN_LAST_MS_MAX: u64 = 50_000_000;
    pub const TIMELINE_MAX: usize = 10_000;
    /// Election timeouts and heartbeats.
    pub const TIMER_MS_MAX: u64 = 60_000;
    /// Message latency, extra latency on a slow link, and delaying one message.
    pub const LATENCY_MS_MAX: u64 = 60_000;
    pub const DISK_MS_MAX: u64 = 10_000;
    pub const SNAPSHOT_EVERY_MAX: u64 = 1_000_000;
    /// Probabilities are stored as parts per million: this is 1.
    pub const PPM_ONE: u64 = 1_000_000;
    pub const CLOCK_DRIFT_BOUND_PPM_MAX: u64 = 500_000;
    pub const DRIFT_PPM_MAX: i64 = 200_000;
    pub const RATE_PER_SEC_MAX: u64 = 1_000;
    pub const KEYS_MIN: u64 = 1;
    pub const KEYS_MAX: u64 = 1_000;
    pub const PERCENT_MAX: u64 = 100;
    pub const KEY_BYTES_MAX: usize = 64;
    pub const VALUE_BYTES_MAX: usize = 256;
    pub const RESTORE_KEYS_MAX: usize = 1_000;
    /// A restored backup's index and term: 10^15, below the largest integer JavaScript holds
    /// exactly (2^53 − 1, about 9 × 10^15) by far more than a run can count up (one index or
    /// term per event at most, and a run has at most `sim::MAX_EVENTS`), so the page's
    /// `state()` can always report them; near `u64::MAX` the next term or index overflowed.
    pub const RESTORE_POSITION_MAX: u64 = 1_000_000_000_000_000;
}

use limits::*;

pub(super) fn validate(scenario: &Scenario) -> Result<(), ScenarioError> {
    in_range("nodes", u64::from(scenario.nodes), NODES_MIN, NODES_MAX)?;
    in_range("until_ms", scenario.until_ms, UNTIL_MS_MIN, UNTIL_MS_MAX)?;
    if let Some(events) = scenario.events_in_last_ms {
        let events = u64::from(events);
        in_range("events_in_last_ms", events, 1, EVENTS_IN_LAST_MS_MAX)?;
    }
    validate_config(&scenario.config)?;
    validate_workload(&scenario.workload)?;
    validate_timeline(scenario)?;
    if let Some(restore) = &scenario.restore {
        in_range("restore.index", restore.index, 1, RESTORE_POSITION_MAX)?;
        in_range("restore.term", restore.term, 1, RESTORE_POSITION_MAX)?;
        if restore.kv.len() > RESTORE_KEYS_MAX {
            let problem = format!(
                "{} keys is too many (the limit is {RESTORE_KEYS_MAX})",
                restore.kv.len()
            );
            return Err(ScenarioError::new("restore.kv", problem));
        }
        for (key, value) in &restore.kv {
            check_key("restore.kv", key)?;
            check_value(&entry_path("restore.kv", key), value)?;
        }
    }
    // The scenario bounds are tighter than the core's own checks; a config that passed them
    // and fails the core's would be a hole in the bounds above.
    debug_assert!(
        scenario.config.raft_config().validate().is_ok(),
        "a validated scenario gives an invalid raft config: {:?}",
        scenario.config
    );
    Ok(())
}

fn validate_config(config: &ScenarioConfig) -> Result<(), ScenarioError> {
    let (timeout_min, timeout_max) = config.election_timeout_ms;
    in_range(
        "config.election_timeout_ms[0]",
        timeout_min,
        1,
        TIMER_MS_MAX,
    )?;
    in_range(
        "config.election_timeout_ms[1]",
        timeout_max,
        1,
        TIMER_MS_MAX,
    )?;
    if timeout_min >= timeout_max {
        let problem = format!(
            "[{timeout_min}, {timeout_max}]: the first (minimum) must be below the second (maximum)"
        );
        return Err(ScenarioError::new("config.election_timeout_ms", problem));
    }
    in_range("config.heartbeat_ms", config.heartbeat_ms, 1, TIMER_MS_MAX)?;
    if config.heartbeat_ms >= timeout_min {
        let problem = format!(
            "{} must be below the minimum election timeout ({timeout_min})",
            config.heartbeat_ms
        );
        return Err(ScenarioError::new("config.heartbeat_ms", problem));
    }
    ordered_pair("config.latency_ms", config.latency_ms, LATENCY_MS_MAX)?;
    probability("config.loss", config.loss_ppm)?;
    probability("config.duplicate", config.duplicate_ppm)?;
    ordered_pair("config.disk_ms", config.disk_ms, DISK_MS_MAX)?;
    let snapshot_every = config.snapshot_every;
    in_range(
        "config.snapshot_every",
        snapshot_every,
        0,
        SNAPSHOT_EVERY_MAX,
    )?;
    let drift_bound = config.clock_drift_bound_ppm;
    in_range(
        "config.clock_drift_bound_ppm",
        drift_bound,
        0,
        CLOCK_DRIFT_BOUND_PPM_MAX,
    )?;
    probability("config.crash_after_vote", config.crash_after_vote_ppm)?;
    probability("config.crash_after_commit", config.crash_after_commit_ppm)?;
    ordered_pair(
        "config.crash_restart_ms",
        config.crash_restart_ms,
        TIMER_MS_MAX,
    )?;
    if let Some(from_ms) = config.check_liveness_from_ms {
        in_range("config.check_liveness_from_ms", from_ms, 0, UNTIL_MS_MAX)?;
    }
    Ok(())
}

fn validate_workload(workload: &Workload) -> Result<(), ScenarioError> {
    let writes = u64::from(workload.writes_per_sec);
    in_range("workload.writes_per_sec", writes, 0, RATE_PER_SEC_MAX)?;
    let reads = u64::from(workload.reads_per_sec);
    in_range("workload.reads_per_sec", reads, 0, RATE_PER_SEC_MAX)?;
    in_range(
        "workload.keys",
        u64::from(workload.keys),
        KEYS_MIN,
        KEYS_MAX,
    )?;
    let cas = u64::from(workload.cas_percent);
    in_range("workload.cas_percent", cas, 0, PERCENT_MAX)
}

fn validate_timeline(scenario: &Scenario) -> Result<(), ScenarioError> {
    if scenario.timeline.len() > TIMELINE_MAX {
        let problem = format!(
            "{} actions is too many (the limit is {TIMELINE_MAX})",
            scenario.timeline.len()
        );
        return Err(ScenarioError::new("timeline", problem));
    }
    let mut previous_ms = 0;
    // Ids `1..=node_count` exist at each point: the initial nodes plus earlier `add_node`s.
    let mut node_count = u64::from(scenario.nodes);
    for (index, timed) in scenario.timeline.iter().enumerate() {
        let path = format!("timeline[{index}]");
        check_time(&path, timed.at_ms, previous_ms)?;
        previous_ms = timed.at_ms;
        let nodes = Nodes {
            count: node_count,
            at_ms: timed.at_ms,
        };
        validate_action(&path, timed, &nodes)?;
        if timed.action == Action::AddNode {
            if node_count >= NODE_ID_MAX {
                let problem = format!(
                    "no node id left: a scenario uses at most {NODE_ID_MAX} (initial nodes plus added ones)"
                );
                return Err(ScenarioError::new(path, problem));
            }
            node_count += 1;
        }
    }
    Ok(())
}

fn check_time(path: &str, at_ms: u64, previous_ms: u64) -> Result<(), ScenarioError> {
    let path = format!("{path}.at_ms");
    if at_ms < previous_ms {
        let problem = format!(
            "{at_ms} is before the previous action ({previous_ms} ms): the timeline must be in time order"
        );
        return Err(ScenarioError::new(path, problem));
    }
    // Actions after `until_ms` are allowed: a link taken while scrubbed back in time keeps the
    // run's later actions, which simply do not happen before its end.
    in_range(&path, at_ms, 0, limits::UNTIL_MS_MAX)
}

/// The node ids that exist at one point of the timeline.
struct Nodes {
    count: u64,
    at_ms: u64,
}

impl Nodes {
    fn check(&self, path: &str, node: NodeId) -> Result<(), ScenarioError> {
        if (1..=self.count).contains(&node) {
            return Ok(());
        }
        let existing = match self.count {
            1 => "node 1 exists".to_string(),
            count => format!("nodes 1 to {count} exist"),
        };
        let problem = format!("{node} is not a node ({existing} at {} ms)", self.at_ms);
        Err(ScenarioError::new(path, problem))
    }

    fn check_via(&self, path: &str, via: Option<NodeId>) -> Result<(), ScenarioError> {
        via.map_or(Ok(()), |node| self.check(&format!("{path}.via"), node))
    }

    /// A link joins two different nodes.
    fn check_link(&self, path: &str, from: NodeId, to: NodeId) -> Result<(), ScenarioError> {
        self.check(&format!("{path}.from"), from)?;
        self.check(&format!("{path}.to"), to)?;
        if from == to {
            let problem = format!("{to} is also `from`: a link joins two different nodes");
            return Err(ScenarioError::new(format!("{path}.to"), problem));
        }
        Ok(())
    }
}

fn validate_action(path: &str, timed: &TimedAction, nodes: &Nodes) -> Result<(), ScenarioError> {
    let node_path = format!("{path}.node");
    match &timed.action {
        Action::Crash { node }
        | Action::Restart { node }
        | Action::Pause { node }
        | Action::Resume { node }
        | Action::Timeout { node }
        | Action::Snapshot { node }
        | Action::RemoveNode { node } => nodes.check(&node_path, *node),
        Action::TransferLeader { to } => nodes.check(&format!("{path}.to"), *to),
        Action::Partition { groups } => check_groups(path, groups, nodes),
        Action::Cut { from, to } => nodes.check_link(path, *from, *to),
        Action::SlowLink { from, to, extra_ms } => {
            nodes.check_link(path, *from, *to)?;
            in_range(&format!("{path}.extra_ms"), *extra_ms, 0, LATENCY_MS_MAX)
        }
        Action::Put { key, value, via } => {
            check_key(&format!("{path}.key"), key)?;
            check_value(&format!("{path}.value"), value)?;
            nodes.check_via(path, *via)
        }
        Action::Get { key, via, .. } | Action::Delete { key, via } => {
            check_key(&format!("{path}.key"), key)?;
            nodes.check_via(path, *via)
        }
        Action::Cas {
            key,
            expected,
            new,
            via,
        } => {
            check_key(&format!("{path}.key"), key)?;
            for (name, value) in [("expected", expected), ("new", new)] {
                if let Some(value) = value {
                    check_value(&format!("{path}.{name}"), value)?;
                }
            }
            nodes.check_via(path, *via)
        }
        Action::Network {
            loss_ppm,
            duplicate_ppm,
            latency_ms,
        } => check_network(path, *loss_ppm, *duplicate_ppm, *latency_ms),
        Action::Drift { node, ppm } => {
            nodes.check(&node_path, *node)?;
            let ppm = i64::from(*ppm);
            if ppm.abs() > DRIFT_PPM_MAX {
                let problem =
                    format!("{ppm} is out of range (-{DRIFT_PPM_MAX} to {DRIFT_PPM_MAX})");
                return Err(ScenarioError::new(format!("{path}.ppm"), problem));
            }
            Ok(())
        }
        Action::DelayMessage { by_ms, .. } => {
            in_range(&format!("{path}.by_ms"), *by_ms, 0, LATENCY_MS_MAX)
        }
        Action::Heal
        | Action::AddNode
        | Action::Backup
        | Action::DropMessage { .. }
        | Action::DuplicateMessage { .. } => Ok(()),
    }
}

/// Groups are non-empty, disjoint, and name existing nodes.
fn check_groups(path: &str, groups: &[Vec<NodeId>], nodes: &Nodes) -> Result<(), ScenarioError> {
    // Node ids are at most NODE_ID_MAX = 64 once checked, so one bit each fits a u64.
    let mut seen: u64 = 0;
    for (group_index, group) in groups.iter().enumerate() {
        let group_path = format!("{path}.groups[{group_index}]");
        if group.is_empty() {
            return Err(ScenarioError::new(group_path, "a group must not be empty"));
        }
        for (member_index, &node) in group.iter().enumerate() {
            let member_path = format!("{group_path}[{member_index}]");
            nodes.check(&member_path, node)?;
            let bit = 1u64 << (node - 1);
            if seen & bit != 0 {
                let problem =
                    format!("node {node} is already in another group (groups are disjoint)");
                return Err(ScenarioError::new(member_path, problem));
            }
            seen |= bit;
        }
    }
    Ok(())
}

fn check_network(
    path: &str,
    loss_ppm: Option<u32>,
    duplicate_ppm: Option<u32>,
    latency_ms: Option<(u64, u64)>,
) -> Result<(), ScenarioError> {
    if loss_ppm.is_none() && duplicate_ppm.is_none() && latency_ms.is_none() {
        let problem = "a network action sets at least one of loss, duplicate, latency_ms";
        return Err(ScenarioError::new(path, problem));
    }
    if let Some(ppm) = loss_ppm {
        probability(&format!("{path}.loss"), ppm)?;
    }
    if let Some(ppm) = duplicate_ppm {
        probability(&format!("{path}.duplicate"), ppm)?;
    }
    if let Some(pair) = latency_ms {
        ordered_pair(&format!("{path}.latency_ms"), pair, LATENCY_MS_MAX)?;
    }
    Ok(())
}

/// The one wording of a range error, shared with the JSON reader.
pub(super) fn in_range(path: &str, value: u64, min: u64, max: u64) -> Result<(), ScenarioError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(ScenarioError::new(path, out_of_range(value, min, max)))
}

pub(super) fn out_of_range(value: impl std::fmt::Display, min: u64, max: u64) -> String {
    format!("{value} is out of range ({min} to {max})")
}

/// A `[min, max]` pair with `min <= max <= max_allowed`.
fn ordered_pair(path: &str, (low, high): (u64, u64), max: u64) -> Result<(), ScenarioError> {
    in_range(&format!("{path}[0]"), low, 0, max)?;
    in_range(&format!("{path}[1]"), high, 0, max)?;
    if low > high {
        let problem = format!("[{low}, {high}]: the first (minimum) must not exceed the second");
        return Err(ScenarioError::new(path, problem));
    }
    Ok(())
}

fn probability(path: &str, ppm: u32) -> Result<(), ScenarioError> {
    if u64::from(ppm) > PPM_ONE {
        let problem = format!("{} is out of range (0 to 1)", ppm_to_text(ppm));
        return Err(ScenarioError::new(path, problem));
    }
    Ok(())
}

/// A probability in parts per million as people write it: 250000 is "0.25". Only for messages.
pub(super) fn ppm_to_text(ppm: u32) -> String {
    let whole = ppm / 1_000_000;
    let fraction = ppm % 1_000_000;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

fn check_key(path: &str, key: &str) -> Result<(), ScenarioError> {
    if key.is_empty() {
        return Err(ScenarioError::new(path, "a key must not be empty"));
    }
    check_length(path, "key", key, KEY_BYTES_MAX)
}

fn check_value(path: &str, value: &str) -> Result<(), ScenarioError> {
    check_length(path, "value", value, VALUE_BYTES_MAX)
}

/// Control characters are refused: they have no use in a teaching key-value store, would
/// garble the page's log panels, and without them a string's JSON form is at most twice its
/// length.
fn check_length(path: &str, what: &str, text: &str, max: usize) -> Result<(), ScenarioError> {
    if let Some(character) = text.chars().find(|character| character.is_control()) {
        let problem = format!(
            "the {what} {} contains the control character {character:?}",
            quoted(text)
        );
        return Err(ScenarioError::new(path, problem));
    }
    if text.len() > max {
        let problem = format!(
            "the {what} {} is {} bytes long (the limit is {max})",
            quoted(text),
            text.len()
        );
        return Err(ScenarioError::new(path, problem));
    }
    Ok(())
}

/// The path of one entry of a map with keys chosen by people: `restore.kv["x"]`.
pub(super) fn entry_path(path: &str, key: &str) -> String {
    format!("{path}[{}]", quoted(key))
}

/// A user's text quoted for a message, cut short so that a huge input gives a short message.
pub fn quoted(text: &str) -> String {
    const SHOWN_CHARS: usize = 24;
    let mut shown: String = text.chars().take(SHOWN_CHARS).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}
