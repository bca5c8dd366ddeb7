//! Pushing a laptop's entries. The laptop's own log is checked first and refused when it does
//! not verify. Each entry is lifted into canonical form version 2 and signed; both are pure
//! functions of the local log (Ed25519 signatures are deterministic), so pushing the same log
//! twice sends the same bytes. Entries go in batches, one transaction each: a push cut short
//! loses nothing and doubles nothing, and the next one starts from the server's head for this
//! device, after checking that the server's entry there is this laptop's.

use std::collections::BTreeSet;

use chair_core::audit::{AuditFilter, ExportFormat};
use chair_core::chain::{HashedEntry, Lift, LogEntryV2, LogExport};
use chair_store::Store;
use ed25519_dalek::Signer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::local::LastPush;
use crate::{Org, OrgError, Result, entry_message};

/// How many entries one transaction sends.
const BATCH: usize = 1_000;

/// What a push did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Pushed {
    pub device_id: Uuid,
    /// Entries the server already held for this device before this push.
    pub already_there: i64,
    /// Entries sent now.
    pub pushed: u64,
    /// The server's head for this device now.
    pub head: i64,
    /// Snapshots of meetings, agenda items, personas and complaints sent now.
    pub snapshots: u64,
}

/// One entry ready to send.
pub(crate) struct Outgoing {
    pub entry: LogEntryV2,
    pub canonical: Vec<u8>,
    pub hash: [u8; 32],
    pub prev_hash: [u8; 32],
}

/// Every entry of the laptop's log, in order.
async fn local_entries(store: &Store) -> Result<Vec<HashedEntry>> {
    let mut buf = Vec::new();
    store
        .export_log(&AuditFilter::default(), ExportFormat::Json, &mut buf)
        .await
        .map_err(|e| anyhow::anyhow!("reading this laptop's decision log: {e}"))?;
    let export: LogExport = serde_json::from_slice(&buf)
        .map_err(|e| anyhow::anyhow!("reading this laptop's decision log: {e}"))?;
    Ok(export.entries)
}

/// The laptop's log lifted into version 2 for `device`; refuses a log that fails its check.
pub(crate) async fn outgoing(store: &Store, device: Uuid) -> Result<Vec<Outgoing>> {
    let report = store
        .verify_log()
        .await
        .map_err(|e| anyhow::anyhow!("checking this laptop's decision log: {e}"))?;
    if !report.intact {
        return Err(OrgError::Refused(format!(
            "this laptop's decision log fails its own check, so nothing was pushed: {}",
            report.summary()
        )));
    }
    let mut lift = Lift::new(device);
    let mut out = Vec::new();
    for h in local_entries(store).await? {
        let (entry, hash) = lift.next(&h).map_err(|why| {
            OrgError::Refused(format!(
                "this laptop's decision log cannot be pushed: {why}"
            ))
        })?;
        let hash = hex32(&hash)?;
        let prev_hash = hex32(&entry.prev_hash)?;
        out.push(Outgoing {
            canonical: entry.canonical().into_bytes(),
            entry,
            hash,
            prev_hash,
        });
    }
    Ok(out)
}

fn hex32(s: &str) -> Result<[u8; 32]> {
    chair_core::merkle::from_hex(s).ok_or_else(|| {
        OrgError::Unexpected(anyhow::anyhow!("a hash that is not 64 hex digits: {s}"))
    })
}

impl Org {
    /// Sends this laptop's entries the server does not have yet.
    pub async fn push(&mut self, store: &Store) -> Result<Pushed> {
        let device = self.settings.device_id;
        let all = outgoing(store, device).await?;
        // Another push of this laptop (one cut short whose last statement the server is still
        // finishing, or a second window) may send the same entries meanwhile: the server keeps
        // one of each, and this push starts again from the new head.
        let mut attempts = 0;
        let (already, pushed, snapshots) = loop {
            attempts += 1;
            match self.push_from_head(store, &all).await? {
                Some(done) => break done,
                None if attempts < 5 => continue,
                None => {
                    return Err(OrgError::Diverged(
                        "another push from this laptop keeps sending the same entries at the same time; push again later".into(),
                    ));
                }
            }
        };
        let head = already + pushed as i64;
        self.settings.last_push = Some(LastPush {
            at: chair_store::time::ts(chrono::Utc::now()),
            pushed,
            head,
        });
        self.save()?;
        Ok(Pushed {
            device_id: device,
            already_there: already,
            pushed,
            head,
            snapshots,
        })
    }

