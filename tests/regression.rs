//! Saved runs replay exactly: `tests/data/regression/scenarios.json` holds links made by
//! earlier versions, each with the state hash and event count its run reached. A dependency
//! upgrade (the random generator, the link codec, serde) or a change to the simulator that
//! alters a single random draw or event makes a hash differ, and a link that people saved
//! would no longer show what they saw. Each saved run must also still pass every check: the
//! file includes swarm seeds that once failed, so a fixed bug that returns fails here by name.
//!
//! The same file is read by the wasm test in the browser, which asserts the same hashes there;
//! keep its format: an array of `{"name", "link", "state_hash", "events"}`.
//!
//! When a change is meant to alter runs, regenerate the file deliberately and review the diff:
//! `RAFT_REGRESSION_WRITE=1 cargo test --release --test regression -- --ignored
//! regenerate_the_regression_file`. Without the variable it only prints the array.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use raft_playground::check::run;
use raft_playground::raft::Bug;
use raft_playground::scenario::{Action, Scenario, TimedAction};
use raft_playground::sim::Simulation;
use raft_playground::sim::network::LossReason;
use raft_playground::sim::swarm::{self, SwarmOptions};

const SAVED: &str = include_str!("data/regression/scenarios.json");
const BASE_URL: &str = "http://127.0.0.1:8080/";
/// Saved swarm seeds are named `swarm_seed_<seed>_<what it once broke>`.
const SEED_PREFIX: &str = "swarm_seed_";

/// One saved run: what it is, its link, and what running it to `until_ms` must reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedRun {
    name: String,
    link: String,
    /// `Simulation::state_hash` at the end of the run, as 16 lowercase hex digits.
    state_hash: String,
    /// `Simulation::events_processed` at the end of the run.
    events: u64,
}

fn saved_runs() -> Vec<SavedRun> {
    serde_json::from_str(SAVED)
        .unwrap_or_else(|error| panic!("tests/data/regression/scenarios.json: {error}"))
}

