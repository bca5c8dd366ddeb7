//! What leaders see of the decision log: filtered lists, one decision in full, the dashboard.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chain::{EntryKind, HashedEntry};
use crate::complaint::Complaint;
use crate::decision::{Direction, FollowUp, Size, Stance};

/// Whether a decision still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Current,
    Superseded,
    Revoked,
}

/// Which decisions a list shows by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Current,
    Superseded,
    Revoked,
    /// Every decision, whatever became of it.
    All,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Newest,
    Oldest,
}

/// The audit's filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    pub persona_id: Option<Uuid>,
    pub direction: Option<Direction>,
    /// Only decisions the advocate objected to.
    pub objected: bool,
    /// Only decisions made without customer evidence.
    pub no_evidence: bool,
    pub status: StatusFilter,
    /// Words to find in statements, impact texts and reasons.
    pub text: String,
    pub sort: Sort,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            meeting_id: None,
            agenda_item_id: None,
            persona_id: None,
            direction: None,
            objected: false,
            no_evidence: false,
            status: StatusFilter::All,
            text: String::new(),
            sort: Sort::Newest,
        }
    }
}

/// One decision in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditRow {
    pub seq: i64,
    pub entry_id: Uuid,
    pub kind: EntryKind,
    /// For a superseding decision, the entry it replaced.
    pub supersedes: Option<i64>,
    pub recorded_at: String,
    pub meeting_id: Uuid,
    pub meeting_title: String,
    pub agenda_item_id: Option<Uuid>,
    pub item_title: String,
    pub decided_by: String,
    pub statement: String,
    pub direction: Direction,
    pub size: Size,
    pub impact: String,
    pub stance: Stance,
    pub advocate_note: String,
    pub no_evidence: bool,
    pub evidence_count: i64,
    pub personas: Vec<String>,
    pub status: Status,
    /// The entry that superseded or revoked this one.
    pub closed_by: Option<i64>,
    pub reason: String,
    pub follow_ups: Vec<FollowUp>,
}

/// A page of a filtered list and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditPage {
    pub total: i64,
    pub rows: Vec<AuditRow>,
}

/// A follow-up of a decision and whether it is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FollowUpState {
    pub position: i64,
    #[serde(flatten)]
    pub follow_up: FollowUp,
    pub done_at: Option<String>,
    pub done_note: String,
}

/// A complaint the room saw when the decision was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SeenComplaint {
    pub complaint: Complaint,
    pub score: String,
    /// It is also evidence of the decision.
    pub evidence: bool,
}

/// One decision in full: the entry as hashed, its evidence, what the room saw, its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DecisionDetail {
    pub row: AuditRow,
    pub entry: HashedEntry,
    pub evidence: Vec<Complaint>,
    pub on_screen: Vec<SeenComplaint>,
    /// Every entry of this decision's line, oldest first: the original, what superseded
    /// it, a revocation.
    pub history: Vec<AuditRow>,
    pub follow_ups: Vec<FollowUpState>,
}

/// Decisions of one week by impact direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WeekCount {
    /// The Monday the week starts on.
    pub week: NaiveDate,
    pub helps: i64,
    pub hurts: i64,
    pub mixed: i64,
    pub neutral: i64,
    pub unknown: i64,
}

/// The leaders' dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dashboard {
    /// Current decisions counted.
    pub decisions: i64,
    pub weeks: Vec<WeekCount>,
    /// Share of current decisions the advocate objected to.
    pub objection_rate: f64,
    /// Share of current decisions with customer evidence.
    pub evidence_rate: f64,
    pub follow_ups_open: i64,
    pub follow_ups_past_due: i64,
    pub escalations_open: i64,
    pub escalations_overdue: i64,
}

/// The file formats the log exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
    Markdown,
}

impl ExportFormat {
    /// Reads `csv`, `json` or `md`/`markdown`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            "md" | "markdown" => Some(ExportFormat::Markdown),
            _ => None,
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Markdown => "md",
        }
    }
}

/// The Monday of the week holding `day`.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
}
