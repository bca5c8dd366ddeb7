use crate::cluster::{self, LEADER};

/// An entry's columns as stored.
type StoredEntry = (
    uuid::Uuid,
    i64,
    uuid::Uuid,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

#[tokio::test]
async fn a_teams_entries_are_hidden_from_another_teams_reader() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let (_a, mut org_a, _b, mut org_b) = crate::laptop::red_and_blue_pushed(&db).await;
    org_a.seal().await.unwrap();
    db.exec(&format!(
        "INSERT INTO org.team_readers (db_role, team) VALUES ('{LEADER}', 'blue')"
    ))
    .await;
    let leader = chair_org::connect(&db.url(LEADER)).await.unwrap();
    let teams: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT d.team FROM org.entries e JOIN org.devices d ON d.id = e.device_id",
    )
    .fetch_all(&leader)
    .await
    .unwrap();
    assert_eq!(
        teams,
        vec!["blue".to_string()],
        "the blue team's reader sees blue alone"
    );
    let red_seen_by_blue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM org.entries e JOIN org.devices d ON d.id = e.device_id WHERE d.team = 'red'",
    )
    .fetch_one(org_b.pool())
    .await
    .unwrap();
    assert_eq!(red_seen_by_blue, 0, "a blue laptop sees no red entries");
    let snapshots: i64 =
        sqlx::query_scalar("SELECT count(*) FROM org.snapshots WHERE device_id = $1")
            .bind(org_a.settings().device_id)
            .fetch_one(&leader)
            .await
            .unwrap();
    assert_eq!(snapshots, 0, "nor their meetings");
    // The blue team's entries still verify for the reader, against the whole tree.
    let report = org_b.verify().await.unwrap();
    assert!(
        report.intact && report.entries == 2 && report.tree_size == 6,
        "{}",
        report.summary()
    );
    // A laptop writes only as itself.
    let forged = sqlx::query(
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
         SELECT device_id, 99, entry_id, canonical, hash, prev_hash, signature FROM org.entries LIMIT 1",
    )
    .execute(org_a.pool())
    .await;
    let _ = forged.expect_err("no insert of another device's entries");
    // Laptop B's own entry 2, as laptop A's role: the bytes are right, the writer is not.
    let su = db.superuser().await;
    let row: StoredEntry = sqlx::query_as(
        "SELECT device_id, seq, entry_id, canonical, hash, prev_hash, signature FROM org.entries WHERE device_id = $1 AND seq = 2",
    )
    .bind(org_b.settings().device_id)
    .fetch_one(&su)
    .await
    .unwrap();
    su.close().await;
    let as_b = sqlx::query(
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(row.0)
    .bind(row.1)
    .bind(row.2)
    .bind(row.3)
    .bind(row.4)
    .bind(row.5)
    .bind(row.6)
    .execute(org_a.pool())
    .await
    .expect_err("laptop A may not write as laptop B");
    assert!(as_b.to_string().contains("row-level security"), "{as_b}");
}
