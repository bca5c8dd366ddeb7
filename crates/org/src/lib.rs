//! Empty Chair's organisation-wide decision log on PostgreSQL: one signed, hash-chained feed
//! per laptop, merged into a Merkle tree with signed checkpoints, which any leader can verify.
//!
//! - A laptop's own SQLite log stays the source of truth for what it recorded and works
//!   offline. [`enrol`] gives the laptop (a "device") an Ed25519 key pair, whose secret half
//!   lives in a file beside the database, readable by the user alone ([`local`]).
//! - [`Org::push`] sends the laptop's entries in canonical form version 2
//!   (`chair_core::chain::LogEntryV2`), each signed by the device over its hash: idempotent and
//!   resumable, it starts from the server's head for this device and stops when the server's
//!   entry there is not the laptop's.
//! - [`Org::seal`] is the sequencer step: it numbers newly arrived entries densely, in arrival
//!   order, as leaves of an RFC 9162 Merkle tree and signs a checkpoint (tree size, root).
//! - [`Org::verify`] checks every device's chain and signatures from its first entry, every
//!   checkpoint's root and signature, and consistency with every checkpoint this laptop saw
//!   before; it names the device and entry that fail ([`verify`]).
//!
//! The server enforces what it can (see `migrations/`): triggers check each entry's hash and
//! link, refuse UPDATE, DELETE and TRUNCATE; the tables belong to a role nobody logs in as;
//! row-level security keeps teams apart. Verification trusts none of that: it needs only the
//! entries' bytes, the devices' public keys and the signed checkpoints.
//!
//! Signed messages carry a label so that a signature made for one purpose can never pass for
//! another: an entry's signature is over `"empty-chair org entry\n"` followed by the 32 bytes of
//! its hash; a checkpoint's over `"empty-chair org checkpoint\n{size}\n{root hex}\n{sealed_at}"`.

pub mod local;
mod log;
mod pull;
mod push;
mod read;
mod seal;
pub mod verify;
mod view;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};

pub use local::{LastPush, OrgFiles, Settings};
pub use log::{AuditQuery, LogRow, render_csv, render_markdown};

pub use pull::{Pulled, SnapshotRow};
pub use push::Pushed;
pub use read::{CheckpointRow, DeviceRow, EntryRow, LeafRow, ORG_EXPORT_FORMAT, OrgLog};
pub use seal::Sealed;
pub use verify::{Failure, OrgReport};
pub use view::{
    EntryPlace, OrgDashboard, OrgDecision, OrgFilter, OrgLaptop, OrgPage, OrgStatus,
    OrgStatusFilter, OrgView, TeamCount, copy_export,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What went wrong, in the user's words; the first arms are what the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// This laptop has not been enrolled (or its files are missing).
    #[error("{0}")]
    NotEnrolled(String),
    /// The server cannot be reached.
    #[error("{0}")]
    Offline(String),
    /// The server or this laptop refuses: no permission, or a local log that fails its check.
    #[error("{0}")]
    Refused(String),
    /// The server and this laptop disagree about what was recorded.
    #[error("{0}")]
    Diverged(String),
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The result of the organisation log's operations.
pub type Result<T> = std::result::Result<T, OrgError>;

impl From<sqlx::Error> for OrgError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
                OrgError::Offline(format!(
                    "cannot reach the organisation's database ({e}); everything on this laptop keeps working"
                ))
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
                OrgError::Refused(format!(
                    "the organisation's database refuses: {}",
                    db.message()
                ))
            }
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("28P01")
                    || db.code().as_deref() == Some("28000") =>
            {
                OrgError::Refused(format!(
                    "the organisation's database does not accept this login: {} (give the password in the URL, PGPASSWORD or ~/.pgpass)",
                    db.message()
                ))
            }
            _ => OrgError::Unexpected(anyhow::Error::new(e).context("the organisation's database")),
        }
    }
}

impl From<std::io::Error> for OrgError {
    fn from(e: std::io::Error) -> Self {
        OrgError::Unexpected(e.into())
    }
}

/// Connects to the organisation's database at `url` (`postgres://…`); the password comes from
/// the URL, `PGPASSWORD` or `~/.pgpass` (or the file `PGPASSFILE` names). The connection is
/// encrypted (TLS) when the server offers it; `sslmode=require` in the URL insists on it, and
/// `sslmode=verify-full` also checks the server's certificate (against `sslrootcert=FILE`).
pub async fn connect(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| OrgError::Invalid(format!("not a PostgreSQL URL ({e}): {}", redact(url))))?
        .application_name("empty-chair");
    let mode = options.get_ssl_mode();
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .map_err(|e| tls_refused(e, mode))
}

