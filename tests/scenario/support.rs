//! A tiny seeded generator and random valid scenarios, for the round-trip property test and
//! as the fuzzer's seeds.

use std::collections::BTreeMap;

use raft_playground::raft::{Bug, Bugs};
use raft_playground::scenario::{
    Action, ReadKind, Restore, Scenario, ScenarioConfig, TimedAction, Workload, limits,
};

/// SplitMix64: small, fast, and good enough to drive a fuzzer; no crate needed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    pub fn below(&mut self, bound: usize) -> usize {
        self.range(0, bound as u64 - 1) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next_u64().is_multiple_of(n)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text with characters that stress escaping and UTF-8, at most `max_bytes` long.
pub fn random_text(rng: &mut Rng, min_chars: usize, max_bytes: usize) -> String {
    const CHARACTERS: [char; 10] = ['a', 'z', '0', ' ', '"', '\\', '/', 'é', '😀', '#'];
    let mut text = String::new();
    let wanted = rng.range(min_chars as u64, 12) as usize;
    while text.chars().count() < wanted {
        let character = *rng.pick(&CHARACTERS);
        if text.len() + character.len_utf8() > max_bytes {
            break;
        }
        text.push(character);
    }
    text
}

fn pair(rng: &mut Rng, max: u64) -> (u64, u64) {
    let low = rng.range(0, max);
    (low, rng.range(low, max))
}

fn probability_ppm(rng: &mut Rng) -> u32 {
    match rng.below(4) {
        0 => 0,
        1 => 1_000_000,
        _ => rng.range(0, 1_000_000) as u32,
    }
}

pub fn random_config(rng: &mut Rng) -> ScenarioConfig {
    if rng.one_in(3) {
        return ScenarioConfig::default();
    }
    let timeout_min = rng.range(2, 1_000);
    let bugs: Bugs = Bug::ALL.into_iter().filter(|_| rng.one_in(4)).collect();
    ScenarioConfig {
        election_timeout_ms: (
            timeout_min,
            rng.range(timeout_min + 1, limits::TIMER_MS_MAX),
        ),
        heartbeat_ms: rng.range(1, timeout_min - 1),
        latency_ms: pair(rng, limits::LATENCY_MS_MAX),
        loss_ppm: probability_ppm(rng),
        duplicate_ppm: probability_ppm(rng),
        disk_ms: pair(rng, limits::DISK_MS_MAX),
        snapshot_every: rng.range(0, limits::SNAPSHOT_EVERY_MAX),
        pre_vote: rng.one_in(2),
        check_quorum: rng.one_in(2),
        clock_drift_bound_ppm: rng.range(0, limits::CLOCK_DRIFT_BOUND_PPM_MAX),
        bugs,
        crash_after_vote_ppm: probability_ppm(rng),
        crash_after_commit_ppm: probability_ppm(rng),
        crash_restart_ms: pair(rng, limits::TIMER_MS_MAX),
        check_liveness_from_ms: rng.one_in(2).then(|| rng.range(0, limits::UNTIL_MS_MAX)),
    }
}

fn random_workload(rng: &mut Rng) -> Workload {
    if rng.one_in(2) {
        return Workload::default();
    }
    Workload {
        writes_per_sec: rng.range(0, limits::RATE_PER_SEC_MAX) as u32,
        reads_per_sec: rng.range(0, limits::RATE_PER_SEC_MAX) as u32,
        keys: rng.range(limits::KEYS_MIN, limits::KEYS_MAX) as u32,
        cas_percent: rng.range(0, 100) as u8,
        read: *rng.pick(&ReadKind::ALL),
    }
}

