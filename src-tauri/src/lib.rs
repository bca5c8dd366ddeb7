//! Empty Chair's desktop shell: opens the database, holds it in Tauri state, registers the
//! typed IPC commands and the windows. The commands are thin: parse, call the store, map
//! the error to `{code, message}`.

mod background;
mod commands;
pub mod ipc;
mod state;
mod watch;

use std::path::PathBuf;

use tauri::Manager;

pub use state::AppState;

/// Reads `--db PATH` (or `--db=PATH`) from the process arguments.
fn db_arg() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        let s = a.to_string_lossy();
        if s == "--db" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = s.strip_prefix("--db=") {
            return Some(PathBuf::from(path));
        }
    }
    None
}

/// Names this app on this database for the single-instance lock: the app's identifier and a
/// hash of the database's full path, so the same file is never open in two app windows while
/// different files may be. (On Linux the plugin finds the other instance by this D-Bus name;
/// on other platforms it keys on the app's identifier alone, so there one window serves
/// every database.)
fn instance_id(db: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    // The folder is resolved (it exists once the app has run), not the file, which a first
    // run has not made yet: the same file gets the same name either way.
    let folder = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let folder = std::fs::canonicalize(folder)
        .or_else(|_| std::path::absolute(folder))
        .unwrap_or_else(|_| folder.to_path_buf());
    let full = folder.join(db.file_name().unwrap_or_default());
    let mut h = std::hash::DefaultHasher::new();
    full.hash(&mut h);
    format!("{}.db_{:016x}", chair_core::APP_IDENTIFIER, h.finish())
}

/// Brings the main window forward (a second launch asked for it).
fn focus_main(app: &tauri::AppHandle) {
    if let Some(main) = app.get_webview_window("main") {
        let _ = main.unminimize();
        let _ = main.show();
        let _ = main.set_focus();
    }
}

/// Reads ahead, in the background, what relevance searches need (see
/// [`chair_store::Store::warm_relevance`]), so that the first agenda item shown gets its
/// complaints without waiting; then embeds the complaints not embedded yet (see
/// [`commands::relevance::embed_in_background`]).
pub(crate) fn warm_relevance(store: chair_store::Store) {
    tauri::async_runtime::spawn(async move {
        let started = std::time::Instant::now();
        match store.warm_relevance().await {
            Ok(added) => tracing::info!(
                "relevance ready: {added} complaints read ahead in {} ms",
                started.elapsed().as_millis()
            ),
            // Closed for a restore or after damage was found: nothing is lost.
            Err(e) if store.is_closed() => tracing::debug!("read-ahead stopped: {e}"),
            // Searches read what they need themselves; only the head start is lost.
            Err(e) => tracing::warn!("cannot read complaints ahead: {e}"),
        }
        prepare_item_lists(store.clone());
        commands::relevance::embed_in_background(store).await;
    });
}

static PREPARING: background::OneAtATime = background::OneAtATime::new();

/// Ranks, in the background, the agenda items of meetings not yet closed whose ready lists no
/// longer hold (see [`chair_store::Store::prepare_item_lists`]), so that live mode and the
/// advocate's seat read their complaints at once. Asked for at start, on every change to the
/// database and when complaints have been read for meaning.
pub(crate) fn prepare_item_lists(store: chair_store::Store) {
    tauri::async_runtime::spawn(async move {
        PREPARING
            .run(store, |store| async move {
                let started = std::time::Instant::now();
                match store.prepare_item_lists(chrono::Utc::now()).await {
                    Ok(done) if done.ranked > 0 => tracing::info!(
                        "ranked {} agenda items ahead in {} ms ({} were ready)",
                        done.ranked,
                        started.elapsed().as_millis(),
                        done.ready
                    ),
                    Ok(_) => {}
                    Err(e) if store.is_closed() => tracing::debug!("ranking ahead stopped: {e}"),
                    // Items are ranked when shown instead; only the head start is lost.
                    Err(e) => tracing::warn!("cannot rank agenda items ahead: {e}"),
                }
            })
            .await;
    });
}

static THEMES: background::OneAtATime = background::OneAtATime::new();
/// The next theme run finds the themes again even when sorting new complaints would do.
static FIND_AGAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Themes are being found or complaints sorted into them now.
pub(crate) fn themes_running() -> bool {
    THEMES.is_running()
}

