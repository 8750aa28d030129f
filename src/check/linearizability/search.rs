//! The search for a linearization of one key's operations.
//!
//! It is Lowe's version of the Wing & Gong algorithm ("Testing for linearizability", 2017), in
//! the shape Porcupine uses: the calls and answers of the operations sit in one list ordered by
//! time; an operation may be linearized next if its call comes before the first answer still in
//! the list; linearizing it lifts its call and answer out of the list, and backtracking puts them
//! back. Every configuration reached (the set of operations linearized, and the value of the
//! key) is remembered, and reaching one again is cut short: it cannot succeed where the first
//! visit failed.
//!
//! Operations without an answer need care, because each could take effect at any point after
//! its call, or never, and a key with many of them would have exponentially many orders to
//! refute. So the search places them only where they matter:
//! - An unanswered write or delete ("lazy") is not in the list. It is linearized only just
//!   before an operation that needs its value (a read of it, say, when the key holds another).
//!   This loses no linearization: in a valid order, an unanswered write followed by an operation
//!   that does not need it can be moved after that operation, or dropped if that operation
//!   writes, without changing what any operation sees. Of several lazy writes of one value that
//!   may take effect now, only the first is tried: each stays possible from then on, so they are
//!   interchangeable. And a configuration is cut short if an explored one had the same other
//!   operations and value with fewer lazy ones used: that one had every option this one has.
//! - An unanswered compare-and-set is linearized only where it finds its expected value; where
//!   it does not, it would do nothing, which is the same as never taking effect. Once the key
//!   has left that value and nothing left can write it again, it is dropped.
//!
//! Reads need no choice at all. If a read (or a failed compare-and-set) may come next and finds
//! what it answered, it is linearized next and nothing else is tried in its place: in any valid
//! order from here, moving it to the front leaves every other operation seeing the same value
//! and breaks no real-time order (every operation answered before its call is linearized
//! already, or it could not come next). So if the configuration after it fails, this one fails
//! too. Without this rule, a history with many operations at once made the search try each
//! write before each read, level after level: a thousand operations with nineteen at a time
//! took tens of millions of steps to find linearizable.
//!
//! Writes nobody can see need no choice of place either. Call a write *unseen* if no operation
//! of the history could find its value: no read returned it, no compare-and-set expected it
//! (unless it failed), and no failed compare-and-set can come between it and the next write or
//! delete. (One there could need the key to hold anything but its expected value, and so need
//! this write. It cannot come there if it was answered before the write was called, or called
//! after the answer of an operation that must follow the write, being called after its answer,
//! and that cannot come there either, as no answered operation but a failed compare-and-set
//! can: the next write comes no later than that operation.) In a valid order, an unseen write
//! is followed at once by another write or delete, or by nothing: whatever comes next finds
//! the key as the write left it. So it can move to just before the first write or delete
//! placed after it could come next (earlier, which no real-time order forbids, and unnoticed,
//! since that write overwrites it at once). The search therefore never tries an unseen write
//! on its own place: whenever it places a write or delete, it first places every unseen write
//! that may come next, in call order. It places one alone only when its answer is the first
//! one left, since the write that hides it may be called only after that answer. (When the
//! write that hides it is an unanswered one, the operation after them needs it if the key as
//! the unseen writes leave it does not do: the key before them may hold its value already.)
//! A busy key's history is mostly such writes, overwritten before anyone read them; each one
//! that could be placed at many points doubled the configurations to explore, and nine nodes
//! serving 350 operations a second on one key left the search undecided after 200 million
//! steps.
//!
//! Finally, a configuration that has lost a value for good ends at once: the key left a value
//! that an operation not linearized yet needs, and no operation left can write it again before
//! that operation's answer (see `demand`). A burst of writes committed together after an
//! election, their order told only by reads and compare-and-sets answered long after, made the
//! search try every order of the burst before reaching the answer of an operation whose value
//! one of the first writes had lost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::demand::Demand;
use super::key_history::{ABSENT, Action, KeyOperation, Value};

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SearchResult {
    Linearizable,
    /// No linearization exists, and the search never got past the answer at `frontier_us`:
    /// it never linearized an operation called after it, so the operations called after it
    /// can be removed and the rest still fails the same way.
    NotLinearizable {
        frontier_us: u64,
    },
    OutOfSteps,
}

/// A count of steps spent against a limit.
#[derive(Debug)]
pub(super) struct Budget {
    spent: u64,
    limit: u64,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Self {
        Budget { spent: 0, limit }
    }

