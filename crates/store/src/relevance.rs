//! Relevant complaints for an agenda item: candidates from the FTS5 index, scored in the core.
//!
//! Rarity (`df`) of each query word comes from the index's own vocabulary (`fts5vocab`),
//! looked up by the stem FTS5 itself gives the word: every connection has a small temporary
//! FTS5 table with the same tokenizer, so the stems match the index exactly.
//!
//! The candidate search leaves out words found in more than a set share of complaints
//! (they barely tell complaints apart), which keeps its cost bounded on a large collection
//! even for items worded in common words.

use std::collections::{HashMap, HashSet};

use chair_core::complaint::Complaint;
use chair_core::relevance::{
    self, Analysed, Candidate, ItemText, Mark, Origin, Params, Query, RelevantComplaint,
    RelevantRequest, Term, Thesaurus, dedup, excerpt, rank,
};
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::types::Json;
use sqlx::{Row, Sqlite, SqliteConnection};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::time::now as now_text;
use crate::{Result, Store, StoreError};

/// SQL run on every new connection: the temporary table that stems words the way the
/// complaint index does, and its vocabulary.
pub(crate) const STEMMER_SETUP: &str = "
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.chair_stem
        USING fts5(w, tokenize = 'porter unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.chair_stem_terms
        USING fts5vocab('temp', 'chair_stem', 'instance');
";

/// What the persona(s) in the chair add to a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonaHints {
    pub keywords: Vec<String>,
    pub segments: Vec<String>,
}

impl Store {
    /// The thesaurus: built-in groups plus the user's.
    pub async fn thesaurus(&self) -> Result<Thesaurus> {
        let user = self.thesaurus_entries().await?;
        Ok(Thesaurus::builtin().with(&user))
    }

