//! The binary layout of version 1 links, encoded with postcard (varints, one-byte enum tags).
//!
//! FROZEN: links in the wild decode with these types forever. Never reorder, remove or change
//! the meaning of a variant, field or default below. Appending a variant at the end of an enum
//! (a new action, a new config field, a new bug in [`BUGS_V1`]) keeps old links decoding; any
//! other change needs a `wire_v2.rs` and a new version byte, with this file kept for old links.
//!
//! Small links come from: omitting config and workload fields equal to the v1 defaults (a
//! list of only the fields that differ), timeline times as varint deltas from the previous
//! action, node ids as one byte, and bugs as one bit each.
//!
//! Node ids are `u8` here (valid ids are at most `limits::NODE_ID_MAX` = 64): one byte each
//! in memory as on the wire, so a list of ids cannot decode into eight times its size. For ids
//! below 128 a `u8` and a varint are the same byte, so a later version may widen them.
//! Every list is [`Bounded`] for the same reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::bounded::Bounded;
use super::validate::limits::{NODE_ID_MAX, RESTORE_KEYS_MAX, TIMELINE_MAX};
use super::{
    Action, ReadKind, Restore, Scenario, ScenarioConfig, ScenarioError, TimedAction, Workload,
};
use crate::raft::{Bug, Bugs, NodeId};

/// A node id on the wire.
type NodeV1 = u8;
/// More entries than there are fields means a corrupt or hostile link.
const CONFIG_FIELDS_MAX: usize = 64;
const WORKLOAD_FIELDS_MAX: usize = 16;
/// Partition groups are disjoint and non-empty, so neither they nor their members can
/// outnumber the node ids.
const GROUPS_MAX: usize = NODE_ID_MAX as usize;

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ScenarioV1 {
    seed: u64,
    nodes: u8,
    until_ms: u64,
    config: Bounded<ConfigFieldV1, CONFIG_FIELDS_MAX>,
    workload: Bounded<WorkloadFieldV1, WORKLOAD_FIELDS_MAX>,
    timeline: Bounded<TimedActionV1, TIMELINE_MAX>,
    restore: Option<RestoreV1>,
}

/// One config field that differs from [`CONFIG_DEFAULTS_V1`].
#[derive(Debug, Serialize, Deserialize)]
enum ConfigFieldV1 {
    ElectionTimeoutMs(u64, u64),
    HeartbeatMs(u64),
    LatencyMs(u64, u64),
    LossPpm(u32),
    DuplicatePpm(u32),
    DiskMs(u64, u64),
    SnapshotEvery(u64),
    PreVote(bool),
    CheckQuorum(bool),
    ClockDriftBoundPpm(u64),
    /// Bit `i` is `BUGS_V1[i]`.
    Bugs(u32),
    CrashAfterVotePpm(u32),
    CrashAfterCommitPpm(u32),
    CrashRestartMs(u64, u64),
    CheckLivenessFromMs(u64),
}

