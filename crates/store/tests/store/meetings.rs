use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
use chair_core::{ErrorCode, Valid};

use crate::support::fresh_store;

fn item(title: &str) -> AgendaItemDraft {
    AgendaItemDraft {
        title: title.into(),
        customer_problem: format!("Customers are hurt by {title}"),
        timebox_minutes: 15,
        ..Default::default()
    }
}

fn meeting(title: &str, items: Vec<AgendaItemDraft>) -> Valid<MeetingDraft> {
    Valid::parse(MeetingDraft {
        title: title.into(),
        items,
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn a_meeting_keeps_its_agenda_in_order() {
    let (store, _dir) = fresh_store().await;
    let id = store
        .create_meeting(&meeting(
            "Product council",
            vec![item("Overdraft fees"), item("Instant payouts")],
        ))
        .await
        .unwrap();
    let m = store.meeting(id).await.unwrap();
    let titles: Vec<_> = m.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Overdraft fees", "Instant payouts"]);
    let list = store.list_meetings().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].item_count, 2);
}

#[tokio::test]
async fn reordering_items_keeps_their_identity() {
    let (store, _dir) = fresh_store().await;
    let id = store
        .create_meeting(&meeting("Council", vec![item("A"), item("B"), item("C")]))
        .await
        .unwrap();
    let before = store.meeting(id).await.unwrap();
    let mut drafts: Vec<AgendaItemDraft> = before
        .items
        .iter()
        .map(|i| AgendaItemDraft {
            id: Some(i.id),
            title: i.title.clone(),
            timebox_minutes: i.timebox_minutes,
            ..Default::default()
        })
        .collect();
    drafts.reverse();
    drafts.remove(1); // drop "B"
    drafts.push(item("D"));
    store
        .update_meeting(id, &meeting("Council", drafts))
        .await
        .unwrap();
    let after = store.meeting(id).await.unwrap();
    let titles: Vec<_> = after.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["C", "A", "D"]);
    assert_eq!(after.items[0].id, before.items[2].id, "C kept its id");
}

#[tokio::test]
async fn deleting_a_meeting_removes_its_agenda() {
    let (store, _dir) = fresh_store().await;
    let id = store
        .create_meeting(&meeting("Council", vec![item("A")]))
        .await
        .unwrap();
    store.delete_meeting(id).await.unwrap();
    let err = store.meeting(id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(store.agenda(id).await.unwrap().is_empty());
}
