//! The demo workspace: three personas, a few hundred complaints and one planned meeting of
//! Fernway, a small bank's product team, so a first start shows the product at work.
//!
//! The content lives in `demo/` as data; dates in it are relative ("days ago") and are laid
//! out against the moment the workspace is created, so the complaints are always recent.

use chrono::{DateTime, Datelike, Duration, DurationRound, Local, Utc};
use serde::Deserialize;

use crate::complaint::NewComplaint;
use crate::import::redact::redact;
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
    /// `{week}` stands for the week number of the date the meeting is laid out on.
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
    let scheduled_at = hour + Duration::days(file.meeting.days_from_now) + Duration::hours(1);
    let week = scheduled_at.with_timezone(&Local).iso_week().week();
    let meeting = MeetingDraft {
        title: file.meeting.title.replace("{week}", &week.to_string()),
        scheduled_at: Some(scheduled_at),
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
            // The demo reads like an import, so it is redacted like one.
            let scrub = |s: String| redact(&s).into_owned();
            Ok(NewComplaint {
                source: DEMO_SOURCE.to_string(),
                received_at: now
                    - Duration::days(c.days_ago)
                    - Duration::minutes(spread(&c.external_id)),
                external_id: Some(c.external_id),
                title: scrub(c.title),
                body: scrub(c.body),
                customer: scrub(c.customer),
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
    fn demo_meeting_is_named_after_the_week_it_is_held_in() {
        let now = Utc::now();
        let demo = workspace(now).unwrap();
        let when = demo.meeting.scheduled_at.unwrap().with_timezone(&Local);
        let week = format!("week {}", when.iso_week().week());
        assert!(
            demo.meeting.title.ends_with(&week),
            "\"{}\" is held on {when}, in {week}",
            demo.meeting.title
        );
    }

    #[test]
    fn demo_complaints_carry_no_phone_numbers_as_imports_would_not() {
        let demo = workspace(Utc::now()).unwrap();
        let texts: Vec<&str> = demo
            .complaints
            .iter()
            .flat_map(|c| [c.title.as_str(), c.body.as_str(), c.customer.as_str()])
            .collect();
        for text in texts {
            assert_eq!(
                redact(text),
                text,
                "a demo complaint holds personal data an import would have redacted"
            );
        }
        let fw = demo
            .complaints
            .iter()
            .find(|c| c.external_id.as_deref() == Some("FW-69212"))
            .expect("FW-69212 is in the demo");
        assert!(
            fw.body.contains("[phone]") && !fw.body.contains("07700"),
            "FW-69212's number is redacted: {}",
            fw.body
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
