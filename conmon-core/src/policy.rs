//! The one [`Policy`] value: which FedRAMP regime applies and how every ambiguous rule is settled.
//!
//! A policy starts from a named preset ([`PRESETS`]) and may override any option from a TOML or
//! JSON file:
//!
//! ```toml
//! preset = "fedramp_rev5"
//! kev_policy = "supersede"
//! due_soon_days = 14
//! [rev5_sla_days]
//! low = 120
//! ```
//!
//! Unknown keys are errors that name the key, the file and its line. Each option is documented
//! on its field and in `DESIGN.md` with the rule it settles.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::model::RiskRating;
use crate::zone::Zone;

/// Which FedRAMP process governs the system's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Legacy Rev5 ConMon: POA&M workbook, 30/90/180 calendar days from detection (section 1).
    Rev5,
    /// Vulnerability Detection and Response: N-ratings, IRV/LEV tables in hours from evaluation,
    /// accepted vulnerabilities after 192 days (section 2).
    Vdr,
}

/// VDR impact level or 2026 class. Class A and B use the Low table, C the Moderate, D the High
/// (section 2.2); evaluation deadlines differ between levels and classes (R2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VdrLevel {
    /// FedRAMP Low.
    Low,
    /// FedRAMP Moderate.
    Moderate,
    /// FedRAMP High.
    High,
    /// 2026 Class A.
    ClassA,
    /// 2026 Class B.
    ClassB,
    /// 2026 Class C.
    ClassC,
    /// 2026 Class D.
    ClassD,
}

/// Rev5 remediation timeframes in calendar days from the clock start (R1.1, R1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rev5SlaDays {
    /// High (and Critical): 30.
    pub high: u32,
    /// Moderate: 90.
    pub moderate: u32,
    /// Low: 180.
    pub low: u32,
}

impl Rev5SlaDays {
    /// Days for a rating.
    pub fn days(&self, rating: RiskRating) -> u32 {
        match rating {
            RiskRating::High => self.high,
            RiskRating::Moderate => self.moderate,
            RiskRating::Low => self.low,
        }
    }
}

/// Which scan findings go on the POA&M (R1.9, X2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoamScope {
    /// Every open risk, late or not (S2 "All open risks must be captured").
    AllOpen,
    /// Only late scan findings, findings with a deviation request, and non-scan findings (S8 §3).
    LateOrDeviatedOnly,
}

/// Where the clock of a finding from the initial assessment (SAR) starts (R1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SarClockStart {
    /// From the original detection date, like any finding.
    Detection,
    /// From the authorization (P-ATO) date given in `authorization_date`, when later.
    AuthorizationDate,
}

/// Where the clock of an approved risk adjustment is measured from (R3.4, U4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RaClockRestart {
    /// The adjusted rating's timeframe from the original detection date.
    Detection,
    /// The adjusted rating's timeframe from the AO approval date.
    Approval,
}

/// How a KEV catalog due date combines with the SLA due date (R5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KevPolicy {
    /// The earlier of the SLA due date and the KEV due date.
    Earliest,
    /// The KEV due date replaces the SLA due date.
    Supersede,
}

/// What happens when a closed weakness is found again (U2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReappearancePolicy {
    /// Reopen the closed item (same ID, original detection date) when it reappears within
    /// `reappearance_window_days` of its closure; otherwise a new item linked to the old one.
    ReopenWithinWindow,
    /// Always open a new item linked to the old one.
    NewItem,
}

/// What happens when a known weakness is first found on new assets in a later month (R4.1, R4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewAssetsPolicy {
    /// The new assets join the existing open item (its earlier detection date applies).
    Join,
    /// The new assets get a new item with their own detection date.
    NewItem,
}

/// Whether a VDR step clock restarts at each completed reduction (U5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VdrStepClock {
    /// Every timeframe is measured from the evaluation.
    FromEvaluation,
    /// The timeframe of the current N-rating is measured from the last completed reduction.
    FromReduction,
}

