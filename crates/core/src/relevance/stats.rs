//! How common each word is, estimated from a random sample of complaints: the ranking needs
//! a word's rarity (for `idf`) and the candidate search needs to know which words are too
//! common to search by. A sample of a few thousand complaints answers both in microseconds at
//! any collection size; words the sample never saw are treated as rare.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::rank::Analysed;
use super::text::{StemId, stem_id};

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
