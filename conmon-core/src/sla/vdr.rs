//! VDR clocks (section 2 of the rules): hour resolution, from the evaluation timestamp.

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{AsOf, Clock, ClockState, Detail, Steps, StopReason};
use crate::error::{Error, Location, Result};
use crate::model::{NRating, PoamItem};
use crate::policy::{KevPolicy, Policy, Regime, VdrLevel, VdrStepClock};

/// Exposure column of the VDR timeframe table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Internet-reachable and likely exploitable.
    IrvLev,
    /// Not internet-reachable, likely exploitable.
    NirvLev,
    /// Not likely exploitable (reachability does not matter).
    Nlev,
}

impl Exposure {
    /// From the two evaluation flags.
    pub fn from_flags(internet_reachable: bool, likely_exploitable: bool) -> Exposure {
        match (internet_reachable, likely_exploitable) {
            (_, false) => Exposure::Nlev,
            (true, true) => Exposure::IrvLev,
            (false, true) => Exposure::NirvLev,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Exposure::IrvLev => "IRV+LEV",
            Exposure::NirvLev => "NIRV+LEV",
            Exposure::Nlev => "NLEV",
        }
    }
    fn index(self) -> usize {
        match self {
            Exposure::IrvLev => 0,
            Exposure::NirvLev => 1,
            Exposure::Nlev => 2,
        }
    }
}

const H: u32 = 24;
// Maximum hours from evaluation (S4 pain_timeframes), rows N5, N4, N3, N2; columns IRV+LEV,
// NIRV+LEV, NLEV. High N5 IRV+LEV is half a day: 12 hours.
const LOW: [[u32; 3]; 4] =
    [[4 * H, 8 * H, 32 * H], [8 * H, 32 * H, 64 * H], [32 * H, 64 * H, 192 * H], [96 * H, 160 * H, 192 * H]];
const MODERATE: [[u32; 3]; 4] =
    [[2 * H, 4 * H, 16 * H], [4 * H, 8 * H, 64 * H], [16 * H, 32 * H, 128 * H], [48 * H, 128 * H, 192 * H]];
const HIGH: [[u32; 3]; 4] =
    [[12, H, 8 * H], [2 * H, 8 * H, 32 * H], [8 * H, 16 * H, 64 * H], [24 * H, 96 * H, 192 * H]];

fn table_name(level: VdrLevel) -> &'static str {
    match level {
        VdrLevel::Low | VdrLevel::ClassA | VdrLevel::ClassB => "low",
        VdrLevel::Moderate | VdrLevel::ClassC => "moderate",
        VdrLevel::High | VdrLevel::ClassD => "high",
    }
}

/// Maximum hours from evaluation to reduce a vulnerability of rating `n` below `n`, or `None`
/// for N1 (no timeframe: routine operations, VDR-TFR-RMN).
pub fn timeframe_hours(level: VdrLevel, n: NRating, exposure: Exposure) -> Option<u32> {
    let table = match table_name(level) {
        "low" => &LOW,
        "moderate" => &MODERATE,
        _ => &HIGH,
    };
    let row = match n.get() {
        5 => 0,
        4 => 1,
        3 => 2,
        2 => 3,
        _ => return None,
    };
    Some(table[row][exposure.index()])
}

/// Days from detection within which a vulnerability should be evaluated (VDR-TFR-EVU, R2.5).
pub fn evaluation_days(level: VdrLevel) -> u32 {
    match level {
        VdrLevel::ClassA => 14,
        VdrLevel::Low | VdrLevel::ClassB => 7,
        VdrLevel::Moderate | VdrLevel::ClassC => 5,
        VdrLevel::High | VdrLevel::ClassD => 2,
    }
}

/// How strongly FedRAMP asks for incident handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum IncidentStrength {
    /// MAY.
    May,
    /// SHOULD.
    Should,
}

/// Advice to treat the vulnerability as a (reportable) security incident (R2.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IncidentAdvice {
    /// `vdr.incident.iri` (IRV+LEV, N4/N5) or `vdr.incident.nri` (NIRV+LEV, N5).
    pub rule: String,
    /// MAY or SHOULD.
    pub strength: IncidentStrength,
    /// Treat as an incident until partially mitigated to this rating or below.
    pub until_n_rating: NRating,
}

