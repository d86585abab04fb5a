//! Every worked example of `fedramp-rules.md` about clocks, ratings, deviations, vendor
//! dependencies, KEV and VDR, with its exact dates. Example numbers refer to that document.

use chrono::{DateTime, NaiveDate, Utc};
use conmon_core::model::{
    Closure, ClosureReason, DeviationFlag, NRating, PoamItem, RiskRating, VdrFacts, VdrReduction,
};
use conmon_core::policy::{KevPolicy, Policy, RaClockRestart, SarClockStart, VdrLevel, VdrStepClock};
use conmon_core::sla::{AsOf, Clock, ClockState, IncidentStrength, StopReason, evaluate};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
fn rev5(item: &PoamItem, as_of: &str) -> Clock {
    evaluate(item, &Policy::fedramp_rev5(), AsOf::date(d(as_of))).unwrap()
}
fn rules(c: &Clock) -> Vec<&str> {
    c.explanation.iter().map(|s| s.rule.as_str()).collect()
}

// Example 1: High (CVSS 8.1) detected 2026-01-10, as-of 2026-02-15 → due 2026-02-09, late by 6.
#[test]
fn ex01_high_late() {
    let item = PoamItem::new("V-1", d("2026-01-10"), RiskRating::High);
    let c = rev5(&item, "2026-02-15");
    assert_eq!(c.due_date, Some(d("2026-02-09")));
    assert_eq!(c.state, ClockState::Late);
    assert_eq!(c.days_late, 6);
    assert_eq!(c.rule, "rev5.sla.high");
    assert!(c.explanation[0].text.contains("30 calendar days from 2026-01-10"), "{:?}", c.explanation);
}

// Example 2: the boundary: day 30 on time, day 31 late by 1.
#[test]
fn ex02_boundary_day() {
    let item = PoamItem::new("V-1", d("2026-01-10"), RiskRating::High);
    let c = rev5(&item, "2026-02-09");
    assert_eq!((c.state, c.days_late, c.days_remaining), (ClockState::DueSoon, 0, Some(0)));
    let c = rev5(&item, "2026-02-10");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 1));
}

// Example 3: CVSS 9.8 → High (no Critical), detected 2026-03-01 → due 2026-03-31; 04-01 late by 1.
#[test]
fn ex03_critical_is_high() {
    use conmon_core::model::{Cvss, CvssScores, ScannerSeverity};
    let scores = CvssScores { v3: Some(Cvss::new(9.8, None).unwrap()), ..Default::default() };
    let rating =
        conmon_core::rating::decide(&scores, Some(ScannerSeverity::Critical), &Policy::fedramp_rev5().rating_sources)
            .rating
            .unwrap();
    assert_eq!(rating, RiskRating::High);
    let item = PoamItem::new("V-3", d("2026-03-01"), rating);
    assert_eq!(rev5(&item, "2026-03-31").due_date, Some(d("2026-03-31")));
    assert_eq!(rev5(&item, "2026-03-31").state, ClockState::DueSoon);
    let c = rev5(&item, "2026-04-01");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 1));
    // The widely copied "High 90 days" table would say 2026-05-30: not us.
    assert_ne!(c.due_date, Some(d("2026-05-30")));
}

