//! Dialogs and form fields as people meet them: what Esc does to typing, what a dialog shows
//! when it opens, what an empty date field looks like.

use anyhow::{Result, ensure};
use chair_e2e::Harness;

use crate::live::start_demo_meeting;
use crate::shot;

const ESCAPE: &str = "\u{e00c}";

#[tokio::test]
async fn esc_on_a_filled_question_asks_first_and_the_dialog_reopens_empty() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_demo_meeting(&app).await?;

    app.click("[data-testid=relevant-complaint] [data-testid=raise]")
        .await?;
    app.fill(
        "[data-testid=raise-question]",
        "Why did the text come late?",
    )
    .await?;
    app.fill("[data-testid=raise-owner]", "Jonas P.").await?;
    app.press(ESCAPE).await?;
    app.wait_for("[data-testid=raise-discard]").await?;
    ensure!(
        app.texts("dialog[open][data-testid=raise-dialog]")
            .await?
            .len()
            == 1,
        "Esc on a filled question leaves it open and asks"
    );
    app.screenshot(&shot("raise-discard-asked")).await?;
    app.click("[data-testid=raise-discard-confirm]").await?;
    app.wait_gone("dialog[open]").await?;

    app.click("[data-testid=relevant-complaint] [data-testid=raise]")
        .await?;
    app.wait_for("dialog[open][data-testid=raise-dialog]")
        .await?;
    let fields = app
        .client()
        .execute(
            "return ['raise-question', 'raise-owner'].map(t => document.querySelector(`[data-testid=${t}]`).value);",
            vec![],
        )
        .await?;
    ensure!(
        fields == serde_json::json!(["", ""]),
        "a reopened dialog keeps nothing of the discarded one: {fields}"
    );
    ensure!(
        app.texts("[data-testid=raise-discard]").await?.is_empty(),
        "a reopened dialog does not start by asking"
    );

    // An untouched dialog closes on Esc without a question.
    app.press(ESCAPE).await?;
    app.wait_gone("dialog[open]").await?;
    app.quit().await
}

#[tokio::test]
async fn the_shortcut_list_opens_at_its_title() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    app.resize(1280, 720).await?;
    app.press("?").await?;
    app.wait_for("dialog[open][data-testid=help]").await?;
    let seen = app
        .client()
        .execute(
            "const d = document.querySelector('[data-testid=help]');
             const t = document.querySelector('[data-testid=help-title]').getBoundingClientRect();
             const r = d.getBoundingClientRect();
             return { scroll: d.scrollTop, scrolls: d.scrollHeight > d.clientHeight, visible: t.top >= r.top && t.bottom <= r.bottom };",
            vec![],
        )
        .await?;
    ensure!(
        seen["scroll"] == 0 && seen["visible"] == true,
        "the list opens with its title in sight: {seen}"
    );
    app.screenshot(&shot("help-opens-at-top")).await?;
    app.quit().await
}

/// What an empty date field shows: its words, and no grey date behind them. Waits for the
/// field, since a screen may draw its filters again once its data has loaded.
async fn empty_date(app: &chair_e2e::App, testid: &str) -> Result<serde_json::Value> {
    let start = std::time::Instant::now();
    loop {
        let seen = app
            .client()
            .execute(
                "const f = document.querySelector(`[data-testid=${arguments[0]}]`);
                 const i = f && f.querySelector('input');
                 const e = f && f.querySelector('[data-testid=date-empty]');
                 return { says: e ? e.innerText.trim() : null, colour: i ? getComputedStyle(i).color : null };",
                vec![testid.into()],
            )
            .await?;
        if !seen["says"].is_null() || start.elapsed() > std::time::Duration::from_secs(10) {
            return Ok(seen);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_unscheduled_meeting_says_so_and_shows_no_date() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    app.click("[data-testid=start-empty]").await?;
    app.wait_for("nav.sidebar").await?;
    app.click("[data-testid=new-meeting]").await?;
    app.wait_for("[data-testid=meeting-title-input]").await?;
    let when = empty_date(&app, "meeting-when").await?;
    ensure!(
        when["says"] == "Not scheduled" && when["colour"] == "rgba(0, 0, 0, 0)",
        "a new meeting's When says it is not scheduled and shows no grey date: {when}"
    );
    app.screenshot(&shot("meeting-form-not-scheduled")).await?;

    app.quit().await
}

#[tokio::test]
async fn a_day_picked_in_the_question_dialogs_calendar_closes_it_and_moves_on_to_raise()
-> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_demo_meeting(&app).await?;
    app.click("[data-testid=relevant-complaint] [data-testid=raise]")
        .await?;
    app.fill("[data-testid=raise-owner]", "Jonas P.").await?;
    // A month whose third week is known: 1 January 2030 is a Tuesday, so the calendar's third
    // row runs from the 13th to the 19th.
    app.client()
        .execute(
            "document.querySelector('[data-testid=raise-due]').value = '2030-01-01'",
            vec![],
        )
        .await?;
    app.click("[data-testid=raise-due]").await?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    h.screenshot_screen(&shot("raise-calendar-open"))?;
    // The calendar opens under the field, centred on it; its third row of days lies about
    // 105 pixels below the field. WebDriver cannot reach it: click it as a person would.
    let at = app
        .client()
        .execute(
            "const r = document.querySelector('[data-testid=raise-due]').getBoundingClientRect(); \
             return [Math.round(window.screenX + r.left + r.width / 2), Math.round(window.screenY + r.bottom + 105)];",
            vec![],
        )
        .await?;
    let at: Vec<i64> = serde_json::from_value(at)?;
    h.xdotool(&[
        "mousemove",
        &at[0].to_string(),
        &at[1].to_string(),
        "click",
        "1",
    ])?;
    let mut due = String::new();
    for _ in 0..50 {
        due = app
            .client()
            .execute(
                "return document.querySelector('[data-testid=raise-due]').value",
                vec![],
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string();
        if due != "2030-01-01" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(
        due.starts_with("2030-01-1"),
        "a day of the third week was picked: {due}"
    );
    let focused = app
        .client()
        .execute("return document.activeElement.dataset.testid", vec![])
        .await?;
    ensure!(
        focused == "raise-confirm",
        "the pick moved on to Raise, closing the calendar: {focused}"
    );
    h.screenshot_screen(&shot("raise-calendar-picked"))?;
    app.quit().await
}
