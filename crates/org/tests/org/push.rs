use crate::cluster::{self, AUDITOR, LAPTOP_A, LAPTOP_B, LAPTOP_C};
use crate::laptop::Laptop;
use chair_org::OrgError;

#[tokio::test]
async fn three_laptops_pushing_and_sealing_at_once_merge_into_a_log_that_verifies() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let (a, b, c) = (
        Laptop::new().await,
        Laptop::new().await,
        Laptop::new().await,
    );
    a.record("Red decision", 40).await;
    b.record("Blue decision", 30).await;
    c.record("Green decision", 20).await;
    let mut oa = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let mut ob = b.enrol(&db.url(LAPTOP_B), "blue", "Bo's laptop").await;
    let mut oc = c.enrol(&db.url(LAPTOP_C), "green", "Cy's laptop").await;
    let (pa, pb, pc) = tokio::join!(oa.push(&a.store), ob.push(&b.store), oc.push(&c.store));
    assert_eq!(
        (
            pa.expect("a pushes").pushed,
            pb.expect("b pushes").pushed,
            pc.expect("c pushes").pushed
        ),
        (41, 31, 21),
        "every entry of every laptop goes up once"
    );
    let (sa, sb, sc) = tokio::join!(oa.seal(), ob.seal(), oc.seal());
    let sealed = [
        sa.expect("a seals"),
        sb.expect("b seals"),
        sc.expect("c seals"),
    ];
    assert_eq!(
        sealed.iter().filter(|s| s.signed).count(),
        1,
        "concurrent seals number the leaves once and sign one checkpoint: {sealed:?}"
    );
    assert!(sealed.iter().all(|s| s.tree_size == 93));
    // Each laptop's receipt proves its newest entry is in the signed tree.
    for s in &sealed {
        let r = s.receipt.as_ref().expect("a receipt");
        let root = chair_core::merkle::from_hex(&r.root).unwrap();
        let proof: Vec<_> = r
            .proof
            .iter()
            .map(|h| chair_core::merkle::from_hex(h).unwrap())
            .collect();
        let log = oa.read_log(None).await.unwrap();
        let leaf = &log.leaves[r.leaf_index as usize];
        let lh =
            chair_core::merkle::leaf_hash(&chair_core::merkle::from_hex(&leaf.entry_hash).unwrap());
        assert!(chair_core::merkle::verify_inclusion(
            &lh,
            r.leaf_index as u64,
            r.tree_size as u64,
            &proof,
            &root
        ));
    }
    let leader = Laptop::new().await;
    let mut auditor = leader
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    let report = auditor.verify().await.expect("verify runs");
    assert!(report.intact, "{}", report.summary());
    assert_eq!(
        (report.entries, report.devices, report.tree_size),
        (93, 3, 93),
        "{}",
        report.summary()
    );
    assert!(
        report
            .summary()
            .starts_with("Organisation log verified: 93 entries from 3 laptops"),
        "{}",
        report.summary()
    );
    // Each team sees its own entries only; the auditor sees all.
    assert_eq!(oa.log(None).await.unwrap().len(), 41);
    assert_eq!(auditor.log(None).await.unwrap().len(), 93);
    assert_eq!(auditor.log(Some("blue")).await.unwrap().len(), 31);
    assert_eq!(
        auditor.log(Some("blue")).await.unwrap()[0]
            .meeting
            .as_deref(),
        Some("Product council"),
        "the meeting's snapshot names it"
    );
}

#[tokio::test]
async fn a_push_starts_from_the_servers_head_and_sends_nothing_twice() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let a = Laptop::new().await;
    a.record("Refund", 5).await;
    let mut org = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let first = org.push(&a.store).await.expect("first push");
    assert_eq!((first.already_there, first.pushed, first.head), (0, 6, 6));
    let again = org.push(&a.store).await.expect("second push");
    assert_eq!(again.pushed, 0, "nothing new, nothing sent");
    a.record("Fees", 2).await;
    let third = org.push(&a.store).await.expect("third push");
    assert_eq!((third.already_there, third.pushed, third.head), (6, 2, 8));
    // Enrolling again is harmless and keeps the identity.
    let e = chair_org::enrol(&a.db, &db.url(LAPTOP_A), "red", "Ana's laptop")
        .await
        .unwrap();
    assert!(e.already);
    let other = chair_org::enrol(&a.db, &db.url(LAPTOP_A), "blue", "Ana's laptop").await;
    assert!(matches!(other, Err(OrgError::Invalid(_))), "{other:?}");
}

