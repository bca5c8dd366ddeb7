//! Scoring candidates against a query.
//!
//! The formula, for a complaint `d` and the query's terms `t` (grouped into concepts `c`):
//!
//! ```text
//! tf(t,d)   = w_title·tf_title + tf_body + w_meta·tf_meta          (phrases count whole)
//! bm25(t,d) = weight_t · idf_t · tf·(k1+1) / (tf + k1·(1 − b + b·len_d/avglen))
//! concept   = max over its terms + 0.25 · the rest                  (synonyms do not stack)
//! relevance = Σ concepts
//! score     = relevance · (1 + recency · ½^(age/half-life)) · (1 + segment boost)
//! ```
//!
//! `idf_t = ln(1 + (N − df + ½)/(df + ½))`, with `df` and `avglen` from the whole collection
//! (estimated from a sample), so a complaint scores the same whatever else was found with
//! it. Recency is a small multiplier, so it orders equally relevant complaints rather than
//! overruling relevance; complaints dated after "now" count as new.

use rustc_hash::FxHashMap as HashMap;

use chrono::{DateTime, Utc};

use super::Params;
use super::query::{Query, Term};
use super::stats::CorpusStats;
use super::text::{StemId, stem_id, stems_into};

/// A complaint that might be relevant, with the fields the ranking reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: i64,
    pub title: String,
    pub body: String,
    pub product: String,
    pub tags: Vec<String>,
    pub segment: String,
    pub received_at: DateTime<Utc>,
}

#[cfg(test)]
impl Candidate {
    /// A complaint with nothing but a body.
    pub(crate) fn with_body(body: &str) -> Candidate {
        Candidate {
            key: 0,
            title: String::new(),
            body: body.into(),
            product: String::new(),
            tags: vec![],
            segment: String::new(),
            received_at: DateTime::<Utc>::default(),
        }
    }
}

/// A candidate's words, stemmed once (stems by number, see [`StemId`]).
#[derive(Debug, Clone, Default)]
pub struct Analysed {
    pub title: Vec<StemId>,
    pub body: Vec<StemId>,
    pub meta: Vec<StemId>,
}

impl Analysed {
    /// Stems the fields of `c`.
    pub fn of(c: &Candidate) -> Analysed {
        let (mut title, mut body, mut meta) =
            (Vec::new(), Vec::with_capacity(c.body.len() / 5), Vec::new());
        stems_into(&c.title, &mut title);
        stems_into(&c.body, &mut body);
        stems_into(&c.product, &mut meta);
        for t in &c.tags {
            stems_into(t, &mut meta);
        }
        Analysed { title, body, meta }
    }
}

/// Which field a term matched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Where {
    Title,
    Body,
    Meta,
}

/// A candidate's score and what made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index into the candidates.
    pub index: usize,
    pub score: f64,
    pub relevance: f64,
    /// Each matched term (index into the query) with the fields it matched in.
    pub matched: Vec<(usize, Vec<Where>)>,
    /// Ranked here more for what it means than for its words (see [`super::dense::mix`]).
    pub similar: bool,
}

/// How often each query term occurs in each field of a complaint, found in one pass over
/// the complaint's stems: terms are looked up by their first stem.
struct TermCounter {
    by_first: HashMap<StemId, Vec<usize>>,
    /// Each term's stems by number; empty for a term with a stem no text has held.
    terms: Vec<Vec<StemId>>,
    /// (title, body, meta) per term, for the complaint last counted.
    counts: Vec<[usize; 3]>,
}

impl TermCounter {
    fn new(terms: &[Term]) -> Self {
        let ids: Vec<Vec<StemId>> = terms
            .iter()
            .map(|t| {
                t.stems
                    .iter()
                    .map(|s| stem_id(s))
                    .collect::<Option<Vec<StemId>>>()
                    .unwrap_or_default()
            })
            .collect();
        let mut by_first: HashMap<StemId, Vec<usize>> = HashMap::default();
        for (i, t) in ids.iter().enumerate() {
            if let Some(&first) = t.first() {
                by_first.entry(first).or_default().push(i);
            }
        }
        TermCounter {
            by_first,
            counts: vec![[0; 3]; ids.len()],
            terms: ids,
        }
    }

    fn count(&mut self, a: &Analysed) -> &[[usize; 3]] {
        self.counts.iter_mut().for_each(|c| *c = [0; 3]);
        for (field, stems) in [&a.title, &a.body, &a.meta].into_iter().enumerate() {
            for (at, stem) in stems.iter().enumerate() {
                let Some(candidates) = self.by_first.get(stem) else {
                    continue;
                };
                for &ti in candidates {
                    let want = &self.terms[ti];
                    if stems[at..].starts_with(want) {
                        self.counts[ti][field] += 1;
                    }
                }
            }
        }
        &self.counts
    }
}

