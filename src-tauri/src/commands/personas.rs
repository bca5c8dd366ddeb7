//! Personas: list, create, edit, delete.

use chair_core::Valid;
use chair_core::persona::{Persona, PersonaDraft};
use chrono::Utc;
use tauri::State;
use uuid::Uuid;

use super::CmdResult;
use crate::AppState;

/// Every persona with its complaint counts.
#[tauri::command]
#[specta::specta]
pub async fn list_personas(state: State<'_, AppState>) -> CmdResult<Vec<Persona>> {
    Ok(state.store()?.list_personas(Utc::now()).await?)
}

/// Creates a persona from the form.
#[tauri::command]
#[specta::specta]
pub async fn create_persona(state: State<'_, AppState>, draft: PersonaDraft) -> CmdResult<Persona> {
    let store = state.store()?;
    let id = store.create_persona(&Valid::parse(draft)?).await?;
    Ok(store.persona(id, Utc::now()).await?)
}

/// Saves an edited persona.
#[tauri::command]
#[specta::specta]
pub async fn update_persona(
    state: State<'_, AppState>,
    id: Uuid,
    draft: PersonaDraft,
) -> CmdResult<Persona> {
    let store = state.store()?;
    store.update_persona(id, &Valid::parse(draft)?).await?;
    Ok(store.persona(id, Utc::now()).await?)
}

/// Deletes a persona no decision names.
#[tauri::command]
#[specta::specta]
pub async fn delete_persona(state: State<'_, AppState>, id: Uuid) -> CmdResult<()> {
    Ok(state.store()?.delete_persona(id).await?)
}
