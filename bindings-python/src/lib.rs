//! Native module `conmon._conmon`. It only translates types and errors: every rule lives in
//! `conmon-core`. The pure-Python package `conmon` wraps it in the API users see.
//!
//! Large values (scan sets, POA&Ms, monthly results) stay in Rust behind frozen handles; records
//! cross the boundary in bulk as one JSON document per call, which the Python layer decodes once.
//! Every call that reads, reconciles or writes releases the GIL, and every call runs under
//! `catch_unwind`, so a Rust panic surfaces as `conmon.ConmonError` (code `internal_error`),
//! never as `PanicException`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use conmon_core as cm;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(_conmon, ConmonError, PyException, "Base class of every conmon error; `.code` and `.location`.");
create_exception!(_conmon, ParseError, ConmonError, "An input is not well-formed in its format (`parse_error`).");
create_exception!(_conmon, InvalidValueError, ConmonError, "A value is not allowed (`invalid_value`).");
create_exception!(_conmon, MissingFieldError, ConmonError, "A required value is missing (`missing_field`).");
create_exception!(_conmon, ConfigError, ConmonError, "The policy is invalid (`config_error`).");
create_exception!(
    _conmon,
    UnsupportedFormatError,
    ConmonError,
    "The input format is not supported (`unsupported_format`)."
);
create_exception!(_conmon, LimitExceededError, ConmonError, "An input exceeds a limit (`limit_exceeded`).");

/// Converts an engine error to the Python exception of its kind, with `.code` and `.location`.
fn py_err(py: Python<'_>, e: &cm::Error) -> PyErr {
    let message = e.to_string();
    let err = match e.kind() {
        cm::ErrorKind::Io { source } => match source.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        cm::ErrorKind::Parse { .. } => ParseError::new_err(message),
        cm::ErrorKind::InvalidValue { .. } => InvalidValueError::new_err(message),
        cm::ErrorKind::MissingField { .. } => MissingFieldError::new_err(message),
        cm::ErrorKind::Config { .. } => ConfigError::new_err(message),
        cm::ErrorKind::UnsupportedFormat { .. } => UnsupportedFormatError::new_err(message),
        cm::ErrorKind::LimitExceeded { .. } => LimitExceededError::new_err(message),
        _ => ConmonError::new_err(message),
    };
    let value = err.value(py);
    let _ = value.setattr("code", e.code());
    let loc = PyDict::new(py);
    let l = e.location();
    let _ = loc.set_item("file", l.file.clone());
    let _ = loc.set_item("sheet", l.sheet.clone());
    let _ = loc.set_item("line", l.line);
    let _ = loc.set_item("row", l.row);
    let _ = loc.set_item("column", l.column);
    let _ = loc.set_item("field", l.field.clone());
    let _ = loc.set_item("offset", l.offset);
    let _ = value.setattr("location", loc);
    err
}

fn internal(py: Python<'_>, what: &str) -> PyErr {
    let err = ConmonError::new_err(format!("internal error in conmon ({what}); please report it"));
    let _ = err.value(py).setattr("code", "internal_error");
    let _ = err.value(py).setattr("location", PyDict::new(py));
    err
}

/// Runs `f` without the GIL and without letting a panic cross into Python.
fn run<T: Send>(py: Python<'_>, what: &str, f: impl FnOnce() -> cm::Result<T> + Send) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(py_err(py, &e)),
        Err(_) => Err(internal(py, what)),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> cm::Result<String> {
    serde_json::to_string(v).map_err(|e| cm::Error::invalid(format!("JSON encoding failed: {e}")))
}

fn date(s: &str, what: &str) -> cm::Result<chrono::NaiveDate> {
    s.get(..10)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| cm::Error::invalid(format!("`{s}` is not a date (YYYY-MM-DD)")).at(cm::Location::field(what)))
}

