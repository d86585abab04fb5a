//! The monthly job in one call: reconcile last month's POA&M with this month's scans, the
//! deviation register and the KEV catalog; validate the package; compute the calendar and the
//! escalation triggers; render the meeting report; and write every deliverable.
//!
//! Output files ([`write_outputs`]), each written atomically (a failure leaves the previous file):
//!
//! | file | what |
//! |---|---|
//! | `poam.xlsx` | the FedRAMP POA&M workbook |
//! | `poam.json` | the whole POA&M, lossless: what `--previous` reads next month |
//! | `poam.csv` | POA&M items with the template's headers and `POAM Sheet` |
//! | `oscal-poam.json` | OSCAL POA&M |
//! | `changes.json` | the change log, findings not tracked, assets not observed, rule issues |
//! | `validation.json` | the validation report, calendar and triggers |
//! | `report.html` | the monthly meeting report |
//! | `history.json` | month summaries for the triggers of later months (added by conmon) |
//! | `vdr-report.json` | the VDR report, when the policy's regime is VDR (added by conmon) |

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{self, MonthlyCalendar};
use crate::deviation::Deviation;
use crate::error::{Error, Location, Result};
use crate::ingest::ScanSet;
use crate::io::xlsx::{InventoryAsset, PoamImport};
use crate::issue::{Issue, Severity};
use crate::kev::KevCatalog;
use crate::model::Poam;
use crate::policy::{Policy, Regime};
use crate::reconcile::{self, ChangeKind, Reconciliation};
use crate::triggers::{self, MonthSummary, Trigger};
use crate::validate::{self, Package};

/// Everything the monthly job reads.
#[derive(Debug, Clone)]
pub struct MonthlyInputs {
    /// Last month's POA&M (`None`: the first month).
    pub previous: Option<Poam>,
    /// How the previous POA&M was read from a workbook or CSV, when it was (its problems are
    /// reported; they are not fatal).
    pub previous_import: Option<PoamImport>,
    /// Label of the previous POA&M file.
    pub previous_file: String,
    /// This month's scans.
    pub scans: ScanSet,
    /// The inventory and its file label.
    pub inventory: Option<(Vec<InventoryAsset>, String)>,
    /// The deviation register.
    pub deviations: Vec<Deviation>,
    /// The KEV catalog.
    pub kev: Option<KevCatalog>,
    /// Significant change requests (shown in the report).
    pub significant_changes: Option<serde_json::Value>,
    /// Month summaries of earlier months (from last month's `history.json`).
    pub history: Vec<MonthSummary>,
    /// The policy.
    pub policy: Policy,
    /// The POA&M date (taken as the package's upload date).
    pub as_of: NaiveDate,
}

/// The validation report (`validation.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValidationReport {
    /// Engine version.
    pub engine_version: String,
    /// The POA&M date.
    pub as_of: NaiveDate,
    /// True when there is no error.
    pub valid: bool,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Every diagnostic, errors first.
    pub diagnostics: Vec<Issue>,
    /// The calendar.
    pub calendar: MonthlyCalendar,
    /// The escalation triggers.
    pub triggers: Vec<Trigger>,
}

impl ValidationReport {
    /// Builds the report from diagnostics.
    pub fn new(as_of: NaiveDate, diagnostics: Vec<Issue>, calendar: MonthlyCalendar, triggers: Vec<Trigger>) -> Self {
        let errors = diagnostics.iter().filter(|i| i.severity == Severity::Error).count();
        ValidationReport {
            engine_version: crate::VERSION.to_string(),
            as_of,
            valid: errors == 0,
            errors,
            warnings: diagnostics.len() - errors,
            diagnostics,
            calendar,
            triggers,
        }
    }
}

/// Validates a package and adds this month's calendar and triggers (no history): the report
/// `conmon validate` prints and the bindings return.
pub fn validation_report(package: &Package<'_>) -> ValidationReport {
    let diagnostics = validate::validate(package);
    let calendar = calendar::monthly(package.policy, package.as_of);
    let (triggers, _) = triggers::evaluate(
        &triggers::TriggerInputs {
            poam: package.poam,
            scans: package.scans,
            calendar: &calendar,
            history: &[],
            new_items: 0,
            closed_items: 0,
            policy: package.policy,
        },
        package.as_of,
    );
    ValidationReport::new(package.as_of, diagnostics, calendar, triggers)
}

