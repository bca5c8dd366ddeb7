//! The meeting room: running a live meeting, the advocate's seat window, closing with minutes,
//! and "?" escalations. Every change is written to the database first and then announced with
//! [`MeetingChanged`], on which both windows re-read the meeting: the database stays the single
//! source of truth, so either window can be closed or restarted without losing anything.

use chair_core::live::{
    AdvocateInput, Escalation, EscalationDraft, EscalationFilter, LiveState, MeetingEvent,
    Unfinished,
};
use chair_core::minutes::Minutes;
use chair_core::{ApiError, ErrorCode, Valid};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder};
use tauri_specta::Event;
use uuid::Uuid;

use super::CmdResult;
use super::files::{Saved, ask_where_to_save, write_whole};
use crate::AppState;

/// Something in a meeting changed: its current item, a timer, the advocate's timeline, an
/// escalation, or its status.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct MeetingChanged {
    pub meeting_id: Uuid,
}

/// Announces a change to every window; a window that misses it still reads the truth on its
/// next refresh, so a failed emit is only logged.
fn announce(app: &AppHandle, meeting_id: Uuid) {
    if let Err(e) = (MeetingChanged { meeting_id }).emit(app) {
        tracing::warn!("cannot announce a change to meeting {meeting_id}: {e}");
    }
}

/// Starts a planned meeting on its first item, or resumes a live one.
#[tauri::command]
#[specta::specta]
pub async fn start_meeting(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Uuid,
) -> CmdResult<LiveState> {
    let live = state.store()?.start_meeting(id, Utc::now()).await?;
    announce(&app, id);
    Ok(live)
}

/// Everything the facilitator's window and the seat show, as of now.
#[tauri::command]
#[specta::specta]
pub async fn live_state(state: State<'_, AppState>, id: Uuid) -> CmdResult<LiveState> {
    Ok(state.store()?.live_state(id, Utc::now()).await?)
}

/// The most recently started meeting that is still live, for a seat opened without one.
#[tauri::command]
#[specta::specta]
pub async fn current_live_meeting(state: State<'_, AppState>) -> CmdResult<Option<Uuid>> {
    Ok(state.store()?.current_live_meeting().await?)
}

/// Moves the meeting to agenda item `item`.
#[tauri::command]
#[specta::specta]
pub async fn go_to_item(
    app: AppHandle,
    state: State<'_, AppState>,
    meeting_id: Uuid,
    item: Uuid,
) -> CmdResult<LiveState> {
    let store = state.store()?;
    let now = Utc::now();
    store.go_to_item(meeting_id, item, now).await?;
    announce(&app, meeting_id);
    Ok(store.live_state(meeting_id, now).await?)
}

/// Starts or pauses the current item's timer.
#[tauri::command]
#[specta::specta]
pub async fn set_timer(
    app: AppHandle,
    state: State<'_, AppState>,
    meeting_id: Uuid,
    running: bool,
) -> CmdResult<LiveState> {
    let store = state.store()?;
    let now = Utc::now();
    store.set_timer(meeting_id, running, now).await?;
    announce(&app, meeting_id);
    Ok(store.live_state(meeting_id, now).await?)
}

/// The advocate agrees, objects or remarks on the current item.
#[tauri::command]
#[specta::specta]
pub async fn advocate_says(
    app: AppHandle,
    state: State<'_, AppState>,
    meeting_id: Uuid,
    input: AdvocateInput,
) -> CmdResult<MeetingEvent> {
    let said = state
        .store()?
        .advocate_says(meeting_id, &Valid::parse(input)?, Utc::now())
        .await?;
    announce(&app, meeting_id);
    Ok(said)
}

/// Closes the meeting, carrying the items in `carry` forward; returns the minutes.
#[tauri::command]
#[specta::specta]
pub async fn close_meeting(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Uuid,
    carry: Vec<Uuid>,
) -> CmdResult<Minutes> {
    let store = state.store()?;
    let minutes = store.close_meeting(id, &carry, Utc::now()).await?;
    announce(&app, id);
    // A closed meeting is a moment worth a copy; the window need not wait for it.
    // Its decisions go to the organisation log, when this laptop is enrolled in one.
    super::org::push_in_background(app.clone(), store.clone(), state.db_path().clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = store.backup("meeting-closed", None).await {
            tracing::warn!("cannot back up after closing the meeting: {e}");
        }
    });
    Ok(minutes)
}

