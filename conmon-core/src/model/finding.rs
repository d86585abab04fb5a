use std::sync::Arc;

use compact_str::CompactString;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{CvssScores, ScannerSeverity};

/// The scanner format a finding was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Nessus v2 XML (`.nessus`).
    Nessus,
    /// Tenable / Nessus CSV export.
    TenableCsv,
    /// AWS Inspector2 findings JSON.
    Inspector2,
    /// AWS Security Hub ASFF.
    Asff,
    /// Trivy JSON.
    Trivy,
    /// Grype JSON.
    Grype,
    /// XCCDF / OpenSCAP results.
    Xccdf,
    /// SARIF 2.1.0.
    Sarif,
    /// Entered by hand or imported from a POA&M.
    Manual,
}

/// What kind of weakness a finding is. Only vulnerabilities run Rev5 remediation clocks on the
/// Open sheet; configuration findings go to the Configuration Findings sheet (R4.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A vulnerability from a vulnerability scanner.
    Vulnerability,
    /// A configuration / compliance check failure (XCCDF, Nessus compliance checks).
    Configuration,
    /// A code finding (SARIF).
    Code,
}

/// The asset type, as used for scan-coverage rules and the optional split by asset type (R4.2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    /// Operating system / infrastructure host.
    #[default]
    Os,
    /// Web application.
    Web,
    /// Database.
    Database,
    /// Container image (the asset is the image, per the IIW rule R6.7).
    Container,
    /// Source code repository.
    Code,
    /// Cloud resource (account-level service, bucket, function).
    Cloud,
}

/// An asset as a scanner describes it. `identifier` is the value used on the POA&M (column G)
/// and matched against the inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Asset {
    /// The unique asset identifier (IP, FQDN, URL, image reference, resource ARN).
    pub identifier: String,
    /// Asset type.
    #[serde(default)]
    pub asset_type: AssetType,
    /// IPv4/IPv6 address.
    #[serde(default)]
    pub ip: Option<String>,
    /// Fully qualified host name.
    #[serde(default)]
    pub fqdn: Option<String>,
    /// NetBIOS name.
    #[serde(default)]
    pub netbios: Option<String>,
    /// MAC address.
    #[serde(default)]
    pub mac: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub os: Option<String>,
}

