//! Monthly reconciliation throughput: the engine (identity, closure on evidence, deviations,
//! clocks, change log) on a generated month against the POA&M of the month before, beside a
//! baseline measured in the same run: grouping the same findings by (weakness, asset) in a
//! HashMap, the least work any reconciliation must do.
//!
//! Full run: `cargo bench -p conmon-benches --bench reconcile` (1,000,000 findings on 100,000
//! hosts against a previous POA&M of ~50,000 items); smoke: `-- --test` (20,000 findings).
//! Peak memory: `cargo run --release -p conmon-benches --bin reconcile-mem`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;

use conmon_benches::{next_month, scan_month};
use conmon_core::Policy;
use conmon_core::model::Poam;
use conmon_core::reconcile::{Inputs, reconcile, reconcile_owned};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn baseline(set: &conmon_core::ingest::ScanSet) -> usize {
    let mut groups: HashMap<(&str, &str), Vec<u32>> = HashMap::with_capacity(set.findings.len());
    for (i, f) in set.findings.iter().enumerate() {
        groups.entry((f.weakness_key.as_str(), f.asset.identifier.as_str())).or_default().push(i as u32);
    }
    groups.len()
}

fn bench(c: &mut Criterion) {
    let smoke = std::env::args().any(|a| a == "--test");
    let hosts = if smoke { 2_000 } else { 100_000 };
    let policy = Policy::fedramp_rev5();
    let as_of_1 = "2026-01-13".parse().unwrap();
    let as_of_2 = "2026-02-13".parse().unwrap();
    // Month 1 draws from 50,000 plugins → a previous POA&M of about 50,000 items.
    let jan = scan_month(hosts, 10, 50_000, 1, "2026-01-10");
    let previous = reconcile(&Inputs {
        previous: &Poam::default(),
        scans: &jan,
        deviations: &[],
        kev: None,
        policy: &policy,
        as_of: as_of_1,
    })
    .unwrap()
    .poam;
    // Month 2: 10% of the findings remediated and replaced by new weaknesses.
    let feb = next_month(&jan, 10, 10_000, 2, "2026-02-10");
    drop(jan);
    let mut group = c.benchmark_group("reconcile");
    group.sample_size(10);
    group.throughput(Throughput::Elements(feb.findings.len() as u64));
    // Last month's POA&M is owned by the job (read from disk): the copy is setup, not timed.
    let empty = Poam::default();
    group.bench_function(format!("engine/{}_findings_{}_items", feb.findings.len(), previous.open.len()), |b| {
        b.iter_batched(
            || previous.clone(),
            |prev| {
                let inputs = Inputs {
                    previous: &empty,
                    scans: &feb,
                    deviations: &[],
                    kev: None,
                    policy: &policy,
                    as_of: as_of_2,
                };
                reconcile_owned(prev, black_box(&inputs)).unwrap().poam.open.len()
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(format!("baseline_group_by_pair/{}", feb.findings.len()), |b| {
        b.iter(|| baseline(black_box(&feb)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
