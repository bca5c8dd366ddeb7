//! Backups: consistent copies of the database (`VACUUM INTO`, safe while others write) in a
//! `backups` folder beside it, the last [`KEEP`] kept; and restoring one, which checks the copy
//! before it replaces anything and keeps the current file aside first.

use std::path::{Path, PathBuf};

use chair_core::workspace::BackupInfo;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::{Result, Store, StoreError, with_suffix};

/// How many backups are kept; older ones are deleted after each new one.
pub const KEEP: usize = 10;

const STAMP: &str = "%Y%m%d-%H%M%S-%3f";

/// The folder backups of the database at `db` go to.
pub fn backup_dir(db: &Path) -> PathBuf {
    parent(db).join("backups")
}

fn stem(db: &Path) -> String {
    db.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "empty-chair".into())
}

fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Reads `<stem>-<stamp>-<reason>.db` back into what it is.
fn parse_name(stem: &str, name: &str) -> Option<(DateTime<Utc>, String)> {
    let rest = name
        .strip_prefix(stem)?
        .strip_prefix('-')?
        .strip_suffix(".db")?;
    // The stamp is 19 characters: 20261122-134501-123.
    let (stamp, reason) = (rest.get(..19)?, rest.get(19..)?);
    let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?.and_utc();
    Some((at, reason.trim_start_matches('-').to_string()))
}

/// The backups of the database at `db`, newest first.
pub fn list_backups(db: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backup_dir(db);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read the folder", &dir, e)),
    };
    let stem = stem(db);
    let mut found: Vec<BackupInfo> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (created_at, reason) = parse_name(&stem, &name)?;
            let bytes = e.metadata().ok()?.len();
            Some(BackupInfo {
                path: e.path().display().to_string(),
                created_at,
                bytes,
                reason,
            })
        })
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.created_at));
    Ok(found)
}

/// The newest backup of the database at `db`, if there is one.
pub fn latest_backup(db: &Path) -> Option<BackupInfo> {
    list_backups(db).ok()?.into_iter().next()
}

fn sync_dir(dir: &Path) {
    // Makes a rename durable; not every platform can open a folder, which is no harm.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Flushes the file at `path` to disk (opened for writing: some platforms need that to flush).
fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .sync_all()
}

/// Copies `from` to `to` and flushes the copy to disk.
fn copy_synced(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to)?;
    sync_file(to)
}

/// When the database at `db` was last written: its file, or its write-ahead log when that
/// holds anything (opening a database makes an empty log, which is not a write).
fn last_written(db: &Path) -> Option<std::time::SystemTime> {
    let modified = |p: &Path, non_empty: bool| {
        std::fs::metadata(p)
            .ok()
            .filter(|m| !non_empty || m.len() > 0)
            .and_then(|m| m.modified().ok())
    };
    let file = modified(db, false)?;
    Some(modified(&with_suffix(db, "-wal"), true).map_or(file, |wal| wal.max(file)))
}

