//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_default()
}

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    workspace_root().join("tests").join("fixtures").join(rel)
}

/// The shared corpus beside the checkout (`../shared/corpus`), when present.
pub fn shared_corpus() -> Option<PathBuf> {
    let p = workspace_root().parent()?.join("shared").join("corpus");
    p.is_dir().then_some(p)
}

use chrono::{Days, NaiveDate};
use conmon_core::model::{
    AssetRef, Closure, ClosureReason, DeviationFlag, Milestone, MilestoneChange, MilestoneChangeKind, Poam, PoamHeader,
    PoamItem, RiskRating,
};

/// A small deterministic generator (xorshift), so generated POA&Ms are the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "OpenSSL",
    "remote",
    "code",
    "execution",
    "in",
    "the",
    "TLS",
    "handshake",
    "kernel",
    "privilege",
    "escalation",
    "Apache",
    "HTTP",
    "Server",
    "outdated",
    "version",
    "weak",
    "cipher",
    "suites",
    "SSH",
    "server",
    "CBC",
    "mode",
    "ciphers",
    "enabled",
    "Microsoft",
    "Windows",
    "cumulative",
    "update",
    "missing",
    "éàü",
    "日本語",
    "—",
    "&",
    "<tag>",
    "\"quoted\"",
    "100%",
];

/// Text of up to `max` words, sometimes on several lines, never with leading or trailing blanks.
pub fn words(rng: &mut Rng, max: u64) -> String {
    let n = 1 + rng.below(max);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(if rng.below(12) == 0 { '\n' } else { ' ' });
        }
        let w: &&str = rng.pick(WORDS);
        s.push_str(w);
    }
    s
}

/// A generated POA&M of `n` items (about 70% open, 20% closed, 10% configuration findings) that
/// uses every template column A–AE with realistic values: several assets with ports, milestones
/// and milestone changes, every deviation flag, vendor dependencies, KEV items, several CVEs and
/// services. Only template columns are set, so the workbook and CSV carry everything.
pub fn sample_poam(n: usize, seed: u64) -> Poam {
    let mut rng = Rng::new(seed);
    let base = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap_or_default();
    let mut poam = Poam {
        header: PoamHeader {
            csp: "Example Cloud, Inc.".into(),
            system_name: "Example Cloud Platform".into(),
            impact_level: Some(RiskRating::Moderate),
            poam_date: NaiveDate::from_ymd_opt(2026, 11, 13),
        },
        ..Poam::default()
    };
    for i in 0..n {
        let detected = base + Days::new(rng.below(500));
        let rating = *rng.pick(&[RiskRating::High, RiskRating::Moderate, RiskRating::Moderate, RiskRating::Low]);
        let mut item = PoamItem::new(format!("V-{}", i + 1), detected, rating);
        item.controls = rng.pick(&["RA-5", "SI-2", "CM-6", "RA-5, SI-2"]).to_string();
        item.weakness_name = words(&mut rng, 8).into();
        item.weakness_description = words(&mut rng, 40).into();
        item.weakness_detector_source = rng.pick(&["Nessus", "Amazon Inspector", "Trivy", "Nessus\nTrivy"]).to_string();
        item.weakness_source_identifier = (10_000 + rng.below(190_000)).to_string();
        for _ in 0..1 + rng.below(4) {
            let host = format!("10.{}.{}.{}", rng.below(4), rng.below(256), rng.below(256));
            item.assets.push(match rng.below(3) {
                0 => AssetRef::host(host),
                1 => AssetRef::host(host).with_port(443, "tcp"),
                _ => AssetRef::host(format!("registry.example.com/app/api:{}.{}", rng.below(9), rng.below(20))),
            });
        }
        item.assets.sort();
        item.assets.dedup();
        item.point_of_contact = rng.pick(&["Jane Doe, ISSO", "Platform Team", "DBA on call"]).to_string();
        item.resources_required = if rng.below(3) == 0 { String::new() } else { "8 staff hours".into() };
        item.overall_remediation_plan = words(&mut rng, 12).into();
        let days = match rating {
            RiskRating::High => 30,
            RiskRating::Moderate => 90,
            RiskRating::Low => 180,
        };
        let due = detected + Days::new(days);
        item.scheduled_completion_date = Some(due);
        item.planned_milestones =
            vec![Milestone { number: 1, date: due, description: "Apply the vendor patch on all assets".into() }];
        if rng.below(4) == 0 {
            item.planned_milestones.push(Milestone {
                number: 2,
                date: due - Days::new(5),
                description: "Test the patch in staging\nthen schedule the change".into(),
            });
        }
        if rng.below(3) == 0 {
            item.milestone_changes.push(MilestoneChange {
                number: 1,
                kind: MilestoneChangeKind::Update,
                date: detected + Days::new(10),
                description: words(&mut rng, 6),
            });
        }
        item.status_date = Some(detected + Days::new(rng.below(60)));
        match rng.below(12) {
            0 => {
                item.vendor_dependency = true;
                item.last_vendor_check_in_date = Some(detected + Days::new(20));
                item.vendor_dependent_product_name = Some("ExampleDB 12".into());
                item.comments = Some("Vendor fix expected in the next release".into());
            }
            1 => {
                item.risk_adjustment = DeviationFlag::Yes;
                item.adjusted_risk_rating = Some(RiskRating::Low);
                item.deviation_rationale = Some("Risk Adjustment : not reachable from the internet".into());
                item.supporting_documents = Some("Deviation Request : DR-17.docx".into());
                item.auto_approve = rng.below(2) == 0;
            }
            2 => {
                item.operational_requirement = DeviationFlag::Pending;
                item.deviation_rationale = Some("Operational Requirement : needed by the legacy client".into());
            }
            3 => item.false_positive = DeviationFlag::Pending,
            _ => {}
        }
        if rng.below(10) == 0 {
            item.kev = true;
            item.kev_due_date = Some(detected + Days::new(14));
        }
        for _ in 0..rng.below(4) {
            item.cves.push(format!("CVE-20{}-{}", 18 + rng.below(8), 1000 + rng.below(60_000)).into());
        }
        if rng.below(2) == 0 {
            item.service_names = vec!["Example Compute".into(), "Example Storage".into()];
        }
        match rng.below(10) {
            0 => poam.configuration_findings.push(item),
            1 | 2 => {
                let date = item.status_date.unwrap_or(detected);
                let fp = rng.below(4) == 0;
                if fp {
                    item.false_positive = DeviationFlag::Yes;
                }
                item.vendor_dependency = false;
                item.operational_requirement = DeviationFlag::No;
                item.closure = Some(Closure {
                    date,
                    reason: if fp { ClosureReason::FalsePositive } else { ClosureReason::Remediated },
                });
                poam.closed.push(item);
            }
            _ => poam.open.push(item),
        }
    }
    poam.id_high_water = n as u64;
    poam
}
