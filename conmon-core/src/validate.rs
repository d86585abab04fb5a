//! Deliverable validation (fedramp-rules.md §4.2, §4.3, §6): every problem of a monthly package,
//! not the first, each an [`Issue`] with severity, stable code, message, location (file, sheet,
//! row, column, or item) and, where useful, a hint.
//!
//! Rule groups and their codes:
//! - template: `template.unreadable_cell`, `template.header_missing`, `template.required_blank`,
//!   `template.duplicate_id`, `template.multiple_scanner_ids`, `template.rationale_missing`,
//!   `template.vd_fields_missing`, `template.kev_due_date_missing`, `template.kev_flag_missing`,
//!   `template.or_on_high`, `template.fp_on_open`, `template.vd_or_on_closed`,
//!   `template.closed_without_date`, `template.adjusted_rating_without_ra`;
//! - month over month: `poam.detection_date_changed`, `poam.completion_date_changed`,
//!   `poam.milestones_changed`, `poam.item_dropped` (see [`crate::reconcile::check_transition`]);
//! - cross-checks: `inventory.poam_asset_missing`, `inventory.not_scanned`,
//!   `inventory.not_credentialed`, `inventory.container_image_missing`, `scans.finding_not_on_poam`;
//! - package: `package.inventory_missing`, `package.scans_missing`, `package.scan_outside_period`,
//!   `package.scan_type_missing`;
//! - VDR regime: `vdr.facts_missing`.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use compact_str::CompactString;

use crate::error::Location;
use crate::ingest::ScanSet;
use crate::io::xlsx::{InventoryAsset, PoamImport};
use crate::issue::{Issue, Severity};
use crate::model::{AssetType, DeviationFlag, FindingKind, Poam, PoamItem, RiskRating};
use crate::policy::Policy;
use crate::rating;
use crate::reconcile::{asset_norm, cve_code, cve_norm, item_key_ref};

/// What to validate. Only `poam` is required; each other input enables its checks.
#[derive(Debug, Clone, Copy)]
pub struct Package<'a> {
    /// This month's POA&M.
    pub poam: &'a Poam,
    /// Label of the POA&M file, for locations.
    pub poam_file: &'a str,
    /// How the POA&M was read from a workbook or CSV (unreadable and blank cells, missing
    /// headers), when it was.
    pub import: Option<&'a PoamImport>,
    /// Last month's POA&M.
    pub previous: Option<&'a Poam>,
    /// This month's scans.
    pub scans: Option<&'a ScanSet>,
    /// The inventory.
    pub inventory: Option<&'a [InventoryAsset]>,
    /// Label of the inventory file.
    pub inventory_file: &'a str,
    /// The policy (rating sources for cross-checks).
    pub policy: &'a Policy,
    /// The POA&M date; the scan period is the month before it.
    pub as_of: NaiveDate,
}

fn item_loc(file: &str, item: &PoamItem, letter: &str, header: &str) -> Location {
    // `concat`, not `format!`: made once per item, it skips the formatting machinery (about
    // 1,500 instructions a call under callgrind).
    Location::file(file).with_field([item.poam_id.as_str(), " ", letter, " (", header, ")"].concat())
}

/// How many items the POA&M holds, on all three sheets.
fn item_count(poam: &Poam) -> usize {
    poam.open.len() + poam.closed.len() + poam.configuration_findings.len()
}

/// `C (Weakness Name) is blank`, put together as in [`item_loc`].
fn blank_message(letter: &str, header: &str) -> String {
    [letter, " (", header, ") is blank"].concat()
}

/// A required column left blank: an error when the POA&M cannot go without it (`hard`), else a
/// warning with a hint. Built whole rather than through `Issue`'s builder methods, each of which
/// moves the issue (312 bytes) once more: a first month has one of these per item.
fn blank_issue(item: &PoamItem, file: &str, letter: &str, header: &str, hard: bool) -> Issue {
    Issue {
        code: "template.required_blank".to_string(),
        severity: if hard { Severity::Error } else { Severity::Warning },
        poam_id: Some(item.poam_id.clone()),
        deviation_id: None,
        field: Some(letter.to_string()),
        message: blank_message(letter, header),
        rule: "S8".to_string(),
        location: Some(item_loc(file, item, letter, header)),
        hint: (!hard).then(|| "the provider fills this in; conmon keeps it month over month".to_string()),
    }
}

