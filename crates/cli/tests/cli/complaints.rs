use std::path::PathBuf;

use crate::support::{Db, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/data")
        .join(name)
}

#[test]
fn importing_the_cfpb_sample_as_shipped_then_again_adds_nothing() {
    let db = Db::new();
    let file = fixture("cfpb-complaints-sample.csv");
    let out = db.chair(&["import", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["imported"], 1532);
    assert_eq!(v["rejected"], 5091);
    assert_eq!(v["rows_read"], 6623);
    assert_eq!(
        v["rejections"].as_array().unwrap().len(),
        5091,
        "--json lists every rejected row"
    );
    assert_eq!(v["rejections"][0]["line"], 2);
    assert_eq!(
        v["rejections"][0]["reason"],
        "no text in \"Consumer complaint narrative\""
    );

    let again = db.chair(&["import", file.to_str().unwrap()]);
    assert!(again.status.success());
    let text = stdout(&again);
    assert!(
        text.contains("imported    0") && text.contains("duplicates  1532"),
        "{text}"
    );
}

#[test]
fn an_unreadable_file_fails_with_a_clear_message_and_writes_nothing() {
    let db = Db::new();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("scan.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    let out = db.chair(&["import", png.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a text file"), "{}", stderr(&out));
    let status: serde_json::Value =
        serde_json::from_slice(&db.chair(&["status", "--json"]).stdout).unwrap();
    assert_eq!(status["complaints"], 0);
}

#[test]
fn map_names_the_columns_and_bad_fields_are_refused() {
    let db = Db::new();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(&f, "ref,notes,when\nA1,Card blocked abroad,2026-01-02\n").unwrap();
    let out = db.chair(&[
        "import",
        f.to_str().unwrap(),
        "--map",
        "body=notes",
        "--map",
        "external_id=ref",
        "--map",
        "received_at=when",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bad = db.chair(&["import", f.to_str().unwrap(), "--map", "bodyy=notes"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("unknown field \"bodyy\""),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn relevant_prints_json_best_first_with_the_documented_fields() {
    let db = Db::new();
    assert!(db.chair(&["demo"]).status.success());
    let out = db.chair(&[
        "relevant",
        "--limit",
        "5",
        "--json",
        "Cards not arriving. Customers wait weeks for a new card.",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 5);
    for key in [
        "id",
        "external_id",
        "received_at",
        "score",
        "excerpt",
        "why",
        "duplicates",
    ] {
        assert!(items[0].get(key).is_some(), "field {key} in {}", items[0]);
    }
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    let persona = db.chair(&[
        "relevant",
        "--persona",
        "Maya Okafor",
        "--as-of",
        "2026-11-01",
        "--json",
        "Payouts",
    ]);
    assert!(persona.status.success(), "{}", stderr(&persona));
    let unknown = db.chair(&["relevant", "--persona", "Nobody", "Payouts"]);
    assert!(
        stderr(&unknown).contains("no persona named"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_thesaurus_group_widens_relevant_and_can_be_removed() {
    let db = Db::new();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(
        &f,
        "id,text\n1,The takings from Saturday never reached my account\n",
    )
    .unwrap();
    assert!(db.chair(&["import", f.to_str().unwrap()]).status.success());
    let before: serde_json::Value = serde_json::from_slice(
        &db.chair(&["relevant", "--json", "Settlement delays"])
            .stdout,
    )
    .unwrap();
    assert_eq!(before.as_array().unwrap().len(), 0);
    let add = db.chair(&["thesaurus", "add", "settlement", "takings"]);
    assert!(add.status.success(), "{}", stderr(&add));
    let after: serde_json::Value = serde_json::from_slice(
        &db.chair(&["relevant", "--json", "Settlement delays"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        after.as_array().unwrap().len(),
        1,
        "the user's word finds the complaint"
    );
    assert!(stdout(&db.chair(&["thesaurus", "list"])).contains("settlement: takings"));
    assert!(
        db.chair(&["thesaurus", "remove", "settlement"])
            .status
            .success()
    );
    let gone = db.chair(&["thesaurus", "remove", "settlement"]);
    assert!(
        !gone.status.success() && stderr(&gone).contains("no entry"),
        "{}",
        stderr(&gone)
    );
}

#[test]
fn a_long_import_reports_progress_in_plain_lines_off_a_terminal_and_never_with_json() {
    let db = Db::new();
    let file = fixture("cfpb-complaints-sample.csv");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_chair"))
            .arg("--db")
            .arg(&db.path)
            .args(args)
            .env_remove("EMPTY_CHAIR_DB")
            .env("CHAIR_PROGRESS_EVERY_MS", "0")
            .output()
            .expect("chair runs")
    };
    let plain = run(&["import", file.to_str().unwrap()]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let said = stderr(&plain);
    assert!(
        said.lines()
            .any(|l| l.starts_with("importing ") && l.contains(" %, ") && l.contains("rows read")),
        "a plain progress line on standard error: {said:?}"
    );
    assert!(
        !said.contains('\r') && !said.contains('\u{1b}'),
        "no terminal controls in a log: {said:?}"
    );
    assert!(
        stdout(&plain).contains("imported"),
        "the summary is still printed"
    );

    let json = run(&["import", file.to_str().unwrap(), "--json"]);
    assert!(json.status.success());
    assert_eq!(stderr(&json), "", "--json adds nothing on standard error");
}
