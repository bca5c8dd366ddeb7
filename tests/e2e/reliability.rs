//! Careless hands and hostile text: a second launch, the command line writing while the app
//! runs, a damaged database with a backup to fall back on, complaint text that tries to run.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use chair_e2e::Harness;

use crate::shot;

/// Waits up to `limit` for `child` to exit; its status, or `None` if it still runs.
fn wait_exit(
    child: &mut std::process::Child,
    limit: Duration,
) -> Result<Option<std::process::ExitStatus>> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(None)
}

#[tokio::test]
async fn a_second_launch_hands_over_and_the_command_line_writes_alongside() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;

    // The same database again: the running window is asked forward and the newcomer leaves.
    let mut second = h.app_command()?.arg("--db").arg(h.db()).spawn()?;
    let status = wait_exit(&mut second, Duration::from_secs(20))?
        .context("a second launch on the same database kept running")?;
    ensure!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );
    app.wait_for("[data-testid=agenda-item-title]").await?;

    // Another database is another workspace: it opens alongside.
    let other = h.home().join("other.db");
    let mut third = h.app_command()?.arg("--db").arg(&other).spawn()?;
    let still = wait_exit(&mut third, Duration::from_secs(4))?;
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(third.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = third.wait();
    ensure!(
        still.is_none(),
        "an app on another database is not sent away: {still:?}"
    );

    // The command line logs a decision while the app has the database open.
    let said = h.chair_logs_a_decision()?;
    ensure!(
        said.contains("entry 1"),
        "the command line logged it: {said}"
    );
    app.click("[data-testid=nav-audit]").await?;
    app.wait_text("[data-testid=chain-badge]", |t| t.contains("1 entry"))
        .await?;
    app.quit().await
}

#[tokio::test]
async fn a_damaged_database_is_refused_and_the_latest_backup_restored() -> Result<()> {
    let h = Harness::start()?;
    h.chair(&["demo"])?;
    let backup = h.chair(&["backup"])?;
    ensure!(backup.starts_with("Backed up"), "{backup}");
    // Damage: the second half of the file is gone.
    let bytes = std::fs::read(h.db())?;
    std::fs::write(h.db(), &bytes[..bytes.len() / 2])?;
    let damaged = std::fs::read(h.db())?;

    let app = h.launch().await?;
    let message = app
        .wait_text("[data-testid=open-failed-message]", |t| !t.is_empty())
        .await?;
    ensure!(
        message.contains("empty-chair.db") && message.contains("damaged"),
        "the message names the file and the problem: {message}"
    );
    ensure!(
        std::fs::read(h.db())? == damaged,
        "the damaged file is not written to"
    );
    app.wait_for("[data-testid=latest-backup]").await?;
    // A WebDriver screenshot of this screen does not return in WebKitWebDriver; the X
    // screen shows the same window.
    h.screenshot_screen(&shot("open-failed-with-backup"))?;
    app.click("[data-testid=restore-latest]").await?;
    app.click("[data-testid=confirm]").await?;
    app.wait_for("nav.sidebar").await?;
    app.click("[data-testid=nav-meetings]").await?;
    app.wait_for("[data-testid=meeting-row], [data-testid=agenda-item-title]")
        .await?;

    let aside: Vec<String> = std::fs::read_dir(h.db().parent().context("data folder")?)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("before-restore"))
        .collect();
    ensure!(
        !aside.is_empty(),
        "the damaged file is kept aside: {aside:?}"
    );
    let check = h.chair(&["check"])?;
    ensure!(
        check.contains("file         ok"),
        "the restored database checks out: {check}"
    );
    app.quit().await
}

#[tokio::test]
async fn a_database_being_restored_is_waited_for_and_opens_on_try_again() -> Result<()> {
    let h = Harness::start()?;
    h.chair(&["demo"])?;
    // A restore from the command line holds the database's lock while it swaps the file.
    let mut lock_path = h.db().as_os_str().to_owned();
    lock_path.push(".inuse");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)?;
    lock.lock()?;

    let app = h.launch().await?;
    let message = app
        .wait_text("[data-testid=open-failed-message]", |t| !t.is_empty())
        .await?;
    ensure!(
        message.contains("being restored"),
        "the window says why it waits: {message}"
    );
    lock.unlock()?;
    drop(lock);
    app.click("[data-testid=retry-open]").await?;
    app.wait_for("nav.sidebar").await?;
    app.click("[data-testid=nav-meetings]").await?;
    app.wait_for("[data-testid=meeting-row], [data-testid=agenda-item-title]")
        .await?;
    app.quit().await
}

