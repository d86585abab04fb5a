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

/// A `BufRead` that fails at the first NUL byte: XML 1.0 allows it nowhere, and a scanner never
/// writes one, so it marks a corrupted or crafted file. The check is one `memchr` per buffer.
pub(crate) struct NulGuard<R> {
    inner: R,
    /// Bytes consumed so far.
    offset: u64,
    /// Bytes of the current buffer already checked.
    checked: usize,
}

impl<R> NulGuard<R> {
    pub(crate) fn new(inner: R) -> NulGuard<R> {
        NulGuard { inner, offset: 0, checked: 0 }
    }
}

fn nul_error(at: u64) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("NUL byte at byte offset {at} (not allowed in XML)"))
}

impl<R: std::io::BufRead> std::io::Read for NulGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.fill_buf_checked()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl<R: std::io::BufRead> NulGuard<R> {
    // Always inlined, as `fill_buf` below: the fast path peeks at the buffer millions of times,
    // and over a `BufReader<Chain<..>>` (the file's head, then the file) the compiler no longer
    // inlined it on its own (callgrind at 100k findings: 2.5 million calls, 156 M instructions).
    #[inline(always)]
    fn fill_buf_checked(&mut self) -> std::io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        // Most calls find the buffer already checked (callers peek at it many times between
        // refills): no search then, not even an empty one.
        if self.checked != buf.len() {
            let from = self.checked.min(buf.len());
            if let Some(i) = memchr::memchr(0, &buf[from..]) {
                return Err(nul_error(self.offset + (from + i) as u64));
            }
            self.checked = buf.len();
        }
        Ok(buf)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for NulGuard<R> {
    #[inline(always)]
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.fill_buf_checked()
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.offset += amt as u64;
        self.checked = self.checked.saturating_sub(amt);
    }
}

/// Turns a quick-xml read error into a parse error at the right offset. quick-xml does not record
/// a position for decoding errors: the event started at `pos`, and the UTF-8 error says how far
/// into it the bytes were valid.
pub(crate) fn read_error(e: &quick_xml::Error, pos: u64, error_position: u64, label: &str) -> Error {
    let at = match e {
        quick_xml::Error::Encoding(quick_xml::encoding::EncodingError::Utf8(u)) => pos + u.valid_up_to() as u64,
        quick_xml::Error::Io(io) => nul_offset(io).unwrap_or(error_position),
        _ => error_position,
    };
    err_at(label, at, None, Error::parse(format!("malformed XML: {e}")))
}

/// The offset named by a [`NulGuard`] error.
fn nul_offset(e: &std::io::Error) -> Option<u64> {
    let text = e.to_string();
    let rest = text.strip_prefix("NUL byte at byte offset ")?;
    rest.split_whitespace().next()?.parse().ok()
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

    /// Bytes that can still be kept.
    pub(crate) fn room(&self) -> usize {
        MAX_FIELD_BYTES.saturating_sub(self.text.len())
    }

    /// Appends with `\r\n` (and a lone `\r`) turned into `\n`, as XML parsers do.
    pub(crate) fn push_normalised(&mut self, s: &str) {
        if memchr::memchr(b'\r', s.as_bytes()).is_some() {
            self.push(&s.replace("\r\n", "\n").replace('\r', "\n"));
        } else {
            self.push(s);
        }
    }

    /// Records that text was cut before reaching the buffer.
    pub(crate) fn mark_truncated(&mut self) {
        self.truncated = true;
    }

    /// Takes the text, with the truncation marker when it was cut.
    /// The text without copying it, when it was not cut (a cut text needs its marker: use
    /// [`TextBuf::take`]).
    pub(crate) fn borrow(&self) -> Option<&str> {
        (!self.truncated).then(|| self.text.trim_end())
    }

    pub(crate) fn take(&mut self) -> String {
        // One exact-size allocation; the buffer keeps its capacity for the next field, so long
        // fields do not regrow a fresh string by doubling every time.
        let mut t = String::from(self.text.trim_end());
        self.text.clear();
        if self.truncated {
            t.push_str("\n[conmon: truncated at 8 MiB]");
            self.truncated = false;
        }
        t
    }
}

