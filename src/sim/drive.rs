//! Feeding nodes their inputs and carrying out their outputs, as a real driver would: persist
//! (on a disk that takes time), then send, then restore and apply, then answer reads.

use super::Simulation;
use super::clients::{CLIENT_TIMEOUT_US, Next};
use super::disk::Submitted;
use super::events::Event;
use super::network::{
    ClientRequest, ClientResponse, Endpoint, InFlight, LossReason, Packet, Reply,
};
use super::observe::TraceEvent;
use super::server::{MAX_INBOX, PendingRead, Proposal, Status, snapshot_data};
use crate::check::safety::{LogChange, Violation, ViolationKind};
use crate::kv::{self, Operation, Store};
use crate::raft::{
    Bug, Entry, Index, Message, MessageBody, NodeId, Output, ProposeError, RaftNode, ReadError,
    ReadMode,
};
use crate::scenario::ReadKind;

impl Simulation {
    /// Boots (or reboots) a node from what its disk holds.
    pub(super) fn start_node(&mut self, id: NodeId) {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&id).expect("known node");
        let raft = RaftNode::new(
            id,
            self.raft_config.clone(),
            server.disk.persisted.clone(),
            server.local_now(now_us),
            &mut self.streams.timers,
        );
        server.status = Status::Up;
        server.seen_term = raft.current_term();
        server.seen_last_index = raft.log().last_index();
        server.seen_commit = raft.commit_index();
        if let Err(violation) =
            self.checker
                .observe_restart(now_us, id, &raft, &server.disk.persisted)
        {
            server.raft = Some(raft);
            self.record(violation);
        } else {
            server.raft = Some(raft);
        }
        self.after_input(id);
    }

    /// Takes the node's output after an input: the checker looks at the node, then the output
    /// goes to the disk, and is carried out at once if it writes nothing and nothing is ahead.
    pub(super) fn after_input(&mut self, id: NodeId) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        let Some(raft) = server.raft.as_mut() else {
            return;
        };
        let output = raft.take_output();
        let change = LogChange {
            from_index: output.persist.log.as_ref().map(|write| write.from_index),
            snapshot: output.persist.snapshot.is_some(),
        };
        let observed = self.checker.observe(now_us, id, raft, change);
        if let Err(violation) = observed {
            self.record(violation);
        }
        self.notice_changes(id, change);
        let write_us = if output.persist.is_empty() {
            0
        } else {
            let (low, high) = self.scenario.config.disk_ms;
            self.streams.disk.between(low * 1_000, high * 1_000)
        };
        let server = self.servers.get_mut(&id).expect("known node");
        let life = server.life;
        if server.disk.passes_through(&output) {
            self.carry_out(id, output);
        } else {
            match server.disk.submit(now_us, write_us, output) {
                Submitted::DoneAt(done_at_us) => self
                    .events
                    .schedule(done_at_us, Event::DiskDone { node: id, life }),
                Submitted::Overflow => {
                    self.crash(id);
                    return;
                }
            }
        }
        self.schedule_timer(id);
    }

    pub(super) fn on_disk_done(&mut self, id: NodeId, life: u32) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.life != life || server.status != Status::Up {
            return; // A paused node finishes its writes when it resumes.
        }
        let completed = server.disk.complete_due(now_us);
        self.carry_out_completed(id, completed);
    }

    /// Carries out outputs whose writes just completed, and tells the node what is durable.
    pub(super) fn carry_out_completed(&mut self, id: NodeId, completed: Vec<Output>) {
        let durable = completed.iter().rev().find_map(Output::persisted_position);
        let snapshot_persisted = completed
            .iter()
            .any(|output| output.persist.snapshot.is_some());
        for output in completed {
            self.carry_out(id, output);
        }
        if let Some((index, term)) = durable
            && self.status_of(id) == Some(Status::Up)
            && let Some(raft) = self
                .servers
                .get_mut(&id)
                .and_then(|server| server.raft.as_mut())
        {
            raft.persisted_to(index, term);
            self.after_input(id);
        }
        if snapshot_persisted {
            self.checker.forget_below(self.lowest_reachable_index());
        }
    }

    /// The lowest index any node could still hold, apply or commit: every node's state machine,
    /// log in memory and log on disk (a restart restores the disk's snapshot and re-applies
    /// what follows) start above it. A node added later starts from a leader's log or
    /// snapshot, so above it too.
    fn lowest_reachable_index(&self) -> Index {
        self.servers
            .values()
            .map(|server| {
                let in_memory = server
                    .raft
                    .as_ref()
                    .map_or(Index::MAX, |raft| raft.log().snapshot_index());
                server
                    .disk
                    .persisted
                    .snapshot
                    .last_included_index
                    .min(in_memory)
                    .min(server.kv.last_applied())
            })
            .min()
            .unwrap_or(0)
    }

    /// Steps 2 to 5 of an output (the write is already durable): send, restore, apply, answer.
    pub(super) fn carry_out(&mut self, id: NodeId, output: Output) {
        let granted_vote = output.messages.iter().any(|message| {
            matches!(
                message.body,
                MessageBody::RequestVoteResponse { granted: true }
            )
        });
        for message in output.messages {
            self.send_raft(message);
        }
        if granted_vote {
            self.maybe_crash_point(id, self.scenario.config.crash_after_vote_ppm);
        }
        if let Some(snapshot) = &output.restore {
            self.restore_state_machine(id, snapshot);
        }
        if self.scenario.config.bugs.contains(Bug::BackupOnAppend)
            && let Some(write) = &output.persist.log
        {
            self.back_up_on_append(id, &write.entries);
        }
        for entry in &output.committed_entries {
            if !self.apply(id, entry) {
                break; // The rest of the batch follows it out of order too.
            }
        }
        for read in output.reads {
            self.on_read_result(id, read.read_id, read.outcome);
        }
        self.serve_reads(id);
        self.maybe_snapshot(id);
    }

    fn send_raft(&mut self, message: Message) {
        // A pre-vote and a granted answer name a future term no receiver adopts; a refused
        // answer names the sender's own term, and a receiver behind it adopts it.
        let future_term = matches!(
            message.body,
            MessageBody::PreVote { .. } | MessageBody::PreVoteResponse { granted: true }
        );
        if let Some(server) = self.servers.get_mut(&message.from)
            && !future_term
        {
            server.term_sent = server.term_sent.max(message.term);
        }
        match message.body {
            MessageBody::PreVoteResponse { granted: false } => {
                self.coverage.pre_vote_rejections += 1
            }
            MessageBody::InstallSnapshot { .. } => self.coverage.install_snapshot_chunks += 1,
            _ => {}
        }
        let (from, to) = (Endpoint::Node(message.from), Endpoint::Node(message.to));
        self.send_packet(from, to, Packet::Raft(message));
    }

    pub(super) fn send_packet(&mut self, from: Endpoint, to: Endpoint, packet: Packet) {
        for (message_id, arrive_us) in
            self.network
                .send(self.now_us, from, to, packet, &mut self.streams.network)
        {
            self.events
                .schedule(arrive_us, Event::Arrive { message_id });
        }
    }

    fn restore_state_machine(&mut self, id: NodeId, snapshot: &crate::raft::Snapshot) {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&id).expect("known node");
        match Store::restore(snapshot) {
            Ok(store) => server.kv = store,
            Err(error) => {
                let violation = Violation {
                    kind: ViolationKind::StateMachineSafety,
                    at_us: now_us,
                    nodes: vec![id],
                    index: Some(snapshot.last_included_index),
                    term: Some(snapshot.last_included_term),
                    detail: format!(
                        "node {id} could not restore its state machine from a snapshot: {error}"
                    ),
                };
                self.record(violation);
                return;
            }
        }
        if let Some(raft) = server.raft.as_mut() {
            raft.applied_to(snapshot.last_included_index);
        }
        self.record_backup_from_snapshot(id, snapshot);
        let server = self.servers.get_mut(&id).expect("known node");
        // Proposals the snapshot covers will never be applied one by one here.
        let mut covered = Vec::new();
        while let Some((&index, _)) = server.proposals.first()
            && index <= snapshot.last_included_index
        {
            covered.extend(server.proposals.remove(&index));
        }
        for proposal in covered {
            self.reply(
                id,
                proposal.client_id,
                proposal.sequence,
                proposal.attempt,
                Reply::Lost,
            );
        }
    }

    /// Applies one committed entry to the node's state machine and answers its client. An
    /// entry out of log order (only a broken core hands one out) is a violation, not applied:
    /// returns false.
    fn apply(&mut self, id: NodeId, entry: &Entry) -> bool {
        let now_us = self.now_us;
        let last_applied = self.servers.get(&id).expect("known node").kv.last_applied();
        if let Err(violation) = self.checker.observe_apply(now_us, id, entry, last_applied) {
            self.record(violation);
        }
        if entry.index != last_applied + 1 {
            return false; // The checker named it; the store takes entries in log order only.
        }
        let server = self.servers.get_mut(&id).expect("known node");
        let applied = server.kv.apply(entry);
        if let Some(raft) = server.raft.as_mut() {
            raft.applied_to(entry.index);
        }
        let proposal = server.proposals.remove(&entry.index);
        // A duplicate (a retry appended again) took no effect: the session answered it.
        if let Some(applied) = &applied
            && !applied.duplicate
        {
            let effect = self.checker.observe_effect(
                now_us,
                id,
                applied.client_id,
                applied.sequence,
                entry.index,
            );
            if let Err(violation) = effect {
                self.record(violation);
            }
            // The backup is where the barrier executes. A retried barrier's later copy is
            // answered from the session, and is no second backup at another index.
            if let kv::Response::Barrier { backup_id } = applied.response {
                self.take_backup(id, backup_id, entry.index);
            }
        }
        if let Some(proposal) = proposal {
            let ours = applied.as_ref().filter(|applied| {
                applied.client_id == proposal.client_id && applied.sequence == proposal.sequence
            });
            let reply = match ours {
                Some(applied) => {
                    self.metrics
                        .record_commit_latency(now_us - proposal.proposed_at_us);
                    Reply::Done(applied.response.clone())
                }
                None => Reply::Lost,
            };
            self.reply(
                id,
                proposal.client_id,
                proposal.sequence,
                proposal.attempt,
                reply,
            );
        }
        true
    }

    fn maybe_snapshot(&mut self, id: NodeId) {
        let bugs = self.scenario.config.bugs;
        let server = self.servers.get_mut(&id).expect("known node");
        let Some(raft) = server.raft.as_mut() else {
            return;
        };
        if !raft.snapshot_due() {
            return;
        }
        let index = raft.applied_index();
        if raft.compact(index, snapshot_data(&server.kv, bugs)).is_ok() {
            self.trace
                .push(self.now_us, Some(id), TraceEvent::Snapshot { index });
            self.after_input(id);
        }
    }

    // ----- Timers -----

    /// Makes sure a timer event is scheduled for the node's next deadline.
    pub(super) fn schedule_timer(&mut self, id: NodeId) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        let Some(raft) = server.raft.as_ref() else {
            return;
        };
        if server.status != Status::Up {
            return;
        }
        let at_us = server.clock.global(raft.next_deadline_us()).max(now_us);
        if server.timer_at_us.is_none_or(|scheduled| at_us < scheduled) {
            server.timer_at_us = Some(at_us);
            let life = server.life;
            self.events.schedule(at_us, Event::Timer { node: id, life });
        }
    }

    pub(super) fn on_timer(&mut self, id: NodeId, life: u32) {
        let now_us = self.now_us;
        let Some(server) = self.servers.get_mut(&id) else {
            return;
        };
        if server.life != life || server.timer_at_us != Some(now_us) {
            return; // Superseded by an earlier timer, or from an earlier life.
        }
        server.timer_at_us = None;
        if server.status != Status::Up {
            return; // Rescheduled on resume.
        }
        let local = server.local_now(now_us);
        let raft = server.raft.as_mut().expect("an up node runs Raft");
        if local >= raft.next_deadline_us() {
            raft.tick(local, &mut self.streams.timers);
            self.after_input(id);
        } else {
            self.schedule_timer(id);
        }
    }

    // ----- Messages -----

    pub(super) fn on_arrive(&mut self, message_id: u64) {
        let servers = &self.servers;
        let refused = |to: Endpoint| {
            let Endpoint::Node(id) = to else {
                return None;
            };
            match servers
                .get(&id)
                .map(|server| (server.status, server.inbox.len()))
            {
                Some((Status::Up, _)) => None,
                Some((Status::Paused, held)) if held < MAX_INBOX => None,
                Some((Status::Paused, _)) => Some(LossReason::InboxFull),
                Some((Status::Down, _)) | None => Some(LossReason::TargetDown),
            }
        };
        let Some(message) = self.network.arrive(self.now_us, message_id, refused) else {
            return;
        };
        match message.to {
            Endpoint::Node(id) => {
                let server = self
                    .servers
                    .get_mut(&id)
                    .expect("a receiver that took it in");
                if server.status == Status::Paused {
                    server.inbox.push_back(message);
                } else {
                    self.deliver(id, message);
                }
            }
            Endpoint::Client(client) => {
                if let (Packet::Response(response), Endpoint::Node(from)) =
                    (message.packet, message.from)
                {
                    self.on_client_response(client, from, response);
                }
            }
        }
    }

    pub(super) fn deliver(&mut self, id: NodeId, message: InFlight) {
        match message.packet {
            Packet::Raft(raft_message) => {
                let now_us = self.now_us;
                let server = self.servers.get_mut(&id).expect("known node");
                let local = server.local_now(now_us);
                let raft = server.raft.as_mut().expect("an up node runs Raft");
                raft.step(local, &mut self.streams.timers, raft_message);
                self.after_input(id);
            }
            Packet::Request(request) => self.handle_request(id, request),
            Packet::Response(_) => {}
        }
    }

    // ----- Client requests at a node -----

    fn handle_request(&mut self, id: NodeId, request: ClientRequest) {
        let now_us = self.now_us;
        let server = self.servers.get_mut(&id).expect("known node");
        let local = server.local_now(now_us);
        if let (Operation::Get { key }, ReadKind::Stale) =
            (&request.command.operation, request.read)
        {
            let value = server.kv.get(key).map(str::to_string);
            let reply = Reply::Done(kv::Response::Value(value));
            self.reply(
                id,
                request.client_id,
                request.command.sequence,
                request.attempt,
                reply,
            );
            return;
        }
        let raft = server.raft.as_mut().expect("an up node runs Raft");
        let reply = if let Operation::Get { key } = &request.command.operation {
            let read_id = server.next_read_id;
            server.next_read_id += 1;
            let mode = if request.read == ReadKind::Lease {
                ReadMode::Lease
            } else {
                ReadMode::ReadIndex
            };
            match raft.read(local, read_id, mode) {
                Ok(()) => {
                    server.reads.insert(
                        read_id,
                        PendingRead {
                            client_id: request.client_id,
                            sequence: request.command.sequence,
                            attempt: request.attempt,
                            key: key.clone(),
                            read_index: None,
                        },
                    );
                    None
                }
                Err(error) => Some(read_error_reply(error)),
            }
        } else {
            match raft.propose(local, request.command.encode()) {
                Ok(index) => {
                    let proposal = Proposal {
                        client_id: request.client_id,
                        sequence: request.command.sequence,
                        attempt: request.attempt,
                        proposed_at_us: now_us,
                    };
                    // A newer proposal at the same index replaces a lost one: answer that first.
                    if let Some(old) = server.proposals.insert(index, proposal) {
                        self.reply(id, old.client_id, old.sequence, old.attempt, Reply::Lost);
                    }
                    None
                }
                Err(ProposeError::NotLeader { leader_hint }) => {
                    Some(Reply::Redirect { leader_hint })
                }
                Err(error) => Some(Reply::Busy(error.to_string())),
            }
        };
        if let Some(reply) = reply {
            self.reply(
                id,
                request.client_id,
                request.command.sequence,
                request.attempt,
                reply,
            );
        }
        self.after_input(id);
    }

    fn on_read_result(&mut self, id: NodeId, read_id: u64, outcome: Result<u64, ReadError>) {
        let server = self.servers.get_mut(&id).expect("known node");
        match outcome {
            Ok(read_index) => {
                if let Some(read) = server.reads.get_mut(&read_id) {
                    read.read_index = Some(read_index);
                }
            }
            Err(error) => {
                if let Some(read) = server.reads.remove(&read_id) {
                    self.reply(
                        id,
                        read.client_id,
                        read.sequence,
                        read.attempt,
                        read_error_reply(error),
                    );
                }
            }
        }
    }

    /// Serves every confirmed read whose read index the state machine has reached.
    fn serve_reads(&mut self, id: NodeId) {
        let server = self.servers.get_mut(&id).expect("known node");
        let applied = server.kv.last_applied();
        let ready: Vec<u64> = server
            .reads
            .iter()
            .filter(|(_, read)| read.read_index.is_some_and(|index| index <= applied))
            .map(|(&read_id, _)| read_id)
            .collect();
        for read_id in ready {
            let server = self.servers.get_mut(&id).expect("known node");
            let read = server.reads.remove(&read_id).expect("just listed");
            let value = server.kv.get(&read.key).map(str::to_string);
            self.reply(
                id,
                read.client_id,
                read.sequence,
                read.attempt,
                Reply::Done(kv::Response::Value(value)),
            );
        }
    }

    fn reply(&mut self, id: NodeId, client_id: u64, sequence: u64, attempt: u32, reply: Reply) {
        let response = ClientResponse {
            client_id,
            sequence,
            attempt,
            reply,
        };
        self.send_packet(
            Endpoint::Node(id),
            Endpoint::Client(client_id),
            Packet::Response(response),
        );
    }

    // ----- Clients -----

    pub(super) fn on_client_wake(&mut self, client_id: u64, wake: u32) {
        let Some(client) = self.clients.get(&client_id) else {
            return;
        };
        if !client.is_armed(wake) {
            return;
        }
        if client.call.is_some() {
            self.send_attempt(client_id);
            return;
        }
        if !client.workload || self.history.is_full() {
            return;
        }
        let (operation, read) =
            client.next_workload_operation(&self.scenario.workload, &mut self.streams.clients);
        self.start_call(client_id, operation, read);
    }

    /// Records the operation in the history and sends its first attempt.
    pub(super) fn start_call(&mut self, client_id: u64, operation: Operation, read: ReadKind) {
        let client = self.clients.get_mut(&client_id).expect("known client");
        let op_id = self
            .history
            .invoke(client_id, &operation, read, client.target, self.now_us);
        client.last_start_us = self.now_us;
        client.start(op_id, operation, read);
        self.send_attempt(client_id);
    }

    fn send_attempt(&mut self, client_id: u64) {
        let client = &self.clients[&client_id];
        let call = client.call.as_ref().expect("a call to send");
        if call.attempt > 1 {
            self.coverage.client_retries += 1;
            self.history.retried(call.op_id);
        }
        let request = ClientRequest {
            client_id,
            attempt: call.attempt,
            command: call.command.clone(),
            read: call.read,
        };
        let (sequence, attempt) = (call.command.sequence, call.attempt);
        let target = client.target;
        self.send_packet(
            Endpoint::Client(client_id),
            Endpoint::Node(target),
            Packet::Request(request),
        );
        let timeout = Event::ClientTimeout {
            client: client_id,
            sequence,
            attempt,
        };
        self.events
            .schedule(self.now_us + CLIENT_TIMEOUT_US, timeout);
    }

    fn on_client_response(&mut self, client_id: u64, from: NodeId, response: ClientResponse) {
        let nodes = self.members();
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        let next = client.on_reply(response.sequence, response.attempt, &response.reply, &nodes);
        if next == Next::Finished {
            let call = client.call.take().expect("finished a call");
            let kv_response =
                Simulation::response_to_kv(&response.reply).expect("finished with a response");
            self.history
                .complete(call.op_id, kv_response, from, self.now_us);
        }
        self.follow_up(client_id, next);
    }

    pub(super) fn on_client_timeout(&mut self, client_id: u64, sequence: u64, attempt: u32) {
        let nodes = self.members();
        let Some(client) = self.clients.get_mut(&client_id) else {
            return;
        };
        let next = client.on_timeout(sequence, attempt, &nodes);
        self.follow_up(client_id, next);
    }

    fn follow_up(&mut self, client_id: u64, next: Next) {
        match next {
            Next::Ignore => {}
            Next::Retry { delay_us: 0 } => self.send_attempt(client_id),
            Next::Retry { delay_us } => {
                self.schedule_client_wake(client_id, self.now_us + delay_us)
            }
            Next::GiveUp => {
                let client = self.clients.get_mut(&client_id).expect("known client");
                let call = client.call.take().expect("gave up a call");
                self.history.give_up(call.op_id, call.may_have_taken_effect);
                self.schedule_next_call(client_id);
            }
            Next::Finished => self.schedule_next_call(client_id),
        }
    }

    /// A workload client's next operation starts a random gap after its previous one started
    /// (or now, if that one took longer).
    fn schedule_next_call(&mut self, client_id: u64) {
        let client = &self.clients[&client_id];
        if client.workload {
            let gap = self.streams.clients.below(self.operation_gap_us());
            let at_us = (client.last_start_us + gap).max(self.now_us);
            self.schedule_client_wake(client_id, at_us);
        } else {
            self.clients.remove(&client_id);
        }
    }

    /// Wakes the client at `at_us`, superseding any wake-up it had armed.
    pub(super) fn schedule_client_wake(&mut self, client_id: u64, at_us: u64) {
        let client = self.clients.get_mut(&client_id).expect("known client");
        let wake = client.arm_wake();
        self.events.schedule(
            at_us,
            Event::ClientWake {
                client: client_id,
                wake,
            },
        );
    }
}

fn read_error_reply(error: ReadError) -> Reply {
    match error {
        ReadError::NotLeader { leader_hint } => Reply::Redirect { leader_hint },
        other => Reply::Busy(other.to_string()),
    }
}
