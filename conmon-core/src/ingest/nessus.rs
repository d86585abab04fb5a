//! Nessus v2 XML (`.nessus`) reader: streaming, one reusable event buffer, no DOM.
//!
//! Reads every `ReportHost` and `ReportItem`; host properties (host-ip, host-fqdn, netbios-name,
//! mac-address, operating-system, HOST_START/HOST_END); plugin id, name, family, severity;
//! port/protocol/service; every CVE; CVSS v2/v3/v4 base scores and vectors; CWE; plugin output,
//! description, solution, see_also, publication dates and exploit flag. Compliance checks
//! (`cm:compliance-*` children, or family `Policy Compliance`) become configuration findings.
//!
//! The `Policy` block is skipped. Entities are never expanded: a document type declaration is
//! ignored and a reference to any entity but the five predefined ones is an error.
//!
//! Asset identifier: the `host-ip` property, else the `ReportHost` name (which is what the scan
//! targeted). Times: `HOST_START_TIMESTAMP`/`HOST_END_TIMESTAMP` (epoch seconds) when present,
//! else `HOST_START`/`HOST_END` text read as UTC (Nessus writes them without a zone).

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::common::{SHARED_TEXT_BUDGET, SharedTexts, share};
use super::xml::{TextBuf, as_str, attr, check_name, err_at, read_error, read_text_raw, resolve_ref};
use super::{HostScan, ScanContext, ScanFile, ScanSet};
use crate::error::{Error, Result};
use crate::model::{
    Asset, AssetType, CompactString, Cvss, CvssScores, Finding, FindingKind, ScannerSeverity, SourceFormat,
};

/// Longest text kept for one field; longer evidence is cut with a marker (the weakness identity
/// never depends on it). Bounds memory per record.
pub const MAX_FIELD_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Cve,
    Cwe,
    Cvss2,
    Cvss2Vector,
    Cvss3,
    Cvss3Vector,
    Cvss4,
    Cvss4Vector,
    PluginOutput,
    Description,
    Synopsis,
    Solution,
    SeeAlso,
    RiskFactor,
    PluginName,
    VulnPublished,
    PatchPublished,
    ExploitAvailable,
    ComplianceCheckName,
    ComplianceCheckId,
    ComplianceResult,
    ComplianceOther,
}

fn field_for(name: &str) -> Option<Field> {
    Some(match name {
        "cve" => Field::Cve,
        "cwe" => Field::Cwe,
        "cvss_base_score" => Field::Cvss2,
        "cvss_vector" => Field::Cvss2Vector,
        "cvss3_base_score" => Field::Cvss3,
        "cvss3_vector" => Field::Cvss3Vector,
        "cvss4_base_score" => Field::Cvss4,
        "cvss4_vector" => Field::Cvss4Vector,
        "plugin_output" => Field::PluginOutput,
        "description" => Field::Description,
        "synopsis" => Field::Synopsis,
        "solution" => Field::Solution,
        "see_also" => Field::SeeAlso,
        "risk_factor" => Field::RiskFactor,
        "plugin_name" => Field::PluginName,
        "vuln_publication_date" => Field::VulnPublished,
        "patch_publication_date" => Field::PatchPublished,
        "exploit_available" => Field::ExploitAvailable,
        "cm:compliance-check-name" => Field::ComplianceCheckName,
        "cm:compliance-check-id" => Field::ComplianceCheckId,
        "cm:compliance-result" => Field::ComplianceResult,
        n if n.starts_with("cm:compliance-") => Field::ComplianceOther,
        _ => return None,
    })
}

#[derive(Default)]
struct Item {
    plugin_id: CompactString,
    /// The plugin's slot in [`SharedTexts`].
    texts: usize,
    plugin_name: Arc<str>,
    severity: Option<ScannerSeverity>,
    severity_label: CompactString,
    port: Option<u16>,
    protocol: Option<CompactString>,
    service: Option<CompactString>,
    cves: Vec<CompactString>,
    cwes: Vec<CompactString>,
    cvss: CvssScores,
    cvss_vectors: [Option<String>; 3],
    description: Arc<str>,
    synopsis: Arc<str>,
    solution: Option<Arc<str>>,
    see_also: Vec<String>,
    plugin_output: Option<String>,
    vuln_published: Option<NaiveDate>,
    patch_published: Option<NaiveDate>,
    exploit_available: Option<bool>,
    compliance: bool,
    compliance_check_name: Option<String>,
    compliance_check_id: Option<String>,
    compliance_result: Option<String>,
}

#[derive(Default)]
struct Host {
    name: String,
    ip: Option<String>,
    fqdn: Option<String>,
    netbios: Option<String>,
    mac: Option<String>,
    os: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    start_ts: Option<DateTime<Utc>>,
    end_ts: Option<DateTime<Utc>>,
    credentialed_tag: Option<bool>,
    credentialed_plugin: Option<(bool, &'static str)>,
    items: Vec<Item>,
}

/// A long field's text from the buffer, left-trimmed (the buffer is right-trimmed), shared through
/// `slot`; the buffer is emptied.
fn share_field(slot: &mut Option<Arc<str>>, room: &mut usize, text: &mut TextBuf) -> Arc<str> {
    let shared = match text.borrow() {
        Some(t) => share(slot, room, t.trim_start()),
        // Cut at the field cap: the text carries the truncation marker.
        None => share(slot, room, text.take().trim_start()),
    };
    text.clear();
    shared
}

/// Where the parser is.
struct State {
    /// The file label; shared, so that each event handler takes it without copying.
    label: std::rc::Rc<str>,
    host: Option<Host>,
    item: Option<Item>,
    field: Option<Field>,
    tag: Option<String>,
    text: TextBuf,
    shared: SharedTexts,
    depth: u32,
    seen_root: bool,
    /// The last host's emptied item list, kept for the next host so that its items do not regrow
    /// a fresh list by doubling (each step copies every item so far).
    spare_items: Vec<Item>,
    ahead: Ahead,
}

/// The plugins of the next `<ReportItem>`s, found ahead in the read buffer so that their texts
/// are in cache by the time the items are read ([`Ahead::step`]).
struct Ahead {
    finder: memchr::memmem::Finder<'static>,
    /// Absolute positions of the next items' `pluginID="`, and their plugin numbers, in order.
    queue: [Option<(u64, usize)>; 3],
    /// Where the next search starts (absolute): no byte is searched twice.
    searched: u64,
}

impl Default for Ahead {
    fn default() -> Ahead {
        Ahead { finder: memchr::memmem::Finder::new(b"pluginID=\""), queue: [None; 3], searched: 0 }
    }
}

impl Ahead {
    /// At a `<ReportItem>` whose start tag ends at `at`, where `buf` (the read buffer) starts:
    /// the texts of the next item's plugin start loading into the cache, the slot entry of the
    /// item after it, and the place in the slot table of the one after that. Plugins fire far
    /// apart in a large scan, so an item's texts are usually out of cache; loaded ahead in
    /// stages, each a step after the one it needs, the misses overlap the reading of the items
    /// in between instead of stalling it. Only bytes already in the buffer are searched, and a
    /// hint never changes a result: at worst (a `pluginID="` inside some text, an ID cut at the
    /// buffer's end) the wrong lines are loaded.
    fn step(&mut self, shared: &SharedTexts, buf: &[u8], at: u64) {
        // Drop what lies behind: this item's own ID, or any the reader went past.
        while self.queue[0].is_some_and(|(p, _)| p < at) {
            self.queue = [self.queue[1], self.queue[2], None];
        }
        if let Some(slot) = self.queue[0].and_then(|(_, n)| shared.find_number(n)) {
            shared.prefetch_texts(slot);
        }
        if let Some(slot) = self.queue[1].and_then(|(_, n)| shared.find_number(n)) {
            shared.prefetch_slot(slot);
        }
        while let Some(k) = self.queue.iter().position(Option::is_none) {
            let from = self.searched.max(at);
            let Some(rest) = usize::try_from(from - at).ok().and_then(|i| buf.get(i..)) else {
                return;
            };
            let Some(i) = self.finder.find(rest) else {
                // Search the last bytes again next time: a `pluginID="` may be cut at the end.
                self.searched = (at + buf.len() as u64).saturating_sub(16).max(from);
                return;
            };
            let found = from + i as u64;
            let id = &rest[i + 10..];
            let id = &id[..id.len().min(8)];
            let Some(j) = memchr::memchr(b'"', id) else {
                if id.len() < 8 {
                    // Cut at the buffer's end: search from here next time.
                    self.searched = found;
                    return;
                }
                self.searched = found + 1;
                continue;
            };
            self.searched = found + 1;
            if let Some(n) = SharedTexts::number(&id[..j]) {
                shared.prefetch_number(n);
                self.queue[k] = Some((found, n));
            }
        }
    }
}

/// Reads a Nessus v2 document.
pub fn read<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    collect(reader, label, true)
}

/// [`read`] without the fast path ([`peek_tag`]): every event from quick-xml. Not for use: tests
/// and the fuzz target `nessus` read each input both ways and require the same findings or the
/// same error.
#[doc(hidden)]
pub fn read_quick_xml_only<R: BufRead>(reader: R, label: &str) -> Result<ScanSet> {
    collect(reader, label, false)
}

