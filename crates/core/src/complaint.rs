//! Complaints: what customers said, in their words, with the facts an export carries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A complaint ready to be stored: parsed, checked and (unless turned off) redacted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewComplaint {
    /// Where it came from: a file name, "demo", "email", ...
    pub source: String,
    /// The id the source system gave it, when it had one.
    pub external_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    pub customer: String,
    pub segment: String,
    pub product: String,
    pub channel: String,
    pub severity: String,
    pub tags: Vec<String>,
}

/// A stored complaint as lists and detail panes show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Complaint {
    pub id: Uuid,
    pub source: String,
    pub external_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    pub customer: String,
    pub segment: String,
    pub product: String,
    pub channel: String,
    pub severity: String,
    pub tags: Vec<String>,
}

/// What the complaints screen asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ComplaintQuery {
    /// Words to search for in title and body; empty lists everything, newest first.
    pub text: String,
    pub product: Option<String>,
    pub segment: Option<String>,
    pub offset: u32,
    /// At most 500; 0 means the default of 50.
    pub limit: u32,
}

/// One page of complaints and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ComplaintPage {
    pub total: i64,
    pub items: Vec<Complaint>,
}

/// A value and how many complaints carry it, for filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

/// The facets of the whole complaint collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ComplaintFacets {
    pub products: Vec<FacetCount>,
    pub segments: Vec<FacetCount>,
}

/// The fingerprint that finds a re-imported complaint without an id: SHA-256 (hex) of its
/// title and body, lower-cased, with punctuation dropped and white space folded.
pub fn text_hash(title: &str, body: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut normal = String::with_capacity(title.len() + body.len() + 1);
    let mut pending_space = false;
    for c in title
        .chars()
        .chain(std::iter::once(' '))
        .chain(body.chars())
    {
        if c.is_ascii_alphanumeric() {
            if pending_space && !normal.is_empty() {
                normal.push(' ');
            }
            pending_space = false;
            normal.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            if pending_space && !normal.is_empty() {
                normal.push(' ');
            }
            pending_space = false;
            normal.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            pending_space = true;
        }
    }
    format!("{:x}", Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hash_ignores_case_punctuation_and_spacing() {
        assert_eq!(
            text_hash("Card declined", "My card was declined, AGAIN!"),
            text_hash("card declined", "my  card was\ndeclined again")
        );
        assert_ne!(
            text_hash("Card declined", "My card was declined"),
            text_hash("Card declined", "My card was not declined")
        );
    }
}
