//! Relevant complaints for an agenda item: candidates from the FTS5 index, scored in the core.
//!
//! Rarity (`df`) of each query word is estimated from a random sample of complaints, kept
//! in memory until the collection changes (see `chair_core::relevance::stats`).
//!
//! The candidate search reads at most a budget of index entries: it searches by the rarest
//! words first, leaves out words found in more than a set share of complaints (they barely
//! tell complaints apart), and when every word is that common it searches the most recent
//! complaints only. Its cost is thereby bounded at any collection size.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chair_core::complaint::Complaint;
use chair_core::relevance::stats::{CorpusStats, SAMPLE_SIZE};
use chair_core::relevance::{
    self, Analysed, Candidate, ItemText, Mark, Origin, Params, Query, RelevantComplaint,
    RelevantRequest, Term, Thesaurus, dedup, excerpt, rank,
};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use sqlx::types::Json;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::complaints::{accepted_strings, refused_by_the_index};
use crate::time::now as now_text;
use crate::{Result, Store, StoreError};

/// The columns [`cached_rows`] reads, of `complaints` as `c`.
macro_rules! cached_columns {
    () => {
        "c.seq, c.id, c.title, c.body, c.product, c.tags, c.segment, c.received_at"
    };
}

/// What the persona(s) in the chair add to a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonaHints {
    pub keywords: Vec<String>,
    pub segments: Vec<String>,
}

impl Store {
    /// The thesaurus of the user's groups (kept until the user changes theirs).
    pub async fn thesaurus(&self) -> Result<Arc<Thesaurus>> {
        if let Some(t) = lock(&self.relevance_caches().thesaurus).as_ref() {
            return Ok(Arc::clone(t));
        }
        let user = self.thesaurus_entries().await?;
        let t = Arc::new(Thesaurus::default().with(&user));
        *lock(&self.relevance_caches().thesaurus) = Some(Arc::clone(&t));
        Ok(t)
    }

