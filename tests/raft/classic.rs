//! The classic cases of etcd's `raft_test.go`, each named after the etcd test it follows.

use raft_playground::raft::{Config, Membership, MembershipChange, Message, MessageBody, Role};

use crate::harness::{Cluster, plain_config};

/// TestDuelingCandidates: node 3 campaigns while cut off from node 1; once reconnected, its
/// shorter log loses it the election, and everyone ends in its higher term.
#[test]
fn dueling_candidates() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.cut(1, 3);
    cluster.cut(3, 1);
    cluster.elect(1);
    cluster.campaign(3);
    assert_eq!(
        cluster.node(3).role(),
        Role::Candidate,
        "node 2 already voted in term 1"
    );
    assert_eq!(cluster.node(3).current_term(), 1);
    cluster.heal();
    cluster.campaign(3);
    assert_eq!(cluster.node(3).current_term(), 2);
    assert_eq!(
        cluster.node(3).role(),
        Role::Follower,
        "its log lacks the no-op: it loses"
    );
    for id in [1, 2] {
        assert_eq!(cluster.node(id).role(), Role::Follower);
        assert_eq!(cluster.node(id).current_term(), 2);
        assert_eq!(cluster.log_terms(id), vec![1]);
    }
    assert!(cluster.log_terms(3).is_empty());
}

/// TestDuelingPreCandidates: the same with pre-vote: node 3's pre-campaign fails on its log,
/// so nobody's term moves and node 1 keeps leading.
#[test]
fn dueling_pre_candidates() {
    let config = Config {
        pre_vote: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.cut(1, 3);
    cluster.cut(3, 1);
    cluster.elect(1);
    cluster.campaign(3);
    assert_eq!(cluster.node(3).role(), Role::Follower, "pre-vote lost");
    cluster.heal();
    cluster.campaign(3);
    assert_eq!(cluster.node(1).role(), Role::Leader);
    for id in 1..=3 {
        assert_eq!(cluster.node(id).current_term(), 1, "node {id}");
    }
}

/// TestDisruptiveFollower: with check-quorum but no pre-vote, a follower cut off long enough
/// raises its term; when it hears the leader again, its reply deposes the leader.
#[test]
fn a_disruptive_follower_deposes_the_leader_without_pre_vote() {
    let config = Config {
        check_quorum: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.elect(1);
    cluster.isolate(3);
    cluster.advance(400_000);
    let raised_term = cluster.node(3).current_term();
    assert!(raised_term > 1);
    cluster.heal();
    cluster.advance(60_000);
    assert!(
        cluster.node(1).current_term() >= raised_term,
        "the leader of term 1 was deposed by node 3's higher term"
    );
    assert!(
        cluster
            .leader()
            .is_none_or(|leader| cluster.node(leader).current_term() > 1)
    );
}

/// TestDisruptiveFollowerPreVote: with pre-vote, the cut-off follower never raises its term,
/// and rejoining disturbs nothing.
#[test]
fn pre_vote_stops_a_disruptive_follower() {
    let config = Config {
        check_quorum: true,
        pre_vote: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.elect(1);
    cluster.isolate(3);
    cluster.advance(400_000);
    assert_eq!(cluster.node(3).current_term(), 1);
    cluster.heal();
    cluster.advance(200_000);
    assert_eq!(cluster.leader(), Some(1));
    assert_eq!(cluster.node(1).current_term(), 1);
}

/// TestLeaderStepdownWhenQuorumActive / Lost.
#[test]
fn leader_steps_down_only_when_the_quorum_is_lost() {
    let config = Config {
        check_quorum: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(5, config);
    cluster.elect(1);
    cluster.isolate(4);
    cluster.isolate(5);
    cluster.advance(500_000);
    assert_eq!(
        cluster.node(1).role(),
        Role::Leader,
        "three of five still answer"
    );
    cluster.isolate(3);
    cluster.advance(310_000);
    assert_eq!(cluster.node(1).role(), Role::Follower);
}

/// TestOldMessages: an AppendEntries from a deposed leader's term, arriving late, changes
/// nothing.
#[test]
fn stale_leader_messages_are_ignored() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.propose(1, "a").unwrap();
    cluster.deliver_all();
    let old: Vec<Message> = cluster
        .sent
        .iter()
        .filter(|m| m.from == 1 && matches!(&m.body, MessageBody::AppendEntries { entries, .. } if !entries.is_empty()))
        .cloned()
        .collect();
    cluster.elect(2);
    cluster.elect(1);
    cluster.propose(1, "b").unwrap();
    cluster.deliver_all();
    let logs_before: Vec<_> = (1..=3).map(|id| cluster.log_positions(id)).collect();
    for message in old {
        cluster.step(message);
    }
    cluster.deliver_all();
    let logs_after: Vec<_> = (1..=3).map(|id| cluster.log_positions(id)).collect();
    assert_eq!(logs_before, logs_after);
    assert_eq!(cluster.node(1).current_term(), 3);
    assert_eq!(cluster.leader(), Some(1));
}

/// TestLeaderTransferToSlowFollower: the leader first catches the target up, then hands over.
#[test]
fn leader_transfer_to_a_slow_follower() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.isolate(3);
    for n in 0..5 {
        cluster.propose(1, &format!("c{n}")).unwrap();
    }
    cluster.deliver_all();
    cluster.heal();
    cluster.transfer(1, 3).unwrap();
    // Appends lost while node 3 was cut off fill its pipeline; the next heartbeat response
    // frees it, the leader catches node 3 up, and only then sends TimeoutNow.
    cluster.advance(60_000);
    assert_eq!(cluster.leader(), Some(3));
    assert_eq!(
        cluster.node(3).log().last_index(),
        7,
        "caught up (1 to 6), then appended its own no-op"
    );
}

/// TestLeaderTransferTimeout: a target that never answers; the leader gives up.
#[test]
fn leader_transfer_times_out() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.isolate(3);
    cluster.transfer(1, 3).unwrap();
    cluster.advance(149_000);
    assert_eq!(cluster.node(1).transfer_target(), Some(3));
    cluster.advance(2_000);
    assert_eq!(cluster.node(1).transfer_target(), None);
    assert_eq!(cluster.leader(), Some(1));
}

/// TestSlowNodeRestore: a follower that missed entries since compacted away is restored by a
/// snapshot, then keeps committing with the others.
#[test]
fn a_slow_node_is_restored_by_snapshot_after_compaction() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.isolate(3);
    for n in 0..100 {
        cluster.propose(1, &format!("c{n}")).unwrap();
        cluster.deliver_all();
    }
    cluster.compact(1);
    cluster.heal();
    cluster.advance(100_000);
    assert_eq!(cluster.node(3).log().snapshot_index(), 101);
    cluster.propose(1, "next").unwrap();
    cluster.advance(60_000);
    assert_eq!(
        cluster.node(3).commit_index(),
        cluster.node(1).commit_index()
    );
    assert_eq!(cluster.server(3).state, cluster.server(1).state);
}

