//! Scoring candidates against a query.
//!
//! The formula, for a complaint `d` and the query's terms `t` (grouped into concepts `c`):
//!
//! ```text
//! tf(t,d)   = w_title·tf_title + tf_body + w_meta·tf_meta          (phrases count whole)
//! bm25(t,d) = weight_t · idf_t · tf·(k1+1) / (tf + k1·(1 − b + b·len_d/avglen))
//! concept   = max over its terms + 0.25 · the rest                  (synonyms do not stack)
//! relevance = Σ concepts · (1 + coverage · share of the item's concepts matched)
//! score     = relevance · (1 + recency · ½^(age/half-life)) · (1 + segment boost)
//! ```
//!
//! `idf_t = ln(1 + (N − df + ½)/(df + ½))` with `df` from the whole collection. Recency is a
//! small multiplier, so it orders equally relevant complaints rather than overruling
//! relevance; complaints dated after "now" count as new.

use chrono::{DateTime, Utc};

use super::Params;
use super::query::{Query, Term};
use std::sync::Arc;

use super::text::stems_into;

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

/// A candidate's words, stemmed once.
#[derive(Debug, Clone, Default)]
pub struct Analysed {
    pub title: Vec<Arc<str>>,
    pub body: Vec<Arc<str>>,
    pub meta: Vec<Arc<str>>,
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
}

fn count(haystack: &[Arc<str>], needle: &[String]) -> usize {
    match needle {
        [] => 0,
        [one] => haystack
            .iter()
            .filter(|h| h.as_ref() == one.as_str())
            .count(),
        many => haystack
            .windows(many.len())
            .filter(|w| w.iter().zip(many).all(|(h, n)| h.as_ref() == n.as_str()))
            .count(),
    }
}

/// `ln(1 + (N − df + ½)/(df + ½))`.
pub fn idf(docs: f64, df: f64) -> f64 {
    let df = df.clamp(0.0, docs);
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

/// Scores every candidate and returns them best first (ties: newer first). `docs` is the
/// size of the whole collection; `segments` are the persona's.
pub fn rank(
    query: &Query,
    candidates: &[Candidate],
    analysed: &[Analysed],
    docs: f64,
    as_of: DateTime<Utc>,
    segments: &[String],
    params: &Params,
) -> Vec<Ranked> {
    let lens: Vec<f64> = analysed
        .iter()
        .map(|a| {
            params.field_title * a.title.len() as f64
                + a.body.len() as f64
                + params.field_meta * a.meta.len() as f64
        })
        .collect();
    let avg = if lens.is_empty() {
        1.0
    } else {
        (lens.iter().sum::<f64>() / lens.len() as f64).max(1.0)
    };
    let idfs: Vec<f64> = query.terms.iter().map(|t| idf(docs, t.df)).collect();
    let concepts = query.terms.iter().map(|t| t.concept + 1).max().unwrap_or(0);
    let mut out: Vec<Ranked> = Vec::with_capacity(candidates.len());
    for (i, (c, a)) in candidates.iter().zip(analysed).enumerate() {
        let mut per_concept: Vec<(f64, f64)> = vec![(0.0, 0.0); concepts]; // (max, sum)
        let mut matched = Vec::new();
        for (ti, t) in query.terms.iter().enumerate() {
            let (tt, tb, tm) = (
                count(&a.title, &t.stems),
                count(&a.body, &t.stems),
                count(&a.meta, &t.stems),
            );
            if tt + tb + tm == 0 {
                continue;
            }
            let tf = params.field_title * tt as f64 + tb as f64 + params.field_meta * tm as f64;
            let norm = params.k1 * (1.0 - params.b + params.b * lens[i] / avg);
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
        let mut relevance: f64 = per_concept
            .iter()
            .map(|(max, sum)| max + params.synonym_share * (sum - max))
            .sum();
        if query.item_concepts > 1 {
            let covered = per_concept
                .iter()
                .take(query.item_concepts)
                .filter(|(m, _)| *m > 0.0)
                .count();
            relevance *= 1.0 + params.coverage * covered as f64 / query.item_concepts as f64;
        }
        let age_days = ((as_of - c.received_at).num_seconds() as f64 / 86_400.0).max(0.0);
        let fresh = 0.5f64.powf(age_days / params.half_life_days);
        let mut score = relevance * (1.0 + params.recency * fresh);
        if !c.segment.is_empty() && segments.iter().any(|s| s.eq_ignore_ascii_case(&c.segment)) {
            score *= 1.0 + params.segment_boost;
        }
        out.push(Ranked {
            index: i,
            score,
            relevance,
            matched,
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

/// Terms the best complaints share beyond the query (pseudo-relevance feedback): frequent in
/// the top complaints, rare in the collection (`df` estimates how many of the `docs`
/// complaints hold a stem). Returns (word, stem, weight).
pub fn feedback_terms(
    query: &Query,
    candidates: &[Candidate],
    analysed: &[Analysed],
    ranked: &[Ranked],
    docs: f64,
    df: &dyn Fn(&str) -> f64,
    params: &Params,
) -> Vec<(String, String, f64)> {
    use std::collections::HashMap;
    let k = params.feedback_docs.min(ranked.len());
    if k < 2 || params.feedback_terms == 0 {
        return Vec::new();
    }
    let mut weight: HashMap<&str, (f64, usize)> = HashMap::new();
    for r in &ranked[..k] {
        let a = &analysed[r.index];
        let len = (a.title.len() + a.body.len()).max(1) as f64;
        let mut tf: HashMap<&str, f64> = HashMap::new();
        for s in a.title.iter().chain(&a.body) {
            *tf.entry(s.as_ref()).or_default() += 1.0;
        }
        for (s, n) in tf {
            let e = weight.entry(s).or_default();
            e.0 += n / len;
            e.1 += 1;
        }
    }
    let in_query = |s: &str| {
        query
            .terms
            .iter()
            .any(|t: &Term| t.stems.len() == 1 && t.stems[0] == s)
    };
    let mut picked: Vec<(String, f64)> = weight
        .into_iter()
        .filter(|(s, (_, n))| {
            *n >= 2 && s.len() > 2 && !in_query(s) && !s.bytes().all(|b| b.is_ascii_digit())
        })
        .map(|(s, (w, _))| (s.to_string(), w * idf(docs, df(s))))
        .collect();
    picked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    picked.truncate(params.feedback_terms);
    let top = picked
        .first()
        .map(|p| p.1)
        .unwrap_or(1.0)
        .max(f64::MIN_POSITIVE);
    picked
        .into_iter()
        .map(|(stem, w)| {
            let word = surface(&stem, ranked[..k].iter().map(|r| &candidates[r.index]));
            (word, stem, params.feedback_weight * w / top)
        })
        .collect()
}

/// The most common way the top complaints write a stem.
fn surface<'a>(stem: &str, docs: impl Iterator<Item = &'a Candidate>) -> String {
    use std::collections::HashMap;
    let mut forms: HashMap<String, usize> = HashMap::new();
    for c in docs {
        for text in [&c.title, &c.body] {
            for t in super::text::tokens(text) {
                if t.stem == stem {
                    *forms
                        .entry(text[t.start..t.end].to_lowercase())
                        .or_default() += 1;
                }
            }
        }
    }
    forms
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(w, _)| w)
        .unwrap_or_else(|| stem.to_string())
}
