use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AssetType, CompactString, CvssScores, RiskRating, VdrFacts};
use crate::error::Error;

/// A Yes / No / Pending deviation column (U Risk Adjustment, V False Positive, W Operational
/// Requirement). `Pending` means a deviation request was submitted and not yet adjudicated: it
/// never changes the clock (R3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeviationFlag {
    /// Not requested, or denied.
    #[default]
    No,
    /// Submitted, awaiting AO approval.
    Pending,
    /// AO-approved.
    Yes,
}

impl DeviationFlag {
    /// Template spelling.
    pub fn as_template(self) -> &'static str {
        match self {
            DeviationFlag::No => "No",
            DeviationFlag::Pending => "Pending",
            DeviationFlag::Yes => "Yes",
        }
    }
    /// True when approved.
    pub fn approved(self) -> bool {
        self == DeviationFlag::Yes
    }
}

impl FromStr for DeviationFlag {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yes" => Ok(DeviationFlag::Yes),
            "no" => Ok(DeviationFlag::No),
            "pending" => Ok(DeviationFlag::Pending),
            other => Err(Error::invalid(format!("`{other}` is not allowed here (allowed: Yes, No, Pending)"))),
        }
    }
}

/// An affected asset on a POA&M item (column G): `identifier (port/protocol)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AssetRef {
    // `CompactString`s, as on a finding: an identifier of up to 24 bytes (an IP address, most
    // host names) and the protocol live inside the reference, so that reconciliation builds the
    // million references of a million findings without two allocations each. They serialise as
    // plain strings.
    /// Asset identifier as in the inventory.
    #[schemars(with = "String")]
    pub identifier: CompactString,
    /// Port.
    #[serde(default)]
    pub port: Option<u16>,
    /// Protocol.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub protocol: Option<CompactString>,
}

impl AssetRef {
    /// An asset with no port.
    pub fn host(identifier: impl Into<CompactString>) -> AssetRef {
        AssetRef { identifier: identifier.into(), port: None, protocol: None }
    }

    /// With a port and protocol.
    pub fn with_port(mut self, port: u16, protocol: &str) -> AssetRef {
        self.port = Some(port);
        self.protocol = Some(CompactString::from(protocol));
        self
    }
}

impl fmt::Display for AssetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.identifier)?;
        match (self.port, &self.protocol) {
            (Some(p), Some(proto)) => write!(f, " ({p}/{proto})"),
            (Some(p), None) => write!(f, " ({p})"),
            (None, Some(proto)) => write!(f, " ({proto})"),
            (None, None) => Ok(()),
        }
    }
}

impl FromStr for AssetRef {
    type Err = Error;
    /// Parses `identifier`, `identifier (443/tcp)` or `identifier (443)`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid("empty asset identifier"));
        }
        if let Some(open) = s.rfind(" (")
            && s.ends_with(')')
        {
            let inner = &s[open + 2..s.len() - 1];
            let (port_s, proto) = match inner.split_once('/') {
                Some((p, proto)) => (p, Some(CompactString::from(proto.trim()))),
                None => (inner, None),
            };
            if let Ok(port) = port_s.trim().parse::<u16>() {
                return Ok(AssetRef { identifier: s[..open].trim().into(), port: Some(port), protocol: proto });
            }
        }
        Ok(AssetRef::host(s))
    }
}

/// A planned milestone (column M): `(##) yyyy-mm-dd: Description`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Milestone {
    /// Milestone number, unique within the item.
    pub number: u32,
    /// Planned date.
    pub date: NaiveDate,
    /// What will be done.
    pub description: String,
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {}: {}", self.number, self.date.format("%Y-%m-%d"), self.description)
    }
}

/// The kind of a milestone change (column N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MilestoneChangeKind {
    /// A new milestone.
    New,
    /// An update to a milestone.
    Update,
    /// A milestone completed.
    Complete,
}

impl MilestoneChangeKind {
    fn as_template(self) -> &'static str {
        match self {
            MilestoneChangeKind::New => "New",
            MilestoneChangeKind::Update => "Update",
            MilestoneChangeKind::Complete => "Complete",
        }
    }
}

/// A milestone change (column N): `(##) New|Update|Complete yyyy-mm-dd : Description`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MilestoneChange {
    /// Milestone number the change is about (a new number for a new milestone).
    pub number: u32,
    /// New, update or complete.
    pub kind: MilestoneChangeKind,
    /// Date of the change.
    pub date: NaiveDate,
    /// Description of the change.
    pub description: String,
}

