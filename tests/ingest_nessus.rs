//! Nessus v2 ingestion: the project's own fixtures (every field, malformed inputs with their
//! error codes and locations), and the shared corpus checked against an independent reading.

use std::collections::BTreeSet;

use conmon_core::ingest::{read_bytes, read_path};
use conmon_core::model::{FindingKind, ScannerSeverity};
use conmon_tests::{fixture, shared_corpus};

#[test]
fn two_hosts_fixture_reads_every_field() {
    let set = read_path(&fixture("nessus/two-hosts.nessus")).unwrap();
    assert_eq!(set.context.hosts.len(), 2);
    assert_eq!(set.findings.len(), 5);
    let h0 = &set.context.hosts[0];
    assert_eq!((h0.identifier.as_str(), h0.fqdn.as_deref()), ("10.0.0.5", Some("app01.example.gov")));
    assert_eq!(h0.credentialed, Some(true));
    assert_eq!(h0.scan_end.map(|t| t.to_rfc3339()), Some("2026-02-13T12:00:00+00:00".to_string()));
    let h1 = &set.context.hosts[1];
    assert_eq!((h1.identifier.as_str(), h1.credentialed), ("10.0.0.6", Some(false)));
    assert_eq!(h1.credentialed_evidence.as_deref(), Some("plugin 19506 (Credentialed checks)"));
    assert_eq!(h1.scan_start.map(|t| t.to_rfc3339()), Some("2026-02-13T09:00:00+00:00".to_string()));

    let ssl = set.findings.iter().find(|f| f.scanner_id == "190854").unwrap();
    assert_eq!(&*ssl.name, "OpenSSL 3.0.x < 3.0.13 Multiple Vulnerabilities");
    assert_eq!(ssl.weakness_key, "nessus:190854");
    assert_eq!(ssl.cves, ["CVE-2024-0727", "CVE-2023-6237"]);
    assert_eq!(ssl.cwes, ["CWE-400"]);
    assert_eq!(
        ssl.cvss.v3.as_ref().map(|c| (c.base_score, c.vector.as_deref())),
        Some((8.1, Some("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H")))
    );
    assert_eq!(ssl.cvss.v2.as_ref().map(|c| c.base_score), Some(7.5));
    assert_eq!((ssl.port, ssl.protocol.as_deref(), ssl.service.as_deref()), (Some(443), Some("tcp"), Some("www")));
    assert_eq!(ssl.scanner_severity, Some(ScannerSeverity::High));
    assert_eq!(ssl.see_also.len(), 2);
    assert_eq!(ssl.evidence.as_deref(), Some("Installed version : 3.0.7 <tag-like text>"));
    assert_eq!(ssl.vuln_published.map(|d| d.to_string()), Some("2024-01-25".to_string()));
    assert_eq!(ssl.exploit_available, Some(false));

    let cis = set.findings.iter().find(|f| f.scanner_id == "1001").unwrap();
    assert_eq!(cis.kind, FindingKind::Configuration);
    assert_eq!(cis.weakness_key, "nessus-compliance:1001:a1b2c3");
    let ssh = set.findings.iter().find(|f| f.scanner_id == "201100").unwrap();
    assert_eq!((ssh.scanner_severity, ssh.asset.identifier.as_str()), (Some(ScannerSeverity::Critical), "10.0.0.6"));
    assert!(set.findings.iter().any(|f| f.evidence.as_deref().is_some_and(|e| e.contains("as 'nessus' via ssh"))));
}

