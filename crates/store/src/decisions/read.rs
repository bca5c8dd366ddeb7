//! Reading the chain back whole, in order, a chunk at a time: to verify it, and to export it.
//! One entry on its own is read through the same decoder.

use std::collections::HashMap;
use std::io::Write;

use chair_core::audit::{AuditFilter, AuditRow};
use chair_core::chain::{HashedEntry, LogHead, Verifier, VerifyReport};
use chair_core::entry::{Act, Entry};
use chair_core::export;
use chrono::Utc;
use tokio::sync::mpsc::{Receiver, Sender, channel};

use super::{ExportFormat, RowJson, corrupt_row, decode_entry};
use crate::time::ts;
use crate::{Result, Store, StoreError};

/// How many entries one read of the whole log takes at a time.
const CHUNK: i64 = 2_000;

/// An entry as read back, or the sequence number and reason of a row that cannot be read.
type ChunkEntry = std::result::Result<HashedEntry, (i64, String)>;

type Chunks = Receiver<Result<Vec<ChunkEntry>>>;

/// A connection for a reader; when none can be had, the reader's caller is told why.
async fn connection(
    pool: &sqlx::SqlitePool,
    tx: &Sender<Result<Vec<ChunkEntry>>>,
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
    tx: Sender<Result<Vec<ChunkEntry>>>,
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
async fn read_following(pool: sqlx::SqlitePool, tx: Sender<Result<Vec<ChunkEntry>>>) {
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
/// writes each chunk as one JSON array (the view's objects joined by commas, not parsed
/// again): one value crossing from SQLite's thread instead of nineteen per entry.
async fn entries_after(
    conn: &mut sqlx::SqliteConnection,
    seq: i64,
    until: Option<i64>,
) -> Result<Vec<ChunkEntry>> {
    let until = until.unwrap_or(i64::MAX);
    // As bytes: a damaged row may hold text that is not UTF-8, which then reads back changed
    // and fails its hash, naming the entry, instead of failing the whole read.
    let bytes = sqlx::query_scalar!(
        r#"SELECT CAST('[' || coalesce(group_concat(entry, ',' ORDER BY seq), '') || ']' AS BLOB) AS "chunk!: Vec<u8>"
             FROM (SELECT seq, entry FROM decision_entries WHERE seq > ?1 AND seq <= ?3 ORDER BY seq LIMIT ?2)"#,
        seq,
        CHUNK,
        until,
    )
    .fetch_one(&mut *conn)
    .await?;
    let text = String::from_utf8_lossy(&bytes);
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
            let seq = r.seq;
            r.hashed().map_err(|why| (seq, why))
        })
        .collect())
}

impl Store {
    /// The newest entry's number and hash: what a verify of an intact log reports, read
    /// without walking the chain (to tell whether it needs walking again).
    pub async fn log_head(&self) -> Result<LogHead> {
        super::newest(&mut *self.pool().acquire().await?).await
    }

    /// One entry as hashed.
    pub async fn log_entry(&self, seq: i64) -> Result<HashedEntry> {
        Ok(self.entry(seq).await?.0)
    }

    /// One entry as hashed and as read.
    pub(super) async fn entry(&self, seq: i64) -> Result<(HashedEntry, Entry)> {
        let json = sqlx::query_scalar!(
            r#"SELECT entry AS "entry!: String" FROM decision_entries WHERE seq = ?"#,
            seq
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("the decision log has no entry {seq}")))?;
        decode_entry(&json)
    }

    /// Every entry of the log in order, a chunk at a time, read ahead by tasks of their own:
    /// SQLite prepares the next chunks while the caller checks or writes this one. On a log
    /// whose sequence numbers are dense (an intact one is gap-free), two readers on two
    /// connections take alternate ranges of [`CHUNK`] numbers, and their chunks are passed on
    /// in order; otherwise one reader follows the entries as they come. The tasks stop when
    /// the receiver is dropped.
    fn entry_chunks(&self) -> Chunks {
        let pool = self.pool();
        let (tx, rx) = channel(2);
        tokio::spawn(async move {
            let bounds = sqlx::query!(
                r#"SELECT coalesce(max(seq), 0) AS "last!: i64", count(*) AS "count!: i64" FROM decision_log"#
            )
            .fetch_one(&pool)
            .await;
            let (last, count) = match bounds {
                Ok(b) => (b.last, b.count),
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            if last > count + CHUNK {
                read_following(pool, tx).await;
                return;
            }
            let (tx_a, mut rx_a) = channel(1);
            let (tx_b, mut rx_b) = channel(1);
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
        let rows: HashMap<i64, AuditRow> = match format {
            ExportFormat::Json => HashMap::new(),
            _ => self.audit_rows_by_seq().await?,
        };
        let io = |e: std::io::Error| StoreError::Io(format!("cannot write the export: {e}"));
        let now = ts(Utc::now());
        let head = match format {
            ExportFormat::Json => export::json_head(&now, complete).into_bytes(),
            ExportFormat::Csv => export::csv_line(&export::CSV_COLUMNS),
            ExportFormat::Markdown => export::markdown_head(&now, complete).into_bytes(),
        };
        out.write_all(&head).map_err(io)?;
        let mut chunks = self.entry_chunks();
        let mut n = 0u64;
        while let Some(chunk) = chunks.recv().await {
            for h in chunk? {
                let h = h.map_err(|(seq, why)| corrupt_row(&format!("entry {seq}: {why}")))?;
                if seqs.as_ref().is_some_and(|s| !s.contains(&h.entry.seq)) {
                    continue;
                }
                if format == ExportFormat::Json {
                    if n > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    serde_json::to_writer(&mut *out, &h)?;
                    n += 1;
                    continue;
                }
                let e = Entry::try_from(h.entry.clone())
                    .map_err(|why| corrupt_row(&format!("entry {}: {why}", h.entry.seq)))?;
                // A revocation is named by the decision it revokes: same meeting, same item.
                let row = match &e.act {
                    Act::Revoke { target_seq, .. } => rows.get(target_seq),
                    _ => rows.get(&e.seq),
                };
                let text = match format {
                    ExportFormat::Csv => export::csv_line(&export::csv_record(&e, &h.hash, row)),
                    _ => export::markdown_entry(&h, &e, row).into_bytes(),
                };
                out.write_all(&text).map_err(io)?;
                n += 1;
            }
        }
        if format == ExportFormat::Json {
            out.write_all(export::JSON_TAIL.as_bytes()).map_err(io)?;
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}
