//! What relevance searches keep in memory between calls: the sampled corpus statistics, the
//! user's thesaurus, and a bounded cache of complaints read and stemmed for ranking (with a
//! read-ahead that warms it in the background).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chair_core::relevance::stats::CorpusStats;
use chair_core::relevance::{self, Stemmed, Thesaurus};
use rustc_hash::FxHashMap;
use sqlx::types::Json;
use sqlx::{Row, SqliteConnection};
use uuid::fmt::Hyphenated;

use super::*;
use crate::Result;

/// The user's thesaurus groups: a term and its related words, by term.
pub(crate) type ThesaurusEntries = Vec<(String, Vec<String>)>;

/// What relevance searches keep in memory between calls, one set per store.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    /// The sampled statistics, with the generation (highest complaint `seq`) they were
    /// computed at.
    pub(super) stats: Mutex<Option<(i64, Arc<CorpusStats>)>>,
    /// Held while the statistics are built.
    pub(super) building_stats: tokio::sync::Mutex<()>,
    /// The user's thesaurus, with the groups it was built from: built again when the stored
    /// groups differ (whoever changed them).
    pub(super) thesaurus: Mutex<Option<(ThesaurusEntries, Arc<Thesaurus>)>>,
    pub(super) candidates: Mutex<CandidateCache>,
    /// The language model and the complaints' vectors.
    pub(crate) meaning: crate::embeddings::Meaning,
}

/// One of the caches. Each change to a cache is complete before the next, so what a panic
/// elsewhere left is sound.
pub(super) fn lock<T>(cache: &Mutex<T>) -> MutexGuard<'_, T> {
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The complaints numbered `seqs` (those that exist), read and stemmed for the candidate
/// cache.
pub(super) async fn read_cached(
    conn: &mut SqliteConnection,
    seqs: &[i64],
) -> Result<Vec<Arc<Stemmed>>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(concat!(
        "SELECT ",
        cached_columns!(),
        " FROM json_each(?1) AS j JOIN complaints c ON c.seq = j.value"
    ))
    .bind(Json(seqs))
    .fetch_all(&mut *conn)
    .await?;
    cached_rows(&rows)
}

/// The complaints in `rows` (of `cached_columns!`), read and stemmed for the candidate cache.
pub(super) fn cached_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Arc<Stemmed>>> {
    rows.iter()
        .map(|r| {
            let candidate = candidate(r)?;
            let analysed = Analysed::of(&candidate);
            let id: Hyphenated = r.try_get("id")?;
            Ok(Arc::new(Stemmed {
                id: id.into_uuid(),
                candidate,
                analysed,
            }))
        })
        .collect()
}

/// How many complaints, read and stemmed, the candidate cache keeps at most.
pub(super) const CACHED_CANDIDATES: usize = 24_576;
/// About how much memory the candidate cache takes at most.
pub(super) const CACHED_BYTES: usize = 32 << 20;
/// How many complaints [`Store::warm_relevance`] reads at a time.
pub(super) const WARM_BATCH: usize = 512;

/// About how much memory a complaint read and stemmed takes: what its strings and lists have
/// allocated. The store only ever adds complaints, so while it is open a `seq` names the same
/// complaint.
pub(super) fn found_bytes(found: &Stemmed) -> usize {
    let c = &found.candidate;
    let a = &found.analysed;
    let text = c.title.capacity()
        + c.body.capacity()
        + c.product.capacity()
        + c.segment.capacity()
        + c.tags.iter().map(|t| t.capacity()).sum::<usize>()
        + c.tags.capacity() * std::mem::size_of::<String>();
    let stems = (a.title.capacity() + a.body.capacity() + a.meta.capacity())
        * std::mem::size_of::<relevance::text::StemId>();
    std::mem::size_of::<Stemmed>() + text + stems
}

/// The candidates of recent searches, by `seq`: an agenda item is ranked again on every pin,
/// dismissal and return to it, and the items of one meeting share complaints, so most
/// candidates were read and stemmed before. Two generations of up to half
/// [`CACHED_CANDIDATES`] and half [`CACHED_BYTES`] each: a hit in the older moves to the
/// newer, and when the newer is full it becomes the older, dropping what the older held.
/// The read-ahead ([`Store::warm_relevance`]) fills the older, leaving the newer to searches.
#[derive(Default)]
pub(super) struct CandidateCache {
    pub(super) newer: FxHashMap<i64, Arc<Stemmed>>,
    pub(super) newer_bytes: usize,
    pub(super) older: FxHashMap<i64, Arc<Stemmed>>,
    pub(super) older_bytes: usize,
}

impl CandidateCache {
    /// The complaint numbered `seq` if held, leaving it where it is.
    pub(super) fn peek(&self, seq: i64) -> Option<&Arc<Stemmed>> {
        self.newer.get(&seq).or_else(|| self.older.get(&seq))
    }

    pub(super) fn get(&mut self, seq: i64) -> Option<Arc<Stemmed>> {
        if let Some(c) = self.newer.get(&seq) {
            return Some(Arc::clone(c));
        }
        let c = self.older.remove(&seq)?;
        self.older_bytes -= found_bytes(&c);
        self.insert(seq, Arc::clone(&c));
        Some(c)
    }

    pub(super) fn insert(&mut self, seq: i64, c: Arc<Stemmed>) {
        if self.newer.contains_key(&seq) {
            return;
        }
        let bytes = found_bytes(&c);
        if self.newer.len() >= CACHED_CANDIDATES / 2 || self.newer_bytes + bytes > CACHED_BYTES / 2
        {
            self.older = std::mem::take(&mut self.newer);
            self.older_bytes = std::mem::take(&mut self.newer_bytes);
        }
        self.newer_bytes += bytes;
        self.newer.insert(seq, c);
    }

