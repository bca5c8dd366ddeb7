//! A corpus of nasty files, kept as regression tests: each is imported as a user would, and
//! must be refused with a message or read with every record accounted for, never a panic.
//! Small files are committed in `tests/fixtures/nasty/`; the large ones (a 10 MB field,
//! a million columns, JSON nested a million deep) are made here so the repository stays small.

use std::io::Write;

use chair_core::import::{Format, ImportOptions};

use crate::support::{Outcome, defaults, fixture, import, write};

/// Imports `path` and says what happened, for assertion messages.
fn outcome(path: &std::path::Path) -> Result<Outcome, String> {
    import(path, &defaults()).map_err(|e| e.to_string())
}

/// Every record of `out` is a complaint or a rejection, and there are `rows` of them.
fn accounted(name: &str, out: &Outcome, rows: usize) {
    assert_eq!(
        out.complaints.len() + out.rejections.len(),
        rows,
        "{name}: every record is a complaint or a rejection: {} complaints, rejections {:?}, stopped {:?}",
        out.complaints.len(),
        out.rejections,
        out.stopped
    );
}

#[test]
fn a_byte_order_mark_does_not_hide_the_first_column() {
    let out = outcome(&fixture("nasty/bom.csv")).expect("a CSV with a BOM imports");
    accounted("bom.csv", &out, 2);
    assert_eq!(
        out.complaints[0].1.external_id.as_deref(),
        Some("A-1"),
        "the id column is found behind the BOM"
    );
}

#[test]
fn nul_bytes_in_a_text_file_are_refused_as_not_text_and_nothing_is_read() {
    let err = outcome(&fixture("nasty/nul-bytes.csv")).expect_err("a file with NUL bytes");
    assert!(
        err.contains("not a text file"),
        "refused with a reason: {err}"
    );
}

#[test]
fn invalid_utf8_rejects_only_the_rows_that_hold_it() {
    let out = outcome(&fixture("nasty/latin1.csv")).expect("the file is read");
    accounted("latin1.csv", &out, 3);
    assert_eq!(out.complaints.len(), 2, "the two clean rows import");
    assert!(
        out.rejections[0].reason.contains("invalid UTF-8"),
        "{:?}",
        out.rejections
    );
}

#[test]
fn an_unbalanced_quote_keeps_the_rows_before_and_accounts_for_the_rest() {
    let out = outcome(&fixture("nasty/unbalanced-quote.csv")).expect("the file is read");
    // A quote that never closes runs to the end of the file, as CSV defines it: the rows
    // after it are one long field of the broken row, not lost and not doubled.
    accounted("unbalanced-quote.csv", &out, 3);
    let ids: Vec<_> = out
        .complaints
        .iter()
        .map(|(_, c)| c.external_id.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        ids,
        ["1", "2", "3"],
        "the rows before the quote import as they are"
    );
    let last = &out.complaints[2].1.body;
    assert!(
        last.contains("never closes") && last.contains("fifth row"),
        "the broken row holds the rest of the file: {last:?}"
    );
}

#[test]
fn an_mbox_with_broken_mime_keeps_every_message_accounted_for() {
    let out = outcome(&fixture("nasty/broken-mime.mbox")).expect("the mbox is read");
    accounted("broken-mime.mbox", &out, 4);
    assert_eq!(
        out.complaints.len(),
        3,
        "the messages with words in them import: {:?}",
        out.rejections
    );
    assert!(
        out.complaints[1].1.body.contains("boundary is empty"),
        "a message whose parts cannot be found keeps its prose: {:?}",
        out.complaints[1].1.body
    );
    assert_eq!(
        out.complaints[2]
            .1
            .received_at
            .format("%Y-%m-%d")
            .to_string(),
        "2026-10-07",
        "a message without a Date header is dated by its mbox From line"
    );
    assert!(
        out.rejections[0].reason.contains("no text"),
        "the message without a body is rejected with the reason: {:?}",
        out.rejections
    );
    for (_, c) in &out.complaints {
        assert!(
            !c.body.contains('@') || c.body.contains("[email]"),
            "addresses are redacted even in broken messages: {}",
            c.body
        );
    }
}

