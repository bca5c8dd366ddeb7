//! Verifying the organisation log from its bytes alone: what a reader fetched from the server,
//! or an export file. Trusts nothing the server says about itself:
//!
//! 1. every readable device's chain from its first entry: dense sequence numbers, each entry's
//!    bytes in canonical form 2 naming this device and place, its hash, its link to the entry
//!    before, its signature by the device's key, and that it is an entry a laptop can write;
//! 2. the tree's leaves: numbered densely, each device's entries in the order they were
//!    written, each readable leaf carrying its entry's hash;
//! 3. every checkpoint: signed by an enrolled device, its root that of the tree's first
//!    `tree_size` leaves;
//! 4. every checkpoint this laptop saw before: still there, and still the root of the tree
//!    at its size (a rolled back or rewritten log is caught here).
//!
//! The first failure is named: the device and the entry's sequence number, or the checkpoint.

use std::collections::{HashMap, HashSet};

use chair_core::chain::LogEntryV2;
use chair_core::merkle::{self, Hash, Tree};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::local::SeenCheckpoint;
use crate::read::{DeviceRow, EntryRow, OrgLog};
use crate::{checkpoint_message, entry_message};

/// Where the organisation log stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Failure {
    pub device_id: Option<Uuid>,
    /// The device's name, when it is known.
    pub device: Option<String>,
    /// The entry's sequence number in that device's chain.
    pub seq: Option<i64>,
    /// The checkpoint (its tree size), when the failure is one.
    pub checkpoint: Option<i64>,
    pub problem: String,
}

/// The result of verifying the organisation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgReport {
    pub intact: bool,
    /// Entries checked (those this reader may see).
    pub entries: u64,
    /// Laptops whose entries were checked.
    pub devices: u64,
    /// Leaves in the tree.
    pub tree_size: i64,
    /// The newest checkpoint's tree size, if any.
    pub checkpoint: Option<i64>,
    /// Entries not yet in the tree (waiting for `chair org seal`).
    pub unsealed: u64,
    pub failure: Option<Failure>,
}

impl OrgReport {
    /// One line for people.
    pub fn summary(&self) -> String {
        match &self.failure {
            None => format!(
                "Organisation log verified: {} entries from {} laptops; tree of {} leaves{}{}",
                self.entries,
                self.devices,
                self.tree_size,
                match self.checkpoint {
                    Some(c) => format!(", newest signed checkpoint at {c}"),
                    None => ", no signed checkpoint yet".into(),
                },
                if self.unsealed > 0 {
                    format!("; {} entries not sealed yet", self.unsealed)
                } else {
                    String::new()
                }
            ),
            Some(f) => {
                let mut s = String::from("Organisation log broken");
                if let Some(d) = &f.device {
                    s.push_str(&format!(" at laptop \"{d}\""));
                }
                if let Some(id) = f.device_id {
                    s.push_str(&format!(" (device {id})"));
                }
                if let Some(seq) = f.seq {
                    s.push_str(&format!(", entry {seq}"));
                }
                if let Some(c) = f.checkpoint {
                    s.push_str(&format!(" at the checkpoint of {c} leaves"));
                }
                s.push_str(&format!(": {}", f.problem));
                s
            }
        }
    }
}

/// A device's key, or why it has none.
struct Key {
    name: String,
    key: Option<VerifyingKey>,
}

fn keys(devices: &[DeviceRow]) -> HashMap<Uuid, Key> {
    devices
        .iter()
        .map(|d| {
            let key =
                merkle::from_hex(&d.public_key).and_then(|b| VerifyingKey::from_bytes(&b).ok());
            (
                d.id,
                Key {
                    name: d.name.clone(),
                    key,
                },
            )
        })
        .collect()
}

fn fail(keys: &HashMap<Uuid, Key>, device: Uuid, seq: Option<i64>, problem: String) -> Failure {
    Failure {
        device_id: Some(device),
        device: keys.get(&device).map(|k| k.name.clone()),
        seq,
        checkpoint: None,
        problem,
    }
}

fn signature(hex: &str) -> Option<Signature> {
    if hex.len() != 128 {
        return None;
    }
    let a = merkle::from_hex(&hex[..64])?;
    let b = merkle::from_hex(&hex[64..])?;
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&a);
    bytes[32..].copy_from_slice(&b);
    Some(Signature::from_bytes(&bytes))
}