impl fmt::Display for MilestoneChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}) {} {} : {}",
            self.number,
            self.kind.as_template(),
            self.date.format("%Y-%m-%d"),
            self.description
        )
    }
}

/// Parses `(##)` at the start; returns the number and the rest.
fn split_number(s: &str) -> Result<(u32, &str), Error> {
    let s = s.trim_start();
    let rest = s.strip_prefix('(').ok_or_else(|| Error::invalid("a milestone starts with `(##)`"))?;
    let close = rest.find(')').ok_or_else(|| Error::invalid("a milestone starts with `(##)`"))?;
    let number = rest[..close]
        .trim()
        .parse::<u32>()
        .map_err(|_| Error::invalid(format!("milestone number `{}` is not a whole number", &rest[..close])))?;
    Ok((number, &rest[close + 1..]))
}

/// The earliest date conmon accepts in a POA&M or a scan (see [`check_date`]).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The latest date conmon accepts in a POA&M or a scan (see [`check_date`]).
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Accepts a date between [`EARLIEST_DATE`] and [`LATEST_DATE`] (1970-01-01 to 2999-12-31; real
/// test exports carry dates in 2200). Dates outside (year 0, 9999 placeholders) are input errors: a clock started in year 0 or due in 9999
/// would silently hide a weakness from every late-item count.
///
/// # Errors
/// `invalid_value` naming the date and the accepted range.
pub fn check_date(d: NaiveDate) -> Result<NaiveDate, Error> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&d) {
        Ok(d)
    } else {
        Err(Error::invalid(format!(
            "{} is outside the dates conmon accepts ({EARLIEST_DATE} to {LATEST_DATE})",
            d.format("%Y-%m-%d")
        )))
    }
}

/// Parses a template date: `yyyy-mm-dd`, `yyyy/mm/dd` or `mm/dd/yyyy`, within [`check_date`]'s range.
pub(crate) fn parse_template_date(s: &str) -> Result<NaiveDate, Error> {
    let s = s.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return check_date(d);
        }
    }
    Err(Error::invalid(format!("`{s}` is not a date (expected yyyy-mm-dd)")))
}

fn split_date_desc(rest: &str) -> Result<(NaiveDate, String), Error> {
    let (date_s, desc) =
        rest.split_once(':').ok_or_else(|| Error::invalid("expected `date: description` after the number"))?;
    Ok((parse_template_date(date_s)?, desc.trim().to_string()))
}

impl FromStr for Milestone {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let (number, rest) = split_number(s)?;
        let (date, description) = split_date_desc(rest)?;
        Ok(Milestone { number, date, description })
    }
}

impl FromStr for MilestoneChange {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let (number, rest) = split_number(s)?;
        let rest = rest.trim_start();
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let kind = match rest[..word_end].to_ascii_lowercase().as_str() {
            "new" => MilestoneChangeKind::New,
            "update" => MilestoneChangeKind::Update,
            "complete" => MilestoneChangeKind::Complete,
            other => {
                return Err(Error::invalid(format!("milestone change kind `{other}` is not New, Update or Complete")));
            }
        };
        let (date, description) = split_date_desc(&rest[word_end..])?;
        Ok(MilestoneChange { number, kind, date, description })
    }
}

/// Why an item was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    /// Remediated, verified by a rescan of the asset.
    Remediated,
    /// AO-approved false positive (R3.5).
    FalsePositive,
    /// Closed for another documented reason (asset decommissioned, manual closure).
    Other,
}

/// Closure facts of an item on the Closed sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Closure {
    /// Date of completion (the Closed sheet's Status Date); lateness is measured here (C4).
    pub date: NaiveDate,
    /// Why.
    pub reason: ClosureReason,
}

