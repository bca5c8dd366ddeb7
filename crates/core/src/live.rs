//! The meeting room: a live meeting's state (current item, timers, the advocate's timeline),
//! "?" escalations on complaints, and the minutes written when a meeting closes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{AuditRow, Status};
use crate::chain::EntryKind;
use crate::meeting::{AgendaItem, Meeting, MeetingSummary};
use crate::validate::{Validate, label, optional};
use crate::{Invalid, Problems};

/// What happened in a meeting, in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Started,
    /// The meeting moved to an agenda item.
    Item,
    /// The advocate agrees with where the item is going.
    Agree,
    /// The advocate objects, in their words.
    Object,
    /// "The customer would say …"
    Remark,
    /// A "?" raised on a complaint.
    Question,
    Closed,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Item => "item",
            EventKind::Agree => "agree",
            EventKind::Object => "object",
            EventKind::Remark => "remark",
            EventKind::Question => "question",
            EventKind::Closed => "closed",
        }
    }

    /// Reads the stored name.
    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Started,
            EventKind::Item,
            EventKind::Agree,
            EventKind::Object,
            EventKind::Remark,
            EventKind::Question,
            EventKind::Closed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One moment of a meeting's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeetingEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub agenda_item_id: Option<Uuid>,
    pub text: String,
    pub complaint_id: Option<Uuid>,
    pub by: String,
}

/// What the advocate says from the seat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdvocateInput {
    /// Agree, Object or Remark.
    pub kind: EventKind,
    pub text: String,
    pub by: String,
}

impl Validate for AdvocateInput {
    fn normalise(self) -> Result<Self, Invalid> {
        let text = optional("words", &self.text, 2_000)?;
        match self.kind {
            EventKind::Agree => {}
            EventKind::Object | EventKind::Remark if text.chars().any(char::is_alphabetic) => {}
            EventKind::Object => {
                return Err(Invalid::new("words", "say what the customer objects to"));
            }
            EventKind::Remark => {
                return Err(Invalid::new("words", "say what the customer would say"));
            }
            _ => return Err(Invalid::new("kind", "the seat agrees, objects or remarks")),
        }
        Ok(AdvocateInput {
            kind: self.kind,
            text,
            by: optional("advocate", &self.by, 120)?,
        })
    }
}

/// Time on one agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItemClock {
    pub agenda_item_id: Uuid,
    /// Seconds spent, the running stretch included.
    pub spent_seconds: i64,
    /// The timer runs.
    pub running: bool,
    pub discussed: bool,
    pub decisions: i64,
}

/// Everything both windows of a live meeting show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveState {
    pub meeting: Meeting,
    pub current_item_id: Option<Uuid>,
    pub clocks: Vec<ItemClock>,
    /// Newest first.
    pub events: Vec<MeetingEvent>,
    /// The advocate's latest agreement or objection on the current item, for the decision form.
    pub stance: Option<MeetingEvent>,
    pub open_escalations: i64,
    pub now: DateTime<Utc>,
}

/// Items an earlier meeting of the same title left unfinished, offered to the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Unfinished {
    pub meeting: MeetingSummary,
    pub items: Vec<AgendaItem>,
}

/// A "?" on a complaint, as raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EscalationDraft {
    pub complaint_id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    pub question: String,
    pub owner: String,
    pub due: NaiveDate,
    pub raised_by: String,
}

impl Validate for EscalationDraft {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let question = p.keep(optional("question", &self.question, 2_000));
        let owner = p.keep(
            label("owner", &self.owner, 120)
                .map_err(|_| Invalid::new("owner", "name who will find out and answer")),
        );
        let raised_by = p.keep(optional("raised by", &self.raised_by, 120));
        p.done(EscalationDraft {
            question: if question.is_empty() {
                "?".to_string()
            } else {
                question
            },
            owner,
            raised_by,
            ..self
        })
    }
}

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    Open,
    Overdue,
    Answered,
}

/// Which escalations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EscalationFilter {
    /// Open, overdue ones included.
    Open,
    Overdue,
    Answered,
    All,
}

