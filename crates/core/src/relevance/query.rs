//! Building the query for an agenda item: the words of its title, keywords, customer problem
//! and description, weighted by where they stand, widened with thesaurus phrases and the
//! persona's keywords. Each original word is a "concept"; its thesaurus phrases belong to it.

use super::Params;
use super::text::{fts_strings, stems, tokens};
use super::thesaurus::Thesaurus;

/// Where a query term came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Title,
    Keyword,
    Problem,
    Description,
    Thesaurus,
    Persona,
}

/// One word or phrase of the query.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// As written, lower case; several words make a phrase.
    pub words: Vec<String>,
    pub stems: Vec<String>,
    pub weight: f64,
    /// Terms of one concept do not add up fully: a complaint that says "fee" and "charge"
    /// is not twice as relevant as one that says "fee".
    pub concept: usize,
    pub origin: Origin,
    /// How many complaints contain it (filled in by the store), for its rarity.
    pub df: f64,
}

/// The words an agenda item is about.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ItemText {
    pub title: String,
    pub description: String,
    pub customer_problem: String,
    pub keywords: Vec<String>,
}

/// A weighted query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    /// The term with these stems, if there is one.
    pub fn position(&self, stems: &[String]) -> Option<usize> {
        self.terms.iter().position(|t| t.stems == stems)
    }

    fn add(
        &mut self,
        words: Vec<String>,
        stems: Vec<String>,
        weight: f64,
        concept: Option<usize>,
        origin: Origin,
        said: bool,
    ) -> usize {
        if let Some(i) = self.position(&stems) {
            // Said again in the item: counts again, as a word's frequency in the query. A
            // thesaurus phrase reached again only keeps the heavier weight.
            let t = &mut self.terms[i];
            t.weight = if said {
                t.weight + weight
            } else {
                t.weight.max(weight)
            };
            return t.concept;
        }
        let concept =
            concept.unwrap_or_else(|| self.terms.iter().map(|t| t.concept + 1).max().unwrap_or(0));
        self.terms.push(Term {
            words,
            stems,
            weight,
            concept,
            origin,
            df: 0.0,
        });
        concept
    }

    /// The words of term `i` as FTS5 strings (see [`fts_strings`]): complaints holding all
    /// of them are the term's candidates (the ranking then checks that a phrase's words
    /// stand together). Empty when no word is left to search by.
    pub fn fts_strings(&self, i: usize) -> Vec<String> {
        self.terms[i]
            .words
            .iter()
            .flat_map(|w| fts_strings(w, false))
            .collect()
    }
}

/// The query for `item`, with the persona's keywords when a persona is in the chair.
pub fn build(
    item: &ItemText,
    persona_keywords: &[String],
    thesaurus: &Thesaurus,
    params: &Params,
) -> Query {
    let mut q = Query::default();
    let keywords = item.keywords.join(" , ");
    let fields: [(&str, Origin); 4] = [
        (&item.title, Origin::Title),
        (&keywords, Origin::Keyword),
        (&item.customer_problem, Origin::Problem),
        (&item.description, Origin::Description),
    ];
    for (text, origin) in fields {
        add_text(&mut q, text, 1.0, origin, thesaurus, params);
    }

    for k in persona_keywords {
        add_text(
            &mut q,
            k,
            params.persona_weight,
            Origin::Persona,
            thesaurus,
            params,
        );
    }
    q
}

fn add_text(
    q: &mut Query,
    text: &str,
    weight: f64,
    origin: Origin,
    thesaurus: &Thesaurus,
    params: &Params,
) {
    let toks: Vec<_> = tokens(text)
        .into_iter()
        .filter(|t| !t.stem.is_empty())
        .collect();
    let stems: Vec<String> = toks.iter().map(|t| t.stem.clone()).collect();
    let mut concepts = Vec::with_capacity(toks.len());
    for t in &toks {
        let word = text[t.start..t.end].to_lowercase();
        concepts.push(q.add(vec![word], vec![t.stem.clone()], weight, None, origin, true));
    }
    if params.thesaurus_weight <= 0.0 {
        return;
    }
    for found in thesaurus.find(&stems) {
        let concept = concepts[found.position];
        for phrase in thesaurus.group(found.group) {
            if phrase.stems == stems[found.position..found.position + found.len] {
                continue;
            }
            let w = weight * params.thesaurus_weight / (phrase.stems.len() as f64).sqrt();
            q.add(
                phrase.words.clone(),
                phrase.stems.clone(),
                w,
                Some(concept),
                Origin::Thesaurus,
                false,
            );
        }
    }
}

/// The stems of `text`, for callers that want them without building a query.
pub fn text_stems(text: &str) -> Vec<String> {
    stems(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, description: &str) -> ItemText {
        ItemText {
            title: title.into(),
            description: description.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_items_fields_weigh_alike_a_word_said_twice_counts_twice_and_persona_words_less() {
        let p = Params::default();
        let q = build(
            &item(
                "Overdraft fees",
                "Should we add a grace period to overdraft?",
            ),
            &["students".to_string()],
            &Thesaurus::default(),
            &p,
        );
        let w = |s: &str| {
            q.terms
                .iter()
                .find(|t| t.words == [s])
                .map(|t| t.weight)
                .unwrap_or(0.0)
        };
        assert_eq!(w("fees"), w("grace"), "{q:?}");
        assert_eq!(w("overdraft"), 2.0 * w("fees"), "{q:?}");
        assert!(w("students") > 0.0 && w("students") < w("grace"), "{q:?}");
        assert!(
            q.terms
                .iter()
                .all(|t| t.words != ["should"] && t.words != ["we"]),
            "stop words are dropped"
        );
    }

    #[test]
    fn thesaurus_phrases_join_the_concept_they_widen() {
        let p = Params::default();
        let thesaurus = Thesaurus::parse("delivery, arrived, \"came in the post\"\n");
        let q = build(&item("Card delivery", ""), &[], &thesaurus, &p);
        let delivery = q.terms.iter().find(|t| t.words == ["delivery"]).unwrap();
        let arrived = q
            .terms
            .iter()
            .find(|t| t.stems == ["arriv"])
            .expect("thesaurus word added");
        assert_eq!(arrived.concept, delivery.concept);
        assert!(arrived.weight < delivery.weight);
    }

    #[test]
    fn the_fts_query_quotes_every_term() {
        let p = Params::default();
        let q = build(
            &item("credit report errors", ""),
            &[],
            &Thesaurus::default(),
            &p,
        );
        let strings: Vec<Vec<String>> = (0..q.terms.len()).map(|i| q.fts_strings(i)).collect();
        assert_eq!(strings, [["\"credit\""], ["\"report\""], ["\"errors\""]]);
        let mut odd = q.clone();
        odd.terms[0].words = vec!["say \"no\"".into(), "OR".into()];
        assert_eq!(
            odd.fts_strings(0),
            ["\"say\"", "\"no\"", "\"OR\""],
            "every word on its own, all required"
        );
        odd.terms[0].words = vec!["—".into()];
        assert!(odd.fts_strings(0).is_empty());
    }
}
