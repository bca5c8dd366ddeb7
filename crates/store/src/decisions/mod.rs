//! The append-only decision log. Every entry is appended inside `BEGIN IMMEDIATE`, which
//! takes the database's write lock before the head of the chain is read, so two writers (two
//! windows, the app and the command line) can never fork the chain; `seq` is the primary
//! key, so a sequence number can never be reused either. The database refuses UPDATE and
//! DELETE on the log (see the migrations); corrections are new entries.

use std::collections::HashMap;
use std::io::Write;

pub use chair_core::audit::ExportFormat;
use chair_core::audit::{
    AuditFilter, AuditPage, AuditRow, Dashboard, DecisionDetail, EvidenceRef, FollowUpState,
    SeenComplaint, Sort, Status, StatusFilter, WeekCount, week_of,
};
use chair_core::chain::{
    Appended, EXPORT_FORMAT, EntryKind, GENESIS, HashedEntry, LogEntry, ScreenEntry, VERSION,
    Verifier, VerifyReport,
};
use chair_core::decision::{DecisionDraft, Direction, FollowUp, Size, Stance};
use chair_core::{Invalid, Valid};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::rows;
use crate::time::ts;
use crate::{Result, Store, StoreError};

/// The lists of an entry kept as JSON beside its columns; part of what the hash covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Details {
    personas: Vec<Uuid>,
    evidence: Vec<Uuid>,
    follow_ups: Vec<FollowUp>,
    on_screen: Vec<ScreenEntry>,
}

const ENTRY_COLUMNS: &str = "d.seq, d.id, d.kind, d.target_seq, d.reason, d.meeting_id, d.agenda_item_id, d.recorded_at,
    d.decided_by, d.statement, d.impact_direction, d.impact_size, d.impact_text, d.no_evidence, d.advocate_stance,
    d.advocate_note, d.details, d.prev_hash, d.hash";

fn corrupt_row(what: &str) -> StoreError {
    StoreError::Corrupt(format!("a decision log row cannot be read: {what}"))
}

fn uuid_col(r: &SqliteRow, col: &str) -> Result<Uuid> {
    rows::id(r, "decision log", col)
}

/// Rebuilds the hashed entry from a log row, exactly as it was when appended.
fn entry_from_row(r: &SqliteRow) -> Result<HashedEntry> {
    let kind_text: String = r.try_get("kind")?;
    let details_text: String = r.try_get("details")?;
    let details: Details =
        serde_json::from_str(&details_text).map_err(|e| corrupt_row(&format!("details: {e}")))?;
    let opt = |col: &str| -> Result<Option<String>> { Ok(r.try_get::<Option<String>, _>(col)?) };
    let agenda: Option<String> = opt("agenda_item_id")?;
    let entry = LogEntry {
        v: VERSION,
        seq: r.try_get("seq")?,
        id: uuid_col(r, "id")?,
        kind: EntryKind::parse(&kind_text).ok_or_else(|| corrupt_row("unknown kind"))?,
        target_seq: r.try_get("target_seq")?,
        reason: r.try_get("reason")?,
        meeting_id: uuid_col(r, "meeting_id")?,
        agenda_item_id: agenda
            .map(|a| rows::parse_id(&a, "decision log", "agenda_item_id"))
            .transpose()?,
        recorded_at: r.try_get("recorded_at")?,
        decided_by: r.try_get("decided_by")?,
        statement: r.try_get("statement")?,
        direction: opt("impact_direction")?
            .as_deref()
            .and_then(Direction::parse),
        size: opt("impact_size")?.as_deref().and_then(Size::parse),
        impact: r.try_get("impact_text")?,
        personas: details.personas,
        evidence: details.evidence,
        no_evidence: r.try_get::<i64, _>("no_evidence")? != 0,
        stance: opt("advocate_stance")?.as_deref().and_then(Stance::parse),
        advocate_note: r.try_get("advocate_note")?,
        follow_ups: details.follow_ups,
        on_screen: details.on_screen,
        prev_hash: r.try_get("prev_hash")?,
    };
    Ok(HashedEntry {
        entry,
        hash: r.try_get("hash")?,
    })
}

/// A log row as SQLite writes it out in JSON (see [`entries_after`]).
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

/// How many entries one read of the whole log takes at a time.
const CHUNK: i64 = 2_000;

/// An entry as read back, or the sequence number and reason of a row that cannot be read.
type ChunkEntry = std::result::Result<HashedEntry, (i64, String)>;

/// A connection for a reader; when none can be had, the reader's caller is told why.
async fn connection(
    pool: &sqlx::SqlitePool,
    tx: &tokio::sync::mpsc::Sender<Result<Vec<ChunkEntry>>>,
) -> Option<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
    match pool.acquire().await {
        Ok(c) => Some(c),
        Err(e) => {
            let _ = tx.send(Err(e.into())).await;
            None
        }
    }
}

/// The entries numbered `(from, from + CHUNK]`, then every other such range, up to `last`.
async fn read_ranges(
    pool: sqlx::SqlitePool,
    mut from: i64,
    last: i64,
    tx: tokio::sync::mpsc::Sender<Result<Vec<ChunkEntry>>>,
) {
    let Some(mut conn) = connection(&pool, &tx).await else {
        return;
    };
    while from < last {
        let chunk = entries_after(&mut conn, from, Some(from + CHUNK)).await;
        let failed = chunk.is_err();
        if tx.send(chunk).await.is_err() || failed {
            return;
        }
        from += 2 * CHUNK;
    }
}

