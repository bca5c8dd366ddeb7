//! The meeting room: a live meeting's state (current item, timers, the advocate's timeline)
//! and "?" escalations on complaints. The minutes written when it closes are in
//! [`crate::minutes`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::decision::Stance;
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
    /// The advocate's latest agreement or objection on each item, for the decision form.
    pub stances: Vec<SeatStance>,
    pub open_escalations: i64,
    pub now: DateTime<Utc>,
}

/// The advocate's latest agreement or objection on an agenda item, as the decision form
/// records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SeatStance {
    pub agenda_item_id: Option<Uuid>,
    pub stance: Stance,
    /// What the advocate said with it.
    pub note: String,
    pub by: String,
}

/// The advocate's latest stance on each item, from `events` (newest first). A remark or a
/// question is not a stance.
pub fn seat_stances(events: &[MeetingEvent]) -> Vec<SeatStance> {
    let mut out: Vec<SeatStance> = Vec::new();
    for e in events {
        let stance = match e.kind {
            EventKind::Agree => Stance::Agrees,
            EventKind::Object => Stance::Objects,
            _ => continue,
        };
        if out.iter().any(|s| s.agenda_item_id == e.agenda_item_id) {
            continue;
        }
        out.push(SeatStance {
            agenda_item_id: e.agenda_item_id,
            stance,
            note: e.text.clone(),
            by: e.by.clone(),
        });
    }
    out
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

/// "1 h 04 min", "12 min", "45 s".
pub fn duration_text(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Valid;

    #[test]
    fn the_decision_form_takes_the_advocates_latest_stance_on_each_item() {
        let said = |kind, item: u128, text: &str| MeetingEvent {
            id: Uuid::now_v7(),
            at: Utc::now(),
            kind,
            agenda_item_id: Some(Uuid::from_u128(item)),
            text: text.into(),
            complaint_id: None,
            by: "Leo".into(),
        };
        // Newest first, as the live state lists them.
        let events = [
            said(EventKind::Remark, 1, "just warn me"),
            said(EventKind::Object, 1, "midnight is too late"),
            said(EventKind::Agree, 1, ""),
            said(EventKind::Agree, 2, ""),
        ];
        let stances = seat_stances(&events);
        let on = |item: u128| {
            stances
                .iter()
                .find(|s| s.agenda_item_id == Some(Uuid::from_u128(item)))
                .map(|s| (s.stance, s.note.as_str(), s.by.as_str()))
        };
        assert_eq!(
            on(1),
            Some((Stance::Objects, "midnight is too late", "Leo"))
        );
        assert_eq!(on(2), Some((Stance::Agrees, "", "Leo")));
        assert_eq!(on(3), None);
    }

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
