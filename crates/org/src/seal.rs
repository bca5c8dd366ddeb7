//! The sequencer step and the signed checkpoint. `org.sequence()` numbers every entry not yet
//! in the tree, in arrival order, under a transaction-level advisory lock; in the same
//! transaction this laptop computes the root over all leaves, checks that the newest
//! checkpoint still matches the tree, and signs a new checkpoint. Several laptops sealing at
//! once take turns on the lock: none numbers an entry twice, and each checkpoint covers more
//! leaves than the one before or is not written.

use chair_core::merkle::{self, Hash, Tree};
use ed25519_dalek::Signer;
use serde::Serialize;
use uuid::Uuid;

use crate::local::{Receipt, SeenCheckpoint};
use crate::verify::{self, OrgReport};
use crate::{Org, OrgError, Result, checkpoint_message};

/// What a seal did.
#[derive(Debug, Clone, Serialize)]
pub struct Sealed {
    /// Leaves in the tree now.
    pub tree_size: i64,
    /// The tree's root, hexadecimal.
    pub root: String,
    /// Leaves added to the tree since the newest checkpoint before this seal.
    pub new_leaves: i64,
    /// True when this seal signed a new checkpoint (false: nothing new to seal).
    pub signed: bool,
    /// This laptop's receipt: the inclusion proof of its newest sealed entry.
    pub receipt: Option<Receipt>,
}

impl Org {
    /// Numbers newly arrived entries into the tree and signs a checkpoint of it.
    pub async fn seal(&mut self) -> Result<Sealed> {
        let mut tx = self.pool.begin().await?;
        let size: i64 = sqlx::query_scalar("SELECT org.sequence()")
            .fetch_one(&mut *tx)
            .await?;
        let latest: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT tree_size, root FROM org.checkpoints ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let rows: Vec<(i64, Uuid, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT leaf_index, device_id, seq, entry_hash FROM org.leaves WHERE leaf_index < $1 ORDER BY leaf_index",
        )
        .bind(size)
        .fetch_all(&mut *tx)
        .await?;
        let mut leaves: Vec<Hash> = Vec::with_capacity(rows.len());
        let mut tree = Tree::new();
        let mut latest_matches = latest.is_none();
        for (i, (index, _, _, entry_hash)) in rows.iter().enumerate() {
            if *index != i as i64 {
                return Err(OrgError::Diverged(format!(
                    "leaf {i} is missing from the organisation's tree: run `chair org verify`; nothing was sealed"
                )));
            }
            if let Some((s, root)) = &latest
                && *s == i as i64
            {
                latest_matches = tree.root().as_slice() == root.as_slice();
            }
            let l = merkle::leaf_hash(entry_hash);
            tree.push(l);
            leaves.push(l);
        }
        if let Some((s, root)) = &latest
            && *s == tree.size() as i64
        {
            latest_matches = tree.root().as_slice() == root.as_slice();
        }
        if !latest_matches {
            return Err(OrgError::Diverged(
                "the tree no longer matches the newest signed checkpoint: run `chair org verify`; nothing was sealed".into(),
            ));
        }
        let root = tree.root();
        let previous = latest.as_ref().map(|l| l.0).unwrap_or(0);
        let signed = latest.as_ref().is_none_or(|(s, _)| *s < size);
        if signed {
            let sealed_at = chair_store::time::ts(chrono::Utc::now());
            let signature = self
                .key
                .sign(&checkpoint_message(size, &root, &sealed_at))
                .to_bytes();
            sqlx::query(
                "INSERT INTO org.checkpoints (tree_size, root, signer, sealed_at, signature) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(size)
            .bind(root.as_slice())
            .bind(self.settings.device_id)
            .bind(&sealed_at)
            .bind(signature.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let me = self.settings.device_id;
        let receipt = rows
            .iter()
            .rev()
            .find(|r| r.1 == me)
            .and_then(|(index, _, seq, _)| {
                let proof = merkle::inclusion_proof(&leaves, *index as usize)?;
                Some(Receipt {
                    seq: *seq,
                    leaf_index: *index,
                    tree_size: size,
                    root: merkle::to_hex(&root),
                    proof: proof.iter().map(|h| merkle::to_hex(h)).collect(),
                })
            });
        self.settings.saw(SeenCheckpoint {
            tree_size: size,
            root: merkle::to_hex(&root),
        });
        if receipt.is_some() {
            self.settings.receipt = receipt.clone();
        }
        self.save()?;
        Ok(Sealed {
            tree_size: size,
            root: merkle::to_hex(&root),
            new_leaves: size - previous,
            signed,
            receipt,
        })
    }

    /// Verifies the organisation log as this laptop may read it, against every checkpoint it
    /// saw before; an intact log's newest checkpoint is remembered as seen.
    pub async fn verify(&mut self) -> Result<OrgReport> {
        let log = self.read_log(None).await?;
        let (log, mut report) = verify::verify_apart(log, &self.settings.checkpoints_seen).await?;
        self.check_against_copy(&log, &mut report)?;
        if report.intact
            && let Some(c) = log.checkpoints.last()
        {
            self.settings.saw(SeenCheckpoint {
                tree_size: c.tree_size,
                root: c.root.clone(),
            });
            self.save()?;
        }
        Ok(report)
    }
}
