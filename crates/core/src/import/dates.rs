//! Reading the dates complaint exports write: ISO 8601, `YYYY/M/D`, `M/D/YYYY`, RFC 2822 and
//! Unix seconds (or milliseconds). A date that fits none is refused, never guessed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Reads `text` as a point in time; dates without a time are taken as midnight UTC and
/// times without an offset as UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let parsed = if s.bytes().all(|b| b.is_ascii_digit()) {
        unix(s)
    } else {
        iso(s).or_else(|| slashed(s)).or_else(|| {
            DateTime::parse_from_rfc2822(s)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        })
    }?;
    (1970..=2100)
        .contains(&parsed.date_naive().year_ce().1)
        .then_some(parsed)
}

use chrono::Datelike;

fn unix(s: &str) -> Option<DateTime<Utc>> {
    let n: i64 = s.parse().ok()?;
    match s.len() {
        9 | 10 => Utc.timestamp_opt(n, 0).single(),
        12 | 13 => Utc.timestamp_millis_opt(n).single(),
        _ => None,
    }
}

fn iso(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    let naive = s.strip_suffix(" UTC").unwrap_or(s);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, f) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// `YYYY/M/D` and the US `M/D/YYYY`, each with an optional time.
fn slashed(s: &str) -> Option<DateTime<Utc>> {
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('/').collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())?
    };
    let (a, b, c) = (num(a)?, num(b)?, num(c)?);
    let day = if a > 999 {
        NaiveDate::from_ymd_opt(a as i32, b, c)?
    } else if c > 999 {
        NaiveDate::from_ymd_opt(c as i32, a, b)?
    } else {
        return None;
    };
    let at = match time {
        None => day.and_hms_opt(0, 0, 0)?,
        Some(t) => {
            let upper = t.to_ascii_uppercase();
            ["%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M"]
                .iter()
                .find_map(|f| chrono::NaiveTime::parse_from_str(&upper, f).ok())
                .map(|t| day.and_time(t))?
        }
    };
    Some(at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    fn ymd(s: &str) -> String {
        parse_date(s)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn every_documented_format_is_read() {
        assert_eq!(ymd("2020/3/18"), "2020-03-18 00:00:00", "CFPB YYYY/M/D");
        assert_eq!(ymd("3/18/2020"), "2020-03-18 00:00:00", "US M/D/YYYY");
        assert_eq!(ymd("3/18/2020 4:05 PM"), "2020-03-18 16:05:00");
        assert_eq!(ymd("2020-03-18"), "2020-03-18 00:00:00");
        assert_eq!(ymd("2020-03-18T10:11:12Z"), "2020-03-18 10:11:12");
        assert_eq!(ymd("2020-03-18T10:11:12+02:00"), "2020-03-18 08:11:12");
        assert_eq!(ymd("2020-03-18 10:11:12"), "2020-03-18 10:11:12");
        assert_eq!(ymd("2020-03-18 10:11:12 UTC"), "2020-03-18 10:11:12");
        assert_eq!(
            ymd("Wed, 18 Mar 2020 10:11:12 +0000"),
            "2020-03-18 10:11:12",
            "RFC 2822"
        );
        assert_eq!(ymd("1584526272"), "2020-03-18 10:11:12", "Unix seconds");
        assert_eq!(
            ymd("1584526272000"),
            "2020-03-18 10:11:12",
            "Unix milliseconds"
        );
    }

    #[test]
    fn unreadable_dates_are_refused_not_guessed() {
        for bad in [
            "",
            "yesterday",
            "18/03/20",
            "2020-13-01",
            "13/45/2020",
            "12345",
            "2020/2/30",
            "0001-01-01",
        ] {
            assert!(
                parse_date(bad).is_none(),
                "{bad:?} was read as {:?}",
                parse_date(bad)
            );
        }
    }
}
