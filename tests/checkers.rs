//! The checkers judge what really happened. Each case here is one an earlier version judged
//! wrongly, found by review or by fuzzing: a correct run called broken. The swarm reaches few
//! of them (only `--focus backup` takes backups and copies a client's request; none restores
//! a backup or changes latency mid-run), so each is pinned here. (A broken log the checkers
//! missed, two committed logs that differ, is a unit test of `check::safety`.)

use raft_playground::check::run::run;
use raft_playground::kv::{Command, Operation};
use raft_playground::raft::Payload;
use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;
use raft_playground::sim::history::OpOutcome;
use raft_playground::sim::network::{Endpoint, Packet};
use raft_playground::sim::observe::TraceEvent;

fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).unwrap_or_else(|error| panic!("{error}"))
}

/// A client's write whose request was copied on the network: the leader appended one copy,
/// the other reached it after it stepped down and was refused. The refusal answers one copy
/// only, so when the client gives up (no leader for a while) the write's outcome is unknown,
/// not failed; it did take effect, and "failed" made the checker reject a correct history.
#[test]
fn a_refused_copy_of_a_request_does_not_make_its_write_failed() {
    let json = |extra: &str| {
        format!(
            r#"{{"format": 1, "seed": 1, "nodes": 3,
              "timeline": [
                {{"at_ms": 1000, "do": "put", "key": "a", "value": "v1", "via": 2}}{extra}
              ],
              "until_ms": {until}}}"#,
            until = if extra.is_empty() { 1000 } else { 4500 }
        )
    };
    // The put's request, in flight once the actions of 1000 ms have run.
    let id = client_request_in_flight(&json(""), 1_000_000);
    let faults = format!(
        r#",
        {{"at_ms": 1000, "do": "duplicate_message", "id": {id}}},
        {{"at_ms": 1000, "do": "delay_message", "id": {id}, "by_ms": 400}},
        {{"at_ms": 1000, "do": "cut", "from": 1, "to": 2}},
        {{"at_ms": 1000, "do": "cut", "from": 3, "to": 2}},
        {{"at_ms": 1045, "do": "partition", "groups": [[1], [2], [3]]}},
        {{"at_ms": 2500, "do": "heal"}},
        {{"at_ms": 3500, "do": "get", "key": "a", "via": 1}}"#
    );
    let checked = run(&scenario(&json(&faults)));
    let simulation = checked.simulation.as_ref().expect("no panic");
    let put = simulation.history().ops().next().expect("the put");
    assert_eq!(put.outcome, OpOutcome::Unknown, "{put:?}");
    for server in simulation.servers() {
        assert_eq!(server.kv.data().get("a").map(String::as_str), Some("v1"));
    }
    assert_eq!(
        checked.linearizable,
        Some(true),
        "{:#?}",
        checked.violations
    );
}

/// A backup's barrier in the log twice: the network copied the backup's request, the leader
/// appended both copies but could not commit them (its one follower paused), and once the
/// follower was removed both committed. The session table executes the barrier once, at the
/// first copy, and answers the second from memory, but the simulator took a backup at each,
/// and called node 1's copy at index 3 a mismatch with its own at index 2. Found by fuzzing
/// scenarios full of backups (there, a retry after a timeout made the second copy).
#[test]
fn a_barrier_appended_twice_is_one_backup() {
    let json = |extra: &str| {
        format!(
            r#"{{"format": 1, "seed": 2, "nodes": 2, "config": {{"check_quorum": false}},
              "timeline": [{{"at_ms": 500, "do": "pause", "node": 2}},
                           {{"at_ms": 1000, "do": "backup"}}{extra}],
              "until_ms": {until}}}"#,
            until = if extra.is_empty() { 1000 } else { 3000 }
        )
    };
    let id = client_request_in_flight(&json(""), 1_000_000);
    let checked = run(&scenario(&json(&format!(
        r#",
        {{"at_ms": 1000, "do": "duplicate_message", "id": {id}}},
        {{"at_ms": 1200, "do": "remove_node", "node": 2}}"#
    ))));
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
    let simulation = checked.simulation.as_ref().expect("no panic");
    let raft = simulation.server(1).and_then(|server| server.raft.as_ref());
    let log = raft.expect("node 1 runs").log();
    // The backup compacted the log at the first copy; the second is still there.
    assert_eq!(log.snapshot_index(), 2);
    let second = match log.entry(3).map(|entry| &entry.payload) {
        Some(Payload::Command(bytes)) => Command::decode(bytes).ok(),
        _ => None,
    };
    assert!(
        second.is_some_and(|command| command.operation == Operation::Barrier { backup_id: 1 }),
        "the copied barrier is at index 3"
    );
    assert_eq!(simulation.backup_copies(1), 1, "node 1's copy, once");
}

