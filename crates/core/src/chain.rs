//! The hash chain that makes the decision log tamper-evident.
//!
//! # Canonical serialisation (version 1)
//!
//! An entry is hashed as the lower-case hexadecimal SHA-256 of its canonical form: the JSON
//! object of [`LogEntry`] with its keys in exactly this order, no whitespace, strings escaped
//! as JSON requires (`\"`, `\\`, control characters as `\n`, `\t`, `\uXXXX`; every other
//! character as itself in UTF-8), `null` for absent values, booleans as `true`/`false`:
//!
//! ```text
//! {"v":1,"seq":7,"id":"<uuid>","kind":"decision"|"supersede"|"revoke","target_seq":null|<seq>,
//!  "reason":"…","meeting_id":"<uuid>","agenda_item_id":null|"<uuid>",
//!  "recorded_at":"YYYY-MM-DDTHH:MM:SS.mmmZ","decided_by":"…","statement":"…",
//!  "direction":null|"helps"|"hurts"|"mixed"|"neutral"|"unknown","size":null|"small"|"medium"|"large",
//!  "impact":"…","personas":["<uuid>",…],"evidence":["<uuid>",…],"no_evidence":false,
//!  "stance":null|"agrees"|"objects"|"abstains"|"absent","advocate_note":"…",
//!  "follow_ups":[{"what":"…","owner":"…","due":"YYYY-MM-DD"},…],
//!  "on_screen":[{"complaint_id":"<uuid>","score":"12.345"},…],
//!  "prev_hash":"<64 hex digits>"}
//! ```
//!
//! (shown wrapped; the real form is one line). UUIDs are lower-case and hyphenated; lists keep
//! the order they were recorded in; scores are decimal strings with three decimals.
//! `prev_hash` is the previous entry's hash, and 64 zeros for entry 1, so each entry commits
//! to everything before it: changing, removing or reordering any entry breaks every link after it.
//!
//! Another tool can re-check a log from an export alone: for each entry, rebuild this object
//! from the exported fields, hash it, compare with the exported `hash`, and compare
//! `prev_hash` with the hash of the entry before.
//!
//! # Canonical serialisation (version 2): an entry as the organisation holds it
//!
//! A laptop's own log stays in version 1: it is what the laptop wrote, verifies as before, and
//! never changes form. When a laptop pushes to the organisation log, each of its entries is
//! carried in version 2, derived from the version 1 entry and nothing else, so anyone holding
//! the laptop's log derives the very same bytes. This applies to every entry a laptop pushes,
//! those recorded before it was enrolled as well as after. Version 2 adds the laptop's device
//! id, names the entry a supersession or revocation closes by its id and version 2 hash (a
//! local sequence number means nothing on another laptop), keeps the version 1 hash of the
//! laptop's own entry (`local_hash`, the hash `chair log verify` reports on that laptop), and
//! links to the previous version 2 entry of the same device:
//!
//! ```text
//! {"v":2,"device":"<uuid>","seq":7,"id":"<uuid>","kind":"supersede",
//!  "target":null|{"id":"<uuid>","hash":"<64 hex digits>"},"reason":"…", …the fields of version 1
//!  from "meeting_id" to "on_screen", in the same order and form…,
//!  "local_hash":"<64 hex digits>","prev_hash":"<64 hex digits>"}
//! ```
//!
//! The device signs each version 2 hash with its Ed25519 key (see the organisation crate).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::decision::{Direction, FollowUp, Size, Stance};

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version of the canonical serialisation.
pub const VERSION: u32 = 1;

/// What an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A new decision.
    Decision,
    /// A new decision that replaces an earlier one (`target_seq`).
    Supersede,
    /// Withdraws an earlier decision (`target_seq`).
    Revoke,
}

impl EntryKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Decision => "decision",
            EntryKind::Supersede => "supersede",
            EntryKind::Revoke => "revoke",
        }
    }

    /// Reads the stored name.
    pub fn parse(s: &str) -> Option<EntryKind> {
        match s {
            "decision" => Some(EntryKind::Decision),
            "supersede" => Some(EntryKind::Supersede),
            "revoke" => Some(EntryKind::Revoke),
            _ => None,
        }
    }
}

