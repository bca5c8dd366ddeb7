//! `chair import FILE`: load complaints from an export, every row accounted for.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, anyhow};
use chair_core::import::{Field, FieldColumn, Format, ImportOptions, ImportSummary};
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
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let progress: Option<chair_store::import::ProgressFn> = show_progress.then(|| {
        Box::new(|p: chair_core::import::ImportProgress| {
            let pct = if p.bytes_total > 0.0 {
                p.bytes_read / p.bytes_total * 100.0
            } else {
                0.0
            };
            eprint!("\r{pct:5.1} %  {} rows read", p.rows_read);
        }) as chair_store::import::ProgressFn
    });
    let summary = store
        .import_file(
            &args.file,
            &options,
            Utc::now(),
            progress,
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    if show_progress {
        eprint!("\r\x1b[2K");
    }
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
    Ok(ExitCode::SUCCESS)
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
