//! Reading and writing the engine's documents: the JSON shape of POA&M items and whole POA&Ms
//! (`json`, `docs/json-shape.md`), the FedRAMP POA&M workbook and the inventory workbook
//! (`xlsx`), POA&M CSV (`csv`), the template's columns shared by both (`template`), OSCAL POA&M
//! JSON (`oscal`), the VDR report (`vdr`), and atomic file writes (`atomic`).

pub mod atomic;
pub mod csv;
pub mod json;
pub mod oscal;
pub mod template;
pub mod vdr;
pub mod xlsx;