/// How the OSCAL export turns a Scheduled Completion Date (a date) into the risk's `deadline`
/// (a date-time) (C3, X8).
///
/// FedRAMP's OSCAL POA&M Schematron (assertion `has-timely-completion-date`) requires
/// `deadline < collected + 30/90/180 days`, with `collected` the Original Detection Date at
/// midnight UTC: a strict "before", where the engine counts the due date itself as on time (C2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OscalDeadline {
    /// The last second before the due date begins (due 2026-02-09 → `2026-02-08T23:59:59Z`).
    /// FedRAMP's check then passes exactly when the engine's rule does: a date up to detection +
    /// 30/90/180 days passes, one day later fails.
    #[default]
    BeforeDueDate,
    /// Midnight at the start of the due date (`2026-02-09T00:00:00Z`). FedRAMP's check then fails
    /// for every item scheduled on the last day the engine allows.
    DueDateMidnight,
}

/// Where the rating of a finding comes from, tried in order (R1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingSource {
    /// NVD CVSS v3 base score.
    CvssV3,
    /// CVSS v2 base score.
    CvssV2,
    /// CVSS v4 base score (not in FedRAMP's list; opt-in).
    CvssV4,
    /// The scanner's own severity.
    Scanner,
}

/// One tier of the late-remediation escalation trigger (R7.2): `count` or more open items of a
/// rating aged more than `age_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LateTier {
    /// How many items trip the trigger.
    pub count: u32,
    /// Age in days from detection that counts (strictly greater than).
    pub age_days: u32,
}

/// Late-remediation trigger thresholds (R7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LateTriggerThresholds {
    /// High, DFR tier: 5 items aged > 30 days.
    pub high_dfr: LateTier,
    /// High, CAP tier: 5 items aged > 60 days.
    pub high_cap: LateTier,
    /// Moderate, DFR tier: 10 items aged > 90 days.
    pub moderate_dfr: LateTier,
    /// Moderate, CAP tier: 10 items aged > 120 days.
    pub moderate_cap: LateTier,
}

/// The engine's policy. See the module documentation for the file format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The preset this policy started from (`fedramp_rev5`, `fedramp_vdr_high`, `custom`, ...).
    pub preset: String,
    /// `rev5` or `vdr`.
    pub regime: Regime,
    /// Rev5 remediation days by rating (30/90/180).
    pub rev5_sla_days: Rev5SlaDays,
    /// VDR level or class (used when `regime = "vdr"`).
    pub vdr_level: VdrLevel,
    /// Which findings belong on the POA&M.
    pub poam_scope: PoamScope,
    /// Clock start for SAR findings.
    pub sar_clock_start: SarClockStart,
    /// Authorization (P-ATO) date, for `sar_clock_start = "authorization_date"`.
    pub authorization_date: Option<NaiveDate>,
    /// Clock start after an approved risk adjustment.
    pub ra_clock_restart: RaClockRestart,
    /// How KEV due dates combine with the SLA.
    pub kev_policy: KevPolicy,
    /// What a reappearing closed weakness becomes.
    pub reappearance_policy: ReappearancePolicy,
    /// Window for `reopen_within_window`, in days after closure (inclusive).
    pub reappearance_window_days: u32,
    /// What a known weakness on new assets becomes.
    pub new_assets_policy: NewAssetsPolicy,
    /// Split one scanner ID into one item per asset type (R4.2 allows it).
    pub split_by_asset_type: bool,
    /// Close an asset's finding only when that asset had a credentialed scan in the period.
    pub closure_requires_credentialed_scan: bool,
    /// Day of the month the monthly package is due (R6.8); `None` until agreed.
    pub deliverable_day_of_month: Option<u8>,
    /// Whether raw scan files are a required deliverable (X4).
    pub raw_scans_required: bool,
    /// Holidays excluded from business-day counts (C6); weekends are always excluded.
    pub business_day_holidays: Vec<NaiveDate>,
    /// Whether VDR timeframes restart at each reduction.
    pub vdr_step_clock: VdrStepClock,
    /// Days after evaluation at which an unfixed VDR vulnerability is accepted (R2.4): 192.
    pub vdr_accepted_days: u32,
    /// Share of unauthenticated scans that trips the scanning trigger (R6.4): 0.10.
    pub unauth_scan_threshold: f64,
    /// Late-remediation trigger tiers.
    pub late_trigger_thresholds: LateTriggerThresholds,
    /// An open item due within this many days of the as-of date is `due_soon`.
    pub due_soon_days: u32,
    /// A vendor dependency is compliant when checked in within this many days of the POA&M
    /// submission (as-of) date (R3.7, X6): 30.
    pub vendor_checkin_days: u32,
    /// Rating sources in order (R1.7): CVSS v3, CVSS v2, scanner.
    pub rating_sources: Vec<RatingSource>,
    /// Prefix of new POA&M IDs: `V-`.
    pub poam_id_prefix: String,
    /// Minimum digits of new POA&M IDs (zero-padded); 0 for no padding.
    pub poam_id_width: u8,
    /// How the OSCAL export writes a Scheduled Completion Date as the risk's `deadline` (C3, X8).
    #[serde(default)]
    pub oscal_deadline: OscalDeadline,
    /// The zone in which a scan's instants become calendar dates (detection dates, scan dates):
    /// `UTC` (default), an offset such as `-05:00`, or an IANA name such as `America/New_York`.
    /// Times a scanner wrote without a zone keep the date written ([`crate::zone`]).
    #[serde(default)]
    pub time_zone: Zone,
}

