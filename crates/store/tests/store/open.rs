use chair_core::ErrorCode;
use chair_store::{Store, StoreError};

use crate::support::fresh_store;

#[tokio::test]
async fn a_new_database_is_empty_and_reopens() {
    let (store, dir) = fresh_store().await;
    let status = store.status().await.unwrap();
    assert!(
        status.is_empty(),
        "a new database holds nothing: {status:?}"
    );
    store.close().await;
    let again = Store::open(&dir.path().join("test.db")).await;
    assert!(
        again.is_ok(),
        "reopening runs no migration twice: {again:?}"
    );
}

#[tokio::test]
async fn the_database_uses_wal_and_foreign_keys() {
    let (store, dir) = fresh_store().await;
    store.close().await;
    let conn = rusqlite_like_probe(&dir.path().join("test.db")).await;
    assert_eq!(conn.0.to_lowercase(), "wal", "journal mode");
    assert_eq!(
        conn.1,
        chair_store::APPLICATION_ID,
        "application id marks the file"
    );
}

/// Reads the journal mode and application id with a plain connection.
async fn rusqlite_like_probe(path: &std::path::Path) -> (String, i64) {
    let mut c = crate::support::raw_at(path).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut c)
        .await
        .unwrap();
    (mode, id)
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, b"these are my meeting notes, not a database\n").unwrap();
    let err = Store::open(&path)
        .await
        .expect_err("a text file is not a database");
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert!(
        err.to_string().contains("notes.db"),
        "the message names the file: {err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"these are my meeting notes, not a database\n",
        "the file is not changed"
    );
}

#[tokio::test]
async fn another_programs_sqlite_database_is_refused() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE recipes (name TEXT)")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let err = Store::open(&path)
        .await
        .expect_err("a foreign database is refused");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    assert!(err.to_string().contains("did not create"), "{err}");
}

#[tokio::test]
async fn a_change_watch_notices_writes_from_this_store_and_from_another_program() {
    let (store, _dir) = crate::support::fresh_store().await;
    let mut watch = store.watch_changes().await.unwrap();
    assert!(!watch.changed().await.unwrap(), "nothing was written yet");
    assert!(watch.watches(&store));

    store.create_demo(chrono::Utc::now()).await.unwrap();
    assert!(watch.changed().await.unwrap(), "the store's own write");
    assert!(!watch.changed().await.unwrap(), "and nothing since");

    crate::support::behind_the_back(&store, &["UPDATE personas SET role = 'Retired' WHERE 1"])
        .await;
    assert!(watch.changed().await.unwrap(), "another program's write");

    // The meaning vectors the app writes by itself in the background change nothing shown.
    crate::support::behind_the_back(
        &store,
        &["INSERT INTO complaint_embeddings (seq, model, vector) SELECT seq, 'm', x'00' FROM complaints"],
    )
    .await;
    assert!(
        !watch.changed().await.unwrap(),
        "a meaning vector is no change to what the windows show"
    );

    let other = chair_store::Store::open(store.path()).await.unwrap();
    assert!(
        !watch.watches(&other),
        "a store opened again is another one"
    );
}
