//! Tenable CSV exports: Nessus ("default" and "all columns"), Tenable.sc vulnerability detail and
//! list exports, Tenable WAS. Columns are found by header name (case-insensitive), so any column
//! set and order works; comma or semicolon delimiters; a UTF-8 byte-order mark is ignored.
//!
//! One record at a time with a reused record buffer. Nessus writes one row per CVE of a plugin on a
//! host and port: rows with the same plugin, host, port, protocol and plugin output merge into one
//! finding with every CVE (rows whose output differs, such as two service detections on one port,
//! stay separate findings, as in the `.nessus` file). Tenable.sc writes all CVEs of a row in one
//! cell, comma-separated.
//!
//! CVSS scores: `7.5`, or `7,5` (semicolon-delimited exports with a decimal comma), or a whole
//! number from 11 to 100 with no separator (`75`), which some exports write in tenths: no CVSS
//! score exceeds 10, so such a value can only be tenths.
//!
//! Required columns: the plugin id (`Plugin ID` or `Plugin`) and the host (`Host`, `IP Address`
//! or `DNS Name`). A row without a plugin id or host is an error naming its row and column.
//!
//! Weakness key: `nessus:<plugin id>`, the same as the `.nessus` reader, so a provider that
//! switches export format keeps its POA&M identities.

use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::common::{Counting, SHARED_TEXT_BUDGET, SharedTexts, Tally, cvss, share};
use super::{ScanSet, nessus::MAX_FIELD_BYTES};
use crate::error::{Error, Location, Result};
use crate::model::{Asset, AssetType, Finding, FindingKind, SourceFormat};

/// The columns the reader uses, with the header names each may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    PluginId,
    Name,
    Family,
    Risk,
    RiskFactor,
    Host,
    Ip,
    Dns,
    Netbios,
    Mac,
    Protocol,
    Port,
    Cve,
    Cvss2,
    Cvss3,
    Cvss4,
    Cvss2Vector,
    Cvss3Vector,
    Cvss4Vector,
    Synopsis,
    Description,
    Solution,
    SeeAlso,
    Output,
    FirstDiscovered,
    LastObserved,
    VulnPublished,
    PatchPublished,
    Exploit,
    CrossReferences,
}

const COLS: usize = Col::CrossReferences as usize + 1;

fn column_for(header: &str) -> Option<Col> {
    let h = header.trim().to_ascii_lowercase();
    Some(match h.as_str() {
        "plugin id" | "plugin" | "pluginid" => Col::PluginId,
        "name" | "plugin name" => Col::Name,
        "family" | "plugin family" => Col::Family,
        "risk" | "severity" => Col::Risk,
        "risk factor" => Col::RiskFactor,
        "host" => Col::Host,
        "ip address" | "ip" => Col::Ip,
        "dns name" | "fqdn" => Col::Dns,
        "netbios name" | "netbios" => Col::Netbios,
        "mac address" | "mac" => Col::Mac,
        "protocol" => Col::Protocol,
        "port" => Col::Port,
        "cve" | "cves" => Col::Cve,
        "cvss" | "cvss v2.0 base score" | "cvss v2 base score" | "cvss2 base score" | "cvssv2" => Col::Cvss2,
        "cvssv3" | "cvss v3.0 base score" | "cvss v3 base score" | "cvss3 base score" => Col::Cvss3,
        "cvss v4.0 base score" | "cvss v4 base score" | "cvssv4" => Col::Cvss4,
        "cvss v2 vector" | "cvss v2.0 vector" | "cvss vector" => Col::Cvss2Vector,
        "cvss v3 vector" | "cvss v3.0 vector" => Col::Cvss3Vector,
        "cvss v4 vector" | "cvss v4.0 vector" => Col::Cvss4Vector,
        "synopsis" => Col::Synopsis,
        "description" => Col::Description,
        "solution" => Col::Solution,
        "see also" => Col::SeeAlso,
        "plugin output" | "plugin text" => Col::Output,
        "first discovered" | "first seen" => Col::FirstDiscovered,
        "last observed" | "last seen" => Col::LastObserved,
        "vuln publication date" | "vulnerability publication date" => Col::VulnPublished,
        "patch publication date" => Col::PatchPublished,
        "exploit?" | "exploit available" => Col::Exploit,
        "cross references" | "xref" => Col::CrossReferences,
        _ => return None,
    })
}

