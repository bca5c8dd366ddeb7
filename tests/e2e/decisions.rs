//! Decisions: recorded with their customer impact in the real window, audited, corrected and
//! exported as a log that verifies on its own.

use anyhow::{Context, Result, ensure};
use chair_e2e::{App, Harness};

use crate::shot;

/// Records a decision that helps customers, with no evidence, through the decision form.
pub(crate) async fn record_quick_decision(app: &App, statement: &str) -> Result<()> {
    app.click("[data-testid=record-decision]").await?;
    app.fill("[data-testid=decision-statement]", statement)
        .await?;
    app.click("[data-testid=direction-helps]").await?;
    app.click("[data-testid=size-small]").await?;
    app.fill(
        "[data-testid=decision-impact]",
        "Customers whose salary lands a day late stop paying the fee",
    )
    .await?;
    app.click("[data-testid=no-evidence]").await?;
    app.click("[data-testid=stance-agrees]").await?;
    app.click("[data-testid=save-decision]").await?;
    app.wait_text("[data-testid=item-decisions]", |t| t.contains(statement))
        .await?;
    Ok(())
}

pub(crate) async fn open_demo_meeting(app: &App) -> Result<()> {
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    app.wait_for("[data-testid=relevant-complaint]").await?;
    Ok(())
}

