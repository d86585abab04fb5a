//! Every phase of the monthly job at 10k, 100k and 1M findings (or items), each beside a naive
//! baseline measured in the same run on the same input:
//!
//! | group | conmon | baseline |
//! |---|---|---|
//! | `ingest/<format>` | the format's reader (Nessus, Tenable CSV, Inspector2, ASFF, Trivy, Grype, SARIF, XCCDF) | a DOM parse (roxmltree) for XML, a `serde_json::Value` parse for JSON, a `csv` record loop for CSV |
//! | `reconcile` | first-month reconciliation | grouping the findings by (weakness, asset) in a HashMap |
//! | `clocks` | Rev5 clock evaluation with explanations | `detection + days` per item |
//! | `validate` | the validation report against the scans | one pass over the items touching each required field |
//! | `xlsx_write` / `xlsx_read` | the FedRAMP workbook written / read back | plain rust_xlsxwriter cells / calamine's raw range |
//! | `oscal` | the OSCAL POA&M document as the monthly job writes it (`write_oscal`, one element at a time); `oscal/<n>/built` gives the same bytes from the whole document built first (`to_oscal`) | `serde_json` of the POA&M itself |
//!
//! Full run: `cargo bench -p conmon-benches --bench sizes` (sizes from `CONMON_BENCH_SIZES`,
//! default `10000,100000,1000000`; the 1M workbook groups take minutes). Smoke:
//! `cargo bench -p conmon-benches --bench sizes -- --test` (2,000 only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::io::Cursor;

use conmon_core::Policy;
use conmon_core::io::{oscal, xlsx};
use conmon_core::model::Poam;
use conmon_core::reconcile::{Inputs, reconcile};
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use serde_json::Value;

fn sizes() -> Vec<usize> {
    if std::env::args().any(|a| a == "--test") {
        return vec![2_000];
    }
    std::env::var("CONMON_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(conmon_tests::fixture(&format!("ingest/{name}"))).unwrap()
}

/// A fixture with the array at `pointer` grown to `n` elements (copies of its own).
fn replicate_json(name: &str, pointer: &str, n: usize) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(&fixture(name)).unwrap();
    let arr = if pointer.is_empty() { v.as_array_mut() } else { v.pointer_mut(pointer).and_then(Value::as_array_mut) }
        .unwrap();
    let proto = std::mem::take(arr);
    arr.extend((0..n).map(|i| proto[i % proto.len()].clone()));
    serde_json::to_vec(&v).unwrap()
}

/// The XCCDF fixture with its rule results repeated to `n`.
fn replicate_xccdf(n: usize) -> Vec<u8> {
    let text = fixture("xccdf-1.2.xml");
    let results: Vec<&str> = text.lines().filter(|l| l.contains("<cdf:rule-result")).collect();
    let first = text.find(results[0]).unwrap();
    let last = text.find(results[results.len() - 1]).unwrap() + results[results.len() - 1].len();
    let mut out = String::with_capacity(text.len() + n * 160);
    out.push_str(&text[..first]);
    for i in 0..n {
        out.push_str(results[i % results.len()]);
        out.push('\n');
    }
    out.push_str(&text[last..]);
    out.into_bytes()
}

fn tenable_csv(n: usize) -> Vec<u8> {
    let set = conmon_benches::scan_month((n / 10).max(1), 10, (n as u64 / 20).max(1), 1, "2026-03-01");
    let mut out = Vec::new();
    conmon_benches::write_tenable_csv(&set, &mut out).unwrap();
    out
}

fn dom_count(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).unwrap();
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: u32::MAX, ..Default::default() },
    )
    .unwrap()
    .descendants()
    .count()
}

fn csv_count(bytes: &[u8]) -> usize {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let mut rec = csv::StringRecord::new();
    let mut n = 0;
    while r.read_record(&mut rec).unwrap() {
        n += rec.len();
    }
    n
}

fn ingest(group: &mut BenchmarkGroup<'_, WallTime>, format: &str, n: usize, doc: &[u8], baseline: fn(&[u8]) -> usize) {
    let label = format!("generated.{format}");
    let read = conmon_core::ingest::read_bytes(doc, &label).unwrap();
    assert!(!read.findings.is_empty() || format == "sarif", "{format}: nothing read");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function(format!("ingest/{format}/{n}"), |b| {
        b.iter(|| conmon_core::ingest::read_bytes(black_box(doc), &label).unwrap().findings.len())
    });
    group.bench_function(format!("ingest/{format}/{n}/baseline"), |b| b.iter(|| baseline(black_box(doc))));
}

