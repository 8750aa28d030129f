//! `raft-sim`: the simulator without a browser. Runs scenarios (files or links), swarms of
//! seeds, shrinks failures, converts between scenario JSON and links, and benchmarks.
//!
//! Exit status: 0 clean, 1 a violation, 2 bad input (one line on stderr, never a panic).

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use raft_playground::check::run::{self, CheckedRun};
use raft_playground::check::shrink;
use raft_playground::raft::Bug;
use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;
use raft_playground::sim::swarm::{self, Focus, SwarmOptions};

const USAGE: &str = "usage:
  raft-sim run SCENARIO          run a scenario (a JSON file, a link, or - to read standard
                                 input) and print the result
  raft-sim swarm --seeds A..B [--nodes N] [--bug NAME]... [--focus broad|lease|backup]
                 [--threads N] [--no-shrink] [--linearizability-budget STEPS]
                                 run seeds A (inclusive) to B (exclusive) of the swarm; each
                                 seed's history may take STEPS steps of the linearizability
                                 search (default 5000000) before it is called undecided;
                                 --focus lease aims every seed's faults at leader leases,
                                 --focus backup at coordinated backups and at client
                                 requests and replies (dropped, delayed, copied)
  raft-sim shrink SCENARIO       cut a failing scenario down to a small one that fails alike
  raft-sim link FILE [--base URL]  print the link of a scenario JSON file
  raft-sim export LINK           print the scenario JSON of a link
  raft-sim bench                 simulated events per second for a fixed 5-node workload";

/// The link base the playground serves on.
const DEFAULT_BASE: &str = "http://127.0.0.1:8080/";

/// `println!` for the command's output, as a `Result`: a reader which stopped early (`| head`)
/// is not an error, since what it did not read is not needed (`println!` would panic), but any
/// other failure to write (a full disk) is, or the output would be lost without a word.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        match writeln!(stdout, $($arg)*).and_then(|()| stdout.flush()) {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(format!("cannot write the output: {error}"))
            }
            _ => Ok(()),
        }
    }};
}

fn main() -> ExitCode {
    let result = arguments().and_then(|args| command(&args));
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("raft-sim: {message}");
            ExitCode::from(2)
        }
    }
}

/// The arguments after the command's name, which must be text: a file name or a link that is
/// not UTF-8 is refused by name rather than with a panic.
fn arguments() -> Result<Vec<String>, String> {
    std::env::args_os()
        .skip(1)
        .map(|argument| {
            argument.into_string().map_err(|argument| {
                format!("the argument {argument:?} is not UTF-8 text, which raft-sim needs")
            })
        })
        .collect()
}

fn command(args: &[String]) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        Some("run") => command_run(&args[1..]),
        Some("swarm") => command_swarm(&args[1..]),
        Some("shrink") => command_shrink(&args[1..]),
        Some("link") => command_link(&args[1..]),
        Some("export") => command_export(&args[1..]),
        Some("bench") => command_bench(),
        Some("help" | "--help" | "-h") => out!("{USAGE}").map(|()| ExitCode::SUCCESS),
        Some(other) => Err(format!("unknown command {other:?}; try `raft-sim help`")),
        None => Err("no command given; try `raft-sim help`".to_string()),
    }
}

/// A scenario from a file path, standard input (`-`), or the argument itself (a link or JSON
/// text).
fn load_scenario(argument: &str) -> Result<Scenario, String> {
    let text = match argument {
        "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|error| format!("cannot read standard input: {error}"))?;
            text
        }
        _ => match std::fs::read_to_string(argument) {
            Ok(text) => text,
            // Something is there but cannot be read (a directory, bytes that are not UTF-8...).
            Err(error) if std::path::Path::new(argument).exists() => {
                return Err(format!("cannot read {argument:?}: {error}"));
            }
            Err(_) if looks_like_a_path(argument) => {
                return Err(format!("cannot read {argument:?}: no such file"));
            }
            Err(_) => argument.to_string(),
        },
    };
    if text.trim().is_empty() {
        let source = match argument {
            "-" => "standard input".to_string(),
            _ => format!("{argument:?}"),
        };
        return Err(format!("{source} is empty: there is no scenario in it"));
    }
    Scenario::parse(&text).map_err(|error| error.to_string())
}

