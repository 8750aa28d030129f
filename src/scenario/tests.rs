//! Unit tests of the pieces the public API hides: the frozen v1 tables and layout, the
//! payload extraction, and message formatting. The public behaviour is tested in
//! `tests/scenario.rs`.

use super::json_write::json_string;
use super::validate::{ppm_to_text, quoted};
use super::wire_v1::{BUGS_V1, to_wire};
use super::{Action, Scenario};
use crate::raft::Bug;

#[test]
fn every_bug_has_a_v1_link_bit() {
    // A bug missing from the table would be dropped from links without a word.
    for bug in Bug::ALL {
        let bits = BUGS_V1.iter().filter(|known| **known == bug).count();
        assert_eq!(bits, 1, "{bug:?} must appear exactly once in BUGS_V1");
    }
}

#[test]
fn bug_bits_are_appended_so_old_links_keep_their_meaning() {
    // Config field 10 holds the bug set as a varint of bits. Older switches keep their bits
    // (the saved links in `tests/data/links/` decode as they did); the newest takes the next.
    let bits_on_the_wire = |bug: Bug| {
        let mut scenario = Scenario::default();
        scenario.config.bugs.insert(bug);
        let wire = postcard::to_allocvec(&to_wire(&scenario)).expect("encodes");
        assert_eq!(wire[..5], [0, 5, 0x90, 0x4e, 1], "one config field");
        assert_eq!(wire[5], 10, "the bug set's tag");
        wire[6..wire.len() - 3].to_vec()
    };
    assert_eq!(bits_on_the_wire(Bug::CommitEarlierTermByCounting), [0x01]);
    assert_eq!(bits_on_the_wire(Bug::ApplyBeforeCommit), [0x20]);
    assert_eq!(bits_on_the_wire(Bug::LeaseAfterTimeoutNow), [0x80, 0x08]);
    assert_eq!(bits_on_the_wire(Bug::SnapshotWithoutSessions), [0x80, 0x10]);
    assert_eq!(bits_on_the_wire(Bug::BackupOnAppend), [0x80, 0x20]);
    assert_eq!(BUGS_V1.last(), Some(&Bug::BackupOnAppend));
}

#[test]
fn a_default_scenario_is_eight_bytes_on_the_v1_wire() {
    // seed 0, 5 nodes, until_ms 10000 as a varint, then empty config, workload and timeline
    // lists and no restore: the defaults are omitted, not written out.
    let wire = postcard::to_allocvec(&to_wire(&Scenario::default())).expect("encodes");
    assert_eq!(wire, [0, 5, 0x90, 0x4e, 0, 0, 0, 0]);
}

#[test]
fn timeline_times_go_on_the_wire_as_steps() {
    let mut scenario = Scenario::default();
    for at_ms in [1200, 1200, 1300] {
        let action = Action::Crash { node: 1 };
        scenario.timeline.push(super::TimedAction { at_ms, action });
    }
    let wire = postcard::to_allocvec(&to_wire(&scenario)).expect("encodes");
    // Three actions: +1200 (two varint bytes), +0, +100; each a crash (tag 0) of node 1.
    let timeline = [3, 0xb0, 0x09, 0, 1, 0, 0, 1, 100, 0, 1];
    assert_eq!(wire[6..wire.len() - 1], timeline);
}

#[test]
fn action_names_are_unique_and_match_their_variants() {
    let mut names = Action::NAMES.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Action::NAMES.len());
    assert_eq!(Action::AddNode.name(), "add_node");
    assert_eq!(
        Action::DuplicateMessage { id: 1 }.name(),
        "duplicate_message"
    );
    assert_eq!(Action::Heal.name(), "heal");
}

#[test]
fn probabilities_print_as_exact_decimals() {
    assert_eq!(ppm_to_text(0), "0");
    assert_eq!(ppm_to_text(1), "0.000001");
    assert_eq!(ppm_to_text(250_000), "0.25");
    assert_eq!(ppm_to_text(1_000_000), "1");
    assert_eq!(ppm_to_text(1_500_000), "1.5");
}

#[test]
fn quoted_text_is_cut_short() {
    assert_eq!(quoted("x"), "\"x\"");
    assert_eq!(quoted(&"é".repeat(100)), format!("\"{}…\"", "é".repeat(24)));
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    // The writer escapes by hand (to keep serde_json's writer out of the page); exported files
    // must stay byte for byte what serde_json wrote.
    let mut texts: Vec<String> = (0..=0x7f_u8)
        .map(|byte| char::from(byte).to_string())
        .collect();
    texts.extend(
        [
            "",
            "key",
            "a \"quoted\" \\ path",
            "é→🦀",
            "\u{7f}\u{80}\u{2028}\u{feff}",
        ]
        .map(String::from),
    );
    for text in texts {
        let expected = serde_json::to_string(&text).expect("a string always serializes");
        assert_eq!(json_string(&text), expected, "{text:?}");
    }
}
