//! Where features meet: reads forwarded through followers, membership changes, leadership
//! transfer, leases and snapshots, each case one an audit found the core got wrong (the test
//! failed before its fix) or checked and found right.

use raft_playground::raft::{
    Config, Membership, MembershipChange, MessageBody, ReadError, ReadMode, ReadResult,
};

use crate::harness::{Cluster, plain_config};

/// Thesis §6.4: a follower asks the leader for a read index. The network may lose the request
/// or the answer, and in a steady cluster the term never changes, so the follower must not
/// wait on such a read forever: once `max_pending_reads` of them were lost, it would refuse
/// every read from then on, though its leader is alive and answers at once.
#[test]
fn reads_forwarded_and_lost_do_not_lock_a_follower_out_of_reads() {
    let config = Config {
        max_pending_reads: 4,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config.clone());
    cluster.elect(1);
    cluster.propose(1, "x").unwrap();
    cluster.deliver_all();

    // Every ReadIndex node 2 forwards now is lost on its way.
    cluster.cut(2, 1);
    for read_id in 1..=4 {
        cluster.read(2, read_id, ReadMode::ReadIndex).unwrap();
    }
    cluster.heal();
    // The cluster runs on in the same term, heartbeats flowing, well past an election timeout.
    cluster.advance(2 * config.election_timeout_max_us);
    assert_eq!(cluster.leader(), Some(1));
    assert_eq!(
        cluster.node(2).current_term(),
        cluster.node(1).current_term()
    );

    let answered = cluster.read(2, 5, ReadMode::ReadIndex);
    assert_ne!(
        answered,
        Err(ReadError::TooManyPending),
        "the lost reads still count against the bound"
    );
    cluster.deliver_all();
    assert_eq!(
        cluster.answers(2, 5),
        vec![ReadResult {
            read_id: 5,
            outcome: Ok(2)
        }]
    );
    // And each lost read got an answer: the driver is not left waiting on it either.
    for read_id in 1..=4 {
        assert!(
            cluster
                .answers(2, read_id)
                .iter()
                .any(|read| read.outcome.is_err()),
            "read {read_id} was never answered"
        );
    }
}

/// Thesis §4.2.2: a removed server no longer receives the leader's log. A read asked of it
/// must fail rather than be confirmed at an index it will never apply (the driver would wait
/// for it forever).
#[test]
fn a_removed_follower_does_not_take_reads_it_could_never_serve() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster
        .change_membership(1, MembershipChange::Remove(3))
        .unwrap();
    cluster.deliver_all();
    cluster.propose(1, "after").unwrap();
    cluster.advance(60_000);
    let removed_commit = cluster.node(3).commit_index();
    assert!(cluster.node(1).commit_index() > removed_commit);

    let asked = cluster.read(3, 1, ReadMode::ReadIndex);
    cluster.deliver_all();
    let answer = cluster.answers(3, 1).first().map(|read| read.outcome);
    match (asked, answer) {
        (Err(_), _) | (Ok(()), Some(Err(_))) => {}
        (Ok(()), Some(Ok(index))) => assert!(
            index <= removed_commit,
            "confirmed at {index}, which node 3 will never apply (it holds {removed_commit})"
        ),
        (Ok(()), None) => panic!("never answered"),
    }
}

