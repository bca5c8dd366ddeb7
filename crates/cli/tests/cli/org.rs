//! `chair org` against a throwaway PostgreSQL 15 cluster (the organisation crate's test cluster).

use crate::org_cluster::{self as cluster, LAPTOP_A};
use crate::support::{Db, decision_args, stderr, stdout};

#[tokio::test]
async fn the_org_commands_enrol_push_seal_verify_list_and_export() {
    let Some(server) = cluster::database().await else {
        return;
    };
    let laptop = Db::new();
    assert!(laptop.chair(&["demo"]).status.success());
    let args = decision_args("Answer every complaint about fees within a day");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(
        laptop.chair(&args).status.success(),
        "a decision is recorded"
    );

    let init = laptop.chair(&["org", "init", &server.url(cluster::SUPERUSER)]);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(
        stdout(&init).contains("already set up"),
        "{}",
        stdout(&init)
    );

    let url = server.url(LAPTOP_A);
    let enrol = laptop.chair(&[
        "org",
        "enrol",
        &url,
        "--team",
        "red",
        "--device",
        "Ana's laptop",
        "--json",
    ]);
    assert!(enrol.status.success(), "{}", stderr(&enrol));
    let enrolled: serde_json::Value = serde_json::from_slice(&enrol.stdout).unwrap();
    assert_eq!(enrolled["team"], "red");

    let push = laptop.chair(&["org", "push", "--json"]);
    assert!(push.status.success(), "{}", stderr(&push));
    let pushed: serde_json::Value = serde_json::from_slice(&push.stdout).unwrap();
    let n = pushed["pushed"].as_u64().unwrap();
    assert!(n >= 1, "{pushed}");
    let again = laptop.chair(&["org", "push"]);
    assert!(
        stdout(&again).contains("Nothing to push"),
        "{}",
        stdout(&again)
    );

    let seal = laptop.chair(&["org", "seal"]);
    assert!(
        seal.status.success() && stdout(&seal).contains("checkpoint"),
        "{}{}",
        stdout(&seal),
        stderr(&seal)
    );

    let verify = laptop.chair(&["org", "verify"]);
    assert!(
        verify.status.success(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
    assert!(
        stdout(&verify).starts_with(&format!(
            "Organisation log verified: {n} entries from 1 laptops"
        )),
        "{}",
        stdout(&verify)
    );

    let log = laptop.chair(&["org", "log", "--team", "red", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!(rows.len() as u64, n);
    assert!(stdout(&laptop.chair(&["org", "log"])).contains("Answer every complaint about fees"));
    let csv = laptop.chair(&["org", "export", "--format", "csv"]);
    assert!(
        stdout(&csv).starts_with("team,laptop,seq,"),
        "{}",
        stdout(&csv)
    );
    let md = laptop.chair(&["org", "export", "--format", "md"]);
    assert!(
        stdout(&md).starts_with("# Organisation decision log"),
        "{}",
        stdout(&md)
    );

    // A JSON export verifies on its own, and a change to it is named.
    let export = laptop.path.with_file_name("org.json");
    let export_s = export.to_str().unwrap();
    let out = laptop.chair(&["org", "export", "--format", "json", "--out", export_s]);
    assert!(out.status.success(), "{}", stderr(&out));
    let offline = laptop.chair(&["org", "verify", "--file", export_s]);
    assert!(offline.status.success(), "{}", stdout(&offline));
    let text = std::fs::read_to_string(&export).unwrap();
    std::fs::write(&export, text.replace("within a day", "within a year")).unwrap();
    let tampered = laptop.chair(&["org", "verify", "--file", export_s]);
    assert_eq!(tampered.status.code(), Some(3), "{}", stdout(&tampered));
    assert!(
        stdout(&tampered).contains("Ana's laptop") && stdout(&tampered).contains("entry"),
        "{}",
        stdout(&tampered)
    );

    // Changed on the server: verify exits 3 and names the laptop and the entry.
    server
        .exec(&format!(
            "ALTER TABLE org.entries DISABLE TRIGGER USER;
             UPDATE org.entries SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'within a day', 'within a week'), 'UTF8')
              WHERE device_id = '{}';",
            enrolled["device_id"].as_str().unwrap()
        ))
        .await;
    let broken = laptop.chair(&["org", "verify"]);
    assert_eq!(broken.status.code(), Some(3), "{}", stdout(&broken));
    assert!(
        stdout(&broken).contains("Ana's laptop") && stdout(&broken).contains(", entry "),
        "{}",
        stdout(&broken)
    );
}

#[test]
fn org_commands_on_a_laptop_that_is_not_enrolled_say_how_to_enrol() {
    let laptop = Db::new();
    let out = laptop.chair(&["org", "push"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("chair org enrol URL --team NAME --device NAME"),
        "{}",
        stderr(&out)
    );
}
