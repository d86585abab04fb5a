//! OSCAL POA&M JSON export following the FedRAMP OSCAL POA&M guide (fedramp-rules.md §9).
//!
//! Per POA&M item: one `poam-item` (prop `POAM-ID`, one related observation, one related risk),
//! one `observation` (the detection: `collected` = Original Detection Date, method `TEST`, type
//! `finding`, the scanner as a tool actor, the assets as inventory-item subjects) and one `risk`
//! (status, `deadline` from the Scheduled Completion Date (see [`OscalDeadline`]), initial and adjusted likelihood/impact
//! facets, `impacted-control-id`, deviation props, KEV props, CVEs as threat ids, the remediation
//! plan with one milestone task per planned milestone, and a risk log: milestone changes, vendor
//! check-ins, closure). Scanners become software components and assets inventory items in
//! `local-definitions`. `import-ssp` points to the SSP through a back-matter resource (see
//! [`OscalOptions::ssp_href`]).
//!
//! UUIDs are name-based (v5) from the system name and the POA&M ID, so exporting the same POA&M
//! twice gives the same document, and a risk keeps its UUID month after month.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{Error, Location, Result};
use crate::model::{DeviationFlag, Poam, PoamItem, RiskRating};
use crate::policy::{OscalDeadline, Policy};

/// The FedRAMP OSCAL namespace for props.
pub const FEDRAMP_NS: &str = "https://fedramp.gov/ns/oscal";

/// Export options.
#[derive(Debug, Clone)]
pub struct OscalOptions {
    /// `metadata.oscal-version`.
    pub oscal_version: String,
    /// FedRAMP system identifier (`system-id`); the system name when not given.
    pub fedramp_id: Option<String>,
    /// How a Scheduled Completion Date becomes the risk's `deadline` (the policy's
    /// `oscal_deadline`; [`OscalDeadline::BeforeDueDate`] by default).
    pub deadline: OscalDeadline,
    /// Where the system's OSCAL SSP is (a path relative to the POA&M, or a URL): `import-ssp`
    /// then points to a back-matter resource of type `system-security-plan` linking to it
    /// (media type `text/xml` for `.xml`, else `application/json`). When not given, to a
    /// `no-oscal-ssp` resource that names the system, as FedRAMP asks when no OSCAL SSP exists.
    pub ssp_href: Option<String>,
}

impl Default for OscalOptions {
    fn default() -> Self {
        OscalOptions {
            oscal_version: "1.1.2".to_string(),
            fedramp_id: None,
            deadline: OscalDeadline::default(),
            ssp_href: None,
        }
    }
}

impl OscalOptions {
    /// The defaults, with the policy's choices (`oscal_deadline`).
    pub fn for_policy(policy: &Policy) -> Self {
        OscalOptions { deadline: policy.oscal_deadline, ..OscalOptions::default() }
    }
}

/// A single-line, trimmed, non-empty string (OSCAL `string` / `markup-line`), or `fallback`.
fn line(s: &str, fallback: &str) -> String {
    if is_one_line(s) {
        return s.to_string();
    }
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.is_empty() { fallback.to_string() } else { one }
}

/// Whether `s` is already what [`line`] makes of it: non-empty ASCII without a line break, tab
/// or other whitespace than single spaces between words (most names and identifiers), so that
/// it is copied without being split and joined again.
fn is_one_line(s: &str) -> bool {
    // Whether the byte before was a space, or there is none: a space there would be leading or
    // doubled.
    let mut after_space = true;
    for &b in s.as_bytes() {
        match b {
            b' ' if after_space => return false,
            b' ' => after_space = true,
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x80.. => return false,
            _ => after_space = false,
        }
    }
    // Empty, or ending in a space.
    !after_space
}

/// Multi-line markup: kept, or `fallback` when blank.
fn multiline(s: &str, fallback: &str) -> String {
    let t = s.trim();
    if t.is_empty() { fallback.to_string() } else { t.to_string() }
}

fn datetime(d: NaiveDate) -> String {
    format!("{}T00:00:00Z", d.format("%Y-%m-%d"))
}

/// A risk's `deadline` for a Scheduled Completion Date (C3, X8; see [`OscalDeadline`]).
fn deadline(d: NaiveDate, how: OscalDeadline) -> String {
    match how {
        // The day before, at its last second. `pred_opt` is `None` only at chrono's minimum date,
        // which no POA&M date reaches; midnight is the fallback there.
        OscalDeadline::BeforeDueDate => match d.pred_opt() {
            Some(before) => format!("{}T23:59:59Z", before.format("%Y-%m-%d")),
            None => datetime(d),
        },
        OscalDeadline::DueDateMidnight => datetime(d),
    }
}

