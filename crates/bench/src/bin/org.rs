//! The organisation log, measured on a throwaway PostgreSQL 15 cluster (the one the
//! organisation crate's tests start): pushing 10,000 and 100,000 entries from a laptop
//! (entries/s, against PostgreSQL's own `COPY` of the same rows into a plain table), verifying
//! 100,000 entries from 10 laptops, and the organisation audit query's p95 at 100,000 entries.
//!
//! Usage: org [--sizes 10000,100000] [--devices 10] [--per-device 10000] [--queries 200]

#[allow(dead_code)]
#[path = "../../../org/tests/org/cluster.rs"]
mod cluster;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chair_bench::corpus::flush;
use chair_core::Valid;
use chair_core::decision::{DecisionDraft, Direction, Size, Stance};
use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
use chair_org::{AuditQuery, Org};
use chair_store::Store;
use chrono::Utc;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `q` quantile of `times` (sorted here), in milliseconds.
fn quantile(times: &mut [Duration], q: f64) -> f64 {
    times.sort();
    ms(times[((times.len() as f64 - 1.0) * q).round() as usize])
}

/// A laptop whose log holds `n` decisions.
async fn laptop(n: usize, seed: u64) -> anyhow::Result<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("empty-chair.db")).await?;
    let meeting = store
        .create_meeting(&Valid::parse(MeetingDraft {
            title: "Product council".into(),
            items: vec![AgendaItemDraft {
                title: "Overdraft fees".into(),
                timebox_minutes: 15,
                ..Default::default()
            }],
            ..Default::default()
        })?)
        .await?;
    let item = store.meeting(meeting).await?.items[0].id;
    let mut rng = fastrand::Rng::with_seed(seed);
    let directions = [
        Direction::Helps,
        Direction::Hurts,
        Direction::Mixed,
        Direction::Neutral,
    ];
    let mut left = n;
    while left > 0 {
        let k = left.min(5_000);
        let batch: Vec<Valid<DecisionDraft>> = (0..k)
            .map(|i| {
                Valid::parse(DecisionDraft {
                    meeting_id: meeting,
                    agenda_item_id: Some(item),
                    statement: format!(
                        "Add a same-day grace period before the overdraft fee, take {}",
                        n - left + i
                    ),
                    decided_by: "Hannah K.".into(),
                    direction: directions[rng.usize(..directions.len())],
                    size: Size::Medium,
                    impact:
                        "Customers whose salary is a day late stop paying a fee they did not expect"
                            .into(),
                    personas: vec![],
                    evidence: vec![],
                    no_evidence: true,
                    stance: Stance::Agrees,
                    advocate_note: String::new(),
                    follow_ups: vec![],
                    on_screen: vec![],
                })
            })
            .collect::<Result<_, _>>()?;
        store.record_decisions(&batch, Utc::now()).await?;
        left -= k;
    }
    Ok((store, dir))
}

async fn enrolled(store: &Store, url: &str, team: &str, name: &str) -> anyhow::Result<Org> {
    chair_org::enrol(store.path(), url, team, name).await?;
    Ok(Org::open(store.path()).await?)
}

