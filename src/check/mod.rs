//! Checkers that observe runs from outside the nodes.

pub mod linearizability;
pub mod run;
pub mod safety;
pub mod shrink;