/// This month's findings and scan context (a handle; the records stay in Rust until asked for).
#[pyclass(frozen, module = "conmon._conmon")]
struct ScanSet {
    inner: Arc<cm::ingest::ScanSet>,
}

#[pymethods]
impl ScanSet {
    fn __len__(&self) -> usize {
        self.inner.findings.len()
    }

    /// Number of hosts in the scan context.
    #[getter]
    fn host_count(&self) -> usize {
        self.inner.context.hosts.len()
    }

    /// The findings as one JSON array.
    fn findings_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        run(py, "findings_json", move || to_json(&inner.findings))
    }

    /// The scan context (files and hosts) as JSON.
    fn context_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        run(py, "context_json", move || to_json(&inner.context))
    }

    /// This set and `other` as one set.
    fn merged(&self, py: Python<'_>, other: &ScanSet) -> PyResult<ScanSet> {
        let (a, b) = (Arc::clone(&self.inner), Arc::clone(&other.inner));
        run(py, "merged", move || {
            let mut set = (*a).clone();
            set.findings.extend(b.findings.iter().cloned());
            set.context.files.extend(b.context.files.iter().cloned());
            set.context.hosts.extend(b.context.hosts.iter().cloned());
            Ok(ScanSet { inner: Arc::new(set) })
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "ScanSet({} findings, {} hosts, {} files)",
            self.inner.findings.len(),
            self.inner.context.hosts.len(),
            self.inner.context.files.len()
        )
    }
}

/// Reads scan files (format detected from content), all into one set.
#[pyfunction]
fn read_scans(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<ScanSet> {
    run(py, "read_scans", move || Ok(ScanSet { inner: Arc::new(cm::ingest::read_paths(&paths)?) }))
}

/// Reads one scan from bytes; `label` names it in errors.
#[pyfunction]
fn read_scan_bytes(py: Python<'_>, data: Vec<u8>, label: String) -> PyResult<ScanSet> {
    run(py, "read_scan_bytes", move || Ok(ScanSet { inner: Arc::new(cm::ingest::read_bytes(&data, &label)?) }))
}

/// A scan set from JSON: `{"findings": [...], "context": {...}}` (the `scan-set` schema).
#[pyfunction]
fn scan_set_from_json(py: Python<'_>, text: String) -> PyResult<ScanSet> {
    run(py, "scan_set_from_json", move || {
        Ok(ScanSet { inner: Arc::new(cm::io::json::from_str_located(&text, "<scan set>")?) })
    })
}

/// The OSCAL export's options: the policy's deadline choice (the default policy's without one),
/// the FedRAMP ID and the SSP link.
fn oscal_options(
    policy: Option<&Policy>,
    fedramp_id: Option<String>,
    ssp: Option<String>,
) -> cm::io::oscal::OscalOptions {
    let base = match policy {
        Some(p) => cm::io::oscal::OscalOptions::for_policy(&p.inner),
        None => cm::io::oscal::OscalOptions::default(),
    };
    cm::io::oscal::OscalOptions { fedramp_id, ssp_href: ssp, ..base }
}

/// A resolved policy.
#[pyclass(frozen, module = "conmon._conmon")]
struct Policy {
    inner: Arc<cm::Policy>,
}

#[pymethods]
impl Policy {
    /// A preset name or a TOML/JSON policy file.
    #[staticmethod]
    fn resolve(py: Python<'_>, spec: String) -> PyResult<Policy> {
        run(py, "Policy.resolve", move || Ok(Policy { inner: Arc::new(cm::Policy::resolve(&spec)?) }))
    }

    /// A policy from JSON text (the `policy` schema; `preset` plus overrides).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Policy> {
        run(py, "Policy.from_json", move || Ok(Policy { inner: Arc::new(cm::Policy::from_json_str(&text, "<dict>")?) }))
    }

    /// Every option, resolved, as JSON.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&*self.inner).map_err(|e| ConmonError::new_err(e.to_string()))
    }

    /// The preset it started from.
    #[getter]
    fn preset(&self) -> String {
        self.inner.preset.clone()
    }

    fn __repr__(&self) -> String {
        format!("Policy(preset={:?}, regime={:?})", self.inner.preset, self.inner.regime)
    }
}

