use chair_core::relevance::{ItemText, Mark, Params, RelevantComplaint, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;
use chrono::{TimeZone, Utc};

use crate::support::{fresh_store, import};

/// An agenda item about overdraft fees, as the demo workspace has complaints about.
fn overdraft_item() -> ItemText {
    ItemText {
        title: "Overdraft grace period".into(),
        description: "Customers charged a fee when their salary is late".into(),
        ..Default::default()
    }
}

fn request(limit: u32) -> RelevantRequest {
    RelevantRequest {
        limit,
        as_of: None,
        include_dismissed: false,
    }
}

#[tokio::test]
async fn an_agenda_item_finds_the_complaints_about_it_with_why() {
    let (store, _dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let item = overdraft_item();
    let results = ranked(&store, &item, 10).await;
    assert_eq!(results.len(), 10);
    for r in &results[..5] {
        let text = format!(
            "{} {} {:?}",
            r.complaint.title, r.complaint.body, r.complaint.tags
        )
        .to_lowercase();
        assert!(
            ["overdraft", "overdrawn", "charged", "fee"]
                .iter()
                .any(|w| text.contains(w)),
            "top results are about overdraft charges: {text}"
        );
        assert!(!r.why.is_empty(), "each result says why");
        assert!(
            r.excerpt.iter().any(|s| s.hit),
            "the excerpt marks what matched"
        );
    }
    assert!(
        results.windows(2).all(|w| w[0].score >= w[1].score),
        "best first"
    );
}

#[tokio::test]
async fn pins_stay_on_top_and_dismissals_stay_away_for_that_item_only() {
    let (store, _dir) = fresh_store().await;
    let demo = store.create_demo(Utc::now()).await.unwrap();
    let meeting = store.meeting(demo.meeting_id).await.unwrap();
    let (first, second) = (meeting.items[0].id, meeting.items[1].id);
    let before = store.relevant_for_item(first, &request(10)).await.unwrap();
    let (pin, dismiss) = (before[5].complaint.id, before[0].complaint.id);
    store
        .mark_complaint(first, pin, Some(Mark::Pinned))
        .await
        .unwrap();
    store
        .mark_complaint(first, dismiss, Some(Mark::Dismissed))
        .await
        .unwrap();

    let after = store.relevant_for_item(first, &request(10)).await.unwrap();
    assert_eq!(after[0].complaint.id, pin, "the pinned complaint leads");
    assert_eq!(after[0].mark, Some(Mark::Pinned));
    assert!(
        after.iter().all(|r| r.complaint.id != dismiss),
        "the dismissed one is gone"
    );
    let with_dismissed = store
        .relevant_for_item(
            first,
            &RelevantRequest {
                include_dismissed: true,
                ..request(50)
            },
        )
        .await
        .unwrap();
    assert!(
        with_dismissed
            .iter()
            .any(|r| r.complaint.id == dismiss && r.mark == Some(Mark::Dismissed))
    );

    let other = store.relevant_for_item(second, &request(50)).await.unwrap();
    assert!(
        other.iter().all(|r| r.mark.is_none()),
        "marks belong to their agenda item"
    );

    store.mark_complaint(first, dismiss, None).await.unwrap();
    let undone = store.relevant_for_item(first, &request(10)).await.unwrap();
    assert!(
        undone.iter().any(|r| r.complaint.id == dismiss),
        "clearing a dismissal brings it back"
    );
}

#[tokio::test]
async fn user_thesaurus_entries_widen_queries() {
    let (store, _dir) = store_with_csv(
        "id,text\n1,The takings from Saturday never reached my account\n2,Unrelated words about lunch\n",
    )
    .await;
    let item = ItemText {
        title: "Merchant settlements".into(),
        ..Default::default()
    };
    let none = ranked(&store, &item, 5).await;
    assert!(none.is_empty(), "no word in common yet: {none:?}");
    store
        .set_thesaurus_entry("settlement", &["takings".into()])
        .await
        .unwrap();
    let found = ranked(&store, &item, 5).await;
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .why
            .iter()
            .any(|w| w.contains("takings (your synonym for settlements)")),
        "{:?}",
        found[0].why
    );
    store.remove_thesaurus_entry("settlement").await.unwrap();
    assert!(store.thesaurus_entries().await.unwrap().is_empty());
}

/// Five near-identical complaints about declined card payments and one other.
fn copies_csv() -> String {
    let mut csv = String::from("id,text\n");
    for i in 0..5 {
        csv.push_str(&format!("{i},My card payment was declined at the supermarket again today, please fix this number {i}\n"));
    }
    csv.push_str(
        "9,My card was declined at a petrol station abroad and nobody could explain why\n",
    );
    csv
}

fn declined_payments() -> ItemText {
    ItemText {
        title: "Declined card payments".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn near_duplicates_are_grouped_and_counted() {
    let (store, _dir) = store_with_csv(&copies_csv()).await;
    let results = ranked(&store, &declined_payments(), 10).await;
    assert_eq!(
        results.len(),
        2,
        "five near-identical complaints show once: {results:#?}"
    );
    let group = results.iter().find(|r| r.duplicates > 0).expect("a group");
    assert_eq!(group.duplicates, 4, "it stands for four others");
    assert_eq!(group.duplicate_ids.len(), 4);
}

#[tokio::test]
async fn dismissing_a_group_dismisses_its_near_duplicates_too() {
    let (store, _dir) = store_with_csv(&copies_csv()).await;
    let item = declined_payments();
    let group = ranked(&store, &item, 10)
        .await
        .into_iter()
        .find(|r| r.duplicates > 0)
        .expect("a group");
    let marks = [(group.complaint.id, Mark::Dismissed)];
    let rank = |include_dismissed| {
        let store = &store;
        let item = &item;
        async move {
            store
                .relevant(
                    item,
                    &PersonaHints::default(),
                    &marks,
                    &RelevantRequest {
                        include_dismissed,
                        ..request(10)
                    },
                    &Params::default(),
                )
                .await
                .unwrap()
        }
    };
    let after = rank(false).await;
    assert_eq!(
        after.len(),
        1,
        "no copy steps up to lead the group: {after:#?}"
    );
    assert_eq!(after[0].duplicates, 0);
    let shown = rank(true).await;
    let again = shown
        .iter()
        .find(|r| r.complaint.id == group.complaint.id)
        .expect("shown when dismissed ones are asked for");
    assert_eq!(again.mark, Some(Mark::Dismissed));
    assert_eq!(again.duplicates, 4);
}

/// The top `limit` complaints for `item`, with the default ranking, no persona and no marks.
async fn ranked(store: &Store, item: &ItemText, limit: u32) -> Vec<RelevantComplaint> {
    store
        .relevant(
            item,
            &PersonaHints::default(),
            &[],
            &request(limit),
            &Params::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("ranking {:?}: {e}", item.title))
}

/// The top 10 complaints for `item` as of one fixed day, so that only what the store reads
/// can differ between two calls.
async fn ranked_on_a_fixed_day(store: &Store, item: &ItemText) -> Vec<RelevantComplaint> {
    let request = RelevantRequest {
        as_of: Some(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()),
        ..request(10)
    };
    store
        .relevant(
            item,
            &PersonaHints::default(),
            &[],
            &request,
            &Params::default(),
        )
        .await
        .unwrap()
}

/// Imports `csv` into `store` from a file named `name` in `dir`.
async fn import_csv(store: &Store, dir: &tempfile::TempDir, name: &str, csv: &str) {
    let p = dir.path().join(name);
    std::fs::write(&p, csv).unwrap();
    import(store, &p).await;
}

/// A fresh store holding the complaints of `csv`.
async fn store_with_csv(csv: &str) -> (Store, tempfile::TempDir) {
    let (store, dir) = fresh_store().await;
    import_csv(&store, &dir, "complaints.csv", csv).await;
    (store, dir)
}

/// The ranking for an item titled `title` over a fresh store holding `csv`.
async fn rank_csv(csv: &str, title: &str, params: &Params) -> Vec<RelevantComplaint> {
    let (store, _dir) = store_with_csv(csv).await;
    let item = ItemText {
        title: title.into(),
        ..Default::default()
    };
    store
        .relevant(&item, &PersonaHints::default(), &[], &request(10), params)
        .await
        .unwrap()
}

#[tokio::test]
async fn newer_complaints_rank_first_among_equals() {
    let csv = "id,date,text\n1,2026-01-01,Refund still missing after return\n2,2026-06-01,Refund still missing after the return\n";
    // A threshold above 1 keeps both visible.
    let params = Params {
        duplicate_jaccard: 1.1,
        ..Params::default()
    };
    let r = rank_csv(csv, "Missing refunds", &params).await;
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[0].complaint.external_id.as_deref(),
        Some("2"),
        "the newer one first"
    );
}

#[tokio::test]
async fn the_candidate_search_keeps_complaints_that_cover_more_of_the_item() {
    let mut csv = String::from("id,date,text\n1,2026-01-01,The refund came back late\n");
    for i in 2..=9 {
        // Newer, and about one of the item's two concepts only, said several ways.
        csv.push_str(&format!(
            "{i},2026-06-0{i},Refund refund reimbursement refunded money back case {i}\n"
        ));
    }
    // Room for one candidate only: the search itself must choose.
    let params = Params {
        candidates: 1,
        ..Params::default()
    };
    let r = rank_csv(&csv, "Late refunds", &params).await;
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].complaint.external_id.as_deref(),
        Some("1"),
        "the complaint with both words beats newer ones repeating one"
    );
}