/// Seconds PostgreSQL's `COPY` takes to load the rows `device` pushed into a plain table.
async fn copy_seconds(db: &cluster::TestDb, device: uuid::Uuid) -> anyhow::Result<f64> {
    let su = db.superuser().await;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS bench_copy (device_id uuid, seq bigint, entry_id uuid, canonical bytea,
                                             hash bytea, prev_hash bytea, signature bytea); TRUNCATE bench_copy;",
    )
    .execute(&su)
    .await?;
    // The rows as COPY's text format, prepared before the clock starts.
    let text: String = sqlx::query_scalar(
        "SELECT string_agg(format(E'%s\\t%s\\t%s\\t\\\\\\\\x%s\\t\\\\\\\\x%s\\t\\\\\\\\x%s\\t\\\\\\\\x%s', device_id, seq, entry_id,
                encode(canonical, 'hex'), encode(hash, 'hex'), encode(prev_hash, 'hex'), encode(signature, 'hex')), E'\\n' ORDER BY seq)
           FROM org.entries WHERE device_id = $1",
    )
    .bind(device)
    .fetch_one(&su)
    .await?;
    let mut conn = su.acquire().await?;
    let started = Instant::now();
    let mut copy = conn.copy_in_raw("COPY bench_copy FROM STDIN").await?;
    copy.send(text.into_bytes()).await?;
    copy.send(b"\n".to_vec()).await?;
    let rows = copy.finish().await?;
    let took = started.elapsed().as_secs_f64();
    drop(conn);
    su.close().await;
    if rows == 0 {
        bail!("COPY loaded nothing");
    }
    Ok(took)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut sizes = vec![10_000usize, 100_000];
    let mut devices = 10usize;
    let mut per_device = 10_000usize;
    let mut queries = 200usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().context("a value after the flag");
        match a.as_str() {
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--devices" => devices = value()?.parse()?,
            "--per-device" => per_device = value()?.parse()?,
            "--queries" => queries = value()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    let Some(db) = cluster::database().await else {
        bail!("PostgreSQL 15 is needed for these figures (make deps installs it)");
    };
    println!(
        "push: the laptop checks its own log, lifts each entry to form 2, signs it, and sends batches of 1,000"
    );
    for (i, &n) in sizes.iter().enumerate() {
        print!("  {n} entries: recording them locally… ");
        flush();
        let (store, _dir) = laptop(n, i as u64).await?;
        let n = store.log_head().await?.entries as f64;
        let url = db.url(cluster::LAPTOP_A);
        let mut org = enrolled(&store, &url, "red", &format!("Push laptop {i}")).await?;
        let started = Instant::now();
        let p = org.push(&store).await?;
        let took = started.elapsed().as_secs_f64();
        let copy = copy_seconds(&db, org.settings().device_id).await?;
        println!(
            "pushed {} in {:.2} s: {:.0} entries/s; COPY of the same rows {:.3} s ({:.0} rows/s); push/COPY = {:.2}",
            p.pushed,
            took,
            n / took,
            copy,
            n / copy,
            (n / took) / (n / copy)
        );
        org.close().await;
        store.close().await;
    }
    let Some(db2) = cluster::database().await else {
        unreachable!("the cluster is running")
    };
    println!("verify: {devices} laptops × {per_device} entries");
    let mut keep = Vec::new();
    for d in 0..devices {
        let (store, dir) = laptop(per_device, 100 + d as u64).await?;
        let url = db2.url(cluster::LAPTOP_B);
        let mut org = enrolled(
            &store,
            &url,
            &format!("team {}", d % 3),
            &format!("Laptop {d}"),
        )
        .await?;
        org.push(&store).await?;
        org.close().await;
        store.close().await;
        keep.push(dir);
    }
    let (leader_store, _leader_dir) = laptop(0, 999).await?;
    let mut leader = enrolled(&leader_store, &db2.url(cluster::AUDITOR), "audit", "Leader").await?;
    let started = Instant::now();
    let sealed = leader.seal().await?;
    println!(
        "  seal of {} leaves: {:.2} s",
        sealed.tree_size,
        started.elapsed().as_secs_f64()
    );
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let r = leader.verify().await?;
        let took = started.elapsed().as_secs_f64();
        if !r.intact {
            bail!("the benchmark's log does not verify: {}", r.summary());
        }
        best = best.min(took);
        println!(
            "  org verify: {:.2} s ({}) [target ≤ 3 s]",
            took,
            r.summary()
        );
    }
    println!("  best of 3: {best:.2} s");
    let started = Instant::now();
    let log = leader.read_log(None).await?;
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let r = chair_org::verify::verify(&log, &[]);
    println!(
        "  of which reading from the server {read:.2} s, checking {:.2} s ({} entries)",
        started.elapsed().as_secs_f64(),
        r.entries
    );
    println!(
        "audit query: newest 200 matching entries as the auditor, {queries} random filters over team, laptop, direction and date"
    );
    // Statistics as autovacuum keeps them on a server in use.
    db2.exec("ANALYZE").await;
    let device_ids: Vec<uuid::Uuid> = leader
        .read_log(None)
        .await?
        .devices
        .iter()
        .map(|d| d.id)
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut times = Vec::with_capacity(queries);
    let mut slowest = Vec::with_capacity(queries);
    let dirs = ["helps", "hurts", "mixed", "neutral"];
    for _ in 0..queries {
        let q = AuditQuery {
            team: rng.bool().then(|| format!("team {}", rng.usize(..3))),
            device: rng
                .bool()
                .then(|| device_ids[rng.usize(..device_ids.len())]),
            direction: rng
                .bool()
                .then(|| dirs[rng.usize(..dirs.len())].to_string()),
            since: rng
                .bool()
                .then(|| chair_store::time::ts(Utc::now() - chrono::Duration::days(1))),
            limit: 200,
        };
        let started = Instant::now();
        let rows = leader.audit(&q).await?;
        times.push(started.elapsed());
        slowest.push((started.elapsed(), q, rows.len()));
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (t, q, n) in slowest.iter().take(3) {
        println!(
            "  slow: {:.1} ms, {n} rows, team {:?} laptop {} direction {:?} since {}",
            ms(*t),
            q.team,
            q.device.is_some(),
            q.direction,
            q.since.is_some()
        );
    }
    let mut p = |q: f64| quantile(&mut times, q);
    println!(
        "  p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms [target p95 ≤ 50 ms]",
        p(0.5),
        p(0.95),
        p(1.0)
    );
    // The app's organisation view reads the pulled copy: pull it, read and verify it, and
    // query it as the audit screen does (a page of 100 and the dashboard per change of filter).
    let leader_db = leader_store.path().to_path_buf();
    let started = Instant::now();
    let pulled = leader.pull().await?;
    println!(
        "app organisation view: pull of {} entries into the local copy {:.2} s",
        pulled.new_entries,
        started.elapsed().as_secs_f64()
    );
    let seen = leader.settings().checkpoints_seen.clone();
    let started = Instant::now();
    let view = chair_org::OrgView::read(&leader_db, &seen)?;
    if !view.report.intact {
        bail!("the pulled copy does not verify: {}", view.report.summary());
    }
    println!(
        "  reading and verifying the copy: {:.2} s ({} decisions)",
        started.elapsed().as_secs_f64(),
        view.decisions.len()
    );
    let today = Utc::now().date_naive();
    let mut times = Vec::with_capacity(queries);
    let mut page_times = Vec::with_capacity(queries);
    let words = ["decision", "fee", "refund", "customers"];
    for _ in 0..queries {
        let f = chair_org::OrgFilter {
            team: rng.bool().then(|| format!("team {}", rng.usize(..3))),
            device: rng
                .bool()
                .then(|| device_ids[rng.usize(..device_ids.len())]),
            direction: rng
                .bool()
                .then(|| [Direction::Helps, Direction::Hurts, Direction::Mixed][rng.usize(..3)]),
            from: rng.bool().then(|| today - chrono::Duration::days(1)),
            text: if rng.bool() {
                words[rng.usize(..words.len())].to_string()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let started = Instant::now();
        let page = view.page(&f, 0, 100);
        let paged = started.elapsed();
        let dash = view.dashboard(&f, today, 12);
        times.push(started.elapsed());
        page_times.push(paged);
        std::hint::black_box((page, dash));
    }
    println!(
        "  of which the page alone: p50 {:.1} ms, p95 {:.1} ms",
        quantile(&mut page_times, 0.5),
        quantile(&mut page_times, 0.95)
    );
    let mut p = |q: f64| quantile(&mut times, q);
    println!(
        "  a page of 100 and the dashboard, {queries} random filters (team, laptop, direction, date, words): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms [target p95 ≤ 50 ms; the server query above is the baseline]",
        p(0.5),
        p(0.95),
        p(1.0)
    );
    leader.close().await;
    Ok(())
}
