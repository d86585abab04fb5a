//! The one error type of the engine.
//!
//! An [`Error`] has a kind ([`ErrorKind`]), a stable snake_case [`Error::code`] that bindings
//! expose unchanged (`.code` in Python, `err.code` in Node), and a [`Location`] when the problem
//! is in an input: the file, the line (text formats) or row (spreadsheets, CSV), the column and
//! the field. Its `Display` reads like
//! `parse error: scan.nessus line 812, field `plugin_id`: expected an integer`.

use std::fmt;
use std::path::Path;

/// `Result` with the engine's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem is. Every part is optional; only what is known is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Location {
    /// The file (as given by the caller), or a label such as `<stdin>`.
    pub file: Option<String>,
    /// Worksheet name, for workbooks.
    pub sheet: Option<String>,
    /// 1-based line in a text file.
    pub line: Option<u64>,
    /// 1-based row in a spreadsheet or CSV file (the header is row 1 in CSV).
    pub row: Option<u64>,
    /// 1-based column (character column in text, column number in spreadsheets).
    pub column: Option<u64>,
    /// The field, key or JSON path concerned (e.g. `items[3].original_detection_date`).
    pub field: Option<String>,
    /// 0-based byte offset in the input, for streamed text formats.
    pub offset: Option<u64>,
}

impl Location {
    /// A location in `file`.
    pub fn file(file: impl Into<String>) -> Self {
        Location { file: Some(file.into()), ..Location::default() }
    }
    /// A location that names only a field or key.
    pub fn field(field: impl Into<String>) -> Self {
        Location { field: Some(field.into()), ..Location::default() }
    }
    /// Sets the line.
    #[must_use]
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// Sets the row.
    #[must_use]
    pub fn with_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }
    /// Sets the column.
    #[must_use]
    pub fn with_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }
    /// Sets the field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(sheet) = &self.sheet {
            parts.push(format!("sheet `{sheet}`"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        if self.line.is_none()
            && let Some(offset) = self.offset
        {
            parts.push(format!("byte {offset}"));
        }
        let mut s = parts.join(" ");
        if let Some(field) = &self.field {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(&format!("field `{field}`"));
        }
        f.write_str(&s)
    }
}

/// What went wrong. New kinds may be added; match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    #[error("I/O error: {source}")]
    Io {
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not well-formed in its format (JSON, TOML, XML, CSV, xlsx).
    #[error("parse error: {message}")]
    Parse {
        /// What the parser found.
        message: String,
    },
    /// A field is present but its value is not allowed (bad date, unknown rating, out of range).
    #[error("invalid value: {message}")]
    InvalidValue {
        /// What is wrong with the value.
        message: String,
    },
    /// A required field is missing.
    #[error("missing field: {message}")]
    MissingField {
        /// Which field, and why it is needed.
        message: String,
    },
    /// A policy or configuration file is wrong (unknown key, unknown preset, bad value).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// The input's format was not recognised or is not supported.
    #[error("unsupported format: {message}")]
    UnsupportedFormat {
        /// What was seen.
        message: String,
    },
    /// An input exceeded a safety limit (size, nesting, count).
    #[error("limit exceeded: {message}")]
    LimitExceeded {
        /// Which limit.
        message: String,
    },
}

impl ErrorKind {
    /// The stable machine-readable code of this kind. Never renamed once released.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Io { .. } => "io_error",
            ErrorKind::Parse { .. } => "parse_error",
            ErrorKind::InvalidValue { .. } => "invalid_value",
            ErrorKind::MissingField { .. } => "missing_field",
            ErrorKind::Config { .. } => "config_error",
            ErrorKind::UnsupportedFormat { .. } => "unsupported_format",
            ErrorKind::LimitExceeded { .. } => "limit_exceeded",
        }
    }
}

/// Every stable error code, for documentation and for bindings that map codes to classes.
pub const ERROR_CODES: &[&str] = &[
    "io_error",
    "parse_error",
    "invalid_value",
    "missing_field",
    "config_error",
    "unsupported_format",
    "limit_exceeded",
];

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    location: Location,
}

/// The engine's error: a kind, a stable code and a location.
pub struct Error(Box<Inner>);