/// Every preset name with a one-line description.
pub const PRESETS: &[(&str, &str)] = &[
    ("fedramp_rev5", "Rev5 ConMon: High 30, Moderate 90, Low 180 calendar days from detection"),
    ("fedramp_vdr_low", "VDR, FedRAMP Low table, clocks in hours from evaluation"),
    ("fedramp_vdr_moderate", "VDR, FedRAMP Moderate table"),
    ("fedramp_vdr_high", "VDR, FedRAMP High table"),
    ("fedramp_vdr_class_a", "VDR, 2026 Class A (Low table, 14-day evaluation)"),
    ("fedramp_vdr_class_b", "VDR, 2026 Class B (Low table)"),
    ("fedramp_vdr_class_c", "VDR, 2026 Class C (Moderate table)"),
    ("fedramp_vdr_class_d", "VDR, 2026 Class D (High table)"),
    ("custom", "Rev5 defaults, to be overridden key by key"),
];

impl Default for Policy {
    fn default() -> Self {
        Policy::fedramp_rev5()
    }
}

impl Policy {
    /// The Rev5 preset with every default of section 11.
    pub fn fedramp_rev5() -> Policy {
        Policy {
            preset: "fedramp_rev5".to_string(),
            regime: Regime::Rev5,
            rev5_sla_days: Rev5SlaDays { high: 30, moderate: 90, low: 180 },
            vdr_level: VdrLevel::Moderate,
            poam_scope: PoamScope::AllOpen,
            sar_clock_start: SarClockStart::Detection,
            authorization_date: None,
            ra_clock_restart: RaClockRestart::Detection,
            kev_policy: KevPolicy::Earliest,
            reappearance_policy: ReappearancePolicy::ReopenWithinWindow,
            reappearance_window_days: 35,
            new_assets_policy: NewAssetsPolicy::Join,
            split_by_asset_type: false,
            closure_requires_credentialed_scan: true,
            deliverable_day_of_month: None,
            raw_scans_required: true,
            business_day_holidays: Vec::new(),
            vdr_step_clock: VdrStepClock::FromEvaluation,
            vdr_accepted_days: 192,
            unauth_scan_threshold: 0.10,
            late_trigger_thresholds: LateTriggerThresholds {
                high_dfr: LateTier { count: 5, age_days: 30 },
                high_cap: LateTier { count: 5, age_days: 60 },
                moderate_dfr: LateTier { count: 10, age_days: 90 },
                moderate_cap: LateTier { count: 10, age_days: 120 },
            },
            due_soon_days: 30,
            vendor_checkin_days: 30,
            rating_sources: vec![RatingSource::CvssV3, RatingSource::CvssV2, RatingSource::Scanner],
            poam_id_prefix: "V-".to_string(),
            poam_id_width: 0,
            oscal_deadline: OscalDeadline::BeforeDueDate,
            time_zone: Zone::Utc,
        }
    }

