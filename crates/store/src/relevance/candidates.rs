//! The store as the ranking's [`CandidateSource`]: the FTS5 index's lists for the candidate
//! search, complaints read through the candidate cache, the meaning vectors, and complaints
//! by id.

use std::collections::HashMap;
use std::sync::Arc;

use chair_core::complaint::Complaint;
use chair_core::relevance::pipeline::Meaning;
use chair_core::relevance::stats::CorpusStats;
use chair_core::relevance::{Candidate, CandidateSource, ItemText, Stemmed};
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::types::Json;
use sqlx::{Row, Sqlite, SqliteConnection};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::cache::*;
use crate::complaints::{ComplaintRow, accepted_strings, refused_by_the_index};
use crate::embeddings::ItemVector;
use crate::{Result, Store, StoreError};

/// One ranking's view of the store, on one connection.
pub(super) struct StoreSource<'a> {
    pub(super) store: &'a Store,
    pub(super) conn: PoolConnection<Sqlite>,
    /// The language model failed on the item: the ranking is by words alone although
    /// complaints have meaning vectors.
    pub(super) meaning_failed: bool,
}

impl CandidateSource for StoreSource<'_> {
    type Error = StoreError;

    async fn stats(&mut self) -> Result<Arc<CorpusStats>> {
        self.store.corpus_stats(&mut self.conn).await
    }

    async fn postings(
        &mut self,
        terms: &[Vec<String>],
        after: i64,
    ) -> Result<Vec<(usize, Vec<i64>)>> {
        let lists = match term_lists(&mut self.conn, terms, after).await {
            // A word the index's tokenizer refuses: search by the strings it accepts.
            Err(e) if refused_by_the_index(&e) => {
                let mut strings = terms.to_vec();
                for s in &mut strings {
                    *s = accepted_strings(&mut self.conn, std::mem::take(s)).await?;
                }
                term_lists(&mut self.conn, &strings, after).await?
            }
            lists => lists?,
        };
        Ok(lists
            .into_iter()
            .filter_map(|(k, list)| {
                let keys = list?.split(',').filter_map(|s| s.parse().ok()).collect();
                Some((usize::try_from(k).ok()?, keys))
            })
            .collect())
    }

    /// Reads and stems only what the candidate cache does not hold.
    async fn read(&mut self, keys: &[i64]) -> Result<Vec<Arc<Stemmed>>> {
        let cache = &self.store.relevance_caches().candidates;
        let mut found: Vec<Arc<Stemmed>> = Vec::with_capacity(keys.len());
        let missing: Vec<i64> = {
            let mut cache = lock(cache);
            keys.iter()
                .filter(|&&seq| match cache.get(seq) {
                    Some(f) => {
                        found.push(f);
                        false
                    }
                    None => true,
                })
                .copied()
                .collect()
        };
        if !missing.is_empty() {
            let read = read_cached(&mut self.conn, &missing).await?;
            let mut cache = lock(cache);
            for f in read {
                cache.insert(f.candidate.key, Arc::clone(&f));
                found.push(f);
            }
        }
        Ok(found)
    }

    async fn meaning(&mut self, item: &ItemText) -> Result<Option<Meaning>> {
        Ok(match self.store.item_vector(item).await? {
            ItemVector::Ready(meaning) => Some(meaning),
            ItemVector::Absent => None,
            ItemVector::Failed => {
                self.meaning_failed = true;
                None
            }
        })
    }

    async fn complaints(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, Complaint>> {
        complaints_by_id(&mut self.conn, ids).await
    }
}

pub(super) fn candidate(r: &sqlx::sqlite::SqliteRow) -> Result<Candidate> {
    let tags: Json<Vec<String>> = r.try_get("tags")?;
    Ok(Candidate {
        key: r.try_get("seq")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        product: r.try_get("product")?,
        tags: tags.0,
        segment: r.try_get("segment")?,
        received_at: r.try_get("received_at")?,
    })
}

/// The complaints newer than `after` holding all the FTS5 strings of each term, one row per
/// term with words left: its position in `terms` and the complaints' `seq`s, comma-separated.
pub(super) async fn term_lists(
    conn: &mut SqliteConnection,
    terms: &[Vec<String>],
    after: i64,
) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    let matches: Vec<(usize, String)> = terms
        .iter()
        .enumerate()
        .filter(|(_, strings)| !strings.is_empty())
        .map(|(k, strings)| (k, strings.join(" ")))
        .collect();
    if matches.is_empty() {
        return Ok(Vec::new());
    }
    let sql = matches
        .iter()
        .enumerate()
        .map(|(n, (k, _))| {
            format!(
                "SELECT {k}, group_concat(rowid) FROM complaints_fts
                  WHERE complaints_fts MATCH ?{} AND rowid > ?1",
                n + 2
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    // Built from term numbers only; the words are bound.
    let mut q = sqlx::query_as::<_, (i64, Option<String>)>(sqlx::AssertSqlSafe(sql)).bind(after);
    for (_, m) in matches {
        q = q.bind(m);
    }
    q.fetch_all(&mut *conn).await
}

/// Complaints by id, in one query.
pub(crate) async fn complaints_by_id(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Complaint>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: Vec<String> = ids.iter().map(|i| i.hyphenated().to_string()).collect();
    let wanted = Json(&wanted);
    let rows = sqlx::query_as!(
        ComplaintRow,
        r#"SELECT id AS "id: Hyphenated", source, external_id, received_at AS "received_at: DateTime<Utc>", title,
                  body, customer, segment, product, channel, severity, tags AS "tags: Json<Vec<String>>"
             FROM complaints WHERE id IN (SELECT value FROM json_each(?))"#,
        wanted
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = Complaint::from(r);
            (c.id, c)
        })
        .collect())
}
