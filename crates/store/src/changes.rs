//! Noticing that what the windows show changed, whoever changed it: this process's own writes,
//! another window, or the `chair` command line. Triggers move the one `change_count` row on
//! every change to meetings, decisions, personas, marks, escalations, imports and the
//! thesaurus (not on the meaning vectors the app writes by itself in the background); a watch
//! reads that row through the store's own connections, so closing the store for a restore or
//! after lost locks leaves no connection of the watch's behind on the file.

use crate::{Result, Store};

/// Tells when the `change_count` row moved since it last asked.
#[derive(Debug)]
pub struct ChangeWatch {
    store: Store,
    count: i64,
}

impl Store {
    /// Starts watching for changes committed from now on.
    pub async fn watch_changes(&self) -> Result<ChangeWatch> {
        let count = self.change_count().await?;
        Ok(ChangeWatch {
            store: self.clone(),
            count,
        })
    }

    /// True when `other` is this same open store (not another one opened on the file since).
    pub fn is_same(&self, other: &Store) -> bool {
        std::sync::Arc::ptr_eq(&self.pools, &other.pools)
    }

    async fn change_count(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar!("SELECT n FROM change_count WHERE id = 1")
                .fetch_one(&self.pool())
                .await?,
        )
    }
}

impl ChangeWatch {
    /// True when some connection committed a change to what the windows show since the last
    /// call.
    pub async fn changed(&mut self) -> Result<bool> {
        let count = self.store.change_count().await?;
        let moved = count != self.count;
        self.count = count;
        Ok(moved)
    }

    /// True while `store` is the store this watch was started on.
    pub fn watches(&self, store: &Store) -> bool {
        self.store.is_same(store) && !store.is_closed()
    }
}
