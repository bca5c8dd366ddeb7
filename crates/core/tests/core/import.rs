use chair_core::import::{self, Field, FieldColumn, Format, ImportOptions};

use crate::support::{defaults, fixture, import, write};

#[test]
fn the_cfpb_sample_imports_every_narrative_and_rejects_the_rest_with_a_reason() {
    let out = import(&fixture("data/cfpb-complaints-sample.csv"), &defaults()).unwrap();
    assert_eq!(
        out.complaints.len(),
        1532,
        "every row with a narrative becomes a complaint"
    );
    assert_eq!(
        out.rejections.len(),
        6623 - 1532,
        "every other row is rejected"
    );
    assert!(out.stopped.is_none(), "{:?}", out.stopped);
    assert!(
        out.rejections
            .iter()
            .all(|r| r.reason == "no text in \"Consumer complaint narrative\""),
        "{:?}",
        out.rejections
            .iter()
            .find(|r| !r.reason.starts_with("no text"))
    );
    assert_eq!(
        out.rejections[0].line, 2,
        "the first data row is on line 2, after the header"
    );
    let (line, first) = &out.complaints[0];
    assert_eq!(*line, 3, "the second row starts on line 3");
    assert_eq!(
        out.rejections[1].line, 5,
        "the second row spans two lines, so the third starts on line 5"
    );
    assert_eq!(first.source, "cfpb");
    assert!(first.external_id.is_some());
    assert!(
        !first.title.is_empty(),
        "the Issue column becomes the title"
    );
    assert!(
        out.complaints
            .iter()
            .all(|(_, c)| c.received_at.format("%Y").to_string().as_str() >= "2011")
    );
}

#[test]
fn explicit_mapping_wins_over_the_automatic_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.csv",
        b"id,subject,message,notes\n7,Card,The card broke,Real words here\n",
    );
    let mut opts = defaults();
    opts.mapping = vec![FieldColumn {
        field: Field::Body,
        column: Some("notes".into()),
    }];
    let out = import(&p, &opts).unwrap();
    assert_eq!(out.complaints[0].1.body, "Real words here");
    assert_eq!(out.complaints[0].1.external_id.as_deref(), Some("7"));
}

#[test]
fn a_mapping_to_a_missing_column_names_the_columns_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "t.csv", b"id,message\n1,hello\n");
    let mut opts = defaults();
    opts.mapping = vec![FieldColumn {
        field: Field::Body,
        column: Some("text".into()),
    }];
    let err = import(&p, &opts).unwrap_err().to_string();
    assert!(
        err.contains("no column \"text\"") && err.contains("\"message\""),
        "{err}"
    );
}

#[test]
fn a_file_without_a_text_column_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "t.csv", b"id,amount\n1,20\n");
    let err = import(&p, &defaults()).unwrap_err().to_string();
    assert!(
        err.contains("no column holds the complaint text") && err.contains("--map body="),
        "{err}"
    );
}

#[test]
fn unreadable_dates_are_rejected_with_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.csv",
        b"date,text\n2026-01-02,fine\nsoon,bad date\n,no date\n3/4/2026,us date\n",
    );
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 2);
    assert_eq!(out.rejections.len(), 2);
    assert_eq!(out.rejections[0].line, 3);
    assert_eq!(
        out.rejections[0].reason,
        "unreadable date \"soon\" in \"date\""
    );
    assert_eq!(out.rejections[1].reason, "no date in \"date\"");
    assert_eq!(
        out.complaints[1]
            .1
            .received_at
            .format("%Y-%m-%d")
            .to_string(),
        "2026-03-04"
    );
}

#[test]
fn a_file_without_dates_is_dated_at_import_time() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.csv",
        b"text,category\nWhere is my card?,card_arrival\n",
    );
    let plan = import::plan(&p, &defaults()).unwrap();
    assert!(plan.undated());
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(
        out.complaints[0]
            .1
            .received_at
            .format("%Y-%m-%d")
            .to_string(),
        "2026-11-22"
    );
}

#[test]
fn invalid_utf8_and_oversized_fields_reject_only_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"id,text\n1,good\n2,bad \xff\xfe bytes\n3,".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 1));
    bytes.extend_from_slice(b"\n4,also good\n");
    let p = write(&dir, "t.csv", &bytes);
    let out = import(&p, &defaults()).unwrap();
    let ids: Vec<_> = out
        .complaints
        .iter()
        .map(|(_, c)| c.external_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["1", "4"]);
    assert_eq!(out.rejections[0].reason, "invalid UTF-8 in \"text\"");
    assert_eq!(out.rejections[0].line, 3);
    assert!(
        out.rejections[1].reason.contains("over 1 MB"),
        "{:?}",
        out.rejections[1]
    );
}

#[test]
fn personal_data_is_redacted_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.csv",
        b"text\nMail me at ann@example.com or call 07700 900123\n",
    );
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(
        out.complaints[0].1.body,
        "Mail me at [email] or call [phone]"
    );
    let mut opts = defaults();
    opts.redact = false;
    let out = import(&p, &opts).unwrap();
    assert!(out.complaints[0].1.body.contains("ann@example.com"));
}