/// VDR details of a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VdrClock {
    /// Level or class.
    pub level: VdrLevel,
    /// Exposure column used.
    pub exposure: Exposure,
    /// When the evaluation was due (detection + evaluation days).
    pub evaluation_due_at: DateTime<Utc>,
    /// Whether the evaluation was (or is) late.
    pub evaluation_late: bool,
    /// The rating the next reduction must reach or beat.
    pub target_n_rating: Option<NRating>,
    /// When the vulnerability becomes an accepted vulnerability unless fully mitigated or
    /// remediated (evaluation + 192 days).
    pub accepted_at: Option<DateTime<Utc>>,
    /// Incident handling advice, when it applies.
    pub incident: Option<IncidentAdvice>,
}

fn hours(h: u32) -> TimeDelta {
    TimeDelta::hours(i64::from(h))
}

fn incident(level: VdrLevel, current: NRating, exposure: Exposure) -> Option<IncidentAdvice> {
    use IncidentStrength::{May, Should};
    let class_2026 = matches!(level, VdrLevel::ClassA | VdrLevel::ClassB | VdrLevel::ClassC | VdrLevel::ClassD);
    match exposure {
        Exposure::IrvLev if current.get() >= 4 => {
            let strength = match level {
                VdrLevel::Low | VdrLevel::ClassA | VdrLevel::ClassB => May,
                _ => Should,
            };
            Some(IncidentAdvice { rule: "vdr.incident.iri".to_string(), strength, until_n_rating: NRating::N3 })
        }
        Exposure::NirvLev if current.get() == 5 => {
            let strength = match level {
                VdrLevel::High | VdrLevel::ClassD => Should,
                _ if class_2026 => return None,
                _ => May,
            };
            Some(IncidentAdvice { rule: "vdr.incident.nri".to_string(), strength, until_n_rating: NRating::N4 })
        }
        _ => None,
    }
}

fn add_hours(t: DateTime<Utc>, h: u32, field: &str) -> Result<DateTime<Utc>> {
    t.checked_add_signed(hours(h)).ok_or_else(|| {
        Error::invalid(format!("{t} + {h} hours is beyond the supported calendar")).at(Location::field(field))
    })
}

/// Hours from `a` to `b`, rounded up (b > a).
fn ceil_hours(d: TimeDelta) -> i64 {
    let secs = d.num_seconds();
    (secs + 3599).div_euclid(3600)
}

