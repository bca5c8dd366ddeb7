//! The demo workspace: three personas, a few hundred complaints and one planned meeting of
//! Fernway, a small bank's product team, so a first start shows the product at work.
//!
//! The content lives in `demo/` as data; dates in it are relative ("days ago") and are laid
//! out against the moment the workspace is created, so the complaints are always recent.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Deserialize;

use crate::complaint::NewComplaint;
use crate::meeting::{AgendaItemDraft, MeetingDraft};
use crate::persona::PersonaDraft;
use crate::{Invalid, Valid};

const WORKSPACE: &str = include_str!("../demo/workspace.json");
const COMPLAINTS: &str = include_str!("../demo/complaints.jsonl");

/// The `source` recorded on demo complaints.
pub const DEMO_SOURCE: &str = "demo";

#[derive(Deserialize)]
struct WorkspaceFile {
    personas: Vec<PersonaDraft>,
    meeting: MeetingFile,
}

#[derive(Deserialize)]
struct MeetingFile {
    title: String,
    days_from_now: i64,
    facilitator: String,
    advocate: String,
    description: String,
    items: Vec<AgendaItemDraft>,
}

#[derive(Deserialize)]
struct ComplaintLine {
    external_id: String,
    days_ago: i64,
    title: String,
    body: String,
    customer: String,
    segment: String,
    product: String,
    channel: String,
    severity: String,
    tags: Vec<String>,
}

/// Everything the demo workspace holds, ready to store.
#[derive(Debug, Clone)]
pub struct DemoWorkspace {
    pub personas: Vec<Valid<PersonaDraft>>,
    /// The planned meeting; its `persona_ids` are empty until the personas have ids, and
    /// then all of them sit in the chair.
    pub meeting: MeetingDraft,
    pub complaints: Vec<NewComplaint>,
}

/// Builds the demo workspace as of `now`.
pub fn workspace(now: DateTime<Utc>) -> Result<DemoWorkspace, Invalid> {
    let file: WorkspaceFile = serde_json::from_str(WORKSPACE)
        .map_err(|e| Invalid::new("demo workspace", e.to_string()))?;
    let personas = file
        .personas
        .into_iter()
        .map(Valid::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    let meeting = MeetingDraft {
        title: file.meeting.title,
        scheduled_at: Some(hour + Duration::days(file.meeting.days_from_now) + Duration::hours(1)),
        facilitator: file.meeting.facilitator,
        advocate: file.meeting.advocate,
        description: file.meeting.description,
        persona_ids: Vec::new(),
        items: file.meeting.items,
    };
    Valid::parse(meeting.clone())?;
    let complaints = COMPLAINTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let c: ComplaintLine = serde_json::from_str(line)
                .map_err(|e| Invalid::new(format!("demo complaint {}", i + 1), e.to_string()))?;
            Ok(NewComplaint {
                source: DEMO_SOURCE.to_string(),
                received_at: now
                    - Duration::days(c.days_ago)
                    - Duration::minutes(spread(&c.external_id)),
                external_id: Some(c.external_id),
                title: c.title,
                body: c.body,
                customer: c.customer,
                segment: c.segment,
                product: c.product,
                channel: c.channel,
                severity: c.severity,
                tags: c.tags,
            })
        })
        .collect::<Result<Vec<_>, Invalid>>()?;
    Ok(DemoWorkspace {
        personas,
        meeting,
        complaints,
    })
}

/// A stable number of minutes within a day, so complaints of the same day are not all
/// stamped with the same time.
fn spread(key: &str) -> i64 {
    let h = key
        .bytes()
        .fold(17u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    (h % (24 * 60)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn demo_workspace_has_three_personas_a_meeting_and_hundreds_of_complaints() {
        let now = Utc::now();
        let demo = workspace(now).expect("demo data parses and validates");
        assert_eq!(demo.personas.len(), 3, "three personas");
        assert_eq!(demo.meeting.items.len(), 4, "four agenda items");
        assert!(
            (200..=600).contains(&demo.complaints.len()),
            "a few hundred complaints, got {}",
            demo.complaints.len()
        );
        assert!(
            demo.meeting.scheduled_at.is_some_and(|t| t > now),
            "meeting is in the future"
        );
    }

    #[test]
    fn demo_complaints_are_recent_and_unique() {
        let now = Utc::now();
        let demo = workspace(now).unwrap();
        let mut seen = HashMap::new();
        for c in &demo.complaints {
            assert!(
                c.received_at <= now && c.received_at > now - Duration::days(190),
                "{c:?}"
            );
            assert!(!c.body.trim().is_empty(), "{c:?}");
            assert!(
                seen.insert(c.external_id.clone(), ()).is_none(),
                "repeated id {:?}",
                c.external_id
            );
        }
    }
}
