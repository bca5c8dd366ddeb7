//! The app's frame: first start, personas, meetings.

use anyhow::{Result, ensure};
use chair_e2e::{App, Harness};

use crate::shot;

/// Skips the first-start screen, leaving an empty workspace.
async fn start_empty(app: &App) -> Result<()> {
    app.click("[data-testid=start-empty]").await?;
    app.wait_for("nav.sidebar").await?;
    Ok(())
}

#[tokio::test]
async fn the_demo_workspace_appears_on_first_start() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.wait_for("[data-testid=welcome]").await?;
    app.click("[data-testid=load-demo]").await?;

    let items = app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    ensure!(
        items[0].contains("overdraft") || items[0].to_lowercase().contains("overdraft"),
        "first demo item is about overdrafts: {items:?}"
    );
    let title = app.wait_text(".page-header h1", |t| !t.is_empty()).await?;
    ensure!(
        title.contains("Product council"),
        "the demo meeting opens: {title}"
    );
    ensure!(
        app.texts("[data-testid=persona-card]").await?.len() == 3,
        "three personas sit in the chair"
    );
    app.screenshot(&shot("demo-meeting")).await?;

    app.click("[data-testid=nav-complaints]").await?;
    let count = app
        .wait_text("[data-testid=complaint-count]", |t| {
            t.contains("complaints")
        })
        .await?;
    let n: usize = count
        .split_whitespace()
        .next()
        .unwrap_or("0")
        .replace(',', "")
        .parse()?;
    ensure!(
        n >= 200,
        "a few hundred demo complaints are listed: {count}"
    );

    app.click("[data-testid=nav-personas]").await?;
    let names = app.wait_count("[data-testid=persona-card] h3", 3).await?;
    ensure!(names.iter().any(|n| n == "Maya Okafor"), "{names:?}");
    app.quit().await
}

#[tokio::test]
async fn a_created_persona_is_listed_and_survives_a_restart() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_empty(&app).await?;
    app.click("[data-testid=nav-personas]").await?;
    app.wait_for("[data-testid=personas-empty]").await?;
    app.click("[data-testid=new-persona]").await?;
    app.fill("[data-testid=persona-name-input]", "Priya Natarajan")
        .await?;
    app.fill(
        "[data-testid=persona-role-input]",
        "Runs a two-person design studio",
    )
    .await?;
    app.fill("[data-testid=persona-segment-input]", "freelancer")
        .await?;
    app.click("[data-testid=save-persona]").await?;

    let names = app.wait_count("[data-testid=persona-card] h3", 1).await?;
    ensure!(
        names == ["Priya Natarajan"],
        "the new persona is listed: {names:?}"
    );
    app.quit().await?;

    let again = h.launch().await?;
    again.click("[data-testid=nav-personas]").await?;
    let names = again.wait_count("[data-testid=persona-card] h3", 1).await?;
    ensure!(
        names == ["Priya Natarajan"],
        "the persona is still there after a restart: {names:?}"
    );
    again.quit().await
}

#[tokio::test]
async fn a_meeting_with_two_agenda_items_shows_them_in_order() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_empty(&app).await?;
    app.wait_for("[data-testid=meetings-empty]").await?;
    app.click("[data-testid=new-meeting]").await?;
    app.fill("[data-testid=meeting-title-input]", "Pricing review")
        .await?;
    app.fill_nth(
        "[data-testid=item-title-input]",
        0,
        "Monthly fee for small accounts",
    )
    .await?;
    app.fill_nth(
        "[data-testid=item-problem-input]",
        0,
        "Customers with small balances pay more than they earn",
    )
    .await?;
    app.click("[data-testid=add-item]").await?;
    app.wait_count("[data-testid=item-editor]", 2).await?;
    app.fill_nth(
        "[data-testid=item-title-input]",
        1,
        "Paper statement charge",
    )
    .await?;
    app.click("[data-testid=save-meeting]").await?;

    let items = app.wait_count("[data-testid=agenda-item-title]", 2).await?;
    ensure!(
        items == ["Monthly fee for small accounts", "Paper statement charge"],
        "agenda items show in the order they were written: {items:?}"
    );
    app.wait_text("[data-testid=selected-item]", |t| {
        t.contains("Customers with small balances")
    })
    .await?;
    app.click("[data-testid=nav-meetings]").await?;
    app.wait_for("[data-testid=meeting-list]").await?;
    app.screenshot(&shot("meetings-list")).await?;
    let titles = app.wait_count("[data-testid=meeting-title]", 1).await?;
    ensure!(titles == ["Pricing review"], "{titles:?}");
    app.quit().await
}

#[tokio::test]
async fn a_meeting_without_a_title_is_refused_with_a_message() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_empty(&app).await?;
    app.click("[data-testid=new-meeting]").await?;
    app.fill_nth("[data-testid=item-title-input]", 0, "Something")
        .await?;
    app.click("[data-testid=save-meeting]").await?;
    let msg = app
        .wait_text("[data-testid=field-problem][data-field=title]", |t| {
            !t.is_empty()
        })
        .await?;
    ensure!(
        msg == "Required.",
        "the title says what is missing, beside it: {msg}"
    );
    app.quit().await
}

/// What a form says beside each of its fields, by the field's name in the backend.
async fn problems(app: &App) -> Result<Vec<(String, String)>> {
    let fields = app
        .client()
        .execute(
            "return [...document.querySelectorAll('[data-testid=field-problem]')]\
               .map(e => [e.dataset.field, e.textContent.trim()])",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(fields)?)
}

#[tokio::test]
async fn every_problem_of_a_refused_meeting_shows_beside_its_field_and_clears_once_put_right()
-> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_empty(&app).await?;
    app.click("[data-testid=new-meeting]").await?;
    app.fill_nth("[data-testid=item-title-input]", 0, "Something")
        .await?;
    app.fill_nth("[data-testid=item-minutes-input]", 0, "0")
        .await?;
    app.fill("[data-testid=meeting-purpose-input]", &"word ".repeat(801))
        .await?;
    app.click("[data-testid=save-meeting]").await?;
    let banner = app
        .wait_text("[data-testid=form-error]", |t| !t.is_empty())
        .await?;
    ensure!(
        banner.contains("3 things") && !banner.contains("description") && !banner.contains("title"),
        "the banner counts the problems without naming internal fields: {banner}"
    );
    let found = problems(&app).await?;
    let said = |field: &str| {
        found
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    ensure!(said("title") == "Required.", "{found:?}");
    ensure!(
        said("description") == "4,004 characters is too long; at most 4,000 fit.",
        "the purpose says how long it is, beside it: {found:?}"
    );
    ensure!(
        said("agenda item 1 timebox").contains("between 1 and 240 minutes"),
        "{found:?}"
    );
    app.screenshot(&shot("form-problems")).await?;

    // Putting the title right clears its problem alone.
    app.fill("[data-testid=meeting-title-input]", "Pricing review")
        .await?;
    app.wait_gone("[data-testid=field-problem][data-field=title]")
        .await?;
    let left: Vec<String> = problems(&app).await?.into_iter().map(|(f, _)| f).collect();
    ensure!(
        left == ["description", "agenda item 1 timebox"],
        "the other problems stay until they are put right: {left:?}"
    );
    let banner = app
        .wait_text("[data-testid=form-error]", |t| t.contains("2 things"))
        .await?;
    ensure!(banner.contains("2 things"), "{banner}");
    app.quit().await
}
