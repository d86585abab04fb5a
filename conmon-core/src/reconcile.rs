//! The monthly POA&M lifecycle: last month's POA&M + this month's scans + the deviation register
//! + the KEV catalog + the policy → this month's POA&M and a change log (R3, R4, R5).
//!
//! - Aggregation: one item per weakness key (a scanner's unique vulnerability ID, R4.2) with every
//!   affected asset; optionally split by asset type; findings on new assets of a tracked weakness
//!   join its item or open a new one (`new_assets_policy`).
//! - Identity: a weakness on an asset keeps its POA&M ID month after month, and across scanners
//!   (a finding whose CVE is on an item that already lists the asset joins that item, R4.1). New
//!   IDs continue from the highest ever issued (`id_high_water`); IDs are never reused.
//! - Immutability: K, L and M of an existing item are never rewritten (R4.4); the documented
//!   exceptions (an approved RA, a vendor fix release) change L with a Milestone Changes entry.
//! - Closure on evidence: an asset leaves an item only when it was scanned this period
//!   (credentialed, when `closure_requires_credentialed_scan`) and the weakness was not found; an
//!   unscanned asset keeps the item open and is reported as not observed. Approved false positives
//!   close; items with an OR or VD never close (R4.6).
//! - Reappearance per `reappearance_policy`; deviations from the register; KEV columns from the
//!   catalog; a change log entry for everything that changed and why.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::deviation::{self, Deviation};
use crate::error::{Error, Location, Result};
use crate::ingest::ScanSet;
use crate::issue::Issue;
use crate::kev::KevCatalog;
use crate::model::{
    AssetRef, AssetType, Closure, ClosureReason, CompactString, DeviationFlag, Finding, FindingKind, Milestone,
    MilestoneChange, MilestoneChangeKind, Poam, PoamItem, RiskRating,
};
use crate::policy::{NewAssetsPolicy, Policy, ReappearancePolicy};
use crate::rating;
use crate::sla::{self, AsOf};
use crate::zone::Zone;

/// What changed on an item, for the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new item.
    New,
    /// An asset joined the item.
    AssetAdded,
    /// An asset was remediated (scanned, not found) and left the item.
    AssetClosed,
    /// The item closed (remediated on every asset, or an approved false positive).
    Closed,
    /// A closed item was found again within the reappearance window and reopened.
    Reopened,
    /// A closed item was found again and a new item, linked to it, was opened.
    ReappearedAsNew,
    /// A deviation column changed (RA, FP, OR, VD).
    DeviationChanged,
    /// The scheduled completion date changed (approved RA, vendor fix release).
    ScheduleChanged,
    /// The item entered the KEV catalog.
    KevAdded,
    /// The item became late this period.
    BecameLate,
    /// Remediation was observed but the item stays open (it has an OR or a VD).
    RemediationObservedKeptOpen,
}

/// One change-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// POA&M ID.
    pub poam_id: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The asset concerned, when one.
    #[serde(default)]
    pub asset: Option<String>,
    /// Why, for a person.
    pub detail: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind =
            serde_json::to_value(self.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        write!(f, "{} {}", self.poam_id, kind.replace('_', " "))?;
        if let Some(a) = &self.asset {
            write!(f, " [{a}]")?;
        }
        write!(f, ": {}", self.detail)
    }
}

// Most of a scan is informational, so the strings are cheap to hold: the weakness key is a copy
// of the finding's (inline up to 24 bytes, as nearly all are), and the asset and reason are
// shared, one per distinct value (all serialised as plain strings).
/// A finding that is on no item, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotTracked {
    /// Index of the finding in the input scan set.
    pub finding: usize,
    /// Its weakness key.
    #[schemars(with = "String")]
    pub weakness_key: compact_str::CompactString,
    /// Its asset.
    pub asset: Arc<str>,
    /// Why it is not tracked (`informational`).
    pub reason: Arc<str>,
}

/// An open item's asset that no scan of this period observed, so the item could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotObserved {
    /// POA&M ID.
    pub poam_id: String,
    /// Asset identifier.
    pub asset: String,
    /// `not_scanned` or `not_credentialed`.
    pub reason: String,
}

/// Inputs of one monthly reconciliation.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Last month's POA&M (empty for the first month).
    pub previous: &'a Poam,
    /// This month's findings and scan context.
    pub scans: &'a ScanSet,
    /// The deviation register (may be empty; items keep their columns then).
    pub deviations: &'a [Deviation],
    /// The KEV catalog, when available.
    pub kev: Option<&'a KevCatalog>,
    /// The policy.
    pub policy: &'a Policy,
    /// This POA&M's date (its submission date, header POAM Date).
    pub as_of: NaiveDate,
}

/// The result of a reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reconciliation {
    /// This month's POA&M.
    pub poam: Poam,
    /// Everything that changed, item by item.
    pub changes: Vec<Change>,
    /// Findings on no item, with the reason.
    pub not_tracked: Vec<NotTracked>,
    /// Open items' assets no scan observed.
    pub not_observed: Vec<NotObserved>,
    /// Rule findings (deviation checks).
    pub issues: Vec<Issue>,
    /// For each input finding, the POA&M ID of its item (`None`: see `not_tracked`).
    pub placements: Vec<Option<std::sync::Arc<str>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    Open,
    Closed,
    Config,
}

#[derive(Debug)]
struct Work {
    item: PoamItem,
    sheet: Sheet,
    /// The weakness key. Inline (a key of up to 24 bytes, as nearly all are, takes no block of
    /// its own): a heap copy per item was freed by the hundred thousand when the items moved
    /// into the POA&M, and glibc then spent 0.04-0.07 s at a million findings sorting those
    /// small free blocks back into its bins during the next allocations (validation's).
    key: CompactString,
    existed: bool,
    changed: bool,
    /// Asset ids of `item.assets` as they were at the start (previous items only).
    asset_ids: Vec<u32>,
}

/// A finding placed on an item: its asset id, port (0: none) and protocol id, then its index.
/// The derived order (asset, port, protocol) is the order assets are compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    aid: u32,
    port: u16,
    proto: u32,
    fi: u32,
    /// The finding's detection date; when hits of one service are merged, the earliest.
    date: NaiveDate,
}

/// A finding the first pass could not place, with what it worked out for it.
#[derive(Debug, Clone, Copy)]
struct Deferred {
    fi: usize,
    aid: u32,
    kid: u32,
    rating: RiskRating,
    date: NaiveDate,
}

/// Protocol ids: the common ones fixed, others interned.
fn proto_id(p: Option<&str>, protos: &mut Interner) -> u32 {
    match p {
        None => 0,
        Some("tcp") => 1,
        Some("udp") => 2,
        Some("icmp") => 3,
        Some(other) => 4 + protos.id(other),
    }
}

/// A map keyed by two dense ids packed in a u64, with a fast integer hash (the ids are assigned
/// by the engine, not chosen by input files, so hash flooding is not a concern).
type PairMap<V> = HashMap<u64, V, rustc_hash::FxBuildHasher>;

fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Strings → dense ids, so that the indexes hash small integers and lookups never allocate.
/// The strings come from input files, so the hasher is per-process seeded (foldhash's random
/// state), which keeps crafted collisions impractical at a fraction of SipHash's cost.
#[derive(Debug, Default)]
struct Interner {
    // Keys of up to 24 bytes (nearly all weakness keys and asset identifiers) are stored inline
    // in the table, so comparing a candidate does not chase a pointer to a cold heap block.
    map: HashMap<compact_str::CompactString, u32, foldhash::fast::RandomState>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = u32::try_from(self.map.len()).unwrap_or(u32::MAX);
        self.map.insert(compact_str::CompactString::new(s), i);
        i
    }
    fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

/// CVE → the items listing it, in the order they were added (an item once per run of additions).
/// One lookup by the CVE itself, and the list inline while it has one item, as nearly all do: at
/// a million findings a separate interner, map and heap list cost three cache misses per CVE.
/// CVEs are taken as written and compare as [`cve_norm`] makes them; those of the usual form are
/// keyed by [`cve_code`], a number (no string to copy, hash or compare), any other by the string.
#[derive(Debug, Default)]
struct ByCve {
    coded: HashMap<u64, ItemList, rustc_hash::FxBuildHasher>,
    other: HashMap<compact_str::CompactString, ItemList, foldhash::fast::RandomState>,
}

/// Work item indexes under one key: most keys have one, held without an allocation.
#[derive(Debug)]
enum ItemList {
    One(usize),
    Many(Vec<usize>),
}

impl Default for ItemList {
    fn default() -> ItemList {
        ItemList::Many(Vec::new())
    }
}

impl ItemList {
    fn push(&mut self, i: usize) {
        match self {
            ItemList::One(j) => *self = ItemList::Many(vec![*j, i]),
            ItemList::Many(v) if v.is_empty() => *self = ItemList::One(i),
            ItemList::Many(v) => v.push(i),
        }
    }

    fn as_slice(&self) -> &[usize] {
        match self {
            ItemList::One(i) => std::slice::from_ref(i),
            ItemList::Many(v) => v.as_slice(),
        }
    }
}

impl ByCve {
    /// Adds item `i` under `cve`, unless it is the last item there already.
    fn add(&mut self, cve: &str, i: usize) {
        let list = match cve_code(cve) {
            Some(code) => self.coded.entry(code).or_default(),
            None => self.other.entry(compact_str::CompactString::new(cve_norm(cve))).or_default(),
        };
        match list {
            ItemList::One(j) if *j == i => {}
            ItemList::Many(v) if v.last() == Some(&i) => {}
            // A new entry (empty) becomes `One`, with no allocation.
            list => list.push(i),
        }
    }

    fn items(&self, cve: &str) -> Option<&[usize]> {
        match cve_code(cve) {
            Some(code) => self.coded.get(&code),
            None => self.other.get(cve_norm(cve).as_ref()),
        }
        .map(ItemList::as_slice)
    }
}

/// A CVE ID written `CVE-YYYY-N...` (any case, surrounding whitespace ignored, 4 to 12 digits of
/// number) as one number under 2^59: year, digit count and number. The count is kept because
/// `CVE-2021-0001` and `CVE-2021-00001` are different IDs to [`cve_norm`]. Two such IDs have the
/// same code exactly when [`cve_norm`] makes them equal; any other form has none.
pub(crate) fn cve_code(cve: &str) -> Option<u64> {
    let b = trim(cve).as_bytes();
    if !(13..=21).contains(&b.len()) || !b[..4].eq_ignore_ascii_case(b"CVE-") || b[8] != b'-' {
        return None;
    }
    let number = |d: &[u8]| d.iter().try_fold(0u64, |n, &c| c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0')));
    let (year, digits) = (number(&b[4..8])?, &b[9..]);
    // year < 2^14, count <= 12 < 2^4, number < 10^12 < 2^40.
    Some(year << 45 | (digits.len() as u64) << 41 | number(digits)?)
}

/// `s` without leading and trailing whitespace, as `str::trim`; no search when it starts and ends
/// with an ASCII byte that is not whitespace, as nearly every identifier does (validation trims a
/// million asset identifiers at a million findings).
fn trim(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' '));
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) { s } else { s.trim() }
}

/// Asset identifiers compare trimmed and case-insensitively; no allocation when already so.
pub(crate) fn asset_norm(id: &str) -> Cow<'_, str> {
    let t = trim(id);
    if t.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(t.to_ascii_lowercase()) } else { Cow::Borrowed(t) }
}

pub(crate) fn cve_norm(c: &str) -> Cow<'_, str> {
    let t = trim(c);
    if t.bytes().any(|b| b.is_ascii_lowercase()) { Cow::Owned(t.to_ascii_uppercase()) } else { Cow::Borrowed(t) }
}

/// The weakness key of an item: its own, else derived from columns E and F.
pub fn item_key(item: &PoamItem) -> String {
    item_key_ref(item).into_owned()
}

/// [`item_key`] without a copy when the item carries its own key.
pub fn item_key_ref(item: &PoamItem) -> Cow<'_, str> {
    if let Some(k) = &item.weakness_key {
        return Cow::Borrowed(k);
    }
    let source = item.weakness_detector_source.lines().next().unwrap_or("").trim().to_ascii_lowercase();
    let id = item.weakness_source_identifier.trim();
    let family = match source.as_str() {
        "nessus" | "tenable" | "tenable.sc" | "tenable.io" => "nessus",
        "amazon inspector" | "inspector" => "inspector2",
        "trivy" => "trivy",
        "" => "manual",
        other => other,
    };
    Cow::Owned(format!("{family}:{id}"))
}

/// A finding's detection date: the date of its first sighting (else of this observation) in the
/// policy's `time_zone`, else `fallback`.
fn finding_date(f: &Finding, zone: &Zone, fallback: NaiveDate) -> NaiveDate {
    f.first_seen.or(f.observed_at).map_or(fallback, |t| zone.date_of(t, f.zoneless_times))
}

fn id_number(id: &str, prefix: &str) -> Option<u64> {
    id.strip_prefix(prefix).and_then(|rest| rest.trim().parse::<u64>().ok())
}

/// Checks a previous POA&M before reconciling: unique IDs and one scanner ID per item (R4.1,
/// R4.2). These are errors: the engine cannot keep identities straight otherwise.
pub fn check_previous(poam: &Poam, label: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for item in poam.items() {
        let at = || Location::file(label).with_field(format!("{} (A)", item.poam_id));
        if !seen.insert(item.poam_id.as_str()) {
            return Err(Error::invalid(format!("POA&M ID {} is used twice", item.poam_id)).at(at()));
        }
        let ids: Vec<&str> =
            item.weakness_source_identifier.split(['\n', ',', ';']).map(str::trim).filter(|s| !s.is_empty()).collect();
        if ids.len() > 1 {
            return Err(Error::invalid(format!(
                "item {} lists scanner IDs {}: must not group multiple unique vulnerabilities into a single POA&M item (R4.2)",
                item.poam_id,
                ids.join(", ")
            ))
            .at(Location::file(label).with_field(format!("{} (F)", item.poam_id))));
        }
    }
    Ok(())
}

