//! Thesis §4.2.2 (removing the current leader) with §3.10 (leadership transfer): a leader
//! that commits its own removal steps down, and hands leadership to a voter of the new
//! configuration with TimeoutNow, so the cluster is not leaderless until an election timer
//! fires. The target must hold the leader's whole log (it can then win, and it holds the
//! committed removal); learners are never chosen. With no voter caught up, the leader goes on
//! leading as a transferring leader does, refusing proposals and reads, until the voter with
//! the longest log is caught up, or gives up and steps down after the transfer timeout.

use raft_playground::raft::{
    Config, Membership, MembershipChange, Message, MessageBody, ProposeError, ReadError, ReadMode,
    Role,
};

use crate::harness::{Cluster, plain_config};

/// Every TimeoutNow sent so far, as `(from, to)`.
fn timeout_nows(cluster: &Cluster) -> Vec<(u64, u64)> {
    cluster
        .sent_matching(|body| matches!(body, MessageBody::TimeoutNow))
        .iter()
        .map(|message| (message.from, message.to))
        .collect()
}

fn is_append_response(message: &Message) -> bool {
    matches!(message.body, MessageBody::AppendEntriesResponse { .. })
}

/// Thesis §4.2.2: the removed leader "steps down once the Cnew entry is committed"; §3.10:
/// TimeoutNow "has the same effect as the target server's election timer firing". So the
/// remaining voters have a leader one round trip after the commit, with no time passing on
/// any timer: the election timeout (150 ms at least) never comes into it.
#[test]
fn a_removed_leader_hands_off_to_a_caught_up_voter_at_once() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.propose(1, "a").unwrap();
    cluster.deliver_all();
    let removal = cluster.remove_leader_at_once(1);
    assert_eq!(
        timeout_nows(&cluster),
        vec![(1, 2)],
        "both voters are caught up: the lowest id"
    );
    assert_eq!(cluster.leader(), Some(2));
    assert_eq!(cluster.node(2).current_term(), 2);
    assert_eq!(
        cluster.node(2).membership(),
        &Membership::with_voters(3)
            .changed(MembershipChange::Remove(1))
            .unwrap()
    );
    assert_eq!(cluster.node(1).role(), Role::Follower);
    // The commit index went out before the TimeoutNow, on the same link.
    let to_2: Vec<&MessageBody> = cluster
        .sent
        .iter()
        .filter(|message| message.from == 1 && message.to == 2)
        .map(|message| &message.body)
        .collect();
    let timeout_now_at = to_2
        .iter()
        .position(|body| matches!(body, MessageBody::TimeoutNow))
        .unwrap();
    let MessageBody::AppendEntries { leader_commit, .. } = to_2[timeout_now_at - 1] else {
        panic!("an AppendEntries just before the TimeoutNow");
    };
    assert_eq!(*leader_commit, removal);
    // The new leader holds the whole log, committed under its no-op.
    let new_commit = cluster.node(2).commit_index();
    assert_eq!(new_commit, removal + 1);
    assert_eq!(cluster.node(3).commit_index(), new_commit);
    assert_eq!(cluster.server(2).state, vec!["a".to_string()]);
}

/// The target is chosen for holding the whole log, not for its id: here node 2 misses an
/// entry appended after the removal, so only node 3 could win at once.
#[test]
fn the_hand_off_goes_to_the_voter_holding_the_whole_log() {
    let mut cluster = Cluster::new(4, plain_config());
    cluster.elect(1);
    let removal = cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.cut(1, 2);
    cluster.cut(1, 4);
    let after = cluster.propose(1, "after the removal").unwrap();
    // Every follower appends what reached it; the leader then hears node 3 on both entries
    // before node 2 on the removal, which commits it (two of the voters 2, 3, 4).
    cluster.deliver_until(|c| c.queue.iter().all(is_append_response));
    let responses = cluster.hold(is_append_response);
    let from = |id: u64| responses.iter().filter(move |m| m.from == id).cloned();
    for response in from(3).chain(from(2)) {
        cluster.step(response);
    }
    assert_eq!(
        cluster.node(1).role(),
        Role::Follower,
        "the removal committed"
    );
    assert_eq!(timeout_nows(&cluster), vec![(1, 3)]);
    assert_eq!(cluster.node(3).log().last_index(), after);

    cluster.deliver_all();
    assert_eq!(cluster.leader(), Some(3));
    cluster.heal();
    cluster.advance(60_000);
    assert!(cluster.node(3).commit_index() > after);
    assert_eq!(
        cluster.node(2).log().last_index(),
        cluster.node(3).log().last_index()
    );
    assert!(cluster.node(2).commit_index() >= removal);
}

