//! `.nessus` ingest throughput (MB/s and findings/s) on a generated file, beside two references
//! measured in the same run on the same bytes:
//! - `baseline_dom`: the naive approach, a DOM parse of the whole document (roxmltree) and a walk
//!   over its `ReportItem`s;
//! - `reference_quick_xml_events`: a bare quick-xml event loop (`conmon_benches::quick_xml_events`,
//!   the same one `scale run` times as `xml_floor_s`) that builds every event and does
//!   nothing with it (the floor for any event-based reader that does not skip).
//!
//! Full run: `cargo bench -p conmon-benches --bench ingest` (32 MB document);
//! smoke: `cargo bench -p conmon-benches --bench ingest -- --test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use conmon_benches::nessus_document;
use conmon_core::ingest::nessus;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn dom_items(text: &str) -> usize {
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants().filter(|n| n.has_tag_name("ReportItem")).count()
}

fn stream(doc: &[u8]) -> u64 {
    let mut n = 0u64;
    nessus::read_with(doc, "g", &mut |f| {
        n += u64::from(!f.weakness_key.is_empty());
        Ok(())
    })
    .unwrap();
    n
}

fn bench(c: &mut Criterion) {
    // 32 MB for a full run, 4 MB in smoke mode (`-- --test`); CONMON_BENCH_NESSUS_MB overrides.
    let smoke = std::env::args().any(|a| a == "--test");
    let default_mb = if smoke { 4 } else { 32 };
    let size: u64 =
        std::env::var("CONMON_BENCH_NESSUS_MB").ok().and_then(|s| s.parse().ok()).unwrap_or(default_mb) << 20;
    let (doc, _hosts, items) = nessus_document(size, 11);
    let text = std::str::from_utf8(&doc).unwrap();
    // Checked answer: the reader and the DOM see the same number of items.
    let set = nessus::read(&doc[..], "generated.nessus").unwrap();
    assert_eq!(set.findings.len() as u64, items);
    assert_eq!(dom_items(text) as u64, items);

    let mut group = c.benchmark_group("ingest_nessus");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(doc.len() as u64));
    // Findings handed to a callback and dropped (`ingest::stream_path`, bounded memory) and
    // findings collected into a Vec (`ingest::read_path`).
    group.bench_function("conmon_stream", |b| b.iter(|| stream(black_box(&doc))));
    group.bench_function("conmon_collect", |b| {
        b.iter(|| nessus::read(black_box(&doc[..]), "g").unwrap().findings.len())
    });
    group.bench_function("baseline_dom", |b| b.iter(|| dom_items(black_box(text))));
    group.bench_function("reference_quick_xml_events", |b| {
        b.iter(|| conmon_benches::quick_xml_events(black_box(&doc[..])).unwrap())
    });
    group.throughput(Throughput::Elements(items));
    group.bench_function("conmon_stream_findings", |b| b.iter(|| stream(black_box(&doc))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
