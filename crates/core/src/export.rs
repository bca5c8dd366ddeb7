//! The decision log written out for people, an entry at a time so a long log is never held in
//! memory: CSV for a spreadsheet and Markdown to read. (The verifiable JSON export is the
//! hashed wire form itself, [`HashedEntry`], between [`json_head`] and [`JSON_TAIL`].)
//!
//! CSV and Markdown name things as the organisation knows them: meetings and items by title,
//! personas by name, evidence by the complaint's own reference and the start of its text.
//! These come from the store as an [`AuditRow`]: a decision's own row, or, for a revocation,
//! the row of the decision it revokes (same meeting and item).

use crate::audit::{AuditRow, EvidenceRef, evidence_line};
use crate::chain::{EXPORT_FORMAT, HashedEntry, VERSION};
use crate::entry::{Act, Entry};

/// The start of a JSON export, up to the first entry.
pub fn json_head(exported_at: &str, complete: bool) -> String {
    format!(
        "{{\"format\":\"{EXPORT_FORMAT}\",\"version\":{VERSION},\"exported_at\":\"{exported_at}\",\"complete\":{complete},\"entries\":["
    )
}

/// The end of a JSON export, after the last entry.
pub const JSON_TAIL: &str = "]}\n";

/// The columns of the CSV export, in order.
pub const CSV_COLUMNS: [&str; 21] = [
    "seq",
    "recorded_at",
    "kind",
    "status",
    "meeting",
    "agenda_item",
    "statement",
    "direction",
    "size",
    "impact",
    "personas",
    "advocate",
    "advocate_note",
    "no_evidence",
    "evidence",
    "follow_ups",
    "target_seq",
    "reason",
    "decided_by",
    "prev_hash",
    "hash",
];

/// One line of CSV, quoted as needed.
pub fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// The CSV record of `e` (hashed as `hash`), in the order of [`CSV_COLUMNS`].
pub fn csv_record(e: &Entry, hash: &str, row: Option<&AuditRow>) -> [String; 21] {
    let d = e.decision();
    let follow_ups: Vec<String> = d
        .map(|d| {
            d.follow_ups
                .iter()
                .map(|f| format!("{}; {}; {}", f.what, f.owner, f.due))
                .collect()
        })
        .unwrap_or_default();
    let status = match (&e.act, row) {
        (Act::Revoke { .. }, _) => "revocation",
        (_, Some(r)) => r.status.as_str(),
        (_, None) => "",
    };
    // Named as the organisation knows them; the ids stay in the JSON export, which is hashed.
    let evidence: Vec<String> = match (d, row) {
        (Some(_), Some(r)) => r.evidence.iter().map(EvidenceRef::label).collect(),
        (Some(d), None) => d.evidence.iter().map(|c| c.to_string()).collect(),
        (None, _) => Vec::new(),
    };
    let (target, reason) = e
        .closes()
        .map(|(t, r)| (t.to_string(), r.to_string()))
        .unwrap_or_default();
    [
        e.seq.to_string(),
        e.recorded_at.clone(),
        e.kind().as_str().to_string(),
        status.to_string(),
        row.map(|r| r.meeting_title.clone()).unwrap_or_default(),
        row.map(|r| r.item_title.clone()).unwrap_or_default(),
        d.map(|d| d.statement.clone()).unwrap_or_default(),
        d.map(|d| d.direction.as_str()).unwrap_or("").to_string(),
        d.map(|d| d.size.as_str()).unwrap_or("").to_string(),
        d.map(|d| d.impact.clone()).unwrap_or_default(),
        match (d, row) {
            (Some(_), Some(r)) => r.personas.join(", "),
            _ => String::new(),
        },
        d.map(|d| d.stance.as_str()).unwrap_or("").to_string(),
        d.map(|d| d.advocate_note.clone()).unwrap_or_default(),
        d.is_some_and(|d| d.no_evidence).to_string(),
        evidence.join("; "),
        follow_ups.join(" | "),
        target,
        reason,
        e.decided_by.clone(),
        e.prev_hash.clone(),
        hash.to_string(),
    ]
}

/// The start of a Markdown export.
pub fn markdown_head(exported_at: &str, complete: bool) -> String {
    format!(
        "# Decision log\n\nExported {exported_at}{}.\n\n",
        if complete { "" } else { " (filtered)" }
    )
}

