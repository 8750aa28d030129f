//! Shrinking: cutting a failing scenario down to a small one that still fails the same way —
//! fewer actions, nodes and operations, a shorter run — so a person can read what went wrong.
//! Every attempt is a full checked run; the number of attempts is bounded.

use super::run;
use super::safety::{Violation, ViolationKind};
use crate::scenario::Scenario;

/// At most this many runs are tried.
pub const MAX_ATTEMPTS: u32 = 400;

pub struct Shrunk {
    pub scenario: Scenario,
    pub attempts: u32,
}

/// What "fails the same way" means while shrinking: a violation of the same kind, and for a
/// panic the same message up to its numbers. A panic stands for any broken invariant of the
/// core or the simulator, so shrinking must not trade the one it was given for another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    kind: ViolationKind,
    /// The panic's message with every number written as `#`; `None` for other kinds.
    panic: Option<String>,
}

impl Failure {
    fn matches(&self, violation: &Violation) -> bool {
        violation.kind == self.kind
            && (self.panic.is_none() || self.panic == panic_signature(violation))
    }
}

impl From<ViolationKind> for Failure {
    /// Any violation of `kind`; for a panic, that would be any panic.
    fn from(kind: ViolationKind) -> Self {
        Failure { kind, panic: None }
    }
}

impl From<&Violation> for Failure {
    fn from(violation: &Violation) -> Self {
        Failure {
            kind: violation.kind,
            panic: panic_signature(violation),
        }
    }
}

/// A panic's message without the numbers in it, which shrinking changes (lengths, indexes,
/// terms) while the broken invariant stays the same.
fn panic_signature(violation: &Violation) -> Option<String> {
    if violation.kind != ViolationKind::Panic {
        return None;
    }
    let mut signature = String::with_capacity(violation.detail.len());
    for c in violation.detail.chars() {
        if !c.is_ascii_digit() {
            signature.push(c);
        } else if !signature.ends_with('#') {
            signature.push('#');
        }
    }
    Some(signature)
}

/// Shrinks `scenario`, which fails with `failure` (a violation, or a kind of violation).
pub fn shrink(scenario: &Scenario, failure: impl Into<Failure>) -> Shrunk {
    let mut shrinker = Shrinker {
        best: scenario.clone(),
        failure: failure.into(),
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
    failure: Failure,
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
            .any(|violation| self.failure.matches(violation));
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
            .find(|violation| self.failure.matches(violation))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(kind: ViolationKind, detail: &str) -> Violation {
        Violation {
            kind,
            at_us: 0,
            nodes: Vec::new(),
            index: None,
            term: None,
            detail: detail.to_string(),
        }
    }

    #[test]
    fn a_panic_fails_alike_only_with_the_same_message_up_to_numbers() {
        let original = violation(
            ViolationKind::Panic,
            "the run panicked: index out of bounds: the len is 12 but the index is 14",
        );
        let failure = Failure::from(&original);
        let smaller = violation(
            ViolationKind::Panic,
            "the run panicked: index out of bounds: the len is 3 but the index is 5",
        );
        assert!(failure.matches(&smaller));
        let other = violation(ViolationKind::Panic, "the run panicked: known node");
        assert!(!failure.matches(&other), "another broken invariant");
    }

    #[test]
    fn other_kinds_fail_alike_whatever_their_detail() {
        let failure = Failure::from(&violation(ViolationKind::LogMatching, "at index 4"));
        assert!(failure.matches(&violation(ViolationKind::LogMatching, "at index 9, term 2")));
        assert!(!failure.matches(&violation(ViolationKind::ElectionSafety, "at index 4")));
        let any_panic = Failure::from(ViolationKind::Panic);
        assert!(any_panic.matches(&violation(ViolationKind::Panic, "known node")));
    }
}
