//! Shared generators for the benches: deterministic, realistic-looking inputs of any size.
//! Nothing generated is committed.

use chrono::{Days, NaiveDate};
use conmon_core::model::{DeviationFlag, PoamItem, RiskRating};

/// A small deterministic generator (SplitMix64), so runs are comparable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `n` open POA&M items detected over the 400 days before 2026-03-13, with the mix of
/// deviations a real POA&M has (about 5% RA, 3% OR, 4% VD, 2% KEV).
pub fn poam_items(n: usize, seed: u64) -> Vec<PoamItem> {
    let mut rng = Rng::new(seed);
    let base = NaiveDate::from_ymd_opt(2025, 2, 6).unwrap_or_default();
    (0..n)
        .map(|i| {
            let det = base + Days::new(rng.below(400));
            let rating = match rng.below(10) {
                0..=1 => RiskRating::High,
                2..=6 => RiskRating::Moderate,
                _ => RiskRating::Low,
            };
            let mut item = PoamItem::new(format!("V-{}", i + 1), det, rating);
            match rng.below(100) {
                0..=4 => {
                    item.risk_adjustment = DeviationFlag::Yes;
                    item.adjusted_risk_rating = Some(rating.lower());
                }
                5..=7 => item.operational_requirement = DeviationFlag::Yes,
                8..=11 => {
                    item.vendor_dependency = true;
                    item.last_vendor_check_in_date = Some(det + Days::new(rng.below(60)));
                }
                12..=13 => {
                    item.kev = true;
                    item.kev_due_date = Some(det + Days::new(14));
                }
                _ => {}
            }
            item
        })
        .collect()
}

const WORDS: &[&str] = &[
    "remote",
    "host",
    "affected",
    "version",
    "service",
    "update",
    "security",
    "vulnerability",
    "server",
    "allows",
    "attacker",
    "execute",
    "arbitrary",
    "code",
    "via",
    "crafted",
    "request",
    "package",
    "installed",
    "according",
    "self-reported",
    "number",
    "therefore",
    "multiple",
    "issues",
    "denial",
    "of",
    "memory",
];

fn sentence(rng: &mut Rng, words: usize, out: &mut String) {
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    out.push('.');
}

fn text(rng: &mut Rng, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 64);
    while s.len() < bytes {
        let n = 6 + rng.below(14) as usize;
        sentence(rng, n, &mut s);
        s.push(if rng.below(5) == 0 { '\n' } else { ' ' });
    }
    s
}

/// Writes a Nessus v2 document of about `target_bytes`, shaped like a real credentialed scan: a
/// ~256 KB `Policy` block, then hosts of 16 properties and ~120 items each (about 80% informational
/// with long plugin output, the rest vulnerabilities with CVEs, CVSS v2/v3, description, solution,
/// see_also and output). Items draw from 190,000 plugin IDs; a plugin's name, description,
/// synopsis and solution are the same wherever it fires, as in real scans. Returns the number of
/// hosts and items written.
pub fn write_nessus<W: std::io::Write>(out: &mut W, target_bytes: u64, seed: u64) -> std::io::Result<(u64, u64)> {
    write_nessus_shaped(
        out,
        Shape { bytes: target_bytes, items: u64::MAX, description: (300, 900), output: (200, 1500) },
        seed,
    )
}

/// Writes a Nessus v2 document of exactly `findings` report items (120 per host), with shorter
/// texts than [`write_nessus`]: about 1.6 KB per item, so 1,000,000 findings make about 1.6 GB,
/// the size the scale targets are stated for. Returns the number of hosts and items written.
pub fn write_nessus_findings<W: std::io::Write>(out: &mut W, findings: u64, seed: u64) -> std::io::Result<(u64, u64)> {
    write_nessus_shaped(
        out,
        Shape { bytes: u64::MAX, items: findings, description: (100, 300), output: (50, 300) },
        seed,
    )
}