/// A POA&M (a handle).
#[pyclass(frozen, module = "conmon._conmon")]
struct Poam {
    inner: Arc<cm::model::Poam>,
}

#[pymethods]
impl Poam {
    /// Reads a POA&M by extension: .json (lossless), .xlsx/.xls/.ods, .csv. Returns the POA&M and,
    /// for workbooks and CSV, the import report as JSON (unreadable cells, ignored columns).
    #[staticmethod]
    fn read(py: Python<'_>, path: PathBuf) -> PyResult<(Poam, Option<String>)> {
        run(py, "Poam.read", move || {
            let (poam, import) = cm::io::read_poam_path(&path)?;
            let report = import.map(|i| to_json(&i.report())).transpose()?;
            Ok((Poam { inner: Arc::new(poam) }, report))
        })
    }

    /// A POA&M from JSON (the `poam` schema, or an array of items).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Poam> {
        run(py, "Poam.from_json", move || {
            let trimmed = text.trim_start();
            let poam = if trimmed.starts_with('[') {
                cm::model::Poam { open: cm::io::json::read_items(&text, "<items>")?, ..Default::default() }
            } else {
                cm::io::json::read_poam(&text, "<poam>")?
            };
            Ok(Poam { inner: Arc::new(poam) })
        })
    }

    /// The whole POA&M as JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        run(py, "Poam.to_json", move || to_json(&*inner))
    }

    /// Writes the POA&M by extension (.xlsx workbook, .csv, .json), atomically.
    fn write(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let inner = Arc::clone(&self.inner);
        run(py, "Poam.write", move || cm::io::write_poam_path(&inner, &path))
    }

    /// Writes the OSCAL POA&M JSON, atomically.
    #[pyo3(signature = (path, policy=None, fedramp_id=None, ssp=None))]
    fn write_oscal(
        &self,
        py: Python<'_>,
        path: PathBuf,
        policy: Option<&Policy>,
        fedramp_id: Option<String>,
        ssp: Option<String>,
    ) -> PyResult<()> {
        let inner = Arc::clone(&self.inner);
        let options = oscal_options(policy, fedramp_id, ssp);
        run(py, "Poam.write_oscal", move || cm::io::oscal::write_oscal_file(&inner, &options, &path))
    }

    /// The OSCAL POA&M document as JSON.
    #[pyo3(signature = (policy=None, fedramp_id=None, ssp=None))]
    fn oscal_json(
        &self,
        py: Python<'_>,
        policy: Option<&Policy>,
        fedramp_id: Option<String>,
        ssp: Option<String>,
    ) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        let options = oscal_options(policy, fedramp_id, ssp);
        run(py, "Poam.oscal_json", move || to_json(&cm::io::oscal::to_oscal(&inner, &options)))
    }

    /// (open, closed, configuration findings) counts.
    fn counts(&self) -> (usize, usize, usize) {
        (self.inner.open.len(), self.inner.closed.len(), self.inner.configuration_findings.len())
    }

    fn __repr__(&self) -> String {
        format!(
            "Poam({} open, {} closed, {} configuration findings, date={})",
            self.inner.open.len(),
            self.inner.closed.len(),
            self.inner.configuration_findings.len(),
            self.inner.header.poam_date.map(|d| d.to_string()).unwrap_or_else(|| "None".into())
        )
    }
}

