use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chair_core::ErrorCode;
use chair_core::import::ImportOptions;
use chrono::Utc;

use crate::support::{behind_the_back, fresh_store, import, raw, raw_at};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/data")
        .join(name)
}

#[tokio::test]
async fn reimporting_the_cfpb_sample_adds_nothing() {
    let (store, _dir) = fresh_store().await;
    let first = import(&store, &fixture("cfpb-complaints-sample.csv")).await;
    assert_eq!(
        (
            first.rows_read,
            first.imported,
            first.duplicates,
            first.rejected
        ),
        (6623, 1532, 0, 5091)
    );
    let second = import(&store, &fixture("cfpb-complaints-sample.csv")).await;
    assert_eq!(
        (
            second.rows_read,
            second.imported,
            second.duplicates,
            second.rejected
        ),
        (6623, 0, 1532, 5091)
    );
    assert_eq!(
        store.status().await.unwrap().complaints,
        1532,
        "nothing was doubled"
    );
}

#[tokio::test]
async fn every_rejected_row_is_kept_with_its_line_and_reason() {
    let (store, _dir) = fresh_store().await;
    let s = import(&store, &fixture("cfpb-complaints-sample.csv")).await;
    let all = store.import_rejections(s.import_id).await.unwrap();
    assert_eq!(all.len(), 5091);
    assert_eq!(all[0].line, 2);
    assert!(all.iter().all(|r| r.reason.starts_with("no text")));
}

#[tokio::test]
async fn rows_without_ids_are_deduplicated_by_their_text() {
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("notes.csv");
    std::fs::write(
        &p,
        "text\nMy card never came\nmy card   never came!\nThe app crashes\n",
    )
    .unwrap();
    let s = import(&store, &p).await;
    assert_eq!(
        (s.imported, s.duplicates),
        (2, 1),
        "the same words in other case and spacing are one complaint"
    );
    let again = import(&store, &p).await;
    assert_eq!((again.imported, again.duplicates), (0, 3));
}

