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

fn open(db: &Path) -> Result<File> {
    let path = lock_path(db);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Io(format!("cannot open {}: {e}", path.display())))
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
    let file = open(db)?;
    let tried = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match tried {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Conflict(taken())),
        Err(TryLockError::Error(e)) => Err(StoreError::Io(format!(
            "cannot lock {}: {e}",
            lock_path(db).display()
        ))),
    }
}
