//! Each kind of tampering on the server, even by a superuser who switches the triggers off,
//! is caught by a leader's verify, which names the laptop and the entry (or the checkpoint).

use chair_core::chain::{GENESIS, Lift, LogExport};
use chair_org::{Org, OrgReport};
use ed25519_dalek::Signer;

use crate::cluster::{self, AUDITOR, LAPTOP_A, LAPTOP_B, TestDb};
use crate::laptop::Laptop;

struct World {
    db: TestDb,
    a: Laptop,
    b: Laptop,
    org_a: Org,
    leader: Org,
    _leader_laptop: Laptop,
}

/// Two laptops pushed and sealed; a leader (auditor) verified once, so it has seen the checkpoint.
async fn world() -> Option<World> {
    let db = cluster::database().await?;
    let (a, b) = (Laptop::new().await, Laptop::new().await);
    a.record("Red decision", 5).await;
    b.record("Blue decision", 4).await;
    let mut org_a = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let mut org_b = b.enrol(&db.url(LAPTOP_B), "blue", "Bo's laptop").await;
    org_a.push(&a.store).await.expect("a pushes");
    org_b.push(&b.store).await.expect("b pushes");
    org_a.seal().await.expect("seal");
    let leader_laptop = Laptop::new().await;
    let mut leader = leader_laptop
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    let r = leader.verify().await.expect("verify");
    assert!(r.intact, "before any tampering: {}", r.summary());
    Some(World {
        db,
        a,
        b,
        org_a,
        leader,
        _leader_laptop: leader_laptop,
    })
}

impl World {
    fn device_a(&self) -> uuid::Uuid {
        self.org_a.settings().device_id
    }

    async fn broken(&mut self) -> OrgReport {
        let r = self.leader.verify().await.expect("verify runs");
        assert!(!r.intact, "tampering must be caught: {}", r.summary());
        r
    }

    async fn assert_names_a(&mut self, seq: i64, words: &str) {
        let r = self.broken().await;
        let f = r.failure.clone().expect("a failure");
        assert_eq!(f.device_id, Some(self.device_a()), "{}", r.summary());
        assert_eq!(f.seq, Some(seq), "{}", r.summary());
        assert!(r.summary().contains("Ana's laptop"), "{}", r.summary());
        assert!(r.summary().contains(words), "{}", r.summary());
    }
}

#[tokio::test]
async fn an_entry_whose_bytes_were_changed_on_the_server_is_named() {
    let Some(mut w) = world().await else { return };
    w.db.exec(&format!(
        "ALTER TABLE org.entries DISABLE TRIGGER USER;
         UPDATE org.entries SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'Red decision 3', 'Red decision 8'), 'UTF8')
          WHERE device_id = '{}' AND seq = 3;",
        w.device_a()
    ))
    .await;
    w.assert_names_a(3, "does not match its hash").await;
}

#[tokio::test]
async fn an_entry_deleted_with_the_triggers_off_is_named() {
    let Some(mut w) = world().await else { return };
    w.db.exec(&format!(
        "ALTER TABLE org.entries DISABLE TRIGGER ALL;
         DELETE FROM org.entries WHERE device_id = '{}' AND seq = 2;",
        w.device_a()
    ))
    .await;
    w.assert_names_a(2, "missing").await;
}

#[tokio::test]
async fn the_newest_sealed_entry_deleted_with_its_leaf_is_caught_by_the_checkpoint() {
    let Some(mut w) = world().await else { return };
    // The tree's last leaf is laptop B's entry 5: with it and its entry gone, B's chain is
    // whole up to entry 4 and the tree has no gap; the signed checkpoint gives it away.
    w.db.exec(
        "ALTER TABLE org.entries DISABLE TRIGGER ALL; ALTER TABLE org.leaves DISABLE TRIGGER ALL;
         DELETE FROM org.entries e USING org.leaves l
          WHERE l.leaf_index = (SELECT max(leaf_index) FROM org.leaves) AND e.device_id = l.device_id AND e.seq = l.seq;
         DELETE FROM org.leaves WHERE leaf_index = (SELECT max(leaf_index) FROM org.leaves);",
    )
    .await;
    let r = w.broken().await;
    assert_eq!(
        r.failure.as_ref().unwrap().checkpoint,
        Some(11),
        "{}",
        r.summary()
    );
    assert!(
        r.summary().contains("sealed entries were removed"),
        "{}",
        r.summary()
    );
}

#[tokio::test]
async fn a_leaf_removed_from_the_middle_of_the_tree_is_caught() {
    let Some(mut w) = world().await else { return };
    w.db.exec(
        "ALTER TABLE org.leaves DISABLE TRIGGER ALL; DELETE FROM org.leaves WHERE leaf_index = 4;",
    )
    .await;
    let r = w.broken().await;
    assert!(r.summary().contains("leaf 4 is missing"), "{}", r.summary());
}

