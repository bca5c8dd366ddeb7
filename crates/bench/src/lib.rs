//! Shared pieces of the measurements: the real data, the evaluation set, scoring.

pub mod corpus;
pub mod data;
pub mod metrics;
