//! What the app holds while it runs: the open database, or why it could not be opened (or was
//! found damaged later, or is being restored).

use std::path::PathBuf;
use std::sync::{PoisonError, RwLock};

use chair_core::{ApiError, ErrorCode};
use chair_store::Store;
use chair_store::backup::Restored;

/// The app's state, managed by Tauri.
pub struct AppState {
    db_path: PathBuf,
    store: RwLock<Result<Store, ApiError>>,
    /// Set when damage was found after the file opened: trying again will not reopen it.
    found_damaged: std::sync::atomic::AtomicBool,
    /// The cancel flag of the import that is running, if one is.
    pub import_cancel: std::sync::Mutex<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>>,
    /// The organisation log's local copy as last read and verified.
    pub org_view: RwLock<Option<std::sync::Arc<chair_org::OrgView>>>,
}

impl AppState {
    /// Opens the database at `db_path`; a failure is kept so the window can explain it.
    pub async fn open(db_path: PathBuf) -> Self {
        let store = Self::open_store(&db_path).await;
        Self {
            db_path,
            store: RwLock::new(store),
            found_damaged: std::sync::atomic::AtomicBool::new(false),
            import_cancel: std::sync::Mutex::new(None),
            org_view: RwLock::new(None),
        }
    }

    /// Opens the store and starts reading ahead for relevance searches.
    async fn open_store(db_path: &std::path::Path) -> Result<Store, ApiError> {
        let store = Store::open(db_path).await.map_err(|e| {
            tracing::error!("cannot open {}: {e}", db_path.display());
            ApiError::from(e)
        })?;
        crate::warm_relevance(store.clone());
        Ok(store)
    }

    /// The open store, or the error that keeps it closed.
    pub fn store(&self) -> Result<Store, ApiError> {
        self.store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The database file the app was started on.
    pub fn db_path(&self) -> &PathBuf {
        &self.db_path
    }

    /// Opens the database again when it could not be opened before (another program held it,
    /// a restore was running, it was repaired or restored from the command line meanwhile).
    /// An open store, or a file found damaged while open, is left as it is.
    pub async fn reopen_if_closed(&self) {
        let closed = self
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_err();
        if !closed
            || self
                .found_damaged
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let reopened = Self::open_store(&self.db_path).await;
        let mut slot = self.store.write().unwrap_or_else(PoisonError::into_inner);
        if slot.is_err() {
            *slot = reopened;
        }
    }

    /// Stops all use of the database after damage was found in it: every command then fails
    /// with `why`, and the window offers to restore a backup.
    pub async fn mark_damaged(&self, why: String) {
        tracing::error!("{why}");
        self.found_damaged
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let was = std::mem::replace(
            &mut *self.store.write().unwrap_or_else(PoisonError::into_inner),
            Err(ApiError::new(ErrorCode::Corrupt, why)),
        );
        if let Ok(store) = was {
            store.close().await;
        }
    }

    /// Replaces the database with the backup `from` (checked first; the current file is set
    /// aside) and opens it. While this runs, commands fail with a "restoring" message.
    pub async fn restore(&self, from: PathBuf) -> Result<Restored, ApiError> {
        let restoring = ApiError::new(
            ErrorCode::Busy,
            "a backup is being restored; this takes a moment",
        );
        let was = std::mem::replace(
            &mut *self.store.write().unwrap_or_else(PoisonError::into_inner),
            Err(restoring),
        );
        if let Ok(store) = &was {
            store.close().await;
        }
        let restored = chair_store::backup::restore(&self.db_path, &from).await;
        let reopened = Self::open_store(&self.db_path).await;
        if restored.is_ok() {
            self.found_damaged
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        *self.store.write().unwrap_or_else(PoisonError::into_inner) = reopened;
        Ok(restored?)
    }
}