/// Validates a package and returns every problem found, errors first, then in input order.
pub fn validate(p: &Package<'_>) -> Vec<Issue> {
    // Room for an issue per item (a first month's POA&M has a blank Point of Contact on each),
    // rather than growth by doubling, which copies every issue so far at each step. Address
    // space only until written.
    let mut out = Vec::with_capacity(item_count(p.poam));
    if let Some(import) = p.import {
        import_issues(import, &mut out);
    }
    template_rules(p.poam, p.poam_file, &mut out);
    if p.import.is_none() {
        blank_rules(p.poam, p.poam_file, &mut out);
    }
    if let Some(prev) = p.previous {
        for issue in crate::reconcile::check_transition(prev, p.poam) {
            let loc = Location::file(p.poam_file).with_field(format!(
                "{} {}",
                issue.poam_id.as_deref().unwrap_or(""),
                issue.field.as_deref().unwrap_or("")
            ));
            out.push(issue.at(loc));
        }
    }
    if let Some(inv) = p.inventory {
        inventory_rules(p, inv, &mut out);
    } else {
        out.push(
            Issue::warning(
                "package.inventory_missing",
                "R6.1",
                "no inventory was given; inventory cross-checks were not run",
            )
            .hint("pass the Integrated Inventory Workbook (--inventory)"),
        );
    }
    if p.policy.regime == crate::policy::Regime::Vdr {
        vdr_rules(p, &mut out);
    }
    match p.scans {
        Some(scans) => scan_rules(p, scans, &mut out),
        None => out.push(
            Issue::warning("package.scans_missing", "R6.1", "no scan files were given; scan cross-checks were not run")
                .hint("pass this month's raw scan files (--scans)"),
        ),
    }
    crate::issue::errors_first(&mut out);
    out
}

/// Under VDR every open item's clock runs from its evaluation facts (R2.1): an item without them
/// has no clock, so it would be silently absent from the past-due count, the meeting report and
/// the VDR report's details. Each one is named instead.
fn vdr_rules(p: &Package<'_>, out: &mut Vec<Issue>) {
    for item in p.poam.open.iter().filter(|i| i.vdr.is_none()) {
        out.push(
            Issue::warning(
                "vdr.facts_missing",
                "R2.1",
                "no VDR evaluation facts (detection time, N-rating, internet reachability, likely exploitability): \
                 its VDR clock cannot run, so it is not counted as past due nor reported in the VDR report's details",
            )
            .item(&item.poam_id)
            .at(Location::file(p.poam_file).with_field(format!("{} vdr", item.poam_id)))
            .hint("evaluate it (VDR-EVA) and record the result in the item's `vdr` facts in poam.json"),
        );
    }
}

fn import_issues(import: &PoamImport, out: &mut Vec<Issue>) {
    for p in &import.problems {
        out.push(
            Issue::error("template.unreadable_cell", "S7", p.message.clone())
                .at(p.location.clone())
                .hint("use the template's allowed values and dates as dates or yyyy-mm-dd"),
        );
    }
    for loc in &import.missing_columns {
        let header = loc.field.clone().unwrap_or_default();
        out.push(
            Issue::error("template.header_missing", "S7", format!("the column header {header} is missing"))
                .at(loc.clone())
                .hint("keep every template column A-AE; columns may not be removed (S8 §1)"),
        );
    }
    for loc in &import.blank_required {
        let header = loc.field.clone().unwrap_or_default();
        let hint = if header.starts_with("T ") {
            "use N/A when there is no adjusted rating"
        } else if header.starts_with('U') || header.starts_with('V') || header.starts_with('W') {
            "use Yes, No or Pending"
        } else {
            "the template requires this column on every item"
        };
        out.push(
            Issue::error("template.required_blank", "S8", format!("{header} is blank")).at(loc.clone()).hint(hint),
        );
    }
}

