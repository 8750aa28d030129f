//! Memory: the time machine's checkpoints stay within their budget on a long, busy run, and
//! the size estimate that budget relies on (`Simulation::approx_bytes`) is close to what a
//! clone really allocates, measured by a counting allocator (this file's own binary).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use raft_playground::scenario::Scenario;
use raft_playground::sim::Simulation;
use raft_playground::sim::time_travel::{CHECKPOINT_BUDGET_BYTES, TimeMachine};

/// Counts the bytes allocated, so a test can see what one clone costs.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on unchanged.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn busy(nodes: u32, writes: u32, reads: u32, seconds: u64) -> Scenario {
    Scenario::from_json(&format!(
        r#"{{"format": 1, "seed": 7, "nodes": {nodes},
            "workload": {{"writes_per_sec": {writes}, "reads_per_sec": {reads}}},
            "until_ms": {}}}"#,
        seconds * 1_000
    ))
    .unwrap()
}

// One test in this binary: the allocator's count is not shared with another test's thread.
#[test]
fn checkpoints_stay_within_budget_and_the_size_estimate_is_close() {
    for (nodes, writes, reads, seconds) in [(5, 10, 0, 60), (15, 100, 100, 30), (5, 100, 100, 120)]
    {
        let mut simulation = Simulation::new(&busy(nodes, writes, reads, seconds));
        simulation.run();
        let before = ALLOCATED.load(Ordering::Relaxed);
        let clone = simulation.clone();
        let allocated = ALLOCATED.load(Ordering::Relaxed) - before;
        let estimate = clone.approx_bytes();
        assert!(
            allocated / 2 <= estimate && estimate <= allocated * 2,
            "{nodes} nodes, {writes} writes/s, {reads} reads/s, {seconds} s: \
             a clone allocates {allocated} bytes, estimated {estimate}"
        );
    }

    // The safety checker forgets positions below every node's snapshot: it holds about as
    // many after ten busy minutes as after one (nodes snapshot every 100 entries).
    let mut simulation = Simulation::new(&busy(5, 100, 0, 600));
    simulation.run_until(60_000_000);
    let after_a_minute = simulation.checker().positions_remembered();
    simulation.run();
    let after_ten = simulation.checker().positions_remembered();
    assert!(
        after_ten < after_a_minute * 2,
        "the checker's books grew from {after_a_minute} positions after a minute to {after_ten} after ten"
    );

    // Ten busy minutes: each clone grows to about 30 MB, so 32 checkpoints would hold ~1 GB.
    let scenario = busy(5, 100, 100, 600);
    let mut machine = TimeMachine::new(&scenario);
    machine.advance_to(600_000_000);
    assert!(
        machine.checkpoint_bytes() <= CHECKPOINT_BUDGET_BYTES,
        "{} bytes in {} checkpoints",
        machine.checkpoint_bytes(),
        machine.checkpoint_count()
    );
    assert!(
        machine.checkpoint_count() >= 2,
        "time 0 and at least one more"
    );
    // Seeking back still gives exactly the state a straight run has there.
    machine.seek(420_000_000);
    let mut straight = Simulation::new(&scenario);
    straight.run_until(420_000_000);
    assert_eq!(machine.simulation().state_hash(), straight.state_hash());

    // Without snapshots every node keeps every entry, in memory and on disk: after two busy
    // minutes of 15 nodes one clone is larger than the whole budget, and is not kept (the
    // time machine kept the latest one whatever its size: 128 MB at 3.7 minutes here).
    let scenario = Scenario::from_json(
        r#"{"format": 1, "seed": 3, "nodes": 15, "config": {"snapshot_every": 0},
            "workload": {"writes_per_sec": 300}, "until_ms": 240000}"#,
    )
    .unwrap();
    let mut machine = TimeMachine::new(&scenario);
    machine.advance_to(240_000_000);
    assert!(machine.simulation().approx_bytes() > CHECKPOINT_BUDGET_BYTES);
    assert!(
        machine.checkpoint_bytes() <= CHECKPOINT_BUDGET_BYTES,
        "{} bytes in {} checkpoints",
        machine.checkpoint_bytes(),
        machine.checkpoint_count()
    );
    machine.seek(30_000_000);
    let mut straight = Simulation::new(&scenario);
    straight.run_until(30_000_000);
    assert_eq!(machine.simulation().state_hash(), straight.state_hash());
}
