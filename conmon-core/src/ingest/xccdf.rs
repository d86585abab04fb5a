//! XCCDF results (OpenSCAP, DISA SCC; XCCDF 1.1 and 1.2, any namespace prefix, also inside an
//! ARF report): configuration findings. Streaming quick-xml reader, same entity policy as the
//! Nessus reader.
//!
//! `Rule` definitions give the title, description, severity, fix text and CVE identifiers;
//! each `TestResult` gives the target and its `rule-result`s. A `fail` result is a configuration
//! finding; every other result (`pass`, `notapplicable`, `notchecked`, `notselected`,
//! `informational`, `fixed`, and `error`/`unknown`, which say the check could not decide) is
//! counted as skipped. Only failed results are kept until the end of the file, so memory is the
//! rule table plus the failures.
//!
//! Asset: the first non-loopback `target-address` (as the Nessus reader prefers the IP), else the
//! `target` name; FQDN from the `target` or the `fqdn` target fact. Times without a zone are UTC.
//! Weakness key: `xccdf:<rule id>`.

use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ScanSet;
use super::common::{Counting, Tally, parse_time_zoned};
use super::xml::{TextBuf, attr, check_name, err_at, local, read_error, resolve_ref};
use crate::error::{Error, Result};
use crate::model::{Asset, AssetType, Finding, FindingKind, SourceFormat};

#[derive(Debug, Default)]
struct Rule {
    title: String,
    description: String,
    severity: Option<String>,
    fix: Option<String>,
    idents: Vec<String>,
    version: Option<String>,
}

#[derive(Debug, Default)]
struct Target {
    name: Option<String>,
    addresses: Vec<String>,
    fqdn: Option<String>,
    mac: Option<String>,
    // With whether each was written without a zone.
    start: Option<(DateTime<Utc>, bool)>,
    end: Option<(DateTime<Utc>, bool)>,
    system: Option<String>,
    failures: Vec<Failure>,
}

#[derive(Debug, Default)]
struct Failure {
    idref: String,
    severity: Option<String>,
    version: Option<String>,
    time: Option<(DateTime<Utc>, bool)>,
    idents: Vec<String>,
    message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    RuleTitle,
    RuleDescription,
    RuleFix,
    RuleIdent,
    RuleVersion,
    Target,
    TargetAddress,
    Fact,
    Result,
    ResultIdent,
    ResultMessage,
}

