//! A message-level fuzzer for the Raft core, harsher than the swarm: it drives `RaftNode`s
//! directly, with nothing between them and the faults (`core_fuzz/cluster.rs`). The network
//! hands any message in flight to its receiver at any later move, keeps a copy to hand over
//! again, or loses it; disks complete writes in order, whenever the fuzzer says, and a crash
//! loses the writes still pending and the messages waiting on them. Between deliveries the
//! fuzzer crashes and restarts servers, forces election timeouts, lets time pass on clocks
//! that drift within the configured bound, proposes commands, asks for ReadIndex and lease
//! reads (at followers too, which forward them), adds learners and removes members (the
//! leader too), transfers leadership, and compacts logs, so InstallSnapshot travels in chunks
//! of a few bytes. One seed decides the cluster (three to five servers, pre-vote and
//! check-quorum on or off, small messages) and every move; each run makes 30,000 moves.
//!
//! After every input the library's safety checker (`check::safety`) looks at the node, as it
//! does in the simulator: Election Safety, Leader Append-Only, Log Matching, Leader
//! Completeness, State Machine Safety, a commit index that never goes back, and a restart
//! that holds exactly what was written. Every read must be fresh besides: a read index below
//! what some node had committed when the read was asked is a stale read (`linearizability`).
//! Then the network heals, every server restarts, writes complete and messages arrive in
//! order, and within 30 s of virtual time a leader must commit a new command with every
//! member caught up (`liveness`), in clusters with pre-vote or check-quorum (without either,
//! a removed server that never learned of its removal deposes leader after leader, thesis
//! §4.2.3).
//!
//! Run it in release mode: `cargo test --release --test core_fuzz` runs `DEFAULT_SEEDS` on
//! every core. A longer hunt names its own range, and may turn a bug switch on:
//!
//! ```text
//! CORE_FUZZ_SEEDS=3000..14000 cargo test --release --test core_fuzz fuzzed_seeds -- --nocapture
//! CORE_FUZZ_BUG=vote_without_log_check CORE_FUZZ_SEEDS=0..100 cargo test --release --test core_fuzz fuzzed_seeds
//! ```
//!
//! A failure names each failing seed, its violation and the command that replays it alone,
//! and prints the moves that led to the lowest one.
//!
//! The bug switches show that the checks can fail. The fuzzer catches nine of the thirteen,
//! each within a few hundred seeds: `commit_earlier_term_by_counting` (which the swarm never
//! catches: there a new leader's no-op travels in the same AppendEntries as the older entries,
//! here messages carry one to three entries and arrive in any order), `vote_without_log_check`,
//! `forget_vote_on_restart`, `truncate_without_conflict`, `accept_stale_term_append`,
//! `apply_before_commit`, `read_without_read_index`, `two_membership_changes_at_once`, and
//! `campaign_inside_lease` at one seed in thousands. `CAUGHT` gives the seeds and the violation for
//! each, and a test for each holds that. It misses `lease_without_drift_margin` and
//! `lease_after_timeout_now` (no seed of `0..3000` fails; the scripted scenarios and the
//! lease-focused swarm catch them), and the two switches that belong to the simulator's driver
//! rather than the core, `snapshot_without_sessions` and `backup_on_append`: `MISSED` says why.

#[path = "core_fuzz/cluster.rs"]
mod cluster;

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cluster::{Cluster, STEPS, Shape, Tally};
use raft_playground::check::run::panic_violation;
use raft_playground::check::safety::{Violation, ViolationKind};
use raft_playground::raft::{Bug, Bugs};

/// The seeds CI runs: about 7 ms of one core each in release mode, some 20 s on two idle cores.
const DEFAULT_SEEDS: Range<u64> = 0..5_000;
/// `CORE_FUZZ_SEEDS=START..END` runs those seeds instead.
const SEEDS_VARIABLE: &str = "CORE_FUZZ_SEEDS";
/// `CORE_FUZZ_BUG=NAME` turns that bug switch on for them.
const BUG_VARIABLE: &str = "CORE_FUZZ_BUG";

