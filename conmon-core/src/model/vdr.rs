use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A VDR potential adverse impact rating, N1 (negligible) to N5 (catastrophic on more than one
/// agency) (R2.2). Serialised as the integer 1-5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "u8", into = "u8")]
pub struct NRating(u8);

impl NRating {
    /// N1, negligible.
    pub const N1: NRating = NRating(1);
    /// N2, limited.
    pub const N2: NRating = NRating(2);
    /// N3, serious on one agency.
    pub const N3: NRating = NRating(3);
    /// N4, catastrophic on one agency or serious on several.
    pub const N4: NRating = NRating(4);
    /// N5, catastrophic on more than one agency.
    pub const N5: NRating = NRating(5);

    /// A rating from 1 to 5.
    pub fn new(n: u8) -> Result<NRating, Error> {
        if (1..=5).contains(&n) { Ok(NRating(n)) } else { Err(Error::invalid(format!("N-rating {n} is outside 1-5"))) }
    }
    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for NRating {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        NRating::new(n).map_err(|e| e.message())
    }
}

impl From<NRating> for u8 {
    fn from(n: NRating) -> u8 {
        n.0
    }
}

impl fmt::Display for NRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "N{}", self.0)
    }
}

/// One completed reduction of a vulnerability's potential adverse impact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VdrReduction {
    /// When the reduction was completed (UTC).
    pub at: DateTime<Utc>,
    /// The N-rating after the reduction.
    pub to: NRating,
}

/// The facts the VDR clocks need (FedRAMP 20x / Rev5 VDR, section 2 of the rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VdrFacts {
    /// When the vulnerability was detected (UTC).
    pub detected_at: DateTime<Utc>,
    /// When the evaluation was completed (UTC); the VDR clocks run from here. `None` while
    /// the evaluation is still due (VDR-TFR-EVU).
    #[serde(default)]
    pub evaluated_at: Option<DateTime<Utc>>,
    /// N-rating assigned at evaluation.
    pub n_rating: NRating,
    /// Internet-reachable (IRV) when true, NIRV when false.
    pub internet_reachable: bool,
    /// Likely exploitable (LEV) when true, NLEV when false.
    pub likely_exploitable: bool,
    /// Completed reductions, oldest first.
    #[serde(default)]
    pub reductions: Vec<VdrReduction>,
    /// When it was fully mitigated (still detected, risk negligible).
    #[serde(default)]
    pub fully_mitigated_at: Option<DateTime<Utc>>,
    /// When it was remediated (no longer detected).
    #[serde(default)]
    pub remediated_at: Option<DateTime<Utc>>,
    /// When it was determined a false positive.
    #[serde(default)]
    pub false_positive_at: Option<DateTime<Utc>>,
}

impl VdrFacts {
    /// The current N-rating: the last reduction's, or the evaluated one.
    pub fn current_n_rating(&self) -> NRating {
        self.reductions.iter().max_by_key(|r| r.at).map_or(self.n_rating, |r| r.to)
    }
    /// When the current N-rating was reached (last reduction, or evaluation).
    pub fn current_rating_since(&self) -> Option<DateTime<Utc>> {
        self.reductions.iter().map(|r| r.at).max().or(self.evaluated_at)
    }
}
