//! The in-memory Raft log: the latest snapshot followed by the entries after it.
//!
//! This module knows positions and terms only; who may append, truncate or compact is decided
//! by the node.

use super::types::{Entry, Index, Membership, Payload, Snapshot, Term};

/// Invariant: `entries[i].index == snapshot.last_included_index + 1 + i`, and terms never
/// decrease along the log.
#[derive(Clone, Debug)]
pub struct RaftLog {
    snapshot: Snapshot,
    entries: Vec<Entry>,
}

impl RaftLog {
    pub fn new(snapshot: Snapshot, entries: Vec<Entry>) -> Self {
        let log = RaftLog { snapshot, entries };
        log.check_invariants();
        log
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn snapshot_index(&self) -> Index {
        self.snapshot.last_included_index
    }

    /// The first index held as an entry (one past the snapshot).
    pub fn first_index(&self) -> Index {
        self.snapshot.last_included_index + 1
    }

    pub fn last_index(&self) -> Index {
        self.snapshot.last_included_index + self.entries.len() as u64
    }

    pub fn last_term(&self) -> Term {
        self.entries
            .last()
            .map_or(self.snapshot.last_included_term, |entry| entry.term)
    }

    /// The term of the entry at `index`: known for the snapshot's last index and for every
    /// entry held; `None` before the snapshot (compacted) or past the end.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.snapshot.last_included_index {
            return Some(self.snapshot.last_included_term);
        }
        self.entry(index).map(|entry| entry.term)
    }

    pub fn entry(&self, index: Index) -> Option<&Entry> {
        let offset = index.checked_sub(self.first_index())?;
        self.entries.get(usize::try_from(offset).ok()?)
    }

    /// Whether the log holds an entry at `index` with `term` (index 0 always matches).
    pub fn matches(&self, index: Index, term: Term) -> bool {
        self.term_at(index) == Some(term)
    }

    /// The entries from `from` on, at most `max_count` of them and at most `max_bytes` in
    /// total, but always at least one if any exists (a large entry must still get through).
    ///
    /// `from` must not be compacted.
    pub fn entries_from(&self, from: Index, max_count: usize, max_bytes: usize) -> &[Entry] {
        debug_assert!(
            from >= self.first_index(),
            "entries_from({from}) below the log start"
        );
        let start = ((from - self.first_index()) as usize).min(self.entries.len());
        let mut end = start;
        let mut bytes = 0;
        for entry in &self.entries[start..] {
            bytes += entry.size_bytes();
            if end > start && (end - start >= max_count || bytes > max_bytes) {
                break;
            }
            end += 1;
        }
        &self.entries[start..end]
    }

    /// The entries in `from..=to`, all of which must be held.
    pub fn slice(&self, from: Index, to: Index) -> &[Entry] {
        if from > to {
            return &[];
        }
        let start = (from - self.first_index()) as usize;
        let end = (to - self.first_index()) as usize + 1;
        &self.entries[start..end]
    }

    /// "Up to date" as in paper §5.4.1: a log whose last entry has a later term is more up to
    /// date; with equal last terms, the longer log is.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    /// Appends one entry at the end. Its index must be `last_index + 1`.
    pub fn push(&mut self, entry: Entry) {
        debug_assert_eq!(entry.index, self.last_index() + 1, "push leaves a gap");
        debug_assert!(entry.term >= self.last_term(), "push would lower the term");
        self.entries.push(entry);
    }

    /// Drops every entry at or after `index` (which must be past the snapshot).
    pub fn truncate_from(&mut self, index: Index) {
        debug_assert!(
            index > self.snapshot_index(),
            "truncating into the snapshot"
        );
        let keep = (index - self.first_index()) as usize;
        self.entries.truncate(keep);
    }

    /// The first entry of `entries` that this log does not already hold with the same term,
    /// or `None` if it holds them all. Entries before the log start count as held (they are
    /// covered by the snapshot, hence committed, hence identical).
    pub fn first_conflict<'a>(&self, entries: &'a [Entry]) -> Option<&'a Entry> {
        entries.iter().find(|entry| {
            entry.index > self.snapshot_index() && !self.matches(entry.index, entry.term)
        })
    }

    /// The last index at or before `at` whose entry has `term`, if the log holds one.
    pub fn last_index_of_term(&self, term: Term, at: Index) -> Option<Index> {
        let mut index = at.min(self.last_index());
        loop {
            match self.term_at(index) {
                Some(found) if found == term => return Some(index),
                Some(found) if found < term => return None,
                Some(_) if index > self.snapshot_index() => index -= 1,
                _ => return None,
            }
        }
    }

    /// The first index of the run of entries with the same term as the entry at `index`,
    /// stopping at the log start.
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else {
            return index;
        };
        let mut first = index;
        while first > self.first_index() && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The membership in effect at `index`: that of the last membership entry at or before it,
    /// or the snapshot's. `index` must not be compacted.
    pub fn membership_at(&self, index: Index) -> (Index, &Membership) {
        let last = index.min(self.last_index());
        if last > self.snapshot_index() {
            for entry in self.slice(self.first_index(), last).iter().rev() {
                if let Payload::Membership(membership) = &entry.payload {
                    return (entry.index, membership);
                }
            }
        }
        (self.snapshot_index(), &self.snapshot.membership)
    }

    /// Whether any entry in `from..=to` changes the membership.
    pub fn has_membership_entry(&self, from: Index, to: Index) -> bool {
        let from = from.max(self.first_index());
        let to = to.min(self.last_index());
        self.slice(from, to)
            .iter()
            .any(|entry| matches!(entry.payload, Payload::Membership(_)))
    }

    /// Replaces the prefix up to `snapshot.last_included_index` with `snapshot`. If the log
    /// holds the snapshot's last entry with the same term, the entries after it stay (paper §7:
    /// "retain log entries following it"); otherwise the whole log goes. Returns whether the
    /// suffix was kept.
    pub fn install_snapshot(&mut self, snapshot: Snapshot) -> bool {
        let index = snapshot.last_included_index;
        let keep_suffix =
            index <= self.last_index() && self.matches(index, snapshot.last_included_term);
        if keep_suffix {
            let covered = (index + 1).saturating_sub(self.first_index()) as usize;
            self.entries.drain(..covered);
        } else {
            self.entries.clear();
        }
        self.snapshot = snapshot;
        self.check_invariants();
        keep_suffix
    }

    fn check_invariants(&self) {
        if cfg!(debug_assertions) {
            let mut previous_term = self.snapshot.last_included_term;
            for (offset, entry) in self.entries.iter().enumerate() {
                assert_eq!(
                    entry.index,
                    self.first_index() + offset as u64,
                    "log has a gap"
                );
                assert!(
                    entry.term >= previous_term,
                    "log terms decrease at {}",
                    entry.index
                );
                previous_term = entry.term;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn log_with_terms(snapshot_index: Index, snapshot_term: Term, terms: &[Term]) -> RaftLog {
        let snapshot = Snapshot {
            last_included_index: snapshot_index,
            last_included_term: snapshot_term,
            membership: Membership::with_voters(3),
            data: Arc::from(&[][..]),
        };
        let entries = terms
            .iter()
            .enumerate()
            .map(|(offset, &term)| Entry {
                index: snapshot_index + 1 + offset as u64,
                term,
                payload: Payload::Noop,
            })
            .collect();
        RaftLog::new(snapshot, entries)
    }

    #[test]
    fn positions_and_terms() {
        let log = log_with_terms(3, 2, &[2, 3, 3]);
        assert_eq!(log.first_index(), 4);
        assert_eq!(log.last_index(), 6);
        assert_eq!(log.last_term(), 3);
        assert_eq!(log.term_at(3), Some(2), "the snapshot's last term is known");
        assert_eq!(log.term_at(2), None, "compacted");
        assert_eq!(log.term_at(7), None, "past the end");
        assert!(log.matches(5, 3));
        assert!(!log.matches(5, 2));
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let log = log_with_terms(0, 0, &[1, 1, 2]);
        for (last_index, last_term, expected) in [
            (3, 2, true),  // identical
            (4, 2, true),  // longer, same term
            (2, 2, false), // shorter, same term
            (1, 3, true),  // later term wins over length
            (9, 1, false), // earlier term loses whatever the length
        ] {
            assert_eq!(
                log.is_up_to_date(last_index, last_term),
                expected,
                "({last_index}, {last_term})"
            );
        }
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes_but_never_empty() {
        let log = log_with_terms(0, 0, &[1; 10]);
        assert_eq!(log.entries_from(1, 4, usize::MAX).len(), 4);
        assert_eq!(
            log.entries_from(1, 100, 16 * 3).len(),
            3,
            "16 bytes per empty entry"
        );
        assert_eq!(log.entries_from(1, 100, 1).len(), 1, "at least one entry");
        assert_eq!(log.entries_from(9, 100, usize::MAX).len(), 2);
        assert!(log.entries_from(11, 100, usize::MAX).is_empty());
    }

    #[test]
    fn term_searches_for_fast_backtracking() {
        let log = log_with_terms(0, 0, &[1, 1, 4, 4, 4, 5]);
        assert_eq!(log.last_index_of_term(4, 6), Some(5));
        assert_eq!(log.last_index_of_term(4, 4), Some(4));
        assert_eq!(log.last_index_of_term(2, 6), None, "no entry of term 2");
        assert_eq!(log.first_index_of_term_at(5), 3);
        assert_eq!(log.first_index_of_term_at(2), 1);
    }

    #[test]
    fn installing_a_snapshot_keeps_a_matching_suffix_only() {
        let mut matching = log_with_terms(0, 0, &[1, 1, 2, 2]);
        let snapshot = |index, term| Snapshot {
            last_included_index: index,
            last_included_term: term,
            membership: Membership::with_voters(3),
            data: Arc::from(&[][..]),
        };
        assert!(matching.install_snapshot(snapshot(2, 1)));
        assert_eq!((matching.first_index(), matching.last_index()), (3, 4));

        let mut conflicting = log_with_terms(0, 0, &[1, 1, 2, 2]);
        assert!(!conflicting.install_snapshot(snapshot(2, 3)));
        assert_eq!(
            (conflicting.first_index(), conflicting.last_index()),
            (3, 2)
        );
        assert_eq!(conflicting.last_term(), 3);
    }
}