/// The swarm seed a saved run stands for, if it is one.
fn swarm_seed(name: &str) -> Option<u64> {
    let rest = name.strip_prefix(SEED_PREFIX)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Runs `scenario` with every check and records what it reached, or says why it fails.
fn replay(name: &str, scenario: &Scenario) -> Result<SavedRun, String> {
    let checked = run::run(scenario);
    if let Some(violation) = checked.violations.first() {
        return Err(format!(
            "{name}: {} at {} ms: {}",
            violation.kind.name(),
            violation.at_us / 1_000,
            violation.detail
        ));
    }
    let simulation = checked
        .simulation
        .expect("a run without violations did not panic");
    // Every saved run, swarm seeds included, must be shown linearizable: the checker decides
    // every seed of the swarm's first 100,000.
    if checked.linearizable != Some(true) {
        return Err(format!("{name}: the history was not shown linearizable"));
    }
    Ok(SavedRun {
        name: name.to_string(),
        link: scenario.to_link(BASE_URL),
        state_hash: format!("{:016x}", simulation.state_hash()),
        events: simulation.events_processed(),
    })
}

#[test]
fn the_regression_file_is_well_formed() {
    let saved = saved_runs();
    assert!(saved.len() >= 8, "only {} saved runs", saved.len());
    let names: BTreeSet<&str> = saved.iter().map(|run| run.name.as_str()).collect();
    assert_eq!(names.len(), saved.len(), "names are unique");
    for run in &saved {
        assert!(
            run.state_hash.len() == 16
                && run
                    .state_hash
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{}: state_hash {:?} is not 16 lowercase hex digits",
            run.name,
            run.state_hash
        );
        assert!(run.link.starts_with(BASE_URL), "{}: {}", run.name, run.link);
        assert!(run.events > 0, "{}: a run processes events", run.name);
    }
    let seeds: BTreeSet<u64> = saved
        .iter()
        .filter_map(|run| swarm_seed(&run.name))
        .collect();
    for fixed in FIXED_SEEDS.map(|(seed, _)| seed) {
        assert!(seeds.contains(&fixed), "swarm seed {fixed} is saved");
    }
}

#[test]
fn saved_links_replay_to_their_state_hashes() {
    let mut problems = Vec::new();
    for saved in saved_runs() {
        let scenario = match Scenario::from_link(&saved.link) {
            Ok(scenario) => scenario,
            Err(error) => {
                problems.push(format!("{}: the link no longer loads: {error}", saved.name));
                continue;
            }
        };
        match replay(&saved.name, &scenario) {
            Err(problem) => problems.push(problem),
            Ok(replayed) => {
                if (&replayed.state_hash, replayed.events) != (&saved.state_hash, saved.events) {
                    problems.push(format!(
                        "{}: state hash {} after {} events, saved {} after {} events",
                        saved.name,
                        replayed.state_hash,
                        replayed.events,
                        saved.state_hash,
                        saved.events
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "saved runs no longer replay as they did:\n{}",
        problems.join("\n")
    );
}

/// A seed names a whole scenario: the swarm must still generate exactly the saved one, or
/// seeds quoted in bug reports would mean something else.
#[test]
fn saved_swarm_seeds_still_generate_their_scenarios() {
    let mut checked = 0;
    for saved in saved_runs() {
        let Some(seed) = swarm_seed(&saved.name) else {
            continue;
        };
        let generated = swarm::generate(seed, &SwarmOptions::default());
        let loaded = Scenario::from_link(&saved.link)
            .unwrap_or_else(|error| panic!("{}: {error}", saved.name));
        assert_eq!(
            generated, loaded,
            "{}: swarm seed {seed} generates another scenario now",
            saved.name
        );
        assert_eq!(generated.to_link(BASE_URL), saved.link, "{}", saved.name);
        checked += 1;
    }
    assert_eq!(checked, FIXED_SEEDS.len());
}

// ----- The generator -----

/// Swarm seeds that once failed, with what they broke; all pass since the fix.
const FIXED_SEEDS: [(u64, &str); 5] = [
    // A leader lost a committed entry: fixed by counting its own copy only once persisted.
    (167, "leader_lost_a_committed_entry"),
    // A leader removed itself and stepped down before the removal committed: deadlock.
    (1071, "self_removal_deadlock"),
    // A removed server kept disrupting the cluster with elections.
    (1640, "disruptive_removed_server"),
    // The checker reported a stale leader as a violation (a false positive).
    (363, "checker_false_positive_on_a_stale_leader"),
    // Candidates too stale to win restarted the election timers of the servers that could
    // win, term after term: fixed by keeping the timer running on a higher term (Figure 2).
    (67984, "stale_candidates_starved_the_election"),
];

/// Crashes (the leader among them), a partition, and a node restarted after the log it missed
/// was compacted, so it is caught up by InstallSnapshot.
const CRASHES_PARTITIONS_AND_SNAPSHOTS: &str = r#"{
  "format": 1, "seed": 101, "nodes": 5,
  "config": { "snapshot_every": 20 },
  "workload": { "writes_per_sec": 80, "reads_per_sec": 20, "keys": 4 },
  "timeline": [
    { "at_ms": 500, "do": "crash", "node": 3 },
    { "at_ms": 1500, "do": "partition", "groups": [[1, 2], [3, 4, 5]] },
    { "at_ms": 2500, "do": "heal" },
    { "at_ms": 3000, "do": "restart", "node": 3 },
    { "at_ms": 3500, "do": "crash", "node": 1 },
    { "at_ms": 3500, "do": "crash", "node": 2 },
    { "at_ms": 4200, "do": "restart", "node": 1 },
    { "at_ms": 4400, "do": "restart", "node": 2 },
    { "at_ms": 4500, "do": "snapshot", "node": 4 }
  ],
  "until_ms": 6000
}"#;

/// Membership changes (two learners added and promoted, a voter removed), a paused node, a
/// leadership transfer and a forced election; pre-vote off, check-quorum on.
const MEMBERSHIP_TRANSFER_AND_PAUSE: &str = r#"{
  "format": 1, "seed": 202, "nodes": 3,
  "config": { "pre_vote": false, "check_quorum": true, "latency_ms": [5, 40] },
  "workload": { "writes_per_sec": 40, "reads_per_sec": 20, "keys": 3, "cas_percent": 30 },
  "timeline": [
    { "at_ms": 800, "do": "add_node" },
    { "at_ms": 1200, "do": "add_node" },
    { "at_ms": 2000, "do": "pause", "node": 2 },
    { "at_ms": 2600, "do": "resume", "node": 2 },
    { "at_ms": 3000, "do": "remove_node", "node": 1 },
    { "at_ms": 4000, "do": "transfer_leader", "to": 4 },
    { "at_ms": 5000, "do": "timeout", "node": 3 }
  ],
  "until_ms": 7000
}"#;

/// Lease reads while clocks drift within the bound, stale reads through followers, and the
/// leader cut off for a while; crash points on.
const LEASES_STALE_READS_AND_DRIFT: &str = r#"{
  "format": 1, "seed": 303, "nodes": 5,
  "config": { "check_quorum": true, "crash_after_vote": 0.05, "crash_after_commit": 0.01 },
  "workload": { "writes_per_sec": 30, "reads_per_sec": 60, "keys": 3, "read": "lease" },
  "timeline": [
    { "at_ms": 100, "do": "drift", "node": 1, "ppm": -50000 },
    { "at_ms": 100, "do": "drift", "node": 2, "ppm": 50000 },
    { "at_ms": 100, "do": "drift", "node": 4, "ppm": 30000 },
    { "at_ms": 1500, "do": "get", "key": "k0", "via": 3, "read": "stale" },
    { "at_ms": 2000, "do": "partition", "groups": [[1], [2, 3, 4, 5]] },
    { "at_ms": 2200, "do": "get", "key": "k1", "via": 1, "read": "lease" },
    { "at_ms": 2500, "do": "get", "key": "k1", "via": 4, "read": "stale" },
    { "at_ms": 3000, "do": "heal" },
    { "at_ms": 3500, "do": "get", "key": "k2", "via": 5, "read": "read_index" }
  ],
  "until_ms": 5000
}"#;

/// A cluster restored from a backup, with a lossy, duplicating network.
const RESTORE_ON_A_LOSSY_NETWORK: &str = r#"{
  "format": 1, "seed": 404, "nodes": 3,
  "config": { "loss": 0.05, "duplicate": 0.05, "disk_ms": [0, 8] },
  "workload": { "writes_per_sec": 30, "reads_per_sec": 30, "keys": 2 },
  "timeline": [
    { "at_ms": 700, "do": "put", "key": "a", "value": "restored-and-changed" },
    { "at_ms": 1500, "do": "crash", "node": 2 },
    { "at_ms": 2500, "do": "restart", "node": 2 }
  ],
  "until_ms": 4000,
  "restore": { "index": 30, "term": 2, "kv": { "a": "1", "b": "2" } }
}"#;

/// The scripted scenario of a bug switch (`tests/data/scenarios/`) with the switch off: the
/// lease cases there are the reviewer's reproducers of bugs the core had, and the fixed core
/// must pass them (it served a stale lease read in both). Found by review, not by the swarm.
fn fixed_reproducer(text: &str, bug: Bug) -> Scenario {
    let mut scenario = Scenario::from_json(text).unwrap_or_else(|error| panic!("{error}"));
    assert!(
        scenario.config.bugs.contains(bug),
        "{} is on in the script",
        bug.name()
    );
    scenario.config.bugs.remove(bug);
    scenario
}

/// Single messages dropped, delayed and duplicated by hand (their ids are picked from a run),
/// then network knobs, a cut and a slow link, client operations of every kind and a
/// coordinated backup.
fn message_faults_and_backup() -> Scenario {
    let base = r#"{
      "format": 1, "seed": 505, "nodes": 5,
      "workload": { "writes_per_sec": 40, "reads_per_sec": 10, "keys": 3 },
      "timeline": [{ "at_ms": 600, "do": "put", "key": "x", "value": "1", "via": 2 }],
      "until_ms": 6000
    }"#;
    let mut scenario = Scenario::from_json(base).unwrap_or_else(|error| panic!("{error}"));
    // Messages on their way at 1000 ms that are still travelling a millisecond later: the
    // actions at 1000 ms find them in flight.
    let at_ms = 1_000;
    let mut probe = Simulation::new(&scenario);
    probe.run_until(at_ms * 1_000);
    let ids: Vec<u64> = probe
        .network()
        .in_flight()
        .filter(|message| message.lost.is_none() && message.arrive_us > at_ms * 1_000 + 1_000)
        .map(|message| message.id)
        .take(3)
        .collect();
    assert_eq!(ids.len(), 3, "three messages in flight at {at_ms} ms");
    let later = [
        (at_ms, Action::DropMessage { id: ids[0] }),
        (
            at_ms,
            Action::DelayMessage {
                id: ids[1],
                by_ms: 150,
            },
        ),
        (at_ms, Action::DuplicateMessage { id: ids[2] }),
        (1_500, network(Some(100_000), Some(50_000), Some((5, 60)))),
        (2_000, Action::Cut { from: 1, to: 3 }),
        (
            2_000,
            Action::SlowLink {
                from: 2,
                to: 4,
                extra_ms: 80,
            },
        ),
        (2_500, Action::Backup),
        (3_000, Action::Heal),
        (3_000, network(Some(0), Some(0), Some((10, 30)))),
        (3_200, cas("x", Some("1"), Some("2"))),
        (
            3_400,
            Action::Delete {
                key: "y".into(),
                via: Some(3),
            },
        ),
        (
            3_600,
            Action::Get {
                key: "x".into(),
                via: Some(4),
                read: Default::default(),
            },
        ),
        (4_000, Action::Snapshot { node: 5 }),
    ];
    scenario.timeline.extend(
        later
            .into_iter()
            .map(|(at_ms, action)| TimedAction { at_ms, action }),
    );
    scenario
        .validate()
        .unwrap_or_else(|error| panic!("{error}"));

    // The hand-picked messages were acted on in the real run.
    let mut simulation = Simulation::new(&scenario);
    simulation.run_until(at_ms * 1_000 + 1);
    let network = simulation.network();
    assert_eq!(
        network.get(ids[0]).and_then(|message| message.lost),
        Some(LossReason::DroppedByUser)
    );
    assert!(
        network
            .get(ids[1])
            .is_some_and(|m| m.arrive_us >= m.sent_us + 150_000)
    );
    assert!(network.in_flight().any(|m| m.duplicate_of == Some(ids[2])));
    scenario
}

fn network(
    loss_ppm: Option<u32>,
    duplicate_ppm: Option<u32>,
    latency_ms: Option<(u64, u64)>,
) -> Action {
    Action::Network {
        loss_ppm,
        duplicate_ppm,
        latency_ms,
    }
}

fn cas(key: &str, expected: Option<&str>, new: Option<&str>) -> Action {
    Action::Cas {
        key: key.into(),
        expected: expected.map(str::to_string),
        new: new.map(str::to_string),
        via: None,
    }
}

/// Every saved run, in file order, with checks that each exercises what its name says.
fn regression_scenarios() -> Vec<(String, Scenario)> {
    let json = |text: &str| Scenario::from_json(text).unwrap_or_else(|error| panic!("{error}"));
    let mut scenarios = vec![
        (
            "crashes_partitions_and_install_snapshot".to_string(),
            json(CRASHES_PARTITIONS_AND_SNAPSHOTS),
        ),
        (
            "membership_changes_transfer_and_pause".to_string(),
            json(MEMBERSHIP_TRANSFER_AND_PAUSE),
        ),
        (
            "lease_and_stale_reads_under_clock_drift".to_string(),
            json(LEASES_STALE_READS_AND_DRIFT),
        ),
        (
            "restore_from_backup_on_a_lossy_network".to_string(),
            json(RESTORE_ON_A_LOSSY_NETWORK),
        ),
        (
            "message_drop_delay_duplicate_and_backup".to_string(),
            message_faults_and_backup(),
        ),
        (
            "lease_read_after_a_late_timeout_now".to_string(),
            fixed_reproducer(
                include_str!("data/scenarios/lease_after_timeout_now.json"),
                Bug::LeaseAfterTimeoutNow,
            ),
        ),
        (
            "forced_timeout_inside_a_lease".to_string(),
            fixed_reproducer(
                include_str!("data/scenarios/campaign_inside_lease.json"),
                Bug::CampaignInsideLease,
            ),
        ),
    ];
    for (seed, broke) in FIXED_SEEDS {
        scenarios.push((
            format!("{SEED_PREFIX}{seed}_{broke}"),
            swarm::generate(seed, &SwarmOptions::default()),
        ));
    }
    scenarios
}

/// What each hand-made run must have reached, so a regenerated file stays meaningful.
fn assert_exercises(name: &str, simulation: &Simulation) {
    let coverage = simulation.coverage();
    match name {
        "crashes_partitions_and_install_snapshot" => {
            assert!(coverage.install_snapshot_chunks > 0, "{name}: {coverage:?}");
            assert!(coverage.crashes >= 3, "{name}: {coverage:?}");
        }
        "membership_changes_transfer_and_pause" => {
            let leader = simulation.leader().expect("a leader at the end");
            let raft = simulation.server(leader).and_then(|s| s.raft.as_ref());
            let voters: Vec<u64> = raft
                .expect("the leader runs")
                .membership()
                .voters
                .iter()
                .copied()
                .collect();
            assert_eq!(voters, vec![2, 3, 4, 5], "{name}");
            assert!(coverage.leader_changes >= 2, "{name}: {coverage:?}");
        }
        "lease_and_stale_reads_under_clock_drift" => {
            assert_eq!(
                simulation.server(1).map(|s| s.clock.rate_ppm()),
                Some(-50_000)
            );
            assert!(simulation.history().summary().ok > 100, "{name}");
        }
        "restore_from_backup_on_a_lossy_network" => {
            for server in simulation.servers() {
                assert_eq!(
                    server.kv.data().get("b").map(String::as_str),
                    Some("2"),
                    "{name}"
                );
            }
        }
        "message_drop_delay_duplicate_and_backup" => {
            assert_eq!(simulation.backup_copies(1), 5, "{name}");
        }
        // The late TimeoutNow still made node 2 leader.
        "lease_read_after_a_late_timeout_now" => assert_eq!(simulation.leader(), Some(2), "{name}"),
        // Node 2's forced timeout started no election; node 3, outside the lease, won later.
        "forced_timeout_inside_a_lease" => assert_eq!(simulation.leader(), Some(3), "{name}"),
        _ => {}
    }
}

#[test]
#[ignore = "regenerates tests/data/regression/scenarios.json; run it deliberately"]
fn regenerate_the_regression_file() {
    let mut saved = Vec::new();
    for (name, scenario) in regression_scenarios() {
        let run = replay(&name, &scenario).unwrap_or_else(|problem| panic!("{problem}"));
        let mut simulation = Simulation::new(&scenario);
        simulation.run();
        assert_exercises(&name, &simulation);
        saved.push(run);
    }
    let text = serde_json::to_string_pretty(&saved).expect("plain data serializes") + "\n";
    println!("{text}");
    if std::env::var_os("RAFT_REGRESSION_WRITE").is_some() {
        let path: PathBuf = [
            env!("CARGO_MANIFEST_DIR"),
            "tests",
            "data",
            "regression",
            "scenarios.json",
        ]
        .iter()
        .collect();
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        println!("wrote {}", path.display());
    }
}