/// `ln(1 + (N − df + ½)/(df + ½))`.
pub fn idf(docs: f64, df: f64) -> f64 {
    let df = df.clamp(0.0, docs);
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

/// Scores every candidate and returns them best first (ties: newer first). `stats` tell
/// how rare each word is and how long complaints are in the whole collection; `segments`
/// are the persona's.
pub fn rank(
    query: &Query,
    candidates: &[Candidate],
    analysed: &[Analysed],
    stats: &CorpusStats,
    as_of: DateTime<Utc>,
    segments: &[String],
    params: &Params,
) -> Vec<Ranked> {
    let lens: Vec<f64> = analysed
        .iter()
        .map(|a| (a.title.len() + a.body.len() + a.meta.len()) as f64)
        .collect();
    let avg = stats.mean_lengths.iter().sum::<f64>().max(1.0);
    let docs = stats.docs;
    let idfs: Vec<f64> = query.terms.iter().map(|t| idf(docs, t.df)).collect();
    let concepts = query.terms.iter().map(|t| t.concept + 1).max().unwrap_or(0);
    let mut out: Vec<Ranked> = Vec::with_capacity(candidates.len());
    let mut counter = TermCounter::new(&query.terms);
    for (i, (c, a)) in candidates.iter().zip(analysed).enumerate() {
        let mut per_concept: Vec<(f64, f64)> = vec![(0.0, 0.0); concepts]; // (max, sum)
        let mut matched = Vec::new();
        let counts = counter.count(a);
        // BM25's length normalisation, the same for every term of this complaint.
        let norm = params.k1 * (1.0 - params.b + params.b * lens[i] / avg);
        for (ti, t) in query.terms.iter().enumerate() {
            let [tt, tb, tm] = counts[ti];
            if tt + tb + tm == 0 {
                continue;
            }
            let tf = (tt + tb + tm) as f64;
            let s = t.weight * idfs[ti] * tf * (params.k1 + 1.0) / (tf + norm);
            let pc = &mut per_concept[t.concept];
            pc.0 = pc.0.max(s);
            pc.1 += s;
            let mut places = Vec::new();
            for (n, w) in [(tt, Where::Title), (tb, Where::Body), (tm, Where::Meta)] {
                if n > 0 {
                    places.push(w);
                }
            }
            matched.push((ti, places));
        }
        if matched.is_empty() {
            continue;
        }
        let relevance: f64 = per_concept
            .iter()
            .map(|(max, sum)| max + params.synonym_share * (sum - max))
            .sum();
        out.push(Ranked {
            index: i,
            score: relevance * boost(c, as_of, segments, params),
            relevance,
            matched,
            similar: false,
        });
    }
    out.sort_by(|x, y| {
        y.score.total_cmp(&x.score).then_with(|| {
            candidates[y.index]
                .received_at
                .cmp(&candidates[x.index].received_at)
        })
    });
    out
}

/// What a complaint's relevance is multiplied by: a little more when it is new (at most
/// `1 + recency`, halving every half-life) and when it comes from the persona's segments.
pub fn boost(c: &Candidate, as_of: DateTime<Utc>, segments: &[String], params: &Params) -> f64 {
    let age_days = ((as_of - c.received_at).num_seconds() as f64 / 86_400.0).max(0.0);
    let fresh = 0.5f64.powf(age_days / params.half_life_days);
    let mut boost = 1.0 + params.recency * fresh;
    if !c.segment.is_empty() && segments.iter().any(|s| s.eq_ignore_ascii_case(&c.segment)) {
        boost *= 1.0 + params.segment_boost;
    }
    boost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::query::Origin;

    fn stems(words: &[&str]) -> Vec<StemId> {
        crate::relevance::text::stem_ids(words)
    }

    fn term(stems: &[&str]) -> Term {
        Term {
            words: stems.iter().map(|s| s.to_string()).collect(),
            stems: stems.iter().map(|s| s.to_string()).collect(),
            weight: 1.0,
            concept: 0,
            origin: Origin::Title,
            df: 1.0,
        }
    }

    #[test]
    fn terms_and_phrases_are_counted_per_field_in_one_pass() {
        let terms = [
            term(&["card"]),
            term(&["card", "fee"]),
            term(&["fee", "card"]),
            term(&["late"]),
        ];
        let a = Analysed {
            title: stems(&["card", "fee"]),
            body: stems(&["card", "card", "fee", "card", "fee"]),
            meta: stems(&["card"]),
        };
        let mut counter = TermCounter::new(&terms);
        assert_eq!(
            counter.count(&a),
            [[1, 3, 1], [1, 2, 0], [0, 1, 0], [0, 0, 0]],
            "a phrase counts where its words stand in order, never past the field's end"
        );
        let empty = Analysed::default();
        assert_eq!(counter.count(&empty), [[0; 3]; 4], "counts start again");
    }
}
