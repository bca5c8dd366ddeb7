//! Crash safety: real `chair` processes are killed with SIGKILL at random (seeded) moments
//! while they write. After every kill the database must open, pass SQLite's integrity check
//! and the full-text index checks, its decision chain must verify, every decision the command
//! acknowledged (printed) must be there with the hash it printed, and an import must be whole
//! batches only, finished by importing the file again without doubles.
//!
//! `CHAIR_CRASH_ROUNDS` sets the rounds (bounded by default so the suite stays fast; `make
//! soak` runs many more), `CHAIR_SEED` the seed; a failure names both to replay it.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chair_store::Store;

use crate::support::{Db, decision_args, stdout};

/// Concurrent writers per decision round.
const WRITERS: usize = 3;

fn rounds(default: usize) -> usize {
    std::env::var("CHAIR_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("CHAIR_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(47)
}

fn spawn(db: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_chair"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("EMPTY_CHAIR_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chair starts")
}

/// The `(seq, hash)` a `chair decision add` printed, if it got that far.
fn acknowledged(out: &str) -> Option<(i64, String)> {
    let rest = &out[out.find("entry ")? + "entry ".len()..];
    let (seq, rest) = rest.split_once(", hash ")?;
    let hash = rest.split_whitespace().next()?;
    Some((seq.trim().parse().ok()?, hash.to_string()))
}

/// Kills `child` at `at` after `start` unless it has ended; returns what it printed and
/// whether the kill cut it short.
fn kill_at(mut child: Child, start: Instant, at: Duration) -> (String, bool) {
    if let Some(wait) = at.checked_sub(start.elapsed()) {
        std::thread::sleep(wait);
    }
    let cut = matches!(child.try_wait(), Ok(None));
    if cut {
        child.kill().expect("SIGKILL");
    }
    let out = child.wait_with_output().expect("the process is reaped");
    (stdout(&out), cut)
}

/// The window kill moments are drawn from. It starts at how long an uninterrupted run took and
/// adapts: wider when every process was killed before it finished (processes running side by
/// side take longer), narrower when none was, so that kills land before, during and after the
/// commit rather than all on one side of it.
struct Span(Duration);

impl Span {
    fn new(first: Duration) -> Self {
        Self(first.max(Duration::from_millis(20)))
    }

    fn pick(&self, rng: &mut fastrand::Rng) -> Duration {
        Duration::from_millis(rng.u64(0..=self.0.as_millis() as u64))
    }

    fn adapt(&mut self, cut: usize, of: usize) {
        if cut == of {
            self.0 = self.0.mul_f64(1.25);
        } else if cut == 0 {
            self.0 = self.0.mul_f64(0.85).max(Duration::from_millis(20));
        }
    }
}

/// Opens the database the way the app does after a crash and checks all of it.
async fn open_and_check(db: &Path, context: &str) -> Store {
    let store = Store::open(db)
        .await
        .unwrap_or_else(|e| panic!("{context}: the database does not open after the kill: {e}"));
    let report = store
        .check()
        .await
        .unwrap_or_else(|e| panic!("{context}: the check fails: {e}"));
    assert!(
        report.healthy(),
        "{context}: damage after the kill: {report:?}"
    );
    store
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_decision_writes_lose_nothing_acknowledged() {
    let (seed, rounds) = (seed(), rounds(40));
    let db = Db::new();
    assert!(db.chair(&["demo"]).status.success());

    // How long one write takes here, so kills spread over the whole of it.
    let started = Instant::now();
    let calibration = db.chair(
        &decision_args("Keep a phone line for customers over seventy")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(calibration.status.success(), "{}", stdout(&calibration));
    let mut acked = vec![acknowledged(&stdout(&calibration)).expect("an acknowledgement")];
    let mut span = Span::new(started.elapsed().mul_f64(1.3));

    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut kills, mut cut_short) = (0, 0);
    for round in 0..rounds {
        let context = format!("CHAIR_SEED={seed} round {round}");
        let start = Instant::now();
        let mut writers: Vec<(Duration, Child)> = (0..WRITERS)
            .map(|w| {
                let statement = format!("Round {round}, writer {w}: keep a phone line open");
                let args = decision_args(&statement);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                (span.pick(&mut rng), spawn(&db.path, &args))
            })
            .collect();
        writers.sort_by_key(|(at, _)| *at);
        let mut cut_this_round = 0;
        for (at, child) in writers {
            let (out, cut) = kill_at(child, start, at);
            kills += 1;
            cut_this_round += usize::from(cut);
            if let Some(ack) = acknowledged(&out) {
                acked.push(ack);
            }
        }
        cut_short += cut_this_round;
        span.adapt(cut_this_round, WRITERS);

        let store = open_and_check(&db.path, &context).await;
        for (seq, hash) in &acked {
            let entry = store
                .log_entry(*seq)
                .await
                .unwrap_or_else(|e| panic!("{context}: acknowledged entry {seq} is gone: {e}"));
            assert_eq!(&entry.hash, hash, "{context}: entry {seq} changed");
        }
        store.close().await;
    }
    assert!(
        cut_short > 0 && acked.len() > 1,
        "the kills landed both before and after writes finished: {cut_short} cut short, {} acknowledged",
        acked.len()
    );
    eprintln!(
        "crash (decisions): seed {seed}, {rounds} rounds, {kills} kills ({cut_short} cut a write short), {} acknowledged decisions all present, chain and indexes intact",
        acked.len()
    );
}

/// A complaint export of `rows` distinct complaints (and a few repeated rows, which are
/// duplicates, not new complaints).
fn export_file(path: &Path, rows: usize) -> usize {
    const WHAT: [&str; 6] = [
        "The card was declined at the till",
        "The app logged me out during a transfer",
        "My statement shows a fee I never agreed to",
        "Nobody answered the support chat for an hour",
        "The login code arrived after it expired",
        "My salary was paid a day late",
    ];
    const WHERE: [&str; 4] = ["in the app", "on the website", "by phone", "in branch"];
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("export file"));
    writeln!(f, "id,date,title,text").expect("write");
    for i in 0..rows {
        let what = WHAT[i % WHAT.len()];
        let place = WHERE[(i / WHAT.len()) % WHERE.len()];
        writeln!(
            f,
            "C-{i},2026-{:02}-{:02},\"{what}\",\"{what} {place}, case {i}. I want this fixed.\"",
            1 + i % 11,
            1 + i % 28
        )
        .expect("write");
        if i % 997 == 0 {
            // The same row again: a duplicate inside the file.
            writeln!(
                f,
                "C-{i},2026-{:02}-{:02},\"{what}\",\"{what} {place}, case {i}. I want this fixed.\"",
                1 + i % 11,
                1 + i % 28
            )
            .expect("write");
        }
    }
    f.flush().expect("write");
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_imports_keep_whole_batches_and_resume_without_doubles() {
    let (seed, rounds) = (seed(), rounds(40) / 5 + 2);
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join("export.csv");
    let expected = export_file(&file, 25_000) as i64;
    let file = file.to_str().expect("a UTF-8 path");

    // How long a whole import takes here.
    let reference = Db::new();
    let started = Instant::now();
    let out = reference.chair(&["import", file]);
    assert!(out.status.success(), "{}", stdout(&out));
    let mut span = Span::new(started.elapsed().mul_f64(1.2));
    assert!(
        stdout(&out).contains(&format!("imported    {expected}")),
        "{}",
        stdout(&out)
    );

    let mut rng = fastrand::Rng::with_seed(seed ^ 0x1417);
    let (mut kills, mut cut_short, mut partial) = (0, 0, 0);
    for round in 0..rounds {
        // Each round on a database of its own, so every kill lands in a first import.
        let db = Db::new();
        let context = format!("CHAIR_SEED={seed} import round {round}");
        let start = Instant::now();
        let child = spawn(&db.path, &["import", file]);
        let (_, cut) = kill_at(child, start, span.pick(&mut rng));
        kills += 1;
        cut_short += usize::from(cut);
        span.adapt(usize::from(cut), 1);

        let store = open_and_check(&db.path, &context).await;
        let stored = store.status().await.expect("status").complaints;
        let imports = store.imports().await.expect("imports");
        let counted: i64 = imports.iter().map(|i| i.imported).sum();
        assert_eq!(
            stored, counted,
            "{context}: the complaints stored are exactly those the imports counted (whole batches only)"
        );
        assert!(
            stored <= expected,
            "{context}: {stored} > {expected}: doubles"
        );
        partial += usize::from(stored > 0 && stored < expected);
        store.close().await;

        // Importing again finishes the job, without doubles.
        if cut {
            let out = db.chair(&["import", file]);
            assert!(out.status.success(), "{context}: {}", stdout(&out));
            let store = open_and_check(&db.path, &context).await;
            assert_eq!(
                store.status().await.expect("status").complaints,
                expected,
                "{context}: the second import completes the first, without doubles"
            );
            store.close().await;
        }
    }

    assert!(
        cut_short > 0,
        "at least one kill cut an import short ({kills} kills)"
    );
    eprintln!(
        "crash (imports): seed {seed}, {kills} kills ({cut_short} cut an import short, {partial} left it partly done), resumed to exactly {expected} complaints, no doubles"
    );
}

/// The decision log of the database at `db`: `(seq, hash)` of every entry, after a full check.
async fn log_of(db: &Path, context: &str) -> Vec<(i64, String)> {
    let store = open_and_check(db, context).await;
    let report = store.verify_log().await.expect("verify");
    let mut entries = Vec::new();
    for seq in 1..=report.entries {
        let e = store.log_entry(seq).await.expect("an entry");
        entries.push((seq, e.hash));
    }
    store.close().await;
    entries
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_restores_leave_a_whole_database_and_set_nothing_acknowledged_adrift() {
    let (seed, rounds) = (seed(), rounds(40) / 4 + 2);
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x2e57);
    let mut span = Span::new(Duration::from_millis(150));
    let (mut kills, mut cut_short, mut restored, mut untouched) = (0, 0, 0, 0);
    for round in 0..rounds {
        let context = format!("CHAIR_SEED={seed} restore round {round}");
        let db = Db::new();
        assert!(db.chair(&["demo"]).status.success(), "{context}: demo");
        let mut acked = Vec::new();
        for n in 0..3 {
            if n == 2 {
                let out = db.chair(&["backup"]);
                assert!(out.status.success(), "{context}: backup: {}", stdout(&out));
            }
            let args = decision_args(&format!("Round {round}, decision {n}"));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = db.chair(&args);
            acked.push(acknowledged(&stdout(&out)).expect("an acknowledged decision"));
        }

        let start = Instant::now();
        let child = spawn(&db.path, &["restore", "--latest"]);
        let (_, cut) = kill_at(child, start, span.pick(&mut rng));
        kills += 1;
        cut_short += usize::from(cut);
        span.adapt(usize::from(cut), 1);

        let now = log_of(&db.path, &context).await;
        if now == acked {
            untouched += 1;
            continue;
        }
        // Restored: the backup's two decisions, and the replaced file set aside whole.
        assert_eq!(
            now,
            acked[..2],
            "{context}: the database is either the old one or the backup, nothing in between"
        );
        restored += 1;
        let folder = db.path.parent().expect("a folder");
        let aside = std::fs::read_dir(folder)
            .expect("the folder")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| {
                let name = p.to_string_lossy();
                name.contains("before-restore")
                    && !name.ends_with("-wal")
                    && !name.ends_with("-shm")
                    && !name.ends_with(".inuse")
            })
            .unwrap_or_else(|| panic!("{context}: the replaced file was set aside"));
        assert_eq!(
            log_of(&aside, &context).await,
            acked,
            "{context}: the set-aside file holds every acknowledged decision"
        );
    }
    assert!(
        cut_short > 0 && restored > 0,
        "kills landed during restores ({cut_short} cut short) and some restores finished ({restored})"
    );
    eprintln!(
        "crash (restores): seed {seed}, {kills} kills ({cut_short} cut a restore short): {untouched} left the database as it was, {restored} restored it with the old file set aside whole"
    );
}

/// Whether the language model is installed; outside CI a test that needs it is skipped
/// without it (`make model` installs it), in CI its absence fails the run.
fn model_installed() -> bool {
    let found = chair_embed::find_model_dir()
        .join("model.safetensors")
        .is_file();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "the language model is not installed (make model)"
    );
    found
}

