//! Checking an [`Expectation`] against a run at a step's moment. Everything is read from
//! outside the nodes: roles, terms, logs and commit indexes as the `raft-sim run` report shows
//! them, disks, state machines, the client history and the backups the simulator recorded.

use std::collections::BTreeMap;

use super::expectation::{Expectation, Happening};
use crate::raft::{Index, NodeId, Term};
use crate::scenario::ReadKind;
use crate::sim::Simulation;
use crate::sim::history::{OpKind, OpOutcome};
use crate::sim::server::Server;

/// What an expectation is checked against: the run at the step's moment, how often each
/// happening has happened so far, and every node's commit index at the previous step.
pub(super) struct Moment<'a> {
    pub simulation: &'a Simulation,
    pub happened: &'a dyn Fn(Happening) -> u64,
    pub previous_commits: &'a BTreeMap<NodeId, Index>,
}

impl Expectation {
    /// `Ok` if the expectation holds at `moment`; otherwise what was found instead.
    pub(super) fn check(&self, moment: &Moment) -> Result<(), String> {
        let simulation = moment.simulation;
        match self {
            Expectation::Happened(happening) => match (moment.happened)(*happening) {
                0 => Err("it has not happened yet".to_string()),
                _ => Ok(()),
            },
            Expectation::Clean => match simulation.violations().first() {
                None => Ok(()),
                Some(violation) => Err(format!("a violation: {}", violation.detail)),
            },
            Expectation::NoLeader => match simulation.leader() {
                None => Ok(()),
                Some(leader) => Err(format!("S{leader} leads")),
            },
            Expectation::Leader(node) => match simulation.leader() {
                Some(leader) if leader == *node => Ok(()),
                other => Err(describe_leader(other)),
            },
            Expectation::LeaderIsNot(node) => match simulation.leader() {
                Some(leader) if leader != *node => Ok(()),
                other => Err(describe_leader(other)),
            },
            Expectation::TermAtLeast(term) => {
                let highest = node_states(simulation).map(|state| state.term).max();
                at_least(highest.unwrap_or(0), *term, "the highest term")
            }
            Expectation::NodeTermAtMost { node, term } => {
                let state = node_state(simulation, *node)?;
                at_most(state.term, *term, &format!("S{node}'s term"))
            }
            Expectation::Role { node, is } => {
                let state = node_state(simulation, *node)?;
                match state.role == is.as_str() {
                    true => Ok(()),
                    false => Err(format!("S{node} is {}", state.role)),
                }
            }
            _ => self.check_log(moment),
        }
    }

    /// The expectations about commit indexes and logs.
    fn check_log(&self, moment: &Moment) -> Result<(), String> {
        let simulation = moment.simulation;
        match self {
            Expectation::CommittedOnAllLiveAtLeast(index) => {
                for state in node_states(simulation).filter(|state| state.running) {
                    let what = format!("S{}'s commit index", state.id);
                    at_least(state.commit_index, *index, &what)?;
                }
                Ok(())
            }
            Expectation::CommitAtLeast { node, index } => {
                let state = node_state(simulation, *node)?;
                at_least(
                    state.commit_index,
                    *index,
                    &format!("S{node}'s commit index"),
                )
            }
            Expectation::CommitAtMost { node, index } => {
                let state = node_state(simulation, *node)?;
                at_most(
                    state.commit_index,
                    *index,
                    &format!("S{node}'s commit index"),
                )
            }
            Expectation::CommitUnchangedSincePreviousStep(node) => {
                let state = node_state(simulation, *node)?;
                let before = moment.previous_commits.get(node).copied().unwrap_or(0);
                match state.commit_index == before {
                    true => Ok(()),
                    false => Err(format!(
                        "S{node}'s commit index went from {before} to {}",
                        state.commit_index
                    )),
                }
            }
            Expectation::LogStartAtLeast { node, index } => {
                let state = node_state(simulation, *node)?;
                at_least(state.log_start, *index, &format!("S{node}'s log start"))
            }
            Expectation::LastIndex { node, index } => {
                let server = server(simulation, *node)?;
                let disk = &server.disk.persisted;
                let last_index = match &server.raft {
                    Some(raft) => raft.log().last_index(),
                    None => disk
                        .entries
                        .last()
                        .map_or(disk.snapshot.last_included_index, |entry| entry.index),
                };
                match last_index == *index {
                    true => Ok(()),
                    false => Err(format!("S{node}'s last index is {last_index}")),
                }
            }
            _ => self.check_state(simulation),
        }
    }

