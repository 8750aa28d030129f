//! The faulty phase: each move is drawn from the seed, and the network, the disks, the clocks
//! and the servers' lives are the fuzzer's to break.

use std::fmt;

use raft_playground::check::safety::Violation;
use raft_playground::kv::Operation;
use raft_playground::raft::{Index, Membership, MembershipChange, NodeId, ReadMode, Term};

use super::{AskedRead, Cluster, KEYS, running_node};

/// The most messages in flight. Past it the oldest are lost, a thousand at a time: the
/// network may lose anything, and memory stays bounded.
const MAX_IN_FLIGHT: usize = 3_000;
const LOST_WHEN_FULL: usize = 1_000;
/// Learners are added until the cluster has this many servers (removed ones included).
const MAX_SERVERS: usize = 8;

/// What a move may do, and how often it is drawn (parts per thousand). Deliveries and disk
/// writes come most often, so messages pile up and arrive out of order; faults often enough
/// that every run holds dozens of elections.
const MOVES: [(Move, u64); 12] = [
    (Move::Deliver, 450),
    (Move::CompleteWrites, 190),
    (Move::Lose, 20),
    (Move::PassTime, 40),
    (Move::Propose, 100),
    (Move::Read, 50),
    (Move::Crash, 20),
    (Move::Restart, 30),
    (Move::ForceTimeout, 30),
    (Move::Transfer, 20),
    (Move::ChangeMembership, 25),
    (Move::CompleteAllWrites, 25),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Move {
    /// Hands any message in flight to its receiver; now and then keeps a copy to hand again.
    Deliver,
    /// Completes one server's oldest pending write, or all of them.
    CompleteWrites,
    /// Loses any message in flight.
    Lose,
    /// Moves virtual time on; timers that are due fire.
    PassTime,
    /// A command at the leader of the highest term.
    Propose,
    /// A ReadIndex or lease read at any running server (a follower forwards it).
    Read,
    /// Crashes a running server (never the last one), at the seed's chance.
    Crash,
    /// Restarts a crashed server, three times in ten.
    Restart,
    /// Forces a running server's election timeout (inside a leader's lease it is refused).
    ForceTimeout,
    /// Asks the leader to hand over to any server.
    Transfer,
    /// Asks the leader to add a learner or remove a member.
    ChangeMembership,
    /// Completes every pending write of every running server.
    CompleteAllWrites,
}

/// One line of the trace: what happened at a moment of virtual time. Formatted only for a
/// failure's report, so a passing run pays little for it.
#[derive(Clone, Debug)]
pub(super) enum Happened {
    Delivered {
        from: NodeId,
        to: NodeId,
        term: Term,
        kind: &'static str,
        copy_kept: bool,
    },
    Proposed {
        leader: NodeId,
        index: Option<Index>,
    },
    Read {
        node: NodeId,
        read_id: u64,
        mode: ReadMode,
        committed_before: Index,
    },
    Crashed(NodeId),
    Restarted(NodeId),
    TimedOut {
        node: NodeId,
        campaigning: bool,
    },
    Transfer {
        leader: NodeId,
        target: NodeId,
        started: bool,
    },
    MembershipChange {
        leader: NodeId,
        change: MembershipChange,
        index: Option<Index>,
    },
    Healed,
}

impl fmt::Display for Happened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Happened::Delivered {
                from,
                to,
                term,
                kind,
                copy_kept,
            } => {
                let copy = if *copy_kept { " (a copy kept)" } else { "" };
                write!(f, "S{from} -> S{to} {kind} of term {term}{copy}")
            }
            Happened::Proposed { leader, index } => {
                write!(f, "S{leader} was asked to propose: {}", taken(*index))
            }
            Happened::Read {
                node,
                read_id,
                mode,
                committed_before,
            } => write!(
                f,
                "S{node} was asked for {mode:?} read {read_id} with index {committed_before} committed"
            ),
            Happened::Crashed(id) => write!(f, "S{id} crashed"),
            Happened::Restarted(id) => write!(f, "S{id} restarted"),
            Happened::TimedOut { node, campaigning } => {
                write!(
                    f,
                    "S{node}'s election timeout was forced; campaigning: {campaigning}"
                )
            }
            Happened::Transfer {
                leader,
                target,
                started,
            } => write!(
                f,
                "S{leader} was asked to transfer to S{target}; started: {started}"
            ),
            Happened::MembershipChange {
                leader,
                change,
                index,
            } => write!(f, "S{leader} was asked for {change:?}: {}", taken(*index)),
            Happened::Healed => write!(f, "the network heals, and every server runs"),
        }
    }
}

