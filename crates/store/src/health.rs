//! Is the file sound? SQLite's own checks (`quick_check` when a database opens,
//! `integrity_check` on demand), the full-text indexes' checks, and the decision log's chain.

use chair_core::workspace::HealthReport;
use sqlx::SqlitePool;

use crate::{Result, Store, StoreError};

/// Files up to this size get a full `quick_check` each time they open (about 0.3 s per
/// 100 MB on a laptop disk); larger ones get the tables that hold the record checked at open,
/// and the desktop app checks the rest in the background.
pub const FULL_CHECK_AT_OPEN: u64 = 64 * 1024 * 1024;

/// The tables a larger file has checked at open: the decision log and what it points at.
const RECORD_TABLES: &[&str] = &[
    "decision_log",
    "follow_ups_done",
    "meetings",
    "agenda_items",
    "meeting_events",
    "escalations",
];

/// Runs `PRAGMA quick_check`, on the whole file or on `table` alone; returns the problems found.
async fn quick_check(pool: &SqlitePool, table: Option<&str>) -> Result<Vec<String>> {
    let sql = match table {
        Some(t) => format!("PRAGMA quick_check(\"{t}\")"),
        None => "PRAGMA quick_check".to_string(),
    };
    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

impl Store {
    /// The check made when the file opens: refuses a damaged file before anything writes to it.
    pub(crate) async fn check_at_open(&self) -> Result<()> {
        let size = std::fs::metadata(self.path()).map(|m| m.len()).unwrap_or(0);
        let problems = if size <= FULL_CHECK_AT_OPEN {
            quick_check(&self.pool(), None).await
        } else {
            let existing: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table'")
                    .fetch_all(&self.pool())
                    .await
                    .map_err(|e| StoreError::corrupt(self.path(), e))?;
            let mut found = Vec::new();
            for t in RECORD_TABLES
                .iter()
                .filter(|t| existing.iter().any(|e| e == *t))
            {
                found.extend(quick_check(&self.pool(), Some(t)).await?);
            }
            Ok(found)
        };
        match problems {
            Ok(p) if p.is_empty() => Ok(()),
            Ok(p) => Err(StoreError::corrupt(self.path(), summary(&p))),
            Err(StoreError::Corrupt(d)) => Err(StoreError::corrupt(self.path(), d)),
            Err(e) => Err(e),
        }
    }

    /// A `quick_check` of the whole file, for a large file after it opened; the problems found.
    pub async fn quick_check_all(&self) -> Result<Vec<String>> {
        quick_check(&self.pool(), None).await
    }

    /// A full check: SQLite's `integrity_check`, both full-text indexes against their tables,
    /// and the decision log's hash chain. Writes nothing (though the index checks hold the
    /// write lock while they run).
    pub async fn check(&self) -> Result<HealthReport> {
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool())
            .await?
            .into_iter()
            .filter(|r: &String| r != "ok")
            .collect();
        let mut indexes = Vec::new();
        for index in ["complaints_fts", "decisions_fts"] {
            // 'integrity-check' with rank 1 also compares an external-content index with its
            // table; it fails with SQLITE_CORRUPT_VTAB when they differ.
            let sql = format!("INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)");
            // The check writes nothing but runs as an INSERT, so it holds the write lock while
            // it reads the index: other writers wait (up to the busy timeout) meanwhile.
            match sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&self.pool())
                .await
            {
                Ok(_) => {}
                // The statement is fixed and valid, so a plain SQL error means the index's
                // own records could not be read: FTS5 reports some damage that way.
                // (SQLITE_ERROR, code 1)
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("1") => indexes.push(
                    format!("{index}: the index could not be read ({})", e.message()),
                ),
                Err(e) => match StoreError::from(e) {
                    StoreError::Corrupt(why) => indexes.push(format!("{index}: {why}")),
                    other => return Err(other),
                },
            }
        }
        let log = self.verify_log().await?;
        Ok(HealthReport {
            integrity,
            indexes,
            log,
        })
    }
}

/// The first problems SQLite listed, enough to say what is wrong.
fn summary(problems: &[String]) -> String {
    let mut s = problems
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > 3 {
        s.push_str(&format!("; and {} more", problems.len() - 3));
    }
    s
}
