//! What the app holds while it runs: the open database, or why it could not be opened.

use std::path::PathBuf;

use chair_core::ApiError;
use chair_store::Store;

/// The app's state, managed by Tauri.
pub struct AppState {
    db_path: PathBuf,
    store: Result<Store, ApiError>,
    /// The cancel flag of the import that is running, if one is.
    pub import_cancel: std::sync::Mutex<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>>,
}

impl AppState {
    /// Opens the database at `db_path`; a failure is kept so the window can explain it.
    pub async fn open(db_path: PathBuf) -> Self {
        let store = Store::open(&db_path).await.map_err(|e| {
            tracing::error!("cannot open {}: {e}", db_path.display());
            ApiError::from(e)
        });
        Self {
            db_path,
            store,
            import_cancel: std::sync::Mutex::new(None),
        }
    }

    /// The open store, or the error that kept it closed.
    pub fn store(&self) -> Result<&Store, ApiError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The database file the app was started on.
    pub fn db_path(&self) -> &PathBuf {
        &self.db_path
    }
}
