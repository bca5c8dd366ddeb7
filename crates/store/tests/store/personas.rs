use chair_core::persona::PersonaDraft;
use chair_core::{ErrorCode, Valid};
use chrono::Utc;

use crate::support::fresh_store;

fn draft(name: &str, segment: &str) -> Valid<PersonaDraft> {
    Valid::parse(PersonaDraft {
        name: name.into(),
        segment: segment.into(),
        role: "Owner of a bakery".into(),
        goals: vec!["Get paid the same day".into()],
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn a_created_persona_is_listed_with_its_fields() {
    let (store, _dir) = fresh_store().await;
    let id = store
        .create_persona(&draft("Maya Okafor", "small-business"))
        .await
        .unwrap();
    let all = store.list_personas(Utc::now()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
    assert_eq!(all[0].fields.name, "Maya Okafor");
    assert_eq!(all[0].initials, "MO");
    assert_eq!(all[0].fields.goals, vec!["Get paid the same day"]);
}

#[tokio::test]
async fn two_personas_cannot_share_a_name() {
    let (store, _dir) = fresh_store().await;
    store
        .create_persona(&draft("Maya Okafor", ""))
        .await
        .unwrap();
    let err = store
        .create_persona(&draft("maya okafor", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[tokio::test]
async fn editing_a_persona_changes_it_and_deleting_removes_it() {
    let (store, _dir) = fresh_store().await;
    let id = store
        .create_persona(&draft("Tom Reyes", "everyday"))
        .await
        .unwrap();
    store
        .update_persona(id, &draft("Tom Reyes", "student"))
        .await
        .unwrap();
    let p = store.persona(id, Utc::now()).await.unwrap();
    assert_eq!(p.fields.segment, "student");
    store.delete_persona(id).await.unwrap();
    assert!(store.list_personas(Utc::now()).await.unwrap().is_empty());
    let err = store.delete_persona(id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
}

#[tokio::test]
async fn persona_counts_complaints_of_its_segments() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let personas = store.list_personas(Utc::now()).await.unwrap();
    let maya = personas
        .iter()
        .find(|p| p.fields.name == "Maya Okafor")
        .expect("demo persona");
    assert!(
        maya.complaint_count > 0,
        "Maya's segment has complaints: {maya:?}"
    );
    assert!(maya.recent_count <= maya.complaint_count);
}