/// Every read answered to `id` so far, as `(read_id, served)`.
fn reads_answered(cluster: &Cluster, id: u64) -> Vec<(u64, bool)> {
    let reads = &cluster.server(id).reads;
    reads
        .iter()
        .map(|read| (read.read_id, read.outcome.is_ok()))
        .collect()
}

fn check_quorum_config() -> Config {
    Config {
        check_quorum: true,
        ..plain_config()
    }
}

/// A write appended behind the removal and not acknowledged when it commits leaves no voter
/// with the whole log: a TimeoutNow's target could lose to a voter with a longer log. So the
/// removed leader acts as a transferring leader (thesis §3.10) toward the voter with the
/// longest log: it refuses proposals, keeps replicating, and sends TimeoutNow, stepping down,
/// the moment that voter holds the whole log. Neither election timer fires meanwhile.
#[test]
fn with_no_voter_caught_up_the_removed_leader_catches_one_up_and_then_hands_off() {
    let mut cluster = Cluster::new(3, check_quorum_config());
    cluster.elect(1);
    cluster.read(1, 1, ReadMode::ReadIndex).unwrap(); // Held up with its heartbeats below.
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.drop_queued(|message| matches!(message.body, MessageBody::Heartbeat { .. }));
    cluster.cut(1, 2);
    cluster.cut(1, 3);
    let after = cluster.propose(1, "after the removal").unwrap(); // Lost on the way.
    let started_us = cluster.now_us;
    cluster.deliver_all();

    assert_eq!(cluster.node(1).role(), Role::Leader);
    assert_eq!(
        cluster.node(1).commit_index(),
        after - 1,
        "the removal committed"
    );
    assert_eq!(
        cluster.node(1).transfer_target(),
        Some(2),
        "equal logs: the lowest id"
    );
    assert!(timeout_nows(&cluster).is_empty());
    assert_eq!(
        cluster.propose(1, "refused"),
        Err(ProposeError::TransferInProgress)
    );
    // Outside the configuration, the leader serves no read, however it is asked.
    assert_eq!(reads_answered(&cluster, 1), vec![(1, false)]);
    let not_leader = Err(ReadError::NotLeader { leader_hint: None });
    assert_eq!(cluster.read(1, 2, ReadMode::Lease), not_leader);
    assert_eq!(cluster.read(1, 3, ReadMode::ReadIndex), not_leader);
    cluster.heal();
    cluster.read(3, 4, ReadMode::ReadIndex).unwrap();
    cluster.deliver_all();
    assert_eq!(reads_answered(&cluster, 3), vec![(4, false)]);

    // The next heartbeat finds both voters behind; node 2 is caught up first.
    cluster.advance(60_000);
    assert_eq!(timeout_nows(&cluster), vec![(1, 2)]);
    assert_eq!(cluster.node(1).role(), Role::Follower);
    assert_eq!(cluster.leader(), Some(2));
    assert!(
        cluster.now_us - started_us < 150_000,
        "before any election timeout"
    );
    assert!(cluster.node(2).commit_index() > after);
    assert_eq!(
        cluster.server(2).state,
        vec!["after the removal".to_string()]
    );
}

