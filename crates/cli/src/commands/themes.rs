//! `chair themes`: what customers keep saying, found in what their complaints mean, and which
//! themes no meeting has heard.

use std::process::ExitCode;

use anyhow::anyhow;
use chair_core::relevance::dense::Embedder;
use chair_store::Store;
use chrono::Utc;
use clap::{Args, Subcommand};
use uuid::Uuid;

use crate::output;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ThemesArgs {
    #[command(subcommand)]
    action: Option<ThemesAction>,
    /// Count complaints received up to this day, as YYYY-MM-DD (default: now).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Show at most this many themes.
    #[arg(long)]
    limit: Option<usize>,
    /// Only the themes no meeting has heard.
    #[arg(long)]
    unheard: bool,
    /// With every complaint of each theme (its external id).
    #[arg(long)]
    members: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ThemesAction {
    /// Find the themes again in every complaint read for meaning (`chair embed` reads them).
    Discover {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a theme a name of your own; it stays across discoveries.
    Rename { id: Uuid, name: String },
    /// Fold theme OTHER into theme INTO, which keeps its id and name; kept across discoveries.
    Merge { into: Uuid, other: Uuid },
    /// Split a theme into its two most distinct parts; the smaller becomes a new theme, kept
    /// across discoveries.
    Split {
        id: Uuid,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add a theme to a planned meeting as an agenda item (title from its name, the customer
    /// problem in its most typical complaint's words, keywords from its name).
    Add {
        id: Uuid,
        /// The meeting, by id or title.
        #[arg(long)]
        meeting: String,
    },
}

/// Runs `chair themes`.
pub async fn run(store: &Store, args: ThemesArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(ThemesAction::Discover { json }) => discover(store, json).await,
        Some(ThemesAction::Rename { id, name }) => {
            store.rename_theme(id, &name, Utc::now()).await?;
            outln!("Renamed: {}", name.trim())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(ThemesAction::Merge { into, other }) => {
            store.merge_themes(into, other, Utc::now()).await?;
            outln!("Merged {other} into {into}")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(ThemesAction::Split { id, json }) => {
            let model = installed_model()?;
            let off = store.split_theme(id, model.dim(), Utc::now()).await?;
            let themes = store.themes(Utc::now()).await?;
            let named = |id: Uuid| {
                themes
                    .iter()
                    .find(|t| t.id == id)
                    .map_or_else(String::new, |t| {
                        format!("{} ({} complaints)", t.name, t.size)
                    })
            };
            if json {
                output::json(&serde_json::json!({ "kept": id, "split_off": off }))?;
            } else {
                outln!("Split: {} stays; {} is new  [{off}]", named(id), named(off))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(ThemesAction::Add { id, meeting }) => {
            let meeting_id = store.find_meeting(&meeting).await?;
            let item = store.add_theme_to_meeting(id, meeting_id).await?;
            let title = store.meeting(meeting_id).await?.title;
            outln!("Added to {title} as agenda item {item}")?;
            Ok(ExitCode::SUCCESS)
        }
        None => list(store, &args).await,
    }
}

/// The installed language model, or why themes cannot be found without it.
fn installed_model() -> anyhow::Result<chair_embed::LazyModel> {
    chair_embed::LazyModel::installed().ok_or_else(|| {
        anyhow!(
            "themes are found in what complaints mean, and the language model is not installed: {}",
            chair_embed::EmbedError::Missing {
                dir: chair_embed::find_model_dir(),
                file: chair_embed::FILES[0].0,
            }
        )
    })
}

async fn discover(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let model = installed_model()?;
    let started = std::time::Instant::now();
    let found = store
        .discover_themes(model.name(), model.dim(), Utc::now())
        .await?;
    if json {
        output::json(&found)?;
    } else {
        outln!(
            "{} themes ({} kept from before) in {:.1} s: {} complaints sorted, {} fit no theme, {} not read for meaning yet{}",
            found.themes,
            found.kept,
            started.elapsed().as_secs_f64(),
            found.sorted,
            found.unsorted,
            found.not_read,
            if found.not_read > 0 {
                " (chair embed reads them)"
            } else {
                ""
            }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(store: &Store, args: &ThemesArgs) -> anyhow::Result<ExitCode> {
    let as_of = match &args.as_of {
        Some(d) => super::end_of_day(d, "--as-of")?,
        None => Utc::now(),
    };
    if let Some(model) = chair_embed::LazyModel::installed()
        && store.themes_out_of_date(model.name()).await?
    {
        eprintln!(
            "note: complaints were read for meaning since the themes were found and are not in them yet: chair themes discover finds them again"
        );
    }
    let mut themes = store.themes(as_of).await?;
    if args.unheard {
        themes.retain(|t| !t.heard);
    }
    if let Some(n) = args.limit {
        themes.truncate(n);
    }
    if args.json {
        let mut out = Vec::with_capacity(themes.len());
        for t in &themes {
            let mut v = serde_json::json!({
                "id": t.id,
                "name": t.name,
                "found_name": t.found_name,
                "size": t.size,
                "recent": t.recent,
                "previous": t.previous,
                "weekly": t.weekly,
                "trend": t.trend,
                "heard": t.heard,
                "last_heard": t.last_heard.map(|d| d.format("%Y-%m-%d").to_string()),
                "first_complaint": t.first_complaint.format("%Y-%m-%d").to_string(),
                "examples": t.examples,
                "segments": t.segments,
                "personas": t.personas,
            });
            if args.members {
                v["members"] = serde_json::json!(store.theme_members(t.id).await?);
            }
            out.push(v);
        }
        output::json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if themes.is_empty() {
        outln!(
            "No themes yet. Read the complaints for meaning (chair embed), then find them: chair themes discover"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for t in &themes {
        let heard = match t.last_heard {
            Some(d) => format!("heard {}", d.format("%Y-%m-%d")),
            None => format!(
                "never heard (since {})",
                t.first_complaint.format("%Y-%m-%d")
            ),
        };
        outln!(
            "{}  {} complaints, {} in the last 30 days ({}), {heard}  [{}]",
            t.name,
            t.size,
            t.recent,
            t.trend,
            t.id
        )?;
        if args.members {
            outln!("  {}", store.theme_members(t.id).await?.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
