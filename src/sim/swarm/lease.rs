//! The swarm aimed at leader leases (thesis §6.4.1). A lease read is safe only while every
//! promise behind it holds: followers that heard from the leader within the minimum election
//! timeout vote for no one, themselves included; only the leader's own TimeoutNow overrides
//! that, so a leader that sent one stops trusting its lease; and the lease is shortened for the
//! clocks' drift. Random faults almost never line up within the few milliseconds that test
//! these promises, so this focus builds its timeline from episodes, each a shape that would
//! break one of them, with timings, victims and variants drawn from the seed:
//!
//! - a follower inside the lease is forced to time out just as the leader is cut off, after a
//!   minority stopped hearing the leader (so that a vote for the follower would win);
//! - a transfer whose target is paused, or behind a link slower than an election timeout, so
//!   its TimeoutNow arrives after the transfer was given up;
//! - a leader cut off one way or both, its clock slow and the others' fast within the bound.
//!
//! Each episode first hands leadership to its victim (the timeline is fixed before the run,
//! so it cannot ask who leads), then writes through the node that may take over and reads
//! under the old leader's lease. Behind the episodes run fewer of the broad swarm's faults,
//! and latency raises. The heal and the liveness phase are the broad swarm's.

use super::{FAULTS, Fault, SwarmOptions, Timeline, assemble, crash_rate_ppm};
use crate::raft::{Bugs, NodeId};
use crate::scenario::{Action, ReadKind, Scenario, ScenarioConfig, Workload};
use crate::sim::rng::Stream;

/// The shapes an episode may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attack {
    CampaignInsideLease,
    LateTimeoutNow,
    IsolatedLeader,
}

const ATTACKS: [Attack; 3] = [
    Attack::CampaignInsideLease,
    Attack::LateTimeoutNow,
    Attack::IsolatedLeader,
];

/// How an episode cuts its leader off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isolation {
    /// A partition with the leader alone: nothing in or out, messages on the wire lost.
    Alone,
    /// The leader hears no one, and is still heard: followers stay inside its lease.
    Deaf,
    /// The leader is heard by no one, and still hears: followers' leases run out.
    Mute,
}

/// The lease-focused scenario seed `seed` stands for.
pub(super) fn generate(seed: u64, options: &SwarmOptions) -> Scenario {
    // A stream of its own: a lease seed is not the broad seed of the same number.
    let mut random = Stream::new(seed, "swarm-lease");
    let nodes = options.nodes.unwrap_or(*random.pick(&[3, 3, 5, 5, 7]));
    let config = generate_config(&mut random, options.bugs);
    let workload = generate_workload(&mut random);
    let safety_ms = random.between(4_000, 12_000);
    let mut plan = Plan::new(u64::from(nodes), &config, workload.keys);
    plan.episodes(safety_ms, &mut random);
    background(&mut plan.timeline, safety_ms, &config, &mut random);
    assemble(seed, nodes, config, workload, plan.timeline, safety_ms)
}

fn generate_config(random: &mut Stream, bugs: Bugs) -> ScenarioConfig {
    // Latencies short next to the election timeout: a takeover and a write must fit inside
    // what is left of a lease for any of the episodes to threaten it.
    let election_min = *random.pick(&[100, 150, 150, 300, 300]);
    let latency_low = random.between(1, 5);
    let crash_points = random.below(8) == 0;
    ScenarioConfig {
        election_timeout_ms: (election_min, election_min * 2),
        heartbeat_ms: election_min / random.between(3, 6),
        latency_ms: (latency_low, latency_low + random.between(0, 10)),
        loss_ppm: 0,
        duplicate_ppm: 0,
        disk_ms: (random.between(0, 1), random.between(1, 3)),
        snapshot_every: *random.pick(&[0, 20, 100]),
        pre_vote: random.below(4) != 0,
        // A leader serves no lease read without check-quorum (thesis §6.4.1).
        check_quorum: true,
        // Wider bounds than the broad swarm's: the episodes drift clocks up to the bound, and
        // the lease must still be short enough.
        clock_drift_bound_ppm: *random.pick(&[50_000, 100_000, 200_000]),
        bugs,
        crash_after_vote_ppm: crash_rate_ppm(random, crash_points, 20_000, 200_000),
        crash_after_commit_ppm: crash_rate_ppm(random, crash_points, 5_000, 50_000),
        crash_restart_ms: (50, 1_000),
        check_liveness_from_ms: None,
    }
}

