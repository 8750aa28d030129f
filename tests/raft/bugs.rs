//! Each bug switch removes one rule, and the rule is the one that mattered: in a scripted case,
//! the broken core does the unsafe thing and the correct core does not.

use raft_playground::raft::{
    Bug, Config, Entry, Membership, MembershipChange, Message, MessageBody, PersistentState,
    RaftNode, ReadMode, ReadResult, Role,
};

use crate::harness::{Cluster, TestRandom, bytes, command, plain_config};

fn with_bug(config: Config, bug: Option<Bug>) -> Config {
    Config {
        bugs: bug.into_iter().collect(),
        ..config
    }
}

fn entry(index: u64, term: u64) -> Entry {
    Entry {
        index,
        term,
        payload: command(&format!("{index}@{term}")),
    }
}

fn lone_node(config: Config, term: u64, terms: &[u64]) -> RaftNode {
    let mut disk = PersistentState::bootstrap(Membership::with_voters(3), bytes("[]"));
    disk.hard_state.current_term = term;
    disk.entries = terms
        .iter()
        .enumerate()
        .map(|(offset, &t)| entry(offset as u64 + 1, t))
        .collect();
    let mut node = RaftNode::new(1, config, disk, 0, &mut TestRandom(1));
    node.take_output();
    node
}

/// Figure 8 (c): with the bug, S1 commits its term-2 entry at index 2 merely because a
/// majority holds it — then S5 is elected and overwrites it: two state machines disagree.
#[test]
fn commit_earlier_term_by_counting_loses_a_committed_entry() {
    for bug in [None, Some(Bug::CommitEarlierTermByCounting)] {
        let mut cluster =
            crate::paper::figure_8_after_s1_wins_term_4(with_bug(plain_config(), bug));
        assert!(cluster.deliver_until(|c| c.node(3).log().last_index() == 2));
        cluster.cut(1, 3);
        cluster.drop_queued(|m| m.from == 1 && m.to == 3);
        cluster.deliver_all();
        let committed_by_counting = cluster.node(1).commit_index() >= 2;
        assert_eq!(committed_by_counting, bug.is_some(), "{bug:?}");
        cluster.crash(1);
        cluster.heal();
        cluster.start(5);
        cluster.campaign(5); // Term 4: S3 and S4 already voted for S1 in it.
        cluster.campaign_only(5);
        // Once safety is broken, S2 (which committed S1's entry) and S5 disagree about index 2
        // forever; stop as soon as S5's entry is applied at index 2, as a checker would.
        let applied_at_2 = |c: &Cluster, term: u64| {
            c.servers
                .values()
                .any(|s| s.applied.iter().any(|(i, e)| *i == 2 && e.term == term))
        };
        assert!(
            cluster.deliver_until(|c| applied_at_2(c, 3)),
            "{bug:?}: S5's entry commits"
        );
        assert_eq!(
            applied_at_2(&cluster, 2),
            bug.is_some(),
            "{bug:?}: divergent state machines"
        );
    }
}

/// Paper §5.4.1: a voter whose log is more up to date must refuse; with the bug it elects a
/// candidate that lacks committed entries.
#[test]
fn vote_without_log_check_elects_a_leader_missing_committed_entries() {
    for bug in [None, Some(Bug::VoteWithoutLogCheck)] {
        let mut cluster = Cluster::new(3, with_bug(plain_config(), bug));
        cluster.elect(1);
        cluster.isolate(3);
        cluster.propose(1, "committed").unwrap();
        cluster.deliver_all();
        assert_eq!(cluster.node(1).commit_index(), 2);
        cluster.heal();
        cluster.crash(1);
        cluster.campaign(3);
        assert_eq!(
            cluster.node(3).role() == Role::Leader,
            bug.is_some(),
            "{bug:?}"
        );
    }
}

