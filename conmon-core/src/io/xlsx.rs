//! The FedRAMP POA&M workbook (fedramp-rules.md §4.1, §4.2) and the Integrated Inventory Workbook.
//!
//! Writing (rust_xlsxwriter, constant-memory worksheets: rows stream to temporary files, so a
//! 100,000-item POA&M does not hold its cells in memory): the template's four sheets in order,
//! the header block (title, CSP, System Name, Impact Level, POAM Date), the column headers A–AE
//! on row 5, items from row 6, dates as real Excel dates, assets and milestones one per line in a
//! cell, drop-down lists of the template's allowed values, the header rows frozen and usable
//! column widths. Text that a scanner or user controls and that starts with `=`, `+`, `-`, `@`,
//! tab or carriage return is written as a quote-prefixed string cell: stored as text (never a
//! formula), displayed and read back as the original text.
//!
//! Reading (calamine): columns found by header text, extra columns tolerated, the template's
//! guidance, format-hint and example rows skipped, dates as dates, serial numbers or text, blank
//! and formula-only rows skipped. Every unreadable cell is reported with its sheet, row and
//! column; readable items are still returned.

use std::io::{Seek, Write};
use std::path::Path;

use calamine::{Data, Range, Reader};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::template::{
    self, COLUMNS, Cell, CellAt, ColumnKind, Raw, SHEET_CHANGES, SHEET_CLOSED, SHEET_CONFIG, SHEET_OPEN,
};
use crate::error::{Error, Location, Result};
use crate::model::{Poam, PoamHeader, PoamItem, RiskRating};

/// Row (0-based) of the column headers: row 5 in the template.
const HEADER_ROW: u32 = 4;
/// First data row (0-based): row 6.
const FIRST_ROW: u32 = 5;

fn xlsx_error(e: XlsxError, file: &str) -> Error {
    Error::invalid(format!("writing the workbook failed: {e}")).at(Location::file(file))
}

struct Formats {
    title: Format,
    label: Format,
    header: Format,
    text: Format,
    text_quoted: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold().set_border(FormatBorder::Thin),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(0x00D9_E1F2)
                .set_border(FormatBorder::Thin),
            text_quoted: text.clone().set_quote_prefix(),
            text,
            date: Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top),
        }
    }
}

/// Writes a POA&M as the FedRAMP template workbook to `writer`.
///
/// # Errors
/// A writing error (the target is not writable, a cell exceeds Excel's limits).
pub fn write_poam<W: Write + Seek + Send>(poam: &Poam, writer: W, label: &str) -> Result<()> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let sheets: [(&str, &[PoamItem]); 3] =
        [(SHEET_OPEN, &poam.open), (SHEET_CLOSED, &poam.closed), (SHEET_CONFIG, &poam.configuration_findings)];
    for (name, items) in sheets {
        let ws = wb.add_worksheet_with_constant_memory().map_err(|e| xlsx_error(e, label))?;
        write_items_sheet(ws, name, &poam.header, items, &f).map_err(|e| e.into_error(label, name))?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(|e| xlsx_error(e, label))?;
    write_changes_sheet(ws, poam, &f).map_err(|e| xlsx_error(e, label))?;
    wb.save_to_writer(writer).map_err(|e| xlsx_error(e, label))
}

/// Writes a POA&M workbook to `path` atomically (see [`super::atomic`]).
///
/// # Errors
/// As [`write_poam`]; the previous file at `path` is kept on failure.
pub fn write_poam_file(poam: &Poam, path: &Path) -> Result<()> {
    let label = path.display().to_string();
    super::atomic::write_file_seekable(path, |file| write_poam(poam, file, &label))
}

fn write_header_block(ws: &mut Worksheet, header: &PoamHeader, f: &Formats) -> Result<(), XlsxError> {
    ws.merge_range(0, 0, 0, 4, "FedRAMP® Plan of Action and Milestones (POA&M)", &f.title)?;
    for (c, label) in ["CSP", "System Name", "Impact Level", "POAM Date"].iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *label, &f.label)?;
    }
    write_text(ws, 2, 0, &header.csp, f)?;
    write_text(ws, 2, 1, &header.system_name, f)?;
    if let Some(level) = header.impact_level {
        ws.write_string_with_format(2, 2, level.as_template(), &f.text)?;
    }
    if let Some(d) = header.poam_date {
        ws.write_date_with_format(2, 3, d, &f.date)?;
    }
    ws.add_data_validation(2, 2, 2, 2, &DataValidation::new().allow_list_strings(&["Low", "Moderate", "High"])?)?;
    Ok(())
}

fn write_text(ws: &mut Worksheet, row: u32, col: u16, s: &str, f: &Formats) -> Result<(), XlsxError> {
    if s.is_empty() {
        return Ok(());
    }
    let format = if template::is_risky(s) { &f.text_quoted } else { &f.text };
    ws.write_string_with_format(row, col, cap_cell(s).as_ref(), format)?;
    Ok(())
}