    /// The user's thesaurus groups: a term and its related words.
    pub async fn thesaurus_entries(&self) -> Result<Vec<(String, Vec<String>)>> {
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
        *lock(&self.relevance_caches().thesaurus) = None;
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
        *lock(&self.relevance_caches().thesaurus) = None;
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

    /// What the personas in a meeting's chair add to its queries.
    pub async fn chair_hints(&self, meeting: Uuid, now: DateTime<Utc>) -> Result<PersonaHints> {
        let m = self.meeting(meeting).await?;
        let personas = self.list_personas(now).await?;
        let mut hints = PersonaHints::default();
        for id in &m.persona_ids {
            if let Some(p) = personas.iter().find(|p| p.id == *id) {
                hints.keywords.extend(p.fields.keywords.iter().cloned());
                hints.segments.extend(p.fields.segments.iter().cloned());
            }
        }
        Ok(hints)
    }

    /// Relevant complaints for a stored agenda item, with its pins on top and its
    /// dismissals left out.
    pub async fn relevant_for_item(
        &self,
        item: Uuid,
        request: &RelevantRequest,
    ) -> Result<Vec<RelevantComplaint>> {
        let iid = item.hyphenated();
        let row = sqlx::query!(
            r#"SELECT meeting_id AS "meeting_id: Hyphenated", title, description, customer_problem,
                      keywords AS "keywords: Json<Vec<String>>"
                 FROM agenda_items WHERE id = ?"#,
            iid
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("that agenda item no longer exists".into()))?;
        let text = ItemText {
            title: row.title,
            description: row.description,
            customer_problem: row.customer_problem,
            keywords: row.keywords.0,
        };
        let as_of = request.as_of.unwrap_or_else(Utc::now);
        let hints = self.chair_hints(row.meeting_id.into_uuid(), as_of).await?;
        let marks = self.complaint_marks(item).await?;
        self.relevant(&text, &hints, &marks, request, &Params::default())
            .await
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
        let as_of = request.as_of.unwrap_or_else(Utc::now);
        let limit = request.limit.clamp(1, 200) as usize;
        let started = std::time::Instant::now();
        let lap = |stage: &str| {
            tracing::trace!(
                stage,
                ms = started.elapsed().as_secs_f64() * 1000.0,
                "relevance"
            )
        };
        let thesaurus = self.thesaurus().await?;
        let mut query = relevance::build(item, &hints.keywords, &thesaurus, params);
        let mut conn = self.pool().acquire().await?;
        let stats = self.corpus_stats(&mut conn).await?;
        lap("statistics");
        let pinned: Vec<Uuid> = marks
            .iter()
            .filter(|(_, m)| *m == Mark::Pinned)
            .map(|(id, _)| *id)
            .collect();
        if query.terms.is_empty() || stats.docs == 0.0 {
            return load_pinned(&mut conn, &pinned).await;
        }
        for t in &mut query.terms {
            t.df = stats.df(&t.stems);
        }
        let (mut pool, cache) = (Pool::default(), &self.relevance_caches().candidates);
        pool.fetch(&mut conn, cache, &query, &stats, params, |t| {
            t.origin != Origin::Persona
        })
        .await?;
        lap("candidates");
        let mut ranked = rank::rank(
            &query,
            &pool.candidates,
            &pool.analysed,
            &stats,
            as_of,
            &hints.segments,
            params,
        );

        lap("ranked");
        if params.meaning_weight > 0.0
            && let Some((vectors, wanted)) = self.item_vector(item).await?
        {
            let near: Vec<i64> = vectors
                .nearest(&wanted, params.meaning_candidates)
                .into_iter()
                .map(|(seq, _)| seq)
                .collect();
            pool.add(&mut conn, cache, &near).await?;
            let cosines: Vec<Option<f32>> = pool
                .seqs
                .iter()
                .map(|&seq| vectors.cosine(seq, &wanted))
                .collect();
            ranked = relevance::dense::mix(
                ranked,
                &pool.candidates,
                &cosines,
                as_of,
                &hints.segments,
                params,
            );
        }
        lap("meaning");
        let dismissed: HashSet<Uuid> = marks
            .iter()
            .filter(|(_, m)| *m == Mark::Dismissed)
            .map(|(id, _)| *id)
            .collect();
        // Only the head of the ranking can be shown; grouping looks a little further down to
        // count near-duplicates.
        let room = limit + pinned.len();
        ranked.truncate((room + dismissed.len()) * 4 + 20);
        let id_of = |index: usize| pool.ids[index];
        let is_dismissed = |i: usize| dismissed.contains(&id_of(ranked[i].index));
        // A dismissed complaint takes its near-duplicates away with it: dismissing "14
        // customers said this" dismisses what they said, not one of the fourteen.
        let mut groups = dedup::group(&ranked, &pool.candidates, room + dismissed.len(), params);
        if !request.include_dismissed {
            groups.retain(|g| !is_dismissed(g.lead));
            for g in &mut groups {
                g.members.retain(|&m| !is_dismissed(m));
            }
        }
        groups.truncate(room);
        let leads: Vec<Uuid> = groups.iter().map(|g| id_of(ranked[g.lead].index)).collect();
        let mut complaints = complaints_by_id(&mut conn, &leads).await?;
        let mut out: Vec<RelevantComplaint> = Vec::new();
        for g in &groups {
            let lead = &ranked[g.lead];
            let Some(complaint) = complaints.remove(&id_of(lead.index)) else {
                continue;
            };
            let members: Vec<Uuid> = g.members.iter().map(|&m| id_of(ranked[m].index)).collect();
            let mut r = explain(&query, lead, complaint, members);
            r.mark = marks
                .iter()
                .find(|(id, _)| *id == r.complaint.id)
                .map(|(_, m)| *m);
            out.push(r);
        }
        lap("explained");
        // Pins first, in the order they were pinned; a pinned complaint the ranking did not
        // find is still shown.
        let mut result: Vec<RelevantComplaint> = Vec::new();
        let missing: Vec<Uuid> = pinned
            .iter()
            .filter(|id| !out.iter().any(|r| r.complaint.id == **id))
            .copied()
            .collect();
        let mut extra_pins = load_pinned(&mut conn, &missing).await?;
        for id in &pinned {
            if let Some(i) = out.iter().position(|r| r.complaint.id == *id) {
                result.push(out.remove(i));
            } else if let Some(i) = extra_pins.iter().position(|r| r.complaint.id == *id) {
                result.push(extra_pins.remove(i));
            }
        }
        // Pins are never dropped; the ranking fills what room the limit leaves.
        let room = limit.saturating_sub(result.len());
        result.extend(out.into_iter().take(room));
        Ok(result)
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
        Ok(stats)
    }
}

/// What relevance searches keep in memory between calls, one set per store.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    /// The sampled statistics, with the generation (highest complaint `seq`) they were
    /// computed at.
    stats: Mutex<Option<(i64, Arc<CorpusStats>)>>,
    /// Held while the statistics are built.
    building_stats: tokio::sync::Mutex<()>,
    /// The user's thesaurus groups, until the user changes theirs.
    thesaurus: Mutex<Option<Arc<Thesaurus>>>,
    candidates: Mutex<CandidateCache>,
    /// The language model and the complaints' vectors.
    pub(crate) meaning: crate::embeddings::Meaning,
}

