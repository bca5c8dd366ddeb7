//! The organisation's decisions as a leader audits them: read from this laptop's pulled copy
//! (so the audit works offline, and shows exactly the bytes that were verified), named by the
//! meetings, agenda items and personas their laptops pushed, filtered, counted and exported.
//!
//! Entries are facts, so nothing is resolved by clock: a decision superseded by two laptops
//! that were offline at the time has two successors that both stand, and shows as contested
//! until a later entry supersedes or revokes all but one of them.

use std::collections::HashMap;
use std::path::Path;

use chair_core::audit::{Sort, WeekCount};
use chair_core::chain::{EntryKind, LogEntryV2};
use chair_core::decision::{Direction, FollowUp, Size, Stance};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::local::{OrgFiles, SeenCheckpoint};
use crate::pull::{SnapshotRow, copy_at};
use crate::read::{DeviceRow, OrgLog};
use crate::verify::{self, OrgReport};
use crate::{LogRow, Result};

/// What became of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    /// It stands.
    Current,
    Superseded,
    Revoked,
    /// Two or more laptops superseded it, and more than one of their successors stands.
    Contested,
}

/// An entry named by its laptop and place in that laptop's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntryPlace {
    pub device_id: Uuid,
    pub device: String,
    pub seq: i64,
    pub kind: EntryKind,
}

/// One entry of the organisation log, for reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgDecision {
    pub team: String,
    pub device: String,
    pub device_id: Uuid,
    pub seq: i64,
    pub entry_id: Uuid,
    pub kind: EntryKind,
    pub recorded_at: String,
    pub decided_by: String,
    pub meeting_title: String,
    pub item_title: String,
    pub statement: String,
    pub direction: Option<Direction>,
    pub size: Option<Size>,
    pub impact: String,
    pub stance: Option<Stance>,
    pub advocate_note: String,
    pub no_evidence: bool,
    pub evidence_count: i64,
    /// The evidence complaints, as a reader would name them (those pushed with the entry).
    pub evidence: Vec<String>,
    pub personas: Vec<String>,
    pub follow_ups: Vec<FollowUp>,
    /// Why it superseded or revoked the entry in `closes`.
    pub reason: String,
    /// The entry this one supersedes or revokes.
    pub closes: Option<EntryPlace>,
    /// The entries that supersede or revoke this one.
    pub closed_by: Vec<EntryPlace>,
    pub status: OrgStatus,
    /// Hexadecimal.
    pub hash: String,
}

/// Which decisions to list, by what became of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OrgStatusFilter {
    #[default]
    All,
    Current,
    Superseded,
    Revoked,
    Contested,
}

/// The organisation audit's filters; each one given narrows the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgFilter {
    pub team: Option<String>,
    /// The laptop (device) that recorded it.
    pub device: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub direction: Option<Direction>,
    /// Only decisions the advocate objected to.
    pub objected: bool,
    /// Only decisions made without customer evidence.
    pub no_evidence: bool,
    pub status: OrgStatusFilter,
    /// Words to find in statements, impact texts, reasons, meetings, agenda items, who decided
    /// and the personas named.
    pub text: String,
    pub sort: Sort,
}

impl Default for OrgFilter {
    fn default() -> Self {
        Self {
            team: None,
            device: None,
            from: None,
            to: None,
            direction: None,
            objected: false,
            no_evidence: false,
            status: OrgStatusFilter::All,
            text: String::new(),
            sort: Sort::Newest,
        }
    }
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgPage {
    /// Entries the filter matches.
    pub total: i64,
    pub rows: Vec<OrgDecision>,
}

/// A team's share of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TeamCount {
    pub team: String,
    /// Decisions that stand.
    pub decisions: i64,
    /// Laptops with at least one entry.
    pub laptops: i64,
}

/// The organisation's dashboard, over the decisions that stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgDashboard {
    pub decisions: i64,
    pub contested: i64,
    pub weeks: Vec<WeekCount>,
    /// Share of standing decisions the advocate objected to.
    pub objection_rate: f64,
    /// Share of standing decisions with customer evidence.
    pub evidence_rate: f64,
    pub teams: Vec<TeamCount>,
}

/// A laptop as the audit's filter lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgLaptop {
    pub id: Uuid,
    pub name: String,
    pub team: String,
    pub revoked: bool,
    pub entries: i64,
}

