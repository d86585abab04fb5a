//! Parity fixtures: the core's output on `tests/fixtures/` must equal the expected JSON that the
//! Python and Node tests compare against too.

use conmon_core::Policy;
use conmon_core::sla::{AsOf, evaluate_all};
use conmon_tests::fixture;

#[test]
fn clock_cases_match_expected_json() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("clock/cases.json")).unwrap()).unwrap();
    let update = std::env::var_os("CONMON_UPDATE_FIXTURES").is_some();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = fixture(&format!("clock/{}", case["input"].as_str().unwrap()));
        let text = std::fs::read_to_string(&input).unwrap();
        let items = conmon_core::io::json::read_items(&text, &input.display().to_string()).unwrap();
        let spec = case["policy"].as_str().unwrap();
        let policy = if spec.ends_with(".toml") || spec.ends_with(".json") {
            Policy::load(&fixture(&format!("clock/{spec}"))).unwrap()
        } else {
            Policy::preset(spec).unwrap()
        };
        let as_of = AsOf::parse(case["as_of"].as_str().unwrap()).unwrap();
        let clocks = evaluate_all(&items, &policy, as_of).unwrap();
        let actual = serde_json::to_value(&clocks).unwrap();
        let expected_path = fixture(&format!("clock/{}", case["expected"].as_str().unwrap()));
        if update {
            std::fs::write(&expected_path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
            continue;
        }
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
        assert_eq!(actual, expected, "case {name}: core output differs from {}", expected_path.display());
    }
}

/// The monthly sample (examples/data/monthly), February then March: this month's POA&M and the
/// change log must equal `tests/fixtures/monthly/*.expected.json`, which the Python and Node
/// tests compare against too.
#[test]
fn monthly_sample_matches_expected_json() {
    let update = std::env::var_os("CONMON_UPDATE_FIXTURES").is_some();
    let data = conmon_tests::workspace_root().join("examples/data/monthly");
    let policy = Policy::load(&data.join("policy.toml")).unwrap();
    let deviations: Vec<conmon_core::deviation::Deviation> =
        serde_json::from_str(&std::fs::read_to_string(data.join("deviations.json")).unwrap()).unwrap();
    let kev = conmon_core::kev::KevCatalog::load(&data.join("kev.json")).unwrap();
    let mut previous = conmon_core::model::Poam::default();
    for (month, as_of) in [("2026-02", "2026-02-13"), ("2026-03", "2026-03-13")] {
        let scans = conmon_core::ingest::read_paths(&[data.join(month).join("os-web-db.nessus")]).unwrap();
        let r = conmon_core::reconcile::reconcile(&conmon_core::reconcile::Inputs {
            previous: &previous,
            scans: &scans,
            deviations: &deviations,
            kev: Some(&kev),
            policy: &policy,
            as_of: as_of.parse().unwrap(),
        })
        .unwrap();
        let actual = serde_json::json!({ "poam": r.poam, "changes": r.changes, "not_observed": r.not_observed });
        let path = fixture(&format!("monthly/{month}.expected.json"));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
        } else {
            let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(actual, expected, "{month}: core output differs from {}", path.display());
        }
        previous = r.poam;
    }
}