#[test]
fn the_weakness_key_ignores_volatile_text() {
    let base = std::fs::read_to_string(fixture("nessus/two-hosts.nessus")).unwrap();
    let changed = base.replace("Installed version : 3.0.7", "Installed version : 3.0.8 (rescanned)");
    let a = read_bytes(base.as_bytes(), "a").unwrap();
    let b = read_bytes(changed.as_bytes(), "b").unwrap();
    let keys = |s: &conmon_core::ingest::ScanSet| s.findings.iter().map(|f| f.weakness_key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
}

fn err_of(text: &str) -> conmon_core::Error {
    read_bytes(text.as_bytes(), "bad.nessus").unwrap_err()
}

#[test]
fn malformed_inputs_give_located_errors() {
    let good = std::fs::read_to_string(fixture("nessus/two-hosts.nessus")).unwrap();
    // Truncated in the middle of a host.
    let cut = &good[..good.find("<ReportItem port=\"22\"").unwrap()];
    let e = err_of(cut);
    assert_eq!(e.code(), "parse_error");
    assert!(e.message().contains("truncated"), "{e}");
    assert_eq!(e.location().file.as_deref(), Some("bad.nessus"));
    assert!(e.location().line.is_some());
    // A stray `<` in the middle of the file.
    let stray = good.replacen("<solution>", "<solution>< ", 1);
    let e = err_of(&stray);
    assert_eq!(e.code(), "parse_error");
    assert_eq!((e.location().line, e.location().column), (Some(27), Some(11)), "{e}");
    // An entity declared in a DOCTYPE is never expanded.
    let laughs = good
        .replacen(
            "<NessusClientData_v2>",
            "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n<NessusClientData_v2>",
            1,
        )
        .replacen("The version of OpenSSL", "&lol2; The version of OpenSSL", 1);
    let e = err_of(&laughs);
    assert_eq!(e.code(), "parse_error");
    assert!(e.message().contains("undefined entity `&lol2;`"), "{e}");
    assert_eq!(e.location().line, Some(27));
    // Invalid UTF-8 (a Latin-1 byte).
    let mut bytes = good.clone().into_bytes();
    let at = good.find("older than").unwrap();
    bytes[at] = 0xE9;
    let e = read_bytes(&bytes, "latin1.nessus").unwrap_err();
    assert_eq!(e.code(), "parse_error");
    assert_eq!(e.location().line, Some(26), "{e}");
    // A bad CVSS score names its field.
    let e = err_of(&good.replacen("<cvss3_base_score>8.1", "<cvss3_base_score>eight", 1));
    assert_eq!((e.code(), e.location().field.as_deref()), ("invalid_value", Some("cvss3_base_score")));
    // A bad port.
    let e = err_of(&good.replacen("port=\"443\"", "port=\"https\"", 1));
    assert_eq!((e.code(), e.location().field.as_deref()), ("invalid_value", Some("port")));
    // Not Nessus at all, and empty.
    assert_eq!(err_of("<html></html>").code(), "unsupported_format");
    assert_eq!(err_of("   ").code(), "parse_error");
    assert_eq!(err_of("<NessusClientData_v2>").code(), "parse_error");
}

#[test]
fn a_500_kb_plugin_output_is_kept_whole() {
    let good = std::fs::read_to_string(fixture("nessus/two-hosts.nessus")).unwrap();
    let big = "x".repeat(500 * 1024);
    let text = good.replacen("Installed version : 3.0.7", &big, 1);
    let set = read_bytes(text.as_bytes(), "big.nessus").unwrap();
    let f = set.findings.iter().find(|f| f.scanner_id == "190854").unwrap();
    assert_eq!(f.evidence.as_ref().map(String::len), Some(500 * 1024 + " <tag-like text>".len()));
}

#[test]
fn a_20_mb_plugin_output_is_capped_with_a_marker_and_references_resolved() {
    use conmon_core::ingest::nessus::MAX_FIELD_BYTES;
    let good = std::fs::read_to_string(fixture("nessus/two-hosts.nessus")).unwrap();
    // 20 MiB of text with a reference straddling the cap and multi-byte characters throughout.
    let mut big = String::with_capacity(21 << 20);
    while big.len() < 20 << 20 {
        big.push_str("caf\u{e9} &amp; more text \r\n");
    }
    let text = good.replacen("<![CDATA[Installed version : 3.0.7 <tag-like text>]]>", &big, 1);
    let set = read_bytes(text.as_bytes(), "huge.nessus").unwrap();
    let f = set.findings.iter().find(|f| f.scanner_id == "190854").unwrap();
    let ev = f.evidence.as_deref().unwrap();
    // The cap counts the bytes as written (`&amp;` is five), so the text kept is a little shorter.
    assert!(ev.len() <= MAX_FIELD_BYTES + 64, "{}", ev.len());
    assert!(ev.len() > 6 << 20, "{}", ev.len());
    assert!(ev.ends_with("[conmon: truncated at 8 MiB]"));
    assert!(ev.starts_with("caf\u{e9} & more text \ncaf"), "references resolved, CRLF normalised");
    assert!(!ev.contains("&amp"));
    // The rest of the document is read normally after the cut.
    assert_eq!(set.findings.len(), 5);
    // The same inside CDATA: kept as written (no reference resolution), capped alike.
    let cdata = good.replacen("Installed version : 3.0.7 <tag-like text>", &big, 1);
    let set = read_bytes(cdata.as_bytes(), "huge-cdata.nessus").unwrap();
    let ev = set.findings.iter().find(|f| f.scanner_id == "190854").and_then(|f| f.evidence.clone()).unwrap();
    // CRLF pairs become LF, so a little under the cap again.
    assert!(ev.len() <= MAX_FIELD_BYTES + 64 && ev.len() > 7 << 20, "{}", ev.len());
    assert!(ev.starts_with("caf\u{e9} &amp; more text \ncaf"), "CDATA is literal");
    assert!(ev.ends_with("[conmon: truncated at 8 MiB]"));
    assert_eq!(set.findings.len(), 5);
}

/// `read_path` and `stream_path` read a file's first 64 KiB to detect its format, then read it
/// again from memory and the rest from disk through a 32 KiB buffer: a scan spanning the head
/// and many refills, cut inside tags and texts wherever the sizes fall, reads as the same bytes
/// read in memory do.
#[test]
fn a_file_of_many_read_buffers_reads_as_the_same_bytes_in_memory() {
    let good = std::fs::read_to_string(fixture("nessus/two-hosts.nessus")).unwrap();
    let (start, end) = (good.find("<ReportHost").unwrap(), good.find("</Report>").unwrap());
    let mut doc = String::from(&good[..start]);
    for i in 0..400 {
        let hosts = good[start..end]
            .replace("app01.example.gov", &format!("app{i}.example.gov"))
            .replace("10.0.0.6", &format!("10.1.{}.{}", i / 200, i % 200));
        doc.push_str(&hosts);
    }
    doc.push_str(&good[end..]);
    assert!(doc.len() > 30 * 32 * 1024, "{}", doc.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many-buffers.nessus");
    std::fs::write(&path, &doc).unwrap();
    let label = path.display().to_string();

    let in_memory = read_bytes(doc.as_bytes(), &label).unwrap();
    assert_eq!(in_memory.findings.len(), 400 * 5);
    assert_eq!(read_path(&path).unwrap(), in_memory);
    let mut streamed = Vec::new();
    let context = conmon_core::ingest::stream_path(&path, &mut |f| {
        streamed.push(f);
        Ok(())
    })
    .unwrap();
    assert_eq!((streamed, context), (in_memory.findings, in_memory.context));
}

/// The format is detected from the file's first 64 KiB, more than one read buffer holds: a
/// Trivy report whose `ArtifactName` and `Results` keys come after 40 KB of metadata is still
/// recognised (with only the first 32 KiB it would not be).
#[test]
fn a_format_is_detected_from_the_first_64_kib_of_a_file() {
    let pad = "x".repeat(40 * 1024);
    let doc = format!(r#"{{"SchemaVersion":2,"Metadata":{{"Note":"{pad}"}},"ArtifactName":"app:1.0","Results":[]}}"#);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late-keys.json");
    std::fs::write(&path, &doc).unwrap();
    let set = read_path(&path).unwrap();
    assert_eq!(set.context.files.len(), 1);
    assert_eq!(set.context.files[0].source_format, conmon_core::model::SourceFormat::Trivy);
    // Past 64 KiB, the keys are not looked for.
    let far = doc.replace(&pad, &"x".repeat(70 * 1024));
    std::fs::write(&path, &far).unwrap();
    assert_eq!(read_path(&path).unwrap_err().code(), "unsupported_format");
}

/// A deliberately different reading of a .nessus file: plain string scanning.
struct Independent {
    hosts: usize,
    items: usize,
    by_severity: [usize; 5],
    cves: BTreeSet<String>,
}

fn independent(text: &str) -> Independent {
    let body = match (text.find("<Policy>"), text.find("</Policy>")) {
        (Some(a), Some(b)) => format!("{}{}", &text[..a], &text[b..]),
        _ => text.to_string(),
    };
    let mut by_severity = [0; 5];
    let mut items = 0;
    for chunk in body.split("<ReportItem ").skip(1) {
        items += 1;
        let head = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        if let Some(i) = head.find("severity=\"") {
            let d = head.as_bytes()[i + 10];
            by_severity[(d - b'0') as usize] += 1;
        }
    }
    let cves =
        body.split("<cve>").skip(1).filter_map(|c| c.split("</cve>").next()).map(|c| c.trim().to_string()).collect();
    Independent { hosts: body.matches("<ReportHost ").count(), items, by_severity, cves }
}

#[test]
fn shared_corpus_nessus_matches_an_independent_reading() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent (the shared corpus is not in this checkout)");
        return;
    };
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(corpus.join("nessus")).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = independent(&text);
        let set = read_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.display();
        assert_eq!(set.context.hosts.len(), expect.hosts, "{name}: hosts");
        assert_eq!(set.findings.len(), expect.items, "{name}: items");
        let mut sev = [0usize; 5];
        for f in &set.findings {
            let i = match f.scanner_severity {
                Some(ScannerSeverity::Info) | None => 0,
                Some(ScannerSeverity::Low) => 1,
                Some(ScannerSeverity::Medium) => 2,
                Some(ScannerSeverity::High) => 3,
                Some(ScannerSeverity::Critical) => 4,
            };
            sev[i] += 1;
        }
        assert_eq!(sev, expect.by_severity, "{name}: items per severity");
        let cves: BTreeSet<String> = set.findings.iter().flat_map(|f| f.cves.iter().map(|c| c.to_string())).collect();
        assert_eq!(cves, expect.cves, "{name}: distinct CVEs");
        checked += 1;
    }
    assert!(checked >= 17, "only {checked} corpus files");
}