#[tokio::test]
async fn phrases_and_words_in_any_script_are_searched_without_error() {
    let csv = "id,date,text\n\
               1,2026-01-01,The late fee was charged twice\n\
               2,2026-01-02,Fee waived but the payment came late\n\
               3,2026-01-03,हिंदी में सहायता नहीं मिली\n\
               4,2026-01-04,Our naïve branch closed without notice\n\
               5,2026-01-05,Qᦰz wallet top-up failed\n\
               6,2026-01-06,ᦃᦰᦃ\n";
    // "late fee" as a thesaurus phrase: the index finds both complaints holding the two
    // words, and only the one where they stand together matches the phrase.
    let (store, _dir) = store_with_csv(csv).await;
    store
        .set_thesaurus_entry("penalty", &["late fee".into()])
        .await
        .unwrap();
    let item = |title: &str| ItemText {
        title: title.into(),
        ..Default::default()
    };
    let found = ranked(&store, &item("Penalty"), 5).await;
    let says_phrase = |r: &RelevantComplaint| r.why.iter().any(|w| w.contains("late fee"));
    assert_eq!(
        found
            .first()
            .and_then(|r| r.complaint.external_id.as_deref()),
        Some("1"),
        "{found:?}"
    );
    let with_phrase: Vec<&str> = found
        .iter()
        .filter(|r| says_phrase(r))
        .filter_map(|r| r.complaint.external_id.as_deref())
        .collect();
    assert_eq!(
        with_phrase,
        ["1"],
        "only complaint 1 has the two words together"
    );

    // Words that SQLite's tokenizer splits where Rust's letters do not (vowel signs, a
    // letter newer than SQLite's Unicode tables, here alone or with its ASCII neighbours),
    // neither fail the search nor lose the complaint when something is left to search by.
    for (title, want) in [("हिंदी", Some("3")), ("Qᦰz", Some("5")), ("ᦃᦰᦃ", None)]
    {
        let found = ranked(&store, &item(title), 5).await;
        assert_eq!(
            found
                .first()
                .and_then(|r| r.complaint.external_id.as_deref()),
            want,
            "{title}: {found:?}"
        );
    }
    // Browsing takes what a person typed, decomposed accents included; a word left with
    // nothing to search by matches nothing rather than everything.
    for (text, want) in [("हिंदी", 1), ("Qᦰz", 1), ("nai\u{308}ve", 1), ("ᦃᦰᦃ", 0)]
    {
        let page = store
            .list_complaints(&chair_core::complaint::ComplaintQuery {
                text: text.into(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("browsing {text}: {e}"));
        assert_eq!(page.total, want, "browsing {text}");
    }
}

#[tokio::test]
async fn asking_again_gives_the_same_ranking_and_finds_complaints_added_since() {
    let (store, dir) = store_with_csv(
        "id,date,text\n\
         1,2026-01-01,My card never arrived in the post\n\
         2,2026-01-02,The replacement card was not delivered\n\
         3,2026-01-03,Overdraft fee charged twice\n",
    )
    .await;
    let item = ItemText {
        title: "Cards not arriving".into(),
        description: "Customers say their new card was never delivered.".into(),
        ..Default::default()
    };
    let first = ranked_on_a_fixed_day(&store, &item).await;
    let again = ranked_on_a_fixed_day(&store, &item).await;
    assert_eq!(first, again, "read afresh or remembered, the same ranking");

    // A complaint imported after the first query is found by the next one.
    import_csv(
        &store,
        &dir,
        "more.csv",
        "id,date,text\n4,2026-01-04,Card not arrived after three weeks and never delivered\n",
    )
    .await;
    let after = ranked_on_a_fixed_day(&store, &item).await;
    let ids: Vec<&str> = after
        .iter()
        .filter_map(|r| r.complaint.external_id.as_deref())
        .collect();
    assert!(ids.contains(&"4"), "{ids:?}");
    assert!(ids.contains(&"1") && ids.contains(&"2"), "{ids:?}");
    assert_ne!(
        ids.first(),
        Some(&"3"),
        "the overdraft complaint is not the best match"
    );

    // With nothing remembered, in this store or one opened afresh, the ranking is the same.
    store.forget_relevance_candidates();
    assert_eq!(ranked_on_a_fixed_day(&store, &item).await, after);
    let fresh = Store::open(store.path()).await.unwrap();
    assert_eq!(ranked_on_a_fixed_day(&fresh, &item).await, after);
    fresh.close().await;

    // Nor does reading the newest complaints ahead, as the app does after opening.
    let warmed = Store::open(store.path()).await.unwrap();
    assert_eq!(
        warmed.warm_relevance().await.unwrap(),
        4,
        "every complaint read"
    );
    assert_eq!(ranked_on_a_fixed_day(&warmed, &item).await, after);
    warmed.close().await;
}

#[tokio::test]
async fn reading_ahead_holds_a_small_collection_whole_and_ranks_the_same() {
    // More complaints than the read-ahead takes at a time (512), so it reads in batches.
    let words = ["card", "fee", "loan", "app", "transfer", "refund", "branch"];
    let mut csv = String::from("id,date,text\n");
    for i in 0..1025 {
        csv.push_str(&format!(
            "{i},2026-01-{:02},I was charged for the {} and again for the {}; the manager promised a written answer within a week but nothing arrived (reference {i})\n",
            1 + i % 28,
            words[i % 7],
            words[(i / 7) % 7]
        ));
    }
    let (store, _dir) = store_with_csv(&csv).await;
    let item = ItemText {
        title: "Refund of a card fee".into(),
        ..Default::default()
    };
    let reader = Store::open(store.path()).await.unwrap();
    let cold = ranked_on_a_fixed_day(&reader, &item).await;
    reader.close().await;
    // Near-duplicates, grouped: the counts are compared too.
    assert!(cold.iter().any(|r| r.duplicates > 0), "{cold:?}");

    let warmed = Store::open(store.path()).await.unwrap();
    assert_eq!(
        warmed.warm_relevance().await.unwrap(),
        1025,
        "every one read"
    );
    assert_eq!(
        warmed.warm_relevance().await.unwrap(),
        0,
        "nothing read twice"
    );
    assert_eq!(ranked_on_a_fixed_day(&warmed, &item).await, cold);
    warmed.close().await;
}

#[tokio::test]
async fn the_word_statistics_are_kept_for_the_next_run_and_sampled_again_when_complaints_arrive() {
    let (store, dir) = fresh_store().await;
    store.create_demo(Utc::now()).await.unwrap();
    let item = overdraft_item();
    let first = ranked(&store, &item, 10).await;
    let kept = |store: Store| async move {
        let mut conn = crate::support::raw(&store).await;
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT generation, docs FROM relevance_stats WHERE id = 1")
                .fetch_optional(&mut conn)
                .await
                .unwrap();
        row
    };
    let (generation, docs) = kept(store.clone())
        .await
        .expect("kept after the first search");

    // A new run reads them instead of sampling, and ranks exactly as before.
    let path = store.path().to_path_buf();
    store.close().await;
    let again = Store::open(&path).await.unwrap();
    let second = ranked(&again, &item, 10).await;
    let ids = |r: &[RelevantComplaint]| r.iter().map(|c| c.complaint.id).collect::<Vec<_>>();
    assert_eq!(ids(&second), ids(&first));
    assert_eq!(
        second.iter().map(|r| r.score).collect::<Vec<_>>(),
        first.iter().map(|r| r.score).collect::<Vec<_>>()
    );

    // More complaints: another collection, sampled again.
    import_csv(&again, &dir, "more.csv", &copies_csv()).await;
    ranked(&again, &item, 10).await;
    let (generation_after, docs_after) = kept(again.clone()).await.unwrap();
    assert!(generation_after > generation && docs_after > docs);
}
