//! `chair backup`, `chair backups`, `chair restore` and `chair check`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use chair_store::Store;
use chair_store::backup::{latest_backup, list_backups, restore};

use crate::output;

/// Makes a backup now, into the backups folder or to `to`.
pub async fn backup(store: &Store, to: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let b = store.backup("manual", to.as_deref()).await?;
    outln!("Backed up to {} ({}).", b.path, size(b.bytes))?;
    Ok(ExitCode::SUCCESS)
}

/// Lists the backups of the database at `db`, newest first.
pub fn list(db: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let all = list_backups(db)?;
    if json {
        output::json(&all)?;
    } else if all.is_empty() {
        outln!(
            "No backups yet in {}. The app makes one at each start and after each closed meeting; `chair backup` makes one now.",
            chair_store::backup::backup_dir(db).display()
        )?;
    } else {
        for b in all {
            outln!(
                "{}  {:>9}  {:<15} {}",
                b.created_at.format("%Y-%m-%d %H:%M:%S"),
                size(b.bytes),
                b.reason,
                b.path
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Replaces the database at `db` with `file` (or the latest backup), keeping it aside.
pub async fn restore_from(
    db: &Path,
    file: Option<PathBuf>,
    latest: bool,
) -> anyhow::Result<ExitCode> {
    let from = match (file, latest) {
        (Some(f), _) => f,
        (None, true) => match latest_backup(db) {
            Some(b) => PathBuf::from(b.path),
            None => bail!("there is no backup of {} to restore", db.display()),
        },
        (None, false) => bail!("name the backup to restore, or say --latest"),
    };
    let done = restore(db, &from).await?;
    outln!(
        "Restored {} from {}: {} logged decisions, hash chain intact.",
        db.display(),
        from.display(),
        done.decisions
    )?;
    if let Some(aside) = done.set_aside {
        outln!("The file it replaced is kept at {}.", aside.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks the whole file, its indexes and the decision log; exit status 3 when anything fails.
pub async fn check(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let report = store.check().await?;
    if json {
        output::json(&report)?;
    } else {
        let ok = |problems: &[String]| {
            if problems.is_empty() {
                "ok".to_string()
            } else {
                problems.join("; ")
            }
        };
        outln!("file         {}", ok(&report.integrity))?;
        outln!("indexes      {}", ok(&report.indexes))?;
        outln!("decision log {}", report.log.summary())?;
    }
    Ok(if report.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// What to do about a damaged database: where its latest backup is and how to restore it.
pub fn restore_hint(db: &Path) -> String {
    match latest_backup(db) {
        Some(b) => format!(
            "The latest backup is {} (made {} UTC, {}). Restore it with `chair restore --latest`; the damaged file is kept aside, not deleted.",
            b.path,
            b.created_at.format("%Y-%m-%d %H:%M"),
            size(b.bytes)
        ),
        None => format!(
            "There is no backup of it in {}. Keep the file as it is and ask for help.",
            chair_store::backup::backup_dir(db).display()
        ),
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{} kB", b.div_ceil(1024)),
    }
}
