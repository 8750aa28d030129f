//! Every bug switch is caught by the simulator's checkers, and nothing else is: with a switch
//! on, a run ends in a violation; the same run with the switch off passes every check. This is
//! what shows the checkers can fail at all (a checker that never fires would pass the swarm
//! just as well).
//!
//! Most switches are found by the swarm: the test searches seeds `0..2000` with the switch on,
//! takes the lowest failing seed, shrinks it, and asserts that the shrunk reproducer still
//! fails and passes once the switch is removed. Four switches guard rules the swarm cannot
//! reach in that many seeds, so each has a scripted scenario in `tests/data/scenarios/`
//! (explained in the README there):
//!
//! - `commit_earlier_term_by_counting` (paper §5.4.2, Figure 8): a new leader appends a no-op
//!   of its term at once, and followers usually receive it in the same AppendEntries as the
//!   older entries, so an earlier term's entry almost never sits on a majority without an
//!   entry of the current term beside it. The script holds a long old-term tail back so it
//!   travels in several messages, and cuts the leader off between them.
//! - `lease_without_drift_margin` (thesis §6.4.1): the margin matters only when the leader's
//!   clock runs slow, the followers' run fast, the leader is cut off, and a new leader commits
//!   a write — all inside a window of a few tens of milliseconds at the swarm's drift. The
//!   script sets the drifts at the configured bound and times each step.
//! - `campaign_inside_lease` and `lease_after_timeout_now` (thesis §6.4.1, §3.10): the bugs
//!   an earlier core had and a review found, not the swarm. Each needs a forced timeout or a
//!   transfer within milliseconds of a partition that leaves the old leader alone with a lease
//!   read; the scripts are the reviewer's reproducers. The swarm focused on leases
//!   (`Focus::Lease`), which builds its timelines from such shapes, finds both as well, within
//!   `LEASE_SEARCH_SEEDS`.
//!
//! `snapshot_without_sessions` (thesis §6.3) is found by the swarm focused on backups
//! (`Focus::Backup`), within `BACKUP_SEARCH_SEEDS`: it compacts often, catches nodes up by
//! InstallSnapshot, restarts them from their own snapshots, and copies and delays client
//! requests so that a retry lands in the log twice, on both sides of a snapshot. The broad
//! swarm finds it too, less often. The same swarm finds `backup_on_append`, the switch that
//! shows the backup check can fail (nine seeds in ten fail with it; the broad swarm takes no
//! backups).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use raft_playground::check::run::{self, CheckedRun};
use raft_playground::check::safety::{Violation, ViolationKind};
use raft_playground::check::shrink;
use raft_playground::raft::Bug;
use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;
use raft_playground::sim::history::{OpKind, OpOutcome};
use raft_playground::sim::network::Packet;
use raft_playground::sim::swarm::{self, Focus, SwarmOptions};

/// The issue's bar: the swarm finds a reachable bug within this many seeds.
const SEARCH_SEEDS: Range<u64> = 0..2_000;
/// The lease-focused swarm's bar for the two lease switches only scripts reach otherwise: a
/// few seeds in ten fail with either switch on, so the lowest failing seed is a small one,
/// and the search stays a matter of seconds.
const LEASE_SEARCH_SEEDS: Range<u64> = 0..100;
/// The backup-focused swarm's bar for `snapshot_without_sessions`: about half its seeds fail,
/// so the lowest failing seed comes within the first few.
const BACKUP_SEARCH_SEEDS: Range<u64> = 0..100;
const BASE_URL: &str = "http://127.0.0.1:8080/";

/// How a switch is shown to be caught.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exposure {
    /// The swarm finds it.
    Swarm,
    /// The scripted scenario `tests/data/scenarios/<file>` fails with `kind`.
    Scripted {
        file: &'static str,
        kind: ViolationKind,
    },
}

