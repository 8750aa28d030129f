//! Shrinking: cutting a failing scenario down to a small one that still fails the same way —
//! fewer actions, nodes and operations, a shorter run — so a person can read what went wrong.
//! Every attempt is a full checked run; the number of attempts is bounded.

use super::run;
use super::safety::ViolationKind;
use crate::scenario::Scenario;

/// At most this many runs are tried.
pub const MAX_ATTEMPTS: u32 = 400;

pub struct Shrunk {
    pub scenario: Scenario,
    pub attempts: u32,
}

/// Shrinks `scenario`, which fails with a violation of `kind`.
pub fn shrink(scenario: &Scenario, kind: ViolationKind) -> Shrunk {
    let mut shrinker = Shrinker {
        best: scenario.clone(),
        kind,
        attempts: 0,
    };
    shrinker.shorten_run();
    shrinker.drop_actions();
    shrinker.simplify_config();
    shrinker.drop_workload();
    shrinker.drop_nodes();
    shrinker.drop_actions();
    shrinker.shorten_run();
    Shrunk {
        scenario: shrinker.best,
        attempts: shrinker.attempts,
    }
}

struct Shrinker {
    best: Scenario,
    kind: ViolationKind,
    attempts: u32,
}

impl Shrinker {
    /// Keeps `candidate` if it is valid and still fails the same way.
    fn try_candidate(&mut self, candidate: Scenario) -> bool {
        if self.attempts >= MAX_ATTEMPTS || candidate == self.best || candidate.validate().is_err()
        {
            return false;
        }
        self.attempts += 1;
        let checked = run::run(&candidate);
        let still_fails = checked
            .violations
            .iter()
            .any(|violation| violation.kind == self.kind);
        if still_fails {
            self.best = candidate;
        }
        still_fails
    }

    /// Ends the run just after the violation.
    fn shorten_run(&mut self) {
        let checked = run::run(&self.best);
        self.attempts += 1;
        let Some(violation) = checked
            .violations
            .iter()
            .find(|violation| violation.kind == self.kind)
        else {
            return;
        };
        let mut candidate = self.best.clone();
        // Never longer: a violation found after the run (linearizability) is dated at its end.
        candidate.until_ms = (violation.at_us / 1_000 + 1).clamp(1, candidate.until_ms);
        candidate
            .timeline
            .retain(|action| action.at_ms <= candidate.until_ms);
        self.try_candidate(candidate);
    }

    /// Removes actions in chunks, halving the chunk size down to single actions (a simple
    /// form of delta debugging).
    fn drop_actions(&mut self) {
        let mut chunk = self.best.timeline.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < self.best.timeline.len() {
                let mut candidate = self.best.clone();
                let end = (start + chunk).min(candidate.timeline.len());
                candidate.timeline.drain(start..end);
                if !self.try_candidate(candidate) {
                    start += chunk;
                }
            }
            if chunk == 1 {
                return;
            }
            chunk = chunk.div_ceil(2);
        }
    }

    /// Turns off what the failure may not need: random loss and duplication, crash points,
    /// automatic snapshots.
    fn simplify_config(&mut self) {
        let edits: [fn(&mut Scenario); 5] = [
            |s| s.config.loss_ppm = 0,
            |s| s.config.duplicate_ppm = 0,
            |s| s.config.crash_after_vote_ppm = 0,
            |s| s.config.crash_after_commit_ppm = 0,
            |s| s.config.snapshot_every = 0,
        ];
        for edit in edits {
            let mut candidate = self.best.clone();
            edit(&mut candidate);
            self.try_candidate(candidate);
        }
    }

    /// Fewer operations: no reads, no writes, fewer keys.
    fn drop_workload(&mut self) {
        let edits: [fn(&mut Scenario); 4] = [
            |s| s.workload.reads_per_sec = 0,
            |s| s.workload.writes_per_sec = 0,
            |s| s.workload.writes_per_sec /= 2,
            |s| s.workload.keys = 1,
        ];
        for edit in edits {
            let mut candidate = self.best.clone();
            edit(&mut candidate);
            self.try_candidate(candidate);
        }
    }

    /// Fewer nodes, while the timeline still names only nodes that exist.
    fn drop_nodes(&mut self) {
        while self.best.nodes > 1 {
            let mut candidate = self.best.clone();
            candidate.nodes -= 1;
            if !self.try_candidate(candidate) {
                return;
            }
        }
    }
}
