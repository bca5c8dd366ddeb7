//! An entry of the decision log as the code holds it once read: one of three kinds, each with
//! exactly what that kind can have.
//!
//! [`LogEntry`] stays the hashed wire form: every field of every kind in canonical order, with
//! `null` or empty where a kind has nothing. It is what is stored, hashed and exported, and it
//! can represent entries no writer produces (a decision without a customer impact, a
//! revocation that carries one). [`Entry::try_from`] reads a wire entry into an [`Entry`] and
//! refuses those, naming what is wrong; [`Entry::to_log_entry`] is the one way an entry
//! becomes what is hashed. The rest of the code holds an [`Entry`], so it cannot hold an
//! impossible one.

use uuid::Uuid;

use crate::chain::{EntryKind, LogEntry, ScreenEntry, VERSION};
use crate::decision::{DecisionDraft, Direction, FollowUp, Size, Stance};

/// What a decision (new or superseding) says, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub statement: String,
    pub direction: Direction,
    pub size: Size,
    pub impact: String,
    pub personas: Vec<Uuid>,
    pub evidence: Vec<Uuid>,
    pub no_evidence: bool,
    pub stance: Stance,
    pub advocate_note: String,
    pub follow_ups: Vec<FollowUp>,
    pub on_screen: Vec<ScreenEntry>,
}

impl Decided {
    /// What a draft says, with its on-screen scores in their hashed form.
    pub fn from_draft(d: &DecisionDraft) -> Self {
        Self {
            statement: d.statement.clone(),
            direction: d.direction,
            size: d.size,
            impact: d.impact.clone(),
            personas: d.personas.clone(),
            evidence: d.evidence.clone(),
            no_evidence: d.no_evidence,
            stance: d.stance,
            advocate_note: d.advocate_note.clone(),
            follow_ups: d.follow_ups.clone(),
            on_screen: d
                .on_screen
                .iter()
                .map(|s| ScreenEntry {
                    complaint_id: s.complaint_id,
                    score: ScreenEntry::score_text(s.score),
                })
                .collect(),
        }
    }
}

/// What an entry does, with what that kind of entry carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// A new decision.
    Decide(Decided),
    /// A new decision that replaces the one at `target_seq`, for `reason`.
    Supersede {
        target_seq: i64,
        reason: String,
        decision: Decided,
    },
    /// Withdraws the decision at `target_seq`, for `reason`.
    Revoke { target_seq: i64, reason: String },
}

/// One entry of the log, as read back and checked to be a possible one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<Uuid>,
    pub recorded_at: String,
    pub decided_by: String,
    pub prev_hash: String,
    pub act: Act,
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        match self.act {
            Act::Decide(_) => EntryKind::Decision,
            Act::Supersede { .. } => EntryKind::Supersede,
            Act::Revoke { .. } => EntryKind::Revoke,
        }
    }

    /// What was decided; `None` for a revocation.
    pub fn decision(&self) -> Option<&Decided> {
        match &self.act {
            Act::Decide(d) | Act::Supersede { decision: d, .. } => Some(d),
            Act::Revoke { .. } => None,
        }
    }

    /// The entry a supersession or revocation closes, and why.
    pub fn closes(&self) -> Option<(i64, &str)> {
        match &self.act {
            Act::Decide(_) => None,
            Act::Supersede {
                target_seq, reason, ..
            }
            | Act::Revoke { target_seq, reason } => Some((*target_seq, reason)),
        }
    }

    /// The draft this decision was recorded from, to start a correction from (what was on
    /// screen then is not carried over: the correction records what is on screen now).
    pub fn draft(&self) -> Option<DecisionDraft> {
        let d = self.decision()?;
        Some(DecisionDraft {
            meeting_id: self.meeting_id,
            agenda_item_id: self.agenda_item_id,
            statement: d.statement.clone(),
            decided_by: self.decided_by.clone(),
            direction: d.direction,
            size: d.size,
            impact: d.impact.clone(),
            personas: d.personas.clone(),
            evidence: d.evidence.clone(),
            no_evidence: d.no_evidence,
            stance: d.stance,
            advocate_note: d.advocate_note.clone(),
            follow_ups: d.follow_ups.clone(),
            on_screen: Vec::new(),
        })
    }

    /// The hashed wire form of this entry.
    pub fn to_log_entry(&self) -> LogEntry {
        let d = self.decision();
        let (target_seq, reason) = match self.closes() {
            Some((t, r)) => (Some(t), r.to_string()),
            None => (None, String::new()),
        };
        LogEntry {
            v: VERSION,
            seq: self.seq,
            id: self.id,
            kind: self.kind(),
            target_seq,
            reason,
            meeting_id: self.meeting_id,
            agenda_item_id: self.agenda_item_id,
            recorded_at: self.recorded_at.clone(),
            decided_by: self.decided_by.clone(),
            statement: d.map(|d| d.statement.clone()).unwrap_or_default(),
            direction: d.map(|d| d.direction),
            size: d.map(|d| d.size),
            impact: d.map(|d| d.impact.clone()).unwrap_or_default(),
            personas: d.map(|d| d.personas.clone()).unwrap_or_default(),
            evidence: d.map(|d| d.evidence.clone()).unwrap_or_default(),
            no_evidence: d.is_some_and(|d| d.no_evidence),
            stance: d.map(|d| d.stance),
            advocate_note: d.map(|d| d.advocate_note.clone()).unwrap_or_default(),
            follow_ups: d.map(|d| d.follow_ups.clone()).unwrap_or_default(),
            on_screen: d.map(|d| d.on_screen.clone()).unwrap_or_default(),
            prev_hash: self.prev_hash.clone(),
        }
    }
}

