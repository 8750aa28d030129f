//! Scenarios: a run as data. This module owns [`Scenario`] (seed, node count, configuration,
//! client workload, timeline of actions, an optional backup to start from) and its two outside
//! forms: the JSON document whose field names are a contract (ARCHITECTURE.md, "Scenario JSON")
//! and the compact, versioned link form the page keeps in its URL fragment.
//!
//! Both forms go through one validation ([`validate`]), so a scenario that loads from a file
//! loads from a link and the simulator never sees an out-of-range value. Every failure is a
//! [`ScenarioError`] naming the field path in JSON terms (`timeline[3].node`), whichever form
//! the scenario came from. No input, however malformed, makes these functions panic.
//!
//! Files: `json.rs` reads JSON, `json_write.rs` writes it, `validate.rs` holds the bounds and
//! the cross-field rules, `link.rs` the link envelope (version byte, zlib, base64),
//! `wire_v1.rs` and `wire_v2.rs` the frozen binary layouts of version 1 and 2 links, and `bounded.rs` the list type
//! that keeps decoding memory in proportion to the limits.

mod bounded;
mod json;
mod json_write;
mod link;
mod validate;
mod wire_v1;
mod wire_v2;

use std::collections::BTreeMap;
use std::fmt;

use crate::raft::{self, Bugs, NodeId};

pub use json::MAX_JSON_BYTES;
pub use link::{LINK_VERSION, MAX_LINK_PAYLOAD_CHARS, MAX_WIRE_BYTES};
pub use validate::{limits, quoted};

/// The JSON `format` this version reads and writes.
pub const JSON_FORMAT: u64 = 1;

/// One run, as data: everything that decides it. Given the same `Scenario`, the simulator
/// replays the same run, natively and in the browser.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    /// The master seed every random stream of the run derives from.
    pub seed: u64,
    /// How many nodes the cluster starts with, ids `1..=nodes` (`1..=15`).
    pub nodes: u8,
    pub config: ScenarioConfig,
    pub workload: Workload,
    /// Actions in order of `at_ms` (non-decreasing); actions at the same time run in list order.
    pub timeline: Vec<TimedAction>,
    /// The run ends at this virtual time; every action is at or before it.
    pub until_ms: u64,
    /// Whether the run ends inside its last millisecond rather than at its end: after this
    /// many of the events from `until_ms - 1` on (a page paused after single steps). `None`
    /// runs every event up to and including `until_ms`. A millisecond with fewer events ends
    /// the run at `until_ms` too.
    pub events_in_last_ms: Option<u32>,
    /// Start every node from this backup instead of an empty state.
    pub restore: Option<Restore>,
}

/// One entry of the timeline: do `action` at virtual time `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimedAction {
    pub at_ms: u64,
    pub action: Action,
}

