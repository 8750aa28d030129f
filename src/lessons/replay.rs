//! Replaying a lesson: the scenario runs one virtual millisecond at a time (the page seeks to
//! whole milliseconds too), a [`Watch`] counts happenings after each, every step is resolved
//! to its moment and its expectations are checked there.
//!
//! Counting per millisecond rather than per event means a role held for less than a
//! millisecond, or a message that lives less than one, can go unseen; lesson scenarios keep
//! latencies of several milliseconds, and the counters taken from the simulator itself
//! (elections, split votes, coverage) miss nothing.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::evaluate::Moment;
use super::expectation::Happening;
use super::{Lesson, StepTime};
use crate::check;
use crate::raft::{AppendOutcome, Index, Membership, MessageBody, NodeId, Role, Term};
use crate::sim::Simulation;
use crate::sim::network::Packet;

/// A step placed in time: the page shows `caption` from `at_ms` on. The page's catalog holds
/// them as static data (borrowed captions); a replay makes them from a lesson (owned ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedStep {
    pub at_ms: u64,
    pub caption: Cow<'static, str>,
}

/// Which step's caption shows at `at_ms`: the last one whose moment has come (`None` before
/// the first). `steps` is what [`resolve`] returned.
pub fn step_index_at(steps: &[ResolvedStep], at_ms: u64) -> Option<usize> {
    steps.iter().rposition(|step| step.at_ms <= at_ms)
}

/// Resolves every step of `lesson` to its moment and checks its expectations there. Stops at
/// the last step's moment: this is what the page needs, and takes a fraction of the run.
/// The error names the lesson, the step and the expectation that failed.
pub fn resolve(lesson: &Lesson) -> Result<Vec<ResolvedStep>, String> {
    Replay::new(lesson).run_steps()
}

/// [`resolve`], then the rest of the run to `until_ms`, which must be clean: no safety
/// violation, and a client history the linearizability checker accepts.
pub fn check(lesson: &Lesson) -> Result<Vec<ResolvedStep>, String> {
    let mut replay = Replay::new(lesson);
    let steps = replay.run_steps()?;
    replay.simulation.run();
    let checked = check::run::finish(replay.simulation);
    if let Some(violation) = checked.violations.first() {
        return Err(format!(
            "lesson {}: the run is not clean: {} at {} ms: {}",
            lesson.id,
            violation.kind.name(),
            violation.at_us / 1_000,
            violation.detail
        ));
    }
    if checked.linearizable != Some(true) {
        return Err(format!(
            "lesson {}: the linearizability check was inconclusive",
            lesson.id
        ));
    }
    Ok(steps)
}

struct Replay<'a> {
    lesson: &'a Lesson,
    simulation: Simulation,
    watch: Watch,
    /// The virtual time the replay has reached, in whole milliseconds.
    now_ms: u64,
}

impl<'a> Replay<'a> {
    fn new(lesson: &'a Lesson) -> Self {
        let simulation = Simulation::new(&lesson.scenario);
        let mut watch = Watch::default();
        watch.observe(&simulation);
        Replay {
            lesson,
            simulation,
            watch,
            now_ms: 0,
        }
    }

    fn run_steps(&mut self) -> Result<Vec<ResolvedStep>, String> {
        let mut resolved = Vec::with_capacity(self.lesson.steps.len());
        let mut previous_commits = commit_indexes(&self.simulation);
        for (index, step) in self.lesson.steps.iter().enumerate() {
            let at_ms = self.step_moment(index)?;
            let happened = |happening| self.watch.count(&self.simulation, happening);
            let moment = Moment {
                simulation: &self.simulation,
                happened: &happened,
                previous_commits: &previous_commits,
            };
            for expectation in &step.expect {
                expectation.check(&moment).map_err(|found| {
                    format!(
                        "lesson {}, step {} (at {at_ms} ms): expected {expectation}, but {found}",
                        self.lesson.id,
                        index + 1
                    )
                })?;
            }
            previous_commits = commit_indexes(&self.simulation);
            resolved.push(ResolvedStep {
                at_ms,
                caption: Cow::Owned(step.caption.clone()),
            });
        }
        Ok(resolved)
    }

    /// Runs to step `index`'s moment and returns it.
    fn step_moment(&mut self, index: usize) -> Result<u64, String> {
        let name = format!("lesson {}, step {}", self.lesson.id, index + 1);
        match self.lesson.steps[index].time {
            StepTime::At { at_ms } => {
                // A parsed lesson cannot fail here (fixed times increase, and a `when` step
                // resolves before the next fixed time or fails), but one built in code can.
                let after_previous = at_ms > self.now_ms || (index == 0 && at_ms == 0);
                if !after_previous {
                    return Err(format!(
                        "{name}: at_ms {at_ms} is not after the previous step's moment ({} ms)",
                        self.now_ms
                    ));
                }
                self.advance_to(at_ms);
                Ok(at_ms)
            }
            StepTime::When { happening } => {
                let limit_ms = self.when_limit_ms(index);
                let since_ms = self.now_ms;
                let baseline = self.watch.count(&self.simulation, happening);
                while self.now_ms < limit_ms {
                    self.advance_to(self.now_ms + 1);
                    if self.watch.count(&self.simulation, happening) > baseline {
                        return Ok(self.now_ms);
                    }
                }
                Err(format!(
                    "{name} (when {}): it did not happen between {since_ms} ms and {limit_ms} ms",
                    happening.name()
                ))
            }
        }
    }

    /// A `when` step must resolve before the next fixed step, and within the run.
    fn when_limit_ms(&self, index: usize) -> u64 {
        let until_ms = self.lesson.scenario.until_ms;
        self.lesson.steps[index + 1..]
            .iter()
            .find_map(|step| match step.time {
                StepTime::At { at_ms } => Some(at_ms.saturating_sub(1)),
                StepTime::When { .. } => None,
            })
            .unwrap_or(until_ms)
            .min(until_ms)
    }

