//! Relevance quality: the evaluation's agenda items (crates/store/eval) against every CFPB
//! narrative and banking77 test message, ranked by Empty Chair and by plain SQLite FTS5
//! `bm25` over the same text. Prints nDCG@10 and P@10 per split and source.
//!
//! Usage: eval [--split dev|test|all] [--verbose] [--coarse] [--per-source] [--labels]
//!             [--one-line] [--set PARAM=VALUE]...
//!
//! `--coarse` counts a CFPB narrative as relevant when its Issue matches a label, whatever its
//! sub-issue; `--per-source` ranks each item against its own source's documents only instead
//! of the mixed corpus; `--labels` adds a third set, "labels", of items named after the labels
//! themselves, where the words of item and documents meet most; `--one-line` gives each item's
//! title and description as one title, as a caller that cannot tell them apart would.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use chair_bench::data::{Doc, EvalItem, eval_items, label_items, labelled_docs};
use chair_bench::metrics::{ndcg, precision};
use chair_core::import::ImportOptions;
use chair_core::relevance::{ItemText, Params, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;
use chrono::{TimeZone, Utc};
use sqlx::{Connection, Row};

const K: usize = 10;

fn set_param(p: &mut Params, spec: &str) -> anyhow::Result<()> {
    let (k, v) = spec.split_once('=').context("--set PARAM=VALUE")?;
    let f: f64 = v.parse().context("a number")?;
    match k {
        "title_weight" => p.title_weight = f,
        "keyword_weight" => p.keyword_weight = f,
        "problem_weight" => p.problem_weight = f,
        "description_weight" => p.description_weight = f,
        "thesaurus_weight" => p.thesaurus_weight = f,
        "k1" => p.k1 = f,
        "b" => p.b = f,
        "field_title" => p.field_title = f,
        "field_meta" => p.field_meta = f,
        "synonym_share" => p.synonym_share = f,
        "coverage" => p.coverage = f,
        "proximity" => p.proximity = f,
        "proximity_window" => p.proximity_window = f as usize,
        "recency" => p.recency = f,
        "candidates" => p.candidates = f as usize,
        "common_share" => p.common_share = f,
        "feedback_docs" => p.feedback_docs = f as usize,
        "feedback_terms" => p.feedback_terms = f as usize,
        "feedback_weight" => p.feedback_weight = f,
        "duplicate_jaccard" => p.duplicate_jaccard = f,
        "postings_budget" => p.postings_budget = f,
        "search_terms" => p.search_terms = f as usize,
        "feedback_search" => p.feedback_search = f != 0.0,
        other => bail!("unknown parameter {other}"),
    }
    Ok(())
}

#[derive(Default, Clone, Copy)]
struct Sum {
    n: usize,
    ndcg: f64,
    p: f64,
}

impl Sum {
    fn add(&mut self, ndcg: f64, p: f64) {
        self.n += 1;
        self.ndcg += ndcg;
        self.p += p;
    }
    fn show(&self) -> String {
        if self.n == 0 {
            return "   -      -  ".into();
        }
        format!(
            "{:.3}  {:.3}",
            self.ndcg / self.n as f64,
            self.p / self.n as f64
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut split = "all".to_string();
    let mut verbose = false;
    let mut coarse = false;
    let mut per_source = false;
    let mut label_set = false;
    let mut one_line = false;
    let mut params = Params::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--split" => split = args.next().context("--split dev|test|all")?,
            "--verbose" => verbose = true,
            "--coarse" => coarse = true,
            "--per-source" => per_source = true,
            "--labels" => label_set = true,
            "--one-line" => one_line = true,
            "--set" => set_param(&mut params, &args.next().context("--set PARAM=VALUE")?)?,
            other => bail!("unknown argument {other}"),
        }
    }
    let docs = labelled_docs()?;
    let mut items = eval_items()?;
    if label_set {
        items.extend(label_items(&docs).into_iter().map(|i| ("labels", i)));
    }
    let items: Vec<(&str, EvalItem)> = items
        .into_iter()
        .filter(|(_, i)| split == "all" || i.split == split)
        .collect();
    let dir = tempfile::tempdir()?;
    let mut corpora: HashMap<&str, Corpus> = HashMap::new();
    if per_source {
        for source in ["cfpb", "banking77"] {
            let own: Vec<&Doc> = docs.iter().filter(|d| d.source == source).collect();
            corpora.insert(source, Corpus::build(dir.path(), source, &own).await?);
        }
    } else {
        let every: Vec<&Doc> = docs.iter().collect();
        corpora.insert("all", Corpus::build(dir.path(), "all", &every).await?);
    }
    let by_id: HashMap<&str, &Doc> = docs.iter().map(|d| (d.id.as_str(), d)).collect();

    let as_of = Utc.with_ymd_and_hms(2020, 4, 1, 0, 0, 0).single();
    let mut sums: HashMap<(&str, String, &str, &str), Sum> = HashMap::new();
    if verbose {
        println!(
            "{:<9} {:<5} {:>6} {:>6}   {:>6} {:>6}   title",
            "item", "split", "bm25", "P@10", "ours", "P@10"
        );
    }
    for (set, item) in &items {
        let all: Vec<u8> = docs
            .iter()
            .map(|d| item.grade(d, coarse))
            .filter(|&g| g > 0)
            .collect();
        let grade_of = |id: &str| by_id.get(id).map(|d| item.grade(d, coarse)).unwrap_or(0);
        let corpus = corpora
            .get_mut(if per_source { source_of(item) } else { "all" })
            .context("corpus")?;

        let words: Vec<String> = format!("{} {}", item.title, item.description)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"", w.to_lowercase()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let base: Vec<u8> = sqlx::query(
            "SELECT rowid FROM baseline WHERE baseline MATCH ?1 ORDER BY bm25(baseline) LIMIT 10",
        )
        .bind(words.join(" OR "))
        .fetch_all(&mut corpus.conn)
        .await?
        .into_iter()
        .map(|r| {
            grade_of(
                corpus
                    .ext
                    .get(&r.get::<i64, _>(0))
                    .map(String::as_str)
                    .unwrap_or(""),
            )
        })
        .collect();

        let (title, description) = if one_line {
            (
                format!("{} {}", item.title, item.description),
                String::new(),
            )
        } else {
            (item.title.clone(), item.description.clone())
        };
        let text = ItemText {
            title,
            description,
            ..Default::default()
        };
        let request = RelevantRequest {
            limit: K as u32,
            as_of,
            include_dismissed: false,
        };
        let ours: Vec<u8> = corpus
            .store
            .relevant(&text, &PersonaHints::default(), &[], &request, &params)
            .await?
            .iter()
            .map(|r| grade_of(r.complaint.external_id.as_deref().unwrap_or("")))
            .collect();

        let (bn, bp, on, op) = (
            ndcg(&base, &all, K),
            precision(&base, K),
            ndcg(&ours, &all, K),
            precision(&ours, K),
        );
        if verbose {
            println!(
                "{:<9} {:<5} {bn:>6.3} {bp:>6.2}   {on:>6.3} {op:>6.2}   {}",
                item.id, item.split, item.title
            );
        }
        let source = source_of(item);
        for (st, sp, src) in [
            (*set, item.split.clone(), source),
            (*set, item.split.clone(), "all"),
            (*set, "all".to_string(), source),
            (*set, "all".to_string(), "all"),
        ] {
            sums.entry((st, sp.clone(), src, "bm25"))
                .or_default()
                .add(bn, bp);
            sums.entry((st, sp, src, "ours")).or_default().add(on, op);
        }
    }
    println!();
    println!(
        "{:<6} {:<6} {:<10}  {:>5}  {:>13}   {:>13}",
        "set", "split", "source", "items", "bm25 nDCG P@10", "ours nDCG P@10"
    );
    for st in ["plain", "hard", "labels"] {
        for sp in ["dev", "test", "all"] {
            for src in ["cfpb", "banking77", "all"] {
                let b = sums
                    .get(&(st, sp.to_string(), src, "bm25"))
                    .copied()
                    .unwrap_or_default();
                let o = sums
                    .get(&(st, sp.to_string(), src, "ours"))
                    .copied()
                    .unwrap_or_default();
                if b.n > 0 {
                    println!(
                        "{st:<6} {sp:<6} {src:<10}  {:>5}  {}   {}",
                        b.n,
                        b.show(),
                        o.show()
                    );
                }
            }
        }
    }
    for corpus in corpora.into_values() {
        corpus.store.close().await;
    }
    Ok(())
}

fn source_of(item: &EvalItem) -> &'static str {
    if item.relevant.source == "cfpb" {
        "cfpb"
    } else {
        "banking77"
    }
}

/// Documents imported into a store of their own, with plain FTS5 `bm25` over the same text
/// beside them.
struct Corpus {
    store: Store,
    conn: sqlx::SqliteConnection,
    ext: HashMap<i64, String>,
}

impl Corpus {
    async fn build(dir: &std::path::Path, name: &str, docs: &[&Doc]) -> anyhow::Result<Corpus> {
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
        let db = dir.join(format!("{name}.db"));
        let store = Store::open(&db).await?;
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
        eprintln!(
            "corpus {name}: {} complaints ({} CFPB narratives, {} banking77 messages)",
            s.imported,
            docs.iter().filter(|d| d.source == "cfpb").count(),
            docs.iter().filter(|d| d.source == "banking77").count()
        );
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
        sqlx::query("CREATE VIRTUAL TABLE baseline USING fts5(body)")
            .execute(&mut conn)
            .await?;
        sqlx::query("INSERT INTO baseline (rowid, body) SELECT seq, body FROM complaints")
            .execute(&mut conn)
            .await?;
        let ext = sqlx::query("SELECT seq, external_id FROM complaints")
            .fetch_all(&mut conn)
            .await?
            .into_iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
            .collect();
        Ok(Corpus { store, conn, ext })
    }
}
