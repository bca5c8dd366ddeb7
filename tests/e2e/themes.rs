//! Customer themes: found in the complaints' text, the unheard ones listed on the audit
//! dashboard, one turned into an agenda item, and a decision on it marking it heard.

use anyhow::{Context, Result, ensure};
use chair_e2e::Harness;

use crate::shot;

/// Twelve complaints on each of three kinds of trouble, each in its own words.
fn complaints() -> String {
    let kinds: [(&[&str], &[&str]); 3] = [
        (
            &[
                "My new debit card",
                "The replacement card I ordered",
                "My credit card",
                "The card for my joint account",
            ],
            &[
                "has still not arrived after three weeks",
                "never came in the post",
                "was sent to my old address",
            ],
        ),
        (
            &[
                "The mobile app",
                "Your banking app",
                "The app on my phone",
                "The new version of the app",
            ],
            &[
                "crashes every time I try to log in",
                "freezes on the login screen",
                "logs me out after a few seconds",
            ],
        ),
        (
            &[
                "The exchange rate for euros",
                "The rate you gave me for dollars",
                "The currency conversion fee",
                "The rate on my transfer abroad",
            ],
            &[
                "was far worse than advertised",
                "was much higher than the bank down the road",
                "was never shown before I paid",
            ],
        ),
    ];
    let mut csv = String::from("id,date,text\n");
    let mut n = 0;
    for (subjects, troubles) in kinds {
        for s in subjects {
            for t in troubles {
                n += 1;
                csv.push_str(&format!("{n},2026-11-{:02},{s} {t}\n", 1 + n % 28));
            }
        }
    }
    csv
}

#[tokio::test]
async fn an_unheard_theme_becomes_an_agenda_item_and_a_decision_on_it_marks_it_heard() -> Result<()>
{
    let h = Harness::start()?;
    let csv = h.home().join("complaints.csv");
    std::fs::write(&csv, complaints())?;
    h.chair(&["import", &csv.display().to_string()])?;
    h.chair(&["embed"])?;
    h.chair(&["themes", "discover"])?;
    let found: serde_json::Value = serde_json::from_str(&h.chair(&["themes", "--json"])?)?;
    let found = found.as_array().context("themes as a list")?;
    ensure!(found.len() == 3, "one theme per kind of trouble: {found:?}");

    let app = h.launch().await?;
    app.wait_for("nav.sidebar").await?;
    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=new-meeting]").await?;
    app.fill("[data-testid=meeting-title-input]", "Customer review")
        .await?;
    app.fill_nth("[data-testid=item-title-input]", 0, "Opening")
        .await?;
    app.click("[data-testid=save-meeting]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 1).await?;

    // The dashboard lists every theme as unheard.
    app.click("[data-testid=nav-audit]").await?;
    let unheard = app.wait_count("[data-testid=unheard-theme]", 3).await?;
    app.screenshot(&shot("dashboard-unheard-themes")).await?;
    let first = unheard[0].clone();
    let name = found
        .iter()
        .filter_map(|t| t["name"].as_str())
        .find(|n| first.contains(n))
        .with_context(|| format!("the first unheard theme is one found: {first}"))?
        .to_string();

    // It becomes the meeting's second agenda item.
    app.click("[data-testid=unheard-add]").await?;
    app.wait_text("[data-testid=choose-select] option", |t| {
        t.contains("Customer review")
    })
    .await?;
    app.click("[data-testid=choose-confirm]").await?;
    let titles = app.wait_count("[data-testid=agenda-item-title]", 2).await?;
    ensure!(
        titles[1].contains(&name),
        "the theme's name is the new item's title: {titles:?}"
    );

    // A decision with evidence on it: the theme is heard.
    app.click("[data-testid=record-decision]").await?;
    app.wait_for("[data-testid=evidence-option]").await?;
    app.fill(
        "[data-testid=decision-statement]",
        "Fix what customers said here",
    )
    .await?;
    app.click("[data-testid=direction-helps]").await?;
    app.click("[data-testid=size-medium]").await?;
    app.fill(
        "[data-testid=decision-impact]",
        "Fewer customers write in about this",
    )
    .await?;
    app.click("[data-testid=evidence-option]").await?;
    app.click("[data-testid=stance-agrees]").await?;
    app.click("[data-testid=save-decision]").await?;
    app.wait_text("[data-testid=item-decisions]", |t| {
        t.contains("Fix what customers said")
    })
    .await?;

    app.click("[data-testid=nav-themes]").await?;
    app.wait_count("[data-testid=theme]", 3).await?;
    let cards = app.texts("[data-testid=theme]").await?;
    let card = cards
        .iter()
        .find(|c| c.contains(&name))
        .with_context(|| format!("{name} is listed: {cards:?}"))?;
    ensure!(card.contains("heard today"), "the theme is heard: {card}");
    app.screenshot(&shot("themes")).await?;

    app.click("[data-testid=nav-audit]").await?;
    app.wait_text("[data-testid=dashboard-unheard]", |t| {
        !t.contains("Loading")
    })
    .await?;
    let left = app.texts("[data-testid=unheard-theme]").await?;
    ensure!(
        !left.iter().any(|t| t.contains(&name)),
        "a heard theme leaves the unheard list: {left:?}"
    );
    app.quit().await
}
