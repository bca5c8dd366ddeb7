//! Whether complaints rose or fell: a theme's trend over the last 30 days against the 30
//! before, and a decision's follow-through (its themes' complaint rate after it against
//! before, set against the impact it stated).
//!
//! Complaints are counted as Poisson arrivals. For two counts `a` (later) and `b` (earlier)
//! over spans `ta` and `tb`, the rate ratio is `(a/ta)/(b/tb)`; its 95 % confidence interval
//! is `exp(ln ratio ± 1.96 √(1/a + 1/b))` (the usual log-normal approximation, with 0.5 added
//! to a count of zero). A change is called only when that interval leaves 1 and the two
//! counts hold at least [`FEWEST`] complaints between them: below that the honest answer is
//! "too few complaints to tell".

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::Direction;

/// The fewest complaints (both periods together) from which a change is called.
pub const FEWEST: u64 = 10;

const Z95: f64 = 1.959_963_984_540_054;

/// A later rate against an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RateRatio {
    pub before: u64,
    pub after: u64,
    /// After over before, per day; `None` when neither period has a complaint.
    pub ratio: Option<f64>,
    /// The 95 % confidence interval of the ratio.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl RateRatio {
    /// `after` complaints over `after_days` against `before` over `before_days`.
    pub fn new(before: u64, before_days: f64, after: u64, after_days: f64) -> RateRatio {
        if before + after == 0 || before_days <= 0.0 || after_days <= 0.0 {
            return RateRatio {
                before,
                after,
                ratio: None,
                low: None,
                high: None,
            };
        }
        let (a, b) = (after as f64, before as f64);
        let ratio = (a / after_days) / (b / before_days).max(f64::MIN_POSITIVE);
        let (ac, bc) = (a.max(0.5), b.max(0.5));
        let centre = ((ac / after_days) / (bc / before_days)).ln();
        let spread = Z95 * (1.0 / ac + 1.0 / bc).sqrt();
        RateRatio {
            before,
            after,
            ratio: (before > 0).then_some(ratio),
            low: Some((centre - spread).exp()),
            high: Some((centre + spread).exp()),
        }
    }

    /// Which way the rate went, when the counts can tell.
    pub fn change(&self) -> Change {
        if self.before + self.after < FEWEST || self.low.is_none() {
            return Change::TooFew;
        }
        match (self.low, self.high) {
            (Some(low), _) if low > 1.0 => Change::Rose,
            (_, Some(high)) if high < 1.0 => Change::Fell,
            _ => Change::Steady,
        }
    }
}

/// Which way a rate went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Rose,
    Fell,
    /// No change the counts can tell apart from chance.
    Steady,
    TooFew,
}

impl Change {
    /// As a theme's trend is named.
    pub fn trend_word(self) -> &'static str {
        match self {
            Change::Rose => "rising",
            Change::Fell => "falling",
            Change::Steady => "steady",
            Change::TooFew => "too few to tell",
        }
    }
}

/// A theme's trend: the last 30 days before `as_of` against the 30 before them.
pub fn trend(received: impl IntoIterator<Item = DateTime<Utc>>, as_of: DateTime<Utc>) -> RateRatio {
    let (recent_from, previous_from) = (as_of - Duration::days(30), as_of - Duration::days(60));
    let (mut recent, mut previous) = (0, 0);
    for at in received {
        if at > as_of {
            continue;
        }
        if at > recent_from {
            recent += 1;
        } else if at > previous_from {
            previous += 1;
        }
    }
    RateRatio::new(previous, 30.0, recent, 30.0)
}

/// What became of a decision's customers' complaints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FollowThrough {
    pub rate: RateRatio,
    /// Weeks counted before and after the decision.
    pub weeks_before: u32,
    pub weeks_after: u32,
    pub verdict: Verdict,
}

/// A decision's follow-through set against its stated impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer weeks have passed than the window after.
    TooEarly,
    TooFew,
    /// Moved as the stated impact said it would (helps and fell, hurts and rose).
    AsExpected,
    /// Moved against the stated impact.
    Against,
    /// Moved clearly although the stated impact (neutral, mixed, unknown) named no direction.
    Changed,
    /// No change the counts can tell, or an impact that expects none.
    NoClearChange,
}