fn bench(c: &mut Criterion) {
    let policy = Policy::fedramp_rev5();
    let as_of = "2026-03-13".parse().unwrap();
    for n in sizes() {
        let mut group = c.benchmark_group(format!("sizes/{n}"));
        group.sample_size(10);

        // Ingest, format by format (each document dropped before the next is built).
        let json_value = |b: &[u8]| serde_json::from_slice::<Value>(b).map(|v| v.is_object() as usize).unwrap();
        let mut nessus = Vec::new();
        conmon_benches::write_nessus_findings(&mut nessus, n as u64, 11).unwrap();
        ingest(&mut group, "nessus", n, &nessus, dom_count);
        drop(nessus);
        ingest(&mut group, "tenable_csv", n, &tenable_csv(n), csv_count);
        let mut inspector = Vec::new();
        conmon_benches::write_inspector2(&mut inspector, n as u64, (n as u64 / 10).max(1), 7).unwrap();
        ingest(&mut group, "inspector2", n, &inspector, json_value);
        drop(inspector);
        ingest(&mut group, "asff", n, &replicate_json("asff.json", "", n), json_value);
        ingest(
            &mut group,
            "trivy",
            n,
            &replicate_json("trivy-image.json", "/Results/0/Vulnerabilities", n),
            json_value,
        );
        ingest(&mut group, "grype", n, &replicate_json("grype.json", "/matches", n), json_value);
        ingest(&mut group, "sarif", n, &replicate_json("code.sarif", "/runs/0/results", n), json_value);
        ingest(&mut group, "xccdf", n, &replicate_xccdf(n), dom_count);

        // Reconcile n findings (10 per host) into a first-month POA&M.
        let scans = conmon_benches::scan_month((n / 10).max(1), 10, (n as u64 / 20).max(1), 1, "2026-03-01");
        group.throughput(Throughput::Elements(n as u64));
        let inputs =
            Inputs { previous: &Poam::default(), scans: &scans, deviations: &[], kev: None, policy: &policy, as_of };
        group.bench_function(format!("reconcile/{n}"), |b| {
            b.iter(|| reconcile(black_box(&inputs)).unwrap().changes.len())
        });
        group.bench_function(format!("reconcile/{n}/baseline"), |b| {
            b.iter(|| {
                let mut groups: HashMap<(&str, &str), Vec<u32>> = HashMap::with_capacity(scans.findings.len());
                for (i, f) in scans.findings.iter().enumerate() {
                    groups.entry((f.weakness_key.as_str(), f.asset.identifier.as_str())).or_default().push(i as u32);
                }
                groups.len()
            })
        });
        let reconciled = reconcile(&inputs).unwrap().poam;

        // Validation of that POA&M against the scans.
        let package = conmon_core::validate::Package {
            poam: &reconciled,
            poam_file: "poam.json",
            import: None,
            previous: None,
            scans: Some(&scans),
            inventory: None,
            inventory_file: "",
            policy: &policy,
            as_of,
        };
        group.bench_function(format!("validate/{n}"), |b| {
            b.iter(|| conmon_core::validate::validate(black_box(&package)).len())
        });
        group.bench_function(format!("validate/{n}/baseline"), |b| {
            b.iter(|| {
                reconciled
                    .items()
                    .filter(|i| {
                        i.poam_id.is_empty()
                            || i.weakness_name.is_empty()
                            || i.assets.is_empty()
                            || i.scheduled_completion_date.is_none()
                    })
                    .count()
            })
        });
        drop(scans);

        // Clocks, writers and readers on a POA&M of n items as a provider's would be.
        let poam = conmon_tests::sample_poam(n, 42);
        let items: Vec<_> = poam.items().cloned().collect();
        group.bench_function(format!("clocks/{n}"), |b| {
            b.iter(|| {
                conmon_core::sla::evaluate_all(black_box(&items), &policy, conmon_core::sla::AsOf::date(as_of))
                    .unwrap()
                    .len()
            })
        });
        group.bench_function(format!("clocks/{n}/baseline"), |b| {
            b.iter(|| {
                items
                    .iter()
                    .filter(|i| {
                        let days = match i.original_risk_rating {
                            conmon_core::model::RiskRating::High => 30,
                            conmon_core::model::RiskRating::Moderate => 90,
                            conmon_core::model::RiskRating::Low => 180,
                        };
                        i.original_detection_date + chrono::Days::new(days) < as_of
                    })
                    .count()
            })
        });
        drop(items);
        // What the monthly job writes (`write_oscal`, one element at a time), and the same bytes
        // from the whole document built first as a `Value` (`to_oscal`), then printed.
        group.bench_function(format!("oscal/{n}"), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                oscal::write_oscal(black_box(&poam), &Default::default(), &mut out, "oscal-poam.json").unwrap();
                out.len()
            })
        });
        group.bench_function(format!("oscal/{n}/built"), |b| {
            b.iter(|| serde_json::to_vec_pretty(&oscal::to_oscal(black_box(&poam), &Default::default())).unwrap().len())
        });
        group.bench_function(format!("oscal/{n}/baseline"), |b| {
            b.iter(|| serde_json::to_vec(black_box(&poam)).unwrap().len())
        });
        let rows = conmon_benches::template_rows(&poam);
        group.bench_function(format!("xlsx_write/{n}"), |b| {
            b.iter(|| {
                let mut out = Cursor::new(Vec::new());
                xlsx::write_poam(black_box(&poam), &mut out, "poam.xlsx").unwrap();
                out.into_inner().len()
            })
        });
        group.bench_function(format!("xlsx_write/{n}/baseline"), |b| {
            b.iter(|| conmon_benches::plain_xlsx(black_box(&rows)))
        });
        drop(rows);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poam.xlsx");
        xlsx::write_poam_file(&poam, &path).unwrap();
        assert_eq!(xlsx::read_poam(&path).unwrap().poam.items().count(), poam.items().count());
        group.bench_function(format!("xlsx_read/{n}"), |b| {
            b.iter(|| xlsx::read_poam(black_box(&path)).unwrap().poam.open.len())
        });
        group.bench_function(format!("xlsx_read/{n}/baseline"), |b| {
            b.iter(|| {
                use calamine::Reader;
                let mut wb = calamine::open_workbook_auto(&path).unwrap();
                let names = wb.sheet_names();
                names.iter().map(|s| wb.worksheet_range(s).unwrap().cells().count()).sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
