//! Deliverable validation: a clean package gives no diagnostics; each rule is tripped by a
//! real-looking input and reported with its code and location.

use chrono::NaiveDate;
use conmon_core::Policy;
use conmon_core::ingest::ScanSet;
use conmon_core::io::xlsx::{self, InventoryAsset};
use conmon_core::issue::{Issue, Severity};
use conmon_core::model::{AssetRef, AssetType, Closure, ClosureReason, DeviationFlag, Poam, PoamItem, RiskRating};
use conmon_core::reconcile::{Inputs, reconcile};
use conmon_core::validate::{Package, validate};

use crate::reconcile::{host, nessus, scans};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn month() -> ScanSet {
    let mut findings = vec![
        nessus("100", "10.0.0.5", "2026-03-05", 7.5),
        nessus("100", "10.0.0.6", "2026-03-05", 7.5),
        nessus("200", "10.0.0.5", "2026-03-05", 5.0),
    ];
    for f in &mut findings {
        f.description = format!("{} is vulnerable", f.name).into();
        f.solution = Some("Upgrade to the fixed version.".into());
    }
    scans(findings, vec![host("10.0.0.5", "2026-03-05", true), host("10.0.0.6", "2026-03-05", true)])
}

fn inventory() -> Vec<InventoryAsset> {
    ["10.0.0.5", "10.0.0.6"]
        .iter()
        .enumerate()
        .map(|(i, id)| InventoryAsset {
            identifier: id.to_string(),
            ips: vec![id.to_string()],
            authenticated_scan: Some(true),
            in_latest_scan: Some(true),
            asset_type: Some("Web Server".into()),
            row: 13 + i as u64,
            ..InventoryAsset::default()
        })
        .collect()
}

/// This month's POA&M as the monthly job makes it, with the provider's point of contact.
fn clean_poam(set: &ScanSet) -> Poam {
    let policy = Policy::fedramp_rev5();
    let r = reconcile(&Inputs {
        previous: &Poam::default(),
        scans: set,
        deviations: &[],
        kev: None,
        policy: &policy,
        as_of: d("2026-03-13"),
    })
    .unwrap();
    let mut poam = r.poam;
    for i in poam.items_mut() {
        i.point_of_contact = "Jane Doe, ISSO".into();
    }
    poam
}

fn run(poam: &Poam, set: Option<&ScanSet>, inv: Option<&[InventoryAsset]>, previous: Option<&Poam>) -> Vec<Issue> {
    let policy = Policy::fedramp_rev5();
    validate(&Package {
        poam,
        poam_file: "poam.json",
        import: None,
        previous,
        scans: set,
        inventory: inv,
        inventory_file: "iiw.xlsx",
        policy: &policy,
        as_of: d("2026-03-13"),
    })
}

fn first(p: &mut Poam) -> &mut PoamItem {
    p.open.iter_mut().find(|i| i.poam_id == "V-1").unwrap()
}

fn codes(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.code.as_str()).collect()
}

fn one<'a>(issues: &'a [Issue], code: &str) -> &'a Issue {
    let found: Vec<&Issue> = issues.iter().filter(|i| i.code == code).collect();
    assert_eq!(found.len(), 1, "{code}: {issues:#?}");
    found[0]
}

#[test]
fn a_clean_package_gives_no_diagnostics() {
    let set = month();
    let poam = clean_poam(&set);
    let inv = inventory();
    let issues = run(&poam, Some(&set), Some(&inv), None);
    assert!(issues.is_empty(), "{issues:#?}");
    // And it stays clean next month against itself as the previous POA&M.
    assert!(run(&poam, Some(&set), Some(&inv), Some(&poam)).is_empty());
}

