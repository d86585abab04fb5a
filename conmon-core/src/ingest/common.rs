//! Helpers shared by the readers: streaming JSON record arrays, per-asset tallies for the scan
//! context, byte counting and time parsing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{HostScan, ScanFile, ScanSet};
use crate::error::{Error, Location, Result, from_json_error};
use crate::model::{Asset, CompactString, Cvss, CvssScores, SourceFormat};

// ---------------------------------------------------------------------------------------------
// Streaming JSON

/// What a streamed JSON document held besides its records.
#[derive(Debug, Default)]
pub(crate) struct JsonDoc {
    /// Top-level values kept because the caller asked for them (small metadata).
    pub header: Map<String, Value>,
    /// Record arrays present, by key (`""` for a top-level array).
    pub arrays: Vec<String>,
}

type OnRecord<'a, T> = dyn FnMut(&str, usize, T) -> Result<()> + 'a;

struct Shared<'a, T> {
    on_record: RefCell<&'a mut OnRecord<'a, T>>,
    /// An error raised by the callback (it travels through serde as a generic message).
    failure: RefCell<Option<Error>>,
    /// JSON path of the record that failed to deserialize.
    path: RefCell<Option<String>>,
    record_keys: &'a [&'a str],
    header_keys: &'a [&'a str],
    doc: RefCell<JsonDoc>,
}

/// Streams a JSON document record by record: each element of an array found under one of
/// `record_keys` in the top-level object (or of a top-level array, when `record_keys` holds `""`)
/// is deserialized alone and handed to `on_record` with its array key and index, then dropped.
/// Top-level values under `header_keys` are kept; everything else is skipped without being built.
/// Memory is bounded by the largest record, not by the file.
///
/// Errors carry the file, line and column, and the JSON path of the failing field
/// (`findings[3].firstObservedAt`).
pub(crate) fn stream_json<R: Read, T: DeserializeOwned>(
    reader: R,
    label: &str,
    record_keys: &[&str],
    header_keys: &[&str],
    on_record: &mut dyn FnMut(&str, usize, T) -> Result<()>,
) -> Result<JsonDoc> {
    // SAFETY-free lifetime juggling: the callback lives for this call only.
    let shared = Shared {
        on_record: RefCell::new(on_record),
        failure: RefCell::new(None),
        path: RefCell::new(None),
        record_keys,
        header_keys,
        doc: RefCell::new(JsonDoc::default()),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let outcome = de.deserialize_any(TopVisitor { shared: &shared }).and_then(|()| de.end());
    match outcome {
        Ok(()) => Ok(shared.doc.into_inner()),
        Err(e) => {
            if let Some(failure) = shared.failure.into_inner() {
                return Err(failure);
            }
            let mut err = from_json_error(&e, label);
            if let Some(path) = shared.path.into_inner() {
                let loc = err.location().clone().with_field(path);
                err = err.at(loc);
            }
            Err(err)
        }
    }
}

struct TopVisitor<'s, 'a, T> {
    shared: &'s Shared<'a, T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for TopVisitor<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.shared.record_keys.contains(&"") {
            write!(f, "a JSON object or array of findings")
        } else {
            write!(f, "a JSON object")
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if let Some(k) = self.shared.record_keys.iter().find(|k| !k.is_empty() && **k == key) {
                self.shared.doc.borrow_mut().arrays.push(key.clone());
                map.next_value_seed(ArraySeed { shared: self.shared, key: k })?;
            } else if self.shared.header_keys.contains(&key.as_str()) {
                let v: Value = map.next_value()?;
                self.shared.doc.borrow_mut().header.insert(key, v);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        if !self.shared.record_keys.contains(&"") {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        self.shared.doc.borrow_mut().arrays.push(String::new());
        ArrayVisitor { shared: self.shared, key: "" }.visit_seq(seq)
    }
}

struct ArraySeed<'s, 'a, T> {
    shared: &'s Shared<'a, T>,
    key: &'a str,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ArraySeed<'_, '_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(ArrayVisitor { shared: self.shared, key: self.key })
    }
}

struct ArrayVisitor<'s, 'a, T> {
    shared: &'s Shared<'a, T>,
    key: &'a str,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ArrayVisitor<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array under `{}`", self.key)
    }

    // `"Vulnerabilities": null` is how some scanners write an empty list.
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let mut index = 0usize;
        while seq.next_element_seed(ElementSeed { shared: self.shared, key: self.key, index })?.is_some() {
            index += 1;
        }
        Ok(())
    }
}