    /// Spends `steps` steps if they are all left; otherwise spends nothing and says so.
    pub(super) fn spend(&mut self, steps: u64) -> bool {
        if steps > self.limit - self.spent {
            return false;
        }
        self.spent += steps;
        true
    }

    pub(super) fn spent(&self) -> u64 {
        self.spent
    }

    /// A budget of at most `limit` of the steps left here; return it with [`Budget::absorb`].
    pub(super) fn draw(&self, limit: u64) -> Budget {
        Budget::new(limit.min(self.limit - self.spent))
    }

    pub(super) fn absorb(&mut self, drawn: Budget) {
        self.spent += drawn.spent;
        debug_assert!(
            self.spent <= self.limit,
            "a drawn budget overspent its parent"
        );
    }
}

/// Searches for a linearization of the operations `subset` names (indices into `operations`,
/// ascending, so in call order). Costs one step per operation to set up, then one per attempt
/// to linearize an operation and one per backtrack.
pub(super) fn search(
    operations: &[KeyOperation],
    subset: &[usize],
    budget: &mut Budget,
) -> SearchResult {
    if !budget.spend(subset.len() as u64) {
        return SearchResult::OutOfSteps;
    }
    Search::new(operations, subset).run(budget)
}

/// A linearized operation, to undo when backtracking.
struct Frame {
    /// Its call entry.
    call: usize,
    /// Which of its alternatives it is (see [`Search::attempt`]).
    alternative: usize,
    /// The position in [`Search::lazy`] of the lazy operation linearized just before it, or
    /// [`NONE`].
    lazy: usize,
    /// The key's value before both.
    state_before: Value,
    /// A read linearized because it could come next (see the module's comment): no other
    /// operation is tried in its place.
    forced: bool,
    /// How many unseen writes were placed just before it: the last entries of
    /// [`Search::unseen_placed`].
    unseen: usize,
    /// How many hopeless compare-and-sets were dropped just after it: the last entries of
    /// [`Search::hopeless_dropped`].
    hopeless: usize,
}

/// What trying one alternative of an operation gave.
enum Attempt {
    /// The operation has no such alternative: go on to the next operation.
    NoMore,
    /// The alternative is impossible from the current value.
    Rejected,
    /// The alternative leaves the key at `next_state`.
    Applies { next_state: Value, lazy: usize },
}

/// For each (set of the operations out of reach, value of the key) explored, written as
/// [`Search::remember`] writes it, the bitsets of the lazy operations linearized with it, one
/// after the other.
type Explored = HashMap<Box<[u64]>, Vec<u64>, BuildHasherDefault<WordHasher>>;

struct Search<'a> {
    operations: &'a [KeyOperation],
    subset: &'a [usize],
    list: EntryList,
    /// The slots of the lazy operations, in call order.
    lazy: Vec<usize>,
    /// Bit `slot` is set while that operation is out of the search's reach: linearized, or
    /// dropped as hopeless, or lazy (those are in `lazy_linearized`). Two configurations with
    /// the same such set, the same lazy operations linearized and the same value have the same
    /// futures, however each got there.
    out_of_reach: Vec<u64>,
    /// Bit `i` is set while the lazy operation `lazy[i]` is linearized.
    lazy_linearized: Vec<u64>,
    /// Every configuration explored. One with the same other operations and value as an
    /// explored one, and a superset of its lazy operations, cannot succeed where it failed: the
    /// explored one had every lazy operation it has left, and more. (Each frame linearizes a
    /// non-lazy operation, so no configuration on the stack can match a later one.)
    explored: Explored,
    /// Room to write a key of [`Search::explored`] without allocating.
    key_scratch: Vec<u64>,
    stack: Vec<Frame>,
    /// Bit `slot` is set if that operation is an unseen write (see the module's comment).
    unseen: Vec<u64>,
    /// The calls of the unseen writes placed along with the frames on the stack, in order.
    unseen_placed: Vec<usize>,
    /// The calls of the hopeless compare-and-sets dropped along with the frames on the stack,
    /// in order (see [`Search::drop_hopeless`]).
    hopeless_dropped: Vec<usize>,
    /// The values the operations not linearized yet need and can write.
    demand: Demand<'a>,
    /// The latest answer the search stopped at, or looked past to place unseen writes, or the
    /// call of an operation that needed a lost value (see [`Search::loses_a_value`]).
    frontier_us: u64,
    state: Value,
    /// Answered operations not linearized yet; when none are left, the search has succeeded.
    required_left: usize,
}

