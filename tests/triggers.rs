//! Escalation triggers (R7.2, R7.3) and the calendar (worked example 16), with exact dates.

use chrono::NaiveDate;
use conmon_core::Policy;
use conmon_core::calendar;
use conmon_core::model::{DeviationFlag, Poam, PoamItem, RiskRating};
use conmon_core::triggers::{Level, MonthSummary, Trigger, TriggerInputs, evaluate};

use crate::reconcile::{host, scans};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn items(n: usize, prefix: &str, detected: &str, rating: RiskRating) -> Vec<PoamItem> {
    (0..n)
        .map(|i| {
            let mut it = PoamItem::new(format!("{prefix}-{i}"), d(detected), rating);
            it.weakness_key = Some(format!("nessus:{prefix}{i}"));
            it
        })
        .collect()
}

fn month(as_of: &str, tripped: &[&str]) -> MonthSummary {
    MonthSummary {
        as_of: d(as_of),
        open_high: 0,
        open_moderate: 0,
        open_low: 0,
        unique_vulnerabilities: 20,
        new_items: 0,
        closed_items: 0,
        late_items: 0,
        unauthenticated_share: None,
        on_time: Some(true),
        tripped: tripped.iter().map(|s| s.to_string()).collect(),
    }
}

fn eval(
    poam: &Poam,
    policy: &Policy,
    history: &[MonthSummary],
    as_of: &str,
    set: Option<&conmon_core::ingest::ScanSet>,
) -> Vec<Trigger> {
    let cal = calendar::monthly(policy, d(as_of));
    evaluate(
        &TriggerInputs { poam, scans: set, calendar: &cal, history, new_items: 0, closed_items: 0, policy },
        d(as_of),
    )
    .0
}

fn get<'a>(t: &'a [Trigger], code: &str) -> &'a Trigger {
    t.iter().find(|t| t.code == code).unwrap_or_else(|| panic!("{code}"))
}

