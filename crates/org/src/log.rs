//! The organisation's decisions as leaders read them: one row per entry with its team,
//! laptop and meeting (from the meeting's newest snapshot), and its CSV and Markdown forms.
//! The JSON export is the verifiable [`crate::OrgLog`] itself.

use serde::Serialize;
use uuid::Uuid;

use crate::{Org, OrgError, Result};

/// One entry of the organisation log, for reading.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LogRow {
    pub team: String,
    pub device: String,
    pub device_id: Uuid,
    pub seq: i64,
    pub entry_id: Uuid,
    pub kind: String,
    pub recorded_at: String,
    pub decided_by: String,
    pub meeting: Option<String>,
    pub statement: String,
    pub direction: Option<String>,
    pub impact: String,
    pub stance: Option<String>,
    /// The entry this one supersedes or revokes, by id.
    pub closes: Option<Uuid>,
    pub reason: String,
    /// Hexadecimal.
    pub hash: String,
}

impl Org {
    /// The entries this laptop may read, oldest first; `team` alone when given.
    pub async fn log(&self, team: Option<&str>) -> Result<Vec<LogRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_ROWS} WHERE $1::text IS NULL OR d.team = $1
              ORDER BY e.recorded_at, d.team, d.name, e.seq"
        )))
        .bind(team)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The organisation audit's filters: each one narrows the list; `limit` rows at most, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AuditQuery {
    pub team: Option<String>,
    pub device: Option<Uuid>,
    /// helps, hurts, mixed, neutral or unknown.
    pub direction: Option<String>,
    /// Only entries recorded at or after this time (RFC 3339).
    pub since: Option<String>,
    /// At most this many rows (200 when 0).
    pub limit: i64,
}

impl Org {
    /// The newest entries this laptop may read that match `q`. The statement names only the
    /// filters given, so that PostgreSQL plans each shape of query for its own indexes.
    pub async fn audit(&self, q: &AuditQuery) -> Result<Vec<LogRow>> {
        let limit = if q.limit <= 0 {
            200
        } else {
            q.limit.min(5_000)
        };
        let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(SELECT_ROWS);
        sql.push(" WHERE true");
        if let Some(team) = &q.team {
            sql.push(" AND e.team = ").push_bind(team.clone());
        }
        if let Some(device) = q.device {
            sql.push(" AND e.device_id = ").push_bind(device);
        }
        if let Some(direction) = &q.direction {
            sql.push(" AND e.body->>'direction' = ")
                .push_bind(direction.clone());
        }
        if let Some(since) = &q.since {
            let since = chrono::DateTime::parse_from_rfc3339(since)
                .map_err(|e| OrgError::Invalid(format!("since {since}: not a time ({e})")))?;
            sql.push(" AND e.recorded_at >= ").push_bind(since);
        }
        sql.push(" ORDER BY e.recorded_at DESC, e.arrival DESC LIMIT ")
            .push_bind(limit);
        Ok(sql.build_query_as().fetch_all(&self.pool).await?)
    }
}

/// Each entry as a [`LogRow`], its meeting named by the newest snapshot of it.
const SELECT_ROWS: &str = "SELECT d.team, d.name AS device, e.device_id, e.seq, e.entry_id,
        e.body->>'kind' AS kind, e.body->>'recorded_at' AS recorded_at,
        e.body->>'decided_by' AS decided_by,
        (SELECT s.content->>'title' FROM org.snapshots s
          WHERE s.device_id = e.device_id AND s.kind = 'meeting'
            AND s.object_id = (e.body->>'meeting_id')::uuid
          ORDER BY s.taken_at DESC LIMIT 1) AS meeting,
        e.body->>'statement' AS statement, e.body->>'direction' AS direction,
        e.body->>'impact' AS impact, e.body->>'stance' AS stance,
        (e.body->'target'->>'id')::uuid AS closes, e.body->>'reason' AS reason,
        encode(e.hash, 'hex') AS hash
   FROM org.entries e JOIN org.devices d ON d.id = e.device_id";

const COLUMNS: [&str; 15] = [
    "team",
    "laptop",
    "seq",
    "entry_id",
    "kind",
    "recorded_at",
    "decided_by",
    "meeting",
    "statement",
    "direction",
    "impact",
    "advocate",
    "closes",
    "reason",
    "hash",
];

fn fields(r: &LogRow) -> [String; 15] {
    [
        r.team.clone(),
        r.device.clone(),
        r.seq.to_string(),
        r.entry_id.to_string(),
        r.kind.clone(),
        r.recorded_at.clone(),
        r.decided_by.clone(),
        r.meeting.clone().unwrap_or_default(),
        r.statement.clone(),
        r.direction.clone().unwrap_or_default(),
        r.impact.clone(),
        r.stance.clone().unwrap_or_default(),
        r.closes.map(|c| c.to_string()).unwrap_or_default(),
        r.reason.clone(),
        r.hash.clone(),
    ]
}

fn csv_field(s: &str) -> String {
    // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The rows as CSV, with a header line.
pub fn render_csv(rows: &[LogRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = fields(r).iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The rows as a Markdown document.
pub fn render_markdown(rows: &[LogRow], exported_at: &str) -> String {
    let mut out = format!(
        "# Organisation decision log\n\nExported {exported_at}: {} entries.\n\n| team | laptop | # | recorded | meeting | kind | statement | impact | advocate |\n|---|---|---|---|---|---|---|---|---|\n",
        rows.len()
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} {} | {} |\n",
            md(&r.team),
            md(&r.device),
            r.seq,
            md(&r.recorded_at),
            md(r.meeting.as_deref().unwrap_or("")),
            md(&r.kind),
            md(&r.statement),
            md(r.direction.as_deref().unwrap_or("")),
            md(&r.impact),
            md(r.stance.as_deref().unwrap_or("")),
        ));
    }
    out
}