/// The local copy, verified and read for the audit.
#[derive(Debug, Clone)]
pub struct OrgView {
    /// Oldest first, as recorded.
    pub decisions: Vec<OrgDecision>,
    pub laptops: Vec<OrgLaptop>,
    /// The verification of the copy.
    pub report: OrgReport,
    /// When the copy was last written (empty when nothing was pulled).
    pub pulled_at: String,
    /// What filters read of each decision, worked out once (same order as `decisions`).
    meta: Vec<Meta>,
    /// The teams that recorded decisions, in order; `Meta::team` indexes it.
    team_names: Vec<String>,
}

/// What filters and the dashboard read of a decision, worked out once.
#[derive(Debug, Clone)]
struct Meta {
    day: Option<NaiveDate>,
    /// An earlier decision in the list has the same id: another laptop's copy of it.
    copy: bool,
    team: usize,
    /// The text the filter's words are looked for in, lower-cased.
    text: String,
}

impl OrgView {
    /// Reads and verifies the copy beside the database at `db` (empty when nothing was pulled),
    /// consistently with the checkpoints in `seen`.
    pub fn read(db: &Path, seen: &[SeenCheckpoint]) -> Result<OrgView> {
        let (log, snapshots) = copy_at(&OrgFiles::beside(db).pulled)?;
        // A checkpoint this laptop saw after the copy was pulled (sealing, say) is not one the
        // copy can hold yet; the next pull checks it.
        let newest = log
            .checkpoints
            .iter()
            .map(|c| c.tree_size)
            .max()
            .unwrap_or(-1);
        let seen: Vec<SeenCheckpoint> = seen
            .iter()
            .filter(|c| c.tree_size <= newest)
            .cloned()
            .collect();
        let report = verify::verify(&log, &seen);
        Ok(Self::of(&log, &snapshots, report))
    }

    /// Reads the copy beside the database at `db` right after a pull that verified what the
    /// server holds and found everything pulled before unchanged there (`report`): the copy
    /// holds those same entries, so they are not checked a second time.
    pub fn read_pulled(db: &Path, report: OrgReport) -> Result<OrgView> {
        let (log, snapshots) = copy_at(&OrgFiles::beside(db).pulled)?;
        Ok(Self::of(&log, &snapshots, report))
    }

