//! The time zone in which an instant becomes a calendar date (policy option `time_zone`).
//!
//! Rev5 clocks count calendar days from a detection *date* (C1), but scanners record detection
//! as an *instant*: an epoch (Nessus `HOST_END_TIMESTAMP`) or a time with an offset (Inspector2,
//! Tenable.sc, XCCDF). Which date an instant falls on depends on the zone: a scan that ended at
//! 21:00 in New York on 9 February is 02:00 UTC on 10 February. [`Zone`] settles it, once, for
//! every date the engine derives from an instant (detection dates, scan dates).
//!
//! Times that a scanner wrote *without* a zone (Nessus `HOST_START` text, an XCCDF
//! `end-time` with no offset) are wall-clock times already: their date is the one written,
//! whatever the zone. Readers mark them (`zoneless_times` on a finding or a host) and
//! [`Zone::date_of`] leaves them alone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time zone: UTC, a fixed offset (`-05:00`) or an IANA name (`America/New_York`, with its
/// daylight-saving rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// Coordinated Universal Time (the default).
    #[default]
    Utc,
    /// A fixed offset from UTC, with no daylight saving.
    Fixed(FixedOffset),
    /// A zone of the IANA time zone database.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// The calendar date of `t` in this zone; a zone-less wall-clock time (stored as if UTC)
    /// keeps the date it was written with.
    pub fn date_of(&self, t: DateTime<Utc>, zoneless: bool) -> NaiveDate {
        if zoneless {
            return t.date_naive();
        }
        match self {
            Zone::Utc => t.date_naive(),
            Zone::Fixed(o) => t.with_timezone(o).date_naive(),
            Zone::Named(z) => t.with_timezone(z).date_naive(),
        }
    }
}

impl FromStr for Zone {
    type Err = String;

    /// `UTC` or `Z`; `+HH:MM` / `-HH:MM` (also `UTC-05:00`); or an IANA name.
    fn from_str(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") {
            return Ok(Zone::Utc);
        }
        let offset = t.strip_prefix("UTC").or_else(|| t.strip_prefix("utc")).unwrap_or(t);
        if let Some(sign) = offset.chars().next().filter(|c| *c == '+' || *c == '-') {
            return fixed(&offset[1..], sign == '-').ok_or_else(|| {
                format!("`{s}` is not an offset from UTC (expected e.g. `-05:00` or `+05:30`, at most 23:59)")
            });
        }
        t.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
            format!("`{s}` is not a time zone (expected `UTC`, an offset such as `-05:00`, or an IANA name such as `America/New_York`)")
        })
    }
}

fn fixed(hhmm: &str, negative: bool) -> Option<Zone> {
    let (h, m) = hhmm.split_once(':').unwrap_or((hhmm, "00"));
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    let secs = (h * 3600 + m * 60) * if negative { -1 } else { 1 };
    if secs == 0 {
        return Some(Zone::Utc);
    }
    FixedOffset::east_opt(secs).map(Zone::Fixed)
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Fixed(o) => write!(f, "{o}"),
            Zone::Named(z) => f.write_str(z.name()),
        }
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Zone {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Zone".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`UTC`, an offset from UTC such as `-05:00`, or an IANA time zone name such as `America/New_York`.",
            "examples": ["UTC", "America/New_York", "-05:00"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn parses_utc_offsets_and_iana_names() {
        assert_eq!("UTC".parse::<Zone>(), Ok(Zone::Utc));
        assert_eq!(" z ".trim().parse::<Zone>(), Ok(Zone::Utc));
        assert_eq!("+00:00".parse::<Zone>(), Ok(Zone::Utc));
        assert_eq!("-05:00".parse::<Zone>().ok(), FixedOffset::west_opt(5 * 3600).map(Zone::Fixed));
        assert_eq!("UTC+05:30".parse::<Zone>().map(|z| z.to_string()), Ok("+05:30".to_string()));
        assert_eq!("America/New_York".parse::<Zone>(), Ok(Zone::Named(chrono_tz::America::New_York)));
        for bad in ["", "EST5", "America/Nowhere", "+24:00", "-5", "+05:60", "+0a:00", "+"] {
            assert!(bad.parse::<Zone>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_evening_scan_in_new_york_is_dated_that_evening() {
        // 2026-02-10T02:00Z is 21:00 EST on 9 February (UTC-5 in winter).
        let t = at(2026, 2, 10, 2, 0);
        assert_eq!(Zone::Utc.date_of(t, false), date(2026, 2, 10));
        let ny: Zone = "America/New_York".parse().unwrap_or_default();
        assert_eq!(ny.date_of(t, false), date(2026, 2, 9));
        // In summer New York is UTC-4: 03:59Z on 10 July is 23:59 on 9 July, 04:00Z is midnight.
        assert_eq!(ny.date_of(at(2026, 7, 10, 3, 59), false), date(2026, 7, 9));
        assert_eq!(ny.date_of(at(2026, 7, 10, 4, 0), false), date(2026, 7, 10));
        // A fixed -05:00 does not follow daylight saving: 04:00Z on 10 July is 23:00 on 9 July.
        let fixed: Zone = "-05:00".parse().unwrap_or_default();
        assert_eq!(fixed.date_of(at(2026, 7, 10, 4, 0), false), date(2026, 7, 9));
        // East of UTC the date moves forward: 20:00Z on 9 February is 01:30 on the 10th in India.
        let india: Zone = "Asia/Kolkata".parse().unwrap_or_default();
        assert_eq!(india.date_of(at(2026, 2, 9, 20, 0), false), date(2026, 2, 10));
    }

    #[test]
    fn a_zoneless_time_keeps_the_date_it_was_written_with() {
        let ny: Zone = "America/New_York".parse().unwrap_or_default();
        assert_eq!(ny.date_of(at(2026, 2, 10, 2, 0), true), date(2026, 2, 10));
    }

    #[test]
    fn serialises_as_its_name() {
        let ny: Zone = "America/New_York".parse().unwrap_or_default();
        assert_eq!(serde_json::to_string(&ny).ok().as_deref(), Some("\"America/New_York\""));
        assert_eq!(serde_json::from_str::<Zone>("\"-05:00\"").map(|z| z.to_string()).ok().as_deref(), Some("-05:00"));
        let err = serde_json::from_str::<Zone>("\"Mars/Olympus\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("`Mars/Olympus` is not a time zone"), "{err}");
    }
}
