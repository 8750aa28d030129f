//! Timeline actions: what a person, a lesson or the swarm does to a run at a moment.

use super::Simulation;
use super::clients::{Client, FIRST_ACTION_CLIENT};
use super::events::Event;
use super::network::Packet;
use super::observe::TraceEvent;
use super::server::{Server, Status, snapshot_data};
use crate::check::safety::{Violation, ViolationKind};
use crate::kv::{Command, Operation, Store};
use crate::raft::{
    Bug, Bytes, Entry, Index, Membership, MembershipChange, NodeId, Payload, PersistentState,
    ProposeError, Snapshot, TransferError,
};
use crate::scenario::{Action, ReadKind};

/// How often a request waiting for a leader is tried again, and for how long.
const ADMIN_RETRY_US: u64 = 50_000;
const ADMIN_ATTEMPTS: u32 = 100;

/// A request only a leader can carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct AdminRequest {
    kind: AdminKind,
    attempts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AdminKind {
    Membership(MembershipChange),
    Transfer(NodeId),
}

/// One node's copy of a coordinated backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct BackupCopy {
    node: NodeId,
    index: Index,
    data: Bytes,
}

impl Simulation {
    pub(super) fn on_action(&mut self, index: usize) {
        debug_assert_eq!(index, self.next_action, "actions run in timeline order");
        let Some(timed) = self.scenario.timeline.get(index).cloned() else {
            return;
        };
        self.next_action = index + 1;
        self.trace.push(
            self.now_us,
            None,
            TraceEvent::Action {
                index,
                name: timed.action.name(),
            },
        );
        self.perform(index, &timed.action);
        if let Some(next) = self.scenario.timeline.get(index + 1) {
            let at_us = (next.at_ms * 1_000).max(self.now_us);
            self.events
                .schedule(at_us, Event::Action { index: index + 1 });
        }
    }

    fn perform(&mut self, index: usize, action: &Action) {
        match action {
            Action::Crash { node } => self.crash(*node),
            Action::Restart { node } => self.restart(*node),
            Action::Pause { node } => self.pause(*node),
            Action::Resume { node } => self.resume(*node),
            Action::Partition { groups } => {
                let nodes = self.node_ids();
                self.network.partition(&nodes, groups);
            }
            Action::Cut { from, to } => self.network.cut(*from, *to),
            Action::SlowLink { from, to, extra_ms } => {
                self.network.slow_link(*from, *to, extra_ms * 1_000)
            }
            Action::Heal => self.network.heal(),
            Action::Put { key, value, via } => {
                let operation = Operation::Put {
                    key: key.clone(),
                    value: value.clone(),
                };
                self.call_once(index, operation, ReadKind::ReadIndex, *via);
            }
            Action::Get { key, via, read } => {
                self.call_once(index, Operation::Get { key: key.clone() }, *read, *via)
            }
            Action::Delete { key, via } => self.call_once(
                index,
                Operation::Delete { key: key.clone() },
                ReadKind::ReadIndex,
                *via,
            ),
            Action::Cas {
                key,
                expected,
                new,
                via,
            } => {
                let operation = Operation::CompareAndSet {
                    key: key.clone(),
                    expected: expected.clone(),
                    new: new.clone(),
                };
                self.call_once(index, operation, ReadKind::ReadIndex, *via);
            }
            Action::Timeout { node } => self.force_timeout(*node),
            Action::Snapshot { node } => self.snapshot_now(*node),
            Action::AddNode => self.add_node(),
            Action::RemoveNode { node } => {
                self.request_admin(AdminKind::Membership(MembershipChange::Remove(*node)))
            }
            Action::TransferLeader { to } => self.request_admin(AdminKind::Transfer(*to)),
            Action::Backup => self.start_backup(index),
            Action::Network {
                loss_ppm,
                duplicate_ppm,
                latency_ms,
            } => {
                let config = &mut self.network.config;
                config.loss_ppm = loss_ppm.unwrap_or(config.loss_ppm);
                config.duplicate_ppm = duplicate_ppm.unwrap_or(config.duplicate_ppm);
                if let Some((low, high)) = latency_ms {
                    config.latency_us = (low * 1_000, high * 1_000);
                }
            }
            Action::Drift { node, ppm } => self.set_drift(*node, *ppm),
            Action::DropMessage { id } => {
                self.network.drop_message(*id);
            }
            Action::DelayMessage { id, by_ms } => {
                if let Some(at_us) = self.network.delay_message(*id, by_ms * 1_000) {
                    self.events
                        .schedule(at_us, Event::Arrive { message_id: *id });
                }
            }
            Action::DuplicateMessage { id } => {
                if let Some((copy, at_us)) =
                    self.network
                        .duplicate_message(self.now_us, *id, &mut self.streams.network)
                {
                    self.events
                        .schedule(at_us, Event::Arrive { message_id: copy });
                    self.note_request_copied(copy);
                }
            }
        }
    }

