//! Meetings and their agendas: list, show, create, edit, delete.

use chair_core::Valid;
use chair_core::meeting::{Meeting, MeetingDraft, MeetingSummary};
use tauri::State;
use uuid::Uuid;

use super::CmdResult;
use crate::AppState;

/// Every meeting, latest first.
#[tauri::command]
#[specta::specta]
pub async fn list_meetings(state: State<'_, AppState>) -> CmdResult<Vec<MeetingSummary>> {
    Ok(state.store()?.list_meetings().await?)
}

/// One meeting with its agenda.
#[tauri::command]
#[specta::specta]
pub async fn get_meeting(state: State<'_, AppState>, id: Uuid) -> CmdResult<Meeting> {
    Ok(state.store()?.meeting(id).await?)
}

/// Creates a meeting with its agenda.
#[tauri::command]
#[specta::specta]
pub async fn create_meeting(state: State<'_, AppState>, draft: MeetingDraft) -> CmdResult<Meeting> {
    let store = state.store()?;
    let id = store.create_meeting(&Valid::parse(draft)?).await?;
    Ok(store.meeting(id).await?)
}

/// Saves an edited meeting and agenda.
#[tauri::command]
#[specta::specta]
pub async fn update_meeting(
    state: State<'_, AppState>,
    id: Uuid,
    draft: MeetingDraft,
) -> CmdResult<Meeting> {
    let store = state.store()?;
    store.update_meeting(id, &Valid::parse(draft)?).await?;
    Ok(store.meeting(id).await?)
}

/// Deletes a meeting without logged decisions.
#[tauri::command]
#[specta::specta]
pub async fn delete_meeting(state: State<'_, AppState>, id: Uuid) -> CmdResult<()> {
    Ok(state.store()?.delete_meeting(id).await?)
}
