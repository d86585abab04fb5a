//! Rule findings about deliverables (a deviation that breaks a rule, an immutable column that
//! changed): not errors that stop a run, but results to report, each with a stable code.

use serde::{Deserialize, Serialize};

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// FedRAMP would reject the deliverable.
    Error,
    /// Worth a look; not a rejection by itself.
    Warning,
}

/// One rule finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Issue {
    /// Stable code (`deviation.or_on_high`).
    pub code: String,
    /// Error or warning.
    pub severity: Severity,
    /// The POA&M item concerned.
    #[serde(default)]
    pub poam_id: Option<String>,
    /// The deviation request concerned.
    #[serde(default)]
    pub deviation_id: Option<String>,
    /// The column or field concerned (`L`, `scheduled_completion_date`).
    #[serde(default)]
    pub field: Option<String>,
    /// What is wrong and what to do, for a person.
    pub message: String,
    /// The rule it comes from (`R3.6`).
    pub rule: String,
    /// Where, in an input file (file, sheet, row, column), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::error::Location>,
    /// How to fix it, when there is more to say than the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Puts errors first, then warnings, each kind in the order given. A stable partition: when the
/// issues are already in that order (no errors, or only errors first: the usual report) nothing
/// moves; otherwise the errors are taken out and put in front, each issue moved at most twice.
/// The stable sort by severity it replaces moved each issue (a few hundred bytes) about log n
/// times, 20% of validation's instructions at 100k findings under callgrind.
pub(crate) fn errors_first(issues: &mut Vec<Issue>) {
    // Exhaustive, so that a new severity has to be placed here.
    let rank = |i: &Issue| match i.severity {
        Severity::Error => 0u8,
        Severity::Warning => 1,
    };
    if issues.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])) {
        return;
    }
    let errors: Vec<Issue> = issues.extract_if(.., |i| rank(i) == 0).collect();
    issues.splice(0..0, errors);
}

impl Issue {
    /// An error.
    pub fn error(code: &str, rule: &str, message: impl Into<String>) -> Issue {
        Issue {
            code: code.to_string(),
            severity: Severity::Error,
            poam_id: None,
            deviation_id: None,
            field: None,
            message: message.into(),
            rule: rule.to_string(),
            location: None,
            hint: None,
        }
    }

    /// A warning.
    pub fn warning(code: &str, rule: &str, message: impl Into<String>) -> Issue {
        Issue { severity: Severity::Warning, ..Issue::error(code, rule, message) }
    }

    /// With the POA&M ID.
    pub fn item(mut self, poam_id: &str) -> Issue {
        self.poam_id = Some(poam_id.to_string());
        self
    }

    /// With the deviation id.
    pub fn deviation(mut self, id: &str) -> Issue {
        self.deviation_id = Some(id.to_string());
        self
    }

    /// With the field.
    pub fn field(mut self, field: &str) -> Issue {
        self.field = Some(field.to_string());
        self
    }

    /// With a location in an input file.
    #[must_use]
    pub fn at(mut self, location: crate::error::Location) -> Issue {
        self.location = Some(location);
        self
    }

    /// With a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Issue {
        self.hint = Some(hint.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev} [{}]", self.code)?;
        if let Some(id) = &self.poam_id {
            write!(f, " {id}")?;
        }
        if let Some(d) = &self.deviation_id {
            write!(f, " (DR {d})")?;
        }
        if let Some(c) = &self.field {
            write!(f, " {c}")?;
        }
        if let Some(l) = self.location.as_ref().filter(|l| !l.is_empty()) {
            write!(f, " at {l}")?;
        }
        write!(f, ": {} ({})", self.message, self.rule)?;
        if let Some(h) = &self.hint {
            write!(f, " hint: {h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_of(issues: &[Issue]) -> Vec<&str> {
        issues.iter().map(|i| i.message.as_str()).collect()
    }

    #[test]
    fn errors_come_first_and_each_kind_keeps_its_order() {
        let mut issues = vec![
            Issue::warning("w", "R1", "first warning"),
            Issue::error("e", "R1", "first error"),
            Issue::warning("w", "R1", "second warning"),
            Issue::error("e", "R1", "second error"),
            Issue::warning("w", "R1", "third warning"),
        ];
        errors_first(&mut issues);
        let ordered = ["first error", "second error", "first warning", "second warning", "third warning"];
        assert_eq!(order_of(&issues), ordered);
        // Already in order: unchanged.
        errors_first(&mut issues);
        assert_eq!(order_of(&issues), ordered);
        let mut warnings = vec![Issue::warning("w", "R1", "a"), Issue::warning("w", "R1", "b")];
        errors_first(&mut warnings);
        assert_eq!(order_of(&warnings), ["a", "b"]);
        let mut errors_last = vec![Issue::warning("w", "R1", "a"), Issue::error("e", "R1", "b")];
        errors_first(&mut errors_last);
        assert_eq!(order_of(&errors_last), ["b", "a"]);
        let mut none: Vec<Issue> = Vec::new();
        errors_first(&mut none);
        assert!(none.is_empty());
    }
}
