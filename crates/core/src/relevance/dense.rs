//! Ranking by meaning: complaints and agenda items as sentence embeddings (unit vectors from a
//! language model), compared by cosine, and mixed with the word ranking.
//!
//! The mix is convex over normalised scores, the standard hybrid of lexical and dense
//! retrieval: over the candidates of both, `words = bm25 / best bm25` and
//! `meaning = (cos − lowest cos) / (highest cos − lowest cos)`, and a complaint scores
//! `(1 − w)·words + w·meaning`. A complaint with no embedding yet counts its words for both
//! parts, so that it is neither helped nor hurt while embedding catches up.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Params;
use super::query::ItemText;
use super::rank::{Candidate, Ranked, boost};

/// How far embedding has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EmbedStatus {
    /// Complaints with an embedding of the model in use.
    pub embedded: i64,
    pub total: i64,
}

/// Turns texts into unit vectors. Implemented by the language model outside the core.
pub trait Embedder: Send + Sync {
    /// The model's name, stored beside each vector.
    fn name(&self) -> &str;
    /// Numbers per vector.
    fn dim(&self) -> usize;
    /// One unit vector per text, in order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
}

/// The most characters of a complaint given to the model (it reads about 256 word pieces).
const MOST_CHARS: usize = 2_000;

/// What the model reads of a complaint: its title and body.
pub fn complaint_text(title: &str, body: &str) -> String {
    let mut text = if title.trim().is_empty() {
        body.trim().to_string()
    } else {
        format!("{}. {}", title.trim(), body.trim())
    };
    if text.len() > MOST_CHARS {
        let mut end = MOST_CHARS;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// What the model reads of an agenda item: its title, customer problem, description and
/// keywords.
pub fn item_text(item: &ItemText) -> String {
    let mut parts: Vec<&str> = [
        item.title.as_str(),
        item.customer_problem.as_str(),
        item.description.as_str(),
    ]
    .into_iter()
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect();
    let keywords = item.keywords.join(", ");
    if !keywords.trim().is_empty() {
        parts.push(&keywords);
    }
    complaint_text("", &parts.join(". "))
}

/// A vector stored in one signed byte per number: a little-endian f32 scale, then the bytes
/// (number = byte × scale). Cosines change by well under 0.01.
pub fn quantize(v: &[f32]) -> Vec<u8> {
    let top = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if top > 0.0 { top / 127.0 } else { 1.0 };
    let mut out = Vec::with_capacity(4 + v.len());
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend(
        v.iter()
            .map(|x| ((x / scale).round().clamp(-127.0, 127.0) as i8).to_le_bytes()[0]),
    );
    out
}

/// Reads a vector written by [`quantize`]; `None` unless it has `dim` numbers.
pub fn dequantize(bytes: &[u8], dim: usize) -> Option<Vec<f32>> {
    let (scale, values) = split(bytes, dim)?;
    Some(values.iter().map(|&b| f32::from(b as i8) * scale).collect())
}

fn split(bytes: &[u8], dim: usize) -> Option<(f32, &[u8])> {
    if bytes.len() != 4 + dim {
        return None;
    }
    let (scale, values) = bytes.split_at(4);
    let scale = f32::from_le_bytes(scale.try_into().ok()?);
    scale.is_finite().then_some((scale, values))
}

/// Every stored vector of a collection, in memory, for comparing an item against all of them.
#[derive(Debug, Clone, Default)]
pub struct VectorIndex {
    dim: usize,
    keys: Vec<i64>,
    scales: Vec<f32>,
    values: Vec<i8>,
    at: HashMap<i64, usize>,
}

impl VectorIndex {
    pub fn new(dim: usize) -> VectorIndex {
        VectorIndex {
            dim,
            ..VectorIndex::default()
        }
    }

    /// Adds the stored vector of complaint `key`; false (and nothing added) when it is not a
    /// vector of this index's size.
    pub fn push(&mut self, key: i64, bytes: &[u8]) -> bool {
        let Some((_, values)) = split(bytes, self.dim) else {
            return false;
        };
        // Rounding changes a vector's length a little: keep its direction, so that the
        // cosine with a unit query is a true cosine.
        let norm = values
            .iter()
            .map(|&b| f32::from(b as i8).powi(2))
            .sum::<f32>()
            .sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        if let Some(&i) = self.at.get(&key) {
            self.scales[i] = scale;
            for (slot, &b) in self.values[i * self.dim..(i + 1) * self.dim]
                .iter_mut()
                .zip(values)
            {
                *slot = b as i8;
            }
            return true;
        }
        self.at.insert(key, self.keys.len());
        self.keys.push(key);
        self.scales.push(scale);
        self.values.extend(values.iter().map(|&b| b as i8));
        true
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn cosine_at(&self, i: usize, query: &[f32]) -> f32 {
        let row = &self.values[i * self.dim..(i + 1) * self.dim];
        let dot: f32 = row.iter().zip(query).map(|(&b, q)| f32::from(b) * q).sum();
        dot * self.scales[i]
    }

    /// The cosine of complaint `key` with `query`, if it has a vector.
    pub fn cosine(&self, key: i64, query: &[f32]) -> Option<f32> {
        self.at.get(&key).map(|&i| self.cosine_at(i, query))
    }

    /// The `n` complaints closest to `query`, closest first (ties: the later key first).
    pub fn nearest(&self, query: &[f32], n: usize) -> Vec<(i64, f32)> {
        if query.len() != self.dim || n == 0 {
            return Vec::new();
        }
        let mut all: Vec<(i64, f32)> = (0..self.keys.len())
            .map(|i| (self.keys[i], self.cosine_at(i, query)))
            .collect();
        let order = |a: &(i64, f32), b: &(i64, f32)| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0));
        if all.len() > n {
            all.select_nth_unstable_by(n, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all
    }
}

/// Mixes the word ranking with meaning. `ranked` is the word ranking of `candidates` (those
/// with no word in common are absent); `cosines` holds each candidate's cosine with the
/// item (`None`: no vector yet). Returns every candidate that matched by words or is at
/// least `meaning_floor` close in meaning, best first, with `relevance` the mixed score and
/// `similar` set where meaning passed the floor and outweighed words.
pub fn mix(
    ranked: Vec<Ranked>,
    candidates: &[Candidate],
    cosines: &[Option<f32>],
    as_of: DateTime<Utc>,
    segments: &[String],
    params: &Params,
) -> Vec<Ranked> {
    let w = params.meaning_weight.clamp(0.0, 1.0);
    let best_words = ranked
        .iter()
        .map(|r| r.relevance)
        .fold(0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let (low, high) = cosines
        .iter()
        .flatten()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &c| {
            (l.min(c), h.max(c))
        });
    let spread = f64::from(high - low).max(1e-6);
    let mut by_index: Vec<Option<Ranked>> = vec![None; candidates.len()];
    for r in ranked {
        let i = r.index;
        by_index[i] = Some(r);
    }
    let mut out = Vec::new();
    for (i, slot) in by_index.into_iter().enumerate() {
        let words = slot.as_ref().map_or(0.0, |r| r.relevance / best_words);
        let cosine = cosines.get(i).copied().flatten();
        let close = cosine.is_some_and(|c| c >= params.meaning_floor);
        if slot.is_none() && !close {
            continue;
        }
        let meaning = cosine.map_or(words, |c| f64::from(c - low) / spread);
        let relevance = (1.0 - w) * words + w * meaning;
        let similar = close && w * meaning > (1.0 - w) * words;
        let mut r = slot.unwrap_or(Ranked {
            index: i,
            score: 0.0,
            relevance: 0.0,
            matched: Vec::new(),
            similar: false,
        });
        r.relevance = relevance;
        r.similar = similar;
        r.score = relevance * boost(&candidates[i], as_of, segments, params);
        out.push(r);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn a_stored_vector_reads_back_close_to_what_was_stored() {
        let v = unit(&[0.3, -0.1, 0.0, 0.9, -0.25]);
        let back = dequantize(&quantize(&v), 5).expect("five numbers");
        let err: f32 = v
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.005, "{back:?}");
        let mut index = VectorIndex::new(5);
        index.push(1, &quantize(&v));
        let cos = index.cosine(1, &v).expect("held");
        assert!((cos - 1.0).abs() < 1e-4, "a true cosine: {cos}");
        assert_eq!(dequantize(&quantize(&v), 4), None, "the wrong size");
        assert_eq!(dequantize(&[0, 0], 0), None, "too short for its scale");
    }

    #[test]
    fn the_index_finds_the_nearest_vectors_first() {
        let mut index = VectorIndex::new(2);
        assert!(index.push(1, &quantize(&unit(&[1.0, 0.0]))));
        assert!(index.push(2, &quantize(&unit(&[0.0, 1.0]))));
        assert!(index.push(3, &quantize(&unit(&[1.0, 1.0]))));
        assert!(!index.push(4, &quantize(&[1.0, 0.0, 0.0])), "wrong size");
        let near = index.nearest(&unit(&[1.0, 0.2]), 2);
        assert_eq!(near.iter().map(|n| n.0).collect::<Vec<_>>(), vec![1, 3]);
        assert!(index.cosine(2, &[1.0, 0.0]).expect("held").abs() < 0.01);
        assert_eq!(index.cosine(9, &[1.0, 0.0]), None);
        assert!(index.push(1, &quantize(&unit(&[0.0, 1.0]))), "replaced");
        assert_eq!(index.len(), 3);
        assert_eq!(index.nearest(&[0.0, 1.0], 1)[0].0, 2, "ties: later key");
    }

    fn candidate(key: i64) -> Candidate {
        Candidate {
            key,
            title: String::new(),
            body: format!("complaint {key}"),
            product: String::new(),
            tags: vec![],
            segment: String::new(),
            received_at: DateTime::<Utc>::default(),
        }
    }

    fn words(index: usize, relevance: f64) -> Ranked {
        Ranked {
            index,
            score: relevance,
            relevance,
            matched: vec![(0, vec![])],
            similar: false,
        }
    }

    #[test]
    fn meaning_lifts_a_complaint_that_shares_no_word_and_says_so() {
        let candidates: Vec<Candidate> = (0..3).map(candidate).collect();
        let params = Params {
            recency: 0.0,
            ..Params::default()
        };
        // 0 matches by words only weakly; 1 strongly; 2 shares no word but means the same.
        let ranked = vec![words(1, 4.0), words(0, 1.0)];
        let cosines = [Some(0.1), Some(0.3), Some(0.9)];
        let out = mix(
            ranked.clone(),
            &candidates,
            &cosines,
            DateTime::<Utc>::default(),
            &[],
            &params,
        );
        let order: Vec<usize> = out.iter().map(|r| r.index).collect();
        assert_eq!(order, vec![2, 1, 0], "{out:?}");
        assert!(out[0].similar && out[0].matched.is_empty());
        assert!(!out[1].similar, "words weigh more for the word match");
        let words_only = mix(
            ranked,
            &candidates,
            &cosines,
            DateTime::<Utc>::default(),
            &[],
            &Params {
                meaning_weight: 0.0,
                ..params
            },
        );
        assert_eq!(words_only[0].index, 1);
        assert_eq!(words_only.last().map(|r| r.relevance), Some(0.0));
    }

    #[test]
    fn a_complaint_far_in_meaning_and_sharing_no_word_is_left_out_and_none_is_called_similar() {
        let candidates: Vec<Candidate> = (0..4).map(candidate).collect();
        // 0 and 1 match by words; 2 and 3 share no word. All cosines are low except 2's,
        // which min-max scaling alone would still spread over the whole range.
        let ranked = vec![words(0, 3.0), words(1, 1.0)];
        let cosines = [Some(0.05), Some(0.12), Some(0.2), Some(0.01)];
        let out = mix(
            ranked.clone(),
            &candidates,
            &cosines,
            DateTime::<Utc>::default(),
            &[],
            &Params::default(),
        );
        let order: Vec<usize> = out.iter().map(|r| r.index).collect();
        assert_eq!(order, vec![0, 1], "only the word matches stay: {out:?}");
        assert!(out.iter().all(|r| !r.similar), "{out:?}");
        let close = mix(
            ranked,
            &candidates,
            &[Some(0.05), Some(0.12), Some(0.45), Some(0.01)],
            DateTime::<Utc>::default(),
            &[],
            &Params::default(),
        );
        let kept: Vec<usize> = close.iter().map(|r| r.index).collect();
        assert!(kept.contains(&2) && !kept.contains(&3), "{close:?}");
        assert!(
            close
                .iter()
                .find(|r| r.index == 2)
                .is_some_and(|r| r.similar)
        );
    }

    #[test]
    fn a_complaint_not_yet_embedded_keeps_its_word_score() {
        let candidates: Vec<Candidate> = (0..2).map(candidate).collect();
        let out = mix(
            vec![words(0, 2.0), words(1, 1.0)],
            &candidates,
            &[None, Some(0.8)],
            DateTime::<Utc>::default(),
            &[],
            &Params::default(),
        );
        let first = out.iter().find(|r| r.index == 0).expect("kept");
        assert!((first.relevance - 1.0).abs() < 1e-9, "{first:?}");
        let none = mix(
            vec![],
            &candidates,
            &[None, None],
            DateTime::<Utc>::default(),
            &[],
            &Params::default(),
        );
        assert!(none.is_empty(), "no words, no vectors: nothing to rank");
    }

    #[test]
    fn the_model_reads_the_item_and_a_bounded_part_of_long_complaints() {
        let item = ItemText {
            title: "Card arrival".into(),
            description: " ".into(),
            customer_problem: "My card has not come".into(),
            keywords: vec!["post".into(), "delivery".into()],
        };
        assert_eq!(
            item_text(&item),
            "Card arrival. My card has not come. post, delivery"
        );
        let long = complaint_text("Title", &"é".repeat(5_000));
        assert!(long.len() <= MOST_CHARS && long.starts_with("Title. é"));
    }
}
