//! Relevance quality on labelled real complaints: nDCG@10 of Empty Chair's ranking against
//! plain SQLite FTS5 `bm25` over the same text, per source, each source ranked as its own
//! collection (a company's complaints are one collection).
//!
//! Two sets of agenda items:
//! - "generated": made from the data's labels in three wordings each (the label's own words;
//!   a customer's message of that intent from banking77's training set, or the CFPB issue
//!   with its sub-issue; the label in other words). Each label falls in the dev or the test
//!   half by a hash of its name, fixed before anything was measured. Tuning reads the dev
//!   half only; the test half is what the figures in the README and the notes quote.
//! - "written": agenda items written by hand in a facilitator's words (crates/store/eval);
//!   earlier tuning has seen all of them, so they are reported but do not decide anything.
//!
//! Usage: eval [--split dev|test|all] [--ablation] [--verbose] [--set PARAM=VALUE]...
//!
//! `--ablation` runs the ranking again with each of its features off (or each left-out
//! feature on), one at a time, and prints the change on each half.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use chair_bench::data::{Doc, EvalItem, Label, Relevant, eval_items, labelled_docs, repo_root};
use chair_bench::metrics::ndcg;
use chair_core::import::ImportOptions;
use chair_core::relevance::{ItemText, Params, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;
use chrono::{TimeZone, Utc};
use sqlx::{Connection, Row};

const K: usize = 10;
const SOURCES: [&str; 2] = ["cfpb", "banking77"];

fn set_param(p: &mut Params, spec: &str) -> anyhow::Result<()> {
    let (k, v) = spec.split_once('=').context("--set PARAM=VALUE")?;
    let f: f64 = v.parse().context("a number")?;
    match k {
        "meaning_weight" => p.meaning_weight = f,
        "meaning_floor" => p.meaning_floor = f as f32,
        "meaning_candidates" => p.meaning_candidates = f as usize,
        "k1" => p.k1 = f,
        "b" => p.b = f,
        "recency" => p.recency = f,
        "candidates" => p.candidates = f as usize,
        "duplicate_jaccard" => p.duplicate_jaccard = f,
        other => bail!("unknown parameter {other}"),
    }
    Ok(())
}

/// The ranking with one feature changed, for the ablation.
fn ablations(base: &Params) -> Vec<(&'static str, Params)> {
    let with = |f: &dyn Fn(&mut Params)| {
        let mut p = base.clone();
        f(&mut p);
        p
    };
    vec![
        (
            "meaning off (words alone)",
            with(&|p| p.meaning_weight = 0.0),
        ),
        (
            "words off (meaning alone)",
            with(&|p| p.meaning_weight = 1.0),
        ),
        ("meaning 0.4 of the mix", with(&|p| p.meaning_weight = 0.4)),
        ("meaning 0.8 of the mix", with(&|p| p.meaning_weight = 0.8)),
        ("no floor on meaning", with(&|p| p.meaning_floor = -1.0)),
        ("meaning floor 0.4", with(&|p| p.meaning_floor = 0.4)),
        ("recency off", with(&|p| p.recency = 0.0)),
        (
            "near-duplicate grouping off",
            with(&|p| p.duplicate_jaccard = 2.0),
        ),
        (
            "k1 0.9, b 0.4",
            with(&|p| {
                p.k1 = 0.9;
                p.b = 0.4
            }),
        ),
    ]
}

/// A stable hash (FNV-1a), so the halves never move.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Agenda items made from the labels: three wordings per label with at least five
/// documents; a label's items all fall in the half its hash picks.
fn generated_items(docs: &[Doc]) -> anyhow::Result<Vec<EvalItem>> {
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for d in docs {
        *counts
            .entry((d.source, d.label.0.as_str(), d.label.1.as_str()))
            .or_default() += 1;
    }
    // Customers' own words for each banking77 intent, from the training messages (not ranked).
    let mut train: HashMap<String, Vec<String>> = HashMap::new();
    let mut rdr =
        csv::Reader::from_path(repo_root().join("tests/fixtures/data/banking77-train.csv"))
            .context("banking77 training messages")?;
    for r in rdr.records() {
        let r = r?;
        train
            .entry(r.get(1).unwrap_or("").to_string())
            .or_default()
            .push(r.get(0).unwrap_or("").to_string());
    }
    let mut items = Vec::new();
    for ((source, first, second), n) in counts {
        if n < 5 {
            continue;
        }
        let key = format!("{source}/{first}/{second}");
        let split = if fnv(&key) % 2 == 1 { "test" } else { "dev" };
        let (labels, wordings): (Vec<Label>, Vec<(String, String)>) = if source == "cfpb" {
            let label = |sub: Option<&str>, grade| Label {
                issue: Some(first.into()),
                sub_issue: sub.map(str::to_string),
                category: None,
                grade,
            };
            let name = if second.is_empty() { first } else { second };
            (
                vec![label(Some(second), 2), label(None, 1)],
                vec![
                    (name.to_string(), String::new()),
                    (first.to_string(), second.to_string()),
                    (
                        format!("Customers tell us: {}", name.to_lowercase()),
                        format!("What can we change about \"{first}\"?"),
                    ),
                ],
            )
        } else {
            let said = train.get(first).map(Vec::as_slice).unwrap_or_default();
            let pick = |salt: u64| {
                said.get(((fnv(&key) ^ salt) % said.len().max(1) as u64) as usize)
                    .cloned()
                    .unwrap_or_default()
            };
            let name = first.replace('_', " ");
            (
                vec![Label {
                    issue: None,
                    sub_issue: None,
                    category: Some(first.into()),
                    grade: 2,
                }],
                vec![
                    (name.clone(), String::new()),
                    (pick(1), String::new()),
                    (
                        format!("Customers ask about {name}"),
                        format!("One wrote: \"{}\"", pick(2)),
                    ),
                ],
            )
        };
        for (w, (title, description)) in wordings.into_iter().enumerate() {
            if title.trim().is_empty() {
                continue;
            }
            items.push(EvalItem {
                id: format!("gen-{source}-{:04}-{w}", fnv(&key) % 10_000),
                split: split.into(),
                title,
                description,
                relevant: Relevant {
                    source: source.into(),
                    labels: labels.clone(),
                },
            });
        }
    }
    Ok(items)
}

#[derive(Default, Clone, Copy)]
struct Mean {
    n: usize,
    sum: f64,
}

impl Mean {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
    }
    fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
    fn show(&self) -> String {
        self.get().map_or("    -".into(), |v| format!("{v:.3}"))
    }
}

