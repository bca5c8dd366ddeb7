//! Noticing that what the windows show changed, whoever changed it: this process's own writes,
//! another window, or the `chair` command line. SQLite's `PRAGMA data_version`, asked again on
//! one connection of its own, moves whenever another connection committed a change to the
//! file; only then is the `change_count` row read, which triggers move on every change to
//! meetings, decisions, personas, marks, escalations, imports and the thesaurus, and not on
//! the meaning vectors the app writes by itself in the background.

use sqlx::{Connection, SqliteConnection};

use crate::{Result, Store};

/// A connection of its own that tells when the file changed since it last asked.
#[derive(Debug)]
pub struct ChangeWatch {
    store: Store,
    conn: SqliteConnection,
    version: i64,
    count: i64,
}

impl Store {
    /// Starts watching the file for changes committed from now on.
    pub async fn watch_changes(&self) -> Result<ChangeWatch> {
        let mut conn = SqliteConnection::connect_with(&self.pools.options).await?;
        let version = data_version(&mut conn).await?;
        let count = change_count(&mut conn).await?;
        Ok(ChangeWatch {
            store: self.clone(),
            conn,
            version,
            count,
        })
    }

    /// True when `other` is this same open store (not another one opened on the file since).
    pub fn is_same(&self, other: &Store) -> bool {
        std::sync::Arc::ptr_eq(&self.pools, &other.pools)
    }
}

impl ChangeWatch {
    /// True when some connection committed a change to what the windows show since the last
    /// call.
    pub async fn changed(&mut self) -> Result<bool> {
        let now = data_version(&mut self.conn).await?;
        if now == self.version {
            return Ok(false);
        }
        self.version = now;
        let count = change_count(&mut self.conn).await?;
        let moved = count != self.count;
        self.count = count;
        Ok(moved)
    }

    /// True while `store` is the store this watch was started on.
    pub fn watches(&self, store: &Store) -> bool {
        self.store.is_same(store) && !store.is_closed()
    }
}

async fn data_version(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(&mut *conn)
        .await?)
}

async fn change_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar!("SELECT n FROM change_count WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?,
    )
}
