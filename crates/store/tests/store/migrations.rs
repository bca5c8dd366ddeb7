//! Upgrades: a database written by each earlier released schema (kept in
//! `tests/fixtures/schemas/`, made by that release's own `chair` with `make.sh` there) opens
//! with this version, keeps everything it held, its decision log still verifies, and takes new
//! decisions on the same chain.

use std::path::PathBuf;

use chair_core::Valid;
use chair_store::Store;
use chrono::Utc;

use crate::support::draft;

/// Every released schema that has a fixture, oldest first.
const RELEASED: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

fn fixture(schema: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schemas")
        .join(format!("schema-{schema}.db"))
}

/// A copy of the fixture in a temporary folder: the committed file is never written.
fn copy(schema: u32) -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("old.db");
    std::fs::copy(fixture(schema), &path)
        .unwrap_or_else(|e| panic!("fixture for schema {schema}: {e}"));
    (path, dir)
}

#[tokio::test]
async fn a_database_of_every_earlier_schema_upgrades_and_its_log_still_verifies() {
    for &schema in RELEASED {
        let (path, _dir) = copy(schema);
        let store = Store::open(&path)
            .await
            .unwrap_or_else(|e| panic!("schema {schema}: the old database opens: {e}"));
        let status = store.status().await.expect("status");
        assert_eq!(
            status.personas, 3,
            "schema {schema}: the demo personas remain"
        );
        assert!(
            status.meetings >= 1,
            "schema {schema}: the demo meeting remains"
        );
        let expected_complaints = if schema >= 2 { 300 } else { 100 };
        assert!(
            status.complaints >= expected_complaints,
            "schema {schema}: the complaints remain ({} stored)",
            status.complaints
        );
        let report = store.verify_log().await.expect("verify");
        assert!(
            report.intact,
            "schema {schema}: the log verifies after the upgrade: {report:?}"
        );
        let logged_before = report.entries;
        if schema >= 3 {
            assert_eq!(
                logged_before, 5,
                "schema {schema}: three decisions, a supersede and a revoke"
            );
        }
        let health = store.check().await.expect("check");
        assert!(
            health.healthy(),
            "schema {schema}: integrity and index checks pass after the upgrade: {health:?}"
        );

        // Complaints imported after the upgrade are stored, counted and indexed.
        let csv = path.with_file_name("after-upgrade.csv");
        std::fs::write(
            &csv,
            "id,date,text\nU1,2026-11-30,Zelbrook transfer refused after the upgrade\n",
        )
        .expect("write the CSV");
        let summary = crate::support::import(&store, &csv).await;
        assert_eq!(summary.imported, 1, "schema {schema}");
        let found = store
            .list_complaints(&chair_core::complaint::ComplaintQuery {
                text: "zelbrook".into(),
                ..Default::default()
            })
            .await
            .expect("search");
        assert_eq!(
            found.total, 1,
            "schema {schema}: the new complaint is in the index"
        );
        let health = store.check().await.expect("check");
        assert!(
            health.healthy(),
            "schema {schema}: checks pass after an import: {health:?}"
        );

        // New decisions go on the same chain.
        let meetings = store.list_meetings().await.expect("meetings");
        let meeting = store.meeting(meetings[0].id).await.expect("the meeting");
        let item = meeting.items[0].id;
        let appended = store
            .record_decision(
                &Valid::parse(draft(meeting.id, item, "Decided after the upgrade"))
                    .expect("a valid draft"),
                Utc::now(),
            )
            .await
            .unwrap_or_else(|e| panic!("schema {schema}: a decision after the upgrade: {e}"));
        assert_eq!(
            appended.seq,
            logged_before + 1,
            "schema {schema}: the new entry follows the old ones"
        );
        let report = store.verify_log().await.expect("verify");
        assert!(
            report.intact && report.entries == logged_before + 1,
            "schema {schema}: the longer log verifies: {report:?}"
        );
        store.close().await;

        // And it opens again as this version's own file.
        let again = Store::open(&path).await;
        assert!(
            again.is_ok(),
            "schema {schema}: reopens after the upgrade: {again:?}"
        );
    }
}

#[tokio::test]
async fn every_migration_has_a_fixture_of_the_schema_before_it() {
    let migrations = std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .expect("migrations folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sql"))
        .count() as u32;
    // The newest schema needs a fixture once a migration comes after it; until then, the
    // fixtures must reach at least the schema before the newest.
    let newest_fixture = RELEASED.iter().copied().max().unwrap_or(0);
    assert!(
        newest_fixture + 1 >= migrations,
        "{migrations} migrations but fixtures only up to schema {newest_fixture}: run tests/fixtures/schemas/make.sh for schema {}",
        migrations - 1
    );
    for &schema in RELEASED {
        assert!(
            fixture(schema).is_file(),
            "missing fixture {}",
            fixture(schema).display()
        );
    }
}
