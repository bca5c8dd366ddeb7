//! Customer themes: what customers keep saying, found in the complaints' text alone (no label
//! column), and whether complaints rose or fell.
//!
//! - [`cluster`]: themes from the complaints' meaning vectors (the language model that also
//!   ranks relevant complaints), with no number of themes given; what fits no theme stays
//!   unsorted.
//! - [`edits`]: merges and splits users make, replayed on every discovery, and the sorting
//!   of complaints read later into the themes found.
//! - [`names`]: a short readable name per theme from its distinctive words.
//! - [`change`]: a theme's trend and a decision's follow-through, with the test each uses.
//! - [`quality`]: normalized mutual information with labels people gave, for the evaluation.

pub mod change;
pub mod cluster;
pub mod edits;
pub mod names;
pub mod quality;

pub use change::{Change, FollowThrough, RateRatio, Verdict, follow_through, trend};
pub use cluster::{ThemeParams, Themes, Vectors, centred, cosine, discover};
pub use edits::{Edit, Split, measure_as_kept, replay, sort_into, split_in_two};
pub use names::name_themes;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A theme as the themes screen and `chair themes` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ThemeSummary {
    pub id: Uuid,
    pub name: String,
    /// The name found from its words, when a user gave it another.
    pub found_name: Option<String>,
    pub size: i64,
    /// Complaints received in the 30 days before "as of".
    pub recent: i64,
    /// In the 30 days before those.
    pub previous: i64,
    /// Complaints per week over the last 12 weeks the collection covers, oldest
    /// first.
    pub weekly: Vec<i64>,
    /// "rising", "falling", "steady", "too few to tell" (see [`change`]) or
    /// "too new to tell" (the complaints do not reach a week into the 30 days before the last 30).
    pub trend: String,
    /// When its oldest complaint was received: unheard since then when no meeting heard it.
    pub first_complaint: DateTime<Utc>,
    pub heard: bool,
    /// The last day a meeting dealt with one of its complaints.
    pub last_heard: Option<DateTime<Utc>>,
    /// The three complaints most typical of it.
    pub examples: Vec<Uuid>,
    pub segments: Vec<String>,
    /// The personas whose segments it touches.
    pub personas: Vec<String>,
}
