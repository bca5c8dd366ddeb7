//! Empty Chair's storage: one SQLite file (WAL, foreign keys, a busy timeout) with embedded
//! migrations, the repositories for personas, complaints and meetings, and the append-only
//! decision log. The desktop app and the `chair` command line both open it through [`Store`].
//!
//! **One rule for every process that opens a store:** nothing but SQLite opens the database
//! file, its `-wal` or its `-shm` while a connection is open. SQLite locks them with POSIX
//! advisory locks, and POSIX drops all of a process's locks on a file when any descriptor of
//! that file in the process is closed; another program closing the database would then delete
//! the write-ahead log under us. So the store registers each file it opens with
//! [`chair_core::held`], and code that opens a file the user named (imports, exports, verifying
//! an export file, backups to a chosen path) asks it first; file dialogs run in another
//! process (the desktop portal, or zenity). Plain file I/O on the database's path is allowed
//! only while no connection is open (a restore, holding the `.inuse` lock exclusively). As a
//! defence in depth, every commit checks that the locks are still held and the store opens the
//! file again when they are not (see `hold`), so a write is refused rather than acknowledged
//! into a log nobody else can see.

mod error;
mod health;
mod hold;
mod lock;
mod rows;
pub mod time;

pub mod backup;
pub mod changes;
pub mod complaints;
pub mod decisions;
pub mod demo;
pub mod embeddings;
pub mod escalations;
pub mod import;
pub mod live;
pub mod meetings;
pub mod personas;
pub mod relevance;
pub mod themes;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};

pub use error::{Result, StoreError};
pub use health::FULL_CHECK_AT_OPEN;

/// The environment variable that names the database file, for the app and the CLI alike.
pub const DB_ENV: &str = "EMPTY_CHAIR_DB";

/// `PRAGMA application_id` of an Empty Chair database ('ECHR').
pub const APPLICATION_ID: i64 = 1_162_037_842;

/// How long a connection waits for another writer before giving up with [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database file in the platform's app-data folder
/// (`~/.local/share/app.emptychair.desktop/empty-chair.db` on Linux).
pub fn default_db_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(chair_core::APP_IDENTIFIER)
        .join("empty-chair.db")
}