// Example 5: RA approved High → Moderate, detected 2026-01-10 → due 2026-04-10, not late 02-15.
#[test]
fn ex05_ra_approved_from_detection() {
    let mut item = PoamItem::new("V-5", d("2026-01-10"), RiskRating::High);
    item.risk_adjustment = DeviationFlag::Pending;
    item.adjusted_risk_rating = Some(RiskRating::Moderate);
    // While pending (submitted 2026-01-20) the High clock runs.
    let c = rev5(&item, "2026-02-15");
    assert_eq!((c.due_date, c.state, c.days_late), (Some(d("2026-02-09")), ClockState::Late, 6));
    assert!(rules(&c).contains(&"deviation.pending_no_effect"));
    // Approved 2026-01-25.
    item.risk_adjustment = DeviationFlag::Yes;
    item.risk_adjustment_approved_date = Some(d("2026-01-25"));
    let c = rev5(&item, "2026-02-15");
    assert_eq!(c.rating, Some(RiskRating::Moderate));
    assert_eq!(c.due_date, Some(d("2026-04-10")));
    assert_ne!(c.state, ClockState::Late);
    assert_eq!(c.rule, "rev5.sla.moderate");
    // ra_clock_restart = approval: 90 days from 2026-01-25.
    let policy = Policy { ra_clock_restart: RaClockRestart::Approval, ..Policy::fedramp_rev5() };
    let c = evaluate(&item, &policy, AsOf::date(d("2026-02-15"))).unwrap();
    assert_eq!(c.due_date, Some(d("2026-04-25")));
    assert_eq!(c.clock_start, Some(d("2026-01-25")));
    // Approval mode without a recorded approval date falls back to the stricter detection date.
    item.risk_adjustment_approved_date = None;
    let c = evaluate(&item, &policy, AsOf::date(d("2026-02-15"))).unwrap();
    assert_eq!(c.due_date, Some(d("2026-04-10")));
    assert!(rules(&c).contains(&"rev5.ra.approval_date_unknown"));
}

// Example 6: Moderate detected 2026-01-05 (due 2026-04-05); FP approved 2026-02-20 → closed, not late.
#[test]
fn ex06_false_positive_closes() {
    let mut item = PoamItem::new("V-6", d("2026-01-05"), RiskRating::Moderate);
    item.false_positive = DeviationFlag::Yes;
    item.closure = Some(Closure { date: d("2026-02-20"), reason: ClosureReason::FalsePositive });
    let c = rev5(&item, "2026-03-13");
    assert_eq!(c.due_date, Some(d("2026-04-05")));
    assert_eq!(c.state, ClockState::ClosedOnTime);
    assert_eq!(c.stopped_by, Some(StopReason::FalsePositive));
    // Even if the FP had been approved after the due date, a false positive is never late.
    item.closure = Some(Closure { date: d("2026-05-01"), reason: ClosureReason::FalsePositive });
    assert_eq!(rev5(&item, "2026-05-13").state, ClockState::ClosedOnTime);
    // An approved FP still on the Open sheet is stopped (and belongs on Closed).
    item.closure = None;
    let c = rev5(&item, "2026-05-13");
    assert_eq!((c.state, c.stopped_by), (ClockState::Stopped, Some(StopReason::FalsePositive)));
}

// Example 7: OR on a High never stops the clock (the validation error comes with `validate`).
#[test]
fn ex07_or_on_high_does_not_stop() {
    let mut item = PoamItem::new("V-7", d("2026-01-10"), RiskRating::High);
    item.operational_requirement = DeviationFlag::Yes;
    let c = rev5(&item, "2026-02-15");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 6));
    assert!(rules(&c).contains(&"or.on_high_ignored"));
    // Pending OR on a Moderate: the clock runs (R3.2); approved OR on a Moderate: stopped.
    let mut m = PoamItem::new("V-7b", d("2025-10-01"), RiskRating::Moderate);
    m.operational_requirement = DeviationFlag::Pending;
    let c = rev5(&m, "2026-01-15");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 16));
    m.operational_requirement = DeviationFlag::Yes;
    let c = rev5(&m, "2026-01-15");
    assert_eq!(
        (c.state, c.stopped_by, c.days_late),
        (ClockState::Stopped, Some(StopReason::OperationalRequirement), 0)
    );
    // OR + approved RA High → Moderate: the OR applies to the adjusted rating.
    item.risk_adjustment = DeviationFlag::Yes;
    item.adjusted_risk_rating = Some(RiskRating::Moderate);
    let c = rev5(&item, "2026-06-15");
    assert_eq!((c.state, c.stopped_by), (ClockState::Stopped, Some(StopReason::OperationalRequirement)));
}