impl<'a> Search<'a> {
    fn new(operations: &'a [KeyOperation], subset: &'a [usize]) -> Self {
        let operation = |slot: usize| &operations[subset[slot]];
        let lazy: Vec<usize> = (0..subset.len())
            .filter(|&slot| operation(slot).is_lazy())
            .collect();
        debug_assert!(
            lazy.windows(2)
                .all(|pair| operation(pair[0]).invoke_us <= operation(pair[1]).invoke_us),
            "operations must be in call order"
        );
        let mut out_of_reach = vec![0; subset.len().div_ceil(64)];
        for &slot in &lazy {
            set_bit(&mut out_of_reach, slot, true);
        }
        Search {
            operations,
            subset,
            list: EntryList::new(operations, subset),
            out_of_reach,
            lazy_linearized: vec![0; lazy.len().div_ceil(64)],
            lazy,
            explored: Explored::default(),
            key_scratch: Vec::new(),
            stack: Vec::with_capacity(subset.len()),
            unseen: unseen_writes(operations, subset),
            unseen_placed: Vec::new(),
            hopeless_dropped: Vec::new(),
            demand: Demand::new(operations, subset),
            frontier_us: 0,
            state: ABSENT,
            required_left: (0..subset.len())
                .filter(|&slot| operation(slot).required)
                .count(),
        }
    }

    fn operation(&self, slot: usize) -> &KeyOperation {
        &self.operations[self.subset[slot]]
    }

    fn run(&mut self, budget: &mut Budget) -> SearchResult {
        let mut cursor = self.list.first();
        let mut alternative = 0;
        // Whether the search has just reached a new configuration, where a read may be forced.
        let mut arrived = true;
        loop {
            if self.required_left == 0 {
                return SearchResult::Linearizable;
            }
            if !budget.spend(1) {
                return SearchResult::OutOfSteps;
            }
            if std::mem::take(&mut arrived)
                && let Some(read) = self.read_that_may_come_next()
            {
                let frame = Frame {
                    call: read,
                    alternative: 0,
                    lazy: NONE,
                    state_before: self.state,
                    forced: true,
                    unseen: 0,
                    hopeless: 0,
                };
                if self.linearize(frame, self.state) {
                    (cursor, alternative, arrived) = (self.list.first(), 0, true);
                    continue;
                }
                // Explored before, and failed: so does this configuration. Make the cursor
                // the first answer left, which backtracks below.
                cursor = self.list.first_answer(self.list.first());
            }
            // While an answered operation is left, so is its answer: the cursor is an entry.
            let entry = self.list.entries[cursor];
            if !entry.is_call {
                // Every operation that could come next has been tried: undo the last choice.
                self.frontier_us = self.frontier_us.max(entry.time_us);
                let Some(frame) = self.backtrack() else {
                    return SearchResult::NotLinearizable {
                        frontier_us: self.frontier_us,
                    };
                };
                (cursor, alternative) = (frame.call, frame.alternative + 1);
                continue;
            }
            match self.attempt(cursor, alternative) {
                Attempt::NoMore => (cursor, alternative) = (self.list.next[cursor], 0),
                Attempt::Rejected => alternative += 1,
                Attempt::Applies { next_state, lazy } => {
                    let frame = Frame {
                        call: cursor,
                        alternative,
                        lazy,
                        state_before: self.state,
                        forced: false,
                        unseen: 0,
                        hopeless: 0,
                    };
                    if self.linearize(frame, next_state) {
                        (cursor, alternative, arrived) = (self.list.first(), 0, true);
                    } else {
                        alternative += 1;
                    }
                }
            }
        }
    }

    /// The call of the first read that may come next and finds the key's value, if any.
    fn read_that_may_come_next(&self) -> Option<usize> {
        let mut cursor = self.list.first();
        while cursor != NONE && self.list.entries[cursor].is_call {
            let action = self.operation(self.list.entries[cursor].slot).action;
            if action.is_read_only() && action.apply(self.state).is_some() {
                return Some(cursor);
            }
            cursor = self.list.next[cursor];
        }
        None
    }

    /// Undoes choices up to and including the last one that has alternatives left, and
    /// returns it; `None` if none has. A forced read has none: the configuration before it
    /// fails with it, and its first answer left joins the frontier.
    fn backtrack(&mut self) -> Option<Frame> {
        loop {
            let frame = self.stack.pop()?;
            self.undo(&frame);
            if !frame.forced {
                return Some(frame);
            }
            self.note_first_answer();
        }
    }