/// A complaint on screen when the decision was taken, as hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScreenEntry {
    pub complaint_id: Uuid,
    /// Three decimals, as text, so that every tool hashes the same bytes.
    pub score: String,
}

impl ScreenEntry {
    /// The hashed form of a score.
    pub fn score_text(score: f64) -> String {
        if score.is_finite() {
            format!("{score:.3}")
        } else {
            "0.000".into()
        }
    }
}

/// One entry of the log: exactly what its hash covers, in canonical field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogEntry {
    pub v: u32,
    pub seq: i64,
    pub id: Uuid,
    pub kind: EntryKind,
    pub target_seq: Option<i64>,
    pub reason: String,
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<Uuid>,
    pub recorded_at: String,
    pub decided_by: String,
    pub statement: String,
    pub direction: Option<Direction>,
    pub size: Option<Size>,
    pub impact: String,
    pub personas: Vec<Uuid>,
    pub evidence: Vec<Uuid>,
    pub no_evidence: bool,
    pub stance: Option<Stance>,
    pub advocate_note: String,
    pub follow_ups: Vec<FollowUp>,
    pub on_screen: Vec<ScreenEntry>,
    pub prev_hash: String,
}

impl LogEntry {
    /// The canonical serialisation (see the module documentation).
    pub fn canonical(&self) -> String {
        // Field order is declaration order; serde_json writes no whitespace and escapes only
        // what JSON requires. Serialising a plain struct cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The entry's hash: SHA-256 of its canonical serialisation, lower-case hex.
    pub fn hash(&self) -> String {
        format!("{:x}", Sha256::digest(self.canonical().as_bytes()))
    }
}

/// An entry with the hash recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HashedEntry {
    #[serde(flatten)]
    pub entry: LogEntry,
    pub hash: String,
}

/// The newest entry of a log: how many entries it has (its newest sequence number) and that
/// entry's hash; `0` and [`GENESIS`] for an empty log, as a verify of it reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogHead {
    pub entries: i64,
    pub head: String,
}

/// Where a log stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Broken {
    pub seq: i64,
    /// The entry's id.
    pub entry_id: Option<Uuid>,
    /// What does not match.
    pub problem: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VerifyReport {
    pub intact: bool,
    /// Entries checked.
    pub entries: i64,
    /// The hash of the last entry that checked out.
    pub head: String,
    /// The first entry that does not match, when one does not.
    pub broken: Option<Broken>,
    /// True for a filtered export: links are checked only between neighbouring entries.
    pub partial: bool,
}

impl VerifyReport {
    /// One line for people: "intact: N entries, head H" or what broke where.
    pub fn summary(&self) -> String {
        match &self.broken {
            None if self.partial => format!(
                "intact: {} entries of a filtered export, each hash and every link between neighbours checked, last hash {}",
                self.entries, self.head
            ),
            None => format!("intact: {} entries, head {}", self.entries, self.head),
            Some(b) => format!(
                "broken at entry {}{}: {}",
                b.seq,
                b.entry_id
                    .map(|id| format!(" (decision log entry {id})"))
                    .unwrap_or_default(),
                b.problem
            ),
        }
    }
}

/// Checks entries one at a time, in order, so a long log never has to be held in memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    partial: bool,
    checked: i64,
    prev_seq: i64,
    prev_hash: String,
    broken: Option<Broken>,
}

impl Verifier {
    /// A verifier for a whole log, or (`partial`) a filtered export, where gaps in the
    /// sequence are allowed and links are checked only across neighbouring entries.
    pub fn new(partial: bool) -> Self {
        Self {
            partial,
            checked: 0,
            prev_seq: 0,
            prev_hash: GENESIS.to_string(),
            broken: None,
        }
    }

