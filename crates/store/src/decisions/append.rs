//! Appending to the chain. Every entry is appended inside `BEGIN IMMEDIATE`, which takes the
//! database's write lock before the head of the chain is read, so two writers (two windows,
//! the app and the command line) can never fork the chain; `seq` is the primary key, so a
//! sequence number can never be reused either. The database refuses UPDATE and DELETE on the
//! log (see the migrations); corrections are new entries.

use chair_core::chain::Appended;
use chair_core::decision::DecisionDraft;
use chair_core::entry::{Act, Decided, Entry};
use chair_core::{Invalid, Valid};
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use super::Details;
use crate::time::ts;
use crate::{Result, Store, StoreError, rows};

/// Appends `act` as the next entry inside `tx` (which must hold the write lock): reads the
/// head, links to it, hashes, inserts the row and its look-up rows.
async fn append(
    tx: &mut Transaction<'_, Sqlite>,
    meeting_id: Uuid,
    agenda_item_id: Option<Uuid>,
    decided_by: &str,
    act: Act,
    at: DateTime<Utc>,
) -> Result<Appended> {
    let head = super::newest(tx).await?;
    let entry = Entry {
        seq: head.entries + 1,
        id: Uuid::now_v7(),
        meeting_id,
        agenda_item_id,
        recorded_at: ts(at),
        decided_by: decided_by.to_string(),
        prev_hash: head.head,
        act,
    }
    .to_log_entry();
    let hash = entry.hash();
    let details = serde_json::to_string(&Details {
        personas: entry.personas.clone(),
        evidence: entry.evidence.clone(),
        follow_ups: entry.follow_ups.clone(),
        on_screen: entry.on_screen.clone(),
    })?;
    let (id, kind) = (entry.id.hyphenated().to_string(), entry.kind.as_str());
    let meeting = entry.meeting_id.hyphenated().to_string();
    let item = entry.agenda_item_id.map(|a| a.hyphenated().to_string());
    let direction = entry.direction.map(|d| d.as_str());
    let size = entry.size.map(|s| s.as_str());
    let stance = entry.stance.map(|s| s.as_str());
    sqlx::query!(
        "INSERT INTO decision_log (seq, id, kind, target_seq, reason, meeting_id, agenda_item_id, recorded_at,
                                   decided_by, statement, impact_direction, impact_size, impact_text, no_evidence,
                                   advocate_stance, advocate_note, details, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entry.seq,
        id,
        kind,
        entry.target_seq,
        entry.reason,
        meeting,
        item,
        entry.recorded_at,
        entry.decided_by,
        entry.statement,
        direction,
        size,
        entry.impact,
        entry.no_evidence,
        stance,
        entry.advocate_note,
        details,
        entry.prev_hash,
        hash,
    )
    .execute(&mut **tx)
    .await
    .map_err(|e| refs_error(e, "the meeting or agenda item"))?;
    // The look-up rows, each list in one statement.
    let personas = serde_json::to_string(&entry.personas)?;
    sqlx::query!(
        "INSERT INTO decision_personas (seq, persona_id) SELECT ?, value FROM json_each(?)",
        entry.seq,
        personas
    )
    .execute(&mut **tx)
    .await
    .map_err(|e| refs_error(e, "a persona named in the impact"))?;
    let evidence = serde_json::to_string(&entry.evidence)?;
    sqlx::query!(
        "INSERT INTO decision_evidence (seq, complaint_id) SELECT ?, value FROM json_each(?)",
        entry.seq,
        evidence
    )
    .execute(&mut **tx)
    .await
    .map_err(|e| refs_error(e, "a complaint given as evidence"))?;
    Ok(Appended {
        seq: entry.seq,
        entry_id: entry.id,
        hash,
    })
}

fn refs_error(e: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_foreign_key_violation()
    {
        return StoreError::NotFound(format!("{what} does not exist (any more)"));
    }
    e.into()
}

