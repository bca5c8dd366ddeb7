//! `chair personas list|add`.

use std::process::ExitCode;

use chair_core::Valid;
use chair_core::persona::PersonaDraft;
use chair_store::Store;
use chrono::Utc;
use clap::{Args, Subcommand};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum PersonasCommand {
    /// List personas with their complaint counts.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add a persona.
    Add(Box<AddPersona>),
}

#[derive(Debug, Args)]
pub struct AddPersona {
    #[arg(long)]
    name: String,
    /// The complaint segment this persona stands for.
    #[arg(long, default_value = "")]
    segment: String,
    #[arg(long, default_value = "")]
    role: String,
    #[arg(long, default_value = "")]
    bio: String,
    #[arg(long, default_value = "")]
    quote: String,
    /// `#rrggbb`; picked from the name when left out.
    #[arg(long, default_value = "")]
    color: String,
    #[arg(long = "goal")]
    goals: Vec<String>,
    #[arg(long = "frustration")]
    frustrations: Vec<String>,
    #[arg(long = "keyword")]
    keywords: Vec<String>,
    /// Print the new persona as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs a `personas` subcommand.
pub async fn run(store: &Store, cmd: PersonasCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PersonasCommand::List { json } => {
            let personas = store.list_personas(Utc::now()).await?;
            if json {
                output::json(&personas)?;
            } else if personas.is_empty() {
                outln!("No personas yet. Add one with `chair personas add --name NAME`.")?;
            } else {
                outln!(
                    "{:<24} {:<16} {:>10} {:>8}",
                    "NAME",
                    "SEGMENT",
                    "COMPLAINTS",
                    "30 DAYS"
                )?;
                for p in personas {
                    outln!(
                        "{:<24} {:<16} {:>10} {:>8}",
                        output::clip(&p.fields.name, 24),
                        output::clip(&p.fields.segment, 16),
                        p.complaint_count,
                        p.recent_count
                    )?;
                }
            }
        }
        PersonasCommand::Add(a) => {
            let a = *a;
            let draft = Valid::parse(PersonaDraft {
                name: a.name,
                segment: a.segment,
                role: a.role,
                bio: a.bio,
                goals: a.goals,
                frustrations: a.frustrations,
                quote: a.quote,
                color: a.color,
                keywords: a.keywords,
                segments: Vec::new(),
            })?;
            let id = store.create_persona(&draft).await?;
            if a.json {
                output::json(&store.persona(id, Utc::now()).await?)?;
            } else {
                outln!("Added persona {} ({id}).", draft.name)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