fn header_names(col: Col) -> &'static str {
    match col {
        Col::PluginId => "`Plugin ID` or `Plugin`",
        Col::Host => "`Host`, `IP Address` or `DNS Name`",
        _ => "",
    }
}

/// Picks `;` when the header line has more semicolons than commas outside quotes.
fn delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

/// Reads a Tenable CSV export.
pub fn read<R: BufRead>(mut reader: R, label: &str) -> Result<ScanSet> {
    let head = reader.fill_buf().map_err(|e| Error::io(e, std::path::Path::new(label)))?;
    let delim = delimiter(head);
    let (counted, bytes) = Counting::new(reader);
    let mut csv = csv::ReaderBuilder::new().delimiter(delim).has_headers(true).flexible(true).from_reader(counted);
    let mut set = ScanSet::default();
    let mut tally = Tally::new(label, SourceFormat::TenableCsv, &set);

    let headers = csv.headers().map_err(|e| csv_error(e, label))?.clone();
    let mut cols: [Option<usize>; COLS] = [None; COLS];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}');
        if let Some(c) = column_for(h)
            && cols[c as usize].is_none()
        {
            cols[c as usize] = Some(i);
        }
    }
    for required in [Col::PluginId] {
        if cols[required as usize].is_none() {
            return Err(Error::missing(format!("no {} column in the header", header_names(required)))
                .at(Location::file(label).with_row(1).with_line(1)));
        }
    }
    if cols[Col::Host as usize].is_none() && cols[Col::Ip as usize].is_none() && cols[Col::Dns as usize].is_none() {
        return Err(Error::missing(format!("no {} column in the header", header_names(Col::Host))).at(Location::file(
            label,
        )
        .with_row(1)
        .with_line(1)));
    }
    let sc_export = cols[Col::FirstDiscovered as usize].is_some() || cols[Col::Ip as usize].is_some();
    tally.scanner = Some(if sc_export { "Tenable.sc".to_string() } else { "Nessus".to_string() });

    // CVE rows of one finding (same plugin, host, port, protocol and output) merge into it. The
    // map holds a 64-bit fingerprint of those fields, not copies of them: no allocation per row,
    // and a hit is checked against the finding itself (a fingerprint collision never merges two
    // different findings; it only leaves the later one unmerged).
    let state = foldhash::quality::RandomState::default();
    let mut merge: HashMap<u64, usize, rustc_hash::FxBuildHasher> = HashMap::default();
    let mut last_asset: Option<std::sync::Arc<Asset>> = None;
    // A plugin's name, description and solution repeat on every row it fires on: kept once.
    let mut shared = SharedTexts::new(SHARED_TEXT_BUDGET);
    let mut record = csv::StringRecord::new();
    let mut row: u64 = 1;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, label)),
        }
        row += 1;
        let line = record.position().map(csv::Position::line);
        let at = |field: &str| {
            let mut loc = Location::file(label).with_row(row).with_field(field);
            loc.line = line;
            loc
        };
        let get = |c: Col| -> &str { cols[c as usize].and_then(|i| record.get(i)).map(str::trim).unwrap_or("") };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // A quote that never closes swallows the following lines into one field, leaving the
        // row short of columns: report it rather than read a mangled finding.
        if record.len() < headers.len()
            && let Some(i) = record.iter().position(|f| f.contains('\n'))
        {
            return Err(Error::parse(format!(
                "unbalanced quotes: the quoted field in column {} opened on this row runs across {} lines, \
                 and the row has {} of the header's {} columns",
                i + 1,
                record[i].lines().count(),
                record.len(),
                headers.len()
            ))
            .at(at(header_of(&headers, Some(i)))));
        }
        let plugin = get(Col::PluginId);
        if plugin.is_empty() {
            return Err(
                Error::missing("the plugin id is empty").at(at(header_of(&headers, cols[Col::PluginId as usize])))
            );
        }
        let ip = Some(get(Col::Ip)).filter(|s| !s.is_empty());
        let host = Some(get(Col::Host)).filter(|s| !s.is_empty());
        let dns = Some(get(Col::Dns)).filter(|s| !s.is_empty());
        let Some(identifier) = ip.or(host).or(dns) else {
            return Err(Error::missing("the row names no host (Host, IP Address and DNS Name are empty)")
                .at(at(header_of(&headers, cols[Col::Host as usize].or(cols[Col::Ip as usize])))));
        };
        let protocol = get(Col::Protocol).to_ascii_lowercase();
        let port_text = get(Col::Port);
        let port = if port_text.is_empty() {
            None
        } else {
            Some(port_text.parse::<u16>().map_err(|_| {
                Error::invalid(format!("port `{port_text}` is not a number from 0 to 65535")).at(at("Port"))
            })?)
        };
        let key = {
            use std::hash::BuildHasher;
            state.hash_one((plugin, identifier, port, protocol.as_str(), get(Col::Output)))
        };
        if let Some(&i) = merge.get(&key) {
            let f = &mut set.findings[i];
            if f.scanner_id == plugin
                && f.asset.identifier == identifier
                && f.port == port
                && f.protocol.as_deref().unwrap_or("") == protocol
            {
                // Another CVE row of a finding already read.
                for cve in split_list(get(Col::Cve)) {
                    f.add_cve(cve);
                }
                continue;
            }
        }
        let web = matches!(protocol.as_str(), "http" | "https");
        let asset = Asset {
            identifier: identifier.to_string(),
            asset_type: if web { AssetType::Web } else { AssetType::Os },
            ip: ip.map(str::to_string).or_else(|| host.filter(|h| looks_like_ip(h)).map(str::to_string)),
            fqdn: dns.map(str::to_string).or_else(|| host.filter(|h| !looks_like_ip(h)).map(str::to_string)),
            netbios: Some(get(Col::Netbios)).filter(|s| !s.is_empty()).map(str::to_string),
            mac: Some(get(Col::Mac)).filter(|s| !s.is_empty()).map(str::to_string),
            os: None,
        };
        // Rows of one host share its Asset.
        let asset = match last_asset.take() {
            Some(a) if *a == asset => a,
            _ => std::sync::Arc::new(asset),
        };
        last_asset = Some(asset.clone());
        let texts = shared.slot(plugin);
        let name = Some(get(Col::Name)).filter(|s| !s.is_empty()).unwrap_or(plugin);
        let name = share(&mut shared.texts[texts].name, &mut shared.room, name);
        let mut f = Finding::new(
            SourceFormat::TenableCsv,
            tally.scanner.clone().unwrap_or_default(),
            plugin,
            format!("nessus:{plugin}"),
            FindingKind::Vulnerability,
            name,
            asset,
        );
        let risk = get(Col::Risk);
        f.set_severity_label(if risk.is_empty() { get(Col::RiskFactor) } else { risk });
        for cve in split_list(get(Col::Cve)) {
            f.add_cve(cve);
        }
        for (col, vcol, slot) in
            [(Col::Cvss2, Col::Cvss2Vector, 2u8), (Col::Cvss3, Col::Cvss3Vector, 3), (Col::Cvss4, Col::Cvss4Vector, 4)]
        {
            let text = get(col);
            if text.is_empty() {
                continue;
            }
            let field = header_of(&headers, cols[col as usize]);
            let score = parse_score(text).ok_or_else(|| {
                Error::invalid(format!("CVSS score `{text}` is not a number from 0.0 to 10.0")).at(at(field))
            })?;
            let vector = Some(get(vcol)).filter(|v| !v.is_empty());
            let c = cvss(score, vector, field).map_err(|e| e.at(at(field)))?;
            match slot {
                2 => f.cvss.v2 = Some(c),
                3 => f.cvss.v3 = Some(c),
                _ => f.cvss.v4 = Some(c),
            }
        }
        let description = get(Col::Description);
        f.description = if description.is_empty() {
            share(&mut shared.texts[texts].synopsis, &mut shared.room, get(Col::Synopsis))
        } else {
            share(&mut shared.texts[texts].description, &mut shared.room, description)
        };
        f.solution = Some(get(Col::Solution))
            .filter(|s| !s.is_empty() && *s != "n/a")
            .map(|s| share(&mut shared.texts[texts].solution, &mut shared.room, s));
        f.see_also = get(Col::SeeAlso).split_whitespace().map(str::to_string).collect();
        let output = get(Col::Output);
        if !output.is_empty() {
            f.evidence = Some(cap(output));
        }
        f.port = port;
        f.protocol = Some(protocol).filter(|p| !p.is_empty()).map(Into::into);
        let first = tenable_time_zoned(get(Col::FirstDiscovered)).map_err(|e| e.at(at("First Discovered")))?;
        let last = tenable_time_zoned(get(Col::LastObserved)).map_err(|e| e.at(at("Last Observed")))?;
        f.first_seen = first.map(|(t, _)| t);
        f.observed_at = last.map(|(t, _)| t);
        // The detection date comes from the first, else the last (see `crate::zone`).
        f.zoneless_times = first.or(last).is_some_and(|(_, z)| z);
        f.vuln_published = tenable_date(get(Col::VulnPublished));
        f.patch_published = tenable_date(get(Col::PatchPublished));
        f.exploit_available = match get(Col::Exploit).to_ascii_lowercase().as_str() {
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => None,
        };
        for xref in get(Col::CrossReferences).split(',') {
            if let Some(cwe) = xref.trim().strip_prefix("CWE #") {
                f.add_cwe(cwe);
            }
        }
        let h = tally.count(&f.asset);
        if let Some((t, zoneless)) = last {
            if h.scan_end.is_none_or(|e| t > e) {
                h.zoneless_times = zoneless;
            }
            h.scan_end = Some(h.scan_end.map_or(t, |e| e.max(t)));
        }
        merge.entry(key).or_insert(set.findings.len());
        set.findings.push(f);
    }
    tally.finish(&mut set, bytes.get());
    Ok(set)
}