struct ElementSeed<'s, 'a, T> {
    shared: &'s Shared<'a, T>,
    key: &'a str,
    index: usize,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ElementSeed<'_, '_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        let prefix =
            if self.key.is_empty() { format!("[{}]", self.index) } else { format!("{}[{}]", self.key, self.index) };
        let record: T = match serde_path_to_error::deserialize(d) {
            Ok(r) => r,
            Err(e) => {
                let inner = e.path().to_string();
                let path = if inner == "." || inner.is_empty() { prefix } else { format!("{prefix}.{inner}") };
                *self.shared.path.borrow_mut() = Some(path);
                return Err(e.into_inner());
            }
        };
        let outcome = (self.shared.on_record.borrow_mut())(self.key, self.index, record);
        if let Err(e) = outcome {
            let mut loc = e.location().clone();
            loc.field = Some(match loc.field.take() {
                Some(f) => format!("{prefix}.{f}"),
                None => prefix,
            });
            *self.shared.failure.borrow_mut() = Some(e.at(loc));
            return Err(de::Error::custom("record rejected"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Scan context

/// Accumulates the scan context of one file: one [`HostScan`] per distinct asset, in first-seen
/// order, with its finding count.
#[derive(Debug)]
pub(crate) struct Tally {
    label: String,
    format: SourceFormat,
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    hosts: Vec<HostScan>,
    /// The previous lookup: findings come host by host, so most lookups repeat it.
    last: Option<usize>,
    first_finding: usize,
    /// Records that yielded no finding (passed, not applicable, closed).
    pub skipped: u64,
    /// Scanner name and version, when the file says.
    pub scanner: Option<String>,
}

impl Tally {
    pub(crate) fn new(label: &str, format: SourceFormat, set: &ScanSet) -> Tally {
        Tally {
            label: label.to_string(),
            format,
            index: HashMap::default(),
            hosts: Vec::new(),
            last: None,
            first_finding: set.findings.len(),
            skipped: 0,
            scanner: None,
        }
    }

    /// The host entry of an asset, created on first sight (without counting a finding).
    pub(crate) fn host(&mut self, asset: &Asset) -> &mut HostScan {
        if let Some(i) = self.last
            && self.hosts[i].identifier == asset.identifier
        {
            return &mut self.hosts[i];
        }
        let i = match self.index.get(&asset.identifier) {
            Some(&i) => i,
            None => {
                self.hosts.push(HostScan {
                    identifier: asset.identifier.clone(),
                    asset_type: asset.asset_type,
                    ip: asset.ip.clone(),
                    fqdn: asset.fqdn.clone(),
                    netbios: asset.netbios.clone(),
                    mac: asset.mac.clone(),
                    os: asset.os.clone(),
                    scan_start: None,
                    scan_end: None,
                    zoneless_times: false,
                    credentialed: None,
                    credentialed_evidence: None,
                    file: self.label.clone(),
                    source_format: self.format,
                    finding_count: 0,
                });
                self.index.insert(asset.identifier.clone(), self.hosts.len() - 1);
                self.hosts.len() - 1
            }
        };
        self.last = Some(i);
        &mut self.hosts[i]
    }

    /// Counts one finding against its asset.
    pub(crate) fn count(&mut self, asset: &Asset) -> &mut HostScan {
        let h = self.host(asset);
        h.finding_count += 1;
        h
    }

    /// Moves the hosts into the set and records the file.
    pub(crate) fn finish(self, set: &mut ScanSet, bytes: u64) {
        let findings = (set.findings.len() - self.first_finding) as u64;
        set.context.files.push(ScanFile {
            file: self.label,
            source_format: self.format,
            scanner: self.scanner,
            hosts: self.hosts.len() as u64,
            findings,
            skipped: self.skipped,
            bytes,
        });
        set.context.hosts.extend(self.hosts);
    }
}

/// Counts the bytes a reader hands out.
#[derive(Debug)]
pub(crate) struct Counting<R> {
    inner: R,
    /// Bytes read so far.
    pub count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R> Counting<R> {
    pub(crate) fn new(inner: R) -> (Counting<R>, std::rc::Rc<std::cell::Cell<u64>>) {
        let count = std::rc::Rc::new(std::cell::Cell::new(0));
        (Counting { inner, count: count.clone() }, count)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// Parses a timestamp: RFC 3339 with an offset; a date-time without a zone, read as UTC
/// (`2019-03-04T07:43:35`, fractions allowed, `T` or space); or a bare date, read as 00:00 UTC.
/// Times whose date is outside [`crate::model::check_date`]'s range are not times. The flag
/// says the text had no zone: a wall-clock time stored as if UTC ([`crate::zone`]).
pub(crate) fn parse_time_zoned(s: &str) -> Option<(DateTime<Utc>, bool)> {
    parse_time_any(s).filter(|(t, _)| crate::model::check_date(t.date_naive()).is_ok())
}

fn parse_time_any(s: &str) -> Option<(DateTime<Utc>, bool)> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some((d.with_timezone(&Utc), false));
    }
    // The forms with an offset apart: `NaiveDateTime::parse_from_str` accepts a `%z` format and
    // drops the offset, which read `2004-09-25 13:45:02 -0400` as 13:45 UTC before session 12.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(d) = DateTime::parse_from_str(t, fmt) {
            return Some((d.with_timezone(&Utc), false));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some((d.and_utc(), true));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| (d.and_utc(), true))
}

/// serde helper: an optional timestamp in any form [`parse_time_zoned`] accepts; empty is none, anything
/// else is an error naming the value.
pub(crate) fn de_time<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<DateTime<Utc>>, D::Error> {
    Ok(de_time_zoned(d)?.map(|(t, _)| t))
}

/// [`de_time`], and whether the text had no zone ([`parse_time_zoned`]).
pub(crate) fn de_time_zoned<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<(DateTime<Utc>, bool)>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_time_zoned(t).map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "`{t}` is not a date-time from {} to {} (expected RFC 3339, e.g. 2024-02-02T16:30:33Z)",
                crate::model::EARLIEST_DATE,
                crate::model::LATEST_DATE
            ))
        }),
    }
}

