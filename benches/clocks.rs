//! Clock evaluation throughput: the full engine (every rule, with its explanation) beside a
//! baseline measured in the same run: bare `detection + days` arithmetic on the same items,
//! the cost floor of any clock. The ratio is the price of the rules and explanations;
//! `engine_unexplained` (the same clocks without their explanation text, as reconciliation and
//! triggers evaluate them) separates the two.
//!
//! Full run: `cargo bench -p conmon-benches --bench clocks`; smoke: `cargo bench -- --test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use conmon_benches::poam_items;
use conmon_core::Policy;
use conmon_core::sla::{AsOf, evaluate_all, evaluate_unexplained};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn baseline(items: &[conmon_core::model::PoamItem], as_of: NaiveDate) -> (usize, Vec<NaiveDate>) {
    let mut late = 0;
    let dues = items
        .iter()
        .map(|i| {
            let days = match i.original_risk_rating {
                conmon_core::model::RiskRating::High => 30,
                conmon_core::model::RiskRating::Moderate => 90,
                conmon_core::model::RiskRating::Low => 180,
            };
            let due = i.original_detection_date + Days::new(days);
            late += usize::from(as_of > due);
            due
        })
        .collect();
    (late, dues)
}

fn bench(c: &mut Criterion) {
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 13).unwrap();
    let policy = Policy::fedramp_rev5();
    let mut group = c.benchmark_group("clocks");
    for n in [10_000usize, 100_000] {
        let items = poam_items(n, 7);
        // Checked answer: on items without deviations the engine and the baseline agree.
        let clocks = evaluate_all(&items, &policy, AsOf::date(as_of)).unwrap();
        let (_, dues) = baseline(&items, as_of);
        for ((item, clock), due) in items.iter().zip(&clocks).zip(&dues) {
            let plain =
                item.risk_adjustment == conmon_core::model::DeviationFlag::No && !item.kev && !item.vendor_dependency;
            if plain {
                assert_eq!(clock.due_date, Some(*due));
            }
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("engine/{n}"), |b| {
            b.iter(|| evaluate_all(black_box(&items), &policy, AsOf::date(as_of)).unwrap().len())
        });
        group.bench_function(format!("engine_unexplained/{n}"), |b| {
            b.iter(|| {
                black_box(&items)
                    .iter()
                    .map(|i| evaluate_unexplained(i, &policy, AsOf::date(as_of)).unwrap())
                    .collect::<Vec<_>>()
                    .len()
            })
        });
        group.bench_function(format!("baseline_bare_arithmetic/{n}"), |b| {
            b.iter(|| baseline(black_box(&items), as_of).0)
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