/// What to stop at and how long the free texts are (minimum, spread).
#[derive(Debug, Clone, Copy)]
struct Shape {
    bytes: u64,
    items: u64,
    description: (usize, u64),
    output: (usize, u64),
}

fn write_nessus_shaped<W: std::io::Write>(out: &mut W, shape: Shape, seed: u64) -> std::io::Result<(u64, u64)> {
    let target_bytes = shape.bytes;
    let mut rng = Rng::new(seed);
    let mut written = 0u64;
    let put = |out: &mut W, s: &str, written: &mut u64| -> std::io::Result<()> {
        *written += s.len() as u64;
        out.write_all(s.as_bytes())
    };
    put(
        out,
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Policy><policyName>Generated</policyName>\n<Preferences><ServerPreferences>\n",
        &mut written,
    )?;
    for i in 0..2500 {
        let v = text(&mut rng, 40);
        put(out, &format!("<preference><name>pref_{i}</name><value>{v}</value></preference>\n"), &mut written)?;
    }
    put(
        out,
        "</ServerPreferences></Preferences></Policy>\n<Report name=\"generated\" xmlns:cm=\"http://www.nessus.org/cm\">\n",
        &mut written,
    )?;
    let (mut hosts, mut items) = (0u64, 0u64);
    while written < target_bytes && items < shape.items {
        hosts += 1;
        let ip = format!("10.{}.{}.{}", (hosts >> 16) & 255, (hosts >> 8) & 255, hosts & 255);
        let mut h = String::with_capacity(64 * 1024);
        h.push_str(&format!("<ReportHost name=\"{ip}\"><HostProperties>\n"));
        h.push_str("<tag name=\"HOST_END\">Thu Mar 12 10:14:03 2026</tag>\n<tag name=\"HOST_END_TIMESTAMP\">1773310443</tag>\n");
        h.push_str(&format!(
            "<tag name=\"host-ip\">{ip}</tag>\n<tag name=\"host-fqdn\">host{hosts}.example.invalid</tag>\n"
        ));
        h.push_str(&format!(
            "<tag name=\"netbios-name\">HOST{hosts}</tag>\n<tag name=\"mac-address\">00:50:56:00:{:02x}:{:02x}</tag>\n",
            (hosts >> 8) & 255,
            hosts & 255
        ));
        h.push_str("<tag name=\"operating-system\">Linux Kernel 5.14 on Red Hat Enterprise Linux 9</tag>\n<tag name=\"Credentialed_Scan\">true</tag>\n");
        for t in [
            "cpe-0",
            "cpe-1",
            "system-type",
            "os",
            "traceroute-hop-0",
            "patch-summary-total-cves",
            "LastAuthenticatedResults",
        ] {
            h.push_str(&format!("<tag name=\"{t}\">{}</tag>\n", text(&mut rng, 30).trim()));
        }
        h.push_str("<tag name=\"HOST_START\">Thu Mar 12 09:58:40 2026</tag>\n<tag name=\"HOST_START_TIMESTAMP\">1773309520</tag>\n</HostProperties>\n");
        for _ in 0..120 {
            if items == shape.items {
                break;
            }
            items += 1;
            let plugin = 10_000 + rng.below(190_000);
            // A plugin's texts are the same wherever it fires, as in real scans: drawn from a
            // generator seeded by the plugin ID. Severity, port, scores, CVEs and output are drawn
            // per finding (so the number of POA&M items does not depend on this).
            let mut texts = Rng::new(seed ^ plugin.wrapping_mul(0x0100_0000_01B3));
            let vuln = rng.below(5) == 0;
            let sev = if vuln { 1 + rng.below(4) } else { 0 };
            let port = [0, 22, 80, 443, 3306, 8443][rng.below(6) as usize];
            h.push_str(&format!(
                "<ReportItem port=\"{port}\" svc_name=\"general\" protocol=\"tcp\" severity=\"{sev}\" pluginID=\"{plugin}\" pluginName=\"{}\" pluginFamily=\"General\">\n",
                text(&mut texts, 40).trim().replace('\n', " ")
            ));
            let len = shape.description.0 + texts.below(shape.description.1) as usize;
            h.push_str(&format!("<description>{}</description>\n", text(&mut texts, len)));
            h.push_str(
                "<fname>generated.nasl</fname>\n<plugin_modification_date>2026/02/01</plugin_modification_date>\n",
            );
            h.push_str(&format!(
                "<plugin_name>{}</plugin_name>\n<plugin_type>local</plugin_type>\n",
                text(&mut texts, 40).trim()
            ));
            h.push_str(&format!(
                "<risk_factor>{}</risk_factor>\n",
                ["None", "Low", "Medium", "High", "Critical"][sev as usize]
            ));
            h.push_str(&format!(
                "<solution>{}</solution>\n<synopsis>{}</synopsis>\n",
                text(&mut texts, 120),
                text(&mut texts, 80)
            ));
            if vuln {
                let v3 = 1.0 + rng.below(90) as f64 / 10.0;
                h.push_str(&format!("<cvss3_base_score>{v3:.1}</cvss3_base_score>\n<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector>\n"));
                h.push_str("<cvss_base_score>7.5</cvss_base_score>\n<cvss_vector>CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P</cvss_vector>\n");
                for _ in 0..(1 + rng.below(6)) {
                    h.push_str(&format!("<cve>CVE-20{:02}-{}</cve>\n", 15 + rng.below(11), 1000 + rng.below(50_000)));
                }
                h.push_str("<see_also>https://example.invalid/advisory\nhttps://example.invalid/patch</see_also>\n");
                h.push_str("<vuln_publication_date>2025/06/01</vuln_publication_date>\n<patch_publication_date>2025/06/15</patch_publication_date>\n<exploit_available>true</exploit_available>\n");
            }
            let len = shape.output.0 + rng.below(shape.output.1) as usize;
            h.push_str(&format!("<plugin_output>{}</plugin_output>\n</ReportItem>\n", text(&mut rng, len)));
        }
        h.push_str("</ReportHost>\n");
        put(out, &h, &mut written)?;
    }
    put(out, "</Report>\n</NessusClientData_v2>\n", &mut written)?;
    Ok((hosts, items))
}

