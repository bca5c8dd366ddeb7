//! The meeting room: the facilitator runs the demo meeting live while the advocate speaks from
//! the seat window; decisions carry the advocate's stance, "?" escalations stay open, and the
//! minutes written at the close hold all of it.

use anyhow::{Context, Result, ensure};
use chair_e2e::{App, Harness};

use crate::shot;

const FIRST_PROBLEM: &str = "My salary came in a day late";
const SECOND_TITLE: &str = "Faster instant payouts for business accounts";
const SECOND_PROBLEM: &str = "weekend card takings";
const OBJECTION: &str = "Three days is not instant: say plainly when the money lands";
const REMARK: &str = "The customer would say: my staff do not wait for their wages";
const QUESTION: &str = "Why did this payout take three days?";

/// Loads the demo workspace and starts its meeting live.
pub(crate) async fn start_demo_meeting(app: &App) -> Result<()> {
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    app.click("[data-testid=go-live]").await?;
    app.wait_text("[data-testid=live-problem]", |t| t.contains(FIRST_PROBLEM))
        .await?;
    Ok(())
}

/// The complaint ids of every element matching `css`, in order.
async fn complaint_ids(app: &App, css: &str) -> Result<Vec<String>> {
    let value = app
        .client()
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.dataset.complaint);",
            vec![css.into()],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// Waits until the seat's quotes are `ok`; returns them.
