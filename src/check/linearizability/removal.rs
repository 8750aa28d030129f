//! Which operations the shrinker may remove from a failing sub-history.
//!
//! A sub-history failing does not in general prove that the whole history fails: removing a
//! write can leave a read with nothing to explain it. So the shrinker only makes removals that
//! keep the proof, and only ones that keep the result about the real anomaly:
//!
//! - Safe: if the larger sub-history is linearizable, so is the smaller. Removing a read or a
//!   failed compare-and-set is always safe: it changes nothing for the others. Removing an
//!   operation that may change the key (call it W, writing v) is safe when no operation left
//!   could have depended on it: every one that could have found v (or any failed
//!   compare-and-set, which may have needed the key not to hold its expected value) was
//!   answered before W was called, or was called after some operation certain to change the key
//!   (an answered write or delete, or a successful compare-and-set) that was called after W was
//!   answered. Then, in a linearization, nothing between W and the next change of the key can
//!   notice W, so the linearization without W stays valid (after removing the reads first, and
//!   leaving out any unanswered compare-and-set that W made a no-op).
//! - Meaningful: for every value an operation left found, the sub-history keeps an operation
//!   that could have written it first (called before the finder was answered) if the whole
//!   history had one, and otherwise at least some writer of it unless it is absence. Without
//!   this rule failures shrink to artifacts that prove little to a reader, such as a read of a
//!   value whose writes were all safely removed because each was overwritten.

use super::key_history::{ABSENT, Action, KeyOperation, Value};
use super::search::Budget;

pub(super) struct RemovalRules<'a> {
    operations: &'a [KeyOperation],
    /// For each value, the earliest call of an operation of the whole history that may write
    /// it; `u64::MAX` if none.
    earliest_writer_call_us: Vec<u64>,
}

impl<'a> RemovalRules<'a> {
    pub(super) fn new(operations: &'a [KeyOperation]) -> Self {
        let all: Vec<usize> = (0..operations.len()).collect();
        RemovalRules {
            operations,
            earliest_writer_call_us: earliest_writer_calls(operations, &all),
        }
    }

    /// Whether `candidate`, a sub-history of `current` (both ascending), may replace it, or
    /// `None` if the budget ran out deciding. Spends a step per operation of `current`, and one
    /// per pair of a removed writer and an operation that could have depended on it.
    pub(super) fn allow(
        &self,
        current: &[usize],
        candidate: &[usize],
        budget: &mut Budget,
    ) -> Option<bool> {
        if !budget.spend(current.len() as u64) {
            return None;
        }
        if !self.keeps_writers(candidate) {
            return Some(false);
        }
        self.is_safe(current, candidate, budget)
    }

    fn keeps_writers(&self, candidate: &[usize]) -> bool {
        let kept = earliest_writer_calls(self.operations, candidate);
        let earliest =
            |calls: &[u64], value: Value| calls.get(value as usize).copied().unwrap_or(u64::MAX);
        candidate.iter().all(|&index| {
            let finder = self.operations[index];
            let Some(value) = finder.action.observed() else {
                return true;
            };
            let answered_us = finder.response_us.unwrap_or(u64::MAX);
            if earliest(&self.earliest_writer_call_us, value) <= answered_us {
                earliest(&kept, value) <= answered_us
            } else {
                value == ABSENT || earliest(&kept, value) != u64::MAX
            }
        })
    }

    fn is_safe(&self, current: &[usize], candidate: &[usize], budget: &mut Budget) -> Option<bool> {
        let operations = self.operations;
        // Removal order: the reads and failed compare-and-sets first (always safe), then the
        // writers that also look at the key (compare-and-sets), then plain writes and deletes.
        // A writer must be safe to remove from what is left at its turn. Those that may
        // depend come first, each group in its order: a stable partition, not a stable sort
        // by key, which would add a sort of its own to the page's wasm.
        let (mut removed_writers, independent): (Vec<usize>, Vec<usize>) = current
            .iter()
            .copied()
            .filter(|index| candidate.binary_search(index).is_err())
            .filter(|&index| operations[index].action.produced().is_some())
            .partition(|&index| may_depend(operations[index].action, None));
        removed_writers.extend(independent);
        if removed_writers.is_empty() {
            return Some(true);
        }
        let kept_dependents: Vec<usize> = candidate
            .iter()
            .copied()
            .filter(|&index| may_depend(operations[index].action, None))
            .collect();
        let changes = CertainChanges::new(operations, candidate);
        for (turn, &writer_index) in removed_writers.iter().enumerate() {
            let writer = operations[writer_index];
            let Some(value) = writer.action.produced() else {
                continue;
            };
            let later_dependents = removed_writers[turn + 1..]
                .iter()
                .filter(|&&index| may_depend(operations[index].action, None));
            let mut compared = 0;
            let safe = kept_dependents
                .iter()
                .chain(later_dependents)
                .all(|&index| {
                    compared += 1;
                    let dependent = operations[index];
                    !may_depend(dependent.action, Some(value))
                        || dependent
                            .response_us
                            .is_some_and(|answered_us| answered_us < writer.invoke_us)
                        || writer.response_us.is_some_and(|answered_us| {
                            changes.latest_call_answered_before(dependent.invoke_us) > answered_us
                        })
                });
            if !budget.spend(compared) {
                return None;
            }
            if !safe {
                return Some(false);
            }
        }
        Some(true)
    }
}