    /// A client's request was copied (message `copy`): its client can no longer take a refusal
    /// as proof that the command was not appended.
    fn note_request_copied(&mut self, copy: u64) {
        let Some(Packet::Request(request)) = self.network.get(copy).map(|m| &m.packet) else {
            return;
        };
        let (client_id, sequence) = (request.client_id, request.command.sequence);
        if let Some(client) = self.clients.get_mut(&client_id) {
            client.on_request_copied(sequence);
        }
    }

    /// A client made for one timeline operation: it asks `via` first (or the lowest node).
    fn call_once(
        &mut self,
        index: usize,
        operation: Operation,
        read: ReadKind,
        via: Option<NodeId>,
    ) {
        let client_id = FIRST_ACTION_CLIENT + index as u64;
        let target = via.unwrap_or_else(|| self.members().first().copied().unwrap_or(1));
        self.clients
            .insert(client_id, Client::new(client_id, false, target));
        self.start_call(client_id, operation, read);
    }

    /// Brings one node back to running: resumed if paused, restarted if down.
    pub(super) fn perform_heal(&mut self, id: NodeId) {
        self.resume(id);
        self.restart(id);
    }

    pub(super) fn crash(&mut self, id: NodeId) {
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.status == Status::Down {
            return;
        }
        let was_leader = server.raft.as_ref().is_some_and(|raft| raft.is_leader());
        if server.raft.is_some() {
            // Before the crash drops the writes in progress: the disk holds what was written.
            let disk = &server.disk.persisted;
            self.checker.observe_crash(id, disk, server.term_sent);
        }
        server.crash();
        self.trace.push(self.now_us, Some(id), TraceEvent::Crashed);
        self.coverage.crashes += 1;
        if was_leader {
            self.metrics.leader_lost(self.now_us);
        }
        self.update_leaderless();
    }

    pub(super) fn restart(&mut self, id: NodeId) {
        if self.status_of(id) != Some(Status::Down) {
            return;
        }
        self.trace
            .push(self.now_us, Some(id), TraceEvent::Restarted);
        self.start_node(id);
    }

    fn pause(&mut self, id: NodeId) {
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.status == Status::Up {
            server.status = Status::Paused;
            self.trace.push(self.now_us, Some(id), TraceEvent::Paused);
            // A paused leader leads no one (`Simulation::leader`).
            self.update_leaderless();
        }
    }

