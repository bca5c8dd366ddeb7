//! Creating the demo workspace in an empty database.

use chair_core::workspace::DemoSummary;
use chair_core::{Valid, demo};
use chrono::{DateTime, Utc};

use crate::complaints::insert_batch;
use crate::meetings::insert_meeting;
use crate::personas::insert_persona;
use crate::{Result, Store, StoreError};

impl Store {
    /// Fills an empty database with the demo workspace as of `now`: its personas, its
    /// complaints and its planned meeting, in one transaction.
    pub async fn create_demo(&self, now: DateTime<Utc>) -> Result<DemoSummary> {
        let demo = demo::workspace(now)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let held: i64 = sqlx::query_scalar!(
            r#"SELECT (SELECT count(*) FROM personas) + (SELECT count(*) FROM complaints)
                    + (SELECT count(*) FROM meetings) AS "n!: i64""#
        )
        .fetch_one(&mut *tx)
        .await?;
        if held > 0 {
            return Err(StoreError::Conflict(
                "this database already holds data; the demo workspace only goes into an empty one"
                    .into(),
            ));
        }
        let mut persona_ids = Vec::new();
        for p in &demo.personas {
            persona_ids.push(insert_persona(&mut tx, p).await?);
        }
        let inserted = insert_batch(&mut tx, &demo.complaints).await?;
        let mut meeting = demo.meeting;
        meeting.persona_ids = persona_ids.clone();
        let meeting = Valid::parse(meeting)?;
        let meeting_id = insert_meeting(&mut tx, &meeting).await?;
        tx.commit().await?;
        Ok(DemoSummary {
            personas: persona_ids.len() as i64,
            complaints: inserted.inserted as i64,
            meeting_id,
            agenda_items: meeting.items.len() as i64,
        })
    }
}
