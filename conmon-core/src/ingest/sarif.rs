//! SARIF 2.1.0 (static analysis, dependency checkers): code findings. Streamed one run at a time
//! (a run holds its tool's rules, which its results refer to).
//!
//! Severity: the rule's or result's `security-severity` property (a CVSS-like number, the
//! convention of code-scanning tools) when present; otherwise the SARIF level (`error` → high,
//! `warning` → medium, `note` → low, `none` → info), the result's, else the rule's default, else
//! `warning` as the SARIF specification says.
//!
//! Not findings, counted as skipped: results whose `kind` is `pass`, `notApplicable` or
//! `informational`, and results whose `baselineState` is `absent` (gone since the baseline).
//! Suppressed results are kept with `scanner_status` `suppressed`: a tool suppression is not a
//! FedRAMP deviation.
//!
//! Asset: the repository (`versionControlProvenance[0].repositoryUri`) when the run names one,
//! else the file the result points at; `location` is `file:line`. Weakness key:
//! `sarif:<tool name>:<rule id>`.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::ScanSet;
use super::common::{Counting, Tally, stream_json};
use crate::error::Result;
use crate::model::{Asset, AssetType, Finding, FindingKind, ScannerSeverity, SourceFormat};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Run {
    tool: Tool,
    results: Option<Vec<SarifResult>>,
    version_control_provenance: Option<Vec<Provenance>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Driver {
    name: String,
    version: Option<String>,
    semantic_version: Option<String>,
    rules: Option<Vec<SarifRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SarifRule {
    id: String,
    name: Option<String>,
    short_description: Option<Message>,
    full_description: Option<Message>,
    help: Option<Message>,
    help_uri: Option<String>,
    default_configuration: Option<Configuration>,
    properties: Option<Value>,
    relationships: Option<Vec<Relationship>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Message {
    text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Configuration {
    level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Relationship {
    target: Option<RelTarget>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RelTarget {
    id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SarifResult {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    level: Option<String>,
    kind: Option<String>,
    message: Option<Message>,
    locations: Option<Vec<Location>>,
    suppressions: Option<Vec<Suppression>>,
    baseline_state: Option<String>,
    properties: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Location {
    physical_location: Option<Physical>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Physical {
    artifact_location: Option<Artifact>,
    region: Option<Region>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Artifact {
    uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Region {
    start_line: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Suppression {
    status: Option<String>,
    state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Provenance {
    repository_uri: Option<String>,
}

/// Reads a SARIF log.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Sarif, &set);
    let findings = &mut set.findings;
    stream_json::<_, Run>(counted, label, &["runs"], &[], &mut |_, _, run| {
        let tool = if run.tool.driver.name.is_empty() { "SARIF".to_string() } else { run.tool.driver.name.clone() };
        let version = run.tool.driver.semantic_version.clone().or_else(|| run.tool.driver.version.clone());
        if tally.scanner.is_none() {
            tally.scanner = Some(match &version {
                Some(v) => format!("{tool} {v}"),
                None => tool.clone(),
            });
        }
        let repo = run
            .version_control_provenance
            .iter()
            .flatten()
            .find_map(|p| p.repository_uri.clone())
            .filter(|r| !r.is_empty());
        let rules = run.tool.driver.rules.as_deref().unwrap_or(&[]);
        for r in run.results.iter().flatten() {
            let kind = r.kind.as_deref().unwrap_or("fail");
            if matches!(kind, "pass" | "notApplicable" | "informational")
                || r.baseline_state.as_deref() == Some("absent")
            {
                tally.skipped += 1;
                continue;
            }
            let f = finding(&tool, label, repo.as_deref(), rules, r);
            tally.count(&f.asset);
            findings.push(f);
        }
        Ok(())
    })?;
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

fn security_severity(props: Option<&Value>) -> Option<f64> {
    let v = props?.get("security-severity")?;
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn finding(tool: &str, label: &str, repo: Option<&str>, rules: &[SarifRule], r: &SarifResult) -> Finding {
    let index = r.rule_index.or_else(|| r.rule.as_ref().and_then(|x| x.index));
    let rule_id = r.rule_id.clone().or_else(|| r.rule.as_ref().and_then(|x| x.id.clone()));
    let rule = match (&rule_id, index) {
        (_, Some(i)) if rules.get(i).is_some() => rules.get(i),
        (Some(id), _) => rules.iter().find(|x| &x.id == id),
        _ => None,
    };
    let id = rule_id.or_else(|| rule.map(|x| x.id.clone())).unwrap_or_else(|| "unidentified".to_string());
    let physical = r.locations.iter().flatten().find_map(|l| l.physical_location.as_ref());
    let uri = physical.and_then(|p| p.artifact_location.as_ref()).and_then(|a| a.uri.clone());
    let line = physical.and_then(|p| p.region.as_ref()).and_then(|x| x.start_line);
    let asset_id = repo.map(str::to_string).or_else(|| uri.clone()).unwrap_or_else(|| label.to_string());
    let asset = Asset { identifier: asset_id, asset_type: AssetType::Code, ..Asset::default() };
    let text = |m: &Option<Message>| m.as_ref().and_then(|m| m.text.clone()).filter(|t| !t.trim().is_empty());
    let title = rule
        .and_then(|x| text(&x.short_description))
        .or_else(|| rule.and_then(|x| x.name.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| id.clone());
    let mut f = Finding::new(
        SourceFormat::Sarif,
        tool,
        &id,
        format!("sarif:{}:{id}", tool.to_ascii_lowercase()),
        FindingKind::Code,
        title,
        asset,
    );
    f.description =
        rule.and_then(|x| text(&x.full_description)).or_else(|| text(&r.message)).unwrap_or_default().into();
    f.solution = rule.and_then(|x| text(&x.help)).map(Into::into);
    f.evidence = text(&r.message);
    f.location = uri.map(|u| match line {
        Some(l) => format!("{u}:{l}"),
        None => u,
    });
    let level = r
        .level
        .clone()
        .or_else(|| rule.and_then(|x| x.default_configuration.as_ref()).and_then(|c| c.level.clone()))
        .unwrap_or_else(|| "warning".to_string());
    let numeric = security_severity(r.properties.as_ref())
        .or_else(|| security_severity(rule.and_then(|x| x.properties.as_ref())));
    let (severity, label_text) = match numeric {
        Some(s) => (Some(band(s)), format!("security-severity {s}")),
        None => (level_severity(&level), level.clone()),
    };
    f.scanner_severity = severity;
    f.scanner_severity_label = Some(label_text.into());
    if let Some(rule) = rule {
        if let Some(u) = &rule.help_uri {
            f.see_also.push(u.clone());
        }
        for rel in rule.relationships.iter().flatten() {
            if let Some(t) = rel.target.as_ref().and_then(|t| t.id.as_deref())
                && t.to_ascii_uppercase().starts_with("CWE-")
            {
                f.add_cwe(t);
            }
        }
        let tags = rule.properties.as_ref().and_then(|p| p.get("tags")).and_then(Value::as_array);
        for tag in tags.into_iter().flatten().filter_map(Value::as_str) {
            // CodeQL style: external/cwe/cwe-079.
            if let Some(n) = tag.strip_prefix("external/cwe/cwe-") {
                f.add_cwe(n.trim_start_matches('0'));
            }
        }
    }
    if id.starts_with("CVE-") {
        f.add_cve(&id);
    }
    let suppressed = r.suppressions.iter().flatten().any(|s| {
        let st = s.status.as_deref().or(s.state.as_deref());
        st.is_none() || st == Some("accepted")
    });
    if suppressed {
        f.scanner_status = Some("suppressed".to_string());
    }
    f
}

fn level_severity(level: &str) -> Option<ScannerSeverity> {
    match level {
        "error" => Some(ScannerSeverity::High),
        "warning" => Some(ScannerSeverity::Medium),
        "note" => Some(ScannerSeverity::Low),
        "none" => Some(ScannerSeverity::Info),
        _ => None,
    }
}

/// CVSS-style bands for a `security-severity` number.
fn band(score: f64) -> ScannerSeverity {
    if score >= 9.0 {
        ScannerSeverity::Critical
    } else if score >= 7.0 {
        ScannerSeverity::High
    } else if score >= 4.0 {
        ScannerSeverity::Medium
    } else if score > 0.0 {
        ScannerSeverity::Low
    } else {
        ScannerSeverity::Info
    }
}