/// One row per switch; `every_bug_switch_has_a_way_to_be_exposed` keeps it complete.
const EXPOSURES: [(Bug, Exposure); 13] = [
    (
        Bug::CommitEarlierTermByCounting,
        Exposure::Scripted {
            file: "commit_earlier_term_by_counting.json",
            kind: ViolationKind::LeaderCompleteness,
        },
    ),
    (Bug::VoteWithoutLogCheck, Exposure::Swarm),
    (Bug::ForgetVoteOnRestart, Exposure::Swarm),
    (Bug::TruncateWithoutConflict, Exposure::Swarm),
    (Bug::AcceptStaleTermAppend, Exposure::Swarm),
    (Bug::ApplyBeforeCommit, Exposure::Swarm),
    (Bug::ReadWithoutReadIndex, Exposure::Swarm),
    (
        Bug::LeaseWithoutDriftMargin,
        Exposure::Scripted {
            file: "lease_without_drift_margin.json",
            kind: ViolationKind::Linearizability,
        },
    ),
    (Bug::TwoMembershipChangesAtOnce, Exposure::Swarm),
    (
        Bug::CampaignInsideLease,
        Exposure::Scripted {
            file: "campaign_inside_lease.json",
            kind: ViolationKind::Linearizability,
        },
    ),
    (
        Bug::LeaseAfterTimeoutNow,
        Exposure::Scripted {
            file: "lease_after_timeout_now.json",
            kind: ViolationKind::Linearizability,
        },
    ),
    (Bug::SnapshotWithoutSessions, Exposure::Swarm),
    (Bug::BackupOnAppend, Exposure::Swarm),
];

fn exposure(bug: Bug) -> Exposure {
    EXPOSURES
        .iter()
        .find(|(listed, _)| *listed == bug)
        .map(|(_, exposure)| *exposure)
        .unwrap_or_else(|| panic!("{} has no row in EXPOSURES", bug.name()))
}

