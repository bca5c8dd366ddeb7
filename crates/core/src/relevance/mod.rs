//! Relevant complaints for an agenda item: lexical ranking that runs instantly on a laptop.
//!
//! The store finds candidates with SQLite FTS5 (the complaints holding the most telling
//! query terms, each term's list read on its own; terms found in a large share of
//! complaints left out of the search so its cost stays bounded) and hands them here, where
//! they are scored with the item's weighted query (see [`rank`]), mixed with how close they
//! are in meaning where the language model has read them (see [`dense`]), grouped into
//! near-duplicates, and explained (which words matched where, with marked excerpts).

pub mod dedup;
pub mod dense;
pub mod excerpt;
pub mod pipeline;
pub mod query;
pub mod rank;
pub mod stats;
pub mod text;
pub mod thesaurus;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::complaint::Complaint;
pub use excerpt::Segment;
pub use pipeline::{CandidateSource, PersonaHints, Stemmed};
pub use query::{ItemText, Origin, Query, Term, build};
pub use rank::{Analysed, Candidate, Ranked, Where};
pub use thesaurus::Thesaurus;

/// The knobs of the ranking. The defaults are the ones measured best on the evaluation's
/// development half (see `make bench`).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Weight of the persona's keywords against the item's own words (title, keywords,
    /// customer problem and description weigh alike).
    pub persona_weight: f64,
    /// Weight of a thesaurus phrase relative to the word it widens; 0 turns the thesaurus off.
    pub thesaurus_weight: f64,
    /// The share of meaning in the hybrid score (0: words alone; see [`dense::mix`]).
    pub meaning_weight: f64,
    /// Complaints taken as candidates for their meaning alone.
    pub meaning_candidates: usize,
    /// The least cosine with the item at which a complaint counts as similar in meaning:
    /// below it a complaint sharing no word with the item is left out, and none is called
    /// similar (unrelated short texts score about 0.0–0.2 with all-MiniLM-L6-v2).
    pub meaning_floor: f32,

    pub k1: f64,
    pub b: f64,
    /// How much the second and further terms of one concept add.
    pub synonym_share: f64,
    /// Most a brand-new complaint gains over an old one (0.05 = 5 %).
    pub recency: f64,
    pub half_life_days: f64,
    /// Gain of complaints from the segments of the persona in the chair.
    pub segment_boost: f64,
    /// Candidates fetched from the full-text index.
    pub candidates: usize,
    /// The most index entries (complaints per term, summed) one candidate search may read:
    /// this bounds its cost at any collection size.
    pub postings_budget: f64,
    /// The most terms one candidate search uses (each reads its words' index lists).
    pub search_terms: usize,
    pub duplicate_jaccard: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            persona_weight: 0.3,
            thesaurus_weight: 0.4,
            meaning_weight: 0.6,
            meaning_candidates: 100,
            meaning_floor: 0.3,
            k1: 1.2,
            b: 0.75,
            synonym_share: 0.25,
            recency: 0.05,
            half_life_days: 90.0,
            segment_boost: 0.1,
            candidates: 300,
            postings_budget: 10_000.0,
            search_terms: 20,
            duplicate_jaccard: 0.6,
        }
    }
}

/// A pin keeps a complaint on top of an agenda item's list; a dismissal keeps it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Pinned,
    Dismissed,
}

impl Mark {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Pinned => "pinned",
            Mark::Dismissed => "dismissed",
        }
    }

    /// Reads the stored name.
    pub fn parse(s: &str) -> Option<Mark> {
        match s {
            "pinned" => Some(Mark::Pinned),
            "dismissed" => Some(Mark::Dismissed),
            _ => None,
        }
    }
}

/// A complaint relevant to an agenda item, with why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelevantComplaint {
    pub complaint: Complaint,
    pub score: f64,
    /// What matched where, e.g. "similar in meaning", "title: overdraft",
    /// "text: fee, levy (your synonym for fee)".
    pub why: Vec<String>,
    /// The title with the matching words marked.
    pub title: Vec<Segment>,
    /// A part of the text around the matches, with the matching words marked.
    pub excerpt: Vec<Segment>,
    /// How many other complaints say nearly the same ("14 customers said this" is 13 here).
    pub duplicates: i64,
    pub duplicate_ids: Vec<Uuid>,
    pub mark: Option<Mark>,
}

/// What to rank for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelevantRequest {
    pub limit: u32,
    /// "Now" for recency; `None` is the current time.
    pub as_of: Option<DateTime<Utc>>,
    /// Include dismissed complaints (marked as such), for undoing a dismissal.
    pub include_dismissed: bool,
}

/// The "why" lines for a ranked complaint.
pub fn why(query: &Query, ranked: &Ranked) -> Vec<String> {
    let mut lines = Vec::new();
    if ranked.similar {
        lines.push("similar in meaning".to_string());
    }
    for (place, label) in [
        (Where::Title, "title"),
        (Where::Body, "text"),
        (Where::Meta, "product/tags"),
    ] {
        let words: Vec<String> = ranked
            .matched
            .iter()
            .filter(|(_, w)| w.contains(&place))
            .map(|(ti, _)| describe(query, *ti))
            .collect();
        if !words.is_empty() {
            lines.push(format!("{label}: {}", words.join(", ")));
        }
    }
    lines
}

fn describe(query: &Query, ti: usize) -> String {
    let t = &query.terms[ti];
    let word = t.words.join(" ");
    match t.origin {
        Origin::Thesaurus => {
            let root = query
                .terms
                .iter()
                .find(|o| o.concept == t.concept && o.origin != Origin::Thesaurus);
            match root {
                Some(r) => format!("{word} (your synonym for {})", r.words.join(" ")),
                None => word,
            }
        }
        Origin::Persona => format!("{word} (persona)"),
        _ => word,
    }
}
