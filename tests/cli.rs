//! `raft-sim` as a script calls it (a contract in ARCHITECTURE.md): exit status 0 for a clean
//! run, 2 for bad input with one line on stderr that names the problem, never a panic.
//! Native only: it starts the command as a process (and builds a non-UTF-8 name the Unix way).

#![cfg(unix)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use raft_playground::scenario::Scenario;

const SCENARIO: &str = r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 800}"#;

fn raft_sim(args: &[&std::ffi::OsStr], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_raft-sim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("raft-sim starts");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the text");
    child.wait_with_output().expect("raft-sim ends")
}

fn run(argument: &str) -> Output {
    raft_sim(&["run".as_ref(), argument.as_ref()], "")
}

/// The one line a refusal prints, after checking that it is a refusal.
fn refusal(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "bad input: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(output.stdout.is_empty(), "no report");
    stderr
}

fn state_hash(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    report["state_hash"].as_str().expect("a hash").to_string()
}

#[test]
fn an_argument_that_is_not_utf8_is_refused_by_name() {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.json");
    let stderr = refusal(&raft_sim(&["run".as_ref(), name], ""));
    assert!(
        stderr.contains(r#""bad\xFFname.json" is not UTF-8 text"#),
        "{stderr}"
    );
}

#[test]
fn a_missing_file_is_named_as_one_whatever_its_name() {
    for name in ["/nonexistent", "./missing", "missing.json"] {
        let stderr = refusal(&run(name));
        assert!(
            stderr.contains(&format!("cannot read {name:?}: no such file")),
            "{stderr}"
        );
    }
    // A full link with no scenario in it is still read as a link.
    let stderr = refusal(&run("http://127.0.0.1:8080/"));
    assert!(stderr.contains("no scenario in it"), "{stderr}");
}

#[test]
fn a_dash_reads_the_scenario_from_standard_input() {
    let piped = raft_sim(&["run".as_ref(), "-".as_ref()], SCENARIO);
    assert_eq!(state_hash(&piped), state_hash(&run(SCENARIO)));
    let stderr = refusal(&raft_sim(&["run".as_ref(), "-".as_ref()], "  \n"));
    assert!(stderr.contains("standard input is empty"), "{stderr}");
}

#[test]
fn json_that_is_not_an_object_is_called_json() {
    for (text, found) in [
        ("null", "null"),
        (r#""hi""#, r#"the string "hi""#),
        ("true", "true"),
    ] {
        let stderr = refusal(&run(text));
        assert!(
            stderr.contains(&format!(
                "expected a scenario (a JSON object), found {found}"
            )),
            "{text}: {stderr}"
        );
    }
}

#[test]
fn a_number_too_large_for_64_bits_is_written_out_whole() {
    let stderr = refusal(&run(r#"{"format": 1, "seed": 18446744073709551616}"#));
    assert!(
        stderr.contains("seed: 18446744073709551616 is out of range"),
        "{stderr}"
    );
}

/// A link escaped by a chat or mail program (every character as `%XX`, a trailing `%20`)
/// replays as the link itself does, as it does in the page's address bar.
#[test]
fn a_percent_escaped_link_runs_as_the_link() {
    let scenario = Scenario::parse(SCENARIO).expect("valid");
    let link = scenario.to_link("http://127.0.0.1:8080/");
    let (base, payload) = link.split_once("#s=").expect("a full link");
    let escaped: String = payload.bytes().map(|byte| format!("%{byte:02X}")).collect();
    let escaped = format!("{base}#s={escaped}%20");
    assert_eq!(state_hash(&run(&escaped)), state_hash(&run(&link)));
    assert_eq!(Scenario::parse(&escaped), Ok(scenario));
}

#[test]
fn a_failed_write_is_an_error_not_silence() {
    let full = std::fs::File::create("/dev/full").expect("Linux has /dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_raft-sim"))
        .args(["run", SCENARIO])
        .stdout(full)
        .output()
        .expect("raft-sim runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}

#[test]
fn export_given_a_file_says_it_takes_a_link() {
    let file = std::env::temp_dir().join("raft-sim-cli-export.json");
    std::fs::write(&file, SCENARIO).expect("a scratch file");
    let path = file.to_str().expect("a UTF-8 temp dir");
    let stderr = refusal(&raft_sim(&["export".as_ref(), path.as_ref()], ""));
    assert!(
        stderr.contains("is a file, and export takes a link"),
        "{stderr}"
    );
}

/// A timeline of many long actions outgrows what a link holds: `link` says so instead of
/// printing a link that `run` (and the page) refuse; one that fits opens as before.
#[test]
fn link_refuses_a_scenario_too_long_for_a_link() {
    // Letters from a xorshift generator: they do not compress much.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut letter = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        char::from(b'a' + (state % 26) as u8)
    };
    let mut put = |index: usize| {
        let value: String = (0..200).map(|_| letter()).collect();
        format!(
            r#"{{"at_ms": {}, "do": "put", "key": "k", "value": "{value}"}}"#,
            100 + index
        )
    };
    let file = std::env::temp_dir().join("raft-sim-cli-long-link.json");
    for (count, fits) in [(10, true), (200, false)] {
        let timeline: Vec<String> = (0..count).map(&mut put).collect();
        let scenario = format!(
            r#"{{"format": 1, "timeline": [{}], "until_ms": 500}}"#,
            timeline.join(",")
        );
        std::fs::write(&file, scenario).expect("a scratch file");
        let path = file.to_str().expect("a UTF-8 temp dir");
        let output = raft_sim(&["link".as_ref(), path.as_ref()], "");
        if fits {
            let link = String::from_utf8(output.stdout).expect("a link");
            state_hash(&run(link.trim()));
        } else {
            let stderr = refusal(&output);
            assert!(stderr.contains("does not fit in a link"), "{stderr}");
            assert!(stderr.contains("the limit is 16384"), "{stderr}");
        }
    }
}