/// The change log file (`changes.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeLog {
    /// Engine version.
    pub engine_version: String,
    /// The POA&M date.
    pub as_of: NaiveDate,
    /// Counts by change kind.
    pub summary: std::collections::BTreeMap<String, usize>,
    /// Every change.
    pub changes: Vec<reconcile::Change>,
    /// Findings on no item, with the reason.
    pub not_tracked: Vec<reconcile::NotTracked>,
    /// Open items' assets no scan observed.
    pub not_observed: Vec<reconcile::NotObserved>,
    /// Rule issues found while reconciling (deviation checks).
    pub issues: Vec<Issue>,
}

/// Everything the monthly job produces.
#[derive(Debug, Clone)]
pub struct MonthlyOutput {
    /// The reconciliation (this month's POA&M and the change log).
    pub reconciliation: Reconciliation,
    /// The validation report.
    pub validation: ValidationReport,
    /// History including this month.
    pub history: Vec<MonthSummary>,
    /// The meeting report.
    pub report_html: String,
    /// The VDR report, when the regime is VDR.
    pub vdr: Option<crate::io::vdr::VdrReport>,
    /// The policy used.
    pub policy: Policy,
}

impl MonthlyOutput {
    /// The clocks of this month's past-due items at the POA&M date: the open sheet's items whose
    /// clock is late, in POA&M order. They are the items the meeting report lists under
    /// "Past-due POA&M items" and `history.json` counts as `late_items` (configuration findings
    /// have their own sheet and are not counted, as there). Under the run's policy unless
    /// `policy` gives another; with each clock's explanation when `explain`.
    ///
    /// # Errors
    /// A clock cannot be evaluated: a VDR item without its `vdr` facts, or a date beyond the
    /// calendar. The error names the item; the report and `history.json` leave such an item out.
    pub fn late_clocks(&self, policy: Option<&Policy>, explain: bool) -> Result<Vec<crate::sla::Clock>> {
        let policy = policy.unwrap_or(&self.policy);
        let as_of = crate::sla::AsOf::date(self.validation.as_of);
        let mut clocks = crate::sla::evaluate_each(&self.reconciliation.poam.open, policy, as_of, explain)?;
        clocks.retain(crate::sla::Clock::is_late);
        Ok(clocks)
    }
}

/// Runs the monthly job in memory.
///
/// # Errors
/// The previous POA&M is unusable (duplicate IDs, grouped scanner IDs), or a clock cannot be
/// evaluated.
pub fn run(input: MonthlyInputs) -> Result<MonthlyOutput> {
    let MonthlyInputs {
        previous,
        previous_import,
        previous_file,
        scans,
        inventory,
        deviations,
        kev,
        significant_changes,
        history,
        policy,
        as_of,
    } = input;
    let previous = previous.unwrap_or_default();
    if let Some(d) = previous.header.poam_date
        && d > as_of
    {
        return Err(Error::invalid(format!(
            "the previous POA&M is dated {d}, after this month's date {as_of}: pass last month's POA&M"
        ))
        .at(Location::file(&previous_file)));
    }
    reconcile::check_previous(&previous, &previous_file)?;
    // Kept for the month-over-month checks; the reconciliation takes the original.
    let previous_copy = previous.clone();
    let rec = reconcile::reconcile_month(Some(previous), &scans, &deviations, kev.as_ref(), &policy, as_of)?;
    let mut diagnostics = Vec::new();
    if let Some(import) = &previous_import {
        for p in &import.problems {
            diagnostics.push(
                Issue::warning("previous.unreadable_cell", "S7", format!("last month's POA&M: {}", p.message))
                    .at(p.location.clone()),
            );
        }
    }
    let (inv, inv_file) = match &inventory {
        Some((a, f)) => (Some(a.as_slice()), f.as_str()),
        None => (None, ""),
    };
    diagnostics.extend(validate::validate(&Package {
        poam: &rec.poam,
        poam_file: "poam.json",
        import: None,
        previous: Some(&previous_copy),
        scans: Some(&scans),
        inventory: inv,
        inventory_file: inv_file,
        policy: &policy,
        as_of,
    }));
    diagnostics.extend(rec.issues.iter().cloned());
    crate::issue::errors_first(&mut diagnostics);
    let mut cal = calendar::monthly(&policy, as_of);
    if let Some(changes) = &significant_changes {
        cal.change_notices = calendar::change_notices(changes, as_of);
    }
    let new_items = rec.changes.iter().filter(|c| c.kind == ChangeKind::New).count() as u64;
    let closed_items = rec.changes.iter().filter(|c| c.kind == ChangeKind::Closed).count() as u64;
    // History before this month (a re-run of the same month replaces its entry).
    let mut history: Vec<MonthSummary> = history.into_iter().filter(|m| m.as_of < as_of).collect();
    let (trig, summary) = triggers::evaluate(
        &triggers::TriggerInputs {
            poam: &rec.poam,
            scans: Some(&scans),
            calendar: &cal,
            history: &history,
            new_items,
            closed_items,
            policy: &policy,
        },
        as_of,
    );
    history.push(summary);
    let vdr = if policy.regime == Regime::Vdr {
        Some(crate::io::vdr::report(&rec.poam, &policy, crate::sla::AsOf::date(as_of))?)
    } else {
        None
    };
    let report_html = crate::report::html(&crate::report::ReportInputs {
        poam: &rec.poam,
        deviations: &deviations,
        significant_changes: significant_changes.as_ref(),
        calendar: &cal,
        triggers: &trig,
        history: &history,
        validation: &diagnostics,
        policy: &policy,
        as_of,
    });
    let validation = ValidationReport::new(as_of, diagnostics, cal, trig);
    Ok(MonthlyOutput { reconciliation: rec, validation, history, report_html, vdr, policy })
}