async fn wait_seat_quotes(app: &App, ok: impl Fn(&[String]) -> bool) -> Result<Vec<String>> {
    let start = std::time::Instant::now();
    loop {
        let quotes = complaint_ids(app, "[data-testid=seat-quote]").await?;
        if ok(&quotes) {
            return Ok(quotes);
        }
        if start.elapsed() > std::time::Duration::from_secs(10) {
            anyhow::bail!("the seat never showed the room's list; it shows {quotes:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_seat_shows_the_rooms_list_with_pins_first_and_dismissed_gone() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_demo_meeting(&app).await?;
    app.click("[data-testid=open-seat]").await?;
    let windows = app.wait_windows(2).await?;
    let (main, seat) = (&windows[0], &windows[1]);
    app.switch_to(seat).await?;
    let before = wait_seat_quotes(&app, |q| q.len() >= 2).await?;

    // The room dismisses what the advocate reads first and pins one further down its list.
    app.switch_to(main).await?;
    app.wait_for("[data-testid=relevant-complaint]").await?;
    let room = complaint_ids(&app, "[data-testid=relevant-complaint]").await?;
    let dismissed = before[0].clone();
    let pinned = room
        .iter()
        .rev()
        .find(|id| **id != dismissed)
        .context("the room lists a second complaint")?
        .clone();
    let card = |id: &str, button: &str| {
        format!("[data-testid=relevant-complaint][data-complaint=\"{id}\"] [data-testid={button}]")
    };
    app.click(&card(&dismissed, "dismiss")).await?;
    app.wait_gone(&format!(
        "[data-testid=relevant-complaint][data-complaint=\"{dismissed}\"]"
    ))
    .await?;
    app.click(&card(&pinned, "pin")).await?;
    app.wait_for(&format!(
        "[data-testid=relevant-complaint][data-complaint=\"{pinned}\"][data-mark=pinned]"
    ))
    .await?;

    // Without touching the seat, it now reads the room's list.
    app.switch_to(seat).await?;
    let after = wait_seat_quotes(&app, |q| {
        q.first() == Some(&pinned) && !q.contains(&dismissed)
    })
    .await?;
    ensure!(
        !after.contains(&dismissed),
        "the dismissed complaint left the seat: {after:?}"
    );
    app.screenshot(&shot("seat-after-pin-and-dismiss")).await?;
    app.switch_to(main).await?;
    app.quit().await
}

#[tokio::test]
async fn a_meeting_runs_live_with_the_advocate_in_the_seat_and_closes_with_minutes() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_demo_meeting(&app).await?;
    app.wait_for("[data-testid=timer][data-running=true]")
        .await?;

    // The seat opens in its own window and sits on the facilitator's item.
    app.click("[data-testid=open-seat]").await?;
    let windows = app.wait_windows(2).await?;
    let (main, seat) = (&windows[0], &windows[1]);
    app.switch_to(seat).await?;
    app.wait_text("[data-testid=seat-problem]", |t| t.contains(FIRST_PROBLEM))
        .await?;

    // The facilitator moves on (by keyboard); the seat follows.
    app.switch_to(main).await?;
    app.press("\u{E014}").await?;
    app.wait_text("[data-testid=live-item-title]", |t| t == SECOND_TITLE)
        .await?;
    let position = app.texts("[data-testid=live-position]").await?;
    ensure!(
        position == ["Item 2 of 4"],
        "live mode says where it is: {position:?}"
    );
    app.switch_to(seat).await?;
    app.wait_text("[data-testid=seat-problem]", |t| t.contains(SECOND_PROBLEM))
        .await?;
    app.wait_for("[data-testid=seat-quote]").await?;

    // The advocate objects and adds a remark from the seat.
    app.fill("[data-testid=seat-words]", OBJECTION).await?;
    app.click("[data-testid=seat-object]").await?;
    app.wait_text("[data-testid=seat] [data-testid=timeline]", |t| {
        t.contains(OBJECTION)
    })
    .await?;
    app.fill("[data-testid=seat-words]", REMARK).await?;
    app.click("[data-testid=seat-remark]").await?;
    app.wait_text("[data-testid=seat] [data-testid=timeline]", |t| {
        t.contains(REMARK)
    })
    .await?;
    app.screenshot(&shot("seat-1280x800")).await?;

    // Both reach the facilitator's window.
    app.switch_to(main).await?;
    let heard = app
        .wait_text("[data-testid=from-the-chair]", |t| {
            t.contains(OBJECTION) && t.contains(REMARK)
        })
        .await?;
    ensure!(
        heard.to_uppercase().contains("OBJECTS"),
        "the objection is labelled as one: {heard}"
    );

    // A "?" on a complaint, with an owner.
    app.wait_for("[data-testid=relevant-complaint]").await?;
    app.click("[data-testid=relevant-complaint] [data-testid=raise]")
        .await?;
    app.fill("[data-testid=raise-question]", QUESTION).await?;
    app.fill("[data-testid=raise-owner]", "Aisha B.").await?;
    app.click("[data-testid=raise-confirm]").await?;
    app.wait_gone("dialog[open]").await?;
    app.wait_text("[data-testid=from-the-chair]", |t| t.contains(QUESTION))
        .await?;
    app.screenshot(&shot("live-1280x800")).await?;

    // The decision form carries the advocate's stance.
    app.click("[data-testid=record-decision]").await?;
    let from_seat = app
        .wait_text("[data-testid=stance-from-seat]", |t| t.contains(OBJECTION))
        .await?;
    ensure!(
        from_seat.contains("objected"),
        "the stance is named: {from_seat}"
    );
    app.wait_for("[data-testid=stance-objects][aria-pressed=true]")
        .await?;
    app.fill(
        "[data-testid=decision-statement]",
        "Show the expected arrival time on every instant payout",
    )
    .await?;
    app.click("[data-testid=direction-helps]").await?;
    app.click("[data-testid=size-medium]").await?;
    app.fill(
        "[data-testid=decision-impact]",
        "Business owners know when they can pay their suppliers",
    )
    .await?;
    app.click("[data-testid=no-evidence]").await?;
    app.click("[data-testid=save-decision]").await?;
    app.wait_text("[data-testid=live-item-title]", |t| t == SECOND_TITLE)
        .await?;

    // Closing asks about the items left without a decision, then shows the minutes.
    app.click("[data-testid=close-meeting]").await?;
    let choices = app.wait_count("[data-testid=carry-choice]", 3).await?;
    ensure!(
        choices[0].contains("Overdraft grace period") && choices[0].contains("discussed"),
        "the discussed item without a decision is offered first: {choices:?}"
    );
    app.click("[data-testid=confirm-close]").await?;
    let minutes = app
        .wait_text("[data-testid=minutes]", |t| t.contains("Minutes"))
        .await?;
    for expected in [
        "Show the expected arrival time on every instant payout",
        OBJECTION,
        REMARK,
        QUESTION,
        "Aisha B.",
    ] {
        ensure!(
            minutes.contains(expected),
            "the minutes mention {expected:?}:\n{minutes}"
        );
    }
    app.screenshot(&shot("minutes")).await?;

    // The seat knows the meeting is over.
    app.switch_to(seat).await?;
    app.wait_text("[data-testid=seat-waiting]", |t| t.contains("closed"))
        .await?;

    // The escalation stays open, on the command line too.
    let open = h.chair(&["escalations", "list", "--open", "--json"])?;
    ensure!(
        open.contains(QUESTION) && open.contains("Aisha B."),
        "chair lists the open escalation: {open}"
    );
    app.switch_to(main).await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn escalations_are_answered_and_unfinished_items_carry_into_the_next_meeting() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    start_demo_meeting(&app).await?;

    app.click("[data-testid=relevant-complaint] [data-testid=raise]")
        .await?;
    app.fill("[data-testid=raise-question]", QUESTION).await?;
    app.fill("[data-testid=raise-owner]", "Aisha B.").await?;
    app.click("[data-testid=raise-confirm]").await?;
    app.wait_gone("dialog[open]").await?;

    // Close without deciding anything: all four items carry forward.
    app.click("[data-testid=close-meeting]").await?;
    app.wait_count("[data-testid=carry-choice]", 4).await?;
    let closing = app
        .wait_text("[data-testid=close-dialog] h2", |t| t.starts_with("Close"))
        .await?;
    let asked = app.wait_text("#carry-label", |t| !t.is_empty()).await?;
    ensure!(
        !asked.contains(closing.trim_start_matches("Close ").trim_end_matches('?')),
        "the carry-forward question names the next meeting, not the one closing: {asked}"
    );
    app.screenshot(&shot("close-meeting-carry")).await?;
    app.click("[data-testid=confirm-close]").await?;
    app.wait_for("[data-testid=minutes]").await?;

    // The next meeting of the same title is offered them, copied from the first.
    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=new-meeting]").await?;
    app.wait_for("[data-testid=copy-from]").await?;
    app.client()
        .execute(
            "const s = document.querySelector('[data-testid=copy-from]');
             s.value = s.options[1].value; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    app.wait_text("[data-testid=unfinished]", |t| {
        t.contains("4 items unfinished")
    })
    .await?;
    app.fill(
        "[data-testid=meeting-title-input]",
        "Product council — week 48",
    )
    .await?;
    app.click("[data-testid=take-unfinished]").await?;
    app.wait_gone("[data-testid=unfinished]").await?;
    let titles = app.wait_count("[data-testid=item-editor]", 4).await?;
    ensure!(
        titles.iter().all(|t| t.contains("Carried forward")),
        "every item is marked as carried: {titles:?}"
    );
    app.screenshot(&shot("meeting-carried-forward")).await?;
    app.click("[data-testid=save-meeting]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;

    // The escalation is answered on its list and leaves the open view.
    app.click("[data-testid=nav-escalations]").await?;
    app.wait_text("[data-testid=escalation-question]", |t| t == QUESTION)
        .await?;
    app.screenshot(&shot("escalations")).await?;
    app.click("[data-testid=answer-escalation]").await?;
    app.fill(
        "[data-testid=answer-text]",
        "The payout waited for a manual fraud check; the check now runs in minutes",
    )
    .await?;
    app.click("[data-testid=answer-confirm]").await?;
    app.wait_gone("[data-testid=escalation]").await?;
    app.click("[data-testid=escalations-answered]").await?;
    let answered = app
        .wait_text("[data-testid=escalation]", |t| t.contains("fraud check"))
        .await?;
    ensure!(
        answered.contains(QUESTION),
        "the answered list keeps the question: {answered}"
    );
    let none_open = h.chair(&["escalations", "list", "--open"])?;
    ensure!(
        none_open.contains("No escalations match"),
        "nothing is left open: {none_open}"
    );
    app.quit().await?;
    Ok(())
}

#[tokio::test]
async fn live_mode_and_the_seat_fill_a_wall_screen() -> Result<()> {
    let h = Harness::start_on(1920, 1080)?;
    let app = h.launch().await?;
    app.resize(1920, 1080).await?;
    start_demo_meeting(&app).await?;
    app.wait_for("[data-testid=relevant-complaint]").await?;
    app.screenshot(&shot("live-1920x1080")).await?;
    app.click("[data-testid=open-seat]").await?;
    let windows = app.wait_windows(2).await?;
    app.switch_to(&windows[1]).await?;
    app.resize(1920, 1080).await?;
    app.wait_for("[data-testid=seat-quote]").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    h.screenshot_screen(&shot("seat-1920x1080"))?;
    app.switch_to(&windows[0]).await?;
    app.quit().await?;
    Ok(())
}
