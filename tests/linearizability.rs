//! Our linearizability checker against a published one, `todc-utils`'s `WGLChecker` (Wing & Gong
//! with Lowe's memoization, after Horn and Kroening), on thousands of random histories (made in
//! `linearizability/generate.rs`); the shrinker's counterexamples, checked with it to fail and to
//! be minimal under the shrinker's rules (restated in `linearizability/rules.rs`); and our
//! checker's speed on a history of the size a run produces, generated or simulated.
//!
//! todc-utils checks one object whose sequential specification we write (in
//! `linearizability/reference.rs`), independently of the checker under test: a register of
//! `Option<String>` with reads, writes (a delete writes `None`) and compare-and-set. It needs
//! complete histories, so an operation that was never answered (outcome `Unknown`) is given an
//! answer after every other event: linearizing it last is the same as leaving it out, and its
//! specification accepts it from any state. Failed operations and unanswered reads are left out,
//! as our semantics say. Each key is checked separately and the history passes if every key does.

#![cfg(not(target_arch = "wasm32"))]

#[path = "linearizability/generate.rs"]
mod generate;
#[path = "linearizability/reference.rs"]
mod reference;
#[path = "linearizability/rules.rs"]
mod rules;

use std::time::Instant;

use generate::{
    Random, Shape, medium_history, model_history, small_history, unique_write_history,
    unique_write_history_with_compare_and_set,
};
use raft_playground::check::linearizability::{Operation, OperationKind, Outcome, Verdict, check};
use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;
use reference::reference_linearizable;
use rules::{keeps_writers, removal_is_safe};

const COMPARED_HISTORIES: u64 = 10_000;

#[test]
fn agrees_with_todc_utils_on_random_small_histories() {
    let mut failing = 0;
    let mut with_unanswered_write = 0;
    let mut with_unanswered_compare_and_set = 0;
    for seed in 0..COMPARED_HISTORIES {
        let history = small_history(seed);
        let unanswered = |operation: &&Operation| operation.outcome == Outcome::Unknown;
        let unanswered_kinds: Vec<&OperationKind> = history
            .iter()
            .filter(unanswered)
            .map(|operation| &operation.kind)
            .collect();
        if unanswered_kinds
            .iter()
            .any(|kind| matches!(kind, OperationKind::Write { .. } | OperationKind::Delete))
        {
            with_unanswered_write += 1;
        }
        if unanswered_kinds
            .iter()
            .any(|kind| matches!(kind, OperationKind::CompareAndSet { .. }))
        {
            with_unanswered_compare_and_set += 1;
        }
        let expected = reference_linearizable(&history);
        let verdict = check(&history, 1_000_000);
        match &verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable { .. } => failing += 1,
            Verdict::Inconclusive { .. } => panic!("seed {seed}: inconclusive on {history:#?}"),
        }
        assert_eq!(
            verdict == Verdict::Linearizable,
            expected,
            "seed {seed}: we said {verdict:?}, todc-utils said linearizable: {expected}; \
             history {history:#?}"
        );
    }
    // Both kinds of verdict, and the operations without an answer, are well represented, so
    // agreement means something.
    assert!(
        (COMPARED_HISTORIES / 5..COMPARED_HISTORIES * 4 / 5).contains(&failing),
        "{failing} of {COMPARED_HISTORIES} histories failed"
    );
    assert!(
        with_unanswered_write > COMPARED_HISTORIES / 5
            && with_unanswered_compare_and_set > COMPARED_HISTORIES / 20,
        "{with_unanswered_write} with an unanswered write, \
         {with_unanswered_compare_and_set} with an unanswered compare-and-set"
    );
    println!(
        "{COMPARED_HISTORIES} histories: {failing} not linearizable, {with_unanswered_write} \
         with an unanswered write or delete, {with_unanswered_compare_and_set} with an \
         unanswered compare-and-set"
    );
}

const COMPARED_MEDIUM_HISTORIES: u64 = 2_000;

#[test]
fn agrees_with_todc_utils_on_random_medium_histories() {
    let failing = assert_agrees(COMPARED_MEDIUM_HISTORIES, medium_history, 10_000_000);
    println!("{COMPARED_MEDIUM_HISTORIES} medium histories: {failing} not linearizable");
}

/// Histories of writes nobody may read (see `search.rs`): the search places them only just
/// before the write that hides them, which must lose no linearization.
#[test]
fn agrees_with_todc_utils_on_random_histories_of_unique_writes() {
    let failing = assert_agrees(COMPARED_HISTORIES, unique_write_history, 1_000_000);
    println!("{COMPARED_HISTORIES} histories of unique writes: {failing} not linearizable");
}