fn prop(name: &str, value: &str) -> Value {
    to_value(&Prop::new(name, value))
}

fn rating_value(r: RiskRating) -> &'static str {
    match r {
        RiskRating::Low => "low",
        RiskRating::Moderate => "moderate",
        RiskRating::High => "high",
    }
}

fn deviation_value(f: DeviationFlag) -> Option<&'static str> {
    match f {
        DeviationFlag::No => None,
        DeviationFlag::Pending => Some("pending"),
        DeviationFlag::Yes => Some("approved"),
    }
}

struct Ids {
    ns: Uuid,
}

impl Ids {
    fn new(system: &str) -> Ids {
        let base = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://github.com/conmon/oscal-poam");
        Ids { ns: Uuid::new_v5(&base, system.as_bytes()) }
    }
    fn of(&self, kind: &str, key: &str) -> String {
        // The name `kind/key`, on the stack when it fits (POA&M IDs and asset names do).
        let mut buf = [0u8; 128];
        let n = kind.len() + 1 + key.len();
        let uuid = match buf.get_mut(..n) {
            Some(name) => {
                name[..kind.len()].copy_from_slice(kind.as_bytes());
                name[kind.len()] = b'/';
                name[kind.len() + 1..].copy_from_slice(key.as_bytes());
                Uuid::new_v5(&self.ns, name)
            }
            None => Uuid::new_v5(&self.ns, format!("{kind}/{key}").as_bytes()),
        };
        uuid.hyphenated().encode_lower(&mut Uuid::encode_buffer()).to_owned()
    }
}

// The parts of an item, typed. Each type declares its fields in alphabetical order (bytewise, as
// serde_json's `Value` orders its keys), so that an element written directly and the same element
// turned into a `Value` by `to_value` print the same text; `write_oscal` relies on it, and
// `oscal_written_in_pieces_is_the_built_document_byte_for_byte` checks it.

/// A FedRAMP prop.
#[derive(Serialize)]
struct Prop<'a> {
    name: &'a str,
    ns: &'static str,
    value: String,
}

impl<'a> Prop<'a> {
    /// The value as one trimmed line, `none` when blank.
    fn new(name: &'a str, value: &str) -> Prop<'a> {
        Prop { name, ns: FEDRAMP_NS, value: line(value, "none") }
    }
}

#[derive(Serialize)]
struct Actor<'a> {
    #[serde(rename = "actor-uuid")]
    actor_uuid: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Origin<'a> {
    actors: Vec<Actor<'a>>,
}

#[derive(Serialize)]
struct Subject<'a> {
    #[serde(rename = "subject-uuid")]
    subject_uuid: &'a str,
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Described {
    description: String,
}

#[derive(Serialize)]
struct Observation<'a> {
    collected: String,
    description: String,
    methods: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    origins: Option<[Origin<'a>; 1]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    #[serde(rename = "relevant-evidence", skip_serializing_if = "Option::is_none")]
    relevant_evidence: Option<[Described; 1]>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    subjects: &'a [Subject<'a>],
    title: String,
    types: [&'static str; 1],
    uuid: String,
}

#[derive(Serialize)]
struct Facet<'a> {
    name: &'static str,
    props: [Prop<'a>; 1],
    system: &'static str,
    value: &'static str,
}

#[derive(Serialize)]
struct Characterization<'a> {
    facets: Vec<Facet<'a>>,
    origin: Origin<'a>,
}

#[derive(Serialize)]
struct ObservationRef {
    #[serde(rename = "observation-uuid")]
    observation_uuid: String,
}

#[derive(Serialize)]
struct RiskRef {
    #[serde(rename = "risk-uuid")]
    risk_uuid: String,
}

#[derive(Serialize)]
struct MitigatingFactor {
    description: String,
    uuid: String,
}

#[derive(Serialize)]
struct OnDate {
    date: String,
}

#[derive(Serialize)]
struct Timing {
    #[serde(rename = "on-date")]
    on_date: OnDate,
}

#[derive(Serialize)]
struct Task {
    description: String,
    timing: Timing,
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
}

#[derive(Serialize)]
struct Remediation {
    description: String,
    lifecycle: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tasks: Vec<Task>,
    title: &'static str,
    uuid: String,
}

#[derive(Serialize)]
struct LogEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    start: String,
    #[serde(rename = "status-change", skip_serializing_if = "Option::is_none")]
    status_change: Option<&'static str>,
    title: String,
    uuid: String,
}

