//! A fuzzer for the two decoders, run as an ordinary test: many random and mutated inputs
//! (truncations, changed characters, random base64, valid envelopes around garbage or mutated
//! scenario bytes, huge declared sizes, decompression bombs, mangled JSON). Every input must
//! give either a valid scenario that round-trips or an error with a message; a panic fails the
//! test and prints the input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use raft_playground::scenario::{Origin, Scenario};
use serde_json::Value;

use super::bad_input::link_from_wire;
use super::support::{Rng, random_scenario};

const LINK_INPUTS: usize = 120_000;
const JSON_INPUTS: usize = 40_000;
/// Valid scenarios the mutations start from.
const CORPUS_SIZE: usize = 200;

#[derive(Default)]
struct Tally {
    inputs: usize,
    accepted: usize,
}

/// A valid starting point: the scenario, its link payload and its v1 wire bytes.
struct Seed {
    payload: String,
    wire: Vec<u8>,
    json: String,
}

fn corpus(rng: &mut Rng) -> Vec<Seed> {
    (0..CORPUS_SIZE)
        .map(|_| {
            let scenario = random_scenario(rng);
            let payload = scenario.to_link_payload();
            let bytes = URL_SAFE_NO_PAD.decode(&payload).expect("our own payload");
            let wire = miniz_oxide::inflate::decompress_to_vec_zlib(&bytes[1..]).expect("ours");
            Seed {
                payload,
                wire,
                json: scenario.to_json(),
            }
        })
        .collect()
}

fn shown(input: &str) -> String {
    let mut shown: String = input.chars().take(300).collect();
    if shown.len() < input.len() {
        shown.push_str("...");
    }
    shown
}

fn check_link(input: &str, tally: &mut Tally) {
    tally.inputs += 1;
    let result = catch_unwind(AssertUnwindSafe(|| Scenario::from_link(input)));
    match result {
        Err(_) => panic!("from_link panicked on {:?}", shown(input)),
        Ok(Ok(scenario)) => {
            tally.accepted += 1;
            assert_eq!(scenario.validate(), Ok(()));
            let again = Scenario::from_link(&scenario.to_link_payload());
            assert_eq!(again.as_ref(), Ok(&scenario), "{:?}", shown(input));
        }
        Ok(Err(error)) => {
            let message = error.to_string();
            assert_eq!(error.origin, Origin::Link, "{message}");
            assert!(
                message.len() > "link: ".len() + 5,
                "{message:?} for {:?}",
                shown(input)
            );
        }
    }
}

fn check_json(input: &str, tally: &mut Tally) {
    tally.inputs += 1;
    let result = catch_unwind(AssertUnwindSafe(|| Scenario::from_json(input)));
    match result {
        Err(_) => panic!("from_json panicked on {:?}", shown(input)),
        Ok(Ok(scenario)) => {
            tally.accepted += 1;
            assert_eq!(scenario.validate(), Ok(()));
            assert_eq!(
                Scenario::from_json(&scenario.to_json()).as_ref(),
                Ok(&scenario)
            );
        }
        Ok(Err(error)) => {
            let message = error.to_string();
            assert_eq!(error.origin, Origin::Json, "{message}");
            assert!(message.len() > 5, "{message:?} for {:?}", shown(input));
        }
    }
}

const BASE64_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn random_bytes(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let len = rng.below(max_len + 1);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Changes the scenario bytes the way corruption or a hostile encoder would: flipped bits,
/// random bytes, bytes removed or repeated, and lengths that claim far more than is there.
fn mutate_wire(rng: &mut Rng, wire: &[u8]) -> Vec<u8> {
    let mut bytes = wire.to_vec();
    for _ in 0..rng.range(1, 4) {
        let position = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if position < bytes.len() => bytes[position] ^= 1 << rng.below(8),
            1 if position < bytes.len() => bytes[position] = rng.next_u64() as u8,
            2 if position < bytes.len() => {
                bytes.remove(position);
            }
            3 => {
                let huge_lengths: [&[u8]; 4] = [
                    &[0xff, 0xff, 0xff, 0xff, 0x0f][..],
                    &[0xff; 10][..],
                    &[
                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
                    ][..],
                    &[0xe8, 0x07][..],
                ];
                let huge = huge_lengths[rng.below(huge_lengths.len())];
                bytes.splice(position..position, huge.iter().copied());
            }
            4 => {
                let end = rng.range(position as u64, bytes.len() as u64) as usize;
                let copy = bytes[position..end].to_vec();
                bytes.splice(position..position, copy);
            }
            _ => bytes.truncate(position),
        }
    }
    bytes
}