/// Whether an operation's answer may depend on the key holding `value` (`None`: any value).
fn may_depend(action: Action, value: Option<Value>) -> bool {
    let depends_on = |found: Value| value.is_none_or(|value| value == found);
    match action {
        Action::Read(found) => depends_on(found),
        Action::CasSucceeded { expected, .. } | Action::CasMaybe { expected, .. } => {
            depends_on(expected)
        }
        Action::CasFailed { .. } => true,
        Action::Set(_) => false,
    }
}

/// The operations of a sub-history certain to change the key when they take effect, to ask
/// which was called latest among those answered before a given time.
struct CertainChanges {
    /// (answered, called), ascending by answer time.
    answered_called_us: Vec<(u64, u64)>,
    /// `latest_call_us[i]`: the latest call among the first `i + 1` entries.
    latest_call_us: Vec<u64>,
}

impl CertainChanges {
    fn new(operations: &[KeyOperation], subset: &[usize]) -> Self {
        let mut answered_called_us: Vec<(u64, u64)> = subset
            .iter()
            .map(|&index| operations[index])
            .filter(|operation| {
                operation.required
                    && matches!(
                        operation.action,
                        Action::Set(_) | Action::CasSucceeded { .. }
                    )
            })
            .filter_map(|operation| Some((operation.response_us?, operation.invoke_us)))
            .collect();
        answered_called_us.sort_unstable();
        let latest_call_us = answered_called_us
            .iter()
            .scan(0, |latest, &(_, called_us)| {
                *latest = called_us.max(*latest);
                Some(*latest)
            })
            .collect();
        CertainChanges {
            answered_called_us,
            latest_call_us,
        }
    }

    /// The latest call among the changes answered strictly before `time_us`; 0 if none.
    fn latest_call_answered_before(&self, time_us: u64) -> u64 {
        let count = self
            .answered_called_us
            .partition_point(|&(answered_us, _)| answered_us < time_us);
        if count == 0 {
            0
        } else {
            self.latest_call_us[count - 1]
        }
    }
}

/// For each value, the earliest call among the operations of `subset` that may write it.
fn earliest_writer_calls(operations: &[KeyOperation], subset: &[usize]) -> Vec<u64> {
    let mut earliest: Vec<u64> = Vec::new();
    for &index in subset {
        let operation = operations[index];
        if let Some(value) = operation.action.produced() {
            let value = value as usize;
            if earliest.len() <= value {
                earliest.resize(value + 1, u64::MAX);
            }
            earliest[value] = earliest[value].min(operation.invoke_us);
        }
    }
    earliest
}

/// The first operation of `candidate` that found a value (other than absence) that no
/// operation of `candidate` may have written.
pub(super) fn first_unproduced_observation(
    operations: &[KeyOperation],
    candidate: &[usize],
) -> Option<usize> {
    let earliest = earliest_writer_calls(operations, candidate);
    candidate
        .iter()
        .copied()
        .find(|&index| match operations[index].action.observed() {
            None | Some(ABSENT) => false,
            Some(value) => earliest
                .get(value as usize)
                .is_none_or(|&call| call == u64::MAX),
        })
}

#[cfg(test)]
mod tests {
    //! The safe rule must be sound: a removal it allows never turns a linearizable sub-history
    //! into a failing one. Checked on every sub-history of random linearizable histories, with
    //! the search (itself compared with a published checker in `tests/linearizability.rs`) as
    //! the judge.

    use super::*;
    use crate::check::linearizability::search::{SearchResult, search};

    /// SplitMix64, so each history is reproducible from its seed.
    struct Random(u64);

