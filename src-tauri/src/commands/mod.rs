//! IPC commands, one module per area of the app.

pub mod backup;
pub mod complaints;
pub mod decisions;
pub mod files;
pub mod import;
pub mod live;
pub mod meetings;
pub mod org;
pub mod personas;
pub mod relevance;
pub mod themes;
pub mod workspace;

/// Result type every command returns: errors cross IPC as `{code, message, problems}`.
pub type CmdResult<T> = Result<T, chair_core::ApiError>;

/// Every problem a form's draft would be refused for on saving, without saving it; a form
/// calls this as the user types after a refused save, so each problem clears once put right.
#[tauri::command]
#[specta::specta]
pub fn check_draft(draft: chair_core::validate::Draft) -> Vec<chair_core::Problem> {
    draft.problems()
}
