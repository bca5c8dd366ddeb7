//! Complaints: storing them without doubles, and browsing them for the complaints screen.

use chair_core::complaint::{
    Complaint, ComplaintFacets, ComplaintPage, ComplaintQuery, FacetCount, NewComplaint,
};
use chair_core::relevance::text::fts_strings;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Sqlite, SqliteConnection, Transaction};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::{Result, Store};

/// What happened to a batch of complaints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inserted {
    /// Stored now.
    pub inserted: u64,
    /// Already stored (same source and id, or same text without an id); skipped.
    pub duplicates: u64,
}

/// Turns what a person types into an FTS5 query: every word must appear, as a prefix.
/// Returns `None` when nothing searchable is left.
pub fn browse_match(text: &str) -> Option<String> {
    joined(&browse_words(text))
}

/// The words of `text` as FTS5 strings (see [`fts_strings`]), at most 16.
fn browse_words(text: &str) -> Vec<String> {
    fts_strings(text, false).into_iter().take(16).collect()
}

/// `words` as prefixes, all required.
fn joined(words: &[String]) -> Option<String> {
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("{w}*"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// True when the complaint index refused a search: a word that SQLite's tokenizer splits
/// where Rust's letters do not makes a phrase, which an index without positions cannot take.
pub(crate) fn refused_by_the_index(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().starts_with("fts5:"))
}

/// `strings` (see [`fts_strings`]) with each one the complaint index refuses replaced by its
/// ASCII letters and digits, which it cannot refuse. For after a search was refused.
pub(crate) async fn accepted_strings(
    conn: &mut SqliteConnection,
    strings: Vec<String>,
) -> sqlx::Result<Vec<String>> {
    tracing::warn!("full-text search refused a word; searching by its plain letters");
    let mut accepted = Vec::with_capacity(strings.len());
    for s in strings {
        let probe =
            sqlx::query("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?1 LIMIT 1")
                .bind(&s)
                .fetch_optional(&mut *conn)
                .await;
        match probe {
            Err(e) if refused_by_the_index(&e) => {
                accepted.extend(fts_strings(s.trim_matches('"'), true))
            }
            probe => {
                probe?;
                accepted.push(s);
            }
        }
    }
    Ok(accepted)
}

impl Store {
    /// Stores `complaints` in one transaction, skipping those already stored.
    pub async fn insert_complaints(&self, complaints: &[NewComplaint]) -> Result<Inserted> {
        // Writes from the start: the insert reads the newest `seq` before it writes.
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let outcome = insert_batch(&mut tx, complaints).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// A page of complaints for the complaints screen, newest first.
    pub async fn list_complaints(&self, q: &ComplaintQuery) -> Result<ComplaintPage> {
        let words = browse_words(&q.text);
        match self.complaint_page(q, joined(&words)).await {
            Err(e) if refused_by_the_index(&e) => {
                let mut conn = self.pool().acquire().await?;
                let plain = accepted_strings(&mut conn, words).await?;
                drop(conn);
                // Nothing left to search by: nothing matches (rather than everything).
                let Some(matcher) = joined(&plain) else {
                    return Ok(ComplaintPage {
                        total: 0,
                        items: Vec::new(),
                    });
                };
                Ok(self.complaint_page(q, Some(matcher)).await?)
            }
            page => Ok(page?),
        }
    }

    async fn complaint_page(
        &self,
        q: &ComplaintQuery,
        matcher: Option<String>,
    ) -> sqlx::Result<ComplaintPage> {
        let limit = i64::from(if q.limit == 0 { 50 } else { q.limit.min(500) });
        let offset = i64::from(q.offset);
        let total: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM complaints
                WHERE (?1 IS NULL OR seq IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?1))
                  AND (?2 IS NULL OR product = ?2)
                  AND (?3 IS NULL OR segment = ?3)"#,
            matcher,
            q.product,
            q.segment,
        )
        .fetch_one(&self.pool())
        .await?;
        let rows = sqlx::query_as!(
            ComplaintRow,
            r#"SELECT id AS "id: Hyphenated", source, external_id,
                      received_at AS "received_at: DateTime<Utc>", title, body, customer, segment,
                      product, channel, severity, tags AS "tags: Json<Vec<String>>"
                 FROM complaints
                WHERE (?1 IS NULL OR seq IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?1))
                  AND (?2 IS NULL OR product = ?2)
                  AND (?3 IS NULL OR segment = ?3)
                ORDER BY received_at DESC, seq DESC
                LIMIT ?4 OFFSET ?5"#,
            matcher,
            q.product,
            q.segment,
            limit,
            offset,
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(ComplaintPage {
            total,
            items: rows.into_iter().map(Complaint::from).collect(),
        })
    }

    /// The complaint named by its id, or by the id its source gave it.
    pub async fn find_complaint(&self, key: &str) -> Result<Uuid> {
        let key = key.trim();
        if let Ok(id) = Uuid::parse_str(key) {
            return self.complaint(id).await.map(|c| c.id);
        }
        let ids = sqlx::query_scalar!(
            r#"SELECT id AS "id: Hyphenated" FROM complaints WHERE external_id = ?"#,
            key
        )
        .fetch_all(&self.pool())
        .await?;
        match ids.as_slice() {
            [one] => Ok(one.into_uuid()),
            [] => Err(crate::StoreError::NotFound(format!(
                "no complaint has the id \"{key}\""
            ))),
            _ => Err(crate::StoreError::Conflict(format!(
                "{} complaints from different sources have the id \"{key}\"; give the complaint's own id",
                ids.len()
            ))),
        }
    }

    /// One complaint by id.
    pub async fn complaint(&self, id: Uuid) -> Result<Complaint> {
        let hid = id.hyphenated();
        sqlx::query_as!(
            ComplaintRow,
            r#"SELECT id AS "id: Hyphenated", source, external_id,
                      received_at AS "received_at: DateTime<Utc>", title, body, customer, segment,
                      product, channel, severity, tags AS "tags: Json<Vec<String>>"
                 FROM complaints WHERE id = ?"#,
            hid
        )
        .fetch_optional(&self.pool())
        .await?
        .map(Complaint::from)
        .ok_or_else(|| crate::StoreError::NotFound("that complaint no longer exists".into()))
    }

    /// The complaints with these ids that still exist, in no particular order.
    pub async fn complaints_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Complaint>> {
        let wanted = Json(
            ids.iter()
                .map(|id| id.hyphenated().to_string())
                .collect::<Vec<_>>(),
        );
        Ok(sqlx::query_as!(
            ComplaintRow,
            r#"SELECT id AS "id: Hyphenated", source, external_id,
                      received_at AS "received_at: DateTime<Utc>", title, body, customer, segment,
                      product, channel, severity, tags AS "tags: Json<Vec<String>>"
                 FROM complaints WHERE id IN (SELECT value FROM json_each(?))"#,
            wanted
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(Complaint::from)
        .collect())
    }

    /// Products and segments with their complaint counts, most common first.
    pub async fn complaint_facets(&self) -> Result<ComplaintFacets> {
        let products = sqlx::query_as!(
            FacetCount,
            r#"SELECT product AS value, sum(n) AS "count!: i64" FROM complaint_counts
                WHERE product <> '' GROUP BY product HAVING sum(n) > 0 ORDER BY 2 DESC, 1 LIMIT 100"#
        )
        .fetch_all(&self.pool())
        .await?;
        let segments = sqlx::query_as!(
            FacetCount,
            r#"SELECT segment AS value, sum(n) AS "count!: i64" FROM complaint_counts
                WHERE segment <> '' GROUP BY segment HAVING sum(n) > 0 ORDER BY 2 DESC, 1 LIMIT 100"#
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(ComplaintFacets { products, segments })
    }
}

/// A complaint as a checked query reads it (`query_as!(ComplaintRow, …)`).
pub(crate) struct ComplaintRow {
    pub(crate) id: Hyphenated,
    pub(crate) source: String,
    pub(crate) external_id: Option<String>,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) customer: String,
    pub(crate) segment: String,
    pub(crate) product: String,
    pub(crate) channel: String,
    pub(crate) severity: String,
    pub(crate) tags: Json<Vec<String>>,
}

impl From<ComplaintRow> for Complaint {
    fn from(r: ComplaintRow) -> Self {
        Complaint {
            id: r.id.into_uuid(),
            source: r.source,
            external_id: r.external_id,
            received_at: r.received_at,
            title: r.title,
            body: r.body,
            customer: r.customer,
            segment: r.segment,
            product: r.product,
            channel: r.channel,
            severity: r.severity,
            tags: r.tags.0,
        }
    }
}

/// Inserts `complaints` inside `tx`, skipping those already stored or repeated in the batch.
pub(crate) async fn insert_batch(
    tx: &mut Transaction<'_, Sqlite>,
    complaints: &[NewComplaint],
) -> Result<Inserted> {
    let inserted = crate::import::insert_complaints(tx, complaints).await?;
    Ok(Inserted {
        inserted,
        duplicates: complaints.len() as u64 - inserted,
    })
}
