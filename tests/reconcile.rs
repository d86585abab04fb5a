//! The POA&M lifecycle: worked examples 6, 7, 10-13 with exact dates and IDs, closure on
//! evidence, cross-scanner identity, deviations, KEV, and the weekly Nessus series of the corpus.

use chrono::{DateTime, NaiveDate, Utc};
use conmon_core::Policy;
use conmon_core::deviation::{Deviation, DeviationKind, DeviationStatus};
use conmon_core::ingest::{HostScan, ScanSet};
use conmon_core::kev::{KevCatalog, KevEntry};
use conmon_core::model::{
    Asset, AssetRef, AssetType, Closure, ClosureReason, Cvss, DeviationFlag, Finding, FindingKind, Milestone, Poam,
    PoamItem, RiskRating, ScannerSeverity, SourceFormat,
};
use conmon_core::reconcile::{ChangeKind, Inputs, Reconciliation, check_transition, reconcile};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    format!("{s}T12:00:00Z").parse().unwrap()
}

/// A Nessus finding of `plugin` on `host`, seen on `date`, with a CVSS v3 score.
pub fn nessus(plugin: &str, host: &str, date: &str, score: f64) -> Finding {
    let asset = Asset {
        identifier: host.to_string(),
        asset_type: AssetType::Os,
        ip: Some(host.to_string()),
        ..Asset::default()
    };
    let mut f = Finding::new(
        SourceFormat::Nessus,
        "Nessus",
        plugin,
        format!("nessus:{plugin}"),
        FindingKind::Vulnerability,
        format!("Plugin {plugin}"),
        asset,
    );
    f.cvss.v3 = Some(Cvss::new(score, None).unwrap());
    f.scanner_severity = Some(ScannerSeverity::High);
    f.observed_at = Some(t(date));
    f.port = Some(443);
    f.protocol = Some("tcp".into());
    f
}

pub fn host(id: &str, date: &str, credentialed: bool) -> HostScan {
    HostScan {
        identifier: id.to_string(),
        asset_type: AssetType::Os,
        ip: Some(id.to_string()),
        fqdn: None,
        netbios: None,
        mac: None,
        os: None,
        scan_start: Some(t(date)),
        scan_end: Some(t(date)),
        zoneless_times: false,
        credentialed: Some(credentialed),
        credentialed_evidence: None,
        file: "scan.nessus".into(),
        source_format: SourceFormat::Nessus,
        finding_count: 0,
    }
}

pub fn scans(findings: Vec<Finding>, hosts: Vec<HostScan>) -> ScanSet {
    let mut s = ScanSet { findings, ..ScanSet::default() };
    s.context.hosts = hosts;
    s
}

fn run(previous: &Poam, scans: &ScanSet, deviations: &[Deviation], as_of: &str) -> Reconciliation {
    run_with(previous, scans, deviations, None, &Policy::fedramp_rev5(), as_of)
}

fn run_with(
    previous: &Poam,
    scans: &ScanSet,
    deviations: &[Deviation],
    kev: Option<&KevCatalog>,
    policy: &Policy,
    as_of: &str,
) -> Reconciliation {
    reconcile(&Inputs { previous, scans, deviations, kev, policy, as_of: d(as_of) }).unwrap()
}

fn item<'a>(p: &'a Poam, id: &str) -> &'a PoamItem {
    p.items().find(|i| i.poam_id == id).unwrap_or_else(|| panic!("no item {id}"))
}

fn kinds(r: &Reconciliation, id: &str) -> Vec<ChangeKind> {
    r.changes.iter().filter(|c| c.poam_id == id).map(|c| c.kind).collect()
}

#[test]
fn ex10_stable_id_month_over_month() {
    let previous = Poam { id_high_water: 100, ..Poam::default() };
    let jan = scans(vec![nessus("12345", "10.0.0.5", "2026-01-12", 8.1)], vec![host("10.0.0.5", "2026-01-12", true)]);
    let m1 = run(&previous, &jan, &[], "2026-01-13");
    let v = item(&m1.poam, "V-101");
    assert_eq!(v.original_detection_date, d("2026-01-12"));
    assert_eq!(v.original_risk_rating, RiskRating::High);
    assert_eq!(v.scheduled_completion_date, Some(d("2026-02-11")));
    assert_eq!(v.planned_milestones.len(), 1);
    assert_eq!(v.assets, [AssetRef { identifier: "10.0.0.5".into(), port: Some(443), protocol: Some("tcp".into()) }]);
    assert_eq!(v.weakness_source_identifier, "12345");
    assert_eq!(v.status_date, Some(d("2026-01-13")));
    assert_eq!(kinds(&m1, "V-101"), [ChangeKind::New]);
    assert_eq!(m1.placements, [Some("V-101".into())]);

    let feb = scans(vec![nessus("12345", "10.0.0.5", "2026-02-09", 8.1)], vec![host("10.0.0.5", "2026-02-09", true)]);
    let m2 = run(&m1.poam, &feb, &[], "2026-02-10");
    let v2 = item(&m2.poam, "V-101");
    assert_eq!(v2.original_detection_date, d("2026-01-12"), "K unchanged");
    assert_eq!(v2.scheduled_completion_date, v.scheduled_completion_date, "L unchanged");
    assert_eq!(v2.planned_milestones, v.planned_milestones, "M unchanged");
    assert_eq!(v2.status_date, Some(d("2026-01-13")), "O unchanged: nothing changed");
    assert!(m2.changes.is_empty(), "{:?}", m2.changes);
    assert!(check_transition(&m1.poam, &m2.poam).is_empty());
    // Reconciling the same scans again changes nothing.
    let m3 = run(&m2.poam, &feb, &[], "2026-02-10");
    assert_eq!(m3.poam, m2.poam);
    // Two days later the item is late: that is a change worth logging, and nothing else moves.
    let m4 = run(&m2.poam, &feb, &[], "2026-02-13");
    assert_eq!(kinds(&m4, "V-101"), [ChangeKind::BecameLate]);
    assert_eq!(item(&m4.poam, "V-101").status_date, Some(d("2026-01-13")));
}

