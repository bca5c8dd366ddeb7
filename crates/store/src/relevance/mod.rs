//! Relevant complaints for an agenda item: the ranking is `chair_core::relevance::pipeline`;
//! the store is its source of candidates (the FTS5 index, read through a bounded cache of
//! complaints already read and stemmed) and keeps what the ranking needs between calls: the
//! user's thesaurus, the pins and dismissals, and the word statistics.
//!
//! Rarity (`df`) of each query word is estimated from a random sample of complaints, kept
//! in memory and in the database until the collection changes (see
//! `chair_core::relevance::stats`).

use std::sync::Arc;

pub use chair_core::relevance::PersonaHints;
use chair_core::relevance::stats::{CorpusStats, SAMPLE_SIZE};
use chair_core::relevance::{
    Analysed, ItemText, Mark, Params, RelevantComplaint, RelevantRequest, Thesaurus, pipeline,
};
use chrono::Utc;
use sqlx::SqliteConnection;
use sqlx::types::Json;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::time::now as now_text;
use crate::{Result, Store, StoreError};

/// The columns [`cached_rows`] reads, of `complaints` as `c`.
macro_rules! cached_columns {
    () => {
        "c.seq, c.id, c.title, c.body, c.product, c.tags, c.segment, c.received_at"
    };
}

mod cache;
mod candidates;
mod ready;

pub(crate) use cache::Caches;
use cache::*;
pub(crate) use candidates::complaints_by_id;
use candidates::*;
pub use ready::ListsPrepared;

impl Store {
    /// The thesaurus of the user's groups as they are stored now.
    pub async fn thesaurus(&self) -> Result<Arc<Thesaurus>> {
        let entries = self.thesaurus_entries().await?;
        Ok(self.thesaurus_of(entries))
    }

    /// The thesaurus of these groups, built once for as long as they are the user's.
    fn thesaurus_of(&self, entries: ThesaurusEntries) -> Arc<Thesaurus> {
        let mut kept = lock(&self.relevance_caches().thesaurus);
        if let Some((built_from, t)) = kept.as_ref()
            && *built_from == entries
        {
            return Arc::clone(t);
        }
        let t = Arc::new(Thesaurus::default().with(&entries));
        *kept = Some((entries, Arc::clone(&t)));
        t
    }

