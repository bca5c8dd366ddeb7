//! The import writer: streams a file through the core importer on a blocking thread and
//! stores its rows in batches, one transaction each, skipping complaints already stored.
//! Every row is accounted for in the `imports` table (`rows_read = imported + duplicates +
//! rejected`), and every rejected row is kept with its line and reason.
//!
//! A batch is all there or not at all; an import cut short (a crash, a full disk, a cancel)
//! is resumed by importing the file again, which skips what is already stored.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use chair_core::complaint::{NewComplaint, text_hash};
use chair_core::import::{
    self, ImportOptions, ImportProgress, ImportSummary, Plan, Rejection, Row,
};
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use crate::time::{now as now_text, ts};
use crate::{Result, Store, StoreError};

/// The most rows per transaction (the first batches are smaller).
const BATCH: usize = 10_000;
/// Rows per INSERT statement.
const ROWS_PER_STATEMENT: usize = 1000;
/// Rejections kept per import; beyond this they are counted, not stored.
const MAX_STORED_REJECTIONS: i64 = 100_000;
/// Rejections returned in the summary.
const SUMMARY_REJECTIONS: usize = 200;

/// Called with progress after every batch.
pub type ProgressFn = Box<dyn Fn(ImportProgress) + Send + Sync>;

/// What one batch added.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    rows: i64,
    imported: i64,
    duplicates: i64,
    rejected: i64,
}

fn import_error(e: import::ImportError) -> StoreError {
    match e {
        import::ImportError::Io { path, source } => {
            StoreError::Io(format!("cannot read {path}: {source}"))
        }
        other => StoreError::Invalid(chair_core::Invalid::new("file", other.to_string())),
    }
}

/// Works out how `path` would be imported and shows its first rows; writes nothing.
pub async fn preview(path: &Path, options: &ImportOptions) -> Result<import::Preview> {
    let (path, options) = (path.to_path_buf(), options.clone());
    tokio::task::spawn_blocking(move || import::preview(&path, &options, 20))
        .await
        .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("the preview stopped: {e}")))?
        .map_err(import_error)
}

/// The index that lists complaints by date received (as in the first migration). A large
/// import leaves it out while it writes and builds it once at the end: dates come in any
/// order, and inserting them one by one into a large index rewrites a page of it for nearly
/// every complaint (1M complaints: 52 s with the index, 33 s without it plus 2 s to build it).
/// While it is out, the import holds `<database>.importing` (shared); opening the store
/// builds it again when missing and no import holds that file (one was cut short).
pub(crate) const RECEIVED_AT_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS complaints_received_at ON complaints (received_at)";

/// The most complaints a store may hold after an import that leaves the received-date index
/// out: building it again holds the write lock (about 2 s a million complaints here), and
/// other writers wait for it at most [`crate::BUSY_TIMEOUT`].
const DEFER_INDEX_UP_TO: i64 = 1_500_000;

/// Drops the received-date index when `plan` may add more complaints than the store holds
/// (reckoning 1 KB a complaint) and the store stays small enough to build it again quickly.
/// Returns the lock that says so while it is out; `None` when it was kept.
async fn defer_received_index(
    db: &Path,
    conn: &mut sqlx::SqliteConnection,
    plan: &import::Plan,
) -> Result<Option<std::fs::File>> {
    let held: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM complaints")
        .fetch_one(&mut *conn)
        .await?;
    let adding = (plan.total_bytes / 1024) as i64;
    // At the shortest, a complaint takes a few hundred bytes of a file.
    if adding <= held || held + (plan.total_bytes / 256) as i64 > DEFER_INDEX_UP_TO {
        return Ok(None);
    }
    // A store being opened may be building the index right now: then keep it.
    let Some(lock) = crate::lock::importing(db)? else {
        return Ok(None);
    };
    sqlx::query("DROP INDEX IF EXISTS complaints_received_at")
        .execute(&mut *conn)
        .await?;
    Ok(Some(lock))
}

