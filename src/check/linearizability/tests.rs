//! Hand-written histories, each small enough to check by hand; the budget and the shrinker are
//! in `budget_and_shrinking`. The comparison with a published checker on random histories is in
//! `tests/linearizability.rs`.

mod budget_and_shrinking;

use super::*;

const BUDGET: u64 = 1_000_000;

fn operation(id: u64, client: u64, key: &str, span: (u64, u64), kind: OperationKind) -> Operation {
    let outcome = match &kind {
        OperationKind::Read => Outcome::Read(None),
        OperationKind::Write { .. } => Outcome::Written,
        OperationKind::Delete => Outcome::Deleted,
        OperationKind::CompareAndSet { .. } => Outcome::CompareAndSet { succeeded: true },
    };
    Operation {
        id,
        client_id: client,
        key: key.to_string(),
        invoke_us: span.0,
        complete_us: Some(span.1),
        kind,
        outcome,
    }
}

fn write(id: u64, client: u64, value: &str, span: (u64, u64)) -> Operation {
    let value = value.to_string();
    operation(id, client, "x", span, OperationKind::Write { value })
}

fn read(id: u64, client: u64, observed: Option<&str>, span: (u64, u64)) -> Operation {
    let mut read = operation(id, client, "x", span, OperationKind::Read);
    read.outcome = Outcome::Read(observed.map(str::to_string));
    read
}

fn delete(id: u64, client: u64, span: (u64, u64)) -> Operation {
    operation(id, client, "x", span, OperationKind::Delete)
}

fn cas(id: u64, client: u64, change: (Option<&str>, Option<&str>), span: (u64, u64)) -> Operation {
    let kind = OperationKind::CompareAndSet {
        expected: change.0.map(str::to_string),
        new: change.1.map(str::to_string),
    };
    operation(id, client, "x", span, kind)
}

fn failed_cas(
    id: u64,
    client: u64,
    change: (Option<&str>, Option<&str>),
    span: (u64, u64),
) -> Operation {
    with_outcome(
        cas(id, client, change, span),
        Outcome::CompareAndSet { succeeded: false },
    )
}

fn with_outcome(mut operation: Operation, outcome: Outcome) -> Operation {
    operation.outcome = outcome;
    operation
}

fn on_key(mut operation: Operation, key: &str) -> Operation {
    operation.key = key.to_string();
    operation
}

fn assert_linearizable(history: &[Operation]) {
    assert_eq!(
        check(history, BUDGET),
        Verdict::Linearizable,
        "{history:#?}"
    );
}

/// Asserts the history fails on `key` with exactly `ids` as counterexample, and returns the
/// explanation.
fn assert_fails(history: &[Operation], key: &str, ids: &[u64]) -> String {
    match check(history, BUDGET) {
        Verdict::NotLinearizable {
            key: failed_key,
            counterexample,
            explanation,
        } => {
            assert_eq!(
                (failed_key.as_str(), counterexample.as_slice()),
                (key, ids),
                "{explanation}"
            );
            explanation
        }
        other => panic!("expected a failure on {key:?}, got {other:?} for {history:#?}"),
    }
}

#[test]
fn empty_history_is_linearizable_even_without_budget() {
    assert_eq!(check(&[], 0), Verdict::Linearizable);
}

#[test]
fn sequential_history_following_the_register_rules_is_linearizable() {
    assert_linearizable(&[
        read(1, 1, None, (0, 10)),
        write(2, 1, "1", (20, 30)),
        read(3, 2, Some("1"), (40, 50)),
        cas(4, 1, (Some("1"), Some("2")), (60, 70)),
        failed_cas(5, 2, (Some("1"), Some("3")), (80, 90)),
        read(6, 2, Some("2"), (100, 110)),
        delete(7, 1, (120, 130)),
        read(8, 1, None, (140, 150)),
        cas(9, 2, (None, Some("4")), (160, 170)),
        read(10, 1, Some("4"), (180, 190)),
    ]);
}

