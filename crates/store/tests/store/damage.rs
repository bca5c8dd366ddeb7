//! Damaged, foreign and newer database files: refused with a reason that names the file, and
//! never written to; or, when the damage hides where SQLite cannot see it, caught by the full
//! check or the decision log's chain.

use chair_core::ErrorCode;
use chair_core::Valid;
use chair_store::Store;
use chrono::Utc;

use crate::support::{draft, fresh_store, meeting};

/// How many damaged copies to try: a quick run by default, `CHAIR_DAMAGE_CASES` for a soak.
fn cases() -> u64 {
    std::env::var("CHAIR_DAMAGE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

fn seed() -> u64 {
    std::env::var("CHAIR_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261122)
}

/// A closed database with the demo workspace and a few logged decisions.
async fn specimen() -> (Vec<u8>, tempfile::TempDir) {
    let (store, dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let (m, item) = meeting(&store).await;
    for n in 0..20 {
        let d = draft(
            m,
            item,
            &format!("Decision number {n} about overdraft fees"),
        );
        store
            .record_decision(&Valid::parse(d).unwrap(), Utc::now())
            .await
            .unwrap();
    }
    store.close().await;
    let bytes = std::fs::read(dir.path().join("test.db")).unwrap();
    (bytes, dir)
}

#[derive(Debug, Default)]
struct Tally {
    refused: u64,
    caught_by_check: u64,
    caught_by_chain: u64,
    unseen: u64,
}

#[tokio::test]
async fn damaged_files_are_refused_untouched_or_caught_by_the_check() {
    let (original, dir) = specimen().await;
    let mut rng = fastrand::Rng::with_seed(seed());
    let mut tally = Tally::default();
    let page = 4096usize;
    for case in 0..cases() {
        let mut bytes = original.clone();
        let how = match rng.u8(0..4) {
            0 => {
                let n = rng.usize(1..=8);
                for _ in 0..n {
                    let at = rng.usize(0..bytes.len());
                    bytes[at] ^= 1 << rng.u8(0..8);
                }
                format!("{n} flipped bits")
            }
            1 => {
                let len = rng.usize(0..bytes.len());
                bytes.truncate(len);
                format!("truncated to {len} bytes")
            }
            2 => {
                let p = rng.usize(0..bytes.len() / page);
                bytes[p * page..(p + 1) * page].fill(0);
                format!("page {p} zeroed")
            }
            _ => {
                let p = rng.usize(1..bytes.len() / page);
                let junk: Vec<u8> = (0..page).map(|_| rng.u8(..)).collect();
                bytes[p * page..(p + 1) * page].copy_from_slice(&junk);
                format!("page {p} overwritten with noise")
            }
        };
        let path = dir.path().join(format!("case-{case}.db"));
        std::fs::write(&path, &bytes).unwrap();
        match Store::open(&path).await {
            Err(e) => {
                assert!(
                    matches!(e.code(), ErrorCode::Corrupt | ErrorCode::Io),
                    "case {case} ({how}): refused with {e:?}"
                );
                assert!(
                    e.to_string().contains(&format!("case-{case}.db")),
                    "case {case} ({how}): the message names the file: {e}"
                );
                assert_eq!(
                    std::fs::read(&path).unwrap(),
                    bytes,
                    "case {case} ({how}): a refused file is not written to"
                );
                tally.refused += 1;
            }
            Ok(store) => {
                match store.check().await {
                    Ok(r) if !r.integrity.is_empty() || !r.indexes.is_empty() => {
                        tally.caught_by_check += 1
                    }
                    Ok(r) if !r.log.intact => tally.caught_by_chain += 1,
                    Ok(_) => tally.unseen += 1,
                    Err(e) => {
                        assert_eq!(e.code(), ErrorCode::Corrupt, "case {case} ({how}): {e:?}");
                        tally.caught_by_check += 1;
                    }
                }
                store.close().await;
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    eprintln!("{} damaged copies: {tally:?}", cases());
    assert!(
        tally.refused > cases() / 2,
        "most damage is refused at open: {tally:?}"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_untouched() {
    use sqlx::Connection;
    let (store, dir) = fresh_store().await;
    store.close().await;
    let path = dir.path().join("test.db");
    let mut c = crate::support::raw_at(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (29991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path)
        .await
        .expect_err("a newer schema is refused");
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("newer version"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is not changed"
    );
}

#[tokio::test]
async fn a_healthy_database_checks_out() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let report = store.check().await.unwrap();
    assert!(report.healthy(), "{report:?}");
}
