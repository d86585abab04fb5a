//! The conmon engine for JVM (Kotlin) and Swift consumers, through uniffi proc-macros.
//!
//! This crate only translates: every rule lives in `conmon-core`, which carries no uniffi
//! attribute. The wrapper types here are what the generated bindings see:
//!
//! - handles (uniffi objects) for large values that stay in Rust: [`ScanSet`], [`Policy`],
//!   [`Poam`], [`Reconciliation`], [`MonthlyResult`];
//! - records (Kotlin data classes, Swift structs) for what callers read field by field:
//!   [`Clock`], [`Change`], [`Diagnostic`], [`ValidationReport`], [`PoamItemSummary`];
//! - whole documents as JSON text in the engine's canonical shape (`toJson()`, `changesJson()`),
//!   for lossless storage and for the parity tests;
//! - dates as `java.time.LocalDate` in Kotlin (a custom type over ISO `YYYY-MM-DD` text; see
//!   `uniffi.toml`) and as ISO text in Swift; instants as `java.time.Instant` / `Date`.
//!
//! Errors are one uniffi error enum, [`ConmonError`], one variant per engine error kind, each with
//! the stable `code`, the `reason` and the `location` (file, sheet, line, row, column, field,
//! offset). Every export runs under `catch_unwind`: a Rust panic surfaces as
//! `ConmonError::Internal` (code `internal_error`), never as a crash of the host process.

// The error crosses the FFI serialised, once per failed call; its size on the Rust stack does not
// matter, and uniffi needs the location inline (a record), not boxed.
#![allow(clippy::result_large_err)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use conmon_core as cm;
use serde::Serialize;

uniffi::setup_scaffolding!("conmon");

/// A calendar date. It crosses the FFI as ISO text (`YYYY-MM-DD`); `uniffi.toml` makes it
/// `java.time.LocalDate` in Kotlin, and Swift sees the text.
pub type LocalDate = NaiveDate;

uniffi::custom_type!(LocalDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(NaiveDate::parse_from_str(&s, "%Y-%m-%d")?),
});

/// Where an error is, in an input (every field optional).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorLocation {
    /// The file (or a label such as `<deviations>`).
    pub file: Option<String>,
    /// The workbook sheet.
    pub sheet: Option<String>,
    /// The 1-based line (text formats).
    pub line: Option<u64>,
    /// The 1-based row (workbooks, CSV).
    pub row: Option<u64>,
    /// The 1-based column.
    pub column: Option<u64>,
    /// The field or column name.
    pub field: Option<String>,
    /// The byte offset.
    pub offset: Option<u64>,
}

impl From<&cm::Location> for ErrorLocation {
    fn from(l: &cm::Location) -> Self {
        ErrorLocation {
            file: l.file.clone(),
            sheet: l.sheet.clone(),
            line: l.line,
            row: l.row,
            column: l.column,
            field: l.field.clone(),
            offset: l.offset,
        }
    }
}