/// Every entry in order, each chunk starting after the last one read (for a log whose
/// numbers have gaps: a damaged one).
async fn read_following(
    pool: sqlx::SqlitePool,
    tx: tokio::sync::mpsc::Sender<Result<Vec<ChunkEntry>>>,
) {
    let Some(mut conn) = connection(&pool, &tx).await else {
        return;
    };
    let mut after = 0;
    loop {
        let chunk = match entries_after(&mut conn, after, None).await {
            Ok(c) if c.is_empty() => return,
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let last = chunk
            .iter()
            .map(|e| match e {
                Ok(h) => h.entry.seq,
                Err((seq, _)) => *seq,
            })
            .max()
            .unwrap_or(after);
        // A chunk that does not move on ends with a row that cannot be read, which the
        // reader reports; nothing after it can be trusted in order.
        let stuck = last <= after;
        after = last;
        if tx.send(Ok(chunk)).await.is_err() || stuck {
            return;
        }
    }
}

/// Up to [`CHUNK`] entries after `seq` (and up to `until`, when given), in order. SQLite
/// writes each chunk as one JSON text: one value crossing from SQLite's thread instead of
/// nineteen per entry.
async fn entries_after(
    conn: &mut sqlx::SqliteConnection,
    seq: i64,
    until: Option<i64>,
) -> Result<Vec<std::result::Result<HashedEntry, (i64, String)>>> {
    // As bytes: a damaged row may hold text that is not UTF-8, which then reads back changed
    // and fails its hash, naming the entry, instead of failing the whole read.
    let bytes: Vec<u8> = sqlx::query_scalar(
        "SELECT CAST(coalesce(json_group_array(json_object(
                    'seq', seq, 'id', id, 'kind', kind, 'target_seq', target_seq, 'reason', reason,
                    'meeting_id', meeting_id, 'agenda_item_id', agenda_item_id, 'recorded_at', recorded_at,
                    'decided_by', decided_by, 'statement', statement, 'impact_direction', impact_direction,
                    'impact_size', impact_size, 'impact_text', impact_text, 'no_evidence', no_evidence,
                    'advocate_stance', advocate_stance, 'advocate_note', advocate_note,
                    'details', CASE WHEN json_valid(details) THEN json(details) ELSE details END,
                    'prev_hash', prev_hash, 'hash', hash)), '[]') AS BLOB)
           FROM (SELECT * FROM decision_log WHERE seq > ?1 AND seq <= ?3 ORDER BY seq LIMIT ?2)",
    )
    .bind(seq)
    .bind(CHUNK)
    .bind(until.unwrap_or(i64::MAX))
    .fetch_one(&mut *conn)
    .await?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(&bytes),
    };
    // Straight into rows; only a chunk with a damaged row is read again value by value, to
    // name the row.
    let rows: Vec<std::result::Result<RowJson, (i64, String)>> =
        match serde_json::from_str::<Vec<RowJson>>(&text) {
            Ok(rows) => rows.into_iter().map(Ok).collect(),
            Err(_) => serde_json::from_str::<Vec<serde_json::Value>>(&text)?
                .into_iter()
                .map(|v| {
                    let seq = v
                        .get("seq")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(0);
                    serde_json::from_value::<RowJson>(v).map_err(|e| (seq, e.to_string()))
                })
                .collect(),
        };
    Ok(rows
        .into_iter()
        .map(|r| {
            let r = r?;
            Ok(HashedEntry {
                entry: LogEntry {
                    v: VERSION,
                    seq: r.seq,
                    id: r.id,
                    kind: EntryKind::parse(&r.kind)
                        .ok_or((r.seq, format!("unknown kind \"{}\"", r.kind)))?,
                    target_seq: r.target_seq,
                    reason: r.reason,
                    meeting_id: r.meeting_id,
                    agenda_item_id: r.agenda_item_id,
                    recorded_at: r.recorded_at,
                    decided_by: r.decided_by,
                    statement: r.statement,
                    direction: r.impact_direction.as_deref().and_then(Direction::parse),
                    size: r.impact_size.as_deref().and_then(Size::parse),
                    impact: r.impact_text,
                    personas: r.details.personas,
                    evidence: r.details.evidence,
                    no_evidence: r.no_evidence != 0,
                    stance: r.advocate_stance.as_deref().and_then(Stance::parse),
                    advocate_note: r.advocate_note,
                    follow_ups: r.details.follow_ups,
                    on_screen: r.details.on_screen,
                    prev_hash: r.prev_hash,
                },
                hash: r.hash,
            })
        })
        .collect())
}

/// What an entry says, before it has a place in the chain.
struct Content<'a> {
    kind: EntryKind,
    target_seq: Option<i64>,
    reason: &'a str,
    meeting_id: Uuid,
    agenda_item_id: Option<Uuid>,
    decided_by: &'a str,
    decision: Option<&'a DecisionDraft>,
}

