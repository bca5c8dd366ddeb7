//! What a workspace holds, for the first-start screen and the status bar.

use serde::{Deserialize, Serialize};

/// Counts of what the open database holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WorkspaceStatus {
    /// The database file.
    pub db_path: String,
    pub personas: i64,
    pub complaints: i64,
    pub meetings: i64,
    pub decisions: i64,
    /// "?" escalations still waiting for an answer.
    pub escalations_open: i64,
}

impl WorkspaceStatus {
    /// True when nothing has been stored yet, so the app offers the demo workspace.
    pub fn is_empty(&self) -> bool {
        self.personas == 0 && self.complaints == 0 && self.meetings == 0 && self.decisions == 0
    }
}

/// What creating the demo workspace stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoSummary {
    pub personas: i64,
    pub complaints: i64,
    pub meeting_id: uuid::Uuid,
    pub agenda_items: i64,
}

/// A copy of the database kept in the backups folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupInfo {
    pub path: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub bytes: u64,
    /// Why it was made: "start", "meeting-closed", "manual".
    pub reason: String,
}

/// What a full check of the database found; empty lists mean all is well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HealthReport {
    /// SQLite's `integrity_check` findings.
    pub integrity: Vec<String>,
    /// Full-text index findings, per index.
    pub indexes: Vec<String>,
    /// The decision log's hash chain.
    pub log: crate::chain::VerifyReport,
}

impl HealthReport {
    /// True when the file, its indexes and the log all check out.
    pub fn healthy(&self) -> bool {
        self.integrity.is_empty() && self.indexes.is_empty() && self.log.intact
    }
}
