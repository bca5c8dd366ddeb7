//! Speed, measured: import rows/s and relevant-complaint query latency at several corpus
//! sizes, each next to the same work done by plain SQLite (the `sqlite3` shell loading the
//! same rows into a table and an FTS5 index; a bare `bm25` top-10 query), as a ratio.
//!
//! Usage: bench [--sizes 10000,100000,1000000] [--rounds N] [--reuse]
//! Needs the release `chair` binary (`make bench` builds it) and the `sqlite3` shell.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chair_bench::corpus::{Pool, flush, write_csv};
use chair_bench::data::repo_root;
use chair_core::relevance::{ItemText, Params, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;
use sqlx::Connection;

/// What ranking agenda items ahead costs, and reading their ready lists, in ms.
struct Ahead {
    per_item: f64,
    read_p50: f64,
    read_p95: f64,
}

/// Plans a meeting of the benchmark's items in the database at `db`, ranks them ahead (as
/// the app does when items are saved), then reads each item's list `rounds` times as live
/// mode does. The meeting is deleted afterwards.
async fn ranked_ahead(db: &Path, rounds: usize) -> anyhow::Result<Ahead> {
    use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
    let store = Store::open(db).await?;
    store.warm_relevance().await?;
    let draft = MeetingDraft {
        title: "Benchmark: items ranked ahead".into(),
        items: ITEMS
            .iter()
            .map(|(title, description, _)| AgendaItemDraft {
                title: (*title).into(),
                description: (*description).into(),
                timebox_minutes: 10,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let meeting = store
        .create_meeting(&chair_core::validate::Valid::parse(draft)?)
        .await?;
    let t = Instant::now();
    let done = store.prepare_item_lists(chrono::Utc::now()).await?;
    let per_item = t.elapsed().as_secs_f64() * 1000.0 / done.ranked.max(1) as f64;
    let items = store.meeting(meeting).await?.items;
    let request = RelevantRequest {
        limit: 10,
        as_of: None,
        include_dismissed: false,
    };
    let mut reads = Vec::new();
    for _ in 0..rounds {
        for item in &items {
            let t = Instant::now();
            if store.relevant_for_item(item.id, &request).await?.is_empty() {
                bail!("no ready list for {}", item.title);
            }
            reads.push(t.elapsed());
        }
    }
    reads.sort();
    store.delete_meeting(meeting).await?;
    store.close().await;
    Ok(Ahead {
        per_item,
        read_p50: percentile(&reads, 0.5),
        read_p95: percentile(&reads, 0.95),
    })
}

/// Asked first in each round, so that statistics and stems are in memory.
fn warm_up() -> ItemText {
    ItemText {
        title: "Branch closures".into(),
        description: "Customers miss their local branch and wait on the phone instead.".into(),
        ..Default::default()
    }
}

/// Agenda items as facilitators write them, and some worded in the commonest words.
const ITEMS: &[(&str, &str, bool)] = &[
    (
        "Cards not arriving",
        "Customers say their new card never arrived; should we add delivery tracking?",
        false,
    ),
    (
        "Overdraft fees after late salary",
        "People are charged when their pay is a day late; consider a grace period.",
        false,
    ),
    (
        "Disputed card payments",
        "Refunds for disputed transactions take weeks; can we speed up chargebacks?",
        false,
    ),
    (
        "Credit report errors",
        "Customers find accounts on their credit report that are not theirs.",
        false,
    ),
    (
        "Debt collection calls",
        "Collectors keep calling about debts people say they do not owe.",
        false,
    ),
    (
        "Mortgage payment problems",
        "Payments applied late by the servicer lead to late fees and escrow shortages.",
        false,
    ),
    (
        "Transfers stuck pending",
        "Bank transfers show as pending for days and the money never reaches the recipient.",
        false,
    ),
    (
        "Exchange rate complaints",
        "Customers think our currency exchange rate on card payments abroad is unfair.",
        false,
    ),
    (
        "ATM cash not dispensed",
        "The ATM took the card or gave no cash but the account was debited.",
        false,
    ),
    (
        "Identity verification failing",
        "New customers cannot pass ID checks when opening an account.",
        false,
    ),
    (
        "Student loan servicing",
        "Borrowers say their student loan payments were misapplied by the servicer.",
        false,
    ),
    (
        "Fraud on cards",
        "Unauthorised transactions on cards and slow fraud claims handling.",
        false,
    ),
    (
        "Account problems",
        "Customers have problems with their account and their money at the bank.",
        true,
    ),
    (
        "Payment issue",
        "There is an issue with a payment on the account.",
        true,
    ),
    (
        "Bank service",
        "Why are people unhappy with the bank and the service they get from us?",
        true,
    ),
    (
        "Card and account",
        "Card, account, bank, money, payment: what do customers say?",
        true,
    ),
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn chair_bin() -> PathBuf {
    repo_root().join("target/release/chair")
}

/// Imports `csv` with `chair import` in its own process; returns seconds and peak RSS (kB).
/// The database is created first, untimed: making a new database's schema is not part of
/// an import (the app's database exists before anything is imported into it).
fn chair_import(db: &Path, csv: &Path) -> anyhow::Result<(f64, u64, u64)> {
    let created = Command::new(chair_bin())
        .arg("--db")
        .arg(db)
        .arg("imports")
        .stdout(Stdio::null())
        .status()
        .context("running target/release/chair")?;
    if !created.success() {
        bail!("chair could not create {}", db.display());
    }
    let start = Instant::now();
    let out = Command::new(chair_bin())
        .args(["--db"])
        .arg(db)
        .args(["import", "--json"])
        .arg(csv)
        .env("CHAIR_REPORT_PEAK_RSS", "1")
        .stderr(Stdio::piped())
        .output()
        .context(
            "running target/release/chair (build it with `cargo build --release -p chair-cli`)",
        )?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "chair import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.strip_prefix("peak-rss-kb: ")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0);
    Ok((secs, rss, summary["imported"].as_u64().unwrap_or(0)))
}

/// How many times an import of `n` rows is measured.
fn import_runs(n: usize) -> usize {
    match n {
        0..=20_000 => 5,
        20_001..=200_000 => 3,
        _ => 1,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds, as medians: `chair relevant` for each agenda item in its own process (opening
/// the database, reading its kept statistics, ranking, printing JSON), against the `sqlite3`
/// shell answering the same words with a bare FTS5 bm25 top-10 in its own process.
fn whole_process(ours_db: &Path, base_db: &Path) -> anyhow::Result<(f64, f64)> {
    let timed = |cmd: &mut Command| -> anyhow::Result<f64> {
        let t = Instant::now();
        let status = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status()?;
        if !status.success() {
            bail!("{cmd:?} failed: {status}");
        }
        Ok(t.elapsed().as_secs_f64() * 1e3)
    };
    // Once untimed: the first run after an import samples the statistics and keeps them.
    timed(
        Command::new(chair_bin())
            .arg("--db")
            .arg(ours_db)
            .args(["relevant", "warm up"]),
    )?;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for (title, description, _) in ITEMS {
            let text = format!("{title} {description}");
            let words: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| format!("\"{}\"", w.to_lowercase()))
                .collect();
            ours.push(timed(
                Command::new(chair_bin())
                    .arg("--db")
                    .arg(ours_db)
                    .args(["relevant", &text, "--json"]),
            )?);
            let sql = format!(
                "SELECT rowid FROM f WHERE f MATCH '{}' ORDER BY rank LIMIT 10;",
                words.join(" OR ").replace('\'', "''")
            );
            base.push(timed(Command::new("sqlite3").arg(base_db).arg(sql))?);
        }
    }
    Ok((median(&mut ours), median(&mut base)))
}

/// Loads `csv` with the `sqlite3` shell into a plain table and an FTS5 index.
fn sqlite_import(db: &Path, csv: &Path) -> anyhow::Result<f64> {
    let script = format!(
        "PRAGMA journal_mode=WAL;\n\
         CREATE TABLE t(ticket_id, created_at, subject, description, product, segment, channel, priority);\n\
         .import --csv --skip 1 {} t\n\
         CREATE VIRTUAL TABLE f USING fts5(subject, description, content='t', content_rowid='rowid');\n\
         INSERT INTO f(rowid, subject, description) SELECT rowid, subject, description FROM t;\n",
        csv.display()
    );
    let start = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("running the sqlite3 shell (Debian package sqlite3)")?;
    use std::io::Write;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(script.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("sqlite3 failed");
    }
    Ok(start.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("CHAIR_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .without_time()
            .init();
    }
    let mut sizes = vec![10_000usize, 100_000, 1_000_000];
    let mut rounds = 3usize;
    let mut reuse = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => {
                sizes = args
                    .next()
                    .context("--sizes 10000,100000")?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => rounds = args.next().context("--rounds N")?.parse()?,
            // Query the databases a previous run left, without importing again (for profiling).
            "--reuse" => reuse = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let work = repo_root().join("target/bench");
    std::fs::create_dir_all(&work)?;
    let pool = Pool::load()?;
    println!(
        "Import and query benchmarks ({} real sentences, {} real messages recombined, seed 7)",
        pool.sentences.len(),
        pool.messages.len()
    );
    println!();
    println!(
        "{:>9} {:>8} | {:>10} {:>9} {:>9} | {:>10} {:>6} | {:>13} {:>13} {:>13} {:>13} {:>15} | {:>13} | {:>9}",
        "rows",
        "MB",
        "import s",
        "rows/s",
        "peak MB",
        "sqlite3 s",
        "ratio",
        "first p50/p95",
        "again p50/p95",
        "opened p50/95",
        "common p50/95",
        "bm25 p50/p95",
        "ratio p50/95",
        "warm-up ms"
    );
    let mut whole: Vec<(usize, (f64, f64))> = Vec::new();
    let mut ahead: Vec<(usize, Ahead, f64)> = Vec::new();
    for &n in &sizes {
        let csv = work.join(format!("corpus-{n}.csv"));
        if !csv.exists() {
            write_csv(&csv, n, 7, &pool)?;
        }
        let mb = std::fs::metadata(&csv)?.len() as f64 / 1e6;
        let ours_db = work.join(format!("ours-{n}.db"));
        let base_db = work.join(format!("sqlite3-{n}.db"));
        let (ours_s, rss_kb, imported, base_s) = if reuse && ours_db.exists() && base_db.exists() {
            (f64::NAN, 0, 0, f64::NAN)
        } else {
            // Small imports take a fraction of a second, where this machine's noise is a
            // third of the time: they run several times, the two tools taking turns, and
            // each keeps its median.
            let runs = import_runs(n);
            let (mut ours, mut base, mut rss_kb, mut imported) = (Vec::new(), Vec::new(), 0, 0);
            for _ in 0..runs {
                for p in [&ours_db, &base_db] {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                    }
                }
                let (secs, rss, stored) = chair_import(&ours_db, &csv)?;
                ours.push(secs);
                (rss_kb, imported) = (rss_kb.max(rss), stored);
                base.push(sqlite_import(&base_db, &csv)?);
            }
            (median(&mut ours), rss_kb, imported, median(&mut base))
        };

        // Queries. Each round opens the database afresh, reads ahead as the app does after
        // opening (timed: "warm-up"), and asks one other item, so that statistics, stems and
        // connections are warm as in an app open for a while. Each item is then asked with
        // only what the read-ahead keeps ("opened": its first query in the app, once the
        // read-ahead is done); then with nothing kept from earlier searches ("first": every
        // candidate read and stemmed); then again, its candidates kept (as when the room
        // returns to an item, or pins or dismisses a complaint).
        let params = Params::default();
        let request = RelevantRequest {
            limit: 10,
            as_of: None,
            include_dismissed: false,
        };
        let (mut first, mut again, mut common) = (Vec::new(), Vec::new(), Vec::new());
        let (mut opened, mut warming) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let store = Store::open(&ours_db).await?;
            let t = Instant::now();
            store.warm_relevance().await?;
            warming.push(t.elapsed());
            store
                .relevant(&warm_up(), &PersonaHints::default(), &[], &request, &params)
                .await?;
            for (title, description, is_common) in ITEMS {
                let item = ItemText {
                    title: (*title).into(),
                    description: (*description).into(),
                    ..Default::default()
                };
                let ask = || async {
                    let t = Instant::now();
                    let r = store
                        .relevant(&item, &PersonaHints::default(), &[], &request, &params)
                        .await?;
                    if r.is_empty() {
                        bail!("no result for {title}");
                    }
                    Ok(t.elapsed())
                };
                if *is_common {
                    store.forget_relevance_candidates();
                    common.push(ask().await?);
                    continue;
                }
                store.forget_relevance_candidates();
                store.warm_relevance().await?;
                opened.push(ask().await?);
                store.forget_relevance_candidates();
                first.push(ask().await?);
                again.push(ask().await?);
            }
            store.close().await;
        }
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", base_db.display())).await?;
        let mut base = Vec::new();
        for _ in 0..rounds {
            for (title, description, _) in ITEMS {
                let words: Vec<String> = format!("{title} {description}")
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| format!("\"{}\"", w.to_lowercase()))
                    .collect();
                let t = Instant::now();
                let _: Vec<(i64,)> =
                    sqlx::query_as("SELECT rowid FROM f WHERE f MATCH ?1 ORDER BY rank LIMIT 10")
                        .bind(words.join(" OR "))
                        .fetch_all(&mut conn)
                        .await?;
                base.push(t.elapsed());
            }
        }
        conn.close().await?;
        let mut all: Vec<Duration> = first.iter().chain(&common).copied().collect();
        for v in [
            &mut first,
            &mut again,
            &mut opened,
            &mut warming,
            &mut common,
            &mut base,
            &mut all,
        ] {
            v.sort();
        }
        println!(
            "{:>9} {:>8.0} | {:>10.2} {:>9.0} {:>9.0} | {:>10.2} {:>6.2} | {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>7.1} {:>7.1} | {:>6.1} {:>6.1} | {:>9.0}",
            n,
            mb,
            ours_s,
            imported as f64 / ours_s,
            rss_kb as f64 / 1024.0,
            base_s,
            ours_s / base_s,
            percentile(&first, 0.5),
            percentile(&first, 0.95),
            percentile(&again, 0.5),
            percentile(&again, 0.95),
            percentile(&opened, 0.5),
            percentile(&opened, 0.95),
            percentile(&common, 0.5),
            percentile(&common, 0.95),
            percentile(&base, 0.5),
            percentile(&base, 0.95),
            percentile(&all, 0.5) / percentile(&base, 0.5).max(1e-3),
            percentile(&all, 0.95) / percentile(&base, 0.95).max(1e-3),
            percentile(&warming, 0.5),
        );
        flush();
        ahead.push((
            n,
            ranked_ahead(&ours_db, rounds).await?,
            percentile(&base, 0.5),
        ));
        whole.push((n, whole_process(&ours_db, &base_db)?));
    }
    println!();
    println!(
        "Ranked ahead: the benchmark's items as the agenda of a planned meeting, ranked as the app does when they"
    );
    println!(
        "are saved or complaints arrive, then read by live mode and the seat (top 10 with the item's marks), ms:"
    );
    for (n, a, bm25) in &ahead {
        println!(
            "{n:>9} rows: ranking ahead {:.1} per item; reading a ready list p50 {:.2} / p95 {:.2} (bm25 p50 {bm25:.2}, ratio {:.2})",
            a.per_item,
            a.read_p50,
            a.read_p95,
            a.read_p50 / bm25.max(1e-3)
        );
    }
    println!();
    println!("Whole process, one agenda item each, median over the items asked three times each:");
    for (n, (ours, base)) in &whole {
        println!(
            "{n:>9} rows: `chair relevant` {ours:.1} ms, the `sqlite3` shell's bm25 top-10 {base:.1} ms, ratio {:.2} (target 1.0)",
            ours / base
        );
    }
    println!();
    println!(
        "import: `chair import` of the CSV (redaction, de-duplication, full-text index), one process, wall time,"
    );
    println!(
        "        into an empty database created beforehand (its schema, untimed); the median of 5 runs up to 20k"
    );
    println!("        rows, of 3 up to 200k, else one run, each tool's own median;");
    println!(
        "        sqlite3: the shell's .import into a plain table, then an FTS5 index over subject and description."
    );
    println!(
        "query:  Empty Chair's relevant complaints (top 10), ms: an item's first query (no complaint kept) and"
    );
    println!(
        "        the same item again (its candidates then cached); opened = an item's first query with only what the"
    );
    println!(
        "        read-ahead at open keeps (as in the app); common = first queries of items in the commonest words;"
    );
    println!(
        "        bm25: a bare FTS5 bm25 top-10 over the same words; ratio: first and common against bm25."
    );
    println!(
        "warm-up: the read-ahead at open (statistics, newest complaints), ms. Files and databases stay in target/bench."
    );
    Ok(())
}
