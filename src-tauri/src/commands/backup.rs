//! Backups from the window: list them, make one, restore one (the current file is kept aside).

use std::path::PathBuf;

use chair_core::workspace::BackupInfo;
use chair_core::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::CmdResult;
use crate::AppState;

/// The database was replaced, found damaged, or reopened: every screen should read again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct WorkspaceChanged {
    /// Why, in a sentence for the user.
    pub reason: String,
}

/// Tells every window the database changed under it.
pub fn announce(app: &AppHandle, reason: impl Into<String>) {
    if let Err(e) = (WorkspaceChanged {
        reason: reason.into(),
    })
    .emit(app)
    {
        tracing::warn!("cannot tell the windows the workspace changed: {e}");
    }
}

/// The backups of the open database file, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> CmdResult<Vec<BackupInfo>> {
    Ok(chair_store::backup::list_backups(state.db_path())?)
}

/// Backs the database up now.
#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> CmdResult<BackupInfo> {
    Ok(state.store()?.backup("manual", None).await?)
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct RestoreOutcome {
    pub restored_from: String,
    /// Where the replaced file was kept, if there was one.
    pub set_aside: Option<String>,
    /// Decisions in the restored log, whose chain verified.
    pub decisions: i64,
}

/// Replaces the database with backup `path` (a path from [`list_backups`]), or with the latest
/// backup when `path` is empty. The backup is checked before anything changes.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    app: AppHandle,
    state: State<'_, AppState>,
    path: Option<String>,
) -> CmdResult<RestoreOutcome> {
    let backups = chair_store::backup::list_backups(state.db_path())?;
    let chosen = match path {
        None => backups.into_iter().next(),
        // Only the app's own backups: the window cannot name an arbitrary file.
        Some(p) => backups.into_iter().find(|b| b.path == p),
    }
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "there is no such backup of this database",
        )
    })?;
    let restored = state.restore(PathBuf::from(&chosen.path)).await;
    announce(&app, "the database was restored from a backup");
    let restored = restored?;
    Ok(RestoreOutcome {
        restored_from: chosen.path,
        set_aside: restored.set_aside.map(|p| p.display().to_string()),
        decisions: restored.decisions,
    })
}