#[test]
fn a_repeated_hit_keeps_its_earliest_detection() {
    // One weakness on one service, reported by two scan files of the month: the later file
    // read first. The item's detection date is the earlier one, whichever file comes first.
    let s = scans(
        vec![nessus("12345", "10.0.0.5", "2026-01-20", 8.1), nessus("12345", "10.0.0.5", "2026-01-06", 8.1)],
        vec![host("10.0.0.5", "2026-01-20", true)],
    );
    let r = run(&Poam::default(), &s, &[], "2026-01-21");
    let v = item(&r.poam, "V-1");
    assert_eq!(v.assets.len(), 1);
    assert_eq!(v.original_detection_date, d("2026-01-06"));
    assert_eq!(v.scheduled_completion_date, Some(d("2026-02-05")), "High: 30 days from 6 January");
    assert_eq!(r.placements, [Some("V-1".into()), Some("V-1".into())]);
}

#[test]
fn ex11_one_item_per_weakness_and_no_grouping() {
    let hosts: Vec<String> = (1..=40).map(|i| format!("10.0.1.{i}")).collect();
    let s = scans(
        hosts.iter().map(|h| nessus("12345", h, "2026-01-12", 5.3)).collect(),
        hosts.iter().map(|h| host(h, "2026-01-12", true)).collect(),
    );
    let r = run(&Poam::default(), &s, &[], "2026-01-13");
    assert_eq!(r.poam.open.len(), 1);
    assert_eq!(r.poam.open[0].assets.len(), 40);
    assert_eq!(r.poam.open[0].poam_id, "V-1");
    // A previous row listing two scanner IDs is refused.
    let mut bad = Poam::default();
    let mut i = PoamItem::new("V-7", d("2026-01-05"), RiskRating::Moderate);
    i.weakness_source_identifier = "12345\n67890".into();
    bad.open.push(i);
    let e = reconcile(&Inputs {
        previous: &bad,
        scans: &s,
        deviations: &[],
        kev: None,
        policy: &Policy::fedramp_rev5(),
        as_of: d("2026-02-13"),
    })
    .unwrap_err();
    assert!(e.to_string().contains("must not group multiple unique vulnerabilities into a single POA&M item"), "{e}");
    assert_eq!(e.location().field.as_deref(), Some("V-7 (F)"));
}

fn closed_v101(closed_on: &str) -> Poam {
    let mut p = Poam::default();
    let mut i = PoamItem::new("V-101", d("2026-01-05"), RiskRating::High);
    i.weakness_source_identifier = "12345".into();
    i.weakness_detector_source = "Nessus".into();
    i.assets = vec![AssetRef::host("10.0.0.5")];
    i.scheduled_completion_date = Some(d("2026-02-04"));
    i.closure = Some(Closure { date: d(closed_on), reason: ClosureReason::Remediated });
    p.closed.push(i);
    p.id_high_water = 159;
    p
}

#[test]
fn ex12_reappearance_within_and_after_the_window() {
    let previous = closed_v101("2026-02-20");
    // 20 days after closure: reopen V-101, K kept, due unchanged (so late).
    let march = scans(vec![nessus("12345", "10.0.0.5", "2026-03-12", 8.1)], vec![host("10.0.0.5", "2026-03-12", true)]);
    let r = run(&previous, &march, &[], "2026-03-13");
    assert!(r.poam.closed.is_empty());
    let v = item(&r.poam, "V-101");
    assert!(!v.is_closed());
    assert_eq!(v.original_detection_date, d("2026-01-05"));
    assert_eq!(v.scheduled_completion_date, Some(d("2026-02-04")));
    assert!(kinds(&r, "V-101").contains(&ChangeKind::Reopened));
    assert!(kinds(&r, "V-101").contains(&ChangeKind::BecameLate));
    assert_eq!(r.poam.open.len(), 1);
    // 115 days after closure: a new item V-160 linked to V-101; V-101 stays closed.
    let june = scans(vec![nessus("12345", "10.0.0.5", "2026-06-15", 8.1)], vec![host("10.0.0.5", "2026-06-15", true)]);
    let r = run(&previous, &june, &[], "2026-06-15");
    let new = item(&r.poam, "V-160");
    assert_eq!(new.original_detection_date, d("2026-06-15"));
    assert_eq!(new.reappearance_of.as_deref(), Some("V-101"));
    assert_eq!(new.scheduled_completion_date, Some(d("2026-07-15")));
    assert!(item(&r.poam, "V-101").is_closed());
    assert_eq!(kinds(&r, "V-160"), [ChangeKind::ReappearedAsNew, ChangeKind::New]);
    assert_eq!(r.poam.id_high_water, 160);
    // Policy new_item: even within the window a new item.
    let mut p = Policy::fedramp_rev5();
    p.reappearance_policy = conmon_core::policy::ReappearancePolicy::NewItem;
    let r = run_with(&previous, &march, &[], None, &p, "2026-03-13");
    assert_eq!(item(&r.poam, "V-160").reappearance_of.as_deref(), Some("V-101"));
}

