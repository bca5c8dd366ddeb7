//! How common each word is, estimated from a random sample of complaints: the ranking needs
//! a word's rarity (for `idf`) and the candidate search needs to know which words are too
//! common to search by. A sample of a few thousand complaints answers both in microseconds at
//! any collection size; words the sample never saw are treated as rare.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::{Deserialize, Serialize};

use super::rank::Analysed;
use super::text::{StemId, stem_id, stem_ids, stem_name};

/// The version of [`CorpusStats::to_json`]'s form; a kept form of another version is not read.
const KEPT_VERSION: u32 = 1;

/// The statistics as kept between runs: stems by their text (numbers are one process's own).
#[derive(Serialize, Deserialize)]
struct Kept {
    v: u32,
    docs: f64,
    newest: i64,
    sampled: f64,
    mean_lengths: [f64; 3],
    stems: Vec<String>,
    /// (stem, count), the stem as its index in `stems`.
    words: Vec<(u32, u32)>,
    /// (first stem, second stem, count).
    pairs: Vec<(u32, u32, u32)>,
}

/// How many complaints the sample holds at most.
pub const SAMPLE_SIZE: usize = 5_000;

/// Document frequencies of words and adjacent word pairs in a sample, scaled to the collection.
#[derive(Debug, Clone, Default)]
pub struct CorpusStats {
    /// Complaints in the whole collection.
    pub docs: f64,
    /// The highest complaint `seq` when the sample was drawn.
    pub newest: i64,
    sampled: f64,
    /// Mean number of stems in a complaint's title, body and product-and-tags.
    pub mean_lengths: [f64; 3],
    words: HashMap<StemId, u32>,
    pairs: HashMap<(StemId, StemId), u32>,
}

impl CorpusStats {
    /// Counts the words of `sample` (complaints drawn at random from a collection of `docs`).
    pub fn build(docs: f64, newest: i64, sample: &[Analysed]) -> CorpusStats {
        let mut words: HashMap<StemId, u32> = HashMap::default();
        let mut pairs: HashMap<(StemId, StemId), u32> = HashMap::default();
        let mut lengths = [0.0; 3];
        for a in sample {
            lengths[0] += a.title.len() as f64;
            lengths[1] += a.body.len() as f64;
            lengths[2] += a.meta.len() as f64;
            let mut seen: HashSet<StemId> = HashSet::default();
            let mut seen_pairs: HashSet<(StemId, StemId)> = HashSet::default();
            for field in [&a.title, &a.body, &a.meta] {
                seen.extend(field.iter().copied());
                seen_pairs.extend(field.windows(2).map(|w| (w[0], w[1])));
            }
            for s in seen {
                *words.entry(s).or_default() += 1;
            }
            for p in seen_pairs {
                *pairs.entry(p).or_default() += 1;
            }
        }
        let sampled = sample.len().max(1) as f64;
        CorpusStats {
            docs,
            newest,
            sampled,
            mean_lengths: lengths.map(|l| l / sampled),
            words,
            pairs,
        }
    }

    /// The statistics in a form to keep beside the collection, so that a later run (the
    /// command line starts afresh each time) reads them instead of sampling again.
    pub fn to_json(&self) -> String {
        // A hashed stem (see `text::MOST_NAMED_STEMS`) has no name to keep, and another run
        // may number it otherwise: it is left out, and reads as a rare word there.
        let mut index: HashMap<StemId, u32> = HashMap::default();
        let mut stems: Vec<String> = Vec::new();
        let mut number = |id: StemId| -> Option<u32> {
            if let Some(&n) = index.get(&id) {
                return Some(n);
            }
            stems.push(stem_name(id)?.to_string());
            let n = (stems.len() - 1) as u32;
            index.insert(id, n);
            Some(n)
        };
        let mut words: Vec<(u32, u32)> = self
            .words
            .iter()
            .filter_map(|(w, n)| Some((number(*w)?, *n)))
            .collect();
        let mut pairs: Vec<(u32, u32, u32)> = self
            .pairs
            .iter()
            .filter_map(|((a, b), n)| Some((number(*a)?, number(*b)?, *n)))
            .collect();
        words.sort_unstable();
        pairs.sort_unstable();
        let kept = Kept {
            v: KEPT_VERSION,
            docs: self.docs,
            newest: self.newest,
            sampled: self.sampled,
            mean_lengths: self.mean_lengths,
            stems,
            words,
            pairs,
        };
        // A plain struct of numbers and strings always serialises.
        serde_json::to_string(&kept).unwrap_or_default()
    }

