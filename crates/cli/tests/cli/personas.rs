use crate::support::{Db, stderr, stdout};

#[test]
fn an_added_persona_is_listed() {
    let db = Db::new();
    let out = db.chair(&[
        "personas",
        "add",
        "--name",
        "Maya Okafor",
        "--segment",
        "small-business",
        "--goal",
        "Paid the same day",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = db.chair(&["personas", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(v[0]["name"], "Maya Okafor");
    assert_eq!(v[0]["goals"][0], "Paid the same day");
    let text = stdout(&db.chair(&["personas", "list"]));
    assert!(text.contains("Maya Okafor"), "{text}");
}

#[test]
fn a_persona_without_a_name_is_refused_with_the_field() {
    let db = Db::new();
    let out = db.chair(&["personas", "add", "--name", "   "]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("name: required"), "{}", stderr(&out));
}