/// serde helper: a number or a numeric string (`"6.5"`), or null.
pub(crate) fn de_score<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Num(f64),
        Text(String),
    }
    match Option::<NumOrText>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrText::Num(n)) => Ok(Some(n)),
        Some(NumOrText::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(NumOrText::Text(t)) => {
            t.trim().parse::<f64>().map(Some).map_err(|_| de::Error::custom(format!("`{t}` is not a number")))
        }
    }
}

/// A CVSS score with its vector; errors name the field.
pub(crate) fn cvss(score: f64, vector: Option<&str>, field: &str) -> Result<Cvss> {
    let vector = vector.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    Cvss::new(score, vector).map_err(|e| e.at(Location::field(field)))
}

/// Which CVSS version a version string or vector names (`"3.1"`, `"CVSS:3.1/..."`, `"2.0"`).
pub(crate) fn cvss_major(version: Option<&str>, vector: Option<&str>) -> Option<u8> {
    let from = |s: &str| -> Option<u8> {
        let s = s.trim().trim_start_matches("CVSS:").trim_start_matches(['v', 'V']);
        s.chars().next().and_then(|c| c.to_digit(10)).and_then(|d| u8::try_from(d).ok())
    };
    version.and_then(from).or_else(|| {
        vector.and_then(|v| {
            if v.starts_with("CVSS:") {
                from(v)
            } else if v.contains("Au:") {
                Some(2)
            } else {
                None
            }
        })
    })
}