/// Keeps the customer themes up to date in the background (see
/// [`chair_store::Store::update_themes`]): complaints the language model has read since are
/// sorted into them, and they are found again when enough are new or when `find_again`.
/// The windows hear [`commands::themes::ThemesProgress`] as it starts and ends.
pub(crate) fn update_themes(
    store: chair_store::Store,
    model: String,
    dim: usize,
    find_again: bool,
) {
    use std::sync::atomic::Ordering::SeqCst;
    if find_again {
        FIND_AGAIN.store(true, SeqCst);
    }
    tauri::async_runtime::spawn(async move {
        THEMES
            .run(store, |store| {
                let model = model.clone();
                async move {
                    let again = FIND_AGAIN.swap(false, SeqCst);
                    let needed = again
                        || store.themes_out_of_date(&model).await.unwrap_or_else(|e| {
                            tracing::debug!("cannot tell whether themes are up to date: {e}");
                            false
                        });
                    if !needed {
                        return;
                    }
                    use commands::themes::{ThemesProgress, announce};
                    announce(ThemesProgress { running: true, done: None, problem: None });
                    let started = std::time::Instant::now();
                    let result = if again {
                        store
                            .discover_themes(&model, dim, chrono::Utc::now())
                            .await
                            .map(|found| chair_store::themes::ThemesUpdate {
                                sorted: None,
                                discovered: Some(found),
                            })
                    } else {
                        store.update_themes(&model, dim, chrono::Utc::now()).await
                    };
                    let ms = started.elapsed().as_millis();
                    let (done, problem) = match result {
                        Ok(update) => {
                            let mut said = Vec::new();
                            if let Some(s) = update.sorted {
                                said.push(format!(
                                    "{} new complaints sorted into themes ({} fit none)",
                                    s.sorted, s.unsorted
                                ));
                            }
                            if let Some(found) = update.discovered {
                                said.push(format!(
                                    "{} customer themes found ({} complaints sorted, {} unsorted, {} not read yet)",
                                    found.themes, found.sorted, found.unsorted, found.not_read
                                ));
                            }
                            let said = said.join("; ");
                            tracing::info!("{said} in {ms} ms");
                            (Some(said), None)
                        }
                        Err(e) if store.is_closed() => {
                            tracing::debug!("theme discovery stopped: {e}");
                            (None, None)
                        }
                        Err(e) => {
                            tracing::warn!("cannot find customer themes: {e}");
                            (None, Some(format!("cannot find customer themes: {e}")))
                        }
                    };
                    announce(ThemesProgress { running: false, done, problem });
                }
            })
            .await;
    });
}

/// After start, in the background: a full check of a file too large to check before the
/// window opened, then a backup if anything changed since the last one.
async fn look_after(app: tauri::AppHandle) {
    let state = app.state::<AppState>();
    let Ok(store) = state.store() else { return };
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    if size > chair_store::FULL_CHECK_AT_OPEN {
        match store.quick_check_all().await {
            Ok(problems) if !problems.is_empty() => {
                state
                    .mark_damaged(format!(
                        "{} is damaged ({}); nothing more will be written to it",
                        store.path().display(),
                        problems
                            .iter()
                            .take(3)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("; ")
                    ))
                    .await;
                commands::backup::announce(&app, "the database was found damaged");
                return;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot check {}: {e}", store.path().display()),
        }
    }
    match store.backup_if_changed("start").await {
        Ok(Some(b)) => tracing::info!("backed up to {}", b.path),
        Ok(None) => {}
        Err(e) => tracing::warn!("cannot back up {}: {e}", store.path().display()),
    }
}

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHAIR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let db_path = chair_store::resolve_db_path(db_arg());
    let specta = ipc::builder();
    let result = tauri::Builder::default()
        // First: a second launch on the same database hands over to this one and exits.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&db_path))
                .callback(|app, _args, _cwd| focus_main(app))
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(specta.invoke_handler())
        // The seat belongs to the meeting in the main window: closing the main window quits.
        .on_window_event(|window, event| {
            if window.label() == "main" && matches!(event, tauri::WindowEvent::Destroyed) {
                window.app_handle().exit(0);
            }
        })
        .setup(move |app| {
            specta.mount_events(app);
            commands::relevance::remember_app(app.handle().clone());
            let state = tauri::async_runtime::block_on(AppState::open(db_path));
            app.manage(state);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { look_after(handle).await });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { watch::watch(handle).await });
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("Empty Chair could not start: {e}");
        std::process::exit(1);
    }
}
