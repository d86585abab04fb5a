//! The hostile-input suite: inputs built to hurt a parser (entity expansion, external entities,
//! deep nesting, zip bombs, lying length fields, invalid UTF-8, NUL bytes, unbalanced quotes,
//! absurd dates). Each must give a clear error, with its code and location, in bounded time and
//! memory. The files live in `tests/fixtures/hostile/` with `cases.json`, which the Python and
//! Node suites read too; this module generates them (`CONMON_UPDATE_FIXTURES=1`) and checks that
//! the committed copies are current. The CLI test `hostile_inputs_under_a_memory_limit` runs the
//! same cases in a child process under `ulimit -v`.

use std::io::Write;
use std::time::{Duration, Instant};

use conmon_tests::fixture;
use serde_json::{Value, json};

/// One case: file name, what reads it (`scan`, `poam` or `policy`), expected error code, and a text the
/// message must contain.
struct Case {
    file: &'static str,
    reader: &'static str,
    code: &'static str,
    contains: &'static str,
    why: &'static str,
    bytes: Vec<u8>,
}

const NESSUS_HEAD: &str = "<?xml version=\"1.0\" ?>\n";

fn nessus_body(plugin_output: &str) -> String {
    format!(
        "<NessusClientData_v2>\n<Report name=\"hostile\">\n<ReportHost name=\"10.0.0.1\"><HostProperties>\n\
         <tag name=\"HOST_END\">Thu Mar 12 10:14:03 2026</tag>\n<tag name=\"Credentialed_Scan\">true</tag>\n\
         </HostProperties>\n<ReportItem port=\"443\" svc_name=\"www\" protocol=\"tcp\" severity=\"3\" pluginID=\"190854\" \
         pluginName=\"OpenSSL\" pluginFamily=\"General\">\n<risk_factor>High</risk_factor>\n\
         <plugin_output>{plugin_output}</plugin_output>\n</ReportItem>\n</ReportHost>\n</Report>\n</NessusClientData_v2>\n"
    )
}

/// A zip archive shaped like an xlsx workbook with the given sheet XML, deflated.
fn workbook_zip(sheet: &dyn Fn(&mut dyn Write)) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .large_file(false);
        z.start_file("[Content_Types].xml", o).unwrap();
        z.write_all(
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        )
        .unwrap();
        z.start_file("xl/workbook.xml", o).unwrap();
        z.write_all(b"<?xml version=\"1.0\"?><workbook><sheets><sheet name=\"Open POA&amp;M Items\" sheetId=\"1\"/></sheets></workbook>")
            .unwrap();
        z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        sheet(&mut z);
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// Overwrites the uncompressed-size field of the last entry, in its local header and in the
/// central directory, with `size`.
fn declare_size(zip: &mut [u8], size: u32) {
    let find_last = |sig: [u8; 4], zip: &[u8]| zip.windows(4).rposition(|w| w == sig).unwrap();
    let central = find_last([0x50, 0x4b, 0x01, 0x02], zip);
    let local_offset = u32::from_le_bytes(zip[central + 42..central + 46].try_into().unwrap()) as usize;
    zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
    zip[local_offset + 22..local_offset + 26].copy_from_slice(&size.to_le_bytes());
}

fn poam_json(detected: &str, scheduled: &str) -> Vec<u8> {
    format!(
        "{{\"open\": [\n  {{\"poam_id\": \"V-1\", \"original_detection_date\": \"{detected}\",\n   \
         \"scheduled_completion_date\": \"{scheduled}\", \"original_risk_rating\": \"high\"}}\n]}}\n"
    )
    .into_bytes()
}