/// Appends one entry inside `tx` (which must hold the write lock): reads the head, links to
/// it, hashes, inserts the row and its look-up rows.
async fn append(
    tx: &mut Transaction<'_, Sqlite>,
    c: Content<'_>,
    at: DateTime<Utc>,
) -> Result<Appended> {
    let head = sqlx::query("SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (prev_seq, prev_hash): (i64, String) = match head {
        Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
        None => (0, GENESIS.to_string()),
    };
    let d = c.decision;
    let entry = LogEntry {
        v: VERSION,
        seq: prev_seq + 1,
        id: Uuid::now_v7(),
        kind: c.kind,
        target_seq: c.target_seq,
        reason: c.reason.to_string(),
        meeting_id: c.meeting_id,
        agenda_item_id: c.agenda_item_id,
        recorded_at: ts(at),
        decided_by: c.decided_by.to_string(),
        statement: d.map(|d| d.statement.clone()).unwrap_or_default(),
        direction: d.map(|d| d.direction),
        size: d.map(|d| d.size),
        impact: d.map(|d| d.impact.clone()).unwrap_or_default(),
        personas: d.map(|d| d.personas.clone()).unwrap_or_default(),
        evidence: d.map(|d| d.evidence.clone()).unwrap_or_default(),
        no_evidence: d.is_some_and(|d| d.no_evidence),
        stance: d.map(|d| d.stance),
        advocate_note: d.map(|d| d.advocate_note.clone()).unwrap_or_default(),
        follow_ups: d.map(|d| d.follow_ups.clone()).unwrap_or_default(),
        on_screen: d
            .map(|d| {
                d.on_screen
                    .iter()
                    .map(|s| ScreenEntry {
                        complaint_id: s.complaint_id,
                        score: ScreenEntry::score_text(s.score),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        prev_hash,
    };
    let hash = entry.hash();
    let details = serde_json::to_string(&Details {
        personas: entry.personas.clone(),
        evidence: entry.evidence.clone(),
        follow_ups: entry.follow_ups.clone(),
        on_screen: entry.on_screen.clone(),
    })?;
    sqlx::query(
        "INSERT INTO decision_log (seq, id, kind, target_seq, reason, meeting_id, agenda_item_id, recorded_at,
                                   decided_by, statement, impact_direction, impact_size, impact_text, no_evidence,
                                   advocate_stance, advocate_note, details, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.seq)
    .bind(entry.id.hyphenated().to_string())
    .bind(entry.kind.as_str())
    .bind(entry.target_seq)
    .bind(&entry.reason)
    .bind(entry.meeting_id.hyphenated().to_string())
    .bind(entry.agenda_item_id.map(|a| a.hyphenated().to_string()))
    .bind(&entry.recorded_at)
    .bind(&entry.decided_by)
    .bind(&entry.statement)
    .bind(entry.direction.map(Direction::as_str))
    .bind(entry.size.map(Size::as_str))
    .bind(&entry.impact)
    .bind(entry.no_evidence)
    .bind(entry.stance.map(Stance::as_str))
    .bind(&entry.advocate_note)
    .bind(details)
    .bind(&entry.prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(|e| refs_error(e, "the meeting or agenda item"))?;
    for p in &entry.personas {
        sqlx::query("INSERT INTO decision_personas (seq, persona_id) VALUES (?, ?)")
            .bind(entry.seq)
            .bind(p.hyphenated().to_string())
            .execute(&mut **tx)
            .await
            .map_err(|e| refs_error(e, "a persona named in the impact"))?;
    }
    for c in &entry.evidence {
        sqlx::query("INSERT INTO decision_evidence (seq, complaint_id) VALUES (?, ?)")
            .bind(entry.seq)
            .bind(c.hyphenated().to_string())
            .execute(&mut **tx)
            .await
            .map_err(|e| refs_error(e, "a complaint given as evidence"))?;
    }
    Ok(Appended {
        seq: entry.seq,
        entry_id: entry.id,
        hash,
    })
}

fn refs_error(e: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_foreign_key_violation()
    {
        return StoreError::NotFound(format!("{what} does not exist (any more)"));
    }
    e.into()
}

/// Checks that `item` belongs to `meeting`.
async fn check_item(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    item: Option<Uuid>,
) -> Result<()> {
    let Some(item) = item else { return Ok(()) };
    let owner: Option<String> =
        sqlx::query_scalar("SELECT meeting_id FROM agenda_items WHERE id = ?")
            .bind(item.hyphenated().to_string())
            .fetch_optional(&mut **tx)
            .await?;
    match owner {
        None => Err(StoreError::NotFound(
            "that agenda item does not exist (any more)".into(),
        )),
        Some(m) if m != meeting.hyphenated().to_string() => {
            Err(Invalid::new("agenda item", "belongs to another meeting").into())
        }
        Some(_) => Ok(()),
    }
}

/// The entry `seq` must exist, be a decision (not a revocation) and still stand.
async fn check_target(tx: &mut Transaction<'_, Sqlite>, seq: i64) -> Result<(Uuid, Option<Uuid>)> {
    let r = sqlx::query("SELECT kind, meeting_id, agenda_item_id FROM decision_log WHERE seq = ?")
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("the decision log has no entry {seq}")))?;
    let kind: String = r.try_get("kind")?;
    if kind == "revoke" {
        return Err(StoreError::Conflict(format!(
            "entry {seq} is a revocation, not a decision"
        )));
    }
    let closed: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, kind FROM decision_log WHERE target_seq = ?")
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((by, how)) = closed {
        let how = if how == "revoke" {
            "revoked"
        } else {
            "superseded"
        };
        return Err(StoreError::Conflict(format!(
            "decision {seq} was already {how} by entry {by}"
        )));
    }
    let meeting = uuid_col(&r, "meeting_id")?;
    let item = rows::opt_id(&r, "decision log", "agenda_item_id")?;
    Ok((meeting, item))
}

impl Store {
    /// Appends a decision; durable when this returns.
    pub async fn record_decision(
        &self,
        d: &Valid<DecisionDraft>,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        Ok(self
            .record_decisions(std::slice::from_ref(d), at)
            .await?
            .remove(0))
    }

    /// Appends several decisions in one transaction: all or none.
    pub async fn record_decisions(
        &self,
        many: &[Valid<DecisionDraft>],
        at: DateTime<Utc>,
    ) -> Result<Vec<Appended>> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut out = Vec::with_capacity(many.len());
        for d in many {
            check_item(&mut tx, d.meeting_id, d.agenda_item_id).await?;
            out.push(
                append(
                    &mut tx,
                    Content {
                        kind: EntryKind::Decision,
                        target_seq: None,
                        reason: "",
                        meeting_id: d.meeting_id,
                        agenda_item_id: d.agenda_item_id,
                        decided_by: &d.decided_by,
                        decision: Some(d.get()),
                    },
                    at,
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Appends a decision that replaces entry `target` (which must still stand).
    pub async fn supersede_decision(
        &self,
        target: i64,
        reason: &str,
        d: &Valid<DecisionDraft>,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        let reason = chair_core::decision::correction_reason(reason)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        check_target(&mut tx, target).await?;
        check_item(&mut tx, d.meeting_id, d.agenda_item_id).await?;
        let done = append(
            &mut tx,
            Content {
                kind: EntryKind::Supersede,
                target_seq: Some(target),
                reason: &reason,
                meeting_id: d.meeting_id,
                agenda_item_id: d.agenda_item_id,
                decided_by: &d.decided_by,
                decision: Some(d.get()),
            },
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Appends the withdrawal of entry `target` (which must still stand).
    pub async fn revoke_decision(
        &self,
        target: i64,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        let reason = chair_core::decision::correction_reason(reason)?;
        let by = chair_core::validate::optional("decided by", by, 120)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (meeting, item) = check_target(&mut tx, target).await?;
        let done = append(
            &mut tx,
            Content {
                kind: EntryKind::Revoke,
                target_seq: Some(target),
                reason: &reason,
                meeting_id: meeting,
                agenda_item_id: item,
                decided_by: &by,
                decision: None,
            },
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The draft of the decision at `seq`, to start a superseding one from.
    pub async fn decision_draft(&self, seq: i64) -> Result<DecisionDraft> {
        let e = self.log_entry(seq).await?.entry;
        if e.kind == EntryKind::Revoke {
            return Err(StoreError::Conflict(format!(
                "entry {seq} is a revocation, not a decision"
            )));
        }
        Ok(DecisionDraft {
            meeting_id: e.meeting_id,
            agenda_item_id: e.agenda_item_id,
            statement: e.statement,
            decided_by: e.decided_by,
            direction: e.direction.unwrap_or(Direction::Unknown),
            size: e.size.unwrap_or(Size::Small),
            impact: e.impact,
            personas: e.personas,
            evidence: e.evidence,
            no_evidence: e.no_evidence,
            stance: e.stance.unwrap_or(Stance::Absent),
            advocate_note: e.advocate_note,
            follow_ups: e.follow_ups,
            on_screen: Vec::new(),
        })
    }

    /// One entry as hashed.
    pub async fn log_entry(&self, seq: i64) -> Result<HashedEntry> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM decision_log d WHERE d.seq = ?");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(seq)
            .fetch_optional(&self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("the decision log has no entry {seq}")))?;
        entry_from_row(&r)
    }

    /// Every entry of the log in order, a chunk at a time, read ahead by tasks of their own:
    /// SQLite prepares the next chunks while the caller checks or writes this one. On a log
    /// whose sequence numbers are dense (an intact one is gap-free), two readers on two
    /// connections take alternate ranges of [`CHUNK`] numbers, and their chunks are passed on
    /// in order; otherwise one reader follows the entries as they come. The tasks stop when
    /// the receiver is dropped.
    fn entry_chunks(&self) -> tokio::sync::mpsc::Receiver<Result<Vec<ChunkEntry>>> {
        let pool = self.pool();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::spawn(async move {
            let bounds: std::result::Result<(i64, i64), _> =
                sqlx::query_as("SELECT coalesce(max(seq), 0), count(*) FROM decision_log")
                    .fetch_one(&pool)
                    .await;
            let (last, count) = match bounds {
                Ok(b) => b,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            if last > count + CHUNK {
                read_following(pool, tx).await;
                return;
            }
            let (tx_a, mut rx_a) = tokio::sync::mpsc::channel(1);
            let (tx_b, mut rx_b) = tokio::sync::mpsc::channel(1);
            tokio::spawn(read_ranges(pool.clone(), 0, last, tx_a));
            tokio::spawn(read_ranges(pool, CHUNK, last, tx_b));
            loop {
                for turn in [&mut rx_a, &mut rx_b] {
                    let Some(chunk) = turn.recv().await else {
                        return;
                    };
                    if tx.send(chunk).await.is_err() {
                        return;
                    }
                }
            }
        });
        rx
    }

    /// Walks the whole chain: "intact: N entries, head H", or the first entry that does not
    /// match. Reads a chunk of entries at a time.
    pub async fn verify_log(&self) -> Result<VerifyReport> {
        let mut chunks = self.entry_chunks();
        let mut v = Verifier::new(false);
        'chunks: while let Some(chunk) = chunks.recv().await {
            for e in chunk? {
                match e {
                    Ok(h) => {
                        if !v.push(&h) {
                            break 'chunks;
                        }
                    }
                    Err((seq, why)) => {
                        v.fail(
                            seq,
                            None,
                            format!("the row cannot be read back as an entry ({why})"),
                        );
                        break 'chunks;
                    }
                }
            }
        }
        Ok(v.finish())
    }

    /// Writes the log (or the part `filter` selects) to `out` as CSV, verifiable JSON or
    /// Markdown; returns how many entries it wrote.
    pub async fn export_log(
        &self,
        filter: &AuditFilter,
        format: ExportFormat,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        let complete = *filter == AuditFilter::default();
        let seqs: Option<std::collections::HashSet<i64>> = if complete {
            None
        } else {
            Some(self.matching_seqs(filter).await?.into_iter().collect())
        };
        // Titles, status and persona names go into CSV and Markdown; JSON carries the entries alone.
        let rows = match format {
            ExportFormat::Json => HashMap::new(),
            _ => self.audit_rows_by_seq().await?,
        };
        let io = |e: std::io::Error| StoreError::Io(format!("cannot write the export: {e}"));
        let mut n = 0u64;
        match format {
            ExportFormat::Json => {
                write!(
                    out,
                    "{{\"format\":\"{EXPORT_FORMAT}\",\"version\":{VERSION},\"exported_at\":\"{}\",\"complete\":{complete},\"entries\":[",
                    ts(Utc::now())
                )
                .map_err(io)?;
            }
            ExportFormat::Csv => {
                let header = [
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
                out.write_all(&csv_line(header.iter().map(|s| s.to_string()).collect())?)
                    .map_err(io)?;
            }
            ExportFormat::Markdown => {
                writeln!(
                    out,
                    "# Decision log\n\nExported {}{}.\n",
                    ts(Utc::now()),
                    if complete { "" } else { " (filtered)" }
                )
                .map_err(io)?;
            }
        }
        let mut chunks = self.entry_chunks();
        let mut entries = Vec::new().into_iter();
        loop {
            let h = match entries.next() {
                Some(e) => e,
                None => match chunks.recv().await {
                    Some(chunk) => {
                        entries = chunk?.into_iter();
                        continue;
                    }
                    None => break,
                },
            };
            let h = h.map_err(|(seq, why)| corrupt_row(&format!("entry {seq}: {why}")))?;
            if seqs.as_ref().is_some_and(|s| !s.contains(&h.entry.seq)) {
                continue;
            }
            let row = rows.get(&h.entry.seq);
            match format {
                ExportFormat::Json => {
                    if n > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    serde_json::to_writer(&mut *out, &h)?;
                }
                ExportFormat::Csv => out.write_all(&csv_line(csv_record(&h, row))?).map_err(io)?,
                ExportFormat::Markdown => write_markdown(out, &h, row).map_err(io)?,
            }
            n += 1;
        }
        match format {
            ExportFormat::Json => out.write_all(b"]}\n").map_err(io)?,
            ExportFormat::Csv | ExportFormat::Markdown => {}
        }
        out.flush().map_err(io)?;
        Ok(n)
    }

    /// Meeting and item titles, status and personas of every entry, for exports.
    async fn audit_rows_by_seq(&self) -> Result<HashMap<i64, AuditRow>> {
        let filter = AuditFilter {
            status: StatusFilter::All,
            ..AuditFilter::default()
        };
        let rows = self.audit_query(&filter, 0, i64::MAX, true, true).await?;
        Ok(rows.into_iter().map(|r| (r.seq, r)).collect())
    }

    /// The sequence numbers `filter` selects, oldest first.
    async fn matching_seqs(&self, filter: &AuditFilter) -> Result<Vec<i64>> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT d.seq FROM decision_log d WHERE ");
        push_filter(&mut q, filter, false, false);
        q.push(" ORDER BY d.seq");
        let rows = q.build().fetch_all(&self.pool()).await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
            .collect()
    }

    /// A page of decisions matching `filter`, with how many match in all.
    pub async fn audit(&self, filter: &AuditFilter, offset: u32, limit: u32) -> Result<AuditPage> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM decision_log d WHERE ");
        push_filter(&mut q, filter, false, false);
        let total: i64 = q.build().fetch_one(&self.pool()).await?.try_get(0)?;
        // Many matches: walk the log in sequence order and stop after the page. Few: find them
        // through the filter index and sort the handful.
        let broad = total > 2_000;
        let rows = self
            .audit_query(
                filter,
                i64::from(offset),
                i64::from(limit.clamp(1, 1000)),
                false,
                broad,
            )
            .await?;
        Ok(AuditPage { total, rows })
    }

    pub(crate) async fn audit_query(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
        with_revokes: bool,
        by_seq: bool,
    ) -> Result<Vec<AuditRow>> {
        let mut q = audit_select();
        push_filter(&mut q, filter, with_revokes, by_seq);
        q.push(match filter.sort {
            Sort::Newest => " ORDER BY d.seq DESC",
            Sort::Oldest => " ORDER BY d.seq ASC",
        });
        q.push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = q.build().fetch_all(&self.pool()).await?;
        rows.iter().map(audit_row).collect()
    }

    /// One decision in full: the hashed entry, evidence, what the room saw, its history and
    /// its follow-ups.
    pub async fn decision_detail(&self, seq: i64) -> Result<DecisionDetail> {
        let entry = self.log_entry(seq).await?;
        // The line: back along what this entry superseded, then forward along what closed it.
        let mut q = audit_select();
        q.push(
            "d.seq IN (WITH RECURSIVE
                  back(seq) AS (SELECT ",
        )
        .push_bind(seq)
        .push(
            " UNION SELECT d.target_seq FROM decision_log d JOIN back b ON d.seq = b.seq
                                WHERE d.kind = 'supersede'),
                  fwd(seq) AS (SELECT ",
        )
        .push_bind(seq)
        .push(
            " UNION SELECT c.seq FROM decision_log c JOIN fwd f ON c.target_seq = f.seq)
                SELECT seq FROM back UNION SELECT seq FROM fwd)
              ORDER BY d.seq",
        );
        let history: Vec<AuditRow> = q
            .build()
            .fetch_all(&self.pool())
            .await?
            .iter()
            .map(audit_row)
            .collect::<Result<_>>()?;
        let row = history
            .iter()
            .find(|r| r.seq == seq)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(format!("no decision {seq}")))?;
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<Uuid> = entry
            .entry
            .evidence
            .iter()
            .chain(entry.entry.on_screen.iter().map(|s| &s.complaint_id))
            .copied()
            .collect();
        let mut found = crate::relevance::complaints_by_id(&mut conn, &ids).await?;
        let evidence = entry
            .entry
            .evidence
            .iter()
            .filter_map(|id| found.get(id).cloned())
            .collect();
        let on_screen = entry
            .entry
            .on_screen
            .iter()
            .filter_map(|s| {
                found.remove(&s.complaint_id).map(|c| SeenComplaint {
                    evidence: entry.entry.evidence.contains(&s.complaint_id),
                    complaint: c,
                    score: s.score.clone(),
                })
            })
            .collect();
        let done: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT position, done_at, note FROM follow_ups_done WHERE seq = ?")
                .bind(seq)
                .fetch_all(&mut *conn)
                .await?;
        let follow_ups = entry
            .entry
            .follow_ups
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let d = done.iter().find(|(p, _, _)| *p == i as i64);
                FollowUpState {
                    position: i as i64,
                    follow_up: f.clone(),
                    done_at: d.map(|d| d.1.clone()),
                    done_note: d.map(|d| d.2.clone()).unwrap_or_default(),
                }
            })
            .collect();
        Ok(DecisionDetail {
            row,
            entry,
            evidence,
            on_screen,
            history,
            follow_ups,
        })
    }

    /// Marks follow-up `position` of decision `seq` done.
    pub async fn complete_follow_up(
        &self,
        seq: i64,
        position: i64,
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let entry = self.log_entry(seq).await?;
        if position < 0 || position as usize >= entry.entry.follow_ups.len() {
            return Err(StoreError::NotFound(format!(
                "decision {seq} has no follow-up {}",
                position + 1
            )));
        }
        let (by, note) = (
            chair_core::validate::optional("done by", by, 120)?,
            chair_core::validate::optional("note", note, 2_000)?,
        );
        sqlx::query("INSERT INTO follow_ups_done (seq, position, done_at, done_by, note) VALUES (?, ?, ?, ?, ?)")
            .bind(seq)
            .bind(position)
            .bind(ts(at))
            .bind(by)
            .bind(note)
            .execute(&self.pool())
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict("that follow-up is already marked done".into())
                }
                other => other.into(),
            })?;
        Ok(())
    }

    /// The leaders' dashboard over current decisions, as of `today`.
    pub async fn dashboard(&self, today: NaiveDate, weeks: u32) -> Result<Dashboard> {
        let since = week_of(today) - chrono::Duration::weeks(i64::from(weeks.max(1)) - 1);
        let counts: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT date(substr(d.recorded_at, 1, 10), 'weekday 0', '-6 days') AS week, d.impact_direction, count(*)
               FROM current_decisions d WHERE d.recorded_at >= ?
              GROUP BY 1, 2 ORDER BY 1",
        )
            .bind(since.to_string())
            .fetch_all(&self.pool())
            .await?;
        let mut weeks_out: Vec<WeekCount> = Vec::new();
        let mut w = since;
        while w <= today {
            weeks_out.push(WeekCount {
                week: w,
                helps: 0,
                hurts: 0,
                mixed: 0,
                neutral: 0,
                unknown: 0,
            });
            w += chrono::Duration::weeks(1);
        }
        for (week, dir, n) in counts {
            let Some(slot) = weeks_out.iter_mut().find(|x| x.week.to_string() == week) else {
                continue;
            };
            match Direction::parse(&dir) {
                Some(Direction::Helps) => slot.helps += n,
                Some(Direction::Hurts) => slot.hurts += n,
                Some(Direction::Mixed) => slot.mixed += n,
                Some(Direction::Neutral) => slot.neutral += n,
                _ => slot.unknown += n,
            }
        }
        let (total, objected, evidenced): (i64, i64, i64) =
            sqlx::query_as(
            "SELECT count(*), coalesce(sum(d.advocate_stance = 'objects'), 0), coalesce(sum(d.no_evidence = 0), 0)
               FROM current_decisions d",
        )
                .fetch_one(&self.pool())
                .await?;
        let (open, past_due): (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(f.value ->> 'due' < ?), 0)
               FROM current_decisions d, json_each(d.details, '$.follow_ups') f
              WHERE NOT EXISTS (SELECT 1 FROM follow_ups_done x WHERE x.seq = d.seq AND x.position = f.key)",
        )
            .bind(today.to_string())
            .fetch_one(&self.pool())
            .await?;
        let (escalations_open, escalations_overdue) = self.escalation_counts(today).await?;
        let share = |n: i64| {
            if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            }
        };
        Ok(Dashboard {
            decisions: total,
            weeks: weeks_out,
            objection_rate: share(objected),
            evidence_rate: share(evidenced),
            follow_ups_open: open,
            follow_ups_past_due: past_due,
            escalations_open,
            escalations_overdue,
        })
    }
}