fn generate_workload(random: &mut Stream) -> Workload {
    Workload {
        writes_per_sec: random.between(5, 40) as u32,
        reads_per_sec: random.between(10, 60) as u32,
        // Few keys, so the workload's reads and the episodes' probes meet on the same ones.
        keys: random.between(1, 3) as u32,
        cas_percent: random.between(0, 30) as u8,
        // Some seeds confirm every read: the same faults must not break ReadIndex either.
        read: if random.below(4) == 0 {
            ReadKind::ReadIndex
        } else {
            ReadKind::Lease
        },
    }
}

/// Behind the episodes: each broad fault on in one seed out of four, a few times, and latency
/// raises in one seed out of two.
fn background(
    timeline: &mut Timeline,
    safety_ms: u64,
    config: &ScenarioConfig,
    random: &mut Stream,
) {
    // The broad swarm's faults, all but membership changes: they would hold the episodes'
    // transfers back in the leader's queue and remove their victims.
    for fault in FAULTS
        .into_iter()
        .filter(|&fault| fault != Fault::Membership)
    {
        if random.below(4) == 0 {
            for _ in 0..random.between(1, 3) {
                let at_ms = random.between(100, safety_ms - 1);
                timeline.fault(fault, at_ms, safety_ms, config, random);
            }
        }
    }
    if random.below(2) == 0 {
        for _ in 0..random.between(1, 4) {
            let at_ms = random.between(100, safety_ms - 1);
            raise_latency(timeline, at_ms, safety_ms, config, random);
        }
    }
}

/// Every message slows down for a while, then the configured latency is back. The raise stays
/// within a quarter of an election timeout, so leaders can still be elected and leases renewed,
/// but a lease's margin over a takeover shrinks.
fn raise_latency(
    timeline: &mut Timeline,
    at_ms: u64,
    safety_ms: u64,
    config: &ScenarioConfig,
    random: &mut Stream,
) {
    let (low, high) = config.latency_ms;
    let quarter = config.election_timeout_ms.0 / 4;
    let raised_low = random.between(low, high + quarter);
    let raised = (raised_low, raised_low + random.between(0, quarter));
    let until_ms = (at_ms + random.between(50, 2_000)).min(safety_ms - 1);
    timeline.push(at_ms, latency_action(raised));
    timeline.push(until_ms, latency_action(config.latency_ms));
}

fn latency_action(latency_ms: (u64, u64)) -> Action {
    Action::Network {
        loss_ppm: None,
        duplicate_ppm: None,
        latency_ms: Some(latency_ms),
    }
}

/// A timeline of episodes under construction, with the timing they are planned by.
struct Plan {
    timeline: Timeline,
    nodes: u64,
    election_min_ms: u64,
    heartbeat_ms: u64,
    /// One step of an election or a commit: a message's mean latency and the longest disk
    /// write. Probes are timed in steps, so that they land around a takeover's end.
    step_ms: u64,
    drift_bound_ppm: u64,
    keys: u64,
    /// Probe writes so far, so that each writes a value of its own.
    writes: u64,
}

impl Plan {
    fn new(nodes: u64, config: &ScenarioConfig, keys: u32) -> Self {
        Plan {
            timeline: Timeline::new(nodes),
            nodes,
            election_min_ms: config.election_timeout_ms.0,
            heartbeat_ms: config.heartbeat_ms,
            step_ms: (config.latency_ms.0 + config.latency_ms.1) / 2 + config.disk_ms.1,
            drift_bound_ppm: config.clock_drift_bound_ppm,
            keys: u64::from(keys),
            writes: 0,
        }
    }

    /// Episodes one after another, each of a shape the seed turned on, while they end before
    /// the safety phase does (an action after it would undo the heal).
    fn episodes(&mut self, safety_ms: u64, random: &mut Stream) {
        // Every shape needs a leader, a follower, and someone else to make a majority with.
        if self.nodes < 3 {
            return;
        }
        let mut attacks: Vec<Attack> = ATTACKS
            .into_iter()
            .filter(|_| random.below(3) != 0)
            .collect();
        if attacks.is_empty() {
            attacks.push(*random.pick(&ATTACKS));
        }
        let mut at_ms = random.between(100, 500);
        loop {
            let planned = self.timeline.actions.len();
            let end_ms = match *random.pick(&attacks) {
                Attack::CampaignInsideLease => self.campaign_inside_lease(at_ms, random),
                Attack::LateTimeoutNow => self.late_timeout_now(at_ms, random),
                Attack::IsolatedLeader => self.isolated_leader(at_ms, random),
            };
            if end_ms >= safety_ms {
                self.timeline.actions.truncate(planned);
                return;
            }
            at_ms = end_ms + random.between(0, self.election_min_ms);
        }
    }