/// What a person (or a lesson) can do to a run. Node ids start at 1 and name a node that exists
/// at that point of the timeline: the initial nodes plus one per earlier `AddNode`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Pause {
        node: NodeId,
    },
    Resume {
        node: NodeId,
    },
    /// Split the network: nodes in one group reach each other only; the groups are disjoint
    /// and a node in no group is isolated alone.
    Partition {
        groups: Vec<Vec<NodeId>>,
    },
    /// Drop every message from `from` to `to` (one direction only).
    Cut {
        from: NodeId,
        to: NodeId,
    },
    /// Add `extra_ms` of latency to messages from `from` to `to` (one direction only).
    SlowLink {
        from: NodeId,
        to: NodeId,
        extra_ms: u64,
    },
    /// Remove every partition, cut and slow link.
    Heal,
    /// Client requests; `via` picks the node the client asks first (`None`: the client's choice).
    Put {
        key: String,
        value: String,
        via: Option<NodeId>,
    },
    Get {
        key: String,
        via: Option<NodeId>,
        read: ReadKind,
    },
    Delete {
        key: String,
        via: Option<NodeId>,
    },
    /// Compare-and-set: `expected: None` means "the key is absent", `new: None` deletes it.
    Cas {
        key: String,
        expected: Option<String>,
        new: Option<String>,
        via: Option<NodeId>,
    },
    /// Make `node`'s election timer fire now.
    Timeout {
        node: NodeId,
    },
    Snapshot {
        node: NodeId,
    },
    /// Add a node with the next unused id.
    AddNode,
    RemoveNode {
        node: NodeId,
    },
    TransferLeader {
        to: NodeId,
    },
    /// Take a coordinated backup of the cluster's state.
    Backup,
    /// Change the network's knobs from now on; `None` keeps the current value.
    Network {
        loss_ppm: Option<u32>,
        duplicate_ppm: Option<u32>,
        latency_ms: Option<(u64, u64)>,
    },
    /// Make `node`'s clock run fast (positive) or slow (negative) by `ppm` parts per million.
    Drift {
        node: NodeId,
        ppm: i32,
    },
    /// Act on one message in flight, by the id the simulator shows for it.
    DropMessage {
        id: u64,
    },
    DelayMessage {
        id: u64,
        by_ms: u64,
    },
    DuplicateMessage {
        id: u64,
    },
}

impl Action {
    /// The message a per-message action targets, if this is one.
    pub fn message_id(&self) -> Option<u64> {
        match self {
            Action::DropMessage { id }
            | Action::DelayMessage { id, .. }
            | Action::DuplicateMessage { id } => Some(*id),
            _ => None,
        }
    }

    /// Every action's JSON name (its `"do"`), in declaration order.
    pub const NAMES: [&'static str; 23] = [
        "crash",
        "restart",
        "pause",
        "resume",
        "partition",
        "cut",
        "slow_link",
        "heal",
        "put",
        "get",
        "delete",
        "cas",
        "timeout",
        "snapshot",
        "add_node",
        "remove_node",
        "transfer_leader",
        "backup",
        "network",
        "drift",
        "drop_message",
        "delay_message",
        "duplicate_message",
    ];

    /// This action's JSON name (its `"do"`).
    pub fn name(&self) -> &'static str {
        let index = match self {
            Action::Crash { .. } => 0,
            Action::Restart { .. } => 1,
            Action::Pause { .. } => 2,
            Action::Resume { .. } => 3,
            Action::Partition { .. } => 4,
            Action::Cut { .. } => 5,
            Action::SlowLink { .. } => 6,
            Action::Heal => 7,
            Action::Put { .. } => 8,
            Action::Get { .. } => 9,
            Action::Delete { .. } => 10,
            Action::Cas { .. } => 11,
            Action::Timeout { .. } => 12,
            Action::Snapshot { .. } => 13,
            Action::AddNode => 14,
            Action::RemoveNode { .. } => 15,
            Action::TransferLeader { .. } => 16,
            Action::Backup => 17,
            Action::Network { .. } => 18,
            Action::Drift { .. } => 19,
            Action::DropMessage { .. } => 20,
            Action::DelayMessage { .. } => 21,
            Action::DuplicateMessage { .. } => 22,
        };
        Action::NAMES[index]
    }
}

/// How a read is served (thesis §6.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadKind {
    /// Confirm leadership with a heartbeat round first. JSON: `"read_index"`.
    #[default]
    ReadIndex,
    /// Serve under the leader's lease, without a round trip. JSON: `"lease"`.
    Lease,
    /// Serve from whatever node is asked, possibly out of date. JSON: `"stale"`.
    Stale,
}

