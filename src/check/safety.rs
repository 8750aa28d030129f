//! Raft's safety properties (paper Figure 3), checked after every event by watching the nodes
//! from outside: their roles, terms, logs, commit indices and what their state machines apply.
//!
//! Nothing here calls into the core's own logic; it reads what any observer could see and
//! keeps its own books. To stay cheap after every event, logs are summarized by prefix hashes:
//! the hash at index `i` covers every entry up to `i`, so two logs agree on a whole prefix
//! exactly when their hashes at its last index agree (Log Matching, one comparison).

use std::collections::BTreeMap;

use litemap::LiteMap;
use serde::Serialize;

use crate::raft::{Entry, Index, NodeId, Payload, PersistentState, RaftNode, Role, Term};
use crate::sim::rng::{fnv1a, mix};

/// A broken guarantee, with enough context for a person to see what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub at_us: u64,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// The log position involved, if one is.
    pub index: Option<Index>,
    pub term: Option<Term>,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    ElectionSafety,
    LeaderAppendOnly,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    CommitMonotonic,
    RestartState,
    ExactlyOnce,
    Linearizability,
    Liveness,
    BackupMismatch,
    /// The core or the simulator broke one of its own invariants (a panic).
    Panic,
}

impl ViolationKind {
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::ElectionSafety => "election_safety",
            ViolationKind::LeaderAppendOnly => "leader_append_only",
            ViolationKind::LogMatching => "log_matching",
            ViolationKind::LeaderCompleteness => "leader_completeness",
            ViolationKind::StateMachineSafety => "state_machine_safety",
            ViolationKind::CommitMonotonic => "commit_monotonic",
            ViolationKind::RestartState => "restart_state",
            ViolationKind::ExactlyOnce => "exactly_once",
            ViolationKind::Linearizability => "linearizability",
            ViolationKind::Liveness => "liveness",
            ViolationKind::BackupMismatch => "backup_mismatch",
            ViolationKind::Panic => "panic",
        }
    }

    /// The property, in the paper's words where it has them.
    pub fn property(self) -> &'static str {
        match self {
            ViolationKind::ElectionSafety => "at most one leader can be elected in a given term",
            ViolationKind::LeaderAppendOnly => {
                "a leader never overwrites or deletes entries in its log"
            }
            ViolationKind::LogMatching => {
                "if two logs contain an entry with the same index and term, the logs are identical up to it"
            }
            ViolationKind::LeaderCompleteness => {
                "a committed entry is present in the logs of the leaders of all later terms"
            }
            ViolationKind::StateMachineSafety => {
                "no two servers apply different commands at the same index"
            }
            ViolationKind::CommitMonotonic => {
                "a server's commit index never decreases while it runs"
            }
            ViolationKind::RestartState => "a restarted server has exactly the state it persisted",
            ViolationKind::ExactlyOnce => "a client command takes effect at most once",
            ViolationKind::Linearizability => {
                "every operation appears to take effect at one instant between its call and its answer"
            }
            ViolationKind::Liveness => {
                "once the network heals and a majority is up, a leader is elected and every node catches up"
            }
            ViolationKind::BackupMismatch => "every node's backup at a barrier is identical",
            ViolationKind::Panic => "the core and the simulator never break their own invariants",
        }
    }
}

/// How an input changed a node's log, as its output reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogChange {
    /// The lowest index the log was rewritten from, if any.
    pub from_index: Option<Index>,
    /// Whether the node installed or took a snapshot.
    pub snapshot: bool,
}

/// What the checker remembers about one node during one life (until it crashes).
#[derive(Clone, Debug, Default)]
struct NodeBook {
    /// `prefix[k]` is the prefix hash at index `first_index - 1 + k`: `prefix[0]` covers the
    /// snapshot, the rest each entry held.
    first_index: Index,
    prefix: Vec<u64>,
    last_term: Term,
    commit_index: Index,
    /// The term this node was last seen leading, if it was leading at its last observation.
    leading_term: Option<Term>,
}

