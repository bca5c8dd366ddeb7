//! Browsing complaints.

use chair_core::complaint::{ComplaintFacets, ComplaintPage, ComplaintQuery};
use tauri::State;

use super::CmdResult;
use crate::AppState;

/// A page of complaints matching the query, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_complaints(
    state: State<'_, AppState>,
    query: ComplaintQuery,
) -> CmdResult<ComplaintPage> {
    Ok(state.store()?.list_complaints(&query).await?)
}

/// Products and segments with counts, for the filters.
#[tauri::command]
#[specta::specta]
pub async fn complaint_facets(state: State<'_, AppState>) -> CmdResult<ComplaintFacets> {
    Ok(state.store()?.complaint_facets().await?)
}