/// The follow-through of a decision made at `decided` whose themes' complaints were received
/// at `received`: `weeks` before against `weeks` after (complaints after `as_of` never count).
/// `as_of` should be no later than the newest complaint of the collection and `since` its
/// oldest: days the collection does not cover are not counted as days without complaints.
pub fn follow_through(
    received: impl IntoIterator<Item = DateTime<Utc>>,
    decided: DateTime<Utc>,
    (since, as_of): (DateTime<Utc>, DateTime<Utc>),
    weeks: (u32, u32),
    impact: Direction,
) -> FollowThrough {
    let (before_from, after_to) = (
        (decided - Duration::weeks(i64::from(weeks.0))).max(since),
        (decided + Duration::weeks(i64::from(weeks.1))).min(as_of),
    );
    let (mut before, mut after) = (0, 0);
    for at in received {
        if at > as_of {
            continue;
        }
        if at >= before_from && at < decided {
            before += 1;
        } else if at >= decided && at <= after_to {
            after += 1;
        }
    }
    let days = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_seconds() as f64 / 86_400.0;
    let rate = RateRatio::new(
        before,
        days(before_from, decided),
        after,
        days(decided, after_to),
    );
    let early = as_of < decided + Duration::weeks(i64::from(weeks.1));
    let verdict = match (early, rate.change(), impact) {
        (true, _, _) => Verdict::TooEarly,
        (_, Change::TooFew, _) => Verdict::TooFew,
        (_, Change::Fell, Direction::Helps) | (_, Change::Rose, Direction::Hurts) => {
            Verdict::AsExpected
        }
        (_, Change::Rose, Direction::Helps) | (_, Change::Fell, Direction::Hurts) => {
            Verdict::Against
        }
        (_, Change::Rose | Change::Fell, _) => Verdict::Changed,
        _ => Verdict::NoClearChange,
    };
    FollowThrough {
        rate,
        weeks_before: weeks.0,
        weeks_after: weeks.1,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(d)
    }

    /// `n` complaints spread evenly over days `from..to`.
    fn spread(n: i64, from: i64, to: i64) -> Vec<DateTime<Utc>> {
        (0..n)
            .map(|i| day(from) + Duration::seconds((to - from) * 86_400 * i / n))
            .collect()
    }

    #[test]
    fn the_rate_ratio_and_its_interval() {
        let r = RateRatio::new(40, 56.0, 10, 56.0);
        assert!((r.ratio.unwrap() - 0.25).abs() < 1e-12);
        // exp(ln 0.25 ± 1.96 √(1/10 + 1/40)) = 0.125 … 0.50
        assert!((r.low.unwrap() - 0.1248).abs() < 1e-3, "{r:?}");
        assert!((r.high.unwrap() - 0.5008).abs() < 1e-3, "{r:?}");
        assert_eq!(r.change(), Change::Fell);
        assert_eq!(RateRatio::new(12, 30.0, 14, 30.0).change(), Change::Steady);
        assert_eq!(RateRatio::new(3, 30.0, 5, 30.0).change(), Change::TooFew);
        let none = RateRatio::new(0, 30.0, 0, 30.0);
        assert_eq!((none.ratio, none.change()), (None, Change::TooFew));
        // Nothing before: no ratio, but an interval that can still call a rise.
        let new = RateRatio::new(0, 30.0, 30, 30.0);
        assert_eq!((new.ratio, new.change()), (None, Change::Rose));
    }

    #[test]
    fn a_trend_counts_the_last_30_days_against_the_30_before_and_nothing_after_as_of() {
        let mut at = spread(10, -59, -31);
        at.extend(spread(40, -29, -1));
        at.extend(spread(100, 1, 20));
        let t = trend(at, day(0));
        assert_eq!((t.before, t.after), (10, 40));
        assert_eq!(t.change().trend_word(), "rising");
    }

    /// The follow-through of a decision on day 0, eight weeks before against eight after,
    /// over a collection covering days `covered`.
    fn eight_weeks(
        received: Vec<DateTime<Utc>>,
        covered: (i64, i64),
        impact: Direction,
    ) -> FollowThrough {
        follow_through(
            received,
            day(0),
            (day(covered.0), day(covered.1)),
            (8, 8),
            impact,
        )
    }

    #[test]
    fn follow_through_against_the_stated_impact() {
        // 40 complaints in the 8 weeks before, 10 in the 8 after.
        let mut at = spread(40, -56, 0);
        at.extend(spread(10, 0, 56));
        let helps = eight_weeks(at.clone(), (-400, 60), Direction::Helps);
        assert_eq!((helps.rate.before, helps.rate.after), (40, 10));
        assert_eq!(helps.verdict, Verdict::AsExpected);
        let hurts = eight_weeks(at.clone(), (-400, 60), Direction::Hurts);
        assert_eq!(hurts.verdict, Verdict::Against);
        let neutral = eight_weeks(at.clone(), (-400, 60), Direction::Neutral);
        assert_eq!(
            neutral.verdict,
            Verdict::Changed,
            "a clear fall all the same"
        );
        // Three weeks on: too early, and complaints after "as of" are not counted.
        let early = eight_weeks(at.clone(), (-400, 21), Direction::Helps);
        assert_eq!(early.verdict, Verdict::TooEarly);
        // One complaint every 5.6 days from the decision on: days 0, 5.6, 11.2 and 16.8.
        assert_eq!(early.rate.after, 4, "{early:?}");
        // A handful of complaints tells nothing.
        let few = eight_weeks(spread(4, -56, 0), (-400, 60), Direction::Helps);
        assert_eq!(few.verdict, Verdict::TooFew);
        // The same rate before and after: no clear change.
        let mut flat = spread(30, -56, 0);
        flat.extend(spread(30, 0, 56));
        let same = eight_weeks(flat, (-400, 60), Direction::Helps);
        assert_eq!(same.verdict, Verdict::NoClearChange);
        // Complaints known only from three weeks before the decision: the rate before is per
        // day covered, not per eight weeks (which would read as a fall after).
        let mut late_start = spread(21, -21, 0);
        late_start.extend(spread(56, 0, 56));
        let covered = eight_weeks(late_start, (-21, 60), Direction::Helps);
        assert_eq!(covered.verdict, Verdict::NoClearChange, "{covered:?}");
    }
}
