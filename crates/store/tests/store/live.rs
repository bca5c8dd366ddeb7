use chair_core::decision::{DecisionDraft, Direction, Size, Stance};
use chair_core::live::{
    AdvocateInput, EscalationDraft, EscalationFilter, EscalationState, EventKind,
};
use chair_core::meeting::{AgendaItemDraft, MeetingDraft, MeetingStatus};
use chair_core::{ErrorCode, Valid};
use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::support::fresh_store;

#[tokio::test]
async fn a_live_meeting_times_each_item_and_moves_between_them() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let state = store.start_meeting(demo.meeting_id, t0).await.unwrap();
    let (first, second) = (state.meeting.items[0].id, state.meeting.items[1].id);
    assert_eq!(state.meeting.status, MeetingStatus::Live);
    assert_eq!(
        state.current_item_id,
        Some(first),
        "it starts on the first item"
    );
    assert!(state.clocks[0].running);

    store
        .go_to_item(demo.meeting_id, second, t0 + Duration::minutes(12))
        .await
        .unwrap();
    store
        .set_timer(demo.meeting_id, false, t0 + Duration::minutes(15))
        .await
        .unwrap();
    let later = store
        .live_state(demo.meeting_id, t0 + Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(later.current_item_id, Some(second));
    assert_eq!(
        later.clocks[0].spent_seconds,
        12 * 60,
        "the first item's timer stopped when the meeting moved on"
    );
    assert_eq!(
        later.clocks[1].spent_seconds,
        3 * 60,
        "the second ran three minutes, then paused"
    );
    assert!(!later.clocks[1].running && later.clocks[1].discussed);
    assert!(!later.clocks[2].discussed);
}

#[tokio::test]
async fn the_advocates_words_reach_the_timeline_and_the_stance() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let now = Utc::now();
    let refused = store
        .advocate_says(
            demo.meeting_id,
            &Valid::parse(AdvocateInput {
                kind: EventKind::Agree,
                text: String::new(),
                by: "Leo".into(),
            })
            .unwrap(),
            now,
        )
        .await;
    assert_eq!(
        refused.unwrap_err().code(),
        ErrorCode::Conflict,
        "nothing is said in a meeting that has not started"
    );
    store.start_meeting(demo.meeting_id, now).await.unwrap();
    let object = AdvocateInput {
        kind: EventKind::Object,
        text: "A grace period until midnight is not enough".into(),
        by: "Leo".into(),
    };
    store
        .advocate_says(demo.meeting_id, &Valid::parse(object).unwrap(), now)
        .await
        .unwrap();
    let remark = AdvocateInput {
        kind: EventKind::Remark,
        text: "The customer would say: just warn me".into(),
        by: "Leo".into(),
    };
    store
        .advocate_says(
            demo.meeting_id,
            &Valid::parse(remark).unwrap(),
            now + Duration::seconds(1),
        )
        .await
        .unwrap();
    let state = store.live_state(demo.meeting_id, now).await.unwrap();
    assert_eq!(state.events[0].kind, EventKind::Remark, "newest first");
    assert_eq!(
        state
            .stances
            .iter()
            .find(|s| s.agenda_item_id == state.current_item_id)
            .map(|s| s.stance),
        Some(chair_core::decision::Stance::Objects),
        "the latest stance on the current item"
    );
}