/// Reads the character data that follows a start tag straight from the byte stream, up to (not
/// including) the next element tag, into `out`: plain text (references resolved as in
/// [`resolve_ref`], an undefined entity is an error) and CDATA sections (taken as they are).
/// At most [`MAX_FIELD_BYTES`] are kept; the rest streams past and is discarded, so a gigabyte of
/// plugin output costs no more memory than 8 MiB (quick-xml would buffer a whole text event).
/// `\r\n` becomes `\n`. Returns the bytes consumed; `pos` is the offset of the first of them.
pub(crate) fn read_text_raw<R: std::io::BufRead>(r: &mut R, out: &mut TextBuf, label: &str, pos: u64) -> Result<u64> {
    let io = |e: std::io::Error| err_at(label, pos, None, Error::parse(format!("read failed: {e}")));
    let mut total = 0u64;
    loop {
        // Plain text up to the next `<`. Fast path: all of it is already in the buffer.
        let start = pos + total;
        let buf = r.fill_buf().map_err(io)?;
        let whole = memchr::memchr(b'<', buf).filter(|&i| i <= out.room());
        let cut = if let Some(i) = whole {
            if i > 0 {
                push_text(&buf[..i], out, label, start)?;
            }
            r.consume(i);
            total += i as u64;
            false
        } else {
            let mut raw: Vec<u8> = Vec::new();
            let mut cut = false;
            loop {
                let buf = r.fill_buf().map_err(io)?;
                if buf.is_empty() {
                    break;
                }
                let (n, done) = match memchr::memchr(b'<', buf) {
                    Some(i) => (i, true),
                    None => (buf.len(), false),
                };
                capture(&mut raw, &buf[..n], out.room(), &mut cut);
                r.consume(n);
                total += n as u64;
                if done {
                    break;
                }
            }
            if cut {
                trim_cut(&mut raw, true);
            }
            push_text(&raw, out, label, start)?;
            cut
        };
        if cut {
            out.mark_truncated();
        }
        // A CDATA section next? (When its opening straddles a buffer refill, quick-xml reads it.)
        let buf = r.fill_buf().map_err(io)?;
        if !buf.starts_with(b"<![CDATA[") {
            return Ok(total);
        }
        r.consume(9);
        total += 9;
        let start = pos + total;
        let mut raw: Vec<u8> = Vec::new();
        let mut cut = false;
        let n = cdata_raw(r, &mut raw, out.room(), &mut cut).map_err(io)?.ok_or_else(|| {
            err_at(
                label,
                start,
                None,
                Error::parse("unexpected end of file inside a CDATA section: the file is truncated"),
            )
        })?;
        total += n;
        if cut {
            trim_cut(&mut raw, false);
        }
        out.push_normalised(utf8(&raw, label, start)?);
        if cut {
            out.mark_truncated();
        }
    }
}

/// Decodes text as written (UTF-8 check, references, line ends) into `out`.
fn push_text(raw: &[u8], out: &mut TextBuf, label: &str, start: u64) -> Result<()> {
    let text = utf8(raw, label, start)?;
    // Most text has neither a reference nor a carriage return: one search for both, then a copy.
    if memchr::memchr2(b'&', b'\r', raw).is_none() {
        out.push(text);
        return Ok(());
    }
    let unescaped = quick_xml::escape::unescape(text).map_err(|e| {
        let msg = match &e {
            quick_xml::escape::EscapeError::UnrecognizedEntity(_, name) => {
                format!("undefined entity `&{name};` (conmon never expands entities)")
            }
            other => format!("bad reference: {other}"),
        };
        err_at(label, start, None, Error::parse(msg))
    })?;
    out.push_normalised(&unescaped);
    Ok(())
}

fn capture(raw: &mut Vec<u8>, bytes: &[u8], room: usize, cut: &mut bool) {
    let left = room.saturating_sub(raw.len());
    if bytes.len() <= left {
        raw.extend_from_slice(bytes);
    } else {
        raw.extend_from_slice(&bytes[..left]);
        *cut = true;
    }
}