/// The minutes of a closed meeting, as blocks to show (none before it closes).
#[tauri::command]
#[specta::specta]
pub async fn meeting_minutes(state: State<'_, AppState>, id: Uuid) -> CmdResult<Minutes> {
    Ok(state.store()?.meeting_minutes(id).await?)
}

/// The minutes of a closed meeting as Markdown, as exported (empty before it closes).
#[tauri::command]
#[specta::specta]
pub async fn minutes_markdown(state: State<'_, AppState>, id: Uuid) -> CmdResult<String> {
    Ok(state.store()?.minutes_markdown(id).await?)
}

/// Asks where to save the minutes of meeting `id` as Markdown, then writes them there, whole
/// or not at all; `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn save_minutes(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Uuid,
) -> CmdResult<Option<Saved>> {
    let store = state.store()?;
    let minutes = store.minutes_markdown(id).await?;
    if minutes.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this meeting has no minutes yet: they are written when it closes",
        ));
    }
    let title = store.meeting(id).await?.title;
    let name = format!("minutes-{}.md", file_slug(&title));
    let Some(path) =
        ask_where_to_save(&app, "Export the minutes", &name, ("Markdown", &["md"])).await?
    else {
        return Ok(None);
    };
    write_whole(&path, minutes.as_bytes())?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        count: minutes.lines().count() as u32,
    }))
}

/// A title as a file name: letters and digits, dashes between words.
fn file_slug(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "meeting".into()
    } else {
        slug.chars().take(60).collect()
    }
}

/// Items the last meeting titled `title` left unfinished and nobody has taken up yet.
#[tauri::command]
#[specta::specta]
pub async fn unfinished_items(
    state: State<'_, AppState>,
    title: String,
) -> CmdResult<Option<Unfinished>> {
    Ok(state.store()?.unfinished_items(&title).await?)
}

/// Raises a "?" on a complaint.
#[tauri::command]
#[specta::specta]
pub async fn raise_escalation(
    app: AppHandle,
    state: State<'_, AppState>,
    draft: EscalationDraft,
) -> CmdResult<Escalation> {
    let raised = state
        .store()?
        .raise_escalation(&Valid::parse(draft)?, Utc::now())
        .await?;
    if let Some(m) = raised.meeting_id {
        announce(&app, m);
    }
    Ok(raised)
}

/// Answers an open escalation with what was found out.
#[tauri::command]
#[specta::specta]
pub async fn answer_escalation(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Uuid,
    resolution: String,
) -> CmdResult<Escalation> {
    let store = state.store()?;
    let answered = store.answer_escalation(id, &resolution, Utc::now()).await?;
    if let Some(m) = answered.meeting_id {
        announce(&app, m);
    }
    Ok(answered)
}

/// Escalations matching `filter`, overdue first.
#[tauri::command]
#[specta::specta]
pub async fn list_escalations(
    state: State<'_, AppState>,
    filter: EscalationFilter,
) -> CmdResult<Vec<Escalation>> {
    Ok(state
        .store()?
        .escalations(filter, Utc::now().date_naive())
        .await?)
}

/// The label of the advocate's seat window.
pub const SEAT: &str = "seat";

/// Opens the advocate's seat for `meeting_id` in its own window, or brings it forward and
/// points it at that meeting.
#[tauri::command]
#[specta::specta]
pub async fn open_seat_window(app: AppHandle, meeting_id: Uuid) -> CmdResult<()> {
    let route = format!("#/seat/{meeting_id}");
    let failed = |e: tauri::Error| {
        ApiError::new(
            ErrorCode::Unexpected,
            format!("cannot open the seat window: {e}"),
        )
    };
    if let Some(seat) = app.get_webview_window(SEAT) {
        let mut url = seat.url().map_err(failed)?;
        url.set_fragment(Some(route.trim_start_matches('#')));
        seat.navigate(url).map_err(failed)?;
        let _ = seat.unminimize();
        seat.set_focus().map_err(failed)?;
        return Ok(());
    }
    WebviewWindowBuilder::new(
        &app,
        SEAT,
        WebviewUrl::App(format!("index.html{route}").into()),
    )
    .title("Empty Chair — the advocate's seat")
    .inner_size(1280.0, 800.0)
    .min_inner_size(720.0, 480.0)
    .build()
    .map_err(failed)?;
    Ok(())
}
