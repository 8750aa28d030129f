//! Verdicts in words: malformed operations, reads of values nothing wrote, and failing
//! sub-histories.
//!
//! An explanation is one paragraph that names the key, lists the operations with their times,
//! and, when it recognizes the pattern, says in one sentence why they cannot be ordered: a read
//! of an overwritten value, or a read answered before its value was written. Every such sentence
//! is a sound argument on its own, so a person can check it against the list.

use super::{Operation, OperationKind, Outcome, Verdict};

/// How many operations an explanation lists before it summarizes the rest.
const LISTED_OPERATIONS_MAX: usize = 12;

/// The verdict for the first malformed operation of `history`, if any: an answer that does not
/// fit its kind, or an answer before the call.
pub(super) fn malformed(history: &[Operation]) -> Option<Verdict> {
    history.iter().find_map(|operation| {
        let problem = malformation(operation)?;
        Some(Verdict::NotLinearizable {
            key: operation.key.clone(),
            counterexample: vec![operation.id],
            explanation: format!(
                "The history is malformed, so it was not checked: operation {} (client {}, key \
                 {:?}) {problem}.",
                operation.id, operation.client_id, operation.key
            ),
        })
    })
}

fn malformation(operation: &Operation) -> Option<String> {
    let fits = matches!(
        (&operation.kind, &operation.outcome),
        (_, Outcome::Unknown | Outcome::Failed)
            | (OperationKind::Read, Outcome::Read(_))
            | (OperationKind::Write { .. }, Outcome::Written)
            | (OperationKind::Delete, Outcome::Deleted)
            | (
                OperationKind::CompareAndSet { .. },
                Outcome::CompareAndSet { .. }
            )
    );
    if !fits {
        return Some(format!(
            "is a {} answered with {:?}",
            kind_name(&operation.kind),
            operation.outcome
        ));
    }
    match operation.complete_us {
        Some(complete_us) if complete_us < operation.invoke_us => Some(format!(
            "was answered at {}, before it was called at {}",
            time(complete_us),
            time(operation.invoke_us)
        )),
        _ => None,
    }
}

/// Explains a read (or successful compare-and-set) of a value no operation on the key wrote.
pub(super) fn never_written(key: &str, operation: &Operation, all: &[&Operation]) -> String {
    let value = observed(operation).and_then(Option::as_deref).unwrap_or("");
    let failed_writers: Vec<String> = all
        .iter()
        .filter(|other| other.outcome == Outcome::Failed && writes(other, value))
        .map(|other| format!("client {}", other.client_id))
        .collect();
    let mut text = format!(
        "Key {key:?}: {}, but no operation on this key wrote {value:?}",
        describe(operation)
    );
    if !failed_writers.is_empty() {
        text.push_str(&format!(
            " except the failed write by {}, and a failed operation never takes effect",
            failed_writers.join(", ")
        ));
    }
    text.push('.');
    text
}

/// Explains a failing sub-history, `operations` in call order; `minimal` says whether shrinking
/// finished.
pub(super) fn counterexample(key: &str, operations: &[&Operation], minimal: bool) -> String {
    let listed: Vec<String> = operations
        .iter()
        .take(LISTED_OPERATIONS_MAX)
        .enumerate()
        .map(|(position, operation)| format!("({}) {}", position + 1, describe(operation)))
        .collect();
    let mut text = format!(
        "Key {key:?}: no order of these {} operations respects both real time (an operation \
         answered before another is called must take effect first) and the value each one \
         found: {}",
        operations.len(),
        listed.join("; ")
    );
    if operations.len() > LISTED_OPERATIONS_MAX {
        text.push_str(&format!(
            "; and {} more",
            operations.len() - LISTED_OPERATIONS_MAX
        ));
    }
    text.push_str(". ");
    text.push_str(&reason(operations).unwrap_or_else(|| {
        "Each order that explains some of these answers contradicts another.".to_string()
    }));
    if minimal {
        text.push_str(
            " No smaller part shows the problem: without any one of these operations, the rest \
             could be ordered, or some answer would lose an operation that might explain it.",
        );
    } else {
        text.push_str(" (The step budget ran out before this could be shrunk further.)");
    }
    text
}

/// One sentence naming the anomaly, when it is a pattern this module recognizes.
fn reason(operations: &[&Operation]) -> Option<String> {
    operations
        .iter()
        .find_map(|reader| overwritten_read(reader, operations))
        .or_else(|| {
            operations
                .iter()
                .find_map(|reader| early_read(reader, operations))
        })
}

/// A read whose value had certainly been overwritten before the read was called: some
/// operation set another value and was answered before the read's call, and every operation
/// that could leave the read's value was answered before that one was called.
fn overwritten_read(reader: &Operation, operations: &[&Operation]) -> Option<String> {
    let value = observed(reader)?;
    let overwriter = operations.iter().find(|other| {
        let sets_another = definitely_set(other).is_some_and(|set| set != value.as_deref());
        let before_reader = other
            .complete_us
            .is_some_and(|complete_us| complete_us < reader.invoke_us);
        let after_every_writer = operations
            .iter()
            .filter(|writer| may_set(writer) == Some(value.as_deref()))
            .all(|writer| {
                writer
                    .complete_us
                    .is_some_and(|complete_us| complete_us < other.invoke_us)
                    && writer.outcome != Outcome::Unknown
            });
        sets_another && before_reader && after_every_writer
    })?;
    let complete_us = overwriter.complete_us?;
    let overwrite = kind_name(&overwriter.kind);
    let writers_listed = operations
        .iter()
        .any(|writer| may_set(writer) == Some(value.as_deref()));
    let held = match (value, writers_listed) {
        (Some(text), true) => format!(
            "every listed operation that could write {text:?} was answered before that \
             {overwrite} was called"
        ),
        (Some(text), false) => format!("no listed operation writes {text:?}"),
        (None, true) => format!(
            "every listed operation that could delete the key was answered before that \
             {overwrite} was called"
        ),
        (None, false) => "no listed operation deletes the key".to_string(),
    };
    Some(format!(
        "Client {}'s {} was called at {}, after client {}'s {overwrite} was answered at {}, and \
         {held}: the value found had already been overwritten.",
        reader.client_id,
        kind_name(&reader.kind),
        time(reader.invoke_us),
        overwriter.client_id,
        time(complete_us),
    ))
}

