//! Complaints: importing a real export through the import screen, and the relevant
//! complaints of an agenda item with pins and dismissals that survive a restart.

use anyhow::{Context, Result, ensure};
use chair_e2e::{App, Harness};

use crate::shot;

/// The number in a figure as shown ("1,532", "1532" or "1 532").
fn number(text: &str) -> u64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(u64::MAX)
}

fn fixture(name: &str) -> String {
    chair_e2e::repo_root()
        .join("tests/fixtures/data")
        .join(name)
        .display()
        .to_string()
}

pub(crate) async fn import_file(app: &App, path: &str) -> Result<()> {
    app.click("[data-testid=nav-complaints]").await?;
    app.click("[data-testid=open-import]").await?;
    app.fill("[data-testid=import-path]", path).await?;
    app.click("[data-testid=import-preview]").await?;
    app.wait_for("[data-testid=import-preview-panel]").await?;
    app.click("[data-testid=import-run]").await?;
    app.wait_for("[data-testid=import-summary]").await?;
    Ok(())
}

#[tokio::test]
async fn the_cfpb_sample_imports_through_the_import_screen_with_every_row_accounted_for()
-> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=start-empty]").await?;
    app.wait_for("nav.sidebar").await?;
    app.click("[data-testid=nav-complaints]").await?;
    app.wait_for("[data-testid=complaints-empty]").await?;

    app.click("[data-testid=open-import]").await?;
    app.fill(
        "[data-testid=import-path]",
        &fixture("cfpb-complaints-sample.csv"),
    )
    .await?;
    app.click("[data-testid=import-preview]").await?;
    app.wait_for("[data-testid=import-preview-panel]").await?;
    let body = app
        .client()
        .execute(
            "return document.querySelector('[data-testid=map-body]').value",
            vec![],
        )
        .await?;
    ensure!(
        body == "Consumer complaint narrative",
        "the CFPB narrative column maps itself: {body}"
    );
    app.screenshot(&shot("import-preview")).await?;
    app.click("[data-testid=import-run]").await?;
    app.wait_for("[data-testid=import-summary]").await?;
    let imported = app
        .wait_text("[data-testid=import-imported]", |t| !t.is_empty())
        .await?;
    let rejected = app
        .wait_text("[data-testid=import-rejected]", |t| !t.is_empty())
        .await?;
    ensure!(
        number(&imported) == 1532,
        "1,532 complaints imported, saw {imported}"
    );
    ensure!(
        number(&rejected) == 5091,
        "rows without a narrative are rejected, saw {rejected}"
    );
    app.click("[data-testid=show-rejections]").await?;
    let first = app
        .wait_text("[data-testid=rejections] tbody tr", |t| {
            t.contains("no text")
        })
        .await?;
    ensure!(
        first.starts_with('2'),
        "the first rejected row is line 2: {first}"
    );
    app.screenshot(&shot("import-summary")).await?;

    // The rejected rows, saved where the user chose (the test's save folder stands in for the
    // dialog): a header and one line per rejection, with its line number and reason.
    app.click("[data-testid=save-rejections]").await?;
    let said = app
        .wait_any_text("[data-testid=toast]", |t| t.contains("rejected rows"))
        .await?;
    ensure!(
        said.replace(',', "").contains("5091"),
        "the toast counts the rows: {said}"
    );
    let saved = std::fs::read_to_string(h.saved().join("cfpb-complaints-sample-rejected.csv"))?;
    let mut reader = csv::Reader::from_reader(saved.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    ensure!(
        rows.len() == 5091,
        "5,091 rejected rows saved, found {}",
        rows.len()
    );
    ensure!(
        &rows[0][0] == "2" && rows[0][2].contains("no text"),
        "the first saved row is line 2 with its reason: {:?}",
        rows[0]
    );
    // Out of the way, as a user would wave it off.
    app.click("[data-testid=toast] button.close").await?;

    // The same file again adds nothing.
    import_file(&app, &fixture("cfpb-complaints-sample.csv")).await?;
    let again = app
        .wait_text("[data-testid=import-imported]", |t| !t.is_empty())
        .await?;
    let dups = app
        .wait_text("[data-testid=import-duplicates]", |t| !t.is_empty())
        .await?;
    ensure!(
        number(&again) == 0 && number(&dups) == 1532,
        "a second import adds nothing: {again} imported, {dups} duplicates"
    );
    let status: serde_json::Value = serde_json::from_str(&h.chair(&["status", "--json"])?)?;
    ensure!(
        status["complaints"] == 1532,
        "the database holds 1,532 complaints: {status}"
    );
    app.quit().await
}

