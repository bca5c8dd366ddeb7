//! Core integration tests: the importer on real and hostile files, the ranking on constructed
//! complaints.
#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod import;
mod import_properties;
mod nasty;
mod pipeline;
mod support;