/// (set, split, source, system) → mean nDCG@10.
type Table = HashMap<(String, String, String, String), Mean>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut split = "all".to_string();
    let (mut verbose, mut ablation) = (false, false);
    let mut params = Params::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--split" => split = args.next().context("--split dev|test|all")?,
            "--verbose" => verbose = true,
            "--ablation" => ablation = true,
            "--set" => set_param(&mut params, &args.next().context("--set PARAM=VALUE")?)?,
            other => bail!("unknown argument {other}"),
        }
    }
    let docs = labelled_docs()?;
    let mut items: Vec<(&str, EvalItem)> = generated_items(&docs)?
        .into_iter()
        .map(|i| ("generated", i))
        .collect();
    items.extend(eval_items()?.into_iter().map(|(_, i)| ("written", i)));
    items.retain(|(_, i)| split == "all" || i.split == split);

    let model = match chair_embed::Model::locate() {
        Ok(m) => Some(Arc::new(m)),
        Err(e) => {
            eprintln!("{e}");
            None
        }
    };
    let dir = repo_root().join("target/eval");
    std::fs::create_dir_all(&dir)?;
    let mut corpora: HashMap<&str, Corpus> = HashMap::new();
    for source in SOURCES {
        let own: Vec<&Doc> = docs.iter().filter(|d| d.source == source).collect();
        let corpus = Corpus::open(&dir, source, &own).await?;
        if let Some(m) = &model {
            corpus.store.use_embedder(m.clone());
            let started = std::time::Instant::now();
            let n = corpus
                .store
                .embed_pending(|_| {}, &AtomicBool::new(false))
                .await?;
            if n > 0 {
                eprintln!(
                    "{source}: embedded {n} complaints in {:.1} s ({:.1} ms each)",
                    started.elapsed().as_secs_f64(),
                    started.elapsed().as_secs_f64() * 1000.0 / n as f64
                );
            }
        }
        corpora.insert(source, corpus);
    }
    let by_id: HashMap<&str, &Doc> = docs.iter().map(|d| (d.id.as_str(), d)).collect();

    let mut systems: Vec<(&str, Params)> = vec![("Empty Chair", params.clone())];
    if ablation {
        systems.extend(ablations(&params));
    }
    let as_of = Utc.with_ymd_and_hms(2020, 4, 1, 0, 0, 0).single();
    let mut table: Table = HashMap::new();
    let mut record = |set: &str, item: &EvalItem, system: &str, v: f64| {
        let source = item.relevant.source.clone();
        for sp in [item.split.as_str(), "all"] {
            for src in [source.as_str(), "mean"] {
                table
                    .entry((set.into(), sp.into(), src.into(), system.into()))
                    .or_default()
                    .add(v);
            }
        }
    };
    for (set, item) in &items {
        let source = item.relevant.source.as_str();
        let corpus = corpora.get_mut(source).context("corpus")?;
        let all: Vec<u8> = docs
            .iter()
            .map(|d| item.grade(d, false))
            .filter(|&g| g > 0)
            .collect();
        let grade_of = |id: &str| by_id.get(id).map(|d| item.grade(d, false)).unwrap_or(0);
        let base: Vec<u8> = corpus
            .bm25(&format!("{} {}", item.title, item.description))
            .await?
            .iter()
            .map(|id| grade_of(id))
            .collect();
        let b = ndcg(&base, &all, K);
        record(set, item, "bm25", b);
        let text = ItemText {
            title: item.title.clone(),
            description: item.description.clone(),
            ..Default::default()
        };
        let request = RelevantRequest {
            limit: K as u32,
            as_of,
            include_dismissed: false,
        };
        let mut line = format!("{:<22} {:<5} bm25 {b:.3}", item.id, item.split);
        for (name, p) in &systems {
            let ours: Vec<u8> = corpus
                .store
                .relevant(&text, &PersonaHints::default(), &[], &request, p)
                .await?
                .iter()
                .map(|r| grade_of(r.complaint.external_id.as_deref().unwrap_or("")))
                .collect();
            let o = ndcg(&ours, &all, K);
            record(set, item, name, o);
            if *name == "Empty Chair" {
                line.push_str(&format!("  ours {o:.3}"));
            }
        }
        if verbose {
            println!("{line}  {}", item.title);
        }
    }

    println!(
        "nDCG@10, each source its own collection ({} items; language model: {})",
        items.len(),
        if model.is_some() {
            chair_embed::MODEL_NAME
        } else {
            "not installed, words alone"
        }
    );
    println!();
    println!(
        "{:<10} {:<5} {:<10} {:>5}   {:>6}   {:>11}",
        "set", "half", "source", "items", "bm25", "Empty Chair"
    );
    for set in ["generated", "written"] {
        for sp in ["dev", "test"] {
            for src in ["cfpb", "banking77", "mean"] {
                let key = |sys: &str| {
                    (
                        set.to_string(),
                        sp.to_string(),
                        src.to_string(),
                        sys.to_string(),
                    )
                };
                let (Some(b), Some(o)) = (table.get(&key("bm25")), table.get(&key("Empty Chair")))
                else {
                    continue;
                };
                println!(
                    "{set:<10} {sp:<5} {src:<10} {:>5}   {:>6}   {:>11}",
                    b.n,
                    b.show(),
                    o.show()
                );
            }
        }
    }
    if ablation {
        println!();
        println!(
            "Ablation on the generated items: nDCG@10 with one feature changed, and the change"
        );
        println!(
            "{:<42} {:>17} {:>17} {:>17} {:>17}",
            "", "test cfpb", "test banking77", "test mean", "dev mean"
        );
        let get = |sp: &str, src: &str, sys: &str| {
            table
                .get(&(
                    "generated".to_string(),
                    sp.to_string(),
                    src.to_string(),
                    sys.to_string(),
                ))
                .and_then(Mean::get)
        };
        let cols = [
            ("test", "cfpb"),
            ("test", "banking77"),
            ("test", "mean"),
            ("dev", "mean"),
        ];
        for (name, _) in std::iter::once(&("bm25", Params::default())).chain(&systems) {
            let mut row = format!("{name:<42}");
            for (sp, src) in cols {
                let (v, full) = (get(sp, src, name), get(sp, src, "Empty Chair"));
                row.push_str(&match (v, full) {
                    (Some(v), Some(f)) if *name != "Empty Chair" => {
                        format!(" {v:>8.3} ({:+.3})", v - f)
                    }
                    (Some(v), _) => format!(" {v:>8.3}         "),
                    _ => format!(" {:>17}", "-"),
                });
            }
            println!("{row}");
        }
    }
    for corpus in corpora.into_values() {
        corpus.store.close().await;
    }
    Ok(())
}

