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
fn clock_counts_an_as_of_instant_to_its_date_in_the_policys_time_zone() {
    // High, detected 2026-02-09: due 2026-03-11. 2026-03-12T03:00:00Z is 23:00 on 11 March in
    // New York.
    let items = r#"[{"poam_id":"V-1","original_detection_date":"2026-02-09","original_risk_rating":"high"}]"#;
    let out = conmon(&["clock", "--as-of", "2026-03-12T03:00:00Z"], Some(items));
    let v = json(&out);
    assert_eq!((v["as_of"].as_str(), v["clocks"][0]["state"].as_str()), (Some("2026-03-12"), Some("late")));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("ny.toml");
    std::fs::write(&policy, "time_zone = \"America/New_York\"\n").unwrap();
    let out = conmon(&["clock", "--as-of", "2026-03-12T03:00:00Z", "--policy", policy.to_str().unwrap()], Some(items));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!((v["as_of"].as_str(), v["clocks"][0]["state"].as_str()), (Some("2026-03-11"), Some("due_soon")));
    assert_eq!(v["clocks"][0]["days_late"], 0);
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
fn demo_clocks_prints_the_sample_clocks() {
    let out = conmon(&["demo", "--clocks"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("V-101"), "{text}");
    assert!(text.contains("10 items, 3 late"), "{text}");
    let out = conmon(&["demo", "--clocks", "--format", "json"], None);
    assert_eq!(json(&out)["clocks"].as_array().unwrap().len(), 10);
}

#[test]
fn demo_runs_two_months_of_the_bundled_sample() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    let out = conmon(&["demo", "--out", out_dir.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("POA&M 2026-03-13: 5 open, 1 closed"), "{text}");
    for f in ["poam.xlsx", "poam.json", "poam.csv", "oscal-poam.json", "changes.json", "validation.json", "report.html"]
    {
        assert!(out_dir.join("2026-03").join(f).is_file(), "{f}");
    }
}

fn sample(rel: &str) -> String {
    root().join("examples/data/monthly").join(rel).display().to_string()
}

/// The monthly job end to end on the bundled sample: every output exists, parses, and agrees
/// with the library's result on the same inputs; next month reads poam.json and history.json.
#[test]
fn monthly_writes_every_output_and_agrees_with_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let feb = dir.path().join("feb");
    let out = conmon(
        &[
            "monthly",
            "--scans",
            &sample("2026-02"),
            "--inventory",
            &sample("inventory.json"),
            "--deviations",
            &sample("deviations.json"),
            "--kev",
            &sample("kev.json"),
            "--as-of",
            "2026-02-13",
            "--out",
            feb.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    // The sample has validation findings (a database with no database scan): exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["open"], 5);
    assert_eq!(summary["valid"], false);

    // The library on the same inputs.
    let scans =
        conmon_core::ingest::read_paths(&[root().join("examples/data/monthly/2026-02/os-web-db.nessus")]).unwrap();
    let deviations: Vec<conmon_core::deviation::Deviation> =
        serde_json::from_str(&std::fs::read_to_string(sample("deviations.json")).unwrap()).unwrap();
    let kev = conmon_core::kev::KevCatalog::load(std::path::Path::new(&sample("kev.json"))).unwrap();
    let policy = conmon_core::Policy::fedramp_rev5();
    let lib = conmon_core::reconcile::reconcile(&conmon_core::reconcile::Inputs {
        previous: &conmon_core::model::Poam::default(),
        scans: &scans,
        deviations: &deviations,
        kev: Some(&kev),
        policy: &policy,
        as_of: "2026-02-13".parse().unwrap(),
    })
    .unwrap();
    let written: conmon_core::model::Poam =
        serde_json::from_str(&std::fs::read_to_string(feb.join("poam.json")).unwrap()).unwrap();
    assert_eq!(written, lib.poam);
    let from_xlsx = conmon_core::io::xlsx::read_poam(&feb.join("poam.xlsx")).unwrap();
    assert!(from_xlsx.problems.is_empty(), "{:?}", from_xlsx.problems);
    assert_eq!(from_xlsx.poam.open.len(), lib.poam.open.len());
    let ids: Vec<&str> = from_xlsx.poam.open.iter().map(|i| i.poam_id.as_str()).collect();
    let lib_ids: Vec<&str> = lib.poam.open.iter().map(|i| i.poam_id.as_str()).collect();
    assert_eq!(ids, lib_ids);
    let from_csv = conmon_core::io::csv::read_poam_file(&feb.join("poam.csv")).unwrap();
    assert_eq!(from_csv.poam.open.len(), lib.poam.open.len());
    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feb.join("changes.json")).unwrap()).unwrap();
    assert_eq!(changes["changes"].as_array().unwrap().len(), lib.changes.len());
    let oscal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feb.join("oscal-poam.json")).unwrap()).unwrap();
    assert_eq!(oscal["plan-of-action-and-milestones"]["poam-items"].as_array().unwrap().len(), 5);
    assert_eq!(oscal, conmon_core::io::oscal::to_oscal(&lib.poam, &Default::default()));
    // Each deadline is the last second before its scheduled date (policy `oscal_deadline`).
    let deadlines = |doc: &serde_json::Value| -> Vec<String> {
        doc["plan-of-action-and-milestones"]["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["deadline"].as_str().unwrap().to_string())
            .collect()
    };
    let mut scheduled: Vec<String> = lib
        .poam
        .items()
        .filter_map(|i| i.scheduled_completion_date)
        .map(|d| format!("{}T23:59:59Z", d.pred_opt().unwrap()))
        .collect();
    let mut written_deadlines = deadlines(&oscal);
    scheduled.sort();
    written_deadlines.sort();
    assert_eq!(written_deadlines, scheduled);
    // The other reading, from a policy file: midnight of the scheduled date.
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, "oscal_deadline = \"due_date_midnight\"\n").unwrap();
    let feb2 = dir.path().join("feb-midnight");
    let out = conmon(
        &[
            "monthly",
            "--scans",
            &sample("2026-02"),
            "--as-of",
            "2026-02-13",
            "--policy",
            policy_file.to_str().unwrap(),
            "--ssp",
            "../ssp.xml",
            "--fedramp-id",
            "F1234567890",
            "--out",
            feb2.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let oscal2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feb2.join("oscal-poam.json")).unwrap()).unwrap();
    let midnight = deadlines(&oscal2);
    assert!(!midnight.is_empty() && midnight.iter().all(|d| d.ends_with("T00:00:00Z")), "{midnight:?}");
    // --ssp and --fedramp-id: import-ssp points to a back-matter SSP resource linking the file.
    let p = &oscal2["plan-of-action-and-milestones"];
    assert_eq!(p["system-id"]["id"], "F1234567890");
    let href = p["import-ssp"]["href"].as_str().unwrap().trim_start_matches('#');
    let ssp = p["back-matter"]["resources"].as_array().unwrap().iter().find(|r| r["uuid"] == href).unwrap();
    assert_eq!(ssp["rlinks"], serde_json::json!([{ "href": "../ssp.xml", "media-type": "text/xml" }]));
    // Without them (the first run): a no-oscal-ssp resource naming the system.
    let href = oscal["plan-of-action-and-milestones"]["import-ssp"]["href"].as_str().unwrap().trim_start_matches('#');
    let none = oscal["plan-of-action-and-milestones"]["back-matter"]["resources"][0].clone();
    assert_eq!(none["uuid"], href);
    assert!(none["props"].as_array().unwrap().iter().any(|p| p["name"] == "type" && p["value"] == "no-oscal-ssp"));
    let validation: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feb.join("validation.json")).unwrap()).unwrap();
    assert_eq!(validation["valid"], false);
    assert!(validation["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "package.scan_type_missing"));
    let html = std::fs::read_to_string(feb.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Past-due POA&amp;M items"));
    // Self-contained: no resource is fetched from anywhere.
    for needle in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(!html.contains(needle), "{needle}");
    }

    // March reads February's poam.json (and the history.json beside it).
    let mar = dir.path().join("mar");
    let out = conmon(
        &[
            "monthly",
            "--previous",
            feb.join("poam.json").to_str().unwrap(),
            "--scans",
            &sample("2026-03"),
            "--inventory",
            &sample("inventory.json"),
            "--deviations",
            &sample("deviations.json"),
            "--kev",
            &sample("kev.json"),
            "--changes",
            &sample("significant-changes.json"),
            "--as-of",
            "2026-03-13",
            "--out",
            mar.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "--quiet prints nothing");
    let march: conmon_core::model::Poam =
        serde_json::from_str(&std::fs::read_to_string(mar.join("poam.json")).unwrap()).unwrap();
    // IDs kept; the HSTS item (V-4) closed on db01's credentialed rescan; V-3's approved RA.
    assert_eq!(march.closed.iter().map(|i| i.poam_id.as_str()).collect::<Vec<_>>(), ["V-4"]);
    let v3 = march.open.iter().find(|i| i.poam_id == "V-3").unwrap();
    assert_eq!(v3.effective_risk_rating(), conmon_core::model::RiskRating::Low);
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mar.join("history.json")).unwrap()).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
    let html = std::fs::read_to_string(mar.join("report.html")).unwrap();
    assert!(html.contains("SCR-2026-004"), "significant changes are on the agenda");
    assert!(html.contains("DR-2026-002"), "the pending OR is on the agenda");
}