    /// A follower inside the lease is made to time out just as the leader is cut off: it must
    /// refuse, since its timer could not have fired yet. A minority of followers stopped
    /// hearing the leader an election timeout earlier, so they are out of the lease and would
    /// vote for it; the leader's lease rests on the others, the forced follower among them.
    fn campaign_inside_lease(&mut self, at_ms: u64, random: &mut Stream) -> u64 {
        let (leader, follower) = self.two_nodes(at_ms, random);
        let start_ms = self.begin(at_ms, leader, random);
        for outsider in self.outsiders(leader, follower, random) {
            self.timeline.push(
                start_ms,
                Action::Cut {
                    from: leader,
                    to: outsider,
                },
            );
        }
        // The outsiders' promise lasts an election timeout on their clocks, slow ones too.
        let election_min = self.election_min_ms;
        let strike_ms = start_ms
            + self.on_slow_clock(election_min)
            + random.between(election_min / 10, election_min / 2);
        let isolation = *random.pick(&[Isolation::Alone, Isolation::Deaf]);
        self.isolate(strike_ms, leader, isolation);
        // The follower heard the leader at most a heartbeat ago: well inside the lease.
        let timeout_ms = strike_ms + random.between(0, self.heartbeat_ms / 2);
        self.timeline
            .push(timeout_ms, Action::Timeout { node: follower });
        self.probe(timeout_ms, follower, leader, random)
    }

    /// Leadership is handed to a node that cannot act on it in time: paused, or behind a link
    /// slower than an election timeout. The leader gives the transfer up and goes on leading,
    /// and then the TimeoutNow arrives: its target campaigns with votes that override the
    /// followers' leases (thesis §3.10), so the leader must not trust its lease again.
    fn late_timeout_now(&mut self, at_ms: u64, random: &mut Stream) -> u64 {
        let (leader, target) = self.two_nodes(at_ms, random);
        let start_ms = self.begin(at_ms, leader, random);
        // Right away, so the target is still caught up and TimeoutNow goes out at once.
        let transfer_ms = start_ms + random.between(0, 2);
        // The transfer is given up an election timeout later on the leader's clock.
        let given_up_ms = transfer_ms + self.on_slow_clock(self.election_min_ms) + 1;
        let arrival_ms = if random.below(2) == 0 {
            // The TimeoutNow waits in the paused target's inbox until it resumes.
            self.timeline.push(start_ms, Action::Pause { node: target });
            self.timeline
                .push(transfer_ms, Action::TransferLeader { to: target });
            let resume_ms = given_up_ms + random.between(0, self.election_min_ms / 2);
            let isolation = *random.pick(&[Isolation::Alone, Isolation::Deaf]);
            self.isolate(resume_ms, leader, isolation);
            self.timeline
                .push(resume_ms, Action::Resume { node: target });
            resume_ms
        } else {
            // The TimeoutNow is still on the wire when the transfer is given up.
            let late_ms = random.between(2, self.election_min_ms);
            let extra_ms = given_up_ms - transfer_ms + late_ms;
            self.timeline.push(
                start_ms,
                Action::SlowLink {
                    from: leader,
                    to: target,
                    extra_ms,
                },
            );
            self.timeline
                .push(transfer_ms, Action::TransferLeader { to: target });
            let arrival_ms = transfer_ms + extra_ms;
            // Shortly before it lands; a partition would lose it on the wire, so only the
            // leader's ears are cut.
            let deaf_ms = arrival_ms - random.between(1, late_ms.min(self.election_min_ms / 4));
            self.isolate(deaf_ms, leader, Isolation::Deaf);
            arrival_ms
        };
        self.probe(arrival_ms, target, leader, random)
    }

    /// The leader is cut off — unheard, deaf, or both — while clients write elsewhere and read
    /// under its lease: the lease must run out before anyone else can be elected, however the
    /// clocks drift within their bound. A follower is made to time out as soon as its own
    /// promise may have run out on a fast clock, the earliest a timer of its could fire.
    fn isolated_leader(&mut self, at_ms: u64, random: &mut Stream) -> u64 {
        let (leader, follower) = self.two_nodes(at_ms, random);
        let start_ms = self.begin(at_ms, leader, random);
        let isolation = *random.pick(&[Isolation::Alone, Isolation::Deaf, Isolation::Mute]);
        self.isolate(start_ms, leader, isolation);
        let timeout_ms = start_ms
            + self.on_fast_clock(self.election_min_ms)
            + random.between(0, self.heartbeat_ms / 2);
        self.timeline
            .push(timeout_ms, Action::Timeout { node: follower });
        self.probe(timeout_ms, follower, leader, random)
    }