#[tokio::test]
async fn a_laptop_whose_own_log_was_edited_is_refused() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let a = Laptop::new().await;
    a.record("Refund", 4).await;
    let mut org = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let mut raw = {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", a.db.display()))
            .await
            .unwrap()
    };
    sqlx::raw_sql(
        "DROP TRIGGER decision_log_no_update; UPDATE decision_log SET statement = 'Nobody pays fees' WHERE seq = 3",
    )
    .execute(&mut raw)
    .await
    .expect("someone edits the file behind the app's back");
    let refused = org.push(&a.store).await;
    match refused {
        Err(OrgError::Refused(why)) => assert!(why.contains("entry 3"), "{why}"),
        other => panic!("an edited log must be refused, got {other:?}"),
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM org.entries")
        .fetch_one(org.pool())
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing was pushed");
}

#[tokio::test]
async fn a_push_stops_when_the_servers_entry_is_not_this_laptops() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let a = Laptop::new().await;
    a.record("Refund", 3).await;
    let mut org = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    org.push(&a.store).await.expect("push");
    // Another laptop with a log of its own takes over this laptop's identity.
    let imposter = Laptop::new().await;
    imposter.record("Something else", 5).await;
    let files = chair_org::OrgFiles::beside(&a.db);
    let theirs = chair_org::OrgFiles::beside(&imposter.db);
    std::fs::copy(&files.key, &theirs.key).unwrap();
    std::fs::copy(&files.settings, &theirs.settings).unwrap();
    let mut other = imposter.org().await;
    match other.push(&imposter.store).await {
        Err(OrgError::Diverged(why)) => {
            assert!(
                why.contains("entry 4") && why.contains("not this laptop's"),
                "{why}"
            )
        }
        other => panic!("a different log at the server's head must stop the push, got {other:?}"),
    }
}

#[tokio::test]
async fn the_device_key_is_the_users_alone_and_one_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let Some(db) = cluster::database().await else {
        return;
    };
    let a = Laptop::new().await;
    let org = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    org.close().await;
    let files = chair_org::OrgFiles::beside(&a.db);
    for f in [&files.key, &files.settings] {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is readable by its user alone", f.display());
    }
    std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    match chair_org::Org::open(&a.db).await {
        Err(OrgError::Refused(why)) => assert!(why.contains("chmod 600"), "{why}"),
        other => panic!("a key others can read must be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_role_outside_chair_device_cannot_enrol_and_a_revoked_laptop_cannot_push() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let stranger = Laptop::new().await;
    match chair_org::enrol(
        &stranger.db,
        &db.url(cluster::STRANGER),
        "red",
        "Eve's laptop",
    )
    .await
    {
        Err(OrgError::Refused(why)) => assert!(why.contains("member of chair_device"), "{why}"),
        other => panic!("a role outside chair_device must be refused, got {other:?}"),
    }
    let a = Laptop::new().await;
    a.record("Refund", 2).await;
    let mut org = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    org.push(&a.store).await.expect("push");
    db.exec(&format!(
        "INSERT INTO org.device_revocations (device_id, reason) VALUES ('{}', 'Laptop stolen')",
        org.settings().device_id
    ))
    .await;
    a.record("After the theft", 1).await;
    match org.push(&a.store).await {
        Err(OrgError::Refused(why)) => assert!(why.contains("revoked"), "{why}"),
        other => panic!("a revoked laptop must be refused, got {other:?}"),
    }
    let log = org.read_log(None).await.unwrap();
    assert!(
        log.devices.iter().any(|d| d.revoked_at.is_some()),
        "the revocation shows"
    );
}