/// Required columns left blank on items built in memory (a workbook's blank cells come from the
/// import instead): errors for what a POA&M cannot go without, warnings for what only the
/// provider can fill in (point of contact, remediation plan).
fn blank_rules(poam: &Poam, file: &str, out: &mut Vec<Issue>) {
    for item in poam.items() {
        let text = [
            ("B", "Controls", item.controls.as_str(), true),
            ("C", "Weakness Name", &*item.weakness_name, true),
            ("D", "Weakness Description", &*item.weakness_description, true),
            ("E", "Weakness Detector Source", item.weakness_detector_source.as_str(), true),
            ("F", "Weakness Source Identifier", item.weakness_source_identifier.as_str(), true),
            ("H", "Point of Contact", item.point_of_contact.as_str(), false),
            ("J", "Overall Remediation Plan", &*item.overall_remediation_plan, false),
        ];
        for (letter, header, value, hard) in text {
            // Blank is told by the first bytes alone (`trim` would read each text's end too: a
            // second cache miss for every long text, the shared ones lying far apart).
            if value.trim_start().is_empty() {
                out.push(blank_issue(item, file, letter, header, hard));
            }
        }
        let missing_dates = [
            ("G", "Asset Identifier", item.assets.is_empty()),
            ("L", "Scheduled Completion Date", item.scheduled_completion_date.is_none()),
            ("M", "Planned Milestones", item.planned_milestones.is_empty()),
            ("O", "Status Date", item.status_date.is_none()),
        ];
        for (letter, header, blank) in missing_dates {
            if blank {
                out.push(blank_issue(item, file, letter, header, true));
            }
        }
    }
}