/// What became of a proposal.
fn taken(index: Option<Index>) -> String {
    index.map_or_else(|| "refused".to_string(), |index| format!("index {index}"))
}

impl Cluster {
    fn draw_move(&mut self) -> Move {
        let total: u64 = MOVES.iter().map(|(_, weight)| weight).sum();
        let mut roll = self.moves.below(total);
        for (chosen, weight) in MOVES {
            if roll < weight {
                return chosen;
            }
            roll -= weight;
        }
        unreachable!("the roll is below the total weight")
    }

    pub(super) fn step(&mut self) -> Result<(), Violation> {
        match self.draw_move() {
            Move::Deliver => self.deliver_any()?,
            Move::CompleteWrites => self.complete_some_writes()?,
            Move::Lose => self.lose_any(),
            Move::PassTime => {
                self.now_us += 1_000 + self.moves.below(self.shape.time_step_us_max);
                self.fire_due_timers()?;
            }
            Move::Propose => self.propose()?,
            Move::Read => self.read()?,
            Move::Crash => self.maybe_crash(),
            Move::Restart => self.maybe_restart()?,
            Move::ForceTimeout => self.force_timeout()?,
            Move::Transfer => self.transfer()?,
            Move::ChangeMembership => self.change_membership()?,
            Move::CompleteAllWrites => {
                for id in self.running() {
                    self.complete_every_write(id)?;
                }
            }
        }
        if self.in_flight.len() > MAX_IN_FLIGHT {
            self.in_flight.drain(..LOST_WHEN_FULL);
        }
        Ok(())
    }

    fn deliver_any(&mut self) -> Result<(), Violation> {
        if self.in_flight.is_empty() {
            return Ok(());
        }
        let at = self.moves.below(self.in_flight.len() as u64) as usize;
        let copy_kept = self.moves.chance_ppm(60_000);
        let message = if copy_kept {
            self.in_flight[at].clone()
        } else {
            self.in_flight.swap_remove(at)
        };
        self.note(Happened::Delivered {
            from: message.from,
            to: message.to,
            term: message.term,
            kind: message.body.kind(),
            copy_kept,
        });
        self.deliver(message)
    }

    fn lose_any(&mut self) {
        if !self.in_flight.is_empty() {
            let at = self.moves.below(self.in_flight.len() as u64) as usize;
            self.in_flight.swap_remove(at);
        }
    }

    fn complete_some_writes(&mut self) -> Result<(), Violation> {
        let ids: Vec<NodeId> = self.servers.keys().copied().collect();
        let id = *self.moves.pick(&ids);
        let only_one = self.moves.chance_ppm(500_000);
        if self.servers[&id].raft.is_none() {
            return Ok(());
        }
        if only_one {
            self.complete_write(id)
        } else {
            self.complete_every_write(id)
        }
    }

    fn propose(&mut self) -> Result<(), Violation> {
        let Some(leader) = self.leader() else {
            return Ok(());
        };
        let sequence = self.next_sequence;
        let operation = Operation::Put {
            key: format!("k{}", sequence % KEYS),
            value: sequence.to_string(),
        };
        let index = self.propose_command(leader, operation);
        self.note(Happened::Proposed { leader, index });
        self.after_input(leader)
    }