    /// Moves the frontier up to the first answer left.
    fn note_first_answer(&mut self) {
        let answer = self.list.first_answer(self.list.first());
        self.frontier_us = self.frontier_us.max(self.list.entries[answer].time_us);
    }

    /// Tries alternative `alternative` of the operation whose call is `cursor`: 0 is the
    /// operation alone; `k` > 0 is the operation just after the `k`-th value it needs, taken
    /// from the first lazy operation of that value that may take effect now.
    fn attempt(&mut self, cursor: usize, alternative: usize) -> Attempt {
        let slot = self.list.entries[cursor].slot;
        let action = self.operation(slot).action;
        if bit(&self.unseen, slot) {
            // Alone only when nothing else could come before it (see the module's comment).
            let deadline = self.list.first_answer(cursor) == self.list.entries[cursor].answer;
            return match (alternative, action) {
                (0, Action::Set(value)) if deadline => Attempt::Applies {
                    next_state: value,
                    lazy: NONE,
                },
                _ => Attempt::NoMore,
            };
        }
        if alternative == 0 {
            // An unanswered compare-and-set that finds another value does nothing, just as if it
            // never took effect: only try it where it takes effect.
            if let Action::CasMaybe { expected, .. } = action
                && expected != self.state
            {
                return Attempt::Rejected;
            }
            return match action.apply(self.state) {
                Some(next_state) => Attempt::Applies {
                    next_state,
                    lazy: NONE,
                },
                None => Attempt::Rejected,
            };
        }
        if self.lazy.is_empty() {
            return Attempt::NoMore;
        }
        // The unseen writes that may come next are placed before the lazy one: it is needed
        // if the key as they leave it does not do.
        let state = self.state_after_unseen_before(cursor);
        if !action.needs_any(state) {
            return Attempt::NoMore;
        }
        let Some(lazy) = self.lazy_candidate(cursor, action, alternative, state) else {
            return Attempt::NoMore;
        };
        let Action::Set(value) = self.operation(self.lazy[lazy]).action else {
            unreachable!("lazy operations are writes and deletes");
        };
        match action.apply(value) {
            Some(next_state) => Attempt::Applies { next_state, lazy },
            None => Attempt::Rejected,
        }
    }

    /// The position in [`Search::lazy`] of the first lazy operation of the `count`-th distinct
    /// value that `action` needs, among the lazy operations not linearized yet that may take
    /// effect now: those called no later than the first answer left in the list.
    fn lazy_candidate(
        &self,
        cursor: usize,
        action: Action,
        count: usize,
        state: Value,
    ) -> Option<usize> {
        let first_answer_us = self.list.first_answer_us(cursor);
        let mut values_seen: Vec<Value> = Vec::new();
        for (position, &slot) in self.lazy.iter().enumerate() {
            let operation = self.operation(slot);
            if operation.invoke_us > first_answer_us {
                return None;
            }
            let Action::Set(value) = operation.action else {
                continue;
            };
            if bit(&self.lazy_linearized, position)
                || !action.needs(state, value)
                || values_seen.contains(&value)
            {
                continue;
            }
            values_seen.push(value);
            if values_seen.len() == count {
                return Some(position);
            }
        }
        None
    }

    /// Linearizes the frame's operation (after its lazy operation, if any), leaving the key at
    /// `next_state`, unless an explored configuration shows that cannot succeed. Returns
    /// whether it did.
    fn linearize(&mut self, mut frame: Frame, next_state: Value) -> bool {
        let slot = self.list.entries[frame.call].slot;
        let writes = frame.lazy != NONE || matches!(self.operation(slot).action, Action::Set(_));
        if writes {
            frame.unseen = self.place_unseen_before(frame.call);
        }
        set_bit(&mut self.out_of_reach, slot, true);
        self.demand.take(slot);
        if frame.lazy != NONE {
            set_bit(&mut self.lazy_linearized, frame.lazy, true);
            let lazy = self.lazy[frame.lazy];
            self.demand.take(lazy);
        }
        if self.loses_a_value(&frame, next_state) || !self.remember(next_state) {
            self.take_back(&frame);
            return false;
        }
        self.required_left -= usize::from(self.operation(slot).required);
        self.state = next_state;
        self.list.lift(frame.call);
        frame.hopeless = self.drop_hopeless(&frame, next_state);
        self.stack.push(frame);
        true
    }