/// Excel's limit on the characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Text longer than a cell can hold is cut, with a note saying so: the workbook is the
/// deliverable for people; poam.json keeps the full text.
fn cap_cell(s: &str) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = " [truncated: the full text is in the POA&M JSON]";
    if s.len() <= MAX_CELL_CHARS || s.chars().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(s);
    }
    let keep = MAX_CELL_CHARS - NOTE.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(NOTE);
    std::borrow::Cow::Owned(out)
}

fn write_items_sheet(
    ws: &mut Worksheet,
    name: &str,
    header: &PoamHeader,
    items: &[PoamItem],
    f: &Formats,
) -> Result<(), CellError> {
    ws.set_name(name)?;
    for (c, col) in COLUMNS.iter().enumerate() {
        ws.set_column_width(c as u16, col.width)?;
    }
    write_header_block(ws, header, f)?;
    ws.set_row_height(HEADER_ROW, 45)?;
    for (c, col) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, col.header, &f.header)?;
    }
    ws.set_freeze_panes(FIRST_ROW, 0)?;
    let last = FIRST_ROW + u32::try_from(items.len()).unwrap_or(u32::MAX - FIRST_ROW).max(1) - 1;
    let lists: [(&[&str], &[usize]); 4] = [
        (&["Yes", "No"], &[15, 26, 27]),
        (&["Low", "Moderate", "High"], &[18]),
        (&["Low", "Moderate", "High", "N/A"], &[19]),
        (&["Yes", "No", "Pending"], &[20, 21, 22]),
    ];
    for (values, cols) in lists {
        let dv = DataValidation::new().allow_list_strings(values)?;
        for &c in cols {
            ws.add_data_validation(FIRST_ROW, c as u16, last, c as u16, &dv)?;
        }
    }
    for (i, item) in items.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        for (c, cell) in template::cells(item).iter().enumerate() {
            let written = match cell {
                Cell::Empty => Ok(()),
                Cell::Date(d) if d.year() < 1900 => {
                    Err(XlsxError::ParameterError(format!("{d} is before 1900, the first date a spreadsheet can hold")))
                }
                Cell::Date(d) => ws.write_date_with_format(row, c as u16, *d, &f.date).map(|_| ()),
                Cell::Text(s) if COLUMNS[c].kind == ColumnKind::List => {
                    ws.write_string_with_format(row, c as u16, s.as_ref(), &f.text).map(|_| ())
                }
                Cell::Text(s) => write_text(ws, row, c as u16, s, f),
            };
            written.map_err(|e| CellError { row, col: c, item: item.poam_id.clone(), error: e })?;
        }
    }
    Ok(())
}

/// A cell that could not be written, with the item and column, so that the error names them.
#[derive(Debug)]
struct CellError {
    row: u32,
    col: usize,
    item: String,
    error: XlsxError,
}

impl From<XlsxError> for CellError {
    fn from(error: XlsxError) -> Self {
        CellError { row: u32::MAX, col: usize::MAX, item: String::new(), error }
    }
}

impl CellError {
    fn into_error(self, label: &str, sheet: &str) -> Error {
        let mut loc = Location::file(label);
        loc.sheet = Some(sheet.to_string());
        if self.row == u32::MAX {
            return Error::invalid(format!("writing the workbook failed: {}", self.error)).at(loc);
        }
        loc.row = Some(u64::from(self.row) + 1);
        loc.column = Some(self.col as u64 + 1);
        loc.field = COLUMNS.get(self.col).map(|c| format!("{} ({})", c.letter, c.header));
        Error::invalid(format!("item {}: the cell cannot be written: {}", self.item, self.error)).at(loc)
    }
}

fn write_changes_sheet(ws: &mut Worksheet, poam: &Poam, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_CHANGES)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 80)?;
    ws.set_column_width(3, 10)?;
    ws.set_column_width(4, 20)?;
    ws.write_string_with_format(1, 1, "Record of Changes", &f.title)?;
    for (c, h) in ["Date", "Description", "Version", "Author"].iter().enumerate() {
        ws.write_string_with_format(2, 1 + c as u16, *h, &f.header)?;
    }
    if let Some(d) = poam.header.poam_date {
        ws.write_date_with_format(3, 1, d, &f.date)?;
    }
    let description = format!(
        "Generated by conmon: {} open, {} closed, {} configuration findings",
        poam.open.len(),
        poam.closed.len(),
        poam.configuration_findings.len()
    );
    ws.write_string_with_format(3, 2, description, &f.text)?;
    ws.write_string_with_format(3, 3, crate::VERSION, &f.text)?;
    ws.write_string_with_format(3, 4, "conmon", &f.text)?;
    Ok(())
}

/// A workbook read: what could be read, and every cell that could not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PoamImport {
    /// The POA&M (items whose required cells were unreadable are left out, and reported).
    pub poam: Poam,
    /// Unreadable cells and missing required values, each with sheet, row and column.
    pub problems: Vec<ProblemRecord>,
    /// Header cells that name no template column (tolerated, ignored), as `sheet!cell: text`.
    pub ignored_columns: Vec<String>,
    /// Template columns absent from a sheet's header row (sheet and header in the location).
    #[serde(default)]
    pub missing_columns: Vec<Location>,
    /// Blank cells in columns the template requires (the reader fills defaults: `No`, `N/A`);
    /// validation reports them.
    #[serde(default)]
    pub blank_required: Vec<Location>,
}

