//! The Raft core: a complete, sans-I/O implementation of Raft.
//!
//! It owns the protocol: roles, terms and votes, the log, commitment, snapshots and
//! InstallSnapshot, pre-vote, check-quorum, leadership transfer, membership changes, ReadIndex
//! and lease reads. It has no clock, no randomness of its own, no I/O and no web crate: a
//! driver hands a [`RaftNode`] the time and a random source with every input and carries out
//! the [`Output`] it takes back (persist, then send, then apply). The same core runs natively
//! and in the browser, and given the same inputs it does the same thing.
//!
//! Names follow the Raft paper ("In Search of an Understandable Consensus Algorithm") and
//! Ongaro's dissertation ("thesis"), whose sections the code cites.

mod config;
mod log;
mod message;
mod node;
mod output;
mod progress;
mod quorum;
mod types;

pub use config::{Bug, Bugs, Config};
pub use log::RaftLog;
pub use message::{AppendOutcome, Message, MessageBody};
pub use node::TransferError;
pub use node::{CompactError, ProposeError, RaftNode, RandomSource, ReadMode, Role};
pub use output::{LogWrite, Output, PersistWrite, ReadError, ReadResult};
pub use progress::{Inflight, Progress, ProgressState};
pub use quorum::{majority, quorum_index};
pub use types::{
    Bytes, Entry, HardState, Index, Membership, MembershipChange, MembershipError, NodeId, Payload,
    PersistentState, Snapshot, Term,
};
