//! Tests of the Raft core, driven through a small synchronous cluster (see `harness`).
//!
//! - `paper`: each test checks one rule of the Raft paper or Ongaro's thesis, and names it.
//! - `classic`: the classic cases of etcd's `raft_test.go`.
//! - `leases`: the promises a leader's lease counts on, each against a way around it.
//! - `removal`: a leader that commits its own removal hands leadership to a caught-up voter.
//! - `bugs`: each bug switch removes the rule that mattered: the broken core does the unsafe
//!   thing in a scripted case where the correct core does not.

mod harness;

mod bugs;
mod classic;
mod interplay;
mod leases;
mod paper;
mod removal;
