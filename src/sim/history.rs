//! Every client operation of a run: when it was called, when (if ever) it was answered, and
//! with what. The linearizability checker reads it after the run.

use std::rc::Rc;

use serde::Serialize;

use crate::check::linearizability::{Operation, OperationKind, Outcome};
use crate::kv;
use crate::raft::NodeId;
use crate::scenario::ReadKind;

/// A bound on recorded operations; the workload stops issuing new ones beyond it.
pub const MAX_OPERATIONS: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum OpKind {
    Read {
        read: &'static str,
    },
    Put {
        value: String,
    },
    Delete,
    Cas {
        expected: Option<String>,
        new: Option<String>,
    },
    Barrier {
        backup_id: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum OpOutcome {
    /// Still waiting for an answer.
    Pending,
    Value(Option<String>),
    Done,
    Cas {
        succeeded: bool,
    },
    /// The client gave up without knowing whether it took effect.
    Unknown,
    /// The client gave up, knowing it never took effect.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryOp {
    pub id: u64,
    pub client_id: u64,
    pub key: String,
    pub kind: OpKind,
    pub invoke_us: u64,
    pub complete_us: Option<u64>,
    pub outcome: OpOutcome,
    pub attempts: u32,
    /// The node the client asked first.
    pub asked: NodeId,
    /// The node whose answer completed the operation (the leader a redirect led to, or a node
    /// asked after one that did not answer); `None` until then, and for ever if the client gave
    /// up.
    pub answered_by: Option<NodeId>,
}

/// Operations are shared between clones of a run (the time machine's checkpoints hold tens of
/// thousands of them in a busy run); one is copied only when a clone changes it, which only
/// the few still pending can be.
#[derive(Clone, Debug, Default)]
pub struct History {
    ops: Vec<Rc<HistoryOp>>,
}

/// Counts for the run report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistorySummary {
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
}

impl History {
    /// Every operation, in the order they were invoked (by id).
    pub fn ops(&self) -> impl DoubleEndedIterator<Item = &HistoryOp> + ExactSizeIterator {
        self.ops.iter().map(|op| &**op)
    }

    /// A rough size of the record on the heap, for `Simulation::approx_bytes`.
    pub fn approx_bytes(&self) -> usize {
        // A clone shares the operations themselves.
        self.ops.len() * std::mem::size_of::<Rc<HistoryOp>>()
    }

    pub fn is_full(&self) -> bool {
        self.ops.len() >= MAX_OPERATIONS
    }

    pub fn invoke(
        &mut self,
        client_id: u64,
        operation: &kv::Operation,
        read: ReadKind,
        asked: NodeId,
        now_us: u64,
    ) -> u64 {
        let id = self.ops.len() as u64;
        let (key, kind) = match operation {
            kv::Operation::Get { key } => (key.clone(), OpKind::Read { read: read.name() }),
            kv::Operation::Put { key, value } => (
                key.clone(),
                OpKind::Put {
                    value: value.clone(),
                },
            ),
            kv::Operation::Delete { key } => (key.clone(), OpKind::Delete),
            kv::Operation::CompareAndSet { key, expected, new } => (
                key.clone(),
                OpKind::Cas {
                    expected: expected.clone(),
                    new: new.clone(),
                },
            ),
            kv::Operation::Barrier { backup_id } => (
                String::new(),
                OpKind::Barrier {
                    backup_id: *backup_id,
                },
            ),
        };
        self.ops.push(Rc::new(HistoryOp {
            id,
            client_id,
            key,
            kind,
            invoke_us: now_us,
            complete_us: None,
            outcome: OpOutcome::Pending,
            attempts: 1,
            asked,
            answered_by: None,
        }));
        id
    }

    pub fn complete(&mut self, id: u64, response: &kv::Response, from: NodeId, now_us: u64) {
        let op = Rc::make_mut(&mut self.ops[id as usize]);
        op.complete_us = Some(now_us);
        op.answered_by = Some(from);
        op.outcome = match response {
            kv::Response::Value(value) => OpOutcome::Value(value.clone()),
            kv::Response::CompareAndSet { succeeded, .. } => OpOutcome::Cas {
                succeeded: *succeeded,
            },
            _ => OpOutcome::Done,
        };
    }

    pub fn give_up(&mut self, id: u64, may_have_taken_effect: bool) {
        Rc::make_mut(&mut self.ops[id as usize]).outcome = if may_have_taken_effect {
            OpOutcome::Unknown
        } else {
            OpOutcome::Failed
        };
    }

    pub fn retried(&mut self, id: u64) {
        Rc::make_mut(&mut self.ops[id as usize]).attempts += 1;
    }

    pub fn summary(&self) -> HistorySummary {
        let mut summary = HistorySummary::default();
        for op in &self.ops {
            match op.outcome {
                OpOutcome::Failed => summary.failed += 1,
                OpOutcome::Unknown | OpOutcome::Pending => summary.unknown += 1,
                _ => summary.ok += 1,
            }
        }
        summary
    }

    /// The operations the linearizability checker judges: everything but stale reads (which
    /// promise nothing) and backup barriers (which touch no key). Only from a run's start:
    /// `Simulation::linearizability_history` adds what a restored backup held.
    pub(super) fn for_linearizability(&self) -> Vec<Operation> {
        self.ops
            .iter()
            .filter_map(|op| {
                let kind = match &op.kind {
                    OpKind::Read { read } if *read == ReadKind::Stale.name() => return None,
                    OpKind::Barrier { .. } => return None,
                    OpKind::Read { .. } => OperationKind::Read,
                    OpKind::Put { value } => OperationKind::Write {
                        value: value.clone(),
                    },
                    OpKind::Delete => OperationKind::Delete,
                    OpKind::Cas { expected, new } => OperationKind::CompareAndSet {
                        expected: expected.clone(),
                        new: new.clone(),
                    },
                };
                let outcome = match &op.outcome {
                    OpOutcome::Pending | OpOutcome::Unknown => Outcome::Unknown,
                    OpOutcome::Failed => Outcome::Failed,
                    OpOutcome::Value(value) => Outcome::Read(value.clone()),
                    OpOutcome::Cas { succeeded } => Outcome::CompareAndSet {
                        succeeded: *succeeded,
                    },
                    OpOutcome::Done => match kind {
                        OperationKind::Delete => Outcome::Deleted,
                        _ => Outcome::Written,
                    },
                };
                let complete_us = match outcome {
                    Outcome::Unknown | Outcome::Failed => None,
                    _ => op.complete_us,
                };
                Some(Operation {
                    id: op.id,
                    client_id: op.client_id,
                    key: op.key.clone(),
                    invoke_us: op.invoke_us,
                    complete_us,
                    kind,
                    outcome,
                })
            })
            .collect()
    }
}
