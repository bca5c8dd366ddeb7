//! Scoring candidates against a query.
//!
//! The formula, for a complaint `d` and the query's terms `t` (grouped into concepts `c`):
//!
//! ```text
//! tf(t,d)   = w_title·tf_title + tf_body + w_meta·tf_meta          (phrases count whole)
//! bm25(t,d) = weight_t · idf_t · tf·(k1+1) / (tf + k1·(1 − b + b·len_d/avglen))
//! concept   = max over its terms + 0.25 · the rest                  (synonyms do not stack)
//! close     = Σ pairs of concepts c,c' · min weight·idf · acc·(k1+1) / (acc + k1·(1 − b + b·len_d/avglen)),
//!             acc = Σ 1/d² over their matches d ≤ window stems apart in the body
//! relevance = (Σ concepts + proximity · close) · (1 + coverage · share of the item's concepts matched)
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
use super::text::{StemId, stem_id, stem_name, stems_into};

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
    /// (start, end, term) of every match in the body of the complaint last counted, in
    /// order of start (positions in stems, end exclusive).
    body_matches: Vec<(usize, usize, usize)>,
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
            body_matches: Vec::new(),
        }
    }

    fn count(&mut self, a: &Analysed) -> &[[usize; 3]] {
        self.counts.iter_mut().for_each(|c| *c = [0; 3]);
        self.body_matches.clear();
        for (field, stems) in [&a.title, &a.body, &a.meta].into_iter().enumerate() {
            for (at, stem) in stems.iter().enumerate() {
                let Some(candidates) = self.by_first.get(stem) else {
                    continue;
                };
                for &ti in candidates {
                    let want = &self.terms[ti];
                    if stems[at..].starts_with(want) {
                        self.counts[ti][field] += 1;
                        if field == 1 {
                            self.body_matches.push((at, at + want.len(), ti));
                        }
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
    let weighted = |[title, body, meta]: [f64; 3]| {
        params.field_title * title + body + params.field_meta * meta
    };
    let lens: Vec<f64> = analysed
        .iter()
        .map(|a| weighted([a.title.len(), a.body.len(), a.meta.len()].map(|n| n as f64)))
        .collect();
    let avg = weighted(stats.mean_lengths).max(1.0);
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
            let tf = params.field_title * tt as f64 + tb as f64 + params.field_meta * tm as f64;
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
        if params.proximity > 0.0 {
            relevance += params.proximity
                * closeness(
                    &counter.body_matches,
                    &query.terms,
                    &idfs,
                    query.item_concepts,
                    params.proximity_window,
                    params.k1,
                    norm,
                );
        }
        if query.item_concepts > 1 {
            let covered = per_concept
                .iter()
                .take(query.item_concepts)
                .filter(|(m, _)| *m > 0.0)
                .count();
            relevance *= 1.0 + params.coverage * covered as f64 / query.item_concepts as f64;
        }
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

/// The bonus for the item's concepts written close together (after Rasolofo and Savoy's
/// term proximity for BM25): each pair of matches of two different concepts of the item
/// (not the persona's or feedback's) with `d − 1` stems between them (`d` ≤ `window`) adds
/// `1/d²` to that pair's count, which saturates like a term frequency and is weighed by the
/// lighter concept of the pair. Overlapping matches (a phrase holding another concept's word)
/// are not close, they are one place; a concept counts once where several of its terms start.
fn closeness(
    matches: &[(usize, usize, usize)],
    terms: &[Term],
    idfs: &[f64],
    item_concepts: usize,
    window: usize,
    k1: f64,
    norm: f64,
) -> f64 {
    /// Where a concept of the item stands: stems `start..end`, with its heaviest weight·idf.
    struct Spot {
        start: usize,
        end: usize,
        concept: usize,
        weight: f64,
    }
    // One spot per start and concept.
    let mut spots: Vec<Spot> = Vec::with_capacity(matches.len());
    for &(start, end, ti) in matches {
        let (concept, weight) = (terms[ti].concept, terms[ti].weight * idfs[ti]);
        if concept >= item_concepts {
            continue;
        }
        let same = spots
            .iter_mut()
            .rev()
            .take_while(|s| s.start == start)
            .find(|s| s.concept == concept);
        match same {
            Some(s) => {
                s.end = s.end.max(end);
                s.weight = s.weight.max(weight);
            }
            None => spots.push(Spot {
                start,
                end,
                concept,
                weight,
            }),
        }
    }
    let longest = terms.iter().map(|t| t.stems.len()).max().unwrap_or(1);
    // (count, weight) per pair of concepts.
    let mut pairs: HashMap<(usize, usize), (f64, f64)> = HashMap::default();
    for (i, here) in spots.iter().enumerate() {
        for before in spots[..i].iter().rev() {
            if here.start - before.start > window + longest {
                break;
            }
            if before.concept == here.concept || before.end > here.start {
                continue;
            }
            let d = here.start - before.end + 1;
            if d > window {
                continue;
            }
            let w = here.weight.min(before.weight);
            let key = (
                here.concept.min(before.concept),
                here.concept.max(before.concept),
            );
            let e = pairs.entry(key).or_insert((0.0, w));
            e.0 += 1.0 / (d as f64 * d as f64);
            e.1 = e.1.max(w);
        }
    }
    pairs
        .values()
        .map(|&(acc, w)| w * acc * (k1 + 1.0) / (acc + norm))
        .sum()
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
    let k = params.feedback_docs.min(ranked.len());
    if k < 2 || params.feedback_terms == 0 {
        return Vec::new();
    }
    let mut weight: HashMap<StemId, (f64, usize)> = HashMap::default();
    for r in &ranked[..k] {
        let a = &analysed[r.index];
        let len = (a.title.len() + a.body.len()).max(1) as f64;
        let mut tf: HashMap<StemId, f64> = HashMap::default();
        for &s in a.title.iter().chain(&a.body) {
            *tf.entry(s).or_default() += 1.0;
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
        .filter(|(_, (_, n))| *n >= 2)
        .map(|(s, (w, _))| (stem_name(s), w))
        .filter(|(s, _)| s.len() > 2 && !in_query(s) && !s.bytes().all(|b| b.is_ascii_digit()))
        .map(|(s, w)| (s.to_string(), w * idf(docs, df(&s))))
        .collect();
    picked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    picked.truncate(params.feedback_terms);
    let top = picked
        .first()
        .map(|p| p.1)
        .unwrap_or(1.0)
        .max(f64::MIN_POSITIVE);
    let mut words = surfaces(
        picked.iter().map(|(stem, _)| stem.as_str()),
        ranked[..k].iter().map(|r| &candidates[r.index]),
    );
    picked
        .into_iter()
        .map(|(stem, w)| {
            let word = words.remove(&stem).unwrap_or_else(|| stem.clone());
            (word, stem, params.feedback_weight * w / top)
        })
        .collect()
}

/// The most common way the top complaints write each of `stems` (ties: the alphabetically
/// first), read in one pass over the complaints.
fn surfaces<'a, 's>(
    stems: impl Iterator<Item = &'s str>,
    docs: impl Iterator<Item = &'a Candidate>,
) -> HashMap<String, String> {
    let mut forms: HashMap<&str, HashMap<String, usize>> =
        stems.map(|s| (s, HashMap::default())).collect();
    for c in docs {
        for text in [&c.title, &c.body] {
            for t in super::text::tokens(text) {
                if let Some(f) = forms.get_mut(t.stem.as_str()) {
                    *f.entry(text[t.start..t.end].to_lowercase()).or_default() += 1;
                }
            }
        }
    }
    forms
        .into_iter()
        .filter_map(|(stem, f)| {
            f.into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(w, _)| (stem.to_string(), w))
        })
        .collect()
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

    /// The closeness of `matches` (start, end, term) for terms of the given concepts, each of
    /// weight and idf 1, with two item concepts, a window of 5, k1 1.2 and norm 1.
    fn close(concepts: &[usize], matches: &[(usize, usize, usize)]) -> f64 {
        let terms: Vec<Term> = concepts
            .iter()
            .map(|&concept| Term {
                concept,
                ..term(&["w"])
            })
            .collect();
        closeness(matches, &terms, &vec![1.0; terms.len()], 2, 5, 1.2, 1.0)
    }

    #[test]
    fn closeness_counts_two_concepts_near_each_other_and_nothing_else() {
        let one = |d: f64| 2.2 * (1.0 / (d * d)) / (1.0 / (d * d) + 1.0);
        let near = |gap: usize| close(&[0, 1], &[(0, 1, 0), (gap, gap + 1, 1)]);
        assert!((near(1) - one(1.0)).abs() < 1e-9, "side by side: d = 1");
        assert!(near(1) > near(2) && near(2) > 0.0);
        assert!(near(5) > 0.0, "d = 5, the window, counts");
        assert_eq!(near(6), 0.0, "d = 6 does not");
        assert_eq!(
            close(&[0, 0], &[(0, 1, 0), (1, 2, 1)]),
            0.0,
            "two words of one concept are not a pair"
        );
        assert_eq!(
            close(&[0, 2], &[(0, 1, 0), (1, 2, 1)]),
            0.0,
            "a concept beyond the item's (persona, feedback) does not count"
        );
        assert_eq!(
            close(&[0, 1], &[(0, 2, 0), (1, 2, 1)]),
            0.0,
            "a phrase holding the other concept's word is one place, not two"
        );
        assert!(
            (close(&[0, 1], &[(0, 2, 0), (2, 3, 1)]) - one(1.0)).abs() < 1e-9,
            "a phrase's distance runs from its end"
        );
        let far_then_near = [(0, 1, 1), (8, 9, 0), (9, 10, 1)];
        assert!(
            (close(&[0, 1], &far_then_near) - one(1.0)).abs() < 1e-9,
            "only the near pair counts"
        );
        let many: Vec<(usize, usize, usize)> = (0..200).map(|i| (i, i + 1, i % 2)).collect();
        let lots = close(&[0, 1], &many);
        assert!(lots > one(1.0) && lots < 2.2, "it saturates: {lots}");
    }

    #[test]
    fn concepts_written_close_together_rank_above_the_same_words_far_apart() {
        let filler = "branch letter statement phone website mortgage ".repeat(4);
        let candidates = [
            Candidate::with_body(&format!("overdraft {filler} fee")),
            Candidate::with_body(&format!("overdraft fee {filler}")),
        ];
        let analysed: Vec<Analysed> = candidates.iter().map(Analysed::of).collect();
        let query = Query {
            terms: vec![
                term(&["overdraft"]),
                Term {
                    concept: 1,
                    ..term(&["fee"])
                },
            ],
            item_concepts: 2,
        };
        let stats = CorpusStats::build(100.0, 2, &analysed);
        let rank = |params: &Params| {
            rank(
                &query,
                &candidates,
                &analysed,
                &stats,
                DateTime::<Utc>::default(),
                &[],
                params,
            )
        };
        let ranked = rank(&Params::default());
        assert_eq!(ranked[0].index, 1, "{ranked:?}");
        assert!(ranked[0].score > ranked[1].score);
        let without = rank(&Params {
            proximity: 0.0,
            ..Params::default()
        });
        assert_eq!(
            without[0].score, without[1].score,
            "without the bonus, only the words count"
        );
    }

    #[test]
    fn feedback_words_take_the_form_the_complaints_use_most() {
        let docs = [
            Candidate::with_body("Charged twice, charges again"),
            Candidate::with_body("they charged me"),
        ];
        let words = surfaces(["charg", "absent"].into_iter(), docs.iter());
        assert_eq!(words.get("charg").map(String::as_str), Some("charged"));
        assert!(
            !words.contains_key("absent"),
            "a stem never written has no form"
        );
    }
}