/// The id of the first client request in flight when scenario `json` has run to `at_us`.
fn client_request_in_flight(json: &str, at_us: u64) -> u64 {
    let mut probe = Simulation::new(&scenario(json));
    probe.run_until(at_us);
    probe
        .network()
        .in_flight()
        .find(|message| {
            matches!(message.packet, Packet::Request(_))
                && matches!(message.from, Endpoint::Client(_))
        })
        .expect("a client's request is on its way")
        .id
}

/// A one-node cluster's leader wins its term alone, at once, and appends a client's put; it
/// crashes before its slow disk has written any of it. Nothing left the node, so no one saw
/// that term: the next life wins the same term again and appends another put at the same
/// index. The checker remembered the lost life's entry and called that a Log Matching
/// violation. Found by fuzzing scenarios full of crashes and backups.
#[test]
fn a_term_lost_unwritten_in_a_crash_can_be_won_again() {
    let checked = run(&scenario(
        r#"{"format": 1, "seed": 1, "nodes": 1, "config": {"disk_ms": [200, 200]},
            "timeline": [{"at_ms": 235, "do": "put", "key": "a", "value": "1"},
                         {"at_ms": 300, "do": "crash", "node": 1},
                         {"at_ms": 300, "do": "restart", "node": 1},
                         {"at_ms": 700, "do": "put", "key": "a", "value": "2"}],
            "until_ms": 1500}"#,
    ));
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
    let simulation = checked.simulation.as_ref().expect("no panic");
    let leaders: Vec<_> = simulation
        .trace
        .entries()
        .filter_map(|entry| match entry.event {
            TraceEvent::BecameLeader { term } => Some(term),
            _ => None,
        })
        .collect();
    assert_eq!(leaders, [1, 1], "term 1 won in both lives");
    assert_eq!(checked.linearizable, Some(true));
}

/// A cluster restored from a backup starts with the backup's keys: reading one is
/// linearizable, and reading a value neither the backup nor any write holds is not.
#[test]
fn a_restored_backup_is_where_the_history_starts() {
    let json = |value: &str| {
        format!(
            r#"{{"format": 1, "seed": 2, "restore": {{"index": 40, "term": 3, "kv": {{"a": "1"}}}},
              "timeline": [{{"at_ms": 0, "do": "get", "key": "a"}},
                           {{"at_ms": 1000, "do": "put", "key": "b", "value": "{value}"}}],
              "until_ms": 2000}}"#
        )
    };
    let checked = run(&scenario(&json("2")));
    let simulation = checked.simulation.as_ref().expect("no panic");
    assert!(
        simulation
            .history()
            .ops()
            .any(|op| op.outcome == OpOutcome::Value(Some("1".into()))),
        "the read found the backup's value"
    );
    assert_eq!(
        checked.linearizable,
        Some(true),
        "{:#?}",
        checked.violations
    );

    // The same history with the read's answer changed is caught, and explained.
    let mut history = simulation.linearizability_history();
    let read = history
        .iter_mut()
        .find(|op| op.key == "a" && op.client_id != 0)
        .expect("the read");
    read.outcome = raft_playground::check::linearizability::Outcome::Read(Some("9".into()));
    let verdict = raft_playground::check::linearizability::check(&history, 1_000_000);
    assert!(
        matches!(
            verdict,
            raft_playground::check::linearizability::Verdict::NotLinearizable { .. }
        ),
        "{verdict:?}"
    );
}

/// Liveness is judged on a healed network: the heal before it takes back a latency a
/// `network` action raised (above the election timeout, no leader could be elected).
#[test]
fn liveness_is_judged_at_the_scenarios_own_latency() {
    let checked = run(&scenario(
        r#"{"format": 1, "seed": 3, "nodes": 3, "config": {"check_liveness_from_ms": 1000},
            "timeline": [{"at_ms": 500, "do": "network", "latency_ms": [700, 900]}],
            "until_ms": 20000}"#,
    ));
    assert!(checked.violations.is_empty(), "{:#?}", checked.violations);
}
