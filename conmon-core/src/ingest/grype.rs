//! Grype (Anchore) JSON: `{"matches": [...], "source": {...}, "descriptor": {...}}`, current
//! and early schemas (`cvss` lists with `metrics.baseScore`, or `cvssV2`/`cvssV3` objects).
//! Streamed one match at a time; `source` may come before or after `matches`.
//!
//! Asset: for an image scan the image as the user named it (`source.target.userInput`, type
//! container), per the inventory rule that the image is the asset; for a directory or file scan
//! the scanned path (type code). The artifact's name, version and fix go to `component`, its first
//! location to `location`.
//!
//! Weakness key: `grype:<vulnerability.id>`. CVSS: NVD's (the vulnerability itself when its
//! namespace is `nvd`, else the related NVD record), else the vulnerability's own.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::ScanSet;
use super::common::{Counting, ScoreEntry, Tally, cvss, de_score, pick_scores, stream_json};
use crate::error::Result;
use crate::model::{Asset, AssetType, Component, CvssScores, Finding, FindingKind, SourceFormat};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Match {
    vulnerability: Vuln,
    #[serde(rename = "relatedVulnerabilities")]
    related: Vec<Vuln>,
    artifact: Artifact,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Vuln {
    id: String,
    namespace: Option<String>,
    severity: Option<String>,
    description: Option<String>,
    urls: Option<Vec<String>>,
    links: Option<Vec<String>>,
    cvss: Option<Vec<CvssEntry>>,
    #[serde(rename = "cvssV2")]
    cvss_v2: Option<OldCvss>,
    #[serde(rename = "cvssV3")]
    cvss_v3: Option<OldCvss>,
    fix: Option<Fix>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CvssEntry {
    version: Option<String>,
    vector: Option<String>,
    metrics: Option<Metrics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Metrics {
    #[serde(deserialize_with = "de_score")]
    base_score: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct OldCvss {
    #[serde(deserialize_with = "de_score")]
    base_score: Option<f64>,
    vector: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fix {
    versions: Vec<String>,
    state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Artifact {
    name: String,
    version: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    locations: Vec<ArtifactLocation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ArtifactLocation {
    path: Option<String>,
}

/// Reads a Grype JSON report.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Grype, &set);
    let first = set.findings.len();
    let findings = &mut set.findings;
    let doc = stream_json::<_, Match>(counted, label, &["matches"], &["source", "descriptor"], &mut |_, i, m| {
        findings.push(finding(m, i)?);
        Ok(())
    })?;
    let asset = std::sync::Arc::new(source_asset(doc.header.get("source"), label));
    for f in &mut set.findings[first..] {
        f.asset = asset.clone();
        tally.count(&f.asset);
    }
    tally.host(&asset);
    let d = doc.header.get("descriptor");
    tally.scanner = Some(match d.and_then(|d| d.get("version")).and_then(Value::as_str) {
        Some(v) => format!("Grype {v}"),
        None => "Grype".to_string(),
    });
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

fn source_asset(source: Option<&Value>, label: &str) -> Asset {
    let kind = source.and_then(|s| s.get("type")).and_then(Value::as_str).unwrap_or("");
    let target = source.and_then(|s| s.get("target"));
    let name = match target {
        Some(Value::String(s)) => Some(s.clone()),
        Some(t) => t
            .get("userInput")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| t.get("tags").and_then(|x| x.get(0)).and_then(Value::as_str).map(str::to_string)),
        None => None,
    };
    Asset {
        identifier: name.filter(|n| !n.is_empty()).unwrap_or_else(|| label.to_string()),
        asset_type: if kind == "image" || kind.is_empty() { AssetType::Container } else { AssetType::Code },
        ..Asset::default()
    }
}

fn finding(m: Match, index: usize) -> Result<Finding> {
    let v = &m.vulnerability;
    let name = format!("{} in {} {}", v.id, m.artifact.name, m.artifact.version.as_deref().unwrap_or(""))
        .trim_end()
        .to_string();
    // The asset is filled in by the caller once `source` is known.
    let mut f = Finding::new(
        SourceFormat::Grype,
        "Grype",
        &v.id,
        format!("grype:{}", v.id),
        FindingKind::Vulnerability,
        name,
        Asset::default(),
    );
    f.set_severity_label(v.severity.as_deref().unwrap_or(""));
    if v.id.starts_with("CVE-") {
        f.add_cve(&v.id);
    }
    for r in &m.related {
        if r.id.starts_with("CVE-") {
            f.add_cve(&r.id);
        }
    }
    let nvd = if v.namespace.as_deref() == Some("nvd") {
        Some(v)
    } else {
        m.related.iter().find(|r| r.namespace.as_deref() == Some("nvd"))
    };
    f.cvss = scores(nvd, index, "relatedVulnerabilities")?;
    if f.cvss.is_empty() {
        f.cvss = scores(Some(v), index, "vulnerability")?;
    }
    f.description = v
        .description
        .as_deref()
        .or_else(|| m.related.iter().find_map(|r| r.description.as_deref()))
        .unwrap_or_default()
        .into();
    let fixed = v.fix.as_ref().and_then(|x| x.versions.first().cloned());
    f.solution = fixed.as_ref().map(|x| format!("Upgrade {} to {x}", m.artifact.name).into());
    f.scanner_status = v.fix.as_ref().and_then(|x| x.state.clone());
    f.component = Some(Box::new(Component {
        name: m.artifact.name.clone(),
        version: m.artifact.version.clone(),
        fixed_version: fixed,
        package_type: m.artifact.kind.clone(),
    }));
    f.location = m.artifact.locations.first().and_then(|l| l.path.clone());
    f.see_also = v.urls.iter().chain(v.links.iter()).flatten().cloned().collect();
    Ok(f)
}

fn scores(v: Option<&Vuln>, index: usize, what: &str) -> Result<CvssScores> {
    let mut out = CvssScores::default();
    let Some(v) = v else { return Ok(out) };
    let field = format!("matches[{index}].{what}.cvss");
    let entries: Vec<ScoreEntry<'_>> = v
        .cvss
        .iter()
        .flatten()
        .map(|e| ScoreEntry {
            score: e.metrics.as_ref().and_then(|m| m.base_score),
            vector: e.vector.as_deref(),
            version: e.version.as_deref(),
            nvd: false,
        })
        .collect();
    pick_scores(&entries, &mut out, |_| field.clone())?;
    if let (None, Some(old)) = (&out.v2, &v.cvss_v2)
        && let Some(s) = old.base_score
    {
        out.v2 = Some(cvss(s, old.vector.as_deref(), &field)?);
    }
    if let (None, Some(old)) = (&out.v3, &v.cvss_v3)
        && let Some(s) = old.base_score
    {
        out.v3 = Some(cvss(s, old.vector.as_deref(), &field)?);
    }
    Ok(out)
}
