//! End-to-end tests: each drives the real app window through WebDriver on its own display,
//! home folder and database. Screenshots land in `target/e2e-shots/`.

mod complaints;
mod decisions;
mod dialogs;
mod foundation;
mod live;
mod meaning;
mod reliability;
mod themes;

use std::path::PathBuf;

/// Where a test's screenshot goes.
pub fn shot(name: &str) -> PathBuf {
    chair_e2e::repo_root()
        .join("target/e2e-shots")
        .join(format!("{name}.png"))
}
