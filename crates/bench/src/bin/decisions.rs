//! The decision log, measured: durable write latency (each write committed with
//! synchronous=FULL before it returns), filtered audit queries with 100,000 decisions, and a
//! full verify plus JSON export.
//!
//! Usage: decisions [--decisions 100000] [--writes 300] [--reuse]

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chair_bench::corpus::{Rng, flush};
use chair_core::Valid;
use chair_core::audit::{AuditFilter, ExportFormat, StatusFilter};
use chair_core::decision::{DecisionDraft, Direction, FollowUp, Size, Stance};
use chair_store::Store;
use chrono::{Duration as Days, NaiveDate, Utc};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    if v.is_empty() {
        return 0.0;
    }
    ms(v[((v.len() as f64 - 1.0) * p).round() as usize])
}

const STATEMENTS: &[&str] = &[
    "Add a same-day grace period before the overdraft fee",
    "Pay out card-terminal takings the same day for business accounts",
    "Replace SMS login codes with in-app approval",
    "Move phone support to chat first, keeping a call-back option",
    "Send paper statements again to customers who ask",
    "Show the exchange rate before a card payment abroad",
    "Cap the monthly fee for accounts under 500 pounds",
    "Let a second user approve payments on business accounts",
];

const IMPACTS: &[&str] = &[
    "Customers whose salary is a day late stop paying a fee they did not expect",
    "Small shops get their money the same day and stop waiting for the weekend",
    "Customers abroad can sign in without waiting for a text that never comes",
    "Older customers wait longer to speak to someone and some will give up",
    "Customers who cannot read small screens get their statements on paper again",
];

