//! Swarm testing, in the manner of TigerBeetle's simulator: a seed decides which faults are on
//! and how hard (a random subset and intensity per seed, not one uniform mix), and the whole
//! schedule. A safety phase under faults is followed by a heal — network whole, every node
//! up and resumed — and a liveness phase in which a leader must be elected and everyone must
//! catch up.
//!
//! The result is an ordinary scenario, so a failing seed is a link anyone can open, and the
//! shrinker can cut it down action by action.
//!
//! A [`Focus`] other than the default aims the faults at one part of Raft (`lease.rs`: leader
//! leases; `backup.rs`: coordinated backups, and client requests that travel more than once).
//! The default draws exactly as it always has, so a seed quoted anywhere still names the same
//! scenario.

mod backup;
mod lease;

use super::rng::Stream;
use crate::raft::{Bugs, NodeId};
use crate::scenario::{Action, ReadKind, Scenario, ScenarioConfig, TimedAction, Workload};

/// What the person running the swarm fixes; the seed decides the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwarmOptions {
    pub nodes: Option<u8>,
    pub bugs: Bugs,
    pub focus: Focus,
}

/// Which faults a seed draws from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// Every kind of fault, each on or off per seed.
    #[default]
    Broad,
    /// Leader leases (thesis §6.4.1): check-quorum on, lease reads, and episodes that time
    /// forced elections, late TimeoutNow messages and cut-off leaders against a lease.
    Lease,
    /// Coordinated backups taken while the log changes hands (crashes, leader changes,
    /// compaction, InstallSnapshot, partitions), and client requests and replies dropped,
    /// delayed or copied one at a time, so that retries meet the sessions.
    Backup,
}

impl Focus {
    pub const ALL: [Focus; 3] = [Focus::Broad, Focus::Lease, Focus::Backup];

    /// The name `raft-sim swarm --focus` takes.
    pub fn name(self) -> &'static str {
        match self {
            Focus::Broad => "broad",
            Focus::Lease => "lease",
            Focus::Backup => "backup",
        }
    }

    pub fn from_name(name: &str) -> Option<Focus> {
        Focus::ALL.into_iter().find(|focus| focus.name() == name)
    }
}

/// The kinds of fault a seed may turn on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Crash,
    Partition,
    Cut,
    SlowLink,
    Loss,
    Duplicate,
    Pause,
    Drift,
    Snapshot,
    Membership,
    Transfer,
    Timeout,
}

const FAULTS: [Fault; 12] = [
    Fault::Crash,
    Fault::Partition,
    Fault::Cut,
    Fault::SlowLink,
    Fault::Loss,
    Fault::Duplicate,
    Fault::Pause,
    Fault::Drift,
    Fault::Snapshot,
    Fault::Membership,
    Fault::Transfer,
    Fault::Timeout,
];

/// The scenario seed `seed` stands for.
pub fn generate(seed: u64, options: &SwarmOptions) -> Scenario {
    match options.focus {
        Focus::Broad => generate_broad(seed, options),
        Focus::Lease => lease::generate(seed, options),
        Focus::Backup => backup::generate(seed, options),
    }
}

fn generate_broad(seed: u64, options: &SwarmOptions) -> Scenario {
    let mut random = Stream::new(seed, "swarm");
    let nodes = options.nodes.unwrap_or(*random.pick(&[3, 3, 5, 5, 5, 7]));
    let config = generate_config(&mut random, options.bugs);
    let workload = generate_workload(&mut random, config.check_quorum);
    let safety_ms = random.between(3_000, 10_000);
    let mut timeline = Timeline::new(u64::from(nodes));
    for fault in FAULTS {
        // A removed server that never learns it was removed keeps starting elections; only
        // pre-vote or check-quorum stop it (thesis §4.2.3). Without either, removals belong in
        // lessons about that, not in a liveness check.
        let removals_are_live = config.pre_vote || config.check_quorum;
        if fault == Fault::Membership && !removals_are_live {
            continue;
        }
        if random.below(2) == 0 {
            let intensity = random.between(1, 6);
            for _ in 0..intensity {
                let at_ms = random.between(100, safety_ms - 1);
                timeline.fault(fault, at_ms, safety_ms, &config, &mut random);
            }
        }
    }
    assemble(seed, nodes, config, workload, timeline, safety_ms)
}

