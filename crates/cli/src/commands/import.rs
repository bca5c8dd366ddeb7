//! `chair import FILE`: load complaints from an export, every row accounted for.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, anyhow};
use chair_core::import::{
    Field, FieldColumn, Format, ImportOptions, ImportProgress, ImportSummary,
};
use chair_store::Store;
use chrono::Utc;
use clap::Args;

use crate::output;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A CSV, JSON, JSON Lines, .eml or .mbox file, or a folder of .eml files.
    file: PathBuf,
    /// The file's format; `auto` tells it from the content.
    #[arg(
        long,
        default_value = "auto",
        value_name = "auto|csv|json|jsonl|eml|mbox"
    )]
    format: String,
    /// Which column fills a field, e.g. `--map body=Description` (repeatable; wins over the
    /// automatic mapping). Fields: external_id, received_at, title, body, customer,
    /// segment, product, channel, severity, tags.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// Keep e-mail addresses, phone numbers, card numbers and IBANs as they are.
    #[arg(long)]
    no_redact: bool,
    /// Store the complaints under this source name (it scopes de-duplication by id).
    #[arg(long)]
    source: Option<String>,
    /// Print the summary as JSON, with every rejected row.
    #[arg(long)]
    json: bool,
}

fn parse_map(entries: &[String]) -> anyhow::Result<Vec<FieldColumn>> {
    entries
        .iter()
        .map(|e| {
            let (field, column) = e.split_once('=').ok_or_else(|| {
                anyhow!("--map {e}: write it as FIELD=COLUMN, e.g. body=Description")
            })?;
            let field = Field::parse(field).ok_or_else(|| {
                let names: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
                anyhow!(
                    "--map {e}: unknown field \"{field}\"; fields are {}",
                    names.join(", ")
                )
            })?;
            let column = column.trim();
            Ok(FieldColumn {
                field,
                column: (!column.is_empty()).then(|| column.to_string()),
            })
        })
        .collect()
}

/// Runs `chair import`.
/// `chair imports`: every import with its counts.
pub async fn list(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let imports = store.imports().await?;
    if json {
        output::json(&imports)?;
        return Ok(ExitCode::SUCCESS);
    }
    if imports.is_empty() {
        outln!("No imports yet. Import a file with `chair import FILE`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    for i in &imports {
        let started = i
            .started_at
            .get(..16)
            .unwrap_or(&i.started_at)
            .replace('T', " ");
        outln!(
            "{started}  {:<9}  {:>8} rows: {} imported, {} duplicates, {} rejected  {}",
            i.status,
            i.rows_read,
            i.imported,
            i.duplicates,
            i.rejected,
            i.file
        )?;
        if !i.note.is_empty() {
            outln!("                   {}", i.note)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(store: &Store, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let options = ImportOptions {
        format: Format::parse(&args.format).map_err(|e| anyhow!("--format: {e}"))?,
        mapping: parse_map(&args.map)?,
        redact: !args.no_redact,
        source: args.source.clone(),
    };
    let shown = Progress::new(args.json, &args.file);
    let summary = store
        .import_file(
            &args.file,
            &options,
            Utc::now(),
            shown.report(),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .with_context(|| format!("cannot import {}", args.file.display()));
    shown.finish();
    let summary = summary?;
    if args.json {
        let mut full = summary.clone();
        full.rejections = store.import_rejections(summary.import_id).await?;
        output::json(&full)?;
    } else {
        print_summary(&summary)?;
    }
    if let Some(why) = &summary.stopped {
        eprintln!("error: the file was not read to its end: {why}");
        return Ok(ExitCode::FAILURE);
    }
    // Embedding takes far longer than importing (a long narrative about a quarter of a
    // second), so it is a step of its own that the app runs by itself in the background.
    if !args.json && summary.imported > 0 {
        eprintln!(
            "note: `chair embed` lets agenda items find these complaints by meaning too; the app does it by itself"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How an import shows how far it has come, on standard error: a bar on a terminal, a plain
/// line every few seconds otherwise (so a log shows a long import is alive), nothing with
/// `--json`.
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines(String),
    Quiet,
}

/// How often a plain progress line is written; an import quicker than this prints none.
/// `CHAIR_PROGRESS_EVERY_MS` sets another interval (0: a line after every batch).
pub fn line_every() -> std::time::Duration {
    std::env::var("CHAIR_PROGRESS_EVERY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(
            std::time::Duration::from_secs(2),
            std::time::Duration::from_millis,
        )
}

impl Progress {
    fn new(json: bool, file: &std::path::Path) -> Self {
        if json {
            Self::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(1000).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:32.green/dim} {percent:>3} %  {msg}  {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("█▌ "),
            );
            Self::Bar(bar)
        } else {
            Self::Lines(file.display().to_string())
        }
    }

    /// The callback the import calls after each batch.
    fn report(&self) -> Option<chair_store::import::ProgressFn> {
        match self {
            Self::Quiet => None,
            Self::Bar(bar) => {
                let bar = bar.clone();
                Some(Box::new(move |p: ImportProgress| {
                    bar.set_position(per_mille(&p));
                    bar.set_message(counts(&p));
                }))
            }
            Self::Lines(file) => {
                let file = file.clone();
                let (every, last) = (
                    line_every(),
                    std::sync::Mutex::new(std::time::Instant::now()),
                );
                Some(Box::new(move |p: ImportProgress| {
                    let mut last = last
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if last.elapsed() >= every {
                        *last = std::time::Instant::now();
                        eprintln!("importing {file}: {} %, {}", per_mille(&p) / 10, counts(&p));
                    }
                }))
            }
        }
    }

    fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// How much of the file is read, in thousandths.
fn per_mille(p: &ImportProgress) -> u64 {
    if p.bytes_total > 0.0 {
        (p.bytes_read / p.bytes_total * 1000.0).clamp(0.0, 1000.0) as u64
    } else {
        0
    }
}

fn counts(p: &ImportProgress) -> String {
    format!(
        "{} rows read, {} imported, {} already there, {} rejected",
        p.rows_read, p.imported, p.duplicates, p.rejected
    )
}

fn print_summary(s: &ImportSummary) -> std::io::Result<()> {
    outln!(
        "{}: {} rows read ({}, source \"{}\") in {:.1} s",
        s.file,
        s.rows_read,
        s.format.label(),
        s.source,
        s.seconds
    )?;
    outln!("  imported    {}", s.imported)?;
    outln!("  duplicates  {} (already stored, skipped)", s.duplicates)?;
    outln!("  rejected    {}", s.rejected)?;
    if s.undated {
        outln!("  (no column holds a date: complaints are dated at import time)")?;
    }
    if !s.redacted {
        outln!("  (personal data was not redacted)")?;
    }
    if s.rejected == 0 {
        return Ok(());
    }
    let mut by_reason: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in &s.rejections {
        by_reason.entry(r.reason.as_str()).or_default().push(r.line);
    }
    outln!("Rejected rows:")?;
    for (reason, lines) in &by_reason {
        let shown: Vec<String> = lines.iter().take(8).map(u64::to_string).collect();
        let more = if lines.len() > 8 { ", …" } else { "" };
        outln!("  {reason}: line {}{more}", shown.join(", "))?;
    }
    if s.rejected as usize > s.rejections.len() {
        outln!(
            "  ({} rejected rows in all; `chair import --json` lists every one)",
            s.rejected
        )?;
    }
    Ok(())
}
