//! The workspace as a whole: what it holds, and the demo.

use chair_core::workspace::{DemoSummary, WorkspaceStatus};
use tauri::State;

use super::CmdResult;
use crate::AppState;

/// What the open database holds (opening it again first if it could not be opened before);
/// fails with `corrupt`/`io` when it still cannot be.
#[tauri::command]
#[specta::specta]
pub async fn workspace_status(state: State<'_, AppState>) -> CmdResult<WorkspaceStatus> {
    // The window's first request: the app has started (measured by the start-up benchmark).
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(
        || tracing::info!(target: "empty_chair::startup", "the window asked for its first data"),
    );
    state.reopen_if_closed().await;
    let store = state.store().map_err(|mut e| {
        let path = state.db_path().display().to_string();
        if !e.message.contains(&path) {
            e.message = format!("{} ({path})", e.message);
        }
        e
    })?;
    Ok(store.status().await?)
}

/// Fills an empty database with the demo workspace.
#[tauri::command]
#[specta::specta]
pub async fn create_demo_workspace(state: State<'_, AppState>) -> CmdResult<DemoSummary> {
    let store = state.store()?;
    let summary = store.create_demo(chrono::Utc::now()).await?;
    crate::warm_relevance(store);
    Ok(summary)
}
