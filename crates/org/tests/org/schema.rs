use crate::cluster::{self, LAPTOP_A};
use crate::laptop::Laptop;

#[tokio::test]
async fn init_twice_changes_nothing_the_second_time() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let again = chair_org::init(&db.url(cluster::SUPERUSER))
        .await
        .expect("init runs again");
    assert_eq!(
        again.migrations_applied, 0,
        "a second init applies nothing: {again:?}"
    );
    assert!(again.migrations_total >= 1);
}

#[tokio::test]
async fn nobody_can_update_delete_or_truncate_the_log() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let laptop = Laptop::new().await;
    laptop.record("Refund", 3).await;
    let mut org = laptop.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    org.push(&laptop.store).await.expect("push");
    org.seal().await.expect("seal");
    for sql in [
        "UPDATE org.entries SET seq = seq",
        "DELETE FROM org.entries",
        "TRUNCATE org.entries CASCADE",
        "UPDATE org.checkpoints SET tree_size = 0",
        "DELETE FROM org.leaves",
        "DELETE FROM org.devices",
    ] {
        let as_laptop = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(org.pool())
            .await;
        let e = as_laptop.expect_err(&format!("the laptop's role may not run {sql}"));
        assert!(
            e.to_string().contains("permission denied"),
            "{sql} as a laptop: {e}"
        );
        let su = db.superuser().await;
        let as_superuser = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&su).await;
        let e = as_superuser.expect_err(&format!("the triggers refuse {sql} even to a superuser"));
        assert!(
            e.to_string().contains("append-only"),
            "{sql} as the superuser: {e}"
        );
    }
}

#[tokio::test]
async fn the_server_refuses_an_entry_that_does_not_link_to_the_one_before() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let laptop = Laptop::new().await;
    laptop.record("Refund", 3).await;
    let mut org = laptop.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    org.push(&laptop.store).await.expect("push");
    // Entry 2 again, as a fork, and entry 9 after a gap, straight into the table.
    for sql in [
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
         SELECT device_id, seq, gen_random_uuid(), canonical, hash, prev_hash, signature FROM org.entries WHERE seq = 2",
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
         SELECT device_id, 9, entry_id, canonical, hash, prev_hash, signature FROM org.entries WHERE seq = 3",
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
         SELECT device_id, 4, entry_id, canonical, sha256('x'), prev_hash, signature FROM org.entries WHERE seq = 3",
    ] {
        let e = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(org.pool())
            .await
            .expect_err("the server refuses it");
        let msg = e.to_string();
        assert!(
            msg.contains("duplicate key") || msg.contains("columns do not say") || msg.contains("hash is not"),
            "{msg}"
        );
    }
}
