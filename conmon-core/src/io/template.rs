//! The FedRAMP POA&M template's columns A–AE (fedramp-rules.md §4.2), shared by the workbook and
//! CSV readers and writers: one table of headers, one conversion from an item to cells and one
//! from cells back to an item, so that both formats carry exactly the same values.
//!
//! Readers find columns by header text (normalised: case, spaces, `&`, punctuation ignored), never
//! by letter, because the template's columns have shifted between versions; a few historical
//! spellings are accepted as aliases.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::error::{Error, Location};
use crate::model::{
    AssetRef, Closure, ClosureReason, DeviationFlag, Milestone, MilestoneChange, PoamItem, RiskRating,
    parse_template_date,
};

/// What a column holds, for writers (dates are real spreadsheet dates) and readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Free text (scanner- or user-controlled: guarded against formula injection).
    Text,
    /// A date.
    Date,
    /// One of the template's allowed values (`Yes`/`No`, ratings).
    List,
}

/// One template column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Column letter in the template (v2.1).
    pub letter: &'static str,
    /// Exact header text in the template.
    pub header: &'static str,
    /// Other spellings seen in older or edited workbooks.
    pub aliases: &'static [&'static str],
    /// What the column holds.
    pub kind: ColumnKind,
    /// Usable width in characters for writers.
    pub width: f64,
}

const fn col(letter: &'static str, header: &'static str, kind: ColumnKind, width: f64) -> Column {
    Column { letter, header, aliases: &[], kind, width }
}

use ColumnKind::{Date, List, Text};

/// Columns A–AE in template order.
pub const COLUMNS: [Column; 31] = [
    Column { aliases: &["POA&M ID", "POAM-ID", "POA&M Item ID"], ..col("A", "POAM ID", Text, 12.0) },
    Column { aliases: &["Control", "Security Controls"], ..col("B", "Controls", Text, 12.0) },
    col("C", "Weakness Name", Text, 36.0),
    col("D", "Weakness Description", Text, 50.0),
    col("E", "Weakness Detector Source", Text, 18.0),
    col("F", "Weakness Source Identifier", Text, 16.0),
    Column { aliases: &["Asset Identifiers", "Asset ID"], ..col("G", "Asset Identifier", Text, 32.0) },
    col("H", "Point of Contact", Text, 20.0),
    col("I", "Resources Required", Text, 18.0),
    col("J", "Overall Remediation Plan", Text, 40.0),
    Column { aliases: &["Discovery Date", "Detection Date"], ..col("K", "Original Detection Date", Date, 14.0) },
    col("L", "Scheduled Completion Date", Date, 14.0),
    col("M", "Planned Milestones", Text, 44.0),
    col("N", "Milestone Changes", Text, 44.0),
    col("O", "Status Date", Date, 12.0),
    col("P", "Vendor Dependency", List, 12.0),
    Column { aliases: &["Last Vendor Check in Date"], ..col("Q", "Last Vendor Check-in Date", Date, 14.0) },
    col("R", "Vendor Dependent Product Name", Text, 20.0),
    col("S", "Original Risk Rating", List, 12.0),
    col("T", "Adjusted Risk Rating", List, 12.0),
    col("U", "Risk Adjustment", List, 12.0),
    col("V", "False Positive", List, 12.0),
    col("W", "Operational Requirement", List, 14.0),
    col("X", "Deviation Rationale", Text, 36.0),
    col("Y", "Supporting Documents", Text, 28.0),
    col("Z", "Comments", Text, 28.0),
    Column { aliases: &["Auto Approve"], ..col("AA", "Auto-Approve", List, 12.0) },
    Column {
        aliases: &["BOD 22-01 tracking", "KEV"],
        ..col("AB", "Binding Operational Directive 22-01 tracking", List, 16.0)
    },
    Column {
        aliases: &["BOD 22-01 Due Date", "KEV Due Date"],
        ..col("AC", "Binding Operational Directive 22-01 Due Date", Date, 16.0)
    },
    Column { aliases: &["CVEs", "CVE ID"], ..col("AD", "CVE", Text, 18.0) },
    Column { aliases: &["Service Names", "Service"], ..col("AE", "Service Name", Text, 24.0) },
];