/// A file name rather than a link: it ends in `.json`, or it names a folder (`./x`, `/tmp/x`),
/// unless it has a link's `s=` or `://`. A link's payload is only letters, digits, `-` and `_`.
fn looks_like_a_path(argument: &str) -> bool {
    let link_like = argument.contains("s=") || argument.contains("://");
    !link_like
        && (argument.ends_with(".json")
            || argument.contains(['/', '\\'])
            || argument.starts_with('.'))
}

fn one_argument<'a>(args: &'a [String], what: &str) -> Result<&'a str, String> {
    match args {
        [one] => Ok(one),
        [] => Err(format!("missing {what}")),
        _ => Err(format!("expected one {what}, got {} arguments", args.len())),
    }
}

fn command_run(args: &[String]) -> Result<ExitCode, String> {
    let scenario = load_scenario(one_argument(args, "scenario")?)?;
    let checked = run::run(&scenario);
    print_report(&checked)?;
    if let Some(simulation) = &checked.simulation
        && simulation.is_out_of_events()
    {
        eprintln!(
            "raft-sim: the run stopped at {} ms, short of until_ms {}: it used up the {} events a run may have",
            simulation.now_us() / 1_000,
            scenario.until_ms,
            raft_playground::sim::MAX_EVENTS
        );
    }
    Ok(exit_code(&checked))
}

fn print_report(checked: &CheckedRun) -> Result<(), String> {
    let Some(simulation) = &checked.simulation else {
        let detail = checked
            .violations
            .first()
            .map_or("", |violation| violation.detail.as_str());
        return Err(format!(
            "internal error, please report it with the scenario: {detail}"
        ));
    };
    let mut report = simulation.report(checked.linearizable);
    report.violations = checked
        .violations
        .iter()
        .map(|violation| raft_playground::sim::observe::ViolationReport {
            kind: violation.kind.name(),
            at_ms: violation.at_us / 1_000,
            detail: violation.detail.clone(),
        })
        .collect();
    out!(
        "{}",
        serde_json::to_string_pretty(&report).expect("reports serialize")
    )?;
    Ok(())
}

