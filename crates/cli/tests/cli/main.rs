//! Command-line tests: each runs the real `chair` binary on a fresh database file.
#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod support;

mod complaints;
mod crash;
mod decisions;
mod disk_full;
mod escalations;
mod org;
#[allow(dead_code)] // the organisation crate's test cluster, shared
#[path = "../../../org/tests/org/cluster.rs"]
mod org_cluster;
mod personas;
mod workspace;
