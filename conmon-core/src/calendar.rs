//! The ConMon calendar (fedramp-rules.md R6.8, R6.9, R6.10, R7.2, R8.1): the monthly due date
//! from the agreed day of month, whether a package was on time, the earliest compliant monthly
//! meeting, annual assessment milestones from the authorization date, and significant-change
//! notice deadlines.
//!
//! All dates are civil dates (no time zone): a package uploaded any time on the due date is on
//! time; the meeting may be held on the seventh day after the upload, not before.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;

/// Days between the upload of the monthly package and the earliest meeting (R6.9).
pub const MEETING_DELAY_DAYS: u64 = 7;
/// Days of notice before a planned significant change (R7.2, R8.1).
pub const CHANGE_NOTICE_DAYS: u64 = 30;
/// The annual SAP is late when delivered less than this many days before the ATO anniversary.
pub const SAP_LEAD_DAYS: u64 = 60;

/// The due date of the package of the month of `month_of`: the agreed day, or the month's last
/// day when the month is shorter (day 31 in April → April 30).
pub fn due_date(day_of_month: u8, month_of: NaiveDate) -> NaiveDate {
    let first = month_of.with_day(1).unwrap_or(month_of);
    let last = first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(month_of);
    let day = u32::from(day_of_month.clamp(1, 31)).min(last.day());
    first.with_day(day).unwrap_or(last)
}

/// The earliest compliant meeting date: one week after the upload (R6.9).
pub fn earliest_meeting(uploaded: NaiveDate) -> NaiveDate {
    uploaded + Days::new(MEETING_DELAY_DAYS)
}

/// The last day to notify a planned significant change (30 days before it, R7.2).
pub fn change_notice_deadline(planned_change: NaiveDate) -> NaiveDate {
    planned_change - Days::new(CHANGE_NOTICE_DAYS)
}

/// Annual assessment milestones for the year containing `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AnnualMilestones {
    /// The next ATO anniversary on or after the as-of date.
    pub ato_anniversary: NaiveDate,
    /// The SAP is late after this date (60 days before the anniversary, R7.2).
    pub sap_due: NaiveDate,
    /// The annual assessment package is late after the anniversary (R7.2).
    pub package_due: NaiveDate,
    /// Days from the as-of date to the anniversary.
    pub days_to_anniversary: i64,
}

/// The next anniversary of `ato` on or after `as_of` (29 February falls on 28 February).
pub fn next_anniversary(ato: NaiveDate, as_of: NaiveDate) -> NaiveDate {
    let mut years = as_of.year() - ato.year();
    loop {
        let y = ato.year() + years;
        let d = NaiveDate::from_ymd_opt(y, ato.month(), ato.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, ato.month(), 28))
            .unwrap_or(as_of);
        if d >= as_of || years > 200 {
            return d;
        }
        years += 1;
    }
}

/// This month's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MonthlyCalendar {
    /// The POA&M date, taken as the upload date of the package.
    pub uploaded: NaiveDate,
    /// The package's due date (`deliverable_day_of_month`), when agreed.
    pub due_date: Option<NaiveDate>,
    /// On time (uploaded on or before the due date), when a due date is agreed.
    pub on_time: Option<bool>,
    /// The earliest compliant monthly meeting.
    pub earliest_meeting: NaiveDate,
    /// Next month's due date, when agreed.
    pub next_due_date: Option<NaiveDate>,
    /// Annual assessment milestones, when the authorization date is known.
    pub annual: Option<AnnualMilestones>,
    /// Notice deadlines of the significant changes given to the monthly job.
    #[serde(default)]
    pub change_notices: Vec<ChangeNotice>,
}

/// The notice deadline of one significant change (R7.2, R8.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeNotice {
    /// The change's identifier (`id`, else its position).
    pub id: String,
    /// Its title, when given.
    pub title: Option<String>,
    /// Its type (`Adaptive`, `Transformative`, `Emergency`, ...), when given.
    pub kind: Option<String>,
    /// Planned (or, for an emergency change, performed) date.
    pub planned_date: NaiveDate,
    /// Last day to notify: 30 days before a planned change; 5 days after an emergency change.
    pub notice_deadline: NaiveDate,
    /// When the AO was notified, when given.
    pub notified: Option<NaiveDate>,
    /// Notified by the deadline; `false` also when the deadline passed without a notification;
    /// `None` while the deadline is still ahead and no notification is recorded.
    pub sufficient: Option<bool>,
}

fn field_date(obj: &serde_json::Map<String, serde_json::Value>, keys: &[&str]) -> Option<NaiveDate> {
    keys.iter().find_map(|k| obj.get(*k)?.as_str()?.get(..10)?.parse().ok())
}

