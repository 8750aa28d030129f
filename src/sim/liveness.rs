//! Liveness and crash points.
//!
//! Liveness: from the moment the scenario names, the simulator heals everything — the network
//! whole, at its configured latency, no loss or duplication, every node resumed and
//! restarted — and then a leader must be
//! elected within a bound, and every member must catch up with what was committed by then
//! within the bound again. Healing is part of the check, so no edit of the timeline (by a
//! person or the shrinker) can leave it judging a cluster that was never healed.
//!
//! Crash points: a node may crash right after the moments that matter — just after it sent a
//! granted vote, or just after it advanced its commit index as leader — and comes back later.

use super::Simulation;
use super::events::Event;
use crate::check::safety::{Violation, ViolationKind};
use crate::raft::{Index, NodeId};

/// How long a healed cluster may take to elect a leader, and again to catch every member up:
/// ten election timeouts plus ten round trips.
pub fn liveness_bound_us(config: &crate::scenario::ScenarioConfig) -> u64 {
    10 * (config.election_timeout_ms.1 + 2 * config.latency_ms.1 + config.disk_ms.1) * 1_000
}

impl Simulation {
    /// Decides, from the faults stream, whether `id` crashes at this crash point.
    pub(super) fn maybe_crash_point(&mut self, id: NodeId, chance_ppm: u32) {
        if !self.crash_points_on || chance_ppm == 0 || !self.streams.faults.chance_ppm(chance_ppm) {
            return;
        }
        let life = self.servers[&id].life;
        self.events
            .schedule(self.now_us, Event::CrashPoint { node: id, life });
    }

    pub(super) fn on_crash_point(&mut self, id: NodeId, life: u32) {
        if self
            .servers
            .get(&id)
            .is_none_or(|server| server.life != life)
        {
            return;
        }
        self.crash(id);
        let (low, high) = self.scenario.config.crash_restart_ms;
        let delay_us = self.streams.faults.between(low * 1_000, high * 1_000);
        let life = self.servers[&id].life;
        self.events
            .schedule(self.now_us + delay_us, Event::Restart { node: id, life });
    }

    pub(super) fn check_liveness(&mut self, stage: u8) {
        let bound_us = self.liveness_bound_us();
        let bound_ms = bound_us / 1_000;
        if stage == 0 {
            self.heal_everything();
            self.events
                .schedule(self.now_us + bound_us, Event::LivenessCheck { stage: 1 });
            self.events.schedule(
                self.now_us + 2 * bound_us,
                Event::LivenessCheck { stage: 2 },
            );
            return;
        }
        if stage == 1 {
            match self.leader() {
                Some(_) => self.liveness_target = Some(self.highest_commit()),
                None => self.liveness_failed(format!(
                    "no leader {bound_ms} ms after the network healed with a majority up"
                )),
            }
            return;
        }
        let Some(target) = self.liveness_target else {
            return;
        };
        let members = self.members();
        let behind: Vec<NodeId> = members
            .iter()
            .copied()
            .filter(|id| {
                self.servers
                    .get(id)
                    .is_some_and(|server| server.kv.last_applied() < target)
            })
            .collect();
        if !behind.is_empty() {
            self.liveness_failed(format!(
                "nodes {behind:?} had not applied index {target} (committed {bound_ms} ms after healing) another {bound_ms} ms later"
            ));
        }
    }

    /// Back to the scenario's own network, without loss or duplication: latency a `network`
    /// action raised goes too, since the bound is reckoned from the scenario's latency.
    fn heal_everything(&mut self) {
        self.crash_points_on = false;
        self.network.heal();
        self.network.config = super::NetworkConfig {
            loss_ppm: 0,
            duplicate_ppm: 0,
            ..super::network_config_of(&self.scenario.config)
        };
        for id in self.node_ids() {
            self.perform_heal(id);
        }
    }

    fn highest_commit(&self) -> Index {
        self.servers
            .values()
            .filter_map(|server| server.raft.as_ref().map(|raft| raft.commit_index()))
            .max()
            .unwrap_or(0)
    }

    fn liveness_failed(&mut self, detail: String) {
        let violation = Violation {
            kind: ViolationKind::Liveness,
            at_us: self.now_us,
            nodes: Vec::new(),
            index: None,
            term: None,
            detail,
        };
        self.record(violation);
    }
}
