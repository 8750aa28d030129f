//! Scenario JSON and links, from the outside: the contract example of ARCHITECTURE.md, round
//! trips, every class of bad input naming its field, saved links of every version that must
//! keep decoding, the size of a realistic link, and a fuzzer that feeds the decoders garbage.

#[path = "scenario/support.rs"]
mod support;

use std::collections::BTreeMap;

use raft_playground::raft::{Bug, Bugs};
use raft_playground::scenario::{
    Action, Origin, ReadKind, Restore, Scenario, ScenarioConfig, TimedAction, Workload,
};
use support::{Rng, random_scenario};

/// The example under "Scenario JSON (contract)" in ARCHITECTURE.md, verbatim.
const CONTRACT_EXAMPLE: &str = r#"{
  "format": 1,
  "seed": 7,
  "nodes": 5,
  "config": {
    "election_timeout_ms": [150, 300],
    "heartbeat_ms": 50,
    "latency_ms": [10, 30],
    "loss": 0.0,
    "duplicate": 0.0,
    "snapshot_every": 100,
    "pre_vote": true,
    "check_quorum": true,
    "bugs": []
  },
  "workload": { "writes_per_sec": 0, "reads_per_sec": 0, "keys": 5 },
  "timeline": [
    { "at_ms": 1200, "do": "crash", "node": 1 },
    { "at_ms": 1500, "do": "restart", "node": 1 },
    { "at_ms": 2000, "do": "partition", "groups": [[1, 2], [3, 4, 5]] },
    { "at_ms": 2100, "do": "cut", "from": 1, "to": 2 },
    { "at_ms": 3000, "do": "heal" },
    { "at_ms": 3100, "do": "put", "key": "x", "value": "1", "via": 3 },
    { "at_ms": 3200, "do": "get", "key": "x", "via": 2, "read": "read_index" },
    { "at_ms": 3300, "do": "timeout", "node": 2 },
    { "at_ms": 3400, "do": "snapshot", "node": 2 },
    { "at_ms": 3500, "do": "add_node" },
    { "at_ms": 3600, "do": "remove_node", "node": 5 },
    { "at_ms": 3700, "do": "transfer_leader", "to": 3 }
  ],
  "until_ms": 10000
}"#;

fn at(at_ms: u64, action: Action) -> TimedAction {
    TimedAction { at_ms, action }
}

#[test]
fn the_contract_example_parses_to_its_values() {
    let scenario = Scenario::from_json(CONTRACT_EXAMPLE).expect("the contract example is valid");
    let expected = Scenario {
        seed: 7,
        nodes: 5,
        config: ScenarioConfig::default(),
        workload: Workload::default(),
        timeline: vec![
            at(1200, Action::Crash { node: 1 }),
            at(1500, Action::Restart { node: 1 }),
            at(
                2000,
                Action::Partition {
                    groups: vec![vec![1, 2], vec![3, 4, 5]],
                },
            ),
            at(2100, Action::Cut { from: 1, to: 2 }),
            at(3000, Action::Heal),
            at(
                3100,
                Action::Put {
                    key: "x".into(),
                    value: "1".into(),
                    via: Some(3),
                },
            ),
            at(
                3200,
                Action::Get {
                    key: "x".into(),
                    via: Some(2),
                    read: ReadKind::ReadIndex,
                },
            ),
            at(3300, Action::Timeout { node: 2 }),
            at(3400, Action::Snapshot { node: 2 }),
            at(3500, Action::AddNode),
            at(3600, Action::RemoveNode { node: 5 }),
            at(3700, Action::TransferLeader { to: 3 }),
        ],
        until_ms: 10_000,
        events_in_last_ms: None,
        restore: None,
    };
    assert_eq!(scenario, expected);
}