#[tokio::test]
async fn two_entries_swapped_are_named() {
    let Some(mut w) = world().await else { return };
    w.db.exec(&format!(
        "ALTER TABLE org.entries DISABLE TRIGGER ALL;
         UPDATE org.entries SET seq = 1002 WHERE device_id = '{0}' AND seq = 2;
         UPDATE org.entries SET seq = 2 WHERE device_id = '{0}' AND seq = 3;
         UPDATE org.entries SET seq = 3 WHERE device_id = '{0}' AND seq = 1002;",
        w.device_a()
    ))
    .await;
    w.assert_names_a(2, "reordered").await;
}

#[tokio::test]
async fn two_leaves_swapped_in_the_tree_are_caught() {
    let Some(mut w) = world().await else { return };
    w.db.exec(
        "ALTER TABLE org.leaves DISABLE TRIGGER ALL;
         UPDATE org.leaves SET leaf_index = 1000 WHERE leaf_index = 0;
         UPDATE org.leaves SET leaf_index = 0 WHERE leaf_index = 1;
         UPDATE org.leaves SET leaf_index = 1 WHERE leaf_index = 1000;",
    )
    .await;
    let r = w.broken().await;
    assert!(
        r.failure.unwrap().seq.is_some(),
        "the entry out of place is named"
    );
}

#[tokio::test]
async fn an_entry_forged_with_another_laptops_key_is_named() {
    let Some(mut w) = world().await else { return };
    // Someone holding laptop B's key writes a seventh entry into laptop A's chain, with a
    // correct hash and link, so that the server's triggers accept it.
    let mut buf = Vec::new();
    w.a.store
        .export_log(
            &Default::default(),
            chair_core::audit::ExportFormat::Json,
            &mut buf,
        )
        .await
        .unwrap();
    let export: LogExport = serde_json::from_slice(&buf).unwrap();
    let mut lift = Lift::new(w.device_a());
    let mut last = None;
    for h in &export.entries {
        last = Some(lift.next(h).unwrap());
    }
    let (mut forged, _) = last.unwrap();
    forged.seq = 7;
    forged.id = uuid::Uuid::now_v7();
    forged.statement = "All fees doubled".into();
    forged.target = None;
    forged.kind = chair_core::chain::EntryKind::Decision;
    forged.reason = String::new();
    forged.prev_hash = {
        let log = w.leader.read_log(None).await.unwrap();
        log.entries
            .iter()
            .find(|e| e.device_id == w.device_a() && e.seq == 6)
            .unwrap()
            .hash
            .clone()
    };
    assert_ne!(forged.prev_hash, GENESIS);
    let bytes = forged.canonical().into_bytes();
    let hash: [u8; 32] =
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes)).into();
    let b_key = chair_org::OrgFiles::beside(&w.b.db).key().unwrap();
    let sig = b_key.sign(&chair_org::entry_message(&hash)).to_bytes();
    let su = w.db.superuser().await;
    sqlx::query(
        "INSERT INTO org.entries (device_id, seq, entry_id, canonical, hash, prev_hash, signature)
         VALUES ($1, 7, $2, $3, $4, $5, $6)",
    )
    .bind(w.device_a())
    .bind(forged.id)
    .bind(&bytes)
    .bind(hash.as_slice())
    .bind(
        chair_core::merkle::from_hex(&forged.prev_hash)
            .unwrap()
            .as_slice(),
    )
    .bind(sig.as_slice())
    .execute(&su)
    .await
    .expect("the server cannot tell a forged signature: it takes the entry");
    w.assert_names_a(7, "signature is not").await;
}

#[tokio::test]
async fn a_checkpoint_rolled_back_is_caught() {
    let Some(mut w) = world().await else { return };
    // More entries, a newer checkpoint the leader sees, then the server goes back to the old one.
    w.a.record("Later decision", 2).await;
    w.org_a.push(&w.a.store).await.expect("push");
    w.org_a.seal().await.expect("seal");
    let seen = w.leader.verify().await.expect("verify");
    assert!(seen.intact, "{}", seen.summary());
    let newest = seen.checkpoint.unwrap();
    w.db.exec(&format!(
        "ALTER TABLE org.checkpoints DISABLE TRIGGER USER;
         DELETE FROM org.checkpoints WHERE tree_size = {newest};"
    ))
    .await;
    let r = w.broken().await;
    let f = r.failure.clone().expect("a failure");
    assert_eq!(f.checkpoint, Some(newest), "{}", r.summary());
    assert!(r.summary().contains("rolled back"), "{}", r.summary());
}
