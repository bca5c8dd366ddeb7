//! Short readable names for themes, from their distinctive words and word pairs: a word or
//! pair scores by the share of the theme's complaints that use it, times how few themes use it
//! as much (class-based TF-IDF). Stop words, masks such as `XXXX` and numbers never name a
//! theme; each stem is shown in the form the theme's complaints use most.

use std::collections::HashMap;

use crate::relevance::text::{self, is_masking};

/// The words and word pairs of one complaint, each once: (stems, shown form).
fn terms(text: &str) -> Vec<(String, String)> {
    let tokens = text::tokens(text);
    let mut out: Vec<(String, String)> = Vec::new();
    let word = |t: &text::Token| text[t.start..t.end].to_lowercase();
    let usable = |t: &text::Token| {
        let w = &text[t.start..t.end];
        !t.stem.is_empty()
            && w.chars().count() > 1
            && !is_masking(w)
            && !w.chars().all(|c| c.is_ascii_digit())
    };
    for (i, t) in tokens.iter().enumerate() {
        if !usable(t) {
            continue;
        }
        out.push((t.stem.clone(), word(t)));
        if let Some(next) = tokens.get(i + 1)
            && usable(next)
            && next.stem != t.stem
            // Adjacent in the text: nothing but spaces between them.
            && text[t.end..next.start].chars().all(char::is_whitespace)
        {
            out.push((
                format!("{} {}", t.stem, next.stem),
                format!("{} {}", word(t), word(next)),
            ));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// A name for each theme, from the texts of its complaints (`themes[t]`: the texts of theme
/// `t`, or a sample of them). Two to five words.
pub fn name_themes(themes: &[Vec<&str>]) -> Vec<String> {
    // Per theme: how many complaints use each term, and the forms they use.
    let mut counts: Vec<HashMap<String, usize>> = Vec::with_capacity(themes.len());
    let mut forms: Vec<HashMap<String, HashMap<String, usize>>> = Vec::new();
    for texts in themes {
        let mut c: HashMap<String, usize> = HashMap::new();
        let mut f: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for t in texts {
            for (stems, shown) in terms(t) {
                *f.entry(stems.clone())
                    .or_default()
                    .entry(shown)
                    .or_default() += 1;
                *c.entry(stems).or_default() += 1;
            }
        }
        counts.push(c);
        forms.push(f);
    }
    // In how many themes each term is common (used by a tenth of the theme's complaints).
    let mut spread: HashMap<&str, usize> = HashMap::new();
    for (c, texts) in counts.iter().zip(themes) {
        let floor = (texts.len() as f64 * 0.1).max(1.0);
        for (term, &n) in c {
            if n as f64 >= floor {
                *spread.entry(term.as_str()).or_default() += 1;
            }
        }
    }
    let total = themes.len().max(1) as f64;
    // Each theme's terms, most telling first.
    let ranked: Vec<Vec<&str>> = counts
        .iter()
        .zip(themes)
        .map(|(c, texts)| {
            let size = texts.len().max(1) as f64;
            let mut scored: Vec<(f64, &str)> = c
                .iter()
                .filter(|(_, n)| **n >= 2 || texts.len() < 2)
                .map(|(term, &n)| {
                    let share = n as f64 / size;
                    let rarity =
                        (1.0 + total / *spread.get(term.as_str()).unwrap_or(&1) as f64).ln();
                    // A pair says more than either word: it counts a little more.
                    let pair = if term.contains(' ') { 1.2 } else { 1.0 };
                    (share * rarity * pair, term.as_str())
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            scored.into_iter().map(|(_, term)| term).collect()
        })
        .collect();
    let name = |k: usize, terms: usize| -> String {
        let mut chosen: Vec<&str> = Vec::new();
        let mut words = 0;
        for term in &ranked[k] {
            let stems: Vec<&str> = term.split(' ').collect();
            if chosen
                .iter()
                .any(|c| c.split(' ').any(|s| stems.contains(&s)))
            {
                continue;
            }
            if words + stems.len() > 5 {
                continue;
            }
            words += stems.len();
            chosen.push(term);
            if chosen.len() == terms || (terms == 2 && words >= 3) {
                break;
            }
        }
        let shown: Vec<String> = chosen
            .iter()
            .map(|term| {
                forms[k][*term]
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|(w, _)| w.clone())
                    .unwrap_or_else(|| (*term).to_string())
            })
            .collect();
        if shown.is_empty() {
            "unnamed theme".to_string()
        } else {
            shown.join(", ")
        }
    };
    let mut names: Vec<String> = (0..themes.len()).map(|k| name(k, 2)).collect();
    // Two themes named alike: each but the first says one thing more, so a person can tell
    // them apart.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (k, named) in names.iter_mut().enumerate() {
        if seen.contains(named) {
            *named = name(k, 3);
        }
        seen.insert(named.clone());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_is_named_by_what_sets_it_apart_in_its_own_words() {
        let cards = vec![
            "My card has not arrived yet",
            "When will my new card arrive? It has not arrived after two weeks",
            "The card still has not arrived",
            "Card not arrived, please help",
        ];
        let rates = vec![
            "Your exchange rate for euros is terrible",
            "Why is the exchange rate so bad on my card?",
            "The exchange rate applied was wrong",
        ];
        let masked = vec![
            "XXXX XXXX called me 1234",
            "XXXX XXXX again 1234",
            "XXXX XXXX twice",
        ];
        let names = name_themes(&[cards, rates, masked]);
        assert!(names[0].contains("arrived"), "{names:?}");
        assert!(names[1].contains("exchange rate"), "{names:?}");
        assert!(
            !names[2].contains("xxxx") && !names[2].contains("1234"),
            "{names:?}"
        );
        for n in &names {
            let words = n.split([' ', ',']).filter(|w| !w.is_empty()).count();
            assert!((1..=5).contains(&words), "{n}");
        }
    }

    #[test]
    fn themes_that_would_share_a_name_are_told_apart() {
        // The same words in both, and one more each in two of their three complaints.
        let first = vec![
            "Wrong information on my credit report",
            "Wrong information on my credit report about a loan",
            "Wrong information on my credit report, the loan was paid",
        ];
        let second = vec![
            "Wrong information on my credit report",
            "Wrong information on my credit report about my address",
            "Wrong information on my credit report: not my address",
        ];
        let names = name_themes(&[first, second]);
        assert_ne!(names[0], names[1], "{names:?}");
        assert!(names[1].contains("address"), "{names:?}");
    }
}