#[test]
fn stale_read_after_a_completed_overwrite_fails() {
    let explanation = assert_fails(
        &[
            write(1, 1, "1", (0, 10)),
            write(2, 1, "2", (20, 30)),
            read(3, 2, Some("1"), (40, 50)),
        ],
        "x",
        &[1, 2, 3],
    );
    assert!(
        explanation.contains("already been overwritten"),
        "{explanation}"
    );
    assert!(explanation.contains("0.040 ms"), "{explanation}");
}

#[test]
fn read_of_absent_key_after_a_completed_write_fails() {
    let explanation = assert_fails(
        &[write(1, 1, "1", (0, 10)), read(2, 2, None, (20, 30))],
        "x",
        &[1, 2],
    );
    assert!(
        explanation.contains("no listed operation deletes the key"),
        "{explanation}"
    );
}

#[test]
fn read_overlapping_a_write_may_see_either_value_but_not_go_back() {
    assert_linearizable(&[
        write(1, 1, "1", (0, 100)),
        read(2, 2, None, (10, 20)),
        read(3, 2, Some("1"), (30, 40)),
    ]);
    assert_fails(
        &[
            write(1, 1, "1", (0, 100)),
            read(2, 2, Some("1"), (10, 20)),
            read(3, 2, None, (30, 40)),
        ],
        "x",
        &[1, 2, 3],
    );
}

#[test]
fn answer_at_the_instant_of_another_call_is_concurrent_with_it() {
    assert_linearizable(&[write(1, 1, "1", (0, 10)), read(2, 2, None, (10, 20))]);
    assert_fails(
        &[write(1, 1, "1", (0, 10)), read(2, 2, None, (11, 20))],
        "x",
        &[1, 2],
    );
}

#[test]
fn concurrent_writes_may_take_effect_in_reverse_call_order() {
    assert_linearizable(&[
        write(1, 1, "1", (0, 100)),
        write(2, 2, "2", (1, 100)),
        write(3, 3, "3", (2, 100)),
        read(4, 4, Some("3"), (10, 20)),
        read(5, 4, Some("2"), (30, 40)),
        read(6, 4, Some("1"), (50, 60)),
    ]);
}