/// The lowest seed in `seeds` whose swarm scenario fails with `options`, with its first
/// violation. Seeds are handed out in order to every core, and a worker stops once the next
/// seed is above a failure already found, so the answer is the lowest one whatever the timing.
fn lowest_failing_seed(
    seeds: Range<u64>,
    options: &SwarmOptions,
) -> Option<(u64, Scenario, Violation)> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let next_seed = AtomicU64::new(seeds.start);
    let lowest_failure = AtomicU64::new(u64::MAX);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let seed = next_seed.fetch_add(1, Ordering::Relaxed);
                    if seed >= seeds.end || seed > lowest_failure.load(Ordering::Relaxed) {
                        return;
                    }
                    let checked = run::run(&swarm::generate(seed, options));
                    if !checked.violations.is_empty() {
                        lowest_failure.fetch_min(seed, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let seed = lowest_failure.into_inner();
    if seed == u64::MAX {
        return None;
    }
    // Run once more for the violation: the run is deterministic, so this is the same one.
    let scenario = swarm::generate(seed, options);
    let violation = run::run(&scenario).violations.first().cloned()?;
    Some((seed, scenario, violation))
}

fn without_bug(scenario: &Scenario, bug: Bug) -> Scenario {
    let mut fixed = scenario.clone();
    fixed.config.bugs.remove(bug);
    fixed
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|violation| {
            format!(
                "{} at {} ms: {}",
                violation.kind.name(),
                violation.at_us / 1_000,
                violation.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The run passed every check: no violation, and a history shown linearizable (an
/// inconclusive search would not show the stale reads some switches cause).
fn assert_passes(checked: &CheckedRun, what: &str, link: &str) {
    assert!(
        checked.violations.is_empty(),
        "{what} must pass, but:\n{}\n  link={link}",
        describe(&checked.violations)
    );
    assert_eq!(
        checked.linearizable,
        Some(true),
        "{what}: the history must be shown linearizable\n  link={link}"
    );
}

/// The swarm finds `bug` within the search, the shrunk reproducer fails alike, and without the
/// switch the reproducer passes.
fn swarm_finds_and_shrinks(bug: Bug) {
    assert_eq!(exposure(bug), Exposure::Swarm);
    finds_and_shrinks(bug, Focus::Broad, SEARCH_SEEDS);
}

/// The swarm with `focus` finds `bug` within `seeds`, the shrunk reproducer fails alike, and
/// without the switch the reproducer passes. Returns the kind of violation found.
fn finds_and_shrinks(bug: Bug, focus: Focus, seeds: Range<u64>) -> ViolationKind {
    let started = Instant::now();
    let options = SwarmOptions {
        bugs: [bug].into_iter().collect(),
        focus,
        ..SwarmOptions::default()
    };
    let Some((seed, scenario, violation)) = lowest_failing_seed(seeds.clone(), &options) else {
        panic!(
            "{}: no {} swarm seed in {seeds:?} found a violation (rule: {})",
            bug.name(),
            focus.name(),
            bug.rule()
        );
    };
    let search_seconds = started.elapsed().as_secs_f64();
    let shrunk = shrink::shrink(&scenario, &violation);
    let reproducer = shrunk.scenario;
    let link = reproducer.to_link(BASE_URL);
    println!(
        "{}: {} seed {seed} fails with {} ({:.1} s); shrunk in {} runs from {} to {} actions, \
         {} to {} ms ({:.1} s in all)\n  link={link}",
        bug.name(),
        focus.name(),
        violation.kind.name(),
        search_seconds,
        shrunk.attempts,
        scenario.timeline.len(),
        reproducer.timeline.len(),
        scenario.until_ms,
        reproducer.until_ms,
        started.elapsed().as_secs_f64()
    );
    assert!(reproducer.config.bugs.contains(bug));
    // Only the timeline here; `shrinking_never_lengthens_a_run` checks the run's length.
    assert!(
        reproducer.timeline.len() <= scenario.timeline.len(),
        "shrinking never adds actions"
    );

    let again = run::run(&reproducer);
    assert!(
        again
            .violations
            .iter()
            .any(|found| found.kind == violation.kind),
        "{}: the shrunk reproducer no longer fails with {}; it found: {}\n  link={link}",
        bug.name(),
        violation.kind.name(),
        describe(&again.violations)
    );

    let fixed = without_bug(&reproducer, bug);
    assert!(fixed.config.bugs.is_empty());
    let what = format!("{}'s reproducer without the switch", bug.name());
    assert_passes(&run::run(&fixed), &what, &fixed.to_link(BASE_URL));
    violation.kind
}

fn scripted_scenario(file: &str) -> Scenario {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "data",
        "scenarios",
        file,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Scenario::from_json(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The scripted scenario for `bug` fails with its expected violation, and passes without the
/// switch.
fn script_exposes(bug: Bug) {
    let Exposure::Scripted { file, kind } = exposure(bug) else {
        panic!("{} is exposed by the swarm, not a script", bug.name());
    };
    let scenario = scripted_scenario(file);
    assert_eq!(
        scenario.config.bugs.iter().collect::<Vec<_>>(),
        vec![bug],
        "{file} turns on exactly its own switch"
    );
    let link = scenario.to_link(BASE_URL);
    let checked = run::run(&scenario);
    println!(
        "{}: {file} fails with: {}\n  link={link}",
        bug.name(),
        describe(&checked.violations)
    );
    assert!(
        checked.violations.iter().any(|found| found.kind == kind),
        "{file} must fail with {} with the switch on; it found: {}\n  link={link}",
        kind.name(),
        describe(&checked.violations)
    );
    let fixed = without_bug(&scenario, bug);
    let what = format!("{file} without the switch");
    let fixed_link = fixed.to_link(BASE_URL);
    let checked = run::run(&fixed);
    assert_passes(&checked, &what, &fixed_link);
    let simulation = checked
        .simulation
        .expect("a run without violations did not panic");
    assert_reaches_the_crux(bug, &simulation, &fixed_link);
}

/// Without the switch a script must still get to the moment that matters, so that it passes
/// because the rule held, not because the run went elsewhere.
fn assert_reaches_the_crux(bug: Bug, simulation: &Simulation, link: &str) {
    match bug {
        Bug::CommitEarlierTermByCounting => {
            // Figure 8 (d): S5 was elected in term 4 and replaced the uncommitted entries.
            let leader = simulation.leader();
            let term = leader
                .and_then(|id| simulation.server(id)?.raft.as_ref())
                .map(|raft| raft.current_term());
            assert_eq!(
                (leader, term),
                (Some(5), Some(4)),
                "S5 leads term 4 at the end\n  link={link}"
            );
        }
        Bug::LeaseWithoutDriftMargin => {
            // The read sent to the cut-off S1 found the new value (elsewhere, after S1's
            // lease ran out) instead of the old one.
            let lease_reads: Vec<&OpOutcome> = simulation
                .history()
                .ops()
                .filter(|op| op.kind == OpKind::Read { read: "lease" })
                .map(|op| &op.outcome)
                .collect();
            assert_eq!(
                lease_reads,
                vec![&OpOutcome::Value(Some("new".to_string()))],
                "the lease read finds the new value\n  link={link}"
            );
        }
        _ => panic!("{} has no script", bug.name()),
    }
}

#[test]
fn every_bug_switch_has_a_way_to_be_exposed() {
    for bug in Bug::ALL {
        let rows = EXPOSURES
            .iter()
            .filter(|(listed, _)| *listed == bug)
            .count();
        assert_eq!(
            rows,
            1,
            "{} must have exactly one row in EXPOSURES",
            bug.name()
        );
    }
    assert_eq!(EXPOSURES.len(), Bug::ALL.len());
}

#[test]
fn commit_earlier_term_by_counting_is_caught_by_a_figure_8_script() {
    script_exposes(Bug::CommitEarlierTermByCounting);
}

#[test]
fn vote_without_log_check_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::VoteWithoutLogCheck);
}

#[test]
fn forget_vote_on_restart_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::ForgetVoteOnRestart);
}

#[test]
fn truncate_without_conflict_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::TruncateWithoutConflict);
}

#[test]
fn accept_stale_term_append_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::AcceptStaleTermAppend);
}