/// Index of column K (Original Detection Date) and other columns the code refers to.
pub(crate) mod idx {
    pub const POAM_ID: usize = 0;
    pub const ORIGINAL_DETECTION: usize = 10;
    pub const ORIGINAL_RATING: usize = 18;
}

/// Columns the template requires on every item (§4.2 "Required" = yes, except I, which FedRAMP
/// asks for only when resources beyond current ones are needed; K and S are needed to read an
/// item at all): B C D E F G H J L M O P S T U V W AA AB.
pub const REQUIRED: &[usize] = &[1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 14, 15, 18, 19, 20, 21, 22, 26, 27];

/// The extra column conmon's CSV adds after AE: which sheet the item is on.
pub const SHEET_COLUMN: &str = "POAM Sheet";

/// The template's sheet names, in order.
pub const SHEET_OPEN: &str = "Open POA&M Items";
/// Closed items.
pub const SHEET_CLOSED: &str = "Closed POA&M Items";
/// Configuration findings (R4.9).
pub const SHEET_CONFIG: &str = "Configuration Findings";
/// Record of changes.
pub const SHEET_CHANGES: &str = "Record of Changes";

/// Normalises a header for matching: lower case, letters and digits only, `&` dropped
/// (`POA&M ID` = `POAM ID` = `poam-id`).
pub fn normalise_header(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The column a header names, if any.
pub fn column_for_header(header: &str) -> Option<usize> {
    let h = normalise_header(header);
    if h.is_empty() {
        return None;
    }
    COLUMNS.iter().position(|c| normalise_header(c.header) == h || c.aliases.iter().any(|a| normalise_header(a) == h))
}

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Nothing.
    Empty,
    /// Text (may contain newlines).
    Text(Cow<'a, str>),
    /// A date.
    Date(NaiveDate),
}

fn text(s: &str) -> Cell<'_> {
    if s.is_empty() { Cell::Empty } else { Cell::Text(Cow::Borrowed(s)) }
}

fn opt_text(s: Option<&str>) -> Cell<'_> {
    s.map_or(Cell::Empty, text)
}

fn date(d: Option<NaiveDate>) -> Cell<'static> {
    d.map_or(Cell::Empty, Cell::Date)
}

fn yes_no(b: bool) -> Cell<'static> {
    Cell::Text(Cow::Borrowed(if b { "Yes" } else { "No" }))
}

fn lines<T: std::fmt::Display>(items: &[T], sep: &str) -> Cell<'static> {
    if items.is_empty() {
        return Cell::Empty;
    }
    let mut s = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(&x.to_string());
    }
    Cell::Text(Cow::Owned(s))
}

/// The 31 cells of an item, A to AE.
pub fn cells(item: &PoamItem) -> [Cell<'_>; 31] {
    [
        text(&item.poam_id),
        text(&item.controls),
        text(&item.weakness_name),
        text(&item.weakness_description),
        text(&item.weakness_detector_source),
        text(&item.weakness_source_identifier),
        lines(&item.assets, "\n"),
        text(&item.point_of_contact),
        text(&item.resources_required),
        text(&item.overall_remediation_plan),
        Cell::Date(item.original_detection_date),
        date(item.scheduled_completion_date),
        // Milestones are separated by a blank line (template guidance for M).
        lines(&item.planned_milestones, "\n\n"),
        lines(&item.milestone_changes, "\n\n"),
        date(item.status_date),
        yes_no(item.vendor_dependency),
        date(item.last_vendor_check_in_date),
        opt_text(item.vendor_dependent_product_name.as_deref()),
        Cell::Text(Cow::Borrowed(item.original_risk_rating.as_template())),
        Cell::Text(Cow::Borrowed(item.adjusted_risk_rating.map_or("N/A", RiskRating::as_template))),
        Cell::Text(Cow::Borrowed(item.risk_adjustment.as_template())),
        Cell::Text(Cow::Borrowed(item.false_positive.as_template())),
        Cell::Text(Cow::Borrowed(item.operational_requirement.as_template())),
        opt_text(item.deviation_rationale.as_deref()),
        opt_text(item.supporting_documents.as_deref()),
        opt_text(item.comments.as_deref()),
        yes_no(item.auto_approve),
        yes_no(item.kev),
        date(item.kev_due_date),
        lines(&item.cves, "\n"),
        lines(&item.service_names, "\n"),
    ]
}