/// The target is the voter with the longest log, not the lowest id: here node 3 holds an
/// entry more than node 2 when the removal commits, and gets TimeoutNow only once it holds
/// the last one.
#[test]
fn the_leaving_leader_waits_for_the_voter_with_the_longest_log() {
    let mut cluster = Cluster::new(4, plain_config());
    cluster.elect(1);
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    let first = cluster.propose(1, "first").unwrap();
    let last = cluster.propose(1, "last").unwrap();
    cluster.deliver_until(|c| c.queue.iter().all(is_append_response));
    let responses = cluster.hold(is_append_response);
    let response = |id: u64, index: u64| {
        responses
            .iter()
            .find(|m| {
                m.from == id
                    && matches!(m.body, MessageBody::AppendEntriesResponse {
                        outcome: raft_playground::raft::AppendOutcome::Success { match_index },
                    } if match_index == index)
            })
            .unwrap()
            .clone()
    };
    cluster.step(response(3, first - 1));
    cluster.step(response(3, first));
    cluster.step(response(2, first - 1)); // The removal commits.
    assert_eq!(cluster.node(1).role(), Role::Leader);
    assert_eq!(cluster.node(1).transfer_target(), Some(3));
    cluster.step(response(2, first)); // Commits `first`; node 3 is still the furthest.
    assert_eq!(cluster.node(1).commit_index(), first);
    assert!(timeout_nows(&cluster).is_empty());

    cluster.step(response(3, last));
    assert_eq!(timeout_nows(&cluster), vec![(1, 3)]);
    assert_eq!(cluster.node(1).role(), Role::Follower);
    cluster.deliver_all();
    assert_eq!(cluster.leader(), Some(3));
}

/// Three nodes; leader 1 removes itself, cuts its links to both voters, and appends a write.
/// The removal, already on its way, reaches them and commits; the write does not, so no voter
/// holds the leader's whole log: it leads on, transferring to node 2, which it cannot reach.
/// Returns the write's index.
fn leaving_and_cut_off() -> (Cluster, u64) {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.cut(1, 2);
    cluster.cut(1, 3);
    let after = cluster.propose(1, "after the removal").unwrap();
    cluster.deliver_all();
    assert_eq!(cluster.node(1).role(), Role::Leader);
    assert_eq!(cluster.node(1).transfer_target(), Some(2));
    (cluster, after)
}

/// Thesis §3.10: "If the transfer does not complete within an election timeout, the prior
/// leader aborts the transfer". A leaving leader then steps down, as it would have at once
/// before hand-offs, and the voters elect a leader when their timers fire.
#[test]
fn a_leaving_leader_gives_up_and_steps_down_after_the_transfer_timeout() {
    let (mut cluster, after) = leaving_and_cut_off();
    cluster.advance(140_000);
    assert_eq!(cluster.node(1).role(), Role::Leader);
    cluster.advance(20_000);
    assert_eq!(cluster.node(1).role(), Role::Follower, "gave up");
    assert!(timeout_nows(&cluster).is_empty());

    cluster.heal();
    cluster.advance(500_000);
    let leader = cluster.leader().expect("elected on a timer");
    assert_ne!(leader, 1);
    // The write behind the removal never reached a voter: it is lost, never acknowledged.
    assert!(cluster.server(leader).state.is_empty());
    assert!(cluster.node(leader).commit_index() >= after);
}

/// Asking a leaving leader to transfer leadership chooses the target, but the hand-off keeps
/// its first deadline: a removed server cannot be kept leading by asking again and again.
#[test]
fn asking_a_leaving_leader_to_transfer_keeps_the_hand_offs_deadline() {
    let (mut cluster, _) = leaving_and_cut_off();
    cluster.advance(140_000);
    cluster.transfer(1, 3).unwrap();
    assert_eq!(cluster.node(1).transfer_target(), Some(3));
    cluster.advance(20_000);
    assert_eq!(cluster.node(1).role(), Role::Follower, "gave up on time");
    assert!(timeout_nows(&cluster).is_empty());
}