#[test]
fn apply_before_commit_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::ApplyBeforeCommit);
}

#[test]
fn read_without_read_index_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::ReadWithoutReadIndex);
}

#[test]
fn lease_without_drift_margin_is_caught_by_a_clock_drift_script() {
    script_exposes(Bug::LeaseWithoutDriftMargin);
}

#[test]
fn two_membership_changes_at_once_is_found_by_the_swarm() {
    swarm_finds_and_shrinks(Bug::TwoMembershipChangesAtOnce);
}

/// The scripts stay the switch's exposure (they show the rule step by step); this shows the
/// lease-focused swarm reaches the same hole unscripted.
#[test]
fn campaign_inside_lease_is_found_by_the_lease_focused_swarm() {
    finds_and_shrinks(Bug::CampaignInsideLease, Focus::Lease, LEASE_SEARCH_SEEDS);
}

#[test]
fn lease_after_timeout_now_is_found_by_the_lease_focused_swarm() {
    finds_and_shrinks(Bug::LeaseAfterTimeoutNow, Focus::Lease, LEASE_SEARCH_SEEDS);
}

/// Thesis §6.3: the session table is part of the state machine, so it goes in the snapshot. A
/// node restored from a snapshot without it (by InstallSnapshot, or at a restart from its own)
/// executes a retried command's later copy in the log a second time, and the exactly-once
/// check sees the same command take effect at two indexes.
#[test]
fn snapshot_without_sessions_is_found_by_the_backup_focused_swarm() {
    backup_focused_swarm_finds(Bug::SnapshotWithoutSessions, ViolationKind::ExactlyOnce);
}

/// A coordinated backup is each node's state machine exactly at the barrier entry. A node that
/// backs up when the barrier reaches its log has applied only as far as it had got then, and
/// the check that every copy is identical sees two differ.
#[test]
fn backup_on_append_is_found_by_the_backup_focused_swarm() {
    backup_focused_swarm_finds(Bug::BackupOnAppend, ViolationKind::BackupMismatch);
}