/// The audit's columns for each decision log row `d`, up to a `WHERE ` for the caller's rows.
fn audit_select() -> QueryBuilder<Sqlite> {
    QueryBuilder::<Sqlite>::new(
        "SELECT d.seq, d.id, d.kind, d.target_seq, d.recorded_at, d.meeting_id, m.title AS meeting_title,
                d.agenda_item_id, coalesce(a.title, '') AS item_title, d.decided_by, d.statement,
                coalesce(d.impact_direction, 'unknown') AS impact_direction, coalesce(d.impact_size, 'small') AS impact_size,
                d.impact_text, coalesce(d.advocate_stance, 'absent') AS advocate_stance, d.advocate_note, d.no_evidence,
                json_array_length(d.details, '$.evidence') AS evidence_count,
                (SELECT json_group_array(json_array(c.id, coalesce(c.external_id, ''),
                                                    substr(coalesce(nullif(trim(c.title), ''), c.body), 1, 200)))
                   FROM decision_evidence de JOIN complaints c ON c.id = de.complaint_id
                  WHERE de.seq = d.seq) AS evidence_refs,
                (SELECT group_concat(p.name, char(31)) FROM decision_personas dp JOIN personas p ON p.id = dp.persona_id
                  WHERE dp.seq = d.seq) AS persona_names,
                c.seq AS closed_by, c.kind AS closed_kind, d.reason,
                json_extract(d.details, '$.follow_ups') AS follow_ups
           FROM decision_log d
           JOIN meetings m ON m.id = d.meeting_id
           LEFT JOIN agenda_items a ON a.id = d.agenda_item_id
           LEFT JOIN decision_log c ON c.target_seq = d.seq
          WHERE ",
    )
}