#[test]
fn late_remediation_tiers_count_aged_open_items_on_their_effective_status() {
    let policy = Policy::fedramp_rev5();
    // Five Highs detected 2026-01-01: on 2026-01-31 they are 30 days old (not "greater than
    // 30"); on 2026-02-01, 31 days: DFR. CAP needs more than 60 days: 2026-03-03.
    let poam = Poam { open: items(5, "H", "2026-01-01", RiskRating::High), ..Poam::default() };
    assert!(!get(&eval(&poam, &policy, &[], "2026-01-31", None), "late_high_dfr").tripped);
    let t = eval(&poam, &policy, &[], "2026-02-01", None);
    assert!(get(&t, "late_high_dfr").tripped);
    assert_eq!(get(&t, "late_high_dfr").items.len(), 5);
    assert!(!get(&t, "late_high_cap").tripped);
    assert!(!get(&eval(&poam, &policy, &[], "2026-03-02", None), "late_high_cap").tripped);
    assert!(get(&eval(&poam, &policy, &[], "2026-03-03", None), "late_high_cap").tripped);
    // Four: near, not tripped.
    let four = Poam { open: items(4, "H", "2026-01-01", RiskRating::High), ..Poam::default() };
    let t = eval(&four, &policy, &[], "2026-02-01", None);
    assert!(!get(&t, "late_high_dfr").tripped && get(&t, "late_high_dfr").near);
    // A High with an approved RA to Moderate no longer counts as High. A High vendor dependency
    // without an RA still counts: its clock is not stopped after 30 days (R3.7).
    let mut poam = poam.clone();
    poam.open[0].risk_adjustment = DeviationFlag::Yes;
    poam.open[0].adjusted_risk_rating = Some(RiskRating::Moderate);
    poam.open[1].vendor_dependency = true;
    poam.open[1].last_vendor_check_in_date = Some(d("2026-01-25"));
    poam.open[1].vendor_dependent_product_name = Some("ExampleDB".into());
    let t = eval(&poam, &policy, &[], "2026-02-01", None);
    assert_eq!(get(&t, "late_high_dfr").items, ["H-1", "H-2", "H-3", "H-4"]);
    // Ten Moderates detected 2025-10-01: > 90 days on 2025-12-31 (91 days), > 120 on 2026-01-30.
    let m = Poam { open: items(10, "M", "2025-10-01", RiskRating::Moderate), ..Poam::default() };
    assert!(!get(&eval(&m, &policy, &[], "2025-12-30", None), "late_moderate_dfr").tripped);
    assert!(get(&eval(&m, &policy, &[], "2025-12-31", None), "late_moderate_dfr").tripped);
    // A Moderate vendor dependency checked in within 30 days has a stopped clock: nine count.
    let mut vd = m.clone();
    vd.open[0].vendor_dependency = true;
    vd.open[0].last_vendor_check_in_date = Some(d("2025-12-20"));
    vd.open[0].vendor_dependent_product_name = Some("ExampleDB".into());
    let t = eval(&vd, &policy, &[], "2025-12-31", None);
    assert_eq!(get(&t, "late_moderate_dfr").items.len(), 9);
    assert!(!get(&t, "late_moderate_dfr").tripped && get(&t, "late_moderate_dfr").near);
    assert!(!get(&eval(&m, &policy, &[], "2026-01-29", None), "late_moderate_cap").tripped);
    let t = eval(&m, &policy, &[], "2026-01-30", None);
    assert!(get(&t, "late_moderate_cap").tripped);
    assert_eq!(get(&t, "late_moderate_cap").level, Level::Cap);
    // Configuration findings never count (R4.9).
    let cfg = Poam { configuration_findings: items(10, "C", "2025-01-01", RiskRating::High), ..Poam::default() };
    assert!(!get(&eval(&cfg, &policy, &[], "2026-01-30", None), "late_high_cap").tripped);
    // Highs and Moderates on one POA&M, counted in one pass. On 2026-03-03 the Highs are 61 days
    // old (past both High tiers) and the Moderates 153 (past both Moderate tiers). H-0, adjusted
    // to Moderate, is too young for a Moderate tier; the Moderate vendor dependency checked in on
    // 2026-02-20 has a stopped clock and counts in neither. The four come first, in this order.
    let mut moderates = vd.clone();
    moderates.open[0].last_vendor_check_in_date = Some(d("2026-02-20"));
    let mixed = Poam { open: [poam.open.clone(), moderates.open].concat(), ..Poam::default() };
    let t = eval(&mixed, &policy, &[], "2026-03-03", None);
    let codes: Vec<&str> = t.iter().take(4).map(|t| t.code.as_str()).collect();
    assert_eq!(codes, ["late_high_dfr", "late_high_cap", "late_moderate_dfr", "late_moderate_cap"]);
    assert_eq!(get(&t, "late_high_dfr").items, ["H-1", "H-2", "H-3", "H-4"]);
    assert_eq!(get(&t, "late_high_cap").items, ["H-1", "H-2", "H-3", "H-4"]);
    let nine: Vec<String> = (1..10).map(|i| format!("M-{i}")).collect();
    assert_eq!(get(&t, "late_moderate_dfr").items, nine);
    assert_eq!(get(&t, "late_moderate_cap").items, nine);
}

