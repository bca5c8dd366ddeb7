//! End-to-end tests: each drives the real app window through WebDriver on its own display,
//! home folder and database. Screenshots land in `target/e2e-shots/`.

mod complaints;
mod decisions;
mod dialogs;
mod foundation;
mod live;
mod meaning;
mod org;
mod reliability;
mod themes;

/// The throwaway PostgreSQL 15 cluster of the organisation log's own tests.
#[path = "../../crates/org/tests/org/cluster.rs"]
#[allow(dead_code)]
mod pg;

use std::path::PathBuf;

/// Where a test's screenshot goes.
pub fn shot(name: &str) -> PathBuf {
    chair_e2e::repo_root()
        .join("target/e2e-shots")
        .join(format!("{name}.png"))
}