/// Adds the WHERE conditions of `f` (the query aliases the entry `d`). With `by_seq`, no
/// column index may serve them (a `+` in front of a column forbids it), so SQLite walks the
/// log in sequence order and can stop after one page.
fn push_filter(q: &mut QueryBuilder<Sqlite>, f: &AuditFilter, with_revokes: bool, by_seq: bool) {
    let col = |name: &str| {
        if by_seq {
            format!("+d.{name}")
        } else {
            format!("d.{name}")
        }
    };
    if with_revokes {
        q.push("1 = 1");
    } else {
        q.push(col("kind")).push(" IN ('decision', 'supersede')");
    }
    if let Some(from) = f.from {
        q.push(" AND ")
            .push(col("recorded_at"))
            .push(" >= ")
            .push_bind(from.to_string());
    }
    if let Some(to) = f.to {
        q.push(" AND ")
            .push(col("recorded_at"))
            .push(" < ")
            .push_bind((to + chrono::Duration::days(1)).to_string());
    }
    if let Some(m) = f.meeting_id {
        q.push(" AND ")
            .push(col("meeting_id"))
            .push(" = ")
            .push_bind(m.hyphenated().to_string());
    }
    if let Some(i) = f.agenda_item_id {
        q.push(" AND ")
            .push(col("agenda_item_id"))
            .push(" = ")
            .push_bind(i.hyphenated().to_string());
    }
    if let Some(p) = f.persona_id {
        q.push(" AND d.seq IN (SELECT seq FROM decision_personas WHERE persona_id = ")
            .push_bind(p.hyphenated().to_string())
            .push(")");
    }
    if let Some(dir) = f.direction {
        q.push(" AND ")
            .push(col("impact_direction"))
            .push(" = ")
            .push_bind(dir.as_str());
    }
    if f.objected {
        q.push(" AND ")
            .push(col("advocate_stance"))
            .push(" = 'objects'");
    }
    if f.no_evidence {
        q.push(" AND ").push(col("no_evidence")).push(" = 1");
    }
    // Few entries are ever closed: testing against their (small) list beats joining every
    // entry to the entry that closed it.
    match f.status {
        StatusFilter::All => {}
        StatusFilter::Current => {
            q.push(" AND d.seq NOT IN (SELECT target_seq FROM decision_log WHERE target_seq IS NOT NULL)");
        }
        StatusFilter::Superseded => {
            q.push(" AND d.seq IN (SELECT target_seq FROM decision_log WHERE kind = 'supersede')");
        }
        StatusFilter::Revoked => {
            q.push(" AND d.seq IN (SELECT target_seq FROM decision_log WHERE kind = 'revoke')");
        }
    }
    if let Some(m) = crate::complaints::browse_match(&f.text) {
        q.push(" AND d.seq IN (SELECT rowid FROM decisions_fts WHERE decisions_fts MATCH ")
            .push_bind(m)
            .push(")");
    }
}