    impl Random {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % bound
        }
    }

    /// `count` operations on one key with values 0 (absent) to 3, each taking effect on a model
    /// at an instant of its interval (unanswered ones possibly much later, or never), so the
    /// history is linearizable. In call order, as the search expects.
    fn model_history(random: &mut Random, count: usize) -> Vec<KeyOperation> {
        let mut planned: Vec<(u64, u64, u64, u64, bool)> = (0..count)
            .map(|_| {
                let invoke_us = random.below(40);
                let effect_us = invoke_us + random.below(15);
                let response_us = effect_us + random.below(15);
                let kind = random.below(10);
                // Unanswered operations are writes and compare-and-sets (unanswered reads are
                // dropped before any search).
                let unknown = kind >= 4 && random.below(100) < 25;
                let late_effect_us = effect_us + if unknown { random.below(40) } else { 0 };
                (late_effect_us, invoke_us, response_us, kind, unknown)
            })
            .collect();
        planned.sort_unstable();
        let mut state = ABSENT;
        let mut history: Vec<KeyOperation> = planned
            .into_iter()
            .map(|(_, invoke_us, response_us, kind, unknown)| {
                let takes_effect = !unknown || random.below(2) == 0;
                let (expected, value) = (random.below(4) as Value, random.below(4) as Value);
                let action = match kind {
                    0..=3 => Action::Read(state),
                    4..=6 => Action::Set(value),
                    _ if unknown => Action::CasMaybe {
                        expected,
                        new: value,
                    },
                    _ if expected == state => Action::CasSucceeded {
                        expected,
                        new: value,
                    },
                    _ => Action::CasFailed { expected },
                };
                if takes_effect {
                    state = action.apply(state).unwrap_or(state);
                }
                KeyOperation {
                    invoke_us,
                    response_us: (!unknown).then_some(response_us),
                    action,
                    required: !unknown,
                }
            })
            .collect();
        history.sort_by_key(|operation| operation.invoke_us);
        history
    }

    fn answered(invoke_us: u64, response_us: u64, action: Action) -> KeyOperation {
        KeyOperation {
            invoke_us,
            response_us: Some(response_us),
            action,
            required: true,
        }
    }

    #[test]
    fn a_write_is_safe_to_remove_only_when_a_later_write_certainly_separates_it() {
        let mut budget = Budget::new(u64::MAX);
        let is_safe = |operations: &[KeyOperation], budget: &mut Budget| {
            RemovalRules::new(operations).is_safe(&[0, 1, 2], &[1, 2], budget)
        };
        // Write 1, then write 2 called after it was answered, then a read of 1: the first write
        // cannot explain the read, so removing it is safe.
        let separated = [
            answered(0, 10, Action::Set(1)),
            answered(11, 20, Action::Set(2)),
            answered(30, 40, Action::Read(1)),
        ];
        assert_eq!(is_safe(&separated, &mut budget), Some(true));
        // Write 2 called at the instant write 1 was answered: they are concurrent, write 1 may
        // come second and explain the read, so removing it is not safe.
        let mut concurrent = separated;
        concurrent[1].invoke_us = 10;
        assert_eq!(is_safe(&concurrent, &mut budget), Some(false));
        // Nor when the read was called at the instant write 2 was answered.
        let mut overlapping = separated;
        overlapping[2].invoke_us = 20;
        assert_eq!(is_safe(&overlapping, &mut budget), Some(false));
    }

    #[test]
    fn safe_removals_keep_linearizable_histories_linearizable() {
        let mut writer_removals_allowed = 0;
        for seed in 0..1_500 {
            let operations = model_history(&mut Random(seed), 6);
            let all: Vec<usize> = (0..operations.len()).collect();
            let mut budget = Budget::new(u64::MAX);
            assert_eq!(
                search(&operations, &all, &mut budget),
                SearchResult::Linearizable,
                "seed {seed}: the model made a bad history: {operations:#?}"
            );
            let rules = RemovalRules::new(&operations);
            for mask in 0..(1_u32 << operations.len()) - 1 {
                let kept: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|i| mask & (1 << i) != 0)
                    .collect();
                if rules.is_safe(&all, &kept, &mut budget) != Some(true) {
                    continue;
                }
                if kept
                    .iter()
                    .filter(|&&i| operations[i].action.produced().is_some())
                    .count()
                    < all
                        .iter()
                        .filter(|&&i| operations[i].action.produced().is_some())
                        .count()
                {
                    writer_removals_allowed += 1;
                }
                assert!(
                    !matches!(
                        search(&operations, &kept, &mut budget),
                        SearchResult::NotLinearizable { .. }
                    ),
                    "seed {seed}: keeping only {kept:?} of {operations:#?}"
                );
            }
        }
        assert!(
            writer_removals_allowed > 10_000,
            "only {writer_removals_allowed}"
        );
    }
}