    /// Checks the next entry; false once something is broken (later entries are not checked).
    pub fn push(&mut self, h: &HashedEntry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let e = &h.entry;
        let neighbour = e.seq == self.prev_seq + 1;
        let problem = if e.v != VERSION {
            Some(format!(
                "it is written in serialisation version {}, not {VERSION}",
                e.v
            ))
        } else if !self.partial && !neighbour {
            Some(format!(
                "its sequence number is {} where {} was expected: an entry is missing or out of place",
                e.seq,
                self.prev_seq + 1
            ))
        } else if self.partial && e.seq <= self.prev_seq {
            Some(format!(
                "sequence number {} comes after {}",
                e.seq, self.prev_seq
            ))
        } else if neighbour && e.prev_hash != self.prev_hash {
            Some(format!(
                "its link to entry {} does not match: that entry was changed or replaced",
                e.seq - 1
            ))
        } else if e.hash() != h.hash {
            Some("its content does not match its hash: it was changed after it was written".into())
        } else {
            crate::entry::impossible(e).map(|why| format!("no writer records such an entry: {why}"))
        };
        match problem {
            Some(problem) => {
                self.broken = Some(Broken {
                    seq: e.seq,
                    entry_id: Some(e.id),
                    problem,
                });
                false
            }
            None => {
                self.checked += 1;
                self.prev_seq = e.seq;
                self.prev_hash = h.hash.clone();
                true
            }
        }
    }

    /// Marks the log broken at `seq` for a reason found outside the entry itself (a row that
    /// cannot even be read back as an entry).
    pub fn fail(&mut self, seq: i64, entry_id: Option<Uuid>, problem: String) {
        if self.broken.is_none() {
            self.broken = Some(Broken {
                seq,
                entry_id,
                problem,
            });
        }
    }

    /// The report.
    pub fn finish(self) -> VerifyReport {
        VerifyReport {
            intact: self.broken.is_none(),
            entries: self.checked,
            head: self.prev_hash,
            broken: self.broken,
            partial: self.partial,
        }
    }
}

/// Walks `entries` (in order) checking sequence, links and hashes; see [`Verifier`].
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a HashedEntry>,
    partial: bool,
) -> VerifyReport {
    let mut v = Verifier::new(partial);
    for h in entries {
        if !v.push(h) {
            break;
        }
    }
    v.finish()
}

/// A log exported as JSON, verifiable on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogExport {
    /// Always "empty-chair-decision-log".
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    /// False when a filter left entries out.
    pub complete: bool,
    pub entries: Vec<HashedEntry>,
}

/// What appending an entry gave it: its place and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Appended {
    pub seq: i64,
    pub entry_id: Uuid,
    pub hash: String,
}

/// The `format` of an exported log.
pub const EXPORT_FORMAT: &str = "empty-chair-decision-log";

/// Checks an exported log (the JSON text of a [`LogExport`]).
pub fn verify_export(json: &str) -> Result<VerifyReport, String> {
    let export: LogExport =
        serde_json::from_str(json).map_err(|e| format!("not an exported decision log: {e}"))?;
    if export.format != EXPORT_FORMAT {
        return Err(format!(
            "not an exported decision log: its format is \"{}\"",
            export.format
        ));
    }
    Ok(verify(&export.entries, !export.complete))
}

/// The version of the canonical serialisation an entry travels in to the organisation log.
pub const VERSION_2: u32 = 2;

/// An earlier entry, named so that any laptop can find and check it: by id and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntryRef {
    pub id: Uuid,
    pub hash: String,
}

/// One entry in canonical form version 2 (see the module documentation): a laptop's entry
/// as the organisation log holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogEntryV2 {
    pub v: u32,
    pub device: Uuid,
    pub seq: i64,
    pub id: Uuid,
    pub kind: EntryKind,
    pub target: Option<EntryRef>,
    pub reason: String,
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<Uuid>,
    pub recorded_at: String,
    pub decided_by: String,
    pub statement: String,
    pub direction: Option<Direction>,
    pub size: Option<Size>,
    pub impact: String,
    pub personas: Vec<Uuid>,
    pub evidence: Vec<Uuid>,
    pub no_evidence: bool,
    pub stance: Option<Stance>,
    pub advocate_note: String,
    pub follow_ups: Vec<FollowUp>,
    pub on_screen: Vec<ScreenEntry>,
    pub local_hash: String,
    pub prev_hash: String,
}