/// Builds the received-date index with the memory taken staying the same whatever the size
/// of the store: sorting in temporary files, and reading the table through the page cache
/// rather than mapping the file. Whatever happens, the connection's settings are put back.
pub(crate) async fn build_received_index(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    let set = sqlx::query("PRAGMA temp_store = FILE; PRAGMA mmap_size = 0")
        .execute(&mut *conn)
        .await;
    let built = match set {
        Ok(_) => sqlx::query(RECEIVED_AT_INDEX)
            .execute(&mut *conn)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    // Built from a number only.
    let restored = sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = {}",
        crate::MMAP_SIZE
    )))
    .execute(&mut *conn)
    .await;
    built?;
    restored?;
    Ok(())
}

impl Store {
    /// Imports `path`. `now` dates complaints of files without dates; `progress` hears
    /// after every batch; setting `cancel` stops after the current batch.
    pub async fn import_file(
        &self,
        path: &Path,
        options: &ImportOptions,
        now: DateTime<Utc>,
        progress: Option<ProgressFn>,
        cancel: Arc<AtomicBool>,
    ) -> Result<ImportSummary> {
        let started = Instant::now();
        let plan = {
            let (path, options) = (path.to_path_buf(), options.clone());
            tokio::task::spawn_blocking(move || import::plan(&path, &options))
                .await
                .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("the import stopped: {e}")))?
                .map_err(import_error)?
        };
        let import_id = Uuid::now_v7();
        let file = path.display().to_string();
        self.start_import(import_id, &file, &plan).await?;

        let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(1);
        let read = Arc::new(AtomicU64::new(0));
        let reader = {
            let (plan, read, cancel) = (plan.clone(), Arc::clone(&read), Arc::clone(&cancel));
            tokio::task::spawn_blocking(move || parse_into(&plan, now, read, &cancel, tx))
        };

        // One connection for the whole import. Its batches commit with synchronous=NORMAL:
        // each stays all-or-nothing, and a power cut can only lose whole batches at the end,
        // which importing the file again puts back without doubles.
        let mut conn = self.pool().acquire().await?;
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await?;
        let mut write_error = None;
        let deferred = match defer_received_index(self.path(), &mut conn, &plan).await {
            Ok(lock) => lock,
            Err(e) => {
                write_error = Some(e);
                None
            }
        };
        let mut total = Counts::default();
        let mut first_rejections: Vec<Rejection> = Vec::new();
        while write_error.is_none()
            && let Some(batch) = rx.recv().await
        {
            let room = SUMMARY_REJECTIONS.saturating_sub(first_rejections.len());
            first_rejections.extend(batch.rejections.iter().take(room).cloned());
            match write_batch(&mut conn, import_id, batch, total.rejected).await {
                Ok(c) => {
                    total.rows += c.rows;
                    total.imported += c.imported;
                    total.duplicates += c.duplicates;
                    total.rejected += c.rejected;
                    if let Some(p) = &progress {
                        p(ImportProgress {
                            bytes_read: read.load(Ordering::Relaxed) as f64,
                            bytes_total: plan.total_bytes as f64,
                            rows_read: total.rows,
                            imported: total.imported,
                            duplicates: total.duplicates,
                            rejected: total.rejected,
                        });
                    }
                }
                Err(e) => {
                    write_error = Some(e);
                    break;
                }
            }
        }
        drop(rx); // stops the reader if writing failed
        if let Some(_importing) = deferred
            && let Err(e) = build_received_index(&mut conn).await
        {
            // Left for the next open to build; the complaints written are sound.
            tracing::warn!("cannot build the received-date index again: {e}");
            write_error.get_or_insert(e);
        }
        let restored = sqlx::query("PRAGMA synchronous = FULL")
            .execute(&mut *conn)
            .await;
        if restored.is_err() {
            // A connection that cannot be put back to full durability is not reused.
            conn.detach();
        } else {
            drop(conn);
        }
        let stopped = reader
            .await
            .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("the file reader stopped: {e}")))?;
        if let Some(e) = write_error {
            self.finish_import(import_id, "failed", &e.to_string())
                .await
                .ok();
            return Err(e);
        }
        let stopped = stopped.map_err(import_error)?;
        let cancelled = cancel.load(Ordering::Relaxed);
        let (status, note) = match (&stopped, cancelled) {
            (_, true) => (
                "cancelled",
                "cancelled by the user; import the file again to finish it",
            ),
            (Some(why), false) => ("stopped", why.as_str()),
            (None, false) => ("done", ""),
        };
        self.finish_import(import_id, status, note).await?;
        Ok(ImportSummary {
            import_id,
            file,
            format: plan.format,
            source: plan.source.clone(),
            rows_read: total.rows,
            imported: total.imported,
            duplicates: total.duplicates,
            rejected: total.rejected,
            rejections: first_rejections,
            stopped,
            cancelled,
            undated: plan.undated(),
            redacted: plan.redact,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Every import, newest first.
    pub async fn imports(&self) -> Result<Vec<import::ImportRecord>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            i64,
            i64,
            i64,
            i64,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, file, format, started_at, finished_at, status,
                    rows_read, imported, duplicates, rejected, note
               FROM imports ORDER BY started_at DESC, id DESC",
        )
        .fetch_all(&self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(import::ImportRecord {
                    id: Uuid::parse_str(&r.0)
                        .map_err(|e| StoreError::Corrupt(format!("import id {:?}: {e}", r.0)))?,
                    file: r.1,
                    format: r.2,
                    started_at: r.3,
                    finished_at: r.4,
                    status: r.5,
                    rows_read: r.6,
                    imported: r.7,
                    duplicates: r.8,
                    rejected: r.9,
                    note: r.10,
                })
            })
            .collect()
    }

    /// Every stored rejection of an import, in file order.
    pub async fn import_rejections(&self, import_id: Uuid) -> Result<Vec<Rejection>> {
        let hid = import_id.hyphenated();
        let rows = sqlx::query!(
            r#"SELECT line AS "line!: i64", file, reason, excerpt FROM import_rejections
                WHERE import_id = ? ORDER BY line, rowid"#,
            hid
        )
        .fetch_all(&self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Rejection {
                line: r.line as u64,
                file: r.file,
                reason: r.reason,
                excerpt: r.excerpt,
            })
            .collect())
    }

    async fn start_import(&self, id: Uuid, file: &str, plan: &Plan) -> Result<()> {
        let (hid, format, redacted, at) =
            (id.hyphenated(), plan.format.name(), plan.redact, now_text());
        sqlx::query!(
            "INSERT INTO imports (id, file, format, source, redacted, started_at, status)
             VALUES (?, ?, ?, ?, ?, ?, 'running')",
            hid,
            file,
            format,
            plan.source,
            redacted,
            at,
        )
        .execute(&self.pool())
        .await?;
        Ok(())
    }

    async fn finish_import(&self, id: Uuid, status: &str, note: &str) -> Result<()> {
        let (hid, at) = (id.hyphenated(), now_text());
        sqlx::query!(
            "UPDATE imports SET status = ?, note = ?, finished_at = ? WHERE id = ?",
            status,
            note,
            at,
            hid
        )
        .execute(&self.pool())
        .await?;
        Ok(())
    }
}