/// TestCommitAfterRemoveNode: removing a member lowers the quorum as soon as the change is
/// appended, so pending entries commit without the removed node.
#[test]
fn entries_commit_after_removing_a_node() {
    let mut cluster = Cluster::new(2, plain_config());
    cluster.elect(1);
    cluster.crash(2);
    let entry = cluster.propose(1, "pending").unwrap();
    assert_eq!(
        cluster.node(1).commit_index(),
        entry - 1,
        "two voters: needs node 2"
    );
    let now = cluster.now_us;
    let node = cluster.servers.get_mut(&1).unwrap().node.as_mut().unwrap();
    let removal = node
        .propose_membership_change(now, MembershipChange::Remove(2))
        .unwrap();
    cluster.flush(1);
    assert_eq!(cluster.node(1).commit_index(), removal, "a quorum of one");
    assert_eq!(cluster.node(1).membership(), &Membership::with_voters(1));
    assert_eq!(cluster.server(1).state, vec!["pending".to_string()]);
}

/// TestFastLogRejection: a follower whose log diverges over many entries of a few terms is
/// brought in line with one rejection per term rather than per entry.
#[test]
fn fast_log_rejection_skips_whole_terms() {
    for (leader_log, follower_log) in [
        (
            vec![1, 2, 2, 4, 4, 4, 4],
            vec![1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        ),
        (
            vec![1, 1, 1, 1, 1, 1, 1, 1],
            vec![1, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        ),
        (vec![1, 2, 3, 4, 5, 5, 5, 5], vec![1, 2, 3, 4, 5]),
    ] {
        let follower_term = *follower_log.last().unwrap();
        let leader_term = 6.max(follower_term);
        let mut cluster = Cluster::with_logs(
            3,
            plain_config(),
            &[
                (1, leader_term, leader_log.clone()),
                (2, follower_term, follower_log.clone()),
                (3, leader_term, leader_log),
            ],
        );
        cluster.elect(1);
        cluster.advance(100_000);
        let rejections = cluster
            .sent
            .iter()
            .filter(|m| {
                m.from == 2
                    && matches!(
                        m.body,
                        MessageBody::AppendEntriesResponse {
                            outcome: raft_playground::raft::AppendOutcome::Conflict { .. }
                        }
                    )
            })
            .count();
        assert!(
            rejections <= 2,
            "follower {follower_log:?}: {rejections} rejections"
        );
        assert_eq!(
            cluster.node(2).log().entries(),
            cluster.node(1).log().entries()
        );
    }
}

/// TestSingleNodeCandidate / TestSingleNodeCommit.
#[test]
fn a_single_node_commits_every_proposal_at_once() {
    let mut cluster = Cluster::new(1, plain_config());
    cluster.advance(300_000);
    assert_eq!(cluster.leader(), Some(1), "its own timeout elects it");
    for n in 0..3 {
        let index = cluster.propose(1, &format!("c{n}")).unwrap();
        assert_eq!(cluster.node(1).commit_index(), index);
    }
    assert_eq!(cluster.server(1).state.len(), 3);
}
