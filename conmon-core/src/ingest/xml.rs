//! Shared pieces of the streaming XML readers (Nessus, XCCDF): error positions, the entity
//! policy (predefined entities and character references only, never expansion), attribute
//! decoding, and capped text accumulation.

use quick_xml::events::{BytesRef, BytesStart};

use super::nessus::MAX_FIELD_BYTES;
use crate::error::{Error, Location, Result};

/// An error at a byte offset of a file (the line is computed from the offset afterwards).
pub(crate) fn err_at(label: &str, offset: u64, field: Option<&str>, e: Error) -> Error {
    let mut loc = Location::file(label);
    loc.offset = Some(offset);
    loc.field = field.map(str::to_string);
    e.at(loc)
}

/// Turns a quick-xml read error into a parse error at the right offset. quick-xml does not record
/// a position for decoding errors: the event started at `pos`, and the UTF-8 error says how far
/// into it the bytes were valid.
pub(crate) fn read_error(e: &quick_xml::Error, pos: u64, error_position: u64, label: &str) -> Error {
    let at = match e {
        quick_xml::Error::Encoding(quick_xml::encoding::EncodingError::Utf8(u)) => pos + u.valid_up_to() as u64,
        _ => error_position,
    };
    err_at(label, at, None, Error::parse(format!("malformed XML: {e}")))
}

/// Resolves a reference: character references and the five predefined entities. Any other entity
/// is an error: conmon never expands entities, whatever a document type declaration says.
pub(crate) fn resolve_ref(r: &BytesRef<'_>, label: &str, pos: u64) -> Result<String> {
    match r.resolve_char_ref() {
        Ok(Some(ch)) => Ok(ch.to_string()),
        Ok(None) => quick_xml::escape::resolve_predefined_entity(r).map(str::to_string).ok_or_else(|| {
            err_at(
                label,
                pos,
                None,
                Error::parse(format!("undefined entity `&{};` (conmon never expands entities)", &**r)),
            )
        }),
        Err(e) => Err(err_at(label, pos, None, Error::parse(format!("bad character reference `&{};`: {e}", &**r)))),
    }
}

/// A `<` not followed by a name (a stray `<` in text) is reported where it stands.
pub(crate) fn check_name(name: &str, label: &str, pos: u64) -> Result<()> {
    match name.chars().next() {
        Some(c) if c.is_alphabetic() || c == '_' || c == ':' => Ok(()),
        _ => {
            Err(err_at(label, pos, None, Error::parse("stray `<`: not the start of an element (escape it as `&lt;`)")))
        }
    }
}

/// An attribute's decoded value.
pub(crate) fn attr(e: &BytesStart<'_>, key: &str, label: &str, pos: u64) -> Result<Option<String>> {
    match e.try_get_attribute(key) {
        Ok(Some(a)) => a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| err_at(label, pos, Some(key), Error::parse(format!("bad attribute value: {err}")))),
        Ok(None) => Ok(None),
        Err(err) => Err(err_at(label, pos, Some(key), Error::parse(format!("bad attribute: {err}")))),
    }
}

/// Text of one field, capped at [`MAX_FIELD_BYTES`] with a marker when cut.
#[derive(Debug, Default)]
pub(crate) struct TextBuf {
    text: String,
    truncated: bool,
}

impl TextBuf {
    /// Empties the buffer for a new field.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.truncated = false;
    }

    /// Appends, up to the cap.
    pub(crate) fn push(&mut self, s: &str) {
        let room = MAX_FIELD_BYTES.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let mut cut = room;
            while cut > 0 && !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&s[..cut]);
            self.truncated = true;
        }
    }

    /// Takes the text, with the truncation marker when it was cut.
    pub(crate) fn take(&mut self) -> String {
        let mut t = std::mem::take(&mut self.text);
        if self.truncated {
            t.push_str("\n[conmon: truncated at 8 MiB]");
            self.truncated = false;
        }
        t
    }
}

/// The local part of a possibly prefixed name (`cdf:rule-result` → `rule-result`).
pub(crate) fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}