    /// The decisions of `log`, named by `snapshots` (newest wins).
    pub fn of(log: &OrgLog, snapshots: &[SnapshotRow], report: OrgReport) -> OrgView {
        let devices: HashMap<Uuid, &DeviceRow> = log.devices.iter().map(|d| (d.id, d)).collect();
        let mut names: HashMap<(Uuid, &str, Uuid), String> = HashMap::new();
        for s in snapshots {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&s.content) else {
                continue;
            };
            let text = |field: &str| v.get(field).and_then(|t| t.as_str()).unwrap_or_default();
            let value = match s.kind.as_str() {
                "persona" => text("name").to_string(),
                // A complaint as a reader would name it: its reference, then its title (or
                // the start of what the customer wrote).
                "complaint" => {
                    let said = if text("title").is_empty() {
                        text("body").chars().take(100).collect()
                    } else {
                        text("title").to_string()
                    };
                    match text("external_id") {
                        "" => said,
                        reference => format!("{reference} · {said}"),
                    }
                }
                _ => text("title").to_string(),
            };
            if !value.is_empty() {
                names.insert((s.device_id, s.kind.as_str(), s.object_id), value);
            }
        }
        let name = |device: Uuid, kind: &str, id: Uuid| {
            names.get(&(device, kind, id)).cloned().unwrap_or_default()
        };
        let mut decisions = Vec::with_capacity(log.entries.len());
        let mut targets: Vec<Option<Uuid>> = Vec::with_capacity(log.entries.len());
        let mut entries_of: HashMap<Uuid, i64> = HashMap::new();
        for row in &log.entries {
            // An entry that does not read is one verification names; it is not shown.
            let Ok(e) = LogEntryV2::parse_canonical(row.canonical.as_bytes()) else {
                continue;
            };
            let device = devices.get(&row.device_id);
            *entries_of.entry(row.device_id).or_default() += 1;
            targets.push(e.target.as_ref().map(|t| t.id));
            decisions.push(OrgDecision {
                team: device.map(|d| d.team.clone()).unwrap_or_default(),
                device: device.map(|d| d.name.clone()).unwrap_or_default(),
                device_id: row.device_id,
                seq: row.seq,
                entry_id: e.id,
                kind: e.kind,
                recorded_at: e.recorded_at,
                decided_by: e.decided_by,
                meeting_title: name(row.device_id, "meeting", e.meeting_id),
                item_title: e
                    .agenda_item_id
                    .map(|i| name(row.device_id, "agenda_item", i))
                    .unwrap_or_default(),
                statement: e.statement,
                direction: e.direction,
                size: e.size,
                impact: e.impact,
                stance: e.stance,
                advocate_note: e.advocate_note,
                no_evidence: e.no_evidence,
                evidence_count: e.evidence.len() as i64,
                evidence: e
                    .evidence
                    .iter()
                    .map(|c| name(row.device_id, "complaint", *c))
                    .filter(|n| !n.is_empty())
                    .collect(),
                personas: e
                    .personas
                    .iter()
                    .map(|p| name(row.device_id, "persona", *p))
                    .filter(|n| !n.is_empty())
                    .collect(),
                follow_ups: e.follow_ups,
                reason: e.reason,
                closes: None,
                closed_by: Vec::new(),
                status: OrgStatus::Current,
                hash: row.hash.clone(),
            });
        }
        settle(&mut decisions, &targets);
        let mut order: Vec<usize> = (0..decisions.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&decisions[a], &decisions[b]);
            (&x.recorded_at, &x.team, &x.device, x.seq).cmp(&(
                &y.recorded_at,
                &y.team,
                &y.device,
                y.seq,
            ))
        });
        let mut sorted = Vec::with_capacity(decisions.len());
        let mut slots: Vec<Option<OrgDecision>> = decisions.into_iter().map(Some).collect();
        for i in order {
            if let Some(d) = slots[i].take() {
                sorted.push(d);
            }
        }
        let laptops = log
            .devices
            .iter()
            .map(|d| OrgLaptop {
                id: d.id,
                name: d.name.clone(),
                team: d.team.clone(),
                revoked: d.revoked_at.is_some(),
                entries: entries_of.get(&d.id).copied().unwrap_or(0),
            })
            .collect();
        let mut team_names: Vec<String> = sorted.iter().map(|d| d.team.clone()).collect();
        team_names.sort();
        team_names.dedup();
        let mut ids = std::collections::HashSet::with_capacity(sorted.len());
        let meta = sorted
            .iter()
            .map(|d| Meta {
                copy: !ids.insert(d.entry_id),
                day: day_of(&d.recorded_at),
                team: team_names.binary_search(&d.team).unwrap_or(0),
                text: searchable(d),
            })
            .collect();
        OrgView {
            meta,
            team_names,
            decisions: sorted,
            laptops,
            report,
            pulled_at: log.exported_at.clone(),
        }
    }

    /// The teams, each once, in order.
    pub fn teams(&self) -> Vec<String> {
        let mut teams: Vec<String> = self.laptops.iter().map(|l| l.team.clone()).collect();
        teams.sort();
        teams.dedup();
        teams
    }

    /// The decisions `f` matches, in its order.
    pub fn matching<'a>(
        &'a self,
        f: &'a OrgFilter,
    ) -> Box<dyn Iterator<Item = &'a OrgDecision> + 'a> {
        let words: Vec<String> = f.text.split_whitespace().map(str::to_lowercase).collect();
        let keep = move |(d, m): &(&OrgDecision, &Meta)| {
            matches(d, m, f) && words.iter().all(|w| m.text.contains(w.as_str()))
        };
        let all = self.decisions.iter().zip(&self.meta);
        match f.sort {
            Sort::Newest => Box::new(all.rev().filter(keep).map(|(d, _)| d)),
            Sort::Oldest => Box::new(all.filter(keep).map(|(d, _)| d)),
        }
    }

    /// Rows `offset` to `offset + limit` of the decisions `f` matches.
    pub fn page(&self, f: &OrgFilter, offset: usize, limit: usize) -> OrgPage {
        let mut total = 0i64;
        let mut rows = Vec::new();
        for (i, d) in self.matching(f).enumerate() {
            total += 1;
            if i >= offset && rows.len() < limit {
                rows.push(d.clone());
            }
        }
        OrgPage { total, rows }
    }

    /// The entry `seq` of laptop `device`.
    pub fn entry(&self, device: Uuid, seq: i64) -> Option<&OrgDecision> {
        self.decisions
            .iter()
            .find(|d| d.device_id == device && d.seq == seq)
    }

    /// The dashboard over the standing decisions of the team and laptop `f` names, for the
    /// `weeks` weeks up to `today`.
    pub fn dashboard(&self, f: &OrgFilter, today: NaiveDate, weeks: u32) -> OrgDashboard {
        let mut out = WeekCount::up_to(today, weeks);
        let since = out[0].week;
        let scope = |(d, _): &(&OrgDecision, &Meta)| {
            f.team.as_ref().is_none_or(|t| &d.team == t)
                && f.device.is_none_or(|x| d.device_id == x)
        };
        let mut decisions = 0i64;
        // A decision held by two laptops (copied with the database) is contested once.
        let mut contested = std::collections::HashSet::new();
        let mut objected = 0i64;
        let mut evidenced = 0i64;
        let mut per_team = vec![0i64; self.team_names.len()];
        let mut seen_team = vec![false; self.team_names.len()];
        for (d, m) in self.decisions.iter().zip(&self.meta).filter(scope) {
            seen_team[m.team] = true;
            if d.status == OrgStatus::Contested {
                contested.insert(d.entry_id);
            }
            // A decision two laptops hold (copied with the database) counts once.
            if d.kind == EntryKind::Revoke || d.status != OrgStatus::Current || m.copy {
                continue;
            }
            decisions += 1;
            per_team[m.team] += 1;
            objected += i64::from(d.stance == Some(Stance::Objects));
            evidenced += i64::from(!d.no_evidence);
            let Some(day) = m.day.filter(|day| *day >= since) else {
                continue;
            };
            let week = ((day - since).num_days() / 7) as usize;
            if let Some(slot) = out.get_mut(week) {
                slot.add(d.direction.unwrap_or(Direction::Unknown), 1);
            }
        }
        let share = |n: i64| {
            if decisions == 0 {
                0.0
            } else {
                n as f64 / decisions as f64
            }
        };
        // Laptops with entries, in the scope of the filter.
        let laptops_of = |team: &str| {
            self.laptops
                .iter()
                .filter(|l| l.team == team && l.entries > 0)
                .filter(|l| f.device.is_none_or(|x| l.id == x))
                .count() as i64
        };
        let teams: Vec<TeamCount> = self
            .team_names
            .iter()
            .enumerate()
            .filter(|(i, _)| seen_team[*i])
            .map(|(i, team)| TeamCount {
                team: team.clone(),
                decisions: per_team[i],
                laptops: laptops_of(team),
            })
            .collect();
        OrgDashboard {
            decisions,
            contested: contested.len() as i64,
            weeks: out,
            objection_rate: share(objected),
            evidence_rate: share(evidenced),
            teams,
        }
    }

    /// The decisions `f` matches, as the command line's export rows.
    pub fn log_rows(&self, f: &OrgFilter) -> Vec<LogRow> {
        let ids: HashMap<(Uuid, i64), Uuid> = self
            .decisions
            .iter()
            .map(|d| ((d.device_id, d.seq), d.entry_id))
            .collect();
        self.matching(f)
            .map(|d| LogRow {
                team: d.team.clone(),
                device: d.device.clone(),
                device_id: d.device_id,
                seq: d.seq,
                entry_id: d.entry_id,
                kind: d.kind.as_str().to_string(),
                recorded_at: d.recorded_at.clone(),
                decided_by: d.decided_by.clone(),
                meeting: (!d.meeting_title.is_empty()).then(|| d.meeting_title.clone()),
                statement: d.statement.clone(),
                direction: d.direction.map(|x| x.as_str().to_string()),
                impact: d.impact.clone(),
                stance: d.stance.map(|x| x.as_str().to_string()),
                closes: d
                    .closes
                    .as_ref()
                    .and_then(|c| ids.get(&(c.device_id, c.seq)).copied()),
                reason: d.reason.clone(),
                hash: d.hash.clone(),
            })
            .collect()
    }
}