#[derive(Serialize)]
struct RiskLog<'a> {
    entries: Vec<LogEntry<'a>>,
}

#[derive(Serialize)]
struct ThreatId {
    id: String,
    system: &'static str,
}

#[derive(Serialize)]
struct Risk<'a> {
    characterizations: [Characterization<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    description: String,
    #[serde(rename = "mitigating-factors", skip_serializing_if = "Option::is_none")]
    mitigating_factors: Option<[MitigatingFactor; 1]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    #[serde(rename = "related-observations")]
    related_observations: [ObservationRef; 1],
    remediations: [Remediation; 2],
    #[serde(rename = "risk-log", skip_serializing_if = "Option::is_none")]
    risk_log: Option<RiskLog<'a>>,
    statement: String,
    status: &'static str,
    #[serde(rename = "threat-ids", skip_serializing_if = "Vec::is_empty")]
    threat_ids: Vec<ThreatId>,
    title: String,
    uuid: String,
}

/// An item's `poam-item`.
#[derive(Serialize)]
struct ItemEntry<'a> {
    description: String,
    props: [Prop<'a>; 1],
    #[serde(rename = "related-observations")]
    related_observations: Vec<ObservationRef>,
    #[serde(rename = "related-risks")]
    related_risks: [RiskRef; 1],
    title: String,
    uuid: String,
}

/// The likelihood and impact facets of a rating, in the state `initial` or `adjusted`.
fn facets(rating: RiskRating, state: &'static str) -> [Facet<'static>; 2] {
    ["likelihood", "impact"].map(|name| Facet {
        name,
        props: [Prop { name: "state", ns: FEDRAMP_NS, value: state.to_string() }],
        system: "https://fedramp.gov",
        value: rating_value(rating),
    })
}

/// The detector sources of an item, one per line of column E.
fn sources(item: &PoamItem) -> Vec<String> {
    let v: Vec<String> = item.weakness_detector_source.lines().map(|l| line(l, "")).filter(|l| !l.is_empty()).collect();
    if v.is_empty() { vec!["Unknown source".to_string()] } else { v }
}

/// The tool actors of an item: its detector sources' components.
fn tool_actors<'a>(sources: &[String], ctx: &'a Ctx<'_>) -> Vec<Actor<'a>> {
    sources.iter().filter_map(|s| ctx.tools.get(s)).map(|uuid| Actor { actor_uuid: uuid, kind: "tool" }).collect()
}

fn risk_status(item: &PoamItem) -> &'static str {
    if item.is_closed() {
        return "closed";
    }
    let flags = [item.risk_adjustment, item.false_positive, item.operational_requirement];
    if flags.contains(&DeviationFlag::Yes) {
        "deviation-approved"
    } else if flags.contains(&DeviationFlag::Pending) {
        "deviation-requested"
    } else {
        "open"
    }
}

/// What every item's parts are built from: the UUID namespace, the UUIDs of the tools (by
/// detector source) and of the assets (by identifier), both listed in `local-definitions`, and the
/// options. The maps are looked up once per asset of every item: hashed, not ordered; the
/// document lists their entries sorted ([`sorted`]).
struct Ctx<'a> {
    ids: Ids,
    tools: HashMap<String, String, FoldState>,
    assets: HashMap<&'a str, String, FoldState>,
    options: &'a OscalOptions,
}

type FoldState = foldhash::fast::RandomState;

impl<'a> Ctx<'a> {
    fn new(poam: &'a Poam, options: &'a OscalOptions) -> Ctx<'a> {
        let ids = Ids::new(&system_name(poam));
        let mut tools: HashMap<String, String, FoldState> = HashMap::default();
        let mut assets: HashMap<&'a str, String, FoldState> = HashMap::default();
        for item in poam.items() {
            for s in sources(item) {
                if let Entry::Vacant(tool) = tools.entry(s) {
                    let uuid = ids.of("tool", tool.key());
                    tool.insert(uuid);
                }
            }
            for a in &item.assets {
                assets.entry(a.identifier.as_str()).or_insert_with(|| ids.of("asset", &a.identifier));
            }
        }
        Ctx { ids, tools, assets, options }
    }
}

/// A map's entries in the order of their keys.
fn sorted<K: AsRef<str>>(map: &HashMap<K, String, FoldState>) -> Vec<(&str, &str)> {
    let mut entries: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
    entries.sort_unstable_by_key(|&(k, _)| k);
    entries
}

fn system_name(poam: &Poam) -> String {
    line(&poam.header.system_name, "Unnamed system")
}

