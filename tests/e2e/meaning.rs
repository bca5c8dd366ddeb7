//! Finding complaints by meaning: after an import the app reads what the complaints mean in
//! the background, and an agenda item then finds a complaint that shares none of its words.

use anyhow::{Result, ensure};
use chair_e2e::Harness;

use crate::complaints::import_file;
use crate::shot;

#[tokio::test]
async fn an_item_finds_a_complaint_that_shares_no_word_with_it_and_says_it_is_similar_in_meaning()
-> Result<()> {
    let h = Harness::start()?;
    let csv = h.home().join("complaints.csv");
    std::fs::write(
        &csv,
        "id,date,text\n\
         1,2026-11-01,The app crashes every time I open it on my phone\n\
         2,2026-11-02,I was charged twice for the same purchase at the supermarket\n\
         3,2026-11-03,My new card has still not arrived after three weeks\n\
         4,2026-11-04,The branch on Main Street closed early without notice\n\
         5,2026-11-05,Nobody answers the phone line in the evening\n",
    )?;
    let app = h.launch().await?;
    app.click("[data-testid=start-empty]").await?;
    app.wait_for("nav.sidebar").await?;
    import_file(&app, &csv.display().to_string()).await?;
    // The import screen follows the background reading to its end.
    app.wait_text("[data-testid=meaning-status]", |t| {
        t.contains("All 5 complaints can be found by meaning")
    })
    .await?;

    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=new-meeting]").await?;
    app.fill("[data-testid=meeting-title-input]", "Payments review")
        .await?;
    app.fill_nth("[data-testid=item-title-input]", 0, "Duplicate payments")
        .await?;
    app.click("[data-testid=save-meeting]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 1).await?;

    let card = app
        .wait_text("[data-testid=relevant-complaint]", |t| {
            t.contains("charged twice")
        })
        .await?;
    ensure!(
        card.contains("Matched similar in meaning"),
        "the complaint says it was found by meaning: {card}"
    );
    let listed = app.texts("[data-testid=relevant-complaint]").await?;
    ensure!(
        !listed
            .iter()
            .any(|t| t.contains("Main Street") || t.contains("crashes")),
        "complaints far in meaning that share no word are not listed: {listed:?}"
    );
    let marked = app.texts("[data-testid=relevant-complaint] mark").await?;
    ensure!(
        marked.is_empty(),
        "no word is highlighted when none matched: {marked:?}"
    );
    app.screenshot(&shot("similar-in-meaning")).await?;
    app.quit().await
}