fn link_input(rng: &mut Rng, corpus: &[Seed], bomb: &str) -> String {
    let seed = rng.pick(corpus);
    match rng.below(10) {
        0 => seed.payload[..rng.below(seed.payload.len() + 1)].to_string(),
        1 => {
            let mut bytes = seed.payload.clone().into_bytes();
            for _ in 0..rng.range(1, 3) {
                let position = rng.below(bytes.len());
                bytes[position] = *rng.pick(BASE64_ALPHABET);
            }
            String::from_utf8(bytes).expect("base64 alphabet is ASCII")
        }
        2 => {
            let len = rng.below(800);
            (0..len)
                .map(|_| *rng.pick(BASE64_ALPHABET) as char)
                .collect()
        }
        3 => link_from_wire(1, &random_bytes(rng, 200)),
        4 | 5 => link_from_wire(1, &mutate_wire(rng, &seed.wire)),
        6 => {
            let mut bytes = URL_SAFE_NO_PAD.decode(&seed.payload).expect("ours");
            bytes[0] = rng.next_u64() as u8;
            URL_SAFE_NO_PAD.encode(bytes)
        }
        7 => {
            let mut bytes = vec![1];
            bytes.extend(random_bytes(rng, 300));
            URL_SAFE_NO_PAD.encode(bytes)
        }
        8 => {
            let pieces = [
                "#",
                "s=",
                "&",
                "%3D",
                "https://x/?",
                " ",
                "é",
                "=",
                "\u{0}",
                "AQ",
            ];
            let mut text = String::new();
            for _ in 0..rng.range(0, 12) {
                text.push_str(pieces[rng.below(pieces.len())]);
                if rng.one_in(2) {
                    text.push_str(&seed.payload[..rng.below(seed.payload.len())]);
                }
            }
            text
        }
        _ if rng.one_in(2_000) => bomb.to_string(),
        _ => format!("https://example.org/play#t=1&s={}", seed.payload),
    }
}

const JSON_TOKENS: [&str; 25] = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "-1",
    "0",
    "1.5",
    "1e999",
    "1e-7",
    "18446744073709551616",
    "\"do\"",
    "\"node\"",
    "\"crash\"",
    "\"at_ms\"",
    "\\u0000",
    "\\",
    "\"format\": 2",
    "65",
    "\u{1F600}",
    "-9223372036854775808",
];

/// Text-level damage: characters removed, inserted, replaced or repeated.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.range(1, 4) {
        let position = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 => {
                let end = rng.range(position as u64, chars.len().min(position + 20) as u64);
                chars.drain(position..end as usize);
            }
            1 => {
                let token = rng.pick(&JSON_TOKENS);
                chars.splice(position..position, token.chars());
            }
            2 if position < chars.len() => chars[position] = rng.next_u64() as u8 as char,
            _ => chars.truncate(position),
        }
    }
    chars.into_iter().collect()
}

fn random_json_value(rng: &mut Rng) -> Value {
    let texts = [
        "null",
        "true",
        "-1",
        "0",
        "1",
        "1.5",
        "1e300",
        "18446744073709551616",
        "\"\"",
        "\"crash\"",
        "\"read_index\"",
        "[]",
        "[1, 2]",
        "[[1], [1]]",
        "{}",
        "65",
        "3600001",
        "{\"at_ms\": 1, \"do\": \"heal\"}",
        "\"vote_without_log_check\"",
        "-0.0",
        "-9223372036854775808",
        "9223372036854775808",
        "-200000",
        "1e-7",
    ];
    serde_json::from_str(texts[rng.below(texts.len())]).expect("valid JSON")
}