/// Compares this month's POA&M with last month's for the immutable columns (R4.4): Original
/// Detection Date (K) never changes; Scheduled Completion Date (L) changes only with an approved
/// RA or a vendor fix release; Planned Milestones (M) never change (changes go to N); no item
/// disappears.
pub fn check_transition(previous: &Poam, current: &Poam) -> Vec<Issue> {
    let now: HashMap<&str, &PoamItem> = current.items().map(|i| (i.poam_id.as_str(), i)).collect();
    let mut issues = Vec::new();
    for old in previous.items() {
        let id = old.poam_id.as_str();
        let Some(new) = now.get(id) else {
            issues.push(
                Issue::error(
                    "poam.item_dropped",
                    "R4.6",
                    "the item disappeared; closed items move to the Closed sheet",
                )
                .item(id),
            );
            continue;
        };
        if new.original_detection_date != old.original_detection_date {
            issues.push(
                Issue::error(
                    "poam.detection_date_changed",
                    "R4.4",
                    format!(
                        "Original Detection Date changed from {} to {}; it may not change",
                        old.original_detection_date, new.original_detection_date
                    ),
                )
                .item(id)
                .field("K"),
            );
        }
        if new.scheduled_completion_date != old.scheduled_completion_date {
            let allowed = new.risk_adjustment == DeviationFlag::Yes || new.vendor_fix_release_date.is_some();
            if !allowed {
                issues.push(
                    Issue::error(
                        "poam.completion_date_changed",
                        "R4.4",
                        "Scheduled Completion Date changed without an approved risk adjustment or a vendor fix release",
                    )
                    .item(id)
                    .field("L"),
                );
            }
        }
        if new.planned_milestones != old.planned_milestones {
            issues.push(
                Issue::error(
                    "poam.milestones_changed",
                    "R4.4",
                    "Planned Milestones changed; record changes in Milestone Changes (N) instead",
                )
                .item(id)
                .field("M"),
            );
        }
    }
    issues
}

/// Reconciles one month.
pub fn reconcile(input: &Inputs<'_>) -> Result<Reconciliation> {
    check_previous(input.previous, "previous POA&M")?;
    reconcile_checked(input.previous.clone(), input)
}

/// [`reconcile`] taking last month's POA&M by value (`input.previous` is then ignored), which
/// saves copying it: what the monthly job does after reading the previous POA&M from disk.
pub fn reconcile_owned(previous: Poam, input: &Inputs<'_>) -> Result<Reconciliation> {
    check_previous(&previous, "previous POA&M")?;
    reconcile_checked(previous, input)
}

/// One month's reconciliation from last month's POA&M taken by value (`None`: the first month):
/// the call the monthly job and every binding make.
///
/// # Errors
/// As [`reconcile`].
pub fn reconcile_month(
    previous: Option<Poam>,
    scans: &ScanSet,
    deviations: &[Deviation],
    kev: Option<&KevCatalog>,
    policy: &Policy,
    as_of: NaiveDate,
) -> Result<Reconciliation> {
    let empty = Poam::default();
    reconcile_owned(previous.unwrap_or_default(), &Inputs { previous: &empty, scans, deviations, kev, policy, as_of })
}

impl Reconciliation {
    /// The change log as one JSON value: `changes`, `not_tracked`, `not_observed`, `issues`,
    /// and `placements` when asked for (what the bindings hand over in one piece).
    pub fn log_json(&self, with_placements: bool) -> serde_json::Value {
        let mut v = serde_json::json!({
            "changes": self.changes, "not_tracked": self.not_tracked, "not_observed": self.not_observed,
            "issues": self.issues,
        });
        if with_placements {
            v["placements"] = serde_json::to_value(&self.placements).unwrap_or_default();
        }
        v
    }
}

