//! Integration tests: one binary, modules per area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod deviation_form;
mod fixtures;
mod formats;
mod hostile;
mod ingest_formats;
mod ingest_nessus;
mod reconcile;
mod reconcile_props;
mod time_zones;
mod triggers;
mod validate;
mod worked_examples;