fn cannot_encode(e: anyhow::Error) -> StoreError {
    StoreError::Unexpected(e.context("cannot encode complaints for storage"))
}

/// A batch of rows as the writer stores it: its complaints already encoded (see
/// [`Encoded`]), so that the reading thread does that work while SQLite writes.
struct Batch {
    /// The complaints ready to insert (or why they could not be encoded).
    encoded: anyhow::Result<Encoded>,
    rejections: Vec<Rejection>,
}

impl Batch {
    fn of(rows: Vec<Row>) -> Batch {
        let mut complaints: Vec<NewComplaint> = Vec::with_capacity(rows.len());
        let mut rejections: Vec<Rejection> = Vec::new();
        for row in rows {
            match row {
                Row::Complaint { complaint, .. } => complaints.push(*complaint),
                Row::Rejected(r) => rejections.push(r),
            }
        }
        Batch {
            encoded: Encoded::of(&complaints),
            rejections,
        }
    }
}

/// Stores one batch in one transaction and counts it on the import.
async fn write_batch(
    conn: &mut sqlx::SqliteConnection,
    import_id: Uuid,
    batch: Batch,
    stored_rejections: i64,
) -> Result<Counts> {
    let encoded = batch.encoded.map_err(cannot_encode)?;
    let complaints = encoded.complaints as u64;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let inserted = insert_encoded(&mut tx, encoded).await?;
    let rejections = batch.rejections;
    let hid = import_id.hyphenated();
    let room = (MAX_STORED_REJECTIONS - stored_rejections).max(0) as usize;
    for r in rejections.iter().take(room) {
        let line = r.line as i64;
        sqlx::query!(
            "INSERT INTO import_rejections (import_id, line, file, reason, excerpt) VALUES (?, ?, ?, ?, ?)",
            hid,
            line,
            r.file,
            r.reason,
            r.excerpt,
        )
        .execute(&mut *tx)
        .await?;
    }
    let c = Counts {
        rows: complaints as i64 + rejections.len() as i64,
        imported: inserted as i64,
        duplicates: (complaints - inserted) as i64,
        rejected: rejections.len() as i64,
    };
    sqlx::query!(
        "UPDATE imports SET rows_read = rows_read + ?, imported = imported + ?,
                            duplicates = duplicates + ?, rejected = rejected + ?
          WHERE id = ?",
        c.rows,
        c.imported,
        c.duplicates,
        c.rejected,
        hid,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Runs the core importer, handing rows over in batches until the file ends, the writer
/// goes away or the user cancels.
fn parse_into(
    plan: &Plan,
    now: DateTime<Utc>,
    read: Arc<AtomicU64>,
    cancel: &AtomicBool,
    tx: tokio::sync::mpsc::Sender<Batch>,
) -> std::result::Result<Option<String>, import::ImportError> {
    // Small batches first, so that SQLite starts writing while the rest is read, and the
    // progress shows early; then full ones, each a transaction.
    let mut size = ROWS_PER_STATEMENT;
    let mut batch = Vec::with_capacity(size);
    let mut gone = false;
    let stopped = plan.run(now, read, &mut |row| {
        batch.push(row);
        if batch.len() >= size {
            size = (size * 2).min(BATCH);
            let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
            if tx.blocking_send(Batch::of(full)).is_err() || cancel.load(Ordering::Relaxed) {
                gone = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    if !gone && !batch.is_empty() {
        let _ = tx.blocking_send(Batch::of(batch));
    }
    Ok(stopped)
}

/// Inserts complaints, skipping those already stored (same source and id, or same text
/// without an id); returns how many were stored.
pub(crate) async fn insert_complaints(
    tx: &mut Transaction<'_, Sqlite>,
    complaints: &[NewComplaint],
) -> Result<u64> {
    let encoded = Encoded::of(complaints).map_err(cannot_encode)?;
    insert_encoded(tx, encoded).await
}

/// Complaints as [`insert_encoded`] takes them.
struct Encoded {
    /// One [`encode_rows`] array per INSERT statement.
    statements: Vec<String>,
    /// How many complaints the statements hold.
    complaints: usize,
    /// The per-day counts the complaints add, as a JSON array of `[segment, product, day,
    /// n]`, in key order. Worked out here rather than by SQLite after the insert, which
    /// would read back and sort every new complaint.
    counts: String,
}

impl Encoded {
    fn of(complaints: &[NewComplaint]) -> anyhow::Result<Encoded> {
        let mut days = Days::new();
        let statements = complaints
            .chunks(ROWS_PER_STATEMENT)
            .map(|rows| encode_rows(rows, &mut days))
            .collect::<anyhow::Result<_>>()?;
        let counts: Vec<_> = days
            .into_iter()
            .map(|((s, p, d), n)| (s, p, d, n))
            .collect();
        Ok(Encoded {
            statements,
            complaints: complaints.len(),
            counts: serde_json::to_string(&counts)?,
        })
    }
}

/// Complaints by segment, product and day received.
type Days<'a> = BTreeMap<(&'a str, &'a str, String), i64>;

/// Complaints as one JSON array of rows, in the column order [`insert_encoded`] reads, each
/// with a new id and, when it has no id of its own, its text hash (the only complaints
/// found again by their text; the others store an empty one, which no index holds). Each
/// is also counted in `days`. Binding fourteen values per row costs more than the insert;
/// SQLite unpacks the array itself.
fn encode_rows<'a>(complaints: &'a [NewComplaint], days: &mut Days<'a>) -> anyhow::Result<String> {
    let mut out: Vec<u8> = Vec::with_capacity(complaints.iter().map(|c| c.body.len() + 300).sum());
    out.push(b'[');
    for (i, c) in complaints.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let tags = serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into());
        let received_at = ts(c.received_at);
        // The day as SQLite reads it from the stored date: its first ten characters.
        let day = received_at.get(..10).unwrap_or(&received_at).to_string();
        *days.entry((&c.segment, &c.product, day)).or_default() += 1;
        let row = (
            Uuid::now_v7().hyphenated().to_string(),
            &c.source,
            &c.external_id,
            received_at,
            &c.title,
            &c.body,
            &c.customer,
            &c.segment,
            &c.product,
            &c.channel,
            &c.severity,
            tags,
            match c.external_id {
                Some(_) => String::new(),
                None => text_hash(&c.title, &c.body),
            },
        );
        serde_json::to_writer(&mut out, &row)?;
    }
    out.push(b']');
    Ok(String::from_utf8(out)?)
}

/// Inserts encoded complaints, skipping those already stored, and adds the stored ones to
/// the full-text index and the per-day counts; returns how many were stored. New rows are
/// told from old ones by `seq`, so `tx` should begin with `BEGIN IMMEDIATE` (as every
/// caller's does): another writer between the look-up and the inserts would make them fail.
async fn insert_encoded(tx: &mut Transaction<'_, Sqlite>, encoded: Encoded) -> Result<u64> {
    let imported_at = now_text();
    let before: i64 =
        sqlx::query_scalar!(r#"SELECT coalesce(max(seq), 0) AS "n!: i64" FROM complaints"#)
            .fetch_one(&mut **tx)
            .await?;
    let mut inserted = 0;
    for rows in encoded.statements {
        inserted += sqlx::query!(
            "INSERT INTO complaints (id, source, external_id, received_at, title, body, customer, segment,
                                     product, channel, severity, tags, text_hash, imported_at)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
                    value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, ?2
               FROM jsonb_each(?1) WHERE true
             ON CONFLICT DO NOTHING",
            rows,
            imported_at,
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    // New rows take higher numbers than any before them (`seq` is the rowid), so one
    // statement adds them to the full-text index. When all were new, the counts worked out
    // with the batch are added as they are; otherwise one statement counts the new rows.
    if inserted > 0 {
        sqlx::query!(
            "INSERT INTO complaints_fts (rowid, title, body, product, tags)
             SELECT seq, title, body, product, tags FROM complaints WHERE seq > ?1",
            before,
        )
        .execute(&mut **tx)
        .await?;
        if inserted == encoded.complaints as u64 {
            sqlx::query!(
                "INSERT INTO complaint_counts (segment, product, day, n)
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM jsonb_each(?1) WHERE true
                 ON CONFLICT (segment, product, day) DO UPDATE SET n = n + excluded.n",
                encoded.counts,
            )
            .execute(&mut **tx)
            .await?;
        } else {
            sqlx::query!(
                "INSERT INTO complaint_counts (segment, product, day, n)
                 SELECT segment, product, substr(received_at, 1, 10), count(*) FROM complaints
                  WHERE seq > ?1 GROUP BY 1, 2, 3
                 ON CONFLICT (segment, product, day) DO UPDATE SET n = n + excluded.n",
                before,
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(inserted)
}
