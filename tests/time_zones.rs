//! Policy option `time_zone`: the zone in which scan instants become detection and scan dates.
//! Real scanner text in, dates and deadlines out, for each way a scanner writes a time.

use chrono::NaiveDate;
use conmon_core::Policy;
use conmon_core::ingest::{ScanSet, read_bytes};
use conmon_core::model::PoamItem;
use conmon_core::reconcile::reconcile_month;
use conmon_core::validate::{Package, validate};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn policy(zone: &str) -> Policy {
    Policy::from_toml_str(&format!("time_zone = \"{zone}\"\n"), "policy.toml").unwrap()
}

/// One host, one High plugin (CVSS v3 8.1), with the given host-property tags.
fn nessus(tags: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"tz\">\
         <ReportHost name=\"10.0.0.5\"><HostProperties>{tags}\
         <tag name=\"Credentialed_Scan\">true</tag></HostProperties>\
         <ReportItem port=\"443\" svc_name=\"www\" protocol=\"tcp\" severity=\"3\" pluginID=\"190854\" \
         pluginName=\"OpenSSL\" pluginFamily=\"General\"><risk_factor>High</risk_factor>\
         <cvss3_base_score>8.1</cvss3_base_score></ReportItem></ReportHost></Report></NessusClientData_v2>\n"
    )
    .into_bytes()
}

fn only_item(scans: &ScanSet, policy: &Policy, as_of: &str) -> PoamItem {
    let r = reconcile_month(None, scans, &[], None, policy, d(as_of)).unwrap();
    let items: Vec<_> = r.poam.items().cloned().collect();
    assert_eq!(items.len(), 1, "{items:?}");
    items.into_iter().next().unwrap()
}

