//! The organisation log: this laptop's connection to it (Settings → Organisation), pushing its
//! decisions after each closed meeting and on demand, and the organisation view of the audit,
//! read from the verified local copy so that it works offline.

use std::sync::Arc;

use chair_core::audit::ExportFormat;
use chair_core::{ApiError, ErrorCode};
use chair_org::{
    Enrolled, LastPush, Org, OrgDashboard, OrgDecision, OrgError, OrgFilter, OrgLaptop, OrgPage,
    OrgReport, OrgView, Pushed, ServerState,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;
use uuid::Uuid;

use super::CmdResult;
use super::files::{Saved, ask_where_to_export, write_whole};
use crate::AppState;

fn api(e: OrgError) -> ApiError {
    let code = match &e {
        OrgError::NotEnrolled(_) => ErrorCode::NotFound,
        OrgError::Offline(_) => ErrorCode::Io,
        OrgError::Refused(_) | OrgError::Diverged(_) => ErrorCode::Conflict,
        OrgError::Invalid(_) => ErrorCode::Invalid,
        OrgError::Unexpected(_) => ErrorCode::Unexpected,
    };
    ApiError::new(code, format!("{e:#}"))
}

/// This laptop's place in the organisation log, as far as it knows without the server.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct OrgSettings {
    pub enrolled: bool,
    /// The server's URL without its password.
    pub server: String,
    pub device: String,
    pub team: String,
    pub device_id: Option<Uuid>,
    pub last_push: Option<LastPush>,
    /// Entries of this laptop's log the organisation log does not have yet, as of the last push.
    pub pending: i64,
    /// A push is going now.
    pub pushing: bool,
    /// Why the last push in the background failed, if it did.
    pub problem: Option<String>,
}

/// A push ended: the windows read the settings again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct OrgPushed {
    /// Entries sent, when it worked.
    pub pushed: Option<u64>,
    pub problem: Option<String>,
}

/// One organisation operation at a time in this app: each reads this laptop's settings, works
/// with the server and saves them again, and pulls append to one local copy.
static ORG: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static PUSHING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static PROBLEM: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Marks a push as going until dropped, however it ends.
struct Pushing;

impl Pushing {
    fn start() -> Pushing {
        PUSHING.store(true, std::sync::atomic::Ordering::SeqCst);
        Pushing
    }
}

impl Drop for Pushing {
    fn drop(&mut self) {
        PUSHING.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

fn set_problem(p: Option<String>) {
    *PROBLEM.lock().unwrap_or_else(|e| e.into_inner()) = p;
}

/// Organisation settings and what is waiting to be pushed.
#[tauri::command]
#[specta::specta]
pub async fn org_settings(state: State<'_, AppState>) -> CmdResult<OrgSettings> {
    let files = chair_org::OrgFiles::beside(state.db_path());
    let settings = files.read_settings().map_err(api)?;
    let entries = match state.store() {
        Ok(store) => store.log_head().await?.entries,
        Err(_) => 0,
    };
    let problem = PROBLEM.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let pushing = PUSHING.load(std::sync::atomic::Ordering::SeqCst);
    Ok(match settings {
        None => OrgSettings {
            enrolled: false,
            server: String::new(),
            device: String::new(),
            team: String::new(),
            device_id: None,
            last_push: None,
            pending: 0,
            pushing,
            problem,
        },
        Some(s) => OrgSettings {
            enrolled: true,
            server: chair_org::redact(&s.url),
            pending: (entries - s.last_push.as_ref().map_or(0, |p| p.head)).max(0),
            device: s.device_name,
            team: s.team,
            device_id: Some(s.device_id),
            last_push: s.last_push,
            pushing,
            problem,
        },
    })
}

/// What the server holds now; fails with the reason when it cannot be reached.
#[tauri::command]
#[specta::specta]
pub async fn org_server_state(state: State<'_, AppState>) -> CmdResult<ServerState> {
    let org = Org::open(state.db_path()).await.map_err(api)?;
    let found = org.server_state().await.map_err(api);
    org.close().await;
    found
}

/// Enrols this laptop at `url` as laptop `device` of team `team`, then pushes its decisions.
#[tauri::command]
#[specta::specta]
pub async fn org_connect(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
    team: String,
    device: String,
) -> CmdResult<Enrolled> {
    let url = url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "give the organisation's database as a PostgreSQL URL: postgres://user@host/database",
        ));
    }
    let enrolled = {
        let _one = ORG.lock().await;
        chair_org::enrol(state.db_path(), url, &team, &device)
            .await
            .map_err(api)?
    };
    tracing::info!(
        "enrolled as \"{}\" of team \"{}\" in {}",
        enrolled.device,
        enrolled.team,
        chair_org::redact(url)
    );
    if let Ok(store) = state.store() {
        push_in_background(app, store, state.db_path().clone());
    }
    Ok(enrolled)
}

