//! The minutes of a closed meeting: items with the time spent against their timebox,
//! decisions with their customer impact (what stands first), the advocate's objections and
//! remarks, open "?" escalations and follow-ups.
//!
//! Minutes are a structured value, [`Minutes`]: blocks of plain-text spans, which the window
//! shows as they are (never as HTML built from the text). [`Minutes::markdown`] writes them as
//! Markdown for saving and pasting; that text is written only, never read back, except for
//! meetings closed before the structured form was kept ([`Minutes::from_markdown`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditRow, Status, evidence_line};
use crate::live::{Escalation, EscalationState, EventKind, ItemClock, MeetingEvent, duration_text};
use crate::meeting::Meeting;

/// What a block of the minutes is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// The title of the minutes.
    Title,
    /// An agenda item or a closing section.
    Section,
    /// One line of a list.
    Item,
    /// A line of text.
    Text,
}

/// A run of text, strong or emphasised or neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Span {
    pub text: String,
    pub strong: bool,
    pub em: bool,
}

/// One block: a title, a heading, a list line or a line of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Block {
    pub kind: BlockKind,
    pub spans: Vec<Span>,
}

/// The minutes of one meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Minutes {
    pub blocks: Vec<Block>,
}

/// `text` on one line, so what people typed cannot break the structure of the minutes.
fn inline(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plain(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        strong: false,
        em: false,
    }
}

impl Minutes {
    fn push(&mut self, kind: BlockKind, spans: Vec<Span>) {
        self.blocks.push(Block { kind, spans });
    }

    fn line(&mut self, kind: BlockKind, text: impl Into<String>) {
        self.push(kind, vec![plain(text)]);
    }

    /// The minutes as Markdown: `#` and `##` headings, `-` lists, `**strong**`, `_emphasis_`;
    /// a blank line after each heading and after each paragraph with its list.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        for (i, b) in self.blocks.iter().enumerate() {
            md.push_str(match b.kind {
                BlockKind::Title => "# ",
                BlockKind::Section => "## ",
                BlockKind::Item => "- ",
                BlockKind::Text => "",
            });
            for s in &b.spans {
                match (s.strong, s.em) {
                    (true, _) => md.push_str(&format!("**{}**", s.text)),
                    (false, true) => md.push_str(&format!("_{}_", s.text)),
                    (false, false) => md.push_str(&s.text),
                }
            }
            md.push('\n');
            let next = self.blocks.get(i + 1).map(|n| n.kind);
            let ends_group = match b.kind {
                BlockKind::Title | BlockKind::Section => true,
                BlockKind::Item | BlockKind::Text => next != Some(BlockKind::Item),
            };
            if ends_group && next.is_some() {
                md.push('\n');
            }
        }
        md
    }

    /// Reads minutes kept only as Markdown (meetings closed before the structured form was
    /// kept): headings, list lines, text lines, and `**strong**` and `_emphasis_` within them.
    pub fn from_markdown(md: &str) -> Minutes {
        let mut out = Minutes::default();
        for line in md.lines().map(str::trim_end) {
            if line.trim().is_empty() {
                continue;
            }
            let (kind, rest) = if let Some(r) = line.strip_prefix("# ") {
                (BlockKind::Title, r)
            } else if let Some(r) = line.strip_prefix("## ") {
                (BlockKind::Section, r)
            } else if let Some(r) = line.strip_prefix("- ") {
                (BlockKind::Item, r)
            } else {
                (BlockKind::Text, line)
            };
            out.push(kind, spans_of(rest));
        }
        out
    }
}

