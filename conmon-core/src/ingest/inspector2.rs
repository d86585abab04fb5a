//! AWS Inspector2 findings JSON: the `aws inspector2 list-findings` output and the findings
//! report export (`{"findings": [...]}`, either key case). Streamed one finding at a time.
//!
//! Asset per resource: an EC2 instance is the instance id (type OS, IPv4 address kept); an ECR
//! image is `repository:tag` (or `repository@digest`), type container, following the inventory
//! rule that the image is the asset; a Lambda function is its name (type cloud); any other
//! resource is its id.
//!
//! Weakness key: `inspector2:<vulnerabilityId>` for package findings,
//! `inspector2:code:<ruleId>` for code findings, `inspector2:network:<title>` for network
//! reachability. `CLOSED` findings are remediated and yield no finding (counted as skipped);
//! `SUPPRESSED` ones are kept with their status, since an Inspector suppression rule is not a
//! FedRAMP deviation.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ScanSet;
use super::common::{Counting, ScoreEntry, Tally, de_score, de_time_zoned, pick_scores, stream_json};
use crate::error::Result;
use crate::model::{Asset, AssetType, Component, Finding, FindingKind, SourceFormat};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Record {
    finding_arn: String,
    title: String,
    description: String,
    severity: String,
    status: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "de_time_zoned")]
    first_observed_at: Option<(DateTime<Utc>, bool)>,
    #[serde(deserialize_with = "de_time_zoned")]
    last_observed_at: Option<(DateTime<Utc>, bool)>,
    exploit_available: Option<String>,
    package_vulnerability_details: Option<PackageDetails>,
    code_vulnerability_details: Option<CodeDetails>,
    remediation: Option<Remediation>,
    resources: Vec<Resource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PackageDetails {
    vulnerability_id: String,
    cvss: Vec<CvssEntry>,
    reference_urls: Vec<String>,
    related_vulnerabilities: Vec<String>,
    source_url: Option<String>,
    vulnerable_packages: Vec<Package>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CvssEntry {
    #[serde(deserialize_with = "de_score")]
    base_score: Option<f64>,
    scoring_vector: Option<String>,
    source: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Package {
    name: String,
    version: Option<String>,
    fixed_in_version: Option<String>,
    package_manager: Option<String>,
    file_path: Option<String>,
    remediation: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CodeDetails {
    cwes: Vec<String>,
    detector_id: Option<String>,
    detector_name: Option<String>,
    rule_id: Option<String>,
    file_path: Option<CodePath>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CodePath {
    file_path: Option<String>,
    start_line: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Remediation {
    recommendation: Option<Recommendation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Recommendation {
    text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Resource {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    details: Option<ResourceDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ResourceDetails {
    aws_ec2_instance: Option<Ec2>,
    aws_ecr_container_image: Option<Ecr>,
    aws_lambda_function: Option<Lambda>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Ec2 {
    ip_v4_addresses: Vec<String>,
    platform: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Ecr {
    repository_name: Option<String>,
    image_tags: Vec<String>,
    image_hash: Option<String>,
    platform: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Lambda {
    function_name: Option<String>,
}

/// Reads an Inspector2 findings document.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Inspector2, &set);
    tally.scanner = Some("Amazon Inspector".to_string());
    let findings = &mut set.findings;
    stream_json::<_, Record>(counted, label, &["findings", "Findings"], &[], &mut |_, _, mut r| {
        if r.status.eq_ignore_ascii_case("CLOSED") {
            tally.skipped += 1;
            return Ok(());
        }
        let mut resources = std::mem::take(&mut r.resources);
        if resources.is_empty() {
            resources.push(Resource::default());
        }
        for res in &resources {
            let f = finding(&r, res)?;
            tally.count(&f.asset);
            findings.push(f);
        }
        Ok(())
    })?;
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

fn asset_of(res: &Resource, fallback: &str) -> Asset {
    let d = res.details.as_ref();
    if let Some(ec2) = d.and_then(|d| d.aws_ec2_instance.as_ref()) {
        let id = res.id.rsplit('/').next().unwrap_or(&res.id).to_string();
        return Asset {
            identifier: id,
            asset_type: AssetType::Os,
            ip: ec2.ip_v4_addresses.first().cloned(),
            os: ec2.platform.clone(),
            ..Asset::default()
        };
    }
    if let Some(ecr) = d.and_then(|d| d.aws_ecr_container_image.as_ref()) {
        let repo = ecr.repository_name.clone().unwrap_or_else(|| res.id.clone());
        let id = match (ecr.image_tags.first(), &ecr.image_hash) {
            (Some(tag), _) => format!("{repo}:{tag}"),
            (None, Some(hash)) => format!("{repo}@{hash}"),
            (None, None) => repo,
        };
        return Asset {
            identifier: id,
            asset_type: AssetType::Container,
            os: ecr.platform.clone(),
            ..Asset::default()
        };
    }
    if let Some(name) = d.and_then(|d| d.aws_lambda_function.as_ref()).and_then(|l| l.function_name.clone()) {
        return Asset { identifier: name, asset_type: AssetType::Cloud, ..Asset::default() };
    }
    let kind = match res.kind.as_str() {
        "AWS_EC2_INSTANCE" => AssetType::Os,
        "AWS_ECR_CONTAINER_IMAGE" | "AWS_ECR_REPOSITORY" => AssetType::Container,
        _ => AssetType::Cloud,
    };
    let id = if res.id.is_empty() { fallback.to_string() } else { res.id.clone() };
    Asset { identifier: id, asset_type: kind, ..Asset::default() }
}

fn finding(r: &Record, res: &Resource) -> Result<Finding> {
    let asset = asset_of(res, &r.finding_arn);
    let (id, key, kind) = if let Some(pkg) = &r.package_vulnerability_details {
        (pkg.vulnerability_id.clone(), format!("inspector2:{}", pkg.vulnerability_id), FindingKind::Vulnerability)
    } else if let Some(code) = &r.code_vulnerability_details {
        let rule = code.rule_id.clone().or_else(|| code.detector_id.clone()).unwrap_or_else(|| r.title.clone());
        (rule.clone(), format!("inspector2:code:{rule}"), FindingKind::Code)
    } else {
        let t = r.title.trim().to_string();
        (t.clone(), format!("inspector2:{}:{t}", r.kind.to_ascii_lowercase()), FindingKind::Vulnerability)
    };
    let name = if r.title.is_empty() { id.clone() } else { r.title.clone() };
    let mut f = Finding::new(SourceFormat::Inspector2, "Amazon Inspector", id, key, kind, name, asset);
    f.description = r.description.as_str().into();
    f.set_severity_label(&r.severity);
    f.first_seen = r.first_observed_at.map(|(t, _)| t);
    f.observed_at = r.last_observed_at.map(|(t, _)| t);
    // The detection date comes from the first sighting, else the last (see `crate::zone`).
    f.zoneless_times = r.first_observed_at.or(r.last_observed_at).is_some_and(|(_, z)| z);
    f.scanner_status = Some(r.status.clone()).filter(|s| !s.is_empty());
    f.exploit_available = r.exploit_available.as_deref().and_then(|e| match e {
        "YES" => Some(true),
        "NO" => Some(false),
        _ => None,
    });
    f.solution = r
        .remediation
        .as_ref()
        .and_then(|m| m.recommendation.as_ref())
        .and_then(|m| m.text.as_deref())
        .filter(|t| !t.is_empty() && *t != "None Provided")
        .map(Into::into);
    if let Some(pkg) = &r.package_vulnerability_details {
        if pkg.vulnerability_id.starts_with("CVE-") {
            f.add_cve(&pkg.vulnerability_id);
        }
        for related in &pkg.related_vulnerabilities {
            if related.starts_with("CVE-") {
                f.add_cve(related);
            }
        }
        // NVD's entry first, per the rating rule; otherwise the first of each version.
        let entries: Vec<ScoreEntry<'_>> = pkg
            .cvss
            .iter()
            .map(|e| ScoreEntry {
                score: e.base_score,
                vector: e.scoring_vector.as_deref(),
                version: e.version.as_deref(),
                nvd: e.source.as_deref() == Some("NVD"),
            })
            .collect();
        pick_scores(&entries, &mut f.cvss, |i| format!("packageVulnerabilityDetails.cvss[{i}].baseScore"))?;
        f.see_also = pkg.reference_urls.clone();
        if let Some(u) = &pkg.source_url
            && !f.see_also.contains(u)
        {
            f.see_also.push(u.clone());
        }
        if let Some(first) = pkg.vulnerable_packages.first() {
            f.component = Some(Box::new(Component {
                name: first.name.clone(),
                version: first.version.clone(),
                fixed_version: first.fixed_in_version.clone().filter(|v| !v.is_empty() && v != "NotAvailable"),
                package_type: first.package_manager.clone(),
            }));
            f.location = first.file_path.clone();
            if f.solution.is_none() {
                f.solution = first.remediation.as_deref().map(Into::into);
            }
        }
    }
    if let Some(code) = &r.code_vulnerability_details {
        for c in &code.cwes {
            f.add_cwe(c);
        }
        if let Some(path) = &code.file_path {
            f.location = match (&path.file_path, path.start_line) {
                (Some(p), Some(l)) => Some(format!("{p}:{l}")),
                (Some(p), None) => Some(p.clone()),
                _ => None,
            };
        }
        if f.description.is_empty() {
            f.description = code.detector_name.as_deref().unwrap_or_default().into();
        }
    }
    Ok(f)
}