/// [`write_nessus`] into memory.
pub fn nessus_document(target_bytes: u64, seed: u64) -> (Vec<u8>, u64, u64) {
    let mut v = Vec::with_capacity(target_bytes as usize + 128 * 1024);
    let (h, i) = write_nessus(&mut v, target_bytes, seed).unwrap_or_default();
    (v, h, i)
}

/// A month of scans: `hosts` credentialed hosts with `per_host` findings each, drawn from
/// `plugins` distinct Nessus plugin IDs (weakness keys); scores spread over all ratings; some CVEs.
pub fn scan_month(hosts: usize, per_host: usize, plugins: u64, seed: u64, date: &str) -> conmon_core::ingest::ScanSet {
    use conmon_core::ingest::{HostScan, ScanSet};
    use conmon_core::model::{Asset, AssetType, Cvss, Finding, FindingKind, SourceFormat};
    let mut rng = Rng::new(seed);
    let when: chrono::DateTime<chrono::Utc> =
        format!("{date}T12:00:00Z").parse().unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let mut set = ScanSet::default();
    set.findings.reserve(hosts * per_host);
    for h in 0..hosts {
        let ip = format!("10.{}.{}.{}", (h >> 16) & 255, (h >> 8) & 255, h & 255);
        let asset =
            Asset { identifier: ip.clone(), asset_type: AssetType::Os, ip: Some(ip.clone()), ..Asset::default() };
        for _ in 0..per_host {
            let plugin = 10_000 + rng.below(plugins);
            let mut f = Finding::new(
                SourceFormat::Nessus,
                "Nessus",
                plugin.to_string(),
                format!("nessus:{plugin}"),
                FindingKind::Vulnerability,
                format!("Weakness {plugin}"),
                asset.clone(),
            );
            // The score is a property of the plugin, as in real scans.
            let score = 1.0 + (plugin % 90) as f64 / 10.0;
            f.cvss.v3 = Cvss::new(score, None).ok();
            f.cves = vec![format!("CVE-2025-{}", plugin).into()];
            f.port = Some(443);
            f.protocol = Some("tcp".into());
            f.observed_at = Some(when);
            set.findings.push(f);
        }
        set.context.hosts.push(HostScan {
            identifier: ip.clone(),
            asset_type: AssetType::Os,
            ip: Some(ip),
            fqdn: None,
            netbios: None,
            mac: None,
            os: None,
            scan_start: Some(when),
            scan_end: Some(when),
            zoneless_times: false,
            credentialed: Some(true),
            credentialed_evidence: None,
            file: "generated.nessus".to_string(),
            source_format: SourceFormat::Nessus,
            finding_count: per_host as u64,
        });
    }
    set
}

