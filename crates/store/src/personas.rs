//! Personas: create, edit, list, delete, with live complaint counts per persona.

use chair_core::Valid;
use chair_core::persona::{Persona, PersonaDraft, initials};
use chrono::{DateTime, Duration, Utc};
use sqlx::SqliteConnection;
use sqlx::types::Json;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::time::ts;
use crate::{Result, Store, StoreError};

struct PersonaRow {
    id: Hyphenated,
    name: String,
    segment: String,
    role: String,
    bio: String,
    goals: Json<Vec<String>>,
    frustrations: Json<Vec<String>>,
    quote: String,
    color: String,
    keywords: Json<Vec<String>>,
    segments: Json<Vec<String>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    complaint_count: i64,
    recent_count: i64,
    previous_count: i64,
}

impl From<PersonaRow> for Persona {
    fn from(r: PersonaRow) -> Self {
        Persona {
            id: r.id.into_uuid(),
            initials: initials(&r.name),
            fields: PersonaDraft {
                name: r.name,
                segment: r.segment,
                role: r.role,
                bio: r.bio,
                goals: r.goals.0,
                frustrations: r.frustrations.0,
                quote: r.quote,
                color: r.color,
                keywords: r.keywords.0,
                segments: r.segments.0,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            complaint_count: r.complaint_count,
            recent_count: r.recent_count,
            previous_count: r.previous_count,
        }
    }
}

impl Store {
    /// Every persona, by name, with complaint counts as of `now`.
    pub async fn list_personas(&self, now: DateTime<Utc>) -> Result<Vec<Persona>> {
        let recent = ts(now - Duration::days(30));
        let previous = ts(now - Duration::days(60));
        let rows = sqlx::query_as!(
            PersonaRow,
            r#"SELECT p.id AS "id: Hyphenated", p.name, p.segment, p.role, p.bio,
                      p.goals AS "goals: Json<Vec<String>>",
                      p.frustrations AS "frustrations: Json<Vec<String>>",
                      p.quote, p.color,
                      p.keywords AS "keywords: Json<Vec<String>>",
                      p.segments AS "segments: Json<Vec<String>>",
                      p.created_at AS "created_at: DateTime<Utc>",
                      p.updated_at AS "updated_at: DateTime<Utc>",
                      (SELECT coalesce(sum(n), 0) FROM complaint_counts c
                        WHERE c.segment IN (SELECT value FROM json_each(p.segments))) AS "complaint_count!: i64",
                      (SELECT coalesce(sum(n), 0) FROM complaint_counts c
                        WHERE c.segment IN (SELECT value FROM json_each(p.segments))
                          AND c.day >= substr(?1, 1, 10)) AS "recent_count!: i64",
                      (SELECT coalesce(sum(n), 0) FROM complaint_counts c
                        WHERE c.segment IN (SELECT value FROM json_each(p.segments))
                          AND c.day >= substr(?2, 1, 10) AND c.day < substr(?1, 1, 10)) AS "previous_count!: i64"
                 FROM personas p
                ORDER BY p.name COLLATE NOCASE"#,
            recent,
            previous,
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(rows.into_iter().map(Persona::from).collect())
    }

    /// One persona by id.
    pub async fn persona(&self, id: Uuid, now: DateTime<Utc>) -> Result<Persona> {
        self.list_personas(now)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| StoreError::NotFound("that persona no longer exists".into()))
    }

    /// One persona by name, ignoring case.
    pub async fn persona_by_name(&self, name: &str, now: DateTime<Utc>) -> Result<Persona> {
        self.list_personas(now)
            .await?
            .into_iter()
            .find(|p| p.fields.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                StoreError::NotFound(format!("there is no persona named \"{}\"", name.trim()))
            })
    }

    /// Stores a new persona and returns its id.
    pub async fn create_persona(&self, draft: &Valid<PersonaDraft>) -> Result<Uuid> {
        let mut conn = self.pool().acquire().await?;
        insert_persona(&mut conn, draft).await
    }

    /// Replaces a persona's fields.
    pub async fn update_persona(&self, id: Uuid, draft: &Valid<PersonaDraft>) -> Result<()> {
        let now = crate::time::now();
        let (hid, goals, frustrations, keywords, segments) = (
            id.hyphenated(),
            Json(&draft.goals),
            Json(&draft.frustrations),
            Json(&draft.keywords),
            Json(&draft.segments),
        );
        let done = sqlx::query!(
            "UPDATE personas SET name = ?, segment = ?, role = ?, bio = ?, goals = ?, frustrations = ?,
                                 quote = ?, color = ?, keywords = ?, segments = ?, updated_at = ?
              WHERE id = ?",
            draft.name,
            draft.segment,
            draft.role,
            draft.bio,
            goals,
            frustrations,
            draft.quote,
            draft.color,
            keywords,
            segments,
            now,
            hid,
        )
        .execute(&self.pool())
        .await
        .map_err(|e| name_taken(e, &draft.name))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that persona no longer exists".into()));
        }
        Ok(())
    }

    /// Deletes a persona that no decision names; it leaves the meetings it sat in.
    pub async fn delete_persona(&self, id: Uuid) -> Result<()> {
        let hid = id.hyphenated();
        let named: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM decision_personas WHERE persona_id = ?"#,
            hid
        )
        .fetch_one(&self.pool())
        .await?;
        if named > 0 {
            return Err(StoreError::Conflict(format!(
                "this persona is named in {named} logged decision(s); the log keeps it"
            )));
        }
        let done = sqlx::query!("DELETE FROM personas WHERE id = ?", hid)
            .execute(&self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that persona no longer exists".into()));
        }
        Ok(())
    }
}

fn name_taken(e: sqlx::Error, name: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(format!("a persona named \"{name}\" already exists"));
    }
    e.into()
}

/// Stores a new persona on `conn` (which may be inside a transaction) and returns its id.
pub(crate) async fn insert_persona(
    conn: &mut SqliteConnection,
    draft: &Valid<PersonaDraft>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = crate::time::now();
    let (hid, goals, frustrations, keywords, segments) = (
        id.hyphenated(),
        Json(&draft.goals),
        Json(&draft.frustrations),
        Json(&draft.keywords),
        Json(&draft.segments),
    );
    sqlx::query!(
        "INSERT INTO personas (id, name, segment, role, bio, goals, frustrations, quote, color,
                               keywords, segments, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        hid,
        draft.name,
        draft.segment,
        draft.role,
        draft.bio,
        goals,
        frustrations,
        draft.quote,
        draft.color,
        keywords,
        segments,
        now,
        now,
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| name_taken(e, &draft.name))?;
    Ok(id)
}
