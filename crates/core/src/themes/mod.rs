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
