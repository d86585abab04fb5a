//! Remediation clocks: due dates, state and an explanation for every POA&M item.
//!
//! The core never reads the system clock: the as-of instant is an argument ([`AsOf`]).
//!
//! **Rev5** (section 1 and C1-C4 of the rules): calendar days on civil dates, no time zone.
//! `due = clock start + N days`; an open item is late on as-of date E iff E > due, by E − due days.
//! Day N itself is on time. A closed item's lateness is measured at its closure date.
//!
//! **VDR** (section 2, C5): timestamps in UTC, hour resolution, from the evaluation.
//!
//! # Example
//! ```
//! use chrono::NaiveDate;
//! use conmon_core::model::{PoamItem, RiskRating};
//! use conmon_core::policy::Policy;
//! use conmon_core::sla::{evaluate, AsOf, ClockState};
//! let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! let item = PoamItem::new("V-1", d("2026-01-10"), RiskRating::High);
//! let clock = evaluate(&item, &Policy::fedramp_rev5(), AsOf::date(d("2026-02-15"))).unwrap();
//! assert_eq!(clock.due_date, Some(d("2026-02-09")));
//! assert_eq!(clock.state, ClockState::Late);
//! assert_eq!(clock.days_late, 6);
//! ```

mod rev5;
mod vdr;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{NRating, PoamItem, RiskRating};
use crate::policy::{Policy, Regime};

pub use vdr::{evaluation_days, timeframe_hours, Exposure, IncidentAdvice, IncidentStrength, VdrClock};

/// The instant a clock is evaluated at. Rev5 uses its civil date; VDR its UTC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AsOf {
    /// The civil date (the POA&M date / submission date for Rev5, C4).
    pub date: NaiveDate,
    /// The UTC instant (VDR). For [`AsOf::date`] this is 00:00:00 UTC of the date.
    pub time: DateTime<Utc>,
}

impl AsOf {
    /// A date; the instant is the start of that day in UTC.
    pub fn date(date: NaiveDate) -> AsOf {
        AsOf { date, time: date.and_time(NaiveTime::MIN).and_utc() }
    }
    /// A UTC instant; the date is its UTC calendar date.
    pub fn instant(time: DateTime<Utc>) -> AsOf {
        AsOf { date: time.date_naive(), time }
    }
    /// Parses `YYYY-MM-DD` or an RFC 3339 timestamp (`2026-03-02T10:00:00Z`, any offset).
    pub fn parse(s: &str) -> Result<AsOf> {
        let s = s.trim();
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(AsOf::date(d));
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| AsOf::instant(t.with_timezone(&Utc)))
            .map_err(|_| Error::invalid(format!("`{s}` is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp")))
    }
}

/// Where an item's clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Open, due later than the due-soon window.
    OnTrack,
    /// Open, due within `due_soon_days`.
    DueSoon,
    /// Open and past its due date.
    Late,
    /// Open, but the clock is stopped by an approved deviation or a compliant vendor dependency.
    Stopped,
    /// Closed on or before its due date (or closed as an approved false positive).
    ClosedOnTime,
    /// Closed after its due date.
    ClosedLate,
    /// VDR: past the accepted-vulnerability threshold (192 days from evaluation) and not fully
    /// mitigated or remediated: it must be reported as accepted (R2.4).
    Accepted,
    /// No timeframe applies (VDR N1: routine operations).
    NoDeadline,
}

/// What stopped a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Approved operational requirement on a non-High item (R3.6).
    OperationalRequirement,
    /// Vendor dependency with a check-in within the window (R3.7).
    VendorDependency,
    /// Approved false positive (R3.5).
    FalsePositive,
}

/// One step of an explanation: the rule applied and what it did, with the arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    /// Stable rule id (`rev5.sla.high`, `kev.earliest`, `vd.checkin_window`, ...).
    pub rule: String,
    /// What the rule did, with its inputs and arithmetic.
    pub text: String,
}

/// The evaluated clock of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Clock {
    /// The item's POA&M ID.
    pub poam_id: String,
    /// Regime used.
    pub regime: Regime,
    /// As-of date.
    pub as_of: NaiveDate,
    /// Rev5: the rating the clock ran on (adjusted when an RA is approved).
    pub rating: Option<RiskRating>,
    /// VDR: the current N-rating.
    pub n_rating: Option<NRating>,
    /// The date the clock started (Rev5) or the evaluation date (VDR).
    pub clock_start: Option<NaiveDate>,
    /// Timeframe in days (Rev5) that produced the due date before KEV adjustments.
    pub sla_days: Option<u32>,
    /// The due date (Rev5), or the UTC date of `due_at` (VDR). `None` when no deadline applies.
    pub due_date: Option<NaiveDate>,
    /// VDR: the due instant.
    pub due_at: Option<DateTime<Utc>>,
    /// The state.
    pub state: ClockState,
    /// What stopped the clock, when `state` is `stopped`.
    pub stopped_by: Option<StopReason>,
    /// Whole days late (0 unless `late` or `closed_late`). VDR rounds partial days up.
    pub days_late: i64,
    /// Days until due (negative when late); `None` when stopped, closed or without deadline.
    pub days_remaining: Option<i64>,
    /// VDR: hours late, rounded up.
    pub hours_late: Option<i64>,
    /// The rule that set the due date.
    pub rule: String,
    /// Every rule applied, in order.
    pub explanation: Vec<Step>,
    /// VDR details (evaluation deadline, accepted threshold, incident advice).
    pub vdr: Option<VdrClock>,
}

impl Clock {
    /// True when the item counts as late now (open and past due).
    pub fn is_late(&self) -> bool {
        self.state == ClockState::Late
    }
}

/// Evaluates one item's clock under the policy's regime.
pub fn evaluate(item: &PoamItem, policy: &Policy, as_of: AsOf) -> Result<Clock> {
    match policy.regime {
        Regime::Rev5 => rev5::evaluate(item, policy, as_of.date),
        Regime::Vdr => vdr::evaluate(item, policy, as_of),
    }
}

/// Evaluates many items; the first failure names the item's index in `field` (`items[3]...`).
pub fn evaluate_all(items: &[PoamItem], policy: &Policy, as_of: AsOf) -> Result<Vec<Clock>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            evaluate(item, policy, as_of).map_err(|e| {
                let mut loc = e.location().clone();
                loc.field = Some(match loc.field.take() {
                    Some(f) => format!("items[{i}].{f}"),
                    None => format!("items[{i}]"),
                });
                e.at(loc)
            })
        })
        .collect()
}

pub(crate) fn add_days(date: NaiveDate, days: u32, field: &str) -> Result<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days))).ok_or_else(|| {
        Error::invalid(format!("{date} + {days} days is beyond the supported calendar"))
            .at(crate::error::Location::field(field))
    })
}

pub(crate) fn step(rule: impl Into<String>, text: impl Into<String>) -> Step {
    Step { rule: rule.into(), text: text.into() }
}