/// One POA&M item: every column A-AE of the FedRAMP POA&M template (section 4.2 of the rules) as
/// a typed field, plus the facts the engine needs that the template keeps in free text.
///
/// Only `poam_id`, `original_detection_date` and `original_risk_rating` are required in JSON;
/// every other field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PoamItem {
    /// A. POAM ID (`V-123`). Unique, never reused.
    pub poam_id: String,
    /// B. Applicable 800-53 controls (`RA-5`).
    #[serde(default)]
    pub controls: String,
    // C, D and J usually come from the scanner's texts for the weakness, which the findings
    // already share (`Finding::name`, `description`, `solution`): an item holds the same string
    // rather than a copy of it. They serialise as plain strings.
    /// C. Weakness name.
    #[serde(default)]
    pub weakness_name: Arc<str>,
    /// D. Weakness description.
    #[serde(default)]
    pub weakness_description: Arc<str>,
    /// E. Weakness detector source (scanner names, one per line in the workbook).
    #[serde(default)]
    pub weakness_detector_source: String,
    /// F. Weakness source identifier (plugin ID, or `None`).
    #[serde(default)]
    pub weakness_source_identifier: String,
    /// G. Affected assets, one per line in the workbook.
    #[serde(default)]
    pub assets: Vec<AssetRef>,
    /// H. Point of contact.
    #[serde(default)]
    pub point_of_contact: String,
    /// I. Resources required.
    #[serde(default)]
    pub resources_required: String,
    /// J. Overall remediation plan.
    #[serde(default)]
    pub overall_remediation_plan: Arc<str>,
    /// K. Original detection date. Immutable (R1.4, R4.4).
    pub original_detection_date: NaiveDate,
    /// L. Scheduled completion date. Immutable once recorded except after an approved RA or a
    /// vendor fix release (R3.4, R3.7). `None` until the engine first computes it.
    #[serde(default)]
    pub scheduled_completion_date: Option<NaiveDate>,
    /// M. Planned milestones. Immutable once recorded; changes go to `milestone_changes`.
    #[serde(default)]
    pub planned_milestones: Vec<Milestone>,
    /// N. Milestone changes.
    #[serde(default)]
    pub milestone_changes: Vec<MilestoneChange>,
    /// O. Status date: last change, or completion date on the Closed sheet.
    #[serde(default)]
    pub status_date: Option<NaiveDate>,
    /// P. Vendor dependency.
    #[serde(default)]
    pub vendor_dependency: bool,
    /// Q. Last vendor check-in date.
    #[serde(default)]
    pub last_vendor_check_in_date: Option<NaiveDate>,
    /// R. Vendor dependent product name.
    #[serde(default)]
    pub vendor_dependent_product_name: Option<String>,
    /// S. Original risk rating (Low / Moderate / High).
    pub original_risk_rating: RiskRating,
    /// T. Adjusted risk rating; `None` is the template's `N/A`.
    #[serde(default)]
    pub adjusted_risk_rating: Option<RiskRating>,
    /// U. Risk adjustment.
    #[serde(default)]
    pub risk_adjustment: DeviationFlag,
    /// V. False positive.
    #[serde(default)]
    pub false_positive: DeviationFlag,
    /// W. Operational requirement.
    #[serde(default)]
    pub operational_requirement: DeviationFlag,
    /// X. Deviation rationale (`Deviation Type : Rationale`).
    #[serde(default)]
    pub deviation_rationale: Option<String>,
    /// Y. Supporting documents.
    #[serde(default)]
    pub supporting_documents: Option<String>,
    /// Z. Comments.
    #[serde(default)]
    pub comments: Option<String>,
    /// AA. Auto-approve.
    #[serde(default)]
    pub auto_approve: bool,
    /// AB. BOD 22-01 tracking: the CVE is in the CISA KEV catalog.
    #[serde(default)]
    pub kev: bool,
    /// AC. BOD 22-01 due date: the catalog's `dueDate`, as given (R5.5).
    #[serde(default)]
    pub kev_due_date: Option<NaiveDate>,
    /// AD. CVEs.
    // `CompactString`s, as in `Finding`: a CVE ID fits inside one (up to 24 bytes), so an item's
    // list is one allocation, not one per CVE. They serialise as plain strings.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cves: Vec<CompactString>,
    /// AE. Service names.
    #[serde(default)]
    pub service_names: Vec<String>,

    // ---- facts beyond the template's columns ----
    /// Closure, for items on the Closed sheet.
    #[serde(default)]
    pub closure: Option<Closure>,
    /// The scanner's original severity label (`Critical`), kept when S folds it to `High`.
    #[serde(default)]
    pub scanner_severity: Option<String>,
    /// CVSS scores behind the rating.
    #[serde(default)]
    pub cvss: CvssScores,
    /// Date the AO approved the risk adjustment (used when `ra_clock_restart = approval`).
    #[serde(default)]
    pub risk_adjustment_approved_date: Option<NaiveDate>,
    /// Date the vendor released a fix for a vendor dependency: the clock restarts here (R3.7).
    #[serde(default)]
    pub vendor_fix_release_date: Option<NaiveDate>,
    /// True for a finding from the initial authorization assessment (SAR), whose clock may start
    /// at the authorization date (`sar_clock_start`, R1.5).
    #[serde(default)]
    pub sar_finding: bool,
    /// VDR facts, for systems under the VDR regime.
    #[serde(default)]
    pub vdr: Option<VdrFacts>,
    /// The stable weakness key the engine matches scans on (`nessus:12345`). Derived from columns
    /// E and F when absent (POA&Ms written by other tools).
    #[serde(default)]
    pub weakness_key: Option<String>,
    /// Asset type of the item when items are split by asset type (`split_by_asset_type`).
    #[serde(default)]
    pub asset_type: Option<AssetType>,
    /// The POA&M ID of the closed item this one is a reappearance of (`reappearance_policy = new_item`).
    #[serde(default)]
    pub reappearance_of: Option<String>,
}

