//! Shared generators for the benches: deterministic, realistic-looking inputs of any size.
//! Nothing generated is committed.

use chrono::{Days, NaiveDate};
use conmon_core::model::{DeviationFlag, PoamItem, RiskRating};

/// A small deterministic generator (SplitMix64), so runs are comparable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// `n` open POA&M items detected over the 400 days before 2026-03-13, with the mix of
/// deviations a real POA&M has (about 5% RA, 3% OR, 4% VD, 2% KEV).
pub fn poam_items(n: usize, seed: u64) -> Vec<PoamItem> {
    let mut rng = Rng::new(seed);
    let base = NaiveDate::from_ymd_opt(2025, 2, 6).unwrap_or_default();
    (0..n)
        .map(|i| {
            let det = base + Days::new(rng.below(400));
            let rating = match rng.below(10) {
                0..=1 => RiskRating::High,
                2..=6 => RiskRating::Moderate,
                _ => RiskRating::Low,
            };
            let mut item = PoamItem::new(format!("V-{}", i + 1), det, rating);
            match rng.below(100) {
                0..=4 => {
                    item.risk_adjustment = DeviationFlag::Yes;
                    item.adjusted_risk_rating = Some(rating.lower());
                }
                5..=7 => item.operational_requirement = DeviationFlag::Yes,
                8..=11 => {
                    item.vendor_dependency = true;
                    item.last_vendor_check_in_date = Some(det + Days::new(rng.below(60)));
                }
                12..=13 => {
                    item.kev = true;
                    item.kev_due_date = Some(det + Days::new(14));
                }
                _ => {}
            }
            item
        })
        .collect()
}
