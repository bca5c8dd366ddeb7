//! Customer themes kept with the complaints: found in the meaning vectors the language model
//! stored (`chair_core::themes::discover`), named from their complaints' words, and kept with
//! stable ids so that a name a user gave and anything pointing at a theme survive the next
//! discovery.

use std::collections::{HashMap, HashSet};

use chair_core::relevance::dense::{dequantize, quantize};
use chair_core::themes::{self, ThemeParams, Themes, Vectors};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use crate::time::ts;

mod edits;
mod follow;

use crate::{Result, Store, StoreError};
pub use chair_core::themes::ThemeSummary;
pub use edits::{Sorting, ThemesUpdate};
pub use follow::{DecisionFollowThrough, MovedAgainst};

/// A new theme takes the id of the earlier theme whose centre is at least this close.
const SAME_THEME: f32 = 0.8;

/// How many weeks of counts a theme shows.
pub const WEEKS_SHOWN: usize = 12;

/// The trend of a collection that does not reach a week into the 30 days before the last 30.
const TOO_NEW: &str = "too new to tell";

/// How many of a theme's most typical complaints its name is drawn from.
const NAMED_FROM: usize = 300;

/// What a discovery found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Discovered {
    pub themes: usize,
    /// Themes that kept the id of an earlier one.
    pub kept: usize,
    pub sorted: usize,
    /// Read for meaning but fitting no theme.
    pub unsorted: usize,
    /// Not read for meaning yet: sorted once they are.
    pub not_read: usize,
}

/// `v` as kept in the database and read back.
fn as_kept(v: &[f32]) -> Vec<f32> {
    dequantize(&quantize(v), v.len()).unwrap_or_else(|| v.to_vec())
}

/// The vectors among `rows` (seq and stored vector) that read as `dim` numbers, with their
/// seqs.
fn readable_vectors(rows: &[(i64, Vec<u8>)], dim: usize) -> (Vec<i64>, Vectors) {
    let mut seqs = Vec::with_capacity(rows.len());
    let mut v = Vectors::new(dim);
    for (seq, bytes) in rows {
        if let Some(x) = dequantize(bytes, dim) {
            seqs.push(*seq);
            v.push(&x);
        }
    }
    (seqs, v)
}