fn dates(item: &PoamItem) -> (String, String) {
    (
        item.original_detection_date.to_string(),
        item.scheduled_completion_date.map(|d| d.to_string()).unwrap_or_default(),
    )
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn an_evening_nessus_scan_in_new_york_is_detected_that_evening_with_the_zone_set() {
    // HOST_END_TIMESTAMP 1770688800 = 2026-02-10T02:00:00Z = 21:00 EST on 9 February.
    let scans = read_bytes(
        &nessus(
            "<tag name=\"HOST_START_TIMESTAMP\">1770685200</tag><tag name=\"HOST_END_TIMESTAMP\">1770688800</tag>\
             <tag name=\"HOST_END\">Mon Feb  9 21:00:00 2026</tag>",
        ),
        "evening.nessus",
    )
    .unwrap();
    assert!(!scans.findings[0].zoneless_times);
    // UTC (the default): detected 10 February, High: due 30 days later, 12 March.
    assert_eq!(dates(&only_item(&scans, &Policy::fedramp_rev5(), "2026-02-12")), pair("2026-02-10", "2026-03-12"));
    // New York: detected 9 February, due 11 March, one day earlier.
    let ny = policy("America/New_York");
    assert_eq!(dates(&only_item(&scans, &ny, "2026-02-12")), pair("2026-02-09", "2026-03-11"));
    // A fixed offset says the same in winter.
    assert_eq!(dates(&only_item(&scans, &policy("-05:00"), "2026-02-12")), pair("2026-02-09", "2026-03-11"));
    // East of UTC nothing moves: 02:00Z is 07:30 on the 10th in India.
    assert_eq!(dates(&only_item(&scans, &policy("Asia/Kolkata"), "2026-02-12")), pair("2026-02-10", "2026-03-12"));
}

#[test]
fn a_nessus_scan_with_only_wall_clock_text_keeps_the_date_it_shows_in_every_zone() {
    // No epochs: HOST_END is the scanner's local time with no zone, 02:00 on 10 February.
    let scans = read_bytes(
        &nessus(
            "<tag name=\"HOST_START\">Tue Feb 10 01:00:00 2026</tag><tag name=\"HOST_END\">Tue Feb 10 02:00:00 2026</tag>",
        ),
        "text-only.nessus",
    )
    .unwrap();
    assert!(scans.findings[0].zoneless_times);
    assert!(scans.context.hosts[0].zoneless_times);
    for zone in ["UTC", "America/New_York", "America/Los_Angeles", "+09:00"] {
        assert_eq!(dates(&only_item(&scans, &policy(zone), "2026-02-12")), pair("2026-02-10", "2026-03-12"), "{zone}");
    }
}

#[test]
fn with_either_epoch_present_the_nessus_text_times_are_not_mixed_in() {
    // Start epoch only (2026-02-10T04:30:00Z, 23:30 EST on the 9th); the end text is ignored.
    let scans = read_bytes(
        &nessus(
            "<tag name=\"HOST_START_TIMESTAMP\">1770697800</tag><tag name=\"HOST_END\">Wed Feb 11 09:00:00 2026</tag>",
        ),
        "start-epoch.nessus",
    )
    .unwrap();
    let host = &scans.context.hosts[0];
    assert!(!host.zoneless_times);
    assert_eq!(host.scan_end, None);
    assert_eq!(host.scan_start.map(|t| t.to_rfc3339()).as_deref(), Some("2026-02-10T04:30:00+00:00"));
    let ny = policy("America/New_York");
    assert_eq!(dates(&only_item(&scans, &ny, "2026-02-12")), pair("2026-02-09", "2026-03-11"));
}

#[test]
fn xccdf_times_with_an_offset_move_with_the_zone_and_times_without_one_do_not() {
    let doc = |end: &str| {
        format!(
            "<?xml version=\"1.0\"?><Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\">\
             <Rule id=\"r1\" severity=\"high\"><title>One</title></Rule>\
             <TestResult id=\"t\" start-time=\"{end}\" end-time=\"{end}\"><target>box</target>\
             <rule-result idref=\"r1\"><result>fail</result></rule-result></TestResult></Benchmark>"
        )
    };
    let la = policy("America/Los_Angeles");
    // 2026-05-01T03:00:00Z is 20:00 PDT on 30 April. XCCDF "high" is a High finding: 30 days.
    let zoned = read_bytes(doc("2026-05-01T03:00:00Z").as_bytes(), "zoned.xml").unwrap();
    assert!(!zoned.findings[0].zoneless_times);
    assert_eq!(dates(&only_item(&zoned, &Policy::fedramp_rev5(), "2026-05-02")), pair("2026-05-01", "2026-05-31"));
    assert_eq!(dates(&only_item(&zoned, &la, "2026-05-02")), pair("2026-04-30", "2026-05-30"));
    // The same wall-clock text without an offset is the scanner's own date.
    let zoneless = read_bytes(doc("2026-05-01T03:00:00").as_bytes(), "zoneless.xml").unwrap();
    assert!(zoneless.findings[0].zoneless_times);
    assert!(zoneless.context.hosts[0].zoneless_times);
    assert_eq!(dates(&only_item(&zoneless, &la, "2026-05-02")), pair("2026-05-01", "2026-05-31"));
}

#[test]
fn tenable_csv_first_discovered_in_eastern_time_is_dated_in_the_policys_zone() {
    // "Feb 9, 2026 21:30:00 EST" is 02:30Z on the 10th. CVSS v3 9.8: High.
    let csv = "Plugin,Plugin Name,Family,Severity,IP Address,Protocol,Port,First Discovered,Last Observed,CVSS V3 Base Score\n\
               190854,OpenSSL,General,Critical,10.0.0.7,TCP,443,\"Feb 9, 2026 21:30:00 EST\",\"Feb 11, 2026 08:00:00 EST\",9.8\n";
    let scans = read_bytes(csv.as_bytes(), "sc.csv").unwrap();
    assert!(!scans.findings[0].zoneless_times);
    assert_eq!(dates(&only_item(&scans, &Policy::fedramp_rev5(), "2026-02-12")), pair("2026-02-10", "2026-03-12"));
    assert_eq!(dates(&only_item(&scans, &policy("US/Eastern"), "2026-02-12")), pair("2026-02-09", "2026-03-11"));
}

/// How many `package.scan_outside_period` errors validation reports for a POA&M dated `as_of`.
fn scans_outside_period(scans: &ScanSet, policy: &Policy, as_of: &str) -> usize {
    let r = reconcile_month(None, scans, &[], None, policy, d(as_of)).unwrap();
    validate(&Package {
        poam: &r.poam,
        poam_file: "poam.json",
        import: None,
        previous: None,
        scans: Some(scans),
        inventory: None,
        inventory_file: "",
        policy,
        as_of: d(as_of),
    })
    .iter()
    .filter(|i| i.code == "package.scan_outside_period")
    .count()
}

#[test]
fn the_scan_period_check_dates_scans_in_the_policys_zone() {
    // The POA&M is dated 12 March: the period is 12 February to 12 March.
    // 1770865200 = 2026-02-12T03:00:00Z: 12 February in UTC (in the period), 22:00 on 11
    // February in New York (outside it).
    let scans = read_bytes(&nessus("<tag name=\"HOST_END_TIMESTAMP\">1770865200</tag>"), "edge.nessus").unwrap();
    assert_eq!(scans_outside_period(&scans, &Policy::fedramp_rev5(), "2026-03-12"), 0);
    assert_eq!(scans_outside_period(&scans, &policy("America/New_York"), "2026-03-12"), 1);
    // 1770951600 = 2026-02-13T03:00:00Z is 12 February in New York: in the period either way.
    let later = read_bytes(&nessus("<tag name=\"HOST_END_TIMESTAMP\">1770951600</tag>"), "later.nessus").unwrap();
    assert_eq!(scans_outside_period(&later, &policy("America/New_York"), "2026-03-12"), 0);
}

/// The detection date of the item that the first finding of `scans` joined.
fn first_finding_detected(scans: &ScanSet, policy: &Policy, as_of: &str) -> String {
    let r = reconcile_month(None, scans, &[], None, policy, d(as_of)).unwrap();
    let id = r.placements[0].clone().expect("the first finding is on an item");
    r.poam.items().find(|i| *i.poam_id == *id).unwrap().original_detection_date.to_string()
}

#[test]
fn inspector2_first_observed_times_move_with_the_zone_unless_written_without_one() {
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ingest/inspector2.json"),
    )
    .unwrap();
    let with = |first: &str| {
        let doc = fixture.replace(
            "\"firstObservedAt\": \"2024-02-02T16:30:33.045000+01:00\"",
            &format!("\"firstObservedAt\": \"{first}\""),
        );
        assert_ne!(doc, fixture);
        read_bytes(doc.as_bytes(), "inspector2.json").unwrap()
    };
    let ny = policy("America/New_York");
    // 03:30Z on 2 February is 22:30 EST on 1 February.
    let zoned = with("2024-02-02T03:30:00Z");
    assert!(!zoned.findings[0].zoneless_times);
    assert_eq!(first_finding_detected(&zoned, &Policy::fedramp_rev5(), "2024-06-15"), "2024-02-02");
    assert_eq!(first_finding_detected(&zoned, &ny, "2024-06-15"), "2024-02-01");
    // An offset without a colon is an offset too.
    assert_eq!(
        first_finding_detected(&with("2024-02-01 22:30:00 -0500"), &Policy::fedramp_rev5(), "2024-06-15"),
        "2024-02-02"
    );
    let zoneless = with("2024-02-02T03:30:00");
    assert!(zoneless.findings[0].zoneless_times);
    assert_eq!(first_finding_detected(&zoneless, &ny, "2024-06-15"), "2024-02-02");
}

#[test]
fn asff_first_observed_times_move_with_the_zone() {
    let fixture =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ingest/asff.json"))
            .unwrap();
    let doc = fixture.replacen(
        "\"FirstObservedAt\": \"2024-01-10T00:00:00Z\"",
        "\"FirstObservedAt\": \"2024-01-10T04:59:59Z\"",
        1,
    );
    assert_ne!(doc, fixture);
    let scans = read_bytes(doc.as_bytes(), "asff.json").unwrap();
    // 04:59:59Z on 10 January is 23:59:59 EST on the 9th.
    assert_eq!(first_finding_detected(&scans, &Policy::fedramp_rev5(), "2024-03-02"), "2024-01-10");
    assert_eq!(first_finding_detected(&scans, &policy("America/New_York"), "2024-03-02"), "2024-01-09");
}