fn collect<R: BufRead>(reader: R, label: &str, peek: bool) -> Result<ScanSet> {
    let mut findings = Vec::new();
    let mut sink = |f| {
        findings.push(f);
        Ok(())
    };
    let context = read_sharing(reader, label, &mut sink, SHARED_TEXT_BUDGET, peek)?;
    Ok(ScanSet { findings, context })
}

/// Open element names, for end-tag checking without an allocation per element.
#[derive(Debug, Default)]
struct NameStack {
    names: String,
    starts: Vec<usize>,
    /// Whether each element's start tag was read by [`peek_tag`] rather than by quick-xml.
    fast: Vec<bool>,
}

impl NameStack {
    fn push(&mut self, name: &str, fast: bool) {
        self.starts.push(self.names.len());
        self.fast.push(fast);
        self.names.push_str(name);
    }

    /// Whether the innermost open element's start tag was read by [`peek_tag`].
    fn top_is_fast(&self) -> bool {
        self.fast.last() == Some(&true)
    }

    fn pop(&mut self, name: &str) -> std::result::Result<(), String> {
        let Some(start) = self.starts.pop() else {
            return Err(format!("end tag </{name}> without a start tag"));
        };
        if &self.names[start..] != name {
            return Err(format!("mismatched end tag: expected </{}>, found </{name}>", &self.names[start..]));
        }
        self.names.truncate(start);
        self.fast.pop();
        Ok(())
    }
}

/// A tag [`peek_tag`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Start,
    End,
}

/// The longest element name [`peek_tag`] takes (Nessus's longest is under 40 bytes).
const FAST_NAME_MAX: usize = 64;

/// The fast path for the markup that makes up most of a Nessus file: the children of a
/// `<ReportItem>` (`<cve>CVE-2024-1234</cve>`), one quick-xml event each for the start tag, the
/// end tag and the line break between them, and the `<ReportItem>` start tags themselves. Looks at
/// the bytes already buffered for: text that no field keeps (only when `skip_text`), then a start
/// tag without attributes, an end tag, or a `<ReportItem>` start tag whose attributes
/// [`scan_item_attrs`] takes; the name is plain ASCII. The name is copied into `name` (unless it
/// is one of [`KNOWN_NAMES`]), and a
/// `<ReportItem>`'s attributes into `attrs` (their spans into `spans`); nothing is consumed.
///
/// Everything else gives `None` and is left to quick-xml, which reads it exactly as before, errors
/// included: a reference in the text (it must resolve), invalid UTF-8, a comment, CDATA, a
/// processing instruction, attributes on any other element (or any [`scan_item_attrs`] leaves),
/// whitespace inside the tag, a name that does not start like one, a tag that runs past the
/// buffer, the end of the input, or a read error.
fn peek_tag<R: BufRead>(
    r: &mut R,
    skip_text: bool,
    name: &mut [u8; FAST_NAME_MAX],
    attrs: &mut String,
    spans: &mut Vec<AttrSpan>,
) -> Option<Peeked> {
    let buf = r.fill_buf().ok()?;
    let lt = memchr::memchr(b'<', buf)?;
    if lt > 0 {
        let text = &buf[..lt];
        // (Mostly a line break: `is_ascii` first, for less than `from_utf8` costs per call.)
        if !skip_text || memchr::memchr(b'&', text).is_some() || !(text.is_ascii() || std::str::from_utf8(text).is_ok())
        {
            return None;
        }
    }
    let rest = &buf[lt + 1..];
    let (kind, from) = if rest.first() == Some(&b'/') { (Tag::End, 1) } else { (Tag::Start, 0) };
    let body = rest.get(from..)?;
    // The name: name characters up to the first other byte, which must be in the buffer.
    let n = body[..body.len().min(FAST_NAME_MAX + 1)].iter().position(|&b| !is_name_byte(b))?;
    let first = *body.first()?;
    if n == 0 || n > FAST_NAME_MAX || !is_name_start(first) {
        return None;
    }
    let (tail, has_attrs) = match body[n] {
        b'>' => (1, false),
        b' ' | b'\t' | b'\n' | b'\r' if kind == Tag::Start && &body[..n] == b"ReportItem" => {
            let len = scan_item_attrs(&body[n..], spans)?;
            attrs.clear();
            attrs.push_str(as_str(&body[n..n + len])?);
            (len, true)
        }
        _ => return None,
    };
    let known = known_name(&body[..n]);
    if known.is_none() {
        name[..n].copy_from_slice(&body[..n]);
    }
    Some(Peeked { text_len: lt, tag_len: 1 + from + n + tail, kind, name_len: n, known, has_attrs })
}

/// Element names [`peek_tag`] gives as static text, with neither a UTF-8 check nor a copy: the
/// elements a Nessus `ReportItem` is known to hold (plugin attributes and compliance results) and
/// the structure around them. Any other name is read as well, only through a copy and a check.
const KNOWN_NAMES: [&str; 82] = [
    "ReportItem",
    "ReportHost",
    "HostProperties",
    "Report",
    "NessusClientData_v2",
    "tag",
    "description",
    "synopsis",
    "risk_factor",
    "plugin_type",
    "plugin_name",
    "plugin_modification_date",
    "fname",
    "script_version",
    "solution",
    "plugin_publication_date",
    "plugin_output",
    "xref",
    "see_also",
    "cve",
    "osvdb",
    "cvss_base_score",
    "cvss_vector",
    "vuln_publication_date",
    "cpe",
    "bid",
    "exploitability_ease",
    "exploit_available",
    "cwe",
    "cvss_temporal_vector",
    "cvss_temporal_score",
    "patch_publication_date",
    "metasploit_name",
    "exploit_framework_metasploit",
    "plugin_version",
    "agent",
    "attachment",
    "asset_inventory",
    "cert",
    "iavt",
    "iava",
    "iavb",
    "vpr_score",
    "threat_sources_last_28",
    "threat_recency",
    "threat_intensity_last_28",
    "product_coverage",
    "exploit_code_maturity",
    "cvssV3_impactScore",
    "age_of_vuln",
    "cvss3_vector",
    "cvss3_base_score",
    "cvss3_temporal_score",
    "cvss3_temporal_vector",
    "cvss_score_source",
    "cvss4_vector",
    "cvss4_base_score",
    "stig_severity",
    "unsupported_by_vendor",
    "in_the_news",
    "exploit_framework_core",
    "exploit_framework_canvas",
    "edb-id",
    "msft",
    "mskb",
    "canvas_package",
    "d2_elliot_name",
    "exploit_framework_d2_elliot",
    "exploited_by_malware",
    "exploited_by_nessus",
    "cm:compliance-check-name",
    "cm:compliance-result",
    "cm:compliance-check-id",
    "cm:compliance-info",
    "cm:compliance-actual-value",
    "cm:compliance-policy-value",
    "cm:compliance-solution",
    "cm:compliance-reference",
    "cm:compliance-see-also",
    "cm:compliance-audit-file",
    "cm:compliance-uname",
    "cm:compliance-output",
];

/// Slots of [`NAME_TABLE`]: a power of two, under a third full.
const NAME_TABLE_SIZE: usize = 256;

/// The slot a name starts looking in: a multiplicative hash of its length and five of its bytes.
/// `const`, so that [`NAME_TABLE`] is built at compile time. `b` is not empty.
const fn name_hash(b: &[u8]) -> usize {
    let n = b.len();
    let key = n as u64
        | (b[0] as u64) << 8
        | (b[if n > 1 { 1 } else { 0 }] as u64) << 16
        | (b[n / 2] as u64) << 24
        | (b[n.saturating_sub(2)] as u64) << 32
        | (b[n - 1] as u64) << 40;
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % NAME_TABLE_SIZE
}

/// [`KNOWN_NAMES`] by [`name_hash`], each in the first free slot from its own (an empty string
/// ends a search).
static NAME_TABLE: [&str; NAME_TABLE_SIZE] = {
    let mut table = [""; NAME_TABLE_SIZE];
    let mut i = 0;
    while i < KNOWN_NAMES.len() {
        let mut h = name_hash(KNOWN_NAMES[i].as_bytes());
        while !table[h].is_empty() {
            h = (h + 1) % NAME_TABLE_SIZE;
        }
        table[h] = KNOWN_NAMES[i];
        i += 1;
    }
    table
};

/// `b` (not empty) as one of [`KNOWN_NAMES`], if it is one.
fn known_name(b: &[u8]) -> Option<&'static str> {
    let mut h = name_hash(b);
    loop {
        let name = NAME_TABLE[h];
        if name.is_empty() {
            return None;
        }
        if name.as_bytes() == b {
            return Some(name);
        }
        h = (h + 1) % NAME_TABLE_SIZE;
    }
}