/// A CVSS cell: `7.5`, `7,5`, or tenths written without a separator (`75`, 11 to 100).
fn parse_score(text: &str) -> Option<f64> {
    let t = text.trim();
    let t: std::borrow::Cow<'_, str> = if t.contains(',') { t.replace(',', ".").into() } else { t.into() };
    let v: f64 = t.parse().ok()?;
    if !t.contains('.') && (11.0..=100.0).contains(&v) {
        return Some(v / 10.0);
    }
    (0.0..=10.0).contains(&v).then_some(v)
}

fn header_of(headers: &csv::StringRecord, i: Option<usize>) -> &str {
    i.and_then(|i| headers.get(i)).map(|h| h.trim_start_matches('\u{feff}').trim()).unwrap_or("")
}

fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty())
}

fn looks_like_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

fn cap(s: &str) -> String {
    if s.len() <= MAX_FIELD_BYTES {
        return s.to_string();
    }
    let mut end = MAX_FIELD_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[truncated by conmon at {MAX_FIELD_BYTES} bytes]", &s[..end])
}

fn csv_error(e: csv::Error, label: &str) -> Error {
    let mut loc = Location::file(label);
    if let Some(p) = e.position() {
        loc.line = Some(p.line());
        loc.row = Some(p.record() + 1);
    }
    let msg = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("the file is not UTF-8 text (field {} of the row)", err.field() + 1)
        }
        csv::ErrorKind::Io(io) => format!("read failed: {io}"),
        _ => e.to_string(),
    };
    Error::parse(msg).at(loc)
}

