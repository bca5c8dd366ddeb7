//! The leaders' dashboard: over the decisions that stand (`current_decisions`), how many a
//! week by the direction of their customer impact, how often the advocate objected, how many
//! had customer evidence, and what is left to do.

use chair_core::audit::{Dashboard, WeekCount, week_of};
use chair_core::decision::Direction;
use chrono::NaiveDate;

use crate::{Result, Store};

impl Store {
    /// The leaders' dashboard over current decisions, as of `today`.
    pub async fn dashboard(&self, today: NaiveDate, weeks: u32) -> Result<Dashboard> {
        let since = week_of(today) - chrono::Duration::weeks(i64::from(weeks.max(1)) - 1);
        let since_text = since.to_string();
        let counts = sqlx::query!(
            r#"SELECT date(substr(d.recorded_at, 1, 10), 'weekday 0', '-6 days') AS "week!: String",
                      d.impact_direction AS "direction!: String", count(*) AS "n!: i64"
                 FROM current_decisions d WHERE d.recorded_at >= ?
                GROUP BY 1, 2 ORDER BY 1"#,
            since_text
        )
        .fetch_all(&self.pool())
        .await?;
        let mut weeks_out = WeekCount::up_to(today, weeks);
        for c in counts {
            let Some(slot) = weeks_out.iter_mut().find(|x| x.week.to_string() == c.week) else {
                continue;
            };
            let direction = Direction::parse(&c.direction).ok_or_else(|| {
                super::corrupt_row(&format!("unknown impact direction \"{}\"", c.direction))
            })?;
            slot.add(direction, c.n);
        }
        let totals = sqlx::query!(
            r#"SELECT count(*) AS "total!: i64",
                      coalesce(sum(d.advocate_stance = 'objects'), 0) AS "objected!: i64",
                      coalesce(sum(d.no_evidence = 0), 0) AS "evidenced!: i64"
                 FROM current_decisions d"#
        )
        .fetch_one(&self.pool())
        .await?;
        let today_text = today.to_string();
        let follow_ups = sqlx::query!(
            r#"SELECT count(*) AS "open!: i64", coalesce(sum(f.value ->> 'due' < ?), 0) AS "past_due!: i64"
                 FROM current_decisions d, json_each(d.details, '$.follow_ups') f
                WHERE NOT EXISTS (SELECT 1 FROM follow_ups_done x WHERE x.seq = d.seq AND x.position = f.key)"#,
            today_text
        )
        .fetch_one(&self.pool())
        .await?;
        let (escalations_open, escalations_overdue) = self.escalation_counts(today).await?;
        let share = |n: i64| {
            if totals.total == 0 {
                0.0
            } else {
                n as f64 / totals.total as f64
            }
        };
        Ok(Dashboard {
            decisions: totals.total,
            weeks: weeks_out,
            objection_rate: share(totals.objected),
            evidence_rate: share(totals.evidenced),
            follow_ups_open: follow_ups.open,
            follow_ups_past_due: follow_ups.past_due,
            escalations_open,
            escalations_overdue,
        })
    }
}