fn reconcile_checked(previous: Poam, input: &Inputs<'_>) -> Result<Reconciliation> {
    let policy = input.policy;
    let as_of = input.as_of;
    let prefix = policy.poam_id_prefix.as_str();
    let Poam { header, open, closed, configuration_findings, id_high_water } = previous;
    let previous_date = header.poam_date;

    // Working copy of every previous item, and the indexes that find them.
    let mut work: Vec<Work> = Vec::with_capacity(open.len() + closed.len() + configuration_findings.len());
    let mut keys = Interner::default();
    let mut assets = Interner::default();
    let mut protos = Interner::default();
    let mut high_water = id_high_water;
    // Each item's weakness key id, by item index, kept apart from `work`: the CVE match reads it
    // for items that are mostly not the finding's, and a large `Work` read for four bytes is a
    // cache miss each.
    let mut key_ids: Vec<u32> = Vec::with_capacity(work.capacity());
    let sheets = [(Sheet::Closed, closed), (Sheet::Config, configuration_findings), (Sheet::Open, open)];
    for (sheet, items) in sheets {
        for item in items {
            if let Some(n) = id_number(&item.poam_id, prefix) {
                high_water = high_water.max(n);
            }
            let sheet = if item.is_closed() { Sheet::Closed } else { sheet };
            let key = CompactString::from(item_key_ref(&item));
            key_ids.push(keys.id(&key));
            work.push(Work { key, item, sheet, existed: true, changed: false, asset_ids: Vec::new() });
        }
    }
    // Closed items first, so that open ones win when both list the same key and asset.
    // Sized for the previous items here, and for the findings left for the second pass when it
    // starts: most findings are informational and never indexed, and a table sized for all of
    // them (32 MiB at a million) misses the cache far more often than one sized for those placed.
    let n_assets: usize = work.iter().map(|w| w.item.assets.len()).sum::<usize>();
    let mut by_key_asset: PairMap<usize> = PairMap::with_capacity_and_hasher(n_assets, Default::default());
    // Weakness key → its open items (nearly always one: no allocation then).
    let mut by_key: HashMap<u32, ItemList, rustc_hash::FxBuildHasher> = HashMap::default();
    // CVE → items listing it; a finding's CVE matches an item that also lists the finding's asset.
    let mut by_cve = ByCve::default();
    for (i, w) in work.iter_mut().enumerate() {
        for c in &w.item.cves {
            by_cve.add(c, i);
        }
        w.asset_ids = w.item.assets.iter().map(|a| assets.id(&asset_norm(&a.identifier))).collect();
        for &aid in &w.asset_ids {
            by_key_asset.insert(pair(key_ids[i], aid), i);
        }
        if w.sheet != Sheet::Closed {
            by_key.entry(key_ids[i]).or_default().push(i);
        }
    }
    let mut changes: Vec<Change> = Vec::new();
    // Most findings of a scan are informational and end up here: sized for all of them once
    // (address space only: pages are touched as entries are written), not grown by doubling,
    // which copies what is there at each step.
    let mut not_tracked = Vec::with_capacity(input.scans.findings.len());
    // The reason of a finding that is not tracked depends only on its scanner severity and CVSS
    // scores: built once per distinct combination (informational findings are most of a scan).
    type ReasonKey = (Option<crate::model::ScannerSeverity>, [Option<u64>; 3]);
    let mut reasons: HashMap<ReasonKey, Arc<str>, rustc_hash::FxBuildHasher> = HashMap::default();
    // Their assets, one shared string per host.
    let mut untracked_asset: Option<(&str, Arc<str>)> = None;
    let mut placements: Vec<Option<usize>> = vec![None; input.scans.findings.len()];
    // Closed items matched this month → the item that now carries them (reopened or new).
    let mut reappeared: HashMap<usize, usize, rustc_hash::FxBuildHasher> = HashMap::default();
    // New items of this month by group key, so one weakness on many assets is one item.
    let mut new_by_group: HashMap<(u32, Option<AssetType>), usize, rustc_hash::FxBuildHasher> = HashMap::default();

    let n_previous = work.len();
    // Which items were closed before this run, in a compact array the hot loop reads instead of
    // the (large, cache-cold) items. Items reopened during the run still read as closed here and
    // go through `resolve_closed`, which remembers what it did with them.
    let closed_at_start: Vec<bool> = work.iter().map(|w| w.sheet == Sheet::Closed).collect();
    let mut last_asset: Option<(&str, u32)> = None;
    // Every placed finding as (item index, hit); grouped per item by one sort after the loop,
    // rather than pushed into each item (which costs a cache miss per finding).
    let mut hits: Vec<(u32, Hit)> = Vec::with_capacity(input.scans.findings.len());
    // Two passes, so that the result does not depend on the order of findings: the first places
    // every finding that matches a previous item (which reopens or succeeds closed ones); the
    // second places the rest, which then join those items or open new ones.
    // A deferred finding keeps what the first pass worked out for it (rating, asset and key ids,
    // detection date: each depends on the finding alone), so the second pass does not compute
    // it again. In a first month every rated finding is deferred.
    let n_findings = input.scans.findings.len();
    let mut deferred: Vec<Deferred> = Vec::new();
    let (mut k, mut second) = (0usize, false);
    loop {
        let (fi, known) = if second {
            let Some(d) = deferred.get(k) else { break };
            // The deferred findings lie far apart among the informational ones: start loading
            // the finding eight ahead, and what the finding four ahead points to.
            if let Some(a) = deferred.get(k + 8) {
                let f = &input.scans.findings[a.fi];
                crate::cache::prefetch_bytes(std::ptr::from_ref(f).cast(), std::mem::size_of::<Finding>());
            }
            if let Some(b) = deferred.get(k + 4) {
                prefetch_parts(&input.scans.findings[b.fi]);
            }
            (d.fi, Some(d))
        } else if k < n_findings {
            (k, None)
        } else {
            (k, second) = (0, true);
            by_key_asset.reserve(deferred.len());
            // At most one new item, and one change, per deferred finding.
            work.reserve(deferred.len());
            key_ids.reserve(deferred.len());
            changes.reserve(deferred.len());
            continue;
        };
        k += 1;
        let f = &input.scans.findings[fi];
        let (rating, aid, kid, date) = if let Some(d) = known {
            (d.rating, d.aid, d.kid, d.date)
        } else {
            let Some(rating) = rating::rate(&f.cvss, f.scanner_severity, &policy.rating_sources) else {
                let score = |c: &Option<crate::model::Cvss>| c.as_ref().map(|c| c.base_score.to_bits());
                let key = (f.scanner_severity, [score(&f.cvss.v2), score(&f.cvss.v3), score(&f.cvss.v4)]);
                let reason = reasons
                    .entry(key)
                    .or_insert_with(|| {
                        let decision = rating::decide(&f.cvss, f.scanner_severity, &policy.rating_sources);
                        Arc::from(format!("informational: {}", decision.explanation))
                    })
                    .clone();
                // A copy, not a shared string: nearly every key fits inline, and a map of the distinct
                // keys costs a cache miss per finding at a million findings.
                let weakness_key = f.weakness_key.clone();
                // Findings come host by host: the previous asset is usually this one.
                let asset = match &untracked_asset {
                    Some((prev, a)) if *prev == f.asset.identifier.as_str() => a.clone(),
                    _ => {
                        let a: Arc<str> = Arc::from(f.asset.identifier.as_str());
                        untracked_asset = Some((f.asset.identifier.as_str(), a.clone()));
                        a
                    }
                };
                not_tracked.push(NotTracked { finding: fi, weakness_key, asset, reason });
                continue;
            };
            // Scanners report host by host, so the asset is usually the previous finding's: compare
            // with that hot string before hashing into the (cache-cold) interner.
            let aid = match last_asset {
                Some((prev, id)) if prev == f.asset.identifier.as_str() => id,
                _ => {
                    let id = assets.id(&asset_norm(&f.asset.identifier));
                    last_asset = Some((f.asset.identifier.as_str(), id));
                    id
                }
            };
            let kid = keys.id(&f.weakness_key);
            let date = finding_date(f, &policy.time_zone, as_of);
            (rating, aid, kid, date)
        };
        let split = policy.split_by_asset_type.then_some(f.asset.asset_type);
        let sheet = if f.kind == FindingKind::Configuration { Sheet::Config } else { Sheet::Open };

        // 1. The same weakness on the same asset; 2. the same CVE on the same asset (another
        // scanner); 3. the weakness on other assets (join, when the policy says so).
        let direct = by_key_asset.get(&pair(kid, aid)).copied();
        let mut target = direct.or_else(|| {
            f.cves.iter().find_map(|c| {
                let items = by_cve.items(c)?;
                // Open items first, then the most recent closed one.
                let on_asset = |&i: &usize| by_key_asset.get(&pair(key_ids[i], aid)) == Some(&i);
                items.iter().rev().copied().filter(on_asset).max_by_key(|&i| work[i].sheet != Sheet::Closed)
            })
        });
        if let Some(t) = target
            && closed_at_start.get(t).copied().unwrap_or(false)
        {
            target = Some(resolve_closed(
                t,
                date,
                sheet,
                &mut work,
                &mut key_ids,
                &mut reappeared,
                &mut changes,
                policy,
                &mut high_water,
                as_of,
            ));
            // A reopened or successor item is open now: other assets of the weakness found this
            // month join it rather than open yet another item.
            if let Some(r) = target
                && work[r].sheet != Sheet::Closed
            {
                let list = by_key.entry(kid).or_default();
                if !list.as_slice().contains(&r) {
                    list.push(r);
                }
                if r >= n_previous {
                    new_by_group.entry((kid, split)).or_insert(r);
                }
            }
        }
        if target.is_none() && !second {
            deferred.push(Deferred { fi, aid, kid, rating, date });
            continue;
        }
        if target.is_none() && policy.new_assets_policy == NewAssetsPolicy::Join {
            target = by_key.get(&kid).and_then(|v| {
                v.as_slice()
                    .iter()
                    .copied()
                    .find(|&i| work[i].sheet == sheet && (split.is_none() || work[i].item.asset_type == split))
            });
        }
        let t = match target {
            Some(t) => t,
            None => match new_by_group.get(&(kid, split)) {
                Some(&t) => t,
                None => {
                    // The item takes the finding's shared texts (`fill_new`), whose reference
                    // counts lie far apart in memory: their cache misses are started together
                    // here, while the item is made, rather than one after another there.
                    std::hint::black_box(warm_texts(f));
                    high_water += 1;
                    let id = new_id(prefix, policy.poam_id_width, high_water);
                    let mut item = PoamItem::new(id, date, rating);
                    item.weakness_key = Some(String::from(f.weakness_key.as_str()));
                    item.asset_type = split;
                    work.push(Work {
                        item,
                        sheet,
                        key: f.weakness_key.clone(),
                        existed: false,
                        changed: true,
                        asset_ids: Vec::new(),
                    });
                    key_ids.push(kid);
                    let t = work.len() - 1;
                    new_by_group.insert((kid, split), t);
                    by_key.entry(kid).or_default().push(t);
                    t
                }
            },
        };
        placements[fi] = Some(t);
        let proto = proto_id(f.protocol.as_deref(), &mut protos);
        let hit = Hit { aid, port: f.port.unwrap_or(0), proto, fi: u32::try_from(fi).unwrap_or(u32::MAX), date };
        hits.push((u32::try_from(t).unwrap_or(u32::MAX), hit));
        // Items created this run come after the previous ones; only they take finding details.
        if t >= n_previous {
            fill_new(&mut work[t].item, f, rating);
        }
        // A direct hit is already indexed (with the item's CVEs); index anything new.
        if direct != Some(t) {
            by_key_asset.entry(pair(kid, aid)).or_insert(t);
            for c in &f.cves {
                by_cve.add(c, t);
            }
        }
    }

    debug_assert_eq!(key_ids.len(), work.len());
    // Scan coverage: which hosts were scanned, and how.
    let mut scanned: HashMap<u32, (bool, Option<NaiveDate>), rustc_hash::FxBuildHasher> = HashMap::default();
    for h in &input.scans.context.hosts {
        let e = scanned.entry(assets.id(&asset_norm(&h.identifier))).or_insert((false, None));
        e.0 |= h.credentialed == Some(true);
        let d = h.scan_end.or(h.scan_start).map(|t| policy.time_zone.date_of(t, h.zoneless_times));
        e.1 = e.1.max(d);
    }
    let findings = &input.scans.findings;
    hits.sort_unstable();
    // One hit per item and service, the first read kept; it carries the earliest detection of
    // the service, whichever file reported it first.
    hits.dedup_by(|a, b| {
        let same = (a.0, a.1.aid, a.1.port, a.1.proto) == (b.0, b.1.aid, b.1.port, b.1.proto);
        if same {
            b.1.date = b.1.date.min(a.1.date);
        }
        same
    });
    // starts[i]..starts[i + 1] are item i's hits in `flat`.
    let mut starts = vec![0usize; work.len() + 1];
    for (t, _) in &hits {
        starts[*t as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let flat: Vec<Hit> = hits.into_iter().map(|(_, h)| h).collect();

    // Deviations.
    // The register as known on this POA&M's date (later submissions and decisions wait).
    let known = deviation::as_of(input.deviations, as_of);
    let register = deviation::by_item(&known);
    let mut issues = Vec::new();
    let mut not_observed = Vec::new();

    for (wi, w) in work.iter_mut().enumerate() {
        let found: &[Hit] = &flat[starts[wi]..starts[wi + 1]];
        let id = w.item.poam_id.clone();
        if let Some(records) = register.get(id.as_str()) {
            for what in deviation::apply(&mut w.item, records) {
                w.changed = true;
                changes.push(Change {
                    poam_id: id.clone(),
                    kind: ChangeKind::DeviationChanged,
                    asset: None,
                    detail: what,
                });
            }
        }
        // This period's hits: one per distinct (asset, port, protocol), ordered on integers only.
        let asset_ref = |h: &Hit| {
            let f = &findings[h.fi as usize];
            AssetRef {
                identifier: CompactString::from(f.asset.identifier.as_str()),
                port: f.port.filter(|p| *p != 0),
                protocol: f.protocol.clone(),
            }
        };
        if !w.existed {
            w.item.original_detection_date = found.iter().map(|h| h.date).min().unwrap_or(as_of);
            w.item.assets = found.iter().map(asset_ref).collect();
            w.item.assets.sort();
            w.item.assets.dedup();
            // The scanners that found it, sorted, one per line: nearly always one, put down
            // without a set.
            let scanner = |h: &Hit| findings[h.fi as usize].scanner.as_str();
            let first = found.first().map_or("", scanner);
            w.item.weakness_detector_source = if found.iter().all(|h| scanner(h) == first) {
                String::from(first)
            } else {
                found.iter().map(scanner).collect::<BTreeSet<&str>>().into_iter().collect::<Vec<_>>().join("\n")
            };
            let mut detail = ["new ", w.item.original_risk_rating.as_template(), " weakness ", &w.key, " on "].concat();
            push_number(&mut detail, w.item.assets.len() as u64, 1);
            detail.push_str(" asset(s), first detected ");
            push_date(&mut detail, w.item.original_detection_date);
            changes.push(Change { poam_id: id, kind: ChangeKind::New, asset: None, detail });
            continue;
        }
        if w.sheet == Sheet::Closed {
            continue;
        }
        // Existing open item: assets found, remediated, or not observed.
        let old: Vec<AssetRef> = std::mem::take(&mut w.item.assets);
        let ids_known = w.asset_ids.len() == old.len();
        // (asset id, port, protocol id, index in `old`), in hit order.
        let mut previous: Vec<(u32, u16, u32, usize)> = old
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let aid =
                    if ids_known { w.asset_ids[i] } else { assets.get(&asset_norm(&a.identifier)).unwrap_or(u32::MAX) };
                (aid, a.port.unwrap_or(0), proto_id(a.protocol.as_deref(), &mut protos), i)
            })
            .collect();
        previous.sort_unstable();
        let unchanged = previous.len() == found.len()
            && previous.iter().zip(found).all(|(p, h)| (p.0, p.1, p.2) == (h.aid, h.port, h.proto));
        if unchanged && w.item.false_positive != DeviationFlag::Yes {
            // Fast path (most items, most months): the same assets, ports and protocols.
            w.item.assets = old;
            continue;
        }
        let mut old: Vec<Option<AssetRef>> = old.into_iter().map(Some).collect();
        let mut kept: Vec<AssetRef> = Vec::with_capacity(found.len() + previous.len());
        let mut closed_assets: Vec<(String, Option<NaiveDate>)> = Vec::new();
        let prev_has_asset = |aid: u32| previous.binary_search_by(|p| p.0.cmp(&aid)).is_ok();
        let mut added_any = false;
        for h in found {
            let same = previous.binary_search_by(|p| (p.0, p.1, p.2).cmp(&(h.aid, h.port, h.proto)));
            match same {
                Ok(j) => {
                    if let Some(r) = old[previous[j].3].take() {
                        kept.push(r);
                    }
                }
                Err(_) => {
                    let r = asset_ref(h);
                    if !prev_has_asset(h.aid) {
                        changes.push(Change {
                            poam_id: id.clone(),
                            kind: ChangeKind::AssetAdded,
                            asset: Some(r.to_string()),
                            detail: "weakness detected on this asset this period".to_string(),
                        });
                        added_any = true;
                    }
                    kept.push(r);
                }
            }
        }
        if added_any {
            w.changed = true;
        }
        let found_has_asset = |aid: u32| found.binary_search_by(|h| h.aid.cmp(&aid)).is_ok();
        let mut last: Option<u32> = None;
        for &(aid, _, _, i) in &previous {
            if found_has_asset(aid) {
                continue;
            }
            let first_of_host = last != Some(aid);
            last = Some(aid);
            match scanned.get(&aid) {
                Some((cred, date)) if *cred || !policy.closure_requires_credentialed_scan => {
                    // Left in `old` until the item's fate is known (an OR/VD keeps it).
                    if first_of_host && let Some(a) = &old[i] {
                        closed_assets.push((String::from(a.identifier.as_str()), *date));
                    }
                }
                Some(_) | None => {
                    let Some(a) = old[i].take() else { continue };
                    let reason = if scanned.contains_key(&aid) { "not_credentialed" } else { "not_scanned" };
                    if first_of_host {
                        not_observed.push(NotObserved {
                            poam_id: id.clone(),
                            asset: String::from(a.identifier.as_str()),
                            reason: reason.to_string(),
                        });
                    }
                    kept.push(a);
                }
            }
        }
        let fp = w.item.false_positive == DeviationFlag::Yes;
        let keep_open = w.item.operational_requirement == DeviationFlag::Yes || w.item.vendor_dependency;
        if fp || (kept.is_empty() && keep_open) {
            // The item keeps every asset it had plus any found now.
            kept.extend(std::mem::take(&mut old).into_iter().flatten());
            kept.sort();
            kept.dedup();
            w.item.assets = kept;
            kept = Vec::new();
        }
        if fp {
            let date = register
                .get(id.as_str())
                .and_then(|r| r.iter().rev().find(|d| d.kind == deviation::DeviationKind::FalsePositive))
                .and_then(|d| d.decided)
                .unwrap_or(as_of);
            close(w, date, ClosureReason::FalsePositive, "false positive approved by the AO", &mut changes);
            continue;
        }
        if !w.item.assets.is_empty() && keep_open && kept.is_empty() {
            let names: Vec<String> = closed_assets.iter().map(|(a, _)| a.clone()).collect();
            changes.push(Change {
                poam_id: id.clone(),
                kind: ChangeKind::RemediationObservedKeptOpen,
                asset: None,
                detail: format!(
                    "not detected on {} this period, but items with an operational requirement or vendor dependency stay open until it is withdrawn",
                    names.join(", ")
                ),
            });
            continue;
        }
        for (a, date) in &closed_assets {
            let when = date.map(|d| format!(" on {d}")).unwrap_or_default();
            changes.push(Change {
                poam_id: id.clone(),
                kind: ChangeKind::AssetClosed,
                asset: Some(a.clone()),
                detail: format!("remediated: the asset was scanned{when} and the weakness was not found"),
            });
            w.changed = true;
        }
        if kept.is_empty() {
            // A closed item keeps the assets it had on the Closed sheet.
            let mut last_assets: Vec<AssetRef> = old.into_iter().flatten().collect();
            last_assets.sort();
            w.item.assets = last_assets;
            let date = closed_assets.iter().filter_map(|(_, d)| *d).max().unwrap_or(as_of);
            close(w, date, ClosureReason::Remediated, "remediated on every asset (verified by rescan)", &mut changes);
            continue;
        }
        kept.sort();
        kept.dedup();
        w.item.assets = kept;
        if !closed_assets.is_empty() {
            let list: Vec<&str> = closed_assets.iter().map(|(a, _)| a.as_str()).collect();
            add_milestone_change(
                &mut w.item,
                MilestoneChangeKind::Update,
                as_of,
                format!("Remediated on {}", list.join(", ")),
            );
        }
    }

    // Scheduled completion dates of new items, KEV columns, RA / fix-release schedule changes.
    for w in work.iter_mut() {
        if let Some(cat) = input.kev
            && w.sheet != Sheet::Closed
            && let Some(due) = cat.earliest_due(&w.item.cves)
            && (!w.item.kev || w.item.kev_due_date != Some(due))
        {
            w.item.kev = true;
            w.item.kev_due_date = Some(due);
            w.changed = true;
            if w.existed {
                changes.push(Change {
                    poam_id: w.item.poam_id.clone(),
                    kind: ChangeKind::KevAdded,
                    asset: None,
                    detail: format!("in the CISA KEV catalog, due {due} (BOD 22-01)"),
                });
            }
        }
        if w.sheet == Sheet::Closed {
            continue;
        }
        // One clock per item at this date: what follows changes only the schedule and milestones,
        // which no clock reads, so the late check below reuses it.
        let clock = sla::evaluate_outcome(&w.item, policy, AsOf::date(as_of)).ok();
        let due = clock.as_ref().and_then(|c| c.due_date);
        if !w.existed {
            w.item.scheduled_completion_date = due;
            if let Some(d) = due {
                w.item.planned_milestones = vec![Milestone {
                    number: 1,
                    date: d,
                    description: ["Remediate ", &w.item.weakness_source_identifier, " on all affected assets"].concat(),
                }];
            }
        } else if due != w.item.scheduled_completion_date
            && (w.item.risk_adjustment == DeviationFlag::Yes || w.item.vendor_fix_release_date.is_some())
            && let Some(d) = due
        {
            let why = if w.item.vendor_fix_release_date.is_some() && w.item.vendor_dependency {
                "vendor fix released"
            } else {
                "approved risk adjustment"
            };
            let old = w.item.scheduled_completion_date.map_or_else(|| "none".to_string(), |d| d.to_string());
            w.item.scheduled_completion_date = Some(d);
            add_milestone_change(
                &mut w.item,
                MilestoneChangeKind::Update,
                as_of,
                format!("Scheduled completion date {old} → {d} ({why})"),
            );
            changes.push(Change {
                poam_id: w.item.poam_id.clone(),
                kind: ChangeKind::ScheduleChanged,
                asset: None,
                detail: format!("{old} → {d} ({why})"),
            });
            w.changed = true;
        }
        // Became late between the previous POA&M date and this one.
        if let Some(now) = clock
            && now.is_late()
        {
            let before = previous_date
                .filter(|_| w.existed)
                .and_then(|d| sla::evaluate_outcome(&w.item, policy, AsOf::date(d)).ok())
                .is_some_and(|c| c.is_late());
            if !before {
                changes.push(Change {
                    poam_id: w.item.poam_id.clone(),
                    kind: ChangeKind::BecameLate,
                    asset: None,
                    detail: format!(
                        "late by {} day(s): due {}",
                        now.days_late,
                        now.due_date.map(|d| d.to_string()).unwrap_or_default()
                    ),
                });
            }
        }
        if w.changed {
            w.item.status_date = Some(as_of);
        }
    }

    // Deviation rule checks on the final items (each check starts from a deviation).
    if !known.is_empty() {
        let items: HashMap<&str, &PoamItem> = work.iter().map(|w| (w.item.poam_id.as_str(), &w.item)).collect();
        issues.extend(deviation::check(&known, &items));
    }

    // Assemble, keeping previous order and appending new items.
    let mut poam = Poam { header, id_high_water: high_water, ..Poam::default() };
    poam.header.poam_date = Some(as_of);
    let ids: Vec<std::sync::Arc<str>> = work.iter().map(|w| std::sync::Arc::from(w.item.poam_id.as_str())).collect();
    // The items move out from the back and the working list gives its memory back as it empties
    // (a large list is its own mapping, which shrinking unmaps), so that every item is not held
    // twice at the end of the run: at 1M findings that is the peak of the whole job.
    let count = |s: Sheet| work.iter().filter(|w| w.sheet == s).count();
    poam.open.reserve_exact(count(Sheet::Open));
    poam.configuration_findings.reserve_exact(count(Sheet::Config));
    poam.closed.reserve_exact(count(Sheet::Closed));
    while let Some(w) = work.pop() {
        match w.sheet {
            Sheet::Open => poam.open.push(w.item),
            Sheet::Config => poam.configuration_findings.push(w.item),
            Sheet::Closed => poam.closed.push(w.item),
        }
        if work.len().is_multiple_of(4096) {
            work.shrink_to_fit();
        }
    }
    poam.open.reverse();
    poam.configuration_findings.reverse();
    poam.closed.reverse();
    let placements = placements.into_iter().map(|p| p.map(|i| std::sync::Arc::clone(&ids[i]))).collect();
    Ok(Reconciliation { poam, changes, not_tracked, not_observed, issues, placements })
}