#[test]
fn unauthenticated_scans_dfr_then_cap_within_six_months() {
    let policy = Policy::fedramp_rev5();
    let mut hosts: Vec<_> = (0..9).map(|i| host(&format!("10.0.0.{i}"), "2026-03-05", true)).collect();
    hosts.push(host("10.0.0.9", "2026-03-05", false));
    let set = scans(Vec::new(), hosts);
    let poam = Poam::default();
    // 1 of 10 = 10%: the threshold is "10% or greater".
    let t = eval(&poam, &policy, &[], "2026-03-13", Some(&set));
    let u = get(&t, "unauthenticated_scans");
    assert!(u.tripped);
    assert_eq!(u.level, Level::Dfr);
    assert_eq!(u.items, ["10.0.0.9"]);
    // Tripped in 2025-10 (within six months of 2026-03-13): CAP, and a recurrence.
    let history = [month("2025-10-13", &["unauthenticated_scans"])];
    let t = eval(&poam, &policy, &history, "2026-03-13", Some(&set));
    assert_eq!(get(&t, "unauthenticated_scans").level, Level::Cap);
    assert!(get(&t, "multiple_recurrences").tripped);
    // Tripped in 2025-09-12, more than six months before: DFR again, no recurrence.
    let history = [month("2025-09-12", &["unauthenticated_scans"])];
    let t = eval(&poam, &policy, &history, "2026-03-13", Some(&set));
    assert_eq!(get(&t, "unauthenticated_scans").level, Level::Dfr);
    assert!(!get(&t, "multiple_recurrences").tripped);
}

#[test]
fn unique_vulnerability_growth_against_the_baseline() {
    let policy = Policy::fedramp_rev5();
    // Baseline 20: trips above 20 + max(4, 10) = 30 unique open vulnerabilities.
    let history = [month("2026-01-13", &[])];
    let thirty = Poam { open: items(30, "U", "2026-02-01", RiskRating::Low), ..Poam::default() };
    assert!(!get(&eval(&thirty, &policy, &history, "2026-03-13", None), "unique_vulnerability_increase").tripped);
    let t = eval(
        &Poam { open: items(31, "U", "2026-02-01", RiskRating::Low), ..Poam::default() },
        &policy,
        &history,
        "2026-03-13",
        None,
    );
    assert!(get(&t, "unique_vulnerability_increase").tripped);
    // Baseline 100: 20% (20) is more than 10, so it trips above 120.
    let mut big = month("2026-01-13", &[]);
    big.unique_vulnerabilities = 100;
    let t = eval(
        &Poam { open: items(120, "U", "2026-02-01", RiskRating::Low), ..Poam::default() },
        &policy,
        &[big],
        "2026-03-13",
        None,
    );
    assert!(!get(&t, "unique_vulnerability_increase").tripped);
}

/// Worked example 16: due day 13; uploaded 2026-03-17 is untimely (DFR); a second untimely
/// package within six months is a Multiple Recurrences CAP.
#[test]
fn late_deliverables_and_recurrence() {
    let mut policy = Policy::fedramp_rev5();
    policy.deliverable_day_of_month = Some(13);
    let poam = Poam::default();
    assert!(!get(&eval(&poam, &policy, &[], "2026-03-13", None), "late_deliverable").tripped);
    let t = eval(&poam, &policy, &[], "2026-03-17", None);
    let late = get(&t, "late_deliverable");
    assert!(late.tripped);
    assert_eq!(late.level, Level::Dfr);
    assert!(late.message.contains("2026-03-13"), "{}", late.message);
    assert!(!get(&t, "multiple_recurrences").tripped);
    let history = [month("2026-01-20", &["late_deliverable"])];
    let t = eval(&poam, &policy, &history, "2026-03-17", None);
    let rec = get(&t, "multiple_recurrences");
    assert!(rec.tripped);
    assert_eq!(rec.level, Level::Cap);
    assert_eq!(rec.items, ["late_deliverable"]);
}

#[test]
fn insufficient_notice_of_a_planned_change_is_a_cap() {
    let policy = Policy::fedramp_rev5();
    let poam = Poam::default();
    let mut cal = calendar::monthly(&policy, d("2026-03-13"));
    cal.change_notices = calendar::change_notices(
        &serde_json::json!([
            { "id": "SCR-1", "type": "Adaptive", "planned_date": "2026-04-20", "notified_date": "2026-03-10" },
            { "id": "SCR-2", "type": "Transformative", "planned_date": "2026-04-01", "notified_date": "2026-03-05" }
        ]),
        d("2026-03-13"),
    );
    let (t, summary) = evaluate(
        &TriggerInputs {
            poam: &poam,
            scans: None,
            calendar: &cal,
            history: &[],
            new_items: 0,
            closed_items: 0,
            policy: &policy,
        },
        d("2026-03-13"),
    );
    let n = get(&t, "insufficient_change_notice");
    assert!(n.tripped);
    assert_eq!(n.level, Level::Cap);
    assert_eq!(n.items, ["SCR-2"]);
    assert!(summary.tripped.contains(&"insufficient_change_notice".to_string()));
}

