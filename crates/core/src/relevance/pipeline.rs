//! The whole ranking of an agenda item's complaints, from its text to the list the room sees,
//! over any [`CandidateSource`]: the store's full-text index and caches in the app, a few
//! complaints in memory in tests.
//!
//! 1. The item's words make a weighted query ([`super::build`]); their rarity comes from the
//!    source's statistics.
//! 2. The candidate search reads at most a budget of index entries ([`search_plan`]): the
//!    most telling words first, words found in too many complaints left out, and when every
//!    word is that common only the newest complaints. Its cost is thereby bounded at any
//!    collection size. The complaints holding the most telling words are kept
//!    ([`best_candidates`]).
//! 3. They are scored ([`super::rank`]) and mixed with how close they are in meaning where the
//!    language model has read them ([`super::dense::mix`]); complaints close in meaning but
//!    sharing no word join as candidates of their own.
//! 4. Near-duplicates are grouped ([`super::dedup`]) and each group's lead is explained.
//! 5. The item's pins and dismissals apply last ([`with_marks`]), so a list computed ahead of
//!    the meeting stays right however the room marks it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use uuid::Uuid;

use super::dense::VectorIndex;
use super::stats::CorpusStats;
use super::{
    Analysed, Candidate, ItemText, Mark, Origin, Params, Query, RelevantComplaint, RelevantRequest,
    Term, Thesaurus, dedup, dense, excerpt, rank,
};
use crate::complaint::Complaint;

/// What the persona(s) in the chair add to a query.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PersonaHints {
    pub keywords: Vec<String>,
    pub segments: Vec<String>,
}

/// A complaint read and stemmed for ranking. Its `candidate.key` is the source's number for
/// it (the store's `seq`), which never names another complaint while the source is open.
#[derive(Debug, Clone)]
pub struct Stemmed {
    pub id: Uuid,
    pub candidate: Candidate,
    pub analysed: Analysed,
}

impl Stemmed {
    /// Reads and stems `candidate`.
    pub fn of(id: Uuid, candidate: Candidate) -> Stemmed {
        let analysed = Analysed::of(&candidate);
        Stemmed {
            id,
            candidate,
            analysed,
        }
    }
}

/// The complaints' meaning vectors, and the item's vector to compare them with.
pub type Meaning = (Arc<VectorIndex>, Vec<f32>);

/// Where the complaints come from. Every method may fail with the source's own error, which
/// the ranking passes on unchanged.
pub trait CandidateSource: Send {
    type Error: Send;

    /// The collection's word statistics (see [`CorpusStats`]).
    fn stats(&mut self) -> impl Future<Output = Result<Arc<CorpusStats>, Self::Error>> + Send;

    /// For each entry of `terms` (the full-text strings of one query term; see
    /// [`Query::fts_strings`]) that is not empty: its position in `terms` and the keys of
    /// the complaints newer than key `after` that hold all of its strings.
    fn postings(
        &mut self,
        terms: &[Vec<String>],
        after: i64,
    ) -> impl Future<Output = Result<Vec<(usize, Vec<i64>)>, Self::Error>> + Send;

    /// The complaints with these keys, read and stemmed; keys of no complaint are left out.
    fn read(
        &mut self,
        keys: &[i64],
    ) -> impl Future<Output = Result<Vec<Arc<Stemmed>>, Self::Error>> + Send;

    /// The complaints' meaning vectors and the item's, or `None` where there are none (no
    /// model, or no complaint read for meaning yet): the ranking is then by words alone.
    fn meaning(
        &mut self,
        item: &ItemText,
    ) -> impl Future<Output = Result<Option<Meaning>, Self::Error>> + Send;

