//! `conmon clock` and `conmon demo`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use conmon_core as cm;
use serde::Serialize;

use crate::{CliError, Format, write_stdout};

/// The sample POA&M bundled with the binary (also at `examples/data/sample-poam.json`).
const SAMPLE_POAM: &str = include_str!("../../examples/data/sample-poam.json");

#[derive(Args, Debug)]
pub(crate) struct ClockArgs {
    /// JSON file of POA&M items (array, single item, {"items": [...]}, or a whole POA&M);
    /// `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Policy: a preset name (see `conmon policy`) or a TOML/JSON policy file.
    #[arg(long, default_value = "fedramp_rev5")]
    policy: String,
    /// The as-of date (the POA&M submission date): YYYY-MM-DD, or an RFC 3339 timestamp for VDR.
    #[arg(long)]
    as_of: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Exit with code 1 when any item is late.
    #[arg(long)]
    fail_on_late: bool,
}

/// The clock demo's options (`conmon demo --clocks`).
#[derive(Debug)]
pub(crate) struct DemoArgs {
    format: Format,
    as_of: String,
}

impl DemoArgs {
    pub(crate) fn new(format: Format, as_of: String) -> DemoArgs {
        DemoArgs { format, as_of }
    }
}

/// What `conmon clock --format json` prints.
#[derive(Serialize)]
struct ClockReport<'a> {
    engine_version: &'a str,
    policy: &'a str,
    as_of: String,
    clocks: Vec<cm::sla::Clock>,
}

pub(crate) fn run_clock(args: &ClockArgs) -> Result<ExitCode, CliError> {
    let fmt = args.format;
    let (text, label) = match &args.input {
        Some(p) if p.as_os_str() != "-" => {
            let text = std::fs::read_to_string(p).map_err(|e| CliError::Engine(cm::Error::io(e, p), fmt))?;
            (text, p.display().to_string())
        }
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::Engine(cm::Error::io(e, std::path::Path::new("<stdin>")), fmt))?;
            (s, "<stdin>".to_string())
        }
    };
    run(&text, &label, &args.policy, &args.as_of, fmt, args.fail_on_late)
}

pub(crate) fn run_demo(args: &DemoArgs) -> Result<ExitCode, CliError> {
    run(SAMPLE_POAM, "examples/data/sample-poam.json", "fedramp_rev5", &args.as_of, args.format, false)
}

fn run(
    text: &str,
    label: &str,
    policy: &str,
    as_of: &str,
    fmt: Format,
    fail_on_late: bool,
) -> Result<ExitCode, CliError> {
    let engine = |e: cm::Error| CliError::Engine(e, fmt);
    let policy = cm::Policy::resolve(policy).map_err(engine)?;
    let as_of = cm::sla::AsOf::parse(as_of).map_err(|e| engine(e.at(cm::Location::field("--as-of"))))?;
    let items = cm::io::json::read_items(text, label).map_err(engine)?;
    let clocks = cm::sla::evaluate_all(&items, &policy, as_of).map_err(|e| engine(e.in_file(label)))?;
    let any_late = clocks.iter().any(cm::sla::Clock::is_late);
    let out = match fmt {
        Format::Json => {
            let report = ClockReport {
                engine_version: cm::VERSION,
                policy: &policy.preset,
                as_of: as_of.civil_date(&policy.time_zone).to_string(),
                clocks,
            };
            serde_json::to_string_pretty(&report).map_err(|e| CliError::Usage(e.to_string()))? + "\n"
        }
        Format::Text => render_text(&clocks, &policy, as_of.civil_date(&policy.time_zone)),
    };
    write_stdout(&out)?;
    Ok(if fail_on_late && any_late { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn state_name(s: cm::sla::ClockState) -> &'static str {
    use cm::sla::ClockState::*;
    match s {
        OnTrack => "on track",
        DueSoon => "due soon",
        Late => "LATE",
        Stopped => "stopped",
        ClosedOnTime => "closed on time",
        ClosedLate => "closed late",
        Accepted => "accepted",
        NoDeadline => "no deadline",
    }
}

fn render_text(clocks: &[cm::sla::Clock], policy: &cm::Policy, as_of: chrono::NaiveDate) -> String {
    let mut s = format!("Remediation clocks as of {as_of} (policy {})\n\n", policy.preset);
    s.push_str(&format!(
        "{:<8} {:<9} {:<11} {:<34} {:>9}  {}\n",
        "POAM ID", "rating", "due", "state", "days late", "rule"
    ));
    for c in clocks {
        let rating = c.rating.map_or_else(|| c.n_rating.map_or("-".to_string(), |n| n.to_string()), |r| r.to_string());
        let due = c.due_date.map_or("-".to_string(), |d| d.to_string());
        let state = match c.stopped_by {
            Some(by) => format!(
                "{} ({})",
                state_name(c.state),
                serde_json::to_value(by).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            ),
            None => state_name(c.state).to_string(),
        };
        s.push_str(&format!(
            "{:<8} {:<9} {:<11} {:<34} {:>9}  {}\n",
            c.poam_id, rating, due, state, c.days_late, c.rule
        ));
    }
    let late = clocks.iter().filter(|c| c.is_late()).count();
    s.push_str(&format!("\n{} items, {late} late. Why is an item due when it is? Run with --format json for each rule and its arithmetic.\n", clocks.len()));
    s
}
