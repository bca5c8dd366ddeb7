//! Counts of what the database holds.

use chair_core::workspace::WorkspaceStatus;

use crate::{Result, Store};

impl Store {
    /// How many personas, complaints, meetings and decisions are stored.
    pub async fn status(&self) -> Result<WorkspaceStatus> {
        let r = sqlx::query!(
            r#"SELECT (SELECT count(*) FROM personas) AS "personas!: i64",
                      (SELECT count(*) FROM complaints) AS "complaints!: i64",
                      (SELECT count(*) FROM meetings) AS "meetings!: i64",
                      (SELECT count(*) FROM decision_log) AS "decisions!: i64",
                      (SELECT count(*) FROM escalations WHERE answered_at IS NULL) AS "escalations_open!: i64""#
        )
        .fetch_one(&self.pool())
        .await?;
        Ok(WorkspaceStatus {
            db_path: self.path().display().to_string(),
            personas: r.personas,
            complaints: r.complaints,
            meetings: r.meetings,
            decisions: r.decisions,
            escalations_open: r.escalations_open,
        })
    }
}
