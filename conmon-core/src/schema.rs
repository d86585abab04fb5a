//! JSON Schemas generated from the model types, so the documented JSON shape never drifts from
//! the code. `conmon schema NAME` prints one; the committed copies live in `schema/`.

use crate::deviation::Deviation;
use crate::ingest::ScanSet;
use crate::model::{Finding, Poam, PoamItem};
use crate::policy::Policy;
use crate::reconcile::Reconciliation;
use crate::sla::Clock;

/// Names of the schemas [`schema_json`] knows.
pub const SCHEMAS: &[&str] = &[
    "poam",
    "poam-item",
    "finding",
    "policy",
    "clock",
    "scan-set",
    "deviations",
    "reconciliation",
    "inventory",
    "changes",
    "validation",
    "history",
];

/// The JSON Schema (draft 2020-12) for one of [`SCHEMAS`], pretty-printed, or `None`.
pub fn schema_json(name: &str) -> Option<String> {
    let schema = match name {
        "poam" => schemars::schema_for!(Poam),
        "poam-item" => schemars::schema_for!(PoamItem),
        "finding" => schemars::schema_for!(Finding),
        "policy" => schemars::schema_for!(Policy),
        "clock" => schemars::schema_for!(Vec<Clock>),
        "scan-set" => schemars::schema_for!(ScanSet),
        "deviations" => schemars::schema_for!(Vec<Deviation>),
        "reconciliation" => schemars::schema_for!(Reconciliation),
        "inventory" => schemars::schema_for!(Vec<crate::io::xlsx::InventoryAsset>),
        "changes" => schemars::schema_for!(crate::monthly::ChangeLog),
        "validation" => schemars::schema_for!(crate::monthly::ValidationReport),
        "history" => schemars::schema_for!(Vec<crate::triggers::MonthSummary>),
        _ => return None,
    };
    serde_json::to_string_pretty(&schema).ok().map(|mut s| {
        s.push('\n');
        s
    })
}