/// The copy as its JSON export, which verifies on its own.
pub fn copy_export(db: &Path) -> Result<OrgLog> {
    Ok(copy_at(&OrgFiles::beside(db).pulled)?.0)
}

fn day_of(recorded_at: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(recorded_at.get(..10)?, "%Y-%m-%d").ok()
}

fn matches(d: &OrgDecision, m: &Meta, f: &OrgFilter) -> bool {
    if f.team.as_ref().is_some_and(|t| &d.team != t)
        || f.device.is_some_and(|x| d.device_id != x)
        || f.direction.is_some_and(|x| d.direction != Some(x))
        || (f.objected && d.stance != Some(Stance::Objects))
        || (f.no_evidence && !d.no_evidence)
    {
        return false;
    }
    let status_ok = match f.status {
        OrgStatusFilter::All => true,
        OrgStatusFilter::Current => d.status == OrgStatus::Current && d.kind != EntryKind::Revoke,
        OrgStatusFilter::Superseded => d.status == OrgStatus::Superseded,
        OrgStatusFilter::Revoked => d.status == OrgStatus::Revoked,
        OrgStatusFilter::Contested => d.status == OrgStatus::Contested,
    };
    if !status_ok {
        return false;
    }
    if f.from.is_some() || f.to.is_some() {
        let Some(day) = m.day else {
            return false;
        };
        if f.from.is_some_and(|from| day < from) || f.to.is_some_and(|to| day > to) {
            return false;
        }
    }
    true
}

