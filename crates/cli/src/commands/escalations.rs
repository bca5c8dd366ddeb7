//! `chair escalations list|answer`: the "?" raised on complaints in meetings.

use std::process::ExitCode;

use anyhow::bail;
use chair_core::live::{Escalation, EscalationFilter, EscalationState};
use chair_store::Store;
use chrono::Utc;
use clap::Subcommand;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum EscalationsCommand {
    /// List escalations, overdue first.
    List {
        /// Only those still open (overdue ones included).
        #[arg(long, conflicts_with_all = ["overdue", "answered"])]
        open: bool,
        /// Only those past their due date.
        #[arg(long, conflicts_with = "answered")]
        overdue: bool,
        /// Only those answered.
        #[arg(long)]
        answered: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Answer an open escalation with what was found out.
    Answer {
        /// The escalation's id, or enough of it to be unique.
        id: String,
        /// What was found out.
        resolution: String,
    },
}

/// Runs an `escalations` subcommand.
pub async fn run(store: &Store, cmd: EscalationsCommand) -> anyhow::Result<ExitCode> {
    let today = Utc::now().date_naive();
    match cmd {
        EscalationsCommand::List {
            open,
            overdue,
            answered,
            json,
        } => {
            let filter = match (open, overdue, answered) {
                (true, _, _) => EscalationFilter::Open,
                (_, true, _) => EscalationFilter::Overdue,
                (_, _, true) => EscalationFilter::Answered,
                _ => EscalationFilter::All,
            };
            let list = store.escalations(filter, today).await?;
            if json {
                output::json(&list)?;
            } else if list.is_empty() {
                outln!(
                    "No escalations{}.",
                    if filter == EscalationFilter::All {
                        ""
                    } else {
                        " match"
                    }
                )?;
            } else {
                for e in &list {
                    print_one(e)?;
                }
            }
        }
        EscalationsCommand::Answer { id, resolution } => {
            let all = store.escalations(EscalationFilter::All, today).await?;
            let needle = id.trim().to_ascii_lowercase();
            if needle.len() < 6 {
                bail!("give at least 6 characters of the escalation's id");
            }
            let found: Vec<&Escalation> = all
                .iter()
                .filter(|e| e.id.to_string().contains(&needle))
                .collect();
            let target = match found.as_slice() {
                [one] => one.id,
                [] => bail!("no escalation has an id containing \"{id}\""),
                many => bail!(
                    "\"{id}\" matches {} escalations; give more of the id",
                    many.len()
                ),
            };
            let answered = store
                .answer_escalation(target, &resolution, Utc::now())
                .await?;
            outln!("Answered:")?;
            print_one(&answered)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_one(e: &Escalation) -> std::io::Result<()> {
    let state = match e.state {
        EscalationState::Open => "open",
        EscalationState::Overdue => "OVERDUE",
        EscalationState::Answered => "answered",
    };
    outln!("{}  {state:<8} due {}  owner {}", e.id, e.due, e.owner)?;
    outln!("    ? {}", output::clip(&e.question, 100))?;
    outln!("    on \"{}\"", output::clip(&e.complaint_title, 90))?;
    if !e.meeting_title.is_empty() {
        let item = if e.item_title.is_empty() {
            String::new()
        } else {
            format!(" / {}", e.item_title)
        };
        outln!("    in {}{item}", output::clip(&e.meeting_title, 60))?;
    }
    if !e.resolution.is_empty() {
        outln!("    answer: {}", output::clip(&e.resolution, 100))?;
    }
    Ok(())
}
