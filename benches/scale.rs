//! End-to-end scale runs: a generated scan file to a validated, reconciled POA&M, on one core.
//!
//! `scale gen FILE N [nessus|inspector2]` writes N findings (Nessus: 120 per host, about 1.6 KB
//! each; Inspector2: over N/10 instances).
//! `scale run FILE` reads the file (format detected), reconciles it as the first month under the
//! Rev5 policy, validates the POA&M against the scans, and prints one JSON line: findings,
//! items, seconds per phase and in all, findings per second, and the process's peak resident
//! memory (VmHWM), also as it stood after ingest. For a `.nessus` file it then times, in the same
//! process, a bare quick-xml event loop over the same file through a buffer of the same size
//! (`ingest::READ_BUFFER_BYTES`: 32 KiB since session 24, 256 KiB before) (`xml_floor_s`): the
//! cost of tokenising the bytes and nothing else, the floor under any quick-xml reader. `benches/scale.sh` runs both for several sizes beside the Python baseline.
//! `scale stream FILE` reads the file as `ingest::stream_path` does, dropping each finding as it
//! comes, and prints the findings, seconds and peak memory: the reader's own cost, without the
//! memory that keeping a million findings takes.
//! `scale floor FILE` times the bare quick-xml event loop alone (as `run` does after its job), so
//! that a profiler sees it apart from the job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use conmon_core::Policy;
use conmon_core::model::{Poam, SourceFormat};
use conmon_core::reconcile::{Inputs, reconcile};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = Path::new(args.get(2).map_or("scan.nessus", String::as_str));
    match args.get(1).map(String::as_str) {
        Some("gen") => {
            let n: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100_000);
            let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
            match args.get(4).map_or("nessus", String::as_str) {
                "inspector2" => {
                    conmon_benches::write_inspector2(&mut w, n, (n / 10).max(1), 7).unwrap();
                }
                _ => {
                    conmon_benches::write_nessus_findings(&mut w, n, 11).unwrap();
                }
            }
            std::io::Write::flush(&mut w).unwrap();
        }
        Some("stream") => {
            let start = Instant::now();
            let mut n = 0u64;
            conmon_core::ingest::stream_path(path, &mut |f| {
                n += 1;
                drop(std::hint::black_box(f));
                Ok(())
            })
            .unwrap();
            println!(
                "{{\"findings\": {n}, \"stream_s\": {:.3}, \"peak_rss_mb\": {:.0}}}",
                start.elapsed().as_secs_f64(),
                conmon_benches::peak_rss_mb()
            );
        }
        Some("floor") => {
            println!(
                "{{\"xml_floor_s\": {:.3}, \"peak_rss_mb\": {:.0}}}",
                xml_floor(path),
                conmon_benches::peak_rss_mb()
            );
        }
        Some("run") => {
            let policy = Policy::fedramp_rev5();
            let as_of = "2026-03-13".parse().unwrap();
            let bytes = std::fs::metadata(path).unwrap().len();
            let start = Instant::now();
            let scans = conmon_core::ingest::read_path(path).unwrap();
            let t_ingest = start.elapsed().as_secs_f64();
            let ingest_peak = conmon_benches::peak_rss_mb();
            let rec = reconcile(&Inputs {
                previous: &Poam::default(),
                scans: &scans,
                deviations: &[],
                kev: None,
                policy: &policy,
                as_of,
            })
            .unwrap();
            let t_reconcile = start.elapsed().as_secs_f64();
            let report = conmon_core::monthly::validation_report(&conmon_core::validate::Package {
                poam: &rec.poam,
                poam_file: "poam.json",
                import: None,
                previous: None,
                scans: Some(&scans),
                inventory: None,
                inventory_file: "",
                policy: &policy,
                as_of,
            });
            let total = start.elapsed().as_secs_f64();
            let n = scans.findings.len();
            let floor = if scans.context.files.first().is_some_and(|f| f.source_format == SourceFormat::Nessus) {
                format!("{:.3}", xml_floor(path))
            } else {
                "null".to_string()
            };
            println!(
                "{{\"file_mb\": {:.1}, \"findings\": {n}, \"items\": {}, \"diagnostics\": {}, \"ingest_s\": {t_ingest:.3}, \
                 \"reconcile_s\": {:.3}, \"validate_s\": {:.3}, \"total_s\": {total:.3}, \"xml_floor_s\": {floor}, \"findings_per_s\": {:.0}, \"ingest_peak_rss_mb\": {ingest_peak:.0}, \"peak_rss_mb\": {:.0}}}",
                bytes as f64 / 1048576.0,
                rec.poam.open.len() + rec.poam.configuration_findings.len(),
                report.diagnostics.len(),
                t_reconcile - t_ingest,
                total - t_reconcile,
                n as f64 / total,
                conmon_benches::peak_rss_mb()
            );
        }
        _ => println!(
            "usage: scale gen FILE N [nessus|inspector2] | scale run FILE | scale stream FILE | scale floor FILE"
        ),
    }
}

/// Seconds for a bare quick-xml event loop over the file, read as `ingest::read_path` reads it.
fn xml_floor(path: &Path) -> f64 {
    let start = Instant::now();
    let file =
        std::io::BufReader::with_capacity(conmon_core::ingest::READ_BUFFER_BYTES, std::fs::File::open(path).unwrap());
    std::hint::black_box(conmon_benches::quick_xml_events(file).unwrap());
    start.elapsed().as_secs_f64()
}
