//! Backups are consistent copies, the last ten kept; a restore checks the copy first and sets
//! the current file aside.

use chair_core::{ErrorCode, Valid};
use chair_store::Store;
use chair_store::backup::{KEEP, list_backups, restore};
use chrono::Utc;

use crate::support::{draft, fresh_store, meeting};

#[tokio::test]
async fn backups_are_kept_to_the_last_ten_and_a_restore_verifies() {
    let (store, dir) = fresh_store().await;
    let db = dir.path().join("test.db");
    let (m, item) = meeting(&store).await;
    for n in 0..3 {
        let d = draft(m, item, &format!("Decision {n}"));
        store
            .record_decision(&Valid::parse(d).unwrap(), Utc::now())
            .await
            .unwrap();
    }
    let first = store.backup("manual", None).await.unwrap();
    for _ in 0..KEEP + 2 {
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        store.backup("start", None).await.unwrap();
    }
    let kept = list_backups(&db).unwrap();
    assert_eq!(kept.len(), KEEP, "only the newest {KEEP} are kept");
    assert!(
        kept.iter().all(|b| b.path != first.path),
        "the oldest went first"
    );
    assert!(
        kept.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );

    // Decisions after the backup are lost by a restore, but the replaced file is kept aside.
    let later = draft(m, item, "Decision after the backup");
    store
        .record_decision(&Valid::parse(later).unwrap(), Utc::now())
        .await
        .unwrap();
    store.close().await;
    let restored = restore(&db, std::path::Path::new(&kept[0].path))
        .await
        .unwrap();
    assert_eq!(restored.decisions, 3);
    let aside = restored.set_aside.expect("the current file is set aside");
    let store = Store::open(&db).await.unwrap();
    let report = store.check().await.unwrap();
    assert!(report.healthy() && report.log.entries == 3, "{report:?}");
    store.close().await;
    let before = Store::open(&aside).await.unwrap();
    assert_eq!(
        before.verify_log().await.unwrap().entries,
        4,
        "nothing was deleted"
    );
    before.close().await;
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_nothing_changes() {
    let (store, dir) = fresh_store().await;
    let db = dir.path().join("test.db");
    store.create_demo(Utc::now()).await.unwrap();
    let backup = store.backup("manual", None).await.unwrap();
    store.close().await;
    let mut bytes = std::fs::read(&backup.path).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&backup.path, &bytes).unwrap();
    let current = std::fs::read(&db).unwrap();
    let err = restore(&db, std::path::Path::new(&backup.path))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        current,
        "the database is not touched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring") || n.contains("before-restore"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no scratch files are left: {leftovers:?}"
    );
}

#[tokio::test]
async fn an_unchanged_database_is_not_backed_up_again() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    assert!(
        store.backup_if_changed("start").await.unwrap().is_some(),
        "the first is made"
    );
    assert!(
        store.backup_if_changed("start").await.unwrap().is_none(),
        "nothing was written since"
    );
    // Closing and opening again (as every start of the app does) changes nothing stored.
    let path = store.path().to_path_buf();
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert!(
        store.backup_if_changed("start").await.unwrap().is_none(),
        "a restart alone does not make another backup"
    );
    let (m, item) = meeting(&store).await;
    store
        .record_decision(
            &Valid::parse(draft(m, item, "A change")).unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(
        store.backup_if_changed("start").await.unwrap().is_some(),
        "a change is backed up"
    );
    assert_eq!(list_backups(&path).unwrap().len(), 2);
    let parts: Vec<_> = std::fs::read_dir(chair_store::backup::backup_dir(&path))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "no unfinished copies are left behind");
}

#[tokio::test]
async fn an_emptied_database_with_backups_is_refused_not_started_afresh() {
    let (store, dir) = fresh_store().await;
    let db = dir.path().join("test.db");
    store.create_demo(Utc::now()).await.unwrap();
    store.backup("manual", None).await.unwrap();
    store.close().await;
    std::fs::write(&db, b"").unwrap();
    let _ = std::fs::remove_file(dir.path().join("test.db-wal"));
    let err = Store::open(&db)
        .await
        .expect_err("an emptied file is refused");
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert!(
        err.to_string().contains("empty") && err.to_string().contains("backups"),
        "the message says what happened: {err}"
    );
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        0,
        "nothing was written to it"
    );
}

#[tokio::test]
async fn a_restore_is_refused_while_the_database_is_open_and_nothing_changes() {
    let (store, dir) = fresh_store().await;
    let db = dir.path().join("test.db");
    store.create_demo(Utc::now()).await.unwrap();
    let backup = store.backup("manual", None).await.unwrap();
    let err = restore(&db, std::path::Path::new(&backup.path))
        .await
        .expect_err("the file is in use");
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(
        err.to_string().contains("close it"),
        "the message says what to do: {err}"
    );
    assert!(
        store.status().await.unwrap().personas == 3,
        "the open store still works on its own file"
    );
    store.close().await;
    let done = restore(&db, std::path::Path::new(&backup.path)).await;
    assert!(
        done.is_ok(),
        "once closed, the restore goes ahead: {done:?}"
    );
}

#[tokio::test]
async fn a_database_untouched_since_its_last_backup_is_not_even_copied_at_start() {
    let (store, dir) = fresh_store().await;
    let db = dir.path().join("test.db");
    store.create_demo(Utc::now()).await.unwrap();
    let made = store.backup("start", None).await.unwrap();
    store.close().await;
    // The file was last written an hour before its backup (as after a quiet day).
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for name in ["test.db", "test.db-wal"] {
        if let Ok(f) = std::fs::File::options()
            .write(true)
            .open(dir.path().join(name))
        {
            f.set_modified(hour_ago).unwrap();
        }
    }
    let store = Store::open(&db).await.unwrap();
    // Any file made in the folder (even one removed again) would move its time on.
    std::fs::File::open(chair_store::backup::backup_dir(&db))
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let before = std::fs::metadata(chair_store::backup::backup_dir(&db))
        .unwrap()
        .modified()
        .unwrap();
    assert!(
        store.backup_if_changed("start").await.unwrap().is_none(),
        "nothing to back up"
    );
    assert_eq!(
        std::fs::metadata(chair_store::backup::backup_dir(&db))
            .unwrap()
            .modified()
            .unwrap(),
        before,
        "no copy was written to the backups folder, not even to be compared and thrown away"
    );
    assert_eq!(list_backups(&db).unwrap()[0].path, made.path);
}
