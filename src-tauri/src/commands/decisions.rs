//! Decisions and the audit: record, correct, list, verify, export.

use chair_core::Valid;
use chair_core::audit::{AuditFilter, AuditPage, Dashboard, DecisionDetail, ExportFormat};
use chair_core::chain::{Appended, LogHead, VerifyReport};
use chair_core::decision::DecisionDraft;
use chrono::Utc;
use tauri::{AppHandle, State};

use super::CmdResult;
use super::files::{Saved, WholeFile, ask_where_to_export, cannot_write};
use crate::AppState;

/// Records a decision with its customer impact.
#[tauri::command]
#[specta::specta]
pub async fn record_decision(
    state: State<'_, AppState>,
    draft: DecisionDraft,
) -> CmdResult<Appended> {
    Ok(state
        .store()?
        .record_decision(&Valid::parse(draft)?, Utc::now())
        .await?)
}

/// Records a decision that replaces entry `target`.
#[tauri::command]
#[specta::specta]
pub async fn supersede_decision(
    state: State<'_, AppState>,
    target: i64,
    reason: String,
    draft: DecisionDraft,
) -> CmdResult<Appended> {
    Ok(state
        .store()?
        .supersede_decision(target, &reason, &Valid::parse(draft)?, Utc::now())
        .await?)
}

/// Withdraws entry `target`.
#[tauri::command]
#[specta::specta]
pub async fn revoke_decision(
    state: State<'_, AppState>,
    target: i64,
    reason: String,
    by: String,
) -> CmdResult<Appended> {
    Ok(state
        .store()?
        .revoke_decision(target, &reason, &by, Utc::now())
        .await?)
}

/// The draft of decision `seq`, to start a superseding one from.
#[tauri::command]
#[specta::specta]
pub async fn decision_draft(state: State<'_, AppState>, seq: i64) -> CmdResult<DecisionDraft> {
    Ok(state.store()?.decision_draft(seq).await?)
}

/// A page of decisions matching `filter`.
#[tauri::command]
#[specta::specta]
pub async fn audit_decisions(
    state: State<'_, AppState>,
    filter: AuditFilter,
    offset: u32,
    limit: u32,
) -> CmdResult<AuditPage> {
    Ok(state.store()?.audit(&filter, offset, limit).await?)
}

/// One decision in full.
#[tauri::command]
#[specta::specta]
pub async fn decision_detail(state: State<'_, AppState>, seq: i64) -> CmdResult<DecisionDetail> {
    Ok(state.store()?.decision_detail(seq).await?)
}

/// The log's newest entry and its hash, without walking the chain.
#[tauri::command]
#[specta::specta]
pub async fn log_head(state: State<'_, AppState>) -> CmdResult<LogHead> {
    Ok(state.store()?.log_head().await?)
}

/// Walks the hash chain.
#[tauri::command]
#[specta::specta]
pub async fn verify_log(state: State<'_, AppState>) -> CmdResult<VerifyReport> {
    Ok(state.store()?.verify_log().await?)
}

/// The leaders' dashboard over the last `weeks` weeks.
#[tauri::command]
#[specta::specta]
pub async fn audit_dashboard(state: State<'_, AppState>, weeks: u32) -> CmdResult<Dashboard> {
    Ok(state
        .store()?
        .dashboard(Utc::now().date_naive(), weeks.clamp(1, 104))
        .await?)
}

/// Marks a follow-up of decision `seq` done.
#[tauri::command]
#[specta::specta]
pub async fn complete_follow_up(
    state: State<'_, AppState>,
    seq: i64,
    position: i64,
    by: String,
    note: String,
) -> CmdResult<()> {
    Ok(state
        .store()?
        .complete_follow_up(seq, position, &by, &note, Utc::now())
        .await?)
}

/// Asks where to save, then writes the decisions `filter` selects there as CSV, JSON or
/// Markdown, whole or not at all; `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_log(
    app: AppHandle,
    state: State<'_, AppState>,
    filter: AuditFilter,
    format: ExportFormat,
) -> CmdResult<Option<Saved>> {
    let Some(path) =
        ask_where_to_export(&app, "Export the decision log", "decision-log", format).await?
    else {
        return Ok(None);
    };
    let store = state.store()?;
    let mut file = WholeFile::create(&path).map_err(|e| cannot_write(&path, &e))?;
    let written = store.export_log(&filter, format, file.writer()).await?;
    file.finish().map_err(|e| cannot_write(&path, &e))?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        count: written as u32,
    }))
}
