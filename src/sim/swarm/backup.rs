//! The swarm aimed at coordinated backups and at client requests that travel more than once.
//! A backup is a barrier entry through the log: every node snapshots its state machine exactly
//! where it applies the barrier, and the simulator compares every copy with the first. Copies
//! only differ if a node applied something else before the barrier, or the barrier twice, so
//! this focus takes backups while the log is busiest changing hands: several per seed, each
//! with a companion drawn from the seed — a second backup right behind it, a crash and restart
//! of a node as the barrier goes round, a leader change, compaction at once, a partition, or a
//! node kept behind while the others compact so that it catches up by InstallSnapshot — and
//! client writes, compare-and-sets and deletes sent around it through any node.
//!
//! Client traffic is also hit one message at a time: requests and replies dropped, delayed
//! past the client's timeout, or copied, so that a retry races its original and the sessions
//! must apply each command once. A scenario names such a message by the id the simulator
//! gives it, known only as the run goes, so the generator runs the scenario it drew up to
//! each such moment (the run is deterministic, and an action inserted at a moment changes
//! nothing before it), picks a client message on its way there, and inserts the action.
//! Behind all that run the broad swarm's faults, fewer of them, network duplication and loss
//! among them (those touch messages between nodes only). The heal and the liveness phase are
//! the broad swarm's.

use super::{FAULTS, Fault, SwarmOptions, Timeline, assemble};
use crate::raft::{Bugs, NodeId};
use crate::scenario::{Action, Scenario, ScenarioConfig, TimedAction, Workload};
use crate::sim::Simulation;
use crate::sim::clients::FIRST_ACTION_CLIENT;
use crate::sim::network::{InFlight, Packet};
use crate::sim::rng::Stream;

/// What may go with a backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Companion {
    Alone,
    /// A second backup a few milliseconds behind: two barriers in the log at once.
    Overlapping,
    /// A node crashes as the barrier goes round and restarts later, from its disk.
    Crash,
    /// A node's timer is forced, or leadership handed over, as the barrier goes round.
    LeaderChange,
    /// Nodes compact their logs right after the barrier (some before applying it).
    Compaction,
    /// A node is cut off before the backup while the others compact after it, then rejoins:
    /// it can only catch up by InstallSnapshot.
    Lagging,
    /// The network splits as the barrier goes round.
    Partition,
}

const COMPANIONS: [Companion; 7] = [
    Companion::Alone,
    Companion::Overlapping,
    Companion::Crash,
    Companion::LeaderChange,
    Companion::Compaction,
    Companion::Lagging,
    Companion::Partition,
];

/// What is done to one client message on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Treatment {
    Drop,
    Delay { by_ms: u64 },
    Duplicate,
}

/// A per-message action planned at `at_ms`, aimed at a reply if `reply` (else a request) once
/// the run shows which client messages are on their way then. One that follows a backup
/// prefers the messages of the timeline's own clients: the barrier's, and the writes beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Aim {
    at_ms: u64,
    treatment: Treatment,
    reply: bool,
    after_backup: bool,
}

/// Aimed actions per seed at most: each one runs the scenario on to its moment.
const AIMS_MAX: u64 = 24;

/// The backup-focused scenario seed `seed` stands for.
pub(super) fn generate(seed: u64, options: &SwarmOptions) -> Scenario {
    // A stream of its own: a backup seed is not the broad seed of the same number.
    let mut random = Stream::new(seed, "swarm-backup");
    let nodes = options.nodes.unwrap_or(*random.pick(&[3, 3, 5, 5, 5, 7]));
    let config = generate_config(&mut random, options.bugs);
    let workload = generate_workload(&mut random, config.check_quorum);
    let safety_ms = random.between(4_000, 10_000);
    let mut plan = Plan::new(u64::from(nodes), &config, workload.keys);
    let backups = random.between(2, 8);
    for _ in 0..backups {
        let at_ms = random.between(100, safety_ms - 300);
        plan.backup(at_ms, safety_ms, &mut random);
    }
    background(&mut plan.timeline, safety_ms, &config, &mut random);
    let aims = plan.aims(safety_ms, &mut random);
    let mut scenario = assemble(seed, nodes, config, workload, plan.timeline, safety_ms);
    aim_at_client_messages(&mut scenario, &aims, &mut random);
    debug_assert!(scenario.validate().is_ok(), "{:?}", scenario.validate());
    scenario
}

fn generate_config(random: &mut Stream, bugs: Bugs) -> ScenarioConfig {
    // Frequent compaction in most seeds: backups and snapshots meet more often.
    super::generate_config_compacting(random, bugs, &[0, 5, 5, 20, 100])
}

fn generate_workload(random: &mut Stream, check_quorum: bool) -> Workload {
    // Always some writes: a backup of an unchanging store compares little.
    super::generate_workload_within(random, check_quorum, (5, 60), (0, 30), (1, 4))
}