/// One CVSS entry as scanners list them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScoreEntry<'a> {
    pub score: Option<f64>,
    pub vector: Option<&'a str>,
    pub version: Option<&'a str>,
    /// The entry is NVD's.
    pub nvd: bool,
}

/// Fills the empty versions of `out` from a scanner's list of CVSS entries: NVD's entries first
/// (R1.7 rates by NVD's score), then list order; the first score of each version wins. `field`
/// names entry `i` in errors.
pub(crate) fn pick_scores(
    entries: &[ScoreEntry<'_>],
    out: &mut CvssScores,
    field: impl Fn(usize) -> String,
) -> Result<()> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| (!entries[i].nvd, i));
    for i in order {
        let e = entries[i];
        let Some(score) = e.score else { continue };
        let c = cvss(score, e.vector, &field(i))?;
        let slot = match cvss_major(e.version, e.vector) {
            Some(2) => &mut out.v2,
            Some(3) => &mut out.v3,
            Some(4) => &mut out.v4,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(c);
        }
    }
    Ok(())
}

/// Strips a trailing ` (os version)` from a Trivy target (`alpine:3.10 (alpine 3.10.2)`).
pub(crate) fn strip_os_suffix(target: &str) -> &str {
    let t = target.trim();
    match t.rfind(" (") {
        Some(i) if t.ends_with(')') => &t[..i],
        _ => t,
    }
}

/// The texts Nessus and Tenable repeat on every finding of one plugin (its name, description,
/// synopsis and solution), kept once and shared by those findings: a scan of a thousand hosts
/// would otherwise hold each plugin's description a thousand times. Each plugin has a slot holding
/// the last text of each kind seen for it; a finding whose text differs (a merged file from two
/// plugin feeds, a compliance check) gets its own, and the slot moves to it. Sharing never changes
/// a text: a finding gets a slot's text only when it is byte for byte the one it read.
///
/// The slots hold at most [`SHARED_TEXT_BUDGET`] bytes of text. That bounds what sharing adds when
/// findings are streamed to a sink rather than kept (a file of a million distinct plugin IDs would
/// otherwise keep all their texts alive); past it, no new text is kept in a slot and new plugins
/// get no slot of their own.
pub(crate) struct SharedTexts {
    slots: HashMap<CompactString, usize, foldhash::fast::RandomState>,
    /// The slots of plugin IDs that are numbers under [`NUMBERED_IDS`] (Nessus's are), by number
    /// (0: none yet): one memory access where the hash table takes two, and with many plugins
    /// both miss the cache.
    by_number: Vec<u32>,
    pub(crate) texts: Vec<PluginTexts>,
    /// Bytes of text that may still be placed in a slot.
    pub(crate) room: usize,
}

/// Plugin IDs below this that are written as plain numbers find their slot by number (Nessus's
/// run to about 300,000); the table takes at most 4 bytes each (8 MiB).
const NUMBERED_IDS: usize = 1 << 21;

/// `id` as a number under [`NUMBERED_IDS`], when it is written as one (ASCII digits, no leading
/// zero: each number stands for one spelling).
fn plugin_number(id: &str) -> Option<usize> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 7 || (b.len() > 1 && b[0] == b'0') || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = b.iter().fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
    (n < NUMBERED_IDS).then_some(n)
}

/// See [`SharedTexts`]: 128 MiB, more than the texts of all 190,000 plugins the scale generator
/// draws from (about 80 MB).
pub(crate) const SHARED_TEXT_BUDGET: usize = 128 << 20;

#[derive(Default)]
pub(crate) struct PluginTexts {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) description: Option<Arc<str>>,
    pub(crate) synopsis: Option<Arc<str>>,
    pub(crate) solution: Option<Arc<str>>,
}