#[test]
fn template_rules_trip_with_their_code_item_and_column() {
    let set = month();
    let inv = inventory();
    let base = clean_poam(&set);
    let check = |edit: &dyn Fn(&mut Poam), code: &str, item: &str, field: &str| {
        let mut poam = base.clone();
        edit(&mut poam);
        let issues = run(&poam, Some(&set), Some(&inv), None);
        let i = one(&issues, code);
        assert_eq!(i.poam_id.as_deref(), Some(item), "{code}");
        assert_eq!(
            i.severity,
            if code == "template.adjusted_rating_without_ra" { Severity::Warning } else { Severity::Error }
        );
        let loc = i.location.as_ref().unwrap();
        assert_eq!(loc.file.as_deref(), Some("poam.json"));
        assert!(loc.field.as_deref().unwrap().starts_with(&format!("{item} {field} (")), "{code}: {loc:?}");
    };
    check(
        &|p| {
            let dup = first(p).clone();
            p.open.push(dup);
        },
        "template.duplicate_id",
        "V-1",
        "A",
    );
    check(&|p| first(p).weakness_source_identifier = "100\n67890".into(), "template.multiple_scanner_ids", "V-1", "F");
    check(&|p| first(p).risk_adjustment = DeviationFlag::Pending, "template.rationale_missing", "V-1", "X");
    check(
        &|p| {
            let i = first(p);
            i.vendor_dependency = true;
            i.vendor_dependent_product_name = Some("ExampleDB 12".into());
        },
        "template.vd_fields_missing",
        "V-1",
        "Q",
    );
    check(&|p| first(p).kev = true, "template.kev_due_date_missing", "V-1", "AC");
    check(&|p| first(p).kev_due_date = Some(d("2026-03-30")), "template.kev_flag_missing", "V-1", "AB");
    check(
        &|p| {
            let i = first(p);
            i.operational_requirement = DeviationFlag::Pending;
            i.deviation_rationale = Some("Operational Requirement : needed by clients".into());
        },
        "template.or_on_high",
        "V-1",
        "W",
    );
    check(
        &|p| {
            let i = first(p);
            i.false_positive = DeviationFlag::Yes;
            i.deviation_rationale = Some("False Positive : patched backport".into());
        },
        "template.fp_on_open",
        "V-1",
        "V",
    );
    check(
        &|p| first(p).adjusted_risk_rating = Some(RiskRating::Low),
        "template.adjusted_rating_without_ra",
        "V-1",
        "T",
    );
    check(
        &|p| {
            let mut i = p.open.remove(0);
            i.closure = Some(Closure { date: d("2026-03-05"), reason: ClosureReason::Remediated });
            i.status_date = None;
            p.closed.push(i);
        },
        "template.closed_without_date",
        "V-1",
        "O",
    );
    check(&|p| first(p).controls.clear(), "template.required_blank", "V-1", "B");
    // A vendor dependency on the Closed sheet.
    let mut poam = base.clone();
    let mut i = poam.open.remove(0);
    i.vendor_dependency = true;
    i.last_vendor_check_in_date = Some(d("2026-03-01"));
    i.vendor_dependent_product_name = Some("ExampleDB 12".into());
    i.closure = Some(Closure { date: d("2026-03-05"), reason: ClosureReason::Remediated });
    poam.closed.push(i);
    let issues = run(&poam, None, None, None);
    assert_eq!(one(&issues, "template.vd_or_on_closed").poam_id.as_deref(), Some("V-1"));
    assert!(codes(&issues).contains(&"package.inventory_missing"));
    assert!(codes(&issues).contains(&"package.scans_missing"));
}

