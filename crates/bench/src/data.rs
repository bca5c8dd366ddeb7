//! The real complaint data the measurements use (copies kept in `tests/fixtures/data`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A labelled real complaint.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: String,
    pub date: String,
    pub text: String,
    pub source: &'static str,
    /// CFPB: (issue, sub-issue); banking77: (category, "").
    pub label: (String, String),
}

/// Every CFPB narrative and every banking77 test message.
pub fn labelled_docs() -> anyhow::Result<Vec<Doc>> {
    let root = repo_root().join("tests/fixtures/data");
    let mut docs = Vec::new();
    let mut rdr =
        csv::Reader::from_path(root.join("cfpb-complaints-sample.csv")).context("CFPB sample")?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("column {name}"))
    };
    let (c_id, c_date, c_text, c_issue, c_sub) = (
        col("Complaint ID")?,
        col("Date received")?,
        col("Consumer complaint narrative")?,
        col("Issue")?,
        col("Sub-issue")?,
    );
    for r in rdr.records() {
        let r = r?;
        let text = r.get(c_text).unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        docs.push(Doc {
            id: format!("cfpb-{}", r.get(c_id).unwrap_or("")),
            date: r.get(c_date).unwrap_or("").to_string(),
            text: text.to_string(),
            source: "cfpb",
            label: (
                r.get(c_issue).unwrap_or("").to_string(),
                r.get(c_sub).unwrap_or("").to_string(),
            ),
        });
    }
    let mut rdr =
        csv::Reader::from_path(root.join("banking77-test.csv")).context("banking77 test")?;
    for (i, r) in rdr.records().enumerate() {
        let r = r?;
        docs.push(Doc {
            id: format!("b77-test-{i}"),
            date: "2020/1/1".into(),
            text: r.get(0).unwrap_or("").to_string(),
            source: "banking77",
            label: (r.get(1).unwrap_or("").to_string(), String::new()),
        });
    }
    Ok(docs)
}

/// An agenda item of the evaluation with its relevance labels.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalItem {
    pub id: String,
    pub split: String,
    pub title: String,
    pub description: String,
    pub relevant: Relevant,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Relevant {
    pub source: String,
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub issue: Option<String>,
    pub sub_issue: Option<String>,
    pub category: Option<String>,
    pub grade: u8,
}

#[derive(Deserialize)]
struct EvalFile {
    items: Vec<EvalItem>,
}

/// The evaluation's agenda items with the set each belongs to: "plain" (worded as most
/// facilitators would) and "hard" (team jargon far from customers' words).
pub fn eval_items() -> anyhow::Result<Vec<(&'static str, EvalItem)>> {
    let mut out = Vec::new();
    for (set, file) in [("plain", "agenda-plain.json"), ("hard", "agenda.json")] {
        let path = repo_root().join("crates/store/eval").join(file);
        let f: EvalFile = serde_json::from_str(&std::fs::read_to_string(&path)?)
            .with_context(|| file.to_string())?;
        out.extend(f.items.into_iter().map(|i| (set, i)));
    }
    Ok(out)
}

impl EvalItem {
    /// The grade of `doc` for this item (0 when not relevant). `coarse` reads the CFPB labels
    /// by their Issue alone, so every sub-issue of a labelled Issue counts.
    pub fn grade(&self, doc: &Doc, coarse: bool) -> u8 {
        if doc.source != self.relevant.source {
            return 0;
        }
        self.relevant
            .labels
            .iter()
            .filter(|l| match doc.source {
                "cfpb" => {
                    l.issue.as_deref() == Some(doc.label.0.as_str())
                        && (coarse || l.sub_issue.as_deref().is_none_or(|s| s == doc.label.1))
                }
                _ => l.category.as_deref() == Some(doc.label.0.as_str()),
            })
            .map(|l| l.grade)
            .max()
            .unwrap_or(0)
    }
}
