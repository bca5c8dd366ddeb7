//! The thesaurus: groups of words and phrases that mean the same thing to a team and to its
//! customers ("fee" and "charged", "delivery" and "arrived"), as the user writes them. No
//! groups are built in: a general list widened everyday words into unrelated ones.

use std::collections::HashMap;

use super::text::stem_word;

/// A word or phrase of a group: its words as written and their stems (stop words left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub words: Vec<String>,
    pub stems: Vec<String>,
}

impl Phrase {
    fn parse(text: &str) -> Option<Phrase> {
        let text = text.trim().trim_matches('"').trim().to_lowercase();
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let stems: Vec<String> = words.iter().filter_map(|w| stem_word(w)).collect();
        (!stems.is_empty()).then_some(Phrase { words, stems })
    }
}

/// Groups of interchangeable phrases, indexed by the first stem of each phrase.
#[derive(Debug, Clone, Default)]
pub struct Thesaurus {
    groups: Vec<Vec<Phrase>>,
    index: HashMap<String, Vec<(usize, usize)>>,
}

/// Where a group's phrase occurs in a run of stems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub position: usize,
    pub len: usize,
    pub group: usize,
}

impl Thesaurus {
    /// Reads groups, one per line, phrases separated by commas; `#` starts a comment.
    pub fn parse(text: &str) -> Thesaurus {
        let mut t = Thesaurus::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let phrases: Vec<&str> = line.split(',').collect();
            t.add_group(&phrases);
        }
        t
    }

    /// This thesaurus with the user's groups added: each is a term and its related phrases.
    pub fn with(&self, user: &[(String, Vec<String>)]) -> Thesaurus {
        let mut t = self.clone();
        for (term, related) in user {
            let mut phrases: Vec<&str> = vec![term.as_str()];
            phrases.extend(related.iter().map(String::as_str));
            t.add_group(&phrases);
        }
        t
    }

    fn add_group(&mut self, phrases: &[&str]) {
        let mut group: Vec<Phrase> = Vec::new();
        for p in phrases.iter().filter_map(|p| Phrase::parse(p)) {
            if !group.iter().any(|g| g.stems == p.stems) {
                group.push(p);
            }
        }
        if group.len() < 2 {
            return;
        }
        let g = self.groups.len();
        for (i, p) in group.iter().enumerate() {
            self.index
                .entry(p.stems[0].clone())
                .or_default()
                .push((g, i));
        }
        self.groups.push(group);
    }

    /// The phrases of group `g`.
    pub fn group(&self, g: usize) -> &[Phrase] {
        &self.groups[g]
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every group phrase found in `stems`, longest match first at each position.
    pub fn find(&self, stems: &[String]) -> Vec<Found> {
        let mut out = Vec::new();
        for pos in 0..stems.len() {
            let Some(entries) = self.index.get(&stems[pos]) else {
                continue;
            };
            for &(g, i) in entries {
                let p = &self.groups[g][i];
                if stems[pos..].starts_with(&p.stems)
                    && !out
                        .iter()
                        .any(|f: &Found| f.group == g && f.position == pos)
                {
                    out.push(Found {
                        position: pos,
                        len: p.stems.len(),
                        group: g,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::text::stems;

    #[test]
    fn phrases_match_as_a_whole() {
        let t = Thesaurus::parse("\"credit report\", \"credit file\", bureau\n");
        assert_eq!(t.find(&stems("my credit report is wrong")).len(), 1);
        assert!(t.find(&stems("my credit card")).is_empty());
    }

    #[test]
    fn user_groups_extend_the_thesaurus() {
        let t = Thesaurus::parse("")
            .with(&[("payout".into(), vec!["settlement".into(), "takings".into()])]);
        let found = t.find(&stems("takings are late"));
        assert_eq!(found.len(), 1);
        assert_eq!(t.group(found[0].group).len(), 3);
    }
}