/// Checks that `item` belongs to `meeting`.
async fn check_item(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    item: Option<Uuid>,
) -> Result<()> {
    let Some(item) = item else { return Ok(()) };
    let item = item.hyphenated().to_string();
    let owner = sqlx::query_scalar!("SELECT meeting_id FROM agenda_items WHERE id = ?", item)
        .fetch_optional(&mut **tx)
        .await?;
    match owner {
        None => Err(StoreError::NotFound(
            "that agenda item does not exist (any more)".into(),
        )),
        Some(m) if m != meeting.hyphenated().to_string() => {
            Err(Invalid::new("agenda item", "belongs to another meeting").into())
        }
        Some(_) => Ok(()),
    }
}

/// The entry `seq` must exist, be a decision (not a revocation) and still stand; returns its
/// meeting and agenda item.
async fn check_target(tx: &mut Transaction<'_, Sqlite>, seq: i64) -> Result<(Uuid, Option<Uuid>)> {
    let r = sqlx::query!(
        "SELECT kind, meeting_id, agenda_item_id FROM decision_log WHERE seq = ?",
        seq
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("the decision log has no entry {seq}")))?;
    if r.kind == "revoke" {
        return Err(StoreError::Conflict(format!(
            "entry {seq} is a revocation, not a decision"
        )));
    }
    let closed = sqlx::query!(
        r#"SELECT seq AS "seq!: i64", kind FROM decision_log WHERE target_seq = ?"#,
        seq
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(c) = closed {
        let how = if c.kind == "revoke" {
            "revoked"
        } else {
            "superseded"
        };
        return Err(StoreError::Conflict(format!(
            "decision {seq} was already {how} by entry {}",
            c.seq
        )));
    }
    let meeting = rows::parse_id(&r.meeting_id, "decision log", "meeting_id")?;
    let item = r
        .agenda_item_id
        .map(|i| rows::parse_id(&i, "decision log", "agenda_item_id"))
        .transpose()?;
    Ok((meeting, item))
}

impl Store {
    /// Appends a decision; durable when this returns.
    pub async fn record_decision(
        &self,
        d: &Valid<DecisionDraft>,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        Ok(self
            .record_decisions(std::slice::from_ref(d), at)
            .await?
            .remove(0))
    }

    /// Appends several decisions in one transaction: all or none.
    pub async fn record_decisions(
        &self,
        many: &[Valid<DecisionDraft>],
        at: DateTime<Utc>,
    ) -> Result<Vec<Appended>> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let mut out = Vec::with_capacity(many.len());
        for d in many {
            check_item(&mut tx, d.meeting_id, d.agenda_item_id).await?;
            let act = Act::Decide(Decided::from_draft(d));
            out.push(
                append(
                    &mut tx,
                    d.meeting_id,
                    d.agenda_item_id,
                    &d.decided_by,
                    act,
                    at,
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Appends a decision that replaces entry `target` (which must still stand).
    pub async fn supersede_decision(
        &self,
        target: i64,
        reason: &str,
        d: &Valid<DecisionDraft>,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        let reason = chair_core::decision::correction_reason(reason)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        check_target(&mut tx, target).await?;
        check_item(&mut tx, d.meeting_id, d.agenda_item_id).await?;
        let act = Act::Supersede {
            target_seq: target,
            reason,
            decision: Decided::from_draft(d),
        };
        let done = append(
            &mut tx,
            d.meeting_id,
            d.agenda_item_id,
            &d.decided_by,
            act,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Appends the withdrawal of entry `target` (which must still stand).
    pub async fn revoke_decision(
        &self,
        target: i64,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Appended> {
        let reason = chair_core::decision::correction_reason(reason)?;
        let by = chair_core::validate::optional("decided by", by, 120)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (meeting, item) = check_target(&mut tx, target).await?;
        let act = Act::Revoke {
            target_seq: target,
            reason,
        };
        let done = append(&mut tx, meeting, item, &by, act, at).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The draft of the decision at `seq`, to start a superseding one from.
    pub async fn decision_draft(&self, seq: i64) -> Result<DecisionDraft> {
        self.entry(seq).await?.1.draft().ok_or_else(|| {
            StoreError::Conflict(format!("entry {seq} is a revocation, not a decision"))
        })
    }
}