impl PoamItem {
    /// A minimal open item; every other column takes its default.
    pub fn new(poam_id: impl Into<String>, original_detection_date: NaiveDate, rating: RiskRating) -> PoamItem {
        PoamItem {
            poam_id: poam_id.into(),
            controls: String::new(),
            weakness_name: Arc::default(),
            weakness_description: Arc::default(),
            weakness_detector_source: String::new(),
            weakness_source_identifier: String::new(),
            assets: Vec::new(),
            point_of_contact: String::new(),
            resources_required: String::new(),
            overall_remediation_plan: Arc::default(),
            original_detection_date,
            scheduled_completion_date: None,
            planned_milestones: Vec::new(),
            milestone_changes: Vec::new(),
            status_date: None,
            vendor_dependency: false,
            last_vendor_check_in_date: None,
            vendor_dependent_product_name: None,
            original_risk_rating: rating,
            adjusted_risk_rating: None,
            risk_adjustment: DeviationFlag::No,
            false_positive: DeviationFlag::No,
            operational_requirement: DeviationFlag::No,
            deviation_rationale: None,
            supporting_documents: None,
            comments: None,
            auto_approve: false,
            kev: false,
            kev_due_date: None,
            cves: Vec::new(),
            service_names: Vec::new(),
            closure: None,
            scanner_severity: None,
            cvss: CvssScores::default(),
            risk_adjustment_approved_date: None,
            vendor_fix_release_date: None,
            sar_finding: false,
            vdr: None,
            weakness_key: None,
            asset_type: None,
            reappearance_of: None,
        }
    }

    /// The rating the clocks use: the adjusted rating when the risk adjustment is approved,
    /// otherwise the original (a pending RA changes nothing, R3.2).
    pub fn effective_risk_rating(&self) -> RiskRating {
        match (self.risk_adjustment, self.adjusted_risk_rating) {
            (DeviationFlag::Yes, Some(adjusted)) => adjusted,
            _ => self.original_risk_rating,
        }
    }

    /// True when the item is closed.
    pub fn is_closed(&self) -> bool {
        self.closure.is_some()
    }
}

/// The POA&M header block (rows 2-3 of each sheet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PoamHeader {
    /// Cloud service provider.
    #[serde(default)]
    pub csp: String,
    /// System name.
    #[serde(default)]
    pub system_name: String,
    /// Impact level.
    #[serde(default)]
    pub impact_level: Option<RiskRating>,
    /// POAM Date: the date the POA&M was last updated (its submission date).
    #[serde(default)]
    pub poam_date: Option<NaiveDate>,
}

/// A whole POA&M: the Open, Closed and Configuration Findings sheets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Poam {
    /// Header block.
    #[serde(default)]
    pub header: PoamHeader,
    /// Open POA&M Items sheet.
    #[serde(default)]
    pub open: Vec<PoamItem>,
    /// Closed POA&M Items sheet.
    #[serde(default)]
    pub closed: Vec<PoamItem>,
    /// Configuration Findings sheet.
    #[serde(default)]
    pub configuration_findings: Vec<PoamItem>,
    /// The highest POA&M ID number ever issued, so that IDs are never reused even when closed
    /// items are later dropped from the file. 0 when unknown (then the IDs present decide).
    #[serde(default)]
    pub id_high_water: u64,
}