    /// Reads statistics kept by [`CorpusStats::to_json`]; `None` for anything else (another
    /// version, a damaged text), which the caller answers by sampling again.
    pub fn from_json(text: &str) -> Option<CorpusStats> {
        let kept: Kept = serde_json::from_str(text).ok()?;
        if kept.v != KEPT_VERSION {
            return None;
        }
        let names: Vec<&str> = kept.stems.iter().map(String::as_str).collect();
        let ids = stem_ids(&names);
        let id = |i: u32| ids.get(i as usize).copied();
        let words = kept
            .words
            .iter()
            .map(|&(w, n)| Some((id(w)?, n)))
            .collect::<Option<HashMap<_, _>>>()?;
        let pairs = kept
            .pairs
            .iter()
            .map(|&(a, b, n)| Some(((id(a)?, id(b)?), n)))
            .collect::<Option<HashMap<_, _>>>()?;
        Some(CorpusStats {
            docs: kept.docs,
            newest: kept.newest,
            sampled: kept.sampled,
            mean_lengths: kept.mean_lengths,
            words,
            pairs,
        })
    }

    /// The estimated number of complaints holding the word or phrase `stems`. A phrase is
    /// as common as its rarest adjacent pair; anything unseen counts as half a sampled
    /// complaint's worth (rare), or as absent when the sample is the whole collection.
    pub fn df(&self, stems: &[String]) -> f64 {
        // A stem no text has held is in no sampled complaint.
        let ids: Option<Vec<StemId>> = stems.iter().map(|s| stem_id(s)).collect();
        let count = match ids.as_deref() {
            Some([]) => return 0.0,
            None => 0,
            Some([one]) => self.words.get(one).copied().unwrap_or(0),
            Some(many) => many
                .windows(2)
                .map(|w| self.pairs.get(&(w[0], w[1])).copied().unwrap_or(0))
                .min()
                .unwrap_or(0),
        };
        let scale = self.docs / self.sampled;
        match count {
            0 if self.sampled >= self.docs => 0.0,
            0 => (0.5 * scale).min(self.docs),
            n => f64::from(n) * scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &[&str]) -> Analysed {
        Analysed {
            title: vec![],
            body: crate::relevance::text::stem_ids(body),
            meta: vec![],
        }
    }

    #[test]
    fn kept_statistics_read_back_to_the_same_frequencies() {
        let sample = vec![
            doc(&["card", "late"]),
            doc(&["card", "fee"]),
            doc(&["late", "card", "abroad"]),
            doc(&["fee"]),
        ];
        let s = CorpusStats::build(4_000.0, 4_000, &sample);
        let back = CorpusStats::from_json(&s.to_json()).expect("reads back");
        for q in [
            vec!["card"],
            vec!["late", "card"],
            vec!["card", "late"],
            vec!["abroad"],
            vec!["never", "seen"],
        ] {
            let q: Vec<String> = q.into_iter().map(String::from).collect();
            assert_eq!(back.df(&q), s.df(&q), "{q:?}");
        }
        assert_eq!(
            (back.docs, back.newest, back.mean_lengths),
            (s.docs, s.newest, s.mean_lengths)
        );
        assert!(CorpusStats::from_json("{\"v\":2}").is_none());
        assert!(CorpusStats::from_json("not json").is_none());
    }

    #[test]
    fn frequencies_scale_from_the_sample_to_the_collection() {
        let sample = vec![
            doc(&["card", "late"]),
            doc(&["card", "fee"]),
            doc(&["late", "card"]),
            doc(&["fee"]),
        ];
        let s = CorpusStats::build(400.0, 400, &sample);
        assert_eq!(s.df(&["card".into()]), 300.0);
        assert_eq!(
            s.df(&["card".into(), "late".into()]),
            100.0,
            "the pair appears once in that order"
        );
        assert_eq!(s.df(&["unseen".into()]), 50.0, "unseen words count as rare");
        let whole = CorpusStats::build(4.0, 4, &sample);
        assert_eq!(
            whole.df(&["unseen".into()]),
            0.0,
            "a sample of everything knows what is absent"
        );
    }
}