/// A source's documents imported into a store of their own, with plain FTS5 `bm25` over the
/// same text beside them. Kept in `target/eval` between runs (with their embeddings) and made
/// again when the documents differ.
struct Corpus {
    store: Store,
    conn: sqlx::SqliteConnection,
    ext: HashMap<i64, String>,
}

impl Corpus {
    async fn open(dir: &Path, name: &str, docs: &[&Doc]) -> anyhow::Result<Corpus> {
        let mut manifest = String::new();
        for d in docs {
            manifest.push_str(&d.id);
            manifest.push_str(&d.text);
        }
        let stamp = format!("{:016x}-{}", fnv(&manifest), env!("CARGO_PKG_VERSION"));
        let db = dir.join(format!("{name}.db"));
        let stamp_file = dir.join(format!("{name}.stamp"));
        let fresh = std::fs::read_to_string(&stamp_file).ok().as_deref() != Some(stamp.as_str());
        if fresh {
            for ext in ["", "-wal", "-shm", ".inuse"] {
                let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
            }
        }
        let store = Store::open(&db).await?;
        if fresh {
            let file = dir.join(format!("{name}.jsonl"));
            {
                let mut f = std::io::BufWriter::new(std::fs::File::create(&file)?);
                for d in docs {
                    serde_json::to_writer(
                        &mut f,
                        &serde_json::json!({"id": d.id, "date": d.date, "text": d.text}),
                    )?;
                    f.write_all(b"\n")?;
                }
            }
            let options = ImportOptions {
                source: Some("eval".into()),
                ..ImportOptions::default()
            };
            let s = store
                .import_file(
                    &file,
                    &options,
                    Utc::now(),
                    None,
                    Arc::new(AtomicBool::new(false)),
                )
                .await?;
            eprintln!("{name}: {} complaints imported", s.imported);
            std::fs::remove_file(&file)?;
        }
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
        if fresh {
            sqlx::query("CREATE VIRTUAL TABLE baseline USING fts5(body)")
                .execute(&mut conn)
                .await?;
            sqlx::query("INSERT INTO baseline (rowid, body) SELECT seq, body FROM complaints")
                .execute(&mut conn)
                .await?;
            std::fs::write(&stamp_file, &stamp)?;
        }
        let ext = sqlx::query("SELECT seq, external_id FROM complaints")
            .fetch_all(&mut conn)
            .await?
            .into_iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
            .collect();
        Ok(Corpus { store, conn, ext })
    }

    /// Plain `bm25` top ten: every word of the text, any of them.
    async fn bm25(&mut self, text: &str) -> anyhow::Result<Vec<String>> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"", w.to_lowercase()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT rowid FROM baseline WHERE baseline MATCH ?1 ORDER BY bm25(baseline) LIMIT 10",
        )
        .bind(words.join(" OR "))
        .fetch_all(&mut self.conn)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| self.ext.get(&r.get::<i64, _>(0)).cloned())
            .collect())
    }
}