// Example 8: Moderate VD detected 2025-12-01 (due 2026-03-01), check-in 2026-02-20, POA&M
// submitted 2026-03-13: 21 days ≤ 30 → not late.
#[test]
fn ex08_vendor_dependency_checkin_window() {
    let mut item = PoamItem::new("V-8", d("2025-12-01"), RiskRating::Moderate);
    item.vendor_dependency = true;
    item.last_vendor_check_in_date = Some(d("2026-02-20"));
    item.vendor_dependent_product_name = Some("ExampleDB 12".into());
    let c = rev5(&item, "2026-03-13");
    assert_eq!(c.due_date, Some(d("2026-03-01")));
    assert_eq!((c.state, c.stopped_by, c.days_late), (ClockState::Stopped, Some(StopReason::VendorDependency), 0));
    assert!(c.explanation.iter().any(|s| s.rule == "vd.checkin_window" && s.text.contains("21 days")));
    // Day 30 after the check-in is still compliant; day 31 is not: late since 03-01.
    assert_eq!(rev5(&item, "2026-03-22").state, ClockState::Stopped);
    let c = rev5(&item, "2026-03-23");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 22));
    assert!(rules(&c).contains(&"vd.checkin_stale"));
    // No check-in at all: the clock applies.
    item.last_vendor_check_in_date = None;
    assert_eq!(rev5(&item, "2026-03-13").state, ClockState::Late);
}

// High VDs are late after 30 days without an approved RA (R3.7, X7).
#[test]
fn high_vendor_dependency_needs_ra() {
    let mut item = PoamItem::new("V-9", d("2026-01-10"), RiskRating::High);
    item.vendor_dependency = true;
    item.last_vendor_check_in_date = Some(d("2026-02-10"));
    let c = rev5(&item, "2026-02-15");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 6));
    assert!(rules(&c).contains(&"vd.high_needs_ra"));
    item.risk_adjustment = DeviationFlag::Yes;
    item.adjusted_risk_rating = Some(RiskRating::Moderate);
    // An 80-day-old check-in does not count ...
    let c = rev5(&item, "2026-05-01");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 21));
    // ... a check-in 11 days before submission does.
    item.last_vendor_check_in_date = Some(d("2026-04-20"));
    let c = rev5(&item, "2026-05-01");
    assert_eq!((c.state, c.stopped_by), (ClockState::Stopped, Some(StopReason::VendorDependency)));
}

// Vendor fix released: 30/90/180 days from the release date (R3.7).
#[test]
fn vendor_fix_release_restarts_the_clock() {
    let mut item = PoamItem::new("V-10", d("2025-12-01"), RiskRating::Moderate);
    item.vendor_dependency = true;
    item.last_vendor_check_in_date = Some(d("2026-02-20"));
    item.vendor_fix_release_date = Some(d("2026-02-15"));
    let c = rev5(&item, "2026-03-13");
    assert_eq!(c.due_date, Some(d("2026-05-16")));
    assert_eq!(c.rule, "vd.fix_release_restart");
    assert_eq!(c.state, ClockState::OnTrack);
    // Once the fix is out the check-in no longer stops the clock.
    let c = rev5(&item, "2026-05-17");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 1));
}

// Example 9: High detected 2026-01-10 (SLA 2026-02-09), KEV due 2026-01-30 → due 01-30; 02-05 late by 6.
#[test]
fn ex09_kev_tighter_than_sla_either_policy() {
    let mut item = PoamItem::new("V-11", d("2026-01-10"), RiskRating::High);
    item.kev = true;
    item.kev_due_date = Some(d("2026-01-30"));
    for kev_policy in [KevPolicy::Earliest, KevPolicy::Supersede] {
        let policy = Policy { kev_policy, ..Policy::fedramp_rev5() };
        let c = evaluate(&item, &policy, AsOf::date(d("2026-02-05"))).unwrap();
        assert_eq!(c.due_date, Some(d("2026-01-30")), "{kev_policy:?}");
        assert_eq!((c.state, c.days_late), (ClockState::Late, 6), "{kev_policy:?}");
    }
}

