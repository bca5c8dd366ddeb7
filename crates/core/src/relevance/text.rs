//! Words as the ranking sees them: lower-cased alphanumeric runs, stemmed (Snowball
//! English), with stop words and masking tokens (`XXXX`) set aside.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

/// A word of a text: where it is (byte range) and its stem (empty for stop words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub stem: String,
}

fn stemmer() -> &'static Stemmer {
    static S: OnceLock<Stemmer> = OnceLock::new();
    S.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Words that carry no topic: English function words, and the words agendas are made of
/// ("customers", "proposal", "discuss") that every item shares.
const STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "else",
    "etc",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "let",
    "ll",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "others",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "please",
    "re",
    "same",
    "shall",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "ve",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "s",
    "t",
    "d",
    "m",
    "customer",
    "customers",
    "client",
    "clients",
    "user",
    "users",
    "people",
    "someone",
    "anyone",
    "team",
    "teams",
    "proposal",
    "propose",
    "proposed",
    "proposing",
    "discuss",
    "discussion",
    "review",
    "reviewing",
    "decide",
    "decision",
    "agenda",
    "item",
    "items",
    "meeting",
    "option",
    "options",
    "consider",
    "considering",
    "look",
    "looking",
    "regarding",
    "around",
    "whether",
    "need",
    "needs",
    "needed",
    "want",
    "wants",
    "many",
    "lot",
    "lots",
    "keep",
    "keeps",
    "kept",
    "get",
    "gets",
    "got",
    "getting",
    "make",
    "makes",
    "made",
    "making",
    "go",
    "going",
    "really",
    "thing",
    "things",
    "way",
    "ways",
    "something",
    "anything",
    "everything",
    "currently",
    "today",
    "recent",
    "recently",
    "right",
    "well",
    "yes",
    "hi",
    "hello",
    "thanks",
    "thank",
    "dear",
    "sir",
    "madam",
    // What is left of contractions once the apostrophe splits them ("hasn't" → "hasn", "t").
    "aren",
    "couldn",
    "didn",
    "doesn",
    "hadn",
    "hasn",
    "haven",
    "isn",
    "mustn",
    "needn",
    "shan",
    "shouldn",
    "wasn",
    "weren",
    "won",
    "wouldn",
    "ain",
];

/// A stem's number in the process's stem table: equal stems have equal numbers, so the
/// ranking compares and hashes numbers instead of text.
pub type StemId = u32;

/// Every stem met so far, numbered, and the stems of words already stemmed.
#[derive(Default)]
struct StemTable {
    /// Stem by lower-case word (`None` for stop words), up to [`STEM_CACHE_WORDS`] words.
    words: FxHashMap<Box<str>, Option<StemId>>,
    ids: FxHashMap<Arc<str>, StemId>,
    names: Vec<Arc<str>>,
}

/// The most words whose stems are remembered; words beyond are stemmed each time.
const STEM_CACHE_WORDS: usize = 500_000;

/// The most stems the table names. A long-running process that reads ever more complaints
/// meets ever more rare stems (names, numbers, misspellings): beyond this many, a new stem's
/// number is a hash of its text in the upper half of the numbers, which the table does not
/// hold, so its memory stays bounded (about 20 MB) while equal stems still get equal numbers.
const MOST_NAMED_STEMS: usize = 1 << 18;

/// Numbers from here on are hashes of stems the table does not name.
const HASHED: StemId = 1 << 31;

/// The number of a stem beyond [`MOST_NAMED_STEMS`]: FNV-1a of its text. Two rare stems may
/// share a number (about one pair in two billion), which only makes each count for the other.
fn hashed_stem(stem: &str) -> StemId {
    let mut h: u32 = 0x811c_9dc5;
    for b in stem.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    HASHED | (h & (HASHED - 1))
}

impl StemTable {
    fn intern(&mut self, stem: &str) -> StemId {
        if let Some(&id) = self.ids.get(stem) {
            return id;
        }
        if self.names.len() >= MOST_NAMED_STEMS {
            return hashed_stem(stem);
        }
        let id = self.names.len() as StemId;
        let name: Arc<str> = Arc::from(stem);
        self.names.push(Arc::clone(&name));
        self.ids.insert(name, id);
        id
    }

