//! Escalation triggers of the FedRAMP performance-management table (fedramp-rules.md R7.2, R7.3),
//! computed from this month's POA&M and scans and the history of earlier months.
//!
//! Each month leaves a [`MonthSummary`] (the monthly job keeps them in `history.json`); triggers
//! that compare with the past (unique vulnerability growth against the ATO baseline, repeated
//! non-compliant scanning, recurrences within six months) read it.
//!
//! | code | threshold (policy option) | level |
//! |---|---|---|
//! | `late_high_dfr` / `late_high_cap` | 5 open Highs aged > 30 / > 60 days (`late_trigger_thresholds`) | DFR / CAP |
//! | `late_moderate_dfr` / `late_moderate_cap` | 10 open Moderates aged > 90 / > 120 days | DFR / CAP |
//! | `unauthenticated_scans` | unauthenticated hosts ≥ 10% of scanned hosts (`unauth_scan_threshold`); CAP when it also tripped in the previous six months | DFR / CAP |
//! | `unique_vulnerability_increase` | open unique vulnerabilities > baseline + max(20% of baseline, 10); baseline = the first month of the history | DFR |
//! | `late_deliverable` | package uploaded after the due date (`deliverable_day_of_month`) | DFR |
//! | `insufficient_change_notice` | a significant change notified less than 30 days before it (an emergency change more than 5 days after), or not at all once the deadline passed | CAP |
//! | `multiple_recurrences` | any trigger tripped this month that also tripped within the previous six months | CAP |
//!
//! Age is days since the Original Detection Date at the POA&M date (R7.3); items whose clock is
//! stopped (approved OR below High, compliant vendor dependency, approved false positive) and
//! configuration findings (R4.9) do not count; ratings are the effective ones (after an approved RA).

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::MonthlyCalendar;
use crate::ingest::ScanSet;
use crate::model::{Poam, RiskRating};
use crate::policy::{LateTier, Policy};
use crate::sla::{self, AsOf, ClockState};

/// Escalation level (R7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Detailed Finding Review.
    Dfr,
    /// Corrective Action Plan.
    Cap,
}

/// One trigger's state this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Trigger {
    /// Stable code.
    pub code: String,
    /// The table's name for it.
    pub name: String,
    /// Minimum escalation level when tripped.
    pub level: Level,
    /// Tripped this month.
    pub tripped: bool,
    /// Not tripped, but at 80% or more of the threshold.
    pub near: bool,
    /// The measured value (count, share or growth).
    pub value: f64,
    /// The threshold it is compared with.
    pub threshold: f64,
    /// The POA&M items (or hosts) that count towards it.
    pub items: Vec<String>,
    /// For a person.
    pub message: String,
}

/// What one month leaves for the triggers of later months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MonthSummary {
    /// The POA&M date.
    pub as_of: NaiveDate,
    /// Open items (vulnerabilities, not configuration findings) by effective rating.
    pub open_high: u64,
    /// Open Moderates.
    pub open_moderate: u64,
    /// Open Lows.
    pub open_low: u64,
    /// Distinct weaknesses among open vulnerability items.
    pub unique_vulnerabilities: u64,
    /// Items opened this month.
    pub new_items: u64,
    /// Items closed this month.
    pub closed_items: u64,
    /// Open items past due.
    pub late_items: u64,
    /// Share of scanned hosts without credentials, when scans were given.
    pub unauthenticated_share: Option<f64>,
    /// Whether the package was on time, when a due day is agreed.
    pub on_time: Option<bool>,
    /// Codes of the triggers tripped this month.
    pub tripped: Vec<String>,
}

fn share_near(value: f64, threshold: f64) -> bool {
    value < threshold && value >= 0.8 * threshold
}

/// One late-remediation trigger: the rating it counts, its tier, and how it is reported.
struct LateSpec {
    rating: RiskRating,
    tier: LateTier,
    code: &'static str,
    name: &'static str,
    level: Level,
}