#[test]
fn monthly_never_touches_outputs_when_an_input_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("poam.json"), "previous content").unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[{\"id\": \"DR-1\", \"poam_id\": \"V-1\", \"kind\": \"maybe\", \"status\": \"pending\"}]")
        .unwrap();
    let out = conmon(
        &[
            "monthly",
            "--scans",
            &sample("2026-02"),
            "--deviations",
            bad.to_str().unwrap(),
            "--as-of",
            "2026-02-13",
            "--out",
            out_dir.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["location"]["field"], "[0].kind");
    assert_eq!(std::fs::read_to_string(out_dir.join("poam.json")).unwrap(), "previous content");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);
}

#[test]
fn monthly_reads_fedramps_deviation_request_form() {
    let dir = tempfile::tempdir().unwrap();
    let feb = dir.path().join("feb");
    let form = root().join("tests/fixtures/deviations/dr-form.xlsx");
    let month = |scans: &str, as_of: &str, out: &std::path::Path, previous: Option<&std::path::Path>| {
        let mut args = vec!["monthly", "--scans", scans, "--deviations", form.to_str().unwrap(), "--as-of", as_of];
        let out_s = out.to_str().unwrap().to_string();
        let prev_s = previous.map(|p| p.to_str().unwrap().to_string());
        if let Some(p) = &prev_s {
            args.extend(["--previous", p.as_str()]);
        }
        args.extend(["--out", out_s.as_str(), "--quiet"]);
        conmon(&args, None)
    };
    let out = month(&sample("2026-02"), "2026-02-13", &feb, None);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let mar = dir.path().join("mar");
    let out = month(&sample("2026-03"), "2026-03-13", &mar, Some(&feb.join("poam.json")));
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let march: conmon_core::model::Poam =
        serde_json::from_str(&std::fs::read_to_string(mar.join("poam.json")).unwrap()).unwrap();
    // DR-2026-001 on the form: V-3's risk adjustment to Low, approved 2026-03-02.
    let v3 = march.open.iter().find(|i| i.poam_id == "V-3").unwrap();
    assert_eq!(v3.risk_adjustment, conmon_core::model::DeviationFlag::Yes);
    assert_eq!(v3.effective_risk_rating(), conmon_core::model::RiskRating::Low);

    // A workbook that is not the form (February's POA&M): exit 2, named, nothing written.
    let kept = dir.path().join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("poam.json"), "previous content").unwrap();
    let out = conmon(
        &[
            "monthly",
            "--scans",
            &sample("2026-02"),
            "--deviations",
            feb.join("poam.xlsx").to_str().unwrap(),
            "--as-of",
            "2026-02-13",
            "--out",
            kept.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(err["error"]["message"].as_str().unwrap().contains("DR Number"), "{err}");
    assert_eq!(std::fs::read_to_string(kept.join("poam.json")).unwrap(), "previous content");
}

#[test]
fn validate_reports_every_problem_and_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let feb = dir.path().join("feb");
    let status = conmon(
        &["monthly", "--scans", &sample("2026-02"), "--as-of", "2026-02-13", "--out", feb.to_str().unwrap(), "--quiet"],
        None,
    )
    .status;
    assert!(status.code() == Some(0) || status.code() == Some(1));
    // The written workbook validates without template errors on its own.
    let out = conmon(
        &["validate", "--poam", feb.join("poam.xlsx").to_str().unwrap(), "--as-of", "2026-02-13", "--format", "json"],
        None,
    );
    let report = json(&out);
    let errors: Vec<&serde_json::Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect();
    // The engine leaves Point of Contact (H) for the provider: blank cells are reported.
    assert!(errors.iter().all(|d| d["code"] == "template.required_blank"), "{errors:#?}");
    assert!(errors.iter().all(|d| d["location"]["sheet"] == "Open POA&M Items"));
    assert_eq!(out.status.code(), Some(if errors.is_empty() { 0 } else { 1 }));
    // Against a previous POA&M whose K differs: poam.detection_date_changed, exit 1.
    let mut previous: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feb.join("poam.json")).unwrap()).unwrap();
    previous["open"][0]["original_detection_date"] = serde_json::json!("2026-01-01");
    let prev_path = dir.path().join("prev.json");
    std::fs::write(&prev_path, previous.to_string()).unwrap();
    let out = conmon(
        &[
            "validate",
            "--poam",
            feb.join("poam.json").to_str().unwrap(),
            "--previous",
            prev_path.to_str().unwrap(),
            "--as-of",
            "2026-02-13",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[poam.detection_date_changed] V-1"), "{text}");
    // Could not run: exit 2.
    let out = conmon(&["validate", "--poam", "/nonexistent.json", "--as-of", "2026-02-13"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_prints_the_rules_applied_to_an_item() {
    let dir = tempfile::tempdir().unwrap();
    let feb = dir.path().join("feb");
    conmon(
        &[
            "monthly",
            "--scans",
            &sample("2026-02"),
            "--kev",
            &sample("kev.json"),
            "--as-of",
            "2026-02-13",
            "--out",
            feb.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    let out = conmon(
        &[
            "explain",
            "V-5",
            "--poam",
            feb.join("poam.json").to_str().unwrap(),
            "--changes",
            feb.join("changes.json").to_str().unwrap(),
            "--as-of",
            "2026-02-13",
        ],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Log4j"), "{text}");
    assert!(text.contains("[kev.earliest]"), "{text}");
    assert!(text.contains("V-5 new"), "{text}");
    let out =
        conmon(&["explain", "V-99", "--poam", feb.join("poam.json").to_str().unwrap(), "--as-of", "2026-02-13"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schemas_are_committed_and_current() {
    for name in conmon_core::schema::SCHEMAS {
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

/// `ingest` takes directories as `monthly --scans` does (the core's walk), and an empty one is a
/// located error, not an empty scan.
#[test]
fn ingest_reads_directories_and_refuses_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir_all(scans.join("web")).unwrap();
    std::fs::copy(root().join("tests/fixtures/nessus/two-hosts.nessus"), scans.join("os.nessus")).unwrap();
    std::fs::copy(root().join("tests/fixtures/ingest/code.sarif"), scans.join("web/code.sarif")).unwrap();
    std::fs::write(scans.join(".DS_Store"), b"\0\0\0\x01").unwrap();
    let out = conmon(&["ingest", "--json", scans.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let formats: Vec<&str> =
        v["context"]["files"].as_array().unwrap().iter().map(|f| f["source_format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["nessus", "sarif"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 5 + 2);

    let empty = dir.path().join("2026-04");
    std::fs::create_dir_all(&empty).unwrap();
    let out = conmon(&["ingest", "--json", empty.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "invalid_value");
    assert_eq!(err["error"]["location"]["file"], empty.to_str().unwrap());
}

/// Chromium (Debian's `chromium`), when installed; scripts/test.sh installs it when it can.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The meeting report renders in headless Chromium: a screenshot of the full width is taken.
#[test]
fn the_meeting_report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    assert!(conmon(&["demo", "--out", out_dir.to_str().unwrap(), "--format", "json"], None).status.success());
    let report = out_dir.join("2026-03/report.html");
    let shot = dir.path().join("report.png");
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1600"])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (1200, 1600));
    // A blank page compresses to a few kilobytes; the report's tables and charts do not.
    assert!(png.len() > 40_000, "screenshot of {} bytes looks blank", png.len());
}

/// Runs `conmon ARGS` under a 1 GiB address-space limit (`ulimit -v`).
fn conmon_limited(args: &[&str]) -> (Output, std::time::Duration) {
    let start = std::time::Instant::now();
    let out = Command::new("bash")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_conmon"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out, start.elapsed())
}

#[test]
fn hostile_inputs_fail_cleanly_under_a_memory_limit() {
    let hostile = root().join("tests/fixtures/hostile");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(hostile.join("cases.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for case in cases.as_array().unwrap() {
        let file = hostile.join(case["file"].as_str().unwrap());
        let file = file.to_str().unwrap();
        let out_dir = dir.path().join(case["file"].as_str().unwrap());
        let feb = sample("2026-02");
        let mut args = vec!["monthly", "--as-of", "2026-03-13", "--out", out_dir.to_str().unwrap(), "--format", "json"];
        match case["reader"].as_str().unwrap() {
            "scan" => args.extend(["--scans", file]),
            "poam" => args.extend(["--scans", &feb, "--previous", file]),
            "policy" => args.extend(["--scans", &feb, "--policy", file]),
            other => panic!("unknown reader {other}"),
        }
        let (out, took) = conmon_limited(&args);
        let name = case["file"].as_str().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let err: serde_json::Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(err["error"]["code"], case["code"], "{name}: {err}");
        assert_eq!(err["error"]["location"]["file"], file, "{name}: {err}");
        assert!(took < std::time::Duration::from_secs(20), "{name}: {took:?}");
        assert!(!out_dir.exists(), "{name}: outputs were written");
    }
}

/// A Tenable CSV of `hosts` hosts with `per_host` findings each over `plugins` plugin IDs.
fn generated_scan(path: &std::path::Path, hosts: u32, per_host: u32, plugins: u32, date: &str) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "Plugin ID,CVE,Risk,Host,Protocol,Port,Name,Description,First Discovered").unwrap();
    let risks = ["Low", "Medium", "High", "Critical"];
    for h in 0..hosts {
        for k in 0..per_host {
            let p = (h.wrapping_mul(7919) + k * 104_729) % plugins;
            writeln!(
                w,
                "{},CVE-2025-{},{},10.{}.{}.{},tcp,443,Weakness {p},\"Generated weakness {p}, line one\nline two\",{date}",
                100_000 + p,
                10_000 + p,
                risks[(p % 4) as usize],
                h >> 16,
                (h >> 8) & 255,
                h & 255
            )
            .unwrap();
        }
    }
}

fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn an_interrupted_monthly_run_leaves_the_previous_outputs_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (jan, feb) = (dir.path().join("jan.csv"), dir.path().join("feb.csv"));
    generated_scan(&jan, 2000, 4, 4000, "2026-01-09");
    generated_scan(&feb, 2000, 4, 4500, "2026-02-09");
    let month = |scan: &std::path::Path, as_of: &str, out: &std::path::Path| -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_conmon"));
        c.args([
            "monthly",
            "--scans",
            scan.to_str().unwrap(),
            "--as-of",
            as_of,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c
    };
    // January's outputs: what an interrupted February must leave untouched.
    let out = dir.path().join("out");
    assert!(month(&jan, "2026-01-13", &out).status().unwrap().success());
    let january = snapshot(&out);
    assert!(january.len() >= 8, "{:?}", january.keys());
    // February run to completion elsewhere: the outputs a finished run gives.
    let complete = dir.path().join("complete");
    assert!(month(&feb, "2026-02-13", &complete).status().unwrap().success());
    let february = snapshot(&complete);

    // Kill February at growing delays after its first output file appears, until it finishes
    // before the kill. Every kill must leave January's outputs exactly as they were.
    let (mut interrupted, mut complete_but_held) = (0, 0);
    for delay_ms in [0u64, 1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560] {
        let run = dir.path().join(format!("run-{delay_ms}"));
        std::fs::create_dir_all(&run).unwrap();
        for (name, bytes) in &january {
            std::fs::write(run.join(name), bytes).unwrap();
        }
        let mut child = month(&feb, "2026-02-13", &run).spawn().unwrap();
        // Wait until the run starts writing (a temporary file appears) or ends.
        let writing = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            let staging = std::fs::read_dir(&run)
                .unwrap()
                .any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".conmon-"));
            if staging {
                break true;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        };
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let killed = writing && child.try_wait().unwrap().is_none() && child.kill().is_ok();
        let status = child.wait().unwrap();
        let (temps, after): (std::collections::BTreeMap<String, Vec<u8>>, std::collections::BTreeMap<String, Vec<u8>>) =
            snapshot(&run).into_iter().partition(|(name, _)| name.starts_with(".conmon-"));
        if killed && !status.success() {
            if after == january {
                interrupted += 1;
                // Two or more temporary files left behind: at least one new output was complete
                // and still not in place, which file-by-file replacement would have renamed.
                if temps.len() >= 2 {
                    complete_but_held += 1;
                }
                continue;
            }
            // Killed within the commit (a few renames): each file is complete, January's or
            // February's, and poam.json, renamed last, is still January's. Or killed after the
            // commit, before the process exited: then poam.json is February's and so is every
            // other output.
            for (name, bytes) in &after {
                let known =
                    january.get(name) == Some(bytes) || february.get(name) == Some(bytes) || name == "poam.xlsx";
                assert!(known, "killed {delay_ms} ms into writing: {name} is neither month's");
            }
            if after.get("poam.json") == february.get("poam.json") {
                assert_eq!(after.keys().collect::<Vec<_>>(), february.keys().collect::<Vec<_>>());
                for (name, bytes) in &after {
                    assert!(name == "poam.xlsx" || bytes == &february[name], "poam.json is new but {name} is not");
                }
            } else {
                assert_eq!(after.get("poam.json"), january.get("poam.json"), "poam.json changed before the rest");
            }
        } else {
            // Finished: every output is February's (the workbook differs only in its timestamp).
            assert!(status.success());
            assert_eq!(after.keys().collect::<Vec<_>>(), february.keys().collect::<Vec<_>>());
            for (name, bytes) in &after {
                if name != "poam.xlsx" {
                    assert!(bytes == &february[name], "{name} differs from a complete run");
                }
            }
            break;
        }
    }
    eprintln!(
        "{interrupted} run(s) killed while writing left the previous outputs intact, \
         {complete_but_held} of them with new outputs complete but not yet in place"
    );
    assert!(interrupted >= 2, "only {interrupted} run(s) were interrupted while writing");
    assert!(complete_but_held >= 1, "no run was killed after an output was complete");
}
