//! What users and later imports do to kept themes: merge two, split one in two (both kept as
//! edits and replayed on every discovery), sort complaints read since the discovery into the
//! themes, and turn a theme into an agenda item.

use chair_core::Invalid;
use chair_core::meeting::{AgendaItemDraft, MeetingStatus};
use chair_core::relevance::dense::{dequantize, quantize};
use chair_core::themes::{self, Edit, Vectors};
use chair_core::validate::Valid;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::{Discovered, NAMED_FROM, readable_vectors};
use crate::time::ts;
use crate::{Result, Store, StoreError};

/// The themes are found again once the complaints read for meaning have grown by this share
/// since the last discovery; until then, new complaints are sorted into the themes found.
const GROWTH_TO_REDISCOVER: f64 = 0.1;

/// Complaints read since the themes were found, sorted into them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sorting {
    pub sorted: usize,
    /// Fitting none of the themes.
    pub unsorted: usize,
}

/// What [`Store::update_themes`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ThemesUpdate {
    pub sorted: Option<Sorting>,
    pub discovered: Option<Discovered>,
}

/// The last discovery as kept.
struct LastDiscovery {
    model: String,
    mean: Vec<u8>,
    looked_at: i64,
    discovered_from: i64,
}

impl Store {
    /// The kept edits, oldest first, with their centres read as `dim` numbers, and the number
    /// of the newest (0 when none).
    pub(super) async fn theme_edits(&self, dim: usize) -> Result<(Vec<Edit>, i64)> {
        let rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", kind, theme_id AS "theme_id: Hyphenated",
                      other_id AS "other_id: Hyphenated", other_centre, kept_centre
                 FROM theme_edits ORDER BY seq"#
        )
        .fetch_all(&self.pool())
        .await?;
        let newest = rows.last().map_or(0, |r| r.seq);
        let unreadable = || StoreError::Corrupt("a kept theme edit cannot be read".into());
        let mut edits = Vec::with_capacity(rows.len());
        for r in rows {
            let other = dequantize(&r.other_centre, dim).ok_or_else(unreadable)?;
            edits.push(match (r.kind.as_str(), r.kept_centre) {
                ("merge", None) => Edit::Merge {
                    into: r.theme_id.into_uuid(),
                    merged_centre: other,
                },
                ("split", Some(kept)) => Edit::Split {
                    theme: r.theme_id.into_uuid(),
                    off: r.other_id.into_uuid(),
                    kept_centre: dequantize(&kept, dim).ok_or_else(unreadable)?,
                    off_centre: other,
                },
                _ => return Err(unreadable()),
            });
        }
        Ok((edits, newest))
    }

    /// The number of the newest kept edit, read in `tx`.
    pub(super) async fn edits_seen(tx: &mut sqlx::SqliteConnection) -> Result<i64> {
        Ok(
            sqlx::query_scalar!(r#"SELECT coalesce(max(seq), 0) AS "n!: i64" FROM theme_edits"#)
                .fetch_one(&mut *tx)
                .await?,
        )
    }

    /// The kept themes' ids and centres read as `dim` numbers.
    pub(super) async fn theme_centres(&self, dim: usize) -> Result<Vec<(Uuid, Vec<f32>)>> {
        Ok(
            sqlx::query!(r#"SELECT id AS "id: Hyphenated", centre FROM themes"#)
                .fetch_all(&self.pool())
                .await?
                .into_iter()
                .filter_map(|r| Some((r.id.into_uuid(), dequantize(&r.centre, dim)?)))
                .collect(),
        )
    }

    /// Whether themes have been found in this database.
    pub async fn themes_found(&self) -> Result<bool> {
        Ok(self.last_discovery().await?.is_some())
    }

    async fn last_discovery(&self) -> Result<Option<LastDiscovery>> {
        Ok(sqlx::query!(
            "SELECT model, mean, complaints, discovered_from FROM theme_discovery WHERE id = 1"
        )
        .fetch_optional(&self.pool())
        .await?
        .map(|r| LastDiscovery {
            model: r.model,
            mean: r.mean,
            looked_at: r.complaints,
            discovered_from: r.discovered_from,
        }))
    }

    /// Keeps the themes up to date with what the language model `model` has read: complaints
    /// read since the last discovery are sorted into its themes at once, and the themes are
    /// found again when none were found with this model or the complaints read have grown by
    /// a tenth since.
    pub async fn update_themes(
        &self,
        model: &str,
        dim: usize,
        now: DateTime<Utc>,
    ) -> Result<ThemesUpdate> {
        let mut done = ThemesUpdate::default();
        let last = match self.last_discovery().await? {
            Some(last) if last.model == model => last,
            _ => {
                if self.read_for_meaning(model).await? > 0 {
                    done.discovered = Some(self.discover_themes(model, dim, now).await?);
                }
                return Ok(done);
            }
        };
        let read = self.read_for_meaning(model).await?;
        if read != last.looked_at {
            done.sorted = Some(self.sort_new_complaints(model, dim, &last.mean).await?);
        }
        if read as f64 > last.discovered_from as f64 * (1.0 + GROWTH_TO_REDISCOVER) {
            done.discovered = Some(self.discover_themes(model, dim, now).await?);
        }
        Ok(done)
    }

    pub(super) async fn read_for_meaning(&self, model: &str) -> Result<i64> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM complaint_embeddings WHERE model = ?"#,
            model
        )
        .fetch_one(&self.pool())
        .await?)
    }

    /// Sorts the complaints read by `model` and not looked at since the themes were found into
    /// the nearest theme within its reach (see [`chair_core::themes::sort_into`]).
    async fn sort_new_complaints(&self, model: &str, dim: usize, mean: &[u8]) -> Result<Sorting> {
        let mean = dequantize(mean, dim)
            .ok_or_else(|| StoreError::Corrupt("the kept themes cannot be read".into()))?;
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query!(
            r#"SELECT e.seq AS "seq!: i64", e.vector FROM complaint_embeddings e
                WHERE e.model = ?
                  AND NOT EXISTS (SELECT 1 FROM complaint_themes ct WHERE ct.seq = e.seq)
                  AND NOT EXISTS (SELECT 1 FROM unsorted_complaints u WHERE u.seq = e.seq)"#,
            model
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(|r| (r.seq, r.vector))
        .collect();
        let (seqs, vectors) = readable_vectors(&rows, dim);
        drop(rows);
        let reach = sqlx::query!(
            r#"SELECT t.id AS "id!: Hyphenated", t.centre AS "centre!", min(ct.closeness) AS "floor!: f64"
                 FROM themes t JOIN complaint_themes ct ON ct.theme_id = t.id GROUP BY t.id"#
        )
        .fetch_all(&self.pool())
        .await?;
        let mut centres = Vectors::new(dim);
        let (mut ids, mut floors) = (Vec::new(), Vec::new());
        for r in reach {
            if let Some(c) = dequantize(&r.centre, dim) {
                centres.push(&c);
                ids.push(r.id.to_string());
                floors.push(r.floor as f32);
            }
        }
        let (mut members, mut unsorted) = (Vec::new(), Vec::new());
        for (i, seq) in seqs.iter().enumerate() {
            match themes::sort_into(vectors.row(i), &mean, &centres, &floors) {
                Some((t, cos)) => members.push((*seq, ids[t].as_str(), f64::from(cos))),
                None => unsorted.push(*seq),
            }
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        for batch in members.chunks(20_000) {
            let batch = Json(batch);
            // A theme merged away meanwhile takes its complaints with it: they are looked at
            // again next time.
            sqlx::query!(
                "INSERT OR IGNORE INTO complaint_themes (seq, theme_id, closeness, received_at, segment)
                 SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, c.received_at, c.segment
                   FROM json_each(?) j JOIN complaints c ON c.seq = j.value ->> 0
                  WHERE j.value ->> 1 IN (SELECT id FROM themes)",
                batch
            )
            .execute(&mut *tx)
            .await?;
        }
        for batch in unsorted.chunks(20_000) {
            let batch = Json(batch);
            sqlx::query!(
                "INSERT OR IGNORE INTO unsorted_complaints (seq)
                 SELECT value FROM json_each(?) WHERE value IN (SELECT seq FROM complaints)",
                batch
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query!(
            "UPDATE theme_discovery SET complaints =
                (SELECT count(*) FROM complaint_embeddings WHERE model = ?1) WHERE model = ?1",
            model
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Sorting {
            sorted: members.len(),
            unsorted: unsorted.len(),
        })
    }

    /// Folds theme `merged` into theme `into`: its complaints join `into`, which keeps its
    /// name; kept as an edit so that the next discovery folds them again.
    pub async fn merge_themes(&self, into: Uuid, merged: Uuid, now: DateTime<Utc>) -> Result<()> {
        if into == merged {
            return Err(StoreError::Invalid(Invalid::new(
                "theme",
                "choose two different themes to merge",
            )));
        }
        let (into_h, merged_h, at) = (into.hyphenated(), merged.hyphenated(), ts(now));
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let kept = sqlx::query_scalar!("SELECT 1 AS one FROM themes WHERE id = ?", into_h)
            .fetch_optional(&mut *tx)
            .await?;
        let gone = sqlx::query_scalar!("SELECT centre FROM themes WHERE id = ?", merged_h)
            .fetch_optional(&mut *tx)
            .await?;
        let (Some(_), Some(centre)) = (kept, gone) else {
            return Err(StoreError::NotFound(
                "one of those themes no longer exists".into(),
            ));
        };
        sqlx::query!(
            "UPDATE complaint_themes SET theme_id = ? WHERE theme_id = ?",
            into_h,
            merged_h
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("DELETE FROM themes WHERE id = ?", merged_h)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "INSERT INTO theme_edits (kind, theme_id, other_id, other_centre, made_at)
             VALUES ('merge', ?, ?, ?, ?)",
            into_h,
            merged_h,
            centre,
            at
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("UPDATE themes SET updated_at = ? WHERE id = ?", at, into_h)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Splits theme `id` into its two most distinct parts; the smaller becomes a new theme
    /// (returned), named from its own words. Kept as an edit so that the next discovery splits
    /// it again.
    pub async fn split_theme(&self, id: Uuid, dim: usize, now: DateTime<Utc>) -> Result<Uuid> {
        let tid = id.hyphenated();
        let last = self
            .last_discovery()
            .await?
            .ok_or_else(|| StoreError::NotFound("no themes have been found yet".into()))?;
        let mean = dequantize(&last.mean, dim)
            .ok_or_else(|| StoreError::Corrupt("the kept themes cannot be read".into()))?;
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query!(
            r#"SELECT ct.seq AS "seq!: i64", e.vector FROM complaint_themes ct
                 JOIN complaint_embeddings e ON e.seq = ct.seq AND e.model = ?
                WHERE ct.theme_id = ? ORDER BY ct.seq"#,
            last.model,
            tid
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(|r| (r.seq, r.vector))
        .collect();
        if rows.is_empty() {
            return Err(StoreError::NotFound("that theme no longer exists".into()));
        }
        let (seqs, raw) = readable_vectors(&rows, dim);
        let mut centred = Vectors::new(dim);
        for i in 0..raw.len() {
            centred.push(&themes::centred(raw.row(i), &mean));
        }
        let min_size = themes::ThemeParams::default().min_size;
        let mut split = themes::split_in_two(&centred, min_size).ok_or_else(|| {
            StoreError::Invalid(Invalid::new(
                "theme",
                format!(
                    "this theme is too small or too uniform to split: each part needs at least {min_size} complaints"
                ),
            ))
        })?;
        // Closeness measured as later complaints will be, against the centres as kept.
        (split.kept_centre, split.off_centre) = (
            super::as_kept(&split.kept_centre),
            super::as_kept(&split.off_centre),
        );
        // Both parts named side by side, from their most typical complaints.
        let mut parts: [Vec<(f32, i64)>; 2] = [Vec::new(), Vec::new()];
        for (i, seq) in seqs.iter().enumerate() {
            let (part, centre) = if split.goes[i] {
                (1, &split.off_centre)
            } else {
                (0, &split.kept_centre)
            };
            parts[part].push((themes::cosine(centred.row(i), centre), *seq));
        }
        let mut texts = Vec::with_capacity(2);
        for part in &mut parts {
            part.sort_by(|a, b| b.0.total_cmp(&a.0));
            let typical: Vec<i64> = part.iter().take(NAMED_FROM).map(|p| p.1).collect();
            texts.push(self.texts_of(&typical).await?);
        }
        let refs: Vec<Vec<&str>> = texts
            .iter()
            .map(|t| t.iter().map(String::as_str).collect())
            .collect();
        let names = themes::name_themes(&refs);
        let off = Uuid::new_v4();
        let (off_h, at) = (off.hyphenated(), ts(now));
        let (off_centre, kept_centre) = (quantize(&split.off_centre), quantize(&split.kept_centre));
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let still = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!: i64" FROM complaint_themes WHERE theme_id = ?"#,
            tid
        )
        .fetch_one(&mut *tx)
        .await?;
        if still as usize != rows.len() {
            return Err(StoreError::Conflict(
                "the theme changed while it was being split; try again".into(),
            ));
        }
        sqlx::query!(
            "INSERT INTO themes (id, name, centre, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            off_h,
            names[1],
            off_centre,
            at
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE themes SET name = ?, updated_at = ? WHERE id = ?",
            names[0],
            at,
            tid
        )
        .execute(&mut *tx)
        .await?;
        let moved: Vec<(i64, f64)> = parts[1].iter().map(|(c, s)| (*s, f64::from(*c))).collect();
        for batch in moved.chunks(20_000) {
            let batch = Json(batch);
            sqlx::query!(
                "UPDATE complaint_themes SET theme_id = ?1,
                        closeness = (SELECT value ->> 1 FROM json_each(?2) WHERE value ->> 0 = complaint_themes.seq)
                  WHERE seq IN (SELECT value ->> 0 FROM json_each(?2))",
                off_h,
                batch
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query!(
            "INSERT INTO theme_edits (kind, theme_id, other_id, other_centre, kept_centre, made_at)
             VALUES ('split', ?, ?, ?, ?, ?)",
            tid,
            off_h,
            off_centre,
            kept_centre,
            at
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(off)
    }

    /// Adds theme `id` to the planned meeting `meeting_id` as its last agenda item: titled
    /// with the theme's name, the customer problem in the words of its most typical
    /// complaint, keywords from its name. Returns the new item's id.
    pub async fn add_theme_to_meeting(&self, id: Uuid, meeting_id: Uuid) -> Result<Uuid> {
        let tid = id.hyphenated();
        let theme = sqlx::query!(
            r#"SELECT coalesce(user_name, name) AS "name!: String", name AS found FROM themes WHERE id = ?"#,
            tid
        )
        .fetch_optional(&self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("that theme no longer exists".into()))?;
        let typical = sqlx::query!(
            "SELECT c.title, c.body FROM complaint_themes ct JOIN complaints c ON c.seq = ct.seq
              WHERE ct.theme_id = ? ORDER BY ct.closeness DESC LIMIT 1",
            tid
        )
        .fetch_optional(&self.pool())
        .await?;
        let problem = typical.map_or_else(String::new, |c| {
            let text = if c.title.trim().is_empty() {
                c.body
            } else {
                format!("{}. {}", c.title.trim(), c.body)
            };
            format!("Customers say: \u{201c}{}\u{201d}", clip(text.trim(), 900))
        });
        let mut keywords: Vec<String> = Vec::new();
        for word in theme
            .name
            .split_whitespace()
            .chain(theme.found.split_whitespace())
        {
            let w = word
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            if w.chars().count() > 2 && !keywords.contains(&w) {
                keywords.push(w);
            }
        }
        let meeting = self.meeting(meeting_id).await?;
        if meeting.status != MeetingStatus::Planned {
            return Err(StoreError::Invalid(Invalid::new(
                "meeting",
                format!(
                    "\u{201c}{}\u{201d} is {}; themes are added to planned meetings",
                    meeting.title,
                    meeting.status.as_str()
                ),
            )));
        }
        let item = Valid::parse(AgendaItemDraft {
            title: theme.name,
            customer_problem: problem,
            timebox_minutes: 15,
            keywords,
            ..Default::default()
        })?;
        self.append_agenda_item(meeting_id, &item).await
    }

    /// The titles and bodies of complaints `seqs`, as one text each.
    pub(super) async fn texts_of(&self, seqs: &[i64]) -> Result<Vec<String>> {
        let wanted = Json(seqs);
        Ok(sqlx::query!(
            "SELECT c.title, c.body FROM json_each(?) AS j JOIN complaints c ON c.seq = j.value",
            wanted
        )
        .fetch_all(&self.pool())
        .await?
        .into_iter()
        .map(|r| format!("{}. {}", r.title, r.body))
        .collect())
    }
}

/// `text` cut to at most `max` characters at a word, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}\u{2026}", cut[..at].trim_end())
}