    /// One pass from the server's head: (entries there before, entries sent, snapshots sent),
    /// or `None` when another push sent some of the same entries meanwhile.
    async fn push_from_head(
        &self,
        store: &Store,
        all: &[Outgoing],
    ) -> Result<Option<(i64, u64, u64)>> {
        let device = self.settings.device_id;
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT seq, canonical FROM org.entries WHERE device_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(device)
        .fetch_optional(&self.pool)
        .await?;
        let already = head.as_ref().map(|h| h.0).unwrap_or(0);
        if let Some((seq, bytes)) = &head {
            let Some(mine) = all.get(*seq as usize - 1) else {
                return Err(OrgError::Diverged(format!(
                    "the server holds {seq} entries from this laptop but this laptop's log has only {}: nothing was pushed",
                    all.len()
                )));
            };
            if &mine.canonical != bytes {
                return Err(OrgError::Diverged(format!(
                    "the server's entry {seq} from this laptop is not this laptop's entry {seq}: nothing was pushed"
                )));
            }
        }
        let todo = &all[already as usize..];
        let snapshots = self.push_snapshots(store, todo).await?;
        let mut pushed = 0u64;
        for batch in todo.chunks(BATCH) {
            if !self.insert(batch).await? {
                return Ok(None);
            }
            pushed += batch.len() as u64;
        }
        Ok(Some((already, pushed, snapshots)))
    }

    /// Inserts one batch in one transaction; false when another push already sent some of it.
    async fn insert(&self, batch: &[Outgoing]) -> Result<bool> {
        let mut seqs = Vec::with_capacity(batch.len());
        let mut ids = Vec::with_capacity(batch.len());
        let mut bytes = Vec::with_capacity(batch.len());
        let mut hashes = Vec::with_capacity(batch.len());
        let mut prevs = Vec::with_capacity(batch.len());
        let mut sigs = Vec::with_capacity(batch.len());
        for o in batch {
            seqs.push(o.entry.seq);
            ids.push(o.entry.id);
            bytes.push(o.canonical.clone());
            hashes.push(o.hash.to_vec());
            prevs.push(o.prev_hash.to_vec());
            sigs.push(self.key.sign(&entry_message(&o.hash)).to_bytes().to_vec());
        }
        let done = sqlx::query(
            "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
             SELECT $1, s, i, c, h, p, g
               FROM unnest($2::bigint[], $3::uuid[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[])
                    AS t(s, i, c, h, p, g)
              ORDER BY s",
        )
        .bind(self.settings.device_id)
        .bind(&seqs)
        .bind(&ids)
        .bind(&bytes)
        .bind(&hashes)
        .bind(&prevs)
        .bind(&sigs)
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            // The entry before this batch is not there yet: another push is still sending it.
            Err(sqlx::Error::Database(db))
                if db.code().as_deref() == Some("23514")
                    && db.message().contains("would leave a gap") =>
            {
                Ok(false)
            }
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23514") => {
                Err(OrgError::Refused(format!(
                    "the organisation's database refuses an entry: {}",
                    db.message()
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends what the entries refer to, as this laptop has it now (each version once).
    async fn push_snapshots(&self, store: &Store, todo: &[Outgoing]) -> Result<u64> {
        let mut meetings = BTreeSet::new();
        let mut personas = BTreeSet::new();
        let mut complaints = BTreeSet::new();
        for o in todo {
            meetings.insert(o.entry.meeting_id);
            personas.extend(o.entry.personas.iter().copied());
            complaints.extend(o.entry.evidence.iter().copied());
        }
        let mut rows: Vec<(&'static str, Uuid, String)> = Vec::new();
        let now = chrono::Utc::now();
        for id in meetings {
            let Ok(m) = store.meeting(id).await else {
                continue;
            };
            for item in &m.items {
                rows.push(("agenda_item", item.id, json(item)));
            }
            let mut m = m;
            m.items.clear();
            rows.push(("meeting", id, json(&m)));
        }
        for id in personas {
            let Ok(p) = store.persona(id, now).await else {
                continue;
            };
            rows.push((
                "persona",
                id,
                json(&PersonaSnapshot {
                    id,
                    fields: &p.fields,
                    initials: &p.initials,
                }),
            ));
        }
        for id in complaints {
            let Ok(c) = store.complaint(id).await else {
                continue;
            };
            rows.push(("complaint", id, json(&c)));
        }
        let mut sent = 0u64;
        for chunk in rows.chunks(BATCH) {
            let kinds: Vec<&str> = chunk.iter().map(|r| r.0).collect();
            let ids: Vec<Uuid> = chunk.iter().map(|r| r.1).collect();
            let contents: Vec<&str> = chunk.iter().map(|r| r.2.as_str()).collect();
            let hashes: Vec<Vec<u8>> = chunk
                .iter()
                .map(|r| Sha256::digest(r.2.as_bytes()).to_vec())
                .collect();
            let done = sqlx::query(
                "INSERT INTO org.snapshots (device_id, kind, object_id, content, content_hash)
                 SELECT $1, k, i, c::jsonb, h FROM unnest($2::text[], $3::uuid[], $4::text[], $5::bytea[]) AS t(k, i, c, h)
                 ON CONFLICT DO NOTHING",
            )
            .bind(self.settings.device_id)
            .bind(&kinds)
            .bind(&ids)
            .bind(&contents)
            .bind(&hashes)
            .execute(&self.pool)
            .await?;
            sent += done.rows_affected();
        }
        Ok(sent)
    }
}

/// A persona as it was described, without its live complaint figures.
#[derive(Serialize)]
struct PersonaSnapshot<'a> {
    id: Uuid,
    #[serde(flatten)]
    fields: &'a chair_core::persona::PersonaDraft,
    initials: &'a str,
}

/// JSON text of a snapshot.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