async fn push_now(store: &chair_store::Store, db: &std::path::Path) -> Result<Pushed, ApiError> {
    // A push asked for while another goes waits for it, then sends whatever is left.
    let _one = ORG.lock().await;
    let _pushing = Pushing::start();
    let result = async {
        let mut org = Org::open(db).await.map_err(api)?;
        let pushed = org.push(store).await.map_err(api);
        org.close().await;
        pushed
    }
    .await;
    match &result {
        Ok(p) => {
            tracing::info!(
                "pushed {} entries to the organisation log (it holds {} of this laptop)",
                p.pushed,
                p.head
            );
            set_problem(None);
        }
        Err(e) => {
            tracing::warn!("cannot push to the organisation log: {}", e.message);
            set_problem(Some(e.message.clone()));
        }
    }
    result
}

/// Sends this laptop's decisions the organisation log does not have yet.
#[tauri::command]
#[specta::specta]
pub async fn org_push(app: AppHandle, state: State<'_, AppState>) -> CmdResult<Pushed> {
    let store = state.store()?;
    let result = push_now(&store, state.db_path()).await;
    let _ = OrgPushed {
        pushed: result.as_ref().ok().map(|p| p.pushed),
        problem: result.as_ref().err().map(|e| e.message.clone()),
    }
    .emit(&app);
    result
}

/// Pushes in the background when this laptop is enrolled (after a meeting closes); the
/// windows hear [`OrgPushed`] when it ends. Offline, the entries wait for the next push.
pub(crate) fn push_in_background(
    app: AppHandle,
    store: chair_store::Store,
    db: std::path::PathBuf,
) {
    if !chair_org::OrgFiles::beside(&db).settings.exists() {
        return;
    }
    tauri::async_runtime::spawn(async move {
        let result = push_now(&store, &db).await;
        let _ = OrgPushed {
            pushed: result.as_ref().ok().map(|p| p.pushed),
            problem: result.err().map(|e| e.message),
        }
        .emit(&app);
    });
}

/// The organisation view's state: the verification badge, the teams and laptops to filter by.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct OrgOverview {
    pub enrolled: bool,
    /// The verification of the local copy the view reads.
    pub report: OrgReport,
    /// Its one-line summary ("Organisation log verified: …" or the first failure).
    pub badge: String,
    /// Entries the pull added now (none when offline).
    pub new_entries: Option<u64>,
    /// Why the server could not be read now, when it could not: the view shows the copy.
    pub offline: Option<String>,
    /// When the copy was last written.
    pub pulled_at: String,
    pub teams: Vec<String>,
    pub laptops: Vec<OrgLaptop>,
}