/// Each switch the fuzzer catches: a range of seeds, from 0, whose lowest failure with the
/// switch on is the violation named. Each range leaves room above the lowest failing seed,
/// and the comment says how many of the first seeds fail, so that a change to the fuzzer's
/// draws can be told from a switch it no longer catches.
const CAUGHT: [(Bug, Range<u64>, ViolationKind); 9] = [
    // 28 of seeds 0..300 fail, the lowest at seed 0. The swarm never catches this switch.
    (
        Bug::CommitEarlierTermByCounting,
        0..30,
        ViolationKind::LeaderCompleteness,
    ),
    // 266 of 0..300.
    (
        Bug::VoteWithoutLogCheck,
        0..10,
        ViolationKind::LeaderCompleteness,
    ),
    // 195 of 0..300: the restarted node does not hold the vote it wrote.
    (Bug::ForgetVoteOnRestart, 0..10, ViolationKind::RestartState),
    // 90 of 0..300 (43 of them as liveness: the follower keeps denying entries it acknowledged),
    // the lowest at seed 11, as liveness; leader_completeness first at seed 14. (95 and 44, the
    // lowest seed 6 as leader_completeness, until leaders refused reads forwarded by servers
    // outside the configuration: reads the fuzzer asks of removed servers changed its draws.)
    (Bug::TruncateWithoutConflict, 0..30, ViolationKind::Liveness),
    // 29 of 0..3000, the lowest at seed 160.
    (
        Bug::AcceptStaleTermAppend,
        0..400,
        ViolationKind::LeaderCompleteness,
    ),
    // 200 of 0..300.
    (
        Bug::ApplyBeforeCommit,
        0..10,
        ViolationKind::StateMachineSafety,
    ),
    // 251 of 0..300.
    (
        Bug::ReadWithoutReadIndex,
        0..10,
        ViolationKind::Linearizability,
    ),
    // 75 of 0..300.
    (
        Bug::TwoMembershipChangesAtOnce,
        0..30,
        ViolationKind::LeaderCompleteness,
    ),
    // Only seed 117 of 0..3000: a forced timeout inside the leader's lease starts a campaign
    // that wins and commits while the old leader, cut off, still serves lease reads. The
    // lease-focused swarm finds it far more often.
    (
        Bug::CampaignInsideLease,
        0..200,
        ViolationKind::Linearizability,
    ),
];

/// The switches the fuzzer does not catch, and why.
const MISSED: [(Bug, &str); 4] = [
    (
        Bug::LeaseWithoutDriftMargin,
        "none of seeds 0..3000: a stale lease read needs a new leader elected and committing \
         in the last few milliseconds of the old leader's lease, with the clocks drifted the \
         wrong way (tests/data/scenarios/lease_without_drift_margin.json sets that up)",
    ),
    (
        Bug::LeaseAfterTimeoutNow,
        "none of seeds 0..3000: a transfer must be given up, its TimeoutNow arrive after that \
         and win an election, and the old leader serve a lease read meanwhile (the \
         lease-focused swarm builds its timelines from such shapes)",
    ),
    (
        Bug::SnapshotWithoutSessions,
        "a switch of the simulator's driver, which takes the snapshots: this fuzzer's state \
         machine keeps its sessions, and no client retries a command",
    ),
    (
        Bug::BackupOnAppend,
        "a switch of the simulator's driver, which takes the backups: this fuzzer takes none",
    ),
];

/// A seed that failed, with what a person needs to look into it.
struct Failure {
    seed: u64,
    bugs: Bugs,
    violation: Violation,
    shape: Shape,
    /// The last moves before the violation.
    trace: Vec<String>,
}

