//! Near-duplicate grouping: complaints that say the same thing in nearly the same words
//! (templates, copy-paste, re-sent messages) are shown once, with a count.
//!
//! Two complaints are near-duplicates when the sets of their word pairs (each word with the
//! next, as written, small words included) overlap by at least
//! [`Params::duplicate_jaccard`](super::Params) and neither has more than twice as many.
//! Pairs rather than single words, and every word rather than the stems that rank: two
//! short messages on one topic ("How many virtual cards can I get?", "Can I get a virtual
//! card?") share their few meaningful words but hardly a pair, while a copied or templated
//! complaint shares nearly all of them.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashSet as HashSet, FxHasher};

use super::Params;
use super::rank::{Candidate, Ranked};
use super::text::{each_word, is_masking};

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
    candidates: &[Candidate],
    max_groups: usize,
    params: &Params,
) -> Vec<Group> {
    let sets: Vec<HashSet<u64>> = ranked
        .iter()
        .map(|r| {
            let c = &candidates[r.index];
            word_pairs(&c.title, &c.body)
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

/// Each word of `title` then `body` (a run of letters and digits, lower-cased) with the one
/// after it, hashed; a lone word stands as a pair of its own. Masking tokens (`XXXX`, as in
/// `XX/XX/XXXX`) are left out: what was masked says nothing about what was written.
fn word_pairs(title: &str, body: &str) -> HashSet<u64> {
    let mut out = HashSet::default();
    let mut last: Option<u64> = None;
    for text in [title, body] {
        each_word(text, |_, _, word| {
            if is_masking(word) {
                return;
            }
            let mut h = FxHasher::default();
            word.hash(&mut h);
            let h = h.finish();
            if let Some(l) = last {
                out.insert(l.rotate_left(29) ^ h);
            }
            last = Some(h);
        });
    }
    if out.is_empty()
        && let Some(l) = last
    {
        out.insert(l);
    }
    out
}

fn similar(a: &HashSet<u64>, b: &HashSet<u64>, threshold: f64) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(texts: &[&str]) -> Vec<Candidate> {
        texts.iter().map(|t| Candidate::with_body(t)).collect()
    }

    fn ranking(order: impl IntoIterator<Item = usize>) -> Vec<Ranked> {
        order
            .into_iter()
            .map(|index| Ranked {
                index,
                score: 1.0,
                relevance: 1.0,
                matched: Vec::new(),
                similar: false,
            })
            .collect()
    }

    fn grouped(texts: &[&str]) -> Vec<Group> {
        group(
            &ranking(0..texts.len()),
            &candidates(texts),
            10,
            &Params::default(),
        )
    }

    #[test]
    fn a_copied_complaint_joins_the_first_and_a_different_one_on_the_topic_does_not() {
        let groups = grouped(&[
            "My card payment was declined at the supermarket again today, please fix it, ref 1",
            "My card payment was declined at the supermarket again today, please fix it, ref 2",
            "How many virtual cards can I get?",
            "Can I get a virtual card?",
        ]);
        assert_eq!(
            groups,
            [
                Group {
                    lead: 0,
                    members: vec![1]
                },
                Group {
                    lead: 2,
                    members: vec![]
                },
                Group {
                    lead: 3,
                    members: vec![]
                },
            ]
        );
    }

    #[test]
    fn the_same_words_in_another_order_are_not_a_copy() {
        let groups = grouped(&[
            "the bank closed my account without notice and kept my money for weeks",
            "my money the bank kept for weeks and without notice closed my account",
        ]);
        assert_eq!(groups.len(), 2, "{groups:?}");
    }

    #[test]
    fn case_punctuation_and_the_title_body_split_do_not_matter() {
        let mut texts = candidates(&[
            "Refund refused. The shop said the card payment was final, ref 11",
            "",
        ]);
        texts[1].title = "REFUND REFUSED".into();
        texts[1].body = "the shop said -- the card payment was FINAL; ref 12".into();
        let groups = group(&ranking(0..2), &texts, 10, &Params::default());
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].members, [1]);
    }

    #[test]
    fn empty_and_masked_texts_are_never_copies() {
        let groups = grouped(&[
            "",
            "?!",
            "",
            "On XX/XX/XXXX I called XXXX about my mortgage escrow",
            "On XX/XX/XXXX I wrote to XXXX XXXX about a late fee",
        ]);
        assert_eq!(groups.len(), 5, "{groups:?}");
        assert!(word_pairs("", "").is_empty());
        assert_eq!(word_pairs("", "XXXX xx/xx").len(), 0);
        assert_eq!(word_pairs("", "fee").len(), 1, "a lone word counts");
    }

    #[test]
    fn groups_stop_at_the_limit_but_still_gather_their_members() {
        let texts = candidates(&[
            "Late fee charged twice on my statement for March",
            "Late fee charged twice on my statement for April",
            "Late fee charged twice on my statement for May",
            "A branch closed without notice",
        ]);
        let ranked = ranking([3, 0, 1, 2]);
        let groups = group(&ranked, &texts, 1, &Params::default());
        assert_eq!(
            groups,
            [Group {
                lead: 0,
                members: vec![]
            }]
        );
        let groups = group(&ranked, &texts, 2, &Params::default());
        assert_eq!(groups[1].members, [2, 3], "{groups:?}");
    }
}
