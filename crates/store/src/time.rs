//! The one text format for times in the database: UTC with milliseconds and a `Z`, so
//! that text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

/// `t` as stored.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time as stored.
pub fn now() -> String {
    ts(Utc::now())
}