/// One workload field that differs from [`WORKLOAD_DEFAULTS_V1`].
#[derive(Debug, Serialize, Deserialize)]
enum WorkloadFieldV1 {
    WritesPerSec(u32),
    ReadsPerSec(u32),
    Keys(u32),
    CasPercent(u8),
    Read(ReadKindV1),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum ReadKindV1 {
    ReadIndex,
    Lease,
    Stale,
}

#[derive(Debug, Serialize, Deserialize)]
struct TimedActionV1 {
    /// Milliseconds after the previous action (after 0 for the first).
    after_ms: u64,
    action: ActionV1,
}

/// `via: None` is one byte. Message ids are the simulator's, any `u64`.
#[derive(Debug, Serialize, Deserialize)]
enum ActionV1 {
    Crash(NodeV1),
    Restart(NodeV1),
    Pause(NodeV1),
    Resume(NodeV1),
    Partition(Bounded<Bounded<NodeV1, GROUPS_MAX>, GROUPS_MAX>),
    Cut(NodeV1, NodeV1),
    SlowLink(NodeV1, NodeV1, u64),
    Heal,
    Put(String, String, Option<NodeV1>),
    Get(String, Option<NodeV1>, ReadKindV1),
    Delete(String, Option<NodeV1>),
    Cas(String, Option<String>, Option<String>, Option<NodeV1>),
    Timeout(NodeV1),
    Snapshot(NodeV1),
    AddNode,
    RemoveNode(NodeV1),
    TransferLeader(NodeV1),
    Backup,
    Network(Option<u32>, Option<u32>, Option<(u64, u64)>),
    Drift(NodeV1, i32),
    DropMessage(u64),
    DelayMessage(u64, u64),
    DuplicateMessage(u64),
}

/// The key-value pairs are in key order, as a `BTreeMap` would write them.
#[derive(Debug, Serialize, Deserialize)]
struct RestoreV1 {
    index: u64,
    term: u64,
    kv: Bounded<(String, String), RESTORE_KEYS_MAX>,
}

/// The config a v1 link's omitted fields mean. Frozen, even if `ScenarioConfig::default`
/// changes: an old link must keep meaning what it meant.
const CONFIG_DEFAULTS_V1: ScenarioConfig = ScenarioConfig {
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
};

/// The workload a v1 link's omitted fields mean. Frozen like [`CONFIG_DEFAULTS_V1`].
const WORKLOAD_DEFAULTS_V1: Workload = Workload {
    writes_per_sec: 0,
    reads_per_sec: 0,
    keys: 5,
    cas_percent: 0,
    read: ReadKind::ReadIndex,
};

/// The bug each bit of `ConfigFieldV1::Bugs` stands for. Append only.
pub(super) const BUGS_V1: [Bug; 13] = [
    Bug::CommitEarlierTermByCounting,
    Bug::VoteWithoutLogCheck,
    Bug::ForgetVoteOnRestart,
    Bug::TruncateWithoutConflict,
    Bug::AcceptStaleTermAppend,
    Bug::ApplyBeforeCommit,
    Bug::ReadWithoutReadIndex,
    Bug::LeaseWithoutDriftMargin,
    Bug::TwoMembershipChangesAtOnce,
    Bug::CampaignInsideLease,
    Bug::LeaseAfterTimeoutNow,
    Bug::SnapshotWithoutSessions,
    Bug::BackupOnAppend,
];

pub(super) fn to_wire(scenario: &Scenario) -> ScenarioV1 {
    let mut previous_ms = 0;
    let timeline = scenario
        .timeline
        .iter()
        .map(|timed| {
            // A valid timeline never goes back in time. An invalid one encodes as if each
            // action that does were at the time before it: links are made of valid scenarios.
            let after_ms = timed.at_ms.saturating_sub(previous_ms);
            previous_ms = previous_ms.max(timed.at_ms);
            TimedActionV1 {
                after_ms,
                action: action_to_wire(&timed.action),
            }
        })
        .collect();
    ScenarioV1 {
        seed: scenario.seed,
        nodes: scenario.nodes,
        until_ms: scenario.until_ms,
        config: Bounded::new(config_to_wire(&scenario.config)),
        workload: Bounded::new(workload_to_wire(&scenario.workload)),
        timeline: Bounded::new(timeline),
        restore: scenario.restore.as_ref().map(|restore| RestoreV1 {
            index: restore.index,
            term: restore.term,
            kv: Bounded::new(restore.kv.clone().into_iter().collect()),
        }),
    }
}

fn config_to_wire(config: &ScenarioConfig) -> Vec<ConfigFieldV1> {
    use ConfigFieldV1 as Field;
    let defaults = &CONFIG_DEFAULTS_V1;
    let mut fields = Vec::new();
    let mut differs = |is_default: bool, field: Field| {
        if !is_default {
            fields.push(field);
        }
    };
    let (low, high) = config.election_timeout_ms;
    let same = config.election_timeout_ms == defaults.election_timeout_ms;
    differs(same, Field::ElectionTimeoutMs(low, high));
    let same = config.heartbeat_ms == defaults.heartbeat_ms;
    differs(same, Field::HeartbeatMs(config.heartbeat_ms));
    let (low, high) = config.latency_ms;
    differs(
        config.latency_ms == defaults.latency_ms,
        Field::LatencyMs(low, high),
    );
    differs(
        config.loss_ppm == defaults.loss_ppm,
        Field::LossPpm(config.loss_ppm),
    );
    let same = config.duplicate_ppm == defaults.duplicate_ppm;
    differs(same, Field::DuplicatePpm(config.duplicate_ppm));
    let (low, high) = config.disk_ms;
    differs(config.disk_ms == defaults.disk_ms, Field::DiskMs(low, high));
    let same = config.snapshot_every == defaults.snapshot_every;
    differs(same, Field::SnapshotEvery(config.snapshot_every));
    differs(
        config.pre_vote == defaults.pre_vote,
        Field::PreVote(config.pre_vote),
    );
    let same = config.check_quorum == defaults.check_quorum;
    differs(same, Field::CheckQuorum(config.check_quorum));
    let same = config.clock_drift_bound_ppm == defaults.clock_drift_bound_ppm;
    differs(
        same,
        Field::ClockDriftBoundPpm(config.clock_drift_bound_ppm),
    );
    differs(
        config.bugs.is_empty(),
        Field::Bugs(bugs_to_bits(config.bugs)),
    );
    let same = config.crash_after_vote_ppm == defaults.crash_after_vote_ppm;
    differs(same, Field::CrashAfterVotePpm(config.crash_after_vote_ppm));
    let same = config.crash_after_commit_ppm == defaults.crash_after_commit_ppm;
    differs(
        same,
        Field::CrashAfterCommitPpm(config.crash_after_commit_ppm),
    );
    let (low, high) = config.crash_restart_ms;
    let same = config.crash_restart_ms == defaults.crash_restart_ms;
    differs(same, Field::CrashRestartMs(low, high));
    if let Some(from_ms) = config.check_liveness_from_ms {
        differs(false, Field::CheckLivenessFromMs(from_ms));
    }
    fields
}

fn bugs_to_bits(bugs: Bugs) -> u32 {
    let mut bits = 0;
    for bug in bugs.iter() {
        let position = BUGS_V1.iter().position(|known| *known == bug);
        debug_assert!(position.is_some(), "{bug:?} is missing from BUGS_V1");
        if let Some(position) = position {
            bits |= 1 << position;
        }
    }
    bits
}

fn workload_to_wire(workload: &Workload) -> Vec<WorkloadFieldV1> {
    use WorkloadFieldV1 as Field;
    let defaults = &WORKLOAD_DEFAULTS_V1;
    let mut fields = Vec::new();
    if workload.writes_per_sec != defaults.writes_per_sec {
        fields.push(Field::WritesPerSec(workload.writes_per_sec));
    }
    if workload.reads_per_sec != defaults.reads_per_sec {
        fields.push(Field::ReadsPerSec(workload.reads_per_sec));
    }
    if workload.keys != defaults.keys {
        fields.push(Field::Keys(workload.keys));
    }
    if workload.cas_percent != defaults.cas_percent {
        fields.push(Field::CasPercent(workload.cas_percent));
    }
    if workload.read != defaults.read {
        fields.push(Field::Read(read_kind_to_wire(workload.read)));
    }
    fields
}

fn read_kind_to_wire(kind: ReadKind) -> ReadKindV1 {
    match kind {
        ReadKind::ReadIndex => ReadKindV1::ReadIndex,
        ReadKind::Lease => ReadKindV1::Lease,
        ReadKind::Stale => ReadKindV1::Stale,
    }
}

fn read_kind_from_wire(kind: ReadKindV1) -> ReadKind {
    match kind {
        ReadKindV1::ReadIndex => ReadKind::ReadIndex,
        ReadKindV1::Lease => ReadKind::Lease,
        ReadKindV1::Stale => ReadKind::Stale,
    }
}

/// Ids that do not fit a byte cannot be valid (see `NODE_ID_MAX`); they become 0, which is
/// never a node, so the link fails validation instead of naming another node.
fn node_to_wire(node: NodeId) -> NodeV1 {
    NodeV1::try_from(node).unwrap_or(0)
}

fn action_to_wire(action: &Action) -> ActionV1 {
    use ActionV1 as Wire;
    let node = node_to_wire;
    let via = |via: Option<NodeId>| via.map(node_to_wire);
    match action.clone() {
        Action::Crash { node: id } => Wire::Crash(node(id)),
        Action::Restart { node: id } => Wire::Restart(node(id)),
        Action::Pause { node: id } => Wire::Pause(node(id)),
        Action::Resume { node: id } => Wire::Resume(node(id)),
        Action::Partition { groups } => Wire::Partition(Bounded::new(
            groups
                .into_iter()
                .map(|group| Bounded::new(group.into_iter().map(node).collect()))
                .collect(),
        )),
        Action::Cut { from, to } => Wire::Cut(node(from), node(to)),
        Action::SlowLink { from, to, extra_ms } => Wire::SlowLink(node(from), node(to), extra_ms),
        Action::Heal => Wire::Heal,
        Action::Put {
            key,
            value,
            via: to,
        } => Wire::Put(key, value, via(to)),
        Action::Get { key, via: to, read } => Wire::Get(key, via(to), read_kind_to_wire(read)),
        Action::Delete { key, via: to } => Wire::Delete(key, via(to)),
        Action::Cas {
            key,
            expected,
            new,
            via: to,
        } => Wire::Cas(key, expected, new, via(to)),
        Action::Timeout { node: id } => Wire::Timeout(node(id)),
        Action::Snapshot { node: id } => Wire::Snapshot(node(id)),
        Action::AddNode => Wire::AddNode,
        Action::RemoveNode { node: id } => Wire::RemoveNode(node(id)),
        Action::TransferLeader { to } => Wire::TransferLeader(node(to)),
        Action::Backup => Wire::Backup,
        Action::Network {
            loss_ppm,
            duplicate_ppm,
            latency_ms,
        } => Wire::Network(loss_ppm, duplicate_ppm, latency_ms),
        Action::Drift { node: id, ppm } => Wire::Drift(node(id), ppm),
        Action::DropMessage { id } => Wire::DropMessage(id),
        Action::DelayMessage { id, by_ms } => Wire::DelayMessage(id, by_ms),
        Action::DuplicateMessage { id } => Wire::DuplicateMessage(id),
    }
}

/// The action a wire action stands for; `path` is its place in the timeline, for errors.
fn action_from_wire(action: ActionV1, path: &str) -> Result<Action, ScenarioError> {
    use ActionV1 as Wire;
    let node = NodeId::from;
    let via = |via: Option<NodeV1>| via.map(NodeId::from);
    let action = match action {
        Wire::Crash(id) => Action::Crash { node: node(id) },
        Wire::Restart(id) => Action::Restart { node: node(id) },
        Wire::Pause(id) => Action::Pause { node: node(id) },
        Wire::Resume(id) => Action::Resume { node: node(id) },
        Wire::Partition(groups) => Action::Partition {
            groups: groups_from_wire(groups, &format!("{path}.groups"))?,
        },
        Wire::Cut(from, to) => Action::Cut {
            from: node(from),
            to: node(to),
        },
        Wire::SlowLink(from, to, extra_ms) => Action::SlowLink {
            from: node(from),
            to: node(to),
            extra_ms,
        },
        Wire::Heal => Action::Heal,
        Wire::Put(key, value, to) => Action::Put {
            key,
            value,
            via: via(to),
        },
        Wire::Get(key, to, read) => Action::Get {
            key,
            via: via(to),
            read: read_kind_from_wire(read),
        },
        Wire::Delete(key, to) => Action::Delete { key, via: via(to) },
        Wire::Cas(key, expected, new, to) => Action::Cas {
            key,
            expected,
            new,
            via: via(to),
        },
        Wire::Timeout(id) => Action::Timeout { node: node(id) },
        Wire::Snapshot(id) => Action::Snapshot { node: node(id) },
        Wire::AddNode => Action::AddNode,
        Wire::RemoveNode(id) => Action::RemoveNode { node: node(id) },
        Wire::TransferLeader(to) => Action::TransferLeader { to: node(to) },
        Wire::Backup => Action::Backup,
        Wire::Network(loss_ppm, duplicate_ppm, latency_ms) => Action::Network {
            loss_ppm,
            duplicate_ppm,
            latency_ms,
        },
        Wire::Drift(id, ppm) => Action::Drift {
            node: node(id),
            ppm,
        },
        Wire::DropMessage(id) => Action::DropMessage { id },
        Wire::DelayMessage(id, by_ms) => Action::DelayMessage { id, by_ms },
        Wire::DuplicateMessage(id) => Action::DuplicateMessage { id },
    };
    Ok(action)
}

fn groups_from_wire(
    groups: Bounded<Bounded<NodeV1, GROUPS_MAX>, GROUPS_MAX>,
    path: &str,
) -> Result<Vec<Vec<NodeId>>, ScenarioError> {
    let groups = groups.into_items(path, "groups")?;
    let mut decoded = Vec::with_capacity(groups.len());
    for (index, group) in groups.into_iter().enumerate() {
        let members = group.into_items(&format!("{path}[{index}]"), "nodes")?;
        decoded.push(members.into_iter().map(NodeId::from).collect());
    }
    Ok(decoded)
}

/// The scenario a decoded v1 struct stands for. Only what the wire itself can get wrong is
/// checked here (unknown bug bits, times that overflow); the caller validates the rest.
pub(super) fn from_wire(wire: ScenarioV1) -> Result<Scenario, ScenarioError> {
    let mut config = CONFIG_DEFAULTS_V1;
    for field in wire.config.into_items("config", "settings")? {
        apply_config_field(&mut config, field)?;
    }
    let mut workload = WORKLOAD_DEFAULTS_V1;
    for field in wire.workload.into_items("workload", "settings")? {
        match field {
            WorkloadFieldV1::WritesPerSec(rate) => workload.writes_per_sec = rate,
            WorkloadFieldV1::ReadsPerSec(rate) => workload.reads_per_sec = rate,
            WorkloadFieldV1::Keys(keys) => workload.keys = keys,
            WorkloadFieldV1::CasPercent(percent) => workload.cas_percent = percent,
            WorkloadFieldV1::Read(kind) => workload.read = read_kind_from_wire(kind),
        }
    }
    let mut at_ms: u64 = 0;
    let wire_timeline = wire.timeline.into_items("timeline", "actions")?;
    let mut timeline = Vec::with_capacity(wire_timeline.len());
    for (index, timed) in wire_timeline.into_iter().enumerate() {
        at_ms = at_ms.checked_add(timed.after_ms).ok_or_else(|| {
            ScenarioError::new(
                format!("timeline[{index}].at_ms"),
                "the sum of the time steps overflows",
            )
        })?;
        let action = action_from_wire(timed.action, &format!("timeline[{index}]"))?;
        timeline.push(TimedAction { at_ms, action });
    }
    Ok(Scenario {
        seed: wire.seed,
        nodes: wire.nodes,
        config,
        workload,
        timeline,
        until_ms: wire.until_ms,
        events_in_last_ms: None,
        restore: match wire.restore {
            Some(restore) => Some(Restore {
                index: restore.index,
                term: restore.term,
                kv: kv_from_wire(restore.kv.into_items("restore.kv", "keys")?),
            }),
            None => None,
        },
    })
}

/// The restored store; a repeated key keeps its last value, as `collect` would.
fn kv_from_wire(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    // Built by insertion, not `collect`: collecting into a B-tree sorts a buffer first, and that
    // stable sort is compiled anew for each element type, which weighs on the page's wasm.
    let mut kv = BTreeMap::new();
    kv.extend(pairs);
    kv
}

fn apply_config_field(
    config: &mut ScenarioConfig,
    field: ConfigFieldV1,
) -> Result<(), ScenarioError> {
    match field {
        ConfigFieldV1::ElectionTimeoutMs(low, high) => config.election_timeout_ms = (low, high),
        ConfigFieldV1::HeartbeatMs(heartbeat_ms) => config.heartbeat_ms = heartbeat_ms,
        ConfigFieldV1::LatencyMs(low, high) => config.latency_ms = (low, high),
        ConfigFieldV1::LossPpm(ppm) => config.loss_ppm = ppm,
        ConfigFieldV1::DuplicatePpm(ppm) => config.duplicate_ppm = ppm,
        ConfigFieldV1::DiskMs(low, high) => config.disk_ms = (low, high),
        ConfigFieldV1::SnapshotEvery(every) => config.snapshot_every = every,
        ConfigFieldV1::PreVote(pre_vote) => config.pre_vote = pre_vote,
        ConfigFieldV1::CheckQuorum(check_quorum) => config.check_quorum = check_quorum,
        ConfigFieldV1::ClockDriftBoundPpm(ppm) => config.clock_drift_bound_ppm = ppm,
        ConfigFieldV1::Bugs(bits) => config.bugs = bugs_from_bits(bits)?,
        ConfigFieldV1::CrashAfterVotePpm(ppm) => config.crash_after_vote_ppm = ppm,
        ConfigFieldV1::CrashAfterCommitPpm(ppm) => config.crash_after_commit_ppm = ppm,
        ConfigFieldV1::CrashRestartMs(low, high) => config.crash_restart_ms = (low, high),
        ConfigFieldV1::CheckLivenessFromMs(from_ms) => {
            config.check_liveness_from_ms = Some(from_ms)
        }
    }
    Ok(())
}

fn bugs_from_bits(bits: u32) -> Result<Bugs, ScenarioError> {
    let mut bugs = Bugs::NONE;
    for position in 0..u32::BITS {
        if bits & (1 << position) == 0 {
            continue;
        }
        match BUGS_V1.get(position as usize) {
            Some(bug) => bugs.insert(*bug),
            None => {
                let problem = format!(
                    "unknown bug number {position} (this version knows 0 to {}); was the link made by a newer version?",
                    BUGS_V1.len() - 1
                );
                return Err(ScenarioError::new("config.bugs", problem));
            }
        }
    }
    Ok(bugs)
}