/// What the filter's words are looked for in, lower-cased.
fn searchable(d: &OrgDecision) -> String {
    [
        &d.statement,
        &d.impact,
        &d.reason,
        &d.advocate_note,
        &d.meeting_title,
        &d.item_title,
        &d.decided_by,
        &d.personas.join("\n"),
    ]
    .map(|s| s.to_lowercase())
    .join("\n")
}

/// Links each entry to the one it closes and works out what became of every entry.
///
/// An entry is named by its id: a laptop that started from a copy of another's database holds
/// the same early entries under the same ids, and a supersession made on either laptop closes
/// that decision on both. A decision is contested while its corrections disagree: more than one
/// line of supersessions ends in a decision that stands, or one laptop revoked it while another's
/// replacement stands.
fn settle(decisions: &mut [OrgDecision], targets: &[Option<Uuid>]) {
    let mut by_id: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, d) in decisions.iter().enumerate() {
        by_id.entry(d.entry_id).or_default().push(i);
    }
    // The entries that close each entry id.
    let mut closers: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(t) = t {
            closers.entry(*t).or_default().push(i);
        }
    }
    let place = |d: &OrgDecision| EntryPlace {
        device_id: d.device_id,
        device: d.device.clone(),
        seq: d.seq,
        kind: d.kind,
    };
    let places: Vec<EntryPlace> = decisions.iter().map(place).collect();
    let kinds: HashMap<Uuid, EntryKind> = decisions.iter().map(|d| (d.entry_id, d.kind)).collect();
    let mut ends: HashMap<Uuid, std::collections::HashSet<Uuid>> = HashMap::new();
    let mut status = vec![OrgStatus::Current; decisions.len()];
    let mut closes: Vec<Option<EntryPlace>> = vec![None; decisions.len()];
    for (i, t) in targets.iter().enumerate() {
        let Some(found) = t.as_ref().and_then(|t| by_id.get(t)) else {
            continue;
        };
        // The closing laptop's own copy of the entry, when it has one.
        let j = found
            .iter()
            .copied()
            .find(|&j| decisions[j].device_id == decisions[i].device_id)
            .unwrap_or(found[0]);
        closes[i] = Some(places[j].clone());
    }
    for (id, by) in &closers {
        let Some(rows) = by_id.get(id) else { continue };
        let revoked = by.iter().any(|&i| decisions[i].kind == EntryKind::Revoke);
        let mut standing = std::collections::HashSet::new();
        for &i in by {
            if decisions[i].kind == EntryKind::Supersede {
                standing.extend(standing_ends(
                    decisions[i].entry_id,
                    &closers,
                    decisions,
                    &kinds,
                    &mut ends,
                    0,
                ));
            }
        }
        let now = match (revoked, standing.len()) {
            (true, 0) => OrgStatus::Revoked,
            (false, 0 | 1) => OrgStatus::Superseded,
            _ => OrgStatus::Contested,
        };
        for &j in rows {
            status[j] = now;
        }
    }
    for (j, d) in decisions.iter_mut().enumerate() {
        d.status = status[j];
        d.closes = closes[j].take();
        if let Some(by) = closers.get(&d.entry_id) {
            d.closed_by = by.iter().map(|&i| places[i].clone()).collect();
        }
    }
}

/// The decisions that stand at the ends of the supersessions from `id` (itself, when nothing
/// closes it; none when it was revoked and nothing replaced it).
fn standing_ends(
    id: Uuid,
    closers: &HashMap<Uuid, Vec<usize>>,
    decisions: &[OrgDecision],
    kinds: &HashMap<Uuid, EntryKind>,
    memo: &mut HashMap<Uuid, std::collections::HashSet<Uuid>>,
    depth: usize,
) -> std::collections::HashSet<Uuid> {
    if let Some(known) = memo.get(&id) {
        return known.clone();
    }
    let mut found = std::collections::HashSet::new();
    match closers.get(&id) {
        None if kinds.get(&id) != Some(&EntryKind::Revoke) => {
            found.insert(id);
        }
        None => {}
        // Entries name earlier entries by hash, so lines cannot loop; the bound is for safety.
        Some(_) if depth > 2_000 => {}
        Some(by) => {
            for &i in by {
                if decisions[i].kind == EntryKind::Supersede {
                    found.extend(standing_ends(
                        decisions[i].entry_id,
                        closers,
                        decisions,
                        kinds,
                        memo,
                        depth + 1,
                    ));
                }
            }
        }
    }
    memo.insert(id, found.clone());
    found
}
