//! The deterministic cluster simulator: a whole cluster of Raft nodes, their disks, a network
//! and clients, run in virtual time from one seed and a timeline of actions.
//!
//! Events are ordered by (virtual time in µs, sequence number); every random choice comes from
//! a stream derived from the scenario's seed. So a scenario always gives the same run, natively
//! and in the browser. After every event the safety checker looks at the node that changed,
//! and the run halts at the first violation.
//!
//! Layout: `mod.rs` holds the simulation and its event loop; `drive` feeds nodes their inputs
//! and carries out their outputs; `actions` performs timeline actions; `observe` keeps the
//! trace, metrics and coverage, and writes the run report; the rest are the parts (network,
//! disk, clock, clients, history, event queue, random streams).

mod actions;
pub mod clients;
pub mod clock;
pub mod disk;
mod drive;
pub mod events;
pub mod history;
pub mod liveness;
pub mod network;
pub mod observe;
pub mod rng;
pub mod server;
pub mod swarm;
pub mod time_travel;

use std::collections::VecDeque;

use litemap::LiteMap;

use crate::check::safety::{SafetyChecker, Violation};
use crate::kv::{self, Store};
use crate::raft::{self, Membership, NodeId, PersistentState, Role, Snapshot};
use crate::scenario::Scenario;
use clients::Client;
use events::{Event, EventQueue};
use history::History;
use network::{Network, NetworkConfig};
use observe::{Coverage, Metrics, Trace};
use rng::Streams;
use server::{Server, Servers, Status};

/// A bound on events per run, so no scenario can run forever.
pub const MAX_EVENTS: u64 = 50_000_000;

#[derive(Clone, Debug)]
pub struct Simulation {
    scenario: Scenario,
    raft_config: raft::Config,
    now_us: u64,
    events: EventQueue,
    streams: Streams,
    network: Network,
    servers: Servers,
    clients: LiteMap<u64, Client>,
    history: History,
    checker: SafetyChecker,
    violations: Vec<Violation>,
    /// Whether to stop at the first violation (the default: after one, nothing is certain).
    halt_on_violation: bool,
    events_processed: u64,
    /// The run stops after this many events: `MAX_EVENTS`, unless a test lowers it.
    event_limit: u64,
    /// The time of the last event, and how many events have run from the start of its
    /// millisecond up to it: how a link names a moment inside a millisecond ([`Self::moment`]).
    last_event_us: u64,
    events_in_its_ms: u32,
    /// The index of the next timeline action to perform.
    next_action: usize,
    /// What every member must have applied by the second liveness check.
    liveness_target: Option<crate::raft::Index>,
    /// Crash points fire until the liveness phase heals everything.
    crash_points_on: bool,
    /// Membership changes and transfers waiting for a leader to accept them.
    admin: VecDeque<actions::AdminRequest>,
    /// Each backup's copies, by backup id. A sorted `Vec` (`LiteMap`): a run takes a few
    /// backups, and a B-tree of them was wasm of its own.
    backups: LiteMap<u64, Vec<actions::BackupCopy>>,
    next_backup_id: u64,
    pub trace: Trace,
    pub metrics: Metrics,
    coverage: Coverage,
    terms: observe::TermBook,
}

/// A simulation of the scenario `json` at its start, for tests across the crate.
#[cfg(test)]
pub(crate) fn test_simulation(json: &str) -> Simulation {
    Simulation::new(&Scenario::from_json(json).expect("a test's scenario is valid JSON"))
}

/// The network as the scenario configures it, before any `network` action.
fn network_config_of(config: &crate::scenario::ScenarioConfig) -> NetworkConfig {
    NetworkConfig {
        latency_us: (config.latency_ms.0 * 1_000, config.latency_ms.1 * 1_000),
        loss_ppm: config.loss_ppm,
        duplicate_ppm: config.duplicate_ppm,
    }
}