/// Runs one seed. A panic (a broken invariant of the core, or of the fuzzer) is a violation
/// too, so that a batch reports its seed instead of stopping.
fn run_seed(seed: u64, bugs: Bugs) -> Result<Tally, Box<Failure>> {
    let mut cluster = Cluster::new(seed, bugs);
    let ran = catch_unwind(AssertUnwindSafe(|| cluster.run()));
    let violation = match ran {
        Ok(Ok(())) => return Ok(cluster.tally),
        Ok(Err(violation)) => violation,
        Err(payload) => panic_violation(payload.as_ref(), cluster.now_us()),
    };
    Err(Box::new(Failure {
        seed,
        bugs,
        violation,
        shape: cluster.shape.clone(),
        trace: cluster.trace(),
    }))
}

/// What a batch of seeds came to.
struct Batch {
    /// Lowest seed first.
    failures: Vec<Failure>,
    /// The passing seeds', added up.
    tally: Tally,
    passed: u64,
    seconds: f64,
}

/// Runs `seeds` on every core: each worker takes the next seed until none is left. With
/// `stop_at_first_failure`, a worker also stops at a seed above a failure already found, so
/// the lowest failing seed comes sooner, and is the same whatever the timing.
fn run_seeds(seeds: Range<u64>, bugs: Bugs, stop_at_first_failure: bool) -> Batch {
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let next_seed = AtomicU64::new(seeds.start);
    let lowest_failure = AtomicU64::new(u64::MAX);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let seed = next_seed.fetch_add(1, Ordering::Relaxed);
                    let stop =
                        stop_at_first_failure && seed > lowest_failure.load(Ordering::Relaxed);
                    if seed >= seeds.end || stop {
                        return;
                    }
                    let outcome = run_seed(seed, bugs);
                    if outcome.is_err() {
                        lowest_failure.fetch_min(seed, Ordering::Relaxed);
                    }
                    outcomes
                        .lock()
                        .expect("no worker panics while holding the lock")
                        .push(outcome);
                }
            });
        }
    });
    let mut batch = Batch {
        failures: Vec::new(),
        tally: Tally::default(),
        passed: 0,
        seconds: 0.0,
    };
    for outcome in outcomes.into_inner().expect("the workers finished") {
        match outcome {
            Ok(tally) => {
                batch.tally.add(&tally);
                batch.passed += 1;
            }
            Err(failure) => batch.failures.push(*failure),
        }
    }
    batch.failures.sort_by_key(|failure| failure.seed);
    batch.seconds = started.elapsed().as_secs_f64();
    batch
}

/// The command that runs `seed` alone, with the same switches, and prints its moves.
fn replay_command(seed: u64, bugs: Bugs) -> String {
    let switches: Vec<&str> = bugs.iter().map(Bug::name).collect();
    let bug = match switches.as_slice() {
        [] => String::new(),
        [name] => format!("{BUG_VARIABLE}={name} "),
        _ => format!("(switches {switches:?}) "),
    };
    format!(
        "{bug}{SEEDS_VARIABLE}={seed}..{} cargo test --release --test core_fuzz fuzzed_seeds -- --nocapture",
        seed + 1
    )
}

/// One line a failure, and the command that replays it.
fn describe(failure: &Failure) -> String {
    let violation = &failure.violation;
    format!(
        "seed={} violation={} at_ms={} detail={:?}\n  replay: {}",
        failure.seed,
        violation.kind.name(),
        violation.at_us / 1_000,
        violation.detail,
        replay_command(failure.seed, failure.bugs)
    )
}

/// The seeds and switches the environment names, or the defaults.
fn seeds_and_bugs_from_environment() -> (Range<u64>, Bugs) {
    let seeds = match std::env::var(SEEDS_VARIABLE) {
        Ok(text) => parse_seeds(&text)
            .unwrap_or_else(|| panic!("{SEEDS_VARIABLE}={text:?}: expected START..END")),
        Err(_) => DEFAULT_SEEDS,
    };
    let bugs = match std::env::var(BUG_VARIABLE) {
        Ok(name) => [Bug::from_name(&name)
            .unwrap_or_else(|| panic!("{BUG_VARIABLE}={name:?}: no such bug switch"))]
        .into_iter()
        .collect(),
        Err(_) => Bugs::NONE,
    };
    (seeds, bugs)
}

