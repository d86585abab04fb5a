//! Rev5 clocks (section 1, R3.x, R5.x of the rules).

use chrono::NaiveDate;

use super::{Clock, ClockState, Detail, Steps, StopReason, add_days};
use crate::error::Result;
use crate::model::{ClosureReason, DeviationFlag, PoamItem, RiskRating};
use crate::policy::{KevPolicy, Policy, RaClockRestart, Regime, SarClockStart};

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Evaluates a Rev5 clock on civil dates.
pub(super) fn evaluate(item: &PoamItem, policy: &Policy, as_of: NaiveDate, detail: Detail) -> Result<Clock> {
    let mut steps = Steps::new(detail == Detail::Explained);
    let named = detail != Detail::Outcome;

    // 1. The rating the clock runs on.
    let original = item.original_risk_rating;
    let ra_approved = item.risk_adjustment == DeviationFlag::Yes && item.adjusted_risk_rating.is_some();
    let rating = if ra_approved { item.effective_risk_rating() } else { original };
    match item.risk_adjustment {
        DeviationFlag::Yes if ra_approved => steps.add("rev5.ra.approved", || {
            format!("risk adjustment approved: the clock runs on the adjusted rating {rating} (original {original})")
        }),
        DeviationFlag::Yes => steps.add("rev5.ra.no_adjusted_rating", || {
            format!("risk adjustment is Yes but no adjusted rating is recorded: the original rating {original} applies")
        }),
        DeviationFlag::Pending => steps.add(
            "deviation.pending_no_effect",
            || "risk adjustment pending: a pending deviation never changes the clock (R3.2)",
        ),
        DeviationFlag::No => {}
    }

    // 2. Where the clock starts.
    let detection = item.original_detection_date;
    let mut start = detection;
    let mut start_rule = "rev5.clock_start.detection";
    if item.sar_finding
        && policy.sar_clock_start == SarClockStart::AuthorizationDate
        && let Some(auth) = policy.authorization_date
        && auth > detection
    {
        start = auth;
        start_rule = "rev5.clock_start.sar_authorization";
        steps.add(start_rule, || format!("SAR finding: the clock starts at the authorization date {auth} (R1.5)"));
    }
    if ra_approved && policy.ra_clock_restart == RaClockRestart::Approval {
        match item.risk_adjustment_approved_date {
            Some(approved) if approved > start => {
                start = approved;
                start_rule = "rev5.ra.clock_from_approval";
                steps.add(start_rule, || format!("ra_clock_restart = approval: the clock starts at the approval date {approved}"));
            }
            Some(_) => {}
            None => steps.add("rev5.ra.approval_date_unknown", || format!("ra_clock_restart = approval but no approval date is recorded: measured from {start} (the earlier, stricter date)")),
        }
    }

    // 3. The SLA due date.
    let days = policy.rev5_sla_days.days(rating);
    let sla_rule = match rating {
        RiskRating::High => "rev5.sla.high",
        RiskRating::Moderate => "rev5.sla.moderate",
        RiskRating::Low => "rev5.sla.low",
    };
    let mut sla_due = add_days(start, days, "original_detection_date")?;
    let mut rule: &'static str = sla_rule;
    steps.add(sla_rule, || {
        format!("{rating}: {days} calendar days from {start} ({}): due {sla_due}", start_rule_name(start_rule))
    });

    // 4. Vendor fix released: the clock restarts from the release date (R3.7).
    if item.vendor_dependency
        && let Some(fix) = item.vendor_fix_release_date
    {
        let restarted = add_days(fix, days, "vendor_fix_release_date")?;
        if restarted > sla_due {
            sla_due = restarted;
            rule = "vd.fix_release_restart";
        }
        steps.add("vd.fix_release_restart", || {
            format!("vendor released a fix on {fix}: {days} days from the release = {restarted}; due {sla_due}")
        });
    }

    // 5. KEV (R5.1-R5.3, R5.8).
    let mut kev_due: Option<NaiveDate> = None;
    let mut due = sla_due;
    if item.kev {
        match item.kev_due_date {
            Some(kd) => {
                kev_due = Some(kd);
                match policy.kev_policy {
                    KevPolicy::Earliest => {
                        if kd < sla_due {
                            due = kd;
                            rule = "kev.earliest";
                        }
                        steps.add("kev.earliest", || {
                            format!(
                                "in the CISA KEV catalog with due date {kd}: earliest of {sla_due} and {kd} = {due}"
                            )
                        });
                    }
                    KevPolicy::Supersede => {
                        due = kd;
                        rule = "kev.supersede";
                        steps.add("kev.supersede", || {
                            format!("in the CISA KEV catalog: its due date {kd} replaces the SLA due date {sla_due}")
                        });
                    }
                }
            }
            None => steps.add(
                "kev.no_due_date",
                || "marked as KEV but no catalog due date is recorded: the SLA due date applies",
            ),
        }
    }

    let mut clock = Clock {
        poam_id: if named { item.poam_id.clone() } else { String::new() },
        regime: Regime::Rev5,
        as_of,
        rating: Some(rating),
        n_rating: None,
        clock_start: Some(start),
        sla_days: Some(days),
        due_date: Some(due),
        due_at: None,
        state: ClockState::OnTrack,
        stopped_by: None,
        days_late: 0,
        days_remaining: None,
        hours_late: None,
        rule: if named { rule.to_string() } else { String::new() },
        explanation: Vec::new(),
        vdr: None,
    };

    // 6. Closed items: lateness is measured at the closure date (C4).
    if let Some(closure) = &item.closure {
        if closure.reason == ClosureReason::FalsePositive {
            clock.state = ClockState::ClosedOnTime;
            clock.stopped_by = Some(StopReason::FalsePositive);
            steps.add("fp.approved", || {
                format!(
                    "closed on {} as an approved false positive: a false positive is never late (R3.5)",
                    closure.date
                )
            });
        } else if closure.date <= due {
            clock.state = ClockState::ClosedOnTime;
            steps.add("closed.on_time", || format!("closed on {}, on or before the due date {due}", closure.date));
        } else {
            clock.state = ClockState::ClosedLate;
            clock.days_late = days_between(due, closure.date);
            steps.add("closed.late", || {
                format!(
                    "closed on {}, {} − {due} = {} days after the due date",
                    closure.date, closure.date, clock.days_late
                )
            });
        }
        clock.explanation = steps.into_vec();
        return Ok(clock);
    }

    // 7. Deviations that stop lateness on an open item.
    let mut stopped: Option<StopReason> = None;
    match item.false_positive {
        DeviationFlag::Yes => {
            stopped = Some(StopReason::FalsePositive);
            steps.add(
                "fp.approved",
                || "false positive approved: not an open risk; the item belongs on the Closed sheet (R3.5)",
            );
        }
        DeviationFlag::Pending => steps.add(
            "deviation.pending_no_effect",
            || "false positive pending: a pending deviation never stops the clock (R3.2)",
        ),
        DeviationFlag::No => {}
    }
    match item.operational_requirement {
        DeviationFlag::Yes if rating == RiskRating::High => steps.add("or.on_high_ignored", || "operational requirement marked approved on a High item: FedRAMP does not approve ORs on Highs (R3.6), so the clock keeps running"),
        DeviationFlag::Yes => {
            stopped = stopped.or(Some(StopReason::OperationalRequirement));
            steps.add("or.approved_stops_clock", || format!("approved operational requirement on a {rating} item: not counted late, stays open (R3.6)"));
        }
        DeviationFlag::Pending => steps.add("deviation.pending_no_effect", || "operational requirement pending: a pending deviation never stops the clock (R3.2)"),
        DeviationFlag::No => {}
    }
    if item.vendor_dependency && item.vendor_fix_release_date.is_none() {
        let window = policy.vendor_checkin_days;
        if rating == RiskRating::High {
            steps.add("vd.high_needs_ra", || format!(
                    "High vendor dependency: must be mitigated to Moderate by an approved RA within {} days; without one it is late like any High (R3.7, X7)",
                    policy.rev5_sla_days.high
                ));
        } else {
            match item.last_vendor_check_in_date {
                Some(q) if q <= as_of && days_between(q, as_of) <= i64::from(window) => {
                    stopped = stopped.or(Some(StopReason::VendorDependency));
                    steps.add("vd.checkin_window", || format!(
                            "vendor dependency: last check-in {q} is {} days before the POA&M submission date {as_of} (≤ {window}): not counted late (R3.7)",
                            days_between(q, as_of)
                        ));
                }
                Some(q) if q > as_of => steps.add("vd.checkin_in_future", || format!("vendor dependency: check-in date {q} is after the submission date {as_of}; it cannot count, the clock applies")),
                Some(q) => steps.add("vd.checkin_stale", || format!(
                        "vendor dependency: last check-in {q} is {} days before {as_of} (> {window}): the clock applies (R3.7)",
                        days_between(q, as_of)
                    )),
                None => steps.add("vd.checkin_missing", || "vendor dependency without a check-in date: the clock applies (R3.7)"),
            }
        }
    }

    // 8. State at the as-of date.
    let remaining = days_between(as_of, due);
    if let Some(reason) = stopped {
        // A KEV catalog date is CISA's, not FedRAMP's: a deviation does not move it.
        match kev_due {
            Some(kd) if as_of > kd && reason != StopReason::FalsePositive => {
                clock.state = ClockState::Late;
                clock.days_late = days_between(kd, as_of);
                clock.due_date = Some(kd);
                clock.rule = "kev.not_stopped_by_deviation".to_string();
                steps.add("kev.not_stopped_by_deviation", || {
                    format!(
                        "the KEV due date {kd} is not stopped by the deviation: late by {as_of} − {kd} = {} days",
                        clock.days_late
                    )
                });
            }
            _ => {
                clock.state = ClockState::Stopped;
                clock.stopped_by = Some(reason);
            }
        }
    } else if as_of > due {
        clock.state = ClockState::Late;
        clock.days_late = -remaining;
        clock.days_remaining = Some(remaining);
        steps.add("rev5.late", || format!("as of {as_of}: late by {as_of} − {due} = {} days (C2)", clock.days_late));
    } else {
        clock.days_remaining = Some(remaining);
        if remaining <= i64::from(policy.due_soon_days) {
            clock.state = ClockState::DueSoon;
            steps.add("clock.due_soon", || {
                format!("as of {as_of}: due in {remaining} days (within the {}-day window)", policy.due_soon_days)
            });
        } else {
            steps.add("clock.on_track", || format!("as of {as_of}: due in {remaining} days"));
        }
    }
    clock.explanation = steps.into_vec();
    Ok(clock)
}

fn start_rule_name(rule: &str) -> &'static str {
    match rule {
        "rev5.clock_start.sar_authorization" => "authorization date",
        "rev5.ra.clock_from_approval" => "RA approval date",
        _ => "original detection date",
    }
}