pub(super) fn evaluate(item: &PoamItem, policy: &Policy, as_of: AsOf, detail: Detail) -> Result<Clock> {
    let facts = item.vdr.as_ref().ok_or_else(|| {
        Error::missing(
            "the VDR regime needs `vdr` facts (detected_at, n_rating, internet_reachable, likely_exploitable)",
        )
        .at(Location::field("vdr"))
    })?;
    let level = policy.vdr_level;
    let now = as_of.time;
    let exposure = Exposure::from_flags(facts.internet_reachable, facts.likely_exploitable);
    let mut steps = Steps::new(detail == Detail::Explained);

    let eval_days = evaluation_days(level);
    let evaluation_due_at = add_hours(facts.detected_at, eval_days * H, "vdr.detected_at")?;
    let mut clock = Clock {
        poam_id: if detail == Detail::Outcome { String::new() } else { item.poam_id.clone() },
        regime: Regime::Vdr,
        as_of: as_of.civil_date(&policy.time_zone),
        rating: None,
        n_rating: Some(facts.current_n_rating()),
        clock_start: None,
        sla_days: None,
        due_date: None,
        due_at: None,
        state: ClockState::OnTrack,
        stopped_by: None,
        days_late: 0,
        days_remaining: None,
        hours_late: None,
        rule: String::new(),
        explanation: Vec::new(),
        vdr: None,
    };
    let mut detail = VdrClock {
        level,
        exposure,
        evaluation_due_at,
        evaluation_late: false,
        target_n_rating: None,
        accepted_at: None,
        incident: None,
    };

    if let Some(fp) = facts.false_positive_at {
        clock.state = ClockState::ClosedOnTime;
        clock.stopped_by = Some(StopReason::FalsePositive);
        clock.rule = "vdr.false_positive".to_string();
        steps.add("vdr.false_positive", || format!("determined a false positive at {fp}: no timeframe applies"));
        clock.explanation = steps.into_vec();
        clock.vdr = Some(detail);
        return Ok(clock);
    }

    // Not evaluated yet: the evaluation deadline is the clock (VDR-TFR-EVU).
    let Some(evaluated_at) = facts.evaluated_at else {
        clock.rule = "vdr.tfr.evu".to_string();
        clock.due_at = Some(evaluation_due_at);
        clock.due_date = Some(policy.time_zone.date_of(evaluation_due_at, false));
        clock.clock_start = Some(policy.time_zone.date_of(facts.detected_at, false));
        steps.add("vdr.tfr.evu", || {
            format!(
                "not evaluated yet: evaluation due {eval_days} days after detection {}: {evaluation_due_at}",
                facts.detected_at
            )
        });
        detail.evaluation_late = now > evaluation_due_at;
        set_open_state(&mut clock, &mut steps, now, evaluation_due_at, policy);
        clock.explanation = steps.into_vec();
        clock.vdr = Some(detail);
        return Ok(clock);
    };
    detail.evaluation_late = evaluated_at > evaluation_due_at;
    steps.add("vdr.tfr.evu", || {
        format!(
            "evaluated at {evaluated_at}; due within {eval_days} days of detection ({evaluation_due_at}): {}",
            if detail.evaluation_late { "late" } else { "on time" }
        )
    });
    clock.clock_start = Some(policy.time_zone.date_of(evaluated_at, false));

    let current = facts.current_n_rating();
    let accepted_at = add_hours(evaluated_at, policy.vdr_accepted_days * H, "vdr.evaluated_at")?;
    detail.accepted_at = Some(accepted_at);
    detail.incident = incident(level, current, exposure);
    if let Some(adv) = &detail.incident {
        steps.add(adv.rule.clone(), || format!(
                "{} {current}: the provider {} treat it as a security incident until partially mitigated to {} or below (R2.6)",
                exposure.label(),
                match adv.strength {
                    IncidentStrength::May => "MAY",
                    IncidentStrength::Should => "SHOULD",
                },
                adv.until_n_rating
            ));
    }

    // Resolved: fully mitigated or remediated.
    let resolved_at = match (facts.fully_mitigated_at, facts.remediated_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };

    let timeframe = timeframe_hours(level, current, exposure);
    let mut due_at = match timeframe {
        None => None,
        Some(h) => {
            let (start, start_label) = match policy.vdr_step_clock {
                VdrStepClock::FromEvaluation => (evaluated_at, "evaluation"),
                VdrStepClock::FromReduction => match facts.current_rating_since() {
                    Some(t) if t > evaluated_at => (t, "last reduction"),
                    _ => (evaluated_at, "evaluation"),
                },
            };
            let due = add_hours(start, h, "vdr.evaluated_at")?;
            let rule = format!("vdr.tfr.pvr.{}.n{}.{}", table_name(level), current.get(), exposure_slug(exposure));
            detail.target_n_rating = NRating::new(current.get() - 1).ok();
            steps.add(rule.clone(), || format!(
                    "{} table, {current} {}: reduce below {current} within {} hours of the {start_label} ({start}): due {due}",
                    table_name(level),
                    exposure.label(),
                    h
                ));
            clock.rule = rule;
            Some(due)
        }
    };
    if timeframe.is_none() {
        clock.rule = "vdr.tfr.rmn".to_string();
        steps.add("vdr.tfr.rmn", || "N1: no timeframe; handled during routine operations (VDR-TFR-RMN)");
    }

    // KEV catalog date (VDR-TFR-KEV): due by the end of the catalog's due date, UTC.
    if item.kev
        && let Some(kd) = item.kev_due_date
    {
        let kev_at = kd.checked_add_days(Days::new(1)).map(|d| d.and_time(NaiveTime::MIN).and_utc());
        if let Some(kev_at) = kev_at {
            let new_due = match (policy.kev_policy, due_at) {
                (KevPolicy::Supersede, _) | (KevPolicy::Earliest, None) => kev_at,
                (KevPolicy::Earliest, Some(d)) => d.min(kev_at),
            };
            if Some(new_due) != due_at {
                clock.rule = format!("kev.{}", kev_slug(policy.kev_policy));
            }
            steps.add(format!("kev.{}", kev_slug(policy.kev_policy)), || {
                format!("in the CISA KEV catalog with due date {kd} (end of day UTC): due {new_due}")
            });
            due_at = Some(new_due);
        }
    }

    clock.due_at = due_at;
    clock.due_date = due_at.map(|d| policy.time_zone.date_of(d, false));

    if let Some(resolved) = resolved_at {
        match due_at {
            Some(d) if resolved > d => {
                clock.state = ClockState::ClosedLate;
                let h = ceil_hours(resolved - d);
                clock.hours_late = Some(h);
                clock.days_late = (h + 23).div_euclid(24);
                steps.add("vdr.closed.late", || {
                    format!("fully mitigated or remediated at {resolved}, {h} hours after {d}")
                });
            }
            _ => {
                clock.state = ClockState::ClosedOnTime;
                steps.add("vdr.closed.on_time", || {
                    format!("fully mitigated or remediated at {resolved}, within its timeframe")
                });
            }
        }
    } else if now > accepted_at && current.get() > 1 {
        clock.state = ClockState::Accepted;
        clock.rule = "vdr.tfr.mav".to_string();
        steps.add("vdr.tfr.mav", || format!(
                "not fully mitigated or remediated within {} days of evaluation ({accepted_at}): it MUST be categorized as an accepted vulnerability (R2.4)",
                policy.vdr_accepted_days
            ));
        if let Some(d) = due_at
            && now > d
        {
            let h = ceil_hours(now - d);
            clock.hours_late = Some(h);
            clock.days_late = (h + 23).div_euclid(24);
        }
    } else {
        match due_at {
            Some(d) => set_open_state(&mut clock, &mut steps, now, d, policy),
            None => clock.state = ClockState::NoDeadline,
        }
        steps.add("vdr.tfr.mav", || {
            format!("becomes an accepted vulnerability at {accepted_at} unless fully mitigated or remediated by then")
        });
    }
    clock.explanation = steps.into_vec();
    clock.vdr = Some(detail);
    Ok(clock)
}