impl PoamImport {
    /// The import report without the POA&M: `{problems, ignored_columns, missing_columns,
    /// blank_required}`, for bindings that hand the POA&M over separately.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "problems": self.problems,
            "ignored_columns": self.ignored_columns,
            "missing_columns": self.missing_columns,
            "blank_required": self.blank_required,
        })
    }
}

/// A problem found while reading, in serialisable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProblemRecord {
    /// Stable error code (`invalid_value`, `missing_field`, ...).
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub location: Location,
}

impl From<&Error> for ProblemRecord {
    fn from(e: &Error) -> Self {
        ProblemRecord { code: e.code().to_string(), message: e.kind().to_string(), location: e.location().clone() }
    }
}

fn cell_raw(d: &Data) -> Raw<'_> {
    match d {
        Data::Empty | Data::Error(_) => Raw::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Text(s),
        Data::Int(i) => Raw::Number(*i as f64),
        Data::Float(x) => Raw::Number(*x),
        Data::Bool(b) => Raw::Text(if *b { "Yes" } else { "No" }),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => Raw::Date(t.date()),
            None => Raw::Number(dt.as_f64()),
        },
    }
}

fn cell_text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Float(x)) => x.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        _ => String::new(),
    }
}

/// Column letters of a 0-based column number (0 → A, 27 → AB).
pub fn column_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Finds the header row of a sheet: the first of its first 30 rows in which some cell names
/// `anchor` (normalised). Returns the relative row index.
fn find_header_row(range: &Range<Data>, anchor: &str) -> Option<usize> {
    let anchor = template::normalise_header(anchor);
    range
        .rows()
        .take(30)
        .position(|row| row.iter().any(|c| matches!(c, Data::String(s) if template::normalise_header(s) == anchor)))
}

/// The first sheet of a workbook with a header row naming `anchor` (see [`find_header_row`]),
/// with its normalised headers, for the readers that find their columns by header text.
struct HeaderedSheet {
    label: String,
    sheet: String,
    range: Range<Data>,
    /// The header row, relative to the range.
    header_row: usize,
    /// The range's first row and column in the sheet (0-based).
    start: (u32, u32),
    headers: Vec<String>,
}

impl HeaderedSheet {
    /// Opens `path` and finds the sheet; `what` names what the file should have been, for the
    /// error when no sheet has the header.
    fn open(path: &Path, anchor: &str, what: &str) -> Result<HeaderedSheet> {
        let label = path.display().to_string();
        let mut wb = open_workbook(path)?;
        let names = wb.sheet_names();
        for n in names.iter() {
            let range = sheet_range(&mut wb, n, &label)?;
            if let Some(h) = find_header_row(&range, anchor) {
                let headers =
                    (0..range.width()).map(|c| template::normalise_header(&cell_text(range.get((h, c))))).collect();
                let start = range.start().unwrap_or((0, 0));
                return Ok(HeaderedSheet { label, sheet: n.clone(), range, header_row: h, start, headers });
            }
        }
        Err(Error::missing(format!("no sheet with a `{anchor}` header{what} (sheets: {})", names.join(", ")))
            .at(Location::file(&label)))
    }

    /// The column whose header is one of `names` (compared normalised).
    fn col(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| names.iter().any(|n| template::normalise_header(n) == *h))
    }

    /// The 1-based sheet row of relative row `ri`.
    fn row_number(&self, ri: usize) -> u64 {
        u64::from(self.start.0) + ri as u64 + 1
    }

    /// The location of a cell: relative row `ri`, column `c`, under the header `field`.
    fn at(&self, ri: usize, c: usize, field: &str) -> Location {
        let mut loc = Location::file(&self.label);
        loc.sheet = Some(self.sheet.clone());
        loc.row = Some(self.row_number(ri));
        loc.column = Some(u64::from(self.start.1) + c as u64 + 1);
        loc.field = Some(field.to_string());
        loc
    }
}

/// The most a single part of a workbook (a sheet's XML, the shared strings) may hold once
/// decompressed: about 700,000 rows of the POA&M template. Larger POA&Ms travel as CSV or JSON.
pub const MAX_WORKBOOK_PART_BYTES: u64 = 1 << 30;
/// The most all parts of a workbook may hold once decompressed.
pub const MAX_WORKBOOK_BYTES: u64 = 2 << 30;
/// A part that decompresses to more than this many times its compressed size, and to more than
/// 64 MiB, is a zip bomb: spreadsheet XML compresses about 5 to 30 times, never 500.
pub const MAX_COMPRESSION_RATIO: u64 = 500;