impl ReadKind {
    pub const ALL: [ReadKind; 3] = [ReadKind::ReadIndex, ReadKind::Lease, ReadKind::Stale];

    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ReadKind::ReadIndex => "read_index",
            ReadKind::Lease => "lease",
            ReadKind::Stale => "stale",
        }
    }

    pub fn from_name(name: &str) -> Option<ReadKind> {
        ReadKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The cluster's and the network's settings. Times are in milliseconds here (people write
/// them); the Raft core gets microseconds from [`ScenarioConfig::raft_config`]. Probabilities
/// are stored as integer parts per million so that no float decides an outcome; JSON writes
/// them as numbers from 0 to 1.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScenarioConfig {
    /// Election timeouts are drawn from `[min, max)`.
    pub election_timeout_ms: (u64, u64),
    pub heartbeat_ms: u64,
    /// One-way message latency, drawn from `[min, max]`.
    pub latency_ms: (u64, u64),
    /// JSON `loss`: the chance a message is lost.
    pub loss_ppm: u32,
    /// JSON `duplicate`: the chance a message is delivered twice.
    pub duplicate_ppm: u32,
    /// How long a disk write takes, drawn from `[min, max]`.
    pub disk_ms: (u64, u64),
    /// Take a snapshot every this many applied entries; 0 turns automatic snapshots off.
    pub snapshot_every: u64,
    pub pre_vote: bool,
    pub check_quorum: bool,
    /// The clock drift the nodes assume when they size leases.
    pub clock_drift_bound_ppm: u64,
    pub bugs: Bugs,
    /// Crash points: the chance a node crashes right after it grants a vote, and right after
    /// it advances its commit index as leader (the moments that matter, for the swarm). JSON
    /// writes them as probabilities `crash_after_vote` and `crash_after_commit`.
    pub crash_after_vote_ppm: u32,
    pub crash_after_commit_ppm: u32,
    /// A node crashed at a crash point restarts after a delay drawn from this range.
    pub crash_restart_ms: (u64, u64),
    /// From this moment on the network is healed and a majority is up: a leader must be
    /// elected, and every member must catch up, within the liveness bound.
    pub check_liveness_from_ms: Option<u64>,
}

/// Background client traffic, on top of the timeline's own requests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Workload {
    pub writes_per_sec: u32,
    pub reads_per_sec: u32,
    /// Requests pick keys among this many.
    pub keys: u32,
    /// The share of writes that are compare-and-set (`0..=100`).
    pub cas_percent: u8,
    pub read: ReadKind,
}

/// A backup to start every node from: the state machine as of log `index`, written in `term`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Restore {
    pub index: u64,
    pub term: u64,
    pub kv: BTreeMap<String, String>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            seed: 0,
            nodes: 5,
            config: ScenarioConfig::default(),
            workload: Workload::default(),
            timeline: Vec::new(),
            until_ms: 10_000,
            events_in_last_ms: None,
            restore: None,
        }
    }
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig {
            election_timeout_ms: (150, 300),
            heartbeat_ms: 50,
            latency_ms: (10, 30),
            loss_ppm: 0,
            duplicate_ppm: 0,
            disk_ms: (1, 3),
            snapshot_every: 100,
            pre_vote: true,
            check_quorum: true,
            clock_drift_bound_ppm: 50_000,
            bugs: Bugs::NONE,
            crash_after_vote_ppm: 0,
            crash_after_commit_ppm: 0,
            crash_restart_ms: (50, 500),
            check_liveness_from_ms: None,
        }
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            writes_per_sec: 0,
            reads_per_sec: 0,
            keys: 5,
            cas_percent: 0,
            read: ReadKind::ReadIndex,
        }
    }
}

impl ScenarioConfig {
    /// The Raft core's configuration for every node: the scenario's timing in microseconds,
    /// its switches and bugs; the flow-control bounds keep the core's defaults.
    pub fn raft_config(&self) -> raft::Config {
        raft::Config {
            election_timeout_min_us: self.election_timeout_ms.0 * 1000,
            election_timeout_max_us: self.election_timeout_ms.1 * 1000,
            heartbeat_interval_us: self.heartbeat_ms * 1000,
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            snapshot_every: self.snapshot_every,
            clock_drift_bound_ppm: self.clock_drift_bound_ppm,
            bugs: self.bugs,
            ..raft::Config::default()
        }
    }
}

