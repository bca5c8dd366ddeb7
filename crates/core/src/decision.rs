//! Decisions and their stated customer impact. A [`DecisionDraft`] becomes a
//! `Valid<DecisionDraft>` only when it says, in a real sentence, how the decision affects
//! customers, names its evidence (or says there is none), records the advocate's stance, and
//! pairs an "unknown" impact with a follow-up that says who will find out and by when.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validate::{Validate, optional};
use crate::{Invalid, Problems};

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored and shown.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The word as a form's option shows it: "Helps".
            pub fn label(self) -> String {
                let mut cs = self.as_str().chars();
                cs.next().map(|c| c.to_uppercase().chain(cs).collect()).unwrap_or_default()
            }

            /// The words it takes, for a message: "small, medium or large".
            pub fn choices() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                match words.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                }
            }

            /// Every value with its label, in the order forms list them.
            pub fn options() -> Vec<($name, String)> {
                Self::ALL.iter().map(|v| (*v, v.label())).collect()
            }

            /// Reads the word (any case).
            pub fn parse(s: &str) -> Option<$name> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

word_enum!(
    /// Which way a decision moves things for customers.
    Direction { Helps = "helps", Hurts = "hurts", Mixed = "mixed", Neutral = "neutral", Unknown = "unknown" }
);
word_enum!(
    /// How much it moves them.
    Size { Small = "small", Medium = "medium", Large = "large" }
);
word_enum!(
    /// What the person in the empty chair said.
    Stance { Agrees = "agrees", Objects = "objects", Abstains = "abstains", Absent = "absent" }
);

/// Something to do after the decision: what, who, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FollowUp {
    pub what: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: NaiveDate,
}

/// A complaint on screen when the decision was taken, with its relevance score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OnScreen {
    pub complaint_id: Uuid,
    pub score: f64,
}

/// A decision as written in the form or on the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DecisionDraft {
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<Uuid>,
    pub statement: String,
    pub decided_by: String,
    pub direction: Direction,
    pub size: Size,
    /// The customer impact in the team's own words.
    pub impact: String,
    /// Personas the impact falls on.
    pub personas: Vec<Uuid>,
    /// The complaints this decision answers.
    pub evidence: Vec<Uuid>,
    /// Said explicitly: no customer evidence behind this decision.
    pub no_evidence: bool,
    pub stance: Stance,
    pub advocate_note: String,
    pub follow_ups: Vec<FollowUp>,
    /// The relevant complaints on screen for the item when the decision was taken.
    pub on_screen: Vec<OnScreen>,
}

/// Words that stand in for an impact statement without being one.
const PLACEHOLDERS: &[&str] = &[
    "n a",
    "na",
    "n/a",
    "none",
    "nothing",
    "tbd",
    "tba",
    "todo",
    "to do",
    "tbc",
    "unknown",
    "idk",
    "dunno",
    "x",
    "xx",
    "xxx",
    "see above",
    "as above",
    "same",
    "same as above",
    "no comment",
    "nil",
    "null",
    "test",
    "asdf",
    "later",
    "impact",
    "customer impact",
    "no idea",
    "not sure",
    "ok",
    "fine",
    "yes",
    "no",
];

/// Words that say nothing about customers by themselves: they defer ("see notes below"),
/// wave the question away ("not applicable here") or fill space ("ok"). They do not count
/// towards the three words an impact statement needs, wherever they stand in it.
const FILLER_WORDS: &[&str] = &[
    "n/a",
    "na",
    "not",
    "applicable",
    "see",
    "notes",
    "note",
    "below",
    "above",
    "as",
    "same",
    "here",
    "there",
    "ok",
    "okay",
    "fine",
    "yes",
    "no",
    "none",
    "nothing",
    "tbd",
    "tba",
    "tbc",
    "todo",
    "later",
    "unknown",
    "idk",
    "dunno",
    "nil",
    "null",
    "test",
    "asdf",
    "comment",
    "comments",
    "impact",
    "etc",
];