    /// Runs one millisecond at a time to `at_ms`, watching after each.
    fn advance_to(&mut self, at_ms: u64) {
        while self.now_ms < at_ms {
            self.now_ms += 1;
            self.simulation.run_until(self.now_ms * 1_000);
            self.watch.observe(&self.simulation);
        }
    }
}

fn commit_indexes(simulation: &Simulation) -> BTreeMap<NodeId, Index> {
    // Built by insertion, not `collect`: collecting into a B-tree sorts a buffer first, and that
    // stable sort is compiled anew for each element type, which weighs on the page's wasm.
    let mut commits = BTreeMap::new();
    commits.extend(simulation.servers().map(|server| {
        let commit = server.raft.as_ref().map_or(0, |raft| raft.commit_index());
        (server.id, commit)
    }));
    commits
}

/// The happenings the simulator does not count itself, counted by looking at the run after
/// every millisecond.
#[derive(Default)]
struct Watch {
    /// Each running node's role and term at the last look.
    roles: BTreeMap<NodeId, (Role, Term)>,
    elections_started: u64,
    step_downs: u64,
    append_rejections: u64,
    /// The highest message id already looked at.
    last_message_id: u64,
    earlier_term_on_majority: bool,
    earlier_term_on_majority_count: u64,
    membership: Option<Membership>,
    membership_changes: u64,
}

impl Watch {
    fn count(&self, simulation: &Simulation, happening: Happening) -> u64 {
        let coverage = simulation.coverage();
        match happening {
            Happening::ElectionStarted => self.elections_started,
            Happening::LeaderElected => simulation.metrics.elections,
            Happening::SplitVote => coverage.split_votes,
            Happening::SteppedDown => self.step_downs,
            Happening::AppendRejected => self.append_rejections,
            Happening::EarlierTermEntryOnMajority => self.earlier_term_on_majority_count,
            Happening::EarlierTermCommitted => coverage.earlier_term_commits,
            Happening::PreVoteRejected => coverage.pre_vote_rejections,
            Happening::InstallSnapshot => coverage.install_snapshot_chunks,
            Happening::MembershipChanged => self.membership_changes,
        }
    }

    fn observe(&mut self, simulation: &Simulation) {
        self.observe_roles(simulation);
        self.observe_messages(simulation);
        let on_majority = earlier_term_entry_on_majority(simulation);
        if on_majority && !self.earlier_term_on_majority {
            self.earlier_term_on_majority_count += 1;
        }
        self.earlier_term_on_majority = on_majority;
        self.observe_membership(simulation);
    }

    fn observe_roles(&mut self, simulation: &Simulation) {
        let mut roles = BTreeMap::new();
        for server in simulation.servers().filter(|server| server.is_up()) {
            let Some(raft) = server.raft.as_ref() else {
                continue;
            };
            let now = (raft.role(), raft.current_term());
            let before = self.roles.get(&server.id).copied();
            if now.0 == Role::Candidate && before != Some(now) {
                self.elections_started += 1;
            }
            if before.is_some_and(|(role, _)| role == Role::Leader) && now.0 != Role::Leader {
                self.step_downs += 1;
            }
            roles.insert(server.id, now);
        }
        self.roles = roles;
    }

    fn observe_messages(&mut self, simulation: &Simulation) {
        let mut highest = self.last_message_id;
        for message in simulation.network().in_flight() {
            if message.id <= self.last_message_id {
                continue;
            }
            highest = highest.max(message.id);
            if let Packet::Raft(raft) = &message.packet
                && let MessageBody::AppendEntriesResponse {
                    outcome: AppendOutcome::Conflict { .. },
                } = raft.body
            {
                self.append_rejections += 1;
            }
        }
        self.last_message_id = highest;
    }

    fn observe_membership(&mut self, simulation: &Simulation) {
        let Some(membership) = simulation
            .leader()
            .and_then(|leader| simulation.server(leader))
            .and_then(|server| server.raft.as_ref())
            .map(|raft| raft.membership().clone())
        else {
            return;
        };
        if self
            .membership
            .as_ref()
            .is_some_and(|before| *before != membership)
        {
            self.membership_changes += 1;
        }
        self.membership = Some(membership);
    }
}

/// Figure 8 (c): the leader's match indexes show an entry of an earlier term on a majority of
/// voters, beyond its commit index. The majority is computed here, apart from the core's own
/// quorum code.
fn earlier_term_entry_on_majority(simulation: &Simulation) -> bool {
    let Some(leader) = simulation.leader() else {
        return false;
    };
    let Some(raft) = simulation
        .server(leader)
        .and_then(|server| server.raft.as_ref())
    else {
        return false;
    };
    let Some(progress) = raft.progress() else {
        return false;
    };
    let voters = &raft.membership().voters;
    let mut matched: Vec<Index> = voters
        .iter()
        .map(|&voter| match voter == leader {
            true => raft.persisted_index(),
            false => progress
                .get(&voter)
                .map_or(0, |follower| follower.match_index),
        })
        .collect();
    // The (voters / 2 + 1)-th largest, held by a majority. Sorted ascending, not descending by a
    // comparator: the plain sort is shared with other callers (one copy in the page's wasm).
    matched.sort_unstable();
    let Some(&on_majority) = matched.iter().rev().nth(voters.len() / 2) else {
        return false;
    };
    on_majority > raft.commit_index()
        && raft
            .log()
            .term_at(on_majority)
            .is_some_and(|term| term < raft.current_term())
}
