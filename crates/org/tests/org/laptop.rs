//! A laptop: its own SQLite database with a meeting, decisions recorded in it, and its
//! organisation files beside the database.

use std::path::PathBuf;

use chair_core::Valid;
use chair_core::decision::{DecisionDraft, Direction, Size, Stance};
use chair_core::meeting::{AgendaItemDraft, MeetingDraft};
use chair_org::Org;
use chair_store::Store;
use tempfile::TempDir;
use uuid::Uuid;

pub struct Laptop {
    pub store: Store,
    pub db: PathBuf,
    meeting: Uuid,
    item: Uuid,
    _dir: TempDir,
}

impl Laptop {
    /// A laptop with one meeting and no decisions yet.
    pub async fn new() -> Laptop {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("empty-chair.db");
        let store = Store::open(&db).await.expect("a new database opens");
        let meeting = store
            .create_meeting(
                &Valid::parse(MeetingDraft {
                    title: "Product council".into(),
                    items: vec![AgendaItemDraft {
                        title: "Overdraft fees".into(),
                        timebox_minutes: 15,
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .expect("a valid meeting"),
            )
            .await
            .expect("the meeting is saved");
        let item = store.meeting(meeting).await.expect("the meeting").items[0].id;
        Laptop {
            store,
            db,
            meeting,
            item,
            _dir: dir,
        }
    }

    fn draft(&self, statement: &str) -> Valid<DecisionDraft> {
        Valid::parse(DecisionDraft {
            meeting_id: self.meeting,
            agenda_item_id: Some(self.item),
            statement: statement.into(),
            decided_by: "Hannah K.".into(),
            direction: Direction::Helps,
            size: Size::Medium,
            impact: "Customers paid a day late stop losing £25 to a fee".into(),
            personas: vec![],
            evidence: vec![],
            no_evidence: true,
            stance: Stance::Agrees,
            advocate_note: String::new(),
            follow_ups: vec![],
            on_screen: vec![],
        })
        .expect("a valid decision")
    }

    /// Records `n` decisions ("<prefix> 1" …), and supersedes the first of them when `n` > 2,
    /// so the log holds a closing entry too.
    pub async fn record(&self, prefix: &str, n: usize) {
        let drafts: Vec<_> = (1..=n)
            .map(|i| self.draft(&format!("{prefix} {i}")))
            .collect();
        let done = self
            .store
            .record_decisions(&drafts, chrono::Utc::now())
            .await
            .expect("decisions are recorded");
        if n > 2 {
            self.store
                .supersede_decision(
                    done[0].seq,
                    "Two days is what we can do",
                    &self.draft(&format!("{prefix} 1, corrected")),
                    chrono::Utc::now(),
                )
                .await
                .expect("the supersession is recorded");
        }
    }

    /// A second laptop that starts from a copy of this one's database (restored from a backup,
    /// say): the same meeting and the same early entries, under the same ids.
    pub async fn copy_of(&self) -> Laptop {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = dir.path().join("empty-chair.db");
        self.store
            .backup("copy", Some(&db))
            .await
            .expect("the database is copied");
        let store = Store::open(&db).await.expect("the copy opens");
        Laptop {
            store,
            db,
            meeting: self.meeting,
            item: self.item,
            _dir: dir,
        }
    }

    /// Supersedes entry `seq` with a decision stating `statement`.
    pub async fn supersede(&self, seq: i64, statement: &str) -> i64 {
        self.store
            .supersede_decision(
                seq,
                "Agreed otherwise",
                &self.draft(statement),
                chrono::Utc::now(),
            )
            .await
            .expect("the supersession is recorded")
            .seq
    }

    /// Revokes entry `seq`.
    pub async fn revoke(&self, seq: i64) -> i64 {
        self.store
            .revoke_decision(seq, "Settled with the other laptop", "", chrono::Utc::now())
            .await
            .expect("the revocation is recorded")
            .seq
    }

    /// How many entries the laptop's own log holds.
    pub async fn entries(&self) -> i64 {
        self.store.log_head().await.expect("the log's head").entries
    }

    /// Enrols this laptop at `url` and opens its organisation log.
    pub async fn enrol(&self, url: &str, team: &str, name: &str) -> Org {
        chair_org::enrol(&self.db, url, team, name)
            .await
            .unwrap_or_else(|e| panic!("enrolling {name}: {e}"));
        self.org().await
    }

    /// This laptop's organisation log.
    pub async fn org(&self) -> Org {
        Org::open(&self.db)
            .await
            .expect("the organisation log opens")
    }
}

/// Two laptops on teams "red" (3 entries, Ana's, as `LAPTOP_A`) and "blue" (2 entries, Bo's,
/// as `LAPTOP_B`), both enrolled and pushed.
pub async fn red_and_blue_pushed(db: &crate::cluster::TestDb) -> (Laptop, Org, Laptop, Org) {
    use crate::cluster::{LAPTOP_A, LAPTOP_B};
    let (a, b) = (Laptop::new().await, Laptop::new().await);
    a.record("Red decision", 3).await;
    b.record("Blue decision", 2).await;
    let mut org_a = a.enrol(&db.url(LAPTOP_A), "red", "Ana's laptop").await;
    let mut org_b = b.enrol(&db.url(LAPTOP_B), "blue", "Bo's laptop").await;
    org_a.push(&a.store).await.expect("red pushes");
    org_b.push(&b.store).await.expect("blue pushes");
    (a, org_a, b, org_b)
}