/// A cell as read, from a workbook or a CSV file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    /// Blank.
    Empty,
    /// Text.
    Text(&'a str),
    /// A number (spreadsheets store IDs such as plugin numbers as numbers).
    Number(f64),
    /// A date (a date-formatted spreadsheet cell).
    Date(NaiveDate),
}

impl Raw<'_> {
    /// Blank: empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Where a cell is, for error messages: the reader supplies the file, sheet and row, and the
/// column number in the file for each template column.
#[derive(Debug, Clone)]
pub struct CellAt<'a> {
    /// Location of the row (file, sheet, row).
    pub row: &'a Location,
    /// 1-based column number in the file of each template column (`None`: absent).
    pub columns: &'a [Option<u64>; 31],
}

impl CellAt<'_> {
    fn at(&self, c: usize) -> Location {
        let mut loc = self.row.clone();
        loc.column = self.columns[c];
        loc.field = Some(format!("{} ({})", COLUMNS[c].letter, COLUMNS[c].header));
        loc
    }
}

/// A whole number stored as a float prints without `.0` (plugin IDs, versions).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn as_text(raw: Raw<'_>) -> Cow<'_, str> {
    match raw {
        Raw::Empty => Cow::Borrowed(""),
        Raw::Text(s) => Cow::Borrowed(s),
        Raw::Number(n) => Cow::Owned(number_text(n)),
        Raw::Date(d) => Cow::Owned(d.to_string()),
    }
}

/// Converts a spreadsheet serial date (1900 system) to a date.
pub fn excel_serial_date(n: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&n) {
        return None;
    }
    // Serial 60 is the fictitious 1900-02-29; serials after it are one day ahead.
    let days = n.trunc() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

/// Splits a milestone cell into entries: an entry starts on a line that begins with `(number)`;
/// other lines continue the previous entry (descriptions may span lines); blank lines between
/// entries are separators.
fn milestone_entries(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines() {
        let t = line.trim_start();
        let starts = t.starts_with('(')
            && t[1..].find(')').is_some_and(|close| close > 0 && t[1..1 + close].trim().parse::<u32>().is_ok());
        match out.last_mut() {
            Some(cur) if !starts => {
                cur.push('\n');
                cur.push_str(line);
            }
            _ if starts => out.push(line.to_string()),
            _ if t.is_empty() => {}
            _ => out.push(line.to_string()),
        }
    }
    for e in &mut out {
        let trimmed = e.trim_end().len();
        e.truncate(trimmed);
    }
    out
}

