//! Property tests of the reconciliation over random months of random scans.

use std::collections::{BTreeSet, HashSet};

use chrono::{Days, NaiveDate};
use conmon_core::Policy;
use conmon_core::ingest::ScanSet;
use conmon_core::model::Poam;
use conmon_core::reconcile::{ChangeKind, Inputs, reconcile};
use proptest::prelude::*;

use crate::reconcile::{host, nessus, scans};

/// One month: (host index, credentialed) scanned, and (plugin, host, score, days before the POA&M
/// date it was seen) findings on scanned hosts.
type Month = (Vec<(u8, bool)>, Vec<(u8, u8, u8, u8)>);

fn month_strategy() -> impl Strategy<Value = Month> {
    (
        // Few hosts and plugins, mostly credentialed scans: closures, reappearances and new assets
        // of tracked weaknesses then happen in most runs.
        proptest::collection::vec((0u8..5, proptest::bool::weighted(0.8)), 0..6),
        // One weakness on one host may be reported more than once, seen on different days.
        proptest::collection::vec((0u8..4, 0u8..5, 0u8..=100, 0u8..4), 0..16),
    )
}

fn build(m: &Month, as_of: NaiveDate) -> ScanSet {
    let date = as_of.to_string();
    let mut hosts: Vec<(u8, bool)> = Vec::new();
    for &(h, c) in &m.0 {
        if !hosts.iter().any(|(x, _)| *x == h) {
            hosts.push((h, c));
        }
    }
    let findings =
        m.1.iter()
            .filter(|(_, h, _, _)| hosts.iter().any(|(x, _)| x == h))
            .map(|&(p, h, s, back)| {
                let seen = (as_of - Days::new(u64::from(back))).to_string();
                nessus(&format!("{}", 1000 + u32::from(p)), &format!("10.0.0.{h}"), &seen, f64::from(s) / 10.0)
            })
            .collect();
    scans(findings, hosts.iter().map(|&(h, c)| host(&format!("10.0.0.{h}"), &date, c)).collect())
}

/// Items as (ID when it existed before, else "new"; weakness key; closed; asset identifiers;
/// detection date), sorted.
fn shape(p: &Poam, before: &Poam) -> Vec<(String, String, bool, Vec<String>, NaiveDate)> {
    let mut v: Vec<_> = p
        .items()
        .map(|i| {
            let id = if before.items().any(|b| b.poam_id == i.poam_id) { i.poam_id.clone() } else { "new".into() };
            let assets = i.assets.iter().map(|a| a.identifier.to_string()).collect();
            (id, conmon_core::reconcile::item_key(i), i.is_closed(), assets, i.original_detection_date)
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn reconciliation_properties(months in proptest::collection::vec(month_strategy(), 1..5), join in any::<bool>()) {
        let mut policy = Policy::fedramp_rev5();
        if !join {
            policy.new_assets_policy = conmon_core::policy::NewAssetsPolicy::NewItem;
        }
        let mut poam = Poam::default();
        let mut ever: HashSet<String> = HashSet::new();
        let start: NaiveDate = "2026-01-10".parse().unwrap();
        for (k, m) in months.iter().enumerate() {
            let as_of = start + Days::new(30 * k as u64);
            let set = build(m, as_of);
            let r = reconcile(&Inputs { previous: &poam, scans: &set, deviations: &[], kev: None, policy: &policy, as_of }).unwrap();

            // Every input finding is on exactly one item or in the not-tracked bucket.
            prop_assert_eq!(r.placements.len(), set.findings.len());
            let untracked: BTreeSet<usize> = r.not_tracked.iter().map(|n| n.finding).collect();
            for (i, p) in r.placements.iter().enumerate() {
                prop_assert_eq!(p.is_none(), untracked.contains(&i));
                if let Some(id) = p {
                    prop_assert!(r.poam.items().any(|it| it.poam_id.as_str() == &**id));
                }
            }
            // No ID is ever reused, and IDs are unique.
            let mut ids = HashSet::new();
            for it in r.poam.items() {
                prop_assert!(ids.insert(it.poam_id.clone()), "duplicate {}", it.poam_id);
            }
            for c in r.changes.iter().filter(|c| c.kind == ChangeKind::New) {
                prop_assert!(ever.insert(c.poam_id.clone()), "reused {}", c.poam_id);
            }
            // Nothing closes for an asset that was not scanned with credentials this month.
            let credentialed: HashSet<&str> =
                set.context.hosts.iter().filter(|h| h.credentialed == Some(true)).map(|h| h.identifier.as_str()).collect();
            for c in &r.changes {
                if c.kind == ChangeKind::AssetClosed {
                    let a = c.asset.as_deref().unwrap_or("");
                    prop_assert!(credentialed.contains(a), "{} closed on unscanned {}", c.poam_id, a);
                }
                if c.kind == ChangeKind::Closed {
                    let before = poam.items().find(|i| i.poam_id == c.poam_id).unwrap();
                    for a in &before.assets {
                        prop_assert!(credentialed.contains(a.identifier.as_str()), "{} closed with {} unscanned", c.poam_id, a.identifier);
                    }
                }
            }
            // The order of findings does not matter: reversed, the same items carry the same assets
            // and detection dates (new items may number differently; previous items keep their IDs).
            let mut reversed = set.clone();
            reversed.findings.reverse();
            let rev = reconcile(&Inputs { previous: &poam, scans: &reversed, deviations: &[], kev: None, policy: &policy, as_of }).unwrap();
            prop_assert_eq!(shape(&rev.poam, &poam), shape(&r.poam, &poam));
            // Reconciling the same scans twice changes nothing.
            let again = reconcile(&Inputs { previous: &r.poam, scans: &set, deviations: &[], kev: None, policy: &policy, as_of }).unwrap();
            prop_assert_eq!(&again.poam, &r.poam);
            prop_assert!(again.changes.is_empty(), "{:?}", again.changes);
            // Immutable columns hold.
            prop_assert!(conmon_core::reconcile::check_transition(&poam, &r.poam).is_empty());
            poam = r.poam;
        }
    }
}
