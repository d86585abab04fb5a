//! `conmon ingest`: read scanner files and print what was read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use conmon_core as cm;

use std::io::Write;

use crate::{CliError, Format};

#[derive(Args, Debug)]
pub(crate) struct IngestArgs {
    /// Scanner files (format detected from content) or directories of them (read recursively,
    /// hidden entries skipped, files sorted by path).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the normalised findings and the scan context as JSON (`{"findings", "context"}`).
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &IngestArgs) -> Result<ExitCode, CliError> {
    let fmt = if args.json { Format::Json } else { Format::Text };
    let engine = |e| CliError::Engine(e, fmt);
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let mut context = cm::ingest::ScanContext::default();
    let mut findings = 0u64;
    // Findings are written as they are read (one per line inside the JSON array), so memory does
    // not grow with the scans; a closed pipe stops the run quietly.
    let mut closed = false;
    let mut write = |out: &mut std::io::BufWriter<_>, bytes: &[u8]| -> Result<(), cm::Error> {
        if closed {
            return Ok(());
        }
        match out.write_all(bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                closed = true;
                Ok(())
            }
            other => other.map_err(|e| cm::Error::io(e, std::path::Path::new("<stdout>"))),
        }
    };
    if args.json {
        write(&mut out, b"{\n\"findings\": [").map_err(engine)?;
    }
    for path in &cm::ingest::scan_files(&args.files).map_err(engine)? {
        let ctx = cm::ingest::stream_path(path, &mut |f| {
            if args.json {
                let line = serde_json::to_string(&f).map_err(|e| cm::Error::parse(e.to_string()))?;
                let sep: &[u8] = if findings == 0 { b"\n" } else { b",\n" };
                write(&mut out, sep)?;
                write(&mut out, line.as_bytes())?;
            }
            findings += 1;
            Ok(())
        })
        .map_err(engine)?;
        context.files.extend(ctx.files);
        context.hosts.extend(ctx.hosts);
    }
    let tail = if args.json {
        let ctx = serde_json::to_string_pretty(&context).map_err(|e| CliError::Usage(e.to_string()))?;
        format!("\n],\n\"context\": {ctx}\n}}\n")
    } else {
        let mut s = String::new();
        for f in &context.files {
            s.push_str(&format!(
                "{}: {:?}, {} hosts, {} findings, {} skipped\n",
                f.file, f.source_format, f.hosts, f.findings, f.skipped
            ));
        }
        let cred = context.hosts.iter().filter(|h| h.credentialed == Some(true)).count();
        s.push_str(&format!("total: {} hosts ({} credentialed), {} findings\n", context.hosts.len(), cred, findings));
        s
    };
    write(&mut out, tail.as_bytes()).map_err(engine)?;
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(engine(cm::Error::io(e, std::path::Path::new("<stdout>"))))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