#[test]
fn ex13_immutable_columns() {
    let jan = scans(vec![nessus("12345", "10.0.0.5", "2026-01-05", 5.0)], vec![host("10.0.0.5", "2026-01-05", true)]);
    let prev = run(&Poam::default(), &jan, &[], "2026-01-13").poam;
    let mut cur = prev.clone();
    cur.open[0].original_detection_date = d("2026-01-20");
    cur.open[0].scheduled_completion_date = Some(d("2026-06-01"));
    cur.open[0].planned_milestones.push(Milestone { number: 2, date: d("2026-05-01"), description: "x".into() });
    let codes: Vec<String> = check_transition(&prev, &cur).into_iter().map(|i| i.code).collect();
    assert_eq!(codes, ["poam.detection_date_changed", "poam.completion_date_changed", "poam.milestones_changed"]);
    // L may change with an approved RA.
    let mut ra = prev.clone();
    ra.open[0].scheduled_completion_date = Some(d("2026-07-04"));
    ra.open[0].risk_adjustment = DeviationFlag::Yes;
    assert!(check_transition(&prev, &ra).is_empty());
    // Dropping an item is an error.
    let codes: Vec<String> = check_transition(&prev, &Poam::default()).into_iter().map(|i| i.code).collect();
    assert_eq!(codes, ["poam.item_dropped"]);
}

#[test]
fn closure_needs_a_credentialed_rescan_of_each_asset() {
    let jan = scans(
        vec![nessus("200", "10.0.0.1", "2026-01-05", 6.5), nessus("200", "10.0.0.2", "2026-01-05", 6.5)],
        vec![host("10.0.0.1", "2026-01-05", true), host("10.0.0.2", "2026-01-05", true)],
    );
    let m1 = run(&Poam::default(), &jan, &[], "2026-01-13");
    // February: .1 scanned with credentials and clean; .2 scanned without credentials.
    let feb = scans(vec![], vec![host("10.0.0.1", "2026-02-10", true), host("10.0.0.2", "2026-02-10", false)]);
    let m2 = run(&m1.poam, &feb, &[], "2026-02-13");
    let v = item(&m2.poam, "V-1");
    assert!(!v.is_closed());
    assert_eq!(v.assets, [AssetRef::host("10.0.0.2").with_port(443, "tcp")]);
    assert_eq!(kinds(&m2, "V-1"), [ChangeKind::AssetClosed]);
    assert_eq!(m2.not_observed.len(), 1);
    assert_eq!(
        (m2.not_observed[0].asset.as_str(), m2.not_observed[0].reason.as_str()),
        ("10.0.0.2", "not_credentialed")
    );
    assert_eq!(v.status_date, Some(d("2026-02-13")));
    assert_eq!(v.milestone_changes.len(), 1);
    assert_eq!(v.milestone_changes[0].to_string(), "(1) Update 2026-02-13 : Remediated on 10.0.0.1");
    // March: .2 not scanned at all → stays open, not observed.
    let mar = scans(vec![], vec![host("10.0.0.1", "2026-03-10", true)]);
    let m3 = run(&m2.poam, &mar, &[], "2026-03-13");
    assert!(!item(&m3.poam, "V-1").is_closed());
    assert_eq!(m3.not_observed[0].reason, "not_scanned");
    // April: .2 scanned with credentials, clean → the item closes on the scan date.
    let apr = scans(vec![], vec![host("10.0.0.2", "2026-04-09", true)]);
    let m4 = run(&m3.poam, &apr, &[], "2026-04-13");
    let v = item(&m4.poam, "V-1");
    assert_eq!(v.closure, Some(Closure { date: d("2026-04-09"), reason: ClosureReason::Remediated }));
    assert_eq!(v.assets, [AssetRef::host("10.0.0.2").with_port(443, "tcp")], "a closed item keeps its last assets");
    assert_eq!(m4.poam.closed.len(), 1);
    assert!(m4.poam.open.is_empty());
    assert_eq!(v.status_date, Some(d("2026-04-09")));
    assert!(v.milestone_changes.last().unwrap().to_string().starts_with("(1) Complete 2026-04-09 : Closed"));
    // IDs are never reused: a new weakness next month is V-2.
    let may = scans(vec![nessus("300", "10.0.0.1", "2026-05-10", 3.1)], vec![host("10.0.0.1", "2026-05-10", true)]);
    let m5 = run(&m4.poam, &may, &[], "2026-05-13");
    assert!(m5.poam.open.iter().any(|i| i.poam_id == "V-2"));
}

