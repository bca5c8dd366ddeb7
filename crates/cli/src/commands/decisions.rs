//! `chair decision add|supersede|revoke|list` and `chair log export|verify`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use chair_core::Valid;
use chair_core::audit::{AuditFilter, ExportFormat, StatusFilter};
use chair_core::chain::Appended;
use chair_core::decision::{DecisionDraft, Direction, FollowUp, Size, Stance};
use chair_core::whole_file::WholeFile;
use chair_store::Store;
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use uuid::Uuid;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum DecisionCommand {
    /// Record a decision with its customer impact.
    Add(Box<AddDecision>),
    /// Record a decision that replaces entry SEQ.
    Supersede {
        /// The entry to replace.
        seq: i64,
        /// Why it is replaced.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        decision: Box<DecisionArgs>,
        /// The meeting (title or id); default: the replaced decision's.
        #[arg(long)]
        meeting: Option<String>,
        /// The agenda item (title or id); default: the replaced decision's.
        #[arg(long)]
        item: Option<String>,
    },
    /// Withdraw entry SEQ.
    Revoke {
        seq: i64,
        /// Why it is withdrawn.
        #[arg(long)]
        reason: String,
        /// Who withdraws it (default: your user name).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What became of the complaints a decision answered: its themes' complaint rate in the
    /// weeks after it against the weeks before, set against the impact it stated.
    FollowThrough {
        /// The decision's entry number.
        seq: i64,
        /// Count complaints received up to this day, as YYYY-MM-DD (default: now).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Weeks before and after the decision.
        #[arg(long, default_value_t = 8)]
        weeks: u32,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List decisions, newest first.
    List {
        /// Only decisions that still stand.
        #[arg(long)]
        current: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddDecision {
    /// The meeting's title or id; a meeting with this title is created when there is none.
    #[arg(long)]
    meeting: String,
    /// The agenda item's title or id; created in the meeting when there is none.
    #[arg(long)]
    item: String,
    #[command(flatten)]
    decision: DecisionArgs,
}

#[derive(Debug, Args)]
pub struct DecisionArgs {
    /// What was decided.
    #[arg(long)]
    statement: String,
    /// helps, hurts, mixed, neutral or unknown (unknown needs a --follow-up).
    #[arg(long)]
    impact: String,
    /// small, medium or large.
    #[arg(long)]
    size: String,
    /// The customer impact in a sentence.
    #[arg(long = "impact-text")]
    impact_text: String,
    /// A persona the impact falls on (repeatable).
    #[arg(long = "persona", value_name = "NAME")]
    personas: Vec<String>,
    /// A complaint this decision answers, by its source id (repeatable).
    #[arg(long = "evidence", value_name = "COMPLAINT_EXTERNAL_ID")]
    evidence: Vec<String>,
    /// Say that there is no customer evidence.
    #[arg(long)]
    no_evidence: bool,
    /// The advocate's stance: agrees, objects, abstains or absent.
    #[arg(long, default_value = "absent")]
    advocate: String,
    /// The advocate's words.
    #[arg(long = "advocate-note", default_value = "")]
    advocate_note: String,
    /// "WHAT;OWNER;YYYY-MM-DD" (repeatable).
    #[arg(long = "follow-up", value_name = "WHAT;OWNER;YYYY-MM-DD")]
    follow_ups: Vec<String>,
    /// Who decided (default: your user name).
    #[arg(long)]
    by: Option<String>,
    /// Print the new entry as JSON.
    #[arg(long)]
    json: bool,
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}

fn parse_follow_up(s: &str) -> anyhow::Result<FollowUp> {
    let parts: Vec<&str> = s.split(';').map(str::trim).collect();
    let [what, owner, due] = parts.as_slice() else {
        return Err(anyhow!(
            "--follow-up \"{s}\": write it as \"WHAT;OWNER;YYYY-MM-DD\""
        ));
    };
    let due = NaiveDate::parse_from_str(due, "%Y-%m-%d")
        .map_err(|_| anyhow!("--follow-up \"{s}\": the due date \"{due}\" is not YYYY-MM-DD"))?;
    Ok(FollowUp {
        what: what.to_string(),
        owner: owner.to_string(),
        due,
    })
}

/// Builds and checks the draft before anything is written.
async fn draft(
    store: &Store,
    a: &DecisionArgs,
    meeting: Uuid,
    item: Option<Uuid>,
) -> anyhow::Result<Valid<DecisionDraft>> {
    let direction = Direction::parse(&a.impact)
        .ok_or_else(|| anyhow!("--impact {}: use {}", a.impact, Direction::choices()))?;
    let size = Size::parse(&a.size)
        .ok_or_else(|| anyhow!("--size {}: use {}", a.size, Size::choices()))?;
    let stance = Stance::parse(&a.advocate)
        .ok_or_else(|| anyhow!("--advocate {}: use {}", a.advocate, Stance::choices()))?;
    let mut personas = Vec::new();
    for name in &a.personas {
        personas.push(store.persona_by_name(name, Utc::now()).await?.id);
    }
    let mut evidence = Vec::new();
    for key in &a.evidence {
        evidence.push(
            store
                .find_complaint(key)
                .await
                .with_context(|| format!("--evidence {key}"))?,
        );
    }
    let follow_ups = a
        .follow_ups
        .iter()
        .map(|f| parse_follow_up(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Valid::parse(DecisionDraft {
        meeting_id: meeting,
        agenda_item_id: item,
        statement: a.statement.clone(),
        decided_by: a.by.clone().unwrap_or_else(user),
        direction,
        size,
        impact: a.impact_text.clone(),
        personas,
        evidence,
        no_evidence: a.no_evidence,
        stance,
        advocate_note: a.advocate_note.clone(),
        follow_ups,
        on_screen: Vec::new(),
    })?)
}

fn print_appended(what: &str, a: &Appended, json: bool) -> anyhow::Result<()> {
    if json {
        output::json(a)
    } else {
        outln!("{what} entry {}, hash {}", a.seq, a.hash)?;
        Ok(())
    }
}

/// Runs a `decision` subcommand.
pub async fn run(store: &Store, cmd: DecisionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DecisionCommand::Add(add) => {
            // Check every rule before the meeting or item is created: a refused decision writes nothing.
            draft(store, &add.decision, Uuid::nil(), None).await?;
            let (meeting, item) = store
                .ensure_meeting_item(&add.meeting, Some(&add.item))
                .await?;
            let d = draft(store, &add.decision, meeting, item).await?;
            let done = store.record_decision(&d, Utc::now()).await?;
            print_appended("Recorded decision as", &done, add.decision.json)?;
        }
        DecisionCommand::Supersede {
            seq,
            reason,
            decision,
            meeting,
            item,
        } => {
            let old = store.decision_draft(seq).await?;
            draft(store, &decision, old.meeting_id, old.agenda_item_id).await?;
            let (meeting, item) = match meeting {
                Some(m) => store.ensure_meeting_item(&m, item.as_deref()).await?,
                None => (old.meeting_id, old.agenda_item_id),
            };
            let d = draft(store, &decision, meeting, item).await?;
            let done = store
                .supersede_decision(seq, &reason, &d, Utc::now())
                .await?;
            print_appended(
                &format!("Superseded decision {seq} with"),
                &done,
                decision.json,
            )?;
        }
        DecisionCommand::Revoke {
            seq,
            reason,
            by,
            json,
        } => {
            let done = store
                .revoke_decision(seq, &reason, &by.unwrap_or_else(user), Utc::now())
                .await?;
            print_appended(&format!("Revoked decision {seq} with"), &done, json)?;
        }
        DecisionCommand::FollowThrough {
            seq,
            as_of,
            weeks,
            json,
        } => {
            let as_of = match as_of {
                Some(d) => super::end_of_day(&d, "--as-of")?,
                None => chrono::Utc::now(),
            };
            let f = store.follow_through(seq, as_of, (weeks, weeks)).await?;
            if json {
                output::json(&f)?;
            } else {
                print_follow_through(&f)?;
            }
        }
        DecisionCommand::List {
            current,
            limit,
            json,
        } => {
            let filter = AuditFilter {
                status: if current {
                    StatusFilter::Current
                } else {
                    StatusFilter::All
                },
                ..Default::default()
            };
            let page = store.audit(&filter, 0, limit).await?;
            if json {
                output::json(&page)?;
            } else if page.rows.is_empty() {
                outln!("No decisions logged yet.")?;
            } else {
                for r in &page.rows {
                    outln!(
                        "{:>5}  {}  {:<10} {:<8} {:<9} {}",
                        r.seq,
                        &r.recorded_at[..10.min(r.recorded_at.len())],
                        format!("{:?}", r.status).to_lowercase(),
                        r.direction.as_str(),
                        r.stance.as_str(),
                        output::clip(&r.statement, 70)
                    )?;
                }
                if page.total > page.rows.len() as i64 {
                    outln!("({} of {} shown)", page.rows.len(), page.total)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Export the decision log.
    Export {
        /// csv, json (verifiable on its own) or md.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to this file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the hash chain; exit status 0 only when it is intact.
    Verify {
        /// Check an exported JSON log instead of the database.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `log` subcommand.
pub async fn run_log(store: Option<&Store>, cmd: LogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogCommand::Export { format, out } => {
            let store = store.context("no database")?;
            let format = ExportFormat::parse(&format)
                .ok_or_else(|| anyhow!("--format {format}: use csv, json or md"))?;
            let n = match &out {
                None => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout());
                    store
                        .export_log(&AuditFilter::default(), format, &mut stdout)
                        .await?
                }
                Some(path) => {
                    let cannot =
                        |e: std::io::Error| anyhow!("cannot write {}: {e}", path.display());
                    // Written whole or not at all; a failed export leaves nothing behind.
                    let mut file = WholeFile::create(path).map_err(cannot)?;
                    let n = store
                        .export_log(&AuditFilter::default(), format, file.writer())
                        .await?;
                    file.finish().map_err(cannot)?;
                    n
                }
            };
            if let Some(path) = out {
                eprintln!("Exported {n} entries to {}.", path.display());
            } else {
                std::io::stdout().flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LogCommand::Verify { file, json } => {
            let report = match file {
                Some(path) => {
                    chair_core::held::check(&path).map_err(|why| anyhow!(why))?;
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    chair_core::chain::verify_export(&text)
                        .map_err(|e| anyhow!("{}: {e}", path.display()))?
                }
                None => store.context("no database")?.verify_log().await?,
            };
            if json {
                output::json(&report)?;
            } else {
                outln!("{}", report.summary())?;
            }
            Ok(if report.intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
    }
}

/// A decision's follow-through as sentences.
fn print_follow_through(f: &chair_store::themes::DecisionFollowThrough) -> anyhow::Result<()> {
    use chair_core::themes::Verdict;
    let names: Vec<&str> = f.themes.iter().map(|(_, n)| n.as_str()).collect();
    let Some(ft) = &f.follow_through else {
        outln!(
            "Entry {}: its evidence is in no theme yet (chair themes discover sorts complaints into themes).",
            f.seq
        )?;
        return Ok(());
    };
    outln!(
        "Entry {} (decided {}, stated impact: {}), themes: {}",
        f.seq,
        f.decided_at.format("%Y-%m-%d"),
        f.impact,
        names.join("; ")
    )?;
    let r = &ft.rate;
    let ratio = match (r.ratio, r.low, r.high) {
        (Some(x), Some(lo), Some(hi)) => {
            format!("rate ratio {x:.2} (95% interval {lo:.2} to {hi:.2})")
        }
        _ => "no rate ratio".to_string(),
    };
    outln!(
        "  {} complaints in the {} weeks before, {} in the {} weeks after: {ratio}",
        r.before,
        ft.weeks_before,
        r.after,
        ft.weeks_after
    )?;
    let verdict = match ft.verdict {
        Verdict::TooEarly => "too early to tell: the weeks after have not all passed",
        Verdict::TooFew => "too few complaints to tell",
        Verdict::AsExpected => "complaints moved as the stated impact said they would",
        Verdict::Against => "complaints moved against the stated impact",
        Verdict::Changed => {
            "complaints changed clearly, although the stated impact named no direction"
        }
        Verdict::NoClearChange => "no clear change",
    };
    outln!("  {verdict}")?;
    Ok(())
}
