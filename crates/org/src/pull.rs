//! Pulling the organisation log into a local, append-only copy on a leader's laptop
//! (`<database>.org-log.jsonl`, one record a line). A pull verifies what the server holds,
//! checks that everything pulled before is still there unchanged (so an entry changed or
//! removed after it was pulled is named even when the tree was rebuilt around it), and then
//! appends only what is new. The copy is never rewritten.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::local::SeenCheckpoint;
use crate::read::{CheckpointRow, DeviceRow, EntryRow, LeafRow, OrgLog};
use crate::verify::{self, Failure, OrgReport};
use crate::{Org, OrgError, Result};

/// One line of the local copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Device(DeviceRow),
    Entry(EntryRow),
    Leaf(LeafRow),
    Checkpoint(CheckpointRow),
    Snapshot(SnapshotRow),
}

/// A snapshot of a meeting, agenda item, persona or evidence complaint as its laptop pushed
/// it, so that the decisions read from the local copy name what they were about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SnapshotRow {
    pub device_id: Uuid,
    /// meeting, agenda_item, persona or complaint.
    pub kind: String,
    pub object_id: Uuid,
    /// JSON text.
    pub content: String,
    /// Hexadecimal.
    pub content_hash: String,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Pulled {
    /// Entries added to the local copy now.
    pub new_entries: u64,
    /// Entries in the local copy.
    pub entries: u64,
    pub devices: u64,
    pub leaves: u64,
    pub checkpoints: u64,
    /// The verification of what the server holds.
    pub report: OrgReport,
}

/// The local copy as held.
#[derive(Default)]
struct Held {
    /// Each device as last pulled.
    devices: HashMap<Uuid, DeviceRow>,
    entries: HashMap<(Uuid, i64), EntryRow>,
    leaves: Vec<LeafRow>,
    checkpoints: Vec<CheckpointRow>,
    /// In the order pulled.
    snapshots: Vec<SnapshotRow>,
}

fn read_held(path: &Path) -> Result<Held> {
    let mut held = Held::default();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(held),
        Err(e) => return Err(e.into()),
    };
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        // A last line cut short by a crash mid-append is ignored; it is appended again.
        let Ok(record) = serde_json::from_str::<Record>(&line) else {
            tracing::warn!("line {} of {} cannot be read", n + 1, path.display());
            continue;
        };
        match record {
            Record::Device(d) => {
                held.devices.insert(d.id, d);
            }
            Record::Entry(e) => {
                held.entries.insert((e.device_id, e.seq), e);
            }
            Record::Leaf(l) => held.leaves.push(l),
            Record::Checkpoint(c) => held.checkpoints.push(c),
            Record::Snapshot(s) => held.snapshots.push(s),
        }
    }
    // A leaf written twice (two pulls at once) is one leaf.
    held.leaves.sort_by_key(|l| l.leaf_index);
    held.leaves.dedup_by_key(|l| l.leaf_index);
    held.checkpoints.sort_by_key(|c| c.tree_size);
    held.checkpoints.dedup_by_key(|c| c.tree_size);
    Ok(held)
}

/// True when the file at `path` is empty or ends a line.
fn ends_with_newline(path: &Path) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// The local copy at `path` as a log (empty when nothing was pulled yet), with its snapshots.
pub(crate) fn copy_at(path: &Path) -> Result<(OrgLog, Vec<SnapshotRow>)> {
    let held = read_held(path)?;
    let mut devices: Vec<DeviceRow> = held.devices.into_values().collect();
    devices.sort_by(|a, b| (&a.team, &a.name, a.id).cmp(&(&b.team, &b.name, b.id)));
    let mut entries: Vec<EntryRow> = held.entries.into_values().collect();
    entries.sort_by_key(|e| (e.device_id, e.seq));
    // The copy holds every entry of the devices this laptop could read when it pulled.
    let mut readable: Vec<Uuid> = entries.iter().map(|e| e.device_id).collect();
    readable.dedup();
    let exported_at = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| chair_store::time::ts(chrono::DateTime::<chrono::Utc>::from(t)))
        .unwrap_or_default();
    Ok((
        OrgLog {
            format: crate::ORG_EXPORT_FORMAT.into(),
            exported_at,
            devices,
            entries,
            readable,
            leaves: held.leaves,
            checkpoints: held.checkpoints,
        },
        held.snapshots,
    ))
}

