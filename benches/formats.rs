//! Writing the monthly deliverables: the FedRAMP POA&M workbook and the POA&M CSV of a generated
//! 100,000-item POA&M (every column A-AE filled as a provider's would be), beside a baseline
//! measured in the same run: rust_xlsxwriter writing the same number of plain string cells
//! (31 per item, prepared beforehand) in the same constant-memory mode, with no formats, dates,
//! validation or injection guard, the least any xlsx writer must do.
//!
//! Full run: `cargo bench -p conmon-benches --bench formats`; smoke: `-- --test` (2,000 items).
//! Target (issue 5): a 100,000-item workbook in under 5 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Cursor;

use conmon_core::io::{csv as poam_csv, xlsx};
use conmon_tests::sample_poam;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let smoke = std::env::args().any(|a| a == "--test");
    let n = if smoke { 2_000 } else { 100_000 };
    let poam = sample_poam(n, 42);
    let rows = conmon_benches::template_rows(&poam);
    let mut group = c.benchmark_group("deliverables");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("poam_xlsx/{n}_items"), |b| {
        b.iter(|| {
            let mut out = Cursor::new(Vec::new());
            xlsx::write_poam(&poam, &mut out, "poam.xlsx").unwrap();
            black_box(out.into_inner().len())
        });
    });
    group.bench_function(format!("baseline_plain_xlsx_cells/{n}_items"), |b| {
        b.iter(|| black_box(conmon_benches::plain_xlsx(&rows)))
    });
    group.bench_function(format!("poam_csv/{n}_items"), |b| {
        b.iter(|| {
            let mut out = Vec::new();
            poam_csv::write_poam(&poam, &mut out, "poam.csv").unwrap();
            black_box(out.len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