/// Thesis §4.2.1 with §7: a new server that catches up by InstallSnapshot is promoted only
/// once it holds everything committed, not while chunks are still on their way, however far
/// the commit index moves meanwhile; and the promotion then commits everywhere.
#[test]
fn a_learner_receiving_a_snapshot_is_promoted_only_once_caught_up() {
    let config = Config {
        snapshot_chunk_bytes: 16,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.elect(1);
    for n in 0..20 {
        cluster.propose(1, &format!("before-{n}")).unwrap();
    }
    cluster.deliver_all();
    cluster.compact(1);
    cluster.add_learner(1, 4);
    let is_chunk = |message: &raft_playground::raft::Message| {
        matches!(message.body, MessageBody::InstallSnapshot { .. })
    };
    // The addition's commit reaches node 4, whose log is empty, and the snapshot starts.
    cluster.deliver_until(|c| c.queue.iter().any(is_chunk));
    let mut chunks = cluster.hold(is_chunk);
    let mut writes = 0;
    while !chunks.is_empty() {
        // One chunk at a time, with a write committing between two.
        cluster.propose(1, &format!("during-{writes}")).unwrap();
        writes += 1;
        cluster.deliver_all();
        assert!(
            cluster.node(1).membership().is_learner(4),
            "promoted while the snapshot was in flight"
        );
        for chunk in chunks {
            cluster.step(chunk);
        }
        cluster.deliver_until(|c| c.queue.iter().any(is_chunk));
        chunks = cluster.hold(is_chunk);
    }
    assert!(writes > 3, "the snapshot went in {writes} chunks");
    cluster.advance(200_000);
    for id in 1..=4 {
        assert_eq!(
            cluster.node(id).membership(),
            &Membership::with_voters(4),
            "node {id}"
        );
        assert_eq!(
            cluster.server(id).state,
            cluster.server(1).state,
            "node {id}"
        );
    }
    assert_eq!(
        cluster.node(4).commit_index(),
        cluster.node(1).commit_index()
    );
}

/// Thesis §4.1: "a server always uses the latest configuration in its log", and the snapshot
/// carries the configuration of its last entry (§7). A server promoted, then compacted into
/// a snapshot and restarted from it with nothing after, still knows it is a voter and can
/// lead.
#[test]
fn a_server_restarted_from_a_snapshot_knows_its_membership_from_it() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.add_learner(1, 4);
    cluster.advance(100_000);
    assert!(cluster.node(1).membership().is_voter(4));
    cluster.crash(4);
    for n in 0..5 {
        cluster.propose(1, &format!("c{n}")).unwrap();
    }
    cluster.deliver_all();
    cluster.compact(1);
    cluster.start(4);
    cluster.advance(100_000); // Node 4 catches up by InstallSnapshot.
    assert_eq!(
        cluster.snapshot_of(4).last_included_index,
        cluster.snapshot_of(1).last_included_index
    );
    assert!(cluster.snapshot_of(4).membership.is_voter(4));
    cluster.crash(4);
    cluster.start(4);
    assert_eq!(cluster.node(4).membership(), &Membership::with_voters(4));
    assert!(cluster.node(4).can_campaign());

    cluster.crash(1);
    cluster.advance(1_000);
    cluster.elect(4);
    let index = cluster.propose(4, "by node 4").unwrap();
    cluster.deliver_all();
    assert_eq!(cluster.node(4).commit_index(), index);
}

/// Thesis §6.2 with §4.2.1: check-quorum counts voters only. A leader that hears from its
/// learners but from no other voter steps down after an election timeout.
#[test]
fn check_quorum_does_not_count_learners() {
    let config = Config {
        check_quorum: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.elect(1);
    cluster.cut(1, 4);
    cluster.add_learner(1, 4);
    cluster.deliver_all();
    // A second learner's addition stays uncommitted once the voters are cut off, so node 4,
    // caught up only then, stays a learner (one change at a time), and answers every
    // heartbeat.
    cluster.isolate(2);
    cluster.isolate(3);
    cluster.add_learner(1, 5);
    cluster.blocked.remove(&(1, 4));
    cluster.advance(400_000);
    assert!(cluster.node(4).membership().is_learner(4));
    assert_ne!(
        cluster.node(1).role(),
        raft_playground::raft::Role::Leader,
        "learners kept a cut-off leader in office"
    );
}

/// Thesis §4.2.2 with §6.4: a leader that commits its own removal while reads wait for their
/// heartbeat round answers each of them, its own and those forwarded by followers, with an
/// error (it hands leadership on), and takes no read after; none is left waiting.
#[test]
fn reads_pending_when_the_leader_commits_its_removal_are_all_answered() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.propose(1, "x").unwrap();
    cluster.deliver_all();
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    // The heartbeat rounds these reads need are never acknowledged before the removal commits.
    cluster.read(1, 1, ReadMode::ReadIndex).unwrap();
    cluster.read(2, 2, ReadMode::ReadIndex).unwrap();
    cluster.drop_queued(|message| matches!(message.body, MessageBody::Heartbeat { .. }));
    cluster.deliver_all();
    assert_ne!(cluster.leader(), Some(1));
    for (id, read_id) in [(1, 1), (2, 2)] {
        let answered = cluster.answers(id, read_id);
        assert_eq!(
            answered.len(),
            1,
            "read {read_id} at node {id}: {answered:?}"
        );
        assert!(answered[0].outcome.is_err(), "{answered:?}");
    }
    assert!(cluster.read(1, 3, ReadMode::ReadIndex).is_err());
}

