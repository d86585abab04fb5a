//! The same 1,000,000-finding monthly job through the Rust API, for the Python and Node overhead
//! measurements (`benches/binding-overhead.sh`).
//!
//! `monthly-job gen DIR [HOSTS]` writes two months of generated scans as Tenable CSV
//! (`DIR/month1.csv`, `DIR/month2.csv`; 100,000 hosts × 10 findings by default, 10% churn).
//! `monthly-job run DIR` reads month 1, reconciles it as the first month, reads month 2 and
//! reconciles it against month 1, and prints the seconds taken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use conmon_core::Policy;
use conmon_core::model::Poam;
use conmon_core::reconcile::{Inputs, reconcile, reconcile_owned};

fn write_csv(set: &conmon_core::ingest::ScanSet, path: &Path) {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    conmon_benches::write_tenable_csv(set, &mut w).unwrap();
    w.flush().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(2).map_or(".", String::as_str));
    match args.get(1).map(String::as_str) {
        Some("gen") => {
            let hosts: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100_000);
            std::fs::create_dir_all(dir).unwrap();
            let m1 = conmon_benches::scan_month(hosts, 10, 50_000, 1, "2026-01-10");
            let m2 = conmon_benches::next_month(&m1, 10, 10_000, 2, "2026-02-10");
            write_csv(&m1, &dir.join("month1.csv"));
            write_csv(&m2, &dir.join("month2.csv"));
            println!("wrote {} and {} findings", m1.findings.len(), m2.findings.len());
        }
        Some("run") => {
            let policy = Policy::fedramp_rev5();
            let start = Instant::now();
            let jan = conmon_core::ingest::read_paths(&[dir.join("month1.csv")]).unwrap();
            let t_read1 = start.elapsed().as_secs_f64();
            let first = reconcile(&Inputs {
                previous: &Poam::default(),
                scans: &jan,
                deviations: &[],
                kev: None,
                policy: &policy,
                as_of: "2026-01-13".parse().unwrap(),
            })
            .unwrap();
            let t_rec1 = start.elapsed().as_secs_f64();
            drop(jan);
            let t_drop = start.elapsed().as_secs_f64();
            let feb = conmon_core::ingest::read_paths(&[dir.join("month2.csv")]).unwrap();
            let t_read2 = start.elapsed().as_secs_f64();
            let second = reconcile_owned(
                first.poam,
                &Inputs {
                    previous: &Poam::default(),
                    scans: &feb,
                    deviations: &[],
                    kev: None,
                    policy: &policy,
                    as_of: "2026-02-13".parse().unwrap(),
                },
            )
            .unwrap();
            let secs = start.elapsed().as_secs_f64();
            if std::env::var_os("CONMON_PHASES").is_some() {
                println!(
                    "read1 {t_read1:.2} reconcile1 {:.2} drop {:.2} read2 {:.2} reconcile2 {:.2}",
                    t_rec1 - t_read1,
                    t_drop - t_rec1,
                    t_read2 - t_drop,
                    secs - t_read2
                );
            }
            println!(
                "rust: {} findings, {} open, {} changes, {secs:.3} s",
                feb.findings.len(),
                second.poam.open.len(),
                second.changes.len()
            );
        }
        _ => println!("usage: monthly-job gen DIR [HOSTS] | monthly-job run DIR"),
    }
}
