//! What leaders see of the decision log: filtered lists, one decision in full, the dashboard.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chain::{EntryKind, HashedEntry};
use crate::complaint::Complaint;
use crate::decision::{Direction, FollowUp, Size, Stance};
use crate::entry::{Act, Entry};

/// Whether a decision still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Current,
    Superseded,
    Revoked,
}

impl Status {
    /// The word for it in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Superseded => "superseded",
            Status::Revoked => "revoked",
        }
    }
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
    /// The complaints the decision answers, as a reader would name them.
    pub evidence: Vec<EvidenceRef>,
    pub personas: Vec<String>,
    pub status: Status,
    /// The entry that superseded or revoked this one.
    pub closed_by: Option<i64>,
    /// Why this decision superseded the one before (empty for a new decision).
    pub reason: String,
    /// Why the entry in `closed_by` superseded or revoked this one.
    pub closed_reason: String,
    pub follow_ups: Vec<FollowUp>,
}

/// What the database knows around an entry: names for its ids, and what became of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowContext {
    pub meeting_title: String,
    pub item_title: String,
    pub evidence: Vec<EvidenceRef>,
    pub personas: Vec<String>,
    /// The entry that superseded or revoked this one: its number, kind and reason.
    pub closed_by: Option<(i64, EntryKind, String)>,
}

impl AuditRow {
    /// A decision's row in a list; `None` for a revocation, which is not a decision.
    pub fn new(e: &Entry, ctx: RowContext) -> Option<AuditRow> {
        let d = e.decision()?;
        let (status, closed_by, closed_reason) = match ctx.closed_by {
            None => (Status::Current, None, String::new()),
            Some((seq, EntryKind::Revoke, why)) => (Status::Revoked, Some(seq), why),
            Some((seq, _, why)) => (Status::Superseded, Some(seq), why),
        };
        let (supersedes, reason) = match &e.act {
            Act::Supersede {
                target_seq, reason, ..
            } => (Some(*target_seq), reason.clone()),
            _ => (None, String::new()),
        };
        Some(AuditRow {
            seq: e.seq,
            entry_id: e.id,
            kind: e.kind(),
            supersedes,
            recorded_at: e.recorded_at.clone(),
            meeting_id: e.meeting_id,
            meeting_title: ctx.meeting_title,
            agenda_item_id: e.agenda_item_id,
            item_title: ctx.item_title,
            decided_by: e.decided_by.clone(),
            statement: d.statement.clone(),
            direction: d.direction,
            size: d.size,
            impact: d.impact.clone(),
            stance: d.stance,
            advocate_note: d.advocate_note.clone(),
            no_evidence: d.no_evidence,
            evidence_count: d.evidence.len() as i64,
            evidence: ctx.evidence,
            personas: ctx.personas,
            status,
            closed_by,
            reason,
            closed_reason,
            follow_ups: d.follow_ups.clone(),
        })
    }
}

/// A complaint named the way its customer's organisation knows it: its own reference (the id in
/// the export it came from) and the start of what the customer wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EvidenceRef {
    pub complaint_id: Uuid,
    /// The complaint's external id; empty when its source gave it none.
    pub reference: String,
    /// The first words of its title or text.
    pub excerpt: String,
}

/// How many characters of a complaint name it in minutes and exports.
const EXCERPT_CHARS: usize = 60;

impl EvidenceRef {
    /// Names a complaint from its id, external id and text, shortened at a word.
    pub fn new(complaint_id: Uuid, reference: &str, text: &str) -> Self {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let excerpt = if text.chars().count() <= EXCERPT_CHARS {
            text
        } else {
            let cut: String = text.chars().take(EXCERPT_CHARS).collect();
            let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
            format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
        };
        Self {
            complaint_id,
            reference: reference.trim().to_string(),
            excerpt,
        }
    }

