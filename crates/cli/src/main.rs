//! `chair`: Empty Chair on the command line. The same core and database as the desktop app,
//! scriptable, and usable on a machine without a display.

#[macro_use]
mod output;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Empty Chair: the customer in every meeting.
#[derive(Debug, Parser)]
#[command(name = "chair", version, about, long_about = None)]
struct Cli {
    /// The database file (default: the app's data folder).
    #[arg(long, global = true, env = chair_store::DB_ENV, value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty database with the demo workspace.
    Demo {
        /// Do nothing (and succeed) when the database already holds data.
        #[arg(long)]
        if_empty: bool,
    },
    /// Show what the database holds.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Import complaints from a CSV, JSON, JSON Lines, .eml or .mbox file.
    Import(commands::import::ImportArgs),
    /// The imports made so far, newest first; one still `running` that nothing runs was cut
    /// short: importing the file again finishes it without doubles.
    Imports {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compute what complaints mean (for finding them by meaning); resumes where it stopped.
    Embed {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The complaints most relevant to an agenda item, with why they matched.
    Relevant(commands::relevant::RelevantArgs),
    /// Record, supersede, revoke or list decisions.
    #[command(subcommand)]
    Decision(commands::decisions::DecisionCommand),
    /// Export or verify the decision log.
    #[command(subcommand)]
    Log(commands::decisions::LogCommand),
    /// Customer themes: what customers keep saying, and which no meeting has heard.
    Themes(commands::themes::ThemesArgs),
    /// Your thesaurus: team words and the customer words that mean the same.
    #[command(subcommand)]
    Thesaurus(commands::thesaurus::ThesaurusCommand),
    /// List or add personas.
    #[command(subcommand)]
    Personas(commands::personas::PersonasCommand),
    /// List meetings, show one, or print its minutes.
    #[command(subcommand)]
    Meetings(commands::meetings::MeetingsCommand),
    /// The "?" raised on complaints: list them, answer one.
    #[command(subcommand)]
    Escalations(commands::escalations::EscalationsCommand),
    /// Back the database up now (into its backups folder, or to --to FILE).
    Backup {
        /// Write the backup to this file instead.
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
    /// List the backups, newest first.
    Backups {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Replace the database with a backup, after checking it; the current file is kept aside.
    Restore {
        /// The backup file.
        #[arg(required_unless_present = "latest", conflicts_with = "latest")]
        file: Option<PathBuf>,
        /// Restore the newest backup.
        #[arg(long)]
        latest: bool,
    },
    /// The organisation-wide decision log on PostgreSQL: init, enrol, push, pull, seal, verify, log, export.
    #[command(subcommand)]
    Org(commands::org::OrgCommand),
    /// Check the whole database: the file, its search indexes and the decision log's chain.
    Check {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHAIR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // The reader of our output stopped reading (`| head`): nothing is wrong.
        Err(e) if output::closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    if std::env::var_os("CHAIR_REPORT_PEAK_RSS").is_some() {
        report_peak_rss();
    }
    code
}

/// Prints the process's peak resident memory (for the benchmarks) to standard error.
fn report_peak_rss() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kb) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
        eprintln!("peak-rss-kb: {}", kb.trim().trim_end_matches(" kB").trim());
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Checking an exported log needs no database at all.
    if let Command::Log(cmd @ commands::decisions::LogCommand::Verify { file: Some(_), .. }) =
        cli.command
    {
        return commands::decisions::run_log(None, cmd).await;
    }
    let db = chair_store::resolve_db_path(cli.db);
    // The organisation log needs this laptop's database only to push from it.
    if let Command::Org(cmd) = cli.command {
        if !cmd.needs_store() {
            return commands::org::run(&db, None, cmd).await;
        }
        let store = chair_store::Store::open(&db).await?;
        let code = commands::org::run(&db, Some(&store), cmd).await;
        store.close().await;
        return code;
    }
    // Backups are listed and restored without opening the database, which may be damaged.
    match cli.command {
        Command::Backups { json } => return commands::backup::list(&db, json),
        Command::Restore { file, latest } => {
            return commands::backup::restore_from(&db, file, latest).await;
        }
        _ => {}
    }
    let store = match chair_store::Store::open(&db).await {
        Ok(store) => store,
        Err(e) if e.code() == chair_core::ErrorCode::Corrupt => {
            anyhow::bail!("{e}\n{}", commands::backup::restore_hint(&db))
        }
        Err(e) => return Err(e.into()),
    };
    let code = match cli.command {
        Command::Demo { if_empty } => commands::workspace::demo(&store, if_empty).await?,
        Command::Status { json } => commands::workspace::status(&store, json).await?,
        Command::Import(args) => commands::import::run(&store, args).await?,
        Command::Imports { json } => commands::import::list(&store, json).await?,
        Command::Relevant(args) => commands::relevant::run(&store, args).await?,
        Command::Embed { json } => commands::embed::run(&store, json).await?,
        Command::Thesaurus(cmd) => commands::thesaurus::run(&store, cmd).await?,
        Command::Themes(args) => commands::themes::run(&store, args).await?,
        Command::Decision(cmd) => commands::decisions::run(&store, cmd).await?,
        Command::Log(cmd) => commands::decisions::run_log(Some(&store), cmd).await?,
        Command::Personas(cmd) => commands::personas::run(&store, cmd).await?,
        Command::Meetings(cmd) => commands::meetings::run(&store, cmd).await?,
        Command::Escalations(cmd) => commands::escalations::run(&store, cmd).await?,
        Command::Backup { to } => commands::backup::backup(&store, to).await?,
        Command::Check { json } => commands::backup::check(&store, json).await?,
        Command::Backups { .. } | Command::Restore { .. } | Command::Org(_) => {
            unreachable!("handled before opening")
        }
    };
    store.close().await;
    Ok(code)
}