    /// Drops the unanswered compare-and-sets that can no longer take effect, now that the key
    /// left the values the frame left: each expects one of them, and nothing left can write it
    /// again. Such a compare-and-set would only be tried, and rejected, at every configuration
    /// from here; dropped, it also no longer counts as a writer of its new value. Returns how
    /// many.
    fn drop_hopeless(&mut self, frame: &Frame, next_state: Value) -> usize {
        let mut dropped = 0;
        for value in self.values_left(frame, next_state).into_iter().flatten() {
            for slot in self.demand.hopeless(value) {
                self.demand.take(slot);
                set_bit(&mut self.out_of_reach, slot, true);
                let call = self.list.call_of[slot];
                self.list.lift(call);
                self.hopeless_dropped.push(call);
                dropped += 1;
            }
        }
        dropped
    }

    /// Puts back the last `count` compare-and-sets [`Search::drop_hopeless`] dropped.
    fn restore_hopeless(&mut self, count: usize) {
        for _ in 0..count {
            let call = self.hopeless_dropped.pop().expect("dropped with a frame");
            self.list.unlift(call);
            let slot = self.list.entries[call].slot;
            self.demand.put_back(slot);
            set_bit(&mut self.out_of_reach, slot, false);
        }
    }

    /// The values the key held while the frame was linearized and no longer holds: the value
    /// before it, and its lazy operation's, unless the key holds them again.
    fn values_left(&self, frame: &Frame, next_state: Value) -> [Option<Value>; 2] {
        let lazy_value =
            (frame.lazy != NONE).then(|| match self.operation(self.lazy[frame.lazy]).action {
                Action::Set(value) => value,
                _ => unreachable!("lazy operations are writes and deletes"),
            });
        [Some(frame.state_before), lazy_value].map(|value| value.filter(|&v| v != next_state))
    }

    /// Whether linearizing the frame, leaving the key at `next_state`, left a value that an
    /// operation still needs and none can write again in time (see `demand`). If so, the
    /// frontier moves up to that operation's call: a search without it would not have seen
    /// the loss.
    fn loses_a_value(&mut self, frame: &Frame, next_state: Value) -> bool {
        let Some(needer) = self
            .values_left(frame, next_state)
            .into_iter()
            .flatten()
            .find_map(|value| self.demand.loser(value))
        else {
            return false;
        };
        self.frontier_us = self.frontier_us.max(self.operation(needer).invoke_us);
        true
    }

    /// Undoes what [`Search::linearize`] did before finding that the frame cannot succeed.
    fn take_back(&mut self, frame: &Frame) {
        let slot = self.list.entries[frame.call].slot;
        set_bit(&mut self.out_of_reach, slot, false);
        self.demand.put_back(slot);
        if frame.lazy != NONE {
            set_bit(&mut self.lazy_linearized, frame.lazy, false);
            let lazy = self.lazy[frame.lazy];
            self.demand.put_back(lazy);
        }
        self.unplace_unseen(frame.unseen);
    }

    /// The key's value once [`Search::place_unseen_before`] placed the unseen writes before
    /// `call`: they are placed, read and taken back.
    fn state_after_unseen_before(&mut self, call: usize) -> Value {
        let placed = self.lift_unseen_before(call);
        let state = match self.unseen_placed.last() {
            Some(&last) if placed > 0 => {
                match self.operation(self.list.entries[last].slot).action {
                    Action::Set(value) => value,
                    _ => unreachable!("unseen operations are writes"),
                }
            }
            _ => self.state,
        };
        self.unplace_unseen(placed);
        state
    }

    /// Places every unseen write that may come next, other than `call`'s, in call order (one
    /// placed may let a later one come next). They change nothing: the write about to be
    /// placed overwrites them. Returns how many.
    fn place_unseen_before(&mut self, call: usize) -> usize {
        let placed = self.lift_unseen_before(call);
        if placed > 0 {
            // Operations called after answers the search looked past were placed: a search
            // of only the operations called up to the frontier must reach the same ones.
            self.note_first_answer();
        }
        placed
    }

    /// [`Search::place_unseen_before`] without moving the frontier.
    fn lift_unseen_before(&mut self, call: usize) -> usize {
        let mut placed = 0;
        let mut cursor = self.list.first();
        while self.list.entries[cursor].is_call {
            let slot = self.list.entries[cursor].slot;
            if cursor != call && bit(&self.unseen, slot) {
                set_bit(&mut self.out_of_reach, slot, true);
                self.demand.take(slot);
                self.required_left -= 1;
                self.list.lift(cursor);
                self.unseen_placed.push(cursor);
                placed += 1;
                // Go on from the entry now after the one before it (its answer is gone too).
                cursor = self.list.prev[cursor];
            }
            cursor = self.list.next[cursor];
        }
        placed
    }

