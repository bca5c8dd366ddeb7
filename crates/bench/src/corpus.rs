//! A deterministic generator of large complaint corpora from real text: sentences of CFPB
//! narratives and banking77 messages recombined, dates spread over two years, a share of
//! near-duplicates, written as a CSV export. The same seed always gives the same file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::data::repo_root;

/// A small, fast, seedable random source (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// Real sentences and short messages to build complaints from.
pub struct Pool {
    pub sentences: Vec<String>,
    pub messages: Vec<String>,
}

impl Pool {
    /// Reads the real data kept in `tests/fixtures/data`.
    pub fn load() -> anyhow::Result<Pool> {
        let root = repo_root().join("tests/fixtures/data");
        let mut sentences = Vec::new();
        let mut rdr = csv::Reader::from_path(root.join("cfpb-complaints-sample.csv"))
            .context("CFPB sample")?;
        let col = rdr
            .headers()?
            .iter()
            .position(|h| h == "Consumer complaint narrative")
            .context("narrative column")?;
        for r in rdr.records() {
            let r = r?;
            let text = r.get(col).unwrap_or("");
            for s in text.split_inclusive(['.', '?', '!']) {
                let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                if s.len() >= 25 && s.len() <= 400 {
                    sentences.push(s);
                }
            }
        }
        let mut messages = Vec::new();
        let mut rdr =
            csv::Reader::from_path(root.join("banking77-test.csv")).context("banking77")?;
        for r in rdr.records() {
            messages.push(r?.get(0).unwrap_or("").to_string());
        }
        Ok(Pool {
            sentences,
            messages,
        })
    }
}

const PRODUCTS: [&str; 8] = [
    "Cards",
    "Payments",
    "Mobile app",
    "Savings",
    "Loans",
    "Fees",
    "Account",
    "Support",
];
const SEGMENTS: [&str; 5] = [
    "everyday",
    "small-business",
    "retiree",
    "student",
    "freelancer",
];
const CHANNELS: [&str; 4] = ["email", "chat", "phone", "app review"];

/// Writes `rows` complaints as a CSV export to `path` and returns its size in bytes.
pub fn write_csv(path: &Path, rows: usize, seed: u64, pool: &Pool) -> anyhow::Result<u64> {
    let mut rng = Rng::new(seed);
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path)?,
    ));
    w.write_record([
        "ticket_id",
        "created_at",
        "subject",
        "description",
        "product",
        "segment",
        "channel",
        "priority",
    ])?;
    let start = 1_700_000_000u64; // November 2023
    let span = 2 * 365 * 86_400u64;
    let mut last_body = String::new();
    for i in 0..rows {
        let subject = pool.messages[rng.below(pool.messages.len())].clone();
        let body = if i > 0 && rng.below(20) == 0 {
            // A near-duplicate of the previous complaint: the same words, one sentence added.
            format!(
                "{last_body} {}",
                pool.messages[rng.below(pool.messages.len())]
            )
        } else {
            let n = 1 + rng.below(3);
            let mut parts: Vec<&str> = (0..n)
                .map(|_| pool.sentences[rng.below(pool.sentences.len())].as_str())
                .collect();
            if rng.below(3) == 0 {
                parts.insert(0, pool.messages[rng.below(pool.messages.len())].as_str());
            }
            parts.join(" ")
        };
        let ts = start + rng.next_u64() % span;
        let date = chrono::DateTime::from_timestamp(ts as i64, 0)
            .context("a date")?
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        w.write_record([
            format!("T{:08}", i + 1).as_str(),
            &date,
            &subject,
            &body,
            PRODUCTS[rng.below(PRODUCTS.len())],
            SEGMENTS[rng.below(SEGMENTS.len())],
            CHANNELS[rng.below(CHANNELS.len())],
            ["low", "normal", "high"][rng.below(3)],
        ])?;
        last_body = body;
    }
    w.flush()?;
    drop(w);
    Ok(std::fs::metadata(path)?.len())
}

/// Writes nothing but flushes stdout, so figures appear as they are measured.
pub fn flush() {
    let _ = std::io::stdout().flush();
}
