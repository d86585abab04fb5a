//! Peak memory of `.nessus` ingestion on a generated file of a given size.
//!
//! `cargo run --release -p conmon-benches --bin ingest-mem -- SIZE_MB [collect|stream] [PATH]`
//! writes the file (if PATH does not exist yet), reads it with conmon, and prints the file size,
//! hosts, findings, seconds, MB/s and the process's peak resident memory (VmHWM). `collect` keeps
//! every finding (`ingest::read_path`); `stream` hands each to a callback and keeps none
//! (`ingest::stream_path`), so its peak is the reader's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mb: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let mode = args.get(2).map_or("collect", String::as_str).to_string();
    let path =
        args.get(3).map_or_else(|| std::env::temp_dir().join(format!("conmon-gen-{mb}mb.nessus")), PathBuf::from);
    if !path.exists() {
        let f = std::fs::File::create(&path).unwrap();
        let mut w = BufWriter::with_capacity(1 << 20, f);
        conmon_benches::write_nessus(&mut w, mb << 20, 11).unwrap();
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let before = conmon_benches::peak_rss_mb();
    let start = Instant::now();
    let (hosts, findings) = if mode == "stream" {
        let mut n = 0u64;
        let ctx = conmon_core::ingest::stream_path(&path, &mut |_f| {
            n += 1;
            Ok(())
        })
        .unwrap();
        (ctx.hosts.len(), n)
    } else {
        let set = conmon_core::ingest::read_path(&path).unwrap();
        (set.context.hosts.len(), set.findings.len() as u64)
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "file {:.1} MB  mode {mode}  hosts {hosts}  findings {findings}  {secs:.2} s  {:.0} MB/s  peak RSS {:.1} MB (before reading {:.1} MB)",
        bytes as f64 / 1048576.0,
        bytes as f64 / 1048576.0 / secs,
        conmon_benches::peak_rss_mb(),
        before
    );
}
