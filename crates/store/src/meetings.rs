//! Meetings with their agenda items and the personas in the chair.

use chair_core::Valid;
use chair_core::meeting::{
    AgendaItem, AgendaItemDraft, Meeting, MeetingDraft, MeetingStatus, MeetingSummary,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::time::{now, ts};
use crate::{Result, Store, StoreError};

fn status(s: &str) -> Result<MeetingStatus> {
    MeetingStatus::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("a meeting has an unknown status \"{s}\"")))
}

fn gone() -> StoreError {
    StoreError::NotFound("that meeting no longer exists".into())
}

impl Store {
    /// Every meeting, the most recently scheduled first, then unscheduled ones.
    pub async fn list_meetings(&self) -> Result<Vec<MeetingSummary>> {
        let rows = sqlx::query!(
            r#"SELECT m.id AS "id: Hyphenated", m.title,
                      m.scheduled_at AS "scheduled_at: DateTime<Utc>",
                      m.facilitator, m.advocate, m.status,
                      m.updated_at AS "updated_at: DateTime<Utc>",
                      (SELECT count(*) FROM agenda_items a WHERE a.meeting_id = m.id) AS "item_count!: i64",
                      (SELECT count(*) FROM decision_log d WHERE d.meeting_id = m.id) AS "decision_count!: i64"
                 FROM meetings m
                ORDER BY m.scheduled_at IS NULL, m.scheduled_at DESC, m.created_at DESC"#
        )
        .fetch_all(&self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(MeetingSummary {
                    id: r.id.into_uuid(),
                    title: r.title,
                    scheduled_at: r.scheduled_at,
                    facilitator: r.facilitator,
                    advocate: r.advocate,
                    status: status(&r.status)?,
                    item_count: r.item_count,
                    decision_count: r.decision_count,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    /// The id of the meeting named by `key`: its id, or its exact title (ignoring case).
    pub async fn find_meeting(&self, key: &str) -> Result<Uuid> {
        let key = key.trim();
        if let Ok(id) = Uuid::parse_str(key) {
            let hid = id.hyphenated();
            let found = sqlx::query_scalar!("SELECT 1 AS one FROM meetings WHERE id = ?", hid)
                .fetch_optional(&self.pool())
                .await?;
            return found.map(|_| id).ok_or_else(gone);
        }
        let ids = sqlx::query_scalar!(
            r#"SELECT id AS "id: Hyphenated" FROM meetings WHERE title = ? COLLATE NOCASE"#,
            key
        )
        .fetch_all(&self.pool())
        .await?;
        match ids.as_slice() {
            [one] => Ok(one.into_uuid()),
            [] => Err(StoreError::NotFound(format!(
                "there is no meeting titled \"{key}\""
            ))),
            many => Err(StoreError::Conflict(format!(
                "{} meetings are titled \"{key}\"; name one by its id: {}",
                many.len(),
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The meeting named by `meeting` (id or title) and its agenda item named by `item`,
    /// creating either when no meeting or item has that title.
    pub async fn ensure_meeting_item(
        &self,
        meeting: &str,
        item: Option<&str>,
    ) -> Result<(Uuid, Option<Uuid>)> {
        let meeting_id = match self.find_meeting(meeting).await {
            Ok(id) => id,
            Err(StoreError::NotFound(_)) if Uuid::parse_str(meeting.trim()).is_err() => {
                let draft = Valid::parse(MeetingDraft {
                    title: meeting.to_string(),
                    ..Default::default()
                })?;
                self.create_meeting(&draft).await?
            }
            Err(e) => return Err(e),
        };
        let Some(item) = item.map(str::trim).filter(|i| !i.is_empty()) else {
            return Ok((meeting_id, None));
        };
        let agenda = self.agenda(meeting_id).await?;
        if let Ok(id) = Uuid::parse_str(item) {
            return agenda
                .iter()
                .find(|a| a.id == id)
                .map(|a| (meeting_id, Some(a.id)))
                .ok_or_else(|| {
                    StoreError::NotFound(format!("the meeting has no agenda item {id}"))
                });
        }
        if let Some(a) = agenda.iter().find(|a| a.title.eq_ignore_ascii_case(item)) {
            return Ok((meeting_id, Some(a.id)));
        }
        let new = Valid::parse(AgendaItemDraft {
            title: item.to_string(),
            timebox_minutes: 15,
            ..Default::default()
        })?;
        Ok((
            meeting_id,
            Some(self.append_agenda_item(meeting_id, &new).await?),
        ))
    }

    /// Adds `item` at the end of meeting `meeting_id`'s agenda; returns its id.
    pub async fn append_agenda_item(
        &self,
        meeting_id: Uuid,
        item: &Valid<AgendaItemDraft>,
    ) -> Result<Uuid> {
        let hid = meeting_id.hyphenated();
        let iid = Uuid::now_v7();
        let (iid_h, at, keywords) = (iid.hyphenated(), now(), Json(&item.keywords));
        let minutes = i64::from(item.timebox_minutes);
        sqlx::query!(
            "INSERT INTO agenda_items (id, meeting_id, position, title, description, customer_problem, owner,
                                       timebox_minutes, keywords, created_at, updated_at)
             VALUES (?1, ?2, (SELECT coalesce(max(position) + 1, 0) FROM agenda_items WHERE meeting_id = ?2),
                     ?3, ?4, ?5, ?6,
                     ?7, ?8, ?9, ?9)",
            iid_h,
            hid,
            item.title,
            item.description,
            item.customer_problem,
            item.owner,
            minutes,
            keywords,
            at,
        )
        .execute(&self.pool())
        .await?;
        Ok(iid)
    }

    /// One meeting with its agenda in order.
    pub async fn meeting(&self, id: Uuid) -> Result<Meeting> {
        let hid = id.hyphenated();
        let m = sqlx::query!(
            r#"SELECT title, scheduled_at AS "scheduled_at: DateTime<Utc>", facilitator, advocate,
                      description, status,
                      created_at AS "created_at: DateTime<Utc>",
                      updated_at AS "updated_at: DateTime<Utc>"
                 FROM meetings WHERE id = ?"#,
            hid
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(gone)?;
        let persona_ids = sqlx::query_scalar!(
            r#"SELECT persona_id AS "persona_id: Hyphenated" FROM meeting_personas
                WHERE meeting_id = ? ORDER BY position"#,
            hid
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(Hyphenated::into_uuid)
        .collect();
        let items = self.agenda(id).await?;
        Ok(Meeting {
            id,
            title: m.title,
            scheduled_at: m.scheduled_at,
            facilitator: m.facilitator,
            advocate: m.advocate,
            description: m.description,
            status: status(&m.status)?,
            persona_ids,
            items,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }

    /// A meeting's agenda items in order.
    pub async fn agenda(&self, meeting_id: Uuid) -> Result<Vec<AgendaItem>> {
        let hid = meeting_id.hyphenated();
        let rows = sqlx::query!(
            r#"SELECT id AS "id: Hyphenated", position, title, description, customer_problem, owner,
                      timebox_minutes AS "timebox_minutes: u32",
                      keywords AS "keywords: Json<Vec<String>>",
                      carried_from AS "carried_from: Hyphenated"
                 FROM agenda_items WHERE meeting_id = ? ORDER BY position"#,
            hid
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AgendaItem {
                id: r.id.into_uuid(),
                meeting_id,
                position: r.position,
                title: r.title,
                description: r.description,
                customer_problem: r.customer_problem,
                owner: r.owner,
                timebox_minutes: r.timebox_minutes,
                keywords: r.keywords.0,
                carried_from: r.carried_from.map(Hyphenated::into_uuid),
            })
            .collect())
    }

    /// Stores a new meeting with its agenda and returns its id.
    pub async fn create_meeting(&self, draft: &Valid<MeetingDraft>) -> Result<Uuid> {
        let mut tx = self.pool().begin().await?;
        let id = insert_meeting(&mut tx, draft).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a meeting's fields, personas and agenda. Items keep their identity when the
    /// draft carries their id; items left out are removed unless a decision refers to them.
    pub async fn update_meeting(&self, id: Uuid, draft: &Valid<MeetingDraft>) -> Result<()> {
        let hid = id.hyphenated();
        let at = now();
        let scheduled = draft.scheduled_at.map(ts);
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query!(
            "UPDATE meetings SET title = ?, scheduled_at = ?, facilitator = ?, advocate = ?,
                                 description = ?, updated_at = ?
              WHERE id = ?",
            draft.title,
            scheduled,
            draft.facilitator,
            draft.advocate,
            draft.description,
            at,
            hid,
        )
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(gone());
        }
        set_personas(&mut tx, id, &draft.persona_ids).await?;
        save_items(&mut tx, id, &draft.items).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a meeting that has no logged decisions, with its agenda.
    pub async fn delete_meeting(&self, id: Uuid) -> Result<()> {
        let hid = id.hyphenated();
        let mut tx = self.pool().begin().await?;
        let decisions: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM decision_log WHERE meeting_id = ?"#,
            hid
        )
        .fetch_one(&mut *tx)
        .await?;
        if decisions > 0 {
            return Err(StoreError::Conflict(format!(
                "this meeting has {decisions} logged decision(s); the log keeps it, so it cannot be deleted"
            )));
        }
        let done = sqlx::query!("DELETE FROM meetings WHERE id = ?", hid)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(gone());
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Stores a new meeting with its agenda inside `tx` and returns its id.
pub(crate) async fn insert_meeting(
    tx: &mut Transaction<'_, Sqlite>,
    draft: &Valid<MeetingDraft>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let hid = id.hyphenated();
    let at = now();
    let scheduled = draft.scheduled_at.map(ts);
    sqlx::query!(
        "INSERT INTO meetings (id, title, scheduled_at, facilitator, advocate, description, status,
                               created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?)",
        hid,
        draft.title,
        scheduled,
        draft.facilitator,
        draft.advocate,
        draft.description,
        at,
        at,
    )
    .execute(&mut **tx)
    .await?;
    set_personas(tx, id, &draft.persona_ids).await?;
    save_items(tx, id, &draft.items).await?;
    Ok(id)
}

async fn set_personas(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    personas: &[Uuid],
) -> Result<()> {
    let hid = meeting.hyphenated();
    sqlx::query!("DELETE FROM meeting_personas WHERE meeting_id = ?", hid)
        .execute(&mut **tx)
        .await?;
    for (position, persona) in personas.iter().enumerate() {
        let (pid, position) = (persona.hyphenated(), position as i64);
        sqlx::query!(
            "INSERT INTO meeting_personas (meeting_id, persona_id, position) VALUES (?, ?, ?)",
            hid,
            pid,
            position
        )
        .execute(&mut **tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound("a persona chosen for the chair no longer exists".into())
            }
            other => other.into(),
        })?;
    }
    Ok(())
}

async fn save_items(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    items: &[AgendaItemDraft],
) -> Result<()> {
    let hid = meeting.hyphenated();
    let at = now();
    let existing: Vec<(Uuid, String)> = sqlx::query!(
        r#"SELECT id AS "id: Hyphenated", title FROM agenda_items WHERE meeting_id = ?"#,
        hid
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.id.into_uuid(), r.title))
    .collect();
    for (old, title) in &existing {
        if items.iter().any(|i| i.id == Some(*old)) {
            continue;
        }
        let oid = old.hyphenated();
        let decisions: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM decision_log WHERE agenda_item_id = ?"#,
            oid
        )
        .fetch_one(&mut **tx)
        .await?;
        if decisions > 0 {
            return Err(StoreError::Conflict(format!(
                "the agenda item \"{title}\" has logged decisions and cannot be removed"
            )));
        }
        sqlx::query!("DELETE FROM agenda_items WHERE id = ?", oid)
            .execute(&mut **tx)
            .await?;
    }
    for (position, item) in items.iter().enumerate() {
        let position = position as i64;
        let keywords = Json(&item.keywords);
        match item.id {
            Some(id) if existing.iter().any(|(e, _)| *e == id) => {
                let iid = id.hyphenated();
                sqlx::query!(
                    "UPDATE agenda_items SET position = ?, title = ?, description = ?, customer_problem = ?,
                                             owner = ?, timebox_minutes = ?, keywords = ?, updated_at = ?
                      WHERE id = ?",
                    position,
                    item.title,
                    item.description,
                    item.customer_problem,
                    item.owner,
                    item.timebox_minutes,
                    keywords,
                    at,
                    iid,
                )
                .execute(&mut **tx)
                .await?;
            }
            Some(_) => {
                return Err(StoreError::NotFound(format!(
                    "the agenda item \"{}\" no longer belongs to this meeting",
                    item.title
                )));
            }
            None => {
                let iid = Uuid::now_v7().hyphenated();
                let carried = item.carried_from.map(|c| c.hyphenated());
                sqlx::query!(
                    "INSERT INTO agenda_items (id, meeting_id, position, title, description, customer_problem,
                                               owner, timebox_minutes, keywords, carried_from, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    iid,
                    hid,
                    position,
                    item.title,
                    item.description,
                    item.customer_problem,
                    item.owner,
                    item.timebox_minutes,
                    keywords,
                    carried,
                    at,
                    at,
                )
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}
