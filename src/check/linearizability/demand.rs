//! Which values of the key the operations not linearized yet still need, and which they can
//! still write, so that the search can drop a configuration that has lost a value for good.
//!
//! A read that returned `v`, or a compare-and-set that succeeded expecting `v`, can only be
//! linearized while the key holds `v`. Once the key leaves `v`, it holds `v` again only if an
//! operation not linearized yet writes it. If none is left, no order from here can succeed,
//! however the rest is arranged. Checking this each time the key changes cuts a wrong early
//! choice at once, where the search alone would notice it only on reaching the lost
//! operation's answer, after trying every order of the operations in between. A busy key has
//! many operations in between: a leader elected after a burst of writes commits them all at
//! once, and their reads tell in which order. (Values are mostly written once, so a value left
//! is mostly lost.)

use super::key_history::{KeyOperation, Value};

pub(super) struct Demand {
    /// For each value: the answered operations not linearized yet that need the key to hold it.
    needed: Vec<u32>,
    /// For each value: the operations not linearized yet that may write it (unanswered ones
    /// too: they may take effect).
    writable: Vec<u32>,
    /// For each value: the slots of the operations that need it, in call order.
    needers: Vec<Vec<usize>>,
}

impl Demand {
    /// The demand of all the operations `subset` names (indices into `operations`), none of them
    /// linearized yet.
    pub(super) fn new(operations: &[KeyOperation], subset: &[usize]) -> Self {
        // Values are numbered from 0 by the key history, at most two per operation.
        let values = 2 * operations.len() + 1;
        let mut demand = Demand {
            needed: vec![0; values],
            writable: vec![0; values],
            needers: vec![Vec::new(); values],
        };
        for (slot, &index) in subset.iter().enumerate() {
            let operation = &operations[index];
            demand.put_back(operation);
            if let Some(value) = operation.action.observed() {
                demand.needers[value as usize].push(slot);
            }
        }
        demand
    }

    /// Accounts for `operation` being linearized.
    pub(super) fn take(&mut self, operation: &KeyOperation) {
        if let Some(value) = operation.action.observed() {
            self.needed[value as usize] -= 1;
        }
        if let Some(value) = operation.action.produced() {
            self.writable[value as usize] -= 1;
        }
    }

    /// Undoes [`Demand::take`].
    pub(super) fn put_back(&mut self, operation: &KeyOperation) {
        if let Some(value) = operation.action.observed() {
            self.needed[value as usize] += 1;
        }
        if let Some(value) = operation.action.produced() {
            self.writable[value as usize] += 1;
        }
    }

    /// Whether an operation left needs `value` and none left can write it.
    pub(super) fn is_lost(&self, value: Value) -> bool {
        self.needed[value as usize] > 0 && self.writable[value as usize] == 0
    }

    /// The slot of the first operation, in call order, that needs `value` and is not
    /// linearized: `linearized(slot)` says whether it is. There is one if `value` is lost.
    pub(super) fn first_needer(&self, value: Value, linearized: impl Fn(usize) -> bool) -> usize {
        *self.needers[value as usize]
            .iter()
            .find(|&&slot| !linearized(slot))
            .expect("a lost value is needed by an operation left")
    }
}
