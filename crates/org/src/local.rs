//! What the organisation log keeps on the laptop, in files beside its database (never inside
//! it, never on the server):
//!
//! - `<database>.org-key`: the device's Ed25519 secret key, 64 hexadecimal digits, created
//!   readable and writable by the user alone (mode 0600); a key file others can read is refused;
//! - `<database>.org.json`: the settings (the server's URL, this device's id, name and team),
//!   the last push, every checkpoint this laptop has seen, and its newest receipt; mode 0600
//!   too, since the URL may hold a password;
//! - `<database>.org-log.jsonl`: a leader's pulled copy of the log (see `pull`), appended to only.
//!
//! Files rather than tables in the laptop's SQLite database: the settings and receipts are the
//! laptop's view of another system, not part of its decision log, and the secret key must not
//! travel with backups or copies of the database.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{OrgError, Result};

/// The files beside one database.
#[derive(Debug, Clone)]
pub struct OrgFiles {
    pub key: PathBuf,
    pub settings: PathBuf,
    pub pulled: PathBuf,
}

/// A checkpoint as this laptop saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenCheckpoint {
    pub tree_size: i64,
    /// Hexadecimal.
    pub root: String,
}

/// Proof that this device's newest entry is in the tree a checkpoint signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub seq: i64,
    pub leaf_index: i64,
    pub tree_size: i64,
    /// Hexadecimal.
    pub root: String,
    /// The audit path, hexadecimal hashes (RFC 9162).
    pub proof: Vec<String>,
}

/// The last push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LastPush {
    pub at: String,
    pub pushed: u64,
    /// The server's head for this device after the push.
    pub head: i64,
}

/// This laptop's organisation settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub url: String,
    pub device_id: Uuid,
    pub device_name: String,
    pub team: String,
    #[serde(default)]
    pub last_push: Option<LastPush>,
    #[serde(default)]
    pub checkpoints_seen: Vec<SeenCheckpoint>,
    #[serde(default)]
    pub receipt: Option<Receipt>,
}

impl Settings {
    pub fn new(url: &str, device_id: Uuid, device_name: &str, team: &str) -> Self {
        Self {
            url: url.to_string(),
            device_id,
            device_name: device_name.to_string(),
            team: team.to_string(),
            last_push: None,
            checkpoints_seen: Vec::new(),
            receipt: None,
        }
    }

    /// Remembers a checkpoint (once).
    pub fn saw(&mut self, c: SeenCheckpoint) {
        if !self.checkpoints_seen.contains(&c) {
            self.checkpoints_seen.push(c);
            self.checkpoints_seen.sort_by_key(|c| c.tree_size);
        }
    }
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Writes `bytes` to `path` whole or not at all, readable by the user alone.
fn write_private(path: &Path, bytes: &[u8], create_new: bool) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // A name of its own, so that two writers (the app and the command line) never share one.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut part = path.as_os_str().to_owned();
    part.push(format!(
        ".{}-{}.part",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let part = PathBuf::from(part);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&part)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    if create_new && path.exists() {
        let _ = std::fs::remove_file(&part);
        return Err(OrgError::Invalid(format!(
            "{} already exists",
            path.display()
        )));
    }
    std::fs::rename(&part, path)?;
    Ok(())
}

impl OrgFiles {
    /// The files beside the database at `db`.
    pub fn beside(db: &Path) -> Self {
        Self {
            key: beside(db, ".org-key"),
            settings: beside(db, ".org.json"),
            pulled: beside(db, ".org-log.jsonl"),
        }
    }

    /// The settings, when this laptop is enrolled.
    pub fn read_settings(&self) -> Result<Option<Settings>> {
        match std::fs::read(&self.settings) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                OrgError::Invalid(format!(
                    "the organisation settings in {} cannot be read ({e})",
                    self.settings.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Saves the settings.
    pub fn write_settings(&self, s: &Settings) -> Result<()> {
        let json = serde_json::to_vec_pretty(s).map_err(anyhow::Error::from)?;
        write_private(&self.settings, &json, false)
    }

    /// The device's secret key.
    pub fn key(&self) -> Result<SigningKey> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&self.key).map_err(|e| {
            OrgError::NotEnrolled(format!(
                "this laptop's device key {} cannot be read ({e}); without it this laptop cannot sign",
                self.key.display()
            ))
        })?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(OrgError::Refused(format!(
                "the device key {} can be read by other users; make it yours alone (chmod 600 {})",
                self.key.display(),
                self.key.display()
            )));
        }
        let text = std::fs::read_to_string(&self.key)?;
        let bytes = chair_core::merkle::from_hex(text.trim()).ok_or_else(|| {
            OrgError::Invalid(format!("the device key {} is damaged", self.key.display()))
        })?;
        Ok(SigningKey::from_bytes(&bytes))
    }

    /// The device's secret key, made (and saved, mode 0600) when there is none yet.
    pub fn key_or_new(&self) -> Result<SigningKey> {
        if self.key.exists() {
            return self.key();
        }
        let key = SigningKey::generate(&mut rand_core::OsRng);
        let hex = format!("{}\n", chair_core::merkle::to_hex(&key.to_bytes()));
        write_private(&self.key, hex.as_bytes(), true)?;
        Ok(key)
    }
}
