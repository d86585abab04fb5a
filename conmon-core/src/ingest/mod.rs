//! Scanner output → normalised [`Finding`]s plus the [`ScanContext`] the rules need (which hosts
//! were scanned, when, and whether credentialed).
//!
//! Each format is its own module and streams its input with bounded memory per record. Formats
//! are recognised by content ([`detect_format`]), not by file name.
//!
//! Formats: Nessus v2 (`.nessus`), Tenable CSV exports, AWS Inspector2, AWS Security Hub ASFF,
//! Trivy, Grype, XCCDF results and SARIF. Each produces the same [`Finding`] type with its source
//! format, scanner id and a stable weakness key that never depends on volatile text.

pub mod asff;
mod common;
pub mod grype;
pub mod inspector2;
pub mod nessus;
pub mod sarif;
pub mod tenable_csv;
pub mod trivy;
pub mod xccdf;
mod xml;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::model::{AssetType, Finding, SourceFormat};

/// One host (or image, or resource) as a scan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostScan {
    /// Asset identifier, as used on findings of this host.
    pub identifier: String,
    /// Asset type.
    pub asset_type: AssetType,
    /// IP address.
    pub ip: Option<String>,
    /// FQDN.
    pub fqdn: Option<String>,
    /// NetBIOS name.
    pub netbios: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Operating system.
    pub os: Option<String>,
    /// Scan start (UTC).
    pub scan_start: Option<DateTime<Utc>>,
    /// Scan end (UTC).
    pub scan_end: Option<DateTime<Utc>>,
    /// `scan_start` and `scan_end` were written without a zone (Nessus `HOST_START` text with
    /// no `HOST_START_TIMESTAMP`): wall-clock times stored as if UTC ([`crate::zone`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zoneless_times: bool,
    /// Whether the scan of this host was credentialed (`None`: the scan does not say).
    pub credentialed: Option<bool>,
    /// Where `credentialed` comes from (tag or plugin).
    pub credentialed_evidence: Option<String>,
    /// The file it came from.
    pub file: String,
    /// The format.
    pub source_format: SourceFormat,
    /// Findings read for this host, informational included.
    pub finding_count: u64,
}

/// One input file as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanFile {
    /// Path or label.
    pub file: String,
    /// Format detected.
    pub source_format: SourceFormat,
    /// Scanner name and version when the file says.
    pub scanner: Option<String>,
    /// Hosts in the file.
    pub hosts: u64,
    /// Findings in the file.
    pub findings: u64,
    /// Records read that are not open weaknesses and so yield no finding: passed checks (XCCDF
    /// `pass`, ASFF `PASSED`, Trivy misconfiguration `PASS`), results that do not apply
    /// (`notapplicable`, `notselected`), and records the scanner marks closed or archived.
    #[serde(default)]
    pub skipped: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// What the scans cover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanContext {
    /// Files read, in order.
    pub files: Vec<ScanFile>,
    /// Hosts scanned, in input order.
    pub hosts: Vec<HostScan>,
}

/// Findings plus context from one or many files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanSet {
    /// Every finding, in input order.
    pub findings: Vec<Finding>,
    /// Coverage.
    pub context: ScanContext,
}

impl ScanSet {
    /// Appends another set (many files → one set).
    pub fn extend(&mut self, other: ScanSet) {
        self.findings.extend(other.findings);
        self.context.files.extend(other.context.files);
        self.context.hosts.extend(other.context.hosts);
    }
}