fn draft(
    rng: &mut Rng,
    meeting: uuid::Uuid,
    item: uuid::Uuid,
    personas: &[uuid::Uuid],
    evidence: &[uuid::Uuid],
) -> DecisionDraft {
    let direction = [
        Direction::Helps,
        Direction::Helps,
        Direction::Mixed,
        Direction::Hurts,
        Direction::Neutral,
        Direction::Unknown,
    ][rng.below(6)];
    let with_evidence = rng.below(4) != 0;
    DecisionDraft {
        meeting_id: meeting,
        agenda_item_id: Some(item),
        statement: STATEMENTS[rng.below(STATEMENTS.len())].into(),
        decided_by: "Hannah K.".into(),
        direction,
        size: [Size::Small, Size::Medium, Size::Large][rng.below(3)],
        impact: IMPACTS[rng.below(IMPACTS.len())].into(),
        personas: vec![personas[rng.below(personas.len())]],
        evidence: if with_evidence {
            vec![evidence[rng.below(evidence.len())]]
        } else {
            vec![]
        },
        no_evidence: !with_evidence,
        stance: [
            Stance::Agrees,
            Stance::Agrees,
            Stance::Objects,
            Stance::Abstains,
        ][rng.below(4)],
        advocate_note: String::new(),
        follow_ups: if direction == Direction::Unknown || rng.below(3) == 0 {
            vec![FollowUp {
                what: "Ask ten customers how it went".into(),
                owner: "Aisha B.".into(),
                due: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
                    + Days::days(rng.below(700) as i64),
            }]
        } else {
            vec![]
        },
        on_screen: vec![],
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut total = 100_000usize;
    let mut writes = 300usize;
    let mut reuse = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--decisions" => total = args.next().context("--decisions N")?.parse()?,
            "--writes" => writes = args.next().context("--writes N")?.parse()?,
            // Measure the log an earlier run filled again, without writing (for profiling).
            "--reuse" => reuse = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let work = chair_bench::data::repo_root().join("target/bench");
    std::fs::create_dir_all(&work)?;
    let db = work.join(format!("decisions-{total}.db"));
    let reuse = reuse && db.exists();
    if !reuse {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    let dir = tempfile::tempdir()?;
    let store = Store::open(&db).await?;
    let meeting_id = if reuse {
        store.list_meetings().await?[0].id
    } else {
        store.create_demo(Utc::now()).await?.meeting_id
    };
    let meeting = store.meeting(meeting_id).await?;
    let item = meeting.items[0].id;
    let evidence: Vec<uuid::Uuid> = store
        .list_complaints(&Default::default())
        .await?
        .items
        .iter()
        .map(|c| c.id)
        .collect();
    let mut rng = Rng::new(11);

    let mut lat = Vec::with_capacity(writes);
    for _ in 0..if reuse { 0 } else { writes } {
        let d = Valid::parse(draft(
            &mut rng,
            meeting.id,
            item,
            &meeting.persona_ids,
            &evidence,
        ))?;
        let t = Instant::now();
        store.record_decision(&d, Utc::now()).await?;
        lat.push(t.elapsed());
    }
    if !reuse {
        println!(
            "durable decision write (synchronous=FULL, one transaction each): p50 {:.2} ms, p95 {:.2} ms over {writes} writes",
            percentile(&mut lat, 0.5),
            percentile(&mut lat, 0.95)
        );
        flush();
    }

    let t = Instant::now();
    let mut left = if reuse {
        0
    } else {
        total.saturating_sub(writes)
    };
    while left > 0 {
        let n = left.min(1000);
        let batch: Vec<Valid<DecisionDraft>> = (0..n)
            .map(|_| {
                Valid::parse(draft(
                    &mut rng,
                    meeting.id,
                    item,
                    &meeting.persona_ids,
                    &evidence,
                ))
            })
            .collect::<Result<_, _>>()?;
        store.record_decisions(&batch, Utc::now()).await?;
        left -= n;
    }
    println!(
        "filled the log to {total} decisions in {:.1} s (1,000 per transaction)",
        t.elapsed().as_secs_f64()
    );
    flush();

    let base = AuditFilter::default;
    let persona = meeting.persona_ids[0];
    let filters: Vec<(&str, AuditFilter)> = vec![
        ("everything, newest first", base()),
        (
            "current only",
            AuditFilter {
                status: StatusFilter::Current,
                ..base()
            },
        ),
        (
            "impact hurts",
            AuditFilter {
                direction: Some(Direction::Hurts),
                ..base()
            },
        ),
        (
            "advocate objected",
            AuditFilter {
                objected: true,
                ..base()
            },
        ),
        (
            "no customer evidence",
            AuditFilter {
                no_evidence: true,
                ..base()
            },
        ),
        (
            "one persona",
            AuditFilter {
                persona_id: Some(persona),
                ..base()
            },
        ),
        (
            "text \"exchange rate\"",
            AuditFilter {
                text: "exchange rate".into(),
                ..base()
            },
        ),
        (
            "objected, no evidence, hurts",
            AuditFilter {
                objected: true,
                no_evidence: true,
                direction: Some(Direction::Hurts),
                ..base()
            },
        ),
        (
            "last 30 days",
            AuditFilter {
                from: Some(Utc::now().date_naive() - Days::days(30)),
                ..base()
            },
        ),
    ];
    let mut all = Vec::new();
    println!("filtered audit query (count + first page of 100), {total} decisions:");
    for (name, f) in &filters {
        let mut times = Vec::new();
        for round in 0..6 {
            let t = Instant::now();
            let page = store.audit(f, 0, 100).await?;
            if round > 0 {
                times.push(t.elapsed());
            }
            if page.total == 0 && *name == "everything, newest first" {
                bail!("empty log");
            }
        }
        let p95 = percentile(&mut times.clone(), 0.95);
        println!(
            "  {name:<32} p50 {:>6.1} ms  p95 {:>6.1} ms",
            percentile(&mut times.clone(), 0.5),
            p95
        );
        all.extend(times);
    }
    println!(
        "  all filters                      p50 {:>6.1} ms  p95 {:>6.1} ms",
        percentile(&mut all.clone(), 0.5),
        percentile(&mut all, 0.95)
    );
    flush();

    let t = Instant::now();
    let report = store.verify_log().await?;
    let verify = t.elapsed();
    if !report.intact {
        bail!("the log does not verify: {}", report.summary());
    }
    let t = Instant::now();
    let mut sink = std::io::BufWriter::new(std::fs::File::create(dir.path().join("export.json"))?);
    let n = store
        .export_log(&AuditFilter::default(), ExportFormat::Json, &mut sink)
        .await?;
    let export = t.elapsed();
    let size = std::fs::metadata(dir.path().join("export.json"))?.len() as f64 / 1e6;
    println!(
        "full verify {:.2} s + JSON export of {n} entries ({size:.0} MB) {:.2} s = {:.2} s",
        verify.as_secs_f64(),
        export.as_secs_f64(),
        (verify + export).as_secs_f64()
    );
    Ok(())
}
