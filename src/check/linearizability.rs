//! Linearizability of client histories.
//!
//! This module owns one question about a finished run: could the key-value operations the
//! clients saw have happened one at a time, each at a single instant between its call and its
//! answer, against one map that starts empty (Herlihy & Wing's linearizability)? Linearizability
//! is compositional, so [`check`] splits the history by key and checks each key on its own, in
//! key order. For one key it runs the Wing & Gong search as improved by Lowe: depth first, it
//! linearizes some operation that may come next, backtracks when none can, and remembers every
//! (set of linearized operations, value of the key) it has already explored so that no state is
//! searched twice. The search counts its steps and gives up at a budget, so a pathological
//! history ends in [`Verdict::Inconclusive`] instead of a hang, in the page as well as natively.
//! When a key fails, its operations are shrunk to a smallest failing sub-history and explained in
//! a paragraph a person can check by hand.
//!
//! It shares no code with the store it judges (`crate::kv`): the rules of a key-value register
//! are written again here, as a checker should.

mod demand;
mod explain;
mod key_history;
mod removal;
mod search;
mod shrink;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use key_history::KeyHistory;
use search::{Budget, SearchResult};

/// A step budget that checks a run's history of a few thousand operations many times over (that
/// takes thousands of steps) and shrinks most failures, and that gives up within about a second
/// natively on a pathological history; the page may want less.
pub const DEFAULT_STEP_BUDGET: u64 = 5_000_000;

/// The client id that stands for the backup a run was restored from (real clients' ids start
/// at 1): its writes hold before any operation (see `with_restored`).
pub const RESTORED_BACKUP: u64 = 0;

/// `history` of a cluster restored from a backup holding `kv`: the backup's values become
/// writes that precede every operation. Each completes at 0 µs, and operations called at 0 µs
/// are taken as called a microsecond later, since the backup was in place before the cluster
/// started. Their ids count down from the top, clear of the history's.
pub fn with_restored(kv: &BTreeMap<String, String>, mut history: Vec<Operation>) -> Vec<Operation> {
    if kv.is_empty() {
        return history;
    }
    for operation in history
        .iter_mut()
        .filter(|operation| operation.invoke_us == 0)
    {
        operation.invoke_us = 1;
    }
    let restored = kv
        .iter()
        .enumerate()
        .map(|(index, (key, value))| Operation {
            id: u64::MAX - index as u64,
            client_id: RESTORED_BACKUP,
            key: key.clone(),
            invoke_us: 0,
            complete_us: Some(0),
            kind: OperationKind::Write {
                value: value.clone(),
            },
            outcome: Outcome::Written,
        });
    restored.chain(history).collect()
}

/// One client operation on one key, as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Names the operation in a verdict; unique within a history.
    pub id: u64,
    /// The client that called it; only used to explain a verdict.
    pub client_id: u64,
    pub key: String,
    /// When the client sent it, in virtual microseconds.
    pub invoke_us: u64,
    /// When the client got its answer, in virtual microseconds; `None` if it never did. An
    /// operation whose outcome is [`Outcome::Unknown`] ignores this field: the client gave up,
    /// but the cluster may still apply the operation later.
    pub complete_us: Option<u64>,
    pub kind: OperationKind,
    pub outcome: Outcome,
}

/// What a client asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationKind {
    Read,
    /// Set the key to `value`.
    Write {
        value: String,
    },
    /// Make the key absent.
    Delete,
    /// If the key's value is `expected` (`None`: absent), set it to `new` (`None`: delete it).
    CompareAndSet {
        expected: Option<String>,
        new: Option<String>,
    },
}

/// What the client was told. Each answer fits one kind; `Unknown` and `Failed` fit every kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The answer to a read: the value, or `None` if the key was absent.
    Read(Option<String>),
    Written,
    Deleted,
    CompareAndSet {
        succeeded: bool,
    },
    /// The client got no answer: the operation may have taken effect at any instant after its
    /// call, or not at all. An unknown read constrains nothing and is ignored.
    Unknown,
    /// The operation definitely did not take effect (for example a non-leader refused it), so
    /// the checker ignores it.
    Failed,
}

/// The answer of [`check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Every key's operations can be put in one order that respects real time and the rules of
    /// a key-value register.
    Linearizable,
    /// The operations on `key` cannot. `counterexample` holds the ids of a failing sub-history,
    /// ordered by call time, that proves the whole history fails: none of the operations left
    /// out could have let it pass (see the shrinker's rules in `removal.rs`). It is a smallest
    /// one when the budget allowed shrinking to the end (no single operation can be removed
    /// under those rules with the rest still failing; the explanation says so), otherwise the
    /// smallest found before the budget ran out (the explanation says that too).
    /// A malformed operation (an answer that does not fit its kind, or an answer before the
    /// call) is reported here too, alone, with an explanation that says so.
    NotLinearizable {
        key: String,
        counterexample: Vec<u64>,
        explanation: String,
    },
    /// The budget ran out while checking `key` after `steps` steps in all, with no key found
    /// failing so far.
    Inconclusive { key: String, steps: u64 },
}

