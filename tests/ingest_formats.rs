//! Ingestion of the non-Nessus formats: own fixtures field by field, malformed input with located
//! errors, and the shared corpus against an independent second reading.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use conmon_core::ingest::{ScanSet, detect_format, read_bytes, read_path};
use conmon_core::model::{AssetType, FindingKind, ScannerSeverity, SourceFormat};
use conmon_tests::{fixture, shared_corpus};
use serde_json::Value;

fn read(name: &str) -> ScanSet {
    let p = fixture(&format!("ingest/{name}"));
    read_path(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn keys(set: &ScanSet) -> Vec<&str> {
    set.findings.iter().map(|f| f.weakness_key.as_str()).collect()
}

#[test]
fn tenable_csv_semicolon_bom_merges_cve_rows() {
    let set = read("semicolon-bom.csv");
    assert_eq!(set.context.files[0].source_format, SourceFormat::TenableCsv);
    // Two MS17-010 rows (one per CVE) merge; two service detections with different output stay two.
    assert_eq!(keys(&set), ["nessus:97833", "nessus:22964", "nessus:22964", "nessus:57582"]);
    let ms = &set.findings[0];
    assert_eq!(ms.cves, ["CVE-2017-0143", "CVE-2017-0144"]);
    assert_eq!(ms.cvss.v2.as_ref().map(|c| c.base_score), Some(9.3));
    assert_eq!(ms.cvss.v3.as_ref().map(|c| c.base_score), Some(8.1));
    assert_eq!(ms.scanner_severity, Some(ScannerSeverity::Critical));
    assert_eq!(ms.port, Some(445));
    assert_eq!(ms.protocol.as_deref(), Some("tcp"));
    assert_eq!(ms.asset.identifier, "10.0.0.5");
    assert_eq!(ms.asset.ip.as_deref(), Some("10.0.0.5"));
    assert!(ms.description.contains("multiple\nvulnerabilities; see"));
    assert_eq!(ms.evidence.as_deref(), Some("Host is vulnerable; output line 1"));
    assert_eq!(ms.see_also, ["https://example.invalid/ms17-010"]);
    assert_eq!(set.findings[1].solution, None, "n/a is no solution");
    let named = &set.findings[3];
    assert_eq!(named.asset.identifier, "app.example.invalid");
    assert_eq!(named.asset.fqdn.as_deref(), Some("app.example.invalid"));
    assert_eq!(set.context.hosts.len(), 2);
    assert_eq!(set.context.hosts[0].finding_count, 3);
}

#[test]
fn tenable_sc_export_reads_dates_zones_and_cross_references() {
    let set = read("sc-export.csv");
    let f = &set.findings[0];
    assert_eq!(set.context.files[0].scanner.as_deref(), Some("Tenable.sc"));
    assert_eq!(f.weakness_key, "nessus:35291");
    assert_eq!(f.cves, ["CVE-2004-2761", "CVE-2005-4900"]);
    assert_eq!(f.cwes, ["CWE-310"]);
    // 10:24:08 MST = 17:24:08 UTC.
    assert_eq!(f.first_seen.map(|t| t.to_rfc3339()).as_deref(), Some("2021-01-05T17:24:08+00:00"));
    assert_eq!(f.observed_at.map(|t| t.to_rfc3339()).as_deref(), Some("2024-02-19T21:01:01+00:00"));
    assert_eq!(f.vuln_published.map(|d| d.to_string()).as_deref(), Some("2004-08-18"));
    assert_eq!(f.patch_published, None);
    assert_eq!(f.exploit_available, Some(true));
    assert_eq!(f.asset.mac.as_deref(), Some("00:11:22:33:44:55"));
    assert_eq!(f.asset.netbios.as_deref(), Some("CORP\\WEB1"));
    assert_eq!(f.asset.fqdn.as_deref(), Some("web1.example.invalid"));
    assert_eq!(f.cvss.v3.as_ref().and_then(|c| c.vector.as_deref()), Some("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"));
}

#[test]
fn inspector2_assets_cvss_preference_and_statuses() {
    let set = read("inspector2.json");
    let file = &set.context.files[0];
    assert_eq!((file.findings, file.skipped), (2, 1), "the CLOSED finding is skipped");
    let img = &set.findings[0];
    assert_eq!(img.weakness_key, "inspector2:CVE-2023-2650");
    assert_eq!(img.asset.identifier, "app:1.4.2");
    assert_eq!(img.asset.asset_type, AssetType::Container);
    assert_eq!(img.cvss.v3.as_ref().map(|c| c.base_score), Some(7.5), "NVD's score wins");
    assert_eq!(img.cves, ["CVE-2023-2650", "CVE-2023-0464"]);
    assert_eq!(img.first_seen.map(|t| t.to_rfc3339()).as_deref(), Some("2024-02-02T15:30:33.045+00:00"));
    assert_eq!(img.solution, None, "\"None Provided\" is no solution");
    let c = img.component.as_ref().unwrap();
    assert_eq!(
        (c.name.as_str(), c.version.as_deref(), c.fixed_version.as_deref()),
        ("openssl", Some("1.1.1n"), Some("1.1.1u"))
    );
    let code = &set.findings[1];
    assert_eq!(code.kind, FindingKind::Code);
    assert_eq!(code.weakness_key, "inspector2:code:python-log-injection");
    assert_eq!(code.cwes, ["CWE-117", "CWE-93"]);
    assert_eq!(code.location.as_deref(), Some("src/api.py:268"));
    assert_eq!(code.scanner_status.as_deref(), Some("SUPPRESSED"));
    assert_eq!(code.asset.identifier, "i-0abc");
    assert_eq!(code.asset.ip.as_deref(), Some("10.0.0.9"));
}

#[test]
fn asff_failed_controls_vulnerabilities_and_skips() {
    let set = read("asff.json");
    assert_eq!(keys(&set), ["asff:aws-foundational-security-best-practices/v/1.0.0/S3.1", "inspector2:CVE-2023-2650"]);
    assert_eq!(set.context.files[0].skipped, 2, "PASSED and ARCHIVED are skipped");
    let control = &set.findings[0];
    assert_eq!(control.kind, FindingKind::Configuration);
    assert_eq!(control.asset.identifier, "AWS::::Account:111122223333");
    assert_eq!(control.asset.asset_type, AssetType::Cloud);
    assert_eq!(control.solution.as_deref(), Some("Enable it."));
    assert_eq!(control.see_also, ["https://example.invalid/s3.1"]);
    let vuln = &set.findings[1];
    assert_eq!(vuln.asset.identifier, "i-0abc");
    assert_eq!(vuln.cvss.v3.as_ref().map(|c| c.base_score), Some(7.5));
    assert_eq!(vuln.scanner_status.as_deref(), Some("SUPPRESSED"));
    assert_eq!(vuln.scanner, "inspector", "product from the ProductArn when ProductName is absent");
}

#[test]
fn trivy_image_report_uses_the_image_as_asset() {
    let set = read("trivy-image.json");
    assert_eq!(keys(&set), ["trivy:CVE-2023-2650", "trivy-config:DS002", "trivy-secret:aws-access-key-id"]);
    assert_eq!(set.context.files[0].skipped, 1, "the PASS misconfiguration");
    for f in &set.findings {
        assert_eq!(f.asset.identifier, "registry.example.invalid/app:1.4.2");
        assert_eq!(f.asset.asset_type, AssetType::Container);
    }
    let v = &set.findings[0];
    assert_eq!(v.cvss.v3.as_ref().map(|c| c.base_score), Some(7.5), "NVD before the vendor");
    assert_eq!(v.cwes, ["CWE-770"]);
    assert_eq!(v.scanner_status.as_deref(), Some("fixed"));
    assert_eq!(v.component.as_ref().and_then(|c| c.fixed_version.as_deref()), Some("1.1.1n-0+deb11u5"));
    assert_eq!(v.vuln_published.map(|d| d.to_string()).as_deref(), Some("2023-05-30"));
    assert_eq!(set.findings[1].kind, FindingKind::Configuration);
    assert_eq!(set.findings[2].location.as_deref(), Some("app/.env:3"));
    assert_eq!(set.findings[2].scanner_severity, Some(ScannerSeverity::Critical));
    assert_eq!(set.context.hosts.len(), 1);
}

#[test]
fn trivy_legacy_and_kubernetes_layouts() {
    let legacy = read("trivy-legacy.json");
    assert_eq!(legacy.findings.len(), 2);
    assert!(legacy.findings.iter().all(|f| f.asset.identifier == "alpine:3.10"));
    assert_eq!(legacy.findings[1].scanner_severity, None, "UNKNOWN carries no severity");
    assert_eq!(legacy.findings[1].scanner_severity_label.as_deref(), Some("UNKNOWN"));
    let k8s = read("trivy-k8s.json");
    assert_eq!(keys(&k8s), ["trivy:CVE-2023-5363", "trivy-config:KSV001"]);
    assert_eq!(k8s.findings[0].asset.identifier, "registry.example.invalid/web:2.0");
    assert_eq!(k8s.findings[0].asset.asset_type, AssetType::Container);
    assert_eq!(k8s.findings[1].asset.identifier, "default/Deployment/web");
    assert_eq!(k8s.findings[1].asset.asset_type, AssetType::Cloud);
}

#[test]
fn grype_matches_take_nvd_scores_and_the_image() {
    let set = read("grype.json");
    assert_eq!(keys(&set), ["grype:GHSA-2222-3333-4444", "grype:CVE-2004-0971"]);
    assert_eq!(set.context.files[0].scanner.as_deref(), Some("Grype 0.79.3"));
    let a = &set.findings[0];
    assert_eq!(a.asset.identifier, "registry.example.invalid/api:3.1.0");
    assert_eq!(a.cves, ["CVE-2023-32681"]);
    assert_eq!(a.cvss.v3.as_ref().map(|c| c.base_score), Some(6.1));
    assert_eq!(a.scanner_severity, Some(ScannerSeverity::High));
    assert_eq!(&*a.description, "Requests leaks Proxy-Authorization headers.");
    assert_eq!(a.solution.as_deref(), Some("Upgrade requests to 2.31.0"));
    assert_eq!(a.location.as_deref(), Some("/app/requirements.txt"));
    let b = &set.findings[1];
    assert_eq!(b.cvss.v2.as_ref().map(|c| c.base_score), Some(2.1), "early schema cvssV2");
    assert_eq!(b.scanner_severity, Some(ScannerSeverity::Low), "Negligible is low");
}

#[test]
fn xccdf_12_failures_become_configuration_findings() {
    let set = read("xccdf-1.2.xml");
    assert_eq!(keys(&set), ["xccdf:xccdf_test_rule_ssh_root", "xccdf:xccdf_test_rule_patch"]);
    assert_eq!(set.context.files[0].skipped, 2, "pass and error");
    assert_eq!(set.context.files[0].scanner.as_deref(), Some("openscap 1.3.8"));
    let f = &set.findings[0];
    assert_eq!(f.kind, FindingKind::Configuration);
    assert_eq!(&*f.name, "SSH root login must be disabled");
    assert_eq!(&*f.description, "Logging in as root over SSH & without audit is risky.");
    assert_eq!(f.solution.as_deref(), Some("Set PermitRootLogin no."));
    assert_eq!(f.scanner_severity, Some(ScannerSeverity::High));
    assert_eq!(f.location.as_deref(), Some("RHEL-07-040370"));
    assert_eq!(f.asset.identifier, "10.0.0.21", "first non-loopback address");
    assert_eq!(f.asset.fqdn.as_deref(), Some("host1.example.invalid"));
    assert_eq!(f.asset.mac.as_deref(), Some("52:54:00:AA:BB:CC"));
    assert_eq!(set.findings[1].cves, ["CVE-2005-3629"]);
    let host = &set.context.hosts[0];
    assert_eq!(host.scan_end.map(|t| t.to_rfc3339()).as_deref(), Some("2024-04-29T18:24:10+00:00"));
    assert_eq!(host.scan_start.map(|t| t.to_rfc3339()).as_deref(), Some("2024-04-29T14:16:20+00:00"));
}

#[test]
fn xccdf_11_corpus_style_without_prefix_reads() {
    let doc = br#"<?xml version="1.0"?><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.1" id="b">
<Rule id="r1" severity="medium"><title>One</title></Rule>
<TestResult id="t"><target>box</target><rule-result idref="r1"><result>fail</result></rule-result></TestResult></Benchmark>"#;
    let set = read_bytes(doc, "inline.xml").unwrap();
    assert_eq!(keys(&set), ["xccdf:r1"]);
    assert_eq!(set.findings[0].asset.identifier, "box");
}

#[test]
fn sarif_results_rules_suppressions_and_skips() {
    let set = read("code.sarif");
    assert_eq!(keys(&set), ["sarif:codeql:py/sql-injection", "sarif:codeql:py/unused-import"]);
    assert_eq!(set.context.files[0].skipped, 2, "a pass and a result absent since the baseline");
    let f = &set.findings[0];
    assert_eq!(f.kind, FindingKind::Code);
    assert_eq!(f.asset.identifier, "https://git.example.invalid/team/app");
    assert_eq!(f.location.as_deref(), Some("app/db.py:42"));
    assert_eq!(f.scanner_severity, Some(ScannerSeverity::High), "security-severity 8.8");
    assert_eq!(f.cwes, ["CWE-89"]);
    assert_eq!(&*f.name, "SQL query built from user-controlled sources");
    let s = &set.findings[1];
    assert_eq!(s.scanner_severity, Some(ScannerSeverity::Low), "level note from the rule default");
    assert_eq!(s.scanner_status.as_deref(), Some("suppressed"));
}

fn err(bytes: &[u8], label: &str) -> conmon_core::error::ErrorReport {
    match read_bytes(bytes, label) {
        Ok(set) => panic!("{label}: expected an error, read {} findings", set.findings.len()),
        Err(e) => e.to_report(),
    }
}

#[test]
fn malformed_inputs_give_located_errors() {
    // JSON null and an empty object with a findings key of the wrong type.
    let e = err(b"null", "null.json");
    assert_eq!(e.code, "unsupported_format");
    let e = err(b"{\"findings\": [{\"findingArn\": \"a\", \"firstObservedAt\": \"last tuesday\"}]}", "bad-date.json");
    assert_eq!(e.code, "invalid_value");
    assert_eq!(e.location.field.as_deref(), Some("findings[0].firstObservedAt"));
    assert_eq!(e.location.line, Some(1));
    assert!(e.message.contains("last tuesday"), "{}", e.message);
    // A truncated Grype file.
    let e = err(b"{\"matches\": [{\"vulnerability\": {\"id\": \"CVE-1\",\n \"severity\": \"High\"", "cut.json");
    assert_eq!(e.code, "parse_error");
    assert_eq!(e.location.line, Some(2));
    // A wrong type deep in a record: the JSON path names it.
    let e = err(b"{\"SchemaVersion\": 2, \"ArtifactName\": \"a\", \"Results\": [{\"Target\": \"t\", \"Vulnerabilities\": [{\"VulnerabilityID\": 7}]}]}", "type.json");
    assert_eq!(e.code, "invalid_value");
    assert_eq!(e.location.field.as_deref(), Some("Results[0].Vulnerabilities[0].VulnerabilityID"));
    // A CVSS score out of range.
    let e = err(b"[{\"ProductArn\": \"arn:aws:securityhub:x::product/aws/inspector\", \"GeneratorId\": \"g\", \"Vulnerabilities\": [{\"Id\": \"CVE-1\", \"Cvss\": [{\"Version\": \"3.1\", \"BaseScore\": 11}]}]}]", "score.json");
    assert_eq!(e.code, "invalid_value");
    assert_eq!(e.location.field.as_deref(), Some("[0].Vulnerabilities[0].Cvss[0].BaseScore"));
    // CSV: header without a host column, a bad port on row 3, an unknown time zone.
    let e = err(b"Plugin ID,Name,Risk\n1,x,High\n", "nohost.csv");
    assert_eq!((e.code.as_str(), e.location.row), ("missing_field", Some(1)));
    assert!(e.message.contains("Host"), "{}", e.message);
    let e = err(b"Plugin ID,Host,Port\n1,10.0.0.1,443\n2,10.0.0.1,http\n", "port.csv");
    assert_eq!((e.code.as_str(), e.location.row, e.location.line), ("invalid_value", Some(3), Some(3)));
    assert_eq!(e.location.field.as_deref(), Some("Port"));
    let e = err(b"Plugin,IP Address,First Discovered\n1,10.0.0.1,\"Jan 5, 2021 10:24:08 XYZ\"\n", "zone.csv");
    assert_eq!((e.code.as_str(), e.location.row), ("invalid_value", Some(2)));
    assert_eq!(e.location.field.as_deref(), Some("First Discovered"));
    let e = err(b"Plugin ID,Host\n,10.0.0.1\n", "noid.csv");
    assert_eq!(
        (e.code.as_str(), e.location.row, e.location.field.as_deref()),
        ("missing_field", Some(2), Some("Plugin ID"))
    );
    let e = err(b"Plugin ID,Host\n1,\xff\xfe\n", "latin.csv");
    assert_eq!((e.code.as_str(), e.location.line), ("parse_error", Some(2)));
    // XCCDF: truncated, an entity, a stray `<`.
    let e = err(b"<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\">\n<Rule id=\"r\">", "cut.xml");
    assert_eq!((e.code.as_str(), e.location.line), ("parse_error", Some(2)));
    let e = err(
        b"<!DOCTYPE x [<!ENTITY big \"boom\">]>\n<Benchmark xmlns=\"xccdf\"><Rule id=\"r\"><title>&big;</title></Rule></Benchmark>",
        "entity.xml",
    );
    assert!(e.message.contains("never expands entities"), "{}", e.message);
    assert_eq!(e.location.line, Some(2));
    let e = err(b"<Benchmark xmlns=\"xccdf\">\n<Rule id=\"r\"><title>a < b</title></Rule></Benchmark>", "stray.xml");
    assert_eq!((e.code.as_str(), e.location.line), ("parse_error", Some(2)));
}

#[test]
fn sniffing_recognises_every_layout() {
    let cases: [(&[u8], SourceFormat); 6] = [
        (b"{\"findings\": []}", SourceFormat::Inspector2),
        (b"{\"ClusterName\": \"c\", \"Resources\": []}", SourceFormat::Trivy),
        (
            b"[{\"Target\": \"a (alpine 3)\", \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-1\"}]}]",
            SourceFormat::Trivy,
        ),
        (b"Plugin,Plugin Name,Family,Severity,IP Address\n", SourceFormat::TenableCsv),
        (b"{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {}}]}", SourceFormat::Sarif),
        (b"<cdf:Benchmark xmlns:cdf=\"http://checklists.nist.gov/xccdf/1.2\">", SourceFormat::Xccdf),
    ];
    for (bytes, want) in cases {
        assert_eq!(detect_format(bytes), Some(want), "{}", String::from_utf8_lossy(bytes));
    }
}

// ---------------------------------------------------------------------------------------------
// Shared corpus against a second, independent reading (serde_json values, the csv crate's
// records, plain string search), written from the formats' documentation rather than the readers.

#[derive(Debug, Default, PartialEq)]
struct Counts {
    findings: usize,
    by_severity: BTreeMap<String, usize>,
    cves: BTreeSet<String>,
}

impl Counts {
    fn add(&mut self, severity: &str, cves: impl IntoIterator<Item = String>) {
        self.findings += 1;
        *self.by_severity.entry(bucket(severity).to_string()).or_default() += 1;
        self.cves.extend(cves.into_iter().filter(|c| c.starts_with("CVE-")));
    }
}

fn bucket(label: &str) -> &'static str {
    match label.trim().to_ascii_lowercase().as_str() {
        "critical" => "critical",
        "high" | "important" | "error" => "high",
        "medium" | "moderate" | "warning" => "medium",
        "low" | "negligible" | "note" => "low",
        "info" | "informational" | "none" => "info",
        _ => "none",
    }
}

fn ours(set: &ScanSet) -> Counts {
    let mut c = Counts::default();
    for f in &set.findings {
        c.findings += 1;
        let b = f.scanner_severity.map_or("none", |s| s.as_str());
        *c.by_severity.entry(b.to_string()).or_default() += 1;
        c.cves.extend(f.cves.iter().map(|c| c.to_string()));
    }
    c
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn independent_json(dir: &str, v: &Value) -> Counts {
    let mut c = Counts::default();
    match dir {
        "inspector2" => {
            for f in arr(v, "findings") {
                if s(f, "status") == "CLOSED" {
                    continue;
                }
                let d = f.get("packageVulnerabilityDetails");
                let mut cves: Vec<String> = d.map(|d| vec![s(d, "vulnerabilityId").to_string()]).unwrap_or_default();
                cves.extend(
                    d.map(|d| arr(d, "relatedVulnerabilities"))
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from)),
                );
                for _ in 0..arr(f, "resources").len().max(1) {
                    c.add(s(f, "severity"), cves.clone());
                }
            }
        }
        "asff" => {
            let list = if v.is_array() {
                v.as_array().unwrap().as_slice()
            } else {
                arr(v, if v.get("Findings").is_some() { "Findings" } else { "findings" })
            };
            for f in list {
                let compliance = f.get("Compliance").map(|x| s(x, "Status"));
                let workflow = f.get("Workflow").map(|x| s(x, "Status"));
                if s(f, "RecordState") == "ARCHIVED"
                    || workflow == Some("RESOLVED")
                    || compliance.is_some_and(|x| x != "FAILED" && x != "WARNING")
                {
                    continue;
                }
                let cves: Vec<String> = arr(f, "Vulnerabilities").iter().map(|x| s(x, "Id").to_string()).collect();
                let label = f
                    .get("Severity")
                    .map(|x| if s(x, "Label").is_empty() { s(x, "Original") } else { s(x, "Label") })
                    .unwrap_or("");
                for _ in 0..arr(f, "Resources").len().max(1) {
                    c.add(label, cves.clone());
                }
            }
        }
        "trivy" => {
            fn result(c: &mut Counts, r: &Value) {
                for x in arr(r, "Vulnerabilities") {
                    c.add(s(x, "Severity"), [s(x, "VulnerabilityID").to_string()]);
                }
                for x in arr(r, "Misconfigurations") {
                    if s(x, "Status").is_empty() || s(x, "Status") == "FAIL" {
                        c.add(s(x, "Severity"), []);
                    }
                }
                for x in arr(r, "Secrets") {
                    c.add(s(x, "Severity"), []);
                }
            }
            if let Some(list) = v.as_array() {
                list.iter().for_each(|r| result(&mut c, r));
            } else if v.get("ClusterName").is_some() {
                for key in ["Resources", "Vulnerabilities", "Misconfigurations"] {
                    for w in arr(v, key) {
                        arr(w, "Results").iter().for_each(|r| result(&mut c, r));
                    }
                }
            } else {
                arr(v, "Results").iter().for_each(|r| result(&mut c, r));
            }
        }
        "grype" => {
            for m in arr(v, "matches") {
                let vuln = &m["vulnerability"];
                let mut cves = vec![s(vuln, "id").to_string()];
                cves.extend(arr(m, "relatedVulnerabilities").iter().map(|r| s(r, "id").to_string()));
                c.add(s(vuln, "severity"), cves);
            }
        }
        "sarif" => {
            for run in arr(v, "runs") {
                let rules = arr(&run["tool"]["driver"], "rules");
                for r in arr(run, "results") {
                    let kind = s(r, "kind");
                    if matches!(kind, "pass" | "notApplicable" | "informational") || s(r, "baselineState") == "absent" {
                        continue;
                    }
                    let rule = r
                        .get("ruleIndex")
                        .and_then(Value::as_u64)
                        .and_then(|i| rules.get(i as usize))
                        .or_else(|| rules.iter().find(|x| s(x, "id") == s(r, "ruleId")));
                    let sec = rule.and_then(|x| x.get("properties")).and_then(|p| p.get("security-severity"));
                    let level = if let Some(sec) = sec {
                        let n: f64 = sec.as_f64().or_else(|| sec.as_str().and_then(|t| t.parse().ok())).unwrap_or(0.0);
                        if n >= 9.0 {
                            "critical"
                        } else if n >= 7.0 {
                            "high"
                        } else if n >= 4.0 {
                            "medium"
                        } else if n > 0.0 {
                            "low"
                        } else {
                            "info"
                        }
                    } else if !s(r, "level").is_empty() {
                        s(r, "level")
                    } else {
                        rule.and_then(|x| x.get("defaultConfiguration"))
                            .map(|d| s(d, "level"))
                            .filter(|l| !l.is_empty())
                            .unwrap_or("warning")
                    };
                    let id = s(r, "ruleId").to_string();
                    c.add(level, [id]);
                }
            }
        }
        other => panic!("no independent reading for {other}"),
    }
    c
}

