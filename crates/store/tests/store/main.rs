//! Store tests: each opens a fresh database file in its own temporary folder.
#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod support;

mod backup;
mod damage;
mod decisions;
mod demo;
mod hold;
mod import;
mod live;
mod meaning;
mod meetings;
mod migrations;
mod open;
mod personas;
mod ready;
mod relevance;
mod themes;
