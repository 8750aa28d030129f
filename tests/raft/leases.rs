//! The promises a leader's lease counts on (thesis §6.4.1): a follower that acknowledged the
//! leader within the minimum election timeout votes for no one else, itself included, and a
//! leader that may have handed over stops trusting its lease. Each test builds a way around
//! one promise that an earlier core left open, and checks that no stale lease read is served.
//! Pre-voting follows the same belief without check-quorum (thesis §9.6).

use raft_playground::raft::{Config, Message, MessageBody, ReadError, ReadMode, Role, Term};

use crate::harness::{Cluster, plain_config};

fn lease_config() -> Config {
    Config {
        check_quorum: true,
        pre_vote: true,
        ..plain_config()
    }
}

/// Asks leader `id` for a lease read and returns whether it answered at once.
fn lease_read_answered(cluster: &mut Cluster, id: u64, read_id: u64) -> bool {
    cluster.read(id, read_id, ReadMode::Lease).unwrap();
    !cluster.answers(id, read_id).is_empty()
}

/// A TimeoutNow that arrives after the leader gave the transfer up still makes its target
/// campaign with votes that override the followers' leases: the leader must not trust its
/// lease again in that term.
#[test]
fn a_late_timeout_now_finds_the_old_leader_no_longer_trusting_its_lease() {
    let mut cluster = Cluster::new(3, lease_config());
    cluster.elect(1);
    cluster.propose(1, "a").unwrap();
    cluster.deliver_all();
    cluster.transfer(1, 2).unwrap();
    let timeout_now: Vec<Message> = cluster
        .queue
        .iter()
        .filter(|message| matches!(message.body, MessageBody::TimeoutNow))
        .cloned()
        .collect();
    assert_eq!(
        timeout_now.len(),
        1,
        "node 2 was caught up: TimeoutNow went out"
    );
    cluster.drop_queued(|message| matches!(message.body, MessageBody::TimeoutNow));
    // An election timeout later the transfer is given up; heartbeats renewed the lease.
    cluster.advance(200_000);
    assert_eq!(cluster.node(1).transfer_target(), None);
    assert_eq!(cluster.node(1).role(), Role::Leader);
    let old_commit = cluster.node(1).commit_index();

    // Node 1 is cut off, and the delayed TimeoutNow reaches node 2, which wins and commits.
    cluster.isolate(1);
    cluster.step(timeout_now[0].clone());
    cluster.deliver_all();
    assert_eq!(cluster.node(2).role(), Role::Leader);
    cluster.propose(2, "newer").unwrap();
    cluster.deliver_all();
    assert!(cluster.node(2).commit_index() > old_commit);

    assert!(
        !lease_read_answered(&mut cluster, 1, 99),
        "node 1 answered a lease read after node 2 committed a newer write"
    );
}

/// Thesis §4.2.2 with §3.10: a leader that commits its own removal hands off with TimeoutNow,
/// whose target wins at once with votes that override the followers' leases (node 3 heard
/// from node 1 a moment ago). The removed leader steps down in the same breath, so it
/// answers no lease read from then on.
#[test]
fn a_removed_leader_hands_off_and_serves_no_lease_read_after() {
    let mut cluster = Cluster::new(3, lease_config());
    cluster.elect(1);
    cluster.propose(1, "a").unwrap();
    cluster.advance(60_000); // A heartbeat round acknowledged: node 1 holds a lease.
    assert!(
        lease_read_answered(&mut cluster, 1, 1),
        "answered without a round trip"
    );
    cluster.remove_leader_at_once(1);
    assert_eq!(cluster.leader(), Some(2), "elected inside node 3's lease");
    assert_eq!(cluster.node(2).current_term(), 2, "no pre-vote round");

    assert!(matches!(
        cluster.read(1, 2, ReadMode::Lease),
        Err(ReadError::NotLeader { .. })
    ));
    let newer = cluster.propose(2, "newer").unwrap();
    cluster.deliver_all();
    assert_eq!(cluster.node(2).commit_index(), newer);
    assert!(cluster.server(1).reads.iter().all(|read| read.read_id == 1));
}

