//! Whether this process still holds SQLite's locks on its database, so that no write is ever
//! acknowledged that other processes cannot see.
//!
//! While a connection is open in WAL mode, SQLite keeps a POSIX read lock on the database file
//! and one on its `-shm` file; other processes see them and leave the write-ahead log alone.
//! POSIX drops all of a process's locks on a file when any descriptor of that file in the
//! process is closed, so anything in this process that opens and closes the database (a file
//! dialog listing its folder, say) takes the locks away without SQLite knowing. The next
//! program to close the database then thinks it was the last user, checkpoints, and deletes
//! the log; what this process writes afterwards goes to a deleted file.
//!
//! [`Hold`] tells whether the locks are still there (on Linux, from `/proc/locks`; elsewhere it
//! cannot tell and trusts SQLite). The store checks it in a commit hook on every connection, so
//! a commit without the locks is rolled back and reported instead of acknowledged, and in a
//! watchdog that notices the loss between writes; either way the store then closes every
//! connection and opens the file again, which takes the locks afresh.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// How often the watchdog looks at the locks while the store is open.
pub(crate) const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// What the store knows about its locks on one database file.
#[derive(Debug)]
pub(crate) struct Hold {
    db: PathBuf,
    /// Set once the locks were found gone; cleared when the store has opened the file again.
    lost: AtomicBool,
    /// False where this platform or file system does not let us see the locks (found out when
    /// the store opened, while the locks were certainly held).
    visible: AtomicBool,
    /// Wakes the watchdog as soon as the loss is found.
    wake: tokio::sync::Notify,
}