/// The late-remediation triggers, counted in one pass over the open items, each item's clock
/// evaluated at most once (a High item aged past both tiers counts for both).
fn late_triggers(poam: &Poam, policy: &Policy, as_of: NaiveDate, specs: &[LateSpec]) -> Vec<Trigger> {
    let mut counted: Vec<Vec<String>> = specs.iter().map(|_| Vec::new()).collect();
    for item in &poam.open {
        let rating = item.effective_risk_rating();
        if !specs.iter().any(|s| s.rating == rating) {
            continue;
        }
        let age = (as_of - item.original_detection_date).num_days();
        let mut stopped = None;
        for (spec, items) in specs.iter().zip(&mut counted) {
            if spec.rating != rating || age <= i64::from(spec.tier.age_days) {
                continue;
            }
            let stopped = *stopped.get_or_insert_with(|| {
                sla::evaluate_outcome(item, policy, AsOf::date(as_of)).is_ok_and(|c| c.state == ClockState::Stopped)
            });
            if !stopped {
                items.push(item.poam_id.clone());
            }
        }
    }
    specs
        .iter()
        .zip(counted)
        .map(|(spec, items)| {
            let LateSpec { rating, tier, code, name, level } = *spec;
            let value = items.len() as f64;
            let threshold = f64::from(tier.count);
            let tripped = value >= threshold;
            Trigger {
                code: code.to_string(),
                name: name.to_string(),
                level,
                tripped,
                near: !tripped && value > 0.0 && value >= 0.8 * threshold,
                value,
                threshold,
                message: format!(
                    "{} open {} item(s) aged more than {} days (threshold {})",
                    items.len(),
                    rating.as_template(),
                    tier.age_days,
                    tier.count
                ),
                items,
            }
        })
        .collect()
}

/// Whether `code` tripped in a month of `history` within the six months before `as_of`.
fn tripped_recently(history: &[MonthSummary], code: &str, as_of: NaiveDate) -> bool {
    let since = as_of.checked_sub_months(Months::new(6)).unwrap_or(as_of);
    history.iter().any(|m| m.as_of >= since && m.as_of < as_of && m.tripped.iter().any(|t| t == code))
}

/// What the triggers read.
#[derive(Debug, Clone, Copy)]
pub struct TriggerInputs<'a> {
    /// This month's POA&M.
    pub poam: &'a Poam,
    /// This month's scans, when given.
    pub scans: Option<&'a ScanSet>,
    /// This month's calendar.
    pub calendar: &'a MonthlyCalendar,
    /// Earlier months, oldest first.
    pub history: &'a [MonthSummary],
    /// Items opened this month.
    pub new_items: u64,
    /// Items closed this month.
    pub closed_items: u64,
    /// The policy.
    pub policy: &'a Policy,
}