fn independent_xccdf(text: &str) -> Counts {
    // Rule severities by id, then every rule-result whose result is `fail`.
    let strip = |t: &str| t.replace("cdf:", "").replace("xccdf:", "");
    let text = strip(text);
    let attr = |head: &str, name: &str| -> Option<String> {
        let i = head.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(head[i..].split('"').next()?.to_string())
    };
    let mut severities = BTreeMap::new();
    let mut rule_cves: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in text.split("<Rule ").skip(1) {
        let head = format!(" {}", &chunk[..chunk.find('>').unwrap_or(0)]);
        let head = head.as_str();
        let body = &chunk[..chunk.find("</Rule>").unwrap_or(chunk.len())];
        if let Some(id) = attr(head, "id") {
            severities.insert(id.clone(), attr(head, "severity").unwrap_or_default());
            let cves = body
                .split("<ident")
                .skip(1)
                .filter_map(|x| x.split('>').nth(1))
                .filter_map(|x| x.split('<').next())
                .map(|x| x.trim().to_string());
            rule_cves.insert(id, cves.collect());
        }
    }
    let mut c = Counts::default();
    for chunk in text.split("<rule-result ").skip(1) {
        let body = &chunk[..chunk.find("</rule-result>").unwrap_or(chunk.len())];
        let result = body.split("<result>").nth(1).and_then(|x| x.split("</result>").next()).unwrap_or("");
        if result.trim() != "fail" {
            continue;
        }
        let head = format!(" {}", &chunk[..chunk.find('>').unwrap_or(0)]);
        let head = head.as_str();
        let id = attr(head, "idref").unwrap_or_default();
        let sev = attr(head, "severity").or_else(|| severities.get(&id).cloned()).unwrap_or_default();
        c.add(&sev, rule_cves.get(&id).cloned().unwrap_or_default());
    }
    c
}

