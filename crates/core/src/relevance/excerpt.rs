//! Excerpts with the matching words marked, as text segments (never HTML), so the screen
//! and the command line can show why a complaint matched.

use serde::{Deserialize, Serialize};

use super::text::tokens;

/// A run of text, marked when it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// `text` cut to about `max` characters around its densest run of matches (whole words,
/// "…" where cut), split into segments with the words whose stem is in `hits` marked.
pub fn excerpt(text: &str, hits: &dyn Fn(&str) -> bool, max: usize) -> Vec<Segment> {
    let toks = tokens(text);
    let marked: Vec<bool> = toks
        .iter()
        .map(|t| !t.stem.is_empty() && hits(&t.stem))
        .collect();
    let (from, to) = window(text, &toks, &marked, max);
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |s: &str, hit: bool| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(s),
            _ => out.push(Segment {
                text: s.to_string(),
                hit,
            }),
        }
    };
    if from > 0 {
        push("…", false);
    }
    let mut at = from;
    for (t, &m) in toks.iter().zip(&marked) {
        if t.start < from || t.end > to {
            continue;
        }
        push(&clean(&text[at..t.start]), false);
        push(&text[t.start..t.end], m);
        at = t.end;
    }
    push(&clean(&text[at..to]), false);
    if to < text.len() {
        push("…", false);
    }
    out
}

/// Folds line breaks and runs of spaces so an excerpt reads as one paragraph.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// The byte range of at most `max` bytes that starts at a match and holds the most matches,
/// widened backwards with what room is left so the first match has some context.
fn window(text: &str, toks: &[super::text::Token], marked: &[bool], max: usize) -> (usize, usize) {
    if text.len() <= max || toks.is_empty() {
        return (0, text.len());
    }
    let mut best = (0usize, 0usize); // (matches, first token)
    for (i, _) in marked.iter().enumerate().filter(|(_, m)| **m) {
        let start = toks[i].start;
        let hits = toks[i..]
            .iter()
            .zip(&marked[i..])
            .take_while(|(t, _)| t.end - start <= max)
            .filter(|(_, m)| **m)
            .count();
        if hits > best.0 {
            best = (hits, i);
        }
    }
    let first = best.1;
    let end = toks[first..]
        .iter()
        .take_while(|t| t.end - toks[first].start <= max)
        .last()
        .map_or(toks[first].end, |t| t.end);
    let mut from = first;
    while from > 0 && end - toks[from - 1].start <= max && first - from < 12 {
        from -= 1;
    }
    let start = if from == 0 { 0 } else { toks[from].start };
    (start, end)
}

/// The segments as plain text.
pub fn plain(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_words_are_marked_and_the_rest_kept() {
        let segs = excerpt(
            "I was charged an overdraft fee.",
            &|s| s == "overdraft" || s == "fee",
            200,
        );
        assert_eq!(plain(&segs), "I was charged an overdraft fee.");
        let hits: Vec<_> = segs
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(hits, ["overdraft", "fee"]);
    }

    #[test]
    fn long_texts_are_cut_around_the_matches() {
        let text = format!(
            "{} my card never arrived {}",
            "blah ".repeat(100),
            "blah ".repeat(100)
        );
        let segs = excerpt(&text, &|s| s == "card" || s == "arriv", 60);
        let p = plain(&segs);
        assert!(p.starts_with('…') && p.ends_with('…'), "{p}");
        assert!(p.contains("card never arrived"), "{p}");
        assert!(p.chars().count() <= 64, "{}", p.chars().count());
    }
}