/// The folder a file is in (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl Store {
    /// Writes a consistent copy of the database into the backups folder (or to `to`), then
    /// keeps only the newest [`KEEP`] in the folder. Returns the copy.
    pub async fn backup(&self, reason: &str, to: Option<&Path>) -> Result<BackupInfo> {
        let now = Utc::now();
        let target = match to {
            Some(t) => t.to_path_buf(),
            None => self.backup_name(reason, now)?,
        };
        chair_core::held::check(&target).map_err(StoreError::Conflict)?;
        if to.is_some() && target.exists() {
            return Err(StoreError::Conflict(format!(
                "{} already exists; choose another name",
                target.display()
            )));
        }
        let part = self.snapshot(&target).await?;
        self.keep(part, target, reason, now, to.is_none())
    }

    /// A backup unless the database holds exactly what the newest backup holds (restarting the
    /// app over and over must not push the useful backups out). When nothing was written to
    /// the file well before the newest backup was made, no copy is made at all; otherwise the
    /// copy is compared with the newest backup byte for byte (`VACUUM INTO` writes the same
    /// bytes for the same content). Returns the new backup, if one was kept.
    pub async fn backup_if_changed(&self, reason: &str) -> Result<Option<BackupInfo>> {
        let latest = latest_backup(self.path());
        if let (Some(latest), Some(written)) = (&latest, last_written(self.path())) {
            // File times come from a coarser clock than the backup's name: only a clear gap
            // counts as "unchanged since".
            let margin = chrono::Duration::seconds(2);
            if DateTime::<Utc>::from(written) + margin < latest.created_at {
                return Ok(None);
            }
        }
        let now = Utc::now();
        let target = self.backup_name(reason, now)?;
        let part = self.snapshot(&target).await?;
        if let Some(latest) = latest {
            let (a, b) = (part.clone(), PathBuf::from(&latest.path));
            let same = tokio::task::spawn_blocking(move || same_bytes(&a, &b))
                .await
                .unwrap_or(false);
            if same {
                let _ = std::fs::remove_file(&part);
                return Ok(None);
            }
        }
        self.keep(part, target, reason, now, true).map(Some)
    }

    /// Where a new backup of this database goes.
    fn backup_name(&self, reason: &str, now: DateTime<Utc>) -> Result<PathBuf> {
        let dir = backup_dir(self.path());
        std::fs::create_dir_all(&dir).map_err(|e| io("create the folder", &dir, e))?;
        Ok(dir.join(format!(
            "{}-{}-{reason}.db",
            stem(self.path()),
            now.format(STAMP)
        )))
    }

    /// Writes a consistent copy of the database beside `target` (as `<target>.part`), flushed
    /// to disk; safe while others write.
    async fn snapshot(&self, target: &Path) -> Result<PathBuf> {
        let part = with_suffix(target, ".part");
        let _ = std::fs::remove_file(&part);
        let written = sqlx::query("VACUUM INTO ?")
            .bind(part.display().to_string())
            .execute(&self.pool())
            .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&part);
            return Err(e.into());
        }
        if let Err(e) = sync_file(&part) {
            let _ = std::fs::remove_file(&part);
            return Err(io("write the backup", &part, e));
        }
        Ok(part)
    }

    /// Puts the finished copy `part` in place at `target`, then prunes the folder.
    fn keep(
        &self,
        part: PathBuf,
        target: PathBuf,
        reason: &str,
        now: DateTime<Utc>,
        prune: bool,
    ) -> Result<BackupInfo> {
        if let Err(e) = std::fs::rename(&part, &target) {
            let _ = std::fs::remove_file(&part);
            return Err(io("write the backup", &target, e));
        }
        sync_dir(parent(&target));
        if prune {
            self.prune_backups()?;
        }
        let bytes = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        Ok(BackupInfo {
            path: target.display().to_string(),
            created_at: now,
            bytes,
            reason: reason.to_string(),
        })
    }

    /// Keeps the newest [`KEEP`] backups, and removes copies that were cut short (a `.part`
    /// over an hour old: nothing writes one for that long).
    fn prune_backups(&self) -> Result<()> {
        for old in list_backups(self.path())?.into_iter().skip(KEEP) {
            match std::fs::remove_file(&old.path) {
                // Another program pruned it first.
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io("remove the old backup", Path::new(&old.path), e));
                }
                _ => {}
            }
        }
        let dir = backup_dir(self.path());
        let stale = std::time::Duration::from_secs(3600);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > stale);
            if name.starts_with(&stem(self.path())) && name.ends_with(".db.part") && old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

/// True when the files at `a` and `b` hold the same bytes.
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if ma.len() != mb.len() {
        return false;
    }
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut ra, mut rb) = (
        std::io::BufReader::with_capacity(1 << 16, fa),
        std::io::BufReader::with_capacity(1 << 16, fb),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = match ra.read(&mut ba) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            return true;
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Where the file that was replaced now is (with its `-wal`, if it had one).
    pub set_aside: Option<PathBuf>,
    /// Decisions in the restored log, which verified.
    pub decisions: i64,
}

/// Replaces the database at `db` with the backup `from`.
///
/// The copy is checked first on a scratch file (it must open, pass SQLite's integrity check,
/// both index checks, and have an intact decision log), so nothing changes when it fails.
/// Then, holding the database's lock (refused while anything has it open): the current file
/// is checkpointed and copied aside with its write-ahead log (never deleted), its stale log is
/// removed so it cannot be applied to the restored file, and the checked copy replaces it in
/// one atomic rename.
pub async fn restore(db: &Path, from: &Path) -> Result<Restored> {
    if !from.is_file() {
        return Err(StoreError::NotFound(format!(
            "there is no backup at {}",
            from.display()
        )));
    }
    let dir = parent(db);
    std::fs::create_dir_all(dir).map_err(|e| io("create the folder", dir, e))?;
    // Held until the new file is in place; a store opening meanwhile is told to wait.
    let _alone = crate::lock::exclusive(db)?;

    let scratch = Scratch::new(with_suffix(db, ".restoring"));
    let decisions = check_copy(from, &scratch.0).await?;
    let set_aside = if db.exists() {
        Some(set_aside(db).await?)
    } else {
        None
    };
    // Whatever log is left at the path belongs to the old file (or to none): applied to the
    // restored file it would damage it. Its content, if any, was copied aside above.
    let stale_wal = with_suffix(db, "-wal");
    let kept_wal = set_aside.as_ref().map(|a| with_suffix(a, "-wal"));
    for suffix in ["-wal", "-shm"] {
        let p = with_suffix(db, suffix);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io("remove", &p, e));
            }
            _ => {}
        }
    }
    if let Err(e) = std::fs::rename(&scratch.0, db) {
        // Put the old file's log back: the old file stays as it was.
        if let Some(kept) = kept_wal.filter(|k| k.exists()) {
            let _ = std::fs::copy(&kept, &stale_wal);
        }
        return Err(io("put the backup in place at", db, e));
    }
    sync_dir(dir);
    Ok(Restored {
        set_aside,
        decisions,
    })
}