// The two KEV policies differ when the catalog date is later than the SLA date.
#[test]
fn kev_later_than_sla() {
    let mut item = PoamItem::new("V-12", d("2026-01-10"), RiskRating::High);
    item.kev = true;
    item.kev_due_date = Some(d("2026-03-01"));
    let c = rev5(&item, "2026-02-15");
    assert_eq!((c.due_date, c.days_late), (Some(d("2026-02-09")), 6));
    let supersede = Policy { kev_policy: KevPolicy::Supersede, ..Policy::fedramp_rev5() };
    let c = evaluate(&item, &supersede, AsOf::date(d("2026-02-15"))).unwrap();
    assert_eq!((c.due_date, c.state, c.rule.as_str()), (Some(d("2026-03-01")), ClockState::DueSoon, "kev.supersede"));
    // A catalog date before detection is late from the first day it appears.
    item.kev_due_date = Some(d("2025-12-01"));
    let c = rev5(&item, "2026-01-10");
    assert_eq!((c.state, c.days_late), (ClockState::Late, 40));
}

// A deviation does not move CISA's KEV date.
#[test]
fn kev_date_not_stopped_by_or() {
    let mut item = PoamItem::new("V-13", d("2026-01-10"), RiskRating::Moderate);
    item.kev = true;
    item.kev_due_date = Some(d("2026-01-31"));
    item.operational_requirement = DeviationFlag::Yes;
    let c = rev5(&item, "2026-01-20");
    assert_eq!(c.state, ClockState::Stopped);
    let c = rev5(&item, "2026-02-05");
    assert_eq!((c.state, c.days_late, c.rule.as_str()), (ClockState::Late, 5, "kev.not_stopped_by_deviation"));
}

// Low 180 days, Moderate 90 days (R1.1), and closure at the closure date (C4).
#[test]
fn low_and_moderate_timeframes_and_closure() {
    let low = PoamItem::new("V-14", d("2025-08-01"), RiskRating::Low);
    assert_eq!(rev5(&low, "2026-01-28").due_date, Some(d("2026-01-28")));
    assert_eq!(rev5(&low, "2026-01-28").state, ClockState::DueSoon);
    assert_eq!(rev5(&low, "2026-01-29").days_late, 1);
    let mut m = PoamItem::new("V-15", d("2025-10-01"), RiskRating::Moderate);
    m.closure = Some(Closure { date: d("2026-01-15"), reason: ClosureReason::Remediated });
    let c = rev5(&m, "2026-03-13");
    assert_eq!((c.due_date, c.state, c.days_late), (Some(d("2025-12-30")), ClockState::ClosedLate, 16));
    m.closure = Some(Closure { date: d("2025-12-30"), reason: ClosureReason::Remediated });
    assert_eq!(rev5(&m, "2026-03-13").state, ClockState::ClosedOnTime);
}

// SAR findings may start at the authorization date (R1.5).
#[test]
fn sar_clock_start() {
    let mut item = PoamItem::new("V-16", d("2025-11-01"), RiskRating::Moderate);
    item.sar_finding = true;
    assert_eq!(rev5(&item, "2026-01-01").due_date, Some(d("2026-01-30")));
    let policy = Policy {
        sar_clock_start: SarClockStart::AuthorizationDate,
        authorization_date: Some(d("2026-01-15")),
        ..Policy::fedramp_rev5()
    };
    let c = evaluate(&item, &policy, AsOf::date(d("2026-02-01"))).unwrap();
    assert_eq!(c.due_date, Some(d("2026-04-15")));
    // Non-SAR findings are unaffected.
    item.sar_finding = false;
    assert_eq!(evaluate(&item, &policy, AsOf::date(d("2026-02-01"))).unwrap().due_date, Some(d("2026-01-30")));
}

fn vdr_item(detected: &str, evaluated: Option<&str>, n: u8, irv: bool, lev: bool) -> PoamItem {
    let mut item = PoamItem::new("V-20", t(detected).date_naive(), RiskRating::High);
    item.vdr = Some(VdrFacts {
        detected_at: t(detected),
        evaluated_at: evaluated.map(t),
        n_rating: NRating::new(n).unwrap(),
        internet_reachable: irv,
        likely_exploitable: lev,
        reductions: vec![],
        fully_mitigated_at: None,
        remediated_at: None,
        false_positive_at: None,
    });
    item
}