/// One of the caches. Each change to a cache is complete before the next, so what a panic
/// elsewhere left is sound.
fn lock<T>(cache: &Mutex<T>) -> MutexGuard<'_, T> {
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The complaints numbered `seqs` (those that exist), read and stemmed for the candidate
/// cache.
async fn read_cached(conn: &mut SqliteConnection, seqs: &[i64]) -> Result<Vec<Arc<Cached>>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(concat!(
        "SELECT ",
        cached_columns!(),
        " FROM json_each(?1) AS j JOIN complaints c ON c.seq = j.value"
    ))
    .bind(Json(seqs))
    .fetch_all(&mut *conn)
    .await?;
    cached_rows(&rows)
}

/// The complaints in `rows` (of `cached_columns!`), read and stemmed for the candidate cache.
fn cached_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Arc<Cached>>> {
    rows.iter()
        .map(|r| {
            let candidate = candidate(r)?;
            let analysed = Analysed::of(&candidate);
            let id: Hyphenated = r.try_get("id")?;
            Ok(Arc::new(Cached {
                id: id.into_uuid(),
                candidate,
                analysed,
            }))
        })
        .collect()
}

fn candidate(r: &sqlx::sqlite::SqliteRow) -> Result<Candidate> {
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

/// A ranked complaint with its why lines and marked excerpts.
fn explain(
    query: &Query,
    ranked: &rank::Ranked,
    complaint: Complaint,
    duplicate_ids: Vec<Uuid>,
) -> RelevantComplaint {
    let matched: HashSet<&str> = ranked
        .matched
        .iter()
        .flat_map(|(ti, _)| query.terms[*ti].stems.iter().map(String::as_str))
        .collect();
    let hit = |s: &str| matched.contains(s);
    RelevantComplaint {
        title: excerpt::excerpt(&complaint.title, &hit, 400),
        excerpt: excerpt::excerpt(&complaint.body, &hit, 320),
        why: relevance::why(query, ranked),
        score: (ranked.score * 1000.0).round() / 1000.0,
        duplicates: duplicate_ids.len() as i64,
        duplicate_ids,
        mark: None,
        complaint,
    }
}

/// Pinned complaints shown as they are (no match to explain).
async fn load_pinned(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<RelevantComplaint>> {
    let mut found = complaints_by_id(conn, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id))
        .map(|c| RelevantComplaint {
            title: vec![excerpt::Segment {
                text: c.title.clone(),
                hit: false,
            }],
            excerpt: excerpt::excerpt(&c.body, &|_| false, 320),
            why: vec!["pinned".into()],
            score: 0.0,
            duplicates: 0,
            duplicate_ids: Vec::new(),
            mark: Some(Mark::Pinned),
            complaint: c,
        })
        .collect())
}

/// Candidates gathered so far, by complaint `seq`.
#[derive(Default)]
struct Pool {
    seqs: Vec<i64>,
    ids: Vec<Uuid>,
    candidates: Vec<Candidate>,
    analysed: Vec<Analysed>,
}

