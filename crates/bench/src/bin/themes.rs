//! Theme quality and speed, measured where they cannot be fooled: themes are found in the text
//! alone, and the labels people gave (banking77's intent, CFPB's Issue) only score them, as
//! normalized mutual information (unsorted complaints counted as one group). The knobs were
//! chosen on banking77's training messages; its test messages and the CFPB narratives are
//! reported, each beside plain TF-IDF k-means told the true number of labels.
//!
//! Usage: themes [--speed 100000,1000000] [--store 100000] [--ablation]
//! `--store N` times the whole path through the database: themes for N imported complaints,
//! sorting a later import of N/10 into them, and listing them.
//! Needs the language model (`make model`); vectors are kept in target/bench/themes.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chair_bench::data::repo_root;
use chair_core::relevance::dense::Embedder;
use chair_core::themes::quality::nmi;
use chair_core::themes::{ThemeParams, Vectors, discover, name_themes};

/// A labelled collection: texts and the label of each.
struct Set {
    name: &'static str,
    texts: Vec<String>,
    labels: Vec<String>,
}

fn read_sets() -> anyhow::Result<Vec<Set>> {
    let root = repo_root().join("tests/fixtures/data");
    let banking = |file: &str, name: &'static str| -> anyhow::Result<Set> {
        let mut rdr = csv::Reader::from_path(root.join(file)).context(file.to_string())?;
        let (mut texts, mut labels) = (Vec::new(), Vec::new());
        for r in rdr.records() {
            let r = r?;
            texts.push(r.get(0).unwrap_or("").to_string());
            labels.push(r.get(1).unwrap_or("").to_string());
        }
        Ok(Set {
            name,
            texts,
            labels,
        })
    };
    let mut sets = vec![
        banking("banking77-train.csv", "banking77 train (tuning)")?,
        banking("banking77-test.csv", "banking77 test")?,
    ];
    // CFPB: the narrative only. An import also titles each complaint with its sub-issue, which
    // would hand the labels to the themes.
    let mut rdr = csv::Reader::from_path(root.join("cfpb-complaints-sample.csv"))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n).context(n.to_string());
    let (c_text, c_issue) = (col("Consumer complaint narrative")?, col("Issue")?);
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for r in rdr.records() {
        let r = r?;
        let text = r.get(c_text).unwrap_or("").trim();
        if !text.is_empty() {
            texts.push(text.to_string());
            labels.push(r.get(c_issue).unwrap_or("").to_string());
        }
    }
    sets.push(Set {
        name: "CFPB narratives",
        texts,
        labels,
    });
    Ok(sets)
}

/// The texts' meaning vectors, read from the cache kept for exactly these texts or computed.
fn vectors(set: &Set, model: &chair_embed::Model) -> anyhow::Result<Vectors> {
    let dir = repo_root().join("target/bench/themes");
    std::fs::create_dir_all(&dir)?;
    let key = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        set.texts.hash(&mut h);
        model.name().hash(&mut h);
        h.finish()
    };
    let path: PathBuf = dir.join(format!("{key:016x}.f32"));
    let dim = model.dim();
    if let Ok(mut f) = std::fs::File::open(&path) {
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        if bytes.len() == set.texts.len() * dim * 4 {
            let mut v = Vectors::new(dim);
            v.values = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            return Ok(v);
        }
    }
    let started = Instant::now();
    let mut v = Vectors::new(dim);
    for (i, chunk) in set.texts.chunks(32).enumerate() {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for e in model.embed(&refs)? {
            v.push(&e);
        }
        if i % 20 == 0 {
            eprint!(
                "\r{}: reading for meaning {} of {}",
                set.name,
                v.len(),
                set.texts.len()
            );
        }
    }
    eprintln!(
        "\r{}: read {} texts for meaning in {:.0} s",
        set.name,
        v.len(),
        started.elapsed().as_secs_f64()
    );
    let mut f = std::fs::File::create(&path)?;
    for x in &v.values {
        f.write_all(&x.to_le_bytes())?;
    }
    Ok(v)
}