/// Checks that `history` is linearizable, spending at most `step_budget` steps in all. A step is
/// one attempt to linearize an operation or to undo one; starting a search costs one per
/// operation searched, and the shrinker's rules cost one per operation of each candidate and
/// one per pair of operations they compare. Natively a step takes tens of nanoseconds.
///
/// Keys are checked in key order, each first within an equal share of the budget; keys that need
/// more are then checked again in key order with whatever is left. The first failing key found
/// is shrunk with the rest of the budget and reported. The verdict depends only on the set of
/// operations, not on their order in `history` (given unique ids).
pub fn check(history: &[Operation], step_budget: u64) -> Verdict {
    if let Some(verdict) = explain::malformed(history) {
        return verdict;
    }
    // Each key's operations, grouped through a map from key to group number: the map is of
    // the type that interns values (`key_history`), where a map from key to operations was
    // wasm of its own.
    let mut group_of_key: BTreeMap<&str, u32> = BTreeMap::new();
    let mut groups: Vec<Vec<&Operation>> = Vec::new();
    for operation in history {
        let next = groups.len() as u32;
        let group = *group_of_key.entry(&operation.key).or_insert(next);
        if group == next {
            groups.push(Vec::new());
        }
        groups[group as usize].push(operation);
    }
    let key_histories: Vec<KeyHistory> = group_of_key
        .into_iter()
        .map(|(key, group)| KeyHistory::new(key, std::mem::take(&mut groups[group as usize])))
        .collect();
    for key_history in &key_histories {
        if let Some(verdict) = key_history.unproduced_observation() {
            return verdict;
        }
    }

    let mut budget = Budget::new(step_budget);
    let share = step_budget / (key_histories.len() as u64).max(1);
    let mut deferred = Vec::new();
    for key_history in &key_histories {
        match search_within(key_history, &mut budget, share) {
            SearchResult::Linearizable => {}
            SearchResult::NotLinearizable { frontier_us } => {
                return key_history.report(frontier_us, &mut budget);
            }
            SearchResult::OutOfSteps => deferred.push(key_history),
        }
    }
    for key_history in deferred {
        match search_within(key_history, &mut budget, u64::MAX) {
            SearchResult::Linearizable => {}
            SearchResult::NotLinearizable { frontier_us } => {
                return key_history.report(frontier_us, &mut budget);
            }
            SearchResult::OutOfSteps => {
                return Verdict::Inconclusive {
                    key: key_history.key().to_string(),
                    steps: budget.spent(),
                };
            }
        }
    }
    debug_assert!(budget.spent() <= step_budget, "the budget was overspent");
    Verdict::Linearizable
}

impl KeyHistory<'_> {
    /// A verdict for the first operation that read a value no operation on the key wrote: such a
    /// read fails on its own, and needs no search.
    fn unproduced_observation(&self) -> Option<Verdict> {
        let everything: Vec<usize> = (0..self.operations.len()).collect();
        let index = removal::first_unproduced_observation(&self.operations, &everything)?;
        let operation = self.sources[index];
        Some(Verdict::NotLinearizable {
            key: self.key.to_string(),
            counterexample: vec![operation.id],
            explanation: explain::never_written(self.key, operation, &self.all),
        })
    }

    /// The verdict for a key whose whole history failed, at `frontier_us`: shrunk with what is
    /// left of `budget`, and explained.
    fn report(&self, frontier_us: u64, budget: &mut Budget) -> Verdict {
        let (kept, minimal) = shrink::shrink(&self.operations, frontier_us, budget);
        let operations: Vec<&Operation> = kept.iter().map(|&index| self.sources[index]).collect();
        Verdict::NotLinearizable {
            key: self.key.to_string(),
            counterexample: operations.iter().map(|operation| operation.id).collect(),
            explanation: explain::counterexample(self.key, &operations, minimal),
        }
    }
}

/// Searches one key's whole history with at most `limit` steps drawn from `budget`.
fn search_within(key_history: &KeyHistory, budget: &mut Budget, limit: u64) -> SearchResult {
    let mut share = budget.draw(limit);
    let result = key_history.search_all(&mut share);
    budget.absorb(share);
    result
}