/// Refuses impact text unless it has at least three words (of two letters or more) that are
/// not filler; the refusal says which words counted, so the rule can be seen.
pub fn impact_sentence(text: &str) -> Result<String, Invalid> {
    let text = optional("impact", text, 4_000)?;
    let folded: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let counted: Vec<&str> = folded
        .split(' ')
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .filter(|w| !FILLER_WORDS.contains(w))
        .collect();
    if counted.is_empty()
        || PLACEHOLDERS.contains(&folded.as_str())
        || PLACEHOLDERS.contains(&folded.replace('/', " ").as_str())
    {
        let shown = if text.is_empty() {
            "an empty text".to_string()
        } else {
            format!("\"{text}\"")
        };
        return Err(Invalid::new(
            "impact",
            format!(
                "{shown} is not a statement of customer impact; say in a sentence how this decision changes things for customers (words such as \"n/a\", \"see notes\" or \"ok\" do not count)"
            ),
        ));
    }
    if counted.len() < 3 {
        let listed = counted
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Invalid::new(
            "impact",
            format!(
                "\"{text}\" is too short to say how customers are affected: only {listed} say something; write a sentence of at least three such words (\"n/a\", \"see notes\", \"ok\" and the like do not count)"
            ),
        ));
    }
    Ok(text)
}

/// Why a decision is corrected (superseded or revoked): refused unless it says something.
pub fn correction_reason(reason: &str) -> Result<String, Invalid> {
    let r = optional("reason", reason, 2_000)?;
    if r.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return Err(Invalid::new("reason", "say why the decision is corrected"));
    }
    Ok(r)
}

impl Validate for FollowUp {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let what = p.keep(optional("what", &self.what, 1_000));
        let owner = p.keep(optional("owner", &self.owner, 120));
        if what.is_empty() {
            p.add("what", "say what is to be done");
        } else if owner.is_empty() {
            p.add("owner", format!("name who will do \"{what}\""));
        }
        p.done(FollowUp {
            what,
            owner,
            due: self.due,
        })
    }
}