/// The `evidence_refs` column of an audit row: `[[id, external id, text], …]`.
fn evidence_refs(json: &str) -> Result<Vec<EvidenceRef>> {
    let raw: Vec<(String, String, String)> = serde_json::from_str(json)?;
    raw.into_iter()
        .map(|(id, reference, text)| {
            Uuid::parse_str(&id)
                .map(|id| EvidenceRef::new(id, &reference, &text))
                .map_err(|_| corrupt_row("an evidence complaint id is not a UUID"))
        })
        .collect()
}

fn audit_row(r: &SqliteRow) -> Result<AuditRow> {
    let kind: String = r.try_get("kind")?;
    let kind = EntryKind::parse(&kind).ok_or_else(|| corrupt_row("unknown kind"))?;
    let closed_kind: Option<String> = r.try_get("closed_kind")?;
    let names: Option<String> = r.try_get("persona_names")?;
    let item: Option<String> = r.try_get("agenda_item_id")?;
    Ok(AuditRow {
        seq: r.try_get("seq")?,
        entry_id: uuid_col(r, "id")?,
        kind,
        supersedes: if kind == EntryKind::Supersede {
            r.try_get("target_seq")?
        } else {
            None
        },
        recorded_at: r.try_get("recorded_at")?,
        meeting_id: uuid_col(r, "meeting_id")?,
        meeting_title: r.try_get("meeting_title")?,
        agenda_item_id: item
            .map(|i| rows::parse_id(&i, "decision log", "agenda_item_id"))
            .transpose()?,
        item_title: r.try_get("item_title")?,
        decided_by: r.try_get("decided_by")?,
        statement: r.try_get("statement")?,
        direction: Direction::parse(&r.try_get::<String, _>("impact_direction")?)
            .unwrap_or(Direction::Unknown),
        size: Size::parse(&r.try_get::<String, _>("impact_size")?).unwrap_or(Size::Small),
        impact: r.try_get("impact_text")?,
        stance: Stance::parse(&r.try_get::<String, _>("advocate_stance")?)
            .unwrap_or(Stance::Absent),
        advocate_note: r.try_get("advocate_note")?,
        no_evidence: r.try_get::<i64, _>("no_evidence")? != 0,
        evidence_count: r.try_get::<Option<i64>, _>("evidence_count")?.unwrap_or(0),
        evidence: evidence_refs(&r.try_get::<String, _>("evidence_refs")?)?,
        personas: names
            .map(|n| n.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default(),
        status: match closed_kind.as_deref() {
            Some("revoke") => Status::Revoked,
            Some(_) => Status::Superseded,
            None => Status::Current,
        },
        closed_by: r.try_get("closed_by")?,
        reason: r.try_get("reason")?,
        follow_ups: serde_json::from_str(
            &r.try_get::<Option<String>, _>("follow_ups")?
                .unwrap_or_else(|| "[]".into()),
        )?,
    })
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Current => "current",
        Status::Superseded => "superseded",
        Status::Revoked => "revoked",
    }
}