impl Simulation {
    /// Builds the cluster of a scenario at time 0: every node booted, the workload's clients
    /// and the first timeline action scheduled.
    pub fn new(scenario: &Scenario) -> Self {
        let raft_config = scenario.config.raft_config();
        let network = Network::new(network_config_of(&scenario.config));
        let mut simulation = Simulation {
            scenario: scenario.clone(),
            raft_config,
            now_us: 0,
            events: EventQueue::default(),
            streams: Streams::new(scenario.seed),
            network,
            servers: Servers::default(),
            clients: LiteMap::new(),
            history: History::default(),
            checker: SafetyChecker::default(),
            violations: Vec::new(),
            halt_on_violation: true,
            events_processed: 0,
            event_limit: MAX_EVENTS,
            last_event_us: 0,
            events_in_its_ms: 0,
            next_action: 0,
            liveness_target: None,
            crash_points_on: true,
            admin: VecDeque::new(),
            backups: LiteMap::new(),
            next_backup_id: 1,
            trace: Trace::default(),
            metrics: Metrics::default(),
            coverage: Coverage::default(),
            terms: observe::TermBook::default(),
        };
        let disk = simulation.initial_disk();
        for id in 1..=u64::from(scenario.nodes) {
            simulation.servers.push(Server::new(id, disk.clone(), 0));
            simulation.start_node(id);
        }
        // A cluster starts without a leader: the first election counts as time without one.
        simulation.update_leaderless();
        simulation.start_workload();
        if let Some(first) = simulation.scenario.timeline.first() {
            simulation
                .events
                .schedule(first.at_ms * 1_000, Event::Action { index: 0 });
        }
        if let Some(from_ms) = simulation.scenario.config.check_liveness_from_ms {
            simulation
                .events
                .schedule(from_ms * 1_000, Event::LivenessCheck { stage: 0 });
        }
        simulation
    }

