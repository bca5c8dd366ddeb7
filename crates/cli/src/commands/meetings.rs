//! `chair meetings list|show`.

use std::process::ExitCode;

use chair_store::Store;
use clap::Subcommand;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum MeetingsCommand {
    /// List meetings, latest first.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a meeting and its agenda.
    Show {
        /// The meeting's id or title.
        meeting: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the minutes of a closed meeting (Markdown).
    Minutes {
        /// The meeting's id or title.
        meeting: String,
    },
}

/// Runs a `meetings` subcommand.
pub async fn run(store: &Store, cmd: MeetingsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MeetingsCommand::List { json } => {
            let meetings = store.list_meetings().await?;
            if json {
                output::json(&meetings)?;
            } else if meetings.is_empty() {
                outln!("No meetings yet.")?;
            } else {
                for m in meetings {
                    let when = m
                        .scheduled_at
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_else(|| "unscheduled".into());
                    outln!(
                        "{when:<16}  {:<8} {:>2} items  {}",
                        m.status.as_str(),
                        m.item_count,
                        output::clip(&m.title, 60)
                    )?;
                }
            }
        }
        MeetingsCommand::Show { meeting, json } => {
            let id = store.find_meeting(&meeting).await?;
            let m = store.meeting(id).await?;
            if json {
                output::json(&m)?;
            } else {
                outln!("{} ({})", m.title, m.status.as_str())?;
                for (i, item) in m.items.iter().enumerate() {
                    outln!(
                        "{:>2}. {} [{} min]",
                        i + 1,
                        item.title,
                        item.timebox_minutes
                    )?;
                    if !item.customer_problem.is_empty() {
                        outln!(
                            "    customer problem: {}",
                            output::clip(&item.customer_problem, 100)
                        )?;
                    }
                }
            }
        }
        MeetingsCommand::Minutes { meeting } => {
            let id = store.find_meeting(&meeting).await?;
            let minutes = store.minutes_markdown(id).await?;
            if minutes.is_empty() {
                anyhow::bail!("this meeting has no minutes yet: they are written when it closes");
            }
            output::write_text(&minutes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
