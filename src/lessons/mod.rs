//! The built-in lessons: guided runs of the simulator, one Raft idea each. This module owns the
//! lesson format, the lessons themselves (one JSON file per lesson, embedded at build time) and
//! the replay that resolves every step to an exact moment and checks that what its caption
//! promises really happens there.
//!
//! A lesson is a [`Scenario`] plus a list of [`Step`]s. A step shows its caption from one
//! moment of the run on: either a fixed `at_ms`, or `when` a [`Happening`] first occurs after
//! the previous step (resolved to the first whole millisecond at which it has happened, so the
//! page's back and next seek to exact, repeatable moments). Each step lists
//! [`Expectation`]s that must hold at its moment; [`check`] runs the scenario and verifies them
//! all, then that the whole run is clean (safety and linearizability). The last step of every
//! lesson hands over to the learner: a suggestion to act, in the sandbox, from there on.
//!
//! The lesson file format:
//! ```json
//! {"id": "leader-election", "title": "...", "summary": "one sentence",
//!  "scenario": { "format": 1, ... },
//!  "steps": [{"at_ms": 0, "caption": "...", "expect": ["clean"]},
//!            {"when": "leader_elected", "caption": "...", "expect": [{"leader": 4}]}]}
//! ```
//!
//! The page plays the lessons from [`catalog`], resolved ahead of time, and carries none of
//! this module's reading and replaying (see `catalog.rs`).
//!
//! Files: `expectation.rs` holds the vocabulary of happenings and expectations and reads it
//! from lesson files, `evaluate.rs` checks an expectation against a run, `replay.rs` runs a
//! lesson step by step and counts happenings.

pub mod catalog;
mod evaluate;
mod expectation;
mod replay;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::scenario::Scenario;

pub use catalog::{LessonLink, ResolvedLesson, catalog, resolved_by_id};
pub use expectation::{Expectation, Happening};
pub use replay::{ResolvedStep, check, resolve, step_index_at};

/// The embedded lesson files, in the order the page lists them.
const FILES: [(&str, &str); 11] = [
    ("leader-election", include_str!("leader-election.json")),
    ("split-votes", include_str!("split-votes.json")),
    ("log-replication", include_str!("log-replication.json")),
    (
        "commit-rule-figure-8",
        include_str!("commit-rule-figure-8.json"),
    ),
    (
        "partition-minority",
        include_str!("partition-minority.json"),
    ),
    ("crash-recovery", include_str!("crash-recovery.json")),
    ("log-compaction", include_str!("log-compaction.json")),
    ("membership-change", include_str!("membership-change.json")),
    (
        "pre-vote-check-quorum",
        include_str!("pre-vote-check-quorum.json"),
    ),
    (
        "linearizable-reads",
        include_str!("linearizable-reads.json"),
    ),
    (
        "coordinated-backup",
        include_str!("coordinated-backup.json"),
    ),
];

/// A guided run: a scenario and the captions that explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// Kebab-case; the page's link to the lesson is `#lesson=<id>`.
    pub id: String,
    pub title: String,
    /// One sentence, for the list of lessons.
    pub summary: String,
    pub scenario: Scenario,
    /// At least one; the last invites the learner to take over.
    pub steps: Vec<Step>,
}

/// One caption of a lesson and what must be true when it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub time: StepTime,
    /// One to three sentences, in the paper's vocabulary.
    pub caption: String,
    /// Checked at the step's moment; see [`Expectation`].
    pub expect: Vec<Expectation>,
}

/// When a step's caption starts to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepTime {
    /// At this virtual time (JSON `"at_ms"`).
    At { at_ms: u64 },
    /// At the first whole millisecond after the previous step's moment by which `happening`
    /// has occurred once more (JSON `"when"`). [`resolve`] turns it into a time.
    When { happening: Happening },
}

impl Lesson {
    /// The fragment of the lesson's link: `#lesson=<id>`.
    pub fn fragment(&self) -> String {
        format!("#lesson={}", self.id)
    }
}

/// Every built-in lesson, in order. The files are part of the build, so one that does not
/// parse is a bug of this module: this panics naming the file and the problem (and the test
/// suite parses every file, so it never ships).
pub fn all() -> Vec<Lesson> {
    FILES
        .iter()
        .map(|(name, text)| {
            parse(text).unwrap_or_else(|problem| panic!("lesson file {name}.json: {problem}"))
        })
        .collect()
}