/// Reconciles one month. Returns this month's POA&M and the rest of the result as JSON
/// (`changes`, `not_tracked`, `not_observed`, `issues`, and `placements` when asked for).
#[pyfunction]
#[pyo3(signature = (previous, scans, policy, as_of, deviations_json=None, kev_path=None, with_placements=false))]
#[allow(clippy::too_many_arguments)]
fn reconcile(
    py: Python<'_>,
    previous: Option<&Poam>,
    scans: &ScanSet,
    policy: &Policy,
    as_of: String,
    deviations_json: Option<String>,
    kev_path: Option<PathBuf>,
    with_placements: bool,
) -> PyResult<(Poam, String)> {
    let previous = previous.map(|p| Arc::clone(&p.inner));
    let scans = Arc::clone(&scans.inner);
    let policy = Arc::clone(&policy.inner);
    run(py, "reconcile", move || {
        let as_of = date(&as_of, "as_of")?;
        let deviations: Vec<cm::deviation::Deviation> = match &deviations_json {
            Some(t) => cm::io::json::from_str_located(t, "<deviations>")?,
            None => Vec::new(),
        };
        let kev = kev_path.as_deref().map(cm::kev::KevCatalog::load).transpose()?;
        // Owned previous: the handle's POA&M is shared, so it is copied once here.
        let prev = previous.map(|p| (*p).clone());
        let r = cm::reconcile::reconcile_month(prev, &scans, &deviations, kev.as_ref(), &policy, as_of)?;
        let rest = to_json(&r.log_json(with_placements))?;
        Ok((Poam { inner: Arc::new(r.poam) }, rest))
    })
}

/// Remediation clocks of every item of a POA&M, as a JSON array; `explain=False` leaves each
/// clock's `explanation` empty (much cheaper for large POA&Ms).
#[pyfunction]
#[pyo3(signature = (poam, policy, as_of, explain = true))]
fn clocks(py: Python<'_>, poam: &Poam, policy: &Policy, as_of: String, explain: bool) -> PyResult<String> {
    let poam = Arc::clone(&poam.inner);
    let policy = Arc::clone(&policy.inner);
    run(py, "clocks", move || {
        let at = cm::sla::AsOf::parse(&as_of).map_err(|e| e.at(cm::Location::field("as_of")))?;
        to_json(&cm::sla::evaluate_each(poam.items(), &policy, at, explain)?)
    })
}

/// Reads an inventory (.xlsx workbook or .json array) as JSON `{assets, problems}`.
#[pyfunction]
fn read_inventory(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    run(py, "read_inventory", move || to_json(&cm::io::read_inventory_path(&path)?))
}

/// Reads a deviation register (FedRAMP's deviation request form .xlsx, or a .json array) as JSON.
#[pyfunction]
fn read_deviations(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    run(py, "read_deviations", move || to_json(&cm::io::read_deviations_path(&path)?))
}

/// Validates a POA&M; returns the validation report as JSON (diagnostics, calendar, triggers).
#[pyfunction]
#[pyo3(signature = (poam, policy, as_of, previous=None, scans=None, inventory_json=None, poam_file=None))]
#[allow(clippy::too_many_arguments)]
fn validate(
    py: Python<'_>,
    poam: &Poam,
    policy: &Policy,
    as_of: String,
    previous: Option<&Poam>,
    scans: Option<&ScanSet>,
    inventory_json: Option<String>,
    poam_file: Option<String>,
) -> PyResult<String> {
    let poam = Arc::clone(&poam.inner);
    let policy = Arc::clone(&policy.inner);
    let previous = previous.map(|p| Arc::clone(&p.inner));
    let scans = scans.map(|s| Arc::clone(&s.inner));
    run(py, "validate", move || {
        let as_of = date(&as_of, "as_of")?;
        let inventory: Option<Vec<cm::io::xlsx::InventoryAsset>> =
            inventory_json.as_deref().map(|t| cm::io::json::from_str_located(t, "<inventory>")).transpose()?;
        let file = poam_file.unwrap_or_else(|| "poam".to_string());
        to_json(&cm::monthly::validation_report(&cm::validate::Package {
            poam: &poam,
            poam_file: &file,
            import: None,
            previous: previous.as_deref(),
            scans: scans.as_deref(),
            inventory: inventory.as_deref(),
            inventory_file: "inventory",
            policy: &policy,
            as_of,
        }))
    })
}