/// Learners cannot be elected, so a learner holding the whole log is no target. Node 4 is a
/// learner (cut off until the removal is appended, after which its promotion waits for the
/// removal to commit) and holds an entry the voters do not.
#[test]
fn a_learner_is_never_handed_leadership() {
    let mut cluster = Cluster::new(3, plain_config());
    cluster.elect(1);
    cluster.cut(1, 4);
    cluster.add_learner(1, 4);
    cluster.deliver_all();
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.deliver_until(|c| c.queue.iter().all(is_append_response));
    let voters_acknowledging_the_removal = cluster.hold(is_append_response);
    cluster.heal();
    cluster.cut(1, 2);
    cluster.cut(1, 3);
    let after = cluster.propose(1, "after the removal").unwrap();
    cluster.advance(60_000); // A heartbeat finds node 4, which catches up.
    assert_eq!(cluster.node(4).log().last_index(), after);
    assert!(cluster.node(1).membership().is_learner(4));

    for response in voters_acknowledging_the_removal {
        cluster.step(response);
    }
    assert_eq!(
        cluster.node(1).commit_index(),
        after - 1,
        "the removal committed"
    );
    assert_eq!(cluster.node(1).transfer_target(), Some(2));
    cluster.advance(150_000);
    assert_eq!(cluster.node(1).role(), Role::Follower, "gave up");
    assert!(timeout_nows(&cluster).is_empty());
}

/// Thesis §4.2.2: removing one of two servers leaves a single voter, a majority on its own;
/// TimeoutNow makes it elect itself at once.
#[test]
fn a_lone_remaining_voter_takes_over_at_once() {
    let mut cluster = Cluster::new(2, plain_config());
    cluster.elect(1);
    cluster.remove_leader_at_once(1);
    assert_eq!(timeout_nows(&cluster), vec![(1, 2)]);
    assert_eq!(cluster.leader(), Some(2));
    assert_eq!(
        cluster.node(2).membership(),
        &Membership::with_voters(2)
            .changed(MembershipChange::Remove(1))
            .unwrap()
    );
    let index = cluster.propose(2, "alone").unwrap();
    assert_eq!(cluster.node(2).commit_index(), index);
}

/// A transfer under way names the node someone asked for: if it holds the whole log when the
/// removal commits, it is the one handed leadership, whatever its id.
#[test]
fn a_transfer_under_way_keeps_its_target() {
    let mut cluster = Cluster::new(4, plain_config());
    cluster.elect(1);
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.transfer(1, 3).unwrap();
    cluster.deliver_all();
    assert_eq!(timeout_nows(&cluster), vec![(1, 3)]);
    assert_eq!(cluster.leader(), Some(3));
}

/// A transfer's TimeoutNow already went out (its target is campaigning, or will be when the
/// message arrives): a second one to another voter could only split the vote in that term.
#[test]
fn no_second_timeout_now_after_a_transfers_own() {
    let mut cluster = Cluster::new(4, plain_config());
    cluster.elect(1);
    cluster.cut(2, 1);
    cluster.cut(4, 1);
    cluster
        .change_membership(1, MembershipChange::Remove(1))
        .unwrap();
    cluster.deliver_all(); // Only node 3's acknowledgement arrives: not yet committed.
    cluster.transfer(1, 3).unwrap();
    let transfers_own = cluster.hold(|message| matches!(message.body, MessageBody::TimeoutNow));
    assert_eq!(transfers_own.len(), 1, "node 3 was caught up");
    cluster.heal();
    cluster.advance(50_000); // A heartbeat brings node 2's acknowledgement: committed.
    assert_eq!(cluster.node(1).role(), Role::Follower);
    assert_eq!(timeout_nows(&cluster), vec![(1, 3)]);

    cluster.step(transfers_own[0].clone());
    cluster.deliver_all();
    assert_eq!(cluster.leader(), Some(3));
}
