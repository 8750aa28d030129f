//! What the simulation lets people and tools see: a bounded trace of notable events, metrics,
//! coverage counters (did the run reach the interesting cases?), the state hash, the run
//! report of the `raft-sim run` contract, and how each node looks (`look_of`).

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::Simulation;
use super::rng::{fnv1a, mix};
use super::server::Status;
use crate::check::safety::{LogChange, ViolationKind};
use crate::raft::{NodeId, Payload, Role, Term};

/// Entries the trace keeps; older ones are dropped.
pub const TRACE_CAPACITY: usize = 2_000;
/// Commit latency samples kept for percentiles.
pub const LATENCY_SAMPLES: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TraceEvent {
    BecameLeader { term: Term },
    BecameCandidate { term: Term },
    BecamePreCandidate { term: Term },
    SteppedDown { term: Term },
    Crashed,
    Restarted,
    Paused,
    Resumed,
    Added,
    Snapshot { index: u64 },
    Backup { backup_id: u64, index: u64 },
    Action { index: usize, name: &'static str },
    AdminGaveUp,
    Violation(ViolationKind),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub at_us: u64,
    pub node: Option<NodeId>,
    pub event: TraceEvent,
}

#[derive(Clone, Debug, Default)]
pub struct Trace {
    entries: VecDeque<TraceEntry>,
}

impl Trace {
    pub fn push(&mut self, at_us: u64, node: Option<NodeId>, event: TraceEvent) {
        if self.entries.len() == TRACE_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(TraceEntry { at_us, node, event });
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TraceEntry> {
        self.entries.iter()
    }
}

/// Figures a person watches: elections, time without a leader, failover, commit latency.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    pub elections: u64,
    pub leaderless_us: u64,
    leaderless_since: Option<u64>,
    leader_lost_at: Option<u64>,
    /// Time from a leader's crash to the next leader, for each such failover.
    pub failovers_us: Vec<u64>,
    commit_latencies_us: VecDeque<u64>,
    pub committed_commands: u64,
    /// Samples for the page's charts, taken every `SAMPLE_EVERY_US` of virtual time.
    series: SampleSeries,
}

impl Metrics {
    pub fn record_commit_latency(&mut self, latency_us: u64) {
        if self.commit_latencies_us.len() == LATENCY_SAMPLES {
            self.commit_latencies_us.pop_front();
        }
        self.commit_latencies_us.push_back(latency_us);
        self.committed_commands += 1;
    }

    /// The `percent`-th percentile of recent commit latencies.
    pub fn commit_latency_percentile_us(&self, percent: u64) -> Option<u64> {
        if self.commit_latencies_us.is_empty() {
            return None;
        }
        let mut sorted: Vec<u64> = self.commit_latencies_us.iter().copied().collect();
        sort_u64(&mut sorted);
        let rank = ((sorted.len() as u64 - 1) * percent / 100) as usize;
        Some(sorted[rank])
    }

    pub fn leader_lost(&mut self, now_us: u64) {
        self.leader_lost_at.get_or_insert(now_us);
    }

    fn leader_elected(&mut self, now_us: u64) {
        self.elections += 1;
        if let Some(lost) = self.leader_lost_at.take() {
            self.failovers_us.push(now_us - lost);
        }
    }

    /// Time without a leader so far, counting the current stretch.
    pub fn leaderless_total_us(&self, now_us: u64) -> u64 {
        self.leaderless_us + self.leaderless_since.map_or(0, |since| now_us - since)
    }

    /// How many commit latencies the percentiles are taken over (the latest, at most
    /// `LATENCY_SAMPLES`).
    pub fn commit_latency_count(&self) -> usize {
        self.commit_latencies_us.len()
    }

    /// The latest `count` commit latencies, newest first.
    pub fn latest_commit_latencies_us(&self, count: usize) -> impl Iterator<Item = u64> + '_ {
        self.commit_latencies_us.iter().rev().take(count).copied()
    }

    /// Whether the series wants a sample at `now_us`. The driver asks after every event and,
    /// when it does, records [`MetricsSample::of`] the simulation with [`record_sample`].
    ///
    /// [`record_sample`]: Self::record_sample
    pub fn sample_due(&self, now_us: u64) -> bool {
        self.series.is_due(now_us)
    }

    pub fn record_sample(&mut self, sample: MetricsSample) {
        self.series.push(sample);
    }

    /// The samples so far (the most recent `SAMPLE_CAPACITY`), oldest first.
    pub fn samples(&self) -> &SampleSeries {
        &self.series
    }
}

