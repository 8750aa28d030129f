//! Random histories: generated from a model register, so they start linearizable, then maybe
//! broken.

use raft_playground::check::linearizability::{Operation, OperationKind, Outcome};

/// SplitMix64: a tiny seeded generator, so every random history is reproducible from its seed.
pub struct Random(pub u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.below(values.len() as u64) as usize]
    }
}

pub struct Shape {
    pub keys: &'static [&'static str],
    pub values: &'static [&'static str],
    pub clients: u64,
    pub operations: u64,
    /// The longest time between a call and its effect, and between the effect and the answer.
    pub latency_us: u64,
    /// The longest pause of a client between its operations.
    pub pause_us: u64,
    /// How many operations in a hundred get no answer.
    pub unanswered_percent: u64,
    /// Whether every write writes a value of its own, as a workload that tags values with the
    /// operation's id would; otherwise values repeat, which makes the search work harder.
    pub unique_values: bool,
    /// Whether some operations are compare-and-sets; otherwise they are writes.
    pub compare_and_set: bool,
    /// Whether a compare-and-set expects the value a recent operation may have written (as a
    /// client that read it would) and writes a value of its own; otherwise it picks both from
    /// `values`.
    pub compare_and_set_recent: bool,
}

/// A history in which each client calls one operation at a time; each operation takes effect
/// at one instant of its interval on a model of the map, so the history is linearizable. Some
/// operations are refused (no effect) and some never answered (an effect, possibly long after
/// the client gave up, or none).
pub fn model_history(random: &mut Random, shape: &Shape) -> Vec<Operation> {
    let mut client_free_us = vec![0_u64; shape.clients as usize];
    // (effect time, operation, whether it takes effect); outcomes are filled in below.
    let mut planned: Vec<(u64, Operation, bool)> = Vec::new();
    for id in 0..shape.operations {
        let client = random.below(shape.clients);
        let invoke_us = client_free_us[client as usize] + random.below(shape.pause_us + 1);
        let effect_us = invoke_us + random.below(shape.latency_us + 1);
        let complete_us = effect_us + random.below(shape.latency_us + 1);
        let key = random.pick(shape.keys).to_string();
        let kind = match random.below(10) {
            0..=3 => OperationKind::Read,
            4..=6 if shape.unique_values => OperationKind::Write {
                value: format!("w{id}"),
            },
            4..=6 => OperationKind::Write {
                value: random.pick(shape.values).to_string(),
            },
            7 => OperationKind::Delete,
            _ if !shape.compare_and_set => OperationKind::Write {
                value: format!("w{id}"),
            },
            _ if shape.compare_and_set_recent => OperationKind::CompareAndSet {
                expected: (!random.chance(15))
                    .then(|| format!("w{}", id.saturating_sub(1 + random.below(4)))),
                new: Some(format!("w{id}")),
            },
            _ => OperationKind::CompareAndSet {
                expected: pick_option(random, shape.values),
                new: pick_option(random, shape.values),
            },
        };
        let (outcome, effect_us, takes_effect) = match random.below(100) {
            0..=4 => (Outcome::Failed, effect_us, false),
            draw if draw < 5 + shape.unanswered_percent => {
                // The client gives up at `complete_us`; the effect may come much later.
                let late_us = effect_us + random.below(4 * shape.latency_us + 1);
                (Outcome::Unknown, late_us, random.chance(50))
            }
            _ => (Outcome::Written, effect_us, true), // the real outcome is set by the model
        };
        client_free_us[client as usize] = complete_us + 1;
        let operation = Operation {
            id,
            client_id: client,
            key,
            invoke_us,
            complete_us: Some(complete_us),
            kind,
            outcome,
        };
        planned.push((effect_us, operation, takes_effect));
    }
    planned.sort_by_key(|(effect_us, operation, _)| (*effect_us, operation.id));
    let mut model: std::collections::BTreeMap<String, Option<String>> = Default::default();
    let mut history = Vec::new();
    for (_, mut operation, takes_effect) in planned {
        if takes_effect {
            let state = model.entry(operation.key.clone()).or_default();
            let outcome = apply_to_model(state, &operation.kind);
            if operation.outcome != Outcome::Unknown {
                operation.outcome = outcome;
            }
        }
        history.push(operation);
    }
    history.sort_by_key(|operation| operation.id);
    history
}

fn pick_option(random: &mut Random, values: &[&str]) -> Option<String> {
    if random.chance(25) {
        None
    } else {
        Some(random.pick(values).to_string())
    }
}

