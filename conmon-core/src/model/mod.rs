//! The engine's data model. Every type serialises to and from JSON with serde; the JSON shape is
//! documented in `docs/json-shape.md` and as a JSON Schema generated from these types
//! (`conmon schema`, committed as `schema/*.schema.json`).

mod cvss;
mod finding;
mod poam;
mod rating;
mod vdr;

pub use compact_str::CompactString;
pub use cvss::{Cvss, CvssScores, CvssVersion};
pub use finding::{Asset, AssetType, Component, Finding, FindingKind, SourceFormat};
pub(crate) use poam::parse_template_date;
pub use poam::{
    AssetRef, Closure, ClosureReason, DeviationFlag, EARLIEST_DATE, LATEST_DATE, Milestone, MilestoneChange,
    MilestoneChangeKind, Poam, PoamHeader, PoamItem, check_date,
};
pub use rating::{RiskRating, ScannerSeverity};
pub use vdr::{NRating, VdrFacts, VdrReduction};