/// Splits `**strong**` and `_emphasis_` (an underscore not inside a word) out of a line.
fn spans_of(line: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    while let Some(c) = rest.chars().next() {
        let before = line[..line.len() - rest.len()].chars().next_back();
        let marked = if let Some(r) = rest.strip_prefix("**") {
            r.find("**")
                .filter(|&n| n > 0)
                .map(|n| (&r[..n], &r[n + 2..], true))
        } else if c == '_' && !word_char(before) {
            let r = &rest[1..];
            r.char_indices()
                .filter(|&(n, ch)| ch == '_' && n > 0 && !word_char(r[n + 1..].chars().next()))
                .map(|(n, _)| (&r[..n], &r[n + 1..], false))
                .next()
        } else {
            None
        };
        match marked {
            Some((inner, after, strong)) => {
                if !text.is_empty() {
                    out.push(plain(std::mem::take(&mut text)));
                }
                out.push(Span {
                    text: inner.to_string(),
                    strong,
                    em: !strong,
                });
                rest = after;
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        out.push(plain(text));
    }
    out
}

/// The minutes of a closed meeting. `decisions` are the meeting's decisions (not
/// revocations) with what became of them.
pub fn minutes(
    meeting: &Meeting,
    clocks: &[ItemClock],
    decisions: &[AuditRow],
    events: &[MeetingEvent],
    escalations: &[Escalation],
    closed_at: DateTime<Utc>,
) -> Minutes {
    use BlockKind::{Item, Section, Text, Title};
    let mut m = Minutes::default();
    m.line(Title, format!("Minutes: {}", inline(&meeting.title)));
    let when = meeting
        .scheduled_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "unscheduled".into());
    m.line(
        Item,
        format!(
            "Scheduled: {when}; closed {}",
            closed_at.format("%Y-%m-%d %H:%M UTC")
        ),
    );
    if !meeting.facilitator.is_empty() {
        m.line(
            Item,
            format!("Facilitator: {}", inline(&meeting.facilitator)),
        );
    }
    if !meeting.advocate.is_empty() {
        m.line(
            Item,
            format!("In the empty chair: {}", inline(&meeting.advocate)),
        );
    }
    let total: i64 = clocks.iter().map(|c| c.spent_seconds).sum();
    let planned: i64 = meeting
        .items
        .iter()
        .map(|i| i64::from(i.timebox_minutes) * 60)
        .sum();
    m.line(
        Item,
        format!(
            "Time: {} of {} planned",
            duration_text(total),
            duration_text(planned)
        ),
    );
    for (n, item) in meeting.items.iter().enumerate() {
        let clock = clocks.iter().find(|c| c.agenda_item_id == item.id);
        let spent = clock.map(|c| c.spent_seconds).unwrap_or(0);
        let over = spent - i64::from(item.timebox_minutes) * 60;
        m.line(Section, format!("{}. {}", n + 1, inline(&item.title)));
        if !item.customer_problem.is_empty() {
            m.push(
                Text,
                vec![
                    Span {
                        text: "Customer problem:".into(),
                        strong: false,
                        em: true,
                    },
                    plain(format!(" {}", inline(&item.customer_problem))),
                ],
            );
        }
        let status = if clock.is_some_and(|c| c.discussed) {
            ""
        } else {
            " (not discussed)"
        };
        let overtime = if over > 0 {
            format!(", {} over", duration_text(over))
        } else {
            String::new()
        };
        m.line(
            Text,
            format!(
                "Time: {} of {} min{overtime}{status}",
                duration_text(spent),
                item.timebox_minutes
            ),
        );
        let mut item_decisions: Vec<&AuditRow> = decisions
            .iter()
            .filter(|d| d.agenda_item_id == Some(item.id))
            .collect();
        // What stands leads; what was replaced or withdrawn follows, each oldest first.
        item_decisions.sort_by_key(|d| (d.status != Status::Current, d.seq));
        if item_decisions.is_empty() {
            m.line(Text, "No decision.");
        }
        for d in item_decisions {
            let why = Some(inline(&d.closed_reason))
                .filter(|r| !r.is_empty())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let heading = match (d.status, d.closed_by) {
                (Status::Superseded, Some(by)) => format!(
                    "Superseded decision (entry {}, replaced by entry {by}{why})",
                    d.seq
                ),
                (Status::Revoked, Some(by)) => format!(
                    "Revoked decision (entry {}, revoked by entry {by}{why})",
                    d.seq
                ),
                _ => format!("Decision (entry {})", d.seq),
            };
            m.push(
                Text,
                vec![
                    Span {
                        text: format!("{heading}:"),
                        strong: true,
                        em: false,
                    },
                    plain(format!(" {}", inline(&d.statement))),
                ],
            );
            if let (Some(replaced), Status::Current) = (d.supersedes, d.status) {
                let reason = if d.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", inline(&d.reason))
                };
                m.line(Item, format!("Replaces entry {replaced}{reason}"));
            }
            m.line(
                Item,
                format!(
                    "Customer impact: {}, {} — {}",
                    d.direction.as_str(),
                    d.size.as_str(),
                    inline(&d.impact)
                ),
            );
            if !d.personas.is_empty() {
                m.line(Item, format!("For: {}", d.personas.join(", ")));
            }
            m.line(
                Item,
                format!(
                    "Evidence: {}",
                    inline(&evidence_line(d.no_evidence, &d.evidence))
                ),
            );
            let note = if d.advocate_note.is_empty() {
                String::new()
            } else {
                format!(": “{}”", inline(&d.advocate_note))
            };
            m.line(Item, format!("Advocate {}{note}", d.stance.as_str()));
        }
        let said: Vec<&MeetingEvent> = events
            .iter()
            .filter(|e| {
                e.agenda_item_id == Some(item.id)
                    && matches!(e.kind, EventKind::Object | EventKind::Remark)
            })
            .collect();
        if !said.is_empty() {
            m.line(Text, "The customer's voice:");
            for e in said.iter().rev() {
                let what = if e.kind == EventKind::Object {
                    "Objection"
                } else {
                    "Remark"
                };
                m.line(Item, format!("{what}: “{}”", inline(&e.text)));
            }
        }
    }
    let open: Vec<&Escalation> = escalations
        .iter()
        .filter(|e| e.state != EscalationState::Answered)
        .collect();
    if !open.is_empty() {
        m.line(Section, "Open “?” escalations");
        for e in open {
            m.line(
                Item,
                format!(
                    "{} — on “{}”: {} (due {})",
                    inline(&e.owner),
                    inline(&e.complaint_title),
                    inline(&e.question),
                    e.due
                ),
            );
        }
    }
    let follow_ups: Vec<String> = decisions
        .iter()
        .flat_map(|d| {
            d.follow_ups.iter().map(move |f| {
                format!(
                    "{} — {}, by {} (decision {})",
                    inline(&f.what),
                    inline(&f.owner),
                    f.due,
                    d.seq
                )
            })
        })
        .collect();
    if !follow_ups.is_empty() {
        m.line(Section, "Follow-ups");
        for f in follow_ups {
            m.line(Item, f);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, strong: bool, em: bool) -> Span {
        Span {
            text: text.into(),
            strong,
            em,
        }
    }

    #[test]
    fn markdown_has_headings_lists_and_a_blank_line_after_each_group() {
        let mut m = Minutes::default();
        m.line(BlockKind::Title, "Minutes: Weekly");
        m.line(BlockKind::Item, "Time: 5 min of 30 min planned");
        m.line(BlockKind::Section, "1. Refunds");
        m.push(
            BlockKind::Text,
            vec![
                span("Decision (entry 1):", true, false),
                plain(" Refund in a day"),
            ],
        );
        m.line(BlockKind::Item, "Advocate agrees");
        m.line(BlockKind::Text, "No decision.");
        assert_eq!(
            m.markdown(),
            "# Minutes: Weekly\n\n- Time: 5 min of 30 min planned\n\n## 1. Refunds\n\n\
             **Decision (entry 1):** Refund in a day\n- Advocate agrees\n\nNo decision.\n"
        );
    }

    #[test]
    fn minutes_kept_only_as_markdown_read_back_into_the_same_blocks() {
        let mut m = Minutes::default();
        m.line(BlockKind::Title, "Minutes: snake_case and 2*3");
        m.push(
            BlockKind::Text,
            vec![
                span("Customer problem:", false, true),
                plain(" fees_and charges"),
            ],
        );
        m.push(
            BlockKind::Text,
            vec![
                span("Revoked decision (entry 2):", true, false),
                plain(" Call back"),
            ],
        );
        m.line(BlockKind::Item, "Objection: “too_slow”");
        assert_eq!(Minutes::from_markdown(&m.markdown()), m);
    }

    #[test]
    fn emphasis_needs_underscores_outside_words() {
        assert_eq!(
            spans_of("a snake_case_name"),
            vec![plain("a snake_case_name")]
        );
        assert_eq!(
            spans_of("_Customer problem:_ late"),
            vec![span("Customer problem:", false, true), plain(" late")]
        );
        assert_eq!(
            spans_of("**x** y"),
            vec![span("x", true, false), plain(" y")]
        );
        assert_eq!(spans_of("a ** b"), vec![plain("a ** b")]);
    }
}