    /// Undoes the last `count` placements of unseen writes, latest first.
    fn unplace_unseen(&mut self, count: usize) {
        for _ in 0..count {
            let call = self.unseen_placed.pop().expect("placed with a frame");
            let slot = self.list.entries[call].slot;
            self.list.unlift(call);
            set_bit(&mut self.out_of_reach, slot, false);
            self.demand.put_back(slot);
            self.required_left += 1;
        }
    }

    /// Records the current configuration with the key at `state` as explored, unless an
    /// explored one already covers it (then returns false).
    fn remember(&mut self, state: Value) -> bool {
        // The set is written as the lengths of its runs of members and non-members, in turn
        // from a run of members (perhaps empty), then the value. The search takes operations
        // mostly in call order, leaving few stragglers behind, so a set is a few runs: written
        // whole, it made each configuration cost the history's length in memory (a history of
        // 100,000 operations took 1.7 GB).
        self.key_scratch.clear();
        write_runs(&self.out_of_reach, &mut self.key_scratch);
        self.key_scratch.push(u64::from(state));
        let current = self.lazy_linearized.as_slice();
        let Some(lazy_sets) = self.explored.get_mut(self.key_scratch.as_slice()) else {
            self.explored
                .insert(self.key_scratch.as_slice().into(), current.to_vec());
            return true;
        };
        let width = current.len();
        if width == 0
            || lazy_sets
                .chunks(width)
                .any(|explored| is_subset(explored, current))
        {
            return false;
        }
        let mut kept: Vec<u64> = lazy_sets
            .chunks(width)
            .filter(|explored| !is_subset(current, explored))
            .flatten()
            .copied()
            .collect();
        kept.extend_from_slice(current);
        *lazy_sets = kept;
        true
    }

    fn undo(&mut self, frame: &Frame) {
        self.restore_hopeless(frame.hopeless);
        let slot = self.list.entries[frame.call].slot;
        self.required_left += usize::from(self.operation(slot).required);
        self.state = frame.state_before;
        self.list.unlift(frame.call);
        self.take_back(frame);
    }
}

/// The unseen writes among `subset` (see the module's comment), as a bitset over its slots.
fn unseen_writes(operations: &[KeyOperation], subset: &[usize]) -> Vec<u64> {
    let mut unseen = vec![0; subset.len().div_ceil(64)];
    // Values are numbered from 0 by the key history, at most two per operation.
    let mut seen = vec![0; (2 * operations.len() + 1).div_ceil(64)];
    for &index in subset {
        if let Action::Read(value)
        | Action::CasSucceeded {
            expected: value, ..
        }
        | Action::CasMaybe {
            expected: value, ..
        } = operations[index].action
        {
            set_bit(&mut seen, value as usize, true);
        }
    }
    let failed_cas = FailedCasWindows::new(operations, subset);
    for (slot, &index) in subset.iter().enumerate() {
        let operation = &operations[index];
        if let (Action::Set(value), Some(response_us)) = (operation.action, operation.response_us)
            && operation.required
            && !bit(&seen, value as usize)
            && !failed_cas.may_follow(operation.invoke_us, response_us)
        {
            set_bit(&mut unseen, slot, true);
        }
    }
    unseen
}

/// Answers, for a write, whether a failed compare-and-set may be linearized between it and
/// the next write or delete (see the module's comment), in O(log n): two binary searches in
/// the calls, in call order, and a look-up in a running minimum and a running maximum.
struct FailedCasWindows {
    calls_us: Vec<u64>,
    /// At position `k`: the earliest answer of an operation at `k` or later (`u64::MAX` if
    /// none is answered).
    earliest_answer_from: Vec<u64>,
    /// At position `k`: the latest answer of a failed compare-and-set before `k`, if any.
    latest_failed_answer_before: Vec<Option<u64>>,
}