fn cached(state: &AppState) -> Option<Arc<OrgView>> {
    state
        .org_view
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// The view of the local copy, read (and verified) when it has not been yet.
async fn view(state: &AppState) -> CmdResult<Arc<OrgView>> {
    if let Some(v) = cached(state) {
        return Ok(v);
    }
    read_view(state, None).await
}

/// Reads the copy, and verifies it unless `pulled` is the report of the pull that just wrote it.
async fn read_view(state: &AppState, pulled: Option<OrgReport>) -> CmdResult<Arc<OrgView>> {
    let db = state.db_path().clone();
    let seen = chair_org::OrgFiles::beside(&db)
        .read_settings()
        .map_err(api)?
        .map(|s| s.checkpoints_seen)
        .unwrap_or_default();
    let view = tauri::async_runtime::spawn_blocking(move || match pulled {
        Some(report) => OrgView::read_pulled(&db, report),
        None => OrgView::read(&db, &seen),
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Unexpected, e.to_string()))?
    .map_err(api)?;
    let view = Arc::new(view);
    *state.org_view.write().unwrap_or_else(|e| e.into_inner()) = Some(view.clone());
    Ok(view)
}

/// Pulls every team this laptop may read into its local copy (when the server answers), then
/// reads the copy: verified by the pull, or on its own when the server could not be read.
#[tauri::command]
#[specta::specta]
pub async fn org_refresh(state: State<'_, AppState>) -> CmdResult<OrgOverview> {
    let settings = chair_org::OrgFiles::beside(state.db_path())
        .read_settings()
        .map_err(api)?;
    let mut offline = None;
    let mut broken = None;
    let mut new_entries = None;
    let mut verified = None;
    if settings.is_some() {
        let _one = ORG.lock().await;
        let pulled = async {
            let mut org = Org::open(state.db_path()).await?;
            let pulled = org.pull().await;
            org.close().await;
            pulled
        }
        .await;
        match pulled {
            Ok(p) => {
                tracing::info!(
                    "pulled {} new entries of the organisation log; {}",
                    p.new_entries,
                    p.report.summary()
                );
                new_entries = Some(p.new_entries);
                verified = Some(p.report);
            }
            // What the server holds fails its check, or no longer matches what was pulled.
            Err(OrgError::Diverged(why)) => broken = Some(why),
            Err(e) => offline = Some(format!("{e:#}")),
        }
    }
    let mut view = read_view(&state, verified).await?;
    if let Some(why) = broken {
        tracing::error!("{why}");
        let mut failed = (*view).clone();
        failed.report.intact = false;
        failed.report.failure = Some(chair_org::Failure {
            device_id: None,
            device: None,
            seq: None,
            checkpoint: None,
            problem: why,
        });
        view = Arc::new(failed);
    }
    Ok(OrgOverview {
        enrolled: settings.is_some(),
        badge: badge(&view.report),
        report: view.report.clone(),
        new_entries,
        offline,
        pulled_at: view.pulled_at.clone(),
        teams: view.teams(),
        laptops: view.laptops.clone(),
    })
}

/// The badge's words.
fn badge(r: &OrgReport) -> String {
    match &r.failure {
        None => format!(
            "Organisation log verified: {} entries from {} laptops",
            r.entries, r.devices
        ),
        // A failure found on pulling says it all in its own words.
        Some(f) if f.device.is_none() && f.seq.is_none() && f.checkpoint.is_none() => {
            f.problem.clone()
        }
        Some(_) => r.summary(),
    }
}

/// Rows `offset` to `offset + limit` of the organisation's decisions `filter` selects.
#[tauri::command]
#[specta::specta]
pub async fn org_audit(
    state: State<'_, AppState>,
    filter: OrgFilter,
    offset: u32,
    limit: u32,
) -> CmdResult<OrgPage> {
    Ok(view(&state)
        .await?
        .page(&filter, offset as usize, limit.min(1000) as usize))
}

/// One entry of the organisation log.
#[tauri::command]
#[specta::specta]
pub async fn org_entry(
    state: State<'_, AppState>,
    device: Uuid,
    seq: i64,
) -> CmdResult<OrgDecision> {
    view(&state)
        .await?
        .entry(device, seq)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no entry {seq} of that laptop in the organisation log"),
            )
        })
}

/// The organisation's dashboard over the team and laptop `filter` names.
#[tauri::command]
#[specta::specta]
pub async fn org_dashboard(
    state: State<'_, AppState>,
    filter: OrgFilter,
    weeks: u32,
) -> CmdResult<OrgDashboard> {
    Ok(view(&state).await?.dashboard(
        &filter,
        chrono::Utc::now().date_naive(),
        weeks.clamp(1, 104),
    ))
}

/// Asks where to save, then writes the organisation's decisions `filter` selects as CSV or
/// Markdown, or the whole pulled log as JSON (which `chair org verify --file` checks on its
/// own); `None` when the user cancels.
#[tauri::command]
#[specta::specta]
pub async fn org_export(
    app: AppHandle,
    state: State<'_, AppState>,
    filter: OrgFilter,
    format: ExportFormat,
) -> CmdResult<Option<Saved>> {
    let Some(path) = ask_where_to_export(
        &app,
        "Export the organisation log",
        "organisation-log",
        format,
    )
    .await?
    else {
        return Ok(None);
    };
    let view = view(&state).await?;
    let (text, count) = match format {
        ExportFormat::Json => {
            let log = chair_org::copy_export(state.db_path()).map_err(api)?;
            let n = log.entries.len();
            let text = serde_json::to_string_pretty(&log)
                .map_err(|e| ApiError::new(ErrorCode::Unexpected, e.to_string()))?;
            (text + "\n", n)
        }
        ExportFormat::Csv => {
            let rows = view.log_rows(&filter);
            (chair_org::render_csv(&rows), rows.len())
        }
        ExportFormat::Markdown => {
            let rows = view.log_rows(&filter);
            (
                chair_org::render_markdown(&rows, &chair_store::time::ts(chrono::Utc::now())),
                rows.len(),
            )
        }
    };
    write_whole(&path, text.as_bytes())?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        count: count as u32,
    }))
}