/// A valid action when ids `1..=node_count` exist.
pub fn random_action(rng: &mut Rng, node_count: u64) -> Action {
    let node = rng.range(1, node_count);
    let via = if rng.one_in(2) {
        None
    } else {
        Some(rng.range(1, node_count))
    };
    let key = random_text(rng, 1, limits::KEY_BYTES_MAX);
    let value = random_text(rng, 0, limits::VALUE_BYTES_MAX);
    let other = if node == node_count { 1 } else { node + 1 };
    let optional = |rng: &mut Rng, value: &str| (!rng.one_in(3)).then(|| value.to_string());
    match rng.below(23) {
        0 => Action::Crash { node },
        1 => Action::Restart { node },
        2 => Action::Pause { node },
        3 => Action::Resume { node },
        4 => Action::Partition {
            groups: random_groups(rng, node_count),
        },
        5 if node_count > 1 => Action::Cut {
            from: node,
            to: other,
        },
        6 if node_count > 1 => Action::SlowLink {
            from: node,
            to: other,
            extra_ms: rng.range(0, limits::LATENCY_MS_MAX),
        },
        8 => Action::Put { key, value, via },
        9 => Action::Get {
            key,
            via,
            read: *rng.pick(&ReadKind::ALL),
        },
        10 => Action::Delete { key, via },
        11 => Action::Cas {
            key,
            expected: optional(rng, &value),
            new: optional(rng, "new"),
            via,
        },
        12 => Action::Timeout { node },
        13 => Action::Snapshot { node },
        14 => Action::AddNode,
        15 => Action::RemoveNode { node },
        16 => Action::TransferLeader { to: node },
        17 => Action::Backup,
        18 => Action::Network {
            loss_ppm: Some(probability_ppm(rng)),
            duplicate_ppm: (!rng.one_in(2)).then(|| probability_ppm(rng)),
            latency_ms: (!rng.one_in(2)).then(|| pair(rng, limits::LATENCY_MS_MAX)),
        },
        19 => Action::Drift {
            node,
            ppm: rng.range(0, 400_000) as i32 - 200_000,
        },
        20 => Action::DropMessage { id: rng.next_u64() },
        21 => Action::DelayMessage {
            id: rng.range(0, 1_000),
            by_ms: rng.range(0, limits::LATENCY_MS_MAX),
        },
        22 => Action::DuplicateMessage {
            id: rng.range(0, 1_000),
        },
        _ => Action::Heal,
    }
}

/// Disjoint, non-empty groups over a random subset of the nodes.
fn random_groups(rng: &mut Rng, node_count: u64) -> Vec<Vec<u64>> {
    let mut groups: Vec<Vec<u64>> = Vec::new();
    for node in 1..=node_count {
        match rng.below(3) {
            0 => {}
            1 if !groups.is_empty() => {
                let index = rng.below(groups.len());
                groups[index].push(node);
            }
            _ => groups.push(vec![node]),
        }
    }
    groups
}

pub fn random_scenario(rng: &mut Rng) -> Scenario {
    let nodes = rng.range(limits::NODES_MIN, limits::NODES_MAX);
    let until_ms = if rng.one_in(4) {
        rng.range(limits::UNTIL_MS_MIN, limits::UNTIL_MS_MAX)
    } else {
        rng.range(1_000, 60_000)
    };
    let mut node_count = nodes;
    let mut at_ms = 0;
    let mut timeline = Vec::new();
    for _ in 0..rng.range(0, 40) {
        at_ms = rng.range(at_ms, (at_ms + 2_000).min(until_ms));
        let mut action = random_action(rng, node_count);
        if action == Action::AddNode {
            if node_count == limits::NODE_ID_MAX {
                action = Action::Heal;
            } else {
                node_count += 1;
            }
        }
        timeline.push(TimedAction { at_ms, action });
    }
    let restore = rng.one_in(5).then(|| Restore {
        index: rng.range(1, raft_playground::scenario::limits::RESTORE_POSITION_MAX),
        term: rng.range(1, 100),
        kv: (0..rng.range(0, 5))
            .map(|_| (random_text(rng, 1, 64), random_text(rng, 0, 256)))
            .collect::<BTreeMap<_, _>>(),
    });
    Scenario {
        seed: if rng.one_in(2) {
            rng.range(0, 100)
        } else {
            rng.next_u64()
        },
        nodes: nodes as u8,
        config: random_config(rng),
        workload: random_workload(rng),
        timeline,
        until_ms,
        events_in_last_ms: rng.one_in(3).then(|| rng.range(1, 50_000_000) as u32),
        restore,
    }
}