/// How often the charts' series is sampled, in virtual time.
pub const SAMPLE_EVERY_US: u64 = 100_000;
/// Samples a series keeps: the last 30 s at the sampling rate.
pub const SAMPLE_CAPACITY: usize = 300;

/// The run at one moment, as the page's small charts plot it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetricsSample {
    pub at_us: u64,
    /// The live leader of the highest term, if any.
    pub leader: Option<NodeId>,
    /// The highest commit index of any running node.
    pub commit_index: u64,
    /// Client commands committed so far.
    pub committed_commands: u64,
    pub elections: u64,
    /// The median and the highest commit latency of the commands committed since the
    /// previous sample; `None` if none was.
    pub commit_latency_p50_us: Option<u64>,
    pub commit_latency_max_us: Option<u64>,
}

impl MetricsSample {
    /// The run as it stands; the latencies are those of the commands committed since
    /// `previous` (all the recent ones if there is no previous sample).
    pub fn of(simulation: &Simulation, previous: Option<&MetricsSample>) -> Self {
        let metrics = &simulation.metrics;
        let commit_index = simulation
            .servers()
            .filter(|server| server.is_up())
            .filter_map(|server| server.raft.as_ref().map(|raft| raft.commit_index()))
            .max()
            .unwrap_or(0);
        let new_commits = previous.map_or(LATENCY_SAMPLES as u64, |previous| {
            metrics
                .committed_commands
                .saturating_sub(previous.committed_commands)
        });
        let mut latencies: Vec<u64> = metrics
            .latest_commit_latencies_us(new_commits.min(LATENCY_SAMPLES as u64) as usize)
            .collect();
        sort_u64(&mut latencies);
        MetricsSample {
            at_us: simulation.now_us(),
            leader: simulation.leader(),
            commit_index,
            committed_commands: metrics.committed_commands,
            elections: metrics.elections,
            commit_latency_p50_us: latencies.get(latencies.len() / 2).copied(),
            commit_latency_max_us: latencies.last().copied(),
        }
    }
}

/// Samples at most one per `SAMPLE_EVERY_US` period, oldest first, at most `SAMPLE_CAPACITY`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SampleSeries {
    samples: VecDeque<MetricsSample>,
}

impl SampleSeries {
    /// Whether `now_us` falls in a later sampling period than the last sample.
    pub fn is_due(&self, now_us: u64) -> bool {
        self.samples
            .back()
            .is_none_or(|last| now_us / SAMPLE_EVERY_US > last.at_us / SAMPLE_EVERY_US)
    }