/// The calendar of a package uploaded on `as_of` as JSON.
#[pyfunction]
#[pyo3(signature = (policy, as_of, significant_changes_json=None))]
fn calendar(
    py: Python<'_>,
    policy: &Policy,
    as_of: String,
    significant_changes_json: Option<String>,
) -> PyResult<String> {
    let policy = Arc::clone(&policy.inner);
    run(py, "calendar", move || {
        let as_of = date(&as_of, "as_of")?;
        let mut cal = cm::calendar::monthly(&policy, as_of);
        if let Some(t) = significant_changes_json {
            let v: serde_json::Value = cm::io::json::from_str_located(&t, "<significant changes>")?;
            cal.change_notices = cm::calendar::change_notices(&v, as_of);
        }
        to_json(&cal)
    })
}

/// The result of the monthly job (a handle).
#[pyclass(frozen, module = "conmon._conmon")]
struct MonthlyResult {
    inner: Arc<cm::monthly::MonthlyOutput>,
}

#[pymethods]
impl MonthlyResult {
    /// This month's POA&M.
    #[getter]
    fn poam(&self) -> Poam {
        Poam { inner: Arc::new(self.inner.reconciliation.poam.clone()) }
    }

    /// The validation report as JSON.
    fn validation_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        run(py, "validation_json", move || to_json(&inner.validation))
    }

    /// The change log as JSON (`changes`, `not_tracked`, `not_observed`, `issues`).
    fn changes_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        run(py, "changes_json", move || {
            let r = &inner.reconciliation;
            to_json(&r.log_json(false))
        })
    }

    /// Month summaries including this month, as JSON.
    fn history_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.history).map_err(|e| ConmonError::new_err(e.to_string()))
    }

    /// The meeting report (HTML).
    #[getter]
    fn report_html(&self) -> String {
        self.inner.report_html.clone()
    }

    /// The clocks of the open items past due at the POA&M date, as JSON, under the run's policy
    /// unless `policy` gives another (`MonthlyOutput::late_clocks`).
    #[pyo3(signature = (policy=None, explain=true))]
    fn late_clocks_json(&self, py: Python<'_>, policy: Option<&Policy>, explain: bool) -> PyResult<String> {
        let inner = Arc::clone(&self.inner);
        let policy = policy.map(|p| Arc::clone(&p.inner));
        run(py, "late_items", move || to_json(&inner.late_clocks(policy.as_deref(), explain)?))
    }

    /// Writes every deliverable into `directory`; returns the paths written.
    #[pyo3(signature = (directory, fedramp_id=None, ssp=None))]
    fn write(
        &self,
        py: Python<'_>,
        directory: PathBuf,
        fedramp_id: Option<String>,
        ssp: Option<String>,
    ) -> PyResult<Vec<PathBuf>> {
        let inner = Arc::clone(&self.inner);
        let options = cm::io::oscal::OscalOptions {
            fedramp_id,
            ssp_href: ssp,
            ..cm::io::oscal::OscalOptions::for_policy(&inner.policy)
        };
        run(py, "MonthlyResult.write", move || cm::monthly::write_outputs_with(&inner, &directory, &options))
    }

    fn __repr__(&self) -> String {
        let p = &self.inner.reconciliation.poam;
        format!(
            "MonthlyResult({} open, {} closed, {} changes, valid={})",
            p.open.len(),
            p.closed.len(),
            self.inner.reconciliation.changes.len(),
            self.inner.validation.valid
        )
    }
}