// Example 17: Class D, N5, IRV+LEV, evaluated 2026-03-02T10:00Z → reduce by 2026-03-02T22:00Z.
#[test]
fn ex17_vdr_high_n5_irv_lev_twelve_hours() {
    let item = vdr_item("2026-03-01T08:00:00Z", Some("2026-03-02T10:00:00Z"), 5, true, true);
    for level in [VdrLevel::ClassD, VdrLevel::High] {
        let policy = Policy::fedramp_vdr(level);
        let c = evaluate(&item, &policy, AsOf::instant(t("2026-03-02T21:59:00Z"))).unwrap();
        assert_eq!(c.due_at, Some(t("2026-03-02T22:00:00Z")));
        assert_eq!(c.state, ClockState::DueSoon);
        assert_eq!(c.rule, "vdr.tfr.pvr.high.n5.irv_lev");
        let v = c.vdr.as_ref().unwrap();
        assert_eq!(v.target_n_rating, NRating::new(4).ok());
        let inc = v.incident.as_ref().unwrap();
        assert_eq!(
            (inc.rule.as_str(), inc.strength, inc.until_n_rating.get()),
            ("vdr.incident.iri", IncidentStrength::Should, 3)
        );
        let c = evaluate(&item, &policy, AsOf::instant(t("2026-03-02T23:30:00Z"))).unwrap();
        assert_eq!((c.state, c.hours_late, c.days_late), (ClockState::Late, Some(2), 1));
    }
}

// Example 18: Class B, N3, NLEV: 192 days; evaluated 2026-01-05 → accepted after 2026-07-16.
#[test]
fn ex18_vdr_low_n3_nlev_accepted_after_192_days() {
    let item = vdr_item("2026-01-02T00:00:00Z", Some("2026-01-05T00:00:00Z"), 3, false, false);
    let policy = Policy::fedramp_vdr(VdrLevel::ClassB);
    let c = evaluate(&item, &policy, AsOf::date(d("2026-07-16"))).unwrap();
    assert_eq!(c.due_date, Some(d("2026-07-16")));
    assert_eq!(c.vdr.as_ref().unwrap().accepted_at, Some(t("2026-07-16T00:00:00Z")));
    assert_eq!(c.state, ClockState::DueSoon);
    let c = evaluate(&item, &policy, AsOf::instant(t("2026-07-16T00:00:01Z"))).unwrap();
    assert_eq!((c.state, c.rule.as_str()), (ClockState::Accepted, "vdr.tfr.mav"));
    // Remediated before the threshold: closed on time, never accepted.
    let mut done = item.clone();
    if let Some(v) = done.vdr.as_mut() {
        v.remediated_at = Some(t("2026-06-01T12:00:00Z"));
    }
    assert_eq!(evaluate(&done, &policy, AsOf::date(d("2026-09-01"))).unwrap().state, ClockState::ClosedOnTime);
}

// Evaluation deadline (R2.5): High 2 days, Moderate 5, Low 7; Class A 14.
#[test]
fn vdr_evaluation_deadline() {
    let item = vdr_item("2026-03-01T10:00:00Z", None, 4, true, true);
    let c = evaluate(&item, &Policy::fedramp_vdr(VdrLevel::High), AsOf::instant(t("2026-03-03T10:00:00Z"))).unwrap();
    assert_eq!(
        (c.rule.as_str(), c.due_at, c.state),
        ("vdr.tfr.evu", Some(t("2026-03-03T10:00:00Z")), ClockState::DueSoon)
    );
    let c = evaluate(&item, &Policy::fedramp_vdr(VdrLevel::High), AsOf::instant(t("2026-03-03T10:00:01Z"))).unwrap();
    assert_eq!((c.state, c.hours_late), (ClockState::Late, Some(1)));
    assert!(c.vdr.unwrap().evaluation_late);
    let c = evaluate(&item, &Policy::fedramp_vdr(VdrLevel::ClassA), AsOf::instant(t("2026-03-03T10:00:01Z"))).unwrap();
    assert_eq!(c.due_at, Some(t("2026-03-15T10:00:00Z")));
    // A late evaluation is reported even after it is done.
    let item = vdr_item("2026-03-01T10:00:00Z", Some("2026-03-09T10:00:00Z"), 2, false, true);
    let c =
        evaluate(&item, &Policy::fedramp_vdr(VdrLevel::Moderate), AsOf::instant(t("2026-03-10T00:00:00Z"))).unwrap();
    assert!(c.vdr.as_ref().unwrap().evaluation_late);
    // Moderate N2 NIRV+LEV: 128 days from evaluation.
    assert_eq!(c.due_at, Some(t("2026-07-15T10:00:00Z")));
}