impl Pool {
    /// Adds the best candidates for the terms `keep` selects, within the postings budget,
    /// reading and stemming only those `cache` does not hold.
    #[allow(clippy::too_many_arguments)]
    async fn fetch(
        &mut self,
        conn: &mut SqliteConnection,
        cache: &Mutex<CandidateCache>,
        query: &Query,
        stats: &CorpusStats,
        params: &Params,
        keep: impl Fn(&Term) -> bool,
    ) -> Result<()> {
        let newest = stats.newest;
        let plan = search_plan(query, stats, params, keep);
        if plan.terms.is_empty() {
            return Ok(());
        }
        let after = newest - plan.window.map_or(newest, |w| w as i64);
        let searched = std::time::Instant::now();
        let seqs = search(conn, query, &plan, after, stats, &self.seqs, params).await?;
        let search_ms = searched.elapsed().as_secs_f64() * 1000.0;
        let read = self.add(conn, cache, &seqs).await?;
        tracing::trace!(
            terms = plan.terms.len(),
            after,
            search_ms,
            read,
            analyse_ms = searched.elapsed().as_secs_f64() * 1000.0 - search_ms,
            "candidate search"
        );
        Ok(())
    }

    /// Adds the complaints numbered `seqs` that it does not hold yet, reading and stemming
    /// only those `cache` does not hold. Returns how many were read.
    async fn add(
        &mut self,
        conn: &mut SqliteConnection,
        cache: &Mutex<CandidateCache>,
        seqs: &[i64],
    ) -> Result<usize> {
        let held: FxHashSet<i64> = self.seqs.iter().copied().collect();
        let seqs: Vec<i64> = seqs.iter().copied().filter(|s| !held.contains(s)).collect();
        let mut found: Vec<Option<Arc<Cached>>> = {
            let mut cache = lock(cache);
            seqs.iter().map(|&seq| cache.get(seq)).collect()
        };
        let missing: Vec<i64> = seqs
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(&seq, _)| seq)
            .collect();
        if !missing.is_empty() {
            let mut read: FxHashMap<i64, Arc<Cached>> = read_cached(conn, &missing)
                .await?
                .into_iter()
                .map(|c| (c.candidate.key, c))
                .collect();
            let mut cache = lock(cache);
            for (&seq, c) in &read {
                cache.insert(seq, Arc::clone(c));
            }
            for (seq, f) in seqs.iter().zip(found.iter_mut()) {
                if f.is_none() {
                    *f = read.remove(seq);
                }
            }
        }
        // In the order of the search, so that ties in the ranking fall the same way each
        // time; a complaint gone since the search is left out.
        for c in found.into_iter().flatten() {
            self.seqs.push(c.candidate.key);
            self.ids.push(c.id);
            self.candidates.push(c.candidate.clone());
            self.analysed.push(c.analysed.clone());
        }
        Ok(missing.len())
    }
}

/// How many complaints, read and stemmed, the candidate cache keeps at most.
const CACHED_CANDIDATES: usize = 24_576;
/// About how much memory the candidate cache takes at most.
const CACHED_BYTES: usize = 32 << 20;
/// How many complaints [`Store::warm_relevance`] reads at a time.
const WARM_BATCH: usize = 512;

/// A candidate as read and stemmed once, with its id. The store only ever adds complaints,
/// so while it is open a `seq` names the same complaint.
struct Cached {
    id: Uuid,
    candidate: Candidate,
    analysed: Analysed,
}

impl Cached {
    /// About how much memory this takes: what its strings and lists have allocated.
    fn bytes(&self) -> usize {
        let c = &self.candidate;
        let a = &self.analysed;
        let text = c.title.capacity()
            + c.body.capacity()
            + c.product.capacity()
            + c.segment.capacity()
            + c.tags.iter().map(|t| t.capacity()).sum::<usize>()
            + c.tags.capacity() * std::mem::size_of::<String>();
        let stems = (a.title.capacity() + a.body.capacity() + a.meta.capacity())
            * std::mem::size_of::<relevance::text::StemId>();
        std::mem::size_of::<Self>() + text + stems
    }
}

/// The candidates of recent searches, by `seq`: an agenda item is ranked again on every pin,
/// dismissal and return to it, and the items of one meeting share complaints, so most
/// candidates were read and stemmed before. Two generations of up to half
/// [`CACHED_CANDIDATES`] and half [`CACHED_BYTES`] each: a hit in the older moves to the
/// newer, and when the newer is full it becomes the older, dropping what the older held.
/// The read-ahead ([`Store::warm_relevance`]) fills the older, leaving the newer to searches.
#[derive(Default)]
struct CandidateCache {
    newer: FxHashMap<i64, Arc<Cached>>,
    newer_bytes: usize,
    older: FxHashMap<i64, Arc<Cached>>,
    older_bytes: usize,
}