/// Drops half a UTF-8 sequence (and, for text, half a reference) left at a cut.
fn trim_cut(raw: &mut Vec<u8>, references: bool) {
    while raw.last().is_some_and(|b| b & 0xC0 == 0x80) {
        raw.pop();
    }
    if raw.last().is_some_and(|b| *b >= 0xC0) {
        raw.pop();
    }
    if references
        && let Some(amp) = memchr::memrchr(b'&', raw)
        && !raw[amp..].contains(&b';')
    {
        raw.truncate(amp);
    }
}

fn utf8<'a>(raw: &'a [u8], label: &str, start: u64) -> Result<&'a str> {
    if let Some(text) = as_str(raw) {
        return Ok(text);
    }
    std::str::from_utf8(raw).map_err(|e| {
        err_at(label, start + e.valid_up_to() as u64, None, Error::parse(format!("malformed XML: invalid UTF-8: {e}")))
    })
}

/// `bytes` as text when they are valid UTF-8, by simdutf8's check (vector instructions chosen at
/// run time; it hands text under 64 bytes to std's). On the generated 100k-finding scan the
/// checks of field text fell from 132 M to 116 M instructions (callgrind): most fields are short.
/// On failure callers ask std for where it fails.
pub(crate) fn as_str(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// Reads CDATA content through its `]]>` (which may straddle buffer refills), capturing up to
/// `room` bytes. Returns the bytes consumed, or `None` at end of input.
fn cdata_raw<R: std::io::BufRead>(
    r: &mut R,
    raw: &mut Vec<u8>,
    room: usize,
    cut: &mut bool,
) -> std::io::Result<Option<u64>> {
    const END: &[u8] = b"]]>";
    let mut total = 0u64;
    // Consumed bytes that may be the start of `]]>` (at most two).
    let mut pending: Vec<u8> = Vec::with_capacity(4);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if !pending.is_empty() {
            let mut joined = pending.clone();
            joined.extend_from_slice(&buf[..buf.len().min(2)]);
            if let Some(i) = memchr::memmem::find(&joined, END)
                && i < pending.len()
            {
                capture(raw, &pending[..i], room, cut);
                let n = i + END.len() - pending.len();
                r.consume(n);
                return Ok(Some(total + n as u64));
            }
            capture(raw, &pending, room, cut);
            pending.clear();
        }
        if let Some(i) = memchr::memmem::find(buf, END) {
            capture(raw, &buf[..i], room, cut);
            r.consume(i + END.len());
            return Ok(Some(total + (i + END.len()) as u64));
        }
        let n = buf.len();
        let keep = n.min(2);
        capture(raw, &buf[..n - keep], room, cut);
        pending.extend_from_slice(&buf[n - keep..]);
        r.consume(n);
        total += n as u64;
    }
}

/// The local part of a possibly prefixed name (`cdf:rule-result` → `rule-result`).
pub(crate) fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;

    #[test]
    fn text_and_cdata_split_across_any_buffer_boundary() {
        let doc = b"a &amp; b<![CDATA[x ]] <y> ]]]>tail &lt;3<end/>rest";
        for cap in 1..=doc.len() {
            let mut r = BufReader::with_capacity(cap, &doc[..]);
            let mut out = TextBuf::default();
            let n = read_text_raw(&mut r, &mut out, "t", 0);
            assert!(n.is_ok(), "capacity {cap}");
            let mut rest = String::new();
            let _ = r.read_to_string(&mut rest);
            let text = out.take();
            if rest.starts_with("<![CDATA[") {
                // The CDATA opening straddled a refill: quick-xml reads it from there.
                assert_eq!(text, "a & b", "capacity {cap}");
                continue;
            }
            assert_eq!(text, "a & bx ]] <y> ]tail <3", "capacity {cap}");
            assert_eq!(rest, "<end/>rest", "capacity {cap}");
        }
    }

    #[test]
    fn undefined_entities_and_bad_utf8_are_errors() {
        let mut out = TextBuf::default();
        let e = read_text_raw(&mut &b"x &boom; y<"[..], &mut out, "t", 100).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("undefined entity `&boom;`")));
        let e = read_text_raw(&mut &b"ok \xff<"[..], &mut out, "t", 100).err();
        assert!(e.is_some_and(|e| e.location().offset == Some(103)));
    }
}