fn independent_csv(path: &Path) -> Counts {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> =
        rdr.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let plugin = col(&["Plugin ID", "Plugin"]).unwrap();
    let host = col(&["IP Address", "Host"]).unwrap();
    let port = col(&["Port"]);
    let proto = col(&["Protocol"]);
    let risk = col(&["Risk", "Severity"]).unwrap();
    let output = col(&["Plugin Output", "Plugin Text"]);
    let cve = col(&["CVE"]);
    let mut seen: BTreeMap<Vec<String>, ()> = BTreeMap::new();
    let mut c = Counts::default();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim().to_string();
        if get(Some(plugin)).is_empty() {
            continue;
        }
        let cves: Vec<String> = get(cve).split(',').map(|x| x.trim().to_string()).collect();
        let key = vec![get(Some(plugin)), get(Some(host)), get(port), get(proto).to_lowercase(), get(output)];
        if seen.insert(key, ()).is_some() {
            c.cves.extend(cves.into_iter().filter(|x| x.starts_with("CVE-")));
            continue;
        }
        c.add(&get(Some(risk)), cves);
    }
    c
}

#[test]
fn shared_corpus_formats_match_an_independent_reading() {
    let Some(corpus) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is absent (the shared corpus is not in this checkout)");
        return;
    };
    let expected_format = [
        ("tenable_csv", SourceFormat::TenableCsv),
        ("inspector2", SourceFormat::Inspector2),
        ("asff", SourceFormat::Asff),
        ("trivy", SourceFormat::Trivy),
        ("grype", SourceFormat::Grype),
        ("xccdf", SourceFormat::Xccdf),
        ("sarif", SourceFormat::Sarif),
    ];
    let mut checked = 0;
    for (dir, format) in expected_format {
        let mut entries: Vec<_> = std::fs::read_dir(corpus.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let name = path.display().to_string();
            let set = read_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(set.context.files[0].source_format, format, "{name}: format");
            let expect = match dir {
                "tenable_csv" => independent_csv(&path),
                "xccdf" => independent_xccdf(&std::fs::read_to_string(&path).unwrap()),
                _ => independent_json(dir, &serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()),
            };
            let got = ours(&set);
            assert_eq!(got.findings, expect.findings, "{name}: findings");
            assert_eq!(got.by_severity, expect.by_severity, "{name}: findings per severity");
            assert_eq!(got.cves, expect.cves, "{name}: distinct CVEs");
            // Every finding has an asset and a weakness key; every asset is in the scan context.
            let hosts: BTreeSet<&str> = set.context.hosts.iter().map(|h| h.identifier.as_str()).collect();
            for f in &set.findings {
                assert!(!f.weakness_key.is_empty() && !f.asset.identifier.is_empty(), "{name}: {f:?}");
                assert!(hosts.contains(f.asset.identifier.as_str()), "{name}: {} not in context", f.asset.identifier);
            }
            checked += 1;
        }
    }
    assert!(checked >= 41, "only {checked} corpus files");
}