/// A follower inside the lease cannot be made to time out: its own vote would break its
/// promise. Without the check, node 2 (which acknowledged node 1 a moment ago) wins with the
/// vote of node 3 (cut off from node 1, so out of its lease) while node 1 still reads locally.
#[test]
fn a_forced_timeout_inside_the_lease_starts_no_election() {
    let mut cluster = Cluster::new(3, lease_config());
    cluster.elect(1);
    cluster.propose(1, "a").unwrap();
    cluster.deliver_all();
    cluster.cut(1, 3);
    cluster.cut(3, 1);
    cluster.advance(400_000);
    assert_eq!(cluster.node(1).role(), Role::Leader);
    let term = cluster.node(2).current_term();

    cluster.isolate(1);
    cluster.campaign(2);
    assert_eq!(cluster.node(2).role(), Role::Follower);
    assert_eq!(cluster.node(2).current_term(), term);
    assert!(
        lease_read_answered(&mut cluster, 1, 99),
        "the lease holds: nobody else can have been elected"
    );

    // Once the minimum election timeout has passed without the leader, it may.
    cluster.advance(150_000);
    cluster.campaign(2);
    assert_eq!(cluster.leader(), Some(2));
    assert!(
        !lease_read_answered(&mut cluster, 1, 100),
        "node 1's lease ran out"
    );
}

/// The lease check on votes holds at every term: a follower that learned the candidate's
/// term from another message (here a late rejection of its own earlier pre-vote) still owes
/// the leader its lease when a copy of the candidate's RequestVote arrives.
#[test]
fn a_vote_inside_the_lease_is_refused_at_any_term() {
    let mut cluster = Cluster::new(3, lease_config());
    cluster.elect(1);
    cluster.advance(60_000); // Node 2 acknowledged a heartbeat: it owes node 1 a lease.
    let term = cluster.node(2).current_term();
    let from_3 = |body| Message {
        from: 3,
        to: 2,
        term: term + 1,
        body,
    };
    let request_vote = || MessageBody::RequestVote {
        last_log_index: 10,
        last_log_term: term,
        leadership_transfer: false,
    };
    cluster.step(from_3(request_vote()));
    assert_eq!(
        cluster.node(2).current_term(),
        term,
        "refused at a higher term"
    );

    cluster.step(from_3(MessageBody::PreVoteResponse { granted: false }));
    assert_eq!(
        cluster.node(2).current_term(),
        term + 1,
        "the higher term is adopted"
    );
    cluster.step(from_3(request_vote()));
    assert_eq!(
        cluster.node(2).voted_for(),
        None,
        "no vote inside the lease"
    );
}

/// Thesis §9.6: a server grants a pre-vote only if it "has not received heartbeats from a
/// valid leader for at least a baseline election timeout", with or without check-quorum.
/// Node 3 missed heartbeats for a while, but node 2 did not: node 3 cannot depose node 1.
#[test]
fn a_pre_vote_is_refused_while_the_leader_is_heard() {
    let config = Config {
        check_quorum: false,
        pre_vote: true,
        ..plain_config()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.elect(1);
    cluster.advance(60_000);
    let term: Term = cluster.node(1).current_term();
    cluster.cut(1, 3);
    cluster.advance(320_000);
    cluster.heal();
    cluster.advance(5_000);
    cluster.campaign(3);
    assert_eq!(cluster.leader(), Some(1));
    assert_eq!(
        cluster.node(1).current_term(),
        term,
        "node 1 was not deposed"
    );

    // Once node 1 is gone for an election timeout, node 3's pre-vote succeeds.
    cluster.crash(1);
    cluster.advance(150_000);
    cluster.campaign(3);
    assert_eq!(cluster.leader(), Some(3));
}
