//! Command-line tests: each runs the real `chair` binary on a fresh database file.
#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod support;

mod complaints;
mod decisions;
mod escalations;
mod personas;
mod workspace;