fn template_rules(poam: &Poam, file: &str, out: &mut Vec<Issue>) {
    let n_items = item_count(poam);
    let mut seen: HashMap<&str, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(n_items, Default::default());
    let sheets: [(&str, &[PoamItem]); 3] =
        [("open", &poam.open), ("closed", &poam.closed), ("configuration", &poam.configuration_findings)];
    for (sheet, items) in sheets {
        for item in items {
            let id = item.poam_id.as_str();
            let count = seen.entry(id).or_default();
            *count += 1;
            if *count == 2 {
                out.push(
                    Issue::error("template.duplicate_id", "R4.1", format!("POA&M ID {id} is used more than once"))
                        .item(id)
                        .field("A")
                        .at(item_loc(file, item, "A", "POAM ID")),
                );
            }
            let scanner_ids =
                || item.weakness_source_identifier.split(['\n', ',', ';']).map(str::trim).filter(|s| !s.is_empty());
            // Counted first: nearly every item has one, and then nothing is collected.
            if scanner_ids().nth(1).is_some() {
                let ids: Vec<&str> = scanner_ids().collect();
                out.push(
                    Issue::error(
                        "template.multiple_scanner_ids",
                        "R4.2",
                        format!(
                            "lists scanner IDs {}: must not group multiple unique vulnerabilities into a single POA&M item",
                            ids.join(", ")
                        ),
                    )
                    .item(id)
                    .field("F")
                    .at(item_loc(file, item, "F", "Weakness Source Identifier"))
                    .hint("split it into one item per scanner ID"),
                );
            }
            let deviated = [item.risk_adjustment, item.false_positive, item.operational_requirement]
                .iter()
                .any(|f| *f != DeviationFlag::No);
            if deviated && item.deviation_rationale.as_deref().is_none_or(|r| r.trim().is_empty()) {
                out.push(
                    Issue::error(
                        "template.rationale_missing",
                        "S8 X",
                        "U, V or W is not No but Deviation Rationale is empty",
                    )
                    .item(id)
                    .field("X")
                    .at(item_loc(file, item, "X", "Deviation Rationale"))
                    .hint("write `Deviation Type : Rationale`"),
                );
            }
            if item.vendor_dependency {
                if item.last_vendor_check_in_date.is_none() {
                    out.push(
                        Issue::error(
                            "template.vd_fields_missing",
                            "R3.7",
                            "Vendor Dependency is Yes but the Last Vendor Check-in Date is empty",
                        )
                        .item(id)
                        .field("Q")
                        .at(item_loc(file, item, "Q", "Last Vendor Check-in Date")),
                    );
                }
                if item.vendor_dependent_product_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    out.push(
                        Issue::error(
                            "template.vd_fields_missing",
                            "R3.7",
                            "Vendor Dependency is Yes but the Vendor Dependent Product Name is empty",
                        )
                        .item(id)
                        .field("R")
                        .at(item_loc(file, item, "R", "Vendor Dependent Product Name")),
                    );
                }
            }
            if item.kev && item.kev_due_date.is_none() {
                out.push(
                    Issue::error(
                        "template.kev_due_date_missing",
                        "R5.1",
                        "BOD 22-01 tracking is Yes but its due date is empty",
                    )
                    .item(id)
                    .field("AC")
                    .at(item_loc(file, item, "AC", "Binding Operational Directive 22-01 Due Date"))
                    .hint("use the CISA KEV catalog's dueDate for the CVE"),
                );
            }
            if !item.kev && item.kev_due_date.is_some() {
                out.push(
                    Issue::error(
                        "template.kev_flag_missing",
                        "R5.1",
                        "a BOD 22-01 due date is given but tracking is No",
                    )
                    .item(id)
                    .field("AB")
                    .at(item_loc(file, item, "AB", "Binding Operational Directive 22-01 tracking")),
                );
            }
            let rating = match (item.risk_adjustment, item.adjusted_risk_rating) {
                (DeviationFlag::No, _) | (_, None) => item.original_risk_rating,
                (_, Some(r)) => r,
            };
            if item.operational_requirement != DeviationFlag::No && rating == RiskRating::High {
                out.push(
                    Issue::error(
                        "template.or_on_high",
                        "R3.6",
                        "FedRAMP will not approve an OR for a High vulnerability; submit RA (DR type `OR RA`) to Moderate or lower",
                    )
                    .item(id)
                    .field("W")
                    .at(item_loc(file, item, "W", "Operational Requirement")),
                );
            }
            if item.adjusted_risk_rating.is_some() && item.risk_adjustment == DeviationFlag::No {
                out.push(
                    Issue::warning(
                        "template.adjusted_rating_without_ra",
                        "S8 T",
                        "an Adjusted Risk Rating is given but Risk Adjustment is No",
                    )
                    .item(id)
                    .field("T")
                    .at(item_loc(file, item, "T", "Adjusted Risk Rating"))
                    .hint("use N/A, or record the risk adjustment in U"),
                );
            }
            match sheet {
                "open" if item.false_positive == DeviationFlag::Yes => out.push(
                    Issue::error(
                        "template.fp_on_open",
                        "R4.6",
                        "an approved false positive belongs on the Closed sheet",
                    )
                    .item(id)
                    .field("V")
                    .at(item_loc(file, item, "V", "False Positive")),
                ),
                "closed" => {
                    if item.vendor_dependency || item.operational_requirement == DeviationFlag::Yes {
                        out.push(
                            Issue::error(
                                "template.vd_or_on_closed",
                                "R4.6",
                                "vendor dependencies and operational requirements never go to the Closed sheet",
                            )
                            .item(id)
                            .at(item_loc(
                                file,
                                item,
                                "P/W",
                                "Vendor Dependency / Operational Requirement",
                            )),
                        );
                    }
                    if item.status_date.is_none() {
                        out.push(
                            Issue::error(
                                "template.closed_without_date",
                                "R4.6",
                                "a closed item needs its closure date in Status Date",
                            )
                            .item(id)
                            .field("O")
                            .at(item_loc(file, item, "O", "Status Date")),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Free text (asset types, software names) lower-cased and trimmed. Asset names are keyed by
/// [`asset_norm`], as in reconciliation.
fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

fn inventory_rules(p: &Package<'_>, inv: &[InventoryAsset], out: &mut Vec<Issue>) {
    // Everything an asset can be called in the inventory: identifier, IPs, DNS name.
    let mut names: HashSet<String> = HashSet::new();
    for a in inv {
        names.insert(asset_norm(&a.identifier).into_owned());
        names.extend(a.ips.iter().map(|ip| asset_norm(ip).into_owned()));
        if let Some(d) = &a.dns_name {
            names.insert(asset_norm(d).into_owned());
        }
    }
    let mut reported = HashSet::new();
    for item in p.poam.open.iter().chain(&p.poam.configuration_findings) {
        for a in &item.assets {
            if !names.contains(asset_norm(&a.identifier).as_ref())
                && reported.insert((item.poam_id.as_str(), a.identifier.as_str()))
            {
                out.push(
                    Issue::error(
                        "inventory.poam_asset_missing",
                        "R4.8",
                        format!("asset `{}` is not in the inventory", a.identifier),
                    )
                    .item(&item.poam_id)
                    .field("G")
                    .at(item_loc(p.poam_file, item, "G", "Asset Identifier"))
                    .hint("POA&M asset identifiers must match the Integrated Inventory Workbook"),
                );
            }
        }
    }
    let Some(scans) = p.scans else { return };
    let mut scanned: HashMap<String, bool> = HashMap::new();
    for h in &scans.context.hosts {
        let cred = h.credentialed == Some(true);
        for name in [Some(&h.identifier), h.ip.as_ref(), h.fqdn.as_ref(), h.netbios.as_ref()].into_iter().flatten() {
            let e = scanned.entry(asset_norm(name).into_owned()).or_insert(false);
            *e |= cred;
        }
    }
    // Findings of one host come together: each run of one asset is looked up once, and an
    // asset already there costs no allocation.
    let mut last = None;
    for f in &scans.findings {
        let id = f.asset.identifier.as_str();
        if last != Some(id) {
            last = Some(id);
            let key = asset_norm(id);
            if !scanned.contains_key(key.as_ref()) {
                scanned.insert(key.into_owned(), false);
            }
        }
    }
    for a in inv {
        let loc = {
            let mut l = Location::file(p.inventory_file).with_row(a.row);
            l.sheet = Some("Inventory".to_string());
            l
        };
        let hit = std::iter::once(&a.identifier)
            .chain(&a.ips)
            .chain(a.dns_name.as_ref())
            .find_map(|n| scanned.get(asset_norm(n).as_ref()));
        if a.in_latest_scan == Some(true) && hit.is_none() {
            out.push(
                Issue::error(
                    "inventory.not_scanned",
                    "R6.7",
                    format!("`{}` is marked In Latest Scan but no scan file covers it", a.identifier),
                )
                .at(loc.clone().with_field("In Latest Scan"))
                .hint("scan it this month, or correct In Latest Scan"),
            );
        }
        if a.authenticated_scan == Some(true) && hit == Some(&false) {
            out.push(
                Issue::error(
                    "inventory.not_credentialed",
                    "R6.4",
                    format!(
                        "`{}` is planned for an authenticated scan but was scanned without credentials",
                        a.identifier
                    ),
                )
                .at(loc.with_field("Authenticated Scan")),
            );
        }
    }
    // Containers: the inventory lists the image (repository/name:version), not runtime IDs.
    let mut seen = HashSet::new();
    for f in &scans.findings {
        if f.asset.asset_type == AssetType::Container
            && !names.contains(asset_norm(&f.asset.identifier).as_ref())
            && seen.insert(f.asset.identifier.as_str())
        {
            out.push(
                Issue::error(
                    "inventory.container_image_missing",
                    "R6.7",
                    format!("container image `{}` is scanned but not in the inventory", f.asset.identifier),
                )
                .at(Location::file(p.inventory_file))
                .hint("list the image (repository/image:version) as the Unique Asset Identifier and each production container's registry hash in the IP column"),
            );
        }
    }
}

/// The POA&M's items in [`Poam::items`]'s order, each with the items two and four places further
/// on its sheet, whose data the loops over every item start loading early.
fn items_ahead(poam: &Poam) -> impl Iterator<Item = (&PoamItem, [Option<&PoamItem>; 2])> {
    [&poam.open, &poam.closed, &poam.configuration_findings]
        .into_iter()
        .flat_map(|items| items.iter().enumerate().map(move |(i, item)| (item, [items.get(i + 2), items.get(i + 4)])))
}

fn scan_rules(p: &Package<'_>, scans: &ScanSet, out: &mut Vec<Issue>) {
    // Every non-informational finding is on the POA&M (by weakness and asset) or explained.
    // Weakness keys and assets are numbered once; the (weakness, asset) pairs on the POA&M are a
    // set of numbers, and a million findings are looked up by reference with no allocation per
    // finding. Keys of up to 24 bytes (nearly every weakness key and asset name) are held inside
    // the table, so neither numbering them nor looking one up follows a pointer to a string
    // elsewhere (borrowing the items' strings instead cost a cache miss per comparison).
    type Ids = HashMap<CompactString, u32, foldhash::fast::RandomState>;
    type Pairs = HashSet<(u32, u32), foldhash::fast::RandomState>;
    fn id(ids: &mut Ids, s: &str) -> u32 {
        if let Some(&n) = ids.get(s) {
            return n;
        }
        let n = ids.len() as u32;
        ids.insert(CompactString::from(s), n);
        n
    }
    let n_pairs: usize = p.poam.items().map(|i| i.assets.len()).sum();
    // At most one weakness key per item: sized once rather than grown by rehashing.
    let n_items = item_count(p.poam);
    let mut keys = Ids::with_capacity_and_hasher(n_items, Default::default());
    // About one asset per scanned host.
    let mut assets = Ids::with_capacity_and_hasher(scans.context.hosts.len(), Default::default());
    let mut tracked = Pairs::with_capacity_and_hasher(n_pairs, Default::default());
    for (item, [_, next]) in items_ahead(p.poam) {
        // Each item's key and assets live apart from it: start loading those of the item four ahead.
        if let Some(n) = next {
            crate::cache::prefetch(n.weakness_key.as_deref().unwrap_or_default().as_ptr());
            crate::cache::prefetch(n.assets.as_ptr());
        }
        let k = id(&mut keys, &item_key_ref(item));
        for a in &item.assets {
            tracked.insert((k, id(&mut assets, &asset_norm(&a.identifier))));
        }
    }
    // Findings not on the POA&M by weakness, in scan order: (finding, its asset's id when some
    // item lists the asset).
    let mut misses: Vec<(usize, Option<u32>)> = Vec::new();
    // Findings of one host come together: look its identifier up once.
    let mut last_asset: (&str, Option<u32>) = ("", None);
    for (fi, f) in scans.findings.iter().enumerate() {
        if rating::rate(&f.cvss, f.scanner_severity, &p.policy.rating_sources).is_none() {
            continue;
        }
        if last_asset.0 != f.asset.identifier || last_asset.0.is_empty() {
            last_asset = (f.asset.identifier.as_str(), assets.get(asset_norm(&f.asset.identifier).as_ref()).copied());
        }
        let on_poam =
            last_asset.1.is_some_and(|a| keys.get(f.weakness_key.as_str()).is_some_and(|k| tracked.contains(&(*k, a))));
        if !on_poam {
            misses.push((fi, last_asset.1));
        }
    }
    // A finding not on the POA&M by weakness may be by CVE: an item listing the CVE and the
    // asset (another scanner's plugin for the same flaw). In a POA&M reconciled with these scans
    // nearly every finding matches by weakness, so the (CVE, asset) pairs asked for are gathered
    // from those that do not, and the items are then read for those pairs only: at a million
    // findings, a set of every item's (CVE, asset) pairs held 1.4 million entries.
    // CVEs of the usual form are keyed by their code (`cve_code`, under 2^59), others by a number
    // given them here, with the top bit set.
    const OTHER_CVE: u64 = 1 << 63;
    type CvePairs = HashSet<(u64, u32), foldhash::fast::RandomState>;
    let mut other_cves = Ids::default();
    let mut wanted = CvePairs::default();
    for &(fi, a) in &misses {
        let Some(a) = a else { continue };
        for c in &scans.findings[fi].cves {
            let code = cve_code(c).unwrap_or_else(|| OTHER_CVE | u64::from(id(&mut other_cves, &cve_norm(c))));
            wanted.insert((code, a));
        }
    }
    let mut found = CvePairs::default();
    if !wanted.is_empty() {
        let wanted_cves: HashSet<u64, foldhash::fast::RandomState> = wanted.iter().map(|&(c, _)| c).collect();
        let mut item_cves: Vec<u64> = Vec::new();
        for (item, [near, far]) in items_ahead(p.poam) {
            // The CVE list of the item four ahead, and the CVEs of the item two ahead.
            if let Some(n) = far {
                crate::cache::prefetch(n.cves.as_ptr());
            }
            for c in near.map_or(&[][..], |n| &n.cves) {
                crate::cache::prefetch(c.as_ptr());
            }
            item_cves.clear();
            item_cves.extend(item.cves.iter().filter_map(|c| {
                let code = match cve_code(c) {
                    Some(code) => code,
                    None => OTHER_CVE | u64::from(*other_cves.get(cve_norm(c).as_ref())?),
                };
                wanted_cves.contains(&code).then_some(code)
            }));
            if item_cves.is_empty() {
                continue;
            }
            for a in &item.assets {
                if let Some(&a) = assets.get(asset_norm(&a.identifier).as_ref()) {
                    found.extend(item_cves.iter().map(|&c| (c, a)).filter(|pair| wanted.contains(pair)));
                }
            }
        }
    }
    let mut reported = HashSet::new();
    for &(fi, a) in &misses {
        let f = &scans.findings[fi];
        let by_cve = a.is_some_and(|a| {
            !found.is_empty()
                && f.cves.iter().any(|c| {
                    cve_code(c)
                        .or_else(|| other_cves.get(cve_norm(c).as_ref()).map(|&n| OTHER_CVE | u64::from(n)))
                        .is_some_and(|c| found.contains(&(c, a)))
                })
        });
        if !by_cve && reported.insert((f.weakness_key.as_str(), f.asset.identifier.as_str())) {
            let what = if f.kind == FindingKind::Configuration { "configuration finding" } else { "finding" };
            out.push(
                Issue::error(
                    "scans.finding_not_on_poam",
                    "R4.7",
                    format!(
                        "{what} {} ({}) on `{}` is in the scans but not on the POA&M",
                        f.scanner_id, f.name, f.asset.identifier
                    ),
                )
                .at(Location::field(format!("{} {} on {}", f.scanner, f.scanner_id, f.asset.identifier)))
                .hint(
                    "reconcile the POA&M with this month's scans (conmon monthly), or document why it is out of scope",
                ),
            );
        }
    }
    // Scans dated in the period: the month before the POA&M date.
    let start = p.as_of.checked_sub_months(Months::new(1)).unwrap_or(p.as_of);
    let mut old_files = HashSet::new();
    for h in &scans.context.hosts {
        let Some(end) = h.scan_end.or(h.scan_start) else { continue };
        let d = p.policy.time_zone.date_of(end, h.zoneless_times);
        if (d < start || d > p.as_of) && old_files.insert(h.file.as_str()) {
            out.push(
                Issue::error(
                    "package.scan_outside_period",
                    "R6.1",
                    format!("the scan of `{}` ran on {d}, outside the period {start} to {}", h.identifier, p.as_of),
                )
                .at(Location::file(&h.file))
                .hint("submit this month's scans"),
            );
        }
    }
    // Scan types: every inventory asset type the provider runs needs its scans (R6.2, R6.3).
    if let Some(inv) = p.inventory {
        let scanned_types: HashSet<AssetType> = scans
            .context
            .hosts
            .iter()
            .map(|h| h.asset_type)
            .chain(scans.findings.iter().map(|f| f.asset.asset_type))
            .collect();
        let mut wanted: Vec<(AssetType, &str)> = Vec::new();
        for a in inv {
            let t = norm(a.asset_type.as_deref().unwrap_or(""));
            let kind = if t.contains("container") || t.contains("image") {
                Some((AssetType::Container, "container"))
            } else if t.contains("database")
                || a.software_name_version.as_deref().is_some_and(|s| norm(s).contains("sql"))
            {
                Some((AssetType::Database, "database"))
            } else if t.contains("web") && t.contains("app") {
                Some((AssetType::Web, "web application"))
            } else {
                None
            };
            if let Some(k) = kind
                && !wanted.contains(&k)
            {
                wanted.push(k);
            }
        }
        for (t, name) in wanted {
            if !scanned_types.contains(&t) {
                out.push(
                    Issue::error(
                        "package.scan_type_missing",
                        "R6.2",
                        format!("the inventory lists {name} assets but no {name} scan was submitted"),
                    )
                    .at(Location::file(p.inventory_file))
                    .hint("submit OS, web application, database and container scans as applicable"),
                );
            }
        }
    }
}
