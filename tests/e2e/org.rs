//! The organisation log: this laptop connected to a real PostgreSQL 15 (a throwaway cluster the
//! test starts) in Settings, its decisions pushed when a meeting closes, and the organisation
//! view of the audit reading a colleague's laptop too, verified, filtered, exported, and still
//! readable when the server cannot be reached.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use chair_e2e::{Harness, chair_on};

use crate::pg;
use crate::shot;

/// The server's Unix socket, from a test URL (`…?host=DIR&…`).
fn socket_of(url: &str) -> Result<PathBuf> {
    let dir = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("host="))
        .context("the test URL names its socket folder")?;
    Ok(Path::new(dir).join(".s.PGSQL.5432"))
}

#[tokio::test]
async fn a_laptop_connects_pushes_when_a_meeting_closes_and_audits_the_organisation() -> Result<()>
{
    let Some(db) = pg::database().await else {
        return Ok(());
    };
    let h = Harness::start()?;

    // A colleague's laptop, on team blue, has pushed a decision already.
    let bo = h.home().join("bo.db");
    chair_on(&bo, &["demo"])?;
    let meeting = serde_json::from_str::<serde_json::Value>(&chair_on(
        &bo,
        &["meetings", "list", "--json"],
    )?)?[0]["title"]
        .as_str()
        .context("the demo meeting")?
        .to_string();
    let cited: serde_json::Value = serde_json::from_str(&chair_on(
        &bo,
        &[
            "relevant",
            "Chat-first customer support",
            "--limit",
            "1",
            "--json",
        ],
    )?)?;
    let cited_id = cited[0]["external_id"]
        .as_str()
        .context("the demo's complaints carry their source's ids")?
        .to_string();
    chair_on(
        &bo,
        &[
            "decision",
            "add",
            "--meeting",
            &meeting,
            "--item",
            "Chat-first customer support",
            "--statement",
            "Answer chats within two minutes",
            "--impact",
            "helps",
            "--size",
            "medium",
            "--impact-text",
            "Customers stop waiting on hold",
            "--evidence",
            &cited_id,
        ],
    )?;
    chair_on(
        &bo,
        &[
            "org",
            "enrol",
            &db.url(pg::LAPTOP_B),
            "--team",
            "blue",
            "--device",
            "Bo's laptop",
        ],
    )?;
    chair_on(&bo, &["org", "push"])?;

    // This laptop connects in Settings.
    let app = h.launch().await?;
    app.click("[data-testid=load-demo]").await?;
    app.wait_count("[data-testid=agenda-item-title]", 4).await?;
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("[data-testid=org-connect-form]").await?;
    app.fill("[data-testid=org-url]", "mysql://nowhere").await?;
    app.fill("[data-testid=org-team]", "red").await?;
    app.fill("[data-testid=org-device]", "Ana's laptop").await?;
    app.click("[data-testid=org-connect]").await?;
    app.wait_text("[data-testid=org-connect-error]", |t| {
        t.contains("PostgreSQL URL")
    })
    .await?;
    app.fill("[data-testid=org-url]", &db.url(pg::AUDITOR))
        .await?;
    app.click("[data-testid=org-connect]").await?;
    app.wait_text("[data-testid=org-laptop]", |t| {
        t.contains("Ana's laptop") && t.contains("red")
    })
    .await?;
    app.wait_text("[data-testid=org-server-state]", |t| {
        t.contains("Reachable")
    })
    .await?;

    // The push that follows connecting has had nothing to send.
    app.wait_text("[data-testid=org-last-push]", |t| t.contains("nothing new"))
        .await?;
    // A decision logged meanwhile waits, and goes when the meeting closes.
    h.chair_logs_a_decision()?;
    app.wait_text("[data-testid=org-pending]", |t| {
        t.starts_with("1 entry waiting")
    })
    .await?;
    app.screenshot(&shot("org-settings")).await?;
    app.click("[data-testid=nav-meetings]").await?;
    app.click("[data-testid=meeting-row]").await?;
    app.click("[data-testid=go-live]").await?;
    app.click("[data-testid=close-meeting]").await?;
    app.click("[data-testid=confirm-close]").await?;
    app.wait_for("[data-testid=minutes]").await?;
    app.click("[data-testid=nav-settings]").await?;
    app.wait_text("[data-testid=org-pending]", |t| {
        t.starts_with("Nothing waiting")
    })
    .await?;
    app.wait_text("[data-testid=org-last-push]", |t| {
        t.contains("1 entry sent")
    })
    .await?;
    h.chair(&["org", "seal"])?;

    // The organisation view: both laptops, verified.
    app.click("[data-testid=org-open-audit]").await?;
    let badge = app
        .wait_text("[data-testid=org-badge]", |t| t.contains("verified"))
        .await?;
    ensure!(
        badge == "Organisation log verified: 2 entries from 2 laptops",
        "{badge}"
    );
    app.wait_count("[data-testid=org-row]", 2).await?;
    app.wait_text("[data-testid=org-current]", |t| t == "2")
        .await?;
    app.click("[data-testid=org-team-tile]").await?;
    let rows = app.wait_count("[data-testid=org-row]", 1).await?;
    ensure!(
        rows[0].contains("Bo's laptop") && rows[0].contains("Answer chats within two minutes"),
        "the first team is blue, Bo's: {rows:?}"
    );
    app.click("[data-testid=org-row]").await?;
    app.wait_text("[data-testid=org-detail]", |t| {
        t.contains("Customers stop waiting on hold") && t.contains(&cited_id)
    })
    .await?;
    app.screenshot(&shot("org-audit")).await?;

    // The JSON export verifies on its own.
    app.click("[data-testid=org-export-json]").await?;
    let exported = h.saved().join("organisation-log.json");
    for _ in 0..100 {
        if exported.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let said = h.chair(&["org", "verify", "--file", &exported.display().to_string()])?;
    ensure!(
        said.contains("verified: 2 entries from 2 laptops"),
        "{said}"
    );

    // The server goes away: the view still reads the copy, and Settings says so.
    let socket = socket_of(&db.url(pg::AUDITOR))?;
    let away = socket.with_extension("away");
    std::fs::rename(&socket, &away)?;
    let offline = async {
        app.click("[data-testid=org-pull]").await?;
        app.wait_text("[data-testid=org-audit-offline]", |t| {
            t.contains("cannot reach")
        })
        .await?;
        app.wait_text("[data-testid=org-badge]", |t| t.contains("verified"))
            .await?;
        app.click("[data-testid=nav-settings]").await?;
        app.click("[data-testid=org-check]").await?;
        app.wait_text("[data-testid=org-offline]", |t| t.contains("cannot reach"))
            .await?;
        app.screenshot(&shot("org-settings-offline")).await?;
        anyhow::Ok(())
    }
    .await;
    std::fs::rename(&away, &socket)?;
    offline?;
    app.quit().await
}