/// The scenario a seed drew: its timeline until `safety_ms`, then the liveness phase.
fn assemble(
    seed: u64,
    nodes: u8,
    config: ScenarioConfig,
    workload: Workload,
    timeline: Timeline,
    safety_ms: u64,
) -> Scenario {
    let mut scenario = Scenario {
        seed,
        nodes,
        config,
        workload,
        timeline: timeline.finish(),
        until_ms: 0,
        events_in_last_ms: None,
        restore: None,
    };
    // From here the simulator heals everything and checks liveness.
    scenario.config.check_liveness_from_ms = Some(safety_ms);
    let bound_ms = super::liveness::liveness_bound_us(&scenario.config) / 1_000;
    scenario.until_ms = safety_ms + 2 * bound_ms + 500;
    debug_assert!(scenario.validate().is_ok(), "{:?}", scenario.validate());
    scenario
}

fn generate_config(random: &mut Stream, bugs: Bugs) -> ScenarioConfig {
    generate_config_compacting(random, bugs, &[0, 5, 20, 100])
}

/// The broad swarm's configuration, with automatic snapshots every `snapshot_every` entries,
/// one of those picked (0 is never).
fn generate_config_compacting(
    random: &mut Stream,
    bugs: Bugs,
    snapshot_every: &[u64],
) -> ScenarioConfig {
    let election_min = *random.pick(&[100, 150, 150, 300]);
    let latency_low = random.between(1, 15);
    let crash_points = random.below(4) == 0;
    ScenarioConfig {
        election_timeout_ms: (election_min, election_min * 2),
        heartbeat_ms: election_min / random.between(3, 6),
        latency_ms: (latency_low, latency_low + random.between(0, 30)),
        loss_ppm: 0,
        duplicate_ppm: 0,
        disk_ms: (random.between(0, 2), random.between(2, 6)),
        snapshot_every: *random.pick(snapshot_every),
        pre_vote: random.below(4) != 0,
        check_quorum: random.below(4) != 0,
        clock_drift_bound_ppm: 50_000,
        bugs,
        crash_after_vote_ppm: crash_rate_ppm(random, crash_points, 20_000, 200_000),
        crash_after_commit_ppm: crash_rate_ppm(random, crash_points, 5_000, 50_000),
        crash_restart_ms: (50, 1_000),
        check_liveness_from_ms: None,
    }
}

/// A crash point's rate when `on`, drawn between `low` and `high` ppm; no draw when off, so a
/// seed's stream stays as it was.
fn crash_rate_ppm(random: &mut Stream, on: bool, low: u64, high: u64) -> u32 {
    if on {
        random.between(low, high) as u32
    } else {
        0
    }
}

fn generate_workload(random: &mut Stream, check_quorum: bool) -> Workload {
    generate_workload_within(random, check_quorum, (0, 60), (0, 40), (1, 5))
}

/// The broad swarm's workload, with writes and reads a second and keys drawn within the
/// given inclusive ranges.
fn generate_workload_within(
    random: &mut Stream,
    check_quorum: bool,
    writes_per_sec: (u64, u64),
    reads_per_sec: (u64, u64),
    keys: (u64, u64),
) -> Workload {
    let read = match random.below(4) {
        0 if check_quorum => ReadKind::Lease,
        1 => ReadKind::Stale,
        _ => ReadKind::ReadIndex,
    };
    Workload {
        writes_per_sec: random.between(writes_per_sec.0, writes_per_sec.1) as u32,
        reads_per_sec: random.between(reads_per_sec.0, reads_per_sec.1) as u32,
        keys: random.between(keys.0, keys.1) as u32,
        cas_percent: random.between(0, 50) as u8,
        read,
    }
}

/// A timeline under construction, tracking how many nodes exist so every action names one.
struct Timeline {
    actions: Vec<TimedAction>,
    /// Nodes added by the time of each `add_node`, as (at_ms, count after).
    additions: Vec<u64>,
    initial_nodes: u64,
}

impl Timeline {
    fn new(initial_nodes: u64) -> Self {
        Timeline {
            actions: Vec::new(),
            additions: Vec::new(),
            initial_nodes,
        }
    }

    fn push(&mut self, at_ms: u64, action: Action) {
        self.actions.push(TimedAction { at_ms, action });
    }

    /// The nodes certain to exist at `at_ms`: the initial ones plus those added before.
    fn nodes_at(&self, at_ms: u64) -> u64 {
        self.initial_nodes
            + self
                .additions
                .iter()
                .filter(|&&added_at| added_at < at_ms)
                .count() as u64
    }

    fn any_node(&self, at_ms: u64, random: &mut Stream) -> NodeId {
        random.between(1, self.nodes_at(at_ms))
    }