/// A read of a value answered before any operation that could write that value was called.
fn early_read(reader: &Operation, operations: &[&Operation]) -> Option<String> {
    let value = observed(reader)?.as_deref()?;
    let answered_us = reader.complete_us?;
    let first_call_us = operations
        .iter()
        .filter(|writer| may_set(writer) == Some(Some(value)))
        .map(|writer| writer.invoke_us)
        .min()?;
    (answered_us < first_call_us).then(|| {
        format!(
            "Client {} found {value:?} and was answered at {}, but the first operation that \
             writes {value:?} was only called at {}.",
            reader.client_id,
            time(answered_us),
            time(first_call_us)
        )
    })
}

/// The value an answered read returned, or that a successful compare-and-set found.
fn observed(operation: &Operation) -> Option<&Option<String>> {
    match (&operation.kind, &operation.outcome) {
        (OperationKind::Read, Outcome::Read(value)) => Some(value),
        (
            OperationKind::CompareAndSet { expected, .. },
            Outcome::CompareAndSet { succeeded: true },
        ) => Some(expected),
        _ => None,
    }
}

/// The value an operation that was not refused may leave in the key (`Some(None)`: absent).
fn may_set(operation: &Operation) -> Option<Option<&str>> {
    match (&operation.kind, &operation.outcome) {
        (_, Outcome::Failed) | (_, Outcome::CompareAndSet { succeeded: false }) => None,
        (OperationKind::Write { value }, _) => Some(Some(value)),
        (OperationKind::Delete, _) => Some(None),
        (OperationKind::CompareAndSet { new, .. }, _) => Some(new.as_deref()),
        (OperationKind::Read, _) => None,
    }
}

/// The value an answered operation certainly left in the key when it took effect.
fn definitely_set(operation: &Operation) -> Option<Option<&str>> {
    match operation.outcome {
        Outcome::Written | Outcome::Deleted | Outcome::CompareAndSet { succeeded: true } => {
            may_set(operation)
        }
        _ => None,
    }
}

fn writes(operation: &Operation, value: &str) -> bool {
    match &operation.kind {
        OperationKind::Write { value: written } => written == value,
        OperationKind::CompareAndSet { new, .. } => new.as_deref() == Some(value),
        _ => false,
    }
}

/// One operation in words, with its times.
fn describe(operation: &Operation) -> String {
    let client = operation.client_id;
    if client == super::RESTORED_BACKUP
        && let OperationKind::Write { value } = &operation.kind
    {
        return format!("the backup the cluster was restored from held {value:?}");
    }
    let what = match (&operation.kind, &operation.outcome) {
        (OperationKind::Read, Outcome::Read(Some(value))) => {
            format!("client {client} read {value:?}")
        }
        (OperationKind::Read, _) => format!("client {client} read nothing (the key was absent)"),
        (OperationKind::Write { value }, Outcome::Unknown) => {
            format!("client {client} tried to write {value:?} and got no answer")
        }
        (OperationKind::Write { value }, _) => format!("client {client} wrote {value:?}"),
        (OperationKind::Delete, Outcome::Unknown) => {
            format!("client {client} tried to delete the key and got no answer")
        }
        (OperationKind::Delete, _) => format!("client {client} deleted the key"),
        (OperationKind::CompareAndSet { expected, new }, outcome) => {
            let (expected, new) = (value_name(expected), value_name(new));
            match outcome {
                Outcome::CompareAndSet { succeeded: true } => {
                    format!("client {client} found {expected} and set {new} by compare-and-set")
                }
                Outcome::CompareAndSet { succeeded: false } => format!(
                    "client {client}'s compare-and-set from {expected} to {new} did not find \
                     {expected}"
                ),
                _ => format!(
                    "client {client} tried a compare-and-set from {expected} to {new} and got \
                     no answer"
                ),
            }
        }
    };
    let when = match (operation.outcome == Outcome::Unknown, operation.complete_us) {
        (true, _) => format!(
            "called at {}; it may have taken effect any time after, or never",
            time(operation.invoke_us)
        ),
        (false, Some(complete_us)) => format!(
            "called at {}, answered at {}",
            time(operation.invoke_us),
            time(complete_us)
        ),
        (false, None) => format!(
            "called at {}, answered at an unknown time",
            time(operation.invoke_us)
        ),
    };
    format!("{what} ({when})")
}

fn value_name(value: &Option<String>) -> String {
    match value {
        Some(text) => format!("{text:?}"),
        None => "absent".to_string(),
    }
}

fn kind_name(kind: &OperationKind) -> &'static str {
    match kind {
        OperationKind::Read => "read",
        OperationKind::Write { .. } => "write",
        OperationKind::Delete => "delete",
        OperationKind::CompareAndSet { .. } => "compare-and-set",
    }
}

/// Virtual microseconds as milliseconds with three decimals, in integer arithmetic.
fn time(microseconds: u64) -> String {
    format!("{}.{:03} ms", microseconds / 1000, microseconds % 1000)
}
