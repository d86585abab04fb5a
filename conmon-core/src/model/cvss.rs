use serde::{Deserialize, Serialize};

use crate::error::Error;

/// CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CvssVersion {
    /// CVSS v2.
    V2,
    /// CVSS v3.0 or v3.1.
    V3,
    /// CVSS v4.0.
    V4,
}

/// One CVSS base score with its vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cvss {
    /// Base score, 0.0 to 10.0.
    pub base_score: f64,
    /// Vector string as given (`CVSS:3.1/AV:N/...`), when known.
    #[serde(default)]
    pub vector: Option<String>,
}

impl Cvss {
    /// A score, checked to lie in 0.0..=10.0.
    pub fn new(base_score: f64, vector: Option<String>) -> Result<Cvss, Error> {
        if !(0.0..=10.0).contains(&base_score) || base_score.is_nan() {
            return Err(Error::invalid(format!("CVSS base score {base_score} is outside 0.0-10.0")));
        }
        Ok(Cvss { base_score, vector })
    }

    /// The score in tenths (7.0 → 70), so that band boundaries compare exactly.
    pub fn tenths(&self) -> u32 {
        // Scores carry one decimal; rounding absorbs binary floating-point noise (6.8999999 → 69).
        (self.base_score * 10.0).round().clamp(0.0, 100.0) as u32
    }
}

/// The CVSS scores a finding carries, by version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CvssScores {
    /// CVSS v2 base.
    #[serde(default)]
    pub v2: Option<Cvss>,
    /// CVSS v3.x base (NVD's, when the scanner reports it).
    #[serde(default)]
    pub v3: Option<Cvss>,
    /// CVSS v4.0 base.
    #[serde(default)]
    pub v4: Option<Cvss>,
}

impl CvssScores {
    /// The score of one version.
    pub fn get(&self, version: CvssVersion) -> Option<&Cvss> {
        match version {
            CvssVersion::V2 => self.v2.as_ref(),
            CvssVersion::V3 => self.v3.as_ref(),
            CvssVersion::V4 => self.v4.as_ref(),
        }
    }
    /// True when no version is present.
    pub fn is_empty(&self) -> bool {
        self.v2.is_none() && self.v3.is_none() && self.v4.is_none()
    }
}