impl NodeBook {
    fn last_index(&self) -> Index {
        self.first_index - 1 + self.prefix.len() as u64 - 1
    }

    fn prefix_at(&self, index: Index) -> Option<u64> {
        let offset = index.checked_sub(self.first_index - 1)?;
        self.prefix.get(offset as usize).copied()
    }
}

/// The checker's books for a whole run.
#[derive(Clone, Debug, Default)]
pub struct SafetyChecker {
    /// The leader of each term, and when it was first seen leading (a second leader's
    /// violation says since when the first led). A pair of `u64`s, the type of the books
    /// below, so the page's wasm carries one B-tree for both (a `BTreeMap<u64, u64>` was 2 KB
    /// of it).
    leader_of_term: BTreeMap<Term, (NodeId, u64)>,
    /// The prefix hash first seen at each `(index, term)`.
    prefix_of_position: BTreeMap<(Index, Term), u64>,
    /// The prefix hash at each index some node declared committed (every index up to its
    /// commit index, so two nodes' committed logs are compared wherever both reach).
    committed_prefix: BTreeMap<Index, (Term, u64)>,
    /// For each term in which some node declared entries committed, the highest index it
    /// declared (and that entry's term). Leader Completeness binds the leaders of later terms.
    highest_committed_in_term: BTreeMap<Term, (Index, Term)>,
    /// The hash of the entry each index was first applied with.
    applied: BTreeMap<Index, (u64, NodeId)>,
    /// Where each client command first took effect.
    first_effect: BTreeMap<(u64, u64), Index>,
    books: LiteMap<NodeId, NodeBook>,
}

/// A stable hash of an entry: index, term and payload.
pub fn entry_hash(entry: &Entry) -> u64 {
    let payload = match &entry.payload {
        Payload::Noop => 0,
        Payload::Command(data) => fnv1a(data),
        Payload::Membership(membership) => {
            let mut hash = 0x6d65_6d62u64;
            for voter in &membership.voters {
                hash = mix(hash ^ voter);
            }
            for learner in &membership.learners {
                hash = mix(hash ^ learner.rotate_left(32));
            }
            hash
        }
    };
    mix(entry.index ^ mix(entry.term ^ mix(payload)))
}

fn chain(previous: u64, entry: &Entry) -> u64 {
    mix(previous.rotate_left(7) ^ entry_hash(entry))
}

fn violation(
    kind: ViolationKind,
    at_us: u64,
    nodes: Vec<NodeId>,
    index: Option<Index>,
    term: Option<Term>,
    detail: String,
) -> Violation {
    Violation {
        kind,
        at_us,
        nodes,
        index,
        term,
        detail,
    }
}

impl SafetyChecker {
    /// A rough size of the books on the heap, for `Simulation::approx_bytes`: they grow with
    /// every index committed and every client command applied.
    pub fn approx_bytes(&self) -> usize {
        // A B-tree holds its entries in nodes about two-thirds full, plus edges.
        const PER_ENTRY: usize = 48;
        let entries = self.leader_of_term.len()
            + self.prefix_of_position.len()
            + self.committed_prefix.len()
            + self.highest_committed_in_term.len()
            + self.applied.len()
            + self.first_effect.len();
        entries * PER_ENTRY
    }

    /// How many log positions the books hold (what `forget_below` prunes).
    pub fn positions_remembered(&self) -> usize {
        self.prefix_of_position.len() + self.committed_prefix.len() + self.applied.len()
    }

    /// Looks at `node` after an input that changed its log as `change` says.
    pub fn observe(
        &mut self,
        at_us: u64,
        id: NodeId,
        node: &RaftNode,
        change: LogChange,
    ) -> Result<(), Violation> {
        let previous_last = self.books.get(&id).map(|book| book.last_index());
        self.update_log(at_us, id, node, change)?;
        self.check_leader(at_us, id, node, change, previous_last)?;
        self.check_commit(at_us, id, node)
    }

