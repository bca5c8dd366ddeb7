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

/// An error as it crosses IPC: `{code, message, problems}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct ApiError {
    /// Machine-readable kind.
    pub code: ErrorCode,
    /// A sentence for a person: what is wrong and, where possible, what to do.
    pub message: String,
    /// For an `invalid` input, every problem found, each naming its field, so that a form can
    /// show each one next to its field; empty for other kinds.
    #[serde(default)]
    pub problems: Vec<Problem>,
}

impl ApiError {
    /// Builds an error from its parts.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

/// One thing wrong with an input: the field at fault and why, in words that read beside the
/// field on a form and after its name on the command line ("title: required").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Problem {
    /// The input field at fault, as the draft names it ("title", "agenda item 2 title").
    pub field: String,
    /// Why it is refused, without the field's name.
    pub message: String,
}

/// An input that broke rules of the domain: every problem found, in the order of the draft's
/// fields (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{}", self.problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid {
    /// What is wrong, field by field.
    pub problems: Vec<Problem>,
}

impl Invalid {
    /// A refusal of `field` for `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                field: field.into(),
                message: message.into(),
            }],
        }
    }

    /// The field of the first problem.
    pub fn field(&self) -> &str {
        self.problems.first().map_or("", |p| p.field.as_str())
    }

    /// The message of the first problem.
    pub fn message(&self) -> &str {
        self.problems.first().map_or("", |p| p.message.as_str())
    }

    /// The same problems with each field named inside `prefix` ("agenda item 2 " + "title").
    pub fn within(self, prefix: &str) -> Self {
        Self {
            problems: self
                .problems
                .into_iter()
                .map(|p| Problem {
                    field: format!("{prefix}{}", p.field),
                    message: p.message,
                })
                .collect(),
        }
    }
}

/// Problems gathered while a draft is checked field by field, so that all of them are reported
/// at once instead of the first alone.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// The value `result` holds, or a stand-in after noting its problems.
    pub fn keep<T: Default>(&mut self, result: Result<T, Invalid>) -> T {
        result.unwrap_or_else(|e| {
            self.0.extend(e.problems);
            T::default()
        })
    }

    /// Notes that `field` is refused for `message`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `value` when nothing was wrong, else every problem noted.
    pub fn done<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Invalid { problems: self.0 })
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError {
            code: ErrorCode::Invalid,
            message: e.to_string(),
            problems: e.problems,
        }
    }
}
