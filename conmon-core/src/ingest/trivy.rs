//! Trivy JSON: `SchemaVersion` 2 reports (image, filesystem, repository, SBOM), the legacy
//! pre-schema top-level array, and Kubernetes reports (`ClusterName` with `Resources`, or the
//! older `Vulnerabilities` / `Misconfigurations` lists of workloads). Streamed one result (or
//! workload) at a time.
//!
//! Asset: for an image scan the image (`ArtifactName`, type container), whatever package file a
//! result names (that path goes to `location`), per the inventory rule that the image is the
//! asset. Legacy reports carry no artifact name: the image is the OS result's target without its
//! ` (os version)` suffix. Kubernetes vulnerabilities belong to the workload's image (from the
//! target); Kubernetes misconfigurations belong to the workload (`namespace/Kind/name`, type cloud).
//!
//! Findings: vulnerabilities (`trivy:<VulnerabilityID>`), failed misconfigurations
//! (`trivy-config:<ID>`, configuration findings; `PASS` ones are skipped), secrets
//! (`trivy-secret:<RuleID>`). CVSS: NVD's when given, else the severity source's, else the first.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::ScanSet;
use super::common::{Counting, Tally, cvss, de_score, de_time, stream_json, strip_os_suffix};
use crate::error::Result;
use crate::model::{Asset, AssetType, Component, CvssScores, Finding, FindingKind, SourceFormat};

