use chair_core::Valid;
use chair_core::decision::{DecisionDraft, Direction, Size, Stance};
use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
use chair_store::Store;
use tempfile::TempDir;
use uuid::Uuid;

/// A store on a new database file; keep the `TempDir` alive as long as the store.
pub async fn fresh_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = Store::open(&dir.path().join("test.db"))
        .await
        .expect("a new database opens");
    (store, dir)
}

/// Imports `path` with the default options, as the import screen would.
pub async fn import(store: &Store, path: &std::path::Path) -> chair_core::import::ImportSummary {
    store
        .import_file(
            path,
            &Default::default(),
            chrono::Utc::now(),
            None,
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        )
        .await
        .unwrap_or_else(|e| panic!("importing {}: {e}", path.display()))
}

/// A meeting with one agenda item; returns their ids.
pub async fn meeting(store: &Store) -> (Uuid, Uuid) {
    let m = store
        .create_meeting(
            &Valid::parse(MeetingDraft {
                title: "Council".into(),
                items: vec![AgendaItemDraft {
                    title: "Overdraft fees".into(),
                    timebox_minutes: 15,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .unwrap(),
        )
        .await
        .unwrap();
    let item = store.meeting(m).await.unwrap().items[0].id;
    (m, item)
}

pub fn draft(meeting: Uuid, item: Uuid, statement: &str) -> DecisionDraft {
    DecisionDraft {
        meeting_id: meeting,
        agenda_item_id: Some(item),
        statement: statement.into(),
        decided_by: "Hannah K.".into(),
        direction: Direction::Helps,
        size: Size::Medium,
        impact: "Customers paid a day late stop losing £25 to a fee".into(),
        personas: vec![],
        evidence: vec![],
        no_evidence: true,
        stance: Stance::Agrees,
        advocate_note: String::new(),
        follow_ups: vec![],
        on_screen: vec![],
    }
}

/// A connection of its own to the file behind `store`.
pub async fn raw(store: &Store) -> sqlx::SqliteConnection {
    raw_at(store.path()).await
}

/// A connection of its own to the database file at `path`.
pub async fn raw_at(path: &std::path::Path) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

/// Runs `statements` on the file behind the store's back, as someone with the file could.
pub async fn behind_the_back(store: &Store, statements: &[&str]) {
    let mut c = raw(store).await;
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(*sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
}