impl Validate for DecisionDraft {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let statement = p.keep(optional("statement", &self.statement, 4_000));
        if statement.chars().filter(|c| c.is_alphabetic()).count() < 3 {
            p.add("statement", "say what was decided");
        }
        let decided_by = p.keep(optional("decided by", &self.decided_by, 120));
        let impact = p.keep(impact_sentence(&self.impact));
        let follow_ups: Vec<FollowUp> = self
            .follow_ups
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| {
                p.keep(
                    f.normalise()
                        .map(Some)
                        .map_err(|e| e.within(&format!("follow-up {} ", i + 1))),
                )
            })
            .collect();
        if self.direction == Direction::Unknown && follow_ups.is_empty() {
            p.add(
                "impact",
                "\"unknown\" needs a follow-up that says who will find out the impact and by when",
            );
        }
        let mut evidence: Vec<Uuid> = Vec::new();
        for id in self.evidence {
            if !evidence.contains(&id) {
                evidence.push(id);
            }
        }
        match (evidence.is_empty(), self.no_evidence) {
            (true, false) => p.add(
                "evidence",
                "link the complaints this decision answers, or say that there is no customer evidence",
            ),
            (false, true) => p.add(
                "evidence",
                "complaints are linked and \"no customer evidence\" is ticked; keep one",
            ),
            _ => {}
        }
        let mut personas: Vec<Uuid> = Vec::new();
        for id in self.personas {
            if !personas.contains(&id) {
                personas.push(id);
            }
        }
        let advocate_note = p.keep(optional("advocate's words", &self.advocate_note, 4_000));
        p.done(DecisionDraft {
            meeting_id: self.meeting_id,
            agenda_item_id: self.agenda_item_id,
            statement,
            decided_by,
            direction: self.direction,
            size: self.size,
            impact,
            personas,
            evidence,
            no_evidence: self.no_evidence,
            stance: self.stance,
            advocate_note,
            follow_ups,
            on_screen: self.on_screen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_list_reads_as_a_choice_in_form_order() {
        assert_eq!(Size::choices(), "small, medium or large");
        assert_eq!(
            Direction::choices(),
            "helps, hurts, mixed, neutral or unknown"
        );
        assert_eq!(Stance::choices(), "agrees, objects, abstains or absent");
    }
    use crate::Valid;

    pub(crate) fn draft() -> DecisionDraft {
        DecisionDraft {
            meeting_id: Uuid::nil(),
            agenda_item_id: None,
            statement: "Add a same-day grace period before overdraft fees".into(),
            decided_by: "Hannah K.".into(),
            direction: Direction::Helps,
            size: Size::Medium,
            impact: "Customers whose salary lands a day late stop paying £25".into(),
            personas: vec![],
            evidence: vec![],
            no_evidence: true,
            stance: Stance::Agrees,
            advocate_note: String::new(),
            follow_ups: vec![],
            on_screen: vec![],
        }
    }

    #[test]
    fn a_complete_decision_is_valid() {
        assert!(Valid::parse(draft()).is_ok());
    }

    #[test]
    fn a_placeholder_impact_is_refused_with_why() {
        for text in [
            "", "   ", "n/a", "N/A", "tbd", "-", "--", "?", "TBD.", "none",
        ] {
            let mut d = draft();
            d.impact = text.into();
            let err = Valid::parse(d).unwrap_err();
            assert_eq!(err.field(), "impact", "{text:?}");
            assert!(err.message().contains("customer"), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_fragment_is_not_a_sentence() {
        let mut d = draft();
        d.impact = "fewer fees".into();
        assert!(Valid::parse(d).unwrap_err().message().contains("too short"));
    }

    #[test]
    fn not_applicable_here_is_refused_as_no_statement() {
        let mut d = draft();
        d.impact = "Not applicable here".into();
        let err = Valid::parse(d).unwrap_err();
        assert_eq!(err.field(), "impact");
        assert!(
            err.message().contains("not a statement of customer impact"),
            "\"Not applicable here\" says nothing about customers: {err}"
        );
    }

    #[test]
    fn see_notes_below_ok_is_refused_as_no_statement() {
        let mut d = draft();
        d.impact = "see notes below ok".into();
        let err = Valid::parse(d).unwrap_err();
        assert!(
            err.message().contains("not a statement of customer impact"),
            "a pointer to notes is not an impact: {err}"
        );
    }

    #[test]
    fn n_a_see_notes_is_refused_for_the_same_reason_not_for_its_length() {
        let mut d = draft();
        d.impact = "N/A see notes".into();
        let err = Valid::parse(d).unwrap_err();
        assert!(
            err.message().contains("not a statement of customer impact"),
            "three filler words are refused as filler, not as \"fewer than three words\": {err}"
        );
        assert!(
            err.message().contains("do not count"),
            "the message says why these words do not count: {err}"
        );
    }

    #[test]
    fn a_short_sentence_with_filler_says_which_words_counted() {
        let mut d = draft();
        d.impact = "fewer fees, see notes".into();
        let err = Valid::parse(d).unwrap_err();
        assert!(
            err.message().contains("\"fewer\", \"fees\""),
            "the refusal names the words that counted: {err}"
        );
        let mut d = draft();
        d.impact = "Customers are not charged twice".into();
        assert!(
            Valid::parse(d).is_ok(),
            "\"not\" inside a real sentence does no harm"
        );
    }

    #[test]
    fn unknown_impact_needs_a_follow_up_with_owner_and_date() {
        let mut d = draft();
        d.direction = Direction::Unknown;
        let err = Valid::parse(d.clone()).unwrap_err();
        assert!(err.message().contains("who will find out"), "{err}");
        d.follow_ups = vec![FollowUp {
            what: "Ask ten customers".into(),
            owner: " ".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }];
        assert_eq!(
            Valid::parse(d.clone()).unwrap_err().field(),
            "follow-up 1 owner"
        );
        d.follow_ups[0].owner = "Aisha B.".into();
        assert!(Valid::parse(d).is_ok());
    }

    #[test]
    fn a_draft_with_several_problems_reports_them_all() {
        let mut d = draft();
        d.statement = " ".into();
        d.impact = "n/a".into();
        d.evidence.clear();
        d.no_evidence = false;
        let err = Valid::parse(d).unwrap_err();
        let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["statement", "impact", "evidence"], "{err}");
    }

    #[test]
    fn evidence_is_complaints_or_an_explicit_none_never_both_or_neither() {
        let mut d = draft();
        d.no_evidence = false;
        assert_eq!(Valid::parse(d.clone()).unwrap_err().field(), "evidence");
        d.evidence = vec![Uuid::new_v4()];
        assert!(Valid::parse(d.clone()).is_ok());
        d.no_evidence = true;
        assert_eq!(Valid::parse(d).unwrap_err().field(), "evidence");
    }

    #[test]
    fn words_parse_in_any_case() {
        assert_eq!(Direction::parse("Helps"), Some(Direction::Helps));
        assert_eq!(Stance::parse("OBJECTS"), Some(Stance::Objects));
        assert_eq!(Size::parse("huge"), None);
    }
}
