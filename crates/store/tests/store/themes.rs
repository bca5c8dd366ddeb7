//! Customer themes kept with the complaints: discovery over stored meaning vectors, stable ids
//! and user names across discoveries, heard and unheard, trend counts.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chair_core::relevance::Mark;
use chair_core::relevance::dense::Embedder;
use chair_store::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::support::{fresh_store, import};

/// A model that reads what a complaint is about from one word: cards, exchange rates or the
/// app, each a direction of its own, with a little of the rest of the text as noise.
struct Topics;

impl Embedder for Topics {
    fn name(&self) -> &str {
        "topics"
    }
    fn dim(&self) -> usize {
        8
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = [0f32; 8];
                let topic = if t.contains("card") {
                    0
                } else if t.contains("rate") {
                    1
                } else {
                    2
                };
                v[topic] = 1.0;
                // Two kinds of trouble with the app, close enough to be one theme.
                if t.contains("login") {
                    v[3] += 0.45;
                }
                for (i, b) in t.bytes().enumerate() {
                    v[3 + i % 5] += f32::from(b % 7) * 0.01;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter().map(|x| x / n).collect()
            })
            .collect())
    }
}

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

/// `n` complaints about `topic`, the first `recent` of them in the last 30 days before
/// [`as_of`], the rest in the 30 before.
fn rows(topic: &str, from: usize, n: usize, recent: usize) -> String {
    (0..n)
        .map(|i| {
            let day = if i < recent { 5 + i % 20 } else { 35 + i % 20 };
            let date = (as_of() - Duration::days(day as i64)).format("%Y-%m-%d");
            format!(
                "{},{date},Complaint {} about my {topic} number {i}\n",
                from + i,
                from + i
            )
        })
        .collect()
}

async fn store_with(csv: &str) -> (Store, tempfile::TempDir) {
    let (store, dir) = fresh_store().await;
    add(&store, &dir, "first.csv", csv).await;
    (store, dir)
}

async fn add(store: &Store, dir: &tempfile::TempDir, name: &str, csv: &str) {
    let p = dir.path().join(name);
    std::fs::write(&p, format!("id,date,text\n{csv}")).unwrap();
    import(store, &p).await;
    store.use_embedder(Arc::new(Topics));
    store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .unwrap();
}

#[tokio::test]
async fn themes_are_found_named_and_counted_and_keep_their_ids_and_names_across_imports() {
    let csv =
        rows("card", 0, 30, 25) + &rows("exchange rate", 100, 20, 2) + &rows("app", 200, 12, 6);
    let (store, dir) = store_with(&csv).await;
    assert!(
        store.themes_out_of_date("topics").await.unwrap(),
        "none found yet"
    );
    let found = store.discover_themes("topics", 8, as_of()).await.unwrap();
    assert!(!store.themes_out_of_date("topics").await.unwrap());
    assert!(
        !store.themes_out_of_date("another model").await.unwrap(),
        "it read nothing"
    );
    assert_eq!(found.themes, 3, "{found:?}");
    assert_eq!((found.sorted, found.unsorted, found.not_read), (62, 0, 0));

    let themes = store.themes(as_of()).await.unwrap();
    let sizes: Vec<i64> = themes.iter().map(|t| t.size).collect();
    assert_eq!(sizes, [30, 20, 12], "biggest first");
    assert!(themes[0].name.contains("card"), "{:?}", themes[0].name);
    assert!(
        themes[1].name.contains("exchange rate"),
        "{:?}",
        themes[1].name
    );
    assert_eq!((themes[0].recent, themes[0].previous), (25, 5));
    assert_eq!(themes[0].weekly.len(), 12);
    assert_eq!(
        themes[0].weekly.iter().sum::<i64>(),
        30,
        "every card complaint is within 12 weeks: {:?}",
        themes[0].weekly
    );
    assert!(
        themes[0].weekly[11] > 0 && themes[0].weekly[0] == 0,
        "oldest week first: {:?}",
        themes[0].weekly
    );
    assert_eq!(themes[0].trend, "rising");
    assert_eq!(themes[1].trend, "falling");
    assert_eq!(themes[0].examples.len(), 3);
    assert_eq!(store.theme_members(themes[2].id).await.unwrap().len(), 12);
    assert!(themes.iter().all(|t| !t.heard && t.last_heard.is_none()));

    // A user names a theme; more complaints arrive; themes are found again.
    store
        .rename_theme(themes[0].id, "Cards that never came", as_of())
        .await
        .unwrap();
    add(&store, &dir, "more.csv", &rows("card", 300, 10, 10)).await;
    assert!(
        store.themes_out_of_date("topics").await.unwrap(),
        "complaints read since"
    );
    let again = store.discover_themes("topics", 8, as_of()).await.unwrap();
    assert_eq!((again.themes, again.kept), (3, 3));
    let after = store.themes(as_of()).await.unwrap();
    let cards = after
        .iter()
        .find(|t| t.id == themes[0].id)
        .expect("same id");
    assert_eq!(cards.name, "Cards that never came");
    assert_eq!(cards.found_name.as_deref(), Some(themes[0].name.as_str()));
    assert_eq!(cards.size, 40);
    for t in &themes[1..] {
        assert!(after.iter().any(|a| a.id == t.id), "{} kept its id", t.name);
    }
}

