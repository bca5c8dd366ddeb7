//! Reading stored ids and times back. One rule everywhere: a value that does not parse is a
//! damaged row, reported as corrupt, never replaced by a default (a nil id or the epoch would
//! pass for real data further on).

use chrono::{DateTime, Utc};
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
