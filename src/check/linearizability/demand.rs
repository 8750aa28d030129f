//! Which values of the key the operations not linearized yet still need, and which of them can
//! still write those values in time, so that the search can drop a configuration that has lost
//! a value for good.
//!
//! A read that returned `v`, or a compare-and-set that succeeded expecting `v`, can only be
//! linearized while the key holds `v`. Once the key leaves `v`, it holds `v` again only if an
//! operation not linearized yet writes it, and in time: before the answer of the operation that
//! needs it, so called no later than that answer. If none can, no order from here succeeds,
//! however the rest is arranged. Checking this each time the key changes cuts a wrong early
//! choice at once, where the search alone would notice it only on reaching the answer of the
//! operation that lost its value, after trying every order of the operations in between. A busy
//! key has many operations in between: a leader elected after a burst of writes commits them
//! all at once, and only reads and compare-and-sets answered long after tell in which order.
//! (Values are mostly written once, so a value left is mostly lost; and a key left absent
//! becomes absent again only through a delete, perhaps one long after.)

use super::key_history::{KeyOperation, Value};
use super::search::{bit, set_bit};

pub(super) struct Demand<'a> {
    operations: &'a [KeyOperation],
    /// The operations searched: indices into `operations`, in call order. A slot is a position
    /// in it.
    subset: &'a [usize],
    /// For each value: the answered operations not linearized yet that need the key to hold it.
    needed: Vec<u32>,
    /// For each value: the operations not linearized yet that may write it (unanswered ones
    /// too: they may take effect).
    writable: Vec<u32>,
    /// For each value: the slots of the operations that need it, in call order.
    needers: Vec<Vec<usize>>,
    /// For each value: the slots of the operations that may write it, in call order.
    writers: Vec<Vec<usize>>,
    /// Bit `slot` is set while that operation is linearized.
    taken: Vec<u64>,
}

impl<'a> Demand<'a> {
    /// The demand of all the operations `subset` names (indices into `operations`, in call
    /// order), none of them linearized yet.
    pub(super) fn new(operations: &'a [KeyOperation], subset: &'a [usize]) -> Self {
        // Values are numbered from 0 by the key history, at most two per operation.
        let values = 2 * operations.len() + 1;
        let mut demand = Demand {
            operations,
            subset,
            needed: vec![0; values],
            writable: vec![0; values],
            needers: vec![Vec::new(); values],
            writers: vec![Vec::new(); values],
            taken: vec![0; subset.len().div_ceil(64)],
        };
        for (slot, &index) in subset.iter().enumerate() {
            let action = operations[index].action;
            if let Some(value) = action.observed() {
                demand.needed[value as usize] += 1;
                demand.needers[value as usize].push(slot);
            }
            if let Some(value) = action.produced() {
                demand.writable[value as usize] += 1;
                demand.writers[value as usize].push(slot);
            }
        }
        demand
    }

    fn operation(&self, slot: usize) -> &'a KeyOperation {
        &self.operations[self.subset[slot]]
    }

    /// Accounts for the operation at `slot` being linearized.
    pub(super) fn take(&mut self, slot: usize) {
        set_bit(&mut self.taken, slot, true);
        let operation = self.operation(slot);
        if let Some(value) = operation.action.observed() {
            self.needed[value as usize] -= 1;
        }
        if let Some(value) = operation.action.produced() {
            self.writable[value as usize] -= 1;
        }
    }

    /// Undoes [`Demand::take`].
    pub(super) fn put_back(&mut self, slot: usize) {
        set_bit(&mut self.taken, slot, false);
        let operation = self.operation(slot);
        if let Some(value) = operation.action.observed() {
            self.needed[value as usize] += 1;
        }
        if let Some(value) = operation.action.produced() {
            self.writable[value as usize] += 1;
        }
    }

    /// If the key, not holding `value`, can never hold it again for an operation left that
    /// needs it, the slot of that operation (the first that needs it, in call order): no
    /// operation left may write `value` before that operation's answer.
    pub(super) fn loser(&self, value: Value) -> Option<usize> {
        if self.needed[value as usize] == 0 {
            return None;
        }
        let needer = self.first_left(&self.needers[value as usize])?;
        if self.writable[value as usize] == 0 {
            return Some(needer);
        }
        let writer = self.first_left(&self.writers[value as usize])?;
        let needed_by_us = self.operation(needer).response_us.unwrap_or(u64::MAX);
        (self.operation(writer).invoke_us > needed_by_us).then_some(needer)
    }

    /// The first slot of `slots` not linearized.
    fn first_left(&self, slots: &[usize]) -> Option<usize> {
        slots.iter().copied().find(|&slot| !bit(&self.taken, slot))
    }
}