/// The next month of `set`: the same hosts and findings, except that `churn_percent` of the
/// findings are replaced by weaknesses drawn from `new_plugins` fresh plugin IDs (the old ones
/// are remediated, the new ones appear), all observed on `date`.
pub fn next_month(
    set: &conmon_core::ingest::ScanSet,
    churn_percent: u64,
    new_plugins: u64,
    seed: u64,
    date: &str,
) -> conmon_core::ingest::ScanSet {
    let mut rng = Rng::new(seed);
    let when: chrono::DateTime<chrono::Utc> =
        format!("{date}T12:00:00Z").parse().unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let mut next = set.clone();
    for f in &mut next.findings {
        f.observed_at = Some(when);
        if rng.below(100) < churn_percent {
            let plugin = 900_000 + rng.below(new_plugins);
            f.scanner_id = plugin.to_string().into();
            f.weakness_key = format!("nessus:{plugin}").into();
            f.name = format!("Weakness {plugin}").into();
            f.cves = vec![format!("CVE-2026-{plugin}").into()];
        }
    }
    for h in &mut next.context.hosts {
        h.scan_start = Some(when);
        h.scan_end = Some(when);
    }
    next
}

/// Writes an AWS Inspector2 `list-findings` export of `findings` package-vulnerability findings
/// over `hosts` EC2 instances (CVEs drawn from `findings / 10` distinct ones, CVSS v3 scores, fix
/// status, first and last observation times). Returns the number of findings written.
pub fn write_inspector2<W: std::io::Write>(out: &mut W, findings: u64, hosts: u64, seed: u64) -> std::io::Result<u64> {
    let mut rng = Rng::new(seed);
    let cves = (findings / 10).max(1);
    let sev = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
    out.write_all(b"{\"findings\": [\n")?;
    for i in 0..findings {
        let host = rng.below(hosts.max(1));
        let cve = rng.below(cves);
        let score = 1.0 + (cve % 90) as f64 / 10.0;
        let s = sev[((score - 1.0) / 2.5).min(3.0) as usize];
        let sep = if i + 1 == findings { "" } else { "," };
        let pkg = format!("pkg{}", cve % 997);
        writeln!(
            out,
            "{{\"awsAccountId\": \"123456789012\", \"findingArn\": \"arn:aws:inspector2:us-east-1:123456789012:finding/{i:032x}\", \
             \"type\": \"PACKAGE_VULNERABILITY\", \"status\": \"ACTIVE\", \"severity\": \"{s}\", \
             \"title\": \"CVE-2025-{cve} - {pkg}\", \"description\": \"{}\", \
             \"firstObservedAt\": \"2026-02-0{}T10:00:00Z\", \"lastObservedAt\": \"2026-03-09T10:00:00Z\", \
             \"updatedAt\": \"2026-03-09T10:00:00Z\", \"fixAvailable\": \"YES\", \"inspectorScore\": {score:.1}, \
             \"remediation\": {{\"recommendation\": {{\"text\": \"Update {pkg}.\"}}}}, \
             \"resources\": [{{\"type\": \"AWS_EC2_INSTANCE\", \"id\": \"i-{host:017x}\", \"region\": \"us-east-1\", \
             \"details\": {{\"awsEc2Instance\": {{\"ipV4Addresses\": [\"10.{}.{}.{}\"], \"platform\": \"AMAZON_LINUX_2\"}}}}}}], \
             \"packageVulnerabilityDetails\": {{\"vulnerabilityId\": \"CVE-2025-{cve}\", \"source\": \"NVD\", \
             \"cvss\": [{{\"baseScore\": {score:.1}, \"scoringVector\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\", \"source\": \"NVD\", \"version\": \"3.1\"}}], \
             \"vulnerablePackages\": [{{\"name\": \"{pkg}\", \"version\": \"1.0.{}\", \"fixedInVersion\": \"1.0.{}\", \"packageManager\": \"OS\"}}]}}}}{sep}",
            text(&mut rng, 120).replace(['\n', '"'], " "),
            1 + rng.below(9),
            (host >> 16) & 255,
            (host >> 8) & 255,
            host & 255,
            cve % 50,
            cve % 50 + 1
        )?;
    }
    out.write_all(b"]}\n")?;
    Ok(findings)
}