    /// Starts an episode around `leader`: leadership is handed to it (nothing happens if it
    /// leads already), and once that has settled, clocks may be skewed against its lease.
    /// Returns when the episode's faults may begin.
    fn begin(&mut self, at_ms: u64, leader: NodeId, random: &mut Stream) -> u64 {
        self.timeline
            .push(at_ms, Action::TransferLeader { to: leader });
        let election_min = self.election_min_ms;
        let settled_ms = at_ms + random.between(election_min / 2, 2 * election_min);
        if random.below(2) == 0 {
            self.skew_clocks(settled_ms, leader, random);
        }
        settled_ms
    }

    /// The leader's clock slow and everyone else's fast, within the bound the lease allows
    /// for: the case its margin exists for.
    fn skew_clocks(&mut self, at_ms: u64, leader: NodeId, random: &mut Stream) {
        let bound = self.drift_bound_ppm;
        let ppm = if random.below(2) == 0 {
            bound
        } else {
            random.between(bound / 2, bound)
        } as i32;
        for node in 1..=self.nodes {
            let ppm = if node == leader { -ppm } else { ppm };
            self.timeline.push(at_ms, Action::Drift { node, ppm });
        }
    }

    fn isolate(&mut self, at_ms: u64, leader: NodeId, isolation: Isolation) {
        let others: Vec<NodeId> = (1..=self.nodes).filter(|&node| node != leader).collect();
        if isolation == Isolation::Alone {
            let groups = vec![vec![leader], others];
            self.timeline.push(at_ms, Action::Partition { groups });
            return;
        }
        for other in others {
            let (from, to) = match isolation {
                Isolation::Deaf => (other, leader),
                _ => (leader, other),
            };
            self.timeline.push(at_ms, Action::Cut { from, to });
        }
    }

    /// Writes through the node that may have taken over, then reads the same key under the old
    /// leader's lease: a read that starts after the write was acknowledged must see it. Then
    /// everything heals; returns when.
    fn probe(
        &mut self,
        from_ms: u64,
        new_leader: NodeId,
        old_leader: NodeId,
        random: &mut Stream,
    ) -> u64 {
        let step = self.step_ms.max(1);
        let key = format!("k{}", random.below(self.keys));
        self.writes += 1;
        let write_ms = from_ms + random.between(3 * step, 7 * step);
        self.timeline.push(
            write_ms,
            Action::Put {
                key: key.clone(),
                value: format!("lease.{}", self.writes),
                via: Some(new_leader),
            },
        );
        let mut read_ms = write_ms;
        for _ in 0..random.between(1, 3) {
            read_ms += random.between(2 * step, 5 * step);
            self.timeline.push(
                read_ms,
                Action::Get {
                    key: key.clone(),
                    via: Some(old_leader),
                    read: ReadKind::Lease,
                },
            );
        }
        let heal_ms = read_ms + random.between(step, self.election_min_ms);
        self.timeline.push(heal_ms, Action::Heal);
        heal_ms
    }

    /// The episode's leader and one other node.
    fn two_nodes(&self, at_ms: u64, random: &mut Stream) -> (NodeId, NodeId) {
        let leader = self.timeline.any_node(at_ms, random);
        let other = 1 + (leader - 1 + random.between(1, self.nodes - 1)) % self.nodes;
        (leader, other)
    }

    /// As many followers as a majority can do without, other than `follower`: cut off from
    /// the leader, they and `follower` make a majority, and the rest with the leader another.
    fn outsiders(&self, leader: NodeId, follower: NodeId, random: &mut Stream) -> Vec<NodeId> {
        let majority = self.nodes / 2 + 1;
        let mut rest: Vec<NodeId> = (1..=self.nodes)
            .filter(|&node| node != leader && node != follower)
            .collect();
        let mut outsiders = Vec::new();
        while outsiders.len() as u64 + majority < self.nodes {
            let index = random.below(rest.len() as u64) as usize;
            outsiders.push(rest.swap_remove(index));
        }
        outsiders
    }

    /// The longest real time `ms` can take on a clock within the drift bound: on a slow one.
    fn on_slow_clock(&self, ms: u64) -> u64 {
        (ms * 1_000_000).div_ceil(1_000_000 - self.drift_bound_ppm)
    }

    /// The shortest: on a fast one.
    fn on_fast_clock(&self, ms: u64) -> u64 {
        ms * 1_000_000 / (1_000_000 + self.drift_bound_ppm)
    }
}
