//! E-mail import: one `.eml` file, a folder of them, or an `.mbox`. Each message gives its
//! subject and plain-text body (HTML-only messages are turned into text; quoted replies are
//! dropped); the sender's domain is kept as a segment hint and addresses are redacted.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mail_parser::MessageParser;

use super::fields::{Field, Mapping};
use super::tabular::raw_value;
use super::{Format, ImportError, MAX_RECORD_BYTES, Plan, RawRecord, RawValue};

/// The columns a message offers.
pub(crate) const COLUMNS: [&str; 5] = ["message_id", "date", "subject", "body", "sender_domain"];

/// The mapping of those columns to fields.
pub(crate) fn mapping() -> Mapping {
    let mut m = Mapping::default();
    for (field, col) in [
        (Field::ExternalId, "message_id"),
        (Field::ReceivedAt, "date"),
        (Field::Title, "subject"),
        (Field::Body, "body"),
        (Field::Segment, "sender_domain"),
    ] {
        m.set(field, Some(col.to_string()));
    }
    m
}

/// The `.eml` files of a folder, by name, with their sizes.
pub(crate) fn eml_files(dir: &Path) -> Result<Vec<(PathBuf, u64)>, ImportError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))? {
        let entry = entry.map_err(|e| ImportError::io(dir, e))?;
        let path = entry.path();
        let is_eml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"));
        if is_eml && entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            files.push((path, size));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(ImportError::NotRecognised(format!(
            "{} is a folder without .eml files: there is nothing to import",
            dir.display()
        )));
    }
    Ok(files)
}

/// Streams the messages of the plan's file or folder.
pub(crate) fn records(
    plan: &Plan,
    read: Arc<AtomicU64>,
    sink: &mut dyn FnMut(RawRecord) -> ControlFlow<()>,
) -> Result<Option<String>, ImportError> {
    let path = &plan.path;
    if path.is_dir() {
        for (file, size) in eml_files(path)? {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let rec = if size > MAX_RECORD_BYTES {
                problem(plan, 1, name, "the message is larger than 64 MB")
            } else {
                let bytes = std::fs::read(&file).map_err(|e| ImportError::io(&file, e))?;
                read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                message(plan, 1, name, &bytes)
            };
            if sink(rec).is_break() {
                return Ok(None);
            }
        }
        return Ok(None);
    }
    if plan.format == Format::Eml {
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|f| f.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| ImportError::io(path, e))?;
        read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let rec = if bytes.len() as u64 > MAX_RECORD_BYTES {
            problem(plan, 1, None, "the message is larger than 64 MB")
        } else {
            message(plan, 1, None, &bytes)
        };
        let _ = sink(rec);
        return Ok(None);
    }
    mbox(plan, read, sink)
}

/// Splits an mbox at its `From ` lines, undoing `>From ` quoting; a message over the record
/// limit is rejected without being held in memory.
fn mbox(
    plan: &Plan,
    read: Arc<AtomicU64>,
    sink: &mut dyn FnMut(RawRecord) -> ControlFlow<()>,
) -> Result<Option<String>, ImportError> {
    let path = &plan.path;
    let mut reader = BufReader::with_capacity(
        64 * 1024,
        File::open(path).map_err(|e| ImportError::io(path, e))?,
    );
    let mut line = Vec::new();
    let mut current: Option<(u64, Vec<u8>, bool)> = None; // start line, bytes, too large
    let mut line_no = 0u64;
    let mut flush = |current: Option<(u64, Vec<u8>, bool)>| -> ControlFlow<()> {
        match current {
            Some((start, _, true)) => sink(problem(
                plan,
                start,
                None,
                "the message is larger than 64 MB",
            )),
            Some((start, bytes, false)) => sink(message(plan, start, None, &bytes)),
            None => ControlFlow::Continue(()),
        }
    };
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| ImportError::io(path, e))?;
        if n == 0 {
            let _ = flush(current.take());
            return Ok(None);
        }
        read.fetch_add(n as u64, Ordering::Relaxed);
        line_no += 1;
        if line.starts_with(b"From ") {
            if flush(current.take()).is_break() {
                return Ok(None);
            }
            current = Some((line_no, Vec::new(), false));
            continue;
        }
        let Some((_, bytes, too_large)) = current.as_mut() else {
            continue; // text before the first separator
        };
        if *too_large {
            continue;
        }
        let unquoted = match line.iter().position(|&b| b != b'>') {
            Some(i) if i > 0 && line[i..].starts_with(b"From ") => &line[1..],
            _ => &line[..],
        };
        if (bytes.len() + unquoted.len()) as u64 > MAX_RECORD_BYTES {
            *too_large = true;
            bytes.clear();
            bytes.shrink_to_fit();
        } else {
            bytes.extend_from_slice(unquoted);
        }
    }
}

fn problem(plan: &Plan, line: u64, file: Option<String>, why: &str) -> RawRecord {
    RawRecord {
        line,
        file,
        values: vec![None; plan.columns.len()],
        problem: Some(why.into()),
    }
}

/// One message as a record of [`COLUMNS`].
fn message(plan: &Plan, line: u64, file: Option<String>, bytes: &[u8]) -> RawRecord {
    let Some(msg) = MessageParser::default().parse(bytes) else {
        return problem(plan, line, file, "not a readable e-mail message");
    };
    let body = msg
        .body_text(0)
        .map(|b| b.into_owned())
        .or_else(|| msg.body_html(0).map(|h| super::convert::strip_html(&h)))
        .map(|b| drop_quoted(&b))
        .unwrap_or_default();
    let domain = msg
        .from()
        .and_then(|list| list.first())
        .and_then(|a| a.address().map(str::to_string))
        .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .unwrap_or_default();
    let date = msg.date().map(|d| d.to_rfc3339()).unwrap_or_default();
    let values: Vec<Option<RawValue>> = [
        msg.message_id().unwrap_or_default().to_string(),
        date,
        msg.subject().unwrap_or_default().to_string(),
        body,
        domain,
    ]
    .into_iter()
    .map(|v| Some(raw_value(v.as_bytes())))
    .collect();
    RawRecord {
        line,
        file,
        values,
        problem: None,
    }
}

/// Drops quoted lines ("> ...") and the "On ... wrote:" line before them: the customer's
/// own words are what matter.
fn drop_quoted(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with('>') {
            continue;
        }
        let next_quoted = lines
            .get(i + 1)
            .is_some_and(|n| n.trim_start().starts_with('>'));
        if next_quoted && l.trim_end().ends_with("wrote:") {
            continue;
        }
        out.push(l);
    }
    out.join("\n").trim().to_string()
}
