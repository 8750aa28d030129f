//! The step budget, and the shrinker's counterexamples.

use super::*;

#[test]
fn verdict_does_not_depend_on_the_order_of_the_history() {
    let mut history = noisy_stale_read();
    let forward = check(&history, BUDGET);
    history.reverse();
    assert_eq!(check(&history, BUDGET), forward);
    history.swap(0, 7);
    assert_eq!(check(&history, BUDGET), forward);
}

/// `count` writes all overlapping, each value read while they are under way (so none can be
/// placed as an unseen write), then two sequential reads of two of the values with nothing
/// written between them: not linearizable, but only after trying the writes' orders.
fn pathological(count: u64, key: &str) -> Vec<Operation> {
    let mut history: Vec<Operation> = (1..=count)
        .map(|id| on_key(write(id, id, &id.to_string(), (10 * id, 10_000)), key))
        .collect();
    history.extend((1..=count).map(|value| {
        let id = count + value;
        on_key(
            read(id, id, Some(&value.to_string()), (10 * value + 5, 10_000)),
            key,
        )
    }));
    history.push(on_key(
        read(2 * count + 1, 0, Some("1"), (20_000, 20_010)),
        key,
    ));
    history.push(on_key(
        read(2 * count + 2, 0, Some("2"), (20_020, 20_030)),
        key,
    ));
    history
}

#[test]
fn pathological_history_is_inconclusive_within_the_budget() {
    let budget = 100_000;
    match check(&pathological(24, "x"), budget) {
        Verdict::Inconclusive { key, steps } => {
            assert_eq!(key, "x");
            assert!(steps <= budget, "{steps} steps spent of {budget}");
        }
        other => panic!("expected inconclusive, got {other:?}"),
    }
    // The same shape, small enough, is decided, and shrunk to its core.
    assert_fails(&pathological(6, "x"), "x", &[1, 2, 13, 14]);
    // No budget at all decides nothing.
    assert!(matches!(
        check(&pathological(2, "x"), 0),
        Verdict::Inconclusive { .. }
    ));
}

/// Sixteen reads of "a" overlap a write of "b" called before them all, and one more read of
/// "a" is called after the write was answered: not linearizable. To refute it, a search that
/// may place the write before any subset of the overlapping reads visits 2^16 configurations,
/// about a million steps; with reads taken as soon as they may come, a few hundred.
#[test]
fn reads_that_may_come_next_are_not_second_guessed() {
    let mut history = vec![write(1, 1, "a", (0, 10)), write(2, 2, "b", (20, 100))];
    history.extend((0..16).map(|n| read(3 + n, 3 + n, Some("a"), (21 + n, 100 + n))));
    history.push(read(19, 1, Some("b"), (200, 210)));
    assert_eq!(check(&history, 1_000), Verdict::Linearizable);
    history[17] = read(18, 18, Some("a"), (101, 150));
    assert_fails(&history, "x", &[1, 2, 18]);
}

/// Twenty writes overlap a write of "x", called after them and answered first; then each
/// value is read by a read called after that answer, and "x" by a read under way all along.
/// The search tries the twenty writes before "x" first (call order), and only the answers of
/// the reads, long after, show that at most one may come before it: a search that waited for
/// them would try the writes' 2^20 subsets. The first write to overwrite another loses a value
/// a read still needs, for good: that ends each subset at once.
#[test]
fn a_value_lost_for_good_ends_the_order_that_lost_it() {
    assert_eq!(
        check(&lost_values_history(20), 10_000),
        Verdict::Linearizable
    );
    // A later write that must follow them all, and then a read of "1": "1" is lost whichever
    // way they go. The read is called long after the answers where the search stopped, and
    // must stay in the counterexample all the same.
    let mut history = lost_values_history(5);
    history.push(write(400, 400, "y", (1_500, 1_600)));
    history.push(read(500, 500, Some("1"), (3_000, 3_010)));
    assert_fails(&history, "x", &[2, 400, 500]);
}

/// The same loss when a value will be written again, but too late. Twenty writes overlap a
/// compare-and-set that found the key absent, called after them and answered first; a failed
/// compare-and-set under way all along could see each write, so none is unseen, and nobody
/// reads them. The key is deleted again only long after. The first write placed before the
/// compare-and-set leaves the key absent with no delete left that can come in time: without
/// that, the search tried every subset of the writes before the compare-and-set.
#[test]
fn a_value_written_again_only_too_late_is_lost_too() {
    let count = 20;
    let mut history = vec![
        read(1, 0, Some("c"), (0, 2_000)),
        failed_cas(2, 0, (Some("z"), Some("q")), (0, 3_000)),
    ];
    history.extend((1..=count).map(|n| write(2 + n, n, &n.to_string(), (n, 1_000 + n))));
    history.push(cas(100, 100, (None, Some("c")), (count + 1, 100)));
    history.push(delete(101, 101, (5_000, 5_010)));
    assert_eq!(check(&history, 10_000), Verdict::Linearizable);
    // A delete called at the instant the compare-and-set is answered is in time: the only
    // order is 1, 2, 3.
    let history = vec![
        write(1, 1, "a", (0, 10)),
        delete(2, 2, (100, 200)),
        cas(3, 3, (None, Some("c")), (20, 100)),
    ];
    assert_linearizable(&history);
}

