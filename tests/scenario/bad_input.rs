//! Every class of bad input gives an error whose message names what is wrong and where.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use raft_playground::scenario::{MAX_JSON_BYTES, Scenario};

/// Reads `json` (a scenario with `"format": 1` prepended to the given fields) and returns the
/// error message.
fn json_error(fields: &str) -> String {
    let text = if fields.is_empty() {
        r#"{"format": 1}"#.to_string()
    } else {
        format!(r#"{{"format": 1, {fields}}}"#)
    };
    match Scenario::from_json(&text) {
        Ok(_) => panic!("accepted {text}"),
        Err(error) => error.to_string(),
    }
}

fn assert_contains(message: &str, expected: &str) {
    assert!(
        message.contains(expected),
        "expected the message to contain\n  {expected}\nbut it is\n  {message}"
    );
}

fn timeline(actions: &str) -> String {
    format!(r#""timeline": [{actions}]"#)
}

#[test]
fn out_of_range_values_name_their_field() {
    let cases = [
        (
            r#""config": {"loss": 1.5}"#,
            "config.loss: 1.5 is out of range (0 to 1)",
        ),
        (
            r#""config": {"duplicate": -0.1}"#,
            "config.duplicate: -0.1 is out of range (0 to 1)",
        ),
        (r#""nodes": 16"#, "nodes: 16 is out of range (1 to 15)"),
        (r#""nodes": 0"#, "nodes: 0 is out of range (1 to 15)"),
        (
            r#""until_ms": 3600001"#,
            "until_ms: 3600001 is out of range (1 to 3600000)",
        ),
        (
            r#""events_in_last_ms": 0"#,
            "events_in_last_ms: 0 is out of range (1 to 50000000)",
        ),
        (
            r#""events_in_last_ms": 50000001"#,
            "events_in_last_ms: 50000001 is out of range (1 to 50000000)",
        ),
        (
            r#""seed": -1"#,
            "seed: -1 is out of range (0 to 18446744073709551615)",
        ),
        (
            r#""seed": 100000000000000000000"#,
            "seed: 100000000000000000000 is out of range",
        ),
        (
            r#""config": {"heartbeat_ms": 150}"#,
            "config.heartbeat_ms: 150 must be below the minimum election timeout (150)",
        ),
        (
            r#""config": {"election_timeout_ms": [300, 150]}"#,
            "config.election_timeout_ms: [300, 150]: the first (minimum) must be below the second",
        ),
        (
            r#""config": {"election_timeout_ms": [0, 150]}"#,
            "config.election_timeout_ms[0]: 0 is out of range (1 to 60000)",
        ),
        (
            r#""config": {"latency_ms": [30, 10]}"#,
            "config.latency_ms: [30, 10]: the first",
        ),
        (
            r#""config": {"disk_ms": [1, 10001]}"#,
            "config.disk_ms[1]: 10001 is out of range (0 to 10000)",
        ),
        (
            r#""config": {"clock_drift_bound_ppm": 500001}"#,
            "config.clock_drift_bound_ppm: 500001 is out of range (0 to 500000)",
        ),
        (
            r#""workload": {"cas_percent": 101}"#,
            "workload.cas_percent: 101 is out of range (0 to 100)",
        ),
        (
            r#""workload": {"keys": 0}"#,
            "workload.keys: 0 is out of range (1 to 1000)",
        ),
        (
            r#""workload": {"writes_per_sec": 5000000000}"#,
            "workload.writes_per_sec: 5000000000 is out of range (0 to 1000)",
        ),
        (
            r#""restore": {"index": 0, "term": 1}"#,
            "restore.index: 0 is out of range",
        ),
        // Near u64::MAX the run's next term or index overflowed (found by fuzzing).
        (
            r#""restore": {"index": 1, "term": 18446744073709551615}"#,
            "restore.term: 18446744073709551615 is out of range (1 to 1000000000000000)",
        ),
        (
            r#""restore": {"index": 1000000000000001, "term": 1}"#,
            "restore.index: 1000000000000001 is out of range (1 to 1000000000000000)",
        ),
    ];
    for (fields, expected) in cases {
        assert_contains(&json_error(fields), expected);
    }
}

#[test]
fn wrong_types_and_unknown_names_name_their_field() {
    let cases = [
        (
            r#""nodes": "5""#,
            r#"nodes: expected a whole number, found the string "5""#,
        ),
        (r#""seed": 1.5"#, "seed: expected a whole number, found 1.5"),
        (
            r#""config": {"pre_vote": 1}"#,
            "config.pre_vote: expected true or false, found 1",
        ),
        (
            r#""config": {"latency_ms": [10]}"#,
            "config.latency_ms: expected [min, max], found 1",
        ),
        (
            r#""config": []"#,
            "config: expected config (a JSON object), found an array",
        ),
        (
            r#""config": {"foo": 1}"#,
            r#"config.foo: unknown field "foo" (config has: "#,
        ),
        (
            r#""foo": 1"#,
            r#"foo: unknown field "foo" (a scenario has: format, seed, nodes, config, workload, timeline, until_ms, events_in_last_ms, restore)"#,
        ),
        (
            r#""config": {"bugs": ["x"]}"#,
            r#"config.bugs[0]: unknown bug "x" (known: commit_earlier_term_by_counting, "#,
        ),
        (
            r#""config": {"bugs": ["apply_before_commit", "apply_before_commit"]}"#,
            r#"config.bugs[1]: "apply_before_commit" is listed twice"#,
        ),
        (
            r#""workload": {"read": "fast"}"#,
            r#"workload.read: unknown read kind "fast" (known: read_index, lease, stale)"#,
        ),
        (
            r#""restore": {"index": 1, "term": 1, "kv": {"x": 1}}"#,
            r#"restore.kv["x"]: expected a string, found 1"#,
        ),
        (
            r#""restore": {"index": 1}"#,
            "restore.term: missing (restore needs it)",
        ),
    ];
    for (fields, expected) in cases {
        assert_contains(&json_error(fields), expected);
    }
}

#[test]
fn bad_timeline_actions_name_their_index_and_field() {
    let crash =
        |at_ms: u64, node: u64| format!(r#"{{"at_ms": {at_ms}, "do": "crash", "node": {node}}}"#);
    let cases = [
        (
            timeline(&format!(
                r#"{}, {}, {}, {}"#,
                crash(0, 1),
                crash(1, 1),
                crash(2, 1),
                crash(1200, 9)
            )),
            "timeline[3].node: 9 is not a node (nodes 1 to 5 exist at 1200 ms)",
        ),
        (
            format!(r#""nodes": 1, {}"#, timeline(&crash(5, 2))),
            "timeline[0].node: 2 is not a node (node 1 exists at 5 ms)",
        ),
        (
            timeline(&format!(
                r#"{{"at_ms": 100, "do": "add_node"}}, {}, {}"#,
                crash(100, 6),
                crash(100, 7)
            )),
            "timeline[2].node: 7 is not a node (nodes 1 to 6 exist at 100 ms)",
        ),
        (timeline(&crash(0, 0)), "timeline[0].node: 0 is not a node"),
        (
            timeline(&format!("{}, {}", crash(1200, 1), crash(1000, 1))),
            "timeline[1].at_ms: 1000 is before the previous action (1200 ms)",
        ),
        (
            timeline(&crash(3_600_001, 1)),
            "timeline[0].at_ms: 3600001 is out of range (0 to 3600000)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "explode"}"#),
            r#"timeline[0].do: unknown action "explode" (known: crash, restart"#,
        ),
        (
            timeline(r#"{"at_ms": 1}"#),
            "timeline[0].do: missing (every action needs it)",
        ),
        (
            timeline(r#"{"do": "heal"}"#),
            "timeline[0].at_ms: missing (every action needs it)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "crash"}"#),
            r#"timeline[0].node: missing (a "crash" action needs it)"#,
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "crash", "node": 1, "nod": 1}"#),
            r#"timeline[0].nod: unknown field "nod" (a "crash" action has: at_ms, do, node)"#,
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "crash", "nod": 1}"#),
            r#"timeline[0].node: missing (a "crash" action needs it; there is an unknown field "nod")"#,
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "partition", "groups": [[1, 2], [2, 3]]}"#),
            "timeline[0].groups[1][0]: node 2 is already in another group",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "partition", "groups": [[1], []]}"#),
            "timeline[0].groups[1]: a group must not be empty",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "cut", "from": 2, "to": 2}"#),
            "timeline[0].to: 2 is also `from`",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "put", "key": "", "value": "v"}"#),
            "timeline[0].key: a key must not be empty",
        ),
        (
            timeline(&format!(
                r#"{{"at_ms": 1, "do": "get", "key": "{}"}}"#,
                "k".repeat(65)
            )),
            "timeline[0].key: the key \"kkkk",
        ),
        (
            timeline(&format!(
                r#"{{"at_ms": 1, "do": "put", "key": "k", "value": "{}"}}"#,
                "v".repeat(257)
            )),
            "is 257 bytes long (the limit is 256)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "put", "key": "a\nb", "value": "v"}"#),
            "timeline[0].key: the key \"a\\nb\" contains the control character",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "put", "key": "k", "value": "v", "via": 6}"#),
            "timeline[0].via: 6 is not a node",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "get", "key": "k", "read": "quick"}"#),
            r#"timeline[0].read: unknown read kind "quick""#,
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "drift", "node": 1, "ppm": -300000}"#),
            "timeline[0].ppm: -300000 is out of range (-200000 to 200000)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "drift", "node": 1, "ppm": -9223372036854775808}"#),
            "timeline[0].ppm: -9223372036854775808 is out of range (-200000 to 200000)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "drift", "node": 1, "ppm": 1.5}"#),
            "timeline[0].ppm: expected a whole number, found 1.5",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "network"}"#),
            "timeline[0]: a network action sets at least one",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "network", "loss": 2}"#),
            "timeline[0].loss: 2 is out of range (0 to 1)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "slow_link", "from": 1, "to": 2, "extra_ms": 60001}"#),
            "timeline[0].extra_ms: 60001 is out of range (0 to 60000)",
        ),
        (
            timeline(r#"{"at_ms": 1, "do": "delay_message", "id": 3}"#),
            r#"timeline[0].by_ms: missing (a "delay_message" action needs it)"#,
        ),
        (
            timeline(r#"[1]"#),
            "timeline[0]: expected an action (a JSON object), found an array",
        ),
        (
            r#""timeline": {}"#.to_string(),
            "timeline: expected an array, found an object",
        ),
    ];
    for (fields, expected) in cases {
        assert_contains(&json_error(&fields), expected);
    }
}

