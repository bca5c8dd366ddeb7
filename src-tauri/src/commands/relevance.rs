//! Relevant complaints for an agenda item, with pins and dismissals.

use chair_core::relevance::{Mark, RelevantComplaint, RelevantRequest};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;
use uuid::Uuid;

use super::CmdResult;
use crate::AppState;

/// The complaints most relevant to an agenda item, pins first, with why they matched.
#[tauri::command]
#[specta::specta]
pub async fn relevant_complaints(
    state: State<'_, AppState>,
    item_id: Uuid,
    request: RelevantRequest,
) -> CmdResult<Vec<RelevantComplaint>> {
    Ok(state.store()?.relevant_for_item(item_id, &request).await?)
}

/// The room pinned, dismissed or cleared a complaint for an agenda item: every window showing
/// that item's complaints (the advocate's seat among them) reads the list again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ComplaintsMarked {
    pub item_id: Uuid,
}

/// Pins or dismisses a complaint for an agenda item, or clears the mark.
#[tauri::command]
#[specta::specta]
pub async fn mark_complaint(
    app: AppHandle,
    state: State<'_, AppState>,
    item_id: Uuid,
    complaint_id: Uuid,
    mark: Option<Mark>,
) -> CmdResult<()> {
    state
        .store()?
        .mark_complaint(item_id, complaint_id, mark)
        .await?;
    // A window that misses this reads the marks on its next read of the list.
    if let Err(e) = (ComplaintsMarked { item_id }).emit(&app) {
        tracing::warn!("cannot announce new marks on item {item_id}: {e}");
    }
    Ok(())
}