impl Store {
    /// Finds the themes of every complaint the language model `model` (vectors of `dim`
    /// numbers) has read, and keeps them: ids and user names of earlier themes carry over to
    /// the new theme closest to them.
    pub async fn discover_themes(
        &self,
        model: &str,
        dim: usize,
        now: DateTime<Utc>,
    ) -> Result<Discovered> {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", vector FROM complaint_embeddings WHERE model = ? ORDER BY seq"#,
            model
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(|r| (r.seq, r.vector))
        .collect();
        let total: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!: i64" FROM complaints"#)
            .fetch_one(&self.pool())
            .await?;
        let (seqs, vectors) = readable_vectors(&rows, dim);
        drop(rows);
        let (edits, edits_seen) = self.theme_edits(dim).await?;
        let earlier_centres = self.theme_centres(dim).await?;
        let earlier_ids: HashSet<Uuid> = earlier_centres.iter().map(|(id, _)| *id).collect();
        let found = tokio::task::spawn_blocking(move || {
            let mut t = themes::discover(&vectors, &ThemeParams::default());
            let mut ids = carry_ids(&t, &earlier_centres);
            themes::replay(&mut t, &mut ids, &vectors, &edits, SAME_THEME);
            themes::measure_as_kept(&mut t, &vectors, as_kept);
            (t, ids, vectors.len())
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("theme discovery stopped: {e}")))?;
        let (found, ids, read) = found;
        let names = self.theme_names(&found, &seqs).await?;

        let at = ts(now);
        // A discovery elsewhere meanwhile (the app and the command line), a merge or a split
        // is not overwritten unseen: this one gives way. Renames only touch `user_name`.
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let earlier: Vec<Uuid> =
            sqlx::query_scalar!(r#"SELECT id AS "id: Hyphenated" FROM themes"#)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(Hyphenated::into_uuid)
                .collect();
        let same_earlier =
            earlier.len() == earlier_ids.len() && earlier.iter().all(|id| earlier_ids.contains(id));
        if !same_earlier || Self::edits_seen(&mut tx).await? != edits_seen {
            return Err(StoreError::Conflict(
                "themes were changed while they were being found; find them again".into(),
            ));
        }
        sqlx::query!("DELETE FROM complaint_themes")
            .execute(&mut *tx)
            .await?;
        let keep: HashSet<Uuid> = ids.iter().copied().collect();
        for id in &earlier {
            if !keep.contains(id) {
                let gone = id.hyphenated();
                sqlx::query!("DELETE FROM themes WHERE id = ?", gone)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (k, id) in ids.iter().enumerate() {
            let (tid, name, centre) = (id.hyphenated(), &names[k], quantize(found.centres.row(k)));
            sqlx::query!(
                "INSERT INTO themes (id, name, centre, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, centre = excluded.centre,
                                                updated_at = excluded.updated_at",
                tid,
                name,
                centre,
                at
            )
            .execute(&mut *tx)
            .await?;
        }
        // Memberships in batches of one statement each, so that the write lock is held for
        // a few statements rather than one per complaint.
        let members: Vec<(i64, String, f64)> = found
            .assignment
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                a.map(|k| {
                    let id = ids[k].hyphenated().to_string();
                    (seqs[i], id, f64::from(found.closeness[i]))
                })
            })
            .collect();
        let sorted = members.len();
        for batch in members.chunks(20_000) {
            let batch = sqlx::types::Json(batch);
            sqlx::query!(
                "INSERT INTO complaint_themes (seq, theme_id, closeness, received_at, segment)
                 SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, c.received_at, c.segment
                   FROM json_each(?) j JOIN complaints c ON c.seq = j.value ->> 0",
                batch
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query!("DELETE FROM unsorted_complaints")
            .execute(&mut *tx)
            .await?;
        let unsorted: Vec<i64> = found
            .assignment
            .iter()
            .zip(&seqs)
            .filter(|(a, _)| a.is_none())
            .map(|(_, seq)| *seq)
            .collect();
        for batch in unsorted.chunks(20_000) {
            let batch = sqlx::types::Json(batch);
            sqlx::query!(
                "INSERT INTO unsorted_complaints (seq) SELECT value FROM json_each(?)",
                batch
            )
            .execute(&mut *tx)
            .await?;
        }
        let (mean, read_n) = (quantize(&found.mean), read as i64);
        sqlx::query!(
            "INSERT INTO theme_discovery (id, model, mean, complaints, discovered_at, discovered_from)
             VALUES (?1, ?2, ?4, ?3, ?5, ?3)
             ON CONFLICT (id) DO UPDATE SET model = excluded.model, mean = excluded.mean,
                 complaints = excluded.complaints, discovered_at = excluded.discovered_at,
                 discovered_from = excluded.discovered_from",
            1_i64,
            model,
            read_n,
            mean,
            at
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Discovered {
            themes: ids.len(),
            kept: ids.iter().filter(|id| earlier.contains(id)).count(),
            sorted,
            unsorted: read - sorted,
            not_read: (total as usize).saturating_sub(read),
        })
    }

    /// The days the collection covers up to `as_of`: from its oldest complaint to its newest
    /// received by then (or `as_of` when there is none).
    async fn covered(&self, as_of: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        let at = ts(as_of);
        let r = sqlx::query!(
            r#"SELECT min(received_at) AS "oldest: DateTime<Utc>",
                      max(received_at) AS "newest: DateTime<Utc>"
                 FROM complaints WHERE received_at <= ?"#,
            at
        )
        .fetch_one(&self.pool())
        .await?;
        Ok((
            r.oldest.unwrap_or(as_of),
            r.newest.unwrap_or(as_of).min(as_of),
        ))
    }

    /// Whether the themes miss complaints: none found yet, found with another model, or the
    /// model has read complaints not sorted into them since (see [`Store::update_themes`]).
    pub async fn themes_out_of_date(&self, model: &str) -> Result<bool> {
        let read = self.read_for_meaning(model).await?;
        let last = sqlx::query!("SELECT model, complaints FROM theme_discovery WHERE id = 1")
            .fetch_optional(&self.pool())
            .await?;
        Ok(read > 0 && last.is_none_or(|l| l.model != model || l.complaints != read))
    }

    /// Names for the themes found, from the words of their most typical complaints.
    async fn theme_names(&self, found: &Themes, seqs: &[i64]) -> Result<Vec<String>> {
        let mut texts: Vec<Vec<String>> = Vec::with_capacity(found.centres.len());
        for k in 0..found.centres.len() {
            let wanted: Vec<i64> = found
                .typical(k, NAMED_FROM)
                .into_iter()
                .map(|i| seqs[i])
                .collect();
            texts.push(self.texts_of(&wanted).await?);
        }
        let refs: Vec<Vec<&str>> = texts
            .iter()
            .map(|t| t.iter().map(String::as_str).collect())
            .collect();
        Ok(themes::name_themes(&refs))
    }

    /// The kept themes, biggest first, as of `as_of` (complaints received later are not
    /// counted). Read again only when something changed since the last read (see
    /// [`ThemesRead`]).
    pub async fn themes(&self, as_of: DateTime<Utc>) -> Result<Vec<ThemeSummary>> {
        let changes: i64 = sqlx::query_scalar!("SELECT n FROM change_count WHERE id = 1")
            .fetch_one(&self.pool())
            .await?;
        if let Some(kept) = self.themes_read().as_ref()
            && kept.answers(changes, as_of)
        {
            return Ok(kept.themes.clone());
        }
        // The newest moment anything counted carries: any "as of" from then on reads the same.
        let settled: Option<String> = sqlx::query_scalar!(
            r#"SELECT max(at) AS "at: String" FROM (
                 SELECT max(received_at) AS at FROM complaints
                 UNION ALL SELECT max(recorded_at) FROM decision_log
                 UNION ALL SELECT max(marked_at) FROM complaint_marks
                 UNION ALL SELECT max(raised_at) FROM escalations)"#
        )
        .fetch_one(&self.pool())
        .await?;
        let themes = self.read_themes(as_of).await?;
        let settled = settled.and_then(|s| DateTime::parse_from_rfc3339(&s).ok());
        *self.themes_read() = Some(ThemesRead {
            changes,
            settled: settled.map(|s| s.with_timezone(&Utc)),
            as_of,
            themes: themes.clone(),
        });
        Ok(themes)
    }

    fn themes_read(&self) -> std::sync::MutexGuard<'_, Option<ThemesRead>> {
        self.themes_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn read_themes(&self, as_of: DateTime<Utc>) -> Result<Vec<ThemeSummary>> {
        // Days after the newest complaint are days the collection does not cover, not days
        // without complaints: the 30 days counted end with it.
        let (oldest, counted_to) = self.covered(as_of).await?;
        // The part of the 30 days before the last 30 that the collection covers: a trend needs
        // at least a week of it, and is a rate over what is covered.
        let before_days = ((counted_to - Duration::days(30) - oldest).num_seconds() as f64
            / 86_400.0)
            .clamp(0.0, 30.0);
        let (recent_from, previous_from) = (
            ts(counted_to - Duration::days(30)),
            ts(counted_to - Duration::days(60)),
        );
        let at = ts(as_of);
        let rows = sqlx::query!(
            r#"SELECT t.id AS "id!: Hyphenated", t.name AS "name!", t.user_name,
                    count(*) AS "size!: i64", min(ct.received_at) AS "first!: DateTime<Utc>",
                    count(*) FILTER (WHERE ct.received_at > ?1) AS "recent!: i64",
                    count(*) FILTER (WHERE ct.received_at > ?2 AND ct.received_at <= ?1) AS "previous!: i64"
               FROM themes t
               JOIN complaint_themes ct ON ct.theme_id = t.id AND ct.received_at <= ?3
              GROUP BY t.id
              ORDER BY count(*) DESC, t.name"#,
            recent_from,
            previous_from,
            at
        )
        .fetch_all(&self.pool())
        .await?;
        // When a meeting last dealt with each theme: evidence of a decision, a complaint on
        // screen when one was taken, a pin, a "?".
        let heard = sqlx::query!(
            r#"WITH h AS MATERIALIZED (
                 SELECT e.complaint_id AS complaint_id, d.recorded_at AS at
                   FROM decision_evidence e JOIN decision_log d ON d.seq = e.seq
                 UNION ALL
                 SELECT complaint_id, marked_at FROM complaint_marks WHERE mark = 'pinned'
                 UNION ALL
                 SELECT complaint_id, raised_at FROM escalations
                 UNION ALL
                 SELECT j.value ->> 'complaint_id', d.recorded_at
                   FROM decision_log d, json_each(d.details, '$.on_screen') j
             )
             -- The few complaints heard first, then their themes (CROSS JOIN keeps this order).
             SELECT ct.theme_id AS "theme_id!: Hyphenated", max(h.at) AS "at!: String"
               FROM h CROSS JOIN complaints c CROSS JOIN complaint_themes ct
              WHERE c.id = h.complaint_id AND ct.seq = c.seq AND h.at <= ?
              GROUP BY ct.theme_id"#,
            at
        )
        .fetch_all(&self.pool())
        .await?;
        let heard: HashMap<Uuid, DateTime<Utc>> = heard
            .into_iter()
            .filter_map(|r| {
                let at = DateTime::parse_from_rfc3339(&r.at)
                    .ok()?
                    .with_timezone(&Utc);
                Some((r.theme_id.into_uuid(), at))
            })
            .collect();
        // Complaints per theme and week, the week ending at the newest complaint counted.
        let (to, weeks_from) = (
            ts(counted_to),
            ts(counted_to - Duration::weeks(WEEKS_SHOWN as i64)),
        );
        let per_week = sqlx::query!(
            r#"SELECT ct.theme_id AS "theme_id!: Hyphenated",
                      CAST((julianday(?1) - julianday(ct.received_at)) / 7 AS INTEGER) AS "ago!: i64",
                      count(*) AS "n!: i64"
                 FROM complaint_themes ct
                WHERE ct.received_at > ?2 AND ct.received_at <= ?1
                GROUP BY 1, 2"#,
            to,
            weeks_from
        )
        .fetch_all(&self.pool())
        .await?;
        let mut weekly: HashMap<Uuid, Vec<i64>> = HashMap::new();
        for w in per_week {
            if let Ok(ago) = usize::try_from(w.ago)
                && ago < WEEKS_SHOWN
            {
                weekly
                    .entry(w.theme_id.into_uuid())
                    .or_insert_with(|| vec![0; WEEKS_SHOWN])[WEEKS_SHOWN - 1 - ago] += w.n;
            }
        }
        // Each theme's five commonest segments.
        let mut segments: HashMap<Uuid, Vec<String>> = HashMap::new();
        for r in sqlx::query!(
            r#"SELECT theme_id AS "theme_id!: Hyphenated", segment, count(*) AS "n!: i64"
                 FROM complaint_themes WHERE segment != '' AND received_at <= ?
                GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"#,
            at
        )
        .fetch_all(&self.pool())
        .await?
        {
            let of = segments.entry(r.theme_id.into_uuid()).or_default();
            if of.len() < 5 {
                of.push(r.segment);
            }
        }
        let personas: Vec<(String, Vec<String>)> = sqlx::query!(
            r#"SELECT name, segments AS "segments: sqlx::types::Json<Vec<String>>" FROM personas ORDER BY name"#
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(|p| (p.name, p.segments.0))
        .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (tid, id) = (r.id, r.id.into_uuid());
            let (name, user_name, size, recent, previous) =
                (r.name, r.user_name, r.size, r.recent, r.previous);
            let examples = sqlx::query_scalar!(
                r#"SELECT c.id AS "id!: Hyphenated" FROM complaint_themes ct JOIN complaints c ON c.seq = ct.seq
                  WHERE ct.theme_id = ? AND ct.received_at <= ?
                  ORDER BY ct.closeness DESC LIMIT 3"#,
                tid,
                at
            )
            .fetch_all(&self.pool())
            .await?;
            let segments = segments.remove(&id).unwrap_or_default();
            let trend = if before_days < 7.0 {
                TOO_NEW.to_string()
            } else {
                themes::RateRatio::new(previous as u64, before_days, recent as u64, 30.0)
                    .change()
                    .trend_word()
                    .to_string()
            };
            let last_heard = heard.get(&id).copied();
            out.push(ThemeSummary {
                id,
                found_name: user_name.as_ref().map(|_| name.clone()),
                name: user_name.unwrap_or(name),
                size,
                recent,
                previous,
                weekly: weekly.remove(&id).unwrap_or_else(|| vec![0; WEEKS_SHOWN]),
                trend,
                first_complaint: r.first,
                heard: last_heard.is_some(),
                last_heard,
                examples: examples.into_iter().map(Hyphenated::into_uuid).collect(),
                personas: personas
                    .iter()
                    .filter(|(_, of)| {
                        of.iter()
                            .any(|a| segments.iter().any(|b| a.eq_ignore_ascii_case(b)))
                    })
                    .map(|(name, _)| name.clone())
                    .collect(),
                segments,
            });
        }
        Ok(out)
    }

    /// The `external_id` (or id) of every complaint in theme `id`.
    pub async fn theme_members(&self, id: Uuid) -> Result<Vec<String>> {
        let tid = id.hyphenated();
        Ok(sqlx::query_scalar!(
            r#"SELECT coalesce(c.external_id, c.id) AS "id!: String" FROM complaint_themes ct
               JOIN complaints c ON c.seq = ct.seq WHERE ct.theme_id = ? ORDER BY c.seq"#,
            tid
        )
        .fetch_all(&self.pool())
        .await?)
    }

    /// Gives theme `id` a name of the user's, kept across discoveries.
    pub async fn rename_theme(&self, id: Uuid, name: &str, now: DateTime<Utc>) -> Result<()> {
        let name = chair_core::validate::label("theme name", name, 80)?;
        let (at, tid) = (ts(now), id.hyphenated());
        let done = sqlx::query!(
            "UPDATE themes SET user_name = ?, updated_at = ? WHERE id = ?",
            name,
            at,
            tid
        )
        .execute(&self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that theme no longer exists".into()));
        }
        Ok(())
    }
}

/// The themes as last read, and what they were read from.
#[derive(Debug)]
pub struct ThemesRead {
    /// The database's change count when read: themes and their discovery, complaints,
    /// decisions, pins and questions all move it.
    changes: i64,
    /// The newest moment among complaints, decisions, pins and questions.
    settled: Option<DateTime<Utc>>,
    as_of: DateTime<Utc>,
    themes: Vec<ThemeSummary>,
}

impl ThemesRead {
    /// Whether these themes are what reading them as of `as_of` would give now: nothing
    /// changed, and either the same "as of" or both on or after everything counted.
    fn answers(&self, changes: i64, as_of: DateTime<Utc>) -> bool {
        changes == self.changes
            && (as_of == self.as_of || self.settled.is_none_or(|s| as_of >= s && self.as_of >= s))
    }
}

/// For each theme found, the id it keeps: that of the earlier theme whose centre is closest
/// (at least [`SAME_THEME`]), each earlier id going to one theme at most, the closest pairs
/// first; a new id otherwise.
fn carry_ids(found: &Themes, earlier: &[(Uuid, Vec<f32>)]) -> Vec<Uuid> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for k in 0..found.centres.len() {
        let c = found.centres.row(k);
        for (e, (_, centre)) in earlier.iter().enumerate() {
            let cos: f32 = c.iter().zip(centre).map(|(a, b)| a * b).sum();
            if cos >= SAME_THEME {
                pairs.push((cos, k, e));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut ids: Vec<Option<Uuid>> = vec![None; found.centres.len()];
    let mut taken = vec![false; earlier.len()];
    for (_, k, e) in pairs {
        if ids[k].is_none() && !taken[e] {
            ids[k] = Some(earlier[e].0);
            taken[e] = true;
        }
    }
    ids.into_iter()
        .map(|id| id.unwrap_or_else(Uuid::new_v4))
        .collect()
}