#[test]
fn json_that_is_not_an_array_of_objects_says_so() {
    let out = outcome(&fixture("nasty/mixed.json")).expect("the array is read");
    accounted("mixed.json", &out, 5);
    assert_eq!(out.complaints.len(), 2, "the two objects with text import");
}

#[test]
fn a_ten_megabyte_field_rejects_its_row_and_the_rest_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = b"id,text\n1,first\n2,\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'z', 10 * 1024 * 1024));
    bytes.extend_from_slice(b"\"\n3,third\n");
    let path = write(&dir, "big-field.csv", &bytes);
    let out = outcome(&path).expect("the file is read");
    accounted("big-field.csv", &out, 3);
    assert!(
        out.rejections[0].reason.contains("over 1 MB"),
        "{:?}",
        out.rejections
    );
    assert_eq!(out.rejections[0].line, 3, "the rejection names its line");
}

#[test]
fn a_million_columns_is_refused_with_the_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wide.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    f.write_all(b"text").expect("write");
    for i in 0..1_000_000 {
        write!(f, ",c{i}").expect("write");
    }
    f.write_all(b"\nhello there, the card was declined")
        .expect("write");
    for _ in 0..1_000_000 {
        f.write_all(b",").expect("write");
    }
    f.write_all(b"\n").expect("write");
    f.flush().expect("flush");
    drop(f);
    let err = outcome(&path).expect_err("a million columns is not a complaint export");
    assert!(
        err.contains("1000001 columns"),
        "the refusal says why: {err}"
    );
}

#[test]
fn json_nested_a_million_deep_stops_with_a_reason_instead_of_overflowing_the_stack() {
    let dir = tempfile::tempdir().expect("temp dir");
    let depth = 1_000_000;
    let mut bytes = b"[{\"text\": \"fine\"}, {\"text\": ".to_vec();
    bytes.extend(std::iter::repeat_n(b'[', depth));
    bytes.extend(std::iter::repeat_n(b']', depth));
    bytes.extend_from_slice(b"}, {\"text\": \"also fine\"}]");
    let path = write(&dir, "deep.json", &bytes);
    // One JSON array is one document: past the nesting limit the rest cannot be read, which
    // the import says, keeping what came before.
    let out = outcome(&path).expect("the file is read up to the deep value");
    assert_eq!(
        out.complaints.len(),
        1,
        "the record before the deep one imports"
    );
    let stop = out.stopped.as_deref().unwrap_or_default();
    assert!(
        stop.contains("recursion limit") && stop.contains("not read"),
        "the import says where and why it stopped: {stop:?}"
    );

    let mut lines = b"{\"text\": \"fine\"}\n{\"text\": ".to_vec();
    lines.extend(std::iter::repeat_n(b'[', depth));
    lines.extend(std::iter::repeat_n(b']', depth));
    lines.extend_from_slice(b"}\n{\"text\": \"also fine\"}\n");
    let path = write(&dir, "deep.jsonl", &lines);
    let options = ImportOptions {
        format: Some(Format::Jsonl),
        ..ImportOptions::default()
    };
    let out = import(&path, &options).expect("JSON Lines are read line by line");
    accounted("deep.jsonl", &out, 3);
    assert_eq!(
        out.complaints.len(),
        2,
        "the lines around the deep one import"
    );
}

#[test]
fn a_file_of_only_a_header_or_only_blank_lines_imports_nothing_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let header = write(&dir, "header.csv", b"id,date,text\n");
    let out = outcome(&header).expect("a header alone is an empty export");
    accounted("header.csv", &out, 0);
    let blank = write(&dir, "blank.csv", b"\n\n\n\r\n");
    assert!(
        outcome(&blank).is_err(),
        "a file with no header is refused with a message"
    );
}
