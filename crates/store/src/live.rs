//! Live meetings: the current item, timers, the advocate's timeline, closing with minutes and
//! carrying items forward. The database is the single source of truth: both the facilitator's
//! window and the advocate's seat read [`LiveState`] after every change, so a restart of either
//! loses nothing. "?" escalations raised in a meeting are in [`crate::escalations`].

use chair_core::Valid;
use chair_core::audit::{AuditFilter, StatusFilter};
use chair_core::live::{AdvocateInput, EventKind, ItemClock, LiveState, MeetingEvent, Unfinished};
use chair_core::meeting::{AgendaItem, MeetingStatus, series_of};
use chair_core::minutes::{Minutes, minutes};
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use crate::rows;
use crate::time::ts;
use crate::{Result, Store, StoreError};

/// Stops every running timer of `meeting`, adding the running stretch to the time spent.
async fn pause_all(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    let hid = meeting.hyphenated().to_string();
    let running = sqlx::query!(
        r#"SELECT id, running_since AS "running_since!" FROM agenda_items
            WHERE meeting_id = ? AND running_since IS NOT NULL"#,
        hid
    )
    .fetch_all(&mut **tx)
    .await?;
    for r in running {
        let since = rows::parse_time(&r.running_since, "agenda item", "running_since")?;
        let add = (at - since).num_seconds().max(0);
        sqlx::query!(
            "UPDATE agenda_items SET spent_seconds = spent_seconds + ?, running_since = NULL WHERE id = ?",
            add,
            r.id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A moment of the timeline, stamped now with a fresh id; the caller fills in the rest.
pub(crate) fn moment(kind: EventKind, item: Option<Uuid>, at: DateTime<Utc>) -> MeetingEvent {
    MeetingEvent {
        id: Uuid::now_v7(),
        at,
        kind,
        agenda_item_id: item,
        text: String::new(),
        complaint_id: None,
        by: String::new(),
    }
}

/// Writes a moment of `meeting`'s timeline.
pub(crate) async fn event(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    e: MeetingEvent,
) -> Result<MeetingEvent> {
    let (id, meeting) = (
        e.id.hyphenated().to_string(),
        meeting.hyphenated().to_string(),
    );
    let item = e.agenda_item_id.map(|i| i.hyphenated().to_string());
    let (at, kind) = (ts(e.at), e.kind.as_str());
    let complaint = e.complaint_id.map(|c| c.hyphenated().to_string());
    sqlx::query!(
        "INSERT INTO meeting_events (id, meeting_id, agenda_item_id, at, kind, text, complaint_id, by_whom)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        meeting,
        item,
        at,
        kind,
        e.text,
        complaint,
        e.by
    )
    .execute(&mut **tx)
    .await?;
    Ok(e)
}

fn not_live(status: MeetingStatus) -> StoreError {
    match status {
        MeetingStatus::Closed => StoreError::Conflict("this meeting is closed".into()),
        _ => StoreError::Conflict("this meeting has not started; start it first".into()),
    }
}

impl Store {
    /// Starts a planned meeting (or resumes a live one) on its first agenda item.
    pub async fn start_meeting(&self, id: Uuid, at: DateTime<Utc>) -> Result<LiveState> {
        let meeting = self.meeting(id).await?;
        match meeting.status {
            MeetingStatus::Closed => {
                return Err(StoreError::Conflict(
                    "this meeting is closed; copy it to meet again".into(),
                ));
            }
            MeetingStatus::Live => return self.live_state(id, at).await,
            MeetingStatus::Planned => {}
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let first = meeting.items.first().map(|i| i.id);
        let (started_at, hid) = (ts(at), id.hyphenated().to_string());
        let current = first.map(|f| f.hyphenated().to_string());
        sqlx::query!(
            "UPDATE meetings SET status = 'live', started_at = ?1, current_item_id = ?2, updated_at = ?1
              WHERE id = ?3",
            started_at,
            current,
            hid
        )
        .execute(&mut *tx)
        .await?;
        event(&mut tx, id, moment(EventKind::Started, None, at)).await?;
        if let Some(first) = first {
            open_item(&mut tx, id, first, at).await?;
        }
        tx.commit().await?;
        self.live_state(id, at).await
    }

    /// Moves a live meeting to `item`: the previous item's timer stops, this one's starts.
    pub async fn go_to_item(&self, meeting: Uuid, item: Uuid, at: DateTime<Utc>) -> Result<()> {
        let m = self.meeting(meeting).await?;
        if m.status != MeetingStatus::Live {
            return Err(not_live(m.status));
        }
        if !m.items.iter().any(|i| i.id == item) {
            return Err(StoreError::NotFound(
                "that agenda item is not in this meeting".into(),
            ));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        pause_all(&mut tx, meeting, at).await?;
        let (current, hid) = (
            item.hyphenated().to_string(),
            meeting.hyphenated().to_string(),
        );
        sqlx::query!(
            "UPDATE meetings SET current_item_id = ? WHERE id = ?",
            current,
            hid
        )
        .execute(&mut *tx)
        .await?;
        open_item(&mut tx, meeting, item, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts or pauses the current item's timer.
    pub async fn set_timer(&self, meeting: Uuid, running: bool, at: DateTime<Utc>) -> Result<()> {
        let state = self.live_state(meeting, at).await?;
        if state.meeting.status != MeetingStatus::Live {
            return Err(not_live(state.meeting.status));
        }
        let Some(item) = state.current_item_id else {
            return Ok(());
        };
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        pause_all(&mut tx, meeting, at).await?;
        if running {
            let (since, hid) = (ts(at), item.hyphenated().to_string());
            sqlx::query!(
                "UPDATE agenda_items SET running_since = ? WHERE id = ?",
                since,
                hid
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records what the advocate says about the current item.
    pub async fn advocate_says(
        &self,
        meeting: Uuid,
        input: &Valid<AdvocateInput>,
        at: DateTime<Utc>,
    ) -> Result<MeetingEvent> {
        let state = self.live_state(meeting, at).await?;
        if state.meeting.status != MeetingStatus::Live {
            return Err(not_live(state.meeting.status));
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let said = MeetingEvent {
            text: input.text.clone(),
            by: input.by.clone(),
            ..moment(input.kind, state.current_item_id, at)
        };
        let e = event(&mut tx, meeting, said).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Everything both windows of a meeting show, as of `now`.
    pub async fn live_state(&self, id: Uuid, now: DateTime<Utc>) -> Result<LiveState> {
        let meeting = self.meeting(id).await?;
        let hid = id.hyphenated().to_string();
        let current = sqlx::query_scalar!("SELECT current_item_id FROM meetings WHERE id = ?", hid)
            .fetch_one(&self.pool())
            .await?;
        let rows = sqlx::query!(
            r#"SELECT a.id, a.spent_seconds, a.running_since, a.discussed,
                      (SELECT count(*) FROM current_decisions d WHERE d.agenda_item_id = a.id) AS "decisions!: i64"
                 FROM agenda_items a WHERE a.meeting_id = ? ORDER BY a.position"#,
            hid
        )
        .fetch_all(&self.pool())
        .await?;
        let mut clocks = Vec::with_capacity(rows.len());
        for r in rows {
            let running = r
                .running_since
                .map(|s| rows::parse_time(&s, "agenda item", "running_since"))
                .transpose()?;
            clocks.push(ItemClock {
                agenda_item_id: rows::parse_id(&r.id, "agenda item", "id")?,
                spent_seconds: r.spent_seconds
                    + running.map(|s| (now - s).num_seconds().max(0)).unwrap_or(0),
                running: running.is_some(),
                discussed: r.discussed != 0,
                decisions: r.decisions,
            });
        }
        let events = self.meeting_events(id, 200).await?;
        let current_item_id = current
            .map(|c| rows::parse_id(&c, "meeting", "current_item_id"))
            .transpose()?;
        let stances = chair_core::live::seat_stances(&events);
        let open_escalations = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM escalations WHERE meeting_id = ? AND answered_at IS NULL"#,
            hid
        )
        .fetch_one(&self.pool())
        .await?;
        Ok(LiveState {
            meeting,
            current_item_id,
            clocks,
            events,
            stances,
            open_escalations,
            now,
        })
    }

    /// The most recently started meeting that is still live.
    pub async fn current_live_meeting(&self) -> Result<Option<Uuid>> {
        let id = sqlx::query_scalar!(
            "SELECT id FROM meetings WHERE status = 'live' ORDER BY started_at DESC LIMIT 1"
        )
        .fetch_optional(&self.pool())
        .await?;
        id.map(|id| rows::parse_id(&id, "meeting", "id"))
            .transpose()
    }

    /// A meeting's timeline, newest first.
    pub async fn meeting_events(&self, meeting: Uuid, limit: i64) -> Result<Vec<MeetingEvent>> {
        let hid = meeting.hyphenated().to_string();
        let rows = sqlx::query!(
            "SELECT id, at, kind, agenda_item_id, text, complaint_id, by_whom FROM meeting_events
              WHERE meeting_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            hid,
            limit
        )
        .fetch_all(&self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let kind = r.kind;
                Ok(MeetingEvent {
                    id: rows::parse_id(&r.id, "meeting event", "id")?,
                    at: rows::parse_time(&r.at, "meeting event", "at")?,
                    kind: EventKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown meeting event \"{kind}\""))
                    })?,
                    agenda_item_id: r
                        .agenda_item_id
                        .map(|i| rows::parse_id(&i, "meeting event", "agenda_item_id"))
                        .transpose()?,
                    text: r.text,
                    complaint_id: r
                        .complaint_id
                        .map(|c| rows::parse_id(&c, "meeting event", "complaint_id"))
                        .transpose()?,
                    by: r.by_whom,
                })
            })
            .collect()
    }

    /// Closes a live meeting: timers stop, the items in `carry` are kept for the next meeting of
    /// the same title, and the minutes are written and stored. Returns the minutes.
    pub async fn close_meeting(
        &self,
        id: Uuid,
        carry: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<Minutes> {
        let m = self.meeting(id).await?;
        if m.status != MeetingStatus::Live {
            return Err(not_live(m.status));
        }
        let hid = id.hyphenated().to_string();
        {
            let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
            pause_all(&mut tx, id, at).await?;
            for item in carry {
                let item = item.hyphenated().to_string();
                sqlx::query!(
                    "UPDATE agenda_items SET carry_forward = 1 WHERE id = ? AND meeting_id = ?",
                    item,
                    hid
                )
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        let state = self.live_state(id, at).await?;
        let decisions = self
            .audit_query(
                &AuditFilter {
                    meeting_id: Some(id),
                    status: StatusFilter::All,
                    sort: chair_core::audit::Sort::Oldest,
                    ..Default::default()
                },
                0,
                i64::MAX,
                false,
            )
            .await?;
        let escalations = self.meeting_escalations(id, at.date_naive()).await?;
        let written = minutes(
            &state.meeting,
            &state.clocks,
            &decisions,
            &state.events,
            &escalations,
            at,
        );
        let (closed_at, markdown) = (ts(at), written.markdown());
        let blocks = serde_json::to_string(&written)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query!(
            "UPDATE meetings SET status = 'closed', closed_at = ?1, minutes = ?2, minutes_blocks = ?3,
                                 current_item_id = NULL, updated_at = ?1
              WHERE id = ?4",
            closed_at,
            markdown,
            blocks,
            hid
        )
        .execute(&mut *tx)
        .await?;
        event(&mut tx, id, moment(EventKind::Closed, None, at)).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// The minutes of a closed meeting as the window shows them (none before it closes).
    pub async fn meeting_minutes(&self, id: Uuid) -> Result<Minutes> {
        let hid = id.hyphenated().to_string();
        let r = sqlx::query!(
            "SELECT minutes, minutes_blocks FROM meetings WHERE id = ?",
            hid
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("that meeting no longer exists".into()))?;
        match r.minutes_blocks {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("the minutes of meeting {id} cannot be read: {e}"))
            }),
            // Closed before the structured minutes were kept.
            None => Ok(Minutes::from_markdown(&r.minutes)),
        }
    }

    /// The minutes of a closed meeting as written for export, in Markdown (empty before it
    /// closes).
    pub async fn minutes_markdown(&self, id: Uuid) -> Result<String> {
        let hid = id.hyphenated().to_string();
        sqlx::query_scalar!("SELECT minutes FROM meetings WHERE id = ?", hid)
            .fetch_optional(&self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound("that meeting no longer exists".into()))
    }

    /// The items the last closed meeting of `title`'s series (the same title but for numbers:
    /// "week 47" is followed by "week 48") left to carry forward and that no meeting has taken
    /// up yet, with that meeting.
    pub async fn unfinished_items(&self, title: &str) -> Result<Option<Unfinished>> {
        let series = series_of(title);
        if series.is_empty() {
            return Ok(None);
        }
        let closed = sqlx::query!(
            "SELECT id, title FROM meetings WHERE status = 'closed' ORDER BY closed_at DESC"
        )
        .fetch_all(&self.pool())
        .await?;
        let last = closed
            .into_iter()
            .find(|m| series_of(&m.title) == series)
            .map(|m| m.id);
        let Some(last) = last
            .map(|l| rows::parse_id(&l, "meeting", "id"))
            .transpose()?
        else {
            return Ok(None);
        };
        let taken = sqlx::query_scalar!(
            r#"SELECT carried_from AS "carried_from!" FROM agenda_items WHERE carried_from IS NOT NULL"#
        )
        .fetch_all(&self.pool())
        .await?;
        let hid = last.hyphenated().to_string();
        let flagged = sqlx::query_scalar!(
            "SELECT id FROM agenda_items WHERE meeting_id = ? AND carry_forward = 1",
            hid
        )
        .fetch_all(&self.pool())
        .await?;
        let items: Vec<AgendaItem> = self
            .agenda(last)
            .await?
            .into_iter()
            .filter(|i| {
                flagged.contains(&i.id.hyphenated().to_string())
                    && !taken.contains(&i.id.hyphenated().to_string())
            })
            .collect();
        if items.is_empty() {
            return Ok(None);
        }
        let summary = self
            .list_meetings()
            .await?
            .into_iter()
            .find(|m| m.id == last);
        Ok(summary.map(|meeting| Unfinished { meeting, items }))
    }
}

/// Makes `item` the one under discussion: discussed, its timer running, noted in the timeline.
async fn open_item(
    tx: &mut Transaction<'_, Sqlite>,
    meeting: Uuid,
    item: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    let (since, hid) = (ts(at), item.hyphenated().to_string());
    sqlx::query!(
        "UPDATE agenda_items SET discussed = 1, running_since = ? WHERE id = ?",
        since,
        hid
    )
    .execute(&mut **tx)
    .await?;
    event(tx, meeting, moment(EventKind::Item, Some(item), at)).await?;
    Ok(())
}