impl Hold {
    pub(crate) fn new(db: &Path) -> Self {
        Self {
            db: db.to_path_buf(),
            lost: AtomicBool::new(false),
            // Off until `calibrate` has seen the locks.
            visible: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Called once a connection has read the database (so SQLite certainly holds its locks):
    /// if the locks cannot be seen even now, the check is turned off rather than crying wolf.
    pub(crate) fn calibrate(&self) {
        let seen = locks_held(&self.db).unwrap_or(false);
        if !seen {
            tracing::info!(
                "cannot see SQLite's locks on {} here; relying on SQLite alone",
                self.db.display()
            );
        }
        self.visible.store(seen, Ordering::Relaxed);
    }

    /// True unless the locks were found gone. Called with a connection open and in use, when
    /// SQLite must hold them; marks the loss so the store opens the file again.
    pub(crate) fn intact(&self) -> bool {
        if self.lost.load(Ordering::Relaxed) {
            return false;
        }
        if !self.visible.load(Ordering::Relaxed) || locks_held(&self.db) != Some(false) {
            return true;
        }
        tracing::error!(
            "this process no longer holds SQLite's locks on {}: something in it opened and closed the file; opening it again",
            self.db.display()
        );
        self.lost.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        false
    }

    /// Waits until the loss is found or `every` has passed, whichever comes first.
    pub(crate) async fn next_look(&self, every: std::time::Duration) {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = self.wake.notified() => {}
        }
    }

    /// The database file.
    pub(crate) fn db(&self) -> &Path {
        &self.db
    }

    /// True once the locks were found gone and the file was not yet opened again.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// The file was opened again: the locks are SQLite's once more.
    pub(crate) fn regained(&self) {
        self.lost.store(false, Ordering::Relaxed);
    }
}

/// Keeps SQLite in this process from taking the exclusive lock on `db` while it lives.
///
/// Closing the last connection, SQLite takes that lock to learn it is the last user anywhere,
/// and if it gets it, checkpoints its log and deletes it. With its locks lost, it would get the
/// lock even while another program's log is there: an open-file-description lock on SQLite's
/// lock bytes, which conflicts even with this process's own POSIX locks, makes it fail instead,
/// so closing leaves the files as they are. Drop it before opening new connections: closing
/// its descriptor drops this process's POSIX locks on the file.
#[cfg(target_os = "linux")]
pub(crate) fn fence(db: &Path) -> Option<std::fs::File> {
    use nix::fcntl::{FcntlArg, fcntl};
    /// SQLite's lock bytes: the pending byte, the reserved byte and the 510 shared bytes.
    const LOCK_BYTES: (i64, i64) = (0x4000_0000, 512);
    let file = std::fs::File::open(db).ok()?;
    let range = libc::flock {
        l_type: libc::F_RDLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: LOCK_BYTES.0,
        l_len: LOCK_BYTES.1,
        l_pid: 0,
    };
    match fcntl(&file, FcntlArg::F_OFD_SETLK(&range)) {
        Ok(_) => Some(file),
        Err(e) => {
            tracing::warn!("cannot fence {} while closing it: {e}", db.display());
            Some(file)
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn fence(_db: &Path) -> Option<std::fs::File> {
    None
}

/// Whether this process holds a POSIX lock on the database file and on its `-shm` file, as
/// listed in `/proc/locks`; `None` where that cannot be read.
#[cfg(target_os = "linux")]
fn locks_held(db: &Path) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;
    let id = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let (Some(file), shm) = (id(db), id(&crate::with_suffix(db, "-shm"))) else {
        // The database is gone from its path: whatever we hold, it is not that file.
        return Some(false);
    };
    // The shared-memory file is missing: someone deleted it, which SQLite never does while
    // another process holds its lock.
    let Some(shm) = shm else {
        return Some(false);
    };
    // The kernel lists the locks a page at a time; between pages, others' locks come and go
    // and the listing shifts, so a line of ours can be skipped in one reading. A loss persists:
    // only a lock missing from several readings in a row is gone.
    for _ in 0..READINGS {
        if our_locks_on(&std::fs::read_to_string("/proc/locks").ok()?, file, shm) {
            return Some(true);
        }
    }
    Some(false)
}

/// How many readings of `/proc/locks` must all miss a lock before it counts as lost.
#[cfg(target_os = "linux")]
const READINGS: usize = 5;

/// Whether `listing` shows a POSIX lock of this process on both `file` and `shm`.
#[cfg(target_os = "linux")]
fn our_locks_on(listing: &str, file: (u64, u64), shm: (u64, u64)) -> bool {
    let pid = std::process::id();
    let (mut on_file, mut on_shm) = (false, false);
    for line in listing.lines() {
        match posix_lock_of(line) {
            Some((owner, dev, ino)) if owner == pid => {
                on_file |= (dev, ino) == file;
                on_shm |= (dev, ino) == shm;
            }
            _ => {}
        }
    }
    on_file && on_shm
}

#[cfg(not(target_os = "linux"))]
fn locks_held(_db: &Path) -> Option<bool> {
    None
}

/// The owner and file of a granted POSIX lock in a `/proc/locks` line, such as
/// `1: POSIX  ADVISORY  READ 10306 fe:00:10010883 128 128` (devices as `major:minor` in hex).
#[cfg(target_os = "linux")]
fn posix_lock_of(line: &str) -> Option<(u32, u64, u64)> {
    let mut words = line.split_whitespace().skip(1);
    // A waiting request is listed as `->` before its kind: it holds nothing yet.
    if words.next()? != "POSIX" {
        return None;
    }
    let owner: u32 = words.nth(2)?.parse().ok()?;
    let mut file = words.next()?.split(':');
    let major = u64::from_str_radix(file.next()?, 16).ok()?;
    let minor = u64::from_str_radix(file.next()?, 16).ok()?;
    let ino: u64 = file.next()?.parse().ok()?;
    Some((owner, make_dev(major, minor), ino))
}

/// The `st_dev` value Linux reports for a device (glibc's `makedev`).
#[cfg(target_os = "linux")]
fn make_dev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn proc_locks_lines_read_back_into_owner_and_file() {
        assert_eq!(
            posix_lock_of("1: POSIX  ADVISORY  READ 10306 fe:00:10010883 128 128"),
            Some((10306, make_dev(0xfe, 0), 10_010_883))
        );
        assert_eq!(
            posix_lock_of("2: -> POSIX  ADVISORY  WRITE 77 08:01:5678 0 EOF"),
            None,
            "a waiting request holds nothing"
        );
        assert_eq!(
            posix_lock_of("3: FLOCK  ADVISORY  WRITE 77 08:01:5678 0 EOF"),
            None,
            "flock locks are not SQLite's"
        );
        assert_eq!(
            posix_lock_of("4: OFDLCK ADVISORY  READ -1 00:2e:12 0 EOF"),
            None
        );
    }

    #[test]
    fn device_numbers_match_what_stat_reports() {
        use std::os::unix::fs::MetadataExt;
        let dev = std::fs::metadata("/proc/self").map(|m| m.dev()).unwrap();
        let (major, minor) = (
            ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
            (dev & 0xff) | ((dev >> 12) & !0xff),
        );
        assert_eq!(make_dev(major, minor), dev);
    }
}
