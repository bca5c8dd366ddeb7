//! Relevant complaints for an agenda item, with pins and dismissals.

use chair_core::relevance::dense::Embedder;
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

/// How far the complaints' embeddings have come, and why there are none when the language
/// model cannot be used.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EmbeddingProgress {
    pub embedded: i64,
    pub total: i64,
    /// Embedding is running now.
    pub running: bool,
    /// Why complaints are found by their words alone (no model, a damaged model file).
    pub problem: Option<String>,
}

static APP: std::sync::OnceLock<AppHandle> = std::sync::OnceLock::new();
static MODEL: tokio::sync::OnceCell<Result<std::sync::Arc<chair_embed::Model>, String>> =
    tokio::sync::OnceCell::const_new();

/// Lets background work announce its progress to the windows.
pub(crate) fn remember_app(app: AppHandle) {
    let _ = APP.set(app);
}

/// The app, for background work to announce its progress.
pub(crate) fn app() -> Option<&'static AppHandle> {
    APP.get()
}

/// The language model, or why it cannot be used.
pub(crate) async fn loaded_model() -> Result<std::sync::Arc<chair_embed::Model>, String> {
    model().await
}

/// The language model, loaded (and its files checked) once per run, off the async threads.
async fn model() -> Result<std::sync::Arc<chair_embed::Model>, String> {
    MODEL
        .get_or_init(|| async {
            tokio::task::spawn_blocking(|| {
                chair_embed::Model::locate()
                    .map(std::sync::Arc::new)
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
        })
        .await
        .clone()
}

fn announce(p: EmbeddingProgress) {
    if let Some(app) = APP.get()
        && let Err(e) = p.emit(app)
    {
        tracing::warn!("cannot send embedding progress: {e}");
    }
}

static EMBEDDING: crate::background::OneAtATime = crate::background::OneAtATime::new();

/// Embeds, in the background, every complaint not embedded yet, newest first, announcing
/// [`EmbeddingProgress`] after each batch. Without the model, the store ranks by words alone
/// and the windows are told why. One run at a time (see [`crate::background`]). When a run
/// read complaints, the agenda items are ranked again with their meaning.
pub(crate) async fn embed_in_background(store: chair_store::Store) {
    EMBEDDING.run(store, embed_now).await;
}

async fn embed_now(store: chair_store::Store) {
    let model = match model().await {
        Ok(m) => m,
        Err(problem) => {
            tracing::warn!("{problem}");
            let status = store.embed_status().await.ok();
            announce(EmbeddingProgress {
                embedded: 0,
                total: status.map_or(0, |s| s.total),
                running: false,
                problem: Some(problem),
            });
            return;
        }
    };
    let (name, dim) = (model.name().to_string(), model.dim());
    if store.embedder().is_none() {
        store.use_embedder(model);
    }
    let started = std::time::Instant::now();
    let result = store
        .embed_pending(
            |s| {
                announce(EmbeddingProgress {
                    embedded: s.embedded,
                    total: s.total,
                    running: s.embedded < s.total,
                    problem: None,
                })
            },
            &std::sync::atomic::AtomicBool::new(false),
        )
        .await;
    match result {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(
                "embedded {n} complaints in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            crate::prepare_item_lists(store.clone());
        }
        Err(e) if store.is_closed() => tracing::debug!("embedding stopped: {e}"),
        Err(e) => tracing::warn!("cannot embed complaints: {e}"),
    }
    if let Ok(s) = store.embed_status().await {
        announce(EmbeddingProgress {
            embedded: s.embedded,
            total: s.total,
            running: false,
            problem: None,
        });
    }
    crate::update_themes(store, name, dim, false);
}

/// How far embedding has come (for a window opened after it started).
#[tauri::command]
#[specta::specta]
pub async fn embedding_progress(state: State<'_, AppState>) -> CmdResult<EmbeddingProgress> {
    let store = state.store()?;
    let problem = match MODEL.get() {
        Some(Err(problem)) => Some(problem.clone()),
        _ => None,
    };
    let s = store.embed_status().await?;
    Ok(EmbeddingProgress {
        embedded: s.embedded,
        total: s.total,
        running: EMBEDDING.is_running(),
        problem,
    })
}