/// Why a wire entry cannot be an entry any writer produces; `None` when it can.
pub fn impossible(e: &LogEntry) -> Option<String> {
    let kind = e.kind.as_str();
    let missing = |what: &str| Some(format!("a {kind} entry without {what}"));
    match e.kind {
        EntryKind::Decision | EntryKind::Supersede => {
            if e.direction.is_none() {
                return missing("the direction of its customer impact");
            }
            if e.size.is_none() {
                return missing("the size of its customer impact");
            }
            if e.stance.is_none() {
                return missing("the advocate's stance");
            }
        }
        EntryKind::Revoke => {
            let carries = e.direction.is_some()
                || e.size.is_some()
                || e.stance.is_some()
                || !e.statement.is_empty()
                || !e.impact.is_empty()
                || !e.personas.is_empty()
                || !e.evidence.is_empty()
                || e.no_evidence
                || !e.advocate_note.is_empty()
                || !e.follow_ups.is_empty()
                || !e.on_screen.is_empty();
            if carries {
                return Some("a revoke entry that carries a decision of its own".into());
            }
        }
    }
    match (e.kind, e.target_seq) {
        (EntryKind::Decision, Some(t)) => Some(format!("a decision entry that closes entry {t}")),
        (EntryKind::Decision, None) if !e.reason.is_empty() => {
            Some("a decision entry with a reason for a correction".into())
        }
        (EntryKind::Supersede | EntryKind::Revoke, None) => missing("the entry it closes"),
        (EntryKind::Supersede | EntryKind::Revoke, Some(t)) if t >= e.seq => Some(format!(
            "a {kind} entry that closes entry {t}, which is not before it"
        )),
        _ => None,
    }
}

impl TryFrom<LogEntry> for Entry {
    /// What makes the entry impossible.
    type Error = String;