/// Worked example 14 on a workbook: S = Critical, U = Approved, T empty, no Service Name column.
#[test]
fn workbook_cells_and_headers_are_reported_at_sheet_row_and_column() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Open POA&M Items").unwrap();
    let headers: Vec<&str> =
        conmon_core::io::template::COLUMNS.iter().map(|c| c.header).filter(|h| *h != "Service Name").collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write(4, c as u16, *h).unwrap();
    }
    let row = [
        "V-1",
        "RA-5",
        "OpenSSL",
        "OpenSSL is vulnerable",
        "Nessus",
        "100",
        "10.0.0.5",
        "Jane",
        "",
        "Patch",
        "2026-03-05",
        "2026-04-04",
        "(1) 2026-04-04: Patch",
        "",
        "2026-03-13",
        "No",
        "",
        "",
        "Critical",
        "",
        "Approved",
        "No",
        "No",
        "",
        "",
        "",
        "No",
        "No",
        "",
        "",
    ];
    for (c, v) in row.iter().enumerate() {
        if !v.is_empty() {
            ws.write(5, c as u16, *v).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let import = xlsx::read_poam(&path).unwrap();
    let policy = Policy::fedramp_rev5();
    let issues = validate(&Package {
        poam: &import.poam,
        poam_file: "poam.xlsx",
        import: Some(&import),
        previous: None,
        scans: None,
        inventory: None,
        inventory_file: "",
        policy: &policy,
        as_of: d("2026-03-13"),
    });
    let at = |code: &str, field_prefix: &str| -> (Option<u64>, Option<u64>) {
        let i = issues
            .iter()
            .find(|i| {
                i.code == code
                    && i.location.as_ref().and_then(|l| l.field.as_deref()).is_some_and(|f| f.starts_with(field_prefix))
            })
            .unwrap_or_else(|| panic!("{code} {field_prefix}: {issues:#?}"));
        let l = i.location.as_ref().unwrap();
        assert_eq!(l.sheet.as_deref(), Some("Open POA&M Items"));
        (l.row, l.column)
    };
    assert_eq!(at("template.unreadable_cell", "S ("), (Some(6), Some(19)));
    assert_eq!(at("template.unreadable_cell", "U ("), (Some(6), Some(21)));
    assert_eq!(at("template.required_blank", "T ("), (Some(6), Some(20)));
    assert_eq!(at("template.header_missing", "AE ("), (Some(5), None));
    let blank_t = issues
        .iter()
        .find(|i| i.location.as_ref().and_then(|l| l.field.as_deref()).is_some_and(|f| f.starts_with("T (")))
        .unwrap();
    assert!(blank_t.hint.as_deref().unwrap().contains("N/A"));
}

/// Worked example 13 through validation: K, L and M changed against last month.
#[test]
fn month_over_month_changes_are_reported() {
    let set = month();
    let previous = clean_poam(&set);
    let mut poam = previous.clone();
    let i = poam.open.iter_mut().find(|i| i.poam_id == "V-2").unwrap();
    i.original_detection_date = d("2026-03-07");
    i.scheduled_completion_date = Some(d("2026-07-01"));
    i.planned_milestones[0].description = "Changed".into();
    poam.open.retain(|i| i.poam_id != "V-1");
    let issues = run(&poam, None, Some(&inventory()), Some(&previous));
    for code in ["poam.detection_date_changed", "poam.completion_date_changed", "poam.milestones_changed"] {
        assert_eq!(one(&issues, code).poam_id.as_deref(), Some("V-2"), "{code}");
    }
    assert_eq!(one(&issues, "poam.item_dropped").poam_id.as_deref(), Some("V-1"));
}

/// Inventory names, POA&M assets and scanned hosts compare trimmed and case-insensitively.
#[test]
fn inventory_names_compare_trimmed_and_case_insensitively() {
    let set = scans(
        vec![
            nessus("100", "WEB-01.Example.gov", "2026-03-05", 7.5),
            nessus("200", "WEB-01.Example.gov", "2026-03-05", 5.0),
        ],
        vec![host("WEB-01.Example.gov", "2026-03-05", true)],
    );
    let poam = clean_poam(&set);
    let inv = vec![InventoryAsset {
        identifier: " web-01.example.GOV\t".into(),
        authenticated_scan: Some(true),
        in_latest_scan: Some(true),
        asset_type: Some("Web Server".into()),
        row: 13,
        ..InventoryAsset::default()
    }];
    let issues = run(&poam, Some(&set), Some(&inv), None);
    assert!(issues.iter().all(|i| !i.code.starts_with("inventory.")), "{issues:#?}");
    // Another name is not the same asset, whatever its case.
    let mut other = inv.clone();
    other[0].identifier = "WEB-02.example.gov".into();
    let issues = run(&poam, Some(&set), Some(&other), None);
    assert_eq!(issues.iter().filter(|i| i.code == "inventory.poam_asset_missing").count(), 2, "{issues:#?}");
    assert!(one(&issues, "inventory.not_scanned").message.contains("WEB-02.example.gov"));
}

/// Worked example 15 and the scan cross-checks.
#[test]
fn inventory_and_scan_cross_checks() {
    let set = month();
    let poam = clean_poam(&set);
    // POA&M asset 10.0.0.77 absent from the inventory.
    let mut p = poam.clone();
    p.open[0].assets.push(AssetRef::host("10.0.0.77"));
    let issues = run(&p, Some(&set), Some(&inventory()), None);
    let i = one(&issues, "inventory.poam_asset_missing");
    assert!(i.message.contains("10.0.0.77"));
    assert_eq!(i.field.as_deref(), Some("G"));
    // An inventory asset marked In Latest Scan that no scan covers, and one planned for an
    // authenticated scan that was scanned without credentials.
    let mut inv = inventory();
    inv.push(InventoryAsset {
        identifier: "10.0.0.9".into(),
        in_latest_scan: Some(true),
        row: 15,
        ..InventoryAsset::default()
    });
    let mut uncred = set.clone();
    uncred.context.hosts[1].credentialed = Some(false);
    let issues = run(&poam, Some(&uncred), Some(&inv), None);
    let ns = one(&issues, "inventory.not_scanned");
    assert!(ns.message.contains("10.0.0.9"));
    let l = ns.location.as_ref().unwrap();
    assert_eq!((l.file.as_deref(), l.sheet.as_deref(), l.row), (Some("iiw.xlsx"), Some("Inventory"), Some(15)));
    let nc = one(&issues, "inventory.not_credentialed");
    assert_eq!(nc.location.as_ref().unwrap().row, Some(14));
    // A container image in the scans; the inventory lists only runtime container IDs.
    let mut with_image = set.clone();
    let mut f = nessus("300", "registry/app:1.4.2", "2026-03-05", 7.5);
    std::sync::Arc::make_mut(&mut f.asset).asset_type = AssetType::Container;
    with_image.findings.push(f);
    let mut inv = inventory();
    inv.push(InventoryAsset {
        identifier: "4f9c2a1b7d3e".into(),
        asset_type: Some("Container".into()),
        row: 15,
        ..Default::default()
    });
    let issues = run(&poam, Some(&with_image), Some(&inv), None);
    assert!(one(&issues, "inventory.container_image_missing").message.contains("registry/app:1.4.2"));
    // The new image finding is also not on the POA&M.
    assert!(one(&issues, "scans.finding_not_on_poam").message.contains("300"));
    // A scan from two months ago.
    let mut old = set.clone();
    old.context.hosts[0].scan_end = Some("2026-01-02T10:00:00Z".parse().unwrap());
    let issues = run(&poam, Some(&old), Some(&inventory()), None);
    assert!(one(&issues, "package.scan_outside_period").message.contains("2026-01-02"));
    // The inventory has a database but no database scan was submitted.
    let mut inv = inventory();
    inv[1].asset_type = Some("Database".into());
    let issues = run(&poam, Some(&set), Some(&inv), None);
    assert!(one(&issues, "package.scan_type_missing").message.contains("database"));
}

#[test]
fn a_finding_on_the_poam_by_cve_under_another_weakness_is_not_reported() {
    let set = month();
    let mut poam = clean_poam(&set);
    // The plugin 100 item (10.0.0.5 and 10.0.0.6) lists a CVE, written loosely; the plugin 200
    // item (10.0.0.5 only) lists another.
    let item_of = |poam: &Poam, plugin: &str| poam.open.iter().position(|i| i.weakness_source_identifier == plugin);
    let i100 = item_of(&poam, "100").unwrap();
    poam.open[i100].cves = vec![" cve-2026-1111 ".into()];
    let i200 = item_of(&poam, "200").unwrap();
    poam.open[i200].cves = vec!["CVE-2026-3333".into()];
    let with_cve = |plugin: &str, host: &str, cve: &str| {
        let mut f = nessus(plugin, host, "2026-03-05", 7.5);
        f.cves = vec![cve.into()];
        f
    };
    let mut more = set.clone();
    // Another scanner's plugin for the same flaw, on an asset of the item that lists it.
    more.findings.push(with_cve("900", "10.0.0.6", "CVE-2026-1111"));
    let issues = run(&poam, Some(&more), Some(&inventory()), None);
    assert!(!codes(&issues).contains(&"scans.finding_not_on_poam"), "{issues:#?}");
    // The CVE's item lists 10.0.0.5 and 10.0.0.6 but not 10.0.0.7.
    let mut off_asset = set.clone();
    off_asset.findings.push(with_cve("901", "10.0.0.7", "CVE-2026-1111"));
    let issues = run(&poam, Some(&off_asset), Some(&inventory()), None);
    assert!(one(&issues, "scans.finding_not_on_poam").message.contains("10.0.0.7"));
    // CVE-2026-3333's item does not list 10.0.0.6, though another item does: not on the POA&M.
    let mut other_item = set.clone();
    other_item.findings.push(with_cve("902", "10.0.0.6", "CVE-2026-3333"));
    let issues = run(&poam, Some(&other_item), Some(&inventory()), None);
    assert!(one(&issues, "scans.finding_not_on_poam").message.contains("902"));
    // An ID of another form (not `CVE-YYYY-NNNN`) matches as normalised too, on the item's
    // assets only.
    poam.open[i200].cves.push("ghsa-abcd-1234".into());
    let mut other_form = set.clone();
    other_form.findings.push(with_cve("903", "10.0.0.5", " GHSA-ABCD-1234"));
    let issues = run(&poam, Some(&other_form), Some(&inventory()), None);
    assert!(!codes(&issues).contains(&"scans.finding_not_on_poam"), "{issues:#?}");
    other_form.findings.push(with_cve("904", "10.0.0.6", "GHSA-ABCD-1234"));
    let issues = run(&poam, Some(&other_form), Some(&inventory()), None);
    assert!(one(&issues, "scans.finding_not_on_poam").message.contains("904"));
    // Any one of a finding's CVEs will do; a finding off the POA&M is reported once for its
    // weakness and asset however often it repeats, in scan order among the others.
    let mut several = set.clone();
    let mut f = with_cve("905", "10.0.0.6", "CVE-2026-9999");
    f.cves.push("CVE-2026-1111".into());
    several.findings.push(f);
    several.findings.push(with_cve("906", "10.0.0.9", "CVE-2026-1111"));
    several.findings.push(with_cve("907", "10.0.0.5", "CVE-2026-1111"));
    several.findings.push(with_cve("906", "10.0.0.9", "CVE-2026-3333"));
    let issues = run(&poam, Some(&several), Some(&inventory()), None);
    let off: Vec<&str> =
        issues.iter().filter(|i| i.code == "scans.finding_not_on_poam").map(|i| i.message.as_str()).collect();
    assert_eq!(off.len(), 1, "{off:#?}");
    assert!(off[0].contains("906") && off[0].contains("10.0.0.9"), "{off:#?}");
}

/// The scan cross-check against a plain reading of its rule, on random packages: a rated finding
/// is on the POA&M when one item lists its asset and either its weakness key or one of its CVEs
/// (both compared as normalised); each (weakness, asset) off the POA&M is reported once, in scan
/// order. The POA&M is reconciled from part of the scans, then edited (assets dropped or
/// respelled, CVE lists replaced, keys changed), so that findings miss by weakness, by CVE, or both.
mod cross_check {
    use std::collections::HashSet;

    use conmon_core::model::{Cvss, ScannerSeverity};
    use conmon_core::reconcile::item_key;
    use proptest::prelude::*;

    use super::*;

    const HOSTS: [&str; 5] = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "Web-01", "web-02"];
    const CVES: [&str; 7] = [
        "CVE-2026-0001",
        "CVE-2026-0002",
        "cve-2026-0003",
        " CVE-2026-0004 ",
        "CVE-2026-00001",
        "GHSA-aaaa-bbbb",
        "ghsa-AAAA-cccc",
    ];

    /// (plugin, host, rated, CVEs) per finding.
    type Spec = (u8, u8, bool, Vec<usize>);

    fn finding((plugin, host, rated, cves): &Spec) -> conmon_core::model::Finding {
        let mut f = nessus(&(100 + plugin).to_string(), HOSTS[usize::from(*host)], "2026-03-05", 7.5);
        if !rated {
            f.cvss.v3 = None;
            f.scanner_severity = Some(ScannerSeverity::Info);
        }
        f.cves = cves.iter().map(|&i| CVES[i].into()).collect();
        f
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn agrees_with_a_plain_reading_of_the_rule(
            specs in prop::collection::vec((0u8..6, 0u8..5, prop::bool::weighted(0.8), prop::collection::vec(0usize..7, 0..3)), 1..25),
            on_poam in prop::collection::vec(prop::bool::ANY, 25),
            edits in prop::collection::vec((0u8..4, prop::collection::vec(0usize..7, 0..3), 0u8..16), 25),
        ) {
            let hosts: Vec<_> = HOSTS.iter().map(|h| host(h, "2026-03-05", true)).collect();
            let set = scans(specs.iter().map(finding).collect(), hosts.clone());
            let part = specs.iter().zip(&on_poam).filter(|(_, on)| **on).map(|(s, _)| finding(s)).collect();
            let mut poam = clean_poam(&scans(part, hosts));
            for (item, (op, cves, key)) in poam.items_mut().zip(edits.iter().cycle()) {
                match op {
                    1 => drop(item.assets.pop()),
                    2 => item.cves = cves.iter().map(|&i| CVES[i].into()).collect(),
                    3 => item.assets.iter_mut().for_each(|a| a.identifier = a.identifier.to_uppercase().as_str().into()),
                    _ => {}
                }
                if *key < 6 {
                    item.weakness_key = Some(format!("nessus:{}", 100 + key));
                }
            }
            let issues = run(&poam, Some(&set), None, None);

            let asset = |s: &str| s.trim().to_ascii_lowercase();
            let cve = |s: &str| s.trim().to_ascii_uppercase();
            let mut seen = HashSet::new();
            let mut expect = Vec::new();
            for f in &set.findings {
                if f.cvss.v3.as_ref().map(Cvss::tenths).is_none() {
                    continue;
                }
                let a = asset(&f.asset.identifier);
                let on = poam.items().any(|i| {
                    i.assets.iter().any(|x| asset(&x.identifier) == a)
                        && (item_key(i) == f.weakness_key.as_str()
                            || i.cves.iter().any(|c| f.cves.iter().any(|fc| cve(c) == cve(fc))))
                });
                if !on && seen.insert((f.weakness_key.to_string(), f.asset.identifier.clone())) {
                    expect.push(format!("{} ({}) on `{}`", f.scanner_id, f.name, f.asset.identifier));
                }
            }
            let got: Vec<&str> =
                issues.iter().filter(|i| i.code == "scans.finding_not_on_poam").map(|i| i.message.as_str()).collect();
            prop_assert_eq!(got.len(), expect.len(), "{:#?} against {:#?}", got, expect);
            for (g, e) in got.iter().zip(&expect) {
                prop_assert!(g.contains(e.as_str()), "{} against {}", g, e);
            }
        }
    }
}

