//! `conmon monthly`, `conmon validate` and `conmon explain`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use conmon_core as cm;
use serde::Serialize;

use crate::{CliError, Format, write_stdout};

#[derive(Args, Debug)]
pub(crate) struct MonthlyArgs {
    /// Last month's POA&M: poam.json from last month's run (lossless), or a workbook (.xlsx) or
    /// CSV to start from. Without it, this is the first month.
    #[arg(long)]
    previous: Option<PathBuf>,
    /// This month's scan files, or directories of them (read recursively, hidden entries
    /// skipped, files sorted by path).
    #[arg(long, required = true, num_args = 1..)]
    scans: Vec<PathBuf>,
    /// The Integrated Inventory Workbook (.xlsx).
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// The deviation register: FedRAMP's Vulnerability Deviation Request Form (.xlsx), or a JSON
    /// array of deviation records (`conmon schema deviations`).
    #[arg(long)]
    deviations: Option<PathBuf>,
    /// The CISA KEV catalog JSON (known_exploited_vulnerabilities.json).
    #[arg(long)]
    kev: Option<PathBuf>,
    /// Significant change requests: a JSON array of objects, shown in the meeting report.
    #[arg(long)]
    changes: Option<PathBuf>,
    /// Month summaries of earlier months (default: history.json beside --previous, if any).
    #[arg(long)]
    history: Option<PathBuf>,
    /// Policy: a preset name (see `conmon policy`) or a TOML/JSON policy file.
    #[arg(long, default_value = "fedramp_rev5")]
    policy: String,
    /// This POA&M's date (the package's submission date), YYYY-MM-DD.
    #[arg(long)]
    as_of: String,
    /// Output directory (created when missing).
    #[arg(long)]
    out: PathBuf,
    /// The system's FedRAMP ID, for `system-id` in oscal-poam.json (default: the system name).
    #[arg(long)]
    fedramp_id: Option<String>,
    /// The system's OSCAL SSP (a path relative to the output directory, or a URL), linked from
    /// oscal-poam.json's `import-ssp`. Without it, `import-ssp` points to a `no-oscal-ssp` resource.
    #[arg(long)]
    ssp: Option<String>,
    /// Print the summary as JSON instead of text.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// No progress bar and no summary; the exit code says how it went.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ValidateArgs {
    /// The POA&M to check: .json, .xlsx or .csv.
    #[arg(long)]
    poam: PathBuf,
    /// Last month's POA&M, for the month-over-month checks.
    #[arg(long)]
    previous: Option<PathBuf>,
    /// This month's scan files or directories.
    #[arg(long, num_args = 1..)]
    scans: Vec<PathBuf>,
    /// The Integrated Inventory Workbook (.xlsx).
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// Policy: a preset name or a TOML/JSON policy file.
    #[arg(long, default_value = "fedramp_rev5")]
    policy: String,
    /// The POA&M date, YYYY-MM-DD.
    #[arg(long)]
    as_of: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Print nothing; the exit code says whether the package is valid.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    /// The POA&M ID.
    item: String,
    /// The POA&M (.json, .xlsx or .csv).
    #[arg(long)]
    poam: PathBuf,
    /// The change log of the month (changes.json), to list what changed on the item.
    #[arg(long)]
    changes: Option<PathBuf>,
    /// Policy: a preset name or a TOML/JSON policy file.
    #[arg(long, default_value = "fedramp_rev5")]
    policy: String,
    /// The as-of date, YYYY-MM-DD.
    #[arg(long)]
    as_of: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

fn date(s: &str, fmt: Format) -> Result<chrono::NaiveDate, CliError> {
    s.parse().map_err(|_| {
        CliError::Engine(
            cm::Error::invalid(format!("`{s}` is not a date (YYYY-MM-DD)")).at(cm::Location::field("--as-of")),
            fmt,
        )
    })
}

/// Reads scans with a progress bar over the files (hidden when stderr is not a terminal).
fn read_scans(paths: &[PathBuf], quiet: bool) -> Result<cm::ingest::ScanSet, cm::Error> {
    let files = cm::ingest::scan_files(paths)?;
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} reading scans [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    };
    let mut set = cm::ingest::ScanSet::default();
    for f in &files {
        bar.set_message(f.display().to_string());
        let one = cm::ingest::read_path(f)?;
        set.findings.extend(one.findings);
        set.context.files.extend(one.context.files);
        set.context.hosts.extend(one.context.hosts);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(set)
}

fn read_poam(path: &Path) -> Result<(cm::model::Poam, Option<cm::io::xlsx::PoamImport>), cm::Error> {
    cm::io::read_poam_path(path)
}

fn read_inventory(path: &Path) -> Result<cm::io::xlsx::InventoryImport, cm::Error> {
    cm::io::read_inventory_path(path)
}

#[derive(Serialize)]
struct MonthlySummary<'a> {
    out: String,
    files: Vec<String>,
    open: usize,
    closed: usize,
    configuration_findings: usize,
    changes: usize,
    not_tracked: usize,
    not_observed: usize,
    valid: bool,
    errors: usize,
    warnings: usize,
    triggers_tripped: Vec<&'a str>,
}