    /// The user's thesaurus groups: a term and its related words.
    pub async fn thesaurus_entries(&self) -> Result<Vec<(String, Vec<String>)>> {
        let rows = sqlx::query!(
            r#"SELECT term, related AS "related: Json<Vec<String>>" FROM thesaurus ORDER BY term"#
        )
        .fetch_all(self.pool())
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
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes the user's thesaurus group for `term`.
    pub async fn remove_thesaurus_entry(&self, term: &str) -> Result<()> {
        let term = term.trim().to_lowercase();
        let done = sqlx::query!("DELETE FROM thesaurus WHERE term = ?", term)
            .execute(self.pool())
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
                .execute(self.pool())
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
                .execute(self.pool())
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
        .fetch_all(self.pool())
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
        .fetch_optional(self.pool())
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
        let thesaurus = self.thesaurus().await?;
        let mut query = relevance::build(item, &hints.keywords, &thesaurus, params);
        let mut conn = self.pool().acquire().await?;
        let docs: f64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM complaints"#)
            .fetch_one(&mut *conn)
            .await? as f64;
        if query.terms.is_empty() || docs == 0.0 {
            return self.only_pinned(&mut conn, marks).await;
        }
        fill_df(&mut conn, &mut query.terms).await?;
        let mut pool = Pool::default();
        pool.fetch(&mut conn, &query, docs, params, |t| {
            t.origin != Origin::Persona
        })
        .await?;
        let mut ranked = rank::rank(
            &query,
            &pool.candidates,
            &pool.analysed,
            docs,
            as_of,
            &hints.segments,
            params,
        );

        // Pseudo-relevance feedback: words the best complaints share widen the query once.
        let extra = rank::feedback_terms(&query, &pool.candidates, &pool.analysed, &ranked, params);
        if !extra.is_empty() {
            let concept = query.terms.iter().map(|t| t.concept + 1).max().unwrap_or(0);
            let first_new = query.terms.len();
            for (i, (word, stem, weight)) in extra.into_iter().enumerate() {
                query.terms.push(Term {
                    words: vec![word],
                    stems: vec![stem],
                    weight,
                    concept: concept + i,
                    origin: Origin::Feedback,
                    df: 0.0,
                });
            }
            fill_df(&mut conn, &mut query.terms[first_new..]).await?;
            pool.fetch(&mut conn, &query, docs, params, |t| {
                t.origin == Origin::Feedback
            })
            .await?;
            ranked = rank::rank(
                &query,
                &pool.candidates,
                &pool.analysed,
                docs,
                as_of,
                &hints.segments,
                params,
            );
        }

        let dismissed: HashSet<Uuid> = marks
            .iter()
            .filter(|(_, m)| *m == Mark::Dismissed)
            .map(|(id, _)| *id)
            .collect();
        let pinned: Vec<Uuid> = marks
            .iter()
            .filter(|(_, m)| *m == Mark::Pinned)
            .map(|(id, _)| *id)
            .collect();
        let ids = pool.ids(&mut conn).await?;
        let hidden = |idx: usize| !request.include_dismissed && dismissed.contains(&ids[idx]);
        let visible: Vec<rank::Ranked> = ranked.into_iter().filter(|r| !hidden(r.index)).collect();
        let groups = dedup::group(&visible, &pool.analysed, limit + pinned.len(), params);

        let mut out: Vec<RelevantComplaint> = Vec::new();
        for g in &groups {
            let lead = &visible[g.lead];
            let members: Vec<Uuid> = g.members.iter().map(|&m| ids[visible[m].index]).collect();
            out.push(
                self.explain(&mut conn, &query, &pool, lead, members, ids[lead.index])
                    .await?,
            );
        }
        for r in &mut out {
            r.mark = marks
                .iter()
                .find(|(id, _)| *id == r.complaint.id)
                .map(|(_, m)| *m);
        }
        // Pins first, in the order they were pinned; a pinned complaint the ranking did not
        // find is still shown.
        let mut result: Vec<RelevantComplaint> = Vec::new();
        for id in &pinned {
            match out.iter().position(|r| r.complaint.id == *id) {
                Some(i) => result.push(out.remove(i)),
                None => {
                    if let Ok(c) = self.complaint(*id).await {
                        result.push(bare(c, Mark::Pinned));
                    }
                }
            }
        }
        // Pins are never dropped; the ranking fills what room the limit leaves.
        let room = limit.saturating_sub(result.len());
        result.extend(out.into_iter().take(room));
        Ok(result)
    }

    async fn only_pinned(
        &self,
        _conn: &mut PoolConnection<Sqlite>,
        marks: &[(Uuid, Mark)],
    ) -> Result<Vec<RelevantComplaint>> {
        let mut out = Vec::new();
        for (id, m) in marks {
            if *m == Mark::Pinned
                && let Ok(c) = self.complaint(*id).await
            {
                out.push(bare(c, Mark::Pinned));
            }
        }
        Ok(out)
    }

    async fn explain(
        &self,
        conn: &mut SqliteConnection,
        query: &Query,
        pool: &Pool,
        ranked: &rank::Ranked,
        duplicate_ids: Vec<Uuid>,
        id: Uuid,
    ) -> Result<RelevantComplaint> {
        let complaint = load_complaint(conn, id).await?;
        let matched: HashSet<&str> = ranked
            .matched
            .iter()
            .flat_map(|(ti, _)| query.terms[*ti].stems.iter().map(String::as_str))
            .collect();
        let hit = |s: &str| matched.contains(s);
        let _ = pool;
        Ok(RelevantComplaint {
            title: excerpt::excerpt(&complaint.title, &hit, 400),
            excerpt: excerpt::excerpt(&complaint.body, &hit, 320),
            why: relevance::why(query, ranked),
            score: (ranked.score * 1000.0).round() / 1000.0,
            duplicates: duplicate_ids.len() as i64,
            duplicate_ids,
            mark: None,
            complaint,
        })
    }
}

fn bare(c: Complaint, mark: Mark) -> RelevantComplaint {
    RelevantComplaint {
        title: vec![excerpt::Segment {
            text: c.title.clone(),
            hit: false,
        }],
        excerpt: excerpt::excerpt(&c.body, &|_| false, 320),
        why: vec!["pinned".into()],
        score: 0.0,
        duplicates: 0,
        duplicate_ids: Vec::new(),
        mark: Some(mark),
        complaint: c,
    }
}

/// Candidates gathered so far, by complaint `seq`.
#[derive(Default)]
struct Pool {
    seqs: Vec<i64>,
    candidates: Vec<Candidate>,
    analysed: Vec<Analysed>,
}

impl Pool {
    /// Adds the best candidates for the terms `keep` selects (common ones left out).
    async fn fetch(
        &mut self,
        conn: &mut SqliteConnection,
        query: &Query,
        docs: f64,
        params: &Params,
        keep: impl Fn(&Term) -> bool,
    ) -> Result<()> {
        let chosen = search_terms(query, docs, params, keep);
        let Some(fts) = query.fts_match(|i| chosen.contains(&i)) else {
            return Ok(());
        };
        let rows = sqlx::query(
            "SELECT c.seq, c.title, c.body, c.product, c.tags, c.segment, c.received_at
               FROM (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?1
                      ORDER BY bm25(complaints_fts, 2.0, 1.0, 0.5, 0.5) LIMIT ?2) AS f
               JOIN complaints c ON c.seq = f.rowid",
        )
        .bind(&fts)
        .bind(params.candidates as i64)
        .fetch_all(&mut *conn)
        .await?;
        let known: HashSet<i64> = self.seqs.iter().copied().collect();
        for r in rows {
            let seq: i64 = r.try_get("seq")?;
            if known.contains(&seq) {
                continue;
            }
            let tags: Json<Vec<String>> = r.try_get("tags")?;
            let c = Candidate {
                key: seq,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                product: r.try_get("product")?,
                tags: tags.0,
                segment: r.try_get("segment")?,
                received_at: r.try_get("received_at")?,
            };
            self.analysed.push(Analysed::of(&c));
            self.candidates.push(c);
            self.seqs.push(seq);
        }
        Ok(())
    }

