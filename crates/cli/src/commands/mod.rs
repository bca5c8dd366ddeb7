//! One module per area of the command line.

pub mod backup;
pub mod decisions;
pub mod embed;
pub mod escalations;
pub mod import;
pub mod meetings;
pub mod org;
pub mod personas;
pub mod relevant;
pub mod themes;
pub mod thesaurus;
pub mod workspace;

/// The end of day `arg` (YYYY-MM-DD) in UTC, for options such as `--as-of`.
pub fn end_of_day(arg: &str, flag: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    use anyhow::Context;
    use chrono::TimeZone;
    let day = chrono::NaiveDate::parse_from_str(arg.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{flag} {arg}: write the date as YYYY-MM-DD"))?;
    let end = day.and_hms_opt(23, 59, 59).context("a valid time")?;
    Ok(chrono::Utc.from_utc_datetime(&end))
}