impl CandidateCache {
    /// The complaint numbered `seq` if held, leaving it where it is.
    fn peek(&self, seq: i64) -> Option<&Arc<Cached>> {
        self.newer.get(&seq).or_else(|| self.older.get(&seq))
    }

    fn get(&mut self, seq: i64) -> Option<Arc<Cached>> {
        if let Some(c) = self.newer.get(&seq) {
            return Some(Arc::clone(c));
        }
        let c = self.older.remove(&seq)?;
        self.older_bytes -= c.bytes();
        self.insert(seq, Arc::clone(&c));
        Some(c)
    }

    fn insert(&mut self, seq: i64, c: Arc<Cached>) {
        if self.newer.contains_key(&seq) {
            return;
        }
        let bytes = c.bytes();
        if self.newer.len() >= CACHED_CANDIDATES / 2 || self.newer_bytes + bytes > CACHED_BYTES / 2
        {
            self.older = std::mem::take(&mut self.newer);
            self.older_bytes = std::mem::take(&mut self.newer_bytes);
        }
        self.newer_bytes += bytes;
        self.newer.insert(seq, c);
    }

    /// How many more complaints the older generation takes, by count.
    fn room(&self) -> usize {
        (CACHED_CANDIDATES / 2).saturating_sub(self.older.len())
    }

    /// Adds `c` to the older generation if it has room.
    fn warm(&mut self, c: Arc<Cached>) -> Warmed {
        let seq = c.candidate.key;
        if self.newer.contains_key(&seq) || self.older.contains_key(&seq) {
            return Warmed::AlreadyHeld;
        }
        let bytes = c.bytes();
        if self.room() == 0 || self.older_bytes + bytes > CACHED_BYTES / 2 {
            return Warmed::Full;
        }
        self.older_bytes += bytes;
        self.older.insert(seq, c);
        Warmed::Added
    }
}

/// What [`CandidateCache::warm`] did.
#[derive(Debug, PartialEq, Eq)]
enum Warmed {
    Added,
    AlreadyHeld,
    Full,
}

impl std::fmt::Debug for CandidateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CandidateCache({} complaints)",
            self.newer.len() + self.older.len()
        )
    }
}