    /// The ids of the candidates, in candidate order.
    async fn ids(&self, conn: &mut SqliteConnection) -> Result<Vec<Uuid>> {
        let seqs = Json(&self.seqs);
        let rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", id AS "id: Hyphenated" FROM complaints
                WHERE seq IN (SELECT value FROM json_each(?))"#,
            seqs
        )
        .fetch_all(&mut *conn)
        .await?;
        let by_seq: HashMap<i64, Uuid> = rows
            .into_iter()
            .map(|r| (r.seq, r.id.into_uuid()))
            .collect();
        Ok(self
            .seqs
            .iter()
            .map(|s| by_seq.get(s).copied().unwrap_or_default())
            .collect())
    }
}

/// The terms the candidate search uses: those `keep` selects, without the ones found in
/// more than `params.common_share` of complaints unless fewer than two rarer ones remain.
fn search_terms(
    query: &Query,
    docs: f64,
    params: &Params,
    keep: impl Fn(&Term) -> bool,
) -> HashSet<usize> {
    let mut eligible: Vec<(usize, &Term)> = query
        .terms
        .iter()
        .enumerate()
        .filter(|(_, t)| keep(t) && t.df > 0.0)
        .collect();
    eligible.sort_by(|a, b| a.1.df.total_cmp(&b.1.df));
    let cap = params.common_share * docs;
    let rare = eligible.iter().filter(|(_, t)| t.df <= cap).count();
    let take = rare.max(2.min(eligible.len())).min(40);
    eligible.into_iter().take(take).map(|(i, _)| i).collect()
}

/// Fills in each term's document frequency from the index's vocabulary.
async fn fill_df(conn: &mut SqliteConnection, terms: &mut [Term]) -> Result<()> {
    let words: Vec<String> = {
        let mut w: Vec<String> = terms.iter().flat_map(|t| t.words.iter().cloned()).collect();
        w.sort();
        w.dedup();
        w
    };
    let stems = fts_stems(conn, &words).await?;
    let wanted: Vec<&String> = stems.values().flatten().collect();
    let wanted_json = Json(&wanted);
    let rows = sqlx::query(
        "SELECT term, doc FROM complaints_vocab WHERE term IN (SELECT value FROM json_each(?1))",
    )
    .bind(wanted_json)
    .fetch_all(&mut *conn)
    .await?;
    let mut df: HashMap<String, f64> = HashMap::new();
    for r in rows {
        df.insert(r.try_get("term")?, r.try_get::<i64, _>("doc")? as f64);
    }
    for t in terms {
        // A phrase is at most as common as its rarest word; half of that is a fair guess.
        let per_word: Vec<f64> = t
            .words
            .iter()
            .map(|w| {
                stems
                    .get(w)
                    .map(|s| {
                        s.iter()
                            .map(|s| df.get(s).copied().unwrap_or(0.0))
                            .fold(f64::MAX, f64::min)
                    })
                    .unwrap_or(0.0)
            })
            .map(|d| if d == f64::MAX { 0.0 } else { d })
            .collect();
        let rarest = per_word.iter().copied().fold(f64::MAX, f64::min);
        t.df = match per_word.len() {
            0 => 0.0,
            1 => rarest,
            _ => rarest * 0.5,
        };
    }
    Ok(())
}

/// The stems FTS5 gives each word, from the connection's temporary stemming table.
async fn fts_stems(
    conn: &mut SqliteConnection,
    words: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    sqlx::query("DELETE FROM temp.chair_stem")
        .execute(&mut *conn)
        .await?;
    let json = Json(words);
    sqlx::query("INSERT INTO temp.chair_stem (rowid, w) SELECT key + 1, value FROM json_each(?1)")
        .bind(json)
        .execute(&mut *conn)
        .await?;
    let rows = sqlx::query("SELECT doc, term FROM temp.chair_stem_terms ORDER BY doc, offset")
        .fetch_all(&mut *conn)
        .await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        let doc: i64 = r.try_get("doc")?;
        let term: String = r.try_get("term")?;
        if let Some(w) = words.get((doc - 1) as usize) {
            out.entry(w.clone()).or_default().push(term);
        }
    }
    Ok(out)
}

async fn load_complaint(conn: &mut SqliteConnection, id: Uuid) -> Result<Complaint> {
    let hid = id.hyphenated();
    let r = sqlx::query!(
        r#"SELECT source, external_id, received_at AS "received_at: DateTime<Utc>", title, body, customer,
                  segment, product, channel, severity, tags AS "tags: Json<Vec<String>>"
             FROM complaints WHERE id = ?"#,
        hid
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Complaint {
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
    })
}
