//! Complaint import: reads CSV, JSON (an array of objects, or an object holding one), JSON
//! Lines and e-mail (`.eml` files, a folder of them, `.mbox`) as a stream with bounded
//! memory, maps columns to complaint fields, reads dates, redacts personal data, and
//! accounts for every row: each becomes a complaint or a rejection with its line and reason.
//!
//! The flow: [`plan`] looks at the head of the file (format, columns, mapping) and fails
//! with a clear message, having written nothing, when the file is not what it claims to be;
//! [`Plan::run`] then streams every row to a sink. Storing is the store's business.

mod convert;
pub mod dates;
mod detect;
pub mod fields;
mod guard;
mod mail;
pub mod redact;
mod tabular;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::complaint::NewComplaint;
pub use fields::{Field, Mapping};

/// The largest value a field may hold.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;
/// The most columns a file may have; more means it is not a complaint export (or the
/// delimiter was guessed wrong), and the mapping form could not show them anyway.
pub const MAX_COLUMNS: usize = 10_000;
/// The largest record (a CSV row, a JSON object, an e-mail) read into memory; a longer one
/// stops or is rejected, so memory stays bounded whatever the file.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// A file format the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Json,
    Jsonl,
    Eml,
    Mbox,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Eml => "eml",
            Format::Mbox => "mbox",
        }
    }

    /// What people call it, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Json => "JSON",
            Format::Jsonl => "JSON Lines",
            Format::Eml => "e-mail (.eml)",
            Format::Mbox => "mbox",
        }
    }

    /// Reads a format name; `auto` and the empty string mean "detect it".
    pub fn parse(name: &str) -> Result<Option<Format>, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "csv" => Ok(Some(Format::Csv)),
            "json" => Ok(Some(Format::Json)),
            "jsonl" | "ndjson" => Ok(Some(Format::Jsonl)),
            "eml" | "email" => Ok(Some(Format::Eml)),
            "mbox" => Ok(Some(Format::Mbox)),
            other => Err(format!(
                "unknown format \"{other}\": use auto, csv, json, jsonl, eml or mbox"
            )),
        }
    }
}

/// How to import a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportOptions {
    /// `None` detects the format from the content.
    pub format: Option<Format>,
    /// Explicit column for a field; wins over the automatic mapping.
    pub mapping: Vec<FieldColumn>,
    /// Replace e-mail addresses, phone numbers, card numbers and IBANs with tokens.
    pub redact: bool,
    /// The name complaints are stored under for de-duplication by id; `None` names it after
    /// the recognised export (cfpb, zendesk, ...), e-mail, or the file.
    pub source: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            format: None,
            mapping: Vec::new(),
            redact: true,
            source: None,
        }
    }
}

/// A field and the column that fills it (none: left empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldColumn {
    pub field: Field,
    pub column: Option<String>,
}

/// Why a file cannot be imported at all. Nothing has been written when one of these comes back.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    NotRecognised(String),
    #[error("{0}")]
    Mapping(String),
}

impl ImportError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        ImportError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Opens a file the user asked to import, but never a database this process holds open
/// through SQLite: opening and closing it would drop SQLite's locks (see [`crate::held`]).
pub(crate) fn open_source(path: &Path) -> Result<std::fs::File, ImportError> {
    crate::held::check(path).map_err(ImportError::NotRecognised)?;
    std::fs::File::open(path).map_err(|e| ImportError::io(path, e))
}

/// A row that could not become a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rejection {
    /// The line the row starts on (for a folder of e-mails, 1).
    pub line: u64,
    /// For a folder of e-mails, the file.
    pub file: Option<String>,
    pub reason: String,
    /// The start of the row's text, to recognise it.
    pub excerpt: String,
}

/// One row of the file, as the importer saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Complaint {
        line: u64,
        complaint: Box<NewComplaint>,
    },
    Rejected(Rejection),
}

/// What the importer will do with a file: its format, columns and mapping.
#[derive(Debug, Clone)]
pub struct Plan {
    pub path: PathBuf,
    pub format: Format,
    pub source: String,
    /// The columns found (for JSON, the keys of the first records, nested ones dotted).
    pub columns: Vec<String>,
    pub mapping: Mapping,
    pub redact: bool,
    /// Size of the file (of every `.eml` for a folder), for progress.
    pub total_bytes: u64,
    delimiter: u8,
}

impl Plan {
    /// True when no column holds a date, so complaints are dated at import time.
    pub fn undated(&self) -> bool {
        self.mapping.get(Field::ReceivedAt).is_none()
    }

    /// Streams every row of the file to `sink`, in order; `read` counts the bytes read so
    /// far. `now` dates complaints when no column holds a date. Stops early when `sink`
    /// breaks. Returns `Some(why)` when the file broke off part-way (the rows before were
    /// delivered), `None` when it was read to the end.
    pub fn run(
        &self,
        now: DateTime<Utc>,
        read: Arc<AtomicU64>,
        sink: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<Option<String>, ImportError> {
        let wanted: Vec<(Field, usize)> = self
            .mapping
            .pairs()
            .filter_map(|(f, c)| self.columns.iter().position(|x| x == c).map(|i| (f, i)))
            .collect();
        let ctx = convert::Context {
            plan: self,
            wanted: &wanted,
            now,
        };
        let mut on_record = |rec: RawRecord| sink(convert::to_row(&ctx, rec));
        match self.format {
            Format::Csv => tabular::csv_records(self, read, None, &mut on_record),
            Format::Json => tabular::json_records(self, read, None, &mut on_record),
            Format::Jsonl => tabular::jsonl_records(self, read, None, &mut on_record),
            Format::Eml | Format::Mbox => mail::records(self, read, &mut on_record),
        }
    }
}

/// A record as read, before it becomes a complaint: the values of the plan's columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawRecord {
    pub line: u64,
    pub file: Option<String>,
    /// Aligned with `Plan::columns`; `None` where the record has no such column.
    pub values: Vec<Option<RawValue>>,
    /// Set when the record as a whole is unusable (not an object, not an e-mail, ...).
    pub problem: Option<String>,
}

