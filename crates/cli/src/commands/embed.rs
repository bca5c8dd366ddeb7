//! `chair embed`: what complaints mean, computed by the language model so that agenda items
//! find complaints similar in meaning; `chair import` runs it after each import.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chair_core::relevance::dense::EmbedStatus;
use chair_store::Store;

use crate::output;

/// Loads the language model and lets `store` rank by meaning with it. Without the model, says
/// why on standard error (unless `quiet`) and leaves the store ranking by words alone.
pub fn attach_model(store: &Store, quiet: bool) -> bool {
    match chair_embed::Model::locate() {
        Ok(model) => {
            store.use_embedder(Arc::new(model));
            true
        }
        Err(e) => {
            if !quiet {
                eprintln!("note: {e}");
            }
            false
        }
    }
}

/// Embeds every complaint not embedded yet, newest first, showing progress on standard error
/// (a bar on a terminal, a line every few seconds otherwise, nothing when `quiet`). Stopping
/// it anywhere loses nothing: the next run goes on from there.
pub async fn embed_pending(store: &Store, quiet: bool) -> anyhow::Result<(usize, f64)> {
    let started = std::time::Instant::now();
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:32.cyan/dim} {pos}/{len} complaints embedded  {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("█▌ "),
        )
    });
    let every = crate::commands::import::line_every();
    let mut last = std::time::Instant::now();
    let mut first = true;
    let done = store
        .embed_pending(
            |s: EmbedStatus| {
                if let Some(bar) = &bar {
                    bar.set_length(s.total as u64);
                    bar.set_position(s.embedded as u64);
                } else if !quiet && s.embedded < s.total && (first || last.elapsed() >= every) {
                    first = false;
                    last = std::time::Instant::now();
                    eprintln!("embedding complaints: {} of {} done", s.embedded, s.total);
                }
            },
            &AtomicBool::new(false),
        )
        .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if done > 0
        && let Some(model) = store.embedder()
        && store.themes_found().await?
    {
        // Complaints just read join the themes found before (which are found again once
        // enough are new); `chair themes discover` finds the first ones.
        let update = store
            .update_themes(model.name(), model.dim(), chrono::Utc::now())
            .await?;
        if !quiet {
            if let Some(s) = update.sorted {
                eprintln!(
                    "themes: {} complaints sorted into them, {} fit none",
                    s.sorted, s.unsorted
                );
            }
            if let Some(d) = update.discovered {
                eprintln!("themes: {} found ({} kept from before)", d.themes, d.kept);
            }
        }
    }
    Ok((done, started.elapsed().as_secs_f64()))
}

/// Runs `chair embed`.
pub async fn run(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    if !attach_model(store, false) {
        return Ok(ExitCode::FAILURE);
    }
    let (done, seconds) = embed_pending(store, json).await?;
    let status = store.embed_status().await?;
    if json {
        output::json(&serde_json::json!({
            "embedded_now": done,
            "seconds": seconds,
            "embedded": status.embedded,
            "total": status.total,
            "model": chair_embed::MODEL_NAME,
        }))?;
    } else {
        outln!(
            "{} of {} complaints embedded ({} now, in {:.1} s; model {})",
            status.embedded,
            status.total,
            done,
            seconds,
            chair_embed::MODEL_NAME
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