fn cases() -> Vec<Case> {
    let good_csv = "Plugin ID,CVE,Risk,Host,Protocol,Port,Name,First Discovered\n";
    vec![
        Case {
            file: "billion-laughs.nessus",
            reader: "scan",
            code: "parse_error",
            contains: "entity",
            why: "XML entity expansion: ten levels of ten references (10^9 copies if expanded)",
            bytes: {
                let mut doctype = String::from("<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n");
                for i in 1..10 {
                    let refs = format!("&lol{};", i - 1).repeat(10);
                    doctype.push_str(&format!("<!ENTITY lol{i} \"{refs}\">\n"));
                }
                doctype.push_str("]>\n");
                format!("{NESSUS_HEAD}{doctype}{}", nessus_body("&lol9;")).into_bytes()
            },
        },
        Case {
            file: "external-entity.nessus",
            reader: "scan",
            code: "parse_error",
            contains: "entity",
            why: "XML external entity: a SYSTEM entity naming /etc/passwd must never be read",
            bytes: format!(
                "{NESSUS_HEAD}<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n{}",
                nessus_body("&xxe;")
            )
            .into_bytes(),
        },
        Case {
            file: "deep-nesting.json",
            reader: "poam",
            code: "invalid_value",
            contains: "invalid type",
            why: "a POA&M whose open items nest 10,000 arrays deep",
            bytes: format!("{{\"open\": [{}{}]}}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        },
        Case {
            file: "deep-nesting-scan.json",
            reader: "scan",
            code: "invalid_value",
            contains: "invalid type",
            why: "an Inspector2 export whose findings nest 10,000 arrays deep",
            bytes: format!("{{\"findings\": [{}{}]}}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        },
        Case {
            file: "deep-nesting-policy.json",
            reader: "policy",
            code: "parse_error",
            contains: "recursion limit",
            why: "a policy file with a value nested 10,000 arrays deep",
            bytes: format!("{{\"preset\": \"fedramp_rev5\",\n \"x\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000))
                .into_bytes(),
        },
        Case {
            file: "zip-bomb.xlsx",
            reader: "poam",
            code: "limit_exceeded",
            contains: "zip bomb",
            why: "a workbook whose sheet inflates from about 130 KB to 128 MiB (one cell of 128 MiB)",
            bytes: workbook_zip(&|w| {
                w.write_all(b"<?xml version=\"1.0\"?><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>").unwrap();
                let block = vec![b'A'; 1 << 20];
                for _ in 0..128 {
                    w.write_all(&block).unwrap();
                }
                w.write_all(b"</t></is></c></row>").unwrap();
                w.write_all(b"</sheetData></worksheet>").unwrap();
            }),
        },
        Case {
            file: "declared-2gb.xlsx",
            reader: "poam",
            code: "limit_exceeded",
            contains: "declares 2147483648 bytes",
            why: "a workbook part whose length fields declare 2 GiB uncompressed",
            bytes: {
                let mut z = workbook_zip(&|w| {
                    w.write_all(b"<?xml version=\"1.0\"?><worksheet><sheetData/></worksheet>").unwrap();
                });
                declare_size(&mut z, 1 << 31);
                z
            },
        },
        Case {
            file: "invalid-utf8.nessus",
            reader: "scan",
            code: "parse_error",
            contains: "UTF-8",
            why: "Latin-1 bytes in a plugin output",
            bytes: {
                let mut b = format!("{NESSUS_HEAD}{}", nessus_body("caf\u{1}")).into_bytes();
                let at = b.iter().position(|&c| c == 1).unwrap();
                b[at] = 0xE9;
                b
            },
        },
        Case {
            file: "invalid-utf8.csv",
            reader: "scan",
            code: "parse_error",
            contains: "UTF-8",
            why: "a Tenable CSV row with bytes that are not UTF-8",
            bytes: {
                let mut b = format!("{good_csv}190854,CVE-2024-1,High,10.0.0.1,tcp,443,OpenSSL caf\u{1},2026-03-01\n").into_bytes();
                let at = b.iter().position(|&c| c == 1).unwrap();
                b[at] = 0xE9;
                b
            },
        },
        Case {
            file: "nul-bytes.nessus",
            reader: "scan",
            code: "parse_error",
            contains: "NUL",
            why: "NUL bytes inside an element (not allowed in XML 1.0)",
            bytes: format!("{NESSUS_HEAD}{}", nessus_body("before\0after")).into_bytes(),
        },
        Case {
            file: "nul-bytes.json",
            reader: "poam",
            code: "parse_error",
            contains: "control character",
            why: "a NUL byte inside a JSON string",
            bytes: b"{\"open\": [{\"poam_id\": \"V-\0\", \"original_detection_date\": \"2026-01-01\", \"original_risk_rating\": \"high\"}]}".to_vec(),
        },
        Case {
            file: "unbalanced-quotes.csv",
            reader: "scan",
            code: "parse_error",
            contains: "quote",
            why: "a CSV field opened with a quote that never closes",
            bytes: format!("{good_csv}190854,CVE-2024-1,High,10.0.0.1,tcp,443,\"OpenSSL,2026-03-01\n190855,,Low,10.0.0.2,tcp,22,SSH,2026-03-01\n")
                .into_bytes(),
        },
        Case {
            file: "year-0.json",
            reader: "poam",
            code: "invalid_value",
            contains: "outside the dates conmon accepts",
            why: "an original detection date in year 0",
            bytes: poam_json("0000-01-01", "2026-02-01"),
        },
        Case {
            file: "year-9999.json",
            reader: "poam",
            code: "invalid_value",
            contains: "outside the dates conmon accepts",
            why: "a scheduled completion date of 9999-12-31",
            bytes: poam_json("2026-01-01", "9999-12-31"),
        },
        Case {
            file: "feb-30.json",
            reader: "poam",
            code: "invalid_value",
            contains: "2026-02-30",
            why: "February 30",
            bytes: poam_json("2026-02-30", "2026-03-01"),
        },
        Case {
            file: "feb-30.csv",
            reader: "scan",
            code: "invalid_value",
            contains: "2026-02-30",
            why: "a scan finding first discovered on February 30",
            bytes: format!("{good_csv}190854,CVE-2024-1,High,10.0.0.1,tcp,443,OpenSSL,2026-02-30\n").into_bytes(),
        },
        Case {
            file: "year-0.csv",
            reader: "scan",
            code: "invalid_value",
            contains: "0000-03-01",
            why: "a scan finding first discovered in year 0",
            bytes: format!("{good_csv}190854,CVE-2024-1,High,10.0.0.1,tcp,443,OpenSSL,0000-03-01\n").into_bytes(),
        },
    ]
}

fn manifest(cases: &[Case]) -> Value {
    Value::Array(
        cases
            .iter()
            .map(|c| json!({"file": c.file, "reader": c.reader, "code": c.code, "contains": c.contains, "why": c.why}))
            .collect(),
    )
}

#[test]
fn hostile_fixtures_are_current() {
    let cases = cases();
    let dir = fixture("hostile");
    let manifest_text = serde_json::to_string_pretty(&manifest(&cases)).unwrap() + "\n";
    if std::env::var_os("CONMON_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cases.json"), &manifest_text).unwrap();
        for c in &cases {
            std::fs::write(dir.join(c.file), &c.bytes).unwrap();
        }
    }
    assert_eq!(std::fs::read_to_string(dir.join("cases.json")).unwrap(), manifest_text, "cases.json is stale");
    for c in &cases {
        let on_disk = std::fs::read(dir.join(c.file)).unwrap();
        assert!(on_disk == c.bytes, "{} is stale: run CONMON_UPDATE_FIXTURES=1 cargo test -p conmon-tests", c.file);
    }
}

/// Reads a hostile file the way the monthly job does.
pub fn read(reader: &str, path: &std::path::Path) -> conmon_core::Result<usize> {
    match reader {
        "scan" => conmon_core::ingest::read_path(path).map(|s| s.findings.len()),
        "poam" => conmon_core::io::read_poam_path(path).map(|(p, _)| p.items().count()),
        "policy" => conmon_core::Policy::load(path).map(|_| 1),
        other => panic!("unknown reader {other}"),
    }
}

#[test]
fn every_hostile_input_gives_a_clear_located_error_quickly() {
    let cases: Value = serde_json::from_str(&std::fs::read_to_string(fixture("hostile/cases.json")).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 15);
    let mut failures = Vec::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let path = fixture(&format!("hostile/{file}"));
        let start = Instant::now();
        let result = read(case["reader"].as_str().unwrap(), &path);
        let took = start.elapsed();
        if let Err(problem) = check(case, &path, result, took) {
            failures.push(format!("{file}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check(
    case: &Value,
    path: &std::path::Path,
    result: conmon_core::Result<usize>,
    took: Duration,
) -> Result<(), String> {
    let e = match result {
        Ok(n) => return Err(format!("read {n} records instead of failing")),
        Err(e) => e,
    };
    if e.code() != case["code"].as_str().unwrap() {
        return Err(format!("code {} (expected {}): {e}", e.code(), case["code"]));
    }
    let contains = case["contains"].as_str().unwrap();
    if !e.to_string().contains(contains) {
        return Err(format!("`{e}` does not say `{contains}`"));
    }
    // The location names the file, and a line, a row or a field inside it.
    let l = e.location();
    if l.file.as_deref() != Some(path.display().to_string().as_str()) {
        return Err(format!("the location does not name the file: {e}"));
    }
    if l.line.is_none() && l.row.is_none() && l.field.is_none() {
        return Err(format!("no position in {e}"));
    }
    if e.to_string().contains("root:") {
        return Err("an external entity was read".into());
    }
    if took > Duration::from_secs(5) {
        return Err(format!("took {took:?}"));
    }
    Ok(())
}
