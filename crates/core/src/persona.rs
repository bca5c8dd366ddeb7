//! Personas: who sits in the empty chair. A persona is tied to complaints by the complaint
//! segments it stands for and by keyword hints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validate::{Validate, label, labels, optional};
use crate::{Invalid, Problems};

/// A persona as the user writes it in the form or on the command line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonaDraft {
    pub name: String,
    pub segment: String,
    pub role: String,
    pub bio: String,
    pub goals: Vec<String>,
    pub frustrations: Vec<String>,
    pub quote: String,
    /// `#rrggbb`; empty picks one from the name.
    pub color: String,
    /// Words and phrases that tie complaints to this persona.
    pub keywords: Vec<String>,
    /// Complaint segment values this persona stands for.
    pub segments: Vec<String>,
}

impl Validate for PersonaDraft {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let name = p.keep(label("name", &self.name, 80));
        let color = if self.color.trim().is_empty() {
            color_for(&name)
        } else {
            p.keep(parse_color(&self.color))
        };
        let segment = p.keep(optional("segment", &self.segment, 60));
        let mut segments = p.keep(labels("segments", &self.segments, 20, 60));
        if !segment.is_empty() && !segments.iter().any(|s| s.eq_ignore_ascii_case(&segment)) {
            segments.insert(0, segment.clone());
        }
        let persona = Self {
            name,
            segment,
            role: p.keep(optional("role", &self.role, 120)),
            bio: p.keep(optional("bio", &self.bio, 2_000)),
            goals: p.keep(labels("goals", &self.goals, 12, 300)),
            frustrations: p.keep(labels("frustrations", &self.frustrations, 12, 300)),
            quote: p.keep(optional("quote", &self.quote, 500)),
            color,
            keywords: p
                .keep(labels("keywords", &self.keywords, 40, 60))
                .into_iter()
                .map(|k| k.to_lowercase())
                .collect(),
            segments,
        };
        p.done(persona)
    }
}

/// A stored persona with its live complaint figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Persona {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: PersonaDraft,
    /// One or two letters for the avatar.
    pub initials: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Complaints from this persona's segments, all time.
    pub complaint_count: i64,
    /// Of those, received in the last 30 days.
    pub recent_count: i64,
    /// Received in the 30 days before that, to show a trend.
    pub previous_count: i64,
}

/// One or two capital letters from a name: "Maya Okafor" → "MO".
pub fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|w| w.chars().next());
    let first = words.next();
    let last = words.next_back();
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

fn parse_color(value: &str) -> Result<String, Invalid> {
    let v = value.trim().to_ascii_lowercase();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(v)
    } else {
        Err(Invalid::new("color", "must look like #2f7d6d"))
    }
}

/// A calm colour chosen from the name, so a persona without one still gets a stable avatar.
fn color_for(name: &str) -> String {
    const PALETTE: [&str; 8] = [
        "#2f7d6d", "#8a5a2b", "#4a5fa8", "#9b3d5a", "#5f7a2e", "#6b4fa0", "#2c7a9a", "#a8552f",
    ];
    let h = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[(h as usize) % PALETTE.len()].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Valid;

    fn draft(name: &str) -> PersonaDraft {
        PersonaDraft {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn persona_without_a_name_is_refused() {
        let err = Valid::parse(draft("  ")).unwrap_err();
        assert_eq!(err.field(), "name");
    }

    #[test]
    fn persona_gets_a_colour_and_its_segment_in_segments() {
        let mut d = draft("Maya Okafor");
        d.segment = "small-business".into();
        let v = Valid::parse(d).unwrap();
        assert!(v.color.starts_with('#') && v.color.len() == 7);
        assert_eq!(v.segments, vec!["small-business"]);
    }

    #[test]
    fn malformed_colour_is_refused() {
        let mut d = draft("Tom");
        d.color = "green".into();
        assert_eq!(Valid::parse(d).unwrap_err().field(), "color");
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Maya Okafor"), "MO");
        assert_eq!(initials("ruth anna lindqvist"), "RL");
        assert_eq!(initials("Cher"), "C");
        assert_eq!(initials(""), "");
    }
}