impl SharedTexts {
    /// Slots for at most `budget` bytes of text.
    pub(crate) fn new(budget: usize) -> SharedTexts {
        // Slot 0 is for no plugin in particular: plugins seen after the budget is spent.
        SharedTexts {
            slots: HashMap::default(),
            by_number: Vec::new(),
            texts: vec![PluginTexts::default()],
            room: budget,
        }
    }

    /// The plugin's slot, made on first sight while the budget lasts; slot 0 after.
    pub(crate) fn slot(&mut self, plugin_id: &str) -> usize {
        if let Some(n) = plugin_number(plugin_id) {
            if let Some(i) = self.find_number(n) {
                return i;
            }
            if self.room == 0 {
                return 0;
            }
            let i = self.texts.len();
            self.texts.push(PluginTexts::default());
            if self.by_number.len() <= n {
                self.by_number.resize(n + 1, 0);
            }
            // Fewer than NUMBERED_IDS slots are ever made by number: it fits.
            self.by_number[n] = u32::try_from(i).unwrap_or(0);
            return i;
        }
        if let Some(&i) = self.slots.get(plugin_id) {
            return i;
        }
        if self.room == 0 {
            return 0;
        }
        self.texts.push(PluginTexts::default());
        let i = self.texts.len() - 1;
        self.slots.insert(CompactString::from(plugin_id), i);
        i
    }

    /// `id` as a number that finds its slot by number ([`SharedTexts::find_number`]).
    pub(crate) fn number(id: &[u8]) -> Option<usize> {
        std::str::from_utf8(id).ok().and_then(plugin_number)
    }

    /// The slot of a plugin ID written as the plain number `n`, if one was made; makes none.
    pub(crate) fn find_number(&self, n: usize) -> Option<usize> {
        self.by_number.get(n).copied().filter(|&i| i != 0).map(|i| i as usize)
    }

    /// Starts loading where [`SharedTexts::find_number`] looks into the cache.
    pub(crate) fn prefetch_number(&self, n: usize) {
        if let Some(i) = self.by_number.get(n) {
            crate::cache::prefetch(std::ptr::from_ref(i));
        }
    }

    /// Starts loading the slot's entry (its texts' addresses) into the cache.
    pub(crate) fn prefetch_slot(&self, slot: usize) {
        if let Some(t) = self.texts.get(slot) {
            crate::cache::prefetch(std::ptr::from_ref(t));
        }
    }

    /// Starts loading the slot's texts into the cache, with their reference counts (the 16 bytes
    /// before each text). The entry should be in cache already ([`SharedTexts::prefetch_slot`]).
    pub(crate) fn prefetch_texts(&self, slot: usize) {
        let Some(t) = self.texts.get(slot) else { return };
        for s in [&t.name, &t.description, &t.synopsis, &t.solution].into_iter().flatten() {
            crate::cache::prefetch_bytes(s.as_ptr(), s.len());
        }
    }
}

