//! Reading and writing the engine's documents. This scope: the JSON shape of POA&M items
//! and whole POA&Ms (`docs/json-shape.md`); workbooks, CSV and OSCAL come with the formats issue.

pub mod atomic;
pub mod csv;
pub mod json;
pub mod template;
pub mod xlsx;