#[tokio::test]
async fn a_theme_is_heard_once_a_meeting_deals_with_one_of_its_complaints() {
    let csv = rows("card", 0, 10, 5) + &rows("exchange rate", 100, 10, 5);
    let (store, _dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    assert!(themes.iter().all(|t| !t.heard));
    let (_, item) = crate::support::meeting(&store).await;
    let card = themes.iter().find(|t| t.name.contains("card")).unwrap();
    store
        .mark_complaint(item, card.examples[0], Some(Mark::Pinned))
        .await
        .unwrap();
    let now = store.themes(Utc::now()).await.unwrap();
    let heard: Vec<bool> = now.iter().map(|t| t.heard).collect();
    let card_now = now.iter().find(|t| t.id == card.id).unwrap();
    assert!(card_now.heard && card_now.last_heard.is_some(), "{now:?}");
    assert_eq!(
        heard.iter().filter(|h| **h).count(),
        1,
        "only the pinned one's theme"
    );
    // As of a day before the pin, it was not heard yet.
    let before = store.themes(as_of()).await.unwrap();
    assert!(before.iter().all(|t| !t.heard));

    // A question raised on a complaint ("?") hears its theme too.
    let rate = themes.iter().find(|t| t.name.contains("rate")).unwrap();
    store
        .raise_escalation(
            &chair_core::validate::Valid::parse(chair_core::live::EscalationDraft {
                complaint_id: rate.examples[2],
                meeting_id: None,
                agenda_item_id: Some(item),
                question: "Which rate did they see?".into(),
                owner: "Sam".into(),
                due: as_of().date_naive() + Duration::days(7),
                raised_by: String::new(),
            })
            .unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    let all = store.themes(Utc::now()).await.unwrap();
    assert!(all.iter().all(|t| t.heard), "{all:?}");
}

/// `n` complaints about `topic` spread over days `from..to` relative to `base`.
fn dated(
    topic: &str,
    first_id: usize,
    n: usize,
    base: DateTime<Utc>,
    from: i64,
    to: i64,
) -> String {
    (0..n)
        .map(|i| {
            let at = base
                + Duration::days(from)
                + Duration::seconds((to - from) * 86_400 * i as i64 / n as i64);
            format!(
                "{},{},Complaint {} about my {topic} number {i}\n",
                first_id + i,
                at.format("%Y-%m-%d"),
                first_id + i
            )
        })
        .collect()
}

#[tokio::test]
async fn a_decisions_follow_through_counts_its_themes_complaints_before_and_after_it() {
    use chair_core::decision::Direction;
    use chair_core::themes::Verdict;
    use chair_core::validate::Valid;
    let decided = as_of() - Duration::days(60);
    // Card complaints: 40 in the 8 weeks before the decision, 10 in the 8 weeks after.
    let csv = dated("card", 0, 40, decided, -55, -1)
        + &dated("card", 100, 10, decided, 1, 55)
        // Other complaints go on past the weeks after: the collection covers them.
        + &dated("exchange rate", 200, 30, decided, -50, 62);
    let (store, _dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    let card = themes.iter().find(|t| t.name.contains("card")).unwrap();

    let (meeting, item) = crate::support::meeting(&store).await;
    let mut d = crate::support::draft(meeting, item, "Track card deliveries");
    d.direction = Direction::Helps;
    d.evidence = vec![card.examples[0]];
    d.no_evidence = false;
    let seq = store
        .record_decision(&Valid::parse(d).unwrap(), decided)
        .await
        .unwrap()
        .seq;
    let f = store.follow_through(seq, as_of(), (8, 8)).await.unwrap();
    assert_eq!(f.themes.len(), 1, "{f:?}");
    assert_eq!(f.themes[0].0, card.id);
    let ft = f.follow_through.unwrap();
    assert_eq!((ft.rate.before, ft.rate.after), (40, 10));
    assert_eq!(ft.verdict, Verdict::AsExpected);
    // Asked three weeks after the decision: too early, and later complaints do not count.
    let early = store
        .follow_through(seq, decided + Duration::days(21), (8, 8))
        .await
        .unwrap()
        .follow_through
        .unwrap();
    assert_eq!(early.verdict, Verdict::TooEarly);
    assert!(early.rate.after < 10, "{early:?}");

    // A decision without evidence has no themes to follow.
    let plain = crate::support::draft(meeting, item, "Say sorry more often");
    let seq = store
        .record_decision(&Valid::parse(plain).unwrap(), decided)
        .await
        .unwrap()
        .seq;
    let none = store.follow_through(seq, as_of(), (8, 8)).await.unwrap();
    assert!(none.themes.is_empty() && none.follow_through.is_none());
    assert!(store.follow_through(999, as_of(), (8, 8)).await.is_err());
}

#[tokio::test]
async fn merges_and_splits_are_kept_and_survive_the_next_discovery() {
    let csv = rows("card", 0, 30, 25)
        + &rows("exchange rate", 100, 20, 2)
        + &rows("app login", 200, 15, 6)
        + &rows("app screen", 300, 12, 6);
    let (store, dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    assert_eq!(themes.len(), 3, "{themes:?}");
    let find = |all: &[chair_store::themes::ThemeSummary], word: &str| {
        all.iter()
            .find(|t| t.name.contains(word))
            .unwrap_or_else(|| panic!("a theme named for {word:?} in {all:?}"))
            .clone()
    };
    let (card, rate, app) = (
        find(&themes, "card"),
        find(&themes, "rate"),
        find(&themes, "app"),
    );
    assert_eq!(app.size, 27);

    // Exchange rates folded into cards; the app theme split in two.
    store.merge_themes(card.id, rate.id, as_of()).await.unwrap();
    let off = store.split_theme(app.id, 8, as_of()).await.unwrap();
    let check = |all: Vec<chair_store::themes::ThemeSummary>| {
        let size = |id| all.iter().find(|t| t.id == id).map(|t| t.size);
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(size(card.id), Some(50), "merged: {all:?}");
        assert_eq!(size(rate.id), None);
        let parts = (size(app.id).unwrap(), size(off).unwrap());
        assert_eq!(parts.0 + parts.1, 27, "{all:?}");
        assert_eq!(
            parts.0.min(parts.1),
            12,
            "split along login and screen: {all:?}"
        );
        all
    };
    let after = check(store.themes(as_of()).await.unwrap());
    assert!(
        after
            .iter()
            .find(|t| t.id == off)
            .unwrap()
            .name
            .contains("screen"),
        "{after:?}"
    );
    // Refused: a theme merged with itself or gone, a split too small to stand.
    assert!(store.merge_themes(card.id, card.id, as_of()).await.is_err());
    assert!(store.merge_themes(card.id, rate.id, as_of()).await.is_err());

    // Found again, with more complaints: the edits are replayed.
    add(&store, &dir, "more.csv", &rows("card", 400, 10, 10)).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let again = store.themes(as_of()).await.unwrap();
    let size = |id| again.iter().find(|t| t.id == id).map(|t| t.size);
    assert_eq!(size(card.id), Some(60), "{again:?}");
    assert_eq!(
        (size(app.id).unwrap() + size(off).unwrap(), again.len()),
        (27, 3),
        "{again:?}"
    );
}

#[tokio::test]
async fn complaints_read_later_join_their_themes_without_finding_them_again() {
    let csv = rows("card", 0, 40, 25) + &rows("exchange rate", 100, 40, 2);
    let (store, dir) = store_with(&csv).await;
    let first = store.update_themes("topics", 8, as_of()).await.unwrap();
    assert_eq!(first.discovered.map(|d| d.themes), Some(2), "{first:?}");
    let themes = store.themes(as_of()).await.unwrap();
    store
        .rename_theme(themes[0].id, "Named by hand", as_of())
        .await
        .unwrap();

    // Five more (under a tenth): sorted into the themes, not found again.
    add(&store, &dir, "more.csv", &rows("card", 300, 5, 5)).await;
    assert!(store.themes_out_of_date("topics").await.unwrap());
    let update = store.update_themes("topics", 8, as_of()).await.unwrap();
    assert_eq!(update.discovered, None, "{update:?}");
    let sorting = update.sorted.unwrap();
    assert_eq!((sorting.sorted, sorting.unsorted), (5, 0));
    assert!(!store.themes_out_of_date("topics").await.unwrap());
    let after = store.themes(as_of()).await.unwrap();
    let card = after.iter().find(|t| t.name == "Named by hand").unwrap();
    assert_eq!(card.size, 45);
    assert_eq!(
        store.update_themes("topics", 8, as_of()).await.unwrap(),
        Default::default()
    );

    // A complaint unlike any theme stays unsorted rather than being forced in.
    add(
        &store,
        &dir,
        "odd.csv",
        "900,2026-11-20,Complaint about my app\n",
    )
    .await;
    let odd = store.update_themes("topics", 8, as_of()).await.unwrap();
    assert_eq!(odd.sorted.map(|s| (s.sorted, s.unsorted)), Some((0, 1)));

    // Many more: sorted at once, then the themes are found again.
    add(
        &store,
        &dir,
        "many.csv",
        &rows("exchange rate", 500, 20, 20),
    )
    .await;
    let many = store.update_themes("topics", 8, as_of()).await.unwrap();
    assert_eq!(many.sorted.map(|s| s.sorted), Some(20));
    assert!(many.discovered.is_some(), "{many:?}");
    assert!(
        store
            .themes(as_of())
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == "Named by hand")
    );
}

#[tokio::test]
async fn a_complaint_on_screen_when_a_decision_was_taken_was_heard() {
    use chair_core::decision::OnScreen;
    use chair_core::validate::Valid;
    let csv = rows("card", 0, 10, 5) + &rows("exchange rate", 100, 10, 5);
    let (store, _dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    let rate = themes.iter().find(|t| t.name.contains("rate")).unwrap();
    let (meeting, item) = crate::support::meeting(&store).await;
    let mut d = crate::support::draft(meeting, item, "Show the rate before paying");
    d.on_screen = vec![OnScreen {
        complaint_id: rate.examples[1],
        score: 3.5,
    }];
    store
        .record_decision(&Valid::parse(d).unwrap(), as_of())
        .await
        .unwrap();
    let now = store.themes(as_of()).await.unwrap();
    let heard: Vec<&str> = now
        .iter()
        .filter(|t| t.heard)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(heard, [rate.name.as_str()]);
}

#[tokio::test]
async fn a_theme_becomes_an_agenda_item_of_a_planned_meeting() {
    let csv = rows("card", 0, 10, 5) + &rows("exchange rate", 100, 10, 5);
    let (store, _dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    let card = themes.iter().find(|t| t.name.contains("card")).unwrap();
    let (meeting, _) = crate::support::meeting(&store).await;
    let id = store.add_theme_to_meeting(card.id, meeting).await.unwrap();
    let agenda = store.agenda(meeting).await.unwrap();
    assert_eq!(agenda.len(), 2);
    let item = &agenda[1];
    assert_eq!((item.id, item.title.as_str()), (id, card.name.as_str()));
    assert!(
        item.customer_problem.contains("about my card number"),
        "{:?}",
        item.customer_problem
    );
    assert!(
        item.keywords.contains(&"card".to_string()),
        "{:?}",
        item.keywords
    );

    // Only planned meetings take new items.
    store.start_meeting(meeting, as_of()).await.unwrap();
    let refused = store
        .add_theme_to_meeting(card.id, meeting)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("planned"), "{refused}");
    assert!(
        store
            .add_theme_to_meeting(uuid::Uuid::new_v4(), meeting)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn decisions_whose_customers_complaints_rose_against_their_stated_impact_are_listed() {
    use chair_core::validate::Valid;
    let decided = as_of() - Duration::days(60);
    // Card complaints grow after a decision said to help; exchange rates fall after one said
    // to help.
    let csv = dated("card", 0, 10, decided, -55, -1)
        + &dated("card", 100, 50, decided, 1, 55)
        + &dated("exchange rate", 200, 50, decided, -55, -1)
        // Complaints go on past the weeks after: the collection covers them.
        + &dated("exchange rate", 300, 10, decided, 1, 75);
    let (store, _dir) = store_with(&csv).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    let example = |word: &str| {
        themes
            .iter()
            .find(|t| t.name.contains(word))
            .unwrap()
            .examples[0]
    };
    let (meeting, item) = crate::support::meeting(&store).await;
    let mut seqs = Vec::new();
    for (word, statement) in [("card", "Cheaper cards"), ("rate", "Clearer rates")] {
        let mut d = crate::support::draft(meeting, item, statement);
        d.evidence = vec![example(word)];
        d.no_evidence = false;
        let r = store
            .record_decision(&Valid::parse(d).unwrap(), decided)
            .await
            .unwrap();
        seqs.push(r.seq);
    }
    let against = store.moved_against(as_of()).await.unwrap();
    assert_eq!(against.len(), 1, "{against:?}");
    assert_eq!(
        (against[0].seq, against[0].statement.as_str()),
        (seqs[0], "Cheaper cards")
    );
    // Before the weeks after had passed, nothing could be told.
    assert!(
        store
            .moved_against(decided + Duration::days(20))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_collection_too_young_to_compare_says_so_instead_of_calling_a_rise() {
    // Every complaint in the last 30 days: nothing to compare them with.
    let (store, _dir) =
        store_with(&(rows("card", 0, 20, 20) + &rows("exchange rate", 100, 20, 20))).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    assert!(
        themes
            .iter()
            .all(|t| t.trend == "too new to tell" && t.previous == 0),
        "{themes:?}"
    );
}

#[tokio::test]
async fn a_theme_names_the_segments_it_touches_and_their_personas() {
    let mut csv = String::new();
    for i in 0..24 {
        let (topic, segment) = if i < 12 {
            ("card", if i % 3 == 0 { "Students" } else { "Retail" })
        } else {
            ("exchange rate", "Business")
        };
        let date = (as_of() - Duration::days(5 + i % 50)).format("%Y-%m-%d");
        csv.push_str(&format!(
            "{i},{date},Complaint {i} about my {topic},{segment}\n"
        ));
    }
    let (store, dir) = fresh_store().await;
    let p = dir.path().join("segments.csv");
    std::fs::write(&p, format!("id,date,text,segment\n{csv}")).unwrap();
    import(&store, &p).await;
    store.use_embedder(Arc::new(Topics));
    store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .unwrap();
    store
        .create_persona(
            &chair_core::validate::Valid::parse(chair_core::persona::PersonaDraft {
                name: "Sam the student".into(),
                segments: vec!["students".into()],
                ..Default::default()
            })
            .unwrap(),
        )
        .await
        .unwrap();
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let themes = store.themes(as_of()).await.unwrap();
    let card = themes.iter().find(|t| t.name.contains("card")).unwrap();
    assert_eq!(card.segments, ["Retail", "Students"], "commonest first");
    assert_eq!(card.personas, ["Sam the student"]);
    let rate = themes.iter().find(|t| t.name.contains("rate")).unwrap();
    assert_eq!(
        (rate.segments.as_slice(), rate.personas.len()),
        (["Business".to_string()].as_slice(), 0)
    );
}

#[tokio::test]
async fn themes_are_read_again_after_a_change_made_elsewhere_or_for_an_earlier_day() {
    let (store, _dir) =
        store_with(&(rows("card", 0, 20, 15) + &rows("exchange rate", 100, 20, 5))).await;
    store.discover_themes("topics", 8, as_of()).await.unwrap();
    let first = store.themes(as_of()).await.unwrap();
    assert_eq!(
        store.themes(as_of() + Duration::days(3)).await.unwrap(),
        first
    );

    // Another program renames a theme: read again.
    let mut other = crate::support::raw(&store).await;
    let id = first[0].id.hyphenated().to_string();
    sqlx::query("UPDATE themes SET user_name = 'Renamed elsewhere' WHERE id = ?")
        .bind(&id)
        .execute(&mut other)
        .await
        .unwrap();
    let after = store.themes(as_of()).await.unwrap();
    assert_eq!(after[0].name, "Renamed elsewhere");

    // An earlier day counts fewer complaints.
    let earlier = store.themes(as_of() - Duration::days(20)).await.unwrap();
    assert!(
        earlier.iter().map(|t| t.size).sum::<i64>() < after.iter().map(|t| t.size).sum::<i64>(),
        "{earlier:?}"
    );
}