/// The Markdown section of `h`, read as `e`.
pub fn markdown_entry(h: &HashedEntry, e: &Entry, row: Option<&AuditRow>) -> String {
    use std::fmt::Write;
    let mut md = String::new();
    let date = e.recorded_at.get(..10).unwrap_or(&e.recorded_at);
    match &e.act {
        Act::Revoke { target_seq, reason } => {
            let _ = writeln!(
                md,
                "## {} · {date} · revokes decision {target_seq}\n",
                e.seq
            );
            let _ = writeln!(md, "Reason: {reason}\n");
        }
        Act::Decide(d) | Act::Supersede { decision: d, .. } => {
            let status = match row.map(|r| r.status.as_str()) {
                Some("current") | None => String::new(),
                Some(s) => format!(" ({s})"),
            };
            let _ = writeln!(md, "## {} · {date} · {}{status}\n", e.seq, d.statement);
            if let Some(r) = row {
                let item = if r.item_title.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", r.item_title)
                };
                let _ = writeln!(md, "- Meeting: {}{item}", r.meeting_title);
            }
            if let Act::Supersede {
                target_seq, reason, ..
            } = &e.act
            {
                let _ = writeln!(md, "- Supersedes decision {target_seq}: {reason}");
            }
            let _ = writeln!(
                md,
                "- Customer impact: **{}**, {} — {}",
                d.direction.as_str(),
                d.size.as_str(),
                d.impact
            );
            if let Some(r) = row.filter(|r| !r.personas.is_empty()) {
                let _ = writeln!(md, "- Personas: {}", r.personas.join(", "));
            }
            let evidence = match row {
                Some(r) => evidence_line(d.no_evidence, &r.evidence),
                None if d.no_evidence => "no customer evidence".to_string(),
                None => format!("{} complaint(s)", d.evidence.len()),
            };
            let _ = writeln!(md, "- Evidence: {evidence}");
            let note = if d.advocate_note.is_empty() {
                String::new()
            } else {
                format!(": “{}”", d.advocate_note)
            };
            let _ = writeln!(md, "- Advocate: {}{note}", d.stance.as_str());
            for f in &d.follow_ups {
                let _ = writeln!(md, "- Follow-up: {} ({}, by {})", f.what, f.owner, f.due);
            }
            if !e.decided_by.is_empty() {
                let _ = writeln!(md, "- Decided by: {}", e.decided_by);
            }
            md.push('\n');
        }
    }
    let _ = writeln!(md, "`{}`\n", h.hash);
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{RowContext, Status};
    use crate::chain::{EntryKind, GENESIS};
    use crate::decision::{Direction, Size, Stance};
    use crate::entry::Decided;
    use uuid::Uuid;

    fn decision(seq: i64) -> Entry {
        Entry {
            seq,
            id: Uuid::from_u128(seq as u128),
            meeting_id: Uuid::from_u128(100),
            agenda_item_id: None,
            recorded_at: "2026-11-30T09:15:00.000Z".into(),
            decided_by: "Ana".into(),
            prev_hash: GENESIS.into(),
            act: Act::Decide(Decided {
                statement: "Send a text, when a transfer fails".into(),
                direction: Direction::Helps,
                size: Size::Medium,
                impact: "Customers learn of it the same day".into(),
                personas: Vec::new(),
                evidence: vec![Uuid::from_u128(9)],
                no_evidence: false,
                stance: Stance::Objects,
                advocate_note: "Too slow".into(),
                follow_ups: Vec::new(),
                on_screen: Vec::new(),
            }),
        }
    }

    fn hashed(e: &Entry) -> HashedEntry {
        let entry = e.to_log_entry();
        HashedEntry {
            hash: entry.hash(),
            entry,
        }
    }

    fn row(e: &Entry, closed_by: Option<(i64, EntryKind, String)>) -> AuditRow {
        AuditRow::new(
            e,
            RowContext {
                meeting_title: "Weekly review".into(),
                item_title: "Failed transfers".into(),
                evidence: vec![EvidenceRef::new(
                    Uuid::from_u128(9),
                    "FW-1",
                    "My transfer failed twice",
                )],
                personas: vec!["Small business owner".into()],
                closed_by,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_csv_record_names_evidence_by_reference_and_quotes_what_needs_it() {
        let e = decision(1);
        let r = row(&e, None);
        let rec = csv_record(&e, "abc", Some(&r));
        assert_eq!(rec.len(), CSV_COLUMNS.len());
        assert_eq!(rec[3], "current");
        assert_eq!(rec[14], "FW-1 “My transfer failed twice”");
        let line = String::from_utf8(csv_line(&rec)).unwrap();
        assert!(
            line.contains("\"Send a text, when a transfer fails\""),
            "{line}"
        );
        assert!(line.ends_with("abc\n"));
    }

    #[test]
    fn a_revocation_reads_as_one_in_csv_and_markdown() {
        let target = decision(1);
        let revoke = Entry {
            act: Act::Revoke {
                target_seq: 1,
                reason: "Budget withdrawn".into(),
            },
            ..decision(2)
        };
        let r = row(
            &target,
            Some((2, EntryKind::Revoke, "Budget withdrawn".into())),
        );
        assert_eq!(r.status, Status::Revoked);
        assert_eq!(r.closed_reason, "Budget withdrawn");
        let rec = csv_record(&revoke, "h", Some(&r));
        assert_eq!(
            (rec[2].as_str(), rec[3].as_str(), rec[6].as_str()),
            ("revoke", "revocation", "")
        );
        assert_eq!(
            (rec[16].as_str(), rec[17].as_str()),
            ("1", "Budget withdrawn")
        );
        let md = markdown_entry(&hashed(&revoke), &revoke, Some(&r));
        assert!(
            md.starts_with("## 2 · 2026-11-30 · revokes decision 1\n"),
            "{md}"
        );
        assert!(md.contains("Reason: Budget withdrawn"));
    }

    #[test]
    fn a_markdown_entry_marks_what_no_longer_stands_and_names_its_evidence() {
        let e = decision(1);
        let r = row(&e, Some((3, EntryKind::Supersede, "Sooner".into())));
        let md = markdown_entry(&hashed(&e), &e, Some(&r));
        assert!(md.contains("(superseded)"), "{md}");
        assert!(md.contains("- Meeting: Weekly review — Failed transfers"));
        assert!(md.contains("- Customer impact: **helps**, medium — Customers learn"));
        assert!(md.contains("- Evidence: FW-1 “My transfer failed twice”"));
        assert!(md.contains("- Advocate: objects: “Too slow”"));
        assert!(md.trim_end().ends_with(&format!("`{}`", hashed(&e).hash)));
    }
}
