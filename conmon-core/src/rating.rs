//! From scanner evidence to the FedRAMP Original Risk Rating (R1.7, R1.8).
//!
//! Sources are tried in the policy's order (default: NVD CVSS v3, then CVSS v2, then the scanner's
//! own severity). A CVSS score maps with FIRST's qualitative scale (S25): 0.0 None, 0.1-3.9 Low,
//! 4.0-6.9 Medium (FedRAMP Moderate), 7.0-8.9 High, 9.0-10.0 Critical (FedRAMP High). A finding
//! whose first available source says None / informational gets no rating and no POA&M item.

use serde::{Deserialize, Serialize};

use crate::model::{CvssScores, CvssVersion, RiskRating, ScannerSeverity};
use crate::policy::RatingSource;

/// The rating decision with the evidence that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RatingDecision {
    /// The FedRAMP rating, or `None` for an informational finding (no POA&M item).
    pub rating: Option<RiskRating>,
    /// Which source decided; `None` when no source had a value.
    pub source: Option<RatingSource>,
    /// Rule id (`rating.cvss_v3`, `rating.scanner`, `rating.informational`, `rating.none`).
    pub rule: String,
    /// How the rating was reached.
    pub explanation: String,
}

/// Maps a CVSS base score (in tenths, 0-100) to a rating; `None` for 0.0.
pub fn rating_from_tenths(tenths: u32) -> Option<RiskRating> {
    match tenths {
        0 => None,
        1..=39 => Some(RiskRating::Low),
        40..=69 => Some(RiskRating::Moderate),
        _ => Some(RiskRating::High),
    }
}

/// Decides the original risk rating from a finding's CVSS scores and scanner severity.
///
/// # Example
/// ```
/// use conmon_core::model::{Cvss, CvssScores, RiskRating, ScannerSeverity};
/// use conmon_core::policy::Policy;
/// use conmon_core::rating::decide;
/// let scores = CvssScores { v3: Some(Cvss::new(9.8, None).unwrap()), ..Default::default() };
/// let d = decide(&scores, Some(ScannerSeverity::Critical), &Policy::fedramp_rev5().rating_sources);
/// assert_eq!(d.rating, Some(RiskRating::High));
/// assert_eq!(d.rule, "rating.cvss_v3");
/// ```
pub fn decide(cvss: &CvssScores, scanner: Option<ScannerSeverity>, sources: &[RatingSource]) -> RatingDecision {
    let Some((source, basis, rating)) = choose(cvss, scanner, sources) else {
        return RatingDecision {
            rating: None,
            source: None,
            rule: "rating.none".to_string(),
            explanation: "no CVSS score and no scanner severity: treated as informational".to_string(),
        };
    };
    let (rule, explanation) = match basis {
        Basis::Scanner(sev) => (
            if rating.is_some() { "rating.scanner" } else { "rating.informational" },
            match rating {
                Some(r) => format!("no usable CVSS score; scanner severity {} maps to {r}", sev.as_str()),
                None => "scanner severity is informational: no POA&M item (R1.8)".to_string(),
            },
        ),
        Basis::Cvss(name, score) => (
            match (rating, source) {
                (None, _) => "rating.informational",
                (_, RatingSource::CvssV3) => "rating.cvss_v3",
                (_, RatingSource::CvssV2) => "rating.cvss_v2",
                _ => "rating.cvss_v4",
            },
            match rating {
                Some(r) => format!("{name} base score {score:.1} maps to {r} (FIRST scale; Critical counts as High)"),
                None => format!("{name} base score 0.0 is None: informational, no POA&M item (R1.8)"),
            },
        ),
    };
    RatingDecision { rating, source: Some(source), rule: rule.to_string(), explanation }
}

/// The rating alone, without building the explanation (the hot path of reconciliation).
pub fn rate(cvss: &CvssScores, scanner: Option<ScannerSeverity>, sources: &[RatingSource]) -> Option<RiskRating> {
    choose(cvss, scanner, sources).and_then(|(_, _, r)| r)
}

