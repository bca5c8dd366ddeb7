//! Turning a raw record into a complaint, or into a rejection that says why.

use chrono::{DateTime, Utc};

use super::dates::parse_date;
use super::fields::Field;
use super::redact::redact;
use super::{Plan, RawRecord, RawValue, Rejection, Row, shorten};
use crate::complaint::NewComplaint;

/// The most tags kept for one complaint.
const MAX_TAGS: usize = 20;

pub(crate) struct Context<'a> {
    pub plan: &'a Plan,
    /// Each mapped field with its column index.
    pub wanted: &'a [(Field, usize)],
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    fn column(&self, field: Field) -> Option<(usize, &str)> {
        self.wanted
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| (*i, self.plan.columns[*i].as_str()))
    }
}

/// The complaint `rec` holds, or why it cannot be one.
pub(crate) fn to_row(ctx: &Context<'_>, rec: RawRecord) -> Row {
    match complaint(ctx, &rec) {
        Ok(c) => Row::Complaint {
            line: rec.line,
            complaint: Box::new(c),
        },
        Err(reason) => Row::Rejected(Rejection {
            line: rec.line,
            file: rec.file.clone(),
            reason,
            excerpt: excerpt(&rec),
        }),
    }
}

fn complaint(ctx: &Context<'_>, rec: &RawRecord) -> Result<NewComplaint, String> {
    if let Some(problem) = &rec.problem {
        return Err(problem.clone());
    }
    // Every mapped value must be usable text; one that is not rejects the row.
    for &(_, i) in ctx.wanted {
        match &rec.values[i] {
            Some(RawValue::InvalidUtf8) => {
                return Err(format!("invalid UTF-8 in \"{}\"", ctx.plan.columns[i]));
            }
            Some(RawValue::TooLarge(n)) => {
                return Err(format!(
                    "\"{}\" is over 1 MB ({} bytes)",
                    ctx.plan.columns[i], n
                ));
            }
            _ => {}
        }
    }
    let text = |field: Field| -> String {
        ctx.column(field)
            .and_then(|(i, _)| match &rec.values[i] {
                Some(RawValue::Text(t)) => Some(clean(t)),
                _ => None,
            })
            .unwrap_or_default()
    };
    let (_, body_column) = ctx
        .column(Field::Body)
        .ok_or("no column holds the complaint text")?;
    let mut body = text(Field::Body);
    if looks_like_html(&body) {
        body = strip_html(&body);
    }
    if body.trim().is_empty() {
        return Err(format!("no text in \"{body_column}\""));
    }
    let received_at = match ctx.column(Field::ReceivedAt) {
        None => ctx.now,
        Some((_, column)) => {
            let raw = text(Field::ReceivedAt);
            if raw.trim().is_empty() {
                return Err(format!("no date in \"{column}\""));
            }
            parse_date(&raw).ok_or_else(|| {
                format!(
                    "unreadable date \"{}\" in \"{column}\"",
                    shorten(raw.trim(), 40)
                )
            })?
        }
    };
    let scrub = |s: String| {
        if ctx.plan.redact {
            redact(&s).into_owned()
        } else {
            s
        }
    };
    let external_id = Some(text(Field::ExternalId).trim().to_string()).filter(|s| !s.is_empty());
    let mut tags: Vec<String> = Vec::new();
    for t in text(Field::Tags).split([',', ';', '|', '\n']) {
        let t = t.trim();
        if !t.is_empty() && tags.len() < MAX_TAGS && !tags.iter().any(|x| x.eq_ignore_ascii_case(t))
        {
            tags.push(t.to_string());
        }
    }
    Ok(NewComplaint {
        source: ctx.plan.source.clone(),
        external_id,
        received_at,
        title: scrub(one_line(&text(Field::Title))),
        body: scrub(body.trim().to_string()),
        customer: scrub(one_line(&text(Field::Customer))),
        segment: one_line(&text(Field::Segment)),
        product: one_line(&text(Field::Product)),
        channel: one_line(&text(Field::Channel)),
        severity: one_line(&text(Field::Severity)).to_lowercase(),
        tags,
    })
}

/// Control characters other than newline and tab become spaces; NUL never reaches the database.
fn clean(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.replace("\r\n", "\n");
    }
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn looks_like_html(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('<') && (t.contains("</") || t.contains("<br") || t.contains("/>"))
}

/// The text of an HTML fragment (Intercom and some ticket exports send bodies as HTML).
pub(crate) fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in s.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag
                    .trim_start_matches('/')
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if matches!(
                    name.as_str(),
                    "p" | "br" | "br/" | "div" | "li" | "tr" | "h1" | "h2" | "h3"
                ) {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn excerpt(rec: &RawRecord) -> String {
    let first = rec.values.iter().flatten().find_map(|v| match v {
        RawValue::Text(t) if !t.trim().is_empty() => Some(t.as_str()),
        _ => None,
    });
    first.map(|t| shorten(t.trim(), 80)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::strip_html;

    #[test]
    fn html_bodies_become_plain_text() {
        assert_eq!(
            strip_html("<p>My card &amp; PIN</p><p>were <b>blocked</b></p>"),
            "My card & PIN\nwere blocked"
        );
    }
}