    fn read(&mut self) -> Result<(), Violation> {
        let Some(node) = self.any_running() else {
            return Ok(());
        };
        let lease = self.shape.config.check_quorum && self.moves.chance_ppm(500_000);
        let mode = if lease {
            ReadMode::Lease
        } else {
            ReadMode::ReadIndex
        };
        let read_id = self.next_read_id;
        self.next_read_id += 1;
        let now_us = self.local_now_us(node);
        if self.raft_mut(node).read(now_us, read_id, mode).is_ok() {
            let committed_before = self.highest_commit_index;
            self.reads.insert(
                read_id,
                AskedRead {
                    node,
                    committed_before,
                },
            );
            self.note(Happened::Read {
                node,
                read_id,
                mode,
                committed_before,
            });
        }
        self.after_input(node)
    }

    /// Any running server, if one is.
    fn any_running(&mut self) -> Option<NodeId> {
        let running = self.running();
        (!running.is_empty()).then(|| *self.moves.pick(&running))
    }

    /// Crashes a running server, never the last one.
    fn maybe_crash(&mut self) {
        let running = self.running();
        if running.len() < 2 || !self.moves.chance_ppm(self.shape.crash_ppm) {
            return;
        }
        let id = *self.moves.pick(&running);
        self.note(Happened::Crashed(id));
        self.crash(id);
    }

    fn maybe_restart(&mut self) -> Result<(), Violation> {
        let down: Vec<NodeId> = self
            .servers
            .iter()
            .filter(|(_, server)| server.raft.is_none())
            .map(|(&id, _)| id)
            .collect();
        if down.is_empty() || !self.moves.chance_ppm(300_000) {
            return Ok(());
        }
        let id = *self.moves.pick(&down);
        self.note(Happened::Restarted(id));
        self.start(id)
    }

    fn force_timeout(&mut self) -> Result<(), Violation> {
        let Some(node) = self.any_running() else {
            return Ok(());
        };
        let now_us = self.local_now_us(node);
        let campaigning = running_node(&mut self.servers, node)
            .trigger_election_timeout(now_us, &mut self.timers);
        self.note(Happened::TimedOut { node, campaigning });
        self.after_input(node)
    }

    /// Asks the leader to hand over to any server, a non-voter or itself included.
    fn transfer(&mut self) -> Result<(), Violation> {
        let Some(leader) = self.leader() else {
            return Ok(());
        };
        let ids: Vec<NodeId> = self.servers.keys().copied().collect();
        let target = *self.moves.pick(&ids);
        let now_us = self.local_now_us(leader);
        let started = self
            .raft_mut(leader)
            .transfer_leadership(now_us, target)
            .is_ok();
        self.tally.transfers_started += u64::from(started);
        self.note(Happened::Transfer {
            leader,
            target,
            started,
        });
        self.after_input(leader)
    }

    /// Adds a brand-new learner (started at once) or removes any member, the leader included.
    fn change_membership(&mut self) -> Result<(), Violation> {
        let Some(leader) = self.leader() else {
            return Ok(());
        };
        let add = self.moves.chance_ppm(500_000) && self.servers.len() < MAX_SERVERS;
        let change = if add {
            MembershipChange::AddLearner(self.next_node_id)
        } else {
            let members: Vec<NodeId> = self.raft_mut(leader).membership().members().collect();
            MembershipChange::Remove(*self.moves.pick(&members))
        };
        let now_us = self.local_now_us(leader);
        let index = self
            .raft_mut(leader)
            .propose_membership_change(now_us, change)
            .ok();
        self.note(Happened::MembershipChange {
            leader,
            change,
            index,
        });
        if let (Some(_), MembershipChange::AddLearner(id)) = (index, change) {
            self.next_node_id += 1;
            self.add_server(id, Membership::default());
            self.start(id)?;
        }
        self.after_input(leader)
    }
}
