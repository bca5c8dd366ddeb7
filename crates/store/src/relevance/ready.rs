//! Agenda items ranked ahead of the meeting. Items are known before the room meets: each one's
//! list is ranked when it is saved or edited and when complaints or their meaning vectors
//! arrive ([`Store::prepare_item_lists`], run by the app in the background), so that live mode
//! and the advocate's seat read a ready list ([`Store::relevant_for_item`]).
//!
//! A ready list is the ranking before the room's marks, kept with a digest of what it was
//! ranked from. It is read only while that digest still holds and it is less than
//! [`READY_FOR`] old (recency moves scores a little each day); otherwise the item is ranked
//! again and the new list kept.

use chair_core::relevance::{ItemText, Params, PersonaHints, RelevantComplaint, pipeline};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::cache::ThesaurusEntries;
use crate::time::ts;
use crate::{Result, Store, StoreError};

/// How many groups deep a list is ranked ahead: the room's limit and its marks fit in it (a
/// deeper request ranks a deeper list, and keeps that).
pub const READY_DEPTH: usize = 40;

/// How long a ready list is read before it is ranked again for recency.
pub const READY_FOR: Duration = Duration::hours(12);

/// Changes whenever the ranking's code changes what a list holds, so that lists kept by an
/// earlier version are ranked again.
const RANKING_VERSION: u32 = 1;

/// What [`Store::prepare_item_lists`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListsPrepared {
    /// Items ranked now.
    pub ranked: usize,
    /// Items whose kept list still held.
    pub ready: usize,
}

/// What every item's list is ranked from besides the item: read once per round of ranking.
pub(super) struct Collection {
    thesaurus: ThesaurusEntries,
    /// The newest complaint (the store only adds complaints).
    newest: i64,
    /// The language model in use and how many complaints it has read.
    meaning: Option<(String, i64)>,
}

/// Everything a list is ranked from; its digest names the list's inputs.
#[derive(Serialize)]
struct Inputs<'a> {
    version: u32,
    item: &'a ItemText,
    hints: &'a PersonaHints,
    thesaurus: &'a ThesaurusEntries,
    newest: i64,
    meaning: Option<&'a (String, i64)>,
    params: String,
}

