//! Shrinking a failing key history to a smallest failing sub-history.
//!
//! Removing operations from a failing history can make it pass, so shrinking is a search too,
//! and refuting a long history is the expensive part of it, so the shrinker keeps candidates
//! short. It first drops the operations called after the point the search never got past (they
//! cannot matter, see [`SearchResult::NotLinearizable`]); then it drops all the reads and
//! failed compare-and-sets but the last few that still make it fail (doubling how many it keeps
//! until it does); then, as delta debugging does, it removes runs of operations of halving
//! length, and finally single operations until no single removal keeps the history failing.
//!
//! Every removal must also pass [`RemovalRules`], so that the result still proves the whole
//! history fails and points at the real anomaly.

use super::key_history::KeyOperation;
use super::removal::RemovalRules;
use super::search::{Budget, SearchResult, search};

/// Returns the indices (into `operations`, ascending) of a failing sub-history of
/// `operations`, which must fail as a whole, with the search stopped at `frontier_us`. The
/// result is minimal under single removals if the budget lasts (then the flag is true);
/// otherwise it is the smallest failing one found before the budget ran out.
pub(super) fn shrink(
    operations: &[KeyOperation],
    frontier_us: u64,
    budget: &mut Budget,
) -> (Vec<usize>, bool) {
    let shrinker = Shrinker {
        operations,
        rules: RemovalRules::new(operations),
    };
    let mut current: Vec<usize> = (0..operations.len()).collect();
    if shrinker
        .truncate(&mut current, frontier_us, budget)
        .is_none()
        || shrinker
            .shortest_failing_window(&mut current, budget)
            .is_none()
    {
        return (current, false);
    }
    let mut run_length = current.len() / 2;
    while run_length > 1 {
        if shrinker
            .removal_pass(&mut current, run_length, budget)
            .is_none()
        {
            return (current, false);
        }
        run_length /= 2;
    }
    // A removal can make an operation tried earlier in the pass removable, so single-removal
    // passes repeat until one removes nothing. Each pass that continues removes an operation,
    // so there are at most `operations.len()` passes.
    loop {
        let length_before = current.len();
        if shrinker.removal_pass(&mut current, 1, budget).is_none() {
            return (current, false);
        }
        if current.len() == length_before {
            return (current, true);
        }
    }
}

struct Shrinker<'a> {
    operations: &'a [KeyOperation],
    rules: RemovalRules<'a>,
}

impl Shrinker<'_> {
    /// Whether `candidate` may replace `current` and fails, and if so where its search
    /// stopped; `None` if the budget ran out deciding.
    fn try_candidate(
        &self,
        current: &[usize],
        candidate: &[usize],
        budget: &mut Budget,
    ) -> Option<Option<u64>> {
        if candidate.is_empty() || !self.rules.allow(current, candidate, budget)? {
            return Some(None);
        }
        match search(self.operations, candidate, budget) {
            SearchResult::NotLinearizable { frontier_us } => Some(Some(frontier_us)),
            SearchResult::Linearizable => Some(None),
            SearchResult::OutOfSteps => None,
        }
    }

    /// Replaces `current` by a failing candidate, without its operations called after
    /// `frontier_us`, where the candidate's search stopped, if the rules allow. `None` if the
    /// budget ran out.
    fn accept(
        &self,
        current: &mut Vec<usize>,
        candidate: Vec<usize>,
        frontier_us: u64,
        budget: &mut Budget,
    ) -> Option<()> {
        *current = candidate;
        self.truncate(current, frontier_us, budget)
    }

    /// Removes from the failing `current` the operations called after `frontier_us`, where its
    /// search stopped, if the rules allow. Its search never linearized them, so the rest fails
    /// the same way. `None` if the budget ran out.
    fn truncate(
        &self,
        current: &mut Vec<usize>,
        frontier_us: u64,
        budget: &mut Budget,
    ) -> Option<()> {
        let truncated: Vec<usize> = current
            .iter()
            .copied()
            .filter(|&index| self.operations[index].invoke_us <= frontier_us)
            .collect();
        if truncated.len() < current.len() && self.rules.allow(current, &truncated, budget)? {
            *current = truncated;
        }
        Some(())
    }

    /// Replaces the failing `current` by a shorter failing sub-history with all its operations
    /// that may change the key but only its last 2, 4, 8, ... that only look at it (reads and
    /// failed compare-and-sets), if one fails. The lookers make a search expensive, and
    /// removing them is always safe; a violation is usually among the last ones, since the
    /// search got no further. `None` if the budget ran out.
    fn shortest_failing_window(&self, current: &mut Vec<usize>, budget: &mut Budget) -> Option<()> {
        let lookers: Vec<usize> = current
            .iter()
            .copied()
            .filter(|&index| self.operations[index].action.produced().is_none())
            .collect();
        let mut length = 2;
        while length < lookers.len() {
            let first_kept = lookers[lookers.len() - length];
            let window: Vec<usize> = current
                .iter()
                .copied()
                .filter(|&index| {
                    index >= first_kept || self.operations[index].action.produced().is_some()
                })
                .collect();
            if let Some(frontier_us) = self.try_candidate(current, &window, budget)? {
                return self.accept(current, window, frontier_us, budget);
            }
            length *= 2;
        }
        Some(())
    }

    /// Tries removing each run of `run_length` consecutive operations of `current`, keeping
    /// every removal after which the rest still fails. `None` if the budget ran out.
    fn removal_pass(
        &self,
        current: &mut Vec<usize>,
        run_length: usize,
        budget: &mut Budget,
    ) -> Option<()> {
        let mut start = 0;
        while start < current.len() {
            let end = (start + run_length).min(current.len());
            let candidate: Vec<usize> = current[..start]
                .iter()
                .chain(&current[end..])
                .copied()
                .collect();
            match self.try_candidate(current, &candidate, budget)? {
                Some(frontier_us) => self.accept(current, candidate, frontier_us, budget)?,
                None => start = end,
            }
        }
        Some(())
    }
}