#[test]
fn the_same_cve_from_another_scanner_keeps_the_id() {
    let mut n = nessus("12345", "10.0.0.5", "2026-01-12", 7.5);
    n.cves = vec!["CVE-2024-1111".into()];
    let m1 = run(&Poam::default(), &scans(vec![n], vec![host("10.0.0.5", "2026-01-12", true)]), &[], "2026-01-13");
    let mut i = Finding::new(
        SourceFormat::Inspector2,
        "Amazon Inspector",
        "CVE-2024-1111",
        "inspector2:CVE-2024-1111",
        FindingKind::Vulnerability,
        "CVE-2024-1111 - openssl",
        Asset { identifier: "10.0.0.5".into(), ..Asset::default() },
    );
    i.cves = vec!["CVE-2024-1111".into()];
    i.cvss.v3 = Some(Cvss::new(7.5, None).unwrap());
    i.first_seen = Some(t("2026-01-02"));
    let m2 = run(&m1.poam, &scans(vec![i], vec![host("10.0.0.5", "2026-02-10", true)]), &[], "2026-02-13");
    assert_eq!(m2.poam.open.len(), 1, "{:?}", m2.poam.open);
    assert_eq!(m2.placements, [Some("V-1".into())]);
    assert_eq!(item(&m2.poam, "V-1").original_detection_date, d("2026-01-12"), "K is immutable once recorded");
}

fn dr(id: &str, poam: &str, kind: DeviationKind, status: DeviationStatus) -> Deviation {
    Deviation {
        id: id.into(),
        poam_id: poam.into(),
        kind,
        status,
        submitted: Some(d("2026-01-20")),
        decided: None,
        requested_rating: None,
        rationale: "compensating controls".into(),
        evidence: vec!["Scan : fp-evidence.pdf".into()],
        auto_approved: false,
        vendor_product: None,
        last_check_in: None,
        fix_release_date: None,
    }
}

#[test]
fn ex06_false_positive_approved_closes_and_stays_closed() {
    let jan = scans(vec![nessus("500", "10.0.0.9", "2026-01-05", 5.0)], vec![host("10.0.0.9", "2026-01-05", true)]);
    let m1 = run(&Poam::default(), &jan, &[], "2026-01-13");
    assert_eq!(item(&m1.poam, "V-1").scheduled_completion_date, Some(d("2026-04-05")));
    let mut fp = dr("DR-1", "V-1", DeviationKind::FalsePositive, DeviationStatus::Approved);
    fp.decided = Some(d("2026-02-20"));
    let feb = scans(vec![nessus("500", "10.0.0.9", "2026-02-25", 5.0)], vec![host("10.0.0.9", "2026-02-25", true)]);
    let m2 = run(&m1.poam, &feb, &[fp.clone()], "2026-03-13");
    let v = item(&m2.poam, "V-1");
    assert_eq!(v.false_positive, DeviationFlag::Yes);
    assert_eq!(v.closure, Some(Closure { date: d("2026-02-20"), reason: ClosureReason::FalsePositive }));
    assert_eq!(v.status_date, Some(d("2026-02-20")));
    assert_eq!(v.deviation_rationale.as_deref(), Some("False Positive : compensating controls"));
    assert_eq!(v.supporting_documents.as_deref(), Some("Scan : fp-evidence.pdf"));
    // The scanner keeps reporting it: it stays closed, no new item.
    let apr = scans(vec![nessus("500", "10.0.0.9", "2026-04-10", 5.0)], vec![host("10.0.0.9", "2026-04-10", true)]);
    let m3 = run(&m2.poam, &apr, &[fp], "2026-04-13");
    assert!(m3.poam.open.is_empty());
    assert_eq!(m3.placements, [Some("V-1".into())]);
}

#[test]
fn ex07_or_on_a_high_is_reported_and_ra_changes_the_schedule() {
    let jan = scans(vec![nessus("600", "10.0.0.3", "2026-01-10", 8.8)], vec![host("10.0.0.3", "2026-01-10", true)]);
    let m1 = run(&Poam::default(), &jan, &[], "2026-01-13");
    assert_eq!(item(&m1.poam, "V-1").scheduled_completion_date, Some(d("2026-02-09")));
    let or = dr("DR-2", "V-1", DeviationKind::OperationalRequirement, DeviationStatus::Pending);
    let feb = scans(vec![nessus("600", "10.0.0.3", "2026-02-01", 8.8)], vec![host("10.0.0.3", "2026-02-01", true)]);
    let m2 = run(&m1.poam, &feb, &[or], "2026-02-05");
    assert_eq!(item(&m2.poam, "V-1").operational_requirement, DeviationFlag::Pending);
    let issue = m2.issues.iter().find(|i| i.code == "deviation.or_on_high").unwrap();
    assert!(issue.message.contains("FedRAMP will not approve an OR for a High vulnerability"));
    assert_eq!(issue.poam_id.as_deref(), Some("V-1"));
    // Example 5: an RA approved to Moderate → U Yes, T Moderate, L = detection + 90 with a Milestone Changes entry.
    let mut ra = dr("DR-3", "V-1", DeviationKind::RiskAdjustment, DeviationStatus::Approved);
    ra.requested_rating = Some(RiskRating::Moderate);
    ra.decided = Some(d("2026-01-25"));
    let m3 = run(&m1.poam, &feb, &[ra], "2026-02-15");
    let v = item(&m3.poam, "V-1");
    assert_eq!((v.risk_adjustment, v.adjusted_risk_rating), (DeviationFlag::Yes, Some(RiskRating::Moderate)));
    assert_eq!(v.scheduled_completion_date, Some(d("2026-04-10")));
    assert_eq!(v.planned_milestones, item(&m1.poam, "V-1").planned_milestones, "M never changes");
    assert!(
        v.milestone_changes.last().unwrap().to_string().contains("2026-02-09 → 2026-04-10 (approved risk adjustment)")
    );
    assert!(kinds(&m3, "V-1").contains(&ChangeKind::ScheduleChanged));
    assert!(check_transition(&m1.poam, &m3.poam).is_empty(), "L may change with an approved RA");
    assert!(m3.issues.is_empty(), "{:?}", m3.issues);
}

