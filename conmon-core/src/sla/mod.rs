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
use crate::zone::Zone;

pub use vdr::{Exposure, IncidentAdvice, IncidentStrength, VdrClock, evaluation_days, timeframe_hours};

/// The instant a clock is evaluated at. Rev5 uses its civil date; VDR its UTC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AsOf {
    /// The civil date (the POA&M date / submission date for Rev5, C4). For an instant, its UTC
    /// date; the clocks use [`AsOf::civil_date`], its date in the policy's `time_zone`.
    pub date: NaiveDate,
    /// The UTC instant (VDR). For [`AsOf::date`] this is 00:00:00 UTC of the date.
    pub time: DateTime<Utc>,
    /// Whether this was given as an instant (its date then depends on the zone) or as a date.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_instant: bool,
}

impl AsOf {
    /// A date; the instant is the start of that day in UTC.
    pub fn date(date: NaiveDate) -> AsOf {
        AsOf { date, time: date.and_time(NaiveTime::MIN).and_utc(), from_instant: false }
    }
    /// A UTC instant; the date is its UTC calendar date.
    pub fn instant(time: DateTime<Utc>) -> AsOf {
        AsOf { date: time.date_naive(), time, from_instant: true }
    }
    /// The civil date the clocks count to: a date as given; an instant's date in `zone`.
    pub fn civil_date(&self, zone: &Zone) -> NaiveDate {
        if self.from_instant { zone.date_of(self.time, false) } else { self.date }
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
    evaluate_with(item, policy, as_of, Detail::Explained)
}

/// [`evaluate`] without the explanation: the same clock (state, dates, days, rule) with an
/// empty `explanation`, at a fraction of the cost: for bulk work over a large POA&M (the meeting
/// report's late items, the VDR report).
pub fn evaluate_unexplained(item: &PoamItem, policy: &Policy, as_of: AsOf) -> Result<Clock> {
    evaluate_with(item, policy, as_of, Detail::Unexplained)
}

/// [`evaluate_unexplained`] for the engine's own checks that read only the outcome (state, dates
/// and days): the clock's `poam_id` is left empty and its `rule` may be. Two strings fewer per
/// item and evaluation: reconciliation and the triggers evaluate every item of a large POA&M.
pub(crate) fn evaluate_outcome(item: &PoamItem, policy: &Policy, as_of: AsOf) -> Result<Clock> {
    evaluate_with(item, policy, as_of, Detail::Outcome)
}

/// How much of a clock [`evaluate_with`] fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Everything, with the explanation.
    Explained,
    /// Everything but the explanation.
    Unexplained,
    /// The outcome only ([`evaluate_outcome`]).
    Outcome,
}

fn evaluate_with(item: &PoamItem, policy: &Policy, as_of: AsOf, detail: Detail) -> Result<Clock> {
    match policy.regime {
        Regime::Rev5 => rev5::evaluate(item, policy, as_of.civil_date(&policy.time_zone), detail),
        Regime::Vdr => vdr::evaluate(item, policy, as_of, detail),
    }
}

/// Evaluates many items; the first failure names the item's index in `field` (`items[3]...`).
pub fn evaluate_all(items: &[PoamItem], policy: &Policy, as_of: AsOf) -> Result<Vec<Clock>> {
    evaluate_each(items, policy, as_of, true)
}