pub(crate) fn run_monthly(args: &MonthlyArgs) -> Result<ExitCode, CliError> {
    let fmt = args.format;
    let engine = |e| CliError::Engine(e, fmt);
    let as_of = date(&args.as_of, fmt)?;
    let policy = cm::Policy::resolve(&args.policy).map_err(engine)?;
    // Read everything first: a bad input stops the run before any output is touched.
    let (previous, previous_import, previous_file) = match &args.previous {
        Some(p) => {
            let (poam, import) = read_poam(p).map_err(engine)?;
            (Some(poam), import, p.display().to_string())
        }
        None => (None, None, String::new()),
    };
    let scans = read_scans(&args.scans, args.quiet).map_err(engine)?;
    let inventory = match &args.inventory {
        Some(p) => {
            let inv = read_inventory(p).map_err(engine)?;
            if let Some(first) = inv.problems.first() {
                return Err(engine(
                    cm::Error::invalid(format!("inventory: {} ({} problem(s))", first.message, inv.problems.len()))
                        .at(first.location.clone()),
                ));
            }
            Some((inv.assets, p.display().to_string()))
        }
        None => None,
    };
    let deviations: Vec<cm::deviation::Deviation> = match &args.deviations {
        Some(p) => cm::io::read_deviations_path(p).map_err(engine)?,
        None => Vec::new(),
    };
    let kev = match &args.kev {
        Some(p) => Some(cm::kev::KevCatalog::load(p).map_err(engine)?),
        None => None,
    };
    let significant_changes: Option<serde_json::Value> = match &args.changes {
        Some(p) => Some(cm::io::read_json_path(p).map_err(engine)?),
        None => None,
    };
    let history_path = args.history.clone().or_else(|| {
        let beside = args.previous.as_ref()?.parent()?.join("history.json");
        beside.exists().then_some(beside)
    });
    let history: Vec<cm::triggers::MonthSummary> = match &history_path {
        Some(p) => cm::io::read_json_path(p).map_err(engine)?,
        None => Vec::new(),
    };
    let output = cm::monthly::run(cm::monthly::MonthlyInputs {
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
    })
    .map_err(engine)?;
    let oscal = cm::io::oscal::OscalOptions {
        fedramp_id: args.fedramp_id.clone(),
        ssp_href: args.ssp.clone(),
        ..cm::io::oscal::OscalOptions::for_policy(&output.policy)
    };
    let files = cm::monthly::write_outputs_with(&output, &args.out, &oscal).map_err(engine)?;
    let v = &output.validation;
    let poam = &output.reconciliation.poam;
    if !args.quiet {
        let summary = MonthlySummary {
            out: args.out.display().to_string(),
            files: files.iter().map(|f| f.display().to_string()).collect(),
            open: poam.open.len(),
            closed: poam.closed.len(),
            configuration_findings: poam.configuration_findings.len(),
            changes: output.reconciliation.changes.len(),
            not_tracked: output.reconciliation.not_tracked.len(),
            not_observed: output.reconciliation.not_observed.len(),
            valid: v.valid,
            errors: v.errors,
            warnings: v.warnings,
            triggers_tripped: v.triggers.iter().filter(|t| t.tripped).map(|t| t.code.as_str()).collect(),
        };
        let text = match fmt {
            Format::Json => serde_json::to_string_pretty(&summary).map_err(|e| CliError::Usage(e.to_string()))? + "\n",
            Format::Text => {
                let mut s = format!(
                    "POA&M {}: {} open, {} closed, {} configuration findings; {} changes; {} findings not tracked; {} asset(s) not observed\n",
                    as_of,
                    summary.open,
                    summary.closed,
                    summary.configuration_findings,
                    summary.changes,
                    summary.not_tracked,
                    summary.not_observed
                );
                s.push_str(&format!(
                    "validation: {} error(s), {} warning(s); triggers tripped: {}\n",
                    v.errors,
                    v.warnings,
                    if summary.triggers_tripped.is_empty() {
                        "none".to_string()
                    } else {
                        summary.triggers_tripped.join(", ")
                    }
                ));
                for f in &summary.files {
                    s.push_str(&format!("wrote {f}\n"));
                }
                s
            }
        };
        write_stdout(&text)?;
    }
    Ok(if v.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub(crate) fn run_validate(args: &ValidateArgs) -> Result<ExitCode, CliError> {
    let fmt = args.format;
    let engine = |e| CliError::Engine(e, fmt);
    let as_of = date(&args.as_of, fmt)?;
    let policy = cm::Policy::resolve(&args.policy).map_err(engine)?;
    let (poam, import) = read_poam(&args.poam).map_err(engine)?;
    let previous = match &args.previous {
        Some(p) => Some(read_poam(p).map_err(engine)?.0),
        None => None,
    };
    let scans = if args.scans.is_empty() { None } else { Some(read_scans(&args.scans, args.quiet).map_err(engine)?) };
    let inventory = match &args.inventory {
        Some(p) => Some(read_inventory(p).map_err(engine)?),
        None => None,
    };
    let poam_file = args.poam.display().to_string();
    let inventory_file = args.inventory.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let mut report = cm::monthly::validation_report(&cm::validate::Package {
        poam: &poam,
        poam_file: &poam_file,
        import: import.as_ref(),
        previous: previous.as_ref(),
        scans: scans.as_ref(),
        inventory: inventory.as_ref().map(|i| i.assets.as_slice()),
        inventory_file: &inventory_file,
        policy: &policy,
        as_of,
    });
    if let Some(inv) = inventory.as_ref().filter(|i| !i.problems.is_empty()) {
        let mut diagnostics = std::mem::take(&mut report.diagnostics);
        for p in &inv.problems {
            diagnostics.push(
                cm::issue::Issue::error("inventory.unreadable_cell", "R6.7", p.message.clone()).at(p.location.clone()),
            );
        }
        diagnostics.sort_by_key(|i| i.severity);
        report = cm::monthly::ValidationReport::new(as_of, diagnostics, report.calendar, report.triggers);
    }
    if !args.quiet {
        let text = match fmt {
            Format::Json => serde_json::to_string_pretty(&report).map_err(|e| CliError::Usage(e.to_string()))? + "\n",
            Format::Text => {
                let mut s = String::new();
                for d in &report.diagnostics {
                    s.push_str(&d.to_string());
                    s.push('\n');
                }
                s.push_str(&format!(
                    "{}: {} error(s), {} warning(s)\n",
                    if report.valid { "valid" } else { "not valid" },
                    report.errors,
                    report.warnings
                ));
                s
            }
        };
        write_stdout(&text)?;
    }
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[derive(Serialize)]
struct Explanation<'a> {
    item: &'a cm::model::PoamItem,
    sheet: &'a str,
    clock: cm::sla::Clock,
    changes: Vec<cm::reconcile::Change>,
}

pub(crate) fn run_explain(args: &ExplainArgs) -> Result<ExitCode, CliError> {
    let fmt = args.format;
    let engine = |e| CliError::Engine(e, fmt);
    let as_of = date(&args.as_of, fmt)?;
    let policy = cm::Policy::resolve(&args.policy).map_err(engine)?;
    let (poam, _) = read_poam(&args.poam).map_err(engine)?;
    let sheets: [(&str, &[cm::model::PoamItem]); 3] =
        [("open", &poam.open), ("closed", &poam.closed), ("configuration", &poam.configuration_findings)];
    let Some((sheet, item)) =
        sheets.iter().find_map(|(name, items)| items.iter().find(|i| i.poam_id == args.item).map(|i| (*name, i)))
    else {
        return Err(engine(
            cm::Error::missing(format!("no item {} in the POA&M", args.item))
                .at(cm::Location::file(args.poam.display().to_string())),
        ));
    };
    let clock = cm::sla::evaluate(item, &policy, cm::sla::AsOf::date(as_of)).map_err(engine)?;
    let changes: Vec<cm::reconcile::Change> = match &args.changes {
        Some(p) => {
            let log: cm::monthly::ChangeLog = cm::io::read_json_path(p).map_err(engine)?;
            log.changes.into_iter().filter(|c| c.poam_id == args.item).collect()
        }
        None => Vec::new(),
    };
    let text = match fmt {
        Format::Json => {
            serde_json::to_string_pretty(&Explanation { item, sheet, clock, changes })
                .map_err(|e| CliError::Usage(e.to_string()))?
                + "\n"
        }
        Format::Text => {
            let mut s = format!(
                "{} ({sheet}): {}\n  rating {} (original {}), detected {}, scheduled {}\n  state: {:?}, due {}, {} day(s) late\n",
                item.poam_id,
                item.weakness_name,
                item.effective_risk_rating().as_template(),
                item.original_risk_rating.as_template(),
                item.original_detection_date,
                item.scheduled_completion_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                clock.state,
                clock.due_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                clock.days_late
            );
            s.push_str("  why:\n");
            for step in &clock.explanation {
                s.push_str(&format!("    [{}] {}\n", step.rule, step.text));
            }
            if !changes.is_empty() {
                s.push_str("  changes this month:\n");
                for c in &changes {
                    s.push_str(&format!("    {c}\n"));
                }
            }
            s
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The bundled sample package (examples/data/monthly), embedded so that `conmon demo` runs
/// anywhere.
const SAMPLE: &[(&str, &str)] = &[
    ("2026-02/os-web-db.nessus", include_str!("../../examples/data/monthly/2026-02/os-web-db.nessus")),
    ("2026-03/os-web-db.nessus", include_str!("../../examples/data/monthly/2026-03/os-web-db.nessus")),
    ("inventory.json", include_str!("../../examples/data/monthly/inventory.json")),
    ("deviations.json", include_str!("../../examples/data/monthly/deviations.json")),
    ("kev.json", include_str!("../../examples/data/monthly/kev.json")),
    ("significant-changes.json", include_str!("../../examples/data/monthly/significant-changes.json")),
    ("policy.toml", include_str!("../../examples/data/monthly/policy.toml")),
];

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Where to write the sample inputs and both months' outputs.
    #[arg(long, default_value = "conmon-demo")]
    out: PathBuf,
    /// Print the summaries as JSON.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Instead, print the remediation clocks of the sample POA&M (examples/data/sample-poam.json).
    #[arg(long)]
    clocks: bool,
    /// As-of date for `--clocks`.
    #[arg(long, default_value = "2026-03-13")]
    as_of: String,
}

/// `conmon demo`: the monthly job on the bundled sample package, February (first month) then
/// March against February's poam.json. Exit 0 when both months ran (validation findings are part
/// of the demonstration), 2 when they could not.
pub(crate) fn run_demo(args: &DemoArgs) -> Result<ExitCode, CliError> {
    if args.clocks {
        return crate::clock_cmd::run_demo(&crate::clock_cmd::DemoArgs::new(args.format, args.as_of.clone()));
    }
    let fmt = args.format;
    let inputs = args.out.join("inputs");
    for (name, text) in SAMPLE {
        let path = inputs.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CliError::Engine(cm::Error::io(e, dir), fmt))?;
        }
        cm::io::atomic::write_file(&path, |w| {
            std::io::Write::write_all(w, text.as_bytes()).map_err(|e| cm::Error::io(e, &path))
        })
        .map_err(|e| CliError::Engine(e, fmt))?;
    }
    if fmt == Format::Text {
        write_stdout(&format!("sample inputs written to {}\n\n== February 2026 (first month)\n", inputs.display()))?;
    }
    let month = |dir: &str, previous: Option<PathBuf>, as_of: &str| MonthlyArgs {
        previous,
        scans: vec![inputs.join(dir)],
        inventory: Some(inputs.join("inventory.json")),
        deviations: Some(inputs.join("deviations.json")),
        kev: Some(inputs.join("kev.json")),
        changes: Some(inputs.join("significant-changes.json")),
        history: None,
        policy: inputs.join("policy.toml").display().to_string(),
        as_of: as_of.to_string(),
        out: args.out.join(dir),
        fedramp_id: None,
        ssp: None,
        format: fmt,
        quiet: false,
    };
    let feb = month("2026-02", None, "2026-02-13");
    run_monthly(&feb)?;
    if fmt == Format::Text {
        write_stdout("\n== March 2026 (against February's poam.json)\n")?;
    }
    let mar = month("2026-03", Some(args.out.join("2026-02").join("poam.json")), "2026-03-13");
    run_monthly(&mar)?;
    if fmt == Format::Text {
        let report = args.out.join("2026-03").join("report.html");
        write_stdout(&format!(
            "\nOpen {} in a browser for the meeting report; `conmon explain V-1 --poam {} --changes {} --as-of 2026-03-13` explains an item.\n",
            report.display(),
            args.out.join("2026-03").join("poam.json").display(),
            args.out.join("2026-03").join("changes.json").display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
