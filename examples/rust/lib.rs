//! Examples of the conmon engine live under `examples/rust/*.rs`; run one with
//! `cargo run -p conmon-examples --example clocks`.
