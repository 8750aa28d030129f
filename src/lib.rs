//! Raft Playground: a complete Raft core, a deterministic simulator that runs a whole cluster of
//! it in virtual time, and a browser page that draws the cluster and lets a person break it.
//!
//! Layers, with data flowing one way (see `README.md` for the tour):
//! - [`raft`]: the Raft core, sans I/O.
//! - `ui` (wasm32 only): the Yew page and its canvas.

pub mod raft;
#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The version shown on the page and printed by the command-line tools.
pub const BUILD_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));