/// Figure 2: votedFor is persistent. With the bug, a node that voted, crashed and restarted
/// votes again in the same term: two leaders in one term.
#[test]
fn forget_vote_on_restart_elects_two_leaders_in_one_term() {
    for bug in [None, Some(Bug::ForgetVoteOnRestart)] {
        let mut cluster = Cluster::new(3, with_bug(plain_config(), bug));
        cluster.isolate(3);
        cluster.campaign_only(1);
        assert!(
            cluster.deliver_until(|c| c.node(1).role() == Role::Leader),
            "node 2's vote elects node 1"
        );
        cluster.queue.clear();
        cluster.crash(2);
        cluster.start(2);
        cluster.heal();
        cluster.isolate(1);
        cluster.campaign(3); // Term 1 again, asking node 2.
        let two_leaders = cluster.node(1).role() == Role::Leader
            && cluster.node(3).role() == Role::Leader
            && cluster.node(3).current_term() == cluster.node(1).current_term();
        assert_eq!(two_leaders, bug.is_some(), "{bug:?}");
    }
}

/// Figure 2 rule 3: truncate only on a conflict. With the bug, a delayed append cuts off
/// entries the follower had already acknowledged.
#[test]
fn truncate_without_conflict_drops_acknowledged_entries() {
    for bug in [None, Some(Bug::TruncateWithoutConflict)] {
        let mut node = lone_node(with_bug(plain_config(), bug), 1, &[1, 1, 1]);
        let delayed = Message {
            from: 2,
            to: 1,
            term: 1,
            body: MessageBody::AppendEntries {
                prev_log_index: 0,
                prev_log_term: 0,
                entries: vec![entry(1, 1)],
                leader_commit: 0,
            },
        };
        node.step(1, &mut TestRandom(2), delayed);
        assert_eq!(node.log().last_index() == 1, bug.is_some(), "{bug:?}");
    }
}

/// Figure 2 rule 1: reject AppendEntries from an older term. With the bug, a deposed leader
/// overwrites an entry of the current term.
#[test]
fn accept_stale_term_append_lets_a_deposed_leader_overwrite_entries() {
    for bug in [None, Some(Bug::AcceptStaleTermAppend)] {
        let mut node = lone_node(with_bug(plain_config(), bug), 2, &[1, 2]);
        let stale = Message {
            from: 3,
            to: 1,
            term: 1,
            body: MessageBody::AppendEntries {
                prev_log_index: 1,
                prev_log_term: 1,
                entries: vec![entry(2, 1)],
                leader_commit: 0,
            },
        };
        node.step(1, &mut TestRandom(3), stale);
        let overwritten = node.log().entry(2).map(|e| e.term) == Some(1);
        assert_eq!(overwritten, bug.is_some(), "{bug:?}");
    }
}

/// Only committed entries are applied. With the bug, a follower applies an entry that a new
/// leader then replaces: two different commands applied at one index.
#[test]
fn apply_before_commit_applies_an_entry_that_is_later_replaced() {
    for bug in [None, Some(Bug::ApplyBeforeCommit)] {
        let mut cluster = Cluster::new(5, with_bug(plain_config(), bug));
        cluster.elect(1);
        for id in [3, 4, 5] {
            cluster.cut(1, id);
        }
        cluster.cut(2, 1);
        cluster.propose(1, "doomed").unwrap();
        cluster.deliver_all(); // Only node 2 holds it, and node 1 never hears so.
        cluster.crash(1);
        cluster.heal();
        cluster.elect(3); // Votes from 4 and 5, whose logs are as long as 3's.
        cluster.advance(100_000);
        let applied_doomed = cluster
            .server(2)
            .applied
            .iter()
            .any(|(_, e)| e.payload == command("doomed"));
        assert_eq!(applied_doomed, bug.is_some(), "{bug:?}");
        assert_ne!(
            cluster.node(2).log().entry(2).unwrap().payload,
            command("doomed"),
            "replaced either way"
        );
    }
}