/// A raw value: text, or why it is not usable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawValue {
    Text(String),
    InvalidUtf8,
    TooLarge(usize),
}

/// What a file looks like before importing: for the preview and the mapping form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Preview {
    pub file: String,
    pub format: Format,
    pub source: String,
    pub columns: Vec<String>,
    /// Every field with the column the importer would use.
    pub mapping: Vec<FieldColumn>,
    /// The first rows, one value per column (shortened), as the file has them.
    pub rows: Vec<Vec<String>>,
    /// Complaints will be dated at import time: no column holds a date.
    pub undated: bool,
    pub total_bytes: f64,
}

/// Looks at the head of `path` and works out how to import it.
pub fn plan(path: &Path, options: &ImportOptions) -> Result<Plan, ImportError> {
    let found = detect::detect(path)?;
    let format = match options.format {
        None => found.format,
        Some(claimed) => {
            detect::agrees(&found, claimed, path)?;
            claimed
        }
    };
    let (columns, delimiter) = match format {
        Format::Csv => {
            let d = found.delimiter;
            (tabular::csv_header(path, d)?, d)
        }
        Format::Json | Format::Jsonl => (tabular::json_columns(path, format)?, b','),
        Format::Eml | Format::Mbox => (mail::COLUMNS.iter().map(|c| c.to_string()).collect(), b','),
    };
    let (mut mapping, known) = match format {
        Format::Eml | Format::Mbox => (mail::mapping(), Some("email")),
        _ => fields::auto_map(&columns),
    };
    for fc in &options.mapping {
        match &fc.column {
            Some(col) if !columns.iter().any(|c| c == col) => {
                return Err(ImportError::Mapping(format!(
                    "{}={col}: the file has no column \"{col}\" (its columns: {})",
                    fc.field.name(),
                    list(&columns)
                )));
            }
            col => mapping.set(fc.field, col.clone()),
        }
    }
    if mapping.get(Field::Body).is_none() {
        return Err(ImportError::Mapping(format!(
            "no column holds the complaint text (its columns: {}); name it with --map body=COLUMN",
            list(&columns)
        )));
    }
    let source = match &options.source {
        Some(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => known
            .map(str::to_string)
            .unwrap_or_else(|| file_source(path)),
    };
    Ok(Plan {
        path: path.to_path_buf(),
        format,
        source,
        columns,
        mapping,
        redact: options.redact,
        total_bytes: found.total_bytes,
        delimiter,
    })
}

/// The first `n` rows of `path` as the file has them, with the plan's mapping.
pub fn preview(path: &Path, options: &ImportOptions, n: usize) -> Result<Preview, ImportError> {
    let plan = plan(path, options)?;
    let mut rows = Vec::new();
    let mut take = |rec: RawRecord| {
        rows.push(
            rec.values
                .into_iter()
                .map(|v| match v {
                    Some(RawValue::Text(t)) => shorten(&t, 200),
                    Some(RawValue::InvalidUtf8) => "(invalid UTF-8)".into(),
                    Some(RawValue::TooLarge(n)) => format!("({n} bytes)"),
                    None => String::new(),
                })
                .collect(),
        );
        if rows.len() >= n {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let read = Arc::new(AtomicU64::new(0));
    let all: Vec<usize> = (0..plan.columns.len()).collect();
    match plan.format {
        Format::Csv => tabular::csv_records(&plan, read, Some(&all), &mut take)?,
        Format::Json => tabular::json_records(&plan, read, Some(&all), &mut take)?,
        Format::Jsonl => tabular::jsonl_records(&plan, read, Some(&all), &mut take)?,
        Format::Eml | Format::Mbox => mail::records(&plan, read, &mut take)?,
    };
    Ok(Preview {
        file: path.display().to_string(),
        format: plan.format,
        source: plan.source.clone(),
        columns: plan.columns.clone(),
        mapping: Field::ALL
            .into_iter()
            .map(|f| FieldColumn {
                field: f,
                column: plan.mapping.get(f).map(str::to_string),
            })
            .collect(),
        rows,
        undated: plan.undated(),
        total_bytes: plan.total_bytes as f64,
    })
}

fn list(columns: &[String]) -> String {
    let shown: Vec<String> = columns
        .iter()
        .take(20)
        .map(|c| format!("\"{c}\""))
        .collect();
    let more = columns.len().saturating_sub(20);
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn file_source(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "import".into())
}

/// At most `max` characters of `text` on one line, marked with "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// One import as the workspace keeps it. `status` is `running` while it runs, and stays so
/// when the process was killed mid-way: importing the file again finishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub id: uuid::Uuid,
    pub file: String,
    pub format: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub note: String,
}

/// What an import did, row by row accounted for: `rows_read = imported + duplicates + rejected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSummary {
    pub import_id: uuid::Uuid,
    pub file: String,
    pub format: Format,
    pub source: String,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// The first rejections (all of them are kept with the import, up to a limit).
    pub rejections: Vec<Rejection>,
    /// Set when the file was not read to its end: where and why it stopped.
    pub stopped: Option<String>,
    pub cancelled: bool,
    /// No column held a date: complaints are dated at import time.
    pub undated: bool,
    pub redacted: bool,
    pub seconds: f64,
}

/// How far an import has come, sent while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportProgress {
    pub bytes_read: f64,
    pub bytes_total: f64,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
}
