//! The heal and the recovery: once the faults stop, a cluster that promises liveness must
//! elect a leader that commits a new command, and catch every member up.

use raft_playground::check::safety::{Violation, ViolationKind};
use raft_playground::kv::Operation;
use raft_playground::raft::{Index, NodeId};

use super::Cluster;
use super::moves::Happened;

/// How long a healed cluster has, in virtual time, to elect a leader that commits a new
/// command and to catch every member up: a hundred election timeouts and more.
const RECOVERY_US: u64 = 30_000_000;
/// How far virtual time moves at each round of the recovery phase.
const RECOVERY_ROUND_US: u64 = 5_000;
/// Deliveries and writes in one recovery round before time moves on anyway: a cluster that
/// keeps talking without time passing is still bounded.
const RECOVERY_PASSES: usize = 50;

impl Cluster {
    /// Every server restarted, every write completed and every message delivered, in order,
    /// with time passing: within `RECOVERY_US` a leader must commit as far as a command
    /// proposed after the heal, with no entry beyond, and every member of its configuration
    /// must have committed as far.
    pub(super) fn heal_and_recover(&mut self) -> Result<(), Violation> {
        self.note(Happened::Healed);
        let ids: Vec<NodeId> = self.servers.keys().copied().collect();
        for &id in &ids {
            if self.servers[&id].raft.is_none() {
                self.start(id)?;
            }
        }
        let healed_us = self.now_us;
        let mut proposed: Option<Index> = None;
        while self.now_us < healed_us + RECOVERY_US {
            self.settle(&ids)?;
            self.now_us += RECOVERY_ROUND_US;
            self.fire_due_timers()?;
            let Some(leader) = self.leader() else {
                continue;
            };
            let Some(index) = proposed else {
                let operation = Operation::Delete {
                    key: "recovered".to_string(),
                };
                proposed = self.propose_command(leader, operation);
                self.after_input(leader)?;
                continue;
            };
            if self.caught_up(leader, index) {
                self.tally.recoveries += 1;
                return Ok(());
            }
        }
        Err(self.not_recovered(proposed))
    }

    /// Completes every write and delivers every message, in order, until the cluster is quiet
    /// (or `RECOVERY_PASSES` passes have gone by).
    fn settle(&mut self, ids: &[NodeId]) -> Result<(), Violation> {
        for _ in 0..RECOVERY_PASSES {
            let mut busy = false;
            for &id in ids {
                busy |= !self.servers[&id].unwritten.is_empty();
                self.complete_every_write(id)?;
            }
            let in_flight = std::mem::take(&mut self.in_flight);
            busy |= !in_flight.is_empty();
            for message in in_flight {
                self.deliver(message)?;
            }
            if !busy {
                break;
            }
        }
        Ok(())
    }

    fn caught_up(&self, leader: NodeId, proposed: Index) -> bool {
        let raft = self.servers[&leader].raft.as_ref().expect("running");
        let commit_index = raft.commit_index();
        commit_index >= proposed
            && raft.log().last_index() == commit_index
            && raft.membership().members().all(|member| {
                self.servers
                    .get(&member)
                    .and_then(|server| server.raft.as_ref())
                    .is_some_and(|raft| raft.commit_index() == commit_index)
            })
    }

    fn not_recovered(&self, proposed: Option<Index>) -> Violation {
        let servers: Vec<String> = self
            .servers
            .iter()
            .filter_map(|(id, server)| {
                let raft = server.raft.as_ref()?;
                Some(format!(
                    "S{id} {:?} term {} commit_index {} last_index {} snapshot_index {} members {:?}",
                    raft.role(),
                    raft.current_term(),
                    raft.commit_index(),
                    raft.log().last_index(),
                    raft.log().snapshot_index(),
                    raft.membership().members().collect::<Vec<_>>()
                ))
            })
            .collect();
        let detail = format!(
            "{} s after the heal, no leader has committed a new command with every member caught up (proposed at index {proposed:?}); {}",
            RECOVERY_US / 1_000_000,
            servers.join("; ")
        );
        self.violation(ViolationKind::Liveness, Vec::new(), detail)
    }
}