/// An item's title and description, as its observation, risk and poam-item all give them.
fn title_and_description(item: &PoamItem) -> (String, String) {
    let title = line(&item.weakness_name, &line(&item.weakness_source_identifier, item.poam_id.as_str()));
    let description = multiline(&item.weakness_description, &title);
    (title, description)
}

/// An item's observations, each passed to `emit`: the detection, then one per deviation
/// ([`deviation_observations`]).
fn item_observations<E>(
    item: &PoamItem,
    ctx: &Ctx<'_>,
    emit: &mut impl FnMut(&Observation<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let key = item.poam_id.as_str();
    let (title, description) = title_and_description(item);
    let sources = sources(item);
    let method = if sources.iter().any(|s| s.to_ascii_lowercase().contains("assessment")) { "EXAMINE" } else { "TEST" };
    let subjects: Vec<Subject<'_>> = item
        .assets
        .iter()
        .filter_map(|a| {
            let uuid = ctx.assets.get(a.identifier.as_str())?;
            let title = a.to_string();
            let title = if is_one_line(&title) { title } else { line(&title, &a.identifier) };
            Some(Subject { subject_uuid: uuid, title, kind: "inventory-item" })
        })
        .collect();
    let props = if item.weakness_source_identifier.trim().is_empty() {
        Vec::new()
    } else {
        vec![Prop::new("scanner-vulnerability-id", &item.weakness_source_identifier)]
    };
    emit(&Observation {
        collected: datetime(item.original_detection_date),
        description,
        methods: [method],
        origins: Some([Origin { actors: tool_actors(&sources, ctx) }]),
        props,
        relevant_evidence: None,
        subjects: &subjects,
        title,
        types: ["finding"],
        uuid: ctx.ids.of("observation", key),
    })?;
    deviation_observations(item, &ctx.ids, &subjects, emit)
}

/// An item's risk.
fn item_risk<'a>(item: &'a PoamItem, ctx: &'a Ctx<'_>) -> Risk<'a> {
    let (ids, options) = (&ctx.ids, ctx.options);
    let key = item.poam_id.as_str();
    let (title, description) = title_and_description(item);
    let mut props: Vec<Prop<'a>> = item
        .controls
        .split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Prop::new("impacted-control-id", &c.to_ascii_lowercase()))
        .collect();
    for (name, flag) in [
        ("risk-adjustment", item.risk_adjustment),
        ("false-positive", item.false_positive),
        ("operational-requirement", item.operational_requirement),
    ] {
        if let Some(v) = deviation_value(flag) {
            props.push(Prop::new(name, v));
        }
    }
    if item.vendor_dependency {
        props.push(Prop::new("vendor-dependency", if item.is_closed() { "resolved" } else { "tracking" }));
        if let Some(p) = &item.vendor_dependent_product_name {
            props.push(Prop::new("vendor-dependent-product", p));
        }
    }
    if item.kev {
        props.push(Prop::new("kev-catalog", "yes"));
        if let Some(d) = item.kev_due_date {
            props.push(Prop::new("kev-due-date", &d.to_string()));
        }
    }
    let mut characterization_facets = Vec::from(facets(item.original_risk_rating, "initial"));
    if item.risk_adjustment == DeviationFlag::Yes
        && let Some(adj) = item.adjusted_risk_rating
    {
        characterization_facets.extend(facets(adj, "adjusted"));
    }
    // A threat id is a URI: the CVE record's address.
    let threat_ids: Vec<ThreatId> = item
        .cves
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|c| ThreatId { id: format!("https://www.cve.org/CVERecord?id={c}"), system: "https://www.cve.org" })
        .collect();
    // A risk adjustment needs at least one mitigating factor (R9.4): the rationale (column X),
    // or a pointer to the deviation request when X is blank (which validation reports).
    let mitigating_factors = (item.risk_adjustment != DeviationFlag::No).then(|| {
        let rationale = item.deviation_rationale.as_deref().unwrap_or_default();
        [MitigatingFactor {
            description: multiline(rationale, "See the deviation request."),
            uuid: ids.of("mitigating-factor", key),
        }]
    });
    let plan = || multiline(&item.overall_remediation_plan, "Remediate the weakness on every affected asset.");
    let tasks: Vec<Task> = item
        .planned_milestones
        .iter()
        .map(|m| Task {
            description: multiline(&m.description, "Milestone"),
            timing: Timing { on_date: OnDate { date: datetime(m.date) } },
            title: format!("Milestone {}", m.number),
            kind: "milestone",
            uuid: ids.of(&format!("milestone-{}", m.number), key),
        })
        .collect();
    let remediations = [
        Remediation {
            description: plan(),
            lifecycle: "recommendation",
            tasks: Vec::new(),
            title: "Recommended remediation",
            uuid: ids.of("recommendation", key),
        },
        Remediation {
            description: plan(),
            lifecycle: "planned",
            tasks,
            title: "Remediation plan",
            uuid: ids.of("planned", key),
        },
    ];
    let mut log: Vec<LogEntry<'a>> = item
        .milestone_changes
        .iter()
        .enumerate()
        .map(|(i, c)| LogEntry {
            description: Some(multiline(&c.to_string(), "Milestone change")),
            props: Vec::new(),
            start: datetime(c.date),
            status_change: None,
            title: line(&format!("Milestone {} change", c.number), "Milestone change"),
            uuid: ids.of(&format!("milestone-change-{i}"), key),
        })
        .collect();
    if item.vendor_dependency
        && let Some(d) = item.last_vendor_check_in_date
    {
        log.push(LogEntry {
            description: None,
            props: vec![Prop::new("vendor-dependency", "vendor-check-in")],
            start: datetime(d),
            status_change: None,
            title: "Vendor Check-in".to_string(),
            uuid: ids.of("vendor-check-in", key),
        });
    }
    if let Some(c) = &item.closure {
        log.push(LogEntry {
            description: None,
            props: Vec::new(),
            start: datetime(c.date),
            status_change: Some("closed"),
            title: "Closed".to_string(),
            uuid: ids.of("closure", key),
        });
    }
    Risk {
        characterizations: [Characterization {
            facets: characterization_facets,
            origin: Origin { actors: tool_actors(&sources(item), ctx) },
        }],
        deadline: item.scheduled_completion_date.map(|d| deadline(d, options.deadline)),
        statement: multiline(&item.overall_remediation_plan, &description),
        description,
        mitigating_factors,
        props,
        related_observations: [ObservationRef { observation_uuid: ids.of("observation", key) }],
        remediations,
        risk_log: (!log.is_empty()).then_some(RiskLog { entries: log }),
        status: risk_status(item),
        threat_ids,
        title,
        uuid: ids.of("risk", key),
    }
}

