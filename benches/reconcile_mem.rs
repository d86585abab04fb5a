//! Time and peak memory of one monthly reconciliation at scale.
//!
//! `cargo run --release -p conmon-benches --bin reconcile-mem -- [HOSTS] [PER_HOST] [PREV_PLUGINS]`
//! (defaults 100000 10 50000: 1,000,000 findings against a previous POA&M of ~50,000 items; the
//! second month replaces `CONMON_CHURN_PERCENT` (default 10) of the findings with new weaknesses).
//! Prints the reconcile time, the resident memory with the inputs loaded, and the peak resident
//! memory during the reconciliation (VmHWM, reset just before it), which includes the inputs.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use conmon_benches::{next_month, scan_month};
use conmon_core::Policy;
use conmon_core::model::Poam;
use conmon_core::reconcile::{Inputs, reconcile, reconcile_owned};

fn rss(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let hosts = args.first().copied().unwrap_or(100_000) as usize;
    let per_host = args.get(1).copied().unwrap_or(10) as usize;
    let prev_plugins = args.get(2).copied().unwrap_or(50_000);
    let policy = Policy::fedramp_rev5();
    let jan = scan_month(hosts, per_host, prev_plugins, 1, "2026-01-10");
    let t = Instant::now();
    let first = reconcile(&Inputs {
        previous: &Poam::default(),
        scans: &jan,
        deviations: &[],
        kev: None,
        policy: &policy,
        as_of: "2026-01-13".parse().unwrap(),
    })
    .unwrap();
    let first_secs = t.elapsed().as_secs_f64();
    let previous = first.poam;
    let previous_items = previous.open.len() + previous.closed.len();
    // February: 10% of the findings remediated and replaced by new weaknesses.
    let churn: u64 = std::env::var("CONMON_CHURN_PERCENT").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let feb = next_month(&jan, churn, prev_plugins / 5, 2, "2026-02-10");
    drop(jan);
    let before = rss("VmRSS:");
    // Reset the peak so that it measures the reconciliation, not the input generation
    // (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let empty = Poam::default();
    let t = Instant::now();
    // As the monthly job does: last month's POA&M is owned (read from disk), not copied.
    let r = reconcile_owned(
        previous,
        &Inputs {
            previous: &empty,
            scans: &feb,
            deviations: &[],
            kev: None,
            policy: &policy,
            as_of: "2026-02-13".parse().unwrap(),
        },
    )
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "findings {}  previous items {}  → open {} closed {} changes {}  first month {first_secs:.2} s  reconcile {secs:.2} s  RSS with inputs loaded {before:.0} MB  peak RSS during reconcile {:.0} MB",
        feb.findings.len(),
        previous_items,
        r.poam.open.len(),
        r.poam.closed.len(),
        r.changes.len(),
        rss("VmHWM:")
    );
}