/// Thesis §6.4: a leader confirms it still leads before answering a read. With the bug, a
/// deposed leader answers with its stale commit index after a newer write committed.
#[test]
fn read_without_read_index_serves_a_stale_read() {
    for bug in [None, Some(Bug::ReadWithoutReadIndex)] {
        let mut cluster = Cluster::new(3, with_bug(plain_config(), bug));
        cluster.elect(1);
        cluster.isolate(1);
        cluster.elect(2);
        cluster.propose(2, "newer").unwrap();
        cluster.deliver_all();
        assert!(cluster.node(2).commit_index() >= 3);
        cluster.read(1, 1, ReadMode::ReadIndex).unwrap();
        cluster.deliver_all();
        let stale = cluster.server(1).reads.contains(&ReadResult {
            read_id: 1,
            outcome: Ok(1),
        });
        assert_eq!(stale, bug.is_some(), "{bug:?}");
    }
}

/// Thesis §6.4.1: leases must allow for clock drift. The old leader's clock runs 5% slow and
/// the followers' 5% fast; without the margin, the old leader still trusts its lease after the
/// followers elected a new leader that committed a write.
#[test]
fn lease_without_drift_margin_serves_a_stale_read() {
    for bug in [None, Some(Bug::LeaseWithoutDriftMargin)] {
        let config = Config {
            check_quorum: true,
            clock_drift_bound_ppm: 50_000,
            ..with_bug(plain_config(), bug)
        };
        let mut cluster = Cluster::new(3, config);
        cluster.elect(1);
        cluster.now_us = 1_000_000;
        cluster.servers.get_mut(&1).unwrap().clock_rate_ppm = -50_000;
        cluster.servers.get_mut(&2).unwrap().clock_rate_ppm = 50_000;
        cluster.servers.get_mut(&3).unwrap().clock_rate_ppm = 50_000;
        // A heartbeat round acknowledged now starts the lease; then node 1 is cut off.
        cluster.read(1, 1, ReadMode::ReadIndex).unwrap();
        cluster.deliver_all();
        let lease_start = cluster.now_us;
        cluster.isolate(1);
        // 145 ms later (152 ms on the followers' clocks) node 2 may win an election.
        cluster.now_us = lease_start + 145_000;
        cluster.elect(2);
        cluster.propose(2, "newer").unwrap();
        cluster.deliver_all();
        // 150 ms later: 142.5 ms on node 1's slow clock.
        cluster.now_us = lease_start + 150_000;
        cluster.read(1, 2, ReadMode::Lease).unwrap();
        let served = cluster.server(1).reads.iter().any(|r| r.read_id == 2);
        assert_eq!(
            served,
            bug.is_some(),
            "{bug:?}: lease read served after a new leader committed"
        );
    }
}

/// Thesis §4.1: one membership change at a time. With the bug, a leader cut off from the
/// others removes both of them before either change commits, and commits alone — while the
/// two others, still configured with three voters, elect a leader of their own.
#[test]
fn two_membership_changes_at_once_split_the_cluster() {
    for bug in [None, Some(Bug::TwoMembershipChangesAtOnce)] {
        let mut cluster = Cluster::new(3, with_bug(plain_config(), bug));
        cluster.elect(1);
        cluster.isolate(1);
        let now = cluster.now_us;
        let node = cluster.servers.get_mut(&1).unwrap().node.as_mut().unwrap();
        node.propose_membership_change(now, MembershipChange::Remove(3))
            .unwrap();
        let second = node.propose_membership_change(now, MembershipChange::Remove(2));
        cluster.flush(1);
        assert_eq!(second.is_ok(), bug.is_some(), "{bug:?}");
        let _ = cluster.propose(1, "from-1");
        cluster.elect(2);
        cluster.propose(2, "from-2").unwrap();
        cluster.deliver_all();
        let index = 2;
        let diverged = cluster.node(1).commit_index() >= index
            && cluster.node(2).commit_index() >= index
            && cluster.node(1).log().entry(index) != cluster.node(2).log().entry(index);
        assert_eq!(
            diverged,
            bug.is_some(),
            "{bug:?}: both sides committed different entries at {index}"
        );
    }
}
