use chair_core::audit::Sort;
use chair_core::chain::EntryKind;
use chair_org::{OrgFilter, OrgStatus, OrgStatusFilter, OrgView};

use crate::cluster::{self, AUDITOR, LAPTOP_A, LAPTOP_B};
use crate::laptop::Laptop;

/// The leader's view of its copy, verified against the checkpoints it saw.
fn view_of(leader: &Laptop) -> OrgView {
    let seen = chair_org::OrgFiles::beside(&leader.db)
        .read_settings()
        .expect("the settings read")
        .map(|s| s.checkpoints_seen)
        .unwrap_or_default();
    OrgView::read(&leader.db, &seen).expect("the copy reads")
}

#[tokio::test]
async fn a_leader_audits_every_team_from_the_verified_copy_offline_and_is_told_when_it_was_changed()
{
    let Some(db) = cluster::database().await else {
        return;
    };
    let (_a, _org_a, _b, mut org_b) = crate::laptop::red_and_blue_pushed(&db).await;
    org_b.seal().await.unwrap();
    let leader = Laptop::new().await;
    let before = view_of(&leader);
    assert!(
        before.decisions.is_empty() && before.report.intact,
        "nothing pulled yet"
    );
    let mut org = leader
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    let pulled = org.pull().await.expect("the pull");
    org.close().await;
    // Read from the copy alone: no connection is open.
    let view = view_of(&leader);
    assert!(view.report.intact, "{:?}", view.report);
    // Right after a pull, the pull's own check stands for the copy's.
    let after_pull = OrgView::read_pulled(&leader.db, pulled.report).expect("the copy reads");
    assert_eq!(after_pull.report, view.report);
    assert_eq!(after_pull.decisions, view.decisions);
    assert_eq!((view.report.entries, view.report.devices), (6, 2));
    assert_eq!(view.teams(), vec!["audit", "blue", "red"]);
    let first = &view.decisions[0];
    assert_eq!(
        (first.meeting_title.as_str(), first.item_title.as_str()),
        ("Product council", "Overdraft fees"),
        "named by the snapshots pulled"
    );

    let all = OrgFilter::default();
    assert_eq!(view.page(&all, 0, 100).total, 6);
    let red = OrgFilter {
        team: Some("red".into()),
        ..Default::default()
    };
    assert_eq!(view.page(&red, 0, 100).total, 4);
    let blue_laptop = view.laptops.iter().find(|l| l.team == "blue").unwrap().id;
    let bo = OrgFilter {
        device: Some(blue_laptop),
        sort: Sort::Oldest,
        ..Default::default()
    };
    let bos = view.page(&bo, 0, 100);
    assert_eq!(
        bos.rows
            .iter()
            .map(|r| r.statement.as_str())
            .collect::<Vec<_>>(),
        vec!["Blue decision 1", "Blue decision 2"]
    );
    let superseded = OrgFilter {
        status: OrgStatusFilter::Superseded,
        ..Default::default()
    };
    let page = view.page(&superseded, 0, 100);
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].statement, "Red decision 1");
    assert_eq!(page.rows[0].closed_by[0].seq, 4);
    let corrected = OrgFilter {
        text: "CORRECTED red".into(),
        ..Default::default()
    };
    let page = view.page(&corrected, 0, 100);
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].kind, EntryKind::Supersede);
    assert_eq!(page.rows[0].closes.as_ref().map(|c| c.seq), Some(1));
    assert_eq!(view.page(&all, 4, 100).rows.len(), 2, "pages");

    let today = chrono::Utc::now().date_naive();
    let dash = view.dashboard(&all, today, 4);
    assert_eq!(dash.decisions, 5, "the superseded decision does not count");
    assert_eq!(dash.weeks.len(), 4);
    assert_eq!(
        dash.weeks.iter().map(|w| w.helps).sum::<i64>(),
        5,
        "counted in the weeks they were recorded"
    );
    assert_eq!(
        dash.teams
            .iter()
            .map(|t| (t.team.as_str(), t.decisions, t.laptops))
            .collect::<Vec<_>>(),
        vec![("blue", 2, 1), ("red", 3, 1)]
    );
    assert_eq!(view.dashboard(&red, today, 4).decisions, 3);
    let csv = chair_org::render_csv(&view.log_rows(&red));
    assert_eq!(csv.lines().count(), 5, "a header and red's four entries");

    // The copy changed on this laptop's disk: the view says which entry.
    let copy = chair_org::OrgFiles::beside(&leader.db).pulled;
    let text = std::fs::read_to_string(&copy).unwrap();
    std::fs::write(&copy, text.replace("Red decision 2", "Red decision 7")).unwrap();
    let changed = view_of(&leader);
    assert!(!changed.report.intact);
    let failure = changed.report.failure.unwrap();
    assert_eq!(
        (failure.device.as_deref(), failure.seq),
        (Some("Ana's laptop"), Some(2)),
        "{}",
        failure.problem
    );
}