#[test]
fn format_1_alone_gives_every_default() {
    let scenario = Scenario::from_json(r#"{"format": 1}"#).expect("{\"format\": 1} is valid");
    assert_eq!(scenario, Scenario::default());
    // The defaults themselves, as the issue and ARCHITECTURE.md give them.
    assert_eq!(
        (scenario.seed, scenario.nodes, scenario.until_ms),
        (0, 5, 10_000)
    );
    assert!(scenario.timeline.is_empty() && scenario.restore.is_none());
    let config = &scenario.config;
    assert_eq!(config.election_timeout_ms, (150, 300));
    assert_eq!(config.heartbeat_ms, 50);
    assert_eq!(config.latency_ms, (10, 30));
    assert_eq!((config.loss_ppm, config.duplicate_ppm), (0, 0));
    assert_eq!(config.disk_ms, (1, 3));
    assert_eq!(config.snapshot_every, 100);
    assert!(config.pre_vote && config.check_quorum);
    assert_eq!(config.clock_drift_bound_ppm, 50_000);
    assert!(config.bugs.is_empty());
    let workload = &scenario.workload;
    assert_eq!((workload.writes_per_sec, workload.reads_per_sec), (0, 0));
    assert_eq!((workload.keys, workload.cas_percent), (5, 0));
    assert_eq!(workload.read, ReadKind::ReadIndex);
}

#[test]
fn raft_config_converts_milliseconds_and_carries_the_switches() {
    let mut config = ScenarioConfig {
        election_timeout_ms: (200, 400),
        heartbeat_ms: 40,
        snapshot_every: 0,
        pre_vote: false,
        check_quorum: false,
        clock_drift_bound_ppm: 1_000,
        ..ScenarioConfig::default()
    };
    config.bugs.insert(Bug::VoteWithoutLogCheck);
    let raft = config.raft_config();
    assert_eq!(raft.election_timeout_min_us, 200_000);
    assert_eq!(raft.election_timeout_max_us, 400_000);
    assert_eq!(raft.heartbeat_interval_us, 40_000);
    assert_eq!(raft.snapshot_every, 0);
    assert!(!raft.pre_vote && !raft.check_quorum);
    assert_eq!(raft.clock_drift_bound_ppm, 1_000);
    assert!(raft.bugs.contains(Bug::VoteWithoutLogCheck));
    assert!(!raft.bugs.contains(Bug::ApplyBeforeCommit));
    assert_eq!(raft.validate(), Ok(()));
}

/// One scenario that uses every action, every config and workload field off its default, and
/// a restore: the round trips below must carry all of it.
fn every_feature() -> Scenario {
    let mut bugs = Bugs::NONE;
    bugs.insert(Bug::CommitEarlierTermByCounting);
    bugs.insert(Bug::TwoMembershipChangesAtOnce);
    let text = |text: &str| text.to_string();
    let timeline = vec![
        at(0, Action::Crash { node: 1 }),
        at(0, Action::Restart { node: 1 }),
        at(10, Action::Pause { node: 2 }),
        at(20, Action::Resume { node: 2 }),
        at(
            30,
            Action::Partition {
                groups: vec![vec![1], vec![3, 2]],
            },
        ),
        at(40, Action::Cut { from: 3, to: 1 }),
        at(
            50,
            Action::SlowLink {
                from: 1,
                to: 3,
                extra_ms: 250,
            },
        ),
        at(60, Action::Heal),
        at(
            70,
            Action::Put {
                key: text("k\"ey\\ é😀"),
                value: text(""),
                via: None,
            },
        ),
        at(
            80,
            Action::Get {
                key: text("k"),
                via: Some(3),
                read: ReadKind::Stale,
            },
        ),
        at(
            90,
            Action::Delete {
                key: text("k"),
                via: Some(1),
            },
        ),
        at(
            100,
            Action::Cas {
                key: text("k"),
                expected: None,
                new: Some(text("v")),
                via: None,
            },
        ),
        at(
            110,
            Action::Cas {
                key: text("k"),
                expected: Some(text("v")),
                new: None,
                via: Some(2),
            },
        ),
        at(120, Action::Timeout { node: 3 }),
        at(130, Action::Snapshot { node: 3 }),
        at(140, Action::AddNode),
        at(150, Action::RemoveNode { node: 4 }),
        at(160, Action::TransferLeader { to: 4 }),
        at(170, Action::Backup),
        at(
            180,
            Action::Network {
                loss_ppm: Some(1),
                duplicate_ppm: None,
                latency_ms: Some((0, 60_000)),
            },
        ),
        at(
            190,
            Action::Network {
                loss_ppm: None,
                duplicate_ppm: Some(1_000_000),
                latency_ms: None,
            },
        ),
        at(
            200,
            Action::Drift {
                node: 2,
                ppm: -200_000,
            },
        ),
        at(210, Action::DropMessage { id: u64::MAX }),
        at(220, Action::DelayMessage { id: 0, by_ms: 5 }),
        at(3_600_000, Action::DuplicateMessage { id: 77 }),
    ];
    Scenario {
        seed: u64::MAX,
        nodes: 3,
        config: ScenarioConfig {
            election_timeout_ms: (100, 101),
            heartbeat_ms: 99,
            latency_ms: (0, 0),
            loss_ppm: 250_000,
            duplicate_ppm: 1,
            disk_ms: (0, 10_000),
            snapshot_every: 0,
            pre_vote: false,
            check_quorum: false,
            clock_drift_bound_ppm: 0,
            bugs,
            crash_after_vote_ppm: 1,
            crash_after_commit_ppm: 999_999,
            crash_restart_ms: (0, 60_000),
            check_liveness_from_ms: Some(3_600_000),
        },
        workload: Workload {
            writes_per_sec: 1_000,
            reads_per_sec: 7,
            keys: 1,
            cas_percent: 100,
            read: ReadKind::Lease,
        },
        timeline,
        until_ms: 3_600_000,
        events_in_last_ms: Some(50_000_000),
        restore: Some(Restore {
            index: 42,
            term: 3,
            kv: BTreeMap::from([(text("a"), text("1")), (text("b c"), text("\"2\""))]),
        }),
    }
}

#[test]
fn json_round_trips_every_feature_exactly() {
    let scenario = every_feature();
    assert_eq!(scenario.validate(), Ok(()));
    let json = scenario.to_json();
    assert!(json.starts_with("{\n  \"format\": 1,\n"), "{json}");
    assert_eq!(Scenario::from_json(&json), Ok(scenario.clone()));
    // Written text is stable: reading and writing again changes nothing.
    let again = Scenario::from_json(&json).map(|read| read.to_json());
    assert_eq!(again.as_deref(), Ok(json.as_str()));
    // Probabilities are written as exact decimals.
    assert!(json.contains("\"loss\": 0.25,"), "{json}");
    assert!(json.contains("\"duplicate\": 0.000001,"), "{json}");
    assert!(json.contains("\"loss\": 0.000001,"), "{json}");
}

#[test]
fn json_written_for_the_contract_example_reads_back_one_action_a_line() {
    let scenario = Scenario::from_json(CONTRACT_EXAMPLE).expect("valid");
    let json = scenario.to_json();
    assert!(
        json.contains(
            "\n    { \"at_ms\": 2000, \"do\": \"partition\", \"groups\": [[1, 2], [3, 4, 5]] },\n"
        ),
        "{json}"
    );
    assert_eq!(Scenario::from_json(&json), Ok(scenario));
}

#[test]
fn probabilities_round_to_the_nearest_millionth() {
    let read = |loss: &str| {
        let json = format!(r#"{{"format": 1, "config": {{"loss": {loss}}}}}"#);
        Scenario::from_json(&json).map(|scenario| scenario.config.loss_ppm)
    };
    assert_eq!(read("0.1"), Ok(100_000));
    assert_eq!(read("1"), Ok(1_000_000));
    assert_eq!(read("0"), Ok(0));
    assert_eq!(read("1e-6"), Ok(1));
    assert_eq!(read("0.0000014"), Ok(1));
    assert_eq!(read("0.0000016"), Ok(2));
}

#[test]
fn links_round_trip_every_feature_exactly() {
    let scenario = every_feature();
    let link = scenario.to_link("https://example.org/raft/");
    assert!(link.starts_with("https://example.org/raft/#s="), "{link}");
    assert_eq!(Scenario::from_link(&link), Ok(scenario.clone()));
    let again = Scenario::from_link(&link).map(|read| read.to_link("https://example.org/raft/"));
    assert_eq!(again, Ok(link));
}

#[test]
fn random_valid_scenarios_round_trip_through_json_and_links() {
    let mut rng = Rng::new(0x5ce7_a210);
    for _ in 0..2_000 {
        let scenario = random_scenario(&mut rng);
        assert_eq!(scenario.validate(), Ok(()), "{}", scenario.to_json());
        assert_eq!(
            Scenario::from_json(&scenario.to_json()),
            Ok(scenario.clone())
        );
        let payload = scenario.to_link_payload();
        assert_eq!(Scenario::from_link(&payload), Ok(scenario));
    }
}

#[test]
fn from_link_accepts_a_link_a_fragment_a_parameter_or_a_bare_payload() {
    let scenario = Scenario::from_json(CONTRACT_EXAMPLE).expect("valid");
    let payload = scenario.to_link_payload();
    for text in [
        format!("https://example.org/play?x=1#s={payload}"),
        format!("#s={payload}"),
        format!("s={payload}"),
        format!("#t=5000&s={payload}"),
        format!("  {payload}\n"),
        payload.clone(),
    ] {
        assert_eq!(Scenario::from_link(&text), Ok(scenario.clone()), "{text}");
    }
    // A fragment already on the base address is replaced, not appended to.
    let link = scenario.to_link("https://example.org/#s=old");
    assert_eq!(link, format!("https://example.org/#s={payload}"));
}

#[test]
fn a_realistic_thirty_action_link_is_under_400_characters() {
    let json = include_str!("data/lesson_thirty_actions.json");
    let scenario = Scenario::from_json(json).expect("the lesson is valid");
    assert_eq!(scenario.timeline.len(), 30);
    let payload = scenario.to_link_payload();
    println!(
        "30-action scenario: link payload {} characters ({} with \"#s=\")",
        payload.len(),
        payload.len() + 3
    );
    assert!(
        payload.len() < 400,
        "payload is {} characters",
        payload.len()
    );
    assert_eq!(Scenario::from_link(&payload), Ok(scenario));
}

/// Each saved link under `tests/data/links/` was written by the version in its name and must
/// decode, forever, to exactly the JSON saved beside it.
#[test]
fn saved_links_keep_decoding_to_their_json() {
    let saved = [
        (
            include_str!("data/links/v1_default.link"),
            include_str!("data/links/v1_default.json"),
        ),
        (
            include_str!("data/links/v1_contract_example.link"),
            include_str!("data/links/v1_contract_example.json"),
        ),
        (
            include_str!("data/links/v1_every_feature.link"),
            include_str!("data/links/v1_every_feature.json"),
        ),
        (
            include_str!("data/links/v1_thirty_actions.link"),
            include_str!("data/links/v1_thirty_actions.json"),
        ),
        (
            include_str!("data/links/v1_bugs_and_drift.link"),
            include_str!("data/links/v1_bugs_and_drift.json"),
        ),
        (
            include_str!("data/links/v2_inside_a_millisecond.link"),
            include_str!("data/links/v2_inside_a_millisecond.json"),
        ),
    ];
    // The saved JSON was written by the version that made the link. Fields added since take
    // their defaults on both sides, so the link and its JSON must still mean the same run.
    for (link, json) in saved {
        let decoded = Scenario::from_link(link).unwrap_or_else(|error| panic!("{error}: {link}"));
        assert_eq!(Scenario::from_json(json), Ok(decoded), "{link}");
    }
}

#[path = "scenario/bad_input.rs"]
mod bad_input;
#[path = "scenario/fuzz.rs"]
mod fuzz;

#[test]
fn errors_say_where_they_came_from() {
    let json_error = Scenario::from_json("{}").expect_err("format is required");
    assert_eq!(json_error.origin, Origin::Json);
    let link_error = Scenario::from_link("AAAA").expect_err("version 0");
    assert_eq!(link_error.origin, Origin::Link);
    assert!(link_error.to_string().starts_with("link: "), "{link_error}");
}
