//! The deviation register: risk adjustments, false positives, operational requirements (alone or
//! with a risk adjustment) and vendor dependencies, as records with a lifecycle. The POA&M
//! columns P-R, T-X and AA are derived from it (R3); its rule checks report [`Issue`]s.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::issue::Issue;
use crate::model::{DeviationFlag, PoamItem, RiskRating};

/// Kind of record. VD is not a deviation request (R3.7) but is tracked the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    /// False positive (FP).
    FalsePositive,
    /// Risk adjustment (RA).
    RiskAdjustment,
    /// Operational requirement (OR).
    OperationalRequirement,
    /// OR and RA in one request (`OR RA`).
    OperationalRequirementRiskAdjustment,
    /// Vendor dependency (VD).
    VendorDependency,
}

impl DeviationKind {
    fn label(self) -> &'static str {
        match self {
            DeviationKind::FalsePositive => "False Positive",
            DeviationKind::RiskAdjustment => "Risk Adjustment",
            DeviationKind::OperationalRequirement => "Operational Requirement",
            DeviationKind::OperationalRequirementRiskAdjustment => "Operational Requirement and Risk Adjustment",
            DeviationKind::VendorDependency => "Vendor Dependency",
        }
    }
    fn has_ra(self) -> bool {
        matches!(self, DeviationKind::RiskAdjustment | DeviationKind::OperationalRequirementRiskAdjustment)
    }
    fn has_or(self) -> bool {
        matches!(self, DeviationKind::OperationalRequirement | DeviationKind::OperationalRequirementRiskAdjustment)
    }
}

/// Lifecycle (the DR form's Deviation Status values, R3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviationStatus {
    /// Submitted, awaiting the AO. Changes no clock (R3.2).
    Pending,
    /// AO-approved (for a VD: recorded and active).
    Approved,
    /// Denied.
    Rejected,
    /// Withdrawn by the CSP.
    Withdrawn,
}

/// One deviation request or vendor dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deviation {
    /// DR number (`DR-2026-014`).
    pub id: String,
    /// The POA&M item it is about (one item per DR, R3.3).
    pub poam_id: String,
    /// Kind.
    pub kind: DeviationKind,
    /// Status.
    pub status: DeviationStatus,
    /// Submission date.
    #[serde(default)]
    pub submitted: Option<NaiveDate>,
    /// Approval / rejection / withdrawal date.
    #[serde(default)]
    pub decided: Option<NaiveDate>,
    /// Requested (adjusted) rating, for RA and OR RA.
    #[serde(default)]
    pub requested_rating: Option<RiskRating>,
    /// Mitigating factors, compensating controls, operational impact, or FP evidence summary.
    #[serde(default)]
    pub rationale: String,
    /// Evidence references (`Document Type : Document Name`), column Y.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Auto-approved under an approved automated framework (column AA).
    #[serde(default)]
    pub auto_approved: bool,
    /// VD: vendor-dependent product name (column R).
    #[serde(default)]
    pub vendor_product: Option<String>,
    /// VD: last vendor check-in (column Q).
    #[serde(default)]
    pub last_check_in: Option<NaiveDate>,
    /// VD: the date the vendor released a fix (column Z; restarts the clock, R3.7).
    #[serde(default)]
    pub fix_release_date: Option<NaiveDate>,
}

impl Deviation {
    fn active(&self) -> bool {
        matches!(self.status, DeviationStatus::Pending | DeviationStatus::Approved)
    }
}

fn flag(status: DeviationStatus) -> DeviationFlag {
    match status {
        DeviationStatus::Approved => DeviationFlag::Yes,
        DeviationStatus::Pending => DeviationFlag::Pending,
        DeviationStatus::Rejected | DeviationStatus::Withdrawn => DeviationFlag::No,
    }
}

