//! The monthly meeting report: one self-contained HTML file (inline CSS and SVG, no script, no
//! network resource) with the agenda FedRAMP recommends for the monthly ConMon meeting (R8.3):
//! past-due POA&M items, deviation requests pending, significant changes, annual assessment
//! status; and charts: open items by risk over the months, aging of open items against the SLA,
//! new versus closed items per month, and the escalation triggers that are tripped or near.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::calendar::MonthlyCalendar;
use crate::deviation::{Deviation, DeviationStatus};
use crate::issue::Issue;
use crate::model::{DeviationFlag, Poam, RiskRating};
use crate::policy::Policy;
use crate::sla::{self, AsOf};
use crate::triggers::{MonthSummary, Trigger};

/// What the report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// This month's POA&M.
    pub poam: &'a Poam,
    /// The deviation register.
    pub deviations: &'a [Deviation],
    /// Significant change requests (any JSON: an array of objects, shown field by field).
    pub significant_changes: Option<&'a serde_json::Value>,
    /// The calendar.
    pub calendar: &'a MonthlyCalendar,
    /// Triggers.
    pub triggers: &'a [Trigger],
    /// Month summaries, oldest first, this month last.
    pub history: &'a [MonthSummary],
    /// Validation diagnostics.
    pub validation: &'a [Issue],
    /// The policy.
    pub policy: &'a Policy,
    /// The POA&M date.
    pub as_of: NaiveDate,
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const COLORS: [(&str, &str); 3] = [("High", "#c0392b"), ("Moderate", "#e67e22"), ("Low", "#2e86c1")];

/// Stacked bars of open items by risk per month.
fn chart_open_by_risk(history: &[MonthSummary]) -> String {
    let (w, h, pad) = (640.0, 220.0, 30.0);
    let max = history.iter().map(|m| m.open_high + m.open_moderate + m.open_low).max().unwrap_or(0).max(1) as f64;
    let n = history.len().max(1) as f64;
    let bw = ((w - 2.0 * pad) / n * 0.7).min(60.0);
    let mut s = format!(
        r#"<svg role="img" aria-label="Open items by risk per month" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    for (i, m) in history.iter().enumerate() {
        let x = pad + (i as f64 + 0.15) * (w - 2.0 * pad) / n;
        let mut y = h - pad;
        for (count, (_, color)) in [m.open_high, m.open_moderate, m.open_low].iter().zip(COLORS) {
            let bh = *count as f64 / max * (h - 2.0 * pad);
            y -= bh;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{color}"><title>{count}</title></rect>"#
            );
        }
        let total = m.open_high + m.open_moderate + m.open_low;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{total}</text><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
            x + bw / 2.0,
            y - 3.0,
            x + bw / 2.0,
            h - pad + 14.0,
            m.as_of.format("%Y-%m")
        );
    }
    s.push_str("</svg>");
    s
}