/// NMI of an assignment against labels, unsorted counting as one group.
fn score(assignment: &[Option<usize>], labels: &[String]) -> f64 {
    let themes: Vec<i64> = assignment
        .iter()
        .map(|a| a.map_or(-1, |t| t as i64))
        .collect();
    nmi(&themes, labels)
}

/// Plain TF-IDF k-means, told the true number of labels: spherical k-means over the texts'
/// sublinear TF-IDF word vectors (words of two or more letters, lower-cased), seeded with
/// evenly spaced texts. The baseline beside every figure.
fn tfidf_kmeans(texts: &[String], k: usize) -> Vec<Option<usize>> {
    let mut vocab: HashMap<String, usize> = HashMap::new();
    let docs: Vec<HashMap<usize, f32>> = texts
        .iter()
        .map(|t| {
            let mut tf: HashMap<usize, f32> = HashMap::new();
            for w in t
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() > 1)
            {
                let n = vocab.len();
                let id = *vocab.entry(w.to_lowercase()).or_insert(n);
                *tf.entry(id).or_default() += 1.0;
            }
            tf
        })
        .collect();
    let mut df = vec![0f32; vocab.len()];
    for d in &docs {
        for &w in d.keys() {
            df[w] += 1.0;
        }
    }
    let n = docs.len() as f32;
    let sparse: Vec<Vec<(usize, f32)>> = docs
        .iter()
        .map(|d| {
            let mut v: Vec<(usize, f32)> = d
                .iter()
                .map(|(&w, &c)| (w, (1.0 + c.ln()) * ((1.0 + n) / (1.0 + df[w])).ln() + 1.0))
                .collect();
            let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt().max(1e-9);
            v.iter_mut().for_each(|(_, x)| *x /= norm);
            v
        })
        .collect();
    let dim = vocab.len();
    let mut centres: Vec<Vec<f32>> = (0..k)
        .map(|i| {
            let mut c = vec![0f32; dim];
            for &(w, x) in &sparse[i * sparse.len() / k] {
                c[w] = x;
            }
            c
        })
        .collect();
    let mut owner = vec![0usize; sparse.len()];
    for _ in 0..20 {
        for (i, d) in sparse.iter().enumerate() {
            owner[i] = (0..k)
                .max_by(|&a, &b| {
                    let sa: f32 = d.iter().map(|&(w, x)| centres[a][w] * x).sum();
                    let sb: f32 = d.iter().map(|&(w, x)| centres[b][w] * x).sum();
                    sa.total_cmp(&sb)
                })
                .unwrap_or(0);
        }
        for (g, c) in centres.iter_mut().enumerate() {
            let mut sum = vec![0f32; dim];
            for (i, d) in sparse.iter().enumerate() {
                if owner[i] == g {
                    for &(w, x) in d {
                        sum[w] += x;
                    }
                }
            }
            let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                *c = sum.into_iter().map(|x| x / norm).collect();
            }
        }
    }
    owner.into_iter().map(Some).collect()
}

/// Peak resident memory of this process, in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Seconds to find themes among `n` synthetic vectors (noisy points around 300 directions),
/// the model's length, as a stand-in for a collection that size already read for meaning.
fn speed(n: usize, dim: usize) -> (f64, usize) {
    let mut state = 0x5EEDu64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let directions: Vec<Vec<f32>> = (0..300)
        .map(|_| (0..dim).map(|_| next()).collect())
        .collect();
    let mut v = Vectors::new(dim);
    let mut row = vec![0f32; dim];
    for i in 0..n {
        let d = &directions[i % directions.len()];
        for (x, base) in row.iter_mut().zip(d) {
            *x = base + 0.6 * next();
        }
        v.push(&row);
    }
    let started = Instant::now();
    let t = discover(&v, &ThemeParams::default());
    (started.elapsed().as_secs_f64(), t.centres.len())
}