/// One CSV line, quoted as needed.
fn csv_line(fields: Vec<String>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&fields)
        .map_err(|e| StoreError::Io(e.to_string()))?;
    w.into_inner().map_err(|e| StoreError::Io(e.to_string()))
}

fn csv_record(h: &HashedEntry, row: Option<&AuditRow>) -> Vec<String> {
    let e = &h.entry;
    let follow_ups: Vec<String> = e
        .follow_ups
        .iter()
        .map(|f| format!("{}; {}; {}", f.what, f.owner, f.due))
        .collect();
    // Named as the organisation knows them; the ids stay in the JSON export, which is hashed.
    let evidence: Vec<String> = match row {
        Some(r) => r.evidence.iter().map(EvidenceRef::label).collect(),
        None => e.evidence.iter().map(Uuid::to_string).collect(),
    };
    vec![
        e.seq.to_string(),
        e.recorded_at.clone(),
        e.kind.as_str().to_string(),
        row.map(|r| status_word(r.status))
            .unwrap_or(if e.kind == EntryKind::Revoke {
                "revocation"
            } else {
                ""
            })
            .to_string(),
        row.map(|r| r.meeting_title.clone()).unwrap_or_default(),
        row.map(|r| r.item_title.clone()).unwrap_or_default(),
        e.statement.clone(),
        e.direction.map(Direction::as_str).unwrap_or("").to_string(),
        e.size.map(Size::as_str).unwrap_or("").to_string(),
        e.impact.clone(),
        row.map(|r| r.personas.join(", ")).unwrap_or_default(),
        e.stance.map(Stance::as_str).unwrap_or("").to_string(),
        e.advocate_note.clone(),
        e.no_evidence.to_string(),
        evidence.join("; "),
        follow_ups.join(" | "),
        e.target_seq.map(|s| s.to_string()).unwrap_or_default(),
        e.reason.clone(),
        e.decided_by.clone(),
        e.prev_hash.clone(),
        h.hash.clone(),
    ]
}