/// Reads an XCCDF results document.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    let (counted, bytes) = Counting::new(reader);
    let mut xml = Reader::from_reader(super::xml::NulGuard::new(std::io::BufReader::new(counted)));
    xml.config_mut().trim_text(false);
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::Xccdf, &set);

    let mut rules: HashMap<String, Rule> = HashMap::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut rule: Option<(String, Rule)> = None;
    let mut target: Option<Target> = None;
    let mut result: Option<(Failure, String)> = None;
    let mut text = TextBuf::default();
    let mut field: Option<(Text, usize)> = None; // which text, at what depth it ends
    let mut fact_name: Option<String> = None;
    let mut depth = 0usize;
    let mut seen_root = false;

    loop {
        let pos = xml.buffer_position();
        let event = xml.read_event_into(&mut buf).map_err(|e| read_error(&e, pos, xml.error_position(), label))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                // An empty element has no text and no end event: only its attributes matter.
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                }
                check_name(e.name().0, label, pos)?;
                let name = local(e.name().0).to_string();
                if field.is_none() {
                    let text_of = start(
                        &name,
                        e,
                        label,
                        pos,
                        &mut rule,
                        &mut target,
                        &mut result,
                        &mut fact_name,
                        &mut seen_root,
                    )?;
                    if empty {
                        end(&name, &mut rule, &mut rules, &mut target, &mut targets, &mut result, &mut tally);
                    } else if let Some(t) = text_of {
                        field = Some((t, depth));
                        text.clear();
                    }
                }
            }
            Event::End(e) => {
                let name = local(e.name().0).to_string();
                if let Some((which, at)) = field
                    && at == depth
                {
                    field = None;
                    let t = text.take();
                    store(which, t.trim(), &mut rule, &mut target, &mut result, fact_name.as_deref());
                }
                if field.is_none() {
                    end(&name, &mut rule, &mut rules, &mut target, &mut targets, &mut result, &mut tally);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) => {
                if field.is_some() {
                    text.push(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if field.is_some() {
                    text.push(&c.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let s = resolve_ref(&r, label, pos)?;
                if field.is_some() {
                    text.push(&s);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    let end_pos = xml.buffer_position();
    if !seen_root {
        return Err(err_at(label, 0, None, Error::parse("no <Benchmark> or <TestResult> element: not XCCDF results")));
    }
    if depth > 0 {
        return Err(err_at(label, end_pos, None, Error::parse("unexpected end of file: the file is truncated")));
    }
    for t in targets {
        emit(t, &rules, &mut tally, &mut set);
    }
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

#[allow(clippy::too_many_arguments)]
fn start(
    name: &str,
    e: &BytesStart<'_>,
    label: &str,
    pos: u64,
    rule: &mut Option<(String, Rule)>,
    target: &mut Option<Target>,
    result: &mut Option<(Failure, String)>,
    fact_name: &mut Option<String>,
    seen_root: &mut bool,
) -> Result<Option<Text>> {
    Ok(match name {
        "Benchmark" => {
            *seen_root = true;
            None
        }
        "Rule" => {
            let id = attr(e, "id", label, pos)?
                .ok_or_else(|| err_at(label, pos, Some("id"), Error::missing("<Rule> has no id")))?;
            let severity = attr(e, "severity", label, pos)?;
            *rule = Some((id, Rule { severity, ..Rule::default() }));
            None
        }
        "TestResult" => {
            *seen_root = true;
            *target = Some(Target {
                start: attr(e, "start-time", label, pos)?.and_then(|t| parse_time_zoned(&t)),
                end: attr(e, "end-time", label, pos)?.and_then(|t| parse_time_zoned(&t)),
                system: attr(e, "test-system", label, pos)?,
                ..Target::default()
            });
            None
        }
        "rule-result" if target.is_some() => {
            let idref = attr(e, "idref", label, pos)?
                .ok_or_else(|| err_at(label, pos, Some("idref"), Error::missing("<rule-result> has no idref")))?;
            let f = Failure {
                idref,
                severity: attr(e, "severity", label, pos)?,
                version: attr(e, "version", label, pos)?,
                time: attr(e, "time", label, pos)?.and_then(|t| parse_time_zoned(&t)),
                ..Failure::default()
            };
            *result = Some((f, String::new()));
            None
        }
        "result" if result.is_some() => Some(Text::Result),
        "ident" if result.is_some() => Some(Text::ResultIdent),
        "message" if result.is_some() => Some(Text::ResultMessage),
        "target" if target.is_some() => Some(Text::Target),
        "target-address" if target.is_some() => Some(Text::TargetAddress),
        "fact" if target.is_some() => {
            *fact_name = attr(e, "name", label, pos)?;
            Some(Text::Fact)
        }
        "title" if rule.is_some() => Some(Text::RuleTitle),
        "description" if rule.is_some() => Some(Text::RuleDescription),
        "fixtext" | "fix" if rule.is_some() => Some(Text::RuleFix),
        "ident" if rule.is_some() => Some(Text::RuleIdent),
        "version" if rule.is_some() => Some(Text::RuleVersion),
        _ => None,
    })
}

fn store(
    which: Text,
    t: &str,
    rule: &mut Option<(String, Rule)>,
    target: &mut Option<Target>,
    result: &mut Option<(Failure, String)>,
    fact_name: Option<&str>,
) {
    if t.is_empty() {
        return;
    }
    match which {
        Text::RuleTitle | Text::RuleDescription | Text::RuleFix | Text::RuleIdent | Text::RuleVersion => {
            let Some((_, r)) = rule.as_mut() else { return };
            match which {
                Text::RuleTitle if r.title.is_empty() => r.title = t.to_string(),
                Text::RuleDescription if r.description.is_empty() => r.description = t.to_string(),
                Text::RuleFix if r.fix.is_none() => r.fix = Some(t.to_string()),
                Text::RuleIdent => r.idents.push(t.to_string()),
                Text::RuleVersion => r.version = Some(t.to_string()),
                _ => {}
            }
        }
        Text::Result | Text::ResultIdent | Text::ResultMessage => {
            let Some((f, outcome)) = result.as_mut() else { return };
            match which {
                Text::Result => *outcome = t.to_ascii_lowercase(),
                Text::ResultIdent => f.idents.push(t.to_string()),
                _ => f.message = Some(t.to_string()),
            }
        }
        Text::Target | Text::TargetAddress | Text::Fact => {
            let Some(tg) = target.as_mut() else { return };
            match which {
                Text::Target => tg.name = Some(t.to_string()),
                Text::TargetAddress => tg.addresses.push(t.to_string()),
                _ => match fact_name.unwrap_or("") {
                    "urn:xccdf:fact:asset:identifier:fqdn" => tg.fqdn = Some(t.to_string()),
                    "urn:xccdf:fact:asset:identifier:mac" | "urn:xccdf:fact:ethernet:MAC"
                        if tg.mac.is_none() && t != "00:00:00:00:00:00" =>
                    {
                        tg.mac = Some(t.to_string());
                    }
                    _ => {}
                },
            }
        }
    }
}

fn end(
    name: &str,
    rule: &mut Option<(String, Rule)>,
    rules: &mut HashMap<String, Rule>,
    target: &mut Option<Target>,
    targets: &mut Vec<Target>,
    result: &mut Option<(Failure, String)>,
    tally: &mut Tally,
) {
    match name {
        "Rule" => {
            if let Some((id, r)) = rule.take() {
                rules.insert(id, r);
            }
        }
        "rule-result" => {
            if let (Some((f, outcome)), Some(tg)) = (result.take(), target.as_mut()) {
                if outcome == "fail" {
                    tg.failures.push(f);
                } else {
                    tally.skipped += 1;
                }
            }
        }
        "TestResult" => {
            if let Some(t) = target.take() {
                targets.push(t);
            }
        }
        _ => {}
    }
}

fn is_loopback(a: &str) -> bool {
    a.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

fn emit(t: Target, rules: &HashMap<String, Rule>, tally: &mut Tally, set: &mut ScanSet) {
    let ip = t.addresses.iter().find(|a| !is_loopback(a)).cloned();
    let name = t.name.clone().filter(|n| !n.is_empty());
    let asset = std::sync::Arc::new(Asset {
        identifier: ip.clone().or_else(|| name.clone()).unwrap_or_else(|| "unknown-target".to_string()),
        asset_type: AssetType::Os,
        ip,
        fqdn: t.fqdn.clone().or_else(|| name.filter(|n| n.contains('.'))),
        mac: t.mac.clone(),
        ..Asset::default()
    });
    let scanner = t.system.as_deref().map_or_else(|| "XCCDF".to_string(), scanner_name);
    if tally.scanner.is_none() {
        tally.scanner = Some(scanner.clone());
    }
    let host = tally.host(&asset);
    host.scan_start = t.start.map(|(t, _)| t);
    host.scan_end = t.end.map(|(t, _)| t);
    // One flag for both: the end decides (the date a scan is counted on), else the start.
    host.zoneless_times = t.end.or(t.start).is_some_and(|(_, z)| z);
    for f in t.failures {
        let rule = rules.get(&f.idref);
        let title = rule.map(|r| r.title.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| f.idref.clone());
        let mut finding = Finding::new(
            SourceFormat::Xccdf,
            scanner.clone(),
            f.idref.clone(),
            format!("xccdf:{}", f.idref),
            FindingKind::Configuration,
            title,
            asset.clone(),
        );
        finding.description = rule.map_or("", |r| r.description.as_str()).into();
        finding.solution = rule.and_then(|r| r.fix.as_deref()).map(Into::into);
        let severity = f.severity.clone().or_else(|| rule.and_then(|r| r.severity.clone()));
        finding.set_severity_label(severity.as_deref().unwrap_or(""));
        for ident in rule.map(|r| r.idents.as_slice()).unwrap_or(&[]).iter().chain(&f.idents) {
            if ident.starts_with("CVE-") {
                finding.add_cve(ident);
            }
        }
        let observed = f.time.or(t.end);
        finding.observed_at = observed.map(|(t, _)| t);
        finding.zoneless_times = observed.is_some_and(|(_, z)| z);
        finding.evidence = f.message;
        finding.location = f.version.or_else(|| rule.and_then(|r| r.version.clone()));
        tally.count(&asset);
        set.findings.push(finding);
    }
}

/// `cpe:/a:redhat:openscap:1.2.17` → `openscap 1.2.17`.
fn scanner_name(system: &str) -> String {
    let parts: Vec<&str> = system.trim_start_matches("cpe:/").split(':').collect();
    match parts.as_slice() {
        [_, _, product, version, ..] => format!("{product} {version}"),
        [_, _, product] => (*product).to_string(),
        _ => system.to_string(),
    }
}
