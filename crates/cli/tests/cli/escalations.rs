use crate::support::{Db, demo_meeting, stderr, stdout};

#[test]
fn escalations_list_says_when_there_are_none_and_in_json_is_an_empty_list() {
    let db = Db::new();
    let out = db.chair(&["escalations", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "No escalations.");
    let open = db.chair(&["escalations", "list", "--open", "--json"]);
    assert!(open.status.success(), "{}", stderr(&open));
    assert_eq!(stdout(&open).trim(), "[]");
}

#[test]
fn answering_needs_enough_of_an_id_to_find_one() {
    let db = Db::new();
    let short = db.chair(&["escalations", "answer", "01", "found it"]);
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("at least 6 characters"),
        "{}",
        stderr(&short)
    );
    let unknown = db.chair(&["escalations", "answer", "0123456789", "found it"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no escalation"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_meeting_that_has_not_closed_has_no_minutes_yet() {
    let db = Db::new();
    assert!(db.chair(&["demo"]).status.success());
    let out = db.chair(&["meetings", "minutes", &demo_meeting()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("written when it closes"),
        "{}",
        stderr(&out)
    );
}