#[test]
fn formats_are_sniffed_by_content() {
    use conmon_core::ingest::detect_format;
    use conmon_core::model::SourceFormat;
    let asff = br#"{"Findings":[{"SchemaVersion":"2018-10-08","ProductArn":"arn:aws:securityhub"}]}"#;
    assert_eq!(detect_format(asff), Some(SourceFormat::Asff));
    let trivy = br#"{"SchemaVersion":2,"ArtifactName":"app:1.0","Results":[]}"#;
    assert_eq!(detect_format(trivy), Some(SourceFormat::Trivy));
    assert_eq!(detect_format(b"<?xml version=\"1.0\"?><NessusClientData_v2>"), Some(SourceFormat::Nessus));
    assert_eq!(detect_format(b"hello"), None);
}

#[test]
fn shared_corpus_nessus_reads_the_same_with_and_without_the_fast_path() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent (the shared corpus is not in this checkout)");
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(corpus.join("nessus")).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    let mut findings = 0;
    for path in &entries {
        let bytes = std::fs::read(path).unwrap();
        // A small buffer puts tags across refills all through the file; the default one is fast.
        for capacity in [13, 256 * 1024] {
            let read = |fast: bool| {
                let r = std::io::BufReader::with_capacity(capacity, &bytes[..]);
                let set = if fast {
                    conmon_core::ingest::nessus::read(r, "corpus.nessus")
                } else {
                    conmon_core::ingest::nessus::read_quick_xml_only(r, "corpus.nessus")
                };
                set.map(|s| (s.findings, s.context)).map_err(|e| e.to_string())
            };
            let fast = read(true);
            assert!(fast == read(false), "{}, buffer of {capacity} bytes", path.display());
            findings += fast.map_or(0, |(f, _)| f.len());
        }
    }
    assert!(findings > 1000, "{findings} findings in {} files", entries.len());
}