/// Tenable time stamps: `Feb 5, 2024 21:01:08 UTC` (Tenable.sc, with a zone abbreviation),
/// RFC 3339, or empty / `N/A`. An unknown zone abbreviation is an error rather than a guess.
fn tenable_time(s: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(tenable_time_zoned(s)?.map(|(t, _)| t))
}

/// [`tenable_time`], and whether it had no zone (only an ISO time without an offset).
fn tenable_time_zoned(s: &str) -> Result<Option<(DateTime<Utc>, bool)>> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("n/a") {
        return Ok(None);
    }
    if let Some(d) = super::common::parse_time_zoned(t) {
        return Ok(Some(d));
    }
    let bad = || Error::invalid(format!("`{t}` is not a date-time (expected e.g. `Feb 5, 2024 21:01:08 UTC`)"));
    let (body, zone) = t.rsplit_once(' ').ok_or_else(bad)?;
    let offset_hours = match zone.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" | "AST" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        _ => return Err(Error::invalid(format!("`{t}`: unknown time zone `{zone}`"))),
    };
    let naive = NaiveDateTime::parse_from_str(body, "%b %d, %Y %H:%M:%S").map_err(|_| bad())?;
    let offset = FixedOffset::east_opt(offset_hours * 3600).ok_or_else(bad)?;
    let local = offset.from_local_datetime(&naive).single().ok_or_else(bad)?;
    Ok(Some((local.with_timezone(&Utc), false)))
}

