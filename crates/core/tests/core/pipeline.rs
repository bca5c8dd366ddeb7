//! The ranking pipeline on constructed complaints held in memory: no database.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use chair_core::complaint::Complaint;
use chair_core::relevance::dense::{VectorIndex, quantize};
use chair_core::relevance::pipeline::{
    self, Meaning, depth_for, pins_missing, ranked_list, with_marks,
};
use chair_core::relevance::stats::CorpusStats;
use chair_core::relevance::{
    Candidate, CandidateSource, ItemText, Mark, Params, PersonaHints, RelevantComplaint,
    RelevantRequest, Stemmed, Thesaurus, text,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

/// Runs a future whose every step is ready at once, as the memory source's are.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("the memory source never waits"),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

/// Complaints in memory, keyed by their position plus one; meaning vectors where given.
#[derive(Default)]
struct Memory {
    complaints: Vec<Complaint>,
    vectors: HashMap<i64, Vec<f32>>,
    /// The item's vector, when the "model" can read it.
    item_vector: Option<Vec<f32>>,
    /// Which calls were made, in order.
    calls: Vec<&'static str>,
    fail_postings: bool,
}

impl Memory {
    fn add(&mut self, title: &str, body: &str, days_old: i64) -> Uuid {
        let id = Uuid::new_v4();
        self.complaints.push(Complaint {
            id,
            source: "test".into(),
            external_id: None,
            received_at: now() - Duration::days(days_old),
            title: title.into(),
            body: body.into(),
            customer: String::new(),
            segment: String::new(),
            product: String::new(),
            channel: String::new(),
            severity: String::new(),
            tags: Vec::new(),
        });
        id
    }

    fn key_of(&self, id: Uuid) -> i64 {
        self.complaints.iter().position(|c| c.id == id).unwrap() as i64 + 1
    }

    fn stemmed(&self, key: i64) -> Option<Stemmed> {
        let c = self.complaints.get(usize::try_from(key - 1).ok()?)?;
        Some(Stemmed::of(
            c.id,
            Candidate {
                key,
                title: c.title.clone(),
                body: c.body.clone(),
                product: c.product.clone(),
                tags: c.tags.clone(),
                segment: c.segment.clone(),
                received_at: c.received_at,
            },
        ))
    }
}

impl CandidateSource for Memory {
    type Error = String;

    async fn stats(&mut self) -> Result<Arc<CorpusStats>, String> {
        self.calls.push("stats");
        let all: Vec<_> = (1..=self.complaints.len() as i64)
            .filter_map(|k| self.stemmed(k))
            .map(|s| s.analysed)
            .collect();
        Ok(Arc::new(CorpusStats::build(
            all.len() as f64,
            all.len() as i64,
            &all,
        )))
    }

    async fn postings(
        &mut self,
        terms: &[Vec<String>],
        after: i64,
    ) -> Result<Vec<(usize, Vec<i64>)>, String> {
        self.calls.push("postings");
        if self.fail_postings {
            return Err("the index is gone".into());
        }
        let mut out = Vec::new();
        for (k, strings) in terms.iter().enumerate() {
            if strings.is_empty() {
                continue;
            }
            let wanted: Vec<String> = strings
                .iter()
                .flat_map(|s| text::stems(s.trim_matches('"')))
                .collect();
            let keys = (after + 1..=self.complaints.len() as i64)
                .filter(|&key| {
                    let c = &self.complaints[key as usize - 1];
                    let held = text::stems(&format!("{} {}", c.title, c.body));
                    wanted.iter().all(|w| held.contains(w))
                })
                .collect();
            out.push((k, keys));
        }
        Ok(out)
    }

    async fn read(&mut self, keys: &[i64]) -> Result<Vec<Arc<Stemmed>>, String> {
        self.calls.push("read");
        Ok(keys
            .iter()
            .filter_map(|&k| self.stemmed(k))
            .map(Arc::new)
            .collect())
    }

    async fn meaning(&mut self, _item: &ItemText) -> Result<Option<Meaning>, String> {
        self.calls.push("meaning");
        let Some(wanted) = self.item_vector.clone() else {
            return Ok(None);
        };
        let mut index = VectorIndex::new(wanted.len());
        for (&key, v) in &self.vectors {
            index.push(key, &quantize(v));
        }
        Ok(Some((Arc::new(index), wanted)))
    }

    async fn complaints(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, Complaint>, String> {
        self.calls.push("complaints");
        Ok(self
            .complaints
            .iter()
            .filter(|c| ids.contains(&c.id))
            .map(|c| (c.id, c.clone()))
            .collect())
    }
}

fn item(title: &str) -> ItemText {
    ItemText {
        title: title.into(),
        description: String::new(),
        customer_problem: String::new(),
        keywords: Vec::new(),
    }
}

fn request(limit: u32) -> RelevantRequest {
    RelevantRequest {
        limit,
        as_of: Some(now()),
        include_dismissed: false,
    }
}

fn rank(
    source: &mut Memory,
    title: &str,
    marks: &[(Uuid, Mark)],
    req: &RelevantRequest,
) -> Vec<RelevantComplaint> {
    ready(pipeline::relevant(
        source,
        &item(title),
        &PersonaHints::default(),
        &Thesaurus::default(),
        marks,
        req,
        &Params::default(),
    ))
    .unwrap()
}

fn ids(list: &[RelevantComplaint]) -> Vec<Uuid> {
    list.iter().map(|r| r.complaint.id).collect()
}

/// A small collection about several things, so that word rarity means something.
fn collection() -> (Memory, [Uuid; 3]) {
    let mut m = Memory::default();
    let fee = m.add(
        "Overdraft fee charged twice",
        "The bank charged an overdraft fee twice in one day.",
        3,
    );
    let fee_old = m.add(
        "Overdraft fee",
        "I was charged an overdraft fee I did not expect.",
        200,
    );
    for (i, (t, b)) in [
        (
            "Card declined abroad",
            "My card was declined in a shop in Spain.",
        ),
        ("App crashes", "The app crashes when I open my statements."),
        (
            "Transfer delayed",
            "A transfer to my landlord took five days.",
        ),
        (
            "Lost card",
            "I lost my card and could not block it in the app.",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        m.add(t, b, 10 + i as i64);
    }
    let stranger = m.add(
        "Charged two times",
        "The same purchase shows on my statement two times.",
        5,
    );
    (m, [fee, fee_old, stranger])
}

#[test]
fn an_item_finds_the_complaints_that_share_its_words_with_why() {
    let (mut m, [fee, fee_old, stranger]) = collection();
    let list = rank(&mut m, "Overdraft fees", &[], &request(10));
    let mut found = ids(&list);
    found.sort();
    let mut wanted = vec![fee, fee_old];
    wanted.sort();
    assert_eq!(found, wanted, "only complaints about overdraft fees");
    for r in &list {
        assert!(
            r.why.iter().any(|w| w == "title: overdraft, fees"),
            "{:?}",
            r.why
        );
        assert!(r.title.iter().any(|s| s.hit && s.text == "Overdraft"));
    }
    assert!(!ids(&list).contains(&stranger));
    // The order of the source's work: statistics, the index, reading, then naming leads.
    assert_eq!(m.calls[..3], ["stats", "postings", "read"]);
}

#[test]
fn a_complaint_close_in_meaning_joins_with_its_own_line_and_only_when_meaning_is_known() {
    let (mut m, [fee, _, stranger]) = collection();
    let without = rank(&mut m, "Duplicate payments", &[], &request(10));
    assert!(
        without.is_empty(),
        "no word in common and no meaning: nothing"
    );

    // The "model" puts the item and the stranger close together and the rest far away.
    m.item_vector = Some(vec![1.0, 0.0, 0.0]);
    m.vectors.insert(m.key_of(stranger), vec![0.95, 0.3, 0.0]);
    m.vectors.insert(m.key_of(fee), vec![0.0, 1.0, 0.0]);
    let with = rank(&mut m, "Duplicate payments", &[], &request(10));
    assert_eq!(ids(&with), [stranger]);
    assert_eq!(with[0].why, ["similar in meaning"]);
    assert!(with[0].title.iter().all(|s| !s.hit), "no word is marked");

    // Meaning switched off: words alone.
    let words_only = ready(pipeline::relevant(
        &mut m,
        &item("Duplicate payments"),
        &PersonaHints::default(),
        &Thesaurus::default(),
        &[],
        &request(10),
        &Params {
            meaning_weight: 0.0,
            ..Params::default()
        },
    ))
    .unwrap();
    assert!(words_only.is_empty());
}

#[test]
fn near_duplicates_are_one_group_and_a_dismissal_takes_the_copies_with_it() {
    let (mut m, _) = collection();
    let body = "I was charged a monthly maintenance fee although my balance was above the minimum.";
    let copies: Vec<Uuid> = (0..3)
        .map(|i| m.add("Maintenance fee", body, 1 + i))
        .collect();
    let list = rank(&mut m, "Maintenance fee", &[], &request(10));
    assert_eq!(list[0].complaint.id, copies[0], "the newest copy leads");
    assert_eq!(list[0].duplicates, 2);
    assert_eq!(list[0].duplicate_ids, copies[1..]);

    // Dismissing the lead dismisses what the copies said too.
    let marks = [(copies[0], Mark::Dismissed)];
    let list = rank(&mut m, "Maintenance fee", &marks, &request(10));
    assert!(list.iter().all(|r| !copies.contains(&r.complaint.id)));
    // Asked to show dismissals, the group is back, marked.
    let list = rank(
        &mut m,
        "Maintenance fee",
        &marks,
        &RelevantRequest {
            include_dismissed: true,
            ..request(10)
        },
    );
    assert_eq!(list[0].mark, Some(Mark::Dismissed));
    assert_eq!(list[0].duplicates, 2);
}

#[test]
fn pins_come_first_in_pin_order_even_when_the_ranking_does_not_find_them() {
    let (mut m, [fee, fee_old, stranger]) = collection();
    let marks = [(stranger, Mark::Pinned), (fee_old, Mark::Pinned)];
    let list = rank(&mut m, "Overdraft fees", &marks, &request(2));
    assert_eq!(
        ids(&list),
        [stranger, fee_old],
        "pins are never dropped for the limit"
    );
    assert_eq!(list[0].why, ["pinned"]);
    assert_eq!(list[1].mark, Some(Mark::Pinned));
    let list = rank(&mut m, "Overdraft fees", &marks, &request(3));
    assert_eq!(
        ids(&list),
        [stranger, fee_old, fee],
        "the ranking fills the room left"
    );
}

#[test]
fn a_list_computed_before_the_marks_gives_what_ranking_with_them_gives() {
    let (mut m, [fee, fee_old, stranger]) = collection();
    let marks = [(fee, Mark::Dismissed), (stranger, Mark::Pinned)];
    let req = request(5);
    let direct = rank(&mut m, "Overdraft fees", &marks, &req);
    // Computed ahead, deep enough for any marks the room may add, then marked.
    let ahead = ready(ranked_list(
        &mut m,
        &item("Overdraft fees"),
        &PersonaHints::default(),
        &Thesaurus::default(),
        now(),
        depth_for(&req, &marks),
        &Params::default(),
    ))
    .unwrap();
    let pinned = ready(pipeline::load_pinned(&mut m, &pins_missing(&ahead, &marks))).unwrap();
    assert_eq!(with_marks(ahead, &marks, pinned, &req), direct);
    assert_eq!(ids(&direct), [stranger, fee_old]);
}

#[test]
fn an_item_with_no_words_to_search_lists_its_pins_only_and_a_source_failure_is_passed_on() {
    let (mut m, [fee, ..]) = collection();
    let list = rank(&mut m, "the and of", &[(fee, Mark::Pinned)], &request(10));
    assert_eq!(ids(&list), [fee]);

    m.fail_postings = true;
    let err = ready(pipeline::relevant(
        &mut m,
        &item("Overdraft fees"),
        &PersonaHints::default(),
        &Thesaurus::default(),
        &[],
        &request(10),
        &Params::default(),
    ))
    .unwrap_err();
    assert_eq!(err, "the index is gone");
}