/// Structure-level damage: one value somewhere replaced, one field removed or one added.
fn mutate_structure(rng: &mut Rng, value: &mut Value) {
    let descend = rng.below(3) != 0;
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let index = rng.below(map.len());
            if let Some(child) = map.values_mut().nth(index) {
                return mutate_structure(rng, child);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let index = rng.below(items.len());
            return mutate_structure(rng, &mut items[index]);
        }
        _ => {}
    }
    match value {
        Value::Object(map) if rng.one_in(2) => {
            if rng.one_in(2) && !map.is_empty() {
                let key = map
                    .keys()
                    .nth(rng.below(map.len()))
                    .cloned()
                    .unwrap_or_default();
                map.remove(&key);
            } else {
                let names = [
                    "foo", "node", "via", "read", "groups", "at_ms", "restore", "kv",
                ];
                map.insert(rng.pick(&names).to_string(), random_json_value(rng));
            }
        }
        _ => *value = random_json_value(rng),
    }
}

/// Numbers at the edges of the integer types and of the limits.
const EXTREME_NUMBERS: [&str; 14] = [
    "-9223372036854775808",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "0",
    "1e999",
    "1.5",
    "4294967296",
    "2147483648",
    "-2147483649",
    "65",
    "256",
];

/// One number of the text (a run of digits) replaced by an extreme one.
fn mutate_number(rng: &mut Rng, text: &str) -> String {
    let bytes = text.as_bytes();
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&index| {
            bytes[index].is_ascii_digit() && (index == 0 || !bytes[index - 1].is_ascii_digit())
        })
        .collect();
    if starts.is_empty() {
        return text.to_string();
    }
    let start = starts[rng.below(starts.len())];
    let end = (start..bytes.len())
        .find(|&index| !bytes[index].is_ascii_digit())
        .unwrap_or(bytes.len());
    let number = EXTREME_NUMBERS[rng.below(EXTREME_NUMBERS.len())];
    format!("{}{number}{}", &text[..start], &text[end..])
}

fn json_input(rng: &mut Rng, corpus: &[Seed]) -> String {
    let seed = rng.pick(corpus);
    match rng.below(3) {
        0 => return mutate_text(rng, &seed.json),
        1 => return mutate_number(rng, &seed.json),
        _ => {}
    }
    let mut value: Value = serde_json::from_str(&seed.json).expect("our own JSON");
    for _ in 0..rng.range(1, 3) {
        mutate_structure(rng, &mut value);
    }
    value.to_string()
}

/// `SCENARIO_FUZZ_SEED` picks another run and `SCENARIO_FUZZ_SCALE` multiplies the number of
/// inputs, for longer hunts than CI's.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_decoders_survive_garbage() {
    let started = Instant::now();
    let seed = setting("SCENARIO_FUZZ_SEED", 0xf022_5eed);
    let scale = setting("SCENARIO_FUZZ_SCALE", 1) as usize;
    // Printed first, so that a failure can be replayed with SCENARIO_FUZZ_SEED.
    println!("fuzz: seed {seed}, scale {scale}");
    let mut rng = Rng::new(seed);
    let corpus = corpus(&mut rng);
    let bomb = link_from_wire(1, &vec![0; 9 << 20]);
    let mut links = Tally::default();
    for _ in 0..LINK_INPUTS * scale {
        let input = link_input(&mut rng, &corpus, &bomb);
        check_link(&input, &mut links);
    }
    let mut json = Tally::default();
    for _ in 0..JSON_INPUTS * scale {
        let input = json_input(&mut rng, &corpus);
        check_json(&input, &mut json);
    }
    println!(
        "fuzz: {} link inputs ({} decoded to valid scenarios), {} JSON inputs ({} valid), {} in all, in {:.2} s",
        links.inputs,
        links.accepted,
        json.inputs,
        json.accepted,
        links.inputs + json.inputs,
        started.elapsed().as_secs_f64()
    );
    // The mutations must reach past the envelope: some damaged scenarios still decode (and
    // round-trip), most are refused.
    assert!(links.accepted > 100 && links.accepted < links.inputs / 2);
    assert!(json.accepted > 100 && json.accepted < json.inputs / 2);
}

