//! Customer themes: what customers keep saying, which no meeting has heard, turning one into
//! an agenda item, and whether decisions did what they said for customers.

use chair_core::ApiError;
use chair_core::relevance::dense::Embedder;
use chair_core::themes::{FollowThrough, ThemeSummary};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri_specta::Event;
use uuid::Uuid;

use super::CmdResult;
use crate::AppState;

/// A complaint that stands for a theme.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ThemeExample {
    pub id: Uuid,
    pub title: String,
    pub excerpt: String,
    pub received_at: DateTime<Utc>,
}

/// A theme as the themes screen and the dashboard show it: with the text of the complaints
/// that stand for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ThemeView {
    #[serde(flatten)]
    pub theme: ThemeSummary,
    pub example_complaints: Vec<ThemeExample>,
}

/// The themes and whether they are being found now.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ThemesView {
    pub themes: Vec<ThemeView>,
    /// Themes are being found or complaints sorted into them now.
    pub running: bool,
    /// Complaints read for meaning since are not in the themes yet.
    pub out_of_date: bool,
    /// Why themes cannot be found (no language model), when so.
    pub problem: Option<String>,
}

/// Themes were found again, or complaints sorted into them: every window reads them again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ThemesProgress {
    pub running: bool,
    /// What the last run did, in words.
    pub done: Option<String>,
    pub problem: Option<String>,
}

/// Every theme, biggest first, with three complaints each that stand for it.
#[tauri::command]
#[specta::specta]
pub async fn list_themes(state: State<'_, AppState>) -> CmdResult<ThemesView> {
    let store = state.store()?;
    let found = store.themes(Utc::now()).await?;
    let wanted: Vec<Uuid> = found
        .iter()
        .flat_map(|t| t.examples.iter().copied())
        .collect();
    let mut read: std::collections::HashMap<Uuid, chair_core::complaint::Complaint> = store
        .complaints_by_ids(&wanted)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut themes = Vec::with_capacity(found.len());
    for t in found {
        let examples = t
            .examples
            .iter()
            .filter_map(|id| read.remove(id))
            .map(|c| ThemeExample {
                id: c.id,
                excerpt: c.body.chars().take(220).collect(),
                title: c.title,
                received_at: c.received_at,
            })
            .collect();
        themes.push(ThemeView {
            theme: t,
            example_complaints: examples,
        });
    }
    let (out_of_date, problem) = match super::relevance::loaded_model().await {
        Ok(model) => (store.themes_out_of_date(model.name()).await?, None),
        Err(problem) => (false, Some(problem)),
    };
    Ok(ThemesView {
        themes,
        running: crate::themes_running(),
        out_of_date,
        problem,
    })
}

/// Finds the themes again now, in the background; [`ThemesProgress`] tells when it is done.
#[tauri::command]
#[specta::specta]
pub async fn find_themes(state: State<'_, AppState>) -> CmdResult<()> {
    let store = state.store()?;
    let model = super::relevance::loaded_model().await.map_err(|problem| {
        ApiError::new(
            chair_core::ErrorCode::NotFound,
            format!("themes are found in what complaints mean: {problem}"),
        )
    })?;
    crate::update_themes(store, model.name().to_string(), model.dim(), true);
    Ok(())
}

/// Gives a theme a name of the user's, kept across discoveries.
#[tauri::command]
#[specta::specta]
pub async fn rename_theme(state: State<'_, AppState>, id: Uuid, name: String) -> CmdResult<()> {
    Ok(state.store()?.rename_theme(id, &name, Utc::now()).await?)
}

/// Folds theme `other` into theme `into`.
#[tauri::command]
#[specta::specta]
pub async fn merge_themes(state: State<'_, AppState>, into: Uuid, other: Uuid) -> CmdResult<()> {
    Ok(state.store()?.merge_themes(into, other, Utc::now()).await?)
}

/// Splits a theme in two; returns the new theme's id.
#[tauri::command]
#[specta::specta]
pub async fn split_theme(state: State<'_, AppState>, id: Uuid) -> CmdResult<Uuid> {
    let store = state.store()?;
    let model = super::relevance::loaded_model()
        .await
        .map_err(|problem| ApiError::new(chair_core::ErrorCode::NotFound, problem))?;
    Ok(store.split_theme(id, model.dim(), Utc::now()).await?)
}

/// Adds a theme to a planned meeting as its last agenda item; returns the item's id.
#[tauri::command]
#[specta::specta]
pub async fn add_theme_to_meeting(
    state: State<'_, AppState>,
    theme_id: Uuid,
    meeting_id: Uuid,
) -> CmdResult<Uuid> {
    Ok(state
        .store()?
        .add_theme_to_meeting(theme_id, meeting_id)
        .await?)
}

/// A decision's themes and what became of their complaints after it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct FollowThroughView {
    pub seq: i64,
    pub decided_at: DateTime<Utc>,
    pub impact: String,
    pub themes: Vec<ThemeName>,
    pub follow_through: Option<FollowThrough>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ThemeName {
    pub id: Uuid,
    pub name: String,
}

impl From<chair_store::themes::DecisionFollowThrough> for FollowThroughView {
    fn from(f: chair_store::themes::DecisionFollowThrough) -> Self {
        FollowThroughView {
            seq: f.seq,
            decided_at: f.decided_at,
            impact: f.impact,
            themes: f
                .themes
                .into_iter()
                .map(|(id, name)| ThemeName { id, name })
                .collect(),
            follow_through: f.follow_through,
        }
    }
}

/// What became of the complaints of decision `seq`'s themes in the 8 weeks after it.
#[tauri::command]
#[specta::specta]
pub async fn decision_follow_through(
    state: State<'_, AppState>,
    seq: i64,
) -> CmdResult<FollowThroughView> {
    Ok(state
        .store()?
        .follow_through(seq, Utc::now(), (8, 8))
        .await?
        .into())
}

/// A decision whose customers' complaints moved against the impact it stated.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct MovedAgainstView {
    pub seq: i64,
    pub statement: String,
    pub meeting_title: String,
    pub follow_through: FollowThroughView,
}

/// The decisions that stand whose customers' complaints moved against their stated impact.
#[tauri::command]
#[specta::specta]
pub async fn moved_against(state: State<'_, AppState>) -> CmdResult<Vec<MovedAgainstView>> {
    Ok(state
        .store()?
        .moved_against(Utc::now())
        .await?
        .into_iter()
        .map(|m| MovedAgainstView {
            seq: m.seq,
            statement: m.statement,
            meeting_title: m.meeting_title,
            follow_through: m.follow_through.into(),
        })
        .collect())
}

/// Tells the windows how theme discovery goes.
pub(crate) fn announce(p: ThemesProgress) {
    if let Some(app) = super::relevance::app()
        && let Err(e) = p.emit(app)
    {
        tracing::warn!("cannot send theme progress: {e}");
    }
}