impl LogEntryV2 {
    /// The canonical serialisation (see the module documentation).
    pub fn canonical(&self) -> String {
        // As for version 1: declaration order, no whitespace; cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SHA-256 of the canonical serialisation, lower-case hex.
    pub fn hash(&self) -> String {
        format!("{:x}", Sha256::digest(self.canonical().as_bytes()))
    }

    /// Reads canonical bytes back; `None` unless they are exactly this entry's canonical
    /// form (so two byte strings never stand for one entry).
    pub fn parse_canonical(bytes: &[u8]) -> Result<Self, String> {
        let e: LogEntryV2 = serde_json::from_slice(bytes)
            .map_err(|e| format!("its bytes are not an entry in canonical form 2 ({e})"))?;
        if e.v != VERSION_2 {
            return Err(format!(
                "it is written in serialisation version {}, not {VERSION_2}",
                e.v
            ));
        }
        if e.canonical().as_bytes() != bytes {
            return Err("its bytes are not in canonical form".into());
        }
        Ok(e)
    }

    /// Why no writer produces this entry; `None` when one can.
    pub fn impossible(&self) -> Option<String> {
        let (kind, target_seq) = (self.kind, self.target.as_ref().map(|_| 0));
        // The kind rules of version 1, with the target's place checked by whoever knows the
        // device's chain.
        let as_v1 = LogEntry {
            v: VERSION,
            seq: self.seq,
            id: self.id,
            kind,
            target_seq,
            reason: self.reason.clone(),
            meeting_id: self.meeting_id,
            agenda_item_id: self.agenda_item_id,
            recorded_at: String::new(),
            decided_by: String::new(),
            statement: self.statement.clone(),
            direction: self.direction,
            size: self.size,
            impact: self.impact.clone(),
            personas: self.personas.clone(),
            evidence: self.evidence.clone(),
            no_evidence: self.no_evidence,
            stance: self.stance,
            advocate_note: self.advocate_note.clone(),
            follow_ups: self.follow_ups.clone(),
            on_screen: self.on_screen.clone(),
            prev_hash: String::new(),
        };
        crate::entry::impossible(&as_v1)
    }
}

/// Turns a laptop's version 1 entries, in order, into the version 2 entries of its device
/// chain: resolves each closed entry to its id and version 2 hash and links each entry to the
/// one before.
#[derive(Debug, Clone)]
pub struct Lift {
    device: Uuid,
    prev_hash: String,
    next_seq: i64,
    /// Each entry's id and version 2 hash by its local sequence number.
    refs: std::collections::HashMap<i64, EntryRef>,
}

impl Lift {
    /// Starts the chain of `device` from its first entry.
    pub fn new(device: Uuid) -> Self {
        Self {
            device,
            prev_hash: GENESIS.to_string(),
            next_seq: 1,
            refs: std::collections::HashMap::new(),
        }
    }