/// Histogram of open items' age against the SLA, by rating.
fn chart_aging(poam: &Poam, policy: &Policy, as_of: NaiveDate) -> String {
    let bins: [(i64, i64, &str); 6] = [
        (0, 30, "0-30"),
        (31, 60, "31-60"),
        (61, 90, "61-90"),
        (91, 120, "91-120"),
        (121, 180, "121-180"),
        (181, i64::MAX, ">180"),
    ];
    let mut counts = [[0u64; 3]; 6];
    for item in &poam.open {
        let age = (as_of - item.original_detection_date).num_days().max(0);
        let r = match item.effective_risk_rating() {
            RiskRating::High => 0,
            RiskRating::Moderate => 1,
            RiskRating::Low => 2,
        };
        if let Some(b) = bins.iter().position(|(lo, hi, _)| age >= *lo && age <= *hi) {
            counts[b][r] += 1;
        }
    }
    let (w, h, pad) = (640.0, 220.0, 30.0);
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let group = (w - 2.0 * pad) / 6.0;
    let bw = group / 4.0;
    let mut s =
        format!(r#"<svg role="img" aria-label="Aging of open items" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#);
    let sla = [policy.rev5_sla_days.high, policy.rev5_sla_days.moderate, policy.rev5_sla_days.low];
    for (b, (lo, _, label)) in bins.iter().enumerate() {
        for (r, (name, color)) in COLORS.iter().enumerate() {
            let c = counts[b][r];
            let bh = c as f64 / max * (h - 2.0 * pad);
            let x = pad + b as f64 * group + r as f64 * bw + bw * 0.5;
            // Past the SLA of its rating: drawn solid; within it: lighter.
            let opacity = if *lo > i64::from(sla[r]) { "1" } else { "0.45" };
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{color}" fill-opacity="{opacity}"><title>{name}: {c}</title></rect>"#,
                h - pad - bh,
                bw * 0.9
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{label} d</text>"#,
            pad + b as f64 * group + group / 2.0,
            h - pad + 14.0
        );
    }
    s.push_str("</svg>");
    s
}

/// New versus closed items per month.
fn chart_new_closed(history: &[MonthSummary]) -> String {
    let (w, h, pad) = (640.0, 200.0, 30.0);
    let max = history.iter().map(|m| m.new_items.max(m.closed_items)).max().unwrap_or(0).max(1) as f64;
    let n = history.len().max(1) as f64;
    let group = (w - 2.0 * pad) / n;
    let bw = (group / 3.0).min(30.0);
    let mut s = format!(
        r#"<svg role="img" aria-label="New and closed items per month" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    for (i, m) in history.iter().enumerate() {
        for (k, (v, color, label)) in
            [(m.new_items, "#8e44ad", "new"), (m.closed_items, "#27ae60", "closed")].iter().enumerate()
        {
            let bh = *v as f64 / max * (h - 2.0 * pad);
            let x = pad + i as f64 * group + k as f64 * bw + group * 0.2;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{color}"><title>{label}: {v}</title></rect>"#,
                h - pad - bh,
                bw * 0.9
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
            pad + i as f64 * group + group / 2.0,
            h - pad + 14.0,
            m.as_of.format("%Y-%m")
        );
    }
    s.push_str("</svg>");
    s
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from(r#"<p class="legend">"#);
    for (name, color) in items {
        let _ = write!(s, r#"<span><i style="background:{color}"></i>{}</span>"#, esc(name));
    }
    s.push_str("</p>");
    s
}

/// Renders the report.
pub fn html(r: &ReportInputs<'_>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let title = format!(
        "{} — ConMon monthly meeting, {}",
        if r.poam.header.system_name.is_empty() { "System" } else { &r.poam.header.system_name },
        r.as_of
    );
    let _ = write!(
        s,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{}</title><style>
body{{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}}
h1{{font-size:22px}} h2{{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}}
table{{border-collapse:collapse;width:100%;font-size:13px}} th,td{{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}}
th{{background:#f3f5f9}} .late{{color:#c0392b;font-weight:600}} .ok{{color:#27ae60}} .near{{color:#e67e22}}
.legend span{{margin-right:14px;font-size:12px}} .legend i{{display:inline-block;width:10px;height:10px;margin-right:4px}}
.cards{{display:flex;gap:12px;flex-wrap:wrap}} .card{{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}}
.card b{{display:block;font-size:20px}}
</style></head><body>"#,
        esc(&title)
    );
    let _ = write!(s, "<h1>{}</h1>", esc(&title));
    let late: Vec<(&crate::model::PoamItem, sla::Clock)> = r
        .poam
        .open
        .iter()
        .filter_map(|i| {
            sla::evaluate_unexplained(i, r.policy, AsOf::date(r.as_of)).ok().filter(|c| c.is_late()).map(|c| (i, c))
        })
        .collect();
    let pending: Vec<&Deviation> = r.deviations.iter().filter(|d| d.status == DeviationStatus::Pending).collect();
    let pending_flags = r
        .poam
        .open
        .iter()
        .filter(|i| [i.risk_adjustment, i.false_positive, i.operational_requirement].contains(&DeviationFlag::Pending))
        .count();
    let errors = r.validation.iter().filter(|i| i.is_error()).count();
    let _ = write!(
        s,
        r#"<div class="cards"><div class="card">Open items<b>{}</b></div><div class="card">Past due<b class="{}">{}</b></div><div class="card">Deviation requests pending<b>{}</b></div><div class="card">Closed this month<b>{}</b></div><div class="card">Validation errors<b class="{}">{}</b></div></div>"#,
        r.poam.open.len(),
        if late.is_empty() { "ok" } else { "late" },
        late.len(),
        pending.len().max(pending_flags),
        r.history.last().map_or(0, |m| m.closed_items),
        if errors == 0 { "ok" } else { "late" },
        errors
    );

    // Calendar.
    let c = r.calendar;
    s.push_str("<h2>Schedule</h2><table>");
    let _ = write!(s, "<tr><th>Package uploaded</th><td>{}</td></tr>", c.uploaded);
    if let Some(d) = c.due_date {
        let _ = write!(
            s,
            "<tr><th>Due date</th><td>{d} — <span class=\"{}\">{}</span></td></tr>",
            if c.on_time == Some(true) { "ok" } else { "late" },
            if c.on_time == Some(true) { "on time" } else { "late" }
        );
    }
    let _ = write!(s, "<tr><th>Earliest meeting</th><td>{}</td></tr>", c.earliest_meeting);
    if let Some(n) = c.next_due_date {
        let _ = write!(s, "<tr><th>Next package due</th><td>{n}</td></tr>");
    }
    s.push_str("</table>");

    // 1. Past-due items.
    let _ = write!(s, "<h2>1. Past-due POA&amp;M items ({})</h2>", late.len());
    if late.is_empty() {
        s.push_str("<p class=\"ok\">None.</p>");
    } else {
        s.push_str("<table><tr><th>POA&amp;M ID</th><th>Weakness</th><th>Rating</th><th>Detected</th><th>Due</th><th>Days late</th><th>Assets</th></tr>");
        for (i, clock) in &late {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"late\">{}</td><td>{}</td></tr>",
                esc(&i.poam_id),
                esc(&i.weakness_name),
                i.effective_risk_rating().as_template(),
                i.original_detection_date,
                clock.due_date.map(|d| d.to_string()).unwrap_or_default(),
                clock.days_late,
                i.assets.len()
            );
        }
        s.push_str("</table>");
    }

    // 2. Deviation requests pending.
    let _ = write!(s, "<h2>2. Deviation requests pending ({})</h2>", pending.len().max(pending_flags));
    if pending.is_empty() && pending_flags == 0 {
        s.push_str("<p>None.</p>");
    } else {
        s.push_str("<table><tr><th>DR</th><th>POA&amp;M ID</th><th>Type</th><th>Submitted</th><th>Requested rating</th><th>Rationale</th></tr>");
        for d in &pending {
            let kind =
                serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.id),
                esc(&d.poam_id),
                esc(&kind),
                d.submitted.map(|x| x.to_string()).unwrap_or_default(),
                d.requested_rating.map(|x| x.as_template()).unwrap_or(""),
                esc(&d.rationale)
            );
        }
        if pending.is_empty() {
            for i in r.poam.open.iter().filter(|i| {
                [i.risk_adjustment, i.false_positive, i.operational_requirement].contains(&DeviationFlag::Pending)
            }) {
                let _ = write!(
                    s,
                    "<tr><td></td><td>{}</td><td>{}</td><td></td><td></td><td>{}</td></tr>",
                    esc(&i.poam_id),
                    [("RA", i.risk_adjustment), ("FP", i.false_positive), ("OR", i.operational_requirement)]
                        .iter()
                        .filter(|(_, f)| *f == DeviationFlag::Pending)
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                    esc(i.deviation_rationale.as_deref().unwrap_or(""))
                );
            }
        }
        s.push_str("</table>");
    }

    // 3. Significant changes.
    s.push_str("<h2>3. Significant changes</h2>");
    match r.significant_changes.and_then(|v| v.as_array()).filter(|a| !a.is_empty()) {
        None => s.push_str("<p>None reported.</p>"),
        Some(list) => {
            s.push_str("<table>");
            for change in list {
                s.push_str("<tr><td>");
                match change.as_object() {
                    Some(obj) => {
                        for (k, v) in obj {
                            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                            let _ = write!(s, "<b>{}</b>: {}<br>", esc(k), esc(&text));
                        }
                    }
                    None => s.push_str(&esc(&change.to_string())),
                }
                s.push_str("</td></tr>");
            }
            s.push_str("</table>");
        }
    }

    if !c.change_notices.is_empty() {
        s.push_str("<table><tr><th>Change</th><th>Type</th><th>Planned</th><th>Notice due</th><th>Notified</th><th>Notice</th></tr>");
        for n in &c.change_notices {
            let (class, state) = match n.sufficient {
                Some(true) => ("ok", "in time"),
                Some(false) => ("late", "insufficient"),
                None => ("near", "due"),
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{state}</td></tr>",
                esc(&n.id),
                esc(n.kind.as_deref().unwrap_or("")),
                n.planned_date,
                n.notice_deadline,
                n.notified.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        s.push_str("</table>");
    }

    // 4. Annual assessment.
    s.push_str("<h2>4. Annual assessment status</h2>");
    match &c.annual {
        Some(a) => {
            let _ = write!(
                s,
                "<table><tr><th>ATO anniversary</th><td>{} ({} days)</td></tr><tr><th>SAP due (60 days before)</th><td>{}</td></tr><tr><th>Assessment package due</th><td>{}</td></tr></table>",
                a.ato_anniversary, a.days_to_anniversary, a.sap_due, a.package_due
            );
        }
        None => s.push_str("<p>Set <code>authorization_date</code> in the policy to track the annual assessment.</p>"),
    }

    // 5. Triggers.
    s.push_str(
        "<h2>5. Escalation triggers</h2><table><tr><th>Trigger</th><th>Level</th><th>State</th><th>Detail</th></tr>",
    );
    for t in r.triggers {
        let (class, state) = if t.tripped {
            ("late", "tripped")
        } else if t.near {
            ("near", "near")
        } else {
            ("ok", "clear")
        };
        let level = match t.level {
            crate::triggers::Level::Dfr => "DFR",
            crate::triggers::Level::Cap => "CAP",
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{level}</td><td class=\"{class}\">{state}</td><td>{}</td></tr>",
            esc(&t.name),
            esc(&t.message)
        );
    }
    s.push_str("</table>");

    // Charts.
    s.push_str("<h2>Open items by risk</h2>");
    s.push_str(&legend(&COLORS));
    s.push_str(&chart_open_by_risk(r.history));
    s.push_str("<h2>Aging of open items against the SLA</h2>");
    s.push_str(&legend(&COLORS));
    let _ = write!(
        s,
        "<p>Solid bars are past the rating's remediation timeframe ({} / {} / {} days).</p>",
        r.policy.rev5_sla_days.high, r.policy.rev5_sla_days.moderate, r.policy.rev5_sla_days.low
    );
    s.push_str(&chart_aging(r.poam, r.policy, r.as_of));
    s.push_str("<h2>New and closed items per month</h2>");
    s.push_str(&legend(&[("new", "#8e44ad"), ("closed", "#27ae60")]));
    s.push_str(&chart_new_closed(r.history));

    if errors > 0 {
        let _ = write!(s, "<h2>Validation ({errors} error(s))</h2><ul>");
        for i in r.validation.iter().filter(|i| i.is_error()).take(200) {
            let _ = write!(s, "<li><code>{}</code> {}</li>", esc(&i.code), esc(&i.to_string()));
        }
        s.push_str("</ul>");
    }
    let _ =
        writeln!(s, "<p style=\"color:#777;font-size:11px\">Generated by conmon {}.</p></body></html>", crate::VERSION);
    s
}