/// Publication dates: `Aug 18, 2004 12:00:00 MDT`, `2011/07/03`, `2011-07-03`. Anything else
/// (`N/A`, day-first dates that cannot be told from month-first) is left empty: these dates are
/// informational and never start a clock.
fn tenable_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(Some(d)) = tenable_time(t) {
        return Some(d.date_naive());
    }
    NaiveDate::parse_from_str(t, "%Y/%m/%d").or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenable_times() {
        let t = |s| tenable_time(s).ok().flatten().map(|d| d.to_rfc3339());
        assert_eq!(t("Feb 5, 2024 21:01:08 UTC").as_deref(), Some("2024-02-05T21:01:08+00:00"));
        assert_eq!(t("Jan 5, 2021 10:24:08 MST").as_deref(), Some("2021-01-05T17:24:08+00:00"));
        assert_eq!(t("N/A"), None);
        assert!(tenable_time("Jan 5, 2021 10:24:08 XYZ").is_err());
        assert_eq!(tenable_date("2011/07/03"), NaiveDate::from_ymd_opt(2011, 7, 3));
        assert_eq!(tenable_date("23/11/2009"), None);
    }

    #[test]
    fn scores() {
        assert_eq!(parse_score("7.5"), Some(7.5));
        assert_eq!(parse_score("7,5"), Some(7.5));
        assert_eq!(parse_score("75"), Some(7.5));
        assert_eq!(parse_score("100"), Some(10.0));
        assert_eq!(parse_score("10"), Some(10.0));
        assert_eq!(parse_score("5"), Some(5.0));
        assert_eq!(parse_score("10.5"), None);
        assert_eq!(parse_score("101"), None);
        assert_eq!(parse_score("high"), None);
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter(b"Plugin ID;CVE;\"a,b\";Host\n1;2;3;4"), b';');
        assert_eq!(delimiter(b"Plugin ID,CVE,\"a;b;c\",Host"), b',');
    }

    #[test]
    fn a_plugins_texts_are_shared_across_rows() {
        use std::sync::Arc;
        let csv = "Plugin,Plugin Name,Severity,Host,Port,Protocol,Description,Solution,Synopsis\n\
                   10,Ten,High,10.0.0.1,22,tcp,Same text.,Patch it.,s\n\
                   20,Twenty,Low,10.0.0.1,0,tcp,,n/a,Only a synopsis.\n\
                   10,Ten,High,10.0.0.2,22,tcp,Same text.,Patch it.,s\n\
                   10,Ten v2,High,10.0.0.3,22,tcp,Newer text.,Upgrade.,s\n\
                   20,Twenty,Low,10.0.0.3,0,tcp,,n/a,Only a synopsis.\n";
        let set = read(csv.as_bytes(), "t.csv").unwrap_or_default();
        let f = &set.findings;
        assert_eq!(f.len(), 5);
        assert_eq!(
            (&*f[0].name, &*f[0].description, f[0].solution.as_deref()),
            ("Ten", "Same text.", Some("Patch it."))
        );
        assert!(Arc::ptr_eq(&f[0].name, &f[2].name) && Arc::ptr_eq(&f[0].description, &f[2].description));
        assert!(f[0].solution.as_ref().zip(f[2].solution.as_ref()).is_some_and(|(a, b)| Arc::ptr_eq(a, b)));
        assert_eq!(
            (&*f[3].name, &*f[3].description, f[3].solution.as_deref()),
            ("Ten v2", "Newer text.", Some("Upgrade."))
        );
        assert_eq!((&*f[1].description, f[1].solution.as_deref()), ("Only a synopsis.", None));
        assert!(Arc::ptr_eq(&f[1].description, &f[4].description));
    }
}
