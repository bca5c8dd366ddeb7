use chair_org::OrgError;

use crate::cluster::{self, AUDITOR};
use crate::laptop::Laptop;

#[tokio::test]
async fn a_leader_pulls_only_what_is_new_and_is_told_when_the_server_changed_what_was_pulled() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let (a, mut org_a, _b, mut org_b) = crate::laptop::red_and_blue_pushed(&db).await;
    org_b.seal().await.unwrap();
    let leader_laptop = Laptop::new().await;
    let mut leader = leader_laptop
        .enrol(&db.url(AUDITOR), "audit", "Lea's laptop")
        .await;
    let first = leader.pull().await.expect("the first pull");
    assert_eq!(
        (first.new_entries, first.entries, first.leaves),
        (6, 6, 6),
        "{first:?}"
    );
    a.record("Later", 1).await;
    org_a.push(&a.store).await.unwrap();
    let second = leader.pull().await.expect("the second pull");
    assert_eq!(
        (second.new_entries, second.entries),
        (1, 7),
        "only the new entry: {second:?}"
    );
    let copy =
        std::fs::read_to_string(chair_org::OrgFiles::beside(&leader_laptop.db).pulled).unwrap();
    assert_eq!(
        copy.lines().filter(|l| l.starts_with("{\"entry\"")).count(),
        7
    );
    db.exec(&format!(
        "ALTER TABLE org.entries DISABLE TRIGGER USER;
         UPDATE org.entries SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'Red decision 2', 'Red decision 9'), 'UTF8')
          WHERE device_id = '{0}' AND seq = 2;",
        org_a.settings().device_id
    ))
    .await;
    match leader.pull().await {
        Err(OrgError::Diverged(why)) => {
            assert!(
                why.contains("Ana's laptop") && why.contains("entry 2"),
                "{why}"
            )
        }
        other => panic!("a changed entry must stop the pull, got {other:?}"),
    }
    let after =
        std::fs::read_to_string(chair_org::OrgFiles::beside(&leader_laptop.db).pulled).unwrap();
    assert_eq!(after, copy, "the local copy is left as it was");
}
