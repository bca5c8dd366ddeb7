//! Core integration tests: the importer on real and hostile files.
#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod import;
mod import_properties;
mod nasty;
mod support;