    /// How many more complaints the older generation takes, by count.
    pub(super) fn room(&self) -> usize {
        (CACHED_CANDIDATES / 2).saturating_sub(self.older.len())
    }

    /// Adds `c` to the older generation if it has room.
    pub(super) fn warm(&mut self, c: Arc<Stemmed>) -> Warmed {
        let seq = c.candidate.key;
        if self.newer.contains_key(&seq) || self.older.contains_key(&seq) {
            return Warmed::AlreadyHeld;
        }
        let bytes = found_bytes(&c);
        if self.room() == 0 || self.older_bytes + bytes > CACHED_BYTES / 2 {
            return Warmed::Full;
        }
        self.older_bytes += bytes;
        self.older.insert(seq, c);
        Warmed::Added
    }
}

/// What [`CandidateCache::warm`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Warmed {
    Added,
    AlreadyHeld,
    Full,
}

impl std::fmt::Debug for CandidateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CandidateCache({} complaints)",
            self.newer.len() + self.older.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chair_core::relevance::{Analysed, Candidate};
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    fn cached(seq: i64) -> Arc<Stemmed> {
        sized(seq, format!("complaint {seq}"))
    }

    fn sized(seq: i64, body: String) -> Arc<Stemmed> {
        Arc::new(Stemmed {
            id: Uuid::nil(),
            candidate: Candidate {
                key: seq,
                title: String::new(),
                body,
                product: String::new(),
                tags: Vec::new(),
                segment: String::new(),
                received_at: DateTime::<Utc>::UNIX_EPOCH,
            },
            analysed: Analysed::default(),
        })
    }

    #[test]
    fn the_candidate_cache_stays_bounded_and_keeps_what_is_used() {
        let mut cache = CandidateCache::default();
        let total = CACHED_CANDIDATES as i64 * 3;
        for seq in 0..total {
            cache.insert(seq, cached(seq));
            // One complaint asked for all along stays.
            assert_eq!(cache.get(0).map(|c| c.candidate.key), Some(0));
            assert!(cache.newer.len() + cache.older.len() <= CACHED_CANDIDATES);
        }
        assert!(cache.get(total - 1).is_some(), "the newest is kept");
        assert!(cache.get(1).is_none(), "one not asked for again is dropped");
        assert_eq!(
            cache.get(total - 2).map(|c| c.candidate.body.clone()),
            Some(format!("complaint {}", total - 2))
        );
    }

    fn held_bytes(map: &FxHashMap<i64, Arc<Stemmed>>) -> usize {
        map.values().map(|c| found_bytes(c)).sum()
    }

    #[test]
    fn the_read_ahead_fills_only_the_older_half_and_searches_keep_their_own() {
        let mut cache = CandidateCache::default();
        let searched = 1_000_000;
        cache.insert(searched, cached(searched));
        let mut added = 0;
        for seq in 0..CACHED_CANDIDATES as i64 {
            match cache.warm(cached(seq)) {
                Warmed::Added => added += 1,
                other => {
                    assert_eq!(other, Warmed::Full);
                    break;
                }
            }
        }
        assert_eq!(added, CACHED_CANDIDATES / 2);
        assert_eq!(cache.room(), 0);
        assert_eq!(cache.warm(cached(searched)), Warmed::AlreadyHeld);
        assert_eq!(
            cache.newer.len(),
            1,
            "what a search read stays in the newer half"
        );
        // A read-ahead complaint a search uses moves to the newer half, making room.
        assert!(cache.get(7).is_some());
        assert_eq!(cache.older.len(), CACHED_CANDIDATES / 2 - 1);
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert_eq!(cache.warm(cached(searched + 1)), Warmed::Added);
        assert_eq!(cache.warm(cached(searched + 2)), Warmed::Full);
        // When the newer half fills, it becomes the older with its exact size.
        for seq in 2_000_000..2_000_000 + CACHED_CANDIDATES as i64 / 2 {
            cache.insert(seq, cached(seq));
        }
        assert!(cache.older.contains_key(&searched));
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert_eq!(cache.newer_bytes, held_bytes(&cache.newer));
    }

    #[test]
    fn the_read_ahead_keeps_to_half_the_memory_budget() {
        let mut cache = CandidateCache::default();
        let mut added = 0;
        for seq in 0..200 {
            if cache.warm(sized(seq, "x".repeat(1 << 20))) == Warmed::Full {
                break;
            }
            added += 1;
        }
        assert!(cache.room() > 0, "the count allows more");
        assert!(cache.older_bytes <= CACHED_BYTES / 2);
        assert_eq!(cache.older_bytes, held_bytes(&cache.older));
        assert!((10..=16).contains(&added), "{added} complaints of 1 MB");
    }

    #[test]
    fn the_candidate_cache_keeps_to_its_memory_budget() {
        let mut cache = CandidateCache::default();
        // Complaints of a megabyte each: far fewer than the count allows.
        for seq in 0..200 {
            cache.insert(seq, sized(seq, "x".repeat(1 << 20)));
            let held: usize = cache
                .newer
                .values()
                .chain(cache.older.values())
                .map(|c| found_bytes(c))
                .sum();
            assert!(held <= CACHED_BYTES, "{held} bytes held");
        }
        assert!(cache.get(199).is_some(), "the newest is kept");
        assert!(cache.newer.len() + cache.older.len() < 40);
    }
}
