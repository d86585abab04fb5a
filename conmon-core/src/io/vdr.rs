//! The machine-readable VDR report (fedramp-rules.md R2.9, R2.10): one `vulnerabilityDetails`
//! entry per vulnerability that is not accepted (VDR-RPT-VDT) and one `acceptedVulnerabilities`
//! entry per accepted vulnerability (VDR-RPT-AVI), built from the POA&M items that carry VDR facts
//! and their VDR clocks at the report date.
//!
//! Field names follow the 2026 shape quoted in R2.10 (`providerTrackingId`,
//! `detection.detectedAt` / `detectionSource`, `vulnerabilityDescription`,
//! `evaluationCompletedAt`, `nRating` 1-5, `overdueStatus.isOverdue` with an `explanation` when
//! overdue, `finalDisposition` in `Fully Mitigated` / `Partially Mitigated` / `False Positive`).
//! The JSON Schema written from the rule text is `schema/vdr-report.schema.json`.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::model::{Poam, PoamItem};
use crate::policy::{Policy, Regime};
use crate::sla::{self, AsOf, ClockState};

/// Detection time and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    /// When the vulnerability was detected (UTC).
    pub detected_at: DateTime<Utc>,
    /// The scanner or other source (POA&M column E).
    pub detection_source: String,
}

/// One completed reduction of the potential adverse impact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reduction {
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
    /// The N-rating reached.
    pub n_rating: u8,
}

/// The next planned reduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextReduction {
    /// Estimated time: the VDR deadline of the current step.
    pub estimated_at: DateTime<Utc>,
    /// The N-rating it must reach or beat.
    pub target_n_rating: u8,
}

/// Overdue status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverdueStatus {
    /// Past its VDR timeframe.
    pub is_overdue: bool,
    /// Not overdue yet, but due within the policy's due-soon window.
    pub likely_to_become_overdue: bool,
    /// Why (required when overdue or likely to become overdue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// Final disposition values of R2.10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum FinalDisposition {
    /// Fully mitigated, or remediated (no longer detected).
    #[serde(rename = "Fully Mitigated")]
    FullyMitigated,
    /// Partially mitigated (at least one reduction) and closed.
    #[serde(rename = "Partially Mitigated")]
    PartiallyMitigated,
    /// Determined a false positive.
    #[serde(rename = "False Positive")]
    FalsePositive,
}

/// VDR-RPT-VDT: one vulnerability that is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VulnerabilityDetail {
    /// The provider's tracking ID (the POA&M ID).
    pub provider_tracking_id: String,
    /// Detection.
    pub detection: Detection,
    /// Description.
    pub vulnerability_description: String,
    /// When the evaluation was completed (the clocks run from here); absent while not evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_completed_at: Option<DateTime<Utc>>,
    /// Internet-reachable.
    pub internet_reachable: bool,
    /// Likely exploitable.
    pub likely_exploitable: bool,
    /// Current N-rating (1-5).
    pub n_rating: u8,
    /// N-rating at evaluation.
    pub initial_n_rating: u8,
    /// Completed reductions, oldest first (the N-rating history).
    pub reductions: Vec<Reduction>,
    /// The next reduction, while one is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_reduction: Option<NextReduction>,
    /// Overdue status.
    pub overdue_status: OverdueStatus,
    /// Other information (CVEs, assets, KEV).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplementary_information: Option<String>,
    /// Final disposition, once closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_disposition: Option<FinalDisposition>,
}

/// VDR-RPT-AVI: one accepted vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedVulnerability {
    /// The provider's tracking ID.
    pub provider_tracking_id: String,
    /// Detection.
    pub detection: Detection,
    /// Description.
    pub vulnerability_description: String,
    /// When the evaluation was completed.
    pub evaluation_completed_at: DateTime<Utc>,
    /// Internet-reachable.
    pub internet_reachable: bool,
    /// Likely exploitable.
    pub likely_exploitable: bool,
    /// Current N-rating.
    pub n_rating: u8,
    /// Why it is accepted.
    pub acceptance_explanation: String,
    /// Other information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplementary_information: Option<String>,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VdrReport {
    /// Report time.
    pub generated_at: DateTime<Utc>,
    /// Cloud service provider.
    pub provider: String,
    /// System (cloud service offering).
    pub system_name: String,
    /// Vulnerabilities that are not accepted.
    pub vulnerability_details: Vec<VulnerabilityDetail>,
    /// Accepted vulnerabilities.
    pub accepted_vulnerabilities: Vec<AcceptedVulnerability>,
    /// POA&M items without VDR facts, left out of the report.
    pub items_without_vdr_facts: Vec<String>,
}