/// Reads an item from its cells. `get(c)` returns template column `c`'s cell. Problems are
/// pushed to `problems` with their location; an item whose POA&M ID, Original Detection Date or
/// Original Risk Rating is unreadable is not returned. `closed` marks an item of the Closed sheet.
pub fn item_from_cells<'a>(
    get: impl Fn(usize) -> Raw<'a>,
    at: &CellAt<'_>,
    closed: bool,
    problems: &mut Vec<Error>,
) -> Option<PoamItem> {
    let before = problems.len();
    // Identifiers and list values are trimmed; free text (names, descriptions, plans, rationale,
    // comments) is kept as written, so that text read back is exactly the text written.
    let txt = |c: usize| as_text(get(c)).trim().to_string();
    let free = |c: usize| as_text(get(c)).into_owned();
    let opt_free = |c: usize| Some(free(c)).filter(|s| !s.trim().is_empty());
    let bad = |c: usize, e: Error, problems: &mut Vec<Error>| problems.push(e.at(at.at(c)));
    let date_at = |c: usize, problems: &mut Vec<Error>| -> Option<NaiveDate> {
        match get(c) {
            Raw::Empty => None,
            Raw::Date(d) => crate::model::check_date(d).map_err(|e| bad(c, e, problems)).ok(),
            Raw::Number(n) => match excel_serial_date(n) {
                Some(d) => crate::model::check_date(d).map_err(|e| bad(c, e, problems)).ok(),
                None => {
                    bad(c, Error::invalid(format!("{n} is not a date")), problems);
                    None
                }
            },
            Raw::Text(s) if s.trim().is_empty() => None,
            Raw::Text(s) => parse_template_date(s).map_err(|e| bad(c, e, problems)).ok(),
        }
    };
    let poam_id = txt(idx::POAM_ID);
    let detected = date_at(idx::ORIGINAL_DETECTION, problems);
    let scheduled = date_at(11, problems);
    let status = date_at(14, problems);
    let check_in = date_at(16, problems);
    let kev_due = date_at(28, problems);
    if poam_id.is_empty() {
        bad(idx::POAM_ID, Error::missing("the POA&M ID is empty"), problems);
    }
    if detected.is_none() && get(idx::ORIGINAL_DETECTION).is_blank() {
        bad(idx::ORIGINAL_DETECTION, Error::missing("the Original Detection Date is empty"), problems);
    }
    let rating = match txt(idx::ORIGINAL_RATING).parse::<RiskRating>() {
        Ok(r) => Some(r),
        Err(e) => {
            let e = if get(idx::ORIGINAL_RATING).is_blank() {
                Error::missing("the Original Risk Rating is empty (allowed: Low, Moderate, High)")
            } else {
                e
            };
            bad(idx::ORIGINAL_RATING, e, problems);
            None
        }
    };
    let adjusted = match txt(19).as_str() {
        "" => None,
        s if s.eq_ignore_ascii_case("n/a") || s.eq_ignore_ascii_case("na") => None,
        s => s.parse::<RiskRating>().map_err(|e| bad(19, e, problems)).ok(),
    };
    let flag = |c: usize, problems: &mut Vec<Error>| -> DeviationFlag {
        let s = txt(c);
        if s.is_empty() {
            return DeviationFlag::No;
        }
        s.parse().unwrap_or_else(|e: Error| {
            problems.push(e.at(at.at(c)));
            DeviationFlag::No
        })
    };
    let yes_no = |c: usize, problems: &mut Vec<Error>| -> bool {
        match txt(c).to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" => true,
            "" | "no" | "n" | "false" | "none" | "n/a" => false,
            other => {
                problems.push(Error::invalid(format!("`{other}` is not allowed here (allowed: Yes, No)")).at(at.at(c)));
                false
            }
        }
    };
    let (ra, fp, or) = (flag(20, problems), flag(21, problems), flag(22, problems));
    let (vd, auto, kev) = (yes_no(15, problems), yes_no(26, problems), yes_no(27, problems));

    let mut assets = Vec::new();
    for line in txt(6).lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.parse::<AssetRef>() {
            Ok(a) => assets.push(a),
            Err(e) => bad(6, e, problems),
        }
    }
    let mut planned = Vec::new();
    for e in milestone_entries(&txt(12)) {
        match e.parse::<Milestone>() {
            Ok(m) => planned.push(m),
            Err(err) => bad(12, Error::invalid(format!("milestone `{e}`: {err}")), problems),
        }
    }
    let mut changes = Vec::new();
    for e in milestone_entries(&txt(13)) {
        match e.parse::<MilestoneChange>() {
            Ok(m) => changes.push(m),
            Err(err) => bad(13, Error::invalid(format!("milestone change `{e}`: {err}")), problems),
        }
    }
    let cves: Vec<crate::model::CompactString> = txt(29)
        .split(|c: char| c == '\n' || c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::model::CompactString::from)
        .collect();
    let services: Vec<String> = txt(30).lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();

    if poam_id.is_empty() {
        return None;
    }
    let (Some(detected), Some(rating)) = (detected, rating) else {
        // The item cannot be built; make sure a problem says so.
        if problems.len() == before {
            problems.push(Error::invalid("the item could not be read").at(at.at(idx::POAM_ID)));
        }
        return None;
    };
    let mut item = PoamItem::new(poam_id, detected, rating);
    item.controls = txt(1);
    item.weakness_name = free(2).into();
    item.weakness_description = free(3).into();
    item.weakness_detector_source = txt(4);
    item.weakness_source_identifier = txt(5);
    item.assets = assets;
    item.point_of_contact = free(7);
    item.resources_required = free(8);
    item.overall_remediation_plan = free(9).into();
    item.scheduled_completion_date = scheduled;
    item.planned_milestones = planned;
    item.milestone_changes = changes;
    item.status_date = status;
    item.vendor_dependency = vd;
    item.last_vendor_check_in_date = check_in;
    item.vendor_dependent_product_name = Some(txt(17)).filter(|s| !s.is_empty());
    item.adjusted_risk_rating = adjusted;
    item.risk_adjustment = ra;
    item.false_positive = fp;
    item.operational_requirement = or;
    item.deviation_rationale = opt_free(23);
    item.supporting_documents = opt_free(24);
    item.comments = opt_free(25);
    item.auto_approve = auto;
    item.kev = kev;
    item.kev_due_date = kev_due;
    item.cves = cves;
    item.service_names = services;
    if closed {
        let reason = if fp == DeviationFlag::Yes { ClosureReason::FalsePositive } else { ClosureReason::Remediated };
        let date = status.or(scheduled).unwrap_or(detected);
        item.closure = Some(Closure { date, reason });
    }
    Some(item)
}

