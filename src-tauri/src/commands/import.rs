//! Importing complaints: preview, import with progress, cancel, rejected rows.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chair_core::import::{ImportOptions, ImportProgress, ImportSummary, Preview, Rejection};
use chair_core::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;
use uuid::Uuid;

use super::CmdResult;
use super::files::{Saved, WholeFile, ask_where_to_save, cannot_write};
use crate::AppState;

/// How far the running import has come; sent after every batch.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ImportProgressEvent(pub ImportProgress);

/// Shows how a file would be imported (format, columns, mapping, first rows); writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn preview_import(path: String, options: ImportOptions) -> CmdResult<Preview> {
    Ok(chair_store::import::preview(&PathBuf::from(path), &options).await?)
}

/// Imports a file, sending [`ImportProgressEvent`]s; only one import runs at a time.
#[tauri::command]
#[specta::specta]
pub async fn start_import(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    options: ImportOptions,
) -> CmdResult<ImportSummary> {
    let store = state.store()?;
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.import_cancel.lock().map_err(|_| busy())?;
        if running.is_some() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "an import is already running; wait for it or cancel it",
            ));
        }
        *running = Some(Arc::clone(&cancel));
    }
    let progress: chair_store::import::ProgressFn = Box::new(move |p| {
        if let Err(e) = ImportProgressEvent(p).emit(&app) {
            tracing::warn!("cannot send import progress: {e}");
        }
    });
    let result = store
        .import_file(
            &PathBuf::from(path),
            &options,
            chrono::Utc::now(),
            Some(progress),
            cancel,
        )
        .await;
    if let Ok(mut running) = state.import_cancel.lock() {
        *running = None;
    }
    let summary = result?;
    if summary.imported > 0 {
        crate::warm_relevance(store);
    }
    Ok(summary)
}

fn busy() -> ApiError {
    ApiError::new(
        ErrorCode::Unexpected,
        "the import state was left broken; restart the app",
    )
}

/// Asks the running import to stop after its current batch.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(state: State<'_, AppState>) -> CmdResult<()> {
    if let Some(flag) = state.import_cancel.lock().map_err(|_| busy())?.as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// Every stored rejected row of an import.
#[tauri::command]
#[specta::specta]
pub async fn import_rejections(
    state: State<'_, AppState>,
    import_id: Uuid,
) -> CmdResult<Vec<Rejection>> {
    Ok(state.store()?.import_rejections(import_id).await?)
}

/// Asks where to save the rejected rows of import `import_id` as CSV, then writes them there;
/// `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn save_rejections_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    import_id: Uuid,
    file_name: String,
) -> CmdResult<Option<Saved>> {
    let rows = state.store()?.import_rejections(import_id).await?;
    let suggested = format!("{}-rejected.csv", file_stem(&file_name));
    let Some(path) =
        ask_where_to_save(&app, "Save rejected rows", &suggested, ("CSV", &["csv"])).await?
    else {
        return Ok(None);
    };
    let mut file = WholeFile::create(&path).map_err(|e| cannot_write(&path, &e))?;
    {
        let failed = |e: csv::Error| cannot_write(&path, &e);
        let mut w = csv::Writer::from_writer(file.writer());
        w.write_record(["line", "file", "reason", "excerpt"])
            .map_err(failed)?;
        for r in &rows {
            w.write_record([
                r.line.to_string().as_str(),
                r.file.as_deref().unwrap_or(""),
                &r.reason,
                &r.excerpt,
            ])
            .map_err(failed)?;
        }
        w.flush().map_err(|e| cannot_write(&path, &e))?;
    }
    file.finish().map_err(|e| cannot_write(&path, &e))?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        count: rows.len() as u32,
    }))
}

/// The name of an imported file without its folder or extension, for a file derived from it.
fn file_stem(name: &str) -> String {
    std::path::Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "import".into())
}