impl Poam {
    /// Every item on every sheet, open first, mutably.
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut PoamItem> {
        self.open.iter_mut().chain(self.closed.iter_mut()).chain(self.configuration_findings.iter_mut())
    }

    /// Every item on every sheet, open first.
    pub fn items(&self) -> impl Iterator<Item = &PoamItem> {
        self.open.iter().chain(self.closed.iter()).chain(self.configuration_findings.iter())
    }

    /// Checks every date of the header and the items with [`check_date`].
    ///
    /// # Errors
    /// The first date out of range, naming the item and the field.
    pub fn check_dates(&self) -> Result<(), Error> {
        if let Some(d) = self.header.poam_date {
            check_date(d).map_err(|e| e.at(crate::error::Location::field("header.poam_date")))?;
        }
        self.items().try_for_each(PoamItem::check_dates)
    }
}

impl PoamItem {
    /// Every date the item carries, with its field name.
    pub fn dates(&self) -> Vec<(&'static str, NaiveDate)> {
        let mut out = vec![("original_detection_date", self.original_detection_date)];
        let mut opt = |name: &'static str, d: Option<NaiveDate>| {
            if let Some(d) = d {
                out.push((name, d));
            }
        };
        opt("scheduled_completion_date", self.scheduled_completion_date);
        opt("status_date", self.status_date);
        opt("last_vendor_check_in_date", self.last_vendor_check_in_date);
        opt("kev_due_date", self.kev_due_date);
        opt("risk_adjustment_approved_date", self.risk_adjustment_approved_date);
        opt("vendor_fix_release_date", self.vendor_fix_release_date);
        opt("closure.date", self.closure.as_ref().map(|c| c.date));
        out.extend(self.planned_milestones.iter().map(|m| ("planned_milestones.date", m.date)));
        out.extend(self.milestone_changes.iter().map(|m| ("milestone_changes.date", m.date)));
        out
    }

    /// Checks every date of the item with [`check_date`].
    ///
    /// # Errors
    /// The first date out of range, naming the item and the field.
    pub fn check_dates(&self) -> Result<(), Error> {
        for (field, d) in self.dates() {
            check_date(d).map_err(|e| {
                Error::invalid(format!("item {}: {}", self.poam_id, e.message()))
                    .at(crate::error::Location::field(field))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_template_date(s).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn milestone_round_trip() {
        let m: Milestone = "(1) 2026-02-01: Apply vendor patch".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.number, 1);
        assert_eq!(m.date, d("2026-02-01"));
        assert_eq!(m.to_string(), "(1) 2026-02-01: Apply vendor patch");
        let c: MilestoneChange = "(2) update 2026/03/01 : moved out".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.kind, MilestoneChangeKind::Update);
        assert_eq!(c.to_string(), "(2) Update 2026-03-01 : moved out");
        assert!("1) 2026-02-01: x".parse::<Milestone>().is_err());
        assert!("(1) Later 2026-02-01: x".parse::<MilestoneChange>().is_err());
        assert!("(1) 2026-02-30: x".parse::<Milestone>().is_err());
    }

    #[test]
    fn asset_ref_forms() {
        let a: AssetRef = "10.0.0.5 (443/tcp)".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.port, Some(443));
        assert_eq!(a.protocol.as_deref(), Some("tcp"));
        assert_eq!(a.to_string(), "10.0.0.5 (443/tcp)");
        let b: AssetRef = "web (prod)".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.identifier, "web (prod)");
        assert_eq!(b.port, None);
    }

    #[test]
    fn minimal_json_item() {
        let item: PoamItem = serde_json::from_str(
            r#"{"poam_id":"V-1","original_detection_date":"2026-01-10","original_risk_rating":"high"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(item, PoamItem::new("V-1", d("2026-01-10"), RiskRating::High));
        let back: PoamItem =
            serde_json::from_str(&serde_json::to_string(&item).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, item);
    }

    #[test]
    fn effective_rating_needs_approval() {
        let mut item = PoamItem::new("V-1", d("2026-01-10"), RiskRating::High);
        item.adjusted_risk_rating = Some(RiskRating::Moderate);
        item.risk_adjustment = DeviationFlag::Pending;
        assert_eq!(item.effective_risk_rating(), RiskRating::High);
        item.risk_adjustment = DeviationFlag::Yes;
        assert_eq!(item.effective_risk_rating(), RiskRating::Moderate);
    }
}
