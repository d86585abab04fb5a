//! Integration tests: one binary, modules per area.

mod fixtures;
mod worked_examples;