    fn try_from(e: LogEntry) -> Result<Self, String> {
        if let Some(why) = impossible(&e) {
            return Err(why);
        }
        let decided = |e: LogEntry| match (e.direction, e.size, e.stance) {
            (Some(direction), Some(size), Some(stance)) => Ok(Decided {
                statement: e.statement,
                direction,
                size,
                impact: e.impact,
                personas: e.personas,
                evidence: e.evidence,
                no_evidence: e.no_evidence,
                stance,
                advocate_note: e.advocate_note,
                follow_ups: e.follow_ups,
                on_screen: e.on_screen,
            }),
            _ => Err(format!(
                "a {} entry without its customer impact",
                e.kind.as_str()
            )),
        };
        let (seq, id, meeting_id, agenda_item_id) = (e.seq, e.id, e.meeting_id, e.agenda_item_id);
        let (recorded_at, decided_by, prev_hash) = (
            e.recorded_at.clone(),
            e.decided_by.clone(),
            e.prev_hash.clone(),
        );
        let act = match (e.kind, e.target_seq) {
            (EntryKind::Decision, None) => Act::Decide(decided(e)?),
            (EntryKind::Supersede, Some(target_seq)) => Act::Supersede {
                target_seq,
                reason: e.reason.clone(),
                decision: decided(e)?,
            },
            (EntryKind::Revoke, Some(target_seq)) => Act::Revoke {
                target_seq,
                reason: e.reason,
            },
            (kind, _) => return Err(format!("a {} entry closing the wrong entry", kind.as_str())),
        };
        Ok(Entry {
            seq,
            id,
            meeting_id,
            agenda_item_id,
            recorded_at,
            decided_by,
            prev_hash,
            act,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::GENESIS;

    fn decision() -> Entry {
        Entry {
            seq: 2,
            id: Uuid::from_u128(7),
            meeting_id: Uuid::from_u128(1),
            agenda_item_id: Some(Uuid::from_u128(2)),
            recorded_at: "2026-12-01T10:00:00.000Z".into(),
            decided_by: "Ana".into(),
            prev_hash: GENESIS.into(),
            act: Act::Decide(Decided {
                statement: "Refund within a day".into(),
                direction: Direction::Helps,
                size: Size::Large,
                impact: "Customers get their money back sooner".into(),
                personas: vec![Uuid::from_u128(3)],
                evidence: vec![Uuid::from_u128(4)],
                no_evidence: false,
                stance: Stance::Agrees,
                advocate_note: "About time".into(),
                follow_ups: Vec::new(),
                on_screen: vec![ScreenEntry {
                    complaint_id: Uuid::from_u128(4),
                    score: "1.500".into(),
                }],
            }),
        }
    }

    fn revocation() -> Entry {
        Entry {
            act: Act::Revoke {
                target_seq: 1,
                reason: "Budget withdrawn".into(),
            },
            ..decision()
        }
    }

    #[test]
    fn each_kind_reads_back_from_its_wire_form_as_it_was() {
        let supersession = Entry {
            seq: 3,
            act: Act::Supersede {
                target_seq: 2,
                reason: "Two days is what we can do".into(),
                decision: decision().decision().cloned().unwrap(),
            },
            ..decision()
        };
        for e in [decision(), supersession, revocation()] {
            let wire = e.to_log_entry();
            assert_eq!(wire.kind, e.kind());
            assert_eq!(Entry::try_from(wire), Ok(e));
        }
    }

    #[test]
    fn a_revocation_holds_nothing_of_a_decision_on_the_wire() {
        let wire = revocation().to_log_entry();
        assert_eq!((wire.direction, wire.size, wire.stance), (None, None, None));
        assert!(wire.statement.is_empty() && wire.impact.is_empty());
        assert_eq!(wire.target_seq, Some(1));
    }

    #[test]
    fn impossible_entries_are_refused_with_what_is_wrong() {
        let mut no_impact = decision().to_log_entry();
        no_impact.direction = None;
        assert_eq!(
            Entry::try_from(no_impact).unwrap_err(),
            "a decision entry without the direction of its customer impact"
        );
        let mut loud_revoke = revocation().to_log_entry();
        loud_revoke.impact = "Customers are happier".into();
        assert_eq!(
            Entry::try_from(loud_revoke).unwrap_err(),
            "a revoke entry that carries a decision of its own"
        );
        let mut aimless = revocation().to_log_entry();
        aimless.target_seq = None;
        assert_eq!(
            Entry::try_from(aimless).unwrap_err(),
            "a revoke entry without the entry it closes"
        );
        let mut forward = revocation().to_log_entry();
        forward.target_seq = Some(5);
        assert!(
            Entry::try_from(forward)
                .unwrap_err()
                .contains("not before it")
        );
        let mut closing_decision = decision().to_log_entry();
        closing_decision.target_seq = Some(1);
        assert_eq!(
            Entry::try_from(closing_decision).unwrap_err(),
            "a decision entry that closes entry 1"
        );
    }

    #[test]
    fn a_correction_starts_from_the_decision_as_drafted_without_what_was_on_screen() {
        let draft = decision().draft().unwrap();
        assert_eq!(draft.statement, "Refund within a day");
        assert_eq!(draft.direction, Direction::Helps);
        assert!(draft.on_screen.is_empty());
        assert_eq!(Decided::from_draft(&draft).on_screen, Vec::new());
        assert!(revocation().draft().is_none());
    }
}
