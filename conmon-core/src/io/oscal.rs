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

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
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
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.is_empty() { fallback.to_string() } else { one }
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
    json!({ "name": name, "ns": FEDRAMP_NS, "value": line(value, "none") })
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
        let mut name = String::with_capacity(kind.len() + key.len() + 1);
        name.push_str(kind);
        name.push('/');
        name.push_str(key);
        Uuid::new_v5(&self.ns, name.as_bytes()).to_string()
    }
}

fn facets(rating: RiskRating, state: &str) -> Vec<Value> {
    ["likelihood", "impact"]
        .iter()
        .map(|name| {
            json!({
                "name": name,
                "system": "https://fedramp.gov",
                "value": rating_value(rating),
                "props": [{ "name": "state", "ns": FEDRAMP_NS, "value": state }]
            })
        })
        .collect()
}

/// The detector sources of an item, one per line of column E.
fn sources(item: &PoamItem) -> Vec<String> {
    let v: Vec<String> = item.weakness_detector_source.lines().map(|l| line(l, "")).filter(|l| !l.is_empty()).collect();
    if v.is_empty() { vec!["Unknown source".to_string()] } else { v }
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

/// What every item's parts are built from: the UUID namespace, the UUIDs of the tools and of the
/// assets (both listed in `local-definitions`), and the options.
struct Ctx<'a> {
    ids: Ids,
    tools: BTreeMap<String, String>,
    assets: BTreeMap<String, String>,
    options: &'a OscalOptions,
}

impl Ctx<'_> {
    fn new<'a>(poam: &Poam, options: &'a OscalOptions) -> Ctx<'a> {
        let ids = Ids::new(&system_name(poam));
        let mut tools: BTreeMap<String, String> = BTreeMap::new();
        let mut assets: BTreeMap<String, String> = BTreeMap::new();
        for item in poam.items() {
            for s in sources(item) {
                let uuid = ids.of("tool", &s);
                tools.entry(s).or_insert(uuid);
            }
            for a in &item.assets {
                if !assets.contains_key(a.identifier.as_str()) {
                    assets.insert(String::from(a.identifier.as_str()), ids.of("asset", &a.identifier));
                }
            }
        }
        Ctx { ids, tools, assets, options }
    }
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

/// An item's observations: the detection, then one per deviation ([`deviation_observations`]).
fn item_observations(item: &PoamItem, ctx: &Ctx<'_>) -> Vec<Value> {
    let (ids, tools, assets) = (&ctx.ids, &ctx.tools, &ctx.assets);
    let key = item.poam_id.as_str();
    let obs_id = ids.of("observation", key);
    let (title, description) = title_and_description(item);
    let actors: Vec<Value> = sources(item)
        .iter()
        .filter_map(|s| tools.get(s))
        .map(|uuid| json!({ "type": "tool", "actor-uuid": uuid }))
        .collect();
    let method =
        if sources(item).iter().any(|s| s.to_ascii_lowercase().contains("assessment")) { "EXAMINE" } else { "TEST" };
    let subjects: Vec<Value> = item
        .assets
        .iter()
        .filter_map(|a| {
            let uuid = assets.get(a.identifier.as_str())?;
            Some(
                json!({ "subject-uuid": uuid, "type": "inventory-item", "title": line(&a.to_string(), &a.identifier) }),
            )
        })
        .collect();
    let mut observation = json!({
        "uuid": obs_id,
        "title": title,
        "description": description,
        "methods": [method],
        "types": ["finding"],
        "origins": [{ "actors": actors }],
        "collected": datetime(item.original_detection_date),
    });
    if !subjects.is_empty() {
        observation["subjects"] = Value::Array(subjects.clone());
    }
    if !item.weakness_source_identifier.trim().is_empty() {
        observation["props"] = json!([prop("scanner-vulnerability-id", &item.weakness_source_identifier)]);
    }
    let mut observations = vec![observation];
    observations.extend(deviation_observations(item, ids, &subjects));
    observations
}

