//! Validation: drafts coming from a form or the command line become `Valid<T>` only through
//! their rules, so code that stores them never sees an unchecked value.

use crate::Invalid;

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

/// Trims `value`; refuses it when empty, longer than `max` characters, or holding control
/// characters other than newline and tab.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = optional(field, value, max)?;
    if v.is_empty() {
        return Err(Invalid::new(field, "is required"));
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
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid::new(field, "contains control characters"));
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
            format!("has {} entries; the limit is {max_items}", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_refused_when_blank() {
        assert_eq!(required("name", "  Maya ", 10).unwrap(), "Maya");
        let err = required("name", "   ", 10).unwrap_err();
        assert_eq!(err.field, "name");
        assert!(err.message.contains("required"), "{err}");
    }

    #[test]
    fn overlong_text_names_its_length_and_limit() {
        let err = optional("bio", &"x".repeat(11), 10).unwrap_err();
        assert!(
            err.message.contains("11") && err.message.contains("10"),
            "{err}"
        );
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