    /// A VDR preset for a level or class.
    pub fn fedramp_vdr(level: VdrLevel) -> Policy {
        let name = match level {
            VdrLevel::Low => "fedramp_vdr_low",
            VdrLevel::Moderate => "fedramp_vdr_moderate",
            VdrLevel::High => "fedramp_vdr_high",
            VdrLevel::ClassA => "fedramp_vdr_class_a",
            VdrLevel::ClassB => "fedramp_vdr_class_b",
            VdrLevel::ClassC => "fedramp_vdr_class_c",
            VdrLevel::ClassD => "fedramp_vdr_class_d",
        };
        Policy { preset: name.to_string(), regime: Regime::Vdr, vdr_level: level, ..Policy::fedramp_rev5() }
    }

    /// A preset by name (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Policy> {
        let p = match name {
            "fedramp_rev5" => Policy::fedramp_rev5(),
            "custom" => Policy { preset: "custom".to_string(), ..Policy::fedramp_rev5() },
            "fedramp_vdr_low" => Policy::fedramp_vdr(VdrLevel::Low),
            "fedramp_vdr_moderate" => Policy::fedramp_vdr(VdrLevel::Moderate),
            "fedramp_vdr_high" => Policy::fedramp_vdr(VdrLevel::High),
            "fedramp_vdr_class_a" => Policy::fedramp_vdr(VdrLevel::ClassA),
            "fedramp_vdr_class_b" => Policy::fedramp_vdr(VdrLevel::ClassB),
            "fedramp_vdr_class_c" => Policy::fedramp_vdr(VdrLevel::ClassC),
            "fedramp_vdr_class_d" => Policy::fedramp_vdr(VdrLevel::ClassD),
            other => {
                let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
                return Err(Error::config(format!("unknown preset `{other}` (known: {})", names.join(", ")))
                    .at(Location::field("preset")));
            }
        };
        Ok(p)
    }

    /// A preset name, or else a TOML / JSON policy file.
    pub fn resolve(spec: &str) -> Result<Policy> {
        if PRESETS.iter().any(|(n, _)| *n == spec) {
            return Policy::preset(spec);
        }
        let path = Path::new(spec);
        if !path.exists() && !spec.contains(['/', '\\', '.']) {
            return Policy::preset(spec);
        }
        Policy::load(path)
    }

    /// Loads a policy file: `.json` as JSON, anything else as TOML (a file starting with `{` is JSON).
    pub fn load(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(e, path))?;
        let file = path.display().to_string();
        let is_json =
            path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
        if is_json { Policy::from_json_str(&text, &file) } else { Policy::from_toml_str(&text, &file) }
    }

    /// Parses a TOML policy. `file` names the source in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Policy> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let mut loc = Location::file(file);
            if let Some(span) = e.span() {
                let (line, col) = line_col(text, span.start);
                loc = loc.with_line(line).with_column(col);
            }
            Error::parse(e.message().to_string()).at(loc)
        })?;
        let value = toml_to_json(toml::Value::Table(table));
        Policy::from_value(value, text, file, Syntax::Toml)
    }

    /// Parses a JSON policy. `file` names the source in errors.
    pub fn from_json_str(text: &str, file: &str) -> Result<Policy> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| crate::error::from_json_error(&e, file))?;
        Policy::from_value(value, text, file, Syntax::Json)
    }

    fn from_value(mut value: serde_json::Value, text: &str, file: &str, syntax: Syntax) -> Result<Policy> {
        let obj = value.as_object_mut().ok_or_else(|| {
            Error::config("a policy file must be a table (TOML) or an object (JSON)").at(Location::file(file))
        })?;
        let preset_name = match obj.get("preset") {
            None => "fedramp_rev5".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(Error::config("`preset` must be a string").at(key_location(text, file, "preset", syntax)));
            }
        };
        let base = Policy::preset(&preset_name)
            .map_err(|e| Error::config(e.message()).at(key_location(text, file, "preset", syntax)))?;
        let mut merged = serde_json::to_value(&base).map_err(|e| Error::config(e.to_string()))?;
        merge(&mut merged, value);
        let policy: Policy = serde_path_to_error::deserialize(merged).map_err(|e| {
            let path = e.path().to_string();
            let last = last_segment(&path);
            let message = e.inner().to_string();
            // serde reports an unknown field at its parent's path: name the key itself.
            let (field, key) = match unknown_field_name(&message) {
                Some(k) if path == "." => (k.to_string(), k.to_string()),
                Some(k) if last == k => (path.clone(), k.to_string()),
                Some(k) => (format!("{path}.{k}"), k.to_string()),
                None => (path.clone(), last.to_string()),
            };
            let loc = key_location(text, file, &key, syntax).with_field(field);
            Error::config(message).at(loc)
        })?;
        policy.validate().map_err(|e| {
            let field = e.location().field.clone().unwrap_or_default();
            let key = last_segment(&field).to_string();
            let mut loc = key_location(text, file, &key, syntax);
            loc.field = Some(field);
            Error::config(e.message()).at(loc)
        })?;
        Ok(policy)
    }

    /// Checks ranges and consistency; the error names the offending key.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, msg: String| Err(Error::config(msg).at(Location::field(field)));
        for (name, days) in [
            ("rev5_sla_days.high", self.rev5_sla_days.high),
            ("rev5_sla_days.moderate", self.rev5_sla_days.moderate),
            ("rev5_sla_days.low", self.rev5_sla_days.low),
        ] {
            if days == 0 || days > 3650 {
                return bad(name, format!("{days} days is outside 1-3650"));
            }
        }
        if let Some(d) = self.deliverable_day_of_month
            && !(1..=31).contains(&d)
        {
            return bad("deliverable_day_of_month", format!("{d} is not a day of the month (1-31)"));
        }
        if !(0.0..=1.0).contains(&self.unauth_scan_threshold) {
            return bad(
                "unauth_scan_threshold",
                format!("{} is not a share between 0.0 and 1.0", self.unauth_scan_threshold),
            );
        }
        if self.rating_sources.is_empty() {
            return bad("rating_sources", "at least one rating source is needed".to_string());
        }
        for (i, s) in self.rating_sources.iter().enumerate() {
            if self.rating_sources[..i].contains(s) {
                return bad("rating_sources", format!("{s:?} is listed twice"));
            }
        }
        if self.poam_id_width > 12 {
            return bad("poam_id_width", format!("{} digits is more than 12", self.poam_id_width));
        }
        if self.poam_id_prefix.is_empty() || self.poam_id_prefix.chars().any(char::is_whitespace) {
            return bad("poam_id_prefix", "the prefix must be non-empty and contain no spaces".to_string());
        }
        if self.sar_clock_start == SarClockStart::AuthorizationDate && self.authorization_date.is_none() {
            return bad(
                "authorization_date",
                "sar_clock_start = \"authorization_date\" needs authorization_date".to_string(),
            );
        }
        if self.vdr_accepted_days == 0 {
            return bad("vdr_accepted_days", "must be at least 1".to_string());
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Syntax {
    Toml,
    Json,
}

fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn toml_to_json(v: toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => serde_json::Value::from(i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        toml::Value::Boolean(b) => serde_json::Value::Bool(b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn last_segment(path: &str) -> &str {
    let p = path.trim_end_matches(|c: char| c == ']' || c.is_ascii_digit()).trim_end_matches('[');
    p.rsplit('.').next().unwrap_or(p)
}

fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// The first line where `key` is written as a key (best effort: the file's own text).
fn key_location(text: &str, file: &str, key: &str, syntax: Syntax) -> Location {
    let mut loc = Location::file(file);
    if key.is_empty() {
        return loc;
    }
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let hit = match syntax {
            Syntax::Json => t.contains(&format!("\"{key}\"")) && t.contains(':'),
            Syntax::Toml => {
                let bare = t.strip_prefix('"').map_or(t, |s| s);
                (bare.starts_with(key)
                    && bare[key.len()..].trim_start().trim_start_matches('"').trim_start().starts_with('='))
                    || (t.starts_with('[') && t.trim_end().trim_end_matches(']').ends_with(key))
            }
        };
        if hit {
            loc = loc.with_line(i as u64 + 1);
            break;
        }
    }
    loc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_load_and_validate() {
        for (name, _) in PRESETS {
            let p = Policy::preset(name).unwrap();
            assert_eq!(&p.preset, name);
            p.validate().unwrap();
        }
        assert_eq!(Policy::preset("fedramp_vdr_class_d").unwrap().regime, Regime::Vdr);
        assert_eq!(Policy::preset("nope").unwrap_err().code(), "config_error");
    }

    #[test]
    fn toml_overrides_keep_other_defaults() {
        let p = Policy::from_toml_str(
            "preset = \"fedramp_rev5\"\nkev_policy = \"supersede\"\n[rev5_sla_days]\nlow = 120\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.kev_policy, KevPolicy::Supersede);
        assert_eq!(p.rev5_sla_days, Rev5SlaDays { high: 30, moderate: 90, low: 120 });
        assert_eq!(p.due_soon_days, 30);
    }

    #[test]
    fn toml_dates_and_vdr_preset() {
        let p = Policy::from_toml_str(
            "preset = \"fedramp_vdr_high\"\nauthorization_date = 2026-01-15\nsar_clock_start = \"authorization_date\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.regime, Regime::Vdr);
        assert_eq!(p.authorization_date, NaiveDate::from_ymd_opt(2026, 1, 15));
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let e =
            Policy::from_toml_str("kev_policy = \"earliest\"\n\n[rev5_sla_days]\nhigh = 30\nlowest = 3\n", "p.toml")
                .unwrap_err();
        assert_eq!(e.code(), "config_error");
        assert_eq!(e.location().field.as_deref(), Some("rev5_sla_days.lowest"));
        assert_eq!(e.location().line, Some(5));
        assert_eq!(e.location().file.as_deref(), Some("p.toml"));
        assert!(e.to_string().contains("unknown field `lowest`"), "{e}");

        let e = Policy::from_json_str("{\n  \"kev_polcy\": \"earliest\"\n}", "p.json").unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("kev_polcy"));
        assert_eq!(e.location().line, Some(2));
    }

    #[test]
    fn bad_values_are_named() {
        let e = Policy::from_json_str(r#"{"kev_policy": "latest"}"#, "p.json").unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("kev_policy"));
        let e = Policy::from_toml_str("unauth_scan_threshold = 1.5\n", "p.toml").unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("unauth_scan_threshold"));
        assert_eq!(e.location().line, Some(1));
        let e = Policy::from_toml_str("preset = \"fedramp_rev6\"\n", "p.toml").unwrap_err();
        assert_eq!(e.location().line, Some(1));
        let e = Policy::from_toml_str("due_soon_days = = 3\n", "p.toml").unwrap_err();
        assert_eq!(e.code(), "parse_error");
        assert_eq!(e.location().line, Some(1));
        let e = Policy::from_toml_str("sar_clock_start = \"authorization_date\"\n", "p.toml").unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("authorization_date"));
        let e = Policy::from_toml_str("due_soon_days = 3\ntime_zone = \"US/Nowhere\"\n", "p.toml").unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("time_zone"));
        assert_eq!(e.location().line, Some(2));
        assert!(e.to_string().contains("`US/Nowhere` is not a time zone"), "{e}");
        let p = Policy::from_toml_str("time_zone = \"America/Chicago\"\n", "p.toml").unwrap_or_default();
        assert_eq!(p.time_zone.to_string(), "America/Chicago");
    }

    #[test]
    fn json_round_trip() {
        let p = Policy::fedramp_vdr(VdrLevel::ClassC);
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(Policy::from_json_str(&text, "x").unwrap(), p);
    }
}
