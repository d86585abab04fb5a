use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The FedRAMP Rev5 risk rating: the only values the POA&M template allows in Original and
/// Adjusted Risk Rating (columns S and T). A scanner's Critical is recorded as `High` (R1.3);
/// the scanner's own label is kept separately as a [`ScannerSeverity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RiskRating {
    /// Low: 180 days under Rev5.
    Low,
    /// Moderate: 90 days under Rev5.
    Moderate,
    /// High (includes Critical): 30 days under Rev5.
    High,
}

impl RiskRating {
    /// The template's spelling: `Low`, `Moderate`, `High`.
    pub fn as_template(self) -> &'static str {
        match self {
            RiskRating::Low => "Low",
            RiskRating::Moderate => "Moderate",
            RiskRating::High => "High",
        }
    }
    /// The JSON spelling: `low`, `moderate`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskRating::Low => "low",
            RiskRating::Moderate => "moderate",
            RiskRating::High => "high",
        }
    }
    /// One level lower (`Low` stays `Low`).
    pub fn lower(self) -> RiskRating {
        match self {
            RiskRating::High => RiskRating::Moderate,
            _ => RiskRating::Low,
        }
    }
}

impl fmt::Display for RiskRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_template())
    }
}

impl FromStr for RiskRating {
    type Err = Error;
    /// Accepts the template values in any case. `Critical` and `Medium` are rejected: the
    /// template does not allow them (use [`ScannerSeverity`] for scanner labels).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(RiskRating::Low),
            "moderate" => Ok(RiskRating::Moderate),
            "high" => Ok(RiskRating::High),
            other => {
                Err(Error::invalid(format!("`{other}` is not a FedRAMP risk rating (allowed: Low, Moderate, High)")))
            }
        }
    }
}

/// A scanner's own severity, before FedRAMP mapping. Scanners spell these many ways (Nessus 0-4,
/// Grype `Negligible`, Inspector `UNTRIAGED`); [`ScannerSeverity::parse_label`] normalises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScannerSeverity {
    /// Informational (Nessus 0, "None"): produces no POA&M item (R1.8).
    Info,
    /// Low.
    Low,
    /// Medium (FedRAMP Moderate).
    Medium,
    /// High.
    High,
    /// Critical (FedRAMP High).
    Critical,
}

impl ScannerSeverity {
    /// The FedRAMP rating for this scanner severity, or `None` for informational (R1.3, R1.8).
    pub fn to_risk_rating(self) -> Option<RiskRating> {
        match self {
            ScannerSeverity::Info => None,
            ScannerSeverity::Low => Some(RiskRating::Low),
            ScannerSeverity::Medium => Some(RiskRating::Moderate),
            ScannerSeverity::High | ScannerSeverity::Critical => Some(RiskRating::High),
        }
    }

    /// Normalises a scanner label. Returns `None` for labels that carry no severity
    /// (`unknown`, `untriaged`, empty), which then fall back to other evidence.
    pub fn parse_label(label: &str) -> Option<ScannerSeverity> {
        // Compared without case and without a lower-cased copy: one label per finding.
        const LABELS: [(&str, ScannerSeverity); 16] = [
            ("0", ScannerSeverity::Info),
            ("info", ScannerSeverity::Info),
            ("informational", ScannerSeverity::Info),
            ("none", ScannerSeverity::Info),
            ("note", ScannerSeverity::Info),
            ("1", ScannerSeverity::Low),
            ("low", ScannerSeverity::Low),
            ("negligible", ScannerSeverity::Low),
            ("2", ScannerSeverity::Medium),
            ("medium", ScannerSeverity::Medium),
            ("moderate", ScannerSeverity::Medium),
            ("3", ScannerSeverity::High),
            ("high", ScannerSeverity::High),
            ("important", ScannerSeverity::High),
            ("4", ScannerSeverity::Critical),
            ("critical", ScannerSeverity::Critical),
        ];
        let l = label.trim();
        LABELS.iter().find(|(name, _)| l.eq_ignore_ascii_case(name)).map(|(_, s)| *s)
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScannerSeverity::Info => "info",
            ScannerSeverity::Low => "low",
            ScannerSeverity::Medium => "medium",
            ScannerSeverity::High => "high",
            ScannerSeverity::Critical => "critical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_folds_into_high_and_info_has_no_rating() {
        assert_eq!(ScannerSeverity::Critical.to_risk_rating(), Some(RiskRating::High));
        assert_eq!(ScannerSeverity::Medium.to_risk_rating(), Some(RiskRating::Moderate));
        assert_eq!(ScannerSeverity::Info.to_risk_rating(), None);
    }

    #[test]
    fn template_values_parse_and_critical_does_not() {
        assert_eq!("High".parse::<RiskRating>().ok(), Some(RiskRating::High));
        assert_eq!(" moderate ".parse::<RiskRating>().ok(), Some(RiskRating::Moderate));
        let e = "Critical".parse::<RiskRating>().err().map(|e| e.code());
        assert_eq!(e, Some("invalid_value"));
    }

    #[test]
    fn scanner_labels() {
        assert_eq!(ScannerSeverity::parse_label("4"), Some(ScannerSeverity::Critical));
        assert_eq!(ScannerSeverity::parse_label("Negligible"), Some(ScannerSeverity::Low));
        assert_eq!(ScannerSeverity::parse_label("UNTRIAGED"), None);
        use ScannerSeverity::{Critical, High, Info, Low, Medium};
        let cases = [
            (" CRITICAL ", Some(Critical)),
            ("High", Some(High)),
            ("IMPORTANT", Some(High)),
            ("3", Some(High)),
            ("mEdIuM", Some(Medium)),
            ("Moderate", Some(Medium)),
            ("2", Some(Medium)),
            ("LOW", Some(Low)),
            ("1", Some(Low)),
            ("Informational", Some(Info)),
            ("INFO", Some(Info)),
            ("None", Some(Info)),
            ("note", Some(Info)),
            ("0", Some(Info)),
            ("", None),
            ("5", None),
            ("highest", None),
            ("crit", None),
        ];
        for (label, want) in cases {
            assert_eq!(ScannerSeverity::parse_label(label), want, "{label:?}");
        }
    }
}