/// Behind the backups: each broad fault on in one seed out of three, a few times.
fn background(
    timeline: &mut Timeline,
    safety_ms: u64,
    config: &ScenarioConfig,
    random: &mut Stream,
) {
    // As in the broad swarm: removals are only live with pre-vote or check-quorum.
    let removals_are_live = config.pre_vote || config.check_quorum;
    for fault in FAULTS {
        if fault == Fault::Membership && !removals_are_live {
            continue;
        }
        if random.below(3) == 0 {
            for _ in 0..random.between(1, 3) {
                let at_ms = random.between(100, safety_ms - 1);
                timeline.fault(fault, at_ms, safety_ms, config, random);
            }
        }
    }
}

/// A timeline of backups under construction, with the timing they are planned by.
struct Plan {
    timeline: Timeline,
    election_min_ms: u64,
    /// One step of a commit: a message's mean latency and the longest disk write.
    step_ms: u64,
    keys: u64,
    /// Backups planned so far, with their moments: aimed messages follow some of them.
    backups_at_ms: Vec<u64>,
    /// Writes of the plan's own so far, so that each writes a value of its own.
    writes: u64,
}

impl Plan {
    fn new(nodes: u64, config: &ScenarioConfig, keys: u32) -> Self {
        Plan {
            timeline: Timeline::new(nodes),
            election_min_ms: config.election_timeout_ms.0,
            step_ms: ((config.latency_ms.0 + config.latency_ms.1) / 2 + config.disk_ms.1).max(1),
            keys: u64::from(keys),
            backups_at_ms: Vec::new(),
            writes: 0,
        }
    }

    /// A backup at `at_ms` with a companion, and client writes on either side of it.
    fn backup(&mut self, at_ms: u64, safety_ms: u64, random: &mut Stream) {
        let last_ms = safety_ms - 1;
        self.timeline.push(at_ms, Action::Backup);
        self.backups_at_ms.push(at_ms);
        for _ in 0..random.between(0, 3) {
            let write_ms =
                (at_ms + random.between(0, 4 * self.step_ms)).saturating_sub(self.step_ms);
            self.write(write_ms.clamp(1, last_ms), random);
        }
        let near_ms = (at_ms + random.between(0, 3 * self.step_ms)).min(last_ms);
        let until_ms = (near_ms + random.between(50, 1_500)).min(last_ms);
        let node = self.timeline.any_node(at_ms, random);
        match *random.pick(&COMPANIONS) {
            Companion::Alone => {}
            Companion::Overlapping => {
                let second_ms = (at_ms + random.between(0, 2 * self.step_ms)).min(last_ms);
                self.timeline.push(second_ms, Action::Backup);
                self.backups_at_ms.push(second_ms);
            }
            Companion::Crash => {
                self.timeline.push(near_ms, Action::Crash { node });
                self.timeline.push(until_ms, Action::Restart { node });
            }
            Companion::LeaderChange => {
                let action = if random.below(2) == 0 {
                    Action::Timeout { node }
                } else {
                    Action::TransferLeader { to: node }
                };
                self.timeline.push(near_ms, action);
            }
            Companion::Compaction => {
                for _ in 0..random.between(1, 3) {
                    let node = self.timeline.any_node(at_ms, random);
                    let snapshot_ms = (at_ms + random.between(0, 6 * self.step_ms)).min(last_ms);
                    self.timeline.push(snapshot_ms, Action::Snapshot { node });
                }
            }
            Companion::Lagging => self.lagging(node, at_ms, last_ms, random),
            Companion::Partition if self.timeline.nodes_at(near_ms) < 2 => {}
            Companion::Partition => {
                for action in self.timeline.partition_groups(near_ms, random) {
                    self.timeline.push(near_ms, action);
                }
                self.timeline.push(until_ms, Action::Heal);
            }
        }
    }

    /// `node` is cut off (crashed, or partitioned alone) before the backup; after it, every
    /// other node compacts, so the leader has only a snapshot to send when `node` is back.
    fn lagging(&mut self, node: NodeId, at_ms: u64, last_ms: u64, random: &mut Stream) {
        let away_ms = at_ms
            .saturating_sub(random.between(0, self.election_min_ms))
            .max(1);
        let compact_ms = (at_ms + random.between(4 * self.step_ms, 10 * self.step_ms)).min(last_ms);
        let back_ms = (compact_ms + random.between(1, self.election_min_ms)).min(last_ms);
        let crashed = random.below(2) == 0;
        if crashed {
            self.timeline.push(away_ms, Action::Crash { node });
        } else if self.timeline.nodes_at(away_ms) >= 2 {
            let others: Vec<NodeId> = (1..=self.timeline.nodes_at(away_ms))
                .filter(|&other| other != node)
                .collect();
            let groups = vec![vec![node], others];
            self.timeline.push(away_ms, Action::Partition { groups });
        }
        for _ in 0..random.between(1, 3) {
            self.write(compact_ms.saturating_sub(self.step_ms).max(1), random);
        }
        for other in 1..=self.timeline.nodes_at(compact_ms) {
            if other != node {
                self.timeline
                    .push(compact_ms, Action::Snapshot { node: other });
            }
        }
        let back = if crashed {
            Action::Restart { node }
        } else {
            Action::Heal
        };
        self.timeline.push(back_ms, back);
    }