/// A closed item matched again: absorbed (false positive), reopened, or succeeded by a new item.
#[allow(clippy::too_many_arguments)]
fn resolve_closed(
    t: usize,
    date: NaiveDate,
    sheet: Sheet,
    work: &mut Vec<Work>,
    key_ids: &mut Vec<u32>,
    reappeared: &mut HashMap<usize, usize, rustc_hash::FxBuildHasher>,
    changes: &mut Vec<Change>,
    policy: &Policy,
    high_water: &mut u64,
    as_of: NaiveDate,
) -> usize {
    if let Some(&r) = reappeared.get(&t) {
        return r;
    }
    let closure = work[t].item.closure.clone();
    // A false positive keeps being reported by the scanner: it stays closed.
    if closure.as_ref().is_some_and(|c| c.reason == ClosureReason::FalsePositive) {
        reappeared.insert(t, t);
        return t;
    }
    let closed_on = closure.as_ref().map_or(work[t].item.status_date.unwrap_or(as_of), |c| c.date);
    let within = date <= closed_on + Days::new(u64::from(policy.reappearance_window_days));
    let id = work[t].item.poam_id.clone();
    if policy.reappearance_policy == ReappearancePolicy::ReopenWithinWindow && within {
        let w = &mut work[t];
        w.item.closure = None;
        w.sheet = sheet;
        w.changed = true;
        w.item.assets.clear();
        add_milestone_change(
            &mut w.item,
            MilestoneChangeKind::Update,
            as_of,
            format!("Reopened: detected again on {date} (closed {closed_on})"),
        );
        changes.push(Change {
            poam_id: id,
            kind: ChangeKind::Reopened,
            asset: None,
            detail: format!(
                "detected again on {date}, {} day(s) after closure on {closed_on}",
                (date - closed_on).num_days()
            ),
        });
        reappeared.insert(t, t);
        return t;
    }
    *high_water += 1;
    let new_id = new_id(&policy.poam_id_prefix, policy.poam_id_width, *high_water);
    let old = &work[t];
    let mut item = PoamItem::new(new_id.clone(), date, old.item.original_risk_rating);
    item.weakness_key = Some(String::from(old.key.as_str()));
    item.reappearance_of = Some(id.clone());
    item.asset_type = old.item.asset_type;
    item.comments = Some(format!("Reappearance of {id} (closed {closed_on})"));
    let key = old.key.clone();
    let key_id = key_ids[t];
    let template = old.item.clone();
    let mut w = Work { item, sheet, key, existed: false, changed: true, asset_ids: Vec::new() };
    copy_descriptive(&mut w.item, &template);
    work.push(w);
    key_ids.push(key_id);
    let n = work.len() - 1;
    changes.push(Change {
        poam_id: new_id,
        kind: ChangeKind::ReappearedAsNew,
        asset: None,
        detail: format!("{id} (closed {closed_on}) detected again on {date}, outside the reappearance window"),
    });
    reappeared.insert(t, n);
    n
}