/// Copies the backup `from` (with its write-ahead log, if it has one) to `scratch`, checks it,
/// and leaves it whole in one file, flushed to disk. Returns the decisions in its log.
async fn check_copy(from: &Path, scratch: &Path) -> Result<i64> {
    let unusable = |why: String| {
        StoreError::Corrupt(format!(
            "the backup {} cannot be used ({why}); nothing was changed",
            from.display()
        ))
    };
    copy_synced(from, scratch).map_err(|e| io("copy the backup to", scratch, e))?;
    let from_wal = with_suffix(from, "-wal");
    if std::fs::metadata(&from_wal).is_ok_and(|m| m.len() > 0) {
        copy_synced(&from_wal, &with_suffix(scratch, "-wal"))
            .map_err(|e| io("copy the backup's log to", scratch, e))?;
    }
    let store = Store::open(scratch)
        .await
        .map_err(|e| unusable(e.to_string().replace(&scratch.display().to_string(), "it")))?;
    let report = store.check().await;
    // Closing the last connection folds the log into the file.
    store.close().await;
    let report = report.map_err(|e| unusable(e.to_string()))?;
    if !report.healthy() {
        let why = report
            .integrity
            .iter()
            .chain(report.indexes.iter())
            .cloned()
            .chain(
                report
                    .log
                    .broken
                    .as_ref()
                    .map(|b| format!("log entry {}: {}", b.seq, b.problem)),
            )
            .collect::<Vec<_>>()
            .join("; ");
        return Err(unusable(format!("it does not check out: {why}")));
    }
    if std::fs::metadata(with_suffix(scratch, "-wal")).is_ok_and(|m| m.len() > 0) {
        return Err(unusable("its log could not be folded into it".into()));
    }
    sync_file(scratch).map_err(|e| io("write", scratch, e))?;
    Ok(report.log.entries)
}

/// Copies the database at `db` aside (checkpointed first when it can be, so the copy is whole;
/// its log copied too when not), flushed to disk. Returns where.
async fn set_aside(db: &Path) -> Result<PathBuf> {
    checkpoint_quietly(db).await;
    let aside = with_suffix(db, &format!(".before-restore-{}", Utc::now().format(STAMP)));
    let copied = copy_synced(db, &aside).and_then(|()| {
        let wal = with_suffix(db, "-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            copy_synced(&wal, &with_suffix(&aside, "-wal"))
        } else {
            Ok(())
        }
    });
    if let Err(e) = copied {
        remove_with_wal(&aside);
        return Err(io("set aside", db, e));
    }
    Ok(aside)
}

/// Folds the write-ahead log of `db` into the file, when SQLite can (a damaged file may not
/// let it; its log is then copied aside as it is).
async fn checkpoint_quietly(db: &Path) {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(false);
    if let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&options).await {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
    }
}

/// The scratch copy a restore checks, removed with its companions however the restore ends
/// (once it has been renamed into place, only the companions are left to remove).
struct Scratch(PathBuf);

impl Scratch {
    fn new(path: PathBuf) -> Self {
        remove_with_wal(&path);
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        remove_with_wal(&self.0);
    }
}

fn remove_with_wal(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".inuse"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_read_back() {
        let (at, reason) = parse_name(
            "empty-chair",
            "empty-chair-20261122-134501-123-meeting-closed.db",
        )
        .unwrap();
        assert_eq!(at.format(STAMP).to_string(), "20261122-134501-123");
        assert_eq!(reason, "meeting-closed");
        assert!(parse_name("empty-chair", "empty-chair.db").is_none());
        assert!(parse_name("empty-chair", "other-20261122-134501-123-start.db").is_none());
        assert!(
            parse_name(
                "empty-chair",
                "empty-chair-20261122-134501-123-start.db.part"
            )
            .is_none()
        );
    }
}