/// The same with compare-and-sets: a failed one may need a write nobody read, which then must
/// not be placed only just before the write that hides it.
#[test]
fn agrees_with_todc_utils_on_random_histories_of_unique_writes_and_compare_and_sets() {
    let failing = assert_agrees(
        COMPARED_HISTORIES,
        unique_write_history_with_compare_and_set,
        1_000_000,
    );
    println!(
        "{COMPARED_HISTORIES} histories of unique writes and compare-and-sets: {failing} not linearizable"
    );
}

/// Checks the histories of seeds `0..count` with `budget` steps each: every one is decided,
/// as todc-utils decides it, and between a fifth and four fifths are not linearizable, so
/// that agreement means something. Returns how many are not.
fn assert_agrees(count: u64, generate: fn(u64) -> Vec<Operation>, budget: u64) -> u64 {
    let mut failing = 0;
    for seed in 0..count {
        let history = generate(seed);
        let expected = reference_linearizable(&history);
        let verdict = check(&history, budget);
        assert!(
            !matches!(verdict, Verdict::Inconclusive { .. }),
            "seed {seed}: inconclusive"
        );
        failing += u64::from(verdict != Verdict::Linearizable);
        assert_eq!(
            verdict == Verdict::Linearizable,
            expected,
            "seed {seed}: we said {verdict:?}, todc-utils said linearizable: {expected}; \
             history {history:#?}"
        );
    }
    assert!(
        (count / 5..count * 4 / 5).contains(&failing),
        "{failing} of {count} histories failed"
    );
    failing
}

#[test]
fn counterexamples_fail_for_todc_utils_and_are_minimal() {
    let mut checked = 0;
    let small = (0..COMPARED_HISTORIES).map(|seed| (seed, small_history(seed)));
    let medium = (0..COMPARED_MEDIUM_HISTORIES).map(|seed| (seed, medium_history(seed)));
    let unique = (0..COMPARED_HISTORIES).map(|seed| (seed, unique_write_history(seed)));
    let unique_cas =
        (0..COMPARED_HISTORIES).map(|seed| (seed, unique_write_history_with_compare_and_set(seed)));
    for (seed, history) in small.chain(medium).chain(unique).chain(unique_cas) {
        let Verdict::NotLinearizable {
            key,
            counterexample,
            ..
        } = check(&history, 1_000_000)
        else {
            continue;
        };
        checked += 1;
        let sub_history = |ids: &[u64]| -> Vec<Operation> {
            history
                .iter()
                .filter(|operation| operation.key == key && ids.contains(&operation.id))
                .cloned()
                .collect()
        };
        let failing = sub_history(&counterexample);
        assert_eq!(
            failing.len(),
            counterexample.len(),
            "seed {seed}: unknown ids"
        );
        assert!(
            !reference_linearizable(&failing),
            "seed {seed}: {failing:#?} passes"
        );
        let whole: Vec<Operation> = history
            .iter()
            .filter(|operation| operation.key == key)
            .cloned()
            .collect();
        for removed in &failing {
            let rest: Vec<Operation> = failing
                .iter()
                .filter(|operation| operation.id != removed.id)
                .cloned()
                .collect();
            assert!(
                reference_linearizable(&rest)
                    || !keeps_writers(&whole, &rest)
                    || !removal_is_safe(removed, &rest),
                "seed {seed}: still fails without operation {}: {rest:#?}",
                removed.id
            );
        }
    }
    assert!(checked > 1_000, "only {checked} counterexamples checked");
}

// ---------------------------------------------------------------------------------------------
// Speed on a run-sized history.

const RUN: Shape = Shape {
    keys: &["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"],
    values: &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
    clients: 6,
    operations: 2_000,
    latency_us: 3_000,
    pause_us: 2_000,
    unanswered_percent: 10,
    unique_values: false,
    compare_and_set: true,
    compare_and_set_recent: false,
};

/// The same run with every write's value its own.
const RUN_UNIQUE_VALUES: Shape = Shape {
    unique_values: true,
    ..RUN
};

#[test]
fn checks_a_two_thousand_operation_history_quickly() {
    for shape in [&RUN, &RUN_UNIQUE_VALUES] {
        let history = model_history(&mut Random(7), shape);
        let started = Instant::now();
        // A tight budget: a checker that backtracked much would run out of it.
        let verdict = check(&history, 40 * shape.operations);
        let elapsed = started.elapsed();
        println!(
            "2,000 operations over 8 keys, unique values {}: {verdict:?} in {elapsed:?}",
            shape.unique_values
        );
        assert_eq!(verdict, Verdict::Linearizable);
        assert!(
            reference_linearizable(&history),
            "the generator made a bad history"
        );
    }
}