#[test]
fn two_readers_seeing_concurrent_writes_in_opposite_orders_fail() {
    // Client 3 sees "1" then "2", so "1" took effect first; client 4 sees the opposite.
    let history = [
        write(1, 1, "1", (0, 100)),
        write(2, 2, "2", (0, 100)),
        read(3, 3, Some("1"), (10, 20)),
        read(4, 4, Some("2"), (10, 20)),
        read(5, 3, Some("2"), (30, 40)),
        read(6, 4, Some("1"), (30, 40)),
    ];
    assert_fails(&history, "x", &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn compare_and_set_succeeds_only_when_it_finds_the_expected_value() {
    // Both succeed on an absent key, one after the other.
    assert_fails(
        &[
            cas(1, 1, (None, Some("a")), (0, 10)),
            cas(2, 2, (None, Some("b")), (20, 30)),
        ],
        "x",
        &[1, 2],
    );
    // Both succeed concurrently: still only one can find the key absent.
    assert_fails(
        &[
            cas(1, 1, (None, Some("a")), (0, 30)),
            cas(2, 2, (None, Some("b")), (10, 20)),
        ],
        "x",
        &[1, 2],
    );
    // One wins, the other loses: fine, whichever order the clients saw.
    assert_linearizable(&[
        cas(1, 1, (None, Some("a")), (0, 30)),
        failed_cas(2, 2, (None, Some("b")), (10, 20)),
        read(3, 2, Some("a"), (40, 50)),
    ]);
    // A compare-and-set that sets nothing deletes the key.
    assert_linearizable(&[
        write(1, 1, "a", (0, 10)),
        cas(2, 1, (Some("a"), None), (20, 30)),
        read(3, 2, None, (40, 50)),
    ]);
}

#[test]
fn compare_and_set_that_failed_while_its_expected_value_held_fails() {
    assert_fails(
        &[
            write(1, 1, "1", (0, 10)),
            failed_cas(2, 2, (Some("1"), Some("2")), (20, 30)),
        ],
        "x",
        &[1, 2],
    );
    assert_fails(&[failed_cas(1, 1, (None, Some("2")), (0, 10))], "x", &[1]);
}

#[test]
fn compare_and_set_that_found_a_value_nothing_wrote_fails_on_its_own() {
    let explanation = assert_fails(
        &[
            write(1, 1, "1", (0, 10)),
            cas(2, 2, (Some("7"), Some("8")), (20, 30)),
            read(3, 1, Some("8"), (40, 50)),
        ],
        "x",
        &[2],
    );
    assert!(
        explanation.contains("no operation on this key wrote \"7\""),
        "{explanation}"
    );
}

#[test]
fn unanswered_write_may_take_effect_after_the_client_gave_up() {
    // The client timed out at 5 µs; the write still lands between the two reads.
    assert_linearizable(&[
        with_outcome(write(1, 1, "1", (0, 5)), Outcome::Unknown),
        read(2, 2, None, (10, 20)),
        read(3, 2, Some("1"), (30, 40)),
    ]);
    // It may even land after a write that was called, and answered, after it.
    assert_linearizable(&[
        with_outcome(write(1, 1, "1", (0, 5)), Outcome::Unknown),
        write(2, 2, "2", (10, 20)),
        read(3, 3, Some("2"), (30, 40)),
        read(4, 3, Some("1"), (50, 60)),
    ]);
}

#[test]
fn unanswered_write_may_never_take_effect() {
    let history = vec![
        write(1, 1, "1", (0, 10)),
        with_outcome(write(2, 1, "2", (20, 25)), Outcome::Unknown),
        read(3, 2, Some("1"), (30, 40)),
        read(4, 2, Some("1"), (500, 510)),
    ];
    assert_linearizable(&history);
    // A read of "2" elsewhere and a failed compare-and-set keep the write in the search rather
    // than letting preparation drop it as unobservable; it must still be allowed to vanish.
    let mut observed = history;
    observed.push(failed_cas(5, 3, (Some("9"), Some("10")), (0, 600)));
    observed.push(on_key(read(6, 3, Some("2"), (700, 710)), "y"));
    observed.push(on_key(write(7, 3, "2", (600, 650)), "y"));
    assert_linearizable(&observed);
}

#[test]
fn unanswered_write_not_needed_early_stays_available_for_later() {
    // Ordering the concurrent read before the write of "1" needs the unanswered write early,
    // and that order then fails for lack of it at the end; ordering them the other way keeps
    // it for the final read. (A search that pruned the second order as "already explored"
    // would call this history broken.)
    assert_linearizable(&[
        with_outcome(write(1, 1, "1", (0, 2)), Outcome::Unknown),
        read(2, 2, Some("1"), (1, 10)),
        write(3, 3, "1", (1, 10)),
        delete(4, 3, (20, 30)),
        read(5, 2, Some("1"), (40, 50)),
    ]);
}

#[test]
fn unanswered_write_cannot_take_effect_before_its_call() {
    let explanation = assert_fails(
        &[
            read(1, 1, Some("1"), (0, 10)),
            with_outcome(write(2, 2, "1", (20, 30)), Outcome::Unknown),
        ],
        "x",
        &[1, 2],
    );
    assert!(
        explanation.contains("only called at 0.020 ms"),
        "{explanation}"
    );
}

#[test]
fn unanswered_write_takes_effect_at_most_once() {
    assert_fails(
        &[
            write(1, 1, "1", (0, 10)),
            with_outcome(write(2, 1, "2", (20, 25)), Outcome::Unknown),
            read(3, 2, Some("2"), (30, 40)),
            read(4, 2, Some("1"), (50, 60)),
        ],
        "x",
        &[1, 2, 3, 4],
    );
}

#[test]
fn explanation_does_not_call_a_read_stale_when_an_unanswered_write_explains_its_value() {
    // The client gave up on the second write of "1" at 15 µs, before the write of "2" was
    // called, but the write may have taken effect later; the read of "2" is what fails.
    let history = [
        write(1, 1, "1", (0, 10)),
        with_outcome(write(2, 1, "1", (12, 15)), Outcome::Unknown),
        write(3, 2, "2", (20, 30)),
        read(4, 3, Some("1"), (40, 50)),
        read(5, 3, Some("2"), (60, 70)),
    ];
    let explanation = assert_fails(&history, "x", &[2, 3, 4, 5]);
    assert!(!explanation.contains("overwritten"), "{explanation}");
}

#[test]
fn unanswered_compare_and_set_may_or_may_not_take_effect() {
    let unanswered = with_outcome(
        cas(2, 2, (Some("1"), Some("2")), (20, 25)),
        Outcome::Unknown,
    );
    assert_linearizable(&[
        write(1, 1, "1", (0, 10)),
        unanswered.clone(),
        read(3, 1, Some("1"), (30, 40)),
        read(4, 1, Some("2"), (50, 60)),
    ]);
    assert_linearizable(&[
        write(1, 1, "1", (0, 10)),
        unanswered.clone(),
        read(3, 1, Some("1"), (50, 60)),
    ]);
    // But it only takes effect where it finds its expected value.
    assert_fails(
        &[
            write(1, 1, "3", (0, 10)),
            unanswered,
            read(3, 1, Some("2"), (50, 60)),
        ],
        "x",
        &[2, 3],
    );
}

#[test]
fn answered_operation_without_an_answer_time_is_answered_last() {
    // Answered at 5 µs, the read would come before the write of its value; answered at an
    // unknown time, it may come after it.
    let early_read = read(1, 1, Some("1"), (0, 5));
    let writes = [write(2, 2, "1", (10, 20)), write(3, 2, "2", (30, 40))];
    assert_fails(&[early_read.clone(), writes[0].clone()], "x", &[1, 2]);
    let mut unknown_time = early_read;
    unknown_time.complete_us = None;
    let mut history = vec![unknown_time];
    history.extend(writes);
    assert_linearizable(&history);
}

#[test]
fn failed_and_unanswered_reads_are_ignored_and_failed_writes_never_take_effect() {
    assert_linearizable(&[
        with_outcome(write(1, 1, "1", (0, 10)), Outcome::Failed),
        with_outcome(read(2, 2, Some("5"), (0, 10)), Outcome::Failed),
        with_outcome(read(3, 2, None, (12, 15)), Outcome::Unknown),
        read(4, 2, None, (20, 30)),
    ]);
    assert_linearizable(&[
        write(1, 1, "1", (0, 10)),
        with_outcome(read(2, 2, None, (20, 25)), Outcome::Unknown),
    ]);
    let explanation = assert_fails(
        &[
            with_outcome(write(1, 1, "1", (0, 10)), Outcome::Failed),
            read(2, 2, Some("1"), (20, 30)),
        ],
        "x",
        &[2],
    );
    assert!(
        explanation.contains("failed write by client 1"),
        "{explanation}"
    );
}

#[test]
fn keys_are_checked_independently_and_in_key_order() {
    // Merged into one register, the read would be stale.
    assert_linearizable(&[
        write(1, 1, "1", (0, 10)),
        on_key(read(2, 2, None, (20, 30)), "y"),
    ]);
    let stale_on = |key: &str, first_id: u64| {
        vec![
            on_key(write(first_id, 1, "1", (0, 10)), key),
            on_key(write(first_id + 1, 1, "2", (20, 30)), key),
            on_key(read(first_id + 2, 2, Some("1"), (40, 50)), key),
        ]
    };
    let mut history = stale_on("b", 1);
    history.extend(stale_on("a", 4));
    history.push(on_key(write(7, 3, "1", (0, 10)), "c"));
    assert_fails(&history, "a", &[4, 5, 6]);
    history.retain(|operation| operation.key != "a");
    assert_fails(&history, "b", &[1, 2, 3]);
}

#[test]
fn malformed_operations_are_reported_not_checked() {
    let explanation = assert_fails(
        &[
            write(1, 1, "1", (0, 10)),
            with_outcome(read(2, 1, None, (20, 30)), Outcome::Written),
        ],
        "x",
        &[2],
    );
    assert!(explanation.contains("malformed"), "{explanation}");
    let explanation = assert_fails(&[write(1, 1, "1", (10, 5))], "x", &[1]);
    assert!(
        explanation.contains("before it was called"),
        "{explanation}"
    );
}