/// The backup-focused swarm finds `bug` within `BACKUP_SEARCH_SEEDS`, first as `expected`.
fn backup_focused_swarm_finds(bug: Bug, expected: ViolationKind) {
    assert_eq!(exposure(bug), Exposure::Swarm);
    let kind = finds_and_shrinks(bug, Focus::Backup, BACKUP_SEARCH_SEEDS);
    assert_eq!(kind, expected, "{}", kind.name());
}

/// `shrink::shrink` first ends the run "just after the violation". Linearizability is checked
/// once the run is over, so its violations are dated at the end of the run: that step must not
/// make the run longer (it once did, by a millisecond each time).
#[test]
fn shrinking_never_lengthens_a_run() {
    let scenario = scripted_scenario("lease_without_drift_margin.json");
    let shrunk = shrink::shrink(&scenario, ViolationKind::Linearizability).scenario;
    assert!(
        shrunk.until_ms <= scenario.until_ms,
        "the shrunk run lasts {} ms, the original {} ms",
        shrunk.until_ms,
        scenario.until_ms
    );
}

/// Applying before commit, then truncating without a conflict, takes away entries a state
/// machine has applied, and the broken core hands them out again: a violation the run stops at,
/// not a panic in the store (in the page, where debug assertions are off, nothing at all).
#[test]
fn entries_handed_out_again_are_a_violation_not_a_panic() {
    let scenario = Scenario::from_json(
        r#"{"format": 1, "seed": 4, "nodes": 9,
            "workload": {"writes_per_sec": 200, "reads_per_sec": 100},
            "config": {"bugs": ["apply_before_commit", "truncate_without_conflict"]},
            "until_ms": 100000}"#,
    )
    .unwrap();
    let mut simulation = Simulation::new(&scenario);
    simulation.run();
    let violations = simulation.violations();
    assert_eq!(violations.len(), 1, "{}", describe(violations));
    assert_eq!(violations[0].kind, ViolationKind::StateMachineSafety);
    assert!(
        violations[0]
            .detail
            .contains("a state machine applies each index once, in log order"),
        "{}",
        violations[0].detail
    );
    assert!(simulation.now_us() < 1_000_000, "the run stops there");
}

/// A follower that truncates without a conflict loses entries it acknowledged, so it keeps
/// rejecting the leader's probe at the match index. The leader must take that as a stale
/// answer and probe again only at its next heartbeat: answering each rejection with a new
/// probe added one endless probe per heartbeat, and a busy run drowned in them (in flight,
/// 550 AppendEntries after 6 s and growing; half a million events in 10 s).
#[test]
fn a_follower_that_denies_acknowledged_entries_is_not_flooded() {
    let scenario = Scenario::from_json(
        r#"{"format": 1, "seed": 4, "nodes": 9,
            "workload": {"writes_per_sec": 200, "reads_per_sec": 100},
            "config": {"bugs": ["truncate_without_conflict"]},
            "until_ms": 10000}"#,
    )
    .unwrap();
    let mut simulation = Simulation::new(&scenario);
    let followers = scenario.nodes as usize - 1;
    let window = simulation
        .servers()
        .next()
        .unwrap()
        .raft
        .as_ref()
        .unwrap()
        .config()
        .max_inflight_appends;
    let mut most_in_flight = 0;
    for at_ms in (100..=10_000).step_by(100) {
        simulation.run_until(at_ms * 1_000);
        let appends = simulation
            .network()
            .in_flight()
            .filter(|message| {
                matches!(&message.packet, Packet::Raft(raft) if raft.body.kind() == "AppendEntries")
            })
            .count();
        most_in_flight = most_in_flight.max(appends);
    }
    // Each follower: a full window, the commit notices that follow it, a probe.
    assert!(
        most_in_flight <= followers * (window + 3),
        "{most_in_flight} AppendEntries in flight at once to {followers} followers"
    );
}