/// [`evaluate_all`] over any sequence of items (a POA&M's `items()`, without copying them), with
/// the explanations or without them ([`evaluate_unexplained`]).
pub fn evaluate_each<'a>(
    items: impl IntoIterator<Item = &'a PoamItem>,
    policy: &Policy,
    as_of: AsOf,
    explain: bool,
) -> Result<Vec<Clock>> {
    let detail = if explain { Detail::Explained } else { Detail::Unexplained };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            evaluate_with(item, policy, as_of, detail).map_err(|e| {
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

/// The explanation of a clock as it is built: each step's text is formatted only when the
/// explanation is wanted (formatting is most of a clock's cost).
pub(crate) struct Steps {
    list: Vec<Step>,
    on: bool,
}

impl Steps {
    pub(crate) fn new(on: bool) -> Steps {
        Steps { list: Vec::new(), on }
    }

    /// Adds a step; `text` runs only when the explanation is kept.
    pub(crate) fn add<R: Into<String>, T: Into<String>>(&mut self, rule: R, text: impl FnOnce() -> T) {
        if self.on {
            self.list.push(Step { rule: rule.into(), text: text().into() });
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Step> {
        self.list
    }
}

#[cfg(test)]
mod proptests {
    use chrono::{Days, NaiveDate, TimeDelta};
    use proptest::prelude::*;

    use super::*;
    use crate::model::{Closure, ClosureReason, DeviationFlag, NRating, VdrFacts};
    use crate::policy::VdrLevel;

    fn date() -> impl Strategy<Value = NaiveDate> {
        // 2000-01-01 .. about 2099.
        (0u64..36_500).prop_map(|n| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Days::new(n))
    }
    fn rating() -> impl Strategy<Value = RiskRating> {
        prop_oneof![Just(RiskRating::Low), Just(RiskRating::Moderate), Just(RiskRating::High)]
    }
    fn facts(detected_at: DateTime<Utc>, evaluated_at: Option<DateTime<Utc>>, n: u8, irv: bool, lev: bool) -> VdrFacts {
        VdrFacts {
            detected_at,
            evaluated_at,
            n_rating: NRating::new(n).unwrap(),
            internet_reachable: irv,
            likely_exploitable: lev,
            reductions: vec![],
            fully_mitigated_at: None,
            remediated_at: None,
            false_positive_at: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn due_minus_detection_is_the_policy_days(det in date(), r in rating(), offset in 0u64..400) {
            let policy = Policy::fedramp_rev5();
            let item = PoamItem::new("V-1", det, r);
            let c = evaluate(&item, &policy, AsOf::date(det + Days::new(offset))).unwrap();
            let due = c.due_date.unwrap();
            prop_assert_eq!((due - det).num_days(), i64::from(policy.rev5_sla_days.days(r)));
        }

        #[test]
        fn day_n_on_time_day_n_plus_1_late(det in date(), r in rating()) {
            let policy = Policy::fedramp_rev5();
            let n = u64::from(policy.rev5_sla_days.days(r));
            let item = PoamItem::new("V-1", det, r);
            let on = evaluate(&item, &policy, AsOf::date(det + Days::new(n))).unwrap();
            prop_assert_ne!(on.state, ClockState::Late);
            prop_assert_eq!(on.days_late, 0);
            let late = evaluate(&item, &policy, AsOf::date(det + Days::new(n + 1))).unwrap();
            prop_assert_eq!(late.state, ClockState::Late);
            prop_assert_eq!(late.days_late, 1);
        }

        #[test]
        fn closed_item_is_never_late_afterwards(
            det in date(), r in rating(), closed_after in 0u64..400, later in 0u64..2_000,
            ra in any::<bool>(), kev_offset in proptest::option::of(0u64..200),
        ) {
            let policy = Policy::fedramp_rev5();
            let mut item = PoamItem::new("V-1", det, r);
            if ra {
                item.risk_adjustment = DeviationFlag::Yes;
                item.adjusted_risk_rating = Some(r.lower());
            }
            if let Some(k) = kev_offset {
                item.kev = true;
                item.kev_due_date = Some(det + Days::new(k));
            }
            let closed_on = det + Days::new(closed_after);
            item.closure = Some(Closure { date: closed_on, reason: ClosureReason::Remediated });
            let c = evaluate(&item, &policy, AsOf::date(closed_on + Days::new(later))).unwrap();
            prop_assert!(matches!(c.state, ClockState::ClosedOnTime | ClockState::ClosedLate));
            let due = c.due_date.unwrap();
            prop_assert_eq!(c.state == ClockState::ClosedOnTime, closed_on <= due);
            prop_assert_eq!(c.days_late, (closed_on - due).num_days().max(0));
        }

        #[test]
        fn pending_deviations_never_change_the_clock(det in date(), r in rating(), offset in 0u64..400) {
            let policy = Policy::fedramp_rev5();
            let plain = PoamItem::new("V-1", det, r);
            let mut pending = plain.clone();
            pending.risk_adjustment = DeviationFlag::Pending;
            pending.adjusted_risk_rating = Some(RiskRating::Low);
            pending.false_positive = DeviationFlag::Pending;
            pending.operational_requirement = DeviationFlag::Pending;
            let as_of = AsOf::date(det + Days::new(offset));
            let a = evaluate(&plain, &policy, as_of).unwrap();
            let b = evaluate(&pending, &policy, as_of).unwrap();
            prop_assert_eq!((a.due_date, a.state, a.days_late), (b.due_date, b.state, b.days_late));
        }

        #[test]
        fn unexplained_clock_is_the_explained_one_without_its_text(
            det in date(), r in rating(), offset in 0u64..800, flags in proptest::collection::vec(0u8..3, 3),
            adjusted in proptest::option::of(rating()), approved in proptest::option::of(0u64..100),
            vd in any::<bool>(), fix in proptest::option::of(0u64..300), checkin in proptest::option::of(0u64..120),
            kev in proptest::option::of(proptest::option::of(0u64..200)), closed in proptest::option::of((0u64..400, any::<bool>())),
            vdr_facts in proptest::option::of((2u8..=5, any::<bool>(), any::<bool>(), proptest::option::of(0i64..5_000))),
        ) {
            let flag = |n: u8| [DeviationFlag::No, DeviationFlag::Pending, DeviationFlag::Yes][usize::from(n)];
            let mut item = PoamItem::new("V-1", det, r);
            item.risk_adjustment = flag(flags[0]);
            item.false_positive = flag(flags[1]);
            item.operational_requirement = flag(flags[2]);
            item.adjusted_risk_rating = adjusted;
            item.risk_adjustment_approved_date = approved.map(|d| det + Days::new(d));
            item.vendor_dependency = vd;
            item.vendor_fix_release_date = fix.map(|d| det + Days::new(d));
            let as_of_date = det + Days::new(offset);
            item.last_vendor_check_in_date = checkin.and_then(|d| as_of_date.checked_sub_days(Days::new(d)));
            if let Some(k) = kev {
                item.kev = true;
                item.kev_due_date = k.map(|d| det + Days::new(d));
            }
            item.closure = closed.map(|(d, fp)| Closure {
                date: det + Days::new(d),
                reason: if fp { ClosureReason::FalsePositive } else { ClosureReason::Remediated },
            });
            let at = det.and_time(chrono::NaiveTime::MIN).and_utc();
            item.vdr =
                vdr_facts.map(|(n, irv, lev, evaluated)| facts(at, evaluated.map(|h| at + TimeDelta::hours(h)), n, irv, lev));
            for (policy, as_of) in [
                (Policy::fedramp_rev5(), AsOf::date(as_of_date)),
                (Policy::fedramp_vdr(VdrLevel::Moderate), AsOf::instant(at + TimeDelta::hours(offset as i64 * 7))),
            ] {
                let explained = evaluate(&item, &policy, as_of);
                let quiet = evaluate_unexplained(&item, &policy, as_of);
                let outcome = evaluate_outcome(&item, &policy, as_of);
                match explained {
                    Ok(mut c) => {
                        prop_assert!(!c.explanation.is_empty());
                        c.explanation.clear();
                        prop_assert_eq!(quiet.ok(), Some(c.clone()));
                        // The outcome alone: the same but for the ID and the rule's name.
                        let mut o = outcome.unwrap();
                        prop_assert!(o.poam_id.is_empty());
                        (o.poam_id, o.rule) = (c.poam_id.clone(), c.rule.clone());
                        prop_assert_eq!(o, c);
                    }
                    Err(e) => {
                        prop_assert_eq!(quiet.err().map(|e| e.to_string()), Some(e.to_string()));
                        prop_assert_eq!(outcome.err().map(|e| e.to_string()), Some(e.to_string()));
                    }
                }
            }
        }

        #[test]
        fn vdr_due_is_evaluation_plus_table_hours(
            minutes in 0i64..50_000_000, n in 2u8..=5, irv in any::<bool>(), lev in any::<bool>(), lvl in 0usize..7,
        ) {
            let levels = [VdrLevel::Low, VdrLevel::Moderate, VdrLevel::High, VdrLevel::ClassA, VdrLevel::ClassB, VdrLevel::ClassC, VdrLevel::ClassD];
            let level = levels[lvl];
            let evaluated = DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap() + TimeDelta::minutes(minutes);
            let mut item = PoamItem::new("V-1", evaluated.date_naive(), RiskRating::High);
            item.vdr = Some(facts(evaluated - TimeDelta::hours(3), Some(evaluated), n, irv, lev));
            let h = timeframe_hours(level, NRating::new(n).unwrap(), Exposure::from_flags(irv, lev)).unwrap();
            let c = evaluate(&item, &Policy::fedramp_vdr(level), AsOf::instant(evaluated)).unwrap();
            prop_assert_eq!(c.due_at.unwrap() - evaluated, TimeDelta::hours(i64::from(h)));
            let after = AsOf::instant(evaluated + TimeDelta::hours(i64::from(h)) + TimeDelta::seconds(1));
            let c = evaluate(&item, &Policy::fedramp_vdr(level), after).unwrap();
            // A 192-day cell coincides with the accepted-vulnerability threshold (R2.4).
            let expected = if h >= 192 * 24 { ClockState::Accepted } else { ClockState::Late };
            prop_assert_eq!(c.state, expected);
            prop_assert_eq!(c.hours_late, Some(1));
        }
    }

    #[test]
    fn an_as_of_instant_counts_to_its_date_in_the_policys_zone() {
        // High, detected 2026-02-09: due 2026-03-11.
        let item = PoamItem::new("V-1", NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(), RiskRating::High);
        // 2026-03-12T03:00:00Z is 23:00 on 11 March in New York (EDT since 8 March).
        let at = AsOf::parse("2026-03-12T03:00:00Z").unwrap();
        let utc = evaluate(&item, &Policy::fedramp_rev5(), at).unwrap();
        assert_eq!((utc.as_of.to_string(), utc.state, utc.days_late), ("2026-03-12".to_string(), ClockState::Late, 1));
        let ny = Policy { time_zone: "America/New_York".parse().unwrap(), ..Policy::fedramp_rev5() };
        let c = evaluate(&item, &ny, at).unwrap();
        assert_eq!((c.as_of.to_string(), c.state, c.days_late), ("2026-03-11".to_string(), ClockState::DueSoon, 0));
        // A date is the date, whatever the zone.
        let d = evaluate(&item, &ny, AsOf::parse("2026-03-12").unwrap()).unwrap();
        assert_eq!((d.state, d.days_late), (ClockState::Late, 1));
        // The same instant written with New York's offset is the same instant.
        assert_eq!(
            AsOf::parse("2026-03-11T23:00:00-04:00").unwrap().civil_date(&ny.time_zone).to_string(),
            "2026-03-11"
        );
    }
}