fn set_open_state(clock: &mut Clock, steps: &mut Steps, now: DateTime<Utc>, due: DateTime<Utc>, policy: &Policy) {
    if now > due {
        let h = ceil_hours(now - due);
        clock.state = ClockState::Late;
        clock.hours_late = Some(h);
        clock.days_late = (h + 23).div_euclid(24);
        clock.days_remaining = Some(-clock.days_late);
        steps.add("vdr.overdue", || format!("as of {now}: overdue by {h} hours"));
    } else {
        let remaining = due - now;
        clock.days_remaining = Some(remaining.num_days());
        if remaining <= TimeDelta::days(i64::from(policy.due_soon_days)) {
            clock.state = ClockState::DueSoon;
            steps.add("clock.due_soon", || format!("as of {now}: due in {} hours", remaining.num_hours()));
        } else {
            clock.state = ClockState::OnTrack;
            steps.add("clock.on_track", || format!("as of {now}: due in {} hours", remaining.num_hours()));
        }
    }
}

fn exposure_slug(e: Exposure) -> &'static str {
    match e {
        Exposure::IrvLev => "irv_lev",
        Exposure::NirvLev => "nirv_lev",
        Exposure::Nlev => "nlev",
    }
}

fn kev_slug(p: KevPolicy) -> &'static str {
    match p {
        KevPolicy::Earliest => "earliest",
        KevPolicy::Supersede => "supersede",
    }
}