/// A connection that fails because `sslmode` insists on TLS, in the user's words; other errors
/// as usual. (sqlx tells a server without TLS apart only by its message.)
fn tls_refused(e: sqlx::Error, mode: PgSslMode) -> OrgError {
    let asked = match mode {
        PgSslMode::Require => "sslmode=require",
        PgSslMode::VerifyCa => "sslmode=verify-ca",
        PgSslMode::VerifyFull => "sslmode=verify-full",
        PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer => return e.into(),
    };
    match &e {
        // The server answered "no" to the request for TLS.
        sqlx::Error::Tls(why) if why.to_string().contains("does not support TLS") => {
            OrgError::Refused(format!(
                "the organisation's database does not offer an encrypted connection (TLS), and {asked} (in the URL or PGSSLMODE) insists on one: ask the database's administrator to turn TLS on"
            ))
        }
        // The TLS handshake rejected the server's certificate.
        sqlx::Error::Io(io)
            if io.kind() == std::io::ErrorKind::InvalidData
                && matches!(mode, PgSslMode::VerifyCa | PgSslMode::VerifyFull) =>
        {
            OrgError::Refused(format!(
                "the organisation's database's certificate cannot be trusted ({io}), and {asked} (in the URL or PGSSLMODE) insists on checking it: give the certificate of the authority that signed it with sslrootcert=FILE in the URL"
            ))
        }
        _ => e.into(),
    }
}

/// `url` without its password (given before the host or as a `password=` parameter), to show.
pub fn redact(url: &str) -> String {
    let mut shown = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    };
    if let Some(q) = shown.find('?') {
        let params: Vec<String> = shown[q + 1..]
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        shown = format!("{}?{}", &shown[..q], params.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_shown_url_hides_its_password_wherever_it_is_given() {
        assert_eq!(
            super::redact("postgres://ana:s3cret@db/org"),
            "postgres://ana:***@db/org"
        );
        assert_eq!(
            super::redact("postgres://ana@db/org?sslmode=require&password=s3cret"),
            "postgres://ana@db/org?sslmode=require&password=***"
        );
        assert_eq!(
            super::redact("postgres:///org?host=/tmp/x&user=ana"),
            "postgres:///org?host=/tmp/x&user=ana"
        );
    }
}

/// Creates the schema and roles on the database at `url`, or brings them up to date; safe to
/// run again. Needs a role that may create roles (a superuser, typically).
pub async fn init(url: &str) -> Result<Initialised> {
    let pool = connect(url).await?;
    let before = applied(&pool).await;
    MIGRATOR.run(&pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("42501") =>
        {
            OrgError::Refused(format!(
                "this role may not set up the organisation log ({}): run `chair org init` as a superuser of the database",
                db.message()
            ))
        }
        other => OrgError::Unexpected(anyhow::Error::new(other).context("setting up the organisation log")),
    })?;
    let after = applied(&pool).await;
    pool.close().await;
    Ok(Initialised {
        migrations_applied: after.saturating_sub(before),
        migrations_total: after,
    })
}

async fn applied(pool: &PgPool) -> u64 {
    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map(|n| n as u64)
        .unwrap_or(0)
}

/// What [`init`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Initialised {
    /// Migrations applied now (0 when the schema was already up to date).
    pub migrations_applied: u64,
    pub migrations_total: u64,
}

/// This laptop joined to the organisation log: its settings, key and a connection.
pub struct Org {
    pool: PgPool,
    settings: Settings,
    key: ed25519_dalek::SigningKey,
    files: OrgFiles,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Org")
            .field("device", &self.settings.device_id)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// What enrolment gave this laptop.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Enrolled {
    pub device_id: uuid::Uuid,
    pub device: String,
    pub team: String,
    /// The device's public key, hexadecimal.
    pub public_key: String,
    /// True when this laptop was already enrolled there.
    pub already: bool,
}

