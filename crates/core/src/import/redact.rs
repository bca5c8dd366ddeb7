//! Personal data redaction: e-mail addresses, phone numbers, payment card numbers
//! (Luhn-checked) and IBANs (checksum-checked) become visible tokens such as `[email]`, so
//! the text still reads naturally and nobody mistakes a gap for missing data.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// The token that replaces an e-mail address.
pub const EMAIL: &str = "[email]";
/// The token that replaces a phone number.
pub const PHONE: &str = "[phone]";
/// The token that replaces a payment card number.
pub const CARD: &str = "[card]";
/// The token that replaces an IBAN.
pub const IBAN: &str = "[iban]";

struct Patterns {
    email: Regex,
    iban: Regex,
    card: Regex,
    phone: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: Regex::new(r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
            .expect("valid pattern"),
        // Group 1 is what stands before the candidate (kept), group 2 the candidate.
        iban: Regex::new(r"(\b)([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})\b").expect("valid pattern"),
        card: Regex::new(r"(\b)([0-9](?:[ \-]?[0-9]){12,18})\b").expect("valid pattern"),
        phone: Regex::new(r"(^|[^0-9A-Za-z+(])(\+?\(?[0-9][0-9() .\-]{7,20}[0-9])\b")
            .expect("valid pattern"),
    })
}

/// Replaces personal data in `text`; borrows when there is nothing to replace.
pub fn redact(text: &str) -> Cow<'_, str> {
    let p = patterns();
    let mut out = Cow::Borrowed(text);
    if text.contains('@')
        && let Cow::Owned(s) = p.email.replace_all(&out, EMAIL)
    {
        out = Cow::Owned(s);
    }
    if out.bytes().filter(u8::is_ascii_digit).count() < 9 {
        return out;
    }
    for (re, check) in [
        (&p.iban, iban_valid as fn(&str) -> Option<&'static str>),
        (&p.card, card_valid),
        (&p.phone, phone_valid),
    ] {
        let replaced = re.replace_all(&out, |c: &Captures<'_>| {
            let candidate = &c[2];
            match check(candidate) {
                Some(token) => format!("{}{token}", &c[1]),
                None => c[0].to_string(),
            }
        });
        if let Cow::Owned(s) = replaced {
            out = Cow::Owned(s);
        }
    }
    out
}

fn iban_valid(m: &str) -> Option<&'static str> {
    let compact: String = m.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return None;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = c.to_digit(36)?;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    (rem == 1).then_some(IBAN)
}

fn card_valid(m: &str) -> Option<&'static str> {
    let digits: Vec<u32> = m.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return None;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10).then_some(CARD)
}

/// A phone number has 9 to 15 digits and looks dialled: it starts with `+`, `(` or `0`,
/// or groups its digits with spaces, dots or dashes. Bare long numbers (order and
/// reference numbers) and dates are left alone.
fn phone_valid(m: &str) -> Option<&'static str> {
    let digits = m.chars().filter(char::is_ascii_digit).count();
    if !(9..=15).contains(&digits) {
        return None;
    }
    let grouped = m.chars().any(|c| matches!(c, ' ' | '.' | '-' | '(' | ')'));
    let dialled = m.starts_with(['+', '(', '0']);
    if !(grouped || dialled) {
        return None;
    }
    // Dates and times such as 2020-01-15 12:30 are not phone numbers.
    let groups: Vec<&str> = m
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if groups
        .first()
        .is_some_and(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")))
        && groups.get(1).is_some_and(|g| g.len() <= 2)
    {
        return None;
    }
    Some(PHONE)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn emails_become_a_token() {
        assert_eq!(
            redact("write to jane.doe+bank@example.co.uk today"),
            "write to [email] today"
        );
    }

    #[test]
    fn luhn_valid_card_numbers_are_redacted_and_others_kept() {
        assert_eq!(
            redact("card 4111 1111 1111 1111 was charged"),
            "card [card] was charged"
        );
        assert_eq!(redact("card 4111-1111-1111-1111"), "card [card]");
        assert_eq!(
            redact("ref 4111111111111112 failed"),
            "ref 4111111111111112 failed",
            "fails Luhn"
        );
    }

    #[test]
    fn ibans_with_a_valid_checksum_are_redacted() {
        assert_eq!(
            redact("pay GB82 WEST 1234 5698 7654 32 now"),
            "pay [iban] now"
        );
        assert_eq!(redact("DE89370400440532013000"), "[iban]");
        assert!(
            !redact("GB00 WEST 1234 5698 7654 32").contains("[iban]"),
            "a bad checksum is no IBAN"
        );
    }

    #[test]
    fn phone_numbers_are_redacted() {
        assert_eq!(
            redact("call me on 07700 900123 please"),
            "call me on [phone] please"
        );
        assert_eq!(redact("or +44 20 7946 0958"), "or [phone]");
        assert_eq!(redact("US (555) 123-4567"), "US [phone]");
    }

    #[test]
    fn amounts_dates_and_reference_numbers_survive() {
        for keep in [
            "charged $1,234.56 on 2020-01-15",
            "on 2020-01-15 12:30:45 they called",
            "order 123456789 never arrived",
            "account ending 4417",
            "XX/XX/XXXX I paid {$200.00}",
        ] {
            assert_eq!(redact(keep), keep);
        }
    }
}
