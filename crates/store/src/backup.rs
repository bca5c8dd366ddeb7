//! Backups: consistent copies of the database (`VACUUM INTO`, safe while others write) in a
//! `backups` folder beside it, the last [`KEEP`] kept; and restoring one, which checks the copy
//! before it replaces anything and keeps the current file aside first.

use std::path::{Path, PathBuf};

use chair_core::workspace::BackupInfo;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::{Result, Store, StoreError};

/// How many backups are kept; older ones are deleted after each new one.
pub const KEEP: usize = 10;

const STAMP: &str = "%Y%m%d-%H%M%S-%3f";

/// The folder backups of the database at `db` go to.
pub fn backup_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
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

/// The latest time anything was written to the database at `db` (the file or its WAL).
fn last_written(db: &Path) -> Option<std::time::SystemTime> {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.to_path_buf(), PathBuf::from(wal)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}

impl Store {
    /// Writes a consistent copy of the database into the backups folder (or to `to`), then
    /// keeps only the newest [`KEEP`] in the folder. Returns the copy.
    pub async fn backup(&self, reason: &str, to: Option<&Path>) -> Result<BackupInfo> {
        let now = Utc::now();
        let target = match to {
            Some(t) => t.to_path_buf(),
            None => {
                let dir = backup_dir(self.path());
                std::fs::create_dir_all(&dir).map_err(|e| io("create the folder", &dir, e))?;
                dir.join(format!(
                    "{}-{}-{reason}.db",
                    stem(self.path()),
                    now.format(STAMP)
                ))
            }
        };
        if to.is_some() && target.exists() {
            return Err(StoreError::Conflict(format!(
                "{} already exists; choose another name",
                target.display()
            )));
        }
        let mut part = target.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let _ = std::fs::remove_file(&part);
        let written = sqlx::query("VACUUM INTO ?")
            .bind(part.display().to_string())
            .execute(self.pool())
            .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&part);
            return Err(e.into());
        }
        let finished = std::fs::File::open(&part)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&part, &target));
        if let Err(e) = finished {
            let _ = std::fs::remove_file(&part);
            return Err(io("write the backup", &target, e));
        }
        if let Some(dir) = target.parent() {
            sync_dir(dir);
        }
        if to.is_none() {
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

    /// A backup unless nothing was written since the newest one (restarting the app over and
    /// over must not push the useful backups out). Returns the new backup, if one was made.
    pub async fn backup_if_changed(&self, reason: &str) -> Result<Option<BackupInfo>> {
        if let (Some(latest), Some(written)) =
            (latest_backup(self.path()), last_written(self.path()))
            && DateTime::<Utc>::from(written) <= latest.created_at
        {
            return Ok(None);
        }
        self.backup(reason, None).await.map(Some)
    }

    fn prune_backups(&self) -> Result<()> {
        for old in list_backups(self.path())?.into_iter().skip(KEEP) {
            std::fs::remove_file(&old.path)
                .map_err(|e| io("remove the old backup", Path::new(&old.path), e))?;
        }
        Ok(())
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

/// Replaces the database at `db` with the backup `from`. The copy is checked first (it must
/// open, pass SQLite's integrity check and have an intact decision log) on a scratch file, so
/// nothing changes when it fails; the current file, if any, is renamed aside, never deleted.
/// Refused while anything has the database open.
pub async fn restore(db: &Path, from: &Path) -> Result<Restored> {
    if !from.is_file() {
        return Err(StoreError::NotFound(format!(
            "there is no backup at {}",
            from.display()
        )));
    }
    let dir = db.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create the folder", dir, e))?;
    // Held until the new file is in place; a store opening meanwhile is told to wait.
    let _alone = crate::lock::exclusive(db)?;
    let scratch = with_suffix(db, ".restoring");
    remove_with_wal(&scratch);
    std::fs::copy(from, &scratch).map_err(|e| io("copy the backup to", &scratch, e))?;
    let checked = async {
        let store = Store::open(&scratch).await?;
        let report = store.check().await;
        store.close().await;
        let report = report?;
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
            return Err(StoreError::Corrupt(format!(
                "the backup {} does not check out ({why}); nothing was changed",
                from.display()
            )));
        }
        Ok(report.log.entries)
    }
    .await;
    let decisions = match checked {
        Ok(n) => n,
        Err(e) => {
            remove_with_wal(&scratch);
            return Err(e);
        }
    };
    let set_aside = if db.exists() {
        let aside = with_suffix(db, &format!(".before-restore-{}", Utc::now().format(STAMP)));
        for suffix in ["-wal", "-shm"] {
            let from = with_suffix(db, suffix);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, suffix))
                    .map_err(|e| io("set aside", &from, e))?;
            }
        }
        std::fs::rename(db, &aside).map_err(|e| io("set aside", db, e))?;
        Some(aside)
    } else {
        None
    };
    for suffix in ["-shm", ".inuse"] {
        let _ = std::fs::remove_file(with_suffix(&scratch, suffix));
    }
    std::fs::rename(&scratch, db).map_err(|e| io("put the backup in place at", db, e))?;
    sync_dir(dir);
    Ok(Restored {
        set_aside,
        decisions,
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
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
