use chair_core::audit::{AuditFilter, ExportFormat, Status, StatusFilter};
use chair_core::chain::verify_export;
use chair_core::decision::{Direction, FollowUp, Stance};
use chair_core::{ErrorCode, Valid};
use chair_store::Store;
use chrono::{NaiveDate, Utc};

use crate::support::{behind_the_back, draft, fresh_store, meeting, raw};

#[tokio::test]
async fn recorded_decisions_form_an_intact_chain() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let a = store
        .record_decision(
            &Valid::parse(draft(m, i, "Add a grace period")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let b = store
        .record_decision(
            &Valid::parse(draft(m, i, "Warn before the fee")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!((a.seq, b.seq), (1, 2));
    let report = store.verify_log().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries, 2);
    assert_eq!(report.head, b.hash);
    assert_eq!(
        store.log_entry(2).await.unwrap().entry.prev_hash,
        a.hash,
        "each entry links to the one before"
    );
}

#[tokio::test]
async fn the_database_aborts_updates_and_deletes_of_log_entries() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    store
        .record_decision(
            &Valid::parse(draft(m, i, "Add a grace period")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let mut c = raw(&store).await;
    let update = sqlx::query("UPDATE decision_log SET impact_text = 'rewritten' WHERE seq = 1")
        .execute(&mut c)
        .await;
    assert!(
        update.unwrap_err().to_string().contains("append-only"),
        "UPDATE is aborted"
    );
    let delete = sqlx::query("DELETE FROM decision_log WHERE seq = 1")
        .execute(&mut c)
        .await;
    assert!(
        delete.unwrap_err().to_string().contains("append-only"),
        "DELETE is aborted"
    );
    let evidence = sqlx::query("DELETE FROM decision_personas")
        .execute(&mut c)
        .await;
    assert!(evidence.is_ok(), "an empty delete has nothing to refuse");
    assert!(store.verify_log().await.unwrap().intact);
}

#[tokio::test]
async fn the_database_refuses_a_decision_row_without_impact() {
    let (store, _dir) = fresh_store().await;
    let (m, _) = meeting(&store).await;
    let mut c = raw(&store).await;
    let bad = sqlx::query(
        "INSERT INTO decision_log (seq, id, kind, meeting_id, recorded_at, statement, impact_direction, impact_size,
                                   impact_text, advocate_stance, prev_hash, hash)
         VALUES (1, 'x', 'decision', ?, '2026-01-01', 'Something', 'helps', 'small', '  ', 'agrees', ?, ?)",
    )
    .bind(m.to_string())
    .bind("0".repeat(64))
    .bind("1".repeat(64))
    .execute(&mut c)
    .await;
    assert!(
        bad.unwrap_err().to_string().contains("CHECK"),
        "an empty impact is refused by the database too"
    );
}

#[tokio::test]
async fn verify_names_an_entry_altered_behind_the_triggers() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    for s in ["One", "Two", "Three", "Four"] {
        store
            .record_decision(
                &Valid::parse(draft(m, i, &format!("Decision {s}"))).unwrap(),
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let third = store.log_entry(3).await.unwrap().entry.id;
    let mut c = raw(&store).await;
    sqlx::query("DROP TRIGGER decision_log_no_update")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE decision_log SET impact_direction = 'hurts' WHERE seq = 3")
        .execute(&mut c)
        .await
        .unwrap();
    let report = store.verify_log().await.unwrap();
    assert!(!report.intact);
    let broken = report.broken.clone().unwrap();
    assert_eq!(broken.seq, 3, "{report:?}");
    assert_eq!(broken.entry_id, Some(third));
    assert_eq!(report.entries, 2, "the two entries before it check out");
    assert!(report.summary().contains("entry 3"), "{}", report.summary());
}

#[tokio::test]
async fn two_writers_at_once_never_fork_the_chain() {
    let (store, dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    // A second, independent store on the same file: like the app and the command line.
    let other = Store::open(&dir.path().join("test.db")).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..2 {
        let s = if w == 0 { store.clone() } else { other.clone() };
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for n in 0..25 {
                let d = Valid::parse(draft(m, i, &format!("Writer {w} decision {n}"))).unwrap();
                seqs.push(s.record_decision(&d, Utc::now()).await.unwrap().seq);
            }
            seqs
        }));
    }
    let mut all: Vec<i64> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=50).collect::<Vec<_>>(),
        "every sequence number once, no gaps"
    );
    let report = store.verify_log().await.unwrap();
    assert!(report.intact && report.entries == 50, "{report:?}");
}