#[test]
fn a_killed_embedding_run_keeps_its_batches_and_the_next_run_does_only_the_rest() {
    use std::io::BufRead;
    if !model_installed() {
        eprintln!("the language model is not installed (make model): skipped");
        return;
    }
    const ROWS: i64 = 320;
    let db = Db::new();
    let file = db.path.with_file_name("complaints.csv");
    let mut csv = String::from("id,text\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "{i},Complaint {i}: my card was declined {} times at the shop\n",
            i % 7
        ));
    }
    std::fs::write(&file, csv).expect("write the export");
    let out = db.chair(&["import", file.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_chair"))
        .arg("--db")
        .arg(&db.path)
        .arg("embed")
        .env_remove("EMPTY_CHAIR_DB")
        .env("CHAIR_PROGRESS_EVERY_MS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chair starts");
    // Kill it once it has said that two batches are stored.
    let lines = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut acknowledged = 0;
    for line in lines.lines() {
        let line = line.expect("a line of progress");
        if let Some(n) = line
            .strip_prefix("embedding complaints: ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<i64>().ok())
            && n >= 32
        {
            acknowledged = n;
            break;
        }
    }
    let cut = matches!(child.try_wait(), Ok(None));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(
        cut && (32..ROWS).contains(&acknowledged),
        "the run was killed part way ({acknowledged} of {ROWS} said done)"
    );

    let out = db.chair(&["embed", "--json"]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let now = report["embedded_now"].as_i64().expect("embedded_now");
    assert_eq!(
        report["embedded"], ROWS,
        "every complaint is embedded: {report}"
    );
    assert_eq!(report["total"], ROWS);
    assert!(
        now <= ROWS - acknowledged && now > 0,
        "the second run kept what the first stored and did only the rest: {report}, {acknowledged} acknowledged before the kill"
    );
}
