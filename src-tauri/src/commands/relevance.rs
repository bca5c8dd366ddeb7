//! Relevant complaints for an agenda item, with pins and dismissals.

use chair_core::relevance::{Mark, RelevantComplaint, RelevantRequest};
use tauri::State;
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

/// Pins or dismisses a complaint for an agenda item, or clears the mark.
#[tauri::command]
#[specta::specta]
pub async fn mark_complaint(
    state: State<'_, AppState>,
    item_id: Uuid,
    complaint_id: Uuid,
    mark: Option<Mark>,
) -> CmdResult<()> {
    Ok(state
        .store()?
        .mark_complaint(item_id, complaint_id, mark)
        .await?)
}
