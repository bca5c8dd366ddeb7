use chair_core::ErrorCode;
use chair_core::complaint::ComplaintQuery;
use chrono::Utc;

use crate::support::fresh_store;

#[tokio::test]
async fn the_demo_workspace_fills_an_empty_database() {
    let (store, _dir) = fresh_store().await;
    let summary = store.create_demo(Utc::now()).await.unwrap();
    assert_eq!(summary.personas, 3);
    assert_eq!(summary.agenda_items, 4);
    assert!(summary.complaints >= 200, "{summary:?}");
    let status = store.status().await.unwrap();
    assert_eq!(status.complaints, summary.complaints);
    let meeting = store.meeting(summary.meeting_id).await.unwrap();
    assert_eq!(
        meeting.persona_ids.len(),
        3,
        "every persona sits in the demo meeting's chair"
    );
}

#[tokio::test]
async fn the_demo_workspace_is_refused_in_a_database_with_data() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let err = store.create_demo(Utc::now()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
}

#[tokio::test]
async fn demo_complaints_can_be_searched() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let page = store
        .list_complaints(&ComplaintQuery {
            text: "overdraft".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        page.total >= 5,
        "the overdraft cluster is found: {}",
        page.total
    );
    assert!(page.items.iter().all(|c| {
        let t = format!("{} {} {:?}", c.title, c.body, c.tags).to_lowercase();
        t.contains("overdraft")
    }));
}