    /// The number of `stem` if a text can have held it.
    fn id_of(&self, stem: &str) -> Option<StemId> {
        self.ids
            .get(stem)
            .copied()
            .or_else(|| (self.names.len() >= MOST_NAMED_STEMS).then(|| hashed_stem(stem)))
    }

    /// The stem of one lower-case word, or `None` for a stop word.
    fn word(&mut self, word: &str) -> Option<StemId> {
        if let Some(&id) = self.words.get(word) {
            return id;
        }
        let id = (!is_stop_word(word)).then(|| self.intern(&stemmer().stem(word)));
        if self.words.len() < STEM_CACHE_WORDS {
            self.words.insert(word.into(), id);
        }
        id
    }

    /// The stem of one lower-case word as text, or `None` for a stop word.
    fn word_stem(&mut self, word: &str) -> Option<String> {
        let id = self.word(word)?;
        Some(match self.names.get(id as usize) {
            Some(name) => name.to_string(),
            // A hashed stem: the table keeps no name for it.
            None => stemmer().stem(word).into_owned(),
        })
    }
}

/// The process's stem table, held while `f` runs. Words repeat across complaints, so most
/// stemming is a look-up.
fn with_table<R>(f: impl FnOnce(&mut StemTable) -> R) -> R {
    static TABLE: OnceLock<Mutex<StemTable>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        // Every change to the table is complete before the next: what a panic left is sound.
        .unwrap_or_else(PoisonError::into_inner);
    f(&mut table)
}

/// The stem of one lower-case word, or `None` for a stop word.
pub fn stem_word(word: &str) -> Option<String> {
    with_table(|t| t.word_stem(word))
}

/// The number of `stem` if any text stemmed so far can have held it (else no complaint
/// analysed can contain it).
pub fn stem_id(stem: &str) -> Option<StemId> {
    with_table(|t| t.id_of(stem))
}

/// The numbers of `stems`, numbering those not met before.
pub fn stem_ids(stems: &[&str]) -> Vec<StemId> {
    with_table(|t| stems.iter().map(|s| t.intern(s)).collect())
}

/// The stem numbered `id`; `None` for a number the table does not name (a hashed stem).
pub fn stem_name(id: StemId) -> Option<Arc<str>> {
    with_table(|t| t.names.get(id as usize).cloned())
}

/// Appends the stems of `text` (stop words left out) to `out`, by number.
pub fn stems_into(text: &str, out: &mut Vec<StemId>) {
    with_table(|table| {
        each_word(text, |_, _, word| {
            if let Some(id) = table.word(word) {
                out.push(id);
            }
        })
    })
}

/// Calls `f` with each word of `text` (a run of letters and digits): where it starts and
/// ends (bytes) and its lower-case form.
pub(crate) fn each_word(text: &str, mut f: impl FnMut(usize, usize, &str)) {
    let mut start = None;
    let mut lower = String::new();
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            if c.is_ascii() {
                lower.push(c.to_ascii_lowercase());
            } else {
                lower.extend(c.to_lowercase());
            }
        } else if let Some(s) = start.take() {
            f(s, i, &lower);
            lower.clear();
        }
    }
    if let Some(s) = start {
        f(s, text.len(), &lower);
    }
}

/// True for words the ranking ignores: stop words and masking tokens such as `XXXX`.
pub fn is_stop_word(word: &str) -> bool {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP.iter().copied().collect())
        .contains(word)
        || is_masking(word)
}

/// True for a masking token (`xxxx`, as in `XX/XX/XXXX`), lower case.
pub(crate) fn is_masking(word: &str) -> bool {
    word.len() >= 2 && word.bytes().all(|b| b == b'x')
}

/// The words of `text` in order, each with its stem (empty for stop words).
pub fn tokens(text: &str) -> Vec<Token> {
    with_table(|table| {
        let mut out = Vec::new();
        each_word(text, |start, end, word| {
            let stem = table.word_stem(word).unwrap_or_default();
            out.push(Token { start, end, stem });
        });
        out
    })
}