/// Checks one device's chain; its entries' hashes by sequence number, or the first failure.
fn check_device(
    keys: &HashMap<Uuid, Key>,
    device: Uuid,
    entries: &[&EntryRow],
) -> Result<Vec<Hash>, Failure> {
    let Some(key) = keys.get(&device) else {
        return Err(Failure {
            device_id: Some(device),
            device: None,
            seq: entries.first().map(|e| e.seq),
            checkpoint: None,
            problem: "no device with this id is enrolled: its entries cannot be checked".into(),
        });
    };
    let Some(vk) = key.key else {
        return Err(fail(keys, device, None, "its public key is damaged".into()));
    };
    let mut hashes: Vec<Hash> = Vec::with_capacity(entries.len());
    let mut ids: HashMap<Uuid, String> = HashMap::new();
    let mut prev = chair_core::chain::GENESIS.to_string();
    let mut first_bad: Option<Failure> = None;
    let mut messages: Vec<Vec<u8>> = Vec::with_capacity(entries.len());
    let mut sigs: Vec<Signature> = Vec::with_capacity(entries.len());
    for (i, row) in entries.iter().enumerate() {
        let expected = i as i64 + 1;
        let at = |problem: String| fail(keys, device, Some(expected), problem);
        if row.seq != expected {
            first_bad = Some(if row.seq < expected {
                at(format!(
                    "entry {} appears twice: the chain was forked",
                    row.seq
                ))
            } else {
                at(format!(
                    "entry {expected} is missing (the next one held is {}): it was removed",
                    row.seq
                ))
            });
            break;
        }
        let bytes = row.canonical.as_bytes();
        let e = match LogEntryV2::parse_canonical(bytes) {
            Ok(e) => e,
            Err(why) => {
                first_bad = Some(at(format!("{why}: it was changed after it was signed")));
                break;
            }
        };
        let hash: Hash = Sha256::digest(bytes).into();
        let hex = merkle::to_hex(&hash);
        let problem = if e.device != device || e.seq != row.seq {
            Some(format!(
                "its bytes are entry {} of device {}: entries were moved or reordered",
                e.seq, e.device
            ))
        } else if hex != row.hash {
            Some("its content does not match its hash: it was changed after it was signed".into())
        } else if e.prev_hash != prev {
            Some(format!(
                "its link to entry {} does not match: that entry was changed, removed or reordered",
                expected - 1
            ))
        } else if let Some(why) = e.impossible() {
            Some(format!("no laptop records such an entry: {why}"))
        } else if let Some(t) = &e.target
            && ids.get(&t.id) != Some(&t.hash)
        {
            Some(format!(
                "it closes entry {}, which is not an earlier entry of this laptop with that hash",
                t.id
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            first_bad = Some(at(p));
            break;
        }
        let Some(sig) = signature(&row.signature) else {
            first_bad = Some(at("its signature is damaged".into()));
            break;
        };
        messages.push(entry_message(&hash));
        sigs.push(sig);
        ids.insert(e.id, hex.clone());
        prev = hex;
        hashes.push(hash);
    }
    // Signatures of the entries that passed, in batches; a failed batch is searched for its
    // first bad signature, which may come before a failure found above.
    const SIG_BATCH: usize = 256;
    for (b, (msgs, sigs)) in messages
        .chunks(SIG_BATCH)
        .zip(sigs.chunks(SIG_BATCH))
        .enumerate()
    {
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let ks = vec![vk; msgs.len()];
        if ed25519_dalek::verify_batch(&refs, sigs, &ks).is_ok() {
            continue;
        }
        for (i, (m, s)) in msgs.iter().zip(sigs).enumerate() {
            if vk.verify_strict(m, s).is_err() {
                let seq = (b * SIG_BATCH + i) as i64 + 1;
                return Err(fail(
                    keys,
                    device,
                    Some(seq),
                    format!(
                        "its signature is not laptop \"{}\"'s: it was forged or altered",
                        key.name
                    ),
                ));
            }
        }
    }
    match first_bad {
        Some(f) => Err(f),
        None => Ok(hashes),
    }
}

/// [`verify`] on a thread for blocking work, so that checking a large log's signatures does
/// not hold up the other tasks of the runtime; gives the log back with the report.
pub async fn verify_apart(
    log: OrgLog,
    seen: &[SeenCheckpoint],
) -> crate::Result<(OrgLog, OrgReport)> {
    let seen = seen.to_vec();
    tokio::task::spawn_blocking(move || {
        let report = verify(&log, &seen);
        (log, report)
    })
    .await
    .map_err(|e| crate::OrgError::Unexpected(anyhow::anyhow!("verifying stopped: {e}")))
}

/// Verifies `log`, and its consistency with the checkpoints in `seen`.
pub fn verify(log: &OrgLog, seen: &[SeenCheckpoint]) -> OrgReport {
    let keys = keys(&log.devices);
    let mut by_device: HashMap<Uuid, Vec<&EntryRow>> = HashMap::new();
    for e in &log.entries {
        by_device.entry(e.device_id).or_default().push(e);
    }
    for v in by_device.values_mut() {
        v.sort_by_key(|e| e.seq);
    }
    // Devices in a stable order: enrolled ones as listed, then unknown ones.
    let mut order: Vec<Uuid> = log.devices.iter().map(|d| d.id).collect();
    let mut unknown: Vec<Uuid> = by_device
        .keys()
        .filter(|d| !keys.contains_key(d))
        .copied()
        .collect();
    unknown.sort();
    order.extend(unknown);
    let work: Vec<(Uuid, &Vec<&EntryRow>)> = order
        .iter()
        .filter_map(|d| by_device.get(d).map(|v| (*d, v)))
        .collect();
    let results = check_all(&keys, &work);
    let mut report = OrgReport {
        intact: false,
        entries: 0,
        devices: 0,
        tree_size: log.leaves.len() as i64,
        checkpoint: log.checkpoints.iter().map(|c| c.tree_size).max(),
        unsealed: 0,
        failure: None,
    };
    let mut chains: HashMap<Uuid, Vec<Hash>> = HashMap::new();
    for ((device, _), r) in work.iter().zip(results) {
        match r {
            Ok(hashes) => {
                report.entries += hashes.len() as u64;
                report.devices += 1;
                chains.insert(*device, hashes);
            }
            Err(f) => {
                report.failure = Some(f);
                return report;
            }
        }
    }
    let readable: HashSet<Uuid> = log.readable.iter().copied().collect();
    // A readable device with no entries at all has an empty chain.
    for d in &readable {
        chains.entry(*d).or_default();
    }
    // The leaves.
    let mut next_seq: HashMap<Uuid, i64> = HashMap::new();
    let mut leaf_hashes: Vec<Hash> = Vec::with_capacity(log.leaves.len());
    for (i, leaf) in log.leaves.iter().enumerate() {
        let expected = next_seq.entry(leaf.device_id).or_insert(1);
        let at = |seq: i64, problem: String| Some(fail(&keys, leaf.device_id, Some(seq), problem));
        let entry_hash = merkle::from_hex(&leaf.entry_hash);
        let problem = if leaf.leaf_index != i as i64 {
            Some(Failure {
                device_id: None,
                device: None,
                seq: None,
                checkpoint: None,
                problem: format!("leaf {i} is missing from the tree: it was removed"),
            })
        } else if leaf.seq != *expected {
            at(
                *expected,
                format!(
                    "the tree holds entry {} of this laptop where entry {} belongs: the tree was reordered or an entry removed",
                    leaf.seq, expected
                ),
            )
        } else if entry_hash.is_none() {
            at(leaf.seq, "its leaf's hash is damaged".into())
        } else if let Some(chain) = chains.get(&leaf.device_id) {
            match chain.get(leaf.seq as usize - 1) {
                None => at(
                    leaf.seq,
                    "the tree holds this entry but the server no longer does: it was removed"
                        .into(),
                ),
                Some(h) if Some(*h) != entry_hash => at(
                    leaf.seq,
                    "the tree holds another hash for this entry: the entry or the tree was changed"
                        .into(),
                ),
                Some(_) => None,
            }
        } else {
            None
        };
        if let Some(f) = problem {
            report.failure = Some(f);
            return report;
        }
        *expected += 1;
        leaf_hashes.push(merkle::leaf_hash(&entry_hash.unwrap_or_default()));
    }
    report.unsealed = chains
        .iter()
        .map(|(d, c)| (c.len() as i64 - (next_seq.get(d).copied().unwrap_or(1) - 1)).max(0) as u64)
        .sum();
    // Checkpoints, and the tree's root at each size.
    let mut sizes: Vec<i64> = log.checkpoints.iter().map(|c| c.tree_size).collect();
    sizes.extend(seen.iter().map(|s| s.tree_size));
    sizes.sort_unstable();
    sizes.dedup();
    let mut roots: HashMap<i64, Hash> = HashMap::new();
    let mut tree = Tree::new();
    let mut sizes_iter = sizes.iter().peekable();
    while let Some(&&s) = sizes_iter.peek() {
        if s as u64 == tree.size() {
            roots.insert(s, tree.root());
            sizes_iter.next();
        } else if let Some(l) = leaf_hashes.get(tree.size() as usize) {
            tree.push(*l);
        } else {
            break;
        }
    }
    let checkpoint_failure = |size: i64, problem: String| Failure {
        device_id: None,
        device: None,
        seq: None,
        checkpoint: Some(size),
        problem,
    };
    for c in &log.checkpoints {
        let signer = keys.get(&c.signer);
        let signed = match (
            signer.and_then(|k| k.key),
            merkle::from_hex(&c.root),
            signature(&c.signature),
        ) {
            (Some(vk), Some(root), Some(sig)) => vk
                .verify_strict(&checkpoint_message(c.tree_size, &root, &c.sealed_at), &sig)
                .is_ok(),
            _ => false,
        };
        let problem = if !signed {
            Some("it is not signed by an enrolled laptop: it was forged or altered".to_string())
        } else {
            match roots.get(&c.tree_size) {
                None => Some(format!(
                    "it covers {} leaves but the tree has only {}: sealed entries were removed",
                    c.tree_size,
                    leaf_hashes.len()
                )),
                Some(r) if merkle::to_hex(r) != c.root => Some(format!(
                    "the tree's first {} leaves do not have the root it signs: a sealed entry was changed, removed or moved",
                    c.tree_size
                )),
                Some(_) => None,
            }
        };
        if let Some(p) = problem {
            report.failure = Some(checkpoint_failure(c.tree_size, p));
            return report;
        }
    }
    let newest = report.checkpoint.unwrap_or(-1);
    for s in seen {
        let there = log
            .checkpoints
            .iter()
            .any(|c| c.tree_size == s.tree_size && c.root == s.root);
        let problem = if s.tree_size > newest {
            Some(format!(
                "this laptop saw a checkpoint of {} leaves, but the server's newest covers {}: the log was rolled back",
                s.tree_size,
                newest.max(0)
            ))
        } else if roots.get(&s.tree_size).map(|r| merkle::to_hex(r)) != Some(s.root.clone()) {
            Some(format!(
                "the tree's first {} leaves no longer have the root this laptop saw signed: the log was rewritten",
                s.tree_size
            ))
        } else if !there {
            Some("this laptop saw it signed, and the server no longer has it: the log was rolled back".into())
        } else {
            None
        };
        if let Some(p) = problem {
            report.failure = Some(checkpoint_failure(s.tree_size, p));
            return report;
        }
    }
    report.intact = true;
    report
}

/// Checks every device's chain, on as many threads as there are cores.
fn check_all(
    keys: &HashMap<Uuid, Key>,
    work: &[(Uuid, &Vec<&EntryRow>)],
) -> Vec<Result<Vec<Hash>, Failure>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(work.len().max(1));
    let mut out: Vec<Option<Result<Vec<Hash>, Failure>>> = vec![None; work.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    work.iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, (d, entries))| (i, check_device(keys, *d, entries)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().unwrap_or_default() {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Failure {
                    device_id: None,
                    device: None,
                    seq: None,
                    checkpoint: None,
                    problem: "a device's chain could not be checked".into(),
                })
            })
        })
        .collect()
}

/// Verifies an exported organisation log (its JSON text), offline.
pub fn verify_export(json: &str) -> Result<OrgReport, String> {
    let log: OrgLog =
        serde_json::from_str(json).map_err(|e| format!("not an exported organisation log: {e}"))?;
    if log.format != crate::ORG_EXPORT_FORMAT {
        return Err(format!(
            "not an exported organisation log: its format is \"{}\"",
            log.format
        ));
    }
    Ok(verify(&log, &[]))
}