    /// The expectations about votes, state machines, the membership, the client history and
    /// backups.
    fn check_state(&self, simulation: &Simulation) -> Result<(), String> {
        match self {
            Expectation::VotedFor { node, candidate } => {
                let server = server(simulation, *node)?;
                let voted_for = match &server.raft {
                    Some(raft) => raft.voted_for(),
                    None => server.disk.persisted.hard_state.voted_for,
                };
                match voted_for == *candidate {
                    true => Ok(()),
                    false => Err(format!(
                        "S{node} voted for {}",
                        voted_for.map_or("nobody".to_string(), |id| format!("S{id}"))
                    )),
                }
            }
            Expectation::Kv { node, key, value } => {
                let found = server(simulation, *node)?.kv.get(key);
                match found == value.as_deref() {
                    true => Ok(()),
                    false => Err(format!("S{node} has {key} = {found:?}")),
                }
            }
            Expectation::Voters(expected) | Expectation::Learners(expected) => {
                let leader = simulation
                    .leader()
                    .ok_or_else(|| "there is no leader to ask".to_string())?;
                let raft = server(simulation, leader)?
                    .raft
                    .as_ref()
                    .ok_or_else(|| format!("leader {leader} is not running"))?;
                let membership = raft.membership();
                let found: Vec<NodeId> = match self {
                    Expectation::Voters(_) => membership.voters.iter().copied().collect(),
                    _ => membership.learners.iter().copied().collect(),
                };
                match &found == expected {
                    true => Ok(()),
                    false => Err(format!("leader {leader} has {found:?}")),
                }
            }
            _ => self.check_history(simulation),
        }
    }

    /// The expectations about the client history and backups.
    fn check_history(&self, simulation: &Simulation) -> Result<(), String> {
        match self {
            Expectation::ReadReturned {
                read,
                key,
                value,
                within_ms,
                invoked_at_ms,
            } => {
                let wanted = ReadWanted {
                    read: *read,
                    key,
                    value: value.as_deref(),
                    within_ms: *within_ms,
                    invoked_at_ms: *invoked_at_ms,
                };
                check_read(simulation, &wanted)
            }
            Expectation::WriteAcknowledged { key, value } => {
                let acknowledged = simulation.history().ops().any(|op| {
                    op.key == *key
                        && op.outcome == OpOutcome::Done
                        && matches!(&op.kind, OpKind::Put { value: put } if put == value)
                });
                match acknowledged {
                    true => Ok(()),
                    false => Err(format!("no put of {key} = {value:?} has completed")),
                }
            }
            Expectation::BackupCopies(copies) => {
                let found = simulation.backup_copies(1);
                match found == *copies {
                    true => Ok(()),
                    false => Err(format!("the first backup has {found} copies")),
                }
            }
            _ => unreachable!("every other expectation is checked by the callers"),
        }
    }
}

/// What a `read_returned` expectation looks for in the history.
struct ReadWanted<'a> {
    read: ReadKind,
    key: &'a str,
    value: Option<&'a str>,
    within_ms: Option<u64>,
    invoked_at_ms: Option<u64>,
}

fn check_read(simulation: &Simulation, wanted: &ReadWanted) -> Result<(), String> {
    let ReadWanted { read, key, .. } = *wanted;
    let reads: Vec<_> = simulation
        .history()
        .ops()
        .filter(|op| op.key == key && op.kind == OpKind::Read { read: read.name() })
        .filter(|op| {
            wanted
                .invoked_at_ms
                .is_none_or(|invoked_at_ms| op.invoke_us == invoked_at_ms * 1_000)
        })
        .collect();
    let found = reads.iter().any(|op| {
        let in_time = match (op.complete_us, wanted.within_ms) {
            (Some(complete_us), Some(within_ms)) => complete_us - op.invoke_us <= within_ms * 1_000,
            (Some(_), None) => true,
            (None, _) => false,
        };
        in_time && op.outcome == OpOutcome::Value(wanted.value.map(str::to_string))
    });
    if found {
        return Ok(());
    }
    let seen: Vec<String> = reads
        .iter()
        .map(|op| match op.complete_us {
            Some(complete_us) => format!(
                "{:?} after {} ms",
                op.outcome,
                (complete_us - op.invoke_us) / 1_000
            ),
            None => format!("{:?}", op.outcome),
        })
        .collect();
    Err(format!("{} reads of {key}: {seen:?}", read.name()))
}

fn describe_leader(leader: Option<NodeId>) -> String {
    match leader {
        Some(leader) => format!("S{leader} leads"),
        None => "there is no leader".to_string(),
    }
}

fn at_least(found: u64, bound: u64, what: &str) -> Result<(), String> {
    match found >= bound {
        true => Ok(()),
        false => Err(format!("{what} is {found}")),
    }
}

fn at_most(found: u64, bound: u64, what: &str) -> Result<(), String> {
    match found <= bound {
        true => Ok(()),
        false => Err(format!("{what} is {found}")),
    }
}

/// One node as the `raft-sim run` report shows it.
struct NodeState {
    id: NodeId,
    role: &'static str,
    running: bool,
    term: Term,
    commit_index: Index,
    log_start: Index,
}

fn node_states(simulation: &Simulation) -> impl Iterator<Item = NodeState> {
    simulation
        .report(None)
        .nodes
        .into_iter()
        .map(|node| NodeState {
            id: node.id,
            role: node.role,
            running: node.up && node.role != "paused",
            term: node.term,
            commit_index: node.commit_index,
            log_start: node.log_start,
        })
}

fn server(simulation: &Simulation, node: NodeId) -> Result<&Server, String> {
    simulation
        .server(node)
        .ok_or_else(|| format!("there is no S{node}"))
}

fn node_state(simulation: &Simulation, node: NodeId) -> Result<NodeState, String> {
    node_states(simulation)
        .find(|state| state.id == node)
        .ok_or_else(|| format!("there is no S{node}"))
}
