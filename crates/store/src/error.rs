//! Storage errors, sorted into what the user can act on and what they cannot.

use chair_core::{ApiError, ErrorCode, Invalid};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke a rule of the domain.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// Another program kept the database locked for longer than we wait.
    #[error(
        "the database is busy: another Empty Chair window or the command line is writing to it; try again in a moment"
    )]
    Busy,
    /// This process lost SQLite's locks on the file (something in it opened and closed the
    /// file); the write was refused and the store is opening the file again.
    #[error(
        "nothing was saved: the database file was opened outside Empty Chair's control while in use, so Empty Chair is opening it again; try again in a moment"
    )]
    HoldLost,
    /// No space left for the write; nothing was written.
    #[error("the disk is full: nothing was saved; free some space and try again")]
    DiskFull,
    /// The file is damaged, foreign or from a newer version.
    #[error("{0}")]
    Corrupt(String),
    /// A file outside the database could not be read or written.
    #[error("{0}")]
    Io(String),
    /// Anything else, with its context.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// SQLite primary result codes we sort on (the low byte of an extended code).
mod code {
    pub const ERROR: i64 = 1;
    pub const BUSY: i64 = 5;
    pub const LOCKED: i64 = 6;
    pub const IOERR: i64 = 10;
    pub const IOERR_SHMSIZE: &str = "4874";
    pub const CORRUPT: i64 = 11;
    pub const FULL: i64 = 13;
    pub const CONSTRAINT: i64 = 19;
    /// A commit hook turned the commit into a rollback: ours does when the locks are gone.
    pub const CONSTRAINT_COMMITHOOK: &str = "531";
    pub const NOTADB: i64 = 26;
}

impl StoreError {
    /// The machine-readable kind, for IPC and exit codes.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Busy | Self::HoldLost => ErrorCode::Busy,
            Self::DiskFull => ErrorCode::DiskFull,
            Self::Corrupt(_) => ErrorCode::Corrupt,
            Self::Io(_) => ErrorCode::Io,
            Self::Unexpected(_) => ErrorCode::Unexpected,
        }
    }

    /// A corrupt-file error for `path` with the detail found.
    pub(crate) fn corrupt(path: &std::path::Path, detail: impl std::fmt::Display) -> Self {
        let detail = detail.to_string();
        let detail = detail.trim_end_matches("; nothing was written");
        // The low-level wording repeats what the sentence already says.
        let detail = detail
            .strip_prefix("the database file is damaged (")
            .and_then(|d| d.strip_suffix(')'))
            .unwrap_or(detail);
        Self::Corrupt(format!(
            "{} is damaged or is not an Empty Chair database: {detail}. Nothing was written to it.",
            path.display(),
        ))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let primary = db
                .code()
                .and_then(|c| c.parse::<i64>().ok())
                .map(|c| c & 0xff);
            match primary {
                Some(code::BUSY | code::LOCKED) => return Self::Busy,
                Some(code::FULL) => return Self::DiskFull,
                Some(code::CORRUPT | code::NOTADB) => {
                    return Self::Corrupt(format!(
                        "the database file is damaged ({}); nothing was written",
                        db.message()
                    ));
                }
                _ if db.code().as_deref() == Some(code::CONSTRAINT_COMMITHOOK) => {
                    return Self::HoldLost;
                }
                // The shared-memory file could not grow: SQLite reports that as an I/O error,
                // but on every platform it means there is no room.
                _ if db.code().as_deref() == Some(code::IOERR_SHMSIZE) => return Self::DiskFull,
                Some(code::IOERR) => {
                    return Self::Io(format!(
                        "the database file could not be read or written ({}, code {})",
                        db.message(),
                        db.code().unwrap_or_default()
                    ));
                }
                // Every statement is checked against the schema when the app is built, so a
                // missing column, table or function means the stored schema was damaged.
                Some(code::ERROR)
                    if [
                        "no such column",
                        "no such table",
                        "no such function",
                        "unknown function",
                        "malformed",
                    ]
                    .iter()
                    .any(|m| db.message().contains(m)) =>
                {
                    return Self::Corrupt(format!(
                        "the database's structure is damaged ({}); nothing was written",
                        db.message()
                    ));
                }
                Some(code::CONSTRAINT) if db.message().contains("append-only") => {
                    return Self::Conflict(db.message().to_string());
                }
                _ => {}
            }
        }
        if let sqlx::Error::PoolTimedOut = e {
            return Self::Busy;
        }
        // The store closes its connections only to open the file again (see `hold`), or when
        // the program is ending.
        if let sqlx::Error::PoolClosed = e {
            return Self::HoldLost;
        }
        if let sqlx::Error::ColumnDecode { index, source } = &e {
            return Self::Corrupt(format!(
                "the database holds a value that cannot be read back (column {index}: {source}); the file may be damaged"
            ));
        }
        Self::Unexpected(anyhow::Error::new(e))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("reading a stored JSON list"))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Unexpected(inner) => {
                ApiError::new(ErrorCode::Unexpected, format!("{inner:#}"))
            }
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

/// Shorthand for storage results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
