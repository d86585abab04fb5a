//! FedRAMP's Vulnerability Deviation Request Form (`.xlsx`) as a deviation register (R3.3).

use chrono::NaiveDate;
use conmon_core::deviation::{Deviation, DeviationKind, DeviationStatus};
use conmon_core::io::xlsx::read_deviation_form;
use conmon_core::model::RiskRating;
use conmon_tests::shared_corpus;

/// The form's DR sheet headers, row 10, columns A to BE (line breaks as the form has them).
const HEADERS: &[&str] = &[
    "DR Number",
    "POA&M ID",
    "Scan ID",
    "CVE",
    "Assets Impacted",
    "Vulnerability Name",
    "Vulnerability Source",
    "Initial Risk Rating",
    "CVSS Base Score",
    "Original Detection Date",
    "Tool-Provided Vulnerability Description",
    "Tool-Provided Recommeded Action",
    "CSP-Provided Vulnerability Information (Optional)",
    "Type of DR",
    "Requested Risk Rating/Impact ",
    "Adjusted CVSS Score",
    "DR Submission Date",
    "DR Rationale",
    "Evidence Description",
    "List of Evidence Attachments",
    "Operational Impact\r\n Statement",
    "Justification",
    "List of Operational\r\n Requirement Attachments",
    "Attack Vector",
    "Attack Vector Explanation",
    "Attack Complexity",
    "Attack Complexity Explanation",
    "Privileges Required",
    "Privileges Required Explanation",
    "User Interaction",
    "User Interaction Explanation",
    "Impact Metrics: Confidentiality",
    "Impact Metrics: Confidentiality Explanation",
    "Impact Metrics: Integrity",
    "Impact Metrics: Integrity Explanation",
    "Impact Metrics: Availability",
    "Impact Metrics: Availability Explanation",
    "Remediation Level",
    "Remediation Level Explanation",
    "List of Risk Reduction",
    "Additional Information",
    "Deviation Status",
    "Date Submitted to JAB TRs",
    "GSA Review \r\n Status",
    "GSA Reviewer\r\n Name",
    "GSA Status Date",
    "GSA Comments",
    "DOD Review \r\n Status",
    "DOD Reviewer\r\n Name",
    "DOD Status Date",
    "DOD Comments",
    "DHS Review \r\n Status",
    "DHS Reviewer\r\n Name",
    "DHS Status Date",
    "DHS Comments",
    "CSP Comments",
    "3PAO Comments",
];

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A cell: text, or a real Excel date.
enum Cell<'a> {
    Text(&'a str),
    Date(&'a str),
}

/// Writes a workbook laid out like the form: a title and CSP block above, the header on row 10,
/// the guidance row and an example row under it, then `rows` (header name → cell).
fn write_form(path: &std::path::Path, rows: &[Vec<(&str, Cell<'_>)>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().set_name("Instructions").unwrap();
    let ws = wb.add_worksheet().set_name("DR Sheet").unwrap();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("mm/dd/yyyy");
    ws.write_string(0, 0, "FedRAMP DR Request Form").unwrap();
    ws.write_string(1, 0, "CSP Name").unwrap();
    ws.write_string(8, 13, "Deviation Request Summary").unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(9, c as u16, *h).unwrap();
        ws.write_string(10, c as u16, "Text Field").unwrap();
    }
    ws.write_string(11, 0, "1").unwrap();
    ws.write_string(11, 1, "V-1 Example").unwrap();
    ws.write_string(11, 13, "RA").unwrap();
    let col = |name: &str| HEADERS.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name}")) as u16;
    for (i, row) in rows.iter().enumerate() {
        let r = 12 + i as u32;
        for (name, cell) in row {
            match cell {
                Cell::Text(t) => ws.write_string(r, col(name), *t).unwrap(),
                Cell::Date(s) => {
                    let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str(s).unwrap();
                    ws.write_datetime_with_format(r, col(name), &dt, &date_format).unwrap()
                }
            };
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn fedramps_blank_form_reads_as_no_deviations() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    // Its guidance row and two example rows (`V-1 Example`, `V-2 Example`) are not requests.
    let form = corpus.join("poam/fedramp-gov__FedRAMP-Vulnerability-Deviation-Request-Form.xlsx");
    assert_eq!(read_deviation_form(&form).unwrap(), Vec::<Deviation>::new());
}

#[test]
fn a_filled_form_reads_as_the_register_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dr-form.xlsx");
    write_form(
        &path,
        &[
            vec![
                ("DR Number", Cell::Text("DR-2026-001")),
                ("POA&M ID", Cell::Text("V-3")),
                ("Type of DR", Cell::Text("RA")),
                ("Requested Risk Rating/Impact ", Cell::Text("Low")),
                ("DR Submission Date", Cell::Date("2026-02-20")),
                ("DR Rationale", Cell::Text("The database listens only on the private subnet.")),
                ("Evidence Description", Cell::Text("N/A")),
                (
                    "List of Evidence Attachments",
                    Cell::Text("Deviation Request : DR-2026-001.docx\nNetwork diagram : db-subnet.pdf"),
                ),
                ("Deviation Status", Cell::Text("Approved")),
                ("GSA Status Date", Cell::Date("2026-03-01")),
                ("DOD Status Date", Cell::Date("2026-03-02")),
            ],
            vec![
                ("DR Number", Cell::Text("DR-2026-002")),
                ("POA&M ID", Cell::Text("V-2")),
                ("Type of DR", Cell::Text("OR RA")),
                ("Requested Risk Rating/Impact ", Cell::Text("Moderate")),
                ("DR Submission Date", Cell::Text("03/05/2026")),
                ("DR Rationale", Cell::Text("Clients pin the platform CA.")),
                ("Operational Impact\r\n Statement", Cell::Text("Replacing the certificate breaks the health checks.")),
                ("Justification", Cell::Text("Reachable only from the load balancer.")),
                ("List of Operational\r\n Requirement Attachments", Cell::Text("Design note : lb.pdf")),
                ("Deviation Status", Cell::Text("N/A")),
                // A reviewer's date without a decision is not a decision.
                ("GSA Status Date", Cell::Date("2026-03-06")),
            ],
            vec![
                ("DR Number", Cell::Text("3")),
                ("POA&M ID", Cell::Text("V-7")),
                ("Type of DR", Cell::Text("False Positive")),
                ("DR Rationale", Cell::Text("The package is not installed.")),
                ("Evidence Description", Cell::Text("rpm -q output")),
                ("Deviation Status", Cell::Text("withdrawn")),
            ],
            // An empty row between requests, as people leave them.
            vec![],
            vec![("POA&M ID", Cell::Text("V-9")), ("Type of DR", Cell::Text("OR"))],
        ],
    );
    let got = read_deviation_form(&path).unwrap();
    // What the form does not hold stays empty.
    let request = |id: &str, poam_id: &str, kind: DeviationKind, status: DeviationStatus| Deviation {
        id: id.into(),
        poam_id: poam_id.into(),
        kind,
        status,
        submitted: None,
        decided: None,
        requested_rating: None,
        rationale: String::new(),
        evidence: vec![],
        auto_approved: false,
        vendor_product: None,
        last_check_in: None,
        fix_release_date: None,
    };
    let expected = vec![
        Deviation {
            submitted: Some(d("2026-02-20")),
            decided: Some(d("2026-03-02")),
            requested_rating: Some(RiskRating::Low),
            rationale: "The database listens only on the private subnet.".into(),
            evidence: vec!["Deviation Request : DR-2026-001.docx".into(), "Network diagram : db-subnet.pdf".into()],
            ..request("DR-2026-001", "V-3", DeviationKind::RiskAdjustment, DeviationStatus::Approved)
        },
        Deviation {
            submitted: Some(d("2026-03-05")),
            requested_rating: Some(RiskRating::Moderate),
            rationale: "Clients pin the platform CA.\n\nOperational impact: Replacing the certificate breaks the health checks.\n\nJustification: Reachable only from the load balancer.".into(),
            evidence: vec!["Design note : lb.pdf".into()],
            ..request("DR-2026-002", "V-2", DeviationKind::OperationalRequirementRiskAdjustment, DeviationStatus::Pending)
        },
        Deviation {
            rationale: "The package is not installed.\n\nEvidence: rpm -q output".into(),
            ..request("3", "V-7", DeviationKind::FalsePositive, DeviationStatus::Withdrawn)
        },
        request("row 17", "V-9", DeviationKind::OperationalRequirement, DeviationStatus::Pending),
    ];
    assert_eq!(got, expected);
}

#[test]
fn a_bad_cell_of_the_form_is_an_error_at_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for (row, field, column, message) in [
        (vec![("POA&M ID", Cell::Text("V-3")), ("Type of DR", Cell::Text("VD"))], "Type of DR", 14, "not a type of DR"),
        (
            vec![
                ("POA&M ID", Cell::Text("V-3")),
                ("Type of DR", Cell::Text("RA")),
                ("Deviation Status", Cell::Text("Closed")),
            ],
            "Deviation Status",
            42,
            "not a deviation status",
        ),
        (
            vec![
                ("POA&M ID", Cell::Text("V-3")),
                ("Type of DR", Cell::Text("RA")),
                ("Requested Risk Rating/Impact ", Cell::Text("Critical")),
            ],
            "Requested Risk Rating/Impact",
            15,
            "not a FedRAMP risk rating",
        ),
        (
            vec![
                ("POA&M ID", Cell::Text("V-3")),
                ("Type of DR", Cell::Text("RA")),
                ("DR Submission Date", Cell::Text("2026-02-30")),
            ],
            "DR Submission Date",
            17,
            "",
        ),
        (
            vec![("DR Number", Cell::Text("DR-9")), ("Type of DR", Cell::Text("RA"))],
            "POA&M ID",
            2,
            "needs the POA&M ID",
        ),
    ] {
        let path = dir.path().join(format!("{column}.xlsx"));
        write_form(&path, &[row]);
        let e = read_deviation_form(&path).unwrap_err();
        let loc = e.location();
        assert_eq!(loc.sheet.as_deref(), Some("DR Sheet"), "{e}");
        assert_eq!(loc.row, Some(13), "{e}");
        assert_eq!(loc.column, Some(column), "{e}");
        assert_eq!(loc.field.as_deref(), Some(field), "{e}");
        assert!(e.to_string().contains(message), "{e}");
    }
    // Not the form at all.
    let path = dir.path().join("other.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "hello").unwrap();
    wb.save(&path).unwrap();
    assert!(read_deviation_form(&path).unwrap_err().to_string().contains("DR Number"));
}

#[test]
fn the_sample_register_written_on_the_form_reads_back_the_same() {
    let sample = conmon_tests::workspace_root().join("examples/data/monthly");
    let mut register = conmon_core::io::read_deviations_path(&sample.join("deviations.json")).unwrap();
    assert_eq!(register.len(), 2);
    // The form has no auto-approve column (that is the POA&M's column AA).
    for r in &mut register {
        r.auto_approved = false;
    }
    let kind = |k: DeviationKind| match k {
        DeviationKind::FalsePositive => "FP",
        DeviationKind::RiskAdjustment => "RA",
        DeviationKind::OperationalRequirement => "OR",
        DeviationKind::OperationalRequirementRiskAdjustment => "OR RA",
        DeviationKind::VendorDependency => unreachable!("a vendor dependency is not a DR"),
    };
    let status = |s: DeviationStatus| match s {
        DeviationStatus::Pending => "Pending",
        DeviationStatus::Approved => "Approved",
        DeviationStatus::Rejected => "Rejected",
        DeviationStatus::Withdrawn => "Withdrawn",
    };
    let texts: Vec<[String; 5]> = register
        .iter()
        .map(|r| {
            [
                r.requested_rating.map(|x| x.to_string()).unwrap_or_default(),
                r.submitted.map(|x| x.to_string()).unwrap_or_default(),
                r.decided.map(|x| x.to_string()).unwrap_or_default(),
                r.evidence.join("\n"),
                kind(r.kind).to_string(),
            ]
        })
        .collect();
    let rows: Vec<Vec<(&str, Cell<'_>)>> = register
        .iter()
        .zip(&texts)
        .map(|(r, [rating, submitted, decided, evidence, kind])| {
            let mut row = vec![
                ("DR Number", Cell::Text(r.id.as_str())),
                ("POA&M ID", Cell::Text(r.poam_id.as_str())),
                ("Type of DR", Cell::Text(kind.as_str())),
                ("Requested Risk Rating/Impact ", Cell::Text(rating.as_str())),
                ("DR Submission Date", Cell::Date(submitted.as_str())),
                ("DR Rationale", Cell::Text(r.rationale.as_str())),
                ("List of Evidence Attachments", Cell::Text(evidence.as_str())),
                ("Deviation Status", Cell::Text(status(r.status))),
            ];
            if !decided.is_empty() {
                row.push(("DHS Status Date", Cell::Date(decided.as_str())));
            }
            row
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deviations.xlsx");
    write_form(&path, &rows);
    assert_eq!(conmon_core::io::read_deviations_path(&path).unwrap(), register);
}

/// The committed fixture `tests/fixtures/deviations/dr-form.xlsx`, which the Python and Node tests
/// read too: the form with the sample register's two requests and a withdrawn false positive.
/// Regenerate with `cargo test -p conmon-tests --test integration -- --ignored write_the_dr_form_fixture`.
fn fixture_rows() -> Vec<Vec<(&'static str, Cell<'static>)>> {
    vec![
        vec![
            ("DR Number", Cell::Text("DR-2026-001")),
            ("POA&M ID", Cell::Text("V-3")),
            ("Type of DR", Cell::Text("RA")),
            ("Requested Risk Rating/Impact ", Cell::Text("Low")),
            ("DR Submission Date", Cell::Date("2026-02-20")),
            ("DR Rationale", Cell::Text("The database listens only on the private subnet.")),
            ("List of Evidence Attachments", Cell::Text("Deviation Request : DR-2026-001.docx")),
            ("Deviation Status", Cell::Text("Approved")),
            ("GSA Status Date", Cell::Date("2026-03-02")),
        ],
        vec![
            ("DR Number", Cell::Text("DR-2026-002")),
            ("POA&M ID", Cell::Text("V-2")),
            ("Type of DR", Cell::Text("OR")),
            ("DR Submission Date", Cell::Date("2026-03-05")),
            ("DR Rationale", Cell::Text("Clients pin the platform CA.")),
            ("Deviation Status", Cell::Text("Pending")),
        ],
        vec![
            ("DR Number", Cell::Text("DR-2026-003")),
            ("POA&M ID", Cell::Text("V-1")),
            ("Type of DR", Cell::Text("FP")),
            ("DR Rationale", Cell::Text("The package is not installed.")),
            ("Deviation Status", Cell::Text("Withdrawn")),
        ],
    ]
}

#[test]
#[ignore = "writes the committed fixture; run by hand"]
fn write_the_dr_form_fixture() {
    let dir = conmon_tests::workspace_root().join("tests/fixtures/deviations");
    std::fs::create_dir_all(&dir).unwrap();
    write_form(&dir.join("dr-form.xlsx"), &fixture_rows());
    let register = read_deviation_form(&dir.join("dr-form.xlsx")).unwrap();
    std::fs::write(dir.join("dr-form.expected.json"), serde_json::to_string_pretty(&register).unwrap() + "\n").unwrap();
}

#[test]
fn the_committed_form_fixture_reads_as_its_expected_register() {
    let dir = conmon_tests::workspace_root().join("tests/fixtures/deviations");
    let expected: Vec<Deviation> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dr-form.expected.json")).unwrap()).unwrap();
    assert_eq!(read_deviation_form(&dir.join("dr-form.xlsx")).unwrap(), expected);
    assert_eq!(expected.len(), 3);
    assert_eq!(expected[0].decided, Some(d("2026-03-02")));
    // And a fresh copy written the same way reads the same: the fixture is what the code writes.
    let tmp = tempfile::tempdir().unwrap();
    write_form(&tmp.path().join("f.xlsx"), &fixture_rows());
    assert_eq!(read_deviation_form(&tmp.path().join("f.xlsx")).unwrap(), expected);
}

#[test]
fn the_hostile_workbooks_are_refused_as_forms_too() {
    // The form goes through the same archive checks as the POA&M and inventory workbooks.
    let dir = conmon_tests::workspace_root().join("tests/fixtures/hostile");
    for (file, contains) in [("zip-bomb.xlsx", "zip bomb"), ("declared-2gb.xlsx", "declares 2147483648 bytes")] {
        let e = read_deviation_form(&dir.join(file)).unwrap_err();
        assert_eq!(e.code(), "limit_exceeded", "{file}: {e}");
        assert!(e.to_string().contains(contains), "{file}: {e}");
    }
}
