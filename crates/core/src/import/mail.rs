//! E-mail import: one `.eml` file, a folder of them, or an `.mbox`. Each message gives its
//! subject and plain-text body (HTML-only messages are turned into text; quoted replies are
//! dropped); the sender's domain is kept as a segment hint and addresses are redacted.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mail_parser::{Message, MessageParser, MimeHeaders};

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
                let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                super::open_source(&file)?
                    .read_to_end(&mut bytes)
                    .map_err(|e| ImportError::io(&file, e))?;
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
        super::open_source(path)?
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
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
    let mut reader = BufReader::with_capacity(64 * 1024, super::open_source(path)?);
    let mut line = Vec::new();
    // The message being read: its start line, the date on its `From ` line, its bytes, and
    // whether it outgrew the limit.
    type Current = Option<(u64, Option<String>, Vec<u8>, bool)>;
    let mut current: Current = None;
    let mut line_no = 0u64;
    let mut flush = |current: Current| -> ControlFlow<()> {
        match current {
            Some((start, _, _, true)) => sink(problem(
                plan,
                start,
                None,
                "the message is larger than 64 MB",
            )),
            Some((start, delivered, bytes, false)) => {
                let mut rec = message(plan, start, None, &bytes);
                fill_missing_date(&mut rec, delivered);
                sink(rec)
            }
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
            current = Some((line_no, envelope_date(&line), Vec::new(), false));
            continue;
        }
        let Some((_, _, bytes, too_large)) = current.as_mut() else {
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
        .or_else(|| {
            parts_unfindable(&msg)
                .then(|| plain_fallback(bytes))
                .flatten()
        })
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

/// True when a message says it is multipart but gives no boundary to find its parts by, so
/// no part of it can be read as such.
fn parts_unfindable(msg: &Message<'_>) -> bool {
    msg.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.attribute("boundary").is_none_or(|b| b.trim().is_empty())
    })
}

/// The text after the headers of a message whose parts cannot be found: its lines of prose,
/// without boundary and part-header lines. `None` when it is not UTF-8 or holds no prose.
fn plain_fallback(bytes: &[u8]) -> Option<String> {
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let start = match (lf, crlf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let text = std::str::from_utf8(&bytes[start..]).ok()?;
    let prose: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.starts_with("--") && !is_part_header(l))
        .collect();
    let prose = prose.join("\n").trim().to_string();
    prose.chars().any(char::is_alphabetic).then_some(prose)
}

/// A line that is a MIME part header (`Content-Type: ...`), not prose.
fn is_part_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        let name = name.to_ascii_lowercase();
        name.starts_with("content-") || name == "mime-version"
    })
}

/// The delivery date on an mbox `From sender Wed Oct  7 12:00:00 2026` line (or with a zone:
/// `... 12:00:00 +0100 2026`), as RFC 3339. Without a zone it is read as UTC: the delivering
/// host's clock, right to within its time zone. The fixed date that `git format-patch` writes
/// is not a delivery date and gives none.
fn envelope_date(line: &[u8]) -> Option<String> {
    const GIT_PLACEHOLDER: &str = "Mon Sep 17 00:00:00 2001";
    let line = std::str::from_utf8(line).ok()?.trim();
    let rest = line.strip_prefix("From ")?;
    let (_, date) = rest.trim_start().split_once(char::is_whitespace)?;
    let date = date.split_whitespace().collect::<Vec<_>>().join(" ");
    if date == GIT_PLACEHOLDER {
        return None;
    }
    chrono::DateTime::parse_from_str(&date, "%a %b %d %H:%M:%S %z %Y")
        .map(|d| d.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(&date, "%a %b %d %H:%M:%S %Y")
                .map(|d| d.and_utc())
        })
        .ok()
        .map(|d| d.to_rfc3339())
}

/// A message without a readable `Date:` header is dated by its mbox `From ` line, which the
/// mail system wrote when it delivered the message: a recorded date, not a guess.
fn fill_missing_date(rec: &mut RawRecord, delivered: Option<String>) {
    let Some(delivered) = delivered else { return };
    let Some(slot) = COLUMNS
        .iter()
        .position(|c| *c == "date")
        .and_then(|i| rec.values.get_mut(i))
    else {
        return;
    };
    if matches!(slot, Some(RawValue::Text(t)) if t.trim().is_empty()) || slot.is_none() {
        *slot = Some(RawValue::Text(delivered));
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

#[cfg(test)]
mod tests {
    use super::envelope_date;

    #[test]
    fn mbox_from_lines_give_their_delivery_date() {
        assert_eq!(
            envelope_date(b"From a@b.c Wed Oct  7 12:00:00 2026\n").as_deref(),
            Some("2026-10-07T12:00:00+00:00")
        );
        assert_eq!(
            envelope_date(b"From 1234@xxx Wed Oct 07 12:00:00 +0200 2026\n").as_deref(),
            Some("2026-10-07T10:00:00+00:00"),
            "a zone is honoured"
        );
        assert_eq!(
            envelope_date(b"From 0123abcd Mon Sep 17 00:00:00 2001\n"),
            None,
            "git's placeholder is not a date"
        );
        assert_eq!(envelope_date(b"From someone\n"), None);
    }
}
