use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh database path in its own temporary folder.
pub struct Db {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Db {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("chair.db");
        Self { _dir: dir, path }
    }

    /// Runs `chair --db <this database> args...`.
    pub fn chair(&self, args: &[&str]) -> Output {
        chair_at(&self.path, args)
    }
}

/// Runs `chair --db path args...` and returns what it printed.
pub fn chair_at(path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chair"))
        .arg("--db")
        .arg(path)
        .args(args)
        .env_remove("EMPTY_CHAIR_DB")
        .output()
        .expect("chair runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The title of the demo meeting, which is named after the week it is held in.
pub fn demo_meeting() -> String {
    chair_core::demo::workspace(chrono::Utc::now())
        .expect("demo data parses")
        .meeting
        .title
}

/// The arguments of a `chair decision add` for the demo meeting that breaks no rule.
pub fn decision_args(statement: &str) -> Vec<String> {
    let meeting = demo_meeting();
    [
        "decision",
        "add",
        "--meeting",
        meeting.as_str(),
        "--item",
        "Chat-first customer support",
        "--statement",
        statement,
        "--impact",
        "helps",
        "--size",
        "small",
        "--impact-text",
        "Customers who cannot use chat still reach a person within a day",
        "--no-evidence",
    ]
    .map(String::from)
    .to_vec()
}