/// Enrols the laptop whose database is `db` in the organisation log at `url`, as device
/// `device` of team `team`: makes its key pair (kept in a file beside the database), registers
/// the public key and saves the settings. Running it again changes nothing.
pub async fn enrol(db: &Path, url: &str, team: &str, device: &str) -> Result<Enrolled> {
    let team = name("team", team)?;
    let device = name("device", device)?;
    let files = OrgFiles::beside(db);
    let existing = files.read_settings()?;
    if let Some(s) = &existing
        && (s.team != team || s.device_name != device)
    {
        return Err(OrgError::Invalid(format!(
            "this laptop is already enrolled as \"{}\" of team \"{}\"; it keeps one identity",
            s.device_name, s.team
        )));
    }
    let key = files.key_or_new()?;
    let public = key.verifying_key().to_bytes().to_vec();
    let device_id = existing
        .as_ref()
        .map(|s| s.device_id)
        .unwrap_or_else(uuid::Uuid::now_v7);
    let pool = connect(url).await?;
    let known: Option<(uuid::Uuid, Vec<u8>)> =
        sqlx::query_as("SELECT id, public_key FROM org.devices WHERE id = $1 OR public_key = $2")
            .bind(device_id)
            .bind(&public)
            .fetch_optional(&pool)
            .await
            .map_err(|e| match not_initialised(e) {
                OrgError::Refused(why) => OrgError::Refused(format!(
                    "{why}: the database role of this URL must be a member of chair_device to enrol a laptop"
                )),
                other => other,
            })?;
    let already = match known {
        Some((id, key)) if id == device_id && key == public => true,
        Some(_) => {
            return Err(OrgError::Diverged(
                "the organisation log already holds another device with this laptop's id or key"
                    .into(),
            ));
        }
        None => {
            sqlx::query("INSERT INTO org.devices (id, name, team, public_key) VALUES ($1, $2, $3, $4)")
                .bind(device_id)
                .bind(&device)
                .bind(&team)
                .bind(&public)
                .execute(&pool)
                .await
                .map_err(|e| match OrgError::from(e) {
                    OrgError::Refused(why) => OrgError::Refused(format!(
                        "{why}: the database role of this URL must be a member of chair_device to enrol a laptop"
                    )),
                    other => other,
                })?;
            false
        }
    };
    pool.close().await;
    let settings = match existing {
        Some(mut s) => {
            s.url = url.to_string();
            s
        }
        None => Settings::new(url, device_id, &device, &team),
    };
    files.write_settings(&settings)?;
    Ok(Enrolled {
        device_id,
        device,
        team,
        public_key: chair_core::merkle::to_hex(&public),
        already,
    })
}

/// A missing schema becomes "run chair org init first".
fn not_initialised(e: sqlx::Error) -> OrgError {
    if let sqlx::Error::Database(db) = &e
        && db.code().as_deref() == Some("42P01")
    {
        return OrgError::NotEnrolled(
            "the organisation log is not set up in that database: run `chair org init URL` first"
                .into(),
        );
    }
    e.into()
}

fn name(what: &str, s: &str) -> Result<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 120 || s.chars().any(char::is_control) {
        return Err(OrgError::Invalid(format!(
            "the {what} name must be 1 to 120 characters, without control characters"
        )));
    }
    Ok(s.to_string())
}

impl Org {
    /// Opens the organisation log for the laptop whose database is `db`.
    pub async fn open(db: &Path) -> Result<Org> {
        let files = OrgFiles::beside(db);
        let settings = files.read_settings()?.ok_or_else(|| {
            OrgError::NotEnrolled(
                "this laptop is not enrolled in an organisation log: run `chair org enrol URL --team NAME --device NAME`".into(),
            )
        })?;
        let key = files.key()?;
        let pool = connect(&settings.url).await?;
        Ok(Org {
            pool,
            settings,
            key,
            files,
        })
    }

    /// This laptop's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The connection.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn save(&self) -> Result<()> {
        self.files.write_settings(&self.settings)
    }

    /// Closes the connection.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The label and hash an entry's signature is made over.
pub fn entry_message(hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"empty-chair org entry\n".to_vec();
    m.extend_from_slice(hash);
    m
}

/// The text a checkpoint's signature is made over.
pub fn checkpoint_message(tree_size: i64, root: &[u8], sealed_at: &str) -> Vec<u8> {
    format!(
        "empty-chair org checkpoint\n{tree_size}\n{}\n{sealed_at}",
        chair_core::merkle::to_hex(root)
    )
    .into_bytes()
}

/// What the organisation's database holds, as this laptop's role may see it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServerState {
    /// This laptop's entries there (the server's head for it).
    pub laptop_entries: i64,
    /// Entries this laptop may read.
    pub entries: i64,
    /// Laptops this laptop may read.
    pub laptops: i64,
    /// Leaves in the tree.
    pub tree_size: i64,
    /// The newest signed checkpoint's tree size and time, if any.
    pub checkpoint: Option<i64>,
    pub sealed_at: Option<String>,
}

impl Org {
    /// What the server holds now.
    pub async fn server_state(&self) -> Result<ServerState> {
        Ok(sqlx::query_as(
            "SELECT (SELECT count(*) FROM org.entries WHERE device_id = $1) AS laptop_entries,
                    (SELECT count(*) FROM org.entries) AS entries,
                    (SELECT count(*) FROM org.devices
                      WHERE id IN (SELECT id FROM org.readable_devices())) AS laptops,
                    (SELECT count(*) FROM org.leaves) AS tree_size,
                    c.tree_size AS checkpoint, c.sealed_at
               FROM (SELECT 1) one
               LEFT JOIN (SELECT tree_size, sealed_at FROM org.checkpoints
                           ORDER BY tree_size DESC LIMIT 1) c ON true",
        )
        .bind(self.settings.device_id)
        .fetch_one(&self.pool)
        .await?)
    }
}