/// Two compare-and-sets that found the key absent each need a delete of their own, since the
/// first leaves the key holding its new value. With one delete called before the second one
/// answers, and the next long after, the key may leave "absent" only after the first of them.
/// Twenty writes nobody reads are called before both (a failed compare-and-set under way all
/// along keeps them from being unseen): placed first, each ends its order at once; without
/// that, the search tried every subset of them before the delete.
#[test]
fn compare_and_sets_that_found_the_key_absent_need_a_delete_each() {
    let count = 20;
    let mut history = vec![failed_cas(1, 0, (Some("z"), Some("q")), (0, 3_000))];
    history.extend((1..=count).map(|n| write(1 + n, n, &n.to_string(), (n, 1_000 + n))));
    history.extend([
        cas(100, 100, (None, Some("c")), (count + 1, 100)),
        cas(101, 101, (None, Some("d")), (count + 2, 2_000)),
        delete(102, 102, (30, 2_500)),
        delete(103, 103, (5_000, 5_010)),
    ]);
    assert_eq!(check(&history, 10_000), Verdict::Linearizable);
    // A second delete called at the instant the second compare-and-set is answered is in
    // time: the only order is 1, 2, 3, 4, 5.
    let history = vec![
        write(1, 1, "a", (0, 5)),
        delete(2, 2, (6, 100)),
        cas(3, 3, (None, Some("c")), (10, 100)),
        delete(4, 4, (200, 300)),
        cas(5, 5, (None, Some("d")), (150, 200)),
    ];
    assert_linearizable(&history);
}

/// Fifty compare-and-sets without an answer expect "a", which "b" overwrites at once; then a
/// thousand writes follow one another, each read back. Once "a" is gone for good, the
/// compare-and-sets can never take effect, and are dropped: kept, every configuration of the
/// long tail would try each of them again, a hundred steps apiece.
#[test]
fn compare_and_sets_that_can_never_take_effect_are_dropped() {
    let mut history = vec![write(1, 1, "a", (0, 10)), write(2, 2, "b", (20, 30))];
    history.extend((0..50).map(|n| {
        let new = format!("c{n}");
        let attempt = cas(3 + n, 3 + n, (Some("a"), Some(&new)), (15, 16));
        with_outcome(attempt, Outcome::Unknown)
    }));
    for n in 0..1_000 {
        let (value, start) = (format!("v{n}"), 100 + 20 * n);
        history.push(write(100 + 2 * n, 1, &value, (start, start + 5)));
        history.push(read(101 + 2 * n, 2, Some(&value), (start + 10, start + 15)));
    }
    assert_eq!(check(&history, 20_000), Verdict::Linearizable);
}

fn lost_values_history(count: u64) -> Vec<Operation> {
    let mut history = vec![read(1, 0, Some("x"), (0, 2_000))];
    history.extend((1..=count).map(|n| write(1 + n, n, &n.to_string(), (n, 1_000 + n))));
    history.push(write(100, 100, "x", (count + 1, 100)));
    history.extend(
        (1..=count).map(|n| read(200 + n, 200 + n, Some(&n.to_string()), (200 + n, 2_000 + n))),
    );
    history
}

/// Twenty writes overlap, and a later read finds the first one's value: it was placed last.
/// The other nineteen are never seen. A search that may place each of them at any point tries
/// their 2^19 subsets before the first write; placed just before the writes that overwrite
/// them, they cost a step each. Then the same with a second read, of a value overwritten by
/// then: not linearizable, refuted as fast.
#[test]
fn unseen_writes_are_placed_just_before_the_write_that_hides_them() {
    let mut history: Vec<Operation> = (1..=20)
        .map(|id| write(id, id, &id.to_string(), (id, 100)))
        .collect();
    history.push(read(21, 0, Some("1"), (200, 210)));
    assert_eq!(check(&history, 10_000), Verdict::Linearizable);
    history.push(read(22, 0, Some("2"), (220, 230)));
    assert_fails(&history, "x", &[1, 2, 21, 22]);
}

/// Write 4's value is never seen, so the search places it only just before a write or delete.
/// Here that is the unanswered delete 1, which compare-and-set 2 needs only because of write 4:
/// it found the key absent, and absent the key already is before write 4. The only order:
/// 3, 4, 1, 2, 5. (Write 4 must come before compare-and-set 5, and not between 2 and 5.)
#[test]
fn an_unseen_write_may_be_hidden_by_an_unanswered_delete() {
    let history = vec![
        with_outcome(delete(1, 1, (2, 25)), Outcome::Unknown),
        cas(2, 1, (None, Some("b")), (27, 49)),
        delete(3, 2, (35, 42)),
        write(4, 2, "c", (49, 61)),
        cas(5, 1, (Some("b"), Some("d")), (82, 114)),
    ];
    assert_linearizable(&history);
}