enum Basis {
    Cvss(&'static str, f64),
    Scanner(ScannerSeverity),
}

/// The first source in `sources` that the finding has, what it says, and the rating it gives.
fn choose(
    cvss: &CvssScores,
    scanner: Option<ScannerSeverity>,
    sources: &[RatingSource],
) -> Option<(RatingSource, Basis, Option<RiskRating>)> {
    for source in sources {
        let (version, name) = match source {
            RatingSource::CvssV3 => (CvssVersion::V3, "CVSS v3"),
            RatingSource::CvssV2 => (CvssVersion::V2, "CVSS v2"),
            RatingSource::CvssV4 => (CvssVersion::V4, "CVSS v4"),
            RatingSource::Scanner => {
                let Some(sev) = scanner else { continue };
                return Some((*source, Basis::Scanner(sev), sev.to_risk_rating()));
            }
        };
        let Some(score) = cvss.get(version) else { continue };
        return Some((*source, Basis::Cvss(name, score.base_score), rating_from_tenths(score.tenths())));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cvss;
    use crate::policy::Policy;

    fn scores(v3: Option<f64>, v2: Option<f64>) -> CvssScores {
        CvssScores {
            v3: v3.map(|s| Cvss::new(s, None).unwrap()),
            v2: v2.map(|s| Cvss::new(s, None).unwrap()),
            v4: None,
        }
    }

    // Worked example 4 (R1.7, R1.8).
    #[test]
    fn worked_example_4_cvss_mapping() {
        let src = Policy::fedramp_rev5().rating_sources;
        let r = |v3, v2, sev| decide(&scores(v3, v2), sev, &src).rating;
        assert_eq!(r(Some(6.9), None, None), Some(RiskRating::Moderate));
        assert_eq!(r(Some(7.0), None, None), Some(RiskRating::High));
        assert_eq!(r(Some(3.9), None, None), Some(RiskRating::Low));
        assert_eq!(r(None, Some(7.5), Some(ScannerSeverity::Low)), Some(RiskRating::High));
        assert_eq!(r(None, None, Some(ScannerSeverity::Medium)), Some(RiskRating::Moderate));
        assert_eq!(r(None, None, Some(ScannerSeverity::Info)), None);
        assert_eq!(r(None, None, None), None);
        // CVSS v3 wins over a disagreeing scanner severity.
        assert_eq!(r(Some(5.0), Some(9.0), Some(ScannerSeverity::Critical)), Some(RiskRating::Moderate));
        // Critical (9.8) is recorded as High.
        assert_eq!(r(Some(9.8), None, None), Some(RiskRating::High));
        assert_eq!(r(Some(0.0), None, Some(ScannerSeverity::High)), None);
        assert_eq!(decide(&scores(None, Some(7.5)), None, &src).rule, "rating.cvss_v2");
    }

    #[test]
    fn band_edges_are_exact_despite_float_noise() {
        assert_eq!(rating_from_tenths(Cvss::new(6.999_999_9, None).unwrap().tenths()), Some(RiskRating::High));
        assert_eq!(rating_from_tenths(Cvss::new(0.1, None).unwrap().tenths()), Some(RiskRating::Low));
        assert_eq!(rating_from_tenths(Cvss::new(4.0, None).unwrap().tenths()), Some(RiskRating::Moderate));
        assert!(Cvss::new(10.1, None).is_err());
        assert!(Cvss::new(f64::NAN, None).is_err());
    }

    #[test]
    fn custom_order_can_prefer_the_scanner() {
        let d = decide(
            &scores(Some(9.0), None),
            Some(ScannerSeverity::Low),
            &[RatingSource::Scanner, RatingSource::CvssV3],
        );
        assert_eq!(d.rating, Some(RiskRating::Low));
        assert_eq!(d.source, Some(RatingSource::Scanner));
    }
}
