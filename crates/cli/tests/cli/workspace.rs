use crate::support::{Db, stderr, stdout};

#[test]
fn demo_fills_an_empty_database_once() {
    let db = Db::new();
    let out = db.chair(&["demo"]);
    assert!(out.status.success(), "demo succeeds: {}", stderr(&out));
    assert!(stdout(&out).contains("3 personas"), "{}", stdout(&out));

    let status = db.chair(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status prints JSON");
    assert_eq!(v["personas"], 3);
    assert_eq!(v["meetings"], 1);
    assert!(v["complaints"].as_i64().unwrap() >= 200, "{v}");

    let again = db.chair(&["demo"]);
    assert!(!again.status.success(), "a second demo is refused");
    assert!(
        stderr(&again).contains("already holds data"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn the_database_can_be_named_by_environment_variable() {
    let db = Db::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chair"))
        .args(["status", "--json"])
        .env("EMPTY_CHAIR_DB", &db.path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["db_path"], db.path.display().to_string());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_its_name() {
    let db = Db::new();
    std::fs::write(&db.path, "not a database").unwrap();
    let out = db.chair(&["status"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("chair.db") && err.contains("not an Empty Chair database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&db.path).unwrap(),
        "not a database",
        "file left as it was"
    );
}

#[test]
fn demo_if_empty_leaves_a_database_with_data_alone() {
    let db = Db::new();
    assert!(db.chair(&["demo", "--if-empty"]).status.success());
    let out = db.chair(&["demo", "--if-empty"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = db.chair(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["meetings"], 1, "the demo was added once");
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let db = Db::new();
    assert!(db.chair(&["demo"]).status.success());
    // The reader goes away before `chair` writes anything, as `chair … | head -0` would.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chair"))
        .arg("--db")
        .arg(&db.path)
        .args(["relevant", "--limit", "50", "card fees"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("panicked"),
        "no panic on a closed pipe: {}",
        stderr(&out)
    );
}
