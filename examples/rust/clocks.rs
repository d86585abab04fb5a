//! Which items of the bundled sample POA&M are late on the POA&M date, and why.
//!
//! `cargo run -p conmon-examples --example clocks`
#![allow(clippy::print_stdout)]

use conmon_core::sla::{AsOf, ClockState, evaluate_all};
use conmon_core::{Policy, Result};

fn late_items() -> Result<Vec<(String, i64, String)>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-poam.json");
    let text = std::fs::read_to_string(path).map_err(|e| conmon_core::Error::io(e, path.as_ref()))?;
    let items = conmon_core::io::json::read_items(&text, path)?;
    let clocks = evaluate_all(&items, &Policy::preset("fedramp_rev5")?, AsOf::parse("2026-03-13")?)?;
    Ok(clocks
        .into_iter()
        .filter(|c| c.state == ClockState::Late)
        .map(|c| (c.poam_id, c.days_late, c.explanation.last().map(|s| s.text.clone()).unwrap_or_default()))
        .collect())
}

fn main() -> Result<()> {
    for (id, days, why) in late_items()? {
        println!("{id}: {days} days late — {why}");
    }
    Ok(())
}

#[test]
fn sample_has_three_late_items() {
    let late = late_items().unwrap();
    let ids: Vec<&str> = late.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, ["V-101", "V-106", "V-108"]);
    assert_eq!(late[0].1, 32);
}
