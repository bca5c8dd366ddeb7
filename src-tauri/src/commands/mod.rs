//! IPC commands, one module per area of the app.

pub mod backup;
pub mod complaints;
pub mod decisions;
pub mod files;
pub mod import;
pub mod live;
pub mod meetings;
pub mod personas;
pub mod relevance;
pub mod workspace;

/// Result type every command returns: errors cross IPC as `{code, message}`.
pub type CmdResult<T> = Result<T, chair_core::ApiError>;