/// The monthly job in memory. Inputs as handles and JSON texts.
#[pyfunction]
#[pyo3(signature = (scans, policy, as_of, previous=None, inventory_json=None, deviations_json=None, kev_path=None, significant_changes_json=None, history_json=None))]
#[allow(clippy::too_many_arguments)]
fn monthly(
    py: Python<'_>,
    scans: &ScanSet,
    policy: &Policy,
    as_of: String,
    previous: Option<&Poam>,
    inventory_json: Option<String>,
    deviations_json: Option<String>,
    kev_path: Option<PathBuf>,
    significant_changes_json: Option<String>,
    history_json: Option<String>,
) -> PyResult<MonthlyResult> {
    let scans = Arc::clone(&scans.inner);
    let policy = Arc::clone(&policy.inner);
    let previous = previous.map(|p| Arc::clone(&p.inner));
    run(py, "monthly", move || {
        let as_of = date(&as_of, "as_of")?;
        let inventory: Option<Vec<cm::io::xlsx::InventoryAsset>> =
            inventory_json.as_deref().map(|t| cm::io::json::from_str_located(t, "<inventory>")).transpose()?;
        let out = cm::monthly::run(cm::monthly::MonthlyInputs {
            previous: previous.map(|p| (*p).clone()),
            previous_import: None,
            previous_file: "previous POA&M".to_string(),
            scans: (*scans).clone(),
            inventory: inventory.map(|a| (a, "inventory".to_string())),
            deviations: deviations_json
                .as_deref()
                .map(|t| cm::io::json::from_str_located(t, "<deviations>"))
                .transpose()?
                .unwrap_or_default(),
            kev: kev_path.as_deref().map(cm::kev::KevCatalog::load).transpose()?,
            significant_changes: significant_changes_json
                .as_deref()
                .map(|t| cm::io::json::from_str_located(t, "<significant changes>"))
                .transpose()?,
            history: history_json
                .as_deref()
                .map(|t| cm::io::json::from_str_located(t, "<history>"))
                .transpose()?
                .unwrap_or_default(),
            policy: (*policy).clone(),
            as_of,
        })?;
        Ok(MonthlyResult { inner: Arc::new(out) })
    })
}

/// The version of the conmon engine this module was built from.
#[pyfunction]
fn engine_version() -> &'static str {
    cm::VERSION
}

/// The stable error codes.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    cm::error::ERROR_CODES.to_vec()
}

/// Names of the policy presets with their descriptions.
#[pyfunction]
fn presets() -> Vec<(&'static str, &'static str)> {
    cm::policy::PRESETS.to_vec()
}

/// Raises the error a panic becomes (for the panic-safety test).
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<()> {
    run(py, "_panic_for_test", || -> cm::Result<()> {
        #[allow(clippy::panic)]
        {
            panic!("deliberate panic for the test suite")
        }
    })
}

#[pymodule]
fn _conmon(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ConmonError", py.get_type::<ConmonError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("InvalidValueError", py.get_type::<InvalidValueError>())?;
    m.add("MissingFieldError", py.get_type::<MissingFieldError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("UnsupportedFormatError", py.get_type::<UnsupportedFormatError>())?;
    m.add("LimitExceededError", py.get_type::<LimitExceededError>())?;
    m.add_class::<ScanSet>()?;
    m.add_class::<Policy>()?;
    m.add_class::<Poam>()?;
    m.add_class::<MonthlyResult>()?;
    for f in [
        wrap_pyfunction!(read_scans, m)?,
        wrap_pyfunction!(read_scan_bytes, m)?,
        wrap_pyfunction!(scan_set_from_json, m)?,
        wrap_pyfunction!(reconcile, m)?,
        wrap_pyfunction!(clocks, m)?,
        wrap_pyfunction!(read_inventory, m)?,
        wrap_pyfunction!(read_deviations, m)?,
        wrap_pyfunction!(validate, m)?,
        wrap_pyfunction!(calendar, m)?,
        wrap_pyfunction!(monthly, m)?,
        wrap_pyfunction!(engine_version, m)?,
        wrap_pyfunction!(error_codes, m)?,
        wrap_pyfunction!(presets, m)?,
        wrap_pyfunction!(_panic_for_test, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