#[tokio::test]
async fn escalations_stay_open_until_answered() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let complaint = store
        .list_complaints(&Default::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let draft = |due: NaiveDate| EscalationDraft {
        complaint_id: complaint,
        meeting_id: Some(demo.meeting_id),
        agenda_item_id: None,
        question: "Why did this take three days?".into(),
        owner: "Aisha B.".into(),
        due,
        raised_by: "Leo F.".into(),
    };
    let now = Utc::now();
    let late = store
        .raise_escalation(
            &Valid::parse(draft(today - Duration::days(1))).unwrap(),
            now,
        )
        .await
        .unwrap();
    let soon = store
        .raise_escalation(
            &Valid::parse(draft(today + Duration::days(7))).unwrap(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.escalation_counts(today).await.unwrap(), (2, 1));
    let open = store
        .escalations(EscalationFilter::Open, today)
        .await
        .unwrap();
    assert_eq!(open[0].id, late.id, "overdue first");
    assert_eq!(open[0].state, EscalationState::Overdue);
    assert_eq!(open[1].id, soon.id);
    assert_eq!(
        store
            .answer_escalation(late.id, " ", now)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Invalid
    );
    store
        .answer_escalation(late.id, "The payout batch ran once a day; now hourly", now)
        .await
        .unwrap();
    assert_eq!(
        store
            .answer_escalation(late.id, "Again", now)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
    assert_eq!(store.escalation_counts(today).await.unwrap(), (1, 0));
    assert_eq!(
        store
            .escalations(EscalationFilter::Answered, today)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn closing_writes_minutes_and_unfinished_items_carry_forward() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let t0 = Utc::now();
    let state = store.start_meeting(demo.meeting_id, t0).await.unwrap();
    let items: Vec<_> = state.meeting.items.iter().map(|i| i.id).collect();
    let decision = DecisionDraft {
        meeting_id: demo.meeting_id,
        agenda_item_id: Some(items[0]),
        statement: "Add a same-day grace period".into(),
        decided_by: "Hannah K.".into(),
        direction: Direction::Helps,
        size: Size::Medium,
        impact: "Customers paid a day late stop losing twenty-five pounds".into(),
        personas: vec![],
        evidence: vec![],
        no_evidence: true,
        stance: Stance::Objects,
        advocate_note: "Midnight is too late".into(),
        follow_ups: vec![],
        on_screen: vec![],
    };
    store
        .record_decision(&Valid::parse(decision).unwrap(), t0)
        .await
        .unwrap();
    let object = AdvocateInput {
        kind: EventKind::Object,
        text: "Customers need a warning, not just a grace period".into(),
        by: "Leo".into(),
    };
    store
        .advocate_says(demo.meeting_id, &Valid::parse(object).unwrap(), t0)
        .await
        .unwrap();
    store
        .go_to_item(demo.meeting_id, items[1], t0 + Duration::minutes(25))
        .await
        .unwrap();
    let complaint = store
        .list_complaints(&Default::default())
        .await
        .unwrap()
        .items[0]
        .id;
    store
        .raise_escalation(
            &Valid::parse(EscalationDraft {
                complaint_id: complaint,
                meeting_id: Some(demo.meeting_id),
                agenda_item_id: Some(items[1]),
                question: "How many payouts were late last month?".into(),
                owner: "Aisha B.".into(),
                due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                raised_by: "Leo F.".into(),
            })
            .unwrap(),
            t0,
        )
        .await
        .unwrap();

    let written = store
        .close_meeting(demo.meeting_id, &[items[1]], t0 + Duration::minutes(40))
        .await
        .unwrap();
    let minutes = written.markdown();
    for expected in [
        "Add a same-day grace period",
        "Customer impact: helps",
        "Objection: “Customers need a warning",
        "How many payouts were late last month?",
        "25 min of 20 min, 5 min over",
        "(not discussed)",
    ] {
        assert!(
            minutes.contains(expected),
            "the minutes say {expected:?}:\n{minutes}"
        );
    }
    assert_eq!(
        store.meeting_minutes(demo.meeting_id).await.unwrap(),
        written,
        "the minutes are kept with the meeting"
    );
    assert_eq!(
        store.minutes_markdown(demo.meeting_id).await.unwrap(),
        minutes,
        "and their Markdown, for export"
    );
    assert_eq!(
        store.meeting(demo.meeting_id).await.unwrap().status,
        MeetingStatus::Closed
    );

    let title = store.meeting(demo.meeting_id).await.unwrap().title;
    assert!(
        store
            .unfinished_items("Pricing review")
            .await
            .unwrap()
            .is_none(),
        "another series has nothing to carry"
    );
    let offered = store
        .unfinished_items(&title.replace("47", "48"))
        .await
        .unwrap()
        .expect("unfinished items are offered");
    let (from, carried) = (offered.meeting, offered.items);
    assert_eq!(from.id, demo.meeting_id);
    assert_eq!(carried.iter().map(|i| i.id).collect::<Vec<_>>(), [items[1]]);
    let next = MeetingDraft {
        title: title.clone(),
        items: vec![AgendaItemDraft {
            title: carried[0].title.clone(),
            timebox_minutes: 20,
            carried_from: Some(carried[0].id),
            ..Default::default()
        }],
        ..Default::default()
    };
    store
        .create_meeting(&Valid::parse(next).unwrap())
        .await
        .unwrap();
    assert!(
        store.unfinished_items(&title).await.unwrap().is_none(),
        "an item is carried forward once"
    );
}

#[tokio::test]
async fn minutes_lead_with_what_stands_and_name_the_evidence() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let t0 = Utc::now();
    let state = store.start_meeting(demo.meeting_id, t0).await.unwrap();
    let item = state.meeting.items[0].id;
    let evidence = store
        .list_complaints(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.external_id.is_some())
        .expect("a demo complaint with a reference of its own");
    let reference = evidence.external_id.clone().unwrap();
    let draft = |statement: &str, with_evidence: bool| {
        let mut d = crate::support::draft(demo.meeting_id, item, statement);
        if with_evidence {
            d.evidence = vec![evidence.id];
            d.no_evidence = false;
        }
        Valid::parse(d).unwrap()
    };
    let first = store
        .record_decision(&draft("Grace period until noon", true), t0)
        .await
        .unwrap();
    store
        .supersede_decision(
            first.seq,
            "Legal asked for midnight",
            &draft("Grace period until midnight", true),
            t0,
        )
        .await
        .unwrap();
    let dropped = store
        .record_decision(&draft("Text every customer at 9 pm", false), t0)
        .await
        .unwrap();
    let revoked = store
        .revoke_decision(dropped.seq, "Too many messages at night", "Hannah K.", t0)
        .await
        .unwrap();

    let minutes = store
        .close_meeting(demo.meeting_id, &[], t0 + Duration::minutes(30))
        .await
        .unwrap()
        .markdown();
    let at = |text: &str| {
        minutes
            .find(text)
            .unwrap_or_else(|| panic!("the minutes say {text:?}:\n{minutes}"))
    };
    let stands = at("**Decision (entry 2):** Grace period until midnight");
    let replaced = at(&format!(
        "**Superseded decision (entry {}, replaced by entry 2: Legal asked for midnight):** Grace period until noon",
        first.seq
    ));
    let withdrawn = at(&format!(
        "**Revoked decision (entry {}, revoked by entry {}: Too many messages at night):** Text every customer at 9 pm",
        dropped.seq, revoked.seq
    ));
    assert!(
        stands < replaced && stands < withdrawn,
        "what stands comes first:\n{minutes}"
    );
    at("- Replaces entry 1: Legal asked for midnight");
    at(&format!("- Evidence: {reference} “"));
    assert!(
        !minutes.contains("complaint(s)"),
        "evidence is named, not counted:\n{minutes}"
    );
}

#[tokio::test]
async fn an_item_whose_only_decision_was_revoked_counts_as_undecided() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let t0 = Utc::now();
    let state = store.start_meeting(demo.meeting_id, t0).await.unwrap();
    let item = state.meeting.items[0].id;
    let recorded = store
        .record_decision(
            &Valid::parse(crate::support::draft(
                demo.meeting_id,
                item,
                "Add a same-day grace period",
            ))
            .unwrap(),
            t0,
        )
        .await
        .unwrap();
    let decided = |s: &chair_core::live::LiveState| {
        s.clocks
            .iter()
            .find(|c| c.agenda_item_id == item)
            .unwrap()
            .decisions
    };
    let before = store.live_state(demo.meeting_id, t0).await.unwrap();
    assert_eq!(decided(&before), 1, "the item has its decision");
    store
        .revoke_decision(recorded.seq, "Legal said no", "Hannah K.", t0)
        .await
        .unwrap();
    let after = store.live_state(demo.meeting_id, t0).await.unwrap();
    assert_eq!(
        decided(&after),
        0,
        "with its only decision revoked, the item is undecided again and closing offers to carry it forward"
    );
    let dash = store.dashboard(t0.date_naive(), 4).await.unwrap();
    assert_eq!(
        dash.decisions, 0,
        "the dashboard counts no current decision"
    );
}

#[tokio::test]
async fn a_live_meeting_with_an_unreadable_time_or_id_is_reported_corrupt_not_read_as_the_epoch() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    store.start_meeting(demo.meeting_id, t0).await.unwrap();

    crate::support::behind_the_back(
        &store,
        &["UPDATE agenda_items SET running_since = 'soon' WHERE running_since IS NOT NULL"],
    )
    .await;
    let err = store
        .live_state(demo.meeting_id, t0 + Duration::minutes(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert!(
        err.to_string()
            .contains("running_since \"soon\" is not a time"),
        "{err}"
    );

    crate::support::behind_the_back(
        &store,
        &[
            "UPDATE agenda_items SET running_since = NULL",
            // As a damaged file would hold it: past the reference to the items.
            "PRAGMA foreign_keys = OFF",
            "UPDATE meetings SET current_item_id = 'not-an-id'",
        ],
    )
    .await;
    let err = store
        .live_state(demo.meeting_id, t0 + Duration::minutes(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
}