#[test]
fn json_arrays_wrapped_lists_and_nested_fields_import() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "z.json",
        br#"{"count": 2, "tickets": [
            {"id": 11, "subject": "Late card", "description": "<p>Card is <b>late</b></p>", "created_at": "2026-01-02T10:00:00Z", "via": {"channel": "email"}, "tags": ["card", "delivery"], "requester_id": 5},
            {"id": 12, "subject": "x", "description": "", "created_at": "2026-01-03T10:00:00Z", "via": {"channel": "web"}, "requester_id": 6},
            "not an object"
        ]}"#,
    );
    let plan = import::plan(&p, &defaults()).unwrap();
    assert_eq!(plan.format, Format::Json);
    assert_eq!(plan.source, "zendesk");
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 1);
    let c = &out.complaints[0].1;
    assert_eq!(c.body, "Card is late", "HTML bodies become text");
    assert_eq!(c.channel, "email");
    assert_eq!(c.tags, ["card", "delivery"]);
    assert_eq!(out.rejections.len(), 2);
    assert!(out.rejections[1].reason.contains("not a JSON object"));
}

#[test]
fn json_lines_reject_broken_lines_and_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.jsonl",
        b"{\"text\": \"one\"}\n\n{\"text\": broken}\n[1,2]\n{\"text\": \"four\"}\n",
    );
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 2);
    assert_eq!(out.complaints[1].0, 5, "line numbers count blank lines");
    assert_eq!(out.rejections.len(), 2);
    assert_eq!(out.rejections[0].line, 3);
    assert!(
        out.rejections[0].reason.starts_with("not valid JSON"),
        "{:?}",
        out.rejections[0]
    );
}

#[test]
fn a_truncated_json_array_keeps_what_was_read_and_says_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.json",
        b"[{\"text\": \"one\"},\n{\"text\": \"two\"},\n{\"text\": \"thr",
    );
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 2);
    let stop = out.stopped.unwrap();
    assert!(
        stop.contains("line 3") && stop.contains("not read"),
        "{stop}"
    );
}

#[test]
fn mbox_messages_keep_subject_body_and_sender_domain_without_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = b"From ann@shop.example Mon Jan  5 10:00:00 2026\n\
Message-ID: <a1@shop.example>\nFrom: Ann <ann@shop.example>\nDate: Mon, 5 Jan 2026 10:00:00 +0000\nSubject: Payout late again\n\n\
Our payout is three days late. Reply to ann@shop.example.\n>From the bank's last letter: soon\n\n\
> earlier quoted text\n\
From bob@mail.example Tue Jan  6 10:00:00 2026\n\
From: bob@mail.example\nDate: Tue, 6 Jan 2026 11:00:00 +0000\nSubject: App crash\n\nThe app crashes at login.\n";
    let p = write(&dir, "inbox.mbox", mbox);
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 2, "{:?}", out.rejections);
    let (line, a) = &out.complaints[0];
    assert_eq!(*line, 1);
    assert_eq!(a.title, "Payout late again");
    assert_eq!(a.segment, "shop.example");
    assert_eq!(a.source, "email");
    assert!(
        a.body.contains("[email]") && !a.body.contains("ann@"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("From the bank's last letter"),
        ">From is unquoted: {}",
        a.body
    );
    assert!(
        !a.body.contains("earlier quoted text"),
        "quoted replies are dropped"
    );
    assert_eq!(out.complaints[1].0, 11);
    assert_eq!(
        out.complaints[1]
            .1
            .received_at
            .format("%Y-%m-%d %H")
            .to_string(),
        "2026-01-06 11"
    );
}

#[test]
fn a_folder_of_eml_files_imports_each_and_names_the_file_of_a_rejection() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.eml"), b"From: c@d.example\nSubject: Fees\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\nToo many fees.\n").unwrap();
    std::fs::write(
        dir.path().join("b.eml"),
        b"From: c@d.example\nSubject: Empty\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
    let out = import(dir.path(), &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 1);
    assert_eq!(out.rejections.len(), 1);
    assert_eq!(out.rejections[0].file.as_deref(), Some("b.eml"));
}

#[test]
fn files_that_are_not_what_they_claim_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = write(&dir, "x.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0");
    assert!(
        import(&png, &defaults())
            .unwrap_err()
            .to_string()
            .contains("not a text file")
    );
    let csv = write(&dir, "y.json", b"id,text\n1,hello\n");
    let opts = ImportOptions {
        format: Some(Format::Json),
        ..ImportOptions::default()
    };
    let err = import(&csv, &opts).unwrap_err().to_string();
    assert!(err.contains("does not look like JSON"), "{err}");
    let missing = dir.path().join("missing.csv");
    assert!(
        import(&missing, &defaults())
            .unwrap_err()
            .to_string()
            .contains("cannot read")
    );
}

#[test]
fn an_unclosed_quote_stops_the_file_with_its_line_instead_of_eating_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"id,text\n1,fine\n2,\"never closed ".to_vec();
    bytes.extend(std::iter::repeat_n(b'y', 65 * 1024 * 1024));
    let p = write(&dir, "q.csv", &bytes);
    let out = import(&p, &defaults()).unwrap();
    assert_eq!(out.complaints.len(), 1);
    let stop = out.stopped.unwrap();
    assert!(
        stop.contains("line 3") && stop.contains("never closed"),
        "{stop}"
    );
}

#[test]
fn the_preview_shows_columns_mapping_and_first_rows() {
    let p = fixture("data/cfpb-complaints-sample.csv");
    let preview = import::preview(&p, &defaults(), 5).unwrap();
    assert_eq!(preview.columns.len(), 18);
    assert_eq!(preview.rows.len(), 5);
    assert_eq!(preview.rows[0].len(), 18);
    let body = preview
        .mapping
        .iter()
        .find(|m| m.field == Field::Body)
        .unwrap();
    assert_eq!(body.column.as_deref(), Some("Consumer complaint narrative"));
}