    /// A paused node wakes: it finishes its disk writes, reads what arrived meanwhile, and
    /// its timers fire if they are past due.
    fn resume(&mut self, id: NodeId) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.status != Status::Paused {
            return;
        }
        server.status = Status::Up;
        self.trace.push(now_us, Some(id), TraceEvent::Resumed);
        let done = server.disk.complete_due(now_us);
        // Taken whole rather than drained: a `Drain` of messages was wasm of its own.
        let inbox = std::mem::take(&mut server.inbox);
        server.timer_at_us = None;
        // Writes that finished during the pause are acted on now, as the node wakes.
        self.carry_out_completed(id, done);
        for message in inbox {
            if self.status_of(id) == Some(Status::Up) {
                self.deliver(id, message);
            }
        }
        self.schedule_timer(id);
        self.update_leaderless();
        let life = self.servers[&id].life;
        if self.servers[&id].disk.pending_writes() > 0 {
            self.events
                .schedule(now_us, super::events::Event::DiskDone { node: id, life });
        }
    }

    fn force_timeout(&mut self, id: NodeId) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.status != Status::Up {
            return;
        }
        let local = server.local_now(now_us);
        if let Some(raft) = server.raft.as_mut() {
            raft.trigger_election_timeout(local, &mut self.streams.timers);
        }
        self.after_input(id);
    }

    /// A snapshot on demand, at everything the node has applied.
    fn snapshot_now(&mut self, id: NodeId) {
        let bugs = self.scenario.config.bugs;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        let Some(raft) = server.raft.as_mut() else {
            return;
        };
        let index = raft.applied_index();
        if raft.compact(index, snapshot_data(&server.kv, bugs)).is_ok() {
            self.trace
                .push(self.now_us, Some(id), TraceEvent::Snapshot { index });
            self.after_input(id);
        }
    }

    fn set_drift(&mut self, id: NodeId, ppm: i32) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        server.clock.set_rate(now_us, ppm);
        // The node's deadlines fall at other global times now.
        server.timer_at_us = None;
        self.schedule_timer(id);
    }

    /// A brand-new server with an empty disk: it joins as a learner once a leader accepts it.
    fn add_node(&mut self) {
        let id = self.servers.next_id();
        let disk = PersistentState::bootstrap(Membership::default(), Store::new().snapshot_data());
        let mut server = Server::new(id, disk, self.now_us);
        server.clock = crate::sim::clock::Clock::exact(self.now_us);
        self.servers.push(server);
        self.trace.push(self.now_us, Some(id), TraceEvent::Added);
        self.start_node(id);
        self.request_admin(AdminKind::Membership(MembershipChange::AddLearner(id)));
    }

    fn request_admin(&mut self, kind: AdminKind) {
        self.admin.push_back(AdminRequest { kind, attempts: 0 });
        if self.admin.len() == 1 {
            self.process_admin();
        }
    }

    /// Offers the oldest waiting request to the leader; retries later if there is none or it
    /// cannot take the request yet (another change pending, no commit in its term yet).
    pub(super) fn process_admin(&mut self) {
        while let Some(request) = self.admin.front_mut() {
            request.attempts += 1;
            let kind = request.kind;
            let attempts = request.attempts;
            let outcome = match self.leader() {
                None => Err(true),
                Some(leader) => self.offer_to_leader(leader, kind),
            };
            match outcome {
                Ok(()) => {
                    self.admin.pop_front();
                }
                Err(retry) if retry && attempts < ADMIN_ATTEMPTS => {
                    self.events
                        .schedule(self.now_us + ADMIN_RETRY_US, Event::Admin);
                    return;
                }
                Err(_) => {
                    self.trace.push(self.now_us, None, TraceEvent::AdminGaveUp);
                    self.admin.pop_front();
                }
            }
        }
    }

    /// `Err(true)`: try again later; `Err(false)`: the request cannot succeed.
    fn offer_to_leader(&mut self, leader: NodeId, kind: AdminKind) -> Result<(), bool> {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&leader).expect("known leader");
        let local = server.local_now(now_us);
        let raft = server.raft.as_mut().expect("a leader runs Raft");
        let result = match kind {
            AdminKind::Membership(change) => raft
                .propose_membership_change(local, change)
                .map(drop)
                .map_err(|error| !matches!(error, ProposeError::InvalidMembershipChange(_))),
            AdminKind::Transfer(target) => match raft.transfer_leadership(local, target) {
                Ok(()) | Err(TransferError::ToSelf) => Ok(()),
                Err(TransferError::NotLeader { .. }) => Err(true),
                Err(TransferError::NotVoter(_)) => Err(false),
            },
        };
        self.after_input(leader);
        result
    }

    /// A coordinated backup: a barrier entry goes through the log, and every node snapshots
    /// exactly where it applies it.
    fn start_backup(&mut self, index: usize) {
        let backup_id = self.next_backup_id;
        self.next_backup_id += 1;
        self.call_once(
            index,
            Operation::Barrier { backup_id },
            ReadKind::ReadIndex,
            None,
        );
    }

    /// A node executed backup `backup_id`'s barrier at `index` (a retried barrier's later
    /// copies are not executed): it snapshots there, and that is its copy.
    pub(super) fn take_backup(&mut self, id: NodeId, backup_id: u64, index: Index) {
        let bugs = self.scenario.config.bugs;
        if bugs.contains(Bug::BackupOnAppend) {
            return; // It backed up when the barrier reached its log (`back_up_on_append`).
        }
        let server = self.servers.get_mut(&id).expect("known node");
        let data = snapshot_data(&server.kv, bugs);
        if let Some(raft) = server.raft.as_mut() {
            let _ = raft.compact(index, data.clone());
        }
        self.add_backup_copy(backup_id, id, index, data);
        self.after_input(id);
    }

    /// With the bug switch `backup_on_append`: a node backs up its state machine as it is when
    /// a barrier entry among `entries` reaches its log (the write is durable), however far
    /// behind the barrier it has applied.
    pub(super) fn back_up_on_append(&mut self, id: NodeId, entries: &[Entry]) {
        for entry in entries {
            let Payload::Command(bytes) = &entry.payload else {
                continue;
            };
            let Ok(Command {
                operation: Operation::Barrier { backup_id },
                ..
            }) = Command::decode(bytes)
            else {
                continue;
            };
            let server = self.servers.get(&id).expect("known node");
            let data = snapshot_data(&server.kv, self.scenario.config.bugs);
            self.add_backup_copy(backup_id, id, entry.index, data);
        }
    }

    /// A node restored from a snapshot taken exactly at a backup's barrier (the leader
    /// compacted there before the node got the barrier entry): that snapshot is its copy.
    pub(super) fn record_backup_from_snapshot(&mut self, id: NodeId, snapshot: &Snapshot) {
        let index = snapshot.last_included_index;
        let backup = self
            .backups
            .iter()
            .find(|(_, copies)| copies.first().is_some_and(|first| first.index == index));
        if let Some((&backup_id, _)) = backup {
            self.add_backup_copy(backup_id, id, index, snapshot.data.clone());
        }
    }

    /// Every node's copy of a backup must equal the first, however it came by it. A node
    /// that takes it again (it restarted from an older snapshot and applied the barrier
    /// anew) is checked again but counted once.
    fn add_backup_copy(&mut self, backup_id: u64, id: NodeId, index: Index, data: Bytes) {
        let copy = BackupCopy {
            node: id,
            index,
            data,
        };
        let copies = self.backups.entry(backup_id).or_default();
        if !copies.is_empty() {
            self.coverage.backup_comparisons += 1;
        }
        let mismatch = copies
            .first()
            .filter(|first| first.index != copy.index || first.data != copy.data)
            .map(|first| first.node);
        if copies.iter().all(|held| held.node != id) {
            copies.push(copy);
        }
        self.trace.push(
            self.now_us,
            Some(id),
            TraceEvent::Backup { backup_id, index },
        );
        if let Some(other) = mismatch {
            let violation = Violation {
                kind: ViolationKind::BackupMismatch,
                at_us: self.now_us,
                nodes: vec![other, id],
                index: Some(index),
                term: None,
                detail: format!("S{id}'s backup {backup_id} differs from S{other}'s"),
            };
            self.record(violation);
        }
    }

    /// How many nodes hold a copy of backup `backup_id` so far (they are identical).
    pub fn backup_copies(&self, backup_id: u64) -> usize {
        self.backups.get(&backup_id).map_or(0, Vec::len)
    }

    /// Whether every copy of backup `backup_id` so far holds what the first does (a copy that
    /// differs is a `backup_mismatch` violation, which a bug switch can bring about).
    pub fn backup_copies_match(&self, backup_id: u64) -> bool {
        let copies = self.backups.get(&backup_id).map_or(&[][..], Vec::as_slice);
        copies
            .iter()
            .all(|copy| copy.index == copies[0].index && copy.data == copies[0].data)
    }

    /// The id of the latest backup started, if any (ids count from 1).
    pub fn latest_backup(&self) -> Option<u64> {
        self.next_backup_id.checked_sub(1).filter(|&id| id > 0)
    }
}