/// Recognises a format from the first bytes of a file.
pub fn detect_format(head: &[u8]) -> Option<SourceFormat> {
    let text = String::from_utf8_lossy(&head[..head.len().min(HEAD_BYTES)]);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('<') {
        if text.contains("<NessusClientData_v2") {
            return Some(SourceFormat::Nessus);
        }
        if text.contains("xccdf") || text.contains("<Benchmark") || text.contains("<TestResult") {
            return Some(SourceFormat::Xccdf);
        }
        return None;
    }
    if t.starts_with('{') || t.starts_with('[') {
        if text.contains("\"$schema\"") && text.contains("sarif")
            || text.contains("\"runs\"") && text.contains("\"tool\"")
        {
            return Some(SourceFormat::Sarif);
        }
        // ASFF findings carry a "SchemaVersion" too: test for them before Trivy.
        if text.contains("\"ProductArn\"") || text.contains("\"GeneratorId\"") {
            return Some(SourceFormat::Asff);
        }
        if text.contains("\"ArtifactName\"")
            || text.contains("\"SchemaVersion\"") && text.contains("\"Results\"")
            || text.contains("\"ClusterName\"")
            || t.starts_with('[') && text.contains("\"Target\"") && text.contains("\"VulnerabilityID\"")
        {
            return Some(SourceFormat::Trivy);
        }
        if text.contains("\"matches\"") && (text.contains("\"descriptor\"") || text.contains("\"vulnerability\"")) {
            return Some(SourceFormat::Grype);
        }
        if text.contains("\"findingArn\"") || text.contains("\"packageVulnerabilityDetails\"") {
            return Some(SourceFormat::Inspector2);
        }
        // A `list-findings` answer whose first finding shows no Inspector key (empty, or not a
        // finding at all, which its reader then reports).
        let compact: String = t.chars().take(64).filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with("{\"findings\":[") {
            return Some(SourceFormat::Inspector2);
        }
        return None;
    }
    let first_line = t.lines().next().unwrap_or("");
    // Tenable exports start with the plugin column (`Plugin ID` from Nessus, `Plugin` from
    // Tenable.sc), possibly quoted.
    let first_cell = first_line.split([',', ';']).next().unwrap_or("").trim().trim_matches('"');
    if first_cell == "Plugin ID"
        || first_cell == "Plugin"
        || first_line.contains("Plugin ID")
        || first_line.contains("Plugin") && (first_line.contains("CVE") || first_line.contains("Plugin Name"))
    {
        return Some(SourceFormat::TenableCsv);
    }
    None
}

/// How much of a file [`detect_format`] looks at.
const HEAD_BYTES: usize = 64 * 1024;

/// The read buffer of a scan file: 32 KiB, so that it stays in the core's L2 cache between two
/// refills while the parser writes findings to memory. With 256 KiB, the buffer the kernel copies
/// the next part of the file into had been pushed out by then (a million findings write about
/// a gigabyte), and the copy itself went to memory: at 1M findings, kernel time 0.82-1.08 s
/// against 0.29-0.63 s with 32 KiB (benches/README.md, session 24). Smaller buffers cost more
/// refills than they save (8 and 16 KiB were slower at 100k). Public so that benches read the
/// same way.
pub const READ_BUFFER_BYTES: usize = 32 * 1024;

/// Opens `path` and reads its head (up to [`HEAD_BYTES`], fewer only at the end of the file).
fn open_with_head(path: &Path) -> Result<(Vec<u8>, std::fs::File)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(e, path))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(|e| Error::io(e, path))?;
    Ok((head, file))
}

/// Reads one file, detecting its format.
pub fn read_path(path: &Path) -> Result<ScanSet> {
    let label = path.display().to_string();
    let (head, file) = open_with_head(path)?;
    // The head is read again from memory, then the rest of the file, through one small buffer.
    let reader = BufReader::with_capacity(READ_BUFFER_BYTES, head.as_slice().chain(file));
    let result = read_detected(&head, reader, &label);
    // Streamed parsers know byte offsets; turn them into line numbers by re-reading the file.
    result.map_err(|e| with_line_from_offset(e, || std::fs::File::open(path).ok()))
}

/// Reads one file and hands each finding to `sink` instead of keeping it; returns the scan
/// context. For Nessus files, findings leave as each host completes, so memory stays bounded by
/// the largest host whatever the file size; other formats are read whole first (their readers
/// post-process per file, e.g. Grype's image is named after its matches).
pub fn stream_path(path: &Path, sink: &mut dyn FnMut(Finding) -> Result<()>) -> Result<ScanContext> {
    let label = path.display().to_string();
    let (head, file) = open_with_head(path)?;
    let reader = BufReader::with_capacity(READ_BUFFER_BYTES, head.as_slice().chain(file));
    let result = if detect_format(&head) == Some(SourceFormat::Nessus) {
        nessus::read_with(reader, &label, sink)
    } else {
        read_detected(&head, reader, &label).and_then(|set| {
            for f in set.findings {
                sink(f)?;
            }
            Ok(set.context)
        })
    };
    result.map_err(|e| with_line_from_offset(e, || std::fs::File::open(path).ok()))
}

