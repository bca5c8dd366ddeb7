//! "?" escalations: a question on a complaint raised in a meeting, owned by someone and due by a
//! date, open until answered; listed by state and counted for the leaders' dashboard.

use chair_core::Valid;
use chair_core::live::{
    Escalation, EscalationDraft, EscalationFilter, EscalationState, EventKind, MeetingEvent,
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::live::{event, moment};
use crate::rows;
use crate::time::ts;
use crate::{Result, Store, StoreError};

impl Store {
    /// Raises a "?" on a complaint; it stays open until answered.
    pub async fn raise_escalation(
        &self,
        d: &Valid<EscalationDraft>,
        at: DateTime<Utc>,
    ) -> Result<Escalation> {
        let id = Uuid::now_v7();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (hid, complaint) = (
            id.hyphenated().to_string(),
            d.complaint_id.hyphenated().to_string(),
        );
        let meeting = d.meeting_id.map(|m| m.hyphenated().to_string());
        let item = d.agenda_item_id.map(|i| i.hyphenated().to_string());
        let (due, raised_at) = (d.due.to_string(), ts(at));
        sqlx::query!(
            "INSERT INTO escalations (id, complaint_id, meeting_id, agenda_item_id, question, owner, due, raised_by, raised_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            hid,
            complaint,
            meeting,
            item,
            d.question,
            d.owner,
            due,
            d.raised_by,
            raised_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound("that complaint, meeting or agenda item no longer exists".into())
            }
            other => other.into(),
        })?;
        if let Some(m) = d.meeting_id {
            let text = format!("{} — {}", d.question, d.owner);
            let asked = MeetingEvent {
                text,
                complaint_id: Some(d.complaint_id),
                by: d.raised_by.clone(),
                ..moment(EventKind::Question, d.agenda_item_id, at)
            };
            event(&mut tx, m, asked).await?;
        }
        tx.commit().await?;
        self.escalations_where(EscalationFilter::All, at.date_naive(), Some(id), None)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound("the escalation was not stored".into()))
    }

    /// Answers an open escalation with what was found.
    pub async fn answer_escalation(
        &self,
        id: Uuid,
        resolution: &str,
        at: DateTime<Utc>,
    ) -> Result<Escalation> {
        let resolution = chair_core::validate::optional("resolution", resolution, 4_000)?;
        if resolution.chars().filter(|c| c.is_alphabetic()).count() < 3 {
            return Err(chair_core::Invalid::new("resolution", "say what was found out").into());
        }
        let (answered_at, hid) = (ts(at), id.hyphenated().to_string());
        let done = sqlx::query!(
            "UPDATE escalations SET answered_at = ?, resolution = ? WHERE id = ? AND answered_at IS NULL",
            answered_at,
            resolution,
            hid
        )
        .execute(&self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "that escalation is already answered or no longer exists".into(),
            ));
        }
        self.escalations_where(EscalationFilter::All, at.date_naive(), Some(id), None)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound("that escalation no longer exists".into()))
    }

    /// Escalations, overdue first, then by due date.
    pub async fn escalations(
        &self,
        filter: EscalationFilter,
        today: NaiveDate,
    ) -> Result<Vec<Escalation>> {
        self.escalations_where(filter, today, None, None).await
    }

    /// The escalations raised in `meeting`.
    pub async fn meeting_escalations(
        &self,
        meeting: Uuid,
        today: NaiveDate,
    ) -> Result<Vec<Escalation>> {
        self.escalations_where(EscalationFilter::All, today, None, Some(meeting))
            .await
    }

    async fn escalations_where(
        &self,
        filter: EscalationFilter,
        today: NaiveDate,
        id: Option<Uuid>,
        meeting: Option<Uuid>,
    ) -> Result<Vec<Escalation>> {
        let id = id.map(|i| i.hyphenated().to_string());
        let meeting = meeting.map(|m| m.hyphenated().to_string());
        let rows = sqlx::query!(
            r#"SELECT e.id, e.complaint_id, e.meeting_id, e.agenda_item_id, e.question, e.owner, e.due,
                      e.raised_by, e.raised_at, e.answered_at, e.resolution,
                      c.title AS complaint_title,
                      substr(c.body, 1, 240) AS "complaint_excerpt!: String", c.external_id,
                      coalesce(m.title, '') AS "meeting_title!: String",
                      coalesce(a.title, '') AS "item_title!: String"
                 FROM escalations e
                 JOIN complaints c ON c.id = e.complaint_id
                 LEFT JOIN meetings m ON m.id = e.meeting_id
                 LEFT JOIN agenda_items a ON a.id = e.agenda_item_id
                WHERE (?1 IS NULL OR e.id = ?1) AND (?2 IS NULL OR e.meeting_id = ?2)
                ORDER BY e.answered_at IS NOT NULL, e.due, e.raised_at"#,
            id,
            meeting
        )
        .fetch_all(&self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let due = NaiveDate::parse_from_str(&r.due, "%Y-%m-%d").map_err(|_| {
                StoreError::Corrupt("an escalation has an unreadable due date".into())
            })?;
            let answered_at = r
                .answered_at
                .map(|a| rows::parse_time(&a, "escalation", "answered_at"))
                .transpose()?;
            let state = match answered_at {
                Some(_) => EscalationState::Answered,
                None if due < today => EscalationState::Overdue,
                None => EscalationState::Open,
            };
            let keep = match filter {
                EscalationFilter::All => true,
                EscalationFilter::Open => state != EscalationState::Answered,
                EscalationFilter::Overdue => state == EscalationState::Overdue,
                EscalationFilter::Answered => state == EscalationState::Answered,
            };
            if !keep {
                continue;
            }
            out.push(Escalation {
                id: rows::parse_id(&r.id, "escalation", "id")?,
                state,
                complaint_id: rows::parse_id(&r.complaint_id, "escalation", "complaint_id")?,
                complaint_title: r.complaint_title,
                complaint_excerpt: r.complaint_excerpt,
                complaint_external_id: r.external_id,
                meeting_id: r
                    .meeting_id
                    .map(|m| rows::parse_id(&m, "escalation", "meeting_id"))
                    .transpose()?,
                meeting_title: r.meeting_title,
                agenda_item_id: r
                    .agenda_item_id
                    .map(|i| rows::parse_id(&i, "escalation", "agenda_item_id"))
                    .transpose()?,
                item_title: r.item_title,
                question: r.question,
                owner: r.owner,
                due,
                raised_by: r.raised_by,
                raised_at: rows::parse_time(&r.raised_at, "escalation", "raised_at")?,
                answered_at,
                resolution: r.resolution,
            });
        }
        if filter != EscalationFilter::Answered {
            out.sort_by_key(|e| {
                (
                    e.state != EscalationState::Overdue,
                    e.state == EscalationState::Answered,
                    e.due,
                )
            });
        }
        Ok(out)
    }

    /// Open and overdue escalations, counted.
    pub async fn escalation_counts(&self, today: NaiveDate) -> Result<(i64, i64)> {
        let today = today.to_string();
        let r = sqlx::query!(
            r#"SELECT count(*) AS "open!: i64", coalesce(sum(due < ?), 0) AS "overdue!: i64"
                 FROM escalations WHERE answered_at IS NULL"#,
            today
        )
        .fetch_one(&self.pool())
        .await?;
        Ok((r.open, r.overdue))
    }
}
