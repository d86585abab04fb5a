//! `conmon`: the command line of the conmon FedRAMP ConMon rules engine.
//!
//! Exit codes: 0 success (no problems), 1 problems found (e.g. late items with `--fail-on-late`),
//! 2 could not run (bad input, bad policy, I/O). Errors go to stderr; with `--format json` they
//! are printed as `{"error": {code, message, location}}`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod clock_cmd;
mod ingest_cmd;
mod monthly_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use conmon_core as cm;

#[derive(Parser, Debug)]
#[command(name = "conmon", version, about = "FedRAMP continuous monitoring rules engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format for commands that print results.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Indented JSON.
    Json,
    /// A table for people.
    Text,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compute the remediation clock (due date, state, days late, explanation) of POA&M items.
    Clock(clock_cmd::ClockArgs),
    /// Read scanner files (Nessus v2, Tenable CSV, Inspector2, ASFF, Trivy, Grype, SARIF, XCCDF)
    /// and print the normalised findings and scan context.
    Ingest(ingest_cmd::IngestArgs),
    /// The monthly job: reconcile last month's POA&M with this month's scans, deviations and KEV
    /// catalog, validate, and write poam.xlsx, poam.json, poam.csv, oscal-poam.json,
    /// changes.json, validation.json, report.html and history.json into --out.
    Monthly(Box<monthly_cmd::MonthlyArgs>),
    /// Validate a POA&M (and optionally last month's, the scans and the inventory): every
    /// problem with its code and location. Exit 0 valid, 1 problems found, 2 could not run.
    Validate(monthly_cmd::ValidateArgs),
    /// Explain one item: its clock with every rule applied, and what changed this month.
    Explain(monthly_cmd::ExplainArgs),
    /// The monthly job on the bundled sample package (two months), writing every deliverable
    /// (the README's main command); `--clocks` prints the sample POA&M's clocks instead.
    Demo(monthly_cmd::DemoArgs),
    /// List the policy presets, or print a policy (preset or file) with every option resolved.
    Policy {
        /// Preset name or TOML/JSON file; without it, the presets are listed.
        spec: Option<String>,
    },
    /// Print the JSON Schema of a documented JSON shape (poam, poam-item, finding, policy, clock).
    Schema {
        /// Schema name.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clock(args) => clock_cmd::run_clock(&args),
        Command::Demo(args) => monthly_cmd::run_demo(&args),
        Command::Ingest(args) => ingest_cmd::run(&args),
        Command::Monthly(args) => monthly_cmd::run_monthly(&args),
        Command::Validate(args) => monthly_cmd::run_validate(&args),
        Command::Explain(args) => monthly_cmd::run_explain(&args),
        Command::Policy { spec } => run_policy(spec.as_deref()),
        Command::Schema { name } => match cm::schema::schema_json(&name) {
            Some(s) => write_stdout(&s).map(|()| ExitCode::SUCCESS),
            None => {
                Err(CliError::Usage(format!("unknown schema `{name}` (known: {})", cm::schema::SCHEMAS.join(", "))))
            }
        },
    };
    match result {
        Ok(code) => code,
        Err(CliError::Engine(e, Format::Json)) => {
            let report = serde_json::json!({ "error": e.to_report() });
            eprintln!("{report}");
            ExitCode::from(2)
        }
        Err(CliError::Engine(e, Format::Text)) => {
            eprintln!("conmon: {e}");
            ExitCode::from(2)
        }
        Err(CliError::Usage(msg)) => {
            eprintln!("conmon: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A failure that stops the command (exit code 2).
#[derive(Debug)]
pub(crate) enum CliError {
    /// An engine error, printed in the requested format.
    Engine(cm::Error, Format),
    /// A usage problem.
    Usage(String),
}

pub(crate) fn write_stdout(s: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`conmon ... | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Engine(cm::Error::io(e, std::path::Path::new("<stdout>")), Format::Text)),
    }
}

fn run_policy(spec: Option<&str>) -> Result<ExitCode, CliError> {
    match spec {
        None => {
            let mut s = String::new();
            for (name, desc) in cm::policy::PRESETS {
                s.push_str(&format!("{name:<22} {desc}\n"));
            }
            write_stdout(&s)?;
        }
        Some(spec) => {
            let p = cm::Policy::resolve(spec).map_err(|e| CliError::Engine(e, Format::Text))?;
            let s = serde_json::to_string_pretty(&p).map_err(|e| CliError::Usage(e.to_string()))?;
            write_stdout(&(s + "\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