/// An item's risk.
fn item_risk(item: &PoamItem, ctx: &Ctx<'_>) -> Value {
    let (ids, tools, options) = (&ctx.ids, &ctx.tools, ctx.options);
    let key = item.poam_id.as_str();
    let (obs_id, risk_id) = (ids.of("observation", key), ids.of("risk", key));
    let (title, description) = title_and_description(item);
    let mut props: Vec<Value> = item
        .controls
        .split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| prop("impacted-control-id", &c.to_ascii_lowercase()))
        .collect();
    for (name, flag) in [
        ("risk-adjustment", item.risk_adjustment),
        ("false-positive", item.false_positive),
        ("operational-requirement", item.operational_requirement),
    ] {
        if let Some(v) = deviation_value(flag) {
            props.push(prop(name, v));
        }
    }
    if item.vendor_dependency {
        props.push(prop("vendor-dependency", if item.is_closed() { "resolved" } else { "tracking" }));
        if let Some(p) = &item.vendor_dependent_product_name {
            props.push(prop("vendor-dependent-product", p));
        }
    }
    if item.kev {
        props.push(prop("kev-catalog", "yes"));
        if let Some(d) = item.kev_due_date {
            props.push(prop("kev-due-date", &d.to_string()));
        }
    }
    let mut characterization_facets = facets(item.original_risk_rating, "initial");
    if item.risk_adjustment == DeviationFlag::Yes
        && let Some(adj) = item.adjusted_risk_rating
    {
        characterization_facets.extend(facets(adj, "adjusted"));
    }
    let tool_actors: Vec<Value> = sources(item)
        .iter()
        .filter_map(|s| tools.get(s))
        .map(|uuid| json!({ "type": "tool", "actor-uuid": uuid }))
        .collect();
    let mut risk = json!({
        "uuid": risk_id,
        "title": title,
        "description": description,
        "statement": multiline(&item.overall_remediation_plan, &description),
        "status": risk_status(item),
        "characterizations": [{ "origin": { "actors": tool_actors }, "facets": characterization_facets }],
        "related-observations": [{ "observation-uuid": obs_id }],
    });
    if !props.is_empty() {
        risk["props"] = Value::Array(props);
    }
    if !item.cves.is_empty() {
        // A threat id is a URI: the CVE record's address.
        let ids: Vec<Value> = item
            .cves
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(|c| json!({ "system": "https://www.cve.org", "id": format!("https://www.cve.org/CVERecord?id={c}") }))
            .collect();
        if !ids.is_empty() {
            risk["threat-ids"] = Value::Array(ids);
        }
    }
    if let Some(d) = item.scheduled_completion_date {
        risk["deadline"] = json!(deadline(d, options.deadline));
    }
    // A risk adjustment needs at least one mitigating factor (R9.4):
    // the rationale (column X), or a pointer to the deviation request when X is blank (which
    // validation reports).
    if item.risk_adjustment != DeviationFlag::No {
        let rationale = item.deviation_rationale.as_deref().unwrap_or_default();
        risk["mitigating-factors"] = json!([{ "uuid": ids.of("mitigating-factor", key), "description": multiline(rationale, "See the deviation request.") }]);
    }
    let mut remediations = vec![json!({
        "uuid": ids.of("recommendation", key),
        "lifecycle": "recommendation",
        "title": "Recommended remediation",
        "description": multiline(&item.overall_remediation_plan, "Remediate the weakness on every affected asset."),
    })];
    let tasks: Vec<Value> = item
        .planned_milestones
        .iter()
        .map(|m| {
            json!({
                "uuid": ids.of(&format!("milestone-{}", m.number), key),
                "type": "milestone",
                "title": format!("Milestone {}", m.number),
                "description": multiline(&m.description, "Milestone"),
                "timing": { "on-date": { "date": datetime(m.date) } },
            })
        })
        .collect();
    let mut planned = json!({
        "uuid": ids.of("planned", key),
        "lifecycle": "planned",
        "title": "Remediation plan",
        "description": multiline(&item.overall_remediation_plan, "Remediate the weakness on every affected asset."),
    });
    if !tasks.is_empty() {
        planned["tasks"] = Value::Array(tasks);
    }
    remediations.push(planned);
    risk["remediations"] = Value::Array(remediations);
    let mut log: Vec<Value> = item
        .milestone_changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "uuid": ids.of(&format!("milestone-change-{i}"), key),
                "title": line(&format!("Milestone {} change", c.number), "Milestone change"),
                "description": multiline(&c.to_string(), "Milestone change"),
                "start": datetime(c.date),
            })
        })
        .collect();
    if item.vendor_dependency
        && let Some(d) = item.last_vendor_check_in_date
    {
        log.push(json!({
            "uuid": ids.of("vendor-check-in", key),
            "title": "Vendor Check-in",
            "start": datetime(d),
            "props": [prop("vendor-dependency", "vendor-check-in")],
        }));
    }
    if let Some(c) = &item.closure {
        log.push(json!({
            "uuid": ids.of("closure", key),
            "title": "Closed",
            "start": datetime(c.date),
            "status-change": "closed",
        }));
    }
    if !log.is_empty() {
        risk["risk-log"] = json!({});
        risk["risk-log"]["entries"] = Value::Array(log);
    }
    risk
}