/// The database to open: `explicit` (a `--db` flag) wins, then `EMPTY_CHAIR_DB`, then the
/// default path.
pub fn resolve_db_path(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| {
            std::env::var_os(DB_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(default_db_path)
}

/// How much of the database file SQLite maps into memory for reading.
const MMAP_SIZE: u64 = 256 << 20;

/// An open Empty Chair database.
#[derive(Debug, Clone)]
pub struct Store {
    pools: std::sync::Arc<Pools>,
    path: PathBuf,
    relevance: std::sync::Arc<relevance::Caches>,
    /// The customer themes as last read (see [`Store::themes`]).
    themes_read: std::sync::Arc<std::sync::Mutex<Option<themes::ThemesRead>>>,
    /// The shared lock on the file's `.inuse` companion, held until [`Store::close`].
    in_use: std::sync::Arc<std::sync::Mutex<Option<std::fs::File>>>,
}

/// The store's connections, which it replaces with fresh ones when this process lost SQLite's
/// locks on the file (see [`hold`]).
#[derive(Debug)]
struct Pools {
    current: std::sync::RwLock<SqlitePool>,
    options: SqliteConnectOptions,
    hold: std::sync::Arc<hold::Hold>,
    /// Held while the connections are being replaced.
    reopening: tokio::sync::Mutex<()>,
    /// Tells the rest of this process not to open the file behind SQLite's back.
    _registered: chair_core::held::Registration,
}

/// Serialises opening stores in this process: a header check must never open a file while
/// another thread's connections to it are already open.
static OPENING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Store {
    /// Opens (creating when missing) the database at `path` and brings its schema up to
    /// date. Refuses, without writing, a file that is not an Empty Chair database or that
    /// a newer version of the app has written.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Io(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let opening = OPENING.lock().await;
        // A file this process already holds open has been checked, and must not be opened
        // outside SQLite again.
        if !chair_core::held::is_held(path) {
            check_header(path)?;
        }
        check_not_emptied(path)?;
        let in_use = lock::shared(path)?;
        let registered = chair_core::held::register(path);
        drop(opening);
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| StoreError::Unexpected(e.into()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("trusted_schema", "OFF")
            // A 16 MB page cache per connection (grown only as used) and memory-mapped reads:
            // imports and large collections otherwise spend their time re-reading pages.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", MMAP_SIZE.to_string())
            .pragma("temp_store", "MEMORY")
            // Long reads (a full verify, an export) are expected; they are not warnings.
            .log_slow_statements(log::LevelFilter::Debug, std::time::Duration::from_secs(5));
        let hold = std::sync::Arc::new(hold::Hold::new(path));
        let pool = connect(&options, &hold)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Corrupt(d) => StoreError::corrupt(path, d),
                other => other,
            })?;
        // From here on, even the migrations' commits are checked.
        look_at_hold(&pool, &hold, hold::Hold::calibrate).await;
        let store = Self {
            pools: std::sync::Arc::new(Pools {
                current: std::sync::RwLock::new(pool),
                options,
                hold,
                reopening: tokio::sync::Mutex::new(()),
                _registered: registered,
            }),
            path: path.to_path_buf(),
            relevance: std::sync::Arc::default(),
            themes_read: std::sync::Arc::default(),
            in_use: std::sync::Arc::new(std::sync::Mutex::new(Some(in_use))),
        };
        // Before the file is known to be sound, whatever SQLite cannot make sense of (a
        // damaged schema, say) is damage, not a bug.
        let as_damage = |e: StoreError| match e {
            StoreError::Unexpected(inner) => StoreError::corrupt(path, format!("{inner:#}")),
            StoreError::Corrupt(d) if !d.contains(&path.display().to_string()) => {
                StoreError::corrupt(path, d)
            }
            other => other,
        };
        store.check_identity().await.map_err(as_damage)?;
        store.check_at_open().await.map_err(as_damage)?;
        store.migrate().await.map_err(as_damage)?;
        store.watch_hold().await;
        Ok(store)
    }

    /// The connection pool, for the repositories in this crate.
    pub(crate) fn pool(&self) -> SqlitePool {
        self.pools.current()
    }

    /// What relevance searches keep in memory between calls.
    pub(crate) fn relevance_caches(&self) -> &relevance::Caches {
        &self.relevance
    }

    /// True once [`Store::close`] ran: every later query fails.
    pub fn is_closed(&self) -> bool {
        self.pool().is_closed() && !self.pools.hold.is_lost()
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, checkpointing the write-ahead log, and lets go of the file.
    pub async fn close(&self) {
        let _no_reopening = self.pools.reopening.lock().await;
        self.pool().close().await;
        self.in_use
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// Checks SQLite's locks on the file (see [`hold`]) every [`hold::WATCH_EVERY`] in the
    /// background; when they are gone, opens the file again. Stops when the store is closed or
    /// dropped.
    async fn watch_hold(&self) {
        let pools = std::sync::Arc::downgrade(&self.pools);
        let hold = self.pools.hold.clone();
        tokio::spawn(async move {
            loop {
                hold.next_look(hold::WATCH_EVERY).await;
                let Some(pools) = pools.upgrade() else { return };
                if !pools.hold.is_lost() {
                    let pool = pools.current();
                    if pool.is_closed() {
                        return;
                    }
                    look_at_hold(&pool, &pools.hold, |h| {
                        h.intact();
                    })
                    .await;
                }
                if pools.hold.is_lost() {
                    pools.reopen().await;
                }
            }
        });
    }

    /// Refuses a SQLite file that belongs to another program.
    async fn check_identity(&self) -> Result<()> {
        let app_id: i64 = sqlx::query_scalar("PRAGMA application_id")
            .fetch_one(&self.pool())
            .await?;
        if app_id == APPLICATION_ID {
            return Ok(());
        }
        if app_id != 0 {
            return Err(StoreError::corrupt(
                &self.path,
                format!("it is a SQLite database of another program, application id {app_id}"),
            ));
        }
        let foreign_tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_one(&self.pool())
        .await?;
        if foreign_tables > 0 {
            return Err(StoreError::corrupt(
                &self.path,
                "it is a SQLite database that Empty Chair did not create",
            ));
        }
        Ok(())
    }

    async fn migrate(&self) -> Result<()> {
        self.run_migrations().await?;
        // An import cut short left the received-date index out. Without it, lists by date
        // are slower but right: a file that cannot take it still opens.
        if let Err(e) = self.build_missing_received_index().await {
            tracing::warn!(
                "cannot build the received-date index of {}: {e}",
                self.path.display()
            );
        }
        Ok(())
    }

    /// Builds the received-date index if it is missing and no import left it out on purpose.
    async fn build_missing_received_index(&self) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        let missing: bool = sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'complaints_received_at')",
        )
        .fetch_one(&mut *conn)
        .await?;
        if !missing {
            return Ok(());
        }
        let Some(_no_import) = lock::no_import(&self.path)? else {
            return Ok(());
        };
        tracing::info!(
            "building the received-date index of {}",
            self.path.display()
        );
        import::build_received_index(&mut conn).await
    }

    async fn run_migrations(&self) -> Result<()> {
        MIGRATOR.run(&self.pool()).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(v) => StoreError::Corrupt(format!(
                "{} was written by a newer version of Empty Chair (schema {v}); this version will not change it: update the app",
                self.path.display()
            )),
            sqlx::migrate::MigrateError::Execute(inner) => StoreError::from(inner),
            other => StoreError::Unexpected(anyhow::Error::new(other).context("updating the database schema")),
        })
    }
}

