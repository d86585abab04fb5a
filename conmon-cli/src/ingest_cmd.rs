//! `conmon ingest`: read scanner files and print what was read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use conmon_core as cm;

use crate::{CliError, Format, write_stdout};

#[derive(Args, Debug)]
pub(crate) struct IngestArgs {
    /// Scanner files (format detected from content).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the normalised findings and the scan context as JSON (`{"findings", "context"}`).
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &IngestArgs) -> Result<ExitCode, CliError> {
    let fmt = if args.json { Format::Json } else { Format::Text };
    let set = cm::ingest::read_paths(&args.files).map_err(|e| CliError::Engine(e, fmt))?;
    let out = if args.json {
        serde_json::to_string_pretty(&set).map_err(|e| CliError::Usage(e.to_string()))? + "\n"
    } else {
        let mut s = String::new();
        for f in &set.context.files {
            s.push_str(&format!("{}: {:?}, {} hosts, {} findings\n", f.file, f.source_format, f.hosts, f.findings));
        }
        let cred = set.context.hosts.iter().filter(|h| h.credentialed == Some(true)).count();
        s.push_str(&format!(
            "total: {} hosts ({} credentialed), {} findings\n",
            set.context.hosts.len(),
            cred,
            set.findings.len()
        ));
        s
    };
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