impl Scenario {
    /// Reads a scenario from its JSON form and validates it.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = json::read(text)?;
        validate::validate(&scenario)?;
        Ok(scenario)
    }

    /// The JSON form: `"format": 1` first, every field written out (so a saved file does not
    /// depend on this version's defaults), each timeline action on one line where it fits.
    /// `Scenario::from_json(&s.to_json())` gives back `s` for every valid `s`.
    pub fn to_json(&self) -> String {
        json_write::write(self)
    }

    /// Checks every bound and cross-field rule, naming the first field that breaks one.
    /// [`Scenario::from_json`] and [`Scenario::from_link`] already do this.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        validate::validate(self)
    }

    /// The link payload: URL-safe base64 (no padding) of one version byte followed by the
    /// deflated postcard encoding of the version's wire struct. See `link.rs`. Links are made
    /// of valid scenarios: an invalid one may decode differently, or not at all.
    pub fn to_link_payload(&self) -> String {
        link::encode(self)
    }

    /// Why `link` (one of [`Scenario::to_link`]'s) will not open, if it will not: it is too
    /// long. Export the scenario's JSON then.
    pub fn link_too_long(link: &str) -> Option<String> {
        // Its payload follows `#s=`.
        let fragment = link.split_once('#').map_or(link, |(_, fragment)| fragment);
        link::too_long(fragment.get(2..).unwrap_or_default())
    }

    /// `<base_url>#s=<payload>`; a fragment already on `base_url` is replaced.
    pub fn to_link(&self, base_url: &str) -> String {
        let base = base_url.split('#').next().unwrap_or(base_url);
        format!("{base}#s={}", self.to_link_payload())
    }

    /// Reads a scenario given either way: JSON text (it starts with `{`) or a link (a full
    /// URL, a `#s=` fragment or a bare payload). The one entry point for the page and
    /// `raft-sim`.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        // A byte-order mark (some editors save one) is no part of either. JSON that is not an
        // object (an array, a string, null, true or false) is still JSON, and says so, rather
        // than "not a link character" or "no link version".
        let text = text.trim_start_matches('\u{feff}');
        if text.trim_start().starts_with(['{', '[', '"'])
            || matches!(text.trim(), "null" | "true" | "false")
        {
            Scenario::from_json(text)
        } else {
            Scenario::from_link(text.trim())
        }
    }

    /// Reads a scenario from a full link, a fragment (`#s=...`), `s=...`, or a bare payload,
    /// and validates it like JSON.
    pub fn from_link(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = link::decode(text)?;
        validate::validate(&scenario).map_err(ScenarioError::in_link)?;
        Ok(scenario)
    }
}

/// Where a [`ScenarioError`] was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Json,
    Link,
}

/// Why a scenario could not be read: where (a field path in JSON terms, empty for the input as
/// a whole) and what is wrong, in words meant for the person who wrote the file or followed
/// the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub origin: Origin,
    /// For example `config.loss`, `timeline[3].node` or `config.bugs[0]`; empty when the
    /// problem is with the input as a whole (not JSON, a truncated link).
    pub path: String,
    pub problem: String,
}

impl ScenarioError {
    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
        ScenarioError {
            origin: Origin::Json,
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// A problem with a link as a whole (its encoding, not a field).
    pub(crate) fn link(problem: impl Into<String>) -> ScenarioError {
        ScenarioError::new("", problem).in_link()
    }

    pub(crate) fn in_link(mut self) -> ScenarioError {
        self.origin = Origin::Link;
        self
    }

    /// Where and what, without the origin: for a message that already says it is about a
    /// link or a file.
    pub fn detail(&self) -> String {
        if self.path.is_empty() {
            self.problem.clone()
        } else {
            format!("{}: {}", self.path, self.problem)
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.origin == Origin::Link {
            f.write_str("link: ")?;
        }
        f.write_str(&self.detail())
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests;
