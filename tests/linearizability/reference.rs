//! The reference: todc-utils' `WGLChecker` with our own sequential specification of a
//! key-value register, written independently of the checker under test.

use raft_playground::check::linearizability::{Operation, OperationKind, Outcome};
use todc_utils::linearizability::WGLChecker;
use todc_utils::linearizability::history::{Action, History};
use todc_utils::specifications::Specification;

#[derive(Clone, Debug)]
enum RegisterOperation {
    Read(Option<String>),
    /// A write, or a delete (`None`); answered or not, it may be applied in any state.
    Write(Option<String>),
    CompareAndSet {
        expected: Option<String>,
        new: Option<String>,
        /// `None`: never answered.
        succeeded: Option<bool>,
    },
}

struct RegisterSpecification;

impl Specification for RegisterSpecification {
    type State = Option<String>;
    type Operation = RegisterOperation;

    fn init() -> Self::State {
        None
    }

    fn apply(operation: &Self::Operation, state: &Self::State) -> (bool, Self::State) {
        match operation {
            RegisterOperation::Read(value) => (value == state, state.clone()),
            RegisterOperation::Write(value) => (true, value.clone()),
            RegisterOperation::CompareAndSet {
                expected,
                new,
                succeeded,
            } => {
                let matches = expected == state;
                let after = if matches { new.clone() } else { state.clone() };
                match succeeded {
                    Some(succeeded) if *succeeded != matches => (false, state.clone()),
                    _ => (true, after),
                }
            }
        }
    }
}

/// The register operation of an operation that constrains the history, if it does.
fn register_operation(operation: &Operation) -> Option<RegisterOperation> {
    let unknown = operation.outcome == Outcome::Unknown;
    match (&operation.kind, &operation.outcome) {
        (_, Outcome::Failed) | (OperationKind::Read, Outcome::Unknown) => None,
        (OperationKind::Read, Outcome::Read(value)) => Some(RegisterOperation::Read(value.clone())),
        (OperationKind::Write { value }, _) => Some(RegisterOperation::Write(Some(value.clone()))),
        (OperationKind::Delete, _) => Some(RegisterOperation::Write(None)),
        (OperationKind::CompareAndSet { expected, new }, outcome) => {
            Some(RegisterOperation::CompareAndSet {
                expected: expected.clone(),
                new: new.clone(),
                succeeded: match outcome {
                    Outcome::CompareAndSet { succeeded } if !unknown => Some(*succeeded),
                    _ => None,
                },
            })
        }
        _ => panic!("the generator makes no malformed operation: {operation:?}"),
    }
}

/// todc-utils' verdict on the operations of `history` on `key`.
fn reference_key_linearizable(history: &[Operation], key: &str) -> bool {
    // (time, answer after call at equal times, operation index, action)
    let mut events: Vec<(u64, bool, usize, Action<RegisterOperation>)> = Vec::new();
    for (index, operation) in history.iter().enumerate() {
        if operation.key != key {
            continue;
        }
        let Some(register) = register_operation(operation) else {
            continue;
        };
        let answer_us = match operation.outcome {
            Outcome::Unknown => u64::MAX,
            _ => operation.complete_us.unwrap_or(u64::MAX),
        };
        events.push((
            operation.invoke_us,
            false,
            index,
            Action::Call(register.clone()),
        ));
        events.push((answer_us, true, index, Action::Response(register)));
    }
    if events.is_empty() {
        return true;
    }
    events.sort_by_key(|&(time, is_answer, index, _)| (time, is_answer, index));
    // One process per operation, so calls and answers pair up whatever the concurrency.
    let actions = events
        .into_iter()
        .map(|(_, _, index, action)| (index, action))
        .collect();
    WGLChecker::<RegisterSpecification>::is_linearizable(History::from_actions(actions))
}

pub fn reference_linearizable(history: &[Operation]) -> bool {
    let mut keys: Vec<&str> = history
        .iter()
        .map(|operation| operation.key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .all(|key| reference_key_linearizable(history, key))
}