impl FailedCasWindows {
    fn new(operations: &[KeyOperation], subset: &[usize]) -> Self {
        let operation = |&index: &usize| &operations[index];
        let calls_us = subset
            .iter()
            .map(|index| operation(index).invoke_us)
            .collect();
        let mut earliest_answer_from = vec![u64::MAX; subset.len() + 1];
        for (slot, index) in subset.iter().enumerate().rev() {
            let answer_us = operation(index).response_us.unwrap_or(u64::MAX);
            earliest_answer_from[slot] = earliest_answer_from[slot + 1].min(answer_us);
        }
        let mut latest_failed_answer_before = vec![None; subset.len() + 1];
        for (slot, index) in subset.iter().enumerate() {
            let operation = operation(index);
            let failed_answer_us = match operation.action {
                Action::CasFailed { .. } => operation.response_us,
                _ => None,
            };
            latest_failed_answer_before[slot + 1] =
                latest_failed_answer_before[slot].max(failed_answer_us);
        }
        FailedCasWindows {
            calls_us,
            earliest_answer_from,
            latest_failed_answer_before,
        }
    }

    /// Whether a failed compare-and-set may come after an unseen write called at `invoke_us`
    /// and answered at `response_us`, and before the next write or delete. Take the answered
    /// operation called after `response_us` (so after the write) that is answered first, at
    /// `deadline_us`. If it is a failed compare-and-set, it may come there itself. Otherwise
    /// it cannot (it would find the unseen value), so the next write comes no later than it,
    /// and a failed compare-and-set called after `deadline_us` comes after that write. One
    /// answered before `invoke_us` comes before the write. An answer at the instant of a call
    /// does not order them, so equal times count as overlapping.
    fn may_follow(&self, invoke_us: u64, response_us: u64) -> bool {
        let called_after = self
            .calls_us
            .partition_point(|&call_us| call_us <= response_us);
        let deadline_us = self.earliest_answer_from[called_after];
        let called_by_deadline = self
            .calls_us
            .partition_point(|&call_us| call_us <= deadline_us);
        self.latest_failed_answer_before[called_by_deadline]
            .is_some_and(|answer_us| answer_us >= invoke_us)
    }
}

/// Appends to `runs` the lengths of the runs of set and clear bits of `words`, in turn from a
/// run of set bits (perhaps empty), leaving out the last run if it is clear.
fn write_runs(words: &[u64], runs: &mut Vec<u64>) {
    let mut run_of_set = true;
    let mut length = 0;
    for &word in words {
        let uniform = if run_of_set { u64::MAX } else { 0 };
        if word == uniform {
            length += 64;
            continue;
        }
        for bit in 0..64 {
            let set = word & (1 << bit) != 0;
            if set != run_of_set {
                runs.push(length);
                (run_of_set, length) = (set, 0);
            }
            length += 1;
        }
    }
    if run_of_set {
        runs.push(length);
    }
}

fn is_subset(small: &[u64], large: &[u64]) -> bool {
    small
        .iter()
        .zip(large)
        .all(|(small, large)| small & !large == 0)
}

pub(super) fn bit(words: &[u64], bit: usize) -> bool {
    words[bit / 64] & (1 << (bit % 64)) != 0
}

pub(super) fn set_bit(words: &mut [u64], bit: usize, on: bool) {
    let mask = 1_u64 << (bit % 64);
    if on {
        words[bit / 64] |= mask;
    } else {
        words[bit / 64] &= !mask;
    }
}

const NONE: usize = usize::MAX;

#[derive(Clone, Copy, Debug)]
struct ListEntry {
    /// The operation's position in the searched subset.
    slot: usize,
    is_call: bool,
    /// When the call or the answer happened; `u64::MAX` for an answer that never came.
    time_us: u64,
    /// For a call, the index of its answer's entry.
    answer: usize,
}

/// The calls and answers of the searched operations, lazy ones excepted, in time order, as a
/// doubly linked list over a vector, so that lifting an operation out and putting it back are
/// constant time.
struct EntryList {
    entries: Vec<ListEntry>,
    /// For each slot, the index of its call's entry ([`NONE`] for a lazy operation).
    call_of: Vec<usize>,
    /// Links; index `entries.len()` is the head sentinel, and [`NONE`] ends the list.
    next: Vec<usize>,
    prev: Vec<usize>,
}

/// The top bit of an event's second word in [`EntryList::new`]: set for an answer.
const ANSWER_BIT: u64 = 1 << 63;