/// Thesis §6.4 across a change of term: a read forwarded to a leader that is deposed before
/// it answers fails when the follower learns of the new term, and the old leader's late
/// answer is ignored; the next read goes to the new leader.
#[test]
fn a_read_forwarded_across_a_change_of_term_fails_and_a_late_answer_is_ignored() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.propose(1, "x").unwrap();
    cluster.deliver_all();
    // Node 1 takes the read and sends its heartbeat round, held back; then node 3 takes
    // over in a new term.
    cluster.read(2, 2, ReadMode::ReadIndex).unwrap();
    cluster.deliver_until(|c| {
        c.queue
            .iter()
            .any(|message| matches!(message.body, MessageBody::Heartbeat { .. }))
    });
    let heartbeats = cluster.hold(|message| matches!(message.body, MessageBody::Heartbeat { .. }));
    assert!(!heartbeats.is_empty());
    cluster.elect(3);
    assert_eq!(
        cluster.answers(2, 2),
        vec![ReadResult {
            read_id: 2,
            outcome: Err(ReadError::LeadershipLost)
        }]
    );
    // The old leader's round arrives late: refused, it shows node 1 the new term, and node 1
    // fails the read in turn; that answer changes nothing.
    for heartbeat in heartbeats {
        cluster.step(heartbeat);
    }
    cluster.deliver_all();
    assert_eq!(cluster.answers(2, 2).len(), 1, "answered twice");
    cluster.read(2, 3, ReadMode::ReadIndex).unwrap();
    cluster.deliver_all();
    assert!(matches!(
        cluster.answers(2, 3)[..],
        [ReadResult { outcome: Ok(_), .. }]
    ));
}

/// Thesis §3.10 and §4.2.1: learners cannot lead. A transfer to a learner is refused, and a
/// TimeoutNow that reaches one (here handed to it directly) starts no campaign.
#[test]
fn a_learner_is_no_transfer_target_and_ignores_timeout_now() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.cut(1, 4);
    cluster.add_learner(1, 4);
    cluster.deliver_all();
    assert!(cluster.node(1).membership().is_learner(4));
    assert_eq!(
        cluster.transfer(1, 4),
        Err(raft_playground::raft::TransferError::NotVoter(4))
    );
    cluster.heal();
    cluster.cut(1, 2); // Node 4 catches up, but its promotion cannot commit.
    cluster.cut(1, 3);
    cluster.add_learner(1, 5);
    cluster.advance(60_000);
    assert!(cluster.node(4).membership().is_learner(4));
    let term = cluster.node(1).current_term();
    cluster.step(raft_playground::raft::Message {
        from: 1,
        to: 4,
        term,
        body: MessageBody::TimeoutNow,
    });
    assert_eq!(cluster.node(4).current_term(), term);
    assert_eq!(
        cluster.node(4).role(),
        raft_playground::raft::Role::Follower
    );
}

/// Thesis §4.2.3: a server removed without ever learning it keeps campaigning with the old
/// configuration. Once the leader is gone too, it cannot win (its log lacks the committed
/// removal), and the remaining voters elect one of their own.
#[test]
fn a_removed_server_that_missed_its_removal_cannot_win_after_the_leader_fails() {
    let config = Config {
        pre_vote: true,
        check_quorum: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(4, config);
    cluster.elect(1);
    cluster.cut(1, 4);
    cluster
        .change_membership(1, MembershipChange::Remove(4))
        .unwrap();
    cluster.deliver_all();
    assert!(!cluster.node(1).membership().contains(4));
    assert!(cluster.node(4).membership().is_voter(4), "never told");
    cluster.heal();
    cluster.crash(1);
    for _ in 0..10 {
        cluster.advance(300_000);
        if let Some(leader) = cluster.leader() {
            assert_ne!(leader, 4, "the removed server won");
            return;
        }
    }
    panic!("no leader among nodes 2 and 3");
}