    /// Complaints by id; ids of no complaint are left out.
    fn complaints(
        &mut self,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<HashMap<Uuid, Complaint>, Self::Error>> + Send;
}

/// The ranking of an agenda item before the room's marks: its best `depth` groups of
/// near-duplicates, best first, each lead explained and its copies named. Complaints are
/// dated for recency against `as_of`.
pub async fn ranked_list<S: CandidateSource>(
    source: &mut S,
    item: &ItemText,
    hints: &PersonaHints,
    thesaurus: &Thesaurus,
    as_of: DateTime<Utc>,
    depth: usize,
    params: &Params,
) -> Result<Vec<RelevantComplaint>, S::Error> {
    let mut query = super::build(item, &hints.keywords, thesaurus, params);
    let stats = source.stats().await?;
    if query.terms.is_empty() || stats.docs == 0.0 || depth == 0 {
        return Ok(Vec::new());
    }
    for t in &mut query.terms {
        t.df = stats.df(&t.stems);
    }
    let mut pool = Pool::default();
    // The persona's words rank what the item's words found; they find nothing themselves.
    let plan = search_plan(&query, &stats, params, |t| t.origin != Origin::Persona);
    if !plan.terms.is_empty() {
        let after = stats.newest - plan.window.map_or(stats.newest, |w| w as i64);
        let mut terms: Vec<usize> = plan.terms.iter().copied().collect();
        terms.sort_unstable();
        let strings: Vec<Vec<String>> = terms.iter().map(|&i| query.fts_strings(i)).collect();
        let lists = source.postings(&strings, after).await?;
        let lists = lists
            .into_iter()
            .filter_map(|(k, keys)| terms.get(k).map(|&t| (t, keys)));
        let keys = best_candidates(&query, lists, &stats, &pool.keys, params);
        pool.add(source, &keys).await?;
    }
    let mut ranked = rank::rank(
        &query,
        &pool.candidates,
        &pool.analysed,
        &stats,
        as_of,
        &hints.segments,
        params,
    );
    if params.meaning_weight > 0.0
        && let Some((vectors, wanted)) = source.meaning(item).await?
    {
        let near: Vec<i64> = vectors
            .nearest(&wanted, params.meaning_candidates)
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        pool.add(source, &near).await?;
        let cosines: Vec<Option<f32>> = pool
            .keys
            .iter()
            .map(|&key| vectors.cosine(key, &wanted))
            .collect();
        ranked = dense::mix(
            ranked,
            &pool.candidates,
            &cosines,
            as_of,
            &hints.segments,
            params,
        );
    }
    // Only the head of the ranking can be shown; grouping looks a little further down to
    // count near-duplicates.
    ranked.truncate(depth * 4 + 20);
    let groups = dedup::group(&ranked, &pool.candidates, depth, params);
    let id_of = |r: &rank::Ranked| pool.ids[r.index];
    let leads: Vec<Uuid> = groups.iter().map(|g| id_of(&ranked[g.lead])).collect();
    let mut complaints = source.complaints(&leads).await?;
    Ok(groups
        .iter()
        .filter_map(|g| {
            let lead = &ranked[g.lead];
            let complaint = complaints.remove(&id_of(lead))?;
            let copies = g.members.iter().map(|&m| id_of(&ranked[m])).collect();
            Some(explain(&query, lead, complaint, copies))
        })
        .collect())
}

/// How many groups an item's list needs before marks apply, for `request` with these marks:
/// each dismissal may take a group away, and pins take room of their own.
pub fn depth_for(request: &RelevantRequest, marks: &[(Uuid, Mark)]) -> usize {
    request.limit.clamp(1, 200) as usize + marks.len()
}

/// The list the room sees: `list` (from [`ranked_list`], deep enough for the marks: see
/// [`depth_for`]) with the item's marks applied. Pins come first in the order they were
/// pinned, `pinned` supplying those the ranking did not find; a dismissed lead takes its
/// near-duplicates away with it (dismissing "14 customers said this" dismisses what they
/// said), unless `request` asks to see dismissals.
pub fn with_marks(
    list: Vec<RelevantComplaint>,
    marks: &[(Uuid, Mark)],
    mut pinned: Vec<RelevantComplaint>,
    request: &RelevantRequest,
) -> Vec<RelevantComplaint> {
    let limit = request.limit.clamp(1, 200) as usize;
    let mark_of = |id: &Uuid| marks.iter().find(|(m, _)| m == id).map(|(_, m)| *m);
    let mut out: Vec<RelevantComplaint> = Vec::with_capacity(list.len());
    for mut r in list {
        r.mark = mark_of(&r.complaint.id);
        if !request.include_dismissed {
            if r.mark == Some(Mark::Dismissed) {
                continue;
            }
            r.duplicate_ids
                .retain(|id| mark_of(id) != Some(Mark::Dismissed));
            r.duplicates = r.duplicate_ids.len() as i64;
        }
        out.push(r);
    }
    let mut result: Vec<RelevantComplaint> = Vec::new();
    for (id, _) in marks.iter().filter(|(_, m)| *m == Mark::Pinned) {
        if let Some(i) = out.iter().position(|r| r.complaint.id == *id) {
            result.push(out.remove(i));
        } else if let Some(i) = pinned.iter().position(|r| r.complaint.id == *id) {
            result.push(pinned.remove(i));
        }
    }
    // Pins are never dropped; the ranking fills what room the limit leaves.
    let room = limit.saturating_sub(result.len());
    result.extend(out.into_iter().take(room));
    result
}

/// The pins `list` does not hold, which [`with_marks`] needs shown as they are.
pub fn pins_missing(list: &[RelevantComplaint], marks: &[(Uuid, Mark)]) -> Vec<Uuid> {
    marks
        .iter()
        .filter(|(id, m)| *m == Mark::Pinned && !list.iter().any(|r| r.complaint.id == *id))
        .map(|(id, _)| *id)
        .collect()
}

/// Relevant complaints for an item with its marks: [`ranked_list`] then [`with_marks`].
pub async fn relevant<S: CandidateSource>(
    source: &mut S,
    item: &ItemText,
    hints: &PersonaHints,
    thesaurus: &Thesaurus,
    marks: &[(Uuid, Mark)],
    request: &RelevantRequest,
    params: &Params,
) -> Result<Vec<RelevantComplaint>, S::Error> {
    let as_of = request.as_of.unwrap_or_else(Utc::now);
    let depth = depth_for(request, marks);
    let list = ranked_list(source, item, hints, thesaurus, as_of, depth, params).await?;
    let pinned = load_pinned(source, &pins_missing(&list, marks)).await?;
    Ok(with_marks(list, marks, pinned, request))
}

/// Pinned complaints shown as they are (no match to explain), in the order of `ids`.
pub async fn load_pinned<S: CandidateSource>(
    source: &mut S,
    ids: &[Uuid],
) -> Result<Vec<RelevantComplaint>, S::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = source.complaints(ids).await?;
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
        why: super::why(query, ranked),
        score: (ranked.score * 1000.0).round() / 1000.0,
        duplicates: duplicate_ids.len() as i64,
        duplicate_ids,
        mark: None,
        complaint,
    }
}