/// Notice deadlines of significant changes given as JSON objects with `planned_date` (or
/// `planned_change_date`, `change_date`), optional `notified_date` (or `notified`,
/// `submitted`, `notification_date`), `type` and `title`. Routine recurring changes need no
/// notice (R8.1) and are left out; an emergency change must be notified within 5 days after it.
pub fn change_notices(changes: &serde_json::Value, as_of: NaiveDate) -> Vec<ChangeNotice> {
    let Some(list) = changes.as_array() else { return Vec::new() };
    let mut out = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let Some(obj) = c.as_object() else { continue };
        let Some(planned) = field_date(obj, &["planned_date", "planned_change_date", "change_date"]) else { continue };
        let kind = obj.get("type").and_then(|v| v.as_str()).map(str::to_string);
        let k = kind.as_deref().unwrap_or("").to_ascii_lowercase();
        if k.contains("routine") {
            continue;
        }
        let deadline = if k.contains("emergency") { planned + Days::new(5) } else { change_notice_deadline(planned) };
        let notified = field_date(obj, &["notified_date", "notified", "notification_date", "submitted"]);
        let sufficient = match notified {
            Some(n) => Some(n <= deadline),
            None if as_of > deadline => Some(false),
            None => None,
        };
        out.push(ChangeNotice {
            id: obj.get("id").and_then(|v| v.as_str()).map_or_else(|| format!("change {}", i + 1), str::to_string),
            title: obj.get("title").and_then(|v| v.as_str()).map(str::to_string),
            kind,
            planned_date: planned,
            notice_deadline: deadline,
            notified,
            sufficient,
        });
    }
    out
}

/// The calendar of the package uploaded on `uploaded`.
pub fn monthly(policy: &Policy, uploaded: NaiveDate) -> MonthlyCalendar {
    let due = policy.deliverable_day_of_month.map(|d| due_date(d, uploaded));
    let next = policy
        .deliverable_day_of_month
        .and_then(|d| uploaded.checked_add_months(Months::new(1)).map(|n| due_date(d, n)));
    let annual = policy.authorization_date.map(|ato| {
        let ann = next_anniversary(ato, uploaded);
        AnnualMilestones {
            ato_anniversary: ann,
            sap_due: ann - Days::new(SAP_LEAD_DAYS),
            package_due: ann,
            days_to_anniversary: (ann - uploaded).num_days(),
        }
    });
    MonthlyCalendar {
        uploaded,
        due_date: due,
        on_time: due.map(|d| uploaded <= d),
        earliest_meeting: earliest_meeting(uploaded),
        next_due_date: next,
        annual,
        change_notices: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn worked_example_16_due_day_and_meeting() {
        let mut p = Policy::fedramp_rev5();
        p.deliverable_day_of_month = Some(13);
        let on_time = monthly(&p, d("2026-03-13"));
        assert_eq!(on_time.due_date, Some(d("2026-03-13")));
        assert_eq!(on_time.on_time, Some(true));
        assert_eq!(on_time.earliest_meeting, d("2026-03-20"));
        assert_eq!(on_time.next_due_date, Some(d("2026-04-13")));
        let late = monthly(&p, d("2026-03-17"));
        assert_eq!(late.on_time, Some(false));
        assert_eq!(late.earliest_meeting, d("2026-03-24"));
    }

    #[test]
    fn change_notice_deadlines() {
        let changes = serde_json::json!([
            { "id": "SCR-1", "type": "Adaptive", "planned_date": "2026-04-20", "notified_date": "2026-03-10" },
            { "id": "SCR-2", "type": "Transformative", "planned_date": "2026-04-01", "submitted": "2026-03-05" },
            { "id": "SCR-3", "type": "Emergency", "change_date": "2026-03-01" },
            { "id": "SCR-4", "type": "Adaptive", "planned_date": "2026-05-30" },
            { "id": "SCR-5", "type": "Routine Recurring", "planned_date": "2026-03-20" },
            { "id": "SCR-6", "title": "no date" }
        ]);
        let n = change_notices(&changes, d("2026-03-13"));
        let ids: Vec<&str> = n.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["SCR-1", "SCR-2", "SCR-3", "SCR-4"]);
        assert_eq!(n[0].notice_deadline, d("2026-03-21"));
        assert_eq!(n[0].sufficient, Some(true));
        // Planned 2026-04-01: notice due 2026-03-02; notified 2026-03-05 is 3 days short.
        assert_eq!(n[1].notice_deadline, d("2026-03-02"));
        assert_eq!(n[1].sufficient, Some(false));
        // Emergency on 2026-03-01: notify by 2026-03-06; nothing by 2026-03-13.
        assert_eq!(n[2].notice_deadline, d("2026-03-06"));
        assert_eq!(n[2].sufficient, Some(false));
        // Still ahead: 2026-04-30.
        assert_eq!(n[3].sufficient, None);
    }

    #[test]
    fn short_months_and_anniversaries() {
        assert_eq!(due_date(31, d("2026-02-10")), d("2026-02-28"));
        assert_eq!(due_date(31, d("2028-02-10")), d("2028-02-29"));
        assert_eq!(due_date(30, d("2026-04-01")), d("2026-04-30"));
        assert_eq!(next_anniversary(d("2024-02-29"), d("2026-01-05")), d("2026-02-28"));
        assert_eq!(next_anniversary(d("2023-06-15"), d("2026-06-15")), d("2026-06-15"));
        assert_eq!(next_anniversary(d("2023-06-15"), d("2026-06-16")), d("2027-06-15"));
        assert_eq!(change_notice_deadline(d("2026-05-01")), d("2026-04-01"));
        let mut p = Policy::fedramp_rev5();
        p.authorization_date = Some(d("2025-06-15"));
        let a = monthly(&p, d("2026-03-13")).annual.unwrap_or_else(|| panic!("annual"));
        assert_eq!(a.ato_anniversary, d("2026-06-15"));
        assert_eq!(a.sap_due, d("2026-04-16"));
        assert_eq!(a.days_to_anniversary, 94);
    }
}