    /// `FW-69212 “My salary came in a day late…”`; a complaint without a reference of its own
    /// is named by the start of its internal id.
    pub fn label(&self) -> String {
        let reference = if self.reference.is_empty() {
            format!("complaint {}", &self.complaint_id.simple().to_string()[..8])
        } else {
            self.reference.clone()
        };
        if self.excerpt.is_empty() {
            reference
        } else {
            format!("{reference} “{}”", self.excerpt)
        }
    }
}

/// The evidence of a decision in one line: each complaint by its label, or that there is none.
pub fn evidence_line(no_evidence: bool, evidence: &[EvidenceRef]) -> String {
    if no_evidence || evidence.is_empty() {
        return "no customer evidence".into();
    }
    evidence
        .iter()
        .map(EvidenceRef::label)
        .collect::<Vec<_>>()
        .join("; ")
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
    pub history: Vec<HistoryStep>,
    pub follow_ups: Vec<FollowUpState>,
}

/// One entry of a decision's line of corrections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HistoryStep {
    pub seq: i64,
    pub kind: EntryKind,
    /// What was decided; empty for a revocation.
    pub statement: String,
    /// Why it superseded or revoked the entry before; empty for the original decision.
    pub reason: String,
    /// What became of a decision; `None` for a revocation, which is not one.
    pub status: Option<Status>,
}

/// The line of corrections that `rows` (a decision's line, oldest first) tell: each decision,
/// and the revocation that ended the line, if one did.
pub fn history(rows: &[AuditRow]) -> Vec<HistoryStep> {
    let mut steps: Vec<HistoryStep> = rows
        .iter()
        .map(|r| HistoryStep {
            seq: r.seq,
            kind: r.kind,
            statement: r.statement.clone(),
            reason: r.reason.clone(),
            status: Some(r.status),
        })
        .collect();
    if let Some((by, last)) = rows
        .last()
        .and_then(|r| Some((r.closed_by?, r)))
        .filter(|(_, r)| r.status == Status::Revoked)
    {
        steps.push(HistoryStep {
            seq: by,
            kind: EntryKind::Revoke,
            statement: String::new(),
            reason: last.closed_reason.clone(),
            status: None,
        });
    }
    steps
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

impl WeekCount {
    /// The weeks, each empty, from the one `weeks - 1` weeks before `today`'s to `today`'s.
    pub fn up_to(today: NaiveDate, weeks: u32) -> Vec<WeekCount> {
        let since = week_of(today) - chrono::Duration::weeks(i64::from(weeks.max(1)) - 1);
        (0..i64::from(weeks.max(1)))
            .map(|i| WeekCount {
                week: since + chrono::Duration::weeks(i),
                helps: 0,
                hurts: 0,
                mixed: 0,
                neutral: 0,
                unknown: 0,
            })
            .collect()
    }

    /// Counts `n` more decisions of `direction`.
    pub fn add(&mut self, direction: Direction, n: i64) {
        match direction {
            Direction::Helps => self.helps += n,
            Direction::Hurts => self.hurts += n,
            Direction::Mixed => self.mixed += n,
            Direction::Neutral => self.neutral += n,
            Direction::Unknown => self.unknown += n,
        }
    }
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

#[cfg(test)]
mod evidence_tests {
    use super::*;

    #[test]
    fn evidence_is_named_by_its_own_reference_and_first_words() {
        let id = Uuid::parse_str("0192f0c4-1111-7000-8000-000000000001").unwrap();
        let long = EvidenceRef::new(
            id,
            " FW-69212 ",
            "My salary came in a day late and I was charged £25 before I even knew I had gone overdrawn.",
        );
        assert_eq!(
            long.label(),
            "FW-69212 “My salary came in a day late and I was charged £25 before I…”"
        );
        let bare = EvidenceRef::new(id, "", "Fees");
        assert_eq!(bare.label(), "complaint 0192f0c4 “Fees”");
        assert_eq!(
            evidence_line(false, &[long.clone(), bare]),
            "FW-69212 “My salary came in a day late and I was charged £25 before I…”; complaint 0192f0c4 “Fees”"
        );
        assert_eq!(evidence_line(true, &[]), "no customer evidence");
    }
}
