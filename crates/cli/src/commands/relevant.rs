//! `chair relevant TEXT`: the complaints most relevant to an agenda item, with why.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::anyhow;
use chair_core::relevance::{ItemText, Params, RelevantComplaint, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;
use chrono::Utc;
use clap::Args;
use serde::Serialize;

use crate::output;

#[derive(Debug, Args)]
pub struct RelevantArgs {
    /// The agenda item: a title, optionally followed by a description (after a line break,
    /// or after the first sentence).
    text: String,
    /// How many complaints to show.
    #[arg(long, default_value_t = 10)]
    limit: u32,
    /// "Now" for recency, as YYYY-MM-DD (default: the current time).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// The persona in the chair: their keywords and segments count too.
    #[arg(long, value_name = "NAME")]
    persona: Option<String>,
    /// Keywords of the item (repeatable).
    #[arg(long = "keyword", value_name = "WORD")]
    keywords: Vec<String>,
    /// Print JSON: an array, best first.
    #[arg(long)]
    json: bool,
}

/// One result as scripts read it.
#[derive(Debug, Serialize)]
struct JsonResult<'a> {
    id: uuid::Uuid,
    external_id: Option<&'a str>,
    received_at: chrono::DateTime<Utc>,
    score: f64,
    title: &'a str,
    excerpt: String,
    why: &'a [String],
    duplicates: i64,
    duplicate_ids: &'a [uuid::Uuid],
    product: &'a str,
    segment: &'a str,
}

/// Splits "Title. The description." into its title and the rest: at the first line break,
/// else after a short first sentence or a colon or dash.
pub fn split_item(text: &str) -> (String, String) {
    let text = text.trim();
    if let Some((first, rest)) = text.split_once('\n') {
        return (first.trim().to_string(), rest.trim().to_string());
    }
    let cut = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '?' | '!' | ':' | '—' | '–')
                && text[i + c.len_utf8()..].starts_with(' ')
                || c == ' ' && text[i..].starts_with(" - ")
        })
        .map(|(i, c)| (i, if c == ' ' { 3 } else { c.len_utf8() }));
    match cut {
        Some((i, len)) if text[..i].split_whitespace().count() <= 12 => (
            text[..i].trim().to_string(),
            text[i + len..].trim().to_string(),
        ),
        _ => (text.to_string(), String::new()),
    }
}

/// Runs `chair relevant`.
pub async fn run(store: &Store, args: RelevantArgs) -> anyhow::Result<ExitCode> {
    let as_of = match &args.as_of {
        None => None,
        Some(d) => Some(super::end_of_day(d, "--as-of")?),
    };
    let hints = match &args.persona {
        None => PersonaHints::default(),
        Some(name) => {
            let p = store
                .persona_by_name(name, as_of.unwrap_or_else(Utc::now))
                .await?;
            PersonaHints {
                keywords: p.fields.keywords,
                segments: p.fields.segments,
            }
        }
    };
    let (title, description) = split_item(&args.text);
    if title.is_empty() {
        return Err(anyhow!(
            "say what the agenda item is about: chair relevant \"Overdraft fees. Should we add a grace period?\""
        ));
    }
    let item = ItemText {
        title,
        description,
        customer_problem: String::new(),
        keywords: args.keywords.clone(),
    };
    let request = RelevantRequest {
        limit: args.limit.max(1),
        as_of,
        include_dismissed: false,
    };
    // The model loads only if some complaint has a vector to compare with.
    match chair_embed::LazyModel::installed() {
        Some(model) => store.use_embedder(std::sync::Arc::new(model)),
        None if !args.json => eprintln!(
            "note: {}",
            chair_embed::EmbedError::Missing {
                dir: chair_embed::find_model_dir(),
                file: chair_embed::FILES[0].0,
            }
        ),
        None => {}
    }
    let results = store
        .relevant(&item, &hints, &[], &request, &Params::default())
        .await?;
    if args.json {
        let out: Vec<JsonResult<'_>> = results.iter().map(to_json).collect();
        output::json(&out)?;
    } else {
        print_text(&results)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(r: &RelevantComplaint) -> JsonResult<'_> {
    JsonResult {
        id: r.complaint.id,
        external_id: r.complaint.external_id.as_deref(),
        received_at: r.complaint.received_at,
        score: r.score,
        title: &r.complaint.title,
        excerpt: chair_core::relevance::excerpt::plain(&r.excerpt),
        why: &r.why,
        duplicates: r.duplicates,
        duplicate_ids: &r.duplicate_ids,
        product: &r.complaint.product,
        segment: &r.complaint.segment,
    }
}

fn print_text(results: &[RelevantComplaint]) -> std::io::Result<()> {
    if results.is_empty() {
        outln!(
            "No complaint matches. Try other words, or import complaints with `chair import FILE`."
        )?;
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    let mark = |segs: &[chair_core::relevance::Segment]| -> String {
        segs.iter()
            .map(|s| match (s.hit, bold) {
                (true, true) => format!("\x1b[1m{}\x1b[0m", s.text),
                (true, false) => format!("[{}]", s.text),
                (false, _) => s.text.clone(),
            })
            .collect()
    };
    for (i, r) in results.iter().enumerate() {
        let c = &r.complaint;
        let id = c.external_id.clone().unwrap_or_else(|| c.id.to_string());
        outln!(
            "{:>2}. {}  {}  score {:.2}  {}",
            i + 1,
            c.received_at.format("%Y-%m-%d"),
            id,
            r.score,
            mark(&r.title)
        )?;
        outln!("    {}", mark(&r.excerpt))?;
        if r.duplicates > 0 {
            outln!("    {} customers said this", r.duplicates + 1)?;
        }
        outln!("    why: {}", r.why.join("; "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_item;

    #[test]
    fn an_item_splits_into_title_and_description() {
        assert_eq!(
            split_item("Card delivery delays. Customers keep asking where their card is."),
            (
                "Card delivery delays".into(),
                "Customers keep asking where their card is.".into()
            )
        );
        assert_eq!(
            split_item("Overdraft fees\nShould we add a grace period?"),
            (
                "Overdraft fees".into(),
                "Should we add a grace period?".into()
            )
        );
        assert_eq!(
            split_item("Chat-first support: move phone support to chat"),
            (
                "Chat-first support".into(),
                "move phone support to chat".into()
            )
        );
        assert_eq!(
            split_item("Fees - are they fair"),
            ("Fees".into(), "are they fair".into())
        );
        assert_eq!(
            split_item("just some words"),
            ("just some words".into(), String::new())
        );
    }
}
