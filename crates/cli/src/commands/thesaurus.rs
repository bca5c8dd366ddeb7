//! `chair thesaurus list|add|remove`: the team's own words for what customers say.

use std::process::ExitCode;

use chair_store::Store;
use clap::Subcommand;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum ThesaurusCommand {
    /// List your thesaurus groups (the built-in ones apply too).
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add (or replace) a group: a term and the words that mean the same.
    Add {
        /// The term, as your team says it.
        term: String,
        /// Words or phrases customers use for it.
        #[arg(required = true)]
        related: Vec<String>,
    },
    /// Remove one of your groups.
    Remove { term: String },
}

/// Runs a `thesaurus` subcommand.
pub async fn run(store: &Store, cmd: ThesaurusCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ThesaurusCommand::List { json } => {
            let entries = store.thesaurus_entries().await?;
            if json {
                let v: Vec<_> = entries
                    .iter()
                    .map(|(t, r)| serde_json::json!({"term": t, "related": r}))
                    .collect();
                output::json(&v)?;
            } else if entries.is_empty() {
                outln!(
                    "No groups of your own yet; the built-in thesaurus applies. Add one: chair thesaurus add payout settlement takings"
                )?;
            } else {
                for (term, related) in entries {
                    outln!("{term}: {}", related.join(", "))?;
                }
            }
        }
        ThesaurusCommand::Add { term, related } => {
            store.set_thesaurus_entry(&term, &related).await?;
            outln!("Added: {} = {}", term.trim(), related.join(", "))?;
        }
        ThesaurusCommand::Remove { term } => {
            store.remove_thesaurus_entry(&term).await?;
            outln!("Removed {}.", term.trim())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
