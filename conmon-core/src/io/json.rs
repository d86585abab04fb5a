//! JSON import and export of POA&M items and whole POA&Ms, in the documented shape.
//!
//! Errors name the file, line, column and the JSON path of the bad field
//! (`[2].original_detection_date`).

use serde::de::DeserializeOwned;

use crate::error::{Error, Location, Result};
use crate::model::{Poam, PoamItem};

/// Deserialises any documented JSON shape (deviation register, history, ...) with errors that
/// name the file, line, column and JSON path of the bad field.
///
/// # Errors
/// The text is not JSON of the expected shape.
pub fn from_str_located<T: DeserializeOwned>(text: &str, file: &str) -> Result<T> {
    de(text, file)
}

/// Deserialises with the JSON path of any failing field (serde_json limits nesting to 128).
fn de<T: DeserializeOwned>(text: &str, file: &str) -> Result<T> {
    let mut d = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut d).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut err = crate::error::from_json_error(&inner, file);
        // chrono and other value parsers do not repeat the value ("input is out of range"):
        // quote the string that ends where the error is.
        if inner.classify() == serde_json::error::Category::Data
            && let Some(value) = string_before(text, inner.line(), inner.column())
            && !err.message().contains(value)
        {
            let loc = err.location().clone();
            err = Error::invalid(format!("`{value}`: {}", err.message())).at(loc);
        }
        if path != "." && !path.is_empty() {
            let mut loc: Location = err.location().clone();
            loc.field = Some(path);
            err = err.at(loc);
        }
        err
    })?;
    d.end().map_err(|e| crate::error::from_json_error(&e, file))?;
    Ok(value)
}

/// The JSON string literal that ends just before `column` (1-based) of `line`, if any.
fn string_before(text: &str, line: usize, column: usize) -> Option<&str> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let prefix = l.get(..column.min(l.len()))?;
    let close = prefix.rfind('"')?;
    let open = prefix[..close].rfind('"')?;
    let value = &prefix[open + 1..close];
    (!value.is_empty() && value.len() <= 64 && !value.contains('\\')).then_some(value)
}

/// Reads POA&M items from JSON. Accepts an array of items, a single item, an object with an
/// `items` array, or a whole POA&M (`{header, open, closed, configuration_findings}`), whose
/// items are returned open first.
///
/// # Example
/// ```
/// let items = conmon_core::io::json::read_items(
///     r#"[{"poam_id":"V-1","original_detection_date":"2026-01-10","original_risk_rating":"high"}]"#,
///     "items.json",
/// ).unwrap();
/// assert_eq!(items[0].poam_id, "V-1");
/// ```
pub fn read_items(text: &str, file: &str) -> Result<Vec<PoamItem>> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(Error::parse("the document is empty; expected POA&M items as JSON").at(Location::file(file)));
    }
    if trimmed.starts_with('[') {
        return checked(de::<Vec<PoamItem>>(text, file)?, file);
    }
    // Decide the shape from the top-level keys, then parse once more with full locations.
    let probe: serde_json::Value = de(text, file)?;
    let Some(obj) = probe.as_object() else {
        return Err(Error::parse("expected a JSON array or object of POA&M items").at(Location::file(file)));
    };
    if obj.contains_key("poam_id") {
        return checked(vec![de::<PoamItem>(text, file)?], file);
    }
    if obj.contains_key("items") {
        #[derive(serde::Deserialize)]
        struct Items {
            items: Vec<PoamItem>,
        }
        return checked(de::<Items>(text, file)?.items, file);
    }
    if ["open", "closed", "configuration_findings", "header"].iter().any(|k| obj.contains_key(*k)) {
        let poam = read_poam(text, file)?;
        return Ok(poam.items().cloned().collect());
    }
    Err(Error::parse(
        "expected an array of items, an item (with `poam_id`), `{\"items\": [...]}` or a POA&M (`open`, `closed`)",
    )
    .at(Location::file(file)))
}

/// Reads a whole POA&M from JSON.
pub fn read_poam(text: &str, file: &str) -> Result<Poam> {
    if text.trim().is_empty() {
        return Err(Error::parse("the document is empty; expected a POA&M as JSON").at(Location::file(file)));
    }
    let poam = de::<Poam>(text, file)?;
    poam.check_dates().map_err(|e| e.in_file(file))?;
    Ok(poam)
}

/// Items whose dates are all within [`crate::model::check_date`]'s range.
fn checked(items: Vec<PoamItem>, file: &str) -> Result<Vec<PoamItem>> {
    for item in &items {
        item.check_dates().map_err(|e| e.in_file(file))?;
    }
    Ok(items)
}

/// Writes a whole POA&M as indented JSON (stable field order).
pub fn write_poam(poam: &Poam) -> Result<String> {
    serde_json::to_string_pretty(poam).map_err(|e| Error::invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_date_names_path_and_line() {
        let text = "[\n {\"poam_id\":\"V-1\",\"original_detection_date\":\"2026-01-10\",\"original_risk_rating\":\"high\"},\n {\"poam_id\":\"V-2\",\n  \"original_detection_date\":\"2026-02-30\",\"original_risk_rating\":\"high\"}\n]";
        let e = read_items(text, "items.json").unwrap_err();
        assert_eq!(e.code(), "invalid_value");
        assert_eq!(e.location().field.as_deref(), Some("[1].original_detection_date"));
        assert_eq!(e.location().line, Some(4));
        assert_eq!(e.location().file.as_deref(), Some("items.json"));
    }

    #[test]
    fn missing_and_unknown_shapes() {
        let e = read_items(r#"[{"poam_id":"V-1"}]"#, "x.json").unwrap_err();
        assert!(e.to_string().contains("original_detection_date"), "{e}");
        assert_eq!(read_items("", "x.json").unwrap_err().code(), "parse_error");
        assert_eq!(read_items("null", "x.json").unwrap_err().code(), "parse_error");
        assert_eq!(read_items("{\"a\":1}", "x.json").unwrap_err().code(), "parse_error");
        assert_eq!(read_items("[{", "x.json").unwrap_err().code(), "parse_error");
        let e = read_items(
            r#"[{"poam_id":"V-1","original_detection_date":"2026-01-10","original_risk_rating":"critical"}]"#,
            "x.json",
        )
        .unwrap_err();
        assert_eq!(e.location().field.as_deref(), Some("[0].original_risk_rating"));
    }

    #[test]
    fn poam_round_trip_and_shapes() {
        let item = r#"{"poam_id":"V-1","original_detection_date":"2026-01-10","original_risk_rating":"low"}"#;
        let poam_text = format!(r#"{{"header":{{"csp":"Acme"}},"open":[{item}],"closed":[]}}"#);
        let poam = read_poam(&poam_text, "p.json").unwrap();
        let back = read_poam(&write_poam(&poam).unwrap(), "p.json").unwrap();
        assert_eq!(back, poam);
        assert_eq!(read_items(&poam_text, "p.json").unwrap().len(), 1);
        assert_eq!(read_items(item, "p.json").unwrap().len(), 1);
        assert_eq!(read_items(&format!(r#"{{"items":[{item},{item}]}}"#), "p.json").unwrap().len(), 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        assert_eq!(read_items(&text, "deep.json").unwrap_err().code(), "invalid_value");
        let text = "{\"a\":".repeat(100_000);
        let e = read_items(&text, "deep.json").unwrap_err();
        assert_eq!(e.code(), "parse_error");
        assert!(e.message().contains("recursion limit"), "{e}");
    }
}
