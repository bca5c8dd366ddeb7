//! Every window hears when the database changed, whoever changed it: a command of this app,
//! the other window, or the `chair` command line. Once a second the store's change watch is
//! asked (see [`chair_store::changes`]: one read of a row that triggers move); one event tells
//! every window, and each screen reads what it shows again.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::AppState;

/// Something in the database changed: every screen should read what it shows again.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DataChanged {
    /// The database file, so a window knows the change is about its own workspace.
    pub db_path: String,
}

/// How often the database is asked whether it changed. It asks whatever the windows show:
/// asking a window whether it is visible would wait on the window thread, which may itself be
/// waiting for the app to quit, and the question costs more than the read.
const EVERY: Duration = Duration::from_secs(1);

/// Watches the open database for changes until the app quits.
pub async fn watch(app: AppHandle) {
    let mut watch: Option<chair_store::changes::ChangeWatch> = None;
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Ok(store) = app.state::<AppState>().store() else {
            watch = None;
            continue;
        };
        // A restored or reopened database is another store: watch that one from now on.
        let current = match watch.as_mut() {
            Some(w) if w.watches(&store) => w,
            _ => {
                watch = store.watch_changes().await.ok();
                continue;
            }
        };
        match current.changed().await {
            Ok(false) => {}
            Ok(true) => {
                let event = DataChanged {
                    db_path: store.path().display().to_string(),
                };
                if let Err(e) = event.emit(&app) {
                    tracing::warn!("cannot tell the windows the data changed: {e}");
                }
                // An item saved or edited, complaints imported, the thesaurus changed.
                crate::prepare_item_lists(store.clone());
            }
            Err(e) => {
                tracing::debug!("change watch lost, starting again: {e}");
                watch = None;
            }
        }
    }
}