/// The leading characters that make a spreadsheet treat text as a formula or command (OWASP
/// CSV injection): `=`, `+`, `-`, `@`, tab and carriage return.
pub fn is_risky(s: &str) -> bool {
    matches!(s.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// Escapes text for a CSV cell so that no spreadsheet evaluates it: a risky first character gets
/// a leading `'`; text that already starts with quotes followed by a risky character gets one
/// more, so that [`csv_unescape`] gives back exactly the original.
pub fn csv_escape(s: &str) -> Cow<'_, str> {
    if is_risky(s.trim_start_matches('\'')) && (is_risky(s) || s.starts_with('\'')) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Reverses [`csv_escape`].
pub fn csv_unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_risky(rest.trim_start_matches('\'')) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_by_text_not_letter() {
        assert_eq!(column_for_header("POA&M ID"), Some(0));
        assert_eq!(column_for_header(" poam id "), Some(0));
        assert_eq!(column_for_header("Binding Operational Directive 22-01 Due Date"), Some(28));
        assert_eq!(column_for_header("Last Vendor Check-in Date"), Some(16));
        assert_eq!(column_for_header("Extra provider column"), None);
        assert_eq!(
            COLUMNS.iter().map(|c| c.letter).collect::<Vec<_>>().join(""),
            "ABCDEFGHIJKLMNOPQRSTUVWXYZAAABACADAE"
        );
    }

    #[test]
    fn serial_dates() {
        assert_eq!(excel_serial_date(46035.0), NaiveDate::from_ymd_opt(2026, 1, 13));
        assert_eq!(excel_serial_date(1.0), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(excel_serial_date(61.0), NaiveDate::from_ymd_opt(1900, 3, 1));
        assert_eq!(excel_serial_date(-3.0), None);
    }

    #[test]
    fn csv_escaping_round_trips() {
        for s in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", "'=x", "''@x", "'plain", "plain", "", "a=b"] {
            let e = csv_escape(s);
            assert!(!is_risky(&e), "{s:?} -> {e:?}");
            assert_eq!(csv_unescape(&e), s, "{s:?} -> {e:?}");
        }
        assert_eq!(csv_escape("=1+1"), "'=1+1");
        assert_eq!(csv_escape("'plain"), "'plain");
    }

    #[test]
    fn milestone_cells_split_on_numbered_lines() {
        let e = milestone_entries("(1) 2014/05/23: Milestone Description\n\n(2) 2014-06-12: Milestone \nDescription");
        assert_eq!(e, ["(1) 2014/05/23: Milestone Description", "(2) 2014-06-12: Milestone \nDescription"]);
        let e = milestone_entries("(1) 2026-01-01: a\n\nb\n\n\n(2) 2026-02-01: c\n");
        assert_eq!(e, ["(1) 2026-01-01: a\n\nb", "(2) 2026-02-01: c"]);
    }
}
