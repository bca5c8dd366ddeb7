//! Validation: drafts coming from a form or the command line become `Valid<T>` only through
//! their rules, so code that stores them never sees an unchecked value.

use serde::{Deserialize, Serialize};

use crate::decision::DecisionDraft;
use crate::live::EscalationDraft;
use crate::meeting::MeetingDraft;
use crate::persona::PersonaDraft;
use crate::{Invalid, Problem};

/// A value whose rules have been checked and whose text has been normalised.
/// The only way to get one is [`Valid::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Valid<T>(T);

/// Rules a draft must satisfy; `normalise` trims and tidies, then checks.
pub trait Validate: Sized {
    /// Returns the tidied value, or the first rule it breaks.
    fn normalise(self) -> Result<Self, Invalid>;
}

impl<T: Validate> Valid<T> {
    /// Checks `draft` and wraps it.
    pub fn parse(draft: T) -> Result<Self, Invalid> {
        draft.normalise().map(Valid)
    }
}

impl<T> Valid<T> {
    /// The checked value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// Gives the checked value back.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Valid<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A form's draft, checked as it would be on saving but without saving it, so that a form can
/// clear each problem the moment it is put right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "draft", rename_all = "snake_case")]
pub enum Draft {
    Meeting(MeetingDraft),
    Persona(PersonaDraft),
    Decision(DecisionDraft),
    /// A decision that corrects an earlier one, with why.
    Correction {
        reason: String,
        decision: DecisionDraft,
    },
    Escalation(EscalationDraft),
}

impl Draft {
    /// Every problem saving the draft would be refused for; empty when it would be accepted.
    pub fn problems(self) -> Vec<Problem> {
        fn of<T: Validate>(draft: T) -> Vec<Problem> {
            draft
                .normalise()
                .err()
                .map(|e| e.problems)
                .unwrap_or_default()
        }
        match self {
            Self::Meeting(d) => of(d),
            Self::Persona(d) => of(d),
            Self::Decision(d) => of(d),
            Self::Correction { reason, decision } => {
                let mut all = crate::decision::correction_reason(&reason)
                    .err()
                    .map(|e| e.problems)
                    .unwrap_or_default();
                all.extend(of(decision));
                all
            }
            Self::Escalation(d) => of(d),
        }
    }
}

/// Trims `value`; refuses it when empty, longer than `max` characters, or holding control
/// characters other than newline and tab.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = optional(field, value, max)?;
    if v.is_empty() {
        return Err(Invalid::new(field, "required"));
    }
    Ok(v)
}

/// Like [`required`] but an empty value is allowed.
pub fn optional(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    let len = v.chars().count();
    if len > max {
        return Err(Invalid::new(
            field,
            format!(
                "{} characters is too long; at most {} fit",
                grouped(len),
                grouped(max)
            ),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid::new(
            field,
            "holds control characters; only text, tabs and line breaks fit",
        ));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// A short single-line label: like [`required`], and no line breaks.
pub fn label(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = required(field, value, max)?;
    if v.contains('\n') {
        return Err(Invalid::new(field, "must fit on one line"));
    }
    Ok(v)
}

/// A list of short labels: each trimmed, empty entries dropped, repeats (ignoring case)
/// removed, at most `max_items` entries of at most `max_len` characters.
pub fn labels(
    field: &str,
    values: &[String],
    max_items: usize,
    max_len: usize,
) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = optional(field, v, max_len)?;
        if v.is_empty() || out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
            continue;
        }
        if v.contains('\n') {
            return Err(Invalid::new(field, "entries must fit on one line"));
        }
        out.push(v);
    }
    if out.len() > max_items {
        return Err(Invalid::new(
            field,
            format!("{} entries is too many; at most {max_items} fit", out.len()),
        ));
    }
    Ok(out)
}

/// `n` with its thousands set apart, as a person writes it: 413582 → "413,582".
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_checked_without_being_saved_and_lists_every_problem() {
        let meeting = MeetingDraft::default();
        let fields =
            |d: Draft| -> Vec<String> { d.problems().into_iter().map(|p| p.field).collect() };
        assert_eq!(fields(Draft::Meeting(meeting)), ["title"]);
        let persona = PersonaDraft {
            name: "Maya".into(),
            ..Default::default()
        };
        assert!(fields(Draft::Persona(persona)).is_empty());
    }

    #[test]
    fn required_text_is_trimmed_and_refused_when_blank() {
        assert_eq!(required("name", "  Maya ", 10).unwrap(), "Maya");
        let err = required("name", "   ", 10).unwrap_err();
        assert_eq!(err.field(), "name");
        assert!(err.message().contains("required"), "{err}");
    }

    #[test]
    fn overlong_text_names_its_length_and_limit() {
        let err = optional("bio", &"x".repeat(11), 10).unwrap_err();
        assert!(
            err.message().contains("11") && err.message().contains("10"),
            "{err}"
        );
    }

    #[test]
    fn counts_are_written_with_their_thousands_set_apart() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(4_000), "4,000");
        assert_eq!(grouped(413_582), "413,582");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(optional("bio", "a\u{0}b", 10).is_err());
        assert!(optional("bio", "a\nb\tc", 10).is_ok());
    }

    #[test]
    fn labels_drop_blanks_and_repeats_ignoring_case() {
        let got = labels(
            "keywords",
            &[
                "fees".into(),
                " ".into(),
                "Fees".into(),
                "late salary".into(),
            ],
            5,
            20,
        )
        .unwrap();
        assert_eq!(got, vec!["fees", "late salary"]);
    }
}