/// A result (`Target` + lists) or a Kubernetes workload (`Namespace`/`Kind`/`Name` + `Results`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Entry {
    target: String,
    class: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    vulnerabilities: Option<Vec<Vuln>>,
    misconfigurations: Option<Vec<Misconfig>>,
    secrets: Option<Vec<Secret>>,
    namespace: Option<String>,
    #[serde(rename = "Kind")]
    workload_kind: Option<String>,
    name: Option<String>,
    results: Option<Vec<Entry>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Vuln {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: String,
    pkg_name: String,
    pkg_path: Option<String>,
    installed_version: Option<String>,
    fixed_version: Option<String>,
    status: Option<String>,
    severity: String,
    severity_source: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "CweIDs")]
    cwe_ids: Option<Vec<String>>,
    #[serde(rename = "CVSS")]
    cvss: Option<BTreeMap<String, TrivyCvss>>,
    references: Option<Vec<String>>,
    #[serde(rename = "PrimaryURL")]
    primary_url: Option<String>,
    #[serde(deserialize_with = "de_time")]
    published_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrivyCvss {
    #[serde(rename = "V2Vector")]
    v2_vector: Option<String>,
    #[serde(rename = "V3Vector")]
    v3_vector: Option<String>,
    #[serde(rename = "V40Vector")]
    v4_vector: Option<String>,
    #[serde(rename = "V2Score", deserialize_with = "de_score")]
    v2_score: Option<f64>,
    #[serde(rename = "V3Score", deserialize_with = "de_score")]
    v3_score: Option<f64>,
    #[serde(rename = "V40Score", deserialize_with = "de_score")]
    v4_score: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Misconfig {
    #[serde(rename = "ID")]
    id: String,
    title: Option<String>,
    description: Option<String>,
    message: Option<String>,
    resolution: Option<String>,
    severity: String,
    #[serde(rename = "PrimaryURL")]
    primary_url: Option<String>,
    references: Option<Vec<String>>,
    status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Secret {
    #[serde(rename = "RuleID")]
    rule_id: String,
    category: Option<String>,
    severity: String,
    title: Option<String>,
    start_line: Option<u64>,
    #[serde(rename = "Match")]
    matched: Option<String>,
}

/// Where findings of an entry go before the artifact is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The report's artifact (`ArtifactName`), filled in at the end.
    Artifact,
    /// Legacy report: the OS target's image, filled in at the end.
    LegacyImage,
    /// Already set.
    Fixed,
}

/// Reads a Trivy JSON report.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Trivy, &set);
    let first = set.findings.len();
    let mut owners: Vec<Owner> = Vec::new();
    let mut legacy_image: Option<String> = None;
    let mut skipped = 0u64;
    let findings = &mut set.findings;
    let doc = stream_json::<_, Entry>(
        counted,
        label,
        &["Results", "Resources", "Vulnerabilities", "Misconfigurations", ""],
        &["ArtifactName", "ArtifactType", "SchemaVersion", "ClusterName"],
        &mut |key, _, entry| {
            match key {
                "Results" => push_result(&entry, None, Owner::Artifact, findings, &mut owners, &mut skipped),
                "" => {
                    if legacy_image.is_none() && entry.target.trim_end().ends_with(')') {
                        legacy_image = Some(strip_os_suffix(&entry.target).to_string());
                    }
                    push_result(&entry, None, Owner::LegacyImage, findings, &mut owners, &mut skipped)
                }
                // Kubernetes workloads.
                _ => {
                    let workload = format!(
                        "{}/{}/{}",
                        entry.namespace.as_deref().unwrap_or(""),
                        entry.workload_kind.as_deref().unwrap_or(""),
                        entry.name.as_deref().unwrap_or("")
                    );
                    for r in entry.results.iter().flatten() {
                        push_result(r, Some(&workload), Owner::Fixed, findings, &mut owners, &mut skipped)?;
                    }
                    Ok(())
                }
            }
        },
    )?;
    let header = &doc.header;
    let cluster = header.get("ClusterName").and_then(Value::as_str).map(str::to_string);
    let artifact_name = header.get("ArtifactName").and_then(Value::as_str).unwrap_or("").to_string();
    let artifact_type = header.get("ArtifactType").and_then(Value::as_str).unwrap_or("");
    let artifact = Arc::new(Asset {
        identifier: if artifact_name.is_empty() { label.to_string() } else { artifact_name },
        asset_type: match artifact_type {
            "filesystem" | "repository" => AssetType::Code,
            "vm" => AssetType::Os,
            // container_image, and SBOMs (cyclonedx, spdx), which Trivy is given for images.
            _ => AssetType::Container,
        },
        ..Asset::default()
    });
    let legacy = legacy_image
        .as_ref()
        .map(|img| Arc::new(Asset { identifier: img.clone(), asset_type: AssetType::Container, ..Asset::default() }));
    for (f, owner) in set.findings[first..].iter_mut().zip(&owners) {
        match owner {
            Owner::Artifact => f.asset = artifact.clone(),
            Owner::LegacyImage => {
                if let Some(img) = &legacy {
                    f.asset = img.clone();
                }
            }
            Owner::Fixed => {}
        }
        tally.count(&f.asset);
    }
    if set.findings.len() == first && !doc.arrays.is_empty() && doc.arrays.iter().any(|a| a == "Results") {
        // A clean image is still a scanned asset.
        tally.host(&artifact);
    }
    let version = header.get("SchemaVersion").map(|v| format!("Trivy (schema {v})"));
    tally.scanner = Some(version.unwrap_or_else(|| "Trivy".to_string()));
    if let Some(c) = cluster {
        tally.scanner = Some(format!("Trivy (cluster {c})"));
    }
    tally.skipped = skipped;
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

fn push_result(
    e: &Entry,
    workload: Option<&str>,
    owner: Owner,
    out: &mut Vec<Finding>,
    owners: &mut Vec<Owner>,
    skipped: &mut u64,
) -> Result<()> {
    let target = e.target.trim();
    let os_result = e.class.as_deref() == Some("os-pkgs") || target.ends_with(')');
    // Provisional asset: replaced at the end for Artifact / LegacyImage owners.
    let (asset, owner) = match workload {
        Some(_) if e.vulnerabilities.as_ref().is_some_and(|v| !v.is_empty()) && os_result => (
            Asset {
                identifier: strip_os_suffix(target).to_string(),
                asset_type: AssetType::Container,
                ..Asset::default()
            },
            Owner::Fixed,
        ),
        Some(w) => {
            (Asset { identifier: w.to_string(), asset_type: AssetType::Cloud, ..Asset::default() }, Owner::Fixed)
        }
        None => (Asset { identifier: target.to_string(), asset_type: AssetType::Container, ..Asset::default() }, owner),
    };
    let asset = Arc::new(asset);
    let location = |extra: Option<&str>| -> Option<String> {
        let base = match workload {
            Some(w) => format!("{w} {target}"),
            None => target.to_string(),
        };
        Some(match extra {
            Some(x) => format!("{base}:{x}"),
            None => base,
        })
    };
    for v in e.vulnerabilities.iter().flatten() {
        let name = v
            .title
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("{} in {}", v.vulnerability_id, v.pkg_name));
        let mut f = Finding::new(
            SourceFormat::Trivy,
            "Trivy",
            &v.vulnerability_id,
            format!("trivy:{}", v.vulnerability_id),
            FindingKind::Vulnerability,
            name,
            asset.clone(),
        );
        f.description = v.description.as_deref().unwrap_or_default().into();
        f.set_severity_label(&v.severity);
        if v.vulnerability_id.starts_with("CVE-") {
            f.add_cve(&v.vulnerability_id);
        }
        for c in v.cwe_ids.iter().flatten() {
            f.add_cwe(c);
        }
        f.cvss = pick_cvss(v)?;
        f.component = Some(Box::new(Component {
            name: v.pkg_name.clone(),
            version: v.installed_version.clone(),
            fixed_version: v.fixed_version.clone().filter(|x| !x.is_empty()),
            package_type: e.kind.clone(),
        }));
        f.solution =
            v.fixed_version.as_ref().filter(|x| !x.is_empty()).map(|x| format!("Upgrade {} to {x}", v.pkg_name).into());
        f.location = location(v.pkg_path.as_deref());
        f.scanner_status = v.status.clone();
        f.vuln_published = v.published_date.map(|d| d.date_naive());
        f.see_also = v.primary_url.iter().cloned().chain(v.references.iter().flatten().cloned()).collect();
        out.push(f);
        owners.push(owner);
    }
    for m in e.misconfigurations.iter().flatten() {
        if m.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("FAIL")) {
            *skipped += 1;
            continue;
        }
        let name = m.title.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| m.id.clone());
        let mut f = Finding::new(
            SourceFormat::Trivy,
            "Trivy",
            &m.id,
            format!("trivy-config:{}", m.id),
            FindingKind::Configuration,
            name,
            asset.clone(),
        );
        f.description = m.description.as_deref().unwrap_or_default().into();
        f.set_severity_label(&m.severity);
        f.solution = m.resolution.as_deref().map(Into::into);
        f.evidence = m.message.clone();
        f.location = location(None);
        f.scanner_status = m.status.clone();
        f.see_also = m.primary_url.iter().cloned().chain(m.references.iter().flatten().cloned()).collect();
        out.push(f);
        owners.push(owner);
    }
    for s in e.secrets.iter().flatten() {
        let name = s.title.clone().unwrap_or_else(|| s.rule_id.clone());
        let mut f = Finding::new(
            SourceFormat::Trivy,
            "Trivy",
            &s.rule_id,
            format!("trivy-secret:{}", s.rule_id),
            FindingKind::Vulnerability,
            name,
            asset.clone(),
        );
        f.description = format!("Secret of category {} found", s.category.as_deref().unwrap_or("unknown")).into();
        f.set_severity_label(&s.severity);
        f.location = location(s.start_line.map(|l| l.to_string()).as_deref());
        f.evidence = s.matched.clone();
        out.push(f);
        owners.push(owner);
    }
    Ok(())
}

fn pick_cvss(v: &Vuln) -> Result<CvssScores> {
    let mut out = CvssScores::default();
    let Some(map) = &v.cvss else { return Ok(out) };
    let preferred = ["nvd", v.severity_source.as_deref().unwrap_or("")];
    let mut sources: Vec<(&String, &TrivyCvss)> = map.iter().collect();
    sources.sort_by_key(|(k, _)| preferred.iter().position(|p| p == k).unwrap_or(preferred.len()));
    for (source, c) in sources {
        let field = |v: &str| format!("CVSS.{source}.{v}");
        if out.v2.is_none()
            && let Some(s) = c.v2_score
        {
            out.v2 = Some(cvss(s, c.v2_vector.as_deref(), &field("V2Score"))?);
        }
        if out.v3.is_none()
            && let Some(s) = c.v3_score
        {
            out.v3 = Some(cvss(s, c.v3_vector.as_deref(), &field("V3Score"))?);
        }
        if out.v4.is_none()
            && let Some(s) = c.v4_score
        {
            out.v4 = Some(cvss(s, c.v4_vector.as_deref(), &field("V40Score"))?);
        }
    }
    Ok(out)
}
