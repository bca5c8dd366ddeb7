//! `chair org`: the organisation-wide decision log on PostgreSQL.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use chair_core::whole_file::WholeFile;
use chair_org::{Org, OrgReport};
use chair_store::Store;
use clap::Subcommand;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create the organisation log's schema and roles in an empty PostgreSQL database (safe to run again).
    Init {
        /// postgres://user[:password]@host[:port]/database (or PGPASSWORD, ~/.pgpass).
        url: String,
        #[arg(long)]
        json: bool,
    },
    /// Enrol this laptop: make its signing key and register it under a team.
    Enrol {
        url: String,
        /// The team whose leaders may read this laptop's decisions.
        #[arg(long)]
        team: String,
        /// A name for this laptop, as leaders will see it.
        #[arg(long)]
        device: String,
        #[arg(long)]
        json: bool,
    },
    /// Send this laptop's decisions the organisation log does not have yet.
    Push {
        #[arg(long)]
        json: bool,
    },
    /// Copy every team this laptop may read into its local, append-only copy.
    Pull {
        #[arg(long)]
        json: bool,
    },
    /// Number newly arrived entries into the tree and sign a checkpoint.
    Seal {
        #[arg(long)]
        json: bool,
    },
    /// Check every laptop's chain and signatures and every checkpoint; exits 0 only when intact.
    Verify {
        /// Check an exported organisation log (JSON) instead, offline.
        #[arg(long, value_name = "EXPORT")]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List the organisation's decisions this laptop may read.
    Log {
        /// Only this team.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export the organisation log: json (verifiable on its own), csv or md.
    Export {
        #[arg(long)]
        format: String,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

impl OrgCommand {
    /// True for the commands that read this laptop's own decision log.
    pub fn needs_store(&self) -> bool {
        matches!(self, OrgCommand::Push { .. })
    }
}

fn print_report(report: &OrgReport, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        output::json(report)?;
    } else {
        outln!("{}", report.summary())?;
    }
    Ok(if report.intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// Runs an `org` subcommand for the laptop whose database is `db`.
pub async fn run(db: &Path, store: Option<&Store>, cmd: OrgCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OrgCommand::Init { url, json } => {
            let done = chair_org::init(&url).await?;
            if json {
                output::json(&done)?;
            } else if done.migrations_applied == 0 {
                outln!(
                    "The organisation log in {} is already set up.",
                    chair_org::redact(&url)
                )?;
            } else {
                outln!(
                    "The organisation log is set up in {} ({} migrations applied). Laptops log in as members of chair_device; leaders as members of chair_reader (with rows in org.team_readers) or chair_auditor.",
                    chair_org::redact(&url),
                    done.migrations_applied
                )?;
            }
        }
        OrgCommand::Enrol {
            url,
            team,
            device,
            json,
        } => {
            let e = chair_org::enrol(db, &url, &team, &device).await?;
            if json {
                output::json(&e)?;
            } else if e.already {
                outln!(
                    "This laptop is already enrolled as \"{}\" of team \"{}\" (device {}).",
                    e.device,
                    e.team,
                    e.device_id
                )?;
            } else {
                outln!(
                    "Enrolled this laptop as \"{}\" of team \"{}\" (device {}, public key {}). Its signing key is in {}.",
                    e.device,
                    e.team,
                    e.device_id,
                    e.public_key,
                    chair_org::OrgFiles::beside(db).key.display()
                )?;
            }
        }
        OrgCommand::Push { json } => {
            let store = store.context("no database")?;
            let mut org = Org::open(db).await?;
            let p = org.push(store).await?;
            org.close().await;
            if json {
                output::json(&p)?;
            } else if p.pushed == 0 {
                outln!(
                    "Nothing to push: the organisation log has all {} entries of this laptop.",
                    p.head
                )?;
            } else {
                outln!(
                    "Pushed {} entries (the organisation log had {}; it has {} of this laptop now).",
                    p.pushed,
                    p.already_there,
                    p.head
                )?;
            }
        }
        OrgCommand::Pull { json } => {
            let mut org = Org::open(db).await?;
            let p = org.pull().await?;
            org.close().await;
            if json {
                output::json(&p)?;
            } else {
                outln!(
                    "Pulled {} new entries; the local copy holds {} entries from {} laptops. {}",
                    p.new_entries,
                    p.entries,
                    p.devices,
                    p.report.summary()
                )?;
            }
        }
        OrgCommand::Seal { json } => {
            let mut org = Org::open(db).await?;
            let s = org.seal().await?;
            org.close().await;
            if json {
                output::json(&s)?;
            } else if s.signed {
                outln!(
                    "Sealed {} new entries: checkpoint of {} leaves, root {}.",
                    s.new_leaves,
                    s.tree_size,
                    s.root
                )?;
            } else {
                outln!(
                    "Nothing new to seal: the newest checkpoint covers all {} leaves.",
                    s.tree_size
                )?;
            }
        }
        OrgCommand::Verify { file, json } => {
            let report = match file {
                Some(path) => {
                    chair_core::held::check(&path).map_err(|why| anyhow!(why))?;
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    chair_org::verify::verify_export(&text)
                        .map_err(|e| anyhow!("{}: {e}", path.display()))?
                }
                None => {
                    let mut org = Org::open(db).await?;
                    let r = org.verify().await?;
                    org.close().await;
                    r
                }
            };
            return print_report(&report, json);
        }
        OrgCommand::Log { team, json } => {
            let org = Org::open(db).await?;
            let rows = org.log(team.as_deref()).await?;
            org.close().await;
            if json {
                output::json(&rows)?;
            } else if rows.is_empty() {
                outln!("No decisions in the organisation log that this laptop may read.")?;
            } else {
                for r in &rows {
                    outln!(
                        "{}  {:<12} {:<18} #{:<5} {:<9} {}",
                        r.recorded_at.get(..16).unwrap_or(&r.recorded_at),
                        output::clip(&r.team, 12),
                        output::clip(&r.device, 18),
                        r.seq,
                        r.kind,
                        output::clip(&r.statement, 80)
                    )?;
                }
            }
        }
        OrgCommand::Export { format, out } => {
            let org = Org::open(db).await?;
            let text = match format.as_str() {
                "json" => serde_json::to_string_pretty(&org.read_log(None).await?)? + "\n",
                "csv" => chair_org::render_csv(&org.log(None).await?),
                "md" | "markdown" => chair_org::render_markdown(
                    &org.log(None).await?,
                    &chair_store::time::ts(chrono::Utc::now()),
                ),
                other => anyhow::bail!("--format {other}: use json, csv or md"),
            };
            org.close().await;
            match out {
                None => output::write_text(&text)?,
                Some(path) => {
                    let cannot =
                        |e: std::io::Error| anyhow!("cannot write {}: {e}", path.display());
                    let mut file = WholeFile::create(&path).map_err(cannot)?;
                    file.writer().write_all(text.as_bytes()).map_err(cannot)?;
                    file.finish().map_err(cannot)?;
                    eprintln!("Exported the organisation log to {}.", path.display());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
