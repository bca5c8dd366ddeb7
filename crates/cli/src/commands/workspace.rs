//! `chair demo` and `chair status`.

use std::process::ExitCode;

use chair_store::Store;
use chrono::Utc;

use crate::output;

/// Fills an empty database with the demo workspace; with `if_empty`, a database that
/// already holds data is left as it is.
pub async fn demo(store: &Store, if_empty: bool) -> anyhow::Result<ExitCode> {
    if if_empty && !store.status().await?.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let summary = store.create_demo(Utc::now()).await?;
    outln!(
        "Demo workspace created in {}: {} personas, {} complaints, 1 meeting with {} agenda items.",
        store.path().display(),
        summary.personas,
        summary.complaints,
        summary.agenda_items
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Prints what the database holds.
pub async fn status(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let s = store.status().await?;
    if json {
        output::json(&s)?;
    } else {
        outln!("database    {}", s.db_path)?;
        outln!("personas    {}", s.personas)?;
        outln!("complaints  {}", s.complaints)?;
        outln!("meetings    {}", s.meetings)?;
        outln!("decisions   {}", s.decisions)?;
    }
    Ok(ExitCode::SUCCESS)
}