#[tokio::test]
async fn two_laptops_superseding_the_same_decision_both_stand_until_a_later_entry_settles_it() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let a = Laptop::new().await;
    a.record("Shared", 1).await;
    let b = a.copy_of().await;
    a.supersede(1, "Refund within two days").await;
    b.supersede(1, "Refund within a week").await;
    let mut org_a = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let mut org_b = b.enrol(&db.url(LAPTOP_B), "red", "Bo's laptop").await;
    org_a.push(&a.store).await.unwrap();
    org_b.push(&b.store).await.unwrap();
    let leader = Laptop::new().await;
    let mut org = leader
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    org.pull().await.unwrap();

    let view = view_of(&leader);
    assert!(view.report.intact, "{:?}", view.report);
    let shared: Vec<_> = view.decisions.iter().filter(|d| d.seq == 1).collect();
    assert_eq!(shared.len(), 2, "each laptop holds the decision they share");
    for d in &shared {
        assert_eq!(d.status, OrgStatus::Contested, "{d:?}");
        let mut by: Vec<_> = d.closed_by.iter().map(|p| p.device.as_str()).collect();
        by.sort();
        assert_eq!(by, vec!["Ana's laptop", "Bo's laptop"]);
    }
    for successor in view.decisions.iter().filter(|d| d.seq == 2) {
        assert_eq!(
            successor.status,
            OrgStatus::Current,
            "both successors stand"
        );
        assert_eq!(
            successor.closes.as_ref().map(|c| (c.device_id, c.seq)),
            Some((successor.device_id, 1)),
            "each names its own laptop's copy"
        );
    }
    let contested = OrgFilter {
        status: OrgStatusFilter::Contested,
        ..Default::default()
    };
    assert_eq!(view.page(&contested, 0, 10).total, 2);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(view.dashboard(&OrgFilter::default(), today, 1).contested, 1);

    // Ana's laptop withdraws its version: Bo's stands alone, and the contest is settled.
    a.revoke(2).await;
    org_a.push(&a.store).await.unwrap();
    org.pull().await.unwrap();
    let settled = view_of(&leader);
    assert!(settled.report.intact);
    for d in settled.decisions.iter().filter(|d| d.seq == 1) {
        assert_eq!(d.status, OrgStatus::Superseded, "{d:?}");
    }
    assert_eq!(settled.page(&contested, 0, 10).total, 0);
}

#[tokio::test]
async fn a_contest_stays_open_along_a_line_of_supersessions_and_a_revocation_against_a_replacement_is_one()
 {
    let Some(db) = cluster::database().await else {
        return;
    };
    // Ana's and Bo's laptops both replace the shared decision; Ana's replaces hers again.
    let a = Laptop::new().await;
    a.record("Shared", 1).await;
    let b = a.copy_of().await;
    a.supersede(1, "Refund within two days").await;
    b.supersede(1, "Refund within a week").await;
    a.supersede(2, "Refund within three days").await;
    // Cy's laptop revokes another shared decision that Lea's copy replaces.
    let c = Laptop::new().await;
    c.record("Other", 1).await;
    let d = c.copy_of().await;
    c.revoke(1).await;
    d.supersede(1, "Keep it, reworded").await;
    for (laptop, role, name) in [
        (&a, LAPTOP_A, "Ana's laptop"),
        (&b, LAPTOP_B, "Bo's laptop"),
        (&c, cluster::LAPTOP_C, "Cy's laptop"),
        (&d, cluster::LEADER, "Di's laptop"),
    ] {
        let mut org = laptop.enrol(&db.url(role), "red", name).await;
        org.push(&laptop.store).await.unwrap();
        org.close().await;
    }
    let leader = Laptop::new().await;
    let mut org = leader
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    org.pull().await.unwrap();
    let view = view_of(&leader);
    assert!(view.report.intact, "{:?}", view.report);
    let status_of = |statement: &str| {
        view.decisions
            .iter()
            .filter(|d| d.statement == statement)
            .map(|d| d.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        status_of("Shared 1"),
        vec![OrgStatus::Contested, OrgStatus::Contested],
        "Ana's newest and Bo's replacement both stand"
    );
    assert_eq!(
        status_of("Refund within two days"),
        vec![OrgStatus::Superseded]
    );
    assert_eq!(
        status_of("Other 1"),
        vec![OrgStatus::Contested, OrgStatus::Contested],
        "one laptop withdrew it while another's replacement stands"
    );
    let today = chrono::Utc::now().date_naive();
    let dash = view.dashboard(&OrgFilter::default(), today, 1);
    assert_eq!(dash.contested, 2);
    assert_eq!(
        dash.decisions, 3,
        "the three replacements that stand; contested decisions do not count"
    );
}

#[tokio::test]
async fn a_copy_built_over_several_pulls_with_seals_between_a_pull_written_twice_and_one_cut_short_still_verifies()
 {
    let Some(db) = cluster::database().await else {
        return;
    };
    let (a, mut org_a, _b, mut org_b) = crate::laptop::red_and_blue_pushed(&db).await;
    let leader = Laptop::new().await;
    let mut org = leader
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    org.pull().await.unwrap();
    org_b.seal().await.unwrap();
    org.pull().await.unwrap();
    // The same pull written twice (two windows pulling at once): every line again.
    let copy = chair_org::OrgFiles::beside(&leader.db).pulled;
    let text = std::fs::read_to_string(&copy).unwrap();
    std::fs::write(&copy, format!("{text}{text}")).unwrap();
    assert!(
        view_of(&leader).report.intact,
        "{:?}",
        view_of(&leader).report
    );
    // A pull cut short mid-line, then more entries, a seal and a pull.
    let mut cut = std::fs::read_to_string(&copy).unwrap();
    cut.push_str("{\"entry\":{\"device_id\":\"01");
    std::fs::write(&copy, cut).unwrap();
    a.record("Later", 2).await;
    org_a.push(&a.store).await.unwrap();
    org_a.seal().await.unwrap();
    org.pull().await.unwrap();
    let view = view_of(&leader);
    assert!(view.report.intact, "{:?}", view.report);
    assert_eq!(view.report.entries, 8);
    assert_eq!(view.report.tree_size, 8);
    assert_eq!(view.report.checkpoint, Some(8));
    // A checkpoint this laptop sealed after its last pull is not held against the copy.
    a.record("Even later", 1).await;
    org_a.push(&a.store).await.unwrap();
    org.seal().await.unwrap();
    assert!(
        view_of(&leader).report.intact,
        "{:?}",
        view_of(&leader).report
    );
}