/// A run-sized history with one stale read: late in the run, a read of key `k3` returns the
/// value an earlier read of it returned, after the key changed. Returns it and the read's id.
fn with_stale_read(shape: &Shape) -> (Vec<Operation>, u64) {
    let mut history = model_history(&mut Random(7), shape);
    let middle_us = history[history.len() / 2].invoke_us;
    let reads: Vec<usize> = (0..history.len())
        .filter(|&index| {
            let operation = &history[index];
            operation.key == "k3"
                && matches!(operation.outcome, Outcome::Read(Some(_)))
                && operation.invoke_us > middle_us
        })
        .collect();
    let first_value = history[reads[0]].outcome.clone();
    let last = *reads
        .iter()
        .rev()
        .find(|&&index| history[index].outcome != first_value)
        .expect("the key changed");
    history[last].outcome = first_value;
    let id = history[last].id;
    (history, id)
}

#[test]
fn finds_and_shrinks_a_stale_read_in_a_two_thousand_operation_history() {
    for shape in [&RUN, &RUN_UNIQUE_VALUES] {
        let (history, stale_read) = with_stale_read(shape);
        let started = Instant::now();
        let verdict = check(&history, 5_000_000);
        let elapsed = started.elapsed();
        println!(
            "stale read in 2,000 operations, unique values {}: {verdict:?} in {elapsed:?}",
            shape.unique_values
        );
        let Verdict::NotLinearizable {
            key,
            counterexample,
            explanation,
        } = verdict
        else {
            panic!("the stale read must be found: {verdict:?}");
        };
        assert_eq!(key, "k3");
        assert!(counterexample.contains(&stale_read), "{explanation}");
        // With repeated values, unanswered writes of values that operations kept found may
        // explain them, so they cannot be removed safely.
        let size_max = if shape.unique_values { 4 } else { 30 };
        assert!(counterexample.len() <= size_max, "{explanation}");
        assert!(
            explanation.contains("No smaller part shows the problem"),
            "{explanation}"
        );
    }
}

/// The steps the page lets `state()` spend on a history (`src/ui/api.rs`).
const PAGE_BUDGET: u64 = 500_000;

/// A key as busy as the page's workload sliders make one: five nodes serve 100 writes (a fifth of
/// them compare-and-sets) and 100 reads a second on it, through a crash, a partition and lossy
/// links. The writes sent while no leader is elected are committed in a burst, in an order that
/// only reads answered long after tell. Before the search dropped orders that lose a value for
/// good (`search.rs`), this one was undecided after 50 million steps.
#[test]
fn a_busy_key_through_crashes_and_partitions_is_decided_within_the_pages_budget() {
    assert_busy_key_decided(3, 5, (100, 100, 20));
}

/// Seven nodes and writes only, 250 a second, 30% of them compare-and-sets: nothing reads, and
/// compare-and-sets that found the key absent tell the order. A key left absent is deleted
/// again only much later, too late for them: before the search saw that, this one was
/// undecided after 5 million steps.
#[test]
fn a_busy_key_of_writes_and_compare_and_sets_is_decided_within_the_pages_budget() {
    assert_busy_key_decided(23, 7, (250, 0, 30));
}

/// Runs `nodes` nodes for a minute with the workload `(writes, reads, compare-and-set percent)`
/// a second on one key, lossy links, a crash and a partition, and checks that the history is
/// linearizable within the page's budget.
fn assert_busy_key_decided(seed: u64, nodes: u8, (writes, reads, cas_percent): (u32, u32, u8)) {
    let scenario = Scenario::from_json(&format!(
        r#"{{"format": 1, "seed": {seed}, "nodes": {nodes},
            "config": {{"loss": 0.05, "duplicate": 0.05}},
            "workload": {{"writes_per_sec": {writes}, "reads_per_sec": {reads}, "keys": 1,
                          "cas_percent": {cas_percent}}},
            "timeline": [
              {{"at_ms": 5000, "do": "crash", "node": 1}},
              {{"at_ms": 9000, "do": "restart", "node": 1}},
              {{"at_ms": 15000, "do": "partition", "groups": [[1, 2], [3, 4, 5]]}},
              {{"at_ms": 22000, "do": "heal"}}],
            "until_ms": 60000}}"#
    ))
    .expect("a valid scenario");
    let mut simulation = Simulation::new(&scenario);
    simulation.run();
    let history = simulation.linearizability_history();
    assert!(history.len() > 10_000, "{} operations", history.len());
    let started = Instant::now();
    let verdict = check(&history, PAGE_BUDGET);
    println!(
        "{} operations on one busy key: {verdict:?} in {:?}",
        history.len(),
        started.elapsed()
    );
    assert_eq!(verdict, Verdict::Linearizable);
}