fn apply_to_model(state: &mut Option<String>, kind: &OperationKind) -> Outcome {
    match kind {
        OperationKind::Read => Outcome::Read(state.clone()),
        OperationKind::Write { value } => {
            *state = Some(value.clone());
            Outcome::Written
        }
        OperationKind::Delete => {
            *state = None;
            Outcome::Deleted
        }
        OperationKind::CompareAndSet { expected, new } => {
            let succeeded = expected == state;
            if succeeded {
                *state = new.clone();
            }
            Outcome::CompareAndSet { succeeded }
        }
    }
}

/// Breaks one operation in a way a buggy cluster might: a read returns another value, a
/// compare-and-set reports the other result, or an answer moves earlier or later.
pub fn mutate(random: &mut Random, history: &mut [Operation], values: &[&str]) {
    let index = random.below(history.len() as u64) as usize;
    let operation = &mut history[index];
    match (&operation.kind, &mut operation.outcome) {
        (_, Outcome::Read(value)) => *value = pick_option(random, values),
        (_, Outcome::CompareAndSet { succeeded }) => *succeeded = !*succeeded,
        (_, Outcome::Unknown) => operation.outcome = answered(&operation.kind),
        (_, Outcome::Failed) => operation.outcome = answered(&operation.kind),
        _ => {
            // Shift the operation's interval, which changes the real-time order.
            let shift = random.below(40);
            operation.invoke_us += shift;
            operation.complete_us = operation.complete_us.map(|complete| complete + shift);
        }
    }
}

fn answered(kind: &OperationKind) -> Outcome {
    apply_to_model(&mut None, kind)
}

const SMALL: Shape = Shape {
    keys: &["a", "b"],
    values: &["1", "2", "3"],
    clients: 3,
    operations: 0, // set per history
    latency_us: 20,
    pause_us: 10,
    unanswered_percent: 25,
    unique_values: false,
    compare_and_set: true,
    compare_and_set_recent: false,
};

/// One random small history of the seed: up to 8 operations on 1 or 2 keys, broken more than
/// half the time.
pub fn small_history(seed: u64) -> Vec<Operation> {
    let mut random = Random(seed);
    let shape = Shape {
        keys: if random.chance(50) {
            &SMALL.keys[..1]
        } else {
            SMALL.keys
        },
        operations: 1 + random.below(8),
        clients: 1 + random.below(SMALL.clients),
        ..SMALL
    };
    let mut history = model_history(&mut random, &shape);
    if random.chance(60) {
        for _ in 0..=random.below(2) {
            mutate(&mut random, &mut history, shape.values);
        }
    }
    history
}

/// One random history of the seed with 10 to 24 operations by 4 clients on one key, mostly
/// overlapping, so that the searches backtrack far; broken more than half the time.
pub fn medium_history(seed: u64) -> Vec<Operation> {
    let mut random = Random(seed);
    let shape = Shape {
        keys: &SMALL.keys[..1],
        operations: 10 + random.below(15),
        clients: 4,
        ..SMALL
    };
    let mut history = model_history(&mut random, &shape);
    if random.chance(60) {
        for _ in 0..=random.below(3) {
            mutate(&mut random, &mut history, shape.values);
        }
    }
    history
}

/// One random history of the seed with 6 to 17 operations by 4 clients on one key, each write
/// of a value of its own and no compare-and-set: most writes are overwritten before anyone reads
/// them, which is what the search places only just before the write that hides them. Three
/// in four are changed as `mutate` does, a read then returning another written value (or
/// absence).
pub fn unique_write_history(seed: u64) -> Vec<Operation> {
    unique_history(seed, false)
}

/// The same with compare-and-sets that expect a value a recent operation may have written:
/// the ones that fail can need a write nobody read.
pub fn unique_write_history_with_compare_and_set(seed: u64) -> Vec<Operation> {
    unique_history(seed, true)
}

fn unique_history(seed: u64, compare_and_set: bool) -> Vec<Operation> {
    let mut random = Random(seed);
    let shape = Shape {
        keys: &SMALL.keys[..1],
        operations: 6 + random.below(12),
        clients: 4,
        unanswered_percent: 15,
        unique_values: true,
        compare_and_set,
        compare_and_set_recent: true,
        ..SMALL
    };
    let mut history = model_history(&mut random, &shape);
    let written: Vec<String> = history
        .iter()
        .filter_map(|operation| match &operation.kind {
            OperationKind::Write { value } => Some(value.clone()),
            OperationKind::CompareAndSet { new, .. } => new.clone(),
            _ => None,
        })
        .collect();
    let written: Vec<&str> = written.iter().map(String::as_str).collect();
    if random.chance(75) && !written.is_empty() {
        for _ in 0..=random.below(2) {
            mutate(&mut random, &mut history, &written);
        }
    }
    history
}