    fn fault(
        &mut self,
        fault: Fault,
        at_ms: u64,
        safety_ms: u64,
        config: &ScenarioConfig,
        random: &mut Stream,
    ) {
        let node = self.any_node(at_ms, random);
        let until_ms = (at_ms + random.between(50, 2_000)).min(safety_ms - 1);
        match fault {
            Fault::Crash => {
                self.push(at_ms, Action::Crash { node });
                self.push(until_ms, Action::Restart { node });
            }
            // A lone node has no one to be parted from (`raft-sim swarm --nodes 1`).
            Fault::Partition if self.nodes_at(at_ms) < 2 => {}
            Fault::Partition => {
                let groups = self.partition_groups(at_ms, random);
                for action in groups {
                    self.push(at_ms, action);
                }
                self.push(until_ms, Action::Heal);
            }
            Fault::Cut => {
                let to = self.any_node(at_ms, random);
                if to != node {
                    self.push(at_ms, Action::Cut { from: node, to });
                }
            }
            Fault::SlowLink => {
                let to = self.any_node(at_ms, random);
                if to != node {
                    let extra_ms = random.between(20, config.election_timeout_ms.0);
                    self.push(
                        at_ms,
                        Action::SlowLink {
                            from: node,
                            to,
                            extra_ms,
                        },
                    );
                }
            }
            Fault::Loss | Fault::Duplicate => {
                let ppm = random.between(10_000, 300_000) as u32;
                let (loss_ppm, duplicate_ppm) = if fault == Fault::Loss {
                    (Some(ppm), None)
                } else {
                    (None, Some(ppm))
                };
                self.push(
                    at_ms,
                    Action::Network {
                        loss_ppm,
                        duplicate_ppm,
                        latency_ms: None,
                    },
                );
            }
            Fault::Pause => {
                self.push(at_ms, Action::Pause { node });
                self.push(until_ms, Action::Resume { node });
            }
            Fault::Drift => {
                let bound = config.clock_drift_bound_ppm as i64;
                let ppm = random.between(0, 2 * bound as u64) as i64 - bound;
                self.push(
                    at_ms,
                    Action::Drift {
                        node,
                        ppm: ppm as i32,
                    },
                );
            }
            Fault::Snapshot => self.push(at_ms, Action::Snapshot { node }),
            Fault::Membership => match random.below(3) {
                0 if self.nodes_at(safety_ms) < 9 => {
                    self.additions.push(at_ms);
                    self.push(at_ms, Action::AddNode);
                }
                1 => {
                    // Two removals at once: the second must wait for the first to commit.
                    let other = self.any_node(at_ms, random);
                    self.push(at_ms, Action::RemoveNode { node });
                    if other != node {
                        self.push(at_ms, Action::RemoveNode { node: other });
                    }
                }
                _ => self.push(at_ms, Action::RemoveNode { node }),
            },
            Fault::Transfer => self.push(at_ms, Action::TransferLeader { to: node }),
            Fault::Timeout => self.push(at_ms, Action::Timeout { node }),
        }
    }

    /// One of the partition shapes: a node isolated alone, a random split, a ring where each
    /// node reaches only its neighbours (majorities overlap but differ), or two halves joined
    /// by a single bridge node.
    fn partition_groups(&self, at_ms: u64, random: &mut Stream) -> Vec<Action> {
        let count = self.nodes_at(at_ms);
        let nodes: Vec<NodeId> = (1..=count).collect();
        match random.below(4) {
            0 => {
                let alone = *random.pick(&nodes);
                let rest: Vec<NodeId> = nodes
                    .iter()
                    .copied()
                    .filter(|&node| node != alone)
                    .collect();
                vec![Action::Partition {
                    groups: vec![vec![alone], rest],
                }]
            }
            1 => {
                let split = random.between(1, count - 1);
                let (left, right) = nodes.split_at(split as usize);
                vec![Action::Partition {
                    groups: vec![left.to_vec(), right.to_vec()],
                }]
            }
            2 => {
                // A ring: each node cut from every node more than one step away.
                let mut cuts = Vec::new();
                for &a in &nodes {
                    for &b in &nodes {
                        let distance = (a + count - b) % count;
                        if a != b && distance != 1 && distance != count - 1 {
                            cuts.push(Action::Cut { from: a, to: b });
                        }
                    }
                }
                cuts
            }
            _ => {
                // A bridge: the middle node reaches everyone; the halves do not reach each other.
                let bridge = count.div_ceil(2);
                let mut cuts = Vec::new();
                for &a in &nodes {
                    for &b in &nodes {
                        if a != bridge && b != bridge && (a < bridge) != (b < bridge) {
                            cuts.push(Action::Cut { from: a, to: b });
                        }
                    }
                }
                cuts
            }
        }
    }

