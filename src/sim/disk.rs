//! A node's disk: what it has durably written, and the writes still in progress.
//!
//! Writes complete in the order they were issued (a FIFO), each taking some time. The rest of
//! a node's output (messages, applying) waits for the write it came with, and for every write
//! before it, since it may depend on them. A crash loses whatever was not yet written.

use std::collections::VecDeque;

use crate::raft::{Output, PersistentState};

#[derive(Clone, Debug)]
pub struct Disk {
    /// What survives a crash.
    pub persisted: PersistentState,
    /// Outputs waiting for their write (and every earlier one) to complete, oldest first.
    pending: VecDeque<PendingOutput>,
}

#[derive(Clone, Debug)]
struct PendingOutput {
    done_at_us: u64,
    output: Output,
}

/// What became of a submitted output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Queued behind the disk until this time.
    DoneAt(u64),
    /// Refused: the node has outrun its disk by `MAX_PENDING` writes (a slow disk under a
    /// heavy workload). The driver crashes the node, as a process that exhausts its memory on
    /// queued writes would be; the output is lost with it.
    Overflow,
}

/// A bound on writes in progress, so that a disk slower than its workload cannot take the
/// simulator's memory with it.
const MAX_PENDING: usize = 100_000;

impl Disk {
    pub fn new(persisted: PersistentState) -> Self {
        Disk {
            persisted,
            pending: VecDeque::new(),
        }
    }

    pub fn pending_writes(&self) -> usize {
        self.pending.len()
    }

    /// Whether `output` has nothing to wait for, so the driver carries it out at once rather
    /// than submitting it: it writes nothing, and no write is in progress ahead of it.
    pub fn passes_through(&self, output: &Output) -> bool {
        output.persist.is_empty() && self.pending.is_empty()
    }

    /// Queues `output`, which does not pass through; its write takes `write_us` (0 if it
    /// writes nothing) after the previous one completes.
    pub fn submit(&mut self, now_us: u64, write_us: u64, output: Output) -> Submitted {
        debug_assert!(!self.passes_through(&output), "carried out at once instead");
        let writes = !output.persist.is_empty();
        let start_us = self
            .pending
            .back()
            .map_or(now_us, |last| last.done_at_us.max(now_us));
        let done_at_us = start_us + if writes { write_us } else { 0 };
        if self.pending.len() >= MAX_PENDING {
            return Submitted::Overflow;
        }
        self.pending.push_back(PendingOutput { done_at_us, output });
        Submitted::DoneAt(done_at_us)
    }

    /// Completes every write due by `now_us`, in order, returning their outputs for the
    /// driver to carry out (the persistent part is already applied to `persisted`).
    pub fn complete_due(&mut self, now_us: u64) -> Vec<Output> {
        let mut done = Vec::new();
        while self
            .pending
            .front()
            .is_some_and(|pending| pending.done_at_us <= now_us)
        {
            let pending = self.pending.pop_front().expect("checked above");
            self.persisted.write(&pending.output.persist);
            done.push(pending.output);
        }
        done
    }

    /// Writes immediately what a node persists when it carries out an output at once.
    pub fn write_now(&mut self, output: &Output) {
        debug_assert!(self.pending.is_empty());
        self.persisted.write(&output.persist);
    }

    /// A crash: writes in progress never happen.
    pub fn crash(&mut self) {
        self.pending.clear();
    }
}