#[test]
fn vendor_dependencies_and_ors_never_close_and_vd_rules_are_checked() {
    let jan = scans(vec![nessus("700", "10.0.0.4", "2026-01-10", 5.5)], vec![host("10.0.0.4", "2026-01-10", true)]);
    let m1 = run(&Poam::default(), &jan, &[], "2026-01-13");
    let mut vd = dr("VD-1", "V-1", DeviationKind::VendorDependency, DeviationStatus::Approved);
    vd.vendor_product = Some("ExampleDB 12".into());
    vd.last_check_in = Some(d("2026-02-20"));
    let clean = scans(vec![], vec![host("10.0.0.4", "2026-02-25", true)]);
    let m2 = run(&m1.poam, &clean, &[vd.clone()], "2026-03-13");
    let v = item(&m2.poam, "V-1");
    assert!(!v.is_closed());
    assert!(v.vendor_dependency);
    assert_eq!(v.vendor_dependent_product_name.as_deref(), Some("ExampleDB 12"));
    assert!(kinds(&m2, "V-1").contains(&ChangeKind::RemediationObservedKeptOpen));
    assert_eq!(v.assets, [AssetRef::host("10.0.0.4").with_port(443, "tcp")], "the VD item keeps its asset");
    assert!(m2.issues.is_empty(), "{:?}", m2.issues);
    let mut incomplete = vd;
    incomplete.vendor_product = None;
    incomplete.last_check_in = None;
    let m3 = run(&m1.poam, &clean, &[incomplete], "2026-03-13");
    let codes: Vec<&str> = m3.issues.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["deviation.vd_without_product", "deviation.vd_without_check_in"]);
    let ghost = dr("DR-9", "V-999", DeviationKind::RiskAdjustment, DeviationStatus::Pending);
    let m4 = run(&m1.poam, &clean, &[ghost], "2026-03-13");
    assert_eq!(m4.issues[0].code, "deviation.unknown_item");
}

#[test]
fn kev_columns_come_from_the_catalog() {
    let mut f = nessus("800", "10.0.0.8", "2026-01-10", 8.1);
    f.cves = vec!["CVE-2026-0001".into(), "CVE-2026-0002".into()];
    let kev = KevCatalog::from_entries([KevEntry {
        cve: "CVE-2026-0002".into(),
        date_added: d("2026-01-09"),
        due_date: d("2026-01-30"),
        vendor_project: "V".into(),
        product: "P".into(),
    }]);
    let s = scans(vec![f], vec![host("10.0.0.8", "2026-01-10", true)]);
    let r = run_with(&Poam::default(), &s, &[], Some(&kev), &Policy::fedramp_rev5(), "2026-01-13");
    let v = item(&r.poam, "V-1");
    assert!(v.kev);
    assert_eq!(v.kev_due_date, Some(d("2026-01-30")));
    // kev_policy earliest: the catalog date is before the 30-day SLA date.
    assert_eq!(v.scheduled_completion_date, Some(d("2026-01-30")));
}

#[test]
fn new_assets_join_or_open_a_new_item_per_policy() {
    let jan = scans(vec![nessus("900", "10.0.0.1", "2026-01-05", 5.0)], vec![host("10.0.0.1", "2026-01-05", true)]);
    let m1 = run(&Poam::default(), &jan, &[], "2026-01-13");
    let feb = scans(
        vec![nessus("900", "10.0.0.1", "2026-02-05", 5.0), nessus("900", "10.0.0.2", "2026-02-05", 5.0)],
        vec![host("10.0.0.1", "2026-02-05", true), host("10.0.0.2", "2026-02-05", true)],
    );
    let join = run(&m1.poam, &feb, &[], "2026-02-13");
    assert_eq!(join.poam.open.len(), 1);
    assert_eq!(item(&join.poam, "V-1").assets.len(), 2);
    assert_eq!(kinds(&join, "V-1"), [ChangeKind::AssetAdded]);
    let mut p = Policy::fedramp_rev5();
    p.new_assets_policy = conmon_core::policy::NewAssetsPolicy::NewItem;
    let split = run_with(&m1.poam, &feb, &[], None, &p, "2026-02-13");
    assert_eq!(split.poam.open.len(), 2);
    assert_eq!(item(&split.poam, "V-2").original_detection_date, d("2026-02-05"));
    assert_eq!(item(&split.poam, "V-2").assets[0].identifier, "10.0.0.2");
}