/// `text` as a shared string: the slot's when equal, else a new one, which the slot then holds
/// if it fits in the `room` left.
pub(crate) fn share(slot: &mut Option<Arc<str>>, room: &mut usize, text: &str) -> Arc<str> {
    if let Some(a) = slot
        && **a == *text
    {
        return Arc::clone(a);
    }
    let a: Arc<str> = Arc::from(text);
    if text.len() <= *room {
        *room -= text.len();
        *slot = Some(Arc::clone(&a));
    } else {
        // Spent: keep no more texts, and make no more slots.
        *room = 0;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = |s| parse_time_zoned(s).map(|(d, zoneless)| (d.to_rfc3339(), zoneless));
        let some = |s: &str, zoneless| Some((s.to_string(), zoneless));
        assert_eq!(t("2024-02-02T16:30:33.045000+01:00"), some("2024-02-02T15:30:33.045+00:00", false));
        assert_eq!(t("2019-03-04T07:43:35"), some("2019-03-04T07:43:35+00:00", true));
        assert_eq!(t("2019-03-04 07:43:35.5"), some("2019-03-04T07:43:35.500+00:00", true));
        assert_eq!(t("2023-08-23T14:00:39Z"), some("2023-08-23T14:00:39+00:00", false));
        assert_eq!(t("2004-09-25T13:45:02-04:00"), some("2004-09-25T17:45:02+00:00", false));
        assert_eq!(t("2004-09-25 13:45:02 -0400"), some("2004-09-25T17:45:02+00:00", false));
        assert_eq!(t("2020-12-10"), some("2020-12-10T00:00:00+00:00", true));
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn plugin_slots_by_number_and_by_text() {
        assert_eq!(plugin_number("19506"), Some(19506));
        assert_eq!(plugin_number("0"), Some(0));
        assert_eq!(plugin_number("2097151"), Some(2_097_151));
        for other in ["", "019506", "2097152", "12345678", "1e5", "-1", "１２", "CVE-2024-1"] {
            assert_eq!(plugin_number(other), None, "{other}");
        }
        let mut shared = SharedTexts::new(1 << 20);
        let ids = ["19506", "019506", "0", "2097152", "abc", "11219"];
        let slots: Vec<usize> = ids.iter().map(|id| shared.slot(id)).collect();
        let again: Vec<usize> = ids.iter().map(|id| shared.slot(id)).collect();
        assert_eq!(slots, again);
        assert_eq!(slots, [1, 2, 3, 4, 5, 6], "one new slot per spelling, never slot 0 while the budget lasts");
        // Spent: known plugins keep their slots, new ones get slot 0.
        shared.room = 0;
        assert_eq!(shared.slot("11219"), 6);
        assert_eq!(shared.slot("abc"), 5);
        assert_eq!(shared.slot("22964"), 0);
        assert_eq!(shared.slot("xyz"), 0);
    }

    #[test]
    fn cvss_versions() {
        assert_eq!(cvss_major(Some("3.1"), None), Some(3));
        assert_eq!(cvss_major(None, Some("CVSS:4.0/AV:N")), Some(4));
        assert_eq!(cvss_major(None, Some("AV:N/AC:L/Au:N/C:P/I:P/A:P")), Some(2));
        assert_eq!(cvss_major(Some("v2"), None), Some(2));
    }

    #[test]
    fn stream_reports_path_and_position() {
        #[derive(Deserialize)]
        struct R {
            #[serde(default, deserialize_with = "de_time")]
            #[allow(dead_code)]
            at: Option<DateTime<Utc>>,
        }
        let doc = b"{\"meta\": {\"a\": 1}, \"items\": [{\"at\": \"2024-01-01T00:00:00Z\"},\n {\"at\": \"soon\"}]}";
        let mut n = 0;
        let e = stream_json::<_, R>(&doc[..], "x.json", &["items"], &["meta"], &mut |_, _, _| {
            n += 1;
            Ok(())
        })
        .err()
        .map(|e| e.to_report());
        let e = e.unwrap_or_else(unreachable_report);
        assert_eq!(e.code, "invalid_value");
        assert_eq!(e.location.field.as_deref(), Some("items[1].at"));
        assert_eq!(e.location.line, Some(2));
        assert!(e.message.contains("`soon` is not a date-time"), "{}", e.message);
        assert_eq!(n, 1);
    }

    fn unreachable_report() -> crate::error::ErrorReport {
        Error::parse("expected an error").to_report()
    }

    #[test]
    fn stream_null_and_wrong_top_level() {
        let mut f = |_: &str, _: usize, _: Value| Ok(());
        let e = stream_json::<_, Value>(&b"null"[..], "n.json", &["items"], &[], &mut f).err();
        assert!(e.is_some_and(|e| e.to_string().contains("expected a JSON object")));
        let doc = stream_json::<_, Value>(&b"{\"items\": null}"[..], "n.json", &["items"], &[], &mut f);
        assert!(doc.is_ok_and(|d| d.arrays == ["items"]));
        let e = stream_json::<_, Value>(&b"{\"items\": [1, 2"[..], "t.json", &["items"], &[], &mut f).err();
        assert!(e.is_some_and(|e| e.code() == "parse_error" && e.location().line == Some(1)));
    }
}