fn parse_seeds(text: &str) -> Option<Range<u64>> {
    let (start, end) = text.split_once("..")?;
    let seeds = start.trim().parse().ok()?..end.trim().parse().ok()?;
    (!seeds.is_empty()).then_some(seeds)
}

#[test]
fn fuzzed_seeds_pass_every_check() {
    let (seeds, bugs) = seeds_and_bugs_from_environment();
    let switches: Vec<&str> = bugs.iter().map(Bug::name).collect();
    println!("core fuzz: seeds {seeds:?}, {STEPS} moves each, bug switches {switches:?}");
    let batch = run_seeds(seeds.clone(), bugs, false);
    println!(
        "core fuzz: seeds={} violations={} seconds={:.1}\n  {:?}",
        seeds.end - seeds.start,
        batch.failures.len(),
        batch.seconds,
        batch.tally
    );
    if let Some(lowest) = batch.failures.first() {
        println!(
            "seed {} ({:?}), its last moves:\n{}",
            lowest.seed,
            lowest.shape,
            lowest.trace.join("\n")
        );
    }
    let failures: Vec<String> = batch.failures.iter().map(describe).collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed:\n{}",
        failures.len(),
        seeds.end - seeds.start,
        failures.join("\n")
    );
    assert_eq!(batch.passed, seeds.end - seeds.start, "every seed ran once");
    // A hunt over a range of its own is judged by its violations alone: a single seed, say,
    // need not reach every case.
    if seeds == DEFAULT_SEEDS {
        assert_reaches_every_case(&batch.tally);
    }
}

/// A batch that passes without electing, committing earlier terms' entries, crashing,
/// restoring snapshots, changing membership, transferring, reading and recovering proves
/// little.
fn assert_reaches_every_case(tally: &Tally) {
    // Named one by one, without `..`: a new counter in `Tally` must be added here too.
    let Tally {
        terms_led,
        earlier_term_commits,
        crashes,
        snapshots_restored,
        membership_changes_applied,
        transfers_started,
        reads_answered,
        recoveries,
    } = *tally;
    let counters = [
        ("terms_led", terms_led),
        ("earlier_term_commits", earlier_term_commits),
        ("crashes", crashes),
        ("snapshots_restored", snapshots_restored),
        ("membership_changes_applied", membership_changes_applied),
        ("transfers_started", transfers_started),
        ("reads_answered", reads_answered),
        ("recoveries", recoveries),
    ];
    let never: Vec<&str> = counters
        .iter()
        .filter(|(_, count)| *count == 0)
        .map(|(name, _)| *name)
        .collect();
    assert!(never.is_empty(), "the fuzzer never reached {never:?}");
}

/// The seeds and the violation `bug`'s row in `CAUGHT` names.
fn caught(bug: Bug) -> (Range<u64>, ViolationKind) {
    CAUGHT
        .iter()
        .find(|(listed, _, _)| *listed == bug)
        .map(|(_, seeds, kind)| (seeds.clone(), *kind))
        .unwrap_or_else(|| panic!("{} has no row in CAUGHT", bug.name()))
}