/// One normalised finding: one weakness on one asset (and port), from one scanner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Format the finding was read from.
    pub source_format: SourceFormat,
    // The short identifiers below are `CompactString`s: up to 24 bytes they live inside the
    // finding, with no allocation of their own (a plugin ID, `nessus:19506`, `tcp`, a CVE ID).
    // A Nessus finding then costs 6.7 fewer allocations (callgrind, 10k findings: 249,619 to
    // 182,603 for the whole monthly job), and reconciliation and validation read the keys they
    // group by without following a pointer. They serialise as plain strings.
    /// Scanner product name (`Nessus`, `Trivy`, ...), for POA&M column E.
    #[schemars(with = "String")]
    pub scanner: CompactString,
    /// The scanner's unique vulnerability ID (plugin ID, CVE, rule ID), for column F.
    #[schemars(with = "String")]
    pub scanner_id: CompactString,
    /// Stable weakness key: scanner family + scanner ID. Never depends on volatile text.
    #[schemars(with = "String")]
    pub weakness_key: CompactString,
    /// Finding kind.
    pub kind: FindingKind,
    // The texts a scanner repeats for every finding of one check (a Nessus plugin's name,
    // description and solution are the same on every host) are shared: a reader may give all
    // those findings the same `Arc<str>`. They serialise as plain strings.
    /// Title (column C).
    pub name: Arc<str>,
    /// Description (column D).
    #[serde(default)]
    pub description: Arc<str>,
    /// Recommended fix.
    #[serde(default)]
    pub solution: Option<Arc<str>>,
    // Shared: every finding on one host points at the same `Asset`, so a scan of a thousand
    // findings per host holds its host's names once (serialised as a plain object;
    // `Arc::make_mut` gives a private copy to change).
    /// The affected asset.
    pub asset: Arc<Asset>,
    /// Port, when the finding is on a service.
    #[serde(default)]
    pub port: Option<u16>,
    /// Protocol (`tcp`, `udp`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub protocol: Option<CompactString>,
    /// Service name (`www`, `ssh`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub service: Option<CompactString>,
    /// The scanner's normalised severity (None when the scanner gave none).
    #[serde(default)]
    pub scanner_severity: Option<ScannerSeverity>,
    /// The scanner's severity label exactly as written.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub scanner_severity_label: Option<CompactString>,
    /// CVSS scores by version.
    #[serde(default)]
    pub cvss: CvssScores,
    /// Every CVE the finding lists, in input order, without duplicates.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cves: Vec<CompactString>,
    /// CWE identifiers.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cwes: Vec<CompactString>,
    /// When the scanner observed it (UTC).
    #[serde(default)]
    pub observed_at: Option<DateTime<Utc>>,
    /// Vulnerability publication date.
    #[serde(default)]
    pub vuln_published: Option<NaiveDate>,
    /// Patch publication date.
    #[serde(default)]
    pub patch_published: Option<NaiveDate>,
    /// Whether a public exploit is known.
    #[serde(default)]
    pub exploit_available: Option<bool>,
    /// Scanner output (evidence). Not part of identity.
    #[serde(default)]
    pub evidence: Option<String>,
    /// Reference URLs.
    #[serde(default)]
    pub see_also: Vec<String>,
    /// When the scanner first saw this weakness on this asset, when it tracks that (Tenable.sc
    /// `First Discovered`, Inspector2 `firstObservedAt`, ASFF `FirstObservedAt`). UTC.
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
    /// `observed_at` and `first_seen` were written without a zone (Nessus `HOST_END` text, an
    /// XCCDF time with no offset): they are the scanner's wall-clock times, stored as if UTC, so
    /// their date is the one written whatever the policy's `time_zone` ([`crate::zone`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zoneless_times: bool,
    // Boxed: most findings (host scans) have none, and a million findings then carry 8 bytes
    // each for it, not 96.
    /// The vulnerable software component (container and package scanners).
    #[serde(default)]
    pub component: Option<Box<Component>>,
    /// Where in the asset: file and line for code findings, file path or layer for packages.
    #[serde(default)]
    pub location: Option<String>,
    /// The scanner's own state for the finding when it records one (Trivy `Status`, Inspector2
    /// `status`, SARIF `suppressed`). Informational: a scanner's suppression is not a FedRAMP
    /// deviation, so such findings are kept.
    #[serde(default)]
    pub scanner_status: Option<String>,
}

/// A vulnerable software package, as container and package scanners report it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Component {
    /// Package name.
    pub name: String,
    /// Installed version.
    #[serde(default)]
    pub version: Option<String>,
    /// Version that fixes the weakness, when one exists.
    #[serde(default)]
    pub fixed_version: Option<String>,
    /// Package type or manager (`deb`, `rpm`, `npm`, `pip`...).
    #[serde(default)]
    pub package_type: Option<String>,
}

impl Finding {
    /// A finding with its identity fields set and everything else empty.
    pub fn new(
        source_format: SourceFormat,
        scanner: impl Into<CompactString>,
        scanner_id: impl Into<CompactString>,
        weakness_key: impl Into<CompactString>,
        kind: FindingKind,
        name: impl Into<Arc<str>>,
        asset: impl Into<Arc<Asset>>,
    ) -> Finding {
        Finding {
            source_format,
            scanner: scanner.into(),
            scanner_id: scanner_id.into(),
            weakness_key: weakness_key.into(),
            kind,
            name: name.into(),
            description: Arc::from(""),
            solution: None,
            asset: asset.into(),
            port: None,
            protocol: None,
            service: None,
            scanner_severity: None,
            scanner_severity_label: None,
            cvss: CvssScores::default(),
            cves: Vec::new(),
            cwes: Vec::new(),
            observed_at: None,
            vuln_published: None,
            patch_published: None,
            exploit_available: None,
            evidence: None,
            see_also: Vec::new(),
            first_seen: None,
            zoneless_times: false,
            component: None,
            location: None,
            scanner_status: None,
        }
    }