/// Refuses a zip-based workbook (`.xlsx`, `.xlsm`, `.ods`) whose parts declare more than the
/// limits above, before any part is decompressed. The declared sizes are binding: the zip reader
/// stops with an error at a part's declared size, so a part cannot lie its way past the check.
fn check_archive(path: &Path, label: &str) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(e, path))?;
    let mut zip = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(z) => z,
        // Not a zip: calamine reports what it is (an .xls, or not a workbook).
        Err(_) => return Ok(()),
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| Error::parse(format!("not a readable workbook: part {i}: {e}")).at(Location::file(label)))?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_else(|_| format!("part {i}"));
        let (size, packed) = (part.size(), part.compressed_size());
        let limit = |message: String| {
            let mut loc = Location::file(label);
            loc.field = Some(name.clone());
            Err(Error::limit(message).at(loc))
        };
        if size > MAX_WORKBOOK_PART_BYTES {
            return limit(format!(
                "workbook part `{name}` declares {size} bytes uncompressed, more than conmon reads ({MAX_WORKBOOK_PART_BYTES}); \
                 export a POA&M this large as CSV or JSON"
            ));
        }
        if size > (64 << 20) && size / packed.max(1) > MAX_COMPRESSION_RATIO {
            return limit(format!(
                "workbook part `{name}` expands from {packed} to {size} bytes ({}:1): a zip bomb, not a spreadsheet",
                size / packed.max(1)
            ));
        }
        total += size;
        if total > MAX_WORKBOOK_BYTES {
            return limit(format!("the workbook's parts declare more than {MAX_WORKBOOK_BYTES} bytes uncompressed"));
        }
    }
    Ok(())
}

fn open_workbook(path: &Path) -> Result<calamine::Sheets<std::io::BufReader<std::fs::File>>> {
    let label = path.display().to_string();
    if !path.exists() {
        return Err(Error::io(std::io::Error::from(std::io::ErrorKind::NotFound), path));
    }
    check_archive(path, &label)?;
    calamine::open_workbook_auto(path)
        .map_err(|e| Error::parse(format!("not a readable workbook: {e}")).at(Location::file(&label)))
}

fn sheet_range(
    wb: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
    label: &str,
) -> Result<Range<Data>> {
    wb.worksheet_range(name).map_err(|e| {
        let mut loc = Location::file(label);
        loc.sheet = Some(name.to_string());
        Error::parse(format!("the sheet could not be read: {e}")).at(loc)
    })
}

/// True for the template's guidance, format-hint and example rows (rows 6–8 of the Open sheet).
fn is_template_row(id: &str) -> bool {
    let n = template::normalise_header(id);
    n == "uniqueidentifierforeachpoamitem" || n == "uniqueidentifier" || n.ends_with("example")
}

/// Reads a POA&M workbook (the FedRAMP template, or a provider's workbook built from it).
///
/// The Open, Closed and Configuration Findings sheets are found by name (case and spacing
/// ignored); a workbook with one sheet of items is read as the Open sheet. Items on the Closed
/// sheet are closed at their Status Date, as false positives when False Positive is `Yes`.
///
/// # Errors
/// The file cannot be read as a workbook, or no sheet has a `POAM ID` header. Unreadable cells
/// are not errors: they are in [`PoamImport::problems`].
pub fn read_poam(path: &Path) -> Result<PoamImport> {
    let label = path.display().to_string();
    let mut wb = open_workbook(path)?;
    let names = wb.sheet_names();
    let find = |want: &str| {
        let w = template::normalise_header(want);
        names.iter().find(|n| template::normalise_header(n) == w).cloned()
    };
    let mut plan: Vec<(String, SheetKind)> = Vec::new();
    for (want, kind) in
        [(SHEET_OPEN, SheetKind::Open), (SHEET_CLOSED, SheetKind::Closed), (SHEET_CONFIG, SheetKind::Config)]
    {
        if let Some(n) = find(want) {
            plan.push((n, kind));
        }
    }
    if plan.is_empty() {
        // A provider's workbook with another sheet name: the first sheet with a POAM ID header.
        for n in &names {
            let range = sheet_range(&mut wb, n, &label)?;
            if find_header_row(&range, "POAM ID").is_some() {
                plan.push((n.clone(), SheetKind::Open));
                break;
            }
        }
    }
    if plan.is_empty() {
        return Err(Error::missing(format!(
            "no sheet named `{SHEET_OPEN}` and no sheet with a `POAM ID` header (sheets: {})",
            names.join(", ")
        ))
        .at(Location::file(&label)));
    }
    let mut out = PoamImport::default();
    let mut problems: Vec<Error> = Vec::new();
    let mut header_read = false;
    for (name, kind) in plan {
        let range = sheet_range(&mut wb, &name, &label)?;
        if !header_read {
            out.poam.header = read_header_block(&range, &label, &name, &mut problems);
            header_read = true;
        }
        let items = read_items_sheet(&range, &label, &name, kind, &mut problems, &mut out)?;
        match kind {
            SheetKind::Open => out.poam.open = items,
            SheetKind::Closed => out.poam.closed = items,
            SheetKind::Config => out.poam.configuration_findings = items,
        }
    }
    // IDs issued so far: the highest number among the items (with the common `X-` prefixes).
    out.poam.id_high_water = highest_id_number(&out.poam);
    out.problems = problems.iter().map(ProblemRecord::from).collect();
    Ok(out)
}