fn copy_descriptive(item: &mut PoamItem, from: &PoamItem) {
    item.controls = from.controls.clone();
    item.weakness_name = from.weakness_name.clone();
    item.weakness_description = from.weakness_description.clone();
    item.weakness_source_identifier = from.weakness_source_identifier.clone();
    item.overall_remediation_plan = from.overall_remediation_plan.clone();
    item.cves = from.cves.clone();
    item.cvss = from.cvss.clone();
    item.scanner_severity = from.scanner_severity.clone();
}

fn close(w: &mut Work, date: NaiveDate, reason: ClosureReason, why: &str, changes: &mut Vec<Change>) {
    w.item.closure = Some(Closure { date, reason });
    w.item.status_date = Some(date);
    w.sheet = Sheet::Closed;
    w.changed = true;
    add_milestone_change(&mut w.item, MilestoneChangeKind::Complete, date, format!("Closed: {why}"));
    changes.push(Change {
        poam_id: w.item.poam_id.clone(),
        kind: ChangeKind::Closed,
        asset: None,
        detail: format!("{why}, {date}"),
    });
}

fn add_milestone_change(item: &mut PoamItem, kind: MilestoneChangeKind, date: NaiveDate, description: String) {
    let last = item
        .planned_milestones
        .iter()
        .map(|m| m.number)
        .chain(item.milestone_changes.iter().map(|m| m.number))
        .max()
        .unwrap_or(0);
    // An update to the remediation milestone keeps its number; other entries take a new one.
    let number = match kind {
        MilestoneChangeKind::New => last + 1,
        _ => item.planned_milestones.first().map_or(last + 1, |m| m.number),
    };
    item.milestone_changes.push(MilestoneChange { number, kind, date, description });
}