/// Writes a scan set as a Tenable CSV export (the columns conmon reads).
pub fn write_tenable_csv<W: std::io::Write>(set: &conmon_core::ingest::ScanSet, w: &mut W) -> std::io::Result<()> {
    writeln!(w, "Plugin ID,CVE,CVSS v3.0 Base Score,Risk,Host,Protocol,Port,Name,Description,Solution")?;
    for f in &set.findings {
        let score = f.cvss.v3.as_ref().map_or(0.0, |c| c.base_score);
        let risk = match score {
            s if s >= 9.0 => "Critical",
            s if s >= 7.0 => "High",
            s if s >= 4.0 => "Medium",
            _ => "Low",
        };
        writeln!(
            w,
            "{},{},{score:.1},{risk},{},tcp,443,{},The remote host is affected by {}.,Apply the vendor update.",
            f.scanner_id,
            f.cves.first().map_or("", |c| c.as_str()),
            f.asset.identifier,
            f.name,
            f.name
        )?;
    }
    Ok(())
}

/// A bare quick-xml event loop, configured as conmon's Nessus reader configures it: every event
/// built, none used. The floor under any quick-xml reader of the same bytes. Returns the events.
pub fn quick_xml_events<R: std::io::BufRead>(input: R) -> quick_xml::Result<u64> {
    let mut xml = quick_xml::Reader::from_reader(input);
    xml.config_mut().trim_text(false);
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut events = 0u64;
    loop {
        match xml.read_event_into(&mut buf)? {
            quick_xml::events::Event::Eof => break,
            _ => events += 1,
        }
        buf.clear();
    }
    Ok(events)
}

/// The process's peak resident memory so far (VmHWM), in MiB.
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Each item's template cells as plain strings: the input of the plain-cells workbook baseline.
pub fn template_rows(poam: &conmon_core::model::Poam) -> Vec<Vec<String>> {
    use conmon_core::io::template;
    poam.items()
        .map(|i| {
            template::cells(i)
                .iter()
                .map(|c| match c {
                    template::Cell::Empty => String::new(),
                    template::Cell::Text(s) => s.to_string(),
                    template::Cell::Date(d) => d.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The workbook baseline: rust_xlsxwriter writing `rows` as plain string cells in constant
/// memory, with no formats, dates, validation or injection guard (the least any xlsx writer must
/// do). Returns the workbook's size.
pub fn plain_xlsx(rows: &[Vec<String>]) -> usize {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let Ok(ws) = wb.add_worksheet_with_constant_memory() else { return 0 };
    for (r, row) in rows.iter().enumerate() {
        for (c, s) in row.iter().enumerate() {
            let _ = ws.write_string(r as u32, c as u16, s);
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    if wb.save_to_writer(&mut out).is_err() {
        return 0;
    }
    out.into_inner().len()
}