/// What [`peek_tag`] found: `text_len` bytes of text, then a tag of `tag_len` bytes.
#[derive(Debug, Clone, Copy)]
struct Peeked {
    text_len: usize,
    tag_len: usize,
    kind: Tag,
    name_len: usize,
    /// The name when it is one of [`KNOWN_NAMES`]; else it is in the caller's buffer.
    known: Option<&'static str>,
    /// A `<ReportItem>` start tag with its attributes scanned.
    has_attrs: bool,
}

/// An attribute [`scan_item_attrs`] took: the byte ranges of its key and of its value.
type AttrSpan = [usize; 4];

/// Most attributes [`scan_item_attrs`] takes on one tag (Nessus writes seven).
const FAST_ATTRS_MAX: usize = 16;

fn is_name_byte(b: u8) -> bool {
    BYTE_CLASS[usize::from(b)] & NAME != 0
}

/// The first byte of an ASCII name, as `check_name` wants it.
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

/// [`BYTE_CLASS`] bit: a byte of an ASCII name.
const NAME: u8 = 1;

/// One lookup per byte instead of a chain of comparisons (tags and attribute keys are short, so
/// the bytes are checked one at a time).
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-') {
            t[b] |= NAME;
        }
        b += 1;
    }
    t
};

/// Whether a tag's attribute values read as they are written: no reference, no `<`, and no tab
/// or line break (XML turns those into spaces in a value; between attributes Nessus writes
/// spaces). One pass with no branch per byte, which the compiler turns into vector compares.
fn reads_as_written(value: &[u8]) -> bool {
    // `|`, not `||` or `matches!`: no branch, so each 32-byte chunk is a few vector compares.
    let stop = |c: u8| (c == b'<') | (c == b'&') | (c == b'\t') | (c == b'\n') | (c == b'\r');
    let mut chunks = value.chunks_exact(32);
    let mut found = false;
    for chunk in &mut chunks {
        found |= chunk.iter().fold(false, |f, &c| f | stop(c));
    }
    !(found || chunks.remainder().iter().any(|&c| stop(c)))
}

/// The attributes of a `<ReportItem>` start tag as Nessus writes them, from the space after the
/// name: `key="value"` pairs (or single quotes), each after one or more spaces, up to `>`.
/// Returns the length through the `>`, with each attribute's key and value spans in `spans`.
///
/// Only attributes whose value reads as it is written are taken: `None` (quick-xml reads the tag)
/// for a reference, `<`, a tab or a line break anywhere in the tag (XML turns those into spaces in
/// a value), a key that is not a plain ASCII name, whitespace around `=`, a missing quote, a
/// repeated key, more than [`FAST_ATTRS_MAX`] attributes, `/>`, or a tag that runs past the buffer.
fn scan_item_attrs(b: &[u8], spans: &mut Vec<AttrSpan>) -> Option<usize> {
    spans.clear();
    let mut i = 0;
    loop {
        let gap = i;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        match *b.get(i)? {
            // One check over the whole tag rather than one per value (most values are short).
            b'>' => return reads_as_written(&b[..i]).then_some(i + 1),
            c if i > gap && is_name_start(c) => {}
            _ => return None,
        }
        let key = i;
        let key_end = key + b[key..].iter().position(|&c| !is_name_byte(c))?;
        i = key_end;
        if b.get(i) != Some(&b'=') {
            return None;
        }
        let quote = *b.get(i + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value = i + 2;
        // The value ends at its own quote (the other quote is part of it).
        let value_end = value + memchr::memchr(quote, b.get(value..)?)?;
        if spans.len() == FAST_ATTRS_MAX || spans.iter().any(|s| b[s[0]..s[1]] == b[key..key_end]) {
            return None;
        }
        spans.push([key, key_end, value, value_end]);
        i = value_end + 1;
    }
}

/// A start tag other than `<Policy>`, however it was read: the element opens, then the text of a
/// field that is kept is read straight from the bytes (`at`: their offset). `item` holds a
/// `<ReportItem>`'s attributes when [`peek_tag`] read them (`e` then has none). Returns the bytes
/// read behind quick-xml's back.
#[allow(clippy::too_many_arguments)]
fn on_start<R: BufRead>(
    st: &mut State,
    stack: &mut NameStack,
    r: &mut R,
    e: &BytesStart<'_>,
    item: Option<ItemAttrs<'_>>,
    name: &str,
    pos: u64,
    at: u64,
    fast: bool,
) -> Result<u64> {
    st.depth += 1;
    stack.push(name, fast);
    start(st, e, item, pos)?;
    if name == "ReportItem"
        && let Ok(buf) = r.fill_buf()
    {
        st.ahead.step(&st.shared, buf, at);
    }
    if st.field.is_some() || st.tag.is_some() {
        // Text of a field we keep: read it capped, straight from the bytes.
        let label = std::rc::Rc::clone(&st.label);
        return read_text_raw(r, &mut st.text, &label, at);
    }
    Ok(0)
}

/// An end tag, however it was read.
fn on_end(st: &mut State, stack: &mut NameStack, name: &str, pos: u64, set: &mut Out<'_>) -> Result<()> {
    st.depth = st.depth.saturating_sub(1);
    stack.pop(name).map_err(|msg| err_at(&st.label, pos, None, Error::parse(msg)))?;
    end(st, name, pos, set)
}

/// Consumes bytes through the first occurrence of `needle` (which may straddle two buffer
/// fills); returns how many, or `None` when the input ends first.
fn skip_past<R: BufRead>(r: &mut R, needle: &[u8]) -> std::io::Result<Option<u64>> {
    let finder = memchr::memmem::Finder::new(needle);
    let keep = needle.len().saturating_sub(1);
    // The last `keep` bytes consumed, to find a needle split across fills.
    let mut tail: Vec<u8> = Vec::with_capacity(2 * needle.len());
    let mut total = 0u64;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if !tail.is_empty() {
            let carried = tail.len();
            tail.extend_from_slice(&buf[..buf.len().min(keep)]);
            if let Some(i) = finder.find(&tail) {
                let n = i + needle.len() - carried;
                r.consume(n);
                return Ok(Some(total + n as u64));
            }
            tail.truncate(carried);
        }
        if let Some(i) = finder.find(buf) {
            let n = i + needle.len();
            r.consume(n);
            return Ok(Some(total + n as u64));
        }
        let n = buf.len();
        tail.extend_from_slice(&buf[n.saturating_sub(keep)..]);
        if tail.len() > keep {
            tail.drain(..tail.len() - keep);
        }
        r.consume(n);
        total += n as u64;
    }
}

/// Where findings go as hosts complete.
struct Out<'a> {
    context: ScanContext,
    sink: &'a mut dyn FnMut(Finding) -> Result<()>,
    findings: u64,
}

/// Reads a Nessus v2 document, handing each finding to `sink` as soon as its host is complete
/// and keeping none: memory stays bounded by the largest host, whatever the file size, plus the
/// plugin texts kept for sharing (at most 128 MiB; see [`SharedTexts`]). Returns the scan context.
pub fn read_with<R: BufRead>(
    reader: R,
    label: &str,
    sink: &mut dyn FnMut(Finding) -> Result<()>,
) -> Result<ScanContext> {
    read_sharing(reader, label, sink, SHARED_TEXT_BUDGET, true)
}

