//! The binary layout of version 2 links: version 1's, followed by where the run stops inside
//! its last millisecond, so that a page paused after single steps shares the exact moment.
//!
//! FROZEN, as `wire_v1.rs` is: links in the wild decode with this struct forever. The types of
//! version 1 it holds keep growing only by the rules written there.

use serde::{Deserialize, Serialize};

use super::wire_v1::{self, ScenarioV1};
use super::{Scenario, ScenarioError};

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ScenarioV2 {
    scenario: ScenarioV1,
    events_in_last_ms: Option<u32>,
}

pub(super) fn to_wire(scenario: &Scenario) -> ScenarioV2 {
    ScenarioV2 {
        scenario: wire_v1::to_wire(scenario),
        events_in_last_ms: scenario.events_in_last_ms,
    }
}

pub(super) fn from_wire(wire: ScenarioV2) -> Result<Scenario, ScenarioError> {
    Ok(Scenario {
        events_in_last_ms: wire.events_in_last_ms,
        ..wire_v1::from_wire(wire.scenario)?
    })
}