/// The highest number at the end of a POA&M ID (`V-123` → 123): the IDs issued so far, for a
/// POA&M read from a format that does not record it.
pub fn highest_id_number(poam: &Poam) -> u64 {
    poam.items()
        .filter_map(|i| {
            let id = i.poam_id.trim();
            // The trailing ASCII digits, after whatever comes before them (which may end in a
            // character of more than one byte: `V→12`).
            id[id.trim_end_matches(|c: char| c.is_ascii_digit()).len()..].parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    Open,
    Closed,
    Config,
}

fn read_header_block(range: &Range<Data>, label: &str, sheet: &str, problems: &mut Vec<Error>) -> PoamHeader {
    let mut header = PoamHeader::default();
    let Some(r) = find_header_row(range, "CSP") else { return header };
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let labels: Vec<String> =
        range.rows().nth(r).map(|row| row.iter().map(|c| cell_text(Some(c))).collect()).unwrap_or_default();
    for (c, l) in labels.iter().enumerate() {
        let value = range.get((r + 1, c));
        let at = || {
            let mut loc = Location::file(label);
            loc.sheet = Some(sheet.to_string());
            loc.row = Some(u64::from(r0) + r as u64 + 2);
            loc.column = Some(u64::from(c0) + c as u64 + 1);
            loc.field = Some(l.clone());
            loc
        };
        match template::normalise_header(l).as_str() {
            "csp" => header.csp = cell_text(value),
            "systemname" => header.system_name = cell_text(value),
            "impactlevel" => {
                let t = cell_text(value);
                // The template's placeholder value is `Low`; an empty cell is no level.
                if !t.is_empty() {
                    match t.parse::<RiskRating>() {
                        Ok(level) => header.impact_level = Some(level),
                        Err(e) => problems.push(e.at(at())),
                    }
                }
            }
            "poamdate" => match value.map(cell_raw) {
                Some(Raw::Date(d)) => header.poam_date = Some(d),
                Some(Raw::Number(n)) => header.poam_date = template::excel_serial_date(n),
                // The template's placeholder text is `Date`.
                Some(Raw::Text(t)) if !t.trim().is_empty() && !t.trim().eq_ignore_ascii_case("date") => {
                    match crate::model::parse_template_date(t) {
                        Ok(d) => header.poam_date = Some(d),
                        Err(e) => problems.push(e.at(at())),
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if header.csp.eq_ignore_ascii_case("text") {
        header.csp.clear();
    }
    if header.system_name.eq_ignore_ascii_case("text") {
        header.system_name.clear();
    }
    header
}

fn read_items_sheet(
    range: &Range<Data>,
    label: &str,
    sheet: &str,
    kind: SheetKind,
    problems: &mut Vec<Error>,
    out: &mut PoamImport,
) -> Result<Vec<PoamItem>> {
    let ignored = &mut out.ignored_columns;
    let mut sheet_loc = Location::file(label);
    sheet_loc.sheet = Some(sheet.to_string());
    let Some(h) = find_header_row(range, "POAM ID") else {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::missing("no `POAM ID` column header in the first 30 rows").at(sheet_loc));
    };
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let width = range.width();
    // Template column → 0-based column in the range.
    let mut map: [Option<usize>; 31] = [None; 31];
    let mut columns: [Option<u64>; 31] = [None; 31];
    for c in 0..width {
        let text = cell_text(range.get((h, c)));
        if text.is_empty() {
            continue;
        }
        match template::column_for_header(&text) {
            Some(t) if map[t].is_none() => {
                map[t] = Some(c);
                columns[t] = Some(u64::from(c0) + c as u64 + 1);
            }
            _ => ignored.push(format!(
                "{sheet}!{}{}: {}",
                column_letters(c0 + c as u32),
                u64::from(r0) + h as u64 + 1,
                text.replace('\n', " ")
            )),
        }
    }
    for (t, m) in map.iter().enumerate() {
        if m.is_none() {
            let mut loc = sheet_loc.clone();
            loc.row = Some(u64::from(r0) + h as u64 + 1);
            loc.field = Some(format!("{} ({})", COLUMNS[t].letter, COLUMNS[t].header));
            out.missing_columns.push(loc);
        }
    }
    for required in [0usize, 10, 18] {
        if map[required].is_none() {
            let mut loc = sheet_loc.clone();
            loc.row = Some(u64::from(r0) + h as u64 + 1);
            loc.field = Some(COLUMNS[required].header.to_string());
            problems.push(Error::missing(format!("no `{}` column", COLUMNS[required].header)).at(loc));
        }
    }
    let mut items = Vec::new();
    for (ri, row) in range.rows().enumerate().skip(h + 1) {
        let get = |t: usize| map[t].and_then(|c| row.get(c)).map_or(Raw::Empty, cell_raw);
        let id = match get(0) {
            Raw::Text(s) => s.trim().to_string(),
            Raw::Number(n) => n.to_string(),
            _ => String::new(),
        };
        // Blank rows, formula-only rows (the template's row 9) and the template's own rows.
        if id.is_empty() || is_template_row(&id) {
            continue;
        }
        let mut row_loc = sheet_loc.clone();
        row_loc.row = Some(u64::from(r0) + ri as u64 + 1);
        for &t in template::REQUIRED {
            if let Some(c) = map[t]
                && row.get(c).map_or(Raw::Empty, cell_raw).is_blank()
            {
                let mut loc = row_loc.clone();
                loc.column = Some(u64::from(c0) + c as u64 + 1);
                loc.field = Some(format!("{} ({})", COLUMNS[t].letter, COLUMNS[t].header));
                out.blank_required.push(loc);
            }
        }
        let at = CellAt { row: &row_loc, columns: &columns };
        if let Some(item) = template::item_from_cells(get, &at, kind == SheetKind::Closed, problems) {
            items.push(item);
        }
    }
    Ok(items)
}

/// One asset of the Integrated Inventory Workbook (SSP Appendix M).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InventoryAsset {
    /// UNIQUE ASSET IDENTIFIER (matched against POA&M column G and scan assets).
    pub identifier: String,
    /// IPv4 or IPv6 addresses (one per line in the cell).
    #[serde(default)]
    pub ips: Vec<String>,
    /// Virtual.
    #[serde(default)]
    pub is_virtual: Option<bool>,
    /// Public (outside the boundary).
    #[serde(default)]
    pub public: Option<bool>,
    /// DNS name or URL.
    #[serde(default)]
    pub dns_name: Option<String>,
    /// NetBIOS name.
    #[serde(default)]
    pub netbios_name: Option<String>,
    /// MAC address.
    #[serde(default)]
    pub mac_address: Option<String>,
    /// Planned for an authenticated scan.
    #[serde(default)]
    pub authenticated_scan: Option<bool>,
    /// Baseline configuration name.
    #[serde(default)]
    pub baseline_configuration: Option<String>,
    /// OS name and version.
    #[serde(default)]
    pub os_name_version: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// Asset type (free text in the template: "Web Server", "Container", ...).
    #[serde(default)]
    pub asset_type: Option<String>,
    /// Hardware make/model.
    #[serde(default)]
    pub hardware_model: Option<String>,
    /// In latest scan: should the asset appear in this period's scans.
    #[serde(default)]
    pub in_latest_scan: Option<bool>,
    /// Software/database vendor.
    #[serde(default)]
    pub software_vendor: Option<String>,
    /// Software/database name and version.
    #[serde(default)]
    pub software_name_version: Option<String>,
    /// Patch level.
    #[serde(default)]
    pub patch_level: Option<String>,
    /// Function.
    #[serde(default)]
    pub function: Option<String>,
    /// End-of-life date.
    #[serde(default)]
    pub end_of_life: Option<NaiveDate>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
    /// Row in the workbook (1-based), for messages.
    #[serde(default)]
    pub row: u64,
}

/// An inventory read, with unreadable cells reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InventoryImport {
    /// Assets.
    pub assets: Vec<InventoryAsset>,
    /// Unreadable cells (sheet, row, column).
    pub problems: Vec<ProblemRecord>,
}

/// Reads the Integrated Inventory Workbook: the `Inventory` sheet (or the first sheet with a
/// `UNIQUE ASSET IDENTIFIER` header). The template's label column A (GUIDANCE, Valid Values,
/// examples) and its guidance rows are skipped.
///
/// # Errors
/// The file is not a workbook or has no inventory sheet.
pub fn read_inventory(path: &Path) -> Result<InventoryImport> {
    let hs = HeaderedSheet::open(path, "UNIQUE ASSET IDENTIFIER", "")?;
    let (range, h, headers) = (&hs.range, hs.header_row, &hs.headers);
    let col = |names: &[&str]| hs.col(names);
    let id_col = col(&["UNIQUE ASSET IDENTIFIER"]).unwrap_or(0);
    // The template keeps labels (GUIDANCE, Valid Values, examples) in an unnamed column before
    // the identifier; rows with a label there are not assets.
    let label_col = (id_col > 0 && headers[..id_col].iter().all(String::is_empty)).then_some(0usize);
    let mut out = InventoryImport::default();
    let mut problems = Vec::new();
    for (ri, row) in range.rows().enumerate().skip(h + 1) {
        if let Some(lc) = label_col
            && !cell_text(row.get(lc)).is_empty()
        {
            continue;
        }
        let identifier = cell_text(row.get(id_col));
        if identifier.is_empty() {
            continue;
        }
        let abs_row = hs.row_number(ri);
        let at = |c: usize, field: &str| hs.at(ri, c, field);
        let text = |names: &[&str]| col(names).map(|c| cell_text(row.get(c))).filter(|s| !s.is_empty());
        let flag = |names: &[&str], problems: &mut Vec<Error>| -> Option<bool> {
            let c = col(names)?;
            let t = cell_text(row.get(c));
            match t.to_ascii_lowercase().as_str() {
                "" => None,
                "yes" | "y" | "true" => Some(true),
                "no" | "n" | "false" => Some(false),
                other => {
                    problems.push(
                        Error::invalid(format!("`{other}` is not allowed here (allowed: Yes, No)")).at(at(c, names[0])),
                    );
                    None
                }
            }
        };
        let end_of_life = col(&["End-of-Life"]).and_then(|c| match row.get(c).map(cell_raw) {
            Some(Raw::Date(d)) => Some(d),
            Some(Raw::Number(n)) => template::excel_serial_date(n),
            Some(Raw::Text(t)) if !t.trim().is_empty() => {
                crate::model::parse_template_date(t).map_err(|e| problems.push(e.at(at(c, "End-of-Life")))).ok()
            }
            _ => None,
        });
        let asset = InventoryAsset {
            identifier,
            ips: text(&["IPv4 or IPv6 Address"])
                .map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            is_virtual: flag(&["Virtual"], &mut problems),
            public: flag(&["Public"], &mut problems),
            dns_name: text(&["DNS Name or URL"]),
            netbios_name: text(&["NetBIOS Name"]),
            mac_address: text(&["MAC Address"]),
            authenticated_scan: flag(&["Authenticated Scan"], &mut problems),
            baseline_configuration: text(&["Baseline Configuration Name"]),
            os_name_version: text(&["OS Name and Version"]),
            location: text(&["Location"]),
            asset_type: text(&["Asset Type"]),
            hardware_model: text(&["Hardware Make/Model"]),
            in_latest_scan: flag(&["In Latest Scan"], &mut problems),
            software_vendor: text(&["Software/ Database Vendor"]),
            software_name_version: text(&["Software/ Database Name & Version"]),
            patch_level: text(&["Patch Level"]),
            function: text(&["Function"]),
            end_of_life,
            comments: text(&["Comments"]),
            row: abs_row,
        };
        out.assets.push(asset);
    }
    out.problems = problems.iter().map(ProblemRecord::from).collect();
    Ok(out)
}

/// Reads FedRAMP's Vulnerability Deviation Request Form (`.xlsx`): one deviation per row of its
/// DR sheet (the sheet whose header row names `DR Number`; row 10 in the form), columns found by
/// header text (R3.3).
///
/// - `Type of DR`: `FP`, `RA`, `OR` or `OR RA` (the form's list; the full names are accepted).
/// - `Deviation Status`: `Pending`, `Approved`, `Rejected`, `Withdrawn`; blank or `N/A` is pending.
///   A decision's date is the latest reviewer status date (GSA, DOD, DHS) on the row, if any.
/// - `DR Rationale` is the rationale, followed by the FP `Evidence Description` and the OR
///   `Operational Impact Statement` and `Justification` when filled; the three attachment lists
///   are the evidence, a line each.
/// - `Requested Risk Rating/Impact` and `DR Submission Date` as given.
///
/// The guidance row under the header and the form's example rows (a POA&M ID ending in
/// `Example`) are skipped, as are rows with neither a DR number nor a POA&M ID.
///
/// # Errors
/// The file is not a workbook, no sheet has a `DR Number` header, or a row has no POA&M ID, no
/// or an unknown type of DR, or an unreadable status, rating or date: the error names the sheet,
/// row, column and header.
pub fn read_deviation_form(path: &Path) -> Result<Vec<crate::deviation::Deviation>> {
    use crate::deviation::{Deviation, DeviationKind, DeviationStatus};
    let hs = HeaderedSheet::open(path, "DR Number", ": not FedRAMP's deviation request form")?;
    let h = hs.header_row;
    let col = |name: &str| hs.col(&[name]);
    let required = |name: &str| {
        col(name).ok_or_else(|| {
            let mut loc = Location::file(&hs.label);
            loc.sheet = Some(hs.sheet.clone());
            loc.row = Some(hs.row_number(h));
            Error::missing(format!("the DR sheet has no `{name}` column")).at(loc)
        })
    };
    let (c_number, c_poam, c_type) = (required("DR Number")?, required("POA&M ID")?, required("Type of DR")?);
    let mut out = Vec::new();
    for (ri, row) in hs.range.rows().enumerate().skip(h + 1) {
        let abs_row = hs.row_number(ri);
        let at = |c: usize, field: &str| hs.at(ri, c, field);
        let text = |name: &str| {
            col(name).map(|c| cell_text(row.get(c))).filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("n/a"))
        };
        let id = cell_text(row.get(c_number));
        let poam_id = cell_text(row.get(c_poam));
        // The guidance row says `Text Field` in every text column.
        if (id.is_empty() && poam_id.is_empty()) || is_template_row(&poam_id) || id.eq_ignore_ascii_case("text field") {
            continue;
        }
        if poam_id.is_empty() {
            return Err(
                Error::missing("a deviation request needs the POA&M ID it is about (R3.3)").at(at(c_poam, "POA&M ID"))
            );
        }
        let kind_text = cell_text(row.get(c_type));
        let kind = match template::normalise_header(&kind_text).as_str() {
            "fp" | "falsepositive" => DeviationKind::FalsePositive,
            "ra" | "riskadjustment" => DeviationKind::RiskAdjustment,
            "or" | "operationalrequirement" => DeviationKind::OperationalRequirement,
            "orra" | "raor" | "operationalrequirementriskadjustment" => {
                DeviationKind::OperationalRequirementRiskAdjustment
            }
            _ => {
                return Err(Error::invalid(format!("`{kind_text}` is not a type of DR (allowed: FP, RA, OR, OR RA)"))
                    .at(at(c_type, "Type of DR")));
            }
        };
        let status = match col("Deviation Status").map(|c| (c, cell_text(row.get(c)))) {
            None => DeviationStatus::Pending,
            Some((c, t)) => match template::normalise_header(&t).as_str() {
                "" | "na" | "pending" => DeviationStatus::Pending,
                "approved" => DeviationStatus::Approved,
                "rejected" => DeviationStatus::Rejected,
                "withdrawn" => DeviationStatus::Withdrawn,
                _ => {
                    return Err(Error::invalid(format!(
                        "`{t}` is not a deviation status (allowed: Pending, N/A, Approved, Rejected, Withdrawn)"
                    ))
                    .at(at(c, "Deviation Status")));
                }
            },
        };
        let date = |name: &str| -> Result<Option<NaiveDate>> {
            let Some(c) = col(name) else { return Ok(None) };
            match row.get(c).map(cell_raw) {
                Some(Raw::Date(d)) => Ok(Some(d)),
                Some(Raw::Number(n)) => template::excel_serial_date(n)
                    .map(Some)
                    .ok_or_else(|| Error::invalid(format!("{n} is not a date")).at(at(c, name))),
                Some(Raw::Text(t)) if !t.trim().is_empty() && !t.trim().eq_ignore_ascii_case("n/a") => {
                    crate::model::parse_template_date(t).map(Some).map_err(|e| e.at(at(c, name)))
                }
                _ => Ok(None),
            }
        };
        let submitted = date("DR Submission Date")?;
        let decided = if status == DeviationStatus::Pending {
            None
        } else {
            let mut latest = None;
            for name in ["GSA Status Date", "DOD Status Date", "DHS Status Date"] {
                latest = latest.max(date(name)?);
            }
            latest
        };
        let requested_rating = match col("Requested Risk Rating/Impact").map(|c| (c, cell_text(row.get(c)))) {
            Some((c, t)) if !t.is_empty() && !t.eq_ignore_ascii_case("n/a") => {
                Some(t.parse::<RiskRating>().map_err(|e| e.at(at(c, "Requested Risk Rating/Impact")))?)
            }
            _ => None,
        };
        let mut rationale = text("DR Rationale").unwrap_or_default();
        for (name, heading) in [
            ("Evidence Description", "Evidence"),
            ("Operational Impact Statement", "Operational impact"),
            ("Justification", "Justification"),
        ] {
            if let Some(t) = text(name) {
                if !rationale.is_empty() {
                    rationale.push_str("\n\n");
                }
                rationale.push_str(&format!("{heading}: {t}"));
            }
        }
        let evidence: Vec<String> =
            ["List of Evidence Attachments", "List of Operational Requirement Attachments", "List of Risk Reduction"]
                .iter()
                .filter_map(|name| text(name))
                .flat_map(|t| {
                    t.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect::<Vec<_>>()
                })
                .collect();
        out.push(Deviation {
            id: if id.is_empty() { format!("row {abs_row}") } else { id },
            poam_id,
            kind,
            status,
            submitted,
            decided,
            requested_rating,
            rationale,
            evidence,
            auto_approved: false,
            vendor_product: None,
            last_check_in: None,
            fix_release_date: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(30), "AE");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    /// Found by the `poam_csv` fuzz target (session 10): an ID whose last non-digit character has
    /// more than one byte (`V→12`) was sliced inside that character, a panic.
    #[test]
    fn the_highest_id_number_after_any_character() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 13).unwrap_or_default();
        let poam = |ids: &[&str]| Poam {
            open: ids.iter().map(|id| PoamItem::new(*id, d, RiskRating::High)).collect(),
            ..Poam::default()
        };
        assert_eq!(highest_id_number(&poam(&["V→12", "é7", " V-9 ", "V-", "→", ""])), 12);
        assert_eq!(highest_id_number(&poam(&["X-√99x", "٣"])), 0, "no trailing ASCII digits");
        // Through the CSV reader, as the fuzzer found it.
        let mut csv = Vec::new();
        crate::io::csv::write_poam(&poam(&["V→12", "V-3"]), &mut csv, "t.csv").unwrap();
        let read = crate::io::csv::read_poam(&csv[..], "t.csv").unwrap();
        assert_eq!(read.poam.id_high_water, 12);
    }
}