    pub fn push(&mut self, sample: MetricsSample) {
        debug_assert!(
            self.samples
                .back()
                .is_none_or(|last| last.at_us <= sample.at_us),
            "samples go forward in time"
        );
        if self.samples.len() == SAMPLE_CAPACITY {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    pub fn last(&self) -> Option<&MetricsSample> {
        self.samples.back()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &MetricsSample> + ExactSizeIterator {
        self.samples.iter()
    }
}

/// Did the run reach the cases that matter? A swarm batch that never does fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub split_votes: u64,
    pub follower_truncations: u64,
    pub earlier_term_commits: u64,
    pub install_snapshot_chunks: u64,
    pub pre_vote_rejections: u64,
    pub client_retries: u64,
    pub crashes: u64,
    pub leader_changes: u64,
    /// Copies of a coordinated backup compared with the first copy taken (a node that takes
    /// its copy again is compared again).
    pub backup_comparisons: u64,
}

impl Coverage {
    pub fn add(&mut self, other: &Coverage) {
        self.split_votes += other.split_votes;
        self.follower_truncations += other.follower_truncations;
        self.earlier_term_commits += other.earlier_term_commits;
        self.install_snapshot_chunks += other.install_snapshot_chunks;
        self.pre_vote_rejections += other.pre_vote_rejections;
        self.client_retries += other.client_retries;
        self.crashes += other.crashes;
        self.leader_changes += other.leader_changes;
        self.backup_comparisons += other.backup_comparisons;
    }
}

/// Sorts `values` ascending through the `(u64, u64)` sort the checkers already bring into the
/// page, so its wasm carries no second sort instantiated for `u64` (4 KB).
pub(crate) fn sort_u64(values: &mut [u64]) {
    let mut pairs: Vec<(u64, u64)> = values.iter().map(|&value| (value, 0)).collect();
    pairs.sort_unstable();
    for (value, (sorted, _)) in values.iter_mut().zip(pairs) {
        *value = sorted;
    }
}

/// Candidates and leaders elected, per term, to count split votes.
///
/// Counts as a pair of `u64`s: the page instantiates `BTreeMap<u64, (u64, u64)>` anyway (the
/// safety checker's books), where a map to `(u32, bool)` was wasm of its own.
#[derive(Clone, Debug, Default)]
pub struct TermBook {
    /// Per term: how many candidates stood, and how many times one became leader.
    terms: BTreeMap<Term, (u64, u64)>,
}

impl TermBook {
    fn candidate(&mut self, term: Term) {
        self.terms.entry(term).or_default().0 += 1;
    }

    fn leader(&mut self, term: Term) {
        self.terms.entry(term).or_default().1 += 1;
    }

    /// Terms before the latest with two or more candidates and no leader.
    pub fn split_votes(&self) -> u64 {
        let latest = self.terms.keys().next_back().copied().unwrap_or(0);
        self.terms
            .iter()
            .filter(|(term, (candidates, leaders))| {
                **term < latest && *candidates >= 2 && *leaders == 0
            })
            .count() as u64
    }
}

impl Simulation {
    /// After an input to `id`: notices role and term changes, log truncations and commits of
    /// earlier terms' entries, for the trace, the metrics and coverage.
    pub(super) fn notice_changes(&mut self, id: NodeId, change: LogChange) {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&id).expect("known node");
        let Some(raft) = server.raft.as_ref() else {
            return;
        };
        let (role, term) = (raft.role(), raft.current_term());
        if let Some(from) = change.from_index
            && from <= server.seen_last_index
            && role != Role::Leader
        {
            self.coverage.follower_truncations += 1;
        }
        let leader_committed = role == Role::Leader && raft.commit_index() > server.seen_commit;
        if leader_committed {
            let first_new = server.seen_commit + 1;
            if raft
                .log()
                .term_at(first_new)
                .is_some_and(|first_term| first_term < term)
            {
                self.coverage.earlier_term_commits += 1;
            }
        }
        server.seen_last_index = raft.log().last_index();
        server.seen_commit = raft.commit_index();
        if leader_committed {
            self.maybe_crash_point(id, self.scenario.config.crash_after_commit_ppm);
        }
        let server = self.servers.get_mut(&id).expect("known node");
        if (role, term) == (server.seen_role, server.seen_term) {
            return;
        }
        let was_leader = server.seen_role == Role::Leader;
        server.seen_role = role;
        server.seen_term = term;
        let event = match role {
            Role::Leader => {
                self.terms.leader(term);
                self.metrics.leader_elected(now_us);
                self.coverage.leader_changes += 1;
                TraceEvent::BecameLeader { term }
            }
            Role::Candidate => {
                self.terms.candidate(term);
                TraceEvent::BecameCandidate { term }
            }
            Role::PreCandidate => TraceEvent::BecamePreCandidate { term },
            Role::Follower if was_leader => TraceEvent::SteppedDown { term },
            Role::Follower => return,
        };
        self.trace.push(now_us, Some(id), event);
        if was_leader || role == Role::Leader {
            self.update_leaderless();
        }
    }

    /// Starts or ends a stretch without a leader.
    pub(super) fn update_leaderless(&mut self) {
        let has_leader = self.leader().is_some();
        match (has_leader, self.metrics.leaderless_since) {
            (false, None) => self.metrics.leaderless_since = Some(self.now_us),
            (true, Some(since)) => {
                self.metrics.leaderless_us += self.now_us - since;
                self.metrics.leaderless_since = None;
            }
            _ => {}
        }
    }

    /// The run's coverage, with split votes counted from the terms seen so far.
    pub fn coverage(&self) -> Coverage {
        Coverage {
            split_votes: self.terms.split_votes(),
            ..self.coverage
        }
    }

    /// A hash of everything that decides the rest of the run and everything it produced:
    /// every node's persisted and volatile state, the state machines, the messages in flight
    /// and the history. The same natively and in wasm.
    pub fn state_hash(&self) -> u64 {
        let mut hash = StableHasher::default();
        hash.u64(self.now_us);
        hash.u64(self.events_processed);
        for server in self.servers.values() {
            hash.u64(server.id);
            hash.u64(server.status as u64);
            hash.bytes(&postcard::to_allocvec(&server.disk.persisted).unwrap_or_default());
            if let Some(raft) = &server.raft {
                hash.u64(raft.current_term());
                hash.u64(raft.voted_for().unwrap_or(0));
                hash.u64(raft.commit_index());
                hash.u64(raft.applied_index());
                hash.u64(raft.role() as u64);
                hash.u64(raft.leader_id().unwrap_or(0));
                hash.u64(raft.log().snapshot_index());
                for entry in raft.log().entries() {
                    hash.u64(entry.index);
                    hash.u64(entry.term);
                    if let Payload::Command(data) = &entry.payload {
                        hash.bytes(data);
                    }
                }
                hash.bytes(&server.kv.snapshot_data());
            }
        }
        for message in self.network.in_flight() {
            hash.u64(message.id);
            hash.u64(message.arrive_us);
        }
        for op in self.history.ops() {
            hash.u64(op.id);
            hash.u64(op.invoke_us);
            hash.u64(op.complete_us.unwrap_or(u64::MAX));
            hash.bytes(format!("{:?}", op.outcome).as_bytes());
        }
        hash.finish()
    }

    /// The output object of `raft-sim run` (see ARCHITECTURE.md), for the current moment.
    pub fn report(&self, linearizable: Option<bool>) -> RunReport {
        let leader = self.leader();
        let term = self
            .servers
            .values()
            .filter_map(|server| server.raft.as_ref().map(|raft| raft.current_term()))
            .max()
            .unwrap_or(0);
        let configuration = self.configuration();
        RunReport {
            until_ms: self.now_us / 1_000,
            events: self.events_processed,
            state_hash: format!("{:016x}", self.state_hash()),
            leader,
            term,
            nodes: self
                .servers
                .values()
                .map(|server| self.node_report(server, &configuration))
                .collect(),
            history: HistoryReport {
                ok: self.history.summary().ok,
                failed: self.history.summary().failed,
                unknown: self.history.summary().unknown,
                linearizable,
            },
            violations: self
                .violations
                .iter()
                .map(|violation| ViolationReport {
                    kind: violation.kind.name(),
                    at_ms: violation.at_us / 1_000,
                    detail: violation.detail.clone(),
                })
                .collect(),
        }
    }

    fn node_report(
        &self,
        server: &super::server::Server,
        configuration: &crate::raft::Membership,
    ) -> NodeReport {
        let raft = server.raft.as_ref();
        let disk = &server.disk.persisted;
        NodeReport {
            id: server.id,
            // As the page draws it.
            role: look_of(server, configuration).name(),
            term: raft.map_or(disk.hard_state.current_term, |raft| raft.current_term()),
            commit_index: raft.map_or(0, |raft| raft.commit_index()),
            last_applied: server.kv.last_applied(),
            // A down node's log is the one on its disk, which it restarts with.
            log_start: raft.map_or(disk.snapshot.last_included_index + 1, |raft| {
                raft.log().first_index()
            }),
            last_index: raft.map_or(
                disk.entries
                    .last()
                    .map_or(disk.snapshot.last_included_index, |entry| entry.index),
                |raft| raft.log().last_index(),
            ),
            up: server.status != Status::Down,
            kv: server.kv.data().clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub until_ms: u64,
    pub events: u64,
    pub state_hash: String,
    pub leader: Option<NodeId>,
    pub term: Term,
    pub nodes: Vec<NodeReport>,
    pub history: HistoryReport,
    pub violations: Vec<ViolationReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeReport {
    pub id: NodeId,
    pub role: &'static str,
    pub term: Term,
    pub commit_index: u64,
    pub last_applied: u64,
    pub log_start: u64,
    pub last_index: u64,
    pub up: bool,
    pub kv: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryReport {
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    /// `None` until the history has been checked.
    pub linearizable: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViolationReport {
    pub kind: &'static str,
    pub at_ms: u64,
    pub detail: String,
}

/// What a node looks like: one answer for the page's drawings and panels and for the run
/// report's `role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeLook {
    Follower,
    PreCandidate,
    Candidate,
    Leader,
    Learner,
    Down,
    Paused,
    /// No longer in the cluster (removed by a membership change).
    Removed,
}

impl NodeLook {
    pub const ALL: [NodeLook; 8] = [
        NodeLook::Follower,
        NodeLook::PreCandidate,
        NodeLook::Candidate,
        NodeLook::Leader,
        NodeLook::Learner,
        NodeLook::Down,
        NodeLook::Paused,
        NodeLook::Removed,
    ];

    /// In words, as the page labels it.
    pub fn label(self) -> &'static str {
        match self {
            NodeLook::Follower => "follower",
            NodeLook::PreCandidate => "pre-candidate",
            NodeLook::Candidate => "candidate",
            NodeLook::Leader => "leader",
            NodeLook::Learner => "learner",
            NodeLook::Down => "down",
            NodeLook::Paused => "paused",
            NodeLook::Removed => "removed",
        }
    }

    /// As `raft-sim run` reports it (see ARCHITECTURE.md): the label, in snake case.
    pub fn name(self) -> &'static str {
        match self {
            NodeLook::PreCandidate => "pre_candidate",
            look => look.label(),
        }
    }
}

/// How a node looks, everywhere the page draws it and in the run report: down or paused, else
/// its role, or removed when `members` (the cluster's latest configuration) no longer has it.
/// A node in no configuration at all yet (just added, not yet proposed by a leader) is a
/// learner-to-be.
pub fn look_of(
    server: &super::server::Server,
    configuration: &crate::raft::Membership,
) -> NodeLook {
    let raft = match (server.status, server.raft.as_ref()) {
        (Status::Down, _) | (_, None) => return NodeLook::Down,
        (Status::Paused, _) => return NodeLook::Paused,
        (Status::Up, Some(raft)) => raft,
    };
    // A leader that removes itself goes on leading until the configuration without it
    // commits and it has handed leadership on (thesis §4.2.2, §3.10): until then it is the
    // cluster's leader.
    if raft.role() == Role::Leader {
        return NodeLook::Leader;
    }
    if !configuration.contains(server.id) {
        // Out of the latest configuration: removed once it has been in one; a node in none
        // yet (just added, before a leader proposed it) is joining.
        return if raft.membership().is_empty() {
            NodeLook::Learner
        } else {
            NodeLook::Removed
        };
    }
    // The cluster's view, not the node's: a new node learns it is a learner (and a learner
    // that it was promoted) only when the leader's entries reach it.
    if configuration.is_learner(server.id) {
        return NodeLook::Learner;
    }
    match raft.role() {
        Role::Follower => NodeLook::Follower,
        Role::PreCandidate => NodeLook::PreCandidate,
        Role::Candidate => NodeLook::Candidate,
        Role::Leader => NodeLook::Leader,
    }
}

/// A hasher whose output never depends on the platform or the Rust version.
#[derive(Default)]
struct StableHasher(u64);

impl StableHasher {
    fn u64(&mut self, value: u64) {
        self.0 = mix(self.0.rotate_left(9) ^ value);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.u64(fnv1a(bytes));
    }

    fn finish(&self) -> u64 {
        mix(self.0)
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    fn at(at_us: u64) -> MetricsSample {
        MetricsSample {
            at_us,
            ..MetricsSample::default()
        }
    }

    #[test]
    fn a_series_samples_once_per_period_and_stays_bounded() {
        let mut series = SampleSeries::default();
        assert!(series.is_due(0));
        series.push(at(0));
        assert!(!series.is_due(SAMPLE_EVERY_US - 1), "same period");
        assert!(series.is_due(SAMPLE_EVERY_US));
        for period in 1..(SAMPLE_CAPACITY as u64 + 10) {
            series.push(at(period * SAMPLE_EVERY_US + 7));
        }
        assert_eq!(series.iter().len(), SAMPLE_CAPACITY);
        assert_eq!(
            series.iter().next().unwrap().at_us,
            10 * SAMPLE_EVERY_US + 7
        );
    }

    #[test]
    fn time_without_a_leader_counts_the_first_election() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 9, "nodes": 3, "until_ms": 3000}"#,
        );
        while simulation.leader().is_none() {
            assert!(simulation.step());
        }
        let elected_us = simulation.now_us();
        assert!(elected_us > 0);
        simulation.run();
        assert!(simulation.leader().is_some(), "no failover in this run");
        assert_eq!(
            simulation.metrics.leaderless_total_us(simulation.now_us()),
            elected_us
        );
    }

    /// A paused leader leads no one: time without a leader runs from the pause to the next
    /// election, as from a crash.
    #[test]
    fn time_without_a_leader_counts_a_paused_leader() {
        let json = r#"{"format": 1, "seed": 9, "nodes": 3, "until_ms": 4000}"#;
        let mut simulation = crate::sim::test_simulation(json);
        simulation.run_until(1_000_000);
        let leader = simulation.leader().expect("a leader by 1 s");
        let before = simulation.metrics.leaderless_total_us(simulation.now_us());
        let mut scenario = simulation.scenario().clone();
        scenario.timeline.push(crate::scenario::TimedAction {
            at_ms: 1_000,
            action: crate::scenario::Action::Pause { node: leader },
        });
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(1_000_000);
        assert_eq!(simulation.leader(), None);
        while simulation.leader().is_none() {
            assert!(simulation.step());
        }
        let elected_us = simulation.now_us();
        assert_eq!(
            simulation.metrics.leaderless_total_us(elected_us),
            before + elected_us - 1_000_000
        );
    }

    #[test]
    fn a_sample_reads_the_real_run() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 9, "nodes": 3, "workload": {"writes_per_sec": 20}, "until_ms": 3000}"#,
        );
        simulation.run();
        let sample = MetricsSample::of(&simulation, None);
        assert_eq!(sample.at_us, 3_000_000);
        assert_eq!(sample.leader, simulation.leader());
        assert!(sample.commit_index > 0 && sample.committed_commands > 0);
        assert!(sample.commit_latency_p50_us <= sample.commit_latency_max_us);
        let later = MetricsSample::of(&simulation, Some(&sample));
        assert_eq!(later.commit_latency_max_us, None, "nothing committed since");
    }

    #[test]
    fn a_new_node_looks_a_learner_as_soon_as_the_leader_adds_it_and_a_removed_one_removed() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 6000, "timeline": [
                {"at_ms": 2000, "do": "add_node"}, {"at_ms": 4000, "do": "remove_node", "node": 3}]}"#,
        );
        let look = |simulation: &Simulation, id| {
            look_of(simulation.server(id).unwrap(), &simulation.configuration())
        };
        // The moment the leader holds the new configuration, before node 4 has heard of it:
        // its own view is empty (it would look like a follower by that view).
        let mut seen_learner_before_it_knew = false;
        while simulation.step() {
            let Some(new) = simulation.server(4).and_then(|server| server.raft.as_ref()) else {
                continue;
            };
            if simulation.configuration().is_learner(4) && new.membership().is_empty() {
                assert_eq!(look(&simulation, 4), NodeLook::Learner);
                seen_learner_before_it_knew = true;
                break;
            }
        }
        assert!(seen_learner_before_it_knew);
        simulation.run();
        assert!(
            simulation.configuration().is_voter(4),
            "promoted once caught up"
        );
        assert_eq!(look(&simulation, 3), NodeLook::Removed);
        assert_ne!(look(&simulation, 4), NodeLook::Learner);
    }

    #[test]
    fn a_down_nodes_report_shows_the_log_on_its_disk() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 9, "nodes": 3, "workload": {"writes_per_sec": 20},
                "timeline": [{"at_ms": 2000, "do": "crash", "node": 2}], "until_ms": 2500}"#,
        );
        simulation.run_until(1_999_000);
        let up = simulation.report(None).nodes[1].clone();
        assert!(up.up && up.last_index > 5, "{up:?}");
        simulation.run();
        let down = simulation.report(None).nodes[1].clone();
        assert!(!down.up);
        assert_eq!(down.log_start, 1, "no snapshot: the log starts at 1");
        // What it persisted before the crash: the entry still being written is lost.
        assert!(
            down.last_index > 5 && down.last_index <= up.last_index + 2,
            "{down:?} after {up:?}"
        );
        assert_eq!(down.commit_index, 0, "the commit index is volatile");
    }

    #[test]
    fn a_leader_removing_itself_looks_the_leader_until_it_steps_down() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 6000, "timeline": [
                {"at_ms": 3000, "do": "remove_node", "node": 1}]}"#,
        );
        simulation.run_until(2_999_000);
        assert_eq!(simulation.leader(), Some(1), "seed 4 elects S1");
        let look = |simulation: &Simulation| {
            look_of(simulation.server(1).unwrap(), &simulation.configuration())
        };
        let mut leading_while_leaving = 0;
        while simulation.step() {
            let leaving = !simulation.configuration().contains(1);
            match simulation.leader() {
                Some(1) if leaving => {
                    assert_eq!(look(&simulation), NodeLook::Leader);
                    leading_while_leaving += 1;
                }
                _ if leaving && leading_while_leaving > 0 => break,
                _ => {}
            }
        }
        assert!(leading_while_leaving > 0, "S1 led with the change pending");
        assert_eq!(
            look(&simulation),
            NodeLook::Removed,
            "and stepped down once it committed"
        );
    }
}
