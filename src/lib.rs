//! Raft Playground: a complete Raft core, a deterministic simulator that runs a whole cluster of
//! it in virtual time, and a browser page that draws the cluster and lets a person break it.
//!
//! Layers, with data flowing one way (see `README.md` for the tour):
//! - [`raft`]: the Raft core, sans I/O.
//! - [`kv`]: the replicated key-value state machine.
//! - [`scenario`]: a run as data (seed, config, timeline), as JSON and as a link.
//! - [`check`]: checkers that observe runs from outside the nodes.
//! - [`view`]: what the page draws, as plain data computed from a simulation.
//! - `ui` (wasm32 only): the Yew page and its canvas.

pub mod check;
pub mod kv;
pub mod lessons;
pub mod raft;
pub mod scenario;
pub mod sim;
#[cfg(target_arch = "wasm32")]
pub mod ui;
pub mod view;

/// The version shown on the page and printed by the command-line tools.
pub const BUILD_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));