impl EntryList {
    fn new(operations: &[KeyOperation], subset: &[usize]) -> Self {
        // At equal times calls sort first: an operation answered at the instant another is
        // called does not precede it. An operation never answered is answered after all others.
        // The answer flag and the slot share one word (flag in the top bit, so calls still sort
        // first and then by slot), which sorts through the `(u64, u64)` instantiation the page
        // carries anyway rather than one of its own for `(u64, bool, usize)`.
        let mut events: Vec<(u64, u64)> = Vec::with_capacity(2 * subset.len());
        for (slot, &index) in subset.iter().enumerate() {
            let operation = operations[index];
            if !operation.is_lazy() {
                events.push((operation.invoke_us, slot as u64));
                events.push((
                    operation.response_us.unwrap_or(u64::MAX),
                    ANSWER_BIT | slot as u64,
                ));
            }
        }
        events.sort_unstable();
        let events: Vec<(u64, bool, usize)> = events
            .into_iter()
            .map(|(time_us, word)| {
                (
                    time_us,
                    word & ANSWER_BIT != 0,
                    (word & !ANSWER_BIT) as usize,
                )
            })
            .collect();
        let mut answer_of_slot = vec![NONE; subset.len()];
        let mut call_of = vec![NONE; subset.len()];
        for (position, &(_, is_answer, slot)) in events.iter().enumerate() {
            if is_answer {
                answer_of_slot[slot] = position;
            } else {
                call_of[slot] = position;
            }
        }
        let entries: Vec<ListEntry> = events
            .iter()
            .map(|&(time_us, is_answer, slot)| ListEntry {
                slot,
                is_call: !is_answer,
                time_us,
                answer: if is_answer {
                    NONE
                } else {
                    answer_of_slot[slot]
                },
            })
            .collect();
        // Entries are linked in order, after the head sentinel at index `head`.
        let head = entries.len();
        let next = (0..=head)
            .map(|index| match index {
                _ if index == head && head > 0 => 0,
                _ if index + 1 >= head => NONE,
                _ => index + 1,
            })
            .collect();
        let prev = (0..=head)
            .map(|index| if index == 0 { head } else { index - 1 })
            .collect();
        EntryList {
            entries,
            call_of,
            next,
            prev,
        }
    }

    fn first(&self) -> usize {
        self.next[self.entries.len()]
    }

    /// The first answer at or after entry `from`; there is one while an answered operation
    /// is left in the list.
    fn first_answer(&self, from: usize) -> usize {
        let mut index = from;
        while self.entries[index].is_call {
            index = self.next[index];
        }
        index
    }

    /// The time of the first answer at or after entry `from`.
    fn first_answer_us(&self, from: usize) -> u64 {
        let mut index = from;
        while index != NONE {
            let entry = self.entries[index];
            if !entry.is_call {
                return entry.time_us;
            }
            index = self.next[index];
        }
        u64::MAX
    }

    /// Takes a call and its answer out of the list.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.entries[call].answer);
    }

    /// Undoes [`EntryList::lift`]; lifts must be undone in reverse order.
    fn unlift(&mut self, call: usize) {
        self.relink(self.entries[call].answer);
        self.relink(call);
    }

    fn unlink(&mut self, index: usize) {
        let (prev, next) = (self.prev[index], self.next[index]);
        self.next[prev] = next;
        if next != NONE {
            self.prev[next] = prev;
        }
    }

    fn relink(&mut self, index: usize) {
        let (prev, next) = (self.prev[index], self.next[index]);
        self.next[prev] = index;
        if next != NONE {
            self.prev[next] = index;
        }
    }
}

/// A small deterministic hasher for the explored map (FxHash's mixing): the same on every
/// platform, and much faster than SipHash on long bitsets. Only lookups use it, never iteration.
#[derive(Default)]
struct WordHasher {
    hash: u64,
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::write_runs;

    fn runs(words: &[u64]) -> Vec<u64> {
        let mut runs = Vec::new();
        write_runs(words, &mut runs);
        runs
    }

    #[test]
    fn a_set_is_written_as_its_runs_from_a_run_of_members() {
        assert_eq!(runs(&[0, 0]), [0]);
        assert_eq!(runs(&[0b1011, 0]), [2, 1, 1]);
        assert_eq!(runs(&[0b1010, 0]), [0, 1, 1, 1, 1]);
        assert_eq!(runs(&[u64::MAX, 0b1]), [65]);
        assert_eq!(
            runs(&[u64::MAX, u64::MAX - 1, 0, 1 << 63]),
            [64, 1, 63, 127, 1]
        );
        // Sets that differ are written differently, wherever they differ.
        let mut seen = std::collections::BTreeSet::new();
        for set in 0..1_u64 << 10 {
            assert!(seen.insert(runs(&[set << 59, set >> 5])), "set {set:b}");
        }
    }
}