/// Directories of scans are walked the same way for every caller (`conmon monthly --scans`,
/// `conmon ingest`, Python, Node, Kotlin): recursively, hidden entries skipped, files sorted by
/// path component by component, and read in that order.
#[test]
fn scan_directories_are_walked_in_one_documented_order() {
    use conmon_core::ingest::{read_paths, scan_files};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("2026-03");
    let copy = |from: &str, to: &str| {
        let to = root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixture(from), to).unwrap();
    };
    copy("ingest/trivy-image.json", "z-containers.json");
    copy("nessus/two-hosts.nessus", "a/os.nessus");
    copy("ingest/grype.json", "a.json");
    copy("ingest/code.sarif", "a/web/code.sarif");
    // Hidden files and directories are not scans.
    std::fs::write(root.join(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
    copy("ingest/asff.json", ".git/objects/asff.json");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&root, root.join("a/loop")).unwrap();

    let rel = |paths: Vec<std::path::PathBuf>| -> Vec<String> {
        paths.iter().map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/")).collect()
    };
    // `a/` sorts before `a.json` (the component `a` before `a.json`), and `a/os.nessus` before
    // `a/web/code.sarif`; the link back to the root is not followed.
    assert_eq!(rel(scan_files(&[&root]).unwrap()), ["a/os.nessus", "a/web/code.sarif", "a.json", "z-containers.json"]);
    // A file given beside a directory keeps its place in the arguments.
    let single = fixture("ingest/inspector2.json");
    let listed = scan_files(&[single.clone(), root.clone()]).unwrap();
    assert_eq!(listed[0], single);
    assert_eq!(listed.len(), 5);

    // Read in that order: the directory gives what the files give one by one.
    let set = read_paths(&[&root]).unwrap();
    let one_by_one = read_paths(&scan_files(&[&root]).unwrap()).unwrap();
    let formats: Vec<SourceFormat> = set.context.files.iter().map(|f| f.source_format).collect();
    assert_eq!(formats, [SourceFormat::Nessus, SourceFormat::Sarif, SourceFormat::Grype, SourceFormat::Trivy]);
    assert_eq!(keys(&set), keys(&one_by_one));
    assert!(!set.findings.is_empty());

    // A missing path and a directory with no scan in it are errors that name them.
    let missing = root.join("nope");
    let e = read_paths(&[&missing]).unwrap_err();
    assert_eq!(e.code(), "io_error");
    assert!(e.to_string().contains("nope"), "{e}");
    let empty = dir.path().join("2026-04");
    std::fs::create_dir_all(empty.join(".hidden")).unwrap();
    std::fs::write(empty.join(".hidden/x.nessus"), b"<x/>").unwrap();
    let e = scan_files(&[&empty]).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(e.to_string().contains("2026-04") && e.to_string().contains("no scan file"), "{e}");
}
