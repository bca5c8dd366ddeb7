//! Agenda items ranked ahead of the meeting, and ranked again when what they were ranked from
//! changes.

use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
use chair_core::relevance::{Mark, Params, RelevantComplaint, RelevantRequest};
use chair_core::validate::Valid;
use chair_store::Store;
use chair_store::relevance::ListsPrepared;
use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::support::{fresh_store, import};

const CARDS: &str = "id,date,text\n\
    1,2026-01-01,My card never arrived in the post\n\
    2,2026-01-02,The replacement card was not delivered\n\
    3,2026-01-03,Overdraft fee charged twice\n\
    4,2026-01-04,The app logs me out every minute\n";

async fn import_csv(store: &Store, dir: &tempfile::TempDir, name: &str, csv: &str) {
    let p = dir.path().join(name);
    std::fs::write(&p, csv).unwrap();
    import(store, &p).await;
}

/// A fresh store holding [`CARDS`] and a meeting with one agenda item titled `title`: the
/// store, its folder, the meeting and the item.
async fn planned(title: &str) -> (Store, tempfile::TempDir, Uuid, Uuid) {
    let (store, dir) = fresh_store().await;
    import_csv(&store, &dir, "cards.csv", CARDS).await;
    let meeting = store.create_meeting(&draft(None, title)).await.unwrap();
    let item = store.meeting(meeting).await.unwrap().items[0].id;
    (store, dir, meeting, item)
}

fn draft(item: Option<Uuid>, title: &str) -> Valid<MeetingDraft> {
    Valid::parse(MeetingDraft {
        title: "Council".into(),
        items: vec![AgendaItemDraft {
            id: item,
            title: title.into(),
            timebox_minutes: 15,
            ..Default::default()
        }],
        ..Default::default()
    })
    .unwrap()
}

fn now_request(limit: u32) -> RelevantRequest {
    RelevantRequest {
        limit,
        as_of: None,
        include_dismissed: false,
    }
}

fn external_ids(list: &[RelevantComplaint]) -> Vec<String> {
    list.iter()
        .map(|r| r.complaint.external_id.clone().unwrap_or_default())
        .collect()
}

async fn prepared(store: &Store) -> ListsPrepared {
    store.prepare_item_lists(Utc::now()).await.unwrap()
}

const RANKED: ListsPrepared = ListsPrepared {
    ranked: 1,
    ready: 0,
};
const READY: ListsPrepared = ListsPrepared {
    ranked: 0,
    ready: 1,
};

#[tokio::test]
async fn an_item_is_ranked_ahead_and_ranked_again_only_when_what_it_was_ranked_from_changes() {
    let (store, dir, meeting, item) = planned("Cards not arriving").await;

    assert_eq!(prepared(&store).await, RANKED, "a new item is ranked");
    assert_eq!(prepared(&store).await, READY, "then read as it is");
    let ready = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    let mut top = external_ids(&ready)[..2].to_vec();
    top.sort();
    assert_eq!(top, ["1", "2"], "the complaints about cards lead");
    // The ready list is the ranking the item gets when nothing is kept.
    let (text, hints) = (
        chair_core::relevance::ItemText {
            title: "Cards not arriving".into(),
            ..Default::default()
        },
        chair_store::relevance::PersonaHints::default(),
    );
    let direct = store
        .relevant(&text, &hints, &[], &now_request(10), &Params::default())
        .await
        .unwrap();
    assert_eq!(external_ids(&ready), external_ids(&direct));

    // The room's marks apply to the ready list: nothing is ranked again for them.
    let (first, second) = (ready[0].complaint.id, ready[1].complaint.id);
    store
        .mark_complaint(item, second, Some(Mark::Pinned))
        .await
        .unwrap();
    store
        .mark_complaint(item, first, Some(Mark::Dismissed))
        .await
        .unwrap();
    let marked = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    assert_eq!(marked[0].complaint.id, second);
    assert!(marked.iter().all(|r| r.complaint.id != first));
    assert_eq!(prepared(&store).await, READY);

    // Complaints arriving: the new one is found.
    import_csv(
        &store,
        &dir,
        "more.csv",
        "id,date,text\n5,2026-01-05,Card not arrived after three weeks\n",
    )
    .await;
    assert_eq!(prepared(&store).await, RANKED);
    let after = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    assert!(external_ids(&after).contains(&"5".to_string()));
    assert_eq!(prepared(&store).await, READY);

    // The item edited: ranked for its new words.
    store
        .update_meeting(meeting, &draft(Some(item), "Overdraft fees"))
        .await
        .unwrap();
    assert_eq!(prepared(&store).await, RANKED);
    let edited = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    let best = edited.iter().find(|r| r.mark.is_none()).unwrap();
    assert_eq!(
        best.complaint.external_id.as_deref(),
        Some("3"),
        "below the pin"
    );

    // The user's thesaurus changed.
    store
        .set_thesaurus_entry("overdraft", &["logs me out".into()])
        .await
        .unwrap();
    assert_eq!(prepared(&store).await, RANKED);
    let widened = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    assert!(external_ids(&widened).contains(&"4".to_string()));

    // Kept half a day, a list is ranked again for the days that passed.
    let later = Utc::now() + Duration::hours(13);
    assert_eq!(store.prepare_item_lists(later).await.unwrap(), RANKED);

    // A meeting deleted takes its lists with it.
    store.delete_meeting(meeting).await.unwrap();
    assert_eq!(prepared(&store).await, ListsPrepared::default());
    let mut raw = crate::support::raw(&store).await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM ready_lists")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_ready_list_is_read_by_a_process_that_did_not_rank_it() {
    let (store, _dir, _, item) = planned("Cards not arriving").await;
    assert_eq!(prepared(&store).await, RANKED);
    let ranked = store
        .relevant_for_item(item, &now_request(5))
        .await
        .unwrap();

    let other = Store::open(store.path()).await.unwrap();
    assert_eq!(prepared(&other).await, READY, "kept in the database");
    let read = other
        .relevant_for_item(item, &now_request(5))
        .await
        .unwrap();
    assert_eq!(read, ranked);
    // A deeper request than was kept ranks a deeper list.
    let deep = other
        .relevant_for_item(item, &now_request(100))
        .await
        .unwrap();
    assert_eq!(external_ids(&deep), external_ids(&ranked));
    other.close().await;

    // Closed meetings are not ranked ahead.
    let mut raw = crate::support::raw(&store).await;
    sqlx::query("UPDATE meetings SET status = 'closed'")
        .execute(&mut raw)
        .await
        .unwrap();
    assert_eq!(prepared(&store).await, ListsPrepared::default());
}

#[tokio::test]
async fn a_thesaurus_changed_by_another_process_ranks_the_item_again_with_it() {
    let (store, _dir, _, item) = planned("Overdraft").await;
    assert_eq!(prepared(&store).await, RANKED);
    let before = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    assert!(!external_ids(&before).contains(&"4".to_string()));

    // The command line, say, adds a synonym: this store's own thesaurus is out of date.
    let other = Store::open(store.path()).await.unwrap();
    other
        .set_thesaurus_entry("overdraft", &["logs me out".into()])
        .await
        .unwrap();
    other.close().await;
    assert_eq!(prepared(&store).await, RANKED);
    let after = store
        .relevant_for_item(item, &now_request(10))
        .await
        .unwrap();
    assert!(
        external_ids(&after).contains(&"4".to_string()),
        "{:?}",
        external_ids(&after)
    );
    assert_eq!(prepared(&store).await, READY);
}
