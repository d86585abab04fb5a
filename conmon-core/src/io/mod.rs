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

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::model::Poam;

/// Reads a POA&M by its file extension: `.json` (lossless, no import report), `.xlsx`, `.xlsm`,
/// `.xls`, `.ods` (the FedRAMP workbook or a provider's) or `.csv`. For workbooks and CSV the
/// import report (unreadable cells, ignored and missing columns) comes with it.
///
/// # Errors
/// The file cannot be read, or is not a POA&M in its format.
pub fn read_poam_path(path: &Path) -> Result<(Poam, Option<xlsx::PoamImport>)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => {
            let mut import = xlsx::read_poam(path)?;
            let poam = std::mem::take(&mut import.poam);
            Ok((poam, Some(import)))
        }
        "csv" => {
            let mut import = csv::read_poam_file(path)?;
            let poam = std::mem::take(&mut import.poam);
            Ok((poam, Some(import)))
        }
        _ => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(e, path))?;
            Ok((json::read_poam(&text, &path.display().to_string())?, None))
        }
    }
}

/// Writes a POA&M by its file extension (`.xlsx`, `.csv`, `.json`), atomically.
///
/// # Errors
/// An unsupported extension, or the file cannot be written (the previous file is kept).
pub fn write_poam_path(poam: &Poam, path: &Path) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" => xlsx::write_poam_file(poam, path),
        "csv" => csv::write_poam_file(poam, path),
        "json" => {
            let text = json::write_poam(poam)?;
            atomic::write_file(path, |w| std::io::Write::write_all(w, text.as_bytes()).map_err(|e| Error::io(e, path)))
        }
        other => Err(Error::unsupported(format!(
            "cannot write a POA&M as `.{other}` (use .xlsx, .csv or .json; OSCAL with io::oscal)"
        ))
        .at(Location::file(path.display().to_string()))),
    }
}

/// Reads a JSON document of the engine's shapes (deviation register, significant changes,
/// history) from a file; a malformed document is reported with its line and column.
///
/// # Errors
/// The file cannot be read, or is not JSON of type `T`.
pub fn read_json_path<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(e, path))?;
    json::from_str_located(&text, &path.display().to_string())
}

/// Reads an inventory: the Integrated Inventory Workbook, or `.json` (an array of assets, the
/// `inventory` schema).
///
/// # Errors
/// The file cannot be read or is not an inventory.
pub fn read_inventory_path(path: &Path) -> Result<xlsx::InventoryImport> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "json" {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(e, path))?;
        let assets: Vec<xlsx::InventoryAsset> = json::from_str_located(&text, &path.display().to_string())?;
        return Ok(xlsx::InventoryImport { assets, problems: Vec::new() });
    }
    xlsx::read_inventory(path)
}

/// Reads a deviation register: FedRAMP's Vulnerability Deviation Request Form (`.xlsx`, `.xlsm`;
/// see [`xlsx::read_deviation_form`]), or JSON (an array of records, the `deviations` schema).
///
/// # Errors
/// The file cannot be read or is not a register; the error names the file, and the row and field
/// of a bad record.
pub fn read_deviations_path(path: &Path) -> Result<Vec<crate::deviation::Deviation>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "xlsx" || ext == "xlsm" {
        return xlsx::read_deviation_form(path);
    }
    read_json_path(path)
}