fn exit_code(checked: &CheckedRun) -> ExitCode {
    if checked.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

struct SwarmArgs {
    seeds: std::ops::Range<u64>,
    options: SwarmOptions,
    threads: usize,
    shrink: bool,
    linearizability_budget: u64,
}

fn parse_swarm_args(args: &[String]) -> Result<SwarmArgs, String> {
    let mut seeds = None;
    let mut options = SwarmOptions::default();
    let mut threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut shrink = true;
    let mut linearizability_budget = run::LINEARIZABILITY_BUDGET;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || iter.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seeds" => seeds = Some(parse_range(value()?)?),
            "--nodes" => {
                let nodes: u8 = value()?
                    .parse()
                    .map_err(|_| "--nodes takes a number from 1 to 15".to_string())?;
                if !(1..=15).contains(&nodes) {
                    return Err("--nodes takes a number from 1 to 15".to_string());
                }
                options.nodes = Some(nodes);
            }
            "--bug" => {
                let name = value()?;
                let bug = Bug::from_name(name).ok_or_else(|| {
                    let known: Vec<&str> = Bug::ALL.iter().map(|bug| bug.name()).collect();
                    format!("unknown bug {name:?} (known: {})", known.join(", "))
                })?;
                options.bugs.insert(bug);
            }
            "--focus" => {
                let name = value()?;
                options.focus = Focus::from_name(name).ok_or_else(|| {
                    let known: Vec<&str> = Focus::ALL.iter().map(|focus| focus.name()).collect();
                    format!("unknown focus {name:?} (known: {})", known.join(", "))
                })?;
            }
            "--threads" => {
                threads = value()?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--threads takes a positive number")?;
            }
            "--no-shrink" => shrink = false,
            "--linearizability-budget" => {
                linearizability_budget = value()?
                    .parse()
                    .map_err(|_| "--linearizability-budget takes a number of steps")?;
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let seeds = seeds.ok_or("swarm needs --seeds A..B")?;
    Ok(SwarmArgs {
        seeds,
        options,
        threads,
        shrink,
        linearizability_budget,
    })
}

fn parse_range(text: &str) -> Result<std::ops::Range<u64>, String> {
    let bad = || format!("--seeds takes a range like 0..1000, not {text:?}");
    let (start, end) = text.split_once("..").ok_or_else(bad)?;
    let start: u64 = start.parse().map_err(|_| bad())?;
    let end: u64 = end.parse().map_err(|_| bad())?;
    if start >= end {
        return Err(format!("--seeds {text}: the range is empty"));
    }
    Ok(start..end)
}

/// What one seed did.
struct SeedOutcome {
    seed: u64,
    events: u64,
    failure: Option<(raft_playground::check::safety::Violation, Scenario)>,
    /// The linearizability search ran out of budget before deciding.
    undecided: bool,
}

fn command_swarm(args: &[String]) -> Result<ExitCode, String> {
    let swarm_args = parse_swarm_args(args)?;
    let started = Instant::now();
    let next_seed = AtomicU64::new(swarm_args.seeds.start);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..swarm_args.threads {
            scope.spawn(|| {
                loop {
                    let seed = next_seed.fetch_add(1, Ordering::Relaxed);
                    if seed >= swarm_args.seeds.end {
                        return;
                    }
                    let outcome =
                        run_seed(seed, &swarm_args.options, swarm_args.linearizability_budget);
                    outcomes
                        .lock()
                        .expect("no worker panics while holding the lock")
                        .push(outcome);
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("workers finished");
    outcomes.sort_by_key(|outcome| outcome.seed);
    let elapsed = started.elapsed().as_secs_f64();
    let events: u64 = outcomes.iter().map(|outcome| outcome.events).sum();
    let undecided: Vec<u64> = outcomes
        .iter()
        .filter(|outcome| outcome.undecided)
        .map(|outcome| outcome.seed)
        .collect();
    let mut violations = 0;
    for outcome in &outcomes {
        let Some((violation, scenario)) = &outcome.failure else {
            continue;
        };
        violations += 1;
        let reproducer = if swarm_args.shrink {
            shrink::shrink(scenario, violation).scenario
        } else {
            scenario.clone()
        };
        out!(
            "seed={} violation={} at_ms={} detail={:?} link={}",
            outcome.seed,
            violation.kind.name(),
            violation.at_us / 1_000,
            violation.detail,
            reproducer.to_link(DEFAULT_BASE)
        )?;
    }
    // Not failures, but runs the checker could not vouch for: worth naming, with a link to open
    // each one in the page or in `raft-sim run`.
    for &seed in &undecided {
        let scenario = swarm::generate(seed, &swarm_args.options);
        out!(
            "seed={seed} linearizability=undecided link={}",
            scenario.to_link(DEFAULT_BASE)
        )?;
    }
    out!(
        "seeds={} violations={violations} linearizability_undecided={} events={events} events_per_sec={:.0} seconds={elapsed:.1}",
        outcomes.len(),
        undecided.len(),
        events as f64 / elapsed.max(1e-9)
    )?;
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_seed(seed: u64, options: &SwarmOptions, linearizability_budget: u64) -> SeedOutcome {
    let scenario = swarm::generate(seed, options);
    let checked = run::run_within(&scenario, linearizability_budget);
    SeedOutcome {
        seed,
        undecided: checked.violations.is_empty() && checked.linearizable.is_none(),
        events: checked
            .simulation
            .as_ref()
            .map_or(0, Simulation::events_processed),
        failure: checked
            .violations
            .first()
            .cloned()
            .map(|violation| (violation, scenario)),
    }
}

fn command_shrink(args: &[String]) -> Result<ExitCode, String> {
    let scenario = load_scenario(one_argument(args, "scenario")?)?;
    let checked = run::run(&scenario);
    let Some(violation) = checked.violations.first() else {
        return Err("the scenario passes every check: nothing to shrink".to_string());
    };
    let shrunk = shrink::shrink(&scenario, violation);
    out!("{}", shrunk.scenario.to_json())?;
    out!("{}", shrunk.scenario.to_link(DEFAULT_BASE))?;
    eprintln!(
        "shrunk in {} runs; it still fails with {}",
        shrunk.attempts,
        violation.kind.name()
    );
    Ok(ExitCode::from(1))
}

fn command_link(args: &[String]) -> Result<ExitCode, String> {
    let (file, base) = match args {
        [file] => (file, DEFAULT_BASE),
        [file, flag, base] if flag == "--base" => (file, base.as_str()),
        _ => return Err("usage: raft-sim link FILE [--base URL]".to_string()),
    };
    let text =
        std::fs::read_to_string(file).map_err(|error| format!("cannot read {file:?}: {error}"))?;
    let scenario = Scenario::from_json(&text).map_err(|error| error.to_string())?;
    let link = scenario.to_link(base);
    if let Some(problem) = Scenario::link_too_long(&link) {
        return Err(format!(
            "{file:?} does not fit in a link, which would not open: {problem}; share the file itself"
        ));
    }
    out!("{link}")?;
    Ok(ExitCode::SUCCESS)
}

fn command_export(args: &[String]) -> Result<ExitCode, String> {
    let link = one_argument(args, "link")?;
    if std::path::Path::new(link).is_file() {
        return Err(format!(
            "{link:?} is a file, and export takes a link (`raft-sim link FILE` makes one)"
        ));
    }
    let scenario = Scenario::from_link(link).map_err(|error| error.to_string())?;
    out!("{}", scenario.to_json())?;
    Ok(ExitCode::SUCCESS)
}

/// The fixed benchmark workload: 5 nodes, 200 writes and 100 reads a second, 60 s of virtual
/// time, default timing and snapshots.
pub const BENCH_SCENARIO: &str = r#"{"format": 1, "seed": 1, "nodes": 5,
  "workload": {"writes_per_sec": 200, "reads_per_sec": 100, "keys": 10},
  "until_ms": 60000}"#;

/// How many times the bench runs its workload: one run takes a third of a second, short enough
/// for a busy or frequency-scaling machine to skew it, so the median of several is reported.
const BENCH_RUNS: usize = 7;

fn command_bench() -> Result<ExitCode, String> {
    let scenario = Scenario::from_json(BENCH_SCENARIO).map_err(|error| error.to_string())?;
    let mut seconds = Vec::with_capacity(BENCH_RUNS);
    let mut outcome = (0, 0, 0);
    for _ in 0..BENCH_RUNS {
        let mut simulation = Simulation::new(&scenario);
        let started = Instant::now();
        simulation.run();
        seconds.push(started.elapsed().as_secs_f64().max(1e-9));
        let committed = simulation
            .servers()
            .filter_map(|server| server.raft.as_ref().map(|raft| raft.commit_index()))
            .max()
            .unwrap_or(0);
        let run = (
            simulation.events_processed(),
            committed,
            simulation.violations().len(),
        );
        // Deterministic: every run of the workload is the same run.
        assert!(outcome == (0, 0, 0) || outcome == run, "bench runs differ");
        outcome = run;
    }
    let (events, committed, violations) = outcome;
    seconds.sort_by(f64::total_cmp);
    let median = seconds[BENCH_RUNS / 2];
    let (fastest, slowest) = (seconds[0], seconds[BENCH_RUNS - 1]);
    out!(
        "bench: nodes=5 virtual_seconds=60 runs={BENCH_RUNS} events={events} committed_entries={committed} median_wall_seconds={median:.3} events_per_sec={:.0} (range {:.0}..{:.0}) us_per_committed_entry={:.1} violations={violations}",
        events as f64 / median,
        events as f64 / slowest,
        events as f64 / fastest,
        median * 1e6 / committed.max(1) as f64,
    )?;
    Ok(ExitCode::SUCCESS)
}