/// A stand-in for the language model, fast enough for a speed run: each complaint reads as
/// noise around one of 300 directions, picked by its words.
struct Directions {
    directions: Vec<Vec<f32>>,
}

impl Directions {
    fn new(dim: usize) -> Directions {
        let mut random = chair_bench::corpus::Rng::new(0x7E57);
        let mut unit = || (random.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        Directions {
            directions: (0..300)
                .map(|_| (0..dim).map(|_| unit()).collect())
                .collect(),
        }
    }
}

impl Embedder for Directions {
    fn name(&self) -> &str {
        "bench-directions"
    }
    fn dim(&self) -> usize {
        self.directions[0].len()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Ok(texts
            .iter()
            .map(|t| {
                let hash = t.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                let mut random = chair_bench::corpus::Rng::new(hash);
                let d = &self.directions[(hash % 300) as usize];
                let v: Vec<f32> = d
                    .iter()
                    .map(|x| {
                        x + 0.6 * ((random.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                    })
                    .collect();
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.into_iter().map(|x| x / n).collect()
            })
            .collect())
    }
}

/// The whole path through the database at `n` complaints: finding and keeping the themes,
/// sorting a later import of `n / 10` into them, and listing them.
async fn through_the_store(n: usize, dim: usize) -> anyhow::Result<()> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let dir = tempfile::tempdir()?;
    let store = chair_store::Store::open(&dir.path().join("themes.db")).await?;
    let embedder = Arc::new(Directions::new(dim));
    store.use_embedder(embedder.clone());
    let pool = chair_bench::corpus::Pool::load()?;
    // An import of `rows` generated complaints, then read by the stand-in model.
    let import = async |rows: usize, seed: u64, name: &str| -> anyhow::Result<()> {
        let csv = dir.path().join(name);
        chair_bench::corpus::write_csv(&csv, rows, seed, &pool)?;
        let stop = Arc::new(AtomicBool::new(false));
        store
            .import_file(&csv, &Default::default(), chrono::Utc::now(), None, stop)
            .await?;
        store.embed_pending(|_| {}, &AtomicBool::new(false)).await?;
        Ok(())
    };
    import(n, 1, "first.csv").await?;
    let started = Instant::now();
    let found = store
        .discover_themes(embedder.name(), dim, chrono::Utc::now())
        .await?;
    let discover = started.elapsed().as_secs_f64();
    import(n / 10, 2, "later.csv").await?;
    let started = Instant::now();
    let update = store
        .update_themes(embedder.name(), dim, chrono::Utc::now())
        .await?;
    let sort = started.elapsed().as_secs_f64();
    let mut list_ms = Vec::with_capacity(21);
    for _ in 0..21 {
        // What the themes screen reads: the themes and the complaints that stand for them.
        let started = Instant::now();
        let themes = store.themes(chrono::Utc::now()).await?;
        let examples: Vec<uuid::Uuid> = themes.iter().flat_map(|t| t.examples.clone()).collect();
        store.complaints_by_ids(&examples).await?;
        list_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    // The first read computes the themes; later ones find nothing changed.
    let first_ms = list_ms.remove(0);
    list_ms.sort_by(f64::total_cmp);
    let sorted = update.sorted.unwrap_or_default();
    println!(
        "{n:>9} complaints through the database: found and kept {} themes in {discover:.1} s; a later import of {} sorted into them in {sort:.2} s ({} sorted, {} fit none{}); the themes screen's read (themes and examples) {first_ms:.0} ms the first time, then p50 {:.1} ms, p95 {:.1} ms",
        found.themes,
        n / 10,
        sorted.sorted,
        sorted.unsorted,
        if update.discovered.is_some() {
            ", then found again"
        } else {
            ""
        },
        list_ms[list_ms.len() / 2],
        list_ms[list_ms.len() * 95 / 100],
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut stores: Vec<usize> = Vec::new();
    let mut speeds: Vec<usize> = Vec::new();
    let mut ablation = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--store" => {
                stores = args
                    .next()
                    .context("--store 100000")?
                    .split(',')
                    .map(|n| n.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            "--speed" => {
                speeds = args
                    .next()
                    .context("--speed 100000,1000000")?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            "--ablation" => ablation = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let model = chair_embed::Model::locate()?;
    let sets = read_sets()?;
    println!("Themes against the labels people gave (NMI; unsorted counted as one group):");
    println!(
        "{:<26} {:>7} {:>7} {:>9} {:>8} | {:>14} {:>7}",
        "collection", "texts", "themes", "unsorted", "NMI", "TF-IDF k-means", "labels"
    );
    let params = ThemeParams::default();
    let mut named: Vec<(&str, Vec<String>)> = Vec::new();
    for set in &sets {
        let v = vectors(set, &model)?;
        let t = discover(&v, &params);
        let labels: std::collections::HashSet<&String> = set.labels.iter().collect();
        let baseline = tfidf_kmeans(&set.texts, labels.len());
        let unsorted = t.assignment.iter().filter(|a| a.is_none()).count() as f64
            / set.texts.len().max(1) as f64;
        println!(
            "{:<26} {:>7} {:>7} {:>8.1}% {:>8.3} | {:>14.3} {:>7}",
            set.name,
            set.texts.len(),
            t.centres.len(),
            unsorted * 100.0,
            score(&t.assignment, &set.labels),
            score(&baseline, &set.labels),
            labels.len()
        );
        if ablation {
            let variants: [(&str, ThemeParams); 4] = [
                (
                    "no joining (fine groups only)",
                    ThemeParams {
                        join_cosine: 2.0,
                        ..params.clone()
                    },
                ),
                (
                    "join at 0.4",
                    ThemeParams {
                        join_cosine: 0.4,
                        ..params.clone()
                    },
                ),
                (
                    "join at 0.6",
                    ThemeParams {
                        join_cosine: 0.6,
                        ..params.clone()
                    },
                ),
                (
                    "no smallest theme (min size 1)",
                    ThemeParams {
                        min_size: 1,
                        ..params.clone()
                    },
                ),
            ];
            for (what, p) in variants {
                let a = discover(&v, &p);
                println!(
                    "    {what:<34} themes {:>4}  NMI {:.3}",
                    a.centres.len(),
                    score(&a.assignment, &set.labels)
                );
            }
        }
        // The ten largest themes' names, from their members' texts.
        let mut order: Vec<usize> = (0..t.centres.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(t.sizes[k]));
        let texts: Vec<Vec<&str>> = (0..t.centres.len())
            .map(|k| {
                t.assignment
                    .iter()
                    .zip(&set.texts)
                    .filter(|(a, _)| **a == Some(k))
                    .map(|(_, s)| s.as_str())
                    .collect()
            })
            .collect();
        let names = name_themes(&texts);
        named.push((
            set.name,
            order
                .iter()
                .take(10)
                .map(|&k| format!("{} ({})", names[k], t.sizes[k]))
                .collect(),
        ));
    }
    println!();
    for (set, names) in named {
        println!("{set}, the ten largest themes: {}", names.join("; "));
    }
    if !speeds.is_empty() {
        println!();
        println!(
            "Speed: finding themes among vectors already read (synthetic, {} numbers each):",
            model.dim()
        );
        for n in speeds {
            let (secs, themes) = speed(n, model.dim());
            println!(
                "{n:>9} complaints: {secs:.1} s, {themes} themes, peak memory {:.0} MB",
                peak_mb()
            );
        }
    }
    if !stores.is_empty() {
        println!();
        println!("Speed through the database (a stand-in model: noise around 300 directions):");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        for n in stores {
            runtime.block_on(through_the_store(n, model.dim()))?;
        }
    }
    Ok(())
}