/// Runs `look` on the locks while a connection of `pool` has just read the file: SQLite holds
/// its locks only while a connection is open and has read.
async fn look_at_hold(pool: &SqlitePool, hold: &hold::Hold, look: impl FnOnce(&hold::Hold)) {
    if let Ok(mut conn) = pool.acquire().await
        && sqlx::query("SELECT 1 FROM sqlite_schema LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .is_ok()
    {
        look(hold);
    }
}

impl Pools {
    /// The pool to use; closed (so that queries fail with [`StoreError::HoldLost`] instead of
    /// running on connections without their locks) once the locks were found gone.
    fn current(&self) -> SqlitePool {
        let pool = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if self.hold.is_lost() {
            // Marks the pool closed at once; `reopen` waits for its connections.
            drop(pool.close());
        }
        pool
    }

    /// Closes every connection and opens new ones, which take SQLite's locks afresh. Meanwhile
    /// queries fail with [`StoreError::HoldLost`]; every commit since the locks were lost was
    /// refused, so closing loses nothing.
    async fn reopen(&self) {
        let _one = self.reopening.lock().await;
        if !self.hold.is_lost() {
            return;
        }
        let old = self.current();
        {
            // Without its locks, the last connection to close would believe it is the last
            // user anywhere and delete the write-ahead log, which another program may be using.
            let _fence = hold::fence(self.hold.db());
            old.close().await;
        }
        match connect(&self.options, &self.hold).await {
            Ok(pool) => {
                *self
                    .current
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = pool;
                self.hold.regained();
                tracing::warn!("opened {} again", self.hold.db().display());
            }
            Err(e) => tracing::error!(
                "cannot open {} again: {e}; trying again shortly",
                self.hold.db().display()
            ),
        }
    }
}

/// A pool of connections to the file `options` names, each of which refuses to commit once this
/// process no longer holds SQLite's locks on the file.
async fn connect(
    options: &SqliteConnectOptions,
    hold: &std::sync::Arc<hold::Hold>,
) -> std::result::Result<SqlitePool, sqlx::Error> {
    let hold = hold.clone();
    SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(BUSY_TIMEOUT * 2)
        // A connection to a local file does not go stale; checking each one before use
        // costs a round trip to its thread every time one is taken from the pool.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            let hold = hold.clone();
            Box::pin(async move {
                // Returning false turns the commit into a rollback, which the caller sees as
                // an error instead of an acknowledged write that nobody else can read.
                conn.lock_handle()
                    .await?
                    .set_commit_hook(move || hold.intact());
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
}

/// `path` with `suffix` appended to its file name (`x.db` + `-wal` = `x.db-wal`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// An empty file where backups say a database was: it was emptied (a failed copy, a careless
/// hand), and starting a new workspace in it would hide that.
fn check_not_emptied(path: &Path) -> Result<()> {
    let empty = std::fs::metadata(path).is_ok_and(|m| m.len() == 0);
    match backup::latest_backup(path) {
        Some(b) if empty => Err(StoreError::corrupt(
            path,
            format!(
                "the file is empty, though it has backups (the latest from {} UTC)",
                b.created_at.format("%Y-%m-%d %H:%M")
            ),
        )),
        _ => Ok(()),
    }
}

/// A non-empty file that does not start with SQLite's header is refused before SQLite
/// gets a chance to treat it as anything.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Io(format!(
                "cannot open {}: {e}",
                path.display()
            )));
        }
    };
    let mut header = [0u8; 16];
    let n = file
        .read(&mut header)
        .map_err(|e| StoreError::Io(format!("cannot read {}: {e}", path.display())))?;
    if n == 0 {
        return Ok(());
    }
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(StoreError::corrupt(
            path,
            "the file does not start with a SQLite header",
        ));
    }
    Ok(())
}
