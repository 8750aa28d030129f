//! One key's history, prepared for the search: the operations that constrain the key, their
//! values interned as small integers, and what each one does to the key and requires of it.

use std::collections::BTreeMap;

use super::search::{Budget, SearchResult, search};
use super::{Operation, OperationKind, Outcome};

/// A value of the key, interned: [`ABSENT`] or an index into the key's distinct strings.
pub(super) type Value = u32;
/// The key is absent (never written, or deleted).
pub(super) const ABSENT: Value = 0;

/// What an operation does to the key, and what it requires of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    /// A read that returned this value.
    Read(Value),
    /// A write, or a delete (of [`ABSENT`]).
    Set(Value),
    CasSucceeded {
        expected: Value,
        new: Value,
    },
    CasFailed {
        expected: Value,
    },
    /// A compare-and-set with no answer: it does what a compare-and-set does wherever it is
    /// linearized, and may also not be linearized at all.
    CasMaybe {
        expected: Value,
        new: Value,
    },
}

impl Action {
    /// The key's value after this action on `state`, or `None` if the action's answer is
    /// impossible from `state`.
    pub(super) fn apply(self, state: Value) -> Option<Value> {
        match self {
            Action::Read(observed) => (observed == state).then_some(state),
            Action::Set(value) => Some(value),
            Action::CasSucceeded { expected, new } => (expected == state).then_some(new),
            Action::CasFailed { expected } => (expected != state).then_some(state),
            Action::CasMaybe { expected, new } => Some(if expected == state { new } else { state }),
        }
    }

    /// Whether this action leaves the key as it found it, whatever it holds: a read, or a
    /// compare-and-set answered as failed.
    pub(super) fn is_read_only(self) -> bool {
        matches!(self, Action::Read(_) | Action::CasFailed { .. })
    }

    /// Whether, with the key at `state`, this action needs an unanswered write of `value` to
    /// take effect just before it: its answer is impossible from `state` but possible from
    /// `value`, or (for an unanswered compare-and-set) only `value` lets it take effect.
    pub(super) fn needs(self, state: Value, value: Value) -> bool {
        match self {
            Action::Read(observed) => state != observed && value == observed,
            Action::CasSucceeded { expected, .. } | Action::CasMaybe { expected, .. } => {
                state != expected && value == expected
            }
            Action::CasFailed { expected } => state == expected && value != expected,
            Action::Set(_) => false,
        }
    }

    /// Whether some value would make [`Action::needs`] true.
    pub(super) fn needs_any(self, state: Value) -> bool {
        match self {
            Action::Read(observed) => state != observed,
            Action::CasSucceeded { expected, .. } | Action::CasMaybe { expected, .. } => {
                state != expected
            }
            Action::CasFailed { expected } => state == expected,
            Action::Set(_) => false,
        }
    }

    /// The value the key must have held for this answer; `None` if any value would do.
    pub(super) fn observed(self) -> Option<Value> {
        match self {
            Action::Read(observed) => Some(observed),
            Action::CasSucceeded { expected, .. } => Some(expected),
            _ => None,
        }
    }

    /// The value this action may leave in the key.
    pub(super) fn produced(self) -> Option<Value> {
        match self {
            Action::Set(value) => Some(value),
            Action::CasSucceeded { new, .. } | Action::CasMaybe { new, .. } => Some(new),
            _ => None,
        }
    }
}

/// One operation, as the search sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct KeyOperation {
    pub(super) invoke_us: u64,
    /// When it was answered; `None` means never (for the search, after everything else).
    pub(super) response_us: Option<u64>,
    pub(super) action: Action,
    /// False for an operation with no answer, which the search may leave out entirely.
    pub(super) required: bool,
}

impl KeyOperation {
    /// An unanswered write or delete: the search only ever places one just before an operation
    /// that needs its value (see `search`).
    pub(super) fn is_lazy(&self) -> bool {
        !self.required && matches!(self.action, Action::Set(_))
    }
}

