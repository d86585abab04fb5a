//! POA&M items as CSV, with the template's headers A–AE (the same cells as the workbook) and
//! one more column, `POAM Sheet` (`Open`, `Closed`, `Configuration Findings`), so that one file
//! carries the whole POA&M. Dates are written `yyyy-mm-dd`; multi-line cells are quoted.
//!
//! Text that a spreadsheet would evaluate (leading `=`, `+`, `-`, `@`, tab, carriage return) gets
//! a leading `'` ([`super::template::csv_escape`]), removed again on reading.
//!
//! Reading finds columns by header text (any order, extra columns ignored); without a
//! `POAM Sheet` column every item is open.

use std::io::{Read, Write};
use std::path::Path;

use super::template::{self, COLUMNS, Cell, CellAt, Raw, SHEET_COLUMN};
use super::xlsx::{PoamImport, ProblemRecord};
use crate::error::{Error, Location, Result};
use crate::model::{Poam, PoamItem};

fn csv_error(e: &csv::Error, file: &str) -> Error {
    let mut loc = Location::file(file);
    if let Some(p) = e.position() {
        loc.line = Some(p.line());
        loc.row = Some(p.record() + 1);
    }
    Error::parse(format!("CSV: {e}")).at(loc)
}

/// Writes every item of a POA&M (open, closed, configuration findings) as CSV.
///
/// # Errors
/// An I/O error of `writer`.
pub fn write_poam<W: Write>(poam: &Poam, writer: W, label: &str) -> Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(writer);
    let mut record = csv::ByteRecord::new();
    for c in &COLUMNS {
        record.push_field(c.header.as_bytes());
    }
    record.push_field(SHEET_COLUMN.as_bytes());
    w.write_byte_record(&record).map_err(|e| csv_error(&e, label))?;
    let sheets: [(&str, &[PoamItem]); 3] =
        [("Open", &poam.open), ("Closed", &poam.closed), ("Configuration Findings", &poam.configuration_findings)];
    let mut date_buf = String::new();
    for (sheet, items) in sheets {
        for item in items {
            record.clear();
            for cell in template::cells(item) {
                match cell {
                    Cell::Empty => record.push_field(b""),
                    Cell::Date(d) => {
                        date_buf.clear();
                        use std::fmt::Write as _;
                        let _ = write!(date_buf, "{}", d.format("%Y-%m-%d"));
                        record.push_field(date_buf.as_bytes());
                    }
                    Cell::Text(s) => record.push_field(template::csv_escape(&s).as_bytes()),
                }
            }
            record.push_field(sheet.as_bytes());
            w.write_byte_record(&record).map_err(|e| csv_error(&e, label))?;
        }
    }
    w.flush().map_err(|e| Error::io(e, Path::new(label)).at(Location::file(label)))?;
    Ok(())
}

/// Writes the POA&M CSV to `path` atomically.
///
/// # Errors
/// As [`write_poam`]; the previous file is kept on failure.
pub fn write_poam_file(poam: &Poam, path: &Path) -> Result<()> {
    let label = path.display().to_string();
    super::atomic::write_file(path, |w| write_poam(poam, w, &label))
}

/// Reads POA&M items from CSV written by [`write_poam`] or by a spreadsheet with the template's
/// headers. Unreadable cells are reported in [`PoamImport::problems`] with their row (the header
/// is row 1) and column.
///
/// # Errors
/// The file is not CSV, or has no `POAM ID` header.
pub fn read_poam<R: Read>(reader: R, label: &str) -> Result<PoamImport> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut record = csv::StringRecord::new();
    if !r.read_record(&mut record).map_err(|e| csv_error(&e, label))? {
        return Err(Error::parse("the CSV file is empty").at(Location::file(label)));
    }
    let mut map: [Option<usize>; 31] = [None; 31];
    let mut columns: [Option<u64>; 31] = [None; 31];
    let mut sheet_col = None;
    let mut ignored = Vec::new();
    for (i, h) in record.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}');
        if template::normalise_header(h) == template::normalise_header(SHEET_COLUMN) {
            sheet_col = Some(i);
            continue;
        }
        match template::column_for_header(h) {
            Some(t) if map[t].is_none() => {
                map[t] = Some(i);
                columns[t] = Some(i as u64 + 1);
            }
            _ => ignored.push(format!("column {}: {h}", i + 1)),
        }
    }
    if map[0].is_none() {
        return Err(Error::missing("no `POAM ID` column header").at(Location::file(label).with_row(1)));
    }
    let mut poam = Poam::default();
    let mut problems = Vec::new();
    let mut row = 1u64;
    while r.read_record(&mut record).map_err(|e| csv_error(&e, label))? {
        row += 1;
        let get = |t: usize| match map[t].and_then(|c| record.get(c)) {
            None | Some("") => Raw::Empty,
            Some(s) => Raw::Text(template::csv_unescape(s)),
        };
        if matches!(get(0), Raw::Empty) {
            continue;
        }
        let sheet = sheet_col.and_then(|c| record.get(c)).map(template::normalise_header).unwrap_or_default();
        let loc = Location::file(label).with_row(row);
        let at = CellAt { row: &loc, columns: &columns };
        let closed = sheet == "closed";
        let Some(item) = template::item_from_cells(get, &at, closed, &mut problems) else { continue };
        match sheet.as_str() {
            "closed" => poam.closed.push(item),
            "configurationfindings" => poam.configuration_findings.push(item),
            "" | "open" => poam.open.push(item),
            other => {
                problems.push(
                    Error::invalid(format!("`{other}` is not a sheet (Open, Closed, Configuration Findings)"))
                        .at(loc.clone().with_field(SHEET_COLUMN)),
                );
                poam.open.push(item);
            }
        }
    }
    poam.id_high_water = super::xlsx::highest_id_number(&poam);
    Ok(PoamImport {
        poam,
        problems: problems.iter().map(ProblemRecord::from).collect(),
        ignored_columns: ignored,
        ..PoamImport::default()
    })
}

/// Reads a POA&M CSV file.
///
/// # Errors
/// As [`read_poam`], or the file cannot be opened.
pub fn read_poam_file(path: &Path) -> Result<PoamImport> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(e, path))?;
    read_poam(std::io::BufReader::new(file), &path.display().to_string())
}