/// The complaints newer than `after` holding all the FTS5 strings of each term, one row per
/// term with words left: its position in `terms` and the complaints' `seq`s, comma-separated.
async fn term_lists(
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

/// The `seq`s of the `params.candidates` complaints that match the plan's terms best (best
/// first), leaving out those in `known`.
///
/// Each term's complaints are read from the index on their own, with no per-complaint
/// scoring in FTS5 (its `bm25` costs several times more than reading the lists), and a
/// complaint scores the rarity-weighted value of the terms it holds, a concept's synonyms
/// adding only a share beyond the best of them, as in the ranking. Ties go to the complaint
/// imported last. Each term's list leaves SQLite as one row, so the cost is the index's.
async fn search(
    conn: &mut SqliteConnection,
    query: &Query,
    plan: &SearchPlan,
    after: i64,
    stats: &CorpusStats,
    known: &[i64],
    params: &Params,
) -> Result<Vec<i64>> {
    let mut terms: Vec<usize> = plan.terms.iter().copied().collect();
    terms.sort_unstable();
    let mut strings: Vec<Vec<String>> = terms.iter().map(|&i| query.fts_strings(i)).collect();
    let lists = match term_lists(conn, &strings, after).await {
        Err(e) if refused_by_the_index(&e) => {
            for s in &mut strings {
                *s = accepted_strings(conn, std::mem::take(s)).await?;
            }
            term_lists(conn, &strings, after).await?
        }
        lists => lists?,
    };
    let known: FxHashSet<i64> = known.iter().copied().collect();
    // (best, sum) per complaint and concept.
    let mut per: FxHashMap<(i64, usize), (f64, f64)> = FxHashMap::default();
    for (k, list) in lists {
        let (Some(&t), Some(list)) = (terms.get(k as usize), list) else {
            continue;
        };
        let t = &query.terms[t];
        // The index finds a phrase's words anywhere in a complaint, not only together: such
        // a list is as common as its commonest word could make it, not as rare as the phrase.
        let df = match t.stems.as_slice() {
            [_] => t.df,
            words => words
                .iter()
                .map(|w| stats.df(std::slice::from_ref(w)))
                .fold(f64::INFINITY, f64::min)
                .max(t.df),
        };
        let v = t.weight * rank::idf(stats.docs, df);
        for seq in list.split(',').filter_map(|s| s.parse::<i64>().ok()) {
            if known.contains(&seq) {
                continue;
            }
            let e = per.entry((seq, t.concept)).or_default();
            e.0 = e.0.max(v);
            e.1 += v;
        }
    }
    // Each complaint's concepts added up in concept order, so that equal complaints get
    // exactly equal scores and the tie rule decides between them.
    let mut per: Vec<((i64, usize), (f64, f64))> = per.into_iter().collect();
    per.sort_unstable_by_key(|(key, _)| *key);
    let mut best: Vec<(i64, f64)> = Vec::new();
    for ((seq, _), (top, sum)) in per {
        let v = top + params.synonym_share * (sum - top);
        match best.last_mut() {
            Some((last, score)) if *last == seq => *score += v,
            _ => best.push((seq, v)),
        }
    }
    let by_score = |a: &(i64, f64), b: &(i64, f64)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
    if best.len() > params.candidates {
        best.select_nth_unstable_by(params.candidates, by_score);
        best.truncate(params.candidates);
    }
    best.sort_unstable_by(by_score);
    Ok(best.iter().map(|(seq, _)| *seq).collect())
}

/// The most terms one search reads, whatever the parameters say: each is a part of one
/// `UNION ALL`, and SQLite allows 500.
const MOST_SEARCH_TERMS: usize = 400;

/// Which terms the candidate search uses, and whether it is limited to the newest complaints.
struct SearchPlan {
    terms: HashSet<usize>,
    /// Search only this many of the newest complaints.
    window: Option<f64>,
}

/// Chooses the candidate search's terms among those `keep` selects: the most telling ones
/// (weight × rarity) whose index entries, counted per word (FTS5 reads a phrase's words'
/// whole lists), fit in the postings budget; when none fits, the rarest two within a window
/// of the newest complaints that keeps the budget.
fn search_plan(
    query: &Query,
    stats: &CorpusStats,
    params: &Params,
    keep: impl Fn(&Term) -> bool,
) -> SearchPlan {
    let docs = stats.docs;
    let cost = |t: &Term| -> f64 {
        t.stems
            .iter()
            .map(|s| stats.df(std::slice::from_ref(s)))
            .sum()
    };
    let mut eligible: Vec<(usize, &Term, f64)> = query
        .terms
        .iter()
        .enumerate()
        .filter(|(_, t)| keep(t) && t.df > 0.0)
        .map(|(i, t)| (i, t, cost(t)))
        .collect();
    let value = |t: &Term| t.weight * rank::idf(docs, t.df);
    eligible.sort_by(|a, b| value(b.1).total_cmp(&value(a.1)));
    let mut terms = HashSet::new();
    let mut postings = 0.0;
    for (i, _, c) in &eligible {
        if postings + c > params.postings_budget {
            continue;
        }
        postings += c;
        terms.insert(*i);
        if terms.len() >= params.search_terms.min(MOST_SEARCH_TERMS) {
            break;
        }
    }
    if !terms.is_empty() || eligible.is_empty() {
        return SearchPlan {
            terms,
            window: None,
        };
    }
    // No word fits the budget: search by the rarest two within the newest complaints.
    eligible.sort_by(|a, b| a.2.total_cmp(&b.2));
    let chosen: Vec<&(usize, &Term, f64)> = eligible.iter().take(2).collect();
    let total: f64 = chosen.iter().map(|(_, _, c)| c).sum::<f64>().max(1.0);
    let window = (docs * params.postings_budget / total).max(params.candidates as f64);
    SearchPlan {
        terms: chosen.iter().map(|(i, _, _)| *i).collect(),
        window: (window < docs).then_some(window),
    }
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
    let rows = sqlx::query!(
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
            let id = r.id.into_uuid();
            (
                id,
                Complaint {
                    id,
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
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(seq: i64) -> Arc<Cached> {
        sized(seq, format!("complaint {seq}"))
    }

    fn sized(seq: i64, body: String) -> Arc<Cached> {
        Arc::new(Cached {
            id: Uuid::nil(),
            candidate: Candidate {
                key: seq,
                title: String::new(),
                body,
                product: String::new(),
                tags: Vec::new(),
                segment: String::new(),
                received_at: DateTime::<Utc>::UNIX_EPOCH,
            },
            analysed: Analysed::default(),
        })
    }

    #[test]
    fn the_candidate_cache_stays_bounded_and_keeps_what_is_used() {
        let mut cache = CandidateCache::default();
        let total = CACHED_CANDIDATES as i64 * 3;
        for seq in 0..total {
            cache.insert(seq, cached(seq));
            // One complaint asked for all along stays.
            assert_eq!(cache.get(0).map(|c| c.candidate.key), Some(0));
            assert!(cache.newer.len() + cache.older.len() <= CACHED_CANDIDATES);
        }
        assert!(cache.get(total - 1).is_some(), "the newest is kept");
        assert!(cache.get(1).is_none(), "one not asked for again is dropped");
        assert_eq!(
            cache.get(total - 2).map(|c| c.candidate.body.clone()),
            Some(format!("complaint {}", total - 2))
        );
    }

    fn held_bytes(map: &FxHashMap<i64, Arc<Cached>>) -> usize {
        map.values().map(|c| c.bytes()).sum()
    }

    #[test]
    fn the_read_ahead_fills_only_the_older_half_and_searches_keep_their_own() {
        let mut cache = CandidateCache::default();
        let searched = 1_000_000;
        cache.insert(searched, cached(searched));
        let mut added = 0;
        for seq in 0..CACHED_CANDIDATES as i64 {
            match cache.warm(cached(seq)) {
                Warmed::Added => added += 1,
                other => {
                    assert_eq!(other, Warmed::Full);
                    break;
                }
            }
        }
        assert_eq!(added, CACHED_CANDIDATES / 2);
        assert_eq!(cache.room(), 0);
        assert_eq!(cache.warm(cached(searched)), Warmed::AlreadyHeld);
        assert_eq!(
            cache.newer.len(),
            1,
            "what a search read stays in the newer half"
        );
        // A read-ahead complaint a search uses moves to the newer half, making room.
        assert!(cache.get(7).is_some());
        assert_eq!(cache.older.len(), CACHED_CANDIDATES / 2 - 1);
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert_eq!(cache.warm(cached(searched + 1)), Warmed::Added);
        assert_eq!(cache.warm(cached(searched + 2)), Warmed::Full);
        // When the newer half fills, it becomes the older with its exact size.
        for seq in 2_000_000..2_000_000 + CACHED_CANDIDATES as i64 / 2 {
            cache.insert(seq, cached(seq));
        }
        assert!(cache.older.contains_key(&searched));
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert_eq!(cache.newer_bytes, held_bytes(&cache.newer));
    }

    #[test]
    fn the_read_ahead_keeps_to_half_the_memory_budget() {
        let mut cache = CandidateCache::default();
        let mut added = 0;
        for seq in 0..200 {
            if cache.warm(sized(seq, "x".repeat(1 << 20))) == Warmed::Full {
                break;
            }
            added += 1;
        }
        assert!(cache.room() > 0, "the count allows more");
        assert!(cache.older_bytes <= CACHED_BYTES / 2);
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert!((10..=16).contains(&added), "{added} complaints of 1 MB");
    }

    #[test]
    fn the_candidate_cache_keeps_to_its_memory_budget() {
        let mut cache = CandidateCache::default();
        // Complaints of a megabyte each: far fewer than the count allows.
        for seq in 0..200 {
            cache.insert(seq, sized(seq, "x".repeat(1 << 20)));
            let held: usize = cache
                .newer
                .values()
                .chain(cache.older.values())
                .map(|c| c.bytes())
                .sum();
            assert!(held <= CACHED_BYTES, "{held} bytes held");
        }
        assert!(cache.get(199).is_some(), "the newest is kept");
        assert!(cache.newer.len() + cache.older.len() < 40);
    }
}