/// The operations on one key, ready for the search.
pub(super) struct KeyHistory<'a> {
    pub(super) key: &'a str,
    /// The operations that constrain the key, ordered by call time and then id.
    pub(super) operations: Vec<KeyOperation>,
    /// `sources[i]` is the client operation `operations[i]` came from.
    pub(super) sources: Vec<&'a Operation>,
    /// Every operation on the key, including the ignored ones, for explanations.
    pub(super) all: Vec<&'a Operation>,
}

impl<'a> KeyHistory<'a> {
    /// Prepares the operations on `key`, which must all be well formed. Failed operations and
    /// unanswered reads are left out: they cannot constrain the key.
    pub(super) fn new(key: &'a str, all: Vec<&'a Operation>) -> Self {
        let all = in_call_order(all);
        let mut values: BTreeMap<&'a str, Value> = BTreeMap::new();
        let (operations, sources) = all
            .iter()
            .filter_map(|&operation| Some((prepare(operation, &mut values)?, operation)))
            .unzip();
        KeyHistory {
            key,
            operations,
            sources,
            all,
        }
    }

    pub(super) fn key(&self) -> &str {
        self.key
    }

    /// Searches for a linearization of all the operations.
    pub(super) fn search_all(&self, budget: &mut Budget) -> SearchResult {
        let everything: Vec<usize> = (0..self.operations.len()).collect();
        search(&self.operations, &everything, budget)
    }
}

/// `all` sorted stably by call time and then id, as `sort_by_key` would, but through the
/// `(u64, u64)` sort the page carries anyway: a stable sort instantiated for operations was
/// 4.5 KB of wasm. Each operation's place among the distinct `(invoke_us, id)` pairs, paired
/// with its position, makes every pair distinct, so an unstable sort keeps equal ones in order.
fn in_call_order(all: Vec<&Operation>) -> Vec<&Operation> {
    let call_of = |operation: &Operation| (operation.invoke_us, operation.id);
    let mut distinct: Vec<(u64, u64)> = all.iter().map(|&operation| call_of(operation)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut order: Vec<(u64, u64)> = all
        .iter()
        .enumerate()
        .map(|(position, &operation)| {
            let place = distinct.partition_point(|&call| call < call_of(operation));
            (place as u64, position as u64)
        })
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .map(|(_, position)| all[position as usize])
        .collect()
}

/// The search form of `operation`, or `None` if it cannot constrain the key.
fn prepare<'a>(
    operation: &'a Operation,
    values: &mut BTreeMap<&'a str, Value>,
) -> Option<KeyOperation> {
    // Values are numbered in order of first appearance; 0 is absence.
    let mut intern = |value: Option<&'a str>| match value {
        None => ABSENT,
        Some(text) => {
            let next = values.len() as Value + 1;
            *values.entry(text).or_insert(next)
        }
    };
    let unknown = operation.outcome == Outcome::Unknown;
    let action = match (&operation.kind, &operation.outcome) {
        (_, Outcome::Failed) | (OperationKind::Read, Outcome::Unknown) => return None,
        (OperationKind::Read, Outcome::Read(observed)) => Action::Read(intern(observed.as_deref())),
        (OperationKind::Write { value }, _) => Action::Set(intern(Some(value))),
        (OperationKind::Delete, _) => Action::Set(ABSENT),
        (OperationKind::CompareAndSet { expected, new }, outcome) => {
            let (expected, new) = (intern(expected.as_deref()), intern(new.as_deref()));
            match outcome {
                Outcome::CompareAndSet { succeeded: true } => {
                    Action::CasSucceeded { expected, new }
                }
                Outcome::CompareAndSet { succeeded: false } => Action::CasFailed { expected },
                _ => Action::CasMaybe { expected, new },
            }
        }
        (OperationKind::Read, _) => unreachable!("malformed operations are rejected first"),
    };
    Some(KeyOperation {
        invoke_us: operation.invoke_us,
        response_us: if unknown { None } else { operation.complete_us },
        action,
        required: !unknown,
    })
}