impl Error {
    /// An error of `kind` with no location yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner { kind, location: Location::default() }))
    }
    /// Attaches a location (replacing any).
    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.0.location = location;
        self
    }
    /// Fills the file name when the location has none.
    #[must_use]
    pub fn in_file(mut self, file: &str) -> Self {
        if self.0.location.file.is_none() {
            self.0.location.file = Some(file.to_string());
        }
        self
    }
    /// A parse error.
    pub fn parse(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Parse { message: message.into() })
    }
    /// An invalid-value error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidValue { message: message.into() })
    }
    /// A missing-field error.
    pub fn missing(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::MissingField { message: message.into() })
    }
    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config { message: message.into() })
    }
    /// An unsupported-format error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::UnsupportedFormat { message: message.into() })
    }
    /// A limit-exceeded error.
    pub fn limit(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::LimitExceeded { message: message.into() })
    }
    /// An I/O error on `path`.
    pub fn io(source: std::io::Error, path: &Path) -> Self {
        Error::new(ErrorKind::Io { source }).at(Location::file(path.display().to_string()))
    }
    /// The kind.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
    /// The stable machine-readable code (see [`ERROR_CODES`]).
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }
    /// Where the problem is (empty when not tied to an input).
    pub fn location(&self) -> &Location {
        &self.0.location
    }
    /// The message without the kind prefix and the location.
    pub fn message(&self) -> String {
        match &self.0.kind {
            ErrorKind::Io { source } => source.to_string(),
            ErrorKind::Parse { message }
            | ErrorKind::InvalidValue { message }
            | ErrorKind::MissingField { message }
            | ErrorKind::Config { message }
            | ErrorKind::UnsupportedFormat { message }
            | ErrorKind::LimitExceeded { message } => message.clone(),
        }
    }
    /// A JSON-friendly description: `{code, message, location}`.
    pub fn to_report(&self) -> ErrorReport {
        ErrorReport { code: self.code().to_string(), message: self.message(), location: self.location().clone() }
    }
}

/// A serialisable form of an [`Error`], as the CLI prints it with `--format json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ErrorReport {
    /// Stable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Where.
    pub location: Location,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code())
            .field("kind", &self.0.kind)
            .field("location", &self.0.location)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match &self.0.kind {
            ErrorKind::Io { .. } => "I/O error",
            ErrorKind::Parse { .. } => "parse error",
            ErrorKind::InvalidValue { .. } => "invalid value",
            ErrorKind::MissingField { .. } => "missing field",
            ErrorKind::Config { .. } => "configuration error",
            ErrorKind::UnsupportedFormat { .. } => "unsupported format",
            ErrorKind::LimitExceeded { .. } => "limit exceeded",
        };
        if self.0.location.is_empty() {
            write!(f, "{prefix}: {}", self.message())
        } else {
            write!(f, "{prefix}: {}: {}", self.0.location, self.message())
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io { source } => Some(source),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

/// Converts a serde_json error (with its line and column) into a parse or value error.
pub(crate) fn from_json_error(e: &serde_json::Error, file: &str) -> Error {
    let loc = Location::file(file).with_line(e.line() as u64).with_column(e.column() as u64);
    let msg = strip_json_position(&e.to_string());
    match e.classify() {
        serde_json::error::Category::Data => Error::invalid(msg).at(loc),
        serde_json::error::Category::Io => Error::parse(msg).at(loc),
        _ => Error::parse(msg).at(loc),
    }
}

/// serde_json appends " at line L column C"; the location already says that.
fn strip_json_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let e = Error::parse("expected an integer")
            .at(Location::file("scan.nessus").with_line(812).with_field("plugin_id"));
        assert_eq!(e.to_string(), "parse error: scan.nessus line 812, field `plugin_id`: expected an integer");
        assert_eq!(e.code(), "parse_error");
        assert_eq!(e.location().line, Some(812));
    }

    #[test]
    fn display_without_location() {
        let e = Error::config("unknown preset `x`");
        assert_eq!(e.to_string(), "configuration error: unknown preset `x`");
    }

    #[test]
    fn every_kind_has_a_listed_code() {
        let kinds = [
            ErrorKind::Io { source: std::io::Error::other("x") },
            ErrorKind::Parse { message: String::new() },
            ErrorKind::InvalidValue { message: String::new() },
            ErrorKind::MissingField { message: String::new() },
            ErrorKind::Config { message: String::new() },
            ErrorKind::UnsupportedFormat { message: String::new() },
            ErrorKind::LimitExceeded { message: String::new() },
        ];
        let codes: Vec<&str> = kinds.iter().map(ErrorKind::code).collect();
        assert_eq!(codes, ERROR_CODES);
    }
}