#[test]
fn a_reappearance_and_a_new_asset_in_the_same_month_make_one_item() {
    // V-101 (12345 on 10.0.0.5) closed 2026-02-20; in June it is back on 10.0.0.5 and also found on
    // 10.0.0.6 for the first time. Outside the window: one new item V-160 carries both assets.
    let previous = closed_v101("2026-02-20");
    let june = scans(
        vec![nessus("12345", "10.0.0.5", "2026-06-15", 8.1), nessus("12345", "10.0.0.6", "2026-06-15", 8.1)],
        vec![host("10.0.0.5", "2026-06-15", true), host("10.0.0.6", "2026-06-15", true)],
    );
    let r = run(&previous, &june, &[], "2026-06-15");
    assert_eq!(r.poam.open.len(), 1, "{:#?}", r.poam.open);
    let v = item(&r.poam, "V-160");
    let ids: Vec<&str> = v.assets.iter().map(|a| a.identifier.as_str()).collect();
    assert_eq!(ids, ["10.0.0.5", "10.0.0.6"]);
    assert_eq!(r.poam.id_high_water, 160);
    assert!(r.placements.iter().all(|p| p.as_deref() == Some("V-160")));
    // Within the window: V-101 reopens and the new asset joins it (join policy).
    let march = scans(
        vec![nessus("12345", "10.0.0.6", "2026-03-12", 8.1), nessus("12345", "10.0.0.5", "2026-03-12", 8.1)],
        vec![host("10.0.0.5", "2026-03-12", true), host("10.0.0.6", "2026-03-12", true)],
    );
    let r = run(&previous, &march, &[], "2026-03-13");
    assert_eq!(r.poam.open.len(), 1, "{:#?}", r.poam.open);
    assert_eq!(item(&r.poam, "V-101").assets.len(), 2);
    assert_eq!(r.poam.id_high_water, 159);
}

#[test]
fn split_by_asset_type_keeps_one_item_per_weakness_and_type() {
    let mut policy = Policy::fedramp_rev5();
    policy.split_by_asset_type = true;
    let mut image = nessus("900", "registry.example/app:1.2", "2026-01-05", 5.0);
    std::sync::Arc::make_mut(&mut image.asset).asset_type = AssetType::Container;
    let jan = scans(
        vec![nessus("900", "10.0.0.1", "2026-01-05", 5.0), image.clone(), nessus("900", "10.0.0.2", "2026-01-06", 5.0)],
        vec![host("10.0.0.1", "2026-01-05", true), host("10.0.0.2", "2026-01-06", true)],
    );
    let m1 = run_with(&Poam::default(), &jan, &[], None, &policy, "2026-01-13");
    assert_eq!(m1.poam.open.len(), 2);
    let os = item(&m1.poam, "V-1");
    assert_eq!(os.asset_type, Some(AssetType::Os));
    assert_eq!(os.assets.len(), 2);
    assert_eq!(os.original_detection_date, d("2026-01-05"));
    let c = item(&m1.poam, "V-2");
    assert_eq!(c.asset_type, Some(AssetType::Container));
    assert_eq!(c.assets[0].identifier, "registry.example/app:1.2");
    // February: a new host joins the OS item, a new image joins the container item.
    let mut image2 = nessus("900", "registry.example/app:1.3", "2026-02-05", 5.0);
    std::sync::Arc::make_mut(&mut image2.asset).asset_type = AssetType::Container;
    let feb = scans(
        vec![
            nessus("900", "10.0.0.1", "2026-02-05", 5.0),
            nessus("900", "10.0.0.2", "2026-02-05", 5.0),
            nessus("900", "10.0.0.3", "2026-02-05", 5.0),
            image,
            image2,
        ],
        vec![
            host("10.0.0.1", "2026-02-05", true),
            host("10.0.0.2", "2026-02-05", true),
            host("10.0.0.3", "2026-02-05", true),
        ],
    );
    let m2 = run_with(&m1.poam, &feb, &[], None, &policy, "2026-02-13");
    assert_eq!(m2.poam.open.len(), 2, "{:#?}", m2.poam.open);
    assert_eq!(item(&m2.poam, "V-1").assets.len(), 3);
    assert_eq!(item(&m2.poam, "V-2").assets.len(), 2);
    assert_eq!(kinds(&m2, "V-1"), [ChangeKind::AssetAdded]);
    assert_eq!(kinds(&m2, "V-2"), [ChangeKind::AssetAdded]);
    // Without the split, the same January scans give one item with three assets.
    let one = run(&Poam::default(), &jan, &[], "2026-01-13");
    assert_eq!(one.poam.open.len(), 1);
    assert_eq!(item(&one.poam, "V-1").assets.len(), 3);
    assert_eq!(item(&one.poam, "V-1").asset_type, None);
}

#[test]
fn informational_findings_are_not_tracked_with_a_reason() {
    let mut info = nessus("19506", "10.0.0.1", "2026-01-05", 0.0);
    info.cvss = Default::default();
    info.scanner_severity = Some(ScannerSeverity::Info);
    let r = run(&Poam::default(), &scans(vec![info], vec![host("10.0.0.1", "2026-01-05", true)]), &[], "2026-01-13");
    assert!(r.poam.open.is_empty());
    assert_eq!(r.placements, [None]);
    assert!(r.not_tracked[0].reason.starts_with("informational"));
}

