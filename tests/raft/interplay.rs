//! Where features meet: reads forwarded through followers, membership changes, leadership
//! transfer, leases and snapshots, each case one an audit found the core got wrong (the test
//! failed before its fix) or checked and found right.

use raft_playground::raft::{Config, MembershipChange, ReadError, ReadMode, ReadResult};

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
    let served: Vec<ReadResult> = cluster
        .server(2)
        .reads
        .iter()
        .filter(|read| read.read_id == 5)
        .copied()
        .collect();
    assert_eq!(
        served,
        vec![ReadResult {
            read_id: 5,
            outcome: Ok(2)
        }]
    );
    // And each lost read got an answer: the driver is not left waiting on it either.
    for read_id in 1..=4 {
        assert!(
            cluster
                .server(2)
                .reads
                .iter()
                .any(|read| read.read_id == read_id && read.outcome.is_err()),
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
    let answer = cluster
        .server(3)
        .reads
        .iter()
        .find(|read| read.read_id == 1)
        .map(|read| read.outcome);
    match (asked, answer) {
        (Err(_), _) | (Ok(()), Some(Err(_))) => {}
        (Ok(()), Some(Ok(index))) => assert!(
            index <= removed_commit,
            "confirmed at {index}, which node 3 will never apply (it holds {removed_commit})"
        ),
        (Ok(()), None) => panic!("never answered"),
    }
}