/// An item's `poam-item`. It relates to the item's detection and to each deviation's observation
/// (their UUIDs as [`item_observations`] gives them); the risk relates only to the detection,
/// whose `collected` FedRAMP's timeliness check reads.
fn item_entry<'a>(item: &'a PoamItem, ctx: &Ctx<'_>) -> ItemEntry<'a> {
    let ids = &ctx.ids;
    let key = item.poam_id.as_str();
    let (title, description) = title_and_description(item);
    let related_observations = std::iter::once(ids.of("observation", key))
        .chain(deviation_kinds(item).map(|kind| ids.of(&format!("observation-{kind}"), key)))
        .map(|observation_uuid| ObservationRef { observation_uuid })
        .collect();
    ItemEntry {
        description,
        props: [Prop::new("POAM-ID", key)],
        related_observations,
        related_risks: [RiskRef { risk_uuid: ids.of("risk", key) }],
        title,
        uuid: ids.of("poam-item", key),
    }
}

/// The kinds of deviation observation an item has, in the order [`deviation_observations`]
/// writes them.
fn deviation_kinds(item: &PoamItem) -> impl Iterator<Item = &'static str> {
    [
        ("risk-adjustment", item.risk_adjustment),
        ("false-positive", item.false_positive),
        ("operational-requirement", item.operational_requirement),
    ]
    .into_iter()
    .filter(|(_, flag)| deviation_value(*flag).is_some())
    .map(|(kind, _)| kind)
    .chain(item.vendor_dependency.then_some("vendor-dependency"))
}