#[test]
fn the_timeline_and_node_ids_are_bounded() {
    let heal = r#"{"at_ms": 0, "do": "heal"}"#;
    let long = timeline(&vec![heal; 10_001].join(","));
    assert_contains(
        &json_error(&long),
        "timeline: 10001 actions is too many (the limit is 10000)",
    );
    let add = r#"{"at_ms": 0, "do": "add_node"}"#;
    let many = format!(r#""nodes": 15, {}"#, timeline(&vec![add; 50].join(",")));
    assert_contains(&json_error(&many), "timeline[49]: no node id left");
    // 49 additions reach id 64 exactly, which is allowed.
    let text = format!(
        r#"{{"format": 1, "nodes": 15, {}}}"#,
        timeline(&vec![add; 49].join(","))
    );
    assert!(Scenario::from_json(&text).is_ok());
}

#[test]
fn documents_that_are_not_scenarios_say_why() {
    let error = |text: &str| match Scenario::from_json(text) {
        Ok(_) => panic!("accepted {text}"),
        Err(error) => error.to_string(),
    };
    assert_contains(&error(""), "invalid JSON: EOF while parsing");
    assert_contains(
        &error("{\"format\": 1,}"),
        "invalid JSON: trailing comma at line 1",
    );
    assert_contains(
        &error("[1]"),
        "expected a scenario (a JSON object), found an array",
    );
    assert_contains(
        &error("{}"),
        "format: missing: a scenario starts with \"format\": 1",
    );
    assert_contains(
        &error("{\"format\": 2}"),
        "format: 2 is not supported (this version reads format 1)",
    );
    assert_contains(
        &error("{\"format\": \"1\"}"),
        "format: expected a whole number, found the string \"1\"",
    );
    assert_contains(
        &error("{\"format\": 1, \"seed\": 1, \"seed\": 2}"),
        "invalid JSON: field \"seed\" appears twice at line 1",
    );
    assert_contains(
        &error(&"[".repeat(10_000)),
        "invalid JSON: recursion limit exceeded",
    );
    let huge = format!(
        "{{\"format\": 1, \"pad\": \"{}\"}}",
        "x".repeat(MAX_JSON_BYTES)
    );
    assert_contains(&error(&huge), "bytes long (the limit is 4194304)");
    // Text that could be either (a file, a script's argument) is JSON when it starts as JSON
    // does, a byte-order mark before it or not: an array is not "a link character".
    let parsed = |text: &str| Scenario::parse(text).map_err(|error| error.to_string());
    assert_contains(
        &parsed("[1]").unwrap_err(),
        "expected a scenario (a JSON object), found an array",
    );
    assert!(
        parsed("\u{feff}{\"format\": 1}").is_ok(),
        "a byte-order mark"
    );
    assert!(
        parsed("\u{feff}#s=ab!d")
            .unwrap_err()
            .contains("is not a link character")
    );
}

/// A link carrying `wire` (the postcard bytes of a v1 scenario) under `version`.
pub fn link_from_wire(version: u8, wire: &[u8]) -> String {
    let mut bytes = vec![version];
    bytes.extend(miniz_oxide::deflate::compress_to_vec_zlib(wire, 6));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The v1 wire bytes of a scenario: seed 0, 5 nodes, until 10000 ms, the given config fields,
/// no workload fields, the given timeline, no restore.
fn wire(config: &[u8], timeline: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 5, 0x90, 0x4e];
    bytes.extend(config);
    bytes.push(0);
    bytes.extend(timeline);
    bytes.push(0);
    bytes
}

fn link_error(text: &str) -> String {
    match Scenario::from_link(text) {
        Ok(_) => panic!("accepted {text}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_hand_made_wire_bytes_are_right() {
    // The helpers above must make a valid link when given valid parts, or the tests below
    // would pass for the wrong reason.
    let scenario = Scenario::from_link(&link_from_wire(1, &wire(&[0], &[0])));
    assert_eq!(scenario, Ok(Scenario::default()));
    let crash = Scenario::from_link(&link_from_wire(1, &wire(&[0], &[1, 0xb0, 0x09, 0, 2])));
    assert_eq!(crash.map(|scenario| scenario.timeline[0].at_ms), Ok(1200));
}

#[test]
fn bad_links_say_what_is_wrong() {
    let valid = Scenario::default().to_link_payload();
    let cases = [
        (String::new(), "link: empty"),
        ("#s=".to_string(), "link: empty"),
        (
            "https://example.org/play".to_string(),
            "link: no scenario in it",
        ),
        (
            "https://example.org/#t=5".to_string(),
            "link: no scenario in it",
        ),
        (
            "#s=ab!d".to_string(),
            "link: \"!\" at position 2 is not a link character",
        ),
        (
            "#s=abcde".to_string(),
            "link: its length (5 characters) is impossible",
        ),
        // A word that is not a link: its last letter carries bits no encoder leaves.
        (
            "#s=garbage".to_string(),
            "link: it is not a whole link: it was probably cut short or altered (its last character, \"e\", cannot end one)",
        ),
        // The page hands the decoder the whole fragment, so `#foo` is not read as a payload.
        ("#foo".to_string(), "link: no scenario in it"),
        // A bare word that decodes, to a version byte no Raft Playground will reach.
        (
            "foo".to_string(),
            "link: not a scenario link: it starts with byte 126",
        ),
        // At the edge: version 5 may be a newer Raft Playground's, version 6 is no version.
        (
            URL_SAFE_NO_PAD.encode([5, 0, 0]),
            "link: version 5 is not supported (this version reads link versions 1 to 2); was it made by a newer",
        ),
        (
            URL_SAFE_NO_PAD.encode([6, 0, 0]),
            "link: not a scenario link: it starts with byte 6",
        ),
        (format!("#s={}", "A".repeat(30_000)), "link: too long"),
        (
            format!("#s={}", "A".repeat(16 * 1024 + 4)),
            "the scenario part is too long",
        ),
        // There never was a version 0.
        (
            URL_SAFE_NO_PAD.encode([0, 1, 2]),
            "link: not a scenario link: it starts with byte 0, which is no link version",
        ),
        // A yes-or-no mark (here: whether a restore follows) that is neither: the decoder's
        // own words for it ("Found an Option discriminant…") used to show.
        (
            link_from_wire(1, &{
                let mut bytes = wire(&[0], &[0]);
                *bytes.last_mut().expect("a wire") = 2;
                bytes
            }),
            "link: corrupt: a yes-or-no mark in the scenario is neither",
        ),
        (
            link_from_wire(3, &wire(&[0], &[0])),
            "link: version 3 is not supported (this version reads link versions 1 to 2); was it made by a newer",
        ),
        // Version 2 is version 1's layout and then the events of the last millisecond run.
        (
            link_from_wire(2, &wire(&[0], &[0])),
            "link: corrupt: the scenario data ends too soon",
        ),
        (
            link_from_wire(2, &[wire(&[0], &[0]), vec![1, 0]].concat()),
            "link: events_in_last_ms: 0 is out of range (1 to 50000000)",
        ),
        (
            link_from_wire(2, &[wire(&[0], &[0]), vec![1, 3, 7]].concat()),
            "link: corrupt: 1 unexpected bytes after the scenario",
        ),
        (valid[..valid.len() - 4].to_string(), "cut short"),
        // Characters added to a whole link: its scenario still decodes, but it was altered.
        (
            format!("{valid}AAAA"),
            "link: altered: 3 unexpected bytes follow the compressed scenario (were characters added to the end?)",
        ),
        (
            URL_SAFE_NO_PAD.encode([1, 0x78, 0xda, 0xff, 0xff]),
            "link: corrupt",
        ),
        (
            link_from_wire(1, &vec![0; 9 << 20]),
            "link: the scenario expands to more than 8388608 bytes (the limit)",
        ),
        (
            link_from_wire(1, &[0, 5]),
            "link: corrupt: the scenario data ends too soon",
        ),
        (
            link_from_wire(1, &wire(&[0], &[0xff, 0xff, 0xff, 0xff, 0x0f, 0])),
            "link: corrupt: the scenario data ends too soon",
        ),
        (
            link_from_wire(1, &wire(&[0], &[1, 0, 99])),
            "link: corrupt, or made by a newer version: an action or setting has an unknown tag",
        ),
        (
            link_from_wire(1, &[wire(&[0], &[0]), vec![7, 7]].concat()),
            "link: corrupt: 2 unexpected bytes after the scenario",
        ),
        (
            link_from_wire(1, &wire(&[1, 10, 0x80, 0x80, 0x40], &[0])),
            "link: config.bugs: unknown bug number 20",
        ),
        (
            link_from_wire(1, &wire(&[1, 3, 0xe0, 0xc6, 0x5b], &[0])),
            "link: config.loss: 1.5 is out of range (0 to 1)",
        ),
        (
            link_from_wire(1, &[&[0, 20, 0x90, 0x4e][..], &[0, 0, 0, 0]].concat()),
            "link: nodes: 20 is out of range (1 to 15)",
        ),
        (
            link_from_wire(1, &wire(&[0], &[1, 0xb0, 0x09, 0, 9])),
            "link: timeline[0].node: 9 is not a node (nodes 1 to 5 exist at 1200 ms)",
        ),
        (
            link_from_wire(
                1,
                &wire(
                    &[0],
                    &[
                        2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 7, 1, 7,
                    ],
                ),
            ),
            "link: timeline[1].at_ms: the sum of the time steps overflows",
        ),
    ];
    for (text, expected) in cases {
        assert_contains(&link_error(&text), expected);
    }
}

/// `count` heal actions (two bytes each on the wire), after a varint of `count`.
fn heals(count: u64) -> Vec<u8> {
    let mut bytes = varint(count);
    for _ in 0..count {
        bytes.extend([0, 7]);
    }
    bytes
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    while value >= 0x80 {
        bytes.push(value as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
    bytes
}

#[test]
fn long_lists_in_links_are_refused_without_decoding_them_whole() {
    let longest = Scenario::from_link(&link_from_wire(1, &wire(&[0], &heals(10_000))));
    assert_eq!(longest.map(|scenario| scenario.timeline.len()), Ok(10_000));
    assert_contains(
        &link_error(&link_from_wire(1, &wire(&[0], &heals(10_001)))),
        "link: timeline: 10001 actions is too many (the limit is 10000)",
    );
    // Four million actions in eight megabytes that compress to a few kilobytes: each is
    // decoded and dropped, so memory stays at the limit's worth.
    let bomb = link_from_wire(1, &wire(&[0], &heals(4_000_000)));
    assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
    assert_contains(
        &link_error(&bomb),
        "link: timeline: 4000000 actions is too many",
    );
    let groups: Vec<u8> = [vec![1, 0, 4, 65], [1, 1].repeat(65)].concat();
    assert_contains(
        &link_error(&link_from_wire(1, &wire(&[0], &groups))),
        "link: timeline[0].groups: 65 groups is too many (the limit is 64)",
    );
    let config: Vec<u8> = [vec![65], [7, 1].repeat(65)].concat();
    assert_contains(
        &link_error(&link_from_wire(1, &wire(&config, &[0]))),
        "link: config: 65 settings is too many (the limit is 64)",
    );
    let mut restore = vec![0, 5, 0x90, 0x4e, 0, 0, 0, 1, 1, 1];
    restore.extend(varint(1_001));
    for key in 0..1_001u32 {
        let key = key.to_string();
        restore.push(key.len() as u8);
        restore.extend(key.as_bytes());
        restore.push(0);
    }
    assert_contains(
        &link_error(&link_from_wire(1, &restore)),
        "link: restore.kv: 1001 keys is too many (the limit is 1000)",
    );
}

#[test]
fn an_altered_link_is_caught() {
    let payload = Scenario::default().to_link_payload();
    // Change each character in turn (after the version byte): every change must be an error
    // or, if the checksum happens to agree, a valid scenario; never a panic.
    let mut caught = 0;
    for position in 2..payload.len() {
        let mut altered = payload.clone().into_bytes();
        altered[position] = if altered[position] == b'A' {
            b'B'
        } else {
            b'A'
        };
        let altered = String::from_utf8(altered).expect("ASCII");
        if let Err(error) = Scenario::from_link(&altered) {
            assert!(error.to_string().starts_with("link: "), "{error}");
            caught += 1;
        }
    }
    assert!(
        caught >= payload.len() - 3,
        "only {caught} of {} changes caught",
        payload.len() - 2
    );
}
