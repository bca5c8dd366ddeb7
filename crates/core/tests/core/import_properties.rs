//! Arbitrary input never panics the importer, and every record is accounted for.

use chair_core::import::{Format, ImportOptions};
use proptest::prelude::*;

use crate::support::{import, write};

fn run_bytes(name: &str, bytes: &[u8], format: Option<Format>) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, name, bytes);
    let opts = ImportOptions {
        format,
        ..ImportOptions::default()
    };
    // Refusal is fine; a panic is not.
    let _ = import(&p, &opts);
}

/// Cases per property: a quick run by default, `PROPTEST_CASES` for a soak (`make soak`).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (name, format) in [("a.csv", None), ("b.csv", Some(Format::Csv)), ("c.json", Some(Format::Json)),
                               ("d.jsonl", Some(Format::Jsonl)), ("e.mbox", Some(Format::Mbox)), ("f.eml", Some(Format::Eml))] {
            run_bytes(name, &bytes, format);
        }
    }

    #[test]
    fn arbitrary_text_after_a_valid_header_never_panics(body in "\\PC{0,400}", quote in any::<bool>()) {
        let mut bytes = b"id,date,text\n".to_vec();
        if quote { bytes.push(b'"'); }
        bytes.extend_from_slice(body.as_bytes());
        run_bytes("g.csv", &bytes, None);
        let mut mbox = b"From x@y.z Mon Jan  5 10:00:00 2026\nSubject: s\n\n".to_vec();
        mbox.extend_from_slice(body.as_bytes());
        run_bytes("h.mbox", &mbox, None);
    }

    #[test]
    fn every_csv_row_becomes_one_complaint_or_one_rejection(
        rows in proptest::collection::vec(("[a-z ]{0,12}", "(2026-0[1-9]-1[0-9]|soon|)", any::<bool>()), 1..40)
    ) {
        let mut csv = String::from("id,date,text\n");
        for (i, (text, date, quoted)) in rows.iter().enumerate() {
            let text = if *quoted { format!("\"{text}, with a comma\"") } else { text.clone() };
            csv.push_str(&format!("{i},{date},{text}\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "rows.csv", csv.as_bytes());
        let out = import(&p, &ImportOptions::default()).unwrap();
        prop_assert_eq!(out.complaints.len() + out.rejections.len(), rows.len());
        prop_assert!(out.stopped.is_none());
    }

    #[test]
    fn every_json_line_becomes_one_complaint_or_one_rejection(
        first in "[a-z ]{1,20}",
        rest in proptest::collection::vec(prop_oneof![
            "[a-z ]{1,20}".prop_map(|t| format!("{{\"text\": \"{t}\"}}")),
            "\\PC{1,30}",
        ], 0..40)
    ) {
        // The first line is an object, so the file is recognised as JSON Lines; the others are
        // objects or arbitrary text, each on one non-blank line.
        let lines: Vec<String> = std::iter::once(format!("{{\"text\": \"{first}\"}}"))
            .chain(rest.into_iter().map(|l| {
                let l = l.replace(['\n', '\r'], " ");
                if l.trim().is_empty() { "x".to_string() } else { l }
            }))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "rows.jsonl", lines.join("\n").as_bytes());
        let out = import(&p, &ImportOptions { format: Some(Format::Jsonl), ..ImportOptions::default() })
            .map_err(|e| TestCaseError::fail(format!("a file that starts with an object is read: {e}")))?;
        prop_assert_eq!(out.complaints.len() + out.rejections.len(), lines.len());
    }
}