/// `text` as FTS5 strings that each hold exactly one token of SQLite's `unicode61` tokenizer
/// (a run of letters, digits or private-use characters, with the combining accents U+0300 to
/// U+0331 that it keeps inside a word), as an index without positions (`detail=none`)
/// requires: it refuses a string of two tokens as a phrase. With `ascii`,
/// only ASCII letters and digits count, for a character that SQLite's Unicode tables, older
/// than Rust's, do not know as a letter.
pub fn fts_strings(text: &str, ascii: bool) -> Vec<String> {
    static TOKEN: OnceLock<[Regex; 2]> = OnceLock::new();
    let [any, plain] = TOKEN.get_or_init(|| {
        [
            Regex::new(r"[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{Co}\x{300}-\x{331}]*")
                .expect("valid pattern"),
            Regex::new(r"[A-Za-z0-9]+").expect("valid pattern"),
        ]
    });
    let re = if ascii { plain } else { any };
    re.find_iter(text)
        .map(|m| format!("\"{}\"", m.as_str()))
        .collect()
}

/// The stems of `text` in order, stop words left out.
pub fn stems(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| !t.stem.is_empty())
        .map(|t| t.stem)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stem_table_names_a_bounded_number_of_stems_and_hashes_the_rest() {
        let mut table = StemTable::default();
        let first = table.intern("refund");
        assert_eq!(
            table.id_of("chargeback"),
            None,
            "unseen while there is room"
        );
        for i in 0..MOST_NAMED_STEMS {
            table.intern(&format!("w{i}"));
        }
        assert_eq!(table.names.len(), MOST_NAMED_STEMS, "full, and no fuller");
        let late = table.intern("chargeback");
        assert!(late >= HASHED);
        assert_eq!(
            table.intern("chargeback"),
            late,
            "equal stems, equal numbers"
        );
        assert_eq!(table.id_of("chargeback"), Some(late), "a query finds it");
        assert_ne!(table.intern("chargebacks"), late);
        assert_eq!(
            table.intern("refund"),
            first,
            "named stems keep their numbers"
        );
        assert_eq!(table.names.len(), MOST_NAMED_STEMS);
        // A hashed stem still reads as text.
        assert_eq!(
            table.word_stem("chargebacks").as_deref(),
            Some("chargeback")
        );
        assert_eq!(table.word_stem("refunds").as_deref(), Some("refund"));
    }

    #[test]
    fn stem_numbers_agree_with_the_tokens() {
        for text in [
            "Customers were CHARGED overdraft fees twice! XX/XX/XXXX",
            "Café refunds: naïve ÜBER-fees, 42 items",
            // Words met here first, stop words among them.
            "Zorbleflux xxxxxxxxxxxxxxxxxxxxxxxxxxxxq the XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX quibblewomping",
        ] {
            let mut ids = Vec::new();
            stems_into(text, &mut ids);
            let names: Vec<String> = ids
                .iter()
                .map(|&i| stem_name(i).unwrap().to_string())
                .collect();
            assert_eq!(names, stems(text), "{text}");
        }
    }

    #[test]
    fn words_are_stemmed_and_stop_words_dropped() {
        assert_eq!(
            stems("Customers were charged overdraft fees!"),
            ["charg", "overdraft", "fee"]
        );
        assert_eq!(
            stems("The card hasn't ARRIVED"),
            ["card", "arriv"],
            "contraction leftovers are stop words"
        );
    }

    #[test]
    fn masking_tokens_are_ignored() {
        assert_eq!(stems("On XX/XX/XXXX I paid XXXX"), ["paid"]);
    }

    #[test]
    fn fts_strings_are_single_tokens() {
        assert_eq!(
            fts_strings("Late-fee \"refund\" OR café", false),
            ["\"Late\"", "\"fee\"", "\"refund\"", "\"OR\"", "\"café\""]
        );
        // Devanagari vowel signs are marks, which split words for SQLite.
        assert_eq!(fts_strings("हिंदी", false), ["\"ह\"", "\"द\""]);
        assert_eq!(
            fts_strings("naïve 42", true),
            ["\"na\"", "\"ve\"", "\"42\""]
        );
        assert!(fts_strings("— ! ?", false).is_empty());
        // A decomposed accent stays in its word, as SQLite keeps it (and then drops it).
        assert_eq!(fts_strings("nai\u{308}ve", false), ["\"nai\u{308}ve\""]);
    }

    #[test]
    fn tokens_know_where_they_are() {
        let t = tokens("Late fee, again.");
        assert_eq!(&"Late fee, again."[t[1].start..t[1].end], "fee");
        assert_eq!(t[2].stem, "", "stop word");
    }
}