    /// Adds a CVE (trimmed, upper-cased) unless already listed.
    pub fn add_cve(&mut self, cve: &str) {
        let c = cve.trim();
        if c.is_empty() {
            return;
        }
        // Upper-cased in place, inline (a CVE ID fits in 24 bytes): no allocation.
        let mut c = CompactString::new(c);
        c.make_ascii_uppercase();
        if !self.cves.contains(&c) {
            self.cves.push(c);
        }
    }

    /// Adds a CWE as `CWE-n` unless already listed; accepts `79`, `CWE-79`, `cwe-79`.
    pub fn add_cwe(&mut self, cwe: &str) {
        let t = cwe.trim();
        if t.is_empty() {
            return;
        }
        let n = t.get(..4).filter(|p| p.eq_ignore_ascii_case("CWE-")).map_or(t, |_| &t[4..]);
        let c = compact_str::format_compact!("CWE-{n}");
        if !self.cwes.contains(&c) {
            self.cwes.push(c);
        }
    }

    /// Sets the scanner severity from its label, keeping the label as written.
    pub fn set_severity_label(&mut self, label: &str) {
        let l = label.trim();
        if l.is_empty() {
            return;
        }
        self.scanner_severity = ScannerSeverity::parse_label(l);
        self.scanner_severity_label = Some(CompactString::from(l));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Finding {
        let asset = Asset {
            identifier: "10.0.0.5".to_string(),
            asset_type: AssetType::Os,
            ip: Some("10.0.0.5".to_string()),
            fqdn: None,
            netbios: None,
            mac: None,
            os: None,
        };
        Finding::new(SourceFormat::Nessus, "Nessus", "19506", "nessus:19506", FindingKind::Vulnerability, "t", asset)
    }

    #[test]
    fn cves_are_trimmed_upper_cased_and_listed_once() {
        let mut f = sample();
        for c in [" cve-2024-3094 ", "CVE-2024-3094", "", "  ", "cve-2023-44487"] {
            f.add_cve(c);
        }
        // Longer than the 24 bytes kept inline: stored on the heap, same rules.
        let long = "cve-2024-1234567890123456789";
        f.add_cve(long);
        f.add_cve(&long.to_ascii_uppercase());
        assert_eq!(f.cves, ["CVE-2024-3094", "CVE-2023-44487", "CVE-2024-1234567890123456789"]);
    }

    #[test]
    fn cwes_take_the_cwe_prefix_in_any_case_or_none() {
        let mut f = sample();
        for c in ["79", "CWE-79", "cwe-79", " 89 ", "Cwe-22", ""] {
            f.add_cwe(c);
        }
        assert_eq!(f.cwes, ["CWE-79", "CWE-89", "CWE-22"]);
    }

    #[test]
    fn compact_fields_serialise_as_plain_strings_and_read_back() {
        let mut f = sample();
        f.protocol = Some("tcp".into());
        f.scanner_severity_label = Some("High".into());
        f.add_cve("CVE-2024-3094");
        // One identifier past the inline limit, to cover the heap form too.
        f.scanner_id = CompactString::from("a-scanner-id-longer-than-twenty-four-bytes");
        let v = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(v["scanner"], "Nessus");
        assert_eq!(v["scanner_id"], "a-scanner-id-longer-than-twenty-four-bytes");
        assert_eq!(v["weakness_key"], "nessus:19506");
        assert_eq!(v["protocol"], "tcp");
        assert_eq!(v["scanner_severity_label"], "High");
        assert_eq!(v["cves"], serde_json::json!(["CVE-2024-3094"]));
        let back: Finding = serde_json::from_value(v).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, f);
    }
}