/// Every error of the engine: one variant per kind, each with the stable `code` (as in the CLI's
/// JSON and the other bindings), what went wrong (`reason`) and where (`location`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ConmonError {
    /// Reading or writing a file failed (`io_error`).
    #[error("{code}: {reason}")]
    Io {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// An input is not well-formed in its format (`parse_error`).
    #[error("{code}: {reason}")]
    Parse {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// A value is not allowed (`invalid_value`).
    #[error("{code}: {reason}")]
    InvalidValue {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// A required value is missing (`missing_field`).
    #[error("{code}: {reason}")]
    MissingField {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// The policy is invalid (`config_error`).
    #[error("{code}: {reason}")]
    Config {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// The input's format is not supported (`unsupported_format`).
    #[error("{code}: {reason}")]
    UnsupportedFormat {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// An input exceeds a safety limit (`limit_exceeded`).
    #[error("{code}: {reason}")]
    LimitExceeded {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
    /// A bug in conmon (`internal_error`): a panic caught at the boundary.
    #[error("{code}: {reason}")]
    Internal {
        /// The stable code.
        code: String,
        /// What went wrong.
        reason: String,
        /// Where.
        location: ErrorLocation,
    },
}

impl From<cm::Error> for ConmonError {
    fn from(e: cm::Error) -> Self {
        let code = e.code().to_string();
        let reason = e.to_string();
        let location = ErrorLocation::from(e.location());
        match e.kind() {
            cm::ErrorKind::Io { .. } => ConmonError::Io { code, reason, location },
            cm::ErrorKind::Parse { .. } => ConmonError::Parse { code, reason, location },
            cm::ErrorKind::InvalidValue { .. } => ConmonError::InvalidValue { code, reason, location },
            cm::ErrorKind::MissingField { .. } => ConmonError::MissingField { code, reason, location },
            cm::ErrorKind::Config { .. } => ConmonError::Config { code, reason, location },
            cm::ErrorKind::UnsupportedFormat { .. } => ConmonError::UnsupportedFormat { code, reason, location },
            cm::ErrorKind::LimitExceeded { .. } => ConmonError::LimitExceeded { code, reason, location },
            _ => ConmonError::Internal { code, reason, location },
        }
    }
}

type Result<T> = std::result::Result<T, ConmonError>;

/// Runs `f`, turning an engine error into [`ConmonError`] and a panic into `Internal`.
fn guard<T>(what: &str, f: impl FnOnce() -> cm::Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(ConmonError::from),
        Err(_) => Err(ConmonError::Internal {
            code: "internal_error".to_string(),
            reason: format!("internal error in conmon ({what}); please report it"),
            location: ErrorLocation::from(&cm::Location::default()),
        }),
    }
}

fn to_json<T: Serialize>(v: &T) -> cm::Result<String> {
    serde_json::to_string(v).map_err(|e| cm::Error::invalid(format!("JSON encoding failed: {e}")))
}

/// The serde name of an engine enum (`on_track`, `asset_closed`, `High`...).
fn label<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn read_optional_json<T: serde::de::DeserializeOwned>(path: Option<&str>) -> cm::Result<Option<T>> {
    path.map(|p| cm::io::read_json_path(Path::new(p))).transpose()
}

/// A deviation register: FedRAMP's deviation request form (.xlsx) or a JSON array; none when no
/// path is given.
fn read_deviations(path: Option<&str>) -> cm::Result<Vec<cm::deviation::Deviation>> {
    Ok(match path {
        Some(p) => cm::io::read_deviations_path(Path::new(p))?,
        None => Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Handles

/// A resolved policy (a preset such as `rev5` or `vdr`, or a TOML/JSON policy file).
#[derive(Debug, uniffi::Object)]
pub struct Policy {
    inner: Arc<cm::Policy>,
}

#[uniffi::export]
impl Policy {
    /// A preset name (`rev5`, `vdr`, ...) or the path of a TOML/JSON policy file.
    #[uniffi::constructor]
    pub fn resolve(spec: String) -> Result<Arc<Policy>> {
        guard("Policy.resolve", || Ok(Arc::new(Policy { inner: Arc::new(cm::Policy::resolve(&spec)?) })))
    }

    /// A policy from JSON text (the `policy` schema: `preset` plus overrides).
    #[uniffi::constructor]
    pub fn from_json(text: String) -> Result<Arc<Policy>> {
        guard("Policy.fromJson", || {
            Ok(Arc::new(Policy { inner: Arc::new(cm::Policy::from_json_str(&text, "<policy>")?) }))
        })
    }

    /// The preset it started from.
    pub fn preset(&self) -> String {
        self.inner.preset.clone()
    }

    /// Every option, resolved, as JSON.
    pub fn to_json(&self) -> Result<String> {
        guard("Policy.toJson", || to_json(&*self.inner))
    }
}

/// This month's findings and scan context (the records stay in Rust until asked for).
#[derive(Debug, uniffi::Object)]
pub struct ScanSet {
    inner: Arc<cm::ingest::ScanSet>,
}

#[uniffi::export]
impl ScanSet {
    /// Number of findings.
    pub fn finding_count(&self) -> u64 {
        self.inner.findings.len() as u64
    }

    /// Number of hosts in the scan context.
    pub fn host_count(&self) -> u64 {
        self.inner.context.hosts.len() as u64
    }

    /// Number of scan files read.
    pub fn file_count(&self) -> u64 {
        self.inner.context.files.len() as u64
    }

    /// The findings as one JSON array.
    pub fn findings_json(&self) -> Result<String> {
        guard("ScanSet.findingsJson", || to_json(&self.inner.findings))
    }

    /// The scan context (files and hosts) as JSON.
    pub fn context_json(&self) -> Result<String> {
        guard("ScanSet.contextJson", || to_json(&self.inner.context))
    }
}

/// Reads scan files (each format detected from its content), or directories of them (read
/// recursively: hidden entries skipped, files sorted by path), into one set.
#[uniffi::export]
pub fn read_scans(paths: Vec<String>) -> Result<Arc<ScanSet>> {
    guard("readScans", || {
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        Ok(Arc::new(ScanSet { inner: Arc::new(cm::ingest::read_paths(&paths)?) }))
    })
}

/// Reads one scan from bytes; `label` names it in errors.
#[uniffi::export]
pub fn read_scan_bytes(data: Vec<u8>, label: String) -> Result<Arc<ScanSet>> {
    guard("readScanBytes", || Ok(Arc::new(ScanSet { inner: Arc::new(cm::ingest::read_bytes(&data, &label)?) })))
}

/// One POA&M item, the fields a caller reads most (the whole item is in [`Poam::to_json`]).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PoamItemSummary {
    /// The POA&M ID (`V-12`).
    pub poam_id: String,
    /// `open` or `closed`.
    pub sheet: String,
    /// Weakness name.
    pub weakness_name: String,
    /// The scanner's vulnerability ID (`nessus:190854`).
    pub weakness_source_identifier: String,
    /// The assets, one label each (`10.0.1.10:443/tcp`).
    pub assets: Vec<String>,
    /// Original risk rating: `Low`, `Moderate` or `High`.
    pub original_risk_rating: String,
    /// Adjusted risk rating, when a risk adjustment applies.
    pub adjusted_risk_rating: Option<String>,
    /// Original detection date.
    pub original_detection_date: LocalDate,
    /// Scheduled completion date.
    pub scheduled_completion_date: Option<LocalDate>,
    /// Status date (the closure date on the Closed sheet).
    pub status_date: Option<LocalDate>,
    /// Vendor dependency.
    pub vendor_dependency: bool,
}

/// A POA&M (open, closed and configuration-finding items and the header).
#[derive(Debug, uniffi::Object)]
pub struct Poam {
    inner: Arc<cm::model::Poam>,
}

#[uniffi::export]
impl Poam {
    /// Reads a POA&M by extension: `.json` (lossless), `.xlsx`/`.xls`/`.ods` (the FedRAMP
    /// workbook, columns found by header), `.csv`.
    #[uniffi::constructor]
    pub fn read(path: String) -> Result<Arc<Poam>> {
        guard("Poam.read", || {
            let (poam, _) = cm::io::read_poam_path(Path::new(&path))?;
            Ok(Arc::new(Poam { inner: Arc::new(poam) }))
        })
    }

    /// A POA&M from JSON text (the `poam` schema, or an array of items).
    #[uniffi::constructor]
    pub fn from_json(text: String) -> Result<Arc<Poam>> {
        guard("Poam.fromJson", || {
            let poam = if text.trim_start().starts_with('[') {
                cm::model::Poam { open: cm::io::json::read_items(&text, "<items>")?, ..Default::default() }
            } else {
                cm::io::json::read_poam(&text, "<poam>")?
            };
            Ok(Arc::new(Poam { inner: Arc::new(poam) }))
        })
    }

    /// The POA&M date, when set.
    pub fn poam_date(&self) -> Option<LocalDate> {
        self.inner.header.poam_date
    }

    /// Number of open items.
    pub fn open_count(&self) -> u64 {
        self.inner.open.len() as u64
    }

    /// Number of closed items.
    pub fn closed_count(&self) -> u64 {
        self.inner.closed.len() as u64
    }

    /// Every open and closed item, summarised.
    pub fn items(&self) -> Vec<PoamItemSummary> {
        let sheet = |items: &[cm::model::PoamItem], name: &str| -> Vec<PoamItemSummary> {
            items
                .iter()
                .map(|i| PoamItemSummary {
                    poam_id: i.poam_id.clone(),
                    sheet: name.to_string(),
                    weakness_name: i.weakness_name.to_string(),
                    weakness_source_identifier: i.weakness_source_identifier.clone(),
                    assets: i.assets.iter().map(ToString::to_string).collect(),
                    original_risk_rating: i.original_risk_rating.as_template().to_string(),
                    adjusted_risk_rating: i.adjusted_risk_rating.map(|r| r.as_template().to_string()),
                    original_detection_date: i.original_detection_date,
                    scheduled_completion_date: i.scheduled_completion_date,
                    status_date: i.status_date,
                    vendor_dependency: i.vendor_dependency,
                })
                .collect()
        };
        let mut all = sheet(&self.inner.open, "open");
        all.extend(sheet(&self.inner.closed, "closed"));
        all
    }

    /// The whole POA&M as JSON (lossless; what [`Poam::from_json`] reads).
    pub fn to_json(&self) -> Result<String> {
        guard("Poam.toJson", || to_json(&*self.inner))
    }

    /// Writes the POA&M by extension (`.xlsx` FedRAMP workbook, `.csv`, `.json`), atomically: a
    /// failure leaves any previous file in place.
    pub fn write(&self, path: String) -> Result<()> {
        guard("Poam.write", || cm::io::write_poam_path(&self.inner, Path::new(&path)))
    }

    /// Writes the OSCAL POA&M JSON, atomically, as `settings` say (the defaults when `null`).
    #[uniffi::method(default(settings = None))]
    pub fn write_oscal(&self, path: String, settings: Option<OscalSettings>) -> Result<()> {
        guard("Poam.writeOscal", || {
            cm::io::oscal::write_oscal_file(&self.inner, &oscal_options(settings.as_ref(), None), Path::new(&path))
        })
    }

    /// The OSCAL POA&M document as JSON, as `settings` say (the defaults when `null`).
    #[uniffi::method(default(settings = None))]
    pub fn oscal_json(&self, settings: Option<OscalSettings>) -> Result<String> {
        guard("Poam.oscalJson", || {
            to_json(&cm::io::oscal::to_oscal(&self.inner, &oscal_options(settings.as_ref(), None)))
        })
    }
}

/// How the OSCAL POA&M is written, as Python's `write_oscal(path, policy=, fedramp_id=, ssp=)` and
/// Node's `writeOscalSync(file, { policy, fedrampId, ssp })` take it.
#[derive(Debug, uniffi::Record)]
pub struct OscalSettings {
    /// The policy whose `oscal_deadline` turns due dates into deadlines (the default policy
    /// when `null`; for `MonthlyResult.write`, the run's policy).
    #[uniffi(default = None)]
    pub policy: Option<Arc<Policy>>,
    /// The FedRAMP system identifier (`system-id`; the system name when `null`).
    #[uniffi(default = None)]
    pub fedramp_id: Option<String>,
    /// Where the system's OSCAL SSP is (a path relative to the POA&M, or a URL), for `import-ssp`.
    #[uniffi(default = None)]
    pub ssp: Option<String>,
}

fn oscal_options(settings: Option<&OscalSettings>, run_policy: Option<&cm::Policy>) -> cm::io::oscal::OscalOptions {
    let default = cm::Policy::default();
    let policy = settings.and_then(|s| s.policy.as_deref()).map(|p| &*p.inner).or(run_policy).unwrap_or(&default);
    cm::io::oscal::OscalOptions {
        fedramp_id: settings.and_then(|s| s.fedramp_id.clone()),
        ssp_href: settings.and_then(|s| s.ssp.clone()),
        ..cm::io::oscal::OscalOptions::for_policy(policy)
    }
}

// ---------------------------------------------------------------------------------------------
// Reconcile

/// One change of the change log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Change {
    /// The POA&M ID.
    pub poam_id: String,
    /// What happened: `new`, `asset_added`, `asset_closed`, `closed`, `reopened`, `became_late`, ...
    /// (the engine's change kinds, as in `changes.json`).
    pub kind: String,
    /// The asset concerned, when one.
    pub asset: Option<String>,
    /// Why, for a person.
    pub detail: String,
}

fn changes(list: &[cm::reconcile::Change]) -> Vec<Change> {
    list.iter()
        .map(|c| Change {
            poam_id: c.poam_id.clone(),
            kind: label(&c.kind),
            asset: c.asset.clone(),
            detail: c.detail.clone(),
        })
        .collect()
}

fn change_log_json(r: &cm::reconcile::Reconciliation) -> cm::Result<String> {
    to_json(&r.log_json(false))
}

/// The result of reconciling one month.
#[derive(Debug, uniffi::Object)]
pub struct Reconciliation {
    inner: cm::reconcile::Reconciliation,
    poam: Arc<Poam>,
}

#[uniffi::export]
impl Reconciliation {
    /// This month's POA&M.
    pub fn poam(&self) -> Arc<Poam> {
        Arc::clone(&self.poam)
    }

    /// The changes, in order.
    pub fn changes(&self) -> Vec<Change> {
        changes(&self.inner.changes)
    }

    /// The change log as JSON: `changes`, `not_tracked`, `not_observed`, `issues`.
    pub fn changes_json(&self) -> Result<String> {
        guard("Reconciliation.changesJson", || change_log_json(&self.inner))
    }

    /// Findings on no item, with the reason, as JSON.
    pub fn not_tracked_json(&self) -> Result<String> {
        guard("Reconciliation.notTrackedJson", || to_json(&self.inner.not_tracked))
    }

    /// Open items' assets that no scan observed this month, as JSON.
    pub fn not_observed_json(&self) -> Result<String> {
        guard("Reconciliation.notObservedJson", || to_json(&self.inner.not_observed))
    }
}

/// Reconciles one month: last month's POA&M (`null` for the first month) with this month's
/// scans, the deviation register (a JSON file) and the KEV catalog (CISA's JSON).
#[uniffi::export(default(deviations_path = None, kev_path = None))]
pub fn reconcile(
    previous: Option<Arc<Poam>>,
    scans: Arc<ScanSet>,
    policy: Arc<Policy>,
    as_of: LocalDate,
    deviations_path: Option<String>,
    kev_path: Option<String>,
) -> Result<Arc<Reconciliation>> {
    guard("reconcile", || {
        let deviations = read_deviations(deviations_path.as_deref())?;
        let kev = kev_path.as_deref().map(|p| cm::kev::KevCatalog::load(Path::new(p))).transpose()?;
        let prev = previous.map(|p| (*p.inner).clone());
        let mut r =
            cm::reconcile::reconcile_month(prev, &scans.inner, &deviations, kev.as_ref(), &policy.inner, as_of)?;
        let poam = Arc::new(Poam { inner: Arc::new(std::mem::take(&mut r.poam)) });
        Ok(Arc::new(Reconciliation { inner: r, poam }))
    })
}

// ---------------------------------------------------------------------------------------------
// Clocks

/// One rule applied to a clock.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClockStep {
    /// Stable rule id (`rev5.sla.high`, `kev.earliest`, ...).
    pub rule: String,
    /// What the rule did, with its inputs and arithmetic.
    pub text: String,
}

/// The evaluated remediation clock of one item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Clock {
    /// The POA&M ID.
    pub poam_id: String,
    /// `rev5` or `vdr`.
    pub regime: String,
    /// `on_track`, `due_soon`, `late`, `stopped`, `closed`, `closed_late`, `no_deadline`.
    pub state: String,
    /// Rev5: the rating the clock ran on.
    pub rating: Option<String>,
    /// The date the clock started (Rev5).
    pub clock_start: Option<LocalDate>,
    /// The timeframe in days that produced the due date before KEV adjustments (Rev5).
    pub sla_days: Option<u32>,
    /// The due date.
    pub due_date: Option<LocalDate>,
    /// VDR: the due instant.
    pub due_at: Option<SystemTime>,
    /// Whole days late.
    pub days_late: i64,
    /// Days until due (negative when late).
    pub days_remaining: Option<i64>,
    /// The rule that set the due date.
    pub rule: String,
    /// Every rule applied, in order.
    pub explanation: Vec<ClockStep>,
}

fn clock(c: &cm::sla::Clock) -> Clock {
    Clock {
        poam_id: c.poam_id.clone(),
        regime: label(&c.regime),
        state: label(&c.state),
        rating: c.rating.map(|r| r.as_template().to_string()),
        clock_start: c.clock_start,
        sla_days: c.sla_days,
        due_date: c.due_date,
        due_at: c.due_at.map(SystemTime::from),
        days_late: c.days_late,
        days_remaining: c.days_remaining,
        rule: c.rule.clone(),
        explanation: c.explanation.iter().map(|s| ClockStep { rule: s.rule.clone(), text: s.text.clone() }).collect(),
    }
}

fn evaluate_clocks(poam: &Poam, policy: &Policy, at: cm::sla::AsOf, explain: bool) -> cm::Result<Vec<cm::sla::Clock>> {
    cm::sla::evaluate_each(poam.inner.items(), &policy.inner, at, explain)
}

/// The remediation clock of every item on `as_of` (for VDR, 00:00 UTC of that day).
/// `explain = false` leaves each clock's `explanation` empty, which is several times faster over
/// many items; every other field is the same.
#[uniffi::export(default(explain = true))]
pub fn clocks(poam: Arc<Poam>, policy: Arc<Policy>, as_of: LocalDate, explain: bool) -> Result<Vec<Clock>> {
    guard("clocks", || {
        Ok(evaluate_clocks(&poam, &policy, cm::sla::AsOf::date(as_of), explain)?.iter().map(clock).collect())
    })
}

/// The remediation clock of every item at an instant (VDR deadlines are instants); `explain` as
/// for [`clocks`].
#[uniffi::export(default(explain = true))]
pub fn clocks_at(poam: Arc<Poam>, policy: Arc<Policy>, at: SystemTime, explain: bool) -> Result<Vec<Clock>> {
    guard("clocksAt", || {
        let at: DateTime<Utc> = at.into();
        Ok(evaluate_clocks(&poam, &policy, cm::sla::AsOf::instant(at), explain)?.iter().map(clock).collect())
    })
}

/// The clocks as the engine's JSON array; `as_of` is a date (`2026-03-13`) or an instant
/// (`2026-03-02T23:00:00Z`); `explain` as for [`clocks`].
#[uniffi::export(default(explain = true))]
pub fn clocks_json(poam: Arc<Poam>, policy: Arc<Policy>, as_of: String, explain: bool) -> Result<String> {
    guard("clocksJson", || {
        let at = cm::sla::AsOf::parse(&as_of).map_err(|e| e.at(cm::Location::field("as_of")))?;
        to_json(&evaluate_clocks(&poam, &policy, at, explain)?)
    })
}

// ---------------------------------------------------------------------------------------------
// Validation and the monthly job

/// One validation diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Diagnostic {
    /// Stable code (`template.required_missing`, `deviation.or_on_high`, ...).
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The rule it comes from (`R3.6`).
    pub rule: String,
    /// What is wrong, for a person.
    pub message: String,
    /// The POA&M item concerned.
    pub poam_id: Option<String>,
    /// The column or field concerned.
    pub field: Option<String>,
    /// Where, in an input file.
    pub location: Option<ErrorLocation>,
    /// How to fix it.
    pub hint: Option<String>,
}

/// The validation report: every problem, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ValidationReport {
    /// True when there is no error.
    pub valid: bool,
    /// Number of errors.
    pub errors: u64,
    /// Number of warnings.
    pub warnings: u64,
    /// Every diagnostic, errors first.
    pub diagnostics: Vec<Diagnostic>,
    /// The whole report as JSON (`validation.json`: diagnostics, calendar, triggers).
    pub json: String,
}

fn report(v: &cm::monthly::ValidationReport) -> cm::Result<ValidationReport> {
    Ok(ValidationReport {
        valid: v.valid,
        errors: v.errors as u64,
        warnings: v.warnings as u64,
        diagnostics: v
            .diagnostics
            .iter()
            .map(|i| Diagnostic {
                code: i.code.clone(),
                severity: label(&i.severity),
                rule: i.rule.clone(),
                message: i.message.clone(),
                poam_id: i.poam_id.clone(),
                field: i.field.clone(),
                location: i.location.as_ref().map(ErrorLocation::from),
                hint: i.hint.clone(),
            })
            .collect(),
        json: to_json(v)?,
    })
}

/// Validates a POA&M (and, when given, against last month's POA&M, this month's scans and the
/// inventory file, `.xlsx` or `.json`).
#[uniffi::export(default(previous = None, scans = None, inventory_path = None))]
pub fn validate(
    poam: Arc<Poam>,
    policy: Arc<Policy>,
    as_of: LocalDate,
    previous: Option<Arc<Poam>>,
    scans: Option<Arc<ScanSet>>,
    inventory_path: Option<String>,
) -> Result<ValidationReport> {
    guard("validate", || {
        let inventory = inventory_path.as_deref().map(|p| cm::io::read_inventory_path(Path::new(p))).transpose()?;
        let v = cm::monthly::validation_report(&cm::validate::Package {
            poam: &poam.inner,
            poam_file: "poam",
            import: None,
            previous: previous.as_ref().map(|p| &*p.inner),
            scans: scans.as_ref().map(|s| &*s.inner),
            inventory: inventory.as_ref().map(|i| i.assets.as_slice()),
            inventory_file: inventory_path.as_deref().unwrap_or("inventory"),
            policy: &policy.inner,
            as_of,
        });
        report(&v)
    })
}

/// The inputs of the monthly job. Only `scans`, `policy` and `as_of` are required.
#[derive(Debug, uniffi::Record)]
pub struct MonthlyOptions {
    /// This month's scans.
    pub scans: Arc<ScanSet>,
    /// The policy.
    pub policy: Arc<Policy>,
    /// The POA&M date (taken as the upload date).
    pub as_of: LocalDate,
    /// Last month's POA&M (`null`: the first month).
    #[uniffi(default = None)]
    pub previous: Option<Arc<Poam>>,
    /// The inventory file (`.xlsx` Integrated Inventory Workbook or `.json`).
    #[uniffi(default = None)]
    pub inventory_path: Option<String>,
    /// The deviation register (JSON).
    #[uniffi(default = None)]
    pub deviations_path: Option<String>,
    /// The CISA KEV catalog (JSON).
    #[uniffi(default = None)]
    pub kev_path: Option<String>,
    /// Significant change requests (JSON).
    #[uniffi(default = None)]
    pub significant_changes_path: Option<String>,
    /// Last month's `history.json`.
    #[uniffi(default = None)]
    pub history_path: Option<String>,
}

/// The result of the monthly job.
#[derive(Debug, uniffi::Object)]
pub struct MonthlyResult {
    inner: cm::monthly::MonthlyOutput,
}

#[uniffi::export]
impl MonthlyResult {
    /// This month's POA&M.
    pub fn poam(&self) -> Arc<Poam> {
        Arc::new(Poam { inner: Arc::new(self.inner.reconciliation.poam.clone()) })
    }

    /// The changes, in order.
    pub fn changes(&self) -> Vec<Change> {
        changes(&self.inner.reconciliation.changes)
    }

    /// The change log as JSON: `changes`, `not_tracked`, `not_observed`, `issues`.
    pub fn changes_json(&self) -> Result<String> {
        guard("MonthlyResult.changesJson", || change_log_json(&self.inner.reconciliation))
    }

    /// The validation report (with the calendar and triggers in its JSON).
    pub fn validation(&self) -> Result<ValidationReport> {
        guard("MonthlyResult.validation", || report(&self.inner.validation))
    }

    /// Month summaries including this month, as JSON (next month's `history.json`).
    pub fn history_json(&self) -> Result<String> {
        guard("MonthlyResult.historyJson", || to_json(&self.inner.history))
    }

    /// The monthly meeting report (self-contained HTML).
    pub fn report_html(&self) -> String {
        self.inner.report_html.clone()
    }

    /// The open items past due at the POA&M date, each with its explained clock: the items the
    /// meeting report lists as past due and `history.json` counts. Judged under the run's policy
    /// unless `policy` gives another.
    #[uniffi::method(default(policy = None))]
    pub fn late_items(&self, policy: Option<Arc<Policy>>) -> Result<Vec<Clock>> {
        guard("MonthlyResult.lateItems", || {
            let policy = policy.as_ref().map(|p| &p.inner);
            Ok(self.inner.late_clocks(policy.map(AsRef::as_ref), true)?.iter().map(clock).collect())
        })
    }

    /// Writes every deliverable into `directory` (`poam.xlsx`, `poam.json`, `poam.csv`,
    /// `oscal-poam.json`, `changes.json`, `validation.json`, `report.html`, `history.json`),
    /// each atomically; returns the paths written.
    /// `settings` as for [`Poam::write_oscal`], with the run's policy unless they give one.
    #[uniffi::method(default(settings = None))]
    pub fn write(&self, directory: String, settings: Option<OscalSettings>) -> Result<Vec<String>> {
        guard("MonthlyResult.write", || {
            let options = oscal_options(settings.as_ref(), Some(&self.inner.policy));
            let files = cm::monthly::write_outputs_with(&self.inner, Path::new(&directory), &options)?;
            Ok(files.iter().map(|p| p.display().to_string()).collect())
        })
    }
}

/// The monthly job in memory: reconcile, validate, calendar, triggers, meeting report.
#[uniffi::export]
pub fn run_monthly(options: MonthlyOptions) -> Result<Arc<MonthlyResult>> {
    guard("runMonthly", || {
        let inventory = match options.inventory_path.as_deref() {
            Some(p) => {
                let inv = cm::io::read_inventory_path(Path::new(p))?;
                Some((inv.assets, p.to_string()))
            }
            None => None,
        };
        let out = cm::monthly::run(cm::monthly::MonthlyInputs {
            previous: options.previous.map(|p| (*p.inner).clone()),
            previous_import: None,
            previous_file: "previous POA&M".to_string(),
            scans: (*options.scans.inner).clone(),
            inventory,
            deviations: read_deviations(options.deviations_path.as_deref())?,
            kev: options.kev_path.as_deref().map(|p| cm::kev::KevCatalog::load(Path::new(p))).transpose()?,
            significant_changes: read_optional_json(options.significant_changes_path.as_deref())?,
            history: read_optional_json(options.history_path.as_deref())?.unwrap_or_default(),
            policy: (*options.policy.inner).clone(),
            as_of: options.as_of,
        })?;
        Ok(Arc::new(MonthlyResult { inner: out }))
    })
}

// ---------------------------------------------------------------------------------------------
// Module facts

/// The version of the conmon engine this library was built from.
#[uniffi::export]
pub fn engine_version() -> String {
    cm::VERSION.to_string()
}

/// The stable error codes.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    cm::error::ERROR_CODES.iter().map(|c| c.to_string()).collect()
}

/// Panics inside the engine boundary; the tests use it to prove a panic becomes
/// `ConmonError.Internal` and never crashes the JVM.
#[uniffi::export]
pub fn internal_panic_for_test() -> Result<()> {
    #[allow(clippy::panic)]
    guard("internalPanicForTest", || -> cm::Result<()> { panic!("deliberate panic for the boundary test") })
}