#[test]
fn untracked_findings_share_their_strings_and_serialise_them_plainly() {
    let info = |plugin: &str, ip: &str| {
        let mut f = nessus(plugin, ip, "2026-01-05", 0.0);
        f.cvss = Default::default();
        f.scanner_severity = Some(ScannerSeverity::Info);
        f
    };
    let findings = vec![info("19506", "10.0.0.1"), info("10180", "10.0.0.1"), info("19506", "10.0.0.2")];
    let hosts = vec![host("10.0.0.1", "2026-01-05", true), host("10.0.0.2", "2026-01-05", true)];
    let r = run(&Poam::default(), &scans(findings, hosts), &[], "2026-01-13");
    let n = &r.not_tracked;
    assert_eq!(n.len(), 3);
    assert!(std::sync::Arc::ptr_eq(&n[0].reason, &n[1].reason), "one reason string for one cause");
    assert!(std::sync::Arc::ptr_eq(&n[0].asset, &n[1].asset), "one asset string per host");
    assert!(!n[0].weakness_key.is_heap_allocated(), "a short weakness key is held inline, with no allocation");
    assert_eq!((&*n[2].asset, &*n[2].weakness_key), ("10.0.0.2", "nessus:19506"));
    let json = serde_json::to_value(&n[2]).unwrap();
    assert_eq!(
        (&json["asset"], &json["weakness_key"]),
        (&serde_json::json!("10.0.0.2"), &serde_json::json!("nessus:19506"))
    );
    assert!(json["reason"].as_str().is_some_and(|s| s.starts_with("informational")));
}

#[test]
fn json_round_trip_is_lossless() {
    let jan = scans(vec![nessus("12345", "10.0.0.5", "2026-01-12", 8.1)], vec![host("10.0.0.5", "2026-01-12", true)]);
    let r = run(&Poam::default(), &jan, &[], "2026-01-13");
    let text = serde_json::to_string(&r).unwrap();
    let back: Reconciliation = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
}

// ---------------------------------------------------------------------------------------------
// The weekly series of the corpus, month over month, against an independent count.

#[test]
fn shared_corpus_weekly_series_keeps_ids_and_closes_what_disappeared() {
    let Some(corpus) = conmon_tests::shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent (the shared corpus is not in this checkout)");
        return;
    };
    let weeks: Vec<ScanSet> = (1..=5)
        .map(|w| {
            conmon_core::ingest::read_path(&corpus.join(format!("nessus/metricsdemo__nessus_scan_week{w}.nessus")))
                .unwrap()
        })
        .collect();
    // The series' scans are not credentialed (plugin 19506 says so): under the default policy
    // nothing may close; with credentialed closure switched off, closures follow the scans.
    let strict = Policy::fedramp_rev5();
    let mut lenient = Policy::fedramp_rev5();
    lenient.closure_requires_credentialed_scan = false;
    series(&weeks, &strict, false);
    series(&weeks, &lenient, true);
}

fn series(weeks: &[ScanSet], policy: &Policy, closes: bool) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut poam = Poam::default();
    let mut ids_by_pair: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut ever: BTreeSet<String> = BTreeSet::new();
    let mut open_pairs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut closures = 0;
    for (n, set) in weeks.iter().enumerate() {
        let week = n + 1;
        let as_of = d("2024-01-01") + chrono::Days::new(7 * week as u64);
        let r = reconcile(&Inputs { previous: &poam, scans: set, deviations: &[], kev: None, policy, as_of }).unwrap();
        // No finding is lost: each is placed on an item or not tracked, exactly once.
        let placed = r.placements.iter().filter(|p| p.is_some()).count();
        assert_eq!(placed + r.not_tracked.len(), set.findings.len(), "week {week}: a finding was lost");
        // Pairs (weakness, host) with a rating, computed here from the raw findings.
        let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
        for (f, p) in set.findings.iter().zip(&r.placements) {
            let rated =
                conmon_core::rating::decide(&f.cvss, f.scanner_severity, &policy.rating_sources).rating.is_some();
            assert_eq!(rated, p.is_some(), "week {week}: {} placement", f.weakness_key);
            if let Some(id) = p {
                let pair = (f.weakness_key.to_string(), f.asset.identifier.clone());
                if let Some(old) = ids_by_pair.get(&pair) {
                    assert_eq!(old.as_str(), &**id, "week {week}: {pair:?} changed ID");
                }
                ids_by_pair.insert(pair.clone(), id.to_string());
                pairs.insert(pair);
            }
        }
        // What disappeared since last week: closed (lenient) or kept and reported (strict).
        for (key, host) in open_pairs.difference(&pairs) {
            let id = &ids_by_pair[&(key.clone(), host.clone())];
            let it = item(&r.poam, id);
            let listed = !it.is_closed() && it.assets.iter().any(|a| a.identifier == *host);
            if closes {
                assert!(!listed, "week {week}: {key} on {host} disappeared but {id} still lists it");
                closures += 1;
            } else {
                assert!(listed, "week {week}: {key} on {host} closed without a credentialed scan");
                assert!(
                    r.not_observed
                        .iter()
                        .any(|o| &o.poam_id == id && &o.asset == host && o.reason == "not_credentialed"),
                    "week {week}: {id} {host} not reported"
                );
            }
        }
        // No ID is reused.
        for c in r.changes.iter().filter(|c| c.kind == ChangeKind::New) {
            assert!(ever.insert(c.poam_id.clone()), "week {week}: {} reused", c.poam_id);
        }
        assert!(check_transition(&poam, &r.poam).is_empty(), "week {week}: {:?}", check_transition(&poam, &r.poam));
        open_pairs = if closes { pairs } else { open_pairs.union(&pairs).cloned().collect() };
        poam = r.poam;
    }
    if closes {
        assert!(closures > 0 && !poam.closed.is_empty(), "the series closes items (week 5 has no Low items)");
    } else {
        assert!(poam.closed.is_empty());
    }
}