/// A stored escalation with what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Escalation {
    pub id: Uuid,
    pub state: EscalationState,
    pub complaint_id: Uuid,
    pub complaint_title: String,
    pub complaint_excerpt: String,
    pub complaint_external_id: Option<String>,
    pub meeting_id: Option<Uuid>,
    pub meeting_title: String,
    pub agenda_item_id: Option<Uuid>,
    pub item_title: String,
    pub question: String,
    pub owner: String,
    pub due: NaiveDate,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub resolution: String,
}

/// `text` on one line, so what people typed cannot break the structure of the minutes.
fn inline(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "1 h 04 min", "12 min", "45 s".
pub fn duration_text(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// The minutes of a closed meeting, in Markdown: items with time spent against their
/// timebox, decisions with their customer impact, the advocate's objections and remarks,
/// "?" escalations and follow-ups.
pub fn minutes(
    meeting: &Meeting,
    clocks: &[ItemClock],
    decisions: &[AuditRow],
    events: &[MeetingEvent],
    escalations: &[Escalation],
    closed_at: DateTime<Utc>,
) -> String {
    use std::fmt::Write;
    let mut md = String::new();
    let _ = writeln!(md, "# Minutes: {}\n", inline(&meeting.title));
    let when = meeting
        .scheduled_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "unscheduled".into());
    let _ = writeln!(
        md,
        "- Scheduled: {when}; closed {}",
        closed_at.format("%Y-%m-%d %H:%M UTC")
    );
    if !meeting.facilitator.is_empty() {
        let _ = writeln!(md, "- Facilitator: {}", inline(&meeting.facilitator));
    }
    if !meeting.advocate.is_empty() {
        let _ = writeln!(md, "- In the empty chair: {}", inline(&meeting.advocate));
    }
    let total: i64 = clocks.iter().map(|c| c.spent_seconds).sum();
    let planned: i64 = meeting
        .items
        .iter()
        .map(|i| i64::from(i.timebox_minutes) * 60)
        .sum();
    let _ = writeln!(
        md,
        "- Time: {} of {} planned\n",
        duration_text(total),
        duration_text(planned)
    );
    for (n, item) in meeting.items.iter().enumerate() {
        let clock = clocks.iter().find(|c| c.agenda_item_id == item.id);
        let spent = clock.map(|c| c.spent_seconds).unwrap_or(0);
        let over = spent - i64::from(item.timebox_minutes) * 60;
        let _ = writeln!(md, "## {}. {}\n", n + 1, inline(&item.title));
        if !item.customer_problem.is_empty() {
            let _ = writeln!(
                md,
                "_Customer problem:_ {}\n",
                inline(&item.customer_problem)
            );
        }
        let status = if clock.is_some_and(|c| c.discussed) {
            ""
        } else {
            " (not discussed)"
        };
        let overtime = if over > 0 {
            format!(", {} over", duration_text(over))
        } else {
            String::new()
        };
        let _ = writeln!(
            md,
            "Time: {} of {} min{overtime}{status}\n",
            duration_text(spent),
            item.timebox_minutes
        );
        let mut item_decisions: Vec<&AuditRow> = decisions
            .iter()
            .filter(|d| d.agenda_item_id == Some(item.id) && d.kind != EntryKind::Revoke)
            .collect();
        // What stands leads; what was replaced or withdrawn follows, each oldest first.
        item_decisions.sort_by_key(|d| (d.status != Status::Current, d.seq));
        if item_decisions.is_empty() {
            let _ = writeln!(md, "No decision.\n");
        }
        for d in item_decisions {
            let why = |seq: i64| {
                decisions
                    .iter()
                    .find(|c| c.seq == seq)
                    .map(|c| inline(&c.reason))
                    .filter(|r| !r.is_empty())
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            };
            let heading = match (d.status, d.closed_by) {
                (Status::Superseded, Some(by)) => {
                    format!(
                        "Superseded decision (entry {}, replaced by entry {by}{})",
                        d.seq,
                        why(by)
                    )
                }
                (Status::Revoked, Some(by)) => {
                    format!(
                        "Revoked decision (entry {}, revoked by entry {by}{})",
                        d.seq,
                        why(by)
                    )
                }
                _ => format!("Decision (entry {})", d.seq),
            };
            let _ = writeln!(md, "**{heading}:** {}", inline(&d.statement));
            if let (Some(replaced), Status::Current) = (d.supersedes, d.status) {
                let reason = if d.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", inline(&d.reason))
                };
                let _ = writeln!(md, "- Replaces entry {replaced}{reason}");
            }
            let _ = writeln!(
                md,
                "- Customer impact: {}, {} — {}",
                d.direction.as_str(),
                d.size.as_str(),
                inline(&d.impact)
            );
            if !d.personas.is_empty() {
                let _ = writeln!(md, "- For: {}", d.personas.join(", "));
            }
            let _ = writeln!(
                md,
                "- Evidence: {}",
                inline(&crate::audit::evidence_line(d.no_evidence, &d.evidence))
            );
            let note = if d.advocate_note.is_empty() {
                String::new()
            } else {
                format!(": “{}”", inline(&d.advocate_note))
            };
            let _ = writeln!(md, "- Advocate {}{note}\n", d.stance.as_str());
        }
        let said: Vec<&MeetingEvent> = events
            .iter()
            .filter(|e| {
                e.agenda_item_id == Some(item.id)
                    && matches!(e.kind, EventKind::Object | EventKind::Remark)
            })
            .collect();
        if !said.is_empty() {
            let _ = writeln!(md, "The customer's voice:");
            for e in said.iter().rev() {
                let what = if e.kind == EventKind::Object {
                    "Objection"
                } else {
                    "Remark"
                };
                let _ = writeln!(md, "- {what}: “{}”", inline(&e.text));
            }
            let _ = writeln!(md);
        }
    }
    let open: Vec<&Escalation> = escalations
        .iter()
        .filter(|e| e.state != EscalationState::Answered)
        .collect();
    if !open.is_empty() {
        let _ = writeln!(md, "## Open “?” escalations\n");
        for e in open {
            let _ = writeln!(
                md,
                "- {} — on “{}”: {} (due {})",
                inline(&e.owner),
                inline(&e.complaint_title),
                inline(&e.question),
                e.due
            );
        }
        let _ = writeln!(md);
    }
    let follow_ups: Vec<String> = decisions
        .iter()
        .flat_map(|d| {
            d.follow_ups.iter().map(move |f| {
                format!(
                    "- {} — {}, by {} (decision {})",
                    inline(&f.what),
                    inline(&f.owner),
                    f.due,
                    d.seq
                )
            })
        })
        .collect();
    if !follow_ups.is_empty() {
        let _ = writeln!(md, "## Follow-ups\n");
        for f in follow_ups {
            let _ = writeln!(md, "{f}");
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Valid;

    #[test]
    fn an_objection_needs_words_and_agreement_does_not() {
        let input = |kind, text: &str| AdvocateInput {
            kind,
            text: text.into(),
            by: "Leo".into(),
        };
        assert!(Valid::parse(input(EventKind::Agree, "")).is_ok());
        assert_eq!(
            Valid::parse(input(EventKind::Object, "  "))
                .unwrap_err()
                .field(),
            "words"
        );
        assert!(Valid::parse(input(EventKind::Remark, "The customer would say: why now?")).is_ok());
        assert!(Valid::parse(input(EventKind::Closed, "x")).is_err());
    }

    #[test]
    fn an_escalation_needs_an_owner() {
        let d = EscalationDraft {
            complaint_id: Uuid::nil(),
            meeting_id: None,
            agenda_item_id: None,
            question: "".into(),
            owner: " ".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            raised_by: "".into(),
        };
        assert_eq!(Valid::parse(d.clone()).unwrap_err().field(), "owner");
        let ok = Valid::parse(EscalationDraft {
            owner: "Aisha B.".into(),
            ..d
        })
        .unwrap();
        assert_eq!(ok.question, "?", "a bare ? is a question");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(45), "45 s");
        assert_eq!(duration_text(12 * 60 + 5), "12 min");
        assert_eq!(duration_text(3600 + 4 * 60), "1 h 04 min");
    }
}