    /// The user's thesaurus groups: a term and its related words.
    pub async fn thesaurus_entries(&self) -> Result<ThesaurusEntries> {
        let rows = sqlx::query!(
            r#"SELECT term, related AS "related: Json<Vec<String>>" FROM thesaurus ORDER BY term"#
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| (r.term, r.related.0)).collect())
    }

    /// Adds (or replaces) a thesaurus group for `term`.
    pub async fn set_thesaurus_entry(&self, term: &str, related: &[String]) -> Result<()> {
        let term = chair_core::validate::label("term", term, 80)?.to_lowercase();
        let related = chair_core::validate::labels("related words", related, 40, 80)?;
        if related.is_empty() {
            return Err(chair_core::Invalid::new(
                "related words",
                "name at least one word that means the same",
            )
            .into());
        }
        let (json, at) = (Json(&related), now_text());
        sqlx::query!(
            "INSERT INTO thesaurus (term, related, created_at) VALUES (?, ?, ?)
             ON CONFLICT (term) DO UPDATE SET related = excluded.related",
            term,
            json,
            at
        )
        .execute(&self.pool())
        .await?;
        Ok(())
    }

    /// Removes the user's thesaurus group for `term`.
    pub async fn remove_thesaurus_entry(&self, term: &str) -> Result<()> {
        let term = term.trim().to_lowercase();
        let done = sqlx::query!("DELETE FROM thesaurus WHERE term = ?", term)
            .execute(&self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "the thesaurus has no entry \"{term}\" of yours"
            )));
        }
        Ok(())
    }

    /// Pins or dismisses a complaint for an agenda item, or clears the mark (`None`).
    pub async fn mark_complaint(
        &self,
        item: Uuid,
        complaint: Uuid,
        mark: Option<Mark>,
    ) -> Result<()> {
        let (iid, cid, at) = (item.hyphenated(), complaint.hyphenated(), now_text());
        match mark {
            None => {
                sqlx::query!(
                    "DELETE FROM complaint_marks WHERE agenda_item_id = ? AND complaint_id = ?",
                    iid,
                    cid
                )
                .execute(&self.pool())
                .await?;
            }
            Some(m) => {
                let m = m.as_str();
                sqlx::query!(
                    "INSERT INTO complaint_marks (agenda_item_id, complaint_id, mark, marked_at) VALUES (?, ?, ?, ?)
                     ON CONFLICT (agenda_item_id, complaint_id) DO UPDATE SET mark = excluded.mark, marked_at = excluded.marked_at",
                    iid,
                    cid,
                    m,
                    at
                )
                .execute(&self.pool())
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        StoreError::NotFound("that agenda item or complaint no longer exists".into())
                    }
                    other => other.into(),
                })?;
            }
        }
        Ok(())
    }

    /// The marks of an agenda item: complaint id and mark.
    pub async fn complaint_marks(&self, item: Uuid) -> Result<Vec<(Uuid, Mark)>> {
        let iid = item.hyphenated();
        let rows = sqlx::query!(
            r#"SELECT complaint_id AS "complaint_id: Hyphenated", mark FROM complaint_marks
                WHERE agenda_item_id = ? ORDER BY marked_at"#,
            iid
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Mark::parse(&r.mark).map(|m| (r.complaint_id.into_uuid(), m)))
            .collect())
    }

    /// What the personas in a meeting's chair add to its queries, the leading persona first.
    pub async fn chair_hints(&self, meeting: Uuid) -> Result<PersonaHints> {
        let mid = meeting.hyphenated();
        let rows = sqlx::query!(
            r#"SELECT p.keywords AS "keywords: Json<Vec<String>>",
                      p.segments AS "segments: Json<Vec<String>>"
                 FROM meeting_personas mp JOIN personas p ON p.id = mp.persona_id
                WHERE mp.meeting_id = ? ORDER BY mp.position"#,
            mid
        )
        .fetch_all(&self.pool())
        .await?;
        let mut hints = PersonaHints::default();
        for r in rows {
            hints.keywords.extend(r.keywords.0);
            hints.segments.extend(r.segments.0);
        }
        Ok(hints)
    }

    /// Relevant complaints for a stored agenda item, with its pins on top and its
    /// dismissals left out. Asked for now (no `as_of`), the list ranked ahead is read when
    /// nothing it was ranked from has changed (see [`Store::prepare_item_lists`]); otherwise
    /// the item is ranked now, and the list kept for the next reader.
    pub async fn relevant_for_item(
        &self,
        item: Uuid,
        request: &RelevantRequest,
    ) -> Result<Vec<RelevantComplaint>> {
        let (text, hints) = self.item_inputs(item).await?;
        let marks = self.complaint_marks(item).await?;
        let depth = pipeline::depth_for(request, &marks);
        let list = match request.as_of {
            None => {
                let collection = self.collection_inputs().await?;
                self.ready_list(item, &text, &hints, depth, Utc::now(), &collection)
                    .await?
                    .0
            }
            Some(as_of) => {
                let thesaurus = self.thesaurus().await?;
                let mut source = self.source().await?;
                let params = Params::default();
                pipeline::ranked_list(
                    &mut source,
                    &text,
                    &hints,
                    &thesaurus,
                    as_of,
                    depth,
                    &params,
                )
                .await?
            }
        };
        let mut source = self.source().await?;
        let pinned =
            pipeline::load_pinned(&mut source, &pipeline::pins_missing(&list, &marks)).await?;
        Ok(pipeline::with_marks(list, &marks, pinned, request))
    }

    /// Ranks complaints for `item`. `marks` pin and dismiss; `params` are the ranking's knobs.
    pub async fn relevant(
        &self,
        item: &ItemText,
        hints: &PersonaHints,
        marks: &[(Uuid, Mark)],
        request: &RelevantRequest,
        params: &Params,
    ) -> Result<Vec<RelevantComplaint>> {
        let started = std::time::Instant::now();
        let thesaurus = self.thesaurus().await?;
        let mut source = self.source().await?;
        let list = pipeline::relevant(&mut source, item, hints, &thesaurus, marks, request, params)
            .await?;
        tracing::trace!(
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "relevant complaints"
        );
        Ok(list)
    }

    /// The store as the ranking's source of candidates, on a connection of its own.
    async fn source(&self) -> Result<StoreSource<'_>> {
        Ok(StoreSource {
            store: self,
            conn: self.pool().acquire().await?,
            meaning_failed: false,
        })
    }

    /// Forgets the complaints kept from earlier relevance searches: the next searches read
    /// and stem theirs again. For measuring a search that finds nothing kept.
    pub fn forget_relevance_candidates(&self) {
        *lock(&self.relevance_caches().candidates) = CandidateCache::default();
    }

    /// Prepares relevance searches ahead of the first: the collection's statistics, and the
    /// newest complaints read and stemmed, as many as the candidate cache's older half has
    /// room for. The app runs this in the background whenever it opens a database and after
    /// an import, so that the first agenda item shown does not wait for them. Returns how many
    /// complaints it added to the cache. Searches may run meanwhile; a closed store stops it
    /// with an error.
    pub async fn warm_relevance(&self) -> Result<usize> {
        let cache = &self.relevance_caches().candidates;
        let (mut before, mut added) = (i64::MAX, 0);
        'read: loop {
            let limit = lock(cache).room().min(WARM_BATCH);
            if limit == 0 {
                break;
            }
            // A connection per batch, so that a search or a restore never waits long.
            let rows = {
                let mut conn = self.pool().acquire().await?;
                sqlx::query(concat!(
                    "SELECT ",
                    cached_columns!(),
                    " FROM complaints c WHERE c.seq < ?1 ORDER BY c.seq DESC LIMIT ?2"
                ))
                .bind(before)
                .bind(limit as i64)
                .fetch_all(&mut *conn)
                .await?
            };
            let batch = cached_rows(&rows)?;
            let Some(last) = batch.last() else {
                break;
            };
            before = last.candidate.key;
            let mut held = lock(cache);
            for c in batch {
                match held.warm(c) {
                    Warmed::Added => added += 1,
                    Warmed::AlreadyHeld => {}
                    Warmed::Full => break 'read,
                }
            }
            if rows.len() < limit {
                break;
            }
        }
        {
            let held = lock(cache);
            tracing::debug!(
                added,
                held = held.older.len(),
                mb = held.older_bytes as f64 / 1e6,
                "read ahead"
            );
        }
        // Last, so that the statistics' sample finds the complaints just read.
        let mut conn = self.pool().acquire().await?;
        self.corpus_stats(&mut conn).await?;
        Ok(added)
    }

    /// The sampled word statistics of the collection, rebuilt when complaints were added.
    async fn corpus_stats(&self, conn: &mut SqliteConnection) -> Result<Arc<CorpusStats>> {
        let generation: i64 =
            sqlx::query_scalar!(r#"SELECT coalesce(max(seq), 0) AS "n!: i64" FROM complaints"#)
                .fetch_one(&mut *conn)
                .await?;
        let current = || {
            lock(&self.relevance_caches().stats)
                .as_ref()
                .filter(|(g, _)| *g == generation)
                .map(|(_, stats)| Arc::clone(stats))
        };
        if let Some(stats) = current() {
            return Ok(stats);
        }
        // One build at a time: a search starting while the read-ahead builds them waits for
        // those instead of building its own.
        let _building = self.relevance_caches().building_stats.lock().await;
        if let Some(stats) = current() {
            return Ok(stats);
        }
        let docs: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM complaints"#)
            .fetch_one(&mut *conn)
            .await?;
        // Kept by an earlier run for this same collection: read, not sampled again.
        let kept = sqlx::query_scalar!(
            "SELECT stats FROM relevance_stats WHERE id = 1 AND generation = ? AND docs = ?",
            generation,
            docs
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(stats) = kept.as_deref().and_then(CorpusStats::from_json) {
            let stats = Arc::new(stats);
            *lock(&self.relevance_caches().stats) = Some((generation, Arc::clone(&stats)));
            return Ok(stats);
        }
        // A fixed-seed draw of rowids (with replacement; repeats are dropped), so the same
        // collection always gives the same statistics.
        let mut seqs: Vec<i64> = if docs as usize <= SAMPLE_SIZE {
            Vec::new()
        } else {
            let mut state = 0x5EED_u64 ^ generation as u64;
            (0..SAMPLE_SIZE)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    1 + ((state >> 33) % generation.max(1) as u64) as i64
                })
                .collect()
        };
        seqs.sort_unstable();
        seqs.dedup();
        if seqs.is_empty() {
            seqs = sqlx::query_scalar("SELECT seq FROM complaints")
                .fetch_all(&mut *conn)
                .await?;
        }
        // Complaints the candidate cache holds (those the read-ahead read) are not read again.
        let mut sample: Vec<Analysed> = Vec::with_capacity(seqs.len());
        let mut missing: Vec<i64> = Vec::new();
        {
            let cache = lock(&self.relevance_caches().candidates);
            for &seq in &seqs {
                match cache.peek(seq) {
                    Some(c) => sample.push(c.analysed.clone()),
                    None => missing.push(seq),
                }
            }
        }
        sample.extend(
            read_cached(conn, &missing)
                .await?
                .into_iter()
                .map(|c| c.analysed.clone()),
        );
        let stats = Arc::new(CorpusStats::build(docs as f64, generation, &sample));
        *lock(&self.relevance_caches().stats) = Some((generation, Arc::clone(&stats)));
        // Kept for the next run; a database that cannot be written to (busy, read-only) only
        // means sampling again then.
        let text = stats.to_json();
        let kept = sqlx::query!(
            "INSERT INTO relevance_stats (id, generation, docs, stats) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, docs = excluded.docs,
                                            stats = excluded.stats",
            generation,
            docs,
            text
        )
        .execute(&mut *conn)
        .await;
        if let Err(e) = kept {
            tracing::debug!("the relevance statistics are not kept for the next run: {e}");
        }
        Ok(stats)
    }
}