/// With `bug` on, the lowest failing seed of its range fails with the violation its row names;
/// with the switch off, the same seed passes: the switch is what broke it.
fn assert_caught(bug: Bug) {
    let (seeds, kind) = caught(bug);
    let bugs = [bug].into_iter().collect();
    let batch = run_seeds(seeds.clone(), bugs, true);
    let Some(lowest) = batch.failures.first() else {
        panic!(
            "{}: no seed of {seeds:?} failed (rule: {})",
            bug.name(),
            bug.rule()
        );
    };
    println!(
        "{}: seed {} fails with {} ({:.1} s)",
        bug.name(),
        lowest.seed,
        lowest.violation.kind.name(),
        batch.seconds
    );
    assert_eq!(
        lowest.violation.kind,
        kind,
        "{}: the lowest failing seed reports {}, not {}:\n{}",
        bug.name(),
        lowest.violation.kind.name(),
        kind.name(),
        describe(lowest)
    );
    if let Err(failure) = run_seed(lowest.seed, Bugs::NONE) {
        panic!(
            "{}: seed {} fails without the switch too:\n{}",
            bug.name(),
            lowest.seed,
            describe(&failure)
        );
    }
}

#[test]
fn every_bug_switch_is_caught_or_named_as_missed() {
    for bug in Bug::ALL {
        let rows = CAUGHT
            .iter()
            .filter(|(listed, _, _)| *listed == bug)
            .count()
            + MISSED.iter().filter(|(listed, _)| *listed == bug).count();
        assert_eq!(
            rows,
            1,
            "{} must have one row, in CAUGHT or MISSED",
            bug.name()
        );
    }
}

#[test]
fn commit_earlier_term_by_counting_is_caught() {
    assert_caught(Bug::CommitEarlierTermByCounting);
}

#[test]
fn vote_without_log_check_is_caught() {
    assert_caught(Bug::VoteWithoutLogCheck);
}

#[test]
fn forget_vote_on_restart_is_caught() {
    assert_caught(Bug::ForgetVoteOnRestart);
}

#[test]
fn truncate_without_conflict_is_caught() {
    assert_caught(Bug::TruncateWithoutConflict);
}

#[test]
fn accept_stale_term_append_is_caught() {
    assert_caught(Bug::AcceptStaleTermAppend);
}

#[test]
fn apply_before_commit_is_caught() {
    assert_caught(Bug::ApplyBeforeCommit);
}

#[test]
fn read_without_read_index_is_caught() {
    assert_caught(Bug::ReadWithoutReadIndex);
}

#[test]
fn two_membership_changes_at_once_is_caught() {
    assert_caught(Bug::TwoMembershipChangesAtOnce);
}

#[test]
fn campaign_inside_lease_is_caught() {
    assert_caught(Bug::CampaignInsideLease);
}

/// One seed is one run: the same moves, to the same end.
#[test]
fn a_seed_runs_alike_twice() {
    let run = |seed| {
        let mut cluster = Cluster::new(seed, Bugs::NONE);
        cluster.run().expect("the seed passes");
        (cluster.now_us(), cluster.tally, cluster.trace())
    };
    for seed in [1, 2] {
        assert_eq!(run(seed), run(seed), "seed {seed}");
    }
    assert_ne!(run(1).2, run(2).2, "two seeds, two runs");
}

/// A failure's report names its seed and violation, and a command that replays it alone with
/// the same switch, which the environment reads back as that seed and switch.
#[test]
fn a_failure_names_the_command_that_replays_it() {
    let bugs = [Bug::ReadWithoutReadIndex].into_iter().collect();
    let failure = run_seed(0, bugs).expect_err("seed 0 fails with the switch on");
    let report = describe(&failure);
    assert!(
        report.starts_with("seed=0 violation=linearizability at_ms="),
        "{report}"
    );
    let replay = "CORE_FUZZ_BUG=read_without_read_index CORE_FUZZ_SEEDS=0..1 cargo test --release --test core_fuzz fuzzed_seeds -- --nocapture";
    assert!(report.ends_with(&format!("replay: {replay}")), "{report}");
    assert_eq!(parse_seeds("0..1"), Some(0..1));
    assert_eq!(parse_seeds("5..5"), None, "an empty range is a mistake");
    assert!(!failure.trace.is_empty(), "the moves before it are kept");
}
