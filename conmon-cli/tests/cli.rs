//! End-to-end tests of the `conmon` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn conmon(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conmon"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn clock_reads_stdin_and_prints_json() {
    let items = r#"[{"poam_id":"V-1","original_detection_date":"2026-01-10","original_risk_rating":"high"}]"#;
    let out = conmon(&["clock", "--as-of", "2026-02-15"], Some(items));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["as_of"], "2026-02-15");
    assert_eq!(v["policy"], "fedramp_rev5");
    let c = &v["clocks"][0];
    assert_eq!(c["due_date"], "2026-02-09");
    assert_eq!(c["state"], "late");
    assert_eq!(c["days_late"], 6);
    assert_eq!(c["rule"], "rev5.sla.high");
    assert!(c["explanation"][0]["text"].as_str().unwrap().contains("2026-01-10"));
}

#[test]
fn clock_output_equals_the_parity_fixture() {
    let input = root().join("tests/fixtures/clock/rev5-poam.json");
    let out = conmon(&["clock", input.to_str().unwrap(), "--as-of", "2026-03-13"], None);
    assert!(out.status.success());
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/clock/rev5-sample.expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json(&out)["clocks"], expected);
}

#[test]
fn fail_on_late_exits_1_and_policy_file_applies() {
    let input = root().join("tests/fixtures/clock/rev5-poam.json");
    let policy = root().join("tests/fixtures/clock/kev-supersede.toml");
    let out = conmon(
        &[
            "clock",
            input.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--as-of",
            "2026-02-15",
            "--fail-on-late",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let v106 = v["clocks"].as_array().unwrap().iter().find(|c| c["poam_id"] == "V-106").unwrap();
    assert_eq!(v106["rule"], "kev.supersede");
}

#[test]
fn bad_input_exits_2_with_a_located_json_error() {
    let items =
        "[\n{\"poam_id\":\"V-1\",\n\"original_detection_date\":\"2026-02-30\",\"original_risk_rating\":\"high\"}]";
    let out = conmon(&["clock", "--as-of", "2026-02-15", "--format", "json"], Some(items));
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "invalid_value");
    assert_eq!(err["error"]["location"]["file"], "<stdin>");
    assert_eq!(err["error"]["location"]["line"], 3);
    assert_eq!(err["error"]["location"]["field"], "[0].original_detection_date");

    let out = conmon(&["clock", "--as-of", "2026-13-01"], Some("[]"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));

    let out = conmon(&["clock", "/nonexistent/items.json", "--as-of", "2026-01-01"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/items.json"));
}

#[test]
fn bad_policy_file_names_the_key() {
    let dir = std::env::temp_dir().join(format!("conmon-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.toml");
    std::fs::write(&p, "preset = \"fedramp_rev5\"\nkev_polcy = \"earliest\"\n").unwrap();
    let out =
        conmon(&["clock", "--policy", p.to_str().unwrap(), "--as-of", "2026-01-01", "--format", "text"], Some("[]"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml line 2, field `kev_polcy`"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_prints_the_sample_clocks() {
    let out = conmon(&["demo"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("V-101"), "{text}");
    assert!(text.contains("10 items, 3 late"), "{text}");
    let out = conmon(&["demo", "--format", "json"], None);
    assert_eq!(json(&out)["clocks"].as_array().unwrap().len(), 10);
}

#[test]
fn schemas_are_committed_and_current() {
    for name in ["poam", "poam-item", "finding", "policy", "clock"] {
        let out = conmon(&["schema", name], None);
        assert!(out.status.success());
        let committed = std::fs::read_to_string(root().join(format!("schema/{name}.schema.json")))
            .unwrap_or_else(|_| panic!("schema/{name}.schema.json is missing: run `conmon schema {name}`"));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            committed,
            "schema/{name}.schema.json is stale: regenerate with `cargo run -p conmon-cli -- schema {name} > schema/{name}.schema.json`"
        );
    }
}

#[test]
fn policy_lists_presets_and_resolves() {
    let out = conmon(&["policy"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("fedramp_vdr_class_d"));
    let out = conmon(&["policy", "fedramp_vdr_high"], None);
    assert_eq!(json(&out)["regime"], "vdr");
}

#[test]
fn ingest_json_prints_findings_and_context() {
    let input = root().join("tests/fixtures/nessus/two-hosts.nessus");
    let out = conmon(&["ingest", "--json", input.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["findings"].as_array().unwrap().len(), 5);
    assert_eq!(v["context"]["hosts"][0]["credentialed"], true);
    assert_eq!(v["context"]["files"][0]["source_format"], "nessus");
    let out = conmon(&["ingest", "--json", root().join("Cargo.toml").to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "unsupported_format");
}

#[test]
fn ingest_reads_many_formats_into_one_set() {
    let files: Vec<String> =
        ["nessus/two-hosts.nessus", "ingest/trivy-image.json", "ingest/sc-export.csv", "ingest/code.sarif"]
            .iter()
            .map(|f| root().join("tests/fixtures").join(f).to_str().unwrap().to_string())
            .collect();
    let mut argv = vec!["ingest", "--json"];
    argv.extend(files.iter().map(String::as_str));
    let out = conmon(&argv, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["findings"].as_array().unwrap().len(), 5 + 3 + 1 + 2);
    let formats: Vec<&str> =
        v["context"]["files"].as_array().unwrap().iter().map(|f| f["source_format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["nessus", "trivy", "tenable_csv", "sarif"]);
    assert_eq!(v["context"]["files"][1]["skipped"], 1);
    // Text summary.
    let mut argv = vec!["ingest"];
    argv.extend(files.iter().map(String::as_str));
    let out = conmon(&argv, None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("total: 5 hosts (1 credentialed), 11 findings"), "{text}");
}
