//! A scenario run with every check: the safety checker after every event (the simulator calls
//! it), then, once the run is over, linearizability of the client history.

use super::linearizability::{self, Verdict};
use super::safety::{Violation, ViolationKind};
use crate::scenario::Scenario;
use crate::sim::Simulation;

/// Steps the linearizability search may take before answering "inconclusive". Enough for the
/// histories our runs produce (a few thousand operations over a few keys) with a wide margin,
/// and bounded so the page can run it too.
pub const LINEARIZABILITY_BUDGET: u64 = 5_000_000;

pub struct CheckedRun {
    /// `None` if the run panicked (a broken invariant, reported as a violation).
    pub simulation: Option<Simulation>,
    /// Every violation: the simulator's, then linearizability's.
    pub violations: Vec<Violation>,
    /// `None` when the search ran out of budget (or was skipped after a safety violation).
    pub linearizable: Option<bool>,
}

/// Runs `scenario` to its end and checks everything. A panic inside the run (a broken
/// invariant of the core or the simulator) is caught and reported as a violation, so a swarm
/// reports it with a reproducer instead of stopping.
pub fn run(scenario: &Scenario) -> CheckedRun {
    run_within(scenario, LINEARIZABILITY_BUDGET)
}

/// [`run`], with the linearizability search given at most `linearizability_budget` steps.
pub fn run_within(scenario: &Scenario, linearizability_budget: u64) -> CheckedRun {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut simulation = Simulation::new(scenario);
        simulation.run();
        simulation
    }));
    match ran {
        Ok(simulation) => finish_within(simulation, linearizability_budget),
        Err(payload) => CheckedRun {
            simulation: None,
            violations: vec![panic_violation(payload.as_ref(), 0)],
            linearizable: None,
        },
    }
}

/// A panic caught at `at_us` (a broken invariant) as a violation, its message kept.
pub fn panic_violation(payload: &(dyn std::any::Any + Send), at_us: u64) -> Violation {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    Violation {
        kind: ViolationKind::Panic,
        at_us,
        nodes: Vec::new(),
        index: None,
        term: None,
        detail: format!("the run panicked: {message}"),
    }
}

/// The checks that need the whole run, on a simulation that has run.
pub fn finish(simulation: Simulation) -> CheckedRun {
    finish_within(simulation, LINEARIZABILITY_BUDGET)
}

fn finish_within(simulation: Simulation, linearizability_budget: u64) -> CheckedRun {
    let mut violations = simulation.violations().to_vec();
    let linearizable = if violations.is_empty() {
        match linearizability::check(
            &simulation.linearizability_history(),
            linearizability_budget,
        ) {
            Verdict::Linearizable => Some(true),
            Verdict::Inconclusive { .. } => None,
            Verdict::NotLinearizable {
                key,
                counterexample,
                explanation,
            } => {
                violations.push(Violation {
                    kind: ViolationKind::Linearizability,
                    at_us: simulation.now_us(),
                    nodes: Vec::new(),
                    index: None,
                    term: None,
                    detail: format!("key {key:?}, operations {counterexample:?}: {explanation}"),
                });
                Some(false)
            }
        }
    } else {
        None
    };
    CheckedRun {
        simulation: Some(simulation),
        violations,
        linearizable,
    }
}
