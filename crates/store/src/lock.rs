//! Who has the database open. Every open [`crate::Store`] (the app, each `chair` command) holds a
//! shared lock on a companion file, `<database>.inuse`; a restore takes it exclusively, so a
//! file is never swapped out from under a program that is writing to it. SQLite's own locks
//! guard single transactions; this guards the file's identity. It is a separate file because
//! on some platforms a lock on the database file itself would block SQLite's reads.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

/// The companion file that carries the lock.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    crate::with_suffix(db, ".inuse")
}

/// Held while a store is open: refused only while a restore replaces the file.
pub(crate) fn shared(db: &Path) -> Result<File> {
    hold(db, false, || {
        format!(
            "A backup is being restored into {}; try again in a moment",
            db.display()
        )
    })
}

/// Held while a restore replaces the file: refused while anything has it open.
pub(crate) fn exclusive(db: &Path) -> Result<File> {
    hold(db, true, || {
        format!(
            "{} is open in Empty Chair or in a running `chair` command: close it, then restore again (in the app, restore from its own backups)",
            db.display()
        )
    })
}

/// Takes the lock without waiting; `taken` says why when another holds it the other way.
fn hold(db: &Path, exclusive: bool, taken: impl Fn() -> String) -> Result<File> {
    try_hold(&lock_path(db), exclusive)?.ok_or_else(|| StoreError::Conflict(taken()))
}

/// The companion file that imports hold while the received-date index is left out.
fn importing_path(db: &Path) -> PathBuf {
    crate::with_suffix(db, ".importing")
}

/// Takes the lock on `path` without waiting; `None` when another holds it the other way.
fn try_hold(path: &Path, exclusive: bool) -> Result<Option<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Io(format!("cannot open {}: {e}", path.display())))?;
    let tried = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match tried {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(StoreError::Io(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Held by an import while it leaves the received-date index out (shared: imports may run
/// side by side); `None` while a store being opened builds that index.
pub(crate) fn importing(db: &Path) -> Result<Option<File>> {
    try_hold(&importing_path(db), false)
}

/// Held while a store being opened builds the received-date index; `None` while an import
/// has it left out.
pub(crate) fn no_import(db: &Path) -> Result<Option<File>> {
    try_hold(&importing_path(db), true)
}