/// Under VDR an open item without evaluation facts has no clock: it is named
/// (`vdr.facts_missing`) rather than silently left out of the past-due count. Rev5 does not ask.
#[test]
fn vdr_items_without_evaluation_facts_are_named() {
    use conmon_core::model::{NRating, VdrFacts};
    let set = month();
    let mut poam = clean_poam(&set);
    let inv = inventory();
    let ids: Vec<String> = poam.open.iter().map(|i| i.poam_id.clone()).collect();
    assert!(ids.len() >= 2, "{ids:?}");
    first(&mut poam).vdr = Some(VdrFacts {
        detected_at: "2026-03-05T00:00:00Z".parse().unwrap(),
        evaluated_at: Some("2026-03-06T12:00:00Z".parse().unwrap()),
        n_rating: NRating::new(3).unwrap(),
        internet_reachable: false,
        likely_exploitable: true,
        reductions: vec![],
        fully_mitigated_at: None,
        remediated_at: None,
        false_positive_at: None,
    });
    let vdr = Policy::preset("fedramp_vdr_high").unwrap();
    let issues = validate(&Package {
        poam: &poam,
        poam_file: "poam.json",
        import: None,
        previous: None,
        scans: Some(&set),
        inventory: Some(&inv),
        inventory_file: "iiw.xlsx",
        policy: &vdr,
        as_of: d("2026-03-13"),
    });
    let missing: Vec<&Issue> = issues.iter().filter(|i| i.code == "vdr.facts_missing").collect();
    let named: Vec<&str> = missing.iter().map(|i| i.poam_id.as_deref().unwrap()).collect();
    assert_eq!(named, ids[1..].iter().map(String::as_str).collect::<Vec<_>>());
    let w = missing[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.rule, "R2.1");
    let at = w.location.as_ref().unwrap();
    assert_eq!(at.file.as_deref(), Some("poam.json"));
    assert_eq!(at.field.as_deref(), Some(format!("{} vdr", ids[1]).as_str()));
    // Rev5 clocks run from detection: no such warning.
    assert!(!codes(&run(&poam, Some(&set), Some(&inv), None)).contains(&"vdr.facts_missing"));
}

