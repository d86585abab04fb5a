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
    /// Scanner product name (`Nessus`, `Trivy`, ...), for POA&M column E.
    pub scanner: String,
    /// The scanner's unique vulnerability ID (plugin ID, CVE, rule ID), for column F.
    pub scanner_id: String,
    /// Stable weakness key: scanner family + scanner ID. Never depends on volatile text.
    pub weakness_key: String,
    /// Finding kind.
    pub kind: FindingKind,
    /// Title (column C).
    pub name: String,
    /// Description (column D).
    #[serde(default)]
    pub description: String,
    /// Recommended fix.
    #[serde(default)]
    pub solution: Option<String>,
    /// The affected asset.
    pub asset: Asset,
    /// Port, when the finding is on a service.
    #[serde(default)]
    pub port: Option<u16>,
    /// Protocol (`tcp`, `udp`).
    #[serde(default)]
    pub protocol: Option<String>,
    /// Service name (`www`, `ssh`).
    #[serde(default)]
    pub service: Option<String>,
    /// The scanner's normalised severity (None when the scanner gave none).
    #[serde(default)]
    pub scanner_severity: Option<ScannerSeverity>,
    /// The scanner's severity label exactly as written.
    #[serde(default)]
    pub scanner_severity_label: Option<String>,
    /// CVSS scores by version.
    #[serde(default)]
    pub cvss: CvssScores,
    /// Every CVE the finding lists, in input order, without duplicates.
    #[serde(default)]
    pub cves: Vec<String>,
    /// CWE identifiers.
    #[serde(default)]
    pub cwes: Vec<String>,
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
}