#[tokio::test]
async fn a_refused_file_writes_nothing() {
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("photo.csv");
    std::fs::write(&p, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let err = store
        .import_file(
            &p,
            &ImportOptions::default(),
            Utc::now(),
            None,
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid, "{err}");
    assert!(err.to_string().contains("not a text file"), "{err}");
    let status = store.status().await.unwrap();
    assert_eq!(status.complaints, 0);
}

#[tokio::test]
async fn progress_is_reported_as_batches_are_stored() {
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("many.jsonl");
    let lines: String = (0..25_000)
        .map(|i| format!("{{\"id\": {i}, \"text\": \"complaint number {i}\"}}\n"))
        .collect();
    std::fs::write(&p, lines).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let s = store
        .import_file(
            &p,
            &ImportOptions::default(),
            Utc::now(),
            Some(Box::new(move |prog| {
                assert!(prog.rows_read > 0 && prog.bytes_read <= prog.bytes_total);
                seen.fetch_add(1, Ordering::Relaxed);
            })),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap();
    assert_eq!(s.imported, 25_000);
    assert!(calls.load(Ordering::Relaxed) >= 3, "one report per batch");
}

#[tokio::test]
async fn a_cancelled_import_keeps_whole_batches_and_finishes_when_run_again() {
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("many.jsonl");
    let lines: String = (0..50_000)
        .map(|i| format!("{{\"id\": {i}, \"text\": \"complaint number {i}\"}}\n"))
        .collect();
    std::fs::write(&p, lines).unwrap();
    let cancel = Arc::new(AtomicBool::new(true));
    let s = store
        .import_file(&p, &ImportOptions::default(), Utc::now(), None, cancel)
        .await
        .unwrap();
    assert!(s.cancelled);
    assert_eq!(
        received_index_age(store.path()).await,
        Some(0),
        "the received-date index left out is built again after a cancel"
    );
    // Batches of 1,000 rows, doubling up to 10,000: a cancelled import ends on a boundary.
    let mut boundaries = vec![0];
    let mut size = 1_000;
    while *boundaries.last().unwrap() < 50_000 {
        boundaries.push(boundaries.last().unwrap() + size);
        size = (size * 2).min(10_000);
    }
    assert!(
        s.imported < 50_000 && boundaries.contains(&s.imported),
        "whole batches only: {} (boundaries {boundaries:?})",
        s.imported
    );
    let rest = import(&store, &p).await;
    assert_eq!(rest.imported + rest.duplicates, 50_000);
    assert_eq!(rest.duplicates, s.imported);
    assert_eq!(store.status().await.unwrap().complaints, 50_000);
}

#[tokio::test]
async fn per_day_counts_match_the_complaints_after_imports_with_and_without_duplicates() {
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("counts.csv");
    // 2,500 rows over several statements and batches, 100 of them repeating an earlier id.
    let rows = |ids: &mut dyn Iterator<Item = usize>| {
        let mut csv = String::from("id,date,text,product,segment\n");
        for (i, id) in ids.enumerate() {
            csv.push_str(&format!(
                "{id},2026-0{}-{:02},complaint number {id},{},{}\n",
                1 + i % 3,
                1 + i % 28,
                ["Card", "Loan"][i % 2],
                ["retail", "business", ""][i % 3],
            ));
        }
        csv
    };
    std::fs::write(
        &p,
        rows(&mut (0..2_500).map(|i| if i % 25 == 24 { i - 1 } else { i })),
    )
    .unwrap();
    let first = import(&store, &p).await;
    assert_eq!((first.imported, first.duplicates), (2_400, 100));
    let again = import(&store, &p).await;
    assert_eq!(again.imported, 0);
    // Batches of only new complaints, on days the store already counts.
    let more = dir.path().join("more.csv");
    std::fs::write(&more, rows(&mut (10_000..13_000))).unwrap();
    let clean = import(&store, &more).await;
    assert_eq!((clean.imported, clean.duplicates), (3_000, 0));
    let mut c = raw(&store).await;
    let differ: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT segment, product, substr(received_at, 1, 10) AS day, count(*) AS n
               FROM complaints GROUP BY 1, 2, 3
             EXCEPT SELECT segment, product, day, n FROM complaint_counts WHERE n > 0)",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT sum(n) FROM complaint_counts")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(differ, 0, "every day's count equals its complaints");
    assert_eq!(total, store.status().await.unwrap().complaints);
}

/// Where the received-date index is among the schema's entries: `Some(0)` when it was the
/// last made, `None` when missing.
async fn received_index_age(path: &Path) -> Option<i64> {
    use sqlx::Connection;
    let mut c = raw_at(path).await;
    let age = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM sqlite_schema AS later WHERE later.rowid > s.rowid)
           FROM sqlite_schema AS s WHERE s.name = 'complaints_received_at'",
    )
    .fetch_optional(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    age
}

#[tokio::test]
async fn a_large_import_builds_the_received_date_index_at_the_end_and_open_puts_back_a_lost_one() {
    let (store, _dir) = fresh_store().await;
    assert!(received_index_age(store.path()).await.is_some());
    // Into an empty store: the index is left out while writing, then made last.
    let s = import(&store, &fixture("cfpb-complaints-sample.csv")).await;
    assert_eq!(s.imported, 1532);
    assert_eq!(received_index_age(store.path()).await, Some(0));
    let newest = store
        .list_complaints(&Default::default())
        .await
        .unwrap()
        .items;
    assert!(
        newest
            .windows(2)
            .all(|w| w[0].received_at >= w[1].received_at),
        "listed newest first"
    );

    // An import cut short leaves it out: opening the store builds it again.
    behind_the_back(&store, &["DROP INDEX complaints_received_at"]).await;
    let path = store.path().to_path_buf();
    store.close().await;
    assert_eq!(received_index_age(&path).await, None);
    // While an import has it left out (it holds `.importing`), opening leaves it to that one.
    let importing = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{}.importing", path.display()))
        .unwrap();
    importing.try_lock_shared().unwrap();
    let meanwhile = chair_store::Store::open(&path).await.unwrap();
    assert_eq!(received_index_age(&path).await, None);
    meanwhile.close().await;
    drop(importing);
    let reopened = chair_store::Store::open(&path).await.unwrap();
    assert_eq!(received_index_age(&path).await, Some(0));
    reopened.close().await;
}