fn supplementary(item: &PoamItem) -> Option<String> {
    let mut parts = Vec::new();
    if !item.cves.is_empty() {
        parts.push(format!("CVEs: {}", item.cves.join(", ")));
    }
    if !item.assets.is_empty() {
        let assets: Vec<String> = item.assets.iter().map(ToString::to_string).collect();
        parts.push(format!("Assets: {}", assets.join(", ")));
    }
    if item.kev {
        parts.push(format!(
            "In the CISA KEV catalog{}",
            item.kev_due_date.map(|d| format!(", due {d}")).unwrap_or_default()
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn description(item: &PoamItem) -> String {
    let d = item.weakness_description.trim();
    let name = item.weakness_name.trim();
    match (name.is_empty(), d.is_empty()) {
        (false, false) => format!("{name}: {d}"),
        (false, true) => name.to_string(),
        (true, false) => d.to_string(),
        (true, true) => format!("{} {}", item.weakness_detector_source.trim(), item.weakness_source_identifier.trim()),
    }
}

/// Builds the VDR report at `as_of` for every item with VDR facts. The clocks use the policy's
/// VDR level and options (the regime is VDR whatever the policy's `regime`).
///
/// # Errors
/// A clock cannot be evaluated (for example an impossible date in the facts).
pub fn report(poam: &Poam, policy: &Policy, as_of: AsOf) -> Result<VdrReport> {
    let mut vdr_policy = policy.clone();
    vdr_policy.regime = Regime::Vdr;
    let mut out = VdrReport {
        generated_at: as_of.time,
        provider: poam.header.csp.clone(),
        system_name: poam.header.system_name.clone(),
        vulnerability_details: Vec::new(),
        accepted_vulnerabilities: Vec::new(),
        items_without_vdr_facts: Vec::new(),
    };
    for item in poam.items() {
        let Some(facts) = &item.vdr else {
            out.items_without_vdr_facts.push(item.poam_id.clone());
            continue;
        };
        let clock = sla::evaluate_unexplained(item, &vdr_policy, as_of)
            .map_err(|e| e.at(Location::field(format!("{} (vdr)", item.poam_id))))?;
        let detection = Detection {
            detected_at: facts.detected_at,
            detection_source: {
                let s = item.weakness_detector_source.lines().next().unwrap_or("").trim();
                if s.is_empty() { "unknown".to_string() } else { s.to_string() }
            },
        };
        let current = facts.current_n_rating().get();
        if clock.state == ClockState::Accepted
            && let Some(evaluated) = facts.evaluated_at
        {
            let days = policy.vdr_accepted_days;
            out.accepted_vulnerabilities.push(AcceptedVulnerability {
                provider_tracking_id: item.poam_id.clone(),
                detection,
                vulnerability_description: description(item),
                evaluation_completed_at: evaluated,
                internet_reachable: facts.internet_reachable,
                likely_exploitable: facts.likely_exploitable,
                n_rating: current,
                acceptance_explanation: format!(
                    "not fully mitigated or remediated within {days} days of evaluation ({}); categorized as accepted (VDR-TFR-MAV)",
                    evaluated.format("%Y-%m-%d")
                ),
                supplementary_information: supplementary(item),
            });
            continue;
        }
        let final_disposition = if facts.false_positive_at.is_some() {
            Some(FinalDisposition::FalsePositive)
        } else if facts.fully_mitigated_at.is_some() || facts.remediated_at.is_some() {
            Some(FinalDisposition::FullyMitigated)
        } else if item.is_closed() && !facts.reductions.is_empty() {
            Some(FinalDisposition::PartiallyMitigated)
        } else {
            None
        };
        let due_soon = clock.days_remaining.is_some_and(|d| d >= 0 && d <= i64::from(policy.due_soon_days));
        let is_overdue = clock.state == ClockState::Late;
        let explanation = if is_overdue {
            Some(format!(
                "past the VDR timeframe: due {}, {} hour(s) late ({})",
                clock.due_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                clock.hours_late.unwrap_or(0),
                clock.rule
            ))
        } else if due_soon && final_disposition.is_none() {
            Some(format!(
                "due {} ({} day(s) left)",
                clock.due_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                clock.days_remaining.unwrap_or(0)
            ))
        } else {
            None
        };
        let next_reduction = match (clock.due_at, clock.vdr.as_ref().and_then(|v| v.target_n_rating)) {
            (Some(at), Some(target)) if final_disposition.is_none() => {
                Some(NextReduction { estimated_at: at, target_n_rating: target.get() })
            }
            _ => None,
        };
        out.vulnerability_details.push(VulnerabilityDetail {
            provider_tracking_id: item.poam_id.clone(),
            detection,
            vulnerability_description: description(item),
            evaluation_completed_at: facts.evaluated_at,
            internet_reachable: facts.internet_reachable,
            likely_exploitable: facts.likely_exploitable,
            n_rating: current,
            initial_n_rating: facts.n_rating.get(),
            reductions: facts
                .reductions
                .iter()
                .map(|r| Reduction { completed_at: r.at, n_rating: r.to.get() })
                .collect(),
            next_reduction,
            overdue_status: OverdueStatus {
                is_overdue,
                likely_to_become_overdue: !is_overdue && due_soon && final_disposition.is_none(),
                explanation,
            },
            supplementary_information: supplementary(item),
            final_disposition,
        });
    }
    Ok(out)
}

/// Writes the report as JSON.
///
/// # Errors
/// An I/O error of `writer`.
pub fn write_report<W: Write>(report: &VdrReport, writer: W, label: &str) -> Result<()> {
    serde_json::to_writer_pretty(writer, report)
        .map_err(|e| Error::invalid(format!("writing the VDR report failed: {e}")).at(Location::file(label)))
}

/// Writes the report to `path` atomically.
///
/// # Errors
/// As [`write_report`]; the previous file is kept on failure.
pub fn write_report_file(report: &VdrReport, path: &Path) -> Result<()> {
    let label = path.display().to_string();
    super::atomic::write_file(path, |w| write_report(report, w, &label))
}
