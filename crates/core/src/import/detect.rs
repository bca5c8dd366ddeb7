//! Telling a file's format from its content, not its name, and refusing files that are not
//! complaint exports before anything is read for real.

use std::io::Read;
use std::path::Path;

use super::{Format, ImportError};

/// What the head of a file says it is.
pub(crate) struct Found {
    pub format: Format,
    /// For CSV: the separator the header uses.
    pub delimiter: u8,
    pub total_bytes: u64,
}

const HEAD: usize = 64 * 1024;

const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "delivered-to",
    "content-type",
    "reply-to",
    "x-mailer",
    "dkim-signature",
    "cc",
];

/// Detects the format of `path` (a file, or a folder of `.eml` files).
pub(crate) fn detect(path: &Path) -> Result<Found, ImportError> {
    let meta = std::fs::metadata(path).map_err(|e| ImportError::io(path, e))?;
    if meta.is_dir() {
        let total = super::mail::eml_files(path)?
            .iter()
            .map(|(_, size)| size)
            .sum();
        return Ok(Found {
            format: Format::Eml,
            delimiter: b',',
            total_bytes: total,
        });
    }
    let mut head = Vec::with_capacity(HEAD);
    super::open_source(path)?
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| ImportError::io(path, e))?;
    let name = path.display();
    if head.is_empty() {
        return Err(ImportError::NotRecognised(format!(
            "{name} is empty: there is nothing to import"
        )));
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::NotRecognised(format!(
            "{name} is UTF-16 text; save it as UTF-8 and import it again"
        )));
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    if looks_binary(text) {
        return Err(ImportError::NotRecognised(format!(
            "{name} is not a text file (it holds binary data): import a CSV, JSON, JSON Lines, .eml or .mbox file"
        )));
    }
    let trimmed = trim_start(text);
    let format = if trimmed.starts_with(b"From ") {
        Format::Mbox
    } else if trimmed.starts_with(b"[") {
        Format::Json
    } else if trimmed.starts_with(b"{") {
        if first_line_is_object(trimmed) {
            Format::Jsonl
        } else {
            Format::Json
        }
    } else if looks_like_mail(trimmed) {
        Format::Eml
    } else {
        Format::Csv
    };
    let delimiter = if format == Format::Csv {
        csv_delimiter(trimmed)
    } else {
        b','
    };
    Ok(Found {
        format,
        delimiter,
        total_bytes: meta.len(),
    })
}

/// Refuses a format the user named when the content plainly says otherwise.
pub(crate) fn agrees(found: &Found, claimed: Format, path: &Path) -> Result<(), ImportError> {
    let ok = match (claimed, found.format) {
        (a, b) if a == b => true,
        // A one-line JSON document and JSON Lines look alike; CSV is the catch-all for text.
        (Format::Json, Format::Jsonl) | (Format::Jsonl, Format::Json) => true,
        (Format::Csv, Format::Eml) => true,
        (Format::Eml, Format::Mbox) => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(ImportError::NotRecognised(format!(
        "{} does not look like {}: its content reads as {}",
        path.display(),
        claimed.label(),
        found.format.label()
    )))
}

fn trim_start(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[skip..]
}

/// NUL bytes, or many control characters, mean binary data.
fn looks_binary(b: &[u8]) -> bool {
    let sample = &b[..b.len().min(8192)];
    if sample.contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    controls * 20 > sample.len()
}

fn first_line_is_object(b: &[u8]) -> bool {
    let line = b.split(|&c| c == b'\n').next().unwrap_or(b);
    matches!(
        serde_json::from_slice::<serde_json::Value>(line),
        Ok(serde_json::Value::Object(_))
    )
}

/// Two or more RFC 822 header lines at the top, one of them a well-known mail header.
fn looks_like_mail(b: &[u8]) -> bool {
    let mut headers = 0;
    let mut known = false;
    for line in b.split(|&c| c == b'\n').take(40) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
            return false;
        }
        headers += 1;
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        known |= MAIL_HEADERS.contains(&lower.as_str());
    }
    headers >= 2 && known
}

/// The separator the header line uses most, outside quotes.
fn csv_delimiter(b: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &c in b {
        match c {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&d| d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_bytes(bytes: &[u8]) -> Result<Format, String> {
        let dir = tempfile_dir();
        let p = dir.join("input.bin");
        std::fs::write(&p, bytes).unwrap();
        let r = detect(&p).map(|f| f.format).map_err(|e| e.to_string());
        std::fs::remove_file(&p).ok();
        r
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "chair-detect-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(detect_bytes(b"id,text\n1,hello\n"), Ok(Format::Csv));
        assert_eq!(
            detect_bytes(b"\xEF\xBB\xBFid;text\n1;hello\n"),
            Ok(Format::Csv)
        );
        assert_eq!(detect_bytes(b"  [{\"text\": \"hi\"}]"), Ok(Format::Json));
        assert_eq!(
            detect_bytes(b"{\"tickets\": [\n{\"text\": \"hi\"}]}"),
            Ok(Format::Json)
        );
        assert_eq!(
            detect_bytes(b"{\"text\": \"hi\"}\n{\"text\": \"ho\"}\n"),
            Ok(Format::Jsonl)
        );
        assert_eq!(
            detect_bytes(b"From a@b.c Sat Jan  3 01:05:34 1996\nSubject: x\n\nbody\n"),
            Ok(Format::Mbox)
        );
        assert_eq!(
            detect_bytes(b"From: Ann <a@b.c>\nSubject: card\n\nMy card\n"),
            Ok(Format::Eml)
        );
    }

    #[test]
    fn binary_empty_and_utf16_files_are_refused_with_a_reason() {
        assert!(
            detect_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
                .unwrap_err()
                .contains("binary")
        );
        assert!(detect_bytes(b"").unwrap_err().contains("empty"));
        assert!(
            detect_bytes(b"\xFF\xFEi\0d\0")
                .unwrap_err()
                .contains("UTF-16")
        );
    }

    #[test]
    fn the_separator_is_the_one_the_header_uses() {
        assert_eq!(csv_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(csv_delimiter(b"\"a,b\"\tc\td\n"), b'\t');
        assert_eq!(csv_delimiter(b"text\n"), b',');
    }
}