fn stage_json<T: Serialize>(batch: &mut crate::io::atomic::Batch, value: &T, path: &Path) -> Result<()> {
    let label = path.display().to_string();
    batch.stage(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)
            .map_err(|e| Error::invalid(format!("writing JSON failed: {e}")).at(Location::file(&label)))?;
        std::io::Write::write_all(w, b"\n").map_err(|e| Error::io(e, path))
    })
}

/// Writes every output file into `dir` (created when missing) and returns their paths.
///
/// All or nothing: every file is first written in full beside its target, and only when all are
/// complete are they renamed into place, `poam.json` (what next month reads) last. A failure or
/// an interruption while writing leaves every previous output as it was (see
/// [`crate::io::atomic::Batch`]).
///
/// # Errors
/// A file cannot be written; the previous outputs are kept.
pub fn write_outputs(out: &MonthlyOutput, dir: &Path) -> Result<Vec<PathBuf>> {
    write_outputs_with(out, dir, &crate::io::oscal::OscalOptions::for_policy(&out.policy))
}

/// [`write_outputs`], with the OSCAL export's options: the system's FedRAMP ID and the link to
/// its OSCAL SSP. Start from [`crate::io::oscal::OscalOptions::for_policy`] so that the deadline
/// follows the policy.
///
/// # Errors
/// A file cannot be written; the previous outputs are kept.
pub fn write_outputs_with(
    out: &MonthlyOutput,
    dir: &Path,
    oscal_options: &crate::io::oscal::OscalOptions,
) -> Result<Vec<PathBuf>> {
    use crate::io::{csv, oscal, vdr, xlsx};
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
    let poam = &out.reconciliation.poam;
    let mut batch = crate::io::atomic::Batch::new();
    let at = |name: &str| (dir.join(name), dir.join(name).display().to_string());
    let (p, l) = at("poam.xlsx");
    batch.stage_seekable(&p, |f| xlsx::write_poam(poam, f, &l))?;
    let (p, l) = at("poam.csv");
    batch.stage(&p, |w| csv::write_poam(poam, w, &l))?;
    let (p, l) = at("oscal-poam.json");
    batch.stage(&p, |w| oscal::write_oscal(poam, oscal_options, w, &l))?;
    let rec = &out.reconciliation;
    let mut summary = std::collections::BTreeMap::new();
    for c in &rec.changes {
        let k = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        *summary.entry(k).or_insert(0) += 1;
    }
    let log = ChangeLog {
        engine_version: crate::VERSION.to_string(),
        as_of: out.validation.as_of,
        summary,
        changes: rec.changes.clone(),
        not_tracked: rec.not_tracked.clone(),
        not_observed: rec.not_observed.clone(),
        issues: rec.issues.clone(),
    };
    stage_json(&mut batch, &log, &dir.join("changes.json"))?;
    stage_json(&mut batch, &out.validation, &dir.join("validation.json"))?;
    let html = dir.join("report.html");
    batch
        .stage(&html, |w| std::io::Write::write_all(w, out.report_html.as_bytes()).map_err(|e| Error::io(e, &html)))?;
    stage_json(&mut batch, &out.history, &dir.join("history.json"))?;
    if let Some(v) = &out.vdr {
        let (p, l) = at("vdr-report.json");
        batch.stage(&p, |w| vdr::write_report(v, w, &l))?;
    }
    let json = dir.join("poam.json");
    let text = crate::io::json::write_poam(poam)?;
    batch.stage(&json, |w| std::io::Write::write_all(w, text.as_bytes()).map_err(|e| Error::io(e, &json)))?;
    batch.commit()
}
