//! AWS Security Hub findings (ASFF): `{"Findings": [...]}` (`get-findings`), `{"findings": [...]}`,
//! or a bare array (Prowler, exports). Streamed one finding at a time.
//!
//! What becomes a finding: records with `Compliance.Status` `FAILED` or `WARNING` (configuration
//! findings), records with `Vulnerabilities` (vulnerabilities), and other active records such as
//! GuardDuty detections (vulnerabilities). Not findings, counted as skipped: `RecordState`
//! `ARCHIVED`, `Workflow.Status` `RESOLVED`, and `Compliance.Status` `PASSED`, `NOT_AVAILABLE`
//! or anything else that is not a failure. `SUPPRESSED` workflow records are kept with that status.
//!
//! Weakness key: Inspector findings use `inspector2:<vulnerability id>` (the same as the
//! Inspector2 reader, so the same weakness keeps its identity across export paths); GuardDuty
//! uses `asff:guardduty:<first finding type>` (its generator is the detector, shared by every
//! detection); everything else `asff:<GeneratorId>` (a control or check id).
//!
//! Asset per resource: an EC2 instance is its instance id; an ECR image `repository:tag`
//! (container); anything else is the resource id (cloud).

use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ScanSet;
use super::common::{Counting, ScoreEntry, Tally, de_score, de_time_zoned, pick_scores, stream_json};
use crate::error::Result;
use crate::model::{Asset, AssetType, Component, Finding, FindingKind, SourceFormat};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Record {
    id: String,
    product_arn: String,
    product_name: Option<String>,
    generator_id: String,
    types: Vec<String>,
    title: String,
    description: String,
    #[serde(deserialize_with = "de_time_zoned")]
    first_observed_at: Option<(DateTime<Utc>, bool)>,
    #[serde(deserialize_with = "de_time_zoned")]
    last_observed_at: Option<(DateTime<Utc>, bool)>,
    #[serde(deserialize_with = "de_time_zoned")]
    updated_at: Option<(DateTime<Utc>, bool)>,
    severity: Option<Severity>,
    remediation: Option<Remediation>,
    resources: Vec<Resource>,
    compliance: Option<Compliance>,
    record_state: Option<String>,
    workflow: Option<Workflow>,
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Severity {
    label: Option<String>,
    original: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Remediation {
    recommendation: Option<Recommendation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Recommendation {
    text: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Resource {
    #[serde(rename = "Type")]
    kind: String,
    id: String,
    details: Option<ResourceDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResourceDetails {
    #[serde(rename = "AwsEc2Instance")]
    ec2: Option<Ec2>,
    #[serde(rename = "AwsEcrContainerImage")]
    ecr: Option<Ecr>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Ec2 {
    ip_v4_addresses: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Ecr {
    repository_name: Option<String>,
    image_tags: Vec<String>,
    image_digest: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Compliance {
    status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Workflow {
    status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Vulnerability {
    id: String,
    vulnerable_packages: Vec<Package>,
    cvss: Vec<CvssEntry>,
    reference_urls: Vec<String>,
    related_vulnerabilities: Vec<String>,
    exploit_available: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Package {
    name: String,
    version: Option<String>,
    fixed_in_version: Option<String>,
    package_manager: Option<String>,
    file_path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct CvssEntry {
    version: Option<String>,
    #[serde(deserialize_with = "de_score")]
    base_score: Option<f64>,
    base_vector: Option<String>,
    source: Option<String>,
}

/// Reads an ASFF document.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Asff, &set);
    tally.scanner = Some("AWS Security Hub".to_string());
    let findings = &mut set.findings;
    stream_json::<_, Record>(counted, label, &["Findings", "findings", ""], &[], &mut |_, _, r| {
        if !is_open(&r) {
            tally.skipped += 1;
            return Ok(());
        }
        if r.resources.is_empty() {
            let f = finding(&r, &Resource { id: r.id.clone(), ..Resource::default() })?;
            tally.count(&f.asset);
            findings.push(f);
        }
        for res in &r.resources {
            let f = finding(&r, res)?;
            tally.count(&f.asset);
            findings.push(f);
        }
        Ok(())
    })?;
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

fn is_open(r: &Record) -> bool {
    let eq = |v: &Option<String>, s: &str| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(s));
    if eq(&r.record_state, "ARCHIVED") || r.workflow.as_ref().is_some_and(|w| eq(&w.status, "RESOLVED")) {
        return false;
    }
    match r.compliance.as_ref().and_then(|c| c.status.as_deref()) {
        Some(s) => s.eq_ignore_ascii_case("FAILED") || s.eq_ignore_ascii_case("WARNING"),
        None => true,
    }
}

fn product(r: &Record) -> String {
    r.product_name.clone().unwrap_or_else(|| r.product_arn.rsplit('/').next().unwrap_or("").to_string())
}

fn asset_of(res: &Resource) -> Asset {
    let d = res.details.as_ref();
    if res.kind == "AwsEc2Instance" {
        let id = res.id.rsplit('/').next().unwrap_or(&res.id).to_string();
        let ip = d.and_then(|d| d.ec2.as_ref()).and_then(|e| e.ip_v4_addresses.first().cloned());
        return Asset { identifier: id, asset_type: AssetType::Os, ip, ..Asset::default() };
    }
    if let Some(ecr) = d.and_then(|d| d.ecr.as_ref()) {
        let repo = ecr.repository_name.clone().unwrap_or_else(|| res.id.clone());
        let id = match (ecr.image_tags.first(), &ecr.image_digest) {
            (Some(tag), _) => format!("{repo}:{tag}"),
            (None, Some(digest)) => format!("{repo}@{digest}"),
            (None, None) => repo,
        };
        return Asset { identifier: id, asset_type: AssetType::Container, ..Asset::default() };
    }
    let kind = if res.kind.starts_with("AwsEcr") { AssetType::Container } else { AssetType::Cloud };
    Asset { identifier: res.id.clone(), asset_type: kind, ..Asset::default() }
}

fn finding(r: &Record, res: &Resource) -> Result<Finding> {
    let product = product(r);
    let vuln = r.vulnerabilities.first();
    let (scanner_id, key, kind) = if let Some(v) = vuln {
        let key = if r.product_arn.ends_with("/inspector") {
            format!("inspector2:{}", v.id)
        } else {
            format!("asff:{}:{}", product.to_ascii_lowercase(), v.id)
        };
        (v.id.clone(), key, FindingKind::Vulnerability)
    } else if r.compliance.is_some() {
        (r.generator_id.clone(), format!("asff:{}", r.generator_id), FindingKind::Configuration)
    } else if r.product_arn.ends_with("/guardduty") {
        let t = r.types.first().cloned().unwrap_or_else(|| r.generator_id.clone());
        (t.clone(), format!("asff:guardduty:{t}"), FindingKind::Vulnerability)
    } else {
        (r.generator_id.clone(), format!("asff:{}", r.generator_id), FindingKind::Vulnerability)
    };
    let name = if r.title.is_empty() { scanner_id.clone() } else { r.title.clone() };
    let mut f = Finding::new(SourceFormat::Asff, product, scanner_id, key, kind, name, asset_of(res));
    f.description = r.description.as_str().into();
    if let Some(s) = &r.severity {
        f.set_severity_label(s.label.as_deref().or(s.original.as_deref()).unwrap_or(""));
    }
    let last = r.last_observed_at.or(r.updated_at);
    f.first_seen = r.first_observed_at.map(|(t, _)| t);
    f.observed_at = last.map(|(t, _)| t);
    // The detection date comes from the first sighting, else the last (see `crate::zone`).
    f.zoneless_times = r.first_observed_at.or(last).is_some_and(|(_, z)| z);
    f.scanner_status = r.workflow.as_ref().and_then(|w| w.status.clone());
    if let Some(rec) = r.remediation.as_ref().and_then(|m| m.recommendation.as_ref()) {
        f.solution = rec.text.as_deref().filter(|t| !t.is_empty()).map(Into::into);
        if let Some(u) = &rec.url {
            f.see_also.push(u.clone());
        }
    }
    for v in &r.vulnerabilities {
        if v.id.starts_with("CVE-") {
            f.add_cve(&v.id);
        }
        for rel in &v.related_vulnerabilities {
            if rel.starts_with("CVE-") {
                f.add_cve(rel);
            }
        }
    }
    if let Some(v) = vuln {
        let entries: Vec<ScoreEntry<'_>> = v
            .cvss
            .iter()
            .map(|e| ScoreEntry {
                score: e.base_score,
                vector: e.base_vector.as_deref(),
                version: e.version.as_deref(),
                nvd: e.source.as_deref() == Some("NVD"),
            })
            .collect();
        pick_scores(&entries, &mut f.cvss, |i| format!("Vulnerabilities[0].Cvss[{i}].BaseScore"))?;
        f.see_also.extend(v.reference_urls.iter().cloned());
        f.exploit_available = match v.exploit_available.as_deref() {
            Some("YES") => Some(true),
            Some("NO") => Some(false),
            _ => None,
        };
        if let Some(p) = v.vulnerable_packages.first() {
            f.component = Some(Box::new(Component {
                name: p.name.clone(),
                version: p.version.clone(),
                fixed_version: p.fixed_in_version.clone().filter(|v| !v.is_empty()),
                package_type: p.package_manager.clone(),
            }));
            f.location = p.file_path.clone();
        }
    }
    Ok(f)
}
