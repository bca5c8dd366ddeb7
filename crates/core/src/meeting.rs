//! Meetings and their agenda items. Each item states the customer problem it is about
//! before anything else (work backwards from the customer).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validate::{Validate, label, labels, optional};
use crate::{Invalid, Problems};

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Planned,
    Live,
    Closed,
}

impl MeetingStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Live => "live",
            Self::Closed => "closed",
        }
    }

    /// Reads the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "planned" => Some(Self::Planned),
            "live" => Some(Self::Live),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// An agenda item as written in the meeting form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgendaItemDraft {
    /// Present when editing an item that already exists.
    pub id: Option<Uuid>,
    pub title: String,
    pub description: String,
    /// What problem of the customer's this item is about.
    pub customer_problem: String,
    pub owner: String,
    pub timebox_minutes: u32,
    pub keywords: Vec<String>,
    /// The unfinished item of an earlier meeting this one continues.
    pub carried_from: Option<Uuid>,
}

/// A meeting and its agenda as written in the form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeetingDraft {
    pub title: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub facilitator: String,
    /// The person in the empty chair.
    pub advocate: String,
    pub description: String,
    /// Personas in the chair, first is the main one.
    pub persona_ids: Vec<Uuid>,
    /// In agenda order.
    pub items: Vec<AgendaItemDraft>,
}

/// Longest timebox an item may ask for.
pub const MAX_TIMEBOX_MINUTES: u32 = 240;
/// Most agenda items one meeting may hold.
pub const MAX_ITEMS: usize = 60;

impl Validate for AgendaItemDraft {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let title = p.keep(label("title", &self.title, 200));
        if self.timebox_minutes == 0 || self.timebox_minutes > MAX_TIMEBOX_MINUTES {
            p.add(
                "timebox",
                format!("must be between 1 and {MAX_TIMEBOX_MINUTES} minutes"),
            );
        }
        let item = Self {
            id: self.id,
            carried_from: self.carried_from,
            title,
            customer_problem: p.keep(optional("customer problem", &self.customer_problem, 1_000)),
            description: p.keep(optional("description", &self.description, 4_000)),
            owner: p.keep(optional("owner", &self.owner, 120)),
            timebox_minutes: self.timebox_minutes,
            keywords: p
                .keep(labels("keywords", &self.keywords, 30, 60))
                .into_iter()
                .map(|k| k.to_lowercase())
                .collect(),
        };
        p.done(item)
    }
}

impl Validate for MeetingDraft {
    fn normalise(self) -> Result<Self, Invalid> {
        let mut p = Problems::default();
        let title = p.keep(label("title", &self.title, 200));
        let facilitator = p.keep(optional("facilitator", &self.facilitator, 120));
        let advocate = p.keep(optional("advocate", &self.advocate, 120));
        let description = p.keep(optional("description", &self.description, 4_000));
        if self.items.len() > MAX_ITEMS {
            p.add(
                "agenda",
                format!(
                    "{} items is too many; at most {MAX_ITEMS} fit",
                    self.items.len()
                ),
            );
        }
        let mut items = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.into_iter().enumerate() {
            let Some(item) = p.keep(
                item.normalise()
                    .map(Some)
                    .map_err(|e| e.within(&format!("agenda item {} ", i + 1))),
            ) else {
                continue;
            };
            if let Some(id) = item.id
                && items.iter().any(|o: &AgendaItemDraft| o.id == Some(id))
            {
                p.add("agenda", "lists the same item twice");
            }
            items.push(item);
        }
        let mut persona_ids: Vec<Uuid> = Vec::new();
        for id in self.persona_ids {
            if !persona_ids.contains(&id) {
                persona_ids.push(id);
            }
        }
        p.done(Self {
            title,
            scheduled_at: self.scheduled_at,
            facilitator,
            advocate,
            description,
            persona_ids,
            items,
        })
    }
}

/// A stored agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgendaItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    /// 0-based place in the agenda.
    pub position: i64,
    pub title: String,
    pub description: String,
    pub customer_problem: String,
    pub owner: String,
    pub timebox_minutes: u32,
    pub keywords: Vec<String>,
    pub carried_from: Option<Uuid>,
}

/// A stored meeting without its items, for lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeetingSummary {
    pub id: Uuid,
    pub title: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub facilitator: String,
    pub advocate: String,
    pub status: MeetingStatus,
    pub item_count: i64,
    pub decision_count: i64,
    pub updated_at: DateTime<Utc>,
}

/// A stored meeting with everything the detail screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Meeting {
    pub id: Uuid,
    pub title: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub facilitator: String,
    pub advocate: String,
    pub description: String,
    pub status: MeetingStatus,
    pub persona_ids: Vec<Uuid>,
    pub items: Vec<AgendaItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The series a meeting belongs to: its title without numbers, case or punctuation, so
/// "Product council — week 47" and "Product Council, week 48" are the same series.
pub fn series_of(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_alphabetic() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_series_ignores_numbers_case_and_punctuation() {
        use super::series_of;
        assert_eq!(
            series_of("Product council — week 47"),
            series_of("Product Council, week 48")
        );
        assert_ne!(series_of("Product council"), series_of("Pricing council"));
        assert_eq!(series_of("2026-11-22"), "");
    }

    use super::*;
    use crate::Valid;

    fn item(title: &str, minutes: u32) -> AgendaItemDraft {
        AgendaItemDraft {
            title: title.into(),
            timebox_minutes: minutes,
            ..Default::default()
        }
    }

    #[test]
    fn meeting_without_title_is_refused() {
        let err = Valid::parse(MeetingDraft::default()).unwrap_err();
        assert_eq!(err.field(), "title");
    }

    #[test]
    fn agenda_item_errors_name_the_item() {
        let d = MeetingDraft {
            title: "Weekly".into(),
            items: vec![item("Fees", 10), item(" ", 10)],
            ..Default::default()
        };
        let err = Valid::parse(d).unwrap_err();
        assert_eq!(err.field(), "agenda item 2 title", "{err}");
    }

    #[test]
    fn every_problem_is_reported_at_once_in_the_order_of_the_form() {
        let d = MeetingDraft {
            title: " ".into(),
            description: "x".repeat(4_001),
            items: vec![item("Fees", 10), item("", 0)],
            ..Default::default()
        };
        let err = Valid::parse(d).unwrap_err();
        let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "description",
                "agenda item 2 title",
                "agenda item 2 timebox"
            ]
        );
        assert_eq!(
            err.problems[1].message,
            "4,001 characters is too long; at most 4,000 fit"
        );
    }

    #[test]
    fn timebox_must_be_positive_and_bounded() {
        for minutes in [0, MAX_TIMEBOX_MINUTES + 1] {
            let d = MeetingDraft {
                title: "Weekly".into(),
                items: vec![item("Fees", minutes)],
                ..Default::default()
            };
            assert!(Valid::parse(d).is_err(), "{minutes} minutes accepted");
        }
    }

    #[test]
    fn repeated_personas_are_kept_once_in_order() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let d = MeetingDraft {
            title: "Weekly".into(),
            persona_ids: vec![a, b, a],
            ..Default::default()
        };
        assert_eq!(Valid::parse(d).unwrap().persona_ids, vec![a, b]);
    }
}