/// Evaluates every trigger at `as_of` and returns them with this month's summary (append it to
/// the history).
pub fn evaluate(input: &TriggerInputs<'_>, as_of: NaiveDate) -> (Vec<Trigger>, MonthSummary) {
    let TriggerInputs { poam, scans, calendar, history, new_items, closed_items, policy } = *input;
    let t = &policy.late_trigger_thresholds;
    let late = |rating, tier, code, name, level| LateSpec { rating, tier, code, name, level };
    let mut triggers = late_triggers(
        poam,
        policy,
        as_of,
        &[
            late(RiskRating::High, t.high_dfr, "late_high_dfr", "Late Remediation High", Level::Dfr),
            late(RiskRating::High, t.high_cap, "late_high_cap", "Late Remediation High", Level::Cap),
            late(RiskRating::Moderate, t.moderate_dfr, "late_moderate_dfr", "Late Remediation Moderate", Level::Dfr),
            late(RiskRating::Moderate, t.moderate_cap, "late_moderate_cap", "Late Remediation Moderate", Level::Cap),
        ],
    );

    // Non-compliant scanning: unauthenticated hosts among the scanned hosts.
    let mut unauth_share = None;
    if let Some(s) = scans {
        let mut hosts: std::collections::BTreeMap<&str, bool> = std::collections::BTreeMap::new();
        for h in &s.context.hosts {
            *hosts.entry(h.identifier.as_str()).or_insert(false) |= h.credentialed == Some(true);
        }
        let unauth: Vec<String> = hosts.iter().filter(|(_, c)| !**c).map(|(h, _)| h.to_string()).collect();
        let share = if hosts.is_empty() { 0.0 } else { unauth.len() as f64 / hosts.len() as f64 };
        unauth_share = Some(share);
        let tripped = !hosts.is_empty() && share >= policy.unauth_scan_threshold;
        let repeat = tripped && tripped_recently(history, "unauthenticated_scans", as_of);
        triggers.push(Trigger {
            code: "unauthenticated_scans".into(),
            name: "Non-compliant scanning".into(),
            level: if repeat { Level::Cap } else { Level::Dfr },
            tripped,
            near: share_near(share, policy.unauth_scan_threshold),
            value: share,
            threshold: policy.unauth_scan_threshold,
            message: format!(
                "{} of {} scanned host(s) without credentials ({:.1}%; threshold {:.0}%){}",
                unauth.len(),
                hosts.len(),
                share * 100.0,
                policy.unauth_scan_threshold * 100.0,
                if repeat { "; also tripped within the previous six months" } else { "" }
            ),
            items: unauth,
        });
    }

    // Unique vulnerability count growth against the baseline (the first month of the history).
    // Counted in a hash set of borrowed keys: no copy of each item's key, no ordered tree.
    let unique: HashSet<Cow<'_, str>, foldhash::fast::RandomState> =
        poam.open.iter().map(crate::reconcile::item_key_ref).collect();
    let count = unique.len() as f64;
    let baseline = history.first().map_or(count, |m| m.unique_vulnerabilities as f64);
    let allowed = baseline + (0.2 * baseline).max(10.0);
    let tripped = count > allowed;
    triggers.push(Trigger {
        code: "unique_vulnerability_increase".into(),
        name: "Unique Vulnerability Count Increase".into(),
        level: Level::Dfr,
        tripped,
        near: !tripped && count > baseline && count >= baseline + 0.8 * (allowed - baseline),
        value: count,
        threshold: allowed,
        items: Vec::new(),
        message: format!(
            "{count} unique open vulnerabilities against a baseline of {baseline} (trips above {allowed})"
        ),
    });

    // Insufficient notice of a planned change (or late notice of an emergency change).
    if !calendar.change_notices.is_empty() {
        let short: Vec<String> =
            calendar.change_notices.iter().filter(|c| c.sufficient == Some(false)).map(|c| c.id.clone()).collect();
        triggers.push(Trigger {
            code: "insufficient_change_notice".into(),
            name: "Insufficient Notice of Planned Change".into(),
            level: Level::Cap,
            tripped: !short.is_empty(),
            near: false,
            value: short.len() as f64,
            threshold: 1.0,
            message: if short.is_empty() {
                "every significant change was or can still be notified in time".into()
            } else {
                format!("notified late or not at all: {}", short.join(", "))
            },
            items: short,
        });
    }

    if let Some(on_time) = calendar.on_time {
        triggers.push(Trigger {
            code: "late_deliverable".into(),
            name: "Poor Quality of Deliverables".into(),
            level: Level::Dfr,
            tripped: !on_time,
            near: false,
            value: if on_time { 0.0 } else { 1.0 },
            threshold: 1.0,
            items: Vec::new(),
            message: match calendar.due_date {
                Some(due) if !on_time => {
                    format!("the package was uploaded {} after its due date {due}", calendar.uploaded)
                }
                Some(due) => format!("the package was uploaded on time (due {due})"),
                None => String::new(),
            },
        });
    }

    // Multiple recurrences: a trigger tripped now and within the previous six months.
    let recurring: Vec<String> = triggers
        .iter()
        .filter(|t| t.tripped && tripped_recently(history, &t.code, as_of))
        .map(|t| t.code.clone())
        .collect();
    triggers.push(Trigger {
        code: "multiple_recurrences".into(),
        name: "Multiple Recurrences".into(),
        level: Level::Cap,
        tripped: !recurring.is_empty(),
        near: false,
        value: recurring.len() as f64,
        threshold: 1.0,
        message: if recurring.is_empty() {
            "no trigger recurred within six months".into()
        } else {
            format!("tripped again within six months: {}", recurring.join(", "))
        },
        items: recurring,
    });

    let (mut high, mut moderate, mut low, mut late) = (0, 0, 0, 0);
    for item in &poam.open {
        match item.effective_risk_rating() {
            RiskRating::High => high += 1,
            RiskRating::Moderate => moderate += 1,
            RiskRating::Low => low += 1,
        }
        if sla::evaluate_outcome(item, policy, AsOf::date(as_of)).is_ok_and(|c| c.is_late()) {
            late += 1;
        }
    }
    let summary = MonthSummary {
        as_of,
        open_high: high,
        open_moderate: moderate,
        open_low: low,
        unique_vulnerabilities: unique.len() as u64,
        new_items,
        closed_items,
        late_items: late,
        unauthenticated_share: unauth_share,
        on_time: calendar.on_time,
        tripped: triggers.iter().filter(|t| t.tripped).map(|t| t.code.clone()).collect(),
    };
    (triggers, summary)
}