/// Candidates gathered so far, in the order they were found.
#[derive(Default)]
struct Pool {
    keys: Vec<i64>,
    ids: Vec<Uuid>,
    candidates: Vec<Candidate>,
    analysed: Vec<Analysed>,
}

impl Pool {
    /// Adds the complaints with these keys that it does not hold yet, in the order given, so
    /// that ties in the ranking fall the same way each time.
    async fn add<S: CandidateSource>(
        &mut self,
        source: &mut S,
        keys: &[i64],
    ) -> Result<(), S::Error> {
        let held: FxHashSet<i64> = self.keys.iter().copied().collect();
        let wanted: Vec<i64> = keys.iter().copied().filter(|k| !held.contains(k)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut read: FxHashMap<i64, Arc<Stemmed>> = source
            .read(&wanted)
            .await?
            .into_iter()
            .map(|f| (f.candidate.key, f))
            .collect();
        for key in wanted {
            if let Some(f) = read.remove(&key) {
                self.keys.push(key);
                self.ids.push(f.id);
                self.candidates.push(f.candidate.clone());
                self.analysed.push(f.analysed.clone());
            }
        }
        Ok(())
    }
}

/// The most terms one search reads, whatever the parameters say (a source may put each in a
/// query of its own; SQLite allows 500 parts in one compound statement).
pub const MOST_SEARCH_TERMS: usize = 400;

/// Which terms the candidate search uses, and whether it is limited to the newest complaints.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPlan {
    pub terms: HashSet<usize>,
    /// Search only this many of the newest complaints.
    pub window: Option<f64>,
}

/// Chooses the candidate search's terms among those `keep` selects: the most telling ones
/// (weight × rarity) whose index entries, counted per word (an index reads a phrase's words'
/// whole lists), fit in the postings budget; when none fits, the rarest two within a window
/// of the newest complaints that keeps the budget.
pub fn search_plan(
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

/// The keys of the `params.candidates` complaints that hold the most telling terms (best
/// first), leaving out those in `known`. `lists` holds, per query term (its index in
/// `query.terms`), the complaints holding it.
///
/// A complaint scores the rarity-weighted value of the terms it holds, a concept's synonyms
/// adding only a share beyond the best of them, as in the ranking. Ties go to the complaint
/// added last.
pub fn best_candidates(
    query: &Query,
    lists: impl IntoIterator<Item = (usize, Vec<i64>)>,
    stats: &CorpusStats,
    known: &[i64],
    params: &Params,
) -> Vec<i64> {
    let known: FxHashSet<i64> = known.iter().copied().collect();
    // (best, sum) per complaint and concept.
    let mut per: FxHashMap<(i64, usize), (f64, f64)> = FxHashMap::default();
    for (t, list) in lists {
        let Some(t) = query.terms.get(t) else {
            continue;
        };
        // An index finds a phrase's words anywhere in a complaint, not only together: such a
        // list is as common as its commonest word could make it, not as rare as the phrase.
        let df = match t.stems.as_slice() {
            [_] => t.df,
            words => words
                .iter()
                .map(|w| stats.df(std::slice::from_ref(w)))
                .fold(f64::INFINITY, f64::min)
                .max(t.df),
        };
        let v = t.weight * rank::idf(stats.docs, df);
        for key in list {
            if known.contains(&key) {
                continue;
            }
            let e = per.entry((key, t.concept)).or_default();
            e.0 = e.0.max(v);
            e.1 += v;
        }
    }
    // Each complaint's concepts added up in concept order, so that equal complaints get
    // exactly equal scores and the tie rule decides between them.
    let mut per: Vec<((i64, usize), (f64, f64))> = per.into_iter().collect();
    per.sort_unstable_by_key(|(key, _)| *key);
    let mut best: Vec<(i64, f64)> = Vec::new();
    for ((key, _), (top, sum)) in per {
        let v = top + params.synonym_share * (sum - top);
        match best.last_mut() {
            Some((last, score)) if *last == key => *score += v,
            _ => best.push((key, v)),
        }
    }
    let by_score = |a: &(i64, f64), b: &(i64, f64)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
    if best.len() > params.candidates {
        best.select_nth_unstable_by(params.candidates, by_score);
        best.truncate(params.candidates);
    }
    best.sort_unstable_by(by_score);
    best.iter().map(|(key, _)| *key).collect()
}
