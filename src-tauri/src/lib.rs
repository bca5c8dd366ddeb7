//! Empty Chair's desktop shell: opens the database, holds it in Tauri state, registers the
//! typed IPC commands and the windows. The commands are thin: parse, call the store, map
//! the error to `{code, message}`.

mod commands;
pub mod ipc;
mod state;

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
            let state = tauri::async_runtime::block_on(AppState::open(db_path));
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("Empty Chair could not start: {e}");
        std::process::exit(1);
    }
}