/// The ids of the built-in lessons, in order, without parsing them.
pub fn ids() -> Vec<&'static str> {
    FILES.iter().map(|(name, _)| *name).collect()
}

/// The built-in lesson with this id.
pub fn by_id(id: &str) -> Option<Lesson> {
    let (name, text) = FILES.iter().find(|(name, _)| *name == id)?;
    Some(parse(text).unwrap_or_else(|problem| panic!("lesson file {name}.json: {problem}")))
}

/// The JSON shape of a lesson file, before its parts are read and checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile<'a> {
    id: String,
    title: String,
    summary: String,
    #[serde(borrow)]
    scenario: &'a RawValue,
    #[serde(borrow)]
    steps: Vec<StepFile<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile<'a> {
    at_ms: Option<u64>,
    when: Option<String>,
    caption: String,
    #[serde(default, borrow)]
    expect: Vec<&'a RawValue>,
}

/// Reads a lesson from its JSON form and checks its shape: a kebab-case id, a valid
/// scenario, at least one step, each with a caption and exactly one of `at_ms` and `when`,
/// fixed times strictly increasing and within the run. Whether the expectations hold is
/// [`check`]'s business.
pub fn parse(text: &str) -> Result<Lesson, String> {
    let file: LessonFile =
        serde_json::from_str(text).map_err(|error| format!("invalid lesson JSON: {error}"))?;
    check_id(&file.id)?;
    let scenario = Scenario::from_json(file.scenario.get())
        .map_err(|error| format!("lesson {}: scenario: {error}", file.id))?;
    if file.steps.is_empty() {
        return Err(format!("lesson {}: no steps", file.id));
    }
    let mut steps = Vec::with_capacity(file.steps.len());
    for (index, step) in file.steps.into_iter().enumerate() {
        let step = read_step(step)
            .map_err(|problem| format!("lesson {}, step {}: {problem}", file.id, index + 1))?;
        steps.push(step);
    }
    check_fixed_times(&steps, scenario.until_ms)
        .map_err(|problem| format!("lesson {}: {problem}", file.id))?;
    Ok(Lesson {
        id: file.id,
        title: file.title,
        summary: file.summary,
        scenario,
        steps,
    })
}

fn check_id(id: &str) -> Result<(), String> {
    let kebab = !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if kebab {
        Ok(())
    } else {
        Err(format!("lesson id {id:?} is not kebab-case"))
    }
}

fn read_step(step: StepFile) -> Result<Step, String> {
    let time = match (step.at_ms, step.when) {
        (Some(at_ms), None) => StepTime::At { at_ms },
        (None, Some(name)) => StepTime::When {
            happening: Happening::from_name(&name).ok_or_else(|| {
                format!(
                    "when: unknown happening {name:?} (known: {})",
                    Happening::ALL.map(Happening::name).join(", ")
                )
            })?,
        },
        (Some(_), Some(_)) => return Err("give either at_ms or when, not both".to_string()),
        (None, None) => return Err("missing at_ms or when".to_string()),
    };
    if step.caption.trim().is_empty() {
        return Err("empty caption".to_string());
    }
    let expect = step
        .expect
        .iter()
        .enumerate()
        .map(|(index, json)| {
            Expectation::from_json(json.get())
                .map_err(|problem| format!("expect[{index}]: {problem}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Step {
        time,
        caption: step.caption,
        expect,
    })
}

/// Fixed times strictly increase (a `when` step between two of them must fit between them,
/// which only a replay can tell) and lie within the run.
fn check_fixed_times(steps: &[Step], until_ms: u64) -> Result<(), String> {
    let mut previous: Option<u64> = None;
    for (index, step) in steps.iter().enumerate() {
        let StepTime::At { at_ms } = step.time else {
            continue;
        };
        if previous.is_some_and(|previous| at_ms <= previous) {
            return Err(format!(
                "step {}: at_ms {at_ms} does not come after the previous step's",
                index + 1
            ));
        }
        if at_ms > until_ms {
            return Err(format!(
                "step {}: at_ms {at_ms} is after the run ends (until_ms {until_ms})",
                index + 1
            ));
        }
        previous = Some(at_ms);
    }
    Ok(())
}