/// One observation per deviation the item carries, each passed to `emit` (R9.4 observation types,
/// as in FedRAMP's OSCAL POA&M template): a risk adjustment, false positive or operational
/// requirement that is pending or approved (method `EXAMINE`, the rationale of column X, the
/// supporting documents of column Y as evidence), and a vendor dependency (method `INTERVIEW`,
/// the product and the last check-in). `collected`: the RA's approval date, the last vendor
/// check-in, else the Status Date, else the detection date.
fn deviation_observations<E>(
    item: &PoamItem,
    ids: &Ids,
    subjects: &[Subject<'_>],
    emit: &mut impl FnMut(&Observation<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let key = item.poam_id.as_str();
    let rationale = item.deviation_rationale.as_deref().unwrap_or_default();
    let fallback = item.status_date.unwrap_or(item.original_detection_date);
    for (kind, title, flag, date) in [
        ("risk-adjustment", "Risk Adjustment", item.risk_adjustment, item.risk_adjustment_approved_date),
        ("false-positive", "False Positive", item.false_positive, None),
        ("operational-requirement", "Operational Requirement", item.operational_requirement, None),
    ] {
        if deviation_value(flag).is_none() {
            continue;
        }
        let evidence = item.supporting_documents.as_deref().filter(|d| !d.trim().is_empty());
        emit(&Observation {
            collected: datetime(date.unwrap_or(fallback)),
            description: multiline(rationale, "See the deviation request."),
            methods: ["EXAMINE"],
            origins: None,
            props: Vec::new(),
            relevant_evidence: evidence
                .map(|docs| [Described { description: multiline(docs, "Supporting documents") }]),
            subjects: &[],
            title: title.to_string(),
            types: [kind],
            uuid: ids.of(&format!("observation-{kind}"), key),
        })?;
    }
    if item.vendor_dependency {
        let product = item.vendor_dependent_product_name.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let mut description = match product {
            Some(p) => format!("Vendor dependency: {p}."),
            None => "Vendor dependency.".to_string(),
        };
        if let Some(d) = item.last_vendor_check_in_date {
            description.push_str(&format!(" Last vendor check-in {d}."));
        }
        emit(&Observation {
            collected: datetime(item.last_vendor_check_in_date.unwrap_or(fallback)),
            description,
            methods: ["INTERVIEW"],
            origins: None,
            props: Vec::new(),
            relevant_evidence: None,
            subjects,
            title: "Vendor Dependency".to_string(),
            types: ["vendor-dependency"],
            uuid: ids.of("observation-vendor-dependency", key),
        })?;
    }
    Ok(())
}

/// Builds the OSCAL POA&M document. [`write_oscal`] writes the same document without holding it.
pub fn to_oscal(poam: &Poam, options: &OscalOptions) -> Value {
    build(poam, &Ctx::new(poam, options))
}

/// An element as a `Value`. Serialising these types cannot fail: every key is a string and no
/// field has a serialiser of its own that could fail.
fn to_value(element: &impl Serialize) -> Value {
    serde_json::to_value(element).unwrap_or(Value::Null)
}

/// [`to_oscal`] with its context made.
fn build(poam: &Poam, ctx: &Ctx<'_>) -> Value {
    let n = poam.items().count();
    let (mut observations, mut risks, mut items) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for item in poam.items() {
        item_observations(item, ctx, &mut |o| {
            observations.push(to_value(o));
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
        risks.push(to_value(&item_risk(item, ctx)));
        items.push(to_value(&item_entry(item, ctx)));
    }
    let observed = (!observations.is_empty()).then_some((Value::Array(observations), Value::Array(risks)));
    document(poam, ctx, Value::Array(items), observed)
}
/// The document around its three item arrays: `poam_items`, and `observations` and `risks` when
/// there are any (both values are moved in).
fn document(poam: &Poam, ctx: &Ctx<'_>, poam_items: Value, observed: Option<(Value, Value)>) -> Value {
    let (ids, options) = (&ctx.ids, ctx.options);
    let system = system_name(poam);
    let date = poam.header.poam_date.unwrap_or_default();
    let components: Vec<Value> = sorted(&ctx.tools)
        .into_iter()
        .map(|(name, uuid)| {
            json!({
                "uuid": uuid,
                "type": "software",
                "title": name,
                "description": format!("Weakness detector source: {name}"),
                "status": { "state": "operational" },
            })
        })
        .collect();
    let inventory: Vec<Value> = sorted(&ctx.assets)
        .into_iter()
        .map(|(id, uuid)| {
            json!({
                "uuid": uuid,
                "description": line(id, "asset"),
                "props": [{ "name": "asset-id", "value": line(id, "asset") }],
            })
        })
        .collect();
    let mut metadata = json!({
        "title": format!("{system} FedRAMP Plan of Action and Milestones (POA&M)"),
        "last-modified": datetime(date),
        "version": date.to_string(),
        "oscal-version": options.oscal_version,
    });
    if !poam.header.csp.trim().is_empty() {
        let party = ids.of("party", &poam.header.csp);
        metadata["roles"] = json!([{ "id": "cloud-service-provider", "title": "Cloud Service Provider" }]);
        metadata["parties"] = json!([{ "uuid": party, "type": "organization", "name": line(&poam.header.csp, "CSP") }]);
        metadata["responsible-parties"] = json!([{ "role-id": "cloud-service-provider", "party-uuids": [party] }]);
    }
    let mut local = json!({});
    if !components.is_empty() {
        local["components"] = Value::Array(components);
    }
    if !inventory.is_empty() {
        local["inventory-items"] = Value::Array(inventory);
    }
    // The SSP this POA&M belongs to (FedRAMP's Schematron requires `import-ssp`, pointing into
    // the back matter: `has-import-ssp`, `has-import-ssp-internal-href`).
    let system_id = line(options.fedramp_id.as_deref().unwrap_or(&system), "unknown");
    let ssp = match options.ssp_href.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(href) => {
            let media = if href.to_ascii_lowercase().ends_with(".xml") { "text/xml" } else { "application/json" };
            json!({
                "uuid": ids.of("ssp", href),
                "title": format!("{system} System Security Plan"),
                "props": [prop("type", "system-security-plan")],
                "rlinks": [{ "href": href, "media-type": media }],
            })
        }
        None => json!({
            "uuid": ids.of("no-oscal-ssp", &system),
            "title": system,
            "description": format!("{system}: no OSCAL system security plan was linked to this POA&M."),
            "props": [prop("type", "no-oscal-ssp"), prop("system-id", &system_id)],
        }),
    };
    // Large values are moved into the document: `json!` would copy each one it interpolates.
    let mut doc = json!({
        "uuid": ids.of("poam", &date.to_string()),
        "import-ssp": { "href": format!("#{}", ssp["uuid"].as_str().unwrap_or_default()) },
        "system-id": {
            "identifier-type": "https://fedramp.gov",
            "id": system_id,
        },
        "back-matter": { "resources": [ssp] },
    });
    doc["metadata"] = metadata;
    doc["poam-items"] = poam_items;
    if local.as_object().is_some_and(|o| !o.is_empty()) {
        doc["local-definitions"] = local;
    }
    if let Some((observations, risks)) = observed {
        doc["observations"] = observations;
        doc["risks"] = risks;
    }
    let mut root = serde_json::Map::new();
    root.insert("plan-of-action-and-milestones".to_string(), doc);
    Value::Object(root)
}

/// The item arrays [`write_oscal`] writes one element at a time.
#[derive(Clone, Copy)]
enum Part {
    Observations,
    Risks,
    PoamItems,
}

impl Part {
    /// The string [`write_oscal`] puts where the array goes before it writes the rest of the
    /// document (NUL bytes, which serde_json writes as `\u0000`, keep it apart from any text a
    /// POA&M holds; it is checked to occur once).
    fn marker(self) -> &'static str {
        match self {
            Part::Observations => "\0conmon-oscal-observations\0",
            Part::Risks => "\0conmon-oscal-risks\0",
            Part::PoamItems => "\0conmon-oscal-poam-items\0",
        }
    }
}

/// Writes the OSCAL POA&M JSON to `writer`: the text `serde_json::to_writer_pretty` gives for
/// [`to_oscal`], byte for byte, without building the document. The document around the item
/// arrays is built with a marker in place of each array, written, and each array is written where
/// its marker is, one element at a time (each pretty-printed from its own depth, [`Pretty`]).
/// Memory stays at one element's, where the whole document took several times the size of its
/// text.
///
/// # Errors
/// An I/O error of `writer`.
pub fn write_oscal<W: Write>(poam: &Poam, options: &OscalOptions, mut writer: W, label: &str) -> Result<()> {
    let failed =
        |e: &dyn std::fmt::Display| Error::invalid(format!("writing OSCAL failed: {e}")).at(Location::file(label));
    let ctx = Ctx::new(poam, options);
    let whole = |writer: W| serde_json::to_writer_pretty(writer, &build(poam, &ctx)).map_err(|e| failed(&e));
    if poam.items().next().is_none() {
        return whole(writer);
    }
    let marker = |part: Part| Value::String(part.marker().to_string());
    let frame = document(poam, &ctx, marker(Part::PoamItems), Some((marker(Part::Observations), marker(Part::Risks))));
    let text = serde_json::to_string_pretty(&frame).map_err(|e| failed(&e))?;
    let mut places = Vec::with_capacity(3);
    for part in [Part::Observations, Part::Risks, Part::PoamItems] {
        let quoted = serde_json::to_string(part.marker()).map_err(|e| failed(&e))?;
        let mut found = text.match_indices(quoted.as_str());
        match (found.next(), found.next()) {
            (Some((at, _)), None) => places.push((at, quoted.len(), part)),
            // A POA&M text holding a marker: build the document instead.
            _ => return whole(writer),
        }
    }
    places.sort_by_key(|&(at, ..)| at);
    let mut from = 0;
    for (at, len, part) in places {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        // Two spaces a level.
        let level = text[line_start..].bytes().take_while(|&b| b == b' ').count() / 2;
        writer.write_all(&text.as_bytes()[from..at]).map_err(|e| failed(&e))?;
        write_array(&mut writer, level, poam, &ctx, part).map_err(|e| failed(&e))?;
        from = at + len;
    }
    writer.write_all(&text.as_bytes()[from..]).map_err(|e| failed(&e))
}

/// Writes the array `part` as the pretty printer would as the value of a key `level` levels in.
fn write_array<W: Write>(w: &mut W, level: usize, poam: &Poam, ctx: &Ctx<'_>, part: Part) -> std::io::Result<()> {
    use serde_json::ser::Formatter;
    let mut array = Pretty { level, has_value: false };
    array.begin_array(w)?;
    for item in poam.items() {
        match part {
            Part::Observations => item_observations(item, ctx, &mut |o| array.element(w, o))?,
            Part::Risks => array.element(w, &item_risk(item, ctx))?,
            Part::PoamItems => array.element(w, &item_entry(item, ctx))?,
        }
    }
    array.end_array(w)
}

/// serde_json's pretty printing (`PrettyFormatter`: two spaces a level, `": "` after a key, an
/// empty array or object as `[]` or `{}`), starting `level` levels in, so that a value written
/// alone lands where it would inside the whole document.
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    fn pad<W: ?Sized + Write>(w: &mut W, level: usize) -> std::io::Result<()> {
        const SPACES: &[u8; 64] = &[b' '; 64];
        let mut n = level * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            Pretty::pad(w, self.level)?;
        }
        w.write_all(bracket)
    }

    fn next<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        Pretty::pad(w, self.level)
    }

    /// Writes `element` as the next value of the array this formatter has begun, printed from
    /// the array's depth as its own value would be.
    fn element<W: Write>(&mut self, w: &mut W, element: &impl Serialize) -> std::io::Result<()> {
        use serde_json::ser::Formatter;
        self.begin_array_value(w, !self.has_value)?;
        let inner = Pretty { level: self.level, has_value: false };
        element.serialize(&mut serde_json::Serializer::with_formatter(&mut *w, inner))?;
        self.end_array_value(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.next(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.next(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes the OSCAL POA&M JSON to `path` atomically.
///
/// # Errors
/// As [`write_oscal`]; the previous file is kept on failure.
pub fn write_oscal_file(poam: &Poam, options: &OscalOptions, path: &Path) -> Result<()> {
    let label = path.display().to_string();
    super::atomic::write_file(path, |w| write_oscal(poam, options, w, &label))
}

#[cfg(test)]
mod tests {
    use super::{Ids, is_one_line, line};
    use uuid::Uuid;

    #[test]
    fn an_id_is_the_v5_uuid_of_kind_slash_key_however_long_the_key() {
        let ids = Ids::new("System");
        for key in ["V-1".to_string(), "x".repeat(123), "x".repeat(124), "\u{e9}".repeat(200)] {
            let expected = Uuid::new_v5(&ids.ns, format!("risk/{key}").as_bytes()).to_string();
            assert_eq!(ids.of("risk", &key), expected, "{} bytes", key.len());
        }
        // The namespace is fixed: the same system gives its items the same UUIDs every month.
        assert_eq!(Ids::new("System").of("risk", "V-1"), ids.of("risk", "V-1"));
        assert_ne!(Ids::new("Other").of("risk", "V-1"), ids.of("risk", "V-1"));
    }

    #[test]
    fn a_line_is_copied_only_when_splitting_would_not_change_it() {
        for s in [
            "",
            " ",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "a\nb",
            "a\rb",
            "a\x0bb",
            "a\x0cb",
            "caf\u{e9} au lait",
            "a\u{a0}b",
            "a\u{85}b",
            "a\u{2003}b",
            "CVE-2024-1234 on host-1.example.com:443",
            "x\u{0}y",
        ] {
            let slow = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(
                line(s, "fallback"),
                if slow.is_empty() { "fallback".to_string() } else { slow.clone() },
                "{s:?}"
            );
            if is_one_line(s) {
                assert_eq!(s, slow, "{s:?}");
            }
        }
        assert!(is_one_line("a b") && is_one_line("CVE-2024-1234 on host-1.example.com:443"));
        assert!(!is_one_line("") && !is_one_line("a  b") && !is_one_line("caf\u{e9}"));
    }
}
