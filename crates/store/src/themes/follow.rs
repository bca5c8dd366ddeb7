//! Did a decision help? The complaints of the themes a decision dealt with, before and after
//! it, set against the impact it stated. Computed from the log and the complaints; the log is
//! never changed by it.

use chair_core::decision::Direction;
use chair_core::themes::{self, FollowThrough, Verdict};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::{Result, Store, StoreError};

/// A decision's follow-through: its themes and what became of their complaints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionFollowThrough {
    pub seq: i64,
    pub decided_at: DateTime<Utc>,
    pub impact: String,
    /// The themes of its evidence and of the complaints on screen when it was taken (id and
    /// name).
    pub themes: Vec<(Uuid, String)>,
    /// `None` when none of those complaints is in a theme.
    pub follow_through: Option<FollowThrough>,
}

/// A decision that stands whose customers' complaints moved against the impact it stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedAgainst {
    pub seq: i64,
    pub statement: String,
    pub meeting_title: String,
    pub follow_through: DecisionFollowThrough,
}

impl Store {
    /// What became of the complaints of decision `seq`'s themes: their rate in the `weeks.1`
    /// weeks after it against the `weeks.0` before (complaints received after `as_of` never
    /// count), set against the impact it stated.
    pub async fn follow_through(
        &self,
        seq: i64,
        as_of: DateTime<Utc>,
        weeks: (u32, u32),
    ) -> Result<DecisionFollowThrough> {
        let d = sqlx::query!(
            r#"SELECT recorded_at AS "recorded_at: DateTime<Utc>", impact_direction, kind
                 FROM decision_log WHERE seq = ?"#,
            seq
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("the log has no entry {seq}")))?;
        let impact = d.impact_direction.clone().unwrap_or_default();
        let Some(direction) = Direction::parse(&impact) else {
            return Err(StoreError::NotFound(format!(
                "entry {seq} is a {}, not a decision with a stated impact",
                d.kind
            )));
        };
        let found = sqlx::query!(
            r#"SELECT DISTINCT t.id AS "id!: Hyphenated", coalesce(t.user_name, t.name) AS "name!: String"
                 FROM (SELECT complaint_id FROM decision_evidence WHERE seq = ?1
                       UNION
                       SELECT j.value ->> 'complaint_id'
                         FROM decision_log l, json_each(l.details, '$.on_screen') j WHERE l.seq = ?1) e
                 JOIN complaints c ON c.id = e.complaint_id
                 JOIN complaint_themes ct ON ct.seq = c.seq
                 JOIN themes t ON t.id = ct.theme_id
                ORDER BY 2"#,
            seq
        )
        .fetch_all(&self.pool())
        .await?;
        let theme_ids: Vec<String> = found.iter().map(|r| r.id.to_string()).collect();
        let follow_through = if theme_ids.is_empty() {
            None
        } else {
            // Only the weeks compared are read.
            let wanted = sqlx::types::Json(&theme_ids);
            let from = crate::time::ts(d.recorded_at - Duration::weeks(i64::from(weeks.0)));
            let to =
                crate::time::ts((d.recorded_at + Duration::weeks(i64::from(weeks.1))).min(as_of));
            let received = sqlx::query_scalar!(
                r#"SELECT received_at AS "received_at!: DateTime<Utc>" FROM complaint_themes
                    WHERE theme_id IN (SELECT value FROM json_each(?))
                      AND received_at >= ? AND received_at <= ?"#,
                wanted,
                from,
                to
            )
            .fetch_all(&self.pool())
            .await?;
            let covered = self.covered(as_of).await?;
            Some(themes::follow_through(
                received,
                d.recorded_at,
                covered,
                weeks,
                direction,
            ))
        };
        Ok(DecisionFollowThrough {
            seq,
            decided_at: d.recorded_at,
            impact,
            themes: found
                .into_iter()
                .map(|r| (r.id.into_uuid(), r.name))
                .collect(),
            follow_through,
        })
    }

    /// The decisions that stand, said to help or hurt customers, whose themes' complaints
    /// moved clearly the other way in the 8 weeks after them (as of `as_of`), newest first.
    pub async fn moved_against(&self, as_of: DateTime<Utc>) -> Result<Vec<MovedAgainst>> {
        let at = crate::time::ts(as_of);
        let candidates = sqlx::query!(
            r#"SELECT d.seq AS "seq!: i64", d.statement, m.title
                 FROM current_decisions d JOIN meetings m ON m.id = d.meeting_id
                WHERE d.impact_direction IN ('helps', 'hurts') AND d.recorded_at <= ?
                ORDER BY d.seq DESC"#,
            at
        )
        .fetch_all(&self.pool())
        .await?;
        let mut out = Vec::new();
        for c in candidates {
            let f = self.follow_through(c.seq, as_of, (8, 8)).await?;
            if f.follow_through
                .as_ref()
                .is_some_and(|t| t.verdict == Verdict::Against)
            {
                out.push(MovedAgainst {
                    seq: c.seq,
                    statement: c.statement,
                    meeting_title: c.title,
                    follow_through: f,
                });
            }
        }
        Ok(out)
    }
}
