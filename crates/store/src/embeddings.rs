//! What complaints mean: their sentence embeddings, computed by the language model in the
//! background (newest complaints first, a batch per transaction, so a run stopped anywhere
//! resumes where it stopped) and kept in `complaint_embeddings`.
//!
//! The ranking uses them where they exist (see `chair_core::relevance::dense`); without a
//! model, or before a complaint is embedded, it ranks by words alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chair_core::relevance::ItemText;
use chair_core::relevance::dense::{
    EmbedStatus, Embedder, VectorIndex, complaint_text, item_text, quantize,
};
use chair_core::relevance::pipeline::Meaning as ItemMeaning;

use crate::{Result, Store, StoreError};

/// How many complaints are embedded per batch (and per transaction).
const BATCH: usize = 16;

/// The model a store embeds with, and the vectors it has read.
#[derive(Default)]
pub(crate) struct Meaning {
    embedder: Mutex<Option<Arc<dyn Embedder>>>,
    /// The vectors, with how many rows they were read from.
    vectors: Mutex<Option<(i64, Arc<VectorIndex>)>>,
    /// Held while the vectors are read.
    reading: tokio::sync::Mutex<()>,
    /// Held by the one embedding run at a time.
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Meaning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = lock(&self.embedder).as_ref().map(|e| e.name().to_string());
        f.debug_struct("Meaning").field("model", &name).finish()
    }
}

/// What an item means, as far as the model in use can tell.
pub(crate) enum ItemVector {
    /// No model, or no complaint read by it yet: ranking by words is all there is.
    Absent,
    /// The model could not read the item: ranked by words until it can.
    Failed,
    Ready(ItemMeaning),
}

fn model_failed(why: String) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("the language model could not run: {why}"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Ranks by meaning too, with `embedder`, from now on (vectors of another model are not
    /// used).
    pub fn use_embedder(&self, embedder: Arc<dyn Embedder>) {
        let meaning = &self.relevance_caches().meaning;
        *lock(&meaning.embedder) = Some(embedder);
        *lock(&meaning.vectors) = None;
    }

    /// The model in use, if any.
    pub fn embedder(&self) -> Option<Arc<dyn Embedder>> {
        lock(&self.relevance_caches().meaning.embedder).clone()
    }

    /// How many complaints have an embedding of the model in use (none without one).
    pub async fn embed_status(&self) -> Result<EmbedStatus> {
        let model = self
            .embedder()
            .map(|e| e.name().to_string())
            .unwrap_or_default();
        let total: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM complaints"#)
            .fetch_one(&self.pool())
            .await?;
        let embedded: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM complaint_embeddings WHERE model = ?"#,
            model
        )
        .fetch_one(&self.pool())
        .await?;
        Ok(EmbedStatus { embedded, total })
    }

    /// Embeds every complaint that has no embedding of the model in use, newest first,
    /// calling `progress` after each batch, until done or `cancel` is set. Each batch is
    /// committed on its own. Returns how many it embedded; with no model, does nothing. One
    /// run at a time: a second call waits for the first, then finds little left to do.
    pub async fn embed_pending(
        &self,
        mut progress: impl FnMut(EmbedStatus) + Send,
        cancel: &AtomicBool,
    ) -> Result<usize> {
        let Some(embedder) = self.embedder() else {
            return Ok(0);
        };
        let meaning = &self.relevance_caches().meaning;
        let _one = meaning.running.lock().await;
        let model = embedder.name().to_string();
        let pending: Vec<i64> = sqlx::query_scalar!(
            r#"SELECT c.seq AS "seq!: i64" FROM complaints c
                WHERE NOT EXISTS (SELECT 1 FROM complaint_embeddings e
                                   WHERE e.seq = c.seq AND e.model = ?)
                ORDER BY c.received_at DESC, c.seq DESC"#,
            model
        )
        .fetch_all(&self.pool())
        .await?;
        let mut status = self.embed_status().await?;
        progress(status);
        let mut done = 0;
        for batch in pending.chunks(BATCH) {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let wanted = sqlx::types::Json(batch);
            let rows = sqlx::query!(
                r#"SELECT c.seq AS "seq!: i64", c.title, c.body
                     FROM json_each(?) AS j JOIN complaints c ON c.seq = j.value"#,
                wanted
            )
            .fetch_all(&self.pool())
            .await?;
            let texts: Vec<String> = rows
                .iter()
                .map(|r| complaint_text(&r.title, &r.body))
                .collect();
            let model_ref = Arc::clone(&embedder);
            let vectors = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                model_ref.embed(&refs)
            })
            .await
            .map_err(|e| model_failed(e.to_string()))?
            .map_err(model_failed)?;
            let mut tx = self.pool().begin().await?;
            for (r, v) in rows.iter().zip(&vectors) {
                let bytes = quantize(v);
                sqlx::query!(
                    "INSERT INTO complaint_embeddings (seq, model, vector) VALUES (?, ?, ?)
                     ON CONFLICT (seq) DO UPDATE SET model = excluded.model, vector = excluded.vector",
                    r.seq,
                    model,
                    bytes
                )
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            done += rows.len();
            status.embedded = (status.embedded + rows.len() as i64).min(status.total);
            progress(status);
        }
        Ok(done)
    }

    /// The vectors of the model in use and the vector of `item`: absent without a model or
    /// before any complaint is embedded, failed when the model cannot run (said in the log).
    pub(crate) async fn item_vector(&self, item: &ItemText) -> Result<ItemVector> {
        let Some(embedder) = self.embedder() else {
            return Ok(ItemVector::Absent);
        };
        let vectors = self.vectors(embedder.name(), embedder.dim()).await?;
        if vectors.is_empty() {
            return Ok(ItemVector::Absent);
        }
        let text = item_text(item);
        let wanted = tokio::task::spawn_blocking(move || embedder.embed(&[text.as_str()]))
            .await
            .map_err(|e| model_failed(e.to_string()))?;
        match wanted {
            Ok(mut wanted) => Ok(match wanted.pop() {
                Some(v) => ItemVector::Ready((vectors, v)),
                None => ItemVector::Failed,
            }),
            // A model that cannot run leaves the ranking to words, as no model does.
            Err(why) => {
                tracing::warn!("ranking by words alone: the language model could not run: {why}");
                Ok(ItemVector::Failed)
            }
        }
    }

    /// Every stored vector of `model`, read again when rows were added.
    async fn vectors(&self, model: &str, dim: usize) -> Result<Arc<VectorIndex>> {
        let meaning = &self.relevance_caches().meaning;
        let rows: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM complaint_embeddings WHERE model = ?"#,
            model
        )
        .fetch_one(&self.pool())
        .await?;
        let current = || {
            lock(&meaning.vectors)
                .as_ref()
                .filter(|(n, _)| *n == rows)
                .map(|(_, v)| Arc::clone(v))
        };
        if let Some(v) = current() {
            return Ok(v);
        }
        let _reading = meaning.reading.lock().await;
        if let Some(v) = current() {
            return Ok(v);
        }
        let stored = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", vector FROM complaint_embeddings WHERE model = ?"#,
            model
        )
        .fetch_all(&self.pool())
        .await?;
        let mut index = VectorIndex::new(dim);
        let mut unreadable = 0;
        for r in &stored {
            if !index.push(r.seq, &r.vector) {
                unreadable += 1;
            }
        }
        if unreadable > 0 {
            tracing::warn!(
                unreadable,
                "complaint embeddings of the wrong size were left out"
            );
        }
        let index = Arc::new(index);
        *lock(&meaning.vectors) = Some((stored.len() as i64, Arc::clone(&index)));
        Ok(index)
    }
}
