//! Errors that cross a boundary (IPC, command line) as data the caller can branch on.

use serde::{Deserialize, Serialize};

/// What kind of failure happened, stable enough for the UI and scripts to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input broke a rule; the message says which field and why.
    Invalid,
    /// The thing asked for does not exist (any more).
    NotFound,
    /// The request clashes with what is stored (a duplicate, a thing still in use).
    Conflict,
    /// Another program holds the database lock for longer than we wait.
    Busy,
    /// The disk (or the database's size limit) is full; nothing was written.
    DiskFull,
    /// The database file is damaged or is not an Empty Chair database.
    Corrupt,
    /// A file could not be read or written.
    Io,
    /// Anything we did not foresee; the message carries the context.
    Unexpected,
}

impl ErrorCode {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Busy => "busy",
            Self::DiskFull => "disk_full",
            Self::Corrupt => "corrupt",
            Self::Io => "io",
            Self::Unexpected => "unexpected",
        }
    }
}

/// An error as it crosses IPC: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct ApiError {
    /// Machine-readable kind.
    pub code: ErrorCode,
    /// A sentence for a person: what is wrong and, where possible, what to do.
    pub message: String,
}

impl ApiError {
    /// Builds an error from its parts.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A rule of the domain that an input broke, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The input field at fault, as the user sees it named.
    pub field: String,
    /// Why it is refused.
    pub message: String,
}

impl Invalid {
    /// A refusal of `field` for `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::new(ErrorCode::Invalid, e.to_string())
    }
}
