//! The database files this process has open through SQLite, which nothing else in the process
//! may open.
//!
//! SQLite on Unix locks its files with POSIX advisory locks, and POSIX drops **all** of a
//! process's locks on a file the moment **any** descriptor of that process on that file is
//! closed. One stray `File::open` of the database (a header check, an import of the wrong
//! file, a byte comparison) therefore leaves this process holding no lock; the next program to
//! close the database believes it was the last user and deletes the write-ahead log under us,
//! and what we write afterwards goes to a file nobody else can see. The store registers every
//! database it opens here; code that opens a file the user named asks [`check`] first.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The companions SQLite keeps beside a database file.
pub const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

struct Entry {
    id: u64,
    /// The database's path with its links resolved.
    path: PathBuf,
    /// The file's device and inode, to catch other names (hard links) of the same file.
    file: Option<(u64, u64)>,
}

static HELD: Mutex<(u64, Vec<Entry>)> = Mutex::new((0, Vec::new()));

/// Keeps a database registered as held until dropped.
#[derive(Debug)]
pub struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        held.1.retain(|e| e.id != self.0);
    }
}

/// Registers the database at `db` as open through SQLite in this process.
pub fn register(db: &Path) -> Registration {
    let path = resolved(db);
    let file = file_id(&path);
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    held.0 += 1;
    let id = held.0;
    held.1.push(Entry { id, path, file });
    Registration(id)
}

/// True when `path` names a database this process holds open (or one of its companions).
pub fn is_held(path: &Path) -> bool {
    held_database(path).is_some()
}

/// The database `path` belongs to, when this process holds it open: `path` is that file (by any
/// name) or one of its companions.
pub fn held_database(path: &Path) -> Option<PathBuf> {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    if held.1.is_empty() {
        return None;
    }
    let path = resolved(path);
    let file = file_id(&path);
    held.1.iter().find_map(|e| {
        let same_file = file.is_some() && e.file == file;
        let same_name = std::iter::once("")
            .chain(COMPANIONS)
            .any(|suffix| path == with_suffix(&e.path, suffix));
        (same_file || same_name).then(|| e.path.clone())
    })
}

/// Refuses a file this process must not open because SQLite holds it, with a sentence the user
/// can act on.
pub fn check(path: &Path) -> Result<(), String> {
    match held_database(path) {
        None => Ok(()),
        Some(db) => Err(format!(
            "{} is Empty Chair's own database (or a file SQLite keeps beside it, open now): choose another file",
            if db == resolved(path) {
                db.display().to_string()
            } else {
                format!("{} (part of {})", path.display(), db.display())
            }
        )),
    }
}

/// `path` with its links and relative parts resolved, as far as it exists (a file that is not
/// there yet is resolved through its folder). Resolving reads directories, never the file.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    // `metadata` asks the kernel about the file without opening it.
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_database_and_its_companions_are_held_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("w.db");
        std::fs::write(&db, b"x").unwrap();
        let other = dir.path().join("complaints.csv");
        std::fs::write(&other, b"a,b").unwrap();
        let link = dir.path().join("again.db");
        std::fs::hard_link(&db, &link).unwrap();
        {
            let _held = register(&db);
            assert!(is_held(&db), "the database itself");
            assert!(
                is_held(&dir.path().join("w.db-wal")),
                "its log, even before it exists"
            );
            assert!(is_held(&dir.path().join("w.db-shm")), "its shared memory");
            assert!(is_held(&link), "another name of the same file");
            assert!(
                is_held(&dir.path().join(".").join("w.db")),
                "the same path written another way"
            );
            assert!(!is_held(&other), "a file beside it is not held");
            let refused = check(&db).unwrap_err();
            assert!(refused.contains("own database"), "{refused}");
        }
        assert!(!is_held(&db), "dropping the registration lets go");
    }
}