/// Reads many files into one set: each path a file, or a directory whose scan files
/// ([`scan_files`]) are read in their order.
pub fn read_paths<P: AsRef<Path>>(paths: &[P]) -> Result<ScanSet> {
    let mut set = ScanSet::default();
    for p in scan_files(paths)? {
        set.extend(read_path(&p)?);
    }
    Ok(set)
}

/// The files the given paths name, in the order every caller reads them (the CLI, Python, Node
/// and the JVM alike): a file as given; a directory walked recursively, its files sorted by path
/// (component by component, so `a/x.nessus` comes before `a.nessus`), skipping hidden entries
/// (names starting with `.`, such as `.DS_Store` or `.git/`) and not following symbolic links to
/// directories below it (a link loop cannot make the walk endless). A path that does not exist is
/// an I/O error naming it; so is a directory holding no file, which is nearly always the wrong
/// month's folder rather than a month without scans.
pub fn scan_files<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let p = p.as_ref();
        let meta = std::fs::metadata(p).map_err(|e| Error::io(e, p))?;
        if !meta.is_dir() {
            out.push(p.to_path_buf());
            continue;
        }
        let mut found = Vec::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(e, &dir))? {
                let entry = entry.map_err(|e| Error::io(e, &dir))?;
                if entry.file_name().as_encoded_bytes().starts_with(b".") {
                    continue;
                }
                let path = entry.path();
                let kind = entry.file_type().map_err(|e| Error::io(e, &path))?;
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                    found.push(path);
                }
            }
        }
        if found.is_empty() {
            return Err(Error::invalid("the directory holds no scan file").at(Location::file(p.display().to_string())));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// Reads one document held in memory; `label` names it in errors.
pub fn read_bytes(bytes: &[u8], label: &str) -> Result<ScanSet> {
    read_detected(bytes, bytes, label).map_err(|e| with_line_from_offset(e, || Some(bytes)))
}

fn read_detected<R: BufRead>(head: &[u8], reader: R, label: &str) -> Result<ScanSet> {
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::parse("the file is empty").at(Location::file(label)));
    }
    match detect_format(head) {
        Some(SourceFormat::Nessus) => nessus::read(reader, label),
        Some(SourceFormat::TenableCsv) => tenable_csv::read(reader, label),
        Some(SourceFormat::Inspector2) => inspector2::read(reader, label),
        Some(SourceFormat::Asff) => asff::read(reader, label),
        Some(SourceFormat::Trivy) => trivy::read(reader, label),
        Some(SourceFormat::Grype) => grype::read(reader, label),
        Some(SourceFormat::Xccdf) => xccdf::read(reader, label),
        Some(SourceFormat::Sarif) => sarif::read(reader, label),
        Some(SourceFormat::Manual) => Err(Error::unsupported("manual entries are not a scan format").at(Location::file(label))),
        None => Err(Error::unsupported(
            "not a recognised scanner format (expected Nessus v2 XML, Tenable CSV, Inspector2, ASFF, Trivy, Grype, XCCDF or SARIF)",
        )
        .at(Location::file(label))),
    }
}

/// Fills `line` and `column` from `offset` by counting newlines in the source.
fn with_line_from_offset<R: Read>(e: Error, source: impl FnOnce() -> Option<R>) -> Error {
    let loc = e.location().clone();
    let (Some(offset), None) = (loc.offset, loc.line) else { return e };
    let Some(mut src) = source() else { return e };
    let mut remaining = offset;
    let mut line = 1u64;
    let mut col = 1u64;
    let mut buf = vec![0u8; 64 * 1024];
    while remaining > 0 {
        let want = usize::try_from(remaining.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = match src.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            if b == b'\n' {
                line += 1;
                col = 1;
            } else if b & 0xC0 != 0x80 {
                col += 1;
            }
        }
        remaining -= n as u64;
    }
    let mut loc = loc;
    loc.line = Some(line);
    loc.column = Some(col);
    e.at(loc)
}
