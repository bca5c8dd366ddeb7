//! Reading stored ids and times back. One rule everywhere: a value that does not parse is a
//! damaged row, reported as corrupt, never replaced by a default (a nil id or the epoch would
//! pass for real data further on).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::{Result, StoreError};

fn corrupt(table: &str, col: &str, value: &str, what: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "a {table} row cannot be read: its {col} \"{value}\" is not {what}"
    ))
}

/// `value`, read from `table`'s column `col`, as an id.
pub(crate) fn parse_id(value: &str, table: &str, col: &str) -> Result<Uuid> {
    Uuid::parse_str(value).map_err(|_| corrupt(table, col, value, "an id"))
}

/// `value`, read from `table`'s column `col`, as a time.
pub(crate) fn parse_time(value: &str, table: &str, col: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(table, col, value, "a time"))
}

/// The id in column `col` of a `table` row.
pub(crate) fn id(r: &SqliteRow, table: &str, col: &str) -> Result<Uuid> {
    parse_id(&r.try_get::<String, _>(col)?, table, col)
}

/// The id in column `col` of a `table` row, if any.
pub(crate) fn opt_id(r: &SqliteRow, table: &str, col: &str) -> Result<Option<Uuid>> {
    r.try_get::<Option<String>, _>(col)?
        .map(|v| parse_id(&v, table, col))
        .transpose()
}

/// The time in column `col` of a `table` row.
pub(crate) fn time(r: &SqliteRow, table: &str, col: &str) -> Result<DateTime<Utc>> {
    parse_time(&r.try_get::<String, _>(col)?, table, col)
}

/// The time in column `col` of a `table` row, if any.
pub(crate) fn opt_time(r: &SqliteRow, table: &str, col: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(col)?
        .map(|v| parse_time(&v, table, col))
        .transpose()
}