    /// A client write through any node: a put, a compare-and-set or a delete.
    fn write(&mut self, at_ms: u64, random: &mut Stream) {
        self.writes += 1;
        let key = format!("k{}", random.below(self.keys));
        let value = format!("backup.{}", self.writes);
        let via = Some(self.timeline.any_node(at_ms, random));
        let action = match random.below(4) {
            0 => Action::Delete { key, via },
            1 => {
                // Expecting a value some earlier write of the plan wrote, or the key absent.
                let expected = match random.below(self.writes) {
                    0 => None,
                    earlier => Some(format!("backup.{earlier}")),
                };
                Action::Cas {
                    key,
                    expected,
                    new: Some(value),
                    via,
                }
            }
            _ => Action::Put { key, value, via },
        };
        self.timeline.push(at_ms, action);
    }

    /// The moments and kinds of the per-message actions: some right behind a backup, aimed at
    /// its barrier's request or the reply, the rest anywhere in the safety phase. In time order.
    fn aims(&self, safety_ms: u64, random: &mut Stream) -> Vec<Aim> {
        let mut aims = Vec::new();
        if random.below(5) == 0 {
            return aims; // Some seeds leave client messages alone.
        }
        let count = random.between(1, AIMS_MAX);
        for _ in 0..count {
            let after_backup = !self.backups_at_ms.is_empty() && random.below(2) == 0;
            let at_ms = if after_backup {
                let backup_ms = *random.pick(&self.backups_at_ms);
                (backup_ms + random.between(1, 4 * self.step_ms)).min(safety_ms - 1)
            } else {
                random.between(100, safety_ms - 1)
            };
            let treatment = match random.below(3) {
                0 => Treatment::Drop,
                // Up to past the client's timeout (500 ms): a retry then races the original.
                1 => Treatment::Delay {
                    by_ms: random.between(1, 1_200),
                },
                _ => Treatment::Duplicate,
            };
            let reply = random.below(2) == 0;
            aims.push(Aim {
                at_ms,
                treatment,
                reply,
                after_backup,
            });
        }
        aims.sort_by_key(|aim| aim.at_ms);
        aims
    }
}

/// Inserts each aim's action into `scenario`'s timeline, at a client message that its run has
/// on the way at the aim's moment (a reply if it asks for one and there is one on the way,
/// else a request, or the other way round). An aim with no client message on the way is left
/// out. The run is the scenario's own up to each aim, as the swarm will run it: actions run
/// first at their moment, so inserting one changes nothing before it.
fn aim_at_client_messages(scenario: &mut Scenario, aims: &[Aim], random: &mut Stream) {
    if aims.is_empty() {
        return;
    }
    // A run that panics here panics again when the swarm runs the scenario, which reports it
    // with a reproducer; the aims inserted by then stand.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut simulation = Simulation::new(scenario);
        for aim in aims {
            let acts_at_us = aim.at_ms * 1_000;
            simulation.run_until(acts_at_us - 1);
            if simulation.is_halted() {
                return; // A violation: the swarm's own run will report it.
            }
            let Some(id) = pick_client_message(&simulation, acts_at_us, aim, random) else {
                continue;
            };
            let action = match aim.treatment {
                Treatment::Drop => Action::DropMessage { id },
                Treatment::Delay { by_ms } => Action::DelayMessage { id, by_ms },
                Treatment::Duplicate => Action::DuplicateMessage { id },
            };
            let position = scenario
                .timeline
                .partition_point(|timed| timed.at_ms < aim.at_ms);
            let timed = TimedAction {
                at_ms: aim.at_ms,
                action,
            };
            scenario.timeline.insert(position, timed);
            simulation.replace_timeline(scenario);
        }
    }));
}

/// A client message on its way at `acts_at_us` and not lost yet: of the kind and the clients
/// the aim asks for if there is one, else of the kind, else any.
fn pick_client_message(
    simulation: &Simulation,
    acts_at_us: u64,
    aim: &Aim,
    random: &mut Stream,
) -> Option<u64> {
    // Which client a message is of, and whether it is a reply; `None` for Raft's own.
    let client_of = |message: &InFlight| match &message.packet {
        Packet::Request(request) => Some((request.client_id, false)),
        Packet::Response(response) => Some((response.client_id, true)),
        Packet::Raft(_) => None,
    };
    let matching = |reply: bool, timeline_clients_only: bool| -> Vec<u64> {
        simulation
            .network()
            .in_flight()
            .filter(|message| message.lost.is_none() && message.arrive_us >= acts_at_us)
            .filter(|message| {
                client_of(message).is_some_and(|(client, is_reply)| {
                    is_reply == reply && (!timeline_clients_only || client >= FIRST_ACTION_CLIENT)
                })
            })
            .map(|message| message.id)
            .collect()
    };
    let preferences = [
        (aim.reply, aim.after_backup),
        (aim.reply, false),
        (!aim.reply, false),
    ];
    let candidates = preferences
        .into_iter()
        .map(|(reply, timeline_clients_only)| matching(reply, timeline_clients_only))
        .find(|candidates| !candidates.is_empty())?;
    Some(candidates[random.below(candidates.len() as u64) as usize])
}
