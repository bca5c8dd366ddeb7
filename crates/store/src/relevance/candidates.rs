//! Finding candidates for a query in the FTS5 index within a budget of index entries (rarest
//! words first), reading them through the cache, and naming complaints by id.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chair_core::complaint::Complaint;
use chair_core::relevance::stats::CorpusStats;
use chair_core::relevance::{
    self, Analysed, Candidate, Mark, Params, Query, RelevantComplaint, Term, excerpt, rank,
};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use sqlx::types::Json;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::cache::*;
use crate::Result;
use crate::complaints::{ComplaintRow, accepted_strings, refused_by_the_index};

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

/// A ranked complaint with its why lines and marked excerpts.
pub(super) fn explain(
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
pub(super) async fn load_pinned(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<Vec<RelevantComplaint>> {
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
pub(super) struct Pool {
    pub(super) seqs: Vec<i64>,
    pub(super) ids: Vec<Uuid>,
    pub(super) candidates: Vec<Candidate>,
    pub(super) analysed: Vec<Analysed>,
}

impl Pool {
    /// Adds the best candidates for the terms `keep` selects, within the postings budget,
    /// reading and stemming only those `cache` does not hold.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn fetch(
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
    pub(super) async fn add(
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

/// The `seq`s of the `params.candidates` complaints that match the plan's terms best (best
/// first), leaving out those in `known`.
///
/// Each term's complaints are read from the index on their own, with no per-complaint
/// scoring in FTS5 (its `bm25` costs several times more than reading the lists), and a
/// complaint scores the rarity-weighted value of the terms it holds, a concept's synonyms
/// adding only a share beyond the best of them, as in the ranking. Ties go to the complaint
/// imported last. Each term's list leaves SQLite as one row, so the cost is the index's.
pub(super) async fn search(
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
pub(super) const MOST_SEARCH_TERMS: usize = 400;

/// Which terms the candidate search uses, and whether it is limited to the newest complaints.
pub(super) struct SearchPlan {
    pub(super) terms: HashSet<usize>,
    /// Search only this many of the newest complaints.
    pub(super) window: Option<f64>,
}

/// Chooses the candidate search's terms among those `keep` selects: the most telling ones
/// (weight × rarity) whose index entries, counted per word (FTS5 reads a phrase's words'
/// whole lists), fit in the postings budget; when none fits, the rarest two within a window
/// of the newest complaints that keeps the budget.
pub(super) fn search_plan(
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