    /// What every initial node has on disk: an empty log, or the scenario's backup.
    fn initial_disk(&self) -> PersistentState {
        let membership = Membership::with_voters(u64::from(self.scenario.nodes));
        match &self.scenario.restore {
            None => PersistentState::bootstrap(membership, Store::new().snapshot_data()),
            Some(restore) => {
                let store = Store::from_data(restore.kv.clone(), restore.index);
                let mut disk =
                    PersistentState::bootstrap(membership.clone(), store.snapshot_data());
                disk.hard_state.current_term = restore.term;
                disk.snapshot = Snapshot {
                    last_included_index: restore.index,
                    last_included_term: restore.term,
                    membership,
                    data: store.snapshot_data(),
                };
                disk
            }
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// When the next event is due, if any is.
    pub fn next_event_us(&self) -> Option<u64> {
        self.events.peek_time()
    }

    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    pub fn servers(&self) -> impl Iterator<Item = &Server> {
        self.servers.values()
    }

    pub fn server(&self, id: NodeId) -> Option<&Server> {
        self.servers.get(&id)
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// The operations the linearizability checker judges, from the backup's values if the run
    /// was restored from one (`linearizability::with_restored`).
    pub fn linearizability_history(&self) -> Vec<crate::check::linearizability::Operation> {
        let operations = self.history.for_linearizability();
        match &self.scenario.restore {
            Some(restore) => crate::check::linearizability::with_restored(&restore.kv, operations),
            None => operations,
        }
    }

    pub fn checker(&self) -> &SafetyChecker {
        &self.checker
    }

    /// A rough size of what a clone of this simulation allocates, for the time machine's
    /// checkpoint budget: the parts that grow with a run (the client history, the safety
    /// checker's books, each node's log in memory and on disk, the messages in flight and
    /// remembered), plus a fixed share per node for the rest. `tests/memory.rs` checks it
    /// against what a clone really allocates.
    pub fn approx_bytes(&self) -> usize {
        const PER_NODE: usize = 16 << 10;
        // Payloads are shared between clones (`raft::Bytes`); each entry's header is not.
        let entry_bytes = std::mem::size_of::<raft::Entry>();
        let logs: usize = self
            .servers
            .values()
            .map(|server| {
                let in_memory = server
                    .raft
                    .as_ref()
                    .map_or(0, |raft| raft.log().entries().len());
                PER_NODE + (in_memory + server.disk.persisted.entries.len()) * entry_bytes
            })
            .sum();
        let messages = (self.network.in_flight_count() + self.network.departed().count())
            * std::mem::size_of::<network::InFlight>();
        self.history.approx_bytes() + self.checker.approx_bytes() + logs + messages
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether the run stopped at a violation.
    pub fn is_halted(&self) -> bool {
        self.halt_on_violation && !self.violations.is_empty()
    }

    /// Whether the run has used up its `MAX_EVENTS`: its clock stays at the last event run,
    /// as at a violation, so that its moment names where it stopped.
    pub fn is_out_of_events(&self) -> bool {
        self.events_processed >= self.event_limit
    }

    /// Lowers the bound on events below `MAX_EVENTS`, so that a test reaches it without
    /// running 50 million (a scenario cannot name it: links never depend on it).
    pub fn limit_events(&mut self, limit: u64) {
        self.event_limit = limit.min(MAX_EVENTS);
    }

    /// Whether nothing more can happen: the run stopped at a violation or used up its events.
    pub fn is_stopped(&self) -> bool {
        self.is_halted() || self.is_out_of_events()
    }

    /// Keeps running after a violation (to see what follows). Off by default.
    pub fn set_halt_on_violation(&mut self, halt: bool) {
        self.halt_on_violation = halt;
    }

    /// The live leader of the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.servers
            .values()
            .filter(|server| server.is_up())
            .filter_map(|server| server.raft.as_ref().map(|raft| (server.id, raft)))
            .filter(|(_, raft)| raft.role() == Role::Leader)
            .max_by_key(|(id, raft)| (raft.current_term(), std::cmp::Reverse(*id)))
            .map(|(id, _)| id)
    }

    /// The members of the cluster, voters and learners, in id order (see `configuration`).
    pub fn members(&self) -> Vec<NodeId> {
        match self.best_view() {
            Some(raft) => raft.membership().members().collect(),
            None => self.servers.keys().copied().collect(),
        }
    }

    /// The cluster's configuration as the most up-to-date running node sees it (the leader,
    /// when there is one; a removed node's view is out of date, a new one's empty). With no
    /// node running, every node as a voter.
    pub fn configuration(&self) -> Membership {
        match self.best_view() {
            Some(raft) => raft.membership().clone(),
            None => {
                let mut everyone = Membership::default();
                everyone.voters.extend(self.servers.keys().copied());
                everyone
            }
        }
    }

    /// The running node whose view of the cluster is the most up to date: the leader, or else
    /// the one with the highest commit index (then term, then lowest id).
    fn best_view(&self) -> Option<&raft::RaftNode> {
        match self.leader() {
            Some(leader) => self.servers[&leader].raft.as_ref(),
            None => self
                .servers
                .values()
                .filter(|server| server.is_up())
                .filter_map(|server| server.raft.as_ref())
                .max_by_key(|raft| {
                    (
                        raft.commit_index(),
                        raft.current_term(),
                        std::cmp::Reverse(raft.id()),
                    )
                }),
        }
    }

    /// Processes the next event. Returns false if there is none or the run halted.
    pub fn step(&mut self) -> bool {
        if self.is_stopped() {
            return false;
        }
        let Some((at_us, event)) = self.events.pop() else {
            return false;
        };
        if at_us / 1_000 != self.last_event_us / 1_000 {
            self.events_in_its_ms = 0;
        }
        self.now_us = at_us;
        self.last_event_us = at_us;
        self.events_processed += 1;
        self.events_in_its_ms = self.events_in_its_ms.saturating_add(1);
        match event {
            Event::Arrive { message_id } => self.on_arrive(message_id),
            Event::Timer { node, life } => self.on_timer(node, life),
            Event::DiskDone { node, life } => self.on_disk_done(node, life),
            Event::Action { index } => self.on_action(index),
            Event::ClientWake { client, wake } => self.on_client_wake(client, wake),
            Event::ClientTimeout {
                client,
                sequence,
                attempt,
            } => self.on_client_timeout(client, sequence, attempt),
            Event::Restart { node, life } => {
                if self
                    .servers
                    .get(&node)
                    .is_some_and(|server| server.life == life)
                {
                    self.restart(node);
                }
            }
            Event::Admin => self.process_admin(),
            Event::CrashPoint { node, life } => self.on_crash_point(node, life),
            Event::LivenessCheck { stage } => self.check_liveness(stage),
        }
        if self.metrics.sample_due(self.now_us) {
            let sample = observe::MetricsSample::of(self, self.metrics.samples().last());
            self.metrics.record_sample(sample);
        }
        true
    }

    /// Runs every event up to and including `until_us`, then sets the clock there.
    pub fn run_until(&mut self, until_us: u64) {
        while self.events.peek_time().is_some_and(|at| at <= until_us) {
            if !self.step() {
                break;
            }
        }
        if !self.is_stopped() {
            self.now_us = self.now_us.max(until_us);
        }
    }

    /// Runs the scenario to its end: `until_ms`, or inside that millisecond after
    /// `events_in_last_ms` of its events.
    pub fn run(&mut self) {
        let until_us = self.scenario.until_ms * 1_000;
        match self.scenario.events_in_last_ms {
            Some(events) => self.run_into_last_ms(until_us, events),
            None => self.run_until(until_us),
        }
    }

    /// Runs every event before the millisecond that ends at `until_us`, then `events` of the
    /// events from its start (at the first microsecond) on; if it holds fewer, on to its end.
    pub fn run_into_last_ms(&mut self, until_us: u64, events: u32) {
        if let Some(before_us) = Self::before_last_ms_us(until_us) {
            self.run_until(before_us);
        }
        for _ in 0..events {
            if self.events.peek_time().is_none_or(|at| at >= until_us) {
                return self.run_until(until_us);
            }
            if !self.step() {
                return;
            }
        }
    }

    /// The last microsecond before the millisecond that ends at `until_us` (none before the
    /// first millisecond): a run stopping inside that millisecond has run every event up to it.
    pub fn before_last_ms_us(until_us: u64) -> Option<u64> {
        until_us.checked_sub(1_001)
    }

    /// Where the run stands, as a scenario names its end: `(until_ms, events_in_last_ms)`.
    ///
    /// Exact for every moment a paused page rests on: a whole millisecond with all of its
    /// events run (`None`), or just after an event (a single step, or a violation that halted
    /// the run), named by the events run from its millisecond's start (`until_ms` is the
    /// millisecond after that start). Any other moment, inside a millisecond while playing,
    /// is named by that millisecond's end.
    pub fn moment(&self) -> (u64, Option<u32>) {
        let now_us = self.now_us;
        let whole =
            now_us.is_multiple_of(1_000) && self.events.peek_time().is_none_or(|at| at > now_us);
        if !whole && self.events_processed > 0 && now_us == self.last_event_us {
            (now_us / 1_000 + 1, Some(self.events_in_its_ms))
        } else {
            (now_us.div_ceil(1_000).max(1), None)
        }
    }

    pub fn liveness_bound_us(&self) -> u64 {
        liveness::liveness_bound_us(&self.scenario.config)
    }

    /// Forks the run: the timeline's actions not yet performed are dropped, and `action` is
    /// appended at the next millisecond boundary `at_ms`, where it runs before anything else.
    /// The caller must have run every event before `at_ms`. On error (the action is not valid
    /// here) the run is unchanged.
    pub fn fork(
        &mut self,
        at_ms: u64,
        action: crate::scenario::Action,
    ) -> Result<(), crate::scenario::ScenarioError> {
        debug_assert!(self.events.peek_time().is_none_or(|at| at >= at_ms * 1_000));
        let mut scenario = self.scenario.clone();
        scenario.timeline.truncate(self.next_action);
        scenario
            .timeline
            .push(crate::scenario::TimedAction { at_ms, action });
        if at_ms >= scenario.until_ms {
            scenario.until_ms = at_ms;
            scenario.events_in_last_ms = None;
        }
        scenario.validate()?;
        self.scenario = scenario;
        self.events
            .retain(|event| !matches!(event, Event::Action { .. }));
        self.events.schedule(
            at_ms * 1_000,
            Event::Action {
                index: self.next_action,
            },
        );
        Ok(())
    }

    /// Adopts `scenario`'s timeline (from a checkpoint's point of view: the actions it has
    /// performed are the same, later ones may differ). The next action is scheduled afresh.
    pub(crate) fn replace_timeline(&mut self, scenario: &Scenario) {
        debug_assert_eq!(
            &scenario.timeline[..self.next_action.min(scenario.timeline.len())],
            &self.scenario.timeline[..self.next_action.min(self.scenario.timeline.len())],
            "a checkpoint's past never changes"
        );
        self.scenario.timeline = scenario.timeline.clone();
        self.scenario.until_ms = scenario.until_ms;
        self.scenario.events_in_last_ms = scenario.events_in_last_ms;
        self.events
            .retain(|event| !matches!(event, Event::Action { .. }));
        if let Some(next) = self.scenario.timeline.get(self.next_action) {
            let at_us = (next.at_ms * 1_000).max(self.now_us);
            self.events.schedule(
                at_us,
                Event::Action {
                    index: self.next_action,
                },
            );
        }
    }

    fn record(&mut self, violation: Violation) {
        self.trace.push(
            self.now_us,
            violation.nodes.first().copied(),
            observe::TraceEvent::Violation(violation.kind),
        );
        self.violations.push(violation);
    }

    /// Every node's id, removed nodes' too (a partition decides their links as well).
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.servers.keys().copied().collect()
    }

    fn workload_rate(&self) -> u64 {
        u64::from(self.scenario.workload.writes_per_sec)
            + u64::from(self.scenario.workload.reads_per_sec)
    }

    /// Starts the workload's clients at random moments in their first interval.
    fn start_workload(&mut self) {
        let rate = self.workload_rate();
        if rate == 0 {
            return;
        }
        for id in 1..=clients::workload_clients(rate) {
            let first_node = 1 + (id - 1) % u64::from(self.scenario.nodes);
            self.clients.insert(id, Client::new(id, true, first_node));
            let start = self.streams.clients.below(self.operation_gap_us());
            self.schedule_client_wake(id, start);
        }
    }

    /// Twice the mean gap between one workload client's operations: gaps are drawn uniformly
    /// below it, so the clients together offer the configured rate.
    fn operation_gap_us(&self) -> u64 {
        let rate = self.workload_rate().max(1);
        (2 * clients::workload_clients(rate) * 1_000_000 / rate).max(1)
    }

    fn response_to_kv(reply: &network::Reply) -> Option<&kv::Response> {
        match reply {
            network::Reply::Done(response) => Some(response),
            _ => None,
        }
    }

    fn status_of(&self, id: NodeId) -> Option<Status> {
        self.servers.get(&id).map(|server| server.status)
    }
}