/// The first thing pulled before that the server no longer holds as it was.
fn changed_since(log: &OrgLog, held: &Held, names: &HashMap<Uuid, String>) -> Option<Failure> {
    let server: HashMap<(Uuid, i64), &EntryRow> = log
        .entries
        .iter()
        .map(|e| ((e.device_id, e.seq), e))
        .collect();
    let readable: HashSet<Uuid> = log.readable.iter().copied().collect();
    let mut mine: Vec<&EntryRow> = held
        .entries
        .values()
        .filter(|e| readable.contains(&e.device_id))
        .collect();
    mine.sort_by_key(|e| (e.device_id, e.seq));
    for e in mine {
        let problem = match server.get(&(e.device_id, e.seq)) {
            None => "this laptop pulled it before, and the server no longer has it: it was removed",
            Some(s) if *s != e => {
                "this laptop pulled it before, and the server now holds other bytes"
            }
            Some(_) => continue,
        };
        return Some(Failure {
            device_id: Some(e.device_id),
            device: names.get(&e.device_id).cloned(),
            seq: Some(e.seq),
            checkpoint: None,
            problem: problem.into(),
        });
    }
    for l in &held.leaves {
        if log.leaves.get(l.leaf_index as usize) != Some(l) {
            return Some(Failure {
                device_id: Some(l.device_id),
                device: names.get(&l.device_id).cloned(),
                seq: Some(l.seq),
                checkpoint: None,
                problem: format!(
                    "this laptop pulled it as leaf {} of the tree, and the server's tree no longer has it there",
                    l.leaf_index
                ),
            });
        }
    }
    None
}

impl Org {
    /// Verifies the server's log, and that nothing this laptop pulled before has changed.
    pub(crate) fn check_against_copy(&self, log: &OrgLog, report: &mut OrgReport) -> Result<()> {
        if report.failure.is_some() {
            return Ok(());
        }
        let held = read_held(&self.files.pulled)?;
        let names: HashMap<Uuid, String> =
            log.devices.iter().map(|d| (d.id, d.name.clone())).collect();
        if let Some(f) = changed_since(log, &held, &names) {
            report.intact = false;
            report.failure = Some(f);
        }
        Ok(())
    }

    /// The snapshots of meetings, agenda items, personas and evidence complaints this laptop
    /// may read, oldest first.
    async fn read_snapshots(&self) -> Result<Vec<SnapshotRow>> {
        Ok(sqlx::query_as(
            "SELECT device_id, kind, object_id, content::text AS content,
                    encode(content_hash, 'hex') AS content_hash
               FROM org.snapshots
              ORDER BY taken_at, device_id, kind, object_id, content_hash",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Pulls every team this laptop may read into its local copy.
    pub async fn pull(&mut self) -> Result<Pulled> {
        let log = self.read_log(None).await?;
        let (log, mut report) = verify::verify_apart(log, &self.settings.checkpoints_seen).await?;
        self.check_against_copy(&log, &mut report)?;
        if !report.intact {
            return Err(OrgError::Diverged(format!(
                "{}; nothing was pulled",
                report.summary()
            )));
        }
        let snapshots = self.read_snapshots().await?;
        let held = read_held(&self.files.pulled)?;
        let mut out = Vec::new();
        let mut line = |r: &Record| -> Result<()> {
            serde_json::to_writer(&mut out, r).map_err(anyhow::Error::from)?;
            out.push(b'\n');
            Ok(())
        };
        let mut new_entries = 0u64;
        // A device is written again when it changed (it was revoked since).
        for d in &log.devices {
            if held.devices.get(&d.id) != Some(d) {
                line(&Record::Device(d.clone()))?;
            }
        }
        for e in &log.entries {
            if !held.entries.contains_key(&(e.device_id, e.seq)) {
                line(&Record::Entry(e.clone()))?;
                new_entries += 1;
            }
        }
        let have_leaves: HashSet<i64> = held.leaves.iter().map(|l| l.leaf_index).collect();
        for l in log
            .leaves
            .iter()
            .filter(|l| !have_leaves.contains(&l.leaf_index))
        {
            line(&Record::Leaf(l.clone()))?;
        }
        let newest_held = held
            .checkpoints
            .iter()
            .map(|c| c.tree_size)
            .max()
            .unwrap_or(-1);
        for c in log.checkpoints.iter().filter(|c| c.tree_size > newest_held) {
            line(&Record::Checkpoint(c.clone()))?;
        }
        let have: HashSet<(Uuid, &str, Uuid, &str)> = held
            .snapshots
            .iter()
            .map(|s| {
                (
                    s.device_id,
                    s.kind.as_str(),
                    s.object_id,
                    s.content_hash.as_str(),
                )
            })
            .collect();
        for s in &snapshots {
            if !have.contains(&(
                s.device_id,
                s.kind.as_str(),
                s.object_id,
                s.content_hash.as_str(),
            )) {
                line(&Record::Snapshot(s.clone()))?;
            }
        }
        if !out.is_empty() {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&self.files.pulled)?;
            // A last line cut short by a crash must not swallow the first new one.
            if !ends_with_newline(&self.files.pulled)? {
                f.write_all(b"\n")?;
            }
            f.write_all(&out)?;
            f.sync_all()?;
        }
        if let Some(c) = log.checkpoints.last() {
            self.settings.saw(SeenCheckpoint {
                tree_size: c.tree_size,
                root: c.root.clone(),
            });
            self.save()?;
        }
        Ok(Pulled {
            new_entries,
            entries: (held.entries.len() as u64) + new_entries,
            devices: log.devices.len() as u64,
            leaves: log.leaves.len() as u64,
            checkpoints: log.checkpoints.len() as u64,
            report,
        })
    }
}