#[test]
fn blank_columns_are_named_by_letter_and_header_errors_first() {
    let set = month();
    let inv = inventory();
    let mut poam = clean_poam(&set);
    // A warning (H) on the first item, an error (C) on the last, so that the error must move ahead.
    first(&mut poam).point_of_contact.clear();
    poam.open.last_mut().unwrap().weakness_name = "".into();
    let issues = run(&poam, Some(&set), Some(&inv), None);
    let blank: Vec<(&str, Severity, &str, &str)> = issues
        .iter()
        .filter(|i| i.code == "template.required_blank")
        .map(|i| {
            let field = i.location.as_ref().and_then(|l| l.field.as_deref()).unwrap_or("");
            (i.poam_id.as_deref().unwrap_or(""), i.severity, i.message.as_str(), field)
        })
        .collect();
    let last = poam.open.last().unwrap().poam_id.clone();
    assert_ne!(last, "V-1", "two items, the error on the later one");
    assert_eq!(
        blank,
        [
            (
                last.as_str(),
                Severity::Error,
                "C (Weakness Name) is blank",
                format!("{last} C (Weakness Name)").as_str()
            ),
            ("V-1", Severity::Warning, "H (Point of Contact) is blank", "V-1 H (Point of Contact)"),
        ]
    );
    // The rest of each issue: its rule, its column, the file, and a hint on the warning only (what
    // the provider fills in), none on the error.
    // (rule, column, file, hint)
    type Rest<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let rest: Vec<Rest<'_>> = issues
        .iter()
        .filter(|i| i.code == "template.required_blank")
        .map(|i| {
            let file = i.location.as_ref().and_then(|l| l.file.as_deref());
            (i.rule.as_str(), i.field.as_deref(), file, i.hint.as_deref())
        })
        .collect();
    assert_eq!(
        rest,
        [
            ("S8", Some("C"), Some("poam.json"), None),
            ("S8", Some("H"), Some("poam.json"), Some("the provider fills this in; conmon keeps it month over month")),
        ]
    );
    assert!(issues.iter().all(|i| i.deviation_id.is_none()));
    // Every error comes before every warning.
    let first_warning = issues.iter().position(|i| i.severity == Severity::Warning).unwrap();
    assert!(issues[first_warning..].iter().all(|i| i.severity == Severity::Warning), "{issues:#?}");
}