impl Store {
    /// Ranks, in the background of a session, the agenda items of every meeting not yet closed
    /// whose kept list no longer holds: live meetings first, then by date and position.
    pub async fn prepare_item_lists(&self, now: DateTime<Utc>) -> Result<ListsPrepared> {
        let items = sqlx::query_scalar!(
            r#"SELECT a.id AS "id: Hyphenated" FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
                WHERE m.status != 'closed'
                ORDER BY m.status = 'live' DESC, m.scheduled_at, m.id, a.position"#
        )
        .fetch_all(&self.pool())
        .await?;
        let mut done = ListsPrepared::default();
        let collection = self.collection_inputs().await?;
        for id in items {
            let id = id.into_uuid();
            let (text, hints) = match self.item_inputs(id).await {
                Ok(inputs) => inputs,
                // Deleted meanwhile.
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            match self
                .ready_list(id, &text, &hints, READY_DEPTH, now, &collection)
                .await?
            {
                (_, true) => done.ready += 1,
                (_, false) => done.ranked += 1,
            }
        }
        Ok(done)
    }

    /// The words of a stored agenda item and what the personas in its meeting's chair add.
    pub(super) async fn item_inputs(&self, item: Uuid) -> Result<(ItemText, PersonaHints)> {
        let iid = item.hyphenated();
        let row = sqlx::query!(
            r#"SELECT meeting_id AS "meeting_id: Hyphenated", title, description, customer_problem,
                      keywords AS "keywords: Json<Vec<String>>"
                 FROM agenda_items WHERE id = ?"#,
            iid
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("that agenda item no longer exists".into()))?;
        let text = ItemText {
            title: row.title,
            description: row.description,
            customer_problem: row.customer_problem,
            keywords: row.keywords.0,
        };
        Ok((text, self.chair_hints(row.meeting_id.into_uuid()).await?))
    }

    /// Item `item`'s list before marks, at least `depth` groups deep, ranked as of `now`
    /// over `collection`: the kept one if it still holds (and `true`), else ranked now and
    /// kept (and `false`).
    pub(super) async fn ready_list(
        &self,
        item: Uuid,
        text: &ItemText,
        hints: &PersonaHints,
        depth: usize,
        now: DateTime<Utc>,
        collection: &Collection,
    ) -> Result<(Vec<RelevantComplaint>, bool)> {
        let params = Params::default();
        let inputs = digest(collection, text, hints, &params)?;
        let iid = item.hyphenated();
        let kept = sqlx::query!(
            r#"SELECT inputs, depth, ranked_at AS "ranked_at: DateTime<Utc>",
                      list AS "list: Json<Vec<RelevantComplaint>>"
                 FROM ready_lists WHERE agenda_item_id = ?"#,
            iid
        )
        .fetch_optional(&self.pool())
        .await;
        match kept {
            Ok(Some(k))
                if k.inputs == inputs
                    && k.depth >= depth as i64
                    && k.ranked_at <= now
                    && now - k.ranked_at < READY_FOR =>
            {
                return Ok((k.list.0, true));
            }
            Ok(_) => {}
            // A list written by another version that cannot be read is ranked again.
            Err(sqlx::Error::ColumnDecode { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let depth = depth.max(READY_DEPTH);
        // The thesaurus digested, not whatever the user saved since.
        let thesaurus = self.thesaurus_of(collection.thesaurus.clone());
        let mut source = self.source().await?;
        let list = pipeline::ranked_list(&mut source, text, hints, &thesaurus, now, depth, &params)
            .await?;
        if source.meaning_failed {
            // Ranked by words for want of a model that runs: not what the digest says.
            return Ok((list, false));
        }
        let (json, at, depth) = (Json(&list), ts(now), depth as i64);
        let written = sqlx::query!(
            "INSERT INTO ready_lists (agenda_item_id, inputs, depth, ranked_at, list)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (agenda_item_id) DO UPDATE SET inputs = excluded.inputs,
                 depth = excluded.depth, ranked_at = excluded.ranked_at, list = excluded.list",
            iid,
            inputs,
            depth,
            at,
            json
        )
        .execute(&self.pool())
        .await;
        match written {
            Ok(_) => {}
            // Deleted while it was ranked.
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {}
            // A database that cannot be written to (busy, read-only) only means ranking again.
            Err(e) => tracing::debug!("a ranked list is not kept: {e}"),
        }
        Ok((list, false))
    }

    /// What every item's list is ranked from besides the item, as stored now.
    pub(super) async fn collection_inputs(&self) -> Result<Collection> {
        let thesaurus = self.thesaurus_entries().await?;
        let newest: i64 =
            sqlx::query_scalar!(r#"SELECT coalesce(max(seq), 0) AS "n!: i64" FROM complaints"#)
                .fetch_one(&self.pool())
                .await?;
        let meaning = match self.embedder() {
            Some(e) => {
                let name = e.name().to_string();
                let read: i64 = sqlx::query_scalar!(
                    r#"SELECT count(*) AS "n!: i64" FROM complaint_embeddings WHERE model = ?"#,
                    name
                )
                .fetch_one(&self.pool())
                .await?;
                Some((name, read))
            }
            None => None,
        };
        Ok(Collection {
            thesaurus,
            newest,
            meaning,
        })
    }
}

/// The digest of everything an item's list is ranked from.
fn digest(
    collection: &Collection,
    item: &ItemText,
    hints: &PersonaHints,
    params: &Params,
) -> Result<String> {
    let inputs = Inputs {
        version: RANKING_VERSION,
        item,
        hints,
        thesaurus: &collection.thesaurus,
        newest: collection.newest,
        meaning: collection.meaning.as_ref(),
        params: format!("{params:?}"),
    };
    let bytes = serde_json::to_vec(&inputs)
        .map_err(|e| StoreError::Corrupt(format!("the inputs of a ranking: {e}")))?;
    Ok(format!("{:x}", Sha256::digest(bytes)))
}