// Every cell of the three tables, in days (hours / 24), against the published table.
#[test]
fn vdr_tables_match_the_rules() {
    use conmon_core::sla::{Exposure, timeframe_hours};
    let expect: [(VdrLevel, [[f64; 3]; 4]); 3] = [
        (VdrLevel::Low, [[4.0, 8.0, 32.0], [8.0, 32.0, 64.0], [32.0, 64.0, 192.0], [96.0, 160.0, 192.0]]),
        (VdrLevel::Moderate, [[2.0, 4.0, 16.0], [4.0, 8.0, 64.0], [16.0, 32.0, 128.0], [48.0, 128.0, 192.0]]),
        (VdrLevel::High, [[0.5, 1.0, 8.0], [2.0, 8.0, 32.0], [8.0, 16.0, 64.0], [24.0, 96.0, 192.0]]),
    ];
    let exposures = [Exposure::IrvLev, Exposure::NirvLev, Exposure::Nlev];
    for (level, rows) in expect {
        for (row, n) in rows.iter().zip([5u8, 4, 3, 2]) {
            for (days, e) in row.iter().zip(exposures) {
                let h = timeframe_hours(level, NRating::new(n).unwrap(), e).unwrap();
                assert_eq!(f64::from(h) / 24.0, *days, "{level:?} N{n} {e:?}");
            }
        }
        assert_eq!(timeframe_hours(level, NRating::new(1).unwrap(), Exposure::IrvLev), None);
    }
    assert_eq!(Exposure::from_flags(true, false), Exposure::Nlev);
}

// Step clocks (U5): from the evaluation (default) or from the last reduction.
#[test]
fn vdr_step_clock_options() {
    let mut item = vdr_item("2026-03-01T00:00:00Z", Some("2026-03-01T12:00:00Z"), 5, true, true);
    if let Some(v) = item.vdr.as_mut() {
        v.reductions.push(VdrReduction { at: t("2026-03-03T12:00:00Z"), to: NRating::new(4).unwrap() });
    }
    let as_of = AsOf::instant(t("2026-03-04T00:00:00Z"));
    // Moderate N4 IRV+LEV: 4 days.
    let c = evaluate(&item, &Policy::fedramp_vdr(VdrLevel::Moderate), as_of).unwrap();
    assert_eq!((c.n_rating.map(NRating::get), c.due_at), (Some(4), Some(t("2026-03-05T12:00:00Z"))));
    let policy = Policy { vdr_step_clock: VdrStepClock::FromReduction, ..Policy::fedramp_vdr(VdrLevel::Moderate) };
    let c = evaluate(&item, &policy, as_of).unwrap();
    assert_eq!(c.due_at, Some(t("2026-03-07T12:00:00Z")));
    // N1 has no timeframe.
    if let Some(v) = item.vdr.as_mut() {
        v.reductions.push(VdrReduction { at: t("2026-03-03T18:00:00Z"), to: NRating::new(1).unwrap() });
    }
    let c = evaluate(&item, &policy, as_of).unwrap();
    assert_eq!((c.state, c.rule.as_str()), (ClockState::NoDeadline, "vdr.tfr.rmn"));
}

#[test]
fn vdr_without_facts_is_a_located_error() {
    let item = PoamItem::new("V-30", d("2026-01-01"), RiskRating::High);
    let e = conmon_core::sla::evaluate_all(&[item], &Policy::fedramp_vdr(VdrLevel::High), AsOf::date(d("2026-01-02")))
        .unwrap_err();
    assert_eq!(e.code(), "missing_field");
    assert_eq!(e.location().field.as_deref(), Some("items[0].vdr"));
}
