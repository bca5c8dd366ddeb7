use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chair_core::complaint::NewComplaint;
use chair_core::import::{self, ImportError, ImportOptions, Rejection, Row};
use chrono::{TimeZone, Utc};

/// What a whole run of the importer produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub complaints: Vec<(u64, NewComplaint)>,
    pub rejections: Vec<Rejection>,
    pub stopped: Option<String>,
}

/// A repository fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// Writes `bytes` to a file named `name` in `dir`.
pub fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Plans and runs the importer over `path`.
pub fn import(path: &Path, options: &ImportOptions) -> Result<Outcome, ImportError> {
    let plan = import::plan(path, options)?;
    let mut out = Outcome::default();
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    out.stopped = plan.run(now, Arc::new(AtomicU64::new(0)), &mut |row| {
        match row {
            Row::Complaint { line, complaint } => out.complaints.push((line, *complaint)),
            Row::Rejected(r) => out.rejections.push(r),
        }
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

pub fn defaults() -> ImportOptions {
    ImportOptions::default()
}