#[tokio::test]
async fn a_decision_is_recorded_audited_superseded_and_exported_as_a_verifiable_log() -> Result<()>
{
    let h = Harness::start()?;
    let app = h.launch().await?;
    open_demo_meeting(&app).await?;

    app.click("[data-testid=record-decision]").await?;
    app.wait_for("[data-testid=evidence-option]").await?;
    app.fill(
        "[data-testid=decision-statement]",
        "Introduce a same-day grace period before the overdraft fee",
    )
    .await?;
    app.click("[data-testid=direction-helps]").await?;
    app.click("[data-testid=size-medium]").await?;
    app.fill(
        "[data-testid=decision-impact]",
        "Customers whose salary lands a day late stop paying the 25 pound fee",
    )
    .await?;
    app.click("[data-testid=evidence-option]").await?;
    app.click("[data-testid=stance-agrees]").await?;
    app.screenshot(&shot("decision-form")).await?;
    app.click("[data-testid=save-decision]").await?;
    let logged = app
        .wait_text("[data-testid=item-decisions]", |t| {
            t.contains("same-day grace period")
        })
        .await?;
    ensure!(
        logged.contains("helps"),
        "the item lists its decision with its impact: {logged}"
    );

    app.click("[data-testid=nav-audit]").await?;
    let badge = app
        .wait_text("[data-testid=chain-badge]", |t| t.contains("intact"))
        .await?;
    ensure!(
        badge.contains("1 entry"),
        "the chain badge says the log is intact: {badge}"
    );
    app.click("[data-testid=audit-row]").await?;
    let detail = app
        .wait_text("[data-testid=decision-detail]", |t| {
            t.contains("same-day grace period")
        })
        .await?;
    app.screenshot(&shot("audit-detail-opened")).await?;
    let lower = detail.to_lowercase();
    ensure!(
        lower.contains("evidence") && lower.contains("on screen when decided"),
        "{detail}"
    );
    let seen = app.texts("[data-testid=on-screen] li").await?;
    ensure!(
        !seen.is_empty()
            && seen
                .iter()
                .enumerate()
                .all(|(i, s)| s.starts_with(&format!("#{}", i + 1))),
        "what was on screen is listed by its rank there: {seen:?}"
    );
    ensure!(
        !seen.iter().any(|s| s
            .split_whitespace()
            .any(|w| w.contains('.') && w.trim_end_matches('.').parse::<f64>().is_ok())),
        "no raw scores: {seen:?}"
    );
    app.client()
        .execute(
            "document.querySelector('[data-testid=on-screen]').scrollIntoView()",
            vec![],
        )
        .await?;
    app.screenshot(&shot("audit-on-screen")).await?;
    app.client()
        .execute(
            "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })",
            vec![],
        )
        .await?;
    app.screenshot(&shot("audit")).await?;

    app.click("[data-testid=supersede]").await?;
    app.fill(
        "[data-testid=supersede-reason]",
        "Legal asked for a cut-off at midnight",
    )
    .await?;
    app.fill(
        "[data-testid=decision-statement]",
        "Grace period until midnight on the day the fee would apply",
    )
    .await?;
    app.click("[data-testid=direction-mixed]").await?;
    app.fill(
        "[data-testid=decision-impact]",
        "Late salaries arriving before midnight avoid the fee; later ones still pay",
    )
    .await?;
    app.click("[data-testid=save-decision]").await?;
    let badge = app
        .wait_text("[data-testid=chain-badge]", |t| t.contains("2 entries"))
        .await?;
    ensure!(badge.contains("intact"), "{badge}");
    let statuses: Vec<String> = app
        .wait_count("[data-testid=audit-status]", 2)
        .await?
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    ensure!(
        statuses == ["current", "superseded"],
        "newest first, the old decision marked superseded: {statuses:?}"
    );

    // The superseded entry in the panel, then a filter that hides it: the panel lets go.
    app.click("[data-testid=audit-row][data-seq=\"1\"]").await?;
    app.wait_text("[data-testid=decision-detail]", |t| {
        t.contains("same-day grace period")
    })
    .await?;
    app.client()
        .execute(
            "const s = document.querySelector('[data-testid=filter-status]'); s.value = 'current'; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    app.wait_count("[data-testid=audit-status]", 1).await?;
    app.wait_gone("[data-testid=decision-detail]").await?;
    app.client()
        .execute(
            "const s = document.querySelector('[data-testid=filter-status]'); s.value = 'all'; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    app.wait_count("[data-testid=audit-status]", 2).await?;

    // The export button; the save dialog answers with the test's save folder.
    app.click("[data-testid=export-json]").await?;
    let said = app
        .wait_any_text("[data-testid=toast]", |t| t.contains("Exported"))
        .await?;
    ensure!(said.contains("2 entries"), "two entries exported: {said}");
    let path = h.saved().join("decision-log.json");
    let verified = std::process::Command::new(chair_e2e::chair_binary()?)
        .args(["log", "verify", "--file"])
        .arg(&path)
        .output()
        .context("chair log verify")?;
    let said = String::from_utf8_lossy(&verified.stdout);
    ensure!(
        verified.status.success() && said.starts_with("intact: 2 entries"),
        "the export verifies on its own: {said}"
    );
    app.quit().await
}

#[tokio::test]
async fn a_placeholder_impact_is_refused_with_the_reason_and_nothing_is_logged() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    open_demo_meeting(&app).await?;
    app.click("[data-testid=record-decision]").await?;
    app.fill(
        "[data-testid=decision-statement]",
        "Raise the overdraft fee",
    )
    .await?;
    app.click("[data-testid=direction-hurts]").await?;
    app.click("[data-testid=size-small]").await?;
    app.fill("[data-testid=decision-impact]", "n/a").await?;
    app.click("[data-testid=no-evidence]").await?;
    app.click("[data-testid=stance-objects]").await?;
    app.click("[data-testid=save-decision]").await?;
    let msg = app
        .wait_text("[data-testid=field-problem][data-field=impact]", |t| {
            !t.is_empty()
        })
        .await?;
    ensure!(
        msg.contains("not a statement of customer impact"),
        "the refusal says why, beside the impact: {msg}"
    );
    let status: serde_json::Value = serde_json::from_str(&h.chair(&["status", "--json"])?)?;
    ensure!(status["decisions"] == 0, "nothing was logged: {status}");
    app.quit().await
}

#[tokio::test]
async fn a_decision_logged_from_the_command_line_appears_in_the_open_audit_screen() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    open_demo_meeting(&app).await?;
    app.click("[data-testid=nav-audit]").await?;
    app.wait_text("[data-testid=audit-total]", |t| t.contains("0 decisions"))
        .await?;

    // Nobody touches the window: the command line logs a decision meanwhile.
    h.chair_logs_a_decision()?;
    app.wait_text("[data-testid=audit-total]", |t| t.contains("1 decision"))
        .await?;
    let rows = app.wait_count("[data-testid=audit-row]", 1).await?;
    ensure!(
        rows[0].contains("Keep a phone line for customers over seventy"),
        "the new decision is listed: {rows:?}"
    );
    app.wait_text("[data-testid=chain-badge]", |t| t.contains("1 entry"))
        .await?;
    // The sidebar's count too (read from the page: under the pointer it gives way to the shortcut).
    let mut count = serde_json::Value::Null;
    for _ in 0..50 {
        count = app
            .client()
            .execute(
                "return document.querySelector('[data-testid=nav-audit] .count')?.textContent",
                vec![],
            )
            .await?;
        if count == "1" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(count == "1", "the sidebar counts the new decision: {count}");
    app.screenshot(&shot("audit-after-command-line")).await?;
    app.quit().await
}

#[tokio::test]
async fn a_revoked_decisions_history_ends_with_the_revocation_and_its_reason() -> Result<()> {
    let h = Harness::start()?;
    let app = h.launch().await?;
    open_demo_meeting(&app).await?;
    h.chair_logs_a_decision()?;
    h.chair(&[
        "decision",
        "revoke",
        "1",
        "--reason",
        "Paused for the quarter",
        "--by",
        "Leo F.",
    ])?;
    app.click("[data-testid=nav-audit]").await?;
    app.wait_text("[data-testid=chain-badge]", |t| t.contains("2 entries"))
        .await?;
    app.click("[data-testid=audit-row][data-seq=\"1\"]").await?;
    let steps = app
        .wait_count("[data-testid=decision-detail] ol.history li", 2)
        .await?;
    ensure!(
        steps[0].contains("Entry 1 recorded") && steps[0].contains("(revoked)"),
        "the decision, marked revoked: {steps:?}"
    );
    ensure!(
        steps[1] == "Entry 2 revoked the decision: Paused for the quarter",
        "then the revocation, with its reason and no status of its own: {steps:?}"
    );
    app.screenshot(&shot("audit-revoked-history")).await?;
    app.quit().await
}