/// The monthly job's past-due items (`MonthlyOutput::late_clocks`, behind the bindings'
/// `late_items()`) are judged under the run's policy, and are the items `history.json` counts.
/// The sample package's March under Rev5 has V-1 and V-5 late; under an agreement of 7/20/30
/// days (stricter than Rev5) V-2 and V-3 are too, and asking for Rev5 explicitly gives Rev5's
/// answer again.
#[test]
fn monthly_late_items_follow_the_runs_policy() {
    use conmon_core::monthly::{MonthlyInputs, run};
    let sample = conmon_tests::workspace_root().join("examples/data/monthly");
    let month = |policy: &Policy, previous: Option<&conmon_core::monthly::MonthlyOutput>, dir: &str, as_of: &str| {
        run(MonthlyInputs {
            previous: previous.map(|p| p.reconciliation.poam.clone()),
            previous_import: None,
            previous_file: "previous".into(),
            scans: conmon_core::ingest::read_paths(&[sample.join(dir)]).unwrap(),
            inventory: None,
            deviations: conmon_core::io::read_deviations_path(&sample.join("deviations.json")).unwrap(),
            kev: Some(conmon_core::kev::KevCatalog::load(&sample.join("kev.json")).unwrap()),
            significant_changes: None,
            history: previous.map(|p| p.history.clone()).unwrap_or_default(),
            policy: policy.clone(),
            as_of: d(as_of),
        })
        .unwrap()
    };
    let ids = |clocks: Vec<conmon_core::sla::Clock>| clocks.into_iter().map(|c| c.poam_id).collect::<Vec<_>>();
    let rev5 = Policy::fedramp_rev5();
    let mut strict = Policy::fedramp_rev5();
    strict.rev5_sla_days.high = 7;
    strict.rev5_sla_days.moderate = 20;
    strict.rev5_sla_days.low = 30;

    let feb = month(&rev5, None, "2026-02", "2026-02-13");
    let mar = month(&rev5, Some(&feb), "2026-03", "2026-03-13");
    let late = mar.late_clocks(None, true).unwrap();
    assert!(late.iter().all(|c| !c.explanation.is_empty()));
    assert_eq!(ids(late), ["V-1", "V-5"]);
    assert_eq!(mar.history.last().unwrap().late_items, 2);

    let feb = month(&strict, None, "2026-02", "2026-02-13");
    let mar = month(&strict, Some(&feb), "2026-03", "2026-03-13");
    let late = mar.late_clocks(None, false).unwrap();
    // Detected 2026-02-09: the Moderate V-2 is due 03-01 (12 days late at 03-13), the Low V-3 due
    // 03-11 (2 days); V-6, a Moderate detected 03-09, is due 03-29.
    let dates: Vec<_> =
        late.iter().map(|c| (c.poam_id.as_str(), c.due_date.unwrap().to_string(), c.days_late)).collect();
    assert_eq!(dates[1], ("V-2", "2026-03-01".to_string(), 12));
    assert_eq!(dates[2], ("V-3", "2026-03-11".to_string(), 2));
    assert_eq!(mar.history.last().unwrap().late_items, 4);
    assert_eq!(ids(late), ["V-1", "V-2", "V-3", "V-5"]);
    assert_eq!(ids(mar.late_clocks(Some(&rev5), false).unwrap()), ["V-1", "V-5"]);
}