fn write_markdown(
    out: &mut (dyn Write + Send),
    h: &HashedEntry,
    row: Option<&AuditRow>,
) -> std::io::Result<()> {
    let e = &h.entry;
    let date = e.recorded_at.get(..10).unwrap_or(&e.recorded_at);
    match e.kind {
        EntryKind::Revoke => {
            writeln!(
                out,
                "## {} · {date} · revokes decision {}\n",
                e.seq,
                e.target_seq.unwrap_or(0)
            )?;
            writeln!(out, "Reason: {}\n", e.reason)?;
        }
        kind => {
            let status = row.map(|r| status_word(r.status)).unwrap_or("");
            writeln!(
                out,
                "## {} · {date} · {}{}\n",
                e.seq,
                e.statement,
                if status == "current" {
                    String::new()
                } else {
                    format!(" ({status})")
                }
            )?;
            if let Some(r) = row {
                writeln!(
                    out,
                    "- Meeting: {}{}",
                    r.meeting_title,
                    if r.item_title.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", r.item_title)
                    }
                )?;
            }
            if kind == EntryKind::Supersede {
                writeln!(
                    out,
                    "- Supersedes decision {}: {}",
                    e.target_seq.unwrap_or(0),
                    e.reason
                )?;
            }
            writeln!(
                out,
                "- Customer impact: **{}**, {} — {}",
                e.direction.map(Direction::as_str).unwrap_or(""),
                e.size.map(Size::as_str).unwrap_or(""),
                e.impact
            )?;
            if let Some(r) = row.filter(|r| !r.personas.is_empty()) {
                writeln!(out, "- Personas: {}", r.personas.join(", "))?;
            }
            let evidence = match row {
                Some(r) => chair_core::audit::evidence_line(e.no_evidence, &r.evidence),
                None if e.no_evidence => "no customer evidence".to_string(),
                None => format!("{} complaint(s)", e.evidence.len()),
            };
            writeln!(out, "- Evidence: {evidence}")?;
            let note = if e.advocate_note.is_empty() {
                String::new()
            } else {
                format!(": “{}”", e.advocate_note)
            };
            writeln!(
                out,
                "- Advocate: {}{note}",
                e.stance.map(Stance::as_str).unwrap_or("")
            )?;
            for f in &e.follow_ups {
                writeln!(out, "- Follow-up: {} ({}, by {})", f.what, f.owner, f.due)?;
            }
            if !e.decided_by.is_empty() {
                writeln!(out, "- Decided by: {}", e.decided_by)?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "`{}`\n", h.hash)
}