/// An item's `poam-item`. It relates to the item's detection and to each deviation's observation
/// (their UUIDs as [`item_observations`] gives them); the risk relates only to the detection,
/// whose `collected` FedRAMP's timeliness check reads.
fn item_entry(item: &PoamItem, ctx: &Ctx<'_>) -> Value {
    let ids = &ctx.ids;
    let key = item.poam_id.as_str();
    let (risk_id, item_id) = (ids.of("risk", key), ids.of("poam-item", key));
    let (title, description) = title_and_description(item);
    let related: Vec<Value> = std::iter::once(ids.of("observation", key))
        .chain(deviation_kinds(item).map(|kind| ids.of(&format!("observation-{kind}"), key)))
        .map(|uuid| json!({ "observation-uuid": uuid }))
        .collect();
    json!({
        "uuid": item_id,
        "title": title,
        "description": description,
        "props": [prop("POAM-ID", key)],
        "related-observations": related,
        "related-risks": [{ "risk-uuid": risk_id }],
    })
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

/// One observation per deviation the item carries (R9.4 observation types, as in FedRAMP's OSCAL
/// POA&M template): a risk adjustment, false positive or operational requirement that is
/// pending or approved (method `EXAMINE`, the rationale of column X, the supporting documents of
/// column Y as evidence), and a vendor dependency (method `INTERVIEW`, the product and the last
/// check-in). `collected`: the RA's approval date, the last vendor check-in, else the Status
/// Date, else the detection date.
fn deviation_observations(item: &PoamItem, ids: &Ids, subjects: &[Value]) -> Vec<Value> {
    let key = item.poam_id.as_str();
    let rationale = item.deviation_rationale.as_deref().unwrap_or_default();
    let fallback = item.status_date.unwrap_or(item.original_detection_date);
    let mut out = Vec::new();
    for (kind, title, flag, date) in [
        ("risk-adjustment", "Risk Adjustment", item.risk_adjustment, item.risk_adjustment_approved_date),
        ("false-positive", "False Positive", item.false_positive, None),
        ("operational-requirement", "Operational Requirement", item.operational_requirement, None),
    ] {
        if deviation_value(flag).is_none() {
            continue;
        }
        let mut o = json!({
            "uuid": ids.of(&format!("observation-{kind}"), key),
            "title": title,
            "description": multiline(rationale, "See the deviation request."),
            "methods": ["EXAMINE"],
            "types": [kind],
            "collected": datetime(date.unwrap_or(fallback)),
        });
        if let Some(docs) = item.supporting_documents.as_deref().filter(|d| !d.trim().is_empty()) {
            o["relevant-evidence"] = json!([{ "description": multiline(docs, "Supporting documents") }]);
        }
        out.push(o);
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
        let mut o = json!({
            "uuid": ids.of("observation-vendor-dependency", key),
            "title": "Vendor Dependency",
            "description": description,
            "methods": ["INTERVIEW"],
            "types": ["vendor-dependency"],
            "collected": datetime(item.last_vendor_check_in_date.unwrap_or(fallback)),
        });
        if !subjects.is_empty() {
            o["subjects"] = Value::Array(subjects.to_vec());
        }
        out.push(o);
    }
    out
}

/// Builds the OSCAL POA&M document. [`write_oscal`] writes the same document without holding it.
pub fn to_oscal(poam: &Poam, options: &OscalOptions) -> Value {
    build(poam, &Ctx::new(poam, options))
}

/// [`to_oscal`] with its context made.
fn build(poam: &Poam, ctx: &Ctx<'_>) -> Value {
    let n = poam.items().count();
    let (mut observations, mut risks, mut items) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for item in poam.items() {
        observations.extend(item_observations(item, ctx));
        risks.push(item_risk(item, ctx));
        items.push(item_entry(item, ctx));
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
    let components: Vec<Value> = ctx
        .tools
        .iter()
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
    let inventory: Vec<Value> = ctx
        .assets
        .iter()
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
    use serde::Serialize;
    use serde_json::ser::Formatter;
    let mut array = Pretty { level, has_value: false };
    array.begin_array(w)?;
    let mut first = true;
    let mut element = |w: &mut W, value: &Value| -> std::io::Result<()> {
        array.begin_array_value(w, first)?;
        first = false;
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut *w,
            Pretty { level: level + 1, has_value: false },
        ))?;
        array.end_array_value(w)
    };
    for item in poam.items() {
        match part {
            Part::Observations => {
                for o in item_observations(item, ctx) {
                    element(w, &o)?;
                }
            }
            Part::Risks => element(w, &item_risk(item, ctx))?,
            Part::PoamItems => element(w, &item_entry(item, ctx))?,
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