#[tokio::test]
async fn corrections_are_new_entries_and_the_audit_shows_current_state_and_history() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let first = store
        .record_decision(
            &Valid::parse(draft(m, i, "Add a grace period")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let mut better = draft(m, i, "Add a grace period until midnight");
    better.direction = Direction::Mixed;
    better.impact = "Customers get until midnight, but the fee stays for the rest".into();
    let second = store
        .supersede_decision(
            first.seq,
            "Legal asked for a cut-off",
            &Valid::parse(better).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let again = store
        .supersede_decision(
            first.seq,
            "Twice",
            &Valid::parse(draft(m, i, "Again")).unwrap(),
            Utc::now(),
        )
        .await;
    assert_eq!(
        again.unwrap_err().code(),
        ErrorCode::Conflict,
        "a superseded decision cannot be superseded again"
    );
    let revoked = store
        .revoke_decision(
            second.seq,
            "The whole change is paused",
            "Leo F.",
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(revoked.seq, 3);
    let no_reason = store.revoke_decision(2, " ", "Leo F.", Utc::now()).await;
    assert_eq!(no_reason.unwrap_err().code(), ErrorCode::Invalid);

    let all = store.audit(&AuditFilter::default(), 0, 50).await.unwrap();
    assert_eq!(
        all.total, 2,
        "revocations are shown as the status of what they revoke"
    );
    assert_eq!(all.rows[0].status, Status::Revoked);
    assert_eq!(all.rows[1].status, Status::Superseded);
    assert_eq!(all.rows[1].closed_by, Some(2));
    let current = store
        .audit(
            &AuditFilter {
                status: StatusFilter::Current,
                ..Default::default()
            },
            0,
            50,
        )
        .await
        .unwrap();
    assert_eq!(current.total, 0);

    let detail = store.decision_detail(1).await.unwrap();
    let line: Vec<i64> = detail.history.iter().map(|r| r.seq).collect();
    assert_eq!(
        line,
        [1, 2, 3],
        "the history runs from the original to what replaced it and its revocation"
    );
    assert!(store.verify_log().await.unwrap().intact);
}

#[tokio::test]
async fn audit_filters_find_what_they_say() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let m = store.meeting(demo.meeting_id).await.unwrap();
    let item = m.items[0].id;
    let maya = m.persona_ids[0];
    let evidence = store
        .relevant_for_item(
            item,
            &chair_core::relevance::RelevantRequest {
                limit: 2,
                as_of: None,
                include_dismissed: false,
            },
        )
        .await
        .unwrap();
    let mut a = draft(m.id, item, "Grace period for late salaries");
    a.personas = vec![maya];
    a.evidence = evidence.iter().map(|r| r.complaint.id).collect();
    a.no_evidence = false;
    let mut b = draft(m.id, item, "Raise the overdraft fee");
    b.direction = Direction::Hurts;
    b.stance = Stance::Objects;
    b.advocate_note = "The customer would say this is a tax on bad luck".into();
    b.impact = "Customers in trouble pay more when they can least afford it".into();
    store
        .record_decisions(
            &[Valid::parse(a).unwrap(), Valid::parse(b).unwrap()],
            Utc::now(),
        )
        .await
        .unwrap();

    let count = |f: AuditFilter| {
        let store = store.clone();
        async move { store.audit(&f, 0, 10).await.unwrap().total }
    };
    assert_eq!(
        count(AuditFilter {
            direction: Some(Direction::Hurts),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(AuditFilter {
            objected: true,
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(AuditFilter {
            no_evidence: true,
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(AuditFilter {
            persona_id: Some(maya),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(AuditFilter {
            text: "tax".into(),
            ..Default::default()
        })
        .await,
        0,
        "the advocate's words are not searched"
    );
    assert_eq!(
        count(AuditFilter {
            text: "afford".into(),
            ..Default::default()
        })
        .await,
        1,
        "impact text is searched"
    );
    assert_eq!(
        count(AuditFilter {
            meeting_id: Some(m.id),
            ..Default::default()
        })
        .await,
        2
    );
    let tomorrow = Utc::now().date_naive() + chrono::Duration::days(1);
    assert_eq!(
        count(AuditFilter {
            from: Some(tomorrow),
            ..Default::default()
        })
        .await,
        0
    );
    let page = store
        .audit(
            &AuditFilter {
                persona_id: Some(maya),
                ..Default::default()
            },
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.rows[0].personas, vec!["Maya Okafor"]);
    assert_eq!(page.rows[0].evidence_count, 2);
    let detail = store.decision_detail(page.rows[0].seq).await.unwrap();
    assert_eq!(
        detail.evidence.len(),
        2,
        "the evidence complaints come with the decision"
    );
}

#[tokio::test]
async fn a_json_export_verifies_on_its_own_and_a_filtered_one_says_so() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let mut hurts = draft(m, i, "Raise the fee");
    hurts.direction = Direction::Hurts;
    store
        .record_decisions(
            &[
                Valid::parse(draft(m, i, "One")).unwrap(),
                Valid::parse(hurts).unwrap(),
                Valid::parse(draft(m, i, "Three")).unwrap(),
            ],
            Utc::now(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(
        store
            .export_log(&AuditFilter::default(), ExportFormat::Json, &mut out)
            .await
            .unwrap(),
        3
    );
    let report = verify_export(std::str::from_utf8(&out).unwrap()).unwrap();
    assert!(
        report.intact && !report.partial && report.entries == 3,
        "{report:?}"
    );
    assert_eq!(report.head, store.verify_log().await.unwrap().head);

    let mut tampered =
        String::from_utf8(out.clone())
            .unwrap()
            .replacen("\"hurts\"", "\"helps\"", 1);
    let broken = verify_export(&tampered).unwrap();
    assert_eq!(
        broken.broken.map(|b| b.seq),
        Some(2),
        "the changed entry is named"
    );
    tampered.clear();

    let mut filtered = Vec::new();
    store
        .export_log(
            &AuditFilter {
                direction: Some(Direction::Helps),
                ..Default::default()
            },
            ExportFormat::Json,
            &mut filtered,
        )
        .await
        .unwrap();
    let r = verify_export(std::str::from_utf8(&filtered).unwrap()).unwrap();
    assert!(r.intact && r.partial && r.entries == 2, "{r:?}");

    let mut csv = Vec::new();
    store
        .export_log(&AuditFilter::default(), ExportFormat::Csv, &mut csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and three entries: {csv}");
    let mut md = Vec::new();
    store
        .export_log(&AuditFilter::default(), ExportFormat::Markdown, &mut md)
        .await
        .unwrap();
    assert!(
        String::from_utf8(md)
            .unwrap()
            .contains("Customer impact: **hurts**")
    );
}

#[tokio::test]
async fn the_dashboard_counts_current_decisions_and_overdue_follow_ups() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let mut unknown = draft(m, i, "Pilot the grace period");
    unknown.direction = Direction::Unknown;
    unknown.stance = Stance::Objects;
    unknown.follow_ups = vec![
        FollowUp {
            what: "Ask ten customers".into(),
            owner: "Aisha B.".into(),
            due: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        },
        FollowUp {
            what: "Measure refunds".into(),
            owner: "Daniel M.".into(),
            due: NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
        },
    ];
    store
        .record_decisions(
            &[
                Valid::parse(unknown).unwrap(),
                Valid::parse(draft(m, i, "Warn first")).unwrap(),
            ],
            Utc::now(),
        )
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let d = store.dashboard(today, 8).await.unwrap();
    assert_eq!(d.decisions, 2);
    assert_eq!(d.weeks.len(), 8);
    let last = d.weeks.last().unwrap();
    assert_eq!((last.unknown, last.helps), (1, 1), "{:?}", d.weeks);
    assert!((d.objection_rate - 0.5).abs() < 1e-9);
    assert_eq!((d.follow_ups_open, d.follow_ups_past_due), (2, 1));
    store
        .complete_follow_up(1, 0, "Aisha B.", "Asked twelve", Utc::now())
        .await
        .unwrap();
    let d = store.dashboard(today, 8).await.unwrap();
    assert_eq!((d.follow_ups_open, d.follow_ups_past_due), (1, 0));
    let twice = store
        .complete_follow_up(1, 0, "Aisha B.", "", Utc::now())
        .await;
    assert_eq!(twice.unwrap_err().code(), ErrorCode::Conflict);
}

#[tokio::test]
async fn a_row_that_no_longer_reads_as_an_entry_is_named_by_verify() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    for s in ["One", "Two", "Three"] {
        store
            .record_decision(
                &Valid::parse(draft(m, i, &format!("Decision {s}"))).unwrap(),
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let mut c = raw(&store).await;
    sqlx::query("DROP TRIGGER decision_log_no_update")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query(r#"UPDATE decision_log SET details = '{"personas": 5}' WHERE seq = 2"#)
        .execute(&mut c)
        .await
        .unwrap();
    let report = store.verify_log().await.unwrap();
    assert_eq!(report.broken.as_ref().map(|b| b.seq), Some(2), "{report:?}");
    assert!(
        report.summary().contains("cannot be read back"),
        "{}",
        report.summary()
    );
}

/// Fills the log with `n` decisions in a few transactions.
async fn fill(store: &Store, n: usize) {
    let (m, i) = meeting(store).await;
    let mut left = n;
    while left > 0 {
        let batch: Vec<_> = (0..left.min(1000))
            .map(|k| Valid::parse(draft(m, i, &format!("Decision {left}-{k}"))).unwrap())
            .collect();
        store.record_decisions(&batch, Utc::now()).await.unwrap();
        left -= batch.len();
    }
}

#[tokio::test]
async fn a_long_log_verifies_and_a_removed_entry_is_named_wherever_it_was() {
    let (store, _dir) = fresh_store().await;
    // Several chunks, read by two readers in turn.
    fill(&store, 6_500).await;
    let report = store.verify_log().await.unwrap();
    assert!(
        report.intact && report.entries == 6_500,
        "a long log verifies: {report:?}"
    );
    behind_the_back(
        &store,
        &[
            "DROP TRIGGER decision_log_no_delete",
            "PRAGMA foreign_keys = OFF",
            "DELETE FROM decision_log WHERE seq = 4001",
        ],
    )
    .await;
    let report = store.verify_log().await.unwrap();
    assert_eq!(
        report.broken.as_ref().map(|b| b.seq),
        Some(4002),
        "the entry after the removed one no longer links: {report:?}"
    );
    assert_eq!(report.entries, 4000, "everything before it checks out");
}

#[tokio::test]
async fn an_entry_renumbered_far_away_is_named_and_the_walk_ends() {
    let (store, _dir) = fresh_store().await;
    fill(&store, 2_500).await;
    behind_the_back(
        &store,
        &[
            "DROP TRIGGER decision_log_no_update",
            "PRAGMA foreign_keys = OFF",
            "UPDATE decision_log SET seq = 1000000000000 WHERE seq = 2500",
        ],
    )
    .await;
    let report = store.verify_log().await.unwrap();
    assert!(!report.intact, "a renumbered entry breaks the chain");
    assert_eq!(
        report.broken.as_ref().map(|b| b.seq),
        Some(1_000_000_000_000),
        "{report:?}"
    );
    assert_eq!(report.entries, 2_499);
}

#[tokio::test]
async fn exports_name_evidence_by_its_own_reference_not_an_internal_id() {
    let (store, dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let csv = dir.path().join("complaints.csv");
    std::fs::write(
        &csv,
        "id,date,title,body\nZD-1042,2026-11-30,Fee after a late salary,My salary came a day late and the overdraft fee hit me anyway\n",
    )
    .unwrap();
    crate::support::import(&store, &csv).await;
    let complaint = store
        .list_complaints(&Default::default())
        .await
        .unwrap()
        .items
        .remove(0);
    let mut d = draft(m, i, "Waive the first late fee");
    d.evidence = vec![complaint.id];
    d.no_evidence = false;
    store
        .record_decision(&Valid::parse(d).unwrap(), Utc::now())
        .await
        .unwrap();
    for format in [ExportFormat::Markdown, ExportFormat::Csv] {
        let mut out = Vec::new();
        store
            .export_log(&AuditFilter::default(), format, &mut out)
            .await
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("ZD-1042 “Fee after a late salary”"),
            "{format:?} names the complaint by its reference and title:\n{text}"
        );
        assert!(
            !text.contains(&complaint.id.to_string()) && !text.contains("complaint(s)"),
            "{format:?} shows neither internal ids nor a bare count:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_decisions_history_is_its_own_line_of_corrections_among_many_entries() {
    let (store, _dir) = fresh_store().await;
    fill(&store, 30).await;
    let (m, i) = meeting(&store).await;
    let first = store
        .record_decision(
            &Valid::parse(draft(m, i, "Add a grace period")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    fill(&store, 5).await;
    let second = store
        .supersede_decision(
            first.seq,
            "Legal asked for a cut-off",
            &Valid::parse(draft(m, i, "Add a grace period until midnight")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    fill(&store, 5).await;
    let line = |d: chair_core::audit::DecisionDetail| -> Vec<i64> {
        d.history.iter().map(|r| r.seq).collect()
    };
    let from_the_middle = store.decision_detail(second.seq).await.unwrap();
    assert_eq!(from_the_middle.row.seq, second.seq);
    assert_eq!(line(from_the_middle), [first.seq, second.seq]);
    assert_eq!(
        line(store.decision_detail(first.seq).await.unwrap()),
        [first.seq, second.seq]
    );
    assert_eq!(line(store.decision_detail(3).await.unwrap()), [3]);
    assert_eq!(
        store.decision_detail(999).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn the_audits_current_filter_lists_exactly_the_decisions_that_stand() {
    let (store, _dir) = fresh_store().await;
    let (m, i) = meeting(&store).await;
    let now = Utc::now();
    let mut seqs = Vec::new();
    for n in 0..6 {
        let d = Valid::parse(draft(m, i, &format!("Decision number {n}"))).unwrap();
        seqs.push(store.record_decision(&d, now).await.unwrap().seq);
    }
    let replaced = Valid::parse(draft(m, i, "A better decision")).unwrap();
    store
        .supersede_decision(seqs[0], "It needed a cut-off", &replaced, now)
        .await
        .unwrap();
    store
        .revoke_decision(seqs[1], "Paused for the quarter", "Leo F.", now)
        .await
        .unwrap();

    let listed = store
        .audit(
            &AuditFilter {
                status: StatusFilter::Current,
                ..AuditFilter::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
    let mut listed: Vec<i64> = listed.rows.iter().map(|r| r.seq).collect();
    listed.sort_unstable();
    let mut conn = raw(&store).await;
    let standing: Vec<i64> = sqlx::query_scalar("SELECT seq FROM current_decisions ORDER BY seq")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(listed, standing);
    assert_eq!(
        listed,
        [3, 4, 5, 6, 7],
        "neither the superseded nor the revoked one"
    );
}

#[tokio::test]
async fn the_log_head_is_what_a_verify_reports_without_walking_the_chain() {
    let (store, _dir) = fresh_store().await;
    let empty = store.log_head().await.unwrap();
    let report = store.verify_log().await.unwrap();
    assert_eq!((empty.entries, empty.head), (report.entries, report.head));
    let (m, i) = meeting(&store).await;
    for n in 0..3 {
        let d = Valid::parse(draft(m, i, &format!("Decision number {n}"))).unwrap();
        store.record_decision(&d, Utc::now()).await.unwrap();
    }
    store
        .revoke_decision(2, "Paused for the quarter", "Leo F.", Utc::now())
        .await
        .unwrap();
    let head = store.log_head().await.unwrap();
    let report = store.verify_log().await.unwrap();
    assert_eq!((head.entries, head.head), (4, report.head));
    assert_eq!(report.entries, 4);
}