/// The register as it stood on `date`: records submitted after it are left out, and a decision
/// (approval, rejection, withdrawal) dated after it is not yet known, so the record is still
/// pending. A POA&M dated 2026-02-13 is not changed by a deviation approved on 2026-03-02, even
/// when the register file already says so.
pub fn as_of(register: &[Deviation], date: chrono::NaiveDate) -> Vec<Deviation> {
    register
        .iter()
        .filter(|d| d.submitted.is_none_or(|s| s <= date))
        .map(|d| {
            let mut d = d.clone();
            if d.status != DeviationStatus::Pending && d.decided.is_some_and(|x| x > date) {
                d.status = DeviationStatus::Pending;
                d.decided = None;
            }
            d
        })
        .collect()
}

/// Sets the deviation columns of `item` from its records (the latest record of each kind wins;
/// records are in register order). Returns a description of each column that changed.
pub fn apply(item: &mut PoamItem, records: &[&Deviation]) -> Vec<String> {
    let before = (
        item.risk_adjustment,
        item.adjusted_risk_rating,
        item.false_positive,
        item.operational_requirement,
        item.vendor_dependency,
        item.last_vendor_check_in_date,
        item.vendor_fix_release_date,
    );
    let last = |pred: &dyn Fn(&Deviation) -> bool| records.iter().rev().find(|d| pred(d)).copied();
    if let Some(ra) = last(&|d| d.kind.has_ra()) {
        item.risk_adjustment = flag(ra.status);
        item.adjusted_risk_rating = if ra.active() { ra.requested_rating } else { None };
        item.risk_adjustment_approved_date = if ra.status == DeviationStatus::Approved { ra.decided } else { None };
        item.auto_approve = ra.status == DeviationStatus::Approved && ra.auto_approved;
    }
    if let Some(fp) = last(&|d| d.kind == DeviationKind::FalsePositive) {
        item.false_positive = flag(fp.status);
    }
    if let Some(or) = last(&|d| d.kind.has_or()) {
        item.operational_requirement = flag(or.status);
    }
    if let Some(vd) = last(&|d| d.kind == DeviationKind::VendorDependency) {
        item.vendor_dependency = vd.active();
        if vd.active() {
            item.vendor_dependent_product_name = vd.vendor_product.clone();
            item.last_vendor_check_in_date = vd.last_check_in;
            item.vendor_fix_release_date = vd.fix_release_date;
        }
    }
    let active: Vec<&&Deviation> =
        records.iter().filter(|d| d.active() && d.kind != DeviationKind::VendorDependency).collect();
    if !active.is_empty() {
        let rationale: Vec<String> =
            active.iter().map(|d| format!("{} : {}", d.kind.label(), d.rationale.trim())).collect();
        item.deviation_rationale = Some(rationale.join("\n"));
    }
    let docs: Vec<&String> = records.iter().filter(|d| d.active()).flat_map(|d| d.evidence.iter()).collect();
    if !docs.is_empty() {
        item.supporting_documents = Some(docs.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
    }
    let after = (
        item.risk_adjustment,
        item.adjusted_risk_rating,
        item.false_positive,
        item.operational_requirement,
        item.vendor_dependency,
        item.last_vendor_check_in_date,
        item.vendor_fix_release_date,
    );
    let mut changed = Vec::new();
    if before.0 != after.0 || before.1 != after.1 {
        changed.push(format!(
            "risk adjustment {} → {}{}",
            before.0.as_template(),
            after.0.as_template(),
            after.1.map(|r| format!(" (adjusted rating {})", r.as_template())).unwrap_or_default()
        ));
    }
    if before.2 != after.2 {
        changed.push(format!("false positive {} → {}", before.2.as_template(), after.2.as_template()));
    }
    if before.3 != after.3 {
        changed.push(format!("operational requirement {} → {}", before.3.as_template(), after.3.as_template()));
    }
    if before.4 != after.4 || before.5 != after.5 || before.6 != after.6 {
        changed.push(format!(
            "vendor dependency {}{}",
            if after.4 { "Yes" } else { "No" },
            after.5.map(|d| format!(", last check-in {d}")).unwrap_or_default()
        ));
    }
    changed
}

/// Groups a register by POA&M ID, keeping register order.
pub fn by_item(register: &[Deviation]) -> HashMap<&str, Vec<&Deviation>> {
    let mut map: HashMap<&str, Vec<&Deviation>> = HashMap::new();
    for d in register {
        map.entry(d.poam_id.as_str()).or_default().push(d);
    }
    map
}

/// The register's rule checks against the items they name (R3.3-R3.7).
pub fn check(register: &[Deviation], items: &HashMap<&str, &PoamItem>) -> Vec<Issue> {
    let mut issues = Vec::new();
    for d in register {
        let Some(item) = items.get(d.poam_id.as_str()) else {
            issues.push(
                Issue::error(
                    "deviation.unknown_item",
                    "R3.3",
                    format!("no POA&M item {} for this deviation", d.poam_id),
                )
                .deviation(&d.id),
            );
            continue;
        };
        if !d.active() {
            continue;
        }
        // Every issue below concerns this deviation's item and one of its columns.
        let mut flag = |issue: Issue, column: &str| issues.push(issue.item(&d.poam_id).deviation(&d.id).field(column));
        let original = item.original_risk_rating;
        // The rating an OR would sit on: the RA's requested rating when one is approved or
        // requested with it, else the item's effective rating.
        let ra_rating = register
            .iter()
            .filter(|r| r.poam_id == d.poam_id && r.kind.has_ra() && r.active())
            .filter_map(|r| r.requested_rating)
            .min();
        if d.kind.has_or() {
            let rating = ra_rating.unwrap_or_else(|| item.effective_risk_rating());
            if rating == RiskRating::High {
                flag(
                    Issue::error(
                        "deviation.or_on_high",
                        "R3.6",
                        "FedRAMP will not approve an OR for a High vulnerability; submit RA (DR type `OR RA`) to Moderate or lower",
                    ),
                    "W",
                );
            }
        }
        if d.kind.has_ra() {
            match d.requested_rating {
                None => flag(
                    Issue::error(
                        "deviation.ra_without_rating",
                        "R3.4",
                        "a risk adjustment must name the requested rating",
                    ),
                    "T",
                ),
                Some(r) if r >= original => flag(
                    Issue::warning(
                        "deviation.ra_not_lower",
                        "R3.4",
                        format!(
                            "requested rating {} is not below the original {}",
                            r.as_template(),
                            original.as_template()
                        ),
                    ),
                    "T",
                ),
                Some(r) if d.auto_approved && (level(original) - level(r) > 1) => flag(
                    Issue::error(
                        "deviation.auto_ra_too_far",
                        "R3.4",
                        format!(
                            "an automatic risk adjustment lowers one level at most (High may not go to Low); {} → {} needs a manual DR",
                            original.as_template(),
                            r.as_template()
                        ),
                    ),
                    "AA",
                ),
                Some(_) => {}
            }
        }
        if d.kind == DeviationKind::VendorDependency {
            if d.vendor_product.as_deref().is_none_or(|p| p.trim().is_empty()) {
                flag(
                    Issue::error(
                        "deviation.vd_without_product",
                        "R3.7",
                        "a vendor dependency needs the vendor-dependent product name",
                    ),
                    "R",
                );
            }
            if d.last_check_in.is_none() {
                flag(
                    Issue::error(
                        "deviation.vd_without_check_in",
                        "R3.7",
                        "a vendor dependency needs the last vendor check-in date",
                    ),
                    "Q",
                );
            }
            if original == RiskRating::High && ra_rating.is_none_or(|r| r == RiskRating::High) {
                flag(
                    Issue::error(
                        "deviation.vd_high_needs_ra",
                        "R3.7",
                        "a High vendor dependency must be risk-adjusted to Moderate or lower within 30 days (submit an RA)",
                    ),
                    "P",
                );
            }
        }
        if d.kind == DeviationKind::FalsePositive && d.evidence.is_empty() && d.rationale.trim().is_empty() {
            flag(Issue::error("deviation.fp_without_evidence", "R3.5", "a false positive needs evidence"), "X");
        }
    }
    issues
}

fn level(r: RiskRating) -> i32 {
    match r {
        RiskRating::Low => 0,
        RiskRating::Moderate => 1,
        RiskRating::High => 2,
    }
}
