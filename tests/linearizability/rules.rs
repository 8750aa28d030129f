//! The shrinker's removal rules, restated from their specification (the module docs of
//! `src/check/linearizability/removal.rs`), to check that a counterexample is minimal: that no
//! single operation can be removed under the rules with the rest still failing.

use raft_playground::check::linearizability::{Operation, OperationKind, Outcome};

/// The value an operation that was not refused may leave in the key.
fn may_write(operation: &Operation) -> Option<Option<&str>> {
    match (&operation.kind, &operation.outcome) {
        (_, Outcome::Failed | Outcome::CompareAndSet { succeeded: false }) => None,
        (OperationKind::Write { value }, _) => Some(Some(value)),
        (OperationKind::Delete, _) => Some(None),
        (OperationKind::CompareAndSet { new, .. }, _) => Some(new.as_deref()),
        (OperationKind::Read, _) => None,
    }
}

/// The value an answered read returned or a successful compare-and-set found.
fn found(operation: &Operation) -> Option<Option<&str>> {
    match (&operation.kind, &operation.outcome) {
        (OperationKind::Read, Outcome::Read(value)) => Some(value.as_deref()),
        (
            OperationKind::CompareAndSet { expected, .. },
            Outcome::CompareAndSet { succeeded: true },
        ) => Some(expected.as_deref()),
        _ => None,
    }
}

/// Whether the answer of `operation` may depend on the key holding `value` (any value if
/// `None`): reads, and compare-and-sets of any outcome (a failed one on any value).
fn may_depend_on(operation: &Operation, value: Option<Option<&str>>) -> bool {
    match (&operation.kind, &operation.outcome) {
        (_, Outcome::Failed) => false,
        (OperationKind::Read, Outcome::Read(found)) => value.is_none_or(|v| v == found.as_deref()),
        (OperationKind::CompareAndSet { .. }, Outcome::CompareAndSet { succeeded: false }) => true,
        (OperationKind::CompareAndSet { expected, .. }, _) => {
            value.is_none_or(|v| v == expected.as_deref())
        }
        _ => false,
    }
}

fn answered_us(operation: &Operation) -> Option<u64> {
    match operation.outcome {
        Outcome::Unknown => None,
        _ => operation.complete_us,
    }
}

/// The "meaningful" rule: every value found keeps a writer that could have come first, if the
/// whole key history had one, else some writer unless the value is absence.
pub fn keeps_writers(whole: &[Operation], rest: &[Operation]) -> bool {
    rest.iter().all(|finder| {
        let Some(value) = found(finder) else {
            return true;
        };
        let answered = answered_us(finder).unwrap_or(u64::MAX);
        let writes_first =
            |writer: &&Operation| may_write(writer) == Some(value) && writer.invoke_us <= answered;
        if whole.iter().any(|writer| writes_first(&writer)) {
            rest.iter().any(|writer| writes_first(&writer))
        } else {
            value.is_none() || rest.iter().any(|writer| may_write(writer) == Some(value))
        }
    })
}

/// The "safe" rule for removing `removed` (one operation) from `current`, leaving `rest`.
pub fn removal_is_safe(removed: &Operation, rest: &[Operation]) -> bool {
    let Some(value) = may_write(removed) else {
        return true; // a read or a failed compare-and-set
    };
    rest.iter().all(|dependent| {
        !may_depend_on(dependent, Some(value))
            || answered_us(dependent).is_some_and(|answered| answered < removed.invoke_us)
            || answered_us(removed).is_some_and(|removed_answered| {
                rest.iter().any(|change| {
                    let certain = matches!(
                        (&change.kind, &change.outcome),
                        (OperationKind::Write { .. }, Outcome::Written)
                            | (OperationKind::Delete, Outcome::Deleted)
                            | (_, Outcome::CompareAndSet { succeeded: true })
                    );
                    certain
                        && change.invoke_us > removed_answered
                        && answered_us(change)
                            .is_some_and(|answered| answered < dependent.invoke_us)
                })
            })
    })
}