// The texts written once per new item are put together without the formatting machinery
// (`format!` was 11% of reconcile's instructions under callgrind at 100k generated findings:
// three calls per new item, the dates through chrono's `Display`).
fn new_id(prefix: &str, width: u8, n: u64) -> String {
    let mut id = String::with_capacity(prefix.len() + usize::from(width).max(8));
    id.push_str(prefix);
    push_number(&mut id, n, usize::from(width));
    id
}

/// `n` in decimal, zero-padded to `width` digits, as `{n:0width$}` writes it.
fn push_number(out: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in digits.len() - start..width {
        out.push('0');
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// `d` as its `Display` writes it (`2026-03-13`).
fn push_date(out: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    match u64::try_from(d.year()) {
        Ok(year) if year <= 9999 => {
            push_number(out, year, 4);
            out.push('-');
            push_number(out, u64::from(d.month()), 2);
            out.push('-');
            push_number(out, u64::from(d.day()), 2);
        }
        // A year chrono writes with a sign.
        _ => out.push_str(&d.to_string()),
    }
}

/// The reference counts of the texts a new item takes from `f`, combined (see `fill_new`).
fn warm_texts(f: &Finding) -> usize {
    Arc::strong_count(&f.name) ^ Arc::strong_count(&f.description) ^ f.solution.as_ref().map_or(0, Arc::strong_count)
}

/// Starts loading what placing `f` reads beyond the finding itself: its CVEs, and the
/// reference counts of the texts a new item takes.
fn prefetch_parts(f: &Finding) {
    crate::cache::prefetch_bytes(f.cves.as_ptr().cast(), std::mem::size_of_val(f.cves.as_slice()));
    for text in [Some(&f.name), Some(&f.description), f.solution.as_ref()].into_iter().flatten() {
        crate::cache::prefetch_counts(text);
    }
}

// `String::from(s.as_str())` for a `CompactString`, not `to_string()`: that goes through the
// formatting machinery (about 350 instructions a call under callgrind; at 100k generated
// findings these calls were 11% of reconcile's instructions).
fn fill_new(item: &mut PoamItem, f: &Finding, rating: RiskRating) {
    if item.weakness_name.is_empty() {
        item.weakness_name = Arc::clone(&f.name);
        item.weakness_description = Arc::clone(&f.description);
        item.weakness_source_identifier = String::from(f.scanner_id.as_str());
        item.overall_remediation_plan = f.solution.clone().unwrap_or_default();
        item.controls = match f.kind {
            FindingKind::Configuration => "CM-6".to_string(),
            FindingKind::Code => "SA-11".to_string(),
            FindingKind::Vulnerability => "RA-5".to_string(),
        };
        item.scanner_severity = f.scanner_severity_label.as_deref().map(str::to_string);
        item.cvss = f.cvss.clone();
    }
    if rating > item.original_risk_rating {
        item.original_risk_rating = rating;
    }
    for c in &f.cves {
        if !item.cves.iter().any(|have| have == c) {
            item.cves.push(c.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_numbers_and_dates_read_as_format_writes_them() {
        for (n, width) in [(0, 0), (0, 4), (7, 1), (42, 4), (12345, 4), (u64::MAX, 6), (1_000_000, 8)] {
            assert_eq!(new_id("V-", width, n), format!("V-{n:0width$}", width = usize::from(width)));
        }
        let mut d = NaiveDate::from_ymd_opt(-3, 1, 1).unwrap();
        while d < NaiveDate::from_ymd_opt(30, 1, 1).unwrap() {
            let mut s = String::new();
            push_date(&mut s, d);
            assert_eq!(s, d.to_string());
            d = d + Days::new(17);
        }
        for d in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 13).unwrap(),
        ] {
            let mut s = String::new();
            push_date(&mut s, d);
            assert_eq!(s, d.to_string());
        }
    }

    #[test]
    fn trim_agrees_with_str_trim() {
        let mut ends: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        ends.extend(["\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "é", "\u{1c}"].map(String::from));
        for a in &ends {
            for b in &ends {
                for s in [format!("{a}x{b}"), format!("{a}{b}"), format!("{a}10.0.0.1 {b}")] {
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
        assert_eq!(trim(""), "");
    }

    #[test]
    fn items_by_cve_keep_their_order_and_drop_only_a_repeat_of_the_last() {
        let mut by = ByCve::default();
        assert_eq!(by.items("CVE-2026-0001"), None);
        by.add("CVE-2026-0001", 4);
        by.add("CVE-2026-0001", 4);
        assert_eq!(by.items("CVE-2026-0001"), Some(&[4][..]));
        by.add("CVE-2026-0001", 7);
        by.add("CVE-2026-0001", 7);
        by.add("CVE-2026-0001", 4);
        by.add("CVE-2026-0002", 7);
        assert_eq!(by.items("CVE-2026-0001"), Some(&[4, 7, 4][..]));
        assert_eq!(by.items("CVE-2026-0002"), Some(&[7][..]));
        // CVEs compare as `cve_norm` makes them, whichever key they get.
        assert_eq!(by.items(" cve-2026-0002"), Some(&[7][..]));
        assert_eq!(by.items("CVE-2026-00002"), None);
        by.add("cve-2026-x", 9);
        assert_eq!(by.items("CVE-2026-X "), Some(&[9][..]));
    }

    #[test]
    fn cve_codes_are_equal_exactly_when_the_normalised_ids_are() {
        let spellings = [
            "CVE-2021-1234",
            "cve-2021-1234",
            " Cve-2021-1234\t",
            "CVE-2021-01234",
            "CVE-2021-12340",
            "CVE-2022-1234",
            "CVE-2021-123",
            "CVE-2021-123456789012",
            "CVE-2021-1234567890123",
            "CVE-9999-999999999999",
            "CVE-0000-0000",
            "CVE-2021-12a4",
            "CVE-2021_1234",
            "CVX-2021-1234",
            "CVE-202-11234",
            "CVE-2021-1234 x",
            "GHSA-abcd-efgh-ijkl",
            "",
            "CVE-",
            "CVE-2021-",
            "cve-2021-1234-",
            "CVE-２０21-1234",
        ];
        for a in spellings {
            for b in spellings {
                let (ca, cb) = (cve_code(a), cve_code(b));
                if cve_norm(a) == cve_norm(b) {
                    assert_eq!(ca, cb, "{a:?} and {b:?}");
                } else if ca.is_some() || cb.is_some() {
                    assert_ne!(ca, cb, "{a:?} and {b:?}");
                }
            }
        }
        let coded: Vec<&str> = spellings.iter().copied().filter(|s| cve_code(s).is_some()).collect();
        assert_eq!(coded.len(), 9, "{coded:?}");
        assert!(spellings.iter().filter_map(|s| cve_code(s)).all(|c| c < 1 << 59));
    }
}