/// [`read_with`], sharing at most `budget` bytes of plugin texts, with or without the fast path
/// ([`peek_tag`]; tests read every document both ways).
fn read_sharing<R: BufRead>(
    reader: R,
    label: &str,
    sink: &mut dyn FnMut(Finding) -> Result<()>,
    budget: usize,
    peek: bool,
) -> Result<ScanContext> {
    let mut xml = Reader::from_reader(super::xml::NulGuard::new(reader));
    xml.config_mut().trim_text(false);
    // End names are checked against our own stack (below), because the Policy block is skipped
    // on raw bytes and the fast path reads tags itself, which quick-xml's stack would not know about.
    xml.config_mut().check_end_names = false;
    // quick-xml still keeps a stack of its own, which misses the tags the fast path reads (and
    // the Policy block): an end tag it did not see open is not its error to report but ours.
    xml.config_mut().allow_unmatched_ends = true;
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut stack = NameStack::default();
    // Bytes consumed behind quick-xml's back (the Policy block, kept fields' text, the fast path's
    // tags), added to its positions.
    let mut skipped: u64 = 0;
    let mut set = Out { context: ScanContext::default(), sink, findings: 0 };
    let mut st = State {
        label: std::rc::Rc::from(label),
        host: None,
        item: None,
        field: None,
        tag: None,
        text: TextBuf::default(),
        shared: SharedTexts::new(budget),
        depth: 0,
        seen_root: false,
        spare_items: Vec::new(),
        ahead: Ahead::default(),
    };
    // Whether quick-xml stands where the fast path may read ahead of it: after a start, end or
    // empty tag (quick-xml then expects text or markup). After a text event it has already seen
    // the next `<` and must read the tag itself.
    let mut fast = false;
    let mut name_buf = [0u8; FAST_NAME_MAX];
    // A `<ReportItem>` start tag's attributes as the fast path read them, and their spans.
    let mut attr_buf = String::with_capacity(1024);
    let mut spans: Vec<AttrSpan> = Vec::with_capacity(FAST_ATTRS_MAX);
    loop {
        if fast && peek {
            let skip_text = st.field.is_none() && st.tag.is_none();
            if let Some(Peeked { text_len, tag_len, kind, name_len, known, has_attrs }) =
                peek_tag(xml.get_mut(), skip_text, &mut name_buf, &mut attr_buf, &mut spans)
            {
                let name = known.unwrap_or_else(|| std::str::from_utf8(&name_buf[..name_len]).unwrap_or_default());
                // `<Policy>` is skipped below; an element quick-xml opened, quick-xml closes.
                let take = match kind {
                    Tag::Start => name != "Policy",
                    Tag::End => stack.top_is_fast(),
                };
                if take {
                    let pos = xml.buffer_position() + skipped + text_len as u64;
                    xml.get_mut().consume(text_len + tag_len);
                    skipped += (text_len + tag_len) as u64;
                    match kind {
                        Tag::Start => {
                            let at = xml.buffer_position() + skipped;
                            let e = BytesStart::new(name);
                            let item = has_attrs.then(|| ItemAttrs::from_spans(&attr_buf, &spans));
                            skipped += on_start(&mut st, &mut stack, xml.get_mut(), &e, item, name, pos, at, true)?;
                        }
                        Tag::End => on_end(&mut st, &mut stack, name, pos, &mut set)?,
                    }
                    continue;
                }
            }
        }
        let pos = xml.buffer_position() + skipped;
        let event =
            xml.read_event_into(&mut buf).map_err(|e| read_error(&e, pos, xml.error_position() + skipped, label))?;
        fast = matches!(event, Event::Start(_) | Event::End(_) | Event::Empty(_));
        match event {
            Event::Start(e) => {
                let name = e.name().0;
                check_name(name, label, pos)?;
                if name == "Policy" {
                    // Nothing in the Policy block matters to the rules: scan the raw bytes for its
                    // end tag instead of building events for it.
                    let n = skip_past(xml.get_mut(), b"</Policy>")
                        .map_err(|e| err_at(label, pos, None, Error::parse(format!("read failed: {e}"))))?
                        .ok_or_else(|| {
                            err_at(
                                label,
                                pos,
                                None,
                                Error::parse("unexpected end of file inside <Policy>: the file is truncated"),
                            )
                        })?;
                    skipped += n;
                } else {
                    let at = xml.buffer_position() + skipped;
                    skipped += on_start(&mut st, &mut stack, xml.get_mut(), &e, None, name, pos, at, false)?;
                }
            }
            Event::Empty(e) => {
                check_name(e.name().0, label, pos)?;
                if e.name().0 == "ReportItem" {
                    start(&mut st, &e, None, pos)?;
                    end(&mut st, "ReportItem", pos, &mut set)?;
                }
            }
            Event::End(e) => on_end(&mut st, &mut stack, e.name().0, pos, &mut set)?,
            Event::Text(t) => {
                if st.field.is_some() || st.tag.is_some() {
                    st.text.push(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if st.field.is_some() || st.tag.is_some() {
                    let s = c.into_inner();
                    st.text.push(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = resolve_ref(&r, label, pos)?;
                if st.field.is_some() || st.tag.is_some() {
                    st.text.push(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    let end_pos = xml.buffer_position() + skipped;
    if !st.seen_root {
        return Err(err_at(label, 0, None, Error::parse("no <NessusClientData_v2> element: not a Nessus v2 file")));
    }
    if st.depth > 0 || st.host.is_some() {
        let within = st.host.as_ref().map(|h| format!(" inside <ReportHost name=\"{}\">", h.name)).unwrap_or_default();
        return Err(err_at(
            label,
            end_pos,
            None,
            Error::parse(format!("unexpected end of file{within}: the file is truncated")),
        ));
    }
    set.context.files.push(ScanFile {
        file: label.to_string(),
        source_format: SourceFormat::Nessus,
        scanner: Some("Nessus".to_string()),
        hosts: set.context.hosts.len() as u64,
        findings: set.findings,
        skipped: 0,
        bytes: end_pos,
    });
    Ok(set.context)
}

/// The attributes of a `<ReportItem>` conmon reads, borrowed from the event where they need no
/// unescaping: only the ones a finding keeps become owned strings.
#[derive(Default)]
struct ItemAttrs<'a> {
    plugin_id: Option<Cow<'a, str>>,
    severity: Option<Cow<'a, str>>,
    port: Option<Cow<'a, str>>,
    family: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    protocol: Option<Cow<'a, str>>,
    service: Option<Cow<'a, str>>,
}

impl<'a> ItemAttrs<'a> {
    /// Where the value of the attribute `key` goes, if it is one conmon reads.
    fn slot(&mut self, key: &str) -> Option<&mut Option<Cow<'a, str>>> {
        Some(match key {
            "pluginID" => &mut self.plugin_id,
            "severity" => &mut self.severity,
            "port" => &mut self.port,
            "pluginFamily" => &mut self.family,
            "pluginName" => &mut self.name,
            "protocol" => &mut self.protocol,
            "svc_name" => &mut self.service,
            _ => return None,
        })
    }

    /// The attributes quick-xml parses from a start tag (one pass: a `<ReportItem>` has seven,
    /// and looking each up would scan them all).
    fn from_event(e: &'a BytesStart<'_>, label: &str, pos: u64) -> Result<ItemAttrs<'a>> {
        let mut a = ItemAttrs::default();
        for attribute in e.attributes() {
            let attribute =
                attribute.map_err(|err| err_at(label, pos, None, Error::parse(format!("bad attribute: {err}"))))?;
            let Some(slot) = a.slot(attribute.key.as_ref()) else { continue };
            let value = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|err| {
                err_at(label, pos, Some(attribute.key.as_ref()), Error::parse(format!("bad attribute value: {err}")))
            })?;
            *slot = Some(value);
        }
        Ok(a)
    }

    /// The attributes [`scan_item_attrs`] took from `text`: each value as written (it has nothing
    /// that XML would change).
    fn from_spans(text: &'a str, spans: &[AttrSpan]) -> ItemAttrs<'a> {
        let mut a = ItemAttrs::default();
        for &[key, key_end, value, value_end] in spans {
            if let Some(slot) = a.slot(&text[key..key_end]) {
                *slot = Some(Cow::Borrowed(&text[value..value_end]));
            }
        }
        a
    }
}

fn start(st: &mut State, e: &BytesStart<'_>, item: Option<ItemAttrs<'_>>, pos: u64) -> Result<()> {
    let label = std::rc::Rc::clone(&st.label);
    match e.name().0 {
        "NessusClientData_v2" => st.seen_root = true,
        "ReportHost" => {
            let name = attr(e, "name", &label, pos)?.unwrap_or_default();
            st.host = Some(Host { name, items: std::mem::take(&mut st.spare_items), ..Host::default() });
        }
        "tag" if st.host.is_some() && st.item.is_none() => {
            st.tag = Some(attr(e, "name", &label, pos)?.unwrap_or_default());
            st.text.clear();
        }
        "ReportItem" => {
            if st.host.is_none() {
                return Err(err_at(&label, pos, None, Error::parse("<ReportItem> outside a <ReportHost>")));
            }
            let a = match item {
                Some(a) => a,
                None => ItemAttrs::from_event(e, &label, pos)?,
            };
            let plugin_id = a
                .plugin_id
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| err_at(&label, pos, Some("pluginID"), Error::missing("<ReportItem> has no pluginID")))?;
            let plugin_id = CompactString::from(&*plugin_id);
            let severity_label = a.severity.as_deref().map(CompactString::from).unwrap_or_default();
            let severity = if severity_label.is_empty() {
                None
            } else {
                Some(ScannerSeverity::parse_label(&severity_label).ok_or_else(|| {
                    err_at(
                        &label,
                        pos,
                        Some("severity"),
                        Error::invalid(format!("severity `{severity_label}` is not 0-4")),
                    )
                })?)
            };
            let port = match a.port {
                None => None,
                Some(p) => {
                    let n: u16 = p.trim().parse().map_err(|_| {
                        err_at(&label, pos, Some("port"), Error::invalid(format!("port `{p}` is not a number 0-65535")))
                    })?;
                    (n != 0).then_some(n)
                }
            };
            let texts = st.shared.slot(&plugin_id);
            st.item = Some(Item {
                plugin_name: share(
                    &mut st.shared.texts[texts].name,
                    &mut st.shared.room,
                    a.name.as_deref().unwrap_or_default(),
                ),
                texts,
                compliance: a.family.is_some_and(|f| f == "Policy Compliance"),
                plugin_id,
                severity,
                severity_label,
                port,
                protocol: a.protocol.as_deref().filter(|s| !s.is_empty()).map(CompactString::from),
                service: a.service.as_deref().filter(|s| !s.is_empty()).map(CompactString::from),
                ..Item::default()
            });
        }
        other if st.item.is_some() => {
            st.field = field_for(other);
            if st.field.is_some() {
                st.text.clear();
            }
            if other.starts_with("cm:compliance-")
                && let Some(item) = st.item.as_mut()
            {
                item.compliance = true;
            }
        }
        _ => {}
    }
    Ok(())
}

fn parse_score(s: &str, field: &str, label: &str, pos: u64) -> Result<Cvss> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| err_at(label, pos, Some(field), Error::invalid(format!("`{}` is not a CVSS score", s.trim()))))?;
    Cvss::new(v, None).map_err(|e| err_at(label, pos, Some(field), e))
}

/// Nessus dates: `2008/09/01` (or `2008-09-01`).
fn parse_nessus_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // The usual form, `YYYY/MM/DD` with every digit written, read directly: chrono's format
    // parser costs about 1% of a whole Nessus read. Any other spelling goes to chrono.
    if let &[y1, y2, y3, y4, sep, m1, m2, sep2, d1, d2] = s.as_bytes()
        && (sep == b'/' || sep == b'-')
        && sep2 == sep
    {
        let digits = [y1, y2, y3, y4, m1, m2, d1, d2];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |ds: &[u8]| ds.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            let year = i32::try_from(n(&digits[..4])).ok()?;
            return NaiveDate::from_ymd_opt(year, n(&digits[4..6]), n(&digits[6..]));
        }
    }
    NaiveDate::parse_from_str(s, "%Y/%m/%d").or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d")).ok()
}

/// `Fri Mar 21 09:46:41 2014` (no zone: read as UTC).
fn parse_host_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %Y")
        .ok()
        .map(|t| t.and_utc())
        .filter(|t| crate::model::check_date(t.date_naive()).is_ok())
}

fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    s.trim()
        .parse::<i64>()
        .ok()
        .and_then(|n| DateTime::<Utc>::from_timestamp(n, 0))
        .filter(|t| crate::model::check_date(t.date_naive()).is_ok())
}

fn end(st: &mut State, name: &str, pos: u64, set: &mut Out<'_>) -> Result<()> {
    let label = std::rc::Rc::clone(&st.label);
    if st.tag.is_some() && name == "tag" {
        let tag = st.tag.take().unwrap_or_default();
        let value = st.text.take().trim().to_string();
        if let Some(host) = st.host.as_mut() {
            let v = || (!value.is_empty()).then(|| value.clone());
            match tag.as_str() {
                "host-ip" => host.ip = v(),
                "host-fqdn" => host.fqdn = v(),
                "netbios-name" => host.netbios = v(),
                "mac-address" => host.mac = v().map(|m| m.lines().next().unwrap_or("").to_string()),
                "operating-system" => host.os = v().map(|o| o.lines().next().unwrap_or("").to_string()),
                "HOST_START" => host.start = parse_host_time(&value),
                "HOST_END" => host.end = parse_host_time(&value),
                "HOST_START_TIMESTAMP" => host.start_ts = parse_epoch(&value),
                "HOST_END_TIMESTAMP" => host.end_ts = parse_epoch(&value),
                "Credentialed_Scan" => host.credentialed_tag = value.parse::<bool>().ok(),
                _ => {}
            }
        }
        return Ok(());
    }
    if let Some(field) = st.field
        && field_for(name) == Some(field)
    {
        st.field = None;
        let Some(item) = st.item.as_mut() else {
            st.text.clear();
            return Ok(());
        };
        // Long texts are kept whole (moved out of the buffer); every other field is read from
        // the buffer in place, without a copy.
        match field {
            Field::PluginOutput => {
                item.plugin_output = Some(st.text.take());
                return Ok(());
            }
            Field::Description => {
                item.description =
                    share_field(&mut st.shared.texts[item.texts].description, &mut st.shared.room, &mut st.text);
                return Ok(());
            }
            Field::Synopsis => {
                // Only a stand-in for an empty description: not kept when one was read.
                // (`trim_start`: reads the text's first bytes only, where `trim` reads its last too.)
                if item.description.trim_start().is_empty() {
                    item.synopsis =
                        share_field(&mut st.shared.texts[item.texts].synopsis, &mut st.shared.room, &mut st.text);
                } else {
                    st.text.clear();
                }
                return Ok(());
            }
            _ => {}
        }
        let owned;
        let t = match st.text.borrow() {
            Some(t) => t.trim(),
            None => {
                owned = st.text.take();
                owned.trim()
            }
        };
        match field {
            Field::Cve => {
                if !t.is_empty() && !item.cves.iter().any(|c| c == t) {
                    item.cves.push(CompactString::from(t));
                }
            }
            Field::Cwe => {
                if !t.is_empty() {
                    let cwe = if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CWE-")) {
                        CompactString::from(t)
                    } else {
                        compact_str::format_compact!("CWE-{t}")
                    };
                    if !item.cwes.contains(&cwe) {
                        item.cwes.push(cwe);
                    }
                }
            }
            Field::Cvss2 => item.cvss.v2 = Some(parse_score(t, name, &label, pos)?),
            Field::Cvss3 => item.cvss.v3 = Some(parse_score(t, name, &label, pos)?),
            Field::Cvss4 => item.cvss.v4 = Some(parse_score(t, name, &label, pos)?),
            Field::Cvss2Vector => item.cvss_vectors[0] = Some(t.to_string()),
            Field::Cvss3Vector => item.cvss_vectors[1] = Some(t.to_string()),
            Field::Cvss4Vector => item.cvss_vectors[2] = Some(t.to_string()),
            Field::PluginOutput | Field::Description | Field::Synopsis => {}
            Field::Solution => {
                item.solution =
                    (!t.is_empty()).then(|| share(&mut st.shared.texts[item.texts].solution, &mut st.shared.room, t));
            }
            Field::SeeAlso => item.see_also.extend(t.split_whitespace().map(str::to_string)),
            Field::RiskFactor => {
                if item.severity.is_none() {
                    item.severity = ScannerSeverity::parse_label(t);
                    item.severity_label = CompactString::from(t);
                }
            }
            Field::PluginName => {
                if item.plugin_name.is_empty() {
                    item.plugin_name = share(&mut st.shared.texts[item.texts].name, &mut st.shared.room, t);
                }
            }
            Field::VulnPublished => item.vuln_published = parse_nessus_date(t),
            Field::PatchPublished => item.patch_published = parse_nessus_date(t),
            Field::ExploitAvailable => item.exploit_available = t.parse::<bool>().ok(),
            Field::ComplianceCheckName => item.compliance_check_name = Some(t.to_string()),
            Field::ComplianceCheckId => item.compliance_check_id = Some(t.to_string()),
            Field::ComplianceResult => item.compliance_result = Some(t.to_string()),
            Field::ComplianceOther => {}
        }
        return Ok(());
    }
    match name {
        "ReportItem" => {
            if let (Some(item), Some(host)) = (st.item.take(), st.host.as_mut()) {
                note_scan_info(host, &item);
                host.items.push(item);
            }
        }
        "ReportHost" => {
            if let Some(host) = st.host.take() {
                let mut items = finish_host(host, &label, set)?;
                // Kept only up to a modest size: one huge host must not pin its memory.
                if items.capacity() <= SPARE_ITEMS_MAX {
                    items.clear();
                    st.spare_items = items;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Credentialed status from the scan-information plugins.
fn note_scan_info(host: &mut Host, item: &Item) {
    let out = item.plugin_output.as_deref().unwrap_or("");
    match item.plugin_id.as_str() {
        // Nessus Scan Information: "Credentialed checks : yes" / "no".
        "19506" => {
            if let Some(line) = out.lines().find(|l| l.trim_start().starts_with("Credentialed checks")) {
                let value = line.split_once(':').map_or("", |(_, v)| v).trim().to_ascii_lowercase();
                host.credentialed_plugin = Some((value.starts_with("yes"), "plugin 19506 (Credentialed checks)"));
            }
        }
        // Target Credential Status by Authentication Protocol - Valid Credentials Provided.
        "141118" if host.credentialed_plugin.is_none() => {
            host.credentialed_plugin = Some((true, "plugin 141118 (valid credentials provided)"));
        }
        // OS Security Patch Assessment Available.
        "117887" if host.credentialed_plugin.is_none() => {
            host.credentialed_plugin = Some((true, "plugin 117887 (OS security patch assessment available)"));
        }
        _ => {}
    }
}

/// Most items a kept item list may hold room for (see `State::spare_items`).
const SPARE_ITEMS_MAX: usize = 16 * 1024;

/// Emits the host's findings and its scan record; gives back its item list, emptied.
fn finish_host(mut host: Host, label: &str, set: &mut Out<'_>) -> Result<Vec<Item>> {
    let mut items = std::mem::take(&mut host.items);
    let identifier = host.ip.clone().unwrap_or_else(|| host.name.clone());
    let asset = std::sync::Arc::new(Asset {
        identifier: identifier.clone(),
        asset_type: AssetType::Os,
        ip: host.ip.clone(),
        fqdn: host.fqdn.clone(),
        netbios: host.netbios.clone(),
        mac: host.mac.clone(),
        os: host.os.clone(),
    });
    let (credentialed, evidence) = match (host.credentialed_tag, host.credentialed_plugin) {
        (Some(v), _) => (Some(v), Some("tag Credentialed_Scan".to_string())),
        (None, Some((v, why))) => (Some(v), Some(why.to_string())),
        (None, None) => (None, None),
    };
    // The epochs are instants; the text is the scanner's wall clock with no zone. Never mix
    // them: with either epoch present only epochs count.
    let zoneless = host.start_ts.is_none() && host.end_ts.is_none();
    let (scan_start, scan_end) = if zoneless { (host.start, host.end) } else { (host.start_ts, host.end_ts) };
    let zoneless = zoneless && (scan_start.is_some() || scan_end.is_some());
    let observed = scan_end.or(scan_start);
    let count = items.len() as u64;
    for item in items.drain(..) {
        let mut cvss = item.cvss;
        let [v2, v3, v4] = item.cvss_vectors;
        if let Some(c) = cvss.v2.as_mut() {
            c.vector = v2;
        }
        if let Some(c) = cvss.v3.as_mut() {
            c.vector = v3;
        }
        if let Some(c) = cvss.v4.as_mut() {
            c.vector = v4;
        }
        let (kind, weakness_key, name) = if item.compliance {
            let check = item.compliance_check_id.clone().or_else(|| item.compliance_check_name.clone());
            let key = match &check {
                Some(c) => compact_str::format_compact!("nessus-compliance:{}:{c}", item.plugin_id),
                None => compact_str::format_compact!("nessus-compliance:{}", item.plugin_id),
            };
            let name = match item.compliance_check_name.as_deref() {
                Some(check_name) => Arc::from(check_name),
                None => item.plugin_name,
            };
            (FindingKind::Configuration, key, name)
        } else {
            // Built by hand: `format!` costs more than the copy on this per-finding path. Inline
            // (no allocation) for any plugin ID up to 17 characters.
            let mut key = CompactString::with_capacity("nessus:".len() + item.plugin_id.len());
            key.push_str("nessus:");
            key.push_str(&item.plugin_id);
            (FindingKind::Vulnerability, key, item.plugin_name)
        };
        // Both were left-trimmed when read. Blank or not is told by the first bytes alone: a
        // shared text lies far from the finding, and `trim` would also read (and miss) its end.
        let description = if item.description.trim_start().is_empty() { item.synopsis } else { item.description };
        set.findings += 1;
        (set.sink)(Finding {
            source_format: SourceFormat::Nessus,
            scanner: CompactString::const_new("Nessus"),
            scanner_id: item.plugin_id,
            weakness_key,
            kind,
            name,
            description,
            solution: item.solution,
            asset: asset.clone(),
            port: item.port,
            protocol: item.protocol,
            service: item.service,
            scanner_severity: item.severity,
            scanner_severity_label: Some(item.severity_label).filter(|s| !s.is_empty()),
            cvss,
            cves: item.cves,
            cwes: item.cwes,
            observed_at: observed,
            vuln_published: item.vuln_published,
            patch_published: item.patch_published,
            exploit_available: item.exploit_available,
            evidence: item.plugin_output.or(item.compliance_result),
            see_also: item.see_also,
            first_seen: None,
            zoneless_times: zoneless,
            component: None,
            location: None,
            scanner_status: None,
        })?;
    }
    set.context.hosts.push(HostScan {
        identifier,
        asset_type: AssetType::Os,
        ip: host.ip,
        fqdn: host.fqdn,
        netbios: host.netbios,
        mac: host.mac,
        os: host.os,
        scan_start,
        scan_end,
        zoneless_times: zoneless,
        credentialed,
        credentialed_evidence: evidence,
        file: label.to_string(),
        source_format: SourceFormat::Nessus,
        finding_count: count,
    });
    Ok(items)
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;

    /// A document with every construct the fast path must leave to quick-xml, between and inside
    /// the children of a `<ReportItem>`.
    const AWKWARD: &str = concat!(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Policy><policyName>p</policyName>",
        "<Preferences><value>a &lt; b</value></Preferences></Policy>\n<Report name=\"r\">\n",
        "<ReportHost name=\"h1\"><HostProperties>\n<tag name=\"host-ip\">10.0.0.1</tag>\n",
        "<tag name=\"HOST_END_TIMESTAMP\">1767225600</tag><tag>no name</tag>\n</HostProperties>\n",
        "<ReportItem port=\"443\" svc_name=\"www\" protocol=\"tcp\" severity=\"3\" pluginID=\"101\" ",
        "pluginName=\"One &amp; two\" pluginFamily=\"Web\">\n",
        "<fname>a &amp; b.nasl</fname>\n<!-- a comment -->\n<plugin_type>remote</plugin_type>",
        "<?pi between children?>\n<description>Line one\r\nline &#x32; &lt;three&gt;</description>\n",
        "<cve>CVE-2024-0001</cve><cve >CVE-2024-0002</cve ><cve a=\"b\">CVE-2024-0003</cve>\n",
        "<cvss3_base_score>8.1</cvss3_base_score>\n<cvss3_vector>CVSS:3.1/AV:N</cvss3_vector>\n",
        "<plugin_output>before<b>bold</b>after <![CDATA[<raw> & ]]> tail</plugin_output>\n",
        "<exploit_available/>\n<see_also>https://a.invalid/1\nhttps://a.invalid/2</see_also>\n",
        "<an_element_name_longer_than_sixty_four_bytes_which_the_fast_path_leaves_alone>x",
        "</an_element_name_longer_than_sixty_four_bytes_which_the_fast_path_leaves_alone>\n",
        "<\u{fc}n\u{ef}>non-ASCII name</\u{fc}n\u{ef}>\n<risk_factor>High</risk_factor>\n",
        "<vuln_publication_date>2024/01/31</vuln_publication_date><solution>Upgrade.</solution>",
        "<synopsis>Short.</synopsis></ReportItem>\n",
        "<ReportItem port=\"0\" severity=\"1\" pluginID=\"202\" pluginName=\"Check\" ",
        "pluginFamily=\"Policy Compliance\"><cm:compliance-check-name>Check A</cm:compliance-check-name>",
        "<cm:compliance-result>FAILED</cm:compliance-result><description></description></ReportItem>\n",
        "<ReportItem port=\"22\" severity=\"2\" pluginID=\"303\" pluginName=\"Empty\" />\n",
        "</ReportHost>\n<ReportHost name=\"h2\"><HostProperties><tag name=\"host-fqdn\">b.example</tag>",
        "</HostProperties><ReportItem port=\"0\" severity=\"4\" pluginID=\"101\" pluginName=\"One &amp; two\">",
        "<description>Line one\nline 2 &lt;three&gt;</description><cvss_base_score>10.0</cvss_base_score>",
        "</ReportItem>\n<ReportItem\tport='8080' svc_name=\"a>b\" protocol=\"udp\"\r\n severity=\"2\" ",
        "pluginID=\"404\" x-extra=\"ignored\" pluginName='Single \"quoted\" \u{dc}n\u{ef}' >",
        "<cve>CVE-2024-0404</cve></ReportItem>\n",
        "<ReportItem port=\"0\" severity=\"0\" pluginID=\"505\" pluginName=\"Two\nlines\tand tab\"><cve>",
        "CVE-2024-0505</cve></ReportItem></ReportHost>\n</Report>\n</NessusClientData_v2>\n"
    );

    /// A document read with and without the fast path, through a buffer of `cap` bytes: the
    /// findings and the context, or the error as it is shown.
    fn read_both_ways(doc: &[u8], cap: usize) -> [std::result::Result<(Vec<Finding>, ScanContext), String>; 2] {
        [
            read(BufReader::with_capacity(cap, doc), "x.nessus"),
            read_quick_xml_only(BufReader::with_capacity(cap, doc), "x.nessus"),
        ]
        .map(|r| r.map(|s| (s.findings, s.context)).map_err(|e| e.to_string()))
    }

    #[test]
    fn the_fast_path_reads_every_document_as_quick_xml_alone_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut docs: Vec<(String, Vec<u8>)> = vec![("awkward".into(), AWKWARD.as_bytes().to_vec())];
        for dir in ["tests/fixtures/nessus", "tests/fixtures/hostile", "examples/data/monthly"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for entry in std::fs::read_dir(&d).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "nessus") {
                        docs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
                    }
                }
            }
        }
        assert!(docs.len() >= 6, "{} documents", docs.len());
        let (mut read, mut failed) = (0, 0);
        for (name, doc) in &docs {
            // Tiny buffers put every tag across a refill somewhere: the fast path must give way.
            for cap in [1, 2, 3, 5, 8, 13, 64, 300, 4096, 256 * 1024] {
                let [fast, slow] = read_both_ways(doc, cap);
                assert_eq!(fast, slow, "{name}, buffer of {cap} bytes");
                if fast.is_ok() { read += 1 } else { failed += 1 }
            }
        }
        // The awkward document itself reads, with what the fast path must not lose.
        let [Ok((findings, context)), _] = read_both_ways(AWKWARD.as_bytes(), 256 * 1024) else {
            panic!("the awkward document does not read")
        };
        assert!(read > 0 && failed > 0, "{read} read, {failed} failed");
        assert_eq!(findings.len(), 6);
        let f = &findings[0];
        assert_eq!(f.cves, ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"]);
        assert_eq!(&*f.description, "Line one\nline 2 <three>");
        assert_eq!(f.see_also, ["https://a.invalid/1", "https://a.invalid/2"]);
        assert_eq!(f.vuln_published, NaiveDate::from_ymd_opt(2024, 1, 31));
        assert_eq!(f.cvss.v3.as_ref().and_then(|c| c.vector.as_deref()), Some("CVSS:3.1/AV:N"));
        assert_eq!(findings[1].kind, FindingKind::Configuration);
        assert_eq!(findings[1].evidence.as_deref(), Some("FAILED"));
        assert_eq!(context.hosts.len(), 2);
        assert_eq!(findings[3].asset.fqdn.as_deref(), Some("b.example"));
        // Attributes read by the fast path (single quotes, `>` in a value, a tab and a line break
        // between attributes, an unknown one, non-ASCII) and by quick-xml (a tab and a line
        // break inside a value become spaces).
        let f = &findings[4];
        assert_eq!(&*f.name, "Single \"quoted\" \u{dc}n\u{ef}");
        assert_eq!((f.port, f.protocol.as_deref(), f.service.as_deref()), (Some(8080), Some("udp"), Some("a>b")));
        assert_eq!(f.scanner_severity, Some(ScannerSeverity::Medium));
        assert_eq!(&*findings[5].name, "Two lines and tab");
    }

    #[test]
    fn report_item_attributes_the_fast_path_takes_and_leaves() {
        let scan = |tag: &str| {
            let mut spans = Vec::new();
            let b = tag.as_bytes();
            scan_item_attrs(b, &mut spans).map(|n| {
                let kv: Vec<_> = spans.iter().map(|s| format!("{}={}", &tag[s[0]..s[1]], &tag[s[2]..s[3]])).collect();
                (n, kv.join(","))
            })
        };
        // As Nessus writes it.
        let nessus = r#" port="443" svc_name="www" protocol="tcp" severity="3" pluginID="1" pluginName="A > B" pluginFamily="Web">rest"#;
        assert_eq!(
            scan(nessus),
            Some((
                nessus.len() - 4,
                "port=443,svc_name=www,protocol=tcp,severity=3,pluginID=1,pluginName=A > B,pluginFamily=Web".into()
            ))
        );
        assert_eq!(scan(" a='x\"y'  b=\"\" >"), Some((16, "a=x\"y,b=".into())));
        assert_eq!(scan(" >"), Some((2, String::new())));
        let sixteen: String = (0..16).map(|i| format!(" a{i}=\"v\"")).collect();
        assert!(scan(&format!("{sixteen}>")).is_some());
        for left in [
            " a=\"1\" a=\"2\">", // repeated key: quick-xml reports it
            " a=\"1\"b=\"2\">",  // no whitespace between attributes
            " a = \"1\">",       // whitespace around `=`
            " a=1>",             // unquoted
            " a=\"1'>",          // unterminated
            " a=\"x &amp; y\">", // a reference
            " a=\"x < y\">",     // `<` in a value
            " a=\"x\ty\">",      // a tab in a value becomes a space
            " a=\"x\ny\">",      // so does a line break
            " a=\"x\ry\">",
            " a=\"x\"\tb=\"y\">", // whitespace other than spaces between attributes
            " a=\"x\"\nb=\"y\">",
            "\ta=\"x\">",
            " 1a=\"x\">",     // not a name
            " \u{e9}=\"x\">", // not ASCII
            " a=\"1\"/>",     // an empty element
            " a=\"1\"",       // runs past the buffer
            " a=\"1",
            " a",
            "",
        ] {
            assert_eq!(scan(left), None, "{left:?}");
        }
        let seventeen: String = (0..17).map(|i| format!(" a{i}=\"v\"")).collect();
        assert_eq!(scan(&format!("{seventeen}>")), None);
        // Each of them read both ways in a whole document: the same findings or the same error.
        for tag in [
            nessus.trim_end_matches("rest"),
            " a=\"1\" a=\"2\" pluginID=\"1\">",
            " pluginID=\"1\"severity=\"2\">",
            " pluginID=\"1\"\n severity=\"2\">",
        ] {
            let doc = format!(
                "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem{tag}<cve>CVE-1</cve></ReportItem></ReportHost></Report></NessusClientData_v2>"
            );
            for cap in [1, 16, 4096] {
                let [fast, slow] = read_both_ways(doc.as_bytes(), cap);
                assert_eq!(fast, slow, "{doc}, buffer of {cap} bytes");
            }
        }
    }

    #[test]
    fn the_fast_path_and_quick_xml_agree_on_every_single_byte_change() {
        // Each byte of the awkward document replaced in turn by a byte that changes the markup:
        // well-formed or not, both readers must give the same findings or the same error.
        let doc = AWKWARD.as_bytes();
        let mut errors = 0;
        for i in 0..doc.len() {
            for b in [b'<', b'>', b'/', b'&', b' ', b'x', 0xFF] {
                if doc[i] == b {
                    continue;
                }
                let mut changed = doc.to_vec();
                changed[i] = b;
                for cap in [7, 4096] {
                    let [fast, slow] = read_both_ways(&changed, cap);
                    assert_eq!(fast, slow, "byte {i} set to {b:#04x}, buffer of {cap} bytes");
                    errors += usize::from(fast.is_err());
                }
            }
        }
        assert!(errors > 1000, "{errors} errors");
    }

    #[test]
    fn the_look_ahead_holds_the_next_items_plugins_however_the_buffer_is_cut() {
        // Items with numbered, unnumbered and overlong IDs, and a `pluginID="` inside a text
        // (which the look-ahead takes for an item: only a wasted hint).
        let mut doc = String::new();
        for (i, id) in ["101", "abc", "102", "0103", "104", "12345678", "105", "106", "107"].iter().enumerate() {
            doc.push_str(&format!("<ReportItem port=\"0\" pluginID=\"{id}\">\n<plugin_output>x{i}"));
            if i == 4 {
                doc.push_str(" pluginID=\"108\" ");
            }
            doc.push_str("</plugin_output></ReportItem>\n");
        }
        let doc = doc.as_bytes();
        let finder = memchr::memmem::Finder::new(b"pluginID=\"");
        // Every numbered ID as the look-ahead should see it: (position, number).
        let ids: Vec<(u64, usize)> = finder
            .find_iter(doc)
            .filter_map(|p| {
                let rest = &doc[p + 10..];
                let id = &rest[..memchr::memchr(b'"', rest)?];
                Some((p as u64, SharedTexts::number(id)?))
            })
            .collect();
        assert_eq!(ids.iter().map(|i| i.1).collect::<Vec<_>>(), [101, 102, 104, 108, 105, 106, 107]);
        let starts: Vec<u64> = memchr::memmem::find_iter(doc, b"<ReportItem")
            .map(|p| (p + memchr::memchr(b'>', &doc[p..]).unwrap_or(0) + 1) as u64)
            .collect();
        let mut shared = SharedTexts::new(1 << 20);
        for id in ["101", "102", "104", "105"] {
            shared.slot(id);
        }
        // The buffer ends anywhere from a few bytes after the tag to the end of the document.
        for cut in [0usize, 3, 7, 12, 19, 40, 200, usize::MAX] {
            let mut ahead = Ahead::default();
            for &at in &starts {
                let end = (at as usize).saturating_add(cut).min(doc.len());
                ahead.step(&shared, &doc[at as usize..end], at);
                let want: Vec<(u64, usize)> =
                    ids.iter().copied().filter(|&(p, _)| p >= at && p as usize + 10 + 9 <= end).take(3).collect();
                let got: Vec<(u64, usize)> = ahead.queue.iter().flatten().copied().collect();
                if cut == usize::MAX {
                    assert_eq!(got, want, "item at {at}");
                } else {
                    // With a short buffer the queue may hold less, never anything else, and
                    // never a plugin it could not have seen.
                    let seen: Vec<(u64, usize)> = ids.iter().copied().filter(|&(p, _)| p >= at).collect();
                    assert!(seen.starts_with(&got), "cut {cut}, item at {at}: {got:?} against {seen:?}");
                }
            }
        }
    }

    #[test]
    fn known_names_are_found_and_no_other_name_is() {
        for name in KNOWN_NAMES {
            assert_eq!(known_name(name.as_bytes()), Some(name));
        }
        let distinct: std::collections::HashSet<_> = KNOWN_NAMES.iter().collect();
        assert_eq!(distinct.len(), KNOWN_NAMES.len());
        assert!(KNOWN_NAMES.len() * 3 < NAME_TABLE_SIZE);
        for other in
            ["Policy", "a", "c", "cvss5_vector", "ReportItems", "ReportIte", "reportitem", "cm:compliance-", "x:cve"]
        {
            assert_eq!(known_name(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn nessus_dates_read_directly_agree_with_chrono() {
        let chrono = |s: &str| {
            let s = s.trim();
            NaiveDate::parse_from_str(s, "%Y/%m/%d").or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d")).ok()
        };
        let mut checked = 0;
        for y in ["0000", "1999", "2024", "9999"] {
            for m in 0..=13 {
                for d in 0..=32 {
                    for (a, b) in [('/', '/'), ('-', '-'), ('/', '-'), ('-', '/')] {
                        let s = format!("{y}{a}{m:02}{b}{d:02}");
                        assert_eq!(parse_nessus_date(&s), chrono(&s), "{s}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 14 * 33 * 4);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        // Concrete dates, including a leap day and the spellings only chrono reads.
        assert_eq!(parse_nessus_date("2024/02/29"), d(2024, 2, 29));
        assert_eq!(parse_nessus_date("2023/02/29"), None);
        assert_eq!(parse_nessus_date("2026/02/30"), None);
        assert_eq!(parse_nessus_date(" 2008-09-01\n"), d(2008, 9, 1));
        assert_eq!(parse_nessus_date("2008/9/1"), d(2008, 9, 1));
        for odd in ["2008/09/1x", "2008/0a/01", "20080901", "2008/09/01/", "", "2o08/09/01"] {
            assert_eq!(parse_nessus_date(odd), chrono(odd), "{odd}");
        }
    }

    #[test]
    fn skip_past_finds_needles_split_across_any_buffer_boundary() {
        let doc = b"<a><b>xx</b></Policy>rest";
        let needle = b"</Policy>";
        for cap in 1..=doc.len() {
            let mut r = BufReader::with_capacity(cap, &doc[..]);
            let n = skip_past(&mut r, needle).ok().flatten();
            assert_eq!(n, Some(21), "capacity {cap}");
            let mut rest = String::new();
            let _ = r.read_to_string(&mut rest);
            assert_eq!(rest, "rest", "capacity {cap}");
        }
        let mut r = BufReader::with_capacity(4, &b"<a>no end</Polic"[..]);
        assert_eq!(skip_past(&mut r, needle).ok().flatten(), None);
    }

    #[test]
    fn findings_of_one_host_share_its_asset_and_serialise_it_whole() {
        let doc = br#"<NessusClientData_v2><Report name="r">
<ReportHost name="a"><HostProperties><tag name="host-ip">10.0.0.1</tag><tag name="host-fqdn">a.example</tag></HostProperties>
<ReportItem pluginID="1" severity="2" port="22" protocol="tcp" pluginName="one"/><ReportItem pluginID="2" severity="3" port="0" pluginName="two"/></ReportHost>
<ReportHost name="b"><HostProperties><tag name="host-ip">10.0.0.2</tag></HostProperties><ReportItem pluginID="1" severity="2" port="22" pluginName="one"/></ReportHost>
</Report></NessusClientData_v2>"#;
        let set = read(&doc[..], "share.nessus").unwrap_or_default();
        let f = &set.findings;
        assert_eq!(f.len(), 3);
        assert!(std::sync::Arc::ptr_eq(&f[0].asset, &f[1].asset), "one host, one Asset");
        assert!(!std::sync::Arc::ptr_eq(&f[0].asset, &f[2].asset));
        assert_eq!(f[2].asset.identifier, "10.0.0.2");
        let json = serde_json::to_value(&f[0]).unwrap_or_default();
        assert_eq!(json["asset"]["identifier"], "10.0.0.1");
        assert_eq!(json["asset"]["fqdn"], "a.example");
        let back: Finding = serde_json::from_value(json).unwrap_or_else(|_| f[2].clone());
        assert_eq!(back, f[0]);
    }

    #[test]
    fn policy_is_skipped_and_end_tags_are_still_checked() {
        let ok = b"<NessusClientData_v2><Policy><x>&undefined;</x></Policy><Report><ReportHost name=\"h\"><ReportItem pluginID=\"1\" severity=\"2\" port=\"0\"/></ReportHost></Report></NessusClientData_v2>";
        let set = read(&ok[..], "p.nessus");
        assert!(set.is_ok_and(|s| s.findings.len() == 1), "entities inside the skipped Policy are never read");
        let bad = b"<NessusClientData_v2><Report><ReportHost name=\"h\"></Report></ReportHost></NessusClientData_v2>";
        let e = read(&bad[..], "m.nessus").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("mismatched end tag: expected </ReportHost>, found </Report>"), "{e}");
        let cut = b"<NessusClientData_v2><Policy><x>";
        let e = read(&cut[..], "c.nessus").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("inside <Policy>"), "{e}");
    }

    #[test]
    fn a_plugins_texts_are_shared_by_its_findings_and_never_changed() {
        use std::sync::Arc;
        let item = |id: &str, name: &str, body: &str| {
            format!("<ReportItem pluginID=\"{id}\" severity=\"2\" port=\"0\" pluginName=\"{name}\">{body}</ReportItem>")
        };
        let same = "<description>  Same text.\r\nTwo lines.</description><solution> Patch it. </solution>";
        let host = |n: u8, items: &str| {
            format!(
                "<ReportHost name=\"h{n}\"><HostProperties><tag name=\"host-ip\">10.0.0.{n}</tag></HostProperties>{items}</ReportHost>"
            )
        };
        let doc = format!(
            "<NessusClientData_v2><Report>{}{}{}{}</Report></NessusClientData_v2>",
            host(1, &(item("10", "Ten", same) + &item("20", "Twenty", "<synopsis>Only a synopsis.</synopsis>"))),
            host(2, &(item("10", "Ten", same) + &item("20", "Twenty", "<synopsis>Only a synopsis.</synopsis>"))),
            // The same plugin with other texts (another feed): its own, and the slot moves to it.
            host(3, &item("10", "Ten v2", "<description>Newer text.</description><solution>Upgrade.</solution>")),
            host(4, &item("10", "Ten", same)),
        );
        let set = read(doc.as_bytes(), "shared.nessus").unwrap_or_default();
        let f = &set.findings;
        assert_eq!(f.len(), 6);
        let (a, b, c, d) = (&f[0], &f[2], &f[4], &f[5]);
        assert_eq!(&*a.description, "Same text.\nTwo lines.", "left-trimmed, line ends normalised");
        assert_eq!(a.solution.as_deref(), Some("Patch it."));
        assert!(Arc::ptr_eq(&a.description, &b.description), "one plugin, one description");
        assert!(Arc::ptr_eq(&a.name, &b.name));
        assert!(a.solution.as_ref().zip(b.solution.as_ref()).is_some_and(|(x, y)| Arc::ptr_eq(x, y)));
        assert_eq!((&*c.name, &*c.description, c.solution.as_deref()), ("Ten v2", "Newer text.", Some("Upgrade.")));
        assert_eq!(
            (&*d.name, &*d.description, d.solution.as_deref()),
            ("Ten", "Same text.\nTwo lines.", Some("Patch it."))
        );
        assert!(!Arc::ptr_eq(&a.description, &d.description), "the slot moved to host 3's text and back");
        // The synopsis stands in for a missing description, shared the same way.
        assert_eq!(&*f[1].description, "Only a synopsis.");
        assert!(Arc::ptr_eq(&f[1].description, &f[3].description));
        assert!(f[1].solution.is_none());
    }

    #[test]
    fn sharing_stops_at_its_budget_and_texts_stay_right() {
        use std::sync::Arc;
        let item = |id: u32| {
            format!(
                "<ReportItem pluginID=\"{id}\" severity=\"2\" port=\"0\" pluginName=\"P{id}\"><description>Text of {id}.</description></ReportItem>"
            )
        };
        let host = |n: u32| {
            format!(
                "<ReportHost name=\"h{n}\"><HostProperties><tag name=\"host-ip\">10.0.0.{n}</tag></HostProperties>{}{}</ReportHost>",
                item(1),
                item(if n == 1 { 2 } else { 3 })
            )
        };
        let doc =
            format!("<NessusClientData_v2><Report>{}{}{}</Report></NessusClientData_v2>", host(1), host(2), host(3));
        // Room for plugin 1's name and description ("P1", "Text of 1."), then plugin 2's name.
        let collect = |budget: usize| {
            let mut out = Vec::new();
            let r = read_sharing(
                doc.as_bytes(),
                "budget.nessus",
                &mut |f| {
                    out.push(f);
                    Ok(())
                },
                budget,
                true,
            );
            assert!(r.is_ok());
            out
        };
        let findings = collect(14);
        let f = &findings;
        assert_eq!(f.len(), 6);
        for (i, want) in [(0, "1"), (1, "2"), (2, "1"), (3, "3"), (4, "1"), (5, "3")] {
            assert_eq!(&*f[i].name, format!("P{want}"), "finding {i}");
            assert_eq!(&*f[i].description, format!("Text of {want}."), "finding {i}");
        }
        assert!(Arc::ptr_eq(&f[0].description, &f[2].description) && Arc::ptr_eq(&f[2].description, &f[4].description));
        // Plugin 2's description did not fit, which spent the budget: plugin 3 gets slot 0, which
        // keeps nothing, so each of its findings has its own copy of the same texts.
        assert!(!Arc::ptr_eq(&f[3].name, &f[5].name) && !Arc::ptr_eq(&f[3].description, &f[5].description));
        let big = collect(SHARED_TEXT_BUDGET);
        assert_eq!(big, findings, "the budget changes what is shared, never a text");
    }
}