#[tokio::test]
async fn complaint_text_is_shown_as_text_and_never_runs() -> Result<()> {
    let h = Harness::start()?;
    h.chair(&["demo"])?;
    let file = h.home().join("hostile.csv");
    std::fs::write(
        &file,
        "id,date,title,text\n\
         H-1,2026-11-20,\"<img src=x onerror=\"\"window.__pwned='img'\"\">Overdraft fee\",\
         \"<script>window.__pwned='script'</script> My salary was a day late and the overdraft fee came anyway. <b>Grace period</b> please.\"\n\
         H-2,2026-11-21,\"<svg onload=\"\"window.__pwned='svg'\"\">\",\"<iframe src=javascript:window.__pwned='iframe'></iframe> overdraft grace period fee salary late\"\n",
    )?;
    let imported = h.chair(&["import", file.to_str().context("path")?])?;
    ensure!(imported.contains("imported    2"), "{imported}");

    let app = h.launch().await?;
    app.click("[data-testid=nav-complaints]").await?;
    app.fill("[data-testid=complaint-search]", "grace").await?;
    let rows = app
        .wait_any_text("[data-testid=complaint-row]", |t| t.contains("<img"))
        .await?;
    ensure!(
        rows.contains("onerror"),
        "the markup is shown as the text it is: {rows}"
    );
    app.client()
        .execute(
            "[...document.querySelectorAll('[data-testid=complaint-row]')].find(r => r.textContent.includes('<img')).click();",
            vec![],
        )
        .await?;
    app.wait_any_text("[data-testid=complaint-detail]", |t| t.contains("<img"))
        .await?;

    // The meeting screen highlights the same text.
    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=meeting-row]").await?;
    app.wait_any_text("[data-testid=relevant-complaint]", |t| {
        t.contains("<img") || t.contains("<svg")
    })
    .await?;
    app.screenshot(&shot("hostile-text")).await?;

    let pwned = app
        .client()
        .execute(
            "return [typeof window.__pwned, document.querySelectorAll('main script, main img, main svg[onload], main iframe').length];",
            vec![],
        )
        .await?;
    if pwned != serde_json::json!(["undefined", 0]) {
        bail!("complaint text became markup or ran: {pwned}");
    }
    app.quit().await
}

#[tokio::test]
async fn a_file_dialog_on_the_databases_folder_loses_no_decision_written_after_it() -> Result<()> {
    let h = Harness::start_with_dialogs()?;
    let app = h.launch().await?;
    crate::decisions::open_demo_meeting(&app).await?;
    crate::decisions::record_quick_decision(&app, "Waive the fee on the first late day").await?;

    // The export's save dialog opens in the app's working folder, which holds the database;
    // a file chooser reads the files it lists. Cancel it once it has shown the folder.
    app.click("[data-testid=nav-audit]").await?;
    // The audit has read its log (the export works on what it shows) before Export is pressed.
    app.wait_for("[data-testid=audit-row]").await?;
    app.wait_text("[data-testid=chain-badge]", |t| t.contains("intact"))
        .await?;
    app.click("[data-testid=export-csv]").await?;
    let start = Instant::now();
    // The portal or zenity names the window; a chooser inside the app would use the title.
    let chooser = [
        "search",
        "--onlyvisible",
        "--name",
        "Export the decision log|zenity",
    ];
    let dialog = loop {
        let found = h.xdotool(&chooser)?;
        if let Some(id) = found.lines().next() {
            break id.to_string();
        }
        if start.elapsed() > Duration::from_secs(20) {
            let windows = h.xdotool(&["search", "--name", "."])?;
            let names: Vec<String> = windows
                .lines()
                .map(|w| h.xdotool(&["getwindowname", w]).unwrap_or_default())
                .collect();
            app.screenshot(&shot("save-dialog-missing")).await?;
            let toasts = app.texts("[data-testid=toast]").await?;
            bail!(
                "the save dialog did not appear; the windows are {names:?}, the window says {toasts:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_secs(2));
    h.screenshot_screen(&shot("save-dialog-on-database-folder"))?;
    let dialog_pid = h.xdotool(&["getwindowpid", &dialog])?;
    let dialog_program =
        std::fs::read_to_string(format!("/proc/{dialog_pid}/comm")).unwrap_or_default();
    ensure!(
        !dialog_program.trim().starts_with("empty-chair"),
        "the file chooser runs outside the app's process (it is {dialog_program:?})"
    );
    h.xdotool(&["windowfocus", "--sync", &dialog, "key", "Escape"])?;
    let start = Instant::now();
    while !h.xdotool(&chooser)?.is_empty() {
        if start.elapsed() > Duration::from_secs(20) {
            bail!("the save dialog did not close on Escape");
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    // The command line opens and closes the same database meanwhile.
    let listed = h.chair(&["decision", "list"])?;
    ensure!(
        listed.contains("Waive the fee"),
        "chair sees the first decision: {listed}"
    );

    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=meeting-row]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    crate::decisions::record_quick_decision(&app, "Text customers before the fee applies").await?;
    let listed = h.chair(&["decision", "list"])?;
    ensure!(
        listed.contains("Text customers before the fee applies"),
        "a decision the window acknowledged is on disk where chair sees it: {listed}"
    );
    app.quit().await?;
    let listed = h.chair(&["decision", "list"])?;
    ensure!(
        listed.contains("Waive the fee") && listed.contains("Text customers before"),
        "both decisions are still there after the app exits: {listed}"
    );
    Ok(())
}