    /// The version 2 form of the next entry and its hash; refuses an entry out of order or
    /// one closing an entry not before it.
    pub fn next(&mut self, h: &HashedEntry) -> Result<(LogEntryV2, String), String> {
        let e = &h.entry;
        if e.seq != self.next_seq {
            return Err(format!(
                "entry {} comes where entry {} was expected",
                e.seq, self.next_seq
            ));
        }
        let target = match e.target_seq {
            None => None,
            Some(t) => Some(self.refs.get(&t).cloned().ok_or_else(|| {
                format!("entry {} closes entry {t}, which is not before it", e.seq)
            })?),
        };
        let v2 = LogEntryV2 {
            v: VERSION_2,
            device: self.device,
            seq: e.seq,
            id: e.id,
            kind: e.kind,
            target,
            reason: e.reason.clone(),
            meeting_id: e.meeting_id,
            agenda_item_id: e.agenda_item_id,
            recorded_at: e.recorded_at.clone(),
            decided_by: e.decided_by.clone(),
            statement: e.statement.clone(),
            direction: e.direction,
            size: e.size,
            impact: e.impact.clone(),
            personas: e.personas.clone(),
            evidence: e.evidence.clone(),
            no_evidence: e.no_evidence,
            stance: e.stance,
            advocate_note: e.advocate_note.clone(),
            follow_ups: e.follow_ups.clone(),
            on_screen: e.on_screen.clone(),
            local_hash: h.hash.clone(),
            prev_hash: self.prev_hash.clone(),
        };
        let hash = v2.hash();
        self.refs.insert(
            e.seq,
            EntryRef {
                id: e.id,
                hash: hash.clone(),
            },
        );
        self.prev_hash = hash.clone();
        self.next_seq += 1;
        Ok((v2, hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str) -> HashedEntry {
        let e = LogEntry {
            v: VERSION,
            seq,
            id: Uuid::from_u128(seq as u128),
            kind: EntryKind::Decision,
            target_seq: None,
            reason: String::new(),
            meeting_id: Uuid::from_u128(99),
            agenda_item_id: None,
            recorded_at: "2026-11-22T10:00:00.000Z".into(),
            decided_by: "Hannah K.".into(),
            statement: format!("Decision {seq} with \"quotes\" and ünïcode"),
            direction: Some(Direction::Helps),
            size: Some(Size::Small),
            impact: "Customers stop paying a fee they did not expect".into(),
            personas: vec![],
            evidence: vec![],
            no_evidence: true,
            stance: Some(Stance::Agrees),
            advocate_note: String::new(),
            follow_ups: vec![],
            on_screen: vec![ScreenEntry {
                complaint_id: Uuid::from_u128(5),
                score: ScreenEntry::score_text(12.3456),
            }],
            prev_hash: prev.into(),
        };
        let hash = e.hash();
        HashedEntry { entry: e, hash }
    }

    fn chain(n: i64) -> Vec<HashedEntry> {
        let mut out: Vec<HashedEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map(|h| h.hash.clone())
                .unwrap_or_else(|| GENESIS.into());
            out.push(entry(seq, &prev));
        }
        out
    }

    #[test]
    fn the_canonical_form_is_compact_json_in_documented_order() {
        let c = entry(1, GENESIS).entry.canonical();
        assert!(c.starts_with(r#"{"v":1,"seq":1,"id":"00000000-0000-0000-0000-000000000001","kind":"decision","target_seq":null,"#), "{c}");
        assert!(c.ends_with(&format!(r#""prev_hash":"{GENESIS}"}}"#)), "{c}");
        assert!(
            c.contains(r#""score":"12.346""#)
                && c.contains(r#"\"quotes\""#)
                && c.contains("ünïcode")
        );
        assert!(!c.contains(": ") && !c.contains('\n'));
    }

    #[test]
    fn an_intact_chain_reports_its_head() {
        let c = chain(5);
        let r = verify(&c, false);
        assert!(r.intact, "{r:?}");
        assert_eq!(r.entries, 5);
        assert_eq!(r.head, c[4].hash);
        assert!(r.summary().starts_with("intact: 5 entries, head "));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut c = chain(5);
        c[2].entry.impact = "Rewritten after the fact to look better".into();
        let r = verify(&c, false);
        assert!(!r.intact);
        assert_eq!(r.broken.as_ref().unwrap().seq, 3);
        assert!(
            r.summary().contains("content does not match"),
            "{}",
            r.summary()
        );
    }

    #[test]
    fn a_last_entry_no_writer_produces_is_named_even_with_its_hash_recomputed() {
        let mut c = chain(3);
        c[2].entry.kind = EntryKind::Revoke;
        c[2].entry.target_seq = Some(1);
        c[2].hash = c[2].entry.hash();
        let r = verify(&c, false);
        assert_eq!(r.broken.as_ref().unwrap().seq, 3, "{r:?}");
        assert!(
            r.summary().contains("revoke entry that carries a decision"),
            "{}",
            r.summary()
        );
    }

    #[test]
    fn a_removed_or_recomputed_entry_breaks_the_links() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c, false).broken.unwrap().seq, 3, "a gap is found");
        let mut c = chain(5);
        c[1].entry.statement = "Changed".into();
        c[1].hash = c[1].entry.hash(); // an attacker recomputes this entry's hash…
        let r = verify(&c, false);
        assert_eq!(
            r.broken.as_ref().unwrap().seq,
            3,
            "…but the next entry's link gives it away: {r:?}"
        );
    }

    #[test]
    fn an_export_verifies_on_its_own_whatever_its_formatting() {
        let export = LogExport {
            format: EXPORT_FORMAT.into(),
            version: VERSION,
            exported_at: "2026-11-22T10:00:00.000Z".into(),
            complete: true,
            entries: chain(3),
        };
        let pretty = serde_json::to_string_pretty(&export).unwrap();
        assert!(verify_export(&pretty).unwrap().intact);
        let filtered = LogExport {
            complete: false,
            entries: vec![chain(3)[0].clone(), chain(3)[2].clone()],
            ..export
        };
        let r = verify_export(&serde_json::to_string(&filtered).unwrap()).unwrap();
        assert!(r.intact && r.partial, "{r:?}");
        assert!(verify_export("{\"format\": \"something else\"}").is_err());
    }
}

#[cfg(test)]
mod v2_tests {
    use super::*;

    fn v1(seq: i64, prev: &str, target: Option<i64>) -> HashedEntry {
        let e = LogEntry {
            v: VERSION,
            seq,
            id: Uuid::from_u128(seq as u128),
            kind: if target.is_some() {
                EntryKind::Supersede
            } else {
                EntryKind::Decision
            },
            target_seq: target,
            reason: if target.is_some() {
                "Costs more than planned".into()
            } else {
                String::new()
            },
            meeting_id: Uuid::from_u128(99),
            agenda_item_id: None,
            recorded_at: "2026-12-04T10:00:00.000Z".into(),
            decided_by: "Ana".into(),
            statement: format!("Decision {seq}"),
            direction: Some(Direction::Helps),
            size: Some(Size::Small),
            impact: "Fewer surprise fees".into(),
            personas: vec![],
            evidence: vec![],
            no_evidence: true,
            stance: Some(Stance::Agrees),
            advocate_note: String::new(),
            follow_ups: vec![],
            on_screen: vec![],
            prev_hash: prev.into(),
        };
        let hash = e.hash();
        HashedEntry { entry: e, hash }
    }

    #[test]
    fn version_2_names_the_device_and_the_closed_entry_by_id_and_hash() {
        let a = v1(1, GENESIS, None);
        let b = v1(2, &a.hash, Some(1));
        let mut lift = Lift::new(Uuid::from_u128(7));
        let (first, first_hash) = lift.next(&a).unwrap();
        let (second, _) = lift.next(&b).unwrap();
        let c = second.canonical();
        assert!(
            c.starts_with(r#"{"v":2,"device":"00000000-0000-0000-0000-000000000007","seq":2,"id":"00000000-0000-0000-0000-000000000002","kind":"supersede","target":{"id":"00000000-0000-0000-0000-000000000001","hash":""#),
            "{c}"
        );
        assert!(
            c.contains(&format!(
                r#""local_hash":"{}","prev_hash":"{first_hash}"}}"#,
                b.hash
            )),
            "{c}"
        );
        assert_eq!(first.prev_hash, GENESIS);
        assert_eq!(second.target.unwrap().hash, first_hash);
    }

    #[test]
    fn canonical_bytes_read_back_only_when_exactly_canonical() {
        let (e, _) = Lift::new(Uuid::from_u128(7))
            .next(&v1(1, GENESIS, None))
            .unwrap();
        let bytes = e.canonical().into_bytes();
        assert_eq!(LogEntryV2::parse_canonical(&bytes), Ok(e.clone()));
        let spaced = serde_json::to_string_pretty(&e).unwrap();
        assert!(LogEntryV2::parse_canonical(spaced.as_bytes()).is_err());
        assert!(LogEntryV2::parse_canonical(b"{}").is_err());
    }

    #[test]
    fn lifting_refuses_entries_out_of_order() {
        let mut lift = Lift::new(Uuid::from_u128(7));
        assert!(lift.next(&v1(2, GENESIS, None)).is_err());
    }
}
