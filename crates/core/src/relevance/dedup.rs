//! Near-duplicate grouping: complaints that say the same thing in nearly the same words
//! (templates, copy-paste, re-sent messages) are shown once, with a count.
//!
//! Two complaints are near-duplicates when the sets of their stems overlap by at least
//! [`Params::duplicate_jaccard`](super::Params) and neither is more than twice as long.

use rustc_hash::FxHashSet as HashSet;

use super::Params;
use super::rank::{Analysed, Ranked};
use super::text::StemId;

/// A complaint that leads a group and the complaints it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Index into the ranking.
    pub lead: usize,
    pub members: Vec<usize>,
}

/// Groups `ranked` (best first) into near-duplicate groups led by their best member; stops
/// after `max_groups` groups but still counts members of those groups further down.
pub fn group(
    ranked: &[Ranked],
    analysed: &[Analysed],
    max_groups: usize,
    params: &Params,
) -> Vec<Group> {
    let sets: Vec<HashSet<StemId>> = ranked
        .iter()
        .map(|r| {
            let a = &analysed[r.index];
            a.title.iter().chain(&a.body).copied().collect()
        })
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let home = groups
            .iter()
            .position(|g| similar(&sets[g.lead], set, params.duplicate_jaccard));
        match home {
            Some(g) => groups[g].members.push(i),
            None if groups.len() < max_groups => groups.push(Group {
                lead: i,
                members: Vec::new(),
            }),
            None => {}
        }
    }
    groups
}

fn similar(a: &HashSet<StemId>, b: &HashSet<StemId>, threshold: f64) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if (large.len() as f64) > 2.0 * small.len() as f64 {
        return false;
    }
    let shared = small.iter().filter(|w| large.contains(*w)).count() as f64;
    let union = (a.len() + b.len()) as f64 - shared;
    shared / union >= threshold
}
