use crate::support::{Db, stderr, stdout};

fn add(db: &Db, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "decision",
        "add",
        "--meeting",
        "Pricing review",
        "--item",
        "Monthly fee",
        "--statement",
        "Drop the monthly fee for students",
        "--impact",
        "helps",
        "--size",
        "medium",
        "--impact-text",
        "Students stop paying five pounds a month for nothing",
    ];
    args.extend_from_slice(extra);
    db.chair(&args)
}

#[test]
fn a_refused_decision_writes_nothing_not_even_its_meeting() {
    let db = Db::new();
    let out = db.chair(&[
        "decision",
        "add",
        "--meeting",
        "Pricing review",
        "--item",
        "Monthly fee",
        "--statement",
        "Drop it",
        "--impact",
        "helps",
        "--size",
        "small",
        "--impact-text",
        "tbd",
        "--no-evidence",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a statement of customer impact"),
        "{}",
        stderr(&out)
    );
    let unknown = db.chair(&[
        "decision",
        "add",
        "--meeting",
        "Pricing review",
        "--item",
        "Monthly fee",
        "--statement",
        "Drop it",
        "--impact",
        "unknown",
        "--size",
        "small",
        "--impact-text",
        "We cannot tell yet how students react",
        "--no-evidence",
    ]);
    assert!(
        stderr(&unknown).contains("who will find out"),
        "{}",
        stderr(&unknown)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&db.chair(&["status", "--json"]).stdout).unwrap();
    assert_eq!(
        (status["meetings"].as_i64(), status["decisions"].as_i64()),
        (Some(0), Some(0)),
        "{status}"
    );
}

#[test]
fn add_creates_the_meeting_and_item_and_prints_sequence_and_hash() {
    let db = Db::new();
    let out = add(
        &db,
        &[
            "--no-evidence",
            "--advocate",
            "objects",
            "--advocate-note",
            "They would rather have a cheaper overdraft",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["seq"], 1);
    assert_eq!(v["hash"].as_str().unwrap().len(), 64);
    let second = add(
        &db,
        &[
            "--no-evidence",
            "--follow-up",
            "Ask the student union;Priya N.;2027-02-01",
        ],
    );
    assert!(
        stdout(&second).contains("entry 2, hash "),
        "{}",
        stdout(&second)
    );
    let meetings = stdout(&db.chair(&["meetings", "show", "Pricing review"]));
    assert!(meetings.contains("Monthly fee"), "{meetings}");
    let bad_date = add(
        &db,
        &["--no-evidence", "--follow-up", "Ask;Priya;next week"],
    );
    assert!(
        stderr(&bad_date).contains("not YYYY-MM-DD"),
        "{}",
        stderr(&bad_date)
    );
}

#[test]
fn an_exported_log_verifies_without_the_database_and_tampering_is_named() {
    let db = Db::new();
    for _ in 0..3 {
        assert!(add(&db, &["--no-evidence"]).status.success());
    }
    let revoke = db.chair(&[
        "decision",
        "revoke",
        "2",
        "--reason",
        "Replaced by the new student plan",
    ]);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    let verify = db.chair(&["log", "verify"]);
    assert!(
        verify.status.success() && stdout(&verify).starts_with("intact: 4 entries, head "),
        "{}",
        stdout(&verify)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.json");
    let export = db.chair(&[
        "log",
        "export",
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    // No database is named here at all.
    let alone = std::process::Command::new(env!("CARGO_BIN_EXE_chair"))
        .args(["log", "verify", "--file", file.to_str().unwrap()])
        .env_remove("EMPTY_CHAIR_DB")
        .output()
        .unwrap();
    assert!(alone.status.success(), "{}", stderr(&alone));
    assert!(
        stdout(&alone).starts_with("intact: 4 entries"),
        "{}",
        stdout(&alone)
    );

    let text =
        std::fs::read_to_string(&file)
            .unwrap()
            .replacen("Students stop", "Students start", 1);
    std::fs::write(&file, text).unwrap();
    let tampered = db.chair(&["log", "verify", "--file", file.to_str().unwrap()]);
    assert_eq!(
        tampered.status.code(),
        Some(3),
        "exit status says it is not intact"
    );
    assert!(
        stdout(&tampered).contains("broken at entry 1"),
        "{}",
        stdout(&tampered)
    );

    for format in ["csv", "md"] {
        let out = db.chair(&["log", "export", "--format", format]);
        assert!(
            out.status.success() && stdout(&out).contains("Drop the monthly fee"),
            "{format}"
        );
    }
}