    fn finish(mut self) -> Vec<TimedAction> {
        // Stable: actions at the same moment keep the order they were made in.
        self.actions.sort_by_key(|action| action.at_ms);
        self.actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_make_valid_and_varied_scenarios() {
        let mut action_counts = Vec::new();
        for seed in 0..200 {
            let scenario = generate(seed, &SwarmOptions::default());
            assert!(
                scenario.validate().is_ok(),
                "seed {seed}: {:?}",
                scenario.validate()
            );
            assert_eq!(
                scenario,
                generate(seed, &SwarmOptions::default()),
                "seed {seed} is deterministic"
            );
            action_counts.push(scenario.timeline.len());
        }
        action_counts.sort();
        action_counts.dedup();
        assert!(
            action_counts.len() > 20,
            "schedules vary: {action_counts:?}"
        );
    }

    /// Seed `seed`'s scenario under `options`: valid, drawn the same twice, and with no action
    /// after the heal that starts the liveness check.
    fn valid_and_healed(seed: u64, options: &SwarmOptions) -> Scenario {
        let scenario = generate(seed, options);
        assert!(
            scenario.validate().is_ok(),
            "seed {seed}: {:?}",
            scenario.validate()
        );
        assert_eq!(scenario, generate(seed, options), "seed {seed}");
        let liveness_from_ms = scenario.config.check_liveness_from_ms.unwrap();
        assert!(
            scenario
                .timeline
                .iter()
                .all(|timed| timed.at_ms < liveness_from_ms),
            "seed {seed}: nothing undoes the heal"
        );
        scenario
    }

    #[test]
    fn lease_seeds_make_valid_scenarios_aimed_at_leases() {
        let options = SwarmOptions {
            focus: Focus::Lease,
            ..SwarmOptions::default()
        };
        let mut actions = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let scenario = valid_and_healed(seed, &options);
            assert!(scenario.config.check_quorum, "leases need check-quorum");
            actions.extend(scenario.timeline.iter().map(|timed| timed.action.name()));
        }
        for name in [
            "timeout",
            "transfer_leader",
            "pause",
            "slow_link",
            "cut",
            "partition",
            "drift",
            "network",
            "put",
            "get",
        ] {
            assert!(actions.contains(name), "no lease seed does {name}");
        }
    }

    #[test]
    fn backup_seeds_make_valid_scenarios_aimed_at_backups_and_client_messages() {
        let options = SwarmOptions {
            focus: Focus::Backup,
            ..SwarmOptions::default()
        };
        let mut actions = std::collections::BTreeSet::new();
        for seed in 0..60 {
            let scenario = valid_and_healed(seed, &options);
            assert!(
                scenario
                    .timeline
                    .iter()
                    .filter(|timed| timed.action == Action::Backup)
                    .count()
                    >= 2,
                "seed {seed}: several backups"
            );
            actions.extend(scenario.timeline.iter().map(|timed| timed.action.name()));
        }
        for name in [
            "backup",
            "crash",
            "restart",
            "timeout",
            "transfer_leader",
            "snapshot",
            "partition",
            "heal",
            "network",
            "put",
            "cas",
            "delete",
            "drop_message",
            "delay_message",
            "duplicate_message",
        ] {
            assert!(actions.contains(name), "no backup seed does {name}");
        }
    }

    /// `raft-sim swarm --nodes N` takes 1 to 15: each count makes valid scenarios (one node
    /// once drew a partition with an empty side, and panicked).
    #[test]
    fn every_node_count_makes_valid_scenarios() {
        for focus in Focus::ALL {
            for nodes in 1..=15 {
                let options = SwarmOptions {
                    nodes: Some(nodes),
                    focus,
                    ..SwarmOptions::default()
                };
                // A backup seed runs its scenario as it is drawn (to aim at client
                // messages): fewer of them.
                let seeds = if focus == Focus::Backup { 0..8 } else { 0..40 };
                for seed in seeds {
                    let scenario = generate(seed, &options);
                    assert!(
                        scenario.validate().is_ok(),
                        "{} seed {seed}, {nodes} nodes: {:?}",
                        focus.name(),
                        scenario.validate()
                    );
                }
            }
        }
    }

    #[test]
    fn the_focus_names_read_back() {
        for focus in Focus::ALL {
            assert_eq!(Focus::from_name(focus.name()), Some(focus));
        }
        assert_eq!(Focus::default(), Focus::Broad);
    }
}