    /// Brings the node's book up to date with its log, checking every new position against
    /// what other nodes hold there (Log Matching).
    fn update_log(
        &mut self,
        at_us: u64,
        id: NodeId,
        node: &RaftNode,
        change: LogChange,
    ) -> Result<(), Violation> {
        let log = node.log();
        let book_matches = self
            .books
            .get(&id)
            .is_some_and(|book| book.first_index == log.first_index() && !change.snapshot);
        let mut recompute_from = if book_matches {
            let book = &self.books[&id];
            let unreported =
                book.last_index() != log.last_index() || book.last_term != log.last_term();
            match change.from_index {
                Some(from) => from.min(book.last_index() + 1),
                // The output reported no change, but the log differs: check all of it again.
                None if unreported => log.first_index(),
                None => return Ok(()),
            }
        } else {
            let snapshot = log.snapshot();
            let base =
                self.position_prefix(snapshot.last_included_index, snapshot.last_included_term);
            let book = self.books.entry(id).or_default();
            book.first_index = log.first_index();
            book.prefix = vec![base];
            log.first_index()
        };
        recompute_from = recompute_from.max(log.first_index());
        let book = self.books.get_mut(&id).expect("created above");
        let keep = (recompute_from - book.first_index + 1) as usize;
        book.prefix.truncate(keep);
        let mut previous = *book
            .prefix
            .last()
            .expect("the snapshot's prefix is always there");
        for entry in log.slice(recompute_from, log.last_index()) {
            previous = chain(previous, entry);
            book.prefix.push(previous);
            match self.prefix_of_position.get(&(entry.index, entry.term)) {
                Some(&known) if known != previous => {
                    let holder = self.holder_of(entry.index, entry.term, known, id);
                    return Err(violation(
                        ViolationKind::LogMatching,
                        at_us,
                        holder.into_iter().chain([id]).collect(),
                        Some(entry.index),
                        Some(entry.term),
                        format!(
                            "S{id} holds an entry at index {} of term {} whose log before it differs from another node's entry at the same index and term",
                            entry.index, entry.term
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    self.prefix_of_position
                        .insert((entry.index, entry.term), previous);
                }
            }
        }
        book.last_term = log.last_term();
        Ok(())
    }

    /// The prefix hash at a snapshot boundary: what some node's log had there, or (for a
    /// position no log ever held, such as the bootstrap or a restored backup) a hash of the
    /// position alone.
    fn position_prefix(&mut self, index: Index, term: Term) -> u64 {
        *self
            .prefix_of_position
            .entry((index, term))
            .or_insert_with(|| mix(index ^ mix(term ^ 0x736e_6170)))
    }

    fn holder_of(&self, index: Index, term: Term, prefix: u64, except: NodeId) -> Option<NodeId> {
        let _ = term;
        self.books
            .iter()
            .find(|(other, book)| **other != except && book.prefix_at(index) == Some(prefix))
            .map(|(other, _)| *other)
    }

    /// Election Safety, Leader Append-Only and Leader Completeness.
    fn check_leader(
        &mut self,
        at_us: u64,
        id: NodeId,
        node: &RaftNode,
        change: LogChange,
        previous_last: Option<Index>,
    ) -> Result<(), Violation> {
        let term = node.current_term();
        let was_leading = self.books.get(&id).and_then(|book| book.leading_term);
        if node.role() != Role::Leader {
            self.books.entry(id).or_default().leading_term = None;
            return Ok(());
        }
        match self.leader_of_term.get(&term) {
            Some(&(other, elected_us)) if other != id => {
                return Err(violation(
                    ViolationKind::ElectionSafety,
                    at_us,
                    vec![other, id],
                    None,
                    Some(term),
                    format!(
                        "S{other} (seen leading from {} ms) and S{id} were both elected leader of term {term}",
                        elected_us / 1000
                    ),
                ));
            }
            Some(_) => {}
            None => {
                self.leader_of_term.insert(term, (id, at_us));
            }
        }
        if was_leading == Some(term) {
            if let (Some(from), Some(previous_last)) = (change.from_index, previous_last)
                && from <= previous_last
            {
                return Err(violation(
                    ViolationKind::LeaderAppendOnly,
                    at_us,
                    vec![id],
                    Some(from),
                    Some(term),
                    format!(
                        "leader S{id} of term {term} rewrote its log from index {from} (it held up to {previous_last})"
                    ),
                ));
            }
        } else {
            self.check_completeness(at_us, id, term)?;
        }
        self.books.get_mut(&id).expect("observed").leading_term = Some(term);
        Ok(())
    }

    /// A new leader of `term` must hold every entry committed in an earlier term (a node that
    /// wakes up and wins an old term's election owes nothing to later terms).
    fn check_completeness(&self, at_us: u64, id: NodeId, term: Term) -> Result<(), Violation> {
        let Some((index, committed_term)) = self
            .highest_committed_in_term
            .range(..term)
            .map(|(_, &position)| position)
            .max()
        else {
            return Ok(());
        };
        let book = &self.books[&id];
        if index < book.first_index - 1 {
            return Ok(()); // Covered by the new leader's own snapshot, which holds only committed entries.
        }
        let Some(&(_, expected)) = self.committed_prefix.get(&index) else {
            return Ok(());
        };
        if book.prefix_at(index) != Some(expected) {
            return Err(violation(
                ViolationKind::LeaderCompleteness,
                at_us,
                vec![id],
                Some(index),
                Some(committed_term),
                format!(
                    "S{id} became leader of term {term} without the committed entry at index {index} (term {committed_term})"
                ),
            ));
        }
        Ok(())
    }

    /// The commit index only grows within a life, and what is committed at an index never changes.
    fn check_commit(&mut self, at_us: u64, id: NodeId, node: &RaftNode) -> Result<(), Violation> {
        let commit = node.commit_index();
        let book = self.books.get_mut(&id).expect("observed");
        if commit < book.commit_index {
            return Err(violation(
                ViolationKind::CommitMonotonic,
                at_us,
                vec![id],
                Some(commit),
                None,
                format!(
                    "S{id}'s commit index went back from {} to {commit}",
                    book.commit_index
                ),
            ));
        }
        if commit == book.commit_index {
            return Ok(());
        }
        // Every newly committed index is compared (or recorded), not only the new commit
        // index: nodes commit up to different indexes, and two different logs committed up to
        // indexes no other node shares would otherwise never meet. From the snapshot's own
        // index on: its prefix hash stands for the entries it replaced.
        let newly_committed = (book.commit_index + 1).max(book.first_index - 1).max(1)..=commit;
        let reached = book.prefix_at(commit).is_some();
        book.commit_index = commit;
        for index in newly_committed {
            let Some(prefix) = book.prefix_at(index) else {
                break; // Beyond the log as reported: a node commits only what it holds.
            };
            let term = node.log().term_at(index).unwrap_or(0);
            match self.committed_prefix.get(&index) {
                Some(&(other_term, other)) if other != prefix => {
                    return Err(violation(
                        ViolationKind::LeaderCompleteness,
                        at_us,
                        vec![id],
                        Some(index),
                        Some(term),
                        format!(
                            "S{id} committed up to index {commit}, but its log up to index {index} (term {term}) differs from the one already committed there (term {other_term})"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    self.committed_prefix.insert(index, (term, prefix));
                }
            }
        }
        if reached {
            let term = node.log().term_at(commit).unwrap_or(0);
            let highest = self
                .highest_committed_in_term
                .entry(node.current_term())
                .or_insert((commit, term));
            if commit > highest.0 {
                *highest = (commit, term);
            }
        }
        Ok(())
    }

    /// A node's state machine, which had applied every index up to `last_applied`, is handed
    /// `entry` to apply: it must be the next index, and the command every node applies there.
    pub fn observe_apply(
        &mut self,
        at_us: u64,
        id: NodeId,
        entry: &Entry,
        last_applied: Index,
    ) -> Result<(), Violation> {
        if entry.index != last_applied + 1 {
            return Err(violation(
                ViolationKind::StateMachineSafety,
                at_us,
                vec![id],
                Some(entry.index),
                Some(entry.term),
                format!(
                    "S{id} was to apply index {} after index {last_applied}: a state machine applies each index once, in log order",
                    entry.index
                ),
            ));
        }
        let hash = entry_hash(entry);
        match self.applied.get(&entry.index) {
            Some(&(other, other_node)) if other != hash => Err(violation(
                ViolationKind::StateMachineSafety,
                at_us,
                vec![other_node, id],
                Some(entry.index),
                Some(entry.term),
                format!(
                    "S{id} applied a different command at index {} (term {}) than S{other_node} did",
                    entry.index, entry.term
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.applied.insert(entry.index, (hash, id));
                Ok(())
            }
        }
    }

    /// A client command took effect (not as a duplicate) at `index` on `id`'s state machine.
    pub fn observe_effect(
        &mut self,
        at_us: u64,
        id: NodeId,
        client_id: u64,
        sequence: u64,
        index: Index,
    ) -> Result<(), Violation> {
        match self.first_effect.get(&(client_id, sequence)) {
            Some(&first) if first != index => Err(violation(
                ViolationKind::ExactlyOnce,
                at_us,
                vec![id],
                Some(index),
                None,
                format!(
                    "client {client_id}'s command {sequence} took effect at index {first} and again at index {index}"
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.first_effect.insert((client_id, sequence), index);
                Ok(())
            }
        }
    }

    /// A node crashed: its volatile state is gone, and a new life starts at its restart.
    /// `disk` is what the life that ended had written, `term_sent` the highest term it put in
    /// a message (see `Server::term_sent`).
    ///
    /// A term that life led and neither wrote nor sent goes with it, and the entries it
    /// appended in that term: no one else saw them, so they bind no one. A sole voter elects
    /// itself without a message and before its write, so its next life, back at the older
    /// term, can win that term again and append other entries in it (found by fuzzing, as a
    /// Log Matching violation at a position only the lost life had held). The driver writes
    /// an output before it sends its messages, so a term sent is a term written; counting
    /// `term_sent` too keeps a core that sends what it never wrote from being excused.
    ///
    /// Every position of a lost term is forgotten, not only those still in the life's log:
    /// the life may have cut some off itself (a later leader's entries replacing them), and
    /// only its leader ever held entries of a term.
    pub fn observe_crash(&mut self, id: NodeId, disk: &PersistentState, term_sent: Term) {
        self.books.remove(&id);
        let last_seen_term = disk.hard_state.current_term.max(term_sent);
        let lost_terms: Vec<Term> = self
            .leader_of_term
            .range(last_seen_term.saturating_add(1)..)
            .filter(|&(_, &(leader, _))| leader == id)
            .map(|(&term, _)| term)
            .collect();
        if lost_terms.is_empty() {
            return;
        }
        for term in &lost_terms {
            self.leader_of_term.remove(term);
        }
        self.prefix_of_position
            .retain(|&(_, term), _| !lost_terms.contains(&term));
    }

    /// A node restarted from `disk`: it must hold exactly that.
    pub fn observe_restart(
        &mut self,
        at_us: u64,
        id: NodeId,
        node: &RaftNode,
        disk: &PersistentState,
    ) -> Result<(), Violation> {
        let mismatch = if node.hard_state() != disk.hard_state {
            Some(format!(
                "S{id} restarted with term {} and {}, but persisted term {} and {}",
                node.current_term(),
                vote_text(node.voted_for()),
                disk.hard_state.current_term,
                vote_text(disk.hard_state.voted_for)
            ))
        } else if node.log().snapshot() != &disk.snapshot
            || node.log().entries() != disk.entries.as_slice()
        {
            Some(format!(
                "S{id} restarted with a log different from the one it persisted"
            ))
        } else {
            None
        };
        match mismatch {
            Some(detail) => Err(violation(
                ViolationKind::RestartState,
                at_us,
                vec![id],
                None,
                None,
                detail,
            )),
            None => self.observe(at_us, id, node, LogChange::default()),
        }
    }

    /// Forgets positions below `index`, which no node can hold, commit or apply any more (the
    /// simulator passes the lowest snapshot or applied index of all nodes, on disk and in
    /// memory). Without it the books grow with every index committed, and every checkpoint of
    /// a long run carries them. What a client command's first effect was is kept: a retried
    /// command may still arrive.
    pub fn forget_below(&mut self, index: Index) {
        self.applied = self.applied.split_off(&index);
        self.committed_prefix = self.committed_prefix.split_off(&index);
        self.prefix_of_position = self.prefix_of_position.split_off(&(index, 0));
    }
}

/// "a vote for S4" or "no vote", for explanations people read (servers are named as in the
/// Raft paper's figures, and on the page).
fn vote_text(voted_for: Option<NodeId>) -> String {
    voted_for.map_or_else(
        || "no vote".to_string(),
        |node| format!("a vote for S{node}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::{Config, Membership, RandomSource};
    use std::sync::Arc;

    struct Fixed;
    impl RandomSource for Fixed {
        fn next_u64(&mut self) -> u64 {
            0
        }
    }

    fn entry(index: Index, term: Term, text: &str) -> Entry {
        Entry {
            index,
            term,
            payload: Payload::Command(Arc::from(text.as_bytes())),
        }
    }

    fn node_with(id: NodeId, term: Term, entries: Vec<Entry>) -> RaftNode {
        let mut disk = PersistentState::bootstrap(Membership::with_voters(3), Arc::from(&[][..]));
        disk.hard_state.current_term = term;
        disk.entries = entries;
        RaftNode::new(id, Config::default(), disk, 0, &mut Fixed)
    }

    #[test]
    fn logs_that_agree_pass_and_a_divergent_prefix_is_caught() {
        let mut checker = SafetyChecker::default();
        let a = node_with(1, 2, vec![entry(1, 1, "x"), entry(2, 2, "y")]);
        let b = node_with(2, 2, vec![entry(1, 1, "x"), entry(2, 2, "y")]);
        assert!(checker.observe(0, 1, &a, LogChange::default()).is_ok());
        assert!(checker.observe(0, 2, &b, LogChange::default()).is_ok());
        // Same (2, 2) at the end, but a different entry before it.
        let c = node_with(3, 2, vec![entry(1, 1, "DIFFERENT"), entry(2, 2, "y")]);
        let caught = checker.observe(0, 3, &c, LogChange::default()).unwrap_err();
        assert_eq!(
            (caught.kind, caught.index),
            (ViolationKind::LogMatching, Some(1))
        );
    }

    /// A follower in `term` holding `entries`, told by a leader (node 9) that `commit` is
    /// committed.
    fn follower_with_commit(
        id: NodeId,
        term: Term,
        entries: Vec<Entry>,
        commit: Index,
    ) -> RaftNode {
        let mut node = node_with(id, term, entries);
        let heartbeat = crate::raft::Message {
            from: 9,
            to: id,
            term,
            body: crate::raft::MessageBody::Heartbeat {
                leader_commit: commit,
                round: 1,
            },
        };
        node.step(1, &mut Fixed, heartbeat);
        assert_eq!(node.commit_index(), commit);
        node
    }

    /// S1 declares index 2 committed as [a@1, b@1]; S2 then declares index 3 committed with
    /// other commands at indexes 1 and 2 (of term 2: no position is shared, so Log Matching has
    /// nothing to compare). What is committed at an index changed, though no two nodes
    /// committed up to the same index (found by review: only equal commit indexes were
    /// compared, and the difference waited for both to apply).
    #[test]
    fn committed_logs_are_compared_at_every_index_both_reach() {
        let first = follower_with_commit(1, 1, vec![entry(1, 1, "a"), entry(2, 1, "b")], 2);
        let agreeing = follower_with_commit(3, 1, vec![entry(1, 1, "a"), entry(2, 1, "b")], 1);
        let second = follower_with_commit(
            2,
            2,
            vec![entry(1, 2, "X"), entry(2, 2, "Y"), entry(3, 2, "Z")],
            3,
        );
        let mut checker = SafetyChecker::default();
        checker.observe(0, 1, &first, LogChange::default()).unwrap();
        checker
            .observe(1, 3, &agreeing, LogChange::default())
            .expect("a shorter committed prefix of the same log agrees");
        let violation = checker
            .observe(2, 2, &second, LogChange::default())
            .expect_err("index 1 was committed as a@1 on S1 and as X@2 on S2");
        assert_eq!(
            (violation.kind, violation.index),
            (ViolationKind::LeaderCompleteness, Some(1))
        );
    }

    #[test]
    fn two_different_commands_applied_at_one_index_are_caught() {
        let mut checker = SafetyChecker::default();
        assert!(checker.observe_apply(0, 1, &entry(5, 2, "a"), 4).is_ok());
        assert!(checker.observe_apply(1, 2, &entry(5, 2, "a"), 4).is_ok());
        let caught = checker
            .observe_apply(2, 3, &entry(5, 3, "b"), 4)
            .unwrap_err();
        assert_eq!(
            (caught.kind, caught.index, caught.nodes.clone()),
            (ViolationKind::StateMachineSafety, Some(5), vec![1, 3])
        );
    }

    /// Only a broken core hands a state machine an index again, or skips one (applying entries
    /// before they commit, then truncating them): caught, not applied.
    #[test]
    fn an_index_applied_out_of_order_is_caught() {
        let mut checker = SafetyChecker::default();
        let again = checker
            .observe_apply(0, 1, &entry(2, 1, "a"), 4)
            .unwrap_err();
        assert_eq!(
            (again.kind, again.index, again.nodes.clone()),
            (ViolationKind::StateMachineSafety, Some(2), vec![1])
        );
        assert!(
            again.detail.contains("apply index 2 after index 4"),
            "{}",
            again.detail
        );
        let skipped = checker
            .observe_apply(0, 1, &entry(6, 1, "a"), 4)
            .unwrap_err();
        assert_eq!(skipped.index, Some(6));
    }

    #[test]
    fn a_command_taking_effect_at_two_indices_is_caught() {
        let mut checker = SafetyChecker::default();
        assert!(checker.observe_effect(0, 1, 7, 1, 10).is_ok());
        assert!(
            checker.observe_effect(0, 2, 7, 1, 10).is_ok(),
            "same index on another node"
        );
        assert_eq!(
            checker.observe_effect(0, 1, 7, 1, 12).unwrap_err().kind,
            ViolationKind::ExactlyOnce
        );
    }

    /// The disk of a brand-new cluster whose only voter is `id`.
    fn alone(id: NodeId) -> PersistentState {
        let membership = Membership {
            voters: [id].into_iter().collect(),
            learners: Default::default(),
        };
        PersistentState::bootstrap(membership, Arc::from(&[][..]))
    }

    /// A sole voter, `id`, leading a term it won alone just now, with `command` appended.
    fn sole_voter_leading(id: NodeId, disk: &PersistentState, command: &str) -> RaftNode {
        let mut node = RaftNode::new(id, Config::default(), disk.clone(), 0, &mut Fixed);
        node.trigger_election_timeout(1_000_000, &mut Fixed);
        assert!(node.is_leader(), "a sole voter elects itself at once");
        node.propose(1_000_000, Arc::from(command.as_bytes()))
            .expect("a leader takes commands");
        node
    }

    /// S1 wins term 1 alone and appends [noop, a], then crashes before writing or sending any
    /// of it: no one saw that term. That its next life wins term 1 again and appends [noop, b],
    /// or that S2 (a sole voter of another configuration) leads term 1, is no violation. What
    /// was written, or sent, still binds.
    #[test]
    fn a_term_won_but_never_written_goes_with_its_life() {
        let lost = sole_voter_leading(1, &alone(1), "a");
        let after_the_crash = || {
            let mut checker = SafetyChecker::default();
            checker.observe(0, 1, &lost, LogChange::default()).unwrap();
            checker.observe_crash(1, &alone(1), 0);
            checker
        };
        let again = sole_voter_leading(1, &alone(1), "b");
        after_the_crash()
            .observe(1, 1, &again, LogChange::default())
            .expect("other entries in a term no one saw");
        let other = sole_voter_leading(2, &alone(2), "b");
        after_the_crash()
            .observe(1, 2, &other, LogChange::default())
            .expect("another leader of a term no one saw");

        // Written, the term and its entries stay S1's.
        let mut checker = SafetyChecker::default();
        let mut written = alone(1);
        written.hard_state = again.hard_state();
        written.entries = again.log().entries().to_vec();
        checker
            .observe(2_500, 1, &again, LogChange::default())
            .unwrap();
        checker.observe_crash(1, &written, 0);
        let caught = checker
            .observe(3_000, 2, &other, LogChange::default())
            .unwrap_err();
        assert_eq!(caught.kind, ViolationKind::ElectionSafety);
        assert_eq!(
            caught.detail,
            "S1 (seen leading from 2 ms) and S2 were both elected leader of term 1"
        );
        let rewritten = sole_voter_leading(1, &alone(1), "c");
        let caught = checker
            .observe(3_500, 1, &rewritten, LogChange::default())
            .unwrap_err();
        assert_eq!(
            (caught.kind, caught.index),
            (ViolationKind::LogMatching, Some(2))
        );

        // Sent but never written (a core that broke the driver's order), they bind S1 too.
        let mut checker = SafetyChecker::default();
        checker.observe(0, 1, &lost, LogChange::default()).unwrap();
        checker.observe_crash(1, &alone(1), 1);
        let caught = checker
            .observe(1, 1, &again, LogChange::default())
            .unwrap_err();
        assert_eq!(
            (caught.kind, caught.index),
            (ViolationKind::LogMatching, Some(2))
        );
    }

    /// The lost life cut its own entries of the lost term off before it crashed: they are
    /// forgotten all the same, though its log no longer shows them.
    #[test]
    fn a_lost_term_is_forgotten_with_entries_its_life_cut_off() {
        let mut checker = SafetyChecker::default();
        let lost = sole_voter_leading(1, &alone(1), "a");
        checker.observe(0, 1, &lost, LogChange::default()).unwrap();
        let mut cut = alone(1);
        cut.hard_state = lost.hard_state();
        let cut = RaftNode::new(1, Config::default(), cut, 0, &mut Fixed);
        assert!(cut.log().entries().is_empty());
        checker
            .observe(1, 1, &cut, LogChange::default())
            .expect("a log cut short");
        checker.observe_crash(1, &alone(1), 0);
        let again = sole_voter_leading(1, &alone(1), "b");
        checker
            .observe(2, 1, &again, LogChange::default())
            .expect("other entries in a term no one saw");
    }

    #[test]
    fn a_restart_with_a_forgotten_vote_is_caught() {
        let mut checker = SafetyChecker::default();
        let mut disk = PersistentState::bootstrap(Membership::with_voters(3), Arc::from(&[][..]));
        disk.hard_state.current_term = 3;
        disk.hard_state.voted_for = Some(2);
        let faithful = RaftNode::new(1, Config::default(), disk.clone(), 0, &mut Fixed);
        assert!(checker.observe_restart(0, 1, &faithful, &disk).is_ok());
        let config = Config {
            bugs: [crate::raft::Bug::ForgetVoteOnRestart]
                .into_iter()
                .collect(),
            ..Config::default()
        };
        let forgetful = RaftNode::new(1, config, disk.clone(), 0, &mut Fixed);
        assert_eq!(
            checker
                .observe_restart(0, 1, &forgetful, &disk)
                .unwrap_err()
                .kind,
            ViolationKind::RestartState
        );
    }
}
