//! A push killed at random moments (SIGKILL) and then resumed leaves exactly the laptop's
//! entries on the server, each once. `CHAIR_ORG_KILL_ROUNDS` sets the number of kills
//! (`make soak` runs many); `CHAIR_SEED` replays a run.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cluster::{self, LAPTOP_A};
use crate::laptop::Laptop;

const CHILD_DB: &str = "CHAIR_ORG_CHILD_DB";

/// In the child process only: pushes the laptop whose database `CHAIR_ORG_CHILD_DB` names.
#[tokio::test]
async fn child_push_for_the_kill_test() {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let store = chair_store::Store::open(std::path::Path::new(&db))
        .await
        .unwrap();
    let mut org = chair_org::Org::open(std::path::Path::new(&db))
        .await
        .unwrap();
    org.push(&store).await.unwrap();
}

#[tokio::test]
async fn a_push_killed_at_random_points_then_resumed_leaves_exactly_the_right_entries() {
    let Some(db) = cluster::database().await else {
        return;
    };
    let rounds: usize = std::env::var("CHAIR_ORG_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let seed: u64 = std::env::var("CHAIR_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("kill test: {rounds} rounds, CHAIR_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let laptop = Laptop::new().await;
    let mut org = laptop.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let me = std::env::current_exe().unwrap();
    let mut killed_mid_push = 0;
    // Kills land within a few times the length of the last resumed push, which grows with the log.
    let mut window_ms: u64 = 1_000;
    for round in 0..rounds {
        laptop
            .record(&format!("Round {round} decision"), 1_000)
            .await;
        let mut child = Command::new(&me)
            .args([
                "--exact",
                "soak::child_push_for_the_kill_test",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &laptop.db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(0..window_ms)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM org.entries")
            .fetch_one(org.pool())
            .await
            .unwrap();
        if !status.success() && before > 0 && before < laptop.entries().await {
            killed_mid_push += 1;
        }
        let started = std::time::Instant::now();
        let pushed = org.push(&laptop.store).await.expect("the push resumes");
        window_ms = (3 * started.elapsed().as_millis() as u64).max(1_000);
        assert_eq!(
            pushed.head,
            laptop.entries().await,
            "round {round}: everything is there"
        );
        // A killed push's last statement may still commit on the server after the kill.
        assert!(
            pushed.already_there >= before,
            "round {round}: the push resumed from the server's head ({} < {before})",
            pushed.already_there
        );
        let log = org.read_log(None).await.unwrap();
        let seqs: Vec<i64> = log.entries.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=laptop.entries().await).collect::<Vec<_>>(),
            "round {round}: each entry once, none missing"
        );
        if round % 2 == 1 {
            org.seal().await.expect("seal");
        }
    }
    org.seal().await.expect("seal");
    let report = org.verify().await.unwrap();
    assert!(report.intact, "{}", report.summary());
    eprintln!("kill test: {killed_mid_push} of {rounds} kills landed in the middle of a push");
}
