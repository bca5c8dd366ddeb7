//! Finding complaints by meaning: background embedding, the hybrid ranking, and ranking by
//! words alone when there is no model.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chair_core::relevance::{ItemText, Params, RelevantComplaint, RelevantRequest};
use chair_store::Store;
use chair_store::relevance::PersonaHints;

use crate::support::{fresh_store, import};

/// The real language model; `None` (test skipped) only outside CI when it is not installed.
fn model() -> Option<Arc<chair_embed::Model>> {
    match chair_embed::Model::locate() {
        Ok(m) => Some(Arc::new(m)),
        Err(chair_embed::EmbedError::Missing { .. }) if std::env::var_os("CI").is_none() => {
            eprintln!("the language model is not installed (make model): skipped");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// Complaints that share no word with "Duplicate payments" but one that means it.
async fn store_with_complaints() -> (Store, tempfile::TempDir) {
    let (store, dir) = fresh_store().await;
    let file = dir.path().join("complaints.csv");
    std::fs::write(
        &file,
        "id,date,text\n\
         1,2026-11-01,The app crashes every time I open it on my phone\n\
         2,2026-11-02,I was charged twice for the same purchase at the supermarket\n\
         3,2026-11-03,My new card has still not arrived after three weeks\n\
         4,2026-11-04,The branch on Main Street closed early without notice\n\
         5,2026-11-05,Nobody answers the phone line in the evening\n\
         6,2026-11-06,I cannot change my address online\n",
    )
    .expect("write");
    import(&store, &file).await;
    (store, dir)
}

async fn ranked(store: &Store, title: &str) -> Vec<RelevantComplaint> {
    let item = ItemText {
        title: title.into(),
        ..Default::default()
    };
    let request = RelevantRequest {
        limit: 3,
        as_of: None,
        include_dismissed: false,
    };
    store
        .relevant(
            &item,
            &PersonaHints::default(),
            &[],
            &request,
            &Params::default(),
        )
        .await
        .expect("ranks")
}

#[tokio::test]
async fn a_complaint_that_shares_no_word_with_the_item_is_found_by_meaning_and_says_so() {
    let Some(model) = model() else { return };
    let (store, _dir) = store_with_complaints().await;
    assert!(
        ranked(&store, "Duplicate payments").await.is_empty(),
        "by words alone nothing matches"
    );
    store.use_embedder(model);
    let mut seen = Vec::new();
    let done = store
        .embed_pending(|s| seen.push(s), &AtomicBool::new(false))
        .await
        .expect("embeds");
    assert_eq!(done, 6);
    assert_eq!(seen.last().map(|s| (s.embedded, s.total)), Some((6, 6)));
    let results = ranked(&store, "Duplicate payments").await;
    let first = results.first().expect("found by meaning");
    assert!(
        first.complaint.body.contains("charged twice"),
        "{results:#?}"
    );
    assert_eq!(first.why, ["similar in meaning"]);
    assert!(
        first.excerpt.iter().all(|s| !s.hit),
        "no word is highlighted when none matched"
    );
}

#[tokio::test]
async fn embedding_stopped_part_way_goes_on_where_it_stopped() {
    let Some(model) = model() else { return };
    let (store, dir) = fresh_store().await;
    let file = dir.path().join("many.csv");
    let mut csv = String::from("id,date,text\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "{i},2026-10-{:02},complaint number {i} about fees\n",
            1 + i % 28
        ));
    }
    std::fs::write(&file, csv).expect("write");
    import(&store, &file).await;
    store.use_embedder(model);
    let stop = AtomicBool::new(false);
    let first = store
        .embed_pending(
            |s| {
                if s.embedded > 0 {
                    stop.store(true, Ordering::Relaxed)
                }
            },
            &stop,
        )
        .await
        .expect("embeds a batch");
    assert!(first > 0 && first < 40, "stopped after a batch: {first}");
    let status = store.embed_status().await.expect("status");
    assert_eq!((status.embedded, status.total), (first as i64, 40));
    let rest = store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .expect("embeds the rest");
    assert_eq!(first + rest, 40, "nothing embedded twice");
    let again = store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .expect("nothing left");
    assert_eq!(again, 0);
}

#[tokio::test]
async fn without_a_model_complaints_are_ranked_by_their_words() {
    let (store, _dir) = store_with_complaints().await;
    assert!(store.embedder().is_none());
    let done = store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .expect("nothing to do");
    assert_eq!(done, 0);
    let results = ranked(&store, "Card that never arrived").await;
    assert!(results[0].complaint.body.contains("card"), "{results:#?}");
    assert!(results[0].why.iter().all(|w| w != "similar in meaning"));
}

/// A model that reads the word "twice" as one direction and everything else as another, and
/// can be made to fail.
struct Toy {
    broken: AtomicBool,
}

impl chair_core::relevance::dense::Embedder for Toy {
    fn name(&self) -> &str {
        "toy"
    }
    fn dim(&self) -> usize {
        2
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        if self.broken.load(Ordering::Relaxed) {
            return Err("the toy model is broken".into());
        }
        Ok(texts
            .iter()
            .map(|t| {
                let twice = t.contains("twice") || t.contains("Duplicate");
                if twice {
                    vec![1.0, 0.0]
                } else {
                    vec![0.0, 1.0]
                }
            })
            .collect())
    }
}

/// Every complaint of `store` read by a [`Toy`] model that works until it is broken.
async fn embedded_by_toy(store: &Store) -> Arc<Toy> {
    let toy = Arc::new(Toy {
        broken: AtomicBool::new(false),
    });
    store.use_embedder(toy.clone());
    store
        .embed_pending(|_| {}, &AtomicBool::new(false))
        .await
        .expect("embeds");
    toy
}

#[tokio::test]
async fn a_model_that_fails_on_the_item_leaves_the_ranking_to_words() {
    let (store, _dir) = store_with_complaints().await;
    let toy = embedded_by_toy(&store).await;
    let by_meaning = ranked(&store, "Duplicate payments").await;
    assert!(
        by_meaning[0].complaint.body.contains("charged twice"),
        "{by_meaning:#?}"
    );
    toy.broken.store(true, Ordering::Relaxed);
    let words = ranked(&store, "phone line").await;
    assert!(
        words[0].complaint.body.contains("phone line"),
        "still ranked, by words: {words:#?}"
    );
    assert!(
        words
            .iter()
            .all(|r| !r.why.contains(&"similar in meaning".to_string()))
    );
}

#[tokio::test]
async fn a_list_ranked_while_the_model_fails_is_not_kept_and_meaning_returns_when_it_runs() {
    let (store, _dir) = store_with_complaints().await;
    let (_, item) = crate::support::meeting(&store).await;
    let toy = embedded_by_toy(&store).await;
    toy.broken.store(true, Ordering::Relaxed);
    let first = store.prepare_item_lists(chrono::Utc::now()).await.unwrap();
    let again = store.prepare_item_lists(chrono::Utc::now()).await.unwrap();
    assert_eq!(
        (first.ranked, again.ranked),
        (1, 1),
        "not kept while failing"
    );
    toy.broken.store(false, Ordering::Relaxed);
    let fixed = store.prepare_item_lists(chrono::Utc::now()).await.unwrap();
    let then = store.prepare_item_lists(chrono::Utc::now()).await.unwrap();
    assert_eq!(
        (fixed.ranked, then.ready),
        (1, 1),
        "kept once the model runs"
    );
    let request = RelevantRequest {
        limit: 3,
        as_of: None,
        include_dismissed: false,
    };
    assert!(
        !store
            .relevant_for_item(item, &request)
            .await
            .unwrap()
            .is_empty()
    );
}
