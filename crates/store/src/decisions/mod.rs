//! The append-only decision log, by job:
//!
//! - [`append`]: appending decisions, supersessions and revocations to the hash chain;
//! - [`read`]: reading the chain back whole, a chunk at a time, to verify or export it;
//! - [`audit`]: the leaders' filtered lists and one decision in full;
//! - [`dashboard`]: the leaders' weekly figures.
//!
//! Every reader decodes a stored entry one way: SQLite writes it out as JSON shaped like the
//! hashed wire form (the `decision_entries` view), [`decode`] reads that into a
//! [`HashedEntry`], and [`Entry::try_from`] into one of the three kinds of entry; a row that
//! cannot be read, or that no writer could have written, is reported as corrupt, never filled
//! in with defaults. CSV and Markdown rendering live in `chair_core::export`; "the decisions
//! that stand" is the `current_decisions` view.

mod append;
mod audit;
mod dashboard;
mod read;

pub use chair_core::audit::ExportFormat;
use chair_core::chain::{EntryKind, GENESIS, HashedEntry, LogEntry, LogHead, ScreenEntry, VERSION};
use chair_core::decision::{Direction, FollowUp, Size, Stance};
use chair_core::entry::Entry;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Result, StoreError};

/// The lists of an entry kept as JSON beside its columns; part of what the hash covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Details {
    personas: Vec<Uuid>,
    evidence: Vec<Uuid>,
    follow_ups: Vec<FollowUp>,
    on_screen: Vec<ScreenEntry>,
}

fn corrupt_row(what: &str) -> StoreError {
    StoreError::Corrupt(format!("a decision log row cannot be read: {what}"))
}

/// A log row as the `decision_entries` view writes it out.
#[derive(Deserialize)]
struct RowJson {
    seq: i64,
    id: Uuid,
    kind: String,
    target_seq: Option<i64>,
    reason: String,
    meeting_id: Uuid,
    agenda_item_id: Option<Uuid>,
    recorded_at: String,
    decided_by: String,
    statement: String,
    impact_direction: Option<String>,
    impact_size: Option<String>,
    impact_text: String,
    no_evidence: i64,
    advocate_stance: Option<String>,
    advocate_note: String,
    details: Details,
    prev_hash: String,
    hash: String,
}

impl RowJson {
    /// The entry exactly as it was hashed; what cannot be read is named.
    fn hashed(self) -> std::result::Result<HashedEntry, String> {
        fn known<T>(
            col: &str,
            text: Option<String>,
            parse: fn(&str) -> Option<T>,
        ) -> std::result::Result<Option<T>, String> {
            text.map(|t| parse(&t).ok_or(format!("unknown {col} \"{t}\"")))
                .transpose()
        }
        Ok(HashedEntry {
            entry: LogEntry {
                v: VERSION,
                seq: self.seq,
                id: self.id,
                kind: EntryKind::parse(&self.kind)
                    .ok_or(format!("unknown kind \"{}\"", self.kind))?,
                target_seq: self.target_seq,
                reason: self.reason,
                meeting_id: self.meeting_id,
                agenda_item_id: self.agenda_item_id,
                recorded_at: self.recorded_at,
                decided_by: self.decided_by,
                statement: self.statement,
                direction: known("impact direction", self.impact_direction, Direction::parse)?,
                size: known("impact size", self.impact_size, Size::parse)?,
                impact: self.impact_text,
                personas: self.details.personas,
                evidence: self.details.evidence,
                no_evidence: self.no_evidence != 0,
                stance: known("advocate stance", self.advocate_stance, Stance::parse)?,
                advocate_note: self.advocate_note,
                follow_ups: self.details.follow_ups,
                on_screen: self.details.on_screen,
                prev_hash: self.prev_hash,
            },
            hash: self.hash,
        })
    }
}

/// The log's newest entry: its number and hash, or `0` and [`GENESIS`] for an empty log. What
/// the next entry links to, and what a verify of an intact log reports.
async fn newest(conn: &mut sqlx::SqliteConnection) -> Result<LogHead> {
    let head = sqlx::query!(
        r#"SELECT seq AS "seq!: i64", hash FROM decision_log ORDER BY seq DESC LIMIT 1"#
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match head {
        Some(r) => LogHead {
            entries: r.seq,
            head: r.hash,
        },
        None => LogHead {
            entries: 0,
            head: GENESIS.to_string(),
        },
    })
}

/// Decodes one entry as the `decision_entries` view writes it.
fn decode(json: &str) -> Result<HashedEntry> {
    let row: RowJson = serde_json::from_str(json).map_err(|e| corrupt_row(&e.to_string()))?;
    let seq = row.seq;
    row.hashed()
        .map_err(|why| corrupt_row(&format!("entry {seq}: {why}")))
}

/// Decodes one entry and reads it as one of the three kinds.
fn decode_entry(json: &str) -> Result<(HashedEntry, Entry)> {
    let h = decode(json)?;
    let e = Entry::try_from(h.entry.clone())
        .map_err(|why| corrupt_row(&format!("entry {}: {why}", h.entry.seq)))?;
    Ok((h, e))
}