/// A failed compare-and-set can need a write nobody read: it failed because that write hid
/// its expected value. Then the write must be tried on its own place, here just before the
/// compare-and-set, which was answered at the instant the write was called: so it may come
/// after it.
#[test]
fn a_write_a_failed_compare_and_set_may_need_is_not_taken_as_unseen() {
    let history = vec![
        write(1, 1, "a", (0, 1)),
        failed_cas(2, 2, (Some("a"), Some("c")), (5, 10)),
        write(3, 3, "v", (10, 20)),
    ];
    assert_linearizable(&history);
}

/// The same where the compare-and-set comes after the write's answer, and is called at the
/// instant a read that must follow the write is answered: so it may come before that read, and
/// before the write of the value the read found. The only order: 1, 3, 2, 6, 4, 5. (Were "v"
/// taken as unseen, the search could place it on its own only after write 3, whose answer
/// comes first; but placing write 3 places every unseen write that may come next before it.)
#[test]
fn a_failed_compare_and_set_called_as_a_later_operation_answers_may_need_a_write() {
    let history = vec![
        write(1, 1, "a", (0, 1)),
        write(2, 2, "v", (2, 10)),
        write(3, 3, "a", (3, 9)),
        write(4, 3, "a", (12, 50)),
        read(5, 4, Some("a"), (15, 20)),
        failed_cas(6, 5, (Some("a"), Some("c")), (20, 30)),
    ];
    assert_linearizable(&history);
}

#[test]
fn a_costly_key_does_not_hide_a_failure_on_a_later_key() {
    let mut history = pathological(24, "a");
    history.extend([
        on_key(write(101, 1, "1", (0, 10)), "b"),
        on_key(read(102, 2, None, (20, 30)), "b"),
    ]);
    let Verdict::NotLinearizable {
        key,
        counterexample,
        ..
    } = check(&history, 100_000)
    else {
        panic!("key b fails plainly");
    };
    assert_eq!(
        (key.as_str(), counterexample.as_slice()),
        ("b", &[101, 102][..])
    );
    // Without the failure, the costly key is reported as inconclusive.
    history.truncate(history.len() - 1);
    assert!(matches!(check(&history, 100_000), Verdict::Inconclusive { key, .. } if key == "a"));
}

/// A stale read (operations 100, 101, 102) among sequential noise on the same key, all of it
/// linearizable on its own.
fn noisy_stale_read() -> Vec<Operation> {
    let mut history = Vec::new();
    for round in 0..20_u64 {
        let start = round * 100;
        let value = format!("n{round}");
        history.push(write(round * 2 + 1, 5, &value, (start, start + 10)));
        history.push(read(
            round * 2 + 2,
            6,
            Some(&value),
            (start + 20, start + 30),
        ));
    }
    history.push(write(100, 7, "1", (5000, 5010)));
    history.push(read(103, 8, Some("1"), (5001, 5100)));
    history.push(write(101, 7, "2", (5020, 5030)));
    history.push(read(102, 8, Some("1"), (5200, 5210)));
    history.push(on_key(write(104, 9, "1", (0, 5)), "other"));
    history
}

#[test]
fn shrinker_finds_the_stale_read_among_noise() {
    assert_fails(&noisy_stale_read(), "x", &[100, 101, 102]);
}

#[test]
fn shrunk_counterexample_fails_and_no_single_removal_keeps_it_failing_meaningfully() {
    let history = noisy_stale_read();
    let sub_history = |ids: &[u64]| -> Vec<Operation> {
        let kept = history
            .iter()
            .filter(|operation| ids.contains(&operation.id));
        kept.cloned().collect()
    };
    assert!(matches!(
        check(&sub_history(&[100, 101, 102]), BUDGET),
        Verdict::NotLinearizable { .. }
    ));
    // Without the overwrite or the stale read, the rest is fine.
    assert_eq!(
        check(&sub_history(&[100, 102]), BUDGET),
        Verdict::Linearizable
    );
    assert_eq!(
        check(&sub_history(&[100, 101]), BUDGET),
        Verdict::Linearizable
    );
    // Without the write of "1", the rest still fails, but only because nothing wrote "1": the
    // shrinker must keep the write that explains the read (operation 100, answered before the
    // read was, rather than nothing).
    assert_fails(&sub_history(&[101, 102]), "x", &[102]);
}

#[test]
fn shrinking_stops_at_the_budget_with_a_failing_history() {
    // The smallest budget that finds the failure leaves nothing to shrink it with.
    let history = noisy_stale_read();
    let (counterexample, explanation) = (0..10_000)
        .find_map(|budget| match check(&history, budget) {
            Verdict::NotLinearizable {
                counterexample,
                explanation,
                ..
            } => Some((counterexample, explanation)),
            _ => None,
        })
        .expect("10,000 steps find the failure");
    assert!(counterexample.len() > 3, "{counterexample:?}");
    assert!(explanation.contains("budget ran out"), "{explanation}");
    let sub_history: Vec<Operation> = history
        .iter()
        .filter(|operation| counterexample.contains(&operation.id))
        .cloned()
        .collect();
    assert!(matches!(
        check(&sub_history, BUDGET),
        Verdict::NotLinearizable { .. }
    ));
}