#[tokio::test]
async fn a_file_that_is_not_a_complaint_export_is_refused_with_a_reason() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=start-empty]").await?;
    let png = chair_e2e::repo_root()
        .join("src-tauri/icons/32x32.png")
        .display()
        .to_string();
    app.click("[data-testid=nav-complaints]").await?;
    app.click("[data-testid=open-import]").await?;
    app.fill("[data-testid=import-path]", &png).await?;
    app.click("[data-testid=import-preview]").await?;
    let msg = app
        .wait_text("[data-testid=import-error]", |t| !t.is_empty())
        .await?;
    ensure!(
        msg.contains("not a text file"),
        "the refusal says why: {msg}"
    );
    app.quit().await
}

/// The ids and marks of the relevant complaints on screen, in order.
async fn relevant(app: &App) -> Result<Vec<(String, String)>> {
    app.wait_for("[data-testid=relevant-complaint]").await?;
    let v = app
        .client()
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=relevant-complaint]'))
                .map(e => [e.querySelector('[data-testid=relevant-title]').innerText, e.dataset.mark]);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

#[tokio::test]
async fn relevant_complaints_show_why_and_keep_pins_and_dismissals_across_a_restart() -> Result<()>
{
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    let before = relevant(&app).await?;
    ensure!(
        before.len() >= 5,
        "the first item has relevant complaints: {before:?}"
    );
    let marked = app.texts("[data-testid=relevant-complaint] mark").await?;
    ensure!(!marked.is_empty(), "matching words are highlighted");
    let why = app
        .wait_text("[data-testid=why]", |t| t.starts_with("Matched"))
        .await?;
    ensure!(
        why.contains(':'),
        "each complaint says what matched where: {why}"
    );
    // The demo's five copies of one letter lead the list, once, with how many sent it;
    // dismissing that card below dismisses all five.
    let cards = app.texts("[data-testid=relevant-complaint]").await?;
    ensure!(
        cards
            .first()
            .is_some_and(|c| c.contains("5 customers said this")),
        "five copies of one letter show once, first, with how many sent it: {cards:?}"
    );
    app.screenshot(&shot("relevant-complaints")).await?;

    let (pinned_title, dismissed_title) = (before[2].0.clone(), before[0].0.clone());
    let pins = app
        .client()
        .find_all(fantoccini::Locator::Css("[data-testid=pin]"))
        .await?;
    pins.get(2)
        .context("a pin button on the third complaint")?
        .click()
        .await?;
    app.wait_text("[data-testid=relevant-complaint]", |t| {
        t.contains(&pinned_title)
    })
    .await?;
    let dismiss = app
        .client()
        .find_all(fantoccini::Locator::Css("[data-testid=dismiss]"))
        .await?;
    // After pinning, the list is: pinned, then the rest in order; the first unpinned is the old first.
    dismiss.first().context("a dismiss button")?.click().await?;
    let mut after = relevant(&app).await?;
    for _ in 0..50 {
        if !after.iter().any(|(t, _)| *t == dismissed_title) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = relevant(&app).await?;
    }
    ensure!(
        after[0] == (pinned_title.clone(), "pinned".into()),
        "the pinned complaint leads: {after:?}"
    );
    ensure!(
        !after.iter().any(|(t, _)| *t == dismissed_title),
        "the dismissed complaint is gone: {after:?}"
    );
    app.quit().await?;

    let again = h.launch().await?;
    again.click("[data-testid=nav-meetings]").await?;
    again.click("[data-testid=meeting-row]").await?;
    again
        .wait_count("[data-testid=agenda-item-title]", 4)
        .await?;
    let restarted = relevant(&again).await?;
    ensure!(
        restarted[0] == (pinned_title, "pinned".into()),
        "the pin survives a restart: {restarted:?}"
    );
    ensure!(
        !restarted.iter().any(|(t, _)| *t == dismissed_title),
        "the dismissal survives a restart: {restarted:?}"
    );
    again.quit().await
}
