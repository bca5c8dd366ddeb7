//! Reading the organisation log as this laptop's database role may see it: the devices, the
//! entries of the teams it may read, every leaf and every checkpoint. The same shape is the
//! JSON export, which verifies on its own, offline.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Org, Result};

/// The `format` of an exported organisation log.
pub const ORG_EXPORT_FORMAT: &str = "empty-chair-org-log";

/// A device (laptop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: Uuid,
    pub name: String,
    pub team: String,
    /// Hexadecimal.
    pub public_key: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// An entry as stored: its exact bytes, hash and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRow {
    pub device_id: Uuid,
    pub seq: i64,
    /// The canonical bytes (form version 2), which are UTF-8 JSON.
    pub canonical: String,
    /// Hexadecimal.
    pub hash: String,
    /// Hexadecimal.
    pub signature: String,
}

/// A leaf of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LeafRow {
    pub leaf_index: i64,
    pub device_id: Uuid,
    pub seq: i64,
    /// Hexadecimal.
    pub entry_hash: String,
}

/// A signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CheckpointRow {
    pub tree_size: i64,
    /// Hexadecimal.
    pub root: String,
    pub signer: Uuid,
    pub sealed_at: String,
    /// Hexadecimal.
    pub signature: String,
}

/// The organisation log as one reader sees it (also its JSON export).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgLog {
    pub format: String,
    pub exported_at: String,
    pub devices: Vec<DeviceRow>,
    /// By device, then sequence number.
    pub entries: Vec<EntryRow>,
    /// The devices whose entries this reader may see (their teams' entries are all here).
    pub readable: Vec<Uuid>,
    /// By leaf index.
    pub leaves: Vec<LeafRow>,
    /// By tree size.
    pub checkpoints: Vec<CheckpointRow>,
}

impl Org {
    /// Everything this laptop may read of the organisation log, `team` alone when given.
    pub async fn read_log(&self, team: Option<&str>) -> Result<OrgLog> {
        // One snapshot of the database for every read, so that an entry pushed and sealed
        // meanwhile is either wholly in what is read or wholly not.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let devices: Vec<DeviceRow> = sqlx::query_as(
            "SELECT d.id, d.name, d.team, encode(d.public_key, 'hex') AS public_key,
                    to_char(r.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS revoked_at
               FROM org.devices d LEFT JOIN org.device_revocations r ON r.device_id = d.id
              ORDER BY d.team, d.name, d.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let readable: Vec<Uuid> = sqlx::query_scalar(
            "SELECT d.id FROM org.devices d WHERE ($1::text IS NULL OR d.team = $1)
                AND d.id IN (SELECT id FROM org.readable_devices()) ORDER BY d.id",
        )
        .bind(team)
        .fetch_all(&mut *tx)
        .await?;
        // The bytes as stored: bytes that are not UTF-8 read back changed and fail their hash.
        let entries: Vec<(Uuid, i64, Vec<u8>, String, String)> = sqlx::query_as(
            "SELECT e.device_id, e.seq, e.canonical,
                    encode(e.hash, 'hex') AS hash, encode(e.signature, 'hex') AS signature
               FROM org.entries e JOIN org.devices d ON d.id = e.device_id
              WHERE $1::text IS NULL OR d.team = $1
              ORDER BY e.device_id, e.seq",
        )
        .bind(team)
        .fetch_all(&mut *tx)
        .await?;
        let entries = entries
            .into_iter()
            .map(|(device_id, seq, bytes, hash, signature)| EntryRow {
                device_id,
                seq,
                canonical: String::from_utf8_lossy(&bytes).into_owned(),
                hash,
                signature,
            })
            .collect();
        let leaves: Vec<LeafRow> = sqlx::query_as(
            "SELECT leaf_index, device_id, seq, encode(entry_hash, 'hex') AS entry_hash
               FROM org.leaves ORDER BY leaf_index",
        )
        .fetch_all(&mut *tx)
        .await?;
        let checkpoints: Vec<CheckpointRow> = sqlx::query_as(
            "SELECT tree_size, encode(root, 'hex') AS root, signer, sealed_at, encode(signature, 'hex') AS signature
               FROM org.checkpoints ORDER BY tree_size",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(OrgLog {
            format: ORG_EXPORT_FORMAT.into(),
            exported_at: chair_store::time::ts(chrono::Utc::now()),
            devices,
            entries,
            readable,
            leaves,
            checkpoints,
        })
    }
}
