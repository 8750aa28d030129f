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
//!
//! A compare-and-set that succeeded expecting `v` also changes the key, so two of them need a
//! write of `v` each, after the key left it: two answered before the second writer left is
//! called cannot both have theirs. (Compare-and-sets that found the key absent, with deletes
//! far between, are how a workload of writes only orders itself.)

use super::key_history::{Action, KeyOperation, Value};
use super::search::{bit, set_bit};

pub(super) struct Demand<'a> {
    operations: &'a [KeyOperation],
    /// The operations searched: indices into `operations`, in call order. A slot is a position
    /// in it.
    subset: &'a [usize],
    /// For each value: the answered operations not linearized yet that need the key to hold it.
    needed: Vec<u32>,
    /// For each value: the slots of the operations that need it, in call order.
    needers: Vec<Vec<usize>>,
    /// For each value: the slots of the operations that may write it (unanswered ones too:
    /// they may take effect), in call order.
    writers: Vec<Vec<usize>>,
    /// For each value: the slots of the unanswered compare-and-sets that expect it.
    hopefuls: Vec<Vec<usize>>,
    /// Bit `slot` is set while that operation is linearized (or dropped, for an unanswered
    /// compare-and-set that can no longer take effect).
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
            needers: vec![Vec::new(); values],
            writers: vec![Vec::new(); values],
            hopefuls: vec![Vec::new(); values],
            taken: vec![0; subset.len().div_ceil(64)],
        };
        for (slot, &index) in subset.iter().enumerate() {
            let action = operations[index].action;
            if let Some(value) = action.observed() {
                demand.needed[value as usize] += 1;
                demand.needers[value as usize].push(slot);
            }
            if let Some(value) = action.produced() {
                demand.writers[value as usize].push(slot);
            }
            if let Action::CasMaybe { expected, .. } = action {
                demand.hopefuls[expected as usize].push(slot);
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
        if let Some(value) = self.operation(slot).action.observed() {
            self.needed[value as usize] -= 1;
        }
    }

    /// Undoes [`Demand::take`].
    pub(super) fn put_back(&mut self, slot: usize) {
        set_bit(&mut self.taken, slot, false);
        if let Some(value) = self.operation(slot).action.observed() {
            self.needed[value as usize] += 1;
        }
    }

    /// If the key, not holding `value`, cannot hold it again for every operation left that
    /// needs it, the slot of such an operation (the latest called of those the reason involves):
    /// - no operation left may write `value` before that operation's answer;
    /// - or it is the second compare-and-set that needs `value` and answers before the second
    ///   writer left is called. Each such compare-and-set changes the key, so each needs a write
    ///   of `value` of its own, in time; only the first writer left is.
    pub(super) fn loser(&self, value: Value) -> Option<usize> {
        if self.needed[value as usize] == 0 {
            return None;
        }
        let mut writers = self.left(&self.writers[value as usize]);
        let Some(first_writer) = writers.next() else {
            return self.left(&self.needers[value as usize]).next();
        };
        let call_us =
            |slot: Option<usize>| slot.map_or(u64::MAX, |slot| self.operation(slot).invoke_us);
        let (first_us, second_us) = (call_us(Some(first_writer)), call_us(writers.next()));
        let mut changers = 0;
        for needer in self.left(&self.needers[value as usize]) {
            let operation = self.operation(needer);
            if operation.invoke_us >= second_us {
                break;
            }
            let answer_us = operation.response_us.unwrap_or(u64::MAX);
            if answer_us < first_us {
                return Some(needer);
            }
            if answer_us < second_us && operation.action.produced().is_some_and(|new| new != value)
            {
                changers += 1;
                if changers == 2 {
                    return Some(needer);
                }
            }
        }
        None
    }

    /// The unanswered compare-and-sets left that expect `value`, if nothing left can write it:
    /// with the key holding another value, they can never take effect.
    pub(super) fn hopeless(&self, value: Value) -> Vec<usize> {
        if self.left(&self.writers[value as usize]).next().is_some() {
            return Vec::new();
        }
        self.left(&self.hopefuls[value as usize]).collect()
    }

    /// The slots of `slots` not linearized, in order.
    fn left<'s>(&'s self, slots: &'s [usize]) -> impl Iterator<Item = usize> + 's {
        slots
            .iter()
            .copied()
            .filter(|&slot| !bit(&self.taken, slot))
    }
}
