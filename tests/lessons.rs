//! The built-in lessons (issue 6): each parses, its scenario is valid and replays clean
//! (safety and linearizability), every step resolves to a moment after the previous one, and
//! every expectation its captions promise holds there. Then the checker itself: a wrong
//! promise, a happening that never comes and a bug switch are all reported.

use std::collections::BTreeSet;

use raft_playground::check;
use raft_playground::lessons::{self, Expectation, Happening, Lesson, StepTime};
use raft_playground::raft::Bug;
use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;

/// The topics of issue 6, one lesson each, in the order the page lists them.
const REQUIRED_IDS: [&str; 11] = [
    "leader-election",
    "split-votes",
    "log-replication",
    "commit-rule-figure-8",
    "partition-minority",
    "crash-recovery",
    "log-compaction",
    "membership-change",
    "pre-vote-check-quorum",
    "linearizable-reads",
    "coordinated-backup",
];

fn lesson(id: &str) -> Lesson {
    lessons::by_id(id).unwrap_or_else(|| panic!("no lesson {id}"))
}

/// A lesson's JSON with `edit` applied, parsed again (to build broken lessons).
fn edited(id: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Result<Lesson, String> {
    let text = std::fs::read_to_string(format!("src/lessons/{id}.json")).expect("lesson file");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("lesson JSON");
    edit(&mut json);
    lessons::parse(&json.to_string())
}

#[test]
fn there_is_a_lesson_for_every_required_topic() {
    let all = lessons::all();
    assert!(all.len() >= 10, "at least ten lessons, got {}", all.len());
    let ids: Vec<&str> = all.iter().map(|lesson| lesson.id.as_str()).collect();
    assert_eq!(ids, REQUIRED_IDS);
    assert_eq!(
        lessons::ids(),
        REQUIRED_IDS,
        "ids() lists the files in order"
    );
    for lesson in &all {
        assert_eq!(lessons::by_id(&lesson.id).as_ref(), Some(lesson));
        assert_eq!(lesson.fragment(), format!("#lesson={}", lesson.id));
        assert!(!lesson.title.is_empty() && !lesson.summary.is_empty());
    }
    assert_eq!(lessons::by_id("no-such-lesson"), None);
}

#[test]
fn every_lesson_replays_clean_and_keeps_its_promises() {
    for lesson in lessons::all() {
        let id = &lesson.id;
        lesson
            .scenario
            .validate()
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        let checked = check::run::run(&lesson.scenario);
        assert!(
            checked.violations.is_empty(),
            "{id}: {:#?}",
            checked.violations
        );
        assert_eq!(
            checked.linearizable,
            Some(true),
            "{id}: linearizable history"
        );

        let resolved = lessons::check(&lesson).unwrap_or_else(|problem| panic!("{problem}"));
        assert_eq!(resolved.len(), lesson.steps.len(), "{id}");
        for (index, (step, at)) in lesson.steps.iter().zip(&resolved).enumerate() {
            assert_eq!(step.caption, at.caption);
            assert!(
                at.at_ms <= lesson.scenario.until_ms,
                "{id} step {}",
                index + 1
            );
            if let StepTime::At { at_ms } = step.time {
                assert_eq!(
                    at.at_ms,
                    at_ms,
                    "{id} step {}: a fixed step stays put",
                    index + 1
                );
            }
        }
        for pair in resolved.windows(2) {
            assert!(
                pair[0].at_ms < pair[1].at_ms,
                "{id}: step times increase ({} then {})",
                pair[0].at_ms,
                pair[1].at_ms
            );
        }
        for (index, step) in resolved.iter().enumerate() {
            assert_eq!(lessons::step_index_at(&resolved, step.at_ms), Some(index));
        }
        let end = lesson.scenario.until_ms;
        assert_eq!(
            lessons::step_index_at(&resolved, end),
            Some(resolved.len() - 1)
        );
        assert_eq!(
            lessons::resolve(&lesson),
            Ok(resolved),
            "{id}: the page's resolution agrees"
        );
    }
}

#[test]
fn every_lesson_has_captions_a_learner_can_use() {
    for lesson in lessons::all() {
        let id = &lesson.id;
        let cites = lesson
            .steps
            .iter()
            .any(|step| step.caption.contains('§') || step.caption.contains("Figure"));
        assert!(
            cites,
            "{id}: some caption names a section of the paper or thesis"
        );
        let last = lesson.steps.last().expect("a step");
        assert!(
            last.caption.starts_with("Now try it yourself"),
            "{id}: the last step hands over to the learner"
        );
        for step in &lesson.steps {
            let sentences = sentence_count(&step.caption);
            assert!(
                (1..=3).contains(&sentences),
                "{id}: 1 to 3 sentences: {:?}",
                step.caption
            );
        }
        let timed_by_events = lesson
            .steps
            .iter()
            .filter(|step| matches!(step.time, StepTime::When { .. }))
            .count();
        assert!(
            timed_by_events > 0,
            "{id}: some caption appears on an event"
        );
    }
}

/// Sentences end with a full stop, question or exclamation mark before a space or the end
/// (so "§5.2" and "1.17" do not end one).
fn sentence_count(caption: &str) -> usize {
    let chars: Vec<char> = caption.chars().collect();
    (0..chars.len())
        .filter(|&at| matches!(chars[at], '.' | '!' | '?'))
        .filter(|&at| chars.get(at + 1).is_none_or(|next| next.is_whitespace()))
        .count()
}

/// Each word of the vocabulary is used by some lesson, so each is checked against a real run.
#[test]
fn every_expectation_and_happening_is_used_by_a_lesson() {
    let mut used = BTreeSet::new();
    for lesson in lessons::all() {
        for step in &lesson.steps {
            if let StepTime::When { happening } = step.time {
                used.insert(happening.name());
            }
            for expectation in &step.expect {
                used.insert(expectation.name());
                // The form written in messages reads back as the same expectation.
                let json = expectation.to_string();
                assert_eq!(Expectation::from_json(&json).as_ref(), Ok(expectation));
            }
        }
    }
    for name in Happening::ALL.map(Happening::name) {
        assert!(used.contains(name), "no lesson uses the happening {name}");
    }
    for name in Expectation::NAMES {
        assert!(used.contains(name), "no lesson uses the expectation {name}");
    }
}

#[test]
fn a_wrong_promise_is_reported_with_the_lesson_step_and_expectation() {
    let wrong = edited("leader-election", |json| {
        json["steps"][2]["expect"] = serde_json::json!([{"leader": 2}]);
    })
    .expect("still a valid lesson");
    let problem = lessons::check(&wrong).expect_err("node 1 wins, not node 2");
    assert!(
        problem.contains("lesson leader-election, step 3"),
        "{problem}"
    );
    assert!(problem.contains(r#"expected {"leader":2}"#), "{problem}");
    assert!(problem.contains("S1 leads"), "{problem}");
    assert_eq!(lessons::resolve(&wrong), Err(problem));
}

#[test]
fn a_happening_that_never_comes_is_reported() {
    let never = edited("leader-election", |json| {
        json["steps"][3] = serde_json::json!({"when": "install_snapshot", "caption": "Never."});
    })
    .expect("still a valid lesson");
    let problem = lessons::check(&never).expect_err("no snapshot is ever sent");
    assert!(
        problem.contains(
            "step 4 (when install_snapshot): it did not happen between 379 ms and 1999 ms"
        ),
        "{problem}"
    );
}

#[test]
fn a_happening_that_comes_too_late_for_the_next_fixed_step_is_reported() {
    let early = edited("leader-election", |json| {
        json["steps"][3]["at_ms"] = serde_json::json!(350);
    })
    .expect("fixed times alone still increase");
    let problem = lessons::check(&early).expect_err("the election ends at 379 ms");
    assert!(
        problem
            .contains("step 3 (when leader_elected): it did not happen between 307 ms and 349 ms"),
        "{problem}"
    );
}

#[test]
fn a_lesson_built_in_code_with_steps_out_of_order_is_reported() {
    let mut lesson = lesson("leader-election");
    lesson.steps.swap(3, 4);
    let problem = lessons::check(&lesson).expect_err("2000 ms, then 1000 ms");
    assert!(
        problem.contains("step 5: at_ms 1000 is not after the previous step's moment (2000 ms)"),
        "{problem}"
    );
}

/// What the Figure 8 lesson's last step invites: with the rule switched off, S1 commits the
/// term-1 entries it re-replicated to a majority by counting them (Figure 8 (c)), S5 still
/// wins term 4 without them (d), and the run is not clean: `leader_completeness`. The lesson's
/// own caption of (c), that nothing is committed, no longer holds either.
#[test]
fn the_figure_8_lesson_fails_with_commit_by_counting_switched_on() {
    let mut lesson = lesson("commit-rule-figure-8");
    lesson
        .scenario
        .config
        .bugs
        .insert(Bug::CommitEarlierTermByCounting);
    let script = "tests/data/scenarios/commit_earlier_term_by_counting.json";
    let text = std::fs::read_to_string(script).expect("the Figure 8 script");
    assert_eq!(
        Ok(&lesson.scenario),
        Scenario::from_json(&text).as_ref(),
        "the lesson plays {script}, without the switch"
    );
    let detail = "S5 became leader of term 4 without the committed entry at index 96 (term 1)";

    let checked = check::run::run(&lesson.scenario);
    let found: Vec<(&str, u64, &str)> = checked
        .violations
        .iter()
        .map(|found| {
            (
                found.kind.name(),
                found.at_us / 1_000,
                found.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(found, [("leader_completeness", 3492, detail)]);

    // The steps before (c) still hold; the run they belong to is not clean.
    let mut until_c = lesson.clone();
    until_c.steps.truncate(5);
    assert!(lessons::resolve(&until_c).is_ok(), "steps 1 to 5 hold");
    let problem = lessons::check(&until_c).expect_err("S5 leads without a committed entry");
    assert_eq!(
        problem,
        format!(
            "lesson commit-rule-figure-8: the run is not clean: leader_completeness at 3492 ms: \
             {detail}"
        )
    );

    // The whole lesson: S1 commits the moment a majority stores them, so (c) never comes.
    let problem = lessons::check(&lesson).expect_err("the bug commits by counting");
    assert!(
        problem.contains("step 6 (when earlier_term_entry_on_majority)"),
        "{problem}"
    );
}

/// A lesson whose run breaks safety after its last step still fails: `check` judges the whole
/// run. Applying before commit lets node 1 apply the put it could never commit.
#[test]
fn a_run_that_breaks_safety_is_reported() {
    let broken = edited("partition-minority", |json| {
        json["scenario"]["config"]["bugs"] = serde_json::json!(["apply_before_commit"]);
        json["steps"].as_array_mut().expect("steps").truncate(1);
    })
    .expect("still a valid lesson");
    assert!(lessons::resolve(&broken).is_ok(), "the one step holds");
    let problem = lessons::check(&broken).expect_err("node 1 applied an uncommitted entry");
    assert!(
        problem.contains("lesson partition-minority: the run is not clean: state_machine_safety"),
        "{problem}"
    );
}

/// A change to a lesson file's JSON.
type Edit = fn(&mut serde_json::Value);

#[test]
fn malformed_lessons_are_refused_with_a_reason() {
    let cases: [(&str, Edit, &str); 9] = [
        (
            "unknown field",
            |json| json["colour"] = serde_json::json!("red"),
            "unknown field `colour`",
        ),
        (
            "bad id",
            |json| json["id"] = serde_json::json!("Leader_Election"),
            "not kebab-case",
        ),
        (
            "bad scenario",
            |json| json["scenario"]["nodes"] = serde_json::json!(99),
            "scenario: nodes",
        ),
        (
            "no steps",
            |json| json["steps"] = serde_json::json!([]),
            "no steps",
        ),
        (
            "unknown happening",
            |json| json["steps"][1]["when"] = serde_json::json!("leader_elected_twice"),
            "unknown happening \"leader_elected_twice\"",
        ),
        (
            "both times",
            |json| json["steps"][1]["at_ms"] = serde_json::json!(10),
            "either at_ms or when",
        ),
        (
            "times not increasing",
            |json| json["steps"][4]["at_ms"] = serde_json::json!(1000),
            "step 5: at_ms 1000 does not come after",
        ),
        (
            "unknown role",
            |json| {
                json["steps"][0]["expect"] =
                    serde_json::json!([{"role": {"node": 1, "is": "boss"}}])
            },
            "unknown role \"boss\"",
        ),
        (
            "unknown expectation",
            |json| json["steps"][0]["expect"] = serde_json::json!(["everything_fine"]),
            "step 1: expect[0]",
        ),
    ];
    for (what, edit, expected) in cases {
        let problem = edited("leader-election", edit).expect_err(what);
        assert!(problem.contains(expected), "{what}: {problem}");
    }
    let kind = edited("linearizable-reads", |json| {
        json["steps"][4]["expect"][0]["read_returned"]["read"] = serde_json::json!("quick");
    });
    assert!(
        kind.expect_err("read kind")
            .contains("unknown read kind \"quick\"")
    );
}

/// The page plays the catalog, not the files: it must be what the files resolve to now.
#[test]
fn the_page_catalog_is_the_lessons_resolved() {
    let path = "src/lessons/catalog/resolved.rs";
    let rendered = lessons::catalog::render().unwrap_or_else(|problem| panic!("{problem}"));
    let committed = std::fs::read_to_string(path).expect("read the catalog");
    if std::env::var_os("UPDATE_LESSONS").is_some() && committed != rendered {
        std::fs::write(path, &rendered).expect("write the catalog");
        // This build holds the old catalog: the next run checks the new one.
        eprintln!("rewrote {path}; run the tests again to check the page's catalog");
        return;
    }
    assert!(
        committed == rendered,
        "{path} is out of date with the lesson files: \
         run `UPDATE_LESSONS=1 cargo test --release --test lessons`"
    );
    let catalog = lessons::catalog();
    let ids: Vec<&str> = catalog.iter().map(|lesson| lesson.id).collect();
    assert_eq!(ids, REQUIRED_IDS);
    for resolved in catalog {
        let lesson = lesson(resolved.id);
        assert_eq!(lessons::resolved_by_id(resolved.id), Some(resolved));
        assert_eq!(resolved.scenario().as_ref(), Ok(&lesson.scenario));
        assert_eq!(resolved.steps, lessons::resolve(&lesson).expect("resolves"));
        assert_eq!(resolved.fragment(), lesson.fragment());
        assert_eq!(
            (resolved.title, resolved.summary),
            (&*lesson.title, &*lesson.summary)
        );
    }
    assert_eq!(lessons::resolved_by_id("no-such-lesson"), None);
}

/// The replay advances one millisecond at a time; the page seeks straight to a moment. Both
/// must show the same state there.
#[test]
fn a_resolved_moment_is_the_state_the_page_seeks_to() {
    let lesson = lesson("commit-rule-figure-8");
    let resolved = lessons::resolve(&lesson).expect("resolves");
    let mut stepwise = Simulation::new(&lesson.scenario);
    let mut now_ms = 0;
    for step in &resolved {
        while now_ms < step.at_ms {
            now_ms += 1;
            stepwise.run_until(now_ms * 1_000);
        }
        let mut direct = Simulation::new(&lesson.scenario);
        direct.run_until(step.at_ms * 1_000);
        assert_eq!(
            direct.state_hash(),
            stepwise.state_hash(),
            "at {} ms",
            step.at_ms
        );
    }
}