/// Virtual time each accepted scenario runs for in `what_decodes_also_runs`: enough for
/// elections, restores, snapshots and the first timeline actions, short enough for CI.
const RUN_MS: u64 = 3_000;
const RUNS: usize = 150;

/// Valid scenarios, random within every limit, run without a panic. Decoding alone let
/// through a restored term near `u64::MAX`, which overflowed at the first election (found by
/// a longer fuzzing hunt; `SCENARIO_FUZZ_SCALE` lengthens this one too).
#[test]
fn what_decodes_also_runs() {
    let seed = setting("SCENARIO_FUZZ_SEED", 0x5eed_0f2a);
    let scale = setting("SCENARIO_FUZZ_SCALE", 1) as usize;
    println!("fuzz runs: seed {seed}, scale {scale}");
    let mut rng = Rng::new(seed);
    for _ in 0..RUNS * scale {
        let mut scenario = random_scenario(&mut rng);
        if let Some(restore) = &mut scenario.restore {
            // The edges of the bound, where arithmetic on terms and indexes would overflow.
            let max = raft_playground::scenario::limits::RESTORE_POSITION_MAX;
            restore.term = [1, max - 1, max][rng.range(0, 2) as usize];
            restore.index = [1, max - 1, max][rng.range(0, 2) as usize];
        }
        scenario
            .validate()
            .unwrap_or_else(|error| panic!("random_scenario made an invalid one: {error}"));
        let json = scenario.to_json();
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let mut simulation = raft_playground::sim::Simulation::new(&scenario);
            simulation.run_until(RUN_MS * 1_000);
        }));
        assert!(
            ran.is_ok(),
            "a valid scenario panicked when run: {}",
            shown(&json)
        );
    }
}

/// A run restored at the largest index and term a scenario allows still reports every number
/// as JavaScript holds it exactly: the page's `state()` is the report, and numbers past 2^53 − 1
/// cannot reach a script (it got `null` when the bound was 2^53 − 1 itself, since the first
/// index after the snapshot was already past it). Crashes force elections, so terms count up.
#[test]
fn a_run_restored_at_the_largest_position_reports_numbers_a_script_holds() {
    let max = raft_playground::scenario::limits::RESTORE_POSITION_MAX;
    let json = format!(
        r#"{{"format": 1, "seed": 5, "nodes": 3,
            "workload": {{"writes_per_sec": 50, "reads_per_sec": 20}},
            "restore": {{"index": {max}, "term": {max}, "kv": {{"a": "1"}}}},
            "timeline": [
                {{"at_ms": 2000, "do": "crash", "node": 1}}, {{"at_ms": 2500, "do": "crash", "node": 2}},
                {{"at_ms": 4000, "do": "restart", "node": 1}}, {{"at_ms": 4000, "do": "restart", "node": 2}}
            ]}}"#
    );
    let scenario = Scenario::parse(&json).expect("the bounds themselves are valid");
    let mut simulation = raft_playground::sim::Simulation::new(&scenario);
    simulation.run_until(10_000_000);
    let report = serde_json::to_value(simulation.report(None)).expect("a report serializes");
    let largest = largest_number(&report);
    assert!(
        largest > max,
        "the run counted up from the restored position: {largest}"
    );
    assert!(
        largest < (1 << 53),
        "{largest} is past what a script holds exactly"
    );
}

fn largest_number(value: &Value) -> u64 {
    match value {
        Value::Number(number) => number.as_u64().unwrap_or(0),
        Value::Array(items) => items.iter().map(largest_number).max().unwrap_or(0),
        Value::Object(fields) => fields.values().map(largest_number).max().unwrap_or(0),
        _ => 0,
    }
}