#[test]
fn deviations_count_from_their_dates_not_from_the_register_file() {
    let feb = scans(vec![nessus("200", "10.0.0.5", "2026-02-09", 5.9)], vec![host("10.0.0.5", "2026-02-09", true)]);
    let mut ra = dr("DR-1", "V-1", DeviationKind::RiskAdjustment, DeviationStatus::Approved);
    ra.submitted = Some(d("2026-02-10"));
    ra.decided = Some(d("2026-03-02"));
    ra.requested_rating = Some(RiskRating::Low);
    ra.auto_approved = true;
    let mut or = dr("DR-2", "V-1", DeviationKind::OperationalRequirement, DeviationStatus::Pending);
    or.submitted = Some(d("2026-02-20"));
    let register = [ra, or];
    // On 2026-02-13 the RA is submitted but not yet decided; the OR is not yet submitted.
    let m1 = run(&Poam::default(), &feb, &register, "2026-02-13");
    let v = item(&m1.poam, "V-1");
    assert_eq!(v.risk_adjustment, DeviationFlag::Pending);
    assert_eq!(v.effective_risk_rating(), RiskRating::Moderate);
    assert_eq!(v.operational_requirement, DeviationFlag::No);
    // On 2026-03-13 both are known: the RA approved (Low), the OR pending.
    let mar = scans(vec![nessus("200", "10.0.0.5", "2026-03-09", 5.9)], vec![host("10.0.0.5", "2026-03-09", true)]);
    let m2 = run(&m1.poam, &mar, &register, "2026-03-13");
    let v = item(&m2.poam, "V-1");
    assert_eq!(v.risk_adjustment, DeviationFlag::Yes);
    assert_eq!(v.effective_risk_rating(), RiskRating::Low);
    assert_eq!(v.operational_requirement, DeviationFlag::Pending);
    assert!(kinds(&m2, "V-1").contains(&ChangeKind::DeviationChanged));
}

#[test]
fn each_sheet_keeps_last_months_order_and_new_items_follow_in_finding_order() {
    let mut previous = Poam { id_high_water: 110, ..Poam::default() };
    let make = |id: &str, plugin: &str, host: &str, closed: bool| {
        let mut i = PoamItem::new(id, d("2026-01-05"), RiskRating::Moderate);
        i.weakness_source_identifier = plugin.into();
        i.weakness_detector_source = "Nessus".into();
        i.assets = vec![AssetRef::host(host)];
        i.scheduled_completion_date = Some(d("2026-04-05"));
        if closed {
            i.closure = Some(Closure { date: d("2026-01-20"), reason: ClosureReason::Remediated });
        }
        i
    };
    // Deliberately out of ID order: the order is last month's, not a sort. The hosts of the open
    // and configuration items are not scanned this month, so those items stay where they are.
    previous.open = vec![
        make("V-105", "105", "10.9.0.1", false),
        make("V-102", "102", "10.0.0.5", false),
        make("V-110", "110", "10.9.0.2", false),
    ];
    previous.closed = vec![make("V-103", "103", "10.9.0.3", true), make("V-101", "101", "10.9.0.4", true)];
    previous.configuration_findings =
        vec![make("V-107", "107", "10.9.0.5", false), make("V-104", "104", "10.9.0.6", false)];
    let month = scans(
        vec![
            nessus("500", "10.0.0.5", "2026-02-09", 5.0),
            nessus("102", "10.0.0.5", "2026-02-09", 5.0),
            nessus("400", "10.0.0.5", "2026-02-09", 5.0),
        ],
        vec![host("10.0.0.5", "2026-02-09", true)],
    );
    let r = run(&previous, &month, &[], "2026-02-10");
    let ids = |items: &[PoamItem]| items.iter().map(|i| i.poam_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&r.poam.open), ["V-105", "V-102", "V-110", "V-111", "V-112"]);
    assert_eq!(item(&r.poam, "V-111").weakness_source_identifier, "500");
    assert_eq!(item(&r.poam, "V-112").weakness_source_identifier, "400");
    assert_eq!(ids(&r.poam.closed), ["V-103", "V-101"]);
    assert_eq!(ids(&r.poam.configuration_findings), ["V-107", "V-104"]);
    assert_eq!(r.poam.id_high_water, 112);
}

#[test]
fn a_new_item_holds_its_findings_texts_rather_than_copies() {
    let mut f = nessus("100", "10.0.0.1", "2026-01-05", 7.5);
    f.description = "OpenSSL is vulnerable.".into();
    f.solution = Some("Upgrade OpenSSL.".into());
    let set = scans(vec![f], vec![host("10.0.0.1", "2026-01-05", true)]);
    let r = run(&Poam::default(), &set, &[], "2026-01-13");
    let (item, f) = (&r.poam.open[0], &set.findings[0]);
    assert_eq!(
        (&*item.weakness_name, &*item.weakness_description, &*item.overall_remediation_plan),
        ("Plugin 100", "OpenSSL is vulnerable.", "Upgrade OpenSSL.")
    );
    assert!(std::sync::Arc::ptr_eq(&item.weakness_name, &f.name));
    assert!(std::sync::Arc::ptr_eq(&item.weakness_description, &f.description));
    assert!(std::sync::Arc::ptr_eq(&item.overall_remediation_plan, f.solution.as_ref().unwrap()));
    // Serialised as plain strings.
    let json = serde_json::to_value(item).unwrap();
    assert_eq!(json["weakness_description"], "OpenSSL is vulnerable.");
}
